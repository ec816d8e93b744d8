"""The size in pixels of the asset a label is on, as Kili gives it (``resolution: {width, height}``), checked.

Kili gives an image's or a video's resolution with the asset (``kili.assets(fields=["resolution.width",
"resolution.height"])``, an export's ``resolution``); a PDF has one per page instead (``pageResolutions``), which is
not read here. What a rule measures in pixels is a normalized size times this resolution, so a resolution that is
not two positive finite numbers is never used: :func:`read_resolution` says why, and the rules that need it end in
``error`` (fail closed) rather than guess.

Example::

    >>> read_resolution({"width": 1920, "height": 1080})
    (AssetResolution(width=1920.0, height=1080.0), None)
    >>> read_resolution(None)
    (None, None)
    >>> read_resolution({"width": 0, "height": 1080})
    (None, "the asset's resolution is not usable: its width is 0, not a positive number")

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["AssetResolution", "read_resolution"]


@dataclass(frozen=True)
class AssetResolution:
    """The asset's width and height in pixels: positive finite numbers."""

    width: float
    height: float


def read_resolution(raw: Any) -> tuple[AssetResolution | None, str | None]:
    """``(resolution, None)`` for a usable ``{"width": w, "height": h}`` (or an :class:`AssetResolution`);
    ``(None, None)`` when none is given (None); ``(None, why)`` for anything else. Never raises."""
    if raw is None or isinstance(raw, AssetResolution):
        return raw, None
    if not isinstance(raw, Mapping):
        return None, f"the asset's resolution is not usable: a {type(raw).__name__}, not {{width, height}}"
    sizes = []
    for side in ("width", "height"):
        value = raw.get(side)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            shown = "missing" if value is None else f"{_shown(value)}, not a number"
            return None, f"the asset's resolution is not usable: its {side} is {shown}"
        try:
            size = float(value)
        except OverflowError:  # an int beyond any float
            size = math.inf
        if not (math.isfinite(size) and size > 0):
            return None, f"the asset's resolution is not usable: its {side} is {_shown(value)}, not a positive number"
        sizes.append(size)
    return AssetResolution(sizes[0], sizes[1]), None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
