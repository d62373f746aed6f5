/* mlip embed: one image or one text to the model's final, L2-normalised embedding, through the
   model's own preprocessing (images) or tokenizer (texts): the calls a device makes. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char embed_usage[] =
    "usage: mlip embed --model M (--image FILE | --text STRING) [--out X.f32] [--frame N]\n"
    "                  [--threads N]\n"
    "  The final embedding (D floats, L2-normalised) of an image (PNG, PGM/PPM, DICOM),\n"
    "  preprocessed as the model says (size, resize filter, crop, mean/std), or of a text\n"
    "  tokenized by the model's own tokenizer with its context length. M is a .mlip file\n"
    "  (or a PyTorch checkpoint, imported on the fly without a tokenizer). --out writes the\n"
    "  D values as little-endian float32; without it they are printed, one a line.\n";

/* The image as the model's input: decoded, then the model's resize, fit and size. */
static mlip_status embed_image(mlip_model *m, const char *path, int frame, float *global) {
    const mlip_model_config *c = mlip_model_get_config(m);
    mlip_image_options io;
    mlip_preprocess_options po;
    mlip_image im;
    float *px;
    int S = c->vit.image_size;
    int C = c->vit.channels;
    mlip_status st;
    memset(&io, 0, sizeof io);
    memset(&po, 0, sizeof po);
    io.frame = frame;
    po.resize = (mlip_image_resize)c->image_resize;
    po.fit = (mlip_image_fit)c->image_fit;
    if ((st = mlip_image_read_file(path, &io, &im)) != MLIP_OK) return st;
    px = (float *)malloc(sizeof(float) * (size_t)C * S * S);
    st = px ? mlip_image_preprocess(&im, &po, px, S, C) : MLIP_ERR_OUT_OF_MEMORY;
    if (!st) st = mlip_model_embed_images(m, px, 1, global, NULL);
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
        st = embed_image(m, image, frame, global);
    else
        st = mlip_model_embed_texts(m, NULL, &text, 1, 0, global);
    rc = st ? 1 : embed_write(out, global, mlip_model_get_config(m)->embed_dim);
    if (st) fprintf(stderr, "mlip embed: %s: %s\n", image ? image : "text", mlip_last_error());
    free(global);
    mlip_model_free(m);
    mlip_shutdown();
    return rc;
}
