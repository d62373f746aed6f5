/* A second translation unit that compiles its own private copy of the library (MLIP_STATIC)
   with allocation hooks that can be told to fail: the runner links it beside its own copy,
   which proves the two do not clash, and uses it to test out-of-memory handling. */
#include <stdlib.h>

static int fail_after = -1; /* allocations left before failing; -1 = never fail */
static int live_blocks = 0;

static void *counting_malloc(size_t n) {
    void *p;
    if (fail_after == 0) return NULL;
    if (fail_after > 0) fail_after--;
    p = malloc(n);
    if (p) live_blocks++;
    return p;
}
static void counting_free(void *p) {
    if (p) live_blocks--;
    free(p);
}

#define MLIP_MALLOC(n) counting_malloc(n)
#define MLIP_FREE(p) counting_free(p)
#define MLIP_REALLOC(p, n) realloc(p, n)
#define MLIP_STATIC
#define MLIP_IMPLEMENTATION
#include "../mlip.h"
#include <string.h>

int static_tu_selftest(void);
int static_tu_oom_test(void);

int static_tu_selftest(void) {
    float a[2] = {1, 2}, b[2] = {3, 4}, c[1] = {0};
    if (mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 1, 1, 2, 1.0f, a, 2, b, 1, 0.0f, c, 1) != MLIP_OK)
        return 0;
    return c[0] == 11.0f;
}

/* Every allocation a GEMM, attention and patch-embedding call makes fails in turn: the call
   must return MLIP_ERR_OUT_OF_MEMORY with a message, and free whatever it had taken. */
int static_tu_oom_test(void) {
    static float A[64 * 64], B[64 * 64], C[64 * 64], qkv[2 * 5 * 24], out[2 * 5 * 8];
    static float img[1 * 1 * 8 * 8], patches[4 * 16], pout[4 * 3], w[3 * 16], dimg[64];
    int site, failures = 0;
    mlip_status st;
    for (site = 0; site < 4; site++) {
        fail_after = site;
        st = mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 64, 64, 64, 1, A, 64, B, 64, 0, C, 64);
        fail_after = -1;
        if (st == MLIP_OK) break; /* past the last allocation site */
        if (st != MLIP_ERR_OUT_OF_MEMORY || !strstr(mlip_last_error(), "out of memory")) return 0;
        failures++;
    }
    if (failures < 1 || live_blocks != 0) return 0;
    fail_after = 0;
    st = mlip_attention_forward(out, NULL, qkv, NULL, 2, 5, 8, 2);
    fail_after = -1;
    if (st != MLIP_ERR_OUT_OF_MEMORY || live_blocks != 0) return 0;
    if (mlip_patch_embed_forward(pout, patches, img, w, NULL, 1, 1, 8, 8, 4, 3) != MLIP_OK)
        return 0;
    for (site = 0; site < 4; site++) {
        float dout[4 * 3] = {0};
        fail_after = site;
        st = mlip_patch_embed_backward(dimg, NULL, NULL, dout, patches, w, 1, 1, 8, 8, 4, 3);
        fail_after = -1;
        if (st == MLIP_OK) break;
        if (st != MLIP_ERR_OUT_OF_MEMORY) return 0;
    }
    return live_blocks == 0;
}

/* Tokenizer (section 6): every allocation of loading a vocabulary, tokenizing, decoding and
   training a vocabulary fails in turn; each call must report MLIP_ERR_OUT_OF_MEMORY and free
   what it had taken. Returns the number of failure sites exercised, or -1 on a violation. */
int static_tu_tokenizer_oom_test(const char *tmp_path);
int static_tu_tokenizer_oom_test(const char *tmp_path) {
    static const char vocab[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nheart\nis\nnormal\n.\n##s\n";
    static const char corpus[] =
        "The heart is normal. Lungs are clear. No effusion. Heart normal.\n";
    int site, sites = 0, ids[8], n = 0;
    char buf[64];
    mlip_status st;
    mlip_tokenizer *tok = NULL;
    for (site = 0; site < 100; site++) {
        fail_after = site;
        st = mlip_tokenizer_from_memory(vocab, sizeof vocab - 1, 1, &tok);
        fail_after = -1;
        if (st == MLIP_OK) break;
        if (st != MLIP_ERR_OUT_OF_MEMORY || tok != NULL || live_blocks != 0) return -1;
        sites++;
    }
    if (!tok) return -1;
    fail_after = 0; /* tokenizing and encoding allocate nothing */
    st = mlip_tokenizer_encode(tok, "Heart is normal.", 16, 8, ids, NULL, &n);
    fail_after = -1;
    if (st != MLIP_OK || n != 6) return -1;
    fail_after = 0;
    st = mlip_tokenizer_decode(tok, ids, n, 1, buf, sizeof buf, NULL);
    fail_after = -1;
    if (st != MLIP_ERR_OUT_OF_MEMORY) return -1;
    sites++;
    mlip_tokenizer_free(tok);
    if (live_blocks != 0) return -1;
    for (site = 0; site < 100000; site++) {
        fail_after = site;
        st = mlip_vocab_train(corpus, sizeof corpus - 1, 60, 1, 1, tmp_path);
        fail_after = -1;
        if (st == MLIP_OK) break;
        if (st != MLIP_ERR_OUT_OF_MEMORY || live_blocks != 0) return -1;
        sites++;
    }
    remove(tmp_path);
    return st == MLIP_OK && live_blocks == 0 ? sites : -1;
}
