"""Thumbnails of read images: made once with Pillow, kept in memory with a bound.

In memory rather than on disk: a thumbnail is a few KiB and cheap to remake after a restart,
and a disk cache would need its own retention (an image pruned by retention must not live on
as a thumbnail file). The live page polls every two seconds; only the first request of a read
decodes its JPEG (in Pillow's draft mode, at a reduced scale), later ones are a dict lookup.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable

from PIL import Image

SIZE = (160, 120)
MAX_ITEMS = 2000
"""At ~5 KiB each, at most ~10 MiB: enough for every read on a few pages of results."""


class ThumbnailError(Exception):
    """The stored image could not be decoded as an image."""


def make_thumbnail(data: bytes, size: tuple[int, int] = SIZE) -> bytes:
    """A small JPEG of ``data`` (JPEG or PNG), fitting within ``size``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                im.draft("RGB", (size[0] * 2, size[1] * 2))  # JPEG: decode at 1/2..1/8 scale
                small = im.convert("RGB")
                small.thumbnail(size)
    except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ThumbnailError("the stored image cannot be decoded") from None
    out = io.BytesIO()
    small.save(out, "JPEG", quality=75, optimize=True)
    return out.getvalue()


class ThumbnailCache:
    """Least-recently-used thumbnails by read id (a read's image never changes)."""

    def __init__(self, max_items: int = MAX_ITEMS) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, make: Callable[[], bytes]) -> bytes:
        """The cached thumbnail of ``key``, made by ``make()`` on a miss."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        made = make()  # outside the lock: a slow decode does not stall other thumbnails
        with self._lock:
            self._items[key] = made
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return made

    def __len__(self) -> int:
        return len(self._items)
