"""Real plate crops from ../shared/plates (crops/ and crops-two-row/) with a fixed, seeded train/validation split.

The split is by plate label, so several photos of one plate never straddle train and validation. Labels found wrong
by eye are corrected after the split (CORRECTIONS), so a correction never moves a crop between the two sets."""
import csv
import math
import os
import random
from dataclasses import dataclass

from PIL import Image

PLATES = os.environ.get("PLATE_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/plates"))
SPLIT_SEED = 20260320
VAL_FRACTION = 0.3
# TCN_LPR file names code the region with a leading Latin letter (upper case = two-row plate).
_TCN_REGION = {"a": "서울", "b": "부산", "i": "경기"}
# Known wrong file-name label (see ../shared/plates/README.md); the split was drawn with it fixed.
_FIXES = {"B24무6162": "부산27무6162"}
# Labels that disagree with the plate in the image, checked by eye (file relative to ../shared/plates: what it reads).
CORRECTIONS = {
    "crops/karplate_data_04_22807.jpg": "46라3730",  # labelled 463라730: green plate, 46라 over 3730
    "crops/karplate_data_07_33801.jpg": "17모4394",  # labelled 77모4394
    "crops/karplate_data_08_8798.jpg": "48저2939",  # labelled 48저9939
    "crops/karplate_data_09_12197.jpg": "69서7931",  # labelled 69서7933
    "crops/karplate_data_09_16493.jpg": "20다0129",  # labelled 29다9129
    "crops/karplate_data_10_21317.jpg": "18저0900",  # labelled 18저0000
    "crops/karplate_10.jpg": "12라1466",  # labelled 71라1466
    "crops/karplate_data_08_30906.jpg": "37부1045",  # labelled 33부1045
    "crops/karplate_data_09_15365.jpg": "25루3673",  # labelled 26루3673
}
# Crops whose layout VIN_LPD's plate type gets wrong, checked by eye (training would cut them into rows that are not).
LAYOUTS = {"crops/karplate_data_08_15176.jpg": "one-row"}


# Margin around VIN_LPD's plate box, as the CLI crops detections (src/cli/plate.ts BOX_MARGIN).
BOX_MARGIN = 0.06
TWO_ROW_TYPES = {"P3", "P5", "P6"}


@dataclass
class Crop:
    path: str
    text: str  # what the plate reads
    layout: str  # "one-row" | "two-row": labelled (crops-two-row) or VIN_LPD's plate type (crops)
    source: str
    box: tuple[int, int, int, int] | None = None  # the plate inside the crop, integer pixels
    stratum: str = ""  # split stratum: the labelled layout, or for crops/ the shape of the whole crop
    label: str = ""  # the label as the source gives it (the split key)

    def load(self) -> Image.Image:
        img = Image.open(self.path).convert("L")
        return img.crop(self.box) if self.box else img


def _located() -> dict[str, tuple[tuple[float, ...], str]]:
    """plate-boxes.csv (locate-plates.ts): VIN_LPD's plate box and type inside each crop."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plate-boxes.csv")
    with open(path, encoding="utf-8") as f:
        return {r["file"]: (tuple(float(r[k]) for k in ("x1", "y1", "x2", "y2")), r["plate_type"])
                for r in csv.DictReader(f)}


def _box(path: str, located) -> tuple[tuple[int, int, int, int] | None, str | None]:
    """The located plate grown by BOX_MARGIN, as integer pixels (floor / ceil like src/vision/image.ts)."""
    hit = located.get(os.path.relpath(path, PLATES))
    if not hit:
        return None, None
    (x1, y1, x2, y2), plate_type = hit
    w, h = Image.open(path).size
    dx, dy = (x2 - x1) * BOX_MARGIN, (y2 - y1) * BOX_MARGIN
    x1, y1, x2, y2 = max(0.0, x1 - dx), max(0.0, y1 - dy), min(w, x2 + dx), min(h, y2 + dy)
    return (math.floor(x1), math.floor(y1), math.ceil(x2), math.ceil(y2)), plate_type


def _shape_layout(path: str, box) -> str:
    w, h = Image.open(path).size if box is None else (box[2] - box[0], box[3] - box[1])
    return "two-row" if w / h < 2.6 else "one-row"


def load_crops() -> list[Crop]:
    out: list[Crop] = []
    located = _located()
    with open(os.path.join(PLATES, "crops", "labels.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            p = os.path.join(PLATES, "crops", row["file"])
            box, plate_type = _box(p, located)
            layout = ("two-row" if plate_type in TWO_ROW_TYPES else "one-row") if plate_type else _shape_layout(p, box)
            out.append(Crop(p, row["text"], layout, "crops", box, _shape_layout(p, None), row["text"]))
    with open(os.path.join(PLATES, "crops-two-row", "labels.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = row["plate_text_from_filename"].strip()
            if not text or "UNVERIFIED" in row["note"]:
                continue
            text = _FIXES.get(text, text)
            if text[0].isascii() and text[0].isalpha():
                text = _TCN_REGION[text[0].lower()] + text[1:]
            p = os.path.join(PLATES, "crops-two-row", row["path"])
            out.append(Crop(p, text, row["layout_guess"], "crops-two-row/" + row["path"].split("/")[0],
                            _box(p, located)[0], row["layout_guess"], text))
    for c in out:
        rel = os.path.relpath(c.path, PLATES)
        c.text = CORRECTIONS.get(rel, c.text)
        c.layout = LAYOUTS.get(rel, c.layout)
    return out


def split(crops: list[Crop]) -> tuple[list[Crop], list[Crop]]:
    """Fixed split: VAL_FRACTION of the distinct plate labels of each stratum go to validation."""
    val_labels: set[str] = set()
    for layout in ("one-row", "two-row"):
        labels = sorted({c.label for c in crops if c.stratum == layout})
        random.Random(f"{SPLIT_SEED}-{layout}").shuffle(labels)
        val_labels.update(labels[:round(len(labels) * VAL_FRACTION)])
    return [c for c in crops if c.label not in val_labels], [c for c in crops if c.label in val_labels]


def plate_format(text: str) -> str:
    """Coarse text format used to break accuracy down in the report."""
    shape = "".join("d" if ch.isdigit() else "H" for ch in text)
    return {"ddHdddd": "12가3456", "dddHdddd": "123가4567", "HHddHdddd": "서울12가3456"}.get(shape, "other")


def write_validation_list(path: str) -> None:
    """The held-out crops, for the TypeScript tests: file (relative to ../shared/plates), text, layout."""
    _train, val = split(load_crops())
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "text", "layout", "x1", "y1", "x2", "y2"])
        for c in val:
            w.writerow([os.path.relpath(c.path, PLATES), c.text, c.layout, *(c.box or ("", "", "", ""))])


if __name__ == "__main__":
    write_validation_list(os.path.join(os.path.dirname(os.path.abspath(__file__)), "validation.csv"))
