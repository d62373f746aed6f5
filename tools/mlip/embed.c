/* mlip embed: one image or one text to the model's final, L2-normalised embedding, through the
   model's own preprocessing (images) or tokenizer (texts): the calls a device makes. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char embed_usage[] =
    "usage: mlip embed --model M (--image FILE | --text STRING) [--out X.f32] [--frame N]\n"
    "                  [--threads N] [--repeat N]\n"
    "  The final embedding (D floats, L2-normalised) of an image (PNG, PGM/PPM, DICOM),\n"
    "  preprocessed as the model says (size, resize filter, crop, mean/std), or of a text\n"
    "  tokenized by the model's own tokenizer with its context length. M is a .mlip file\n"
    "  (or a PyTorch checkpoint, imported on the fly without a tokenizer). --out writes the\n"
    "  D values as little-endian float32; without it they are printed, one a line.\n"
    "  --repeat N runs the model N more times and prints the median and minimum time of the\n"
    "  embedding: for an image the model alone (decoding and preprocessing done once\n"
    "  before), for a text the tokenizer and the model.\n";

static int embed_cmp(const void *a, const void *b) {
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The model run `repeat` more times on the same input: median and minimum milliseconds. */
static mlip_status embed_time(mlip_model *m, const float *px, const char *text, int repeat,
                              float *global) {
    double *ms = (double *)calloc((size_t)repeat + 1, sizeof(double));
    mlip_status st = ms ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
    int i;
    for (i = 0; !st && i < repeat; i++) {
        double t0 = now_seconds();
        st = px ? mlip_model_embed_images(m, px, 1, global, NULL)
                : mlip_model_embed_texts(m, NULL, &text, 1, 0, global);
        ms[i] = 1e3 * (now_seconds() - t0);
    }
    if (!st && repeat > 0) {
        qsort(ms, (size_t)repeat, sizeof(double), embed_cmp);
        fprintf(stderr, "mlip embed: %s, threads %d: median %.2f ms, min %.2f ms over %d runs\n",
                px ? "image (model only)" : "text (tokenizer + model)", mlip_get_num_threads(),
                ms[repeat / 2], ms[0], repeat);
    }
    free(ms);
    return st;
}

/* The image as the model's input: decoded, then the model's resize, fit and size. */
static mlip_status embed_image(mlip_model *m, const char *path, int frame, int repeat,
                               float *global) {
    const mlip_model_config *c = mlip_model_get_config(m);
    mlip_image_options io;
    mlip_preprocess_options po;
    mlip_image im;
    float *px;
    int S = c->vit.image_size;
    int C = c->vit.channels;
    mlip_status st;
    memset(&io, 0, sizeof io);
    io.frame = frame;
    model_preprocess_options(m, &po);
    if ((st = mlip_image_read_file(path, &io, &im)) != MLIP_OK) return st;
    px = (float *)malloc(sizeof(float) * (size_t)C * S * S);
    st = px ? mlip_image_preprocess(&im, &po, px, S, C) : MLIP_ERR_OUT_OF_MEMORY;
    if (!st) st = mlip_model_embed_images(m, px, 1, global, NULL);
    if (!st) st = embed_time(m, px, NULL, repeat, global);
    free(px);
    mlip_image_free(&im);
    return st;
}

static int embed_write(const char *out, const float *x, int D) {
    FILE *f;
    int i;
    if (!out) {
        for (i = 0; i < D; i++) printf("%.9g\n", (double)x[i]);
        return 0;
    }
    f = fopen(out, "wb");
    if (!f || !write_f32le(f, x, (size_t)D) || fclose(f)) {
        fprintf(stderr, "mlip embed: cannot write %s\n", out);
        return 1;
    }
    fprintf(stderr, "mlip embed: %d floats -> %s\n", D, out);
    return 0;
}

int cmd_embed_main(int argc, char **argv) {
    const char *model_path = NULL;
    const char *image = NULL;
    const char *text = NULL;
    const char *out = NULL;
    int frame = 0;
    int threads = 1;
    int repeat = 0;
    int rc;
    mlip_model *m = NULL;
    float *global;
    mlip_status st;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model_path, 0, 0, NULL},
        {"--image", CLI_STR, &image, 0, 0, NULL},
        {"--text", CLI_STR, &text, 0, 0, NULL},
        {"--out", CLI_STR, &out, 0, 0, NULL},
        {"--frame", CLI_INT, &frame, 0, 1 << 20, NULL},
        {"--threads", CLI_INT, &threads, 1, 256, NULL},
        {"--repeat", CLI_INT, &repeat, 0, 100000, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    rc = cli_parse("embed", embed_usage, argc, argv, opts, NULL, 0);
    if (rc != CLI_GO) return rc;
    if (!model_path || !image == !text) {
        fprintf(stderr, "mlip embed: need --model and one of --image, --text (see --help)\n");
        return 2;
    }
    mlip_set_num_threads(threads);
    if ((st = load_any(model_path, NULL, 0, &m)) != MLIP_OK) {
        fprintf(stderr, "mlip embed: %s: %s\n", model_path, mlip_last_error());
        return 1;
    }
    global = (float *)calloc((size_t)mlip_model_get_config(m)->embed_dim, sizeof(float));
    if (!global)
        st = MLIP_ERR_OUT_OF_MEMORY;
    else if (image)
        st = embed_image(m, image, frame, repeat, global);
    else if ((st = mlip_model_embed_texts(m, NULL, &text, 1, 0, global)) == MLIP_OK)
        st = embed_time(m, NULL, text, repeat, global);
    rc = st ? 1 : embed_write(out, global, mlip_model_get_config(m)->embed_dim);
    if (st) fprintf(stderr, "mlip embed: %s: %s\n", image ? image : "text", mlip_last_error());
    free(global);
    mlip_model_free(m);
    mlip_shutdown();
    return rc;
}
