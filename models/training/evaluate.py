"""Accuracy of a checkpoint on the held-out real crops (and on fresh synthetic plates of every format).

/usr/bin/python3 models/training/evaluate.py [--checkpoint models/training/out/final.pt | --onnx models/korean-plate-rec.onnx]
    [--spec models/korean-plate-rec.json]

Writes models/training/evaluation.json (committed: REPORT.md is made from it, and the TypeScript tests check that
they read every held-out crop as it records). --spec refreshes the figures in the model's json with it."""
import argparse
import collections
import json
import os
import random

import numpy as np
import torch
from PIL import Image

from charset import NUM_CLASSES
from decode import choose_readings, predict_lines, read_crops
from model import ExportedRecognizer, PlateRecognizer
from realdata import load_crops, plate_format, split
from synth import FORMATS, GlyphBank, sample

HERE = os.path.dirname(os.path.abspath(__file__))


def predictor(model: PlateRecognizer):
    def predict(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(model(torch.from_numpy(x).float()), dim=2).numpy()
    return predict


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def score(pairs: list[tuple[str, str]]) -> dict:
    n = len(pairs)
    return {"n": n, "exact": sum(p == t for t, p in pairs) / max(n, 1),
            "digits": sum(_digits(p) == _digits(t) for t, p in pairs) / max(n, 1)}


def evaluate_real(model: PlateRecognizer, crops) -> dict:
    images = [c.load() for c in crops]
    owners, probs = predict_lines(predictor(model), images)
    reads = choose_readings(owners, probs, len(images))
    greedy = choose_readings(owners, probs, len(images), constrained=False)
    rows = [{"file": os.path.relpath(c.path, os.path.join(HERE, "../../../shared/plates")), "truth": c.text,
             "read": r[0], "confidence": round(r[1], 4), "layout": c.layout, "read_as": r[2], "constrained": r[3],
             "greedy": g[0], "source": c.source, "format": plate_format(c.text)}
            for c, r, g in zip(crops, reads, greedy)]
    groups, greedy_groups = collections.defaultdict(list), collections.defaultdict(list)
    for r in rows:
        for key in ("all", "layout " + r["layout"], "format " + r["format"], "source " + r["source"]):
            groups[key].append((r["truth"], r["read"]))
            greedy_groups[key].append((r["truth"], r["greedy"]))
    return {"groups": {k: score(v) for k, v in sorted(groups.items())},
            "greedy_groups": {k: score(v) for k, v in sorted(greedy_groups.items())},
            "confusions": confusions([(r["truth"], r["read"]) for r in rows]), "rows": rows}


def confusions(pairs: list[tuple[str, str]]) -> dict[str, int]:
    """Character confusions truth->read, counted where the read has the truth's length (aligned by position)."""
    counts = collections.Counter()
    for truth, read in pairs:
        if len(truth) == len(read):
            counts.update(f"{a}->{b}" for a, b in zip(truth, read) if a != b)
    return dict(counts.most_common())


def evaluate_synthetic(model: PlateRecognizer, per_format: int = 50, seed: int = 7) -> dict:
    """Accuracy per format on fresh synthetic plates, and the character confusions over all of them."""
    random.seed(seed)
    np.random.seed(seed)
    bank = GlyphBank()
    by_fmt = {fmt: [sample(bank, fmt)[:2] for _ in range(per_format)] for fmt in FORMATS}
    formats, pairs = {}, []
    for fmt, items in sorted(by_fmt.items()):
        reads = read_crops(predictor(model), [i for i, _ in items])
        fmt_pairs = [(t, r[0]) for (_, t), r in zip(items, reads)]
        formats[fmt] = score(fmt_pairs)
        pairs += fmt_pairs
    return {"formats": formats, "confusions": confusions(pairs)}


def evaluate_model(model: PlateRecognizer, crops, synthetic_per_format: int) -> dict:
    return {"real_validation": evaluate_real(model, crops), "synthetic": evaluate_synthetic(model, synthetic_per_format)}


def spec_figures(result: dict) -> dict:
    """The figures of an evaluation that the model json records under "training"."""
    real = result["real_validation"]
    return {"validation": real["groups"], "validation_greedy_decoding": real["greedy_groups"],
            "confusions": real["confusions"],
            "synthetic_test": result["synthetic"]["formats"]}


def summary(result: dict) -> list[str]:
    lines = [f"{k:40s} n={v['n']:3d} exact={v['exact']:.3f} digits={v['digits']:.3f}"
             for k, v in result["real_validation"]["groups"].items()]
    lines += [f"synthetic {k:30s} n={v['n']:3d} exact={v['exact']:.3f} digits={v['digits']:.3f}"
              for k, v in result["synthetic"]["formats"].items()]
    lines += [f"greedy decoding alone: {k:25s} n={v['n']:3d} exact={v['exact']:.3f}"
              for k, v in result["real_validation"]["greedy_groups"].items() if k == "all" or k.startswith("layout")]
    return lines + [f"confusions {result['real_validation']['confusions']}"]


def refresh_spec(path: str, result: dict) -> None:
    """Replace the held-out and synthetic figures recorded at training time (labels may have been corrected since)."""
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    spec["training"].update(spec_figures(result),
                            evaluated_by="/usr/bin/python3 models/training/evaluate.py (labels as corrected in "
                                         "realdata.CORRECTIONS)")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False, indent=2)
        f.write("\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "out", "final.pt"))
    ap.add_argument("--onnx", help="evaluate an exported model file instead of a checkpoint")
    ap.add_argument("--out", default=os.path.join(HERE, "evaluation.json"))
    ap.add_argument("--spec", help="model json whose training figures to refresh (same model as the checkpoint)")
    ap.add_argument("--synthetic", type=int, default=200, help="synthetic test plates per format")
    args = ap.parse_args()
    # One thread: on a shared, oversubscribed CPU two OpenMP threads wait on each other (measured 2x slower).
    torch.set_num_threads(1)
    if args.onnx:
        model = ExportedRecognizer(args.onnx)
    else:
        checkpoint = torch.load(args.checkpoint)
        model = PlateRecognizer(NUM_CLASSES, checkpoint.get("width", 1.0))
        model.load_state_dict(checkpoint["model"])
    model.eval()
    _train, val = split(load_crops())
    result = evaluate_model(model, val, args.synthetic)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")
    if args.spec:
        refresh_spec(args.spec, result)
    print("\n".join(summary(result)))


if __name__ == "__main__":
    main()
