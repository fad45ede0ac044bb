"""Retention policy (pure): which cut-off times apply now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetentionPolicy:
    """Ages after which data goes; images of hits are held longer as evidence."""

    image_days: float
    hit_image_days: float
    metadata_days: float

    def image_cutoff(self, now: datetime) -> datetime:
        """Images of reads received before this (without a hit) are pruned."""
        return now - timedelta(days=self.image_days)

    def hit_image_cutoff(self, now: datetime) -> datetime:
        """Images of hits received before this are pruned (the evidence hold ends)."""
        return now - timedelta(days=max(self.hit_image_days, self.image_days))

    def metadata_cutoff(self, now: datetime) -> datetime:
        """Detection rows received before this are deleted."""
        return now - timedelta(days=self.metadata_days)
