/* libFuzzer harness for the image readers (not part of `make test`; run `make fuzz-image`).
   Built once per reader: -DFUZZ_READER=mlip_image_read_png (or _dicom, _pnm, _memory).
   Every decoded image also goes through preprocessing and the PNG writer, and the written
   PNG must decode to the same size. FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION makes the
   PNG reader skip its CRC and Adler-32 checks so mutations reach the decoder behind them. */
#define MLIP_IMPLEMENTATION
#include "../../mlip.h"

#include <stdlib.h>

#ifndef FUZZ_READER
#define FUZZ_READER mlip_image_read_memory
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mlip_image im, back;
    mlip_image_options opt;
    mlip_preprocess_options pre;
    float out[3 * 16 * 16];
    memset(&opt, 0, sizeof opt);
    opt.max_pixels = (size_t)1 << 22; /* keep single inputs fast */
    opt.frame = size ? data[size - 1] % 3 : 0;
    if (FUZZ_READER(data, size, &opt, &im) != MLIP_OK) {
        if (!mlip_last_error()[0] || im.pixels) abort(); /* a failure must explain itself */
        return 0;
    }
    if (im.width <= 0 || im.height <= 0 || !im.pixels) abort();
    memset(&pre, 0, sizeof pre);
    pre.resize = (mlip_image_resize)(size & 1);
    pre.fit = (mlip_image_fit)((size >> 1) & 1);
    if (mlip_image_preprocess(&im, &pre, out, 16, 3) != MLIP_OK) abort();
    if ((size_t)im.width * im.height <= 4096 && im.channels >= 1) {
        unsigned char *png;
        size_t len;
        int ch = im.channels >= 3 ? 3 : 1;
        if (mlip_image_encode_png(im.pixels, im.width, im.height, ch, &png, &len) != MLIP_OK)
            abort();
        if (mlip_image_read_png(png, len, NULL, &back) != MLIP_OK || back.width != im.width ||
            back.height != im.height || back.channels != ch)
            abort();
        mlip_image_free(&back);
        mlip_free(png);
    }
    mlip_image_free(&im);
    return 0;
}
