/* Reliability: allocation failure at every allocation site (tests/oom_tu.c), NaN/Inf
   refused where data enter the library, bitwise-deterministic inference, and inference with
   no heap at all (tests/noheap_tu.c, sized by the measuring mode). */
#include "infer_common.h"

/* ---- out of memory at every site of every public operation ---- */
int oom_tu_run_all(int *n_ops, long *total_sites);
static void test_oom_every_site(void) {
    int n_ops = 0;
    long sites = 0;
    int bad = oom_tu_run_all(&n_ops, &sites);
    CHECK_MSG(bad == 0, "%d operations mishandled an allocation failure (see above)", bad);
    CHECK_MSG(n_ops >= 35, "only %d operations ran", n_ops);
    printf("    %d operations, %ld allocation sites, each failing in turn: OUT_OF_MEMORY, no leak, "
           "no file\n",
           n_ops, sites);
}

/* ---- NaN/Inf at the boundary ---- */
static void test_nonfinite_inputs(void) {
    mlip_model_config c = fmt_small_config();
    mlip_encoder *vit = NULL;
    float img[2 * 8 * 8], out[2 * 5 * 8], pre[8 * 8];
    mlip_image im;
    int k;
    CHECK_OK(mlip_vit_create(&c.vit, &vit));
    if (!vit) return;
    mlip_encoder_init_random(vit, 1);
    mt_fill_uniform(img, 128, 0, 1, 4);
    CHECK_OK(mlip_vit_forward(vit, img, 2, NULL, 0, 0, out));
    for (k = 0; k < 2; k++) {
        int at = k ? 127 : 70; /* the last pixel of the batch; one in the second image */
        float saved = img[at];
        char want[32];
        img[at] = k ? INFINITY : NAN;
        CHECK_FAILS(mlip_vit_forward(vit, img, 2, NULL, 0, 0, out), MLIP_ERR_NUMERIC);
        snprintf(want, sizeof want, "element %d is %s", at, k ? "Inf" : "NaN");
        CHECK_MSG(strstr(mlip_last_error(), want) && strstr(mlip_last_error(), "img"),
                  "message: %s", mlip_last_error());
        /* a masked forward reads only some patches, but the whole input is still checked */
        {
            static const int visible[2] = {0, 1};
            CHECK_FAILS(mlip_vit_forward(vit, img, 2, visible, 1, 0, out), MLIP_ERR_NUMERIC);
        }
        img[at] = saved;
    }
    mlip_encoder_free(vit);
    /* preprocessing a decoded image with a NaN sample */
    memset(&im, 0, sizeof im);
    im.width = 4;
    im.height = 3;
    im.channels = 1;
    im.max_value = 1;
    im.format = MLIP_IMAGE_PNM;
    im.frames = 1;
    im.pixels = mt_alloc(12);
    mt_fill_uniform(im.pixels, 12, 0, 1, 5);
    CHECK_OK(mlip_image_preprocess(&im, NULL, pre, 8, 1));
    im.pixels[7] = -INFINITY;
    CHECK_FAILS(mlip_image_preprocess(&im, NULL, pre, 8, 1), MLIP_ERR_NUMERIC);
    CHECK_MSG(strstr(mlip_last_error(), "element 7 is Inf"), "message: %s", mlip_last_error());
    free(im.pixels);
}

static unsigned char *rel_aligned_copy(const void *src, size_t n, void **raw) {
    unsigned char *p;
    *raw = malloc(n + 64);
    if (!*raw) return NULL;
    p = (unsigned char *)*raw + (64 - (uintptr_t)*raw % 64) % 64;
    memcpy(p, src, n);
    return p;
}

/* Weights: a NaN or Inf in any tensor of a file is refused at load, naming the tensor. */
static void test_nonfinite_weights(void) {
    static const struct {
        const char *tensor;
        size_t at;
        float value;
        mlip_dtype dtype;
    } cases[] = {
        {"text.encoder.layer.0.output.dense.weight", 3, NAN, MLIP_DTYPE_F32},
        {"vision.embeddings.cls_token", 0, INFINITY, MLIP_DTYPE_F32},
        {"head.local_text.bias", 1, -INFINITY, MLIP_DTYPE_F16},
        {"vision.encoder.layer.0.attention.attention.query.weight", 9, NAN, MLIP_DTYPE_INT8},
        {"logit_scale", 0, NAN, MLIP_DTYPE_BF16},
    };
    int k;
    for (k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        mlip_model_config c = fmt_small_config();
        mlip_model *m = NULL, *back = NULL;
        float *w;
        size_t count = 0, len = 0;
        void *buf = NULL, *raw = NULL;
        unsigned char *aligned;
        int copy;
        CHECK_OK(mlip_model_create(&c, &m));
        if (!m) return;
        mlip_model_init_random(m, 2);
        w = mlip_model_tensor(m, cases[k].tensor, &count);
        CHECK_MSG(w && count > cases[k].at, "no tensor %s", cases[k].tensor);
        if (!w || count <= cases[k].at) {
            mlip_model_free(m);
            continue;
        }
        w[cases[k].at] = cases[k].value;
        if (cases[k].dtype == MLIP_DTYPE_INT8) { /* int8 cannot even store it: refused at save */
            CHECK_FAILS(mlip_model_save_memory(m, cases[k].dtype, &buf, &len), MLIP_ERR_NUMERIC);
            CHECK_MSG(strstr(mlip_last_error(), cases[k].tensor), "message: %s", mlip_last_error());
            mlip_model_free(m);
            continue;
        }
        CHECK_OK(mlip_model_save_memory(m, cases[k].dtype, &buf, &len));
        aligned = buf ? rel_aligned_copy(buf, len, &raw) : NULL;
        for (copy = 0; aligned && copy < 2; copy++) {
            CHECK_FAILS(mlip_model_load_memory(aligned, len, copy, &back), MLIP_ERR_NUMERIC);
            CHECK(back == NULL);
            CHECK_MSG(strstr(mlip_last_error(), cases[k].tensor), "message: %s", mlip_last_error());
        }
        CHECK_OK(mlip_model_save_as(m, "build/test_nonfinite.mlip", cases[k].dtype));
        CHECK_FAILS(mlip_model_load_file("build/test_nonfinite.mlip", &back), MLIP_ERR_NUMERIC);
        CHECK_MSG(strstr(mlip_last_error(), cases[k].tensor), "message: %s", mlip_last_error());
        remove("build/test_nonfinite.mlip");
        mlip_free(buf);
        free(raw);
        buf = NULL;
        CHECK_OK(mlip_model_export_safetensors_memory(m, &buf, &len));
        if (buf)
            CHECK_FAILS(mlip_model_import_safetensors(buf, len, NULL, 0, &back), MLIP_ERR_NUMERIC);
        CHECK_MSG(strstr(mlip_last_error(), cases[k].tensor), "message: %s", mlip_last_error());
        CHECK(back == NULL);
        mlip_free(buf);
        mlip_model_free(m);
    }
}

/* ---- bitwise determinism of inference ----
   Same build, same thread count: bit-identical ViT and BERT outputs on every run. Across
   thread counts (1, 2, 3) the outputs are bit-identical too: the GEMM splits the output, never
   the depth, and every other kernel splits rows, so each sum runs in the same order (measured
   max difference 0). Across GEMM kernels the accumulation order and the FMA differ: on the
   tiny ViT and BERT (4 x 128, outputs LayerNorm'ed to unit scale) avx512 and avx2 agree to the
   bit, scalar differs by at most 2.2e-6 (ViT) and 9.5e-7 (BERT) absolute (x86-64, gcc -O3 and
   -O1, measured). The test allows REL_KERNEL_TOL, 45x the worst measured. */
#define REL_KERNEL_TOL 1e-4

typedef struct rel_outputs {
    float *vit, *bert;
    size_t n_vit, n_bert;
} rel_outputs;

static int rel_run_encoders(mlip_encoder *vit, mlip_encoder *bert, const float *img, const int *ids,
                            const uint8_t *mask, rel_outputs *o) {
    return mlip_vit_forward(vit, img, 2, NULL, 0, 0, o->vit) == MLIP_OK &&
           mlip_bert_forward(bert, ids, NULL, mask, 2, 24, 0, o->bert) == MLIP_OK;
}

static double rel_max_abs(const float *a, const float *b, size_t n) {
    double d = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]);
        if (e > d || e != e) d = e != e ? INFINITY : e;
    }
    return d;
}

static void test_deterministic_inference(void) {
    mlip_vit_config vc = mlip_vit_config_tiny();
    mlip_bert_config bc = mlip_bert_config_tiny(300);
    mlip_encoder *vit = NULL, *bert = NULL;
    rel_outputs ref, cur;
    float *img;
    int ids[2 * 24], i, run, threads, k, n_kernels;
    uint8_t mask[2 * 24];
    const char *names[8];
    mlip_rng rng;
    int threads0 = mlip_get_num_threads();
    CHECK_OK(mlip_vit_create(&vc, &vit));
    CHECK_OK(mlip_bert_create(&bc, &bert));
    if (!vit || !bert) goto done;
    mlip_encoder_init_random(vit, 11);
    mlip_encoder_init_random(bert, 12);
    img = mt_alloc((size_t)2 * vc.image_size * vc.image_size);
    mt_fill_uniform(img, (size_t)2 * vc.image_size * vc.image_size, -1, 1, 13);
    mlip_rng_seed(&rng, 14, 1);
    for (i = 0; i < 2 * 24; i++)
        ids[i] = (int)mlip_rng_below(&rng, 300), mask[i] = (uint8_t)(i < 24 || i < 24 + 17);
    ref.n_vit = cur.n_vit = (size_t)2 * (1 + 64) * vc.width;
    ref.n_bert = cur.n_bert = (size_t)2 * 24 * bc.width;
    ref.vit = mt_alloc(ref.n_vit);
    ref.bert = mt_alloc(ref.n_bert);
    cur.vit = mt_alloc(cur.n_vit);
    cur.bert = mt_alloc(cur.n_bert);
    mt_set_threads(2);
    CHECK(rel_run_encoders(vit, bert, img, ids, mask, &ref));
    for (run = 0; run < 3; run++) { /* same build, same threads: the same bits */
        CHECK(rel_run_encoders(vit, bert, img, ids, mask, &cur));
        CHECK_MSG(!memcmp(ref.vit, cur.vit, ref.n_vit * sizeof(float)),
                  "ViT run %d differs from run 0", run + 1);
        CHECK_MSG(!memcmp(ref.bert, cur.bert, ref.n_bert * sizeof(float)),
                  "BERT run %d differs from run 0", run + 1);
    }
    for (threads = 1; threads <= 3; threads += 2) { /* 1 and 3 threads against 2 */
        mt_set_threads(threads);
        CHECK(rel_run_encoders(vit, bert, img, ids, mask, &cur));
        printf("    threads %d vs 2: max |diff| ViT %.3g, BERT %.3g\n", threads,
               rel_max_abs(cur.vit, ref.vit, ref.n_vit),
               rel_max_abs(cur.bert, ref.bert, ref.n_bert));
        CHECK_MSG(!memcmp(ref.vit, cur.vit, ref.n_vit * sizeof(float)) &&
                      !memcmp(ref.bert, cur.bert, ref.n_bert * sizeof(float)),
                  "%d threads do not give the bits of 2 threads", threads);
    }
    mt_set_threads(2);
    n_kernels = mlip_gemm_kernel_list(names, 8);
    for (k = 0; k < n_kernels && k < 8; k++) { /* every GEMM kernel against the automatic one */
        double dv, db;
        CHECK_OK(mlip_gemm_set_kernel(names[k]));
        CHECK(rel_run_encoders(vit, bert, img, ids, mask, &cur));
        dv = rel_max_abs(cur.vit, ref.vit, ref.n_vit);
        db = rel_max_abs(cur.bert, ref.bert, ref.n_bert);
        printf("    kernel %-7s vs automatic: max |diff| ViT %.3g, BERT %.3g\n", names[k], dv, db);
        CHECK_MSG(dv <= REL_KERNEL_TOL && db <= REL_KERNEL_TOL, "kernel %s: ViT %g, BERT %g > %g",
                  names[k], dv, db, REL_KERNEL_TOL);
    }
    CHECK_OK(mlip_gemm_set_kernel(NULL));
    mt_set_threads(threads0); /* a build without the pool: uninstall the serial scheduler */
    free(img);
    free(ref.vit);
    free(ref.bert);
    free(cur.vit);
    free(cur.bert);
done:
    mlip_encoder_free(vit);
    mlip_encoder_free(bert);
}

/* ---- inference without a heap ---- */
mlip_status noheap_tu_infer(void *buffer, size_t bytes, int n_threads, const void *model_bytes,
                            size_t model_len, const void *image_bytes, size_t image_len,
                            const char *const *prompts, int n_prompts, float *scores,
                            size_t *in_use);
const char *noheap_tu_last_error(void);

static void test_noheap_inference(void) {
    static const char vocab[] =
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nno\nacute\ncardiopulmonary\nprocess\n.\n"
        "pleural\neffusion\nheart\nis\nnormal\nsize\n##s\nlung\nclear\n";
    static const char *const prompts[3] = {"No acute cardiopulmonary process.", "Pleural effusion.",
                                           "Heart size is normal. Lungs clear."};
    mlip_model_config c = mlip_model_config_tiny(19);
    mlip_model *m = NULL;
    mlip_tokenizer *tok = NULL;
    void *saved = NULL, *model_raw = NULL, *arena_raw = NULL;
    unsigned char *model = NULL, *image = NULL, *arena;
    size_t model_len = 0, image_len = 0, need = 0, in_use = 1;
    float ref[3], got[3];
    mlip_status st;
    int threads = mlip_get_num_threads();
    /* a tiny model with its vocabulary, as bytes (the normal heap) */
    CHECK_OK(mlip_model_create(&c, &m));
    if (!m) return;
    mlip_model_init_random(m, 21);
    CHECK_OK(mlip_tokenizer_from_memory(vocab, sizeof vocab - 1, 1, &tok));
    CHECK_OK(mlip_model_set_vocab(m, tok));
    CHECK_OK(mlip_model_save_memory(m, MLIP_DTYPE_F32, &saved, &model_len));
    mlip_tokenizer_free(tok);
    mlip_model_free(m);
    if (saved) model = rel_aligned_copy(saved, model_len, &model_raw);
    mlip_free(saved);
    fmt_read("tests/data/png/c0d08n.png", &image, &image_len);
    CHECK_MSG(model && image_len, "no model bytes or no tests/data/png/c0d08n.png");
    if (!model || !image_len) goto done;
    /* 1. measure on the heap: the exact arena the same calls need */
    CHECK_OK(mlip_measure_memory_begin());
    st = infer_run(model, model_len, image, image_len, prompts, 3, ref);
    CHECK_OK(mlip_measure_memory_end(&need));
    CHECK_OK(st);
    CHECK_FAILS(mlip_measure_memory_end(&need), MLIP_ERR_INVALID_ARG); /* not measuring */
    printf("    zero-shot inference of the tiny model: arena of %lu bytes (model %lu bytes, used "
           "in place)\n",
           (unsigned long)need, (unsigned long)model_len);
    CHECK(need > 0);
    /* 2. the same in the no-heap copy: the arena just that big; everything freed at the end */
    arena_raw = malloc(need + 64);
    if (!arena_raw) goto done;
    arena = (unsigned char *)arena_raw + (64 - (uintptr_t)arena_raw % 64) % 64;
    st = noheap_tu_infer(arena, need, threads, model, model_len, image, image_len, prompts, 3, got,
                         &in_use);
    CHECK_MSG(st == MLIP_OK, "no-heap inference: %s: %s", mlip_status_string(st),
              noheap_tu_last_error());
    CHECK_MSG(in_use == 0, "the arena still holds %lu bytes after inference",
              (unsigned long)in_use);
    CHECK_MSG(st || !memcmp(ref, got, sizeof ref),
              "no-heap scores %g %g %g differ from the heap's %g %g %g", got[0], got[1], got[2],
              ref[0], ref[1], ref[2]);
    /* 3. one byte less: a clean out-of-memory, and nothing left behind in the arena */
    in_use = 1;
    st = noheap_tu_infer(arena, need - 1, threads, model, model_len, image, image_len, prompts, 3,
                         got, &in_use);
    CHECK_MSG(st == MLIP_ERR_OUT_OF_MEMORY, "an arena 1 byte short gave %s",
              mlip_status_string(st));
    CHECK_MSG(strstr(noheap_tu_last_error(), "mlip_use_memory"), "message: %s",
              noheap_tu_last_error());
    CHECK_MSG(in_use == 0, "a failed inference left %lu bytes in the arena", (unsigned long)in_use);
    /* misuse is refused */
    CHECK_FAILS(mlip_use_memory(NULL, 10), MLIP_ERR_INVALID_ARG);
    CHECK_OK(mlip_use_memory(arena, need));
    CHECK_FAILS(mlip_measure_memory_begin(), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_use_memory(arena, need), MLIP_ERR_INVALID_ARG);
    CHECK_OK(mlip_use_memory(NULL, 0));
done:
    free(model_raw);
    free(image);
    free(arena_raw);
}

/* The arena's bookkeeping on its own: a freed block's space is reused first-fit, and the
   measurement on the heap matches the arena exactly. */
static void test_arena_and_measure(void) {
    static unsigned char buffer[4096 + 64];
    unsigned char *base = buffer + (64 - (uintptr_t)buffer % 64) % 64;
    void *a, *b, *c2, *d, *e;
    size_t peak = 0;
    int i;
    for (i = 0; i < 2; i++) { /* i = 0: measured on the heap; i = 1: in the arena */
        if (i == 0)
            CHECK_OK(mlip_measure_memory_begin());
        else
            CHECK_OK(mlip_use_memory(base, peak));
        a = mlip_alloc(100);
        b = mlip_alloc_zeroed(10, 30);
        c2 = mlip_alloc(1);
        CHECK(a && b && c2 && ((uintptr_t)a % 64) == 0 && ((uintptr_t)b % 64) == 0 &&
              ((uintptr_t)c2 % 64) == 0);
        if (!a || !b || !c2) break;
        CHECK(((unsigned char *)b)[299] == 0);
        mlip_free(a);
        d = mlip_alloc(90); /* fits where a was */
        mlip_free(b);
        e = mlip_alloc(250); /* fits where b was */
        CHECK(d && e);
        if (i == 1) CHECK(d == a && e == b);
        mlip_free(c2);
        mlip_free(d);
        mlip_free(e);
        if (i == 0) {
            CHECK_OK(mlip_measure_memory_end(&peak));
            CHECK(peak > 400 && peak <= 704);
        } else {
            a = mlip_alloc(peak - 64); /* all of it again, in one block */
            CHECK(a != NULL);
            CHECK(mlip_alloc(1) == NULL); /* the buffer is exactly full */
            CHECK(strstr(mlip_last_error(), "mlip_use_memory") != NULL);
            mlip_free(a);
            CHECK_OK(mlip_use_memory(NULL, 0));
        }
    }
}

static const mt_case reliability_tests[] = {
    {"oom_every_site", test_oom_every_site},
    {"nonfinite_inputs", test_nonfinite_inputs},
    {"nonfinite_weights", test_nonfinite_weights},
    {"deterministic_inference", test_deterministic_inference},
    {"arena_and_measure", test_arena_and_measure},
    {"noheap_inference", test_noheap_inference},
    {NULL, NULL},
};
