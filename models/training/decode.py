"""Greedy CTC decoding and the crop reading procedure, mirrored by src/vision/korean-recognizer.ts."""
import re

import numpy as np
from PIL import Image

from charset import CHARSET, MOTO_SYLLABLES, REGIONS, USE_SYLLABLES
from preprocess import layouts_for, line_image, normalize


def greedy(probs: np.ndarray) -> tuple[str, list[float]]:
    """probs (T,C) -> text and per-character confidence (max probability over the character's frames)."""
    best = probs.argmax(1)
    text, confs, prev = [], [], 0
    for t, k in enumerate(best):
        if k != 0 and k != prev:
            text.append(CHARSET[k - 1])
            confs.append(float(probs[t, k]))
        elif k != 0 and k == prev:
            confs[-1] = max(confs[-1], float(probs[t, k]))
        prev = k
    return "".join(text), confs


def text_confidence(confs: list[float]) -> float:
    """Weakest character decides; nothing read is confidence 0."""
    return min(confs) if confs else 0.0


_H = "[가-힣]"
_ALL_USE = set(USE_SYLLABLES) | set(MOTO_SYLLABLES)
# The grammars of src/core/plate-grammar.ts (parsePlate(...).valid) for text the model can emit.
_GRAMMARS = [
    (re.compile(rf"^\d{{2,3}}({_H})\d{{4}}$"), lambda m: m[1] in _ALL_USE),
    (re.compile(rf"^\d({_H})\d{{5}}$"), lambda m: m[1] in _ALL_USE),
    (re.compile(rf"^({_H}{{2}})\d{{2}}({_H})\d{{4}}$"), lambda m: m[1] in REGIONS and m[2] in _ALL_USE),
    (re.compile(rf"^({_H}{{2}}){_H}{{1,3}}({_H})\d{{4}}$"), lambda m: m[1] in REGIONS and m[2] in MOTO_SYLLABLES),
]


def plate_valid(text: str) -> bool:
    """The text has the shape of a Korean plate format and its region and use syllables exist."""
    for pattern, check in _GRAMMARS:
        m = pattern.match(text)
        if m:
            return check(m)
    return False


def read_crops(predict, images: list[Image.Image]) -> list[tuple[str, float, str]]:
    """Read each crop under every plausible layout and keep the best: a reading that parses as a plate beats one
    that does not, then the more confident wins. Returns (text, confidence, layout) per crop."""
    lines, owners = [], []
    for i, img in enumerate(images):
        for layout in layouts_for(*img.size):
            lines.append(line_image(img, layout))
            owners.append((i, layout))
    probs = predict(normalize(np.stack(lines))[:, None])
    best: dict[int, tuple[str, float, str]] = {}
    for (i, layout), p in zip(owners, probs):
        text, confs = greedy(p)
        conf = text_confidence(confs)
        if i not in best or (plate_valid(text), conf) > (plate_valid(best[i][0]), best[i][1]):
            best[i] = (text, conf, layout)
    return [best[i] for i in range(len(images))]
