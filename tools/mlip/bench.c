/* mlip bench: time on this machine the GEMM (GFLOPS, best of R runs), an encoder's inference
   forward with random weights (median ms per batch), or training (ViT forward + backward at
   two mask ratios and one whole step of the MLIP objective). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct bench_opts {
    int threads;
    int reps;
    int batch;
    int tokens;
    float mask;
} bench_opts;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Peak resident set of this process, in MiB. */
static double peak_rss_mib(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux reports KiB */
}

static int bench_error(void) {
    fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
    return 1;
}

/* The encoder named model; *vit_config set for a ViT, *vocab for a BERT. 2: unknown name. */
static int bench_create(const char *model, mlip_encoder **enc, mlip_vit_config *vit_config,
                        int *vocab) {
    mlip_status st;
    *vocab = 0;
    if (!strcmp(model, "vit-b16") || !strcmp(model, "vit-tiny")) {
        *vit_config = !strcmp(model, "vit-b16") ? mlip_vit_config_base() : mlip_vit_config_tiny();
        st = mlip_vit_create(vit_config, enc);
    } else if (!strcmp(model, "bert-base") || !strcmp(model, "bert-tiny")) {
        mlip_bert_config c;
        c = !strcmp(model, "bert-base") ? mlip_bert_config_base() : mlip_bert_config_tiny(4096);
        *vocab = c.vocab_size;
        st = mlip_bert_create(&c, enc);
    } else {
        fprintf(stderr,
                "mlip bench: unknown model '%s' (vit-b16, vit-tiny, bert-base, bert-tiny)\n",
                model);
        return 2;
    }
    return st ? 1 : 0;
}

/* Random pixels (vit) or random ids; NULL when out of memory. */
static void *bench_inputs(const mlip_vit_config *vc, int vocab, int batch, int T, size_t *count) {
    mlip_rng rng;
    size_t i;
    mlip_rng_seed(&rng, 2, 0);
    if (!vocab) {
        float *in;
        *count = (size_t)batch * vc->channels * vc->image_size * vc->image_size;
        in = (float *)mlip_alloc(*count * sizeof(float));
        for (i = 0; in && i < *count; i++) in[i] = mlip_rng_uniform(&rng);
        return in;
    } else {
        int *ids;
        *count = (size_t)batch * T;
        ids = (int *)mlip_alloc(*count * sizeof(int));
        for (i = 0; ids && i < *count; i++) ids[i] = (int)mlip_rng_below(&rng, (uint32_t)vocab);
        return ids;
    }
}

static void bench_model_report(const char *model, mlip_encoder *enc, const bench_opts *o, int T,
                               size_t n_weights, double rss0, double ms) {
    double act = mlip_encoder_activation_bytes(enc, o->batch, T, 0) / 1048576.0;
    printf("model %s batch %d tokens %d threads %d kernel %s\n", model, o->batch, T, o->threads,
           mlip_gemm_kernel_name());
    printf("weights %.1f MiB, activations %.1f MiB, peak RSS %.1f MiB (%.1f before the first "
           "forward)\n",
           n_weights * 4.0 / 1048576.0, act, peak_rss_mib(), rss0);
    printf("ms: %.2f\n", ms);
}

/* Time an encoder's inference forward with random weights: median of reps. */
static int bench_model(const char *model, const bench_opts *o) {
    mlip_encoder *enc = NULL;
    mlip_vit_config vc;
    int vocab;
    int r;
    int T;
    int rc = bench_create(model, &enc, &vc, &vocab);
    size_t n_weights;
    size_t n_in;
    void *in = NULL;
    float *out = NULL;
    double *t = (double *)calloc((size_t)o->reps + 1, sizeof(double));
    double rss0;
    if (rc == 2) goto done;
    if (rc || mlip_set_num_threads(o->threads)) goto fail;
    mlip_encoder_init_random(enc, 1);
    mlip_encoder_weights(enc, &n_weights);
    T = vocab ? o->tokens : 1 + (vc.image_size / vc.patch_size) * (vc.image_size / vc.patch_size);
    in = bench_inputs(&vc, vocab, o->batch, T, &n_in);
    out = (float *)mlip_alloc((size_t)o->batch * T * mlip_encoder_width(enc) * sizeof(float));
    if (!out || !in || !t) goto fail;
    rss0 = peak_rss_mib();
    for (r = 0; r <= o->reps; r++) { /* run 0 warms up (and sizes the activation arena) */
        double t0 = now_seconds();
        mlip_status st;
        if (vocab)
            st = mlip_bert_forward(enc, (int *)in, NULL, NULL, o->batch, T, 0, out);
        else
            st = mlip_vit_forward(enc, (float *)in, o->batch, NULL, 0, 0, out);
        if (st) goto fail;
        t[r] = (now_seconds() - t0) * 1e3;
    }
    qsort(t + 1, (size_t)o->reps, sizeof(double), cmp_double);
    bench_model_report(model, enc, o, T, n_weights, rss0, t[1 + o->reps / 2]);
    rc = 0;
    mlip_shutdown();
    goto done;
fail:
    rc = bench_error();
done:
    mlip_encoder_free(enc);
    mlip_free(in);
    mlip_free(out);
    free(t);
    return rc;
}

/* A synthetic batch for timing: random pixels, reports of `tokens` ids in 4 sentences. */
static void bench_fill_batch(mlip_batch *bt, int vocab, uint64_t seed) {
    mlip_rng rng;
    size_t i;
    size_t px = (size_t)bt->B * bt->channels * bt->image_size * bt->image_size;
    int b;
    int t;
    int l;
    int T = bt->T;
    mlip_rng_seed(&rng, seed, 7);
    for (i = 0; i < px; i++) bt->images[i] = mlip_rng_uniform(&rng);
    for (b = 0; b < bt->B; b++) {
        int *sb = bt->sent_begin + b * bt->max_sentences;
        int *se = bt->sent_end + b * bt->max_sentences;
        for (t = 0; t < T; t++) {
            int word = 5 + (int)mlip_rng_below(&rng, (uint32_t)(vocab - 5));
            bt->ids[b * T + t] = t == 0 ? 2 : t == T - 1 ? 3 : word;
        }
        for (t = 0; t < T; t++) bt->mask[b * T + t] = 1;
        bt->n_sentences[b] = 4;
        for (l = 0; l < 4; l++) {
            sb[l] = 1 + (T - 2) * l / 4;
            se[l] = 1 + (T - 2) * (l + 1) / 4;
        }
    }
}

/* What bench_train times, and the buffers of the ViT part. */
typedef struct bench_train_state {
    mlip_model_config c;
    mlip_model *m;
    mlip_trainer *tr;
    mlip_batch bt;
    float *img, *out, *dout;
    int *vis;
    double *tv0, *tv1, *ts; /* ms: ViT at mask 0, ViT at mask rho, whole steps */
    int K, n;
} bench_train_state;

static void bench_train_free(bench_train_state *s) {
    free(s->tv0);
    free(s->tv1);
    free(s->ts);
    mlip_free(s->img);
    mlip_free(s->out);
    mlip_free(s->dout);
    mlip_free(s->vis);
    mlip_batch_free(&s->bt);
    mlip_trainer_free(s->tr);
    mlip_model_free(s->m);
}

/* The model, trainer, batch and ViT buffers; 0 or 1 (mlip_last_error says why). */
static int bench_train_setup(bench_train_state *s, const bench_opts *o) {
    mlip_objective_config oc = mlip_objective_defaults();
    int B = o->batch;
    int W = s->c.vit.width;
    int G = s->c.vit.image_size / s->c.vit.patch_size;
    size_t npx = (size_t)B * s->c.vit.channels * s->c.vit.image_size * s->c.vit.image_size;
    size_t i;
    s->tv0 = (double *)calloc((size_t)o->reps, sizeof(double));
    s->tv1 = (double *)calloc((size_t)o->reps, sizeof(double));
    s->ts = (double *)calloc((size_t)o->reps, sizeof(double));
    if (!s->tv0 || !s->tv1 || !s->ts) return 1;
    if (mlip_set_num_threads(o->threads) || mlip_model_create(&s->c, &s->m)) return 1;
    mlip_model_init_random(s->m, 1);
    oc.mask_ratio = o->mask;
    if (mlip_trainer_create(s->m, &oc, NULL, 1, &s->tr)) return 1;
    if (mlip_batch_alloc(&s->bt, B, s->c.vit.channels, s->c.vit.image_size, o->tokens, 16, 0))
        return 1;
    bench_fill_batch(&s->bt, s->c.bert.vocab_size, 3);
    s->K = G * G;
    s->n = mlip_mask_visible_count(s->K, o->mask);
    s->img = (float *)mlip_alloc(npx * sizeof(float));
    s->out = (float *)mlip_alloc_zeroed((size_t)B * (s->K + 1) * W, sizeof(float));
    s->dout = (float *)mlip_alloc_zeroed((size_t)B * (s->K + 1) * W, sizeof(float));
    s->vis = (int *)mlip_alloc_zeroed((size_t)B * s->n, sizeof(int));
    if (!s->img || !s->out || !s->dout || !s->vis) return 1;
    for (i = 0; i < npx; i++) s->img[i] = s->bt.images[i] * 2 - 1;
    for (i = 0; i < (size_t)B * (s->K + 1) * W; i++) s->dout[i] = 1e-3f * (float)((int)(i % 7) - 3);
    return 0;
}

/* ViT forward + backward at mask 0 and rho, interleaved; then whole training steps. */
static int bench_train_run(bench_train_state *s, const bench_opts *o) {
    mlip_encoder *vit = mlip_model_vit(s->m);
    mlip_rng rng;
    int B = o->batch;
    int r;
    mlip_rng_seed(&rng, 5, 0);
    for (r = -1; r < o->reps; r++) { /* r = -1 warms up; then rho = 0 and rho alternate */
        double t0 = now_seconds();
        double t1;
        double t2;
        if (mlip_vit_forward(vit, s->img, B, NULL, 0, 1, s->out) || mlip_vit_backward(vit, s->dout))
            return 1;
        t1 = now_seconds();
        if (mlip_mask_draw(&rng, B, s->K, s->n, s->vis) ||
            mlip_vit_forward(vit, s->img, B, s->vis, s->n, 1, s->out) ||
            mlip_vit_backward(vit, s->dout))
            return 1;
        t2 = now_seconds();
        if (r < 0) continue;
        s->tv0[r] = (t1 - t0) * 1e3;
        s->tv1[r] = (t2 - t1) * 1e3;
    }
    for (r = -1; r < o->reps; r++) {
        double t0 = now_seconds();
        if (mlip_trainer_accumulate(s->tr, &s->bt, NULL, &rng, 1.0f, NULL) ||
            mlip_trainer_update(s->tr, NULL))
            return 1;
        if (r >= 0) s->ts[r] = (now_seconds() - t0) * 1e3;
    }
    return 0;
}

static void bench_train_report(bench_train_state *s, const char *cfg, const bench_opts *o) {
    int reps = o->reps;
    double v0;
    double v1;
    double step;
    qsort(s->tv0, (size_t)reps, sizeof(double), cmp_double);
    qsort(s->tv1, (size_t)reps, sizeof(double), cmp_double);
    qsort(s->ts, (size_t)reps, sizeof(double), cmp_double);
    v0 = s->tv0[reps / 2];
    v1 = s->tv1[reps / 2];
    step = s->ts[reps / 2];
    printf("config %s batch %d tokens %d threads %d kernel %s, medians of %d\n", cfg, o->batch,
           o->tokens, o->threads, mlip_gemm_kernel_name(), reps);
    printf("vit forward+backward: mask 0 (%d patches) %.2f ms, mask %.2f (%d patches) %.2f ms, "
           "ratio %.3f\n",
           s->K, v0, (double)o->mask, s->n, v1, v1 / v0);
    printf("training step (MLIP objective, AdamW): %.1f images/s\n", o->batch / (step * 1e-3));
    printf("ms: %.2f\n", step);
}

/* Training cost: (a) ViT forward + backward at mask ratio 0 and rho, interleaved, medians and
   their ratio; (b) one whole training step of the MLIP objective (forward, backward, AdamW). */
static int bench_train(const char *cfg, const bench_opts *opts) {
    bench_train_state s;
    bench_opts o = *opts;
    int rc = 1;
    memset(&s, 0, sizeof s);
    if (!strcmp(cfg, "tiny"))
        s.c = mlip_model_config_tiny(4096);
    else if (!strcmp(cfg, "small"))
        s.c = mlip_model_config_small(8192);
    else if (!strcmp(cfg, "base"))
        s.c = mlip_model_config_base();
    else {
        fprintf(stderr, "mlip bench: --train takes tiny, small or base\n");
        return 2;
    }
    if (o.tokens > s.c.bert.max_positions) o.tokens = s.c.bert.max_positions;
    if (!bench_train_setup(&s, &o) && !bench_train_run(&s, &o)) {
        bench_train_report(&s, cfg, &o);
        rc = 0;
    }
    if (rc) bench_error();
    bench_train_free(&s);
    mlip_shutdown();
    return rc;
}

/* C = A.B of M x K by K x N: best of reps runs, in GFLOPS. */
static int bench_gemm(int M, int N, int K, const bench_opts *o) {
    float *A = (float *)mlip_alloc_zeroed((size_t)M * K, sizeof(float));
    float *B = (float *)mlip_alloc_zeroed((size_t)K * N, sizeof(float));
    float *C = (float *)mlip_alloc_zeroed((size_t)M * N, sizeof(float));
    double best = 1e30;
    mlip_rng rng;
    size_t i;
    int r;
    if (!A || !B || !C) return bench_error();
    mlip_rng_seed(&rng, 1, 0);
    for (i = 0; i < (size_t)M * K; i++) A[i] = mlip_rng_uniform(&rng) - 0.5f;
    for (i = 0; i < (size_t)K * N; i++) B[i] = mlip_rng_uniform(&rng) - 0.5f;
    for (r = 0; r <= o->reps; r++) { /* run 0 warms up */
        double t0 = now_seconds();
        double t;
        if (mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N))
            return bench_error();
        t = now_seconds() - t0;
        if (r > 0 && t < best) best = t;
    }
    printf("sgemm %dx%dx%d kernel %s threads %d: %.1f GFLOPS (%.2f ms)\n", M, N, K,
           mlip_gemm_kernel_name(), o->threads, 2.0 * M * N * K / best * 1e-9, best * 1e3);
    mlip_free(A);
    mlip_free(B);
    mlip_free(C);
    mlip_shutdown();
    return 0;
}

static const char bench_usage[] =
    "usage: mlip bench [--threads T] [--kernel NAME] [--reps R] [M N K]\n"
    "       mlip bench --model vit-b16|vit-tiny|bert-base|bert-tiny [--batch B] "
    "[--tokens N]\n"
    "                  [--threads T] [--reps R]\n"
    "       mlip bench --train tiny|small|base [--batch B] [--tokens N] [--mask RHO]\n"
    "                  [--threads T] [--reps R]\n"
    "  The first form times C = A.B (default 1024^3) and prints GFLOPS (best of R runs);\n"
    "  tools/bench_gemm (make bench) compares with OpenBLAS side by side.\n"
    "  The second times the encoder's inference forward with random weights (BERT at N\n"
    "  tokens, default 128) and prints the median milliseconds per batch last: 'ms: X'.\n"
    "  The third times ViT forward+backward at mask 0 and RHO (default 0.5) and one "
    "training\n"
    "  step of the MLIP objective on a synthetic batch; 'ms: X' is the step's median.\n";

/* M N K when given: all three, each a positive integer. */
static int bench_sizes(const char **pos, int *mnk) {
    static const char *const names[3] = {"M", "N", "K"};
    int k;
    if (!pos[0]) return 0;
    if (!pos[2]) {
        fprintf(stderr, "mlip bench: the sizes are three numbers, M N K (see --help)\n");
        return 2;
    }
    for (k = 0; k < 3; k++)
        if (cli_int("bench", names[k], pos[k], 1, INT_MAX, &mnk[k])) return 2;
    return 0;
}

int cmd_bench_main(int argc, char **argv) {
    bench_opts o = {1, 5, 1, 128, 0.5f};
    const char *kernel = NULL;
    const char *model = NULL;
    const char *train = NULL;
    const char *pos[3] = {NULL, NULL, NULL};
    int mnk[3] = {1024, 1024, 1024};
    const cli_opt opts[] = {
        {"--threads", CLI_INT, &o.threads, 1, INT_MAX, NULL},
        {"--kernel", CLI_STR, &kernel, 0, 0, NULL},
        {"--reps", CLI_INT, &o.reps, 1, INT_MAX, NULL},
        {"--model", CLI_STR, &model, 0, 0, NULL},
        {"--train", CLI_STR, &train, 0, 0, NULL},
        {"--mask", CLI_FLOAT, &o.mask, 0, 1, NULL},
        {"--batch", CLI_INT, &o.batch, 1, INT_MAX, NULL},
        {"--tokens", CLI_INT, &o.tokens, 1, INT_MAX, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int rc = cli_parse("bench", bench_usage, argc, argv, opts, pos, 3);
    if (rc != CLI_GO) return rc;
    if (bench_sizes(pos, mnk)) return 2;
    if (kernel && mlip_gemm_set_kernel(kernel)) return bench_error();
    if (model) return bench_model(model, &o);
    if (train) return bench_train(train, &o);
    if (mlip_set_num_threads(o.threads)) return bench_error();
    return bench_gemm(mnk[0], mnk[1], mnk[2], &o);
}
