"""Train the Korean plate recogniser from scratch within a wall-clock budget, export the model at the end of the
schedule to ONNX (models/korean-plate-rec.onnx + .json) and write its evaluation on the held-out real crops.

/usr/bin/python3 models/training/train.py --minutes 75"""
import argparse
import collections
import copy
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
from PIL import Image

from augment import degrade_real
import synth
from charset import CHAR_TO_CLASS, CHARSET, NUM_CLASSES, USE_SYLLABLES, look_alikes
from decode import greedy
from evaluate import evaluate_model, evaluate_real, spec_figures, summary
from model import ExportedRecognizer, ExportWrapper, PlateRecognizer
from preprocess import INPUT_H, INPUT_W, ONE_ROW_MIN_ASPECT, TWO_ROW_MAX_ASPECT, TWO_ROW_SPLIT, line_image, normalize
from realdata import SPLIT_SEED, VAL_FRACTION, load_crops, split
from swap import swap_syllable, syllable_box
from synth import GlyphBank, sample

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.normpath(os.path.join(HERE, ".."))


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def render_synthetic(n: int) -> tuple[np.ndarray, list[str], list[str]]:
    bank = GlyphBank()
    lines = np.empty((n, INPUT_H, INPUT_W), np.uint8)
    texts, formats = [], []
    for i in range(n):
        lines[i], text, fmt = synthetic_line(bank)
        texts.append(text)
        formats.append(fmt)
        if i % 2000 == 0:
            log(f"synthetic {i}/{n}")
    return lines, texts, formats


def synthetic_line(bank: GlyphBank) -> tuple[np.ndarray, str, str]:
    img, text, layout, fmt = sample(bank)
    return line_image(img, layout), text, fmt


def render_real(crops, variants: int, swap_share: float, swap_one_row: float, bank: GlyphBank
                ) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    """Every training crop as itself plus degraded variants; of a two-row crop, `swap_share` of the variants carry
    another use syllable, of a one-row crop `swap_one_row` (swap.py), mostly a look-alike of the plate's own (루 for
    두). Also whether each line is a two-row plate, and the plate it shows."""
    lines, texts, two_row, plates = [], [], [], []
    swapped = 0
    for c in crops:
        img = c.load()
        share = swap_share if c.layout == "two-row" else swap_one_row
        found = syllable_box(img, c.text, c.layout) if share > 0 else None
        alikes = look_alikes(c.text[-5])
        for k in range(variants):
            src, text = img, c.text
            if found and k > 0 and random.random() < share:
                use = random.choice(alikes) if alikes and random.random() < 0.7 else random.choice(USE_SYLLABLES)
                src = swap_syllable(img, *found, np.asarray(bank.render(use, 64, 64, None), np.float32) / 255)
                text = c.text[:-5] + use + c.text[-4:]
                swapped += 1
            lines.append(line_image(src if k == 0 else degrade_real(src), c.layout))
            texts.append(text)
            two_row.append(c.layout == "two-row")
            plates.append(c.text)
    log(f"real lines: {len(texts)}, {swapped} with a swapped syllable")
    return np.stack(lines), texts, np.array(two_row), plates


def real_sampling(plates: list[str], two_row: np.ndarray, share: float) -> np.ndarray:
    """Sampling probabilities giving two-row lines `share` of the real part of a batch (they are few), every plate the
    same weight within its layout however many photos of it there are (five of one green plate would otherwise
    teach its syllable as the green plates' syllable)."""
    count = collections.Counter(plates)
    w = np.array([1.0 / count[t] for t in plates])
    p = np.where(two_row, share * w / w[two_row].sum(), (1 - share) * w / w[~two_row].sum())
    return p / p.sum()


class SyllableMiner:
    """Hard-example mining of look-alike syllables: counts how often the model's greedy reading of a synthetic training
    plate gets its use syllable wrong (reads of the plate's length), and has the generator draw the syllables it
    misreads, and those they are misread as, more often."""

    def __init__(self) -> None:
        self.seen = np.zeros(len(USE_SYLLABLES))
        self.wrong = np.zeros(len(USE_SYLLABLES))
        self.index = {s: i for i, s in enumerate(USE_SYLLABLES)}

    def update(self, reads: list[str], texts: list[str]) -> None:
        for read, text in zip(reads, texts):
            pos = next((i for i, ch in enumerate(text) if ch in self.index and i >= len(text) - 5), None)
            if pos is None:
                continue
            if len(read) != len(text):
                continue
            truth = self.index[text[pos]]
            self.seen[truth] += 1
            if read[pos] != text[pos]:
                self.wrong[truth] += 1
                if read[pos] in self.index:
                    self.wrong[self.index[read[pos]]] += 0.5

    def weights(self) -> list[float]:
        """Half uniform, half in proportion to the (smoothed) error rate; counts decay so the weights follow the
        model."""
        rate = (self.wrong + 0.5) / (self.seen + 10)
        w = 0.5 / len(rate) + 0.5 * rate / rate.sum()
        self.seen *= 0.5
        self.wrong *= 0.5
        return (w * len(w)).tolist()


class FormatMiner:
    """Hard-example mining of plate formats: counts how often the model's greedy reading of a synthetic training
    plate is wrong, per format, and has the generator draw the formats it misreads more often."""

    def __init__(self) -> None:
        self.index = {f: i for i, f in enumerate(synth.FORMATS)}
        self.seen = np.zeros(len(self.index))
        self.wrong = np.zeros(len(self.index))

    def update(self, reads: list[str], texts: list[str], formats: list[str]) -> None:
        for read, text, fmt in zip(reads, texts, formats):
            self.seen[self.index[fmt]] += 1
            self.wrong[self.index[fmt]] += read != text

    def weights(self) -> list[float]:
        """Half each format's own share, half its share scaled by its (smoothed) error rate; counts decay so the
        weights follow the model."""
        share = np.array(list(synth.FORMATS.values()))
        rate = (self.wrong + 0.5) / (self.seen + 10)
        w = 0.5 * share + 0.5 * share * rate / (share * rate).sum()
        self.seen *= 0.5
        self.wrong *= 0.5
        return w.tolist()


def encode(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    targets = [CHAR_TO_CLASS[ch] for t in texts for ch in t]
    return torch.tensor(targets, dtype=torch.long), torch.tensor([len(t) for t in texts], dtype=torch.long)


def batch(lines: np.ndarray, texts: list[str], idx: np.ndarray) -> tuple[torch.Tensor, list[str]]:
    x = lines[idx].astype(np.float32)
    # Cheap per-batch augmentation: sub-pixel-free horizontal shift and sensor noise.
    shift = np.random.randint(-3, 4)
    if shift:
        x = np.roll(x, shift, axis=2)
    x = x + np.random.normal(0, 3, x.shape).astype(np.float32)
    return torch.from_numpy(normalize(np.clip(x, 0, 255))[:, None].astype(np.float32)), [texts[i] for i in idx]


def export(model: PlateRecognizer, meta: dict, onnx_path: str) -> None:
    model.eval()
    torch.onnx.export(ExportWrapper(model), torch.zeros(1, 1, INPUT_H, INPUT_W), onnx_path, opset_version=13,
                      input_names=["image"], output_names=["probs"],
                      dynamic_axes={"image": {0: "batch"}, "probs": {0: "batch"}})
    with open(onnx_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    spec = {
        "name": "korean-plate-rec",
        "sha256": sha,
        "bytes": os.path.getsize(onnx_path),
        "input": {"name": "image", "shape": [None, 1, INPUT_H, INPUT_W], "color": "gray (0.299R+0.587G+0.114B)",
                  "resize": "bilinear with antialias (PIL BILINEAR)",
                  "normalize": "per image: stretch 2nd..98th percentile (linear interpolation) to [0,1], "
                               "clip, then (x-0.5)/0.5",
                  "twoRowSplit": TWO_ROW_SPLIT, "oneRowMinAspect": ONE_ROW_MIN_ASPECT,
                  "twoRowMaxAspect": TWO_ROW_MAX_ASPECT,
                  "layout": "one-row: whole crop to 32x160; two-row: rows cut at twoRowSplit of the height, each to "
                            "32x80, top row left; aspect between the thresholds: the likelier layout first, the other only when its reading is no sure plate"},
        "output": {"name": "probs", "shape": [None, 40, NUM_CLASSES], "decode": "greedy CTC, class 0 = blank, "
                   "class i = charset[i-1]"},
        "charset": CHARSET,
        "training": meta,
    }
    with open(onnx_path.removesuffix(".onnx") + ".json", "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False, indent=2)
        f.write("\n")
    log(f"exported {onnx_path} ({spec['bytes']} bytes, sha256 {sha})")


def init_stage(onnx_path: str) -> dict:
    """The first stage of a fine-tuned model, from the json of the file it started from."""
    with open(onnx_path.removesuffix(".onnx") + ".json", encoding="utf-8") as f:
        spec = json.load(f)
    t = spec["training"]
    return {"sha256": spec["sha256"], "command": t["command"], "steps": t["steps"], "train_seconds": t["train_seconds"]}


def arguments() -> argparse.ArgumentParser:
    """The command line; report.py reads a run's settings back from the command recorded in the model json."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=75, help="wall-clock budget for the optimisation loop")
    ap.add_argument("--steps", type=int,
                    help="budget in optimisation steps instead of minutes: seeded, the same model again on one machine")
    ap.add_argument("--synthetic", type=int, default=3000, help="initial synthetic pool")
    ap.add_argument("--refresh", type=int, default=4, help="synthetic plates re-rendered into the pool per step")
    ap.add_argument("--real-variants", type=int, default=15)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--real-fraction", type=float, default=0.3)
    ap.add_argument("--real-two-row", type=float, default=0.35, help="share of two-row plates in the real part")
    ap.add_argument("--swap", type=float, default=0.5,
                    help="share of a two-row crop's variants whose use syllable is swapped for another (swap.py)")
    ap.add_argument("--swap-one-row", type=float, default=0.4,
                    help="share of a one-row crop's variants whose use syllable is swapped (mostly for a look-alike)")
    ap.add_argument("--mine-every", type=int, default=200,
                    help="steps between updates of the synthetic syllable weights from the misread syllables (0: off)")
    ap.add_argument("--mine-formats", action="store_true",
                    help="also redraw the synthetic formats' shares from how often each is misread (every --mine-every)")
    ap.add_argument("--width", type=float, default=1.0, help="channel multiplier of the model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, nargs="+", default=[1],
                    help="several seeds (second stage only): one run per seed from the same start, weights averaged")
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="checkpoints and evaluation")
    ap.add_argument("--export-to", default=os.path.join(MODELS, "korean-plate-rec.onnx"))
    ap.add_argument("--keep", choices=["final", "best"], default="final",
                    help="export the model at the end of the schedule, or the checkpoint best on the held-out crops "
                         "(optimistic: chosen on the same crops it is then scored on)")
    ap.add_argument("--init", help="checkpoint to fine-tune from (second stage)")
    ap.add_argument("--init-onnx", help="exported model to fine-tune from (second stage; its BatchNorm is folded into "
                                        "the convolutions, so it trains without BatchNorm or dropout)")
    ap.add_argument("--eval-every", type=int, default=250, help="steps between validations")
    return ap


def train_member(args, seed: int, train_crops, val_crops, out: str) -> dict:
    """One optimisation run, seeded: its own synthetic pool, real variants and mined syllable weights."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    synth.USE_WEIGHTS[:] = [1.0] * len(USE_SYLLABLES)
    synth.FORMAT_WEIGHTS[:] = synth.FORMATS.values()
    t_start = time.time()
    syn_lines, syn_texts, syn_formats = render_synthetic(args.synthetic)
    bank = GlyphBank()
    fresh = 0
    real_lines, real_texts, real_two_row, real_plates = render_real(train_crops, args.real_variants, args.swap,
                                                                    args.swap_one_row, bank)
    miner, format_miner = SyllableMiner(), FormatMiner()
    real_p = real_sampling(real_plates, real_two_row, args.real_two_row)
    log(f"seed {seed}: data ready: {len(syn_texts)} synthetic, {len(real_texts)} real lines "
        f"({time.time() - t_start:.0f}s)")

    model = ExportedRecognizer(args.init_onnx) if args.init_onnx else PlateRecognizer(NUM_CLASSES, args.width)
    if args.init:
        model.load_state_dict(torch.load(args.init)["model"])
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    budget = args.minutes * 60
    t0 = time.time()
    n_real = int(args.batch * args.real_fraction)
    best = {"score": (-1.0, -1.0), "step": 0}
    if args.init or args.init_onnx:  # the starting point competes too: a second stage must not end worse than it began
        model.eval()
        res = evaluate_real(model, val_crops)["groups"]
        best = {"score": (res["all"]["exact"], res["all"]["digits"]), "step": 0,
                "model": copy.deepcopy(model.state_dict())}
        log(f"init {args.init or args.init_onnx}: val exact {best['score'][0]:.3f} digits {best['score'][1]:.3f}")

    def progress() -> float:
        """The share of the budget spent: steps with --steps, else wall-clock time."""
        return step / args.steps if args.steps else (time.time() - t0) / budget

    step, ema = 0, None
    while (frac := progress()) < 1:
        lr = args.lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + math.cos(math.pi * frac))
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        syn_idx = np.random.randint(0, len(syn_texts), args.batch - n_real)
        xs, ts = batch(syn_lines, syn_texts, syn_idx)
        formats = [syn_formats[i] for i in syn_idx]
        xr, tr = batch(real_lines, real_texts, np.random.choice(len(real_texts), n_real, p=real_p))
        x = torch.cat([xs, xr])
        targets, lengths = encode(ts + tr)
        logits = model(x)
        logp = logits.log_softmax(2).permute(1, 0, 2)
        loss = ctc(logp, targets, torch.full((len(x),), logp.shape[0], dtype=torch.long), lengths)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        # Keep the synthetic pool fresh: a few newly rendered plates replace random old ones every step.
        for i in np.random.randint(0, len(syn_texts), args.refresh):
            syn_lines[i], syn_texts[i], syn_formats[i] = synthetic_line(bank)
        fresh += args.refresh
        step += 1
        if args.mine_every:
            reads = [greedy(line)[0] for line in logits[:len(ts)].detach().numpy()]
            miner.update(reads, ts)
            if args.mine_formats:
                format_miner.update(reads, ts, formats)
            if step % args.mine_every == 0:
                synth.USE_WEIGHTS[:] = miner.weights()
                top = sorted(zip(synth.USE_WEIGHTS, USE_SYLLABLES), reverse=True)[:6]
                log("mined syllables " + " ".join(f"{s}{w:.1f}" for w, s in top))
                if args.mine_formats:
                    synth.FORMAT_WEIGHTS[:] = format_miner.weights()
                    log("mined formats " + " ".join(f"{f}:{w:.2f}" for f, w in zip(synth.FORMATS,
                                                                                   synth.FORMAT_WEIGHTS)))
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 20 == 0:
            log(f"step {step} loss {ema:.3f} lr {lr:.5f} elapsed {time.time() - t0:.0f}s")
        if step % args.eval_every == 0 or progress() >= 1:
            model.eval()
            res = evaluate_real(model, val_crops)["groups"]
            score = (res["all"]["exact"], res["all"]["digits"])
            log(f"step {step} val exact {score[0]:.3f} digits {score[1]:.3f} "
                f"one-row {res['layout one-row']['exact']:.3f} two-row {res['layout two-row']['exact']:.3f}")
            if score >= best["score"]:
                best = {"score": score, "step": step, "model": copy.deepcopy(model.state_dict())}
                torch.save({"model": best["model"], "step": step, "width": args.width},
                           os.path.join(out, f"best-seed{seed}.pt"))
    train_seconds = time.time() - t0
    log(f"seed {seed}: training stopped after {step} steps ({train_seconds:.0f}s); best step {best['step']} "
        f"{best['score']}")
    if args.keep == "best":
        model.load_state_dict(best["model"])
    return {"model": model, "steps": step, "kept_step": best["step"] if args.keep == "best" else step,
            "best_step": best["step"], "synthetic_plates": len(syn_texts) + fresh, "real_lines": len(real_texts),
            "train_seconds": train_seconds}


def average_weights(models: list[torch.nn.Module]) -> torch.nn.Module:
    """A uniform "model soup": second stages fine-tuned from one first stage stay in one basin, so the mean of
    their weights is a model as fast as each, and steadier than any one seed's."""
    soup = models[0]
    states = [m.state_dict() for m in models]
    soup.load_state_dict({k: sum(s[k] for s in states) / len(states) for k in states[0]})
    return soup


def main() -> None:
    ap = arguments()
    args = ap.parse_args()
    if len(args.seed) > 1 and not (args.init or args.init_onnx):
        ap.error("several seeds are averaged, which only holds for second stages from one first stage (--init-onnx)")
    if len(args.seed) > 1 and args.keep == "best":
        ap.error("--keep best picks one seed's checkpoint; with several seeds the export is their average")
    # One thread by default: measured 0.24 s vs 0.21 s per batch with two on an idle 2-core CPU, and 2x slower
    # with two on a busy one; a second core serves a second run better.
    torch.set_num_threads(args.threads)
    out = args.out
    os.makedirs(out, exist_ok=True)
    t_start = time.time()

    train_crops, val_crops = split(load_crops())
    log(f"real crops: {len(train_crops)} train, {len(val_crops)} held out")
    members = [train_member(args, seed, train_crops, val_crops, out) for seed in args.seed]
    model = average_weights([m["model"] for m in members])
    first = members[0]
    torch.save({"model": model.state_dict(), "step": first["steps"], "width": args.width},
               os.path.join(out, "final.pt"))
    model.eval()
    result = evaluate_model(model, val_crops, synthetic_per_format=50)
    meta = {"command": " ".join(["/usr/bin/python3 models/training/train.py"] + sys.argv[1:]),
            "seed": args.seed[0] if len(args.seed) == 1 else args.seed, "width": args.width,
            "steps": first["steps"], "members": len(members), "kept": args.keep, "kept_step": first["kept_step"],
            "best_step": first["best_step"], "batch": args.batch,
            "synthetic_plates": sum(m["synthetic_plates"] for m in members), "real_train_crops": len(train_crops),
            "real_train_lines": first["real_lines"], "real_validation_crops": len(val_crops),
            "split": {"seed": SPLIT_SEED, "val_fraction": VAL_FRACTION, "by": "plate text"},
            "train_seconds": round(sum(m["train_seconds"] for m in members)),
            "total_seconds": round(time.time() - t_start), **spec_figures(result)}
    if args.init_onnx:
        meta["init"] = init_stage(args.init_onnx)
    export(model, meta, args.export_to)
    with open(os.path.join(out, "eval.json"), "w", encoding="utf-8") as f:
        json.dump({**result, "meta": meta}, f, ensure_ascii=False, indent=1)
    for line in summary(result):
        log(line)


if __name__ == "__main__":
    main()
