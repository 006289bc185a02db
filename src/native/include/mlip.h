/*
 * mlip.h — C ABI of MlipEngine (libmlip.so): use any MlipEngine potential as the force field of
 * your own code (C, C++, Fortran via iso_c_binding, Python via ctypes).
 *
 * Units everywhere: positions and cells in Å, energies in eV, forces in eV/Å, stress in eV/Å³
 * with ASE's sign (positive = tensile; stress = -virial / volume). Arrays are C order:
 * positions[3*i + k] is coordinate k of atom i; cell[3*a + k] is component k of lattice vector a
 * (vectors are ROWS, ASE's convention); stress[3*a + b] is σ_ab.
 *
 * Lifetime: the first call starts the .NET runtime inside your process (through hostfxr), which
 * takes ~0.1 s once. libmlip.so looks for MlipEngine.Interop.dll and its runtimeconfig/deps files
 * in its own directory, or in $MLIP_ASSEMBLY_DIR when that is set. A .NET 10 runtime must be
 * installed (found like `dotnet` finds it: $DOTNET_ROOT or the standard install location).
 *
 * Threads: different handles may be used from different threads at once; one handle must not be
 * used by two threads at the same time. Calls on a handle reuse its buffers: after the first call
 * with a given atom count, mlip_compute allocates nothing, and the neighbor list is rebuilt only
 * when an atom moved more than skin/2 or the cell or species changed.
 *
 * Errors: every function returning int returns MLIP_OK (0) on success; otherwise
 * mlip_last_error(handle) (or mlip_last_error(NULL) after a failed mlip_create) gives a one-line
 * message, valid until the next failing call on that handle.
 */
#ifndef MLIP_H
#define MLIP_H

#ifdef __cplusplus
extern "C" {
#endif

#define MLIP_OK 0
#define MLIP_ERROR 1            /* the computation or the potential failed (message tells why) */
#define MLIP_INVALID_ARGUMENT 2 /* a NULL pointer, negative count, unknown flag, ... */
#define MLIP_RUNTIME_ERROR 3    /* the .NET runtime or MlipEngine.Interop.dll could not be loaded */

/* What to compute (bit flags). The energy is always computed. */
#define MLIP_ENERGY 1
#define MLIP_ATOM_ENERGIES 2
#define MLIP_FORCES 4
#define MLIP_STRESS 8
#define MLIP_ALL 15

#define MLIP_BACKEND_CPU 0       /* optimised kernels (default) */
#define MLIP_BACKEND_REFERENCE 1 /* plain double-precision loops: the oracle */
#define MLIP_BACKEND_OPENCL 2    /* OpenCL kernels on device 0 (GPUs; PoCL on a CPU) */

/* Precision of the compute kernels (mlip_create_on). Energies are always summed in double. */
#define MLIP_FLOAT64 0
#define MLIP_FLOAT32 1 /* OpenCL kernels and the equivariant CPU kernels */

typedef struct mlip_calculator mlip_calculator;

typedef struct mlip_options {
    int threads;  /* worker threads, >= 1 (default 1) */
    double skin;  /* Verlet skin of the neighbor list in Å, >= 0 (default 0.5) */
    int backend;  /* MLIP_BACKEND_CPU, MLIP_BACKEND_REFERENCE or MLIP_BACKEND_OPENCL */
} mlip_options;

/* Default options: 1 thread, skin 0.5 Å, CPU backend. */
mlip_options mlip_default_options(void);

/*
 * Creates a calculator. `potential` is a potential spec file (YAML) or an inline spec, e.g.
 * "{style: eam/alloy, file: /usr/share/lammps/potentials/CuNi.eam.alloy, elements: [Cu, Ni]}".
 * Relative file names in an inline spec resolve against the current directory.
 */
int mlip_create(const char *potential, mlip_calculator **handle);
int mlip_create_ex(const char *potential, const mlip_options *options, mlip_calculator **handle);

/*
 * Creates a calculator on a named device: "cpu", "reference", "opencl", "opencl:INDEX" (INDEX as
 * `mlip info` lists the devices) or the name of any other backend the engine finds; `precision` is
 * MLIP_FLOAT64 or MLIP_FLOAT32. `options` gives threads and skin (its `backend` is ignored; NULL for
 * the defaults). `potential` may also be a model file (*.mlip).
 */
int mlip_create_on(const char *potential, const char *device, int precision, const mlip_options *options,
                   mlip_calculator **handle);

/*
 * One system of `natoms` atoms.
 *   species   natoms atomic numbers (29 = Cu)
 *   positions natoms*3 Å
 *   cell      9 numbers (lattice vectors as rows, Å), or NULL for a molecule (no periodicity)
 *   pbc       3 ints (non-zero = periodic along a, b, c), or NULL: periodic iff cell != NULL
 *   flags     MLIP_FORCES | MLIP_STRESS | MLIP_ATOM_ENERGIES (energy is always computed)
 * Outputs (may be NULL when not asked for): energy (eV), forces natoms*3 (eV/Å),
 *   stress 9 (eV/Å³, NaN when the system has no volume), atom_energies natoms (eV).
 */
int mlip_compute(mlip_calculator *handle, int natoms, const int *species, const double *positions,
                 const double *cell, const int *pbc, int flags,
                 double *energy, double *forces, double *stress, double *atom_energies);

/*
 * Several systems at once (batched: one call, one neighbor-list build, threads across systems).
 * natoms[nsystems]; species, positions, forces, atom_energies concatenate the systems' atoms;
 * cells 9*nsystems (or NULL); pbc 3*nsystems (or NULL); energy[nsystems]; stress 9*nsystems.
 */
int mlip_compute_batch(mlip_calculator *handle, int nsystems, const int *natoms, const int *species,
                       const double *positions, const double *cells, const int *pbc, int flags,
                       double *energy, double *forces, double *stress, double *atom_energies);

/* Cutoff (Å) and the atomic numbers the potential describes (up to `capacity` written).
 * Returns the number of species, or a negative value on error. */
int mlip_describe(mlip_calculator *handle, double *cutoff, int *species, int capacity);

/* Last error message of `handle` (or of the last failed mlip_create on this thread when handle
 * is NULL); NULL when there is none. Owned by the library. */
const char *mlip_last_error(const mlip_calculator *handle);

/* Releases the calculator. NULL is ignored. */
void mlip_free(mlip_calculator *handle);

#ifdef __cplusplus
}
#endif
#endif /* MLIP_H */
