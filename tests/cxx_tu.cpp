// The library compiled as C++ (its own static copy), called from the C runner.
#define MLIP_STATIC
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

extern "C" int cxx_tu_selftest(void);

extern "C" int cxx_tu_selftest(void) {
    float x[4] = {3, 4, 0, 0}, y[4], n[2];
    if (mlip_l2norm_forward(y, n, x, 2, 2, 1e-12f) != MLIP_OK) return 0;
    return fabsf(y[0] - 0.6f) < 1e-6f && fabsf(y[1] - 0.8f) < 1e-6f && n[0] == 5.0f && y[2] == 0.0f;
}
