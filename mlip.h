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
   NULL for inference, then only one row of scores per task is ever held in memory.
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
   5. Encoders (ViT, BERT, heads)                       [declarations: not yet written]
   ====================================================================================== */

/* ======================================================================================
   6. Tokenizer                                         [declarations: not yet written]
   ====================================================================================== */

/* ======================================================================================
   12. Image I/O: PGM/PPM, PNG and DICOM readers, preprocessing to the model input, PNG
   writer. Each reader can be compiled out: MLIP_NO_PNM, MLIP_NO_PNG, MLIP_NO_DICOM.

   Decoded images are planar float: pixels[(c * height + y) * width + x], like the
   library's (channels, height, width) image convention. Values are the file's own:
   raw samples for PNG/PNM (0..max_value), and for DICOM the stored values after
   Rescale Slope/Intercept (Hounsfield units for CT), neither windowed nor inverted.
   mlip_image_preprocess turns that into the model's [0,1] square input.
   Refused: compressed DICOM transfer syntaxes (JPEG, JPEG-LS, JPEG 2000, RLE, deflate,
   MPEG, HTJ2K) with a message naming the syntax; DICOM photometric interpretations other
   than MONOCHROME1/2 and RGB; images over max_pixels (default 2^28 pixels).
   ====================================================================================== */

typedef enum mlip_image_format {
    MLIP_IMAGE_UNKNOWN = 0,
    MLIP_IMAGE_PNM = 1,   /* PGM/PPM, P2 P3 P5 P6 */
    MLIP_IMAGE_PNG = 2,
    MLIP_IMAGE_DICOM = 3  /* DICOM Part 10, uncompressed pixel data */
} mlip_image_format;

typedef struct mlip_image {
    int width, height;
    int channels;            /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (alpha is the last plane) */
    float *pixels;           /* (channels, height, width), width contiguous; mlip_image_free */
    mlip_image_format format;
    int bits;                /* bits per sample in the file (DICOM: Bits Stored) */
    float max_value;         /* largest raw sample: PNM maxval, PNG 2^bits-1 (palette 255) */
    int frames;              /* frames in the file (DICOM multi-frame), else 1 */
    int frame;               /* the frame in pixels */
    int monochrome1;         /* DICOM MONOCHROME1: high values are dark (preprocess inverts) */
    int has_window;          /* DICOM Window Center/Width present (first value used) */
    float window_center, window_width;
    char transfer_syntax[68]; /* DICOM transfer syntax UID, "" for other formats */
} mlip_image;

typedef struct mlip_image_options {
    int frame;               /* DICOM frame to decode, 0-based (default 0) */
    size_t max_pixels;       /* refuse width*height above this; 0 = default 2^28 */
} mlip_image_options;        /* a NULL pointer or an all-zero struct means the defaults */

/* Read a whole file / a buffer, the format found from its magic bytes. On success *out owns
   its pixels (mlip_image_free); on failure *out is zeroed and nothing is allocated. */
MLIPDEF mlip_status mlip_image_read_file(const char *path, const mlip_image_options *opt,
                                         mlip_image *out);
MLIPDEF mlip_status mlip_image_read_memory(const void *buf, size_t len,
                                           const mlip_image_options *opt, mlip_image *out);
MLIPDEF mlip_status mlip_image_read_pnm(const void *buf, size_t len,
                                        const mlip_image_options *opt, mlip_image *out);
MLIPDEF mlip_status mlip_image_read_png(const void *buf, size_t len,
                                        const mlip_image_options *opt, mlip_image *out);
MLIPDEF mlip_status mlip_image_read_dicom(const void *buf, size_t len,
                                          const mlip_image_options *opt, mlip_image *out);
MLIPDEF void mlip_image_free(mlip_image *img); /* frees pixels, zeroes the struct; NULL ok */

typedef enum mlip_image_norm {
    MLIP_IMAGE_NORM_AUTO = 0,  /* DICOM: its window if present, else min-max; others: range */
    MLIP_IMAGE_NORM_RANGE = 1, /* value / max_value */
    MLIP_IMAGE_NORM_MINMAX = 2,/* (value - min) / (max - min) over the image */
    MLIP_IMAGE_NORM_WINDOW = 3 /* DICOM linear window (PS3.3 C.11.2.1.2) with the options' */
} mlip_image_norm;             /*   window_center/width (width <= 0: the file's window)     */

typedef enum mlip_image_resize {
    MLIP_IMAGE_BILINEAR = 0,   /* bilinear, pixel centres aligned (half-pixel offsets) */
    MLIP_IMAGE_AREA = 1        /* box average of the covered source area (for shrinking) */
} mlip_image_resize;

typedef enum mlip_image_fit {
    MLIP_IMAGE_PAD = 0,        /* scale the long side to size, pad the short side (centred) */
    MLIP_IMAGE_CROP = 1        /* scale the short side to size, crop the long side (centred) */
} mlip_image_fit;

typedef struct mlip_preprocess_options {
    mlip_image_norm norm;
    float window_center, window_width; /* for MLIP_IMAGE_NORM_WINDOW */
    mlip_image_resize resize;
    mlip_image_fit fit;
    float pad_value;           /* value of padded pixels, in [0,1] units (default 0) */
    int keep_monochrome1;      /* nonzero: do not invert MONOCHROME1 (default: invert) */
} mlip_preprocess_options;     /* NULL or all-zero: the defaults */

/* in -> out (channels, size, size) floats in [0,1]: normalise, resize preserving the aspect
   ratio, pad or crop to the square. Alpha is dropped; gray -> 3 channels replicates, RGB ->
   1 channel is luma 0.299 R + 0.587 G + 0.114 B. channels must be 1 or 3. */
MLIPDEF mlip_status mlip_image_preprocess(const mlip_image *in,
                                          const mlip_preprocess_options *opt, float *out,
                                          int size, int channels);

/* PNG writer: 8-bit gray (channels 1) or RGB (channels 3) from planar floats in [0,1]
   (clamped, rounded to 0..255). Stored (uncompressed) deflate blocks, CRC-32 and Adler-32
   correct. _encode returns a buffer to free with mlip_free. */
MLIPDEF mlip_status mlip_image_encode_png(const float *pixels, int width, int height,
                                          int channels, unsigned char **out, size_t *out_len);
MLIPDEF mlip_status mlip_image_write_png(const char *path, const float *pixels, int width,
                                         int height, int channels);

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
            for (r = 0; r < rows; r++) {
                const float *src = g->A + (size_t)(i0 + ir + r) * g->lda + p0;
                for (k = 0; k < kc; k++) dst[k * MR + r] = src[k];
            }
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
        } else {
            for (j = 0; j < cols; j++) {
                const float *src = g->B + (size_t)(j0 + jr + j) * g->ldb + p0;
                for (k = 0; k < kc; k++) dst[(size_t)k * NR + j] = src[k];
            }
            for (; j < NR; j++)
                for (k = 0; k < kc; k++) dst[(size_t)k * NR + j] = 0.0f;
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

MLIPDEF mlip_status mlip_sgemm(mlip_transpose trans_a, mlip_transpose trans_b, int M, int N,
                               int K, float alpha, const float *A, int lda, const float *B,
                               int ldb, float beta, float *C, int ldc) {
    mlip__gemm_job g;
    const mlip__gemm_kernel *kern = mlip__gemm_pick();
    const int MR = kern->mr, NR = kern->nr;
    int threads, tm, best_tm = 1, n_tasks;
    double best_cost = -1;
    size_t kc_max, nc_max, total = 0;
    mlip_status st = mlip__gemm_check("mlip_sgemm", trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc);
    if (st) return st;
    if (M == 0 || N == 0) return MLIP_OK;
    if (K == 0) {
        mlip__gemm_scale_c(M, N, beta, C, ldc);
        return MLIP_OK;
    }
    /* Threads: never more tasks than micro-tiles of work; choose the grid_m x grid_n split
       of C that gives the fewest tiles to the busiest task. */
    {
        double mt = (double)((M + MR - 1) / MR), nt = (double)((N + NR - 1) / NR);
        double flops = 2.0 * M * N * K;
        threads = mlip_get_num_threads();
        if (flops < 2e6) threads = 1; /* too small to repay a wake-up */
        if (threads > mt * nt) threads = (int)(mt * nt);
        for (tm = 1; tm <= threads; tm++) {
            double cost;
            if (threads % tm) continue;
            cost = ceil(mt / tm) * ceil(nt / (threads / tm));
            if (best_cost < 0 || cost < best_cost) best_cost = cost, best_tm = tm;
        }
    }
    memset(&g, 0, sizeof g);
    g.kern = kern;
    g.trans_a = trans_a, g.trans_b = trans_b, g.M = M, g.N = N, g.K = K;
    g.alpha = alpha, g.beta = beta, g.A = A, g.B = B, g.lda = lda, g.ldb = ldb, g.C = C, g.ldc = ldc;
    g.grid_m = best_tm, g.grid_n = threads / best_tm;
    n_tasks = threads;
    kc_max = (size_t)MLIP__MIN(K, MLIP__KC);
    nc_max = (size_t)MLIP__MIN(((N + g.grid_n - 1) / g.grid_n + 2 * NR), MLIP__NC);
    nc_max = (nc_max + NR - 1) / NR * NR;
    g.workspace_per_task = (size_t)kern->mc * MLIP__KC + kc_max * nc_max;
    g.workspace_per_task = (g.workspace_per_task + 15) / 16 * 16; /* keep each task 64-byte aligned */
    if (mlip_size_mul(g.workspace_per_task * sizeof(float), (size_t)n_tasks, &total)) return MLIP_ERR_OVERFLOW;
    g.workspace = (float *)mlip_alloc(total);
    if (!g.workspace) return MLIP_ERR_OUT_OF_MEMORY;
    mlip_parallel_for(n_tasks, mlip__gemm_task, &g);
    mlip_free(g.workspace);
    return MLIP_OK;
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

/* ---- linear ---- */

MLIPDEF mlip_status mlip_linear_forward(float *out, const float *inp, const float *weight,
                                        const float *bias, int rows, int C, int OC) {
    int r;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(inp); MLIP__CHECK_PTR(weight);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C); MLIP__CHECK_POS(OC);
    if (bias) { /* start from the bias and accumulate the product onto it */
        for (r = 0; r < rows; r++) memcpy(out + (size_t)r * OC, bias, sizeof(float) * (size_t)OC);
    }
    return mlip_sgemm(MLIP_NO_TRANS, MLIP_TRANS, rows, OC, C, 1.0f, inp, C, weight, C,
                      bias ? 1.0f : 0.0f, out, OC);
}

MLIPDEF mlip_status mlip_linear_backward(float *dinp, float *dweight, float *dbias,
                                         const float *dout, const float *inp,
                                         const float *weight, int rows, int C, int OC) {
    mlip_status st = MLIP_OK;
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_POS(rows); MLIP__CHECK_POS(C); MLIP__CHECK_POS(OC);
    if (dinp) { /* dinp (rows, C) += dout (rows, OC) . weight (OC, C) */
        MLIP__CHECK_PTR(weight);
        st = mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, rows, C, OC, 1.0f, dout, OC, weight, C, 1.0f,
                        dinp, C);
        if (st) return st;
    }
    if (dweight) { /* dweight (OC, C) += dout^T (OC, rows) . inp (rows, C) */
        MLIP__CHECK_PTR(inp);
        st = mlip_sgemm(MLIP_TRANS, MLIP_NO_TRANS, OC, C, rows, 1.0f, dout, OC, inp, C, 1.0f,
                        dweight, C);
        if (st) return st;
    }
    if (dbias) {
        int r, o;
        for (r = 0; r < rows; r++) {
            const float *d = dout + (size_t)r * OC;
            for (o = 0; o < OC; o++) dbias[o] += d[o];
        }
    }
    return st;
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
        for (i = 0; i < n; i++) out[i] = 0.5f * inp[i] * (1.0f + erff(inp[i] * MLIP__SQRT_HALF));
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
            float cdf = 0.5f * (1.0f + erff(x * MLIP__SQRT_HALF));
            float pdf = MLIP__INV_SQRT_2PI * expf(-0.5f * x * x);
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
        y[i] = expf(x[i] - mx);
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

typedef struct mlip__attn_args {
    float *out, *att, *scratch; /* scratch: one score row of T per task when att is NULL */
    const float *qkv;
    const uint8_t *key_mask;
    int B, T, C, NH;
} mlip__attn_args;

/* Rows r of the flattened (B, NH, T) query index, one softmax row of scores each. */
static void mlip__attention_rows(void *p, int r0, int r1, int task) {
    const mlip__attn_args *a = (const mlip__attn_args *)p;
    int T = a->T, C = a->C, NH = a->NH, hs = C / NH, C3 = 3 * C, r, t2, i;
    float scale = 1.0f / sqrtf((float)hs);
    for (r = r0; r < r1; r++) {
        int t = r % T, h = (r / T) % NH, b = r / (T * NH);
        const float *q = a->qkv + ((size_t)b * T + t) * C3 + h * hs;
        const uint8_t *mask = a->key_mask ? a->key_mask + (size_t)b * T : NULL;
        float *s = a->att ? a->att + (size_t)r * T : a->scratch + (size_t)task * T;
        float *o = a->out + ((size_t)b * T + t) * C + h * hs;
        float mx = -FLT_MAX, sum = 0.0f, inv;
        for (t2 = 0; t2 < T; t2++) { /* scaled scores of the real keys */
            const float *k = a->qkv + ((size_t)b * T + t2) * C3 + C + h * hs;
            float dot = 0.0f;
            if (mask && !mask[t2]) continue;
            for (i = 0; i < hs; i++) dot += q[i] * k[i];
            s[t2] = dot * scale;
            if (s[t2] > mx) mx = s[t2];
        }
        for (t2 = 0; t2 < T; t2++) {
            s[t2] = (mask && !mask[t2]) ? 0.0f : expf(s[t2] - mx);
            sum += s[t2];
        }
        inv = sum > 0.0f ? 1.0f / sum : 0.0f; /* no real key at all: zero output */
        for (i = 0; i < hs; i++) o[i] = 0.0f;
        for (t2 = 0; t2 < T; t2++) {
            const float *v = a->qkv + ((size_t)b * T + t2) * C3 + 2 * C + h * hs;
            float w = s[t2] * inv;
            s[t2] = w;
            if (w == 0.0f) continue;
            for (i = 0; i < hs; i++) o[i] += w * v[i];
        }
    }
}

MLIPDEF mlip_status mlip_attention_forward(float *out, float *att, const float *qkv,
                                           const uint8_t *key_mask, int B, int T, int C,
                                           int NH) {
    mlip__attn_args a;
    mlip_status st = mlip__attention_check("mlip_attention_forward", B, T, C, NH);
    if (st) return st;
    MLIP__CHECK_PTR(out); MLIP__CHECK_PTR(qkv);
    a.out = out, a.att = att, a.scratch = NULL, a.qkv = qkv, a.key_mask = key_mask;
    a.B = B, a.T = T, a.C = C, a.NH = NH;
    if (!att) {
        a.scratch = (float *)mlip_alloc_zeroed((size_t)mlip_get_num_threads(), sizeof(float) * (size_t)T);
        if (!a.scratch) return MLIP_ERR_OUT_OF_MEMORY;
    }
    mlip__for_rows(B * NH * T, 4.0 * T * (C / NH), mlip__attention_rows, &a);
    mlip_free(a.scratch);
    return MLIP_OK;
}

typedef struct mlip__attn_back_args {
    float *dqkv, *scratch; /* scratch: one row of T per task */
    const float *dout, *qkv, *att;
    int B, T, C, NH;
} mlip__attn_back_args;

/* Rows here are (b, h) pairs: a task owns a head of one sequence, so its dq, dk, dv slices
   are written by nobody else. */
static void mlip__attention_back_heads(void *p, int r0, int r1, int task) {
    const mlip__attn_back_args *a = (const mlip__attn_back_args *)p;
    int T = a->T, C = a->C, NH = a->NH, hs = C / NH, C3 = 3 * C, bh, t, t2, i;
    float scale = 1.0f / sqrtf((float)hs), *datt = a->scratch + (size_t)task * T;
    for (bh = r0; bh < r1; bh++) {
        int b = bh / NH, h = bh % NH;
        for (t = 0; t < T; t++) {
            const float *pr = a->att + ((size_t)bh * T + t) * T; /* probabilities of row t */
            const float *dy = a->dout + ((size_t)b * T + t) * C + h * hs;
            const float *q = a->qkv + ((size_t)b * T + t) * C3 + h * hs;
            float *dq = a->dqkv + ((size_t)b * T + t) * C3 + h * hs;
            float dot = 0.0f;
            /* out = sum p v:  dp = dy . v,  dv += p dy */
            for (t2 = 0; t2 < T; t2++) {
                const float *v = a->qkv + ((size_t)b * T + t2) * C3 + 2 * C + h * hs;
                float *dv = a->dqkv + ((size_t)b * T + t2) * C3 + 2 * C + h * hs, d = 0.0f;
                if (pr[t2] == 0.0f) {
                    datt[t2] = 0.0f;
                    continue;
                }
                for (i = 0; i < hs; i++) {
                    d += dy[i] * v[i];
                    dv[i] += pr[t2] * dy[i];
                }
                datt[t2] = d;
                dot += pr[t2] * d;
            }
            /* softmax: ds = p (dp - sum p dp); s = scale q.k */
            for (t2 = 0; t2 < T; t2++) {
                const float *k = a->qkv + ((size_t)b * T + t2) * C3 + C + h * hs;
                float *dk = a->dqkv + ((size_t)b * T + t2) * C3 + C + h * hs;
                float ds = pr[t2] * (datt[t2] - dot) * scale;
                if (ds == 0.0f) continue;
                for (i = 0; i < hs; i++) {
                    dq[i] += ds * k[i];
                    dk[i] += ds * q[i];
                }
            }
        }
    }
}

MLIPDEF mlip_status mlip_attention_backward(float *dqkv, const float *dout, const float *qkv,
                                            const float *att, int B, int T, int C, int NH) {
    mlip__attn_back_args a;
    mlip_status st = mlip__attention_check("mlip_attention_backward", B, T, C, NH);
    if (st) return st;
    MLIP__CHECK_PTR(dqkv); MLIP__CHECK_PTR(dout); MLIP__CHECK_PTR(qkv); MLIP__CHECK_PTR(att);
    a.dqkv = dqkv, a.dout = dout, a.qkv = qkv, a.att = att;
    a.B = B, a.T = T, a.C = C, a.NH = NH;
    a.scratch = (float *)mlip_alloc_zeroed((size_t)mlip_get_num_threads(), sizeof(float) * (size_t)T);
    if (!a.scratch) return MLIP_ERR_OUT_OF_MEMORY;
    mlip__for_rows(B * NH, 6.0 * T * T * (C / NH), mlip__attention_back_heads, &a);
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
   5. Encoders                                          [implementation: not yet written]
   ====================================================================================== */

/* ======================================================================================
   6. Tokenizer                                         [implementation: not yet written]
   ====================================================================================== */

/* ======================================================================================
   12. Image I/O
   Every reader works on a buffer already in memory and reads multi-byte values byte by
   byte, so byte order of the host never matters and no read goes past `len`. Sizes coming
   from a file are checked against the buffer before use: a file is untrusted input.
   ====================================================================================== */

#define MLIP__IMG_DEFAULT_MAX_PIXELS ((size_t)1 << 28)

static MLIP__UNUSED uint32_t mlip__img_be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static MLIP__UNUSED uint32_t mlip__img_le32(const unsigned char *p) {
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

MLIPDEF void mlip_image_free(mlip_image *img) {
    if (!img) return;
    mlip_free(img->pixels);
    memset(img, 0, sizeof *img);
}

/* Check the size against the limit, then allocate the planar float buffer. */
static MLIP__UNUSED mlip_status mlip__img_limit(const mlip_image_options *opt, unsigned long width,
                                                unsigned long height, const char *what) {
    size_t limit = opt && opt->max_pixels ? opt->max_pixels : MLIP__IMG_DEFAULT_MAX_PIXELS;
    size_t n = 0;
    if (width == 0 || height == 0)
        return mlip__fail(MLIP_ERR_FORMAT, "%s: image size %lux%lu is empty", what, width, height);
    if (width > 0x7FFFFFFFUL || height > 0x7FFFFFFFUL ||
        mlip_size_mul((size_t)width, (size_t)height, &n) || n > limit)
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "%s: image %lux%lu exceeds the limit of %lu pixels",
                          what, width, height, (unsigned long)limit);
    return MLIP_OK;
}

static MLIP__UNUSED mlip_status mlip__img_alloc(mlip_image *img, const mlip_image_options *opt, int width,
                                   int height, int channels, const char *what) {
    size_t n;
    mlip_status st;
    if ((st = mlip__img_limit(opt, (unsigned long)width, (unsigned long)height, what))) return st;
    n = (size_t)width * (size_t)height;
    img->pixels = (float *)mlip_alloc_zeroed(n * (size_t)channels, sizeof(float));
    if (!img->pixels) return MLIP_ERR_OUT_OF_MEMORY;
    img->width = width, img->height = height, img->channels = channels;
    img->frames = 1;
    return MLIP_OK;
}

/* ---- PNM (PGM/PPM) ---------------------------------------------------------------- */
#ifndef MLIP_NO_PNM
typedef struct {
    const unsigned char *p;
    size_t n, pos;
} mlip__pnm_cur;

/* Next unsigned decimal token; '#' starts a comment that runs to the end of the line. */
static int mlip__pnm_uint(mlip__pnm_cur *c, unsigned long *v, unsigned long max) {
    unsigned long x = 0;
    int digits = 0;
    for (;;) {
        if (c->pos >= c->n) return 0;
        if (c->p[c->pos] == '#') {
            while (c->pos < c->n && c->p[c->pos] != '\n' && c->p[c->pos] != '\r') c->pos++;
        } else if (strchr(" \t\r\n\v\f", c->p[c->pos]) && c->p[c->pos]) {
            c->pos++;
        } else break;
    }
    while (c->pos < c->n && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
        x = x * 10 + (unsigned long)(c->p[c->pos++] - '0');
        if (x > max) return 0; /* also stops overflow */
        digits++;
    }
    if (!digits) return 0;
    *v = x;
    return 1;
}

MLIPDEF mlip_status mlip_image_read_pnm(const void *buf, size_t len,
                                        const mlip_image_options *opt, mlip_image *out) {
    const unsigned char *p = (const unsigned char *)buf;
    mlip__pnm_cur c;
    unsigned long w = 0, h = 0, maxval = 0;
    int kind, channels, bytes, ascii;
    size_t i, count, plane;
    mlip_status st;
    MLIP__CHECK_PTR(out);
    memset(out, 0, sizeof *out);
    MLIP__CHECK_PTR(buf);
    if (len < 2 || p[0] != 'P' || (p[1] != '2' && p[1] != '3' && p[1] != '5' && p[1] != '6'))
        return mlip__fail(MLIP_ERR_FORMAT, "PNM: not a PGM/PPM file (magic P2, P3, P5 or P6)");
    kind = p[1] - '0';
    ascii = kind == 2 || kind == 3;
    channels = (kind == 3 || kind == 6) ? 3 : 1;
    c.p = p, c.n = len, c.pos = 2;
    if (!mlip__pnm_uint(&c, &w, 0x7fffffffUL) || !mlip__pnm_uint(&c, &h, 0x7fffffffUL) ||
        !mlip__pnm_uint(&c, &maxval, 65535))
        return mlip__fail(MLIP_ERR_FORMAT, "PNM: truncated or invalid header");
    if (maxval < 1) return mlip__fail(MLIP_ERR_FORMAT, "PNM: maxval must be 1..65535");
    /* every sample needs at least one byte (ASCII: a digit and a separator, but the last
       may end the file), so a short file cannot ask for a large allocation */
    if ((st = mlip__img_limit(opt, w, h, "PNM"))) return st;
    if ((len - c.pos) / ((size_t)w * (size_t)channels) < h)
        return mlip__fail(MLIP_ERR_FORMAT, "PNM: truncated: %lux%lu image in %lu bytes", w, h,
                          (unsigned long)len);
    if ((st = mlip__img_alloc(out, opt, (int)w, (int)h, channels, "PNM"))) return st;
    out->format = MLIP_IMAGE_PNM;
    out->max_value = (float)maxval;
    for (out->bits = 1; (1UL << out->bits) - 1 < maxval; out->bits++) {}
    plane = (size_t)w * h;
    count = plane * (size_t)channels;
    bytes = maxval > 255 ? 2 : 1; /* binary samples are big-endian 16-bit above 255 */
    if (!ascii) {
        /* exactly one whitespace byte separates the header from the samples */
        if (c.pos >= len || !strchr(" \t\r\n\v\f", p[c.pos]) || !p[c.pos]) {
            mlip_image_free(out);
            return mlip__fail(MLIP_ERR_FORMAT, "PNM: no whitespace after the header");
        }
        c.pos++;
        if ((len - c.pos) / (size_t)bytes < count) {
            mlip_image_free(out);
            return mlip__fail(MLIP_ERR_FORMAT, "PNM: truncated: %lu samples expected",
                              (unsigned long)count);
        }
    }
    for (i = 0; i < count; i++) {
        unsigned long v;
        if (ascii) {
            if (!mlip__pnm_uint(&c, &v, 65535)) {
                mlip_image_free(out);
                return mlip__fail(MLIP_ERR_FORMAT, "PNM: sample %lu missing or invalid",
                                  (unsigned long)i);
            }
        } else {
            v = p[c.pos];
            if (bytes == 2) v = (v << 8) | p[c.pos + 1];
            c.pos += (size_t)bytes;
        }
        if (v > maxval) {
            mlip_image_free(out);
            return mlip__fail(MLIP_ERR_FORMAT, "PNM: sample %lu exceeds maxval %lu", v, maxval);
        }
        /* interleaved in the file, planar in memory */
        out->pixels[(i % (size_t)channels) * plane + i / (size_t)channels] = (float)v;
    }
    return MLIP_OK;
}
#endif /* MLIP_NO_PNM */

/* ---- CRC-32 and Adler-32 (PNG chunks, zlib streams) ----------------------------------- */
/* CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320). The table is built on the caller's
   stack: 1 KB and 2k operations, cheaper than worrying about thread-safe lazy init. */
static void mlip__png_crc_table(uint32_t table[256]) {
    uint32_t n, c;
    int k;
    for (n = 0; n < 256; n++) {
        c = n;
        for (k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
}
static uint32_t mlip__png_crc(const uint32_t table[256], uint32_t crc, const unsigned char *p,
                              size_t n) {
    size_t i;
    crc ^= 0xFFFFFFFFu;
    for (i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}
static uint32_t mlip__png_adler(uint32_t adler, const unsigned char *p, size_t n) {
    uint32_t a = adler & 0xFFFF, b = adler >> 16;
    while (n) {
        size_t k = n < 5552 ? n : 5552; /* largest run before b can overflow 32 bits */
        n -= k;
        while (k--) a += *p++, b += a;
        a %= 65521u, b %= 65521u;
    }
    return (b << 16) | a;
}

/* ---- PNG: inflate (RFC 1951) and the PNG decoder (ISO/IEC 15948) --------------------- */
#ifndef MLIP_NO_PNG
/* The decoder knows exactly how many bytes the image needs, so inflate writes into a fixed
   buffer and any stream that would produce more (or less) is an error. */
typedef struct {
    const unsigned char *in;
    size_t in_len, in_pos;
    uint32_t bitbuf;
    int bitcnt;
    unsigned char *out;
    size_t out_len, out_pos;
} mlip__png_inflate;

/* Canonical Huffman code: how many codes of each length, and the symbols ordered by code.
   fast[] resolves codes of up to 9 bits in one look-up of the next 9 input bits
   (entry = length << 9 | symbol, 0 = longer code: take the bit-by-bit path). */
#define MLIP__PNG_FAST 9
typedef struct {
    short count[16];
    short symbol[288];
    unsigned short fast[1 << MLIP__PNG_FAST];
} mlip__png_huff;

static int mlip__png_bits(mlip__png_inflate *s, int n, unsigned *v) {
    while (s->bitcnt < n) {
        if (s->in_pos >= s->in_len) return 0;
        s->bitbuf |= (uint32_t)s->in[s->in_pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
    *v = (unsigned)(s->bitbuf & ((1u << n) - 1));
    s->bitbuf >>= n;
    s->bitcnt -= n;
    return 1;
}

/* Returns 0 if the lengths over-subscribe the code space (not a prefix code). Incomplete
   codes are accepted: a missing code is caught when it is decoded. */
static int mlip__png_huff_build(mlip__png_huff *h, const unsigned char *lengths, int n) {
    short offs[16];
    int len, sym, left = 1;
    memset(h->count, 0, sizeof h->count);
    for (sym = 0; sym < n; sym++) h->count[lengths[sym]]++;
    for (len = 1; len < 16; len++) {
        left = left * 2 - h->count[len];
        if (left < 0) return 0;
    }
    offs[1] = 0;
    for (len = 1; len < 15; len++) offs[len + 1] = (short)(offs[len] + h->count[len]);
    for (sym = 0; sym < n; sym++)
        if (lengths[sym]) h->symbol[offs[lengths[sym]]++] = (short)sym;
    /* canonical codes in symbol order; the stream holds them MSB first while bits are
       taken LSB first, so the table is indexed by the bit-reversed code */
    memset(h->fast, 0, sizeof h->fast);
    {
        int code = 0, index = 0, i, k;
        for (len = 1; len <= MLIP__PNG_FAST; len++) {
            for (i = 0; i < h->count[len]; i++, code++, index++) {
                int rev = 0;
                for (k = 0; k < len; k++) rev |= ((code >> k) & 1) << (len - 1 - k);
                for (k = rev; k < (1 << MLIP__PNG_FAST); k += 1 << len)
                    h->fast[k] = (unsigned short)((len << 9) | h->symbol[index]);
            }
            code <<= 1;
        }
    }
    return 1;
}

/* Read a code MSB-first one bit at a time: at each length the codes of that length are
   the consecutive values starting at `first`. Returns the symbol or -1. */
static int mlip__png_decode(mlip__png_inflate *s, const mlip__png_huff *h) {
    int code = 0, first = 0, index = 0, len;
    unsigned bit, e;
    /* keep up to 32 bits buffered; bytes read ahead are given back at the end */
    while (s->bitcnt <= 24 && s->in_pos < s->in_len) {
        s->bitbuf |= (uint32_t)s->in[s->in_pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
    e = h->fast[s->bitbuf & ((1u << MLIP__PNG_FAST) - 1)];
    if (e && (int)(e >> 9) <= s->bitcnt) {
        s->bitbuf >>= e >> 9;
        s->bitcnt -= (int)(e >> 9);
        return (int)(e & 511);
    }
    for (len = 1; len < 16; len++) {
        if (!mlip__png_bits(s, 1, &bit)) return -1;
        code |= (int)bit;
        if (code - first < h->count[len]) return h->symbol[index + code - first];
        index += h->count[len];
        first = (first + h->count[len]) << 1;
        code <<= 1;
    }
    return -1;
}

static const short mlip__png_len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,
                                             15, 17, 19, 23, 27, 31, 35, 43, 51,  59,
                                             67, 83, 99, 115, 131, 163, 195, 227, 258};
static const unsigned char mlip__png_len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
                                                      1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                                      4, 4, 4, 4, 5, 5, 5, 5, 0};
static const unsigned short mlip__png_dist_base[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const unsigned char mlip__png_dist_extra[30] = {0, 0, 0, 0, 1, 1, 2,  2,  3,  3,
                                                       4, 4, 5, 5, 6, 6, 7,  7,  8,  8,
                                                       9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* Decode one Huffman-coded block's symbols until end-of-block. */
static mlip_status mlip__png_codes(mlip__png_inflate *s, const mlip__png_huff *lit,
                                   const mlip__png_huff *dist) {
    for (;;) {
        int sym = mlip__png_decode(s, lit);
        unsigned extra;
        size_t length, d;
        if (sym < 0) return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad or truncated deflate code");
        if (sym < 256) {
            if (s->out_pos >= s->out_len)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: more image data than the size needs");
            s->out[s->out_pos++] = (unsigned char)sym;
            continue;
        }
        if (sym == 256) return MLIP_OK;
        sym -= 257;
        if (sym >= 29) return mlip__fail(MLIP_ERR_FORMAT, "PNG: invalid deflate length code");
        if (!mlip__png_bits(s, mlip__png_len_extra[sym], &extra))
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
        length = (size_t)mlip__png_len_base[sym] + extra;
        sym = mlip__png_decode(s, dist);
        if (sym < 0 || sym >= 30)
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad or truncated deflate distance");
        if (!mlip__png_bits(s, mlip__png_dist_extra[sym], &extra))
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
        d = (size_t)mlip__png_dist_base[sym] + extra;
        if (d > s->out_pos)
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: deflate distance %lu before the start",
                              (unsigned long)d);
        if (length > s->out_len - s->out_pos)
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: more image data than the size needs");
        /* byte by byte: source and destination may overlap (run-length copies) */
        while (length--) {
            s->out[s->out_pos] = s->out[s->out_pos - d];
            s->out_pos++;
        }
    }
}

static mlip_status mlip__png_dynamic(mlip__png_inflate *s, mlip__png_huff *lit,
                                     mlip__png_huff *dist) {
    static const unsigned char order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                            11, 4,  12, 3, 13, 2, 14, 1, 15};
    unsigned char lengths[320];
    unsigned hlit, hdist, hclen, v;
    int i, n;
    mlip__png_huff cl;
    if (!mlip__png_bits(s, 5, &hlit) || !mlip__png_bits(s, 5, &hdist) ||
        !mlip__png_bits(s, 4, &hclen))
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
    hlit += 257, hdist += 1, hclen += 4;
    if (hlit > 286 || hdist > 30)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad deflate dynamic block header");
    memset(lengths, 0, sizeof lengths);
    for (i = 0; i < (int)hclen; i++) {
        if (!mlip__png_bits(s, 3, &v)) return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
        lengths[order[i]] = (unsigned char)v;
    }
    if (!mlip__png_huff_build(&cl, lengths, 19))
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad deflate code-length code");
    n = (int)(hlit + hdist);
    for (i = 0; i < n;) {
        int sym = mlip__png_decode(s, &cl), rep = 0;
        unsigned char val = 0;
        if (sym < 0) return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad deflate code lengths");
        if (sym < 16) {
            lengths[i++] = (unsigned char)sym;
            continue;
        }
        if (sym == 16) { /* repeat the previous length 3-6 times */
            if (i == 0) return mlip__fail(MLIP_ERR_FORMAT, "PNG: deflate repeat with no previous length");
            val = lengths[i - 1];
            if (!mlip__png_bits(s, 2, &v)) return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            rep = 3 + (int)v;
        } else if (sym == 17) { /* 3-10 zeros */
            if (!mlip__png_bits(s, 3, &v)) return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            rep = 3 + (int)v;
        } else { /* 11-138 zeros */
            if (!mlip__png_bits(s, 7, &v)) return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            rep = 11 + (int)v;
        }
        if (i + rep > n) return mlip__fail(MLIP_ERR_FORMAT, "PNG: deflate code lengths overrun");
        while (rep--) lengths[i++] = val;
    }
    if (lengths[256] == 0) return mlip__fail(MLIP_ERR_FORMAT, "PNG: deflate block without end code");
    if (!mlip__png_huff_build(lit, lengths, (int)hlit) ||
        !mlip__png_huff_build(dist, lengths + hlit, (int)hdist))
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: over-subscribed deflate code");
    return MLIP_OK;
}

/* zlib stream (RFC 1950) -> exactly out_len bytes, Adler-32 checked. */
static mlip_status mlip__png_zlib(const unsigned char *in, size_t in_len, unsigned char *out,
                                  size_t out_len) {
    mlip__png_inflate s;
    mlip__png_huff lit, dist;
    unsigned last = 0, type, v;
    mlip_status st;
    if (in_len < 6 || (in[0] & 0x0F) != 8 || (in[0] >> 4) > 7 ||
        ((unsigned)in[0] * 256 + in[1]) % 31 != 0 || (in[1] & 0x20))
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad zlib header");
    memset(&s, 0, sizeof s);
    s.in = in, s.in_len = in_len, s.in_pos = 2, s.out = out, s.out_len = out_len;
    while (!last) {
        if (!mlip__png_bits(&s, 1, &last) || !mlip__png_bits(&s, 2, &type))
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
        if (type == 0) { /* stored: byte-aligned LEN, NLEN, then raw bytes */
            size_t n;
            s.in_pos -= (size_t)(s.bitcnt >> 3); /* unread whole bytes go back */
            s.bitbuf = 0, s.bitcnt = 0;
            if (s.in_len - s.in_pos < 4) return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            n = (size_t)in[s.in_pos] | ((size_t)in[s.in_pos + 1] << 8);
            v = (unsigned)in[s.in_pos + 2] | ((unsigned)in[s.in_pos + 3] << 8);
            if ((n ^ 0xFFFFu) != v) return mlip__fail(MLIP_ERR_FORMAT, "PNG: stored block length check failed");
            s.in_pos += 4;
            if (n > s.in_len - s.in_pos) return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            if (n > s.out_len - s.out_pos) return mlip__fail(MLIP_ERR_FORMAT, "PNG: more image data than the size needs");
            memcpy(s.out + s.out_pos, in + s.in_pos, n);
            s.out_pos += n, s.in_pos += n;
        } else if (type == 1) { /* fixed codes (RFC 1951 3.2.6) */
            unsigned char l[288];
            int i;
            for (i = 0; i < 288; i++) l[i] = (unsigned char)(i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8);
            mlip__png_huff_build(&lit, l, 288);
            for (i = 0; i < 30; i++) l[i] = 5;
            mlip__png_huff_build(&dist, l, 30);
            if ((st = mlip__png_codes(&s, &lit, &dist))) return st;
        } else if (type == 2) {
            if ((st = mlip__png_dynamic(&s, &lit, &dist))) return st;
            if ((st = mlip__png_codes(&s, &lit, &dist))) return st;
        } else {
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: invalid deflate block type 3");
        }
    }
    if (s.out_pos != s.out_len)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: image data too short (%lu of %lu bytes)",
                          (unsigned long)s.out_pos, (unsigned long)s.out_len);
    /* the unused bits of the last byte are padding; the Adler-32 follows, big-endian */
    s.in_pos -= (size_t)(s.bitcnt >> 3);
    if (s.in_len - s.in_pos < 4) return mlip__fail(MLIP_ERR_FORMAT, "PNG: zlib checksum missing");
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    if (mlip__img_be32(in + s.in_pos) != mlip__png_adler(1, out, out_len))
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: zlib Adler-32 mismatch");
#endif
    return MLIP_OK;
}

static int mlip__png_paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}

/* Undo the per-row filters in place. raw holds rows of 1 + rowbytes (filter byte first);
   bpp is the byte distance to the corresponding byte of the previous pixel (at least 1). */
static mlip_status mlip__png_unfilter(unsigned char *raw, size_t rows, size_t rowbytes,
                                      size_t bpp) {
    size_t y, x;
    for (y = 0; y < rows; y++) {
        unsigned char *row = raw + y * (rowbytes + 1) + 1;
        const unsigned char *up = y ? row - (rowbytes + 1) : NULL;
        int f = row[-1];
        for (x = 0; x < rowbytes; x++) {
            int a = x >= bpp ? row[x - bpp] : 0, b = up ? up[x] : 0;
            int c = (up && x >= bpp) ? up[x - bpp] : 0, add;
            switch (f) {
            case 0: add = 0; break;
            case 1: add = a; break;
            case 2: add = b; break;
            case 3: add = (a + b) >> 1; break;
            case 4: add = mlip__png_paeth(a, b, c); break;
            default: return mlip__fail(MLIP_ERR_FORMAT, "PNG: invalid filter type %d", f);
            }
            row[x] = (unsigned char)(row[x] + add);
        }
    }
    return MLIP_OK;
}

/* One sample of a filtered-off row: depth 1/2/4 packed MSB first, 16 big-endian. */
static unsigned mlip__png_sample(const unsigned char *row, size_t i, int depth) {
    switch (depth) {
    case 16: return ((unsigned)row[2 * i] << 8) | row[2 * i + 1];
    case 8: return row[i];
    default: {
        size_t bit = i * (size_t)depth;
        return (unsigned)(row[bit >> 3] >> (8 - depth - (int)(bit & 7))) & ((1u << depth) - 1);
    }
    }
}

MLIPDEF mlip_status mlip_image_read_png(const void *buf, size_t len,
                                        const mlip_image_options *opt, mlip_image *out) {
    static const int adam7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                    {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
    const unsigned char *p = (const unsigned char *)buf, *plte = NULL;
    uint32_t crc_table[256], width = 0, height = 0;
    int depth = 0, color = -1, interlace = 0, file_ch = 0, out_ch, n_plte = 0, pass, seen_idat = 0;
    size_t pos, idat_len = 0, raw_len = 0, plane;
    unsigned char *idat = NULL, *raw = NULL;
    mlip_status st = MLIP_OK;
    MLIP__CHECK_PTR(out);
    memset(out, 0, sizeof *out);
    MLIP__CHECK_PTR(buf);
    if (len < 8 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad signature");
    mlip__png_crc_table(crc_table);
    (void)crc_table;
    /* Pass 1: walk the chunks, check every CRC, read IHDR/PLTE, total the IDAT bytes. */
    for (pos = 8;;) {
        uint32_t clen;
        const unsigned char *type, *data;
        if (len - pos < 12) return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated (no IEND chunk)");
        clen = mlip__img_be32(p + pos);
        if (clen > 0x7FFFFFFFu || clen > len - pos - 12)
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: chunk length %lu runs past the end",
                              (unsigned long)clen);
        type = p + pos + 4, data = p + pos + 8;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION /* fuzzers: let mutations past the CRC */
        if (mlip__png_crc(crc_table, 0, type, (size_t)clen + 4) != mlip__img_be32(data + clen))
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: CRC mismatch in chunk %.4s", (const char *)type);
#endif
        if (pos == 8 && memcmp(type, "IHDR", 4) != 0)
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: first chunk is not IHDR");
        if (!memcmp(type, "IHDR", 4)) {
            if (pos != 8 || clen != 13) return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad IHDR");
            width = mlip__img_be32(data), height = mlip__img_be32(data + 4);
            depth = data[8], color = data[9], interlace = data[12];
            if (data[10] != 0 || data[11] != 0 || interlace > 1)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: unknown compression, filter or interlace method");
            switch (color) {
            case 0: file_ch = 1; st = (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16) ? MLIP_OK : MLIP_ERR_FORMAT; break;
            case 3: file_ch = 1; st = (depth == 1 || depth == 2 || depth == 4 || depth == 8) ? MLIP_OK : MLIP_ERR_FORMAT; break;
            case 2: file_ch = 3; st = (depth == 8 || depth == 16) ? MLIP_OK : MLIP_ERR_FORMAT; break;
            case 4: file_ch = 2; st = (depth == 8 || depth == 16) ? MLIP_OK : MLIP_ERR_FORMAT; break;
            case 6: file_ch = 4; st = (depth == 8 || depth == 16) ? MLIP_OK : MLIP_ERR_FORMAT; break;
            default: st = MLIP_ERR_FORMAT;
            }
            if (st) return mlip__fail(st, "PNG: invalid color type %d with bit depth %d", color, depth);
            if (width == 0 || height == 0 || width > 0x7FFFFFFFu || height > 0x7FFFFFFFu)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: invalid size %lux%lu",
                                  (unsigned long)width, (unsigned long)height);
        } else if (!memcmp(type, "PLTE", 4)) {
            if (clen % 3 || clen == 0 || clen > 768) return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad PLTE length");
            plte = data, n_plte = (int)(clen / 3);
        } else if (!memcmp(type, "IDAT", 4)) {
            if (mlip_size_add(idat_len, clen, &idat_len)) return MLIP_ERR_OVERFLOW;
            seen_idat = 1;
        } else if (!memcmp(type, "IEND", 4)) {
            break;
        } else if (!(type[0] & 0x20)) { /* lower-case first letter = ancillary, skippable */
            return mlip__fail(MLIP_ERR_UNSUPPORTED, "PNG: unknown critical chunk %.4s", (const char *)type);
        }
        pos += (size_t)clen + 12;
    }
    if (!seen_idat) return mlip__fail(MLIP_ERR_FORMAT, "PNG: no IDAT chunk");
    if (color == 3 && !plte) return mlip__fail(MLIP_ERR_FORMAT, "PNG: palette image without PLTE");
    if ((st = mlip__img_limit(opt, width, height, "PNG"))) return st;
    /* Bytes the filtered image takes: per pass, rows * (1 + rowbytes). */
    for (pass = 0; pass < 7; pass++) {
        const int *a = adam7[interlace ? pass : 0];
        size_t pw = interlace ? (width > (uint32_t)a[0] ? (width - a[0] + a[2] - 1) / a[2] : 0) : width;
        size_t ph = interlace ? (height > (uint32_t)a[1] ? (height - a[1] + a[3] - 1) / a[3] : 0) : height;
        size_t bits = 0, rb;
        if (pw && ph) {
            if (mlip_size_mul(pw, (size_t)(file_ch * depth), &bits) || mlip_size_add((bits + 7) / 8, 1, &rb) ||
                mlip_size_mul(rb, ph, &rb) || mlip_size_add(raw_len, rb, &raw_len)) {
                mlip_image_free(out);
                return MLIP_ERR_OVERFLOW;
            }
        }
        if (!interlace) break;
    }
    /* deflate expands at most 1032:1, so the compressed size bounds what can be meant;
       refusing here keeps a tiny corrupt file from costing a huge allocation */
    if (raw_len / 1032 > idat_len + 1)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: %lu bytes of image data cannot hold %lux%lu pixels",
                          (unsigned long)idat_len, (unsigned long)width, (unsigned long)height);
    out_ch = color == 3 ? 3 : file_ch;
    if ((st = mlip__img_alloc(out, opt, (int)width, (int)height, out_ch, "PNG"))) return st;
    out->format = MLIP_IMAGE_PNG;
    out->bits = color == 3 ? 8 : depth;
    out->max_value = (float)((1u << out->bits) - 1);
    plane = (size_t)width * height;
    idat = (unsigned char *)mlip_alloc(idat_len ? idat_len : 1);
    raw = (unsigned char *)mlip_alloc(raw_len);
    if (!idat || !raw) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto done;
    }
    /* Pass 2: gather the IDAT payloads (already validated) into one zlib stream. */
    {
        size_t at = 0;
        for (pos = 8;;) {
            uint32_t clen = mlip__img_be32(p + pos);
            if (!memcmp(p + pos + 4, "IDAT", 4)) memcpy(idat + at, p + pos + 8, clen), at += clen;
            if (!memcmp(p + pos + 4, "IEND", 4)) break;
            pos += (size_t)clen + 12;
        }
    }
    if ((st = mlip__png_zlib(idat, idat_len, raw, raw_len))) goto done;
    {
        size_t off = 0;
        for (pass = 0; pass < 7; pass++) {
            const int *a = interlace ? adam7[pass] : adam7[0];
            size_t sx = interlace ? (size_t)a[0] : 0, sy = interlace ? (size_t)a[1] : 0;
            size_t dx = interlace ? (size_t)a[2] : 1, dy = interlace ? (size_t)a[3] : 1;
            size_t pw = width > sx ? (width - sx + dx - 1) / dx : 0;
            size_t ph = height > sy ? (height - sy + dy - 1) / dy : 0;
            size_t rowbytes = (pw * (size_t)(file_ch * depth) + 7) / 8, x, y;
            size_t bpp = (size_t)(file_ch * depth) >= 8 ? (size_t)(file_ch * depth) / 8 : 1;
            if (pw && ph) {
                if ((st = mlip__png_unfilter(raw + off, ph, rowbytes, bpp))) goto done;
                for (y = 0; y < ph; y++) {
                    const unsigned char *row = raw + off + y * (rowbytes + 1) + 1;
                    size_t oy = sy + y * dy;
                    for (x = 0; x < pw; x++) {
                        size_t at = oy * width + sx + x * dx;
                        int ch;
                        if (color == 3) {
                            unsigned idx = mlip__png_sample(row, x, depth);
                            if ((int)idx >= n_plte) {
                                st = mlip__fail(MLIP_ERR_FORMAT, "PNG: palette index %u out of range", idx);
                                goto done;
                            }
                            for (ch = 0; ch < 3; ch++) out->pixels[ch * plane + at] = (float)plte[3 * idx + ch];
                        } else {
                            for (ch = 0; ch < file_ch; ch++)
                                out->pixels[ch * plane + at] =
                                    (float)mlip__png_sample(row, x * (size_t)file_ch + (size_t)ch, depth);
                        }
                    }
                }
                off += ph * (rowbytes + 1);
            }
            if (!interlace) break;
        }
    }
done:
    mlip_free(idat);
    mlip_free(raw);
    if (st) mlip_image_free(out);
    return st;
}
#endif /* MLIP_NO_PNG */

/* ---- DICOM Part 10 (PS3.10), uncompressed pixel data -------------------------------- */
#ifndef MLIP_NO_DICOM
typedef struct {
    const unsigned char *p;
    size_t n, pos;
    int big;      /* explicit VR big endian dataset */
    int explicit_vr;
} mlip__dcm_cur;

typedef struct {
    unsigned group, element;
    char vr[3];
    uint32_t length; /* 0xFFFFFFFF = undefined */
    size_t value;    /* offset of the value */
} mlip__dcm_elem;

#define MLIP__DCM_UNDEFINED 0xFFFFFFFFu

static unsigned mlip__dcm_u16(const mlip__dcm_cur *c, size_t at) {
    return c->big ? ((unsigned)c->p[at] << 8) | c->p[at + 1] : ((unsigned)c->p[at + 1] << 8) | c->p[at];
}
static uint32_t mlip__dcm_u32(const mlip__dcm_cur *c, size_t at) {
    return c->big ? mlip__img_be32(c->p + at) : mlip__img_le32(c->p + at);
}

/* Read one element header. Item and delimiter tags (FFFE,xxxx) never carry a VR. Does not
   move past the value; checks that a defined-length value fits in the buffer. */
static mlip_status mlip__dcm_header(mlip__dcm_cur *c, mlip__dcm_elem *e) {
    if (c->n - c->pos < 8) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: truncated element header");
    e->group = mlip__dcm_u16(c, c->pos), e->element = mlip__dcm_u16(c, c->pos + 2);
    e->vr[0] = e->vr[1] = e->vr[2] = 0;
    if (!c->explicit_vr || e->group == 0xFFFE) {
        e->length = mlip__dcm_u32(c, c->pos + 4);
        c->pos += 8;
    } else {
        const char *vr = (const char *)c->p + c->pos + 4;
        e->vr[0] = vr[0], e->vr[1] = vr[1];
        if (vr[0] < 'A' || vr[0] > 'Z' || vr[1] < 'A' || vr[1] > 'Z')
            return mlip__fail(MLIP_ERR_FORMAT, "DICOM: invalid VR in element (%04X,%04X)", e->group, e->element);
        /* VRs with a 4-byte length after two reserved bytes (PS3.5 7.1.2) */
        if (strstr("OB OD OF OL OV OW SQ SV UC UN UR UT UV", e->vr)) {
            if (c->n - c->pos < 12) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: truncated element header");
            e->length = mlip__dcm_u32(c, c->pos + 8);
            c->pos += 12;
        } else {
            e->length = mlip__dcm_u16(c, c->pos + 6);
            c->pos += 8;
        }
    }
    e->value = c->pos;
    if (e->length != MLIP__DCM_UNDEFINED && e->length > c->n - c->pos)
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: element (%04X,%04X) length %lu runs past the end",
                          e->group, e->element, (unsigned long)e->length);
    return MLIP_OK;
}

/* Skip an undefined-length sequence (or item): items until the Sequence Delimitation
   Item (FFFE,E0DD); an undefined-length item holds elements until (FFFE,E00D). */
static mlip_status mlip__dcm_skip_undefined(mlip__dcm_cur *c, int depth, int in_item) {
    mlip__dcm_elem e;
    mlip_status st;
    if (depth > 32) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: sequences nested too deeply");
    for (;;) {
        if ((st = mlip__dcm_header(c, &e))) return st;
        if (e.group == 0xFFFE && e.element == (in_item ? 0xE00Du : 0xE0DDu)) return MLIP_OK;
        if (e.length == MLIP__DCM_UNDEFINED) {
            int item = e.group == 0xFFFE && e.element == 0xE000;
            if ((st = mlip__dcm_skip_undefined(c, depth + 1, item))) return st;
        } else {
            c->pos += e.length;
        }
    }
}

/* Copy a text value (DS/IS/UI/CS) without padding; the first of several (backslash). */
static void mlip__dcm_text(const mlip__dcm_cur *c, const mlip__dcm_elem *e, char *dst, size_t cap) {
    size_t i, k = 0;
    for (i = 0; i < e->length && k + 1 < cap; i++) {
        char ch = (char)c->p[e->value + i];
        if (ch == '\\') break;
        if (ch == ' ' || ch == '\0') continue;
        dst[k++] = ch;
    }
    dst[k] = 0;
}

static int mlip__dcm_number(const mlip__dcm_cur *c, const mlip__dcm_elem *e, double *v) {
    char text[72], *end;
    mlip__dcm_text(c, e, text, sizeof text);
    if (!text[0]) return 0;
    *v = strtod(text, &end);
    return *end == 0 && *v == *v && fabs(*v) < 1e30;
}

static const char *mlip__dcm_syntax_name(const char *uid, int *compressed) {
    static const struct { const char *uid, *name; int compressed; } table[] = {
        {"1.2.840.10008.1.2", "Implicit VR Little Endian", 0},
        {"1.2.840.10008.1.2.1", "Explicit VR Little Endian", 0},
        {"1.2.840.10008.1.2.2", "Explicit VR Big Endian", 0},
        {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", 1},
        {"1.2.840.10008.1.2.5", "RLE Lossless", 1},
        {"1.2.840.10008.1.2.4.50", "JPEG Baseline", 1},
        {"1.2.840.10008.1.2.4.51", "JPEG Extended", 1},
        {"1.2.840.10008.1.2.4.57", "JPEG Lossless", 1},
        {"1.2.840.10008.1.2.4.70", "JPEG Lossless SV1", 1},
        {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", 1},
        {"1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless", 1},
        {"1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless", 1},
        {"1.2.840.10008.1.2.4.91", "JPEG 2000", 1},
        {"1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Lossless", 1},
        {"1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2", 1},
        {"1.2.840.10008.1.2.4.100", "MPEG2 Main Profile", 1},
        {"1.2.840.10008.1.2.4.101", "MPEG2 High Profile", 1},
        {"1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264", 1},
        {"1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD", 1},
        {"1.2.840.10008.1.2.4.201", "HTJ2K Lossless", 1},
        {"1.2.840.10008.1.2.4.202", "HTJ2K Lossless RPCL", 1},
        {"1.2.840.10008.1.2.4.203", "HTJ2K", 1}};
    size_t i;
    for (i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(uid, table[i].uid)) {
            *compressed = table[i].compressed;
            return table[i].name;
        }
    *compressed = 1; /* unknown: assume it encodes pixels we cannot read */
    return NULL;
}

MLIPDEF mlip_status mlip_image_read_dicom(const void *buf, size_t len,
                                          const mlip_image_options *opt, mlip_image *out) {
    mlip__dcm_cur c;
    mlip__dcm_elem e;
    char syntax[68] = "", photometric[20] = "";
    const char *name;
    int compressed = 0, have_pixels = 0, rows = 0, cols = 0, spp = 1, planar = 0, frames = 1;
    int alloc_bits = 0, stored = 0, high = -1, is_signed = 0, frame = opt ? opt->frame : 0;
    double slope = 1, intercept = 0, wc = 0, ww = 0, v;
    int has_wc = 0, has_ww = 0;
    size_t pix_at = 0, pix_len = 0, plane, frame_bytes, i, bytes;
    mlip_status st;
    MLIP__CHECK_PTR(out);
    memset(out, 0, sizeof *out);
    MLIP__CHECK_PTR(buf);
    c.p = (const unsigned char *)buf, c.n = len, c.pos = 132, c.big = 0, c.explicit_vr = 1;
    if (len < 132 || memcmp(c.p + 128, "DICM", 4) != 0)
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: no 'DICM' at offset 128 (not a Part 10 file)");
    /* File meta information: group 0002, always explicit VR little endian. */
    while (c.n - c.pos >= 2 && mlip__dcm_u16(&c, c.pos) == 0x0002) {
        if ((st = mlip__dcm_header(&c, &e))) return st;
        if (e.length == MLIP__DCM_UNDEFINED) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: undefined length in file meta");
        if (e.element == 0x0010) mlip__dcm_text(&c, &e, syntax, sizeof syntax);
        c.pos += e.length;
    }
    if (!syntax[0]) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: no Transfer Syntax UID in the file meta");
    name = mlip__dcm_syntax_name(syntax, &compressed);
    if (compressed) {
        if (name) return mlip__fail(MLIP_ERR_UNSUPPORTED, "%s (%s) is compressed: not supported", name, syntax);
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "unknown transfer syntax %s: not supported", syntax);
    }
    c.explicit_vr = strcmp(syntax, "1.2.840.10008.1.2") != 0;
    c.big = !strcmp(syntax, "1.2.840.10008.1.2.2");
    /* Data set: read the image pixel module's elements at the top level (sequences such
       as the Icon Image Sequence carry their own Rows/Pixel Data and are skipped). */
    while (!have_pixels && c.pos < c.n) {
        if ((st = mlip__dcm_header(&c, &e))) return st;
        if (e.length == MLIP__DCM_UNDEFINED) {
            if (e.group == 0x7FE0 && e.element == 0x0010)
                return mlip__fail(MLIP_ERR_FORMAT, "DICOM: encapsulated (compressed) pixel data in %s", name);
            if ((st = mlip__dcm_skip_undefined(&c, 0, e.group == 0xFFFE && e.element == 0xE000))) return st;
            continue;
        }
        if (e.group == 0x0028 && e.length >= 2) {
            unsigned u = mlip__dcm_u16(&c, e.value);
            switch (e.element) {
            case 0x0002: spp = (int)u; break;
            case 0x0006: planar = (int)u; break;
            case 0x0010: rows = (int)u; break;
            case 0x0011: cols = (int)u; break;
            case 0x0100: alloc_bits = (int)u; break;
            case 0x0101: stored = (int)u; break;
            case 0x0102: high = (int)u; break;
            case 0x0103: is_signed = u != 0; break;
            case 0x0004: mlip__dcm_text(&c, &e, photometric, sizeof photometric); break;
            case 0x0008: if (mlip__dcm_number(&c, &e, &v)) frames = (int)MLIP__MAX(1.0, MLIP__MIN(v, 1e9)); break;
            case 0x1050: if (mlip__dcm_number(&c, &e, &v)) wc = v, has_wc = 1; break;
            case 0x1051: if (mlip__dcm_number(&c, &e, &v)) ww = v, has_ww = 1; break;
            case 0x1052: if (mlip__dcm_number(&c, &e, &v)) intercept = v; break;
            case 0x1053: if (mlip__dcm_number(&c, &e, &v)) slope = v; break;
            default: break;
            }
        }
        if (e.group == 0x7FE0 && e.element == 0x0010) pix_at = e.value, pix_len = e.length, have_pixels = 1;
        c.pos += e.length;
    }
    if (!have_pixels) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: no Pixel Data element");
    if (rows <= 0 || cols <= 0) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: missing or zero Rows/Columns");
    if (strcmp(photometric, "MONOCHROME1") && strcmp(photometric, "MONOCHROME2") && strcmp(photometric, "RGB"))
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "DICOM: photometric interpretation '%s' not supported "
                          "(MONOCHROME1, MONOCHROME2, RGB)", photometric);
    if ((photometric[0] == 'R') != (spp == 3) || (spp != 1 && spp != 3))
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: %d samples per pixel with %s", spp, photometric);
    if (alloc_bits != 8 && alloc_bits != 16 && alloc_bits != 32)
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "DICOM: Bits Allocated %d not supported (8, 16, 32)", alloc_bits);
    if (stored <= 0) stored = alloc_bits;
    if (high < 0) high = stored - 1;
    if (stored > alloc_bits || high >= alloc_bits || high + 1 < stored)
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: Bits Stored %d / High Bit %d do not fit Bits Allocated %d",
                          stored, high, alloc_bits);
    if (frame < 0 || frame >= frames)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "DICOM: frame %d requested, the file has %d", frame, frames);
    /* the pixel data must hold the frame before anything is allocated: a few corrupted
       bytes must not cost a large allocation (rows, cols < 2^16, so no overflow) */
    plane = (size_t)rows * (size_t)cols;
    bytes = (size_t)alloc_bits / 8;
    frame_bytes = plane * (size_t)spp * bytes;
    if (pix_len / frame_bytes <= (size_t)frame) {
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: pixel data has %lu bytes, frame %d needs %lu",
                          (unsigned long)pix_len, frame, (unsigned long)frame_bytes * (size_t)(frame + 1));
    }
    if ((st = mlip__img_alloc(out, opt, cols, rows, spp, "DICOM"))) return st;
    out->format = MLIP_IMAGE_DICOM;
    out->bits = stored;
    out->frames = frames, out->frame = frame;
    out->monochrome1 = !strcmp(photometric, "MONOCHROME1");
    out->has_window = has_wc && has_ww && ww > 0;
    out->window_center = (float)wc, out->window_width = (float)ww;
    memcpy(out->transfer_syntax, syntax, sizeof syntax);
    {
        /* value range for max_value: rescaled maximum of the stored bits */
        double top = is_signed ? ldexp(1.0, stored - 1) - 1 : ldexp(1.0, stored) - 1;
        out->max_value = (float)(top * slope + intercept);
    }
    c.pos = pix_at + (size_t)frame * frame_bytes;
    for (i = 0; i < plane * (size_t)spp; i++) {
        const unsigned char *s = c.p + c.pos + i * bytes;
        uint32_t raw = bytes == 1 ? s[0] : bytes == 2 ? mlip__dcm_u16(&c, (size_t)(s - c.p)) : mlip__dcm_u32(&c, (size_t)(s - c.p));
        double val;
        size_t dst;
        /* keep bits [high-stored+1, high], then sign-extend from the top stored bit */
        raw >>= (high + 1 - stored);
        if (stored < 32) raw &= ((uint32_t)1 << stored) - 1;
        if (is_signed && (raw >> (stored - 1)) & 1) val = (double)raw - ldexp(1.0, stored);
        else val = (double)raw;
        /* planar configuration 0: RGBRGB..., 1: RRR...GGG...BBB... */
        dst = spp == 1 ? i : planar ? i : (i % 3) * plane + i / 3;
        out->pixels[dst] = (float)(val * slope + intercept);
    }
    return MLIP_OK;
}
#endif /* MLIP_NO_DICOM */

/* ---- Format detection and files -------------------------------------------------------- */
MLIPDEF mlip_status mlip_image_read_memory(const void *buf, size_t len,
                                           const mlip_image_options *opt, mlip_image *out) {
    const unsigned char *p = (const unsigned char *)buf;
    MLIP__CHECK_PTR(out);
    memset(out, 0, sizeof *out);
    MLIP__CHECK_PTR(buf);
    if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8)) {
#ifndef MLIP_NO_PNG
        return mlip_image_read_png(buf, len, opt, out);
#else
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "PNG support compiled out (MLIP_NO_PNG)");
#endif
    }
    if (len >= 132 && !memcmp(p + 128, "DICM", 4)) {
#ifndef MLIP_NO_DICOM
        return mlip_image_read_dicom(buf, len, opt, out);
#else
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "DICOM support compiled out (MLIP_NO_DICOM)");
#endif
    }
    if (len >= 2 && p[0] == 'P' && (p[1] == '2' || p[1] == '3' || p[1] == '5' || p[1] == '6')) {
#ifndef MLIP_NO_PNM
        return mlip_image_read_pnm(buf, len, opt, out);
#else
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "PNM support compiled out (MLIP_NO_PNM)");
#endif
    }
    (void)opt;
    return mlip__fail(MLIP_ERR_UNSUPPORTED, "unknown image format (not PGM/PPM, PNG or DICOM Part 10)");
}

MLIPDEF mlip_status mlip_image_read_file(const char *path, const mlip_image_options *opt,
                                         mlip_image *out) {
    FILE *f;
    long size;
    unsigned char *buf;
    mlip_status st;
    MLIP__CHECK_PTR(out);
    memset(out, 0, sizeof *out);
    MLIP__CHECK_PTR(path);
    f = fopen(path, "rb");
    if (!f) return mlip__fail(MLIP_ERR_IO, "cannot open %s", path);
    if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return mlip__fail(MLIP_ERR_IO, "cannot determine the size of %s", path);
    }
    buf = (unsigned char *)mlip_alloc(size ? (size_t)size : 1);
    if (!buf) {
        fclose(f);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        mlip_free(buf);
        return mlip__fail(MLIP_ERR_IO, "cannot read %s", path);
    }
    fclose(f);
    st = mlip_image_read_memory(buf, (size_t)size, opt, out);
    mlip_free(buf);
    return st;
}

/* ---- Preprocessing ------------------------------------------------------------------------ */

/* Resampling along one axis: output index o in [0, size) takes taps[o*max_taps ..] of the
   source, or is padding when n[o] == 0. The image occupies [off, off + span) of the output
   (span = the scaled source length; off < 0 when cropping). */
static void mlip__img_axis(int in, int size, int span, int off, int area, int max_taps,
                           int *first, int *n, float *w) {
    int o, k;
    double scale = (double)in / span; /* source pixels per output pixel */
    for (o = 0; o < size; o++) {
        int rel = o - off;
        float *wo = w + (size_t)o * max_taps;
        n[o] = 0, first[o] = 0;
        if (rel < 0 || rel >= span) continue;
        if (!area) {
            /* centre of output pixel in source coordinates, half-pixel aligned */
            double s = (rel + 0.5) * scale - 0.5, f;
            int i0;
            if (s < 0) s = 0;
            if (s > in - 1) s = in - 1;
            i0 = (int)floor(s);
            if (i0 > in - 2) i0 = in > 1 ? in - 2 : 0;
            f = s - i0;
            first[o] = i0;
            if (in == 1) {
                n[o] = 1, wo[0] = 1;
            } else {
                n[o] = 2, wo[0] = (float)(1 - f), wo[1] = (float)f;
            }
        } else {
            /* the source interval [a, b) this output pixel covers, each source pixel
               weighted by its overlap */
            double a = rel * scale, b = (rel + 1) * scale, total = 0;
            int i0 = (int)floor(a), i1 = (int)ceil(b);
            if (i1 > in) i1 = in;
            if (i1 - i0 > max_taps) i1 = i0 + max_taps;
            first[o] = i0;
            for (k = 0; k < i1 - i0; k++) {
                double lo = MLIP__MAX(a, (double)(i0 + k)), hi = MLIP__MIN(b, (double)(i0 + k + 1));
                wo[k] = (float)(hi > lo ? hi - lo : 0);
                total += wo[k];
            }
            n[o] = i1 - i0;
            for (k = 0; k < n[o]; k++) wo[k] = (float)(wo[k] / (total > 0 ? total : 1));
        }
    }
}

MLIPDEF mlip_status mlip_image_preprocess(const mlip_image *in,
                                          const mlip_preprocess_options *opt, float *out,
                                          int size, int channels) {
    mlip_preprocess_options o;
    int W, H, in_ch, c, x, y, span_w, span_h, off_x, off_y, taps_x, taps_y;
    size_t plane, i, n_norm = 0;
    double lo = 0, hi = 1, scale;
    float *norm = NULL, *tmp = NULL, *wx = NULL, *wy = NULL;
    int *fx = NULL, *nx = NULL, *fy = NULL, *ny = NULL;
    mlip_status st = MLIP_OK;
    MLIP__CHECK_PTR(in);
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(in->pixels);
    MLIP__CHECK_POS(size);
    MLIP__CHECK_POS(in->width);
    MLIP__CHECK_POS(in->height);
    if (channels != 1 && channels != 3)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_image_preprocess: channels must be 1 or 3 (got %d)", channels);
    if (in->channels < 1 || in->channels > 4)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_image_preprocess: image has %d channels", in->channels);
    if (opt) o = *opt;
    else memset(&o, 0, sizeof o);
    W = in->width, H = in->height;
    plane = (size_t)W * H;
    in_ch = in->channels >= 3 ? 3 : 1; /* alpha is dropped */
    /* 1. normalise to [0,1] */
    if (o.norm == MLIP_IMAGE_NORM_AUTO)
        o.norm = in->format == MLIP_IMAGE_DICOM ? (in->has_window ? MLIP_IMAGE_NORM_WINDOW : MLIP_IMAGE_NORM_MINMAX)
                                                 : MLIP_IMAGE_NORM_RANGE;
    if (o.norm == MLIP_IMAGE_NORM_WINDOW && o.window_width <= 0) {
        if (!in->has_window)
            return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_image_preprocess: window asked for, none given or in the file");
        o.window_center = in->window_center, o.window_width = in->window_width;
    }
    switch (o.norm) {
    case MLIP_IMAGE_NORM_RANGE:
        lo = 0, hi = in->max_value > 0 ? in->max_value : 1;
        break;
    case MLIP_IMAGE_NORM_MINMAX:
        lo = hi = in->pixels[0];
        for (i = 0; i < plane * (size_t)in_ch; i++) {
            if (in->pixels[i] < lo) lo = in->pixels[i];
            if (in->pixels[i] > hi) hi = in->pixels[i];
        }
        if (hi <= lo) hi = lo + 1; /* flat image: all zeros */
        break;
    case MLIP_IMAGE_NORM_WINDOW:
        /* PS3.3 C.11.2.1.2 linear: [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2] -> [0,1] */
        if (o.window_width < 1) o.window_width = 1;
        lo = o.window_center - 0.5 - (o.window_width - 1) / 2.0;
        hi = o.window_center - 0.5 + (o.window_width - 1) / 2.0;
        if (hi <= lo) hi = lo + 1;
        break;
    default:
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_image_preprocess: unknown norm %d", (int)o.norm);
    }
    if ((o.resize != MLIP_IMAGE_BILINEAR && o.resize != MLIP_IMAGE_AREA) ||
        (o.fit != MLIP_IMAGE_PAD && o.fit != MLIP_IMAGE_CROP))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_image_preprocess: unknown resize or fit mode");
    if (mlip_size_mul(plane, (size_t)channels, &n_norm)) return MLIP_ERR_OVERFLOW;
    /* 2. scale so the long side (pad) or the short side (crop) becomes size */
    scale = o.fit == MLIP_IMAGE_PAD ? (double)size / MLIP__MAX(W, H) : (double)size / MLIP__MIN(W, H);
    span_w = (int)MLIP__MAX(1.0, floor(W * scale + 0.5));
    span_h = (int)MLIP__MAX(1.0, floor(H * scale + 0.5));
    if (o.fit == MLIP_IMAGE_PAD) span_w = MLIP__MIN(span_w, size), span_h = MLIP__MIN(span_h, size);
    else span_w = MLIP__MAX(span_w, size), span_h = MLIP__MAX(span_h, size);
    /* centred; floor division so negative offsets (crop) centre the same way */
    off_x = (int)floor((size - span_w) / 2.0), off_y = (int)floor((size - span_h) / 2.0);
    taps_x = o.resize == MLIP_IMAGE_AREA ? (int)ceil((double)W / span_w) + 2 : 2;
    taps_y = o.resize == MLIP_IMAGE_AREA ? (int)ceil((double)H / span_h) + 2 : 2;
    norm = (float *)mlip_alloc(n_norm * sizeof(float));
    tmp = (float *)mlip_alloc_zeroed((size_t)H * size, sizeof(float)); /* H rows of size */
    wx = (float *)mlip_alloc_zeroed((size_t)size * taps_x, sizeof(float));
    wy = (float *)mlip_alloc_zeroed((size_t)size * taps_y, sizeof(float));
    fx = (int *)mlip_alloc_zeroed((size_t)size * 4, sizeof(int));
    if (!norm || !tmp || !wx || !wy || !fx) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto done;
    }
    nx = fx + size, fy = fx + 2 * size, ny = fx + 3 * size;
    /* normalised, inverted for MONOCHROME1, converted to the output channels */
    for (i = 0; i < plane; i++) {
        float v[3];
        for (c = 0; c < in_ch; c++) {
            double t = (in->pixels[(size_t)c * plane + i] - lo) / (hi - lo);
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            if (in->monochrome1 && !o.keep_monochrome1) t = 1 - t;
            v[c] = (float)t;
        }
        if (channels == 1) norm[i] = in_ch == 1 ? v[0] : 0.299f * v[0] + 0.587f * v[1] + 0.114f * v[2];
        else for (c = 0; c < 3; c++) norm[(size_t)c * plane + i] = in_ch == 1 ? v[0] : v[c];
    }
    /* 3. separable resampling: columns of each row first (H x size), then rows */
    mlip__img_axis(W, size, span_w, off_x, o.resize == MLIP_IMAGE_AREA, taps_x, fx, nx, wx);
    mlip__img_axis(H, size, span_h, off_y, o.resize == MLIP_IMAGE_AREA, taps_y, fy, ny, wy);
    for (c = 0; c < channels; c++) {
        const float *src = norm + (size_t)c * plane;
        float *dst = out + (size_t)c * size * size;
        for (y = 0; y < H; y++)
            for (x = 0; x < size; x++) {
                float acc = 0;
                int k;
                for (k = 0; k < nx[x]; k++) acc += wx[(size_t)x * taps_x + k] * src[(size_t)y * W + fx[x] + k];
                tmp[(size_t)y * size + x] = acc;
            }
        for (y = 0; y < size; y++)
            for (x = 0; x < size; x++) {
                float acc = 0;
                int k;
                if (!ny[y] || !nx[x]) {
                    dst[(size_t)y * size + x] = o.pad_value;
                    continue;
                }
                for (k = 0; k < ny[y]; k++) acc += wy[(size_t)y * taps_y + k] * tmp[(size_t)(fy[y] + k) * size + x];
                dst[(size_t)y * size + x] = acc < 0 ? 0 : acc > 1 ? 1 : acc;
            }
    }
done:
    mlip_free(norm), mlip_free(tmp), mlip_free(wx), mlip_free(wy), mlip_free(fx);
    return st;
}

/* ---- PNG writer --------------------------------------------------------------------------- */
static unsigned char *mlip__png_put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
    return p + 4;
}

MLIPDEF mlip_status mlip_image_encode_png(const float *pixels, int width, int height,
                                          int channels, unsigned char **out, size_t *out_len) {
    uint32_t crc_table[256], adler = 1;
    size_t rowbytes, raw_len, n_blocks, zlen, total, plane, y, x, at;
    unsigned char *buf, *p, *idat, *raw;
    int c;
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(out_len);
    *out = NULL, *out_len = 0;
    MLIP__CHECK_PTR(pixels);
    MLIP__CHECK_POS(width);
    MLIP__CHECK_POS(height);
    if (channels != 1 && channels != 3)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_image_encode_png: channels must be 1 or 3 (got %d)", channels);
    /* raw = rows of (filter byte 0, samples); zlib = 2 header bytes, stored blocks of at
       most 65535 bytes with 5 header bytes each, 4 Adler bytes */
    if (mlip_size_mul((size_t)width, (size_t)channels, &rowbytes) ||
        mlip_size_mul(rowbytes + 1, (size_t)height, &raw_len))
        return MLIP_ERR_OVERFLOW;
    n_blocks = raw_len / 65535 + 1;
    if (mlip_size_mul(n_blocks, 5, &zlen) || mlip_size_add(zlen, raw_len + 6, &zlen) ||
        zlen > 0x7FFFFFFFu)
        return mlip__fail(MLIP_ERR_OVERFLOW, "mlip_image_encode_png: image too large for one IDAT");
    total = 8 + 25 + 12 + zlen + 12;
    buf = (unsigned char *)mlip_alloc(total);
    raw = (unsigned char *)mlip_alloc(raw_len);
    if (!buf || !raw) {
        mlip_free(buf), mlip_free(raw);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    plane = (size_t)width * height;
    for (y = 0, at = 0; y < (size_t)height; y++) {
        raw[at++] = 0; /* filter: none */
        for (x = 0; x < (size_t)width; x++)
            for (c = 0; c < channels; c++) {
                float v = pixels[(size_t)c * plane + y * width + x];
                v = v != v ? 0 : v < 0 ? 0 : v > 1 ? 1 : v;
                raw[at++] = (unsigned char)(v * 255.0f + 0.5f);
            }
    }
    mlip__png_crc_table(crc_table);
    p = buf;
    memcpy(p, "\x89PNG\r\n\x1a\n", 8), p += 8;
    p = mlip__png_put32(p, 13);
    memcpy(p, "IHDR", 4);
    mlip__png_put32(p + 4, (uint32_t)width), mlip__png_put32(p + 8, (uint32_t)height);
    p[12] = 8, p[13] = (unsigned char)(channels == 1 ? 0 : 2), p[14] = p[15] = p[16] = 0;
    p = mlip__png_put32(p + 17, mlip__png_crc(crc_table, 0, p, 17));
    p = mlip__png_put32(p, (uint32_t)zlen);
    idat = p;
    memcpy(p, "IDAT", 4), p += 4;
    *p++ = 0x78, *p++ = 0x01; /* deflate, 32K window, no dictionary; 0x7801 % 31 == 0 */
    for (at = 0; at < raw_len || at == 0;) {
        size_t n = MLIP__MIN(raw_len - at, (size_t)65535);
        *p++ = (unsigned char)(at + n == raw_len); /* BFINAL on the last, BTYPE 00 stored */
        *p++ = (unsigned char)n, *p++ = (unsigned char)(n >> 8);
        *p++ = (unsigned char)~n, *p++ = (unsigned char)(~n >> 8);
        memcpy(p, raw + at, n), p += n, at += n;
        if (at == raw_len) break;
    }
    adler = mlip__png_adler(adler, raw, raw_len);
    p = mlip__png_put32(p, adler);
    p = mlip__png_put32(p, mlip__png_crc(crc_table, 0, idat, (size_t)(p - idat)));
    p = mlip__png_put32(p, 0);
    memcpy(p, "IEND", 4);
    p = mlip__png_put32(p + 4, mlip__png_crc(crc_table, 0, p, 4));
    mlip_free(raw);
    *out = buf, *out_len = (size_t)(p - buf);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_image_write_png(const char *path, const float *pixels, int width,
                                         int height, int channels) {
    unsigned char *png;
    size_t n;
    FILE *f;
    mlip_status st;
    MLIP__CHECK_PTR(path);
    if ((st = mlip_image_encode_png(pixels, width, height, channels, &png, &n))) return st;
    f = fopen(path, "wb");
    if (!f) {
        mlip_free(png);
        return mlip__fail(MLIP_ERR_IO, "cannot create %s", path);
    }
    if (fwrite(png, 1, n, f) != n || fclose(f) != 0) {
        mlip_free(png);
        return mlip__fail(MLIP_ERR_IO, "cannot write %s", path);
    }
    mlip_free(png);
    return MLIP_OK;
}

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
