/* mlip: the command-line tool. Thin: parse arguments, call the library, print.
   Subcommands grow with the library; each has --help. */
#define _POSIX_C_SOURCE 200809L
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "synth.h"

static int has_help(int argc, char **argv) {
    int i;
    for (i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

static int cmd_version(int argc, char **argv) {
    if (has_help(argc, argv)) {
        printf("usage: mlip version\n  Print the library version and the GEMM kernels this CPU runs.\n");
        return 0;
    }
    {
        const char *names[8];
        int n = mlip_gemm_kernel_list(names, 8), i;
        printf("mlip.h %s\ngemm kernel: %s (available:", mlip_version(), mlip_gemm_kernel_name());
        for (i = 0; i < n && i < 8; i++) printf(" %s", names[i]);
        printf(")\n");
    }
    return 0;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Peak resident set of this process, in MiB. */
static double peak_rss_mib(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux reports KiB */
}

/* Time an encoder's inference forward with random weights: median of reps. */
static int bench_model(const char *model, int threads, int batch, int tokens, int reps) {
    mlip_encoder *enc = NULL;
    mlip_status st;
    int is_vit = !strncmp(model, "vit", 3), r, T = 0, i;
    size_t n_weights, in_count, out_count;
    float *in = NULL, *out = NULL;
    int *ids = NULL;
    double *t = (double *)calloc((size_t)reps + 1, sizeof(double)), rss0;
    mlip_rng rng;
    if (!strcmp(model, "vit-b16")) {
        mlip_vit_config c = mlip_vit_config_base();
        st = mlip_vit_create(&c, &enc);
    } else if (!strcmp(model, "vit-tiny")) {
        mlip_vit_config c = mlip_vit_config_tiny();
        st = mlip_vit_create(&c, &enc);
    } else if (!strcmp(model, "bert-base")) {
        mlip_bert_config c = mlip_bert_config_base();
        st = mlip_bert_create(&c, &enc);
    } else if (!strcmp(model, "bert-tiny")) {
        mlip_bert_config c = mlip_bert_config_tiny(4096);
        st = mlip_bert_create(&c, &enc);
    } else {
        fprintf(stderr, "mlip bench: unknown model '%s' (vit-b16, vit-tiny, bert-base, bert-tiny)\n", model);
        free(t);
        return 2;
    }
    if (st || mlip_set_num_threads(threads)) {
        fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
        free(t);
        return 1;
    }
    mlip_encoder_init_random(enc, 1);
    mlip_encoder_weights(enc, &n_weights);
    mlip_rng_seed(&rng, 2, 0);
    if (is_vit) {
        int S = enc->vit.image_size, P = enc->vit.patch_size;
        T = 1 + (S / P) * (S / P);
        in_count = (size_t)batch * enc->vit.channels * S * S;
        in = (float *)mlip_alloc(in_count * sizeof(float));
        if (in)
            for (i = 0; i < (int)in_count; i++) in[i] = mlip_rng_uniform(&rng);
    } else {
        T = tokens;
        ids = (int *)mlip_alloc((size_t)batch * T * sizeof(int));
        if (ids)
            for (i = 0; i < batch * T; i++) ids[i] = (int)mlip_rng_below(&rng, (uint32_t)enc->bert.vocab_size);
    }
    out_count = (size_t)batch * T * enc->width;
    out = (float *)mlip_alloc(out_count * sizeof(float));
    if (!out || (is_vit ? !in : !ids)) {
        fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
        return 1;
    }
    rss0 = peak_rss_mib();
    for (r = 0; r <= reps; r++) { /* run 0 warms up (and sizes the activation arena) */
        double t0 = now_seconds();
        st = is_vit ? mlip_vit_forward(enc, in, batch, NULL, 0, 0, out)
                    : mlip_bert_forward(enc, ids, NULL, NULL, batch, T, 0, out);
        if (st) {
            fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
            return 1;
        }
        t[r] = (now_seconds() - t0) * 1e3;
    }
    qsort(t + 1, (size_t)reps, sizeof(double), cmp_double);
    printf("model %s batch %d tokens %d threads %d kernel %s\n", model, batch, T, threads, mlip_gemm_kernel_name());
    printf("weights %.1f MiB, activations %.1f MiB, peak RSS %.1f MiB (%.1f before the first forward)\n",
           n_weights * 4.0 / 1048576.0, mlip_encoder_activation_bytes(enc, batch, T, 0) / 1048576.0, peak_rss_mib(), rss0);
    printf("ms: %.2f\n", t[1 + reps / 2]);
    mlip_encoder_free(enc);
    mlip_free(in), mlip_free(out), mlip_free(ids);
    free(t);
    mlip_shutdown();
    return 0;
}

/* A synthetic batch for timing: random pixels, reports of `tokens` ids in 4 sentences. */
static int bench_fill_batch(mlip_batch *bt, int vocab, uint64_t seed) {
    mlip_rng rng;
    size_t i, px = (size_t)bt->B * bt->channels * bt->image_size * bt->image_size;
    int b, t, l, T = bt->T;
    mlip_rng_seed(&rng, seed, 7);
    for (i = 0; i < px; i++) bt->images[i] = mlip_rng_uniform(&rng);
    for (b = 0; b < bt->B; b++) {
        for (t = 0; t < T; t++) bt->ids[b * T + t] = t == 0 ? 2 : t == T - 1 ? 3 : 5 + (int)mlip_rng_below(&rng, (uint32_t)(vocab - 5));
        for (t = 0; t < T; t++) bt->mask[b * T + t] = 1;
        bt->n_sentences[b] = 4;
        for (l = 0; l < 4; l++)
            bt->sent_begin[b * bt->max_sentences + l] = 1 + (T - 2) * l / 4, bt->sent_end[b * bt->max_sentences + l] = 1 + (T - 2) * (l + 1) / 4;
    }
    return 0;
}

/* Training cost: (a) ViT forward + backward at mask ratio 0 and rho, interleaved, medians and
   their ratio; (b) one whole training step of the MLIP objective (forward, backward, AdamW). */
static int bench_train(const char *cfg, int threads, int B, int tokens, float rho, int reps) {
    mlip_model_config c;
    mlip_model *m = NULL;
    mlip_trainer *tr = NULL;
    mlip_batch bt;
    mlip_encoder *vit;
    mlip_objective_config oc = mlip_objective_defaults();
    double *tv0 = (double *)calloc((size_t)reps, sizeof(double)), *tv1 = (double *)calloc((size_t)reps, sizeof(double));
    double *ts = (double *)calloc((size_t)reps, sizeof(double));
    float *img = NULL, *out = NULL, *dout = NULL;
    int *vis = NULL, K, n, r, W, rc = 1;
    size_t npx, i;
    mlip_rng rng;
    memset(&bt, 0, sizeof bt);
    if (!strcmp(cfg, "tiny")) c = mlip_model_config_tiny(4096);
    else if (!strcmp(cfg, "small")) c = mlip_model_config_small(8192);
    else if (!strcmp(cfg, "base")) c = mlip_model_config_base();
    else {
        fprintf(stderr, "mlip bench: --train takes tiny, small or base\n");
        return 2;
    }
    if (!tv0 || !tv1 || !ts || mlip_set_num_threads(threads) || mlip_model_create(&c, &m)) goto fail;
    mlip_model_init_random(m, 1);
    oc.mask_ratio = rho;
    if (mlip_trainer_create(m, &oc, NULL, 1, &tr)) goto fail;
    if (tokens > c.bert.max_positions) tokens = c.bert.max_positions;
    if (mlip_batch_alloc(&bt, B, c.vit.channels, c.vit.image_size, tokens, 16, 0)) goto fail;
    bench_fill_batch(&bt, c.bert.vocab_size, 3);
    vit = mlip_model_vit(m), W = c.vit.width;
    K = (c.vit.image_size / c.vit.patch_size) * (c.vit.image_size / c.vit.patch_size);
    n = mlip_mask_visible_count(K, rho);
    npx = (size_t)B * c.vit.channels * c.vit.image_size * c.vit.image_size;
    img = (float *)mlip_alloc(npx * sizeof(float));
    out = (float *)mlip_alloc_zeroed((size_t)B * (K + 1) * W, sizeof(float));
    dout = (float *)mlip_alloc_zeroed((size_t)B * (K + 1) * W, sizeof(float));
    vis = (int *)mlip_alloc_zeroed((size_t)B * n, sizeof(int));
    if (!img || !out || !dout || !vis) goto fail;
    for (i = 0; i < npx; i++) img[i] = bt.images[i] * 2 - 1;
    for (i = 0; i < (size_t)B * (K + 1) * W; i++) dout[i] = 1e-3f * (float)((int)(i % 7) - 3);
    mlip_rng_seed(&rng, 5, 0);
    for (r = -1; r < reps; r++) { /* r = -1 warms up; then rho = 0 and rho alternate */
        double t0 = now_seconds(), t1, t2;
        if (mlip_vit_forward(vit, img, B, NULL, 0, 1, out) || mlip_vit_backward(vit, dout)) goto fail;
        t1 = now_seconds();
        if (mlip_mask_draw(&rng, B, K, n, vis) || mlip_vit_forward(vit, img, B, vis, n, 1, out) || mlip_vit_backward(vit, dout))
            goto fail;
        t2 = now_seconds();
        if (r >= 0) tv0[r] = (t1 - t0) * 1e3, tv1[r] = (t2 - t1) * 1e3;
    }
    for (r = -1; r < reps; r++) {
        double t0 = now_seconds();
        if (mlip_trainer_accumulate(tr, &bt, NULL, &rng, 1.0f, NULL) || mlip_trainer_update(tr, NULL)) goto fail;
        if (r >= 0) ts[r] = (now_seconds() - t0) * 1e3;
    }
    qsort(tv0, (size_t)reps, sizeof(double), cmp_double);
    qsort(tv1, (size_t)reps, sizeof(double), cmp_double);
    qsort(ts, (size_t)reps, sizeof(double), cmp_double);
    printf("config %s batch %d tokens %d threads %d kernel %s, medians of %d\n", cfg, B, tokens, threads,
           mlip_gemm_kernel_name(), reps);
    printf("vit forward+backward: mask 0 (%d patches) %.2f ms, mask %.2f (%d patches) %.2f ms, ratio %.3f\n", K,
           tv0[reps / 2], (double)rho, n, tv1[reps / 2], tv1[reps / 2] / tv0[reps / 2]);
    printf("training step (MLIP objective, AdamW): %.1f images/s\n", B / (ts[reps / 2] * 1e-3));
    printf("ms: %.2f\n", ts[reps / 2]);
    rc = 0;
fail:
    if (rc) fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
    free(tv0), free(tv1), free(ts);
    mlip_free(img), mlip_free(out), mlip_free(dout), mlip_free(vis);
    mlip_batch_free(&bt);
    mlip_trainer_free(tr);
    mlip_model_free(m);
    mlip_shutdown();
    return rc;
}

static int cmd_bench(int argc, char **argv) {
    int M = 1024, N = 1024, K = 1024, threads = 1, reps = 5, batch = 1, tokens = 128, i, r;
    const char *kernel = NULL, *model = NULL, *train = NULL;
    float *A, *B, *C, mask = 0.5f;
    double best = 1e30;
    mlip_rng rng;
    if (has_help(argc, argv)) {
        printf("usage: mlip bench [--threads T] [--kernel NAME] [--reps R] [M N K]\n"
               "       mlip bench --model vit-b16|vit-tiny|bert-base|bert-tiny [--batch B] [--tokens N]\n"
               "                  [--threads T] [--reps R]\n"
               "       mlip bench --train tiny|small|base [--batch B] [--tokens N] [--mask RHO]\n"
               "                  [--threads T] [--reps R]\n"
               "  The first form times C = A.B (default 1024^3) and prints GFLOPS (best of R runs);\n"
               "  tools/bench_gemm (make bench) compares with OpenBLAS side by side.\n"
               "  The second times the encoder's inference forward with random weights (BERT at N\n"
               "  tokens, default 128) and prints the median milliseconds per batch last: 'ms: X'.\n"
               "  The third times ViT forward+backward at mask 0 and RHO (default 0.5) and one training\n"
               "  step of the MLIP objective on a synthetic batch; 'ms: X' is the step's median.\n");
        return 0;
    }
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) kernel = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "--train") && i + 1 < argc) train = argv[++i];
        else if (!strcmp(argv[i], "--mask") && i + 1 < argc) mask = (float)atof(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tokens") && i + 1 < argc) tokens = atoi(argv[++i]);
        else if (i + 2 < argc) {
            M = atoi(argv[i]), N = atoi(argv[i + 1]), K = atoi(argv[i + 2]);
            i += 2;
        } else {
            fprintf(stderr, "mlip bench: unexpected argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (M < 1 || N < 1 || K < 1 || reps < 1 || batch < 1 || tokens < 1) {
        fprintf(stderr, "mlip bench: sizes, --batch, --tokens and --reps must be positive\n");
        return 2;
    }
    if (kernel && mlip_gemm_set_kernel(kernel)) {
        fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
        return 1;
    }
    if (model) return bench_model(model, threads, batch, tokens, reps);
    if (train) return bench_train(train, threads, batch, tokens, mask, reps);
    if (mlip_set_num_threads(threads)) {
        fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
        return 1;
    }
    A = (float *)mlip_alloc_zeroed((size_t)M * K, sizeof(float));
    B = (float *)mlip_alloc_zeroed((size_t)K * N, sizeof(float));
    C = (float *)mlip_alloc_zeroed((size_t)M * N, sizeof(float));
    if (!A || !B || !C) {
        fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
        return 1;
    }
    mlip_rng_seed(&rng, 1, 0);
    for (i = 0; i < M * K; i++) A[i] = mlip_rng_uniform(&rng) - 0.5f;
    for (i = 0; i < K * N; i++) B[i] = mlip_rng_uniform(&rng) - 0.5f;
    for (r = 0; r <= reps; r++) { /* run 0 warms up */
        double t0 = now_seconds(), t;
        if (mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N)) {
            fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
            return 1;
        }
        t = now_seconds() - t0;
        if (r > 0 && t < best) best = t;
    }
    printf("sgemm %dx%dx%d kernel %s threads %d: %.1f GFLOPS (%.2f ms)\n", M, N, K,
           mlip_gemm_kernel_name(), threads, 2.0 * M * N * K / best * 1e-9, best * 1e3);
    mlip_free(A), mlip_free(B), mlip_free(C);
    mlip_shutdown();
    return 0;
}

/* One line of stdin without its '\n' into a growing buffer; returns 0 at end of input. */
static int read_line(char **buf, size_t *cap, size_t *len) {
    int c;
    *len = 0;
    while ((c = getchar()) != EOF && c != '\n') {
        if (*len + 1 >= *cap) {
            size_t ncap = *cap ? *cap * 2 : 4096;
            char *nb = (char *)realloc(*buf, ncap);
            if (!nb) return 0;
            *buf = nb, *cap = ncap;
        }
        (*buf)[(*len)++] = (char)c;
    }
    return c != EOF || *len > 0;
}

static int cmd_tokenize(int argc, char **argv) {
    const char *vocab = NULL;
    int cased = 0, max_len = 0, sentences = 0, i, status = 0;
    mlip_tokenizer *tok = NULL;
    char *line = NULL;
    size_t cap = 0, len = 0;
    int *ids = NULL, ids_cap = 0;
    if (has_help(argc, argv)) {
        printf("usage: mlip tokenize --vocab FILE [--cased] [--max-len N] < text\n"
               "  For every line of stdin print its BERT WordPiece ids, [CLS] and [SEP] included,\n"
               "  separated by spaces (HF BertTokenizer semantics; uncased unless --cased).\n"
               "  --max-len N truncates to N ids ([SEP] kept) and pads with [PAD] to N.\n"
               "  --sentences appends a tab and the sentence spans over those ids, BEGIN-END\n"
               "  (END exclusive), at most 16, separated by spaces.\n");
        return 0;
    }
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--vocab") && i + 1 < argc) vocab = argv[++i];
        else if (!strcmp(argv[i], "--cased")) cased = 1;
        else if (!strcmp(argv[i], "--sentences")) sentences = 1;
        else if (!strcmp(argv[i], "--max-len") && i + 1 < argc) max_len = atoi(argv[++i]);
        else {
            fprintf(stderr, "mlip tokenize: unexpected argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (!vocab || (max_len != 0 && max_len < 2)) {
        fprintf(stderr, "mlip tokenize: --vocab FILE is required and --max-len must be >= 2 (see --help)\n");
        return 2;
    }
    if (mlip_tokenizer_load_vocab(vocab, !cased, &tok)) {
        fprintf(stderr, "mlip tokenize: %s\n", mlip_last_error());
        return 1;
    }
    while (read_line(&line, &cap, &len)) {
        int n = 0, want;
        if (max_len > 0) want = max_len;
        else if (mlip_tokenizer_tokenize(tok, line, len, NULL, 0, &n) || n > 0x7FFFFFF0) {
            fprintf(stderr, "mlip tokenize: %s\n", mlip_last_error());
            status = 1;
            break;
        } else want = n + 2;
        if (want > ids_cap) {
            int *nb = (int *)realloc(ids, (size_t)want * sizeof(int));
            if (!nb) {
                fprintf(stderr, "mlip tokenize: out of memory\n");
                status = 1;
                break;
            }
            ids = nb, ids_cap = want;
        }
        if (mlip_tokenizer_encode(tok, line, len, want, ids, NULL, &n)) {
            fprintf(stderr, "mlip tokenize: %s\n", mlip_last_error());
            status = 1;
            break;
        }
        for (i = 0; i < want; i++) printf(i ? " %d" : "%d", ids[i]);
        if (sentences) {
            int b[MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES], e[MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES], ns = 0;
            if (mlip_tokenizer_sentences(tok, line, len, want, 0, b, e, &ns)) {
                fprintf(stderr, "mlip tokenize: %s\n", mlip_last_error());
                status = 1;
                break;
            }
            putchar('\t');
            for (i = 0; i < ns; i++) printf(i ? " %d-%d" : "%d-%d", b[i], e[i]);
        }
        putchar('\n');
    }
    free(line), free(ids);
    mlip_tokenizer_free(tok);
    return status;
}

static int cmd_vocab(int argc, char **argv) {
    const char *out = NULL;
    int size = 0, min_freq = 2, cased = 0, i;
    char *corpus = NULL;
    size_t len = 0, cap = 0, got;
    if (has_help(argc, argv)) {
        printf("usage: mlip vocab --size N --out FILE [--min-frequency F] [--cased] < corpus.txt\n"
               "  Learn a WordPiece vocabulary of at most N entries from the text on stdin\n"
               "  (HF WordPieceTrainer procedure: most frequent pair merges over ## pieces;\n"
               "  [PAD] [UNK] [CLS] [SEP] [MASK] first, then the alphabet, then merges).\n"
               "  Pairs seen fewer than F times (default 2) are never merged. Deterministic.\n");
        return 0;
    }
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 1 < argc) size = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--min-frequency") && i + 1 < argc) min_freq = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cased")) cased = 1;
        else {
            fprintf(stderr, "mlip vocab: unexpected argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (!out || size < 5) {
        fprintf(stderr, "mlip vocab: --out FILE and --size N (>= 5) are required (see --help)\n");
        return 2;
    }
    do { /* all of stdin */
        if (len == cap) {
            char *nb = (char *)realloc(corpus, cap ? cap * 2 : 1 << 20);
            if (!nb) {
                fprintf(stderr, "mlip vocab: out of memory\n");
                free(corpus);
                return 1;
            }
            corpus = nb, cap = cap ? cap * 2 : 1 << 20;
        }
        got = fread(corpus + len, 1, cap - len, stdin);
        len += got;
    } while (got > 0);
    {
        double t0 = now_seconds();
        if (mlip_vocab_train(corpus, len, size, min_freq, !cased, out)) {
            fprintf(stderr, "mlip vocab: %s\n", mlip_last_error());
            free(corpus);
            return 1;
        }
        fprintf(stderr, "mlip vocab: %lu bytes of text -> %s in %.2f s\n", (unsigned long)len, out, now_seconds() - t0);
    }
    free(corpus);
    return 0;
}

/* Raw little-endian float32 whatever the host's byte order; converted in blocks. */
static int write_f32le(FILE *f, const float *x, size_t n) {
    unsigned char b[4096];
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        b[k++] = (unsigned char)u, b[k++] = (unsigned char)(u >> 8);
        b[k++] = (unsigned char)(u >> 16), b[k++] = (unsigned char)(u >> 24);
        if (k == sizeof b || i + 1 == n) {
            if (fwrite(b, 1, k, f) != k) return 0;
            k = 0;
        }
    }
    return 1;
}

static int cmd_decode(int argc, char **argv) {
    const char *in = NULL, *outp = NULL;
    mlip_image_options opt;
    mlip_image im;
    FILE *f;
    int i;
    if (has_help(argc, argv)) {
        printf("usage: mlip decode FILE --out OUT.f32 [--frame N]\n"
               "  Decode a PGM/PPM, PNG or DICOM file (format from its magic bytes) and write\n"
               "  its pixels as raw little-endian float32: channels planar (C,H,W), rows\n"
               "  row-major. DICOM values are after Rescale Slope/Intercept, before any\n"
               "  windowing; --frame picks a frame of a multi-frame file (default 0).\n"
               "  Prints details, then WIDTHxHEIGHT as the last line.\n");
        return 0;
    }
    memset(&opt, 0, sizeof opt);
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc) outp = argv[++i];
        else if (!strcmp(argv[i], "--frame") && i + 1 < argc) opt.frame = atoi(argv[++i]);
        else if (!in && argv[i][0] != '-') in = argv[i];
        else {
            fprintf(stderr, "mlip decode: unexpected argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
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
    printf("%s: %s, %d channel%s, %d bits, frame %d of %d%s%s\n", in,
           im.format == MLIP_IMAGE_PNG ? "PNG" : im.format == MLIP_IMAGE_DICOM ? "DICOM" : "PNM",
           im.channels, im.channels == 1 ? "" : "s", im.bits, im.frame, im.frames,
           im.transfer_syntax[0] ? ", transfer syntax " : "", im.transfer_syntax);
    printf("%dx%d\n", im.width, im.height);
    mlip_image_free(&im);
    return 0;
}

/* ---- convert / info (section 12) ---- */
static int is_mlip_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char magic[4] = {0};
    int yes;
    if (!f) return 0;
    yes = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "MLIP", 4);
    fclose(f);
    return yes;
}
static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* A .mlip (by its magic) or a safetensors file (anything else). */
static mlip_status load_any(const char *path, const mlip_model_config *config, int allow_missing, mlip_model **out) {
    if (is_mlip_file(path)) return mlip_model_load_file(path, out);
    return mlip_model_load_safetensors(path, config, allow_missing, out);
}

static int cmd_convert(int argc, char **argv) {
    const char *in = NULL, *out = NULL, *cfg = "auto", *vocab = NULL, *dtype_name = "f32";
    int allow_missing = 0, cased = -1, i, n_meta = 0;
    const char *meta[32];
    mlip_model_config c;
    mlip_model *m = NULL;
    mlip_dtype dtype = MLIP_DTYPE_F32;
    mlip_status st;
    if (has_help(argc, argv)) {
        printf("usage: mlip convert IN OUT [--config tiny|small|base|auto] [--vocab vocab.txt] [--cased]\n"
               "                    [--dtype f32|f16|bf16|int8] [--allow-missing] [--meta KEY=VALUE]...\n"
               "  IN is a .mlip file (by its magic) or a safetensors file; OUT ending in .safetensors is\n"
               "  written as safetensors (f32, config and vocabulary in __metadata__), otherwise as .mlip.\n"
               "  safetensors names: HF ViTModel (\"vit.\"), BertModel (\"bert.\"), the PyTorch twin and\n"
               "  .mlip names (\"vision.\", \"text.\", head.*, logit_scale, sie.*); pooler weights skipped.\n"
               "  --config auto (default) infers sizes from the shapes and heads / eps from __metadata__\n"
               "  or a named config of the same shape; a named config takes the vocabulary size from the\n"
               "  word embeddings. --vocab stores a vocab.txt (uncased unless --cased). --dtype stores\n"
               "  matrices as f16, bf16 or int8 (per-row scales). --allow-missing keeps random weights\n"
               "  for tensors the input lacks (e.g. only a ViTModel). --meta adds free-form metadata.\n");
        return 0;
    }
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc) cfg = argv[++i];
        else if (!strcmp(argv[i], "--vocab") && i + 1 < argc) vocab = argv[++i];
        else if (!strcmp(argv[i], "--dtype") && i + 1 < argc) dtype_name = argv[++i];
        else if (!strcmp(argv[i], "--meta") && i + 1 < argc && n_meta < 32) meta[n_meta++] = argv[++i];
        else if (!strcmp(argv[i], "--cased")) cased = 1;
        else if (!strcmp(argv[i], "--allow-missing")) allow_missing = 1;
        else if (argv[i][0] != '-' && !in) in = argv[i];
        else if (argv[i][0] != '-' && !out) out = argv[i];
        else {
            fprintf(stderr, "mlip convert: unexpected argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    for (i = 0; i < 4 && strcmp(dtype_name, mlip_format_dtype_name((mlip_dtype)i)); i++) {}
    if (!in || !out || i == 4) {
        fprintf(stderr, "mlip convert: IN and OUT are required, --dtype is f32, f16, bf16 or int8 (see --help)\n");
        return 2;
    }
    dtype = (mlip_dtype)i;
    if (!strcmp(cfg, "tiny")) c = mlip_model_config_tiny(0);
    else if (!strcmp(cfg, "small")) c = mlip_model_config_small(0);
    else if (!strcmp(cfg, "base")) c = mlip_model_config_base(), c.bert.vocab_size = 0;
    else if (strcmp(cfg, "auto")) {
        fprintf(stderr, "mlip convert: --config is tiny, small, base or auto\n");
        return 2;
    }
    st = load_any(in, strcmp(cfg, "auto") ? &c : NULL, allow_missing, &m);
    if (!st && vocab) {
        mlip_tokenizer *tok = NULL;
        mlip_model_config *mc = (mlip_model_config *)mlip_model_get_config(m);
        if (cased >= 0) mc->lowercase = !cased;
        st = mlip_tokenizer_load_vocab(vocab, mc->lowercase, &tok);
        if (!st) st = mlip_model_set_vocab(m, tok);
        mlip_tokenizer_free(tok);
    }
    for (i = 0; !st && i < n_meta; i++) {
        char key[256];
        const char *eq = strchr(meta[i], '=');
        if (!eq || eq == meta[i] || eq - meta[i] > 255) {
            fprintf(stderr, "mlip convert: --meta wants KEY=VALUE\n");
            mlip_model_free(m);
            return 2;
        }
        memcpy(key, meta[i], (size_t)(eq - meta[i])), key[eq - meta[i]] = '\0';
        st = mlip_model_set_meta(m, key, eq + 1);
    }
    if (!st) st = ends_with(out, ".safetensors") ? mlip_model_export_safetensors(m, out) : mlip_model_save_as(m, out, dtype);
    if (st) {
        fprintf(stderr, "mlip convert: %s\n", mlip_last_error());
        mlip_model_free(m);
        return 1;
    }
    printf("mlip convert: %s -> %s (%d tensors%s)\n", in, out, mlip_model_tensor_count(m),
           ends_with(out, ".safetensors") ? ", f32" : "");
    mlip_model_free(m);
    return 0;
}

static int cmd_info(int argc, char **argv) {
    mlip_model *m = NULL;
    const mlip_model_config *c;
    int i, n, ch;
    double total = 0, bytes = 0;
    const char *key, *val;
    if (has_help(argc, argv) || argc != 1) {
        printf("usage: mlip info FILE\n"
               "  Print a .mlip or safetensors model: its config, metadata, vocabulary size, every\n"
               "  tensor (name, stored dtype, shape, bytes) and the totals.\n");
        return has_help(argc, argv) ? 0 : 2;
    }
    if (load_any(argv[0], NULL, 0, &m)) {
        fprintf(stderr, "mlip info: %s\n", mlip_last_error());
        return 1;
    }
    c = mlip_model_get_config(m);
    printf("file %s%s\n", argv[0], mlip_model_is_mapped(m) ? " (mapped, zero-copy)" : "");
    printf("vit   image %d, patch %d, channels %d, width %d, layers %d, heads %d, mlp %d, ln_eps %g\n", c->vit.image_size,
           c->vit.patch_size, c->vit.channels, c->vit.width, c->vit.layers, c->vit.heads, c->vit.mlp_dim, (double)c->vit.ln_eps);
    printf("bert  vocab %d, positions %d, types %d, width %d, layers %d, heads %d, mlp %d, ln_eps %g\n", c->bert.vocab_size,
           c->bert.max_positions, c->bert.type_vocab_size, c->bert.width, c->bert.layers, c->bert.heads, c->bert.mlp_dim,
           (double)c->bert.ln_eps);
    printf("heads embed_dim %d\nimage mean", c->embed_dim);
    for (ch = 0; ch < c->vit.channels; ch++) printf(" %g", (double)c->image_mean[ch]);
    printf(", std");
    for (ch = 0; ch < c->vit.channels; ch++) printf(" %g", (double)c->image_std[ch]);
    {
        mlip_tokenizer *tok = NULL;
        if (mlip_model_tokenizer(m, &tok) == MLIP_OK) printf("\ntokenizer %d tokens, %s\n", mlip_tokenizer_vocab_size(tok), c->lowercase ? "uncased" : "cased");
        else printf("\ntokenizer none stored (%s)\n", c->lowercase ? "uncased" : "cased");
        mlip_tokenizer_free(tok);
    }
    for (i = 0; (val = mlip_model_meta_at(m, i, &key)) != NULL; i++) printf("meta  %s = %s\n", key, val);
    n = mlip_model_tensor_count(m);
    printf("tensors %d\n", n);
    for (i = 0; i < n; i++) {
        mlip_param_info p;
        mlip_dtype dt;
        double b;
        int d;
        char shape[64] = "";
        mlip_model_tensor_info(m, i, &p, &dt);
        for (d = 0; d < p.ndim; d++) snprintf(shape + strlen(shape), sizeof shape - strlen(shape), d ? ", %d" : "%d", p.shape[d]);
        b = dt == MLIP_DTYPE_F32 ? 4.0 * p.count : dt == MLIP_DTYPE_INT8 ? (double)p.count + 4.0 * (p.ndim ? (double)p.count / p.shape[p.ndim - 1] : 1) : 2.0 * p.count;
        printf("  %-58s %-5s (%s) %.0f bytes\n", p.name, mlip_format_dtype_name(dt), shape, b);
        total += (double)p.count, bytes += b;
    }
    printf("total %.0f parameters, %.0f bytes of tensor data (%.2f MiB)\n", total, bytes, bytes / 1048576.0);
    mlip_model_free(m);
    return 0;
}

#include "train.h"
#include "eval.h"

static void usage(FILE *f) {
    fprintf(f, "usage: mlip <command> [options]   (mlip <command> --help for details)\n"
               "commands:\n"
               "  version   library version and GEMM kernels\n"
               "  bench     time the GEMM or an encoder (ViT-B/16, BERT-base) on this machine\n"
               "  tokenize  text lines -> BERT WordPiece ids\n"
               "  vocab     learn a WordPiece vocabulary from a corpus\n"
               "  decode    decode a PGM/PPM, PNG or DICOM image to raw float32\n"

               "  convert   safetensors <-> .mlip, and .mlip to f16 / bf16 / int8\n"
               "  info      config, tensors and sizes of a .mlip or safetensors model\n"
               "  synth     synthetic chest radiographs + masks + reports (a benchmark)\n"
               "  train     pre-train a model with the MLIP objective on image-report pairs\n"
               "  eval      zero-shot AUROC, linear probe, few-shot segmentation of a model on a TSV\n"
               "  explain   heat maps of where each sentence of a report lies in an image (PNG)\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "version")) return cmd_version(argc - 2, argv + 2);
    if (!strcmp(argv[1], "bench")) return cmd_bench(argc - 2, argv + 2);
    if (!strcmp(argv[1], "tokenize")) return cmd_tokenize(argc - 2, argv + 2);
    if (!strcmp(argv[1], "vocab")) return cmd_vocab(argc - 2, argv + 2);
    if (!strcmp(argv[1], "decode")) return cmd_decode(argc - 2, argv + 2);
    if (!strcmp(argv[1], "convert")) return cmd_convert(argc - 2, argv + 2);
    if (!strcmp(argv[1], "info")) return cmd_info(argc - 2, argv + 2);
    if (!strcmp(argv[1], "synth")) return cmd_synth(argc - 2, argv + 2);
    if (!strcmp(argv[1], "train")) return cmd_train(argc - 2, argv + 2);
    if (!strcmp(argv[1], "eval")) return cmd_eval(argc - 2, argv + 2);
    if (!strcmp(argv[1], "explain")) return cmd_explain(argc - 2, argv + 2);
    fprintf(stderr, "mlip: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
