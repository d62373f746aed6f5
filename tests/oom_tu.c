/* Allocation failure at EVERY allocation site of every public operation. This translation unit
   compiles a private copy of the library (MLIP_STATIC) whose hooks count calls and can fail the
   n-th one. Each operation runs with allocation 1, 2, 3, ... failing (only that one) until it
   succeeds; every failed run must return MLIP_ERR_OUT_OF_MEMORY with a message, leave no block
   outstanding once its fixture is torn down, and leave no output file (neither PATH nor
   PATH.tmp). The sites of each operation are printed.
   Adding an operation: write `static mlip_status op_x(void)` (and, when it needs state, a
   setup/teardown pair working on the `oom` context below), then add one line to oom_ops[]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long oom_calls = 0; /* allocation calls since arming */
static long oom_fail_at = 0; /* fail call number n (1-based); 0 = never */
static long oom_live = 0; /* blocks outstanding */

static void *oom_malloc(size_t n) {
    void *p;
    if (oom_fail_at && ++oom_calls == oom_fail_at) return NULL;
    if ((p = malloc(n)) != NULL) oom_live++;
    return p;
}
static void *oom_realloc(void *old, size_t n) {
    void *p;
    if (oom_fail_at && ++oom_calls == oom_fail_at) return NULL;
    p = realloc(old, n);
    if (p && !old) oom_live++;
    return p;
}
static void oom_free(void *p) {
    if (p) oom_live--;
    free(p);
}

#define MLIP_MALLOC(n) oom_malloc(n)
#define MLIP_REALLOC(p, n) oom_realloc(p, n)
#define MLIP_FREE(p) oom_free(p)
#define MLIP_STATIC
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#define OOM_MODEL_PATH "build/oom_model.mlip"
#define OOM_OUT_PATH "build/oom_out"
#define OOM_VOCAB_PATH "build/oom_vocab.txt"
#define OOM_MAX_SITES 200000
#define OOM_DATA_TSV "build/oom_pairs.tsv"
#define OOM_DATA_PGM "build/oom_image.pgm"

/* ---- shared fixture state; setups fill it (unarmed), teardowns empty it ---- */
static struct {
    mlip_model *model, *out_model;
    mlip_tokenizer *tok;
    mlip_encoder *enc;
    mlip_image img;
    unsigned char *bytes; /* a file's bytes (plain malloc, 64-byte aligned) */
    size_t len;
    void *raw; /* what malloc returned for bytes */
    const char *image_path;
    float *a, *b, *c, *d; /* plain malloc */
    mlip_trainer *trainer;
    mlip_dataset *ds;
    mlip_batch batch;
} oom;

static const char oom_vocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nlung\nis\nclear\n.\n##s\nno\nheart\nnormal\n";
static const char oom_text[] =
    "The lungs are clear. No effusion; heart is normal.\nDr. X: 2.5 cm nodule.";

static mlip_model_config oom_config(void) { /* every code path of a big model, in a few kB */
    mlip_model_config c = mlip_model_config_tiny(14);
    c.vit.image_size = 8;
    c.vit.patch_size = 4;
    c.vit.width = 8;
    c.vit.layers = 1;
    c.vit.heads = 2;
    c.vit.mlp_dim = 16;
    c.bert.max_positions = 16;
    c.bert.width = 8;
    c.bert.layers = 1;
    c.bert.heads = 2;
    c.bert.mlp_dim = 16;
    c.embed_dim = 4;
    return c;
}

static int oom_read(const char *path) { /* into oom.bytes, 64-byte aligned (zero-copy loads) */
    FILE *f = fopen(path, "rb");
    long n;
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    oom.raw = malloc((size_t)(n > 0 ? n : 1) + 64);
    oom.bytes = (unsigned char *)oom.raw + (64 - (uintptr_t)oom.raw % 64) % 64;
    oom.len = oom.raw && n > 0 && fread(oom.bytes, 1, (size_t)n, f) == (size_t)n ? (size_t)n : 0;
    fclose(f);
    return oom.len > 0;
}
static float *oom_floats(size_t n, float lo, float hi, uint64_t seed) {
    float *x = (float *)malloc(n * sizeof(float));
    mlip_rng rng;
    size_t i;
    mlip_rng_seed(&rng, seed, 3);
    for (i = 0; x && i < n; i++) x[i] = lo + (hi - lo) * mlip_rng_uniform(&rng);
    return x;
}

/* ---- setups / teardowns (never armed); 0 = cannot set up (the operation is skipped) ---- */
static int setup_none(void) { return 1; }
static int setup_model(void) {
    mlip_model_config c = oom_config();
    mlip_tokenizer *tok = NULL;
    if (mlip_model_create(&c, &oom.model)) return 0;
    mlip_model_init_random(oom.model, 3);
    if (mlip_tokenizer_from_memory(oom_vocab, sizeof oom_vocab - 1, 1, &tok)) return 0;
    mlip_model_set_vocab(oom.model, tok);
    mlip_model_set_meta(oom.model, "license", "CC0-1.0");
    mlip_tokenizer_free(tok);
    return 1;
}
static int setup_tok(void) {
    return mlip_tokenizer_from_memory(oom_vocab, sizeof oom_vocab - 1, 1, &oom.tok) == MLIP_OK;
}
static int setup_model_tok(void) { return setup_model() && setup_tok(); }
static int setup_bytes_f32(void) {
    return setup_model() && !mlip_model_save(oom.model, OOM_MODEL_PATH) && oom_read(OOM_MODEL_PATH);
}
static int setup_file_f16(void) {
    return setup_model() && !mlip_model_save_as(oom.model, OOM_MODEL_PATH, MLIP_DTYPE_F16);
}
static int setup_safetensors(void) { return oom_read("tests/data/model_tiny.safetensors"); }
static int setup_png_rgb16(void) {
    return oom_read((oom.image_path = "tests/data/png/im_rgb16i.png"));
}
static int setup_png_palette(void) {
    return oom_read((oom.image_path = "tests/data/png/c3d08i.png"));
}
static int setup_png_huffman(void) {
    return oom_read((oom.image_path = "tests/data/png/z_huff.png"));
}
static int setup_pgm(void) {
    return oom_read((oom.image_path = "tests/data/image_corpus/744992a580ad5043"));
}
static int setup_dicom(void) {
    return oom_read((oom.image_path = "tests/data/image_corpus/281fe17fcc25c0fe"));
}
static int setup_dicom_ct(void) {
    return oom_read(
        (oom.image_path = "/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm"));
}
static int setup_image(void) {
    return setup_png_rgb16() && !mlip_image_read_memory(oom.bytes, oom.len, NULL, &oom.img);
}
static int setup_pixels(void) { return (oom.a = oom_floats(3 * 40 * 24, 0, 1, 5)) != NULL; }
static int setup_vit(void) {
    mlip_model_config c = oom_config();
    if (mlip_vit_create(&c.vit, &oom.enc)) return 0;
    mlip_encoder_init_random(oom.enc, 1);
    oom.a = oom_floats(2 * 8 * 8, 0, 1, 1);
    oom.b = oom_floats(2 * 5 * 8, -1, 1, 2);
    return oom.a && oom.b;
}
static int setup_vit_trained(void) { /* a training forward done: the backward comes next */
    return setup_vit() && !mlip_vit_forward(oom.enc, oom.a, 2, NULL, 0, 1, oom.b);
}
static int setup_bert(void) {
    mlip_model_config c = oom_config();
    if (mlip_bert_create(&c.bert, &oom.enc)) return 0;
    mlip_encoder_init_random(oom.enc, 2);
    oom.b = oom_floats(2 * 6 * 8, -1, 1, 3);
    return oom.b != NULL;
}
static const int oom_ids[2 * 6] = {2, 5, 6, 7, 3, 0, 2, 11, 12, 13, 9, 3};
static const uint8_t oom_mask[2 * 6] = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1};
static int setup_bert_trained(void) {
    return setup_bert() && !mlip_bert_forward(oom.enc, oom_ids, NULL, oom_mask, 2, 6, 1, oom.b);
}
static int setup_gemm(void) {
    oom.a = oom_floats(130 * 270, -1, 1, 1);
    oom.b = oom_floats(270 * 150, -1, 1, 2);
    oom.c = oom_floats(130 * 150, 0, 0, 3);
    return oom.a && oom.b && oom.c;
}
static int setup_attention(void) {
    oom.a = oom_floats(2 * 5 * 24, -1, 1, 1);
    oom.b = oom_floats(2 * 5 * 8, 0, 0, 2);
    oom.c = oom_floats(2 * 2 * 5 * 5, 0, 0, 3);
    oom.d = oom_floats(2 * 5 * 24, 0, 0, 4);
    return oom.a && oom.b && oom.c && oom.d &&
           !mlip_attention_forward(oom.b, oom.c, oom.a, NULL, 2, 5, 8, 2);
}
static int setup_patches(void) {
    oom.a = oom_floats(8 * 8, 0, 1, 1);
    oom.b = oom_floats(4 * 16, 0, 0, 2);
    oom.c = oom_floats(3 * 16, -1, 1, 3);
    oom.d = oom_floats(4 * 3 + 64, 0, 0, 4);
    return oom.a && oom.b && oom.c && oom.d &&
           !mlip_patch_embed_forward(oom.d, oom.b, oom.a, oom.c, NULL, 1, 1, 8, 8, 4, 3);
}

static void teardown(void) {
    mlip_trainer_free(oom.trainer);
    mlip_dataset_free(oom.ds);
    mlip_batch_free(&oom.batch);
    remove(OOM_DATA_TSV);
    remove(OOM_DATA_PGM);
    mlip_model_free(oom.model);
    mlip_model_free(oom.out_model);
    mlip_tokenizer_free(oom.tok);
    mlip_encoder_free(oom.enc);
    mlip_image_free(&oom.img);
    free(oom.raw);
    free(oom.a);
    free(oom.b);
    free(oom.c);
    free(oom.d);
    remove(OOM_MODEL_PATH);
    memset(&oom, 0, sizeof oom);
}

/* ---- the operations (armed): each releases what it made when it succeeds ---- */
static mlip_status op_model_create(void) {
    mlip_model_config c = oom_config();
    mlip_status st = mlip_model_create(&c, &oom.out_model);
    if (!st) mlip_model_init_random(oom.out_model, 1);
    return st;
}
static mlip_status op_save_memory(mlip_dtype dtype) {
    void *buf = NULL;
    size_t len = 0;
    mlip_status st = mlip_model_save_memory(oom.model, dtype, &buf, &len);
    mlip_free(buf);
    return st;
}
static mlip_status op_save_memory_f32(void) { return op_save_memory(MLIP_DTYPE_F32); }
static mlip_status op_save_memory_int8(void) { return op_save_memory(MLIP_DTYPE_INT8); }
static mlip_status op_save_file(void) {
    return mlip_model_save_as(oom.model, OOM_OUT_PATH, MLIP_DTYPE_BF16);
}
static mlip_status op_load_memory_copy(void) {
    return mlip_model_load_memory(oom.bytes, oom.len, 1, &oom.out_model);
}
static mlip_status op_load_memory_zero_copy(void) {
    mlip_status st = mlip_model_load_memory(oom.bytes, oom.len, 0, &oom.out_model);
    /* big-endian hosts always copy (the file is little-endian) */
    return !st && mlip__fmt_host_le() && !mlip_model_is_mapped(oom.out_model)
               ? mlip__fail(MLIP_ERR_FORMAT, "not zero-copy")
               : st;
}
static mlip_status op_load_file(void) {
    return mlip_model_load_file(OOM_MODEL_PATH, &oom.out_model);
}
static mlip_status op_import_safetensors(void) {
    return mlip_model_import_safetensors(oom.bytes, oom.len, NULL, 0, &oom.out_model);
}
static mlip_status op_load_safetensors(void) {
    return mlip_model_load_safetensors("tests/data/model_tiny.safetensors", NULL, 0,
                                       &oom.out_model);
}
static mlip_status op_export_safetensors_file(void) {
    return mlip_model_export_safetensors(oom.model, OOM_OUT_PATH);
}
static mlip_status op_export_safetensors_memory(void) {
    void *buf = NULL;
    size_t len = 0;
    mlip_status st = mlip_model_export_safetensors_memory(oom.model, &buf, &len);
    mlip_free(buf);
    return st;
}
static mlip_status op_tokenizer_from_memory(void) {
    return mlip_tokenizer_from_memory(oom_vocab, sizeof oom_vocab - 1, 1, &oom.tok);
}
static mlip_status op_tokenizer_load_vocab(void) {
    return mlip_tokenizer_load_vocab(OOM_VOCAB_PATH, 0, &oom.tok);
}
static mlip_status op_model_tokenizer(void) { return mlip_model_tokenizer(oom.model, &oom.tok); }
static mlip_status op_model_set_vocab(void) { return mlip_model_set_vocab(oom.model, oom.tok); }
static mlip_status op_tokenize_encode(void) {
    int ids[16], n = 0;
    uint8_t mask[16];
    mlip_status st = mlip_tokenizer_tokenize(oom.tok, oom_text, sizeof oom_text - 1, ids, 16, &n);
    return st ? st
              : mlip_tokenizer_encode(oom.tok, oom_text, sizeof oom_text - 1, 16, ids, mask, &n);
}
static mlip_status op_sentences(void) {
    int begin[8], end[8], n = 0;
    return mlip_tokenizer_sentences(oom.tok, oom_text, sizeof oom_text - 1, 16, 8, begin, end, &n);
}
static mlip_status op_decode(void) {
    static const int ids[] = {2, 5, 6, 10, 7, 8, 9, 3};
    char buf[128];
    return mlip_tokenizer_decode(oom.tok, ids, 8, 1, buf, sizeof buf, NULL);
}
static mlip_status op_vocab_train(void) {
    static const char corpus[] =
        "The heart is normal. Lungs are clear. No effusion. Heart normal.\nlungs lungs clear\n";
    return mlip_vocab_train(corpus, sizeof corpus - 1, 60, 1, 1, OOM_OUT_PATH);
}
static mlip_status op_image_read_memory(void) {
    mlip_image im;
    mlip_status st = mlip_image_read_memory(oom.bytes, oom.len, NULL, &im);
    mlip_image_free(&im);
    return st;
}
static mlip_status op_image_read_file(void) {
    mlip_image im;
    mlip_status st = mlip_image_read_file(oom.image_path, NULL, &im);
    mlip_image_free(&im);
    return st;
}
static mlip_status op_preprocess(mlip_image_resize resize, mlip_image_fit fit, int channels) {
    mlip_preprocess_options o;
    float out[3 * 13 * 13];
    memset(&o, 0, sizeof o);
    o.resize = resize;
    o.fit = fit;
    o.norm = MLIP_IMAGE_NORM_MINMAX;
    return mlip_image_preprocess(&oom.img, &o, out, 13, channels);
}
static mlip_status op_preprocess_bilinear_pad(void) {
    return op_preprocess(MLIP_IMAGE_BILINEAR, MLIP_IMAGE_PAD, 1);
}
static mlip_status op_preprocess_area_crop(void) {
    return op_preprocess(MLIP_IMAGE_AREA, MLIP_IMAGE_CROP, 3);
}
static mlip_status op_preprocess_bicubic_crop(void) {
    return op_preprocess(MLIP_IMAGE_BICUBIC, MLIP_IMAGE_CROP, 3);
}
static mlip_status op_encode_png(void) {
    unsigned char *png = NULL;
    size_t n = 0;
    mlip_status st = mlip_image_encode_png(oom.a, 40, 24, 3, &png, &n);
    mlip_free(png);
    return st;
}
static mlip_status op_write_png(void) {
    return mlip_image_write_png(OOM_OUT_PATH, oom.a, 40, 24, 1);
}
static mlip_status op_vit_forward(void) {
    return mlip_vit_forward(oom.enc, oom.a, 2, NULL, 0, 0, oom.b);
}
static mlip_status op_vit_forward_masked(void) {
    static const int visible[2 * 2] = {3, 0, 1, 2};
    return mlip_vit_forward(oom.enc, oom.a, 2, visible, 2, 1, oom.b);
}
static mlip_status op_vit_resized_forward(void) {
    mlip_status st = mlip_vit_set_image_size(oom.enc, 4, 8);
    return st ? st : mlip_vit_forward(oom.enc, oom.a, 2, NULL, 0, 0, oom.b);
}
static mlip_status op_vit_backward(void) { return mlip_vit_backward(oom.enc, oom.b); }
static mlip_status op_bert_forward(void) {
    return mlip_bert_forward(oom.enc, oom_ids, NULL, oom_mask, 2, 6, 0, oom.b);
}
static mlip_status op_bert_backward(void) { return mlip_bert_backward(oom.enc, oom.b); }
static mlip_status op_gemm(void) {
    mlip_status st = mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 130, 150, 270, 1, oom.a, 270, oom.b,
                                150, 0, oom.c, 150);
    return st ? st
              : mlip_sgemm(MLIP_TRANS, MLIP_TRANS, 130, 150, 27, 1, oom.a, 130, oom.b, 27, 1, oom.c,
                           150);
}
static mlip_status op_attention_forward(void) {
    return mlip_attention_forward(oom.b, oom.c, oom.a, NULL, 2, 5, 8, 2);
}
static mlip_status op_attention_backward(void) {
    return mlip_attention_backward(oom.d, oom.b, oom.a, oom.c, 2, 5, 8, 2);
}
static mlip_status op_patch_embed_backward(void) {
    float dimg[64] = {0}, dw[3 * 16] = {0}, db[3] = {0};
    return mlip_patch_embed_backward(dimg, dw, db, oom.d, oom.b, oom.c, 1, 1, 8, 8, 4, 3);
}
static mlip_status op_thread_pool(void) {
#ifdef MLIP_NO_THREADS
    return MLIP_OK; /* no pool in this build */
#else
    mlip_status st =
        mlip_set_num_threads(2); /* the pool is static: pthreads allocate, the hooks do not */
    mlip_set_num_threads(1);
    return st;
#endif
}

/* ---- training (sections 8-10) and the dataset (section 14) ---- */
static int setup_trainer(void) { /* a model, a trainer and a filled batch of 4 */
    int b, t;
    if (!setup_model() || mlip_trainer_create(oom.model, NULL, NULL, 1, &oom.trainer) ||
        mlip_batch_alloc(&oom.batch, 4, 1, 8, 6, 2, 0))
        return 0;
    for (t = 0; t < 4 * 64; t++) oom.batch.images[t] = (float)(t % 7) / 7.0f;
    for (b = 0; b < 4; b++) {
        memcpy(oom.batch.ids + b * 6, oom_ids + (b % 2) * 6, sizeof(int) * 6);
        memcpy(oom.batch.mask + b * 6, oom_mask + (b % 2) * 6, 6);
        oom.batch.n_sentences[b] = 2;
        oom.batch.sent_begin[b * 2] = 1, oom.batch.sent_end[b * 2] = 2,
                                 oom.batch.sent_begin[b * 2 + 1] = 2,
                                 oom.batch.sent_end[b * 2 + 1] = 4;
    }
    return 1;
}
static mlip_status op_trainer_create(void) {
    mlip_trainer *tr = NULL;
    mlip_status st = mlip_trainer_create(oom.model, NULL, NULL, 1, &tr);
    mlip_trainer_free(tr);
    return st;
}
static mlip_status op_trainer_step(void) { /* masks, SIE, OT, MIP forward + backward, AdamW */
    mlip_rng rng;
    mlip_rng_seed(&rng, 1, 2);
    MLIP__TRY(mlip_trainer_accumulate(oom.trainer, &oom.batch, NULL, &rng, 1.0f, NULL));
    return mlip_trainer_update(oom.trainer, NULL);
}
static mlip_status op_trainer_checkpoint(void) {
    return mlip_trainer_save_checkpoint(oom.trainer, OOM_OUT_PATH);
}
static int setup_dataset_files(void) {
    FILE *f = fopen(OOM_DATA_PGM, "wb");
    int i;
    if (!f) return 0;
    fprintf(f, "P5\n8 8\n255\n");
    for (i = 0; i < 64; i++) fputc(i * 4, f);
    fclose(f);
    if (!(f = fopen(OOM_DATA_TSV, "wb"))) return 0;
    fprintf(f, "image\treport\tlabels\noom_image.pgm\tThe lungs are clear. No effusion.\tnormal\n"
               "oom_image.pgm\tHeart is normal; lung is clear.\teffusion;normal\nmissing.pgm\tNo "
               "effusion.\tnormal\n");
    fclose(f);
    return setup_tok();
}
static mlip_dataset_options oom_dataset_options(void) {
    mlip_dataset_options o;
    memset(&o, 0, sizeof o);
    o.image_size = 8;
    o.channels = 1;
    o.max_tokens = 16;
    o.max_sentences = 4;
    o.warn = NULL;
    return o;
}
static void oom_quiet(void *ctx, const char *msg) { (void)ctx, (void)msg; }
static mlip_status op_dataset_open(void) {
    mlip_dataset_options o = oom_dataset_options();
    mlip_dataset *ds = NULL;
    mlip_status st;
    o.warn = oom_quiet;
    st = mlip_dataset_open(OOM_DATA_TSV, oom.tok, &o, &ds);
    mlip_dataset_free(ds);
    return st;
}
static int setup_dataset(void) {
    mlip_dataset_options o = oom_dataset_options();
    o.warn = oom_quiet;
    return setup_dataset_files() && !mlip_dataset_open(OOM_DATA_TSV, oom.tok, &o, &oom.ds) &&
           !mlip_batch_alloc(&oom.batch, 2, 1, 8, 16, 4, mlip_dataset_n_labels(oom.ds));
}
static mlip_status op_dataset_batch(void) { /* decode, preprocess, augment, tokenize */
    static const int rows[2] = {1, 0};
    mlip_augment_options aug = mlip_augment_defaults();
    mlip_rng rng;
    mlip_rng_seed(&rng, 4, 4);
    return mlip_dataset_batch(oom.ds, rows, 2, &aug, &rng, &oom.batch);
}

typedef struct oom_op {
    const char *name;
    int (*setup)(void); /* 0: skip (a data file is missing) */
    mlip_status (*run)(void);
    const char *out_path; /* must not exist (nor PATH.tmp) after a failure; NULL: none */
    int caches; /* 1: may keep buffers in its object on failure (an encoder's activation and
                   gradient arenas, resized positions): checked after teardown only */
} oom_op;

static const oom_op oom_ops[] = {
    {"model create + init", setup_none, op_model_create, NULL, 0},
    {"model save to memory (f32)", setup_model, op_save_memory_f32, NULL, 0},
    {"model save to memory (int8)", setup_model, op_save_memory_int8, NULL, 0},
    {"model save to file (bf16)", setup_model, op_save_file, OOM_OUT_PATH, 0},
    {"model load from memory, copy", setup_bytes_f32, op_load_memory_copy, NULL, 0},
    {"model load from memory, zero-copy", setup_bytes_f32, op_load_memory_zero_copy, NULL, 0},
    {"model load from file, zero-copy (mmap)", setup_bytes_f32, op_load_file, NULL, 0},
    {"model load from file, f16 (copy)", setup_file_f16, op_load_file, NULL, 0},
    {"safetensors import (memory)", setup_safetensors, op_import_safetensors, NULL, 0},
    {"safetensors load (file)", setup_none, op_load_safetensors, NULL, 0},
    {"safetensors export (file)", setup_model, op_export_safetensors_file, OOM_OUT_PATH, 0},
    {"safetensors export (memory)", setup_model, op_export_safetensors_memory, NULL, 0},
    {"tokenizer from memory", setup_none, op_tokenizer_from_memory, NULL, 0},
    {"tokenizer load vocab file", setup_none, op_tokenizer_load_vocab, NULL, 0},
    {"tokenizer from a model", setup_model, op_model_tokenizer, NULL, 0},
    {"model set vocab", setup_model_tok, op_model_set_vocab, NULL, 0},
    {"tokenize + encode", setup_tok, op_tokenize_encode, NULL, 0},
    {"sentences", setup_tok, op_sentences, NULL, 0},
    {"decode", setup_tok, op_decode, NULL, 0},
    {"vocab training", setup_none, op_vocab_train, OOM_OUT_PATH, 0},
    {"image read PNG 16-bit RGB interlaced", setup_png_rgb16, op_image_read_memory, NULL, 0},
    {"image read PNG palette", setup_png_palette, op_image_read_memory, NULL, 0},
    {"image read PNG huffman (file)", setup_png_huffman, op_image_read_file, NULL, 0},
    {"image read PGM (file)", setup_pgm, op_image_read_file, NULL, 0},
    {"image read DICOM (file)", setup_dicom, op_image_read_file, NULL, 0},
    {"image read DICOM CT_small (pydicom)", setup_dicom_ct, op_image_read_memory, NULL, 0},
    {"preprocess bilinear pad", setup_image, op_preprocess_bilinear_pad, NULL, 0},
    {"preprocess area crop", setup_image, op_preprocess_area_crop, NULL, 0},
    {"preprocess bicubic crop", setup_image, op_preprocess_bicubic_crop, NULL, 0},
    {"PNG encode", setup_pixels, op_encode_png, NULL, 0},
    {"PNG write (file)", setup_pixels, op_write_png, OOM_OUT_PATH, 0},
    {"ViT forward", setup_vit, op_vit_forward, NULL, 1},
    {"ViT forward, masked, training", setup_vit, op_vit_forward_masked, NULL, 1},
    {"ViT resized + forward", setup_vit, op_vit_resized_forward, NULL, 1},
    {"ViT backward", setup_vit_trained, op_vit_backward, NULL, 1},
    {"BERT forward", setup_bert, op_bert_forward, NULL, 1},
    {"BERT backward", setup_bert_trained, op_bert_backward, NULL, 1},
    {"GEMM (packing buffers)", setup_gemm, op_gemm, NULL, 0},
    {"attention forward", setup_attention, op_attention_forward, NULL, 0},
    {"attention backward", setup_attention, op_attention_backward, NULL, 0},
    {"patch embedding backward", setup_patches, op_patch_embed_backward, NULL, 0},
    {"thread pool start", setup_none, op_thread_pool, NULL, 0},
    {"trainer create", setup_model, op_trainer_create, NULL,
     1}, /* the encoders keep their gradient arenas */
    {"trainer step (MLIP objective + AdamW)", setup_trainer, op_trainer_step, NULL, 1},
    {"trainer checkpoint (file)", setup_trainer, op_trainer_checkpoint, OOM_OUT_PATH, 0},
    {"dataset open", setup_dataset_files, op_dataset_open, NULL, 0},
    {"dataset batch (cache, augment)", setup_dataset, op_dataset_batch, NULL, 1},
};

static int oom_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* Runs every operation; prints one line per operation; returns the number of violations. */
int oom_tu_run_all(int *n_ops, long *total_sites);
int oom_tu_run_all(int *n_ops, long *total_sites) {
    int k, bad = 0;
    FILE *f = fopen(OOM_VOCAB_PATH, "wb");
    (void)&oom_realloc; /* counted too, though the library does not call MLIP_REALLOC today */
    if (f) fputs(oom_vocab, f), fclose(f);
    *n_ops = 0;
    *total_sites = 0;
    for (k = 0; k < (int)(sizeof oom_ops / sizeof oom_ops[0]); k++) {
        const oom_op *op = &oom_ops[k];
        long n, sites = -1;
        int op_bad = 0;
        for (n = 1; n <= OOM_MAX_SITES && !op_bad; n++) {
            mlip_status st;
            long live_before;
            memset(&oom, 0, sizeof oom);
            if (op->out_path) remove(op->out_path);
            if (!op->setup()) {
                teardown();
                break; /* skipped: its data is missing */
            }
            live_before = oom_live;
            mlip__error_text[0] = '\0';
            oom_calls = 0;
            oom_fail_at = n;
            st = op->run();
            oom_fail_at = 0;
            if (st == MLIP_OK) {
                sites = n - 1;
            } else if (st != MLIP_ERR_OUT_OF_MEMORY || !mlip_last_error()[0]) {
                printf("    %s: allocation %ld failing gave %s (%s)\n", op->name, n,
                       mlip_status_string(st), mlip_last_error());
                op_bad = 1;
            } else if (oom_calls < n) {
                printf("    %s: failed with OUT_OF_MEMORY but only %ld allocations were made\n",
                       op->name, oom_calls);
                op_bad = 1;
            } else if (!op->caches && oom_live != live_before) {
                printf("    %s: allocation %ld failing leaked %ld blocks\n", op->name, n,
                       oom_live - live_before);
                op_bad = 1;
            }
            if (op->out_path) {
                char tmp[64];
                snprintf(tmp, sizeof tmp, "%s.tmp", op->out_path);
                if (oom_exists(tmp) || (st != MLIP_OK && oom_exists(op->out_path))) {
                    printf("    %s: allocation %ld failing left %s behind\n", op->name, n,
                           oom_exists(tmp) ? tmp : op->out_path);
                    op_bad = 1;
                }
                remove(op->out_path);
            }
            teardown();
            if (oom_live != 0) {
                printf("    %s: %ld blocks outstanding after cleanup (allocation %ld failing)\n",
                       op->name, oom_live, n);
                op_bad = 1;
                oom_live = 0;
            }
            if (st == MLIP_OK) break;
        }
        if (op_bad || (sites < 0 && n > OOM_MAX_SITES)) {
            printf("    FAIL %s\n", op->name);
            bad++;
        } else if (sites < 0) {
            printf("    %-40s skipped (no data file)\n", op->name);
        } else {
            printf("    %-40s %5ld allocation sites\n", op->name, sites);
            (*n_ops)++;
            *total_sites += sites;
        }
    }
    remove(OOM_VOCAB_PATH);
    return bad;
}
