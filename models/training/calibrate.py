"""Calibrate the recogniser's per-character probabilities by temperature scaling, and measure how well they mean what
they say (reliability curve) on the held-out real crops before and after.

/usr/bin/python3 models/training/calibrate.py --onnx <model.onnx> [--out-onnx <calibrated.onnx>]

The temperature is fitted on fresh synthetic plates of every format (synth.sample, a seed training never drew;
`--fit real` uses degraded variants of the training crops instead, which the model has learnt too well to show its
doubt: they give a temperature below 1), never on the held-out crops, by the binary log loss of "this character is
right" against its greedy probability. Dividing the last convolution's weights and bias by it leaves
every frame's best class unchanged (the same greedy text) and makes its probability honest; the calibrated model is
written with its json (sha256, bytes, "calibration"). calibration.json holds the reliability tables."""
import argparse
import json
import hashlib
import os
import random

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from augment import degrade_real
from decode import greedy
from model import ExportedRecognizer
from preprocess import line_image, normalize
from realdata import load_crops, split
from synth import GlyphBank, sample

HERE = os.path.dirname(os.path.abspath(__file__))
BINS = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001]
TEMPERATURES = np.round(np.arange(0.5, 3.01, 0.05), 2)


def logits_of(model: ExportedRecognizer, images, layouts) -> np.ndarray:
    lines = np.stack([line_image(img, layout) for img, layout in zip(images, layouts)])
    with torch.no_grad():
        return model(torch.from_numpy(normalize(lines)[:, None]).float()).numpy()


def softmax(x: np.ndarray, t: float) -> np.ndarray:
    z = x / t
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def events(logits: np.ndarray, truths: list[str], t: float) -> list[tuple[float, bool, bool]]:
    """(probability, right, is the use syllable) of every character of reads with the truth's length."""
    out = []
    for lg, truth in zip(logits, truths):
        text, confs = greedy(softmax(lg, t))
        if len(text) != len(truth):
            continue
        syllable = max(i for i, ch in enumerate(truth) if not ch.isdigit())
        out += [(c, a == b, i == syllable) for i, (c, a, b) in enumerate(zip(confs, text, truth))]
    return out


def plates(logits: np.ndarray, truths: list[str], t: float) -> list[tuple[float, bool]]:
    """(product of the character probabilities, whole text right) per crop: what the plate vote's floor reads."""
    out = []
    for lg, truth in zip(logits, truths):
        text, confs = greedy(softmax(lg, t))
        out.append((float(np.prod(confs)) if confs else 0.0, text == truth))
    return out


def log_loss(ev: list[tuple[float, bool, bool]]) -> float:
    p = np.clip(np.array([e[0] for e in ev]), 1e-6, 1 - 1e-6)
    y = np.array([e[1] for e in ev], dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def reliability(ev) -> dict:
    """Per probability bin: count, mean probability, share right; and the expected calibration error."""
    p = np.array([e[0] for e in ev])
    y = np.array([e[1] for e in ev], dtype=np.float64)
    rows, ece = [], 0.0
    for lo, hi in zip(BINS[:-1], BINS[1:]):
        m = (p >= lo) & (p < hi)
        if m.sum() == 0:
            continue
        rows.append({"bin": f"{lo:.2f}-{min(hi, 1):.2f}", "n": int(m.sum()), "mean_p": round(float(p[m].mean()), 4),
                     "right": round(float(y[m].mean()), 4)})
        ece += m.sum() / len(p) * abs(p[m].mean() - y[m].mean())
    return {"n": len(p), "ece": round(float(ece), 4), "bins": rows}


def scaled_model(onnx_path: str, out_path: str, t: float) -> str:
    """The ONNX file with its last convolution divided by t; returns its sha256."""
    m = onnx.load(onnx_path)
    last = [n for n in m.graph.node if n.op_type == "Conv"][-1]
    inits = {i.name: i for i in m.graph.initializer}
    for name in last.input[1:3]:
        arr = numpy_helper.to_array(inits[name]) / t
        inits[name].CopyFrom(numpy_helper.from_array(arr.astype(np.float32), name))
    onnx.save(m, out_path)
    with open(out_path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--out-onnx", help="write the calibrated model here (its json beside it)")
    ap.add_argument("--fit", choices=["synthetic", "real"], default="synthetic")
    ap.add_argument("--synthetic", type=int, default=1500, help="fresh synthetic plates to fit on")
    ap.add_argument("--variants", type=int, default=4, help="--fit real: degraded variants of each training crop")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--report", default=os.path.join(HERE, "calibration.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    random.seed(args.seed)
    np.random.seed(args.seed)
    model = ExportedRecognizer(args.onnx).eval()
    train, val = split(load_crops())
    fit_images, fit_layouts, fit_truths = [], [], []
    if args.fit == "real":
        for c in train:
            img = c.load()
            for _ in range(args.variants):
                fit_images.append(degrade_real(img))
                fit_layouts.append(c.layout)
                fit_truths.append(c.text)
        fitted_on = f"{len(fit_images)} degraded variants of the {len(train)} training crops (seed {args.seed})"
    else:
        bank = GlyphBank()
        for _ in range(args.synthetic):
            img, text, layout, _fmt = sample(bank)
            fit_images.append(img)
            fit_layouts.append(layout)
            fit_truths.append(text)
        fitted_on = f"{args.synthetic} fresh synthetic plates of every format (seed {args.seed})"
    fit_logits = logits_of(model, fit_images, fit_layouts)
    losses = {float(t): log_loss(events(fit_logits, fit_truths, float(t))) for t in TEMPERATURES}
    best_t = min(losses, key=losses.get)
    val_logits = logits_of(model, [c.load() for c in val], [c.layout for c in val])
    val_truths = [c.text for c in val]
    report = {"temperature": best_t, "fitted_on": fitted_on,
              "fit_log_loss": {"1.0": round(losses[1.0], 4), str(best_t): round(losses[best_t], 4)}}
    for name, t in (("before", 1.0), ("after", best_t)):
        ev = events(val_logits, val_truths, t)
        report[name] = {"characters": reliability(ev), "use_syllable": reliability([e for e in ev if e[2]]),
                        "plates": reliability([(p, r, False) for p, r in plates(val_logits, val_truths, t)])}
    with open(args.report, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(json.dumps({k: report[k] for k in ("temperature", "fit_log_loss")}),
          "held-out ECE characters", report["before"]["characters"]["ece"], "->", report["after"]["characters"]["ece"])
    if args.out_onnx:
        sha = scaled_model(args.onnx, args.out_onnx, best_t)
        with open(args.onnx.removesuffix(".onnx") + ".json", encoding="utf-8") as f:
            spec = json.load(f)
        spec.update(sha256=sha, bytes=os.path.getsize(args.out_onnx))
        spec["calibration"] = {"temperature": best_t, "fitted_on": report["fitted_on"],
                               "by": "/usr/bin/python3 models/training/calibrate.py"}
        with open(args.out_onnx.removesuffix(".onnx") + ".json", "w", encoding="utf-8") as f:
            json.dump(spec, f, ensure_ascii=False, indent=2)
            f.write("\n")
        print(f"wrote {args.out_onnx} (sha256 {sha})")


if __name__ == "__main__":
    main()
