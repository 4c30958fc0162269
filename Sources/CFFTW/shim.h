#ifndef TANDEM_CFFTW_SHIM_H
#define TANDEM_CFFTW_SHIM_H
// Single-precision FFTW3. Plans must be created under a lock (the planner is not thread-safe);
// executing a plan on new arrays (fftwf_execute_dft_r2c) is thread-safe.
#include <fftw3.h>
#endif
