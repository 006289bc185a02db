#!/usr/bin/env python3
"""bench/active: where each run's labels came from — starting structure, temperature and pressure of the replica of
every selected frame, and
the same for the explored pools (pool.xyz, all iterations). The replicas are the config's structures x temperatures x pressures, structure-major, then
temperature, then pressure (ActiveLearningRun.Explore); --config names the config (default cu-varied.yaml's 18).
usage: selected-mix.py [--config bench/active/cu-imbalanced.yaml] RUN [RUN ...]"""
import glob, os, re, sys
import yaml

args = sys.argv[1:]
config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cu-varied.yaml")
if args[:1] == ["--config"]:
    config, args = args[1], args[2:]
x = yaml.safe_load(open(config))["explore"]
S = [s if isinstance(s, str) else s.get("lattice", "?") for s in x["structures"]]
S = ["vacancy" if "vacancy" in s else s for s in S]
T, P = x.get("temperatures", [300]), x.get("pressures", [0])
def mix(files):
    counts = {}
    for f in files:
        for line in open(f):
            m = re.search(r"\breplica=(\d+)", line)
            if m:
                r = int(m.group(1)); key = (S[r // (len(T) * len(P))], T[(r // len(P)) % len(T)], P[r % len(P)])
                counts[key] = counts.get(key, 0) + 1
    n = sum(counts.values())
    by = lambda i, vals: " ".join(f"{v}:{sum(c for k, c in counts.items() if k[i] == v)}" for v in dict.fromkeys(vals))
    return f"{n} | structure {by(0, S)} | K {by(1, T)} | GPa {by(2, P)} | fcc 0 GPa (the test set's kind): {sum(c for k, c in counts.items() if k[0] == 'fcc' and k[2] == 0)}"

for run in args:
    print(f"{run}: selected {mix(sorted(glob.glob(os.path.join(run, 'iter-*', 'selected.xyz'))))}")
    print(f"{' ' * len(run)}  explored {mix(sorted(glob.glob(os.path.join(run, 'iter-*', 'pool.xyz'))))}")
