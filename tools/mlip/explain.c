/* mlip explain: where each sentence of a report lies in an image: the optimal-transport plan
   between the image's patches and the report's sentences (for a model without MLIP's local
   heads, the cosine similarity of each patch token with each sentence), drawn as one heat-map
   panel per sentence in a PNG; prints the sentences' peaks, the image-report similarity and
   zero-shot probabilities for the findings. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define EXPLAIN_NF 5

static const char *const explain_findings[EXPLAIN_NF][3] = {
    {"consolidation", "consolidation", "no consolidation"},
    {"effusion", "pleural effusion", "no pleural effusion"},
    {"cardiomegaly", "cardiomegaly", "heart size is normal"},
    {"pneumothorax", "pneumothorax", "no pneumothorax"},
    {"nodule", "pulmonary nodule", "no nodule"}};

/* One explanation: the model, the image, and the buffers of the panels. */
typedef struct explain_ctx {
    const char *report, *out, *prompts;
    int size;
    float alpha;
    mlip_model *m;
    mlip_tokenizer *tok;
    mlip_image im;
    int S, C, G, K, D;
    int n_sent;
    int similarity; /* no local heads: patch-sentence similarity maps, not a transport plan */
    char sent_text[16][256]; /* the sentences, in similarity mode */
    float scale;
    float glob[1024], rep[1024];
    float *block; /* px, show, local, sent, plan, heat and panels, one allocation */
    float *px, *show, *local, *sent, *plan, *heat, *panels;
    float *tiled;
} explain_ctx;

static void explain_free(explain_ctx *x) {
    free(x->block);
    free(x->tiled);
    mlip_image_free(&x->im);
    mlip_tokenizer_free(x->tok);
    mlip_model_free(x->m);
    mlip_shutdown();
}

static const char explain_usage[] =
    "usage: mlip explain --model M --image X --report \"...\" --out map.png [--size PX] "
    "[--alpha A]\n"
    "                    [--prompts prompts.tsv]\n"
    "  Splits the report into sentences and computes the optimal-transport plan between "
    "the\n"
    "  image's patches and the sentences (the matching MLIP's local loss trains). map.png "
    "shows\n"
    "  the image, then one panel per sentence: where that sentence's share of the plan "
    "lies, as\n"
    "  a heat map over the image (panels left to right, top to bottom, in sentence "
    "order).\n"
    "  Prints each sentence with its panel number and peak, the image-report similarity "
    "and\n"
    "  zero-shot probabilities for the findings (prompts.tsv: "
    "finding<TAB>positive<TAB>negative).\n";

/* The buffers for the model's sizes; 0, or 1 after a message. */
static int explain_alloc(explain_ctx *x) {
    const mlip_model_config *c = mlip_model_get_config(x->m);
    size_t px = (size_t)x->size * x->size;
    size_t n_px;
    size_t n_local;
    size_t n_sent;
    size_t n_plan;
    if (c->embed_dim > 1024) {
        fprintf(stderr, "mlip explain: embed_dim %d is too large\n", c->embed_dim);
        return 1;
    }
    x->S = c->vit.image_size;
    x->C = c->vit.channels;
    x->G = x->S / c->vit.patch_size;
    x->K = x->G * x->G;
    x->D = c->embed_dim;
    n_px = (size_t)x->C * x->S * x->S;
    n_local = (size_t)x->K * x->D;
    n_sent = 16 * (size_t)x->D;
    n_plan = (size_t)x->K * 16;
    x->block =
        (float *)calloc(n_px + px + n_local + n_sent + n_plan + x->K + 17 * 3 * px, sizeof(float));
    if (!x->block) {
        fprintf(stderr, "mlip explain: out of memory\n");
        return 1;
    }
    x->px = x->block;
    x->show = x->px + n_px;
    x->local = x->show + px;
    x->sent = x->local + n_local;
    x->plan = x->sent + n_sent;
    x->heat = x->plan + n_plan;
    x->panels = x->heat + x->K;
    return 0;
}

/* Panel l + 1: sentence l's share of the plan (or its similarity map) over the image; prints its
   text and peak. */
static int explain_panel(explain_ctx *x, int l, const int *ids, const int *begin, const int *end) {
    char text[512];
    int best = 0;
    int k;
    size_t panel = (size_t)(l + 1) * 3 * x->size * x->size;
    for (k = 0; k < x->K; k++) {
        x->heat[k] = x->plan[(size_t)k * x->n_sent + l];
        if (x->heat[k] > x->heat[best]) best = k;
    }
    if (mlip_heatmap_overlay(x->show, x->heat, x->size, x->size, x->G, x->G, x->alpha,
                             x->panels + panel))
        return 1;
    if (x->similarity) {
        printf("panel %d: \"%s\"  peak at row %d, column %d of the %dx%d patch grid (cosine "
               "%.3f)\n",
               l + 1, x->sent_text[l], best / x->G, best % x->G, x->G, x->G, (double)x->heat[best]);
        return 0;
    }
    mlip_tokenizer_decode(x->tok, ids + begin[l], end[l] - begin[l], 1, text, sizeof text, NULL);
    printf("panel %d: \"%s\"  peak at row %d, column %d of the %dx%d patch grid (%.0f%% of its "
           "mass in the top patch)\n",
           l + 1, text, best / x->G, best % x->G, x->G, x->G, 100.0 * x->heat[best] * x->n_sent);
    return 0;
}

/* The image panel, one panel per sentence (token spans as mlip_model_embed_sentences made
   them, 128 positions), tiled 4 to a row into the PNG. */
static int explain_panels(explain_ctx *x) {
    int ids[128];
    int begin[16];
    int end[16];
    int n_ids = 0;
    int l;
    int tw = 0;
    int th = 0;
    int cols = x->n_sent + 1 < 4 ? x->n_sent + 1 : 4;
    size_t len = strlen(x->report);
    if (mlip_heatmap_overlay(x->show, x->heat, x->size, x->size, x->G, x->G, x->alpha, x->panels))
        return 1; /* panel 0: the image */
    if (!x->similarity &&
        (mlip_tokenizer_encode(x->tok, x->report, len, 128, ids, NULL, &n_ids) ||
         mlip_tokenizer_sentences(x->tok, x->report, len, 128, 16, begin, end, &l)))
        return 1;
    for (l = 0; l < x->n_sent; l++)
        if (explain_panel(x, l, ids, begin, end)) return 1;
    if (mlip_tile_panels(x->panels, x->n_sent + 1, x->size, x->size, cols, 4, NULL, &tw, &th))
        return 1;
    if (!(x->tiled = (float *)malloc(sizeof(float) * 3 * (size_t)tw * th))) return 2;
    if (mlip_tile_panels(x->panels, x->n_sent + 1, x->size, x->size, cols, 4, x->tiled, &tw, &th) ||
        mlip_image_write_png(x->out, x->tiled, tw, th, 3))
        return 1;
    printf("wrote %s (%dx%d: the image, then %d sentence panels)\n", x->out, tw, th, x->n_sent);
    return 0;
}

/* Zero-shot probabilities for the findings: positive and negative prompt embeddings. */
static void explain_zeroshot(explain_ctx *x) {
    const char *texts[2 * EXPLAIN_NF];
    char pos[EXPLAIN_NF][256];
    char neg[EXPLAIN_NF][256];
    int D = x->D;
    float *emb = (float *)malloc(sizeof(float) * 3 * 2 * EXPLAIN_NF * (size_t)D);
    float *P = emb + 2 * EXPLAIN_NF * D;
    float *N = P + EXPLAIN_NF * D;
    float pr[EXPLAIN_NF];
    int f;
    for (f = 0; f < EXPLAIN_NF; f++) {
        snprintf(pos[f], sizeof pos[f], "%s", explain_findings[f][1]);
        snprintf(neg[f], sizeof neg[f], "%s", explain_findings[f][2]);
        if (x->prompts) read_prompts(x->prompts, "", explain_findings[f][0], pos[f], neg[f], 256);
        texts[2 * f] = pos[f];
        texts[2 * f + 1] = neg[f];
    }
    if (emb && !mlip_model_embed_texts(x->m, x->tok, texts, 2 * EXPLAIN_NF, 64, emb)) {
        for (f = 0; f < EXPLAIN_NF; f++) {
            memcpy(P + f * D, emb + 2 * f * D, sizeof(float) * D);
            memcpy(N + f * D, emb + (2 * f + 1) * D, sizeof(float) * D);
        }
        if (!mlip_zeroshot_scores(x->glob, P, N, 1, EXPLAIN_NF, D, x->scale, pr)) {
            printf("zero-shot:");
            for (f = 0; f < EXPLAIN_NF; f++) printf(" %s %.2f", explain_findings[f][0], pr[f]);
            printf("\n");
        }
    }
    free(emb);
}

/* The report's sentences as texts: split after '.', '!', '?', ';' or a line break (a '.'
   between digits, "2.5 cm", stays), pieces without a letter or digit dropped, at most 16. */
static void explain_split(explain_ctx *x) {
    const char *p = x->report;
    size_t n = 0;
    x->n_sent = 0;
    for (;; p++) {
        int end = !*p || strchr(".!?;\n", *p);
        if (*p == '.' && p > x->report && p[1] >= '0' && p[1] <= '9' && p[-1] >= '0' &&
            p[-1] <= '9')
            end = 0;
        if (!end && (n > 0 || (*p != ' ' && *p != '\t' && *p != '\r')) &&
            n < sizeof x->sent_text[0] - 1)
            x->sent_text[x->n_sent][n++] = *p; /* leading blanks dropped */
        if (end) {
            size_t i;
            int has_alnum = 0;
            x->sent_text[x->n_sent][n] = '\0';
            for (i = 0; i < n; i++)
                has_alnum |= (x->sent_text[x->n_sent][i] | 32) >= 'a' &&
                             (x->sent_text[x->n_sent][i] | 32) <= 'z';
            if (has_alnum && x->n_sent < 15) x->n_sent++;
            n = 0;
        }
        if (!*p) break;
    }
}

/* Similarity mode: each sentence embedded alone, plan[k][l] = cos(patch k, sentence l). */
static int explain_similarity(explain_ctx *x) {
    const char *texts[16];
    int l, k;
    explain_split(x);
    for (l = 0; l < x->n_sent; l++) texts[l] = x->sent_text[l];
    if (x->n_sent && mlip_model_embed_texts(x->m, x->tok, texts, x->n_sent, 0, x->sent)) return 1;
    if (mlip_model_embed_texts(x->m, x->tok, &x->report, 1, 0, x->rep)) return 1;
    for (k = 0; k < x->K; k++)
        for (l = 0; l < x->n_sent; l++)
            x->plan[(size_t)k * x->n_sent + l] = (float)mlip_dot(
                x->local + (size_t)k * x->D, x->sent + (size_t)l * x->D, (size_t)x->D);
    printf("this model has no local heads (an imported dual encoder): the panels are the cosine "
           "similarity of each patch token, through the image head, with each sentence's "
           "embedding, not a transport plan\n");
    return 0;
}

/* Embed, plan, draw, print. 0; 1 after a library failure; 2 after a message of its own. */
static int explain_run(explain_ctx *x, const char *model_path, const char *image_path) {
    float z = 0;
    int rc;
    mlip_preprocess_options pre;
    if (mlip_model_load_file(model_path, &x->m) || mlip_model_tokenizer(x->m, &x->tok) ||
        mlip_image_read_file(image_path, NULL, &x->im))
        return 1;
    if (explain_alloc(x)) return 2;
    model_preprocess_options(x->m, &pre);
    x->similarity = mlip_model_get_config(x->m)->kind != MLIP_MODEL_MLIP;
    if (mlip_image_preprocess(&x->im, &pre, x->px, x->S, x->C) ||
        mlip_image_preprocess(&x->im, &pre, x->show, x->size, 1) ||
        mlip_model_embed_images(x->m, x->px, 1, x->glob, x->local) ||
        mlip_model_logit_scale(x->m, 0, &x->scale))
        return 1;
    if (x->similarity ? explain_similarity(x)
                      : mlip_model_embed_sentences(x->m, x->tok, x->report, 128, 16, x->sent,
                                                   x->rep, &x->n_sent) != MLIP_OK)
        return 1;
    if (x->n_sent == 0) {
        fprintf(stderr, "mlip explain: the report has no sentence\n");
        return 2;
    }
    if (x->similarity)
        printf("image-report similarity %.3f (global)\n", mlip_dot(x->glob, x->rep, (size_t)x->D));
    else if (mlip_explain_plan(x->local, x->sent, x->K, x->n_sent, x->D, NULL, x->plan, &z))
        return 1;
    else
        printf("image-report similarity %.3f (global), %.3f (transport value, local)\n",
               mlip_dot(x->glob, x->rep, (size_t)x->D), (double)z);
    if ((rc = explain_panels(x))) return rc;
    explain_zeroshot(x);
    return 0;
}

int cmd_explain_main(int argc, char **argv) {
    const char *model_path = NULL;
    const char *image_path = NULL;
    explain_ctx x;
    int rc;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model_path, 0, 0, NULL},
        {"--image", CLI_STR, &image_path, 0, 0, NULL},
        {"--report", CLI_STR, &x.report, 0, 0, NULL},
        {"--out", CLI_STR, &x.out, 0, 0, NULL},
        {"--prompts", CLI_STR, &x.prompts, 0, 0, NULL},
        {"--size", CLI_INT, &x.size, 16, 2048, NULL},
        {"--alpha", CLI_FLOAT, &x.alpha, 0, 1, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    memset(&x, 0, sizeof x);
    x.size = 256;
    x.alpha = 0.6f;
    x.scale = 1;
    rc = cli_parse("explain", explain_usage, argc, argv, opts, NULL, 0);
    if (rc != CLI_GO) return rc;
    if (!model_path || !image_path || !x.report || !x.out) {
        fprintf(stderr, "mlip explain: --model, --image, --report and --out are required; --size "
                        "in [16, 2048], --alpha in [0, 1]\n");
        return 2;
    }
    rc = explain_run(&x, model_path, image_path);
    if (rc == 1) fprintf(stderr, "mlip explain: %s\n", mlip_last_error());
    explain_free(&x);
    return rc ? 1 : 0;
}
