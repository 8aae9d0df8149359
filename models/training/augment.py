"""Degradations applied to real training crops (the synthetic ones get theirs in synth.degrade)."""
import io
import random

import numpy as np
from PIL import Image, ImageFilter


def jitter_crop(img: Image.Image) -> Image.Image:
    """Move each crop edge by up to ~6% (inwards or outwards, edge pixels repeated) and rotate slightly."""
    w, h = img.size
    pad = int(max(w, h) * 0.1) + 1
    a = np.pad(np.asarray(img), ((pad, pad), (pad, pad)), mode="edge")
    big = Image.fromarray(a)
    if random.random() < 0.5:
        big = big.rotate(random.uniform(-3, 3), Image.BILINEAR)
    dx0, dx1 = (random.uniform(-0.04, 0.06) * w for _ in range(2))
    dy0, dy1 = (random.uniform(-0.05, 0.08) * h for _ in range(2))
    return big.crop((int(pad - dx0), int(pad - dy0), int(pad + w + dx1), int(pad + h + dy1)))


def degrade_real(img: Image.Image) -> Image.Image:
    out = jitter_crop(img)
    w, h = out.size
    if random.random() < 0.4:
        f = random.uniform(0.35, 0.8)
        out = out.resize((max(8, int(w * f)), max(6, int(h * f))), Image.BILINEAR)
    elif random.random() < 0.3:
        out = out.filter(ImageFilter.GaussianBlur(random.uniform(0.3, 1.0) * h / 60))
    a = np.asarray(out, dtype=np.float32)
    if random.random() < 0.5:
        a = a * random.uniform(0.4, 1.2) + random.uniform(-30, 40)
    a = a + np.random.normal(0, random.uniform(0, 8), a.shape)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if random.random() < 0.4:
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=random.randint(20, 85))
        out = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return out
