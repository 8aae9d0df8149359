"""Synthetic Korean plate generator: composes plate-font glyphs (../shared/plates/glyphs, MIT) and Korean system fonts
into every plate format we read, then degrades them like CCTV footage. Output is a grayscale PIL image of the whole
plate crop plus its layout ("one-row" / "two-row") and text; preprocess.py turns it into the model input."""
import io
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from charset import DISTRICTS, MOTO_SYLLABLES, REGIONS, USE_SYLLABLES

GLYPHS = os.environ.get("PLATE_GLYPHS", os.path.join(os.path.dirname(__file__), "../../../shared/plates/glyphs"))
FONT_FILES = [
    ("/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf", 0),
    ("/usr/share/fonts/truetype/nanum/NanumBarunGothicBold.ttf", 0),
    ("/usr/share/fonts/truetype/nanum/NanumSquareB.ttf", 0),
    ("/usr/share/fonts/truetype/nanum/NanumGothic.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 1),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 1),
]
# Keyboard romanisation of the glyph file names: initial consonant + vowel.
_INITIAL = {"r": 0, "s": 2, "e": 3, "f": 5, "a": 6, "q": 7, "t": 9, "d": 11, "w": 12, "g": 18}
_VOWEL = {"k": 0, "j": 4, "h": 8, "n": 13}
# region_g / region_y file letters, in the order of the glyph images.
_REGION_FILES = dict(zip("ABCDEFGHIJKLMNOP", ["서울", "경기", "인천", "강원", "충남", "대전", "충북", "부산",
                                              "울산", "대구", "경북", "경남", "전남", "광주", "전북", "제주"]))


def _syllable(name: str) -> str:
    return chr(0xAC00 + (_INITIAL[name[0]] * 21 + _VOWEL[name[1]]) * 28)


def _mask_from_image(path: str) -> np.ndarray:
    """Ink mask in [0,1] of a glyph image, whatever its plate colours (ink = far from the median background)."""
    g = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
    bg = np.median(g)
    d = np.abs(g - bg)
    return np.clip(d / max(d.max(), 1.0), 0, 1)


class GlyphBank:
    def __init__(self) -> None:
        self.images: dict[str, list[np.ndarray]] = {}
        for sub in ["num", "num_g", "num_y"]:
            for d in "0123456789":
                self._add(d, os.path.join(GLYPHS, sub, f"{d}.jpg"))
        for sub in ["char1", "char1_g", "char1_y"]:
            folder = os.path.join(GLYPHS, sub)
            for f in sorted(os.listdir(folder)):
                self._add(_syllable(f[:2]), os.path.join(folder, f))
        for sub in ["region_g", "region_y"]:
            for letter, name in _REGION_FILES.items():
                self._add(name, os.path.join(GLYPHS, sub, f"{letter}.jpg"))
        self.fonts = [(p, i) for p, i in FONT_FILES if os.path.exists(p)]
        self._font_cache: dict[tuple, ImageFont.FreeTypeFont] = {}

    def _add(self, key: str, path: str) -> None:
        if os.path.exists(path):
            self.images.setdefault(key, []).append(_mask_from_image(path))

    def font(self, idx: int, size: int) -> ImageFont.FreeTypeFont:
        key = (idx, size)
        if key not in self._font_cache:
            path, index = self.fonts[idx]
            self._font_cache[key] = ImageFont.truetype(path, size, index=index)
        return self._font_cache[key]

    def render(self, text: str, w: int, h: int, font_idx: int | None) -> Image.Image:
        """Ink mask (L image, w x h) of a glyph or a glyph group (region names come as one image)."""
        if font_idx is None and text in self.images:
            arr = random.choice(self.images[text])
            return Image.fromarray((arr * 255).astype(np.uint8)).resize((w, h), Image.BILINEAR)
        fi = font_idx if font_idx is not None else random.randrange(len(self.fonts))
        font = self.font(fi, 64)
        box = font.getbbox(text)
        im = Image.new("L", (box[2] - box[0] + 4, box[3] - box[1] + 4), 0)
        ImageDraw.Draw(im).text((2 - box[0], 2 - box[1]), text, fill=255, font=font)
        return im.resize((w, h), Image.BILINEAR)


def _digits(n: int) -> str:
    return "".join(random.choice("0123456789") for _ in range(n))


# Sampling weight of each use syllable; train.py raises the weight of syllables the model currently misreads
# (hard-example mining of look-alike syllables).
USE_WEIGHTS = [1.0] * len(USE_SYLLABLES)


def _use() -> str:
    return random.choices(USE_SYLLABLES, USE_WEIGHTS)[0]


def _bottom_use(use: str) -> str:
    """Bottom-row use syllable of a two-row plate: usually printed smaller than the serial digits beside it."""
    return "U" + use if random.random() < 0.8 else use


# Each format and its share of the synthetic plates; a format gives plate aspect (w/h), layout, style choices, rows
# as lists of (text group, relative width weight).
FORMATS = {"car-one-row": 0.26, "region-one-row": 0.06, "car-two-row": 0.18, "region-two-row": 0.14,
           "region-only-two-row": 0.04, "moto-legacy": 0.18, "moto-2026": 0.14}
# The shares plates are drawn with; training's format mining moves them towards the formats it misreads.
FORMAT_WEIGHTS = list(FORMATS.values())


def sample_plate(fmt: str | None = None) -> dict:
    fmt = fmt or random.choices(list(FORMATS), FORMAT_WEIGHTS)[0]
    region = random.choice(REGIONS)
    if fmt == "car-one-row":
        d = 2 if random.random() < 0.6 else 3
        top, use, tail = _digits(d), _use(), _digits(4)
        return dict(fmt="car-one-row", aspect=random.uniform(4.2, 5.0), layout="one-row",
                    style=random.choice(["white", "white", "white", "ev", "yellow"]),
                    rows=[[top, use, " ", tail]], text=top + use + tail)
    if fmt == "region-one-row":
        top, use, tail = _digits(2), _use(), _digits(4)
        return dict(fmt="region-one-row", aspect=random.uniform(4.0, 5.0), layout="one-row",
                    style=random.choice(["white", "yellow"]),
                    # Older one-row plates stack the region name's two syllables in one narrow cell.
                    rows=[[("S" if random.random() < 0.6 else "R") + region, top, use, tail]],
                    text=region + top + use + tail)
    if fmt == "car-two-row":
        top, use, tail = _digits(2), _use(), _digits(4)
        return dict(fmt="car-two-row", aspect=random.uniform(1.6, 2.3), layout="two-row",
                    style=random.choice(["green", "green", "white", "yellow"]), rows=[[top, use], [tail]],
                    text=top + use + tail)
    if fmt == "region-two-row":
        top, use, tail = _digits(2), _use(), _digits(4)
        return dict(fmt="region-two-row", aspect=random.uniform(1.6, 2.3), layout="two-row",
                    style=random.choice(["green", "green", "yellow", "white"]),
                    rows=[["R" + region, top], [_bottom_use(use), tail]], text=region + top + use + tail)
    if fmt == "region-only-two-row":
        top, use, tail = _digits(2), _use(), _digits(4)
        return dict(fmt="region-only-two-row", aspect=random.uniform(1.6, 2.3), layout="two-row",
                    style=random.choice(["yellow", "green", "white"]),
                    rows=[["R" + region], [top, _bottom_use(use), tail]], text=region + top + use + tail)
    if fmt == "moto-legacy":
        district = random.choice(DISTRICTS[region])
        use, tail = random.choice(MOTO_SYLLABLES) if random.random() < 0.7 else _use(), _digits(4)
        return dict(fmt="moto-legacy", aspect=random.uniform(1.6, 2.0), layout="two-row",
                    style=random.choice(["moto", "moto", "white", "yellow"]),
                    rows=[["R" + region, " ", "R" + district], [_bottom_use(use), tail]],
                    text=region + district + use + tail)
    kind, use, one, tail = _digits(1), _use(), _digits(1), _digits(4)
    return dict(fmt="moto-2026", aspect=random.uniform(1.3, 1.55), layout="two-row", style="white",
                rows=[[kind, use, one], [tail]], text=kind + use + one + tail)


_STYLES = {  # (background gray, ink gray) ranges after RGB->gray of the real plate colours
    "white": ((200, 255), (0, 70)),
    "ev": ((150, 215), (0, 60)),
    "yellow": ((160, 230), (0, 70)),
    "green": ((60, 130), (190, 255)),
    "moto": ((190, 255), (30, 110)),
}


def _render_row(bank: GlyphBank, canvas: Image.Image, groups: list[str], box: tuple, ink: int,
                font_idx: int | None) -> None:
    x0, y0, x1, y1 = box
    h = y1 - y0
    items = []  # (text, width, height factor, vertical place of a short glyph: 0 top .. 1 bottom)
    for g in groups:
        if g == " ":
            items.append((None, 0.25 * h, 1.0, 0.5))
        elif g.startswith("R"):
            name = g[1:]
            items.append((name, 0.62 * h * len(name), random.uniform(0.7, 0.95), 0.5))
        elif g.startswith("S"):
            items.append((g, random.uniform(0.45, 0.7) * h, random.uniform(0.85, 1.0), 0.5))
        elif g.startswith("U"):  # the use syllable beside the big serial digits: smaller, high or centred
            items.append((g[1:], random.uniform(0.5, 0.72) * h, random.uniform(0.55, 0.85), random.uniform(0.0, 0.6)))
        else:
            for ch in g:
                items.append((ch, (0.62 if ch.isdigit() else 0.78) * h, 1.0, 0.5))
    gap = random.uniform(0.03, 0.12) * h
    total = sum(w for _, w, _, _ in items) + gap * (len(items) - 1)
    scale = min(1.0, (x1 - x0) * random.uniform(0.86, 0.97) / total)
    x = x0 + ((x1 - x0) - total * scale) / 2
    for text, w, hf, place in items:
        cw = max(2, int(w * scale))
        if text is not None and text.startswith("S"):
            ch = max(4, int(h * hf))
            top = y0 + (h - ch) / 2
            for k, syllable in enumerate(text[1:3]):
                canvas.paste(ink, (int(x), int(top + k * ch / 2)), bank.render(syllable, cw, max(2, ch // 2), font_idx))
        elif text is not None:
            ch = max(2, int(h * hf * random.uniform(0.92, 1.0)))
            mask = bank.render(text, cw, ch, font_idx)
            canvas.paste(ink, (int(x), int(y0 + (h - ch) * place)), mask)
        x += (w + gap) * scale


def render_clean(bank: GlyphBank, spec: dict, height: int = 96) -> Image.Image:
    """Flat, frontal plate rendering (grayscale)."""
    w = int(height * spec["aspect"])
    bg_r, ink_r = _STYLES[spec["style"]]
    bg, ink = random.randint(*bg_r), random.randint(*ink_r)
    plate = Image.new("L", (w, height), bg)
    d = ImageDraw.Draw(plate)
    bw = max(1, int(height * random.uniform(0.01, 0.04)))
    if random.random() < 0.8:
        d.rounded_rectangle([bw, bw, w - bw - 1, height - bw - 1], radius=int(height * 0.08), outline=ink, width=bw)
    font_idx = None if random.random() < 0.55 else random.randrange(len(bank.fonts))
    m = 0.07 * height
    if spec["layout"] == "one-row":
        left = m + (random.uniform(0.05, 0.1) * w if spec["style"] in ("white", "ev") and random.random() < 0.5 else 0)
        if left > m:  # 2019 plates: holographic national emblem block on the left
            d.rectangle([m, height * 0.2, left - m * 0.5, height * 0.8], fill=random.randint(60, 200))
        _render_row(bank, plate, spec["rows"][0], (int(left), int(m * 1.2), int(w - m), int(height - m * 1.2)),
                    ink, font_idx)
    else:
        split = random.uniform(0.36, 0.44) * height
        _render_row(bank, plate, spec["rows"][0], (int(w * 0.18), int(m), int(w * 0.82), int(split)), ink, font_idx)
        _render_row(bank, plate, spec["rows"][1], (int(m), int(split + m * 0.3), int(w - m), int(height - m)), ink,
                    font_idx)
    if random.random() < 0.5:  # rivets / bolts
        r = max(1, int(height * 0.04))
        yb = height * (0.2 if spec["layout"] == "two-row" else 0.5)
        for xb in (w * 0.08, w * 0.92):
            d.ellipse([xb - r, yb - r, xb + r, yb + r], fill=random.randint(0, 255))
    return plate


def _perspective_coeffs(dst: list, src: list) -> list:
    a = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return np.linalg.solve(np.array(a, dtype=np.float64), np.array(src, dtype=np.float64).reshape(8)).tolist()


def degrade(plate: Image.Image, two_row: bool = False) -> Image.Image:
    """Place the plate in a scene-like surround with a perspective view, crop it as a detector would, degrade."""
    w, h = plate.size
    pad = int(h * 0.6)
    scene = Image.fromarray(np.clip(np.random.normal(random.uniform(20, 200), random.uniform(5, 40),
                                                     (h + 2 * pad, w + 2 * pad)), 0, 255).astype(np.uint8))
    scene = scene.filter(ImageFilter.GaussianBlur(random.uniform(1, 4)))
    scene.paste(plate, (pad, pad))
    j = 0.06 * h
    quad = [(pad + random.uniform(-j, j), pad + random.uniform(-j, j)),
            (pad + w + random.uniform(-j, j), pad + random.uniform(-j, j)),
            (pad + w + random.uniform(-j, j), pad + h + random.uniform(-j, j)),
            (pad + random.uniform(-j, j), pad + h + random.uniform(-j, j))]
    # Crop margins like a detector box: sometimes loose, sometimes cutting the border.
    mx, my = random.uniform(-0.03, 0.1) * w, random.uniform(-0.04, 0.15) * h
    ow, oh = int(w + 2 * mx), int(h + 2 * my)
    dst = [(mx, my), (mx + w, my), (mx + w, my + h), (mx, my + h)]
    if random.random() < 0.7:  # skew / rotation of the view
        s = random.uniform(-0.12, 0.12) * h
        t = random.uniform(-0.05, 0.05) * w
        dst = [(x + t * (y / h - 0.5), y + s * (x / w - 0.5)) for x, y in dst]
    coeffs = _perspective_coeffs(dst, quad)
    out = scene.transform((ow, oh), Image.PERSPECTIVE, coeffs, Image.BILINEAR)
    # Low resolution: characters down to ~8-15 px tall, then back up (detector crops get upscaled). A two-row plate
    # keeps at least ~20 px: below that its top row is a few pixels high, and its text a guess no one could check.
    target_h = random.choice([random.uniform(20 if two_row else 14, 30), random.uniform(25, 70)]) * oh / h
    if target_h < oh:
        small = out.resize((max(8, int(ow * target_h / oh)), max(6, int(target_h))), Image.BILINEAR)
        out = small if random.random() < 0.5 else small.resize((ow, oh), Image.BILINEAR)
    elif random.random() < 0.5:
        out = out.filter(ImageFilter.GaussianBlur(random.uniform(0.3, 1.2) * out.size[1] / 60))
    a = np.asarray(out, dtype=np.float32)
    if random.random() < 0.3:  # glare blob
        yy, xx = np.mgrid[0:a.shape[0], 0:a.shape[1]]
        cx, cy = random.uniform(0, a.shape[1]), random.uniform(0, a.shape[0])
        rad = random.uniform(0.2, 0.8) * a.shape[0]
        a = a + random.uniform(30, 110) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * rad ** 2))
    if random.random() < 0.25:  # night / dim, low contrast
        a = a * random.uniform(0.3, 0.6) + random.uniform(0, 25)
    elif random.random() < 0.2:  # overexposed
        a = a * random.uniform(0.5, 0.8) + random.uniform(60, 120)
    a = a + np.random.normal(0, random.uniform(0, 8), a.shape)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if random.random() < 0.6:
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=random.randint(15, 85))
        out = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return out


def sample(bank: GlyphBank, fmt: str | None = None) -> tuple[Image.Image, str, str, str]:
    spec = sample_plate(fmt)
    plate = render_clean(bank, spec, height=random.choice([64, 80, 96]))
    return degrade(plate, spec["layout"] == "two-row"), spec["text"], spec["layout"], spec["fmt"]
