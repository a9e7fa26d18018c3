"""Make a clean rendered page look scanned: skew, blur, uneven light, grey paper, noise, dust, JPEG
artefacts.

OCR quality on real scans is limited by exactly these effects, so training and benchmark data must carry
them, with a dial: ``level`` 0 returns the page untouched, 1 is an ordinary office scan, 2 a poor one (a
benchmark can test on heavier scans than it trained on). Every random choice comes from the caller's
``numpy.random.Generator``; the operations themselves (OpenCV, NumPy) are deterministic, so the same
generator state gives the same pixels. The parameters are drawn first (``scan_params``) and applied after
(``apply_scan``) so tests and benchmarks can inspect or pin them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

BILEVEL_THRESHOLD = 150
"""Fixed threshold of a black-and-white ("fax mode") scan, as cheap scanners apply it."""


@dataclass(frozen=True)
class ScanParams:
    """Everything that decides how one page is degraded (pixel values are 0-255, lengths in pixels)."""

    angle: float
    shift: tuple[float, float]
    blur_sigma: float
    paper: tuple[int, int, int]
    ink: int
    light_drop: float
    light_direction: float
    noise_sigma: float
    speckles: int
    speckle_radius: float
    punch_holes: bool
    white_point: int | None
    jpeg_quality: int | None
    resample: float = 1.0


def scan_params(rng: np.random.Generator, level: float, dpi: int) -> ScanParams:
    """Draw scan parameters for one page. Strength grows with ``level``; ``dpi`` scales the pixel lengths."""
    level = max(0.0, float(level))
    on = min(level, 1.0)  # effects that a normal scan already has fully, a level-0.5 scan at half strength
    extra = max(0.0, level - 1.0)  # what only poor scans have: faded ink, low optical resolution
    px = dpi / 300.0
    tint = rng.uniform(0, 10 + 10 * extra) * on
    warm = rng.uniform(0, 6) * on
    paper = 255 - tint
    return ScanParams(
        angle=float(rng.uniform(-1, 1) * min(2.0, level)),
        shift=(float(rng.uniform(-1, 1) * 30 * px * on), float(rng.uniform(-1, 1) * 30 * px * on)),
        blur_sigma=float(rng.uniform(0.25, 0.55 + 0.45 * level) * px * on),
        paper=(round(paper), round(paper - warm * 0.5), round(paper - warm)),
        ink=round(rng.uniform(0, 35 + 30 * extra) * on),
        light_drop=float(rng.uniform(0.0, 0.05 + 0.05 * level) * on),
        light_direction=float(rng.uniform(0, 2 * math.pi)),
        noise_sigma=float(rng.uniform(1.5, 3.0 + 2.5 * level) * on),
        speckles=int(rng.poisson(50 * level)) if rng.random() < 0.5 * on else 0,
        speckle_radius=float(max(0.6, 1.2 * dpi / 150)),
        punch_holes=bool(rng.random() < 0.12 * on),
        white_point=int(rng.uniform(222, 242)) if rng.random() < 0.85 else None,
        jpeg_quality=int(np.clip(rng.uniform(50, 85) - 12 * (level - 1), 25, 90))
        if rng.random() < 0.25 * on + 0.1 * max(0.0, level - 1)
        else None,
        resample=float(rng.uniform(0.55, 0.8)) if rng.random() < 0.6 * extra else 1.0,
    )


def _tone_lut(paper: int, ink: int) -> np.ndarray:
    """Map rendered white to paper grey and rendered black to ink grey (a scan never has pure black/white)."""
    v = np.arange(256, dtype=np.float32)
    return np.clip(ink + (paper - ink) * v / 255.0, 0, 255).astype(np.uint8)


def _light_field(shape: tuple[int, int], drop: float, direction: float) -> np.ndarray:
    """A smooth multiplicative brightness field: 1 on the lit side, ``1 - drop`` on the far side."""
    h, w = shape
    sh, sw = max(2, h // 32), max(2, w // 32)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    t = (xx / (sw - 1) - 0.5) * math.cos(direction) + (yy / (sh - 1) - 0.5) * math.sin(direction)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    small = (1.0 - drop * t * t).astype(np.float32)  # quadratic: light falls off towards the lid edge
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def apply_scan(image: Image.Image, params: ScanParams, rng: np.random.Generator) -> Image.Image:
    """Apply ``params`` to a rendered page (mode L or RGB); noise and dust positions come from ``rng``."""
    color = image.mode == "RGB"
    arr = np.asarray(image)
    h, w = arr.shape[:2]
    if color:
        lut = np.stack([_tone_lut(p, params.ink) for p in params.paper], axis=-1)[None, :, :]
        arr = cv2.LUT(arr, lut)
        border = tuple(int(p) for p in params.paper)
    else:
        gray_paper = round(sum(params.paper) / 3)
        arr = cv2.LUT(arr, _tone_lut(gray_paper, params.ink))
        border = gray_paper

    if params.angle or params.shift != (0.0, 0.0):
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), params.angle, 1.0)
        matrix[:, 2] += params.shift
        arr = cv2.warpAffine(
            arr, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
        )
    if params.blur_sigma > 0.05:
        arr = cv2.GaussianBlur(arr, (0, 0), params.blur_sigma)
    if params.resample < 1.0:
        # A scanner with less optical resolution than the file's DPI, interpolated up by its driver.
        small = (max(1, round(w * params.resample)), max(1, round(h * params.resample)))
        arr = cv2.resize(
            cv2.resize(arr, small, interpolation=cv2.INTER_AREA), (w, h), interpolation=cv2.INTER_LINEAR
        )

    work = arr.astype(np.float32)
    if params.light_drop > 0:
        field = _light_field((h, w), params.light_drop, params.light_direction)
        work *= field[..., None] if color else field
    if params.noise_sigma > 0:
        # Sensor grain is slightly correlated: draw it at half resolution and upsample (also 4x cheaper).
        noise = rng.standard_normal(((h + 1) // 2, (w + 1) // 2), dtype=np.float32)
        noise *= params.noise_sigma * 1.4  # upsampling by 2 halves the standard deviation of white noise
        noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR)
        work += noise[..., None] if color else noise
    if params.speckles:
        xs = rng.integers(0, w, params.speckles)
        ys = rng.integers(0, h, params.speckles)
        radii = rng.uniform(0.5, 1.6, params.speckles) * params.speckle_radius
        shades = rng.uniform(30, 120, params.speckles)
        for x, y, r, s in zip(xs, ys, radii, shades, strict=True):
            cv2.circle(
                work, (int(x), int(y)), max(1, round(float(r))), (float(s),) * 3, -1, lineType=cv2.LINE_AA
            )
    if params.punch_holes:
        radius = round(w * 0.0145)
        cx = round(w * 0.045)
        for cy in (round(h / 2 - w * 0.19), round(h / 2 + w * 0.19)):
            cv2.circle(work, (cx, cy), radius + 2, (150.0,) * 3, -1, lineType=cv2.LINE_AA)
            cv2.circle(work, (cx, cy), radius, (70.0,) * 3, -1, lineType=cv2.LINE_AA)

    # Scanner "background removal": everything lighter than the white point becomes paper white. The
    # conversion saturates at 255; the absolute value only folds the rare noise dips below 0 on black ink.
    gain = 255.0 / params.white_point if params.white_point is not None else 1.0
    arr = cv2.convertScaleAbs(work, alpha=gain)

    if params.jpeg_quality is not None:
        source = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR) if color else arr
        ok, encoded = cv2.imencode(".jpg", source, [cv2.IMWRITE_JPEG_QUALITY, params.jpeg_quality])
        if ok:
            decoded = cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)
            arr = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB) if color else decoded
    return Image.fromarray(arr)


def degrade(image: Image.Image, rng: np.random.Generator, level: float, dpi: int) -> Image.Image:
    """Scan-degrade one page at strength ``level`` (0 clean, 1 normal, 2 heavy); level 0 returns ``image``."""
    if level <= 0:
        return image
    return apply_scan(image, scan_params(rng, level, dpi), rng)


def to_bilevel(image: Image.Image) -> Image.Image:
    """Black-and-white with a fixed threshold, like a scanner's fax/B&W mode (for Group 4 TIFF/PDF)."""
    gray = np.asarray(image.convert("L"))
    return Image.fromarray(np.ascontiguousarray(gray >= BILEVEL_THRESHOLD))
