/* libFuzzer harness for the PyTorch checkpoint reader (make fuzz-torch; not part of make test):
   open from memory (an exactly sized copy, so ASan flags any read past the end), list every
   tensor, read every tensor of a sane size, close. Seeds: the files of tests/data/torch. */
#define MLIP_IMPLEMENTATION
#include "../../mlip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mlip_torch_file *f = NULL;
    uint8_t *copy = (uint8_t *)malloc(size ? size : 1);
    int i;
    if (!copy) return 0;
    memcpy(copy, data, size);
    if (mlip_torch_open_memory(copy, size, &f) == MLIP_OK) {
        for (i = 0; i < mlip_torch_count(f); i++) {
            const char *name = NULL;
            int dtype = 0;
            int ndim = 0;
            int k;
            int64_t shape[8];
            size_t n = 1;
            float *x;
            if (mlip_torch_info(f, i, &name, &dtype, &ndim, shape) != MLIP_OK) __builtin_trap();
            if (mlip_torch_find(f, name) != i) __builtin_trap();
            for (k = 0; k < ndim; k++) n *= (size_t)shape[k];
            if (n > ((size_t)1 << 22)) continue; /* a view may repeat a small storage */
            x = (float *)malloc(n ? n * sizeof(float) : 1);
            if (x && mlip_torch_read_f32(f, i, x, n) != MLIP_OK) __builtin_trap();
            free(x);
        }
    }
    mlip_torch_close(f);
    free(copy);
    return 0;
}
