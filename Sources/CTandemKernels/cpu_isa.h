// The instruction set the kernels use on this CPU, found once (private to CTandemKernels).
#ifndef TANDEM_CPU_ISA_H
#define TANDEM_CPU_ISA_H

enum { isa_portable = 0, isa_avx2 = 1, isa_avx512 = 2 };

/// isa_avx512 with AVX-512F, F16C and FMA; isa_avx2 with AVX2, F16C and FMA; else isa_portable
/// (always on CPUs that are not x86).
int tandem_cpu_isa(void);

#endif
