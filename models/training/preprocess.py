"""Model input preparation, mirrored exactly by src/vision/korean-recognizer.ts.

A plate crop becomes one grayscale 32x160 line: a one-row plate is resized whole; a two-row plate is cut at
TWO_ROW_SPLIT of its height and each row is resized to 32x80, top row left of bottom row. Values are stretched
between the 2nd and 98th percentile to [0,1], then mapped to [-1,1]."""
import numpy as np
from PIL import Image

INPUT_H, INPUT_W = 32, 160
TWO_ROW_SPLIT = 0.42
# Crops narrower than this (width/height) are read as two-row plates too; see layouts_for().
ONE_ROW_MIN_ASPECT = 3.0
TWO_ROW_MAX_ASPECT = 1.6
# Between the two, a crop narrower than their geometric middle is more likely two-row.
TWO_ROW_FIRST_BELOW = (ONE_ROW_MIN_ASPECT * TWO_ROW_MAX_ASPECT) ** 0.5


def to_gray(img: Image.Image) -> Image.Image:
    return img.convert("L") if img.mode != "L" else img


def layouts_for(width: int, height: int) -> list[str]:
    """Layouts to try for a crop of this shape, most likely first."""
    aspect = width / max(height, 1)
    if aspect >= ONE_ROW_MIN_ASPECT:
        return ["one-row"]
    if aspect <= TWO_ROW_MAX_ASPECT:
        return ["two-row"]
    return ["two-row", "one-row"] if aspect < TWO_ROW_FIRST_BELOW else ["one-row", "two-row"]


def line_image(img: Image.Image, layout: str) -> np.ndarray:
    g = to_gray(img)
    if layout == "one-row":
        out = np.asarray(g.resize((INPUT_W, INPUT_H), Image.BILINEAR), dtype=np.float32)
    else:
        w, h = g.size
        cut = max(1, min(h - 1, round(h * TWO_ROW_SPLIT)))
        top = g.crop((0, 0, w, cut)).resize((INPUT_W // 2, INPUT_H), Image.BILINEAR)
        bottom = g.crop((0, cut, w, h)).resize((INPUT_W // 2, INPUT_H), Image.BILINEAR)
        out = np.concatenate([np.asarray(top, dtype=np.float32), np.asarray(bottom, dtype=np.float32)], axis=1)
    return out.astype(np.uint8)


def normalize(line: np.ndarray) -> np.ndarray:
    """uint8 line(s) (..., 32, 160) -> float32 in [-1, 1] with a per-image percentile stretch."""
    x = line.astype(np.float32)
    flat = x.reshape(x.shape[0], -1) if x.ndim == 3 else x.reshape(1, -1)
    lo = np.percentile(flat, 2, axis=1)
    hi = np.percentile(flat, 98, axis=1)
    shape = (-1, 1, 1) if x.ndim == 3 else ()
    lo, hi = lo.reshape(shape), hi.reshape(shape)
    x = np.clip((x - lo) / np.maximum(hi - lo, 1.0), 0, 1)
    return (x - 0.5) / 0.5
