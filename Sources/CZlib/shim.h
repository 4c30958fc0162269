#ifndef TANDEM_CZLIB_SHIM_H
#define TANDEM_CZLIB_SHIM_H
// zlib, for the compression ratio Whisper's temperature fallback measures (Python's zlib.compress).
#include <zlib.h>
#endif
