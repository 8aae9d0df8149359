"""Greedy CTC decoding and the crop reading procedure, mirrored by src/vision/korean-recognizer.ts."""
import numpy as np
from PIL import Image

from charset import CHARSET
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


def read_crops(predict, images: list[Image.Image]) -> list[tuple[str, float, str]]:
    """Read each crop under every plausible layout and keep the most confident: (text, confidence, layout)."""
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
        if i not in best or conf > best[i][1]:
            best[i] = (text, conf, layout)
    return [best[i] for i in range(len(images))]
