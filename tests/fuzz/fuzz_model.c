/* libFuzzer harness for the model loaders (make fuzz-model; not part of make test).
   Input starting with "MLIP": mlip_model_load_memory, in place and copied (the first byte
   after the magic never matters to the format, so it is used to pick one); anything else:
   mlip_model_import_safetensors. A file that loads must save and load again. */
#define MLIP_IMPLEMENTATION
#include "../../mlip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reload(mlip_model *m) {
    void *buf = NULL;
    size_t len = 0;
    mlip_model *again = NULL;
    if (mlip_model_save_memory(m, MLIP_DTYPE_F32, &buf, &len) == MLIP_OK) {
        if (mlip_model_load_memory(buf, len, 0, &again) != MLIP_OK) __builtin_trap();
        mlip_model_free(again);
    }
    mlip_free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mlip_model *m = NULL;
    /* a private, exactly sized copy: ASan flags any read past the end */
    uint8_t *copy = (uint8_t *)malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    if (size >= 4 && !memcmp(copy, "MLIP", 4)) {
        if (mlip_model_load_memory(copy, size, (int)(size & 1), &m) == MLIP_OK) reload(m);
    } else if (mlip_model_import_safetensors(copy, size, NULL, (int)(size & 1), &m) == MLIP_OK) {
        reload(m);
    }
    mlip_model_free(m);
    free(copy);
    return 0;
}
