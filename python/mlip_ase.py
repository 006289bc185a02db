"""ASE calculator (and a plain NumPy interface) for MlipEngine potentials, over libmlip's C ABI.

    from mlip_ase import MlipCalculator
    atoms.calc = MlipCalculator("{style: eam/alloy, file: CuNi.eam.alloy, elements: [Cu, Ni]}")
    atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()

One file, no build step: it loads libmlip.so with ctypes. The library is looked up in
$MLIP_LIBRARY, then next to this file, then in ../artifacts/libmlip/ (where
`make -C src/native` puts it), then on the system library path. libmlip.so starts the .NET runtime
inside the Python process on first use (~0.1 s).

Units: Å, eV, eV/Å, stress in eV/Å³ with ASE's sign, as ASE expects.
"""
import ctypes
import ctypes.util
import os

import numpy as np

from ase.calculators.calculator import Calculator, all_changes
from ase.stress import full_3x3_to_voigt_6_stress

__all__ = ["MlipPotential", "MlipCalculator", "load_library"]

MLIP_ENERGY, MLIP_ATOM_ENERGIES, MLIP_FORCES, MLIP_STRESS = 1, 2, 4, 8
_PRECISIONS = {"float64": 0, "float32": 1}


class _Options(ctypes.Structure):
    _fields_ = [("threads", ctypes.c_int), ("skin", ctypes.c_double), ("backend", ctypes.c_int)]


_lib = None


def load_library(path=None):
    """Loads libmlip.so once per process and declares the C signatures."""
    global _lib
    if _lib is not None:
        return _lib
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [path, os.environ.get("MLIP_LIBRARY"), os.path.join(here, "libmlip.so"),
                  os.path.join(here, "..", "artifacts", "libmlip", "libmlip.so"), ctypes.util.find_library("mlip")]
    tried = []
    for c in candidates:
        if c and (os.path.exists(c) or not os.path.isabs(c)):
            try:
                lib = ctypes.CDLL(c)
                break
            except OSError as e:
                tried.append("%s (%s)" % (c, e))
        elif c:
            tried.append("%s (missing)" % c)
    else:
        raise OSError("libmlip.so not found; build it with `make -C src/native` or set MLIP_LIBRARY. Tried: "
                      + "; ".join(tried))
    P = ctypes.POINTER
    dp, ip = P(ctypes.c_double), P(ctypes.c_int)
    lib.mlip_create_ex.argtypes = [ctypes.c_char_p, P(_Options), P(ctypes.c_void_p)]
    lib.mlip_create_ex.restype = ctypes.c_int
    lib.mlip_create_on.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, P(_Options), P(ctypes.c_void_p)]
    lib.mlip_create_on.restype = ctypes.c_int
    lib.mlip_compute_batch.argtypes = [ctypes.c_void_p, ctypes.c_int, ip, ip, dp, dp, ip, ctypes.c_int, dp, dp, dp, dp]
    lib.mlip_compute_batch.restype = ctypes.c_int
    lib.mlip_describe.argtypes = [ctypes.c_void_p, dp, ip, ctypes.c_int]
    lib.mlip_describe.restype = ctypes.c_int
    lib.mlip_last_error.argtypes = [ctypes.c_void_p]
    lib.mlip_last_error.restype = ctypes.c_char_p
    lib.mlip_free.argtypes = [ctypes.c_void_p]
    lib.mlip_free.restype = None
    _lib = lib
    return lib


def _ptr(a, ctype):
    return a.ctypes.data_as(ctypes.POINTER(ctype)) if a is not None else None


class MlipPotential:
    """A potential bound to a backend: plain NumPy in, NumPy out (what LAMMPS callbacks want).

    potential: spec file path or inline spec "{style: ..., ...}".
    threads, skin (Å, Verlet skin of the neighbor list), backend: the device, "cpu", "reference",
    "opencl" or "opencl:INDEX" (as `mlip info` lists them), precision: "float64" or "float32".
    """

    def __init__(self, potential, threads=1, skin=0.5, backend="cpu", precision="float64", library=None):
        self._lib = load_library(library)
        if precision not in _PRECISIONS:
            raise ValueError("mlip: precision must be float64 or float32, not %r" % (precision,))
        opts = _Options(int(threads), float(skin), 0)
        handle = ctypes.c_void_p()
        rc = self._lib.mlip_create_on(potential.encode("utf-8"), str(backend).encode("utf-8"), _PRECISIONS[precision],
                                      ctypes.byref(opts), ctypes.byref(handle))
        if rc != 0:
            raise RuntimeError("mlip: " + (self._lib.mlip_last_error(None) or b"unknown error").decode("utf-8", "replace"))
        self._handle = handle
        cutoff = ctypes.c_double()
        zs = (ctypes.c_int * 128)()
        n = self._lib.mlip_describe(handle, ctypes.byref(cutoff), zs, 128)
        self.cutoff = cutoff.value
        self.species = [zs[k] for k in range(min(n, 128))]
        self._count = np.zeros(1, dtype=np.int32)
        self._energy = np.zeros(1)

    def compute(self, numbers, positions, cell=None, pbc=None, forces=True, stress=True, energies=False):
        """One system. Returns (energy eV, forces (n,3) eV/Å or None, stress (3,3) eV/Å³ or None, energies (n,) or None).

        cell: 3x3 lattice vectors as rows (Å) or None (molecule); pbc: 3 booleans (default: all
        True when a cell is given). Stress is NaN for a system without volume.
        """
        numbers = np.ascontiguousarray(numbers, dtype=np.int32)
        positions = np.ascontiguousarray(positions, dtype=np.float64)
        n = len(numbers)
        if positions.shape != (n, 3):
            raise ValueError("positions must have shape (%d, 3), got %s" % (n, positions.shape))
        c = np.ascontiguousarray(cell, dtype=np.float64).reshape(3, 3) if cell is not None else None
        p = np.ascontiguousarray(pbc if pbc is not None else [c is not None] * 3, dtype=np.int32)
        flags = (MLIP_FORCES if forces else 0) | (MLIP_STRESS if stress else 0) | (MLIP_ATOM_ENERGIES if energies else 0)
        f = np.empty((n, 3)) if forces else None
        s = np.empty((3, 3)) if stress else None
        e_at = np.empty(n) if energies else None
        self._count[0] = n
        rc = self._lib.mlip_compute_batch(self._handle, 1, _ptr(self._count, ctypes.c_int), _ptr(numbers, ctypes.c_int),
                                          _ptr(positions, ctypes.c_double), _ptr(c, ctypes.c_double), _ptr(p, ctypes.c_int),
                                          flags, _ptr(self._energy, ctypes.c_double), _ptr(f, ctypes.c_double),
                                          _ptr(s, ctypes.c_double), _ptr(e_at, ctypes.c_double))
        if rc != 0:
            raise RuntimeError("mlip: " + (self._lib.mlip_last_error(self._handle) or b"unknown error").decode("utf-8", "replace"))
        return float(self._energy[0]), f, s, e_at

    def close(self):
        if getattr(self, "_handle", None):
            self._lib.mlip_free(self._handle)
            self._handle = None

    def __del__(self):
        self.close()


class MlipCalculator(Calculator):
    """ASE calculator for any MlipEngine potential (energy, free_energy, forces, stress, energies)."""

    implemented_properties = ["energy", "free_energy", "forces", "stress", "energies"]

    def __init__(self, potential, threads=1, skin=0.5, backend="cpu", precision="float64", library=None, **kwargs):
        Calculator.__init__(self, **kwargs)
        self.potential = MlipPotential(potential, threads=threads, skin=skin, backend=backend, precision=precision, library=library)

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        Calculator.calculate(self, atoms, properties, system_changes)
        a = self.atoms
        periodic = bool(a.pbc.any())
        energy, forces, stress, energies = self.potential.compute(
            a.numbers, a.positions, a.cell.array if periodic else None, a.pbc if periodic else None,
            forces=True, stress=periodic, energies=True)
        self.results["energy"] = self.results["free_energy"] = energy
        self.results["forces"] = forces
        self.results["energies"] = energies
        if periodic and a.cell.rank == 3:
            self.results["stress"] = full_3x3_to_voigt_6_stress(stress)
