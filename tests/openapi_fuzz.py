"""Running schemathesis over a live API: every operation, bounded, failures collected not raised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance]


def fuzz(
    base_url: str,
    headers_for: Callable[[str, str], dict[str, str]],
    *,
    max_examples: int,
    skip: Callable[[str, str], bool] = lambda method, path: False,
) -> list[str]:
    """Fuzz every operation of ``base_url``'s OpenAPI document; return one line per failure.

    ``headers_for(method, path)`` gives each operation its credentials. Failures do not stop
    the run (nor are they shrunk): one run shows everything, within a known time.
    """
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        method, path = operation.method.upper(), operation.path
        if skip(method, path):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz_operation(
                    operation,
                    mode,
                    base_url,
                    session,
                    headers_for(method, path),
                    failures,
                    max_examples,
                )
            except Unsatisfiable:  # nothing to get wrong (no parameters, no body): no negatives
                assert mode is GenerationMode.NEGATIVE, f"{method} {path}: no positive case"
    return sorted(set(failures))


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    session: requests.Session,
    headers: dict[str, str],
    failures: list[str],
    max_examples: int,
) -> None:
    name = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # one failure, or a group of them
            for failure in getattr(exc, "exceptions", (exc,)):
                first = (str(failure).strip() or repr(failure)).splitlines()[0]
                failures.append(f"{name} -> {response.status_code}: {first}")

    run()
