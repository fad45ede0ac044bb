"""The estimate as a table (people) and as JSON (scripts, the README's runs)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from cloud_plane.costing import measured
from cloud_plane.costing.estimate import CUSTOMER_FULL_CLOUD_USD, GOAL_USD, Estimate, Part
from cloud_plane.costing.prices import PRICES, REGION, TAKEN, price

SCHEMA = 1


def wu_per_read(e: Estimate) -> dict[str, float]:
    """Write units per read, by item kind, and their total."""
    reads = e.usage.reads
    out = {k: round(v / reads, 3) for k, v in e.usage.write_units.items()}
    out["total"] = round(sum(e.usage.write_units.values()) / reads, 3)
    return out


def comparison(e: Estimate) -> dict[str, Any]:
    """The total against the customer's full-cloud estimate and the goal."""
    low, high = CUSTOMER_FULL_CLOUD_USD
    with_free = e.total_usd - e.free_tier_usd
    return {
        "customer_full_cloud_usd": [low, high],
        "goal_usd": GOAL_USD,
        "total_usd": round(e.total_usd, 2),
        "total_with_free_tiers_usd": round(with_free, 2),
        "times_cheaper_than_customer": [round(low / e.total_usd, 1), round(high / e.total_usd, 1)],
        "meets_goal": e.total_usd < GOAL_USD,
        "meets_goal_with_free_tiers": with_free < GOAL_USD,
    }


def comparison_line(e: Estimate) -> str:
    """One line: versus the customer's estimate and the goal."""
    c = comparison(e)
    low, high = c["customer_full_cloud_usd"]
    verdict = "PASS" if c["meets_goal"] else "MISS"
    free = "PASS" if c["meets_goal_with_free_tiers"] else "MISS"
    return (
        f"vs the customer's full-cloud ${low:.0f}-{high:.0f}: ${c['total_usd']:.2f} "
        f"({c['times_cheaper_than_customer'][0]:g}-{c['times_cheaper_than_customer'][1]:g}x "
        f"less); goal < ${GOAL_USD:.0f} excluding SMS: {verdict} at list prices, {free} with "
        f"the always-free tiers (${c['total_with_free_tiers_usd']:.2f})"
    )


HEAD_ROW = f"{'service':<26}{'$/month':>9}  what"


def row(service: str, usd: float, what: str = "") -> str:
    """One table row: the service, its dollars a month, and what they pay for."""
    text = f"{service:<26}{usd:>9.2f}"
    return f"{text}  {what}" if what else text


def parts_json(parts: Iterable[Part]) -> list[dict[str, Any]]:
    """A line's parts with their prices, as in both estimates' JSON."""
    return [
        {
            "item": p.item,
            "quantity": round(p.quantity, 3),
            "price": p.price_name,
            "usd_per_unit": price(p.price_name).usd,
            "unit": price(p.price_name).unit,
            "usd": round(p.usd, 4),
        }
        for p in parts
    ]


def _what(line_service: str, e: Estimate) -> str:
    u = e.usage
    wu = sum(u.write_units.values())
    if line_service == "DynamoDB":
        return (
            f"{wu / 1e6:.2f} M WU ({wu / u.reads:.2f}/read), "
            f"{sum(u.read_units.values()) / 1e6:.2f} M RU, {u.table_gib:.2f} GB + PITR"
        )
    if line_service == "Lambda":
        return (
            f"{sum(u.invocations.values()):,.0f} calls, {sum(u.gb_seconds.values()):,.0f} "
            f"GB-s ({u.ms_per_exchange:.0f} ms/exchange)"
        )
    if line_service.startswith("API Gateway"):
        return f"{u.api_requests:,.0f} requests ({u.exchanges:,.0f} exchanges)"
    if line_service == "CloudWatch":
        return (
            f"{u.log_gib:.2f} GB logs, {e.assumptions.alarms} alarms, "
            f"{e.assumptions.dashboards} dashboard"
        )
    if line_service == "SQS":
        return f"{u.sqs_requests:,.0f} requests (mostly the idle queue's long polls)"
    if line_service == "Secrets Manager":
        return "1 secret"
    if line_service == "Cognito":
        return f"{u.staff_mau} staff (free up to 10,000 MAU)"
    if line_service == "SES":
        return f"{u.emails:,.0f} emails"
    if line_service == "EventBridge":
        return "monitor schedule (every minute)"
    return f"{u.sms:,.0f} messages"


def table(e: Estimate) -> str:
    """The human-readable estimate."""
    i, u = e.inputs, e.usage
    lines = [
        f"edgesync AWS mode, a 30-day month in {REGION} (list prices of {TAKEN}):",
        f"  {i.sites} site(s) x {i.cameras} cameras x {i.reads_per_minute:g} reads/min = "
        f"{u.reads:,.0f} reads; retention {i.retention_days} d; push every "
        f"{i.push_interval_s:g} s ({u.exchanges / i.sites / 43200:.1f} exchanges/min/site, "
        f"{u.reads_per_exchange:.1f} reads each)",
        "",
        HEAD_ROW,
    ]
    for line in e.lines:
        if not line.excluded:
            lines.append(row(line.service, line.usd, _what(line.service, e)))
    lines.append(row("total (excluding SMS)", e.total_usd))
    free = f"if nothing else in the account uses them: {e.total_usd - e.free_tier_usd:.2f}"
    lines.append(row("  always-free tiers", -e.free_tier_usd, free))
    for line in e.lines:
        if line.excluded:
            lines.append(row(line.service, line.usd, f"{_what(line.service, e)}, not in the total"))
    lines += ["", comparison_line(e)]
    top = e.dominant()
    kinds = ", ".join(f"{k} {v}" for k, v in wu_per_read(e).items() if k != "total")
    lines.append(
        f"dominant: {top.service} ({top.usd / e.total_usd:.0%}); write units per "
        f"read {wu_per_read(e)['total']}: {kinds}"
    )
    return "\n".join(lines)


def as_json(e: Estimate) -> dict[str, Any]:
    """Everything: inputs, assumptions, usage, lines with their parts, prices with sources."""
    return {
        "schema": SCHEMA,
        "region": REGION,
        "prices_taken": TAKEN,
        "inputs": asdict(e.inputs),
        "assumptions": asdict(e.assumptions),
        "usage": e.usage.as_dict(),
        "write_units_per_read": wu_per_read(e),
        "lines": [
            {
                "service": line.service,
                "usd": round(line.usd, 2),
                "free_tier_usd": round(line.free_usd, 2),
                "excluded": line.excluded,
                "parts": parts_json(line.parts),
            }
            for line in e.lines
        ],
        "total_usd": round(e.total_usd, 2),
        "free_tier_usd": round(e.free_tier_usd, 2),
        "excluded_usd": round(sum(line.usd for line in e.lines if line.excluded), 2),
        "comparison": comparison(e),
        "dominant": {
            "service": e.dominant().service,
            "share": round(e.dominant().usd / e.total_usd, 3),
        },
        "prices": {name: asdict(p) for name, p in PRICES.items()},
        "measured": {
            name: asdict(value) if isinstance(value, measured.Measured) else value
            for name, value in vars(measured).items()
            if name.isupper() and not name.startswith("_")
        },
    }
