#!/usr/bin/python3
"""Golden equilibrium volume of EAM Cu (Cu_u3.eam) at 300 K, 0 bar from LAMMPS `fix npt` (MTK, iso).

Setup (mirrored by Dynamics/NptGoldenTests.cs): fcc Cu, a = 3.615 Å, 4x4x4 conventional cells
(256 atoms), velocities 300 K (gaussian, zero momentum), time step 2 fs, Tdamp 100 fs, Pdamp 1000 fs,
Nosé-Hoover chains of 3, isotropic coupling, neighbor skin 1.0 Å. Equilibrate EQUIL steps, then sample
the volume every SAMPLE steps for PROD steps and repeat for several velocity seeds (independent runs).

Error estimate: block averaging within each run (blocks of BLOCK_PS ps, much longer than the volume
autocorrelation time ~ Pdamp) gives independent block means; the standard error of the mean over all
blocks of all runs is sd(block means)/sqrt(number of blocks).

Writes tests/MlipEngine.Tests/Golden/npt/cu_u3_300K.txt with key = value lines.
Usage: /usr/bin/python3 tests/golden/make_npt_golden.py   (about 1 min)
"""
import math
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "MlipEngine.Tests", "Golden", "npt", "cu_u3_300K.txt")
POT = "/usr/share/lammps/potentials/Cu_u3.eam"
N_CELL, A, T, DT_PS = 4, 3.615, 300.0, 0.002
EQUIL, PROD, SAMPLE, BLOCK_PS = 10000, 100000, 10, 10.0     # 20 ps equilibration, 200 ps production per seed
SEEDS = [376847, 91823, 55501, 12345]


def run(seed, work):
    inp = f"""units metal
atom_style atomic
lattice fcc {A}
region box block 0 {N_CELL} 0 {N_CELL} 0 {N_CELL}
create_box 1 box
create_atoms 1 box
mass 1 63.546
pair_style eam
pair_coeff 1 1 {POT}
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
velocity all create {T} {seed} mom yes dist gaussian
timestep {DT_PS}
fix 1 all npt temp {T} {T} 0.1 iso 0.0 0.0 1.0 tchain 3 pchain 3
thermo 1000
run {EQUIL}
variable v equal vol
fix 2 all print {SAMPLE} "${{v}}" file vol.txt screen no
run {PROD}
"""
    with open(os.path.join(work, "in.npt"), "w") as f:
        f.write(inp)
    subprocess.run(["lmp", "-in", "in.npt", "-log", "none", "-screen", "none"], cwd=work, check=True)
    with open(os.path.join(work, "vol.txt")) as f:
        return [float(l) for l in f if not l.startswith("#")]


def main():
    n_atoms = 4 * N_CELL ** 3
    per_block = int(round(BLOCK_PS / (DT_PS * SAMPLE)))
    blocks = []
    with tempfile.TemporaryDirectory() as work:
        for seed in SEEDS:
            v = [x / n_atoms for x in run(seed, work)]
            nb = len(v) // per_block
            means = [sum(v[b * per_block:(b + 1) * per_block]) / per_block for b in range(nb)]
            print(f"seed {seed}: {len(v)} samples, mean {sum(means) / nb:.5f} Å³/atom")
            blocks += means
    m = sum(blocks) / len(blocks)
    sd = math.sqrt(sum((b - m) ** 2 for b in blocks) / (len(blocks) - 1))
    se = sd / math.sqrt(len(blocks))
    print(f"V/N = {m:.5f} ± {se:.5f} Å³/atom ({100 * se / m:.3f} %) from {len(blocks)} blocks of {BLOCK_PS} ps")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("# LAMMPS 29Sep2021 fix npt (MTK iso, tchain 3, pchain 3), tests/golden/make_npt_golden.py\n")
        f.write(f"potential = {os.path.basename(POT)}\natoms = {n_atoms}\nlattice_a = {A}\n")
        f.write(f"temperature_K = {T}\npressure_bar = 0\ntimestep_fs = {DT_PS * 1000:g}\n")
        f.write("tdamp_fs = 100\npdamp_fs = 1000\n")
        f.write(f"production_ps = {PROD * DT_PS * len(SEEDS):g}\nblocks = {len(blocks)}\n")
        f.write(f"volume_per_atom_A3 = {m:.6f}\nstandard_error_A3 = {se:.6f}\n")


if __name__ == "__main__":
    main()
