#include "cpu_isa.h"

#if defined(__x86_64__) || defined(__i386__)
static int detect_isa(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("f16c") || !__builtin_cpu_supports("fma")) return isa_portable;
    if (__builtin_cpu_supports("avx512f")) return isa_avx512;
    if (__builtin_cpu_supports("avx2")) return isa_avx2;
    return isa_portable;
}

int tandem_cpu_isa(void) {
    // Racing first calls compute the same value; an int store is atomic on x86.
    static volatile int cached = -1;
    int isa = cached;
    if (isa < 0) { isa = detect_isa(); cached = isa; }
    return isa;
}
#else
int tandem_cpu_isa(void) { return isa_portable; }
#endif
