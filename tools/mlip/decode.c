/* mlip decode: a PGM/PPM, PNG or DICOM file (format from its magic bytes) to raw little-endian
   float32, channels planar (C, H, W); prints the details, then WIDTHxHEIGHT last. */
#include "cli.h"

#include <limits.h>
#include <string.h>

static const char *decode_format_name(mlip_image_format format) {
    if (format == MLIP_IMAGE_PNG) return "PNG";
    if (format == MLIP_IMAGE_DICOM) return "DICOM";
    return "PNM";
}

static const char decode_usage[] =
    "usage: mlip decode FILE --out OUT.f32 [--frame N]\n"
    "  Decode a PGM/PPM, PNG or DICOM file (format from its magic bytes) and write\n"
    "  its pixels as raw little-endian float32: channels planar (C,H,W), rows\n"
    "  row-major. DICOM values are after Rescale Slope/Intercept, before any\n"
    "  windowing; --frame picks a frame of a multi-frame file (default 0).\n"
    "  Prints details, then WIDTHxHEIGHT as the last line.\n";

int cmd_decode_main(int argc, char **argv) {
    const char *in = NULL;
    const char *outp = NULL;
    mlip_image_options opt;
    mlip_image im;
    FILE *f;
    const char *ts;
    int rc;
    const cli_opt opts[] = {
        {"--out", CLI_STR, &outp, 0, 0, NULL},
        {"--frame", CLI_INT, &opt.frame, 0, INT_MAX, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    memset(&opt, 0, sizeof opt);
    rc = cli_parse("decode", decode_usage, argc, argv, opts, &in, 1);
    if (rc != CLI_GO) return rc;
    if (!in || !outp) {
        fprintf(stderr, "mlip decode: need FILE and --out OUT.f32 (see --help)\n");
        return 2;
    }
    if (mlip_image_read_file(in, &opt, &im)) {
        fprintf(stderr, "mlip decode: %s: %s\n", in, mlip_last_error());
        return 1;
    }
    f = fopen(outp, "wb");
    if (!f || !write_f32le(f, im.pixels, (size_t)im.width * im.height * im.channels) || fclose(f)) {
        fprintf(stderr, "mlip decode: cannot write %s\n", outp);
        mlip_image_free(&im);
        return 1;
    }
    ts = im.transfer_syntax[0] ? ", transfer syntax " : "";
    printf("%s: %s, %d channel%s, %d bits, frame %d of %d%s%s\n", in, decode_format_name(im.format),
           im.channels, im.channels == 1 ? "" : "s", im.bits, im.frame, im.frames, ts,
           im.transfer_syntax);
    printf("%dx%d\n", im.width, im.height);
    mlip_image_free(&im);
    return 0;
}
