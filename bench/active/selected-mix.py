#!/usr/bin/env python3
"""bench/active: where each run's labels came from — starting structure, temperature and pressure of the replica of
every selected frame (cu-varied.yaml's 18 replicas: structure-major, then temperature, then pressure).
usage: selected-mix.py RUN [RUN ...]"""
import glob, os, re, sys
S, T, P = ["fcc", "vacancy"], [300, 750, 1200], [0, 3, 6]
for run in sys.argv[1:]:
    counts = {}
    for f in sorted(glob.glob(os.path.join(run, "iter-*", "selected.xyz"))):
        for line in open(f):
            m = re.search(r"\breplica=(\d+)", line)
            if m:
                r = int(m.group(1)); key = (S[r // 9], T[(r // 3) % 3], P[r % 3])
                counts[key] = counts.get(key, 0) + 1
    n = sum(counts.values())
    by = lambda i, vals: " ".join(f"{v}:{sum(c for k, c in counts.items() if k[i] == v)}" for v in vals)
    print(f"{run}: {n} selected | structure {by(0, S)} | K {by(1, T)} | GPa {by(2, P)} | fcc 0 GPa (the test set's kind): {sum(c for k, c in counts.items() if k[0] == 'fcc' and k[2] == 0)}")
