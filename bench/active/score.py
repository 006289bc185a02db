#!/usr/bin/env python3
"""bench/active: per-iteration force RMSE of each run's committee on the issue's test set (from iterations.csv) and
on the harder test set (vacancy cell + 4.5 GPa, hard-test.sh; evaluated here with `mlip test`, cached per iteration
as iter-NNN/hard-test.csv), and the "labels to reach the same error" ratio of a committee run against a random run.

usage: score.py RANDOM_RUN COMMITTEE_RUN [COMMITTEE_RUN ...]     (env MLIP: the mlip command, default ./mlip)
"""
import csv, os, shlex, subprocess, sys

MLIP = shlex.split(os.environ.get("MLIP", "./mlip"))
HARD = "runs/active-bench/cu-hard-test.xyz"

def hard(run, it):
    d = os.path.join(run, f"iter-{it:03d}")
    out = os.path.join(d, "hard-test.csv")
    members = sorted(m for m in os.listdir(d) if m.startswith("member-")) if os.path.isdir(d) else []
    if not members or not all(os.path.exists(os.path.join(d, m, "done")) for m in members) or not os.path.exists(HARD):
        return {}
    if not os.path.exists(out):
        spec = "{style: committee, members: [" + ", ".join(os.path.join(d, m, "model.mlip") for m in members) + "]}"
        subprocess.run(MLIP + ["test", "-p", spec, "-i", HARD, "--group-key", "config_type", "--csv", out],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {r["group"]: 1000 * float(r["force_rmse_eV_A"]) for r in csv.DictReader(open(out))}

def curve(run):
    rows = []
    for r in csv.DictReader(open(os.path.join(run, "iterations.csv"))):
        it = int(r["iteration"])
        h = hard(run, it)
        rows.append((it, int(r["labels"]), float(r["test_force_rmse_meV_A"]), h.get("all", float("nan")),
                     h.get("vacancy", float("nan")), h.get("npt-4.5GPa", float("nan"))))
    return rows

def labels_to_reach(rows, err, col):
    """Fewest labels at which the run's error (column col) is at or below err, linearly interpolated between
    iterations on the (labels, error) curve; None if never reached."""
    best = None
    for (a, b) in zip(rows, rows[1:]):
        if a[col] <= err: return a[1]
        if b[col] <= err:
            return a[1] + (b[1] - a[1]) * (a[col] - err) / (a[col] - b[col])
    if rows and rows[-1][col] <= err: return rows[-1][1]
    return best

def main():
    runs = sys.argv[1:]
    curves = {r: curve(r) for r in runs}
    for r, rows in curves.items():
        print(f"\n{r}\n iter  labels  F-RMSE test  hard(all)  vacancy  4.5GPa   (meV/Å)")
        for it, n, f, ha, hv, hp in rows:
            print(f" {it:4d}  {n:6d}  {f:11.1f}  {ha:9.1f}  {hv:7.1f}  {hp:6.1f}")
    rnd = curves[runs[0]]
    for col, name in ((2, "issue test set"), (3, "hard test set")):
        for r in runs[1:]:
            print(f"\nlabels to the same error ({name}): {r} vs {runs[0]} (random; interpolated, '>' = random never got there)")
            for it, n, *errs in curves[r]:
                e = [None, None, *errs][col]
                need = labels_to_reach(rnd, e, col)
                first = next((m[1] for m in rnd if m[col] <= e), None)   # the doc's reading: random's first point at or below
                ratio = f"{need / n:.2f}x" if need else f"> {rnd[-1][1] / n:.2f}x"
                ratio1 = f"{first / n:.2f}x" if first else f"> {rnd[-1][1] / n:.2f}x"
                print(f"  iter {it}: {n} labels, {e:.1f} meV/Å -> random's first point at or below: {first} labels ({ratio1}); interpolated {need if need is None else round(need, 1)} ({ratio})")

if __name__ == "__main__":
    main()
