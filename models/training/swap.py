"""Syllable swap: a real training crop with its use syllable replaced by another syllable in the plate font.

The real two-row training crops show about a dozen distinct plates, so a model fine-tuned on them learns their few
syllables as "the syllables of green plates" (the held-out 08루 was read as the 42무 it had seen five times).
Swapping the syllable keeps the real plate, light and blur but varies what it says.

The plate's format says where the syllable is (after the top row's digits, or before the bottom row's serial); the
row's ink blobs (Otsu threshold, connected components) give its box. One-row plates without a region (`12가3456`,
`123가4567`) are searched like a two-row plate's top row: the syllable is the first glyph after the leading digits;
swapping it for a look-alike (두 for 루) teaches the distinction on real plates' light, blur and typeface."""
import random

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

from preprocess import TWO_ROW_SPLIT

WORK_H = 48  # rows are searched for blobs at this height


def _otsu(a: np.ndarray) -> float:
    hist, edges = np.histogram(a, 64, (0, 256))
    p = hist / hist.sum()
    mids = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * mids)
    between = (m0[-1] * w0 - m0) ** 2 / np.maximum(w0 * (1 - w0), 1e-9)
    return float(mids[int(np.argmax(between))])


def _components(mask: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """4-connected components of a small boolean image: (y0, x0, y1, x1, pixels), ends exclusive."""
    labels, _ = ndimage.label(mask)
    sizes = np.bincount(labels.ravel())
    return [(ys.start, xs.start, ys.stop, xs.stop, int(sizes[i + 1]))
            for i, (ys, xs) in enumerate(ndimage.find_objects(labels))]


def _group(parts: list[tuple[int, int, int, int, int]], seed: tuple[int, int, int, int, int], gap: float
           ) -> tuple[int, int, int, int]:
    """Box (y0, x0, y1, x1) of `seed` grown by every part that overlaps it in x or lies within `gap` of it."""
    y0, x0, y1, x1, _ = seed
    grown = True
    while grown:
        grown = False
        for c in parts:
            if c[1] - gap <= x1 and c[3] + gap >= x0 and not (x0 <= c[1] and c[3] <= x1 and y0 <= c[0] and c[2] <= y1):
                y0, x0, y1, x1 = min(y0, c[0]), min(x0, c[1]), max(y1, c[2]), max(x1, c[3])
                grown = True
    return y0, x0, y1, x1


def syllable_box(img: Image.Image, text: str, layout: str = "two-row"
                 ) -> tuple[tuple[int, int, int, int], bool] | None:
    """Crop-pixel box of the use syllable of a two-row plate crop, and whether its ink is the light one. A plate
    without a region (`12가3456`) has it at the end of the top row after the digits; one with a region
    (`서울12가3456`) at the start of the bottom row, before the four serial digits. None when no clear glyph is there."""
    w, h = img.size
    cut = round(h * TWO_ROW_SPLIT)
    top = text[0].isdigit()
    one_row = layout == "one-row"
    if one_row and not top:
        return None
    y0, y1 = (0, h) if one_row else (0, cut) if top else (cut, h)
    scale = WORK_H / (y1 - y0)
    row = img.crop((0, y0, w, y1)).resize((max(8, round(w * scale)), WORK_H), Image.BILINEAR)
    a = np.asarray(row, dtype=np.float32)
    light = a > _otsu(a)
    ink = light if light.mean() < 0.5 else ~light
    rw = a.shape[1]
    # Not glyphs: plate borders (wide, or thin uprights), ink at the crop's sides, and in the top row the bottom
    # row's glyphs cut by the split.
    parts = sorted((c for c in _components(ink)
                    if c[4] >= 6 and c[2] - c[0] >= 0.12 * WORK_H and c[3] - c[1] < 0.5 * rw and c[1] > 0 and c[3] < rw
                    and (c[3] - c[1] >= 0.15 * (c[2] - c[0]) or c[2] - c[0] < 0.6 * WORK_H)
                    and not (top and not one_row and c[2] >= WORK_H)), key=lambda c: c[1])
    if top:
        # Digits are the tallest ink (bolts are smaller); the syllable is the first ink after them.
        tallest = max((c[2] - c[0] for c in parts), default=0)
        digits = [c for c in parts if c[2] - c[0] >= max(0.3 * WORK_H, 0.6 * tallest)]
        if len(digits) < len(text) - 5:
            return None
        last = digits[len(text) - 6]
        candidates = [c for c in parts if c[1] >= last[3] - 1]
    else:
        candidates = parts  # the syllable is the first glyph of the row
    seed = next((c for c in candidates if c[4] >= 0.15 * max(p[4] for p in candidates)), None)
    if seed is None:
        return None
    gy0, gx0, gy1, gx1 = _group([c for c in candidates if c[4] >= 0.15 * seed[4]], seed, 0.12 * WORK_H)
    # A one-row syllable is about as wide as tall; a wider box has taken in a touching digit.
    if gy1 - gy0 < 0.3 * WORK_H or not 0.5 <= (gx1 - gx0) / (gy1 - gy0) <= (1.15 if one_row else 1.6):
        return None
    box = (int(gx0 / scale), int(y0 + gy0 / scale), int(np.ceil(gx1 / scale)), int(np.ceil(y0 + gy1 / scale)))
    return box, bool(ink is light)


def swap_syllable(img: Image.Image, box: tuple[int, int, int, int], light_ink: bool, glyph: np.ndarray
                  ) -> Image.Image:
    """The crop with the glyph in `box` erased and `glyph` (ink mask in [0,1]) drawn in its place at its ink level."""
    a = np.asarray(img, dtype=np.float32).copy()
    x0, y0, x1, y1 = box
    pad = max(1, (x1 - x0) // 12)
    x0, x1 = max(0, x0 - pad), min(a.shape[1], x1 + pad)
    y0, y1 = max(0, y0 - pad), min(a.shape[0], y1 + pad)
    region = a[y0:y1, x0:x1]
    ink = float(np.percentile(region, 95 if light_ink else 5))
    # Erase: each row becomes the straight line between the plate pixels just left and right of the box.
    left, right = a[y0:y1, max(0, x0 - 1)], a[y0:y1, min(a.shape[1] - 1, x1)]
    t = np.linspace(0, 1, x1 - x0)[None, :]
    a[y0:y1, x0:x1] = left[:, None] * (1 - t) + right[:, None] * t
    ys, xs = np.nonzero(glyph > 0.3)
    tight = glyph[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    gw, gh = box[2] - box[0], box[3] - box[1]
    m = Image.fromarray((tight * 255).astype(np.uint8)).resize((gw, gh), Image.BILINEAR)
    thin = random.random() < 0.5  # the old green plates' font is thinner than the glyph images
    if thin and gh > 30:
        m = m.filter(ImageFilter.MinFilter(3))
    m = m.filter(ImageFilter.GaussianBlur(max(0.3, gh / 40)))
    mask = np.asarray(m, dtype=np.float32) / 255
    patch = a[box[1]:box[3], box[0]:box[2]]
    a[box[1]:box[3], box[0]:box[2]] = patch + mask * (ink - patch)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
