"""CTC decoding (greedy, and constrained to the plate grammar) and the crop reading procedure, mirrored by
src/core/plate-decoder.ts and src/vision/korean-recognizer.ts."""
import math
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
_ALL_USE_ORDERED = list(dict.fromkeys(USE_SYLLABLES + MOTO_SYLLABLES))
_ALL_USE = set(_ALL_USE_ORDERED)
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


def _classes(chars) -> list[int]:
    return [CHARSET.index(c) + 1 for c in dict.fromkeys(chars) if c in CHARSET]


def plate_automaton() -> tuple[int, list[tuple[int, int, list[int]]]]:
    """The plate grammars as an automaton over class indices: node 0 start, node 1 accepting; (from, to, classes)."""
    digit, use = _classes("0123456789"), _classes(list(_ALL_USE_ORDERED))
    motorcycle, hangul = _classes(MOTO_SYLLABLES), _classes([c for c in CHARSET if "가" <= c <= "힣"])
    edges: list[tuple[int, int, list[int]]] = []
    count = [2]

    def node() -> int:
        count[0] += 1
        return count[0] - 1

    def edge(a: int, b: int, cs: list[int]) -> None:
        if cs:
            edges.append((a, b, cs))

    def chain(a: int, sets: list[list[int]], b: int) -> None:
        for i, cs in enumerate(sets):
            nxt = b if i == len(sets) - 1 else node()
            edge(a, nxt, cs)
            a = nxt

    serial = [digit] * 4
    two, three, car_use = node(), node(), node()
    chain(0, [digit, digit], two)
    edge(two, three, digit)
    edge(two, car_use, use)
    edge(three, car_use, use)
    chain(car_use, serial, 1)
    chain(0, [digit, use, digit] + serial, 1)
    region = node()
    for name in REGIONS:
        if all(c in CHARSET for c in name):
            chain(0, [_classes(c) for c in name], region)
    chain(region, [digit, digit, use] + serial, 1)
    district = [node(), node(), node()]
    moto_use = node()
    edge(region, district[0], hangul)
    edge(district[0], district[1], hangul)
    edge(district[1], district[2], hangul)
    for d in district:
        edge(d, moto_use, motorcycle)
    chain(moto_use, serial, 1)
    return count[0], edges


_AUTOMATON = plate_automaton()


def _ln(p: float) -> float:
    return math.log(max(p, 1e-30))


def best_path_log_prob(probs: np.ndarray) -> float:
    return float(sum(_ln(float(p)) for p in probs.max(1)))


def best_plate_path(probs: np.ndarray) -> tuple[str, list[float], float] | None:
    """Viterbi over (automaton node, last class) under CTC's rules: the most probable path whose text is a valid
    plate, as text, per-character confidences and log probability; None when no path fits."""
    nodes, edges = _AUTOMATON
    neg = -math.inf
    p = probs.astype(np.float64)
    blank = [(0.0 if n == 0 else neg, ()) for n in range(nodes)]
    emitted: list[dict[int, tuple[float, tuple]]] = [{} for _ in range(nodes)]
    for t in range(p.shape[0]):
        row = p[t]
        tops = []
        for n in range(nodes):
            top = [(blank[n][0], -1, blank[n][1]), None] if blank[n][0] > neg else None
            for cls, (score, path) in emitted[n].items():
                if top is None:
                    top = [(score, cls, path), None]
                elif score > top[0][0]:
                    top = [(score, cls, path), top[0]]
                elif top[1] is None or score > top[1][0]:
                    top[1] = (score, cls, path)
            tops.append(top)
        next_blank = [(top[0][0] + _ln(row[0]), top[0][2]) if top else (neg, ()) for top in tops]
        next_emitted = []
        for cells in emitted:
            out = {}
            for cls, (score, path) in cells.items():
                ch, conf = path[-1]
                out[cls] = (score + _ln(row[cls]), path[:-1] + ((ch, max(conf, float(row[cls]))),))
            next_emitted.append(out)
        for a, b, cs in edges:
            top = tops[a]
            if top is None:
                continue
            for cls in cs:
                source = top[1] if top[0][1] == cls else top[0]
                if source is None:
                    continue
                score = source[0] + _ln(row[cls])
                known = next_emitted[b].get(cls)
                if known is None or score > known[0]:
                    next_emitted[b][cls] = (score, source[2] + ((CHARSET[cls - 1], float(row[cls])),))
        blank, emitted = next_blank, next_emitted
    end = blank[1]
    for cell in emitted[1].values():
        if cell[0] > end[0]:
            end = cell
    if end[0] == neg:
        return None
    return "".join(c for c, _ in end[1]), [conf for _, conf in end[1]], end[0]


# A grammar-constrained reading replaces an invalid greedy one only when its path is at least this likely relative
# to the greedy path: a plate missing one faint character, not a forced reading of something that is no plate.
FORCED_MIN_RATIO = 0.05


def read_line(probs: np.ndarray, constrained: bool = True) -> tuple[str, float, int]:
    """(text, confidence, rank) of one line: rank 2 a greedy reading that is a valid plate, 1 a grammar-constrained
    reading (the greedy one was not valid), 0 an invalid greedy reading."""
    text, confs = greedy(probs)
    if plate_valid(text):
        return text, text_confidence(confs), 2
    forced = best_plate_path(probs) if constrained else None
    if forced and forced[2] - best_path_log_prob(probs) >= math.log(FORCED_MIN_RATIO):
        return forced[0], text_confidence(forced[1]), 1
    return text, text_confidence(confs), 0


def predict_lines(predict, images: list[Image.Image]) -> tuple[list[tuple[int, str]], np.ndarray]:
    """Every crop's line under each plausible layout through the model: (crop index, layout) and probabilities."""
    lines, owners = [], []
    for i, img in enumerate(images):
        for layout in layouts_for(*img.size):
            lines.append(line_image(img, layout))
            owners.append((i, layout))
    return owners, predict(normalize(np.stack(lines))[:, None])


# A reading that ends the search for a layout: a valid greedy plate with no character below this.
SURE = 0.9


def choose_readings(owners: list[tuple[int, str]], probs: np.ndarray, count: int,
                    constrained: bool = True) -> list[tuple[str, float, str, bool]]:
    """Keep each crop's best reading over its layouts: a valid greedy reading beats a grammar-constrained one, which
    beats an invalid one, then the more confident wins (its weakest character). The second layout counts only when
    the likelier one's reading is not sure (the TypeScript recogniser does not run it then). Returns (text,
    confidence, layout, constrained) per crop; constrained=False is greedy decoding alone."""
    best: dict[int, tuple[int, float, str, str]] = {}
    sure: set[int] = set()
    for (i, layout), p in zip(owners, probs):
        if i in sure:
            continue
        text, conf, rank = read_line(p, constrained)
        if i not in best or (rank, conf) > best[i][:2]:
            best[i] = (rank, conf, text, layout)
        if rank == 2 and conf >= SURE:
            sure.add(i)
    return [(best[i][2], best[i][1], best[i][3], best[i][0] == 1) for i in range(count)]


def read_crops(predict, images: list[Image.Image]) -> list[tuple[str, float, str, bool]]:
    """Read each crop as the TypeScript recogniser does (see choose_readings)."""
    return choose_readings(*predict_lines(predict, images), len(images))
