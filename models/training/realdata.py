"""Real plate crops from ../shared/plates (crops/ and crops-two-row/) with a fixed, seeded train/validation split.

The split is by plate text, so several photos of one plate never straddle train and validation."""
import csv
import os
import random
from dataclasses import dataclass

from PIL import Image

PLATES = os.environ.get("PLATE_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/plates"))
SPLIT_SEED = 20260320
VAL_FRACTION = 0.3
# TCN_LPR file names code the region with a leading Latin letter (upper case = two-row plate).
_TCN_REGION = {"a": "서울", "b": "부산", "i": "경기"}
# Known wrong file-name labels (see ../shared/plates/README.md).
_FIXES = {"B24무6162": "부산27무6162"}


@dataclass
class Crop:
    path: str
    text: str
    layout: str  # "one-row" | "two-row" as labelled (crops/: by shape)
    source: str


def _crop_layout(path: str) -> str:
    w, h = Image.open(path).size
    return "two-row" if w / h < 2.6 else "one-row"


def load_crops() -> list[Crop]:
    out: list[Crop] = []
    with open(os.path.join(PLATES, "crops", "labels.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            p = os.path.join(PLATES, "crops", row["file"])
            out.append(Crop(p, row["text"], _crop_layout(p), "crops"))
    with open(os.path.join(PLATES, "crops-two-row", "labels.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = row["plate_text_from_filename"].strip()
            if not text or "UNVERIFIED" in row["note"]:
                continue
            text = _FIXES.get(text, text)
            if text[0].isascii() and text[0].isalpha():
                text = _TCN_REGION[text[0].lower()] + text[1:]
            out.append(Crop(os.path.join(PLATES, "crops-two-row", row["path"]), text, row["layout_guess"],
                            "crops-two-row/" + row["path"].split("/")[0]))
    return out


def split(crops: list[Crop]) -> tuple[list[Crop], list[Crop]]:
    """Fixed split: VAL_FRACTION of the distinct plate texts of each layout go to validation."""
    val_texts: set[str] = set()
    for layout in ("one-row", "two-row"):
        texts = sorted({c.text for c in crops if c.layout == layout})
        random.Random(f"{SPLIT_SEED}-{layout}").shuffle(texts)
        val_texts.update(texts[:round(len(texts) * VAL_FRACTION)])
    return [c for c in crops if c.text not in val_texts], [c for c in crops if c.text in val_texts]


def plate_format(text: str) -> str:
    """Coarse text format used to break accuracy down in the report."""
    shape = "".join("d" if ch.isdigit() else "H" for ch in text)
    return {"ddHdddd": "12가3456", "dddHdddd": "123가4567", "HHddHdddd": "서울12가3456"}.get(shape, "other")


def write_validation_list(path: str) -> None:
    """The held-out crops, for the TypeScript tests: file (relative to ../shared/plates), text, layout."""
    _train, val = split(load_crops())
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "text", "layout"])
        for c in val:
            w.writerow([os.path.relpath(c.path, PLATES), c.text, c.layout])


if __name__ == "__main__":
    write_validation_list(os.path.join(os.path.dirname(os.path.abspath(__file__)), "validation.csv"))
