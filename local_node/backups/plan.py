"""Which backups rotation keeps: the newest of each of N days and of each of M weeks. Pure.

Days and ISO weeks are those of the timestamps as given (the job passes site-local times,
so "a day" is the site's day). A backup kept as a daily one may also be its week's newest;
weekly backups are counted apart from the daily ones, so ``keep_weekly`` weeks reach back
beyond the daily window. Nothing is ever dropped from the newest day or week.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def _newest_per(
    stamps: Mapping[K, datetime], period: Callable[[datetime], tuple[int, ...]]
) -> list[K]:
    """The newest backup of each period, newest period first."""
    best: dict[tuple[int, ...], K] = {}
    for key, at in stamps.items():
        bucket = period(at)
        if bucket not in best or at > stamps[best[bucket]]:
            best[bucket] = key
    return [best[b] for b in sorted(best, reverse=True)]


def keep(stamps: Mapping[K, datetime], *, keep_daily: int, keep_weekly: int) -> set[K]:
    """Return the keys of ``stamps`` (backup → when it was made) that rotation keeps."""
    daily = _newest_per(stamps, lambda at: at.timetuple()[:3])[:keep_daily]
    weekly = _newest_per(stamps, lambda at: tuple(at.isocalendar()[:2]))
    kept_weeks = {tuple(stamps[k].isocalendar()[:2]) for k in daily}
    extra = [k for k in weekly if tuple(stamps[k].isocalendar()[:2]) not in kept_weeks][
        :keep_weekly
    ]
    return set(daily) | set(extra)


def drop(stamps: Mapping[K, datetime], *, keep_daily: int, keep_weekly: int) -> list[K]:
    """Return the keys rotation drops, oldest first."""
    kept = keep(stamps, keep_daily=keep_daily, keep_weekly=keep_weekly)
    return sorted((k for k in stamps if k not in kept), key=lambda k: stamps[k])
