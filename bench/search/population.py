"""The reads of a site over days: a regional vehicle pool, Zipf-like visits, bursts, misreads.

Pure: everything is drawn from the seed it is given, so a size rebuilds the same data.
The model (`Model`) is described in `bench.search`'s docstring.
"""

from __future__ import annotations

import bisect
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass

from edgesync.simulator import plates

DAY_US = 86_400 * 1_000_000
FORMAT_MIX = {"uk": 0.35, "de": 0.2, "fr": 0.2, "nl": 0.15, "us": 0.1}
_ALNUM = string.ascii_uppercase + string.digits
_STEP = 1_000_003  # coprime to any pool we use: maps a site's visit rank to a vehicle


@dataclass(frozen=True)
class Model:
    """The knobs of the traffic model (defaults: the seed site's region)."""

    pool: int = 2_000_000
    zipf_s: float = 0.5
    zipf_q: float = 100.0
    misread_share: float = 0.03
    burst_min: int = 2
    burst_max: int = 4
    cameras: int = 20
    burst_gap_s: tuple[int, int] = (2, 60)


@dataclass(frozen=True, slots=True)
class Read:
    """One camera read: when (µs since the epoch), which camera, what was read, of which vehicle."""

    at_us: int
    camera: int
    plate: str
    vehicle: int
    fmt: str
    misread: bool


class Population:
    """A region's vehicles: a plate each (made when first seen) and how often each visits."""

    def __init__(self, model: Model, seed: int) -> None:
        self.model = model
        self.seed = seed
        # Zipf-Mandelbrot weights 1/(rank + q)^s, cumulative, for random.choices.
        total = 0.0
        cum: list[float] = []
        for rank in range(model.pool):
            total += (rank + model.zipf_q) ** -model.zipf_s
            cum.append(total)
        self._cum = cum
        self._ranks = range(model.pool)
        self._plates: dict[int, tuple[str, str]] = {}
        self._formats = list(FORMAT_MIX)
        self._format_weights = list(FORMAT_MIX.values())

    def vehicle(self, vid: int) -> tuple[str, str]:
        """The plate (as printed) and format of vehicle ``vid`` (the same on every call)."""
        found = self._plates.get(vid)
        if found is None:
            rng = random.Random(self.seed * 7_919 + vid)
            fmt = rng.choices(self._formats, self._format_weights)[0]
            found = self._plates[vid] = (plates.plate(rng, fmt), fmt)
        return found

    def visitors(self, rng: random.Random, site: int, count: int) -> list[int]:
        """``count`` visiting vehicles at ``site``: each site has its own regulars."""
        shift = site * 104_729
        pool = self.model.pool
        return [
            (rank * _STEP + shift) % pool
            for rank in rng.choices(self._ranks, cum_weights=self._cum, k=count)
        ]


def misread(text: str, rng: random.Random) -> str:
    """A wrong read: two in three an OCR confusion (O/0, B/8...), else one edit."""
    if rng.random() < 2 / 3:
        swapped = plates.misread(text, rng, 1.0)
        if swapped != text:
            return swapped
    at = rng.randrange(len(text))
    if text[at] in " -":
        return text[:at] + text[at + 1 :]
    if rng.random() < 0.5:
        return text[:at] + text[at + 1 :]
    return text[:at] + rng.choice(_ALNUM) + text[at + 1 :]


def site_reads(
    pop: Population, *, site: int, start_us: int, days: int, reads_per_day: int
) -> Iterator[Read]:
    """``days`` x ``reads_per_day`` reads of one site from ``start_us``, in time order."""
    m = pop.model
    rng = random.Random(pop.seed * 1_000 + site)
    mean_burst = (m.burst_min + m.burst_max) / 2
    carry: list[Read] = []
    for day in range(days):
        day_start = start_us + day * DAY_US
        day_end = day_start + DAY_US
        todo = reads_per_day
        reads = carry
        while todo > 0:
            vids = pop.visitors(rng, site, int(todo / mean_burst) + 1)
            for vid in vids:
                text, fmt = pop.vehicle(vid)
                at = day_start + int(rng.random() * DAY_US)
                camera = rng.randrange(m.cameras)
                for _ in range(min(todo, rng.randint(m.burst_min, m.burst_max))):
                    wrong = rng.random() < m.misread_share
                    shown = misread(text, rng) if wrong else text
                    reads.append(Read(at, camera, shown, vid, fmt, wrong))
                    at += rng.randint(*m.burst_gap_s) * 1_000_000 + rng.randrange(1_000_000)
                    camera = (camera + 1) % m.cameras
                    todo -= 1
                if todo <= 0:
                    break
        reads.sort(key=_at)
        last_day = day == days - 1
        cut = len(reads) if last_day else bisect.bisect_left(reads, day_end, key=_at)
        yield from reads[:cut]
        carry = reads[cut:]


def _at(read: Read) -> int:
    return read.at_us
