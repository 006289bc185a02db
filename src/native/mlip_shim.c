/*
 * libmlip.so: the C ABI of mlip.h over MlipEngine.Interop.dll, hosting the .NET runtime through
 * hostfxr (NativeAOT is not available, so this is .NET's "native hosting"):
 *   nethost's get_hostfxr_path -> dlopen(libhostfxr.so) -> hostfxr_initialize_for_runtime_config
 *   (MlipEngine.Interop.runtimeconfig.json) -> load_assembly_and_get_function_pointer for each
 *   [UnmanagedCallersOnly] entry point of MlipEngine.Interop.Native.NativeEntryPoints.
 * The runtime starts once per process on the first call (pthread_once); later calls are a plain
 * indirect call into managed code.
 */
#define _GNU_SOURCE
#include "mlip.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coreclr_delegates.h>
#include <hostfxr.h>
#include <nethost.h>

#define MLIP_EXPORT __attribute__((visibility("default")))

typedef int (*create_fn)(const char *spec, int threads, double skin, int backend, void **handle);
typedef int (*create_on_fn)(const char *spec, const char *device, int precision, int threads, double skin, void **handle);
typedef int (*compute_batch_fn)(void *h, int nsys, const int *natoms, const int *species, const double *pos,
                                const double *cells, const int *pbc, int flags, double *energy, double *forces,
                                double *stress, double *atom_energies);
typedef int (*describe_fn)(void *h, double *cutoff, int *species, int capacity);
typedef const char *(*last_error_fn)(const void *h);
typedef void (*free_fn)(void *h);

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static char g_init_error[8192];
static create_fn g_create;
static create_on_fn g_create_on;
static compute_batch_fn g_compute_batch;
static describe_fn g_describe;
static last_error_fn g_last_error;
static free_fn g_free;

/* Directory holding MlipEngine.Interop.dll: $MLIP_ASSEMBLY_DIR, else the directory of libmlip.so. */
static int assembly_dir(char *out, size_t size)
{
    const char *env = getenv("MLIP_ASSEMBLY_DIR");
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return 0;
    }
    Dl_info info;
    if (!dladdr((void *)&assembly_dir, &info) || !info.dli_fname) return -1;
    char resolved[PATH_MAX];
    if (!realpath(info.dli_fname, resolved)) snprintf(resolved, sizeof resolved, "%s", info.dli_fname);
    char *slash = strrchr(resolved, '/');
    if (slash) *slash = '\0'; else snprintf(resolved, sizeof resolved, ".");
    snprintf(out, size, "%s", resolved);
    return 0;
}

static void start_runtime(void)
{
    char dir[PATH_MAX], assembly[PATH_MAX + 64], config[PATH_MAX + 64], fxr[PATH_MAX];
    if (assembly_dir(dir, sizeof dir) != 0) {
        snprintf(g_init_error, sizeof g_init_error, "libmlip: cannot find its own directory (set MLIP_ASSEMBLY_DIR)");
        return;
    }
    snprintf(assembly, sizeof assembly, "%s/MlipEngine.Interop.dll", dir);
    snprintf(config, sizeof config, "%s/MlipEngine.Interop.runtimeconfig.json", dir);

    size_t fxr_size = sizeof fxr;
    struct get_hostfxr_parameters params = {sizeof params, assembly, NULL};
    int rc = get_hostfxr_path(fxr, &fxr_size, &params);
    if (rc != 0) {
        snprintf(g_init_error, sizeof g_init_error,
                 "libmlip: no .NET runtime found (get_hostfxr_path error 0x%x); install .NET 10 or set DOTNET_ROOT", rc);
        return;
    }
    void *lib = dlopen(fxr, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(g_init_error, sizeof g_init_error, "libmlip: cannot load %s: %s", fxr, dlerror());
        return;
    }
    hostfxr_initialize_for_runtime_config_fn init =
        (hostfxr_initialize_for_runtime_config_fn)dlsym(lib, "hostfxr_initialize_for_runtime_config");
    hostfxr_get_runtime_delegate_fn get_delegate = (hostfxr_get_runtime_delegate_fn)dlsym(lib, "hostfxr_get_runtime_delegate");
    hostfxr_close_fn close_fxr = (hostfxr_close_fn)dlsym(lib, "hostfxr_close");
    if (!init || !get_delegate || !close_fxr) {
        snprintf(g_init_error, sizeof g_init_error, "libmlip: %s lacks the hosting API", fxr);
        return;
    }
    hostfxr_handle cxt = NULL;
    rc = init(config, NULL, &cxt);
    /* 0 = Success, 1 = Success_HostAlreadyInitialized, 2 = Success_DifferentRuntimeProperties */
    if ((rc != 0 && rc != 1 && rc != 2) || cxt == NULL) {
        snprintf(g_init_error, sizeof g_init_error,
                 "libmlip: cannot start the .NET runtime from %s (hostfxr error 0x%x); is .NET 10 installed and "
                 "MlipEngine.Interop.dll next to libmlip.so (or in $MLIP_ASSEMBLY_DIR)?", config, rc);
        if (cxt) close_fxr(cxt);
        return;
    }
    load_assembly_and_get_function_pointer_fn load = NULL;
    rc = get_delegate(cxt, hdt_load_assembly_and_get_function_pointer, (void **)&load);
    close_fxr(cxt);
    if (rc != 0 || !load) {
        snprintf(g_init_error, sizeof g_init_error, "libmlip: hostfxr_get_runtime_delegate failed (0x%x)", rc);
        return;
    }
    const char *type = "MlipEngine.Interop.Native.NativeEntryPoints, MlipEngine.Interop";
    struct { const char *name; void **slot; } entries[] = {
        {"Create", (void **)&g_create},         {"CreateOn", (void **)&g_create_on},
        {"ComputeBatch", (void **)&g_compute_batch},
        {"Describe", (void **)&g_describe},     {"LastError", (void **)&g_last_error},
        {"Free", (void **)&g_free},
    };
    for (size_t k = 0; k < sizeof entries / sizeof entries[0]; k++) {
        rc = load(assembly, type, entries[k].name, UNMANAGEDCALLERSONLY_METHOD, NULL, entries[k].slot);
        if (rc != 0 || !*entries[k].slot) {
            snprintf(g_init_error, sizeof g_init_error, "libmlip: cannot bind %s.%s in %s (error 0x%x)", type,
                     entries[k].name, assembly, rc);
            g_create = NULL;
            return;
        }
    }
}

static int ready(void)
{
    pthread_once(&g_once, start_runtime);
    return g_create != NULL;
}

MLIP_EXPORT mlip_options mlip_default_options(void)
{
    mlip_options o = {1, 0.5, MLIP_BACKEND_CPU};
    return o;
}

MLIP_EXPORT int mlip_create_ex(const char *potential, const mlip_options *options, mlip_calculator **handle)
{
    if (!ready()) {
        if (handle) *handle = NULL;
        return MLIP_RUNTIME_ERROR;
    }
    mlip_options o = options ? *options : mlip_default_options();
    return g_create(potential, o.threads, o.skin, o.backend, (void **)handle);
}

MLIP_EXPORT int mlip_create_on(const char *potential, const char *device, int precision, const mlip_options *options,
                               mlip_calculator **handle)
{
    if (!ready()) {
        if (handle) *handle = NULL;
        return MLIP_RUNTIME_ERROR;
    }
    mlip_options o = options ? *options : mlip_default_options();
    return g_create_on(potential, device, precision, o.threads, o.skin, (void **)handle);
}

MLIP_EXPORT int mlip_create(const char *potential, mlip_calculator **handle)
{
    return mlip_create_ex(potential, NULL, handle);
}

MLIP_EXPORT int mlip_compute_batch(mlip_calculator *handle, int nsystems, const int *natoms, const int *species,
                                   const double *positions, const double *cells, const int *pbc, int flags,
                                   double *energy, double *forces, double *stress, double *atom_energies)
{
    if (!ready()) return MLIP_RUNTIME_ERROR;
    return g_compute_batch(handle, nsystems, natoms, species, positions, cells, pbc, flags, energy, forces, stress,
                           atom_energies);
}

MLIP_EXPORT int mlip_compute(mlip_calculator *handle, int natoms, const int *species, const double *positions,
                             const double *cell, const int *pbc, int flags, double *energy, double *forces,
                             double *stress, double *atom_energies)
{
    if (!ready()) return MLIP_RUNTIME_ERROR;
    return g_compute_batch(handle, 1, &natoms, species, positions, cell, pbc, flags, energy, forces, stress,
                           atom_energies);
}

MLIP_EXPORT int mlip_describe(mlip_calculator *handle, double *cutoff, int *species, int capacity)
{
    if (!ready()) return -MLIP_RUNTIME_ERROR;
    return g_describe(handle, cutoff, species, capacity);
}

MLIP_EXPORT const char *mlip_last_error(const mlip_calculator *handle)
{
    if (!ready()) return g_init_error;
    return g_last_error(handle);
}

MLIP_EXPORT void mlip_free(mlip_calculator *handle)
{
    if (handle && ready()) g_free(handle);
}
