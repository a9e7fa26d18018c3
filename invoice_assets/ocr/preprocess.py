"""OpenCV clean-up steps for a page image before Tesseract reads it, selectable by name."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import cv2
import numpy as np


def to_grayscale(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Colour carries nothing Tesseract uses; one channel is a third of the bytes to pass on."""
    if image.ndim == 3:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return image


def estimate_skew(gray: np.ndarray, max_angle: float = 8.0) -> float:
    """The rotation (degrees, counter-clockwise positive) that makes text lines horizontal.

    Projection-profile search: when text lines are horizontal, the row sums of the ink alternate
    sharply between lines and gaps, so their variance peaks. Coarse search then refinement on a copy
    scaled to ~1000 px wide keeps it to a few tens of milliseconds.
    """
    scale = min(1.0, 1000.0 / max(gray.shape[1], 1))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if cv2.countNonZero(ink) < 50:
        return 0.0
    height, width = ink.shape
    centre = (width / 2, height / 2)

    def score(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST, borderValue=0)
        return float(np.var(rotated.sum(axis=1, dtype=np.float64)))

    best = max(np.arange(-max_angle, max_angle + 1e-9, 0.5), key=score)
    return float(max(np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1), key=score))


def deskew(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Rotate a slightly crooked scan straight (Tesseract's line finding degrades past ~1-2 degrees)."""
    gray = to_grayscale(image)
    angle = estimate_skew(gray)
    if abs(angle) < 0.15:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    white = (255, 255, 255) if image.ndim == 3 else 255
    return cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=white,
    )


def denoise(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Median filter: removes salt-and-pepper specks from scanners and faxes, keeps stroke edges."""
    return cv2.medianBlur(image, 3)


def binarize(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Global Otsu threshold (often hurts: shadows and uneven light make one threshold wrong)."""
    _, binary = cv2.threshold(to_grayscale(image), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return binary


def adaptive_binarize(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Local (Gaussian-weighted) threshold: copes with uneven lighting, but can fray thin strokes."""
    return cv2.adaptiveThreshold(
        to_grayscale(image), 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 15
    )


def upscale(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Enlarge small text: Tesseract reads best with capital letters around 30 px tall.

    The text height is measured (median height of letter-sized ink blobs), not taken from the file's
    DPI tag, which phone photos and receipts rarely carry truthfully.
    """
    height = text_height(to_grayscale(image))
    if height is None or height >= 22:
        return image
    factor = min(3.0, 30.0 / height)
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def text_height(gray: np.ndarray) -> float | None:
    """Median height in pixels of the connected ink components that look like letters."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    letters = heights[(heights >= 5) & (heights <= 200) & (widths <= 3 * heights) & (widths >= 2)]
    if count < 20 or letters.size < 20:
        return None
    return float(np.median(letters))


def remove_rules(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Erase table rules and box outlines (long thin horizontal or vertical ink runs).

    Tesseract reads a ruled cell border as "|" or "_" and, worse, lets a box edge pull text from two
    baselines into one line. Runs longer than about 1/30 of the page width (or 1/40 of its height) that
    are a few pixels thick are painted paper-white; letters are far shorter than that.
    """
    gray = to_grayscale(image)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    height, width = gray.shape
    horizontal = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(25, width // 30), 1))
    )
    vertical = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(25, height // 40)))
    )
    mask = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    paper = int(np.percentile(gray, 90))
    cleaned = gray.copy()
    cleaned[mask > 0] = paper
    return cleaned


def normalize_contrast(image: np.ndarray, dpi: float | None = None) -> np.ndarray:
    """Stretch the grey levels so the darkest ink is black and the paper white (faded thermal paper)."""
    gray = to_grayscale(image)
    low, high = np.percentile(gray, (1, 99))
    if high - low < 10:
        return gray
    stretched = (gray.astype(np.float32) - low) * (255.0 / (high - low))
    return np.clip(stretched, 0, 255).astype(np.uint8)


PREPROCESSING_STEPS: dict[str, Callable[[np.ndarray, float | None], np.ndarray]] = {
    "grayscale": to_grayscale,
    "upscale": upscale,
    "contrast": normalize_contrast,
    "deskew": deskew,
    "rules": remove_rules,
    "denoise": denoise,
    "binarize": binarize,
    "adaptive": adaptive_binarize,
}


# Only steps that measurably improve field accuracy (`benchmarks/extraction.py --compare-preprocessing`);
# the figures, and the steps measured and left out, are in docs/decisions.md.
DEFAULT_PREPROCESS: tuple[str, ...] = ("grayscale", "deskew")


def limit_resolution(
    image: np.ndarray, dpi: float | None, max_dpi: int | None
) -> tuple[np.ndarray, float | None]:
    """A scan above `max_dpi` shrunk to it (area averaging), with its new resolution; else unchanged.

    Tesseract's time grows with the pixel count, and past about 300 DPI more pixels add no letters.
    """
    if dpi is None or max_dpi is None or dpi <= max_dpi:
        return image, dpi
    factor = max_dpi / dpi
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), float(max_dpi)


def preprocess(image: np.ndarray, steps: Iterable[str], dpi: float | None = None) -> np.ndarray:
    """Apply the named steps in order."""
    for step in steps:
        try:
            function = PREPROCESSING_STEPS[step]
        except KeyError:
            raise ValueError(
                f"unknown preprocessing step {step!r}; known: {sorted(PREPROCESSING_STEPS)}"
            ) from None
        image = function(image, dpi)
    return image
