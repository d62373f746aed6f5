/* mlip.h - v0.1.0 - public domain / MIT - medical language-image pre-training in one C header

   MLIP: a ViT image encoder and a BERT text encoder trained contrastively on radiographs and
   their reports (masked patches, semantic-integrity weighting, optimal-transport patch-sentence
   matching, masked image prediction). Only libc and libm.

   USAGE
     In exactly one C or C++ file:
        #define MLIP_IMPLEMENTATION
        #include "mlip.h"
     Everywhere else just #include "mlip.h".

   COMPILE-TIME OPTIONS (define before including the implementation)
     MLIP_STATIC          every function becomes static (private copy per translation unit)
     MLIP_MALLOC(sz) / MLIP_REALLOC(p,sz) / MLIP_FREE(p)
                          allocation hooks; define all three or none
     MLIP_NO_THREADS      compile out the built-in pthreads pool (single thread unless the
                          caller installs a scheduler with mlip_set_scheduler)
     MLIP_NO_SIMD         portable scalar kernels only, whatever the compiler targets
     MLIP_ASSERT(x)       internal consistency checks (default: assert.h)

   CONVENTIONS (stated once, used everywhere)
     - Row-major. Activations are (batch, tokens, channels), channels contiguous.
       Images are (batch, channels, height, width), width contiguous, like PyTorch.
     - Linear weights are (out_features, in_features), as PyTorch's nn.Linear stores them,
       so y = x . W^T + b and checkpoints load without transposing.
     - Every fallible call returns mlip_status (MLIP_OK == 0); mlip_last_error() explains the
       last failure of the calling thread in English.
     - Backward functions ACCUMULATE (+=) into gradient buffers (llm.c style): zero them once
       per step. A NULL gradient pointer means "not wanted".

   TABLE OF CONTENTS (the implementation follows the same order)
     1. Platform     status codes, errors, allocation hooks, checked sizes, RNG, threads
     2. Tensor       small vector helpers (fill, copy, axpy, sums)
     3. GEMM         C = alpha op(A) op(B) + beta C; packed, register-blocked, threaded
     4. Kernels      forward/backward pairs: linear, layernorm, gelu, softmax, attention,
                     embedding, patch embedding, residual, l2 normalisation,
                     cross-entropy, span mean pooling

   LICENSE: see the end of this file (MIT or public domain, your choice).
*/

#ifndef MLIP_H_INCLUDED
#define MLIP_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define MLIP_VERSION_MAJOR 0
#define MLIP_VERSION_MINOR 1
#define MLIP_VERSION_PATCH 0
#define MLIP_VERSION_STRING "0.1.0"

#ifndef MLIPDEF
#if defined(MLIP_STATIC) && (defined(__GNUC__) || defined(__clang__))
#define MLIPDEF static __attribute__((unused)) /* a TU need not use every function */
#elif defined(MLIP_STATIC)
#define MLIPDEF static
#else
#define MLIPDEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================================
   1. Platform
   ====================================================================================== */

typedef enum mlip_status {
    MLIP_OK = 0,
    MLIP_ERR_INVALID_ARG = 1,   /* NULL pointer, zero or negative size, bad enum value   */
    MLIP_ERR_OVERFLOW = 2,      /* a size computation would overflow size_t              */
    MLIP_ERR_OUT_OF_MEMORY = 3, /* the allocation hook returned NULL                     */
    MLIP_ERR_IO = 4,            /* a file could not be opened, read or written           */
    MLIP_ERR_FORMAT = 5,        /* malformed input data                                  */
    MLIP_ERR_UNSUPPORTED = 6,   /* valid input this build cannot handle                  */
    MLIP_ERR_NUMERIC = 7,       /* NaN/Inf where a finite number is required             */
    MLIP_ERR_THREAD = 8         /* the thread pool could not be started                  */
} mlip_status;

/* Human-readable reason for the calling thread's most recent failure ("" if none). */
MLIPDEF const char *mlip_last_error(void);
/* Short name of a status code, e.g. "MLIP_ERR_OVERFLOW". */
MLIPDEF const char *mlip_status_string(mlip_status status);
MLIPDEF const char *mlip_version(void);

/* Checked size arithmetic: return MLIP_OK and store the result, or MLIP_ERR_OVERFLOW
   (with a message) and leave *out untouched. */
MLIPDEF mlip_status mlip_size_mul(size_t a, size_t b, size_t *out);
MLIPDEF mlip_status mlip_size_add(size_t a, size_t b, size_t *out);

/* Allocation through the hooks; every pointer is 64-byte aligned. Failure sets the error. */
MLIPDEF void *mlip_alloc(size_t bytes);
MLIPDEF void *mlip_alloc_zeroed(size_t count, size_t elem_size); /* checked count*size */
MLIPDEF void mlip_free(void *ptr);

/* RNG: PCG32 (O'Neill), the same seed gives the same numbers on every platform.
   Integer and uniform streams are bit-exact everywhere; normals go through libm. */
typedef struct mlip_rng {
    uint64_t state;
    uint64_t inc;
} mlip_rng;
MLIPDEF void mlip_rng_seed(mlip_rng *rng, uint64_t seed, uint64_t stream);
MLIPDEF uint32_t mlip_rng_u32(mlip_rng *rng);
MLIPDEF uint32_t mlip_rng_below(mlip_rng *rng, uint32_t bound); /* uniform in [0, bound) */
MLIPDEF float mlip_rng_uniform(mlip_rng *rng);                  /* uniform in [0, 1), 24 bits */
MLIPDEF float mlip_rng_normal(mlip_rng *rng);                   /* standard normal */
MLIPDEF void mlip_rng_permutation(mlip_rng *rng, int *out, int n); /* Fisher-Yates */

/* Threads. All parallel work goes through one parallel-for: fn(arg, task, n_tasks) is called
   once for every task in [0, n_tasks), possibly concurrently, and the call returns when all
   are done. Tasks never allocate and never fail. The built-in pool (POSIX threads) is used
   unless the caller installs its own scheduler. */
typedef void (*mlip_task_fn)(void *arg, int task, int n_tasks);
typedef void (*mlip_parallel_for_fn)(void *scheduler, int n_tasks, mlip_task_fn fn, void *arg);

/* Install a scheduler (NULL restores the built-in one). n_threads is how many tasks it can run
   at once; the library splits work into about that many tasks. */
MLIPDEF mlip_status mlip_set_scheduler(mlip_parallel_for_fn fn, void *scheduler, int n_threads);
/* Threads of the built-in pool (1 = run on the calling thread). Default: 1 until set. */
MLIPDEF mlip_status mlip_set_num_threads(int n_threads);
MLIPDEF int mlip_get_num_threads(void);
MLIPDEF void mlip_parallel_for(int n_tasks, mlip_task_fn fn, void *arg);
/* Stop the built-in pool's threads (safe to call more than once; work runs on the calling
   thread until mlip_set_num_threads is called again). */
MLIPDEF void mlip_shutdown(void);

/* ======================================================================================
   2. Tensor helpers (plain float arrays; n elements)
   ====================================================================================== */

MLIPDEF void mlip_fill(float *x, size_t n, float value);
MLIPDEF void mlip_copy(float *dst, const float *src, size_t n);
MLIPDEF void mlip_axpy(float *y, float a, const float *x, size_t n); /* y += a x */
MLIPDEF void mlip_scale(float *x, float a, size_t n);
MLIPDEF double mlip_sum(const float *x, size_t n);
MLIPDEF double mlip_dot(const float *x, const float *y, size_t n);
/* Index of the first NaN/Inf in x, or -1 when all are finite. */
MLIPDEF ptrdiff_t mlip_find_nonfinite(const float *x, size_t n);

/* ======================================================================================
   3. GEMM
   ====================================================================================== */

typedef enum mlip_transpose { MLIP_NO_TRANS = 0, MLIP_TRANS = 1 } mlip_transpose;

/* C (M x N) = alpha * op(A) * op(B) + beta * C, row-major, single precision.
   op(A) is M x K: A is M x K (lda >= K) or, transposed, K x M (lda >= M).
   op(B) is K x N: B is K x N (ldb >= N) or, transposed, N x K (ldb >= K).
   beta == 0 never reads C (so C may hold garbage or NaN). M, N or K == 0 is a valid empty
   product (K == 0 gives C = beta C), as in BLAS. Threaded through mlip_parallel_for. */
MLIPDEF mlip_status mlip_sgemm(mlip_transpose trans_a, mlip_transpose trans_b, int M, int N,
                               int K, float alpha, const float *A, int lda, const float *B,
                               int ldb, float beta, float *C, int ldc);
/* The naive triple loop, same contract: the reference the fast path is tested against. */
MLIPDEF mlip_status mlip_sgemm_reference(mlip_transpose trans_a, mlip_transpose trans_b, int M,
                                         int N, int K, float alpha, const float *A, int lda,
                                         const float *B, int ldb, float beta, float *C, int ldc);
/* GEMM micro-kernels: "avx512", "avx2" (x86, chosen at run time by what the CPU supports),
   "neon" (aarch64) and the portable "scalar", which is always there. */
MLIPDEF const char *mlip_gemm_kernel_name(void); /* the one mlip_sgemm uses now */
/* Kernels this build has that this CPU can run, best first; fills up to max_names names and
   returns how many there are. */
MLIPDEF int mlip_gemm_kernel_list(const char **names, int max_names);
/* Force a kernel by name (tests, benchmarks); NULL returns to the automatic choice. Not
   thread-safe: call it while no GEMM is running. */
MLIPDEF mlip_status mlip_gemm_set_kernel(const char *name);

/* ======================================================================================
   4. Kernels. Shapes in comments: B batch, T tokens, C channels, OC output channels,
      NH heads. Backward functions accumulate into gradients; NULL = not wanted.
   ====================================================================================== */

/* out (rows, OC) = inp (rows, C) . weight^T (OC, C) + bias (OC, may be NULL) */
MLIPDEF mlip_status mlip_linear_forward(float *out, const float *inp, const float *weight,
                                        const float *bias, int rows, int C, int OC);
MLIPDEF mlip_status mlip_linear_backward(float *dinp, float *dweight, float *dbias,
                                         const float *dout, const float *inp,
                                         const float *weight, int rows, int C, int OC);

/* out (rows, C) = (inp - mean) * rstd * weight + bias; mean, rstd (rows) are saved for
   backward (may be NULL when no backward follows). */
MLIPDEF mlip_status mlip_layernorm_forward(float *out, float *mean, float *rstd,
                                           const float *inp, const float *weight,
                                           const float *bias, int rows, int C, float eps);
MLIPDEF mlip_status mlip_layernorm_backward(float *dinp, float *dweight, float *dbias,
                                            const float *dout, const float *inp,
                                            const float *weight, const float *mean,
                                            const float *rstd, int rows, int C);

typedef enum mlip_gelu_kind {
    MLIP_GELU_ERF = 0, /* x/2 (1 + erf(x / sqrt 2)): BERT and ViT checkpoints */
    MLIP_GELU_TANH = 1 /* x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
} mlip_gelu_kind;
/* out (n) = gelu(inp (n)); out may equal inp. */
MLIPDEF mlip_status mlip_gelu_forward(float *out, const float *inp, size_t n,
                                      mlip_gelu_kind kind);
MLIPDEF mlip_status mlip_gelu_backward(float *dinp, const float *inp, const float *dout,
                                       size_t n, mlip_gelu_kind kind);

/* Row-wise softmax: out (rows, C) = softmax(inp (rows, C)). out may equal inp. */
MLIPDEF mlip_status mlip_softmax_forward(float *out, const float *inp, int rows, int C);
MLIPDEF mlip_status mlip_softmax_backward(float *dinp, const float *dout, const float *out,
                                          int rows, int C);

/* Multi-head self-attention core (projections are separate linear layers).
   qkv (B, T, 3C): per token [q | k | v], each split into NH heads of C/NH channels.
   key_mask (B, T) or NULL: nonzero = real token, 0 = padding (never attended to).
   out (B, T, C). att (B, NH, T, T) receives the attention probabilities for backward; pass
   NULL for inference, then only one T x T score block per thread is ever held in memory.
   A query row whose keys are all padding gets a zero output. */
MLIPDEF mlip_status mlip_attention_forward(float *out, float *att, const float *qkv,
                                           const uint8_t *key_mask, int B, int T, int C,
                                           int NH);
MLIPDEF mlip_status mlip_attention_backward(float *dqkv, const float *dout, const float *qkv,
                                            const float *att, int B, int T, int C, int NH);

/* out (n, C) = table[ids[i]] with table (V, C); every id is checked against V. */
MLIPDEF mlip_status mlip_embedding_forward(float *out, const int *ids, const float *table,
                                           int n, int C, int V);
MLIPDEF mlip_status mlip_embedding_backward(float *dtable, const float *dout, const int *ids,
                                            int n, int C, int V);

/* Patch embedding: a convolution with kernel = stride = P, as im2col + GEMM.
   img (B, Cin, H, W) with H, W multiples of P; K = (H/P)(W/P) patches in row-major order.
   patches (B, K, Cin*P*P) receives the unfolded pixels (kept for backward).
   weight (D, Cin, P, P) as PyTorch's Conv2d stores it, bias (D) or NULL; out (B, K, D). */
MLIPDEF mlip_status mlip_patch_embed_forward(float *out, float *patches, const float *img,
                                             const float *weight, const float *bias, int B,
                                             int Cin, int H, int W, int P, int D);
MLIPDEF mlip_status mlip_patch_embed_backward(float *dimg, float *dweight, float *dbias,
                                              const float *dout, const float *patches,
                                              const float *weight, int B, int Cin, int H,
                                              int W, int P, int D);

/* out (n) = a (n) + b (n) */
MLIPDEF mlip_status mlip_residual_forward(float *out, const float *a, const float *b, size_t n);
MLIPDEF mlip_status mlip_residual_backward(float *da, float *db, const float *dout, size_t n);

/* out (rows, C) = inp / max(||inp||, eps) row-wise; norm (rows) saves max(||inp||, eps). */
MLIPDEF mlip_status mlip_l2norm_forward(float *out, float *norm, const float *inp, int rows,
                                        int C, float eps);
MLIPDEF mlip_status mlip_l2norm_backward(float *dinp, const float *dout, const float *out,
                                         const float *norm, int rows, int C);

/* Cross-entropy of softmax(logits (rows, C)) against targets (rows): losses (rows),
   probs (rows, C) saved for backward. A negative target marks a row to ignore (loss 0,
   no gradient); a target >= C is an error. */
MLIPDEF mlip_status mlip_cross_entropy_forward(float *losses, float *probs,
                                               const float *logits, const int *targets,
                                               int rows, int C);
/* dlogits += dlosses[r] * (probs - onehot(target)) */
MLIPDEF mlip_status mlip_cross_entropy_backward(float *dlogits, const float *dlosses,
                                                const float *probs, const int *targets,
                                                int rows, int C);

/* Mean pooling over index spans: out[s] (C) = mean of inp rows [begin[s], end[s]).
   inp (rows, C); spans must be non-empty and inside [0, rows). */
MLIPDEF mlip_status mlip_span_mean_forward(float *out, const float *inp, const int *begin,
                                           const int *end, int n_spans, int rows, int C);
MLIPDEF mlip_status mlip_span_mean_backward(float *dinp, const float *dout, const int *begin,
                                            const int *end, int n_spans, int rows, int C);

/* ======================================================================================
   5. Encoders: ViT (image), BERT (text), projection heads

   Both encoders are a stack of transformer blocks over (B, T, width) tokens; ViT's blocks are
   pre-LayerNorm, BERT's post-LayerNorm. Parameters live in one arena per encoder, gradients in
   a second (made on the first backward), saved activations in a third. Every parameter has the
   name HF transformers gives it (ViTModel / BertModel without the "vit."/"bert." prefix), in
   one fixed order, so a checkpoint maps tensor by tensor.
   ====================================================================================== */

typedef struct mlip_vit_config {
    int image_size;  /* trained square input size in pixels (224 for ViT-B/16) */
    int patch_size;  /* P: patches are P x P, K = (image_size / P)^2 of them */
    int channels;    /* 1 (grayscale radiograph) or 3 */
    int width;       /* token width D */
    int layers, heads, mlp_dim;
    float ln_eps;    /* 1e-12 in HF ViTModel, 1e-6 in timm */
} mlip_vit_config;

typedef struct mlip_bert_config {
    int vocab_size, max_positions, type_vocab_size;
    int width, layers, heads, mlp_dim;
    float ln_eps; /* 1e-12 */
} mlip_bert_config;

/* DESIGN's named configurations. */
MLIPDEF mlip_vit_config mlip_vit_config_tiny(void);    /* 64 px, 1 ch, patch 8, 4 x 128, 4 heads, MLP 512 */
MLIPDEF mlip_vit_config mlip_vit_config_small(void);   /* 224 px, 1 ch, patch 16, 12 x 384, 6 heads (ViT-S/16) */
MLIPDEF mlip_vit_config mlip_vit_config_base(void);    /* 224 px, 3 ch, patch 16, 12 x 768, 12 heads (ViT-B/16) */
MLIPDEF mlip_bert_config mlip_bert_config_tiny(int vocab_size);  /* 4 x 128, 4 heads, 128 positions */
MLIPDEF mlip_bert_config mlip_bert_config_small(int vocab_size); /* 6 x 384, 6 heads, 512 positions */
MLIPDEF mlip_bert_config mlip_bert_config_base(void);  /* BERT-base: 30522 words, 12 x 768, 512 positions */

/* One named tensor of an encoder: its place in the weight (and gradient) arena. */
typedef struct mlip_param_info {
    char name[72];
    int ndim;
    int shape[4];
    size_t offset; /* in floats from the arena start */
    size_t count;
    int decay;     /* 1 for matrices (weight decay applies), 0 for biases, norms, embeddings */
} mlip_param_info;

typedef struct mlip_encoder mlip_encoder; /* a ViT or a BERT; see the functions below */

MLIPDEF mlip_status mlip_vit_create(const mlip_vit_config *config, mlip_encoder **out);
MLIPDEF mlip_status mlip_bert_create(const mlip_bert_config *config, mlip_encoder **out);
MLIPDEF void mlip_encoder_free(mlip_encoder *enc);
/* Random initialisation: matrices and embeddings N(0, 0.02), biases 0, LayerNorm weight 1. */
MLIPDEF void mlip_encoder_init_random(mlip_encoder *enc, uint64_t seed);
/* The parameter table, the arenas (count floats each), and the output width. */
MLIPDEF const mlip_param_info *mlip_encoder_params(const mlip_encoder *enc, int *n_params);
MLIPDEF float *mlip_encoder_weights(mlip_encoder *enc, size_t *count);
MLIPDEF float *mlip_encoder_grads(mlip_encoder *enc); /* NULL before the first backward */
MLIPDEF void mlip_encoder_zero_grad(mlip_encoder *enc);
MLIPDEF float *mlip_encoder_param(mlip_encoder *enc, const char *name, size_t *count); /* or NULL */
MLIPDEF int mlip_encoder_width(const mlip_encoder *enc);
/* Bytes of activations kept for (batch, tokens): what the third arena grows to. */
MLIPDEF size_t mlip_encoder_activation_bytes(const mlip_encoder *enc, int B, int T, int training);

/* ViT forward. img (B, channels, image_size, image_size). visible (B, n_visible) lists, per
   image, the patch indices to encode (masked training), or NULL for all K patches (then
   n_visible is ignored). out (B, 1 + n, width): the final-LayerNorm states, [CLS] first, then
   the visible patches in the order given. training = 1 keeps what backward needs. */
MLIPDEF mlip_status mlip_vit_forward(mlip_encoder *vit, const float *img, int B,
                                     const int *visible, int n_visible, int training,
                                     float *out);
/* Accumulate parameter gradients from dout (B, 1 + n, width) of the last training forward. */
MLIPDEF mlip_status mlip_vit_backward(mlip_encoder *vit, const float *dout);

/* BERT forward. ids (B, T) token ids, type_ids (B, T) or NULL (all 0), mask (B, T) or NULL
   (1 = real token, 0 = padding: padding is never attended to). out (B, T, width): the last
   block's states; the [CLS] state is out[b, 0]. */
MLIPDEF mlip_status mlip_bert_forward(mlip_encoder *bert, const int *ids, const int *type_ids,
                                      const uint8_t *mask, int B, int T, int training,
                                      float *out);
MLIPDEF mlip_status mlip_bert_backward(mlip_encoder *bert, const float *dout);

/* Projection head: out (rows, D) = l2normalise(inp (rows, C) . weight^T + bias).
   proj (rows, D) and norm (rows) are kept for backward (both may be NULL at inference, then
   out serves as scratch). */
MLIPDEF mlip_status mlip_projection_forward(float *out, float *proj, float *norm,
                                            const float *inp, const float *weight,
                                            const float *bias, int rows, int C, int D);
MLIPDEF mlip_status mlip_projection_backward(float *dinp, float *dweight, float *dbias,
                                             const float *dout, const float *out,
                                             const float *norm, const float *inp,
                                             const float *weight, int rows, int C, int D);

/* ======================================================================================
   6. Tokenizer                                         [declarations: not yet written]
   ====================================================================================== */

/* ======================================================================================
   12. Image I/O                                        [declarations: not yet written]
   ====================================================================================== */

#ifdef __cplusplus
}
#endif

#endif /* MLIP_H_INCLUDED */

/* ######################################################################################
   IMPLEMENTATION
   ###################################################################################### */

#ifdef MLIP_IMPLEMENTATION
#ifndef MLIP_IMPLEMENTATION_DONE
#define MLIP_IMPLEMENTATION_DONE

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(MLIP_MALLOC) && defined(MLIP_FREE) && defined(MLIP_REALLOC)
/* ok: all three hooks */
#elif !defined(MLIP_MALLOC) && !defined(MLIP_FREE) && !defined(MLIP_REALLOC)
#define MLIP_MALLOC(sz) malloc(sz)
#define MLIP_REALLOC(p, sz) realloc(p, sz)
#define MLIP_FREE(p) free(p)
#else
#error "Define all of MLIP_MALLOC, MLIP_REALLOC and MLIP_FREE, or none of them."
#endif

#ifndef MLIP_ASSERT
#include <assert.h>
#define MLIP_ASSERT(x) assert(x)
#endif

#if !defined(MLIP_NO_THREADS) && (defined(__unix__) || defined(__APPLE__))
#define MLIP__PTHREADS 1
#include <pthread.h>
#endif

/* SIMD kernels. On x86 with gcc or clang every kernel is compiled (with target attributes)
   and the best one the CPU supports is picked at run time, so one binary runs everywhere and
   the tests can exercise every path; elsewhere the compiler's macros decide. MLIP_NO_SIMD
   leaves only the portable scalar kernel. */
#if !defined(MLIP_NO_SIMD)
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define MLIP__X86_DISPATCH 1
#define MLIP__AVX512 1
#define MLIP__AVX2 1
#define MLIP__TARGET(t) __attribute__((target(t)))
#include <immintrin.h>
#else
#if defined(__AVX512F__)
#define MLIP__AVX512 1
#endif
#if defined(__AVX2__) && defined(__FMA__)
#define MLIP__AVX2 1
#endif
#if defined(MLIP__AVX512) || defined(MLIP__AVX2)
#include <immintrin.h>
#endif
#endif
#if (defined(__ARM_NEON) || defined(__ARM_NEON__)) && defined(__aarch64__)
#define MLIP__NEON 1
#include <arm_neon.h>
#endif
#endif
#ifndef MLIP__TARGET
#define MLIP__TARGET(t)
#endif

#if defined(__cplusplus)
#define MLIP__THREAD_LOCAL thread_local
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_THREADS__)
#define MLIP__THREAD_LOCAL _Thread_local
#elif defined(__GNUC__) || defined(__clang__)
#define MLIP__THREAD_LOCAL __thread
#elif defined(_MSC_VER)
#define MLIP__THREAD_LOCAL __declspec(thread)
#else
#define MLIP__THREAD_LOCAL /* no TLS: the error message is shared between threads */
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MLIP__PRINTF(a, b) __attribute__((format(printf, a, b)))
#define MLIP__UNUSED __attribute__((unused))
#else
#define MLIP__PRINTF(a, b)
#define MLIP__UNUSED
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MLIP__PREFETCH(p) __builtin_prefetch(p) /* a hint: never faults, even past the end */
#else
#define MLIP__PREFETCH(p) ((void)0)
#endif

#define MLIP__MIN(a, b) ((a) < (b) ? (a) : (b))
#define MLIP__MAX(a, b) ((a) > (b) ? (a) : (b))

/* ======================================================================================
   1. Platform
   ====================================================================================== */

static MLIP__THREAD_LOCAL char mlip__error_text[256];

/* Record why a call failed and return the status, so callers can write
   `return mlip__fail(MLIP_ERR_..., "what went wrong: %d", x);` */
static MLIP__PRINTF(2, 3) mlip_status mlip__fail(mlip_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mlip__error_text, sizeof mlip__error_text, fmt, ap);
    va_end(ap);
    return status;
}

MLIPDEF const char *mlip_last_error(void) { return mlip__error_text; }

MLIPDEF const char *mlip_version(void) { return MLIP_VERSION_STRING; }

MLIPDEF const char *mlip_status_string(mlip_status status) {
    switch (status) {
    case MLIP_OK: return "MLIP_OK";
    case MLIP_ERR_INVALID_ARG: return "MLIP_ERR_INVALID_ARG";
    case MLIP_ERR_OVERFLOW: return "MLIP_ERR_OVERFLOW";
    case MLIP_ERR_OUT_OF_MEMORY: return "MLIP_ERR_OUT_OF_MEMORY";
    case MLIP_ERR_IO: return "MLIP_ERR_IO";
    case MLIP_ERR_FORMAT: return "MLIP_ERR_FORMAT";
    case MLIP_ERR_UNSUPPORTED: return "MLIP_ERR_UNSUPPORTED";
    case MLIP_ERR_NUMERIC: return "MLIP_ERR_NUMERIC";
    case MLIP_ERR_THREAD: return "MLIP_ERR_THREAD";
    }
    return "MLIP_ERR_UNKNOWN";
}

MLIPDEF mlip_status mlip_size_mul(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > (size_t)-1 / a)
        return mlip__fail(MLIP_ERR_OVERFLOW, "size overflow: %lu * %lu", (unsigned long)a,
                          (unsigned long)b);
    *out = a * b;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_size_add(size_t a, size_t b, size_t *out) {
    if (b > (size_t)-1 - a)
        return mlip__fail(MLIP_ERR_OVERFLOW, "size overflow: %lu + %lu", (unsigned long)a,
                          (unsigned long)b);
    *out = a + b;
    return MLIP_OK;
}

/* Argument checks shared by every public entry point. */
#define MLIP__CHECK_PTR(p)                                                                     \
    do {                                                                                       \
        if (!(p)) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: %s is NULL", __func__, #p);    \
    } while (0)
#define MLIP__CHECK_POS(n)                                                                     \
    do {                                                                                       \
        if ((n) <= 0)                                                                          \
            return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: %s must be positive (got %ld)",       \
                              __func__, #n, (long)(n));                                        \
    } while (0)

/* Element count a*b*c of positive ints, checked: buffers of that many floats must be
   addressable. */
static mlip_status mlip__count3(size_t *out, int a, int b, int c) {
    size_t n = 0, bytes = 0;
    if (mlip_size_mul((size_t)a, (size_t)b, &n) || mlip_size_mul(n, (size_t)c, &n) ||
        mlip_size_mul(n, sizeof(float), &bytes))
        return MLIP_ERR_OVERFLOW;
    *out = n;
    return MLIP_OK;
}

/* Aligned allocation on top of the hooks: over-allocate, align up to 64 bytes, and keep
   the hook's own pointer just below the aligned block. */
#define MLIP__ALIGN 64
MLIPDEF void *mlip_alloc(size_t bytes) {
    size_t total = 0;
    unsigned char *raw, *aligned;
    if (mlip_size_add(bytes, MLIP__ALIGN + sizeof(void *), &total)) return NULL;
    raw = (unsigned char *)MLIP_MALLOC(total);
    if (!raw) {
        mlip__fail(MLIP_ERR_OUT_OF_MEMORY, "out of memory allocating %lu bytes",
                   (unsigned long)bytes);
        return NULL;
    }
    aligned = raw + sizeof(void *);
    aligned += (MLIP__ALIGN - ((uintptr_t)aligned % MLIP__ALIGN)) % MLIP__ALIGN;
    memcpy(aligned - sizeof(void *), &raw, sizeof raw);
    return aligned;
}

MLIPDEF void *mlip_alloc_zeroed(size_t count, size_t elem_size) {
    size_t bytes = 0;
    void *p;
    if (mlip_size_mul(count, elem_size, &bytes)) return NULL;
    p = mlip_alloc(bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

MLIPDEF void mlip_free(void *ptr) {
    void *raw;
    if (!ptr) return;
    memcpy(&raw, (unsigned char *)ptr - sizeof(void *), sizeof raw);
    MLIP_FREE(raw);
}

/* ---- RNG: PCG32 (XSH-RR output of a 64-bit LCG). Pure integer arithmetic, so every
   platform produces the same stream. ---- */
MLIPDEF uint32_t mlip_rng_u32(mlip_rng *rng) {
    uint64_t old = rng->state;
    uint32_t xorshifted, rot;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

MLIPDEF void mlip_rng_seed(mlip_rng *rng, uint64_t seed, uint64_t stream) {
    rng->state = 0;
    rng->inc = (stream << 1) | 1u;
    mlip_rng_u32(rng);
    rng->state += seed;
    mlip_rng_u32(rng);
}

/* Lemire-free simple rejection: unbiased and portable. */
MLIPDEF uint32_t mlip_rng_below(mlip_rng *rng, uint32_t bound) {
    uint32_t threshold, r;
    if (bound <= 1) return 0;
    threshold = (uint32_t)(0u - bound) % bound; /* 2^32 mod bound */
    for (;;) {
        r = mlip_rng_u32(rng);
        if (r >= threshold) return r % bound;
    }
}

MLIPDEF float mlip_rng_uniform(mlip_rng *rng) {
    return (float)(mlip_rng_u32(rng) >> 8) * (1.0f / 16777216.0f);
}

/* Box-Muller on doubles; one normal per call keeps the stream position simple. */
MLIPDEF float mlip_rng_normal(mlip_rng *rng) {
    double u1 = ((double)(mlip_rng_u32(rng) >> 8) + 1.0) * (1.0 / 16777217.0); /* (0, 1] */
    double u2 = (double)(mlip_rng_u32(rng) >> 8) * (1.0 / 16777216.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

MLIPDEF void mlip_rng_permutation(mlip_rng *rng, int *out, int n) {
    int i;
    for (i = 0; i < n; i++) out[i] = i;
    for (i = n - 1; i > 0; i--) {
        int j = (int)mlip_rng_below(rng, (uint32_t)i + 1u);
        int t = out[i];
        out[i] = out[j];
        out[j] = t;
    }
}

/* ---- Threads: one parallel-for. The built-in pool keeps n-1 workers asleep on a condition
   variable; the calling thread runs task 0 (and any task beyond the workers). Tasks are
   assigned statically (task t to thread t mod n) so no per-task locking is needed. ---- */

static mlip_parallel_for_fn mlip__user_scheduler_fn = NULL;
static void *mlip__user_scheduler = NULL;
static int mlip__user_threads = 1;
static int mlip__num_threads = 1;

#ifdef MLIP__PTHREADS
#define MLIP__MAX_THREADS 256
typedef struct mlip__pool {
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    pthread_t threads[MLIP__MAX_THREADS];
    int n_workers;       /* threads started besides the caller */
    unsigned generation; /* bumped for every job */
    int pending;         /* workers still busy with the current job */
    int quit;
    mlip_task_fn fn;
    void *arg;
    int n_tasks, n_threads;
} mlip__pool;
static mlip__pool mlip__the_pool;
static int mlip__pool_started = 0;

typedef struct mlip__worker_arg {
    int index;
} mlip__worker_arg;
static mlip__worker_arg mlip__worker_args[MLIP__MAX_THREADS];

static void *mlip__worker_main(void *p) {
    int self = ((mlip__worker_arg *)p)->index; /* 1..n_workers */
    mlip__pool *pool = &mlip__the_pool;
    unsigned seen = 0;
    for (;;) {
        int t;
        pthread_mutex_lock(&pool->lock);
        while (pool->generation == seen && !pool->quit) pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->quit) {
            pthread_mutex_unlock(&pool->lock);
            return NULL;
        }
        seen = pool->generation;
        pthread_mutex_unlock(&pool->lock);
        for (t = self; t < pool->n_tasks; t += pool->n_threads) pool->fn(pool->arg, t, pool->n_tasks);
        pthread_mutex_lock(&pool->lock);
        if (--pool->pending == 0) pthread_cond_signal(&pool->done);
        pthread_mutex_unlock(&pool->lock);
    }
}

static void mlip__pool_stop(void) {
    int i;
    mlip__pool *pool = &mlip__the_pool;
    if (!mlip__pool_started) return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (i = 0; i < pool->n_workers; i++) pthread_join(pool->threads[i], NULL);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    mlip__pool_started = 0;
}

static mlip_status mlip__pool_start(int n_threads) {
    int i;
    mlip__pool *pool = &mlip__the_pool;
    memset(pool, 0, sizeof *pool);
    if (pthread_mutex_init(&pool->lock, NULL) || pthread_cond_init(&pool->wake, NULL) ||
        pthread_cond_init(&pool->done, NULL))
        return mlip__fail(MLIP_ERR_THREAD, "could not initialise the thread pool's locks");
    mlip__pool_started = 1;
    for (i = 0; i < n_threads - 1; i++) {
        mlip__worker_args[i].index = i + 1;
        if (pthread_create(&pool->threads[i], NULL, mlip__worker_main, &mlip__worker_args[i])) {
            mlip__pool_stop();
            return mlip__fail(MLIP_ERR_THREAD, "could not start thread %d of %d", i + 2,
                              n_threads);
        }
        pool->n_workers++;
    }
    return MLIP_OK;
}

static void mlip__pool_run(int n_tasks, mlip_task_fn fn, void *arg) {
    mlip__pool *pool = &mlip__the_pool;
    int t, n_threads = pool->n_workers + 1;
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->arg = arg;
    pool->n_tasks = n_tasks;
    pool->n_threads = n_threads;
    pool->pending = pool->n_workers;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (t = 0; t < n_tasks; t += n_threads) fn(arg, t, n_tasks);
    pthread_mutex_lock(&pool->lock);
    while (pool->pending > 0) pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}
#endif /* MLIP__PTHREADS */

MLIPDEF mlip_status mlip_set_num_threads(int n_threads) {
    if (n_threads < 1)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_set_num_threads: %d < 1", n_threads);
#ifdef MLIP__PTHREADS
    if (n_threads > MLIP__MAX_THREADS)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_set_num_threads: %d > %d", n_threads,
                          MLIP__MAX_THREADS);
    if (n_threads == mlip__num_threads && (n_threads == 1 || mlip__pool_started)) return MLIP_OK;
    mlip__pool_stop();
    mlip__num_threads = 1;
    if (n_threads > 1) {
        mlip_status st = mlip__pool_start(n_threads);
        if (st) return st;
    }
    mlip__num_threads = n_threads;
    return MLIP_OK;
#else
    if (n_threads != 1)
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "built without threads (MLIP_NO_THREADS): install a scheduler with "
                          "mlip_set_scheduler to run %d threads",
                          n_threads);
    return MLIP_OK;
#endif
}

MLIPDEF mlip_status mlip_set_scheduler(mlip_parallel_for_fn fn, void *scheduler, int n_threads) {
    if (fn && n_threads < 1)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_set_scheduler: n_threads %d < 1",
                          n_threads);
    mlip__user_scheduler_fn = fn;
    mlip__user_scheduler = scheduler;
    mlip__user_threads = fn ? n_threads : 1;
    return MLIP_OK;
}

MLIPDEF int mlip_get_num_threads(void) {
    return mlip__user_scheduler_fn ? mlip__user_threads : mlip__num_threads;
}

MLIPDEF void mlip_parallel_for(int n_tasks, mlip_task_fn fn, void *arg) {
    int t;
    if (n_tasks <= 0) return;
    if (mlip__user_scheduler_fn) {
        mlip__user_scheduler_fn(mlip__user_scheduler, n_tasks, fn, arg);
        return;
    }
#ifdef MLIP__PTHREADS
    if (mlip__pool_started && n_tasks > 1) {
        mlip__pool_run(n_tasks, fn, arg);
        return;
    }
#endif
    for (t = 0; t < n_tasks; t++) fn(arg, t, n_tasks);
}

MLIPDEF void mlip_shutdown(void) {
#ifdef MLIP__PTHREADS
    mlip__pool_stop();
#endif
    mlip__num_threads = 1;
}

/* ======================================================================================
   2. Tensor helpers
   ====================================================================================== */

MLIPDEF void mlip_fill(float *x, size_t n, float value) {
    size_t i;
    for (i = 0; i < n; i++) x[i] = value;
}

MLIPDEF void mlip_copy(float *dst, const float *src, size_t n) {
    if (n) memmove(dst, src, n * sizeof(float));
}

MLIPDEF void mlip_axpy(float *y, float a, const float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) y[i] += a * x[i];
}

MLIPDEF void mlip_scale(float *x, float a, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) x[i] *= a;
}

MLIPDEF double mlip_sum(const float *x, size_t n) {
    double s = 0;
    size_t i;
    for (i = 0; i < n; i++) s += x[i];
    return s;
}

MLIPDEF double mlip_dot(const float *x, const float *y, size_t n) {
    double s = 0;
    size_t i;
    for (i = 0; i < n; i++) s += (double)x[i] * y[i];
    return s;
}

/* exp and erf without a libm call per element, so loops over them vectorise and give the
   same bits on every platform that rounds float arithmetic the IEEE way.
   exp: x = n ln2 + r with |r| <= ln2/2, e^r by its Taylor series to r^7 (truncation below
   5e-9 relative), 2^n put straight into the exponent bits. Below -87.3 the result is 0
   (e^-87.3 is the smallest normal float); above 88.7 it saturates at 2^127-ish. */
static float mlip__expf(float x) {
    float n, r, p, scale;
    int32_t bits;
    /* Selections are written as arithmetic on 0/1 so compilers see no control flow (gcc
       will not if-convert float selects under -ftrapping-math, and then not vectorise). */
    float below = (float)(x < -87.0f), above = (float)(x > 88.0f);
    float xc = x + below * (-87.0f - x) + above * (88.0f - x);
    n = (float)(int32_t)(xc * 1.44269504f + (0.5f - (float)(xc < 0.0f)));
    r = xc - n * 0.693145751953125f; /* ln 2 split in two: the high part is exact in float */
    r = r - n * 1.42860676533018e-06f;
    p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
    bits = ((int32_t)n + 127) * (1 << 23);
    memcpy(&scale, &bits, sizeof scale);
    return p * scale * (float)(x >= -87.3f);
}

/* erf: below 0.8 its Maclaurin series (to z^17; the next term is < 2e-9), above it
   Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7; with float rounding <= 2.5e-7, about
   float's own resolution near 1, all GELU's 1 + erf needs). Both are computed and one selected,
   so the loop vectorises. */
static float mlip__erff(float x) {
    float neg = (float)(x < 0.0f), z = x * (1.0f - 2.0f * neg), z2 = z * z, t = 1.0f / (1.0f + 0.3275911f * z);
    float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    float tail = 1.0f - poly * mlip__expf(-z2);
    float series = 1.1283791670955126f * z *
                   (1.0f + z2 * (-1.0f / 3 + z2 * (1.0f / 10 + z2 * (-1.0f / 42 + z2 * (1.0f / 216 + z2 * (-1.0f / 1320 +
                    z2 * (1.0f / 9360 + z2 * (-1.0f / 75600 + z2 * (1.0f / 685440)))))))));
    float small = (float)(z < 0.8f), e = small * series + (1.0f - small) * tail;
    return e * (1.0f - 2.0f * neg);
}

MLIPDEF ptrdiff_t mlip_find_nonfinite(const float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        float v = x[i];
        if (v - v != 0.0f) return (ptrdiff_t)i; /* NaN - NaN and Inf - Inf are NaN */
    }
    return -1;
}

/* ======================================================================================
   3. GEMM

   The GotoBLAS/BLIS structure: C is cut into one block per thread; inside a block, loops
   over NC columns -> KC depth -> MC rows pack a KC x NC panel of op(B) and an MC x KC block
   of op(A) into contiguous buffers (zero-padded to whole micro-tiles), and a register-blocked
   micro-kernel multiplies an MR x KC sliver of A by a KC x NR sliver of B. Packing absorbs the
   transposes, so the three forms training needs (A.B, A.B^T, A^T.B) share one kernel.
   ====================================================================================== */

/* Validate a GEMM call: one function shared by the fast path and the reference. */
static mlip_status mlip__gemm_check(const char *who, int trans_a, int trans_b, int M, int N, int K,
                                    const float *A, int lda, const float *B, int ldb,
                                    const float *C, int ldc) {
    int a_cols = trans_a ? M : K, b_cols = trans_b ? K : N;
    if ((unsigned)trans_a > 1u || (unsigned)trans_b > 1u)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: transpose flags must be MLIP_NO_TRANS or MLIP_TRANS", who);
    if (M < 0 || N < 0 || K < 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: negative size (M=%d N=%d K=%d)", who, M, N, K);
    if (M == 0 || N == 0) return MLIP_OK;
    if (!C) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: C is NULL", who);
    if (ldc < N) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: ldc %d < N %d", who, ldc, N);
    if (K == 0) return MLIP_OK;
    if (!A || !B) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: %s is NULL", who, A ? "B" : "A");
    if (lda < MLIP__MAX(a_cols, 1))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: lda %d < %d", who, lda, a_cols);
    if (ldb < MLIP__MAX(b_cols, 1))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: ldb %d < %d", who, ldb, b_cols);
    { /* every matrix must be addressable: rows * ld elements fit in size_t bytes */
        size_t n;
        if (mlip__count3(&n, trans_a ? K : M, lda, 1) || mlip__count3(&n, trans_b ? N : K, ldb, 1) ||
            mlip__count3(&n, M, ldc, 1))
            return mlip__fail(MLIP_ERR_OVERFLOW, "%s: matrix size overflows size_t", who);
    }
    return MLIP_OK;
}

/* The naive reference: obviously right, used by the tests. */
MLIPDEF mlip_status mlip_sgemm_reference(mlip_transpose trans_a, mlip_transpose trans_b, int M,
                                         int N, int K, float alpha, const float *A, int lda,
                                         const float *B, int ldb, float beta, float *C,
                                         int ldc) {
    int i, j, k;
    mlip_status st = mlip__gemm_check("mlip_sgemm_reference", trans_a, trans_b, M, N, K, A, lda,
                                      B, ldb, C, ldc);
    if (st) return st;
    for (i = 0; i < M; i++) {
        for (j = 0; j < N; j++) {
            double acc = 0;
            for (k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = trans_b ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                acc += (double)a * b;
            }
            C[(size_t)i * ldc + j] = (float)(alpha * acc) + (beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j]);
        }
    }
    return MLIP_OK;
}

/* ---- Micro-kernels: c (MR x NR, row stride ldc) = alpha * a-sliver . b-sliver + beta * c,
   with a packed as kc columns of MR values and b as kc rows of NR values. beta == 0 never
   reads c. Each keeps its whole MR x NR tile of C in registers. ---- */
typedef void (*mlip__ukernel_fn)(int kc, const float *a, const float *b, float *c, size_t ldc,
                                 float alpha, float beta);

#if defined(MLIP__AVX512)
/* 14 x 32: 28 zmm accumulators, two zmm of B, one broadcast of A. */
#define MLIP__K512_DECL(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = _mm512_setzero_ps();
#define MLIP__K512_STEP(r)                                                                     \
    {                                                                                          \
        __m512 av = _mm512_set1_ps(a[r]);                                                      \
        c##r##0 = _mm512_fmadd_ps(av, b0, c##r##0);                                            \
        c##r##1 = _mm512_fmadd_ps(av, b1, c##r##1);                                            \
    }
#define MLIP__K512_STORE(r)                                                                    \
    {                                                                                          \
        float *cr = c + (size_t)(r) * ldc;                                                     \
        __m512 o0 = _mm512_mul_ps(c##r##0, va), o1 = _mm512_mul_ps(c##r##1, va);              \
        if (beta != 0.0f) {                                                                    \
            o0 = _mm512_fmadd_ps(_mm512_loadu_ps(cr), vb, o0);                                 \
            o1 = _mm512_fmadd_ps(_mm512_loadu_ps(cr + 16), vb, o1);                            \
        }                                                                                      \
        _mm512_storeu_ps(cr, o0);                                                              \
        _mm512_storeu_ps(cr + 16, o1);                                                         \
    }
#define MLIP__K512_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)
MLIP__TARGET("avx512f")
static void mlip__ukernel_avx512(int kc, const float *a, const float *b, float *c, size_t ldc,
                                 float alpha, float beta) {
    int k;
    __m512 va, vb;
    MLIP__K512_ROWS(MLIP__K512_DECL)
    for (k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        _mm_prefetch((const char *)(b + 8 * 32), _MM_HINT_T0);
        MLIP__K512_ROWS(MLIP__K512_STEP)
        a += 14;
        b += 32;
    }
    va = _mm512_set1_ps(alpha);
    vb = _mm512_set1_ps(beta);
    MLIP__K512_ROWS(MLIP__K512_STORE)
}
#endif

#if defined(MLIP__AVX2)
/* 6 x 16: 12 ymm accumulators, two ymm of B, one broadcast of A. */
#define MLIP__K256_DECL(r) __m256 c##r##0 = _mm256_setzero_ps(), c##r##1 = _mm256_setzero_ps();
#define MLIP__K256_STEP(r)                                                                     \
    {                                                                                          \
        __m256 av = _mm256_broadcast_ss(a + (r));                                              \
        c##r##0 = _mm256_fmadd_ps(av, b0, c##r##0);                                            \
        c##r##1 = _mm256_fmadd_ps(av, b1, c##r##1);                                            \
    }
#define MLIP__K256_STORE(r)                                                                    \
    {                                                                                          \
        float *cr = c + (size_t)(r) * ldc;                                                     \
        __m256 o0 = _mm256_mul_ps(c##r##0, va), o1 = _mm256_mul_ps(c##r##1, va);              \
        if (beta != 0.0f) {                                                                    \
            o0 = _mm256_fmadd_ps(_mm256_loadu_ps(cr), vb, o0);                                 \
            o1 = _mm256_fmadd_ps(_mm256_loadu_ps(cr + 8), vb, o1);                             \
        }                                                                                      \
        _mm256_storeu_ps(cr, o0);                                                              \
        _mm256_storeu_ps(cr + 8, o1);                                                          \
    }
#define MLIP__K256_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
MLIP__TARGET("avx2,fma")
static void mlip__ukernel_avx2(int kc, const float *a, const float *b, float *c, size_t ldc,
                               float alpha, float beta) {
    int k;
    __m256 va, vb;
    MLIP__K256_ROWS(MLIP__K256_DECL)
    for (k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        MLIP__K256_ROWS(MLIP__K256_STEP)
        a += 6;
        b += 16;
    }
    va = _mm256_set1_ps(alpha);
    vb = _mm256_set1_ps(beta);
    MLIP__K256_ROWS(MLIP__K256_STORE)
}
#endif

#if defined(MLIP__NEON)
/* 8 x 12: 24 q-register accumulators; A's 8 values in two registers, used lane by lane. */
#define MLIP__KNEON_DECL(r)                                                                    \
    float32x4_t c##r##0 = vdupq_n_f32(0), c##r##1 = vdupq_n_f32(0), c##r##2 = vdupq_n_f32(0);
#define MLIP__KNEON_STEP(r, areg, lane)                                                        \
    c##r##0 = vfmaq_laneq_f32(c##r##0, b0, areg, lane);                                        \
    c##r##1 = vfmaq_laneq_f32(c##r##1, b1, areg, lane);                                        \
    c##r##2 = vfmaq_laneq_f32(c##r##2, b2, areg, lane);
#define MLIP__KNEON_STORE(r)                                                                   \
    {                                                                                          \
        float *cr = c + (size_t)(r) * ldc;                                                     \
        float32x4_t o0 = vmulq_n_f32(c##r##0, alpha), o1 = vmulq_n_f32(c##r##1, alpha),        \
                    o2 = vmulq_n_f32(c##r##2, alpha);                                          \
        if (beta != 0.0f) {                                                                    \
            o0 = vfmaq_n_f32(o0, vld1q_f32(cr), beta);                                         \
            o1 = vfmaq_n_f32(o1, vld1q_f32(cr + 4), beta);                                     \
            o2 = vfmaq_n_f32(o2, vld1q_f32(cr + 8), beta);                                     \
        }                                                                                      \
        vst1q_f32(cr, o0);                                                                     \
        vst1q_f32(cr + 4, o1);                                                                 \
        vst1q_f32(cr + 8, o2);                                                                 \
    }
#define MLIP__KNEON_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
static void mlip__ukernel_neon(int kc, const float *a, const float *b, float *c, size_t ldc,
                               float alpha, float beta) {
    int k;
    MLIP__KNEON_ROWS(MLIP__KNEON_DECL)
    for (k = 0; k < kc; k++) {
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
        float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
        MLIP__KNEON_STEP(0, a0, 0) MLIP__KNEON_STEP(1, a0, 1)
        MLIP__KNEON_STEP(2, a0, 2) MLIP__KNEON_STEP(3, a0, 3)
        MLIP__KNEON_STEP(4, a1, 0) MLIP__KNEON_STEP(5, a1, 1)
        MLIP__KNEON_STEP(6, a1, 2) MLIP__KNEON_STEP(7, a1, 3)
        a += 8;
        b += 12;
    }
    MLIP__KNEON_ROWS(MLIP__KNEON_STORE)
}
#endif

/* Portable 4 x 8: plain C the compiler may vectorise; always present. */
static void mlip__ukernel_scalar(int kc, const float *a, const float *b, float *c, size_t ldc,
                                 float alpha, float beta) {
    float acc[4 * 8];
    int k, i, j;
    for (i = 0; i < 4 * 8; i++) acc[i] = 0.0f;
    for (k = 0; k < kc; k++) {
        for (i = 0; i < 4; i++)
            for (j = 0; j < 8; j++) acc[i * 8 + j] += a[i] * b[j];
        a += 4;
        b += 8;
    }
    for (i = 0; i < 4; i++)
        for (j = 0; j < 8; j++) {
            float *cij = c + (size_t)i * ldc + j;
            *cij = alpha * acc[i * 8 + j] + (beta != 0.0f ? beta * *cij : 0.0f);
        }
}

typedef struct mlip__gemm_kernel {
    const char *name;
    int mr, nr, mc; /* tile rows, tile columns, rows of A packed per L2 block */
    mlip__ukernel_fn fn;
} mlip__gemm_kernel;

/* In order of preference. */
static const mlip__gemm_kernel mlip__gemm_kernels[] = {
#if defined(MLIP__AVX512)
    {"avx512", 14, 32, 14 * 12, mlip__ukernel_avx512},
#endif
#if defined(MLIP__AVX2)
    {"avx2", 6, 16, 6 * 24, mlip__ukernel_avx2},
#endif
#if defined(MLIP__NEON)
    {"neon", 8, 12, 8 * 16, mlip__ukernel_neon},
#endif
    {"scalar", 4, 8, 4 * 16, mlip__ukernel_scalar},
};
#define MLIP__N_GEMM_KERNELS ((int)(sizeof mlip__gemm_kernels / sizeof mlip__gemm_kernels[0]))
#define MLIP__MAX_TILE (14 * 32)
#define MLIP__KC 256  /* depth of a packed block: a KC x NR sliver of B stays near L1 */
#define MLIP__NC 4096 /* columns of B packed at once (an L3-sized panel) */

static int mlip__gemm_kernel_runs_here(const mlip__gemm_kernel *k) {
#if defined(MLIP__X86_DISPATCH)
    if (!strcmp(k->name, "avx512")) return __builtin_cpu_supports("avx512f");
    if (!strcmp(k->name, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    (void)k;
    return 1;
}

static const mlip__gemm_kernel *mlip__gemm_active = NULL;

static const mlip__gemm_kernel *mlip__gemm_pick(void) {
    int i;
    if (mlip__gemm_active) return mlip__gemm_active;
    for (i = 0; i < MLIP__N_GEMM_KERNELS - 1; i++)
        if (mlip__gemm_kernel_runs_here(&mlip__gemm_kernels[i])) break;
    mlip__gemm_active = &mlip__gemm_kernels[i];
    return mlip__gemm_active;
}

MLIPDEF const char *mlip_gemm_kernel_name(void) { return mlip__gemm_pick()->name; }

MLIPDEF int mlip_gemm_kernel_list(const char **names, int max_names) {
    int i, n = 0;
    for (i = 0; i < MLIP__N_GEMM_KERNELS; i++)
        if (mlip__gemm_kernel_runs_here(&mlip__gemm_kernels[i])) {
            if (names && n < max_names) names[n] = mlip__gemm_kernels[i].name;
            n++;
        }
    return n;
}

MLIPDEF mlip_status mlip_gemm_set_kernel(const char *name) {
    int i;
    if (!name) {
        mlip__gemm_active = NULL;
        return MLIP_OK;
    }
    for (i = 0; i < MLIP__N_GEMM_KERNELS; i++)
        if (!strcmp(mlip__gemm_kernels[i].name, name)) {
            if (!mlip__gemm_kernel_runs_here(&mlip__gemm_kernels[i]))
                return mlip__fail(MLIP_ERR_UNSUPPORTED, "GEMM kernel '%s' is not supported by this CPU", name);
            mlip__gemm_active = &mlip__gemm_kernels[i];
            return MLIP_OK;
        }
    return mlip__fail(MLIP_ERR_UNSUPPORTED, "GEMM kernel '%s' is not compiled into this build", name);
}

typedef struct mlip__gemm_job {
    const mlip__gemm_kernel *kern;
    int trans_a, trans_b, M, N, K;
    float alpha, beta;
    const float *A, *B;
    int lda, ldb;
    float *C;
    int ldc;
    int grid_m, grid_n; /* tasks cut C into grid_m x grid_n blocks */
    float *workspace;   /* per task: packed A (mc x KC) then packed B (KC x NC) */
    size_t workspace_per_task;
} mlip__gemm_job;

/* Pack rows [i0, i0+mc) x depth [p0, p0+kc) of op(A) as MR-row slivers, zero-padded. */
static void mlip__pack_a(float *dst, const mlip__gemm_job *g, int i0, int mc, int p0, int kc) {
    const int MR = g->kern->mr;
    int ir, r, k;
    for (ir = 0; ir < mc; ir += MR) {
        int rows = MLIP__MIN(MR, mc - ir);
        if (!g->trans_a) {
            /* k outer: MR source rows are read side by side (each stays in L1 for 16 steps of
               k) and the destination is written in order; the other way round every write
               lands on a new cache line. */
            const float *src = g->A + (size_t)(i0 + ir) * g->lda + p0;
            for (k = 0; k < kc; k++)
                for (r = 0; r < rows; r++) dst[k * MR + r] = src[(size_t)r * g->lda + k];
        } else {
            for (k = 0; k < kc; k++) {
                const float *src = g->A + (size_t)(p0 + k) * g->lda + i0 + ir;
                for (r = 0; r < rows; r++) dst[k * MR + r] = src[r];
            }
        }
        if (rows < MR)
            for (k = 0; k < kc; k++)
                for (r = rows; r < MR; r++) dst[k * MR + r] = 0.0f;
        dst += (size_t)MR * kc;
    }
}

/* Pack depth [p0, p0+kc) x columns [j0, j0+nc) of op(B) as NR-column slivers, zero-padded. */
static void mlip__pack_b(float *dst, const mlip__gemm_job *g, int p0, int kc, int j0, int nc) {
    const int NR = g->kern->nr;
    int jr, j, k;
    for (jr = 0; jr < nc; jr += NR) {
        int cols = MLIP__MIN(NR, nc - jr);
        if (!g->trans_b) {
            for (k = 0; k < kc; k++) {
                const float *src = g->B + (size_t)(p0 + k) * g->ldb + j0 + jr;
                float *d = dst + (size_t)k * NR;
                for (j = 0; j < cols; j++) d[j] = src[j];
                for (; j < NR; j++) d[j] = 0.0f;
            }
        } else { /* B^T (the weights of x . W^T): a transpose, done k outer as in pack_a.
                    The NR source rows usually come from memory, and no hardware prefetcher
                    follows NR streams at once: ask for each row's next lines ourselves. */
            const float *src = g->B + (size_t)(j0 + jr) * g->ldb + p0;
            for (k = 0; k < kc; k++) {
                float *d = dst + (size_t)k * NR;
                if ((k & 15) == 0)
                    for (j = 0; j < cols; j++) MLIP__PREFETCH(src + (size_t)j * g->ldb + k + 64);
                for (j = 0; j < cols; j++) d[j] = src[(size_t)j * g->ldb + k];
                for (; j < NR; j++) d[j] = 0.0f;
            }
        }
        dst += (size_t)NR * kc;
    }
}

/* Split [0, n) into `parts` ranges aligned to `unit`; return range `index`. */
static void mlip__split(int n, int unit, int parts, int index, int *begin, int *end) {
    int units = (n + unit - 1) / unit;
    int base = units / parts, extra = units % parts;
    int b = index * base + MLIP__MIN(index, extra);
    int e = b + base + (index < extra ? 1 : 0);
    *begin = MLIP__MIN(n, b * unit);
    *end = MLIP__MIN(n, e * unit);
}

static void mlip__gemm_task(void *arg, int task, int n_tasks) {
    const mlip__gemm_job *g = (const mlip__gemm_job *)arg;
    float *pack_a = g->workspace + g->workspace_per_task * (size_t)task;
    const int MR = g->kern->mr, NR = g->kern->nr, MC = g->kern->mc;
    const mlip__ukernel_fn ukernel = g->kern->fn;
    float *pack_b = pack_a + (size_t)MC * MLIP__KC;
    float tile[MLIP__MAX_TILE];
    int m0, m1, n0, n1, jc, pc, ic, jr, ir, i, j;
    (void)n_tasks;
    mlip__split(g->M, MR, g->grid_m, task / g->grid_n, &m0, &m1);
    mlip__split(g->N, NR, g->grid_n, task % g->grid_n, &n0, &n1);
    for (jc = n0; jc < n1; jc += MLIP__NC) {
        int nc = MLIP__MIN(MLIP__NC, n1 - jc);
        for (pc = 0; pc < g->K; pc += MLIP__KC) {
            int kc = MLIP__MIN(MLIP__KC, g->K - pc);
            float beta = pc == 0 ? g->beta : 1.0f;
            mlip__pack_b(pack_b, g, pc, kc, jc, nc);
            for (ic = m0; ic < m1; ic += MC) {
                int mc = MLIP__MIN(MC, m1 - ic);
                mlip__pack_a(pack_a, g, ic, mc, pc, kc);
                for (jr = 0; jr < nc; jr += NR) {
                    int cols = MLIP__MIN(NR, nc - jr);
                    const float *bp = pack_b + (size_t)jr * kc;
                    for (ir = 0; ir < mc; ir += MR) {
                        int rows = MLIP__MIN(MR, mc - ir);
                        const float *ap = pack_a + (size_t)ir * kc;
                        float *c = g->C + (size_t)(ic + ir) * g->ldc + jc + jr;
                        if (rows == MR && cols == NR) {
                            ukernel(kc, ap, bp, c, (size_t)g->ldc, g->alpha, beta);
                        } else { /* edge tile: compute whole, merge the valid part */
                            ukernel(kc, ap, bp, tile, NR, g->alpha, 0.0f);
                            for (i = 0; i < rows; i++)
                                for (j = 0; j < cols; j++) {
                                    float *cij = c + (size_t)i * g->ldc + j;
                                    *cij = tile[i * NR + j] + (beta != 0.0f ? beta * *cij : 0.0f);
                                }
                        }
                    }
                }
            }
        }
    }
}

/* C = beta C when the product is empty (K == 0). */
static void mlip__gemm_scale_c(int M, int N, float beta, float *C, int ldc) {
    int i, j;
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            float *c = C + (size_t)i * ldc + j;
            *c = beta == 0.0f ? 0.0f : beta * *c;
        }
}

/* Fill a job for `threads` tasks (grid chosen so the busiest task gets the fewest tiles) and
   return the workspace floats each task needs. Arguments are already checked, M, N, K > 0. */
static size_t mlip__gemm_plan(mlip__gemm_job *g, int threads, int trans_a, int trans_b, int M,
                              int N, int K, float alpha, const float *A, int lda, const float *B,
                              int ldb, float beta, float *C, int ldc) {
    const mlip__gemm_kernel *kern = mlip__gemm_pick();
    const int MR = kern->mr, NR = kern->nr;
    double mt = (double)((M + MR - 1) / MR), nt = (double)((N + NR - 1) / NR), best_cost = -1;
    int tm, best_tm = 1;
    size_t kc_max, nc_max, per_task;
    if (threads > mt * nt) threads = (int)(mt * nt);
    if (threads < 1) threads = 1;
    for (tm = 1; tm <= threads; tm++) {
        double cost;
        if (threads % tm) continue;
        cost = ceil(mt / tm) * ceil(nt / (threads / tm));
        if (best_cost < 0 || cost < best_cost) best_cost = cost, best_tm = tm;
    }
    memset(g, 0, sizeof *g);
    g->kern = kern;
    g->trans_a = trans_a, g->trans_b = trans_b, g->M = M, g->N = N, g->K = K;
    g->alpha = alpha, g->beta = beta, g->A = A, g->B = B, g->lda = lda, g->ldb = ldb, g->C = C, g->ldc = ldc;
    g->grid_m = best_tm, g->grid_n = threads / best_tm;
    kc_max = (size_t)MLIP__MIN(K, MLIP__KC);
    nc_max = (size_t)MLIP__MIN(((N + g->grid_n - 1) / g->grid_n + 2 * NR), MLIP__NC);
    nc_max = (nc_max + NR - 1) / NR * NR;
    per_task = (size_t)kern->mc * MLIP__KC + kc_max * nc_max;
    per_task = (per_task + 15) / 16 * 16; /* keep each task's block 64-byte aligned */
    g->workspace_per_task = per_task;
    return per_task;
}

MLIPDEF mlip_status mlip_sgemm(mlip_transpose trans_a, mlip_transpose trans_b, int M, int N,
                               int K, float alpha, const float *A, int lda, const float *B,
                               int ldb, float beta, float *C, int ldc) {
    mlip__gemm_job g;
    int threads;
    size_t per_task, total = 0;
    mlip_status st = mlip__gemm_check("mlip_sgemm", trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc);
    if (st) return st;
    if (M == 0 || N == 0) return MLIP_OK;
    if (K == 0) {
        mlip__gemm_scale_c(M, N, beta, C, ldc);
        return MLIP_OK;
    }
    threads = 2.0 * M * N * K < 2e6 ? 1 : mlip_get_num_threads(); /* tiny: not worth a wake-up */
    per_task = mlip__gemm_plan(&g, threads, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    threads = g.grid_m * g.grid_n;
    if (mlip_size_mul(per_task * sizeof(float), (size_t)threads, &total)) return MLIP_ERR_OVERFLOW;
    g.workspace = (float *)mlip_alloc(total);
    if (!g.workspace) return MLIP_ERR_OUT_OF_MEMORY;
    mlip_parallel_for(threads, mlip__gemm_task, &g);
    mlip_free(g.workspace);
    return MLIP_OK;
}

/* For callers that are themselves parallel tasks (attention runs one head per task): the same
   product on the calling thread only, in a workspace the caller sized with
   mlip__gemm_serial_floats(N, K). Arguments must already be valid; M, N, K > 0. */
static size_t mlip__gemm_serial_floats(int N, int K) {
    const mlip__gemm_kernel *kern = mlip__gemm_pick();
    size_t nc = (size_t)MLIP__MIN(N + 2 * kern->nr, MLIP__NC);
    nc = (nc + (size_t)kern->nr - 1) / (size_t)kern->nr * (size_t)kern->nr;
    return ((size_t)kern->mc * MLIP__KC + (size_t)MLIP__MIN(K, MLIP__KC) * nc + 15) / 16 * 16;
}

static void mlip__sgemm_serial(int trans_a, int trans_b, int M, int N, int K, float alpha,
                               const float *A, int lda, const float *B, int ldb, float beta,
                               float *C, int ldc, float *workspace) {
    mlip__gemm_job g;
    mlip__gemm_plan(&g, 1, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    g.workspace = workspace;
    mlip__gemm_task(&g, 0, 1);
}

/* ======================================================================================
   4. Kernels: forward/backward pairs

   Each forward checks its arguments once and does the work; each backward accumulates into
   the gradients it is given. The heavy lifting (linear, patch embedding) is mlip_sgemm; the
   memory-bound row kernels split rows over the thread pool through mlip__for_rows.
   ====================================================================================== */

/* Run fn over [0, rows) in at most mlip_get_num_threads() chunks (task = chunk index, for
   per-task scratch), or inline as task 0 when the work is too small to share. */
typedef void (*mlip__rows_fn)(void *arg, int r0, int r1, int task);
typedef struct mlip__rows_job {
    mlip__rows_fn fn;
    void *arg;
    int rows;
} mlip__rows_job;

static void mlip__rows_task(void *p, int task, int n_tasks) {
    const mlip__rows_job *job = (const mlip__rows_job *)p;
    int r0, r1;
    mlip__split(job->rows, 1, n_tasks, task, &r0, &r1);
    if (r0 < r1) job->fn(job->arg, r0, r1, task);
}

static void mlip__for_rows(int rows, double work_per_row, mlip__rows_fn fn, void *arg) {
    int threads = mlip_get_num_threads();
    mlip__rows_job job;
    if (threads > rows) threads = rows;
    if (threads <= 1 || (double)rows * work_per_row < 65536.0) {
        fn(arg, 0, rows, 0);
        return;
    }
    job.fn = fn, job.arg = arg, job.rows = rows;
    mlip_parallel_for(threads, mlip__rows_task, &job);
}

/* ---- linear ----
   The strided forms (leading dimensions ldo/ldi/ldd) serve the encoders, which write q, k
   and v side by side into one (rows, 3C) buffer; the public functions are the dense case. */

/* out (rows, OC; ld ldo) = [out +] inp (rows, C; ld ldi) . weight^T + bias */
static mlip_status mlip__linear(float *out, int ldo, const float *inp, int ldi,
                                const float *weight, const float *bias, int rows, int C, int OC,
                                int accumulate) {
    int r, o;
    if (bias) /* put the bias in first and let the GEMM accumulate onto it */
        for (r = 0; r < rows; r++) {
            float *y = out + (size_t)r * ldo;
            if (accumulate)
                for (o = 0; o < OC; o++) y[o] += bias[o];
            else
                memcpy(y, bias, sizeof(float) * (size_t)OC);
        }
    return mlip_sgemm(MLIP_NO_TRANS, MLIP_TRANS, rows, OC, C, 1.0f, inp, ldi, weight, C,
                      (bias || accumulate) ? 1.0f : 0.0f, out, ldo);
}

static mlip_status mlip__linear_backward(float *dinp, int ldd, float *dweight, float *dbias,
                                         const float *dout, int ldo, const float *inp, int ldi,
                                         const float *weight, int rows, int C, int OC) {
    mlip_status st;
    if (dinp) { /* dinp (rows, C) += dout (rows, OC) . weight (OC, C) */
        st = mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, rows, C, OC, 1.0f, dout, ldo, weight, C, 1.0f, dinp, ldd);
        if (st) return st;
    }
    if (dweight) { /* dweight (OC, C) += dout^T (OC, rows) . inp (rows, C) */
        st = mlip_sgemm(MLIP_TRANS, MLIP_NO_TRANS, OC, C, rows, 1.0f, dout, ldo, inp, ldi, 1.0f, dweight, C);
        if (st) return st;
    }
    if (dbias) {
        int r, o;
        for (r = 0; r < rows; r++) {
            const float *d = dout + (size_t)r * ldo;
            for (o = 0; o < OC; o++) dbias[o] += d[o];
        }
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_linear_forward(float *out, const float *inp, const float *weight,
                                        const float *bias, int rows, int C, int OC) {
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(inp); MLIP__CHECK_PTR(weight);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C); MLIP__CHECK_POS(OC);
    return mlip__linear(out, OC, inp, C, weight, bias, rows, C, OC, 0);
}

MLIPDEF mlip_status mlip_linear_backward(float *dinp, float *dweight, float *dbias,
                                         const float *dout, const float *inp,
                                         const float *weight, int rows, int C, int OC) {
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C); MLIP__CHECK_POS(OC);
    if (dinp) MLIP__CHECK_PTR(weight);
    if (dweight) MLIP__CHECK_PTR(inp);
    return mlip__linear_backward(dinp, C, dweight, dbias, dout, OC, inp, C, weight, rows, C, OC);
}

/* ---- layernorm ---- */

typedef struct mlip__ln_args {
    float *out, *mean, *rstd;
    const float *inp, *weight, *bias;
    int C;
    float eps;
} mlip__ln_args;

static void mlip__layernorm_rows(void *p, int r0, int r1, int task) {
    const mlip__ln_args *a = (const mlip__ln_args *)p;
    int r, i, C = a->C;
    (void)task;
    for (r = r0; r < r1; r++) {
        const float *x = a->inp + (size_t)r * C;
        float *y = a->out + (size_t)r * C;
        float m = 0.0f, v = 0.0f, s;
        for (i = 0; i < C; i++) m += x[i];
        m /= (float)C;
        for (i = 0; i < C; i++) v += (x[i] - m) * (x[i] - m);
        v /= (float)C; /* biased variance, as PyTorch's LayerNorm */
        s = 1.0f / sqrtf(v + a->eps);
        for (i = 0; i < C; i++) {
            float n = (x[i] - m) * s;
            y[i] = n * (a->weight ? a->weight[i] : 1.0f) + (a->bias ? a->bias[i] : 0.0f);
        }
        if (a->mean) a->mean[r] = m;
        if (a->rstd) a->rstd[r] = s;
    }
}

MLIPDEF mlip_status mlip_layernorm_forward(float *out, float *mean, float *rstd,
                                           const float *inp, const float *weight,
                                           const float *bias, int rows, int C, float eps) {
    mlip__ln_args a;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(inp);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    if (!(eps >= 0.0f))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_layernorm_forward: eps must be >= 0");
    a.out = out, a.mean = mean, a.rstd = rstd, a.inp = inp, a.weight = weight, a.bias = bias;
    a.C = C, a.eps = eps;
    mlip__for_rows(rows, 6.0 * C, mlip__layernorm_rows, &a);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_layernorm_backward(float *dinp, float *dweight, float *dbias,
                                            const float *dout, const float *inp,
                                            const float *weight, const float *mean,
                                            const float *rstd, int rows, int C) {
    int r, i;
    MLIP__CHECK_PTR(dout); MLIP__CHECK_PTR(inp); MLIP__CHECK_PTR(mean); MLIP__CHECK_PTR(rstd);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    for (r = 0; r < rows; r++) {
        const float *x = inp + (size_t)r * C, *dy = dout + (size_t)r * C;
        float m = mean[r], s = rstd[r], dnorm_mean = 0.0f, dnorm_norm_mean = 0.0f;
        /* with n = (x - m) s and dn = w dy:  dx = s (dn - mean(dn) - n mean(dn n)) */
        for (i = 0; i < C; i++) {
            float n = (x[i] - m) * s, dn = (weight ? weight[i] : 1.0f) * dy[i];
            dnorm_mean += dn;
            dnorm_norm_mean += dn * n;
        }
        dnorm_mean /= (float)C;
        dnorm_norm_mean /= (float)C;
        for (i = 0; i < C; i++) {
            float n = (x[i] - m) * s, dn = (weight ? weight[i] : 1.0f) * dy[i];
            if (dinp) dinp[(size_t)r * C + i] += s * (dn - dnorm_mean - n * dnorm_norm_mean);
            if (dweight) dweight[i] += n * dy[i];
            if (dbias) dbias[i] += dy[i];
        }
    }
    return MLIP_OK;
}

/* ---- GELU ---- */

#define MLIP__SQRT_HALF 0.70710678118654752f
#define MLIP__INV_SQRT_2PI 0.39894228040143268f
#define MLIP__SQRT_2_OVER_PI 0.79788456080286536f

static mlip_status mlip__gelu_check(const char *who, const void *a, const void *b, size_t n,
                                    mlip_gelu_kind kind) {
    if (!a || !b) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: NULL buffer", who);
    if (n == 0) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: n must be positive", who);
    if (kind != MLIP_GELU_ERF && kind != MLIP_GELU_TANH)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: unknown GELU kind %d", who, (int)kind);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_gelu_forward(float *out, const float *inp, size_t n,
                                      mlip_gelu_kind kind) {
    size_t i;
    mlip_status st = mlip__gelu_check("mlip_gelu_forward", out, inp, n, kind);
    if (st) return st;
    if (kind == MLIP_GELU_ERF) {
        for (i = 0; i < n; i++) out[i] = 0.5f * inp[i] * (1.0f + mlip__erff(inp[i] * MLIP__SQRT_HALF));
    } else {
        for (i = 0; i < n; i++) {
            float x = inp[i], u = MLIP__SQRT_2_OVER_PI * (x + 0.044715f * x * x * x);
            out[i] = 0.5f * x * (1.0f + tanhf(u));
        }
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_gelu_backward(float *dinp, const float *inp, const float *dout,
                                       size_t n, mlip_gelu_kind kind) {
    size_t i;
    mlip_status st = mlip__gelu_check("mlip_gelu_backward", dinp, inp, n, kind);
    if (st) return st;
    MLIP__CHECK_PTR(dout);
    if (kind == MLIP_GELU_ERF) {
        for (i = 0; i < n; i++) {
            float x = inp[i];
            float cdf = 0.5f * (1.0f + mlip__erff(x * MLIP__SQRT_HALF));
            float pdf = MLIP__INV_SQRT_2PI * mlip__expf(-0.5f * x * x);
            dinp[i] += dout[i] * (cdf + x * pdf);
        }
    } else {
        for (i = 0; i < n; i++) {
            float x = inp[i], u = MLIP__SQRT_2_OVER_PI * (x + 0.044715f * x * x * x);
            float t = tanhf(u), du = MLIP__SQRT_2_OVER_PI * (1.0f + 3.0f * 0.044715f * x * x);
            dinp[i] += dout[i] * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du);
        }
    }
    return MLIP_OK;
}

/* ---- softmax ---- */

/* y (n) = softmax(x (n)); y may equal x. */
static void mlip__softmax_row(float *y, const float *x, int n) {
    float mx = x[0], sum = 0.0f, inv;
    int i;
    for (i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    for (i = 0; i < n; i++) {
        y[i] = mlip__expf(x[i] - mx);
        sum += y[i];
    }
    inv = 1.0f / sum;
    for (i = 0; i < n; i++) y[i] *= inv;
}

typedef struct mlip__softmax_args {
    float *out;
    const float *inp;
    int C;
} mlip__softmax_args;

static void mlip__softmax_rows(void *p, int r0, int r1, int task) {
    const mlip__softmax_args *a = (const mlip__softmax_args *)p;
    int r;
    (void)task;
    for (r = r0; r < r1; r++) mlip__softmax_row(a->out + (size_t)r * a->C, a->inp + (size_t)r * a->C, a->C);
}

MLIPDEF mlip_status mlip_softmax_forward(float *out, const float *inp, int rows, int C) {
    mlip__softmax_args a;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(inp);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    a.out = out, a.inp = inp, a.C = C;
    mlip__for_rows(rows, 20.0 * C, mlip__softmax_rows, &a);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_softmax_backward(float *dinp, const float *dout, const float *out,
                                          int rows, int C) {
    int r, i;
    MLIP__CHECK_PTR(dinp); MLIP__CHECK_PTR(dout); MLIP__CHECK_PTR(out);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    for (r = 0; r < rows; r++) { /* dx_i = y_i (dy_i - sum_j y_j dy_j) */
        const float *y = out + (size_t)r * C, *dy = dout + (size_t)r * C;
        float dot = 0.0f;
        for (i = 0; i < C; i++) dot += y[i] * dy[i];
        for (i = 0; i < C; i++) dinp[(size_t)r * C + i] += y[i] * (dy[i] - dot);
    }
    return MLIP_OK;
}

/* ---- multi-head self-attention ---- */

static mlip_status mlip__attention_check(const char *who, int B, int T, int C, int NH) {
    size_t n = 0;
    if (B <= 0 || T <= 0 || C <= 0 || NH <= 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: B, T, C, NH must be positive (%d %d %d %d)",
                          who, B, T, C, NH);
    if (C % NH)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: C %d is not a multiple of NH %d", who, C, NH);
    /* qkv (B, T, 3C) and att (B, NH, T, T) must be addressable; row indices fit in int */
    if (C > 0x7fffffff / 3 || mlip__count3(&n, B, T, 3 * C) || mlip__count3(&n, B, NH, T) ||
        mlip_size_mul(n, (size_t)T, &n) || (double)B * NH * T > 0x7fffffff)
        return mlip__fail(MLIP_ERR_OVERFLOW, "%s: sizes overflow (B=%d T=%d C=%d NH=%d)", who, B, T, C, NH);
    return MLIP_OK;
}

/* Attention runs one (sequence, head) pair per step, each as two small GEMMs on the calling
   thread (S = scale Q K^T, then out = softmax(S) V); the pairs are shared out over the pool.
   Each task owns one T x T score block and one GEMM workspace, allocated up front. */
typedef struct mlip__attn_args {
    float *out, *att, *scratch; /* scratch: per task, T*T scores + GEMM workspace */
    const float *qkv;
    const float *dout;
    float *dqkv;
    const uint8_t *key_mask;
    int B, T, C, NH;
    size_t scratch_per_task, gemm_floats;
} mlip__attn_args;

/* Row-wise softmax of the scores in place, over the real keys only. */
static void mlip__attention_softmax(float *S, int T, const uint8_t *mask) {
    int t, t2;
    for (t = 0; t < T; t++) {
        float *s = S + (size_t)t * T, mx = -FLT_MAX, sum = 0.0f, inv;
        for (t2 = 0; t2 < T; t2++)
            if ((!mask || mask[t2]) && s[t2] > mx) mx = s[t2];
        for (t2 = 0; t2 < T; t2++) {
            s[t2] = (mask && !mask[t2]) ? 0.0f : mlip__expf(s[t2] - mx);
            sum += s[t2];
        }
        inv = sum > 0.0f ? 1.0f / sum : 0.0f; /* no real key at all: zero output */
        for (t2 = 0; t2 < T; t2++) s[t2] *= inv;
    }
}

static void mlip__attention_heads(void *p, int r0, int r1, int task) {
    const mlip__attn_args *a = (const mlip__attn_args *)p;
    int T = a->T, C = a->C, NH = a->NH, hs = C / NH, C3 = 3 * C, bh;
    float scale = 1.0f / sqrtf((float)hs);
    float *scratch = a->scratch + a->scratch_per_task * (size_t)task;
    float *ws = scratch + (size_t)T * T;
    for (bh = r0; bh < r1; bh++) {
        int b = bh / NH, h = bh % NH;
        const float *q = a->qkv + (size_t)b * T * C3 + (size_t)h * hs;
        float *S = a->att ? a->att + (size_t)bh * T * T : scratch;
        mlip__sgemm_serial(0, 1, T, T, hs, scale, q, C3, q + C, C3, 0.0f, S, T, ws);
        mlip__attention_softmax(S, T, a->key_mask ? a->key_mask + (size_t)b * T : NULL);
        mlip__sgemm_serial(0, 0, T, hs, T, 1.0f, S, T, q + 2 * C, C3, 0.0f,
                           a->out + (size_t)b * T * C + (size_t)h * hs, C, ws);
    }
}

/* Per-task scratch for attention: a T x T block and a workspace for GEMMs with N, K in {T, hs}. */
static mlip_status mlip__attention_scratch(mlip__attn_args *a) {
    size_t g1 = mlip__gemm_serial_floats(a->T, a->C / a->NH), g2 = mlip__gemm_serial_floats(a->C / a->NH, a->T);
    size_t tt = 0, per = 0, total = 0;
    a->gemm_floats = g1 > g2 ? g1 : g2;
    if (mlip_size_mul((size_t)a->T, (size_t)a->T, &tt) || mlip_size_add((tt + 15) / 16 * 16, a->gemm_floats, &per) ||
        mlip_size_mul(per, (size_t)mlip_get_num_threads(), &total) || mlip_size_mul(total, sizeof(float), &total))
        return MLIP_ERR_OVERFLOW;
    a->scratch_per_task = per;
    a->scratch = (float *)mlip_alloc(total);
    return a->scratch ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
}

MLIPDEF mlip_status mlip_attention_forward(float *out, float *att, const float *qkv,
                                           const uint8_t *key_mask, int B, int T, int C,
                                           int NH) {
    mlip__attn_args a;
    mlip_status st = mlip__attention_check("mlip_attention_forward", B, T, C, NH);
    if (st) return st;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(qkv);
    memset(&a, 0, sizeof a);
    a.out = out, a.att = att, a.qkv = qkv, a.key_mask = key_mask;
    a.B = B, a.T = T, a.C = C, a.NH = NH;
    if ((st = mlip__attention_scratch(&a))) return st;
    mlip__for_rows(B * NH, 4.0 * T * T * (C / NH), mlip__attention_heads, &a);
    mlip_free(a.scratch);
    return MLIP_OK;
}

/* Backward of one (sequence, head): with P the probabilities and dO the output gradient,
   dP = dO V^T, dV += P^T dO, dS = P (dP - rowsum(P dP)) scale, dQ += dS K, dK += dS^T Q.
   A task owns whole heads, so its dq, dk, dv slices are written by nobody else. */
static void mlip__attention_back_heads(void *p, int r0, int r1, int task) {
    const mlip__attn_args *a = (const mlip__attn_args *)p;
    int T = a->T, C = a->C, NH = a->NH, hs = C / NH, C3 = 3 * C, bh, t, t2;
    float scale = 1.0f / sqrtf((float)hs);
    float *dP = a->scratch + a->scratch_per_task * (size_t)task, *ws = dP + (size_t)T * T;
    for (bh = r0; bh < r1; bh++) {
        int b = bh / NH, h = bh % NH;
        const float *P = a->att + (size_t)bh * T * T;
        const float *q = a->qkv + (size_t)b * T * C3 + (size_t)h * hs;
        const float *dO = a->dout + (size_t)b * T * C + (size_t)h * hs;
        float *dq = a->dqkv + (size_t)b * T * C3 + (size_t)h * hs;
        mlip__sgemm_serial(0, 1, T, T, hs, 1.0f, dO, C, q + 2 * C, C3, 0.0f, dP, T, ws);
        mlip__sgemm_serial(1, 0, T, hs, T, 1.0f, P, T, dO, C, 1.0f, dq + 2 * C, C3, ws);
        for (t = 0; t < T; t++) {
            const float *pr = P + (size_t)t * T;
            float *d = dP + (size_t)t * T, dot = 0.0f;
            for (t2 = 0; t2 < T; t2++) dot += pr[t2] * d[t2];
            for (t2 = 0; t2 < T; t2++) d[t2] = pr[t2] * (d[t2] - dot) * scale;
        }
        mlip__sgemm_serial(0, 0, T, hs, T, 1.0f, dP, T, q + C, C3, 1.0f, dq, C3, ws);
        mlip__sgemm_serial(1, 0, T, hs, T, 1.0f, dP, T, q, C3, 1.0f, dq + C, C3, ws);
    }
}

MLIPDEF mlip_status mlip_attention_backward(float *dqkv, const float *dout, const float *qkv,
                                            const float *att, int B, int T, int C, int NH) {
    mlip__attn_args a;
    mlip_status st = mlip__attention_check("mlip_attention_backward", B, T, C, NH);
    if (st) return st;
    MLIP__CHECK_PTR(dqkv); MLIP__CHECK_PTR(dout); MLIP__CHECK_PTR(qkv); MLIP__CHECK_PTR(att);
    memset(&a, 0, sizeof a);
    a.dqkv = dqkv, a.dout = dout, a.qkv = qkv, a.att = (float *)(uintptr_t)att;
    a.B = B, a.T = T, a.C = C, a.NH = NH;
    if ((st = mlip__attention_scratch(&a))) return st;
    mlip__for_rows(B * NH, 8.0 * T * T * (C / NH), mlip__attention_back_heads, &a);
    mlip_free(a.scratch);
    return MLIP_OK;
}

/* ---- embedding lookup ---- */

static mlip_status mlip__check_ids(const char *who, const int *ids, int n, int V) {
    int i;
    for (i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= V)
            return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: id %d at position %d is outside [0, %d)",
                              who, ids[i], i, V);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_embedding_forward(float *out, const int *ids, const float *table,
                                           int n, int C, int V) {
    int i;
    mlip_status st;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(ids); MLIP__CHECK_PTR(table);
    MLIP__CHECK_POS(n); MLIP__CHECK_POS(C); MLIP__CHECK_POS(V);
    if ((st = mlip__check_ids("mlip_embedding_forward", ids, n, V))) return st;
    for (i = 0; i < n; i++)
        memcpy(out + (size_t)i * C, table + (size_t)ids[i] * C, sizeof(float) * (size_t)C);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_embedding_backward(float *dtable, const float *dout, const int *ids,
                                            int n, int C, int V) {
    int i;
    mlip_status st;
    MLIP__CHECK_PTR(dtable); MLIP__CHECK_PTR(dout); MLIP__CHECK_PTR(ids);
    MLIP__CHECK_POS(n); MLIP__CHECK_POS(C); MLIP__CHECK_POS(V);
    if ((st = mlip__check_ids("mlip_embedding_backward", ids, n, V))) return st;
    for (i = 0; i < n; i++) mlip_axpy(dtable + (size_t)ids[i] * C, 1.0f, dout + (size_t)i * C, (size_t)C);
    return MLIP_OK;
}

/* ---- patch embedding ---- */

static mlip_status mlip__patch_check(const char *who, int B, int Cin, int H, int W, int P, int D) {
    size_t n = 0;
    if (B <= 0 || Cin <= 0 || H <= 0 || W <= 0 || P <= 0 || D <= 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: sizes must be positive", who);
    if (H % P || W % P)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: image %dx%d is not a multiple of patch %d",
                          who, W, H, P);
    /* the image must be addressable, and patch rows (B K) and columns (Cin P P) fit in int */
    if (mlip__count3(&n, B, Cin, H) || mlip_size_mul(n, (size_t)W, &n) ||
        mlip__count3(&n, Cin, P, P) || n > 0x7fffffff ||
        (double)B * (H / P) * (W / P) > 0x7fffffff || mlip__count3(&n, B, (H / P) * (W / P), D))
        return mlip__fail(MLIP_ERR_OVERFLOW, "%s: sizes overflow", who);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_patch_embed_forward(float *out, float *patches, const float *img,
                                             const float *weight, const float *bias, int B,
                                             int Cin, int H, int W, int P, int D) {
    int b, c, ky, kx, py, GH, GW, K, CPP;
    mlip_status st = mlip__patch_check("mlip_patch_embed_forward", B, Cin, H, W, P, D);
    if (st) return st;
    GH = H / P, GW = W / P, K = GH * GW, CPP = Cin * P * P;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(patches); MLIP__CHECK_PTR(img); MLIP__CHECK_PTR(weight);
    /* unfold: patches[b, ky*GW+kx, (c*P + py)*P + px] = img[b, c, ky*P+py, kx*P+px] */
    for (b = 0; b < B; b++)
        for (ky = 0; ky < GH; ky++)
            for (kx = 0; kx < GW; kx++) {
                float *dst = patches + ((size_t)b * K + (size_t)ky * GW + kx) * CPP;
                for (c = 0; c < Cin; c++)
                    for (py = 0; py < P; py++)
                        memcpy(dst + ((size_t)c * P + py) * P,
                               img + (((size_t)b * Cin + c) * H + (size_t)ky * P + py) * W + (size_t)kx * P,
                               sizeof(float) * (size_t)P);
            }
    return mlip_linear_forward(out, patches, weight, bias, B * K, CPP, D);
}

MLIPDEF mlip_status mlip_patch_embed_backward(float *dimg, float *dweight, float *dbias,
                                              const float *dout, const float *patches,
                                              const float *weight, int B, int Cin, int H,
                                              int W, int P, int D) {
    int b, c, ky, kx, py, px, GH, GW, K, CPP;
    float *dpatches = NULL;
    mlip_status st = mlip__patch_check("mlip_patch_embed_backward", B, Cin, H, W, P, D);
    if (st) return st;
    GH = H / P, GW = W / P, K = GH * GW, CPP = Cin * P * P;
    MLIP__CHECK_PTR(dout); MLIP__CHECK_PTR(patches);
    if (dimg) {
        MLIP__CHECK_PTR(weight);
        dpatches = (float *)mlip_alloc_zeroed((size_t)B * K, sizeof(float) * (size_t)CPP);
        if (!dpatches) return MLIP_ERR_OUT_OF_MEMORY;
    }
    st = mlip_linear_backward(dpatches, dweight, dbias, dout, patches, weight, B * K, CPP, D);
    if (!st && dimg) /* fold back: each pixel belongs to exactly one patch */
        for (b = 0; b < B; b++)
            for (ky = 0; ky < GH; ky++)
                for (kx = 0; kx < GW; kx++) {
                    const float *src = dpatches + ((size_t)b * K + (size_t)ky * GW + kx) * CPP;
                    for (c = 0; c < Cin; c++)
                        for (py = 0; py < P; py++) {
                            float *d = dimg + (((size_t)b * Cin + c) * H + (size_t)ky * P + py) * W + (size_t)kx * P;
                            for (px = 0; px < P; px++) d[px] += src[((size_t)c * P + py) * P + px];
                        }
                }
    mlip_free(dpatches);
    return st;
}

/* ---- residual ---- */

MLIPDEF mlip_status mlip_residual_forward(float *out, const float *a, const float *b, size_t n) {
    size_t i;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(a); MLIP__CHECK_PTR(b);
    if (n == 0) return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_residual_forward: n must be positive");
    for (i = 0; i < n; i++) out[i] = a[i] + b[i];
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_residual_backward(float *da, float *db, const float *dout, size_t n) {
    MLIP__CHECK_PTR(dout);
    if (n == 0) return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_residual_backward: n must be positive");
    if (da) mlip_axpy(da, 1.0f, dout, n);
    if (db) mlip_axpy(db, 1.0f, dout, n);
    return MLIP_OK;
}

/* ---- L2 normalisation ---- */

MLIPDEF mlip_status mlip_l2norm_forward(float *out, float *norm, const float *inp, int rows,
                                        int C, float eps) {
    int r, i;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(inp);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    if (!(eps > 0.0f)) return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_l2norm_forward: eps must be > 0");
    for (r = 0; r < rows; r++) {
        const float *x = inp + (size_t)r * C;
        float *y = out + (size_t)r * C, n = sqrtf((float)mlip_dot(x, x, (size_t)C)), inv;
        if (n < eps) n = eps;
        inv = 1.0f / n;
        for (i = 0; i < C; i++) y[i] = x[i] * inv;
        if (norm) norm[r] = n;
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_l2norm_backward(float *dinp, const float *dout, const float *out,
                                         const float *norm, int rows, int C) {
    int r, i;
    MLIP__CHECK_PTR(dinp); MLIP__CHECK_PTR(dout); MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(norm);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    for (r = 0; r < rows; r++) {
        const float *y = out + (size_t)r * C, *dy = dout + (size_t)r * C;
        float *dx = dinp + (size_t)r * C, inv = 1.0f / norm[r];
        /* y = x / |x|:  dx = (dy - y (y . dy)) / |x|.  (When |x| was clamped to eps the
           direction term is not exact there, as in PyTorch's F.normalize.) */
        float dot = (float)mlip_dot(y, dy, (size_t)C);
        for (i = 0; i < C; i++) dx[i] += (dy[i] - y[i] * dot) * inv;
    }
    return MLIP_OK;
}

/* ---- cross-entropy ---- */

static mlip_status mlip__check_targets(const char *who, const int *targets, int rows, int C) {
    int r;
    for (r = 0; r < rows; r++)
        if (targets[r] >= C)
            return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: target %d of row %d is >= C = %d", who,
                              targets[r], r, C);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_cross_entropy_forward(float *losses, float *probs,
                                               const float *logits, const int *targets,
                                               int rows, int C) {
    int r, i;
    mlip_status st;
    MLIP__CHECK_PTR(losses); MLIP__CHECK_PTR(probs); MLIP__CHECK_PTR(logits); MLIP__CHECK_PTR(targets);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    if ((st = mlip__check_targets("mlip_cross_entropy_forward", targets, rows, C))) return st;
    for (r = 0; r < rows; r++) {
        const float *z = logits + (size_t)r * C;
        float mx = z[0];
        double sum = 0.0;
        for (i = 1; i < C; i++) mx = z[i] > mx ? z[i] : mx;
        for (i = 0; i < C; i++) sum += exp((double)z[i] - mx);
        mlip__softmax_row(probs + (size_t)r * C, z, C);
        /* -log p_target via log-sum-exp: exact even when p_target underflows */
        losses[r] = targets[r] < 0 ? 0.0f : (float)(log(sum) + mx - z[targets[r]]);
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_cross_entropy_backward(float *dlogits, const float *dlosses,
                                                const float *probs, const int *targets,
                                                int rows, int C) {
    int r, i;
    mlip_status st;
    MLIP__CHECK_PTR(dlogits); MLIP__CHECK_PTR(dlosses); MLIP__CHECK_PTR(probs); MLIP__CHECK_PTR(targets);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    if ((st = mlip__check_targets("mlip_cross_entropy_backward", targets, rows, C))) return st;
    for (r = 0; r < rows; r++) {
        const float *p = probs + (size_t)r * C;
        float *dz = dlogits + (size_t)r * C, g = dlosses[r];
        if (targets[r] < 0) continue;
        for (i = 0; i < C; i++) dz[i] += g * (p[i] - (i == targets[r] ? 1.0f : 0.0f));
    }
    return MLIP_OK;
}

/* ---- mean pooling over spans ---- */

static mlip_status mlip__check_spans(const char *who, const int *begin, const int *end,
                                     int n_spans, int rows) {
    int s;
    for (s = 0; s < n_spans; s++)
        if (begin[s] < 0 || end[s] > rows || begin[s] >= end[s])
            return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: span %d [%d, %d) is empty or outside [0, %d)",
                              who, s, begin[s], end[s], rows);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_span_mean_forward(float *out, const float *inp, const int *begin,
                                           const int *end, int n_spans, int rows, int C) {
    int s, r;
    mlip_status st;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(inp); MLIP__CHECK_PTR(begin); MLIP__CHECK_PTR(end);
    MLIP__CHECK_POS(n_spans); MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    if ((st = mlip__check_spans("mlip_span_mean_forward", begin, end, n_spans, rows))) return st;
    for (s = 0; s < n_spans; s++) {
        float *o = out + (size_t)s * C;
        mlip_fill(o, (size_t)C, 0.0f);
        for (r = begin[s]; r < end[s]; r++) mlip_axpy(o, 1.0f, inp + (size_t)r * C, (size_t)C);
        mlip_scale(o, 1.0f / (float)(end[s] - begin[s]), (size_t)C);
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_span_mean_backward(float *dinp, const float *dout, const int *begin,
                                            const int *end, int n_spans, int rows, int C) {
    int s, r;
    mlip_status st;
    MLIP__CHECK_PTR(dinp); MLIP__CHECK_PTR(dout); MLIP__CHECK_PTR(begin); MLIP__CHECK_PTR(end);
    MLIP__CHECK_POS(n_spans); MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C);
    if ((st = mlip__check_spans("mlip_span_mean_backward", begin, end, n_spans, rows))) return st;
    for (s = 0; s < n_spans; s++) {
        float w = 1.0f / (float)(end[s] - begin[s]);
        for (r = begin[s]; r < end[s]; r++) mlip_axpy(dinp + (size_t)r * C, w, dout + (size_t)s * C, (size_t)C);
    }
    return MLIP_OK;
}

/* ======================================================================================
   5. Encoders
   ====================================================================================== */

MLIPDEF mlip_vit_config mlip_vit_config_tiny(void) {
    mlip_vit_config c = {64, 8, 1, 128, 4, 4, 512, 1e-6f};
    return c;
}
MLIPDEF mlip_vit_config mlip_vit_config_small(void) {
    mlip_vit_config c = {224, 16, 1, 384, 12, 6, 1536, 1e-6f};
    return c;
}
MLIPDEF mlip_vit_config mlip_vit_config_base(void) {
    mlip_vit_config c = {224, 16, 3, 768, 12, 12, 3072, 1e-12f};
    return c;
}
MLIPDEF mlip_bert_config mlip_bert_config_tiny(int vocab_size) {
    mlip_bert_config c = {0, 128, 2, 128, 4, 4, 512, 1e-12f};
    c.vocab_size = vocab_size;
    return c;
}
MLIPDEF mlip_bert_config mlip_bert_config_small(int vocab_size) {
    mlip_bert_config c = {0, 512, 2, 384, 6, 6, 1536, 1e-12f};
    c.vocab_size = vocab_size;
    return c;
}
MLIPDEF mlip_bert_config mlip_bert_config_base(void) {
    mlip_bert_config c = {30522, 512, 2, 768, 12, 12, 3072, 1e-12f};
    return c;
}

/* A transformer block's tensors inside one arena (weights or gradients). ln1 is the norm
   before attention (ViT layernorm_before) or after it (BERT attention.output.LayerNorm). */
typedef struct mlip__block {
    float *ln1_w, *ln1_b, *q_w, *q_b, *k_w, *k_b, *v_w, *v_b, *o_w, *o_b;
    float *ln2_w, *ln2_b, *fc_w, *fc_b, *out_w, *out_b;
} mlip__block;

/* All of an encoder's tensors inside one arena, by role. */
typedef struct mlip__views {
    float *patch_w, *patch_b, *cls, *vit_pos, *final_w, *final_b;  /* ViT */
    float *word, *position, *token_type, *emb_ln_w, *emb_ln_b;     /* BERT */
    mlip__block *blocks;                                           /* layers of them */
} mlip__views;

/* What one block keeps for backward (training) or uses as scratch (inference). */
typedef struct mlip__block_acts {
    float *ln1, *ln1_mean, *ln1_rstd, *qkv, *att, *attn, *res1;
    float *ln2, *ln2_mean, *ln2_rstd, *fc, *gelu, *res2, *out;
} mlip__block_acts;

struct mlip_encoder {
    int is_vit;
    mlip_vit_config vit;
    mlip_bert_config bert;
    int width, layers, heads, mlp_dim, pre_ln;
    float eps;
    mlip_param_info *params;
    int n_params;
    size_t n_weights;
    float *weights, *grads; /* the parameter and gradient arenas */
    mlip__views w, g;       /* views of each (g only once grads exist) */
    /* the activation arena, sized for the largest (B, T, training) seen so far */
    float *acts;
    size_t acts_cap;
    int *saved_idx; /* visible patches (ViT) or ids + type ids (BERT) of the last training forward */
    size_t idx_cap;
    int last_B, last_T, last_n, has_training_forward;
    mlip__block_acts *la;   /* per layer (training) or one shared set (inference) */
    float *x0, *emb, *emb_mean, *emb_rstd, *patches, *pe, *fin_mean, *fin_rstd;
    float *d_a, *d_b, *d_res, *d_ln, *d_attn, *d_qkv, *d_fc, *d_gelu; /* backward scratch */
};

/* ---- parameter layout: one function walks the tensors in order; run against a NULL base it
   only counts, against an arena it sets the views, with a table it names them. ---- */
typedef struct mlip__layout {
    float *base;
    mlip_param_info *table;
    int n;
    size_t offset; /* floats */
} mlip__layout;

static float *mlip__lay(mlip__layout *L, const char *name, int decay, int nd, int d0, int d1, int d2,
                        int d3) {
    size_t count = (size_t)d0 * (size_t)(nd > 1 ? d1 : 1) * (size_t)(nd > 2 ? d2 : 1) * (size_t)(nd > 3 ? d3 : 1);
    float *p = L->base ? L->base + L->offset : NULL;
    if (L->table) {
        mlip_param_info *t = &L->table[L->n];
        memset(t, 0, sizeof *t);
        snprintf(t->name, sizeof t->name, "%s", name);
        t->ndim = nd, t->shape[0] = d0, t->shape[1] = d1, t->shape[2] = d2, t->shape[3] = d3;
        t->offset = L->offset, t->count = count, t->decay = decay;
    }
    L->n++;
    L->offset += (count + 15) / 16 * 16; /* every tensor starts 64-byte aligned */
    return p;
}

static void mlip__encoder_layout(const mlip_encoder *e, mlip__layout *L, mlip__views *v) {
    int D = e->width, M = e->mlp_dim, l;
    char n[72];
    mlip__views none;
    mlip__block *b;
    if (!v) v = &none, memset(&none, 0, sizeof none);
#define MLIP__NAME(fmt) (snprintf(n, sizeof n, fmt, l), n)
    if (e->is_vit) {
        int K = (e->vit.image_size / e->vit.patch_size) * (e->vit.image_size / e->vit.patch_size), P = e->vit.patch_size;
        v->cls = mlip__lay(L, "embeddings.cls_token", 0, 3, 1, 1, D, 0);
        v->vit_pos = mlip__lay(L, "embeddings.position_embeddings", 0, 3, 1, K + 1, D, 0);
        v->patch_w = mlip__lay(L, "embeddings.patch_embeddings.projection.weight", 1, 4, D, e->vit.channels, P, P);
        v->patch_b = mlip__lay(L, "embeddings.patch_embeddings.projection.bias", 0, 1, D, 0, 0, 0);
    } else {
        v->word = mlip__lay(L, "embeddings.word_embeddings.weight", 1, 2, e->bert.vocab_size, D, 0, 0);
        v->position = mlip__lay(L, "embeddings.position_embeddings.weight", 1, 2, e->bert.max_positions, D, 0, 0);
        v->token_type = mlip__lay(L, "embeddings.token_type_embeddings.weight", 1, 2, e->bert.type_vocab_size, D, 0, 0);
        v->emb_ln_w = mlip__lay(L, "embeddings.LayerNorm.weight", 0, 1, D, 0, 0, 0);
        v->emb_ln_b = mlip__lay(L, "embeddings.LayerNorm.bias", 0, 1, D, 0, 0, 0);
    }
    for (l = 0; l < e->layers; l++) {
        mlip__block dummy;
        b = v->blocks ? &v->blocks[l] : &dummy;
        if (e->is_vit) { /* HF ViTLayer names, in the order of the computation */
            b->ln1_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.layernorm_before.weight"), 0, 1, D, 0, 0, 0);
            b->ln1_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.layernorm_before.bias"), 0, 1, D, 0, 0, 0);
            b->q_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.attention.query.weight"), 1, 2, D, D, 0, 0);
            b->q_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.attention.query.bias"), 0, 1, D, 0, 0, 0);
            b->k_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.attention.key.weight"), 1, 2, D, D, 0, 0);
            b->k_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.attention.key.bias"), 0, 1, D, 0, 0, 0);
            b->v_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.attention.value.weight"), 1, 2, D, D, 0, 0);
            b->v_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.attention.value.bias"), 0, 1, D, 0, 0, 0);
            b->o_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.output.dense.weight"), 1, 2, D, D, 0, 0);
            b->o_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.output.dense.bias"), 0, 1, D, 0, 0, 0);
            b->ln2_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.layernorm_after.weight"), 0, 1, D, 0, 0, 0);
            b->ln2_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.layernorm_after.bias"), 0, 1, D, 0, 0, 0);
            b->fc_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.intermediate.dense.weight"), 1, 2, M, D, 0, 0);
            b->fc_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.intermediate.dense.bias"), 0, 1, M, 0, 0, 0);
            b->out_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.output.dense.weight"), 1, 2, D, M, 0, 0);
            b->out_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.output.dense.bias"), 0, 1, D, 0, 0, 0);
        } else { /* HF BertLayer names, in the order of the computation */
            b->q_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.self.query.weight"), 1, 2, D, D, 0, 0);
            b->q_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.self.query.bias"), 0, 1, D, 0, 0, 0);
            b->k_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.self.key.weight"), 1, 2, D, D, 0, 0);
            b->k_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.self.key.bias"), 0, 1, D, 0, 0, 0);
            b->v_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.self.value.weight"), 1, 2, D, D, 0, 0);
            b->v_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.self.value.bias"), 0, 1, D, 0, 0, 0);
            b->o_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.output.dense.weight"), 1, 2, D, D, 0, 0);
            b->o_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.output.dense.bias"), 0, 1, D, 0, 0, 0);
            b->ln1_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.output.LayerNorm.weight"), 0, 1, D, 0, 0, 0);
            b->ln1_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.attention.output.LayerNorm.bias"), 0, 1, D, 0, 0, 0);
            b->fc_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.intermediate.dense.weight"), 1, 2, M, D, 0, 0);
            b->fc_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.intermediate.dense.bias"), 0, 1, M, 0, 0, 0);
            b->out_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.output.dense.weight"), 1, 2, D, M, 0, 0);
            b->out_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.output.dense.bias"), 0, 1, D, 0, 0, 0);
            b->ln2_w = mlip__lay(L, MLIP__NAME("encoder.layer.%d.output.LayerNorm.weight"), 0, 1, D, 0, 0, 0);
            b->ln2_b = mlip__lay(L, MLIP__NAME("encoder.layer.%d.output.LayerNorm.bias"), 0, 1, D, 0, 0, 0);
        }
    }
#undef MLIP__NAME
    if (e->is_vit) {
        v->final_w = mlip__lay(L, "layernorm.weight", 0, 1, D, 0, 0, 0);
        v->final_b = mlip__lay(L, "layernorm.bias", 0, 1, D, 0, 0, 0);
    }
}

/* Shared by both constructors once the kind-specific fields are set. */
static mlip_status mlip__encoder_build(mlip_encoder *e, double total_floats_estimate) {
    mlip__layout L;
    if (e->width <= 0 || e->layers <= 0 || e->heads <= 0 || e->mlp_dim <= 0 || e->width % e->heads)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "encoder config: width %d, layers %d, heads %d, mlp %d "
                          "(all positive, width a multiple of heads)", e->width, e->layers, e->heads, e->mlp_dim);
    if (!(e->eps > 0.0f)) return mlip__fail(MLIP_ERR_INVALID_ARG, "encoder config: ln_eps must be > 0");
    if (total_floats_estimate > 1e11 || e->layers > 4096 || e->width > (1 << 20) || e->mlp_dim > (1 << 22))
        return mlip__fail(MLIP_ERR_OVERFLOW, "encoder config: %.3g parameters is too large", total_floats_estimate);
    memset(&L, 0, sizeof L);
    mlip__encoder_layout(e, &L, NULL); /* count */
    e->n_params = L.n;
    e->n_weights = L.offset;
    e->params = (mlip_param_info *)mlip_alloc_zeroed((size_t)L.n, sizeof(mlip_param_info));
    e->w.blocks = (mlip__block *)mlip_alloc_zeroed((size_t)e->layers, sizeof(mlip__block));
    e->weights = (float *)mlip_alloc_zeroed(e->n_weights, sizeof(float));
    if (!e->params || !e->w.blocks || !e->weights) return MLIP_ERR_OUT_OF_MEMORY;
    memset(&L, 0, sizeof L);
    L.base = e->weights, L.table = e->params;
    mlip__encoder_layout(e, &L, &e->w);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_vit_create(const mlip_vit_config *config, mlip_encoder **out) {
    mlip_encoder *e;
    mlip_status st;
    const mlip_vit_config *c = config;
    MLIP__CHECK_PTR(config); MLIP__CHECK_PTR(out);
    *out = NULL;
    if (c->patch_size <= 0 || c->image_size <= 0 || c->image_size % c->patch_size || c->channels < 1 ||
        c->channels > 4 || c->image_size > 65536)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "vit config: image %d, patch %d, channels %d (image a multiple "
                          "of patch, 1-4 channels)", c->image_size, c->patch_size, c->channels);
    e = (mlip_encoder *)mlip_alloc_zeroed(1, sizeof *e);
    if (!e) return MLIP_ERR_OUT_OF_MEMORY;
    e->is_vit = 1, e->vit = *c, e->pre_ln = 1;
    e->width = c->width, e->layers = c->layers, e->heads = c->heads, e->mlp_dim = c->mlp_dim, e->eps = c->ln_eps;
    st = mlip__encoder_build(e, (double)c->layers * (4.0 * c->width * c->width + 2.0 * c->width * c->mlp_dim) +
                                    (double)c->width * c->channels * c->patch_size * c->patch_size +
                                    (double)c->image_size * c->image_size / c->patch_size * c->width);
    if (st) {
        mlip_encoder_free(e);
        return st;
    }
    *out = e;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_bert_create(const mlip_bert_config *config, mlip_encoder **out) {
    mlip_encoder *e;
    mlip_status st;
    const mlip_bert_config *c = config;
    MLIP__CHECK_PTR(config); MLIP__CHECK_PTR(out);
    *out = NULL;
    if (c->vocab_size <= 0 || c->max_positions <= 0 || c->type_vocab_size <= 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "bert config: vocab %d, positions %d, types %d must be positive",
                          c->vocab_size, c->max_positions, c->type_vocab_size);
    e = (mlip_encoder *)mlip_alloc_zeroed(1, sizeof *e);
    if (!e) return MLIP_ERR_OUT_OF_MEMORY;
    e->is_vit = 0, e->bert = *c, e->pre_ln = 0;
    e->width = c->width, e->layers = c->layers, e->heads = c->heads, e->mlp_dim = c->mlp_dim, e->eps = c->ln_eps;
    st = mlip__encoder_build(e, (double)c->layers * (4.0 * c->width * c->width + 2.0 * c->width * c->mlp_dim) +
                                    ((double)c->vocab_size + c->max_positions + c->type_vocab_size) * c->width);
    if (st) {
        mlip_encoder_free(e);
        return st;
    }
    *out = e;
    return MLIP_OK;
}

MLIPDEF void mlip_encoder_free(mlip_encoder *e) {
    if (!e) return;
    mlip_free(e->params), mlip_free(e->weights), mlip_free(e->grads), mlip_free(e->acts);
    mlip_free(e->w.blocks), mlip_free(e->g.blocks), mlip_free(e->la), mlip_free(e->saved_idx);
    mlip_free(e);
}

MLIPDEF void mlip_encoder_init_random(mlip_encoder *e, uint64_t seed) {
    mlip_rng rng;
    int i;
    size_t j;
    if (!e) return;
    mlip_rng_seed(&rng, seed, 0x6d6c6970u);
    memset(e->weights, 0, sizeof(float) * e->n_weights);
    for (i = 0; i < e->n_params; i++) {
        const mlip_param_info *p = &e->params[i];
        float *x = e->weights + p->offset;
        int is_norm = strstr(p->name, "LayerNorm.weight") || strstr(p->name, "layernorm") ? 1 : 0;
        if (is_norm && strstr(p->name, ".weight")) {
            for (j = 0; j < p->count; j++) x[j] = 1.0f;
        } else if (p->ndim >= 2 || strstr(p->name, "cls_token")) {
            for (j = 0; j < p->count; j++) x[j] = 0.02f * mlip_rng_normal(&rng);
        } /* biases stay 0 */
    }
}

MLIPDEF const mlip_param_info *mlip_encoder_params(const mlip_encoder *e, int *n_params) {
    if (n_params) *n_params = e ? e->n_params : 0;
    return e ? e->params : NULL;
}
MLIPDEF float *mlip_encoder_weights(mlip_encoder *e, size_t *count) {
    if (count) *count = e ? e->n_weights : 0;
    return e ? e->weights : NULL;
}
MLIPDEF float *mlip_encoder_grads(mlip_encoder *e) { return e ? e->grads : NULL; }
MLIPDEF int mlip_encoder_width(const mlip_encoder *e) { return e ? e->width : 0; }
MLIPDEF void mlip_encoder_zero_grad(mlip_encoder *e) {
    if (e && e->grads) memset(e->grads, 0, sizeof(float) * e->n_weights);
}
MLIPDEF float *mlip_encoder_param(mlip_encoder *e, const char *name, size_t *count) {
    int i;
    if (!e || !name) return NULL;
    for (i = 0; i < e->n_params; i++)
        if (!strcmp(e->params[i].name, name)) {
            if (count) *count = e->params[i].count;
            return e->weights + e->params[i].offset;
        }
    return NULL;
}

/* The gradient arena and its views, made on the first backward. */
static mlip_status mlip__encoder_grads(mlip_encoder *e) {
    mlip__layout L;
    if (e->grads) return MLIP_OK;
    e->grads = (float *)mlip_alloc_zeroed(e->n_weights, sizeof(float));
    e->g.blocks = (mlip__block *)mlip_alloc_zeroed((size_t)e->layers, sizeof(mlip__block));
    if (!e->grads || !e->g.blocks) {
        mlip_free(e->grads), mlip_free(e->g.blocks);
        e->grads = NULL, e->g.blocks = NULL;
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    memset(&L, 0, sizeof L);
    L.base = e->grads;
    mlip__encoder_layout(e, &L, &e->g);
    return MLIP_OK;
}

/* ---- activation arena: the same walk-and-count idea. Training keeps every block's
   activations; inference keeps one block's worth and runs every layer through it. ---- */
static float *mlip__act(float **cursor, size_t *total, size_t n) {
    float *p = *cursor ? *cursor + *total : NULL;
    *total += (n + 15) / 16 * 16;
    return p;
}

static size_t mlip__acts_walk(mlip_encoder *e, int B, int T, int n_patches, int training, float *base) {
    size_t rows = (size_t)B * T, D = (size_t)e->width, M = (size_t)e->mlp_dim, total = 0;
    int l, n_sets = training ? e->layers : 1;
    float *cur = base;
    e->x0 = mlip__act(&cur, &total, rows * D);
    e->emb = mlip__act(&cur, &total, e->is_vit ? (size_t)B * n_patches * D : rows * D);
    e->emb_mean = mlip__act(&cur, &total, rows);
    e->emb_rstd = mlip__act(&cur, &total, rows);
    e->fin_mean = mlip__act(&cur, &total, rows);
    e->fin_rstd = mlip__act(&cur, &total, rows);
    e->patches = mlip__act(&cur, &total, e->is_vit ? (size_t)B * n_patches * e->vit.channels * e->vit.patch_size * e->vit.patch_size : 0);
    for (l = 0; l < n_sets; l++) {
        mlip__block_acts dummy, *a = base ? &e->la[l] : &dummy;
        a->ln1 = mlip__act(&cur, &total, rows * D);
        a->ln1_mean = mlip__act(&cur, &total, rows);
        a->ln1_rstd = mlip__act(&cur, &total, rows);
        a->qkv = mlip__act(&cur, &total, rows * 3 * D);
        a->att = training ? mlip__act(&cur, &total, (size_t)B * e->heads * T * T) : NULL;
        a->attn = mlip__act(&cur, &total, rows * D);
        a->res1 = mlip__act(&cur, &total, rows * D);
        a->ln2 = mlip__act(&cur, &total, rows * D);
        a->ln2_mean = mlip__act(&cur, &total, rows);
        a->ln2_rstd = mlip__act(&cur, &total, rows);
        a->fc = mlip__act(&cur, &total, rows * M);
        a->gelu = training ? mlip__act(&cur, &total, rows * M) : a->fc; /* in place at inference */
        a->res2 = mlip__act(&cur, &total, rows * D);
        a->out = training ? (e->pre_ln ? a->res2 : a->ln2) : e->x0; /* inference: in place in x0 */
    }
    if (training) { /* backward scratch */
        e->d_a = mlip__act(&cur, &total, rows * D);
        e->d_b = mlip__act(&cur, &total, rows * D);
        e->d_res = mlip__act(&cur, &total, rows * D);
        e->d_ln = mlip__act(&cur, &total, rows * D);
        e->d_attn = mlip__act(&cur, &total, rows * D);
        e->d_qkv = mlip__act(&cur, &total, rows * 3 * D);
        e->d_fc = mlip__act(&cur, &total, rows * M);
        e->d_gelu = mlip__act(&cur, &total, rows * M);
    }
    return total;
}

MLIPDEF size_t mlip_encoder_activation_bytes(const mlip_encoder *enc, int B, int T, int training) {
    mlip_encoder copy;
    if (!enc || B <= 0 || T <= 0) return 0;
    copy = *enc;
    return mlip__acts_walk(&copy, B, T, enc->is_vit ? T - 1 : 0, training, NULL) * sizeof(float);
}

static mlip_status mlip__acts_prepare(mlip_encoder *e, int B, int T, int n_patches, int training) {
    size_t need = mlip__acts_walk(e, B, T, n_patches, training, NULL);
    if (!e->la) {
        e->la = (mlip__block_acts *)mlip_alloc_zeroed((size_t)e->layers, sizeof(mlip__block_acts));
        if (!e->la) return MLIP_ERR_OUT_OF_MEMORY;
    }
    if (need > e->acts_cap) {
        mlip_free(e->acts);
        e->acts_cap = 0;
        e->acts = (float *)mlip_alloc_zeroed(need, sizeof(float));
        if (!e->acts) return MLIP_ERR_OUT_OF_MEMORY;
        e->acts_cap = need;
    }
    mlip__acts_walk(e, B, T, n_patches, training, e->acts);
    e->has_training_forward = 0; /* until this forward completes */
    return MLIP_OK;
}

/* ---- one transformer block: x (B*T, D) -> a->out. Pre-LN (ViT):
     res1 = x + Attn(LN1(x)),  out = res1 + MLP(LN2(res1))
   Post-LN (BERT):
     ln1 = LN1(x + Attn(x)),   out = LN2(ln1 + MLP(ln1))  ---- */
#define MLIP__TRY(call)                                                                        \
    do {                                                                                       \
        mlip_status st_ = (call);                                                              \
        if (st_) return st_;                                                                   \
    } while (0)

static mlip_status mlip__block_forward(const mlip_encoder *e, const mlip__block *p, mlip__block_acts *a,
                                       const float *x, const uint8_t *mask, int B, int T) {
    int rows = B * T, D = e->width, M = e->mlp_dim, D3 = 3 * e->width;
    size_t n = (size_t)rows * D;
    const float *attn_in = x;
    if (e->pre_ln) {
        MLIP__TRY(mlip_layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, x, p->ln1_w, p->ln1_b, rows, D, e->eps));
        attn_in = a->ln1;
    }
    MLIP__TRY(mlip__linear(a->qkv, D3, attn_in, D, p->q_w, p->q_b, rows, D, D, 0));
    MLIP__TRY(mlip__linear(a->qkv + D, D3, attn_in, D, p->k_w, p->k_b, rows, D, D, 0));
    MLIP__TRY(mlip__linear(a->qkv + 2 * D, D3, attn_in, D, p->v_w, p->v_b, rows, D, D, 0));
    MLIP__TRY(mlip_attention_forward(a->attn, a->att, a->qkv, mask, B, T, D, e->heads));
    memcpy(a->res1, x, sizeof(float) * n); /* residual: the projection accumulates onto x */
    MLIP__TRY(mlip__linear(a->res1, D, a->attn, D, p->o_w, p->o_b, rows, D, D, 1));
    if (e->pre_ln) {
        MLIP__TRY(mlip_layernorm_forward(a->ln2, a->ln2_mean, a->ln2_rstd, a->res1, p->ln2_w, p->ln2_b, rows, D, e->eps));
        MLIP__TRY(mlip__linear(a->fc, M, a->ln2, D, p->fc_w, p->fc_b, rows, D, M, 0));
        MLIP__TRY(mlip_gelu_forward(a->gelu, a->fc, (size_t)rows * M, MLIP_GELU_ERF));
        memcpy(a->res2, a->res1, sizeof(float) * n);
        MLIP__TRY(mlip__linear(a->res2, D, a->gelu, M, p->out_w, p->out_b, rows, M, D, 1));
        if (a->out != a->res2) memcpy(a->out, a->res2, sizeof(float) * n);
    } else {
        MLIP__TRY(mlip_layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, a->res1, p->ln1_w, p->ln1_b, rows, D, e->eps));
        MLIP__TRY(mlip__linear(a->fc, M, a->ln1, D, p->fc_w, p->fc_b, rows, D, M, 0));
        MLIP__TRY(mlip_gelu_forward(a->gelu, a->fc, (size_t)rows * M, MLIP_GELU_ERF));
        memcpy(a->res2, a->ln1, sizeof(float) * n);
        MLIP__TRY(mlip__linear(a->res2, D, a->gelu, M, p->out_w, p->out_b, rows, M, D, 1));
        MLIP__TRY(mlip_layernorm_forward(a->out, a->ln2_mean, a->ln2_rstd, a->res2, p->ln2_w, p->ln2_b, rows, D, e->eps));
    }
    return MLIP_OK;
}

/* dy = d(block output) -> dx += d(block input); parameter gradients accumulate into g. */
static mlip_status mlip__block_backward(mlip_encoder *e, const mlip__block *p, mlip__block *g,
                                        const mlip__block_acts *a, const float *x, const float *dy,
                                        float *dx, int B, int T) {
    int rows = B * T, D = e->width, M = e->mlp_dim, D3 = 3 * e->width, i;
    size_t n = (size_t)rows * D, nm = (size_t)rows * M;
    const float *attn_in = e->pre_ln ? a->ln1 : x;
    float *d_res1 = e->d_res, *d_attn_in;
    if (e->pre_ln) {
        /* out = res1 + MLP(LN2(res1)) */
        memcpy(d_res1, dy, sizeof(float) * n);
        memset(e->d_gelu, 0, sizeof(float) * nm);
        MLIP__TRY(mlip__linear_backward(e->d_gelu, M, g->out_w, g->out_b, dy, D, a->gelu, M, p->out_w, rows, M, D));
        memset(e->d_fc, 0, sizeof(float) * nm);
        MLIP__TRY(mlip_gelu_backward(e->d_fc, a->fc, e->d_gelu, nm, MLIP_GELU_ERF));
        memset(e->d_ln, 0, sizeof(float) * n);
        MLIP__TRY(mlip__linear_backward(e->d_ln, D, g->fc_w, g->fc_b, e->d_fc, M, a->ln2, D, p->fc_w, rows, D, M));
        MLIP__TRY(mlip_layernorm_backward(d_res1, g->ln2_w, g->ln2_b, e->d_ln, a->res1, p->ln2_w, a->ln2_mean, a->ln2_rstd, rows, D));
    } else {
        /* out = LN2(ln1 + MLP(ln1)), ln1 = LN1(res1) */
        float *d_res2 = e->d_attn; /* free until the attention part below */
        memset(d_res2, 0, sizeof(float) * n);
        MLIP__TRY(mlip_layernorm_backward(d_res2, g->ln2_w, g->ln2_b, dy, a->res2, p->ln2_w, a->ln2_mean, a->ln2_rstd, rows, D));
        memcpy(e->d_ln, d_res2, sizeof(float) * n);
        memset(e->d_gelu, 0, sizeof(float) * nm);
        MLIP__TRY(mlip__linear_backward(e->d_gelu, M, g->out_w, g->out_b, d_res2, D, a->gelu, M, p->out_w, rows, M, D));
        memset(e->d_fc, 0, sizeof(float) * nm);
        MLIP__TRY(mlip_gelu_backward(e->d_fc, a->fc, e->d_gelu, nm, MLIP_GELU_ERF));
        MLIP__TRY(mlip__linear_backward(e->d_ln, D, g->fc_w, g->fc_b, e->d_fc, M, a->ln1, D, p->fc_w, rows, D, M));
        memset(d_res1, 0, sizeof(float) * n);
        MLIP__TRY(mlip_layernorm_backward(d_res1, g->ln1_w, g->ln1_b, e->d_ln, a->res1, p->ln1_w, a->ln1_mean, a->ln1_rstd, rows, D));
    }
    /* res1 = x + attn . Wo^T + bo */
    for (i = 0; i < (int)n; i++) dx[i] += d_res1[i];
    memset(e->d_attn, 0, sizeof(float) * n);
    MLIP__TRY(mlip__linear_backward(e->d_attn, D, g->o_w, g->o_b, d_res1, D, a->attn, D, p->o_w, rows, D, D));
    memset(e->d_qkv, 0, sizeof(float) * (size_t)rows * D3);
    MLIP__TRY(mlip_attention_backward(e->d_qkv, e->d_attn, a->qkv, a->att, B, T, D, e->heads));
    /* q, k, v came from attn_in: LN1(x) (pre-LN) or x itself (post-LN) */
    d_attn_in = e->pre_ln ? e->d_ln : dx;
    if (e->pre_ln) memset(e->d_ln, 0, sizeof(float) * n);
    MLIP__TRY(mlip__linear_backward(d_attn_in, D, g->q_w, g->q_b, e->d_qkv, D3, attn_in, D, p->q_w, rows, D, D));
    MLIP__TRY(mlip__linear_backward(d_attn_in, D, g->k_w, g->k_b, e->d_qkv + D, D3, attn_in, D, p->k_w, rows, D, D));
    MLIP__TRY(mlip__linear_backward(d_attn_in, D, g->v_w, g->v_b, e->d_qkv + 2 * D, D3, attn_in, D, p->v_w, rows, D, D));
    if (e->pre_ln)
        MLIP__TRY(mlip_layernorm_backward(dx, g->ln1_w, g->ln1_b, e->d_ln, x, p->ln1_w, a->ln1_mean, a->ln1_rstd, rows, D));
    return MLIP_OK;
}

/* Run the stack from e->x0; training keeps every layer, inference works in place in x0.
   Returns the last layer's output. */
static mlip_status mlip__stack_forward(mlip_encoder *e, const uint8_t *mask, int B, int T, int training,
                                       const float **last) {
    int l;
    const float *x = e->x0;
    for (l = 0; l < e->layers; l++) {
        mlip__block_acts *a = &e->la[training ? l : 0];
        MLIP__TRY(mlip__block_forward(e, &e->w.blocks[l], a, x, mask, B, T));
        x = a->out;
    }
    *last = x;
    return MLIP_OK;
}

/* dlast (rows, D) -> gradient of x0 left in the returned buffer. */
static mlip_status mlip__stack_backward(mlip_encoder *e, const float *dlast, int B, int T, float **dx0) {
    size_t n = (size_t)B * T * e->width;
    float *dy = e->d_a, *dx = e->d_b, *t;
    int l;
    if (dlast != dy) memcpy(dy, dlast, sizeof(float) * n);
    for (l = e->layers - 1; l >= 0; l--) {
        const float *x = l ? e->la[l - 1].out : e->x0;
        memset(dx, 0, sizeof(float) * n);
        MLIP__TRY(mlip__block_backward(e, &e->w.blocks[l], &e->g.blocks[l], &e->la[l], x, dy, dx, B, T));
        t = dy, dy = dx, dx = t;
    }
    *dx0 = dy;
    return MLIP_OK;
}

/* ---- ViT ---- */

/* Unfold the chosen patches of img into rows of (channels, P, P) pixels. */
static void mlip__vit_patches(const mlip_encoder *e, const float *img, int B, const int *visible, int n, float *patches) {
    int C = e->vit.channels, P = e->vit.patch_size, S = e->vit.image_size, GW = S / P, b, j, c, py;
    size_t cpp = (size_t)C * P * P;
    for (b = 0; b < B; b++)
        for (j = 0; j < n; j++) {
            int k = visible ? visible[(size_t)b * n + j] : j, ky = k / GW, kx = k % GW;
            float *dst = patches + ((size_t)b * n + j) * cpp;
            for (c = 0; c < C; c++)
                for (py = 0; py < P; py++)
                    memcpy(dst + ((size_t)c * P + py) * P,
                           img + (((size_t)b * C + c) * S + (size_t)ky * P + py) * S + (size_t)kx * P, sizeof(float) * P);
        }
}

MLIPDEF mlip_status mlip_vit_forward(mlip_encoder *e, const float *img, int B, const int *visible,
                                     int n_visible, int training, float *out) {
    int K, n, T, D, b, j, i, cpp;
    const float *last;
    MLIP__CHECK_PTR(e); MLIP__CHECK_PTR(img); MLIP__CHECK_PTR(out);
    MLIP__CHECK_POS(B);
    if (!e->is_vit) return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_vit_forward: the encoder is a BERT");
    K = (e->vit.image_size / e->vit.patch_size) * (e->vit.image_size / e->vit.patch_size);
    n = visible ? n_visible : K;
    if (n < 1 || n > K) return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_vit_forward: n_visible %d not in [1, %d]", n, K);
    if ((double)B * (n + 1) * e->width > 1e12 || (double)B * (n + 1) > 0x7fffffff)
        return mlip__fail(MLIP_ERR_OVERFLOW, "mlip_vit_forward: batch %d too large", B);
    if (visible)
        for (i = 0; i < B * n; i++)
            if (visible[i] < 0 || visible[i] >= K)
                return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_vit_forward: visible[%d] = %d outside [0, %d)", i, visible[i], K);
    T = n + 1, D = e->width, cpp = e->vit.channels * e->vit.patch_size * e->vit.patch_size;
    MLIP__TRY(mlip__acts_prepare(e, B, T, n, training));
    /* patch embedding of the visible patches only: masking saves this GEMM too */
    mlip__vit_patches(e, img, B, visible, n, e->patches);
    MLIP__TRY(mlip__linear(e->emb, D, e->patches, cpp, e->w.patch_w, e->w.patch_b, B * n, cpp, D, 0));
    for (b = 0; b < B; b++) { /* tokens: [CLS] + pos[0], then patch + pos[1 + its index] */
        float *x = e->x0 + (size_t)b * T * D;
        for (i = 0; i < D; i++) x[i] = e->w.cls[i] + e->w.vit_pos[i];
        for (j = 0; j < n; j++) {
            int k = visible ? visible[(size_t)b * n + j] : j;
            const float *pe = e->emb + ((size_t)b * n + j) * D, *pos = e->w.vit_pos + (size_t)(1 + k) * D;
            float *xt = x + (size_t)(1 + j) * D;
            for (i = 0; i < D; i++) xt[i] = pe[i] + pos[i];
        }
    }
    MLIP__TRY(mlip__stack_forward(e, NULL, B, T, training, &last));
    MLIP__TRY(mlip_layernorm_forward(out, e->fin_mean, e->fin_rstd, last, e->w.final_w, e->w.final_b, B * T, D, e->eps));
    if (training) {
        size_t need = (size_t)B * n;
        if (need > e->idx_cap) {
            mlip_free(e->saved_idx);
            e->idx_cap = 0;
            e->saved_idx = (int *)mlip_alloc_zeroed(need, sizeof(int));
            if (!e->saved_idx) return MLIP_ERR_OUT_OF_MEMORY;
            e->idx_cap = need;
        }
        for (i = 0; i < B * n; i++) e->saved_idx[i] = visible ? visible[i] : i % n;
        e->last_B = B, e->last_T = T, e->last_n = n, e->has_training_forward = 1;
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_vit_backward(mlip_encoder *e, const float *dout) {
    int B, T, n, D, b, j, i, cpp;
    float *dx0;
    MLIP__CHECK_PTR(e); MLIP__CHECK_PTR(dout);
    if (!e->is_vit || !e->has_training_forward)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_vit_backward: needs a training forward of this ViT first");
    B = e->last_B, T = e->last_T, n = e->last_n, D = e->width;
    cpp = e->vit.channels * e->vit.patch_size * e->vit.patch_size;
    MLIP__TRY(mlip__encoder_grads(e));
    memset(e->d_a, 0, sizeof(float) * (size_t)B * T * D);
    MLIP__TRY(mlip_layernorm_backward(e->d_a, e->g.final_w, e->g.final_b, dout, e->la[e->layers - 1].out,
                                      e->w.final_w, e->fin_mean, e->fin_rstd, B * T, D));
    MLIP__TRY(mlip__stack_backward(e, e->d_a, B, T, &dx0));
    for (b = 0; b < B; b++) { /* undo the token assembly */
        const float *dx = dx0 + (size_t)b * T * D;
        for (i = 0; i < D; i++) e->g.cls[i] += dx[i], e->g.vit_pos[i] += dx[i];
        for (j = 0; j < n; j++) {
            int k = e->saved_idx[(size_t)b * n + j];
            const float *dt = dx + (size_t)(1 + j) * D;
            float *dpos = e->g.vit_pos + (size_t)(1 + k) * D, *dpe = e->emb + ((size_t)b * n + j) * D;
            for (i = 0; i < D; i++) dpos[i] += dt[i], dpe[i] = dt[i];
        }
    }
    return mlip__linear_backward(NULL, 0, e->g.patch_w, e->g.patch_b, e->emb, D, e->patches, cpp, NULL, B * n, cpp, D);
}

/* ---- BERT ---- */

MLIPDEF mlip_status mlip_bert_forward(mlip_encoder *e, const int *ids, const int *type_ids,
                                      const uint8_t *mask, int B, int T, int training, float *out) {
    int D, b, t, i;
    const float *last;
    MLIP__CHECK_PTR(e); MLIP__CHECK_PTR(ids); MLIP__CHECK_PTR(out);
    MLIP__CHECK_POS(B); MLIP__CHECK_POS(T);
    if (e->is_vit) return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_bert_forward: the encoder is a ViT");
    if (T > e->bert.max_positions)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_bert_forward: %d tokens > %d positions", T, e->bert.max_positions);
    if ((double)B * T > 0x7fffffff / 4 || (double)B * T * e->width > 1e12)
        return mlip__fail(MLIP_ERR_OVERFLOW, "mlip_bert_forward: batch %d x %d too large", B, T);
    for (i = 0; i < B * T; i++) {
        if (ids[i] < 0 || ids[i] >= e->bert.vocab_size)
            return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_bert_forward: id %d at %d outside [0, %d)", ids[i], i, e->bert.vocab_size);
        if (type_ids && (type_ids[i] < 0 || type_ids[i] >= e->bert.type_vocab_size))
            return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_bert_forward: type id %d at %d outside [0, %d)", type_ids[i], i, e->bert.type_vocab_size);
    }
    D = e->width;
    MLIP__TRY(mlip__acts_prepare(e, B, T, 0, training));
    for (b = 0; b < B; b++)
        for (t = 0; t < T; t++) { /* word + position + token type */
            size_t r = (size_t)b * T + t;
            const float *w = e->w.word + (size_t)ids[r] * D, *p = e->w.position + (size_t)t * D;
            const float *ty = e->w.token_type + (size_t)(type_ids ? type_ids[r] : 0) * D;
            float *x = e->emb + r * D;
            for (i = 0; i < D; i++) x[i] = w[i] + p[i] + ty[i];
        }
    MLIP__TRY(mlip_layernorm_forward(e->x0, e->emb_mean, e->emb_rstd, e->emb, e->w.emb_ln_w, e->w.emb_ln_b, B * T, D, e->eps));
    MLIP__TRY(mlip__stack_forward(e, mask, B, T, training, &last));
    memcpy(out, last, sizeof(float) * (size_t)B * T * D);
    if (training) {
        size_t need = (size_t)2 * B * T;
        if (need > e->idx_cap) {
            mlip_free(e->saved_idx);
            e->idx_cap = 0;
            e->saved_idx = (int *)mlip_alloc_zeroed(need, sizeof(int));
            if (!e->saved_idx) return MLIP_ERR_OUT_OF_MEMORY;
            e->idx_cap = need;
        }
        for (i = 0; i < B * T; i++) e->saved_idx[i] = ids[i], e->saved_idx[B * T + i] = type_ids ? type_ids[i] : 0;
        e->last_B = B, e->last_T = T, e->has_training_forward = 1;
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_bert_backward(mlip_encoder *e, const float *dout) {
    int B, T, D, r, i;
    float *dx0;
    MLIP__CHECK_PTR(e); MLIP__CHECK_PTR(dout);
    if (e->is_vit || !e->has_training_forward)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_bert_backward: needs a training forward of this BERT first");
    B = e->last_B, T = e->last_T, D = e->width;
    MLIP__TRY(mlip__encoder_grads(e));
    MLIP__TRY(mlip__stack_backward(e, dout, B, T, &dx0));
    /* d emb, reusing the emb buffer (its forward values are no longer needed) */
    memset(e->d_ln, 0, sizeof(float) * (size_t)B * T * D);
    MLIP__TRY(mlip_layernorm_backward(e->d_ln, e->g.emb_ln_w, e->g.emb_ln_b, dx0, e->emb, e->w.emb_ln_w,
                                      e->emb_mean, e->emb_rstd, B * T, D));
    for (r = 0; r < B * T; r++) {
        const float *d = e->d_ln + (size_t)r * D;
        float *gw = e->g.word + (size_t)e->saved_idx[r] * D, *gp = e->g.position + (size_t)(r % T) * D;
        float *gt = e->g.token_type + (size_t)e->saved_idx[B * T + r] * D;
        for (i = 0; i < D; i++) gw[i] += d[i], gp[i] += d[i], gt[i] += d[i];
    }
    return MLIP_OK;
}

/* ---- projection heads ---- */

MLIPDEF mlip_status mlip_projection_forward(float *out, float *proj, float *norm,
                                            const float *inp, const float *weight,
                                            const float *bias, int rows, int C, int D) {
    float *p = proj ? proj : out;
    MLIP__TRY(mlip_linear_forward(p, inp, weight, bias, rows, C, D));
    return mlip_l2norm_forward(out, norm, p, rows, D, 1e-12f);
}

MLIPDEF mlip_status mlip_projection_backward(float *dinp, float *dweight, float *dbias,
                                             const float *dout, const float *out,
                                             const float *norm, const float *inp,
                                             const float *weight, int rows, int C, int D) {
    float *dproj;
    mlip_status st;
    MLIP__CHECK_PTR(dout); MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(norm);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(D);
    dproj = (float *)mlip_alloc_zeroed((size_t)rows, sizeof(float) * (size_t)D);
    if (!dproj) return MLIP_ERR_OUT_OF_MEMORY;
    st = mlip_l2norm_backward(dproj, dout, out, norm, rows, D);
    if (!st) st = mlip_linear_backward(dinp, dweight, dbias, dproj, inp, weight, rows, C, D);
    mlip_free(dproj);
    return st;
}

/* ======================================================================================
   6. Tokenizer                                         [implementation: not yet written]
   ====================================================================================== */

/* ======================================================================================
   12. Image I/O                                        [implementation: not yet written]
   ====================================================================================== */

#endif /* MLIP_IMPLEMENTATION_DONE */
#endif /* MLIP_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 the mlip.h authors
Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain.
Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.
In jurisdictions that recognize copyright laws, the author or authors of this
software dedicate any and all copyright interest in the software to the public
domain. We make this dedication in perpetuity for the benefit of our heirs and
successors. We intend this dedication to be used to foster innovation in the
software industry, in the public domain, and to encourage further development
of this software, under copyright law.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN
ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------
*/
