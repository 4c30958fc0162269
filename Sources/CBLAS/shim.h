#ifndef TANDEM_CBLAS_SHIM_H
#define TANDEM_CBLAS_SHIM_H
// OpenBLAS's CBLAS interface, plus its thread-count controls.
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
