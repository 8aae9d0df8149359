"""Write models/training/REPORT.md from out/eval.json (written by train.py or evaluate.py).

/usr/bin/python3 models/training/report.py"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def main() -> None:
    with open(os.path.join(HERE, "out", "eval.json"), encoding="utf-8") as f:
        ev = json.load(f)
    with open(os.path.join(HERE, "..", "korean-plate-rec.json"), encoding="utf-8") as f:
        spec = json.load(f)
    meta = spec["training"]
    real = ev["real_validation"]
    stage1 = ""
    log1 = os.path.join(HERE, "out", "train-stage1.log")
    if os.path.exists(log1):
        steps = [ln.split()[2] for ln in open(log1, encoding="utf-8") if " loss " in ln]
        stage1 = (f"- Stage 1: `/usr/bin/python3 models/training/train.py --minutes 42`, stopped by hand after "
                  f"{steps[-1] if steps else '?'} steps (the CPU was shared with seven engineers; loose KarPlate crops "
                  "were still taken whole, and read as two-row by their shape); its best checkpoint (step 1000) "
                  "started stage 2.")
    lines = [
        "# Korean plate recogniser: training report",
        "",
        f"Model `models/korean-plate-rec.onnx`: {spec['bytes'] / 1e6:.2f} MB, sha256 `{spec['sha256']}`, "
        f"{len(spec['charset'])} characters + CTC blank, input 1x32x160 grayscale, 40 output steps.",
        "",
        f"Reproduce: `{meta['command']}` (seed {meta['seed']}; wall-clock bound, so the step count depends on the "
        "CPU it gets). Re-evaluate the saved checkpoint: `/usr/bin/python3 models/training/evaluate.py`.",
        "",
        "## Training",
        stage1,
        f"- Stage 2 (the committed model): {meta['steps']} steps of batch {meta['batch']} "
        f"({meta['train_seconds'] // 60} min optimisation, {meta['total_seconds'] // 60} min in all, 1 thread of a "
        "shared 2-core CPU); checkpoint kept: step "
        f"{meta['best_step']} (best exact accuracy on the held-out real crops, checked every 60 steps).",
        f"- Synthetic: {meta['synthetic_plates']} plates rendered over the run (a pool of 6000 refreshed by 8 new "
        "plates per step), all formats: car `12가3456`/`123가4567` (white, EV blue, yellow), regional one-row, "
        "old two-row `12가/3456` and `서울12/가3456` (green, yellow, white), region-only two-row, legacy motorcycle "
        "`서울강남/가1234`, 2026 national motorcycle `1가2/3456`.",
        f"- Real: {meta['real_train_crops']} training crops x 30 augmented variants ({meta['real_train_lines']} lines), "
        "30% of every batch. Held out: "
        f"{meta['real_validation_crops']} crops, a fixed split by plate text (seed {meta['split']['seed']}, "
        f"{int(meta['split']['val_fraction'] * 100)}% of the distinct plates of each layout; list in "
        "`models/training/validation.csv`), never trained on.",
        "",
        "## Accuracy on the held-out real crops",
        "Exact = the whole text, Hangul and region included; digits = the digit sequence alone. Read as the "
        "TypeScript recogniser reads (layout from the crop's shape, both layouts for ambiguous shapes).",
        "",
        "| group | crops | exact | digits only |",
        "|---|---:|---:|---:|",
    ]
    for k, v in real["groups"].items():
        lines.append(f"| {k} | {v['n']} | {pct(v['exact'])} | {pct(v['digits'])} |")
    lines += [
        "",
        "Caveat: the checkpoint was chosen on this same held-out set (no third split: there are only 196 labelled "
        "crops), so these figures are slightly optimistic.",
        "",
        "## Confusions on the held-out crops (truth->read, same-length reads)",
        "",
        ", ".join(f"`{k}` x{n}" for k, n in real["confusions"].items()) or "none",
        "",
        "Misread crops:",
        "",
        "| file | truth | read | confidence | read as |",
        "|---|---|---|---:|---|",
    ]
    for r in real["rows"]:
        if r["read"] != r["truth"]:
            lines.append(f"| {r['file']} | {r['truth']} | {r['read']} | {r['confidence']:.2f} | {r['read_as']} |")
    lines += [
        "",
        "## Synthetic test plates (fresh, seed 7, 150 per format)",
        "No real photo exists for the motorcycle formats; these figures are all there is for them.",
        "",
        "| format | plates | exact | digits only |",
        "|---|---:|---:|---:|",
    ]
    for k, v in ev["synthetic"].items():
        lines.append(f"| {k} | {v['n']} | {pct(v['exact'])} | {pct(v['digits'])} |")
    lines.append("")
    with open(os.path.join(HERE, "REPORT.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
