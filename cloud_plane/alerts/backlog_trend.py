"""Whether a site's sync backlog has been growing for a sustained period. Pure.

The samples (``records.backlog``: one per slot of a couple of minutes, the slot's lowest
backlog, oldest first) grow for a sustained period when:

- they cover at least ``growth_s``: the window starts at the newest sample taken at or
  before ``growth_s`` before the newest one (without one, there is not enough history yet);
- the newest count is at least ``min_rise`` above the window's first;
- every later sample in the window stays *above* the first: a backlog that drains back to
  where it started (a node that catches up between pushes) is not growing, however high
  its peaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cloud_plane.records.sites import BacklogSample


@dataclass(frozen=True)
class Growth:
    """A sustained rise of the backlog: from ``first`` to ``last``."""

    first: BacklogSample
    last: BacklogSample

    @property
    def span_s(self) -> float:
        """Return the seconds the rise spans."""
        return (self.last.at - self.first.at).total_seconds()


def sustained_growth(
    samples: Sequence[BacklogSample], *, growth_s: float, min_rise: int
) -> Growth | None:
    """Return the backlog's sustained rise over the last ``growth_s``, or None."""
    if not samples:
        return None
    last = samples[-1]
    start = None
    for i, sample in enumerate(samples):
        if (last.at - sample.at).total_seconds() >= growth_s:
            start = i  # the newest sample still at least growth_s old
    if start is None:
        return None
    first, later = samples[start], samples[start + 1 :]
    if last.count < first.count + min_rise:
        return None
    if any(s.count <= first.count for s in later):
        return None
    return Growth(first, last)
