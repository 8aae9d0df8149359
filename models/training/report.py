"""Write models/training/REPORT.md from an evaluation (models/training/evaluation.json, written by evaluate.py) and the
training figures in models/korean-plate-rec.json; with the previous model's evaluation (--previous), the use syllable
before and after; with calibration.json (calibrate.py) the reliability tables, with vote-bench.json (the output of
`npm run bench:plate-vote`) what the track vote adds.

/usr/bin/python3 models/training/report.py [--eval models/training/evaluation.json] [--previous <evaluation.json>]"""
import argparse
import json
import os

from realdata import CORRECTIONS, LAYOUTS, load_crops
from train import arguments

HERE = os.path.dirname(os.path.abspath(__file__))


def pct(v: float) -> str:
    return f"{100 * v:.1f}%"


# Syllables that differ by one stroke or vowel mark on a plate.
SIMILAR = [("바", "배"), ("너", "더"), ("러", "머"), ("다", "타"), ("루", "무"), ("거", "저"), ("서", "저"),
           ("노", "도"), ("보", "부"), ("오", "우"), ("조", "주"), ("고", "구")]


def similar_syllables(synthetic: dict[str, int], real: dict[str, int]) -> list[str]:
    rows = ["| pair | synthetic a->b | synthetic b->a | held-out real a->b | held-out real b->a |",
            "|---|---:|---:|---:|---:|"]
    for a, b in SIMILAR:
        rows.append(f"| {a}/{b} | {synthetic.get(f'{a}->{b}', 0)} | {synthetic.get(f'{b}->{a}', 0)} | "
                    f"{real.get(f'{a}->{b}', 0)} | {real.get(f'{b}->{a}', 0)} |")
    return rows


def syllable(text: str) -> str:
    """The use syllable: a plate's last Hangul character in every format; '' when the read has none."""
    return next((ch for ch in reversed(text) if "가" <= ch <= "힣"), "")


def syllable_figures(rows: list[dict]) -> tuple[int, int, dict[str, int]]:
    """(crops whose use syllable was read right, crops, truth->read counts of the wrong ones)."""
    wrong: dict[str, int] = {}
    right = 0
    for r in rows:
        t, p = syllable(r["truth"]), syllable(r["read"])
        if t == p:
            right += 1
        else:
            key = f"{t}->{p or '(none)'}"
            wrong[key] = wrong.get(key, 0) + 1
    return right, len(rows), dict(sorted(wrong.items(), key=lambda kv: -kv[1]))


def syllable_section(real: dict, previous: dict | None) -> list[str]:
    right, n, wrong = syllable_figures(real["rows"])
    lines = ["", "## Use syllable on the held-out crops",
             "The use syllable (the plate's last Hangul character) read right, whatever the rest of the reading.", "",
             "| model | syllable right | exact one-row | exact two-row |", "|---|---:|---:|---:|"]
    models = ([("previous", previous)] if previous else []) + [("this", real)]
    for name, ev in models:
        r, m, _ = syllable_figures(ev["rows"])
        g = ev["groups"]
        lines.append(f"| {name} | {r}/{m} ({pct(r / m)}) | {round(g['layout one-row']['exact'] * g['layout one-row']['n'])}"
                     f"/{g['layout one-row']['n']} ({pct(g['layout one-row']['exact'])}) | "
                     f"{round(g['layout two-row']['exact'] * g['layout two-row']['n'])}/{g['layout two-row']['n']} "
                     f"({pct(g['layout two-row']['exact'])}) |")
    lines += ["", "Syllable confusions (truth->read; `(none)`: the read has no syllable):", "",
              "| model | confusions |", "|---|---|"]
    for name, ev in models:
        w = syllable_figures(ev["rows"])[2]
        lines.append(f"| {name} | " + (", ".join(f"`{k}` x{v}" for k, v in w.items()) or "none") + " |")
    return lines


def calibration_section(path: str) -> list[str]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        cal = json.load(f)
    lines = ["", "## Calibration",
             f"Temperature {cal['temperature']} (`calibrate.py`), fitted on {cal['fitted_on']} by the log loss of "
             "\"this character is right\" against its greedy probability; folded into the last convolution, so every "
             "frame's best class, and every greedy text, is unchanged. Reliability on the held-out real crops "
             "(characters of reads of the right length; plates: the product of a reading's character probabilities, "
             "which the plate vote's floor reads, against the whole text being right). ECE: expected calibration "
             "error. 56 crops make these tables coarse.", ""]
    for group in ("characters", "use_syllable", "plates"):
        lines += [f"{group.replace('_', ' ')}: ECE {cal['before'][group]['ece']} before, "
                  f"{cal['after'][group]['ece']} after", "",
                  "| probability | n before | mean p | right | n after | mean p | right |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        before = {b["bin"]: b for b in cal["before"][group]["bins"]}
        after = {b["bin"]: b for b in cal["after"][group]["bins"]}
        for key in sorted(set(before) | set(after)):
            b, a = before.get(key), after.get(key)
            cells = [f"{x['n']} | {x['mean_p']:.3f} | {pct(x['right'])}" if x else "0 | | " for x in (b, a)]
            lines.append(f"| {key} | {cells[0]} | {cells[1]} |")
        lines.append("")
    return lines


def vote_section(path: str) -> list[str]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        runs = [json.loads(line) for line in f if line.strip()]
    lines = ["", "## Video: what the track vote adds",
             "`npm run bench:plate-vote` (output in `vote-bench.json`): every held-out crop as a synthetic track of "
             "7 frames (crop edges jittered by up to 6%, scaled to 35-100%, dimmed or brightened, 60% blurred; seed 1). "
             "Single frame: each frame read alone. Vote: `src/core/plate-vote.ts` over the 7 reads, on the top "
             "characters alone or on the per-character probabilities (each character's top 3). Stated: what passes "
             "the plate-of-record floor (complete, a valid plate, confidence >= 0.2), and how many stated plates are "
             "wrong. CPU ms per crop: recogniser time on one thread, preprocessing and decoding included; the "
             "recogniser code it ran (where the run names it) and the machine's load average beside it, since "
             "runs on different days shared the CPU differently.", "",
             "| model | code | single frame | vote, top chars | vote, probabilities | stated (wrong), top chars | "
             "stated (wrong), probabilities | CPU ms per crop (p50) | load |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        lines.append(f"| `{r['model']}` | {r.get('code', '')} | {r['singleFrameExactPct']}% | "
                     f"{r['voteTopCharsExactPct']}% | {r['voteProbabilitiesExactPct']}% | "
                     f"{r['statedTopChars']['pct']}% ({r['statedTopChars']['wrong']}) "
                     f"| {r['statedProbabilities']['pct']}% ({r['statedProbabilities']['wrong']}) | "
                     f"{r['msPerCrop']['cpuP50']} | {r['msPerCrop']['loadAverage']} |")
    return lines


def corrections_table() -> list[str]:
    labels = {os.path.relpath(c.path, os.path.join(HERE, "../../../shared/plates")): c.label for c in load_crops()}
    return [f"| {f} | {labels[f]} | {t} |" for f, t in CORRECTIONS.items()]


def stage_lines(meta: dict, args, kept: str) -> list[str]:
    members = meta.get("members", 1)
    runs = (f"{members} runs, seeds {', '.join(map(str, args.seed))}, of " if members > 1 else "") + (
        f"{meta['steps']} steps of batch {meta['batch']} ({meta['train_seconds'] // 60} min optimisation, "
        f"{meta['total_seconds'] // 60} min in all, {args.threads} thread(s) of a 2-core CPU), AdamW, lr {args.lr} "
        "with warm-up and cosine decay")
    run = runs + (", each from the same start; exported: the mean of their weights at the end of their schedules."
                  if members > 1 else f". Exported: {kept}.")
    init = meta.get("init")
    if not init:
        return [f"- One run from scratch: {run}"]
    return [f"- Two stages. First, from scratch: `{init['command']}`, {init['steps']} steps "
            f"({init['train_seconds'] // 60} min optimisation, sha256 `{init['sha256'][:12]}`). "
            f"Then, from its exported file (`--init-onnx`, BatchNorm folded, so no BatchNorm or dropout): {run}"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval", default=os.path.join(HERE, "evaluation.json"))
    ap.add_argument("--previous", help="the previous model's evaluation.json, for the use syllable before and after")
    cli = ap.parse_args()
    with open(cli.eval, encoding="utf-8") as f:
        ev = json.load(f)
    previous = None
    if cli.previous:
        with open(cli.previous, encoding="utf-8") as f:
            previous = json.load(f)["real_validation"]
    with open(os.path.join(HERE, "..", "korean-plate-rec.json"), encoding="utf-8") as f:
        spec = json.load(f)
    meta = spec["training"]
    args = arguments().parse_args(meta["command"].split()[2:])
    real = ev["real_validation"]
    kept = (f"the model at the end of the schedule (step {meta['kept_step']}); the best checkpoint on the held-out "
            f"crops was step {meta['best_step']}" if meta["kept"] == "final" else
            f"step {meta['kept_step']}, the best exact accuracy on the held-out crops (checked every "
            f"{args.eval_every} steps; optimistic)")
    lines = [
        "# Korean plate recogniser: training report",
        "",
        f"Model `models/korean-plate-rec.onnx`: {spec['bytes'] / 1e6:.2f} MB, sha256 `{spec['sha256']}`, "
        f"{len(spec['charset'])} characters + CTC blank, input 1x32x160 grayscale, 40 output steps, conv-only "
        f"(channel width x{args.width}).",
        "",
        f"Reproduce: `{meta['command']}` ("
        + ("a step budget, seeded: the same model again on the same machine" if args.steps else
           f"seed {meta['seed']}; wall-clock bound, so the step count depends on the CPU it gets")
        + ")" + ("; this run wrote into a side folder" if "--export-to" in meta["command"] else "")
        + (f", then calibrated into `models/`: `/usr/bin/python3 models/training/calibrate.py --onnx <that .onnx> "
           f"--out-onnx models/korean-plate-rec.onnx` (temperature {spec['calibration']['temperature']}; see "
           "Calibration)" if "calibration" in spec else "")
        + ". Figures below: `/usr/bin/python3 models/training/evaluate.py --onnx models/korean-plate-rec.onnx "
        "--spec models/korean-plate-rec.json` (the committed model file itself), then "
        "`/usr/bin/python3 models/training/report.py`.",
        "",
        "## Training",
        *stage_lines(meta, args, kept),
        f"- Synthetic: {meta['synthetic_plates']} plates rendered over the run (a pool of {args.synthetic} refreshed by "
        f"{args.refresh} new plates per step), all formats: car `12가3456`/`123가4567` (white, EV blue, yellow), "
        "regional one-row, old two-row `12가/3456` and `서울12/가3456` (green, yellow, white), region-only two-row, "
        "legacy motorcycle `서울강남/가1234`, 2026 national motorcycle `1가2/3456`.",
        f"- Real: {meta['real_train_crops']} training crops x {args.real_variants} (the crop and degraded variants; "
        f"{meta['real_train_lines']} lines), {args.real_fraction:.0%} of every batch, two-row plates "
        f"{args.real_two_row:.0%} of that part, every plate the same weight within its layout however many photos "
        f"show it; {args.swap:.0%} of a two-row crop's variants carry another use syllable (`swap.py`)"
        + (f", {args.swap_one_row:.0%} of a one-row crop's (70% of them a look-alike of its own: 루 for 두)"
           if args.swap_one_row else "")
        + (f"; every {args.mine_every} steps the synthetic use syllables are redrawn in proportion to how often the "
           "model misreads them (`train.SyllableMiner`, half uniform)" if args.mine_every else "")
        + (", and the plate formats' shares in proportion to their shares times how often each is misread "
           "(`train.FormatMiner`, half the formats' own shares)" if args.mine_every and args.mine_formats else "")
        + ". Held out: "
        f"{meta['real_validation_crops']} crops, a fixed split by plate text (seed {meta['split']['seed']}, "
        f"{int(meta['split']['val_fraction'] * 100)}% of the distinct plates of each layout; list in "
        "`models/training/validation.csv`), never trained on.",
        "",
        "## Labels corrected by eye",
        "These crops' labels disagree with the plate in the image; training and evaluation use the plate's text "
        "(`realdata.CORRECTIONS`; the split was drawn on the original labels, so no crop changed sides):",
        "",
        "| file | label | plate reads |",
        "|---|---|---|",
        *corrections_table(),
        "",
        "VIN_LPD's plate type gets these crops' layout wrong; training reads them with the layout checked by eye "
        "(`realdata.LAYOUTS`): " + ", ".join(f"`{f}` ({layout})" for f, layout in LAYOUTS.items()) + ".",
        "",
        "## Accuracy on the held-out real crops",
        "Exact = the whole text, Hangul and region included; digits = the digit sequence alone. Read as the "
        "TypeScript recogniser reads (layout from the crop's shape, both layouts for ambiguous shapes; when the "
        "greedy reading is no plate, the most probable path that is one, if it is at least 5% as probable; a greedy "
        "reading that parses as a plate beats a constrained one, which beats one that does not parse, then the more "
        "confident). The last column is greedy decoding alone, without the grammar.",
        "",
        "| group | crops | exact | digits only | exact, greedy alone |",
        "|---|---:|---:|---:|---:|",
    ]
    for k, v in real["groups"].items():
        lines.append(f"| {k} | {v['n']} | {pct(v['exact'])} | {pct(v['digits'])} | "
                     f"{pct(real['greedy_groups'][k]['exact'])} |")
    lines += [
        "",
        "Caveat: " + ("these crops also served to compare training settings (no third split: there are only 196 "
                      "labelled crops)." if meta["kept"] == "final" else
                      "the checkpoint was chosen on this same held-out set (no third split: there are only 196 "
                      "labelled crops), so these figures are slightly optimistic."),
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
    lines += ["", "Read through the grammar (the greedy reading was no plate):", "",
              "| file | truth | greedy | constrained | confidence |", "|---|---|---|---|---:|"]
    for r in real["rows"]:
        if r["constrained"]:
            lines.append(f"| {r['file']} | {r['truth']} | {r['greedy']} | {r['read']} | {r['confidence']:.2f} |")
    lines += [
        "",
        "## Synthetic test plates (fresh, seed 7)",
        "No real photo exists for the motorcycle formats; these figures are all there is for them.",
        "",
        "| format | plates | exact | digits only |",
        "|---|---:|---:|---:|",
    ]
    for k, v in ev["synthetic"]["formats"].items():
        lines.append(f"| {k} | {v['n']} | {pct(v['exact'])} | {pct(v['digits'])} |")
    lines += [
        "",
        "## Similar syllables",
        "How often one syllable of a look-alike pair was read as the other (truth->read, reads of the right length), "
        "on the synthetic test plates above and on the held-out real crops. Use syllables appear on real plates "
        "unevenly, so the real counts are small.",
        "",
        *similar_syllables(ev["synthetic"]["confusions"], real["confusions"]),
        "",
        "Most frequent synthetic confusions: "
        + (", ".join(f"`{k}` x{n}" for k, n in list(ev["synthetic"]["confusions"].items())[:15]) or "none") + ".",
        *syllable_section(real, previous),
        *calibration_section(os.path.join(HERE, "calibration.json")),
        *vote_section(os.path.join(HERE, "vote-bench.json")),
        "",
    ]
    with open(os.path.join(HERE, "REPORT.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
