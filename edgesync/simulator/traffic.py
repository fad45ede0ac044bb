"""The schedule of plate reads for a fleet of simulated cameras (pure: no clock, no I/O).

Vehicles pass each camera as a Poisson process. Some vehicles are read several times in quick
succession (a *burst*: same camera, same plate, one event id per read), as real cameras do when
a car crawls through the field of view. The vehicle rate is lowered by the expected burst size
so that the *reads* average the requested rate per camera.
"""

from __future__ import annotations

import heapq
import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from edgesync.simulator import plates

# Reads of one vehicle in a burst beyond the first: 1–3 more, so 2–4 in all.
BURST_EXTRA = (1, 3)
BURST_GAP_S = (0.15, 0.8)
# A nominal frame for the plate box when a read carries no picture (a 720p camera).
FRAME = (1280, 720)

VEHICLES: tuple[tuple[str, str, str], ...] = (
    ("car", "Volkswagen", "Golf"), ("car", "Toyota", "Corolla"), ("car", "Ford", "Focus"),
    ("car", "BMW", "3 Series"), ("car", "Renault", "Clio"), ("car", "Peugeot", "208"),
    ("car", "Tesla", "Model 3"), ("car", "Honda", "Civic"), ("car", "Škoda", "Octavia"),
    ("car", "Mercedes-Benz", "C-Class"), ("suv", "Toyota", "RAV4"), ("suv", "Kia", "Sportage"),
    ("van", "Ford", "Transit"), ("van", "Mercedes-Benz", "Sprinter"), ("truck", "Volvo", "FH"),
    ("truck", "Scania", "R450"), ("bus", "MAN", "Lion's City"), ("motorcycle", "Honda", "CB500"),
)  # fmt: skip
COLOURS = ("white", "black", "silver", "grey", "blue", "red", "green", "yellow", "brown")
DIRECTIONS = ("approaching", "receding")


@dataclass(frozen=True, slots=True)
class TrafficConfig:
    """What traffic to simulate; rates are reads per minute per camera (0 = as fast as asked)."""

    cameras: int = 20
    rate_per_minute: float = 10.0
    formats: tuple[str, ...] = tuple(plates.FORMATS)
    home_share: float = 0.85  # reads of the camera's own country's plates; the rest are visitors
    hotlist: tuple[str, ...] = ()
    hotlist_share: float = 0.0
    burst_share: float = 0.1  # share of vehicles read 2–4 times
    duplicate_share: float = 0.0  # share of reads deliberately sent twice with one event id
    misread_share: float = 0.03  # share of vehicles whose plate OCR gets one character wrong

    def __post_init__(self) -> None:
        if self.cameras < 1:
            raise ValueError("cameras must be at least 1")
        if self.rate_per_minute < 0:
            raise ValueError("rate_per_minute must not be negative")
        for name in (
            "home_share",
            "hotlist_share",
            "burst_share",
            "duplicate_share",
            "misread_share",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        unknown = set(self.formats) - set(plates.FORMATS)
        if unknown or not self.formats:
            raise ValueError(f"formats must be some of {sorted(plates.FORMATS)}")


@dataclass(frozen=True, slots=True)
class Read:
    """One plate read a camera will report, `at` seconds after the start of the run."""

    at: float
    camera: int
    plate: str
    event_id: str
    confidence: float
    region: str | None
    direction: str
    bbox: tuple[int, int, int, int]
    vehicle: dict[str, str] = field(hash=False)
    burst_index: int = 0  # 0 for a vehicle's first read
    resend: bool = False  # send again with the same event id after the first answer

    def metadata(self) -> dict[str, object]:
        """The metadata fields of the camera API that the schedule decides (not the clock)."""
        out: dict[str, object] = {
            "plate": self.plate,
            "event_id": self.event_id,
            "confidence": self.confidence,
            "direction": self.direction,
            "bbox": list(self.bbox),
            "vehicle": dict(self.vehicle),
        }
        if self.region is not None:
            out["region"] = self.region
        return out


def reads_per_vehicle(burst_share: float) -> float:
    """The expected number of reads per vehicle: 1, or 2–4 (mean 3) for a burst."""
    mean_extra = (BURST_EXTRA[0] + BURST_EXTRA[1]) / 2
    return 1.0 + burst_share * mean_extra


def new_event_id(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`, so that a seeded run has reproducible event ids."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def schedule(config: TrafficConfig, rng: random.Random) -> Iterator[Read]:
    """Yield reads for the whole fleet in time order, without end.

    With `rate_per_minute == 0` every read has `at == 0.0`: the caller sends as fast as it can
    (closed loop) and only the mix of plates, bursts and re-sends is scheduled.
    """
    homes = [rng.choice(config.formats) for _ in range(config.cameras)]
    closed_loop = config.rate_per_minute == 0
    vehicle_rate = (
        0.0
        if closed_loop
        else config.cameras * config.rate_per_minute / 60.0 / reads_per_vehicle(config.burst_share)
    )
    pending: list[tuple[float, int, Read]] = []  # burst follow-ups, ordered by time
    order = itertools.count()
    now = 0.0
    while True:
        if not closed_loop:
            now += rng.expovariate(vehicle_rate)
        while pending and pending[0][0] <= now:
            yield heapq.heappop(pending)[2]
        for read in _vehicle_reads(config, rng, now, homes, closed_loop):
            if read.burst_index == 0:
                yield read
            else:
                heapq.heappush(pending, (read.at, next(order), read))


def _vehicle_reads(
    config: TrafficConfig, rng: random.Random, at: float, homes: list[str], closed_loop: bool
) -> list[Read]:
    """The reads of one vehicle passing one camera at time `at`."""
    camera = rng.randrange(config.cameras)
    home = homes[camera]
    formats = (home,) if rng.random() < config.home_share else config.formats
    text, fmt = plates.pick_plate(
        rng, formats=formats, hotlist=config.hotlist, hotlist_share=config.hotlist_share
    )
    read_text = plates.misread(text, rng, config.misread_share)
    # A misread is usually a hesitant read; cameras report it with lower confidence.
    base_confidence = rng.uniform(0.55, 0.8) if read_text != text else rng.uniform(0.82, 0.99)
    kind, make, model = rng.choice(VEHICLES)
    vehicle = {"type": kind, "make": make, "model": model, "color": rng.choice(COLOURS)}
    direction = rng.choice(DIRECTIONS)
    count = 1
    if rng.random() < config.burst_share:
        count += rng.randint(*BURST_EXTRA)
    reads = []
    t = at
    for i in range(count):
        if i and not closed_loop:
            t += rng.uniform(*BURST_GAP_S)
        w = rng.randint(110, 190)
        h = w * 2 // 9
        x = FRAME[0] // 2 - w // 2 + rng.randint(-40, 40)
        y = int(FRAME[1] * 0.7) + rng.randint(-30, 30)
        reads.append(
            Read(
                at=t,
                camera=camera,
                plate=read_text,
                event_id=new_event_id(rng),
                confidence=round(min(base_confidence + rng.uniform(-0.03, 0.03), 1.0), 3),
                region=plates.region(fmt) if fmt else plates.region(home),
                direction=direction,
                bbox=(x, y, w, h),
                vehicle=vehicle,
                burst_index=i,
                resend=rng.random() < config.duplicate_share,
            )
        )
    return reads
