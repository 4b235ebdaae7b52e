#ifndef SEQBENCH_CDNNL_SHIM_H
#define SEQBENCH_CDNNL_SHIM_H
// oneDNN's C API; seqbench uses only dnnl_sgemm (row-major single-precision GEMM).
#include <oneapi/dnnl/dnnl.h>

// OpenMP runtime (libgomp), which oneDNN's CPU engine runs on. Declared here rather than
// through <omp.h> because the Swift toolchain's clang does not see GCC's private include dir.
void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);
#endif
