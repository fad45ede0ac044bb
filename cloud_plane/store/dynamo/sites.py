"""``SiteStore`` on DynamoDB: site items, name claims, enrolment codes, node keys, nonces.

Decisions (the layout is in ``store/keys.py``):

- Every site item lives in the one ``SITES`` partition, so ``list_sites`` is one strongly
  consistent Query, never a Scan (a deployment has tens to hundreds of sites). Its
  attributes are the ``Site`` fields, times as ``keys.time_text``; ``enroll_gen`` counts
  re-issues (below). ``site_key(site_id)`` is its key: the detections role's
  ``record_heartbeat`` updates ``last_heartbeat_at`` (time text) and ``heartbeat`` (the
  ``Heartbeat`` as JSON text) and ``backlog`` (recent backlog samples, ``records.backlog``)
  on it, on the condition ``attribute_exists(pk)`` so a
  heartbeat of an unknown site creates nothing.
- Live names are unique by a claim item per name (``keys.site_name``) written in the same
  transaction as the site (create, rename); archiving or deleting a site deletes its claim.
  Site changes are rare admin actions, so their transactions' double cost does not matter.
- Enrolment codes: one item per code hash holding its site and the site's ``enroll_gen``
  at issue. ``reissue_enrollment`` bumps the site's ``enroll_gen`` (conditional on the value
  read) instead of finding and deleting the old codes: a code whose generation is not the
  site's is refused as not valid, so no query by site is needed and no concurrently issued
  code survives a re-issue. ``consume_enrollment`` is one transaction: the code marked used
  on the condition it was not (exactly one of concurrent callers wins), the site marked
  enrolled on the condition its generation is unchanged and it is not revoked, and the
  node's key put. Codes expire from the table by TTL ``CODE_KEPT`` after their own expiry.
- ``record_hotlist_version`` runs at every exchange: it reads the site item eventually
  consistently (half a read unit) and writes only when the version changed or the stored
  ``hotlist_seen_at`` is older than ``HOTLIST_SEEN_REFRESH`` (a write unit costs ten times
  a half read unit, and a refused conditional write is charged like a write, so a condition
  alone would save nothing). ``hotlist_seen_at`` may therefore lag by up to that minute.
- Nonces: a conditional put with the TTL attribute; an expired item DynamoDB has not
  deleted yet counts as absent (``expires_at < :now`` in the condition). ``expires_at`` is
  rounded up to a whole second (TTL is in epoch seconds), so a nonce may be refused for up
  to a second longer than asked, never shorter.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from cloud_plane.errors import Conflict, NotFound
from cloud_plane.records.backlog import decode_samples
from cloud_plane.records.sites import EnrollmentRefused, Site
from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.table import attempts
from cloud_plane.store.ids import new_site_id
from sync_protocol.messages import Heartbeat

HOTLIST_SEEN_REFRESH = timedelta(minutes=1)
CODE_KEPT = timedelta(days=30)  # a code item stays this long after its expiry (then TTL)
NOT_VALID = "enrolment code is not valid"
_NAME = {"#n": "name"}
_TZ = {"#tz": "timezone"}  # TIMEZONE is reserved in expressions: named through #tz


def site_key(site_id: str) -> dict[str, str]:
    """Return the key of the site item (raise ValueError for an id no key can hold)."""
    return keys.site(site_id)


class DynamoSites:
    """``SiteStore`` over the single table."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db
        self._table = db.table

    # -- sites ---------------------------------------------------------------------------------
    def create_site(self, name: str, *, now: datetime, timezone: str | None = None) -> Site:
        """Create a site with a fresh id; raise Conflict if a live site has the name."""
        site_id = new_site_id()
        item: dict[str, Any] = {
            **site_key(site_id),
            "site_id": site_id,
            "name": name,
            "created_at": keys.time_text(now),
            "enroll_gen": 0,
        }
        if timezone is not None:
            item["timezone"] = timezone
        claim = {**keys.site_name(name), "site_id": site_id}
        for _ in attempts(f"create site {name!r}"):
            if self._table.transact_write(
                [
                    self._table.tx_put(claim, condition="attribute_not_exists(pk)"),
                    self._table.tx_put(item, condition="attribute_not_exists(pk)"),
                ]
            ):
                return _site(item)
            self._refuse_taken(name)
        raise AssertionError("unreachable")  # attempts() raises when the rounds run out

    def rename_site(self, site_id: str, name: str) -> Site:
        """Rename the site; raise NotFound, or Conflict if another live site has the name."""
        for _ in attempts(f"rename site {site_id!r}"):
            site = self.get_site(site_id)
            self._refuse_taken(name, other_than=site_id)
            if site.name == name:
                return site
            # An archived site holds no claim (its name is free): it is renamed alone.
            live = "" if site.archived else " AND attribute_not_exists(archived_at)"
            rename = self._table.tx_update(
                site_key(site_id),
                "SET #n = :new",
                condition="#n = :old" + live,
                names=_NAME,
                values={":new": name, ":old": site.name},
            )
            actions = [rename]
            if not site.archived:
                claim = {**keys.site_name(name), "site_id": site_id}
                actions += [
                    self._table.tx_put(claim, condition="attribute_not_exists(pk)"),
                    self._release_claim(site),
                ]
            if self._table.transact_write(actions):
                return self.get_site(site_id)
        raise AssertionError("unreachable")

    def set_site_timezone(self, site_id: str, timezone: str | None) -> Site:
        """Set the site's IANA zone (None: the cloud's default); raise NotFound."""
        item = None
        if _valid_id(site_id):
            item = self._table.update(
                site_key(site_id),
                "REMOVE #tz" if timezone is None else "SET #tz = :tz",
                condition="attribute_exists(pk)",
                names=_TZ,
                values=None if timezone is None else {":tz": timezone},
            )
        if item is None:
            raise NotFound(f"no site {site_id!r}")
        return _site(item)

    def set_site_read_retention(self, site_id: str, days: int | None) -> Site:
        """Set the days the site's reads are kept (None: the default); raise NotFound.

        One transaction: the site item (what the site shows) and the site's attribute on the
        ``RETENTION`` item (what the TTLs of new items are computed from, ``db.py``).
        """
        if not _valid_id(site_id):
            raise NotFound(f"no site {site_id!r}")
        name = {"#d": keys.retention_attribute(site_id)}
        site_update = self._table.tx_update(
            site_key(site_id),
            "REMOVE read_retention_days" if days is None else "SET read_retention_days = :d",
            condition="attribute_exists(pk)",
            values=None if days is None else {":d": days},
        )
        override = self._table.tx_update(
            keys.retention_overrides(),
            "REMOVE #d" if days is None else "SET #d = :d",
            names=name,
            values=None if days is None else {":d": days},
        )
        if not self._table.transact_write([site_update, override]):
            raise NotFound(f"no site {site_id!r}")
        self._db.forget_overrides()
        return self.get_site(site_id)

    def archive_site(self, site_id: str, *, now: datetime) -> Site | None:
        """Delete a never-enrolled site (None), or revoke and archive an enrolled one.

        A deleted site's codes are left to expire by TTL: they name a site that no longer
        exists, so ``consume_enrollment`` refuses them.
        """
        for _ in attempts(f"archive site {site_id!r}"):
            site = self.get_site(site_id)
            if site.archived:
                return site
            at = {":now": keys.time_text(now), ":name": site.name}
            if site.enrolled_at is None:
                retire = self._table.tx_delete(
                    site_key(site_id),
                    condition="attribute_exists(pk) AND attribute_not_exists(enrolled_at)"
                    " AND #n = :name",
                    names=_NAME,
                    values={":name": site.name},
                )
            else:
                retire = self._table.tx_update(
                    site_key(site_id),
                    "SET revoked_at = if_not_exists(revoked_at, :now), archived_at = :now",
                    condition="attribute_exists(pk) AND attribute_not_exists(archived_at)"
                    " AND #n = :name",
                    names=_NAME,
                    values=at,
                )
            if self._table.transact_write([retire, self._release_claim(site)]):
                return None if site.enrolled_at is None else self.get_site(site_id)
        raise AssertionError("unreachable")

    def get_site(self, site_id: str) -> Site:
        """Return the site; raise NotFound."""
        item = self._site_item(site_id)
        if item is None:
            raise NotFound(f"no site {site_id!r}")
        return _site(item)

    def list_sites(self, site_ids: Collection[str] | None = None) -> list[Site]:
        """Return sites by name (only ``site_ids`` if given; unknown ids are skipped)."""
        if site_ids is None:
            items = list(
                self._table.query(
                    "pk = :pk AND begins_with(sk, :site)",
                    values={":pk": keys.SITES, ":site": "SITE#"},
                    consistent=True,
                )
            )
        else:
            wanted = [site_key(s) for s in site_ids if s and keys.SEP not in s]
            items = self._table.batch_get(wanted, consistent=True) if wanted else []
        return sorted((_site(i) for i in items), key=lambda s: (s.name, s.site_id))

    def revoke_site(self, site_id: str, *, now: datetime) -> Site:
        """Revoke the site (the first revocation time stays); raise NotFound."""
        item = None
        if _valid_id(site_id):
            item = self._table.update(
                site_key(site_id),
                "SET revoked_at = if_not_exists(revoked_at, :now)",
                condition="attribute_exists(pk)",
                values={":now": keys.time_text(now)},
            )
        if item is None:
            raise NotFound(f"no site {site_id!r}")
        return _site(item)

    # -- enrolment -----------------------------------------------------------------------------
    def create_enrollment(self, site_id: str, code_hash: str, expires_at: datetime) -> None:
        """Register a one-time code hash for the site; raise NotFound, or Conflict if the
        hash is registered already."""
        for _ in attempts(f"create an enrolment code for site {site_id!r}"):
            gen = self._generation(site_id)
            if self._table.transact_write(
                [
                    self._table.tx_check(
                        site_key(site_id), "enroll_gen = :gen", values={":gen": gen}
                    ),
                    self._table.tx_put(
                        self._code(code_hash, site_id, gen, expires_at),
                        condition="attribute_not_exists(pk)",
                    ),
                ]
            ):
                return
            if self._table.get(keys.enrollment(code_hash)) is not None:
                raise Conflict("this enrolment code is registered already; make a new one")

    def reissue_enrollment(self, site_id: str, code_hash: str, expires_at: datetime) -> None:
        """Replace the site's unused codes by this one; raise NotFound or Conflict."""
        for _ in attempts(f"re-issue the enrolment code of site {site_id!r}"):
            site = self.get_site(site_id)
            if site.revoked:
                raise Conflict(f"site {site_id!r} was revoked or archived; it cannot enrol")
            gen = self._generation(site_id)
            if self._table.transact_write(
                [
                    self._table.tx_update(
                        site_key(site_id),
                        "SET enroll_gen = :next",
                        condition="enroll_gen = :gen AND attribute_not_exists(revoked_at)",
                        values={":gen": gen, ":next": gen + 1},
                    ),
                    self._table.tx_put(
                        self._code(code_hash, site_id, gen + 1, expires_at),
                        condition="attribute_not_exists(pk)",
                    ),
                ]
            ):
                return
            if self._table.get(keys.enrollment(code_hash)) is not None:
                raise Conflict("this enrolment code is registered already; make a new one")

    def consume_enrollment(
        self,
        code_hash: str,
        now: datetime,
        public_key_pem: str,
        key_id: str,
        *,
        timezone: str | None = None,
    ) -> Site:
        """Use the code once and register the node's key (and ``timezone`` if the site has
        none, by ``if_not_exists`` in the same transaction); raise EnrollmentRefused."""
        for _ in attempts("use an enrolment code"):
            code = self._table.get(keys.enrollment(code_hash))
            if code is None:
                raise EnrollmentRefused(NOT_VALID)
            if code.get("used_at") is not None:
                raise EnrollmentRefused("enrolment code was already used; ask for a new one")
            if keys.parse_time_text(code["code_expires_at"]) <= now:
                raise EnrollmentRefused("enrolment code has expired; ask for a new one")
            site_id = str(code["site_id"])
            item = self._site_item(site_id)
            if item is None or item.get("enroll_gen", 0) != code["gen"]:
                raise EnrollmentRefused(NOT_VALID)  # its site was deleted, or it was replaced
            if item.get("revoked_at") is not None:
                raise EnrollmentRefused(f"site {site_id!r} was revoked")
            at = keys.time_text(now)
            if self._table.transact_write(
                [
                    self._table.tx_update(
                        keys.enrollment(code_hash),
                        "SET used_at = :now, key_id = :key",
                        condition="attribute_exists(pk) AND attribute_not_exists(used_at)",
                        values={":now": at, ":key": key_id},
                    ),
                    self._table.tx_update(
                        site_key(site_id),
                        "SET enrolled_at = :now"
                        + ("" if timezone is None else ", #tz = if_not_exists(#tz, :tz)"),
                        condition="enroll_gen = :gen AND attribute_not_exists(revoked_at)",
                        names=None if timezone is None else _TZ,
                        values={":now": at, ":gen": code["gen"]}
                        | ({} if timezone is None else {":tz": timezone}),
                    ),
                    self._table.tx_put(
                        {
                            **keys.site_key(site_id, key_id),
                            "public_key_pem": public_key_pem,
                            "created_at": at,
                        }
                    ),
                ]
            ):
                return self.get_site(site_id)
            # A condition failed: the next round reads what changed and answers from it.
        raise AssertionError("unreachable")

    def get_site_key(self, site_id: str, key_id: str) -> str | None:
        """Return the public key PEM registered for the site under ``key_id``, or None."""
        if not (_valid_id(site_id) and _valid_id(key_id)):
            return None
        item = self._table.get(keys.site_key(site_id, key_id))
        return None if item is None else str(item["public_key_pem"])

    # -- what nodes report ---------------------------------------------------------------------
    def record_hotlist_version(self, site_id: str, version: int, *, at: datetime) -> None:
        """Keep the hotlist version the site's node holds (unknown site: no-op).

        Written only when the version changed or the stored time is older than
        ``HOTLIST_SEEN_REFRESH`` (see the module docstring: writes cost money).
        """
        if not _valid_id(site_id):
            return
        item = self._table.get(site_key(site_id), consistent=False)
        if item is None:
            return
        seen = item.get("hotlist_seen_at")
        if (
            item.get("hotlist_version") == version
            and seen is not None
            and timedelta(0) <= at - keys.parse_time_text(seen) < HOTLIST_SEEN_REFRESH
        ):
            return
        self._table.update(
            site_key(site_id),
            "SET hotlist_version = :v, hotlist_seen_at = :at",
            condition="attribute_exists(pk)",
            values={":v": version, ":at": keys.time_text(at)},
        )

    def remember_nonce(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """Record a nonce until ``expires_at``; return True if it is already recorded."""
        stored = self._table.put(
            {**keys.nonce(key), "expires_at": math.ceil(expires_at.timestamp())},
            condition="attribute_not_exists(pk) OR expires_at < :now",
            values={":now": now.timestamp()},
        )
        return not stored

    # -- helpers -------------------------------------------------------------------------------
    def _site_item(self, site_id: str) -> dict[str, Any] | None:
        return self._table.get(site_key(site_id)) if _valid_id(site_id) else None

    def _generation(self, site_id: str) -> int:
        item = self._site_item(site_id)
        if item is None:
            raise NotFound(f"no site {site_id!r}")
        return int(item.get("enroll_gen", 0))

    def _code(self, code_hash: str, site_id: str, gen: int, expires_at: datetime) -> dict[str, Any]:
        return {
            **keys.enrollment(code_hash),
            "site_id": site_id,
            "gen": gen,
            "code_expires_at": keys.time_text(expires_at),
            "expires_at": int((expires_at + CODE_KEPT).timestamp()),
        }

    def _release_claim(self, site: Site) -> dict[str, Any]:
        """Return the deletion of the site's name claim (if it is still the site's)."""
        return self._table.tx_delete(
            keys.site_name(site.name),
            condition="attribute_not_exists(pk) OR site_id = :me",
            values={":me": site.site_id},
        )

    def _refuse_taken(self, name: str, other_than: str | None = None) -> None:
        """Raise Conflict if a live site other than ``other_than`` claims ``name``."""
        claim = self._table.get(keys.site_name(name))
        if claim is not None and claim["site_id"] != other_than:
            raise Conflict(
                f"site {claim['site_id']} is already named {name!r}; choose another name"
            )


def _valid_id(value: str) -> bool:
    """Return True if ``value`` can be part of a key (others name nothing stored)."""
    return bool(value) and keys.SEP not in value


def _time(item: dict[str, Any], name: str) -> datetime | None:
    text = item.get(name)
    return None if text is None else keys.parse_time_text(text)


def _site(item: dict[str, Any]) -> Site:
    heartbeat = item.get("heartbeat")
    version = item.get("hotlist_version")
    return Site(
        site_id=item["site_id"],
        name=item["name"],
        created_at=keys.parse_time_text(item["created_at"]),
        revoked_at=_time(item, "revoked_at"),
        enrolled_at=_time(item, "enrolled_at"),
        last_heartbeat_at=_time(item, "last_heartbeat_at"),
        heartbeat=Heartbeat.model_validate_json(heartbeat) if heartbeat else None,
        archived_at=_time(item, "archived_at"),
        hotlist_version=None if version is None else int(version),
        hotlist_seen_at=_time(item, "hotlist_seen_at"),
        timezone=item.get("timezone"),
        backlog_samples=decode_samples(item.get("backlog")),
        read_retention_days=_int(item.get("read_retention_days")),
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
