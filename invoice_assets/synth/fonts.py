"""Locate TrueType fonts and load them at the sizes a page needs.

Invoices from different billing programs differ in typeface, so the generator uses several families. Fonts
are found by file name under the usual system folders (Debian/Ubuntu ``fonts-dejavu-core`` and ``-extra``,
``fonts-liberation2``, ``fonts-freefont-ttf``); families that are missing are skipped, and if none is
present Pillow's bundled font is used, so the generator still runs (with less variety) on a bare machine.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from PIL import ImageFont

FAMILIES: dict[str, tuple[str, str]] = {
    "DejaVu Sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "DejaVu Serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "DejaVu Sans Mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    "DejaVu Sans Condensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    "Liberation Sans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    "Liberation Serif": ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    "Liberation Mono": ("LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf"),
    "FreeSans": ("FreeSans.ttf", "FreeSansBold.ttf"),
    "FreeSerif": ("FreeSerif.ttf", "FreeSerifBold.ttf"),
}
"""Family name -> (regular, bold) file names. The order is fixed: styles index into it."""

FALLBACK = "Pillow default"
_SEARCH_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    str(Path.home() / ".fonts"),
    str(Path.home() / ".local/share/fonts"),
    "/Library/Fonts",
    "/System/Library/Fonts",
)
MEASURE_PX = 200
"""Text is measured at this pixel size and scaled, so line wrapping does not depend on the output DPI."""


@functools.cache
def _font_files() -> dict[str, str]:
    """Map every wanted file name to its path (first match in a sorted walk, so the choice is stable)."""
    wanted = {name for pair in FAMILIES.values() for name in pair}
    found: dict[str, str] = {}
    for root in _SEARCH_DIRS:
        if not os.path.isdir(root):
            continue
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                if name in wanted and name not in found:
                    found[name] = os.path.join(folder, name)
    return found


@functools.cache
def available_families() -> tuple[str, ...]:
    """Families whose regular and bold files both exist, in ``FAMILIES`` order; the fallback if none do."""
    files = _font_files()
    names = tuple(family for family, pair in FAMILIES.items() if all(name in files for name in pair))
    return names or (FALLBACK,)


@functools.cache
def load_font(family: str, bold: bool, size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font object for drawing or measuring; cached because pages reuse a handful of sizes."""
    size_px = max(1, size_px)
    if family == FALLBACK:
        return ImageFont.load_default(size=size_px)
    path = _font_files()[FAMILIES[family][1 if bold else 0]]
    return ImageFont.truetype(path, size_px)


def text_width(text: str, family: str, bold: bool, size_pt: float) -> float:
    """Width of ``text`` in points at ``size_pt``, measured once at a fixed size and scaled."""
    font = load_font(family, bold, MEASURE_PX)
    return font.getlength(text) * size_pt / MEASURE_PX
