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
     MLIP_NO_WEIGHT_CHECK do not scan loaded weights for NaN/Inf (the scan reads every weight:
                          ~20-40 ms for the 178 MB `small` model, and a mapped file then becomes
                          resident at load instead of at the first forward)

   CONVENTIONS (stated once, used everywhere)
     - Row-major. Activations are (batch, tokens, channels), channels contiguous.
       Images are (batch, channels, height, width), width contiguous, like PyTorch.
     - Linear weights are (out_features, in_features), as PyTorch's nn.Linear stores them,
       so y = x . W^T + b and checkpoints load without transposing.
     - Every fallible call returns mlip_status (MLIP_OK == 0); mlip_last_error() explains the
       last failure of the calling thread in English.
     - Backward functions ACCUMULATE (+=) into gradient buffers (llm.c style): zero them once
       per step. A NULL gradient pointer means "not wanted".
     - Inside the implementation errors propagate one way: MLIP__TRY(call) returns a failed
       call's status when nothing is held; otherwise `st` is set and one `goto fail` label
       releases and returns it. Sizes from files are distrusted and multiplied with checks.

   TABLE OF CONTENTS (the implementation follows the same order)
     1. Platform     status codes, errors, allocation hooks, no-heap arena + measuring,
                     checked sizes, NaN/Inf checks at the boundary, RNG, threads
     2. Tensor       small vector helpers (fill, copy, axpy, sums)
     3. GEMM         C = alpha op(A) op(B) + beta C; packed, register-blocked, threaded
     4. Kernels      forward/backward pairs: linear, layernorm, gelu, softmax, attention,
                     embedding, patch embedding, residual, l2 normalisation,
                     cross-entropy, span mean pooling
     5. Encoders     ViT (pre-LN, visible-patch subsets) and BERT (post-LN, padding mask),
                     forward/backward, HF parameter names; projection heads
     6. Tokenizer    BERT WordPiece (HF parity), sentence spans, vocabulary training
                     CLIP's byte-level BPE (open_clip SimpleTokenizer parity)
     7. Model        mlip_model: ViT + BERT + heads + SIE parameters + vocabulary + metadata;
                     configs, tensors by file name, training-state tensors
     8. Masking      random patch masks, semantic integrity estimation (SIE)
     9. Losses       global InfoNCE (SIE-weighted), Sinkhorn optimal-transport local loss,
                     masked image prediction: each a forward/backward pair over one step
                     (docs/design.md maps every equation to its function)
     10. Training    batches, the MLIP objective, AdamW with warm-up + cosine, checkpoints
     11. Downstream  zero-shot scores, AUROC, Dice, linear probe, explanation maps
     12. File format  the model in one .mlip file: load (mmap, zero-copy), save,
                     f16/bf16/int8 (docs/format.md); safetensors import/export; PyTorch
                     checkpoints read without executing them (docs/torch.md)
     13. Image I/O   PGM/PPM, PNG (own inflate), DICOM (uncompressed); preprocessing; PNG writer
     14. Dataset     image-report pairs from a TSV file, augmentation, shuffled batches

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
    MLIP_ERR_INVALID_ARG = 1, /* NULL pointer, zero or negative size, bad enum value   */
    MLIP_ERR_OVERFLOW = 2, /* a size computation would overflow size_t              */
    MLIP_ERR_OUT_OF_MEMORY = 3, /* the allocation hook returned NULL                     */
    MLIP_ERR_IO = 4, /* a file could not be opened, read or written           */
    MLIP_ERR_FORMAT = 5, /* malformed input data                                  */
    MLIP_ERR_UNSUPPORTED = 6, /* valid input this build cannot handle                  */
    MLIP_ERR_NUMERIC = 7, /* NaN/Inf where a finite number is required             */
    MLIP_ERR_THREAD = 8 /* the thread pool could not be started                  */
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

/* No-heap mode. mlip_use_memory(buffer, bytes) makes every allocation of the library come from
   the caller's buffer instead of the hooks: 64-byte aligned blocks with a small record each
   (up to 64 + 32 bytes of overhead), placed first-fit in address order, so a freed block's
   space is reused at once. When the buffer has no room the call fails with
   MLIP_ERR_OUT_OF_MEMORY, as after a failed malloc. mlip_use_memory(NULL, 0) returns to the
   hooks; whatever was allocated from the buffer must be freed before that, or abandoned with
   the buffer. Blocks allocated before the switch are still freed through the hooks. The
   arena is one per process: in this mode only one thread may call the library at a time (the
   thread pool's tasks never allocate, so mlip_set_num_threads still works). Inference needs no
   heap at all this way: load a model from memory with copy = 0, build its tokenizer,
   tokenize, decode and preprocess the image, run the encoders and the heads
   (tests/noheap_tu.c). `bytes` counts from the first 64-byte-aligned address in buffer: add
   63 when the buffer is not aligned.
   To size the buffer: mlip_measure_memory_begin(), run the same calls (through the normal
   heap), and mlip_measure_memory_end(&bytes) gives the exact arena size they need (its peak,
   records and alignment included) for the same model, inputs, thread count and build: run
   once on a PC, then reserve that much on the device. Measuring and the arena do not nest
   with each other. Misuse (nesting, a NULL buffer with bytes > 0): MLIP_ERR_INVALID_ARG. */
MLIPDEF mlip_status mlip_use_memory(void *buffer, size_t bytes);
MLIPDEF mlip_status mlip_measure_memory_begin(void);
MLIPDEF mlip_status mlip_measure_memory_end(size_t *peak_bytes);

/* RNG: PCG32 (O'Neill), the same seed gives the same numbers on every platform.
   Integer and uniform streams are bit-exact everywhere; normals go through libm. */
typedef struct mlip_rng {
    uint64_t state;
    uint64_t inc;
} mlip_rng;
MLIPDEF void mlip_rng_seed(mlip_rng *rng, uint64_t seed, uint64_t stream);
MLIPDEF uint32_t mlip_rng_u32(mlip_rng *rng);
MLIPDEF uint32_t mlip_rng_below(mlip_rng *rng, uint32_t bound); /* uniform in [0, bound) */
MLIPDEF float mlip_rng_uniform(mlip_rng *rng); /* uniform in [0, 1), 24 bits */
MLIPDEF float mlip_rng_normal(mlip_rng *rng); /* standard normal */
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
MLIPDEF mlip_status mlip_sgemm(mlip_transpose trans_a, mlip_transpose trans_b, int M, int N, int K,
                               float alpha, const float *A, int lda, const float *B, int ldb,
                               float beta, float *C, int ldc);
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
                                         const float *dout, const float *inp, const float *weight,
                                         int rows, int C, int OC);

/* out (rows, C) = (inp - mean) * rstd * weight + bias; mean, rstd (rows) are saved for
   backward (may be NULL when no backward follows). */
MLIPDEF mlip_status mlip_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                                           const float *weight, const float *bias, int rows, int C,
                                           float eps);
MLIPDEF mlip_status mlip_layernorm_backward(float *dinp, float *dweight, float *dbias,
                                            const float *dout, const float *inp,
                                            const float *weight, const float *mean,
                                            const float *rstd, int rows, int C);

typedef enum mlip_gelu_kind {
    MLIP_GELU_ERF = 0, /* x/2 (1 + erf(x / sqrt 2)): BERT and ViT checkpoints */
    MLIP_GELU_TANH = 1, /* x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
    MLIP_GELU_QUICK = 2 /* x sigmoid(1.702 x): OpenAI CLIP's "quick_gelu" */
} mlip_gelu_kind;
/* out (n) = gelu(inp (n)); out may equal inp. */
MLIPDEF mlip_status mlip_gelu_forward(float *out, const float *inp, size_t n, mlip_gelu_kind kind);
MLIPDEF mlip_status mlip_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n,
                                       mlip_gelu_kind kind);

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
                                           const uint8_t *key_mask, int B, int T, int C, int NH);
MLIPDEF mlip_status mlip_attention_backward(float *dqkv, const float *dout, const float *qkv,
                                            const float *att, int B, int T, int C, int NH);
/* The same with a causal mask as well: query t attends to keys 0..t only (CLIP's text
   transformer). The backward above serves it too: masked probabilities are zero. */
MLIPDEF mlip_status mlip_attention_forward_causal(float *out, float *att, const float *qkv,
                                                  const uint8_t *key_mask, int B, int T, int C,
                                                  int NH);

/* out (n, C) = table[ids[i]] with table (V, C); every id is checked against V. */
MLIPDEF mlip_status mlip_embedding_forward(float *out, const int *ids, const float *table, int n,
                                           int C, int V);
MLIPDEF mlip_status mlip_embedding_backward(float *dtable, const float *dout, const int *ids, int n,
                                            int C, int V);

/* Patch embedding: a convolution with kernel = stride = P, as im2col + GEMM.
   img (B, Cin, H, W) with H, W multiples of P; K = (H/P)(W/P) patches in row-major order.
   patches (B, K, Cin*P*P) receives the unfolded pixels (kept for backward).
   weight (D, Cin, P, P) as PyTorch's Conv2d stores it, bias (D) or NULL; out (B, K, D). */
MLIPDEF mlip_status mlip_patch_embed_forward(float *out, float *patches, const float *img,
                                             const float *weight, const float *bias, int B, int Cin,
                                             int H, int W, int P, int D);
MLIPDEF mlip_status mlip_patch_embed_backward(float *dimg, float *dweight, float *dbias,
                                              const float *dout, const float *patches,
                                              const float *weight, int B, int Cin, int H, int W,
                                              int P, int D);

/* out (n) = a (n) + b (n) */
MLIPDEF mlip_status mlip_residual_forward(float *out, const float *a, const float *b, size_t n);
MLIPDEF mlip_status mlip_residual_backward(float *da, float *db, const float *dout, size_t n);

/* out (rows, C) = inp / max(||inp||, eps) row-wise; norm (rows) saves max(||inp||, eps). */
MLIPDEF mlip_status mlip_l2norm_forward(float *out, float *norm, const float *inp, int rows, int C,
                                        float eps);
MLIPDEF mlip_status mlip_l2norm_backward(float *dinp, const float *dout, const float *out,
                                         const float *norm, int rows, int C);

/* Cross-entropy of softmax(logits (rows, C)) against targets (rows): losses (rows),
   probs (rows, C) saved for backward. A negative target marks a row to ignore (loss 0,
   no gradient); a target >= C is an error. */
MLIPDEF mlip_status mlip_cross_entropy_forward(float *losses, float *probs, const float *logits,
                                               const int *targets, int rows, int C);
/* dlogits += dlosses[r] * (probs - onehot(target)) */
MLIPDEF mlip_status mlip_cross_entropy_backward(float *dlogits, const float *dlosses,
                                                const float *probs, const int *targets, int rows,
                                                int C);

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

/* How an encoder's token states become one feature vector (mlip_encoder_pool). */
typedef enum mlip_pool {
    MLIP_POOL_CLS = 0, /* the first token: ViT's [CLS], BERT's [CLS] */
    MLIP_POOL_AVG = 1, /* ViT: the mean of the patch tokens (timm global_pool="avg") */
    MLIP_POOL_LAST = 2 /* the last real token: CLIP's end-of-text (text kind MLIP_TEXT_CLIP) */
} mlip_pool;

/* The fields after ln_eps are architecture switches for checkpoints trained elsewhere; all
   zero is MLIP's own ViT (and what a config written before they existed means). */
typedef struct mlip_vit_config {
    int image_size; /* trained square input size in pixels (224 for ViT-B/16) */
    int patch_size; /* P: patches are P x P, K = (image_size / P)^2 of them */
    int channels; /* 1 (grayscale radiograph) or 3 */
    int width; /* token width D */
    int layers, heads, mlp_dim;
    float ln_eps; /* 1e-12 in HF ViTModel, 1e-6 in timm */
    mlip_gelu_kind gelu; /* the MLP's activation: erf (ViT, timm) or quick (OpenAI CLIP) */
    int pre_norm; /* 1: a LayerNorm on the tokens before the first block (CLIP pre_layrnorm) */
    mlip_pool pool; /* MLIP_POOL_CLS or MLIP_POOL_AVG */
    int fc_norm; /* 1 (with AVG): the final LayerNorm normalises the pooled mean, not the tokens */
} mlip_vit_config;

typedef enum mlip_text_kind {
    MLIP_TEXT_BERT = 0, /* post-LN, token types, embedding LayerNorm, pooled at [CLS] */
    MLIP_TEXT_CLIP = 1 /* pre-LN, causal, final LayerNorm, pooled at the last real token */
} mlip_text_kind;

typedef struct mlip_bert_config {
    int vocab_size, max_positions, type_vocab_size; /* type_vocab_size unused by CLIP text */
    int width, layers, heads, mlp_dim;
    float ln_eps; /* 1e-12 (BERT), 1e-5 (CLIP) */
    mlip_text_kind kind; /* switches for checkpoints trained elsewhere; 0 is BERT */
    mlip_gelu_kind gelu;
} mlip_bert_config;

/* The named configurations (docs/design.md, "Named configurations"). */
MLIPDEF mlip_vit_config
mlip_vit_config_tiny(void); /* 64 px, 1 ch, patch 8, 4 x 128, 4 heads, MLP 512 */
MLIPDEF mlip_vit_config
mlip_vit_config_small(void); /* 224 px, 1 ch, patch 16, 12 x 384, 6 heads (ViT-S/16) */
MLIPDEF mlip_vit_config
mlip_vit_config_base(void); /* 224 px, 3 ch, patch 16, 12 x 768, 12 heads (ViT-B/16) */
MLIPDEF mlip_bert_config
mlip_bert_config_tiny(int vocab_size); /* 4 x 128, 4 heads, 128 positions */
MLIPDEF mlip_bert_config
mlip_bert_config_small(int vocab_size); /* 6 x 384, 6 heads, 512 positions */
MLIPDEF mlip_bert_config
mlip_bert_config_base(void); /* BERT-base: 30522 words, 12 x 768, 512 positions */

/* One named tensor of an encoder: its place in the weight (and gradient) arena. */
typedef struct mlip_param_info {
    char name[72];
    int ndim;
    int shape[4];
    size_t offset; /* in floats from the arena start */
    size_t count;
    int decay; /* 1 for matrices (weight decay applies), 0 for biases, norms, embeddings */
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
/* Run on weights the caller owns (e.g. a memory-mapped file): `weights` holds the whole arena
   (count floats as mlip_encoder_weights reports, each tensor at its table offset), is 64-byte
   aligned and outlives the encoder, which never writes to it. The encoder's own arena is
   freed. Training such an encoder is refused (its weights are read-only). */
MLIPDEF mlip_status mlip_encoder_use_weights(mlip_encoder *enc, const float *weights);
MLIPDEF int mlip_encoder_width(const mlip_encoder *enc);
/* Bytes of activations kept for (batch, tokens): what the third arena grows to. */
MLIPDEF size_t mlip_encoder_activation_bytes(const mlip_encoder *enc, int B, int T, int training);

/* ViT forward. img (B, channels, image_size, image_size). visible (B, n_visible) lists, per
   image, the patch indices to encode (masked training), or NULL for all K patches (then
   n_visible is ignored). out (B, 1 + n, width): the final-LayerNorm states (with fc_norm: the
   last block's, the norm waits for the pooling), [CLS] first, then the visible patches in the
   order given. training = 1 keeps what backward needs (MLIP's ViT only: a config with
   pre_norm or fc_norm is for inference). */
MLIPDEF mlip_status mlip_vit_forward(mlip_encoder *vit, const float *img, int B, const int *visible,
                                     int n_visible, int training, float *out);
/* Accumulate parameter gradients from dout (B, 1 + n, width) of the last training forward. */
MLIPDEF mlip_status mlip_vit_backward(mlip_encoder *vit, const float *dout);
/* Take images of height x width (multiples of the patch size) from now on. The patch grid's
   position embeddings are resized from the trained grid by bicubic interpolation (as PyTorch's
   F.interpolate(mode="bicubic", align_corners=False) does, which HF's interpolate_pos_encoding
   uses); [CLS]'s is kept. Gradients flow back through the interpolation. */
MLIPDEF mlip_status mlip_vit_set_image_size(mlip_encoder *vit, int height, int width);

/* BERT forward. ids (B, T) token ids, type_ids (B, T) or NULL (all 0), mask (B, T) or NULL
   (1 = real token, 0 = padding: padding is never attended to). out (B, T, width): the last
   block's states; the [CLS] state is out[b, 0]. A CLIP text transformer (kind MLIP_TEXT_CLIP)
   runs here too: causal attention, and out is after its final LayerNorm; it has no token types
   (type_ids must be NULL) and no backward (training it is refused). */
MLIPDEF mlip_status mlip_bert_forward(mlip_encoder *bert, const int *ids, const int *type_ids,
                                      const uint8_t *mask, int B, int T, int training, float *out);
MLIPDEF mlip_status mlip_bert_backward(mlip_encoder *bert, const float *dout);

/* One feature vector per sequence from an encoder's output tokens (B, T, width), as its config
   says: [CLS] (tokens[b, 0]), the mean of the patch tokens (then, with fc_norm, the final
   LayerNorm applied to it), or the last position whose mask is 1 (mask (B, T); NULL: T - 1).
   pooled (B, width). */
MLIPDEF mlip_status mlip_encoder_pool(const mlip_encoder *enc, const float *tokens, int B, int T,
                                      const uint8_t *mask, float *pooled);

/* Projection head: out (rows, D) = l2normalise(inp (rows, C) . weight^T + bias).
   proj (rows, D) and norm (rows) are kept for backward (both may be NULL at inference, then
   out serves as scratch). */
MLIPDEF mlip_status mlip_projection_forward(float *out, float *proj, float *norm, const float *inp,
                                            const float *weight, const float *bias, int rows, int C,
                                            int D);
MLIPDEF mlip_status mlip_projection_backward(float *dinp, float *dweight, float *dbias,
                                             const float *dout, const float *out, const float *norm,
                                             const float *inp, const float *weight, int rows, int C,
                                             int D);

/* ======================================================================================
   6. Tokenizer: BERT WordPiece (HF BertTokenizer semantics), sentence spans, vocab training
   ====================================================================================== */
/* The tokenizer of BERT: HF `BertTokenizer` (basic tokenizer + WordPiece) with its exact
   semantics, checked id for id against transformers.js on real reports (tests/test_tokenizer.c).
     1. Text cleaning: NUL, U+FFFD and control characters (Unicode Cc, Cf, Co, Cs except
        TAB, LF, CR) are dropped; whitespace (SPACE, TAB, LF, CR, Zs) separates words.
     2. CJK ideographs become words of their own.
     3. Uncased only: lower-casing (full Unicode mappings, a final capital sigma becoming
        the final form as in Python's and JavaScript's lower()), then NFD and dropping
        nonspacing marks (Mn): "Pleural Effusion" with an acute E tokenizes as "pleural effusion".
     4. Punctuation (every Unicode P* character and the ASCII symbols) is a word of its own.
     5. Greedy longest-match-first WordPiece, continuation pieces carry "##"; a word of more
        than 100 code points, or with a part no vocabulary entry matches, is one [UNK].
   The special tokens [CLS] [SEP] [PAD] [UNK] [MASK] are matched verbatim (case-sensitive)
   in the raw text before all of this and never split.
   INVALID UTF-8 never fails, never crashes and is never read past `len`: each byte that does
   not start a well-formed sequence (stray continuation byte, truncated sequence, overlong
   form, surrogate, beyond U+10FFFF, bytes C0 C1 F5..FF) becomes U+FFFD, which step 1 drops.
   The Unicode tables (tools/gen_unicode_tables.py) come from Python's unicodedata; code
   points unassigned there are kept as letters, as transformers.js does (HF Python drops
   them as Cn). Known difference from transformers.js 4.3 only: it truncates after adding
   [CLS]/[SEP] and so loses [SEP]; this keeps [SEP] like HF Python and Rust.
   A loaded tokenizer is read-only: any number of threads may use one at once. */
typedef struct mlip_tokenizer mlip_tokenizer;

#define MLIP_TOKENIZER_MAX_WORD_CHARS 100 /* longer words become [UNK], as in HF */
#define MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES 16

/* Load a vocabulary: one token per line, the line number (from 0) is its id (vocab.txt of
   any BERT checkpoint). LF or CRLF line ends; a token that appears twice keeps its last id,
   as in HF. lowercase != 0 makes an uncased tokenizer (step 3 above). */
MLIPDEF mlip_status mlip_tokenizer_load_vocab(const char *path, int lowercase,
                                              mlip_tokenizer **out);
MLIPDEF mlip_status mlip_tokenizer_from_memory(const char *text, size_t len, int lowercase,
                                               mlip_tokenizer **out);
MLIPDEF void mlip_tokenizer_free(mlip_tokenizer *tok);
MLIPDEF int mlip_tokenizer_vocab_size(const mlip_tokenizer *tok);
/* Id of a token string (NUL-terminated), or -1 when it is not in the vocabulary. */
MLIPDEF int mlip_tokenizer_token_id(const mlip_tokenizer *tok, const char *token);
/* The token string of an id, or NULL when id is out of range. */
MLIPDEF const char *mlip_tokenizer_token(const mlip_tokenizer *tok, int id);

/* WordPiece ids of a text, without [CLS]/[SEP] and without truncation. Writes at most cap
   ids (ids may be NULL when cap == 0) and sets *n_out to the full count, so a first call
   with cap 0 sizes the buffer. */
MLIPDEF mlip_status mlip_tokenizer_tokenize(const mlip_tokenizer *tok, const char *text, size_t len,
                                            int *ids, int cap, int *n_out);
/* Model input of max_len (>= 2) positions: [CLS], the first max_len - 2 word pieces, [SEP],
   then [PAD] up to max_len. mask (may be NULL) gets 1 for real positions, 0 for padding;
   *n_out (may be NULL) is the number of real positions. The vocabulary must hold [CLS],
   [SEP], [PAD] and [UNK]. */
MLIPDEF mlip_status mlip_tokenizer_encode(const mlip_tokenizer *tok, const char *text, size_t len,
                                          int max_len, int *ids, uint8_t *mask, int *n_out);
/* Text of ids, as HF decodes: tokens joined by spaces, "##" pieces glued to the previous
   one, then the tokenization-space clean-up (" ." -> "." and the like). skip_special != 0
   leaves out [CLS] [SEP] [PAD] [UNK] [MASK]. Like snprintf: writes at most cap bytes
   including the terminating NUL and sets *len_out (may be NULL) to the full length. An id
   out of range is MLIP_ERR_INVALID_ARG. */
MLIPDEF mlip_status mlip_tokenizer_decode(const mlip_tokenizer *tok, const int *ids, int n,
                                          int skip_special, char *buf, size_t cap, size_t *len_out);

/* Sentences of a report as spans [begin[s], end[s]) over the sequence mlip_tokenizer_encode
   makes with the same max_len, ready for mlip_span_mean_forward. A sentence ends at `.`,
   `?`, `!`, `;` or a line break, except a `.` between digits ("2.5 cm"), after a single
   letter ("e.g.", "i.e.") or after dr, mr, mrs, ms, vs, st, fig, approx; a piece without a
   letter (a list number "2.") joins the next sentence; empty sentences are dropped, spans
   never cover [CLS], [SEP] or padding, and sentences cut by truncation are clipped. At most
   max_sentences (<= 0: MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES) spans are kept, the first
   ones; begin and end must hold that many. *n_sent may come back 0. */
MLIPDEF mlip_status mlip_tokenizer_sentences(const mlip_tokenizer *tok, const char *text,
                                             size_t len, int max_len, int max_sentences, int *begin,
                                             int *end, int *n_sent);

/* Learn a WordPiece vocabulary of (at most) vocab_size entries from a corpus, the way HF
   tokenizers' WordPieceTrainer does: the corpus is pre-tokenized like the tokenizer above
   (lowercase != 0: uncased), words are split into characters (non-initial ones with "##"),
   and the most frequent adjacent pair is merged (ties: the pair whose symbols come first in
   the vocabulary) until the vocabulary is full or no pair occurs min_frequency times. The
   vocabulary lists [PAD] [UNK] [CLS] [SEP] [MASK] first, then every character (word-initial
   ones, then the "##" ones, each sorted), then the merges in order. Deterministic, and
   independent of the order of the corpus' lines. Writes vocab.txt format: one token per
   line. */
MLIPDEF mlip_status mlip_vocab_train(const char *corpus, size_t len, int vocab_size,
                                     int min_frequency, int lowercase, const char *out_path);

/* CLIP's byte-level BPE, id for id as open_clip 2.23's SimpleTokenizer (tokenize(texts,
   context_length)) and transformers' CLIPTokenizer: tests/test_tokenizer_bpe.c, fixtures by
   tools/bpe_fixture.py, docs/tokenizer.md. A BPE tokenizer is an mlip_tokenizer like the
   WordPiece one, and the functions above work on it:
     _tokenize   BPE ids without <|startoftext|>/<|endoftext|>;
     _encode     [<|startoftext|>] ids [<|endoftext|>]; longer than max_len: cut to max_len
                 with <|endoftext|> last; padded with id 0 (as open_clip pads);
     _decode     bytes of the tokens, UTF-8 with U+FFFD for ill-formed parts, "</w>" -> space
                 (SimpleTokenizer.decode: no strip; skip_special leaves out the two specials);
     _sentences  MLIP_ERR_UNSUPPORTED (sentence spans are WordPiece only);
     _token/_token_id  vocabulary strings as in CLIP's vocab.json ("hello</w>", "<|endoftext|>").
   The text goes through what open_clip's "lower" cleaning does:
     1. ftfy.fix_text, line by line and repeated until nothing changes, with these of its fixes:
        unescape_html (the HTML 4 entities, &apos;, HTML5's upper-case &AMP; &COPY; &GT; &LT;
        &QUOT; &REG;, ftfy's all-caps variants such as &EACUTE;, and numeric references; off
        from the first line holding '<' on, as ftfy's "auto" does), fix_c1_controls
        (U+0080..U+009F as Windows-1252), fix_latin_ligatures, fix_character_width (full-width
        ASCII, half-width katakana and Hangul, U+3000), uncurl_quotes, fix_line_breaks,
        remove_terminal_escapes (ESC [ ASCII digits/';' letter), remove_control_chars, then
        NFC normalization (Unicode 14, as unicodedata: "e" + U+0301 becomes "é", half-width
        katakana and its voicing mark one kana; text below U+0300 is skipped at once).
        NOT done: fix_encoding (mojibake repair: "sÃ³" stays as it is; ftfy makes "só" of it),
        restore_byte_a0, replace_lossy_sequences, decode_inconsistent_utf8, fix_surrogates
        (UTF-8 input holds none), the 1,000,000-code-point segment cut, and the ~1,900 other
        HTML5 entity names (&check;...).
     2. html.unescape twice: the same entity names (with and without ';', longest legacy
        prefix), numeric references with HTML5's replacements.
     3. Whitespace (Unicode White_Space) only separates words; Python's str.lower (full
        mappings, final sigma).
     4. The regex <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|
        [^\s\p{L}\p{N}]+ (case-insensitive), then BPE of each match's UTF-8 bytes by lowest
        merge rank. Letters and numbers are Unicode 14 (the regex module has 15: code points
        new in 15.0 count as symbols here).
   Invalid UTF-8 never fails: an ill-formed sequence's longest well-formed start becomes one
   U+FFFD, as Python's decode(errors="replace"). The special tokens are named as in OpenAI's
   CLIP and HF (open_clip 2.23 calls the same ids <start_of_text> and <end_of_text>). */
#define MLIP_BPE_CLIP_MERGES 48894 /* merges CLIP uses: vocabulary 256 + 256 + 48894 + 2 = 49408 */
/* CLIP's byte-level BPE. merges: the merges text (first line "#version..." skipped if present,
   then one "a b" pair a line; empty lines only at the end). max_merges > 0 keeps only the
   first max_merges pairs (open_clip's bpe_simple_vocab_16e6.txt.gz holds 262,144 and CLIP uses
   the first MLIP_BPE_CLIP_MERGES); <= 0 keeps all. The vocabulary is built from the merges as
   CLIP builds it (the 256 byte symbols, the same with "</w>", the merged pairs in order, then
   <|startoftext|> and <|endoftext|>; a string made twice keeps its last id). Refused with
   MLIP_ERR_FORMAT and the line number: a line over 1024 bytes, not two symbols split by one
   space, a pair listed twice, a symbol the vocabulary lacks, a NUL byte. */
MLIPDEF mlip_status mlip_tokenizer_bpe_from_memory(const char *merges, size_t len, int max_merges,
                                                   mlip_tokenizer **out);
/* From a file: plain merges.txt (HF) or gzip-compressed (open_clip's .txt.gz, detected by its
   magic bytes; one member, CRC-32 and size checked; MLIP_ERR_UNSUPPORTED under MLIP_NO_PNG,
   which removes the inflate). */
MLIPDEF mlip_status mlip_tokenizer_load_bpe(const char *path, int max_merges, mlip_tokenizer **out);
MLIPDEF int mlip_tokenizer_is_bpe(const mlip_tokenizer *tok); /* 1 BPE, 0 WordPiece */
/* The merges this tokenizer uses as text, one "a b\n" line each (no version line), so a model
   file can store them and mlip_tokenizer_bpe_from_memory(text, len, 0, ...) rebuilds the same
   tokenizer; NULL (len 0) for a WordPiece tokenizer. Owned by the tokenizer. */
MLIPDEF const char *mlip_tokenizer_bpe_merges(const mlip_tokenizer *tok, size_t *len);

/* ======================================================================================
   7. Model: ViT + BERT + projection heads + SIE parameters + tokenizer vocabulary + metadata
      in one handle; every tensor by its file name; training state
   ====================================================================================== */
/* (section 7 declarations) */
typedef struct mlip_model mlip_model; /* an opaque handle: ViT, BERT, heads, vocabulary, metadata */

/* How a tensor is stored in a file (section 12); in memory every tensor is f32. */
typedef enum mlip_dtype {
    MLIP_DTYPE_F32 = 0,
    MLIP_DTYPE_F16 = 1,
    MLIP_DTYPE_BF16 = 2,
    MLIP_DTYPE_INT8 = 3 /* per-row f32 scales */
} mlip_dtype;
MLIPDEF const char *mlip_format_dtype_name(mlip_dtype dtype); /* "f32", "f16", "bf16", "int8" */

typedef enum mlip_model_kind {
    MLIP_MODEL_MLIP = 0, /* four heads (global, local) x (image, text), two logit scales, SIE */
    MLIP_MODEL_CLIP = 1 /* a dual encoder trained elsewhere: global heads and logit_scale only */
} mlip_model_kind;

typedef enum mlip_head_kind {
    MLIP_HEAD_LINEAR = 0, /* weight (D, width) and bias (D) */
    MLIP_HEAD_MLP = 1, /* hidden.weight (H, width), GELU (erf), weight (D, H), bias (D) */
    MLIP_HEAD_NONE = 2 /* the pooled feature itself (D = width): a bare timm ViT */
} mlip_head_kind;

/* The fields after lowercase describe checkpoints trained elsewhere (mlip_model_import_torch);
   all zero is an MLIP model, as in files written before they existed. */
typedef struct mlip_model_config {
    mlip_vit_config vit;
    mlip_bert_config bert; /* bert.layers == 0: no text tower (an image-only model) */
    int embed_dim; /* D: output width of the projection heads */
    float image_mean[4], image_std[4]; /* per channel (vit.channels used) */
    int lowercase; /* the tokenizer is uncased (1) or cased (0) */
    mlip_model_kind kind;
    mlip_head_kind image_head, text_head; /* the global heads */
    int image_head_hidden, text_head_hidden; /* H of an MLP head */
    int context_length; /* text positions the tokenizer fills (0: bert.max_positions) */
    int tokenizer_bpe; /* 1: CLIP's byte-level BPE (merges stored), 0: WordPiece (vocab) */
    int image_resize, image_fit; /* mlip_preprocess_options.resize / .fit (section 13); the
                                    named configs: 0, 0 (bilinear, pad) */
} mlip_model_config;

/* The named configurations (docs/design.md): the encoders of section 5 and D = 128, 256, 512. */
MLIPDEF mlip_model_config mlip_model_config_tiny(int vocab_size);
MLIPDEF mlip_model_config mlip_model_config_small(int vocab_size);
MLIPDEF mlip_model_config mlip_model_config_base(void);

MLIPDEF mlip_status mlip_model_create(const mlip_model_config *config, mlip_model **out);
MLIPDEF void mlip_model_free(mlip_model *model);
/* Encoders as mlip_encoder_init_random (seeds seed, seed + 1); head matrices N(0, 0.02),
   biases 0; logit scales log(1 / 0.07); sie.query and sie.bias 0. */
MLIPDEF void mlip_model_init_random(mlip_model *model, uint64_t seed);
MLIPDEF const mlip_model_config *mlip_model_get_config(const mlip_model *model);
MLIPDEF mlip_encoder *mlip_model_vit(mlip_model *model);
MLIPDEF mlip_encoder *mlip_model_bert(mlip_model *model);
/* Any tensor by its file name ("vision.layernorm.weight", "head.global_text.bias",
   "logit_scale", ...), or NULL. A model loaded without copying has read-only encoder
   tensors (see mlip_model_is_mapped). */
MLIPDEF float *mlip_model_tensor(mlip_model *model, const char *name, size_t *count);
MLIPDEF int mlip_model_tensor_count(const mlip_model *model);
/* Tensor `index` (file order): full name, shape, count; stored (may be NULL) gets the dtype it
   had in the file it was loaded from (f32 for a created model). */
MLIPDEF mlip_status mlip_model_tensor_info(const mlip_model *model, int index,
                                           mlip_param_info *info, mlip_dtype *stored);
/* 1 when the encoders run on the loaded bytes themselves (zero-copy), 0 when they were copied. */
MLIPDEF int mlip_model_is_mapped(const mlip_model *model);
/* Training state in the same file: vectors named "train.<something>" (the trainer's
   checkpoints keep the MIP decoder and AdamW's moments there). Set copies count floats (NULL
   data removes the tensor); they are saved after the model's tensors, loaded back, and read
   with mlip_model_tensor. A model without them is a plain deployable model. */
MLIPDEF mlip_status mlip_model_set_train_tensor(mlip_model *model, const char *name,
                                                const float *data, size_t count);
MLIPDEF void mlip_model_clear_train_tensors(mlip_model *model);

/* The vocabulary travels with the model. set_vocab copies tok's tokens (NULL removes them) and
   its casing is config.lowercase; for a BPE tokenizer (CLIP's) it keeps the merges instead and
   sets config.tokenizer_bpe. mlip_model_tokenizer builds a tokenizer from what is stored
   (MLIP_ERR_INVALID_ARG when the model has none). */
MLIPDEF mlip_status mlip_model_set_vocab(mlip_model *model, const mlip_tokenizer *tok);
/* The stored vocabulary's casing: 1 uncased (lower-case the text), 0 cased. */
MLIPDEF mlip_status mlip_model_set_lowercase(mlip_model *model, int lowercase);
MLIPDEF mlip_status mlip_model_tokenizer(const mlip_model *model, mlip_tokenizer **out);
/* Free-form string metadata ("license", "training.data", ...): set (value NULL removes),
   get (NULL when absent), and enumerate (index from 0; NULL past the end). */
MLIPDEF mlip_status mlip_model_set_meta(mlip_model *model, const char *key, const char *value);
MLIPDEF const char *mlip_model_meta(const mlip_model *model, const char *key);
MLIPDEF const char *mlip_model_meta_at(const mlip_model *model, int index, const char **key);

/* ======================================================================================
   8. Masking and semantic integrity estimation (SIE)
   ====================================================================================== */
/* (section 8 declarations) */
/* The number of visible patches of K at mask ratio rho: ceil((1 - rho) K), at least 1, with
   rho read to six decimals so that no binary rounding moves it (0.7 of 100 leaves 30). */
MLIPDEF int mlip_mask_visible_count(int K, float rho);
/* For each of B images, a random subset of n of its K patches (the first n of a random
   permutation), sorted ascending into visible (B, n). Each image uses the same number of draws,
   so a seed gives the same masks on every platform. */
MLIPDEF mlip_status mlip_mask_draw(mlip_rng *rng, int B, int K, int n, int *visible);

/* Semantic integrity weights from relevance logits r (B, K) and the visible sets (B, n):
     p_i = softmax(r_i),  I_i = sum over visible k of p_ik,  w_i = clamp(I_i / mean_b I_b, 0.25, 4).
   p (B, K) and integrity (B) are kept for backward. dr += dL/dr given dw = dL/dw. */
#define MLIP_SIE_WEIGHT_MIN 0.25f /* the clamp of w_i above */
#define MLIP_SIE_WEIGHT_MAX 4.0f
MLIPDEF mlip_status mlip_sie_forward(float *w, float *p, float *integrity, const float *r,
                                     const int *visible, int B, int K, int n);
MLIPDEF mlip_status mlip_sie_backward(float *dr, const float *dw, const float *p,
                                      const float *integrity, const int *visible, int B, int K,
                                      int n);


/* ======================================================================================
   9. Losses: global InfoNCE with SIE weights, optimal-transport patch-sentence matching,
      masked image prediction
   ====================================================================================== */
/* (section 9 declarations) */
/* Symmetric InfoNCE over a square score matrix s (N, N) whose diagonal holds the pairs:
     L = 1/2 [ mean_i CE(a_i s_i., i) + mean_j CE(a_j s_.j, j) ]
   a (N) scales the logits that sample i owns in both directions (sigma times the SIE weight
   for the global loss; sigma_l for the local one). probs (2, N, N) is kept for backward:
   ds += dloss dL/ds and da += dloss dL/da (either may be NULL). */
MLIPDEF mlip_status mlip_contrastive_forward(float *loss, float *probs, const float *s,
                                             const float *a, int N);
MLIPDEF mlip_status mlip_contrastive_backward(float *ds, float *da, float dloss, const float *probs,
                                              const float *s, const float *a, int N);

/* Entropic optimal transport between uniform marginals (1/n each row, 1/m each column):
     z = max_T  sum T S - epsilon KL(T || a b^T)   subject to T 1 = a, T^T 1 = b,
   solved in the log domain (Sinkhorn: alternate exact row and column potential updates)
   until the row marginals' L1 error is <= tol or max_iter iterations. By the envelope
   theorem dz/dS = T, which is how the local loss uses the plan in backward. */
/* The contrastive temperature exp(theta) is capped here, as CLIP caps it. */
#define MLIP_LOGIT_SCALE_MAX 100.0f
/* Masked image prediction: each hidden patch's target pixels are standardised by
   sqrt(var + MLIP_MIP_TARGET_EPS), as MAE's normalised-pixel loss does. */
#define MLIP_MIP_TARGET_EPS 0.01

typedef struct mlip_ot_options {
    float epsilon; /* entropy weight (0.1; at least 0.01) */
    float tol; /* stop when sum_k |(T 1)_k - 1/n| <= tol (1e-3); 0 runs max_iter */
    int max_iter; /* cap (100) */
} mlip_ot_options;
MLIPDEF mlip_ot_options mlip_ot_defaults(void);
/* S (n, m) with row stride ld (>= m). T (n, m) dense, may be NULL. *z, *iters and *err (the
   final row-marginal error) may be NULL. */
MLIPDEF mlip_status mlip_sinkhorn(const float *S, int n, int m, int ld, const mlip_ot_options *opt,
                                  float *T, float *z, int *iters, float *err);


/* ======================================================================================
   10. Training: the MLIP objective, AdamW, schedule, checkpoints
   ====================================================================================== */

/* One training batch: B image-report pairs with everything the objective needs. The
   dataset (section 14) fills it; a caller may fill it by hand. */
typedef struct mlip_batch {
    int B; /* pairs in the batch */
    int channels, image_size; /* images (B, channels, image_size, image_size) */
    int T; /* token positions per report ([CLS] ... [SEP], then padding) */
    int max_sentences; /* L_max: room for sentence spans per report */
    int n_labels; /* label columns (0: none) */
    float *images; /* pixels in [0, 1] (not yet normalised for the ViT) */
    int *ids; /* (B, T) WordPiece ids, as mlip_tokenizer_encode writes them */
    uint8_t *mask; /* (B, T) 1 real token, 0 padding */
    int *n_sentences; /* (B) real sentences of each report, 0 <= L_i <= max_sentences */
    int *sent_begin, *sent_end; /* (B, max_sentences) token spans [begin, end) into ids */
    int8_t *labels; /* (B, n_labels) 1 present, 0 absent; NULL when n_labels is 0 */
    int *rows; /* (B) the dataset row each pair came from (-1: not from one) */
} mlip_batch;

/* Allocate every array of a batch (zeroed); free with mlip_batch_free (NULL-safe). */
MLIPDEF mlip_status mlip_batch_alloc(mlip_batch *batch, int B, int channels, int image_size, int T,
                                     int max_sentences, int n_labels);
MLIPDEF void mlip_batch_free(mlip_batch *batch);
/* (section 10 declarations) */

/* What the objective computes and how (docs/design.md, "The objective, equation by
   equation"). mlip_objective_defaults() is the MLIP configuration; the ablation ladder switches
   terms off: CLIP = mask_ratio 0, no local, no SIE, no MIP; FLIP = CLIP + masking; then
   + local, + SIE, + MIP. */
typedef struct mlip_objective_config {
    float mask_ratio; /* rho: fraction of patches hidden from the ViT (0.5); 0 = no masking */
    int use_sie; /* weight the global loss by semantic integrity (needs masking) */
    int use_local; /* optimal-transport patch-sentence loss */
    int use_mip; /* masked image prediction (needs masking) */
    float lambda_local; /* 0.5 */
    float lambda_mip; /* 1 */
    mlip_ot_options ot; /* epsilon 0.1, tol 1e-3, max_iter 100 */
    int mip_layers; /* decoder blocks (2); width = ViT width / 2, ViT's heads, MLP 4x */
    int unmasked_tail; /* the last N of the train config's total_steps see every patch (0):
                              FLIP's unmasked tuning, so the ViT ends on the images it will be
                              shown at inference; SIE and MIP are off in those steps */
} mlip_objective_config;
MLIPDEF mlip_objective_config mlip_objective_defaults(void);

/* The terms of one batch's loss and what the trainer reports about them. */
typedef struct mlip_losses {
    float total, global, local, mip;
    float sigma, sigma_local; /* the logit scales used */
    float sie_w_min, sie_w_max; /* the SIE weights' range (1, 1 when off) */
    int ot_iters; /* Sinkhorn iterations (0 when the local loss is off) */
    float ot_err; /* worst row-marginal error at the end */
    int ot_capped; /* 1 when Sinkhorn stopped at max_iter above tol */
} mlip_losses;

/* Training settings: AdamW (decay on matrices only), linear warm-up then cosine decay to
   min_lr, clipping by the global gradient norm, accumulation of accum_steps batches a step. */
typedef struct mlip_train_config {
    float lr, min_lr; /* peak and final learning rate (3e-4, 3e-5) */
    int warmup_steps; /* linear warm-up from 0 (100) */
    int total_steps; /* steps of the cosine (1000) */
    float beta1, beta2, eps; /* 0.9, 0.98, 1e-8 */
    float weight_decay; /* 0.05, on tensors with decay = 1 */
    float clip_norm; /* 1.0; <= 0: no clipping */
    int accum_steps; /* batches a step (1) */
} mlip_train_config;
MLIPDEF mlip_train_config mlip_train_defaults(void);
MLIPDEF float mlip_train_lr(const mlip_train_config *config, int step); /* lr of step (0-based) */

/* A trainable tensor: weights, gradient, size and whether weight decay applies. */
typedef struct mlip_tensor_ref {
    char name[80];
    float *weights, *grads;
    size_t count;
    int decay;
} mlip_tensor_ref;

/* The trainer owns the objective's state around a model it does not own: the MIP decoder, the
   gradient of every tensor, AdamW's moments, the step count. */
typedef struct mlip_trainer mlip_trainer;
MLIPDEF mlip_status mlip_trainer_create(mlip_model *model, const mlip_objective_config *objective,
                                        const mlip_train_config *train, uint64_t seed,
                                        mlip_trainer **out);
MLIPDEF void mlip_trainer_free(mlip_trainer *tr);
/* Every trainable tensor: the model's (file order), then the decoder's ("mip.<name>"). */
MLIPDEF const mlip_tensor_ref *mlip_trainer_tensors(mlip_trainer *tr, int *count);
MLIPDEF void mlip_trainer_zero_grad(mlip_trainer *tr);
/* Forward and backward of the objective on one batch: gradients of grad_scale * L accumulate.
   visible (B, n) sorted patch indices, or NULL to draw the masks from rng (rng may then be
   NULL only when mask_ratio is 0; in the unmasked tail both are ignored). losses may be NULL. */
MLIPDEF mlip_status mlip_trainer_accumulate(mlip_trainer *tr, const mlip_batch *batch,
                                            const int *visible, mlip_rng *rng, float grad_scale,
                                            mlip_losses *losses);
/* The loss of a batch without gradients (training-mode masks; visible/rng as above). */
MLIPDEF mlip_status mlip_trainer_evaluate(mlip_trainer *tr, const mlip_batch *batch,
                                          const int *visible, mlip_rng *rng, mlip_losses *losses);
/* One optimizer step from the accumulated gradients (clip, AdamW at mlip_train_lr(step)),
   then zero the gradients and count the step. A non-finite gradient skips the update and
   returns MLIP_ERR_NUMERIC. grad_norm (may be NULL) gets the norm before clipping. */
MLIPDEF mlip_status mlip_trainer_update(mlip_trainer *tr, float *grad_norm);
MLIPDEF int mlip_trainer_step(const mlip_trainer *tr);
/* Checkpoint: the model's .mlip file plus the training state as "train." tensors and
   metadata (decoder, AdamW moments, step, seed, configs). Written to PATH.tmp and renamed.
   Loading restores the model's tensors, the decoder, the moments and the step into a trainer
   made for the same configuration. */
MLIPDEF mlip_status mlip_trainer_save_checkpoint(mlip_trainer *tr, const char *path);
MLIPDEF mlip_status mlip_trainer_load_checkpoint(mlip_trainer *tr, const char *path);


/* ======================================================================================
   11. Downstream: zero-shot scores, metrics (AUROC, Dice), linear probe, explanation maps
   ====================================================================================== */
/* (section 11 declarations) */
/* Every function here is deterministic: no randomness, and the same inputs give the same
   bits for a given thread count (GEMM partial sums are the only thing threads change).

   ---- Metrics ----
   Labels: 1 positive, 0 negative; a negative label (e.g. -1 for "uncertain") leaves the
   sample out; any other value is MLIP_ERR_INVALID_ARG. A non-finite score is
   MLIP_ERR_NUMERIC. */

/* Area under the ROC curve as the Mann-Whitney statistic: the probability that a random
   positive scores above a random negative, ties counting one half (average ranks).
   MLIP_ERR_INVALID_ARG when either class is empty (AUROC is undefined then). */
MLIPDEF mlip_status mlip_auroc(const float *scores, const int8_t *labels, int n, double *auroc);
/* Average precision: sum over the distinct score thresholds t, from the highest down, of
   (recall(t) - recall(previous t)) * precision(t), with a sample predicted positive when its
   score >= t (sklearn's average_precision_score: no interpolation, tied scores move
   together). MLIP_ERR_INVALID_ARG when there is no positive. */
MLIPDEF mlip_status mlip_average_precision(const float *scores, const int8_t *labels, int n,
                                           double *ap);
/* Binary Dice 2|P & T| / (|P| + |T|) of pred (n) and truth (n): a pixel is in P when
   pred >= threshold, in T when truth >= 0.5. Both empty: 1 (a correct "nothing there"). */
MLIPDEF mlip_status mlip_dice(const float *pred, const float *truth, size_t n, float threshold,
                              double *dice);

/* ---- Linear probe and segmentation head: L2-penalised binary logistic regression ----
   Both fit the minimiser of
     L(w, b) = mean over samples of [softplus(z) - y z] + (l2 / 2) |w|^2,  z = w . x + b
   (the bias is not penalised; sklearn's LogisticRegression(C) is l2 = 1 / (C n)) with Newton's
   method: gradient and loss in double precision, the Hessian through mlip_sgemm in float
   (an inexact Hessian only slows Newton down, the fixed point is the exact minimiser), a
   Cholesky solve in double and a backtracking line search, from w = 0, b = 0. Deterministic,
   no randomness. Features are used as given, not standardised, so the penalty acts on the
   raw scale: the library's embeddings are L2-normalised, which puts them on a common scale;
   standardise other features first. l2 >= 0; with l2 = 0 and separable data no minimiser
   exists: the weights grow until the gradient is below the tolerance (or the iteration cap,
   100, is reached with converged = 0), which gives large but finite weights; use a penalty.
   Newton needs d^2 floats
   for the Hessian and d^3 / 3 work a step: fine to d of a few thousand. */
typedef struct mlip_logreg {
    int d; /* features */
    float *weight; /* (d), owned: mlip_logreg_free */
    float bias;
    double loss; /* L at the solution */
    int iterations; /* Newton steps taken */
    int converged; /* 1 when the gradient vanished (max |g| <= 1e-9 or no further descent) */
} mlip_logreg;

/* X (n, d) features, y (n) labels 1 / 0 (no others). Both classes need not be present, but a
   single class with l2 = 0 has no minimiser. *model is overwritten (not freed first). */
MLIPDEF mlip_status mlip_logreg_fit(const float *X, const int8_t *y, int n, int d, float l2,
                                    mlip_logreg *model);
/* prob (n) = sigmoid(X (n, d) . weight + bias) */
MLIPDEF mlip_status mlip_logreg_predict(const mlip_logreg *model, const float *X, int n,
                                        float *prob);
MLIPDEF void mlip_logreg_free(mlip_logreg *model); /* frees weight, zeroes the struct; NULL ok */

/* Bilinear resampling of one plane in (gh, gw) -> out (h, w), exactly as PyTorch's
   F.interpolate(mode="bilinear", align_corners=False) (half-pixel centres, edges clamped,
   no antialiasing when shrinking). The weights of every output pixel sum to 1. */
MLIPDEF mlip_status mlip_upsample_bilinear(const float *in, int gh, int gw, float *out, int h,
                                           int w);
/* Its adjoint (transpose), for gradients: din (gh, gw) += U^T dout (h, w). Accumulates. */
MLIPDEF mlip_status mlip_upsample_bilinear_backward(float *din, const float *dout, int gh, int gw,
                                                    int h, int w);

/* Segmentation head on frozen patch features: a linear map D -> 1 per patch gives a
   (gh, gw) grid of logits, upsampled bilinearly to the mask's (h, w) pixels (as above), and
   trained with pixel-wise binary cross-entropy over all pixels of all images (gradients
   flow back through the upsampling). Because the upsampling weights sum to 1, a pixel's
   logit is w . (upsampled features) + b: the loss is the logistic regression objective
   above over pixels, convex, solved the same way (same struct, same Newton). No class
   weighting: a rare foreground is fitted as rare.
   features (n_img, gh * gw, D), patches row-major over the grid (the ViT's order);
   masks (n_img, h, w) in [0, 1] (0 / 1 masks, or soft targets). */
MLIPDEF mlip_status mlip_seghead_fit(const float *features, const float *masks, int n_img, int gh,
                                     int gw, int D, int h, int w, float l2, mlip_logreg *head);
/* prob (h, w) = sigmoid(upsample(features (gh * gw, D) . weight + bias)) for one image. */
MLIPDEF mlip_status mlip_seghead_predict(const mlip_logreg *head, const float *features, int gh,
                                         int gw, int h, int w, float *prob);

/* ---- Explanation maps ----
   The colour map: a perceptually ordered ramp from dark purple through red and orange to
   pale yellow (in the spirit of matplotlib's "inferno"; this library's own control points),
   lightness increasing monotonically, so the ramp reads in gray print and to colour-blind
   readers. v is clamped to [0, 1]; rgb gets 3 values in [0, 1]. */
MLIPDEF void mlip_colormap(float v, float rgb[3]);
/* One panel: heat (gh, gw), any range, is upsampled bilinearly to (H, W), min-max
   normalised to [0, 1] over the panel (a constant map becomes 0: nothing is highlighted),
   coloured, and blended over the grayscale image gray (H, W) in [0, 1]:
     rgb = (1 - a) * gray + a * colour(v),  a = alpha * (0.25 + 0.75 v)
   so weak regions leave the radiograph readable and strong ones glow (alpha in [0, 1];
   0 gives the image alone). rgb_out (3, H, W) planar in [0, 1], ready for
   mlip_image_write_png(path, rgb_out, W, H, 3). Non-finite heat is MLIP_ERR_NUMERIC. */
MLIPDEF mlip_status mlip_heatmap_overlay(const float *gray, const float *heat, int H, int W, int gh,
                                         int gw, float alpha, float *rgb_out);
/* Tile n panels (n, 3, H, W) into one planar RGB image, `cols` panels a row (<= 0: all in one
   row), separated by `gap` pixels of white; a short last row is padded with white. Sets
   *out_w, *out_h; with out NULL only the size is computed, so a first call sizes the buffer
   of 3 * out_h * out_w floats. */
MLIPDEF mlip_status mlip_tile_panels(const float *panels, int n, int H, int W, int cols, int gap,
                                     float *out, int *out_w, int *out_h);

/* ---- Zero-shot and embeddings ----
   The embed functions run the model's encoders (not thread-safe on one model: the encoders
   keep their activations) in chunks of a few images or texts, so memory stays bounded. */

/* pixels (B, C, H, W) in [0, 1] at the ViT's current input size (the config's image_size
   unless mlip_vit_set_image_size changed it), C the config's channels. Normalised with the
   config's image_mean / image_std, encoded with every patch visible (no masking), then
   global (B, D) = global image head on the pooled state ([CLS] unless the config pools
   otherwise), L2-normalised, and local (B, K, D) (may be NULL) = local image head on each
   patch state, L2-normalised; K = (H / P) (W / P), row-major. A model without local heads
   (kind MLIP_MODEL_CLIP) gives each patch state through its global image head instead: the
   patch-token features CLIP-style models are probed with for where a text matches. */
MLIPDEF mlip_status mlip_model_embed_images(mlip_model *model, const float *pixels, int B,
                                            float *global, float *local);
/* texts (n) NUL-terminated; each is encoded as mlip_tokenizer_encode does with max_tokens
   positions (<= 0 or above the model's positions: the model's max_positions), run through
   BERT with its padding mask, and global (n, D) = global text head on [CLS], L2-normalised.
   tok NULL: the model's own vocabulary (mlip_model_tokenizer). */
MLIPDEF mlip_status mlip_model_embed_texts(mlip_model *model, const mlip_tokenizer *tok,
                                           const char *const *texts, int n, int max_tokens,
                                           float *global);
/* The same from token ids the caller made (a device with its own tokenizer, or a check against
   a reference): ids (n, T) and mask (n, T) (1 real, 0 padding; NULL: all real), T at most the
   text encoder's positions; each text pooled as the model pools ([CLS], or CLIP's last real
   token) through the global text head, L2-normalised, into global (n, D). */
MLIPDEF mlip_status mlip_model_embed_token_ids(mlip_model *model, const int *ids,
                                               const uint8_t *mask, int n, int T, float *global);
/* One report's sentences for the local side: text encoded with max_tokens positions (as
   embed_texts), split into at most max_sentences sentences (mlip_tokenizer_sentences), each
   sentence the mean of its token states through the local text head, L2-normalised, into
   local (max_sentences, D); *n_sent (may be 0) of them are set. global (D) (may be NULL) gets
   the whole report's global embedding. */
MLIPDEF mlip_status mlip_model_embed_sentences(mlip_model *model, const mlip_tokenizer *tok,
                                               const char *text, int max_tokens, int max_sentences,
                                               float *local, float *global, int *n_sent);
/* Explanation: the balanced optimal-transport plan between an image's patches and a report's
   sentences, exactly the matching the local loss trains: S = patch_local (K, D) .
   sentences (L, D)^T, Sinkhorn with opt (NULL: the defaults), plan (K, L) (each column sums
   to 1 / L: where sentence l's share of the image lies). z (may be NULL) gets the transport
   value, the model's local image-report score. */
MLIPDEF mlip_status mlip_explain_plan(const float *patch_local, const float *sentences, int K,
                                      int L, int D, const mlip_ot_options *opt, float *plan,
                                      float *z);
/* The model's logit scale exp(theta), clamped to 100 as in training: local = 0 the global one
   ("logit_scale"), 1 the local one ("local_logit_scale"). */
MLIPDEF mlip_status mlip_model_logit_scale(mlip_model *model, int local, float *scale);
/* Zero-shot classification from L2-normalised embeddings (cosine = dot product):
   img (B, D), pos (C, D) one prompt embedding per class, neg (C, D) one negative prompt per
   class ("no pleural effusion") or NULL. With neg: prob[b][c] = softmax over {pos, neg} of
   scale * similarity, i.e. sigmoid(scale (s_pos - s_neg)), one independent probability per
   class (multi-label). Without: prob[b] = softmax over the C classes of scale * s_pos
   (exclusive classes). scale > 0: the model's logit scale (mlip_model_logit_scale). */
MLIPDEF mlip_status mlip_zeroshot_scores(const float *img, const float *pos, const float *neg,
                                         int B, int C, int D, float scale, float *prob);
/* Local zero-shot score of one image for one sentence: the mean of the largest
   m = ceil(fraction K) (at least 1) cosine similarities between the patches patch_local
   (K, D) and sentence (D). With a single sentence a balanced transport plan is uniform, so
   this top-fraction mean stands in for it (docs/design.md, "Downstream scores").
   fraction in (0, 1]; 0 means the default 0.1. */
MLIPDEF mlip_status mlip_local_topk_score(const float *patch_local, const float *sentence, int K,
                                          int D, float fraction, float *score);

/* ======================================================================================
   12. File format: a model (section 7) in one .mlip file, read and written; safetensors
       import and export
   ====================================================================================== */
/* FORMAT of a .mlip file, version 1. Every integer and float is LITTLE-ENDIAN on disk,
   whatever the host; offsets and sizes are in bytes.

     offset  size  field
       0      4    magic, the bytes "MLIP"
       4      4    u32 version = 1 (a reader refuses any other)
       8      4    u32 endianness check = 0x01020304, i.e. the bytes 04 03 02 01
      12      4    u32 n_kv: number of key-value entries (at most 4096)
      16      4    u32 n_tensors: number of tensor entries
      20      4    u32 flags = 0 (reserved; a reader refuses non-zero)
      24      8    u64 data_offset: where the data section starts; a multiple of 64, at or
                   after the end of the tensor table (the gap: zeros when saved here,
                   ignored when read)
      32      8    u64 data_size: bytes of the data section; data_offset + data_size must be
                   the file's exact length
      40           n_kv key-value entries, then n_tensors tensor entries, back to back

   A string is u32 byte length + that many bytes of UTF-8, no terminator, no NUL byte.
   KEY-VALUE ENTRY: string key (1-255 bytes), u32 type, value:
       type 0 u32 (4 bytes)   1 i32 (4 bytes)   2 f32 (4 bytes, IEEE 754)
       type 3 string          4 string array: u32 count, then count strings
       type 5 f32 array: u32 count, then count f32
     Any other type is an error. Keys are unique. Keys of the model (all required unless
     marked optional; a key with the wrong type, or an unknown key starting with "vit.",
     "bert.", "model.", "image." or "tokenizer.", is an error):
       vit.image_size vit.patch_size vit.channels vit.width vit.layers vit.heads
       vit.mlp_dim (u32), vit.ln_eps (f32),
       bert.vocab_size bert.max_positions bert.type_vocab_size bert.width bert.layers
       bert.heads bert.mlp_dim (u32), bert.ln_eps (f32),
       model.embed_dim (u32): D, the width of the projection heads,
       image.mean image.std (f32 array, vit.channels values; optional, default 0.5 / 0.5):
         pixels in [0, 1] are fed to the ViT as (x - mean) / std,
       tokenizer.lowercase (u32 0/1; optional, default 1),
       tokenizer.vocab (string array; optional): the WordPiece vocabulary, id = index; no
         token holds a NUL or a line feed or ends in a carriage return; at most
         bert.vocab_size tokens (with tokenizer.bpe = 1: the BPE merges, "a b" each),
       optional u32 switches for models trained elsewhere, written only when not 0:
         vit.gelu vit.pre_norm vit.pool vit.fc_norm bert.kind bert.gelu model.kind
         model.image_head model.text_head model.image_head_hidden model.text_head_hidden
         tokenizer.context_length tokenizer.bpe image.resize image.fit (the config fields
         of the same names, docs/format.md).
     Every other key is free-form: string values are metadata the loader keeps (for example
     "license", "training.data", "training.steps"), values of other types are skipped.
   TENSOR ENTRY: string name (1-255 bytes), u32 dtype, u32 rank (0-4), rank x u64 dims,
     u64 offset (from data_offset; a multiple of 64), u64 nbytes.
       dtype 0 f32: 4 bytes an element         1 f16: IEEE binary16, 2 bytes
             2 bf16: the top 16 bits of an f32  3 int8 with per-row scales: rows f32 scales,
             then rows x cols int8 values q; element = scale[row] * q. cols is the last dim
             (rank 0: 1), rows the product of the others (rank <= 1: 1).
     nbytes must be exactly the size the dtype and dims give; tensors appear in increasing
     offset order without overlapping, and offset + nbytes <= data_size. Elements are
     row-major (the last dim varies fastest), as in PyTorch.
     The tensors are exactly the model's, each once, with the shapes its config gives:
       vision.<name>   every ViT parameter, HF ViTModel names (mlip_encoder_params)
       text.<name>     every BERT parameter, HF BertModel names
       head.global_image.weight (D, vit.width)  head.global_image.bias (D)
       head.global_text.weight (D, bert.width)  head.global_text.bias (D)
       head.local_image.weight (D, vit.width)   head.local_image.bias (D)
       head.local_text.weight (D, bert.width)   head.local_text.bias (D)
       logit_scale, local_logit_scale (rank 0): log of the logit scales (theta, sigma = e^theta)
       sie.query (vit.width), sie.bias (K = (image_size / patch_size)^2): semantic integrity
     and, optionally, after them: training state (a checkpoint), f32 vectors (rank 1) whose
     names start with "train." (the trainer writes train.mip, the MIP decoder's arena, and
     train.adam_m / train.adam_v, AdamW's moments, with "train.*" metadata strings for the
     step and the configurations). A reader that only runs the model may skip them.
   mlip_model_save writes the entries in the order above (keys: the model keys in the order
   listed, then the metadata in the order it was set), each tensor at the next multiple of 64,
   and pads the data section to a multiple of 64; so all-f32 encoder tensors lie exactly as
   the encoder's arena does, and the loader can run on the mapped file without copying.
   Saving what was loaded gives the same bytes. */


/* Load a .mlip file. load_file maps it (mmap on POSIX; elsewhere it reads it) and, when the
   host is little-endian and every encoder tensor is f32 and 64-byte aligned, runs the
   encoders on the mapped bytes (the mapping lives until mlip_model_free). f16, bf16 and int8
   tensors become f32. load_memory: copy = 0 uses buf in place when it can (buf must then
   outlive the model; otherwise the data are copied), copy = 1 always copies. Every count,
   offset and size is checked against len: a malformed file is MLIP_ERR_FORMAT with a message,
   never an out-of-bounds read. */
MLIPDEF mlip_status mlip_model_load_file(const char *path, mlip_model **out);
MLIPDEF mlip_status mlip_model_load_memory(const void *buf, size_t len, int copy, mlip_model **out);
/* Save: to PATH.tmp, then renamed over path, so a failure never leaves a partial file.
   save_as stores every tensor of rank >= 2 as dtype (vectors and scalars stay f32). */
MLIPDEF mlip_status mlip_model_save(const mlip_model *model, const char *path);
MLIPDEF mlip_status mlip_model_save_as(const mlip_model *model, const char *path, mlip_dtype dtype);
/* The same bytes into a new buffer (*buf, *len; release with mlip_free). */
MLIPDEF mlip_status mlip_model_save_memory(const mlip_model *model, mlip_dtype dtype, void **buf,
                                           size_t *len);

/* safetensors (8-byte little-endian header length, JSON header, raw little-endian data).
   Import maps names: an optional "vit." / "bert." (HF ViTModel, BertModel), "vision." / "text."
   (this file format, the PyTorch twin) or "vision_model." / "text_model." prefix, then the
   encoder's HF name; head.*, logit_scale, local_logit_scale, sie.* as in .mlip. Unprefixed
   encoder names are accepted when the file holds one encoder. "pooler.*", "cls.*" and
   "embeddings.position_ids" are skipped; LayerNorm.gamma / .beta (TF-converted checkpoints)
   read as .weight / .bias. Dtypes F32, F16, BF16, F64.
   config NULL infers it: shapes give every size; "__metadata__" strings with the .mlip key
   names ("vit.heads": "4", "image.mean": "0.5,0.5", "tokenizer.vocab": one token a line)
   give what shapes cannot (heads, ln_eps; otherwise a named config of the same shape, or
   width / 64 heads and eps 1e-12). Other metadata strings are kept, except "format".
   A config with bert.vocab_size <= 0 takes it from the word embeddings. allow_missing = 0 makes a
   missing tensor an error; 1 leaves it as mlip_model_init_random(model, 0) set it. */
MLIPDEF mlip_status mlip_model_import_safetensors(const void *buf, size_t len,
                                                  const mlip_model_config *config,
                                                  int allow_missing, mlip_model **out);
MLIPDEF mlip_status mlip_model_load_safetensors(const char *path, const mlip_model_config *config,
                                                int allow_missing, mlip_model **out);
/* Export: every tensor as F32 under its .mlip name, the config, vocabulary and metadata as
   "__metadata__" strings, header padded with spaces to a multiple of 8. */
MLIPDEF mlip_status mlip_model_export_safetensors(const mlip_model *model, const char *path);
MLIPDEF mlip_status mlip_model_export_safetensors_memory(const mlip_model *model, void **buf,
                                                         size_t *len);

/* ---- PyTorch checkpoints (torch.save since PyTorch 1.6: a zip of stored entries holding
   <dir>/data.pkl, a pickle, and <dir>/data/<key>, one raw little-endian storage each), read
   without executing anything. The pickle runs on a restricted interpreter: the opcodes a state
   dict needs (protocols 2-5) and only these globals: collections.OrderedDict,
   torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, the storage types
   torch.{Float,Half,BFloat16,Double,Long,Int,Short,Char,Byte,Bool}Storage and torch dtypes
   (torch.float32, ...). Any other global (os.system, builtins.eval,
   torch.storage._load_from_bytes, ...), opcode, compressed or encrypted entry is refused
   with a message that names it (MLIP_ERR_UNSUPPORTED); a malformed file is MLIP_ERR_FORMAT.
   Every length, offset, size and stride is checked against the file.
   The tensors are the string-keyed tensor values of the pickled dict, in file order; when that
   dict has a "state_dict", "model" or "module" dict value, that dict is used instead.
   Non-tensor values (ints, None, nested dicts) are skipped; when every name starts with
   "module." (DataParallel) the prefix is dropped. The legacy pre-1.6 (non-zip) format, big-
   endian archives and TorchScript archives are refused. ---- */
typedef struct mlip_torch_file mlip_torch_file;

/* Element types of a checkpoint tensor: the first three are mlip_dtype's. */
enum {
    MLIP_TORCH_F32 = MLIP_DTYPE_F32,
    MLIP_TORCH_F16 = MLIP_DTYPE_F16,
    MLIP_TORCH_BF16 = MLIP_DTYPE_BF16,
    MLIP_TORCH_F64 = 16,
    MLIP_TORCH_I64 = 17,
    MLIP_TORCH_I32 = 18,
    MLIP_TORCH_I16 = 19,
    MLIP_TORCH_I8 = 20,
    MLIP_TORCH_U8 = 21,
    MLIP_TORCH_BOOL = 22
};

/* Open a checkpoint held in memory: torch.save's zip, or a safetensors file (told apart by
   their first bytes; the hub ships models in both). No copy is made: buf must outlive the
   handle (close it first). *out is NULL on failure. */
MLIPDEF mlip_status mlip_torch_open_memory(const void *buf, size_t len, mlip_torch_file **out);
/* Read the whole file into memory (owned by the handle) and open it. */
MLIPDEF mlip_status mlip_torch_open(const char *path, mlip_torch_file **out);
MLIPDEF void mlip_torch_close(mlip_torch_file *file); /* NULL is fine */
MLIPDEF int mlip_torch_count(const mlip_torch_file *file); /* tensors; 0 for NULL */
/* Tensor i in [0, count): name (owned by the handle), dtype (MLIP_TORCH_*), ndim (0-8) and
   shape[0..ndim) (the logical sizes, row-major). Any output may be NULL. */
MLIPDEF mlip_status mlip_torch_info(const mlip_torch_file *file, int i, const char **name,
                                    int *dtype, int *ndim, int64_t shape[8]);
/* Tensor i as count = product(shape) floats (1 for ndim 0) in row-major order, whatever its
   strides and storage offset (views are gathered). Every dtype converts: f16/bf16 exactly,
   f64 rounded (saturating beyond the f32 range), integers and bools by value (integers
   beyond 2^24 rounded). count other than the element count: MLIP_ERR_INVALID_ARG. */
MLIPDEF mlip_status mlip_torch_read_f32(const mlip_torch_file *file, int i, float *dst,
                                        size_t count);
/* Index of the tensor called name (as listed, prefix dropped), or -1. */
MLIPDEF int mlip_torch_find(const mlip_torch_file *file, const char *name);
/* "f32", "f16", "bf16", "f64", "i64", "i32", "i16", "i8", "u8", "bool"; "?" otherwise. */
MLIPDEF const char *mlip_torch_dtype_name(int dtype);

/* ---- Models trained elsewhere: import from a PyTorch checkpoint ----
   mlip_model_import_torch builds a model from a state dict in one of these layouts, told
   apart by the tensor names:
     "openclip-timm-hf"  open_clip with a timm ViT image tower and an HF BERT text tower
                         (BiomedCLIP): visual.trunk.*, visual.head.proj, text.transformer.*,
                         text.proj (linear) or text.proj.0 / .2 (MLP), logit_scale
     "timm-vit"          a timm VisionTransformer alone (an image-only model): patch_embed,
                         cls_token, pos_embed, blocks.N (fused attn.qkv), norm or fc_norm
     "hf-clip"           HF transformers CLIPModel: vision_model.*, text_model.* (a causal
                         text transformer), visual_projection, text_projection, logit_scale
   Sizes come from the shapes. What shapes cannot tell comes from config_json when given
   (open_clip_config.json, HF config.json or timm's config.json: heads, activation, LayerNorm
   eps, pooling, mean/std, context length), else from the layout's defaults (heads = width /
   64; eps 1e-6 timm, 1e-12 BERT, 1e-5 CLIP; quick GELU for CLIP; OpenAI CLIP mean/std;
   bicubic resize + centre crop). Every tensor of the checkpoint must find its place, except
   ones known not to matter for embeddings (position_ids / token_type_ids buffers, BERT's
   pooler, a timm classifier head): any other is refused by name, so an architecture this
   library does not implement (layer scale, register tokens, q/k norms, ...) never loads
   silently wrong. The model's metadata "import.layout" names the layout. The tokenizer is not
   in a state dict: add it with mlip_model_set_vocab (a WordPiece or a BPE tokenizer). */
typedef struct mlip_import_options {
    const char *config_json; /* the config file's text, or NULL */
    size_t config_len;
    int vision_heads, text_heads; /* attention heads; 0: from the config, else width / 64 */
} mlip_import_options; /* NULL or all-zero: no config, default heads */
MLIPDEF mlip_status mlip_model_import_torch(const mlip_torch_file *file,
                                            const mlip_import_options *opt, mlip_model **out);
/* The layout mlip_model_import_torch would use ("openclip-timm-hf", "timm-vit", "hf-clip"), or
   NULL when the names match none. */
MLIPDEF const char *mlip_model_import_layout(const mlip_torch_file *file);

/* ======================================================================================
   13. Image I/O: PGM/PPM, PNG and DICOM readers, preprocessing to the model input, PNG
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
    MLIP_IMAGE_PNM = 1, /* PGM/PPM, P2 P3 P5 P6 */
    MLIP_IMAGE_PNG = 2,
    MLIP_IMAGE_DICOM = 3 /* DICOM Part 10, uncompressed pixel data */
} mlip_image_format;

typedef struct mlip_image {
    int width, height;
    int channels; /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (alpha is the last plane) */
    float *pixels; /* (channels, height, width), width contiguous; mlip_image_free */
    mlip_image_format format;
    int bits; /* bits per sample in the file (DICOM: Bits Stored) */
    float max_value; /* largest raw sample: PNM maxval, PNG 2^bits-1 (palette 255) */
    int frames; /* frames in the file (DICOM multi-frame), else 1 */
    int frame; /* the frame in pixels */
    int monochrome1; /* DICOM MONOCHROME1: high values are dark (preprocess inverts) */
    int has_window; /* DICOM Window Center/Width present (first value used) */
    float window_center, window_width;
    char transfer_syntax[68]; /* DICOM transfer syntax UID, "" for other formats */
} mlip_image;

typedef struct mlip_image_options {
    int frame; /* DICOM frame to decode, 0-based (default 0) */
    size_t max_pixels; /* refuse width*height above this; 0 = default 2^28 */
} mlip_image_options; /* a NULL pointer or an all-zero struct means the defaults */

/* Read a whole file / a buffer, the format found from its magic bytes. On success *out owns
   its pixels (mlip_image_free); on failure *out is zeroed and nothing is allocated. */
MLIPDEF mlip_status mlip_image_read_file(const char *path, const mlip_image_options *opt,
                                         mlip_image *out);
MLIPDEF mlip_status mlip_image_read_memory(const void *buf, size_t len,
                                           const mlip_image_options *opt, mlip_image *out);
MLIPDEF mlip_status mlip_image_read_pnm(const void *buf, size_t len, const mlip_image_options *opt,
                                        mlip_image *out);
MLIPDEF mlip_status mlip_image_read_png(const void *buf, size_t len, const mlip_image_options *opt,
                                        mlip_image *out);
MLIPDEF mlip_status mlip_image_read_dicom(const void *buf, size_t len,
                                          const mlip_image_options *opt, mlip_image *out);
MLIPDEF void mlip_image_free(mlip_image *img); /* frees pixels, zeroes the struct; NULL ok */

typedef enum mlip_image_norm {
    MLIP_IMAGE_NORM_AUTO = 0, /* DICOM: its window if present, else min-max; others: range */
    MLIP_IMAGE_NORM_RANGE = 1, /* value / max_value */
    MLIP_IMAGE_NORM_MINMAX = 2, /* (value - min) / (max - min) over the image */
    MLIP_IMAGE_NORM_WINDOW = 3 /* DICOM linear window (PS3.3 C.11.2.1.2) with the options' */
} mlip_image_norm; /*   window_center/width (width <= 0: the file's window)     */

typedef enum mlip_image_resize {
    MLIP_IMAGE_BILINEAR = 0, /* bilinear, pixel centres aligned (half-pixel offsets) */
    MLIP_IMAGE_AREA = 1, /* box average of the covered source area (for shrinking) */
    MLIP_IMAGE_BICUBIC = 2 /* Pillow's Image.resize(BICUBIC) on 8-bit samples, torchvision's
                              geometry: open_clip's preprocess (see below, docs/images.md) */
} mlip_image_resize;

typedef enum mlip_image_fit {
    MLIP_IMAGE_PAD = 0, /* scale the long side to size, pad the short side (centred) */
    MLIP_IMAGE_CROP = 1 /* scale the short side to size, crop the long side (centred) */
} mlip_image_fit;

typedef struct mlip_preprocess_options {
    mlip_image_norm norm;
    float window_center, window_width; /* for MLIP_IMAGE_NORM_WINDOW */
    mlip_image_resize resize;
    mlip_image_fit fit;
    float pad_value; /* value of padded pixels, in [0,1] units (default 0) */
    int keep_monochrome1; /* nonzero: do not invert MONOCHROME1 (default: invert) */
} mlip_preprocess_options; /* NULL or all-zero: the defaults */

/* in -> out (channels, size, size) floats in [0,1]: normalise, resize preserving the aspect
   ratio, pad or crop to the square. Alpha is dropped; gray -> 3 channels replicates, RGB ->
   1 channel is luma 0.299 R + 0.587 G + 0.114 B. channels must be 1 or 3.
   MLIP_IMAGE_BICUBIC reproduces open_clip's eval preprocess before its Normalize:
     fit CROP (resize_mode "shortest"): torchvision Resize(size, BICUBIC) - the short side to
       size, the long side to int(size * long / short) - then CenterCrop(size), offset
       int(round((long' - size) / 2.0)), Python's round (half to even);
     fit PAD (resize_mode "longest"): ResizeKeepRatio - both sides divided by max(w, h) / size
       and round()ed (at least 1) - then CenterCropOrPad, (size - side) // 2 pad before;
   then convert('RGB') + ToTensor. The normalised samples are rounded to 8 bits first (Pillow
   resamples 8-bit images), and the output equals Pillow's for 8-bit gray or RGB files: each
   value is k / 255. 1 channel from RGB is convert('L') before the resize. Wider samples
   (16-bit PNG/PNM, DICOM) are normalised and windowed as in the other modes before that
   rounding; Pillow itself would clip them to 0..255 in convert('RGB'). */
MLIPDEF mlip_status mlip_image_preprocess(const mlip_image *in, const mlip_preprocess_options *opt,
                                          float *out, int size, int channels);

/* PNG writer: 8-bit gray (channels 1) or RGB (channels 3) from planar floats in [0,1]
   (clamped, rounded to 0..255). Stored (uncompressed) deflate blocks, CRC-32 and Adler-32
   correct. _encode returns a buffer to free with mlip_free; _write goes through PATH.tmp,
   renamed over path, so a failure never leaves a partial file (as mlip_model_save). */
MLIPDEF mlip_status mlip_image_encode_png(const float *pixels, int width, int height, int channels,
                                          unsigned char **out, size_t *out_len);
MLIPDEF mlip_status mlip_image_write_png(const char *path, const float *pixels, int width,
                                         int height, int channels);

/* ======================================================================================
   14. Dataset: image-report pairs from a TSV file, augmentation, batches
   ====================================================================================== */
/* (section 14 declarations) */
/* A dataset is a TSV file, one image-report pair a line:
       image <TAB> report [<TAB> labels]
   - image: a PGM/PPM, PNG or DICOM file (section 13), relative to the TSV's directory unless
     absolute. report: the text (no tabs or line breaks; no quoting). labels: ';'-separated
     names of positive findings, e.g. "effusion;cardiomegaly" ("normal" is a name like any
     other; an empty field means no finding). Label names are case-sensitive; the label
     columns are the sorted set of names the usable rows carry.
   - A header line is recognised when its first field is "image" or "id", or when one of
     its fields is "report", "text" or "caption" (case-insensitive). A header's columns are
     taken by name: image (or path, image_path, file), report (or text, caption), labels (or
     label, optional); any others, such as id, are ignored, so `id image labels text` works.
     A header without an image or a report column is an error of the file (guessing would
     skip every row). Without a header the columns are positional.
   - LF or CRLF line ends, a UTF-8 byte order mark, blank lines (skipped), lines up to
     MLIP_DATASET_MAX_LINE bytes.
   Every row is checked when the file is opened: the column count (a header's count, else 2
   or 3), a non-empty image path and report (after trimming spaces), no NUL byte, the length,
   and that the image file opens for reading. Images are decoded only when a batch asks for
   them. A bad row is reported as "pairs.tsv:17: image 'x.pgm' not found (skipped)" (the TSV
   path as given): strict mode fails the call with that message; otherwise the row is skipped,
   the warning goes to the callback (default: stderr, the first 20) and counted in
   mlip_dataset_skipped. An image that fails to decode at batch time is handled the same way
   (strict: the batch fails; lenient: the row is marked bad for good, warned about once and
   replaced by another row), so a bad file never crashes and never stops a long run. */
typedef struct mlip_dataset mlip_dataset;

#ifndef MLIP_DATASET_MAX_LINE
#define MLIP_DATASET_MAX_LINE (1 << 20) /* bytes; a longer line is a bad row */
#endif

/* Augmentation for radiographs: one random affine map (resized crop + rotation), sampled
   bilinearly, then brightness/contrast jitter. No horizontal flip by default: laterality
   ("left lower lobe") is in the report, and a flipped image would contradict it. */
typedef struct mlip_augment_options {
    float crop; /* random resized crop: scale and aspect within 1 +- crop, centre moved
                         by up to +- crop/2 of the side (default 0.10; 0 <= crop <= 0.5) */
    float rotate_deg; /* rotation, uniform in +- rotate_deg degrees (default 5; <= 180) */
    float brightness; /* additive, uniform in +- brightness (default 0.10; <= 1) */
    float contrast; /* multiplicative about the image mean, 1 +- contrast (default 0.10; <= 1) */
    int hflip; /* nonzero: mirror with probability 1/2; 0: never (default) */
} mlip_augment_options;
MLIPDEF mlip_augment_options mlip_augment_defaults(void);
/* In place on one image pixels (channels, size, size) in [0, 1]; the output is clamped to
   [0, 1] (NaN becomes 0). Pixels the map brings in from outside the image are 0 (black, as a
   radiograph's background and the preprocessing's padding). Always draws exactly 8 numbers
   from rng, so streams stay aligned whatever the options; the same rng state gives
   bit-identical output. All knobs 0 returns the input unchanged. Allocates a scratch copy. */
MLIPDEF mlip_status mlip_image_augment(float *pixels, int channels, int size,
                                       const mlip_augment_options *opt, mlip_rng *rng);

typedef struct mlip_dataset_options {
    int image_size, channels; /* the model's input: (channels, image_size, image_size), 1 or 3 */
    int max_tokens; /* T >= 2: [CLS] ... [SEP] and padding */
    int max_sentences; /* L_max; 0: MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES */
    int strict; /* 1: a bad row fails open/batch with file:line; 0: warn, skip */
    void (*warn)(void *ctx, const char *message); /* NULL: stderr (the first 20 only) */
    void *warn_ctx;
    /* Preprocessing (section 13); NULL: the defaults, but area resampling (images shrink). */
    const mlip_preprocess_options *preprocess;
    /* Preprocessed images kept in memory (channels*size^2 floats a row, filled on first use),
       MiB: 0 = 1024, < 0 = none. Rows beyond the budget are decoded every time. */
    int cache_mb;
} mlip_dataset_options;

/* Read and check the TSV. tok must outlive the dataset. opt is copied. A dataset is not
   thread-safe: one thread at a time may call mlip_dataset_batch (it fills the cache). */
MLIPDEF mlip_status mlip_dataset_open(const char *tsv_path, const mlip_tokenizer *tok,
                                      const mlip_dataset_options *opt, mlip_dataset **out);
MLIPDEF void mlip_dataset_free(mlip_dataset *ds); /* NULL ok */
MLIPDEF int mlip_dataset_size(const mlip_dataset *ds); /* usable rows */
MLIPDEF int mlip_dataset_skipped(const mlip_dataset *ds); /* rows skipped so far (open + batches) */
MLIPDEF int mlip_dataset_n_labels(const mlip_dataset *ds);
MLIPDEF const char *mlip_dataset_label_name(const mlip_dataset *ds, int j); /* NULL: out of range */
/* Per row (0 <= row < size; NULL / -1 out of range): the report text, the resolved image
   path, the 1-based line in the TSV, the (n_labels) 0/1 labels (NULL when n_labels is 0). */
MLIPDEF const char *mlip_dataset_report(const mlip_dataset *ds, int row);
MLIPDEF const char *mlip_dataset_image_path(const mlip_dataset *ds, int row);
MLIPDEF int mlip_dataset_line(const mlip_dataset *ds, int row);
MLIPDEF const int8_t *mlip_dataset_labels(const mlip_dataset *ds, int row);
/* Fill batch (mlip_batch_alloc(B, channels, image_size, max_tokens, max_sentences, n_labels);
   B == batch->B) with rows[0..B-1]: each image read and preprocessed (or taken from the cache),
   augmented when aug != NULL (with rng, which must then be given), the report tokenized
   (mlip_tokenizer_encode with max_tokens) with its sentence spans (mlip_tokenizer_sentences),
   the labels, and batch->rows. An image that fails to load: strict -> the call fails naming
   file:line and the reason; else a warning and a substitute row (drawn with rng, or the next
   good row when rng is NULL), which batch->rows records. Deterministic for a given rng state. */
MLIPDEF mlip_status mlip_dataset_batch(mlip_dataset *ds, const int *rows, int B,
                                       const mlip_augment_options *aug, mlip_rng *rng,
                                       mlip_batch *batch);
/* An epoch's order: order (size) gets a permutation of [0, size) from rng (Fisher-Yates). */
MLIPDEF mlip_status mlip_dataset_shuffle(const mlip_dataset *ds, mlip_rng *rng, int *order);

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
#define MLIP__LIBC_ALLOC 1 /* calloc may then serve zeroed blocks (see mlip_alloc_zeroed) */
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
#define MLIP__NOINLINE __attribute__((noinline))
#define MLIP__INLINE __inline__ __attribute__((always_inline))
#else
#define MLIP__NOINLINE
#define MLIP__INLINE
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
#define MLIP__CHECK_PTR(p)                                                                         \
    do {                                                                                           \
        if (!(p)) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: %s is NULL", __func__, #p);         \
    } while (0)
#define MLIP__CHECK_POS(n)                                                                         \
    do {                                                                                           \
        if ((n) <= 0)                                                                              \
            return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: %s must be positive (got %ld)", __func__, \
                              #n, (long)(n));                                                      \
    } while (0)

/* Error propagation, one style everywhere: MLIP__TRY(call) returns a failed call's status at
   once, for code that holds nothing to release; code that does hold something sets `st` and
   jumps to one cleanup label (`goto fail`) that frees and returns st. */
#define MLIP__TRY(call)                                                                            \
    do {                                                                                           \
        mlip_status st_ = (call);                                                                  \
        if (st_) return st_;                                                                       \
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

/* Multi-byte loads, byte by byte (any host, any alignment); big != 0: big-endian. */
static MLIP__UNUSED uint32_t mlip__load16(const unsigned char *p, int big) {
    return big ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}
static MLIP__UNUSED uint32_t mlip__load32(const unsigned char *p, int big) {
    return big ? mlip__load16(p, 1) << 16 | mlip__load16(p + 2, 1)
               : mlip__load16(p + 2, 0) << 16 | mlip__load16(p, 0);
}
static MLIP__UNUSED uint64_t mlip__load64(const unsigned char *p, int big) {
    return big ? (uint64_t)mlip__load32(p, 1) << 32 | mlip__load32(p + 4, 1)
               : (uint64_t)mlip__load32(p + 4, 0) << 32 | mlip__load32(p, 0);
}

/* The byte cursor every reader of a buffer uses (.mlip, safetensors' JSON, PNM, DICOM): each
   get is bounds-checked, and returns 1 and moves past what it read, or 0 and moves nothing.
   Multi-byte values are little-endian unless big is set. */
typedef struct mlip__cursor {
    const unsigned char *p;
    size_t len, pos;
    int big;
} mlip__cursor;

static MLIP__UNUSED void mlip__cursor_init(mlip__cursor *c, const void *p, size_t len) {
    c->p = (const unsigned char *)p;
    c->len = len;
    c->pos = 0;
    c->big = 0;
}
/* n bytes: *out (may be NULL) points at them. */
static MLIP__UNUSED int mlip__cursor_bytes(mlip__cursor *c, size_t n, const unsigned char **out) {
    if (c->pos > c->len || n > c->len - c->pos) return 0;
    if (out) *out = c->p + c->pos;
    c->pos += n;
    return 1;
}
/* An n-byte unsigned integer: n = 1, 2, 4 or 8 (u8, u16, u32, u64). */
static MLIP__UNUSED int mlip__cursor_uint(mlip__cursor *c, size_t n, uint64_t *v) {
    const unsigned char *b;
    size_t i;
    if (!mlip__cursor_bytes(c, n, &b)) return 0;
    *v = 0;
    for (i = 0; i < n; i++) *v = *v << 8 | b[c->big ? i : n - 1 - i];
    return 1;
}
/* The u32 every format here is full of, as a uint32_t. */
static MLIP__UNUSED int mlip__cursor_u32(mlip__cursor *c, uint32_t *v) {
    uint64_t x = 0;
    if (!mlip__cursor_uint(c, 4, &x)) return 0;
    *v = (uint32_t)x;
    return 1;
}

/* Grow an array of elem-byte items to hold at least need (doubling from 64; checked): the
   one growable-array helper. */
static MLIP__UNUSED mlip_status mlip__grow(void **p, size_t *cap, size_t need, size_t elem) {
    size_t ncap = *cap ? *cap : 64, bytes = 0;
    void *np;
    if (need <= *cap) return MLIP_OK;
    while (ncap < need)
        if (mlip_size_mul(ncap, 2, &ncap)) return MLIP_ERR_OVERFLOW;
    if (mlip_size_mul(ncap, elem, &bytes)) return MLIP_ERR_OVERFLOW;
    np = mlip_alloc(bytes);
    if (!np) return MLIP_ERR_OUT_OF_MEMORY;
    if (*p) memcpy(np, *p, *cap * elem);
    mlip_free(*p);
    *p = np;
    *cap = ncap;
    return MLIP_OK;
}

/* Read a whole file through the hooks (streamed, so pipes work too); *len gets its size: the
   one read-whole-file helper. */
static MLIP__UNUSED mlip_status mlip__read_file(const char *path, char **data, size_t *len) {
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0, got;
    char *buf;
    *data = NULL;
    if (!f) return mlip__fail(MLIP_ERR_IO, "cannot open %s", path);
    buf = (char *)mlip_alloc(cap);
    if (!buf) {
        fclose(f);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) { /* grow by doubling (checked), copying through the aligned allocator */
            size_t ncap = 0;
            char *nb;
            if (mlip_size_mul(cap, 2, &ncap) || !(nb = (char *)mlip_alloc(ncap))) {
                mlip_free(buf);
                fclose(f);
                return MLIP_ERR_OUT_OF_MEMORY;
            }
            memcpy(nb, buf, n);
            mlip_free(buf);
            buf = nb;
            cap = ncap;
        }
    }
    if (ferror(f)) {
        mlip_free(buf);
        fclose(f);
        return mlip__fail(MLIP_ERR_IO, "error reading %s", path);
    }
    fclose(f);
    *data = buf;
    *len = n;
    return MLIP_OK;
}

/* Aligned allocation on top of the hooks: over-allocate, align up to 64 bytes, and keep
   the hook's own pointer just below the aligned block. A block made while measuring (see
   mlip_measure_memory_begin) has that pointer tagged in its low bit and a mlip__blk just
   below it, so it can be told apart when freed. */
#define MLIP__ALIGN 64

/* Bookkeeping of the no-heap arena, just below each block it hands out. Live blocks form a
   list in address order, and a new block goes into the first gap that holds it (first fit):
   a block freed under others is reused at once, so a zero-copy load, which frees its
   encoders' own weight arenas when it switches them to the file's bytes, costs nothing. The
   same records (kept in the heap blocks) simulate the arena while measuring, so the measured
   size is exactly what the arena needs. */
typedef struct mlip__blk {
    size_t start, end; /* the block's span in the arena: record, padding, data */
    struct mlip__blk *prev, *next; /* the live blocks, in address order */
    unsigned gen; /* the measurement it belongs to (measuring only) */
} mlip__blk;

typedef struct mlip__arena {
    unsigned char *base; /* 64-byte aligned; NULL: simulated (measuring) */
    size_t cap, peak;
    mlip__blk *first;
} mlip__arena;
static mlip__arena mlip__mem; /* mlip_use_memory */
static mlip__arena mlip__meas; /* the simulated arena of a measurement */
static int mlip__measuring = 0;
static unsigned mlip__meas_gen = 0;

/* Place a block of `bytes` in arena a: its data offset (0 when it does not fit: offset 0 is
   never data, the record comes first); *after gets the live block it follows (NULL: first). */
static size_t mlip__arena_place(const mlip__arena *a, size_t bytes, mlip__blk **after) {
    mlip__blk *prev = NULL, *next = a->first;
    for (;;) {
        size_t lo = prev ? prev->end : 0, data = lo + sizeof(mlip__blk) + MLIP__ALIGN - 1;
        if (data < lo) return 0;
        data -= data % MLIP__ALIGN;
        if (data + bytes >= data &&
            (next ? data + bytes <= next->start : !a->base || data + bytes <= a->cap)) {
            *after = prev;
            return data;
        }
        if (!next) return 0;
        prev = next;
        next = next->next;
    }
}

/* Record block b (data at offset `data`) as live in a, after block `after`. */
static void mlip__arena_link(mlip__arena *a, mlip__blk *b, mlip__blk *after, size_t data,
                             size_t bytes) {
    b->start = data - sizeof(mlip__blk);
    b->end = data + bytes;
    b->prev = after;
    b->next = after ? after->next : a->first;
    if (b->next) b->next->prev = b;
    if (after)
        after->next = b;
    else
        a->first = b;
    if (b->end > a->peak) a->peak = b->end;
}

static void mlip__arena_unlink(mlip__arena *a, mlip__blk *b) {
    if (b->prev)
        b->prev->next = b->next;
    else
        a->first = b->next;
    if (b->next) b->next->prev = b->prev;
}

/* Not inlined: gcc -O3's object-size analysis sees through the size check into impossible
   sizes and warns about them; allocation is never on a hot path anyway. */
static MLIP__NOINLINE void *mlip__alloc(size_t bytes, int zeroed) {
    size_t total = 0, extra = mlip__measuring ? sizeof(mlip__blk) : 0;
    unsigned char *raw, *aligned;
    uintptr_t tagged;
    if (mlip__mem.base) { /* no-heap mode: from the caller's buffer */
        mlip__blk *after = NULL;
        size_t data = mlip__arena_place(&mlip__mem, bytes, &after);
        if (!data) {
            mlip__fail(MLIP_ERR_OUT_OF_MEMORY,
                       "out of memory allocating %lu bytes: no room left in the %lu-byte buffer "
                       "of mlip_use_memory",
                       (unsigned long)bytes, (unsigned long)mlip__mem.cap);
            return NULL;
        }
        mlip__arena_link(&mlip__mem, (mlip__blk *)(void *)(mlip__mem.base + data) - 1, after, data,
                         bytes);
        if (zeroed) memset(mlip__mem.base + data, 0, bytes);
        return mlip__mem.base + data;
    }
    if (mlip_size_add(bytes, MLIP__ALIGN + sizeof(void *) + extra, &total)) return NULL;
#ifdef MLIP__LIBC_ALLOC
    /* calloc hands large blocks over as untouched zero pages: an arena that is replaced
       before it is written (weights mapped from a file) then never costs resident memory */
    raw = (unsigned char *)(zeroed ? calloc(total, 1) : MLIP_MALLOC(total));
#else
    raw = (unsigned char *)MLIP_MALLOC(total);
    if (raw && zeroed) memset(raw, 0, total);
#endif
    if (!raw) {
        mlip__fail(MLIP_ERR_OUT_OF_MEMORY, "out of memory allocating %lu bytes",
                   (unsigned long)bytes);
        return NULL;
    }
    aligned = raw + sizeof(void *) + extra;
    aligned += (MLIP__ALIGN - ((uintptr_t)aligned % MLIP__ALIGN)) % MLIP__ALIGN;
    tagged = (uintptr_t)raw;
    if (extra) { /* measuring: the block's place in the simulated arena */
        mlip__blk *b = (mlip__blk *)(void *)(aligned - sizeof(void *)) - 1, *after = NULL;
        size_t data = mlip__arena_place(&mlip__meas, bytes, &after);
        mlip__arena_link(&mlip__meas, b, after, data, bytes);
        b->gen = mlip__meas_gen;
        tagged |= 1; /* malloc's pointers are at least 2-byte aligned */
    }
    memcpy(aligned - sizeof(void *), &tagged, sizeof tagged);
    return aligned;
}

MLIPDEF void *mlip_alloc(size_t bytes) { return mlip__alloc(bytes, 0); }

MLIPDEF void *mlip_alloc_zeroed(size_t count, size_t elem_size) {
    size_t bytes = 0;
    if (mlip_size_mul(count, elem_size, &bytes)) return NULL;
    return mlip__alloc(bytes, 1);
}

MLIPDEF void mlip_free(void *ptr) {
    uintptr_t raw;
    if (!ptr) return;
    if (mlip__mem.base && (unsigned char *)ptr > mlip__mem.base &&
        (unsigned char *)ptr <= mlip__mem.base + mlip__mem.cap) {
        mlip__arena_unlink(&mlip__mem, (mlip__blk *)ptr - 1);
        return;
    }
    memcpy(&raw, (unsigned char *)ptr - sizeof(void *), sizeof raw);
    if (raw & 1) { /* made while measuring */
        mlip__blk *b = (mlip__blk *)(void *)((unsigned char *)ptr - sizeof(void *)) - 1;
        if (mlip__measuring && b->gen == mlip__meas_gen) mlip__arena_unlink(&mlip__meas, b);
        raw &= ~(uintptr_t)1;
    }
    MLIP_FREE((void *)raw);
}

MLIPDEF mlip_status mlip_use_memory(void *buffer, size_t bytes) {
    size_t skip;
    if (!buffer) {
        if (bytes)
            return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_use_memory: NULL buffer of %lu bytes",
                              (unsigned long)bytes);
        memset(&mlip__mem, 0, sizeof mlip__mem);
        return MLIP_OK;
    }
    if (mlip__measuring)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_use_memory: a measurement is running");
    if (mlip__mem.base)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_use_memory: a buffer is in use already (pass NULL first)");
    skip = (MLIP__ALIGN - (uintptr_t)buffer % MLIP__ALIGN) % MLIP__ALIGN;
    if (bytes <= skip + MLIP__ALIGN)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_use_memory: %lu bytes is too small",
                          (unsigned long)bytes);
    memset(&mlip__mem, 0, sizeof mlip__mem);
    mlip__mem.base = (unsigned char *)buffer + skip;
    mlip__mem.cap = bytes - skip;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_measure_memory_begin(void) {
    if (mlip__measuring || mlip__mem.base)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_measure_memory_begin: %s",
                          mlip__measuring ? "already measuring"
                                          : "a mlip_use_memory buffer is in use");
    memset(&mlip__meas, 0, sizeof mlip__meas);
    mlip__meas_gen++;
    mlip__measuring = 1;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_measure_memory_end(size_t *peak_bytes) {
    if (!mlip__measuring)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_measure_memory_end: not measuring");
    mlip__measuring = 0;
    mlip__meas_gen++; /* blocks still live are freed normally later */
    if (peak_bytes) *peak_bytes = mlip__meas.peak;
    return MLIP_OK;
}

/* NaN/Inf at the boundary: inputs and loaded weights are checked once where they enter, so a
   bad pixel or a corrupted checkpoint is reported by name instead of turning every output
   into NaN. `what` names the buffer in the message. */
static mlip_status mlip__check_finite(const float *x, size_t n, const char *what) {
    ptrdiff_t i = mlip_find_nonfinite(x, n);
    if (i < 0) return MLIP_OK;
    return mlip__fail(MLIP_ERR_NUMERIC, "%s: element %ld is %s (NaN/Inf is not accepted)", what,
                      (long)i, x[i] != x[i] ? "NaN" : "Inf");
}

/* Every tensor of a model that was just loaded (mlip_model_load_*, safetensors import). Cost:
   a pass over the weights, 20-40 ms for the 178 MB `small` model when warm (x86-64); a
   zero-copy mmap load goes from ~2-15 ms to ~170 ms because every page is read now rather
   than by the first forward. MLIP_NO_WEIGHT_CHECK skips it. */
static mlip_status mlip__check_finite_model(mlip_model *m) {
#ifndef MLIP_NO_WEIGHT_CHECK
    int i, n = mlip_model_tensor_count(m);
    for (i = 0; i < n; i++) {
        mlip_param_info info;
        size_t count = 0;
        const float *w;
        if (mlip_model_tensor_info(m, i, &info, NULL)) continue;
        if ((w = mlip_model_tensor(m, info.name, &count)) != NULL) {
            char what[96];
            snprintf(what, sizeof what, "loaded model: tensor %s", info.name);
            MLIP__TRY(mlip__check_finite(w, count, what));
        }
    }
#else
    (void)m;
#endif
    return MLIP_OK;
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
    int n_workers; /* threads started besides the caller */
    unsigned generation; /* bumped for every job */
    int pending; /* workers still busy with the current job */
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
        for (t = self; t < pool->n_tasks; t += pool->n_threads)
            pool->fn(pool->arg, t, pool->n_tasks);
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
            return mlip__fail(MLIP_ERR_THREAD, "could not start thread %d of %d", i + 2, n_threads);
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
        MLIP__TRY(mlip__pool_start(n_threads));
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
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_set_scheduler: n_threads %d < 1", n_threads);
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
   5e-9 relative), 2^n put straight into the exponent bits (2^128 as 2 * 2^127). For finite x:
   above MLIP__EXPF_MAX, the largest float x with e^x < FLT_MAX, it saturates at
   e^MLIP__EXPF_MAX = 3.4028e38 (just under FLT_MAX); below -87.3 the result is 0 (e^-87.3 is
   about the smallest normal float), and from -87.3 to -87 it holds at e^-87. */
#define MLIP__EXPF_MAX 88.7228317f
static MLIP__INLINE float mlip__expf(float x) {
    float n, r, p, scale, top;
    int32_t bits;
    /* Selections are written as arithmetic on 0/1 so compilers see no control flow (gcc
       will not if-convert float selects under -ftrapping-math, and then not vectorise). x is
       multiplied by 0 where a bound replaces it, so the bound comes out exact for any x. */
    float below = (float)(x < -87.0f), above = (float)(x > MLIP__EXPF_MAX);
    float xc = x * (1.0f - below - above) + below * -87.0f + above * MLIP__EXPF_MAX;
    n = (float)(int32_t)(xc * 1.44269504f + (0.5f - (float)(xc < 0.0f)));
    r = xc - n * 0.693145751953125f; /* ln 2 split in two: the high part is exact in float */
    r = r - n * 1.42860676533018e-06f;
    p = 1.0f +
        r * (1.0f +
             r * (0.5f +
                  r * (1.0f / 6 +
                       r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
    top = (float)(n > 127.0f); /* 2^128 is past the exponent's range: 2 * 2^127 */
    bits = ((int32_t)(n - top) + 127) * (1 << 23);
    memcpy(&scale, &bits, sizeof scale);
    return p * (1.0f + top) * scale * (float)(x >= -87.3f);
}

/* erf: below 0.8 its Maclaurin series (to z^17; the next term is < 2e-9), above it
   Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7; with float rounding <= 2.5e-7, about
   float's own resolution near 1, all GELU's 1 + erf needs). Both are computed and one selected,
   so the loop vectorises. */
static MLIP__INLINE float mlip__erff(float x) {
    float neg = (float)(x < 0.0f), z = x * (1.0f - 2.0f * neg), z2 = z * z,
          t = 1.0f / (1.0f + 0.3275911f * z);
    float poly =
        t * (0.254829592f +
             t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    float tail = 1.0f - poly * mlip__expf(-z2);
    float series =
        1.1283791670955126f * z *
        (1.0f + z2 * (-1.0f / 3 +
                      z2 * (1.0f / 10 +
                            z2 * (-1.0f / 42 +
                                  z2 * (1.0f / 216 + z2 * (-1.0f / 1320 +
                                                           z2 * (1.0f / 9360 +
                                                                 z2 * (-1.0f / 75600 +
                                                                       z2 * (1.0f / 685440)))))))));
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
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "%s: transpose flags must be MLIP_NO_TRANS or MLIP_TRANS", who);
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
        if (mlip__count3(&n, trans_a ? K : M, lda, 1) ||
            mlip__count3(&n, trans_b ? N : K, ldb, 1) || mlip__count3(&n, M, ldc, 1))
            return mlip__fail(MLIP_ERR_OVERFLOW, "%s: matrix size overflows size_t", who);
    }
    return MLIP_OK;
}

/* The naive reference: obviously right, used by the tests. */
MLIPDEF mlip_status mlip_sgemm_reference(mlip_transpose trans_a, mlip_transpose trans_b, int M,
                                         int N, int K, float alpha, const float *A, int lda,
                                         const float *B, int ldb, float beta, float *C, int ldc) {
    int i, j, k;
    MLIP__TRY(mlip__gemm_check("mlip_sgemm_reference", trans_a, trans_b, M, N, K, A, lda, B, ldb, C,
                               ldc));
    for (i = 0; i < M; i++) {
        for (j = 0; j < N; j++) {
            double acc = 0;
            for (k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = trans_b ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                acc += (double)a * b;
            }
            C[(size_t)i * ldc + j] =
                (float)(alpha * acc) + (beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j]);
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
#define MLIP__K512_STEP(r)                                                                         \
    {                                                                                              \
        __m512 av = _mm512_set1_ps(a[r]);                                                          \
        c##r##0 = _mm512_fmadd_ps(av, b0, c##r##0);                                                \
        c##r##1 = _mm512_fmadd_ps(av, b1, c##r##1);                                                \
    }
#define MLIP__K512_STORE(r)                                                                        \
    {                                                                                              \
        float *cr = c + (size_t)(r)*ldc;                                                           \
        __m512 o0 = _mm512_mul_ps(c##r##0, va), o1 = _mm512_mul_ps(c##r##1, va);                   \
        if (beta != 0.0f) {                                                                        \
            o0 = _mm512_fmadd_ps(_mm512_loadu_ps(cr), vb, o0);                                     \
            o1 = _mm512_fmadd_ps(_mm512_loadu_ps(cr + 16), vb, o1);                                \
        }                                                                                          \
        _mm512_storeu_ps(cr, o0);                                                                  \
        _mm512_storeu_ps(cr + 16, o1);                                                             \
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
#define MLIP__K256_STEP(r)                                                                         \
    {                                                                                              \
        __m256 av = _mm256_broadcast_ss(a + (r));                                                  \
        c##r##0 = _mm256_fmadd_ps(av, b0, c##r##0);                                                \
        c##r##1 = _mm256_fmadd_ps(av, b1, c##r##1);                                                \
    }
#define MLIP__K256_STORE(r)                                                                        \
    {                                                                                              \
        float *cr = c + (size_t)(r)*ldc;                                                           \
        __m256 o0 = _mm256_mul_ps(c##r##0, va), o1 = _mm256_mul_ps(c##r##1, va);                   \
        if (beta != 0.0f) {                                                                        \
            o0 = _mm256_fmadd_ps(_mm256_loadu_ps(cr), vb, o0);                                     \
            o1 = _mm256_fmadd_ps(_mm256_loadu_ps(cr + 8), vb, o1);                                 \
        }                                                                                          \
        _mm256_storeu_ps(cr, o0);                                                                  \
        _mm256_storeu_ps(cr + 8, o1);                                                              \
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
#define MLIP__KNEON_DECL(r)                                                                        \
    float32x4_t c##r##0 = vdupq_n_f32(0), c##r##1 = vdupq_n_f32(0), c##r##2 = vdupq_n_f32(0);
#define MLIP__KNEON_STEP(r, areg, lane)                                                            \
    c##r##0 = vfmaq_laneq_f32(c##r##0, b0, areg, lane);                                            \
    c##r##1 = vfmaq_laneq_f32(c##r##1, b1, areg, lane);                                            \
    c##r##2 = vfmaq_laneq_f32(c##r##2, b2, areg, lane);
#define MLIP__KNEON_STORE(r)                                                                       \
    {                                                                                              \
        float *cr = c + (size_t)(r)*ldc;                                                           \
        float32x4_t o0 = vmulq_n_f32(c##r##0, alpha), o1 = vmulq_n_f32(c##r##1, alpha),            \
                    o2 = vmulq_n_f32(c##r##2, alpha);                                              \
        if (beta != 0.0f) {                                                                        \
            o0 = vfmaq_n_f32(o0, vld1q_f32(cr), beta);                                             \
            o1 = vfmaq_n_f32(o1, vld1q_f32(cr + 4), beta);                                         \
            o2 = vfmaq_n_f32(o2, vld1q_f32(cr + 8), beta);                                         \
        }                                                                                          \
        vst1q_f32(cr, o0);                                                                         \
        vst1q_f32(cr + 4, o1);                                                                     \
        vst1q_f32(cr + 8, o2);                                                                     \
    }
#define MLIP__KNEON_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
static void mlip__ukernel_neon(int kc, const float *a, const float *b, float *c, size_t ldc,
                               float alpha, float beta) {
    int k;
    MLIP__KNEON_ROWS(MLIP__KNEON_DECL)
    for (k = 0; k < kc; k++) {
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8);
        float32x4_t a0 = vld1q_f32(a), a1 = vld1q_f32(a + 4);
        /* clang-format off */
        MLIP__KNEON_STEP(0, a0, 0) MLIP__KNEON_STEP(1, a0, 1)
        MLIP__KNEON_STEP(2, a0, 2) MLIP__KNEON_STEP(3, a0, 3)
        MLIP__KNEON_STEP(4, a1, 0) MLIP__KNEON_STEP(5, a1, 1)
        MLIP__KNEON_STEP(6, a1, 2) MLIP__KNEON_STEP(7, a1, 3)
            /* clang-format on */
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
#define MLIP__KC 256 /* depth of a packed block: a KC x NR sliver of B stays near L1 */
#define MLIP__NC 4096 /* columns of B packed at once (an L3-sized panel) */

static int mlip__gemm_kernel_runs_here(const mlip__gemm_kernel *k) {
#if defined(MLIP__X86_DISPATCH)
    if (!strcmp(k->name, "avx512")) return __builtin_cpu_supports("avx512f");
    if (!strcmp(k->name, "avx2"))
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
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
                return mlip__fail(MLIP_ERR_UNSUPPORTED,
                                  "GEMM kernel '%s' is not supported by this CPU", name);
            mlip__gemm_active = &mlip__gemm_kernels[i];
            return MLIP_OK;
        }
    return mlip__fail(MLIP_ERR_UNSUPPORTED, "GEMM kernel '%s' is not compiled into this build",
                      name);
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
    float *workspace; /* per task: packed A (mc x KC) then packed B (KC x NC) */
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
                int pj =
                    2 * (k & 15); /* spread: two rows' next lines per step, 32 rows per line of k */
                if (pj < cols) MLIP__PREFETCH(src + (size_t)pj * g->ldb + k + 64);
                if (pj + 1 < cols) MLIP__PREFETCH(src + (size_t)(pj + 1) * g->ldb + k + 64);
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
        if (best_cost < 0 || cost < best_cost) {
            best_cost = cost;
            best_tm = tm;
        }
    }
    memset(g, 0, sizeof *g);
    g->kern = kern;
    g->trans_a = trans_a;
    g->trans_b = trans_b;
    g->M = M;
    g->N = N;
    g->K = K;
    g->alpha = alpha;
    g->beta = beta;
    g->A = A;
    g->B = B;
    g->lda = lda;
    g->ldb = ldb;
    g->C = C;
    g->ldc = ldc;
    g->grid_m = best_tm;
    g->grid_n = threads / best_tm;
    kc_max = (size_t)MLIP__MIN(K, MLIP__KC);
    nc_max = (size_t)MLIP__MIN(((N + g->grid_n - 1) / g->grid_n + 2 * NR), MLIP__NC);
    nc_max = (nc_max + NR - 1) / NR * NR;
    per_task = (size_t)kern->mc * MLIP__KC + kc_max * nc_max;
    per_task = (per_task + 15) / 16 * 16; /* keep each task's block 64-byte aligned */
    g->workspace_per_task = per_task;
    return per_task;
}

MLIPDEF mlip_status mlip_sgemm(mlip_transpose trans_a, mlip_transpose trans_b, int M, int N, int K,
                               float alpha, const float *A, int lda, const float *B, int ldb,
                               float beta, float *C, int ldc) {
    mlip__gemm_job g;
    int threads;
    size_t per_task, total = 0;
    MLIP__TRY(mlip__gemm_check("mlip_sgemm", trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc));
    if (M == 0 || N == 0) return MLIP_OK;
    if (K == 0) {
        mlip__gemm_scale_c(M, N, beta, C, ldc);
        return MLIP_OK;
    }
    threads = 2.0 * M * N * K < 2e6 ? 1 : mlip_get_num_threads(); /* tiny: not worth a wake-up */
    per_task = mlip__gemm_plan(&g, threads, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta,
                               C, ldc);
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
    job.fn = fn;
    job.arg = arg;
    job.rows = rows;
    mlip_parallel_for(threads, mlip__rows_task, &job);
}

#define MLIP__COL_CHUNK 256 /* columns whose row sums are accumulated at once (on the stack) */

/* ---- linear ----
   The strided forms (leading dimensions ldo/ldi/ldd) serve the encoders, which write q, k
   and v side by side into one (rows, 3C) buffer; the public functions are the dense case. */

/* out (rows, OC; ld ldo) = [out +] inp (rows, C; ld ldi) . weight^T + bias */
static mlip_status mlip__linear(float *out, int ldo, const float *inp, int ldi, const float *weight,
                                const float *bias, int rows, int C, int OC, int accumulate) {
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
    if (dinp) { /* dinp (rows, C) += dout (rows, OC) . weight (OC, C) */
        MLIP__TRY(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, rows, C, OC, 1.0f, dout, ldo, weight, C,
                             1.0f, dinp, ldd));
    }
    if (dweight) { /* dweight (OC, C) += dout^T (OC, rows) . inp (rows, C) */
        MLIP__TRY(mlip_sgemm(MLIP_TRANS, MLIP_NO_TRANS, OC, C, rows, 1.0f, dout, ldo, inp, ldi,
                             1.0f, dweight, C));
    }
    if (dbias) { /* a sum over rows, in double */
        double acc[MLIP__COL_CHUNK];
        int r, o, o0, o1;
        for (o0 = 0; o0 < OC; o0 = o1) {
            o1 = MLIP__MIN(OC, o0 + MLIP__COL_CHUNK);
            memset(acc, 0, sizeof acc);
            for (r = 0; r < rows; r++) {
                const float *d = dout + (size_t)r * ldo;
                for (o = o0; o < o1; o++) acc[o - o0] += d[o];
            }
            for (o = o0; o < o1; o++) dbias[o] += (float)acc[o - o0];
        }
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_linear_forward(float *out, const float *inp, const float *weight,
                                        const float *bias, int rows, int C, int OC) {
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(inp);
    MLIP__CHECK_PTR(weight);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    MLIP__CHECK_POS(OC);
    return mlip__linear(out, OC, inp, C, weight, bias, rows, C, OC, 0);
}

MLIPDEF mlip_status mlip_linear_backward(float *dinp, float *dweight, float *dbias,
                                         const float *dout, const float *inp, const float *weight,
                                         int rows, int C, int OC) {
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    MLIP__CHECK_POS(OC);
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
        double dm = 0.0, dv = 0.0; /* double sums: statistics exact to float rounding */
        float m, s;
        for (i = 0; i < C; i++) dm += x[i];
        m = (float)(dm / C);
        for (i = 0; i < C; i++) dv += (double)(x[i] - m) * (x[i] - m);
        s = (float)(1.0 / sqrt(dv / C + a->eps)); /* biased variance, as PyTorch's LayerNorm */
        for (i = 0; i < C; i++) {
            float n = (x[i] - m) * s;
            y[i] = n * (a->weight ? a->weight[i] : 1.0f) + (a->bias ? a->bias[i] : 0.0f);
        }
        if (a->mean) a->mean[r] = m;
        if (a->rstd) a->rstd[r] = s;
    }
}

MLIPDEF mlip_status mlip_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                                           const float *weight, const float *bias, int rows, int C,
                                           float eps) {
    mlip__ln_args a;
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(inp);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    if (!(eps >= 0.0f))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_layernorm_forward: eps must be >= 0");
    a.out = out;
    a.mean = mean;
    a.rstd = rstd;
    a.inp = inp;
    a.weight = weight;
    a.bias = bias;
    a.C = C;
    a.eps = eps;
    mlip__for_rows(rows, 6.0 * C, mlip__layernorm_rows, &a);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_layernorm_backward(float *dinp, float *dweight, float *dbias,
                                            const float *dout, const float *inp,
                                            const float *weight, const float *mean,
                                            const float *rstd, int rows, int C) {
    int r, i;
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_PTR(inp);
    MLIP__CHECK_PTR(mean);
    MLIP__CHECK_PTR(rstd);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    for (r = 0; r < rows; r++) {
        const float *x = inp + (size_t)r * C, *dy = dout + (size_t)r * C;
        float m = mean[r], s = rstd[r], dnorm_mean, dnorm_norm_mean;
        double sum_dn = 0.0, sum_dn_n = 0.0;
        /* with n = (x - m) s and dn = w dy:  dx = s (dn - mean(dn) - n mean(dn n)) */
        for (i = 0; i < C; i++) {
            float n = (x[i] - m) * s, dn = (weight ? weight[i] : 1.0f) * dy[i];
            sum_dn += dn;
            sum_dn_n += (double)dn * n;
        }
        dnorm_mean = (float)(sum_dn / C);
        dnorm_norm_mean = (float)(sum_dn_n / C);
        if (dinp)
            for (i = 0; i < C; i++) {
                float n = (x[i] - m) * s, dn = (weight ? weight[i] : 1.0f) * dy[i];
                dinp[(size_t)r * C + i] += s * (dn - dnorm_mean - n * dnorm_norm_mean);
            }
    }
    if (dweight || dbias) { /* sums over rows, in double: they cancel a lot */
        double acc_w[MLIP__COL_CHUNK], acc_b[MLIP__COL_CHUNK];
        int c0, c1;
        for (c0 = 0; c0 < C; c0 = c1) {
            c1 = MLIP__MIN(C, c0 + MLIP__COL_CHUNK);
            memset(acc_w, 0, sizeof acc_w);
            memset(acc_b, 0, sizeof acc_b);
            for (r = 0; r < rows; r++) {
                const float *x = inp + (size_t)r * C, *dy = dout + (size_t)r * C;
                float m = mean[r], s = rstd[r];
                for (i = c0; i < c1; i++) {
                    acc_w[i - c0] += (double)((x[i] - m) * s) * dy[i];
                    acc_b[i - c0] += dy[i];
                }
            }
            for (i = c0; i < c1; i++) {
                if (dweight) dweight[i] += (float)acc_w[i - c0];
                if (dbias) dbias[i] += (float)acc_b[i - c0];
            }
        }
    }
    return MLIP_OK;
}

/* ---- GELU ---- */

#define MLIP__SQRT_HALF 0.70710678118654752f
#define MLIP__INV_SQRT_2PI 0.39894228040143268f
#define MLIP__SQRT_2_OVER_PI 0.79788456080286536f
#define MLIP__QUICK_GELU 1.702f

static float mlip__sigmoidf(float x) { return 1.0f / (1.0f + mlip__expf(-x)); }

static mlip_status mlip__gelu_check(const char *who, const void *a, const void *b, size_t n,
                                    mlip_gelu_kind kind) {
    if (!a || !b) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: NULL buffer", who);
    if (n == 0) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: n must be positive", who);
    if (kind != MLIP_GELU_ERF && kind != MLIP_GELU_TANH && kind != MLIP_GELU_QUICK)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: unknown GELU kind %d", who, (int)kind);
    return MLIP_OK;
}

typedef struct mlip__gelu_args {
    float *out;
    const float *inp;
    size_t n;
    mlip_gelu_kind kind;
} mlip__gelu_args;

/* Rows here are blocks of 4096 elements. */
static void mlip__gelu_blocks(void *p, int r0, int r1, int task) {
    const mlip__gelu_args *a = (const mlip__gelu_args *)p;
    size_t i, i0 = (size_t)r0 * 4096, i1 = MLIP__MIN((size_t)r1 * 4096, a->n);
    const float *inp = a->inp;
    float *out = a->out;
    (void)task;
    if (a->kind == MLIP_GELU_ERF) {
        for (i = i0; i < i1; i++)
            out[i] = 0.5f * inp[i] * (1.0f + mlip__erff(inp[i] * MLIP__SQRT_HALF));
    } else if (a->kind == MLIP_GELU_QUICK) {
        for (i = i0; i < i1; i++) out[i] = inp[i] * mlip__sigmoidf(MLIP__QUICK_GELU * inp[i]);
    } else {
        for (i = i0; i < i1; i++) {
            float x = inp[i], u = MLIP__SQRT_2_OVER_PI * (x + 0.044715f * x * x * x);
            out[i] = 0.5f * x * (1.0f + tanhf(u));
        }
    }
}

MLIPDEF mlip_status mlip_gelu_forward(float *out, const float *inp, size_t n, mlip_gelu_kind kind) {
    mlip__gelu_args a;
    MLIP__TRY(mlip__gelu_check("mlip_gelu_forward", out, inp, n, kind));
    if (n / 4096 > 0x7ffffffe)
        return mlip__fail(MLIP_ERR_OVERFLOW, "mlip_gelu_forward: n too large");
    a.out = out;
    a.inp = inp;
    a.n = n;
    a.kind = kind;
    mlip__for_rows((int)((n + 4095) / 4096), 4096.0 * 30, mlip__gelu_blocks, &a);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n,
                                       mlip_gelu_kind kind) {
    size_t i;
    MLIP__TRY(mlip__gelu_check("mlip_gelu_backward", dinp, inp, n, kind));
    MLIP__CHECK_PTR(dout);
    if (kind == MLIP_GELU_ERF) {
        for (i = 0; i < n; i++) {
            float x = inp[i];
            float cdf = 0.5f * (1.0f + mlip__erff(x * MLIP__SQRT_HALF));
            float pdf = MLIP__INV_SQRT_2PI * mlip__expf(-0.5f * x * x);
            dinp[i] += dout[i] * (cdf + x * pdf);
        }
    } else if (kind == MLIP_GELU_QUICK) { /* d/dx x s(ax) = s + a x s (1 - s) */
        for (i = 0; i < n; i++) {
            float x = inp[i], sg = mlip__sigmoidf(MLIP__QUICK_GELU * x);
            dinp[i] += dout[i] * (sg + MLIP__QUICK_GELU * x * sg * (1.0f - sg));
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
    for (r = r0; r < r1; r++)
        mlip__softmax_row(a->out + (size_t)r * a->C, a->inp + (size_t)r * a->C, a->C);
}

MLIPDEF mlip_status mlip_softmax_forward(float *out, const float *inp, int rows, int C) {
    mlip__softmax_args a;
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(inp);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    a.out = out;
    a.inp = inp;
    a.C = C;
    mlip__for_rows(rows, 20.0 * C, mlip__softmax_rows, &a);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_softmax_backward(float *dinp, const float *dout, const float *out,
                                          int rows, int C) {
    int r, i;
    MLIP__CHECK_PTR(dinp);
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    for (r = 0; r < rows; r++) { /* dx_i = y_i (dy_i - sum_j y_j dy_j) */
        const float *y = out + (size_t)r * C, *dy = dout + (size_t)r * C;
        float dot = 0.0f;
        for (i = 0; i < C; i++) dot += y[i] * dy[i];
        for (i = 0; i < C; i++) dinp[(size_t)r * C + i] += y[i] * (dy[i] - dot);
    }
    return MLIP_OK;
}

/* ---- multi-head self-attention ---- */

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
    int causal; /* query t sees keys 0..t only */
    size_t scratch_per_task, gemm_floats;
} mlip__attn_args;

/* The shape checks of the forward and the backward; on success *a (zeroed by the caller)
   holds the shape. */
static mlip_status mlip__attention_setup(const char *who, mlip__attn_args *a, int B, int T, int C,
                                         int NH) {
    size_t n = 0;
    if (B <= 0 || T <= 0 || C <= 0 || NH <= 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: B, T, C, NH must be positive (%d %d %d %d)",
                          who, B, T, C, NH);
    if (C % NH)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: C %d is not a multiple of NH %d", who, C, NH);
    /* qkv (B, T, 3C) and att (B, NH, T, T) must be addressable; row indices fit in int */
    if (C > 0x7fffffff / 3 || mlip__count3(&n, B, T, 3 * C) || mlip__count3(&n, B, NH, T) ||
        mlip_size_mul(n, (size_t)T, &n) || (double)B * NH * T > 0x7fffffff)
        return mlip__fail(MLIP_ERR_OVERFLOW, "%s: sizes overflow (B=%d T=%d C=%d NH=%d)", who, B, T,
                          C, NH);
    a->B = B;
    a->T = T;
    a->C = C;
    a->NH = NH;
    return MLIP_OK;
}

/* Row-wise softmax of the scores in place, over the real keys only (and, causal, the keys up
   to the query's own position). */
static void mlip__attention_softmax(float *S, int T, const uint8_t *mask, int causal) {
    int t, t2;
    for (t = 0; t < T; t++) {
        float *s = S + (size_t)t * T, mx = -FLT_MAX, sum = 0.0f, inv;
        int n_keys = causal ? t + 1 : T;
        for (t2 = 0; t2 < n_keys; t2++)
            if ((!mask || mask[t2]) && s[t2] > mx) mx = s[t2];
        for (t2 = 0; t2 < T; t2++) {
            s[t2] = (t2 >= n_keys || (mask && !mask[t2])) ? 0.0f : mlip__expf(s[t2] - mx);
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
        mlip__attention_softmax(S, T, a->key_mask ? a->key_mask + (size_t)b * T : NULL, a->causal);
        mlip__sgemm_serial(0, 0, T, hs, T, 1.0f, S, T, q + 2 * C, C3, 0.0f,
                           a->out + (size_t)b * T * C + (size_t)h * hs, C, ws);
    }
}

/* Per-task scratch for attention: a T x T block and a workspace for GEMMs with N, K in {T, hs}. */
static mlip_status mlip__attention_scratch(mlip__attn_args *a) {
    size_t g1 = mlip__gemm_serial_floats(a->T, a->C / a->NH),
           g2 = mlip__gemm_serial_floats(a->C / a->NH, a->T);
    size_t tt = 0, per = 0, total = 0;
    a->gemm_floats = g1 > g2 ? g1 : g2;
    if (mlip_size_mul((size_t)a->T, (size_t)a->T, &tt) ||
        mlip_size_add((tt + 15) / 16 * 16, a->gemm_floats, &per) ||
        mlip_size_mul(per, (size_t)mlip_get_num_threads(), &total) ||
        mlip_size_mul(total, sizeof(float), &total))
        return MLIP_ERR_OVERFLOW;
    a->scratch_per_task = per;
    a->scratch = (float *)mlip_alloc(total);
    return a->scratch ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
}

static mlip_status mlip__attention_forward(const char *who, float *out, float *att,
                                           const float *qkv, const uint8_t *key_mask, int B, int T,
                                           int C, int NH, int causal) {
    mlip__attn_args a;
    memset(&a, 0, sizeof a);
    MLIP__TRY(mlip__attention_setup(who, &a, B, T, C, NH));
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(qkv);
    a.out = out;
    a.att = att;
    a.qkv = qkv;
    a.key_mask = key_mask;
    a.causal = causal;
    MLIP__TRY(mlip__attention_scratch(&a));
    mlip__for_rows(B * NH, 4.0 * T * T * (C / NH), mlip__attention_heads, &a);
    mlip_free(a.scratch);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_attention_forward(float *out, float *att, const float *qkv,
                                           const uint8_t *key_mask, int B, int T, int C, int NH) {
    return mlip__attention_forward(__func__, out, att, qkv, key_mask, B, T, C, NH, 0);
}

MLIPDEF mlip_status mlip_attention_forward_causal(float *out, float *att, const float *qkv,
                                                  const uint8_t *key_mask, int B, int T, int C,
                                                  int NH) {
    return mlip__attention_forward(__func__, out, att, qkv, key_mask, B, T, C, NH, 1);
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
    memset(&a, 0, sizeof a);
    MLIP__TRY(mlip__attention_setup("mlip_attention_backward", &a, B, T, C, NH));
    MLIP__CHECK_PTR(dqkv);
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_PTR(qkv);
    MLIP__CHECK_PTR(att);
    a.dqkv = dqkv;
    a.dout = dout;
    a.qkv = qkv;
    a.att = (float *)(uintptr_t)att;
    MLIP__TRY(mlip__attention_scratch(&a));
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

MLIPDEF mlip_status mlip_embedding_forward(float *out, const int *ids, const float *table, int n,
                                           int C, int V) {
    int i;
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(ids);
    MLIP__CHECK_PTR(table);
    MLIP__CHECK_POS(n);
    MLIP__CHECK_POS(C);
    MLIP__CHECK_POS(V);
    MLIP__TRY(mlip__check_ids("mlip_embedding_forward", ids, n, V));
    for (i = 0; i < n; i++)
        memcpy(out + (size_t)i * C, table + (size_t)ids[i] * C, sizeof(float) * (size_t)C);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_embedding_backward(float *dtable, const float *dout, const int *ids, int n,
                                            int C, int V) {
    int i;
    MLIP__CHECK_PTR(dtable);
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_PTR(ids);
    MLIP__CHECK_POS(n);
    MLIP__CHECK_POS(C);
    MLIP__CHECK_POS(V);
    MLIP__TRY(mlip__check_ids("mlip_embedding_backward", ids, n, V));
    for (i = 0; i < n; i++)
        mlip_axpy(dtable + (size_t)ids[i] * C, 1.0f, dout + (size_t)i * C, (size_t)C);
    return MLIP_OK;
}

/* ---- patch embedding ---- */

/* The patch grid: an H x W image in P x P patches has (H / P) (W / P) of them (K). */
static int mlip__patch_count(int H, int W, int P) { return (H / P) * (W / P); }

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
        (double)B * (H / P) * (W / P) > 0x7fffffff ||
        mlip__count3(&n, B, mlip__patch_count(H, W, P), D))
        return mlip__fail(MLIP_ERR_OVERFLOW, "%s: sizes overflow", who);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_patch_embed_forward(float *out, float *patches, const float *img,
                                             const float *weight, const float *bias, int B, int Cin,
                                             int H, int W, int P, int D) {
    int b, c, ky, kx, py, GH, GW, K, CPP;
    MLIP__TRY(mlip__patch_check("mlip_patch_embed_forward", B, Cin, H, W, P, D));
    GH = H / P;
    GW = W / P;
    K = GH * GW;
    CPP = Cin * P * P;
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(patches);
    MLIP__CHECK_PTR(img);
    MLIP__CHECK_PTR(weight);
    /* unfold: patches[b, ky*GW+kx, (c*P + py)*P + px] = img[b, c, ky*P+py, kx*P+px] */
    for (b = 0; b < B; b++)
        for (ky = 0; ky < GH; ky++)
            for (kx = 0; kx < GW; kx++) {
                float *dst = patches + ((size_t)b * K + (size_t)ky * GW + kx) * CPP;
                for (c = 0; c < Cin; c++)
                    for (py = 0; py < P; py++)
                        memcpy(dst + ((size_t)c * P + py) * P,
                               img + (((size_t)b * Cin + c) * H + (size_t)ky * P + py) * W +
                                   (size_t)kx * P,
                               sizeof(float) * (size_t)P);
            }
    return mlip_linear_forward(out, patches, weight, bias, B * K, CPP, D);
}

MLIPDEF mlip_status mlip_patch_embed_backward(float *dimg, float *dweight, float *dbias,
                                              const float *dout, const float *patches,
                                              const float *weight, int B, int Cin, int H, int W,
                                              int P, int D) {
    int b, c, ky, kx, py, px, GH, GW, K, CPP;
    float *dpatches = NULL;
    mlip_status st = mlip__patch_check("mlip_patch_embed_backward", B, Cin, H, W, P, D);
    if (st) return st;
    GH = H / P;
    GW = W / P;
    K = GH * GW;
    CPP = Cin * P * P;
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_PTR(patches);
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
                            float *d = dimg +
                                       (((size_t)b * Cin + c) * H + (size_t)ky * P + py) * W +
                                       (size_t)kx * P;
                            for (px = 0; px < P; px++) d[px] += src[((size_t)c * P + py) * P + px];
                        }
                }
    mlip_free(dpatches);
    return st;
}

/* ---- residual ---- */

MLIPDEF mlip_status mlip_residual_forward(float *out, const float *a, const float *b, size_t n) {
    size_t i;
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(a);
    MLIP__CHECK_PTR(b);
    if (n == 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_residual_forward: n must be positive");
    for (i = 0; i < n; i++) out[i] = a[i] + b[i];
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_residual_backward(float *da, float *db, const float *dout, size_t n) {
    MLIP__CHECK_PTR(dout);
    if (n == 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_residual_backward: n must be positive");
    if (da) mlip_axpy(da, 1.0f, dout, n);
    if (db) mlip_axpy(db, 1.0f, dout, n);
    return MLIP_OK;
}

/* ---- L2 normalisation ---- */

MLIPDEF mlip_status mlip_l2norm_forward(float *out, float *norm, const float *inp, int rows, int C,
                                        float eps) {
    int r, i;
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(inp);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    if (!(eps > 0.0f))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_l2norm_forward: eps must be > 0");
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
    MLIP__CHECK_PTR(dinp);
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(norm);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    for (r = 0; r < rows; r++) {
        const float *y = out + (size_t)r * C, *dy = dout + (size_t)r * C;
        float *dx = dinp + (size_t)r * C;
        /* y = x / |x|:  dx = (dy - y (y . dy)) / |x|, in double: dy is often nearly parallel to
           y. (When |x| was clamped to eps the direction term is not exact there, as in
           PyTorch's F.normalize.) */
        double dot = mlip_dot(y, dy, (size_t)C), inv = 1.0 / norm[r];
        for (i = 0; i < C; i++) dx[i] += (float)(((double)dy[i] - (double)y[i] * dot) * inv);
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

MLIPDEF mlip_status mlip_cross_entropy_forward(float *losses, float *probs, const float *logits,
                                               const int *targets, int rows, int C) {
    int r, i;
    MLIP__CHECK_PTR(losses);
    MLIP__CHECK_PTR(probs);
    MLIP__CHECK_PTR(logits);
    MLIP__CHECK_PTR(targets);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    MLIP__TRY(mlip__check_targets("mlip_cross_entropy_forward", targets, rows, C));
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
                                                const float *probs, const int *targets, int rows,
                                                int C) {
    int r, i;
    MLIP__CHECK_PTR(dlogits);
    MLIP__CHECK_PTR(dlosses);
    MLIP__CHECK_PTR(probs);
    MLIP__CHECK_PTR(targets);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    MLIP__TRY(mlip__check_targets("mlip_cross_entropy_backward", targets, rows, C));
    for (r = 0; r < rows; r++) {
        const float *p = probs + (size_t)r * C;
        float *dz = dlogits + (size_t)r * C, g = dlosses[r];
        if (targets[r] < 0) continue;
        for (i = 0; i < C; i++) dz[i] += g * (p[i] - (i == targets[r] ? 1.0f : 0.0f));
    }
    return MLIP_OK;
}

/* ---- mean pooling over spans ---- */

static mlip_status mlip__check_spans(const char *who, const int *begin, const int *end, int n_spans,
                                     int rows) {
    int s;
    for (s = 0; s < n_spans; s++)
        if (begin[s] < 0 || end[s] > rows || begin[s] >= end[s])
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "%s: span %d [%d, %d) is empty or outside [0, %d)", who, s, begin[s],
                              end[s], rows);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_span_mean_forward(float *out, const float *inp, const int *begin,
                                           const int *end, int n_spans, int rows, int C) {
    int s, r;
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(inp);
    MLIP__CHECK_PTR(begin);
    MLIP__CHECK_PTR(end);
    MLIP__CHECK_POS(n_spans);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    MLIP__TRY(mlip__check_spans("mlip_span_mean_forward", begin, end, n_spans, rows));
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
    MLIP__CHECK_PTR(dinp);
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_PTR(begin);
    MLIP__CHECK_PTR(end);
    MLIP__CHECK_POS(n_spans);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(C);
    MLIP__TRY(mlip__check_spans("mlip_span_mean_backward", begin, end, n_spans, rows));
    for (s = 0; s < n_spans; s++) {
        float w = 1.0f / (float)(end[s] - begin[s]);
        for (r = begin[s]; r < end[s]; r++)
            mlip_axpy(dinp + (size_t)r * C, w, dout + (size_t)s * C, (size_t)C);
    }
    return MLIP_OK;
}

/* ======================================================================================
   5. Encoders
   ====================================================================================== */

MLIPDEF mlip_vit_config mlip_vit_config_tiny(void) {
    mlip_vit_config c = {64, 8, 1, 128, 4, 4, 512, 1e-6f, MLIP_GELU_ERF, 0, MLIP_POOL_CLS, 0};
    return c;
}
MLIPDEF mlip_vit_config mlip_vit_config_small(void) {
    mlip_vit_config c = {224, 16, 1, 384, 12, 6, 1536, 1e-6f, MLIP_GELU_ERF, 0, MLIP_POOL_CLS, 0};
    return c;
}
MLIPDEF mlip_vit_config mlip_vit_config_base(void) {
    mlip_vit_config c = {224, 16, 3, 768, 12, 12, 3072, 1e-12f, MLIP_GELU_ERF, 0, MLIP_POOL_CLS, 0};
    return c;
}
MLIPDEF mlip_bert_config mlip_bert_config_tiny(int vocab_size) {
    mlip_bert_config c = {0, 128, 2, 128, 4, 4, 512, 1e-12f, MLIP_TEXT_BERT, MLIP_GELU_ERF};
    c.vocab_size = vocab_size;
    return c;
}
MLIPDEF mlip_bert_config mlip_bert_config_small(int vocab_size) {
    mlip_bert_config c = {0, 512, 2, 384, 6, 6, 1536, 1e-12f, MLIP_TEXT_BERT, MLIP_GELU_ERF};
    c.vocab_size = vocab_size;
    return c;
}
MLIPDEF mlip_bert_config mlip_bert_config_base(void) {
    mlip_bert_config c = {30522, 512, 2, 768, 12, 12, 3072, 1e-12f, MLIP_TEXT_BERT, MLIP_GELU_ERF};
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
    /* ViT (in the MIP decoder, cls is the mask_token and vit_pos its positions) */
    float *patch_w, *patch_b, *cls, *vit_pos, *final_w, *final_b; /* final: also CLIP text */
    float *pre_w, *pre_b; /* CLIP's pre_layrnorm (vit.pre_norm) */
    float *dec_embed_w, *dec_embed_b, *dec_pred_w, *dec_pred_b; /* MIP decoder */
    float *word, *position, *token_type, *emb_ln_w, *emb_ln_b; /* BERT */
    mlip__block *blocks; /* layers of them */
} mlip__views;

/* What one block keeps for backward (training) or uses as scratch (inference). */
typedef struct mlip__block_acts {
    float *ln1, *ln1_mean, *ln1_rstd, *qkv, *att, *attn, *res1;
    float *ln2, *ln2_mean, *ln2_rstd, *fc, *gelu, *res2, *out;
} mlip__block_acts;

struct mlip_encoder {
    int is_vit;
    int is_decoder; /* the MIP decoder (section 9): pre-LN blocks over 1 + K tokens */
    mlip_vit_config vit;
    mlip_bert_config bert;
    int width, layers, heads, mlp_dim, pre_ln;
    int causal; /* CLIP text: causal attention */
    mlip_gelu_kind gelu;
    float eps;
    mlip_param_info *params;
    int n_params;
    size_t n_weights;
    float *weights, *grads; /* the parameter and gradient arenas */
    int weights_external; /* weights belong to the caller (mlip_encoder_use_weights) */
    mlip__views w, g; /* views of each (g only once grads exist) */
    /* the activation arena, sized for the largest (B, T, training) seen so far */
    float *acts;
    size_t acts_cap;
    /* visible patches (ViT) or ids + type ids (BERT) of the last training forward */
    int *saved_idx;
    size_t idx_cap;
    int last_B, last_T, last_n, has_training_forward;
    int img_h, img_w; /* ViT input size (the trained size unless set otherwise) */
    float *pos_cur, *pos_tmp; /* interpolated position embeddings and their scratch */
    float *interp_y, *interp_x; /* bicubic weights: (new grid rows, trained rows), columns */
    mlip__block_acts *la; /* per layer (training) or one shared set (inference) */
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
    const char *layer_prefix; /* "encoder.layer" (NULL) or "decoder_layers" */
} mlip__layout;

static float *mlip__lay(mlip__layout *L, const char *name, int decay, int nd, int d0, int d1,
                        int d2, int d3) {
    size_t count = (size_t)d0 * (size_t)(nd > 1 ? d1 : 1) * (size_t)(nd > 2 ? d2 : 1) *
                   (size_t)(nd > 3 ? d3 : 1);
    float *p = L->base ? L->base + L->offset : NULL;
    if (L->table) {
        mlip_param_info *t = &L->table[L->n];
        memset(t, 0, sizeof *t);
        snprintf(t->name, sizeof t->name, "%s", name);
        t->ndim = nd;
        t->shape[0] = d0;
        t->shape[1] = d1;
        t->shape[2] = d2;
        t->shape[3] = d3;
        t->offset = L->offset;
        t->count = count;
        t->decay = decay;
    }
    L->n++;
    L->offset += (count + 15) / 16 * 16; /* every tensor starts 64-byte aligned */
    return p;
}

/* "encoder.layer.<l>.<what>.weight" and ".bias": a linear layer (weight rows x cols, decayed)
   when is_linear, else a LayerNorm (rows values each). */
static void mlip__lay_pair(mlip__layout *L, int l, const char *what, float **w, float **b,
                           int is_linear, int rows, int cols) {
    char name[72];
    const char *prefix = L->layer_prefix ? L->layer_prefix : "encoder.layer";
    snprintf(name, sizeof name, "%s.%d.%s.weight", prefix, l, what);
    *w = is_linear ? mlip__lay(L, name, 1, 2, rows, cols, 0, 0)
                   : mlip__lay(L, name, 0, 1, rows, 0, 0, 0);
    snprintf(name, sizeof name, "%s.%d.%s.bias", prefix, l, what);
    *b = mlip__lay(L, name, 0, 1, rows, 0, 0, 0);
}

static void mlip__encoder_layout(const mlip_encoder *e, mlip__layout *L, mlip__views *v) {
    int D = e->width, M = e->mlp_dim, l;
    mlip__views none;
    mlip__block *b;
    if (!v) {
        v = &none;
        memset(&none, 0, sizeof none);
    }
    if (e->is_decoder) { /* HF ViTMAEDecoder's names; the blocks are ViT blocks */
        int K = mlip__patch_count(e->vit.image_size, e->vit.image_size, e->vit.patch_size);
        v->dec_embed_w = mlip__lay(L, "decoder_embed.weight", 1, 2, D, e->vit.width, 0, 0);
        v->dec_embed_b = mlip__lay(L, "decoder_embed.bias", 0, 1, D, 0, 0, 0);
        v->cls = mlip__lay(L, "mask_token", 0, 3, 1, 1, D, 0);
        v->vit_pos = mlip__lay(L, "decoder_pos_embed", 0, 3, 1, K + 1, D, 0);
        L->layer_prefix = "decoder_layers";
    } else if (e->is_vit) {
        int K = mlip__patch_count(e->vit.image_size, e->vit.image_size, e->vit.patch_size),
            P = e->vit.patch_size;
        v->cls = mlip__lay(L, "embeddings.cls_token", 0, 3, 1, 1, D, 0);
        v->vit_pos = mlip__lay(L, "embeddings.position_embeddings", 0, 3, 1, K + 1, D, 0);
        v->patch_w = mlip__lay(L, "embeddings.patch_embeddings.projection.weight", 1, 4, D,
                               e->vit.channels, P, P);
        v->patch_b = mlip__lay(L, "embeddings.patch_embeddings.projection.bias", 0, 1, D, 0, 0, 0);
        if (e->vit.pre_norm) {
            v->pre_w = mlip__lay(L, "pre_layernorm.weight", 0, 1, D, 0, 0, 0);
            v->pre_b = mlip__lay(L, "pre_layernorm.bias", 0, 1, D, 0, 0, 0);
        }
    } else if (e->bert.kind == MLIP_TEXT_CLIP) { /* no token types, no embedding norm */
        v->word =
            mlip__lay(L, "embeddings.word_embeddings.weight", 1, 2, e->bert.vocab_size, D, 0, 0);
        v->position = mlip__lay(L, "embeddings.position_embeddings.weight", 1, 2,
                                e->bert.max_positions, D, 0, 0);
    } else {
        v->word =
            mlip__lay(L, "embeddings.word_embeddings.weight", 1, 2, e->bert.vocab_size, D, 0, 0);
        v->position = mlip__lay(L, "embeddings.position_embeddings.weight", 1, 2,
                                e->bert.max_positions, D, 0, 0);
        v->token_type = mlip__lay(L, "embeddings.token_type_embeddings.weight", 1, 2,
                                  e->bert.type_vocab_size, D, 0, 0);
        v->emb_ln_w = mlip__lay(L, "embeddings.LayerNorm.weight", 0, 1, D, 0, 0, 0);
        v->emb_ln_b = mlip__lay(L, "embeddings.LayerNorm.bias", 0, 1, D, 0, 0, 0);
    }
    for (l = 0; l < e->layers; l++) {
        mlip__block dummy;
        b = v->blocks ? &v->blocks[l] : &dummy;
        /* HF's names, in the order of the computation: ViTLayer (pre-LN) or BertLayer */
        if (e->pre_ln) {
            mlip__lay_pair(L, l, "layernorm_before", &b->ln1_w, &b->ln1_b, 0, D, 0);
            mlip__lay_pair(L, l, "attention.attention.query", &b->q_w, &b->q_b, 1, D, D);
            mlip__lay_pair(L, l, "attention.attention.key", &b->k_w, &b->k_b, 1, D, D);
            mlip__lay_pair(L, l, "attention.attention.value", &b->v_w, &b->v_b, 1, D, D);
            mlip__lay_pair(L, l, "attention.output.dense", &b->o_w, &b->o_b, 1, D, D);
            mlip__lay_pair(L, l, "layernorm_after", &b->ln2_w, &b->ln2_b, 0, D, 0);
            mlip__lay_pair(L, l, "intermediate.dense", &b->fc_w, &b->fc_b, 1, M, D);
            mlip__lay_pair(L, l, "output.dense", &b->out_w, &b->out_b, 1, D, M);
        } else {
            mlip__lay_pair(L, l, "attention.self.query", &b->q_w, &b->q_b, 1, D, D);
            mlip__lay_pair(L, l, "attention.self.key", &b->k_w, &b->k_b, 1, D, D);
            mlip__lay_pair(L, l, "attention.self.value", &b->v_w, &b->v_b, 1, D, D);
            mlip__lay_pair(L, l, "attention.output.dense", &b->o_w, &b->o_b, 1, D, D);
            mlip__lay_pair(L, l, "attention.output.LayerNorm", &b->ln1_w, &b->ln1_b, 0, D, 0);
            mlip__lay_pair(L, l, "intermediate.dense", &b->fc_w, &b->fc_b, 1, M, D);
            mlip__lay_pair(L, l, "output.dense", &b->out_w, &b->out_b, 1, D, M);
            mlip__lay_pair(L, l, "output.LayerNorm", &b->ln2_w, &b->ln2_b, 0, D, 0);
        }
    }
    if (e->is_decoder) {
        int ppc = e->vit.channels * e->vit.patch_size * e->vit.patch_size;
        v->final_w = mlip__lay(L, "decoder_norm.weight", 0, 1, D, 0, 0, 0);
        v->final_b = mlip__lay(L, "decoder_norm.bias", 0, 1, D, 0, 0, 0);
        v->dec_pred_w = mlip__lay(L, "decoder_pred.weight", 1, 2, ppc, D, 0, 0);
        v->dec_pred_b = mlip__lay(L, "decoder_pred.bias", 0, 1, ppc, 0, 0, 0);
        L->layer_prefix = NULL;
    } else if (e->is_vit) {
        v->final_w = mlip__lay(L, "layernorm.weight", 0, 1, D, 0, 0, 0);
        v->final_b = mlip__lay(L, "layernorm.bias", 0, 1, D, 0, 0, 0);
    } else if (e->bert.kind == MLIP_TEXT_CLIP) {
        v->final_w = mlip__lay(L, "final_layernorm.weight", 0, 1, D, 0, 0, 0);
        v->final_b = mlip__lay(L, "final_layernorm.bias", 0, 1, D, 0, 0, 0);
    }
}

/* Shared by both constructors once the kind-specific fields are set. */
static mlip_status mlip__encoder_build(mlip_encoder *e, double total_floats_estimate) {
    mlip__layout L;
    if (e->width <= 0 || e->layers <= 0 || e->heads <= 0 || e->mlp_dim <= 0 || e->width % e->heads)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "encoder config: width %d, layers %d, heads %d, mlp %d "
                          "(all positive, width a multiple of heads)",
                          e->width, e->layers, e->heads, e->mlp_dim);
    if (!(e->eps > 0.0f))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "encoder config: ln_eps must be > 0");
    if (total_floats_estimate > 1e11 || e->layers > 4096 || e->width > (1 << 20) ||
        e->mlp_dim > (1 << 22))
        return mlip__fail(MLIP_ERR_OVERFLOW, "encoder config: %.3g parameters is too large",
                          total_floats_estimate);
    memset(&L, 0, sizeof L);
    mlip__encoder_layout(e, &L, NULL); /* count */
    e->n_params = L.n;
    e->n_weights = L.offset;
    e->params = (mlip_param_info *)mlip_alloc_zeroed((size_t)L.n, sizeof(mlip_param_info));
    e->w.blocks = (mlip__block *)mlip_alloc_zeroed((size_t)e->layers, sizeof(mlip__block));
    e->weights = (float *)mlip_alloc_zeroed(e->n_weights, sizeof(float));
    if (!e->params || !e->w.blocks || !e->weights) return MLIP_ERR_OUT_OF_MEMORY;
    memset(&L, 0, sizeof L);
    L.base = e->weights;
    L.table = e->params;
    mlip__encoder_layout(e, &L, &e->w);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_vit_create(const mlip_vit_config *config, mlip_encoder **out) {
    mlip_encoder *e;
    mlip_status st;
    const mlip_vit_config *c = config;
    MLIP__CHECK_PTR(config);
    MLIP__CHECK_PTR(out);
    *out = NULL;
    if (c->patch_size <= 0 || c->image_size <= 0 || c->image_size % c->patch_size ||
        c->channels < 1 || c->channels > 4 || c->image_size > 65536)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "vit config: image %d, patch %d, channels %d (image a multiple "
                          "of patch, 1-4 channels)",
                          c->image_size, c->patch_size, c->channels);
    if ((unsigned)c->gelu > MLIP_GELU_QUICK || (unsigned)c->pre_norm > 1 ||
        (c->pool != MLIP_POOL_CLS && c->pool != MLIP_POOL_AVG) || (unsigned)c->fc_norm > 1 ||
        (c->fc_norm && c->pool != MLIP_POOL_AVG))
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "vit config: gelu %d, pre_norm %d, pool %d, fc_norm %d (fc_norm only "
                          "with average pooling)",
                          (int)c->gelu, c->pre_norm, (int)c->pool, c->fc_norm);
    e = (mlip_encoder *)mlip_alloc_zeroed(1, sizeof *e);
    if (!e) return MLIP_ERR_OUT_OF_MEMORY;
    e->is_vit = 1;
    e->vit = *c;
    e->gelu = c->gelu;
    e->pre_ln = 1;
    e->img_h = e->img_w = c->image_size;
    e->width = c->width;
    e->layers = c->layers;
    e->heads = c->heads;
    e->mlp_dim = c->mlp_dim;
    e->eps = c->ln_eps;
    st = mlip__encoder_build(
        e, (double)c->layers * (4.0 * c->width * c->width + 2.0 * c->width * c->mlp_dim) +
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
    MLIP__CHECK_PTR(config);
    MLIP__CHECK_PTR(out);
    *out = NULL;
    if ((unsigned)c->kind > MLIP_TEXT_CLIP || (unsigned)c->gelu > MLIP_GELU_QUICK)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "bert config: kind %d, gelu %d unknown",
                          (int)c->kind, (int)c->gelu);
    if (c->vocab_size <= 0 || c->max_positions <= 0 ||
        (c->kind == MLIP_TEXT_BERT && c->type_vocab_size <= 0))
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "bert config: vocab %d, positions %d, types %d must be positive",
                          c->vocab_size, c->max_positions, c->type_vocab_size);
    e = (mlip_encoder *)mlip_alloc_zeroed(1, sizeof *e);
    if (!e) return MLIP_ERR_OUT_OF_MEMORY;
    e->is_vit = 0;
    e->bert = *c;
    if (c->kind == MLIP_TEXT_CLIP) e->bert.type_vocab_size = 0;
    e->gelu = c->gelu;
    e->pre_ln = c->kind == MLIP_TEXT_CLIP;
    e->causal = c->kind == MLIP_TEXT_CLIP;
    e->width = c->width;
    e->layers = c->layers;
    e->heads = c->heads;
    e->mlp_dim = c->mlp_dim;
    e->eps = c->ln_eps;
    st = mlip__encoder_build(
        e, (double)c->layers * (4.0 * c->width * c->width + 2.0 * c->width * c->mlp_dim) +
               ((double)c->vocab_size + c->max_positions + c->type_vocab_size) * c->width);
    if (st) {
        mlip_encoder_free(e);
        return st;
    }
    *out = e;
    return MLIP_OK;
}

/* The resized position embeddings and their interpolation tables (mlip_vit_set_image_size),
   freed and forgotten. */
static void mlip__vit_free_resize(mlip_encoder *e) {
    mlip_free(e->pos_cur);
    mlip_free(e->pos_tmp);
    mlip_free(e->interp_y);
    mlip_free(e->interp_x);
    e->pos_cur = e->pos_tmp = e->interp_y = e->interp_x = NULL;
}

MLIPDEF void mlip_encoder_free(mlip_encoder *e) {
    if (!e) return;
    if (!e->weights_external) mlip_free(e->weights);
    mlip_free(e->params);
    mlip_free(e->grads);
    mlip_free(e->acts);
    mlip_free(e->w.blocks);
    mlip_free(e->g.blocks);
    mlip_free(e->la);
    mlip_free(e->saved_idx);
    mlip__vit_free_resize(e);
    mlip_free(e);
}

MLIPDEF void mlip_encoder_init_random(mlip_encoder *e, uint64_t seed) {
    mlip_rng rng;
    int i;
    size_t j;
    if (!e) return;
    if (e->weights_external) return; /* read-only weights */
    mlip_rng_seed(&rng, seed, 0x6d6c6970u);
    memset(e->weights, 0, sizeof(float) * e->n_weights);
    for (i = 0; i < e->n_params; i++) {
        const mlip_param_info *p = &e->params[i];
        float *x = e->weights + p->offset;
        int is_norm = strstr(p->name, "LayerNorm.weight") || strstr(p->name, "layernorm") ||
                              strstr(p->name, "_norm.")
                          ? 1
                          : 0;
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

MLIPDEF mlip_status mlip_encoder_use_weights(mlip_encoder *e, const float *weights) {
    mlip__layout L;
    MLIP__CHECK_PTR(e);
    MLIP__CHECK_PTR(weights);
    if ((uintptr_t)weights % 64)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_encoder_use_weights: weights must be 64-byte aligned");
    if (!e->weights_external) mlip_free(e->weights);
    e->weights = (float *)(uintptr_t)weights; /* never written through: see weights_external */
    e->weights_external = 1;
    memset(&L, 0, sizeof L);
    L.base = e->weights;
    mlip__encoder_layout(e, &L, &e->w);
    return MLIP_OK;
}

/* The gradient arena and its views, made on the first backward. */
static mlip_status mlip__encoder_grads(mlip_encoder *e) {
    mlip__layout L;
    if (e->grads) return MLIP_OK;
    e->grads = (float *)mlip_alloc_zeroed(e->n_weights, sizeof(float));
    e->g.blocks = (mlip__block *)mlip_alloc_zeroed((size_t)e->layers, sizeof(mlip__block));
    if (!e->grads || !e->g.blocks) {
        mlip_free(e->grads);
        mlip_free(e->g.blocks);
        e->grads = NULL;
        e->g.blocks = NULL;
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

static size_t mlip__acts_walk(mlip_encoder *e, int B, int T, int n_patches, int training,
                              float *base) {
    size_t rows = (size_t)B * T, D = (size_t)e->width, M = (size_t)e->mlp_dim, total = 0;
    int l, n_sets = training ? e->layers : 1;
    float *cur = base;
    e->x0 = mlip__act(&cur, &total, rows * D);
    e->emb = mlip__act(&cur, &total, e->is_vit ? (size_t)B * n_patches * D : rows * D);
    e->emb_mean = mlip__act(&cur, &total, rows);
    e->emb_rstd = mlip__act(&cur, &total, rows);
    e->fin_mean = mlip__act(&cur, &total, rows);
    e->fin_rstd = mlip__act(&cur, &total, rows);
    e->patches = mlip__act(&cur, &total,
                           e->is_vit ? (size_t)B * n_patches * e->vit.channels * e->vit.patch_size *
                                           e->vit.patch_size
                                     : 0);
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
static mlip_status mlip__block_forward(const mlip_encoder *e, const mlip__block *p,
                                       mlip__block_acts *a, const float *x, const uint8_t *mask,
                                       int B, int T) {
    int rows = B * T, D = e->width, M = e->mlp_dim, D3 = 3 * e->width;
    size_t n = (size_t)rows * D;
    const float *attn_in = x;
    if (e->pre_ln) {
        MLIP__TRY(mlip_layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, x, p->ln1_w, p->ln1_b,
                                         rows, D, e->eps));
        attn_in = a->ln1;
    }
    MLIP__TRY(mlip__linear(a->qkv, D3, attn_in, D, p->q_w, p->q_b, rows, D, D, 0));
    MLIP__TRY(mlip__linear(a->qkv + D, D3, attn_in, D, p->k_w, p->k_b, rows, D, D, 0));
    MLIP__TRY(mlip__linear(a->qkv + 2 * D, D3, attn_in, D, p->v_w, p->v_b, rows, D, D, 0));
    MLIP__TRY(mlip__attention_forward("attention", a->attn, a->att, a->qkv, mask, B, T, D, e->heads,
                                      e->causal));
    memcpy(a->res1, x, sizeof(float) * n); /* residual: the projection accumulates onto x */
    MLIP__TRY(mlip__linear(a->res1, D, a->attn, D, p->o_w, p->o_b, rows, D, D, 1));
    if (e->pre_ln) {
        MLIP__TRY(mlip_layernorm_forward(a->ln2, a->ln2_mean, a->ln2_rstd, a->res1, p->ln2_w,
                                         p->ln2_b, rows, D, e->eps));
        MLIP__TRY(mlip__linear(a->fc, M, a->ln2, D, p->fc_w, p->fc_b, rows, D, M, 0));
        MLIP__TRY(mlip_gelu_forward(a->gelu, a->fc, (size_t)rows * M, e->gelu));
        memcpy(a->res2, a->res1, sizeof(float) * n);
        MLIP__TRY(mlip__linear(a->res2, D, a->gelu, M, p->out_w, p->out_b, rows, M, D, 1));
        if (a->out != a->res2) memcpy(a->out, a->res2, sizeof(float) * n);
    } else {
        MLIP__TRY(mlip_layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, a->res1, p->ln1_w,
                                         p->ln1_b, rows, D, e->eps));
        MLIP__TRY(mlip__linear(a->fc, M, a->ln1, D, p->fc_w, p->fc_b, rows, D, M, 0));
        MLIP__TRY(mlip_gelu_forward(a->gelu, a->fc, (size_t)rows * M, e->gelu));
        memcpy(a->res2, a->ln1, sizeof(float) * n);
        MLIP__TRY(mlip__linear(a->res2, D, a->gelu, M, p->out_w, p->out_b, rows, M, D, 1));
        MLIP__TRY(mlip_layernorm_forward(a->out, a->ln2_mean, a->ln2_rstd, a->res2, p->ln2_w,
                                         p->ln2_b, rows, D, e->eps));
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
        MLIP__TRY(mlip__linear_backward(e->d_gelu, M, g->out_w, g->out_b, dy, D, a->gelu, M,
                                        p->out_w, rows, M, D));
        memset(e->d_fc, 0, sizeof(float) * nm);
        MLIP__TRY(mlip_gelu_backward(e->d_fc, a->fc, e->d_gelu, nm, e->gelu));
        memset(e->d_ln, 0, sizeof(float) * n);
        MLIP__TRY(mlip__linear_backward(e->d_ln, D, g->fc_w, g->fc_b, e->d_fc, M, a->ln2, D,
                                        p->fc_w, rows, D, M));
        MLIP__TRY(mlip_layernorm_backward(d_res1, g->ln2_w, g->ln2_b, e->d_ln, a->res1, p->ln2_w,
                                          a->ln2_mean, a->ln2_rstd, rows, D));
    } else {
        /* out = LN2(ln1 + MLP(ln1)), ln1 = LN1(res1) */
        float *d_res2 = e->d_attn; /* free until the attention part below */
        memset(d_res2, 0, sizeof(float) * n);
        MLIP__TRY(mlip_layernorm_backward(d_res2, g->ln2_w, g->ln2_b, dy, a->res2, p->ln2_w,
                                          a->ln2_mean, a->ln2_rstd, rows, D));
        memcpy(e->d_ln, d_res2, sizeof(float) * n);
        memset(e->d_gelu, 0, sizeof(float) * nm);
        MLIP__TRY(mlip__linear_backward(e->d_gelu, M, g->out_w, g->out_b, d_res2, D, a->gelu, M,
                                        p->out_w, rows, M, D));
        memset(e->d_fc, 0, sizeof(float) * nm);
        MLIP__TRY(mlip_gelu_backward(e->d_fc, a->fc, e->d_gelu, nm, e->gelu));
        MLIP__TRY(mlip__linear_backward(e->d_ln, D, g->fc_w, g->fc_b, e->d_fc, M, a->ln1, D,
                                        p->fc_w, rows, D, M));
        memset(d_res1, 0, sizeof(float) * n);
        MLIP__TRY(mlip_layernorm_backward(d_res1, g->ln1_w, g->ln1_b, e->d_ln, a->res1, p->ln1_w,
                                          a->ln1_mean, a->ln1_rstd, rows, D));
    }
    /* res1 = x + attn . Wo^T + bo */
    for (i = 0; i < (int)n; i++) dx[i] += d_res1[i];
    memset(e->d_attn, 0, sizeof(float) * n);
    MLIP__TRY(mlip__linear_backward(e->d_attn, D, g->o_w, g->o_b, d_res1, D, a->attn, D, p->o_w,
                                    rows, D, D));
    memset(e->d_qkv, 0, sizeof(float) * (size_t)rows * D3);
    MLIP__TRY(mlip_attention_backward(e->d_qkv, e->d_attn, a->qkv, a->att, B, T, D, e->heads));
    /* q, k, v came from attn_in: LN1(x) (pre-LN) or x itself (post-LN) */
    d_attn_in = e->pre_ln ? e->d_ln : dx;
    if (e->pre_ln) memset(e->d_ln, 0, sizeof(float) * n);
    MLIP__TRY(mlip__linear_backward(d_attn_in, D, g->q_w, g->q_b, e->d_qkv, D3, attn_in, D, p->q_w,
                                    rows, D, D));
    MLIP__TRY(mlip__linear_backward(d_attn_in, D, g->k_w, g->k_b, e->d_qkv + D, D3, attn_in, D,
                                    p->k_w, rows, D, D));
    MLIP__TRY(mlip__linear_backward(d_attn_in, D, g->v_w, g->v_b, e->d_qkv + 2 * D, D3, attn_in, D,
                                    p->v_w, rows, D, D));
    if (e->pre_ln)
        MLIP__TRY(mlip_layernorm_backward(dx, g->ln1_w, g->ln1_b, e->d_ln, x, p->ln1_w, a->ln1_mean,
                                          a->ln1_rstd, rows, D));
    return MLIP_OK;
}

/* Run the stack from e->x0; training keeps every layer, inference works in place in x0.
   Returns the last layer's output. */
static mlip_status mlip__stack_forward(mlip_encoder *e, const uint8_t *mask, int B, int T,
                                       int training, const float **last) {
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
static mlip_status mlip__stack_backward(mlip_encoder *e, const float *dlast, int B, int T,
                                        float **dx0) {
    size_t n = (size_t)B * T * e->width;
    float *dy = e->d_a, *dx = e->d_b, *t;
    int l;
    if (dlast != dy) memcpy(dy, dlast, sizeof(float) * n);
    for (l = e->layers - 1; l >= 0; l--) {
        const float *x = l ? e->la[l - 1].out : e->x0;
        memset(dx, 0, sizeof(float) * n);
        MLIP__TRY(
            mlip__block_backward(e, &e->w.blocks[l], &e->g.blocks[l], &e->la[l], x, dy, dx, B, T));
        t = dy;
        dy = dx;
        dx = t;
    }
    *dx0 = dy;
    return MLIP_OK;
}

/* ---- ViT ---- */

/* Unfold the chosen patches of img into rows of (channels, P, P) pixels. */
static void mlip__vit_patches(const mlip_encoder *e, const float *img, int B, const int *visible,
                              int n, float *patches) {
    int C = e->vit.channels, P = e->vit.patch_size, H = e->img_h, S = e->img_w, GW = S / P, b, j, c,
        py;
    size_t cpp = (size_t)C * P * P;
    for (b = 0; b < B; b++)
        for (j = 0; j < n; j++) {
            int k = visible ? visible[(size_t)b * n + j] : j, ky = k / GW, kx = k % GW;
            float *dst = patches + ((size_t)b * n + j) * cpp;
            for (c = 0; c < C; c++)
                for (py = 0; py < P; py++)
                    memcpy(dst + ((size_t)c * P + py) * P,
                           img + (((size_t)b * C + c) * H + (size_t)ky * P + py) * S +
                               (size_t)kx * P,
                           sizeof(float) * P);
        }
}

/* PyTorch's bicubic resampling weights along one axis (align_corners = False, A = -0.75):
   out[o] = sum_i W[o][i] in[i], taps clamped at the borders. */
static void mlip__bicubic_weights(float *W, int n_out, int n_in) {
    const double A = -0.75, scale = (double)n_in / n_out;
    int o, k;
    memset(W, 0, sizeof(float) * (size_t)n_out * n_in);
    for (o = 0; o < n_out; o++) {
        double x = (o + 0.5) * scale - 0.5, x0 = floor(x), t = x - x0, w[4];
        double t1 = t + 1, t2 = 1 - t, t3 = 2 - t;
        w[0] = ((A * t1 - 5 * A) * t1 + 8 * A) * t1 - 4 * A;
        w[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
        w[2] = ((A + 2) * t2 - (A + 3)) * t2 * t2 + 1;
        w[3] = ((A * t3 - 5 * A) * t3 + 8 * A) * t3 - 4 * A;
        for (k = 0; k < 4; k++) {
            int i = (int)x0 - 1 + k;
            i = i < 0 ? 0 : (i > n_in - 1 ? n_in - 1 : i);
            W[(size_t)o * n_in + i] += (float)w[k];
        }
    }
}

MLIPDEF mlip_status mlip_vit_set_image_size(mlip_encoder *e, int height, int width) {
    int P, G0, GH, GW;
    size_t D;
    MLIP__CHECK_PTR(e);
    if (!e->is_vit)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_vit_set_image_size: the encoder is a BERT");
    P = e->vit.patch_size;
    G0 = e->vit.image_size / P;
    D = (size_t)e->width;
    if (height <= 0 || width <= 0 || height % P || width % P || height > 65536 || width > 65536)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_vit_set_image_size: %dx%d is not a positive multiple of patch %d",
                          width, height, P);
    GH = height / P;
    GW = width / P;
    mlip__vit_free_resize(e);
    e->img_h = e->vit.image_size;
    e->img_w = e->vit.image_size;
    e->has_training_forward = 0;
    if (GH != G0 || GW != G0) {
        e->pos_cur = (float *)mlip_alloc_zeroed((size_t)(GH * GW + 1), D * sizeof(float));
        e->pos_tmp = (float *)mlip_alloc_zeroed((size_t)G0 * GW, D * sizeof(float));
        e->interp_y = (float *)mlip_alloc_zeroed((size_t)GH * G0, sizeof(float));
        e->interp_x = (float *)mlip_alloc_zeroed((size_t)GW * G0, sizeof(float));
        if (!e->pos_cur || !e->pos_tmp || !e->interp_y || !e->interp_x)
            return MLIP_ERR_OUT_OF_MEMORY;
        mlip__bicubic_weights(e->interp_y, GH, G0);
        mlip__bicubic_weights(e->interp_x, GW, G0);
    }
    e->img_h = height;
    e->img_w = width;
    return MLIP_OK;
}

/* pos_cur = resize(trained position embeddings), separably: columns first, then rows. */
static void mlip__vit_pos_forward(mlip_encoder *e) {
    int G0 = e->vit.image_size / e->vit.patch_size, GH = e->img_h / e->vit.patch_size,
        GW = e->img_w / e->vit.patch_size;
    int D = e->width, a, b, i, j;
    const float *old = e->w.vit_pos + D; /* skip [CLS] */
    memcpy(e->pos_cur, e->w.vit_pos, sizeof(float) * (size_t)D);
    memset(e->pos_tmp, 0, sizeof(float) * (size_t)G0 * GW * D);
    for (a = 0; a < G0; a++)
        for (j = 0; j < GW; j++)
            for (b = 0; b < G0; b++) {
                float w = e->interp_x[(size_t)j * G0 + b];
                if (w != 0.0f)
                    mlip_axpy(e->pos_tmp + ((size_t)a * GW + j) * D, w,
                              old + ((size_t)a * G0 + b) * D, (size_t)D);
            }
    memset(e->pos_cur + D, 0, sizeof(float) * (size_t)GH * GW * D);
    for (i = 0; i < GH; i++)
        for (a = 0; a < G0; a++) {
            float w = e->interp_y[(size_t)i * G0 + a];
            if (w != 0.0f)
                mlip_axpy(e->pos_cur + D + (size_t)i * GW * D, w, e->pos_tmp + (size_t)a * GW * D,
                          (size_t)GW * D);
        }
}

/* The transpose of mlip__vit_pos_forward: dpos_cur -> the trained embeddings' gradient. */
static void mlip__vit_pos_backward(mlip_encoder *e, const float *dcur) {
    int G0 = e->vit.image_size / e->vit.patch_size, GH = e->img_h / e->vit.patch_size,
        GW = e->img_w / e->vit.patch_size;
    int D = e->width, a, b, i, j;
    float *dold = e->g.vit_pos + D;
    mlip_axpy(e->g.vit_pos, 1.0f, dcur, (size_t)D);
    memset(e->pos_tmp, 0, sizeof(float) * (size_t)G0 * GW * D);
    for (i = 0; i < GH; i++)
        for (a = 0; a < G0; a++) {
            float w = e->interp_y[(size_t)i * G0 + a];
            if (w != 0.0f)
                mlip_axpy(e->pos_tmp + (size_t)a * GW * D, w, dcur + D + (size_t)i * GW * D,
                          (size_t)GW * D);
        }
    for (a = 0; a < G0; a++)
        for (j = 0; j < GW; j++)
            for (b = 0; b < G0; b++) {
                float w = e->interp_x[(size_t)j * G0 + b];
                if (w != 0.0f)
                    mlip_axpy(dold + ((size_t)a * G0 + b) * D, w,
                              e->pos_tmp + ((size_t)a * GW + j) * D, (size_t)D);
            }
}

/* e->saved_idx with room for need ints: what a training forward keeps for the backward. */
static mlip_status mlip__saved_idx_reserve(mlip_encoder *e, size_t need) {
    if (need <= e->idx_cap) return MLIP_OK;
    mlip_free(e->saved_idx);
    e->idx_cap = 0;
    e->saved_idx = (int *)mlip_alloc_zeroed(need, sizeof(int));
    if (!e->saved_idx) return MLIP_ERR_OUT_OF_MEMORY;
    e->idx_cap = need;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_vit_forward(mlip_encoder *e, const float *img, int B, const int *visible,
                                     int n_visible, int training, float *out) {
    int K, n, T, D, b, j, i, cpp;
    const float *last;
    MLIP__CHECK_PTR(e);
    MLIP__CHECK_PTR(img);
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_POS(B);
    if (!e->is_vit)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_vit_forward: the encoder is a BERT");
    if (training && e->weights_external)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "%s: these weights are read-only (mlip_encoder_use_weights)", __func__);
    if (training && (e->vit.pre_norm || e->vit.fc_norm))
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "%s: a ViT with pre_norm or fc_norm runs inference only", __func__);
    K = mlip__patch_count(e->img_h, e->img_w, e->vit.patch_size);
    n = visible ? n_visible : K;
    if (n < 1 || n > K)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_vit_forward: n_visible %d not in [1, %d]", n,
                          K);
    if ((double)B * (n + 1) * e->width > 1e12 || (double)B * (n + 1) > 0x7fffffff)
        return mlip__fail(MLIP_ERR_OVERFLOW, "mlip_vit_forward: batch %d too large", B);
    if (visible)
        for (i = 0; i < B * n; i++)
            if (visible[i] < 0 || visible[i] >= K)
                return mlip__fail(MLIP_ERR_INVALID_ARG,
                                  "mlip_vit_forward: visible[%d] = %d outside [0, %d)", i,
                                  visible[i], K);
    MLIP__TRY(mlip__check_finite(img, (size_t)B * e->vit.channels * e->img_h * e->img_w,
                                 "mlip_vit_forward: img"));
    T = n + 1;
    D = e->width;
    cpp = e->vit.channels * e->vit.patch_size * e->vit.patch_size;
    MLIP__TRY(mlip__acts_prepare(e, B, T, n, training));
    /* patch embedding of the visible patches only: masking saves this GEMM too */
    mlip__vit_patches(e, img, B, visible, n, e->patches);
    MLIP__TRY(
        mlip__linear(e->emb, D, e->patches, cpp, e->w.patch_w, e->w.patch_b, B * n, cpp, D, 0));
    if (e->pos_cur) mlip__vit_pos_forward(e); /* another image size: resize the positions */
    for (b = 0; b < B; b++) { /* tokens: [CLS] + pos[0], then patch + pos[1 + its index] */
        const float *pos0 = e->pos_cur ? e->pos_cur : e->w.vit_pos;
        float *x = e->x0 + (size_t)b * T * D;
        for (i = 0; i < D; i++) x[i] = e->w.cls[i] + pos0[i];
        for (j = 0; j < n; j++) {
            int k = visible ? visible[(size_t)b * n + j] : j;
            const float *pe = e->emb + ((size_t)b * n + j) * D, *pos = pos0 + (size_t)(1 + k) * D;
            float *xt = x + (size_t)(1 + j) * D;
            for (i = 0; i < D; i++) xt[i] = pe[i] + pos[i];
        }
    }
    if (e->vit.pre_norm)
        MLIP__TRY(mlip_layernorm_forward(e->x0, NULL, NULL, e->x0, e->w.pre_w, e->w.pre_b, B * T, D,
                                         e->eps));
    MLIP__TRY(mlip__stack_forward(e, NULL, B, T, training, &last));
    if (e->vit.fc_norm) /* the norm comes after the pooling (mlip_encoder_pool) */
        memcpy(out, last, sizeof(float) * (size_t)B * T * D);
    else
        MLIP__TRY(mlip_layernorm_forward(out, e->fin_mean, e->fin_rstd, last, e->w.final_w,
                                         e->w.final_b, B * T, D, e->eps));
    if (training) {
        MLIP__TRY(mlip__saved_idx_reserve(e, (size_t)B * n));
        for (i = 0; i < B * n; i++) e->saved_idx[i] = visible ? visible[i] : i % n;
        e->last_B = B;
        e->last_T = T;
        e->last_n = n;
        e->has_training_forward = 1;
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_vit_backward(mlip_encoder *e, const float *dout) {
    int B, T, n, D, b, j, i, cpp;
    float *dx0;
    MLIP__CHECK_PTR(e);
    MLIP__CHECK_PTR(dout);
    if (!e->is_vit || !e->has_training_forward)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_vit_backward: needs a training forward of this ViT first");
    B = e->last_B;
    T = e->last_T;
    n = e->last_n;
    D = e->width;
    cpp = e->vit.channels * e->vit.patch_size * e->vit.patch_size;
    MLIP__TRY(mlip__encoder_grads(e));
    memset(e->d_a, 0, sizeof(float) * (size_t)B * T * D);
    MLIP__TRY(mlip_layernorm_backward(e->d_a, e->g.final_w, e->g.final_b, dout,
                                      e->la[e->layers - 1].out, e->w.final_w, e->fin_mean,
                                      e->fin_rstd, B * T, D));
    MLIP__TRY(mlip__stack_backward(e, e->d_a, B, T, &dx0));
    /* undo the token assembly; with a resized grid the position gradient gathers in pos_cur
       first and then flows back through the interpolation */
    if (e->pos_cur)
        memset(e->pos_cur, 0,
               sizeof(float) *
                   ((size_t)mlip__patch_count(e->img_h, e->img_w, e->vit.patch_size) + 1) * D);
    for (b = 0; b < B; b++) {
        const float *dx = dx0 + (size_t)b * T * D;
        float *dpos0 = e->pos_cur ? e->pos_cur : e->g.vit_pos;
        for (i = 0; i < D; i++) {
            e->g.cls[i] += dx[i];
            dpos0[i] += dx[i];
        }
        for (j = 0; j < n; j++) {
            int k = e->saved_idx[(size_t)b * n + j];
            const float *dt = dx + (size_t)(1 + j) * D;
            float *dpos = dpos0 + (size_t)(1 + k) * D, *dpe = e->emb + ((size_t)b * n + j) * D;
            for (i = 0; i < D; i++) {
                dpos[i] += dt[i];
                dpe[i] = dt[i];
            }
        }
    }
    if (e->pos_cur)
        mlip__vit_pos_backward(e, e->pos_cur); /* pos_cur is recomputed at the next forward */
    return mlip__linear_backward(NULL, 0, e->g.patch_w, e->g.patch_b, e->emb, D, e->patches, cpp,
                                 NULL, B * n, cpp, D);
}

/* ---- BERT ---- */

MLIPDEF mlip_status mlip_bert_forward(mlip_encoder *e, const int *ids, const int *type_ids,
                                      const uint8_t *mask, int B, int T, int training, float *out) {
    int D, b, t, i;
    const float *last;
    MLIP__CHECK_PTR(e);
    MLIP__CHECK_PTR(ids);
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_POS(B);
    MLIP__CHECK_POS(T);
    if (e->is_vit)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_bert_forward: the encoder is a ViT");
    if (training && e->weights_external)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "%s: these weights are read-only (mlip_encoder_use_weights)", __func__);
    if (e->bert.kind == MLIP_TEXT_CLIP && (training || type_ids))
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "%s: a CLIP text transformer runs inference only, without type ids",
                          __func__);
    if (T > e->bert.max_positions)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_bert_forward: %d tokens > %d positions", T,
                          e->bert.max_positions);
    if ((double)B * T > 0x7fffffff / 4 || (double)B * T * e->width > 1e12)
        return mlip__fail(MLIP_ERR_OVERFLOW, "mlip_bert_forward: batch %d x %d too large", B, T);
    for (i = 0; i < B * T; i++) {
        if (ids[i] < 0 || ids[i] >= e->bert.vocab_size)
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "mlip_bert_forward: id %d at %d outside [0, %d)", ids[i], i,
                              e->bert.vocab_size);
        if (type_ids && (type_ids[i] < 0 || type_ids[i] >= e->bert.type_vocab_size))
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "mlip_bert_forward: type id %d at %d outside [0, %d)", type_ids[i], i,
                              e->bert.type_vocab_size);
    }
    D = e->width;
    MLIP__TRY(mlip__acts_prepare(e, B, T, 0, training));
    for (b = 0; b < B; b++)
        for (t = 0; t < T; t++) { /* word + position (+ token type) */
            size_t r = (size_t)b * T + t;
            const float *w = e->w.word + (size_t)ids[r] * D, *p = e->w.position + (size_t)t * D;
            float *x = (e->causal ? e->x0 : e->emb) + r * D;
            for (i = 0; i < D; i++) x[i] = w[i] + p[i];
            if (!e->causal)
                mlip_axpy(x, 1.0f, e->w.token_type + (size_t)(type_ids ? type_ids[r] : 0) * D,
                          (size_t)D);
        }
    if (!e->causal)
        MLIP__TRY(mlip_layernorm_forward(e->x0, e->emb_mean, e->emb_rstd, e->emb, e->w.emb_ln_w,
                                         e->w.emb_ln_b, B * T, D, e->eps));
    MLIP__TRY(mlip__stack_forward(e, mask, B, T, training, &last));
    if (e->causal)
        MLIP__TRY(mlip_layernorm_forward(out, NULL, NULL, last, e->w.final_w, e->w.final_b, B * T,
                                         D, e->eps));
    else
        memcpy(out, last, sizeof(float) * (size_t)B * T * D);
    if (training) {
        MLIP__TRY(mlip__saved_idx_reserve(e, (size_t)2 * B * T));
        for (i = 0; i < B * T; i++) {
            e->saved_idx[i] = ids[i];
            e->saved_idx[B * T + i] = type_ids ? type_ids[i] : 0;
        }
        e->last_B = B;
        e->last_T = T;
        e->has_training_forward = 1;
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_bert_backward(mlip_encoder *e, const float *dout) {
    int B, T, D, r, i;
    float *dx0;
    MLIP__CHECK_PTR(e);
    MLIP__CHECK_PTR(dout);
    if (e->is_vit || !e->has_training_forward)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_bert_backward: needs a training forward of this BERT first");
    B = e->last_B;
    T = e->last_T;
    D = e->width;
    MLIP__TRY(mlip__encoder_grads(e));
    MLIP__TRY(mlip__stack_backward(e, dout, B, T, &dx0));
    /* d emb, reusing the emb buffer (its forward values are no longer needed) */
    memset(e->d_ln, 0, sizeof(float) * (size_t)B * T * D);
    MLIP__TRY(mlip_layernorm_backward(e->d_ln, e->g.emb_ln_w, e->g.emb_ln_b, dx0, e->emb,
                                      e->w.emb_ln_w, e->emb_mean, e->emb_rstd, B * T, D));
    for (r = 0; r < B * T; r++) {
        const float *d = e->d_ln + (size_t)r * D;
        float *gw = e->g.word + (size_t)e->saved_idx[r] * D,
              *gp = e->g.position + (size_t)(r % T) * D;
        float *gt = e->g.token_type + (size_t)e->saved_idx[B * T + r] * D;
        for (i = 0; i < D; i++) {
            gw[i] += d[i];
            gp[i] += d[i];
            gt[i] += d[i];
        }
    }
    return MLIP_OK;
}

/* ---- pooling ---- */

MLIPDEF mlip_status mlip_encoder_pool(const mlip_encoder *e, const float *tokens, int B, int T,
                                      const uint8_t *mask, float *pooled) {
    int D, b, t;
    MLIP__CHECK_PTR(e);
    MLIP__CHECK_PTR(tokens);
    MLIP__CHECK_PTR(pooled);
    MLIP__CHECK_POS(B);
    MLIP__CHECK_POS(T);
    D = e->width;
    for (b = 0; b < B; b++) {
        const float *x = tokens + (size_t)b * T * D;
        float *y = pooled + (size_t)b * D;
        if (e->is_vit && e->vit.pool == MLIP_POOL_AVG) {
            if (T < 2) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: no patch token", __func__);
            memset(y, 0, sizeof(float) * (size_t)D);
            for (t = 1; t < T; t++) mlip_axpy(y, 1.0f, x + (size_t)t * D, (size_t)D);
            mlip_scale(y, 1.0f / (float)(T - 1), (size_t)D);
            if (e->vit.fc_norm)
                MLIP__TRY(mlip_layernorm_forward(y, NULL, NULL, y, e->w.final_w, e->w.final_b, 1, D,
                                                 e->eps));
        } else {
            int last = T - 1;
            while (mask && last > 0 && !mask[(size_t)b * T + last]) last--;
            mlip_copy(y, x + (size_t)(e->causal ? last : 0) * D, (size_t)D);
        }
    }
    return MLIP_OK;
}

/* ---- projection heads ---- */

MLIPDEF mlip_status mlip_projection_forward(float *out, float *proj, float *norm, const float *inp,
                                            const float *weight, const float *bias, int rows, int C,
                                            int D) {
    float *p = proj ? proj : out;
    MLIP__TRY(mlip_linear_forward(p, inp, weight, bias, rows, C, D));
    return mlip_l2norm_forward(out, norm, p, rows, D, 1e-12f);
}

MLIPDEF mlip_status mlip_projection_backward(float *dinp, float *dweight, float *dbias,
                                             const float *dout, const float *out, const float *norm,
                                             const float *inp, const float *weight, int rows, int C,
                                             int D) {
    float *dproj;
    mlip_status st;
    MLIP__CHECK_PTR(dout);
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(norm);
    MLIP__CHECK_POS(rows);
    MLIP__CHECK_POS(D);
    dproj = (float *)mlip_alloc_zeroed((size_t)rows, sizeof(float) * (size_t)D);
    if (!dproj) return MLIP_ERR_OUT_OF_MEMORY;
    st = mlip_l2norm_backward(dproj, dout, out, norm, rows, D);
    if (!st) st = mlip_linear_backward(dinp, dweight, dbias, dproj, inp, weight, rows, C, D);
    mlip_free(dproj);
    return st;
}

/* ======================================================================================
   6. Tokenizer
   ====================================================================================== */
/* A fold value with this bit set is (offset << 3 | length) into mlip__tok_fold_pool. */
#define MLIP__TOK_MULTI 0x80000000u
/* A named HTML entity: its code points, and flags (tools/gen_unicode_tables.py): 1 "&name;"
   is an HTML5 entity, 2 so is "&name" without ';', 4 only ftfy knows it (upper-cased). */
typedef struct mlip__tok_entity {
    const char *name;
    uint32_t cp[2];
    int flags;
} mlip__tok_entity;
/* clang-format off */
/* BEGIN GENERATED UNICODE TABLES (tools/gen_unicode_tables.py) */
/* Unicode 14.0.0 (Python 3.11 unicodedata). Do not edit by hand. */
static const uint32_t mlip__tok_punct_ranges[184][2] = {
    {0x21, 0x2F}, {0x3A, 0x40}, {0x5B, 0x60}, {0x7B, 0x7E}, {0xA1, 0xA1}, {0xA7, 0xA7},
    {0xAB, 0xAB}, {0xB6, 0xB7}, {0xBB, 0xBB}, {0xBF, 0xBF}, {0x37E, 0x37E}, {0x387, 0x387},
    {0x55A, 0x55F}, {0x589, 0x58A}, {0x5BE, 0x5BE}, {0x5C0, 0x5C0}, {0x5C3, 0x5C3}, {0x5C6, 0x5C6},
    {0x5F3, 0x5F4}, {0x609, 0x60A}, {0x60C, 0x60D}, {0x61B, 0x61B}, {0x61D, 0x61F}, {0x66A, 0x66D},
    {0x6D4, 0x6D4}, {0x700, 0x70D}, {0x7F7, 0x7F9}, {0x830, 0x83E}, {0x85E, 0x85E}, {0x964, 0x965},
    {0x970, 0x970}, {0x9FD, 0x9FD}, {0xA76, 0xA76}, {0xAF0, 0xAF0}, {0xC77, 0xC77}, {0xC84, 0xC84},
    {0xDF4, 0xDF4}, {0xE4F, 0xE4F}, {0xE5A, 0xE5B}, {0xF04, 0xF12}, {0xF14, 0xF14}, {0xF3A, 0xF3D},
    {0xF85, 0xF85}, {0xFD0, 0xFD4}, {0xFD9, 0xFDA}, {0x104A, 0x104F}, {0x10FB, 0x10FB},
    {0x1360, 0x1368}, {0x1400, 0x1400}, {0x166E, 0x166E}, {0x169B, 0x169C}, {0x16EB, 0x16ED},
    {0x1735, 0x1736}, {0x17D4, 0x17D6}, {0x17D8, 0x17DA}, {0x1800, 0x180A}, {0x1944, 0x1945},
    {0x1A1E, 0x1A1F}, {0x1AA0, 0x1AA6}, {0x1AA8, 0x1AAD}, {0x1B5A, 0x1B60}, {0x1B7D, 0x1B7E},
    {0x1BFC, 0x1BFF}, {0x1C3B, 0x1C3F}, {0x1C7E, 0x1C7F}, {0x1CC0, 0x1CC7}, {0x1CD3, 0x1CD3},
    {0x2010, 0x2027}, {0x2030, 0x2043}, {0x2045, 0x2051}, {0x2053, 0x205E}, {0x207D, 0x207E},
    {0x208D, 0x208E}, {0x2308, 0x230B}, {0x2329, 0x232A}, {0x2768, 0x2775}, {0x27C5, 0x27C6},
    {0x27E6, 0x27EF}, {0x2983, 0x2998}, {0x29D8, 0x29DB}, {0x29FC, 0x29FD}, {0x2CF9, 0x2CFC},
    {0x2CFE, 0x2CFF}, {0x2D70, 0x2D70}, {0x2E00, 0x2E2E}, {0x2E30, 0x2E4F}, {0x2E52, 0x2E5D},
    {0x3001, 0x3003}, {0x3008, 0x3011}, {0x3014, 0x301F}, {0x3030, 0x3030}, {0x303D, 0x303D},
    {0x30A0, 0x30A0}, {0x30FB, 0x30FB}, {0xA4FE, 0xA4FF}, {0xA60D, 0xA60F}, {0xA673, 0xA673},
    {0xA67E, 0xA67E}, {0xA6F2, 0xA6F7}, {0xA874, 0xA877}, {0xA8CE, 0xA8CF}, {0xA8F8, 0xA8FA},
    {0xA8FC, 0xA8FC}, {0xA92E, 0xA92F}, {0xA95F, 0xA95F}, {0xA9C1, 0xA9CD}, {0xA9DE, 0xA9DF},
    {0xAA5C, 0xAA5F}, {0xAADE, 0xAADF}, {0xAAF0, 0xAAF1}, {0xABEB, 0xABEB}, {0xFD3E, 0xFD3F},
    {0xFE10, 0xFE19}, {0xFE30, 0xFE52}, {0xFE54, 0xFE61}, {0xFE63, 0xFE63}, {0xFE68, 0xFE68},
    {0xFE6A, 0xFE6B}, {0xFF01, 0xFF03}, {0xFF05, 0xFF0A}, {0xFF0C, 0xFF0F}, {0xFF1A, 0xFF1B},
    {0xFF1F, 0xFF20}, {0xFF3B, 0xFF3D}, {0xFF3F, 0xFF3F}, {0xFF5B, 0xFF5B}, {0xFF5D, 0xFF5D},
    {0xFF5F, 0xFF65}, {0x10100, 0x10102}, {0x1039F, 0x1039F}, {0x103D0, 0x103D0},
    {0x1056F, 0x1056F}, {0x10857, 0x10857}, {0x1091F, 0x1091F}, {0x1093F, 0x1093F},
    {0x10A50, 0x10A58}, {0x10A7F, 0x10A7F}, {0x10AF0, 0x10AF6}, {0x10B39, 0x10B3F},
    {0x10B99, 0x10B9C}, {0x10EAD, 0x10EAD}, {0x10F55, 0x10F59}, {0x10F86, 0x10F89},
    {0x11047, 0x1104D}, {0x110BB, 0x110BC}, {0x110BE, 0x110C1}, {0x11140, 0x11143},
    {0x11174, 0x11175}, {0x111C5, 0x111C8}, {0x111CD, 0x111CD}, {0x111DB, 0x111DB},
    {0x111DD, 0x111DF}, {0x11238, 0x1123D}, {0x112A9, 0x112A9}, {0x1144B, 0x1144F},
    {0x1145A, 0x1145B}, {0x1145D, 0x1145D}, {0x114C6, 0x114C6}, {0x115C1, 0x115D7},
    {0x11641, 0x11643}, {0x11660, 0x1166C}, {0x116B9, 0x116B9}, {0x1173C, 0x1173E},
    {0x1183B, 0x1183B}, {0x11944, 0x11946}, {0x119E2, 0x119E2}, {0x11A3F, 0x11A46},
    {0x11A9A, 0x11A9C}, {0x11A9E, 0x11AA2}, {0x11C41, 0x11C45}, {0x11C70, 0x11C71},
    {0x11EF7, 0x11EF8}, {0x11FFF, 0x11FFF}, {0x12470, 0x12474}, {0x12FF1, 0x12FF2},
    {0x16A6E, 0x16A6F}, {0x16AF5, 0x16AF5}, {0x16B37, 0x16B3B}, {0x16B44, 0x16B44},
    {0x16E97, 0x16E9A}, {0x16FE2, 0x16FE2}, {0x1BC9F, 0x1BC9F}, {0x1DA87, 0x1DA8B},
    {0x1E95E, 0x1E95F},
};
static const uint32_t mlip__tok_control_ranges[28][2] = {
    {0x0, 0x8}, {0xB, 0xC}, {0xE, 0x1F}, {0x7F, 0x9F}, {0xAD, 0xAD}, {0x600, 0x605}, {0x61C, 0x61C},
    {0x6DD, 0x6DD}, {0x70F, 0x70F}, {0x890, 0x891}, {0x8E2, 0x8E2}, {0x180E, 0x180E},
    {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F}, {0xD800, 0xF8FF},
    {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB}, {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x13438},
    {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
    {0xF0000, 0xFFFFD}, {0x100000, 0x10FFFD},
};
static const uint32_t mlip__tok_space_ranges[9][2] = {
    {0x9, 0xA}, {0xD, 0xD}, {0x20, 0x20}, {0xA0, 0xA0}, {0x1680, 0x1680}, {0x2000, 0x200A},
    {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};
static const uint32_t mlip__tok_strip_ranges[336][2] = {
    {0x300, 0x36F}, {0x483, 0x487}, {0x591, 0x5BD}, {0x5BF, 0x5BF}, {0x5C1, 0x5C2}, {0x5C4, 0x5C5},
    {0x5C7, 0x5C7}, {0x610, 0x61A}, {0x64B, 0x65F}, {0x670, 0x670}, {0x6D6, 0x6DC}, {0x6DF, 0x6E4},
    {0x6E7, 0x6E8}, {0x6EA, 0x6ED}, {0x711, 0x711}, {0x730, 0x74A}, {0x7A6, 0x7B0}, {0x7EB, 0x7F3},
    {0x7FD, 0x7FD}, {0x816, 0x819}, {0x81B, 0x823}, {0x825, 0x827}, {0x829, 0x82D}, {0x859, 0x85B},
    {0x898, 0x89F}, {0x8CA, 0x8E1}, {0x8E3, 0x902}, {0x93A, 0x93A}, {0x93C, 0x93C}, {0x941, 0x948},
    {0x94D, 0x94D}, {0x951, 0x957}, {0x962, 0x963}, {0x981, 0x981}, {0x9BC, 0x9BC}, {0x9C1, 0x9C4},
    {0x9CD, 0x9CD}, {0x9E2, 0x9E3}, {0x9FE, 0x9FE}, {0xA01, 0xA02}, {0xA3C, 0xA3C}, {0xA41, 0xA42},
    {0xA47, 0xA48}, {0xA4B, 0xA4D}, {0xA51, 0xA51}, {0xA70, 0xA71}, {0xA75, 0xA75}, {0xA81, 0xA82},
    {0xABC, 0xABC}, {0xAC1, 0xAC5}, {0xAC7, 0xAC8}, {0xACD, 0xACD}, {0xAE2, 0xAE3}, {0xAFA, 0xAFF},
    {0xB01, 0xB01}, {0xB3C, 0xB3C}, {0xB3F, 0xB3F}, {0xB41, 0xB44}, {0xB4D, 0xB4D}, {0xB55, 0xB56},
    {0xB62, 0xB63}, {0xB82, 0xB82}, {0xBC0, 0xBC0}, {0xBCD, 0xBCD}, {0xC00, 0xC00}, {0xC04, 0xC04},
    {0xC3C, 0xC3C}, {0xC3E, 0xC40}, {0xC46, 0xC48}, {0xC4A, 0xC4D}, {0xC55, 0xC56}, {0xC62, 0xC63},
    {0xC81, 0xC81}, {0xCBC, 0xCBC}, {0xCBF, 0xCBF}, {0xCC6, 0xCC6}, {0xCCC, 0xCCD}, {0xCE2, 0xCE3},
    {0xD00, 0xD01}, {0xD3B, 0xD3C}, {0xD41, 0xD44}, {0xD4D, 0xD4D}, {0xD62, 0xD63}, {0xD81, 0xD81},
    {0xDCA, 0xDCA}, {0xDD2, 0xDD4}, {0xDD6, 0xDD6}, {0xE31, 0xE31}, {0xE34, 0xE3A}, {0xE47, 0xE4E},
    {0xEB1, 0xEB1}, {0xEB4, 0xEBC}, {0xEC8, 0xECD}, {0xF18, 0xF19}, {0xF35, 0xF35}, {0xF37, 0xF37},
    {0xF39, 0xF39}, {0xF71, 0xF7E}, {0xF80, 0xF84}, {0xF86, 0xF87}, {0xF8D, 0xF97}, {0xF99, 0xFBC},
    {0xFC6, 0xFC6}, {0x102D, 0x1030}, {0x1032, 0x1037}, {0x1039, 0x103A}, {0x103D, 0x103E},
    {0x1058, 0x1059}, {0x105E, 0x1060}, {0x1071, 0x1074}, {0x1082, 0x1082}, {0x1085, 0x1086},
    {0x108D, 0x108D}, {0x109D, 0x109D}, {0x135D, 0x135F}, {0x1712, 0x1714}, {0x1732, 0x1733},
    {0x1752, 0x1753}, {0x1772, 0x1773}, {0x17B4, 0x17B5}, {0x17B7, 0x17BD}, {0x17C6, 0x17C6},
    {0x17C9, 0x17D3}, {0x17DD, 0x17DD}, {0x180B, 0x180D}, {0x180F, 0x180F}, {0x1885, 0x1886},
    {0x18A9, 0x18A9}, {0x1920, 0x1922}, {0x1927, 0x1928}, {0x1932, 0x1932}, {0x1939, 0x193B},
    {0x1A17, 0x1A18}, {0x1A1B, 0x1A1B}, {0x1A56, 0x1A56}, {0x1A58, 0x1A5E}, {0x1A60, 0x1A60},
    {0x1A62, 0x1A62}, {0x1A65, 0x1A6C}, {0x1A73, 0x1A7C}, {0x1A7F, 0x1A7F}, {0x1AB0, 0x1ABD},
    {0x1ABF, 0x1ACE}, {0x1B00, 0x1B03}, {0x1B34, 0x1B34}, {0x1B36, 0x1B3A}, {0x1B3C, 0x1B3C},
    {0x1B42, 0x1B42}, {0x1B6B, 0x1B73}, {0x1B80, 0x1B81}, {0x1BA2, 0x1BA5}, {0x1BA8, 0x1BA9},
    {0x1BAB, 0x1BAD}, {0x1BE6, 0x1BE6}, {0x1BE8, 0x1BE9}, {0x1BED, 0x1BED}, {0x1BEF, 0x1BF1},
    {0x1C2C, 0x1C33}, {0x1C36, 0x1C37}, {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CE0}, {0x1CE2, 0x1CE8},
    {0x1CED, 0x1CED}, {0x1CF4, 0x1CF4}, {0x1CF8, 0x1CF9}, {0x1DC0, 0x1DFF}, {0x20D0, 0x20DC},
    {0x20E1, 0x20E1}, {0x20E5, 0x20F0}, {0x2CEF, 0x2CF1}, {0x2D7F, 0x2D7F}, {0x2DE0, 0x2DFF},
    {0x302A, 0x302D}, {0x3099, 0x309A}, {0xA66F, 0xA66F}, {0xA674, 0xA67D}, {0xA69E, 0xA69F},
    {0xA6F0, 0xA6F1}, {0xA802, 0xA802}, {0xA806, 0xA806}, {0xA80B, 0xA80B}, {0xA825, 0xA826},
    {0xA82C, 0xA82C}, {0xA8C4, 0xA8C5}, {0xA8E0, 0xA8F1}, {0xA8FF, 0xA8FF}, {0xA926, 0xA92D},
    {0xA947, 0xA951}, {0xA980, 0xA982}, {0xA9B3, 0xA9B3}, {0xA9B6, 0xA9B9}, {0xA9BC, 0xA9BD},
    {0xA9E5, 0xA9E5}, {0xAA29, 0xAA2E}, {0xAA31, 0xAA32}, {0xAA35, 0xAA36}, {0xAA43, 0xAA43},
    {0xAA4C, 0xAA4C}, {0xAA7C, 0xAA7C}, {0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4}, {0xAAB7, 0xAAB8},
    {0xAABE, 0xAABF}, {0xAAC1, 0xAAC1}, {0xAAEC, 0xAAED}, {0xAAF6, 0xAAF6}, {0xABE5, 0xABE5},
    {0xABE8, 0xABE8}, {0xABED, 0xABED}, {0xFB1E, 0xFB1E}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
    {0x101FD, 0x101FD}, {0x102E0, 0x102E0}, {0x10376, 0x1037A}, {0x10A01, 0x10A03},
    {0x10A05, 0x10A06}, {0x10A0C, 0x10A0F}, {0x10A38, 0x10A3A}, {0x10A3F, 0x10A3F},
    {0x10AE5, 0x10AE6}, {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC}, {0x10F46, 0x10F50},
    {0x10F82, 0x10F85}, {0x11001, 0x11001}, {0x11038, 0x11046}, {0x11070, 0x11070},
    {0x11073, 0x11074}, {0x1107F, 0x11081}, {0x110B3, 0x110B6}, {0x110B9, 0x110BA},
    {0x110C2, 0x110C2}, {0x11100, 0x11102}, {0x11127, 0x1112B}, {0x1112D, 0x11134},
    {0x11173, 0x11173}, {0x11180, 0x11181}, {0x111B6, 0x111BE}, {0x111C9, 0x111CC},
    {0x111CF, 0x111CF}, {0x1122F, 0x11231}, {0x11234, 0x11234}, {0x11236, 0x11237},
    {0x1123E, 0x1123E}, {0x112DF, 0x112DF}, {0x112E3, 0x112EA}, {0x11300, 0x11301},
    {0x1133B, 0x1133C}, {0x11340, 0x11340}, {0x11366, 0x1136C}, {0x11370, 0x11374},
    {0x11438, 0x1143F}, {0x11442, 0x11444}, {0x11446, 0x11446}, {0x1145E, 0x1145E},
    {0x114B3, 0x114B8}, {0x114BA, 0x114BA}, {0x114BF, 0x114C0}, {0x114C2, 0x114C3},
    {0x115B2, 0x115B5}, {0x115BC, 0x115BD}, {0x115BF, 0x115C0}, {0x115DC, 0x115DD},
    {0x11633, 0x1163A}, {0x1163D, 0x1163D}, {0x1163F, 0x11640}, {0x116AB, 0x116AB},
    {0x116AD, 0x116AD}, {0x116B0, 0x116B5}, {0x116B7, 0x116B7}, {0x1171D, 0x1171F},
    {0x11722, 0x11725}, {0x11727, 0x1172B}, {0x1182F, 0x11837}, {0x11839, 0x1183A},
    {0x1193B, 0x1193C}, {0x1193E, 0x1193E}, {0x11943, 0x11943}, {0x119D4, 0x119D7},
    {0x119DA, 0x119DB}, {0x119E0, 0x119E0}, {0x11A01, 0x11A0A}, {0x11A33, 0x11A38},
    {0x11A3B, 0x11A3E}, {0x11A47, 0x11A47}, {0x11A51, 0x11A56}, {0x11A59, 0x11A5B},
    {0x11A8A, 0x11A96}, {0x11A98, 0x11A99}, {0x11C30, 0x11C36}, {0x11C38, 0x11C3D},
    {0x11C3F, 0x11C3F}, {0x11C92, 0x11CA7}, {0x11CAA, 0x11CB0}, {0x11CB2, 0x11CB3},
    {0x11CB5, 0x11CB6}, {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D},
    {0x11D3F, 0x11D45}, {0x11D47, 0x11D47}, {0x11D90, 0x11D91}, {0x11D95, 0x11D95},
    {0x11D97, 0x11D97}, {0x11EF3, 0x11EF4}, {0x16AF0, 0x16AF4}, {0x16B30, 0x16B36},
    {0x16F4F, 0x16F4F}, {0x16F8F, 0x16F92}, {0x16FE4, 0x16FE4}, {0x1BC9D, 0x1BC9E},
    {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46}, {0x1D167, 0x1D169}, {0x1D17B, 0x1D182},
    {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD}, {0x1D242, 0x1D244}, {0x1DA00, 0x1DA36},
    {0x1DA3B, 0x1DA6C}, {0x1DA75, 0x1DA75}, {0x1DA84, 0x1DA84}, {0x1DA9B, 0x1DA9F},
    {0x1DAA1, 0x1DAAF}, {0x1E000, 0x1E006}, {0x1E008, 0x1E018}, {0x1E01B, 0x1E021},
    {0x1E023, 0x1E024}, {0x1E026, 0x1E02A}, {0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE},
    {0x1E2EC, 0x1E2EF}, {0x1E8D0, 0x1E8D6}, {0x1E944, 0x1E94A}, {0xE0100, 0xE01EF},
};
static const uint32_t mlip__tok_cased_ranges[155][2] = {
    {0x41, 0x5A}, {0x61, 0x7A}, {0xAA, 0xAA}, {0xB5, 0xB5}, {0xBA, 0xBA}, {0xC0, 0xD6},
    {0xD8, 0xF6}, {0xF8, 0x1BA}, {0x1BC, 0x1BF}, {0x1C4, 0x293}, {0x295, 0x2B8}, {0x2C0, 0x2C1},
    {0x2E0, 0x2E4}, {0x345, 0x345}, {0x370, 0x373}, {0x376, 0x377}, {0x37A, 0x37D}, {0x37F, 0x37F},
    {0x386, 0x386}, {0x388, 0x38A}, {0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3F5}, {0x3F7, 0x481},
    {0x48A, 0x52F}, {0x531, 0x556}, {0x560, 0x588}, {0x10A0, 0x10C5}, {0x10C7, 0x10C7},
    {0x10CD, 0x10CD}, {0x10D0, 0x10FA}, {0x10FC, 0x10FF}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD},
    {0x1C80, 0x1C88}, {0x1C90, 0x1CBA}, {0x1CBD, 0x1CBF}, {0x1D00, 0x1DBF}, {0x1E00, 0x1F15},
    {0x1F18, 0x1F1D}, {0x1F20, 0x1F45}, {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59},
    {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D}, {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4}, {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3}, {0x1FD6, 0x1FDB},
    {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4}, {0x1FF6, 0x1FFC}, {0x2071, 0x2071}, {0x207F, 0x207F},
    {0x2090, 0x209C}, {0x2102, 0x2102}, {0x2107, 0x2107}, {0x210A, 0x2113}, {0x2115, 0x2115},
    {0x2119, 0x211D}, {0x2124, 0x2124}, {0x2126, 0x2126}, {0x2128, 0x2128}, {0x212A, 0x212D},
    {0x212F, 0x2134}, {0x2139, 0x2139}, {0x213C, 0x213F}, {0x2145, 0x2149}, {0x214E, 0x214E},
    {0x2160, 0x217F}, {0x2183, 0x2184}, {0x24B6, 0x24E9}, {0x2C00, 0x2CE4}, {0x2CEB, 0x2CEE},
    {0x2CF2, 0x2CF3}, {0x2D00, 0x2D25}, {0x2D27, 0x2D27}, {0x2D2D, 0x2D2D}, {0xA640, 0xA66D},
    {0xA680, 0xA69D}, {0xA722, 0xA787}, {0xA78B, 0xA78E}, {0xA790, 0xA7CA}, {0xA7D0, 0xA7D1},
    {0xA7D3, 0xA7D3}, {0xA7D5, 0xA7D9}, {0xA7F5, 0xA7F6}, {0xA7F8, 0xA7FA}, {0xAB30, 0xAB5A},
    {0xAB5C, 0xAB68}, {0xAB70, 0xABBF}, {0xFB00, 0xFB06}, {0xFB13, 0xFB17}, {0xFF21, 0xFF3A},
    {0xFF41, 0xFF5A}, {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
    {0x10570, 0x1057A}, {0x1057C, 0x1058A}, {0x1058C, 0x10592}, {0x10594, 0x10595},
    {0x10597, 0x105A1}, {0x105A3, 0x105B1}, {0x105B3, 0x105B9}, {0x105BB, 0x105BC},
    {0x10780, 0x10780}, {0x10783, 0x10785}, {0x10787, 0x107B0}, {0x107B2, 0x107BA},
    {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x16E40, 0x16E7F},
    {0x1D400, 0x1D454}, {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2},
    {0x1D4A5, 0x1D4A6}, {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB},
    {0x1D4BD, 0x1D4C3}, {0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514},
    {0x1D516, 0x1D51C}, {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E}, {0x1D540, 0x1D544},
    {0x1D546, 0x1D546}, {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A5}, {0x1D6A8, 0x1D6C0},
    {0x1D6C2, 0x1D6DA}, {0x1D6DC, 0x1D6FA}, {0x1D6FC, 0x1D714}, {0x1D716, 0x1D734},
    {0x1D736, 0x1D74E}, {0x1D750, 0x1D76E}, {0x1D770, 0x1D788}, {0x1D78A, 0x1D7A8},
    {0x1D7AA, 0x1D7C2}, {0x1D7C4, 0x1D7CB}, {0x1DF00, 0x1DF09}, {0x1DF0B, 0x1DF1E},
    {0x1E900, 0x1E943}, {0x1F130, 0x1F149}, {0x1F150, 0x1F169}, {0x1F170, 0x1F189},
};
static const uint32_t mlip__tok_ignorable_ranges[427][2] = {
    {0x27, 0x27}, {0x2E, 0x2E}, {0x3A, 0x3A}, {0x5E, 0x5E}, {0x60, 0x60}, {0xA8, 0xA8},
    {0xAD, 0xAD}, {0xAF, 0xAF}, {0xB4, 0xB4}, {0xB7, 0xB8}, {0x2B0, 0x36F}, {0x374, 0x375},
    {0x37A, 0x37A}, {0x384, 0x385}, {0x387, 0x387}, {0x483, 0x489}, {0x559, 0x559}, {0x55F, 0x55F},
    {0x591, 0x5BD}, {0x5BF, 0x5BF}, {0x5C1, 0x5C2}, {0x5C4, 0x5C5}, {0x5C7, 0x5C7}, {0x5F4, 0x5F4},
    {0x600, 0x605}, {0x610, 0x61A}, {0x61C, 0x61C}, {0x640, 0x640}, {0x64B, 0x65F}, {0x670, 0x670},
    {0x6D6, 0x6DD}, {0x6DF, 0x6E8}, {0x6EA, 0x6ED}, {0x70F, 0x70F}, {0x711, 0x711}, {0x730, 0x74A},
    {0x7A6, 0x7B0}, {0x7EB, 0x7F5}, {0x7FA, 0x7FA}, {0x7FD, 0x7FD}, {0x816, 0x82D}, {0x859, 0x85B},
    {0x888, 0x888}, {0x890, 0x891}, {0x898, 0x89F}, {0x8C9, 0x902}, {0x93A, 0x93A}, {0x93C, 0x93C},
    {0x941, 0x948}, {0x94D, 0x94D}, {0x951, 0x957}, {0x962, 0x963}, {0x971, 0x971}, {0x981, 0x981},
    {0x9BC, 0x9BC}, {0x9C1, 0x9C4}, {0x9CD, 0x9CD}, {0x9E2, 0x9E3}, {0x9FE, 0x9FE}, {0xA01, 0xA02},
    {0xA3C, 0xA3C}, {0xA41, 0xA42}, {0xA47, 0xA48}, {0xA4B, 0xA4D}, {0xA51, 0xA51}, {0xA70, 0xA71},
    {0xA75, 0xA75}, {0xA81, 0xA82}, {0xABC, 0xABC}, {0xAC1, 0xAC5}, {0xAC7, 0xAC8}, {0xACD, 0xACD},
    {0xAE2, 0xAE3}, {0xAFA, 0xAFF}, {0xB01, 0xB01}, {0xB3C, 0xB3C}, {0xB3F, 0xB3F}, {0xB41, 0xB44},
    {0xB4D, 0xB4D}, {0xB55, 0xB56}, {0xB62, 0xB63}, {0xB82, 0xB82}, {0xBC0, 0xBC0}, {0xBCD, 0xBCD},
    {0xC00, 0xC00}, {0xC04, 0xC04}, {0xC3C, 0xC3C}, {0xC3E, 0xC40}, {0xC46, 0xC48}, {0xC4A, 0xC4D},
    {0xC55, 0xC56}, {0xC62, 0xC63}, {0xC81, 0xC81}, {0xCBC, 0xCBC}, {0xCBF, 0xCBF}, {0xCC6, 0xCC6},
    {0xCCC, 0xCCD}, {0xCE2, 0xCE3}, {0xD00, 0xD01}, {0xD3B, 0xD3C}, {0xD41, 0xD44}, {0xD4D, 0xD4D},
    {0xD62, 0xD63}, {0xD81, 0xD81}, {0xDCA, 0xDCA}, {0xDD2, 0xDD4}, {0xDD6, 0xDD6}, {0xE31, 0xE31},
    {0xE34, 0xE3A}, {0xE46, 0xE4E}, {0xEB1, 0xEB1}, {0xEB4, 0xEBC}, {0xEC6, 0xEC6}, {0xEC8, 0xECD},
    {0xF18, 0xF19}, {0xF35, 0xF35}, {0xF37, 0xF37}, {0xF39, 0xF39}, {0xF71, 0xF7E}, {0xF80, 0xF84},
    {0xF86, 0xF87}, {0xF8D, 0xF97}, {0xF99, 0xFBC}, {0xFC6, 0xFC6}, {0x102D, 0x1030},
    {0x1032, 0x1037}, {0x1039, 0x103A}, {0x103D, 0x103E}, {0x1058, 0x1059}, {0x105E, 0x1060},
    {0x1071, 0x1074}, {0x1082, 0x1082}, {0x1085, 0x1086}, {0x108D, 0x108D}, {0x109D, 0x109D},
    {0x10FC, 0x10FC}, {0x135D, 0x135F}, {0x1712, 0x1714}, {0x1732, 0x1733}, {0x1752, 0x1753},
    {0x1772, 0x1773}, {0x17B4, 0x17B5}, {0x17B7, 0x17BD}, {0x17C6, 0x17C6}, {0x17C9, 0x17D3},
    {0x17D7, 0x17D7}, {0x17DD, 0x17DD}, {0x180B, 0x180F}, {0x1843, 0x1843}, {0x1885, 0x1886},
    {0x18A9, 0x18A9}, {0x1920, 0x1922}, {0x1927, 0x1928}, {0x1932, 0x1932}, {0x1939, 0x193B},
    {0x1A17, 0x1A18}, {0x1A1B, 0x1A1B}, {0x1A56, 0x1A56}, {0x1A58, 0x1A5E}, {0x1A60, 0x1A60},
    {0x1A62, 0x1A62}, {0x1A65, 0x1A6C}, {0x1A73, 0x1A7C}, {0x1A7F, 0x1A7F}, {0x1AA7, 0x1AA7},
    {0x1AB0, 0x1ACE}, {0x1B00, 0x1B03}, {0x1B34, 0x1B34}, {0x1B36, 0x1B3A}, {0x1B3C, 0x1B3C},
    {0x1B42, 0x1B42}, {0x1B6B, 0x1B73}, {0x1B80, 0x1B81}, {0x1BA2, 0x1BA5}, {0x1BA8, 0x1BA9},
    {0x1BAB, 0x1BAD}, {0x1BE6, 0x1BE6}, {0x1BE8, 0x1BE9}, {0x1BED, 0x1BED}, {0x1BEF, 0x1BF1},
    {0x1C2C, 0x1C33}, {0x1C36, 0x1C37}, {0x1C78, 0x1C7D}, {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CE0},
    {0x1CE2, 0x1CE8}, {0x1CED, 0x1CED}, {0x1CF4, 0x1CF4}, {0x1CF8, 0x1CF9}, {0x1D2C, 0x1D6A},
    {0x1D78, 0x1D78}, {0x1D9B, 0x1DFF}, {0x1FBD, 0x1FBD}, {0x1FBF, 0x1FC1}, {0x1FCD, 0x1FCF},
    {0x1FDD, 0x1FDF}, {0x1FED, 0x1FEF}, {0x1FFD, 0x1FFE}, {0x200B, 0x200F}, {0x2018, 0x2019},
    {0x2024, 0x2024}, {0x2027, 0x2027}, {0x202A, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F},
    {0x2071, 0x2071}, {0x207F, 0x207F}, {0x2090, 0x209C}, {0x20D0, 0x20F0}, {0x2C7C, 0x2C7D},
    {0x2CEF, 0x2CF1}, {0x2D6F, 0x2D6F}, {0x2D7F, 0x2D7F}, {0x2DE0, 0x2DFF}, {0x2E2F, 0x2E2F},
    {0x3005, 0x3005}, {0x302A, 0x302D}, {0x3031, 0x3035}, {0x303B, 0x303B}, {0x3099, 0x309E},
    {0x30FC, 0x30FE}, {0xA015, 0xA015}, {0xA4F8, 0xA4FD}, {0xA60C, 0xA60C}, {0xA66F, 0xA672},
    {0xA674, 0xA67D}, {0xA67F, 0xA67F}, {0xA69C, 0xA69F}, {0xA6F0, 0xA6F1}, {0xA700, 0xA721},
    {0xA770, 0xA770}, {0xA788, 0xA78A}, {0xA7F2, 0xA7F4}, {0xA7F8, 0xA7F9}, {0xA802, 0xA802},
    {0xA806, 0xA806}, {0xA80B, 0xA80B}, {0xA825, 0xA826}, {0xA82C, 0xA82C}, {0xA8C4, 0xA8C5},
    {0xA8E0, 0xA8F1}, {0xA8FF, 0xA8FF}, {0xA926, 0xA92D}, {0xA947, 0xA951}, {0xA980, 0xA982},
    {0xA9B3, 0xA9B3}, {0xA9B6, 0xA9B9}, {0xA9BC, 0xA9BD}, {0xA9CF, 0xA9CF}, {0xA9E5, 0xA9E6},
    {0xAA29, 0xAA2E}, {0xAA31, 0xAA32}, {0xAA35, 0xAA36}, {0xAA43, 0xAA43}, {0xAA4C, 0xAA4C},
    {0xAA70, 0xAA70}, {0xAA7C, 0xAA7C}, {0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4}, {0xAAB7, 0xAAB8},
    {0xAABE, 0xAABF}, {0xAAC1, 0xAAC1}, {0xAADD, 0xAADD}, {0xAAEC, 0xAAED}, {0xAAF3, 0xAAF4},
    {0xAAF6, 0xAAF6}, {0xAB5B, 0xAB5F}, {0xAB69, 0xAB6B}, {0xABE5, 0xABE5}, {0xABE8, 0xABE8},
    {0xABED, 0xABED}, {0xFB1E, 0xFB1E}, {0xFBB2, 0xFBC2}, {0xFE00, 0xFE0F}, {0xFE13, 0xFE13},
    {0xFE20, 0xFE2F}, {0xFE52, 0xFE52}, {0xFE55, 0xFE55}, {0xFEFF, 0xFEFF}, {0xFF07, 0xFF07},
    {0xFF0E, 0xFF0E}, {0xFF1A, 0xFF1A}, {0xFF3E, 0xFF3E}, {0xFF40, 0xFF40}, {0xFF70, 0xFF70},
    {0xFF9E, 0xFF9F}, {0xFFE3, 0xFFE3}, {0xFFF9, 0xFFFB}, {0x101FD, 0x101FD}, {0x102E0, 0x102E0},
    {0x10376, 0x1037A}, {0x10780, 0x10785}, {0x10787, 0x107B0}, {0x107B2, 0x107BA},
    {0x10A01, 0x10A03}, {0x10A05, 0x10A06}, {0x10A0C, 0x10A0F}, {0x10A38, 0x10A3A},
    {0x10A3F, 0x10A3F}, {0x10AE5, 0x10AE6}, {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC},
    {0x10F46, 0x10F50}, {0x10F82, 0x10F85}, {0x11001, 0x11001}, {0x11038, 0x11046},
    {0x11070, 0x11070}, {0x11073, 0x11074}, {0x1107F, 0x11081}, {0x110B3, 0x110B6},
    {0x110B9, 0x110BA}, {0x110BD, 0x110BD}, {0x110C2, 0x110C2}, {0x110CD, 0x110CD},
    {0x11100, 0x11102}, {0x11127, 0x1112B}, {0x1112D, 0x11134}, {0x11173, 0x11173},
    {0x11180, 0x11181}, {0x111B6, 0x111BE}, {0x111C9, 0x111CC}, {0x111CF, 0x111CF},
    {0x1122F, 0x11231}, {0x11234, 0x11234}, {0x11236, 0x11237}, {0x1123E, 0x1123E},
    {0x112DF, 0x112DF}, {0x112E3, 0x112EA}, {0x11300, 0x11301}, {0x1133B, 0x1133C},
    {0x11340, 0x11340}, {0x11366, 0x1136C}, {0x11370, 0x11374}, {0x11438, 0x1143F},
    {0x11442, 0x11444}, {0x11446, 0x11446}, {0x1145E, 0x1145E}, {0x114B3, 0x114B8},
    {0x114BA, 0x114BA}, {0x114BF, 0x114C0}, {0x114C2, 0x114C3}, {0x115B2, 0x115B5},
    {0x115BC, 0x115BD}, {0x115BF, 0x115C0}, {0x115DC, 0x115DD}, {0x11633, 0x1163A},
    {0x1163D, 0x1163D}, {0x1163F, 0x11640}, {0x116AB, 0x116AB}, {0x116AD, 0x116AD},
    {0x116B0, 0x116B5}, {0x116B7, 0x116B7}, {0x1171D, 0x1171F}, {0x11722, 0x11725},
    {0x11727, 0x1172B}, {0x1182F, 0x11837}, {0x11839, 0x1183A}, {0x1193B, 0x1193C},
    {0x1193E, 0x1193E}, {0x11943, 0x11943}, {0x119D4, 0x119D7}, {0x119DA, 0x119DB},
    {0x119E0, 0x119E0}, {0x11A01, 0x11A0A}, {0x11A33, 0x11A38}, {0x11A3B, 0x11A3E},
    {0x11A47, 0x11A47}, {0x11A51, 0x11A56}, {0x11A59, 0x11A5B}, {0x11A8A, 0x11A96},
    {0x11A98, 0x11A99}, {0x11C30, 0x11C36}, {0x11C38, 0x11C3D}, {0x11C3F, 0x11C3F},
    {0x11C92, 0x11CA7}, {0x11CAA, 0x11CB0}, {0x11CB2, 0x11CB3}, {0x11CB5, 0x11CB6},
    {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D45},
    {0x11D47, 0x11D47}, {0x11D90, 0x11D91}, {0x11D95, 0x11D95}, {0x11D97, 0x11D97},
    {0x11EF3, 0x11EF4}, {0x13430, 0x13438}, {0x16AF0, 0x16AF4}, {0x16B30, 0x16B36},
    {0x16B40, 0x16B43}, {0x16F4F, 0x16F4F}, {0x16F8F, 0x16F9F}, {0x16FE0, 0x16FE1},
    {0x16FE3, 0x16FE4}, {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE},
    {0x1BC9D, 0x1BC9E}, {0x1BCA0, 0x1BCA3}, {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46},
    {0x1D167, 0x1D169}, {0x1D173, 0x1D182}, {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD},
    {0x1D242, 0x1D244}, {0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C}, {0x1DA75, 0x1DA75},
    {0x1DA84, 0x1DA84}, {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF}, {0x1E000, 0x1E006},
    {0x1E008, 0x1E018}, {0x1E01B, 0x1E021}, {0x1E023, 0x1E024}, {0x1E026, 0x1E02A},
    {0x1E130, 0x1E13D}, {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF}, {0x1E8D0, 0x1E8D6},
    {0x1E944, 0x1E94B}, {0x1F3FB, 0x1F3FF}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
    {0xE0100, 0xE01EF},
};
#define MLIP__TOK_M(off, len) (MLIP__TOK_MULTI | ((uint32_t)(off) << 3) | (uint32_t)(len))
static const uint32_t mlip__tok_fold_keys[3096] = {
    0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F, 0x50,
    0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5,
    0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5,
    0xD6, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE7, 0xE8,
    0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF9, 0xFA, 0xFB,
    0xFC, 0xFD, 0xFF, 0x100, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106, 0x107, 0x108, 0x109, 0x10A,
    0x10B, 0x10C, 0x10D, 0x10E, 0x10F, 0x110, 0x112, 0x113, 0x114, 0x115, 0x116, 0x117, 0x118,
    0x119, 0x11A, 0x11B, 0x11C, 0x11D, 0x11E, 0x11F, 0x120, 0x121, 0x122, 0x123, 0x124, 0x125,
    0x126, 0x128, 0x129, 0x12A, 0x12B, 0x12C, 0x12D, 0x12E, 0x12F, 0x130, 0x132, 0x134, 0x135,
    0x136, 0x137, 0x139, 0x13A, 0x13B, 0x13C, 0x13D, 0x13E, 0x13F, 0x141, 0x143, 0x144, 0x145,
    0x146, 0x147, 0x148, 0x14A, 0x14C, 0x14D, 0x14E, 0x14F, 0x150, 0x151, 0x152, 0x154, 0x155,
    0x156, 0x157, 0x158, 0x159, 0x15A, 0x15B, 0x15C, 0x15D, 0x15E, 0x15F, 0x160, 0x161, 0x162,
    0x163, 0x164, 0x165, 0x166, 0x168, 0x169, 0x16A, 0x16B, 0x16C, 0x16D, 0x16E, 0x16F, 0x170,
    0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x178, 0x179, 0x17A, 0x17B, 0x17C, 0x17D,
    0x17E, 0x181, 0x182, 0x184, 0x186, 0x187, 0x189, 0x18A, 0x18B, 0x18E, 0x18F, 0x190, 0x191,
    0x193, 0x194, 0x196, 0x197, 0x198, 0x19C, 0x19D, 0x19F, 0x1A0, 0x1A1, 0x1A2, 0x1A4, 0x1A6,
    0x1A7, 0x1A9, 0x1AC, 0x1AE, 0x1AF, 0x1B0, 0x1B1, 0x1B2, 0x1B3, 0x1B5, 0x1B7, 0x1B8, 0x1BC,
    0x1C4, 0x1C5, 0x1C7, 0x1C8, 0x1CA, 0x1CB, 0x1CD, 0x1CE, 0x1CF, 0x1D0, 0x1D1, 0x1D2, 0x1D3,
    0x1D4, 0x1D5, 0x1D6, 0x1D7, 0x1D8, 0x1D9, 0x1DA, 0x1DB, 0x1DC, 0x1DE, 0x1DF, 0x1E0, 0x1E1,
    0x1E2, 0x1E3, 0x1E4, 0x1E6, 0x1E7, 0x1E8, 0x1E9, 0x1EA, 0x1EB, 0x1EC, 0x1ED, 0x1EE, 0x1EF,
    0x1F0, 0x1F1, 0x1F2, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x1F8, 0x1F9, 0x1FA, 0x1FB, 0x1FC, 0x1FD,
    0x1FE, 0x1FF, 0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207, 0x208, 0x209, 0x20A,
    0x20B, 0x20C, 0x20D, 0x20E, 0x20F, 0x210, 0x211, 0x212, 0x213, 0x214, 0x215, 0x216, 0x217,
    0x218, 0x219, 0x21A, 0x21B, 0x21C, 0x21E, 0x21F, 0x220, 0x222, 0x224, 0x226, 0x227, 0x228,
    0x229, 0x22A, 0x22B, 0x22C, 0x22D, 0x22E, 0x22F, 0x230, 0x231, 0x232, 0x233, 0x23A, 0x23B,
    0x23D, 0x23E, 0x241, 0x243, 0x244, 0x245, 0x246, 0x248, 0x24A, 0x24C, 0x24E, 0x370, 0x372,
    0x374, 0x376, 0x37E, 0x37F, 0x385, 0x386, 0x387, 0x388, 0x389, 0x38A, 0x38C, 0x38E, 0x38F,
    0x390, 0x391, 0x392, 0x393, 0x394, 0x395, 0x396, 0x397, 0x398, 0x399, 0x39A, 0x39B, 0x39C,
    0x39D, 0x39E, 0x39F, 0x3A0, 0x3A1, 0x3A3, 0x3A4, 0x3A5, 0x3A6, 0x3A7, 0x3A8, 0x3A9, 0x3AA,
    0x3AB, 0x3AC, 0x3AD, 0x3AE, 0x3AF, 0x3B0, 0x3CA, 0x3CB, 0x3CC, 0x3CD, 0x3CE, 0x3CF, 0x3D3,
    0x3D4, 0x3D8, 0x3DA, 0x3DC, 0x3DE, 0x3E0, 0x3E2, 0x3E4, 0x3E6, 0x3E8, 0x3EA, 0x3EC, 0x3EE,
    0x3F4, 0x3F7, 0x3F9, 0x3FA, 0x3FD, 0x3FE, 0x3FF, 0x400, 0x401, 0x402, 0x403, 0x404, 0x405,
    0x406, 0x407, 0x408, 0x409, 0x40A, 0x40B, 0x40C, 0x40D, 0x40E, 0x40F, 0x410, 0x411, 0x412,
    0x413, 0x414, 0x415, 0x416, 0x417, 0x418, 0x419, 0x41A, 0x41B, 0x41C, 0x41D, 0x41E, 0x41F,
    0x420, 0x421, 0x422, 0x423, 0x424, 0x425, 0x426, 0x427, 0x428, 0x429, 0x42A, 0x42B, 0x42C,
    0x42D, 0x42E, 0x42F, 0x439, 0x450, 0x451, 0x453, 0x457, 0x45C, 0x45D, 0x45E, 0x460, 0x462,
    0x464, 0x466, 0x468, 0x46A, 0x46C, 0x46E, 0x470, 0x472, 0x474, 0x476, 0x477, 0x478, 0x47A,
    0x47C, 0x47E, 0x480, 0x48A, 0x48C, 0x48E, 0x490, 0x492, 0x494, 0x496, 0x498, 0x49A, 0x49C,
    0x49E, 0x4A0, 0x4A2, 0x4A4, 0x4A6, 0x4A8, 0x4AA, 0x4AC, 0x4AE, 0x4B0, 0x4B2, 0x4B4, 0x4B6,
    0x4B8, 0x4BA, 0x4BC, 0x4BE, 0x4C0, 0x4C1, 0x4C2, 0x4C3, 0x4C5, 0x4C7, 0x4C9, 0x4CB, 0x4CD,
    0x4D0, 0x4D1, 0x4D2, 0x4D3, 0x4D4, 0x4D6, 0x4D7, 0x4D8, 0x4DA, 0x4DB, 0x4DC, 0x4DD, 0x4DE,
    0x4DF, 0x4E0, 0x4E2, 0x4E3, 0x4E4, 0x4E5, 0x4E6, 0x4E7, 0x4E8, 0x4EA, 0x4EB, 0x4EC, 0x4ED,
    0x4EE, 0x4EF, 0x4F0, 0x4F1, 0x4F2, 0x4F3, 0x4F4, 0x4F5, 0x4F6, 0x4F8, 0x4F9, 0x4FA, 0x4FC,
    0x4FE, 0x500, 0x502, 0x504, 0x506, 0x508, 0x50A, 0x50C, 0x50E, 0x510, 0x512, 0x514, 0x516,
    0x518, 0x51A, 0x51C, 0x51E, 0x520, 0x522, 0x524, 0x526, 0x528, 0x52A, 0x52C, 0x52E, 0x531,
    0x532, 0x533, 0x534, 0x535, 0x536, 0x537, 0x538, 0x539, 0x53A, 0x53B, 0x53C, 0x53D, 0x53E,
    0x53F, 0x540, 0x541, 0x542, 0x543, 0x544, 0x545, 0x546, 0x547, 0x548, 0x549, 0x54A, 0x54B,
    0x54C, 0x54D, 0x54E, 0x54F, 0x550, 0x551, 0x552, 0x553, 0x554, 0x555, 0x556, 0x622, 0x623,
    0x624, 0x625, 0x626, 0x6C0, 0x6C2, 0x6D3, 0x929, 0x931, 0x934, 0x958, 0x959, 0x95A, 0x95B,
    0x95C, 0x95D, 0x95E, 0x95F, 0x9CB, 0x9CC, 0x9DC, 0x9DD, 0x9DF, 0xA33, 0xA36, 0xA59, 0xA5A,
    0xA5B, 0xA5E, 0xB48, 0xB4B, 0xB4C, 0xB5C, 0xB5D, 0xB94, 0xBCA, 0xBCB, 0xBCC, 0xCC0, 0xCC7,
    0xCC8, 0xCCA, 0xCCB, 0xD4A, 0xD4B, 0xD4C, 0xDDA, 0xDDC, 0xDDD, 0xDDE, 0xF43, 0xF4D, 0xF52,
    0xF57, 0xF5C, 0xF69, 0x1026, 0x10A0, 0x10A1, 0x10A2, 0x10A3, 0x10A4, 0x10A5, 0x10A6, 0x10A7,
    0x10A8, 0x10A9, 0x10AA, 0x10AB, 0x10AC, 0x10AD, 0x10AE, 0x10AF, 0x10B0, 0x10B1, 0x10B2, 0x10B3,
    0x10B4, 0x10B5, 0x10B6, 0x10B7, 0x10B8, 0x10B9, 0x10BA, 0x10BB, 0x10BC, 0x10BD, 0x10BE, 0x10BF,
    0x10C0, 0x10C1, 0x10C2, 0x10C3, 0x10C4, 0x10C5, 0x10C7, 0x10CD, 0x13A0, 0x13A1, 0x13A2, 0x13A3,
    0x13A4, 0x13A5, 0x13A6, 0x13A7, 0x13A8, 0x13A9, 0x13AA, 0x13AB, 0x13AC, 0x13AD, 0x13AE, 0x13AF,
    0x13B0, 0x13B1, 0x13B2, 0x13B3, 0x13B4, 0x13B5, 0x13B6, 0x13B7, 0x13B8, 0x13B9, 0x13BA, 0x13BB,
    0x13BC, 0x13BD, 0x13BE, 0x13BF, 0x13C0, 0x13C1, 0x13C2, 0x13C3, 0x13C4, 0x13C5, 0x13C6, 0x13C7,
    0x13C8, 0x13C9, 0x13CA, 0x13CB, 0x13CC, 0x13CD, 0x13CE, 0x13CF, 0x13D0, 0x13D1, 0x13D2, 0x13D3,
    0x13D4, 0x13D5, 0x13D6, 0x13D7, 0x13D8, 0x13D9, 0x13DA, 0x13DB, 0x13DC, 0x13DD, 0x13DE, 0x13DF,
    0x13E0, 0x13E1, 0x13E2, 0x13E3, 0x13E4, 0x13E5, 0x13E6, 0x13E7, 0x13E8, 0x13E9, 0x13EA, 0x13EB,
    0x13EC, 0x13ED, 0x13EE, 0x13EF, 0x13F0, 0x13F1, 0x13F2, 0x13F3, 0x13F4, 0x13F5, 0x1B06, 0x1B08,
    0x1B0A, 0x1B0C, 0x1B0E, 0x1B12, 0x1B3B, 0x1B3D, 0x1B40, 0x1B41, 0x1B43, 0x1C90, 0x1C91, 0x1C92,
    0x1C93, 0x1C94, 0x1C95, 0x1C96, 0x1C97, 0x1C98, 0x1C99, 0x1C9A, 0x1C9B, 0x1C9C, 0x1C9D, 0x1C9E,
    0x1C9F, 0x1CA0, 0x1CA1, 0x1CA2, 0x1CA3, 0x1CA4, 0x1CA5, 0x1CA6, 0x1CA7, 0x1CA8, 0x1CA9, 0x1CAA,
    0x1CAB, 0x1CAC, 0x1CAD, 0x1CAE, 0x1CAF, 0x1CB0, 0x1CB1, 0x1CB2, 0x1CB3, 0x1CB4, 0x1CB5, 0x1CB6,
    0x1CB7, 0x1CB8, 0x1CB9, 0x1CBA, 0x1CBD, 0x1CBE, 0x1CBF, 0x1E00, 0x1E01, 0x1E02, 0x1E03, 0x1E04,
    0x1E05, 0x1E06, 0x1E07, 0x1E08, 0x1E09, 0x1E0A, 0x1E0B, 0x1E0C, 0x1E0D, 0x1E0E, 0x1E0F, 0x1E10,
    0x1E11, 0x1E12, 0x1E13, 0x1E14, 0x1E15, 0x1E16, 0x1E17, 0x1E18, 0x1E19, 0x1E1A, 0x1E1B, 0x1E1C,
    0x1E1D, 0x1E1E, 0x1E1F, 0x1E20, 0x1E21, 0x1E22, 0x1E23, 0x1E24, 0x1E25, 0x1E26, 0x1E27, 0x1E28,
    0x1E29, 0x1E2A, 0x1E2B, 0x1E2C, 0x1E2D, 0x1E2E, 0x1E2F, 0x1E30, 0x1E31, 0x1E32, 0x1E33, 0x1E34,
    0x1E35, 0x1E36, 0x1E37, 0x1E38, 0x1E39, 0x1E3A, 0x1E3B, 0x1E3C, 0x1E3D, 0x1E3E, 0x1E3F, 0x1E40,
    0x1E41, 0x1E42, 0x1E43, 0x1E44, 0x1E45, 0x1E46, 0x1E47, 0x1E48, 0x1E49, 0x1E4A, 0x1E4B, 0x1E4C,
    0x1E4D, 0x1E4E, 0x1E4F, 0x1E50, 0x1E51, 0x1E52, 0x1E53, 0x1E54, 0x1E55, 0x1E56, 0x1E57, 0x1E58,
    0x1E59, 0x1E5A, 0x1E5B, 0x1E5C, 0x1E5D, 0x1E5E, 0x1E5F, 0x1E60, 0x1E61, 0x1E62, 0x1E63, 0x1E64,
    0x1E65, 0x1E66, 0x1E67, 0x1E68, 0x1E69, 0x1E6A, 0x1E6B, 0x1E6C, 0x1E6D, 0x1E6E, 0x1E6F, 0x1E70,
    0x1E71, 0x1E72, 0x1E73, 0x1E74, 0x1E75, 0x1E76, 0x1E77, 0x1E78, 0x1E79, 0x1E7A, 0x1E7B, 0x1E7C,
    0x1E7D, 0x1E7E, 0x1E7F, 0x1E80, 0x1E81, 0x1E82, 0x1E83, 0x1E84, 0x1E85, 0x1E86, 0x1E87, 0x1E88,
    0x1E89, 0x1E8A, 0x1E8B, 0x1E8C, 0x1E8D, 0x1E8E, 0x1E8F, 0x1E90, 0x1E91, 0x1E92, 0x1E93, 0x1E94,
    0x1E95, 0x1E96, 0x1E97, 0x1E98, 0x1E99, 0x1E9B, 0x1E9E, 0x1EA0, 0x1EA1, 0x1EA2, 0x1EA3, 0x1EA4,
    0x1EA5, 0x1EA6, 0x1EA7, 0x1EA8, 0x1EA9, 0x1EAA, 0x1EAB, 0x1EAC, 0x1EAD, 0x1EAE, 0x1EAF, 0x1EB0,
    0x1EB1, 0x1EB2, 0x1EB3, 0x1EB4, 0x1EB5, 0x1EB6, 0x1EB7, 0x1EB8, 0x1EB9, 0x1EBA, 0x1EBB, 0x1EBC,
    0x1EBD, 0x1EBE, 0x1EBF, 0x1EC0, 0x1EC1, 0x1EC2, 0x1EC3, 0x1EC4, 0x1EC5, 0x1EC6, 0x1EC7, 0x1EC8,
    0x1EC9, 0x1ECA, 0x1ECB, 0x1ECC, 0x1ECD, 0x1ECE, 0x1ECF, 0x1ED0, 0x1ED1, 0x1ED2, 0x1ED3, 0x1ED4,
    0x1ED5, 0x1ED6, 0x1ED7, 0x1ED8, 0x1ED9, 0x1EDA, 0x1EDB, 0x1EDC, 0x1EDD, 0x1EDE, 0x1EDF, 0x1EE0,
    0x1EE1, 0x1EE2, 0x1EE3, 0x1EE4, 0x1EE5, 0x1EE6, 0x1EE7, 0x1EE8, 0x1EE9, 0x1EEA, 0x1EEB, 0x1EEC,
    0x1EED, 0x1EEE, 0x1EEF, 0x1EF0, 0x1EF1, 0x1EF2, 0x1EF3, 0x1EF4, 0x1EF5, 0x1EF6, 0x1EF7, 0x1EF8,
    0x1EF9, 0x1EFA, 0x1EFC, 0x1EFE, 0x1F00, 0x1F01, 0x1F02, 0x1F03, 0x1F04, 0x1F05, 0x1F06, 0x1F07,
    0x1F08, 0x1F09, 0x1F0A, 0x1F0B, 0x1F0C, 0x1F0D, 0x1F0E, 0x1F0F, 0x1F10, 0x1F11, 0x1F12, 0x1F13,
    0x1F14, 0x1F15, 0x1F18, 0x1F19, 0x1F1A, 0x1F1B, 0x1F1C, 0x1F1D, 0x1F20, 0x1F21, 0x1F22, 0x1F23,
    0x1F24, 0x1F25, 0x1F26, 0x1F27, 0x1F28, 0x1F29, 0x1F2A, 0x1F2B, 0x1F2C, 0x1F2D, 0x1F2E, 0x1F2F,
    0x1F30, 0x1F31, 0x1F32, 0x1F33, 0x1F34, 0x1F35, 0x1F36, 0x1F37, 0x1F38, 0x1F39, 0x1F3A, 0x1F3B,
    0x1F3C, 0x1F3D, 0x1F3E, 0x1F3F, 0x1F40, 0x1F41, 0x1F42, 0x1F43, 0x1F44, 0x1F45, 0x1F48, 0x1F49,
    0x1F4A, 0x1F4B, 0x1F4C, 0x1F4D, 0x1F50, 0x1F51, 0x1F52, 0x1F53, 0x1F54, 0x1F55, 0x1F56, 0x1F57,
    0x1F59, 0x1F5B, 0x1F5D, 0x1F5F, 0x1F60, 0x1F61, 0x1F62, 0x1F63, 0x1F64, 0x1F65, 0x1F66, 0x1F67,
    0x1F68, 0x1F69, 0x1F6A, 0x1F6B, 0x1F6C, 0x1F6D, 0x1F6E, 0x1F6F, 0x1F70, 0x1F71, 0x1F72, 0x1F73,
    0x1F74, 0x1F75, 0x1F76, 0x1F77, 0x1F78, 0x1F79, 0x1F7A, 0x1F7B, 0x1F7C, 0x1F7D, 0x1F80, 0x1F81,
    0x1F82, 0x1F83, 0x1F84, 0x1F85, 0x1F86, 0x1F87, 0x1F88, 0x1F89, 0x1F8A, 0x1F8B, 0x1F8C, 0x1F8D,
    0x1F8E, 0x1F8F, 0x1F90, 0x1F91, 0x1F92, 0x1F93, 0x1F94, 0x1F95, 0x1F96, 0x1F97, 0x1F98, 0x1F99,
    0x1F9A, 0x1F9B, 0x1F9C, 0x1F9D, 0x1F9E, 0x1F9F, 0x1FA0, 0x1FA1, 0x1FA2, 0x1FA3, 0x1FA4, 0x1FA5,
    0x1FA6, 0x1FA7, 0x1FA8, 0x1FA9, 0x1FAA, 0x1FAB, 0x1FAC, 0x1FAD, 0x1FAE, 0x1FAF, 0x1FB0, 0x1FB1,
    0x1FB2, 0x1FB3, 0x1FB4, 0x1FB6, 0x1FB7, 0x1FB8, 0x1FB9, 0x1FBA, 0x1FBB, 0x1FBC, 0x1FBE, 0x1FC1,
    0x1FC2, 0x1FC3, 0x1FC4, 0x1FC6, 0x1FC7, 0x1FC8, 0x1FC9, 0x1FCA, 0x1FCB, 0x1FCC, 0x1FCD, 0x1FCE,
    0x1FCF, 0x1FD0, 0x1FD1, 0x1FD2, 0x1FD3, 0x1FD6, 0x1FD7, 0x1FD8, 0x1FD9, 0x1FDA, 0x1FDB, 0x1FDD,
    0x1FDE, 0x1FDF, 0x1FE0, 0x1FE1, 0x1FE2, 0x1FE3, 0x1FE4, 0x1FE5, 0x1FE6, 0x1FE7, 0x1FE8, 0x1FE9,
    0x1FEA, 0x1FEB, 0x1FEC, 0x1FED, 0x1FEE, 0x1FEF, 0x1FF2, 0x1FF3, 0x1FF4, 0x1FF6, 0x1FF7, 0x1FF8,
    0x1FF9, 0x1FFA, 0x1FFB, 0x1FFC, 0x1FFD, 0x2000, 0x2001, 0x2126, 0x212A, 0x212B, 0x2132, 0x2160,
    0x2161, 0x2162, 0x2163, 0x2164, 0x2165, 0x2166, 0x2167, 0x2168, 0x2169, 0x216A, 0x216B, 0x216C,
    0x216D, 0x216E, 0x216F, 0x2183, 0x219A, 0x219B, 0x21AE, 0x21CD, 0x21CE, 0x21CF, 0x2204, 0x2209,
    0x220C, 0x2224, 0x2226, 0x2241, 0x2244, 0x2247, 0x2249, 0x2260, 0x2262, 0x226D, 0x226E, 0x226F,
    0x2270, 0x2271, 0x2274, 0x2275, 0x2278, 0x2279, 0x2280, 0x2281, 0x2284, 0x2285, 0x2288, 0x2289,
    0x22AC, 0x22AD, 0x22AE, 0x22AF, 0x22E0, 0x22E1, 0x22E2, 0x22E3, 0x22EA, 0x22EB, 0x22EC, 0x22ED,
    0x2329, 0x232A, 0x24B6, 0x24B7, 0x24B8, 0x24B9, 0x24BA, 0x24BB, 0x24BC, 0x24BD, 0x24BE, 0x24BF,
    0x24C0, 0x24C1, 0x24C2, 0x24C3, 0x24C4, 0x24C5, 0x24C6, 0x24C7, 0x24C8, 0x24C9, 0x24CA, 0x24CB,
    0x24CC, 0x24CD, 0x24CE, 0x24CF, 0x2ADC, 0x2C00, 0x2C01, 0x2C02, 0x2C03, 0x2C04, 0x2C05, 0x2C06,
    0x2C07, 0x2C08, 0x2C09, 0x2C0A, 0x2C0B, 0x2C0C, 0x2C0D, 0x2C0E, 0x2C0F, 0x2C10, 0x2C11, 0x2C12,
    0x2C13, 0x2C14, 0x2C15, 0x2C16, 0x2C17, 0x2C18, 0x2C19, 0x2C1A, 0x2C1B, 0x2C1C, 0x2C1D, 0x2C1E,
    0x2C1F, 0x2C20, 0x2C21, 0x2C22, 0x2C23, 0x2C24, 0x2C25, 0x2C26, 0x2C27, 0x2C28, 0x2C29, 0x2C2A,
    0x2C2B, 0x2C2C, 0x2C2D, 0x2C2E, 0x2C2F, 0x2C60, 0x2C62, 0x2C63, 0x2C64, 0x2C67, 0x2C69, 0x2C6B,
    0x2C6D, 0x2C6E, 0x2C6F, 0x2C70, 0x2C72, 0x2C75, 0x2C7E, 0x2C7F, 0x2C80, 0x2C82, 0x2C84, 0x2C86,
    0x2C88, 0x2C8A, 0x2C8C, 0x2C8E, 0x2C90, 0x2C92, 0x2C94, 0x2C96, 0x2C98, 0x2C9A, 0x2C9C, 0x2C9E,
    0x2CA0, 0x2CA2, 0x2CA4, 0x2CA6, 0x2CA8, 0x2CAA, 0x2CAC, 0x2CAE, 0x2CB0, 0x2CB2, 0x2CB4, 0x2CB6,
    0x2CB8, 0x2CBA, 0x2CBC, 0x2CBE, 0x2CC0, 0x2CC2, 0x2CC4, 0x2CC6, 0x2CC8, 0x2CCA, 0x2CCC, 0x2CCE,
    0x2CD0, 0x2CD2, 0x2CD4, 0x2CD6, 0x2CD8, 0x2CDA, 0x2CDC, 0x2CDE, 0x2CE0, 0x2CE2, 0x2CEB, 0x2CED,
    0x2CF2, 0x304C, 0x304E, 0x3050, 0x3052, 0x3054, 0x3056, 0x3058, 0x305A, 0x305C, 0x305E, 0x3060,
    0x3062, 0x3065, 0x3067, 0x3069, 0x3070, 0x3071, 0x3073, 0x3074, 0x3076, 0x3077, 0x3079, 0x307A,
    0x307C, 0x307D, 0x3094, 0x309E, 0x30AC, 0x30AE, 0x30B0, 0x30B2, 0x30B4, 0x30B6, 0x30B8, 0x30BA,
    0x30BC, 0x30BE, 0x30C0, 0x30C2, 0x30C5, 0x30C7, 0x30C9, 0x30D0, 0x30D1, 0x30D3, 0x30D4, 0x30D6,
    0x30D7, 0x30D9, 0x30DA, 0x30DC, 0x30DD, 0x30F4, 0x30F7, 0x30F8, 0x30F9, 0x30FA, 0x30FE, 0xA640,
    0xA642, 0xA644, 0xA646, 0xA648, 0xA64A, 0xA64C, 0xA64E, 0xA650, 0xA652, 0xA654, 0xA656, 0xA658,
    0xA65A, 0xA65C, 0xA65E, 0xA660, 0xA662, 0xA664, 0xA666, 0xA668, 0xA66A, 0xA66C, 0xA680, 0xA682,
    0xA684, 0xA686, 0xA688, 0xA68A, 0xA68C, 0xA68E, 0xA690, 0xA692, 0xA694, 0xA696, 0xA698, 0xA69A,
    0xA722, 0xA724, 0xA726, 0xA728, 0xA72A, 0xA72C, 0xA72E, 0xA732, 0xA734, 0xA736, 0xA738, 0xA73A,
    0xA73C, 0xA73E, 0xA740, 0xA742, 0xA744, 0xA746, 0xA748, 0xA74A, 0xA74C, 0xA74E, 0xA750, 0xA752,
    0xA754, 0xA756, 0xA758, 0xA75A, 0xA75C, 0xA75E, 0xA760, 0xA762, 0xA764, 0xA766, 0xA768, 0xA76A,
    0xA76C, 0xA76E, 0xA779, 0xA77B, 0xA77D, 0xA77E, 0xA780, 0xA782, 0xA784, 0xA786, 0xA78B, 0xA78D,
    0xA790, 0xA792, 0xA796, 0xA798, 0xA79A, 0xA79C, 0xA79E, 0xA7A0, 0xA7A2, 0xA7A4, 0xA7A6, 0xA7A8,
    0xA7AA, 0xA7AB, 0xA7AC, 0xA7AD, 0xA7AE, 0xA7B0, 0xA7B1, 0xA7B2, 0xA7B3, 0xA7B4, 0xA7B6, 0xA7B8,
    0xA7BA, 0xA7BC, 0xA7BE, 0xA7C0, 0xA7C2, 0xA7C4, 0xA7C5, 0xA7C6, 0xA7C7, 0xA7C9, 0xA7D0, 0xA7D6,
    0xA7D8, 0xA7F5, 0xF900, 0xF901, 0xF902, 0xF903, 0xF904, 0xF905, 0xF906, 0xF907, 0xF908, 0xF909,
    0xF90A, 0xF90B, 0xF90C, 0xF90D, 0xF90E, 0xF90F, 0xF910, 0xF911, 0xF912, 0xF913, 0xF914, 0xF915,
    0xF916, 0xF917, 0xF918, 0xF919, 0xF91A, 0xF91B, 0xF91C, 0xF91D, 0xF91E, 0xF91F, 0xF920, 0xF921,
    0xF922, 0xF923, 0xF924, 0xF925, 0xF926, 0xF927, 0xF928, 0xF929, 0xF92A, 0xF92B, 0xF92C, 0xF92D,
    0xF92E, 0xF92F, 0xF930, 0xF931, 0xF932, 0xF933, 0xF934, 0xF935, 0xF936, 0xF937, 0xF938, 0xF939,
    0xF93A, 0xF93B, 0xF93C, 0xF93D, 0xF93E, 0xF93F, 0xF940, 0xF941, 0xF942, 0xF943, 0xF944, 0xF945,
    0xF946, 0xF947, 0xF948, 0xF949, 0xF94A, 0xF94B, 0xF94C, 0xF94D, 0xF94E, 0xF94F, 0xF950, 0xF951,
    0xF952, 0xF953, 0xF954, 0xF955, 0xF956, 0xF957, 0xF958, 0xF959, 0xF95A, 0xF95B, 0xF95C, 0xF95D,
    0xF95E, 0xF95F, 0xF960, 0xF961, 0xF962, 0xF963, 0xF964, 0xF965, 0xF966, 0xF967, 0xF968, 0xF969,
    0xF96A, 0xF96B, 0xF96C, 0xF96D, 0xF96E, 0xF96F, 0xF970, 0xF971, 0xF972, 0xF973, 0xF974, 0xF975,
    0xF976, 0xF977, 0xF978, 0xF979, 0xF97A, 0xF97B, 0xF97C, 0xF97D, 0xF97E, 0xF97F, 0xF980, 0xF981,
    0xF982, 0xF983, 0xF984, 0xF985, 0xF986, 0xF987, 0xF988, 0xF989, 0xF98A, 0xF98B, 0xF98C, 0xF98D,
    0xF98E, 0xF98F, 0xF990, 0xF991, 0xF992, 0xF993, 0xF994, 0xF995, 0xF996, 0xF997, 0xF998, 0xF999,
    0xF99A, 0xF99B, 0xF99C, 0xF99D, 0xF99E, 0xF99F, 0xF9A0, 0xF9A1, 0xF9A2, 0xF9A3, 0xF9A4, 0xF9A5,
    0xF9A6, 0xF9A7, 0xF9A8, 0xF9A9, 0xF9AA, 0xF9AB, 0xF9AC, 0xF9AD, 0xF9AE, 0xF9AF, 0xF9B0, 0xF9B1,
    0xF9B2, 0xF9B3, 0xF9B4, 0xF9B5, 0xF9B6, 0xF9B7, 0xF9B8, 0xF9B9, 0xF9BA, 0xF9BB, 0xF9BC, 0xF9BD,
    0xF9BE, 0xF9BF, 0xF9C0, 0xF9C1, 0xF9C2, 0xF9C3, 0xF9C4, 0xF9C5, 0xF9C6, 0xF9C7, 0xF9C8, 0xF9C9,
    0xF9CA, 0xF9CB, 0xF9CC, 0xF9CD, 0xF9CE, 0xF9CF, 0xF9D0, 0xF9D1, 0xF9D2, 0xF9D3, 0xF9D4, 0xF9D5,
    0xF9D6, 0xF9D7, 0xF9D8, 0xF9D9, 0xF9DA, 0xF9DB, 0xF9DC, 0xF9DD, 0xF9DE, 0xF9DF, 0xF9E0, 0xF9E1,
    0xF9E2, 0xF9E3, 0xF9E4, 0xF9E5, 0xF9E6, 0xF9E7, 0xF9E8, 0xF9E9, 0xF9EA, 0xF9EB, 0xF9EC, 0xF9ED,
    0xF9EE, 0xF9EF, 0xF9F0, 0xF9F1, 0xF9F2, 0xF9F3, 0xF9F4, 0xF9F5, 0xF9F6, 0xF9F7, 0xF9F8, 0xF9F9,
    0xF9FA, 0xF9FB, 0xF9FC, 0xF9FD, 0xF9FE, 0xF9FF, 0xFA00, 0xFA01, 0xFA02, 0xFA03, 0xFA04, 0xFA05,
    0xFA06, 0xFA07, 0xFA08, 0xFA09, 0xFA0A, 0xFA0B, 0xFA0C, 0xFA0D, 0xFA10, 0xFA12, 0xFA15, 0xFA16,
    0xFA17, 0xFA18, 0xFA19, 0xFA1A, 0xFA1B, 0xFA1C, 0xFA1D, 0xFA1E, 0xFA20, 0xFA22, 0xFA25, 0xFA26,
    0xFA2A, 0xFA2B, 0xFA2C, 0xFA2D, 0xFA2E, 0xFA2F, 0xFA30, 0xFA31, 0xFA32, 0xFA33, 0xFA34, 0xFA35,
    0xFA36, 0xFA37, 0xFA38, 0xFA39, 0xFA3A, 0xFA3B, 0xFA3C, 0xFA3D, 0xFA3E, 0xFA3F, 0xFA40, 0xFA41,
    0xFA42, 0xFA43, 0xFA44, 0xFA45, 0xFA46, 0xFA47, 0xFA48, 0xFA49, 0xFA4A, 0xFA4B, 0xFA4C, 0xFA4D,
    0xFA4E, 0xFA4F, 0xFA50, 0xFA51, 0xFA52, 0xFA53, 0xFA54, 0xFA55, 0xFA56, 0xFA57, 0xFA58, 0xFA59,
    0xFA5A, 0xFA5B, 0xFA5C, 0xFA5D, 0xFA5E, 0xFA5F, 0xFA60, 0xFA61, 0xFA62, 0xFA63, 0xFA64, 0xFA65,
    0xFA66, 0xFA67, 0xFA68, 0xFA69, 0xFA6A, 0xFA6B, 0xFA6C, 0xFA6D, 0xFA70, 0xFA71, 0xFA72, 0xFA73,
    0xFA74, 0xFA75, 0xFA76, 0xFA77, 0xFA78, 0xFA79, 0xFA7A, 0xFA7B, 0xFA7C, 0xFA7D, 0xFA7E, 0xFA7F,
    0xFA80, 0xFA81, 0xFA82, 0xFA83, 0xFA84, 0xFA85, 0xFA86, 0xFA87, 0xFA88, 0xFA89, 0xFA8A, 0xFA8B,
    0xFA8C, 0xFA8D, 0xFA8E, 0xFA8F, 0xFA90, 0xFA91, 0xFA92, 0xFA93, 0xFA94, 0xFA95, 0xFA96, 0xFA97,
    0xFA98, 0xFA99, 0xFA9A, 0xFA9B, 0xFA9C, 0xFA9D, 0xFA9E, 0xFA9F, 0xFAA0, 0xFAA1, 0xFAA2, 0xFAA3,
    0xFAA4, 0xFAA5, 0xFAA6, 0xFAA7, 0xFAA8, 0xFAA9, 0xFAAA, 0xFAAB, 0xFAAC, 0xFAAD, 0xFAAE, 0xFAAF,
    0xFAB0, 0xFAB1, 0xFAB2, 0xFAB3, 0xFAB4, 0xFAB5, 0xFAB6, 0xFAB7, 0xFAB8, 0xFAB9, 0xFABA, 0xFABB,
    0xFABC, 0xFABD, 0xFABE, 0xFABF, 0xFAC0, 0xFAC1, 0xFAC2, 0xFAC3, 0xFAC4, 0xFAC5, 0xFAC6, 0xFAC7,
    0xFAC8, 0xFAC9, 0xFACA, 0xFACB, 0xFACC, 0xFACD, 0xFACE, 0xFACF, 0xFAD0, 0xFAD1, 0xFAD2, 0xFAD3,
    0xFAD4, 0xFAD5, 0xFAD6, 0xFAD7, 0xFAD8, 0xFAD9, 0xFB1D, 0xFB1F, 0xFB2A, 0xFB2B, 0xFB2C, 0xFB2D,
    0xFB2E, 0xFB2F, 0xFB30, 0xFB31, 0xFB32, 0xFB33, 0xFB34, 0xFB35, 0xFB36, 0xFB38, 0xFB39, 0xFB3A,
    0xFB3B, 0xFB3C, 0xFB3E, 0xFB40, 0xFB41, 0xFB43, 0xFB44, 0xFB46, 0xFB47, 0xFB48, 0xFB49, 0xFB4A,
    0xFB4B, 0xFB4C, 0xFB4D, 0xFB4E, 0xFF21, 0xFF22, 0xFF23, 0xFF24, 0xFF25, 0xFF26, 0xFF27, 0xFF28,
    0xFF29, 0xFF2A, 0xFF2B, 0xFF2C, 0xFF2D, 0xFF2E, 0xFF2F, 0xFF30, 0xFF31, 0xFF32, 0xFF33, 0xFF34,
    0xFF35, 0xFF36, 0xFF37, 0xFF38, 0xFF39, 0xFF3A, 0x10400, 0x10401, 0x10402, 0x10403, 0x10404,
    0x10405, 0x10406, 0x10407, 0x10408, 0x10409, 0x1040A, 0x1040B, 0x1040C, 0x1040D, 0x1040E,
    0x1040F, 0x10410, 0x10411, 0x10412, 0x10413, 0x10414, 0x10415, 0x10416, 0x10417, 0x10418,
    0x10419, 0x1041A, 0x1041B, 0x1041C, 0x1041D, 0x1041E, 0x1041F, 0x10420, 0x10421, 0x10422,
    0x10423, 0x10424, 0x10425, 0x10426, 0x10427, 0x104B0, 0x104B1, 0x104B2, 0x104B3, 0x104B4,
    0x104B5, 0x104B6, 0x104B7, 0x104B8, 0x104B9, 0x104BA, 0x104BB, 0x104BC, 0x104BD, 0x104BE,
    0x104BF, 0x104C0, 0x104C1, 0x104C2, 0x104C3, 0x104C4, 0x104C5, 0x104C6, 0x104C7, 0x104C8,
    0x104C9, 0x104CA, 0x104CB, 0x104CC, 0x104CD, 0x104CE, 0x104CF, 0x104D0, 0x104D1, 0x104D2,
    0x104D3, 0x10570, 0x10571, 0x10572, 0x10573, 0x10574, 0x10575, 0x10576, 0x10577, 0x10578,
    0x10579, 0x1057A, 0x1057C, 0x1057D, 0x1057E, 0x1057F, 0x10580, 0x10581, 0x10582, 0x10583,
    0x10584, 0x10585, 0x10586, 0x10587, 0x10588, 0x10589, 0x1058A, 0x1058C, 0x1058D, 0x1058E,
    0x1058F, 0x10590, 0x10591, 0x10592, 0x10594, 0x10595, 0x10C80, 0x10C81, 0x10C82, 0x10C83,
    0x10C84, 0x10C85, 0x10C86, 0x10C87, 0x10C88, 0x10C89, 0x10C8A, 0x10C8B, 0x10C8C, 0x10C8D,
    0x10C8E, 0x10C8F, 0x10C90, 0x10C91, 0x10C92, 0x10C93, 0x10C94, 0x10C95, 0x10C96, 0x10C97,
    0x10C98, 0x10C99, 0x10C9A, 0x10C9B, 0x10C9C, 0x10C9D, 0x10C9E, 0x10C9F, 0x10CA0, 0x10CA1,
    0x10CA2, 0x10CA3, 0x10CA4, 0x10CA5, 0x10CA6, 0x10CA7, 0x10CA8, 0x10CA9, 0x10CAA, 0x10CAB,
    0x10CAC, 0x10CAD, 0x10CAE, 0x10CAF, 0x10CB0, 0x10CB1, 0x10CB2, 0x1109A, 0x1109C, 0x110AB,
    0x1134B, 0x1134C, 0x114BB, 0x114BC, 0x114BE, 0x115BA, 0x115BB, 0x118A0, 0x118A1, 0x118A2,
    0x118A3, 0x118A4, 0x118A5, 0x118A6, 0x118A7, 0x118A8, 0x118A9, 0x118AA, 0x118AB, 0x118AC,
    0x118AD, 0x118AE, 0x118AF, 0x118B0, 0x118B1, 0x118B2, 0x118B3, 0x118B4, 0x118B5, 0x118B6,
    0x118B7, 0x118B8, 0x118B9, 0x118BA, 0x118BB, 0x118BC, 0x118BD, 0x118BE, 0x118BF, 0x11938,
    0x16E40, 0x16E41, 0x16E42, 0x16E43, 0x16E44, 0x16E45, 0x16E46, 0x16E47, 0x16E48, 0x16E49,
    0x16E4A, 0x16E4B, 0x16E4C, 0x16E4D, 0x16E4E, 0x16E4F, 0x16E50, 0x16E51, 0x16E52, 0x16E53,
    0x16E54, 0x16E55, 0x16E56, 0x16E57, 0x16E58, 0x16E59, 0x16E5A, 0x16E5B, 0x16E5C, 0x16E5D,
    0x16E5E, 0x16E5F, 0x1D15E, 0x1D15F, 0x1D160, 0x1D161, 0x1D162, 0x1D163, 0x1D164, 0x1D1BB,
    0x1D1BC, 0x1D1BD, 0x1D1BE, 0x1D1BF, 0x1D1C0, 0x1E900, 0x1E901, 0x1E902, 0x1E903, 0x1E904,
    0x1E905, 0x1E906, 0x1E907, 0x1E908, 0x1E909, 0x1E90A, 0x1E90B, 0x1E90C, 0x1E90D, 0x1E90E,
    0x1E90F, 0x1E910, 0x1E911, 0x1E912, 0x1E913, 0x1E914, 0x1E915, 0x1E916, 0x1E917, 0x1E918,
    0x1E919, 0x1E91A, 0x1E91B, 0x1E91C, 0x1E91D, 0x1E91E, 0x1E91F, 0x1E920, 0x1E921, 0x2F800,
    0x2F801, 0x2F802, 0x2F803, 0x2F804, 0x2F805, 0x2F806, 0x2F807, 0x2F808, 0x2F809, 0x2F80A,
    0x2F80B, 0x2F80C, 0x2F80D, 0x2F80E, 0x2F80F, 0x2F810, 0x2F811, 0x2F812, 0x2F813, 0x2F814,
    0x2F815, 0x2F816, 0x2F817, 0x2F818, 0x2F819, 0x2F81A, 0x2F81B, 0x2F81C, 0x2F81D, 0x2F81E,
    0x2F81F, 0x2F820, 0x2F821, 0x2F822, 0x2F823, 0x2F824, 0x2F825, 0x2F826, 0x2F827, 0x2F828,
    0x2F829, 0x2F82A, 0x2F82B, 0x2F82C, 0x2F82D, 0x2F82E, 0x2F82F, 0x2F830, 0x2F831, 0x2F832,
    0x2F833, 0x2F834, 0x2F835, 0x2F836, 0x2F837, 0x2F838, 0x2F839, 0x2F83A, 0x2F83B, 0x2F83C,
    0x2F83D, 0x2F83E, 0x2F83F, 0x2F840, 0x2F841, 0x2F842, 0x2F843, 0x2F844, 0x2F845, 0x2F846,
    0x2F847, 0x2F848, 0x2F849, 0x2F84A, 0x2F84B, 0x2F84C, 0x2F84D, 0x2F84E, 0x2F84F, 0x2F850,
    0x2F851, 0x2F852, 0x2F853, 0x2F854, 0x2F855, 0x2F856, 0x2F857, 0x2F858, 0x2F859, 0x2F85A,
    0x2F85B, 0x2F85C, 0x2F85D, 0x2F85E, 0x2F85F, 0x2F860, 0x2F861, 0x2F862, 0x2F863, 0x2F864,
    0x2F865, 0x2F866, 0x2F867, 0x2F868, 0x2F869, 0x2F86A, 0x2F86B, 0x2F86C, 0x2F86D, 0x2F86E,
    0x2F86F, 0x2F870, 0x2F871, 0x2F872, 0x2F873, 0x2F874, 0x2F875, 0x2F876, 0x2F877, 0x2F878,
    0x2F879, 0x2F87A, 0x2F87B, 0x2F87C, 0x2F87D, 0x2F87E, 0x2F87F, 0x2F880, 0x2F881, 0x2F882,
    0x2F883, 0x2F884, 0x2F885, 0x2F886, 0x2F887, 0x2F888, 0x2F889, 0x2F88A, 0x2F88B, 0x2F88C,
    0x2F88D, 0x2F88E, 0x2F88F, 0x2F890, 0x2F891, 0x2F892, 0x2F893, 0x2F894, 0x2F895, 0x2F896,
    0x2F897, 0x2F898, 0x2F899, 0x2F89A, 0x2F89B, 0x2F89C, 0x2F89D, 0x2F89E, 0x2F89F, 0x2F8A0,
    0x2F8A1, 0x2F8A2, 0x2F8A3, 0x2F8A4, 0x2F8A5, 0x2F8A6, 0x2F8A7, 0x2F8A8, 0x2F8A9, 0x2F8AA,
    0x2F8AB, 0x2F8AC, 0x2F8AD, 0x2F8AE, 0x2F8AF, 0x2F8B0, 0x2F8B1, 0x2F8B2, 0x2F8B3, 0x2F8B4,
    0x2F8B5, 0x2F8B6, 0x2F8B7, 0x2F8B8, 0x2F8B9, 0x2F8BA, 0x2F8BB, 0x2F8BC, 0x2F8BD, 0x2F8BE,
    0x2F8BF, 0x2F8C0, 0x2F8C1, 0x2F8C2, 0x2F8C3, 0x2F8C4, 0x2F8C5, 0x2F8C6, 0x2F8C7, 0x2F8C8,
    0x2F8C9, 0x2F8CA, 0x2F8CB, 0x2F8CC, 0x2F8CD, 0x2F8CE, 0x2F8CF, 0x2F8D0, 0x2F8D1, 0x2F8D2,
    0x2F8D3, 0x2F8D4, 0x2F8D5, 0x2F8D6, 0x2F8D7, 0x2F8D8, 0x2F8D9, 0x2F8DA, 0x2F8DB, 0x2F8DC,
    0x2F8DD, 0x2F8DE, 0x2F8DF, 0x2F8E0, 0x2F8E1, 0x2F8E2, 0x2F8E3, 0x2F8E4, 0x2F8E5, 0x2F8E6,
    0x2F8E7, 0x2F8E8, 0x2F8E9, 0x2F8EA, 0x2F8EB, 0x2F8EC, 0x2F8ED, 0x2F8EE, 0x2F8EF, 0x2F8F0,
    0x2F8F1, 0x2F8F2, 0x2F8F3, 0x2F8F4, 0x2F8F5, 0x2F8F6, 0x2F8F7, 0x2F8F8, 0x2F8F9, 0x2F8FA,
    0x2F8FB, 0x2F8FC, 0x2F8FD, 0x2F8FE, 0x2F8FF, 0x2F900, 0x2F901, 0x2F902, 0x2F903, 0x2F904,
    0x2F905, 0x2F906, 0x2F907, 0x2F908, 0x2F909, 0x2F90A, 0x2F90B, 0x2F90C, 0x2F90D, 0x2F90E,
    0x2F90F, 0x2F910, 0x2F911, 0x2F912, 0x2F913, 0x2F914, 0x2F915, 0x2F916, 0x2F917, 0x2F918,
    0x2F919, 0x2F91A, 0x2F91B, 0x2F91C, 0x2F91D, 0x2F91E, 0x2F91F, 0x2F920, 0x2F921, 0x2F922,
    0x2F923, 0x2F924, 0x2F925, 0x2F926, 0x2F927, 0x2F928, 0x2F929, 0x2F92A, 0x2F92B, 0x2F92C,
    0x2F92D, 0x2F92E, 0x2F92F, 0x2F930, 0x2F931, 0x2F932, 0x2F933, 0x2F934, 0x2F935, 0x2F936,
    0x2F937, 0x2F938, 0x2F939, 0x2F93A, 0x2F93B, 0x2F93C, 0x2F93D, 0x2F93E, 0x2F93F, 0x2F940,
    0x2F941, 0x2F942, 0x2F943, 0x2F944, 0x2F945, 0x2F946, 0x2F947, 0x2F948, 0x2F949, 0x2F94A,
    0x2F94B, 0x2F94C, 0x2F94D, 0x2F94E, 0x2F94F, 0x2F950, 0x2F951, 0x2F952, 0x2F953, 0x2F954,
    0x2F955, 0x2F956, 0x2F957, 0x2F958, 0x2F959, 0x2F95A, 0x2F95B, 0x2F95C, 0x2F95D, 0x2F95E,
    0x2F95F, 0x2F960, 0x2F961, 0x2F962, 0x2F963, 0x2F964, 0x2F965, 0x2F966, 0x2F967, 0x2F968,
    0x2F969, 0x2F96A, 0x2F96B, 0x2F96C, 0x2F96D, 0x2F96E, 0x2F96F, 0x2F970, 0x2F971, 0x2F972,
    0x2F973, 0x2F974, 0x2F975, 0x2F976, 0x2F977, 0x2F978, 0x2F979, 0x2F97A, 0x2F97B, 0x2F97C,
    0x2F97D, 0x2F97E, 0x2F97F, 0x2F980, 0x2F981, 0x2F982, 0x2F983, 0x2F984, 0x2F985, 0x2F986,
    0x2F987, 0x2F988, 0x2F989, 0x2F98A, 0x2F98B, 0x2F98C, 0x2F98D, 0x2F98E, 0x2F98F, 0x2F990,
    0x2F991, 0x2F992, 0x2F993, 0x2F994, 0x2F995, 0x2F996, 0x2F997, 0x2F998, 0x2F999, 0x2F99A,
    0x2F99B, 0x2F99C, 0x2F99D, 0x2F99E, 0x2F99F, 0x2F9A0, 0x2F9A1, 0x2F9A2, 0x2F9A3, 0x2F9A4,
    0x2F9A5, 0x2F9A6, 0x2F9A7, 0x2F9A8, 0x2F9A9, 0x2F9AA, 0x2F9AB, 0x2F9AC, 0x2F9AD, 0x2F9AE,
    0x2F9AF, 0x2F9B0, 0x2F9B1, 0x2F9B2, 0x2F9B3, 0x2F9B4, 0x2F9B5, 0x2F9B6, 0x2F9B7, 0x2F9B8,
    0x2F9B9, 0x2F9BA, 0x2F9BB, 0x2F9BC, 0x2F9BD, 0x2F9BE, 0x2F9BF, 0x2F9C0, 0x2F9C1, 0x2F9C2,
    0x2F9C3, 0x2F9C4, 0x2F9C5, 0x2F9C6, 0x2F9C7, 0x2F9C8, 0x2F9C9, 0x2F9CA, 0x2F9CB, 0x2F9CC,
    0x2F9CD, 0x2F9CE, 0x2F9CF, 0x2F9D0, 0x2F9D1, 0x2F9D2, 0x2F9D3, 0x2F9D4, 0x2F9D5, 0x2F9D6,
    0x2F9D7, 0x2F9D8, 0x2F9D9, 0x2F9DA, 0x2F9DB, 0x2F9DC, 0x2F9DD, 0x2F9DE, 0x2F9DF, 0x2F9E0,
    0x2F9E1, 0x2F9E2, 0x2F9E3, 0x2F9E4, 0x2F9E5, 0x2F9E6, 0x2F9E7, 0x2F9E8, 0x2F9E9, 0x2F9EA,
    0x2F9EB, 0x2F9EC, 0x2F9ED, 0x2F9EE, 0x2F9EF, 0x2F9F0, 0x2F9F1, 0x2F9F2, 0x2F9F3, 0x2F9F4,
    0x2F9F5, 0x2F9F6, 0x2F9F7, 0x2F9F8, 0x2F9F9, 0x2F9FA, 0x2F9FB, 0x2F9FC, 0x2F9FD, 0x2F9FE,
    0x2F9FF, 0x2FA00, 0x2FA01, 0x2FA02, 0x2FA03, 0x2FA04, 0x2FA05, 0x2FA06, 0x2FA07, 0x2FA08,
    0x2FA09, 0x2FA0A, 0x2FA0B, 0x2FA0C, 0x2FA0D, 0x2FA0E, 0x2FA0F, 0x2FA10, 0x2FA11, 0x2FA12,
    0x2FA13, 0x2FA14, 0x2FA15, 0x2FA16, 0x2FA17, 0x2FA18, 0x2FA19, 0x2FA1A, 0x2FA1B, 0x2FA1C,
    0x2FA1D,
};
static const uint32_t mlip__tok_fold_vals[3096] = {
    0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
    0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
    0xE6, 0x63, 0x65, 0x65, 0x65, 0x65, 0x69, 0x69, 0x69, 0x69, 0xF0, 0x6E, 0x6F, 0x6F, 0x6F, 0x6F,
    0x6F, 0xF8, 0x75, 0x75, 0x75, 0x75, 0x79, 0xFE, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x63, 0x65,
    0x65, 0x65, 0x65, 0x69, 0x69, 0x69, 0x69, 0x6E, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x75, 0x75, 0x75,
    0x75, 0x79, 0x79, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
    0x63, 0x64, 0x64, 0x111, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x67, 0x67,
    0x67, 0x67, 0x67, 0x67, 0x67, 0x67, 0x68, 0x68, 0x127, 0x69, 0x69, 0x69, 0x69, 0x69, 0x69, 0x69,
    0x69, 0x69, 0x133, 0x6A, 0x6A, 0x6B, 0x6B, 0x6C, 0x6C, 0x6C, 0x6C, 0x6C, 0x6C, 0x140, 0x142,
    0x6E, 0x6E, 0x6E, 0x6E, 0x6E, 0x6E, 0x14B, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x153, 0x72,
    0x72, 0x72, 0x72, 0x72, 0x72, 0x73, 0x73, 0x73, 0x73, 0x73, 0x73, 0x73, 0x73, 0x74, 0x74, 0x74,
    0x74, 0x167, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x77, 0x77,
    0x79, 0x79, 0x79, 0x7A, 0x7A, 0x7A, 0x7A, 0x7A, 0x7A, 0x253, 0x183, 0x185, 0x254, 0x188, 0x256,
    0x257, 0x18C, 0x1DD, 0x259, 0x25B, 0x192, 0x260, 0x263, 0x269, 0x268, 0x199, 0x26F, 0x272,
    0x275, 0x6F, 0x6F, 0x1A3, 0x1A5, 0x280, 0x1A8, 0x283, 0x1AD, 0x288, 0x75, 0x75, 0x28A, 0x28B,
    0x1B4, 0x1B6, 0x292, 0x1B9, 0x1BD, 0x1C6, 0x1C6, 0x1C9, 0x1C9, 0x1CC, 0x1CC, 0x61, 0x61, 0x69,
    0x69, 0x6F, 0x6F, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x61, 0x61, 0x61,
    0x61, 0xE6, 0xE6, 0x1E5, 0x67, 0x67, 0x6B, 0x6B, 0x6F, 0x6F, 0x6F, 0x6F, 0x292, 0x292, 0x6A,
    0x1F3, 0x1F3, 0x67, 0x67, 0x195, 0x1BF, 0x6E, 0x6E, 0x61, 0x61, 0xE6, 0xE6, 0xF8, 0xF8, 0x61,
    0x61, 0x61, 0x61, 0x65, 0x65, 0x65, 0x65, 0x69, 0x69, 0x69, 0x69, 0x6F, 0x6F, 0x6F, 0x6F, 0x72,
    0x72, 0x72, 0x72, 0x75, 0x75, 0x75, 0x75, 0x73, 0x73, 0x74, 0x74, 0x21D, 0x68, 0x68, 0x19E,
    0x223, 0x225, 0x61, 0x61, 0x65, 0x65, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x79,
    0x79, 0x2C65, 0x23C, 0x19A, 0x2C66, 0x242, 0x180, 0x289, 0x28C, 0x247, 0x249, 0x24B, 0x24D,
    0x24F, 0x371, 0x373, 0x2B9, 0x377, 0x3B, 0x3F3, 0xA8, 0x3B1, 0xB7, 0x3B5, 0x3B7, 0x3B9, 0x3BF,
    0x3C5, 0x3C9, 0x3B9, 0x3B1, 0x3B2, 0x3B3, 0x3B4, 0x3B5, 0x3B6, 0x3B7, 0x3B8, 0x3B9, 0x3BA,
    0x3BB, 0x3BC, 0x3BD, 0x3BE, 0x3BF, 0x3C0, 0x3C1, 0x3C3, 0x3C4, 0x3C5, 0x3C6, 0x3C7, 0x3C8,
    0x3C9, 0x3B9, 0x3C5, 0x3B1, 0x3B5, 0x3B7, 0x3B9, 0x3C5, 0x3B9, 0x3C5, 0x3BF, 0x3C5, 0x3C9,
    0x3D7, 0x3D2, 0x3D2, 0x3D9, 0x3DB, 0x3DD, 0x3DF, 0x3E1, 0x3E3, 0x3E5, 0x3E7, 0x3E9, 0x3EB,
    0x3ED, 0x3EF, 0x3B8, 0x3F8, 0x3F2, 0x3FB, 0x37B, 0x37C, 0x37D, 0x435, 0x435, 0x452, 0x433,
    0x454, 0x455, 0x456, 0x456, 0x458, 0x459, 0x45A, 0x45B, 0x43A, 0x438, 0x443, 0x45F, 0x430,
    0x431, 0x432, 0x433, 0x434, 0x435, 0x436, 0x437, 0x438, 0x438, 0x43A, 0x43B, 0x43C, 0x43D,
    0x43E, 0x43F, 0x440, 0x441, 0x442, 0x443, 0x444, 0x445, 0x446, 0x447, 0x448, 0x449, 0x44A,
    0x44B, 0x44C, 0x44D, 0x44E, 0x44F, 0x438, 0x435, 0x435, 0x433, 0x456, 0x43A, 0x438, 0x443,
    0x461, 0x463, 0x465, 0x467, 0x469, 0x46B, 0x46D, 0x46F, 0x471, 0x473, 0x475, 0x475, 0x475,
    0x479, 0x47B, 0x47D, 0x47F, 0x481, 0x48B, 0x48D, 0x48F, 0x491, 0x493, 0x495, 0x497, 0x499,
    0x49B, 0x49D, 0x49F, 0x4A1, 0x4A3, 0x4A5, 0x4A7, 0x4A9, 0x4AB, 0x4AD, 0x4AF, 0x4B1, 0x4B3,
    0x4B5, 0x4B7, 0x4B9, 0x4BB, 0x4BD, 0x4BF, 0x4CF, 0x436, 0x436, 0x4C4, 0x4C6, 0x4C8, 0x4CA,
    0x4CC, 0x4CE, 0x430, 0x430, 0x430, 0x430, 0x4D5, 0x435, 0x435, 0x4D9, 0x4D9, 0x4D9, 0x436,
    0x436, 0x437, 0x437, 0x4E1, 0x438, 0x438, 0x438, 0x438, 0x43E, 0x43E, 0x4E9, 0x4E9, 0x4E9,
    0x44D, 0x44D, 0x443, 0x443, 0x443, 0x443, 0x443, 0x443, 0x447, 0x447, 0x4F7, 0x44B, 0x44B,
    0x4FB, 0x4FD, 0x4FF, 0x501, 0x503, 0x505, 0x507, 0x509, 0x50B, 0x50D, 0x50F, 0x511, 0x513,
    0x515, 0x517, 0x519, 0x51B, 0x51D, 0x51F, 0x521, 0x523, 0x525, 0x527, 0x529, 0x52B, 0x52D,
    0x52F, 0x561, 0x562, 0x563, 0x564, 0x565, 0x566, 0x567, 0x568, 0x569, 0x56A, 0x56B, 0x56C,
    0x56D, 0x56E, 0x56F, 0x570, 0x571, 0x572, 0x573, 0x574, 0x575, 0x576, 0x577, 0x578, 0x579,
    0x57A, 0x57B, 0x57C, 0x57D, 0x57E, 0x57F, 0x580, 0x581, 0x582, 0x583, 0x584, 0x585, 0x586,
    0x627, 0x627, 0x648, 0x627, 0x64A, 0x6D5, 0x6C1, 0x6D2, 0x928, 0x930, 0x933, 0x915, 0x916,
    0x917, 0x91C, 0x921, 0x922, 0x92B, 0x92F, MLIP__TOK_M(0,2), MLIP__TOK_M(2,2), 0x9A1, 0x9A2,
    0x9AF, 0xA32, 0xA38, 0xA16, 0xA17, 0xA1C, 0xA2B, 0xB47, MLIP__TOK_M(4,2), MLIP__TOK_M(6,2),
    0xB21, 0xB22, MLIP__TOK_M(8,2), MLIP__TOK_M(10,2), MLIP__TOK_M(12,2), MLIP__TOK_M(14,2), 0xCD5,
    0xCD5, 0xCD6, 0xCC2, MLIP__TOK_M(16,2), MLIP__TOK_M(18,2), MLIP__TOK_M(20,2), MLIP__TOK_M(22,2),
    0xDD9, MLIP__TOK_M(24,2), MLIP__TOK_M(26,2), MLIP__TOK_M(28,2), 0xF42, 0xF4C, 0xF51, 0xF56,
    0xF5B, 0xF40, 0x1025, 0x2D00, 0x2D01, 0x2D02, 0x2D03, 0x2D04, 0x2D05, 0x2D06, 0x2D07, 0x2D08,
    0x2D09, 0x2D0A, 0x2D0B, 0x2D0C, 0x2D0D, 0x2D0E, 0x2D0F, 0x2D10, 0x2D11, 0x2D12, 0x2D13, 0x2D14,
    0x2D15, 0x2D16, 0x2D17, 0x2D18, 0x2D19, 0x2D1A, 0x2D1B, 0x2D1C, 0x2D1D, 0x2D1E, 0x2D1F, 0x2D20,
    0x2D21, 0x2D22, 0x2D23, 0x2D24, 0x2D25, 0x2D27, 0x2D2D, 0xAB70, 0xAB71, 0xAB72, 0xAB73, 0xAB74,
    0xAB75, 0xAB76, 0xAB77, 0xAB78, 0xAB79, 0xAB7A, 0xAB7B, 0xAB7C, 0xAB7D, 0xAB7E, 0xAB7F, 0xAB80,
    0xAB81, 0xAB82, 0xAB83, 0xAB84, 0xAB85, 0xAB86, 0xAB87, 0xAB88, 0xAB89, 0xAB8A, 0xAB8B, 0xAB8C,
    0xAB8D, 0xAB8E, 0xAB8F, 0xAB90, 0xAB91, 0xAB92, 0xAB93, 0xAB94, 0xAB95, 0xAB96, 0xAB97, 0xAB98,
    0xAB99, 0xAB9A, 0xAB9B, 0xAB9C, 0xAB9D, 0xAB9E, 0xAB9F, 0xABA0, 0xABA1, 0xABA2, 0xABA3, 0xABA4,
    0xABA5, 0xABA6, 0xABA7, 0xABA8, 0xABA9, 0xABAA, 0xABAB, 0xABAC, 0xABAD, 0xABAE, 0xABAF, 0xABB0,
    0xABB1, 0xABB2, 0xABB3, 0xABB4, 0xABB5, 0xABB6, 0xABB7, 0xABB8, 0xABB9, 0xABBA, 0xABBB, 0xABBC,
    0xABBD, 0xABBE, 0xABBF, 0x13F8, 0x13F9, 0x13FA, 0x13FB, 0x13FC, 0x13FD, MLIP__TOK_M(30,2),
    MLIP__TOK_M(32,2), MLIP__TOK_M(34,2), MLIP__TOK_M(36,2), MLIP__TOK_M(38,2), MLIP__TOK_M(40,2),
    0x1B35, 0x1B35, MLIP__TOK_M(42,2), MLIP__TOK_M(44,2), 0x1B35, 0x10D0, 0x10D1, 0x10D2, 0x10D3,
    0x10D4, 0x10D5, 0x10D6, 0x10D7, 0x10D8, 0x10D9, 0x10DA, 0x10DB, 0x10DC, 0x10DD, 0x10DE, 0x10DF,
    0x10E0, 0x10E1, 0x10E2, 0x10E3, 0x10E4, 0x10E5, 0x10E6, 0x10E7, 0x10E8, 0x10E9, 0x10EA, 0x10EB,
    0x10EC, 0x10ED, 0x10EE, 0x10EF, 0x10F0, 0x10F1, 0x10F2, 0x10F3, 0x10F4, 0x10F5, 0x10F6, 0x10F7,
    0x10F8, 0x10F9, 0x10FA, 0x10FD, 0x10FE, 0x10FF, 0x61, 0x61, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62,
    0x63, 0x63, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x65, 0x65, 0x65, 0x65,
    0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x66, 0x66, 0x67, 0x67, 0x68, 0x68, 0x68, 0x68, 0x68, 0x68,
    0x68, 0x68, 0x68, 0x68, 0x69, 0x69, 0x69, 0x69, 0x6B, 0x6B, 0x6B, 0x6B, 0x6B, 0x6B, 0x6C, 0x6C,
    0x6C, 0x6C, 0x6C, 0x6C, 0x6C, 0x6C, 0x6D, 0x6D, 0x6D, 0x6D, 0x6D, 0x6D, 0x6E, 0x6E, 0x6E, 0x6E,
    0x6E, 0x6E, 0x6E, 0x6E, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x70, 0x70, 0x70, 0x70,
    0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x73, 0x73, 0x73, 0x73, 0x73, 0x73, 0x73, 0x73,
    0x73, 0x73, 0x74, 0x74, 0x74, 0x74, 0x74, 0x74, 0x74, 0x74, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75,
    0x75, 0x75, 0x75, 0x75, 0x76, 0x76, 0x76, 0x76, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77,
    0x77, 0x77, 0x78, 0x78, 0x78, 0x78, 0x79, 0x79, 0x7A, 0x7A, 0x7A, 0x7A, 0x7A, 0x7A, 0x68, 0x74,
    0x77, 0x79, 0x17F, 0xDF, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61,
    0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x65, 0x65, 0x65, 0x65,
    0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x69, 0x69, 0x69, 0x69,
    0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F,
    0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x6F, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x75,
    0x75, 0x75, 0x75, 0x75, 0x75, 0x75, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x79, 0x1EFB,
    0x1EFD, 0x1EFF, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1,
    0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B5, 0x3B5, 0x3B5, 0x3B5, 0x3B5, 0x3B5, 0x3B5, 0x3B5,
    0x3B5, 0x3B5, 0x3B5, 0x3B5, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7,
    0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9,
    0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3BF, 0x3BF, 0x3BF,
    0x3BF, 0x3BF, 0x3BF, 0x3BF, 0x3BF, 0x3BF, 0x3BF, 0x3BF, 0x3BF, 0x3C5, 0x3C5, 0x3C5, 0x3C5,
    0x3C5, 0x3C5, 0x3C5, 0x3C5, 0x3C5, 0x3C5, 0x3C5, 0x3C5, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9,
    0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3B1, 0x3B1,
    0x3B5, 0x3B5, 0x3B7, 0x3B7, 0x3B9, 0x3B9, 0x3BF, 0x3BF, 0x3C5, 0x3C5, 0x3C9, 0x3C9, 0x3B1,
    0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1,
    0x3B1, 0x3B1, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7,
    0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9,
    0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3C9, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1,
    0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B1, 0x3B9, 0xA8, 0x3B7, 0x3B7, 0x3B7, 0x3B7, 0x3B7,
    0x3B5, 0x3B5, 0x3B7, 0x3B7, 0x3B7, 0x1FBF, 0x1FBF, 0x1FBF, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9,
    0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x3B9, 0x1FFE, 0x1FFE, 0x1FFE, 0x3C5, 0x3C5, 0x3C5, 0x3C5, 0x3C1,
    0x3C1, 0x3C5, 0x3C5, 0x3C5, 0x3C5, 0x3C5, 0x3C5, 0x3C1, 0xA8, 0xA8, 0x60, 0x3C9, 0x3C9, 0x3C9,
    0x3C9, 0x3C9, 0x3BF, 0x3BF, 0x3C9, 0x3C9, 0x3C9, 0xB4, 0x2002, 0x2003, 0x3C9, 0x6B, 0x61,
    0x214E, 0x2170, 0x2171, 0x2172, 0x2173, 0x2174, 0x2175, 0x2176, 0x2177, 0x2178, 0x2179, 0x217A,
    0x217B, 0x217C, 0x217D, 0x217E, 0x217F, 0x2184, 0x2190, 0x2192, 0x2194, 0x21D0, 0x21D4, 0x21D2,
    0x2203, 0x2208, 0x220B, 0x2223, 0x2225, 0x223C, 0x2243, 0x2245, 0x2248, 0x3D, 0x2261, 0x224D,
    0x3C, 0x3E, 0x2264, 0x2265, 0x2272, 0x2273, 0x2276, 0x2277, 0x227A, 0x227B, 0x2282, 0x2283,
    0x2286, 0x2287, 0x22A2, 0x22A8, 0x22A9, 0x22AB, 0x227C, 0x227D, 0x2291, 0x2292, 0x22B2, 0x22B3,
    0x22B4, 0x22B5, 0x3008, 0x3009, 0x24D0, 0x24D1, 0x24D2, 0x24D3, 0x24D4, 0x24D5, 0x24D6, 0x24D7,
    0x24D8, 0x24D9, 0x24DA, 0x24DB, 0x24DC, 0x24DD, 0x24DE, 0x24DF, 0x24E0, 0x24E1, 0x24E2, 0x24E3,
    0x24E4, 0x24E5, 0x24E6, 0x24E7, 0x24E8, 0x24E9, 0x2ADD, 0x2C30, 0x2C31, 0x2C32, 0x2C33, 0x2C34,
    0x2C35, 0x2C36, 0x2C37, 0x2C38, 0x2C39, 0x2C3A, 0x2C3B, 0x2C3C, 0x2C3D, 0x2C3E, 0x2C3F, 0x2C40,
    0x2C41, 0x2C42, 0x2C43, 0x2C44, 0x2C45, 0x2C46, 0x2C47, 0x2C48, 0x2C49, 0x2C4A, 0x2C4B, 0x2C4C,
    0x2C4D, 0x2C4E, 0x2C4F, 0x2C50, 0x2C51, 0x2C52, 0x2C53, 0x2C54, 0x2C55, 0x2C56, 0x2C57, 0x2C58,
    0x2C59, 0x2C5A, 0x2C5B, 0x2C5C, 0x2C5D, 0x2C5E, 0x2C5F, 0x2C61, 0x26B, 0x1D7D, 0x27D, 0x2C68,
    0x2C6A, 0x2C6C, 0x251, 0x271, 0x250, 0x252, 0x2C73, 0x2C76, 0x23F, 0x240, 0x2C81, 0x2C83,
    0x2C85, 0x2C87, 0x2C89, 0x2C8B, 0x2C8D, 0x2C8F, 0x2C91, 0x2C93, 0x2C95, 0x2C97, 0x2C99, 0x2C9B,
    0x2C9D, 0x2C9F, 0x2CA1, 0x2CA3, 0x2CA5, 0x2CA7, 0x2CA9, 0x2CAB, 0x2CAD, 0x2CAF, 0x2CB1, 0x2CB3,
    0x2CB5, 0x2CB7, 0x2CB9, 0x2CBB, 0x2CBD, 0x2CBF, 0x2CC1, 0x2CC3, 0x2CC5, 0x2CC7, 0x2CC9, 0x2CCB,
    0x2CCD, 0x2CCF, 0x2CD1, 0x2CD3, 0x2CD5, 0x2CD7, 0x2CD9, 0x2CDB, 0x2CDD, 0x2CDF, 0x2CE1, 0x2CE3,
    0x2CEC, 0x2CEE, 0x2CF3, 0x304B, 0x304D, 0x304F, 0x3051, 0x3053, 0x3055, 0x3057, 0x3059, 0x305B,
    0x305D, 0x305F, 0x3061, 0x3064, 0x3066, 0x3068, 0x306F, 0x306F, 0x3072, 0x3072, 0x3075, 0x3075,
    0x3078, 0x3078, 0x307B, 0x307B, 0x3046, 0x309D, 0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5,
    0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CF, 0x30CF, 0x30D2,
    0x30D2, 0x30D5, 0x30D5, 0x30D8, 0x30D8, 0x30DB, 0x30DB, 0x30A6, 0x30EF, 0x30F0, 0x30F1, 0x30F2,
    0x30FD, 0xA641, 0xA643, 0xA645, 0xA647, 0xA649, 0xA64B, 0xA64D, 0xA64F, 0xA651, 0xA653, 0xA655,
    0xA657, 0xA659, 0xA65B, 0xA65D, 0xA65F, 0xA661, 0xA663, 0xA665, 0xA667, 0xA669, 0xA66B, 0xA66D,
    0xA681, 0xA683, 0xA685, 0xA687, 0xA689, 0xA68B, 0xA68D, 0xA68F, 0xA691, 0xA693, 0xA695, 0xA697,
    0xA699, 0xA69B, 0xA723, 0xA725, 0xA727, 0xA729, 0xA72B, 0xA72D, 0xA72F, 0xA733, 0xA735, 0xA737,
    0xA739, 0xA73B, 0xA73D, 0xA73F, 0xA741, 0xA743, 0xA745, 0xA747, 0xA749, 0xA74B, 0xA74D, 0xA74F,
    0xA751, 0xA753, 0xA755, 0xA757, 0xA759, 0xA75B, 0xA75D, 0xA75F, 0xA761, 0xA763, 0xA765, 0xA767,
    0xA769, 0xA76B, 0xA76D, 0xA76F, 0xA77A, 0xA77C, 0x1D79, 0xA77F, 0xA781, 0xA783, 0xA785, 0xA787,
    0xA78C, 0x265, 0xA791, 0xA793, 0xA797, 0xA799, 0xA79B, 0xA79D, 0xA79F, 0xA7A1, 0xA7A3, 0xA7A5,
    0xA7A7, 0xA7A9, 0x266, 0x25C, 0x261, 0x26C, 0x26A, 0x29E, 0x287, 0x29D, 0xAB53, 0xA7B5, 0xA7B7,
    0xA7B9, 0xA7BB, 0xA7BD, 0xA7BF, 0xA7C1, 0xA7C3, 0xA794, 0x282, 0x1D8E, 0xA7C8, 0xA7CA, 0xA7D1,
    0xA7D7, 0xA7D9, 0xA7F6, 0x8C48, 0x66F4, 0x8ECA, 0x8CC8, 0x6ED1, 0x4E32, 0x53E5, 0x9F9C, 0x9F9C,
    0x5951, 0x91D1, 0x5587, 0x5948, 0x61F6, 0x7669, 0x7F85, 0x863F, 0x87BA, 0x88F8, 0x908F, 0x6A02,
    0x6D1B, 0x70D9, 0x73DE, 0x843D, 0x916A, 0x99F1, 0x4E82, 0x5375, 0x6B04, 0x721B, 0x862D, 0x9E1E,
    0x5D50, 0x6FEB, 0x85CD, 0x8964, 0x62C9, 0x81D8, 0x881F, 0x5ECA, 0x6717, 0x6D6A, 0x72FC, 0x90CE,
    0x4F86, 0x51B7, 0x52DE, 0x64C4, 0x6AD3, 0x7210, 0x76E7, 0x8001, 0x8606, 0x865C, 0x8DEF, 0x9732,
    0x9B6F, 0x9DFA, 0x788C, 0x797F, 0x7DA0, 0x83C9, 0x9304, 0x9E7F, 0x8AD6, 0x58DF, 0x5F04, 0x7C60,
    0x807E, 0x7262, 0x78CA, 0x8CC2, 0x96F7, 0x58D8, 0x5C62, 0x6A13, 0x6DDA, 0x6F0F, 0x7D2F, 0x7E37,
    0x964B, 0x52D2, 0x808B, 0x51DC, 0x51CC, 0x7A1C, 0x7DBE, 0x83F1, 0x9675, 0x8B80, 0x62CF, 0x6A02,
    0x8AFE, 0x4E39, 0x5BE7, 0x6012, 0x7387, 0x7570, 0x5317, 0x78FB, 0x4FBF, 0x5FA9, 0x4E0D, 0x6CCC,
    0x6578, 0x7D22, 0x53C3, 0x585E, 0x7701, 0x8449, 0x8AAA, 0x6BBA, 0x8FB0, 0x6C88, 0x62FE, 0x82E5,
    0x63A0, 0x7565, 0x4EAE, 0x5169, 0x51C9, 0x6881, 0x7CE7, 0x826F, 0x8AD2, 0x91CF, 0x52F5, 0x5442,
    0x5973, 0x5EEC, 0x65C5, 0x6FFE, 0x792A, 0x95AD, 0x9A6A, 0x9E97, 0x9ECE, 0x529B, 0x66C6, 0x6B77,
    0x8F62, 0x5E74, 0x6190, 0x6200, 0x649A, 0x6F23, 0x7149, 0x7489, 0x79CA, 0x7DF4, 0x806F, 0x8F26,
    0x84EE, 0x9023, 0x934A, 0x5217, 0x52A3, 0x54BD, 0x70C8, 0x88C2, 0x8AAA, 0x5EC9, 0x5FF5, 0x637B,
    0x6BAE, 0x7C3E, 0x7375, 0x4EE4, 0x56F9, 0x5BE7, 0x5DBA, 0x601C, 0x73B2, 0x7469, 0x7F9A, 0x8046,
    0x9234, 0x96F6, 0x9748, 0x9818, 0x4F8B, 0x79AE, 0x91B4, 0x96B8, 0x60E1, 0x4E86, 0x50DA, 0x5BEE,
    0x5C3F, 0x6599, 0x6A02, 0x71CE, 0x7642, 0x84FC, 0x907C, 0x9F8D, 0x6688, 0x962E, 0x5289, 0x677B,
    0x67F3, 0x6D41, 0x6E9C, 0x7409, 0x7559, 0x786B, 0x7D10, 0x985E, 0x516D, 0x622E, 0x9678, 0x502B,
    0x5D19, 0x6DEA, 0x8F2A, 0x5F8B, 0x6144, 0x6817, 0x7387, 0x9686, 0x5229, 0x540F, 0x5C65, 0x6613,
    0x674E, 0x68A8, 0x6CE5, 0x7406, 0x75E2, 0x7F79, 0x88CF, 0x88E1, 0x91CC, 0x96E2, 0x533F, 0x6EBA,
    0x541D, 0x71D0, 0x7498, 0x85FA, 0x96A3, 0x9C57, 0x9E9F, 0x6797, 0x6DCB, 0x81E8, 0x7ACB, 0x7B20,
    0x7C92, 0x72C0, 0x7099, 0x8B58, 0x4EC0, 0x8336, 0x523A, 0x5207, 0x5EA6, 0x62D3, 0x7CD6, 0x5B85,
    0x6D1E, 0x66B4, 0x8F3B, 0x884C, 0x964D, 0x898B, 0x5ED3, 0x5140, 0x55C0, 0x585A, 0x6674, 0x51DE,
    0x732A, 0x76CA, 0x793C, 0x795E, 0x7965, 0x798F, 0x9756, 0x7CBE, 0x7FBD, 0x8612, 0x8AF8, 0x9038,
    0x90FD, 0x98EF, 0x98FC, 0x9928, 0x9DB4, 0x90DE, 0x96B7, 0x4FAE, 0x50E7, 0x514D, 0x52C9, 0x52E4,
    0x5351, 0x559D, 0x5606, 0x5668, 0x5840, 0x58A8, 0x5C64, 0x5C6E, 0x6094, 0x6168, 0x618E, 0x61F2,
    0x654F, 0x65E2, 0x6691, 0x6885, 0x6D77, 0x6E1A, 0x6F22, 0x716E, 0x722B, 0x7422, 0x7891, 0x793E,
    0x7949, 0x7948, 0x7950, 0x7956, 0x795D, 0x798D, 0x798E, 0x7A40, 0x7A81, 0x7BC0, 0x7DF4, 0x7E09,
    0x7E41, 0x7F72, 0x8005, 0x81ED, 0x8279, 0x8279, 0x8457, 0x8910, 0x8996, 0x8B01, 0x8B39, 0x8CD3,
    0x8D08, 0x8FB6, 0x9038, 0x96E3, 0x97FF, 0x983B, 0x6075, 0x242EE, 0x8218, 0x4E26, 0x51B5, 0x5168,
    0x4F80, 0x5145, 0x5180, 0x52C7, 0x52FA, 0x559D, 0x5555, 0x5599, 0x55E2, 0x585A, 0x58B3, 0x5944,
    0x5954, 0x5A62, 0x5B28, 0x5ED2, 0x5ED9, 0x5F69, 0x5FAD, 0x60D8, 0x614E, 0x6108, 0x618E, 0x6160,
    0x61F2, 0x6234, 0x63C4, 0x641C, 0x6452, 0x6556, 0x6674, 0x6717, 0x671B, 0x6756, 0x6B79, 0x6BBA,
    0x6D41, 0x6EDB, 0x6ECB, 0x6F22, 0x701E, 0x716E, 0x77A7, 0x7235, 0x72AF, 0x732A, 0x7471, 0x7506,
    0x753B, 0x761D, 0x761F, 0x76CA, 0x76DB, 0x76F4, 0x774A, 0x7740, 0x78CC, 0x7AB1, 0x7BC0, 0x7C7B,
    0x7D5B, 0x7DF4, 0x7F3E, 0x8005, 0x8352, 0x83EF, 0x8779, 0x8941, 0x8986, 0x8996, 0x8ABF, 0x8AF8,
    0x8ACB, 0x8B01, 0x8AFE, 0x8AED, 0x8B39, 0x8B8A, 0x8D08, 0x8F38, 0x9072, 0x9199, 0x9276, 0x967C,
    0x96E3, 0x9756, 0x97DB, 0x97FF, 0x980B, 0x983B, 0x9B12, 0x9F9C, 0x2284A, 0x22844, 0x233D5,
    0x3B9D, 0x4018, 0x4039, 0x25249, 0x25CD0, 0x27ED3, 0x9F43, 0x9F8E, 0x5D9, 0x5F2, 0x5E9, 0x5E9,
    0x5E9, 0x5E9, 0x5D0, 0x5D0, 0x5D0, 0x5D1, 0x5D2, 0x5D3, 0x5D4, 0x5D5, 0x5D6, 0x5D8, 0x5D9,
    0x5DA, 0x5DB, 0x5DC, 0x5DE, 0x5E0, 0x5E1, 0x5E3, 0x5E4, 0x5E6, 0x5E7, 0x5E8, 0x5E9, 0x5EA,
    0x5D5, 0x5D1, 0x5DB, 0x5E4, 0xFF41, 0xFF42, 0xFF43, 0xFF44, 0xFF45, 0xFF46, 0xFF47, 0xFF48,
    0xFF49, 0xFF4A, 0xFF4B, 0xFF4C, 0xFF4D, 0xFF4E, 0xFF4F, 0xFF50, 0xFF51, 0xFF52, 0xFF53, 0xFF54,
    0xFF55, 0xFF56, 0xFF57, 0xFF58, 0xFF59, 0xFF5A, 0x10428, 0x10429, 0x1042A, 0x1042B, 0x1042C,
    0x1042D, 0x1042E, 0x1042F, 0x10430, 0x10431, 0x10432, 0x10433, 0x10434, 0x10435, 0x10436,
    0x10437, 0x10438, 0x10439, 0x1043A, 0x1043B, 0x1043C, 0x1043D, 0x1043E, 0x1043F, 0x10440,
    0x10441, 0x10442, 0x10443, 0x10444, 0x10445, 0x10446, 0x10447, 0x10448, 0x10449, 0x1044A,
    0x1044B, 0x1044C, 0x1044D, 0x1044E, 0x1044F, 0x104D8, 0x104D9, 0x104DA, 0x104DB, 0x104DC,
    0x104DD, 0x104DE, 0x104DF, 0x104E0, 0x104E1, 0x104E2, 0x104E3, 0x104E4, 0x104E5, 0x104E6,
    0x104E7, 0x104E8, 0x104E9, 0x104EA, 0x104EB, 0x104EC, 0x104ED, 0x104EE, 0x104EF, 0x104F0,
    0x104F1, 0x104F2, 0x104F3, 0x104F4, 0x104F5, 0x104F6, 0x104F7, 0x104F8, 0x104F9, 0x104FA,
    0x104FB, 0x10597, 0x10598, 0x10599, 0x1059A, 0x1059B, 0x1059C, 0x1059D, 0x1059E, 0x1059F,
    0x105A0, 0x105A1, 0x105A3, 0x105A4, 0x105A5, 0x105A6, 0x105A7, 0x105A8, 0x105A9, 0x105AA,
    0x105AB, 0x105AC, 0x105AD, 0x105AE, 0x105AF, 0x105B0, 0x105B1, 0x105B3, 0x105B4, 0x105B5,
    0x105B6, 0x105B7, 0x105B8, 0x105B9, 0x105BB, 0x105BC, 0x10CC0, 0x10CC1, 0x10CC2, 0x10CC3,
    0x10CC4, 0x10CC5, 0x10CC6, 0x10CC7, 0x10CC8, 0x10CC9, 0x10CCA, 0x10CCB, 0x10CCC, 0x10CCD,
    0x10CCE, 0x10CCF, 0x10CD0, 0x10CD1, 0x10CD2, 0x10CD3, 0x10CD4, 0x10CD5, 0x10CD6, 0x10CD7,
    0x10CD8, 0x10CD9, 0x10CDA, 0x10CDB, 0x10CDC, 0x10CDD, 0x10CDE, 0x10CDF, 0x10CE0, 0x10CE1,
    0x10CE2, 0x10CE3, 0x10CE4, 0x10CE5, 0x10CE6, 0x10CE7, 0x10CE8, 0x10CE9, 0x10CEA, 0x10CEB,
    0x10CEC, 0x10CED, 0x10CEE, 0x10CEF, 0x10CF0, 0x10CF1, 0x10CF2, 0x11099, 0x1109B, 0x110A5,
    MLIP__TOK_M(46,2), MLIP__TOK_M(48,2), 0x114B9, MLIP__TOK_M(50,2), MLIP__TOK_M(52,2),
    MLIP__TOK_M(54,2), MLIP__TOK_M(56,2), 0x118C0, 0x118C1, 0x118C2, 0x118C3, 0x118C4, 0x118C5,
    0x118C6, 0x118C7, 0x118C8, 0x118C9, 0x118CA, 0x118CB, 0x118CC, 0x118CD, 0x118CE, 0x118CF,
    0x118D0, 0x118D1, 0x118D2, 0x118D3, 0x118D4, 0x118D5, 0x118D6, 0x118D7, 0x118D8, 0x118D9,
    0x118DA, 0x118DB, 0x118DC, 0x118DD, 0x118DE, 0x118DF, MLIP__TOK_M(58,2), 0x16E60, 0x16E61,
    0x16E62, 0x16E63, 0x16E64, 0x16E65, 0x16E66, 0x16E67, 0x16E68, 0x16E69, 0x16E6A, 0x16E6B,
    0x16E6C, 0x16E6D, 0x16E6E, 0x16E6F, 0x16E70, 0x16E71, 0x16E72, 0x16E73, 0x16E74, 0x16E75,
    0x16E76, 0x16E77, 0x16E78, 0x16E79, 0x16E7A, 0x16E7B, 0x16E7C, 0x16E7D, 0x16E7E, 0x16E7F,
    MLIP__TOK_M(60,2), MLIP__TOK_M(62,2), MLIP__TOK_M(64,3), MLIP__TOK_M(67,3), MLIP__TOK_M(70,3),
    MLIP__TOK_M(73,3), MLIP__TOK_M(76,3), MLIP__TOK_M(79,2), MLIP__TOK_M(81,2), MLIP__TOK_M(83,3),
    MLIP__TOK_M(86,3), MLIP__TOK_M(89,3), MLIP__TOK_M(92,3), 0x1E922, 0x1E923, 0x1E924, 0x1E925,
    0x1E926, 0x1E927, 0x1E928, 0x1E929, 0x1E92A, 0x1E92B, 0x1E92C, 0x1E92D, 0x1E92E, 0x1E92F,
    0x1E930, 0x1E931, 0x1E932, 0x1E933, 0x1E934, 0x1E935, 0x1E936, 0x1E937, 0x1E938, 0x1E939,
    0x1E93A, 0x1E93B, 0x1E93C, 0x1E93D, 0x1E93E, 0x1E93F, 0x1E940, 0x1E941, 0x1E942, 0x1E943,
    0x4E3D, 0x4E38, 0x4E41, 0x20122, 0x4F60, 0x4FAE, 0x4FBB, 0x5002, 0x507A, 0x5099, 0x50E7, 0x50CF,
    0x349E, 0x2063A, 0x514D, 0x5154, 0x5164, 0x5177, 0x2051C, 0x34B9, 0x5167, 0x518D, 0x2054B,
    0x5197, 0x51A4, 0x4ECC, 0x51AC, 0x51B5, 0x291DF, 0x51F5, 0x5203, 0x34DF, 0x523B, 0x5246, 0x5272,
    0x5277, 0x3515, 0x52C7, 0x52C9, 0x52E4, 0x52FA, 0x5305, 0x5306, 0x5317, 0x5349, 0x5351, 0x535A,
    0x5373, 0x537D, 0x537F, 0x537F, 0x537F, 0x20A2C, 0x7070, 0x53CA, 0x53DF, 0x20B63, 0x53EB,
    0x53F1, 0x5406, 0x549E, 0x5438, 0x5448, 0x5468, 0x54A2, 0x54F6, 0x5510, 0x5553, 0x5563, 0x5584,
    0x5584, 0x5599, 0x55AB, 0x55B3, 0x55C2, 0x5716, 0x5606, 0x5717, 0x5651, 0x5674, 0x5207, 0x58EE,
    0x57CE, 0x57F4, 0x580D, 0x578B, 0x5832, 0x5831, 0x58AC, 0x214E4, 0x58F2, 0x58F7, 0x5906, 0x591A,
    0x5922, 0x5962, 0x216A8, 0x216EA, 0x59EC, 0x5A1B, 0x5A27, 0x59D8, 0x5A66, 0x36EE, 0x36FC,
    0x5B08, 0x5B3E, 0x5B3E, 0x219C8, 0x5BC3, 0x5BD8, 0x5BE7, 0x5BF3, 0x21B18, 0x5BFF, 0x5C06,
    0x5F53, 0x5C22, 0x3781, 0x5C60, 0x5C6E, 0x5CC0, 0x5C8D, 0x21DE4, 0x5D43, 0x21DE6, 0x5D6E,
    0x5D6B, 0x5D7C, 0x5DE1, 0x5DE2, 0x382F, 0x5DFD, 0x5E28, 0x5E3D, 0x5E69, 0x3862, 0x22183, 0x387C,
    0x5EB0, 0x5EB3, 0x5EB6, 0x5ECA, 0x2A392, 0x5EFE, 0x22331, 0x22331, 0x8201, 0x5F22, 0x5F22,
    0x38C7, 0x232B8, 0x261DA, 0x5F62, 0x5F6B, 0x38E3, 0x5F9A, 0x5FCD, 0x5FD7, 0x5FF9, 0x6081,
    0x393A, 0x391C, 0x6094, 0x226D4, 0x60C7, 0x6148, 0x614C, 0x614E, 0x614C, 0x617A, 0x618E, 0x61B2,
    0x61A4, 0x61AF, 0x61DE, 0x61F2, 0x61F6, 0x6210, 0x621B, 0x625D, 0x62B1, 0x62D4, 0x6350, 0x22B0C,
    0x633D, 0x62FC, 0x6368, 0x6383, 0x63E4, 0x22BF1, 0x6422, 0x63C5, 0x63A9, 0x3A2E, 0x6469, 0x647E,
    0x649D, 0x6477, 0x3A6C, 0x654F, 0x656C, 0x2300A, 0x65E3, 0x66F8, 0x6649, 0x3B19, 0x6691, 0x3B08,
    0x3AE4, 0x5192, 0x5195, 0x6700, 0x669C, 0x80AD, 0x43D9, 0x6717, 0x671B, 0x6721, 0x675E, 0x6753,
    0x233C3, 0x3B49, 0x67FA, 0x6785, 0x6852, 0x6885, 0x2346D, 0x688E, 0x681F, 0x6914, 0x3B9D,
    0x6942, 0x69A3, 0x69EA, 0x6AA8, 0x236A3, 0x6ADB, 0x3C18, 0x6B21, 0x238A7, 0x6B54, 0x3C4E,
    0x6B72, 0x6B9F, 0x6BBA, 0x6BBB, 0x23A8D, 0x21D0B, 0x23AFA, 0x6C4E, 0x23CBC, 0x6CBF, 0x6CCD,
    0x6C67, 0x6D16, 0x6D3E, 0x6D77, 0x6D41, 0x6D69, 0x6D78, 0x6D85, 0x23D1E, 0x6D34, 0x6E2F, 0x6E6E,
    0x3D33, 0x6ECB, 0x6EC7, 0x23ED1, 0x6DF9, 0x6F6E, 0x23F5E, 0x23F8E, 0x6FC6, 0x7039, 0x701E,
    0x701B, 0x3D96, 0x704A, 0x707D, 0x7077, 0x70AD, 0x20525, 0x7145, 0x24263, 0x719C, 0x243AB,
    0x7228, 0x7235, 0x7250, 0x24608, 0x7280, 0x7295, 0x24735, 0x24814, 0x737A, 0x738B, 0x3EAC,
    0x73A5, 0x3EB8, 0x3EB8, 0x7447, 0x745C, 0x7471, 0x7485, 0x74CA, 0x3F1B, 0x7524, 0x24C36, 0x753E,
    0x24C92, 0x7570, 0x2219F, 0x7610, 0x24FA1, 0x24FB8, 0x25044, 0x3FFC, 0x4008, 0x76F4, 0x250F3,
    0x250F2, 0x25119, 0x25133, 0x771E, 0x771F, 0x771F, 0x774A, 0x4039, 0x778B, 0x4046, 0x4096,
    0x2541D, 0x784E, 0x788C, 0x78CC, 0x40E3, 0x25626, 0x7956, 0x2569A, 0x256C5, 0x798F, 0x79EB,
    0x412F, 0x7A40, 0x7A4A, 0x7A4F, 0x2597C, 0x25AA7, 0x25AA7, 0x7AEE, 0x4202, 0x25BAB, 0x7BC6,
    0x7BC9, 0x4227, 0x25C80, 0x7CD2, 0x42A0, 0x7CE8, 0x7CE3, 0x7D00, 0x25F86, 0x7D63, 0x4301,
    0x7DC7, 0x7E02, 0x7E45, 0x4334, 0x26228, 0x26247, 0x4359, 0x262D9, 0x7F7A, 0x2633E, 0x7F95,
    0x7FFA, 0x8005, 0x264DA, 0x26523, 0x8060, 0x265A8, 0x8070, 0x2335F, 0x43D5, 0x80B2, 0x8103,
    0x440B, 0x813E, 0x5AB5, 0x267A7, 0x267B5, 0x23393, 0x2339C, 0x8201, 0x8204, 0x8F9E, 0x446B,
    0x8291, 0x828B, 0x829D, 0x52B3, 0x82B1, 0x82B3, 0x82BD, 0x82E6, 0x26B3C, 0x82E5, 0x831D, 0x8363,
    0x83AD, 0x8323, 0x83BD, 0x83E7, 0x8457, 0x8353, 0x83CA, 0x83CC, 0x83DC, 0x26C36, 0x26D6B,
    0x26CD5, 0x452B, 0x84F1, 0x84F3, 0x8516, 0x273CA, 0x8564, 0x26F2C, 0x455D, 0x4561, 0x26FB1,
    0x270D2, 0x456B, 0x8650, 0x865C, 0x8667, 0x8669, 0x86A9, 0x8688, 0x870E, 0x86E2, 0x8779, 0x8728,
    0x876B, 0x8786, 0x45D7, 0x87E1, 0x8801, 0x45F9, 0x8860, 0x8863, 0x27667, 0x88D7, 0x88DE, 0x4635,
    0x88FA, 0x34BB, 0x278AE, 0x27966, 0x46BE, 0x46C7, 0x8AA0, 0x8AED, 0x8B8A, 0x8C55, 0x27CA8,
    0x8CAB, 0x8CC1, 0x8D1B, 0x8D77, 0x27F2F, 0x20804, 0x8DCB, 0x8DBC, 0x8DF0, 0x208DE, 0x8ED4,
    0x8F38, 0x285D2, 0x285ED, 0x9094, 0x90F1, 0x9111, 0x2872E, 0x911B, 0x9238, 0x92D7, 0x92D8,
    0x927C, 0x93F9, 0x9415, 0x28BFA, 0x958B, 0x4995, 0x95B7, 0x28D77, 0x49E6, 0x96C3, 0x5DB2,
    0x9723, 0x29145, 0x2921A, 0x4A6E, 0x4A76, 0x97E0, 0x2940A, 0x4AB2, 0x29496, 0x980B, 0x980B,
    0x9829, 0x295B6, 0x98E2, 0x4B33, 0x9929, 0x99A7, 0x99C2, 0x99FE, 0x4BCE, 0x29B30, 0x9B12,
    0x9C40, 0x9CFD, 0x4CCE, 0x4CED, 0x9D67, 0x2A0CE, 0x4CF8, 0x2A105, 0x2A20E, 0x2A291, 0x9EBB,
    0x4D56, 0x9EF9, 0x9EFE, 0x9F05, 0x9F0F, 0x9F16, 0x9F3B, 0x2A600,
};
#undef MLIP__TOK_M
static const uint32_t mlip__tok_fold_pool[95] = {
    0x9C7, 0x9BE, 0x9C7, 0x9D7, 0xB47, 0xB3E, 0xB47, 0xB57, 0xB92, 0xBD7, 0xBC6, 0xBBE, 0xBC7,
    0xBBE, 0xBC6, 0xBD7, 0xCC2, 0xCD5, 0xD46, 0xD3E, 0xD47, 0xD3E, 0xD46, 0xD57, 0xDD9, 0xDCF,
    0xDD9, 0xDCF, 0xDD9, 0xDDF, 0x1B05, 0x1B35, 0x1B07, 0x1B35, 0x1B09, 0x1B35, 0x1B0B, 0x1B35,
    0x1B0D, 0x1B35, 0x1B11, 0x1B35, 0x1B3E, 0x1B35, 0x1B3F, 0x1B35, 0x11347, 0x1133E, 0x11347,
    0x11357, 0x114B9, 0x114B0, 0x114B9, 0x114BD, 0x115B8, 0x115AF, 0x115B9, 0x115AF, 0x11935,
    0x11930, 0x1D157, 0x1D165, 0x1D158, 0x1D165, 0x1D158, 0x1D165, 0x1D16E, 0x1D158, 0x1D165,
    0x1D16F, 0x1D158, 0x1D165, 0x1D170, 0x1D158, 0x1D165, 0x1D171, 0x1D158, 0x1D165, 0x1D172,
    0x1D1B9, 0x1D165, 0x1D1BA, 0x1D165, 0x1D1B9, 0x1D165, 0x1D16E, 0x1D1BA, 0x1D165, 0x1D16E,
    0x1D1B9, 0x1D165, 0x1D16F, 0x1D1BA, 0x1D165, 0x1D16F,
};
static const uint32_t mlip__tok_letter_ranges[648][2] = {
    {0x41, 0x5A}, {0x61, 0x7A}, {0xAA, 0xAA}, {0xB5, 0xB5}, {0xBA, 0xBA}, {0xC0, 0xD6},
    {0xD8, 0xF6}, {0xF8, 0x2C1}, {0x2C6, 0x2D1}, {0x2E0, 0x2E4}, {0x2EC, 0x2EC}, {0x2EE, 0x2EE},
    {0x370, 0x374}, {0x376, 0x377}, {0x37A, 0x37D}, {0x37F, 0x37F}, {0x386, 0x386}, {0x388, 0x38A},
    {0x38C, 0x38C}, {0x38E, 0x3A1}, {0x3A3, 0x3F5}, {0x3F7, 0x481}, {0x48A, 0x52F}, {0x531, 0x556},
    {0x559, 0x559}, {0x560, 0x588}, {0x5D0, 0x5EA}, {0x5EF, 0x5F2}, {0x620, 0x64A}, {0x66E, 0x66F},
    {0x671, 0x6D3}, {0x6D5, 0x6D5}, {0x6E5, 0x6E6}, {0x6EE, 0x6EF}, {0x6FA, 0x6FC}, {0x6FF, 0x6FF},
    {0x710, 0x710}, {0x712, 0x72F}, {0x74D, 0x7A5}, {0x7B1, 0x7B1}, {0x7CA, 0x7EA}, {0x7F4, 0x7F5},
    {0x7FA, 0x7FA}, {0x800, 0x815}, {0x81A, 0x81A}, {0x824, 0x824}, {0x828, 0x828}, {0x840, 0x858},
    {0x860, 0x86A}, {0x870, 0x887}, {0x889, 0x88E}, {0x8A0, 0x8C9}, {0x904, 0x939}, {0x93D, 0x93D},
    {0x950, 0x950}, {0x958, 0x961}, {0x971, 0x980}, {0x985, 0x98C}, {0x98F, 0x990}, {0x993, 0x9A8},
    {0x9AA, 0x9B0}, {0x9B2, 0x9B2}, {0x9B6, 0x9B9}, {0x9BD, 0x9BD}, {0x9CE, 0x9CE}, {0x9DC, 0x9DD},
    {0x9DF, 0x9E1}, {0x9F0, 0x9F1}, {0x9FC, 0x9FC}, {0xA05, 0xA0A}, {0xA0F, 0xA10}, {0xA13, 0xA28},
    {0xA2A, 0xA30}, {0xA32, 0xA33}, {0xA35, 0xA36}, {0xA38, 0xA39}, {0xA59, 0xA5C}, {0xA5E, 0xA5E},
    {0xA72, 0xA74}, {0xA85, 0xA8D}, {0xA8F, 0xA91}, {0xA93, 0xAA8}, {0xAAA, 0xAB0}, {0xAB2, 0xAB3},
    {0xAB5, 0xAB9}, {0xABD, 0xABD}, {0xAD0, 0xAD0}, {0xAE0, 0xAE1}, {0xAF9, 0xAF9}, {0xB05, 0xB0C},
    {0xB0F, 0xB10}, {0xB13, 0xB28}, {0xB2A, 0xB30}, {0xB32, 0xB33}, {0xB35, 0xB39}, {0xB3D, 0xB3D},
    {0xB5C, 0xB5D}, {0xB5F, 0xB61}, {0xB71, 0xB71}, {0xB83, 0xB83}, {0xB85, 0xB8A}, {0xB8E, 0xB90},
    {0xB92, 0xB95}, {0xB99, 0xB9A}, {0xB9C, 0xB9C}, {0xB9E, 0xB9F}, {0xBA3, 0xBA4}, {0xBA8, 0xBAA},
    {0xBAE, 0xBB9}, {0xBD0, 0xBD0}, {0xC05, 0xC0C}, {0xC0E, 0xC10}, {0xC12, 0xC28}, {0xC2A, 0xC39},
    {0xC3D, 0xC3D}, {0xC58, 0xC5A}, {0xC5D, 0xC5D}, {0xC60, 0xC61}, {0xC80, 0xC80}, {0xC85, 0xC8C},
    {0xC8E, 0xC90}, {0xC92, 0xCA8}, {0xCAA, 0xCB3}, {0xCB5, 0xCB9}, {0xCBD, 0xCBD}, {0xCDD, 0xCDE},
    {0xCE0, 0xCE1}, {0xCF1, 0xCF2}, {0xD04, 0xD0C}, {0xD0E, 0xD10}, {0xD12, 0xD3A}, {0xD3D, 0xD3D},
    {0xD4E, 0xD4E}, {0xD54, 0xD56}, {0xD5F, 0xD61}, {0xD7A, 0xD7F}, {0xD85, 0xD96}, {0xD9A, 0xDB1},
    {0xDB3, 0xDBB}, {0xDBD, 0xDBD}, {0xDC0, 0xDC6}, {0xE01, 0xE30}, {0xE32, 0xE33}, {0xE40, 0xE46},
    {0xE81, 0xE82}, {0xE84, 0xE84}, {0xE86, 0xE8A}, {0xE8C, 0xEA3}, {0xEA5, 0xEA5}, {0xEA7, 0xEB0},
    {0xEB2, 0xEB3}, {0xEBD, 0xEBD}, {0xEC0, 0xEC4}, {0xEC6, 0xEC6}, {0xEDC, 0xEDF}, {0xF00, 0xF00},
    {0xF40, 0xF47}, {0xF49, 0xF6C}, {0xF88, 0xF8C}, {0x1000, 0x102A}, {0x103F, 0x103F},
    {0x1050, 0x1055}, {0x105A, 0x105D}, {0x1061, 0x1061}, {0x1065, 0x1066}, {0x106E, 0x1070},
    {0x1075, 0x1081}, {0x108E, 0x108E}, {0x10A0, 0x10C5}, {0x10C7, 0x10C7}, {0x10CD, 0x10CD},
    {0x10D0, 0x10FA}, {0x10FC, 0x1248}, {0x124A, 0x124D}, {0x1250, 0x1256}, {0x1258, 0x1258},
    {0x125A, 0x125D}, {0x1260, 0x1288}, {0x128A, 0x128D}, {0x1290, 0x12B0}, {0x12B2, 0x12B5},
    {0x12B8, 0x12BE}, {0x12C0, 0x12C0}, {0x12C2, 0x12C5}, {0x12C8, 0x12D6}, {0x12D8, 0x1310},
    {0x1312, 0x1315}, {0x1318, 0x135A}, {0x1380, 0x138F}, {0x13A0, 0x13F5}, {0x13F8, 0x13FD},
    {0x1401, 0x166C}, {0x166F, 0x167F}, {0x1681, 0x169A}, {0x16A0, 0x16EA}, {0x16F1, 0x16F8},
    {0x1700, 0x1711}, {0x171F, 0x1731}, {0x1740, 0x1751}, {0x1760, 0x176C}, {0x176E, 0x1770},
    {0x1780, 0x17B3}, {0x17D7, 0x17D7}, {0x17DC, 0x17DC}, {0x1820, 0x1878}, {0x1880, 0x1884},
    {0x1887, 0x18A8}, {0x18AA, 0x18AA}, {0x18B0, 0x18F5}, {0x1900, 0x191E}, {0x1950, 0x196D},
    {0x1970, 0x1974}, {0x1980, 0x19AB}, {0x19B0, 0x19C9}, {0x1A00, 0x1A16}, {0x1A20, 0x1A54},
    {0x1AA7, 0x1AA7}, {0x1B05, 0x1B33}, {0x1B45, 0x1B4C}, {0x1B83, 0x1BA0}, {0x1BAE, 0x1BAF},
    {0x1BBA, 0x1BE5}, {0x1C00, 0x1C23}, {0x1C4D, 0x1C4F}, {0x1C5A, 0x1C7D}, {0x1C80, 0x1C88},
    {0x1C90, 0x1CBA}, {0x1CBD, 0x1CBF}, {0x1CE9, 0x1CEC}, {0x1CEE, 0x1CF3}, {0x1CF5, 0x1CF6},
    {0x1CFA, 0x1CFA}, {0x1D00, 0x1DBF}, {0x1E00, 0x1F15}, {0x1F18, 0x1F1D}, {0x1F20, 0x1F45},
    {0x1F48, 0x1F4D}, {0x1F50, 0x1F57}, {0x1F59, 0x1F59}, {0x1F5B, 0x1F5B}, {0x1F5D, 0x1F5D},
    {0x1F5F, 0x1F7D}, {0x1F80, 0x1FB4}, {0x1FB6, 0x1FBC}, {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FC4},
    {0x1FC6, 0x1FCC}, {0x1FD0, 0x1FD3}, {0x1FD6, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FF4},
    {0x1FF6, 0x1FFC}, {0x2071, 0x2071}, {0x207F, 0x207F}, {0x2090, 0x209C}, {0x2102, 0x2102},
    {0x2107, 0x2107}, {0x210A, 0x2113}, {0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124},
    {0x2126, 0x2126}, {0x2128, 0x2128}, {0x212A, 0x212D}, {0x212F, 0x2139}, {0x213C, 0x213F},
    {0x2145, 0x2149}, {0x214E, 0x214E}, {0x2183, 0x2184}, {0x2C00, 0x2CE4}, {0x2CEB, 0x2CEE},
    {0x2CF2, 0x2CF3}, {0x2D00, 0x2D25}, {0x2D27, 0x2D27}, {0x2D2D, 0x2D2D}, {0x2D30, 0x2D67},
    {0x2D6F, 0x2D6F}, {0x2D80, 0x2D96}, {0x2DA0, 0x2DA6}, {0x2DA8, 0x2DAE}, {0x2DB0, 0x2DB6},
    {0x2DB8, 0x2DBE}, {0x2DC0, 0x2DC6}, {0x2DC8, 0x2DCE}, {0x2DD0, 0x2DD6}, {0x2DD8, 0x2DDE},
    {0x2E2F, 0x2E2F}, {0x3005, 0x3006}, {0x3031, 0x3035}, {0x303B, 0x303C}, {0x3041, 0x3096},
    {0x309D, 0x309F}, {0x30A1, 0x30FA}, {0x30FC, 0x30FF}, {0x3105, 0x312F}, {0x3131, 0x318E},
    {0x31A0, 0x31BF}, {0x31F0, 0x31FF}, {0x3400, 0x4DBF}, {0x4E00, 0xA48C}, {0xA4D0, 0xA4FD},
    {0xA500, 0xA60C}, {0xA610, 0xA61F}, {0xA62A, 0xA62B}, {0xA640, 0xA66E}, {0xA67F, 0xA69D},
    {0xA6A0, 0xA6E5}, {0xA717, 0xA71F}, {0xA722, 0xA788}, {0xA78B, 0xA7CA}, {0xA7D0, 0xA7D1},
    {0xA7D3, 0xA7D3}, {0xA7D5, 0xA7D9}, {0xA7F2, 0xA801}, {0xA803, 0xA805}, {0xA807, 0xA80A},
    {0xA80C, 0xA822}, {0xA840, 0xA873}, {0xA882, 0xA8B3}, {0xA8F2, 0xA8F7}, {0xA8FB, 0xA8FB},
    {0xA8FD, 0xA8FE}, {0xA90A, 0xA925}, {0xA930, 0xA946}, {0xA960, 0xA97C}, {0xA984, 0xA9B2},
    {0xA9CF, 0xA9CF}, {0xA9E0, 0xA9E4}, {0xA9E6, 0xA9EF}, {0xA9FA, 0xA9FE}, {0xAA00, 0xAA28},
    {0xAA40, 0xAA42}, {0xAA44, 0xAA4B}, {0xAA60, 0xAA76}, {0xAA7A, 0xAA7A}, {0xAA7E, 0xAAAF},
    {0xAAB1, 0xAAB1}, {0xAAB5, 0xAAB6}, {0xAAB9, 0xAABD}, {0xAAC0, 0xAAC0}, {0xAAC2, 0xAAC2},
    {0xAADB, 0xAADD}, {0xAAE0, 0xAAEA}, {0xAAF2, 0xAAF4}, {0xAB01, 0xAB06}, {0xAB09, 0xAB0E},
    {0xAB11, 0xAB16}, {0xAB20, 0xAB26}, {0xAB28, 0xAB2E}, {0xAB30, 0xAB5A}, {0xAB5C, 0xAB69},
    {0xAB70, 0xABE2}, {0xAC00, 0xD7A3}, {0xD7B0, 0xD7C6}, {0xD7CB, 0xD7FB}, {0xF900, 0xFA6D},
    {0xFA70, 0xFAD9}, {0xFB00, 0xFB06}, {0xFB13, 0xFB17}, {0xFB1D, 0xFB1D}, {0xFB1F, 0xFB28},
    {0xFB2A, 0xFB36}, {0xFB38, 0xFB3C}, {0xFB3E, 0xFB3E}, {0xFB40, 0xFB41}, {0xFB43, 0xFB44},
    {0xFB46, 0xFBB1}, {0xFBD3, 0xFD3D}, {0xFD50, 0xFD8F}, {0xFD92, 0xFDC7}, {0xFDF0, 0xFDFB},
    {0xFE70, 0xFE74}, {0xFE76, 0xFEFC}, {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A}, {0xFF66, 0xFFBE},
    {0xFFC2, 0xFFC7}, {0xFFCA, 0xFFCF}, {0xFFD2, 0xFFD7}, {0xFFDA, 0xFFDC}, {0x10000, 0x1000B},
    {0x1000D, 0x10026}, {0x10028, 0x1003A}, {0x1003C, 0x1003D}, {0x1003F, 0x1004D},
    {0x10050, 0x1005D}, {0x10080, 0x100FA}, {0x10280, 0x1029C}, {0x102A0, 0x102D0},
    {0x10300, 0x1031F}, {0x1032D, 0x10340}, {0x10342, 0x10349}, {0x10350, 0x10375},
    {0x10380, 0x1039D}, {0x103A0, 0x103C3}, {0x103C8, 0x103CF}, {0x10400, 0x1049D},
    {0x104B0, 0x104D3}, {0x104D8, 0x104FB}, {0x10500, 0x10527}, {0x10530, 0x10563},
    {0x10570, 0x1057A}, {0x1057C, 0x1058A}, {0x1058C, 0x10592}, {0x10594, 0x10595},
    {0x10597, 0x105A1}, {0x105A3, 0x105B1}, {0x105B3, 0x105B9}, {0x105BB, 0x105BC},
    {0x10600, 0x10736}, {0x10740, 0x10755}, {0x10760, 0x10767}, {0x10780, 0x10785},
    {0x10787, 0x107B0}, {0x107B2, 0x107BA}, {0x10800, 0x10805}, {0x10808, 0x10808},
    {0x1080A, 0x10835}, {0x10837, 0x10838}, {0x1083C, 0x1083C}, {0x1083F, 0x10855},
    {0x10860, 0x10876}, {0x10880, 0x1089E}, {0x108E0, 0x108F2}, {0x108F4, 0x108F5},
    {0x10900, 0x10915}, {0x10920, 0x10939}, {0x10980, 0x109B7}, {0x109BE, 0x109BF},
    {0x10A00, 0x10A00}, {0x10A10, 0x10A13}, {0x10A15, 0x10A17}, {0x10A19, 0x10A35},
    {0x10A60, 0x10A7C}, {0x10A80, 0x10A9C}, {0x10AC0, 0x10AC7}, {0x10AC9, 0x10AE4},
    {0x10B00, 0x10B35}, {0x10B40, 0x10B55}, {0x10B60, 0x10B72}, {0x10B80, 0x10B91},
    {0x10C00, 0x10C48}, {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x10D00, 0x10D23},
    {0x10E80, 0x10EA9}, {0x10EB0, 0x10EB1}, {0x10F00, 0x10F1C}, {0x10F27, 0x10F27},
    {0x10F30, 0x10F45}, {0x10F70, 0x10F81}, {0x10FB0, 0x10FC4}, {0x10FE0, 0x10FF6},
    {0x11003, 0x11037}, {0x11071, 0x11072}, {0x11075, 0x11075}, {0x11083, 0x110AF},
    {0x110D0, 0x110E8}, {0x11103, 0x11126}, {0x11144, 0x11144}, {0x11147, 0x11147},
    {0x11150, 0x11172}, {0x11176, 0x11176}, {0x11183, 0x111B2}, {0x111C1, 0x111C4},
    {0x111DA, 0x111DA}, {0x111DC, 0x111DC}, {0x11200, 0x11211}, {0x11213, 0x1122B},
    {0x11280, 0x11286}, {0x11288, 0x11288}, {0x1128A, 0x1128D}, {0x1128F, 0x1129D},
    {0x1129F, 0x112A8}, {0x112B0, 0x112DE}, {0x11305, 0x1130C}, {0x1130F, 0x11310},
    {0x11313, 0x11328}, {0x1132A, 0x11330}, {0x11332, 0x11333}, {0x11335, 0x11339},
    {0x1133D, 0x1133D}, {0x11350, 0x11350}, {0x1135D, 0x11361}, {0x11400, 0x11434},
    {0x11447, 0x1144A}, {0x1145F, 0x11461}, {0x11480, 0x114AF}, {0x114C4, 0x114C5},
    {0x114C7, 0x114C7}, {0x11580, 0x115AE}, {0x115D8, 0x115DB}, {0x11600, 0x1162F},
    {0x11644, 0x11644}, {0x11680, 0x116AA}, {0x116B8, 0x116B8}, {0x11700, 0x1171A},
    {0x11740, 0x11746}, {0x11800, 0x1182B}, {0x118A0, 0x118DF}, {0x118FF, 0x11906},
    {0x11909, 0x11909}, {0x1190C, 0x11913}, {0x11915, 0x11916}, {0x11918, 0x1192F},
    {0x1193F, 0x1193F}, {0x11941, 0x11941}, {0x119A0, 0x119A7}, {0x119AA, 0x119D0},
    {0x119E1, 0x119E1}, {0x119E3, 0x119E3}, {0x11A00, 0x11A00}, {0x11A0B, 0x11A32},
    {0x11A3A, 0x11A3A}, {0x11A50, 0x11A50}, {0x11A5C, 0x11A89}, {0x11A9D, 0x11A9D},
    {0x11AB0, 0x11AF8}, {0x11C00, 0x11C08}, {0x11C0A, 0x11C2E}, {0x11C40, 0x11C40},
    {0x11C72, 0x11C8F}, {0x11D00, 0x11D06}, {0x11D08, 0x11D09}, {0x11D0B, 0x11D30},
    {0x11D46, 0x11D46}, {0x11D60, 0x11D65}, {0x11D67, 0x11D68}, {0x11D6A, 0x11D89},
    {0x11D98, 0x11D98}, {0x11EE0, 0x11EF2}, {0x11FB0, 0x11FB0}, {0x12000, 0x12399},
    {0x12480, 0x12543}, {0x12F90, 0x12FF0}, {0x13000, 0x1342E}, {0x14400, 0x14646},
    {0x16800, 0x16A38}, {0x16A40, 0x16A5E}, {0x16A70, 0x16ABE}, {0x16AD0, 0x16AED},
    {0x16B00, 0x16B2F}, {0x16B40, 0x16B43}, {0x16B63, 0x16B77}, {0x16B7D, 0x16B8F},
    {0x16E40, 0x16E7F}, {0x16F00, 0x16F4A}, {0x16F50, 0x16F50}, {0x16F93, 0x16F9F},
    {0x16FE0, 0x16FE1}, {0x16FE3, 0x16FE3}, {0x17000, 0x187F7}, {0x18800, 0x18CD5},
    {0x18D00, 0x18D08}, {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE},
    {0x1B000, 0x1B122}, {0x1B150, 0x1B152}, {0x1B164, 0x1B167}, {0x1B170, 0x1B2FB},
    {0x1BC00, 0x1BC6A}, {0x1BC70, 0x1BC7C}, {0x1BC80, 0x1BC88}, {0x1BC90, 0x1BC99},
    {0x1D400, 0x1D454}, {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2},
    {0x1D4A5, 0x1D4A6}, {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB},
    {0x1D4BD, 0x1D4C3}, {0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514},
    {0x1D516, 0x1D51C}, {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E}, {0x1D540, 0x1D544},
    {0x1D546, 0x1D546}, {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A5}, {0x1D6A8, 0x1D6C0},
    {0x1D6C2, 0x1D6DA}, {0x1D6DC, 0x1D6FA}, {0x1D6FC, 0x1D714}, {0x1D716, 0x1D734},
    {0x1D736, 0x1D74E}, {0x1D750, 0x1D76E}, {0x1D770, 0x1D788}, {0x1D78A, 0x1D7A8},
    {0x1D7AA, 0x1D7C2}, {0x1D7C4, 0x1D7CB}, {0x1DF00, 0x1DF1E}, {0x1E100, 0x1E12C},
    {0x1E137, 0x1E13D}, {0x1E14E, 0x1E14E}, {0x1E290, 0x1E2AD}, {0x1E2C0, 0x1E2EB},
    {0x1E7E0, 0x1E7E6}, {0x1E7E8, 0x1E7EB}, {0x1E7ED, 0x1E7EE}, {0x1E7F0, 0x1E7FE},
    {0x1E800, 0x1E8C4}, {0x1E900, 0x1E943}, {0x1E94B, 0x1E94B}, {0x1EE00, 0x1EE03},
    {0x1EE05, 0x1EE1F}, {0x1EE21, 0x1EE22}, {0x1EE24, 0x1EE24}, {0x1EE27, 0x1EE27},
    {0x1EE29, 0x1EE32}, {0x1EE34, 0x1EE37}, {0x1EE39, 0x1EE39}, {0x1EE3B, 0x1EE3B},
    {0x1EE42, 0x1EE42}, {0x1EE47, 0x1EE47}, {0x1EE49, 0x1EE49}, {0x1EE4B, 0x1EE4B},
    {0x1EE4D, 0x1EE4F}, {0x1EE51, 0x1EE52}, {0x1EE54, 0x1EE54}, {0x1EE57, 0x1EE57},
    {0x1EE59, 0x1EE59}, {0x1EE5B, 0x1EE5B}, {0x1EE5D, 0x1EE5D}, {0x1EE5F, 0x1EE5F},
    {0x1EE61, 0x1EE62}, {0x1EE64, 0x1EE64}, {0x1EE67, 0x1EE6A}, {0x1EE6C, 0x1EE72},
    {0x1EE74, 0x1EE77}, {0x1EE79, 0x1EE7C}, {0x1EE7E, 0x1EE7E}, {0x1EE80, 0x1EE89},
    {0x1EE8B, 0x1EE9B}, {0x1EEA1, 0x1EEA3}, {0x1EEA5, 0x1EEA9}, {0x1EEAB, 0x1EEBB},
    {0x20000, 0x2A6DF}, {0x2A700, 0x2B738}, {0x2B740, 0x2B81D}, {0x2B820, 0x2CEA1},
    {0x2CEB0, 0x2EBE0}, {0x2F800, 0x2FA1D}, {0x30000, 0x3134A},
};
static const uint32_t mlip__tok_number_ranges[134][2] = {
    {0x30, 0x39}, {0xB2, 0xB3}, {0xB9, 0xB9}, {0xBC, 0xBE}, {0x660, 0x669}, {0x6F0, 0x6F9},
    {0x7C0, 0x7C9}, {0x966, 0x96F}, {0x9E6, 0x9EF}, {0x9F4, 0x9F9}, {0xA66, 0xA6F}, {0xAE6, 0xAEF},
    {0xB66, 0xB6F}, {0xB72, 0xB77}, {0xBE6, 0xBF2}, {0xC66, 0xC6F}, {0xC78, 0xC7E}, {0xCE6, 0xCEF},
    {0xD58, 0xD5E}, {0xD66, 0xD78}, {0xDE6, 0xDEF}, {0xE50, 0xE59}, {0xED0, 0xED9}, {0xF20, 0xF33},
    {0x1040, 0x1049}, {0x1090, 0x1099}, {0x1369, 0x137C}, {0x16EE, 0x16F0}, {0x17E0, 0x17E9},
    {0x17F0, 0x17F9}, {0x1810, 0x1819}, {0x1946, 0x194F}, {0x19D0, 0x19DA}, {0x1A80, 0x1A89},
    {0x1A90, 0x1A99}, {0x1B50, 0x1B59}, {0x1BB0, 0x1BB9}, {0x1C40, 0x1C49}, {0x1C50, 0x1C59},
    {0x2070, 0x2070}, {0x2074, 0x2079}, {0x2080, 0x2089}, {0x2150, 0x2182}, {0x2185, 0x2189},
    {0x2460, 0x249B}, {0x24EA, 0x24FF}, {0x2776, 0x2793}, {0x2CFD, 0x2CFD}, {0x3007, 0x3007},
    {0x3021, 0x3029}, {0x3038, 0x303A}, {0x3192, 0x3195}, {0x3220, 0x3229}, {0x3248, 0x324F},
    {0x3251, 0x325F}, {0x3280, 0x3289}, {0x32B1, 0x32BF}, {0xA620, 0xA629}, {0xA6E6, 0xA6EF},
    {0xA830, 0xA835}, {0xA8D0, 0xA8D9}, {0xA900, 0xA909}, {0xA9D0, 0xA9D9}, {0xA9F0, 0xA9F9},
    {0xAA50, 0xAA59}, {0xABF0, 0xABF9}, {0xFF10, 0xFF19}, {0x10107, 0x10133}, {0x10140, 0x10178},
    {0x1018A, 0x1018B}, {0x102E1, 0x102FB}, {0x10320, 0x10323}, {0x10341, 0x10341},
    {0x1034A, 0x1034A}, {0x103D1, 0x103D5}, {0x104A0, 0x104A9}, {0x10858, 0x1085F},
    {0x10879, 0x1087F}, {0x108A7, 0x108AF}, {0x108FB, 0x108FF}, {0x10916, 0x1091B},
    {0x109BC, 0x109BD}, {0x109C0, 0x109CF}, {0x109D2, 0x109FF}, {0x10A40, 0x10A48},
    {0x10A7D, 0x10A7E}, {0x10A9D, 0x10A9F}, {0x10AEB, 0x10AEF}, {0x10B58, 0x10B5F},
    {0x10B78, 0x10B7F}, {0x10BA9, 0x10BAF}, {0x10CFA, 0x10CFF}, {0x10D30, 0x10D39},
    {0x10E60, 0x10E7E}, {0x10F1D, 0x10F26}, {0x10F51, 0x10F54}, {0x10FC5, 0x10FCB},
    {0x11052, 0x1106F}, {0x110F0, 0x110F9}, {0x11136, 0x1113F}, {0x111D0, 0x111D9},
    {0x111E1, 0x111F4}, {0x112F0, 0x112F9}, {0x11450, 0x11459}, {0x114D0, 0x114D9},
    {0x11650, 0x11659}, {0x116C0, 0x116C9}, {0x11730, 0x1173B}, {0x118E0, 0x118F2},
    {0x11950, 0x11959}, {0x11C50, 0x11C6C}, {0x11D50, 0x11D59}, {0x11DA0, 0x11DA9},
    {0x11FC0, 0x11FD4}, {0x12400, 0x1246E}, {0x16A60, 0x16A69}, {0x16AC0, 0x16AC9},
    {0x16B50, 0x16B59}, {0x16B5B, 0x16B61}, {0x16E80, 0x16E96}, {0x1D2E0, 0x1D2F3},
    {0x1D360, 0x1D378}, {0x1D7CE, 0x1D7FF}, {0x1E140, 0x1E149}, {0x1E2F0, 0x1E2F9},
    {0x1E8C7, 0x1E8CF}, {0x1E950, 0x1E959}, {0x1EC71, 0x1ECAB}, {0x1ECAD, 0x1ECAF},
    {0x1ECB1, 0x1ECB4}, {0x1ED01, 0x1ED2D}, {0x1ED2F, 0x1ED3D}, {0x1F100, 0x1F10C},
    {0x1FBF0, 0x1FBF9},
};
static const uint32_t mlip__tok_lower_keys[1432] = {
    0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F, 0x50,
    0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5,
    0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5,
    0xD6, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0x100, 0x102, 0x104, 0x106, 0x108, 0x10A, 0x10C,
    0x10E, 0x110, 0x112, 0x114, 0x116, 0x118, 0x11A, 0x11C, 0x11E, 0x120, 0x122, 0x124, 0x126,
    0x128, 0x12A, 0x12C, 0x12E, 0x132, 0x134, 0x136, 0x139, 0x13B, 0x13D, 0x13F, 0x141, 0x143,
    0x145, 0x147, 0x14A, 0x14C, 0x14E, 0x150, 0x152, 0x154, 0x156, 0x158, 0x15A, 0x15C, 0x15E,
    0x160, 0x162, 0x164, 0x166, 0x168, 0x16A, 0x16C, 0x16E, 0x170, 0x172, 0x174, 0x176, 0x178,
    0x179, 0x17B, 0x17D, 0x181, 0x182, 0x184, 0x186, 0x187, 0x189, 0x18A, 0x18B, 0x18E, 0x18F,
    0x190, 0x191, 0x193, 0x194, 0x196, 0x197, 0x198, 0x19C, 0x19D, 0x19F, 0x1A0, 0x1A2, 0x1A4,
    0x1A6, 0x1A7, 0x1A9, 0x1AC, 0x1AE, 0x1AF, 0x1B1, 0x1B2, 0x1B3, 0x1B5, 0x1B7, 0x1B8, 0x1BC,
    0x1C4, 0x1C5, 0x1C7, 0x1C8, 0x1CA, 0x1CB, 0x1CD, 0x1CF, 0x1D1, 0x1D3, 0x1D5, 0x1D7, 0x1D9,
    0x1DB, 0x1DE, 0x1E0, 0x1E2, 0x1E4, 0x1E6, 0x1E8, 0x1EA, 0x1EC, 0x1EE, 0x1F1, 0x1F2, 0x1F4,
    0x1F6, 0x1F7, 0x1F8, 0x1FA, 0x1FC, 0x1FE, 0x200, 0x202, 0x204, 0x206, 0x208, 0x20A, 0x20C,
    0x20E, 0x210, 0x212, 0x214, 0x216, 0x218, 0x21A, 0x21C, 0x21E, 0x220, 0x222, 0x224, 0x226,
    0x228, 0x22A, 0x22C, 0x22E, 0x230, 0x232, 0x23A, 0x23B, 0x23D, 0x23E, 0x241, 0x243, 0x244,
    0x245, 0x246, 0x248, 0x24A, 0x24C, 0x24E, 0x370, 0x372, 0x376, 0x37F, 0x386, 0x388, 0x389,
    0x38A, 0x38C, 0x38E, 0x38F, 0x391, 0x392, 0x393, 0x394, 0x395, 0x396, 0x397, 0x398, 0x399,
    0x39A, 0x39B, 0x39C, 0x39D, 0x39E, 0x39F, 0x3A0, 0x3A1, 0x3A3, 0x3A4, 0x3A5, 0x3A6, 0x3A7,
    0x3A8, 0x3A9, 0x3AA, 0x3AB, 0x3CF, 0x3D8, 0x3DA, 0x3DC, 0x3DE, 0x3E0, 0x3E2, 0x3E4, 0x3E6,
    0x3E8, 0x3EA, 0x3EC, 0x3EE, 0x3F4, 0x3F7, 0x3F9, 0x3FA, 0x3FD, 0x3FE, 0x3FF, 0x400, 0x401,
    0x402, 0x403, 0x404, 0x405, 0x406, 0x407, 0x408, 0x409, 0x40A, 0x40B, 0x40C, 0x40D, 0x40E,
    0x40F, 0x410, 0x411, 0x412, 0x413, 0x414, 0x415, 0x416, 0x417, 0x418, 0x419, 0x41A, 0x41B,
    0x41C, 0x41D, 0x41E, 0x41F, 0x420, 0x421, 0x422, 0x423, 0x424, 0x425, 0x426, 0x427, 0x428,
    0x429, 0x42A, 0x42B, 0x42C, 0x42D, 0x42E, 0x42F, 0x460, 0x462, 0x464, 0x466, 0x468, 0x46A,
    0x46C, 0x46E, 0x470, 0x472, 0x474, 0x476, 0x478, 0x47A, 0x47C, 0x47E, 0x480, 0x48A, 0x48C,
    0x48E, 0x490, 0x492, 0x494, 0x496, 0x498, 0x49A, 0x49C, 0x49E, 0x4A0, 0x4A2, 0x4A4, 0x4A6,
    0x4A8, 0x4AA, 0x4AC, 0x4AE, 0x4B0, 0x4B2, 0x4B4, 0x4B6, 0x4B8, 0x4BA, 0x4BC, 0x4BE, 0x4C0,
    0x4C1, 0x4C3, 0x4C5, 0x4C7, 0x4C9, 0x4CB, 0x4CD, 0x4D0, 0x4D2, 0x4D4, 0x4D6, 0x4D8, 0x4DA,
    0x4DC, 0x4DE, 0x4E0, 0x4E2, 0x4E4, 0x4E6, 0x4E8, 0x4EA, 0x4EC, 0x4EE, 0x4F0, 0x4F2, 0x4F4,
    0x4F6, 0x4F8, 0x4FA, 0x4FC, 0x4FE, 0x500, 0x502, 0x504, 0x506, 0x508, 0x50A, 0x50C, 0x50E,
    0x510, 0x512, 0x514, 0x516, 0x518, 0x51A, 0x51C, 0x51E, 0x520, 0x522, 0x524, 0x526, 0x528,
    0x52A, 0x52C, 0x52E, 0x531, 0x532, 0x533, 0x534, 0x535, 0x536, 0x537, 0x538, 0x539, 0x53A,
    0x53B, 0x53C, 0x53D, 0x53E, 0x53F, 0x540, 0x541, 0x542, 0x543, 0x544, 0x545, 0x546, 0x547,
    0x548, 0x549, 0x54A, 0x54B, 0x54C, 0x54D, 0x54E, 0x54F, 0x550, 0x551, 0x552, 0x553, 0x554,
    0x555, 0x556, 0x10A0, 0x10A1, 0x10A2, 0x10A3, 0x10A4, 0x10A5, 0x10A6, 0x10A7, 0x10A8, 0x10A9,
    0x10AA, 0x10AB, 0x10AC, 0x10AD, 0x10AE, 0x10AF, 0x10B0, 0x10B1, 0x10B2, 0x10B3, 0x10B4, 0x10B5,
    0x10B6, 0x10B7, 0x10B8, 0x10B9, 0x10BA, 0x10BB, 0x10BC, 0x10BD, 0x10BE, 0x10BF, 0x10C0, 0x10C1,
    0x10C2, 0x10C3, 0x10C4, 0x10C5, 0x10C7, 0x10CD, 0x13A0, 0x13A1, 0x13A2, 0x13A3, 0x13A4, 0x13A5,
    0x13A6, 0x13A7, 0x13A8, 0x13A9, 0x13AA, 0x13AB, 0x13AC, 0x13AD, 0x13AE, 0x13AF, 0x13B0, 0x13B1,
    0x13B2, 0x13B3, 0x13B4, 0x13B5, 0x13B6, 0x13B7, 0x13B8, 0x13B9, 0x13BA, 0x13BB, 0x13BC, 0x13BD,
    0x13BE, 0x13BF, 0x13C0, 0x13C1, 0x13C2, 0x13C3, 0x13C4, 0x13C5, 0x13C6, 0x13C7, 0x13C8, 0x13C9,
    0x13CA, 0x13CB, 0x13CC, 0x13CD, 0x13CE, 0x13CF, 0x13D0, 0x13D1, 0x13D2, 0x13D3, 0x13D4, 0x13D5,
    0x13D6, 0x13D7, 0x13D8, 0x13D9, 0x13DA, 0x13DB, 0x13DC, 0x13DD, 0x13DE, 0x13DF, 0x13E0, 0x13E1,
    0x13E2, 0x13E3, 0x13E4, 0x13E5, 0x13E6, 0x13E7, 0x13E8, 0x13E9, 0x13EA, 0x13EB, 0x13EC, 0x13ED,
    0x13EE, 0x13EF, 0x13F0, 0x13F1, 0x13F2, 0x13F3, 0x13F4, 0x13F5, 0x1C90, 0x1C91, 0x1C92, 0x1C93,
    0x1C94, 0x1C95, 0x1C96, 0x1C97, 0x1C98, 0x1C99, 0x1C9A, 0x1C9B, 0x1C9C, 0x1C9D, 0x1C9E, 0x1C9F,
    0x1CA0, 0x1CA1, 0x1CA2, 0x1CA3, 0x1CA4, 0x1CA5, 0x1CA6, 0x1CA7, 0x1CA8, 0x1CA9, 0x1CAA, 0x1CAB,
    0x1CAC, 0x1CAD, 0x1CAE, 0x1CAF, 0x1CB0, 0x1CB1, 0x1CB2, 0x1CB3, 0x1CB4, 0x1CB5, 0x1CB6, 0x1CB7,
    0x1CB8, 0x1CB9, 0x1CBA, 0x1CBD, 0x1CBE, 0x1CBF, 0x1E00, 0x1E02, 0x1E04, 0x1E06, 0x1E08, 0x1E0A,
    0x1E0C, 0x1E0E, 0x1E10, 0x1E12, 0x1E14, 0x1E16, 0x1E18, 0x1E1A, 0x1E1C, 0x1E1E, 0x1E20, 0x1E22,
    0x1E24, 0x1E26, 0x1E28, 0x1E2A, 0x1E2C, 0x1E2E, 0x1E30, 0x1E32, 0x1E34, 0x1E36, 0x1E38, 0x1E3A,
    0x1E3C, 0x1E3E, 0x1E40, 0x1E42, 0x1E44, 0x1E46, 0x1E48, 0x1E4A, 0x1E4C, 0x1E4E, 0x1E50, 0x1E52,
    0x1E54, 0x1E56, 0x1E58, 0x1E5A, 0x1E5C, 0x1E5E, 0x1E60, 0x1E62, 0x1E64, 0x1E66, 0x1E68, 0x1E6A,
    0x1E6C, 0x1E6E, 0x1E70, 0x1E72, 0x1E74, 0x1E76, 0x1E78, 0x1E7A, 0x1E7C, 0x1E7E, 0x1E80, 0x1E82,
    0x1E84, 0x1E86, 0x1E88, 0x1E8A, 0x1E8C, 0x1E8E, 0x1E90, 0x1E92, 0x1E94, 0x1E9E, 0x1EA0, 0x1EA2,
    0x1EA4, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EAC, 0x1EAE, 0x1EB0, 0x1EB2, 0x1EB4, 0x1EB6, 0x1EB8, 0x1EBA,
    0x1EBC, 0x1EBE, 0x1EC0, 0x1EC2, 0x1EC4, 0x1EC6, 0x1EC8, 0x1ECA, 0x1ECC, 0x1ECE, 0x1ED0, 0x1ED2,
    0x1ED4, 0x1ED6, 0x1ED8, 0x1EDA, 0x1EDC, 0x1EDE, 0x1EE0, 0x1EE2, 0x1EE4, 0x1EE6, 0x1EE8, 0x1EEA,
    0x1EEC, 0x1EEE, 0x1EF0, 0x1EF2, 0x1EF4, 0x1EF6, 0x1EF8, 0x1EFA, 0x1EFC, 0x1EFE, 0x1F08, 0x1F09,
    0x1F0A, 0x1F0B, 0x1F0C, 0x1F0D, 0x1F0E, 0x1F0F, 0x1F18, 0x1F19, 0x1F1A, 0x1F1B, 0x1F1C, 0x1F1D,
    0x1F28, 0x1F29, 0x1F2A, 0x1F2B, 0x1F2C, 0x1F2D, 0x1F2E, 0x1F2F, 0x1F38, 0x1F39, 0x1F3A, 0x1F3B,
    0x1F3C, 0x1F3D, 0x1F3E, 0x1F3F, 0x1F48, 0x1F49, 0x1F4A, 0x1F4B, 0x1F4C, 0x1F4D, 0x1F59, 0x1F5B,
    0x1F5D, 0x1F5F, 0x1F68, 0x1F69, 0x1F6A, 0x1F6B, 0x1F6C, 0x1F6D, 0x1F6E, 0x1F6F, 0x1F88, 0x1F89,
    0x1F8A, 0x1F8B, 0x1F8C, 0x1F8D, 0x1F8E, 0x1F8F, 0x1F98, 0x1F99, 0x1F9A, 0x1F9B, 0x1F9C, 0x1F9D,
    0x1F9E, 0x1F9F, 0x1FA8, 0x1FA9, 0x1FAA, 0x1FAB, 0x1FAC, 0x1FAD, 0x1FAE, 0x1FAF, 0x1FB8, 0x1FB9,
    0x1FBA, 0x1FBB, 0x1FBC, 0x1FC8, 0x1FC9, 0x1FCA, 0x1FCB, 0x1FCC, 0x1FD8, 0x1FD9, 0x1FDA, 0x1FDB,
    0x1FE8, 0x1FE9, 0x1FEA, 0x1FEB, 0x1FEC, 0x1FF8, 0x1FF9, 0x1FFA, 0x1FFB, 0x1FFC, 0x2126, 0x212A,
    0x212B, 0x2132, 0x2160, 0x2161, 0x2162, 0x2163, 0x2164, 0x2165, 0x2166, 0x2167, 0x2168, 0x2169,
    0x216A, 0x216B, 0x216C, 0x216D, 0x216E, 0x216F, 0x2183, 0x24B6, 0x24B7, 0x24B8, 0x24B9, 0x24BA,
    0x24BB, 0x24BC, 0x24BD, 0x24BE, 0x24BF, 0x24C0, 0x24C1, 0x24C2, 0x24C3, 0x24C4, 0x24C5, 0x24C6,
    0x24C7, 0x24C8, 0x24C9, 0x24CA, 0x24CB, 0x24CC, 0x24CD, 0x24CE, 0x24CF, 0x2C00, 0x2C01, 0x2C02,
    0x2C03, 0x2C04, 0x2C05, 0x2C06, 0x2C07, 0x2C08, 0x2C09, 0x2C0A, 0x2C0B, 0x2C0C, 0x2C0D, 0x2C0E,
    0x2C0F, 0x2C10, 0x2C11, 0x2C12, 0x2C13, 0x2C14, 0x2C15, 0x2C16, 0x2C17, 0x2C18, 0x2C19, 0x2C1A,
    0x2C1B, 0x2C1C, 0x2C1D, 0x2C1E, 0x2C1F, 0x2C20, 0x2C21, 0x2C22, 0x2C23, 0x2C24, 0x2C25, 0x2C26,
    0x2C27, 0x2C28, 0x2C29, 0x2C2A, 0x2C2B, 0x2C2C, 0x2C2D, 0x2C2E, 0x2C2F, 0x2C60, 0x2C62, 0x2C63,
    0x2C64, 0x2C67, 0x2C69, 0x2C6B, 0x2C6D, 0x2C6E, 0x2C6F, 0x2C70, 0x2C72, 0x2C75, 0x2C7E, 0x2C7F,
    0x2C80, 0x2C82, 0x2C84, 0x2C86, 0x2C88, 0x2C8A, 0x2C8C, 0x2C8E, 0x2C90, 0x2C92, 0x2C94, 0x2C96,
    0x2C98, 0x2C9A, 0x2C9C, 0x2C9E, 0x2CA0, 0x2CA2, 0x2CA4, 0x2CA6, 0x2CA8, 0x2CAA, 0x2CAC, 0x2CAE,
    0x2CB0, 0x2CB2, 0x2CB4, 0x2CB6, 0x2CB8, 0x2CBA, 0x2CBC, 0x2CBE, 0x2CC0, 0x2CC2, 0x2CC4, 0x2CC6,
    0x2CC8, 0x2CCA, 0x2CCC, 0x2CCE, 0x2CD0, 0x2CD2, 0x2CD4, 0x2CD6, 0x2CD8, 0x2CDA, 0x2CDC, 0x2CDE,
    0x2CE0, 0x2CE2, 0x2CEB, 0x2CED, 0x2CF2, 0xA640, 0xA642, 0xA644, 0xA646, 0xA648, 0xA64A, 0xA64C,
    0xA64E, 0xA650, 0xA652, 0xA654, 0xA656, 0xA658, 0xA65A, 0xA65C, 0xA65E, 0xA660, 0xA662, 0xA664,
    0xA666, 0xA668, 0xA66A, 0xA66C, 0xA680, 0xA682, 0xA684, 0xA686, 0xA688, 0xA68A, 0xA68C, 0xA68E,
    0xA690, 0xA692, 0xA694, 0xA696, 0xA698, 0xA69A, 0xA722, 0xA724, 0xA726, 0xA728, 0xA72A, 0xA72C,
    0xA72E, 0xA732, 0xA734, 0xA736, 0xA738, 0xA73A, 0xA73C, 0xA73E, 0xA740, 0xA742, 0xA744, 0xA746,
    0xA748, 0xA74A, 0xA74C, 0xA74E, 0xA750, 0xA752, 0xA754, 0xA756, 0xA758, 0xA75A, 0xA75C, 0xA75E,
    0xA760, 0xA762, 0xA764, 0xA766, 0xA768, 0xA76A, 0xA76C, 0xA76E, 0xA779, 0xA77B, 0xA77D, 0xA77E,
    0xA780, 0xA782, 0xA784, 0xA786, 0xA78B, 0xA78D, 0xA790, 0xA792, 0xA796, 0xA798, 0xA79A, 0xA79C,
    0xA79E, 0xA7A0, 0xA7A2, 0xA7A4, 0xA7A6, 0xA7A8, 0xA7AA, 0xA7AB, 0xA7AC, 0xA7AD, 0xA7AE, 0xA7B0,
    0xA7B1, 0xA7B2, 0xA7B3, 0xA7B4, 0xA7B6, 0xA7B8, 0xA7BA, 0xA7BC, 0xA7BE, 0xA7C0, 0xA7C2, 0xA7C4,
    0xA7C5, 0xA7C6, 0xA7C7, 0xA7C9, 0xA7D0, 0xA7D6, 0xA7D8, 0xA7F5, 0xFF21, 0xFF22, 0xFF23, 0xFF24,
    0xFF25, 0xFF26, 0xFF27, 0xFF28, 0xFF29, 0xFF2A, 0xFF2B, 0xFF2C, 0xFF2D, 0xFF2E, 0xFF2F, 0xFF30,
    0xFF31, 0xFF32, 0xFF33, 0xFF34, 0xFF35, 0xFF36, 0xFF37, 0xFF38, 0xFF39, 0xFF3A, 0x10400,
    0x10401, 0x10402, 0x10403, 0x10404, 0x10405, 0x10406, 0x10407, 0x10408, 0x10409, 0x1040A,
    0x1040B, 0x1040C, 0x1040D, 0x1040E, 0x1040F, 0x10410, 0x10411, 0x10412, 0x10413, 0x10414,
    0x10415, 0x10416, 0x10417, 0x10418, 0x10419, 0x1041A, 0x1041B, 0x1041C, 0x1041D, 0x1041E,
    0x1041F, 0x10420, 0x10421, 0x10422, 0x10423, 0x10424, 0x10425, 0x10426, 0x10427, 0x104B0,
    0x104B1, 0x104B2, 0x104B3, 0x104B4, 0x104B5, 0x104B6, 0x104B7, 0x104B8, 0x104B9, 0x104BA,
    0x104BB, 0x104BC, 0x104BD, 0x104BE, 0x104BF, 0x104C0, 0x104C1, 0x104C2, 0x104C3, 0x104C4,
    0x104C5, 0x104C6, 0x104C7, 0x104C8, 0x104C9, 0x104CA, 0x104CB, 0x104CC, 0x104CD, 0x104CE,
    0x104CF, 0x104D0, 0x104D1, 0x104D2, 0x104D3, 0x10570, 0x10571, 0x10572, 0x10573, 0x10574,
    0x10575, 0x10576, 0x10577, 0x10578, 0x10579, 0x1057A, 0x1057C, 0x1057D, 0x1057E, 0x1057F,
    0x10580, 0x10581, 0x10582, 0x10583, 0x10584, 0x10585, 0x10586, 0x10587, 0x10588, 0x10589,
    0x1058A, 0x1058C, 0x1058D, 0x1058E, 0x1058F, 0x10590, 0x10591, 0x10592, 0x10594, 0x10595,
    0x10C80, 0x10C81, 0x10C82, 0x10C83, 0x10C84, 0x10C85, 0x10C86, 0x10C87, 0x10C88, 0x10C89,
    0x10C8A, 0x10C8B, 0x10C8C, 0x10C8D, 0x10C8E, 0x10C8F, 0x10C90, 0x10C91, 0x10C92, 0x10C93,
    0x10C94, 0x10C95, 0x10C96, 0x10C97, 0x10C98, 0x10C99, 0x10C9A, 0x10C9B, 0x10C9C, 0x10C9D,
    0x10C9E, 0x10C9F, 0x10CA0, 0x10CA1, 0x10CA2, 0x10CA3, 0x10CA4, 0x10CA5, 0x10CA6, 0x10CA7,
    0x10CA8, 0x10CA9, 0x10CAA, 0x10CAB, 0x10CAC, 0x10CAD, 0x10CAE, 0x10CAF, 0x10CB0, 0x10CB1,
    0x10CB2, 0x118A0, 0x118A1, 0x118A2, 0x118A3, 0x118A4, 0x118A5, 0x118A6, 0x118A7, 0x118A8,
    0x118A9, 0x118AA, 0x118AB, 0x118AC, 0x118AD, 0x118AE, 0x118AF, 0x118B0, 0x118B1, 0x118B2,
    0x118B3, 0x118B4, 0x118B5, 0x118B6, 0x118B7, 0x118B8, 0x118B9, 0x118BA, 0x118BB, 0x118BC,
    0x118BD, 0x118BE, 0x118BF, 0x16E40, 0x16E41, 0x16E42, 0x16E43, 0x16E44, 0x16E45, 0x16E46,
    0x16E47, 0x16E48, 0x16E49, 0x16E4A, 0x16E4B, 0x16E4C, 0x16E4D, 0x16E4E, 0x16E4F, 0x16E50,
    0x16E51, 0x16E52, 0x16E53, 0x16E54, 0x16E55, 0x16E56, 0x16E57, 0x16E58, 0x16E59, 0x16E5A,
    0x16E5B, 0x16E5C, 0x16E5D, 0x16E5E, 0x16E5F, 0x1E900, 0x1E901, 0x1E902, 0x1E903, 0x1E904,
    0x1E905, 0x1E906, 0x1E907, 0x1E908, 0x1E909, 0x1E90A, 0x1E90B, 0x1E90C, 0x1E90D, 0x1E90E,
    0x1E90F, 0x1E910, 0x1E911, 0x1E912, 0x1E913, 0x1E914, 0x1E915, 0x1E916, 0x1E917, 0x1E918,
    0x1E919, 0x1E91A, 0x1E91B, 0x1E91C, 0x1E91D, 0x1E91E, 0x1E91F, 0x1E920, 0x1E921,
};
static const uint32_t mlip__tok_lower_vals[1432] = {
    0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
    0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5,
    0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5,
    0xF6, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0x101, 0x103, 0x105, 0x107, 0x109, 0x10B, 0x10D,
    0x10F, 0x111, 0x113, 0x115, 0x117, 0x119, 0x11B, 0x11D, 0x11F, 0x121, 0x123, 0x125, 0x127,
    0x129, 0x12B, 0x12D, 0x12F, 0x133, 0x135, 0x137, 0x13A, 0x13C, 0x13E, 0x140, 0x142, 0x144,
    0x146, 0x148, 0x14B, 0x14D, 0x14F, 0x151, 0x153, 0x155, 0x157, 0x159, 0x15B, 0x15D, 0x15F,
    0x161, 0x163, 0x165, 0x167, 0x169, 0x16B, 0x16D, 0x16F, 0x171, 0x173, 0x175, 0x177, 0xFF, 0x17A,
    0x17C, 0x17E, 0x253, 0x183, 0x185, 0x254, 0x188, 0x256, 0x257, 0x18C, 0x1DD, 0x259, 0x25B,
    0x192, 0x260, 0x263, 0x269, 0x268, 0x199, 0x26F, 0x272, 0x275, 0x1A1, 0x1A3, 0x1A5, 0x280,
    0x1A8, 0x283, 0x1AD, 0x288, 0x1B0, 0x28A, 0x28B, 0x1B4, 0x1B6, 0x292, 0x1B9, 0x1BD, 0x1C6,
    0x1C6, 0x1C9, 0x1C9, 0x1CC, 0x1CC, 0x1CE, 0x1D0, 0x1D2, 0x1D4, 0x1D6, 0x1D8, 0x1DA, 0x1DC,
    0x1DF, 0x1E1, 0x1E3, 0x1E5, 0x1E7, 0x1E9, 0x1EB, 0x1ED, 0x1EF, 0x1F3, 0x1F3, 0x1F5, 0x195,
    0x1BF, 0x1F9, 0x1FB, 0x1FD, 0x1FF, 0x201, 0x203, 0x205, 0x207, 0x209, 0x20B, 0x20D, 0x20F,
    0x211, 0x213, 0x215, 0x217, 0x219, 0x21B, 0x21D, 0x21F, 0x19E, 0x223, 0x225, 0x227, 0x229,
    0x22B, 0x22D, 0x22F, 0x231, 0x233, 0x2C65, 0x23C, 0x19A, 0x2C66, 0x242, 0x180, 0x289, 0x28C,
    0x247, 0x249, 0x24B, 0x24D, 0x24F, 0x371, 0x373, 0x377, 0x3F3, 0x3AC, 0x3AD, 0x3AE, 0x3AF,
    0x3CC, 0x3CD, 0x3CE, 0x3B1, 0x3B2, 0x3B3, 0x3B4, 0x3B5, 0x3B6, 0x3B7, 0x3B8, 0x3B9, 0x3BA,
    0x3BB, 0x3BC, 0x3BD, 0x3BE, 0x3BF, 0x3C0, 0x3C1, 0x3C3, 0x3C4, 0x3C5, 0x3C6, 0x3C7, 0x3C8,
    0x3C9, 0x3CA, 0x3CB, 0x3D7, 0x3D9, 0x3DB, 0x3DD, 0x3DF, 0x3E1, 0x3E3, 0x3E5, 0x3E7, 0x3E9,
    0x3EB, 0x3ED, 0x3EF, 0x3B8, 0x3F8, 0x3F2, 0x3FB, 0x37B, 0x37C, 0x37D, 0x450, 0x451, 0x452,
    0x453, 0x454, 0x455, 0x456, 0x457, 0x458, 0x459, 0x45A, 0x45B, 0x45C, 0x45D, 0x45E, 0x45F,
    0x430, 0x431, 0x432, 0x433, 0x434, 0x435, 0x436, 0x437, 0x438, 0x439, 0x43A, 0x43B, 0x43C,
    0x43D, 0x43E, 0x43F, 0x440, 0x441, 0x442, 0x443, 0x444, 0x445, 0x446, 0x447, 0x448, 0x449,
    0x44A, 0x44B, 0x44C, 0x44D, 0x44E, 0x44F, 0x461, 0x463, 0x465, 0x467, 0x469, 0x46B, 0x46D,
    0x46F, 0x471, 0x473, 0x475, 0x477, 0x479, 0x47B, 0x47D, 0x47F, 0x481, 0x48B, 0x48D, 0x48F,
    0x491, 0x493, 0x495, 0x497, 0x499, 0x49B, 0x49D, 0x49F, 0x4A1, 0x4A3, 0x4A5, 0x4A7, 0x4A9,
    0x4AB, 0x4AD, 0x4AF, 0x4B1, 0x4B3, 0x4B5, 0x4B7, 0x4B9, 0x4BB, 0x4BD, 0x4BF, 0x4CF, 0x4C2,
    0x4C4, 0x4C6, 0x4C8, 0x4CA, 0x4CC, 0x4CE, 0x4D1, 0x4D3, 0x4D5, 0x4D7, 0x4D9, 0x4DB, 0x4DD,
    0x4DF, 0x4E1, 0x4E3, 0x4E5, 0x4E7, 0x4E9, 0x4EB, 0x4ED, 0x4EF, 0x4F1, 0x4F3, 0x4F5, 0x4F7,
    0x4F9, 0x4FB, 0x4FD, 0x4FF, 0x501, 0x503, 0x505, 0x507, 0x509, 0x50B, 0x50D, 0x50F, 0x511,
    0x513, 0x515, 0x517, 0x519, 0x51B, 0x51D, 0x51F, 0x521, 0x523, 0x525, 0x527, 0x529, 0x52B,
    0x52D, 0x52F, 0x561, 0x562, 0x563, 0x564, 0x565, 0x566, 0x567, 0x568, 0x569, 0x56A, 0x56B,
    0x56C, 0x56D, 0x56E, 0x56F, 0x570, 0x571, 0x572, 0x573, 0x574, 0x575, 0x576, 0x577, 0x578,
    0x579, 0x57A, 0x57B, 0x57C, 0x57D, 0x57E, 0x57F, 0x580, 0x581, 0x582, 0x583, 0x584, 0x585,
    0x586, 0x2D00, 0x2D01, 0x2D02, 0x2D03, 0x2D04, 0x2D05, 0x2D06, 0x2D07, 0x2D08, 0x2D09, 0x2D0A,
    0x2D0B, 0x2D0C, 0x2D0D, 0x2D0E, 0x2D0F, 0x2D10, 0x2D11, 0x2D12, 0x2D13, 0x2D14, 0x2D15, 0x2D16,
    0x2D17, 0x2D18, 0x2D19, 0x2D1A, 0x2D1B, 0x2D1C, 0x2D1D, 0x2D1E, 0x2D1F, 0x2D20, 0x2D21, 0x2D22,
    0x2D23, 0x2D24, 0x2D25, 0x2D27, 0x2D2D, 0xAB70, 0xAB71, 0xAB72, 0xAB73, 0xAB74, 0xAB75, 0xAB76,
    0xAB77, 0xAB78, 0xAB79, 0xAB7A, 0xAB7B, 0xAB7C, 0xAB7D, 0xAB7E, 0xAB7F, 0xAB80, 0xAB81, 0xAB82,
    0xAB83, 0xAB84, 0xAB85, 0xAB86, 0xAB87, 0xAB88, 0xAB89, 0xAB8A, 0xAB8B, 0xAB8C, 0xAB8D, 0xAB8E,
    0xAB8F, 0xAB90, 0xAB91, 0xAB92, 0xAB93, 0xAB94, 0xAB95, 0xAB96, 0xAB97, 0xAB98, 0xAB99, 0xAB9A,
    0xAB9B, 0xAB9C, 0xAB9D, 0xAB9E, 0xAB9F, 0xABA0, 0xABA1, 0xABA2, 0xABA3, 0xABA4, 0xABA5, 0xABA6,
    0xABA7, 0xABA8, 0xABA9, 0xABAA, 0xABAB, 0xABAC, 0xABAD, 0xABAE, 0xABAF, 0xABB0, 0xABB1, 0xABB2,
    0xABB3, 0xABB4, 0xABB5, 0xABB6, 0xABB7, 0xABB8, 0xABB9, 0xABBA, 0xABBB, 0xABBC, 0xABBD, 0xABBE,
    0xABBF, 0x13F8, 0x13F9, 0x13FA, 0x13FB, 0x13FC, 0x13FD, 0x10D0, 0x10D1, 0x10D2, 0x10D3, 0x10D4,
    0x10D5, 0x10D6, 0x10D7, 0x10D8, 0x10D9, 0x10DA, 0x10DB, 0x10DC, 0x10DD, 0x10DE, 0x10DF, 0x10E0,
    0x10E1, 0x10E2, 0x10E3, 0x10E4, 0x10E5, 0x10E6, 0x10E7, 0x10E8, 0x10E9, 0x10EA, 0x10EB, 0x10EC,
    0x10ED, 0x10EE, 0x10EF, 0x10F0, 0x10F1, 0x10F2, 0x10F3, 0x10F4, 0x10F5, 0x10F6, 0x10F7, 0x10F8,
    0x10F9, 0x10FA, 0x10FD, 0x10FE, 0x10FF, 0x1E01, 0x1E03, 0x1E05, 0x1E07, 0x1E09, 0x1E0B, 0x1E0D,
    0x1E0F, 0x1E11, 0x1E13, 0x1E15, 0x1E17, 0x1E19, 0x1E1B, 0x1E1D, 0x1E1F, 0x1E21, 0x1E23, 0x1E25,
    0x1E27, 0x1E29, 0x1E2B, 0x1E2D, 0x1E2F, 0x1E31, 0x1E33, 0x1E35, 0x1E37, 0x1E39, 0x1E3B, 0x1E3D,
    0x1E3F, 0x1E41, 0x1E43, 0x1E45, 0x1E47, 0x1E49, 0x1E4B, 0x1E4D, 0x1E4F, 0x1E51, 0x1E53, 0x1E55,
    0x1E57, 0x1E59, 0x1E5B, 0x1E5D, 0x1E5F, 0x1E61, 0x1E63, 0x1E65, 0x1E67, 0x1E69, 0x1E6B, 0x1E6D,
    0x1E6F, 0x1E71, 0x1E73, 0x1E75, 0x1E77, 0x1E79, 0x1E7B, 0x1E7D, 0x1E7F, 0x1E81, 0x1E83, 0x1E85,
    0x1E87, 0x1E89, 0x1E8B, 0x1E8D, 0x1E8F, 0x1E91, 0x1E93, 0x1E95, 0xDF, 0x1EA1, 0x1EA3, 0x1EA5,
    0x1EA7, 0x1EA9, 0x1EAB, 0x1EAD, 0x1EAF, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EB7, 0x1EB9, 0x1EBB, 0x1EBD,
    0x1EBF, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EC7, 0x1EC9, 0x1ECB, 0x1ECD, 0x1ECF, 0x1ED1, 0x1ED3, 0x1ED5,
    0x1ED7, 0x1ED9, 0x1EDB, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EE3, 0x1EE5, 0x1EE7, 0x1EE9, 0x1EEB, 0x1EED,
    0x1EEF, 0x1EF1, 0x1EF3, 0x1EF5, 0x1EF7, 0x1EF9, 0x1EFB, 0x1EFD, 0x1EFF, 0x1F00, 0x1F01, 0x1F02,
    0x1F03, 0x1F04, 0x1F05, 0x1F06, 0x1F07, 0x1F10, 0x1F11, 0x1F12, 0x1F13, 0x1F14, 0x1F15, 0x1F20,
    0x1F21, 0x1F22, 0x1F23, 0x1F24, 0x1F25, 0x1F26, 0x1F27, 0x1F30, 0x1F31, 0x1F32, 0x1F33, 0x1F34,
    0x1F35, 0x1F36, 0x1F37, 0x1F40, 0x1F41, 0x1F42, 0x1F43, 0x1F44, 0x1F45, 0x1F51, 0x1F53, 0x1F55,
    0x1F57, 0x1F60, 0x1F61, 0x1F62, 0x1F63, 0x1F64, 0x1F65, 0x1F66, 0x1F67, 0x1F80, 0x1F81, 0x1F82,
    0x1F83, 0x1F84, 0x1F85, 0x1F86, 0x1F87, 0x1F90, 0x1F91, 0x1F92, 0x1F93, 0x1F94, 0x1F95, 0x1F96,
    0x1F97, 0x1FA0, 0x1FA1, 0x1FA2, 0x1FA3, 0x1FA4, 0x1FA5, 0x1FA6, 0x1FA7, 0x1FB0, 0x1FB1, 0x1F70,
    0x1F71, 0x1FB3, 0x1F72, 0x1F73, 0x1F74, 0x1F75, 0x1FC3, 0x1FD0, 0x1FD1, 0x1F76, 0x1F77, 0x1FE0,
    0x1FE1, 0x1F7A, 0x1F7B, 0x1FE5, 0x1F78, 0x1F79, 0x1F7C, 0x1F7D, 0x1FF3, 0x3C9, 0x6B, 0xE5,
    0x214E, 0x2170, 0x2171, 0x2172, 0x2173, 0x2174, 0x2175, 0x2176, 0x2177, 0x2178, 0x2179, 0x217A,
    0x217B, 0x217C, 0x217D, 0x217E, 0x217F, 0x2184, 0x24D0, 0x24D1, 0x24D2, 0x24D3, 0x24D4, 0x24D5,
    0x24D6, 0x24D7, 0x24D8, 0x24D9, 0x24DA, 0x24DB, 0x24DC, 0x24DD, 0x24DE, 0x24DF, 0x24E0, 0x24E1,
    0x24E2, 0x24E3, 0x24E4, 0x24E5, 0x24E6, 0x24E7, 0x24E8, 0x24E9, 0x2C30, 0x2C31, 0x2C32, 0x2C33,
    0x2C34, 0x2C35, 0x2C36, 0x2C37, 0x2C38, 0x2C39, 0x2C3A, 0x2C3B, 0x2C3C, 0x2C3D, 0x2C3E, 0x2C3F,
    0x2C40, 0x2C41, 0x2C42, 0x2C43, 0x2C44, 0x2C45, 0x2C46, 0x2C47, 0x2C48, 0x2C49, 0x2C4A, 0x2C4B,
    0x2C4C, 0x2C4D, 0x2C4E, 0x2C4F, 0x2C50, 0x2C51, 0x2C52, 0x2C53, 0x2C54, 0x2C55, 0x2C56, 0x2C57,
    0x2C58, 0x2C59, 0x2C5A, 0x2C5B, 0x2C5C, 0x2C5D, 0x2C5E, 0x2C5F, 0x2C61, 0x26B, 0x1D7D, 0x27D,
    0x2C68, 0x2C6A, 0x2C6C, 0x251, 0x271, 0x250, 0x252, 0x2C73, 0x2C76, 0x23F, 0x240, 0x2C81,
    0x2C83, 0x2C85, 0x2C87, 0x2C89, 0x2C8B, 0x2C8D, 0x2C8F, 0x2C91, 0x2C93, 0x2C95, 0x2C97, 0x2C99,
    0x2C9B, 0x2C9D, 0x2C9F, 0x2CA1, 0x2CA3, 0x2CA5, 0x2CA7, 0x2CA9, 0x2CAB, 0x2CAD, 0x2CAF, 0x2CB1,
    0x2CB3, 0x2CB5, 0x2CB7, 0x2CB9, 0x2CBB, 0x2CBD, 0x2CBF, 0x2CC1, 0x2CC3, 0x2CC5, 0x2CC7, 0x2CC9,
    0x2CCB, 0x2CCD, 0x2CCF, 0x2CD1, 0x2CD3, 0x2CD5, 0x2CD7, 0x2CD9, 0x2CDB, 0x2CDD, 0x2CDF, 0x2CE1,
    0x2CE3, 0x2CEC, 0x2CEE, 0x2CF3, 0xA641, 0xA643, 0xA645, 0xA647, 0xA649, 0xA64B, 0xA64D, 0xA64F,
    0xA651, 0xA653, 0xA655, 0xA657, 0xA659, 0xA65B, 0xA65D, 0xA65F, 0xA661, 0xA663, 0xA665, 0xA667,
    0xA669, 0xA66B, 0xA66D, 0xA681, 0xA683, 0xA685, 0xA687, 0xA689, 0xA68B, 0xA68D, 0xA68F, 0xA691,
    0xA693, 0xA695, 0xA697, 0xA699, 0xA69B, 0xA723, 0xA725, 0xA727, 0xA729, 0xA72B, 0xA72D, 0xA72F,
    0xA733, 0xA735, 0xA737, 0xA739, 0xA73B, 0xA73D, 0xA73F, 0xA741, 0xA743, 0xA745, 0xA747, 0xA749,
    0xA74B, 0xA74D, 0xA74F, 0xA751, 0xA753, 0xA755, 0xA757, 0xA759, 0xA75B, 0xA75D, 0xA75F, 0xA761,
    0xA763, 0xA765, 0xA767, 0xA769, 0xA76B, 0xA76D, 0xA76F, 0xA77A, 0xA77C, 0x1D79, 0xA77F, 0xA781,
    0xA783, 0xA785, 0xA787, 0xA78C, 0x265, 0xA791, 0xA793, 0xA797, 0xA799, 0xA79B, 0xA79D, 0xA79F,
    0xA7A1, 0xA7A3, 0xA7A5, 0xA7A7, 0xA7A9, 0x266, 0x25C, 0x261, 0x26C, 0x26A, 0x29E, 0x287, 0x29D,
    0xAB53, 0xA7B5, 0xA7B7, 0xA7B9, 0xA7BB, 0xA7BD, 0xA7BF, 0xA7C1, 0xA7C3, 0xA794, 0x282, 0x1D8E,
    0xA7C8, 0xA7CA, 0xA7D1, 0xA7D7, 0xA7D9, 0xA7F6, 0xFF41, 0xFF42, 0xFF43, 0xFF44, 0xFF45, 0xFF46,
    0xFF47, 0xFF48, 0xFF49, 0xFF4A, 0xFF4B, 0xFF4C, 0xFF4D, 0xFF4E, 0xFF4F, 0xFF50, 0xFF51, 0xFF52,
    0xFF53, 0xFF54, 0xFF55, 0xFF56, 0xFF57, 0xFF58, 0xFF59, 0xFF5A, 0x10428, 0x10429, 0x1042A,
    0x1042B, 0x1042C, 0x1042D, 0x1042E, 0x1042F, 0x10430, 0x10431, 0x10432, 0x10433, 0x10434,
    0x10435, 0x10436, 0x10437, 0x10438, 0x10439, 0x1043A, 0x1043B, 0x1043C, 0x1043D, 0x1043E,
    0x1043F, 0x10440, 0x10441, 0x10442, 0x10443, 0x10444, 0x10445, 0x10446, 0x10447, 0x10448,
    0x10449, 0x1044A, 0x1044B, 0x1044C, 0x1044D, 0x1044E, 0x1044F, 0x104D8, 0x104D9, 0x104DA,
    0x104DB, 0x104DC, 0x104DD, 0x104DE, 0x104DF, 0x104E0, 0x104E1, 0x104E2, 0x104E3, 0x104E4,
    0x104E5, 0x104E6, 0x104E7, 0x104E8, 0x104E9, 0x104EA, 0x104EB, 0x104EC, 0x104ED, 0x104EE,
    0x104EF, 0x104F0, 0x104F1, 0x104F2, 0x104F3, 0x104F4, 0x104F5, 0x104F6, 0x104F7, 0x104F8,
    0x104F9, 0x104FA, 0x104FB, 0x10597, 0x10598, 0x10599, 0x1059A, 0x1059B, 0x1059C, 0x1059D,
    0x1059E, 0x1059F, 0x105A0, 0x105A1, 0x105A3, 0x105A4, 0x105A5, 0x105A6, 0x105A7, 0x105A8,
    0x105A9, 0x105AA, 0x105AB, 0x105AC, 0x105AD, 0x105AE, 0x105AF, 0x105B0, 0x105B1, 0x105B3,
    0x105B4, 0x105B5, 0x105B6, 0x105B7, 0x105B8, 0x105B9, 0x105BB, 0x105BC, 0x10CC0, 0x10CC1,
    0x10CC2, 0x10CC3, 0x10CC4, 0x10CC5, 0x10CC6, 0x10CC7, 0x10CC8, 0x10CC9, 0x10CCA, 0x10CCB,
    0x10CCC, 0x10CCD, 0x10CCE, 0x10CCF, 0x10CD0, 0x10CD1, 0x10CD2, 0x10CD3, 0x10CD4, 0x10CD5,
    0x10CD6, 0x10CD7, 0x10CD8, 0x10CD9, 0x10CDA, 0x10CDB, 0x10CDC, 0x10CDD, 0x10CDE, 0x10CDF,
    0x10CE0, 0x10CE1, 0x10CE2, 0x10CE3, 0x10CE4, 0x10CE5, 0x10CE6, 0x10CE7, 0x10CE8, 0x10CE9,
    0x10CEA, 0x10CEB, 0x10CEC, 0x10CED, 0x10CEE, 0x10CEF, 0x10CF0, 0x10CF1, 0x10CF2, 0x118C0,
    0x118C1, 0x118C2, 0x118C3, 0x118C4, 0x118C5, 0x118C6, 0x118C7, 0x118C8, 0x118C9, 0x118CA,
    0x118CB, 0x118CC, 0x118CD, 0x118CE, 0x118CF, 0x118D0, 0x118D1, 0x118D2, 0x118D3, 0x118D4,
    0x118D5, 0x118D6, 0x118D7, 0x118D8, 0x118D9, 0x118DA, 0x118DB, 0x118DC, 0x118DD, 0x118DE,
    0x118DF, 0x16E60, 0x16E61, 0x16E62, 0x16E63, 0x16E64, 0x16E65, 0x16E66, 0x16E67, 0x16E68,
    0x16E69, 0x16E6A, 0x16E6B, 0x16E6C, 0x16E6D, 0x16E6E, 0x16E6F, 0x16E70, 0x16E71, 0x16E72,
    0x16E73, 0x16E74, 0x16E75, 0x16E76, 0x16E77, 0x16E78, 0x16E79, 0x16E7A, 0x16E7B, 0x16E7C,
    0x16E7D, 0x16E7E, 0x16E7F, 0x1E922, 0x1E923, 0x1E924, 0x1E925, 0x1E926, 0x1E927, 0x1E928,
    0x1E929, 0x1E92A, 0x1E92B, 0x1E92C, 0x1E92D, 0x1E92E, 0x1E92F, 0x1E930, 0x1E931, 0x1E932,
    0x1E933, 0x1E934, 0x1E935, 0x1E936, 0x1E937, 0x1E938, 0x1E939, 0x1E93A, 0x1E93B, 0x1E93C,
    0x1E93D, 0x1E93E, 0x1E93F, 0x1E940, 0x1E941, 0x1E942, 0x1E943,
};
static const uint32_t mlip__tok_width_map[226][3] = {
    {0x3000, 0x20, 0x0}, {0xFF01, 0x21, 0x0}, {0xFF02, 0x22, 0x0}, {0xFF03, 0x23, 0x0},
    {0xFF04, 0x24, 0x0}, {0xFF05, 0x25, 0x0}, {0xFF06, 0x26, 0x0}, {0xFF07, 0x27, 0x0},
    {0xFF08, 0x28, 0x0}, {0xFF09, 0x29, 0x0}, {0xFF0A, 0x2A, 0x0}, {0xFF0B, 0x2B, 0x0},
    {0xFF0C, 0x2C, 0x0}, {0xFF0D, 0x2D, 0x0}, {0xFF0E, 0x2E, 0x0}, {0xFF0F, 0x2F, 0x0},
    {0xFF10, 0x30, 0x0}, {0xFF11, 0x31, 0x0}, {0xFF12, 0x32, 0x0}, {0xFF13, 0x33, 0x0},
    {0xFF14, 0x34, 0x0}, {0xFF15, 0x35, 0x0}, {0xFF16, 0x36, 0x0}, {0xFF17, 0x37, 0x0},
    {0xFF18, 0x38, 0x0}, {0xFF19, 0x39, 0x0}, {0xFF1A, 0x3A, 0x0}, {0xFF1B, 0x3B, 0x0},
    {0xFF1C, 0x3C, 0x0}, {0xFF1D, 0x3D, 0x0}, {0xFF1E, 0x3E, 0x0}, {0xFF1F, 0x3F, 0x0},
    {0xFF20, 0x40, 0x0}, {0xFF21, 0x41, 0x0}, {0xFF22, 0x42, 0x0}, {0xFF23, 0x43, 0x0},
    {0xFF24, 0x44, 0x0}, {0xFF25, 0x45, 0x0}, {0xFF26, 0x46, 0x0}, {0xFF27, 0x47, 0x0},
    {0xFF28, 0x48, 0x0}, {0xFF29, 0x49, 0x0}, {0xFF2A, 0x4A, 0x0}, {0xFF2B, 0x4B, 0x0},
    {0xFF2C, 0x4C, 0x0}, {0xFF2D, 0x4D, 0x0}, {0xFF2E, 0x4E, 0x0}, {0xFF2F, 0x4F, 0x0},
    {0xFF30, 0x50, 0x0}, {0xFF31, 0x51, 0x0}, {0xFF32, 0x52, 0x0}, {0xFF33, 0x53, 0x0},
    {0xFF34, 0x54, 0x0}, {0xFF35, 0x55, 0x0}, {0xFF36, 0x56, 0x0}, {0xFF37, 0x57, 0x0},
    {0xFF38, 0x58, 0x0}, {0xFF39, 0x59, 0x0}, {0xFF3A, 0x5A, 0x0}, {0xFF3B, 0x5B, 0x0},
    {0xFF3C, 0x5C, 0x0}, {0xFF3D, 0x5D, 0x0}, {0xFF3E, 0x5E, 0x0}, {0xFF3F, 0x5F, 0x0},
    {0xFF40, 0x60, 0x0}, {0xFF41, 0x61, 0x0}, {0xFF42, 0x62, 0x0}, {0xFF43, 0x63, 0x0},
    {0xFF44, 0x64, 0x0}, {0xFF45, 0x65, 0x0}, {0xFF46, 0x66, 0x0}, {0xFF47, 0x67, 0x0},
    {0xFF48, 0x68, 0x0}, {0xFF49, 0x69, 0x0}, {0xFF4A, 0x6A, 0x0}, {0xFF4B, 0x6B, 0x0},
    {0xFF4C, 0x6C, 0x0}, {0xFF4D, 0x6D, 0x0}, {0xFF4E, 0x6E, 0x0}, {0xFF4F, 0x6F, 0x0},
    {0xFF50, 0x70, 0x0}, {0xFF51, 0x71, 0x0}, {0xFF52, 0x72, 0x0}, {0xFF53, 0x73, 0x0},
    {0xFF54, 0x74, 0x0}, {0xFF55, 0x75, 0x0}, {0xFF56, 0x76, 0x0}, {0xFF57, 0x77, 0x0},
    {0xFF58, 0x78, 0x0}, {0xFF59, 0x79, 0x0}, {0xFF5A, 0x7A, 0x0}, {0xFF5B, 0x7B, 0x0},
    {0xFF5C, 0x7C, 0x0}, {0xFF5D, 0x7D, 0x0}, {0xFF5E, 0x7E, 0x0}, {0xFF5F, 0x2985, 0x0},
    {0xFF60, 0x2986, 0x0}, {0xFF61, 0x3002, 0x0}, {0xFF62, 0x300C, 0x0}, {0xFF63, 0x300D, 0x0},
    {0xFF64, 0x3001, 0x0}, {0xFF65, 0x30FB, 0x0}, {0xFF66, 0x30F2, 0x0}, {0xFF67, 0x30A1, 0x0},
    {0xFF68, 0x30A3, 0x0}, {0xFF69, 0x30A5, 0x0}, {0xFF6A, 0x30A7, 0x0}, {0xFF6B, 0x30A9, 0x0},
    {0xFF6C, 0x30E3, 0x0}, {0xFF6D, 0x30E5, 0x0}, {0xFF6E, 0x30E7, 0x0}, {0xFF6F, 0x30C3, 0x0},
    {0xFF70, 0x30FC, 0x0}, {0xFF71, 0x30A2, 0x0}, {0xFF72, 0x30A4, 0x0}, {0xFF73, 0x30A6, 0x0},
    {0xFF74, 0x30A8, 0x0}, {0xFF75, 0x30AA, 0x0}, {0xFF76, 0x30AB, 0x0}, {0xFF77, 0x30AD, 0x0},
    {0xFF78, 0x30AF, 0x0}, {0xFF79, 0x30B1, 0x0}, {0xFF7A, 0x30B3, 0x0}, {0xFF7B, 0x30B5, 0x0},
    {0xFF7C, 0x30B7, 0x0}, {0xFF7D, 0x30B9, 0x0}, {0xFF7E, 0x30BB, 0x0}, {0xFF7F, 0x30BD, 0x0},
    {0xFF80, 0x30BF, 0x0}, {0xFF81, 0x30C1, 0x0}, {0xFF82, 0x30C4, 0x0}, {0xFF83, 0x30C6, 0x0},
    {0xFF84, 0x30C8, 0x0}, {0xFF85, 0x30CA, 0x0}, {0xFF86, 0x30CB, 0x0}, {0xFF87, 0x30CC, 0x0},
    {0xFF88, 0x30CD, 0x0}, {0xFF89, 0x30CE, 0x0}, {0xFF8A, 0x30CF, 0x0}, {0xFF8B, 0x30D2, 0x0},
    {0xFF8C, 0x30D5, 0x0}, {0xFF8D, 0x30D8, 0x0}, {0xFF8E, 0x30DB, 0x0}, {0xFF8F, 0x30DE, 0x0},
    {0xFF90, 0x30DF, 0x0}, {0xFF91, 0x30E0, 0x0}, {0xFF92, 0x30E1, 0x0}, {0xFF93, 0x30E2, 0x0},
    {0xFF94, 0x30E4, 0x0}, {0xFF95, 0x30E6, 0x0}, {0xFF96, 0x30E8, 0x0}, {0xFF97, 0x30E9, 0x0},
    {0xFF98, 0x30EA, 0x0}, {0xFF99, 0x30EB, 0x0}, {0xFF9A, 0x30EC, 0x0}, {0xFF9B, 0x30ED, 0x0},
    {0xFF9C, 0x30EF, 0x0}, {0xFF9D, 0x30F3, 0x0}, {0xFF9E, 0x3099, 0x0}, {0xFF9F, 0x309A, 0x0},
    {0xFFA0, 0x1160, 0x0}, {0xFFA1, 0x1100, 0x0}, {0xFFA2, 0x1101, 0x0}, {0xFFA3, 0x11AA, 0x0},
    {0xFFA4, 0x1102, 0x0}, {0xFFA5, 0x11AC, 0x0}, {0xFFA6, 0x11AD, 0x0}, {0xFFA7, 0x1103, 0x0},
    {0xFFA8, 0x1104, 0x0}, {0xFFA9, 0x1105, 0x0}, {0xFFAA, 0x11B0, 0x0}, {0xFFAB, 0x11B1, 0x0},
    {0xFFAC, 0x11B2, 0x0}, {0xFFAD, 0x11B3, 0x0}, {0xFFAE, 0x11B4, 0x0}, {0xFFAF, 0x11B5, 0x0},
    {0xFFB0, 0x111A, 0x0}, {0xFFB1, 0x1106, 0x0}, {0xFFB2, 0x1107, 0x0}, {0xFFB3, 0x1108, 0x0},
    {0xFFB4, 0x1121, 0x0}, {0xFFB5, 0x1109, 0x0}, {0xFFB6, 0x110A, 0x0}, {0xFFB7, 0x110B, 0x0},
    {0xFFB8, 0x110C, 0x0}, {0xFFB9, 0x110D, 0x0}, {0xFFBA, 0x110E, 0x0}, {0xFFBB, 0x110F, 0x0},
    {0xFFBC, 0x1110, 0x0}, {0xFFBD, 0x1111, 0x0}, {0xFFBE, 0x1112, 0x0}, {0xFFC2, 0x1161, 0x0},
    {0xFFC3, 0x1162, 0x0}, {0xFFC4, 0x1163, 0x0}, {0xFFC5, 0x1164, 0x0}, {0xFFC6, 0x1165, 0x0},
    {0xFFC7, 0x1166, 0x0}, {0xFFCA, 0x1167, 0x0}, {0xFFCB, 0x1168, 0x0}, {0xFFCC, 0x1169, 0x0},
    {0xFFCD, 0x116A, 0x0}, {0xFFCE, 0x116B, 0x0}, {0xFFCF, 0x116C, 0x0}, {0xFFD2, 0x116D, 0x0},
    {0xFFD3, 0x116E, 0x0}, {0xFFD4, 0x116F, 0x0}, {0xFFD5, 0x1170, 0x0}, {0xFFD6, 0x1171, 0x0},
    {0xFFD7, 0x1172, 0x0}, {0xFFDA, 0x1173, 0x0}, {0xFFDB, 0x1174, 0x0}, {0xFFDC, 0x1175, 0x0},
    {0xFFE0, 0xA2, 0x0}, {0xFFE1, 0xA3, 0x0}, {0xFFE2, 0xAC, 0x0}, {0xFFE3, 0x20, 0x304},
    {0xFFE4, 0xA6, 0x0}, {0xFFE5, 0xA5, 0x0}, {0xFFE6, 0x20A9, 0x0}, {0xFFE8, 0x2502, 0x0},
    {0xFFE9, 0x2190, 0x0}, {0xFFEA, 0x2191, 0x0}, {0xFFEB, 0x2192, 0x0}, {0xFFEC, 0x2193, 0x0},
    {0xFFED, 0x25A0, 0x0}, {0xFFEE, 0x25CB, 0x0},
};
static const mlip__tok_entity mlip__tok_entities[439] = {
    {"AACUTE", {0xC1, 0x0}, 4}, {"ACIRC", {0xC2, 0x0}, 4}, {"ACUTE", {0xB4, 0x0}, 4},
    {"AELIG", {0xC6, 0x0}, 4}, {"AElig", {0xC6, 0x0}, 3}, {"AGRAVE", {0xC0, 0x0}, 4},
    {"ALEFSYM", {0x2135, 0x0}, 4}, {"ALPHA", {0x391, 0x0}, 4}, {"AMP", {0x26, 0x0}, 3},
    {"AND", {0x2227, 0x0}, 4}, {"ANG", {0x2220, 0x0}, 4}, {"APOS", {0x27, 0x0}, 4},
    {"ARING", {0xC5, 0x0}, 4}, {"ASYMP", {0x2248, 0x0}, 4}, {"ATILDE", {0xC3, 0x0}, 4},
    {"AUML", {0xC4, 0x0}, 4}, {"Aacute", {0xC1, 0x0}, 3}, {"Acirc", {0xC2, 0x0}, 3},
    {"Agrave", {0xC0, 0x0}, 3}, {"Alpha", {0x391, 0x0}, 1}, {"Aring", {0xC5, 0x0}, 3},
    {"Atilde", {0xC3, 0x0}, 3}, {"Auml", {0xC4, 0x0}, 3}, {"BDQUO", {0x201E, 0x0}, 4},
    {"BETA", {0x392, 0x0}, 4}, {"BRVBAR", {0xA6, 0x0}, 4}, {"BULL", {0x2022, 0x0}, 4},
    {"Beta", {0x392, 0x0}, 1}, {"CAP", {0x2229, 0x0}, 4}, {"CCEDIL", {0xC7, 0x0}, 4},
    {"CEDIL", {0xB8, 0x0}, 4}, {"CENT", {0xA2, 0x0}, 4}, {"CHI", {0x3A7, 0x0}, 4},
    {"CIRC", {0x2C6, 0x0}, 4}, {"CLUBS", {0x2663, 0x0}, 4}, {"CONG", {0x2245, 0x0}, 4},
    {"COPY", {0xA9, 0x0}, 3}, {"CRARR", {0x21B5, 0x0}, 4}, {"CUP", {0x222A, 0x0}, 4},
    {"CURREN", {0xA4, 0x0}, 4}, {"Ccedil", {0xC7, 0x0}, 3}, {"Chi", {0x3A7, 0x0}, 1},
    {"DAGGER", {0x2020, 0x0}, 4}, {"DARR", {0x2193, 0x0}, 4}, {"DEG", {0xB0, 0x0}, 4},
    {"DELTA", {0x394, 0x0}, 4}, {"DIAMS", {0x2666, 0x0}, 4}, {"DIVIDE", {0xF7, 0x0}, 4},
    {"Dagger", {0x2021, 0x0}, 1}, {"Delta", {0x394, 0x0}, 1}, {"EACUTE", {0xC9, 0x0}, 4},
    {"ECIRC", {0xCA, 0x0}, 4}, {"EGRAVE", {0xC8, 0x0}, 4}, {"EMPTY", {0x2205, 0x0}, 4},
    {"EMSP", {0x2003, 0x0}, 4}, {"ENSP", {0x2002, 0x0}, 4}, {"EPSILON", {0x395, 0x0}, 4},
    {"EQUIV", {0x2261, 0x0}, 4}, {"ETA", {0x397, 0x0}, 4}, {"ETH", {0xD0, 0x0}, 3},
    {"EUML", {0xCB, 0x0}, 4}, {"EURO", {0x20AC, 0x0}, 4}, {"EXIST", {0x2203, 0x0}, 4},
    {"Eacute", {0xC9, 0x0}, 3}, {"Ecirc", {0xCA, 0x0}, 3}, {"Egrave", {0xC8, 0x0}, 3},
    {"Epsilon", {0x395, 0x0}, 1}, {"Eta", {0x397, 0x0}, 1}, {"Euml", {0xCB, 0x0}, 3},
    {"FNOF", {0x191, 0x0}, 4}, {"FORALL", {0x2200, 0x0}, 4}, {"FRAC12", {0xBD, 0x0}, 4},
    {"FRAC14", {0xBC, 0x0}, 4}, {"FRAC34", {0xBE, 0x0}, 4}, {"FRASL", {0x2044, 0x0}, 4},
    {"GAMMA", {0x393, 0x0}, 4}, {"GE", {0x2265, 0x0}, 4}, {"GT", {0x3E, 0x0}, 3},
    {"Gamma", {0x393, 0x0}, 1}, {"HARR", {0x2194, 0x0}, 4}, {"HEARTS", {0x2665, 0x0}, 4},
    {"HELLIP", {0x2026, 0x0}, 4}, {"IACUTE", {0xCD, 0x0}, 4}, {"ICIRC", {0xCE, 0x0}, 4},
    {"IEXCL", {0xA1, 0x0}, 4}, {"IGRAVE", {0xCC, 0x0}, 4}, {"IMAGE", {0x2111, 0x0}, 4},
    {"INFIN", {0x221E, 0x0}, 4}, {"INT", {0x222B, 0x0}, 4}, {"IOTA", {0x399, 0x0}, 4},
    {"IQUEST", {0xBF, 0x0}, 4}, {"ISIN", {0x2208, 0x0}, 4}, {"IUML", {0xCF, 0x0}, 4},
    {"Iacute", {0xCD, 0x0}, 3}, {"Icirc", {0xCE, 0x0}, 3}, {"Igrave", {0xCC, 0x0}, 3},
    {"Iota", {0x399, 0x0}, 1}, {"Iuml", {0xCF, 0x0}, 3}, {"KAPPA", {0x39A, 0x0}, 4},
    {"Kappa", {0x39A, 0x0}, 1}, {"LAMBDA", {0x39B, 0x0}, 4}, {"LANG", {0x27E8, 0x0}, 4},
    {"LAQUO", {0xAB, 0x0}, 4}, {"LARR", {0x2190, 0x0}, 4}, {"LCEIL", {0x2308, 0x0}, 4},
    {"LDQUO", {0x201C, 0x0}, 4}, {"LE", {0x2264, 0x0}, 4}, {"LFLOOR", {0x230A, 0x0}, 4},
    {"LOWAST", {0x2217, 0x0}, 4}, {"LOZ", {0x25CA, 0x0}, 4}, {"LRM", {0x200E, 0x0}, 4},
    {"LSAQUO", {0x2039, 0x0}, 4}, {"LSQUO", {0x2018, 0x0}, 4}, {"LT", {0x3C, 0x0}, 3},
    {"Lambda", {0x39B, 0x0}, 1}, {"MACR", {0xAF, 0x0}, 4}, {"MDASH", {0x2014, 0x0}, 4},
    {"MICRO", {0x39C, 0x0}, 4}, {"MIDDOT", {0xB7, 0x0}, 4}, {"MINUS", {0x2212, 0x0}, 4},
    {"MU", {0x39C, 0x0}, 4}, {"Mu", {0x39C, 0x0}, 1}, {"NABLA", {0x2207, 0x0}, 4},
    {"NBSP", {0xA0, 0x0}, 4}, {"NDASH", {0x2013, 0x0}, 4}, {"NE", {0x2260, 0x0}, 4},
    {"NI", {0x220B, 0x0}, 4}, {"NOT", {0xAC, 0x0}, 4}, {"NOTIN", {0x2209, 0x0}, 4},
    {"NSUB", {0x2284, 0x0}, 4}, {"NTILDE", {0xD1, 0x0}, 4}, {"NU", {0x39D, 0x0}, 4},
    {"Ntilde", {0xD1, 0x0}, 3}, {"Nu", {0x39D, 0x0}, 1}, {"OACUTE", {0xD3, 0x0}, 4},
    {"OCIRC", {0xD4, 0x0}, 4}, {"OELIG", {0x152, 0x0}, 4}, {"OElig", {0x152, 0x0}, 1},
    {"OGRAVE", {0xD2, 0x0}, 4}, {"OLINE", {0x203E, 0x0}, 4}, {"OMEGA", {0x3A9, 0x0}, 4},
    {"OMICRON", {0x39F, 0x0}, 4}, {"OPLUS", {0x2295, 0x0}, 4}, {"OR", {0x2228, 0x0}, 4},
    {"ORDF", {0xAA, 0x0}, 4}, {"ORDM", {0xBA, 0x0}, 4}, {"OSLASH", {0xD8, 0x0}, 4},
    {"OTILDE", {0xD5, 0x0}, 4}, {"OTIMES", {0x2297, 0x0}, 4}, {"OUML", {0xD6, 0x0}, 4},
    {"Oacute", {0xD3, 0x0}, 3}, {"Ocirc", {0xD4, 0x0}, 3}, {"Ograve", {0xD2, 0x0}, 3},
    {"Omega", {0x3A9, 0x0}, 1}, {"Omicron", {0x39F, 0x0}, 1}, {"Oslash", {0xD8, 0x0}, 3},
    {"Otilde", {0xD5, 0x0}, 3}, {"Ouml", {0xD6, 0x0}, 3}, {"PARA", {0xB6, 0x0}, 4},
    {"PART", {0x2202, 0x0}, 4}, {"PERMIL", {0x2030, 0x0}, 4}, {"PERP", {0x22A5, 0x0}, 4},
    {"PHI", {0x3A6, 0x0}, 4}, {"PI", {0x3A0, 0x0}, 4}, {"PIV", {0x3A0, 0x0}, 4},
    {"PLUSMN", {0xB1, 0x0}, 4}, {"POUND", {0xA3, 0x0}, 4}, {"PRIME", {0x2032, 0x0}, 4},
    {"PROD", {0x220F, 0x0}, 4}, {"PROP", {0x221D, 0x0}, 4}, {"PSI", {0x3A8, 0x0}, 4},
    {"Phi", {0x3A6, 0x0}, 1}, {"Pi", {0x3A0, 0x0}, 1}, {"Prime", {0x2033, 0x0}, 1},
    {"Psi", {0x3A8, 0x0}, 1}, {"QUOT", {0x22, 0x0}, 3}, {"RADIC", {0x221A, 0x0}, 4},
    {"RANG", {0x27E9, 0x0}, 4}, {"RAQUO", {0xBB, 0x0}, 4}, {"RARR", {0x2192, 0x0}, 4},
    {"RCEIL", {0x2309, 0x0}, 4}, {"RDQUO", {0x201D, 0x0}, 4}, {"REAL", {0x211C, 0x0}, 4},
    {"REG", {0xAE, 0x0}, 3}, {"RFLOOR", {0x230B, 0x0}, 4}, {"RHO", {0x3A1, 0x0}, 4},
    {"RLM", {0x200F, 0x0}, 4}, {"RSAQUO", {0x203A, 0x0}, 4}, {"RSQUO", {0x2019, 0x0}, 4},
    {"Rho", {0x3A1, 0x0}, 1}, {"SBQUO", {0x201A, 0x0}, 4}, {"SCARON", {0x160, 0x0}, 4},
    {"SDOT", {0x22C5, 0x0}, 4}, {"SECT", {0xA7, 0x0}, 4}, {"SHY", {0xAD, 0x0}, 4},
    {"SIGMA", {0x3A3, 0x0}, 4}, {"SIGMAF", {0x3A3, 0x0}, 4}, {"SIM", {0x223C, 0x0}, 4},
    {"SPADES", {0x2660, 0x0}, 4}, {"SUB", {0x2282, 0x0}, 4}, {"SUBE", {0x2286, 0x0}, 4},
    {"SUM", {0x2211, 0x0}, 4}, {"SUP", {0x2283, 0x0}, 4}, {"SUP1", {0xB9, 0x0}, 4},
    {"SUP2", {0xB2, 0x0}, 4}, {"SUP3", {0xB3, 0x0}, 4}, {"SUPE", {0x2287, 0x0}, 4},
    {"SZLIG", {0x53, 0x53}, 4}, {"Scaron", {0x160, 0x0}, 1}, {"Sigma", {0x3A3, 0x0}, 1},
    {"TAU", {0x3A4, 0x0}, 4}, {"THERE4", {0x2234, 0x0}, 4}, {"THETA", {0x398, 0x0}, 4},
    {"THETASYM", {0x398, 0x0}, 4}, {"THINSP", {0x2009, 0x0}, 4}, {"THORN", {0xDE, 0x0}, 3},
    {"TILDE", {0x2DC, 0x0}, 4}, {"TIMES", {0xD7, 0x0}, 4}, {"Tau", {0x3A4, 0x0}, 1},
    {"Theta", {0x398, 0x0}, 1}, {"UACUTE", {0xDA, 0x0}, 4}, {"UARR", {0x2191, 0x0}, 4},
    {"UCIRC", {0xDB, 0x0}, 4}, {"UGRAVE", {0xD9, 0x0}, 4}, {"UML", {0xA8, 0x0}, 4},
    {"UPSIH", {0x3D2, 0x0}, 4}, {"UPSILON", {0x3A5, 0x0}, 4}, {"UUML", {0xDC, 0x0}, 4},
    {"Uacute", {0xDA, 0x0}, 3}, {"Ucirc", {0xDB, 0x0}, 3}, {"Ugrave", {0xD9, 0x0}, 3},
    {"Upsilon", {0x3A5, 0x0}, 1}, {"Uuml", {0xDC, 0x0}, 3}, {"WEIERP", {0x2118, 0x0}, 4},
    {"XI", {0x39E, 0x0}, 4}, {"Xi", {0x39E, 0x0}, 1}, {"YACUTE", {0xDD, 0x0}, 4},
    {"YEN", {0xA5, 0x0}, 4}, {"YUML", {0x178, 0x0}, 4}, {"Yacute", {0xDD, 0x0}, 3},
    {"Yuml", {0x178, 0x0}, 1}, {"ZETA", {0x396, 0x0}, 4}, {"ZWJ", {0x200D, 0x0}, 4},
    {"ZWNJ", {0x200C, 0x0}, 4}, {"Zeta", {0x396, 0x0}, 1}, {"aacute", {0xE1, 0x0}, 3},
    {"acirc", {0xE2, 0x0}, 3}, {"acute", {0xB4, 0x0}, 3}, {"aelig", {0xE6, 0x0}, 3},
    {"agrave", {0xE0, 0x0}, 3}, {"alefsym", {0x2135, 0x0}, 1}, {"alpha", {0x3B1, 0x0}, 1},
    {"amp", {0x26, 0x0}, 3}, {"and", {0x2227, 0x0}, 1}, {"ang", {0x2220, 0x0}, 1},
    {"apos", {0x27, 0x0}, 1}, {"aring", {0xE5, 0x0}, 3}, {"asymp", {0x2248, 0x0}, 1},
    {"atilde", {0xE3, 0x0}, 3}, {"auml", {0xE4, 0x0}, 3}, {"bdquo", {0x201E, 0x0}, 1},
    {"beta", {0x3B2, 0x0}, 1}, {"brvbar", {0xA6, 0x0}, 3}, {"bull", {0x2022, 0x0}, 1},
    {"cap", {0x2229, 0x0}, 1}, {"ccedil", {0xE7, 0x0}, 3}, {"cedil", {0xB8, 0x0}, 3},
    {"cent", {0xA2, 0x0}, 3}, {"chi", {0x3C7, 0x0}, 1}, {"circ", {0x2C6, 0x0}, 1},
    {"clubs", {0x2663, 0x0}, 1}, {"cong", {0x2245, 0x0}, 1}, {"copy", {0xA9, 0x0}, 3},
    {"crarr", {0x21B5, 0x0}, 1}, {"cup", {0x222A, 0x0}, 1}, {"curren", {0xA4, 0x0}, 3},
    {"dArr", {0x21D3, 0x0}, 1}, {"dagger", {0x2020, 0x0}, 1}, {"darr", {0x2193, 0x0}, 1},
    {"deg", {0xB0, 0x0}, 3}, {"delta", {0x3B4, 0x0}, 1}, {"diams", {0x2666, 0x0}, 1},
    {"divide", {0xF7, 0x0}, 3}, {"eacute", {0xE9, 0x0}, 3}, {"ecirc", {0xEA, 0x0}, 3},
    {"egrave", {0xE8, 0x0}, 3}, {"empty", {0x2205, 0x0}, 1}, {"emsp", {0x2003, 0x0}, 1},
    {"ensp", {0x2002, 0x0}, 1}, {"epsilon", {0x3B5, 0x0}, 1}, {"equiv", {0x2261, 0x0}, 1},
    {"eta", {0x3B7, 0x0}, 1}, {"eth", {0xF0, 0x0}, 3}, {"euml", {0xEB, 0x0}, 3},
    {"euro", {0x20AC, 0x0}, 1}, {"exist", {0x2203, 0x0}, 1}, {"fnof", {0x192, 0x0}, 1},
    {"forall", {0x2200, 0x0}, 1}, {"frac12", {0xBD, 0x0}, 3}, {"frac14", {0xBC, 0x0}, 3},
    {"frac34", {0xBE, 0x0}, 3}, {"frasl", {0x2044, 0x0}, 1}, {"gamma", {0x3B3, 0x0}, 1},
    {"ge", {0x2265, 0x0}, 1}, {"gt", {0x3E, 0x0}, 3}, {"hArr", {0x21D4, 0x0}, 1},
    {"harr", {0x2194, 0x0}, 1}, {"hearts", {0x2665, 0x0}, 1}, {"hellip", {0x2026, 0x0}, 1},
    {"iacute", {0xED, 0x0}, 3}, {"icirc", {0xEE, 0x0}, 3}, {"iexcl", {0xA1, 0x0}, 3},
    {"igrave", {0xEC, 0x0}, 3}, {"image", {0x2111, 0x0}, 1}, {"infin", {0x221E, 0x0}, 1},
    {"int", {0x222B, 0x0}, 1}, {"iota", {0x3B9, 0x0}, 1}, {"iquest", {0xBF, 0x0}, 3},
    {"isin", {0x2208, 0x0}, 1}, {"iuml", {0xEF, 0x0}, 3}, {"kappa", {0x3BA, 0x0}, 1},
    {"lArr", {0x21D0, 0x0}, 1}, {"lambda", {0x3BB, 0x0}, 1}, {"lang", {0x27E8, 0x0}, 1},
    {"laquo", {0xAB, 0x0}, 3}, {"larr", {0x2190, 0x0}, 1}, {"lceil", {0x2308, 0x0}, 1},
    {"ldquo", {0x201C, 0x0}, 1}, {"le", {0x2264, 0x0}, 1}, {"lfloor", {0x230A, 0x0}, 1},
    {"lowast", {0x2217, 0x0}, 1}, {"loz", {0x25CA, 0x0}, 1}, {"lrm", {0x200E, 0x0}, 1},
    {"lsaquo", {0x2039, 0x0}, 1}, {"lsquo", {0x2018, 0x0}, 1}, {"lt", {0x3C, 0x0}, 3},
    {"macr", {0xAF, 0x0}, 3}, {"mdash", {0x2014, 0x0}, 1}, {"micro", {0xB5, 0x0}, 3},
    {"middot", {0xB7, 0x0}, 3}, {"minus", {0x2212, 0x0}, 1}, {"mu", {0x3BC, 0x0}, 1},
    {"nabla", {0x2207, 0x0}, 1}, {"nbsp", {0xA0, 0x0}, 3}, {"ndash", {0x2013, 0x0}, 1},
    {"ne", {0x2260, 0x0}, 1}, {"ni", {0x220B, 0x0}, 1}, {"not", {0xAC, 0x0}, 3},
    {"notin", {0x2209, 0x0}, 1}, {"nsub", {0x2284, 0x0}, 1}, {"ntilde", {0xF1, 0x0}, 3},
    {"nu", {0x3BD, 0x0}, 1}, {"oacute", {0xF3, 0x0}, 3}, {"ocirc", {0xF4, 0x0}, 3},
    {"oelig", {0x153, 0x0}, 1}, {"ograve", {0xF2, 0x0}, 3}, {"oline", {0x203E, 0x0}, 1},
    {"omega", {0x3C9, 0x0}, 1}, {"omicron", {0x3BF, 0x0}, 1}, {"oplus", {0x2295, 0x0}, 1},
    {"or", {0x2228, 0x0}, 1}, {"ordf", {0xAA, 0x0}, 3}, {"ordm", {0xBA, 0x0}, 3},
    {"oslash", {0xF8, 0x0}, 3}, {"otilde", {0xF5, 0x0}, 3}, {"otimes", {0x2297, 0x0}, 1},
    {"ouml", {0xF6, 0x0}, 3}, {"para", {0xB6, 0x0}, 3}, {"part", {0x2202, 0x0}, 1},
    {"permil", {0x2030, 0x0}, 1}, {"perp", {0x22A5, 0x0}, 1}, {"phi", {0x3C6, 0x0}, 1},
    {"pi", {0x3C0, 0x0}, 1}, {"piv", {0x3D6, 0x0}, 1}, {"plusmn", {0xB1, 0x0}, 3},
    {"pound", {0xA3, 0x0}, 3}, {"prime", {0x2032, 0x0}, 1}, {"prod", {0x220F, 0x0}, 1},
    {"prop", {0x221D, 0x0}, 1}, {"psi", {0x3C8, 0x0}, 1}, {"quot", {0x22, 0x0}, 3},
    {"rArr", {0x21D2, 0x0}, 1}, {"radic", {0x221A, 0x0}, 1}, {"rang", {0x27E9, 0x0}, 1},
    {"raquo", {0xBB, 0x0}, 3}, {"rarr", {0x2192, 0x0}, 1}, {"rceil", {0x2309, 0x0}, 1},
    {"rdquo", {0x201D, 0x0}, 1}, {"real", {0x211C, 0x0}, 1}, {"reg", {0xAE, 0x0}, 3},
    {"rfloor", {0x230B, 0x0}, 1}, {"rho", {0x3C1, 0x0}, 1}, {"rlm", {0x200F, 0x0}, 1},
    {"rsaquo", {0x203A, 0x0}, 1}, {"rsquo", {0x2019, 0x0}, 1}, {"sbquo", {0x201A, 0x0}, 1},
    {"scaron", {0x161, 0x0}, 1}, {"sdot", {0x22C5, 0x0}, 1}, {"sect", {0xA7, 0x0}, 3},
    {"shy", {0xAD, 0x0}, 3}, {"sigma", {0x3C3, 0x0}, 1}, {"sigmaf", {0x3C2, 0x0}, 1},
    {"sim", {0x223C, 0x0}, 1}, {"spades", {0x2660, 0x0}, 1}, {"sub", {0x2282, 0x0}, 1},
    {"sube", {0x2286, 0x0}, 1}, {"sum", {0x2211, 0x0}, 1}, {"sup", {0x2283, 0x0}, 1},
    {"sup1", {0xB9, 0x0}, 3}, {"sup2", {0xB2, 0x0}, 3}, {"sup3", {0xB3, 0x0}, 3},
    {"supe", {0x2287, 0x0}, 1}, {"szlig", {0xDF, 0x0}, 3}, {"tau", {0x3C4, 0x0}, 1},
    {"there4", {0x2234, 0x0}, 1}, {"theta", {0x3B8, 0x0}, 1}, {"thetasym", {0x3D1, 0x0}, 1},
    {"thinsp", {0x2009, 0x0}, 1}, {"thorn", {0xFE, 0x0}, 3}, {"tilde", {0x2DC, 0x0}, 1},
    {"times", {0xD7, 0x0}, 3}, {"trade", {0x2122, 0x0}, 1}, {"uArr", {0x21D1, 0x0}, 1},
    {"uacute", {0xFA, 0x0}, 3}, {"uarr", {0x2191, 0x0}, 1}, {"ucirc", {0xFB, 0x0}, 3},
    {"ugrave", {0xF9, 0x0}, 3}, {"uml", {0xA8, 0x0}, 3}, {"upsih", {0x3D2, 0x0}, 1},
    {"upsilon", {0x3C5, 0x0}, 1}, {"uuml", {0xFC, 0x0}, 3}, {"weierp", {0x2118, 0x0}, 1},
    {"xi", {0x3BE, 0x0}, 1}, {"yacute", {0xFD, 0x0}, 3}, {"yen", {0xA5, 0x0}, 3},
    {"yuml", {0xFF, 0x0}, 3}, {"zeta", {0x3B6, 0x0}, 1}, {"zwj", {0x200D, 0x0}, 1},
    {"zwnj", {0x200C, 0x0}, 1},
};
static const uint32_t mlip__tok_ccc_ranges[382][2] = {
    {0x300, 0x314E6}, {0x315, 0x315E8}, {0x316, 0x319DC}, {0x31A, 0x31AE8}, {0x31B, 0x31BD8},
    {0x31C, 0x320DC}, {0x321, 0x322CA}, {0x323, 0x326DC}, {0x327, 0x328CA}, {0x329, 0x333DC},
    {0x334, 0x33801}, {0x339, 0x33CDC}, {0x33D, 0x344E6}, {0x345, 0x345F0}, {0x346, 0x346E6},
    {0x347, 0x349DC}, {0x34A, 0x34CE6}, {0x34D, 0x34EDC}, {0x350, 0x352E6}, {0x353, 0x356DC},
    {0x357, 0x357E6}, {0x358, 0x358E8}, {0x359, 0x35ADC}, {0x35B, 0x35BE6}, {0x35C, 0x35CE9},
    {0x35D, 0x35EEA}, {0x35F, 0x35FE9}, {0x360, 0x361EA}, {0x362, 0x362E9}, {0x363, 0x36FE6},
    {0x483, 0x487E6}, {0x591, 0x591DC}, {0x592, 0x595E6}, {0x596, 0x596DC}, {0x597, 0x599E6},
    {0x59A, 0x59ADE}, {0x59B, 0x59BDC}, {0x59C, 0x5A1E6}, {0x5A2, 0x5A7DC}, {0x5A8, 0x5A9E6},
    {0x5AA, 0x5AADC}, {0x5AB, 0x5ACE6}, {0x5AD, 0x5ADDE}, {0x5AE, 0x5AEE4}, {0x5AF, 0x5AFE6},
    {0x5B0, 0x5B00A}, {0x5B1, 0x5B10B}, {0x5B2, 0x5B20C}, {0x5B3, 0x5B30D}, {0x5B4, 0x5B40E},
    {0x5B5, 0x5B50F}, {0x5B6, 0x5B610}, {0x5B7, 0x5B711}, {0x5B8, 0x5B812}, {0x5B9, 0x5BA13},
    {0x5BB, 0x5BB14}, {0x5BC, 0x5BC15}, {0x5BD, 0x5BD16}, {0x5BF, 0x5BF17}, {0x5C1, 0x5C118},
    {0x5C2, 0x5C219}, {0x5C4, 0x5C4E6}, {0x5C5, 0x5C5DC}, {0x5C7, 0x5C712}, {0x610, 0x617E6},
    {0x618, 0x6181E}, {0x619, 0x6191F}, {0x61A, 0x61A20}, {0x64B, 0x64B1B}, {0x64C, 0x64C1C},
    {0x64D, 0x64D1D}, {0x64E, 0x64E1E}, {0x64F, 0x64F1F}, {0x650, 0x65020}, {0x651, 0x65121},
    {0x652, 0x65222}, {0x653, 0x654E6}, {0x655, 0x656DC}, {0x657, 0x65BE6}, {0x65C, 0x65CDC},
    {0x65D, 0x65EE6}, {0x65F, 0x65FDC}, {0x670, 0x67023}, {0x6D6, 0x6DCE6}, {0x6DF, 0x6E2E6},
    {0x6E3, 0x6E3DC}, {0x6E4, 0x6E4E6}, {0x6E7, 0x6E8E6}, {0x6EA, 0x6EADC}, {0x6EB, 0x6ECE6},
    {0x6ED, 0x6EDDC}, {0x711, 0x71124}, {0x730, 0x730E6}, {0x731, 0x731DC}, {0x732, 0x733E6},
    {0x734, 0x734DC}, {0x735, 0x736E6}, {0x737, 0x739DC}, {0x73A, 0x73AE6}, {0x73B, 0x73CDC},
    {0x73D, 0x73DE6}, {0x73E, 0x73EDC}, {0x73F, 0x741E6}, {0x742, 0x742DC}, {0x743, 0x743E6},
    {0x744, 0x744DC}, {0x745, 0x745E6}, {0x746, 0x746DC}, {0x747, 0x747E6}, {0x748, 0x748DC},
    {0x749, 0x74AE6}, {0x7EB, 0x7F1E6}, {0x7F2, 0x7F2DC}, {0x7F3, 0x7F3E6}, {0x7FD, 0x7FDDC},
    {0x816, 0x819E6}, {0x81B, 0x823E6}, {0x825, 0x827E6}, {0x829, 0x82DE6}, {0x859, 0x85BDC},
    {0x898, 0x898E6}, {0x899, 0x89BDC}, {0x89C, 0x89FE6}, {0x8CA, 0x8CEE6}, {0x8CF, 0x8D3DC},
    {0x8D4, 0x8E1E6}, {0x8E3, 0x8E3DC}, {0x8E4, 0x8E5E6}, {0x8E6, 0x8E6DC}, {0x8E7, 0x8E8E6},
    {0x8E9, 0x8E9DC}, {0x8EA, 0x8ECE6}, {0x8ED, 0x8EFDC}, {0x8F0, 0x8F01B}, {0x8F1, 0x8F11C},
    {0x8F2, 0x8F21D}, {0x8F3, 0x8F5E6}, {0x8F6, 0x8F6DC}, {0x8F7, 0x8F8E6}, {0x8F9, 0x8FADC},
    {0x8FB, 0x8FFE6}, {0x93C, 0x93C07}, {0x94D, 0x94D09}, {0x951, 0x951E6}, {0x952, 0x952DC},
    {0x953, 0x954E6}, {0x9BC, 0x9BC07}, {0x9CD, 0x9CD09}, {0x9FE, 0x9FEE6}, {0xA3C, 0xA3C07},
    {0xA4D, 0xA4D09}, {0xABC, 0xABC07}, {0xACD, 0xACD09}, {0xB3C, 0xB3C07}, {0xB4D, 0xB4D09},
    {0xBCD, 0xBCD09}, {0xC3C, 0xC3C07}, {0xC4D, 0xC4D09}, {0xC55, 0xC5554}, {0xC56, 0xC565B},
    {0xCBC, 0xCBC07}, {0xCCD, 0xCCD09}, {0xD3B, 0xD3C09}, {0xD4D, 0xD4D09}, {0xDCA, 0xDCA09},
    {0xE38, 0xE3967}, {0xE3A, 0xE3A09}, {0xE48, 0xE4B6B}, {0xEB8, 0xEB976}, {0xEBA, 0xEBA09},
    {0xEC8, 0xECB7A}, {0xF18, 0xF19DC}, {0xF35, 0xF35DC}, {0xF37, 0xF37DC}, {0xF39, 0xF39D8},
    {0xF71, 0xF7181}, {0xF72, 0xF7282}, {0xF74, 0xF7484}, {0xF7A, 0xF7D82}, {0xF80, 0xF8082},
    {0xF82, 0xF83E6}, {0xF84, 0xF8409}, {0xF86, 0xF87E6}, {0xFC6, 0xFC6DC}, {0x1037, 0x103707},
    {0x1039, 0x103A09}, {0x108D, 0x108DDC}, {0x135D, 0x135FE6}, {0x1714, 0x171509},
    {0x1734, 0x173409}, {0x17D2, 0x17D209}, {0x17DD, 0x17DDE6}, {0x18A9, 0x18A9E4},
    {0x1939, 0x1939DE}, {0x193A, 0x193AE6}, {0x193B, 0x193BDC}, {0x1A17, 0x1A17E6},
    {0x1A18, 0x1A18DC}, {0x1A60, 0x1A6009}, {0x1A75, 0x1A7CE6}, {0x1A7F, 0x1A7FDC},
    {0x1AB0, 0x1AB4E6}, {0x1AB5, 0x1ABADC}, {0x1ABB, 0x1ABCE6}, {0x1ABD, 0x1ABDDC},
    {0x1ABF, 0x1AC0DC}, {0x1AC1, 0x1AC2E6}, {0x1AC3, 0x1AC4DC}, {0x1AC5, 0x1AC9E6},
    {0x1ACA, 0x1ACADC}, {0x1ACB, 0x1ACEE6}, {0x1B34, 0x1B3407}, {0x1B44, 0x1B4409},
    {0x1B6B, 0x1B6BE6}, {0x1B6C, 0x1B6CDC}, {0x1B6D, 0x1B73E6}, {0x1BAA, 0x1BAB09},
    {0x1BE6, 0x1BE607}, {0x1BF2, 0x1BF309}, {0x1C37, 0x1C3707}, {0x1CD0, 0x1CD2E6},
    {0x1CD4, 0x1CD401}, {0x1CD5, 0x1CD9DC}, {0x1CDA, 0x1CDBE6}, {0x1CDC, 0x1CDFDC},
    {0x1CE0, 0x1CE0E6}, {0x1CE2, 0x1CE801}, {0x1CED, 0x1CEDDC}, {0x1CF4, 0x1CF4E6},
    {0x1CF8, 0x1CF9E6}, {0x1DC0, 0x1DC1E6}, {0x1DC2, 0x1DC2DC}, {0x1DC3, 0x1DC9E6},
    {0x1DCA, 0x1DCADC}, {0x1DCB, 0x1DCCE6}, {0x1DCD, 0x1DCDEA}, {0x1DCE, 0x1DCED6},
    {0x1DCF, 0x1DCFDC}, {0x1DD0, 0x1DD0CA}, {0x1DD1, 0x1DF5E6}, {0x1DF6, 0x1DF6E8},
    {0x1DF7, 0x1DF8E4}, {0x1DF9, 0x1DF9DC}, {0x1DFA, 0x1DFADA}, {0x1DFB, 0x1DFBE6},
    {0x1DFC, 0x1DFCE9}, {0x1DFD, 0x1DFDDC}, {0x1DFE, 0x1DFEE6}, {0x1DFF, 0x1DFFDC},
    {0x20D0, 0x20D1E6}, {0x20D2, 0x20D301}, {0x20D4, 0x20D7E6}, {0x20D8, 0x20DA01},
    {0x20DB, 0x20DCE6}, {0x20E1, 0x20E1E6}, {0x20E5, 0x20E601}, {0x20E7, 0x20E7E6},
    {0x20E8, 0x20E8DC}, {0x20E9, 0x20E9E6}, {0x20EA, 0x20EB01}, {0x20EC, 0x20EFDC},
    {0x20F0, 0x20F0E6}, {0x2CEF, 0x2CF1E6}, {0x2D7F, 0x2D7F09}, {0x2DE0, 0x2DFFE6},
    {0x302A, 0x302ADA}, {0x302B, 0x302BE4}, {0x302C, 0x302CE8}, {0x302D, 0x302DDE},
    {0x302E, 0x302FE0}, {0x3099, 0x309A08}, {0xA66F, 0xA66FE6}, {0xA674, 0xA67DE6},
    {0xA69E, 0xA69FE6}, {0xA6F0, 0xA6F1E6}, {0xA806, 0xA80609}, {0xA82C, 0xA82C09},
    {0xA8C4, 0xA8C409}, {0xA8E0, 0xA8F1E6}, {0xA92B, 0xA92DDC}, {0xA953, 0xA95309},
    {0xA9B3, 0xA9B307}, {0xA9C0, 0xA9C009}, {0xAAB0, 0xAAB0E6}, {0xAAB2, 0xAAB3E6},
    {0xAAB4, 0xAAB4DC}, {0xAAB7, 0xAAB8E6}, {0xAABE, 0xAABFE6}, {0xAAC1, 0xAAC1E6},
    {0xAAF6, 0xAAF609}, {0xABED, 0xABED09}, {0xFB1E, 0xFB1E1A}, {0xFE20, 0xFE26E6},
    {0xFE27, 0xFE2DDC}, {0xFE2E, 0xFE2FE6}, {0x101FD, 0x101FDDC}, {0x102E0, 0x102E0DC},
    {0x10376, 0x1037AE6}, {0x10A0D, 0x10A0DDC}, {0x10A0F, 0x10A0FE6}, {0x10A38, 0x10A38E6},
    {0x10A39, 0x10A3901}, {0x10A3A, 0x10A3ADC}, {0x10A3F, 0x10A3F09}, {0x10AE5, 0x10AE5E6},
    {0x10AE6, 0x10AE6DC}, {0x10D24, 0x10D27E6}, {0x10EAB, 0x10EACE6}, {0x10F46, 0x10F47DC},
    {0x10F48, 0x10F4AE6}, {0x10F4B, 0x10F4BDC}, {0x10F4C, 0x10F4CE6}, {0x10F4D, 0x10F50DC},
    {0x10F82, 0x10F82E6}, {0x10F83, 0x10F83DC}, {0x10F84, 0x10F84E6}, {0x10F85, 0x10F85DC},
    {0x11046, 0x1104609}, {0x11070, 0x1107009}, {0x1107F, 0x1107F09}, {0x110B9, 0x110B909},
    {0x110BA, 0x110BA07}, {0x11100, 0x11102E6}, {0x11133, 0x1113409}, {0x11173, 0x1117307},
    {0x111C0, 0x111C009}, {0x111CA, 0x111CA07}, {0x11235, 0x1123509}, {0x11236, 0x1123607},
    {0x112E9, 0x112E907}, {0x112EA, 0x112EA09}, {0x1133B, 0x1133C07}, {0x1134D, 0x1134D09},
    {0x11366, 0x1136CE6}, {0x11370, 0x11374E6}, {0x11442, 0x1144209}, {0x11446, 0x1144607},
    {0x1145E, 0x1145EE6}, {0x114C2, 0x114C209}, {0x114C3, 0x114C307}, {0x115BF, 0x115BF09},
    {0x115C0, 0x115C007}, {0x1163F, 0x1163F09}, {0x116B6, 0x116B609}, {0x116B7, 0x116B707},
    {0x1172B, 0x1172B09}, {0x11839, 0x1183909}, {0x1183A, 0x1183A07}, {0x1193D, 0x1193E09},
    {0x11943, 0x1194307}, {0x119E0, 0x119E009}, {0x11A34, 0x11A3409}, {0x11A47, 0x11A4709},
    {0x11A99, 0x11A9909}, {0x11C3F, 0x11C3F09}, {0x11D42, 0x11D4207}, {0x11D44, 0x11D4509},
    {0x11D97, 0x11D9709}, {0x16AF0, 0x16AF401}, {0x16B30, 0x16B36E6}, {0x16FF0, 0x16FF106},
    {0x1BC9E, 0x1BC9E01}, {0x1D165, 0x1D166D8}, {0x1D167, 0x1D16901}, {0x1D16D, 0x1D16DE2},
    {0x1D16E, 0x1D172D8}, {0x1D17B, 0x1D182DC}, {0x1D185, 0x1D189E6}, {0x1D18A, 0x1D18BDC},
    {0x1D1AA, 0x1D1ADE6}, {0x1D242, 0x1D244E6}, {0x1E000, 0x1E006E6}, {0x1E008, 0x1E018E6},
    {0x1E01B, 0x1E021E6}, {0x1E023, 0x1E024E6}, {0x1E026, 0x1E02AE6}, {0x1E130, 0x1E136E6},
    {0x1E2AE, 0x1E2AEE6}, {0x1E2EC, 0x1E2EFE6}, {0x1E8D0, 0x1E8D6DC}, {0x1E944, 0x1E949E6},
    {0x1E94A, 0x1E94A07},
};
static const uint32_t mlip__tok_nfd_second[86] = {
    0x0, 0x300, 0x301, 0x302, 0x303, 0x304, 0x306, 0x307, 0x308, 0x309, 0x30A, 0x30B, 0x30C, 0x30F,
    0x311, 0x313, 0x314, 0x31B, 0x323, 0x324, 0x325, 0x326, 0x327, 0x328, 0x32D, 0x32E, 0x330,
    0x331, 0x338, 0x342, 0x345, 0x5B4, 0x5B7, 0x5B8, 0x5B9, 0x5BC, 0x5BF, 0x5C1, 0x5C2, 0x653,
    0x654, 0x655, 0x93C, 0x9BC, 0x9BE, 0x9D7, 0xA3C, 0xB3C, 0xB3E, 0xB56, 0xB57, 0xBBE, 0xBD7,
    0xC56, 0xCC2, 0xCD5, 0xCD6, 0xD3E, 0xD57, 0xDCA, 0xDCF, 0xDDF, 0xF72, 0xF74, 0xF80, 0xFB5,
    0xFB7, 0x102E, 0x1B35, 0x3099, 0x309A, 0x110BA, 0x11127, 0x1133E, 0x11357, 0x114B0, 0x114BA,
    0x114BD, 0x115AF, 0x11930, 0x1D165, 0x1D16E, 0x1D16F, 0x1D170, 0x1D171, 0x1D172,
};
static const uint32_t mlip__tok_nfd[2061][2] = {
    {0xC0, 0x40041}, {0xC1, 0x80041}, {0xC2, 0xC0041}, {0xC3, 0x100041}, {0xC4, 0x200041},
    {0xC5, 0x280041}, {0xC7, 0x580043}, {0xC8, 0x40045}, {0xC9, 0x80045}, {0xCA, 0xC0045},
    {0xCB, 0x200045}, {0xCC, 0x40049}, {0xCD, 0x80049}, {0xCE, 0xC0049}, {0xCF, 0x200049},
    {0xD1, 0x10004E}, {0xD2, 0x4004F}, {0xD3, 0x8004F}, {0xD4, 0xC004F}, {0xD5, 0x10004F},
    {0xD6, 0x20004F}, {0xD9, 0x40055}, {0xDA, 0x80055}, {0xDB, 0xC0055}, {0xDC, 0x200055},
    {0xDD, 0x80059}, {0xE0, 0x40061}, {0xE1, 0x80061}, {0xE2, 0xC0061}, {0xE3, 0x100061},
    {0xE4, 0x200061}, {0xE5, 0x280061}, {0xE7, 0x580063}, {0xE8, 0x40065}, {0xE9, 0x80065},
    {0xEA, 0xC0065}, {0xEB, 0x200065}, {0xEC, 0x40069}, {0xED, 0x80069}, {0xEE, 0xC0069},
    {0xEF, 0x200069}, {0xF1, 0x10006E}, {0xF2, 0x4006F}, {0xF3, 0x8006F}, {0xF4, 0xC006F},
    {0xF5, 0x10006F}, {0xF6, 0x20006F}, {0xF9, 0x40075}, {0xFA, 0x80075}, {0xFB, 0xC0075},
    {0xFC, 0x200075}, {0xFD, 0x80079}, {0xFF, 0x200079}, {0x100, 0x140041}, {0x101, 0x140061},
    {0x102, 0x180041}, {0x103, 0x180061}, {0x104, 0x5C0041}, {0x105, 0x5C0061}, {0x106, 0x80043},
    {0x107, 0x80063}, {0x108, 0xC0043}, {0x109, 0xC0063}, {0x10A, 0x1C0043}, {0x10B, 0x1C0063},
    {0x10C, 0x300043}, {0x10D, 0x300063}, {0x10E, 0x300044}, {0x10F, 0x300064}, {0x112, 0x140045},
    {0x113, 0x140065}, {0x114, 0x180045}, {0x115, 0x180065}, {0x116, 0x1C0045}, {0x117, 0x1C0065},
    {0x118, 0x5C0045}, {0x119, 0x5C0065}, {0x11A, 0x300045}, {0x11B, 0x300065}, {0x11C, 0xC0047},
    {0x11D, 0xC0067}, {0x11E, 0x180047}, {0x11F, 0x180067}, {0x120, 0x1C0047}, {0x121, 0x1C0067},
    {0x122, 0x580047}, {0x123, 0x580067}, {0x124, 0xC0048}, {0x125, 0xC0068}, {0x128, 0x100049},
    {0x129, 0x100069}, {0x12A, 0x140049}, {0x12B, 0x140069}, {0x12C, 0x180049}, {0x12D, 0x180069},
    {0x12E, 0x5C0049}, {0x12F, 0x5C0069}, {0x130, 0x1C0049}, {0x134, 0xC004A}, {0x135, 0xC006A},
    {0x136, 0x58004B}, {0x137, 0x58006B}, {0x139, 0x8004C}, {0x13A, 0x8006C}, {0x13B, 0x58004C},
    {0x13C, 0x58006C}, {0x13D, 0x30004C}, {0x13E, 0x30006C}, {0x143, 0x8004E}, {0x144, 0x8006E},
    {0x145, 0x58004E}, {0x146, 0x58006E}, {0x147, 0x30004E}, {0x148, 0x30006E}, {0x14C, 0x14004F},
    {0x14D, 0x14006F}, {0x14E, 0x18004F}, {0x14F, 0x18006F}, {0x150, 0x2C004F}, {0x151, 0x2C006F},
    {0x154, 0x80052}, {0x155, 0x80072}, {0x156, 0x580052}, {0x157, 0x580072}, {0x158, 0x300052},
    {0x159, 0x300072}, {0x15A, 0x80053}, {0x15B, 0x80073}, {0x15C, 0xC0053}, {0x15D, 0xC0073},
    {0x15E, 0x580053}, {0x15F, 0x580073}, {0x160, 0x300053}, {0x161, 0x300073}, {0x162, 0x580054},
    {0x163, 0x580074}, {0x164, 0x300054}, {0x165, 0x300074}, {0x168, 0x100055}, {0x169, 0x100075},
    {0x16A, 0x140055}, {0x16B, 0x140075}, {0x16C, 0x180055}, {0x16D, 0x180075}, {0x16E, 0x280055},
    {0x16F, 0x280075}, {0x170, 0x2C0055}, {0x171, 0x2C0075}, {0x172, 0x5C0055}, {0x173, 0x5C0075},
    {0x174, 0xC0057}, {0x175, 0xC0077}, {0x176, 0xC0059}, {0x177, 0xC0079}, {0x178, 0x200059},
    {0x179, 0x8005A}, {0x17A, 0x8007A}, {0x17B, 0x1C005A}, {0x17C, 0x1C007A}, {0x17D, 0x30005A},
    {0x17E, 0x30007A}, {0x1A0, 0x44004F}, {0x1A1, 0x44006F}, {0x1AF, 0x440055}, {0x1B0, 0x440075},
    {0x1CD, 0x300041}, {0x1CE, 0x300061}, {0x1CF, 0x300049}, {0x1D0, 0x300069}, {0x1D1, 0x30004F},
    {0x1D2, 0x30006F}, {0x1D3, 0x300055}, {0x1D4, 0x300075}, {0x1D5, 0x1400DC}, {0x1D6, 0x1400FC},
    {0x1D7, 0x800DC}, {0x1D8, 0x800FC}, {0x1D9, 0x3000DC}, {0x1DA, 0x3000FC}, {0x1DB, 0x400DC},
    {0x1DC, 0x400FC}, {0x1DE, 0x1400C4}, {0x1DF, 0x1400E4}, {0x1E0, 0x140226}, {0x1E1, 0x140227},
    {0x1E2, 0x1400C6}, {0x1E3, 0x1400E6}, {0x1E6, 0x300047}, {0x1E7, 0x300067}, {0x1E8, 0x30004B},
    {0x1E9, 0x30006B}, {0x1EA, 0x5C004F}, {0x1EB, 0x5C006F}, {0x1EC, 0x1401EA}, {0x1ED, 0x1401EB},
    {0x1EE, 0x3001B7}, {0x1EF, 0x300292}, {0x1F0, 0x30006A}, {0x1F4, 0x80047}, {0x1F5, 0x80067},
    {0x1F8, 0x4004E}, {0x1F9, 0x4006E}, {0x1FA, 0x800C5}, {0x1FB, 0x800E5}, {0x1FC, 0x800C6},
    {0x1FD, 0x800E6}, {0x1FE, 0x800D8}, {0x1FF, 0x800F8}, {0x200, 0x340041}, {0x201, 0x340061},
    {0x202, 0x380041}, {0x203, 0x380061}, {0x204, 0x340045}, {0x205, 0x340065}, {0x206, 0x380045},
    {0x207, 0x380065}, {0x208, 0x340049}, {0x209, 0x340069}, {0x20A, 0x380049}, {0x20B, 0x380069},
    {0x20C, 0x34004F}, {0x20D, 0x34006F}, {0x20E, 0x38004F}, {0x20F, 0x38006F}, {0x210, 0x340052},
    {0x211, 0x340072}, {0x212, 0x380052}, {0x213, 0x380072}, {0x214, 0x340055}, {0x215, 0x340075},
    {0x216, 0x380055}, {0x217, 0x380075}, {0x218, 0x540053}, {0x219, 0x540073}, {0x21A, 0x540054},
    {0x21B, 0x540074}, {0x21E, 0x300048}, {0x21F, 0x300068}, {0x226, 0x1C0041}, {0x227, 0x1C0061},
    {0x228, 0x580045}, {0x229, 0x580065}, {0x22A, 0x1400D6}, {0x22B, 0x1400F6}, {0x22C, 0x1400D5},
    {0x22D, 0x1400F5}, {0x22E, 0x1C004F}, {0x22F, 0x1C006F}, {0x230, 0x14022E}, {0x231, 0x14022F},
    {0x232, 0x140059}, {0x233, 0x140079}, {0x340, 0x300}, {0x341, 0x301}, {0x343, 0x313},
    {0x344, 0x80308}, {0x374, 0x2B9}, {0x37E, 0x3B}, {0x385, 0x800A8}, {0x386, 0x80391},
    {0x387, 0xB7}, {0x388, 0x80395}, {0x389, 0x80397}, {0x38A, 0x80399}, {0x38C, 0x8039F},
    {0x38E, 0x803A5}, {0x38F, 0x803A9}, {0x390, 0x803CA}, {0x3AA, 0x200399}, {0x3AB, 0x2003A5},
    {0x3AC, 0x803B1}, {0x3AD, 0x803B5}, {0x3AE, 0x803B7}, {0x3AF, 0x803B9}, {0x3B0, 0x803CB},
    {0x3CA, 0x2003B9}, {0x3CB, 0x2003C5}, {0x3CC, 0x803BF}, {0x3CD, 0x803C5}, {0x3CE, 0x803C9},
    {0x3D3, 0x803D2}, {0x3D4, 0x2003D2}, {0x400, 0x40415}, {0x401, 0x200415}, {0x403, 0x80413},
    {0x407, 0x200406}, {0x40C, 0x8041A}, {0x40D, 0x40418}, {0x40E, 0x180423}, {0x419, 0x180418},
    {0x439, 0x180438}, {0x450, 0x40435}, {0x451, 0x200435}, {0x453, 0x80433}, {0x457, 0x200456},
    {0x45C, 0x8043A}, {0x45D, 0x40438}, {0x45E, 0x180443}, {0x476, 0x340474}, {0x477, 0x340475},
    {0x4C1, 0x180416}, {0x4C2, 0x180436}, {0x4D0, 0x180410}, {0x4D1, 0x180430}, {0x4D2, 0x200410},
    {0x4D3, 0x200430}, {0x4D6, 0x180415}, {0x4D7, 0x180435}, {0x4DA, 0x2004D8}, {0x4DB, 0x2004D9},
    {0x4DC, 0x200416}, {0x4DD, 0x200436}, {0x4DE, 0x200417}, {0x4DF, 0x200437}, {0x4E2, 0x140418},
    {0x4E3, 0x140438}, {0x4E4, 0x200418}, {0x4E5, 0x200438}, {0x4E6, 0x20041E}, {0x4E7, 0x20043E},
    {0x4EA, 0x2004E8}, {0x4EB, 0x2004E9}, {0x4EC, 0x20042D}, {0x4ED, 0x20044D}, {0x4EE, 0x140423},
    {0x4EF, 0x140443}, {0x4F0, 0x200423}, {0x4F1, 0x200443}, {0x4F2, 0x2C0423}, {0x4F3, 0x2C0443},
    {0x4F4, 0x200427}, {0x4F5, 0x200447}, {0x4F8, 0x20042B}, {0x4F9, 0x20044B}, {0x622, 0x9C0627},
    {0x623, 0xA00627}, {0x624, 0xA00648}, {0x625, 0xA40627}, {0x626, 0xA0064A}, {0x6C0, 0xA006D5},
    {0x6C2, 0xA006C1}, {0x6D3, 0xA006D2}, {0x929, 0xA80928}, {0x931, 0xA80930}, {0x934, 0xA80933},
    {0x958, 0xA80915}, {0x959, 0xA80916}, {0x95A, 0xA80917}, {0x95B, 0xA8091C}, {0x95C, 0xA80921},
    {0x95D, 0xA80922}, {0x95E, 0xA8092B}, {0x95F, 0xA8092F}, {0x9CB, 0xB009C7}, {0x9CC, 0xB409C7},
    {0x9DC, 0xAC09A1}, {0x9DD, 0xAC09A2}, {0x9DF, 0xAC09AF}, {0xA33, 0xB80A32}, {0xA36, 0xB80A38},
    {0xA59, 0xB80A16}, {0xA5A, 0xB80A17}, {0xA5B, 0xB80A1C}, {0xA5E, 0xB80A2B}, {0xB48, 0xC40B47},
    {0xB4B, 0xC00B47}, {0xB4C, 0xC80B47}, {0xB5C, 0xBC0B21}, {0xB5D, 0xBC0B22}, {0xB94, 0xD00B92},
    {0xBCA, 0xCC0BC6}, {0xBCB, 0xCC0BC7}, {0xBCC, 0xD00BC6}, {0xC48, 0xD40C46}, {0xCC0, 0xDC0CBF},
    {0xCC7, 0xDC0CC6}, {0xCC8, 0xE00CC6}, {0xCCA, 0xD80CC6}, {0xCCB, 0xDC0CCA}, {0xD4A, 0xE40D46},
    {0xD4B, 0xE40D47}, {0xD4C, 0xE80D46}, {0xDDA, 0xEC0DD9}, {0xDDC, 0xF00DD9}, {0xDDD, 0xEC0DDC},
    {0xDDE, 0xF40DD9}, {0xF43, 0x1080F42}, {0xF4D, 0x1080F4C}, {0xF52, 0x1080F51},
    {0xF57, 0x1080F56}, {0xF5C, 0x1080F5B}, {0xF69, 0x1040F40}, {0xF73, 0xF80F71},
    {0xF75, 0xFC0F71}, {0xF76, 0x1000FB2}, {0xF78, 0x1000FB3}, {0xF81, 0x1000F71},
    {0xF93, 0x1080F92}, {0xF9D, 0x1080F9C}, {0xFA2, 0x1080FA1}, {0xFA7, 0x1080FA6},
    {0xFAC, 0x1080FAB}, {0xFB9, 0x1040F90}, {0x1026, 0x10C1025}, {0x1B06, 0x1101B05},
    {0x1B08, 0x1101B07}, {0x1B0A, 0x1101B09}, {0x1B0C, 0x1101B0B}, {0x1B0E, 0x1101B0D},
    {0x1B12, 0x1101B11}, {0x1B3B, 0x1101B3A}, {0x1B3D, 0x1101B3C}, {0x1B40, 0x1101B3E},
    {0x1B41, 0x1101B3F}, {0x1B43, 0x1101B42}, {0x1E00, 0x500041}, {0x1E01, 0x500061},
    {0x1E02, 0x1C0042}, {0x1E03, 0x1C0062}, {0x1E04, 0x480042}, {0x1E05, 0x480062},
    {0x1E06, 0x6C0042}, {0x1E07, 0x6C0062}, {0x1E08, 0x800C7}, {0x1E09, 0x800E7},
    {0x1E0A, 0x1C0044}, {0x1E0B, 0x1C0064}, {0x1E0C, 0x480044}, {0x1E0D, 0x480064},
    {0x1E0E, 0x6C0044}, {0x1E0F, 0x6C0064}, {0x1E10, 0x580044}, {0x1E11, 0x580064},
    {0x1E12, 0x600044}, {0x1E13, 0x600064}, {0x1E14, 0x40112}, {0x1E15, 0x40113}, {0x1E16, 0x80112},
    {0x1E17, 0x80113}, {0x1E18, 0x600045}, {0x1E19, 0x600065}, {0x1E1A, 0x680045},
    {0x1E1B, 0x680065}, {0x1E1C, 0x180228}, {0x1E1D, 0x180229}, {0x1E1E, 0x1C0046},
    {0x1E1F, 0x1C0066}, {0x1E20, 0x140047}, {0x1E21, 0x140067}, {0x1E22, 0x1C0048},
    {0x1E23, 0x1C0068}, {0x1E24, 0x480048}, {0x1E25, 0x480068}, {0x1E26, 0x200048},
    {0x1E27, 0x200068}, {0x1E28, 0x580048}, {0x1E29, 0x580068}, {0x1E2A, 0x640048},
    {0x1E2B, 0x640068}, {0x1E2C, 0x680049}, {0x1E2D, 0x680069}, {0x1E2E, 0x800CF},
    {0x1E2F, 0x800EF}, {0x1E30, 0x8004B}, {0x1E31, 0x8006B}, {0x1E32, 0x48004B}, {0x1E33, 0x48006B},
    {0x1E34, 0x6C004B}, {0x1E35, 0x6C006B}, {0x1E36, 0x48004C}, {0x1E37, 0x48006C},
    {0x1E38, 0x141E36}, {0x1E39, 0x141E37}, {0x1E3A, 0x6C004C}, {0x1E3B, 0x6C006C},
    {0x1E3C, 0x60004C}, {0x1E3D, 0x60006C}, {0x1E3E, 0x8004D}, {0x1E3F, 0x8006D},
    {0x1E40, 0x1C004D}, {0x1E41, 0x1C006D}, {0x1E42, 0x48004D}, {0x1E43, 0x48006D},
    {0x1E44, 0x1C004E}, {0x1E45, 0x1C006E}, {0x1E46, 0x48004E}, {0x1E47, 0x48006E},
    {0x1E48, 0x6C004E}, {0x1E49, 0x6C006E}, {0x1E4A, 0x60004E}, {0x1E4B, 0x60006E},
    {0x1E4C, 0x800D5}, {0x1E4D, 0x800F5}, {0x1E4E, 0x2000D5}, {0x1E4F, 0x2000F5}, {0x1E50, 0x4014C},
    {0x1E51, 0x4014D}, {0x1E52, 0x8014C}, {0x1E53, 0x8014D}, {0x1E54, 0x80050}, {0x1E55, 0x80070},
    {0x1E56, 0x1C0050}, {0x1E57, 0x1C0070}, {0x1E58, 0x1C0052}, {0x1E59, 0x1C0072},
    {0x1E5A, 0x480052}, {0x1E5B, 0x480072}, {0x1E5C, 0x141E5A}, {0x1E5D, 0x141E5B},
    {0x1E5E, 0x6C0052}, {0x1E5F, 0x6C0072}, {0x1E60, 0x1C0053}, {0x1E61, 0x1C0073},
    {0x1E62, 0x480053}, {0x1E63, 0x480073}, {0x1E64, 0x1C015A}, {0x1E65, 0x1C015B},
    {0x1E66, 0x1C0160}, {0x1E67, 0x1C0161}, {0x1E68, 0x1C1E62}, {0x1E69, 0x1C1E63},
    {0x1E6A, 0x1C0054}, {0x1E6B, 0x1C0074}, {0x1E6C, 0x480054}, {0x1E6D, 0x480074},
    {0x1E6E, 0x6C0054}, {0x1E6F, 0x6C0074}, {0x1E70, 0x600054}, {0x1E71, 0x600074},
    {0x1E72, 0x4C0055}, {0x1E73, 0x4C0075}, {0x1E74, 0x680055}, {0x1E75, 0x680075},
    {0x1E76, 0x600055}, {0x1E77, 0x600075}, {0x1E78, 0x80168}, {0x1E79, 0x80169},
    {0x1E7A, 0x20016A}, {0x1E7B, 0x20016B}, {0x1E7C, 0x100056}, {0x1E7D, 0x100076},
    {0x1E7E, 0x480056}, {0x1E7F, 0x480076}, {0x1E80, 0x40057}, {0x1E81, 0x40077}, {0x1E82, 0x80057},
    {0x1E83, 0x80077}, {0x1E84, 0x200057}, {0x1E85, 0x200077}, {0x1E86, 0x1C0057},
    {0x1E87, 0x1C0077}, {0x1E88, 0x480057}, {0x1E89, 0x480077}, {0x1E8A, 0x1C0058},
    {0x1E8B, 0x1C0078}, {0x1E8C, 0x200058}, {0x1E8D, 0x200078}, {0x1E8E, 0x1C0059},
    {0x1E8F, 0x1C0079}, {0x1E90, 0xC005A}, {0x1E91, 0xC007A}, {0x1E92, 0x48005A},
    {0x1E93, 0x48007A}, {0x1E94, 0x6C005A}, {0x1E95, 0x6C007A}, {0x1E96, 0x6C0068},
    {0x1E97, 0x200074}, {0x1E98, 0x280077}, {0x1E99, 0x280079}, {0x1E9B, 0x1C017F},
    {0x1EA0, 0x480041}, {0x1EA1, 0x480061}, {0x1EA2, 0x240041}, {0x1EA3, 0x240061},
    {0x1EA4, 0x800C2}, {0x1EA5, 0x800E2}, {0x1EA6, 0x400C2}, {0x1EA7, 0x400E2}, {0x1EA8, 0x2400C2},
    {0x1EA9, 0x2400E2}, {0x1EAA, 0x1000C2}, {0x1EAB, 0x1000E2}, {0x1EAC, 0xC1EA0},
    {0x1EAD, 0xC1EA1}, {0x1EAE, 0x80102}, {0x1EAF, 0x80103}, {0x1EB0, 0x40102}, {0x1EB1, 0x40103},
    {0x1EB2, 0x240102}, {0x1EB3, 0x240103}, {0x1EB4, 0x100102}, {0x1EB5, 0x100103},
    {0x1EB6, 0x181EA0}, {0x1EB7, 0x181EA1}, {0x1EB8, 0x480045}, {0x1EB9, 0x480065},
    {0x1EBA, 0x240045}, {0x1EBB, 0x240065}, {0x1EBC, 0x100045}, {0x1EBD, 0x100065},
    {0x1EBE, 0x800CA}, {0x1EBF, 0x800EA}, {0x1EC0, 0x400CA}, {0x1EC1, 0x400EA}, {0x1EC2, 0x2400CA},
    {0x1EC3, 0x2400EA}, {0x1EC4, 0x1000CA}, {0x1EC5, 0x1000EA}, {0x1EC6, 0xC1EB8},
    {0x1EC7, 0xC1EB9}, {0x1EC8, 0x240049}, {0x1EC9, 0x240069}, {0x1ECA, 0x480049},
    {0x1ECB, 0x480069}, {0x1ECC, 0x48004F}, {0x1ECD, 0x48006F}, {0x1ECE, 0x24004F},
    {0x1ECF, 0x24006F}, {0x1ED0, 0x800D4}, {0x1ED1, 0x800F4}, {0x1ED2, 0x400D4}, {0x1ED3, 0x400F4},
    {0x1ED4, 0x2400D4}, {0x1ED5, 0x2400F4}, {0x1ED6, 0x1000D4}, {0x1ED7, 0x1000F4},
    {0x1ED8, 0xC1ECC}, {0x1ED9, 0xC1ECD}, {0x1EDA, 0x801A0}, {0x1EDB, 0x801A1}, {0x1EDC, 0x401A0},
    {0x1EDD, 0x401A1}, {0x1EDE, 0x2401A0}, {0x1EDF, 0x2401A1}, {0x1EE0, 0x1001A0},
    {0x1EE1, 0x1001A1}, {0x1EE2, 0x4801A0}, {0x1EE3, 0x4801A1}, {0x1EE4, 0x480055},
    {0x1EE5, 0x480075}, {0x1EE6, 0x240055}, {0x1EE7, 0x240075}, {0x1EE8, 0x801AF},
    {0x1EE9, 0x801B0}, {0x1EEA, 0x401AF}, {0x1EEB, 0x401B0}, {0x1EEC, 0x2401AF}, {0x1EED, 0x2401B0},
    {0x1EEE, 0x1001AF}, {0x1EEF, 0x1001B0}, {0x1EF0, 0x4801AF}, {0x1EF1, 0x4801B0},
    {0x1EF2, 0x40059}, {0x1EF3, 0x40079}, {0x1EF4, 0x480059}, {0x1EF5, 0x480079},
    {0x1EF6, 0x240059}, {0x1EF7, 0x240079}, {0x1EF8, 0x100059}, {0x1EF9, 0x100079},
    {0x1F00, 0x3C03B1}, {0x1F01, 0x4003B1}, {0x1F02, 0x41F00}, {0x1F03, 0x41F01}, {0x1F04, 0x81F00},
    {0x1F05, 0x81F01}, {0x1F06, 0x741F00}, {0x1F07, 0x741F01}, {0x1F08, 0x3C0391},
    {0x1F09, 0x400391}, {0x1F0A, 0x41F08}, {0x1F0B, 0x41F09}, {0x1F0C, 0x81F08}, {0x1F0D, 0x81F09},
    {0x1F0E, 0x741F08}, {0x1F0F, 0x741F09}, {0x1F10, 0x3C03B5}, {0x1F11, 0x4003B5},
    {0x1F12, 0x41F10}, {0x1F13, 0x41F11}, {0x1F14, 0x81F10}, {0x1F15, 0x81F11}, {0x1F18, 0x3C0395},
    {0x1F19, 0x400395}, {0x1F1A, 0x41F18}, {0x1F1B, 0x41F19}, {0x1F1C, 0x81F18}, {0x1F1D, 0x81F19},
    {0x1F20, 0x3C03B7}, {0x1F21, 0x4003B7}, {0x1F22, 0x41F20}, {0x1F23, 0x41F21}, {0x1F24, 0x81F20},
    {0x1F25, 0x81F21}, {0x1F26, 0x741F20}, {0x1F27, 0x741F21}, {0x1F28, 0x3C0397},
    {0x1F29, 0x400397}, {0x1F2A, 0x41F28}, {0x1F2B, 0x41F29}, {0x1F2C, 0x81F28}, {0x1F2D, 0x81F29},
    {0x1F2E, 0x741F28}, {0x1F2F, 0x741F29}, {0x1F30, 0x3C03B9}, {0x1F31, 0x4003B9},
    {0x1F32, 0x41F30}, {0x1F33, 0x41F31}, {0x1F34, 0x81F30}, {0x1F35, 0x81F31}, {0x1F36, 0x741F30},
    {0x1F37, 0x741F31}, {0x1F38, 0x3C0399}, {0x1F39, 0x400399}, {0x1F3A, 0x41F38},
    {0x1F3B, 0x41F39}, {0x1F3C, 0x81F38}, {0x1F3D, 0x81F39}, {0x1F3E, 0x741F38}, {0x1F3F, 0x741F39},
    {0x1F40, 0x3C03BF}, {0x1F41, 0x4003BF}, {0x1F42, 0x41F40}, {0x1F43, 0x41F41}, {0x1F44, 0x81F40},
    {0x1F45, 0x81F41}, {0x1F48, 0x3C039F}, {0x1F49, 0x40039F}, {0x1F4A, 0x41F48}, {0x1F4B, 0x41F49},
    {0x1F4C, 0x81F48}, {0x1F4D, 0x81F49}, {0x1F50, 0x3C03C5}, {0x1F51, 0x4003C5}, {0x1F52, 0x41F50},
    {0x1F53, 0x41F51}, {0x1F54, 0x81F50}, {0x1F55, 0x81F51}, {0x1F56, 0x741F50}, {0x1F57, 0x741F51},
    {0x1F59, 0x4003A5}, {0x1F5B, 0x41F59}, {0x1F5D, 0x81F59}, {0x1F5F, 0x741F59},
    {0x1F60, 0x3C03C9}, {0x1F61, 0x4003C9}, {0x1F62, 0x41F60}, {0x1F63, 0x41F61}, {0x1F64, 0x81F60},
    {0x1F65, 0x81F61}, {0x1F66, 0x741F60}, {0x1F67, 0x741F61}, {0x1F68, 0x3C03A9},
    {0x1F69, 0x4003A9}, {0x1F6A, 0x41F68}, {0x1F6B, 0x41F69}, {0x1F6C, 0x81F68}, {0x1F6D, 0x81F69},
    {0x1F6E, 0x741F68}, {0x1F6F, 0x741F69}, {0x1F70, 0x403B1}, {0x1F71, 0x3AC}, {0x1F72, 0x403B5},
    {0x1F73, 0x3AD}, {0x1F74, 0x403B7}, {0x1F75, 0x3AE}, {0x1F76, 0x403B9}, {0x1F77, 0x3AF},
    {0x1F78, 0x403BF}, {0x1F79, 0x3CC}, {0x1F7A, 0x403C5}, {0x1F7B, 0x3CD}, {0x1F7C, 0x403C9},
    {0x1F7D, 0x3CE}, {0x1F80, 0x781F00}, {0x1F81, 0x781F01}, {0x1F82, 0x781F02}, {0x1F83, 0x781F03},
    {0x1F84, 0x781F04}, {0x1F85, 0x781F05}, {0x1F86, 0x781F06}, {0x1F87, 0x781F07},
    {0x1F88, 0x781F08}, {0x1F89, 0x781F09}, {0x1F8A, 0x781F0A}, {0x1F8B, 0x781F0B},
    {0x1F8C, 0x781F0C}, {0x1F8D, 0x781F0D}, {0x1F8E, 0x781F0E}, {0x1F8F, 0x781F0F},
    {0x1F90, 0x781F20}, {0x1F91, 0x781F21}, {0x1F92, 0x781F22}, {0x1F93, 0x781F23},
    {0x1F94, 0x781F24}, {0x1F95, 0x781F25}, {0x1F96, 0x781F26}, {0x1F97, 0x781F27},
    {0x1F98, 0x781F28}, {0x1F99, 0x781F29}, {0x1F9A, 0x781F2A}, {0x1F9B, 0x781F2B},
    {0x1F9C, 0x781F2C}, {0x1F9D, 0x781F2D}, {0x1F9E, 0x781F2E}, {0x1F9F, 0x781F2F},
    {0x1FA0, 0x781F60}, {0x1FA1, 0x781F61}, {0x1FA2, 0x781F62}, {0x1FA3, 0x781F63},
    {0x1FA4, 0x781F64}, {0x1FA5, 0x781F65}, {0x1FA6, 0x781F66}, {0x1FA7, 0x781F67},
    {0x1FA8, 0x781F68}, {0x1FA9, 0x781F69}, {0x1FAA, 0x781F6A}, {0x1FAB, 0x781F6B},
    {0x1FAC, 0x781F6C}, {0x1FAD, 0x781F6D}, {0x1FAE, 0x781F6E}, {0x1FAF, 0x781F6F},
    {0x1FB0, 0x1803B1}, {0x1FB1, 0x1403B1}, {0x1FB2, 0x781F70}, {0x1FB3, 0x7803B1},
    {0x1FB4, 0x7803AC}, {0x1FB6, 0x7403B1}, {0x1FB7, 0x781FB6}, {0x1FB8, 0x180391},
    {0x1FB9, 0x140391}, {0x1FBA, 0x40391}, {0x1FBB, 0x386}, {0x1FBC, 0x780391}, {0x1FBE, 0x3B9},
    {0x1FC1, 0x7400A8}, {0x1FC2, 0x781F74}, {0x1FC3, 0x7803B7}, {0x1FC4, 0x7803AE},
    {0x1FC6, 0x7403B7}, {0x1FC7, 0x781FC6}, {0x1FC8, 0x40395}, {0x1FC9, 0x388}, {0x1FCA, 0x40397},
    {0x1FCB, 0x389}, {0x1FCC, 0x780397}, {0x1FCD, 0x41FBF}, {0x1FCE, 0x81FBF}, {0x1FCF, 0x741FBF},
    {0x1FD0, 0x1803B9}, {0x1FD1, 0x1403B9}, {0x1FD2, 0x403CA}, {0x1FD3, 0x390}, {0x1FD6, 0x7403B9},
    {0x1FD7, 0x7403CA}, {0x1FD8, 0x180399}, {0x1FD9, 0x140399}, {0x1FDA, 0x40399}, {0x1FDB, 0x38A},
    {0x1FDD, 0x41FFE}, {0x1FDE, 0x81FFE}, {0x1FDF, 0x741FFE}, {0x1FE0, 0x1803C5},
    {0x1FE1, 0x1403C5}, {0x1FE2, 0x403CB}, {0x1FE3, 0x3B0}, {0x1FE4, 0x3C03C1}, {0x1FE5, 0x4003C1},
    {0x1FE6, 0x7403C5}, {0x1FE7, 0x7403CB}, {0x1FE8, 0x1803A5}, {0x1FE9, 0x1403A5},
    {0x1FEA, 0x403A5}, {0x1FEB, 0x38E}, {0x1FEC, 0x4003A1}, {0x1FED, 0x400A8}, {0x1FEE, 0x385},
    {0x1FEF, 0x60}, {0x1FF2, 0x781F7C}, {0x1FF3, 0x7803C9}, {0x1FF4, 0x7803CE}, {0x1FF6, 0x7403C9},
    {0x1FF7, 0x781FF6}, {0x1FF8, 0x4039F}, {0x1FF9, 0x38C}, {0x1FFA, 0x403A9}, {0x1FFB, 0x38F},
    {0x1FFC, 0x7803A9}, {0x1FFD, 0xB4}, {0x2000, 0x2002}, {0x2001, 0x2003}, {0x2126, 0x3A9},
    {0x212A, 0x4B}, {0x212B, 0xC5}, {0x219A, 0x702190}, {0x219B, 0x702192}, {0x21AE, 0x702194},
    {0x21CD, 0x7021D0}, {0x21CE, 0x7021D4}, {0x21CF, 0x7021D2}, {0x2204, 0x702203},
    {0x2209, 0x702208}, {0x220C, 0x70220B}, {0x2224, 0x702223}, {0x2226, 0x702225},
    {0x2241, 0x70223C}, {0x2244, 0x702243}, {0x2247, 0x702245}, {0x2249, 0x702248},
    {0x2260, 0x70003D}, {0x2262, 0x702261}, {0x226D, 0x70224D}, {0x226E, 0x70003C},
    {0x226F, 0x70003E}, {0x2270, 0x702264}, {0x2271, 0x702265}, {0x2274, 0x702272},
    {0x2275, 0x702273}, {0x2278, 0x702276}, {0x2279, 0x702277}, {0x2280, 0x70227A},
    {0x2281, 0x70227B}, {0x2284, 0x702282}, {0x2285, 0x702283}, {0x2288, 0x702286},
    {0x2289, 0x702287}, {0x22AC, 0x7022A2}, {0x22AD, 0x7022A8}, {0x22AE, 0x7022A9},
    {0x22AF, 0x7022AB}, {0x22E0, 0x70227C}, {0x22E1, 0x70227D}, {0x22E2, 0x702291},
    {0x22E3, 0x702292}, {0x22EA, 0x7022B2}, {0x22EB, 0x7022B3}, {0x22EC, 0x7022B4},
    {0x22ED, 0x7022B5}, {0x2329, 0x3008}, {0x232A, 0x3009}, {0x2ADC, 0x702ADD}, {0x304C, 0x114304B},
    {0x304E, 0x114304D}, {0x3050, 0x114304F}, {0x3052, 0x1143051}, {0x3054, 0x1143053},
    {0x3056, 0x1143055}, {0x3058, 0x1143057}, {0x305A, 0x1143059}, {0x305C, 0x114305B},
    {0x305E, 0x114305D}, {0x3060, 0x114305F}, {0x3062, 0x1143061}, {0x3065, 0x1143064},
    {0x3067, 0x1143066}, {0x3069, 0x1143068}, {0x3070, 0x114306F}, {0x3071, 0x118306F},
    {0x3073, 0x1143072}, {0x3074, 0x1183072}, {0x3076, 0x1143075}, {0x3077, 0x1183075},
    {0x3079, 0x1143078}, {0x307A, 0x1183078}, {0x307C, 0x114307B}, {0x307D, 0x118307B},
    {0x3094, 0x1143046}, {0x309E, 0x114309D}, {0x30AC, 0x11430AB}, {0x30AE, 0x11430AD},
    {0x30B0, 0x11430AF}, {0x30B2, 0x11430B1}, {0x30B4, 0x11430B3}, {0x30B6, 0x11430B5},
    {0x30B8, 0x11430B7}, {0x30BA, 0x11430B9}, {0x30BC, 0x11430BB}, {0x30BE, 0x11430BD},
    {0x30C0, 0x11430BF}, {0x30C2, 0x11430C1}, {0x30C5, 0x11430C4}, {0x30C7, 0x11430C6},
    {0x30C9, 0x11430C8}, {0x30D0, 0x11430CF}, {0x30D1, 0x11830CF}, {0x30D3, 0x11430D2},
    {0x30D4, 0x11830D2}, {0x30D6, 0x11430D5}, {0x30D7, 0x11830D5}, {0x30D9, 0x11430D8},
    {0x30DA, 0x11830D8}, {0x30DC, 0x11430DB}, {0x30DD, 0x11830DB}, {0x30F4, 0x11430A6},
    {0x30F7, 0x11430EF}, {0x30F8, 0x11430F0}, {0x30F9, 0x11430F1}, {0x30FA, 0x11430F2},
    {0x30FE, 0x11430FD}, {0xF900, 0x8C48}, {0xF901, 0x66F4}, {0xF902, 0x8ECA}, {0xF903, 0x8CC8},
    {0xF904, 0x6ED1}, {0xF905, 0x4E32}, {0xF906, 0x53E5}, {0xF907, 0x9F9C}, {0xF908, 0x9F9C},
    {0xF909, 0x5951}, {0xF90A, 0x91D1}, {0xF90B, 0x5587}, {0xF90C, 0x5948}, {0xF90D, 0x61F6},
    {0xF90E, 0x7669}, {0xF90F, 0x7F85}, {0xF910, 0x863F}, {0xF911, 0x87BA}, {0xF912, 0x88F8},
    {0xF913, 0x908F}, {0xF914, 0x6A02}, {0xF915, 0x6D1B}, {0xF916, 0x70D9}, {0xF917, 0x73DE},
    {0xF918, 0x843D}, {0xF919, 0x916A}, {0xF91A, 0x99F1}, {0xF91B, 0x4E82}, {0xF91C, 0x5375},
    {0xF91D, 0x6B04}, {0xF91E, 0x721B}, {0xF91F, 0x862D}, {0xF920, 0x9E1E}, {0xF921, 0x5D50},
    {0xF922, 0x6FEB}, {0xF923, 0x85CD}, {0xF924, 0x8964}, {0xF925, 0x62C9}, {0xF926, 0x81D8},
    {0xF927, 0x881F}, {0xF928, 0x5ECA}, {0xF929, 0x6717}, {0xF92A, 0x6D6A}, {0xF92B, 0x72FC},
    {0xF92C, 0x90CE}, {0xF92D, 0x4F86}, {0xF92E, 0x51B7}, {0xF92F, 0x52DE}, {0xF930, 0x64C4},
    {0xF931, 0x6AD3}, {0xF932, 0x7210}, {0xF933, 0x76E7}, {0xF934, 0x8001}, {0xF935, 0x8606},
    {0xF936, 0x865C}, {0xF937, 0x8DEF}, {0xF938, 0x9732}, {0xF939, 0x9B6F}, {0xF93A, 0x9DFA},
    {0xF93B, 0x788C}, {0xF93C, 0x797F}, {0xF93D, 0x7DA0}, {0xF93E, 0x83C9}, {0xF93F, 0x9304},
    {0xF940, 0x9E7F}, {0xF941, 0x8AD6}, {0xF942, 0x58DF}, {0xF943, 0x5F04}, {0xF944, 0x7C60},
    {0xF945, 0x807E}, {0xF946, 0x7262}, {0xF947, 0x78CA}, {0xF948, 0x8CC2}, {0xF949, 0x96F7},
    {0xF94A, 0x58D8}, {0xF94B, 0x5C62}, {0xF94C, 0x6A13}, {0xF94D, 0x6DDA}, {0xF94E, 0x6F0F},
    {0xF94F, 0x7D2F}, {0xF950, 0x7E37}, {0xF951, 0x964B}, {0xF952, 0x52D2}, {0xF953, 0x808B},
    {0xF954, 0x51DC}, {0xF955, 0x51CC}, {0xF956, 0x7A1C}, {0xF957, 0x7DBE}, {0xF958, 0x83F1},
    {0xF959, 0x9675}, {0xF95A, 0x8B80}, {0xF95B, 0x62CF}, {0xF95C, 0x6A02}, {0xF95D, 0x8AFE},
    {0xF95E, 0x4E39}, {0xF95F, 0x5BE7}, {0xF960, 0x6012}, {0xF961, 0x7387}, {0xF962, 0x7570},
    {0xF963, 0x5317}, {0xF964, 0x78FB}, {0xF965, 0x4FBF}, {0xF966, 0x5FA9}, {0xF967, 0x4E0D},
    {0xF968, 0x6CCC}, {0xF969, 0x6578}, {0xF96A, 0x7D22}, {0xF96B, 0x53C3}, {0xF96C, 0x585E},
    {0xF96D, 0x7701}, {0xF96E, 0x8449}, {0xF96F, 0x8AAA}, {0xF970, 0x6BBA}, {0xF971, 0x8FB0},
    {0xF972, 0x6C88}, {0xF973, 0x62FE}, {0xF974, 0x82E5}, {0xF975, 0x63A0}, {0xF976, 0x7565},
    {0xF977, 0x4EAE}, {0xF978, 0x5169}, {0xF979, 0x51C9}, {0xF97A, 0x6881}, {0xF97B, 0x7CE7},
    {0xF97C, 0x826F}, {0xF97D, 0x8AD2}, {0xF97E, 0x91CF}, {0xF97F, 0x52F5}, {0xF980, 0x5442},
    {0xF981, 0x5973}, {0xF982, 0x5EEC}, {0xF983, 0x65C5}, {0xF984, 0x6FFE}, {0xF985, 0x792A},
    {0xF986, 0x95AD}, {0xF987, 0x9A6A}, {0xF988, 0x9E97}, {0xF989, 0x9ECE}, {0xF98A, 0x529B},
    {0xF98B, 0x66C6}, {0xF98C, 0x6B77}, {0xF98D, 0x8F62}, {0xF98E, 0x5E74}, {0xF98F, 0x6190},
    {0xF990, 0x6200}, {0xF991, 0x649A}, {0xF992, 0x6F23}, {0xF993, 0x7149}, {0xF994, 0x7489},
    {0xF995, 0x79CA}, {0xF996, 0x7DF4}, {0xF997, 0x806F}, {0xF998, 0x8F26}, {0xF999, 0x84EE},
    {0xF99A, 0x9023}, {0xF99B, 0x934A}, {0xF99C, 0x5217}, {0xF99D, 0x52A3}, {0xF99E, 0x54BD},
    {0xF99F, 0x70C8}, {0xF9A0, 0x88C2}, {0xF9A1, 0x8AAA}, {0xF9A2, 0x5EC9}, {0xF9A3, 0x5FF5},
    {0xF9A4, 0x637B}, {0xF9A5, 0x6BAE}, {0xF9A6, 0x7C3E}, {0xF9A7, 0x7375}, {0xF9A8, 0x4EE4},
    {0xF9A9, 0x56F9}, {0xF9AA, 0x5BE7}, {0xF9AB, 0x5DBA}, {0xF9AC, 0x601C}, {0xF9AD, 0x73B2},
    {0xF9AE, 0x7469}, {0xF9AF, 0x7F9A}, {0xF9B0, 0x8046}, {0xF9B1, 0x9234}, {0xF9B2, 0x96F6},
    {0xF9B3, 0x9748}, {0xF9B4, 0x9818}, {0xF9B5, 0x4F8B}, {0xF9B6, 0x79AE}, {0xF9B7, 0x91B4},
    {0xF9B8, 0x96B8}, {0xF9B9, 0x60E1}, {0xF9BA, 0x4E86}, {0xF9BB, 0x50DA}, {0xF9BC, 0x5BEE},
    {0xF9BD, 0x5C3F}, {0xF9BE, 0x6599}, {0xF9BF, 0x6A02}, {0xF9C0, 0x71CE}, {0xF9C1, 0x7642},
    {0xF9C2, 0x84FC}, {0xF9C3, 0x907C}, {0xF9C4, 0x9F8D}, {0xF9C5, 0x6688}, {0xF9C6, 0x962E},
    {0xF9C7, 0x5289}, {0xF9C8, 0x677B}, {0xF9C9, 0x67F3}, {0xF9CA, 0x6D41}, {0xF9CB, 0x6E9C},
    {0xF9CC, 0x7409}, {0xF9CD, 0x7559}, {0xF9CE, 0x786B}, {0xF9CF, 0x7D10}, {0xF9D0, 0x985E},
    {0xF9D1, 0x516D}, {0xF9D2, 0x622E}, {0xF9D3, 0x9678}, {0xF9D4, 0x502B}, {0xF9D5, 0x5D19},
    {0xF9D6, 0x6DEA}, {0xF9D7, 0x8F2A}, {0xF9D8, 0x5F8B}, {0xF9D9, 0x6144}, {0xF9DA, 0x6817},
    {0xF9DB, 0x7387}, {0xF9DC, 0x9686}, {0xF9DD, 0x5229}, {0xF9DE, 0x540F}, {0xF9DF, 0x5C65},
    {0xF9E0, 0x6613}, {0xF9E1, 0x674E}, {0xF9E2, 0x68A8}, {0xF9E3, 0x6CE5}, {0xF9E4, 0x7406},
    {0xF9E5, 0x75E2}, {0xF9E6, 0x7F79}, {0xF9E7, 0x88CF}, {0xF9E8, 0x88E1}, {0xF9E9, 0x91CC},
    {0xF9EA, 0x96E2}, {0xF9EB, 0x533F}, {0xF9EC, 0x6EBA}, {0xF9ED, 0x541D}, {0xF9EE, 0x71D0},
    {0xF9EF, 0x7498}, {0xF9F0, 0x85FA}, {0xF9F1, 0x96A3}, {0xF9F2, 0x9C57}, {0xF9F3, 0x9E9F},
    {0xF9F4, 0x6797}, {0xF9F5, 0x6DCB}, {0xF9F6, 0x81E8}, {0xF9F7, 0x7ACB}, {0xF9F8, 0x7B20},
    {0xF9F9, 0x7C92}, {0xF9FA, 0x72C0}, {0xF9FB, 0x7099}, {0xF9FC, 0x8B58}, {0xF9FD, 0x4EC0},
    {0xF9FE, 0x8336}, {0xF9FF, 0x523A}, {0xFA00, 0x5207}, {0xFA01, 0x5EA6}, {0xFA02, 0x62D3},
    {0xFA03, 0x7CD6}, {0xFA04, 0x5B85}, {0xFA05, 0x6D1E}, {0xFA06, 0x66B4}, {0xFA07, 0x8F3B},
    {0xFA08, 0x884C}, {0xFA09, 0x964D}, {0xFA0A, 0x898B}, {0xFA0B, 0x5ED3}, {0xFA0C, 0x5140},
    {0xFA0D, 0x55C0}, {0xFA10, 0x585A}, {0xFA12, 0x6674}, {0xFA15, 0x51DE}, {0xFA16, 0x732A},
    {0xFA17, 0x76CA}, {0xFA18, 0x793C}, {0xFA19, 0x795E}, {0xFA1A, 0x7965}, {0xFA1B, 0x798F},
    {0xFA1C, 0x9756}, {0xFA1D, 0x7CBE}, {0xFA1E, 0x7FBD}, {0xFA20, 0x8612}, {0xFA22, 0x8AF8},
    {0xFA25, 0x9038}, {0xFA26, 0x90FD}, {0xFA2A, 0x98EF}, {0xFA2B, 0x98FC}, {0xFA2C, 0x9928},
    {0xFA2D, 0x9DB4}, {0xFA2E, 0x90DE}, {0xFA2F, 0x96B7}, {0xFA30, 0x4FAE}, {0xFA31, 0x50E7},
    {0xFA32, 0x514D}, {0xFA33, 0x52C9}, {0xFA34, 0x52E4}, {0xFA35, 0x5351}, {0xFA36, 0x559D},
    {0xFA37, 0x5606}, {0xFA38, 0x5668}, {0xFA39, 0x5840}, {0xFA3A, 0x58A8}, {0xFA3B, 0x5C64},
    {0xFA3C, 0x5C6E}, {0xFA3D, 0x6094}, {0xFA3E, 0x6168}, {0xFA3F, 0x618E}, {0xFA40, 0x61F2},
    {0xFA41, 0x654F}, {0xFA42, 0x65E2}, {0xFA43, 0x6691}, {0xFA44, 0x6885}, {0xFA45, 0x6D77},
    {0xFA46, 0x6E1A}, {0xFA47, 0x6F22}, {0xFA48, 0x716E}, {0xFA49, 0x722B}, {0xFA4A, 0x7422},
    {0xFA4B, 0x7891}, {0xFA4C, 0x793E}, {0xFA4D, 0x7949}, {0xFA4E, 0x7948}, {0xFA4F, 0x7950},
    {0xFA50, 0x7956}, {0xFA51, 0x795D}, {0xFA52, 0x798D}, {0xFA53, 0x798E}, {0xFA54, 0x7A40},
    {0xFA55, 0x7A81}, {0xFA56, 0x7BC0}, {0xFA57, 0x7DF4}, {0xFA58, 0x7E09}, {0xFA59, 0x7E41},
    {0xFA5A, 0x7F72}, {0xFA5B, 0x8005}, {0xFA5C, 0x81ED}, {0xFA5D, 0x8279}, {0xFA5E, 0x8279},
    {0xFA5F, 0x8457}, {0xFA60, 0x8910}, {0xFA61, 0x8996}, {0xFA62, 0x8B01}, {0xFA63, 0x8B39},
    {0xFA64, 0x8CD3}, {0xFA65, 0x8D08}, {0xFA66, 0x8FB6}, {0xFA67, 0x9038}, {0xFA68, 0x96E3},
    {0xFA69, 0x97FF}, {0xFA6A, 0x983B}, {0xFA6B, 0x6075}, {0xFA6C, 0x242EE}, {0xFA6D, 0x8218},
    {0xFA70, 0x4E26}, {0xFA71, 0x51B5}, {0xFA72, 0x5168}, {0xFA73, 0x4F80}, {0xFA74, 0x5145},
    {0xFA75, 0x5180}, {0xFA76, 0x52C7}, {0xFA77, 0x52FA}, {0xFA78, 0x559D}, {0xFA79, 0x5555},
    {0xFA7A, 0x5599}, {0xFA7B, 0x55E2}, {0xFA7C, 0x585A}, {0xFA7D, 0x58B3}, {0xFA7E, 0x5944},
    {0xFA7F, 0x5954}, {0xFA80, 0x5A62}, {0xFA81, 0x5B28}, {0xFA82, 0x5ED2}, {0xFA83, 0x5ED9},
    {0xFA84, 0x5F69}, {0xFA85, 0x5FAD}, {0xFA86, 0x60D8}, {0xFA87, 0x614E}, {0xFA88, 0x6108},
    {0xFA89, 0x618E}, {0xFA8A, 0x6160}, {0xFA8B, 0x61F2}, {0xFA8C, 0x6234}, {0xFA8D, 0x63C4},
    {0xFA8E, 0x641C}, {0xFA8F, 0x6452}, {0xFA90, 0x6556}, {0xFA91, 0x6674}, {0xFA92, 0x6717},
    {0xFA93, 0x671B}, {0xFA94, 0x6756}, {0xFA95, 0x6B79}, {0xFA96, 0x6BBA}, {0xFA97, 0x6D41},
    {0xFA98, 0x6EDB}, {0xFA99, 0x6ECB}, {0xFA9A, 0x6F22}, {0xFA9B, 0x701E}, {0xFA9C, 0x716E},
    {0xFA9D, 0x77A7}, {0xFA9E, 0x7235}, {0xFA9F, 0x72AF}, {0xFAA0, 0x732A}, {0xFAA1, 0x7471},
    {0xFAA2, 0x7506}, {0xFAA3, 0x753B}, {0xFAA4, 0x761D}, {0xFAA5, 0x761F}, {0xFAA6, 0x76CA},
    {0xFAA7, 0x76DB}, {0xFAA8, 0x76F4}, {0xFAA9, 0x774A}, {0xFAAA, 0x7740}, {0xFAAB, 0x78CC},
    {0xFAAC, 0x7AB1}, {0xFAAD, 0x7BC0}, {0xFAAE, 0x7C7B}, {0xFAAF, 0x7D5B}, {0xFAB0, 0x7DF4},
    {0xFAB1, 0x7F3E}, {0xFAB2, 0x8005}, {0xFAB3, 0x8352}, {0xFAB4, 0x83EF}, {0xFAB5, 0x8779},
    {0xFAB6, 0x8941}, {0xFAB7, 0x8986}, {0xFAB8, 0x8996}, {0xFAB9, 0x8ABF}, {0xFABA, 0x8AF8},
    {0xFABB, 0x8ACB}, {0xFABC, 0x8B01}, {0xFABD, 0x8AFE}, {0xFABE, 0x8AED}, {0xFABF, 0x8B39},
    {0xFAC0, 0x8B8A}, {0xFAC1, 0x8D08}, {0xFAC2, 0x8F38}, {0xFAC3, 0x9072}, {0xFAC4, 0x9199},
    {0xFAC5, 0x9276}, {0xFAC6, 0x967C}, {0xFAC7, 0x96E3}, {0xFAC8, 0x9756}, {0xFAC9, 0x97DB},
    {0xFACA, 0x97FF}, {0xFACB, 0x980B}, {0xFACC, 0x983B}, {0xFACD, 0x9B12}, {0xFACE, 0x9F9C},
    {0xFACF, 0x2284A}, {0xFAD0, 0x22844}, {0xFAD1, 0x233D5}, {0xFAD2, 0x3B9D}, {0xFAD3, 0x4018},
    {0xFAD4, 0x4039}, {0xFAD5, 0x25249}, {0xFAD6, 0x25CD0}, {0xFAD7, 0x27ED3}, {0xFAD8, 0x9F43},
    {0xFAD9, 0x9F8E}, {0xFB1D, 0x7C05D9}, {0xFB1F, 0x8005F2}, {0xFB2A, 0x9405E9},
    {0xFB2B, 0x9805E9}, {0xFB2C, 0x94FB49}, {0xFB2D, 0x98FB49}, {0xFB2E, 0x8005D0},
    {0xFB2F, 0x8405D0}, {0xFB30, 0x8C05D0}, {0xFB31, 0x8C05D1}, {0xFB32, 0x8C05D2},
    {0xFB33, 0x8C05D3}, {0xFB34, 0x8C05D4}, {0xFB35, 0x8C05D5}, {0xFB36, 0x8C05D6},
    {0xFB38, 0x8C05D8}, {0xFB39, 0x8C05D9}, {0xFB3A, 0x8C05DA}, {0xFB3B, 0x8C05DB},
    {0xFB3C, 0x8C05DC}, {0xFB3E, 0x8C05DE}, {0xFB40, 0x8C05E0}, {0xFB41, 0x8C05E1},
    {0xFB43, 0x8C05E3}, {0xFB44, 0x8C05E4}, {0xFB46, 0x8C05E6}, {0xFB47, 0x8C05E7},
    {0xFB48, 0x8C05E8}, {0xFB49, 0x8C05E9}, {0xFB4A, 0x8C05EA}, {0xFB4B, 0x8805D5},
    {0xFB4C, 0x9005D1}, {0xFB4D, 0x9005DB}, {0xFB4E, 0x9005E4}, {0x1109A, 0x11D1099},
    {0x1109C, 0x11D109B}, {0x110AB, 0x11D10A5}, {0x1112E, 0x1211131}, {0x1112F, 0x1211132},
    {0x1134B, 0x1251347}, {0x1134C, 0x1291347}, {0x114BB, 0x13114B9}, {0x114BC, 0x12D14B9},
    {0x114BE, 0x13514B9}, {0x115BA, 0x13915B8}, {0x115BB, 0x13915B9}, {0x11938, 0x13D1935},
    {0x1D15E, 0x141D157}, {0x1D15F, 0x141D158}, {0x1D160, 0x145D15F}, {0x1D161, 0x149D15F},
    {0x1D162, 0x14DD15F}, {0x1D163, 0x151D15F}, {0x1D164, 0x155D15F}, {0x1D1BB, 0x141D1B9},
    {0x1D1BC, 0x141D1BA}, {0x1D1BD, 0x145D1BB}, {0x1D1BE, 0x145D1BC}, {0x1D1BF, 0x149D1BB},
    {0x1D1C0, 0x149D1BC}, {0x2F800, 0x4E3D}, {0x2F801, 0x4E38}, {0x2F802, 0x4E41},
    {0x2F803, 0x20122}, {0x2F804, 0x4F60}, {0x2F805, 0x4FAE}, {0x2F806, 0x4FBB}, {0x2F807, 0x5002},
    {0x2F808, 0x507A}, {0x2F809, 0x5099}, {0x2F80A, 0x50E7}, {0x2F80B, 0x50CF}, {0x2F80C, 0x349E},
    {0x2F80D, 0x2063A}, {0x2F80E, 0x514D}, {0x2F80F, 0x5154}, {0x2F810, 0x5164}, {0x2F811, 0x5177},
    {0x2F812, 0x2051C}, {0x2F813, 0x34B9}, {0x2F814, 0x5167}, {0x2F815, 0x518D}, {0x2F816, 0x2054B},
    {0x2F817, 0x5197}, {0x2F818, 0x51A4}, {0x2F819, 0x4ECC}, {0x2F81A, 0x51AC}, {0x2F81B, 0x51B5},
    {0x2F81C, 0x291DF}, {0x2F81D, 0x51F5}, {0x2F81E, 0x5203}, {0x2F81F, 0x34DF}, {0x2F820, 0x523B},
    {0x2F821, 0x5246}, {0x2F822, 0x5272}, {0x2F823, 0x5277}, {0x2F824, 0x3515}, {0x2F825, 0x52C7},
    {0x2F826, 0x52C9}, {0x2F827, 0x52E4}, {0x2F828, 0x52FA}, {0x2F829, 0x5305}, {0x2F82A, 0x5306},
    {0x2F82B, 0x5317}, {0x2F82C, 0x5349}, {0x2F82D, 0x5351}, {0x2F82E, 0x535A}, {0x2F82F, 0x5373},
    {0x2F830, 0x537D}, {0x2F831, 0x537F}, {0x2F832, 0x537F}, {0x2F833, 0x537F}, {0x2F834, 0x20A2C},
    {0x2F835, 0x7070}, {0x2F836, 0x53CA}, {0x2F837, 0x53DF}, {0x2F838, 0x20B63}, {0x2F839, 0x53EB},
    {0x2F83A, 0x53F1}, {0x2F83B, 0x5406}, {0x2F83C, 0x549E}, {0x2F83D, 0x5438}, {0x2F83E, 0x5448},
    {0x2F83F, 0x5468}, {0x2F840, 0x54A2}, {0x2F841, 0x54F6}, {0x2F842, 0x5510}, {0x2F843, 0x5553},
    {0x2F844, 0x5563}, {0x2F845, 0x5584}, {0x2F846, 0x5584}, {0x2F847, 0x5599}, {0x2F848, 0x55AB},
    {0x2F849, 0x55B3}, {0x2F84A, 0x55C2}, {0x2F84B, 0x5716}, {0x2F84C, 0x5606}, {0x2F84D, 0x5717},
    {0x2F84E, 0x5651}, {0x2F84F, 0x5674}, {0x2F850, 0x5207}, {0x2F851, 0x58EE}, {0x2F852, 0x57CE},
    {0x2F853, 0x57F4}, {0x2F854, 0x580D}, {0x2F855, 0x578B}, {0x2F856, 0x5832}, {0x2F857, 0x5831},
    {0x2F858, 0x58AC}, {0x2F859, 0x214E4}, {0x2F85A, 0x58F2}, {0x2F85B, 0x58F7}, {0x2F85C, 0x5906},
    {0x2F85D, 0x591A}, {0x2F85E, 0x5922}, {0x2F85F, 0x5962}, {0x2F860, 0x216A8}, {0x2F861, 0x216EA},
    {0x2F862, 0x59EC}, {0x2F863, 0x5A1B}, {0x2F864, 0x5A27}, {0x2F865, 0x59D8}, {0x2F866, 0x5A66},
    {0x2F867, 0x36EE}, {0x2F868, 0x36FC}, {0x2F869, 0x5B08}, {0x2F86A, 0x5B3E}, {0x2F86B, 0x5B3E},
    {0x2F86C, 0x219C8}, {0x2F86D, 0x5BC3}, {0x2F86E, 0x5BD8}, {0x2F86F, 0x5BE7}, {0x2F870, 0x5BF3},
    {0x2F871, 0x21B18}, {0x2F872, 0x5BFF}, {0x2F873, 0x5C06}, {0x2F874, 0x5F53}, {0x2F875, 0x5C22},
    {0x2F876, 0x3781}, {0x2F877, 0x5C60}, {0x2F878, 0x5C6E}, {0x2F879, 0x5CC0}, {0x2F87A, 0x5C8D},
    {0x2F87B, 0x21DE4}, {0x2F87C, 0x5D43}, {0x2F87D, 0x21DE6}, {0x2F87E, 0x5D6E}, {0x2F87F, 0x5D6B},
    {0x2F880, 0x5D7C}, {0x2F881, 0x5DE1}, {0x2F882, 0x5DE2}, {0x2F883, 0x382F}, {0x2F884, 0x5DFD},
    {0x2F885, 0x5E28}, {0x2F886, 0x5E3D}, {0x2F887, 0x5E69}, {0x2F888, 0x3862}, {0x2F889, 0x22183},
    {0x2F88A, 0x387C}, {0x2F88B, 0x5EB0}, {0x2F88C, 0x5EB3}, {0x2F88D, 0x5EB6}, {0x2F88E, 0x5ECA},
    {0x2F88F, 0x2A392}, {0x2F890, 0x5EFE}, {0x2F891, 0x22331}, {0x2F892, 0x22331},
    {0x2F893, 0x8201}, {0x2F894, 0x5F22}, {0x2F895, 0x5F22}, {0x2F896, 0x38C7}, {0x2F897, 0x232B8},
    {0x2F898, 0x261DA}, {0x2F899, 0x5F62}, {0x2F89A, 0x5F6B}, {0x2F89B, 0x38E3}, {0x2F89C, 0x5F9A},
    {0x2F89D, 0x5FCD}, {0x2F89E, 0x5FD7}, {0x2F89F, 0x5FF9}, {0x2F8A0, 0x6081}, {0x2F8A1, 0x393A},
    {0x2F8A2, 0x391C}, {0x2F8A3, 0x6094}, {0x2F8A4, 0x226D4}, {0x2F8A5, 0x60C7}, {0x2F8A6, 0x6148},
    {0x2F8A7, 0x614C}, {0x2F8A8, 0x614E}, {0x2F8A9, 0x614C}, {0x2F8AA, 0x617A}, {0x2F8AB, 0x618E},
    {0x2F8AC, 0x61B2}, {0x2F8AD, 0x61A4}, {0x2F8AE, 0x61AF}, {0x2F8AF, 0x61DE}, {0x2F8B0, 0x61F2},
    {0x2F8B1, 0x61F6}, {0x2F8B2, 0x6210}, {0x2F8B3, 0x621B}, {0x2F8B4, 0x625D}, {0x2F8B5, 0x62B1},
    {0x2F8B6, 0x62D4}, {0x2F8B7, 0x6350}, {0x2F8B8, 0x22B0C}, {0x2F8B9, 0x633D}, {0x2F8BA, 0x62FC},
    {0x2F8BB, 0x6368}, {0x2F8BC, 0x6383}, {0x2F8BD, 0x63E4}, {0x2F8BE, 0x22BF1}, {0x2F8BF, 0x6422},
    {0x2F8C0, 0x63C5}, {0x2F8C1, 0x63A9}, {0x2F8C2, 0x3A2E}, {0x2F8C3, 0x6469}, {0x2F8C4, 0x647E},
    {0x2F8C5, 0x649D}, {0x2F8C6, 0x6477}, {0x2F8C7, 0x3A6C}, {0x2F8C8, 0x654F}, {0x2F8C9, 0x656C},
    {0x2F8CA, 0x2300A}, {0x2F8CB, 0x65E3}, {0x2F8CC, 0x66F8}, {0x2F8CD, 0x6649}, {0x2F8CE, 0x3B19},
    {0x2F8CF, 0x6691}, {0x2F8D0, 0x3B08}, {0x2F8D1, 0x3AE4}, {0x2F8D2, 0x5192}, {0x2F8D3, 0x5195},
    {0x2F8D4, 0x6700}, {0x2F8D5, 0x669C}, {0x2F8D6, 0x80AD}, {0x2F8D7, 0x43D9}, {0x2F8D8, 0x6717},
    {0x2F8D9, 0x671B}, {0x2F8DA, 0x6721}, {0x2F8DB, 0x675E}, {0x2F8DC, 0x6753}, {0x2F8DD, 0x233C3},
    {0x2F8DE, 0x3B49}, {0x2F8DF, 0x67FA}, {0x2F8E0, 0x6785}, {0x2F8E1, 0x6852}, {0x2F8E2, 0x6885},
    {0x2F8E3, 0x2346D}, {0x2F8E4, 0x688E}, {0x2F8E5, 0x681F}, {0x2F8E6, 0x6914}, {0x2F8E7, 0x3B9D},
    {0x2F8E8, 0x6942}, {0x2F8E9, 0x69A3}, {0x2F8EA, 0x69EA}, {0x2F8EB, 0x6AA8}, {0x2F8EC, 0x236A3},
    {0x2F8ED, 0x6ADB}, {0x2F8EE, 0x3C18}, {0x2F8EF, 0x6B21}, {0x2F8F0, 0x238A7}, {0x2F8F1, 0x6B54},
    {0x2F8F2, 0x3C4E}, {0x2F8F3, 0x6B72}, {0x2F8F4, 0x6B9F}, {0x2F8F5, 0x6BBA}, {0x2F8F6, 0x6BBB},
    {0x2F8F7, 0x23A8D}, {0x2F8F8, 0x21D0B}, {0x2F8F9, 0x23AFA}, {0x2F8FA, 0x6C4E},
    {0x2F8FB, 0x23CBC}, {0x2F8FC, 0x6CBF}, {0x2F8FD, 0x6CCD}, {0x2F8FE, 0x6C67}, {0x2F8FF, 0x6D16},
    {0x2F900, 0x6D3E}, {0x2F901, 0x6D77}, {0x2F902, 0x6D41}, {0x2F903, 0x6D69}, {0x2F904, 0x6D78},
    {0x2F905, 0x6D85}, {0x2F906, 0x23D1E}, {0x2F907, 0x6D34}, {0x2F908, 0x6E2F}, {0x2F909, 0x6E6E},
    {0x2F90A, 0x3D33}, {0x2F90B, 0x6ECB}, {0x2F90C, 0x6EC7}, {0x2F90D, 0x23ED1}, {0x2F90E, 0x6DF9},
    {0x2F90F, 0x6F6E}, {0x2F910, 0x23F5E}, {0x2F911, 0x23F8E}, {0x2F912, 0x6FC6}, {0x2F913, 0x7039},
    {0x2F914, 0x701E}, {0x2F915, 0x701B}, {0x2F916, 0x3D96}, {0x2F917, 0x704A}, {0x2F918, 0x707D},
    {0x2F919, 0x7077}, {0x2F91A, 0x70AD}, {0x2F91B, 0x20525}, {0x2F91C, 0x7145}, {0x2F91D, 0x24263},
    {0x2F91E, 0x719C}, {0x2F91F, 0x243AB}, {0x2F920, 0x7228}, {0x2F921, 0x7235}, {0x2F922, 0x7250},
    {0x2F923, 0x24608}, {0x2F924, 0x7280}, {0x2F925, 0x7295}, {0x2F926, 0x24735},
    {0x2F927, 0x24814}, {0x2F928, 0x737A}, {0x2F929, 0x738B}, {0x2F92A, 0x3EAC}, {0x2F92B, 0x73A5},
    {0x2F92C, 0x3EB8}, {0x2F92D, 0x3EB8}, {0x2F92E, 0x7447}, {0x2F92F, 0x745C}, {0x2F930, 0x7471},
    {0x2F931, 0x7485}, {0x2F932, 0x74CA}, {0x2F933, 0x3F1B}, {0x2F934, 0x7524}, {0x2F935, 0x24C36},
    {0x2F936, 0x753E}, {0x2F937, 0x24C92}, {0x2F938, 0x7570}, {0x2F939, 0x2219F}, {0x2F93A, 0x7610},
    {0x2F93B, 0x24FA1}, {0x2F93C, 0x24FB8}, {0x2F93D, 0x25044}, {0x2F93E, 0x3FFC},
    {0x2F93F, 0x4008}, {0x2F940, 0x76F4}, {0x2F941, 0x250F3}, {0x2F942, 0x250F2},
    {0x2F943, 0x25119}, {0x2F944, 0x25133}, {0x2F945, 0x771E}, {0x2F946, 0x771F}, {0x2F947, 0x771F},
    {0x2F948, 0x774A}, {0x2F949, 0x4039}, {0x2F94A, 0x778B}, {0x2F94B, 0x4046}, {0x2F94C, 0x4096},
    {0x2F94D, 0x2541D}, {0x2F94E, 0x784E}, {0x2F94F, 0x788C}, {0x2F950, 0x78CC}, {0x2F951, 0x40E3},
    {0x2F952, 0x25626}, {0x2F953, 0x7956}, {0x2F954, 0x2569A}, {0x2F955, 0x256C5},
    {0x2F956, 0x798F}, {0x2F957, 0x79EB}, {0x2F958, 0x412F}, {0x2F959, 0x7A40}, {0x2F95A, 0x7A4A},
    {0x2F95B, 0x7A4F}, {0x2F95C, 0x2597C}, {0x2F95D, 0x25AA7}, {0x2F95E, 0x25AA7},
    {0x2F95F, 0x7AEE}, {0x2F960, 0x4202}, {0x2F961, 0x25BAB}, {0x2F962, 0x7BC6}, {0x2F963, 0x7BC9},
    {0x2F964, 0x4227}, {0x2F965, 0x25C80}, {0x2F966, 0x7CD2}, {0x2F967, 0x42A0}, {0x2F968, 0x7CE8},
    {0x2F969, 0x7CE3}, {0x2F96A, 0x7D00}, {0x2F96B, 0x25F86}, {0x2F96C, 0x7D63}, {0x2F96D, 0x4301},
    {0x2F96E, 0x7DC7}, {0x2F96F, 0x7E02}, {0x2F970, 0x7E45}, {0x2F971, 0x4334}, {0x2F972, 0x26228},
    {0x2F973, 0x26247}, {0x2F974, 0x4359}, {0x2F975, 0x262D9}, {0x2F976, 0x7F7A},
    {0x2F977, 0x2633E}, {0x2F978, 0x7F95}, {0x2F979, 0x7FFA}, {0x2F97A, 0x8005}, {0x2F97B, 0x264DA},
    {0x2F97C, 0x26523}, {0x2F97D, 0x8060}, {0x2F97E, 0x265A8}, {0x2F97F, 0x8070},
    {0x2F980, 0x2335F}, {0x2F981, 0x43D5}, {0x2F982, 0x80B2}, {0x2F983, 0x8103}, {0x2F984, 0x440B},
    {0x2F985, 0x813E}, {0x2F986, 0x5AB5}, {0x2F987, 0x267A7}, {0x2F988, 0x267B5},
    {0x2F989, 0x23393}, {0x2F98A, 0x2339C}, {0x2F98B, 0x8201}, {0x2F98C, 0x8204}, {0x2F98D, 0x8F9E},
    {0x2F98E, 0x446B}, {0x2F98F, 0x8291}, {0x2F990, 0x828B}, {0x2F991, 0x829D}, {0x2F992, 0x52B3},
    {0x2F993, 0x82B1}, {0x2F994, 0x82B3}, {0x2F995, 0x82BD}, {0x2F996, 0x82E6}, {0x2F997, 0x26B3C},
    {0x2F998, 0x82E5}, {0x2F999, 0x831D}, {0x2F99A, 0x8363}, {0x2F99B, 0x83AD}, {0x2F99C, 0x8323},
    {0x2F99D, 0x83BD}, {0x2F99E, 0x83E7}, {0x2F99F, 0x8457}, {0x2F9A0, 0x8353}, {0x2F9A1, 0x83CA},
    {0x2F9A2, 0x83CC}, {0x2F9A3, 0x83DC}, {0x2F9A4, 0x26C36}, {0x2F9A5, 0x26D6B},
    {0x2F9A6, 0x26CD5}, {0x2F9A7, 0x452B}, {0x2F9A8, 0x84F1}, {0x2F9A9, 0x84F3}, {0x2F9AA, 0x8516},
    {0x2F9AB, 0x273CA}, {0x2F9AC, 0x8564}, {0x2F9AD, 0x26F2C}, {0x2F9AE, 0x455D}, {0x2F9AF, 0x4561},
    {0x2F9B0, 0x26FB1}, {0x2F9B1, 0x270D2}, {0x2F9B2, 0x456B}, {0x2F9B3, 0x8650}, {0x2F9B4, 0x865C},
    {0x2F9B5, 0x8667}, {0x2F9B6, 0x8669}, {0x2F9B7, 0x86A9}, {0x2F9B8, 0x8688}, {0x2F9B9, 0x870E},
    {0x2F9BA, 0x86E2}, {0x2F9BB, 0x8779}, {0x2F9BC, 0x8728}, {0x2F9BD, 0x876B}, {0x2F9BE, 0x8786},
    {0x2F9BF, 0x45D7}, {0x2F9C0, 0x87E1}, {0x2F9C1, 0x8801}, {0x2F9C2, 0x45F9}, {0x2F9C3, 0x8860},
    {0x2F9C4, 0x8863}, {0x2F9C5, 0x27667}, {0x2F9C6, 0x88D7}, {0x2F9C7, 0x88DE}, {0x2F9C8, 0x4635},
    {0x2F9C9, 0x88FA}, {0x2F9CA, 0x34BB}, {0x2F9CB, 0x278AE}, {0x2F9CC, 0x27966}, {0x2F9CD, 0x46BE},
    {0x2F9CE, 0x46C7}, {0x2F9CF, 0x8AA0}, {0x2F9D0, 0x8AED}, {0x2F9D1, 0x8B8A}, {0x2F9D2, 0x8C55},
    {0x2F9D3, 0x27CA8}, {0x2F9D4, 0x8CAB}, {0x2F9D5, 0x8CC1}, {0x2F9D6, 0x8D1B}, {0x2F9D7, 0x8D77},
    {0x2F9D8, 0x27F2F}, {0x2F9D9, 0x20804}, {0x2F9DA, 0x8DCB}, {0x2F9DB, 0x8DBC}, {0x2F9DC, 0x8DF0},
    {0x2F9DD, 0x208DE}, {0x2F9DE, 0x8ED4}, {0x2F9DF, 0x8F38}, {0x2F9E0, 0x285D2},
    {0x2F9E1, 0x285ED}, {0x2F9E2, 0x9094}, {0x2F9E3, 0x90F1}, {0x2F9E4, 0x9111}, {0x2F9E5, 0x2872E},
    {0x2F9E6, 0x911B}, {0x2F9E7, 0x9238}, {0x2F9E8, 0x92D7}, {0x2F9E9, 0x92D8}, {0x2F9EA, 0x927C},
    {0x2F9EB, 0x93F9}, {0x2F9EC, 0x9415}, {0x2F9ED, 0x28BFA}, {0x2F9EE, 0x958B}, {0x2F9EF, 0x4995},
    {0x2F9F0, 0x95B7}, {0x2F9F1, 0x28D77}, {0x2F9F2, 0x49E6}, {0x2F9F3, 0x96C3}, {0x2F9F4, 0x5DB2},
    {0x2F9F5, 0x9723}, {0x2F9F6, 0x29145}, {0x2F9F7, 0x2921A}, {0x2F9F8, 0x4A6E}, {0x2F9F9, 0x4A76},
    {0x2F9FA, 0x97E0}, {0x2F9FB, 0x2940A}, {0x2F9FC, 0x4AB2}, {0x2F9FD, 0x29496}, {0x2F9FE, 0x980B},
    {0x2F9FF, 0x980B}, {0x2FA00, 0x9829}, {0x2FA01, 0x295B6}, {0x2FA02, 0x98E2}, {0x2FA03, 0x4B33},
    {0x2FA04, 0x9929}, {0x2FA05, 0x99A7}, {0x2FA06, 0x99C2}, {0x2FA07, 0x99FE}, {0x2FA08, 0x4BCE},
    {0x2FA09, 0x29B30}, {0x2FA0A, 0x9B12}, {0x2FA0B, 0x9C40}, {0x2FA0C, 0x9CFD}, {0x2FA0D, 0x4CCE},
    {0x2FA0E, 0x4CED}, {0x2FA0F, 0x9D67}, {0x2FA10, 0x2A0CE}, {0x2FA11, 0x4CF8}, {0x2FA12, 0x2A105},
    {0x2FA13, 0x2A20E}, {0x2FA14, 0x2A291}, {0x2FA15, 0x9EBB}, {0x2FA16, 0x4D56}, {0x2FA17, 0x9EF9},
    {0x2FA18, 0x9EFE}, {0x2FA19, 0x9F05}, {0x2FA1A, 0x9F0F}, {0x2FA1B, 0x9F16}, {0x2FA1C, 0x9F3B},
    {0x2FA1D, 0x2A600},
};
static const uint16_t mlip__tok_nfc_pairs[941] = {
    912, 909, 913, 0, 1, 2, 3, 53, 55, 238, 4, 572, 5, 165, 208, 210, 570, 415, 57, 417, 419, 421,
    59, 61, 63, 65, 6, 425, 67, 427, 431, 433, 429, 7, 8, 9, 598, 69, 71, 73, 10, 596, 77, 212, 214,
    594, 240, 75, 439, 441, 445, 198, 79, 447, 81, 83, 187, 85, 87, 449, 453, 236, 451, 455, 457,
    11, 12, 13, 89, 91, 93, 97, 14, 610, 167, 216, 218, 612, 95, 459, 98, 463, 189, 465, 100, 467,
    102, 106, 469, 104, 475, 473, 477, 479, 481, 200, 108, 15, 483, 112, 485, 110, 489, 487, 16, 17,
    18, 19, 114, 116, 246, 20, 616, 118, 169, 220, 222, 161, 614, 191, 499, 501, 120, 503, 124, 224,
    226, 505, 122, 509, 126, 128, 511, 132, 513, 232, 130, 521, 136, 523, 234, 134, 527, 525, 21,
    22, 23, 138, 140, 142, 24, 640, 144, 146, 171, 228, 230, 163, 638, 529, 148, 533, 531, 539, 541,
    543, 545, 150, 549, 547, 551, 553, 555, 652, 25, 152, 658, 250, 557, 154, 656, 654, 155, 559,
    157, 159, 561, 563, 26, 27, 28, 29, 54, 56, 239, 30, 573, 31, 166, 209, 211, 571, 416, 58, 418,
    420, 422, 60, 62, 64, 66, 32, 426, 68, 428, 432, 434, 430, 33, 34, 35, 599, 70, 72, 74, 36, 597,
    78, 213, 215, 595, 241, 76, 440, 442, 446, 199, 80, 448, 82, 84, 188, 86, 88, 450, 454, 237,
    452, 456, 458, 565, 37, 38, 39, 90, 92, 94, 40, 611, 168, 217, 219, 613, 96, 460, 99, 197, 464,
    190, 466, 101, 468, 103, 107, 470, 105, 476, 474, 478, 480, 482, 201, 109, 41, 484, 113, 486,
    111, 490, 488, 42, 43, 44, 45, 115, 117, 247, 46, 617, 119, 170, 221, 223, 162, 615, 192, 500,
    502, 121, 504, 125, 225, 227, 506, 123, 510, 127, 129, 512, 133, 514, 233, 131, 522, 566, 137,
    524, 235, 135, 528, 526, 47, 48, 49, 139, 141, 143, 50, 641, 145, 147, 172, 229, 231, 164, 639,
    530, 149, 534, 532, 540, 542, 544, 546, 151, 550, 548, 567, 552, 554, 556, 653, 51, 153, 659,
    251, 558, 52, 657, 568, 655, 156, 560, 158, 160, 562, 564, 875, 258, 835, 576, 574, 580, 578,
    181, 202, 204, 185, 423, 602, 600, 606, 604, 461, 620, 618, 624, 622, 491, 244, 493, 242, 206,
    179, 175, 173, 177, 577, 575, 581, 579, 182, 203, 205, 186, 424, 603, 601, 607, 605, 462, 621,
    619, 625, 623, 492, 245, 494, 243, 207, 180, 176, 174, 178, 586, 584, 590, 588, 587, 585, 591,
    589, 435, 437, 436, 438, 495, 497, 496, 498, 515, 516, 517, 518, 535, 536, 537, 538, 569, 630,
    628, 634, 632, 636, 631, 629, 635, 633, 637, 644, 642, 648, 646, 650, 645, 643, 649, 647, 651,
    195, 193, 194, 183, 184, 443, 444, 248, 249, 196, 831, 259, 830, 829, 668, 669, 833, 841, 261,
    682, 683, 843, 262, 696, 697, 845, 857, 263, 856, 855, 268, 712, 713, 883, 264, 726, 727, 874,
    872, 265, 871, 870, 269, 740, 885, 266, 752, 753, 887, 826, 838, 760, 270, 823, 822, 660, 661,
    827, 825, 762, 271, 676, 677, 764, 272, 688, 689, 839, 837, 766, 273, 850, 849, 275, 704, 705,
    853, 768, 277, 720, 721, 866, 867, 770, 278, 863, 862, 276, 732, 733, 868, 772, 279, 744, 745,
    881, 879, 851, 267, 854, 864, 274, 869, 880, 280, 281, 285, 302, 304, 284, 282, 306, 283, 300,
    310, 312, 287, 314, 289, 316, 286, 318, 324, 288, 326, 328, 330, 332, 322, 303, 305, 293, 291,
    307, 292, 301, 311, 313, 296, 315, 290, 317, 295, 319, 325, 297, 327, 329, 331, 333, 323, 294,
    298, 299, 308, 309, 320, 321, 334, 335, 337, 336, 338, 340, 341, 339, 342, 343, 344, 353, 354,
    365, 364, 366, 369, 370, 372, 371, 373, 374, 377, 375, 376, 378, 379, 381, 380, 382, 383, 385,
    384, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 471, 472, 507, 508, 519, 520,
    582, 592, 583, 593, 608, 609, 626, 627, 662, 664, 666, 774, 663, 665, 667, 775, 776, 777, 778,
    779, 780, 781, 670, 672, 674, 782, 671, 673, 675, 783, 784, 785, 786, 787, 788, 789, 678, 680,
    679, 681, 684, 686, 685, 687, 690, 692, 694, 790, 691, 693, 695, 791, 792, 793, 794, 795, 796,
    797, 698, 700, 702, 798, 699, 701, 703, 799, 800, 801, 802, 803, 804, 805, 706, 708, 710, 707,
    709, 711, 714, 716, 718, 715, 717, 719, 722, 724, 723, 725, 728, 730, 729, 731, 734, 736, 738,
    735, 737, 739, 741, 742, 743, 746, 748, 750, 806, 747, 749, 751, 807, 808, 809, 810, 811, 812,
    813, 754, 756, 758, 814, 755, 757, 759, 815, 816, 817, 818, 819, 820, 821, 824, 836, 878, 828,
    846, 847, 848, 840, 882, 859, 860, 861, 894, 895, 896, 897, 899, 898, 900, 901, 902, 903, 904,
    905, 906, 907, 908, 911, 910, 914, 915, 916, 917, 918, 919, 920, 921, 930, 931, 922, 923, 924,
    925, 932, 933, 926, 927, 928, 929, 934, 935, 936, 937, 966, 941, 942, 943, 944, 945, 946, 947,
    948, 949, 950, 951, 952, 953, 954, 955, 956, 957, 958, 959, 960, 961, 962, 963, 964, 965, 967,
    993, 968, 969, 970, 971, 972, 973, 974, 975, 976, 977, 978, 979, 980, 981, 982, 983, 984, 985,
    986, 987, 988, 989, 990, 991, 992, 994, 995, 996, 997, 998, 1493, 1494, 1495, 1496, 1497, 1498,
    1499, 1501, 1500, 1502, 1503, 1504, 1505,
};
/* END GENERATED UNICODE TABLES */
/* clang-format on */
/* The special tokens, in the order the enum below and vocabulary training use. */
enum {
    MLIP__TOK_PAD,
    MLIP__TOK_UNK,
    MLIP__TOK_CLS,
    MLIP__TOK_SEP,
    MLIP__TOK_MASK,
    MLIP__TOK_NSPECIAL
};
static const char *const mlip__tok_special_names[MLIP__TOK_NSPECIAL] = {"[PAD]", "[UNK]", "[CLS]",
                                                                        "[SEP]", "[MASK]"};
#define MLIP__TOK_NEWLINE 0x110001u /* pseudo code point: a line break, a space for WordPiece */
#define MLIP__TOK_WORD_BYTES (4 * (MLIP_TOKENIZER_MAX_WORD_CHARS + 1))

enum { MLIP__TOK_WORDPIECE, MLIP__TOK_BPE };
/* What a BPE tokenizer adds (tokens are still in text/offset/length/table). */
typedef struct mlip__tok_bpe {
    char *merges; /* "a b\n" a merge, NUL-terminated */
    size_t merges_len;
    uint64_t *pair_key; /* left id << 32 | right id, open addressing */
    int32_t *pair_rank; /* -1: empty slot */
    int32_t *pair_id; /* the merged symbol */
    uint32_t pair_mask;
    int byte_id[256], byte_end_id[256]; /* a byte's symbol, and the same with "</w>" */
    int sot, eot;
} mlip__tok_bpe;

struct mlip_tokenizer {
    char *text; /* every token, NUL-terminated, back to back */
    size_t *offset; /* token id -> its first byte in text */
    uint32_t *length; /* token id -> bytes */
    int32_t *table; /* open-addressing hash table of ids, -1 = empty slot */
    uint32_t mask; /* table size - 1 (a power of two) */
    int n; /* vocabulary size */
    int lowercase;
    uint32_t max_len; /* longest token in bytes: WordPiece never tries longer pieces */
    int special[MLIP__TOK_NSPECIAL]; /* ids, -1 when absent */
    int kind; /* MLIP__TOK_WORDPIECE or MLIP__TOK_BPE */
    mlip__tok_bpe *bpe; /* BPE only */
};
/* The BPE side, at the end of this section. */
static void mlip__bpe_free(mlip__tok_bpe *bpe);
static mlip_status mlip__bpe_tokenize(const mlip_tokenizer *tok, const char *text, size_t len,
                                      int *ids, int cap, int *n_out);
static mlip_status mlip__bpe_encode(const mlip_tokenizer *tok, const char *text, size_t len,
                                    int max_len, int *ids, uint8_t *mask, int *n_out);
static mlip_status mlip__bpe_decode(const mlip_tokenizer *tok, const int *ids, int n,
                                    int skip_special, char *buf, size_t cap, size_t *len_out);

/* ---- Unicode properties ---- */
static int mlip__tok_in_ranges(const uint32_t (*r)[2], int n, uint32_t cp) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < r[mid][0])
            hi = mid - 1;
        else if (cp > r[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}
#define MLIP__TOK_NRANGES(t) ((int)(sizeof(t) / sizeof((t)[0])))
static int mlip__tok_is_punct(uint32_t cp) {
    return mlip__tok_in_ranges(mlip__tok_punct_ranges, MLIP__TOK_NRANGES(mlip__tok_punct_ranges),
                               cp);
}
static int mlip__tok_is_control(uint32_t cp) {
    return mlip__tok_in_ranges(mlip__tok_control_ranges,
                               MLIP__TOK_NRANGES(mlip__tok_control_ranges), cp);
}
/* U+2028/U+2029 are not Zs, but every HF implementation splits words there too. */
static int mlip__tok_is_space(uint32_t cp) {
    return cp == 0x2028 || cp == 0x2029 ||
           mlip__tok_in_ranges(mlip__tok_space_ranges, MLIP__TOK_NRANGES(mlip__tok_space_ranges),
                               cp);
}
/* The CJK Unified Ideographs blocks BERT's basic tokenizer isolates (not Hangul, kana). */
static int mlip__tok_is_cjk(uint32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}
/* Lower-case + NFD + drop Mn of one code point into out[] (0 to 3 code points); returns the
   count. */
static int mlip__tok_fold(uint32_t cp, uint32_t out[3]) {
    int lo = 0, hi = (int)(sizeof mlip__tok_fold_keys / sizeof mlip__tok_fold_keys[0]) - 1;
    if (cp < 0x80) {
        out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        return 1;
    }
    if (mlip__tok_in_ranges(mlip__tok_strip_ranges, MLIP__TOK_NRANGES(mlip__tok_strip_ranges), cp))
        return 0;
    if (cp >= 0xAC00 && cp <= 0xD7A3) { /* Hangul syllable: L V (T) jamo, Unicode 3.12 */
        uint32_t s = cp - 0xAC00, t = s % 28;
        out[0] = 0x1100 + s / 588;
        out[1] = 0x1161 + (s % 588) / 28;
        if (!t) return 2;
        out[2] = 0x11A7 + t;
        return 3;
    }
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < mlip__tok_fold_keys[mid])
            hi = mid - 1;
        else if (cp > mlip__tok_fold_keys[mid])
            lo = mid + 1;
        else {
            uint32_t v = mlip__tok_fold_vals[mid], k, len;
            if (!(v & MLIP__TOK_MULTI)) {
                out[0] = v;
                return 1;
            }
            len = v & 7u;
            for (k = 0; k < len; k++)
                out[k] = mlip__tok_fold_pool[((v & ~MLIP__TOK_MULTI) >> 3) + k];
            return (int)len;
        }
    }
    out[0] = cp;
    return 1;
}

/* Decode one code point from s[0..n) (n >= 1) into *cp; returns the bytes consumed. Anything
   ill-formed consumes exactly one byte and yields U+FFFD (see the header comment). */
static size_t mlip__tok_utf8(const unsigned char *s, size_t n, uint32_t *cp) {
    uint32_t c = s[0], lo = 0x80, hi = 0xBF;
    size_t need, k;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* beyond U+10FFFF */
        c &= 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (n <= need || s[1] < lo || s[1] > hi) {
        *cp = 0xFFFD;
        return 1;
    }
    for (k = 1; k <= need; k++) {
        if (k > 1 && (s[k] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (s[k] & 0x3Fu);
    }
    *cp = c;
    return need + 1;
}

static int mlip__tok_put_utf8(unsigned char *out, uint32_t cp) {
    if (cp < 0x80) return out[0] = (unsigned char)cp, 1;
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- Vocabulary: FNV-1a hash over the bytes of prefix + piece ---- */
static uint32_t mlip__tok_hash(const char *prefix, size_t plen, const char *s, size_t n) {
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < plen; i++) h = (h ^ (unsigned char)prefix[i]) * 16777619u;
    for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Id of prefix + s (prefix is "" or "##"), or -1. */
static int mlip__tok_find(const mlip_tokenizer *tok, const char *prefix, size_t plen, const char *s,
                          size_t n) {
    uint32_t slot = mlip__tok_hash(prefix, plen, s, n) & tok->mask;
    if (plen + n > tok->max_len) return -1;
    for (;; slot = (slot + 1) & tok->mask) {
        int32_t id = tok->table[slot];
        const char *t;
        if (id < 0) return -1;
        t = tok->text + tok->offset[id];
        if (tok->length[id] == plen + n && !memcmp(t, prefix, plen) && !memcmp(t + plen, s, n))
            return id;
    }
}

MLIPDEF void mlip_tokenizer_free(mlip_tokenizer *tok) {
    if (!tok) return;
    mlip_free(tok->text);
    mlip_free(tok->offset);
    mlip_free(tok->length);
    mlip_free(tok->table);
    mlip__bpe_free(tok->bpe);
    mlip_free(tok);
}

MLIPDEF mlip_status mlip_tokenizer_from_memory(const char *text, size_t len, int lowercase,
                                               mlip_tokenizer **out) {
    mlip_tokenizer *tok;
    size_t i, lines = 0, start, cap = 16, bytes = 0;
    int id, k;
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(text);
    for (i = 0; i < len; i++) {
        if (text[i] == '\n')
            lines++;
        else if (text[i] == '\0')
            return mlip__fail(MLIP_ERR_FORMAT, "vocabulary: NUL byte at offset %lu",
                              (unsigned long)i);
    }
    if (len > 0 && text[len - 1] != '\n') lines++; /* a last line without its newline */
    if (lines == 0) return mlip__fail(MLIP_ERR_FORMAT, "vocabulary: empty");
    if (lines > 0x3FFFFFFF)
        return mlip__fail(MLIP_ERR_FORMAT, "vocabulary: too many lines (%lu)",
                          (unsigned long)lines);
    while (cap < 2 * lines) cap *= 2; /* load factor <= 1/2 keeps probes short */
    if (mlip_size_add(len, 1, &bytes)) return MLIP_ERR_OVERFLOW;
    tok = (mlip_tokenizer *)mlip_alloc_zeroed(1, sizeof *tok);
    if (!tok) return MLIP_ERR_OUT_OF_MEMORY;
    tok->text = (char *)mlip_alloc(bytes);
    tok->offset = (size_t *)mlip_alloc_zeroed(lines, sizeof(size_t));
    tok->length = (uint32_t *)mlip_alloc_zeroed(lines, sizeof(uint32_t));
    tok->table = (int32_t *)mlip_alloc_zeroed(cap, sizeof(int32_t));
    if (!tok->text || !tok->offset || !tok->length || !tok->table) {
        mlip_tokenizer_free(tok);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    memcpy(tok->text, text, len);
    tok->text[len] = '\0';
    tok->mask = (uint32_t)(cap - 1);
    tok->lowercase = lowercase != 0;
    for (i = 0; i < cap; i++) tok->table[i] = -1;
    for (i = 0, start = 0, id = 0; i <= len && id < (int)lines; i++) {
        if (i == len || text[i] == '\n') {
            size_t end = i;
            uint32_t slot;
            if (end > start && text[end - 1] == '\r') end--;
            if (end - start > 0xFFFFFFF) {
                mlip_tokenizer_free(tok);
                return mlip__fail(MLIP_ERR_FORMAT, "vocabulary: line %d is too long", id + 1);
            }
            tok->text[end] = '\0';
            tok->offset[id] = start;
            tok->length[id] = (uint32_t)(end - start);
            if (tok->length[id] > tok->max_len) tok->max_len = tok->length[id];
            /* insert, or point an existing entry at the later id (HF keeps the last) */
            slot = mlip__tok_hash("", 0, text + start, end - start) & tok->mask;
            for (;; slot = (slot + 1) & tok->mask) {
                int32_t other = tok->table[slot];
                if (other < 0 ||
                    (tok->length[other] == end - start &&
                     !memcmp(tok->text + tok->offset[other], text + start, end - start))) {
                    tok->table[slot] = id;
                    break;
                }
            }
            id++;
            start = i + 1;
        }
    }
    tok->n = id;
    for (k = 0; k < MLIP__TOK_NSPECIAL; k++)
        tok->special[k] = mlip__tok_find(tok, "", 0, mlip__tok_special_names[k],
                                         strlen(mlip__tok_special_names[k]));
    *out = tok;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_tokenizer_load_vocab(const char *path, int lowercase,
                                              mlip_tokenizer **out) {
    char *data = NULL;
    size_t len = 0;
    mlip_status st;
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(path);
    MLIP__TRY(mlip__read_file(path, &data, &len));
    st = mlip_tokenizer_from_memory(data, len, lowercase, out);
    mlip_free(data);
    return st;
}

MLIPDEF int mlip_tokenizer_vocab_size(const mlip_tokenizer *tok) { return tok ? tok->n : 0; }

MLIPDEF int mlip_tokenizer_token_id(const mlip_tokenizer *tok, const char *token) {
    if (!tok || !token) return -1;
    return mlip__tok_find(tok, "", 0, token, strlen(token));
}

MLIPDEF const char *mlip_tokenizer_token(const mlip_tokenizer *tok, int id) {
    if (!tok || id < 0 || id >= tok->n) return NULL;
    return tok->text + tok->offset[id];
}

/* ---- The tokenizing pass. One streaming pass over the bytes with no allocation: code points
   are cleaned and normalized one at a time, gathered into the current word (a fixed buffer:
   words over 100 code points are [UNK] anyway), and each finished word goes through
   WordPiece. The same pass finds sentence boundaries, so spans line up with ids exactly. ---- */
typedef struct mlip__tok_run {
    const mlip_tokenizer *tok;
    int *ids, cap, n; /* ids written while n < cap; n counts all */
    unsigned char word[MLIP__TOK_WORD_BYTES];
    int word_bytes, word_chars, word_digits; /* word_digits: all code points are ASCII digits */
    int gap, newline; /* whitespace / a line break before the next word */
    /* sentences (only when begin != NULL) */
    int *begin, *end, max_sent, n_sent;
    int s_begin, s_letters, pending; /* pending: a '.' waits for the next word to decide */
    int prev_digits, prev_abbrev; /* the previous word, when directly before a '.' */
    /* vocabulary training: words go here instead of through WordPiece */
    void (*on_word)(void *ctx, const unsigned char *word, int bytes);
    void *ctx;
    int sigma; /* uncased: a capital sigma waits (1: after a cased letter, 2: not) */
    int prev_cased; /* the last code point that was not case-ignorable was cased */
    uint32_t queue[16]; /* case-ignorable code points after a waiting sigma */
    int n_queue;
} mlip__tok_run;

static void mlip__tok_emit(mlip__tok_run *r, int id) {
    if (r->n < r->cap) r->ids[r->n] = id;
    if (r->n < 0x7FFFFFFF) r->n++;
}

/* Close the current sentence at token r->n, unless it has no word with a letter yet: then it
   joins the next one ("2. Probably scarring" is one sentence). */
static void mlip__tok_close(mlip__tok_run *r) {
    r->pending = 0;
    if (!r->begin || r->n <= r->s_begin || !r->s_letters) return;
    if (r->n_sent < r->max_sent) {
        r->begin[r->n_sent] = r->s_begin;
        r->end[r->n_sent] = r->n;
        r->n_sent++;
    }
    r->s_begin = r->n;
    r->s_letters = 0;
}

/* Sentence logic, before a word's ids are emitted. */
static void mlip__tok_sentence_word(mlip__tok_run *r, int starts_with_digit) {
    if (r->newline)
        mlip__tok_close(r);
    else if (r->pending) {
        if (!r->gap && r->prev_digits && starts_with_digit)
            r->pending = 0; /* 2.5 */
        else
            mlip__tok_close(r);
    }
}

static int mlip__tok_is_abbrev(const unsigned char *w, int n) {
    static const char *const abbrev[] = {"dr", "mr", "mrs", "ms", "vs", "st", "fig", "approx"};
    char low[8];
    int i;
    if (n > 7) return 0;
    for (i = 0; i < n; i++) low[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
    low[n] = '\0';
    for (i = 0; i < (int)(sizeof abbrev / sizeof abbrev[0]); i++)
        if (!strcmp(low, abbrev[i])) return 1;
    return 0;
}

/* WordPiece of the gathered word (greedy longest match first), then an empty buffer. */
static void mlip__tok_wordpiece(mlip__tok_run *r) {
    const mlip_tokenizer *tok = r->tok;
    int pieces[MLIP_TOKENIZER_MAX_WORD_CHARS], n_pieces = 0, start = 0, k, unk = 0;
    const char *w = (const char *)r->word;
    if (r->on_word) { /* vocabulary training wants the words themselves */
        if (r->word_chars <= MLIP_TOKENIZER_MAX_WORD_CHARS)
            r->on_word(r->ctx, r->word, r->word_bytes);
    } else {
        if (r->word_chars > MLIP_TOKENIZER_MAX_WORD_CHARS) unk = 1;
        while (!unk && start < r->word_bytes) {
            int end = r->word_bytes, id = -1;
            if ((uint32_t)(end - start) > tok->max_len) end = start + (int)tok->max_len;
            while (end > start) {
                while (end < r->word_bytes && (r->word[end] & 0xC0) == 0x80)
                    end--; /* whole chars */
                if (end <= start) break;
                id = mlip__tok_find(tok, "##", start > 0 ? 2 : 0, w + start, (size_t)(end - start));
                if (id >= 0) break;
                end--;
            }
            if (id < 0) {
                unk = 1; /* one unmatchable part makes the whole word [UNK] */
            } else {
                pieces[n_pieces++] = id;
                start = end;
            }
        }
        if (unk)
            mlip__tok_emit(r, tok->special[MLIP__TOK_UNK]);
        else
            for (k = 0; k < n_pieces; k++) mlip__tok_emit(r, pieces[k]);
    }
    r->word_bytes = r->word_chars = 0;
    r->word_digits = 1;
    r->gap = r->newline = 0;
}

/* The gathered word (letters, digits, symbols: no punctuation) is complete. */
static void mlip__tok_end_word(mlip__tok_run *r) {
    if (r->word_chars == 0) return;
    if (r->begin) {
        mlip__tok_sentence_word(r, r->word[0] >= '0' && r->word[0] <= '9');
        if (!r->word_digits) r->s_letters = 1;
        r->prev_digits = r->word_digits;
        r->prev_abbrev = r->word_chars == 1 || mlip__tok_is_abbrev(r->word, r->word_bytes);
    }
    mlip__tok_wordpiece(r);
}

/* A punctuation character: always a word of its own, and the sentence boundaries. */
static void mlip__tok_punct(mlip__tok_run *r, uint32_t cp) {
    int attached = r->word_chars > 0 || !r->gap; /* directly after the previous word */
    mlip__tok_end_word(r);
    if (r->begin) {
        int abbrev = attached && r->prev_abbrev, decimal = attached && r->prev_digits;
        mlip__tok_sentence_word(r, 0);
        r->prev_digits = r->prev_abbrev = 0;
        /* a '.' ends the sentence unless the next word shows a decimal ("2.5") */
        if (cp == '.' && !abbrev) {
            r->pending = 1;
            r->prev_digits = decimal;
        }
    }
    r->word_bytes = mlip__tok_put_utf8(r->word, cp);
    r->word_chars = 1;
    mlip__tok_wordpiece(r);
    if (r->begin && (cp == '?' || cp == '!' || cp == ';')) mlip__tok_close(r);
}

/* One normalized code point. */
static void mlip__tok_push(mlip__tok_run *r, uint32_t cp) {
    if (cp == ' ' || cp == MLIP__TOK_NEWLINE) {
        mlip__tok_end_word(r);
        r->gap = 1;
        if (cp == MLIP__TOK_NEWLINE) r->newline = 1;
        return;
    }
    /* every ASCII character left that is not a letter or digit is punctuation to BERT */
    if ((cp < 0x80 && !((cp | 32) >= 'a' && (cp | 32) <= 'z') && !(cp >= '0' && cp <= '9')) ||
        (cp >= 0x80 && mlip__tok_is_punct(cp))) {
        mlip__tok_punct(r, cp);
        return;
    }
    if (r->word_chars < MLIP_TOKENIZER_MAX_WORD_CHARS + 1) /* beyond that it is [UNK] anyway */
        r->word_bytes += mlip__tok_put_utf8(r->word + r->word_bytes, cp);
    if (r->word_chars < 0x7FFFFFFF) r->word_chars++;
    if (cp < '0' || cp > '9') r->word_digits = 0;
}

/* A special token found verbatim in the text: a word of its own, never split. */
static void mlip__tok_special(mlip__tok_run *r, int id) {
    mlip__tok_end_word(r);
    if (r->begin) {
        mlip__tok_sentence_word(r, 0);
        r->prev_digits = r->prev_abbrev = 0;
    }
    mlip__tok_emit(r, id);
    r->gap = r->newline = 0;
}

/* Lower-casing is context-sensitive in one place (SpecialCasing, Final_Sigma) and HF lower-cases
   whole strings: a capital sigma preceded by a cased letter and not followed by one becomes
   the final form, case-ignorable characters (marks, apostrophes, periods...) being skipped
   on both sides. So a capital sigma waits, with the ignorable code points after it queued,
   until the next code point decides. */
static int mlip__tok_is_cased(uint32_t cp) {
    if (cp < 0x80) return (cp | 32) >= 'a' && (cp | 32) <= 'z';
    return mlip__tok_in_ranges(mlip__tok_cased_ranges, MLIP__TOK_NRANGES(mlip__tok_cased_ranges),
                               cp);
}
static int mlip__tok_is_ignorable(uint32_t cp) {
    if (cp < 0x80) return cp == '\'' || cp == '.' || cp == ':' || cp == '^' || cp == '`';
    return mlip__tok_in_ranges(mlip__tok_ignorable_ranges,
                               MLIP__TOK_NRANGES(mlip__tok_ignorable_ranges), cp);
}

/* Uncased: fold one code point (lower-case, NFD, drop Mn) and push the result. */
static void mlip__tok_fold_push(mlip__tok_run *r, uint32_t cp) {
    uint32_t f[3];
    int k, nf;
    if (cp == 0x3A3) { /* capital sigma: decided by what follows */
        r->sigma = r->prev_cased ? 1 : 2;
        return;
    }
    if (!mlip__tok_is_ignorable(cp)) r->prev_cased = mlip__tok_is_cased(cp);
    nf = mlip__tok_fold(cp, f);
    for (k = 0; k < nf; k++) mlip__tok_push(r, f[k]);
}

static void mlip__tok_resolve_sigma(mlip__tok_run *r, int next_cased) {
    int k, nq = r->n_queue;
    if (!r->sigma) return;
    mlip__tok_push(r, r->sigma == 1 && !next_cased ? 0x3C2u : 0x3C3u);
    r->sigma = 0;
    r->prev_cased = 1;
    r->n_queue = 0;
    for (k = 0; k < nq; k++) mlip__tok_fold_push(r, r->queue[k]);
}

/* A cleaned code point (a space or MLIP__TOK_NEWLINE for whitespace) into normalization. */
static void mlip__tok_feed(mlip__tok_run *r, uint32_t cp) {
    if (!r->tok->lowercase) {
        mlip__tok_push(r, cp);
        return;
    }
    if (r->sigma) {
        if (mlip__tok_is_ignorable(cp) &&
            r->n_queue < (int)(sizeof r->queue / sizeof r->queue[0])) {
            r->queue[r->n_queue++] = cp;
            return;
        }
        mlip__tok_resolve_sigma(r, cp != ' ' && cp != MLIP__TOK_NEWLINE && mlip__tok_is_cased(cp));
    }
    if (cp == ' ' || cp == MLIP__TOK_NEWLINE) {
        r->prev_cased = 0;
        mlip__tok_push(r, cp);
        return;
    }
    mlip__tok_fold_push(r, cp);
}

static void mlip__tok_text(mlip__tok_run *r, const char *text, size_t len) {
    const unsigned char *s = (const unsigned char *)text;
    const mlip_tokenizer *tok = r->tok;
    size_t i = 0;
    r->word_digits = 1;
    while (i < len) {
        uint32_t cp;
        int k;
        if (s[i] == '[') { /* a special token? */
            for (k = 0; k < MLIP__TOK_NSPECIAL; k++) {
                size_t sl = strlen(mlip__tok_special_names[k]);
                if (tok->special[k] >= 0 && len - i >= sl &&
                    !memcmp(s + i, mlip__tok_special_names[k], sl))
                    break;
            }
            if (k < MLIP__TOK_NSPECIAL) { /* HF normalizes the text on each side separately */
                mlip__tok_resolve_sigma(r, 0);
                r->prev_cased = 0;
                mlip__tok_special(r, tok->special[k]);
                i += strlen(mlip__tok_special_names[k]);
                continue;
            }
        }
        i += mlip__tok_utf8(s + i, len - i, &cp);
        /* 1. cleaning: drop NUL, U+FFFD, controls; whitespace separates */
        if (cp == 0 || cp == 0xFFFD || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
            (cp >= 0x7F && mlip__tok_is_control(cp)))
            continue;
        if (cp == '\n' || cp == '\r') {
            mlip__tok_feed(r, MLIP__TOK_NEWLINE);
            continue;
        }
        if (cp == '\t' || (cp >= 0x80 && mlip__tok_is_space(cp))) {
            mlip__tok_feed(r, ' ');
            continue;
        }
        /* 2. CJK ideographs stand alone */
        if (cp >= 0x3400 && mlip__tok_is_cjk(cp)) {
            mlip__tok_feed(r, ' ');
            mlip__tok_feed(r, cp);
            mlip__tok_feed(r, ' ');
            r->gap = 0; /* the padding spaces are not whitespace of the text */
            continue;
        }
        /* 3. uncased: lower-case, NFD, drop Mn */
        mlip__tok_feed(r, cp);
    }
    mlip__tok_resolve_sigma(r, 0);
    mlip__tok_end_word(r);
}

static mlip_status mlip__tok_check(const mlip_tokenizer *tok, const char *text, size_t len) {
    if (!tok) return mlip__fail(MLIP_ERR_INVALID_ARG, "tokenizer: tok is NULL");
    if (!text && len) return mlip__fail(MLIP_ERR_INVALID_ARG, "tokenizer: text is NULL");
    if (tok->kind == MLIP__TOK_BPE) return MLIP_OK;
    if (tok->special[MLIP__TOK_UNK] < 0)
        return mlip__fail(MLIP_ERR_FORMAT, "tokenizer: the vocabulary has no [UNK]");
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_tokenizer_tokenize(const mlip_tokenizer *tok, const char *text, size_t len,
                                            int *ids, int cap, int *n_out) {
    mlip__tok_run r;
    MLIP__CHECK_PTR(n_out);
    MLIP__TRY(mlip__tok_check(tok, text, len));
    if (cap < 0 || (cap > 0 && !ids))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_tokenizer_tokenize: ids NULL or cap < 0");
    if (tok->kind == MLIP__TOK_BPE) return mlip__bpe_tokenize(tok, text, len, ids, cap, n_out);
    memset(&r, 0, sizeof r);
    r.tok = tok;
    r.ids = ids;
    r.cap = cap;
    mlip__tok_text(&r, text, len);
    *n_out = r.n;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_tokenizer_encode(const mlip_tokenizer *tok, const char *text, size_t len,
                                          int max_len, int *ids, uint8_t *mask, int *n_out) {
    mlip__tok_run r;
    int i, n;
    MLIP__TRY(mlip__tok_check(tok, text, len));
    MLIP__CHECK_PTR(ids);
    if (max_len < 2)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_tokenizer_encode: max_len must be >= 2 (got %d)", max_len);
    if (tok->kind == MLIP__TOK_BPE)
        return mlip__bpe_encode(tok, text, len, max_len, ids, mask, n_out);
    if (tok->special[MLIP__TOK_CLS] < 0 || tok->special[MLIP__TOK_SEP] < 0 ||
        tok->special[MLIP__TOK_PAD] < 0)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "mlip_tokenizer_encode: the vocabulary lacks [CLS], [SEP] or [PAD]");
    memset(&r, 0, sizeof r);
    r.tok = tok;
    r.ids = ids + 1;
    r.cap = max_len - 2;
    mlip__tok_text(&r, text, len);
    n = r.n < max_len - 2 ? r.n : max_len - 2;
    ids[0] = tok->special[MLIP__TOK_CLS];
    ids[n + 1] = tok->special[MLIP__TOK_SEP];
    for (i = n + 2; i < max_len; i++) ids[i] = tok->special[MLIP__TOK_PAD];
    if (mask)
        for (i = 0; i < max_len; i++) mask[i] = (uint8_t)(i < n + 2);
    if (n_out) *n_out = n + 2;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_tokenizer_sentences(const mlip_tokenizer *tok, const char *text,
                                             size_t len, int max_len, int max_sentences, int *begin,
                                             int *end, int *n_sent) {
    mlip__tok_run r;
    int s, k = 0, limit;
    MLIP__TRY(mlip__tok_check(tok, text, len));
    MLIP__CHECK_PTR(begin);
    MLIP__CHECK_PTR(end);
    MLIP__CHECK_PTR(n_sent);
    if (tok->kind == MLIP__TOK_BPE)
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "mlip_tokenizer_sentences: sentence spans are WordPiece only");
    if (max_len < 2)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_tokenizer_sentences: max_len must be >= 2 (got %d)", max_len);
    memset(&r, 0, sizeof r);
    r.tok = tok;
    r.begin = begin;
    r.end = end;
    r.max_sent = max_sentences > 0 ? max_sentences : MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES;
    mlip__tok_text(&r, text, len);
    mlip__tok_close(&r);
    /* token i of the text sits at position i + 1 (after [CLS]); clip to what encode keeps */
    limit = max_len - 2;
    for (s = 0; s < r.n_sent; s++) {
        int b = begin[s], e = end[s] < limit ? end[s] : limit;
        if (b >= e) break;
        begin[k] = b + 1;
        end[k] = e + 1;
        k++;
    }
    *n_sent = k;
    return MLIP_OK;
}

/* HF's clean_up_tokenization_spaces, one replacement after the other over the whole string in
   HF's order (the order matters: "x ' ." must not become "x'."). Works in place; returns the
   new length. */
static size_t mlip__tok_cleanup(char *s, size_t n) {
    static const char *const from[] = {" .",   " ?",  " !",  " ,",   " ' ",
                                       " n't", " 'm", " 's", " 've", " 're"};
    static const char *const to[] = {".", "?", "!", ",", "'", "n't", "'m", "'s", "'ve", "'re"};
    int k;
    for (k = 0; k < (int)(sizeof from / sizeof from[0]); k++) {
        size_t fl = strlen(from[k]), tl = strlen(to[k]), i = 0, o = 0;
        while (i < n) {
            if (n - i >= fl && !memcmp(s + i, from[k], fl)) {
                memmove(s + o, to[k], tl); /* tl < fl and o <= i: the output never overtakes */
                o += tl;
                i += fl;
            } else {
                s[o++] = s[i++];
            }
        }
        n = o;
    }
    return n;
}

MLIPDEF mlip_status mlip_tokenizer_decode(const mlip_tokenizer *tok, const int *ids, int n,
                                          int skip_special, char *buf, size_t cap,
                                          size_t *len_out) {
    size_t total = 0, pos = 0;
    char *tmp;
    int i, k, first = 1;
    MLIP__CHECK_PTR(tok);
    if (n < 0 || (n > 0 && !ids))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_tokenizer_decode: bad ids/n");
    if (cap > 0 && !buf)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_tokenizer_decode: buf is NULL");
    for (i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= tok->n)
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "mlip_tokenizer_decode: id %d out of range [0, %d)", ids[i], tok->n);
        if (mlip_size_add(total, (size_t)tok->length[ids[i]] + 1, &total)) return MLIP_ERR_OVERFLOW;
    }
    if (tok->kind == MLIP__TOK_BPE)
        return mlip__bpe_decode(tok, ids, n, skip_special, buf, cap, len_out);
    tmp = (char *)mlip_alloc(total + 1);
    if (!tmp) return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < n; i++) {
        const char *t = tok->text + tok->offset[ids[i]];
        size_t tl = tok->length[ids[i]];
        int special = 0;
        for (k = 0; k < MLIP__TOK_NSPECIAL; k++) special |= ids[i] == tok->special[k];
        if (skip_special && special) continue;
        if (!first && tl >= 2 && t[0] == '#' && t[1] == '#') { /* glue */
            t += 2;
            tl -= 2;
        } else if (!first) {
            tmp[pos++] = ' ';
        }
        memcpy(tmp + pos, t, tl);
        pos += tl;
        first = 0;
    }
    pos = mlip__tok_cleanup(tmp, pos);
    if (cap > 0) {
        size_t c = pos < cap - 1 ? pos : cap - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    if (len_out) *len_out = pos;
    mlip_free(tmp);
    return MLIP_OK;
}

/* ---- Vocabulary training (WordPiece trainer = BPE merges over "##" continuation pieces) ---- */

/* String interning: distinct byte strings get ids 0, 1, 2, ... in order of first insertion. */
typedef struct mlip__tok_strset {
    char *pool;
    size_t pool_len, pool_cap;
    size_t *off;
    size_t off_cap;
    uint32_t *len;
    size_t len_cap;
    int32_t *table;
    size_t table_cap;
    int n;
} mlip__tok_strset;

static void mlip__tok_strset_free(mlip__tok_strset *s) {
    mlip_free(s->pool);
    mlip_free(s->off);
    mlip_free(s->len);
    mlip_free(s->table);
    memset(s, 0, sizeof *s);
}

/* Id of prefix+str, inserting it when absent (*id = -1 and an error on failure). */
static mlip_status mlip__tok_intern(mlip__tok_strset *s, const char *prefix, size_t plen,
                                    const char *str, size_t n, int *id) {
    uint32_t h = mlip__tok_hash(prefix, plen, str, n);
    size_t slot, total = plen + n, i;
    mlip_status st;
    *id = -1;
    if (s->table_cap) {
        for (slot = h & (s->table_cap - 1);; slot = (slot + 1) & (s->table_cap - 1)) {
            int32_t e = s->table[slot];
            if (e < 0) break;
            if (s->len[e] == total && !memcmp(s->pool + s->off[e], prefix, plen) &&
                !memcmp(s->pool + s->off[e] + plen, str, n)) {
                *id = e;
                return MLIP_OK;
            }
        }
    }
    if ((size_t)s->n * 2 + 2 > s->table_cap) { /* rehash into a table twice as big */
        size_t ncap = s->table_cap ? s->table_cap * 2 : 1024;
        int32_t *nt = (int32_t *)mlip_alloc_zeroed(ncap, sizeof(int32_t));
        int e;
        if (!nt) return MLIP_ERR_OUT_OF_MEMORY;
        for (i = 0; i < ncap; i++) nt[i] = -1;
        for (e = 0; e < s->n; e++) {
            size_t sl = mlip__tok_hash("", 0, s->pool + s->off[e], s->len[e]) & (ncap - 1);
            while (nt[sl] >= 0) sl = (sl + 1) & (ncap - 1);
            nt[sl] = e;
        }
        mlip_free(s->table);
        s->table = nt;
        s->table_cap = ncap;
    }
    if (s->n >= 0x3FFFFFFF || total > 0xFFFFFFF)
        return mlip__fail(MLIP_ERR_OVERFLOW, "vocab training: too many or too long strings");
    if ((st = mlip__grow((void **)&s->pool, &s->pool_cap, s->pool_len + total + 1, 1)) ||
        (st = mlip__grow((void **)&s->off, &s->off_cap, (size_t)s->n + 1, sizeof(size_t))) ||
        (st = mlip__grow((void **)&s->len, &s->len_cap, (size_t)s->n + 1, sizeof(uint32_t))))
        return st;
    memcpy(s->pool + s->pool_len, prefix, plen);
    memcpy(s->pool + s->pool_len + plen, str, n);
    s->pool[s->pool_len + total] = '\0';
    s->off[s->n] = s->pool_len;
    s->len[s->n] = (uint32_t)total;
    s->pool_len += total + 1;
    for (slot = h & (s->table_cap - 1); s->table[slot] >= 0;
         slot = (slot + 1) & (s->table_cap - 1)) {}
    s->table[slot] = s->n;
    *id = s->n++;
    return MLIP_OK;
}

typedef struct mlip__tok_trainer {
    mlip__tok_strset words; /* distinct pre-tokenized words */
    int64_t *count; /* word id -> occurrences */
    size_t count_cap;
    mlip_status st;
} mlip__tok_trainer;

static void mlip__tok_train_word(void *ctx, const unsigned char *w, int bytes) {
    mlip__tok_trainer *t = (mlip__tok_trainer *)ctx;
    int id, before = t->words.n;
    if (t->st) return;
    if ((t->st = mlip__tok_intern(&t->words, "", 0, (const char *)w, (size_t)bytes, &id))) return;
    if (t->words.n > before) { /* a new word */
        if ((t->st = mlip__grow((void **)&t->count, &t->count_cap, (size_t)t->words.n,
                                sizeof(int64_t))))
            return;
        t->count[id] = 0;
    }
    t->count[id]++;
}

/* Alphabet order, as HF's trainer lists it: word-initial characters by code point (UTF-8
   byte order is code point order), then the "##" continuation characters, also sorted. */
static int mlip__tok_cmp_str(const void *a, const void *b) {
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int cx = x[0] == '#' && x[1] == '#' && x[2], cy = y[0] == '#' && y[1] == '#' && y[2];
    if (cx != cy) return cx - cy;
    return strcmp(x, y);
}

/* mlip_vocab_train, step 1: the corpus's distinct words and their counts, pre-tokenized exactly
   like the tokenizer. */
static mlip_status mlip__vt_count_words(mlip__tok_trainer *t, const char *corpus, size_t len,
                                        int lowercase) {
    mlip_tokenizer dummy;
    mlip__tok_run r;
    int k;
    memset(&dummy, 0, sizeof dummy);
    for (k = 0; k < MLIP__TOK_NSPECIAL; k++) dummy.special[k] = -1;
    dummy.lowercase = lowercase != 0;
    memset(&r, 0, sizeof r);
    r.tok = &dummy;
    r.on_word = mlip__tok_train_word;
    r.ctx = t;
    mlip__tok_text(&r, corpus, len);
    return t->st;
}

/* Step 2: the alphabet (the symbols after the specials) sorted, so the result does not depend
   on corpus order; NULL when out of memory. The names point into syms->pool. */
static const char **mlip__vt_sorted_alphabet(const mlip__tok_strset *syms, int *n_alpha) {
    int k, n = syms->n - MLIP__TOK_NSPECIAL;
    const char **names = (const char **)mlip_alloc_zeroed((size_t)(n > 0 ? n : 1), sizeof(char *));
    if (!names) return NULL;
    for (k = 0; k < n; k++) names[k] = syms->pool + syms->off[MLIP__TOK_NSPECIAL + k];
    qsort(names, (size_t)n, sizeof(char *), mlip__tok_cmp_str);
    *n_alpha = n;
    return names;
}

/* Step 3, one merge: the most frequent pair (ties: the pair whose symbols come first in the
   vocabulary) into best, and its count; 0 when there is no pair. */
static int64_t mlip__vt_best_pair(const mlip__tok_strset *pairs, const int64_t *pcount,
                                  const int *rank, int32_t best[2]) {
    int64_t best_count = 0;
    int k;
    for (k = 0; k < pairs->n; k++) {
        int32_t key[2];
        memcpy(key, pairs->pool + pairs->off[k], sizeof key);
        if (k == 0 || pcount[k] > best_count ||
            (pcount[k] == best_count && (rank[key[0]] < rank[best[0]] ||
                                         (key[0] == best[0] && rank[key[1]] < rank[best[1]])))) {
            memcpy(best, key, sizeof key);
            best_count = pcount[k];
        }
    }
    return best_count;
}

/* The symbol of the merged pair (a, b), a's string then b's without its "##", interned:
   *merged is its id (-1, with MLIP_OK, when it would not fit a word; cannot happen: words are
   <= 100 chars). */
static mlip_status mlip__vt_merge_symbol(mlip__tok_strset *syms, int a, int b, int *merged) {
    char tmp[2 * MLIP__TOK_WORD_BYTES + 4];
    const char *sb = syms->pool + syms->off[b];
    size_t la = syms->len[a], lb = syms->len[b];
    if (lb >= 2 && sb[0] == '#' && sb[1] == '#') {
        sb += 2;
        lb -= 2;
    }
    *merged = -1;
    if (la + lb > sizeof tmp) return MLIP_OK;
    /* the two strings live in syms->pool, which interning may move: copy first */
    memcpy(tmp, syms->pool + syms->off[a], la);
    memcpy(tmp + la, sb, lb);
    return mlip__tok_intern(syms, "", 0, tmp, la + lb, merged);
}

/* The merge (a, b) -> merged applied to every word, left to right, compacting with -1 holes. */
static void mlip__vt_apply_merge(int *seq, const int *wstart, int n_words, int a, int b,
                                 int merged) {
    int w, k;
    size_t i;
    for (w = 0; w < n_words; w++) {
        int o = wstart[w];
        for (k = wstart[w]; k < wstart[w + 1]; k++) {
            if (seq[k] < 0) continue;
            if (seq[k] == a) {
                int nx = k + 1;
                while (nx < wstart[w + 1] && seq[nx] < 0) nx++;
                if (nx < wstart[w + 1] && seq[nx] == b) {
                    seq[o++] = merged;
                    k = nx;
                    continue;
                }
            }
            seq[o++] = seq[k];
        }
        for (i = (size_t)o; i < (size_t)wstart[w + 1]; i++) seq[i] = -1;
    }
}

/* Step 4: the vocabulary file, one token a line; a failed write leaves no truncated file. */
static mlip_status mlip__vt_write(const char *out_path, const mlip__tok_strset *syms,
                                  const int *vocab, int n_vocab) {
    mlip_status st = MLIP_OK;
    int k;
    FILE *f = fopen(out_path, "wb");
    if (!f) return mlip__fail(MLIP_ERR_IO, "cannot create %s", out_path);
    for (k = 0; k < n_vocab; k++) fprintf(f, "%s\n", syms->pool + syms->off[vocab[k]]);
    if (fclose(f)) st = mlip__fail(MLIP_ERR_IO, "error writing %s", out_path);
    if (st) remove(out_path);
    return st;
}

MLIPDEF mlip_status mlip_vocab_train(const char *corpus, size_t len, int vocab_size,
                                     int min_frequency, int lowercase, const char *out_path) {
    mlip__tok_trainer t;
    mlip__tok_strset syms, pairs; /* pairs: 8-byte keys (a, b) interned like strings */
    int *seq = NULL, *wstart = NULL, *vocab = NULL,
        *rank = NULL; /* rank: symbol -> vocab position */
    size_t seq_cap = 0, n_seq = 0, wstart_cap = 0, vocab_cap = 0, rank_cap = 0;
    int64_t *pcount = NULL;
    size_t pcount_cap = 0;
    int n_vocab = 0, w, k, id;
    mlip_status st = MLIP_OK;
    MLIP__CHECK_PTR(out_path);
    if (!corpus && len) return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_vocab_train: corpus is NULL");
    if (vocab_size < MLIP__TOK_NSPECIAL)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_vocab_train: vocab_size must be >= %d (got %d)", MLIP__TOK_NSPECIAL,
                          vocab_size);
    if (min_frequency < 1) min_frequency = 1;
    memset(&t, 0, sizeof t);
    memset(&syms, 0, sizeof syms);
    memset(&pairs, 0, sizeof pairs);
    /* 1. words and their counts */
    if ((st = mlip__vt_count_words(&t, corpus, len, lowercase))) goto done;
    /* 2. specials, then the alphabet (sorted), each word as symbol ids */
    for (k = 0; k < MLIP__TOK_NSPECIAL && !st; k++) {
        st = mlip__tok_intern(&syms, "", 0, mlip__tok_special_names[k],
                              strlen(mlip__tok_special_names[k]), &id);
        if (!st) st = mlip__grow((void **)&vocab, &vocab_cap, (size_t)n_vocab + 1, sizeof(int));
        if (!st) vocab[n_vocab++] = id;
    }
    if (st) goto done;
    for (w = 0; w < t.words.n; w++) {
        const unsigned char *s = (const unsigned char *)t.words.pool + t.words.off[w];
        size_t i = 0, wl = t.words.len[w];
        if ((st = mlip__grow((void **)&wstart, &wstart_cap, (size_t)w + 2, sizeof(int)))) goto done;
        wstart[w] = (int)n_seq;
        while (i < wl) {
            size_t cl = 1;
            while (i + cl < wl && (s[i + cl] & 0xC0) == 0x80) cl++;
            if ((st = mlip__tok_intern(&syms, "##", i ? 2 : 0, (const char *)s + i, cl, &id)) ||
                (st = mlip__grow((void **)&seq, &seq_cap, n_seq + 1, sizeof(int))))
                goto done;
            if (n_seq > 0x7FFFFFF0) {
                st = mlip__fail(MLIP_ERR_OVERFLOW, "mlip_vocab_train: corpus too large");
                goto done;
            }
            seq[n_seq++] = id;
            i += cl;
        }
        wstart[w + 1] = (int)n_seq;
    }
    { /* the alphabet sorted, so the result does not depend on corpus order */
        int n_alpha = 0;
        const char **names = mlip__vt_sorted_alphabet(&syms, &n_alpha);
        if (!names) {
            st = MLIP_ERR_OUT_OF_MEMORY;
            goto done;
        }
        for (k = 0; k < n_alpha && n_vocab < vocab_size && !st; k++) {
            st = mlip__tok_intern(&syms, "", 0, names[k], strlen(names[k]), &id);
            if (!st) st = mlip__grow((void **)&vocab, &vocab_cap, (size_t)n_vocab + 1, sizeof(int));
            if (!st) vocab[n_vocab++] = id;
        }
        mlip_free(names);
        if (st) goto done;
    }
    if ((st = mlip__grow((void **)&rank, &rank_cap, (size_t)syms.n, sizeof(int)))) goto done;
    for (k = 0; k < syms.n; k++) rank[k] = 0x7FFFFFFF;
    for (k = 0; k < n_vocab; k++) rank[vocab[k]] = k;
    /* 3. merges: count every adjacent pair weighted by word frequency, merge the most
       frequent (ties: the pair whose symbols come first in the vocabulary), repeat */
    while (n_vocab < vocab_size) {
        int32_t best[2]; /* the pair merged: best[0] best[1] -> merged */
        int merged;
        mlip__tok_strset_free(&pairs);
        for (w = 0; w < t.words.n; w++)
            for (k = wstart[w]; k + 1 < wstart[w + 1]; k++) {
                int32_t key[2];
                int pid, before = pairs.n;
                key[0] = seq[k];
                key[1] = seq[k + 1];
                if (key[0] < 0 || key[1] < 0) continue;
                if ((st = mlip__tok_intern(&pairs, "", 0, (const char *)key, sizeof key, &pid)) ||
                    (st = mlip__grow((void **)&pcount, &pcount_cap, (size_t)pairs.n,
                                     sizeof(int64_t))))
                    goto done;
                if (pairs.n > before) pcount[pid] = 0; /* a new pair */
                pcount[pid] += t.count[w];
            }
        if (mlip__vt_best_pair(&pairs, pcount, rank, best) < min_frequency) break;
        id = syms.n;
        if ((st = mlip__vt_merge_symbol(&syms, best[0], best[1], &merged))) goto done;
        if (merged < 0) break;
        if (merged == id) { /* a new string: it joins the vocabulary */
            if ((st = mlip__grow((void **)&vocab, &vocab_cap, (size_t)n_vocab + 1, sizeof(int))))
                goto done;
            if ((st = mlip__grow((void **)&rank, &rank_cap, (size_t)syms.n, sizeof(int))))
                goto done;
            rank[merged] = n_vocab;
            vocab[n_vocab++] = merged;
        }
        mlip__vt_apply_merge(seq, wstart, t.words.n, best[0], best[1], merged);
    }
    st = mlip__vt_write(out_path, &syms, vocab, n_vocab); /* 4. */
done:
    mlip__tok_strset_free(&t.words);
    mlip__tok_strset_free(&syms);
    mlip__tok_strset_free(&pairs);
    mlip_free(t.count);
    mlip_free(seq);
    mlip_free(wstart);
    mlip_free(vocab);
    mlip_free(rank);
    mlip_free(pcount);
    return st;
}

/* ---- CLIP's byte-level BPE (open_clip's SimpleTokenizer); see the header comment ---- */
#define MLIP__BPE_MAX_LINE 1024 /* longest merges line accepted (CLIP's longest: 40 bytes) */
#define MLIP__BPE_FIX_ROUNDS 32 /* ftfy repeats its fixes until nothing changes: a bound */
#define MLIP__BPE_N_OTHER 68 /* bytes bytes_to_unicode moves to U+0100.. */
static const char mlip__bpe_sot[] = "<|startoftext|>";
static const char mlip__bpe_eot[] = "<|endoftext|>";

#ifndef MLIP_NO_PNG /* section 13's inflate and CRC-32, for merges files in gzip form */
static void mlip__png_crc_table(uint32_t table[256]);
static uint32_t mlip__png_crc(const uint32_t table[256], uint32_t crc, const unsigned char *p,
                              size_t n);
static uint32_t mlip__png_adler(uint32_t adler, const unsigned char *p, size_t n);
static mlip_status mlip__png_zlib(const unsigned char *in, size_t in_len, unsigned char *out,
                                  size_t out_len);
#endif

/* bytes_to_unicode: the printable Latin-1 bytes stand for themselves, the 68 others for
   U+0100.. in byte order; the vocabulary lists the printable ones first. */
static int mlip__bpe_printable(int b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
}
static uint32_t mlip__bpe_byte_cp(int b) {
    int k, other = 0;
    if (mlip__bpe_printable(b)) return (uint32_t)b;
    for (k = 0; k < b; k++) other += !mlip__bpe_printable(k);
    return 256u + (uint32_t)other;
}
/* The byte a vocabulary code point stands for, or -1. */
static int mlip__bpe_cp_byte(uint32_t cp) {
    int b, other = 0;
    if (cp < 256) return mlip__bpe_printable((int)cp) ? (int)cp : -1;
    for (b = 0; b < 256; b++)
        if (!mlip__bpe_printable(b) && 256u + (uint32_t)other++ == cp) return b;
    return -1;
}

/* ---- Merge pairs: (left id, right id) -> rank and merged id, open addressing ---- */
static uint32_t mlip__bpe_pair_slot(const mlip__tok_bpe *bpe, int32_t a, int32_t b) {
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & bpe->pair_mask;
}
/* Rank of the pair (a, b), or -1 when it is no merge; *merged gets the merged symbol. */
static int32_t mlip__bpe_pair_rank(const mlip__tok_bpe *bpe, int32_t a, int32_t b,
                                   int32_t *merged) {
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    uint32_t slot = mlip__bpe_pair_slot(bpe, a, b);
    for (;; slot = (slot + 1) & bpe->pair_mask) {
        if (bpe->pair_rank[slot] < 0) return -1;
        if (bpe->pair_key[slot] == key) {
            *merged = bpe->pair_id[slot];
            return bpe->pair_rank[slot];
        }
    }
}

static void mlip__bpe_free(mlip__tok_bpe *bpe) {
    if (!bpe) return;
    mlip_free(bpe->merges);
    mlip_free(bpe->pair_key);
    mlip_free(bpe->pair_rank);
    mlip_free(bpe->pair_id);
    mlip_free(bpe);
}

/* ---- Building: merges text -> vocabulary text (one token a line) + pair table ---- */
typedef struct mlip__bpe_line {
    size_t start, space, end; /* [start, end) without the line break; space splits it */
    int number; /* in the file, from 1 */
} mlip__bpe_line;

/* Check one merges line (1-based number `line`) and find its space. */
static mlip_status mlip__bpe_check_line(const char *s, size_t start, size_t end, int line,
                                        mlip__bpe_line *out) {
    size_t i, space = 0, spaces = 0;
    if (end - start > MLIP__BPE_MAX_LINE)
        return mlip__fail(MLIP_ERR_FORMAT, "merges line %d: longer than %d bytes", line,
                          MLIP__BPE_MAX_LINE);
    for (i = start; i < end; i++) {
        if (s[i] == '\0') return mlip__fail(MLIP_ERR_FORMAT, "merges line %d: NUL byte", line);
        if (s[i] == ' ') {
            space = i;
            spaces++;
        }
    }
    if (spaces != 1 || space == start || space + 1 == end)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "merges line %d: want two symbols separated by one space", line);
    out->start = start;
    out->space = space;
    out->end = end;
    out->number = line;
    return MLIP_OK;
}

static int mlip__bpe_contains(const char *s, size_t n, const char *word) {
    size_t i, wl = strlen(word);
    for (i = 0; i + wl <= n; i++)
        if (!memcmp(s + i, word, wl)) return 1;
    return 0;
}

/* Split the merges text into lines: a first line holding "#version" is a header, empty lines
   are allowed only at the end, at most max_merges (> 0) are kept. */
static mlip_status mlip__bpe_lines(const char *s, size_t len, int max_merges,
                                   mlip__bpe_line **lines, int *n_lines) {
    size_t i = 0, cap = 0, n = 0, pending_empty = 0;
    int line = 0;
    *lines = NULL;
    while (i < len && (max_merges <= 0 || n < (size_t)max_merges)) {
        size_t start = i, end;
        const char *nl = (const char *)memchr(s + i, '\n', len - i);
        end = nl ? (size_t)(nl - s) : len;
        i = nl ? end + 1 : len;
        line++;
        if (end > start && s[end - 1] == '\r') end--;
        if (line == 1 && mlip__bpe_contains(s + start, end - start, "#version")) continue;
        if (end == start) {
            pending_empty = (size_t)line;
            continue;
        }
        if (pending_empty)
            return mlip__fail(MLIP_ERR_FORMAT, "merges line %d: empty line among merges",
                              (int)pending_empty);
        if (n >= 0x3FFFFFF) return mlip__fail(MLIP_ERR_FORMAT, "merges: too many lines");
        MLIP__TRY(mlip__grow((void **)lines, &cap, n + 1, sizeof **lines));
        MLIP__TRY(mlip__bpe_check_line(s, start, end, line, *lines + n));
        n++;
    }
    if (n == 0) return mlip__fail(MLIP_ERR_FORMAT, "merges: no merge");
    *n_lines = (int)n;
    return MLIP_OK;
}

/* The byte of vocabulary entry k < 256 (printable bytes first, then the others). */
static int mlip__bpe_byte_at(int k) {
    int b, seen = 0, printable = k < 256 - MLIP__BPE_N_OTHER;
    if (!printable) k -= 256 - MLIP__BPE_N_OTHER;
    for (b = 0; b < 256; b++)
        if (mlip__bpe_printable(b) == printable && seen++ == k) return b;
    return -1;
}

/* The vocabulary as CLIP builds it, one token a line: the 256 byte symbols, the same with
   "</w>", each merge's two symbols joined, then the two special tokens. Also the merges text
   the tokenizer keeps ("a b\n" a line). */
static mlip_status mlip__bpe_texts(const char *s, const mlip__bpe_line *lines, int n, char **vocab,
                                   size_t *vocab_len, char **merges, size_t *merges_len) {
    size_t total = 0, pos = 0, mpos = 0;
    int k;
    *vocab = *merges = NULL;
    for (k = 0; k < n; k++)
        if (mlip_size_add(total, lines[k].end - lines[k].start + 1, &total))
            return MLIP_ERR_OVERFLOW;
    *merges = (char *)mlip_alloc(total + 1);
    if (!*merges) return MLIP_ERR_OUT_OF_MEMORY;
    if (mlip_size_add(total, 512 * 7 + sizeof mlip__bpe_sot + sizeof mlip__bpe_eot, &total))
        return MLIP_ERR_OVERFLOW;
    *vocab = (char *)mlip_alloc(total);
    if (!*vocab) return MLIP_ERR_OUT_OF_MEMORY;
    for (k = 0; k < 512; k++) {
        pos += (size_t)mlip__tok_put_utf8((unsigned char *)*vocab + pos,
                                          mlip__bpe_byte_cp(mlip__bpe_byte_at(k % 256)));
        if (k >= 256) {
            memcpy(*vocab + pos, "</w>", 4);
            pos += 4;
        }
        (*vocab)[pos++] = '\n';
    }
    for (k = 0; k < n; k++) {
        const mlip__bpe_line *l = lines + k;
        size_t a = l->space - l->start, b = l->end - l->space - 1;
        memcpy(*merges + mpos, s + l->start, l->end - l->start);
        mpos += l->end - l->start;
        (*merges)[mpos++] = '\n';
        memcpy(*vocab + pos, s + l->start, a);
        memcpy(*vocab + pos + a, s + l->space + 1, b);
        pos += a + b;
        (*vocab)[pos++] = '\n';
    }
    (*merges)[mpos] = '\0';
    pos += (size_t)sprintf(*vocab + pos, "%s\n%s\n", mlip__bpe_sot, mlip__bpe_eot);
    *vocab_len = pos;
    *merges_len = mpos;
    return MLIP_OK;
}

/* The pair table over the vocabulary's ids; refuses a symbol the vocabulary lacks and a pair
   listed twice. */
static mlip_status mlip__bpe_pairs(mlip_tokenizer *tok, const char *s, const mlip__bpe_line *lines,
                                   int n) {
    mlip__tok_bpe *bpe = tok->bpe;
    size_t cap = 16, i;
    int k;
    while (cap < 2 * (size_t)n) cap *= 2; /* load factor <= 1/2 */
    bpe->pair_key = (uint64_t *)mlip_alloc_zeroed(cap, sizeof(uint64_t));
    bpe->pair_rank = (int32_t *)mlip_alloc_zeroed(cap, sizeof(int32_t));
    bpe->pair_id = (int32_t *)mlip_alloc_zeroed(cap, sizeof(int32_t));
    if (!bpe->pair_key || !bpe->pair_rank || !bpe->pair_id) return MLIP_ERR_OUT_OF_MEMORY;
    bpe->pair_mask = (uint32_t)(cap - 1);
    for (i = 0; i < cap; i++) bpe->pair_rank[i] = -1;
    for (k = 0; k < n; k++) {
        const mlip__bpe_line *l = lines + k;
        size_t la = l->space - l->start, lb = l->end - l->space - 1;
        int32_t a = mlip__tok_find(tok, "", 0, s + l->start, la);
        int32_t b = mlip__tok_find(tok, "", 0, s + l->space + 1, lb);
        uint32_t slot;
        if (a < 0 || b < 0)
            return mlip__fail(MLIP_ERR_FORMAT,
                              "merges line %d: symbol \"%.*s\" is not in the "
                              "vocabulary",
                              l->number, (int)(a < 0 ? la : lb),
                              a < 0 ? s + l->start : s + l->space + 1);
        slot = mlip__bpe_pair_slot(bpe, a, b);
        while (bpe->pair_rank[slot] >= 0) {
            if (bpe->pair_key[slot] == ((uint64_t)(uint32_t)a << 32 | (uint32_t)b))
                return mlip__fail(MLIP_ERR_FORMAT, "merges line %d: the same merge as line %d",
                                  l->number, lines[bpe->pair_rank[slot]].number);
            slot = (slot + 1) & bpe->pair_mask;
        }
        bpe->pair_key[slot] = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
        bpe->pair_rank[slot] = k;
        bpe->pair_id[slot] = mlip__tok_find(tok, s + l->start, la, s + l->space + 1, lb);
    }
    return MLIP_OK;
}

/* Byte symbols and special tokens by id (the last id of a string, as CLIP's dict keeps). */
static void mlip__bpe_ids(mlip_tokenizer *tok) {
    mlip__tok_bpe *bpe = tok->bpe;
    unsigned char u[4];
    int b, k;
    for (b = 0; b < 256; b++) {
        int nu = mlip__tok_put_utf8(u, mlip__bpe_byte_cp(b));
        bpe->byte_id[b] = mlip__tok_find(tok, "", 0, (const char *)u, (size_t)nu);
        bpe->byte_end_id[b] = mlip__tok_find(tok, (const char *)u, (size_t)nu, "</w>", 4);
    }
    bpe->sot = mlip__tok_find(tok, "", 0, mlip__bpe_sot, strlen(mlip__bpe_sot));
    bpe->eot = mlip__tok_find(tok, "", 0, mlip__bpe_eot, strlen(mlip__bpe_eot));
    for (k = 0; k < MLIP__TOK_NSPECIAL; k++) tok->special[k] = -1;
}

MLIPDEF mlip_status mlip_tokenizer_bpe_from_memory(const char *merges, size_t len, int max_merges,
                                                   mlip_tokenizer **out) {
    mlip__bpe_line *lines = NULL;
    char *vocab = NULL, *kept = NULL;
    size_t vocab_len = 0, kept_len = 0;
    mlip_tokenizer *tok = NULL;
    int n = 0;
    mlip_status st;
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(merges);
    st = mlip__bpe_lines(merges, len, max_merges, &lines, &n);
    if (!st) st = mlip__bpe_texts(merges, lines, n, &vocab, &vocab_len, &kept, &kept_len);
    if (!st) st = mlip_tokenizer_from_memory(vocab, vocab_len, 0, &tok);
    if (st) goto fail;
    tok->bpe = (mlip__tok_bpe *)mlip_alloc_zeroed(1, sizeof *tok->bpe);
    if (!tok->bpe) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto fail;
    }
    tok->kind = MLIP__TOK_BPE;
    tok->bpe->merges = kept;
    tok->bpe->merges_len = kept_len;
    kept = NULL;
    st = mlip__bpe_pairs(tok, merges, lines, n);
    if (st) goto fail;
    mlip__bpe_ids(tok);
    *out = tok;
    tok = NULL;
fail:
    mlip_tokenizer_free(tok);
    mlip_free(lines);
    mlip_free(vocab);
    mlip_free(kept);
    return st;
}

/* The last error again, with what in front. */
static mlip_status mlip__bpe_refail(mlip_status st, const char *what) {
    char msg[200];
    size_t l = MLIP__MIN(strlen(mlip_last_error()), sizeof msg - 1);
    memcpy(msg, mlip_last_error(), l);
    msg[l] = '\0';
    return mlip__fail(st, "%s: %s", what, msg);
}

/* ---- gzip (RFC 1952), one member, through section 13's inflate. That inflate reads zlib
   streams and checks their Adler-32, so the deflate data is wrapped as one: a first pass
   gives the bytes, whose Adler-32 then completes the wrapper for the checked pass. ---- */
#ifndef MLIP_NO_PNG
static mlip_status mlip__gz_header(const unsigned char *p, size_t len, size_t *data_start) {
    mlip__cursor c;
    const unsigned char *h;
    uint64_t xlen = 0;
    unsigned flags;
    int k;
    mlip__cursor_init(&c, p, len);
    if (!mlip__cursor_bytes(&c, 10, &h) || h[0] != 0x1F || h[1] != 0x8B || h[2] != 8)
        return mlip__fail(MLIP_ERR_FORMAT, "gzip: not a deflate gzip member");
    flags = h[3];
    if (flags & 0xE0) return mlip__fail(MLIP_ERR_FORMAT, "gzip: reserved header flags set");
    if ((flags & 4) && (!mlip__cursor_uint(&c, 2, &xlen) || !mlip__cursor_bytes(&c, xlen, NULL)))
        return mlip__fail(MLIP_ERR_FORMAT, "gzip: truncated extra field");
    for (k = 8; k <= 16; k += 8) /* file name, then comment: NUL-terminated */
        if (flags & k) {
            const unsigned char *end = (const unsigned char *)memchr(p + c.pos, 0, c.len - c.pos);
            if (!end) return mlip__fail(MLIP_ERR_FORMAT, "gzip: unterminated header string");
            c.pos = (size_t)(end - p) + 1;
        }
    if ((flags & 2) && !mlip__cursor_bytes(&c, 2, NULL))
        return mlip__fail(MLIP_ERR_FORMAT, "gzip: truncated header CRC");
    if (c.len - c.pos < 8) return mlip__fail(MLIP_ERR_FORMAT, "gzip: truncated (no trailer)");
    *data_start = c.pos;
    return MLIP_OK;
}

/* Inflate a gzip file held in p[0..len) into *out (NUL-terminated), CRC-32 and size checked. */
static mlip_status mlip__gz_inflate(const unsigned char *p, size_t len, char **out,
                                    size_t *out_len) {
    unsigned char *z = NULL, *data = NULL;
    uint32_t crc_table[256], size;
    size_t start = 0, dlen;
    mlip_status st;
    *out = NULL;
    MLIP__TRY(mlip__gz_header(p, len, &start));
    dlen = len - 8 - start;
    size = mlip__load32(p + len - 4, 0);
    if ((uint64_t)size > (uint64_t)dlen * 1032u + 1032u) /* deflate's densest code: 1032:1 */
        return mlip__fail(MLIP_ERR_FORMAT, "gzip: size %lu impossible for %lu compressed bytes",
                          (unsigned long)size, (unsigned long)dlen);
    z = (unsigned char *)mlip_alloc(dlen + 6);
    data = (unsigned char *)mlip_alloc((size_t)size + 1);
    if (!z || !data) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto fail;
    }
    z[0] = 0x78; /* zlib: deflate, 32 KB window, no dictionary */
    z[1] = 0x01;
    memcpy(z + 2, p + start, dlen);
    memset(z + 2 + dlen, 0, 4);
    memset(data, 0, (size_t)size + 1);
    if (mlip__png_zlib(z, dlen + 6, data, size) != MLIP_OK) { /* the Adler-32 was a guess */
        uint32_t adler = mlip__png_adler(1, data, size);
        int k;
        for (k = 0; k < 4; k++) z[2 + dlen + k] = (unsigned char)(adler >> (24 - 8 * k));
        st = mlip__png_zlib(z, dlen + 6, data, size);
        if (st) {
            st = mlip__bpe_refail(MLIP_ERR_FORMAT, "gzip: corrupt deflate data, wrong size, or "
                                                   "more than one member; inflate");
            goto fail;
        }
    }
    mlip__png_crc_table(crc_table);
    if (mlip__png_crc(crc_table, 0, data, size) != mlip__load32(p + len - 8, 0)) {
        st = mlip__fail(MLIP_ERR_FORMAT, "gzip: CRC-32 mismatch");
        goto fail;
    }
    data[size] = 0;
    *out = (char *)data;
    *out_len = size;
    data = NULL;
    st = MLIP_OK;
fail:
    mlip_free(z);
    mlip_free(data);
    return st;
}
#endif

MLIPDEF mlip_status mlip_tokenizer_load_bpe(const char *path, int max_merges,
                                            mlip_tokenizer **out) {
    char *data = NULL, *text = NULL;
    size_t len = 0, text_len = 0;
    mlip_status st = MLIP_OK;
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(path);
    MLIP__TRY(mlip__read_file(path, &data, &len));
    if (len >= 2 && (unsigned char)data[0] == 0x1F && (unsigned char)data[1] == 0x8B) {
#ifndef MLIP_NO_PNG
        st = mlip__gz_inflate((const unsigned char *)data, len, &text, &text_len);
#else
        st = mlip__fail(MLIP_ERR_UNSUPPORTED, "%s: gzip needs the inflate MLIP_NO_PNG removes",
                        path);
#endif
    }
    if (!st)
        st = text ? mlip_tokenizer_bpe_from_memory(text, text_len, max_merges, out)
                  : mlip_tokenizer_bpe_from_memory(data, len, max_merges, out);
    if (st) mlip__bpe_refail(st, path);
    mlip_free(data);
    mlip_free(text);
    return st;
}

MLIPDEF int mlip_tokenizer_is_bpe(const mlip_tokenizer *tok) {
    return tok && tok->kind == MLIP__TOK_BPE;
}

MLIPDEF const char *mlip_tokenizer_bpe_merges(const mlip_tokenizer *tok, size_t *len) {
    if (len) *len = mlip_tokenizer_is_bpe(tok) ? tok->bpe->merges_len : 0;
    return mlip_tokenizer_is_bpe(tok) ? tok->bpe->merges : NULL;
}

/* ---- Text cleaning: ftfy.fix_text (the parts listed in the header), html.unescape twice,
   Python's lower(). Each step reads one code-point array and writes another. ---- */
typedef struct mlip__bpe_text {
    uint32_t *cp;
    size_t n, cap;
} mlip__bpe_text;

/* Room for what a step can make of n code points: at most 3 each (a ligature, NFC). */
static mlip_status mlip__bpe_reserve(mlip__bpe_text *t, size_t n) {
    size_t need = 0;
    if (mlip_size_mul(n, 3, &need) || mlip_size_add(need, 4, &need)) return MLIP_ERR_OVERFLOW;
    t->n = 0;
    return mlip__grow((void **)&t->cp, &t->cap, need, sizeof(uint32_t));
}
static void mlip__bpe_put(mlip__bpe_text *t, uint32_t cp) { t->cp[t->n++] = cp; }

/* Windows-1252 for 0x80..0x9F, the five undefined bytes kept (Python's "sloppy" codec and
   html.unescape agree). */
static const uint16_t mlip__bpe_cp1252[32] = {
    0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021, 0x2C6,  0x2030, 0x160,
    0x2039, 0x152,  0x8D,   0x17D,  0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178};

/* html.unescape's value of the numeric reference &#num; (0 code points: dropped). */
static int mlip__bpe_charref(uint32_t num, uint32_t *out) {
    if (num == 0) return *out = 0xFFFD, 1;
    if (num == 0x0D) return *out = 0x0D, 1;
    if (num >= 0x80 && num <= 0x9F) return *out = mlip__bpe_cp1252[num - 0x80], 1;
    if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) return *out = 0xFFFD, 1;
    if ((num >= 0x1 && num <= 0x8) || num == 0xB || (num >= 0xE && num <= 0x1F) || num == 0x7F ||
        (num >= 0xFDD0 && num <= 0xFDEF) || (num & 0xFFFE) == 0xFFFE)
        return 0;
    *out = num;
    return 1;
}

/* The entity called name[0..n) (ASCII) with any of the flags wanted, or NULL. */
static const mlip__tok_entity *mlip__bpe_entity(const uint32_t *name, size_t n, int wanted) {
    char key[33];
    int lo = 0, hi = (int)(sizeof mlip__tok_entities / sizeof mlip__tok_entities[0]) - 1;
    size_t i;
    if (n == 0 || n > 32) return NULL;
    for (i = 0; i < n; i++) {
        if (name[i] >= 0x80) return NULL;
        key[i] = (char)name[i];
    }
    key[n] = '\0';
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(key, mlip__tok_entities[mid].name);
        if (c == 0)
            return (mlip__tok_entities[mid].flags & wanted) ? mlip__tok_entities + mid : NULL;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}
static void mlip__bpe_put_entity(mlip__bpe_text *out, const mlip__tok_entity *e) {
    mlip__bpe_put(out, e->cp[0]);
    if (e->cp[1]) mlip__bpe_put(out, e->cp[1]);
}

static int mlip__bpe_hex(uint32_t c) {
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if ((c | 32) >= 'a' && (c | 32) <= 'f') return (int)((c | 32) - 'a' + 10);
    return -1;
}
/* A decimal (base 10) or hex (base 16) run at s[0..n): its value (saturated above U+10FFFF)
   and length. */
static size_t mlip__bpe_number(const uint32_t *s, size_t n, int base, uint32_t *value) {
    size_t i = 0;
    *value = 0;
    for (; i < n; i++) {
        int d = mlip__bpe_hex(s[i]);
        if (d < 0 || d >= base) break;
        if (*value <= 0x10FFFF) *value = *value * (uint32_t)base + (uint32_t)d;
    }
    return i;
}

/* html.unescape at in[0] == '&': writes the replacement, returns the code points consumed
   (1 and a plain '&' when nothing matches). */
static size_t mlip__bpe_html_ref(const uint32_t *in, size_t n, mlip__bpe_text *out) {
    const mlip__tok_entity *e = NULL;
    uint32_t num = 0, v;
    size_t k = 0, x;
    if (n > 1 && in[1] == '#') {
        int hex = n > 2 && (in[2] == 'x' || in[2] == 'X');
        k = mlip__bpe_number(in + 2 + hex, n - 2 - hex, hex ? 16 : 10, &num);
        if (k == 0) return mlip__bpe_put(out, '&'), 1;
        k += 2 + (size_t)hex;
        if (k < n && in[k] == ';') k++;
        if (mlip__bpe_charref(num, &v)) mlip__bpe_put(out, v);
        return k;
    }
    while (1 + k < n && k < 32 && in[1 + k] != '\t' && in[1 + k] != '\n' && in[1 + k] != '\f' &&
           in[1 + k] != ' ' && in[1 + k] != '<' && in[1 + k] != '&' && in[1 + k] != '#' &&
           in[1 + k] != ';')
        k++;
    if (1 + k < n && in[1 + k] == ';') e = mlip__bpe_entity(in + 1, k, 1);
    if (e) return mlip__bpe_put_entity(out, e), k + 2;
    /* the longest legacy name (no ';') the name starts with, as the standard says */
    for (x = k; x >= 2; x--)
        if ((e = mlip__bpe_entity(in + 1, x, 2)) != NULL)
            return mlip__bpe_put_entity(out, e), x + 1;
    mlip__bpe_put(out, '&');
    return 1;
}
static void mlip__bpe_html_unescape(const uint32_t *in, size_t n, mlip__bpe_text *out) {
    size_t i = 0;
    while (i < n) {
        if (in[i] == '&')
            i += mlip__bpe_html_ref(in + i, n - i, out);
        else
            mlip__bpe_put(out, in[i++]);
    }
}

static int mlip__bpe_is_alnum(uint32_t c) {
    return (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

/* ftfy's unescape_html: "&name;" for the entities it knows (with its upper-case variants) and
   "&#num;" when html.unescape decodes all of it (not to ';'), up to 24 letters or digits. */
static size_t mlip__ftfy_ref(const uint32_t *in, size_t n, mlip__bpe_text *out) {
    size_t j = 1 + (n > 1 && in[1] == '#'), k = j, before = out->n;
    const mlip__tok_entity *e;
    while (k < n && k - j <= 24 && mlip__bpe_is_alnum(in[k])) k++;
    if (k == j || k - j > 24 || k >= n || in[k] != ';') return mlip__bpe_put(out, '&'), 1;
    if (j == 1) {
        if ((e = mlip__bpe_entity(in + 1, k - 1, 1 | 4)) == NULL) return mlip__bpe_put(out, '&'), 1;
        return mlip__bpe_put_entity(out, e), k + 1;
    }
    if (mlip__bpe_html_ref(in, k + 1, out) == k + 1 &&
        !(out->n == before + 1 && out->cp[before] == ';'))
        return k + 1;
    out->n = before; /* html.unescape stopped early or made ';': keep the text */
    mlip__bpe_put(out, '&');
    return 1;
}
static void mlip__ftfy_unescape(const uint32_t *in, size_t n, mlip__bpe_text *out) {
    size_t i = 0;
    while (i < n) {
        if (in[i] == '&')
            i += mlip__ftfy_ref(in + i, n - i, out);
        else
            mlip__bpe_put(out, in[i++]);
    }
}

/* ftfy's fix_latin_ligatures table. */
static const uint16_t mlip__ftfy_ligatures[22][4] = {
    {0x132, 'I', 'J', 0},    {0x133, 'i', 'j', 0},    {0x149, 0x2BC, 'n', 0},
    {0x1C4, 'D', 0x17D, 0},  {0x1C5, 'D', 0x17E, 0},  {0x1C6, 'd', 0x17E, 0},
    {0x1C7, 'L', 'J', 0},    {0x1C8, 'L', 'j', 0},    {0x1C9, 'l', 'j', 0},
    {0x1CA, 'N', 'J', 0},    {0x1CB, 'N', 'j', 0},    {0x1CC, 'n', 'j', 0},
    {0x1F1, 'D', 'Z', 0},    {0x1F2, 'D', 'z', 0},    {0x1F3, 'd', 'z', 0},
    {0xFB00, 'f', 'f', 0},   {0xFB01, 'f', 'i', 0},   {0xFB02, 'f', 'l', 0},
    {0xFB03, 'f', 'f', 'i'}, {0xFB04, 'f', 'f', 'l'}, {0xFB05, 0x17F, 't', 0},
    {0xFB06, 's', 't', 0}};

/* fix_character_width then uncurl_quotes, for one code point. */
static void mlip__ftfy_width_quotes(uint32_t c, mlip__bpe_text *out) {
    int lo = 0, hi = (int)(sizeof mlip__tok_width_map / sizeof mlip__tok_width_map[0]) - 1, k;
    uint32_t w[2] = {c, 0};
    while (c >= 0x3000 && lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < mlip__tok_width_map[mid][0])
            hi = mid - 1;
        else if (c > mlip__tok_width_map[mid][0])
            lo = mid + 1;
        else {
            w[0] = mlip__tok_width_map[mid][1];
            w[1] = mlip__tok_width_map[mid][2];
            break;
        }
    }
    for (k = 0; k < 2 && w[k]; k++) {
        if (w[k] == 0x2BC || (w[k] >= 0x2018 && w[k] <= 0x201B))
            w[k] = '\'';
        else if (w[k] >= 0x201C && w[k] <= 0x201F)
            w[k] = '"';
        mlip__bpe_put(out, w[k]);
    }
}

/* fix_c1_controls, fix_latin_ligatures, fix_character_width, uncurl_quotes: one code point
   at a time, in ftfy's order. */
static void mlip__ftfy_chars(const uint32_t *in, size_t n, mlip__bpe_text *out) {
    size_t i;
    int k, m;
    for (i = 0; i < n; i++) {
        uint32_t c = in[i];
        if (c >= 0x80 && c <= 0x9F) c = mlip__bpe_cp1252[c - 0x80];
        for (k = 0; k < 22 && mlip__ftfy_ligatures[k][0] != c; k++) {}
        if (c < 0x132 || k == 22) {
            mlip__ftfy_width_quotes(c, out);
            continue;
        }
        for (m = 1; m < 4 && mlip__ftfy_ligatures[k][m]; m++)
            mlip__ftfy_width_quotes(mlip__ftfy_ligatures[k][m], out);
    }
}

/* The control characters ftfy's remove_control_chars drops. */
static int mlip__ftfy_is_control(uint32_t c) {
    return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
           (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}
/* fix_line_breaks, remove_terminal_escapes (ESC [ digits/';' letter), remove_control_chars. */
static void mlip__ftfy_breaks(const uint32_t *in, size_t n, mlip__bpe_text *out) {
    size_t i, j;
    for (i = 0; i < n; i++) {
        uint32_t c = in[i];
        if (c == 0x1B && i + 1 < n && in[i + 1] == '[') {
            for (j = i + 2; j < n && ((in[j] >= '0' && in[j] <= '9') || in[j] == ';'); j++) {}
            if (j < n && (in[j] | 32) >= 'a' && (in[j] | 32) <= 'z') {
                i = j;
                continue;
            }
        }
        if (c == '\r' && i + 1 < n && in[i + 1] == '\n') continue; /* the '\n' follows */
        if (c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85)
            mlip__bpe_put(out, '\n');
        else if (!mlip__ftfy_is_control(c))
            mlip__bpe_put(out, c);
    }
}

/* ---- NFC, ftfy's last fix (unicodedata.normalize("NFC"), UAX #15): full canonical
   decomposition, canonical ordering, canonical composition, with the tables above. ---- */
static uint32_t mlip__nfc_ccc(uint32_t cp) {
    int lo = 0, hi = MLIP__TOK_NRANGES(mlip__tok_ccc_ranges) - 1;
    if (cp < 0x300) return 0;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < mlip__tok_ccc_ranges[mid][0])
            hi = mid - 1;
        else if (cp > mlip__tok_ccc_ranges[mid][1] >> 8)
            lo = mid + 1;
        else
            return mlip__tok_ccc_ranges[mid][1] & 0xFFu;
    }
    return 0;
}
#define MLIP__NFC_FIRST(i) (mlip__tok_nfd[i][1] & 0x3FFFFu)
#define MLIP__NFC_SECOND(i) mlip__tok_nfd_second[mlip__tok_nfd[i][1] >> 18]

/* Appends the full canonical decomposition of cp to out (at most 4 code points: the
   generator checks; depth bounds the recursion whatever the table holds). */
static void mlip__nfc_decompose(uint32_t cp, mlip__bpe_text *out, int depth) {
    int lo = 0, hi = MLIP__TOK_NRANGES(mlip__tok_nfd) - 1;
    if (cp >= 0xAC00 && cp <= 0xD7A3) { /* Hangul syllable: L V (T) jamo, Unicode 3.12 */
        uint32_t s = cp - 0xAC00;
        mlip__bpe_put(out, 0x1100 + s / 588);
        mlip__bpe_put(out, 0x1161 + (s % 588) / 28);
        if (s % 28) mlip__bpe_put(out, 0x11A7 + s % 28);
        return;
    }
    while (cp >= 0xC0 && depth < 3 && lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < mlip__tok_nfd[mid][0])
            hi = mid - 1;
        else if (cp > mlip__tok_nfd[mid][0])
            lo = mid + 1;
        else {
            mlip__nfc_decompose(MLIP__NFC_FIRST(mid), out, depth + 1);
            if (MLIP__NFC_SECOND(mid)) mlip__bpe_put(out, MLIP__NFC_SECOND(mid));
            return;
        }
    }
    mlip__bpe_put(out, cp);
}

/* The primary composite of a + b, or 0. */
static uint32_t mlip__nfc_pair(uint32_t a, uint32_t b) {
    int lo = 0, hi = MLIP__TOK_NRANGES(mlip__tok_nfc_pairs) - 1;
    if (a >= 0x1100 && a <= 0x1112 && b >= 0x1161 && b <= 0x1175)
        return 0xAC00 + ((a - 0x1100) * 21 + (b - 0x1161)) * 28;
    if (a >= 0xAC00 && a <= 0xD7A3 && (a - 0xAC00) % 28 == 0 && b >= 0x11A8 && b <= 0x11C2)
        return a + (b - 0x11A7);
    if (b < 0x300) return 0;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, k = mlip__tok_nfc_pairs[mid];
        uint32_t x = MLIP__NFC_FIRST(k), y = MLIP__NFC_SECOND(k);
        if (a < x || (a == x && b < y))
            hi = mid - 1;
        else if (a > x || b > y)
            lo = mid + 1;
        else
            return mlip__tok_nfd[k][0];
    }
    return 0;
}

/* Canonical ordering: each run of non-starters in t[0..n) stably sorted by combining class
   (insertion for short runs, counting sort through scratch[] (n long) for long ones). */
static void mlip__nfc_order(uint32_t *t, size_t n, uint32_t *scratch) {
    size_t i = 0, j, k, count[257];
    while (i < n) {
        if (!mlip__nfc_ccc(t[i])) {
            i++;
            continue;
        }
        for (j = i + 1; j < n && mlip__nfc_ccc(t[j]); j++) {}
        if (j - i <= 16) {
            for (k = i + 1; k < j; k++) {
                uint32_t c = t[k], cc = mlip__nfc_ccc(c);
                size_t m = k;
                for (; m > i && mlip__nfc_ccc(t[m - 1]) > cc; m--) t[m] = t[m - 1];
                t[m] = c;
            }
        } else {
            memset(count, 0, sizeof count);
            for (k = i; k < j; k++) count[mlip__nfc_ccc(t[k]) + 1]++;
            for (k = 1; k < 257; k++) count[k] += count[k - 1];
            for (k = i; k < j; k++) scratch[count[mlip__nfc_ccc(t[k])]++] = t[k];
            memcpy(t + i, scratch, (j - i) * sizeof(uint32_t));
        }
        i = j;
    }
}

/* Canonical composition of t[0..n) in place; returns the new length. */
static size_t mlip__nfc_compose(uint32_t *t, size_t n) {
    size_t i, o = 0, starter = 0;
    uint32_t last = 0, comp;
    int have = 0; /* a starter seen: t[starter] */
    for (i = 0; i < n; i++) {
        uint32_t c = t[i], cls = mlip__nfc_ccc(c);
        if (have && (last == 0 || last < cls) && (comp = mlip__nfc_pair(t[starter], c)) != 0) {
            t[starter] = comp;
            continue;
        }
        if (cls == 0) starter = o, have = 1;
        last = cls;
        t[o++] = c;
    }
    return o;
}

/* unicodedata.normalize("NFC") of w[0], through w[1]. Code points below U+0300 are NFC and
   compose with nothing before them: text of those alone (ASCII, Latin-1) is left as it is. */
static mlip_status mlip__ftfy_nfc(mlip__bpe_text w[2]) {
    size_t i, from, need = 0;
    mlip__bpe_text t;
    for (i = 0; i < w[0].n && w[0].cp[i] < 0x300; i++) {}
    if (i == w[0].n) return MLIP_OK;
    from = i ? i - 1 : 0; /* the code point before may compose with it */
    if (mlip_size_mul(w[0].n, 4, &need) || mlip_size_add(need, 4, &need)) return MLIP_ERR_OVERFLOW;
    MLIP__TRY(mlip__grow((void **)&w[1].cp, &w[1].cap, need, sizeof(uint32_t)));
    if (from) memcpy(w[1].cp, w[0].cp, from * sizeof(uint32_t));
    w[1].n = from;
    for (i = from; i < w[0].n; i++) mlip__nfc_decompose(w[0].cp[i], &w[1], 0);
    MLIP__TRY(mlip__grow((void **)&w[0].cp, &w[0].cap, w[1].n, sizeof(uint32_t)));
    mlip__nfc_order(w[1].cp + from, w[1].n - from, w[0].cp);
    w[1].n = from + mlip__nfc_compose(w[1].cp + from, w[1].n - from);
    t = w[0];
    w[0] = w[1];
    w[1] = t;
    return MLIP_OK;
}

typedef void (*mlip__bpe_step)(const uint32_t *in, size_t n, mlip__bpe_text *out);

/* One step from w[0] into w[1], then w[1] becomes w[0]. */
static mlip_status mlip__bpe_apply(mlip__bpe_step step, mlip__bpe_text w[2]) {
    mlip__bpe_text t;
    MLIP__TRY(mlip__bpe_reserve(&w[1], w[0].n));
    step(w[0].cp, w[0].n, &w[1]);
    t = w[0];
    w[0] = w[1];
    w[1] = t;
    return MLIP_OK;
}

/* ftfy.fix_text on one segment (a line with its '\n') in w[0]: the fixes again and again
   until nothing changes. prev is scratch. */
static mlip_status mlip__ftfy_segment(mlip__bpe_text w[2], mlip__bpe_text *prev, int entities) {
    int round;
    for (round = 0; round < MLIP__BPE_FIX_ROUNDS; round++) {
        MLIP__TRY(mlip__bpe_reserve(prev, w[0].n));
        memcpy(prev->cp, w[0].cp, w[0].n * sizeof(uint32_t));
        prev->n = w[0].n;
        if (entities) MLIP__TRY(mlip__bpe_apply(mlip__ftfy_unescape, w));
        MLIP__TRY(mlip__bpe_apply(mlip__ftfy_chars, w));
        MLIP__TRY(mlip__bpe_apply(mlip__ftfy_breaks, w));
        MLIP__TRY(mlip__ftfy_nfc(w));
        if (w[0].n == prev->n && !memcmp(w[0].cp, prev->cp, w[0].n * sizeof(uint32_t))) break;
    }
    return MLIP_OK;
}

/* ftfy.fix_text line by line into *out: its unescape_html is "auto", off from the first line
   holding a '<' on. */
static mlip_status mlip__ftfy_text(const uint32_t *in, size_t n, mlip__bpe_text w[2],
                                   mlip__bpe_text *prev, mlip__bpe_text *out) {
    size_t i = 0, end, total = 0;
    int entities = 1;
    out->n = 0;
    while (i < n) {
        for (end = i; end < n && in[end] != '\n'; end++)
            if (in[end] == '<') entities = 0;
        end += end < n; /* with its '\n' */
        MLIP__TRY(mlip__bpe_reserve(&w[0], end - i));
        memcpy(w[0].cp, in + i, (end - i) * sizeof(uint32_t));
        w[0].n = end - i;
        MLIP__TRY(mlip__ftfy_segment(w, prev, entities));
        if (mlip_size_add(total, w[0].n, &total)) return MLIP_ERR_OVERFLOW;
        MLIP__TRY(mlip__grow((void **)&out->cp, &out->cap, total, sizeof(uint32_t)));
        if (w[0].n) memcpy(out->cp + out->n, w[0].cp, w[0].n * sizeof(uint32_t));
        out->n = total;
        i = end;
    }
    return MLIP_OK;
}

/* Python's str.lower: full mappings (U+0130 -> "i" U+0307) and the final sigma. */
static uint32_t mlip__bpe_lower_cp(uint32_t c) {
    int lo = 0, hi = (int)(sizeof mlip__tok_lower_keys / sizeof mlip__tok_lower_keys[0]) - 1;
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c < mlip__tok_lower_keys[mid])
            hi = mid - 1;
        else if (c > mlip__tok_lower_keys[mid])
            lo = mid + 1;
        else
            return mlip__tok_lower_vals[mid];
    }
    return c;
}
static int mlip__bpe_final_sigma(const uint32_t *in, size_t n, size_t i) {
    size_t j = i, k = i + 1;
    while (j > 0 && mlip__tok_is_ignorable(in[j - 1])) j--;
    if (j == 0 || !mlip__tok_is_cased(in[j - 1])) return 0;
    while (k < n && mlip__tok_is_ignorable(in[k])) k++;
    return k == n || !mlip__tok_is_cased(in[k]);
}
static void mlip__bpe_lower(const uint32_t *in, size_t n, mlip__bpe_text *out) {
    size_t i;
    for (i = 0; i < n; i++) {
        if (in[i] == 0x130) {
            mlip__bpe_put(out, 'i');
            mlip__bpe_put(out, 0x307);
        } else if (in[i] == 0x3A3) {
            mlip__bpe_put(out, mlip__bpe_final_sigma(in, n, i) ? 0x3C2 : 0x3C3);
        } else {
            mlip__bpe_put(out, mlip__bpe_lower_cp(in[i]));
        }
    }
}

/* ---- Pre-tokenizer (CLIP's regex) and BPE ---- */
static int mlip__bpe_is_letter(uint32_t c) {
    if (c < 0x80) return (c | 32) >= 'a' && (c | 32) <= 'z';
    return mlip__tok_in_ranges(mlip__tok_letter_ranges, MLIP__TOK_NRANGES(mlip__tok_letter_ranges),
                               c);
}
static int mlip__bpe_is_number(uint32_t c) {
    if (c < 0x80) return c >= '0' && c <= '9';
    return mlip__tok_in_ranges(mlip__tok_number_ranges, MLIP__TOK_NRANGES(mlip__tok_number_ranges),
                               c);
}
/* The regex module's \s (Unicode White_Space). */
static int mlip__bpe_is_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}
/* Matched by no branch of the case-insensitive regex: whitespace, and U+0345, a mark whose
   case folding is a letter, so [^\s\p{L}\p{N}] refuses it as much as \p{L} does. */
static int mlip__bpe_is_gap(uint32_t c) { return c == 0x345 || mlip__bpe_is_space(c); }

/* Does s[0..n) start with the ASCII word w, ignoring case as the regex does (after lower()
   that leaves U+017F, long s, matching 's')? */
static int mlip__bpe_starts(const uint32_t *s, size_t n, const char *w) {
    size_t i, wl = strlen(w);
    if (n < wl) return 0;
    for (i = 0; i < wl; i++)
        if (s[i] != (unsigned char)w[i] && !(w[i] == 's' && s[i] == 0x17F)) return 0;
    return 1;
}
/* Length of the token the regex finds at s[0] (0: s[0] is skipped). */
static size_t mlip__bpe_match(const uint32_t *s, size_t n, int *special) {
    static const char *const contractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    size_t j = 1;
    int k;
    *special = -1;
    if (mlip__bpe_starts(s, n, mlip__bpe_sot)) return *special = 0, strlen(mlip__bpe_sot);
    if (mlip__bpe_starts(s, n, mlip__bpe_eot)) return *special = 1, strlen(mlip__bpe_eot);
    for (k = 0; s[0] == '\'' && k < 7; k++)
        if (mlip__bpe_starts(s, n, contractions[k])) return strlen(contractions[k]);
    if (mlip__bpe_is_letter(s[0])) {
        while (j < n && mlip__bpe_is_letter(s[j])) j++;
        return j;
    }
    if (mlip__bpe_is_number(s[0])) return 1;
    if (mlip__bpe_is_gap(s[0])) return 0;
    while (j < n && !mlip__bpe_is_gap(s[j]) && !mlip__bpe_is_letter(s[j]) &&
           !mlip__bpe_is_number(s[j]))
        j++;
    return j;
}

/* Merge every (first, second) in sym[0..n) left to right; returns the new length. */
static int mlip__bpe_merge_all(int32_t *sym, int n, int32_t first, int32_t second, int32_t merged) {
    int i = 0, o = 0;
    while (i < n) {
        if (i + 1 < n && sym[i] == first && sym[i + 1] == second) {
            sym[o++] = merged;
            i += 2;
        } else {
            sym[o++] = sym[i++];
        }
    }
    return o;
}

/* BPE of one pre-token's bytes, as CLIP does it: the pair of lowest rank is merged everywhere,
   again until no pair is a merge. sym has room for nb ids. */
static void mlip__bpe_word(const mlip__tok_bpe *bpe, const unsigned char *b, int nb, int32_t *sym,
                           mlip__tok_run *r) {
    int n = nb, k;
    for (k = 0; k < nb; k++) sym[k] = k + 1 < nb ? bpe->byte_id[b[k]] : bpe->byte_end_id[b[k]];
    while (n > 1) {
        int32_t best = -1, first = 0, second = 0, merged = 0, m = 0, rank;
        for (k = 0; k + 1 < n; k++) {
            rank = mlip__bpe_pair_rank(bpe, sym[k], sym[k + 1], &m);
            if (rank >= 0 && (best < 0 || rank < best)) {
                best = rank;
                first = sym[k];
                second = sym[k + 1];
                merged = m;
            }
        }
        if (best < 0) break;
        n = mlip__bpe_merge_all(sym, n, first, second, merged);
    }
    for (k = 0; k < n; k++) mlip__tok_emit(r, sym[k]);
}

/* The buffers of one call: the decoded text, ftfy's result, two for the steps, scratch. */
typedef struct mlip__bpe_work {
    mlip__bpe_text in, fixed, w[2], prev;
} mlip__bpe_work;
static void mlip__bpe_work_free(mlip__bpe_work *k) {
    mlip_free(k->in.cp);
    mlip_free(k->fixed.cp);
    mlip_free(k->w[0].cp);
    mlip_free(k->w[1].cp);
    mlip_free(k->prev.cp);
}

/* Python's bytes.decode("utf-8", "replace"): like mlip__tok_utf8, but the longest start of a
   well-formed sequence becomes one U+FFFD, not one per byte. */
static size_t mlip__bpe_utf8(const unsigned char *s, size_t n, uint32_t *cp) {
    size_t used = mlip__tok_utf8(s, n, cp), k = 1;
    unsigned lo = 0x80, hi = 0xBF;
    if (*cp != 0xFFFD || used != 1 || s[0] < 0xE0 || s[0] > 0xF4) return used;
    if (s[0] == 0xE0) lo = 0xA0;
    if (s[0] == 0xED) hi = 0x9F;
    if (s[0] == 0xF0) lo = 0x90;
    if (s[0] == 0xF4) hi = 0x8F;
    if (n > 1 && s[1] >= lo && s[1] <= hi) k = 2;
    if (k == 2 && s[0] >= 0xF0 && n > 2 && (s[2] & 0xC0) == 0x80) k = 3;
    return k;
}

/* Text -> the cleaned, lower-cased code points CLIP's regex sees, in k->w[0]. */
static mlip_status mlip__bpe_clean(const char *text, size_t len, mlip__bpe_work *k) {
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    MLIP__TRY(mlip__bpe_reserve(&k->in, len));
    while (i < len) i += mlip__bpe_utf8(s + i, len - i, &k->in.cp[k->in.n++]);
    MLIP__TRY(mlip__ftfy_text(k->in.cp, k->in.n, k->w, &k->prev, &k->fixed));
    MLIP__TRY(mlip__bpe_reserve(&k->w[0], k->fixed.n));
    if (k->fixed.n) memcpy(k->w[0].cp, k->fixed.cp, k->fixed.n * sizeof(uint32_t));
    k->w[0].n = k->fixed.n;
    MLIP__TRY(mlip__bpe_apply(mlip__bpe_html_unescape, k->w));
    MLIP__TRY(mlip__bpe_apply(mlip__bpe_html_unescape, k->w));
    return mlip__bpe_apply(mlip__bpe_lower, k->w);
}

/* Clean, lower-case, split and BPE text into r (ids written while r->n < r->cap). Strip and
   whitespace_clean need no step: whitespace only ever separates tokens. */
static mlip_status mlip__bpe_run(const mlip_tokenizer *tok, const char *text, size_t len,
                                 mlip__tok_run *r) {
    mlip__bpe_work k;
    unsigned char *bytes = NULL;
    int32_t *sym = NULL;
    size_t i = 0, j, m, room = 0;
    int special;
    mlip_status st;
    memset(&k, 0, sizeof k);
    st = mlip__bpe_clean(text, len, &k);
    if (!st && (mlip_size_mul(k.w[0].n, 4, &room) || mlip_size_add(room, 4, &room)))
        st = MLIP_ERR_OVERFLOW;
    if (!st) {
        bytes = (unsigned char *)mlip_alloc(room);
        sym = (int32_t *)mlip_alloc_zeroed(room, sizeof(int32_t));
        if (!bytes || !sym) st = MLIP_ERR_OUT_OF_MEMORY;
    }
    while (!st && i < k.w[0].n) {
        const uint32_t *t = k.w[0].cp + i;
        size_t nb = 0;
        m = mlip__bpe_match(t, k.w[0].n - i, &special);
        if (special >= 0) {
            mlip__tok_emit(r, special ? tok->bpe->eot : tok->bpe->sot);
        } else if (m > 0) {
            for (j = 0; j < m; j++) nb += (size_t)mlip__tok_put_utf8(bytes + nb, t[j]);
            if (nb > 0x7FFFFFFF) {
                st = mlip__fail(MLIP_ERR_OVERFLOW, "tokenizer: a word of %lu bytes",
                                (unsigned long)nb);
                break;
            }
            mlip__bpe_word(tok->bpe, bytes, (int)nb, sym, r);
        }
        i += m ? m : 1;
    }
    mlip__bpe_work_free(&k);
    mlip_free(bytes);
    mlip_free(sym);
    return st;
}

static mlip_status mlip__bpe_tokenize(const mlip_tokenizer *tok, const char *text, size_t len,
                                      int *ids, int cap, int *n_out) {
    mlip__tok_run r;
    memset(&r, 0, sizeof r);
    r.ids = ids;
    r.cap = cap;
    MLIP__TRY(mlip__bpe_run(tok, text, len, &r));
    *n_out = r.n;
    return MLIP_OK;
}

/* open_clip's tokenize(): [sot] ids [eot], cut to max_len keeping eot last, padded with 0. */
static mlip_status mlip__bpe_encode(const mlip_tokenizer *tok, const char *text, size_t len,
                                    int max_len, int *ids, uint8_t *mask, int *n_out) {
    mlip__tok_run r;
    int i, n;
    memset(&r, 0, sizeof r);
    r.ids = ids + 1;
    r.cap = max_len - 2;
    MLIP__TRY(mlip__bpe_run(tok, text, len, &r));
    n = r.n < max_len - 2 ? r.n : max_len - 2;
    ids[0] = tok->bpe->sot;
    ids[n + 1] = tok->bpe->eot;
    for (i = n + 2; i < max_len; i++) ids[i] = 0;
    if (mask)
        for (i = 0; i < max_len; i++) mask[i] = (uint8_t)(i < n + 2);
    if (n_out) *n_out = n + 2;
    return MLIP_OK;
}

/* The bytes of ids' tokens, each vocabulary code point back to its byte. */
static size_t mlip__bpe_bytes(const mlip_tokenizer *tok, const int *ids, int n, int skip_special,
                              unsigned char *out) {
    size_t pos = 0, i;
    int k;
    for (k = 0; k < n; k++) {
        const unsigned char *t = (const unsigned char *)tok->text + tok->offset[ids[k]];
        size_t tl = tok->length[ids[k]];
        if (skip_special && (ids[k] == tok->bpe->sot || ids[k] == tok->bpe->eot)) continue;
        for (i = 0; i < tl;) {
            uint32_t cp;
            int b;
            i += mlip__tok_utf8(t + i, tl - i, &cp);
            b = mlip__bpe_cp_byte(cp);
            out[pos++] = (unsigned char)(b >= 0 ? b : '?');
        }
    }
    return pos;
}

/* SimpleTokenizer.decode: bytes -> UTF-8 (ill-formed parts: U+FFFD) -> "</w>" as a space. */
static mlip_status mlip__bpe_decode(const mlip_tokenizer *tok, const int *ids, int n,
                                    int skip_special, char *buf, size_t cap, size_t *len_out) {
    size_t total = 0, nb, i = 0, pos = 0, room = 0;
    unsigned char *raw, *txt;
    int k;
    for (k = 0; k < n; k++)
        if (mlip_size_add(total, tok->length[ids[k]], &total)) return MLIP_ERR_OVERFLOW;
    if (mlip_size_mul(total, 3, &room) || mlip_size_add(room, 1, &room)) return MLIP_ERR_OVERFLOW;
    raw = (unsigned char *)mlip_alloc(total + 1);
    txt = (unsigned char *)mlip_alloc(room);
    if (!raw || !txt) {
        mlip_free(raw);
        mlip_free(txt);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    nb = mlip__bpe_bytes(tok, ids, n, skip_special, raw);
    while (i < nb) {
        uint32_t cp;
        i += mlip__bpe_utf8(raw + i, nb - i, &cp);
        if (cp != '>' || pos < 3 || memcmp(txt + pos - 3, "</w", 3)) {
            pos += (size_t)mlip__tok_put_utf8(txt + pos, cp);
        } else {
            pos -= 3;
            txt[pos++] = ' ';
        }
    }
    if (cap > 0) {
        size_t c = pos < cap - 1 ? pos : cap - 1;
        memcpy(buf, txt, c);
        buf[c] = '\0';
    }
    if (len_out) *len_out = pos;
    mlip_free(raw);
    mlip_free(txt);
    return MLIP_OK;
}

/* ======================================================================================
   7. Model
   ====================================================================================== */
/* (section 7 implementation) */

/* A loaded model may run on a memory-mapped file (section 12 maps it, the model unmaps it). */
#if !defined(MLIP_NO_MMAP) && (defined(__unix__) || defined(__APPLE__))
#define MLIP__MMAP 1
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

/* Limits of the .mlip file (section 12) the model keeps to: keys, and bytes of a name. */
#define MLIP__FMT_MAX_KV 4096u
#define MLIP__FMT_MAX_NAME 255u
#define MLIP__MODEL_N_EXTRA 12 /* an MLIP model's tensors besides the encoders' */
#define MLIP__MODEL_MAX_EXTRA 14 /* ... and the two MLP heads' hidden layers */

MLIPDEF mlip_model_config mlip_model_config_tiny(int vocab_size) {
    mlip_model_config c;
    int i;
    memset(&c, 0, sizeof c);
    c.vit = mlip_vit_config_tiny();
    c.bert = mlip_bert_config_tiny(vocab_size);
    c.embed_dim = 128;
    for (i = 0; i < 4; i++) {
        c.image_mean[i] = 0.5f;
        c.image_std[i] = 0.5f;
    }
    c.lowercase = 1;
    return c;
}
MLIPDEF mlip_model_config mlip_model_config_small(int vocab_size) {
    mlip_model_config c = mlip_model_config_tiny(vocab_size);
    c.vit = mlip_vit_config_small();
    c.bert = mlip_bert_config_small(vocab_size);
    c.embed_dim = 256;
    return c;
}
MLIPDEF mlip_model_config mlip_model_config_base(void) {
    mlip_model_config c = mlip_model_config_tiny(30522);
    c.vit = mlip_vit_config_base();
    c.bert = mlip_bert_config_base();
    c.embed_dim = 512;
    return c;
}

struct mlip_model {
    mlip_model_config config;
    mlip_encoder *vit, *bert;
    mlip_param_info extra_info[MLIP__MODEL_MAX_EXTRA]; /* heads, logit scales, SIE */
    int extra_slot[MLIP__MODEL_MAX_EXTRA]; /* the slot (mlip__model_extra_name) of each */
    int n_x; /* how many of the slots this model has */
    float *extra;
    size_t n_extra;
    unsigned char *stored; /* per tensor: the dtype it had in the file */
    mlip_param_info *train_info; /* "train." tensors: training state a checkpoint carries */
    float **train_data;
    int n_train;
    char *vocab; /* tokens, each followed by '\n' */
    size_t vocab_len;
    int vocab_n;
    char **meta; /* 2 * n_meta strings: key, value, ... */
    int n_meta;
    void *map; /* what the encoders may run on: an mmap, or an owned copy */
    size_t map_len;
    int map_kind; /* 0 none / caller's buffer, 1 mmap, 2 mlip_alloc'ed */
    int mapped; /* encoders use the loaded bytes in place */
};

/* File name of extra-tensor slot i: the four heads' weight and bias (global/local x
   image/text), the two logit scales, the SIE query and bias; then the MLP heads' hidden
   layers. An MLIP model has slots 0-11; other kinds a subset (mlip__model_extra_present). */
static void mlip__model_extra_name(int i, char *name, size_t cap) {
    static const char *const rest[6] = {"logit_scale",
                                        "local_logit_scale",
                                        "sie.query",
                                        "sie.bias",
                                        "head.global_image.hidden.weight",
                                        "head.global_text.hidden.weight"};
    if (i < 8)
        snprintf(name, cap, "head.%s_%s.%s", i < 4 ? "global" : "local",
                 (i / 2) % 2 ? "text" : "image", i % 2 ? "bias" : "weight");
    else
        snprintf(name, cap, "%s", rest[i - 8]);
}

static int mlip__model_extra_present(const mlip_model_config *c, int i) {
    int mlip = c->kind == MLIP_MODEL_MLIP, text = c->bert.layers > 0;
    if (i < 4) /* global heads */
        return i < 2 ? c->image_head != MLIP_HEAD_NONE : text && c->text_head != MLIP_HEAD_NONE;
    if (i == 8) return text;
    if (i == 12) return c->image_head == MLIP_HEAD_MLP;
    if (i == 13) return text && c->text_head == MLIP_HEAD_MLP;
    return mlip && (text || i % 4 < 2 || i > 8); /* local heads, local scale, SIE */
}

/* Shape of slot i: heads (D, width or H) and (D), scalars, SIE (Wv) and (K), hidden (H, width). */
static void mlip__model_extra_shape(const mlip_model_config *c, int i, mlip_param_info *p) {
    int D = c->embed_dim, Wv = c->vit.width, Wt = c->bert.width;
    int text = i < 8 && (i / 2) % 2,
        mlp = i < 2 ? c->image_head == MLIP_HEAD_MLP : i < 4 && c->text_head == MLIP_HEAD_MLP;
    p->ndim = i < 8 ? 2 - i % 2 : i < 10 ? 0 : i < 12 ? 1 : 2;
    if (i < 8) {
        p->shape[0] = D;
        p->shape[1] = mlp ? (text ? c->text_head_hidden : c->image_head_hidden) : text ? Wt : Wv;
    } else if (i < 12) {
        p->shape[0] =
            i == 10 ? Wv
                    : mlip__patch_count(c->vit.image_size, c->vit.image_size, c->vit.patch_size);
    } else {
        p->shape[0] = i == 12 ? c->image_head_hidden : c->text_head_hidden;
        p->shape[1] = i == 12 ? Wv : Wt;
    }
    p->decay = p->ndim == 2;
}

static void mlip__model_extra_layout(mlip_model *m) {
    int i;
    size_t off = 0;
    m->n_x = 0;
    for (i = 0; i < MLIP__MODEL_MAX_EXTRA; i++) {
        mlip_param_info *p = &m->extra_info[m->n_x];
        if (!mlip__model_extra_present(&m->config, i)) continue;
        memset(p, 0, sizeof *p);
        mlip__model_extra_name(i, p->name, sizeof p->name);
        mlip__model_extra_shape(&m->config, i, p);
        p->count =
            (size_t)(p->ndim >= 1 ? p->shape[0] : 1) * (size_t)(p->ndim == 2 ? p->shape[1] : 1);
        p->offset = off;
        off += (p->count + 15) / 16 * 16;
        m->extra_slot[m->n_x++] = i;
    }
    m->n_extra = off;
}

/* The floats of extra-tensor slot i, or NULL when this model has none. */
static float *mlip__model_extra(const mlip_model *m, int slot) {
    int i;
    for (i = 0; i < m->n_x; i++)
        if (m->extra_slot[i] == slot) return m->extra + m->extra_info[i].offset;
    return NULL;
}

/* Parameters of an encoder that may be absent (an image-only model has no text encoder). */
static int mlip__n_params(const mlip_encoder *e) { return e ? e->n_params : 0; }

MLIPDEF void mlip_model_free(mlip_model *m) {
    int i;
    if (!m) return;
    mlip_encoder_free(m->vit);
    mlip_encoder_free(m->bert);
    mlip_free(m->extra);
    mlip_free(m->stored);
    mlip_free(m->vocab);
    for (i = 0; i < m->n_train; i++) mlip_free(m->train_data[i]);
    mlip_free(m->train_info);
    mlip_free(m->train_data);
    for (i = 0; i < 2 * m->n_meta; i++) mlip_free(m->meta[i]);
    mlip_free(m->meta);
#ifdef MLIP__MMAP
    if (m->map_kind == 1) munmap(m->map, m->map_len);
#endif
    if (m->map_kind == 2) mlip_free(m->map);
    mlip_free(m);
}

static mlip_status mlip__model_check_config(const mlip_model_config *c) {
    if (c->embed_dim <= 0 || c->embed_dim > (1 << 20))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "model config: embed_dim %d must be in 1..2^20",
                          c->embed_dim);
    if (c->vit.patch_size <= 0 || c->vit.image_size <= 0 || c->vit.image_size % c->vit.patch_size ||
        c->vit.image_size > 65536 || c->vit.channels < 1 || c->vit.channels > 4)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "model config: vit image %d, patch %d, channels %d",
                          c->vit.image_size, c->vit.patch_size, c->vit.channels);
    if ((unsigned)c->kind > MLIP_MODEL_CLIP || (unsigned)c->image_head > MLIP_HEAD_NONE ||
        (unsigned)c->text_head > MLIP_HEAD_NONE || (unsigned)c->tokenizer_bpe > 1 ||
        c->bert.layers < 0 || (c->bert.layers == 0 && c->kind == MLIP_MODEL_MLIP))
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "model config: kind %d, heads %d/%d, tokenizer_bpe %d, text layers %d "
                          "(an MLIP model has a text encoder)",
                          (int)c->kind, (int)c->image_head, (int)c->text_head, c->tokenizer_bpe,
                          c->bert.layers);
    if ((c->image_head == MLIP_HEAD_MLP &&
         (c->image_head_hidden <= 0 || c->image_head_hidden > (1 << 20))) ||
        (c->text_head == MLIP_HEAD_MLP &&
         (c->text_head_hidden <= 0 || c->text_head_hidden > (1 << 20))))
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "model config: an MLP head needs a hidden width in 1..2^20");
    if ((c->image_head == MLIP_HEAD_NONE && c->embed_dim != c->vit.width) ||
        (c->text_head == MLIP_HEAD_NONE && c->bert.layers > 0 && c->embed_dim != c->bert.width))
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "model config: without a head the embedding is the encoder's width %d, "
                          "not embed_dim %d",
                          c->image_head == MLIP_HEAD_NONE ? c->vit.width : c->bert.width,
                          c->embed_dim);
    if (c->context_length < 0 || (c->bert.layers > 0 && c->context_length > c->bert.max_positions))
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "model config: context_length %d outside [0, %d positions]",
                          c->context_length, c->bert.max_positions);
    return MLIP_OK;
}

/* 1 when every architecture switch is at MLIP's own setting (what the trainer implements). */
static int mlip__model_is_mlip(const mlip_model_config *c) {
    const mlip_vit_config *v = &c->vit;
    return c->kind == MLIP_MODEL_MLIP && c->image_head == MLIP_HEAD_LINEAR &&
           c->text_head == MLIP_HEAD_LINEAR && !v->gelu && !v->pre_norm && !v->pool &&
           !v->fc_norm && c->bert.kind == MLIP_TEXT_BERT && !c->bert.gelu;
}

/* Both logit scales (where the model has them) at log(1 / 0.07), CLIP's initial temperature. */
static void mlip__model_init_logit_scales(mlip_model *m) {
    int i;
    for (i = 8; i < 10; i++) {
        float *x = mlip__model_extra(m, i);
        if (x) *x = (float)log(1.0 / 0.07);
    }
}

MLIPDEF mlip_status mlip_model_create(const mlip_model_config *config, mlip_model **out) {
    mlip_model *m;
    mlip_status st;
    MLIP__CHECK_PTR(config);
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__TRY(mlip__model_check_config(config));
    m = (mlip_model *)mlip_alloc_zeroed(1, sizeof *m);
    if (!m) return MLIP_ERR_OUT_OF_MEMORY;
    m->config = *config;
    m->config.lowercase = config->lowercase != 0;
    if ((st = mlip_vit_create(&config->vit, &m->vit)) ||
        (config->bert.layers > 0 && (st = mlip_bert_create(&config->bert, &m->bert)))) {
        mlip_model_free(m);
        return st;
    }
    mlip__model_extra_layout(m);
    m->extra = (float *)mlip_alloc_zeroed(m->n_extra, sizeof(float));
    m->stored = (unsigned char *)mlip_alloc_zeroed(
        (size_t)(m->vit->n_params + mlip__n_params(m->bert) + m->n_x), 1);
    if (!m->extra || !m->stored) {
        mlip_model_free(m);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    mlip__model_init_logit_scales(m);
    *out = m;
    return MLIP_OK;
}

MLIPDEF void mlip_model_init_random(mlip_model *m, uint64_t seed) {
    mlip_rng rng;
    int i;
    size_t j;
    if (!m) return;
    mlip_encoder_init_random(m->vit, seed);
    mlip_encoder_init_random(m->bert, seed + 1);
    mlip_rng_seed(&rng, seed, 0x68656164u);
    memset(m->extra, 0, m->n_extra * sizeof(float));
    for (i = 0; i < m->n_x; i++)
        for (j = 0; m->extra_info[i].ndim == 2 && j < m->extra_info[i].count; j++)
            m->extra[m->extra_info[i].offset + j] = 0.02f * mlip_rng_normal(&rng);
    mlip__model_init_logit_scales(m);
}

MLIPDEF const mlip_model_config *mlip_model_get_config(const mlip_model *m) {
    return m ? &m->config : NULL;
}
MLIPDEF mlip_encoder *mlip_model_vit(mlip_model *m) { return m ? m->vit : NULL; }
MLIPDEF mlip_encoder *mlip_model_bert(mlip_model *m) { return m ? m->bert : NULL; }
MLIPDEF int mlip_model_is_mapped(const mlip_model *m) { return m ? m->mapped : 0; }
MLIPDEF int mlip_model_tensor_count(const mlip_model *m) {
    return m ? m->vit->n_params + mlip__n_params(m->bert) + m->n_x + m->n_train : 0;
}

/* Tensor i in file order: its table entry, the prefix of its file name, and its floats. */
static const mlip_param_info *mlip__model_tensor(const mlip_model *m, int i, const char **prefix,
                                                 float **data) {
    const mlip_encoder *e = NULL;
    if (i < m->vit->n_params) {
        e = m->vit;
        *prefix = "vision.";
    } else if ((i -= m->vit->n_params) < mlip__n_params(m->bert)) {
        e = m->bert;
        *prefix = "text.";
    } else if ((i -= mlip__n_params(m->bert)) < m->n_x) {
        *prefix = "";
        *data = m->extra + m->extra_info[i].offset;
        return &m->extra_info[i];
    } else {
        i -= m->n_x;
        *prefix = "";
        *data = m->train_data[i];
        return &m->train_info[i];
    }
    *data = e->weights + e->params[i].offset;
    return &e->params[i];
}

/* Index of a full tensor name, or -1. */
static int mlip__model_find(const mlip_model *m, const char *name, size_t len) {
    int i, n = mlip_model_tensor_count(m);
    for (i = 0; i < n; i++) {
        const char *prefix;
        float *data;
        const mlip_param_info *p = mlip__model_tensor(m, i, &prefix, &data);
        size_t pl = strlen(prefix), nl = strlen(p->name);
        if (pl + nl == len && !memcmp(name, prefix, pl) && !memcmp(name + pl, p->name, nl))
            return i;
    }
    return -1;
}

MLIPDEF float *mlip_model_tensor(mlip_model *m, const char *name, size_t *count) {
    int i;
    const char *prefix;
    float *data;
    const mlip_param_info *p;
    if (!m || !name || (i = mlip__model_find(m, name, strlen(name))) < 0) return NULL;
    p = mlip__model_tensor(m, i, &prefix, &data);
    if (count) *count = p->count;
    return data;
}

MLIPDEF mlip_status mlip_model_tensor_info(const mlip_model *m, int index, mlip_param_info *info,
                                           mlip_dtype *stored) {
    const char *prefix;
    float *data;
    const mlip_param_info *p;
    MLIP__CHECK_PTR(m);
    MLIP__CHECK_PTR(info);
    if (index < 0 || index >= mlip_model_tensor_count(m))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_model_tensor_info: index %d out of range",
                          index);
    p = mlip__model_tensor(m, index, &prefix, &data);
    *info = *p;
    {
        size_t pl = strlen(prefix), nl = MLIP__MIN(strlen(p->name), sizeof info->name - 1 - pl);
        memcpy(info->name, prefix, pl);
        memcpy(info->name + pl, p->name, nl);
        info->name[pl + nl] = '\0';
    }
    if (stored) *stored = (mlip_dtype)m->stored[index];
    return MLIP_OK;
}

MLIPDEF void mlip_model_clear_train_tensors(mlip_model *m) {
    int i;
    if (!m) return;
    for (i = 0; i < m->n_train; i++) mlip_free(m->train_data[i]);
    mlip_free(m->train_info);
    mlip_free(m->train_data);
    m->train_info = NULL;
    m->train_data = NULL;
    m->n_train = 0;
}

/* Add (or resize) train tensor `name` as count zeros; returns its data or NULL. */
static float *mlip__model_train_slot(mlip_model *m, const char *name, size_t len, size_t count,
                                     mlip_status *st) {
    int i, n_model = mlip_model_tensor_count(m) - m->n_train;
    mlip_param_info *info;
    float **data, *x;
    unsigned char *stored;
    *st = MLIP_OK;
    if (len < 7 || len >= sizeof info->name || memcmp(name, "train.", 6) || count < 1 ||
        count > 0x7fffffffu) {
        *st =
            mlip__fail(MLIP_ERR_INVALID_ARG,
                       "train tensor '%.*s' (%lu floats): the name must start with \"train.\" "
                       "and be shorter than %d bytes, the size in [1, 2^31)",
                       (int)MLIP__MIN(len, 80), name, (unsigned long)count, (int)sizeof info->name);
        return NULL;
    }
    if (!(x = (float *)mlip_alloc_zeroed(count, sizeof(float)))) {
        *st = MLIP_ERR_OUT_OF_MEMORY;
        return NULL;
    }
    for (i = 0; i < m->n_train; i++)
        if (strlen(m->train_info[i].name) == len && !memcmp(m->train_info[i].name, name, len)) {
            mlip_free(m->train_data[i]);
            m->train_data[i] = x;
            m->train_info[i].count = count;
            m->train_info[i].shape[0] = (int)count;
            return x;
        }
    info = (mlip_param_info *)mlip_alloc_zeroed((size_t)m->n_train + 1, sizeof *info);
    data = (float **)mlip_alloc_zeroed((size_t)m->n_train + 1, sizeof *data);
    stored = (unsigned char *)mlip_alloc_zeroed((size_t)(n_model + m->n_train + 1), 1);
    if (!info || !data || !stored) {
        mlip_free(info);
        mlip_free(data);
        mlip_free(stored);
        mlip_free(x);
        *st = MLIP_ERR_OUT_OF_MEMORY;
        return NULL;
    }
    if (m->n_train) {
        memcpy(info, m->train_info, sizeof *info * (size_t)m->n_train);
        memcpy(data, m->train_data, sizeof *data * (size_t)m->n_train);
    }
    memcpy(stored, m->stored, (size_t)(n_model + m->n_train));
    mlip_free(m->train_info);
    mlip_free(m->train_data);
    mlip_free(m->stored);
    m->train_info = info;
    m->train_data = data;
    m->stored = stored;
    memset(&info[m->n_train], 0, sizeof *info);
    memcpy(info[m->n_train].name, name, len);
    info[m->n_train].ndim = 1;
    info[m->n_train].shape[0] = (int)count;
    info[m->n_train].count = count;
    data[m->n_train] = x;
    m->n_train++;
    return x;
}

MLIPDEF mlip_status mlip_model_set_train_tensor(mlip_model *m, const char *name, const float *data,
                                                size_t count) {
    mlip_status st;
    float *x;
    int i;
    MLIP__CHECK_PTR(m);
    MLIP__CHECK_PTR(name);
    if (!data) { /* remove */
        for (i = 0; i < m->n_train; i++)
            if (!strcmp(m->train_info[i].name, name)) {
                int n_model = mlip_model_tensor_count(m) - m->n_train;
                mlip_free(m->train_data[i]);
                memmove(&m->train_info[i], &m->train_info[i + 1],
                        sizeof(mlip_param_info) * (size_t)(m->n_train - i - 1));
                memmove(&m->train_data[i], &m->train_data[i + 1],
                        sizeof(float *) * (size_t)(m->n_train - i - 1));
                memmove(&m->stored[n_model + i], &m->stored[n_model + i + 1],
                        (size_t)(m->n_train - i - 1));
                m->n_train--;
                return MLIP_OK;
            }
        return MLIP_OK;
    }
    if (!(x = mlip__model_train_slot(m, name, strlen(name), count, &st))) return st;
    memcpy(x, data, sizeof(float) * count);
    return MLIP_OK;
}

MLIPDEF const char *mlip_format_dtype_name(mlip_dtype dtype) {
    switch (dtype) {
    case MLIP_DTYPE_F32: return "f32";
    case MLIP_DTYPE_F16: return "f16";
    case MLIP_DTYPE_BF16: return "bf16";
    case MLIP_DTYPE_INT8: return "int8";
    }
    return "unknown";
}

/* ---- vocabulary and metadata ---- */
static char *mlip__model_strdup(const char *s, size_t n) {
    char *d = (char *)mlip_alloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* A token a vocab.txt line can hold: no NUL or line feed, no carriage return at its end. */
static int mlip__model_token_ok(const char *s, size_t n) {
    return !memchr(s, '\0', n) && !memchr(s, '\n', n) && !(n > 0 && s[n - 1] == '\r');
}

/* A BPE tokenizer is kept as its merges, one "a b" pair a line where a WordPiece vocabulary
   keeps its tokens: the vocabulary follows from them (mlip_tokenizer_bpe_from_memory). */
static mlip_status mlip__model_set_merges(mlip_model *m, const mlip_tokenizer *tok) {
    size_t len = 0, i;
    const char *text = mlip_tokenizer_bpe_merges(tok, &len);
    char *v = (char *)mlip_alloc(len + 1);
    int n = 0;
    if (!v) return MLIP_ERR_OUT_OF_MEMORY;
    memcpy(v, text, len);
    v[len] = '\0';
    for (i = 0; i < len; i++) n += v[i] == '\n';
    mlip_free(m->vocab);
    m->vocab = v;
    m->vocab_len = len;
    m->vocab_n = n;
    m->config.tokenizer_bpe = 1;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_model_set_vocab(mlip_model *m, const mlip_tokenizer *tok) {
    size_t total = 0, pos = 0;
    int i, n;
    char *v;
    MLIP__CHECK_PTR(m);
    if (!tok) {
        mlip_free(m->vocab);
        m->vocab = NULL;
        m->vocab_len = 0;
        m->vocab_n = 0;
        return MLIP_OK;
    }
    n = mlip_tokenizer_vocab_size(tok);
    if (n > m->config.bert.vocab_size)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_model_set_vocab: %d tokens, but the text encoder has %d "
                          "embeddings",
                          n, m->config.bert.vocab_size);
    if (mlip_tokenizer_is_bpe(tok)) return mlip__model_set_merges(m, tok);
    for (i = 0; i < n; i++) total += strlen(mlip_tokenizer_token(tok, i)) + 1;
    if (!(v = (char *)mlip_alloc(total + 1))) return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < n; i++) {
        const char *t = mlip_tokenizer_token(tok, i);
        size_t l = strlen(t);
        memcpy(v + pos, t, l);
        pos += l;
        v[pos++] = '\n';
    }
    v[pos] = '\0';
    mlip_free(m->vocab); /* only now: a failed call leaves the old vocabulary in place */
    m->vocab = v;
    m->vocab_len = total;
    m->vocab_n = n;
    m->config.tokenizer_bpe = 0;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_model_set_lowercase(mlip_model *m, int lowercase) {
    MLIP__CHECK_PTR(m);
    if (lowercase != 0 && lowercase != 1)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_model_set_lowercase: %d is neither 1 (uncased) nor 0 (cased)",
                          lowercase);
    m->config.lowercase = lowercase;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_model_tokenizer(const mlip_model *m, mlip_tokenizer **out) {
    MLIP__CHECK_PTR(m);
    MLIP__CHECK_PTR(out);
    *out = NULL;
    if (!m->vocab_n)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_model_tokenizer: the model holds no vocabulary");
    if (m->config.tokenizer_bpe)
        return mlip_tokenizer_bpe_from_memory(m->vocab, m->vocab_len, 0, out);
    return mlip_tokenizer_from_memory(m->vocab, m->vocab_len, m->config.lowercase, out);
}

MLIPDEF mlip_status mlip_model_set_meta(mlip_model *m, const char *key, const char *value) {
    int i;
    MLIP__CHECK_PTR(m);
    MLIP__CHECK_PTR(key);
    if (!key[0] || strlen(key) > MLIP__FMT_MAX_NAME)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_model_set_meta: a key has 1-255 bytes");
    if (!strncmp(key, "vit.", 4) || !strncmp(key, "bert.", 5) || !strncmp(key, "model.", 6) ||
        !strncmp(key, "image.", 6) || !strncmp(key, "tokenizer.", 10))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_model_set_meta: '%s' is a reserved key", key);
    for (i = 0; i < m->n_meta; i++)
        if (!strcmp(m->meta[2 * i], key)) break;
    if (!value) { /* remove, keeping the order of the rest */
        if (i == m->n_meta) return MLIP_OK;
        mlip_free(m->meta[2 * i]);
        mlip_free(m->meta[2 * i + 1]);
        memmove(m->meta + 2 * i, m->meta + 2 * i + 2,
                sizeof(char *) * 2 * (size_t)(m->n_meta - i - 1));
        m->n_meta--;
        return MLIP_OK;
    }
    if (i < m->n_meta) {
        char *v = mlip__model_strdup(value, strlen(value));
        if (!v) return MLIP_ERR_OUT_OF_MEMORY;
        mlip_free(m->meta[2 * i + 1]);
        m->meta[2 * i + 1] = v;
        return MLIP_OK;
    }
    if (m->n_meta >= (int)MLIP__FMT_MAX_KV - 32)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_model_set_meta: too many keys");
    {
        char **nm = (char **)mlip_alloc_zeroed((size_t)(m->n_meta + 1) * 2, sizeof(char *));
        char *k = mlip__model_strdup(key, strlen(key)),
             *v = mlip__model_strdup(value, strlen(value));
        if (!nm || !k || !v) {
            mlip_free(nm);
            mlip_free(k);
            mlip_free(v);
            return MLIP_ERR_OUT_OF_MEMORY;
        }
        if (m->n_meta) memcpy(nm, m->meta, sizeof(char *) * 2 * (size_t)m->n_meta);
        nm[2 * m->n_meta] = k;
        nm[2 * m->n_meta + 1] = v;
        mlip_free(m->meta);
        m->meta = nm;
        m->n_meta++;
    }
    return MLIP_OK;
}

MLIPDEF const char *mlip_model_meta(const mlip_model *m, const char *key) {
    int i;
    if (!m || !key) return NULL;
    for (i = 0; i < m->n_meta; i++)
        if (!strcmp(m->meta[2 * i], key)) return m->meta[2 * i + 1];
    return NULL;
}
MLIPDEF const char *mlip_model_meta_at(const mlip_model *m, int index, const char **key) {
    if (!m || index < 0 || index >= m->n_meta) return NULL;
    if (key) *key = m->meta[2 * index];
    return m->meta[2 * index + 1];
}

/* ======================================================================================
   8. Masking and semantic integrity estimation
   ====================================================================================== */
/* (section 8 implementation) */
/* ceil(millionths K / 10^6) in exact integer arithmetic, clamped to [1, K]. */
static int mlip__ceil_share(int K, long long millionths) {
    long long n = (millionths * K + 999999) / 1000000;
    return n < 1 ? 1 : n > K ? K : (int)n;
}

/* A fraction given as a float, read to six decimals as a user writes it (0.7f is 700000
   millionths), so a share of K patches has no binary rounding in it. */
static long long mlip__millionths(float fraction) {
    if (!(fraction > 0.0f)) return 0;
    if (!(fraction < 1.0f)) return 1000000;
    return (long long)floor((double)fraction * 1e6 + 0.5);
}

MLIPDEF int mlip_mask_visible_count(int K, float rho) {
    /* ceil((1 - rho) K), exactly: rho = 0.7 leaves 30 of 100 patches, not 31 */
    return mlip__ceil_share(K, 1000000 - mlip__millionths(rho));
}

MLIPDEF mlip_status mlip_mask_draw(mlip_rng *rng, int B, int K, int n, int *visible) {
    int b, j, k, c, *perm;
    unsigned char *chosen;
    MLIP__CHECK_PTR(rng);
    MLIP__CHECK_PTR(visible);
    MLIP__CHECK_POS(B);
    MLIP__CHECK_POS(K);
    if (n < 1 || n > K)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_mask_draw: n %d not in [1, %d]", n, K);
    perm = (int *)mlip_alloc_zeroed((size_t)K, sizeof(int));
    chosen = (unsigned char *)mlip_alloc_zeroed((size_t)K, 1);
    if (!perm || !chosen) {
        mlip_free(perm);
        mlip_free(chosen);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    for (b = 0; b < B; b++) { /* the first n of a permutation, read back in index order */
        mlip_rng_permutation(rng, perm, K);
        memset(chosen, 0, (size_t)K);
        for (j = 0; j < n; j++) chosen[perm[j]] = 1;
        for (k = 0, c = 0; k < K; k++)
            if (chosen[k]) visible[(size_t)b * n + c++] = k;
    }
    mlip_free(perm);
    mlip_free(chosen);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_sie_forward(float *w, float *p, float *integrity, const float *r,
                                     const int *visible, int B, int K, int n) {
    int b, k, j;
    double mean = 0;
    MLIP__CHECK_PTR(w);
    MLIP__CHECK_PTR(p);
    MLIP__CHECK_PTR(integrity);
    MLIP__CHECK_PTR(r);
    MLIP__CHECK_PTR(visible);
    MLIP__CHECK_POS(B);
    MLIP__CHECK_POS(K);
    if (n < 1 || n > K)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_sie_forward: n %d not in [1, %d]", n, K);
    MLIP__TRY(mlip_softmax_forward(p, r, B, K));
    for (b = 0; b < B; b++) {
        double I = 0;
        for (j = 0; j < n; j++) {
            k = visible[(size_t)b * n + j];
            if (k < 0 || k >= K)
                return mlip__fail(MLIP_ERR_INVALID_ARG,
                                  "mlip_sie_forward: visible index %d outside [0, %d)", k, K);
            I += p[(size_t)b * K + k];
        }
        integrity[b] = (float)I;
        mean += I;
    }
    mean /= B;
    for (b = 0; b < B; b++) {
        float u = (float)(integrity[b] / mean);
        w[b] = u < MLIP_SIE_WEIGHT_MIN   ? MLIP_SIE_WEIGHT_MIN
               : u > MLIP_SIE_WEIGHT_MAX ? MLIP_SIE_WEIGHT_MAX
                                         : u;
    }
    return MLIP_OK;
}

/* w_b = clamp(u_b), u_b = I_b / mean(I), I_b = sum_visible p_bk, p_b = softmax(r_b):
   du_b = dw_b where not clamped; dI_j = du_j / mean - sum_b du_b I_b / (B mean^2);
   dr_bk = dI_b p_bk (m_bk - I_b). */
MLIPDEF mlip_status mlip_sie_backward(float *dr, const float *dw, const float *p,
                                      const float *integrity, const int *visible, int B, int K,
                                      int n) {
    int b, k, j;
    double mean = 0, cross = 0;
    MLIP__CHECK_PTR(dr);
    MLIP__CHECK_PTR(dw);
    MLIP__CHECK_PTR(p);
    MLIP__CHECK_PTR(integrity);
    MLIP__CHECK_PTR(visible);
    MLIP__CHECK_POS(B);
    MLIP__CHECK_POS(K);
    for (b = 0; b < B; b++) mean += integrity[b];
    mean /= B;
    for (b = 0; b < B; b++) {
        double u = integrity[b] / mean;
        if (u >= MLIP_SIE_WEIGHT_MIN && u <= MLIP_SIE_WEIGHT_MAX)
            cross += dw[b] * (double)integrity[b];
    }
    for (b = 0; b < B; b++) {
        double u = integrity[b] / mean,
               du = (u >= MLIP_SIE_WEIGHT_MIN && u <= MLIP_SIE_WEIGHT_MAX) ? dw[b] : 0.0;
        double dI = du / mean - cross / ((double)B * mean * mean);
        const float *pb = p + (size_t)b * K;
        float *drb = dr + (size_t)b * K;
        for (k = 0; k < K; k++) drb[k] += (float)(dI * pb[k] * (0.0 - integrity[b]));
        for (j = 0; j < n; j++) {
            k = visible[(size_t)b * n + j];
            drb[k] += (float)(dI * pb[k]);
        }
    }
    return MLIP_OK;
}


/* ======================================================================================
   9. Losses
   ====================================================================================== */
/* (section 9 implementation) */
/* ---- symmetric InfoNCE ---- */

MLIPDEF mlip_status mlip_contrastive_forward(float *loss, float *probs, const float *s,
                                             const float *a, int N) {
    int dir, i, l;
    double total = 0;
    MLIP__CHECK_PTR(loss);
    MLIP__CHECK_PTR(probs);
    MLIP__CHECK_PTR(s);
    MLIP__CHECK_PTR(a);
    MLIP__CHECK_POS(N);
    for (dir = 0; dir < 2; dir++) /* 0: image -> text (rows of s), 1: text -> image (columns) */
        for (i = 0; i < N; i++) {
            float *pr = probs + ((size_t)dir * N + i) * N;
            double mx = -HUGE_VAL, sum = 0, lse;
            for (l = 0; l < N; l++) {
                pr[l] = a[i] * (dir ? s[(size_t)l * N + i] : s[(size_t)i * N + l]);
                if (pr[l] > mx) mx = pr[l];
            }
            for (l = 0; l < N; l++) sum += exp(pr[l] - mx);
            lse = mx + log(sum);
            total += lse - pr[i];
            for (l = 0; l < N; l++) pr[l] = (float)exp(pr[l] - lse);
        }
    *loss = (float)(0.5 * total / N);
    return mlip_find_nonfinite(loss, 1) < 0
               ? MLIP_OK
               : mlip__fail(MLIP_ERR_NUMERIC, "contrastive loss is not finite");
}

MLIPDEF mlip_status mlip_contrastive_backward(float *ds, float *da, float dloss, const float *probs,
                                              const float *s, const float *a, int N) {
    int dir, i, l;
    float c = 0.5f * dloss / (float)N;
    MLIP__CHECK_PTR(probs);
    MLIP__CHECK_PTR(s);
    MLIP__CHECK_PTR(a);
    MLIP__CHECK_POS(N);
    for (dir = 0; dir < 2; dir++)
        for (i = 0; i < N; i++) {
            const float *pr = probs + ((size_t)dir * N + i) * N;
            double dai = 0;
            for (l = 0; l < N; l++) {
                size_t at = dir ? (size_t)l * N + i : (size_t)i * N + l;
                float d = c * (pr[l] - (l == i ? 1.0f : 0.0f)); /* d loss / d logit */
                if (ds) ds[at] += a[i] * d;
                dai += (double)s[at] * d;
            }
            if (da) da[i] += (float)dai;
        }
    return MLIP_OK;
}

/* ---- entropic optimal transport (log-domain Sinkhorn) ----
   Potentials f (n) and g (m) define the plan T_kl = exp((S_kl + f_k + g_l) / eps). A row update
   makes the row sums exactly a = 1/n, a column update the column sums exactly b = 1/m. The row
   sums of the current plan are a exp((f_k - f'_k) / eps), with f' the next row update, so the
   error check costs nothing extra. A batch of pairs iterates together and stops when its
   worst pair is within tol (the local loss treats the batch as one problem). */

typedef struct mlip__ot_pair {
    const float *S; /* (n, m) with row stride ld */
    float *St; /* (m, n) S transposed, for contiguous column updates */
    float *f, *f_next, *g;
    float *T; /* (n, m) dense: the plan (output) */
    int n, m, ld;
    float err;
    double z;
} mlip__ot_pair;

typedef struct mlip__ot_job {
    mlip__ot_pair *pairs;
    float eps;
    int phase; /* 0 prepare, 1 row update + error, 2 commit + column update, 3 plan + value */
} mlip__ot_job;

/* out_k = eps log(1/rows) - eps log sum_l exp((x_kl + pot_l) / eps), rows of x contiguous */
static void mlip__ot_update(float *out, const float *x, int rows, int len, int ldx,
                            const float *pot, float eps) {
    int k, l;
    float inv = 1.0f / eps, base = -eps * logf((float)rows); /* the marginal is 1/rows */
    for (k = 0; k < rows; k++) {
        const float *xr = x + (size_t)k * ldx;
        float mx = -FLT_MAX, sum = 0.0f;
        for (l = 0; l < len; l++) mx = MLIP__MAX(mx, xr[l] + pot[l]);
        for (l = 0; l < len; l++) sum += mlip__expf((xr[l] + pot[l] - mx) * inv);
        out[k] = base - (mx + eps * logf(sum));
    }
}

static void mlip__ot_rows(void *arg, int p0, int p1, int task) {
    const mlip__ot_job *job = (const mlip__ot_job *)arg;
    float eps = job->eps, inv = 1.0f / eps;
    int p, k, l;
    (void)task;
    for (p = p0; p < p1; p++) {
        mlip__ot_pair *q = &job->pairs[p];
        int n = q->n, m = q->m;
        if (job->phase == 0) {
            for (k = 0; k < n; k++)
                for (l = 0; l < m; l++) q->St[(size_t)l * n + k] = q->S[(size_t)k * q->ld + l];
            memset(q->f, 0, sizeof(float) * (size_t)n);
            memset(q->g, 0, sizeof(float) * (size_t)m);
        } else if (job->phase == 1) {
            float a = 1.0f / (float)n;
            double err = 0;
            mlip__ot_update(q->f_next, q->S, n, m, q->ld, q->g, eps);
            for (k = 0; k < n; k++) err += fabs(a * mlip__expf((q->f[k] - q->f_next[k]) * inv) - a);
            q->err = (float)err;
        } else if (job->phase == 2) {
            float *t = q->f;
            q->f = q->f_next;
            q->f_next = t;
            mlip__ot_update(q->g, q->St, m, n, n, q->f, eps);
        } else {
            /* z = sum T S - eps sum T (log T - log a - log b), log T = (S + f + g) / eps */
            double z = 0, logab = -log((double)n) - log((double)m);
            for (k = 0; k < n; k++)
                for (l = 0; l < m; l++) {
                    float s = q->S[(size_t)k * q->ld + l], lt = (s + q->f[k] + q->g[l]) * inv,
                          t = mlip__expf(lt);
                    q->T[(size_t)k * m + l] = t;
                    z += (double)t * s - (double)eps * t * ((double)lt - logab);
                }
            q->z = z;
        }
    }
}

static void mlip__ot_phase(mlip__ot_pair *pairs, int n_pairs, float eps, int phase) {
    mlip__ot_job job;
    job.pairs = pairs;
    job.eps = eps;
    job.phase = phase;
    mlip__for_rows(n_pairs, (double)pairs[0].n * pairs[0].m * 8, mlip__ot_rows, &job);
}

/* Solve every pair; returns the iterations run, the worst final error, whether it capped. */
static void mlip__ot_solve(mlip__ot_pair *pairs, int n_pairs, const mlip_ot_options *o, int *iters,
                           float *err, int *capped) {
    int it, p, done = 0;
    float worst = 0;
    mlip__ot_phase(pairs, n_pairs, o->epsilon, 0);
    for (it = 1; it <= o->max_iter + 1; it++) {
        mlip__ot_phase(pairs, n_pairs, o->epsilon, 1); /* error of the plan after it - 1 rounds */
        if (it > 1) {
            for (p = 0, worst = 0; p < n_pairs; p++) worst = MLIP__MAX(worst, pairs[p].err);
            if ((o->tol > 0 && worst <= o->tol) || it == o->max_iter + 1) {
                done = it - 1;
                break;
            }
        }
        mlip__ot_phase(pairs, n_pairs, o->epsilon, 2);
    }
    mlip__ot_phase(pairs, n_pairs, o->epsilon, 3);
    *iters = done;
    *err = worst;
    *capped = worst > o->tol;
}

MLIPDEF mlip_ot_options mlip_ot_defaults(void) {
    mlip_ot_options o;
    o.epsilon = 0.1f;
    o.tol = 1e-3f;
    o.max_iter = 100;
    return o;
}

static mlip_status mlip__ot_check(const mlip_ot_options *o) {
    if (!(o->epsilon >= 0.01f) || !(o->tol >= 0.0f) || o->max_iter < 1)
        return mlip__fail(
            MLIP_ERR_INVALID_ARG,
            "optimal transport: epsilon %g (>= 0.01), tol %g (>= 0), max_iter %d (>= 1)",
            (double)o->epsilon, (double)o->tol, o->max_iter);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_sinkhorn(const float *S, int n, int m, int ld, const mlip_ot_options *opt,
                                  float *T, float *z, int *iters, float *err) {
    mlip_ot_options o = opt ? *opt : mlip_ot_defaults();
    mlip__ot_pair pair;
    float *buf;
    int it, capped;
    float e;
    MLIP__CHECK_PTR(S);
    MLIP__CHECK_POS(n);
    MLIP__CHECK_POS(m);
    if (ld < m) return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_sinkhorn: ld %d < m %d", ld, m);
    MLIP__TRY(mlip__ot_check(&o));
    if ((double)n * m > 1e9)
        return mlip__fail(MLIP_ERR_OVERFLOW, "mlip_sinkhorn: %d x %d is too large", n, m);
    buf = (float *)mlip_alloc_zeroed((size_t)n * m * 2 + 2 * (size_t)n + (size_t)m, sizeof(float));
    if (!buf) return MLIP_ERR_OUT_OF_MEMORY;
    memset(&pair, 0, sizeof pair);
    pair.S = S;
    pair.n = n;
    pair.m = m;
    pair.ld = ld;
    pair.St = buf;
    pair.T = buf + (size_t)n * m;
    pair.f = pair.T + (size_t)n * m;
    pair.f_next = pair.f + n;
    pair.g = pair.f_next + n;
    mlip__ot_solve(&pair, 1, &o, &it, &e, &capped);
    if (T) memcpy(T, pair.T, sizeof(float) * (size_t)n * m);
    if (z) *z = (float)pair.z;
    if (iters) *iters = it;
    if (err) *err = e;
    mlip_free(buf);
    return MLIP_OK;
}

/* ---- the MIP decoder: an encoder of pre-LN blocks over [CLS] + all K patch positions ---- */

static mlip_status mlip__decoder_create(const mlip_vit_config *vc, int layers, mlip_encoder **out) {
    mlip_encoder *e;
    mlip_status st;
    int P = vc->patch_size, K = mlip__patch_count(vc->image_size, vc->image_size, P);
    *out = NULL;
    if (vc->width < 2 || (vc->width / 2) % vc->heads)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "MIP decoder: ViT width %d / 2 is not a multiple of %d heads", vc->width,
                          vc->heads);
    e = (mlip_encoder *)mlip_alloc_zeroed(1, sizeof *e);
    if (!e) return MLIP_ERR_OUT_OF_MEMORY;
    e->is_decoder = 1;
    e->vit = *vc;
    e->pre_ln = 1;
    e->img_h = e->img_w = vc->image_size;
    e->width = vc->width / 2;
    e->layers = layers;
    e->heads = vc->heads;
    e->mlp_dim = 4 * e->width;
    e->eps = vc->ln_eps;
    st = mlip__encoder_build(e, (double)layers * 12.0 * e->width * e->width +
                                    (double)(K + 1) * e->width +
                                    (double)e->width * (vc->width + vc->channels * P * P));
    if (st) {
        mlip_encoder_free(e);
        return st;
    }
    *out = e;
    return MLIP_OK;
}


/* ---- the MLIP objective, one loss at a time ----
   Each loss is a forward/backward pair over one training step's state (mlip__step): the
   batch, its shapes, the encoders' outputs, the heads' weights and gradients and the step's
   buffers. Shapes: B pairs, T tokens, K patches of which n are visible (M = K - n hidden),
   W and Wt the image and text widths, D the embedding width, cpp = channels * P * P pixels a
   patch, nV reports that have sentences and Ls sentences over them. Forward functions write
   what their backward reads; backward functions accumulate into the gradients and into dvout
   (B, 1 + n, W) and dtout (B, T, Wt), the encoders' output gradients. The trainer
   (mlip__trainer_run, section 9) calls them in the order of the total loss
     L = L_global + lambda_local L_local + lambda_mip L_mip. */

/* The model's own tensors beside the encoders, by role (pointers into the model). */
typedef struct mlip__heads {
    float *gi_w, *gi_b, *gt_w, *gt_b, *li_w, *li_b, *lt_w, *lt_b, *theta, *theta_l, *sie_q, *sie_c;
} mlip__heads;

/* The buffers of one step, carved from one block (mlip__tbufs_walk, section 9). */
typedef struct mlip__tbufs {
    float *img, *vout, *dvout, *tout, *dtout;
    float *cls_v, *cls_t, *dcls_v, *dcls_t, *zv, *zv_proj, *zv_norm, *zt, *zt_proj, *zt_norm, *dzv,
        *dzt;
    float *s, *ds, *probs, *a, *da, *w, *dw;
    float *patches, *r, *p, *integrity, *dr, *u, *xacc;
    float *ps, *P, *P_proj, *P_norm, *dP, *dps, *sent, *E, *E_proj, *E_norm, *dE, *dsent, *G;
    float *ot, *z, *dz, *probs_l, *al, *dal;
    float *y, *hn, *hm, *pred, *target, *dpred, *dhm, *dhn, *dy;
    int *vis, *msk, *V, *sent_off;
} mlip__tbufs;

/* One training step: what the loss pairs read and write. */
typedef struct mlip__step {
    const mlip_batch *bt;
    const mlip_objective_config *o;
    mlip_encoder *vit; /* its patch embedding feeds SIE; its patch layout the MIP targets */
    mlip_encoder *dec; /* the MIP decoder */
    const mlip__heads *w;
    mlip__heads *g;
    mlip__tbufs *q;
    mlip__ot_pair *pairs; /* (nV, nV) Sinkhorn problems of the local loss */
    int B, T, K, n, M, W, Wt, D, cpp, nV, Ls;
} mlip__step;

/* exp(theta) capped at MLIP_LOGIT_SCALE_MAX: the logit scale a loss uses. */
static float mlip__capped_scale(float theta) {
    float sigma = expf(theta);
    return sigma > MLIP_LOGIT_SCALE_MAX ? MLIP_LOGIT_SCALE_MAX : sigma;
}

/* ---- SIE weights: img (B, C, S, S) normalised -> w (B), with r (B, K), p (B, K) kept ----
   r_bk = q . PE(x_bk) + c_k. PE is one linear map, so r_bk = (W_pe^T q) . x_bk + q . b_pe + c_k:
   u = W_pe^T q (cpp) is formed once and each patch costs one dot product. */
static mlip_status mlip__sie_weights_forward(const mlip__step *s, float *w_min, float *w_max) {
    mlip__tbufs *q = s->q;
    const float *Wp = s->vit->w.patch_w, *bp = s->vit->w.patch_b, *qv = s->w->sie_q;
    double beta = mlip_dot(qv, bp, (size_t)s->W);
    int b, k, i, cpp = s->cpp, K = s->K;
    memset(q->u, 0, sizeof(float) * (size_t)cpp);
    for (i = 0; i < s->W; i++) mlip_axpy(q->u, qv[i], Wp + (size_t)i * cpp, (size_t)cpp);
    mlip__vit_patches(s->vit, q->img, s->B, NULL, K, q->patches);
    for (b = 0; b < s->B; b++)
        for (k = 0; k < K; k++) {
            const float *x = q->patches + ((size_t)b * K + k) * cpp;
            double r = mlip_dot(q->u, x, (size_t)cpp) + beta;
            q->r[(size_t)b * K + k] = (float)r + s->w->sie_c[k];
        }
    MLIP__TRY(mlip_sie_forward(q->w, q->p, q->integrity, q->r, q->vis, s->B, K, s->n));
    *w_min = MLIP_SIE_WEIGHT_MAX;
    *w_max = 0.0f;
    for (b = 0; b < s->B; b++) {
        *w_min = MLIP__MIN(*w_min, q->w[b]);
        *w_max = MLIP__MAX(*w_max, q->w[b]);
    }
    return MLIP_OK;
}

/* dw (B) -> sie.query (W) and sie.bias (K) only: the patch embedding is behind a stop-gradient.
   dq_i = sum_bk dr_bk (W_pe[i] . x_bk + b_pe[i]). */
static mlip_status mlip__sie_weights_backward(const mlip__step *s) {
    mlip__tbufs *q = s->q;
    const float *Wp = s->vit->w.patch_w, *bp = s->vit->w.patch_b;
    double sdr = 0;
    int b, k, i, cpp = s->cpp, K = s->K;
    memset(q->dr, 0, sizeof(float) * (size_t)s->B * K);
    MLIP__TRY(mlip_sie_backward(q->dr, q->dw, q->p, q->integrity, q->vis, s->B, K, s->n));
    memset(q->xacc, 0, sizeof(float) * (size_t)cpp);
    for (b = 0; b < s->B; b++)
        for (k = 0; k < K; k++) {
            float d = q->dr[(size_t)b * K + k];
            s->g->sie_c[k] += d;
            sdr += d;
            mlip_axpy(q->xacc, d, q->patches + ((size_t)b * K + k) * cpp, (size_t)cpp);
        }
    for (i = 0; i < s->W; i++) {
        double dq = mlip_dot(Wp + (size_t)i * cpp, q->xacc, (size_t)cpp) + bp[i] * sdr;
        s->g->sie_q[i] += (float)dq;
    }
    return MLIP_OK;
}

/* ---- global loss: [CLS] of vout (B, 1 + n, W) and tout (B, T, Wt) -> loss ----
   z_v = normalise(G_v cls_v), z_t = normalise(G_t cls_t) (B, D), s = z_v z_t^T (B, B), and the
   symmetric InfoNCE with sample i's logits scaled by a_i = min(sigma w_i, MLIP_LOGIT_SCALE_MAX),
   sigma = min(exp(theta), MLIP_LOGIT_SCALE_MAX) and w (B) the SIE weights (1 without SIE). */
static mlip_status mlip__global_loss_forward(const mlip__step *s, float *loss, float *sigma) {
    mlip__tbufs *q = s->q;
    int b, B = s->B, W = s->W, Wt = s->Wt, D = s->D;
    float sig_c = mlip__capped_scale(*s->w->theta);
    for (b = 0; b < B; b++) {
        memcpy(q->cls_v + (size_t)b * W, q->vout + (size_t)b * (1 + s->n) * W,
               sizeof(float) * (size_t)W);
        memcpy(q->cls_t + (size_t)b * Wt, q->tout + (size_t)b * s->T * Wt,
               sizeof(float) * (size_t)Wt);
    }
    MLIP__TRY(mlip_projection_forward(q->zv, q->zv_proj, q->zv_norm, q->cls_v, s->w->gi_w,
                                      s->w->gi_b, B, W, D));
    MLIP__TRY(mlip_projection_forward(q->zt, q->zt_proj, q->zt_norm, q->cls_t, s->w->gt_w,
                                      s->w->gt_b, B, Wt, D));
    /* the B x B products are tiny but their gradients cancel heavily (logit scale ~14,
       near-parallel embeddings early on): the double-accumulating GEMM keeps them accurate */
    MLIP__TRY(mlip_sgemm_reference(MLIP_NO_TRANS, MLIP_TRANS, B, B, D, 1.0f, q->zv, D, q->zt, D,
                                   0.0f, q->s, B));
    for (b = 0; b < B; b++) q->a[b] = MLIP__MIN(sig_c * q->w[b], MLIP_LOGIT_SCALE_MAX);
    *sigma = sig_c;
    return mlip_contrastive_forward(loss, q->probs, q->s, q->a, B);
}

/* dloss -> theta, dw (B) for SIE, the projection heads, and dvout/dtout at [CLS]. A capped
   a_i (or sigma) passes no gradient, as a clamp does not. */
static mlip_status mlip__global_loss_backward(const mlip__step *s, float dloss) {
    mlip__tbufs *q = s->q;
    int b, B = s->B, W = s->W, Wt = s->Wt, D = s->D;
    float sigma = expf(*s->w->theta), sig_c = mlip__capped_scale(*s->w->theta);
    double dsig = 0;
    memset(q->ds, 0, sizeof(float) * (size_t)B * B);
    memset(q->da, 0, sizeof(float) * (size_t)B);
    MLIP__TRY(mlip_contrastive_backward(q->ds, q->da, dloss, q->probs, q->s, q->a, B));
    for (b = 0; b < B; b++) {
        int open = sig_c * q->w[b] <= MLIP_LOGIT_SCALE_MAX;
        dsig += open ? (double)q->da[b] * q->w[b] : 0.0;
        q->dw[b] = open ? q->da[b] * sig_c : 0.0f;
    }
    if (sigma <= MLIP_LOGIT_SCALE_MAX) s->g->theta[0] += (float)(dsig * sigma);
    MLIP__TRY(mlip_sgemm_reference(MLIP_NO_TRANS, MLIP_NO_TRANS, B, D, B, 1.0f, q->ds, B, q->zt, D,
                                   0.0f, q->dzv, D));
    MLIP__TRY(mlip_sgemm_reference(MLIP_TRANS, MLIP_NO_TRANS, B, D, B, 1.0f, q->ds, B, q->zv, D,
                                   0.0f, q->dzt, D));
    memset(q->dcls_v, 0, sizeof(float) * (size_t)B * W);
    memset(q->dcls_t, 0, sizeof(float) * (size_t)B * Wt);
    MLIP__TRY(mlip_projection_backward(q->dcls_v, s->g->gi_w, s->g->gi_b, q->dzv, q->zv, q->zv_norm,
                                       q->cls_v, s->w->gi_w, B, W, D));
    MLIP__TRY(mlip_projection_backward(q->dcls_t, s->g->gt_w, s->g->gt_b, q->dzt, q->zt, q->zt_norm,
                                       q->cls_t, s->w->gt_w, B, Wt, D));
    for (b = 0; b < B; b++) {
        mlip_axpy(q->dvout + (size_t)b * (1 + s->n) * W, 1.0f, q->dcls_v + (size_t)b * W,
                  (size_t)W);
        mlip_axpy(q->dtout + (size_t)b * s->T * Wt, 1.0f, q->dcls_t + (size_t)b * Wt, (size_t)Wt);
    }
    return MLIP_OK;
}

/* ---- local loss: visible patch tokens and sentence spans -> loss ----
   P = normalise(L_v patch tokens) (B n, D), E = normalise(L_t span means) (Ls, D), one GEMM
   G = P E^T (B n, Ls), then for every pair (i, j) of the nV reports with sentences z_ij =
   the entropic OT value of G's (n, L_j) block (mlip__ot_solve, all nV^2 problems at once),
   and the symmetric InfoNCE over z (nV, nV) with the scale sigma_l. */
static void mlip__local_pairs(const mlip__step *s) {
    mlip__tbufs *q = s->q;
    float *cur = q->ot;
    int vi, vj, n = s->n;
    for (vi = 0; vi < s->nV; vi++)
        for (vj = 0; vj < s->nV; vj++) {
            mlip__ot_pair *p = &s->pairs[vi * s->nV + vj];
            int m = q->sent_off[vj + 1] - q->sent_off[vj];
            memset(p, 0, sizeof *p);
            p->S = q->G + (size_t)q->V[vi] * n * s->Ls + q->sent_off[vj];
            p->n = n;
            p->m = m;
            p->ld = s->Ls;
            p->St = cur;
            cur += (size_t)n * m;
            p->T = cur;
            cur += (size_t)n * m;
            p->f = cur;
            cur += n;
            p->f_next = cur;
            cur += n;
            p->g = cur;
            cur += m;
        }
}

static mlip_status mlip__local_loss_forward(const mlip__step *s, mlip_losses *L) {
    mlip__tbufs *q = s->q;
    const mlip_batch *bt = s->bt;
    int b, j, i, vi, n = s->n, W = s->W, Wt = s->Wt, D = s->D, nV = s->nV;
    for (b = 0; b < s->B; b++)
        for (j = 0; j < n; j++)
            memcpy(q->ps + ((size_t)b * n + j) * W, q->vout + ((size_t)b * (1 + n) + 1 + j) * W,
                   sizeof(float) * (size_t)W);
    MLIP__TRY(mlip_projection_forward(q->P, q->P_proj, q->P_norm, q->ps, s->w->li_w, s->w->li_b,
                                      s->B * n, W, D));
    q->sent_off[0] = 0;
    for (b = 0, vi = 0; b < s->B; b++) {
        int Lb = bt->n_sentences[b];
        const int *begin = bt->sent_begin + (size_t)b * bt->max_sentences;
        const int *end = bt->sent_end + (size_t)b * bt->max_sentences;
        if (!Lb) continue;
        q->V[vi] = b;
        MLIP__TRY(mlip_span_mean_forward(q->sent + (size_t)q->sent_off[vi] * Wt,
                                         q->tout + (size_t)b * s->T * Wt, begin, end, Lb, s->T,
                                         Wt));
        q->sent_off[vi + 1] = q->sent_off[vi] + Lb;
        vi++;
    }
    MLIP__TRY(mlip_projection_forward(q->E, q->E_proj, q->E_norm, q->sent, s->w->lt_w, s->w->lt_b,
                                      s->Ls, Wt, D));
    MLIP__TRY(mlip_sgemm(MLIP_NO_TRANS, MLIP_TRANS, s->B * n, s->Ls, D, 1.0f, q->P, D, q->E, D,
                         0.0f, q->G, s->Ls));
    mlip__local_pairs(s);
    mlip__ot_solve(s->pairs, nV * nV, &s->o->ot, &L->ot_iters, &L->ot_err, &L->ot_capped);
    for (i = 0; i < nV * nV; i++) q->z[i] = (float)s->pairs[i].z;
    mlip_fill(q->al, (size_t)nV, mlip__capped_scale(*s->w->theta_l));
    return mlip_contrastive_forward(&L->local, q->probs_l, q->z, q->al, nV);
}

/* dloss -> theta_l, the local heads, dvout at the visible patch tokens and dtout over the
   sentence spans. dz_ij/dG_block = T_ij, the pair's plan (envelope theorem), so dG is the
   plans scaled by dz, written over G. */
static mlip_status mlip__local_loss_backward(const mlip__step *s, float dloss) {
    mlip__tbufs *q = s->q;
    const mlip_batch *bt = s->bt;
    int vi, vj, k, l, b, j, i, n = s->n, W = s->W, Wt = s->Wt, D = s->D, nV = s->nV, Ls = s->Ls;
    float sigma_l = expf(*s->w->theta_l);
    double dsl = 0;
    memset(q->dz, 0, sizeof(float) * (size_t)nV * nV);
    memset(q->dal, 0, sizeof(float) * (size_t)nV);
    MLIP__TRY(mlip_contrastive_backward(q->dz, q->dal, dloss, q->probs_l, q->z, q->al, nV));
    for (i = 0; i < nV; i++) dsl += q->dal[i];
    if (sigma_l <= MLIP_LOGIT_SCALE_MAX) s->g->theta_l[0] += (float)(dsl * sigma_l);
    memset(q->G, 0, sizeof(float) * (size_t)s->B * n * Ls);
    for (vi = 0; vi < nV; vi++)
        for (vj = 0; vj < nV; vj++) {
            const mlip__ot_pair *p = &s->pairs[vi * nV + vj];
            float d = q->dz[vi * nV + vj];
            float *dS = q->G + (size_t)q->V[vi] * n * Ls + q->sent_off[vj];
            for (k = 0; k < n; k++)
                for (l = 0; l < p->m; l++) dS[(size_t)k * Ls + l] = d * p->T[(size_t)k * p->m + l];
        }
    MLIP__TRY(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, s->B * n, D, Ls, 1.0f, q->G, Ls, q->E, D,
                         0.0f, q->dP, D));
    MLIP__TRY(mlip_sgemm(MLIP_TRANS, MLIP_NO_TRANS, Ls, D, s->B * n, 1.0f, q->G, Ls, q->P, D, 0.0f,
                         q->dE, D));
    memset(q->dps, 0, sizeof(float) * (size_t)s->B * n * W);
    memset(q->dsent, 0, sizeof(float) * (size_t)Ls * Wt);
    MLIP__TRY(mlip_projection_backward(q->dps, s->g->li_w, s->g->li_b, q->dP, q->P, q->P_norm,
                                       q->ps, s->w->li_w, s->B * n, W, D));
    MLIP__TRY(mlip_projection_backward(q->dsent, s->g->lt_w, s->g->lt_b, q->dE, q->E, q->E_norm,
                                       q->sent, s->w->lt_w, Ls, Wt, D));
    for (b = 0; b < s->B; b++)
        for (j = 0; j < n; j++)
            mlip_axpy(q->dvout + ((size_t)b * (1 + n) + 1 + j) * W, 1.0f,
                      q->dps + ((size_t)b * n + j) * W, (size_t)W);
    for (vi = 0; vi < nV; vi++) {
        const int *begin, *end;
        b = q->V[vi];
        begin = bt->sent_begin + (size_t)b * bt->max_sentences;
        end = bt->sent_end + (size_t)b * bt->max_sentences;
        MLIP__TRY(mlip_span_mean_backward(q->dtout + (size_t)b * s->T * Wt,
                                          q->dsent + (size_t)q->sent_off[vi] * Wt, begin, end,
                                          bt->n_sentences[b], s->T, Wt));
    }
    return MLIP_OK;
}

/* ---- masked image prediction: vout (B, 1 + n, W) -> loss ----
   A light decoder (pre-LN blocks, width Dd) sees [CLS] + all K positions: the visible tokens
   (embedded to Dd) where they were and a learnt mask token elsewhere, each plus its position.
   It predicts the M hidden patches' pixels pred (B, M, cpp) against targets that are the
   hidden patches' raw pixels standardised per patch:
     L_mip = mean over (b, j, i) of (pred - (x - mean_patch) / sqrt(var_patch + eps))^2. */
static mlip_status mlip__mip_loss_forward(const mlip__step *s, int training, float *loss) {
    mlip__tbufs *q = s->q;
    mlip_encoder *dec = s->dec;
    int B = s->B, K = s->K, n = s->n, M = s->M, T = 1 + K, W = s->W, Dd = dec->width;
    int cpp = s->cpp, b, j, k, i;
    const float *last;
    double sum = 0;
    MLIP__TRY(mlip__linear(q->y, Dd, q->vout, W, dec->w.dec_embed_w, dec->w.dec_embed_b,
                           B * (1 + n), W, Dd, 0));
    MLIP__TRY(mlip__acts_prepare(dec, B, T, 0, training));
    for (b = 0; b < B; b++) {
        float *x = dec->x0 + (size_t)b * T * Dd;
        const float *yb = q->y + (size_t)b * (1 + n) * Dd, *pos = dec->w.vit_pos;
        for (k = 0; k < T; k++) /* mask tokens everywhere, then the visible ones over them */
            for (i = 0; i < Dd; i++)
                x[(size_t)k * Dd + i] = (k ? dec->w.cls[i] : yb[i]) + pos[(size_t)k * Dd + i];
        for (j = 0; j < n; j++) {
            int t = 1 + q->vis[(size_t)b * n + j];
            for (i = 0; i < Dd; i++)
                x[(size_t)t * Dd + i] = yb[(size_t)(1 + j) * Dd + i] + pos[(size_t)t * Dd + i];
        }
    }
    MLIP__TRY(mlip__stack_forward(dec, NULL, B, T, training, &last));
    MLIP__TRY(mlip_layernorm_forward(q->hn, dec->fin_mean, dec->fin_rstd, last, dec->w.final_w,
                                     dec->w.final_b, B * T, Dd, dec->eps));
    for (b = 0; b < B; b++)
        for (j = 0; j < M; j++)
            memcpy(q->hm + ((size_t)b * M + j) * Dd,
                   q->hn + ((size_t)b * T + 1 + q->msk[(size_t)b * M + j]) * Dd,
                   sizeof(float) * (size_t)Dd);
    MLIP__TRY(mlip__linear(q->pred, cpp, q->hm, Dd, dec->w.dec_pred_w, dec->w.dec_pred_b, B * M, Dd,
                           cpp, 0));
    /* targets: the hidden patches' raw pixels, each normalised by its own mean and variance */
    mlip__vit_patches(s->vit, s->bt->images, B, q->msk, M, q->target);
    for (j = 0; j < B * M; j++) {
        float *t = q->target + (size_t)j * cpp;
        const float *pr = q->pred + (size_t)j * cpp;
        double mean = 0, var = 0, inv;
        for (i = 0; i < cpp; i++) mean += t[i];
        mean /= cpp;
        for (i = 0; i < cpp; i++) var += (t[i] - mean) * (t[i] - mean);
        inv = 1.0 / sqrt(var / cpp + MLIP_MIP_TARGET_EPS);
        for (i = 0; i < cpp; i++) {
            double d;
            t[i] = (float)((t[i] - mean) * inv);
            d = (double)pr[i] - t[i];
            sum += d * d;
        }
    }
    *loss = (float)(sum / ((double)B * M * cpp));
    return MLIP_OK;
}

/* dloss -> the decoder's gradients and dvout (all 1 + n tokens, through the embedding). */
static mlip_status mlip__mip_loss_backward(const mlip__step *s, float dloss) {
    mlip__tbufs *q = s->q;
    mlip_encoder *dec = s->dec;
    int B = s->B, K = s->K, n = s->n, M = s->M, T = 1 + K, W = s->W, Dd = dec->width;
    int cpp = s->cpp, b, j, k, i;
    size_t N = (size_t)B * M * cpp, e;
    float c = (float)(2.0 * dloss / (double)N);
    float *dx0;
    for (e = 0; e < N; e++) q->dpred[e] = c * (q->pred[e] - q->target[e]);
    memset(q->dhm, 0, sizeof(float) * (size_t)B * M * Dd);
    MLIP__TRY(mlip__linear_backward(q->dhm, Dd, dec->g.dec_pred_w, dec->g.dec_pred_b, q->dpred, cpp,
                                    q->hm, Dd, dec->w.dec_pred_w, B * M, Dd, cpp));
    memset(q->dhn, 0, sizeof(float) * (size_t)B * T * Dd);
    for (b = 0; b < B; b++)
        for (j = 0; j < M; j++)
            memcpy(q->dhn + ((size_t)b * T + 1 + q->msk[(size_t)b * M + j]) * Dd,
                   q->dhm + ((size_t)b * M + j) * Dd, sizeof(float) * (size_t)Dd);
    memset(dec->d_a, 0, sizeof(float) * (size_t)B * T * Dd);
    MLIP__TRY(mlip_layernorm_backward(dec->d_a, dec->g.final_w, dec->g.final_b, q->dhn,
                                      dec->la[dec->layers - 1].out, dec->w.final_w, dec->fin_mean,
                                      dec->fin_rstd, B * T, Dd));
    MLIP__TRY(mlip__stack_backward(dec, dec->d_a, B, T, &dx0));
    memset(q->dy, 0, sizeof(float) * (size_t)B * (1 + n) * Dd);
    for (b = 0; b < B; b++) {
        const float *dx = dx0 + (size_t)b * T * Dd;
        float *dyb = q->dy + (size_t)b * (1 + n) * Dd;
        for (k = 0; k < T; k++)
            mlip_axpy(dec->g.vit_pos + (size_t)k * Dd, 1.0f, dx + (size_t)k * Dd, (size_t)Dd);
        memcpy(dyb, dx, sizeof(float) * (size_t)Dd);
        for (j = 0; j < n; j++)
            memcpy(dyb + (size_t)(1 + j) * Dd, dx + (size_t)(1 + q->vis[(size_t)b * n + j]) * Dd,
                   sizeof(float) * (size_t)Dd);
        for (j = 0; j < M; j++)
            for (i = 0; i < Dd; i++)
                dec->g.cls[i] += dx[(size_t)(1 + q->msk[(size_t)b * M + j]) * Dd + i];
    }
    return mlip__linear_backward(q->dvout, W, dec->g.dec_embed_w, dec->g.dec_embed_b, q->dy, Dd,
                                 q->vout, W, dec->w.dec_embed_w, B * (1 + n), W, Dd);
}


/* ======================================================================================
   10. Training
   ====================================================================================== */
/* (section 10 implementation) */

MLIPDEF void mlip_batch_free(mlip_batch *b) {
    if (!b) return;
    mlip_free(b->images);
    mlip_free(b->ids);
    mlip_free(b->mask);
    mlip_free(b->n_sentences);
    mlip_free(b->sent_begin);
    mlip_free(b->sent_end);
    mlip_free(b->labels);
    mlip_free(b->rows);
    memset(b, 0, sizeof *b);
}

MLIPDEF mlip_status mlip_batch_alloc(mlip_batch *b, int B, int channels, int image_size, int T,
                                     int max_sentences, int n_labels) {
    size_t pixels = 0, tokens = 0, spans = 0;
    MLIP__CHECK_PTR(b);
    memset(b, 0, sizeof *b);
    MLIP__CHECK_POS(B);
    MLIP__CHECK_POS(channels);
    MLIP__CHECK_POS(image_size);
    MLIP__CHECK_POS(T);
    MLIP__CHECK_POS(max_sentences);
    if (n_labels < 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_batch_alloc: n_labels %d < 0", n_labels);
    MLIP__TRY(mlip_size_mul((size_t)channels * (size_t)image_size, (size_t)image_size, &pixels));
    MLIP__TRY(mlip_size_mul(pixels, (size_t)B, &pixels));
    MLIP__TRY(mlip_size_mul((size_t)B, (size_t)T, &tokens));
    MLIP__TRY(mlip_size_mul((size_t)B, (size_t)max_sentences, &spans));
    b->B = B;
    b->channels = channels;
    b->image_size = image_size;
    b->T = T;
    b->max_sentences = max_sentences;
    b->n_labels = n_labels;
    b->images = (float *)mlip_alloc_zeroed(pixels, sizeof(float));
    b->ids = (int *)mlip_alloc_zeroed(tokens, sizeof(int));
    b->mask = (uint8_t *)mlip_alloc_zeroed(tokens, 1);
    b->n_sentences = (int *)mlip_alloc_zeroed((size_t)B, sizeof(int));
    b->sent_begin = (int *)mlip_alloc_zeroed(spans, sizeof(int));
    b->sent_end = (int *)mlip_alloc_zeroed(spans, sizeof(int));
    b->labels = n_labels ? (int8_t *)mlip_alloc_zeroed((size_t)B, (size_t)n_labels) : NULL;
    b->rows = (int *)mlip_alloc_zeroed((size_t)B, sizeof(int));
    if (!b->images || !b->ids || !b->mask || !b->n_sentences || !b->sent_begin || !b->sent_end ||
        (n_labels && !b->labels) || !b->rows) {
        mlip_batch_free(b);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    return MLIP_OK;
}
MLIPDEF mlip_objective_config mlip_objective_defaults(void) {
    mlip_objective_config c;
    memset(&c, 0, sizeof c);
    c.mask_ratio = 0.5f;
    c.use_sie = 1;
    c.use_local = 1;
    c.use_mip = 1;
    c.lambda_local = 0.5f;
    c.lambda_mip = 1.0f;
    c.ot = mlip_ot_defaults();
    c.mip_layers = 2;
    return c;
}

MLIPDEF mlip_train_config mlip_train_defaults(void) {
    mlip_train_config c;
    memset(&c, 0, sizeof c);
    c.lr = 3e-4f;
    c.min_lr = 3e-5f;
    c.warmup_steps = 100;
    c.total_steps = 1000;
    c.beta1 = 0.9f;
    c.beta2 = 0.98f;
    c.eps = 1e-8f;
    c.weight_decay = 0.05f;
    c.clip_norm = 1.0f;
    c.accum_steps = 1;
    return c;
}

MLIPDEF float mlip_train_lr(const mlip_train_config *c, int step) {
    double progress;
    if (!c) return 0.0f;
    if (step < c->warmup_steps) return c->lr * (float)(step + 1) / (float)c->warmup_steps;
    progress =
        (double)(step - c->warmup_steps) / (double)MLIP__MAX(1, c->total_steps - c->warmup_steps);
    progress = progress > 1.0 ? 1.0 : progress;
    return (float)(c->min_lr +
                   0.5 * (c->lr - c->min_lr) * (1.0 + cos(3.14159265358979323846 * progress)));
}

struct mlip_trainer {
    mlip_model *model;
    mlip_encoder *vit, *bert, *dec;
    mlip_objective_config oc;
    mlip_train_config tc;
    uint64_t seed;
    int step;
    mlip_tensor_ref *refs;
    int n_refs;
    size_t n_total; /* floats over every ref */
    float *head_grads; /* gradients of the heads, logit scales and SIE tensors */
    mlip__heads w, g; /* their weights and gradients */
    float *adam_m, *adam_v; /* (n_total) each, refs in order */
    float *scratch; /* per-batch buffers, grown as needed */
    size_t scratch_cap;
    mlip__ot_pair *pairs;
    int pairs_cap;
};

MLIPDEF void mlip_trainer_free(mlip_trainer *tr) {
    if (!tr) return;
    mlip_encoder_free(tr->dec);
    mlip_free(tr->refs);
    mlip_free(tr->head_grads);
    mlip_free(tr->adam_m);
    mlip_free(tr->adam_v);
    mlip_free(tr->scratch);
    mlip_free(tr->pairs);
    mlip_free(tr);
}

static mlip_status mlip__trainer_check_config(const mlip_objective_config *o,
                                              const mlip_train_config *t) {
    if (!(o->mask_ratio >= 0.0f && o->mask_ratio < 1.0f))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "objective: mask_ratio %g not in [0, 1)",
                          (double)o->mask_ratio);
    if (!(o->lambda_local >= 0.0f) || !(o->lambda_mip >= 0.0f) || o->mip_layers < 1 ||
        o->mip_layers > 64)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "objective: lambdas must be >= 0 and mip_layers in [1, 64]");
    if (o->unmasked_tail < 0 || o->unmasked_tail > t->total_steps)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "objective: unmasked_tail %d not in [0, total_steps %d]",
                          o->unmasked_tail, t->total_steps);
    MLIP__TRY(mlip__ot_check(&o->ot));
    if (!(t->lr >= 0.0f) || !(t->min_lr >= 0.0f) || t->warmup_steps < 0 || t->total_steps < 1 ||
        !(t->beta1 >= 0.0f && t->beta1 < 1.0f) || !(t->beta2 >= 0.0f && t->beta2 < 1.0f) ||
        !(t->eps > 0.0f) || !(t->weight_decay >= 0.0f) || t->accum_steps < 1)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "train config: lr/min_lr >= 0, warmup >= 0, total >= 1, betas in [0, 1), "
                          "eps > 0, weight decay >= 0, accum_steps >= 1");
    return MLIP_OK;
}

/* The table of every trainable tensor: the model's in file order (not its train.* state),
   then the decoder's, each with its gradient buffer; the heads' gradients live in one block. */
static mlip_status mlip__trainer_refs(mlip_trainer *tr) {
    int i, r = 0, n_model = mlip_model_tensor_count(tr->model), n_dec = tr->dec->n_params;
    int nv = tr->vit->n_params, nb = tr->bert->n_params;
    size_t head_off = 0, total = 0;
    tr->refs =
        (mlip_tensor_ref *)mlip_alloc_zeroed((size_t)(n_model + n_dec), sizeof(mlip_tensor_ref));
    if (!tr->refs) return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < n_model; i++) {
        mlip_param_info info;
        mlip_tensor_ref *t = &tr->refs[r];
        MLIP__TRY(mlip_model_tensor_info(tr->model, i, &info, NULL));
        if (!strncmp(info.name, "train.", 6)) continue; /* checkpoint state, not a parameter */
        snprintf(t->name, sizeof t->name, "%s", info.name);
        t->weights = mlip_model_tensor(tr->model, info.name, &t->count);
        t->decay = info.decay;
        if (i < nv)
            t->grads = tr->vit->grads + tr->vit->params[i].offset;
        else if (i < nv + nb)
            t->grads = tr->bert->grads + tr->bert->params[i - nv].offset;
        else
            head_off += (t->count + 15) / 16 * 16; /* a head: its gradient is placed below */
        r++;
    }
    for (i = 0; i < n_dec; i++, r++) {
        mlip_tensor_ref *t = &tr->refs[r];
        const mlip_param_info *p = &tr->dec->params[i];
        snprintf(t->name, sizeof t->name, "mip.%s", p->name);
        t->weights = tr->dec->weights + p->offset;
        t->grads = tr->dec->grads + p->offset;
        t->count = p->count;
        t->decay = p->decay;
    }
    tr->n_refs = r;
    tr->head_grads = (float *)mlip_alloc_zeroed(head_off ? head_off : 1, sizeof(float));
    if (!tr->head_grads) return MLIP_ERR_OUT_OF_MEMORY;
    head_off = 0;
    for (i = 0; i < tr->n_refs; i++) {
        mlip_tensor_ref *t = &tr->refs[i];
        if (!t->grads) {
            t->grads = tr->head_grads + head_off;
            head_off += (t->count + 15) / 16 * 16;
        }
        total += t->count;
    }
    tr->n_total = total;
    return MLIP_OK;
}

/* tr->w and tr->g: the heads, logit scales and SIE tensors by role. */
static mlip_status mlip__trainer_bind_heads(mlip_trainer *tr) {
    float **wp = &tr->w.gi_w, **gp = &tr->g.gi_w; /* mlip__heads lists them in the model's order */
    int i, k;
    for (k = 0; k < MLIP__MODEL_N_EXTRA; k++) {
        char name[64];
        mlip__model_extra_name(k, name, sizeof name);
        for (i = 0; i < tr->n_refs; i++)
            if (!strcmp(tr->refs[i].name, name)) {
                wp[k] = tr->refs[i].weights;
                gp[k] = tr->refs[i].grads;
            }
        if (!wp[k])
            return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_trainer_create: the model has no %s",
                              name);
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_trainer_create(mlip_model *model, const mlip_objective_config *objective,
                                        const mlip_train_config *train, uint64_t seed,
                                        mlip_trainer **out) {
    mlip_trainer *tr;
    mlip_objective_config oc = objective ? *objective : mlip_objective_defaults();
    mlip_train_config tc = train ? *train : mlip_train_defaults();
    mlip_status st;
    MLIP__CHECK_PTR(model);
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__TRY(mlip__trainer_check_config(&oc, &tc));
    if (!mlip__model_is_mlip(&model->config))
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "mlip_trainer_create: the MLIP objective trains MLIP's architecture; "
                          "this model (an imported %s) runs inference only",
                          model->config.kind == MLIP_MODEL_CLIP ? "dual encoder" : "variant");
    if (mlip_model_is_mapped(model))
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_trainer_create: the model runs on read-only mapped weights; "
                          "load it with mlip_model_load_memory(..., copy = 1) to train");
    tr = (mlip_trainer *)mlip_alloc_zeroed(1, sizeof *tr);
    if (!tr) return MLIP_ERR_OUT_OF_MEMORY;
    tr->model = model;
    tr->vit = mlip_model_vit(model);
    tr->bert = mlip_model_bert(model);
    tr->oc = oc;
    tr->tc = tc;
    tr->seed = seed;
    st = mlip__decoder_create(&tr->vit->vit, oc.mip_layers, &tr->dec);
    if (st) goto fail;
    mlip_encoder_init_random(tr->dec, seed ^ 0x6d6970u);
    st = mlip__encoder_grads(tr->vit);
    if (!st) st = mlip__encoder_grads(tr->bert);
    if (!st) st = mlip__encoder_grads(tr->dec);
    if (!st) st = mlip__trainer_refs(tr);
    if (st) goto fail;
    tr->adam_m = (float *)mlip_alloc_zeroed(tr->n_total, sizeof(float));
    tr->adam_v = (float *)mlip_alloc_zeroed(tr->n_total, sizeof(float));
    if (!tr->adam_m || !tr->adam_v) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto fail;
    }
    st = mlip__trainer_bind_heads(tr);
    if (st) goto fail;
    mlip_trainer_zero_grad(tr);
    *out = tr;
    return MLIP_OK;
fail:
    mlip_trainer_free(tr);
    return st;
}

MLIPDEF const mlip_tensor_ref *mlip_trainer_tensors(mlip_trainer *tr, int *count) {
    if (count) *count = tr ? tr->n_refs : 0;
    return tr ? tr->refs : NULL;
}

MLIPDEF void mlip_trainer_zero_grad(mlip_trainer *tr) {
    int i;
    if (!tr) return;
    for (i = 0; i < tr->n_refs; i++)
        memset(tr->refs[i].grads, 0, sizeof(float) * tr->refs[i].count);
}

MLIPDEF int mlip_trainer_step(const mlip_trainer *tr) { return tr ? tr->step : 0; }

/* ---- one batch through the objective ---- */

static mlip_status mlip__batch_check(const mlip_trainer *tr, const mlip_batch *bt) {
    const mlip_model_config *c = mlip_model_get_config(tr->model);
    int b, l;
    if (bt->B < 1 || !bt->images || !bt->ids || !bt->n_sentences || !bt->sent_begin ||
        !bt->sent_end)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "batch: B %d or a NULL array", bt->B);
    if (bt->channels != c->vit.channels || bt->image_size != c->vit.image_size)
        return mlip__fail(
            MLIP_ERR_INVALID_ARG,
            "batch: images are %d x %d px with %d channels, the model takes %d px, %d",
            bt->image_size, bt->image_size, bt->channels, c->vit.image_size, c->vit.channels);
    if (tr->vit->img_h != c->vit.image_size || tr->vit->img_w != c->vit.image_size)
        return mlip__fail(
            MLIP_ERR_INVALID_ARG,
            "training runs at the ViT's trained size (mlip_vit_set_image_size changed it)");
    if (bt->T < 2 || bt->T > c->bert.max_positions)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "batch: T %d not in [2, %d]", bt->T,
                          c->bert.max_positions);
    for (b = 0; b < bt->B; b++) {
        int L = bt->n_sentences[b];
        if (L < 0 || L > bt->max_sentences)
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "batch: sample %d has %d sentences (at most %d)", b, L,
                              bt->max_sentences);
        for (l = 0; l < L; l++) {
            int s0 = bt->sent_begin[(size_t)b * bt->max_sentences + l],
                s1 = bt->sent_end[(size_t)b * bt->max_sentences + l];
            if (s0 < 0 || s1 <= s0 || s1 > bt->T)
                return mlip__fail(MLIP_ERR_INVALID_ARG,
                                  "batch: sample %d sentence %d spans [%d, %d) outside [0, %d)", b,
                                  l, s0, s1, bt->T);
        }
    }
    return MLIP_OK;
}

static size_t mlip__tbufs_walk(const mlip_trainer *tr, const mlip_batch *bt, int n, int nV, int Ls,
                               float *base, mlip__tbufs *q) {
    const mlip_model_config *c = mlip_model_get_config(tr->model);
    size_t B = (size_t)bt->B,
           K = (size_t)mlip__patch_count(c->vit.image_size, c->vit.image_size, c->vit.patch_size);
    size_t W = (size_t)c->vit.width, Wt = (size_t)c->bert.width, D = (size_t)c->embed_dim,
           T = (size_t)bt->T;
    size_t cpp = (size_t)c->vit.channels * c->vit.patch_size * c->vit.patch_size,
           Dd = (size_t)tr->dec->width;
    size_t nn = (size_t)n, V = (size_t)nV, L = (size_t)Ls, M = K - nn, total = 0;
    float *cur = base;
    q->img = mlip__act(&cur, &total, B * K * cpp);
    q->vout = mlip__act(&cur, &total, B * (1 + nn) * W);
    q->dvout = mlip__act(&cur, &total, B * (1 + nn) * W);
    q->tout = mlip__act(&cur, &total, B * T * Wt);
    q->dtout = mlip__act(&cur, &total, B * T * Wt);
    q->cls_v = mlip__act(&cur, &total, B * W);
    q->dcls_v = mlip__act(&cur, &total, B * W);
    q->cls_t = mlip__act(&cur, &total, B * Wt);
    q->dcls_t = mlip__act(&cur, &total, B * Wt);
    q->zv = mlip__act(&cur, &total, B * D);
    q->zv_proj = mlip__act(&cur, &total, B * D);
    q->zv_norm = mlip__act(&cur, &total, B);
    q->zt = mlip__act(&cur, &total, B * D);
    q->zt_proj = mlip__act(&cur, &total, B * D);
    q->zt_norm = mlip__act(&cur, &total, B);
    q->dzv = mlip__act(&cur, &total, B * D);
    q->dzt = mlip__act(&cur, &total, B * D);
    q->s = mlip__act(&cur, &total, B * B);
    q->ds = mlip__act(&cur, &total, B * B);
    q->probs = mlip__act(&cur, &total, 2 * B * B);
    q->a = mlip__act(&cur, &total, B);
    q->da = mlip__act(&cur, &total, B);
    q->w = mlip__act(&cur, &total, B);
    q->dw = mlip__act(&cur, &total, B);
    q->patches = mlip__act(&cur, &total, B * K * cpp);
    q->r = mlip__act(&cur, &total, B * K);
    q->p = mlip__act(&cur, &total, B * K);
    q->integrity = mlip__act(&cur, &total, B);
    q->dr = mlip__act(&cur, &total, B * K);
    q->u = mlip__act(&cur, &total, cpp);
    q->xacc = mlip__act(&cur, &total, cpp);
    q->ps = mlip__act(&cur, &total, B * nn * W);
    q->dps = mlip__act(&cur, &total, B * nn * W);
    q->P = mlip__act(&cur, &total, B * nn * D);
    q->P_proj = mlip__act(&cur, &total, B * nn * D);
    q->P_norm = mlip__act(&cur, &total, B * nn);
    q->dP = mlip__act(&cur, &total, B * nn * D);
    q->sent = mlip__act(&cur, &total, L * Wt);
    q->dsent = mlip__act(&cur, &total, L * Wt);
    q->E = mlip__act(&cur, &total, L * D);
    q->E_proj = mlip__act(&cur, &total, L * D);
    q->E_norm = mlip__act(&cur, &total, L);
    q->dE = mlip__act(&cur, &total, L * D);
    q->G = mlip__act(&cur, &total, B * nn * L);
    /* per pair: S^T and T (n L_j each), f and f' (n), g (L_j) */
    q->ot = mlip__act(&cur, &total, 2 * nn * L * V + 2 * nn * V * V + L * V + 16 * V * V);
    q->z = mlip__act(&cur, &total, V * V);
    q->dz = mlip__act(&cur, &total, V * V);
    q->probs_l = mlip__act(&cur, &total, 2 * V * V);
    q->al = mlip__act(&cur, &total, V);
    q->dal = mlip__act(&cur, &total, V);
    q->y = mlip__act(&cur, &total, B * (1 + nn) * Dd);
    q->dy = mlip__act(&cur, &total, B * (1 + nn) * Dd);
    q->hn = mlip__act(&cur, &total, B * (1 + K) * Dd);
    q->dhn = mlip__act(&cur, &total, B * (1 + K) * Dd);
    q->hm = mlip__act(&cur, &total, B * M * Dd);
    q->dhm = mlip__act(&cur, &total, B * M * Dd);
    q->pred = mlip__act(&cur, &total, B * M * cpp);
    q->target = mlip__act(&cur, &total, B * M * cpp);
    q->dpred = mlip__act(&cur, &total, B * M * cpp);
    /* integers last, as floats' worth of room */
    q->vis = (int *)(void *)mlip__act(&cur, &total, B * nn);
    q->msk = (int *)(void *)mlip__act(&cur, &total, B * M + 1);
    q->V = (int *)(void *)mlip__act(&cur, &total, B);
    q->sent_off = (int *)(void *)mlip__act(&cur, &total, B + 1);
    return total;
}

/* The step's buffers, grown as needed: one float block for mlip__tbufs, the OT pairs. */
static mlip_status mlip__trainer_buffers(mlip_trainer *tr, mlip__step *s) {
    int nV = s->nV, Ls = s->Ls;
    size_t need;
    memset(s->q, 0, sizeof *s->q);
    need = mlip__tbufs_walk(tr, s->bt, s->n, nV, Ls, NULL, s->q);
    if (need > tr->scratch_cap) {
        mlip_free(tr->scratch);
        tr->scratch_cap = 0;
        tr->scratch = (float *)mlip_alloc_zeroed(need, sizeof(float));
        if (!tr->scratch) return MLIP_ERR_OUT_OF_MEMORY;
        tr->scratch_cap = need;
    }
    mlip__tbufs_walk(tr, s->bt, s->n, nV, Ls, tr->scratch, s->q);
    if (nV * nV > tr->pairs_cap) {
        mlip_free(tr->pairs);
        tr->pairs_cap = 0;
        tr->pairs = (mlip__ot_pair *)mlip_alloc_zeroed((size_t)nV * nV, sizeof(mlip__ot_pair));
        if (!tr->pairs) return MLIP_ERR_OUT_OF_MEMORY;
        tr->pairs_cap = nV * nV;
    }
    s->pairs = tr->pairs;
    return MLIP_OK;
}

/* vis (B, n): the caller's visible patches (ascending, checked) or a fresh random draw;
   msk (B, M): their complement, ascending. */
static mlip_status mlip__step_masks(const mlip__step *s, const int *visible_in, mlip_rng *rng) {
    mlip__tbufs *q = s->q;
    int b, j, k, i, n = s->n, K = s->K, M = s->M;
    if (visible_in) {
        for (b = 0; b < s->B; b++)
            for (j = 0; j < n; j++) {
                int v = visible_in[(size_t)b * n + j];
                if (v < 0 || v >= K || (j && v <= visible_in[(size_t)b * n + j - 1]))
                    return mlip__fail(MLIP_ERR_INVALID_ARG,
                                      "trainer: visible[%d] must be ascending indices in [0, %d)",
                                      b, K);
                q->vis[(size_t)b * n + j] = v;
            }
    } else {
        MLIP__TRY(mlip_mask_draw(rng, s->B, K, n, q->vis));
    }
    for (b = 0; b < s->B; b++)
        for (k = 0, j = 0, i = 0; k < K; k++) {
            if (j < n && q->vis[(size_t)b * n + j] == k)
                j++;
            else
                q->msk[(size_t)b * M + i++] = k;
        }
    return MLIP_OK;
}

/* img (B, C, S, S) = (pixels - mean) / std per channel, the ViT's input. */
static void mlip__step_normalise(const mlip__step *s, const mlip_model_config *c) {
    int b, k, C = c->vit.channels;
    size_t px = (size_t)c->vit.image_size * c->vit.image_size, e;
    for (b = 0; b < s->B; b++)
        for (k = 0; k < C; k++) {
            size_t at = ((size_t)b * C + k) * px;
            float mean = c->image_mean[k], inv = 1.0f / c->image_std[k];
            for (e = 0; e < px; e++) s->q->img[at + e] = (s->bt->images[at + e] - mean) * inv;
        }
}

/* One step of the MLIP objective: masks, encoders, the three losses forward and, with
   backward, every gradient of scale * L (accumulated; the caller zeroes them per update). */
static mlip_status mlip__trainer_run(mlip_trainer *tr, const mlip_batch *bt, const int *visible_in,
                                     mlip_rng *rng, float scale, int backward, mlip_losses *out) {
    const mlip_model_config *c;
    const mlip_objective_config *o;
    mlip__step s;
    mlip__tbufs q;
    mlip_losses L;
    int b, masked, sie_on, local_on, mip_on;
    MLIP__CHECK_PTR(tr);
    MLIP__CHECK_PTR(bt);
    MLIP__TRY(mlip__batch_check(tr, bt));
    c = mlip_model_get_config(tr->model);
    o = &tr->oc;
    memset(&s, 0, sizeof s);
    s.bt = bt;
    s.o = o;
    s.vit = tr->vit;
    s.dec = tr->dec;
    s.w = &tr->w;
    s.g = &tr->g;
    s.q = &q;
    s.B = bt->B;
    s.T = bt->T;
    s.W = c->vit.width;
    s.Wt = c->bert.width;
    s.D = c->embed_dim;
    s.K = mlip__patch_count(c->vit.image_size, c->vit.image_size, c->vit.patch_size);
    s.cpp = c->vit.channels * c->vit.patch_size * c->vit.patch_size;
    masked = o->mask_ratio > 0.0f && tr->step < tr->tc.total_steps - o->unmasked_tail;
    s.n = masked ? mlip_mask_visible_count(s.K, o->mask_ratio) : s.K;
    s.M = s.K - s.n;
    sie_on = o->use_sie && masked;
    mip_on = o->use_mip && masked && s.M > 0;
    local_on = o->use_local;
    if (masked && !visible_in && !rng)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "trainer: masking needs visible or an rng");
    for (b = 0; b < s.B; b++) {
        if (bt->n_sentences[b] <= 0) continue;
        s.Ls += bt->n_sentences[b];
        s.nV++;
    }
    if (s.nV < 2) local_on = 0; /* one pair has no negatives: the local loss is 0 */
    if (!local_on) {
        s.nV = 0;
        s.Ls = 0;
    }
    MLIP__TRY(mlip__trainer_buffers(tr, &s));
    memset(&L, 0, sizeof L);
    L.sie_w_min = L.sie_w_max = 1.0f;
    if (masked) MLIP__TRY(mlip__step_masks(&s, visible_in, rng));
    mlip__step_normalise(&s, c);

    /* ==== forward ==== */
    MLIP__TRY(mlip_vit_forward(tr->vit, q.img, s.B, masked ? q.vis : NULL, s.n, backward, q.vout));
    MLIP__TRY(mlip_bert_forward(tr->bert, bt->ids, NULL, bt->mask, s.B, s.T, backward, q.tout));
    if (sie_on)
        MLIP__TRY(mlip__sie_weights_forward(&s, &L.sie_w_min, &L.sie_w_max));
    else
        mlip_fill(q.w, (size_t)s.B, 1.0f);
    MLIP__TRY(mlip__global_loss_forward(&s, &L.global, &L.sigma));
    if (local_on) MLIP__TRY(mlip__local_loss_forward(&s, &L));
    L.sigma_local = mlip__capped_scale(*tr->w.theta_l);
    if (mip_on) MLIP__TRY(mlip__mip_loss_forward(&s, backward, &L.mip));
    L.total = L.global + (local_on ? o->lambda_local * L.local : 0.0f) +
              (mip_on ? o->lambda_mip * L.mip : 0.0f);
    if (out) *out = L;
    if (!(L.total == L.total) || L.total > FLT_MAX)
        return mlip__fail(MLIP_ERR_NUMERIC,
                          "trainer: the loss is not finite (global %g, local %g, mip %g)",
                          (double)L.global, (double)L.local, (double)L.mip);
    if (!backward) return MLIP_OK;

    /* ==== backward: every gradient of scale * L, in the reverse of forward's data flow ==== */
    memset(q.dvout, 0, sizeof(float) * (size_t)s.B * (1 + s.n) * s.W);
    memset(q.dtout, 0, sizeof(float) * (size_t)s.B * s.T * s.Wt);
    MLIP__TRY(mlip__global_loss_backward(&s, scale));
    if (sie_on) MLIP__TRY(mlip__sie_weights_backward(&s));
    if (local_on) MLIP__TRY(mlip__local_loss_backward(&s, scale * o->lambda_local));
    if (mip_on) MLIP__TRY(mlip__mip_loss_backward(&s, scale * o->lambda_mip));
    MLIP__TRY(mlip_vit_backward(tr->vit, q.dvout));
    return mlip_bert_backward(tr->bert, q.dtout);
}

MLIPDEF mlip_status mlip_trainer_accumulate(mlip_trainer *tr, const mlip_batch *batch,
                                            const int *visible, mlip_rng *rng, float grad_scale,
                                            mlip_losses *losses) {
    return mlip__trainer_run(tr, batch, visible, rng, grad_scale, 1, losses);
}

MLIPDEF mlip_status mlip_trainer_evaluate(mlip_trainer *tr, const mlip_batch *batch,
                                          const int *visible, mlip_rng *rng, mlip_losses *losses) {
    return mlip__trainer_run(tr, batch, visible, rng, 0.0f, 0, losses);
}

/* AdamW as PyTorch's torch.optim.AdamW: decoupled decay w -= lr wd w, then the bias-corrected
   Adam step w -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
MLIPDEF mlip_status mlip_trainer_update(mlip_trainer *tr, float *grad_norm) {
    const mlip_train_config *c;
    double norm2 = 0, clip = 1, lr, bc1, bc2, step_size, bc2_sqrt;
    size_t off = 0, j;
    int i, t;
    MLIP__CHECK_PTR(tr);
    c = &tr->tc;
    for (i = 0; i < tr->n_refs; i++)
        norm2 += mlip_dot(tr->refs[i].grads, tr->refs[i].grads, tr->refs[i].count);
    if (grad_norm) *grad_norm = (float)sqrt(norm2);
    if (!(norm2 <= DBL_MAX)) {
        mlip_trainer_zero_grad(tr);
        return mlip__fail(MLIP_ERR_NUMERIC,
                          "mlip_trainer_update: the gradient is not finite; step %d skipped",
                          tr->step);
    }
    if (c->clip_norm > 0 && sqrt(norm2) > c->clip_norm) clip = c->clip_norm / sqrt(norm2);
    t = tr->step + 1;
    lr = mlip_train_lr(c, tr->step);
    bc1 = 1.0 - pow(c->beta1, t);
    bc2 = 1.0 - pow(c->beta2, t);
    step_size = lr / bc1;
    bc2_sqrt = sqrt(bc2);
    for (i = 0; i < tr->n_refs; i++) {
        mlip_tensor_ref *r = &tr->refs[i];
        float *w = r->weights, *g = r->grads, *m = tr->adam_m + off, *v = tr->adam_v + off;
        float b1 = c->beta1, b2 = c->beta2,
              decay = r->decay ? (float)(1.0 - lr * c->weight_decay) : 1.0f;
        float ss = (float)step_size, bs = (float)bc2_sqrt, eps = c->eps, cl = (float)clip;
        for (j = 0; j < r->count; j++) {
            float gj = g[j] * cl;
            m[j] = b1 * m[j] + (1.0f - b1) * gj;
            v[j] = b2 * v[j] + (1.0f - b2) * gj * gj;
            w[j] = w[j] * decay - ss * m[j] / (sqrtf(v[j]) / bs + eps);
        }
        off += r->count;
    }
    tr->step++;
    mlip_trainer_zero_grad(tr);
    return MLIP_OK;
}


/* Checkpoints: the model plus train.* vectors and metadata. The objective and training
   configurations are written as text so a resume can refuse a different setup. */
static void mlip__trainer_describe(const mlip_trainer *tr, char *buf, size_t cap) {
    const mlip_objective_config *o = &tr->oc;
    const mlip_train_config *t = &tr->tc;
    char tail[32] =
        ""; /* written only when set, so checkpoints from before the option still resume */
    if (o->unmasked_tail) snprintf(tail, sizeof tail, "tail %d ", o->unmasked_tail);
    snprintf(buf, cap,
             "mask %.9g %ssie %d local %d mip %d lambda_local %.9g lambda_mip %.9g ot %.9g %.9g %d "
             "mip_layers %d | "
             "lr %.9g min_lr %.9g warmup %d total %d betas %.9g %.9g eps %.9g wd %.9g clip %.9g "
             "accum %d",
             (double)o->mask_ratio, tail, o->use_sie, o->use_local, o->use_mip,
             (double)o->lambda_local, (double)o->lambda_mip, (double)o->ot.epsilon,
             (double)o->ot.tol, o->ot.max_iter, o->mip_layers, (double)t->lr, (double)t->min_lr,
             t->warmup_steps, t->total_steps, (double)t->beta1, (double)t->beta2, (double)t->eps,
             (double)t->weight_decay, (double)t->clip_norm, t->accum_steps);
}

MLIPDEF mlip_status mlip_trainer_save_checkpoint(mlip_trainer *tr, const char *path) {
    char text[512], num[32];
    mlip_status st;
    MLIP__CHECK_PTR(tr);
    MLIP__CHECK_PTR(path);
    mlip__trainer_describe(tr, text, sizeof text);
    snprintf(num, sizeof num, "%d", tr->step);
    if (!(st = mlip_model_set_train_tensor(tr->model, "train.mip", tr->dec->weights,
                                           tr->dec->n_weights)) &&
        !(st = mlip_model_set_train_tensor(tr->model, "train.adam_m", tr->adam_m, tr->n_total)) &&
        !(st = mlip_model_set_train_tensor(tr->model, "train.adam_v", tr->adam_v, tr->n_total)) &&
        !(st = mlip_model_set_meta(tr->model, "train.step", num)) &&
        !(st = mlip_model_set_meta(tr->model, "train.config", text)))
        st = mlip_model_save(tr->model, path);
    mlip_model_clear_train_tensors(tr->model); /* the model stays a plain model */
    mlip_model_set_meta(tr->model, "train.step", NULL),
        mlip_model_set_meta(tr->model, "train.config", NULL);
    return st;
}

MLIPDEF mlip_status mlip_trainer_load_checkpoint(mlip_trainer *tr, const char *path) {
    mlip_model *ck = NULL;
    mlip_status st;
    char text[512];
    const char *v;
    float *mip, *am, *av;
    size_t n_mip = 0, n_m = 0, n_v = 0;
    int i, n, step;
    MLIP__CHECK_PTR(tr);
    MLIP__CHECK_PTR(path);
    MLIP__TRY(mlip_model_load_file(path, &ck));
    mip = mlip_model_tensor(ck, "train.mip", &n_mip);
    am = mlip_model_tensor(ck, "train.adam_m", &n_m);
    av = mlip_model_tensor(ck, "train.adam_v", &n_v);
    v = mlip_model_meta(ck, "train.step");
    mlip__trainer_describe(tr, text, sizeof text);
    if (!mip || !am || !av || !v) {
        st = mlip__fail(MLIP_ERR_FORMAT,
                        "%s is a model, not a training checkpoint (no train.* state)", path);
    } else if (n_mip != tr->dec->n_weights || n_m != tr->n_total || n_v != tr->n_total ||
               mlip_model_tensor_count(ck) - 3 != mlip_model_tensor_count(tr->model) ||
               memcmp(mlip_model_get_config(ck), mlip_model_get_config(tr->model),
                      sizeof(mlip_model_config))) {
        st = mlip__fail(MLIP_ERR_INVALID_ARG,
                        "%s: the checkpoint's model or decoder differs from this trainer's", path);
    } else if (!mlip_model_meta(ck, "train.config") ||
               strcmp(mlip_model_meta(ck, "train.config"), text)) {
        st = mlip__fail(
            MLIP_ERR_INVALID_ARG, "%s: trained with other settings (%s) than these (%s)", path,
            mlip_model_meta(ck, "train.config") ? mlip_model_meta(ck, "train.config") : "none",
            text);
    } else if (sscanf(v, "%d", &step) != 1 || step < 0) {
        st = mlip__fail(MLIP_ERR_FORMAT, "%s: bad train.step '%s'", path, v);
    } else {
        n = mlip_model_tensor_count(tr->model);
        for (i = 0; i < n; i++) { /* same config, so the same tensors in the same order */
            mlip_param_info info;
            size_t cnt;
            float *src, *dst;
            mlip_model_tensor_info(tr->model, i, &info, NULL);
            src = mlip_model_tensor(ck, info.name, &cnt);
            dst = mlip_model_tensor(tr->model, info.name, NULL);
            memcpy(dst, src, sizeof(float) * cnt);
        }
        memcpy(tr->dec->weights, mip, sizeof(float) * n_mip);
        memcpy(tr->adam_m, am, sizeof(float) * n_m);
        memcpy(tr->adam_v, av, sizeof(float) * n_v);
        tr->step = step;
        mlip_trainer_zero_grad(tr);
        st = MLIP_OK;
    }
    mlip_model_free(ck);
    return st;
}

/* ======================================================================================
   11. Downstream
   ====================================================================================== */
/* (section 11 implementation) */
/* ---- metrics ---- */

typedef struct mlip__scored {
    float score;
    int8_t label;
} mlip__scored;

static int mlip__scored_desc(const void *a, const void *b) {
    float x = ((const mlip__scored *)a)->score, y = ((const mlip__scored *)b)->score;
    return (x < y) - (x > y);
}

/* The samples with a 0/1 label, highest score first; *n_pos of them positive. Tied scores end
   up next to each other, in no particular order: every use below treats a tie as a block. */
static mlip_status mlip__ranked(const char *who, const float *scores, const int8_t *labels, int n,
                                mlip__scored **out, int *m, int *n_pos) {
    mlip__scored *v;
    int i, k = 0, p = 0;
    if (!scores || !labels || !out)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: NULL argument", who);
    if (n <= 0) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: n must be positive (got %d)", who, n);
    for (i = 0; i < n; i++) {
        if (labels[i] > 1)
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "%s: labels[%d] = %d (1, 0, or negative to skip)", who, i, labels[i]);
        if (labels[i] >= 0 && scores[i] - scores[i] != 0.0f)
            return mlip__fail(MLIP_ERR_NUMERIC, "%s: scores[%d] is not finite", who, i);
    }
    v = (mlip__scored *)mlip_alloc_zeroed((size_t)n, sizeof *v);
    if (!v) return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < n; i++)
        if (labels[i] >= 0) {
            v[k].score = scores[i];
            v[k].label = labels[i];
            p += labels[i];
            k++;
        }
    qsort(v, (size_t)k, sizeof *v, mlip__scored_desc);
    *out = v;
    *m = k;
    *n_pos = p;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_auroc(const float *scores, const int8_t *labels, int n, double *auroc) {
    mlip__scored *v = NULL;
    int m = 0, P = 0, i = 0, j;
    double N, neg_above = 0, wins = 0;
    MLIP__CHECK_PTR(auroc);
    MLIP__TRY(mlip__ranked("mlip_auroc", scores, labels, n, &v, &m, &P));
    N = (double)(m - P);
    if (P == 0 || N == 0) {
        mlip_free(v);
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_auroc: %d positives and %.0f negatives: AUROC needs both", P, N);
    }
    /* Per block of tied scores (highest first): each positive in it beats the negatives below
       the block and half of those inside it (average ranks, the Mann-Whitney U). Counts are
       integers in double, so this is exact up to the final division. */
    while (i < m) {
        double pos = 0, neg = 0;
        for (j = i; j < m && v[j].score == v[i].score; j++) {
            pos += v[j].label;
            neg += 1 - v[j].label;
        }
        wins += pos * (N - neg_above - neg + 0.5 * neg);
        neg_above += neg;
        i = j;
    }
    mlip_free(v);
    *auroc = wins / ((double)P * N);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_average_precision(const float *scores, const int8_t *labels, int n,
                                           double *ap) {
    mlip__scored *v = NULL;
    int m = 0, P = 0, i = 0, j;
    double tp = 0, seen = 0, sum = 0, prev_recall = 0;
    MLIP__CHECK_PTR(ap);
    MLIP__TRY(mlip__ranked("mlip_average_precision", scores, labels, n, &v, &m, &P));
    if (P == 0) {
        mlip_free(v);
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_average_precision: no positive sample");
    }
    while (i < m) { /* one threshold per block of tied scores */
        double recall;
        for (j = i; j < m && v[j].score == v[i].score; j++) tp += v[j].label, seen += 1;
        recall = tp / P;
        sum += (recall - prev_recall) * (tp / seen);
        prev_recall = recall;
        i = j;
    }
    mlip_free(v);
    *ap = sum;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_dice(const float *pred, const float *truth, size_t n, float threshold,
                              double *dice) {
    size_t i, np = 0, nt = 0, both = 0;
    MLIP__CHECK_PTR(pred);
    MLIP__CHECK_PTR(truth);
    MLIP__CHECK_PTR(dice);
    for (i = 0; i < n; i++) {
        int p = pred[i] >= threshold, t = truth[i] >= 0.5f;
        np += (size_t)p;
        nt += (size_t)t;
        both += (size_t)(p & t);
    }
    *dice = np + nt ? 2.0 * (double)both / ((double)np + (double)nt) : 1.0;
    return MLIP_OK;
}

/* ---- penalised logistic regression by Newton's method ---- */

static double mlip__sigmoid(double z) {
    double e;
    if (z >= 0) return 1.0 / (1.0 + exp(-z));
    e = exp(z);
    return e / (1.0 + e);
}

/* log(1 + e^z) - y z without overflow */
static double mlip__logistic_loss(double z, double y) {
    return (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - y * z;
}

/* The data term of a problem with p = d + 1 parameters theta = (w, b): *loss, and when
   asked the gradient grad (p) and Hessian hess (p, p, float). Scratch lives in ctx, so an
   evaluation fails only where mlip_sgemm can (out of memory). */
typedef mlip_status (*mlip__logistic_eval)(void *ctx, const double *theta, double *loss,
                                           double *grad, float *hess);

/* Cholesky solve of A x = b in place (A (p, p) is destroyed, b becomes x); 0 when A is not
   numerically positive definite. */
static int mlip__cholesky_solve(double *A, double *b, int p) {
    int i, j, k;
    for (j = 0; j < p; j++) {
        double *rj = A + (size_t)j * p, s = rj[j];
        for (k = 0; k < j; k++) s -= rj[k] * rj[k];
        if (!(s > 0)) return 0;
        rj[j] = sqrt(s);
        for (i = j + 1; i < p; i++) {
            double *ri = A + (size_t)i * p, t = ri[j];
            for (k = 0; k < j; k++) t -= ri[k] * rj[k];
            ri[j] = t / rj[j];
        }
    }
    for (i = 0; i < p; i++) { /* L y = b */
        double s = b[i];
        for (k = 0; k < i; k++) s -= A[(size_t)i * p + k] * b[k];
        b[i] = s / A[(size_t)i * p + i];
    }
    for (i = p - 1; i >= 0; i--) { /* L^T x = y */
        double s = b[i];
        for (k = i + 1; k < p; k++) s -= A[(size_t)k * p + i] * b[k];
        b[i] = s / A[(size_t)i * p + i];
    }
    return 1;
}

#define MLIP__NEWTON_MAX_ITER 100
#define MLIP__NEWTON_GRAD_TOL 1e-9

static double mlip__penalty(const double *theta, int d, float l2) {
    double s = 0;
    int j;
    for (j = 0; j < d; j++) s += theta[j] * theta[j];
    return 0.5 * l2 * s;
}

static mlip_status mlip__newton(const char *who, mlip__logistic_eval eval, void *ctx, int d,
                                float l2, mlip_logreg *model) {
    int p = d + 1, it, i, j, tries;
    size_t pp = (size_t)p * p;
    float *hess = (float *)mlip_alloc(pp * sizeof(float));
    double *A = (double *)mlip_alloc(pp * sizeof(double));
    double *work = (double *)mlip_alloc_zeroed((size_t)p * 4, sizeof(double));
    double *theta, *grad, *step, *trial, f = 0, ft = 0;
    mlip_status st = MLIP_OK;
    memset(model, 0, sizeof *model);
    model->weight = (float *)mlip_alloc_zeroed((size_t)d, sizeof(float));
    if (!hess || !A || !work || !model->weight) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto done;
    }
    theta = work;
    grad = work + p;
    step = work + 2 * p;
    trial = work + 3 * p;
    model->d = d;
    for (it = 0; it <= MLIP__NEWTON_MAX_ITER; it++) {
        double gmax = 0, slope = 0, t = 1, jitter = 0, dmax = 0;
        if ((st = eval(ctx, theta, &f, grad, hess)) != MLIP_OK) goto done;
        f += mlip__penalty(theta, d, l2);
        for (j = 0; j < p; j++) {
            if (j < d) grad[j] += l2 * theta[j];
            gmax = MLIP__MAX(gmax, fabs(grad[j]));
        }
        if (!(f - f == 0) || !(gmax - gmax == 0)) {
            st = mlip__fail(MLIP_ERR_NUMERIC,
                            "%s: the loss became non-finite (are the features finite?)", who);
            goto done;
        }
        if (gmax <= MLIP__NEWTON_GRAD_TOL) {
            model->converged = 1;
            break;
        }
        if (it == MLIP__NEWTON_MAX_ITER) break;
        for (j = 0; j < p; j++)
            dmax = MLIP__MAX(dmax, (double)hess[(size_t)j * p + j] + (j < d ? l2 : 0));
        /* Newton step (H + l2 I_w + mu I) step = -grad. The ridge mu = 1e-6 max diag(H) is
           above the float rounding of H: without it a Hessian that is singular in exact
           arithmetic (l2 = 0 with collinear features) factors with a rounding-sized pivot
           and the step runs off along the flat direction. It damps the steps only, never
           the fixed point (grad = 0), and grows until the matrix factors. */
        jitter = 1e-6 * dmax;
        for (tries = 0; tries < 12; tries++) {
            for (i = 0; i < p; i++) {
                for (j = 0; j < p; j++) A[(size_t)i * p + j] = hess[(size_t)i * p + j];
                A[(size_t)i * p + i] += (i < d ? l2 : 0) + jitter;
                step[i] = -grad[i];
            }
            if (mlip__cholesky_solve(A, step, p)) break;
            jitter = jitter > 0 ? jitter * 100 : 1e-30;
        }
        for (j = 0; j < p; j++) slope += grad[j] * step[j];
        if (tries == 12 || !(slope < 0)) /* no descent direction: fall back on the gradient */
            for (j = 0, slope = 0; j < p; j++) step[j] = -grad[j], slope -= grad[j] * grad[j];
        /* backtracking (Armijo): a full step near the optimum, shorter ones far from it */
        for (tries = 0; tries < 60; tries++, t *= 0.5) {
            for (j = 0; j < p; j++) trial[j] = theta[j] + t * step[j];
            if ((st = eval(ctx, trial, &ft, NULL, NULL)) != MLIP_OK) goto done;
            ft += mlip__penalty(trial, d, l2);
            if (ft <= f + 1e-4 * t * slope) break;
        }
        if (tries == 60) {
            /* no representable decrease: the optimum to working precision when the Newton
               decrement -slope is negligible against the loss */
            model->converged = -slope <= 1e-12 * (1 + fabs(f));
            break;
        }
        memcpy(theta, trial, (size_t)p * sizeof(double));
        model->iterations = it + 1;
    }
    for (j = 0; j < d; j++) model->weight[j] = (float)theta[j];
    model->bias = (float)theta[d];
    model->loss = f;
done:
    mlip_free(hess);
    mlip_free(A);
    mlip_free(work);
    if (st) mlip_logreg_free(model);
    return st;
}

typedef struct mlip__logreg_ctx {
    const float *X;
    const int8_t *y;
    int n, d;
    float *Xs; /* (n, d + 1): sqrt(s_i) [x_i, 1], the Hessian's factor */
} mlip__logreg_ctx;

static mlip_status mlip__logreg_eval(void *p, const double *theta, double *loss, double *grad,
                                     float *hess) {
    const mlip__logreg_ctx *c = (const mlip__logreg_ctx *)p;
    int i, j, d = c->d, q = d + 1;
    double sum = 0, inv_n = 1.0 / c->n;
    if (grad) memset(grad, 0, (size_t)q * sizeof(double));
    for (i = 0; i < c->n; i++) {
        const float *x = c->X + (size_t)i * d;
        double z = theta[d], y = c->y[i], r, s;
        for (j = 0; j < d; j++) z += theta[j] * x[j];
        sum += mlip__logistic_loss(z, y);
        if (!grad) continue;
        s = mlip__sigmoid(z);
        r = (s - y) * inv_n;
        for (j = 0; j < d; j++) grad[j] += r * x[j];
        grad[d] += r;
        if (hess) {
            float *xs = c->Xs + (size_t)i * q, w = (float)sqrt(s * (1 - s) * inv_n);
            for (j = 0; j < d; j++) xs[j] = w * x[j];
            xs[d] = w;
        }
    }
    *loss = sum * inv_n;
    if (hess)
        return mlip_sgemm(MLIP_TRANS, MLIP_NO_TRANS, q, q, c->n, 1.0f, c->Xs, q, c->Xs, q, 0.0f,
                          hess, q);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_logreg_fit(const float *X, const int8_t *y, int n, int d, float l2,
                                    mlip_logreg *model) {
    mlip__logreg_ctx c;
    size_t count = 0;
    mlip_status st;
    int i;
    MLIP__CHECK_PTR(X);
    MLIP__CHECK_PTR(y);
    MLIP__CHECK_PTR(model);
    MLIP__CHECK_POS(n);
    MLIP__CHECK_POS(d);
    if (!(l2 >= 0) || l2 - l2 != 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_logreg_fit: l2 must be >= 0 and finite");
    if (d >= 46340)
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "mlip_logreg_fit: d = %d is too large for Newton's method", d);
    for (i = 0; i < n; i++)
        if (y[i] != 0 && y[i] != 1)
            return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_logreg_fit: y[%d] = %d (must be 0 or 1)",
                              i, y[i]);
    if (mlip__count3(&count, n, d + 1, 1)) return MLIP_ERR_OVERFLOW;
    c.X = X;
    c.y = y;
    c.n = n;
    c.d = d;
    c.Xs = (float *)mlip_alloc(count * sizeof(float));
    if (!c.Xs) return MLIP_ERR_OUT_OF_MEMORY;
    st = mlip__newton("mlip_logreg_fit", mlip__logreg_eval, &c, d, l2, model);
    mlip_free(c.Xs);
    return st;
}

MLIPDEF mlip_status mlip_logreg_predict(const mlip_logreg *model, const float *X, int n,
                                        float *prob) {
    int i;
    MLIP__CHECK_PTR(model);
    MLIP__CHECK_PTR(model->weight);
    MLIP__CHECK_PTR(X);
    MLIP__CHECK_PTR(prob);
    MLIP__CHECK_POS(n);
    MLIP__CHECK_POS(model->d);
    for (i = 0; i < n; i++)
        prob[i] = (float)mlip__sigmoid(
            model->bias + mlip_dot(X + (size_t)i * model->d, model->weight, (size_t)model->d));
    return MLIP_OK;
}

MLIPDEF void mlip_logreg_free(mlip_logreg *model) {
    if (!model) return;
    mlip_free(model->weight);
    memset(model, 0, sizeof *model);
}

/* ---- bilinear resampling (PyTorch align_corners=False) ----
   Separable: output row y mixes source rows fy[y], fy[y] + 1 with weights wy[2y], wy[2y + 1]
   (one source row when ny[y] == 1), and the same along x. The weights are the image
   preprocessing's half-pixel bilinear ones (section 13), which clamp at the edges exactly as
   PyTorch does. */
static void mlip__img_axis(int in, int size, int span, int off, int area, int max_taps, int *first,
                           int *n, float *w);

typedef struct mlip__bilinear {
    int gh, gw, h, w;
    int *fy, *ny, *fx, *nx;
    float *wy, *wx;
} mlip__bilinear;

static void mlip__bilinear_free(mlip__bilinear *b) {
    mlip_free(b->fy);
    mlip_free(b->wy);
}

static mlip_status mlip__bilinear_plan(const char *who, mlip__bilinear *b, int gh, int gw, int h,
                                       int w) {
    memset(b, 0, sizeof *b);
    if (gh <= 0 || gw <= 0 || h <= 0 || w <= 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: sizes must be positive (%d x %d -> %d x %d)",
                          who, gh, gw, h, w);
    b->gh = gh;
    b->gw = gw;
    b->h = h;
    b->w = w;
    b->fy = (int *)mlip_alloc_zeroed(2 * ((size_t)h + (size_t)w), sizeof(int));
    b->wy = (float *)mlip_alloc_zeroed(2 * ((size_t)h + (size_t)w), sizeof(float));
    if (!b->fy || !b->wy) {
        mlip__bilinear_free(b);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    b->ny = b->fy + h;
    b->fx = b->fy + 2 * (size_t)h;
    b->nx = b->fx + w;
    b->wx = b->wy + 2 * (size_t)h;
    mlip__img_axis(gh, h, h, 0, 0, 2, b->fy, b->ny, b->wy);
    mlip__img_axis(gw, w, w, 0, 0, 2, b->fx, b->nx, b->wx);
    return MLIP_OK;
}

/* out (h, w) = U in (gh, gw) */
static void mlip__bilinear_apply(const mlip__bilinear *b, const double *in, double *out) {
    int y, x, i, k;
    for (y = 0; y < b->h; y++)
        for (x = 0; x < b->w; x++) {
            double acc = 0;
            for (i = 0; i < b->ny[y]; i++)
                for (k = 0; k < b->nx[x]; k++)
                    acc += (double)b->wy[2 * y + i] * b->wx[2 * x + k] *
                           in[(size_t)(b->fy[y] + i) * b->gw + b->fx[x] + k];
            out[(size_t)y * b->w + x] = acc;
        }
}

/* din (gh, gw) += U^T dout (h, w) */
static void mlip__bilinear_adjoint(const mlip__bilinear *b, const double *dout, double *din) {
    int y, x, i, k;
    for (y = 0; y < b->h; y++)
        for (x = 0; x < b->w; x++) {
            double g = dout[(size_t)y * b->w + x];
            for (i = 0; i < b->ny[y]; i++)
                for (k = 0; k < b->nx[x]; k++)
                    din[(size_t)(b->fy[y] + i) * b->gw + b->fx[x] + k] +=
                        (double)b->wy[2 * y + i] * b->wx[2 * x + k] * g;
        }
}

/* The float entry points work in double inside (one conversion each way). */
static mlip_status mlip__upsample(const char *who, int adjoint, const float *src, float *dst,
                                  int gh, int gw, int h, int w) {
    mlip__bilinear b;
    size_t n_small = 0, n_big = 0, i, n_src, n_dst;
    double *a, *c;
    if (!src || !dst) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: NULL argument", who);
    MLIP__TRY(mlip__bilinear_plan(who, &b, gh, gw, h, w));
    if (mlip__count3(&n_small, gh, gw, 2) || mlip__count3(&n_big, h, w, 2)) {
        mlip__bilinear_free(&b);
        return MLIP_ERR_OVERFLOW;
    }
    n_small /= 2;
    n_big /= 2;
    n_src = adjoint ? n_big : n_small;
    n_dst = adjoint ? n_small : n_big;
    a = (double *)mlip_alloc(n_src * sizeof(double));
    c = (double *)mlip_alloc_zeroed(n_dst, sizeof(double));
    if (a && c) {
        for (i = 0; i < n_src; i++) a[i] = src[i];
        if (adjoint) {
            mlip__bilinear_adjoint(&b, a, c);
            for (i = 0; i < n_dst; i++) dst[i] += (float)c[i];
        } else {
            mlip__bilinear_apply(&b, a, c);
            for (i = 0; i < n_dst; i++) dst[i] = (float)c[i];
        }
    }
    mlip_free(a);
    mlip_free(c);
    mlip__bilinear_free(&b);
    return a && c ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
}

MLIPDEF mlip_status mlip_upsample_bilinear(const float *in, int gh, int gw, float *out, int h,
                                           int w) {
    return mlip__upsample("mlip_upsample_bilinear", 0, in, out, gh, gw, h, w);
}

MLIPDEF mlip_status mlip_upsample_bilinear_backward(float *din, const float *dout, int gh, int gw,
                                                    int h, int w) {
    return mlip__upsample("mlip_upsample_bilinear_backward", 1, dout, din, gh, gw, h, w);
}

/* ---- segmentation head ---- */

typedef struct mlip__seg_ctx {
    const float *masks;
    int n_img, K, D, npix;
    mlip__bilinear up;
    float *faug; /* (n_img, K, D + 1): [features, 1] */
    float *M, *T; /* (K, K) = U^T diag(s) U of one image, (K, D + 1) = M faug */
    double *zk, *zp; /* (K) patch logits (then U^T r), (npix) pixel logits (then residuals) */
} mlip__seg_ctx;

static mlip_status mlip__seg_eval(void *p, const double *theta, double *loss, double *grad,
                                  float *hess) {
    mlip__seg_ctx *c = (mlip__seg_ctx *)p;
    int img, k, j, q = c->D + 1, K = c->K;
    double sum = 0, inv = 1.0 / ((double)c->n_img * c->npix);
    if (grad) memset(grad, 0, (size_t)q * sizeof(double));
    for (img = 0; img < c->n_img; img++) {
        const float *fa = c->faug + (size_t)img * K * q, *y = c->masks + (size_t)img * c->npix;
        for (k = 0; k < K; k++) { /* patch logits: theta . [f_k, 1] */
            double z = 0;
            for (j = 0; j < q; j++) z += theta[j] * fa[(size_t)k * q + j];
            c->zk[k] = z;
        }
        mlip__bilinear_apply(&c->up, c->zk, c->zp);
        if (hess) memset(c->M, 0, (size_t)K * K * sizeof(float));
        for (k = 0; k < c->npix; k++) {
            double z = c->zp[k], s;
            sum += mlip__logistic_loss(z, y[k]);
            if (!grad) continue;
            s = mlip__sigmoid(z);
            c->zp[k] = (s - y[k]) * inv; /* the residual, pulled back to the patches below */
            if (hess) { /* M += s (1 - s) u u^T, u = the <= 4 bilinear weights of this pixel */
                const mlip__bilinear *b = &c->up;
                int py = k / b->w, px = k % b->w, i1, k1, i2, k2;
                float wgt = (float)(s * (1 - s) * inv);
                for (i1 = 0; i1 < b->ny[py]; i1++)
                    for (k1 = 0; k1 < b->nx[px]; k1++) {
                        int r = (b->fy[py] + i1) * b->gw + b->fx[px] + k1;
                        float u1 = wgt * b->wy[2 * py + i1] * b->wx[2 * px + k1];
                        for (i2 = 0; i2 < b->ny[py]; i2++)
                            for (k2 = 0; k2 < b->nx[px]; k2++)
                                c->M[(size_t)r * K + (b->fy[py] + i2) * b->gw + b->fx[px] + k2] +=
                                    u1 * b->wy[2 * py + i2] * b->wx[2 * px + k2];
                    }
            }
        }
        if (!grad) continue;
        memset(c->zk, 0, (size_t)K * sizeof(double));
        mlip__bilinear_adjoint(&c->up, c->zp, c->zk);
        for (k = 0; k < K; k++)
            for (j = 0; j < q; j++) grad[j] += c->zk[k] * fa[(size_t)k * q + j];
        if (hess) { /* H += faug^T M faug */
            MLIP__TRY(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, K, q, K, 1.0f, c->M, K, fa, q, 0.0f,
                                 c->T, q));
            MLIP__TRY(mlip_sgemm(MLIP_TRANS, MLIP_NO_TRANS, q, q, K, 1.0f, fa, q, c->T, q,
                                 img ? 1.0f : 0.0f, hess, q));
        }
    }
    *loss = sum * inv;
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_seghead_fit(const float *features, const float *masks, int n_img, int gh,
                                     int gw, int D, int h, int w, float l2, mlip_logreg *head) {
    mlip__seg_ctx c;
    size_t n_faug = 0, n_pix = 0, n_M = 0, i;
    int img, k, K;
    mlip_status st;
    MLIP__CHECK_PTR(features);
    MLIP__CHECK_PTR(masks);
    MLIP__CHECK_PTR(head);
    MLIP__CHECK_POS(n_img);
    MLIP__CHECK_POS(gh);
    MLIP__CHECK_POS(gw);
    MLIP__CHECK_POS(D);
    MLIP__CHECK_POS(h);
    MLIP__CHECK_POS(w);
    if (!(l2 >= 0) || l2 - l2 != 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_seghead_fit: l2 must be >= 0 and finite");
    if (D >= 46340 || (double)gh * gw >= 46340 || (double)h * w > 0x7fffffff)
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "mlip_seghead_fit: D = %d, grid %d x %d or mask %d x %d too large", D, gh,
                          gw, h, w);
    K = gh * gw;
    if (mlip__count3(&n_faug, n_img, K, D + 1) || mlip__count3(&n_pix, n_img, h, w) ||
        mlip__count3(&n_M, K, K, 1))
        return MLIP_ERR_OVERFLOW;
    for (i = 0; i < n_pix; i++)
        if (!(masks[i] >= 0 && masks[i] <= 1))
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "mlip_seghead_fit: masks[%lu] = %g outside [0, 1]", (unsigned long)i,
                              masks[i]);
    memset(&c, 0, sizeof c);
    c.masks = masks;
    c.n_img = n_img;
    c.K = K;
    c.D = D;
    c.npix = h * w;
    MLIP__TRY(mlip__bilinear_plan("mlip_seghead_fit", &c.up, gh, gw, h, w));
    c.faug = (float *)mlip_alloc(n_faug * sizeof(float));
    c.M = (float *)mlip_alloc(n_M * sizeof(float));
    c.T = (float *)mlip_alloc((size_t)K * (D + 1) * sizeof(float));
    c.zk = (double *)mlip_alloc((size_t)K * sizeof(double));
    c.zp = (double *)mlip_alloc((size_t)c.npix * sizeof(double));
    st = c.faug && c.M && c.T && c.zk && c.zp ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
    if (!st) {
        for (img = 0; img < n_img; img++)
            for (k = 0; k < K; k++) {
                const float *f = features + ((size_t)img * K + k) * D;
                float *fa = c.faug + ((size_t)img * K + k) * (D + 1);
                memcpy(fa, f, (size_t)D * sizeof(float));
                fa[D] = 1.0f;
            }
        st = mlip__newton("mlip_seghead_fit", mlip__seg_eval, &c, D, l2, head);
    }
    mlip__bilinear_free(&c.up);
    mlip_free(c.faug);
    mlip_free(c.M);
    mlip_free(c.T);
    mlip_free(c.zk);
    mlip_free(c.zp);
    return st;
}

MLIPDEF mlip_status mlip_seghead_predict(const mlip_logreg *head, const float *features, int gh,
                                         int gw, int h, int w, float *prob) {
    mlip__bilinear b;
    double *zk, *zp;
    int k;
    size_t i;
    MLIP__CHECK_PTR(head);
    MLIP__CHECK_PTR(head->weight);
    MLIP__CHECK_PTR(features);
    MLIP__CHECK_PTR(prob);
    MLIP__CHECK_POS(head->d);
    MLIP__TRY(mlip__bilinear_plan("mlip_seghead_predict", &b, gh, gw, h, w));
    zk = (double *)mlip_alloc((size_t)gh * gw * sizeof(double));
    zp = (double *)mlip_alloc((size_t)h * w * sizeof(double));
    if (zk && zp) {
        for (k = 0; k < gh * gw; k++)
            zk[k] = head->bias +
                    mlip_dot(features + (size_t)k * head->d, head->weight, (size_t)head->d);
        mlip__bilinear_apply(&b, zk, zp);
        for (i = 0; i < (size_t)h * w; i++) prob[i] = (float)mlip__sigmoid(zp[i]);
    }
    mlip_free(zk);
    mlip_free(zp);
    mlip__bilinear_free(&b);
    return zk && zp ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
}

/* ---- explanation maps ---- */

/* Control points of the ramp, evenly spaced in v, interpolated linearly in sRGB. Luma rises
   at every step (0.00, 0.07, 0.11, 0.19, 0.26, 0.34, 0.46, 0.61, 0.93). */
static const float mlip__ramp[9][3] = {
    {0.00f, 0.00f, 0.02f}, {0.10f, 0.04f, 0.25f}, {0.26f, 0.04f, 0.41f},
    {0.42f, 0.09f, 0.43f}, {0.58f, 0.15f, 0.40f}, {0.74f, 0.22f, 0.32f},
    {0.88f, 0.36f, 0.19f}, {0.97f, 0.56f, 0.06f}, {0.98f, 0.95f, 0.60f}};

MLIPDEF void mlip_colormap(float v, float rgb[3]) {
    float t;
    int i, c;
    if (!(v > 0)) v = 0; /* NaN too */
    if (v > 1) v = 1;
    t = v * 8;
    i = (int)t;
    if (i > 7) i = 7;
    t -= (float)i;
    for (c = 0; c < 3; c++)
        rgb[c] = mlip__ramp[i][c] + t * (mlip__ramp[i + 1][c] - mlip__ramp[i][c]);
}

MLIPDEF mlip_status mlip_heatmap_overlay(const float *gray, const float *heat, int H, int W, int gh,
                                         int gw, float alpha, float *rgb_out) {
    size_t n = 0, i;
    double *up;
    double lo, hi;
    MLIP__CHECK_PTR(gray);
    MLIP__CHECK_PTR(heat);
    MLIP__CHECK_PTR(rgb_out);
    MLIP__CHECK_POS(H);
    MLIP__CHECK_POS(W);
    MLIP__CHECK_POS(gh);
    MLIP__CHECK_POS(gw);
    if (!(alpha >= 0 && alpha <= 1))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_heatmap_overlay: alpha must be in [0, 1]");
    if (mlip_find_nonfinite(heat, (size_t)gh * gw) >= 0)
        return mlip__fail(MLIP_ERR_NUMERIC, "mlip_heatmap_overlay: heat holds NaN or Inf");
    if (mlip__count3(&n, H, W, 3)) return MLIP_ERR_OVERFLOW;
    n /= 3;
    up = (double *)mlip_alloc(n * sizeof(double));
    if (!up) return MLIP_ERR_OUT_OF_MEMORY;
    {
        mlip__bilinear b;
        double *small = (double *)mlip_alloc((size_t)gh * gw * sizeof(double));
        mlip_status st = small ? mlip__bilinear_plan("mlip_heatmap_overlay", &b, gh, gw, H, W)
                               : MLIP_ERR_OUT_OF_MEMORY;
        if (!st) {
            for (i = 0; i < (size_t)gh * gw; i++) small[i] = heat[i];
            mlip__bilinear_apply(&b, small, up);
            mlip__bilinear_free(&b);
        }
        mlip_free(small);
        if (st) {
            mlip_free(up);
            return st;
        }
    }
    lo = hi = up[0];
    for (i = 1; i < n; i++) lo = MLIP__MIN(lo, up[i]), hi = MLIP__MAX(hi, up[i]);
    for (i = 0; i < n; i++) {
        float v = hi > lo ? (float)((up[i] - lo) / (hi - lo)) : 0.0f, col[3], g = gray[i], a;
        int c;
        g = g > 0 ? (g < 1 ? g : 1) : 0;
        a = alpha * (0.25f + 0.75f * v);
        mlip_colormap(v, col);
        for (c = 0; c < 3; c++) rgb_out[(size_t)c * n + i] = (1 - a) * g + a * col[c];
    }
    mlip_free(up);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_tile_panels(const float *panels, int n, int H, int W, int cols, int gap,
                                     float *out, int *out_w, int *out_h) {
    int rows, ow, oh, p, c, y;
    size_t total = 0, plane;
    MLIP__CHECK_PTR(out_w);
    MLIP__CHECK_PTR(out_h);
    MLIP__CHECK_POS(n);
    MLIP__CHECK_POS(H);
    MLIP__CHECK_POS(W);
    if (gap < 0) return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_tile_panels: gap must be >= 0");
    if (cols <= 0 || cols > n) cols = n;
    rows = (n + cols - 1) / cols;
    if ((double)cols * W + (double)(cols - 1) * gap > 0x7fffffff ||
        (double)rows * H + (double)(rows - 1) * gap > 0x7fffffff)
        return mlip__fail(MLIP_ERR_OVERFLOW, "mlip_tile_panels: the tiled image is too large");
    ow = cols * W + (cols - 1) * gap;
    oh = rows * H + (rows - 1) * gap;
    if (mlip__count3(&total, ow, oh, 3)) return MLIP_ERR_OVERFLOW;
    *out_w = ow;
    *out_h = oh;
    if (!out) return MLIP_OK;
    MLIP__CHECK_PTR(panels);
    mlip_fill(out, total, 1.0f);
    plane = (size_t)ow * oh;
    for (p = 0; p < n; p++) {
        int x0 = (p % cols) * (W + gap), y0 = (p / cols) * (H + gap);
        for (c = 0; c < 3; c++)
            for (y = 0; y < H; y++)
                memcpy(out + c * plane + (size_t)(y0 + y) * ow + x0,
                       panels + (((size_t)p * 3 + c) * H + y) * W, (size_t)W * sizeof(float));
    }
    return MLIP_OK;
}

/* ---- zero-shot and embeddings ---- */

#define MLIP__EMBED_CHUNK 8 /* images or texts encoded at once: bounds the activation memory */

/* The positions a text is encoded with: max_tokens, or (<= 0 or past the encoder's positions)
   the model's context length; at least 2 ([CLS] and [SEP], or start and end of text). */
static mlip_status mlip__model_text_positions(const mlip_model *m, const char *who, int max_tokens,
                                              int *T) {
    const mlip_model_config *c = &m->config;
    int ctx = c->context_length > 0 ? c->context_length : c->bert.max_positions;
    if (!m->bert) return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: the model has no text encoder", who);
    *T = max_tokens <= 0 || max_tokens > c->bert.max_positions ? ctx : max_tokens;
    if (*T < 2)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "%s: max_tokens %d leaves no room for the start and end tokens", who, *T);
    return MLIP_OK;
}

/* A head's weight (D, width) and bias (D), checked against the shapes the caller expects. */
static mlip_status mlip__head(mlip_model *m, const char *name, int D, int width, const float **w,
                              const float **b) {
    char key[64];
    size_t nw = 0, nb = 0;
    snprintf(key, sizeof key, "head.%s.weight", name);
    *w = mlip_model_tensor(m, key, &nw);
    snprintf(key, sizeof key, "head.%s.bias", name);
    *b = mlip_model_tensor(m, key, &nb);
    if (!*w || !*b || nw != (size_t)D * width || nb != (size_t)D)
        return mlip__fail(MLIP_ERR_FORMAT, "head.%s: missing or not (%d, %d)", name, D, width);
    return MLIP_OK;
}

/* out (rows, D) = l2normalise(global head (pooled (rows, width))), whatever the head's kind:
   linear, MLP (hidden layer without bias, erf GELU) or none. */
static mlip_status mlip__global_head_forward(mlip_model *m, int text, const float *pooled, int rows,
                                             float *out) {
    const mlip_model_config *c = &m->config;
    mlip_head_kind kind = text ? c->text_head : c->image_head;
    int width = text ? c->bert.width : c->vit.width, H = width, D = c->embed_dim;
    const float *w, *b, *hidden_w;
    float *hidden = NULL;
    mlip_status st;
    if (kind == MLIP_HEAD_NONE) return mlip_l2norm_forward(out, NULL, pooled, rows, D, 1e-12f);
    if (kind == MLIP_HEAD_MLP) {
        H = text ? c->text_head_hidden : c->image_head_hidden;
        hidden_w = mlip__model_extra(m, text ? 13 : 12);
        hidden = (float *)mlip_alloc_zeroed((size_t)rows, (size_t)H * sizeof(float));
        if (!hidden) return MLIP_ERR_OUT_OF_MEMORY;
        st = mlip_linear_forward(hidden, pooled, hidden_w, NULL, rows, width, H);
        if (!st) st = mlip_gelu_forward(hidden, hidden, (size_t)rows * H, MLIP_GELU_ERF);
        pooled = hidden;
        if (st) goto done;
    }
    st = mlip__head(m, text ? "global_text" : "global_image", D, H, &w, &b);
    if (!st) st = mlip_projection_forward(out, NULL, NULL, pooled, w, b, rows, H, D);
done:
    mlip_free(hidden);
    return st;
}

MLIPDEF mlip_status mlip_model_embed_images(mlip_model *model, const float *pixels, int B,
                                            float *global, float *local) {
    const mlip_model_config *cfg;
    mlip_encoder *vit;
    const float *lw = NULL, *lb = NULL;
    float *img = NULL, *out = NULL, *cls = NULL;
    int C, K, width, D, chunk, b0, i, c;
    size_t plane, per_img = 0, per_out = 0, p;
    mlip_status st = MLIP_OK;
    MLIP__CHECK_PTR(model);
    MLIP__CHECK_PTR(pixels);
    MLIP__CHECK_PTR(global);
    MLIP__CHECK_POS(B);
    cfg = mlip_model_get_config(model);
    vit = mlip_model_vit(model);
    C = cfg->vit.channels;
    width = mlip_encoder_width(vit);
    D = cfg->embed_dim;
    K = mlip__patch_count(vit->img_h, vit->img_w, cfg->vit.patch_size);
    for (c = 0; c < C; c++)
        if (!(cfg->image_std[c] > 0))
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "mlip_model_embed_images: image_std[%d] is not positive", c);
    if (local && cfg->kind == MLIP_MODEL_MLIP)
        MLIP__TRY(mlip__head(model, "local_image", D, width, &lw, &lb));
    chunk = MLIP__MIN(B, MLIP__EMBED_CHUNK);
    plane = (size_t)vit->img_h * vit->img_w;
    if (mlip__count3(&per_img, C, vit->img_h, vit->img_w) ||
        mlip__count3(&per_out, K + 1, width, chunk))
        return MLIP_ERR_OVERFLOW;
    img = (float *)mlip_alloc_zeroed(per_img * chunk, sizeof(float));
    out = (float *)mlip_alloc_zeroed(per_out, sizeof(float));
    cls = (float *)mlip_alloc_zeroed((size_t)chunk * width, sizeof(float));
    if (!img || !out || !cls) st = MLIP_ERR_OUT_OF_MEMORY;
    for (b0 = 0; !st && b0 < B; b0 += chunk) {
        int nb = MLIP__MIN(chunk, B - b0);
        for (i = 0; i < nb; i++) /* the ViT's input normalisation, per channel */
            for (c = 0; c < C; c++) {
                const float *src = pixels + ((size_t)(b0 + i) * C + c) * plane;
                float *dst = img + ((size_t)i * C + c) * plane, mean = cfg->image_mean[c],
                      inv = 1.0f / cfg->image_std[c];
                for (p = 0; p < plane; p++) dst[p] = (src[p] - mean) * inv;
            }
        if ((st = mlip_vit_forward(vit, img, nb, NULL, 0, 0, out)) != MLIP_OK) break;
        st = mlip_encoder_pool(vit, out, nb, K + 1, NULL, cls);
        if (!st) st = mlip__global_head_forward(model, 0, cls, nb, global + (size_t)b0 * D);
        for (i = 0; !st && local && i < nb; i++) {
            const float *patches = out + ((size_t)i * (K + 1) + 1) * width;
            float *dst = local + (size_t)(b0 + i) * K * D;
            st = lw ? mlip_projection_forward(dst, NULL, NULL, patches, lw, lb, K, width, D)
                    : mlip__global_head_forward(model, 0, patches, K, dst); /* no local head */
        }
    }
    mlip_free(img);
    mlip_free(out);
    mlip_free(cls);
    return st;
}

MLIPDEF mlip_status mlip_model_embed_sentences(mlip_model *model, const mlip_tokenizer *tok,
                                               const char *text, int max_tokens, int max_sentences,
                                               float *local, float *global, int *n_sent) {
    const mlip_model_config *cfg;
    mlip_encoder *bert;
    mlip_tokenizer *own = NULL;
    const float *lw, *lb, *gw, *gb;
    float *out = NULL, *mean = NULL;
    int *ids = NULL, *begin = NULL, *end = NULL, T = 0, width, D, real = 0, n = 0;
    uint8_t *mask = NULL;
    mlip_status st;
    MLIP__CHECK_PTR(model);
    MLIP__CHECK_PTR(text);
    MLIP__CHECK_PTR(local);
    MLIP__CHECK_PTR(n_sent);
    MLIP__CHECK_POS(max_sentences);
    *n_sent = 0;
    cfg = mlip_model_get_config(model);
    MLIP__TRY(mlip__model_text_positions(model, __func__, max_tokens, &T));
    if (cfg->kind != MLIP_MODEL_MLIP)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: this model has no local heads", __func__);
    bert = mlip_model_bert(model);
    width = mlip_encoder_width(bert);
    D = cfg->embed_dim;
    MLIP__TRY(mlip__head(model, "local_text", D, width, &lw, &lb));
    MLIP__TRY(mlip__head(model, "global_text", D, width, &gw, &gb));
    if (!tok) {
        MLIP__TRY(mlip_model_tokenizer(model, &own));
        tok = own;
    }
    out = (float *)mlip_alloc_zeroed((size_t)T, (size_t)width * sizeof(float));
    mean = (float *)mlip_alloc_zeroed((size_t)max_sentences, (size_t)width * sizeof(float));
    ids = (int *)mlip_alloc_zeroed((size_t)T, sizeof(int));
    mask = (uint8_t *)mlip_alloc_zeroed((size_t)T, 1);
    begin = (int *)mlip_alloc_zeroed((size_t)max_sentences, sizeof(int));
    end = (int *)mlip_alloc_zeroed((size_t)max_sentences, sizeof(int));
    st = out && mean && ids && mask && begin && end ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
    if (!st) st = mlip_tokenizer_encode(tok, text, strlen(text), T, ids, mask, &real);
    if (!st)
        st = mlip_tokenizer_sentences(tok, text, strlen(text), T, max_sentences, begin, end, &n);
    if (!st) st = mlip_bert_forward(bert, ids, NULL, mask, 1, real, 0, out); /* no padding needed */
    if (!st && global) st = mlip_projection_forward(global, NULL, NULL, out, gw, gb, 1, width, D);
    if (!st && n > 0) st = mlip_span_mean_forward(mean, out, begin, end, n, real, width);
    if (!st && n > 0) st = mlip_projection_forward(local, NULL, NULL, mean, lw, lb, n, width, D);
    if (!st) *n_sent = n;
    mlip_free(out);
    mlip_free(mean);
    mlip_free(ids);
    mlip_free(mask);
    mlip_free(begin);
    mlip_free(end);
    mlip_tokenizer_free(own);
    return st;
}

MLIPDEF mlip_status mlip_explain_plan(const float *patch_local, const float *sentences, int K,
                                      int L, int D, const mlip_ot_options *opt, float *plan,
                                      float *z) {
    float *S;
    mlip_status st;
    MLIP__CHECK_PTR(patch_local);
    MLIP__CHECK_PTR(sentences);
    MLIP__CHECK_PTR(plan);
    MLIP__CHECK_POS(K);
    MLIP__CHECK_POS(L);
    MLIP__CHECK_POS(D);
    if (!(S = (float *)mlip_alloc_zeroed((size_t)K, (size_t)L * sizeof(float))))
        return MLIP_ERR_OUT_OF_MEMORY;
    st = mlip_sgemm(MLIP_NO_TRANS, MLIP_TRANS, K, L, D, 1.0f, patch_local, D, sentences, D, 0.0f, S,
                    L);
    if (!st) st = mlip_sinkhorn(S, K, L, L, opt, plan, z, NULL, NULL);
    mlip_free(S);
    return st;
}

MLIPDEF mlip_status mlip_model_embed_token_ids(mlip_model *model, const int *ids,
                                               const uint8_t *mask, int n, int T, float *global) {
    mlip_encoder *bert;
    float *out = NULL, *pooled = NULL;
    int width, D, chunk, i0;
    size_t per_out = 0;
    mlip_status st;
    MLIP__CHECK_PTR(model);
    MLIP__CHECK_PTR(ids);
    MLIP__CHECK_PTR(global);
    MLIP__CHECK_POS(n);
    MLIP__CHECK_POS(T);
    if (!(bert = mlip_model_bert(model)))
        return mlip__fail(MLIP_ERR_INVALID_ARG, "%s: the model has no text encoder", __func__);
    width = mlip_encoder_width(bert);
    D = model->config.embed_dim;
    chunk = MLIP__MIN(n, MLIP__EMBED_CHUNK);
    MLIP__TRY(mlip__count3(&per_out, chunk, T, width));
    out = (float *)mlip_alloc(per_out * sizeof(float));
    pooled = (float *)mlip_alloc((size_t)chunk * width * sizeof(float));
    st = out && pooled ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
    for (i0 = 0; !st && i0 < n; i0 += chunk) {
        int nb = MLIP__MIN(chunk, n - i0);
        const uint8_t *m = mask ? mask + (size_t)i0 * T : NULL;
        st = mlip_bert_forward(bert, ids + (size_t)i0 * T, NULL, m, nb, T, 0, out);
        if (!st) st = mlip_encoder_pool(bert, out, nb, T, m, pooled);
        if (!st) st = mlip__global_head_forward(model, 1, pooled, nb, global + (size_t)i0 * D);
    }
    mlip_free(out);
    mlip_free(pooled);
    return st;
}

MLIPDEF mlip_status mlip_model_embed_texts(mlip_model *model, const mlip_tokenizer *tok,
                                           const char *const *texts, int n, int max_tokens,
                                           float *global) {
    mlip_tokenizer *own = NULL;
    int *ids = NULL;
    uint8_t *mask = NULL;
    int T = 0, D, chunk, i0, i;
    mlip_status st;
    MLIP__CHECK_PTR(model);
    MLIP__CHECK_PTR(texts);
    MLIP__CHECK_PTR(global);
    MLIP__CHECK_POS(n);
    for (i = 0; i < n; i++)
        if (!texts[i])
            return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_model_embed_texts: texts[%d] is NULL", i);
    MLIP__TRY(mlip__model_text_positions(model, __func__, max_tokens, &T));
    D = model->config.embed_dim;
    if (!tok) {
        MLIP__TRY(mlip_model_tokenizer(model, &own));
        tok = own;
    }
    chunk = MLIP__MIN(n, MLIP__EMBED_CHUNK);
    ids = (int *)mlip_alloc_zeroed((size_t)chunk * T, sizeof(int));
    mask = (uint8_t *)mlip_alloc_zeroed((size_t)chunk * T, 1);
    st = ids && mask ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
    for (i0 = 0; !st && i0 < n; i0 += chunk) {
        int nb = MLIP__MIN(chunk, n - i0), longest = 2, real = 0;
        for (i = 0; !st && i < nb; i++) {
            st = mlip_tokenizer_encode(tok, texts[i0 + i], strlen(texts[i0 + i]), T,
                                       ids + (size_t)i * T, mask + (size_t)i * T, &real);
            longest = MLIP__MAX(longest, real);
        }
        if (st) break;
        /* drop the padding columns no text of this chunk reaches: padding is masked out of
           attention, so the pooled token does not change, and short texts cost less */
        for (i = 1; i < nb; i++) {
            memmove(ids + (size_t)i * longest, ids + (size_t)i * T, (size_t)longest * sizeof(int));
            memmove(mask + (size_t)i * longest, mask + (size_t)i * T, (size_t)longest);
        }
        st = mlip_model_embed_token_ids(model, ids, mask, nb, longest, global + (size_t)i0 * D);
    }
    mlip_free(ids);
    mlip_free(mask);
    mlip_tokenizer_free(own);
    return st;
}

MLIPDEF mlip_status mlip_model_logit_scale(mlip_model *model, int local, float *scale) {
    const char *name = local ? "local_logit_scale" : "logit_scale";
    size_t count = 0;
    const float *theta;
    MLIP__CHECK_PTR(model);
    MLIP__CHECK_PTR(scale);
    theta = mlip_model_tensor(model, name, &count);
    if (!theta || count != 1)
        return mlip__fail(MLIP_ERR_FORMAT, "mlip_model_logit_scale: the model has no scalar %s",
                          name);
    if (theta[0] - theta[0] != 0.0f)
        return mlip__fail(MLIP_ERR_NUMERIC, "mlip_model_logit_scale: %s is not finite", name);
    *scale = theta[0] >= logf(MLIP_LOGIT_SCALE_MAX) ? MLIP_LOGIT_SCALE_MAX : expf(theta[0]);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_zeroshot_scores(const float *img, const float *pos, const float *neg,
                                         int B, int C, int D, float scale, float *prob) {
    size_t n = 0, i;
    float *sn;
    MLIP__CHECK_PTR(img);
    MLIP__CHECK_PTR(pos);
    MLIP__CHECK_PTR(prob);
    MLIP__CHECK_POS(B);
    MLIP__CHECK_POS(C);
    MLIP__CHECK_POS(D);
    if (!(scale > 0) || scale - scale != 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_zeroshot_scores: scale must be positive and finite");
    if (mlip__count3(&n, B, C, 1)) return MLIP_ERR_OVERFLOW;
    MLIP__TRY(mlip_sgemm(MLIP_NO_TRANS, MLIP_TRANS, B, C, D, scale, img, D, pos, D, 0.0f, prob, C));
    if (!neg) return mlip_softmax_forward(prob, prob, B, C);
    sn = (float *)mlip_alloc(n * sizeof(float));
    if (!sn) return MLIP_ERR_OUT_OF_MEMORY;
    if (mlip_sgemm(MLIP_NO_TRANS, MLIP_TRANS, B, C, D, scale, img, D, neg, D, 0.0f, sn, C)) {
        mlip_free(sn);
        return MLIP_ERR_OUT_OF_MEMORY;
    }
    /* a two-way softmax {pos, neg} is the sigmoid of the difference */
    for (i = 0; i < n; i++) prob[i] = (float)mlip__sigmoid((double)prob[i] - sn[i]);
    mlip_free(sn);
    return MLIP_OK;
}

static int mlip__float_desc(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x < y) - (x > y);
}

MLIPDEF mlip_status mlip_local_topk_score(const float *patch_local, const float *sentence, int K,
                                          int D, float fraction, float *score) {
    float *sim;
    double ns, sum = 0;
    int k, m;
    MLIP__CHECK_PTR(patch_local);
    MLIP__CHECK_PTR(sentence);
    MLIP__CHECK_PTR(score);
    MLIP__CHECK_POS(K);
    MLIP__CHECK_POS(D);
    if (fraction == 0) fraction = 0.1f;
    if (!(fraction > 0 && fraction <= 1))
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_local_topk_score: fraction must be in (0, 1]");
    m = mlip__ceil_share(K, mlip__millionths(fraction)); /* 0.1f of 10 patches is 1 */
    sim = (float *)mlip_alloc((size_t)K * sizeof(float));
    if (!sim) return MLIP_ERR_OUT_OF_MEMORY;
    ns = sqrt(mlip_dot(sentence, sentence, (size_t)D));
    for (k = 0; k < K; k++) {
        const float *pk = patch_local + (size_t)k * D;
        double np = sqrt(mlip_dot(pk, pk, (size_t)D));
        sim[k] = (float)(mlip_dot(pk, sentence, (size_t)D) / MLIP__MAX(np * ns, 1e-12));
    }
    qsort(sim, (size_t)K, sizeof(float), mlip__float_desc);
    for (k = 0; k < m; k++) sum += sim[k];
    mlip_free(sim);
    *score = (float)(sum / m);
    return MLIP_OK;
}

/* ======================================================================================
   12. File format
   ====================================================================================== */

#define MLIP__FMT_VERSION 1u
#define MLIP__FMT_HEADER 40u

/* ---- number conversions (bit patterns, so any host) ---- */
static uint32_t mlip__fmt_f2u(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static float mlip__fmt_u2f(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static uint16_t mlip__fmt_f32_to_f16(float f) { /* round to nearest even */
    uint32_t x = mlip__fmt_f2u(f), sign = (x >> 16) & 0x8000u, e = (x >> 23) & 0xffu,
             mant = x & 0x7fffffu;
    int ee = (int)e - 112;
    if (e == 0xff) return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u | (mant >> 13) : 0));
    if (ee >= 31) return (uint16_t)(sign | 0x7c00u);
    if (ee <= 0) { /* subnormal half: q = M >> (14 - ee) */
        uint32_t M = mant | 0x800000u, s, q, rem, half;
        if (ee < -10) return (uint16_t)sign;
        s = (uint32_t)(14 - ee);
        q = M >> s;
        rem = M & ((1u << s) - 1);
        half = 1u << (s - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        return (uint16_t)(sign | q);
    }
    {
        uint32_t h = ((uint32_t)ee << 10) | (mant >> 13), rem = mant & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;
        return (uint16_t)(sign | h);
    }
}
static float mlip__fmt_f16_to_f32(uint32_t h) {
    uint32_t sign = (h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (e == 0) {
        float f = (float)mant * 5.9604644775390625e-8f; /* 2^-24, exact */
        return sign ? -f : f;
    }
    if (e == 31) return mlip__fmt_u2f(sign | 0x7f800000u | (mant << 13));
    return mlip__fmt_u2f(sign | ((e + 112) << 23) | (mant << 13));
}
static uint16_t mlip__fmt_f32_to_bf16(float f) {
    uint32_t x = mlip__fmt_f2u(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u); /* quiet NaN */
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}
static float mlip__fmt_d2f(double d) { /* out-of-range conversion is undefined in C: saturate */
    return d > FLT_MAX ? HUGE_VALF : d < -FLT_MAX ? -HUGE_VALF : (float)d;
}
static int mlip__fmt_host_le(void) {
    uint32_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Rows and columns of a tensor for int8 scales: cols is the last dim. */
static void mlip__fmt_rows_cols(const mlip_param_info *p, size_t *rows, size_t *cols) {
    *cols = p->ndim >= 1 ? (size_t)p->shape[p->ndim - 1] : 1;
    *rows = *cols ? p->count / *cols : 0;
}

/* Bytes a tensor takes stored as dtype (counts are small enough: they come from a model). */
static size_t mlip__fmt_nbytes(const mlip_param_info *p, int dtype) {
    size_t rows, cols;
    if (dtype == MLIP_DTYPE_F32) return 4 * p->count;
    if (dtype != MLIP_DTYPE_INT8) return 2 * p->count;
    mlip__fmt_rows_cols(p, &rows, &cols);
    return 4 * rows + p->count;
}

/* Decode n stored elements (dtype, little-endian) into f32. */
static void mlip__fmt_decode(float *dst, const unsigned char *src, const mlip_param_info *p,
                             int dtype) {
    size_t i, r, rows, cols;
    switch (dtype) {
    case MLIP_DTYPE_F32:
        for (i = 0; i < p->count; i++) dst[i] = mlip__fmt_u2f(mlip__load32(src + 4 * i, 0));
        break;
    case MLIP_DTYPE_F16:
        for (i = 0; i < p->count; i++) dst[i] = mlip__fmt_f16_to_f32(mlip__load16(src + 2 * i, 0));
        break;
    case MLIP_DTYPE_BF16:
        for (i = 0; i < p->count; i++) dst[i] = mlip__fmt_u2f(mlip__load16(src + 2 * i, 0) << 16);
        break;
    default: /* int8 */
        mlip__fmt_rows_cols(p, &rows, &cols);
        for (r = 0; r < rows; r++) {
            float s = mlip__fmt_u2f(mlip__load32(src + 4 * r, 0));
            const signed char *q = (const signed char *)(src + 4 * rows + r * cols);
            for (i = 0; i < cols; i++) dst[r * cols + i] = s * (float)q[i];
        }
    }
}

/* ---- writer: one routine runs against a sink that counts, fills a buffer or writes a file ---- */
typedef struct mlip__fmt_sink {
    FILE *f;
    unsigned char *buf;
    size_t pos, cap;
    int err;
} mlip__fmt_sink;

static void mlip__fmt_put(mlip__fmt_sink *s, const void *p, size_t n) {
    if (s->f) {
        if (n && fwrite(p, 1, n, s->f) != n) s->err = 1;
    } else if (s->buf) {
        if (n > s->cap - s->pos || s->pos > s->cap)
            s->err = 1;
        else if (n)
            memcpy(s->buf + s->pos, p, n);
    }
    s->pos += n;
}
static void mlip__fmt_put32(mlip__fmt_sink *s, uint32_t v) {
    unsigned char b[4];
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16);
    b[3] = (unsigned char)(v >> 24);
    mlip__fmt_put(s, b, 4);
}
static void mlip__fmt_put64(mlip__fmt_sink *s, uint64_t v) {
    mlip__fmt_put32(s, (uint32_t)v);
    mlip__fmt_put32(s, (uint32_t)(v >> 32));
}
static void mlip__fmt_putstr(mlip__fmt_sink *s, const char *str, size_t n) {
    mlip__fmt_put32(s, (uint32_t)n);
    mlip__fmt_put(s, str, n);
}
static void mlip__fmt_pad(mlip__fmt_sink *s, size_t to) {
    static const unsigned char zeros[64] = {0};
    while (s->pos < to) mlip__fmt_put(s, zeros, MLIP__MIN(to - s->pos, sizeof zeros));
}

/* The integer and float keys of the config, in file order. */
typedef struct mlip__fmt_key {
    const char *name;
    size_t offset; /* in mlip_model_config */
    int type; /* 0 u32 (an int or enum field), 2 f32 */
    int optional; /* written only when not 0, 0 when absent: the architecture switches */
} mlip__fmt_key;
typedef char mlip__fmt_enum_is_int[sizeof(mlip_gelu_kind) == sizeof(int) ? 1 : -1];
static const mlip__fmt_key mlip__fmt_keys[] = {
    {"vit.image_size", offsetof(mlip_model_config, vit.image_size), 0, 0},
    {"vit.patch_size", offsetof(mlip_model_config, vit.patch_size), 0, 0},
    {"vit.channels", offsetof(mlip_model_config, vit.channels), 0, 0},
    {"vit.width", offsetof(mlip_model_config, vit.width), 0, 0},
    {"vit.layers", offsetof(mlip_model_config, vit.layers), 0, 0},
    {"vit.heads", offsetof(mlip_model_config, vit.heads), 0, 0},
    {"vit.mlp_dim", offsetof(mlip_model_config, vit.mlp_dim), 0, 0},
    {"vit.ln_eps", offsetof(mlip_model_config, vit.ln_eps), 2, 0},
    {"bert.vocab_size", offsetof(mlip_model_config, bert.vocab_size), 0, 0},
    {"bert.max_positions", offsetof(mlip_model_config, bert.max_positions), 0, 0},
    {"bert.type_vocab_size", offsetof(mlip_model_config, bert.type_vocab_size), 0, 0},
    {"bert.width", offsetof(mlip_model_config, bert.width), 0, 0},
    {"bert.layers", offsetof(mlip_model_config, bert.layers), 0, 0},
    {"bert.heads", offsetof(mlip_model_config, bert.heads), 0, 0},
    {"bert.mlp_dim", offsetof(mlip_model_config, bert.mlp_dim), 0, 0},
    {"bert.ln_eps", offsetof(mlip_model_config, bert.ln_eps), 2, 0},
    {"model.embed_dim", offsetof(mlip_model_config, embed_dim), 0, 0},
    {"vit.gelu", offsetof(mlip_model_config, vit.gelu), 0, 1},
    {"vit.pre_norm", offsetof(mlip_model_config, vit.pre_norm), 0, 1},
    {"vit.pool", offsetof(mlip_model_config, vit.pool), 0, 1},
    {"vit.fc_norm", offsetof(mlip_model_config, vit.fc_norm), 0, 1},
    {"bert.kind", offsetof(mlip_model_config, bert.kind), 0, 1},
    {"bert.gelu", offsetof(mlip_model_config, bert.gelu), 0, 1},
    {"model.kind", offsetof(mlip_model_config, kind), 0, 1},
    {"model.image_head", offsetof(mlip_model_config, image_head), 0, 1},
    {"model.text_head", offsetof(mlip_model_config, text_head), 0, 1},
    {"model.image_head_hidden", offsetof(mlip_model_config, image_head_hidden), 0, 1},
    {"model.text_head_hidden", offsetof(mlip_model_config, text_head_hidden), 0, 1},
    {"tokenizer.context_length", offsetof(mlip_model_config, context_length), 0, 1},
    {"tokenizer.bpe", offsetof(mlip_model_config, tokenizer_bpe), 0, 1},
    {"image.resize", offsetof(mlip_model_config, image_resize), 0, 1},
    {"image.fit", offsetof(mlip_model_config, image_fit), 0, 1},
};
#define MLIP__FMT_N_KEYS ((int)(sizeof mlip__fmt_keys / sizeof mlip__fmt_keys[0]))

/* The stored dtype of tensor p when saving as `want`: matrices take it, vectors stay f32. */
static int mlip__fmt_save_dtype(const mlip_param_info *p, int want) {
    return p->ndim >= 2 ? want : MLIP_DTYPE_F32;
}

/* Keys of the table a config writes: the required ones and the switches not at 0. */
static int mlip__fmt_n_config_keys(const mlip_model_config *c) {
    int k, n = 0;
    for (k = 0; k < MLIP__FMT_N_KEYS; k++) {
        int v32;
        memcpy(&v32, (const char *)c + mlip__fmt_keys[k].offset, sizeof v32);
        n += !mlip__fmt_keys[k].optional || v32 != 0;
    }
    return n;
}

/* The key-value section: the config's keys, image.mean/std, tokenizer.*, then the metadata. */
static void mlip__fmt_write_kv(const mlip_model *m, mlip__fmt_sink *t) {
    const mlip_model_config *c = &m->config;
    int k, ch;
    for (k = 0; k < MLIP__FMT_N_KEYS; k++) {
        const char *field = (const char *)c + mlip__fmt_keys[k].offset;
        int v32;
        memcpy(&v32, field, sizeof v32);
        if (mlip__fmt_keys[k].optional && v32 == 0) continue; /* as mlip__fmt_n_config_keys */
        mlip__fmt_putstr(t, mlip__fmt_keys[k].name, strlen(mlip__fmt_keys[k].name));
        mlip__fmt_put32(t, (uint32_t)mlip__fmt_keys[k].type);
        if (mlip__fmt_keys[k].type == 0) {
            int v;
            memcpy(&v, field, sizeof v);
            mlip__fmt_put32(t, (uint32_t)v);
        } else {
            float v;
            memcpy(&v, field, sizeof v);
            mlip__fmt_put32(t, mlip__fmt_f2u(v));
        }
    }
    for (k = 0; k < 2; k++) {
        const float *v = k ? c->image_std : c->image_mean;
        mlip__fmt_putstr(t, k ? "image.std" : "image.mean", k ? 9 : 10);
        mlip__fmt_put32(t, 5);
        mlip__fmt_put32(t, (uint32_t)c->vit.channels);
        for (ch = 0; ch < c->vit.channels; ch++) mlip__fmt_put32(t, mlip__fmt_f2u(v[ch]));
    }
    mlip__fmt_putstr(t, "tokenizer.lowercase", 19);
    mlip__fmt_put32(t, 0);
    mlip__fmt_put32(t, (uint32_t)c->lowercase);
    if (m->vocab_n) {
        const char *v = m->vocab;
        mlip__fmt_putstr(t, "tokenizer.vocab", 15);
        mlip__fmt_put32(t, 4);
        mlip__fmt_put32(t, (uint32_t)m->vocab_n);
        for (k = 0; k < m->vocab_n; k++) {
            const char *nl = strchr(v, '\n');
            mlip__fmt_putstr(t, v, (size_t)(nl - v));
            v = nl + 1;
        }
    }
    for (k = 0; k < m->n_meta; k++) {
        mlip__fmt_putstr(t, m->meta[2 * k], strlen(m->meta[2 * k]));
        mlip__fmt_put32(t, 3);
        mlip__fmt_putstr(t, m->meta[2 * k + 1], strlen(m->meta[2 * k + 1]));
    }
}

/* One tensor entry of the table; *off: where its data go (advanced past them). */
static void mlip__fmt_write_entry(mlip__fmt_sink *s, const mlip_param_info *p, const char *prefix,
                                  int dt, size_t *off) {
    size_t pl = strlen(prefix), nl = strlen(p->name), nb = mlip__fmt_nbytes(p, dt);
    int d;
    mlip__fmt_put32(s, (uint32_t)(pl + nl));
    mlip__fmt_put(s, prefix, pl);
    mlip__fmt_put(s, p->name, nl);
    mlip__fmt_put32(s, (uint32_t)dt);
    mlip__fmt_put32(s, (uint32_t)p->ndim);
    for (d = 0; d < p->ndim; d++) mlip__fmt_put64(s, (uint64_t)p->shape[d]);
    *off = (*off + 63) / 64 * 64;
    mlip__fmt_put64(s, *off);
    mlip__fmt_put64(s, nb);
    *off += nb;
}

/* A tensor as int8: the per-row scales (max |x| / 127), then the rounded values. */
static mlip_status mlip__fmt_write_int8(mlip__fmt_sink *s, const mlip_param_info *p,
                                        const char *prefix, const float *data) {
    unsigned char chunk[4096];
    size_t j, k = 0, rows, cols, r;
    mlip__fmt_rows_cols(p, &rows, &cols);
    for (r = 0; r < rows; r++) { /* the scales */
        float mx = 0;
        for (j = 0; j < cols; j++) {
            float a = (float)fabs(data[r * cols + j]);
            if (!(a <= FLT_MAX))
                return mlip__fail(MLIP_ERR_NUMERIC, "save as int8: %s%s is not finite", prefix,
                                  p->name);
            if (a > mx) mx = a;
        }
        mlip__fmt_put32(s, mlip__fmt_f2u(mx / 127.0f));
    }
    for (r = 0; r < rows; r++) {
        float mx = 0, inv;
        for (j = 0; j < cols; j++) mx = MLIP__MAX(mx, (float)fabs(data[r * cols + j]));
        inv = mx > 0 ? 1.0f / (mx / 127.0f) : 0.0f;
        for (j = 0; j < cols; j++) {
            float q = data[r * cols + j] * inv; /* inv may be inf for a subnormal row */
            int qi;
            q = q != q ? 0.0f : q > 127.0f ? 127.0f : q < -127.0f ? -127.0f : q;
            qi = q >= 0 ? (int)(q + 0.5f) : -(int)(-q + 0.5f);
            chunk[k++] = (unsigned char)(signed char)MLIP__MAX(-127, MLIP__MIN(127, qi));
            if (k == sizeof chunk) {
                mlip__fmt_put(s, chunk, k);
                k = 0;
            }
        }
    }
    mlip__fmt_put(s, chunk, k);
    return MLIP_OK;
}

/* A tensor as f32, f16 or bf16, little-endian. */
static void mlip__fmt_write_floats(mlip__fmt_sink *s, const mlip_param_info *p, const float *data,
                                   int dt) {
    unsigned char chunk[4096];
    size_t j, k = 0;
    for (j = 0; j < p->count; j++) {
        uint32_t v = dt == MLIP_DTYPE_F32   ? mlip__fmt_f2u(data[j])
                     : dt == MLIP_DTYPE_F16 ? mlip__fmt_f32_to_f16(data[j])
                                            : mlip__fmt_f32_to_bf16(data[j]);
        chunk[k++] = (unsigned char)v;
        chunk[k++] = (unsigned char)(v >> 8);
        if (dt == MLIP_DTYPE_F32) {
            chunk[k++] = (unsigned char)(v >> 16);
            chunk[k++] = (unsigned char)(v >> 24);
        }
        if (k == sizeof chunk) {
            mlip__fmt_put(s, chunk, k);
            k = 0;
        }
    }
    mlip__fmt_put(s, chunk, k);
}

static mlip_status mlip__fmt_write(const mlip_model *m, int dtype, mlip__fmt_sink *s) {
    int i, n = mlip_model_tensor_count(m);
    int n_kv = mlip__fmt_n_config_keys(&m->config) + 3 + (m->vocab_n ? 1 : 0) + m->n_meta;
    size_t table = 0, data_off, data_size = 0, off, start = s->pos;
    const char *prefix;
    float *data;
    mlip__fmt_sink dry;
    /* sizes first: the tensor table, then the data offsets */
    for (i = 0; i < n; i++) {
        const mlip_param_info *p = mlip__model_tensor(m, i, &prefix, &data);
        table += 4 + strlen(prefix) + strlen(p->name) + 8 + 8 * (size_t)p->ndim + 16;
        data_size =
            (data_size + 63) / 64 * 64 + mlip__fmt_nbytes(p, mlip__fmt_save_dtype(p, dtype));
    }
    data_size = (data_size + 63) / 64 * 64;
    memset(&dry, 0, sizeof dry); /* data_offset needs the key-value size: a dry sink counts it */
    mlip__fmt_write_kv(m, &dry);
    data_off = (MLIP__FMT_HEADER + dry.pos + table + 63) / 64 * 64;
    /* header, key-value entries, tensor table */
    mlip__fmt_put(s, "MLIP", 4);
    mlip__fmt_put32(s, MLIP__FMT_VERSION);
    mlip__fmt_put32(s, 0x01020304u);
    mlip__fmt_put32(s, (uint32_t)n_kv);
    mlip__fmt_put32(s, (uint32_t)n);
    mlip__fmt_put32(s, 0);
    mlip__fmt_put64(s, data_off);
    mlip__fmt_put64(s, data_size);
    mlip__fmt_write_kv(m, s);
    for (i = 0, off = 0; i < n; i++) {
        const mlip_param_info *p = mlip__model_tensor(m, i, &prefix, &data);
        mlip__fmt_write_entry(s, p, prefix, mlip__fmt_save_dtype(p, dtype), &off);
    }
    mlip__fmt_pad(s, start + data_off);
    /* data */
    for (i = 0, off = 0; i < n; i++) {
        const mlip_param_info *p = mlip__model_tensor(m, i, &prefix, &data);
        int dt = mlip__fmt_save_dtype(p, dtype);
        off = (off + 63) / 64 * 64;
        mlip__fmt_pad(s, start + data_off + off);
        if (dt == MLIP_DTYPE_INT8)
            MLIP__TRY(mlip__fmt_write_int8(s, p, prefix, data));
        else
            mlip__fmt_write_floats(s, p, data, dt);
        off += mlip__fmt_nbytes(p, dt);
    }
    mlip__fmt_pad(s, start + data_off + data_size);
    if (s->err) return mlip__fail(MLIP_ERR_IO, "mlip_model_save: write failed");
    return MLIP_OK;
}

static mlip_status mlip__fmt_check_dtype(const mlip_model *m, mlip_dtype dtype) {
    MLIP__CHECK_PTR(m);
    if ((int)dtype < 0 || (int)dtype > 3)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "save: unknown dtype %d", (int)dtype);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_model_save_memory(const mlip_model *m, mlip_dtype dtype, void **buf,
                                           size_t *len) {
    mlip__fmt_sink s;
    mlip_status st;
    MLIP__CHECK_PTR(buf);
    MLIP__CHECK_PTR(len);
    *buf = NULL;
    *len = 0;
    MLIP__TRY(mlip__fmt_check_dtype(m, dtype));
    memset(&s, 0, sizeof s);
    MLIP__TRY(mlip__fmt_write(m, (int)dtype, &s)); /* count */
    s.cap = s.pos;
    s.pos = 0;
    if (!(s.buf = (unsigned char *)mlip_alloc(s.cap ? s.cap : 1))) return MLIP_ERR_OUT_OF_MEMORY;
    if ((st = mlip__fmt_write(m, (int)dtype, &s))) {
        mlip_free(s.buf);
        return st;
    }
    *buf = s.buf;
    *len = s.pos;
    return MLIP_OK;
}

/* Write through PATH.tmp and rename, so readers never see a half-written file. */
static mlip_status mlip__fmt_save_file(const char *path,
                                       mlip_status (*write)(const void *, int, mlip__fmt_sink *),
                                       const void *obj, int arg) {
    size_t n = strlen(path);
    char *tmp = (char *)mlip_alloc(n + 5);
    mlip__fmt_sink s;
    mlip_status st;
    if (!tmp) return MLIP_ERR_OUT_OF_MEMORY;
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);
    memset(&s, 0, sizeof s);
    if (!(s.f = fopen(tmp, "wb"))) {
        st = mlip__fail(MLIP_ERR_IO, "cannot create %s", tmp);
        mlip_free(tmp);
        return st;
    }
    st = write(obj, arg, &s);
    if (fclose(s.f) && !st) st = mlip__fail(MLIP_ERR_IO, "error writing %s", tmp);
#ifdef _WIN32
    if (!st) remove(path); /* rename does not replace there */
#endif
    if (!st && rename(tmp, path)) st = mlip__fail(MLIP_ERR_IO, "cannot rename %s to %s", tmp, path);
    if (st) remove(tmp);
    mlip_free(tmp);
    return st;
}
static mlip_status mlip__fmt_write_cb(const void *m, int dtype, mlip__fmt_sink *s) {
    return mlip__fmt_write((const mlip_model *)m, dtype, s);
}

MLIPDEF mlip_status mlip_model_save_as(const mlip_model *m, const char *path, mlip_dtype dtype) {
    MLIP__CHECK_PTR(path);
    MLIP__TRY(mlip__fmt_check_dtype(m, dtype));
    return mlip__fmt_save_file(path, mlip__fmt_write_cb, m, (int)dtype);
}
MLIPDEF mlip_status mlip_model_save(const mlip_model *m, const char *path) {
    return mlip_model_save_as(m, path, MLIP_DTYPE_F32);
}

/* ---- reader ---- */
/* A string (u32 length, bytes) of at most max bytes without NUL; *s points into the buffer. */
static int mlip__fmt_getstr(mlip__cursor *r, const char **s, size_t *n, size_t max) {
    uint32_t l;
    const unsigned char *b;
    if (!mlip__cursor_u32(r, &l) || l > max || !mlip__cursor_bytes(r, l, &b)) return 0;
    *s = (const char *)b;
    *n = l;
    return !memchr(*s, '\0', l);
}

#define MLIP__FMT_TRUNC(r, what)                                                                   \
    mlip__fail(MLIP_ERR_FORMAT, "mlip file: %s at byte %lu is truncated, too long or holds a NUL", \
               what, (unsigned long)(r)->pos)

static int mlip__fmt_reserved(const char *k, size_t n) {
    return (n >= 4 && !memcmp(k, "vit.", 4)) || (n >= 5 && !memcmp(k, "bert.", 5)) ||
           (n >= 6 && !memcmp(k, "model.", 6)) || (n >= 6 && !memcmp(k, "image.", 6)) ||
           (n >= 10 && !memcmp(k, "tokenizer.", 10));
}
static int mlip__fmt_key_is(const char *k, size_t n, const char *name) {
    return strlen(name) == n && !memcmp(k, name, n);
}

/* Parameters a config asks for (a double: never overflows), to refuse a config larger than the file
   before allocating it. */
static double mlip__fmt_param_estimate(const mlip_model_config *c) {
    double vw = c->vit.width, tw = c->bert.width, K = 0;
    if (c->vit.patch_size > 0)
        K = ((double)c->vit.image_size / c->vit.patch_size) *
            ((double)c->vit.image_size / c->vit.patch_size);
    return (double)c->vit.layers * (4.0 * vw * vw + 2.0 * vw * c->vit.mlp_dim) +
           vw * c->vit.channels * c->vit.patch_size * c->vit.patch_size + K * vw +
           (double)c->bert.layers * (4.0 * tw * tw + 2.0 * tw * c->bert.mlp_dim) +
           ((double)c->bert.vocab_size + c->bert.max_positions + c->bert.type_vocab_size) * tw +
           2.0 * c->embed_dim * (vw + tw);
}

/* Make the model a config describes, with file-flavoured errors. */
static mlip_status mlip__fmt_model_for(const mlip_model_config *c, size_t budget, const char *what,
                                       mlip_model **out) {
    mlip_status st;
    double est = mlip__fmt_param_estimate(c);
    if (est > (double)budget)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "%s: the config asks for %.3g parameters but the file has %lu bytes",
                          what, est, (unsigned long)budget);
    if ((st = mlip_model_create(c, out))) {
        char msg[160];
        size_t l = strlen(mlip_last_error());
        if (st != MLIP_ERR_INVALID_ARG && st != MLIP_ERR_OVERFLOW) return st;
        l = MLIP__MIN(l, sizeof msg - 1);
        memcpy(msg, mlip_last_error(), l);
        msg[l] = '\0';
        return mlip__fail(MLIP_ERR_FORMAT, "%s: bad config: %s", what, msg);
    }
    return MLIP_OK;
}

/* Set the vocabulary from count strings at r (bounds are checked here). */
static mlip_status mlip__fmt_vocab_from(mlip_model *m, mlip__cursor r, uint32_t count) {
    size_t total = 0, pos = 0, n;
    uint32_t i;
    const char *s;
    char *v;
    mlip__cursor r2 = r;
    if (count > (uint32_t)m->config.bert.vocab_size)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "mlip file: tokenizer.vocab has %u tokens, BERT only %d embeddings",
                          count, m->config.bert.vocab_size);
    for (i = 0; i < count; i++) {
        if (!mlip__fmt_getstr(&r, &s, &n, r.len) || !mlip__model_token_ok(s, n))
            return mlip__fail(
                MLIP_ERR_FORMAT,
                "mlip file: tokenizer.vocab token %u holds a line feed or NUL or ends in CR", i);
        total += n + 1;
    }
    if (!(v = (char *)mlip_alloc(total + 1))) return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < count; i++) {
        mlip__fmt_getstr(&r2, &s, &n, r2.len);
        memcpy(v + pos, s, n);
        pos += n;
        v[pos++] = '\n';
    }
    v[pos] = '\0';
    mlip_free(m->vocab);
    m->vocab = v;
    m->vocab_len = total;
    m->vocab_n = (int)count;
    return MLIP_OK;
}

/* ---- reading, step (a): the container -> a table of entries. Header, key-value entries and
   tensor directory are parsed and bounds-checked against the buffer before any model exists;
   strings point into the buffer. Step (b) below binds the entries to a model. ---- */
typedef struct mlip__fmt_kv {
    const char *key, *str; /* str: a string value (type 3) */
    size_t klen, slen;
    uint32_t type, v32, count; /* v32: a scalar's bits; count: an array's length */
    size_t vpos; /* an array's first element */
    int meta; /* a free-form string: metadata the model keeps */
} mlip__fmt_kv;

typedef struct mlip__fmt_entry {
    const char *name;
    size_t nlen;
    uint32_t dtype, rank;
    uint64_t dims[4], off, nbytes;
} mlip__fmt_entry;

typedef struct mlip__fmt_file {
    const unsigned char *buf;
    size_t len;
    uint32_t n_kv, n_tensors;
    uint64_t data_offset, data_size;
    mlip__fmt_kv *kv; /* n_kv entries */
    mlip__fmt_entry *t; /* n_entries tensor entries read, the first n_ok of them well placed */
    uint32_t n_entries, n_ok;
    /* why the directory ends early: reported once the entries before it are bound, so errors
       come in file order */
    mlip_status dir_st;
    char dir_msg[256];
} mlip__fmt_file;

static void mlip__fmt_file_free(mlip__fmt_file *f) {
    mlip_free(f->kv);
    mlip_free(f->t);
}

static mlip_status mlip__fmt_read_header(mlip__fmt_file *f, mlip__cursor *r) {
    uint32_t version, check, flags;
    if (f->len < MLIP__FMT_HEADER)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "mlip file: %lu bytes is shorter than the 40-byte header",
                          (unsigned long)f->len);
    if (memcmp(f->buf, "MLIP", 4))
        return mlip__fail(MLIP_ERR_FORMAT, "mlip file: bad magic (not a .mlip file)");
    r->pos = 4;
    mlip__cursor_u32(r, &version);
    if (version != MLIP__FMT_VERSION)
        return mlip__fail(MLIP_ERR_FORMAT, "mlip file: version %u, this reader knows version %u",
                          version, MLIP__FMT_VERSION);
    mlip__cursor_u32(r, &check);
    if (check != 0x01020304u)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "mlip file: endianness check is 0x%08x, expected 0x01020304", check);
    mlip__cursor_u32(r, &f->n_kv);
    mlip__cursor_u32(r, &f->n_tensors);
    mlip__cursor_u32(r, &flags);
    mlip__cursor_uint(r, 8, &f->data_offset);
    mlip__cursor_uint(r, 8, &f->data_size);
    if (flags) return mlip__fail(MLIP_ERR_FORMAT, "mlip file: unknown flags 0x%x", flags);
    if (f->n_kv > MLIP__FMT_MAX_KV)
        return mlip__fail(MLIP_ERR_FORMAT, "mlip file: %u keys (at most %u)", f->n_kv,
                          MLIP__FMT_MAX_KV);
    if (f->data_offset > f->len || f->data_size != f->len - f->data_offset || f->data_offset % 64)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "mlip file: data at %llu + %llu bytes does not end the %lu-byte file (or "
                          "is not 64-aligned)",
                          (unsigned long long)f->data_offset, (unsigned long long)f->data_size,
                          (unsigned long)f->len);
    return MLIP_OK;
}

/* One key-value entry at r: its bounds, not yet its meaning. */
static mlip_status mlip__fmt_read_kv(mlip__cursor *r, mlip__fmt_kv *kv) {
    uint32_t j, v;
    memset(kv, 0, sizeof *kv);
    if (!mlip__fmt_getstr(r, &kv->key, &kv->klen, MLIP__FMT_MAX_NAME) || kv->klen == 0 ||
        !mlip__cursor_u32(r, &kv->type))
        return MLIP__FMT_TRUNC(r, "a key");
    if (kv->type <= 2) {
        if (!mlip__cursor_u32(r, &kv->v32)) return MLIP__FMT_TRUNC(r, "a value");
    } else if (kv->type == 3) {
        if (!mlip__fmt_getstr(r, &kv->str, &kv->slen, r->len))
            return MLIP__FMT_TRUNC(r, "a string value");
    } else if (kv->type == 4 || kv->type == 5) {
        if (!mlip__cursor_u32(r, &kv->count) || kv->count > (r->len - r->pos) / 4)
            return MLIP__FMT_TRUNC(r, "an array");
        kv->vpos = r->pos;
        for (j = 0; j < kv->count; j++) {
            const char *s;
            size_t sl;
            if (kv->type == 4 ? !mlip__fmt_getstr(r, &s, &sl, r->len) : !mlip__cursor_u32(r, &v))
                return MLIP__FMT_TRUNC(r, "an array element");
        }
    } else {
        return mlip__fail(MLIP_ERR_FORMAT, "mlip file: key '%.*s' has unknown value type %u",
                          (int)kv->klen, kv->key, kv->type);
    }
    return MLIP_OK;
}

/* One tensor entry at r (its fields, not yet its placement). */
static mlip_status mlip__fmt_read_entry(mlip__cursor *r, mlip__fmt_entry *t) {
    uint32_t d;
    memset(t, 0, sizeof *t);
    if (!mlip__fmt_getstr(r, &t->name, &t->nlen, MLIP__FMT_MAX_NAME) || t->nlen == 0)
        return MLIP__FMT_TRUNC(r, "a tensor name");
    if (!mlip__cursor_u32(r, &t->dtype) || !mlip__cursor_u32(r, &t->rank))
        return MLIP__FMT_TRUNC(r, "a tensor entry");
    if (t->dtype > 3)
        return mlip__fail(MLIP_ERR_FORMAT, "mlip file: tensor '%.*s' has unknown dtype %u",
                          (int)t->nlen, t->name, t->dtype);
    if (t->rank > 4)
        return mlip__fail(MLIP_ERR_FORMAT, "mlip file: tensor '%.*s' has rank %u (at most 4)",
                          (int)t->nlen, t->name, t->rank);
    for (d = 0; d < t->rank; d++)
        if (!mlip__cursor_uint(r, 8, &t->dims[d])) return MLIP__FMT_TRUNC(r, "a tensor entry");
    if (!mlip__cursor_uint(r, 8, &t->off) || !mlip__cursor_uint(r, 8, &t->nbytes))
        return MLIP__FMT_TRUNC(r, "a tensor entry");
    return MLIP_OK;
}

/* Bytes the entry's dtype and dims give (the file's dims: saturates instead of overflowing). */
static uint64_t mlip__fmt_entry_bytes(const mlip__fmt_entry *t) {
    uint64_t n = 1, cols = t->rank ? t->dims[t->rank - 1] : 1;
    uint32_t d;
    for (d = 0; d < t->rank; d++) {
        if (t->dims[d] && n > (uint64_t)-1 / 8 / t->dims[d]) return (uint64_t)-1;
        n *= t->dims[d];
    }
    if (t->dtype == MLIP_DTYPE_F32) return 4 * n;
    if (t->dtype != MLIP_DTYPE_INT8) return 2 * n;
    return 4 * (cols ? n / cols : 0) + n;
}

/* The entry's data: its size, 64-aligned, after the previous tensor's, inside the data section. */
static int mlip__fmt_entry_placed(const mlip__fmt_file *f, const mlip__fmt_entry *t,
                                  uint64_t prev_end) {
    return t->nbytes == mlip__fmt_entry_bytes(t) && t->off % 64 == 0 && t->off >= prev_end &&
           t->off <= f->data_size && t->nbytes <= f->data_size - t->off;
}

/* The tensor directory. Its first malformed or misplaced entry ends it, the error kept in f. */
static mlip_status mlip__fmt_read_dir(mlip__fmt_file *f, mlip__cursor *r) {
    uint64_t prev_end = 0;
    /* an entry takes at least 29 bytes, so the rest of the file bounds the count */
    size_t cap = MLIP__MIN((size_t)f->n_tensors, (f->len - r->pos) / 29 + 1);
    mlip_status st = MLIP_OK;
    f->t = (mlip__fmt_entry *)mlip_alloc_zeroed(cap + 1, sizeof *f->t);
    if (!f->t) return MLIP_ERR_OUT_OF_MEMORY;
    while (f->n_entries < f->n_tensors) {
        const mlip__fmt_entry *t = &f->t[f->n_entries];
        st = mlip__fmt_read_entry(r, &f->t[f->n_entries]);
        if (st) break;
        f->n_entries++;
        if (!mlip__fmt_entry_placed(f, t, prev_end)) {
            st = mlip__fail(
                MLIP_ERR_FORMAT,
                "mlip file: tensor '%.*s': %llu bytes at offset %llu (data section %llu bytes; "
                "expected %llu bytes, 64-aligned, after the previous tensor)",
                (int)t->nlen, t->name, (unsigned long long)t->nbytes, (unsigned long long)t->off,
                (unsigned long long)f->data_size, (unsigned long long)mlip__fmt_entry_bytes(t));
            break;
        }
        prev_end = t->off + t->nbytes;
        f->n_ok++;
    }
    if (!st && f->data_offset < r->pos)
        st = mlip__fail(MLIP_ERR_FORMAT,
                        "mlip file: data_offset %llu lies inside the tensor table (ends at %lu)",
                        (unsigned long long)f->data_offset, (unsigned long)r->pos);
    if (st) {
        f->dir_st = st;
        snprintf(f->dir_msg, sizeof f->dir_msg, "%s", mlip_last_error());
    }
    return MLIP_OK;
}

/* Header, keys (unique) and tensor directory of buf into f (zeroed by the caller). */
static mlip_status mlip__fmt_read_container(const unsigned char *buf, size_t len,
                                            mlip__fmt_file *f) {
    mlip__cursor r;
    uint32_t i, t;
    mlip__cursor_init(&r, buf, len);
    f->buf = buf;
    f->len = len;
    MLIP__TRY(mlip__fmt_read_header(f, &r));
    f->kv = (mlip__fmt_kv *)mlip_alloc_zeroed((size_t)f->n_kv + 1, sizeof *f->kv);
    if (!f->kv) return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < f->n_kv; i++) {
        const mlip__fmt_kv *kv = &f->kv[i];
        MLIP__TRY(mlip__fmt_read_kv(&r, &f->kv[i]));
        for (t = 0; t < i; t++) /* keys are unique (and at most 4096) */
            if (f->kv[t].klen == kv->klen && !memcmp(f->kv[t].key, kv->key, kv->klen))
                return mlip__fail(MLIP_ERR_FORMAT, "mlip file: key '%.*s' appears twice",
                                  (int)kv->klen, kv->key);
    }
    return mlip__fmt_read_dir(f, &r);
}

/* ---- reading, step (b): the entries -> a model ---- */

/* Config key k (mlip__fmt_keys) from its entry, type checked. */
static mlip_status mlip__fmt_bind_key(mlip_model_config *c, int k, const mlip__fmt_kv *kv) {
    if ((int)kv->type != mlip__fmt_keys[k].type || (kv->type == 0 && kv->v32 > 0x7fffffffu))
        return mlip__fail(MLIP_ERR_FORMAT, "mlip file: key %s must be %s", mlip__fmt_keys[k].name,
                          mlip__fmt_keys[k].type ? "an f32" : "a u32 below 2^31");
    if (kv->type == 0) {
        int v = (int)kv->v32;
        memcpy((char *)c + mlip__fmt_keys[k].offset, &v, sizeof v);
    } else {
        float v = mlip__fmt_u2f(kv->v32);
        memcpy((char *)c + mlip__fmt_keys[k].offset, &v, sizeof v);
    }
    return MLIP_OK;
}

/* A key other than the config's integers and floats: image.mean/std (kept in *mean, *std),
   tokenizer.*, or free-form (string values marked as metadata). */
static mlip_status mlip__fmt_bind_other(mlip_model_config *c, mlip__fmt_kv *kv,
                                        const mlip__fmt_kv **mean, const mlip__fmt_kv **std,
                                        const mlip__fmt_kv **vocab) {
    if (mlip__fmt_key_is(kv->key, kv->klen, "image.mean") ||
        mlip__fmt_key_is(kv->key, kv->klen, "image.std")) {
        if (kv->type != 5 || kv->count > 4)
            return mlip__fail(MLIP_ERR_FORMAT, "mlip file: %.*s must be an f32 array of 1-4 values",
                              (int)kv->klen, kv->key);
        if (kv->key[6] == 'm')
            *mean = kv;
        else
            *std = kv;
    } else if (mlip__fmt_key_is(kv->key, kv->klen, "tokenizer.lowercase")) {
        if (kv->type != 0 || kv->v32 > 1)
            return mlip__fail(MLIP_ERR_FORMAT,
                              "mlip file: tokenizer.lowercase must be a u32 0 or 1");
        c->lowercase = (int)kv->v32;
    } else if (mlip__fmt_key_is(kv->key, kv->klen, "tokenizer.vocab")) {
        if (kv->type != 4)
            return mlip__fail(MLIP_ERR_FORMAT, "mlip file: tokenizer.vocab must be a string array");
        *vocab = kv;
    } else if (mlip__fmt_reserved(kv->key, kv->klen)) {
        return mlip__fail(MLIP_ERR_FORMAT, "mlip file: unknown key '%.*s'", (int)kv->klen, kv->key);
    } else {
        kv->meta = kv->type == 3;
    }
    return MLIP_OK;
}

/* The config the keys give. Optional keys left out keep their defaults: image.mean/std 0.5,
   tokenizer.lowercase 1 (uncased). *vocab: the tokenizer.vocab entry, or NULL. */
static mlip_status mlip__fmt_bind_config(mlip__fmt_file *f, mlip_model_config *c,
                                         const mlip__fmt_kv **vocab) {
    unsigned char have[MLIP__FMT_N_KEYS];
    const mlip__fmt_kv *mean = NULL, *std = NULL;
    uint32_t i;
    int k;
    memset(have, 0, sizeof have);
    memset(c, 0, sizeof *c);
    c->lowercase = 1;
    for (k = 0; k < 4; k++) {
        c->image_mean[k] = 0.5f;
        c->image_std[k] = 0.5f;
    }
    *vocab = NULL;
    for (i = 0; i < f->n_kv; i++) {
        mlip__fmt_kv *kv = &f->kv[i];
        for (k = 0; k < MLIP__FMT_N_KEYS; k++)
            if (mlip__fmt_key_is(kv->key, kv->klen, mlip__fmt_keys[k].name)) break;
        if (k < MLIP__FMT_N_KEYS) {
            MLIP__TRY(mlip__fmt_bind_key(c, k, kv));
            have[k] = 1;
        } else {
            MLIP__TRY(mlip__fmt_bind_other(c, kv, &mean, &std, vocab));
        }
    }
    for (k = 0; k < MLIP__FMT_N_KEYS; k++)
        if (!have[k] && !mlip__fmt_keys[k].optional)
            return mlip__fail(MLIP_ERR_FORMAT, "mlip file: required key %s is missing",
                              mlip__fmt_keys[k].name);
    if ((mean && mean->count != (uint32_t)c->vit.channels) ||
        (std && std->count != (uint32_t)c->vit.channels))
        return mlip__fail(MLIP_ERR_FORMAT,
                          "mlip file: image.mean/std must have vit.channels (%d) values",
                          c->vit.channels);
    for (k = 0; mean && k < (int)mean->count; k++)
        c->image_mean[k] = mlip__fmt_u2f(mlip__load32(f->buf + mean->vpos + 4 * k, 0));
    for (k = 0; std && k < (int)std->count; k++)
        c->image_std[k] = mlip__fmt_u2f(mlip__load32(f->buf + std->vpos + 4 * k, 0));
    if (c->vit.layers > 0 && c->bert.layers > 0 &&
        (double)c->vit.layers * 16 + (double)c->bert.layers * 16 + 23 > (double)(f->len / 29))
        return mlip__fail(
            MLIP_ERR_FORMAT,
            "mlip file: the config's %d + %d layers need more tensor entries than %lu bytes hold",
            c->vit.layers, c->bert.layers, (unsigned long)f->len); /* an entry takes >= 29 bytes */
    return MLIP_OK;
}

/* The metadata entries, in file order. */
static mlip_status mlip__fmt_bind_meta(const mlip__fmt_file *f, mlip_model *m) {
    uint32_t i;
    for (i = 0; i < f->n_kv; i++) {
        const mlip__fmt_kv *kv = &f->kv[i];
        char *kz, *vz;
        mlip_status st;
        if (!kv->meta) continue;
        kz = mlip__model_strdup(kv->key, kv->klen);
        vz = mlip__model_strdup(kv->str, kv->slen);
        st = kz && vz ? mlip_model_set_meta(m, kz, vz) : MLIP_ERR_OUT_OF_MEMORY;
        mlip_free(kz);
        mlip_free(vz);
        if (st == MLIP_ERR_INVALID_ARG) st = MLIP_ERR_FORMAT;
        MLIP__TRY(st);
    }
    return MLIP_OK;
}

/* Room in m for the "train." vectors (training state) the directory lists. */
static mlip_status mlip__fmt_bind_train(const mlip__fmt_file *f, mlip_model *m) {
    uint32_t i;
    for (i = 0; i < f->n_entries; i++) {
        const mlip__fmt_entry *t = &f->t[i];
        mlip_status st;
        if (t->nlen <= 6 || memcmp(t->name, "train.", 6)) continue;
        if (t->rank != 1 || t->dims[0] < 1 || t->dims[0] > (uint64_t)f->len)
            return mlip__fail(MLIP_ERR_FORMAT,
                              "mlip file: train tensor '%.*s' must be a vector that fits the file",
                              (int)t->nlen, t->name);
        if (mlip__model_find(m, t->name, t->nlen) >= 0)
            continue; /* a duplicate: mlip__fmt_bind_tensors reports it */
        if (!mlip__model_train_slot(m, t->name, t->nlen, (size_t)t->dims[0], &st))
            return st == MLIP_ERR_INVALID_ARG ? MLIP_ERR_FORMAT : st;
    }
    return MLIP_OK;
}

/* Every entry names a tensor of m, once, with the shape m's config gives; file_off[tensor]
   gets where its data lie and m->stored its dtype. Then the directory's own error, if any,
   and the tensors no entry names. */
static mlip_status mlip__fmt_bind_tensors(const mlip__fmt_file *f, mlip_model *m,
                                          size_t *file_off) {
    int k, d, n = mlip_model_tensor_count(m);
    uint32_t i;
    for (k = 0; k < n; k++) m->stored[k] = 0xff; /* not seen */
    for (i = 0; i < f->n_entries; i++) {
        const mlip__fmt_entry *t = &f->t[i];
        const mlip_param_info *p;
        const char *prefix;
        float *data;
        int idx = mlip__model_find(m, t->name, t->nlen), shape_ok;
        if (idx < 0)
            return mlip__fail(MLIP_ERR_FORMAT, "mlip file: unknown tensor '%.*s'", (int)t->nlen,
                              t->name);
        if (m->stored[idx] != 0xff)
            return mlip__fail(MLIP_ERR_FORMAT, "mlip file: tensor '%.*s' appears twice",
                              (int)t->nlen, t->name);
        p = mlip__model_tensor(m, idx, &prefix, &data);
        shape_ok = t->rank == (uint32_t)p->ndim;
        for (d = 0; d < (int)t->rank && shape_ok; d++)
            shape_ok = t->dims[d] == (uint64_t)p->shape[d];
        if (!shape_ok)
            return mlip__fail(
                MLIP_ERR_FORMAT,
                "mlip file: tensor '%.*s' has a rank-%u shape that differs from the config's "
                "(%d, %d, %d, %d; rank %d)",
                (int)t->nlen, t->name, t->rank, p->shape[0], p->shape[1], p->shape[2], p->shape[3],
                p->ndim);
        if (i >= f->n_ok) break; /* misplaced: the directory's error below */
        file_off[idx] = (size_t)(f->data_offset + t->off);
        m->stored[idx] = (unsigned char)t->dtype;
    }
    if (f->dir_st) return mlip__fail(f->dir_st, "%s", f->dir_msg);
    for (k = 0; k < n; k++)
        if (m->stored[k] == 0xff) {
            mlip_param_info info;
            mlip_model_tensor_info(m, k, &info, NULL);
            return mlip__fail(MLIP_ERR_FORMAT, "mlip file: tensor '%s' is missing", info.name);
        }
    return MLIP_OK;
}

/* The data: an f32 encoder whose tensors lie exactly as its arena runs in place when it can
   (in_place, little-endian host, 64-aligned); everything else is decoded into the model. */
static mlip_status mlip__fmt_bind_data(mlip_model *m, const unsigned char *buf, size_t len,
                                       const size_t *file_off, int in_place) {
    int e, j, k = 0;
    for (e = 0; e < 4; e++) {
        mlip_encoder *enc = e == 0 ? m->vit : e == 1 ? m->bert : NULL;
        int count = e < 2 ? mlip__n_params(enc) : e == 2 ? m->n_x : m->n_train;
        int zero_copy = enc && in_place && mlip__fmt_host_le();
        for (j = 0; j < count && zero_copy; j++)
            zero_copy = m->stored[k + j] == MLIP_DTYPE_F32 &&
                        file_off[k + j] - file_off[k] == 4 * enc->params[j].offset;
        if (zero_copy &&
            ((uintptr_t)(buf + file_off[k]) % 64 || enc->n_weights > (len - file_off[k]) / 4))
            zero_copy = 0;
        if (zero_copy) {
            MLIP__TRY(
                mlip_encoder_use_weights(enc, (const float *)(const void *)(buf + file_off[k])));
            m->mapped = 1;
        } else {
            for (j = 0; j < count; j++) {
                const char *prefix;
                float *data;
                const mlip_param_info *p = mlip__model_tensor(m, k + j, &prefix, &data);
                mlip__fmt_decode(data, buf + file_off[k + j], p, m->stored[k + j]);
            }
        }
        k += count;
    }
    return MLIP_OK;
}

/* Parse a whole .mlip image. in_place: buf outlives the model, so f32 encoders may run on it. */
static mlip_status mlip__fmt_parse(const unsigned char *buf, size_t len, int in_place,
                                   mlip_model **out) {
    mlip__fmt_file f;
    mlip_model_config c;
    const mlip__fmt_kv *vocab = NULL;
    mlip_model *m = NULL;
    size_t *file_off = NULL;
    mlip_status st;
    int n;
    *out = NULL;
    memset(&f, 0, sizeof f);
    if ((st = mlip__fmt_read_container(buf, len, &f))) goto fail;
    if ((st = mlip__fmt_bind_config(&f, &c, &vocab))) goto fail;
    if ((st = mlip__fmt_model_for(&c, len, "mlip file", &m))) goto fail;
    if (vocab && vocab->count) {
        mlip__cursor vr;
        mlip__cursor_init(&vr, buf, len);
        vr.pos = vocab->vpos;
        if ((st = mlip__fmt_vocab_from(m, vr, vocab->count))) goto fail;
    }
    if ((st = mlip__fmt_bind_meta(&f, m))) goto fail;
    if ((st = mlip__fmt_bind_train(&f, m))) goto fail;
    n = mlip_model_tensor_count(m);
    if (f.n_tensors != (uint32_t)n) {
        st = mlip__fail(MLIP_ERR_FORMAT, "mlip file: %u tensors, the config gives %d", f.n_tensors,
                        n);
        /* more: fail now, unless an earlier entry is bad; fewer: report which is missing */
        if (f.n_tensors > (uint32_t)n && f.n_ok >= (uint32_t)n) goto fail;
    }
    st = MLIP_OK;
    if (!(file_off = (size_t *)mlip_alloc_zeroed((size_t)n, sizeof(size_t)))) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto fail;
    }
    if ((st = mlip__fmt_bind_tensors(&f, m, file_off))) goto fail;
    if ((st = mlip__fmt_bind_data(m, buf, len, file_off, in_place))) goto fail;
    if ((st = mlip__check_finite_model(m))) goto fail; /* NaN/Inf weights: refused by name */
    mlip_free(file_off);
    mlip__fmt_file_free(&f);
    *out = m;
    return MLIP_OK;
fail:
    mlip_free(file_off);
    mlip__fmt_file_free(&f);
    mlip_model_free(m);
    return st;
}

MLIPDEF mlip_status mlip_model_load_memory(const void *buf, size_t len, int copy,
                                           mlip_model **out) {
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(buf);
    return mlip__fmt_parse((const unsigned char *)buf, len, !copy, out);
}

MLIPDEF mlip_status mlip_model_load_file(const char *path, mlip_model **out) {
    mlip_status st;
    char *data = NULL;
    size_t len = 0;
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(path);
#ifdef MLIP__MMAP
    {
        int fd = open(path, O_RDONLY);
        struct stat sb;
        void *map;
        if (fd < 0) return mlip__fail(MLIP_ERR_IO, "cannot open %s", path);
        if (fstat(fd, &sb)) {
            close(fd);
            return mlip__fail(MLIP_ERR_IO, "cannot size %s", path);
        }
        if (sb.st_size <= 0 || (uint64_t)sb.st_size > (uint64_t)(size_t)-1) {
            close(fd);
            return mlip__fail(MLIP_ERR_FORMAT, "%s: empty or too large (%lld bytes)", path,
                              (long long)sb.st_size);
        }
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (map != MAP_FAILED) {
            st = mlip__fmt_parse((const unsigned char *)map, (size_t)sb.st_size, 1, out);
            if (!st && (*out)->mapped) {
                (*out)->map = map;
                (*out)->map_len = (size_t)sb.st_size;
                (*out)->map_kind = 1;
            } else
                munmap(map, (size_t)sb.st_size);
            return st;
        }
    } /* mapping failed: read it */
#endif
    MLIP__TRY(mlip__read_file(path, &data, &len));
    st = mlip__fmt_parse((const unsigned char *)data, len, 1, out);
    if (!st && (*out)->mapped) {
        (*out)->map = data;
        (*out)->map_kind = 2;
    } else
        mlip_free(data);
    return st;
}

/* ---- safetensors: a strict JSON reader for its header (objects of known shape only: no
   recursion beyond three fixed levels, every length checked) ---- */

typedef struct mlip__fmt_st_entry {
    char *name;
    char mapped[96]; /* the .mlip name, or "" when skipped */
    int dtype; /* element bytes: 4 F32, 2 F16, 3 BF16 (2 bytes), 8 F64; 0 other */
    int rank, idx;
    uint64_t shape[8], begin, end;
} mlip__fmt_st_entry;

typedef struct mlip__fmt_st {
    mlip__fmt_st_entry *e;
    int n;
    size_t cap;
    char **meta; /* key, value pairs */
    int n_meta, seen_meta;
    size_t meta_cap; /* pointers */
} mlip__fmt_st;

static void mlip__fmt_st_free(mlip__fmt_st *s) {
    int i;
    for (i = 0; i < s->n; i++) mlip_free(s->e[i].name);
    for (i = 0; i < 2 * s->n_meta; i++) mlip_free(s->meta[i]);
    mlip_free(s->e);
    mlip_free(s->meta);
    memset(s, 0, sizeof *s);
}

static void mlip__fmt_ws(mlip__cursor *j) {
    while (j->pos < j->len && (j->p[j->pos] == ' ' || j->p[j->pos] == '\t' ||
                               j->p[j->pos] == '\n' || j->p[j->pos] == '\r'))
        j->pos++;
}
static int mlip__fmt_lit(mlip__cursor *j, char ch) {
    mlip__fmt_ws(j);
    if (j->pos >= j->len || j->p[j->pos] != ch) return 0;
    j->pos++;
    return 1;
}
#define MLIP__FMT_JSON_ERR(j, what)                                                                \
    mlip__fail(MLIP_ERR_FORMAT, "safetensors header: %s at byte %lu", what, (unsigned long)(j)->pos)

static int mlip__fmt_hex4(const unsigned char *s, uint32_t *v) {
    int i;
    *v = 0;
    for (i = 0; i < 4; i++) {
        char ch = s[i];
        uint32_t d = ch >= '0' && ch <= '9'   ? (uint32_t)(ch - '0')
                     : ch >= 'a' && ch <= 'f' ? (uint32_t)(ch - 'a' + 10)
                     : ch >= 'A' && ch <= 'F' ? (uint32_t)(ch - 'A' + 10)
                                              : 16u;
        if (d > 15) return 0;
        *v = *v << 4 | d;
    }
    return 1;
}

/* A JSON string, decoded to a new NUL-terminated UTF-8 string (no NUL inside). */
static mlip_status mlip__fmt_jstr(mlip__cursor *j, char **out) {
    size_t start, end, o = 0;
    char *s;
    *out = NULL;
    mlip__fmt_ws(j);
    if (j->pos >= j->len || j->p[j->pos] != '"') return MLIP__FMT_JSON_ERR(j, "expected a string");
    start = ++j->pos;
    for (end = start; end < j->len && j->p[end] != '"'; end++) {
        if ((unsigned char)j->p[end] < 0x20) {
            j->pos = end;
            return MLIP__FMT_JSON_ERR(j, "control character in a string");
        }
        if (j->p[end] == '\\') end++;
    }
    if (end >= j->len) return MLIP__FMT_JSON_ERR(j, "unterminated string");
    if (!(s = (char *)mlip_alloc(end - start + 1))) return MLIP_ERR_OUT_OF_MEMORY;
    while (j->pos < end) {
        char ch = j->p[j->pos++];
        uint32_t cp;
        if (ch != '\\') {
            s[o++] = ch;
            continue;
        }
        ch = j->p[j->pos++]; /* j->pos < end: a backslash never ends the scan */
        switch (ch) {
        case '"':
        case '\\':
        case '/': s[o++] = ch; continue;
        case 'b': s[o++] = '\b'; continue;
        case 'f': s[o++] = '\f'; continue;
        case 'n': s[o++] = '\n'; continue;
        case 'r': s[o++] = '\r'; continue;
        case 't': s[o++] = '\t'; continue;
        case 'u': break;
        default: mlip_free(s); return MLIP__FMT_JSON_ERR(j, "bad escape");
        }
        if (end - j->pos < 4 || !mlip__fmt_hex4(j->p + j->pos, &cp)) {
            mlip_free(s);
            return MLIP__FMT_JSON_ERR(j, "bad \\u escape");
        }
        j->pos += 4;
        if (cp >= 0xD800 && cp < 0xDC00) { /* a high surrogate needs its low half */
            uint32_t lo;
            if (end - j->pos < 6 || j->p[j->pos] != '\\' || j->p[j->pos + 1] != 'u' ||
                !mlip__fmt_hex4(j->p + j->pos + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                mlip_free(s);
                return MLIP__FMT_JSON_ERR(j, "unpaired surrogate");
            }
            j->pos += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if ((cp >= 0xDC00 && cp < 0xE000) || cp == 0) {
            mlip_free(s);
            return MLIP__FMT_JSON_ERR(j, "lone surrogate or NUL escape");
        }
        if (cp < 0x80)
            s[o++] = (char)cp;
        else if (cp < 0x800) {
            s[o++] = (char)(0xC0 | cp >> 6);
            s[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s[o++] = (char)(0xE0 | cp >> 12);
            s[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            s[o++] = (char)(0xF0 | cp >> 18);
            s[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            s[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    j->pos = end + 1;
    s[o] = '\0';
    *out = s;
    return MLIP_OK;
}

/* A non-negative JSON integer below 2^53. */
static mlip_status mlip__fmt_juint(mlip__cursor *j, uint64_t *v) {
    size_t start;
    mlip__fmt_ws(j);
    start = j->pos;
    *v = 0;
    while (j->pos < j->len && j->p[j->pos] >= '0' && j->p[j->pos] <= '9') {
        *v = *v * 10 + (uint64_t)(j->p[j->pos++] - '0');
        if (*v >= ((uint64_t)1 << 53)) return MLIP__FMT_JSON_ERR(j, "integer too large");
    }
    if (j->pos == start || (j->pos - start > 1 && j->p[start] == '0'))
        return MLIP__FMT_JSON_ERR(j, "expected an integer");
    if (j->pos < j->len && (j->p[j->pos] == '.' || j->p[j->pos] == 'e' || j->p[j->pos] == 'E'))
        return MLIP__FMT_JSON_ERR(j, "expected an integer");
    return MLIP_OK;
}

/* ch next (after white space), or an "expected 'ch'" error. */
static mlip_status mlip__fmt_jexpect(mlip__cursor *j, char ch) {
    if (mlip__fmt_lit(j, ch)) return MLIP_OK;
    return mlip__fail(MLIP_ERR_FORMAT, "safetensors header: expected '%c' at byte %lu", ch,
                      (unsigned long)j->pos);
}

/* The "__metadata__" object after its '{': string keys (unique) to string values. */
static mlip_status mlip__fmt_st_meta_obj(mlip__cursor *j, mlip__fmt_st *s) {
    char *field = NULL, *val = NULL;
    mlip_status st = MLIP_OK;
    int i;
    if (s->seen_meta) return MLIP__FMT_JSON_ERR(j, "__metadata__ twice");
    if (!mlip__fmt_lit(j, '}'))
        for (;;) {
            if ((st = mlip__fmt_jstr(j, &field)) || (st = mlip__fmt_jexpect(j, ':')) ||
                (st = mlip__fmt_jstr(j, &val)))
                goto fail;
            for (i = 0; i < s->n_meta; i++)
                if (!strcmp(s->meta[2 * i], field)) {
                    st = MLIP__FMT_JSON_ERR(j, "duplicate metadata key");
                    goto fail;
                }
            if (2 * (size_t)s->n_meta + 2 > ((size_t)1 << 24)) {
                st = mlip__fail(MLIP_ERR_FORMAT, "safetensors header: too many entries");
                goto fail;
            }
            if ((st = mlip__grow((void **)&s->meta, &s->meta_cap, 2 * (size_t)s->n_meta + 2,
                                 sizeof(char *))))
                goto fail;
            s->meta[2 * s->n_meta] = field;
            s->meta[2 * s->n_meta + 1] = val;
            s->n_meta++;
            field = NULL;
            val = NULL;
            if (mlip__fmt_lit(j, ',')) continue;
            if (!mlip__fmt_lit(j, '}')) {
                st = MLIP__FMT_JSON_ERR(j, "expected ',' or '}'");
                goto fail;
            }
            break;
        }
    s->seen_meta = 1;
    return MLIP_OK;
fail:
    mlip_free(field);
    mlip_free(val);
    return st;
}

/* A tensor entry's "shape": [d0, d1, ...], at most 8 dimensions, each below 2^31. */
static mlip_status mlip__fmt_st_shape(mlip__cursor *j, mlip__fmt_st_entry *e) {
    MLIP__TRY(mlip__fmt_jexpect(j, '['));
    if (mlip__fmt_lit(j, ']')) return MLIP_OK;
    for (;;) {
        uint64_t d;
        if (e->rank >= 8) return MLIP__FMT_JSON_ERR(j, "more than 8 dimensions");
        MLIP__TRY(mlip__fmt_juint(j, &d));
        if (d > 0x7fffffff) return MLIP__FMT_JSON_ERR(j, "dimension too large");
        e->shape[e->rank++] = d;
        if (mlip__fmt_lit(j, ',')) continue;
        if (!mlip__fmt_lit(j, ']')) return MLIP__FMT_JSON_ERR(j, "expected ',' or ']'");
        return MLIP_OK;
    }
}

/* One field of a tensor entry: dtype, shape or data_offsets, each once (*seen: bits 1, 2, 4). */
static mlip_status mlip__fmt_st_field(mlip__cursor *j, mlip__fmt_st_entry *e, int *seen) {
    char *field = NULL, *val = NULL;
    mlip_status st = MLIP_OK;
    int bit;
    MLIP__TRY(mlip__fmt_jstr(j, &field));
    if ((st = mlip__fmt_jexpect(j, ':'))) {
        mlip_free(field);
        return st;
    }
    bit = !strcmp(field, "dtype")          ? 1
          : !strcmp(field, "shape")        ? 2
          : !strcmp(field, "data_offsets") ? 4
                                           : 0;
    mlip_free(field);
    if (!bit || (*seen & bit))
        return MLIP__FMT_JSON_ERR(j, "unknown or repeated field in a tensor entry");
    *seen |= bit;
    if (bit == 1) {
        MLIP__TRY(mlip__fmt_jstr(j, &val));
        e->dtype = !strcmp(val, "F32")    ? 4
                   : !strcmp(val, "F16")  ? 2
                   : !strcmp(val, "BF16") ? 3
                   : !strcmp(val, "F64")  ? 8
                                          : 0;
        mlip_free(val);
        return MLIP_OK;
    }
    if (bit == 2) return mlip__fmt_st_shape(j, e);
    if (!mlip__fmt_lit(j, '[') || (st = mlip__fmt_juint(j, &e->begin)) || !mlip__fmt_lit(j, ',') ||
        (st = mlip__fmt_juint(j, &e->end)) || !mlip__fmt_lit(j, ']'))
        return st ? st : MLIP__FMT_JSON_ERR(j, "data_offsets must be [begin, end]");
    return MLIP_OK;
}

/* A tensor entry after its '{'. name is taken: s owns it, or it is freed on failure. */
static mlip_status mlip__fmt_st_tensor(mlip__cursor *j, mlip__fmt_st *s, char *name) {
    mlip__fmt_st_entry *e;
    mlip_status st;
    int i, seen = 0;
    for (i = 0; i < s->n; i++)
        if (!strcmp(s->e[i].name, name)) {
            mlip_free(name);
            return MLIP__FMT_JSON_ERR(j, "duplicate tensor name");
        }
    st = s->n >= (1 << 24)
             ? mlip__fail(MLIP_ERR_FORMAT, "safetensors header: too many entries")
             : mlip__grow((void **)&s->e, &s->cap, (size_t)s->n + 1, sizeof(mlip__fmt_st_entry));
    if (st) {
        mlip_free(name);
        return st;
    }
    e = &s->e[s->n++];
    memset(e, 0, sizeof *e);
    e->name = name;
    for (;;) {
        MLIP__TRY(mlip__fmt_st_field(j, e, &seen));
        if (mlip__fmt_lit(j, ',')) continue;
        if (!mlip__fmt_lit(j, '}')) return MLIP__FMT_JSON_ERR(j, "expected ',' or '}'");
        break;
    }
    if (seen != 7)
        return MLIP__FMT_JSON_ERR(j, "a tensor entry needs dtype, shape and data_offsets");
    return MLIP_OK;
}

/* The header object: tensor entries and at most one "__metadata__", into s. */
static mlip_status mlip__fmt_st_parse(const char *hdr, size_t hlen, mlip__fmt_st *s) {
    mlip__cursor j;
    mlip_status st;
    char *name = NULL;
    mlip__cursor_init(&j, hdr, hlen);
    if (!mlip__fmt_lit(&j, '{')) return MLIP__FMT_JSON_ERR(&j, "expected '{'");
    if (!mlip__fmt_lit(&j, '}'))
        for (;;) {
            MLIP__TRY(mlip__fmt_jstr(&j, &name));
            if ((st = mlip__fmt_jexpect(&j, ':')) || (st = mlip__fmt_jexpect(&j, '{'))) {
                mlip_free(name);
                return st;
            }
            if (!strcmp(name, "__metadata__")) {
                mlip_free(name);
                MLIP__TRY(mlip__fmt_st_meta_obj(&j, s));
            } else {
                MLIP__TRY(mlip__fmt_st_tensor(&j, s, name));
            }
            name = NULL;
            if (mlip__fmt_lit(&j, ',')) continue;
            if (!mlip__fmt_lit(&j, '}')) return MLIP__FMT_JSON_ERR(&j, "expected ',' or '}'");
            break;
        }
    mlip__fmt_ws(&j);
    if (j.pos != j.len) return MLIP__FMT_JSON_ERR(&j, "trailing bytes after the header object");
    return MLIP_OK;
}

/* The .mlip name of a safetensors tensor: 1 mapped into out, 0 skipped, -1 unknown.
   unprefixed: 1 bare encoder names are the ViT's, 2 the BERT's, 0 neither. */
static int mlip__fmt_st_map(const char *name, int unprefixed, char *out, size_t cap) {
    static const char *const from[] = {"vit.",        "bert.",   "vision_model.",
                                       "text_model.", "vision.", "text."};
    static const char *const to[] = {"vision.", "text.", "vision.", "text.", "vision.", "text."};
    const char *rest = name, *prefix = NULL;
    int i;
    for (i = 0; i < 6 && !prefix; i++)
        if (!strncmp(name, from[i], strlen(from[i]))) {
            prefix = to[i];
            rest = name + strlen(from[i]);
        }
    if (!strncmp(rest, "pooler.", 7) || !strcmp(rest, "embeddings.position_ids") ||
        !strncmp(name, "cls.", 4))
        return 0;
    if (!prefix) {
        if (!strncmp(name, "head.", 5) || !strcmp(name, "logit_scale") ||
            !strcmp(name, "local_logit_scale") || !strncmp(name, "sie.", 4))
            prefix = "";
        else if (unprefixed && (!strncmp(name, "embeddings.", 11) ||
                                !strncmp(name, "encoder.", 8) || !strncmp(name, "layernorm.", 10)))
            prefix = unprefixed == 1 ? "vision." : "text.";
        else
            return -1;
    }
    if (strlen(prefix) + strlen(rest) + 1 >= cap) return -1;
    memcpy(out, prefix, strlen(prefix));
    memcpy(out + strlen(prefix), rest, strlen(rest) + 1);
    { /* checkpoints converted from TensorFlow name LayerNorm parameters gamma and beta */
        size_t n = strlen(out);
        if (n >= 15 && !strcmp(out + n - 15, "LayerNorm.gamma"))
            memcpy(out + n - 5, "weight", 7);
        else if (n >= 14 && !strcmp(out + n - 14, "LayerNorm.beta"))
            memcpy(out + n - 4, "bias", 5);
    }
    return 1;
}

static mlip__fmt_st_entry *mlip__fmt_st_get(mlip__fmt_st *s, const char *mapped) {
    int i;
    for (i = 0; i < s->n; i++)
        if (!strcmp(s->e[i].mapped, mapped)) return &s->e[i];
    return NULL;
}
static const char *mlip__fmt_st_meta(mlip__fmt_st *s, const char *key) {
    int i;
    for (i = 0; i < s->n_meta; i++)
        if (!strcmp(s->meta[2 * i], key)) return s->meta[2 * i + 1];
    return NULL;
}
/* 1 + the largest N of "<prefix>encoder.layer.N." */
static int mlip__fmt_st_layers(mlip__fmt_st *s, const char *prefix) {
    int i, best = 0;
    size_t pl = strlen(prefix);
    for (i = 0; i < s->n; i++) {
        const char *p = s->e[i].mapped;
        long v = 0;
        if (strncmp(p, prefix, pl) || strncmp(p + pl, "encoder.layer.", 14)) continue;
        p += pl + 14;
        while (*p >= '0' && *p <= '9' && v < 100000) v = v * 10 + (*p++ - '0');
        if (*p == '.' && v + 1 > best) best = (int)v + 1;
    }
    return best;
}

/* Config values from "__metadata__" strings (the .mlip key names). */
static mlip_status mlip__fmt_st_meta_config(mlip__fmt_st *s, mlip_model_config *c) {
    int k;
    const char *v;
    for (k = 0; k < MLIP__FMT_N_KEYS; k++) {
        char *end;
        if (!(v = mlip__fmt_st_meta(s, mlip__fmt_keys[k].name))) continue;
        if (mlip__fmt_keys[k].type == 0) {
            long x = strtol(v, &end, 10);
            int xi = (int)x;
            if (end == v || *end || x < 0 || x > 0x7fffffffL)
                return mlip__fail(MLIP_ERR_FORMAT, "safetensors metadata %s: '%s' is not a count",
                                  mlip__fmt_keys[k].name, v);
            memcpy((char *)c + mlip__fmt_keys[k].offset, &xi, sizeof xi);
        } else {
            float f = mlip__fmt_d2f(strtod(v, &end));
            if (end == v || *end)
                return mlip__fail(MLIP_ERR_FORMAT, "safetensors metadata %s: '%s' is not a number",
                                  mlip__fmt_keys[k].name, v);
            memcpy((char *)c + mlip__fmt_keys[k].offset, &f, sizeof f);
        }
    }
    for (k = 0; k < 2; k++)
        if ((v = mlip__fmt_st_meta(s, k ? "image.std" : "image.mean"))) {
            int ch = 0;
            char *end;
            for (;;) {
                float f = mlip__fmt_d2f(strtod(v, &end));
                if (end == v || ch >= 4)
                    return mlip__fail(MLIP_ERR_FORMAT,
                                      "safetensors metadata image.%s: 1-4 numbers, comma-separated",
                                      k ? "std" : "mean");
                (k ? c->image_std : c->image_mean)[ch++] = f;
                if (*end != ',') break;
                v = end + 1;
            }
            if (*end)
                return mlip__fail(MLIP_ERR_FORMAT,
                                  "safetensors metadata image.%s: 1-4 numbers, comma-separated",
                                  k ? "std" : "mean");
        }
    if ((v = mlip__fmt_st_meta(s, "tokenizer.lowercase"))) c->lowercase = strcmp(v, "0") != 0;
    return MLIP_OK;
}

/* Shapes give sizes; metadata or a named config of the same shape give heads and eps. */
static mlip_status mlip__fmt_st_infer(mlip__fmt_st *s, mlip_model_config *c) {
    mlip__fmt_st_entry *pw = mlip__fmt_st_get(
                           s, "vision.embeddings.patch_embeddings.projection.weight"),
                       *pp = mlip__fmt_st_get(s, "vision.embeddings.position_embeddings"),
                       *vm =
                           mlip__fmt_st_get(s, "vision.encoder.layer.0.intermediate.dense.weight"),
                       *we = mlip__fmt_st_get(s, "text.embeddings.word_embeddings.weight"),
                       *pe = mlip__fmt_st_get(s, "text.embeddings.position_embeddings.weight"),
                       *te = mlip__fmt_st_get(s, "text.embeddings.token_type_embeddings.weight"),
                       *tm = mlip__fmt_st_get(s, "text.encoder.layer.0.intermediate.dense.weight"),
                       *hd = mlip__fmt_st_get(s, "head.global_image.weight");
    mlip_model_config named[3];
    int i, g;
    if (!pw || !pp || !vm || !we || !pe || !te || !tm || pw->rank != 4 || pp->rank != 3 ||
        vm->rank != 2 || we->rank != 2 || pe->rank != 2 || te->rank != 2 || tm->rank != 2 ||
        pw->shape[2] != pw->shape[3] || pp->shape[1] < 2)
        return mlip__fail(
            MLIP_ERR_FORMAT,
            "safetensors: cannot infer the config from these tensors (both encoders' embeddings "
            "and layer 0 are needed); give a named config");
    *c = mlip_model_config_tiny((int)we->shape[0]);
    named[0] = *c;
    named[1] = mlip_model_config_small(1);
    named[2] = mlip_model_config_base();
    c->vit.width = (int)pw->shape[0];
    c->vit.channels = (int)pw->shape[1];
    c->vit.patch_size = (int)pw->shape[2];
    for (g = 1; (uint64_t)g * (uint64_t)g < pp->shape[1] - 1; g++) {}
    if ((uint64_t)g * (uint64_t)g != pp->shape[1] - 1)
        return mlip__fail(MLIP_ERR_FORMAT, "safetensors: %llu patches is not a square grid",
                          (unsigned long long)pp->shape[1] - 1);
    c->vit.image_size = (int)((uint64_t)g * pw->shape[2] > 65536 ? 0 : g * (int)pw->shape[2]);
    c->vit.layers = mlip__fmt_st_layers(s, "vision.");
    c->vit.mlp_dim = (int)vm->shape[0];
    c->bert.vocab_size = (int)we->shape[0];
    c->bert.width = (int)we->shape[1];
    c->bert.max_positions = (int)pe->shape[0];
    c->bert.type_vocab_size = (int)te->shape[0];
    c->bert.layers = mlip__fmt_st_layers(s, "text.");
    c->bert.mlp_dim = (int)tm->shape[0];
    c->vit.heads = c->vit.width % 64 ? 1 : c->vit.width / 64;
    c->bert.heads = c->bert.width % 64 ? 1 : c->bert.width / 64;
    c->vit.ln_eps = c->bert.ln_eps = 1e-12f;
    for (i = 0; i < 3; i++) {
        const mlip_model_config *n = &named[i];
        if (n->vit.width == c->vit.width && n->vit.layers == c->vit.layers &&
            n->vit.mlp_dim == c->vit.mlp_dim) {
            c->vit.heads = n->vit.heads;
            c->vit.ln_eps = n->vit.ln_eps;
            c->embed_dim = n->embed_dim;
        }
        if (n->bert.width == c->bert.width && n->bert.layers == c->bert.layers &&
            n->bert.mlp_dim == c->bert.mlp_dim) {
            c->bert.heads = n->bert.heads;
            c->bert.ln_eps = n->bert.ln_eps;
        }
    }
    { /* metadata wins over guesses, shapes win over metadata */
        mlip_model_config shapes = *c;
        MLIP__TRY(mlip__fmt_st_meta_config(s, c));
        c->vit.width = shapes.vit.width;
        c->vit.channels = shapes.vit.channels;
        c->vit.patch_size = shapes.vit.patch_size;
        c->vit.image_size = shapes.vit.image_size;
        c->vit.layers = shapes.vit.layers;
        c->vit.mlp_dim = shapes.vit.mlp_dim;
        c->bert.vocab_size = shapes.bert.vocab_size;
        c->bert.width = shapes.bert.width;
        c->bert.max_positions = shapes.bert.max_positions;
        c->bert.type_vocab_size = shapes.bert.type_vocab_size;
        c->bert.layers = shapes.bert.layers;
        c->bert.mlp_dim = shapes.bert.mlp_dim;
    }
    if (hd && hd->rank == 2) c->embed_dim = (int)hd->shape[0];
    return MLIP_OK;
}

/* Tokens one a line ('\n'-terminated or not) as the model's vocabulary. */
static mlip_status mlip__fmt_set_vocab_text(mlip_model *m, const char *text, size_t len) {
    size_t i, start = 0, n = 0;
    char *v;
    for (i = 0; i <= len; i++)
        if (i == len ? i > start : text[i] == '\n') {
            if (!mlip__model_token_ok(text + start, i - start))
                return mlip__fail(MLIP_ERR_FORMAT, "vocabulary token %lu ends in CR",
                                  (unsigned long)n);
            n++;
            start = i + 1;
        }
    if (n > (size_t)m->config.bert.vocab_size)
        return mlip__fail(MLIP_ERR_FORMAT, "vocabulary of %lu tokens, BERT has %d embeddings",
                          (unsigned long)n, m->config.bert.vocab_size);
    if (!(v = (char *)mlip_alloc(len + 2))) return MLIP_ERR_OUT_OF_MEMORY;
    memcpy(v, text, len);
    if (len && text[len - 1] != '\n') v[len++] = '\n';
    v[len] = '\0';
    mlip_free(m->vocab);
    m->vocab = v;
    m->vocab_len = len;
    m->vocab_n = (int)n;
    return MLIP_OK;
}

/* Every entry's .mlip name (or skipped), dtype and data_offsets checked against dlen bytes. */
static mlip_status mlip__fmt_st_check(mlip__fmt_st *s, size_t dlen) {
    int i, k, unprefixed = 0;
    for (i = 0; i < s->n; i++) {
        if (!strcmp(s->e[i].name, "embeddings.patch_embeddings.projection.weight")) unprefixed |= 1;
        if (!strcmp(s->e[i].name, "embeddings.word_embeddings.weight")) unprefixed |= 2;
    }
    if (unprefixed == 3)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "safetensors: unprefixed ViT and BERT names together are ambiguous");
    for (i = 0; i < s->n; i++) {
        mlip__fmt_st_entry *e = &s->e[i];
        uint64_t count = 1, bytes;
        int r = mlip__fmt_st_map(e->name, unprefixed, e->mapped, sizeof e->mapped);
        if (r < 0) return mlip__fail(MLIP_ERR_FORMAT, "safetensors: unknown tensor '%s'", e->name);
        if (r == 0) {
            e->mapped[0] = '\0';
            continue;
        }
        for (k = 0; k < i; k++)
            if (!strcmp(s->e[k].mapped, e->mapped))
                return mlip__fail(MLIP_ERR_FORMAT, "safetensors: '%s' and '%s' are the same tensor",
                                  s->e[k].name, e->name);
        if (!e->dtype)
            return mlip__fail(
                MLIP_ERR_FORMAT,
                "safetensors: tensor '%s' has an unsupported dtype (F32, F16, BF16, F64)", e->name);
        for (k = 0; k < e->rank; k++) {
            if (e->shape[k] && count > ((uint64_t)-1 / 16) / e->shape[k])
                return mlip__fail(MLIP_ERR_FORMAT, "safetensors: '%s' is too large", e->name);
            count *= e->shape[k];
        }
        bytes = count * (uint64_t)(e->dtype == 3 ? 2 : e->dtype);
        if (e->begin > e->end || e->end > dlen || e->end - e->begin != bytes)
            return mlip__fail(MLIP_ERR_FORMAT,
                              "safetensors: '%s' has data_offsets [%llu, %llu] for %llu bytes in "
                              "a %lu-byte data section",
                              e->name, (unsigned long long)e->begin, (unsigned long long)e->end,
                              (unsigned long long)bytes, (unsigned long)dlen);
    }
    return MLIP_OK;
}

/* The config: the caller's (vocab_size <= 0 taken from the word embeddings) or inferred. */
static mlip_status mlip__fmt_st_config(mlip__fmt_st *s, const mlip_model_config *config,
                                       mlip_model_config *c) {
    mlip__fmt_st_entry *we;
    if (!config) return mlip__fmt_st_infer(s, c);
    *c = *config;
    if (c->bert.vocab_size > 0) return MLIP_OK;
    we = mlip__fmt_st_get(s, "text.embeddings.word_embeddings.weight");
    if (!we || we->rank != 2)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "safetensors: no word embeddings to take the vocabulary size from");
    c->bert.vocab_size = (int)we->shape[0];
    return MLIP_OK;
}

/* count elements of a safetensors dtype (element bytes; 3: BF16) at q into f32. */
static void mlip__fmt_st_decode(float *w, const unsigned char *q, size_t count, int dtype) {
    size_t j;
    for (j = 0; j < count; j++) {
        if (dtype == 4) {
            w[j] = mlip__fmt_u2f(mlip__load32(q + 4 * j, 0));
        } else if (dtype == 2) {
            w[j] = mlip__fmt_f16_to_f32(mlip__load16(q + 2 * j, 0));
        } else if (dtype == 3) {
            w[j] = mlip__fmt_u2f(mlip__load16(q + 2 * j, 0) << 16);
        } else {
            uint64_t b = mlip__load64(q + 8 * j, 0);
            double d;
            memcpy(&d, &b, 8);
            w[j] = mlip__fmt_d2f(d);
        }
    }
}

/* The entries' data into m's tensors (shapes checked); seen[tensor] marks the ones set. */
static mlip_status mlip__fmt_st_bind(mlip__fmt_st *s, mlip_model *m, const unsigned char *dat,
                                     unsigned char *seen) {
    int i, k;
    for (i = 0; i < s->n; i++) {
        mlip__fmt_st_entry *e = &s->e[i];
        const mlip_param_info *p;
        const char *prefix;
        float *w;
        int idx, ok;
        if (!e->mapped[0]) continue;
        if ((idx = mlip__model_find(m, e->mapped, strlen(e->mapped))) < 0)
            return mlip__fail(MLIP_ERR_FORMAT, "safetensors: unknown tensor '%s'", e->name);
        p = mlip__model_tensor(m, idx, &prefix, &w);
        ok = e->rank == p->ndim;
        for (k = 0; ok && k < e->rank; k++) ok = e->shape[k] == (uint64_t)p->shape[k];
        if (!ok)
            return mlip__fail(MLIP_ERR_FORMAT,
                              "safetensors: '%s' has a shape that differs from the config's",
                              e->name);
        mlip__fmt_st_decode(w, dat + e->begin, p->count, e->dtype);
        m->stored[idx] = (unsigned char)(e->dtype == 2   ? MLIP_DTYPE_F16
                                         : e->dtype == 3 ? MLIP_DTYPE_BF16
                                                         : MLIP_DTYPE_F32);
        seen[idx] = 1;
    }
    return MLIP_OK;
}

/* The metadata strings: the vocabulary, and the free-form ones the model keeps. */
static mlip_status mlip__fmt_st_bind_meta(mlip__fmt_st *s, mlip_model *m) {
    int i;
    for (i = 0; i < s->n_meta; i++) {
        const char *key = s->meta[2 * i], *val = s->meta[2 * i + 1];
        mlip_status st;
        if (!strcmp(key, "tokenizer.vocab"))
            st = mlip__fmt_set_vocab_text(m, val, strlen(val));
        else if (!key[0] || strlen(key) > MLIP__FMT_MAX_NAME ||
                 mlip__fmt_reserved(key, strlen(key)) || !strcmp(key, "format"))
            continue; /* "format": "pt" is safetensors' own convention */
        else
            st = mlip_model_set_meta(m, key, val);
        if (st == MLIP_ERR_INVALID_ARG) st = MLIP_ERR_FORMAT;
        MLIP__TRY(st);
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_model_import_safetensors(const void *data, size_t len,
                                                  const mlip_model_config *config,
                                                  int allow_missing, mlip_model **out) {
    const unsigned char *buf = (const unsigned char *)data;
    mlip__fmt_st s;
    mlip_model_config c;
    mlip_model *m = NULL;
    mlip_status st;
    uint64_t hlen;
    size_t dlen;
    int k, n;
    unsigned char *seen = NULL;
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(data);
    memset(&s, 0, sizeof s);
    if (len < 8)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "safetensors: %lu bytes is shorter than the 8-byte header length",
                          (unsigned long)len);
    hlen = mlip__load64(buf, 0);
    if (hlen > len - 8 || hlen > ((uint64_t)100 << 20))
        return mlip__fail(
            MLIP_ERR_FORMAT,
            "safetensors: header of %llu bytes does not fit the %lu-byte file (or exceeds 100 MB)",
            (unsigned long long)hlen, (unsigned long)len);
    dlen = len - 8 - (size_t)hlen;
    if ((st = mlip__fmt_st_parse((const char *)buf + 8, (size_t)hlen, &s))) goto done;
    if ((st = mlip__fmt_st_check(&s, dlen))) goto done;
    if ((st = mlip__fmt_st_config(&s, config, &c))) goto done;
    /* a size the file cannot back is refused, unless the caller chose it (config and
       allow_missing) */
    if ((st = mlip__fmt_model_for(&c, config && allow_missing ? (size_t)-1 : len, "safetensors",
                                  &m)))
        goto done;
    mlip_model_init_random(m, 0);
    n = mlip_model_tensor_count(m);
    if (!(seen = (unsigned char *)mlip_alloc_zeroed((size_t)n, 1))) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto done;
    }
    if ((st = mlip__fmt_st_bind(&s, m, buf + 8 + hlen, seen))) goto done;
    for (k = 0; k < n && !allow_missing; k++)
        if (!seen[k]) {
            mlip_param_info info;
            mlip_model_tensor_info(m, k, &info, NULL);
            st = mlip__fail(MLIP_ERR_FORMAT, "safetensors: tensor '%s' is missing", info.name);
            goto done;
        }
    if ((st = mlip__fmt_st_bind_meta(&s, m))) goto done;
    st = mlip__check_finite_model(m); /* NaN/Inf weights: refused by name */
done:
    mlip__fmt_st_free(&s);
    mlip_free(seen);
    if (st)
        mlip_model_free(m);
    else
        *out = m;
    return st;
}

MLIPDEF mlip_status mlip_model_load_safetensors(const char *path, const mlip_model_config *config,
                                                int allow_missing, mlip_model **out) {
    char *data = NULL;
    size_t len = 0;
    mlip_status st;
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(path);
    MLIP__TRY(mlip__read_file(path, &data, &len));
    st = mlip_model_import_safetensors(data, len, config, allow_missing, out);
    mlip_free(data);
    return st;
}

/* ---- safetensors export ---- */
static void mlip__fmt_jput(mlip__fmt_sink *s, const char *str) {
    mlip__fmt_put(s, str, strlen(str));
}
static void mlip__fmt_jputs(mlip__fmt_sink *s, const char *str) { /* a JSON string literal */
    char esc[8];
    mlip__fmt_put(s, "\"", 1);
    for (; *str; str++) {
        unsigned char ch = (unsigned char)*str;
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            mlip__fmt_put(s, esc, 2);
        } else if (ch == '\n')
            mlip__fmt_put(s, "\\n", 2);
        else if (ch < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            mlip__fmt_put(s, esc, 6);
        } else
            mlip__fmt_put(s, str, 1);
    }
    mlip__fmt_put(s, "\"", 1);
}

static void mlip__fmt_st_header(const mlip_model *m, mlip__fmt_sink *s) {
    const mlip_model_config *c = &m->config;
    char num[64];
    int k, i, n = mlip_model_tensor_count(m) - m->n_train; /* the model, not its training state */
    size_t off = 0;
    mlip__fmt_jput(s, "{\"__metadata__\":{\"format\":\"pt\"");
    for (k = 0; k < MLIP__FMT_N_KEYS; k++) {
        const char *field = (const char *)c + mlip__fmt_keys[k].offset;
        if (mlip__fmt_keys[k].type == 0) {
            int v;
            memcpy(&v, field, sizeof v);
            if (mlip__fmt_keys[k].optional && v == 0) continue; /* as in a .mlip file */
            snprintf(num, sizeof num, "%d", v);
        } else {
            float v;
            memcpy(&v, field, sizeof v);
            snprintf(num, sizeof num, "%.9g", (double)v);
        }
        mlip__fmt_jput(s, ",");
        mlip__fmt_jputs(s, mlip__fmt_keys[k].name);
        mlip__fmt_jput(s, ":");
        mlip__fmt_jputs(s, num);
    }
    for (k = 0; k < 2; k++) {
        const float *v = k ? c->image_std : c->image_mean;
        char list[64] = "";
        for (i = 0; i < c->vit.channels; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), i ? ",%.9g" : "%.9g",
                     (double)v[i]);
        mlip__fmt_jput(s, k ? ",\"image.std\":" : ",\"image.mean\":");
        mlip__fmt_jputs(s, list);
    }
    mlip__fmt_jput(s, c->lowercase ? ",\"tokenizer.lowercase\":\"1\""
                                   : ",\"tokenizer.lowercase\":\"0\"");
    if (m->vocab_n) {
        mlip__fmt_jput(s, ",\"tokenizer.vocab\":");
        mlip__fmt_jputs(s, m->vocab);
    }
    for (k = 0; k < m->n_meta; k++) {
        mlip__fmt_jput(s, ",");
        mlip__fmt_jputs(s, m->meta[2 * k]);
        mlip__fmt_jput(s, ":");
        mlip__fmt_jputs(s, m->meta[2 * k + 1]);
    }
    mlip__fmt_jput(s, "}");
    for (i = 0; i < n; i++) {
        const char *prefix;
        float *w;
        const mlip_param_info *p = mlip__model_tensor(m, i, &prefix, &w);
        mlip__fmt_jput(s, ",\"");
        mlip__fmt_jput(s, prefix);
        mlip__fmt_jput(s, p->name);
        mlip__fmt_jput(s, "\":{\"dtype\":\"F32\",\"shape\":[");
        for (k = 0; k < p->ndim; k++) {
            snprintf(num, sizeof num, k ? ",%d" : "%d", p->shape[k]);
            mlip__fmt_jput(s, num);
        }
        snprintf(num, sizeof num, "],\"data_offsets\":[%lu,%lu]}", (unsigned long)off,
                 (unsigned long)(off + 4 * p->count));
        mlip__fmt_jput(s, num);
        off += 4 * p->count;
    }
    mlip__fmt_jput(s, "}");
}

static mlip_status mlip__fmt_st_write(const void *obj, int unused, mlip__fmt_sink *s) {
    const mlip_model *m = (const mlip_model *)obj;
    mlip__fmt_sink count;
    size_t hlen, start = s->pos;
    int i, n = mlip_model_tensor_count(m) - m->n_train;
    (void)unused;
    memset(&count, 0, sizeof count);
    mlip__fmt_st_header(m, &count);
    hlen = (count.pos + 7) / 8 * 8;
    mlip__fmt_put64(s, hlen);
    mlip__fmt_st_header(m, s);
    while (s->pos < start + 8 + hlen) mlip__fmt_put(s, " ", 1);
    for (i = 0; i < n; i++) {
        const char *prefix;
        float *w;
        const mlip_param_info *p = mlip__model_tensor(m, i, &prefix, &w);
        size_t j;
        for (j = 0; j < p->count; j++) mlip__fmt_put32(s, mlip__fmt_f2u(w[j]));
    }
    if (s->err) return mlip__fail(MLIP_ERR_IO, "safetensors export: write failed");
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_model_export_safetensors(const mlip_model *m, const char *path) {
    MLIP__CHECK_PTR(m);
    MLIP__CHECK_PTR(path);
    return mlip__fmt_save_file(path, mlip__fmt_st_write, m, 0);
}

MLIPDEF mlip_status mlip_model_export_safetensors_memory(const mlip_model *m, void **buf,
                                                         size_t *len) {
    mlip__fmt_sink s;
    mlip_status st;
    MLIP__CHECK_PTR(m);
    MLIP__CHECK_PTR(buf);
    MLIP__CHECK_PTR(len);
    *buf = NULL;
    *len = 0;
    memset(&s, 0, sizeof s);
    mlip__fmt_st_write(m, 0, &s);
    s.cap = s.pos;
    s.pos = 0;
    if (!(s.buf = (unsigned char *)mlip_alloc(s.cap ? s.cap : 1))) return MLIP_ERR_OUT_OF_MEMORY;
    if ((st = mlip__fmt_st_write(m, 0, &s))) {
        mlip_free(s.buf);
        return st;
    }
    *buf = s.buf;
    *len = s.pos;
    return MLIP_OK;
}

/* ---- PyTorch checkpoints (torch.save zip + pickle), read without executing anything ---- */
/* The zip: the end-of-central-directory record (ZIP64 when torch needed it), the central
   directory, each entry's local header; entries stored, unencrypted, inside the file, without
   overlapping each other or the directory, names unique. The pickle: a stack machine over a
   pool of objects (indices, never pointers, as the pool grows), bounded in objects, stack,
   marks, memo and string lengths, and never recursive, so no input nests it deeper. */
#define MLIP__PT_MAX_OBJECTS (1 << 21)
#define MLIP__PT_MAX_STACK (1 << 20)
#define MLIP__PT_MAX_MARKS 4096
#define MLIP__PT_MAX_MEMO (1 << 20)
#define MLIP__PT_MAX_STR (1 << 24)
#define MLIP__PT_MAX_NAME 1024

typedef struct mlip__pt_entry {
    const unsigned char *name, *data;
    size_t name_len, size, begin, end; /* begin: local header; end: past the data */
} mlip__pt_entry;

typedef struct mlip__pt_tensor {
    char *name;
    int dtype, ndim;
    int64_t shape[8], stride[8];
    size_t offset, count; /* storage offset and element count (elements) */
    const unsigned char *data; /* the storage's bytes */
} mlip__pt_tensor;

typedef struct mlip__pt_name {
    const char *name;
    int index;
} mlip__pt_name;

struct mlip_torch_file {
    char *owned; /* the file's bytes when mlip_torch_open read them */
    mlip__pt_tensor *t;
    int n;
    size_t cap;
    mlip__pt_name *sorted; /* the tensors in name order */
};

typedef struct mlip__pt_zip {
    const unsigned char *buf;
    size_t len, cd_off;
    mlip__pt_entry *e; /* sorted by name */
    int n;
    const unsigned char *dir; /* the top folder, "archive/" or the file's stem */
    size_t dir_len; /* with its slash */
} mlip__pt_zip;

enum {
    MLIP__PT_NONE,
    MLIP__PT_BOOL,
    MLIP__PT_INT,
    MLIP__PT_FLOAT,
    MLIP__PT_STR,
    MLIP__PT_TUPLE,
    MLIP__PT_LIST,
    MLIP__PT_DICT,
    MLIP__PT_GLOBAL,
    MLIP__PT_STORAGE,
    MLIP__PT_TENSOR
};
static const char *const mlip__pt_type_names[] = {
    "None", "bool", "int", "float", "str", "tuple", "list", "dict", "global", "storage", "tensor"};

typedef struct mlip__pt_obj {
    int type, kind; /* kind: GLOBAL's row in mlip__pt_globals, STORAGE's dtype */
    int n; /* TUPLE, LIST: n items; DICT: n / 2 key-value pairs */
    size_t cap;
    int *items;
    int64_t i; /* INT, BOOL; TENSOR: its row in the machine's tensors */
    const unsigned char *p; /* STR: the bytes; STORAGE: the data */
    size_t len; /* STR: bytes; STORAGE: elements */
} mlip__pt_obj;

typedef struct mlip__pt_vm {
    const mlip__pt_zip *zip;
    const unsigned char *p;
    size_t len, pos;
    mlip__pt_obj *obj;
    int n_obj;
    int *stack, sp;
    int *marks, n_marks;
    int *memo; /* -1: empty */
    size_t cap_obj, cap_stack, cap_marks, cap_memo;
    int n_memo; /* MEMOIZE's next index */
    mlip__pt_tensor *t; /* built by _rebuild_tensor_v2, unnamed */
    int n_t;
    size_t cap_t;
} mlip__pt_vm;

enum { MLIP__PT_ODICT = 1, MLIP__PT_REBUILD, MLIP__PT_PARAM, MLIP__PT_STYPE, MLIP__PT_DTYPE };
typedef struct mlip__pt_global {
    const char *module, *name;
    int kind, dtype;
} mlip__pt_global;
static const mlip__pt_global mlip__pt_globals[] = {
    {"collections", "OrderedDict", MLIP__PT_ODICT, 0},
    {"torch._utils", "_rebuild_tensor_v2", MLIP__PT_REBUILD, 0},
    {"torch._utils", "_rebuild_parameter", MLIP__PT_PARAM, 0},
    {"torch", "FloatStorage", MLIP__PT_STYPE, MLIP_TORCH_F32},
    {"torch", "HalfStorage", MLIP__PT_STYPE, MLIP_TORCH_F16},
    {"torch", "BFloat16Storage", MLIP__PT_STYPE, MLIP_TORCH_BF16},
    {"torch", "DoubleStorage", MLIP__PT_STYPE, MLIP_TORCH_F64},
    {"torch", "LongStorage", MLIP__PT_STYPE, MLIP_TORCH_I64},
    {"torch", "IntStorage", MLIP__PT_STYPE, MLIP_TORCH_I32},
    {"torch", "ShortStorage", MLIP__PT_STYPE, MLIP_TORCH_I16},
    {"torch", "CharStorage", MLIP__PT_STYPE, MLIP_TORCH_I8},
    {"torch", "ByteStorage", MLIP__PT_STYPE, MLIP_TORCH_U8},
    {"torch", "BoolStorage", MLIP__PT_STYPE, MLIP_TORCH_BOOL},
    {"torch", "float32", MLIP__PT_DTYPE, MLIP_TORCH_F32},
    {"torch", "float16", MLIP__PT_DTYPE, MLIP_TORCH_F16},
    {"torch", "bfloat16", MLIP__PT_DTYPE, MLIP_TORCH_BF16},
    {"torch", "float64", MLIP__PT_DTYPE, MLIP_TORCH_F64},
    {"torch", "int64", MLIP__PT_DTYPE, MLIP_TORCH_I64},
    {"torch", "int32", MLIP__PT_DTYPE, MLIP_TORCH_I32},
    {"torch", "int16", MLIP__PT_DTYPE, MLIP_TORCH_I16},
    {"torch", "int8", MLIP__PT_DTYPE, MLIP_TORCH_I8},
    {"torch", "uint8", MLIP__PT_DTYPE, MLIP_TORCH_U8},
    {"torch", "bool", MLIP__PT_DTYPE, MLIP_TORCH_BOOL}};

MLIPDEF const char *mlip_torch_dtype_name(int dtype) {
    switch (dtype) {
    case MLIP_TORCH_F32: return "f32";
    case MLIP_TORCH_F16: return "f16";
    case MLIP_TORCH_BF16: return "bf16";
    case MLIP_TORCH_F64: return "f64";
    case MLIP_TORCH_I64: return "i64";
    case MLIP_TORCH_I32: return "i32";
    case MLIP_TORCH_I16: return "i16";
    case MLIP_TORCH_I8: return "i8";
    case MLIP_TORCH_U8: return "u8";
    case MLIP_TORCH_BOOL: return "bool";
    }
    return "?";
}

static size_t mlip__pt_elem_size(int dtype) {
    switch (dtype) {
    case MLIP_TORCH_F64:
    case MLIP_TORCH_I64: return 8;
    case MLIP_TORCH_F32:
    case MLIP_TORCH_I32: return 4;
    case MLIP_TORCH_F16:
    case MLIP_TORCH_BF16:
    case MLIP_TORCH_I16: return 2;
    }
    return 1;
}

/* The n-byte little-endian two's complement integer u (1 <= bits <= 64), as int64_t. */
static int64_t mlip__pt_signed(uint64_t u, int bits) {
    if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~(uint64_t)0 << bits;
    if (u <= (uint64_t)INT64_MAX) return (int64_t)u;
    return -(int64_t)(~u) - 1;
}

static float mlip__pt_elem(const unsigned char *p, int dtype) {
    double d;
    uint64_t u;
    switch (dtype) {
    case MLIP_TORCH_F32: return mlip__fmt_u2f(mlip__load32(p, 0));
    case MLIP_TORCH_F16: return mlip__fmt_f16_to_f32(mlip__load16(p, 0));
    case MLIP_TORCH_BF16: return mlip__fmt_u2f(mlip__load16(p, 0) << 16);
    case MLIP_TORCH_F64:
        u = mlip__load64(p, 0);
        memcpy(&d, &u, 8);
        return mlip__fmt_d2f(d);
    case MLIP_TORCH_I64: return (float)mlip__pt_signed(mlip__load64(p, 0), 64);
    case MLIP_TORCH_I32: return (float)mlip__pt_signed(mlip__load32(p, 0), 32);
    case MLIP_TORCH_I16: return (float)mlip__pt_signed(mlip__load16(p, 0), 16);
    case MLIP_TORCH_I8: return (float)mlip__pt_signed(p[0], 8);
    case MLIP_TORCH_BOOL: return p[0] ? 1.0f : 0.0f;
    }
    return (float)p[0];
}

/* ---- the zip container ---- */
static int mlip__pt_name_cmp(const unsigned char *a, size_t na, const unsigned char *b, size_t nb) {
    int c = memcmp(a, b, na < nb ? na : nb);
    if (c) return c;
    return na < nb ? -1 : na > nb;
}
static int mlip__pt_entry_by_name(const void *a, const void *b) {
    const mlip__pt_entry *x = (const mlip__pt_entry *)a;
    const mlip__pt_entry *y = (const mlip__pt_entry *)b;
    return mlip__pt_name_cmp(x->name, x->name_len, y->name, y->name_len);
}
static int mlip__pt_entry_by_begin(const void *a, const void *b) {
    const mlip__pt_entry *x = (const mlip__pt_entry *)a;
    const mlip__pt_entry *y = (const mlip__pt_entry *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* The entry <dir><suffix>, or NULL. */
static const mlip__pt_entry *mlip__pt_zip_find(const mlip__pt_zip *z, const unsigned char *suffix,
                                               size_t n) {
    unsigned char name[512];
    int lo = 0;
    int hi = z->n;
    if (n > sizeof name - z->dir_len) return NULL;
    memcpy(name, z->dir, z->dir_len);
    memcpy(name + z->dir_len, suffix, n);
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int c = mlip__pt_name_cmp(z->e[mid].name, z->e[mid].name_len, name, z->dir_len + n);
        if (!c) return &z->e[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Where the central directory is and how many entries it has. */
static mlip_status mlip__pt_eocd(const unsigned char *b, size_t len, uint64_t *count,
                                 uint64_t *cd_off, uint64_t *cd_size) {
    size_t pos;
    size_t stop;
    if (len >= 2 && b[0] == 0x80)
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "pytorch checkpoint: the legacy (pre-1.6, not "
                                                "zip) torch.save format; re-save it with a "
                                                "current PyTorch");
    if (len < 22)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "pytorch checkpoint: %lu bytes, too short for a zip "
                          "(truncated?)",
                          (unsigned long)len);
    pos = len - 22;
    stop = pos > 65535 ? pos - 65535 : 0;
    while (mlip__load32(b + pos, 0) != 0x06054b50u ||
           pos + 22 + mlip__load16(b + pos + 20, 0) != len)
        if (pos-- == stop)
            return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: no zip end-of-central-"
                                               "directory record (truncated, or not a zip)");
    if (mlip__load16(b + pos + 4, 0) || mlip__load16(b + pos + 6, 0))
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "pytorch checkpoint: multi-disk zip");
    *count = mlip__load16(b + pos + 10, 0);
    *cd_size = mlip__load32(b + pos + 12, 0);
    *cd_off = mlip__load32(b + pos + 16, 0);
    if (pos >= 20 && mlip__load32(b + pos - 20, 0) == 0x07064b50u) { /* ZIP64 locator */
        uint64_t off = mlip__load64(b + pos - 12, 0);
        if (off > pos - 20 || pos - 20 - off < 56 || mlip__load32(b + off, 0) != 0x06064b50u)
            return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: bad ZIP64 end record");
        *count = mlip__load64(b + off + 32, 0);
        *cd_size = mlip__load64(b + off + 40, 0);
        *cd_off = mlip__load64(b + off + 48, 0);
        pos = (size_t)off;
    }
    if (*cd_off > pos || *cd_size > pos - *cd_off || *count > *cd_size / 46)
        return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: zip central directory out of "
                                           "range (truncated?)");
    return MLIP_OK;
}

/* The ZIP64 extra field: 64-bit values for the fields saturated at 0xFFFFFFFF, in order. */
static mlip_status mlip__pt_zip64_extra(const unsigned char *x, size_t n, uint64_t *v[3]) {
    while (n >= 4) {
        size_t k = mlip__load16(x + 2, 0);
        size_t at = 4;
        int j;
        if (k > n - 4)
            return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: bad zip extra field");
        for (j = 0; j < 3 && mlip__load16(x, 0) == 1; j++) {
            if (*v[j] != 0xFFFFFFFFu) continue;
            if (at + 8 > k + 4)
                return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: short ZIP64 extra field");
            *v[j] = mlip__load64(x + at, 0);
            at += 8;
        }
        x += k + 4;
        n -= k + 4;
    }
    return MLIP_OK;
}

/* One central directory entry at b + at (at most `room` bytes): fills e, *next past it. */
static mlip_status mlip__pt_central(const mlip__pt_zip *z, size_t at, size_t room,
                                    mlip__pt_entry *e, size_t *next) {
    const unsigned char *p = z->buf + at;
    uint64_t usize, csize, loff, data;
    uint64_t *v[3];
    size_t nlen, xlen, lo;
    int shown;
    if (room < 46 || mlip__load32(p, 0) != 0x02014b50u)
        return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: bad zip central directory entry");
    nlen = mlip__load16(p + 28, 0);
    xlen = mlip__load16(p + 30, 0);
    if (46 + nlen + xlen + mlip__load16(p + 32, 0) > room)
        return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: zip directory entry overruns");
    *next = at + 46 + nlen + xlen + mlip__load16(p + 32, 0);
    shown = (int)(nlen < 80 ? nlen : 80);
    csize = mlip__load32(p + 20, 0);
    usize = mlip__load32(p + 24, 0);
    loff = mlip__load32(p + 42, 0);
    v[0] = &usize;
    v[1] = &csize;
    v[2] = &loff;
    MLIP__TRY(mlip__pt_zip64_extra(p + 46 + nlen, xlen, v));
    if (mlip__load16(p + 8, 0) & 1)
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "pytorch checkpoint: zip entry '%.*s' is encrypted",
                          shown, (const char *)p + 46);
    if (mlip__load16(p + 10, 0) != 0)
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "pytorch checkpoint: zip entry '%.*s' is compressed (method %u); "
                          "torch.save stores entries uncompressed: re-save the file",
                          shown, (const char *)p + 46, (unsigned)mlip__load16(p + 10, 0));
    lo = (size_t)(loff < z->cd_off ? loff : z->cd_off);
    if (loff >= z->cd_off || z->cd_off - lo < 30 || mlip__load32(z->buf + lo, 0) != 0x04034b50u ||
        mlip__load16(z->buf + lo + 26, 0) != nlen || z->cd_off - lo - 30 < nlen ||
        memcmp(z->buf + lo + 30, p + 46, nlen))
        return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: zip entry '%.*s': bad local header",
                          shown, (const char *)p + 46);
    data = (uint64_t)lo + 30 + nlen + mlip__load16(z->buf + lo + 28, 0);
    if (csize != usize || data > z->cd_off || usize > z->cd_off - data)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "pytorch checkpoint: zip entry '%.*s' out of range "
                          "(truncated?)",
                          shown, (const char *)p + 46);
    e->name = p + 46;
    e->name_len = nlen;
    e->data = z->buf + data;
    e->size = (size_t)usize;
    e->begin = lo;
    e->end = (size_t)(data + usize);
    return MLIP_OK;
}

/* No two entries overlap, no name twice; the top folder is the one holding data.pkl. */
static mlip_status mlip__pt_zip_check(mlip__pt_zip *z) {
    const mlip__pt_entry *e;
    int i;
    qsort(z->e, (size_t)z->n, sizeof *z->e, mlip__pt_entry_by_begin);
    for (i = 0; i + 1 < z->n; i++)
        if (z->e[i].end > z->e[i + 1].begin)
            return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: zip entries overlap");
    qsort(z->e, (size_t)z->n, sizeof *z->e, mlip__pt_entry_by_name);
    for (i = 0; i + 1 < z->n; i++)
        if (!mlip__pt_entry_by_name(&z->e[i], &z->e[i + 1]))
            return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: zip entry '%.*s' twice",
                              (int)(z->e[i].name_len < 80 ? z->e[i].name_len : 80),
                              (const char *)z->e[i].name);
    for (i = 0; i < z->n; i++) {
        const unsigned char *s = z->e[i].name;
        size_t n = z->e[i].name_len;
        const unsigned char *slash = n > 9 ? (const unsigned char *)memchr(s, '/', n) : NULL;
        if (!slash || slash == s || (size_t)(slash - s) != n - 9 || memcmp(slash, "/data.pkl", 9))
            continue;
        if (z->dir)
            return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: more than one data.pkl");
        z->dir = s;
        z->dir_len = n - 8;
    }
    if (!z->dir)
        return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: no <folder>/data.pkl in the zip "
                                           "(not a torch.save file)");
    e = mlip__pt_zip_find(z, (const unsigned char *)"byteorder", 9);
    if (e && !(e->size == 6 && !memcmp(e->data, "little", 6)))
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "pytorch checkpoint: byte order '%.*s' (only "
                          "little-endian checkpoints are read)",
                          (int)(e->size < 16 ? e->size : 16), (const char *)e->data);
    return MLIP_OK;
}

static mlip_status mlip__pt_zip_open(mlip__pt_zip *z, const unsigned char *b, size_t len) {
    uint64_t count = 0;
    uint64_t cd_off = 0;
    uint64_t cd_size = 0;
    size_t at;
    int i;
    z->buf = b;
    z->len = len;
    MLIP__TRY(mlip__pt_eocd(b, len, &count, &cd_off, &cd_size));
    if (count > (1 << 20))
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "pytorch checkpoint: %lu zip entries (at most "
                          "2^20)",
                          (unsigned long)count);
    z->cd_off = (size_t)cd_off;
    z->e = (mlip__pt_entry *)mlip_alloc_zeroed((size_t)count + 1, sizeof *z->e);
    if (!z->e) return MLIP_ERR_OUT_OF_MEMORY;
    at = (size_t)cd_off;
    for (i = 0; i < (int)count; i++) {
        MLIP__TRY(mlip__pt_central(z, at, (size_t)(cd_off + cd_size) - at, &z->e[i], &at));
        z->n++;
    }
    return mlip__pt_zip_check(z);
}

/* ---- the restricted pickle machine ---- */
static mlip_status mlip__pt_bad(const mlip__pt_vm *vm, const char *what) {
    return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: pickle offset %lu: %s",
                      (unsigned long)vm->pos, what);
}

static mlip_status mlip__pt_take(mlip__pt_vm *vm, size_t n, const unsigned char **p) {
    if (n > vm->len - vm->pos) return mlip__pt_bad(vm, "truncated pickle");
    *p = vm->p + vm->pos;
    vm->pos += n;
    return MLIP_OK;
}

static mlip_status mlip__pt_uint(mlip__pt_vm *vm, size_t n, uint64_t *v) {
    const unsigned char *p = NULL;
    size_t k;
    MLIP__TRY(mlip__pt_take(vm, n, &p));
    *v = 0;
    for (k = n; k-- > 0;) *v = *v << 8 | p[k];
    return MLIP_OK;
}

static mlip_status mlip__pt_push(mlip__pt_vm *vm, int idx) {
    if (vm->sp >= MLIP__PT_MAX_STACK) return mlip__pt_bad(vm, "stack too deep");
    MLIP__TRY(mlip__grow((void **)&vm->stack, &vm->cap_stack, (size_t)(vm->sp + 1), sizeof(int)));
    vm->stack[vm->sp++] = idx;
    return MLIP_OK;
}

/* A new object of `type` (*idx), not on the stack. */
static mlip_status mlip__pt_new(mlip__pt_vm *vm, int type, int *idx) {
    if (vm->n_obj >= MLIP__PT_MAX_OBJECTS) return mlip__pt_bad(vm, "too many objects");
    MLIP__TRY(
        mlip__grow((void **)&vm->obj, &vm->cap_obj, (size_t)(vm->n_obj + 1), sizeof *vm->obj));
    memset(&vm->obj[vm->n_obj], 0, sizeof *vm->obj);
    vm->obj[vm->n_obj].type = type;
    *idx = vm->n_obj++;
    return MLIP_OK;
}

static mlip_status mlip__pt_push_new(mlip__pt_vm *vm, int type, mlip__pt_obj **out) {
    int idx = 0;
    MLIP__TRY(mlip__pt_new(vm, type, &idx));
    MLIP__TRY(mlip__pt_push(vm, idx));
    *out = &vm->obj[idx];
    return MLIP_OK;
}

static mlip_status mlip__pt_pop(mlip__pt_vm *vm, int *idx) {
    int floor = vm->n_marks ? vm->marks[vm->n_marks - 1] : 0;
    if (vm->sp <= floor) return mlip__pt_bad(vm, "stack underflow");
    *idx = vm->stack[--vm->sp];
    return MLIP_OK;
}

/* Items above the topmost mark: *from is where they start; the mark is dropped. */
static mlip_status mlip__pt_pop_mark(mlip__pt_vm *vm, int *from) {
    if (!vm->n_marks) return mlip__pt_bad(vm, "no MARK");
    *from = vm->marks[--vm->n_marks];
    return MLIP_OK;
}

/* Append n object indices to the items of container c. */
static mlip_status mlip__pt_add(mlip__pt_vm *vm, int c, const int *src, int n) {
    mlip__pt_obj *o = &vm->obj[c];
    if (!n) return MLIP_OK;
    if (n > MLIP__PT_MAX_OBJECTS - o->n) return mlip__pt_bad(vm, "container too large");
    MLIP__TRY(mlip__grow((void **)&o->items, &o->cap, (size_t)(o->n + n), sizeof(int)));
    memcpy(o->items + o->n, src, (size_t)n * sizeof(int));
    o->n += n;
    return MLIP_OK;
}

/* A tuple of the stack items from `from` up, which replace them. */
static mlip_status mlip__pt_tuple(mlip__pt_vm *vm, int from) {
    int idx = 0;
    MLIP__TRY(mlip__pt_new(vm, MLIP__PT_TUPLE, &idx));
    MLIP__TRY(mlip__pt_add(vm, idx, vm->stack + from, vm->sp - from));
    vm->sp = from;
    return mlip__pt_push(vm, idx);
}

static mlip_status mlip__pt_str(mlip__pt_vm *vm, size_t n) {
    mlip__pt_obj *o;
    const unsigned char *p = NULL;
    if (n > MLIP__PT_MAX_STR) return mlip__pt_bad(vm, "string too long");
    MLIP__TRY(mlip__pt_take(vm, n, &p));
    MLIP__TRY(mlip__pt_push_new(vm, MLIP__PT_STR, &o));
    o->p = p;
    o->len = n;
    return MLIP_OK;
}

/* Opcodes that push one new value. Returns -1 for an opcode of another group. */
static int mlip__pt_op_value(mlip__pt_vm *vm, int op) {
    mlip__pt_obj *o;
    uint64_t v = 0;
    int type = op == 'N'   ? MLIP__PT_NONE
               : op == '}' ? MLIP__PT_DICT
               : op == ']' ? MLIP__PT_LIST
                           : MLIP__PT_TUPLE;
    switch (op) {
    case 'N':
    case '}':
    case ']':
    case ')': return mlip__pt_push_new(vm, type, &o);
    case 0x88:
    case 0x89:
        MLIP__TRY(mlip__pt_push_new(vm, MLIP__PT_BOOL, &o));
        o->i = op == 0x88;
        return MLIP_OK;
    case 'X': MLIP__TRY(mlip__pt_uint(vm, 4, &v)); return mlip__pt_str(vm, (size_t)v);
    case 0x8c: MLIP__TRY(mlip__pt_uint(vm, 1, &v)); return mlip__pt_str(vm, (size_t)v);
    case 0x8d:
        MLIP__TRY(mlip__pt_uint(vm, 8, &v));
        return mlip__pt_str(vm, v > MLIP__PT_MAX_STR ? (size_t)MLIP__PT_MAX_STR + 1 : (size_t)v);
    case 'K':
    case 'M':
    case 'J':
        MLIP__TRY(mlip__pt_uint(vm, op == 'K' ? 1 : op == 'M' ? 2 : 4, &v));
        MLIP__TRY(mlip__pt_push_new(vm, MLIP__PT_INT, &o));
        o->i = op == 'J' ? mlip__pt_signed(v, 32) : (int64_t)v;
        return MLIP_OK;
    case 0x8a: { /* LONG1: n bytes, little-endian two's complement */
        uint64_t n = 0;
        MLIP__TRY(mlip__pt_uint(vm, 1, &n));
        if (n > 8) return mlip__pt_bad(vm, "integer wider than 64 bits");
        MLIP__TRY(mlip__pt_uint(vm, (size_t)n, &v));
        MLIP__TRY(mlip__pt_push_new(vm, MLIP__PT_INT, &o));
        o->i = n ? mlip__pt_signed(v, 8 * (int)n) : 0;
        return MLIP_OK;
    }
    case 'G': /* BINFLOAT: a big-endian double, never needed */
        MLIP__TRY(mlip__pt_uint(vm, 8, &v));
        return mlip__pt_push_new(vm, MLIP__PT_FLOAT, &o);
    }
    return -1;
}

/* MARK, tuples, SETITEM(S), APPEND(S), PROTO, FRAME. Returns -1 for another group. */
static int mlip__pt_op_struct(mlip__pt_vm *vm, int op) {
    uint64_t v = 0;
    int from = 0;
    int c;
    switch (op) {
    case 0x80:
        MLIP__TRY(mlip__pt_uint(vm, 1, &v));
        if (v < 2 || v > 5)
            return mlip__fail(MLIP_ERR_UNSUPPORTED, "pytorch checkpoint: pickle protocol %u",
                              (unsigned)v);
        return MLIP_OK;
    case 0x95: return mlip__pt_uint(vm, 8, &v); /* FRAME: a length hint */
    case '(':
        if (vm->n_marks >= MLIP__PT_MAX_MARKS) return mlip__pt_bad(vm, "too many MARKs");
        MLIP__TRY(mlip__grow((void **)&vm->marks, &vm->cap_marks, (size_t)(vm->n_marks + 1),
                             sizeof(int)));
        vm->marks[vm->n_marks++] = vm->sp;
        return MLIP_OK;
    case 't': MLIP__TRY(mlip__pt_pop_mark(vm, &from)); return mlip__pt_tuple(vm, from);
    case 0x85:
    case 0x86:
    case 0x87:
        from = vm->sp - (op - 0x84);
        if (from < (vm->n_marks ? vm->marks[vm->n_marks - 1] : 0))
            return mlip__pt_bad(vm, "stack underflow");
        return mlip__pt_tuple(vm, from);
    case 's':
    case 'a':
        from = vm->sp - (op == 's' ? 2 : 1);
        if (from - 1 < (vm->n_marks ? vm->marks[vm->n_marks - 1] : 0))
            return mlip__pt_bad(vm, "stack underflow");
        break;
    case 'u':
    case 'e':
        MLIP__TRY(mlip__pt_pop_mark(vm, &from));
        if (from < 1 || from - 1 < (vm->n_marks ? vm->marks[vm->n_marks - 1] : 0))
            return mlip__pt_bad(vm, "stack underflow");
        break;
    default: return -1;
    }
    c = vm->stack[from - 1]; /* the dict (SETITEM[S]) or list (APPEND[S]) */
    if (vm->obj[c].type != ((op == 's' || op == 'u') ? MLIP__PT_DICT : MLIP__PT_LIST))
        return mlip__pt_bad(vm, (op == 's' || op == 'u') ? "SETITEM on a non-dict"
                                                         : "APPEND on a non-list");
    if ((op == 's' || op == 'u') && (vm->sp - from) % 2)
        return mlip__pt_bad(vm, "SETITEMS with an odd count");
    MLIP__TRY(mlip__pt_add(vm, c, vm->stack + from, vm->sp - from));
    vm->sp = from;
    return MLIP_OK;
}

/* BINPUT, LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET. Returns -1 for another group. */
static int mlip__pt_op_memo(mlip__pt_vm *vm, int op) {
    uint64_t k = 0;
    if (op != 'q' && op != 'r' && op != 0x94 && op != 'h' && op != 'j') return -1;
    if (op == 0x94)
        k = (uint64_t)vm->n_memo;
    else
        MLIP__TRY(mlip__pt_uint(vm, op == 'q' || op == 'h' ? 1 : 4, &k));
    if (k >= MLIP__PT_MAX_MEMO) return mlip__pt_bad(vm, "memo index too large");
    if (op == 'h' || op == 'j') {
        if (k >= vm->cap_memo || vm->memo[k] < 0)
            return mlip__pt_bad(vm, "BINGET of an empty memo slot");
        return mlip__pt_push(vm, vm->memo[k]);
    }
    if (vm->sp <= (vm->n_marks ? vm->marks[vm->n_marks - 1] : 0))
        return mlip__pt_bad(vm, "memoize with an empty stack");
    if (k >= vm->cap_memo) {
        size_t old = vm->cap_memo;
        size_t i;
        MLIP__TRY(mlip__grow((void **)&vm->memo, &vm->cap_memo, (size_t)k + 1, sizeof(int)));
        for (i = old; i < vm->cap_memo; i++) vm->memo[i] = -1;
    }
    vm->memo[k] = vm->stack[vm->sp - 1];
    if (op == 0x94) vm->n_memo++;
    return MLIP_OK;
}

/* GLOBAL 'module\nname\n' (or STACK_GLOBAL's two strings): only the whitelist, else refused. */
static mlip_status mlip__pt_op_global(mlip__pt_vm *vm, const unsigned char *mod, size_t nm,
                                      const unsigned char *name, size_t nn) {
    mlip__pt_obj *o;
    int i;
    for (i = 0; i < (int)(sizeof mlip__pt_globals / sizeof mlip__pt_globals[0]); i++) {
        const mlip__pt_global *g = &mlip__pt_globals[i];
        if (strlen(g->module) != nm || memcmp(g->module, mod, nm) || strlen(g->name) != nn ||
            memcmp(g->name, name, nn))
            continue;
        MLIP__TRY(mlip__pt_push_new(vm, MLIP__PT_GLOBAL, &o));
        o->kind = i;
        return MLIP_OK;
    }
    return mlip__fail(MLIP_ERR_UNSUPPORTED,
                      "pytorch checkpoint: refused global '%.*s.%.*s' (only state dicts are "
                      "read; nothing is executed)",
                      (int)(nm < 80 ? nm : 80), (const char *)mod, (int)(nn < 80 ? nn : 80),
                      (const char *)name);
}

static mlip_status mlip__pt_line(mlip__pt_vm *vm, const unsigned char **s, size_t *n) {
    const unsigned char *start = vm->p + vm->pos;
    size_t room = vm->len - vm->pos;
    const unsigned char *nl = (const unsigned char *)memchr(start, '\n', room < 256 ? room : 256);
    if (!nl) return mlip__pt_bad(vm, "GLOBAL name without an end (or too long)");
    *s = start;
    *n = (size_t)(nl - start);
    vm->pos += *n + 1;
    return MLIP_OK;
}

/* An int of the pickle as a size_t, refusing negatives and what cannot be addressed. */
static mlip_status mlip__pt_size(const mlip__pt_vm *vm, int idx, size_t *out) {
    const mlip__pt_obj *o = &vm->obj[idx];
    if (o->type != MLIP__PT_INT || o->i < 0 || (uint64_t)o->i > (uint64_t)(size_t)-1)
        return mlip__pt_bad(vm, "tensor size, stride, offset or numel is not a valid size");
    *out = (size_t)o->i;
    return MLIP_OK;
}

/* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]): the
   view must lie inside the storage. */
static mlip_status mlip__pt_rebuild(mlip__pt_vm *vm, int args, int *result) {
    mlip__pt_tensor t;
    const mlip__pt_obj *a = &vm->obj[args];
    const mlip__pt_obj *sto;
    size_t last = 0;
    size_t v = 0;
    int k;
    memset(&t, 0, sizeof t);
    if (a->n != 6 && a->n != 7)
        return mlip__pt_bad(vm, "_rebuild_tensor_v2 takes 6 or 7 arguments");
    sto = &vm->obj[a->items[0]];
    if (sto->type != MLIP__PT_STORAGE || vm->obj[a->items[2]].type != MLIP__PT_TUPLE ||
        vm->obj[a->items[3]].type != MLIP__PT_TUPLE ||
        vm->obj[a->items[2]].n != vm->obj[a->items[3]].n || vm->obj[a->items[2]].n > 8)
        return mlip__pt_bad(vm, "_rebuild_tensor_v2 wants a storage and size and stride tuples "
                                "of the same length (at most 8)");
    MLIP__TRY(mlip__pt_size(vm, a->items[1], &t.offset));
    t.dtype = sto->kind;
    t.data = sto->p;
    t.ndim = vm->obj[a->items[2]].n;
    t.count = 1;
    for (k = 0; k < t.ndim; k++) {
        size_t stride = 0;
        MLIP__TRY(mlip__pt_size(vm, vm->obj[a->items[2]].items[k], &v));
        MLIP__TRY(mlip__pt_size(vm, vm->obj[a->items[3]].items[k], &stride));
        t.shape[k] = (int64_t)v;
        t.stride[k] = (int64_t)stride;
        if (mlip_size_mul(t.count, v, &t.count) || (v && mlip_size_mul(v - 1, stride, &v)) ||
            mlip_size_add(last, v, &last))
            return mlip__pt_bad(vm, "tensor size overflows");
    }
    if (mlip_size_add(last, t.offset, &last) || (t.count && last >= sto->len) ||
        t.offset > sto->len || t.count > (size_t)-1 / 8)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "pytorch checkpoint: tensor view (offset %lu, %d dims, "
                          "%lu elements) exceeds its storage of %lu elements",
                          (unsigned long)t.offset, t.ndim, (unsigned long)t.count,
                          (unsigned long)sto->len);
    if (vm->n_t >= MLIP__PT_MAX_OBJECTS) return mlip__pt_bad(vm, "too many tensors");
    MLIP__TRY(mlip__grow((void **)&vm->t, &vm->cap_t, (size_t)(vm->n_t + 1), sizeof *vm->t));
    vm->t[vm->n_t] = t;
    MLIP__TRY(mlip__pt_new(vm, MLIP__PT_TENSOR, result));
    vm->obj[*result].i = vm->n_t++;
    return MLIP_OK;
}

/* REDUCE: callable(*args) for the whitelisted callables. */
static mlip_status mlip__pt_reduce(mlip__pt_vm *vm) {
    int args = 0;
    int fn = 0;
    int result = 0;
    const mlip__pt_obj *a;
    MLIP__TRY(mlip__pt_pop(vm, &args));
    MLIP__TRY(mlip__pt_pop(vm, &fn));
    a = &vm->obj[args];
    if (vm->obj[fn].type != MLIP__PT_GLOBAL || a->type != MLIP__PT_TUPLE)
        return mlip__pt_bad(vm, "REDUCE wants a global and a tuple");
    switch (mlip__pt_globals[vm->obj[fn].kind].kind) {
    case MLIP__PT_ODICT:
        if (a->n) return mlip__pt_bad(vm, "OrderedDict with arguments");
        MLIP__TRY(mlip__pt_new(vm, MLIP__PT_DICT, &result));
        break;
    case MLIP__PT_REBUILD: MLIP__TRY(mlip__pt_rebuild(vm, args, &result)); break;
    case MLIP__PT_PARAM:
        if (a->n != 3 || vm->obj[a->items[0]].type != MLIP__PT_TENSOR)
            return mlip__pt_bad(vm, "_rebuild_parameter wants (tensor, requires_grad, hooks)");
        result = a->items[0];
        break;
    default:
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "pytorch checkpoint: refused call of '%s.%s'",
                          mlip__pt_globals[vm->obj[fn].kind].module,
                          mlip__pt_globals[vm->obj[fn].kind].name);
    }
    return mlip__pt_push(vm, result);
}

/* BINPERSID ('storage', StorageType, key, location, numel): the entry <dir>/data/<key>. */
static mlip_status mlip__pt_persid(mlip__pt_vm *vm) {
    const mlip__pt_obj *t;
    const mlip__pt_obj *key;
    const mlip__pt_entry *e;
    unsigned char name[80];
    mlip__pt_obj *o;
    size_t numel = 0;
    size_t bytes = 0;
    int idx = 0;
    int dtype;
    MLIP__TRY(mlip__pt_pop(vm, &idx));
    t = &vm->obj[idx];
    if (t->type != MLIP__PT_TUPLE || t->n != 5 || vm->obj[t->items[0]].type != MLIP__PT_STR ||
        vm->obj[t->items[0]].len != 7 || memcmp(vm->obj[t->items[0]].p, "storage", 7) ||
        vm->obj[t->items[1]].type != MLIP__PT_GLOBAL ||
        mlip__pt_globals[vm->obj[t->items[1]].kind].kind != MLIP__PT_STYPE ||
        vm->obj[t->items[2]].type != MLIP__PT_STR || vm->obj[t->items[2]].len > 64)
        return mlip__pt_bad(vm, "persistent id is not ('storage', <Type>Storage, key, location, "
                                "numel)");
    MLIP__TRY(mlip__pt_size(vm, t->items[4], &numel));
    key = &vm->obj[t->items[2]];
    dtype = mlip__pt_globals[vm->obj[t->items[1]].kind].dtype;
    memcpy(name, "data/", 5);
    memcpy(name + 5, key->p, key->len);
    if (!(e = mlip__pt_zip_find(vm->zip, name, 5 + key->len)))
        return mlip__fail(MLIP_ERR_FORMAT,
                          "pytorch checkpoint: storage '%.*s' is missing (no "
                          "entry data/%.*s)",
                          (int)key->len, (const char *)key->p, (int)key->len, (const char *)key->p);
    if (mlip_size_mul(numel, mlip__pt_elem_size(dtype), &bytes) || bytes != e->size)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "pytorch checkpoint: storage '%.*s' has %lu bytes, "
                          "not %lu elements of %s",
                          (int)key->len, (const char *)key->p, (unsigned long)e->size,
                          (unsigned long)numel, mlip_torch_dtype_name(dtype));
    MLIP__TRY(mlip__pt_push_new(vm, MLIP__PT_STORAGE, &o));
    o->kind = dtype;
    o->p = e->data;
    o->len = numel;
    return MLIP_OK;
}

/* GLOBAL, STACK_GLOBAL, REDUCE, BUILD, BINPERSID. Returns -1 for another group. */
static int mlip__pt_op_call(mlip__pt_vm *vm, int op) {
    const unsigned char *mod = NULL;
    const unsigned char *name = NULL;
    size_t nm = 0;
    size_t nn = 0;
    int a = 0;
    int b = 0;
    switch (op) {
    case 'c':
        MLIP__TRY(mlip__pt_line(vm, &mod, &nm));
        MLIP__TRY(mlip__pt_line(vm, &name, &nn));
        return mlip__pt_op_global(vm, mod, nm, name, nn);
    case 0x93:
        MLIP__TRY(mlip__pt_pop(vm, &b));
        MLIP__TRY(mlip__pt_pop(vm, &a));
        if (vm->obj[a].type != MLIP__PT_STR || vm->obj[b].type != MLIP__PT_STR)
            return mlip__pt_bad(vm, "STACK_GLOBAL wants two strings");
        return mlip__pt_op_global(vm, vm->obj[a].p, vm->obj[a].len, vm->obj[b].p, vm->obj[b].len);
    case 'R': return mlip__pt_reduce(vm);
    case 'b': /* BUILD: only an OrderedDict's state (its _metadata), which is dropped */
        MLIP__TRY(mlip__pt_pop(vm, &b));
        if (vm->sp <= (vm->n_marks ? vm->marks[vm->n_marks - 1] : 0) ||
            vm->obj[vm->stack[vm->sp - 1]].type != MLIP__PT_DICT)
            return mlip__fail(MLIP_ERR_UNSUPPORTED,
                              "pytorch checkpoint: BUILD (set state) on a "
                              "%s; only an OrderedDict's is accepted",
                              vm->sp ? mlip__pt_type_names[vm->obj[vm->stack[vm->sp - 1]].type]
                                     : "empty stack");
        return MLIP_OK;
    case 'Q': return mlip__pt_persid(vm);
    }
    return -1;
}

/* Run data.pkl to its STOP; *root: the object it returns. */
static mlip_status mlip__pt_run(mlip__pt_vm *vm, int *root) {
    while (vm->pos < vm->len) {
        int op = vm->p[vm->pos++];
        int st;
        if (op == '.') {
            if (vm->sp < 1) return mlip__pt_bad(vm, "STOP with an empty stack");
            *root = vm->stack[vm->sp - 1];
            return MLIP_OK;
        }
        st = mlip__pt_op_value(vm, op);
        if (st < 0) st = mlip__pt_op_struct(vm, op);
        if (st < 0) st = mlip__pt_op_memo(vm, op);
        if (st < 0) st = mlip__pt_op_call(vm, op);
        if (st < 0)
            return mlip__fail(MLIP_ERR_UNSUPPORTED,
                              "pytorch checkpoint: pickle opcode 0x%02x "
                              "at offset %lu is not accepted (only state "
                              "dicts are read)",
                              (unsigned)op, (unsigned long)(vm->pos - 1));
        if (st) return (mlip_status)st;
    }
    return mlip__pt_bad(vm, "pickle ends without STOP (truncated)");
}

/* ---- the tensors of the state dict ---- */
static int mlip__pt_by_name(const void *a, const void *b) {
    return strcmp(((const mlip__pt_name *)a)->name, ((const mlip__pt_name *)b)->name);
}

/* The dict to read: root, or its "state_dict" / "model" / "module" dict. */
static int mlip__pt_state_dict(const mlip__pt_vm *vm, int root) {
    static const char *const keys[] = {"state_dict", "model", "module"};
    const mlip__pt_obj *d = &vm->obj[root];
    int k;
    int i;
    for (k = 0; k < 3; k++)
        for (i = 0; i + 1 < d->n; i += 2) {
            const mlip__pt_obj *key = &vm->obj[d->items[i]];
            if (key->type == MLIP__PT_STR && key->len == strlen(keys[k]) &&
                !memcmp(key->p, keys[k], key->len) &&
                vm->obj[d->items[i + 1]].type == MLIP__PT_DICT)
                return d->items[i + 1];
        }
    return root;
}

/* Name and sort; drop a "module." every name has; refuse a name twice. */
static mlip_status mlip__pt_finish(mlip_torch_file *f) {
    int i;
    int strip = f->n > 0;
    for (i = 0; i < f->n && strip; i++) strip = !strncmp(f->t[i].name, "module.", 7);
    for (i = 0; i < f->n && strip; i++)
        memmove(f->t[i].name, f->t[i].name + 7, strlen(f->t[i].name + 7) + 1);
    f->sorted = (mlip__pt_name *)mlip_alloc_zeroed((size_t)f->n + 1, sizeof *f->sorted);
    if (!f->sorted) return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < f->n; i++) {
        f->sorted[i].name = f->t[i].name;
        f->sorted[i].index = i;
    }
    qsort(f->sorted, (size_t)f->n, sizeof *f->sorted, mlip__pt_by_name);
    for (i = 0; i + 1 < f->n; i++)
        if (!strcmp(f->sorted[i].name, f->sorted[i + 1].name))
            return mlip__fail(MLIP_ERR_FORMAT, "pytorch checkpoint: tensor '%.100s' twice",
                              f->sorted[i].name);
    return MLIP_OK;
}

static mlip_status mlip__pt_collect(const mlip__pt_vm *vm, int root, mlip_torch_file *f) {
    const mlip__pt_obj *d;
    int i;
    if (vm->obj[root].type != MLIP__PT_DICT)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "pytorch checkpoint: the pickle holds a %s, not a "
                          "dict of tensors",
                          mlip__pt_type_names[vm->obj[root].type]);
    d = &vm->obj[mlip__pt_state_dict(vm, root)];
    for (i = 0; i + 1 < d->n; i += 2) {
        const mlip__pt_obj *key = &vm->obj[d->items[i]];
        const mlip__pt_obj *val = &vm->obj[d->items[i + 1]];
        mlip__pt_tensor *t;
        if (key->type != MLIP__PT_STR || val->type != MLIP__PT_TENSOR) continue;
        if (!key->len || key->len > MLIP__PT_MAX_NAME || memchr(key->p, 0, key->len))
            return mlip__fail(MLIP_ERR_FORMAT,
                              "pytorch checkpoint: tensor name of %lu bytes "
                              "(empty, over %d, or holding a NUL)",
                              (unsigned long)key->len, MLIP__PT_MAX_NAME);
        MLIP__TRY(mlip__grow((void **)&f->t, &f->cap, (size_t)(f->n + 1), sizeof *f->t));
        t = &f->t[f->n];
        *t = vm->t[val->i];
        if (!(t->name = mlip__model_strdup((const char *)key->p, key->len)))
            return MLIP_ERR_OUT_OF_MEMORY;
        f->n++;
    }
    return mlip__pt_finish(f);
}

static void mlip__pt_vm_free(mlip__pt_vm *vm) {
    int i;
    for (i = 0; i < vm->n_obj; i++) mlip_free(vm->obj[i].items);
    mlip_free(vm->obj);
    mlip_free(vm->stack);
    mlip_free(vm->marks);
    mlip_free(vm->memo);
    mlip_free(vm->t);
}

MLIPDEF void mlip_torch_close(mlip_torch_file *f) {
    int i;
    if (!f) return;
    for (i = 0; i < f->n; i++) mlip_free(f->t[i].name);
    mlip_free(f->t);
    mlip_free(f->sorted);
    mlip_free(f->owned);
    mlip_free(f);
}

/* One safetensors entry as a checkpoint tensor: contiguous, row-major, viewed in place. The
   safetensors reader (above) parsed the header; every size is checked again here. */
static mlip_status mlip__pt_st_tensor(const mlip__fmt_st_entry *e, const unsigned char *data,
                                      size_t dlen, mlip__pt_tensor *t) {
    static const int dtypes[9] = {-1, -1, MLIP_TORCH_F16, MLIP_TORCH_BF16, MLIP_TORCH_F32, -1,
                                  -1, -1, MLIP_TORCH_F64};
    uint64_t count = 1;
    int k;
    if (e->dtype <= 0 || e->dtype > 8 || dtypes[e->dtype] < 0)
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "safetensors: tensor '%.100s' is not F32, F16, "
                          "BF16 or F64",
                          e->name);
    for (k = e->rank - 1; k >= 0; k--) {
        t->shape[k] = (int64_t)e->shape[k];
        t->stride[k] = (int64_t)count;
        if (e->shape[k] && count > ((uint64_t)1 << 40) / e->shape[k])
            return mlip__fail(MLIP_ERR_FORMAT, "safetensors: '%.100s' is too large", e->name);
        count *= e->shape[k];
    }
    if (e->begin > e->end || e->end > dlen ||
        e->end - e->begin != count * (uint64_t)(e->dtype == 3 ? 2 : e->dtype))
        return mlip__fail(MLIP_ERR_FORMAT,
                          "safetensors: '%.100s' has data_offsets that do not "
                          "hold its shape in the data section",
                          e->name);
    t->dtype = dtypes[e->dtype];
    t->ndim = e->rank;
    t->offset = 0;
    t->count = (size_t)count;
    t->data = data + e->begin;
    t->name = mlip__model_strdup(e->name, strlen(e->name));
    return t->name ? MLIP_OK : MLIP_ERR_OUT_OF_MEMORY;
}

/* A safetensors file (an 8-byte header length, then a JSON header) as a checkpoint. */
static mlip_status mlip__pt_from_safetensors(const unsigned char *b, size_t len,
                                             mlip_torch_file *f) {
    mlip__fmt_st s;
    uint64_t hlen = len >= 8 ? mlip__load64(b, 0) : 0;
    mlip_status st;
    int i;
    memset(&s, 0, sizeof s);
    if (len < 8 || hlen > len - 8 || hlen > ((uint64_t)100 << 20))
        return mlip__fail(MLIP_ERR_FORMAT,
                          "safetensors: the header length does not fit the "
                          "%lu-byte file",
                          (unsigned long)len);
    st = mlip__fmt_st_parse((const char *)b + 8, (size_t)hlen, &s);
    if (!st) st = mlip__grow((void **)&f->t, &f->cap, (size_t)s.n + 1, sizeof *f->t);
    for (i = 0; !st && i < s.n; i++) {
        memset(&f->t[i], 0, sizeof f->t[i]);
        st = mlip__pt_st_tensor(&s.e[i], b + 8 + hlen, len - 8 - (size_t)hlen, &f->t[i]);
        if (f->t[i].name) f->n = i + 1; /* close frees the names made so far */
    }
    mlip__fmt_st_free(&s);
    return st ? st : mlip__pt_finish(f);
}

/* Open b (len bytes); the handle takes `owned` (freed on failure too). */
static mlip_status mlip__pt_open(const unsigned char *b, size_t len, char *owned,
                                 mlip_torch_file **out) {
    mlip__pt_zip z;
    mlip__pt_vm vm;
    const mlip__pt_entry *pkl;
    mlip_torch_file *f = (mlip_torch_file *)mlip_alloc_zeroed(1, sizeof(mlip_torch_file));
    mlip_status st = MLIP_ERR_OUT_OF_MEMORY;
    int root = 0;
    memset(&z, 0, sizeof z);
    memset(&vm, 0, sizeof vm);
    if (!f) {
        mlip_free(owned);
        return st;
    }
    f->owned = owned;
    if (len >= 9 && memcmp(b, "PK", 2) && b[8] == '{') { /* not a zip: safetensors */
        st = mlip__pt_from_safetensors(b, len, f);
        goto fail;
    }
    if ((st = mlip__pt_zip_open(&z, b, len))) goto fail;
    pkl = mlip__pt_zip_find(&z, (const unsigned char *)"data.pkl", 8);
    vm.zip = &z;
    vm.p = pkl->data;
    vm.len = pkl->size;
    if ((st = mlip__pt_run(&vm, &root))) goto fail;
    st = mlip__pt_collect(&vm, root, f);
fail:
    mlip__pt_vm_free(&vm);
    mlip_free(z.e);
    if (st)
        mlip_torch_close(f);
    else
        *out = f;
    return st;
}

MLIPDEF mlip_status mlip_torch_open_memory(const void *buf, size_t len, mlip_torch_file **out) {
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(buf);
    return mlip__pt_open((const unsigned char *)buf, len, NULL, out);
}

MLIPDEF mlip_status mlip_torch_open(const char *path, mlip_torch_file **out) {
    char *data = NULL;
    size_t len = 0;
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(path);
    MLIP__TRY(mlip__read_file(path, &data, &len));
    return mlip__pt_open((const unsigned char *)data, len, data, out);
}

MLIPDEF int mlip_torch_count(const mlip_torch_file *f) { return f ? f->n : 0; }

MLIPDEF mlip_status mlip_torch_info(const mlip_torch_file *f, int i, const char **name, int *dtype,
                                    int *ndim, int64_t shape[8]) {
    const mlip__pt_tensor *t;
    MLIP__CHECK_PTR(f);
    if (i < 0 || i >= f->n)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_torch_info: tensor %d of %d", i, f->n);
    t = &f->t[i];
    if (name) *name = t->name;
    if (dtype) *dtype = t->dtype;
    if (ndim) *ndim = t->ndim;
    if (shape) memcpy(shape, t->shape, sizeof t->shape);
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_torch_read_f32(const mlip_torch_file *f, int i, float *dst, size_t count) {
    const mlip__pt_tensor *t;
    int64_t idx[8] = {0};
    size_t src;
    size_t esz;
    size_t k;
    int d;
    MLIP__CHECK_PTR(f);
    MLIP__CHECK_PTR(dst);
    if (i < 0 || i >= f->n)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_torch_read_f32: tensor %d of %d", i, f->n);
    t = &f->t[i];
    if (count != t->count)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_torch_read_f32: '%.100s' has %lu elements, "
                          "not %lu",
                          t->name, (unsigned long)t->count, (unsigned long)count);
    esz = mlip__pt_elem_size(t->dtype);
    src = t->offset;
    for (k = 0; k < count; k++) { /* walk the view, the last dim fastest */
        dst[k] = mlip__pt_elem(t->data + src * esz, t->dtype);
        for (d = t->ndim - 1; d >= 0; d--) {
            if (++idx[d] < t->shape[d]) {
                src += (size_t)t->stride[d];
                break;
            }
            src -= (size_t)((t->shape[d] - 1) * t->stride[d]);
            idx[d] = 0;
        }
    }
    return MLIP_OK;
}

MLIPDEF int mlip_torch_find(const mlip_torch_file *f, const char *name) {
    int lo = 0;
    int hi = f ? f->n : 0;
    if (!name) return -1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(f->sorted[mid].name, name);
        if (!c) return f->sorted[mid].index;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}


/* ---- models trained elsewhere: import from a PyTorch checkpoint ---- */

/* Configs are read with a small JSON walker: find the value at a dotted path, then read it as
   an integer, a number, a string or a short list of numbers. Depth and lengths are bounded. */
#define MLIP__JSON_MAX_DEPTH 64

static mlip_status mlip__json_skip(mlip__cursor *j, int depth);

/* Past an object's or array's members (after its opening bracket). */
static mlip_status mlip__json_skip_members(mlip__cursor *j, int depth, char close) {
    if (mlip__fmt_lit(j, close)) return MLIP_OK;
    for (;;) {
        if (close == '}') {
            char *key = NULL;
            MLIP__TRY(mlip__fmt_jstr(j, &key));
            mlip_free(key);
            MLIP__TRY(mlip__fmt_jexpect(j, ':'));
        }
        MLIP__TRY(mlip__json_skip(j, depth + 1));
        if (mlip__fmt_lit(j, ',')) continue;
        return mlip__fmt_jexpect(j, close);
    }
}

/* Past one value of any kind. */
static mlip_status mlip__json_skip(mlip__cursor *j, int depth) {
    if (depth > MLIP__JSON_MAX_DEPTH) return MLIP__FMT_JSON_ERR(j, "nested too deeply");
    mlip__fmt_ws(j);
    if (j->pos >= j->len) return MLIP__FMT_JSON_ERR(j, "unexpected end");
    if (j->p[j->pos] == '"') {
        char *s = NULL;
        MLIP__TRY(mlip__fmt_jstr(j, &s));
        mlip_free(s);
        return MLIP_OK;
    }
    if (mlip__fmt_lit(j, '{')) return mlip__json_skip_members(j, depth, '}');
    if (mlip__fmt_lit(j, '[')) return mlip__json_skip_members(j, depth, ']');
    while (j->pos < j->len && j->p[j->pos] && strchr("0123456789+-.eEtrufalsn", j->p[j->pos]))
        j->pos++;
    return MLIP_OK; /* a number, true, false or null: read by whoever wants it */
}

/* *found = 1 and j at the value of path ("a.b.c") when the document has it. */
static mlip_status mlip__json_find(const char *json, size_t len, const char *path, mlip__cursor *j,
                                   int *found) {
    const char *part = path;
    *found = 0;
    j->p = (const unsigned char *)json;
    j->len = len;
    j->pos = 0;
    while (*part) {
        size_t plen = strcspn(part, ".");
        int hit = 0;
        MLIP__TRY(mlip__fmt_jexpect(j, '{'));
        while (!hit && !mlip__fmt_lit(j, '}')) {
            char *key = NULL;
            MLIP__TRY(mlip__fmt_jstr(j, &key));
            hit = strlen(key) == plen && !memcmp(key, part, plen);
            mlip_free(key);
            MLIP__TRY(mlip__fmt_jexpect(j, ':'));
            if (hit) break;
            MLIP__TRY(mlip__json_skip(j, 1));
            mlip__fmt_lit(j, ',');
        }
        if (!hit) return MLIP_OK;
        part += plen + (part[plen] == '.');
    }
    mlip__fmt_ws(j);
    *found = 1;
    return MLIP_OK;
}

/* The JSON number at j (after white space), read and passed; 0 when there is none. */
static int mlip__json_read_number(mlip__cursor *j, double *v) {
    char buf[64];
    size_t n = 0;
    mlip__fmt_ws(j);
    while (j->pos < j->len && n < sizeof buf - 1 && j->p[j->pos] &&
           strchr("0123456789+-.eE", j->p[j->pos]))
        buf[n++] = (char)j->p[j->pos++];
    buf[n] = '\0';
    if (n) *v = strtod(buf, NULL);
    return n > 0;
}

/* A number at path into *v (left as it is when the path is absent or not a number). */
static mlip_status mlip__json_number(const char *json, size_t len, const char *path, double *v) {
    mlip__cursor j;
    int found;
    MLIP__TRY(mlip__json_find(json, len, path, &j, &found));
    if (found) mlip__json_read_number(&j, v);
    return MLIP_OK;
}

static mlip_status mlip__json_int(const char *json, size_t len, const char *path, int *v) {
    double d = *v;
    MLIP__TRY(mlip__json_number(json, len, path, &d));
    if (!(d >= 0 && d < 1e9 && d == floor(d)))
        return mlip__fail(MLIP_ERR_FORMAT, "model config: %s = %g is not a count", path, d);
    *v = (int)d;
    return MLIP_OK;
}

/* A string at path (compared, not kept): *v = 1 when it equals one of the NULL-terminated
   names, index + 1 of the match in *which; 0 when absent or not a string. */
static mlip_status mlip__json_string_is(const char *json, size_t len, const char *path,
                                        const char *const *names, int *which) {
    mlip__cursor j;
    int found, i;
    char *s = NULL;
    *which = 0;
    MLIP__TRY(mlip__json_find(json, len, path, &j, &found));
    if (!found || j.p[j.pos] != '"') return MLIP_OK;
    MLIP__TRY(mlip__fmt_jstr(&j, &s));
    for (i = 0; names[i] && !*which; i++)
        if (!strcmp(s, names[i])) *which = i + 1;
    if (!*which) {
        mlip__fail(MLIP_ERR_UNSUPPORTED, "model config: %s = \"%.60s\" is not supported", path, s);
        mlip_free(s);
        return MLIP_ERR_UNSUPPORTED;
    }
    mlip_free(s);
    return MLIP_OK;
}

/* A list of 1-4 numbers at path into v[0..*n). */
static mlip_status mlip__json_floats(const char *json, size_t len, const char *path, float *v,
                                     int *n) {
    mlip__cursor j;
    int found;
    *n = 0;
    MLIP__TRY(mlip__json_find(json, len, path, &j, &found));
    if (!found || !mlip__fmt_lit(&j, '[')) return MLIP_OK;
    while (!mlip__fmt_lit(&j, ']')) {
        double d = 0;
        if (*n >= 4 || !mlip__json_read_number(&j, &d))
            return mlip__fail(MLIP_ERR_FORMAT, "model config: %s is not a list of 1-4 numbers",
                              path);
        v[(*n)++] = (float)d;
        mlip__fmt_lit(&j, ',');
    }
    return MLIP_OK;
}

/* The importer's state: the checkpoint, its layout, the config text, and which tensors of the
   checkpoint found a place. */
enum { MLIP__IMP_OPENCLIP = 1, MLIP__IMP_TIMM = 2, MLIP__IMP_HF_CLIP = 3 };
typedef struct mlip__imp {
    const mlip_torch_file *f;
    int layout;
    const char *vis; /* the timm trunk's prefix: "" or "visual.trunk." */
    const char *json;
    size_t json_len;
    unsigned char *used; /* per checkpoint tensor */
} mlip__imp;

/* Dimension d of the named tensor (ndim checked), or 0 when the checkpoint lacks it. */
static int mlip__imp_dim(const mlip__imp *im, const char *name, int ndim, int d) {
    int64_t shape[8];
    int nd = 0, i = mlip_torch_find(im->f, name);
    if (i < 0 || mlip_torch_info(im->f, i, NULL, NULL, &nd, shape) || nd != ndim || d >= nd ||
        shape[d] <= 0 || shape[d] > 0x7fffffff)
        return 0;
    return (int)shape[d];
}

static int mlip__imp_has(const mlip__imp *im, const char *name) {
    return mlip_torch_find(im->f, name) >= 0;
}

/* How many numbered blocks "<prefix><N><suffix>" the checkpoint holds (0, 1, ... in a row). */
static int mlip__imp_layers(const mlip__imp *im, const char *prefix, const char *suffix) {
    char name[256];
    int n = 0;
    for (;;) {
        snprintf(name, sizeof name, "%.120s%d%.120s", prefix, n, suffix);
        if (!mlip__imp_has(im, name) || n >= 4096) return n;
        n++;
    }
}

/* A timm ViT trunk's sizes (prefix im->vis): shapes first, then timm's config.json. */
static mlip_status mlip__imp_timm_vit(mlip__imp *im, mlip_vit_config *v) {
    static const char *const pools[] = {"token", "avg", "", NULL};
    char name[256];
    int n_pos, grid, which = 0;
    double eps = 1e-6;
    const char *P = im->vis;
    snprintf(name, sizeof name, "%spatch_embed.proj.weight", P);
    v->width = mlip__imp_dim(im, name, 4, 0);
    v->channels = mlip__imp_dim(im, name, 4, 1);
    v->patch_size = mlip__imp_dim(im, name, 4, 2);
    snprintf(name, sizeof name, "%spos_embed", P);
    n_pos = mlip__imp_dim(im, name, 3, 1);
    for (grid = 1; grid * grid < n_pos - 1; grid++) {}
    snprintf(name, sizeof name, "%scls_token", P);
    if (!v->width || !v->patch_size || grid * grid != n_pos - 1 || !mlip__imp_has(im, name))
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "timm ViT: needs patch_embed.proj.weight, cls_token and a square grid "
                          "of pos_embed (one class token, no register tokens)");
    v->image_size = grid * v->patch_size;
    snprintf(name, sizeof name, "%sblocks.", P);
    v->layers = mlip__imp_layers(im, name, ".norm1.weight");
    snprintf(name, sizeof name, "%sblocks.0.mlp.fc1.weight", P);
    v->mlp_dim = mlip__imp_dim(im, name, 2, 0);
    v->heads = v->width / 64 > 0 ? v->width / 64 : 1;
    MLIP__TRY(mlip__json_int(im->json, im->json_len, "model_args.num_heads", &v->heads));
    MLIP__TRY(mlip__json_number(im->json, im->json_len, "model_args.norm_eps", &eps));
    v->ln_eps = (float)eps;
    snprintf(name, sizeof name, "%snorm_pre.weight", P);
    v->pre_norm = mlip__imp_has(im, name);
    snprintf(name, sizeof name, "%sfc_norm.weight", P);
    v->fc_norm = mlip__imp_has(im, name);
    MLIP__TRY(mlip__json_string_is(im->json, im->json_len, "global_pool", pools, &which));
    v->pool = v->fc_norm || which == 2 ? MLIP_POOL_AVG : MLIP_POOL_CLS;
    v->gelu = MLIP_GELU_ERF;
    return MLIP_OK;
}

/* Heads of a timm ViT named at path ("vit_base_patch16_224": 12), when the name is one of
   timm's standard sizes; otherwise *heads stays. */
static mlip_status mlip__imp_timm_heads(const mlip__imp *im, const char *path, int *heads) {
    static const char *const sizes[] = {"tiny", "small", "base", "large", "huge", "giant", NULL};
    static const int n_heads[6] = {3, 6, 12, 16, 16, 16};
    mlip__cursor j;
    int found, i;
    char *name = NULL;
    MLIP__TRY(mlip__json_find(im->json, im->json_len, path, &j, &found));
    if (!found || j.p[j.pos] != '"') return MLIP_OK;
    MLIP__TRY(mlip__fmt_jstr(&j, &name));
    for (i = 0; sizes[i]; i++)
        if (!strncmp(name, "vit_", 4) && !strncmp(name + 4, sizes[i], strlen(sizes[i])) &&
            name[4 + strlen(sizes[i])] == '_')
            *heads = n_heads[i];
    mlip_free(name);
    return MLIP_OK;
}

/* An HF BERT's sizes under prefix (open_clip's text.transformer.). */
static void mlip__imp_bert(mlip__imp *im, const char *P, mlip_bert_config *b) {
    char name[256];
    snprintf(name, sizeof name, "%sembeddings.word_embeddings.weight", P);
    b->vocab_size = mlip__imp_dim(im, name, 2, 0);
    b->width = mlip__imp_dim(im, name, 2, 1);
    snprintf(name, sizeof name, "%sembeddings.position_embeddings.weight", P);
    b->max_positions = mlip__imp_dim(im, name, 2, 0);
    snprintf(name, sizeof name, "%sembeddings.token_type_embeddings.weight", P);
    b->type_vocab_size = mlip__imp_dim(im, name, 2, 0);
    snprintf(name, sizeof name, "%sencoder.layer.", P);
    b->layers = mlip__imp_layers(im, name, ".attention.self.query.weight");
    snprintf(name, sizeof name, "%sencoder.layer.0.intermediate.dense.weight", P);
    b->mlp_dim = mlip__imp_dim(im, name, 2, 0);
    b->heads = b->width / 64 > 0 ? b->width / 64 : 1;
    b->ln_eps = 1e-12f;
    b->kind = MLIP_TEXT_BERT;
    b->gelu = MLIP_GELU_ERF;
}

/* OpenAI CLIP's image mean and std, which open_clip and HF CLIP use unless told otherwise. */
static void mlip__imp_clip_norm(mlip_model_config *c) {
    static const float mean[3] = {0.48145466f, 0.4578275f, 0.40821073f},
                       std[3] = {0.26862954f, 0.26130258f, 0.27577711f};
    int k;
    for (k = 0; k < 3; k++) {
        c->image_mean[k] = mean[k];
        c->image_std[k] = std[k];
    }
}

/* open_clip: timm image tower + HF BERT text tower + heads; open_clip_config.json if given. */
static mlip_status mlip__imp_openclip(mlip__imp *im, mlip_model_config *c) {
    const char *J = im->json;
    size_t n = im->json_len;
    int k;
    MLIP__TRY(mlip__imp_timm_vit(im, &c->vit));
    MLIP__TRY(mlip__imp_timm_heads(im, "model_cfg.vision_cfg.timm_model_name", &c->vit.heads));
    mlip__imp_bert(im, "text.transformer.", &c->bert);
    c->embed_dim = mlip__imp_dim(im, "visual.head.proj.weight", 2, 0);
    if (mlip__imp_has(im, "text.proj.0.weight")) {
        c->text_head = MLIP_HEAD_MLP;
        c->text_head_hidden = mlip__imp_dim(im, "text.proj.0.weight", 2, 0);
    }
    if (!c->embed_dim || c->bert.layers < 1)
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "open_clip checkpoint: needs visual.head.proj.weight (a linear image "
                          "head) and an HF BERT text tower under text.transformer.");
    MLIP__TRY(mlip__json_int(J, n, "model_cfg.text_cfg.context_length", &c->context_length));
    MLIP__TRY(mlip__json_floats(J, n, "preprocess_cfg.mean", c->image_mean, &k));
    MLIP__TRY(mlip__json_floats(J, n, "preprocess_cfg.std", c->image_std, &k));
    c->lowercase = 1; /* BiomedBERT's vocabulary is uncased */
    return MLIP_OK;
}

/* "gelu" -> erf, "quick_gelu" -> quick, "gelu_new" / "gelu_pytorch_tanh" -> tanh. */
static mlip_status mlip__imp_act(const mlip__imp *im, const char *path, mlip_gelu_kind *g) {
    static const char *const acts[] = {"gelu", "quick_gelu", "gelu_new", "gelu_pytorch_tanh", NULL};
    static const mlip_gelu_kind kinds[4] = {MLIP_GELU_ERF, MLIP_GELU_QUICK, MLIP_GELU_TANH,
                                            MLIP_GELU_TANH};
    int which = 0;
    MLIP__TRY(mlip__json_string_is(im->json, im->json_len, path, acts, &which));
    if (which) *g = kinds[which - 1];
    return MLIP_OK;
}

/* HF CLIPModel: pre-LN ViT with pre_layrnorm, causal text transformer; HF config.json. */
static mlip_status mlip__imp_hf_clip(mlip__imp *im, mlip_model_config *c) {
    const char *J = im->json, *pe = "vision_model.embeddings.patch_embedding.weight";
    const char *te = "text_model.embeddings.token_embedding.weight";
    size_t n = im->json_len;
    double ve = 1e-5, te_eps = 1e-5;
    int n_pos = mlip__imp_dim(im, "vision_model.embeddings.position_embedding.weight", 2, 0), g;
    mlip_vit_config *v = &c->vit;
    mlip_bert_config *b = &c->bert;
    v->width = mlip__imp_dim(im, pe, 4, 0);
    v->channels = mlip__imp_dim(im, pe, 4, 1);
    v->patch_size = mlip__imp_dim(im, pe, 4, 2);
    for (g = 1; g * g < n_pos - 1; g++) {}
    if (!v->width || !v->patch_size || g * g != n_pos - 1)
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "HF CLIP: needs a square patch grid");
    v->image_size = g * v->patch_size;
    v->layers = mlip__imp_layers(im, "vision_model.encoder.layers.", ".layer_norm1.weight");
    v->mlp_dim = mlip__imp_dim(im, "vision_model.encoder.layers.0.mlp.fc1.weight", 2, 0);
    v->heads = v->width / 64 > 0 ? v->width / 64 : 1;
    v->pre_norm = 1;
    v->gelu = b->gelu = MLIP_GELU_QUICK; /* CLIPConfig's default */
    b->kind = MLIP_TEXT_CLIP;
    b->vocab_size = mlip__imp_dim(im, te, 2, 0);
    b->width = mlip__imp_dim(im, te, 2, 1);
    b->max_positions = mlip__imp_dim(im, "text_model.embeddings.position_embedding.weight", 2, 0);
    b->layers = mlip__imp_layers(im, "text_model.encoder.layers.", ".layer_norm1.weight");
    b->mlp_dim = mlip__imp_dim(im, "text_model.encoder.layers.0.mlp.fc1.weight", 2, 0);
    b->heads = b->width / 64 > 0 ? b->width / 64 : 1;
    c->embed_dim = mlip__imp_dim(im, "visual_projection.weight", 2, 0);
    MLIP__TRY(mlip__json_int(J, n, "vision_config.num_attention_heads", &v->heads));
    MLIP__TRY(mlip__json_int(J, n, "text_config.num_attention_heads", &b->heads));
    MLIP__TRY(mlip__json_number(J, n, "vision_config.layer_norm_eps", &ve));
    MLIP__TRY(mlip__json_number(J, n, "text_config.layer_norm_eps", &te_eps));
    MLIP__TRY(mlip__imp_act(im, "vision_config.hidden_act", &v->gelu));
    MLIP__TRY(mlip__imp_act(im, "text_config.hidden_act", &b->gelu));
    v->ln_eps = (float)ve;
    b->ln_eps = (float)te_eps;
    c->tokenizer_bpe = 1;
    c->lowercase = 1; /* CLIP's tokenizer lower-cases */
    return MLIP_OK;
}

/* The layout from the names; 0 when none fits. */
static int mlip__imp_layout(const mlip__imp *im) {
    if (mlip__imp_has(im, "visual.trunk.patch_embed.proj.weight") &&
        mlip__imp_has(im, "text.transformer.embeddings.word_embeddings.weight"))
        return MLIP__IMP_OPENCLIP;
    if (mlip__imp_has(im, "vision_model.embeddings.patch_embedding.weight") &&
        mlip__imp_has(im, "text_model.embeddings.token_embedding.weight"))
        return MLIP__IMP_HF_CLIP;
    if (mlip__imp_has(im, "patch_embed.proj.weight") &&
        mlip__imp_has(im, "blocks.0.attn.qkv.weight"))
        return MLIP__IMP_TIMM;
    return 0;
}

static mlip_status mlip__imp_config(mlip__imp *im, mlip_model_config *c) {
    int k;
    memset(c, 0, sizeof *c);
    c->kind = MLIP_MODEL_CLIP;
    c->image_resize = MLIP_IMAGE_BICUBIC; /* open_clip's preprocess: Pillow's bicubic, */
    c->image_fit = MLIP_IMAGE_CROP; /* the shorter side to size, then the centre crop */
    mlip__imp_clip_norm(c);
    if (im->layout == MLIP__IMP_OPENCLIP) {
        im->vis = "visual.trunk.";
        return mlip__imp_openclip(im, c);
    }
    if (im->layout == MLIP__IMP_HF_CLIP) return mlip__imp_hf_clip(im, c);
    im->vis = ""; /* a bare timm ViT: image-only, the pooled feature is the embedding */
    MLIP__TRY(mlip__imp_timm_vit(im, &c->vit));
    for (k = 0; k < 3; k++) c->image_mean[k] = c->image_std[k] = 0.5f; /* timm's ViT default */
    MLIP__TRY(mlip__json_floats(im->json, im->json_len, "pretrained_cfg.mean", c->image_mean, &k));
    MLIP__TRY(mlip__json_floats(im->json, im->json_len, "pretrained_cfg.std", c->image_std, &k));
    c->image_head = MLIP_HEAD_NONE;
    c->embed_dim = c->vit.width;
    return MLIP_OK;
}

/* Where each tensor of a block comes from: ours, timm's, HF CLIP's (q, k, v: timm's fused qkv
   rows in that order). */
static const char *const mlip__imp_block_ours[8] = {
    "layernorm_before",        "attention.attention.query",
    "attention.attention.key", "attention.attention.value",
    "attention.output.dense",  "layernorm_after",
    "intermediate.dense",      "output.dense"};
static const char *const mlip__imp_block_timm[8] = {"norm1",     "attn.qkv", "attn.qkv", "attn.qkv",
                                                    "attn.proj", "norm2",    "mlp.fc1",  "mlp.fc2"};
static const char *const mlip__imp_block_clip[8] = {
    "layer_norm1",        "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
    "self_attn.out_proj", "layer_norm2",      "mlp.fc1",          "mlp.fc2"};

/* The tensors outside the blocks: layouts (bit 1 << layout), our name, theirs ('*' stands for
   the timm trunk's prefix), and whether the checkpoint may lack it (a bias: zero then). */
typedef struct mlip__imp_name {
    int layouts;
    const char *ours, *theirs;
    int optional;
} mlip__imp_name;
#define MLIP__IMP_T ((1 << MLIP__IMP_OPENCLIP) | (1 << MLIP__IMP_TIMM))
#define MLIP__IMP_O (1 << MLIP__IMP_OPENCLIP)
#define MLIP__IMP_H (1 << MLIP__IMP_HF_CLIP)
static const mlip__imp_name mlip__imp_names[] = {
    {MLIP__IMP_T, "vision.embeddings.cls_token", "*cls_token", 0},
    {MLIP__IMP_T, "vision.embeddings.position_embeddings", "*pos_embed", 0},
    {MLIP__IMP_T, "vision.embeddings.patch_embeddings.projection.weight",
     "*patch_embed.proj.weight", 0},
    {MLIP__IMP_T, "vision.embeddings.patch_embeddings.projection.bias", "*patch_embed.proj.bias",
     1},
    {MLIP__IMP_T, "vision.pre_layernorm.weight", "*norm_pre.weight", 0},
    {MLIP__IMP_T, "vision.pre_layernorm.bias", "*norm_pre.bias", 0},
    {MLIP__IMP_T, "vision.layernorm.weight", "*norm.weight", 0}, /* fc_norm: see below */
    {MLIP__IMP_T, "vision.layernorm.bias", "*norm.bias", 0},
    {MLIP__IMP_O, "head.global_image.weight", "visual.head.proj.weight", 0},
    {MLIP__IMP_O, "head.global_image.bias", "visual.head.proj.bias", 1},
    {MLIP__IMP_O, "head.global_text.hidden.weight", "text.proj.0.weight", 0},
    {MLIP__IMP_O | MLIP__IMP_H, "logit_scale", "logit_scale", 0},
    {MLIP__IMP_H, "vision.embeddings.cls_token", "vision_model.embeddings.class_embedding", 0},
    {MLIP__IMP_H, "vision.embeddings.position_embeddings",
     "vision_model.embeddings.position_embedding.weight", 0},
    {MLIP__IMP_H, "vision.embeddings.patch_embeddings.projection.weight",
     "vision_model.embeddings.patch_embedding.weight", 0},
    {MLIP__IMP_H, "vision.embeddings.patch_embeddings.projection.bias",
     "vision_model.embeddings.patch_embedding.bias", 1},
    {MLIP__IMP_H, "vision.pre_layernorm.weight", "vision_model.pre_layrnorm.weight", 0},
    {MLIP__IMP_H, "vision.pre_layernorm.bias", "vision_model.pre_layrnorm.bias", 0},
    {MLIP__IMP_H, "vision.layernorm.weight", "vision_model.post_layernorm.weight", 0},
    {MLIP__IMP_H, "vision.layernorm.bias", "vision_model.post_layernorm.bias", 0},
    {MLIP__IMP_H, "text.embeddings.word_embeddings.weight",
     "text_model.embeddings.token_embedding.weight", 0},
    {MLIP__IMP_H, "text.embeddings.position_embeddings.weight",
     "text_model.embeddings.position_embedding.weight", 0},
    {MLIP__IMP_H, "text.final_layernorm.weight", "text_model.final_layer_norm.weight", 0},
    {MLIP__IMP_H, "text.final_layernorm.bias", "text_model.final_layer_norm.bias", 0},
    {MLIP__IMP_H, "head.global_image.weight", "visual_projection.weight", 0},
    {MLIP__IMP_H, "head.global_image.bias", "visual_projection.bias", 1},
    {MLIP__IMP_H, "head.global_text.weight", "text_projection.weight", 0},
    {MLIP__IMP_H, "head.global_text.bias", "text_projection.bias", 1},
};

/* A block tensor's source: "<tower>.encoder.layer.<l>.<what>.<leaf>" -> the checkpoint's name. */
static int mlip__imp_block_source(const mlip__imp *im, const char *ours, char *src, size_t cap,
                                  int *slice) {
    int l, off = 0, i, vision = !strncmp(ours, "vision.", 7);
    const char *rest;
    if (sscanf(ours + (vision ? 7 : 5), "encoder.layer.%d.%n", &l, &off) != 1 || !off) return 0;
    rest = ours + (vision ? 7 : 5) + off;
    for (i = 0; i < 8; i++) {
        size_t n = strlen(mlip__imp_block_ours[i]);
        if (strncmp(rest, mlip__imp_block_ours[i], n) || rest[n] != '.') continue;
        if (im->layout == MLIP__IMP_HF_CLIP)
            snprintf(src, cap, "%s_model.encoder.layers.%d.%s.%s", vision ? "vision" : "text", l,
                     mlip__imp_block_clip[i], rest + n + 1);
        else
            snprintf(src, cap, "%sblocks.%d.%s.%s", im->vis, l, mlip__imp_block_timm[i],
                     rest + n + 1);
        *slice = im->layout != MLIP__IMP_HF_CLIP && i >= 1 && i <= 3 ? i : 0;
        return 1;
    }
    return 0;
}

/* The checkpoint's name for our tensor `ours`; *slice 1-3 picks q, k or v rows of a fused qkv;
   *optional: the checkpoint may lack it. 0 when the layout has no source for it. */
static int mlip__imp_source(const mlip__imp *im, const mlip_model_config *c, const char *ours,
                            char *src, size_t cap, int *slice, int *optional) {
    size_t i;
    *slice = 0;
    *optional = 0;
    if (im->layout == MLIP__IMP_OPENCLIP && !strncmp(ours, "text.", 5)) {
        snprintf(src, cap, "text.transformer.%s", ours + 5); /* HF BertModel's own names */
        return 1;
    }
    if (im->layout == MLIP__IMP_OPENCLIP && !strncmp(ours, "head.global_text.", 17) &&
        strcmp(ours, "head.global_text.hidden.weight")) {
        *optional = !strcmp(ours + 17, "bias");
        snprintf(src, cap, "text.proj.%s%s", c->text_head == MLIP_HEAD_MLP ? "2." : "", ours + 17);
        return 1;
    }
    if (strstr(ours, ".encoder.layer.")) return mlip__imp_block_source(im, ours, src, cap, slice);
    for (i = 0; i < sizeof mlip__imp_names / sizeof mlip__imp_names[0]; i++) {
        const mlip__imp_name *n = &mlip__imp_names[i];
        int star = n->theirs[0] == '*';
        if (!(n->layouts & (1 << im->layout)) || strcmp(n->ours, ours)) continue;
        if (star && c->vit.fc_norm && !strncmp(ours, "vision.layernorm.", 17))
            snprintf(src, cap, "%sfc_norm.%s", im->vis, ours + 17); /* timm's norm after pooling */
        else
            snprintf(src, cap, "%s%s", star ? im->vis : "", n->theirs + star);
        *optional = n->optional;
        return 1;
    }
    return 0;
}

/* The sizes other than 1, so (1, 1, D) and (D) compare equal. */
static int mlip__imp_squeeze(const int64_t *shape, int nd, int64_t *out) {
    int i, n = 0;
    for (i = 0; i < nd; i++)
        if (shape[i] != 1) out[n++] = shape[i];
    return n;
}

/* One of our tensors from its source: shapes checked (a qkv slice is a third of the rows). */
static mlip_status mlip__imp_tensor(mlip__imp *im, const mlip_param_info *p, const char *src,
                                    int slice, float *dst) {
    int64_t theirs[8], ours[4], a[8], b[8];
    int nd = 0, i, idx = mlip_torch_find(im->f, src), na, nb, same;
    float *tmp;
    mlip_status st;
    MLIP__TRY(mlip_torch_info(im->f, idx, NULL, NULL, &nd, theirs));
    for (i = 0; i < p->ndim; i++) ours[i] = p->shape[i];
    if (slice && p->ndim >= 1) ours[0] *= 3;
    na = mlip__imp_squeeze(theirs, nd, a);
    nb = mlip__imp_squeeze(ours, p->ndim, b);
    same = na == nb;
    for (i = 0; same && i < na; i++) same = a[i] == b[i];
    if (!same)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "checkpoint tensor %s (%d dims, first %ld) does not fit %s (%d dims, "
                          "first %ld)",
                          src, nd, nd ? (long)theirs[0] : 1L, p->name, p->ndim,
                          p->ndim ? (long)ours[0] : 1L);
    im->used[idx] = 1;
    if (!slice) return mlip_torch_read_f32(im->f, idx, dst, p->count);
    if (!(tmp = (float *)mlip_alloc_zeroed(p->count, 3 * sizeof(float))))
        return MLIP_ERR_OUT_OF_MEMORY;
    st = mlip_torch_read_f32(im->f, idx, tmp, 3 * p->count);
    if (!st) memcpy(dst, tmp + (size_t)(slice - 1) * p->count, p->count * sizeof(float));
    mlip_free(tmp);
    return st;
}

/* Checkpoint tensors an embedding never needs: buffers, BERT's pooler, timm's classifier. */
static int mlip__imp_ignorable(const mlip__imp *im, const char *name) {
    size_t n = strlen(name);
    return (n >= 12 && !strcmp(name + n - 12, "position_ids")) ||
           (n >= 14 && !strcmp(name + n - 14, "token_type_ids")) ||
           !strncmp(name, "text.transformer.pooler.", 24) ||
           (im->layout == MLIP__IMP_TIMM &&
            (!strcmp(name, "head.weight") || !strcmp(name, "head.bias")));
}

/* Every tensor of m from the checkpoint, then the check that nothing of it was left over. */
static mlip_status mlip__imp_fill(mlip__imp *im, mlip_model *m) {
    int i, n = mlip_model_tensor_count(m);
    for (i = 0; i < n; i++) {
        mlip_param_info p;
        char src[300];
        int slice, optional;
        float *dst;
        MLIP__TRY(mlip_model_tensor_info(m, i, &p, NULL));
        dst = mlip_model_tensor(m, p.name, NULL);
        if (!mlip__imp_source(im, &m->config, p.name, src, sizeof src, &slice, &optional))
            return mlip__fail(MLIP_ERR_UNSUPPORTED, "import: no source for %s", p.name);
        if (mlip_torch_find(im->f, src) < 0) {
            if (optional) continue; /* a bias the checkpoint does without: zero */
            return mlip__fail(MLIP_ERR_FORMAT, "import: the checkpoint has no %s (for %s)", src,
                              p.name);
        }
        MLIP__TRY(mlip__imp_tensor(im, &p, src, slice, dst));
    }
    for (i = 0; i < mlip_torch_count(im->f); i++) {
        const char *name = "";
        mlip_torch_info(im->f, i, &name, NULL, NULL, NULL);
        if (!im->used[i] && !mlip__imp_ignorable(im, name))
            return mlip__fail(MLIP_ERR_UNSUPPORTED,
                              "import: checkpoint tensor %s has no place in this architecture "
                              "(a part this library does not implement)",
                              name);
    }
    return MLIP_OK;
}

static const char *const mlip__imp_layout_names[4] = {"", "openclip-timm-hf", "timm-vit",
                                                      "hf-clip"};

MLIPDEF const char *mlip_model_import_layout(const mlip_torch_file *file) {
    mlip__imp im;
    if (!file) return NULL;
    memset(&im, 0, sizeof im);
    im.f = file;
    im.layout = mlip__imp_layout(&im);
    return im.layout ? mlip__imp_layout_names[im.layout] : NULL;
}

MLIPDEF mlip_status mlip_model_import_torch(const mlip_torch_file *file,
                                            const mlip_import_options *opt, mlip_model **out) {
    mlip__imp im;
    mlip_model_config c;
    mlip_model *m = NULL;
    mlip_status st;
    MLIP__CHECK_PTR(file);
    MLIP__CHECK_PTR(out);
    *out = NULL;
    memset(&im, 0, sizeof im);
    im.f = file;
    im.json = opt && opt->config_json ? opt->config_json : "{}";
    im.json_len = opt && opt->config_json ? opt->config_len : 2;
    if (!(im.layout = mlip__imp_layout(&im)))
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "import: the tensor names match no known layout (open_clip with a timm "
                          "ViT and an HF BERT, timm ViT, HF CLIPModel)");
    MLIP__TRY(mlip__imp_config(&im, &c));
    if (opt && opt->vision_heads > 0) c.vit.heads = opt->vision_heads;
    if (opt && opt->text_heads > 0) c.bert.heads = opt->text_heads;
    MLIP__TRY(mlip_model_create(&c, &m));
    im.used = (unsigned char *)mlip_alloc_zeroed((size_t)mlip_torch_count(file) + 1, 1);
    st = im.used ? mlip__imp_fill(&im, m) : MLIP_ERR_OUT_OF_MEMORY;
    if (!st) st = mlip_model_set_meta(m, "import.layout", mlip__imp_layout_names[im.layout]);
    mlip_free(im.used);
    if (st) {
        mlip_model_free(m);
        return st;
    }
    *out = m;
    return MLIP_OK;
}

/* ======================================================================================
   13. Image I/O
   Every reader works on a buffer already in memory and reads multi-byte values byte by
   byte, so byte order of the host never matters and no read goes past `len`. Sizes coming
   from a file are checked against the buffer before use: a file is untrusted input.
   ====================================================================================== */

#define MLIP__IMG_DEFAULT_MAX_PIXELS ((size_t)1 << 28)


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

static MLIP__UNUSED mlip_status mlip__img_alloc(mlip_image *img, const mlip_image_options *opt,
                                                int width, int height, int channels,
                                                const char *what) {
    size_t n;
    MLIP__TRY(mlip__img_limit(opt, (unsigned long)width, (unsigned long)height, what));
    n = (size_t)width * (size_t)height;
    img->pixels = (float *)mlip_alloc_zeroed(n * (size_t)channels, sizeof(float));
    if (!img->pixels) return MLIP_ERR_OUT_OF_MEMORY;
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->frames = 1;
    return MLIP_OK;
}

/* ---- PNM (PGM/PPM) ---------------------------------------------------------------- */
#ifndef MLIP_NO_PNM
/* Next unsigned decimal token; '#' starts a comment that runs to the end of the line. */
static int mlip__pnm_uint(mlip__cursor *c, unsigned long *v, unsigned long max) {
    unsigned long x = 0;
    int digits = 0;
    for (;;) {
        if (c->pos >= c->len) return 0;
        if (c->p[c->pos] == '#') {
            while (c->pos < c->len && c->p[c->pos] != '\n' && c->p[c->pos] != '\r') c->pos++;
        } else if (strchr(" \t\r\n\v\f", c->p[c->pos]) && c->p[c->pos]) {
            c->pos++;
        } else
            break;
    }
    while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
        x = x * 10 + (unsigned long)(c->p[c->pos++] - '0');
        if (x > max) return 0; /* also stops overflow */
        digits++;
    }
    if (!digits) return 0;
    *v = x;
    return 1;
}

MLIPDEF mlip_status mlip_image_read_pnm(const void *buf, size_t len, const mlip_image_options *opt,
                                        mlip_image *out) {
    const unsigned char *p = (const unsigned char *)buf;
    mlip__cursor c;
    unsigned long w = 0, h = 0, maxval = 0;
    int kind, channels, bytes, ascii;
    size_t i, count, plane;
    MLIP__CHECK_PTR(out);
    memset(out, 0, sizeof *out);
    MLIP__CHECK_PTR(buf);
    if (len < 2 || p[0] != 'P' || (p[1] != '2' && p[1] != '3' && p[1] != '5' && p[1] != '6'))
        return mlip__fail(MLIP_ERR_FORMAT, "PNM: not a PGM/PPM file (magic P2, P3, P5 or P6)");
    kind = p[1] - '0';
    ascii = kind == 2 || kind == 3;
    channels = (kind == 3 || kind == 6) ? 3 : 1;
    mlip__cursor_init(&c, p, len);
    c.pos = 2;
    if (!mlip__pnm_uint(&c, &w, 0x7fffffffUL) || !mlip__pnm_uint(&c, &h, 0x7fffffffUL) ||
        !mlip__pnm_uint(&c, &maxval, 65535))
        return mlip__fail(MLIP_ERR_FORMAT, "PNM: truncated or invalid header");
    if (maxval < 1) return mlip__fail(MLIP_ERR_FORMAT, "PNM: maxval must be 1..65535");
    /* every sample needs at least one byte (ASCII: a digit and a separator, but the last
       may end the file), so a short file cannot ask for a large allocation */
    MLIP__TRY(mlip__img_limit(opt, w, h, "PNM"));
    if ((len - c.pos) / ((size_t)w * (size_t)channels) < h)
        return mlip__fail(MLIP_ERR_FORMAT, "PNM: truncated: %lux%lu image in %lu bytes", w, h,
                          (unsigned long)len);
    MLIP__TRY(mlip__img_alloc(out, opt, (int)w, (int)h, channels, "PNM"));
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
        while (k--) {
            a += *p++;
            b += a;
        }
        a %= 65521u;
        b %= 65521u;
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

static const short mlip__png_len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                             15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                             67, 83, 99, 115, 131, 163, 195, 227, 258};
static const unsigned char mlip__png_len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const unsigned short mlip__png_dist_base[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const unsigned char mlip__png_dist_extra[30] = {0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
                                                       4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
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
    hlit += 257;
    hdist += 1;
    hclen += 4;
    if (hlit > 286 || hdist > 30)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad deflate dynamic block header");
    memset(lengths, 0, sizeof lengths);
    for (i = 0; i < (int)hclen; i++) {
        if (!mlip__png_bits(s, 3, &v))
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
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
            if (i == 0)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: deflate repeat with no previous length");
            val = lengths[i - 1];
            if (!mlip__png_bits(s, 2, &v))
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            rep = 3 + (int)v;
        } else if (sym == 17) { /* 3-10 zeros */
            if (!mlip__png_bits(s, 3, &v))
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            rep = 3 + (int)v;
        } else { /* 11-138 zeros */
            if (!mlip__png_bits(s, 7, &v))
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            rep = 11 + (int)v;
        }
        if (i + rep > n) return mlip__fail(MLIP_ERR_FORMAT, "PNG: deflate code lengths overrun");
        while (rep--) lengths[i++] = val;
    }
    if (lengths[256] == 0)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: deflate block without end code");
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
    if (in_len < 6 || (in[0] & 0x0F) != 8 || (in[0] >> 4) > 7 ||
        ((unsigned)in[0] * 256 + in[1]) % 31 != 0 || (in[1] & 0x20))
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad zlib header");
    memset(&s, 0, sizeof s);
    s.in = in;
    s.in_len = in_len;
    s.in_pos = 2;
    s.out = out;
    s.out_len = out_len;
    while (!last) {
        if (!mlip__png_bits(&s, 1, &last) || !mlip__png_bits(&s, 2, &type))
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
        if (type == 0) { /* stored: byte-aligned LEN, NLEN, then raw bytes */
            size_t n;
            s.in_pos -= (size_t)(s.bitcnt >> 3); /* unread whole bytes go back */
            s.bitbuf = 0;
            s.bitcnt = 0;
            if (s.in_len - s.in_pos < 4)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            n = (size_t)in[s.in_pos] | ((size_t)in[s.in_pos + 1] << 8);
            v = (unsigned)in[s.in_pos + 2] | ((unsigned)in[s.in_pos + 3] << 8);
            if ((n ^ 0xFFFFu) != v)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: stored block length check failed");
            s.in_pos += 4;
            if (n > s.in_len - s.in_pos)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated deflate stream");
            if (n > s.out_len - s.out_pos)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: more image data than the size needs");
            memcpy(s.out + s.out_pos, in + s.in_pos, n);
            s.out_pos += n;
            s.in_pos += n;
        } else if (type == 1) { /* fixed codes (RFC 1951 3.2.6) */
            unsigned char l[288];
            int i;
            for (i = 0; i < 288; i++)
                l[i] = (unsigned char)(i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8);
            mlip__png_huff_build(&lit, l, 288);
            for (i = 0; i < 30; i++) l[i] = 5;
            mlip__png_huff_build(&dist, l, 30);
            MLIP__TRY(mlip__png_codes(&s, &lit, &dist));
        } else if (type == 2) {
            MLIP__TRY(mlip__png_dynamic(&s, &lit, &dist));
            MLIP__TRY(mlip__png_codes(&s, &lit, &dist));
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
    if (mlip__load32(in + s.in_pos, 1) != mlip__png_adler(1, out, out_len))
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

static const int mlip__png_adam7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                          {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

/* What the chunks say: IHDR's fields, the palette, the total of the IDAT payloads. */
typedef struct mlip__png_info {
    uint32_t width, height;
    int depth, color, interlace, file_ch, n_plte;
    const unsigned char *plte;
    size_t idat_len;
} mlip__png_info;

/* IHDR's 13 bytes: size, a valid colour type / bit depth pair, known methods. */
static mlip_status mlip__png_ihdr(mlip__png_info *g, const unsigned char *data) {
    int d, ok;
    g->width = mlip__load32(data, 1);
    g->height = mlip__load32(data + 4, 1);
    g->depth = d = data[8];
    g->color = data[9];
    g->interlace = data[12];
    if (data[10] != 0 || data[11] != 0 || g->interlace > 1)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: unknown compression, filter or interlace method");
    switch (g->color) {
    case 0:
        g->file_ch = 1;
        ok = d == 1 || d == 2 || d == 4 || d == 8 || d == 16;
        break;
    case 3:
        g->file_ch = 1;
        ok = d == 1 || d == 2 || d == 4 || d == 8;
        break;
    case 2:
    case 4:
    case 6:
        g->file_ch = g->color == 2 ? 3 : g->color == 4 ? 2 : 4;
        ok = d == 8 || d == 16;
        break;
    default: ok = 0;
    }
    if (!ok)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: invalid color type %d with bit depth %d", g->color,
                          d);
    if (g->width == 0 || g->height == 0 || g->width > 0x7FFFFFFFu || g->height > 0x7FFFFFFFu)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: invalid size %lux%lu", (unsigned long)g->width,
                          (unsigned long)g->height);
    return MLIP_OK;
}

/* Pass 1: walk the chunks, check every CRC, read IHDR/PLTE, total the IDAT bytes. */
static mlip_status mlip__png_chunks(const unsigned char *p, size_t len, mlip__png_info *g) {
    uint32_t crc_table[256];
    size_t pos;
    int seen_idat = 0;
    mlip__png_crc_table(crc_table);
    (void)crc_table;
    for (pos = 8;;) {
        uint32_t clen;
        const unsigned char *type, *data;
        if (len - pos < 12) return mlip__fail(MLIP_ERR_FORMAT, "PNG: truncated (no IEND chunk)");
        clen = mlip__load32(p + pos, 1);
        if (clen > 0x7FFFFFFFu || clen > len - pos - 12)
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: chunk length %lu runs past the end",
                              (unsigned long)clen);
        type = p + pos + 4;
        data = p + pos + 8;
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION /* fuzzers: let mutations past the CRC */
        if (mlip__png_crc(crc_table, 0, type, (size_t)clen + 4) != mlip__load32(data + clen, 1))
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: CRC mismatch in chunk %.4s",
                              (const char *)type);
#endif
        if (pos == 8 && memcmp(type, "IHDR", 4) != 0)
            return mlip__fail(MLIP_ERR_FORMAT, "PNG: first chunk is not IHDR");
        if (!memcmp(type, "IHDR", 4)) {
            if (pos != 8 || clen != 13) return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad IHDR");
            MLIP__TRY(mlip__png_ihdr(g, data));
        } else if (!memcmp(type, "PLTE", 4)) {
            if (clen % 3 || clen == 0 || clen > 768)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad PLTE length");
            g->plte = data;
            g->n_plte = (int)(clen / 3);
        } else if (!memcmp(type, "IDAT", 4)) {
            if (mlip_size_add(g->idat_len, clen, &g->idat_len)) return MLIP_ERR_OVERFLOW;
            seen_idat = 1;
        } else if (!memcmp(type, "IEND", 4)) {
            break;
        } else if (!(type[0] & 0x20)) { /* lower-case first letter = ancillary, skippable */
            return mlip__fail(MLIP_ERR_UNSUPPORTED, "PNG: unknown critical chunk %.4s",
                              (const char *)type);
        }
        pos += (size_t)clen + 12;
    }
    if (!seen_idat) return mlip__fail(MLIP_ERR_FORMAT, "PNG: no IDAT chunk");
    if (g->color == 3 && !g->plte)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: palette image without PLTE");
    return MLIP_OK;
}

/* Bytes the filtered image takes: per pass, rows * (1 + rowbytes). */
static mlip_status mlip__png_raw_len(const mlip__png_info *g, size_t *raw_len) {
    int pass;
    *raw_len = 0;
    for (pass = 0; pass < 7; pass++) {
        const int *a = mlip__png_adam7[g->interlace ? pass : 0];
        size_t pw = g->interlace
                        ? (g->width > (uint32_t)a[0] ? (g->width - a[0] + a[2] - 1) / a[2] : 0)
                        : g->width;
        size_t ph = g->interlace
                        ? (g->height > (uint32_t)a[1] ? (g->height - a[1] + a[3] - 1) / a[3] : 0)
                        : g->height;
        size_t bits = 0, rb;
        if (pw && ph) {
            if (mlip_size_mul(pw, (size_t)(g->file_ch * g->depth), &bits) ||
                mlip_size_add((bits + 7) / 8, 1, &rb) || mlip_size_mul(rb, ph, &rb) ||
                mlip_size_add(*raw_len, rb, raw_len))
                return MLIP_ERR_OVERFLOW;
        }
        if (!g->interlace) break;
    }
    return MLIP_OK;
}

/* Pass 2: the IDAT payloads (validated by pass 1) gathered into one zlib stream. */
static void mlip__png_gather(const unsigned char *p, unsigned char *idat) {
    size_t at = 0, pos;
    for (pos = 8;;) {
        uint32_t clen = mlip__load32(p + pos, 1);
        if (!memcmp(p + pos + 4, "IDAT", 4)) {
            memcpy(idat + at, p + pos + 8, clen);
            at += clen;
        }
        if (!memcmp(p + pos + 4, "IEND", 4)) break;
        pos += (size_t)clen + 12;
    }
}

/* One unfiltered row of a pass (pw pixels at x = sx, sx + dx, ... of row oy) into out. */
static mlip_status mlip__png_row(const mlip__png_info *g, const unsigned char *row, size_t pw,
                                 size_t oy, size_t sx, size_t dx, mlip_image *out) {
    size_t plane = (size_t)g->width * g->height, x;
    for (x = 0; x < pw; x++) {
        size_t at = oy * g->width + sx + x * dx;
        int ch;
        if (g->color == 3) {
            unsigned idx = mlip__png_sample(row, x, g->depth);
            if ((int)idx >= g->n_plte)
                return mlip__fail(MLIP_ERR_FORMAT, "PNG: palette index %u out of range", idx);
            for (ch = 0; ch < 3; ch++) out->pixels[ch * plane + at] = (float)g->plte[3 * idx + ch];
        } else {
            for (ch = 0; ch < g->file_ch; ch++)
                out->pixels[ch * plane + at] =
                    (float)mlip__png_sample(row, x * (size_t)g->file_ch + (size_t)ch, g->depth);
        }
    }
    return MLIP_OK;
}

/* The inflated passes, unfiltered, into out's planes. */
static mlip_status mlip__png_expand(const mlip__png_info *g, unsigned char *raw, mlip_image *out) {
    size_t off = 0;
    int pass, bits = g->file_ch * g->depth;
    for (pass = 0; pass < 7; pass++) {
        const int *a = g->interlace ? mlip__png_adam7[pass] : mlip__png_adam7[0];
        size_t sx = g->interlace ? (size_t)a[0] : 0, sy = g->interlace ? (size_t)a[1] : 0;
        size_t dx = g->interlace ? (size_t)a[2] : 1, dy = g->interlace ? (size_t)a[3] : 1;
        size_t pw = g->width > sx ? (g->width - sx + dx - 1) / dx : 0;
        size_t ph = g->height > sy ? (g->height - sy + dy - 1) / dy : 0;
        size_t rowbytes = (pw * (size_t)bits + 7) / 8, y;
        size_t bpp = (size_t)bits >= 8 ? (size_t)bits / 8 : 1;
        if (pw && ph) {
            MLIP__TRY(mlip__png_unfilter(raw + off, ph, rowbytes, bpp));
            for (y = 0; y < ph; y++)
                MLIP__TRY(mlip__png_row(g, raw + off + y * (rowbytes + 1) + 1, pw, sy + y * dy, sx,
                                        dx, out));
            off += ph * (rowbytes + 1);
        }
        if (!g->interlace) break;
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_image_read_png(const void *buf, size_t len, const mlip_image_options *opt,
                                        mlip_image *out) {
    const unsigned char *p = (const unsigned char *)buf;
    mlip__png_info g;
    size_t raw_len = 0;
    unsigned char *idat = NULL, *raw = NULL;
    mlip_status st = MLIP_OK;
    MLIP__CHECK_PTR(out);
    memset(out, 0, sizeof *out);
    MLIP__CHECK_PTR(buf);
    if (len < 8 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0)
        return mlip__fail(MLIP_ERR_FORMAT, "PNG: bad signature");
    memset(&g, 0, sizeof g);
    g.color = -1;
    MLIP__TRY(mlip__png_chunks(p, len, &g));
    MLIP__TRY(mlip__img_limit(opt, g.width, g.height, "PNG"));
    MLIP__TRY(mlip__png_raw_len(&g, &raw_len));
    /* deflate expands at most 1032:1, so the compressed size bounds what can be meant;
       refusing here keeps a tiny corrupt file from costing a huge allocation */
    if (raw_len / 1032 > g.idat_len + 1)
        return mlip__fail(
            MLIP_ERR_FORMAT, "PNG: %lu bytes of image data cannot hold %lux%lu pixels",
            (unsigned long)g.idat_len, (unsigned long)g.width, (unsigned long)g.height);
    MLIP__TRY(mlip__img_alloc(out, opt, (int)g.width, (int)g.height, g.color == 3 ? 3 : g.file_ch,
                              "PNG"));
    out->format = MLIP_IMAGE_PNG;
    out->bits = g.color == 3 ? 8 : g.depth;
    out->max_value = (float)((1u << out->bits) - 1);
    idat = (unsigned char *)mlip_alloc(g.idat_len ? g.idat_len : 1);
    raw = (unsigned char *)mlip_alloc(raw_len);
    if (!idat || !raw) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto done;
    }
    mlip__png_gather(p, idat);
    if ((st = mlip__png_zlib(idat, g.idat_len, raw, raw_len))) goto done;
    st = mlip__png_expand(&g, raw, out);
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
    unsigned group, element;
    char vr[3];
    uint32_t length; /* 0xFFFFFFFF = undefined */
    size_t value; /* offset of the value */
} mlip__dcm_elem;

#define MLIP__DCM_UNDEFINED 0xFFFFFFFFu

/* The u16 at offset at of c's buffer (0 past its end). */
static unsigned mlip__dcm_u16_at(const mlip__cursor *c, size_t at) {
    mlip__cursor t = *c;
    uint64_t v = 0;
    t.pos = at;
    mlip__cursor_uint(&t, 2, &v);
    return (unsigned)v;
}

/* Read one element header. Item and delimiter tags (FFFE,xxxx) never carry a VR. Does not
   move past the value; checks that a defined-length value fits in the buffer. */
static mlip_status mlip__dcm_header(mlip__cursor *c, int explicit_vr, mlip__dcm_elem *e) {
    uint64_t group = 0, element = 0, l16 = 0;
    const unsigned char *vr = NULL;
    if (c->len - c->pos < 8) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: truncated element header");
    mlip__cursor_uint(c, 2, &group);
    mlip__cursor_uint(c, 2, &element);
    e->group = (unsigned)group;
    e->element = (unsigned)element;
    memset(e->vr, 0, sizeof e->vr);
    if (!explicit_vr || e->group == 0xFFFE) {
        mlip__cursor_u32(c, &e->length);
    } else {
        mlip__cursor_bytes(c, 2, &vr);
        e->vr[0] = (char)vr[0];
        e->vr[1] = (char)vr[1];
        if (vr[0] < 'A' || vr[0] > 'Z' || vr[1] < 'A' || vr[1] > 'Z')
            return mlip__fail(MLIP_ERR_FORMAT, "DICOM: invalid VR in element (%04X,%04X)", e->group,
                              e->element);
        /* VRs with a 4-byte length after two reserved bytes (PS3.5 7.1.2) */
        if (strstr("OB OD OF OL OV OW SQ SV UC UN UR UT UV", e->vr)) {
            if (!mlip__cursor_bytes(c, 2, NULL) || !mlip__cursor_u32(c, &e->length))
                return mlip__fail(MLIP_ERR_FORMAT, "DICOM: truncated element header");
        } else {
            mlip__cursor_uint(c, 2, &l16);
            e->length = (uint32_t)l16;
        }
    }
    e->value = c->pos;
    if (e->length != MLIP__DCM_UNDEFINED && e->length > c->len - c->pos)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "DICOM: element (%04X,%04X) length %lu runs past the end", e->group,
                          e->element, (unsigned long)e->length);
    return MLIP_OK;
}

/* Skip an undefined-length sequence (or item): items until the Sequence Delimitation
   Item (FFFE,E0DD); an undefined-length item holds elements until (FFFE,E00D). */
static mlip_status mlip__dcm_skip_undefined(mlip__cursor *c, int explicit_vr, int depth,
                                            int in_item) {
    mlip__dcm_elem e;
    if (depth > 32) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: sequences nested too deeply");
    for (;;) {
        MLIP__TRY(mlip__dcm_header(c, explicit_vr, &e));
        if (e.group == 0xFFFE && e.element == (in_item ? 0xE00Du : 0xE0DDu)) return MLIP_OK;
        if (e.length == MLIP__DCM_UNDEFINED) {
            int item = e.group == 0xFFFE && e.element == 0xE000;
            MLIP__TRY(mlip__dcm_skip_undefined(c, explicit_vr, depth + 1, item));
        } else {
            c->pos += e.length;
        }
    }
}

/* Copy a text value (DS/IS/UI/CS) without padding; the first of several (backslash). */
static void mlip__dcm_text(const mlip__cursor *c, const mlip__dcm_elem *e, char *dst, size_t cap) {
    size_t i, k = 0;
    for (i = 0; i < e->length && k + 1 < cap; i++) {
        char ch = (char)c->p[e->value + i];
        if (ch == '\\') break;
        if (ch == ' ' || ch == '\0') continue;
        dst[k++] = ch;
    }
    dst[k] = 0;
}

static int mlip__dcm_number(const mlip__cursor *c, const mlip__dcm_elem *e, double *v) {
    char text[72], *end;
    mlip__dcm_text(c, e, text, sizeof text);
    if (!text[0]) return 0;
    *v = strtod(text, &end);
    return *end == 0 && *v == *v && fabs(*v) < 1e30;
}

static const char *mlip__dcm_syntax_name(const char *uid, int *compressed) {
    static const struct {
        const char *uid, *name;
        int compressed;
    } table[] = {{"1.2.840.10008.1.2", "Implicit VR Little Endian", 0},
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

/* The image pixel module's elements (group 0028) and where the pixel data lie. */
typedef struct mlip__dcm_info {
    int rows, cols, spp, planar, frames, alloc_bits, stored, high, is_signed;
    int has_wc, has_ww, have_pixels;
    double slope, intercept, wc, ww;
    char photometric[20];
    size_t pix_at, pix_len;
} mlip__dcm_info;

/* File meta information (group 0002, always explicit VR little endian): the transfer syntax
   into syntax, which sets how c reads the data set; its name into *name. */
static mlip_status mlip__dcm_meta(mlip__cursor *c, int *explicit_vr, char *syntax, size_t cap,
                                  const char **name) {
    mlip__dcm_elem e;
    int compressed = 0;
    while (c->len - c->pos >= 2 && mlip__dcm_u16_at(c, c->pos) == 0x0002) {
        MLIP__TRY(mlip__dcm_header(c, 1, &e));
        if (e.length == MLIP__DCM_UNDEFINED)
            return mlip__fail(MLIP_ERR_FORMAT, "DICOM: undefined length in file meta");
        if (e.element == 0x0010) mlip__dcm_text(c, &e, syntax, cap);
        c->pos += e.length;
    }
    if (!syntax[0])
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: no Transfer Syntax UID in the file meta");
    *name = mlip__dcm_syntax_name(syntax, &compressed);
    if (compressed) {
        if (*name)
            return mlip__fail(MLIP_ERR_UNSUPPORTED, "%s (%s) is compressed: not supported", *name,
                              syntax);
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "unknown transfer syntax %s: not supported",
                          syntax);
    }
    *explicit_vr = strcmp(syntax, "1.2.840.10008.1.2") != 0;
    c->big = !strcmp(syntax, "1.2.840.10008.1.2.2");
    return MLIP_OK;
}

/* One element of group 0028 (at least 2 bytes long) into d. */
static void mlip__dcm_pixel_attr(const mlip__cursor *c, const mlip__dcm_elem *e,
                                 mlip__dcm_info *d) {
    unsigned u = mlip__dcm_u16_at(c, e->value);
    double v;
    switch (e->element) {
    case 0x0002: d->spp = (int)u; break;
    case 0x0006: d->planar = (int)u; break;
    case 0x0010: d->rows = (int)u; break;
    case 0x0011: d->cols = (int)u; break;
    case 0x0100: d->alloc_bits = (int)u; break;
    case 0x0101: d->stored = (int)u; break;
    case 0x0102: d->high = (int)u; break;
    case 0x0103: d->is_signed = u != 0; break;
    case 0x0004: mlip__dcm_text(c, e, d->photometric, sizeof d->photometric); break;
    case 0x0008:
        if (mlip__dcm_number(c, e, &v)) d->frames = (int)MLIP__MAX(1.0, MLIP__MIN(v, 1e9));
        break;
    case 0x1050:
        if (mlip__dcm_number(c, e, &v)) {
            d->wc = v;
            d->has_wc = 1;
        }
        break;
    case 0x1051:
        if (mlip__dcm_number(c, e, &v)) {
            d->ww = v;
            d->has_ww = 1;
        }
        break;
    case 0x1052:
        if (mlip__dcm_number(c, e, &v)) d->intercept = v;
        break;
    case 0x1053:
        if (mlip__dcm_number(c, e, &v)) d->slope = v;
        break;
    default: break;
    }
}

/* Data set: read the image pixel module's elements at the top level (sequences such as the
   Icon Image Sequence carry their own Rows/Pixel Data and are skipped), up to Pixel Data. */
static mlip_status mlip__dcm_scan(mlip__cursor *c, int explicit_vr, const char *name,
                                  mlip__dcm_info *d) {
    mlip__dcm_elem e;
    while (!d->have_pixels && c->pos < c->len) {
        MLIP__TRY(mlip__dcm_header(c, explicit_vr, &e));
        if (e.length == MLIP__DCM_UNDEFINED) {
            if (e.group == 0x7FE0 && e.element == 0x0010)
                return mlip__fail(MLIP_ERR_FORMAT,
                                  "DICOM: encapsulated (compressed) pixel data in %s", name);
            MLIP__TRY(mlip__dcm_skip_undefined(c, explicit_vr, 0,
                                               e.group == 0xFFFE && e.element == 0xE000));
            continue;
        }
        if (e.group == 0x0028 && e.length >= 2) mlip__dcm_pixel_attr(c, &e, d);
        if (e.group == 0x7FE0 && e.element == 0x0010) {
            d->pix_at = e.value;
            d->pix_len = e.length;
            d->have_pixels = 1;
        }
        c->pos += e.length;
    }
    if (!d->have_pixels) return mlip__fail(MLIP_ERR_FORMAT, "DICOM: no Pixel Data element");
    return MLIP_OK;
}

/* What this reader decodes: monochrome or RGB, 8/16/32-bit samples, a frame that exists. */
static mlip_status mlip__dcm_check(mlip__dcm_info *d, int frame) {
    if (d->rows <= 0 || d->cols <= 0)
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: missing or zero Rows/Columns");
    if (strcmp(d->photometric, "MONOCHROME1") && strcmp(d->photometric, "MONOCHROME2") &&
        strcmp(d->photometric, "RGB"))
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "DICOM: photometric interpretation '%s' not supported "
                          "(MONOCHROME1, MONOCHROME2, RGB)",
                          d->photometric);
    if ((d->photometric[0] == 'R') != (d->spp == 3) || (d->spp != 1 && d->spp != 3))
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: %d samples per pixel with %s", d->spp,
                          d->photometric);
    if (d->alloc_bits != 8 && d->alloc_bits != 16 && d->alloc_bits != 32)
        return mlip__fail(MLIP_ERR_UNSUPPORTED,
                          "DICOM: Bits Allocated %d not supported (8, 16, 32)", d->alloc_bits);
    if (d->stored <= 0) d->stored = d->alloc_bits;
    if (d->high < 0) d->high = d->stored - 1;
    if (d->stored > d->alloc_bits || d->high >= d->alloc_bits || d->high + 1 < d->stored)
        return mlip__fail(MLIP_ERR_FORMAT,
                          "DICOM: Bits Stored %d / High Bit %d do not fit Bits Allocated %d",
                          d->stored, d->high, d->alloc_bits);
    if (frame < 0 || frame >= d->frames)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "DICOM: frame %d requested, the file has %d", frame,
                          d->frames);
    return MLIP_OK;
}

/* The frame's samples (at c->pos), rescaled, into out's planes. */
static void mlip__dcm_samples(const mlip__cursor *c, const mlip__dcm_info *d, mlip_image *out) {
    size_t plane = (size_t)d->rows * (size_t)d->cols, i;
    int stored = d->stored, bytes = d->alloc_bits / 8;
    mlip__cursor s = *c; /* at the frame: mlip_image_read_dicom checked that it holds it */
    for (i = 0; i < plane * (size_t)d->spp; i++) {
        uint64_t word = 0;
        uint32_t raw;
        double val;
        size_t dst;
        mlip__cursor_uint(&s, (size_t)bytes, &word);
        raw = (uint32_t)word;
        /* keep bits [high-stored+1, high], then sign-extend from the top stored bit */
        raw >>= (d->high + 1 - stored);
        if (stored < 32) raw &= ((uint32_t)1 << stored) - 1;
        if (d->is_signed && (raw >> (stored - 1)) & 1)
            val = (double)raw - ldexp(1.0, stored);
        else
            val = (double)raw;
        /* planar configuration 0: RGBRGB..., 1: RRR...GGG...BBB... */
        dst = d->spp == 1 ? i : d->planar ? i : (i % 3) * plane + i / 3;
        out->pixels[dst] = (float)(val * d->slope + d->intercept);
    }
}

MLIPDEF mlip_status mlip_image_read_dicom(const void *buf, size_t len,
                                          const mlip_image_options *opt, mlip_image *out) {
    mlip__cursor c;
    mlip__dcm_info d;
    char syntax[68] = "";
    const char *name = NULL;
    int frame = opt ? opt->frame : 0, explicit_vr = 1;
    size_t plane, frame_bytes;
    MLIP__CHECK_PTR(out);
    memset(out, 0, sizeof *out);
    MLIP__CHECK_PTR(buf);
    mlip__cursor_init(&c, buf, len);
    c.pos = 132;
    if (len < 132 || memcmp(c.p + 128, "DICM", 4) != 0)
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: no 'DICM' at offset 128 (not a Part 10 file)");
    MLIP__TRY(mlip__dcm_meta(&c, &explicit_vr, syntax, sizeof syntax, &name));
    memset(&d, 0, sizeof d);
    d.spp = 1;
    d.frames = 1;
    d.high = -1;
    d.slope = 1;
    MLIP__TRY(mlip__dcm_scan(&c, explicit_vr, name, &d));
    MLIP__TRY(mlip__dcm_check(&d, frame));
    /* the pixel data must hold the frame before anything is allocated: a few corrupted
       bytes must not cost a large allocation (rows, cols < 2^16, so no overflow) */
    plane = (size_t)d.rows * (size_t)d.cols;
    frame_bytes = plane * (size_t)d.spp * ((size_t)d.alloc_bits / 8);
    if (d.pix_len / frame_bytes <= (size_t)frame)
        return mlip__fail(MLIP_ERR_FORMAT, "DICOM: pixel data has %lu bytes, frame %d needs %lu",
                          (unsigned long)d.pix_len, frame,
                          (unsigned long)frame_bytes * (size_t)(frame + 1));
    MLIP__TRY(mlip__img_alloc(out, opt, d.cols, d.rows, d.spp, "DICOM"));
    out->format = MLIP_IMAGE_DICOM;
    out->bits = d.stored;
    out->frames = d.frames;
    out->frame = frame;
    out->monochrome1 = !strcmp(d.photometric, "MONOCHROME1");
    out->has_window = d.has_wc && d.has_ww && d.ww > 0;
    out->window_center = (float)d.wc;
    out->window_width = (float)d.ww;
    memcpy(out->transfer_syntax, syntax, sizeof syntax);
    { /* value range for max_value: rescaled maximum of the stored bits */
        double top = d.is_signed ? ldexp(1.0, d.stored - 1) - 1 : ldexp(1.0, d.stored) - 1;
        out->max_value = (float)(top * d.slope + d.intercept);
    }
    c.pos = d.pix_at + (size_t)frame * frame_bytes;
    mlip__dcm_samples(&c, &d, out);
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
    return mlip__fail(MLIP_ERR_UNSUPPORTED,
                      "unknown image format (not PGM/PPM, PNG or DICOM Part 10)");
}

MLIPDEF mlip_status mlip_image_read_file(const char *path, const mlip_image_options *opt,
                                         mlip_image *out) {
    char *buf = NULL;
    size_t size = 0;
    mlip_status st;
    MLIP__CHECK_PTR(out);
    memset(out, 0, sizeof *out);
    MLIP__CHECK_PTR(path);
    MLIP__TRY(mlip__read_file(path, &buf, &size));
    st = mlip_image_read_memory(buf, size, opt, out);
    mlip_free(buf);
    return st;
}

/* ---- Preprocessing ------------------------------------------------------------------------ */

/* Resampling along one axis: output index o in [0, size) takes taps[o*max_taps ..] of the
   source, or is padding when n[o] == 0. The image occupies [off, off + span) of the output
   (span = the scaled source length; off < 0 when cropping). */
static void mlip__img_axis(int in, int size, int span, int off, int area, int max_taps, int *first,
                           int *n, float *w) {
    int o, k;
    double scale = (double)in / span; /* source pixels per output pixel */
    for (o = 0; o < size; o++) {
        int rel = o - off;
        float *wo = w + (size_t)o * max_taps;
        n[o] = 0;
        first[o] = 0;
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
                n[o] = 1;
                wo[0] = 1;
            } else {
                n[o] = 2;
                wo[0] = (float)(1 - f);
                wo[1] = (float)f;
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

/* Step 1 of preprocessing: the norm (AUTO resolved in o) and the range [lo, hi] it maps to
   [0, 1]. */
static mlip_status mlip__img_norm_range(const mlip_image *in, mlip_preprocess_options *o, size_t n,
                                        double *lo, double *hi) {
    size_t i;
    if (o->norm == MLIP_IMAGE_NORM_AUTO)
        o->norm = in->format == MLIP_IMAGE_DICOM
                      ? (in->has_window ? MLIP_IMAGE_NORM_WINDOW : MLIP_IMAGE_NORM_MINMAX)
                      : MLIP_IMAGE_NORM_RANGE;
    if (o->norm == MLIP_IMAGE_NORM_WINDOW && o->window_width <= 0) {
        if (!in->has_window)
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "mlip_image_preprocess: window asked for, none given or in the file");
        o->window_center = in->window_center;
        o->window_width = in->window_width;
    }
    switch (o->norm) {
    case MLIP_IMAGE_NORM_RANGE:
        *lo = 0;
        *hi = in->max_value > 0 ? in->max_value : 1;
        break;
    case MLIP_IMAGE_NORM_MINMAX:
        *lo = *hi = in->pixels[0];
        for (i = 0; i < n; i++) {
            if (in->pixels[i] < *lo) *lo = in->pixels[i];
            if (in->pixels[i] > *hi) *hi = in->pixels[i];
        }
        if (*hi <= *lo) *hi = *lo + 1; /* flat image: all zeros */
        break;
    case MLIP_IMAGE_NORM_WINDOW:
        /* PS3.3 C.11.2.1.2 linear: [c - 0.5 - (w-1)/2, c - 0.5 + (w-1)/2] -> [0,1] */
        if (o->window_width < 1) o->window_width = 1;
        *lo = o->window_center - 0.5 - (o->window_width - 1) / 2.0;
        *hi = o->window_center - 0.5 + (o->window_width - 1) / 2.0;
        if (*hi <= *lo) *hi = *lo + 1;
        break;
    default:
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_image_preprocess: unknown norm %d",
                          (int)o->norm);
    }
    return MLIP_OK;
}

/* Pixels normalised, inverted for MONOCHROME1, converted to the output channels: norm gets
   channels planes. */
static void mlip__img_normalise(const mlip_image *in, const mlip_preprocess_options *o, double lo,
                                double hi, float *norm, int channels) {
    size_t plane = (size_t)in->width * in->height, i;
    int in_ch = in->channels >= 3 ? 3 : 1, c; /* alpha is dropped */
    for (i = 0; i < plane; i++) {
        float v[3];
        for (c = 0; c < in_ch; c++) {
            double t = (in->pixels[(size_t)c * plane + i] - lo) / (hi - lo);
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            if (in->monochrome1 && !o->keep_monochrome1) t = 1 - t;
            v[c] = (float)t;
        }
        if (channels == 1)
            norm[i] = in_ch == 1 ? v[0] : 0.299f * v[0] + 0.587f * v[1] + 0.114f * v[2];
        else
            for (c = 0; c < 3; c++) norm[(size_t)c * plane + i] = in_ch == 1 ? v[0] : v[c];
    }
}

/* The taps of both axes (mlip__img_axis): x over a source row, y over the columns. */
typedef struct mlip__img_taps {
    int taps_x, taps_y;
    int *fx, *nx, *fy, *ny;
    float *wx, *wy;
} mlip__img_taps;

/* Step 3, one channel: separable resampling of src (H x W), columns of each row first into tmp
   (H x size), then rows into dst (size x size); padding gets pad. */
static void mlip__img_resample(const mlip__img_taps *t, const float *src, int W, int H, float *tmp,
                               float *dst, int size, float pad) {
    int x, y, k;
    for (y = 0; y < H; y++)
        for (x = 0; x < size; x++) {
            float acc = 0;
            for (k = 0; k < t->nx[x]; k++)
                acc += t->wx[(size_t)x * t->taps_x + k] * src[(size_t)y * W + t->fx[x] + k];
            tmp[(size_t)y * size + x] = acc;
        }
    for (y = 0; y < size; y++)
        for (x = 0; x < size; x++) {
            float acc = 0;
            if (!t->ny[y] || !t->nx[x]) {
                dst[(size_t)y * size + x] = pad;
                continue;
            }
            for (k = 0; k < t->ny[y]; k++)
                acc += t->wy[(size_t)y * t->taps_y + k] * tmp[(size_t)(t->fy[y] + k) * size + x];
            dst[(size_t)y * size + x] = acc < 0 ? 0 : acc > 1 ? 1 : acc;
        }
}

/* ---- Bicubic as Pillow resamples (MLIP_IMAGE_BICUBIC) ------------------------------------- */

/* open_clip's preprocess resizes 8-bit PIL images, and Pillow resamples them in fixed point: a
   horizontal pass (over the rows the vertical pass reads) rounded and clamped to uint8, then a
   vertical pass, rounded again. That intermediate uint8 has to be emulated: a double-precision
   pass pair without it, tried on the 526 real chest X-rays at 224, is 99.97% within 1/255 but
   leaves 14 images below 99.9% and misses by up to 16/255 where the first pass's overshoot at
   hard edges is clamped. With Pillow's arithmetic (22 fraction bits, weights rounded away from
   zero, the same pass order) the output equals Pillow's. */
#define MLIP__PIL_FRAC 22 /* Pillow's fraction bits for 8-bit samples: 32 - 8 - 2 */

/* Keys' cubic convolution kernel with a = -0.5, support 2 (Pillow's BICUBIC). */
static double mlip__pil_cubic(double x) {
    const double a = -0.5;
    if (x < 0) x = -x;
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
}

/* Pillow's kernel stretch for in -> len samples: the downscale factor (antialiasing), >= 1. */
static double mlip__pil_stretch(int in, int len) {
    double scale = (double)in / len;
    return scale < 1 ? 1 : scale;
}

/* Most taps one output sample can have (Pillow's ksize). */
static int mlip__pil_ksize(int in, int len) {
    return (int)ceil(2 * mlip__pil_stretch(in, len)) * 2 + 1;
}

/* One axis of a Pillow resize of in samples to len, evaluated only at the resized positions
   o + off for o in [0, size): taps first[o] .. first[o] + n[o] - 1 with weights
   w[o * ksize ..] in fixed point; n[o] = 0 where o + off is outside the resized image (padding).
   As Pillow: centre (r + 0.5) * scale, taps within the stretched support (rounded), weights
   normalised to sum 1 and then rounded away from zero. The kernel argument is multiplied by the
   reciprocal stretch, not divided, because Pillow does so and the last bit can matter. */
static void mlip__pil_axis(int in, int len, int off, int size, int ksize, int *first, int *n,
                           int32_t *w) {
    double scale = (double)in / len, inv = 1.0 / mlip__pil_stretch(in, len);
    double support = 2 / inv;
    int o, j;
    for (o = 0; o < size; o++) {
        int r = o + off, lo, hi;
        double centre = (r + 0.5) * scale, sum = 0;
        int32_t *wo = w + (size_t)o * ksize;
        n[o] = 0;
        first[o] = 0;
        if (r < 0 || r >= len) continue;
        lo = (int)(centre - support + 0.5); /* truncation, as Pillow's (int) cast */
        hi = (int)(centre + support + 0.5);
        if (lo < 0) lo = 0;
        if (hi > in) hi = in;
        if (hi - lo > ksize) hi = lo + ksize; /* cannot happen; keeps the writes in bounds */
        for (j = lo; j < hi; j++) sum += mlip__pil_cubic(((double)j - centre + 0.5) * inv);
        for (j = lo; j < hi; j++) {
            double k = mlip__pil_cubic(((double)j - centre + 0.5) * inv);
            if (sum != 0) k /= sum;
            k *= (double)(1 << MLIP__PIL_FRAC);
            wo[j - lo] = (int32_t)(k < 0 ? k - 0.5 : k + 0.5);
        }
        first[o] = lo;
        n[o] = hi - lo;
    }
}

/* A fixed-point sum (with its rounding half already added) back to a uint8 sample. */
static unsigned char mlip__pil_clip8(int64_t acc) {
    if (acc < 0) return 0;
    acc >>= MLIP__PIL_FRAC;
    return (unsigned char)(acc > 255 ? 255 : acc);
}

/* The taps of both axes in fixed point, and the source rows [y0, y1) the vertical taps read. */
typedef struct mlip__pil_taps {
    int kx, ky, y0, y1;
    int *fx, *nx, *fy, *ny;
    int32_t *wx, *wy;
} mlip__pil_taps;

/* One channel: the horizontal pass over rows [y0, y1) of src (H x W, uint8) into tmp
   ((y1 - y0) x size, uint8), then the vertical pass into out as k / 255 (ToTensor's division);
   padding gets pad. */
static void mlip__pil_resample(const mlip__pil_taps *t, const unsigned char *src, int W,
                               unsigned char *tmp, float *out, int size, float pad) {
    const int64_t half = (int64_t)1 << (MLIP__PIL_FRAC - 1);
    int x, y, k;
    for (y = t->y0; y < t->y1; y++)
        for (x = 0; x < size; x++) {
            const unsigned char *s = src + (size_t)y * W + t->fx[x];
            const int32_t *w = t->wx + (size_t)x * t->kx;
            int64_t acc = half;
            for (k = 0; k < t->nx[x]; k++) acc += (int64_t)s[k] * w[k];
            tmp[(size_t)(y - t->y0) * size + x] = mlip__pil_clip8(acc);
        }
    for (y = 0; y < size; y++) {
        const unsigned char *s = tmp + (size_t)(t->fy[y] - t->y0) * size;
        const int32_t *w = t->wy + (size_t)y * t->ky;
        for (x = 0; x < size; x++) {
            int64_t acc = half;
            if (!t->ny[y] || !t->nx[x]) {
                out[(size_t)y * size + x] = pad;
                continue;
            }
            for (k = 0; k < t->ny[y]; k++) acc += (int64_t)s[(size_t)k * size + x] * w[k];
            out[(size_t)y * size + x] = mlip__pil_clip8(acc) / 255.0f;
        }
    }
}

/* Python's round(d / 2.0) for d >= 0 (half to even): torchvision's centre-crop offset. */
static int mlip__pil_half_even(int d) {
    int q = d / 2;
    return (d % 2 && q % 2) ? q + 1 : q;
}

/* The resized position of output 0 along an axis resized to len: centre-cropped (len >= size,
   CenterCrop's rounding) or padded before (negative, CenterCropOrPad's floor division). */
static void mlip__pil_place(int len, int size, int *off) {
    *off = len >= size ? mlip__pil_half_even(len - size) : -((size - len) / 2);
}

/* torchvision's geometry for a W x H PIL image and a size x size output (see the declaration):
   the resized size rw x rh and the resized position of output (0, 0). */
static mlip_status mlip__pil_geometry(int W, int H, int size, mlip_image_fit fit, int *rw, int *rh,
                                      int *ox, int *oy) {
    if (fit == MLIP_IMAGE_CROP) {
        /* Python: int(size * long / short), the product exact, one rounded division */
        double lng = (double)size * MLIP__MAX(W, H) / MLIP__MIN(W, H);
        if (lng >= 2147483647.0)
            return mlip__fail(MLIP_ERR_UNSUPPORTED,
                              "mlip_image_preprocess: %dx%d resized to short side %d is too long",
                              W, H, size);
        *rw = W <= H ? size : (int)lng;
        *rh = W <= H ? (int)lng : size;
    } else {
        double ratio = MLIP__MAX((double)W / size, (double)H / size);
        *rw = (int)MLIP__MAX(1.0, nearbyint(W / ratio)); /* round half to even, as Python */
        *rh = (int)MLIP__MAX(1.0, nearbyint(H / ratio));
    }
    mlip__pil_place(*rw, size, ox);
    mlip__pil_place(*rh, size, oy);
    return MLIP_OK;
}

/* Allocates and fills t for a W x H -> rw x rh resize read at offsets (ox, oy). */
static mlip_status mlip__pil_taps_make(mlip__pil_taps *t, int W, int H, int rw, int rh, int ox,
                                       int oy, int size) {
    size_t n_wx = 0, n_wy = 0; /* set by the checked products (gcc cannot tell) */
    int o;
    memset(t, 0, sizeof *t);
    t->kx = mlip__pil_ksize(W, rw);
    t->ky = mlip__pil_ksize(H, rh);
    MLIP__TRY(mlip_size_mul((size_t)size, (size_t)t->kx, &n_wx));
    MLIP__TRY(mlip_size_mul((size_t)size, (size_t)t->ky, &n_wy));
    t->wx = (int32_t *)mlip_alloc_zeroed(n_wx, sizeof(int32_t));
    t->wy = (int32_t *)mlip_alloc_zeroed(n_wy, sizeof(int32_t));
    t->fx = (int *)mlip_alloc_zeroed((size_t)size * 4, sizeof(int));
    if (!t->wx || !t->wy || !t->fx) return MLIP_ERR_OUT_OF_MEMORY; /* the caller frees */
    t->nx = t->fx + size;
    t->fy = t->fx + 2 * size;
    t->ny = t->fx + 3 * size;
    mlip__pil_axis(W, rw, ox, size, t->kx, t->fx, t->nx, t->wx);
    mlip__pil_axis(H, rh, oy, size, t->ky, t->fy, t->ny, t->wy);
    t->y0 = H;
    t->y1 = 0;
    for (o = 0; o < size; o++)
        if (t->ny[o]) {
            t->y0 = MLIP__MIN(t->y0, t->fy[o]);
            t->y1 = MLIP__MAX(t->y1, t->fy[o] + t->ny[o]);
        }
    if (t->y1 < t->y0) t->y0 = t->y1 = 0;
    return MLIP_OK;
}

static void mlip__pil_taps_free(mlip__pil_taps *t) {
    mlip_free(t->wx);
    mlip_free(t->wy);
    mlip_free(t->fx);
}

/* One 8-bit level of the image Pillow would be given: the normalised sample, clamped,
   inverted for MONOCHROME1. Computed from the raw value and rounded half to even, as Pillow's
   PGM reader scales a maxval below 255 (round(v * 255 / maxval)): exact halves stay halves. */
static unsigned char mlip__pil_level(double raw, double lo, double hi, int invert) {
    double v = nearbyint((raw - lo) * 255.0 / (hi - lo));
    v = v < 0 ? 0 : v > 255 ? 255 : v;
    return (unsigned char)(invert ? 255 - v : v);
}

/* Plane c of the 8-bit input; luma: 1 channel from RGB as Pillow's convert('L') (ITU-R 601-2
   weights in 16-bit fixed point, on the 8-bit levels). */
static void mlip__pil_quantise(const mlip_image *in, int invert, double lo, double hi, int c,
                               int luma, unsigned char *q) {
    size_t plane = (size_t)in->width * in->height, i;
    const float *p = in->pixels + (size_t)c * plane;
    for (i = 0; i < plane; i++) {
        uint32_t r, g, b;
        if (!luma) {
            q[i] = mlip__pil_level(p[i], lo, hi, invert);
            continue;
        }
        r = mlip__pil_level(in->pixels[i], lo, hi, invert);
        g = mlip__pil_level(in->pixels[plane + i], lo, hi, invert);
        b = mlip__pil_level(in->pixels[2 * plane + i], lo, hi, invert);
        q[i] = (unsigned char)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
    }
}

/* Steps 1-3 for MLIP_IMAGE_BICUBIC once the norm range [lo, hi] is known: each plane rounded to
   the 8-bit image Pillow would be given, then resampled as Pillow does. A gray source gives
   identical planes (convert('RGB') replicates), resampled once. */
static mlip_status mlip__img_preprocess_pil(const mlip_image *in, const mlip_preprocess_options *o,
                                            double lo, double hi, float *out, int size,
                                            int channels) {
    mlip__pil_taps t;
    int W = in->width, H = in->height, rw = 1, rh = 1, ox = 0, oy = 0, c;
    int invert = in->monochrome1 && !o->keep_monochrome1, rgb = in->channels >= 3;
    size_t square = (size_t)size * size;
    unsigned char *q = NULL, *tmp = NULL;
    mlip_status st;
    MLIP__TRY(mlip__pil_geometry(W, H, size, o->fit, &rw, &rh, &ox, &oy));
    st = mlip__pil_taps_make(&t, W, H, rw, rh, ox, oy, size);
    if (st) goto fail;
    q = (unsigned char *)mlip_alloc((size_t)W * H);
    tmp = (unsigned char *)mlip_alloc_zeroed((size_t)(t.y1 - t.y0) + 1, (size_t)size); /* checked */
    if (!q || !tmp) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto fail;
    }
    for (c = 0; c < channels; c++) {
        if (c > 0 && !rgb) {
            memcpy(out + c * square, out, square * sizeof(float));
            continue;
        }
        mlip__pil_quantise(in, invert, lo, hi, c, rgb && channels == 1, q);
        mlip__pil_resample(&t, q, W, tmp, out + c * square, size, o->pad_value);
    }
fail:
    mlip__pil_taps_free(&t);
    mlip_free(q);
    mlip_free(tmp);
    return st;
}

MLIPDEF mlip_status mlip_image_preprocess(const mlip_image *in, const mlip_preprocess_options *opt,
                                          float *out, int size, int channels) {
    mlip_preprocess_options o;
    mlip__img_taps t;
    int W, H, c, span_w, span_h, off_x, off_y, area;
    size_t plane, n_norm = 0;
    double lo = 0, hi = 1, scale;
    float *norm = NULL, *tmp = NULL;
    mlip_status st = MLIP_OK;
    MLIP__CHECK_PTR(in);
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(in->pixels);
    MLIP__CHECK_POS(size);
    MLIP__CHECK_POS(in->width);
    MLIP__CHECK_POS(in->height);
    if (channels != 1 && channels != 3)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_image_preprocess: channels must be 1 or 3 (got %d)", channels);
    if (in->channels < 1 || in->channels > 4)
        return mlip__fail(MLIP_ERR_INVALID_ARG, "mlip_image_preprocess: image has %d channels",
                          in->channels);
    if (opt)
        o = *opt;
    else
        memset(&o, 0, sizeof o);
    W = in->width;
    H = in->height;
    plane = (size_t)W * H;
    MLIP__TRY(mlip__check_finite(in->pixels, plane * (size_t)in->channels,
                                 "mlip_image_preprocess: pixels"));
    /* 1. normalise to [0,1] */
    MLIP__TRY(mlip__img_norm_range(in, &o, plane * (size_t)(in->channels >= 3 ? 3 : 1), &lo, &hi));
    if ((unsigned)o.resize > MLIP_IMAGE_BICUBIC || (unsigned)o.fit > MLIP_IMAGE_CROP)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_image_preprocess: unknown resize mode %d or fit %d", (int)o.resize,
                          (int)o.fit);
    if (mlip_size_mul(plane, (size_t)channels, &n_norm)) return MLIP_ERR_OVERFLOW;
    if (o.resize == MLIP_IMAGE_BICUBIC)
        return mlip__img_preprocess_pil(in, &o, lo, hi, out, size, channels);
    /* 2. scale so the long side (pad) or the short side (crop) becomes size */
    scale =
        o.fit == MLIP_IMAGE_PAD ? (double)size / MLIP__MAX(W, H) : (double)size / MLIP__MIN(W, H);
    span_w = (int)MLIP__MAX(1.0, floor(W * scale + 0.5));
    span_h = (int)MLIP__MAX(1.0, floor(H * scale + 0.5));
    span_w = o.fit == MLIP_IMAGE_PAD ? MLIP__MIN(span_w, size) : MLIP__MAX(span_w, size);
    span_h = o.fit == MLIP_IMAGE_PAD ? MLIP__MIN(span_h, size) : MLIP__MAX(span_h, size);
    /* centred; floor division so negative offsets (crop) centre the same way */
    off_x = (int)floor((size - span_w) / 2.0);
    off_y = (int)floor((size - span_h) / 2.0);
    area = o.resize == MLIP_IMAGE_AREA;
    t.taps_x = area ? (int)ceil((double)W / span_w) + 2 : 2;
    t.taps_y = area ? (int)ceil((double)H / span_h) + 2 : 2;
    norm = (float *)mlip_alloc(n_norm * sizeof(float));
    tmp = (float *)mlip_alloc_zeroed((size_t)H * size, sizeof(float)); /* H rows of size */
    t.wx = (float *)mlip_alloc_zeroed((size_t)size * t.taps_x, sizeof(float));
    t.wy = (float *)mlip_alloc_zeroed((size_t)size * t.taps_y, sizeof(float));
    t.fx = (int *)mlip_alloc_zeroed((size_t)size * 4, sizeof(int));
    if (!norm || !tmp || !t.wx || !t.wy || !t.fx) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto done;
    }
    t.nx = t.fx + size;
    t.fy = t.fx + 2 * size;
    t.ny = t.fx + 3 * size;
    mlip__img_normalise(in, &o, lo, hi, norm, channels);
    /* 3. separable resampling */
    mlip__img_axis(W, size, span_w, off_x, area, t.taps_x, t.fx, t.nx, t.wx);
    mlip__img_axis(H, size, span_h, off_y, area, t.taps_y, t.fy, t.ny, t.wy);
    for (c = 0; c < channels; c++)
        mlip__img_resample(&t, norm + (size_t)c * plane, W, H, tmp, out + (size_t)c * size * size,
                           size, o.pad_value);
done:
    mlip_free(norm);
    mlip_free(tmp);
    mlip_free(t.wx);
    mlip_free(t.wy);
    mlip_free(t.fx);
    return st;
}

/* ---- PNG writer --------------------------------------------------------------------------- */
static unsigned char *mlip__png_put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return p + 4;
}

MLIPDEF mlip_status mlip_image_encode_png(const float *pixels, int width, int height, int channels,
                                          unsigned char **out, size_t *out_len) {
    uint32_t crc_table[256], adler = 1;
    size_t rowbytes, raw_len, n_blocks, zlen, total, plane, y, x, at;
    unsigned char *buf, *p, *idat, *raw;
    int c;
    MLIP__CHECK_PTR(out);
    MLIP__CHECK_PTR(out_len);
    *out = NULL;
    *out_len = 0;
    MLIP__CHECK_PTR(pixels);
    MLIP__CHECK_POS(width);
    MLIP__CHECK_POS(height);
    if (channels != 1 && channels != 3)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_image_encode_png: channels must be 1 or 3 (got %d)", channels);
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
        mlip_free(buf);
        mlip_free(raw);
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
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    p += 8;
    p = mlip__png_put32(p, 13);
    memcpy(p, "IHDR", 4);
    mlip__png_put32(p + 4, (uint32_t)width);
    mlip__png_put32(p + 8, (uint32_t)height);
    p[12] = 8;
    p[13] = (unsigned char)(channels == 1 ? 0 : 2);
    p[14] = p[15] = p[16] = 0;
    p = mlip__png_put32(p + 17, mlip__png_crc(crc_table, 0, p, 17));
    p = mlip__png_put32(p, (uint32_t)zlen);
    idat = p;
    memcpy(p, "IDAT", 4);
    p += 4;
    *p++ = 0x78, *p++ = 0x01; /* deflate, 32K window, no dictionary; 0x7801 % 31 == 0 */
    for (at = 0; at < raw_len || at == 0;) {
        size_t n = MLIP__MIN(raw_len - at, (size_t)65535);
        *p++ = (unsigned char)(at + n == raw_len); /* BFINAL on the last, BTYPE 00 stored */
        *p++ = (unsigned char)n;
        *p++ = (unsigned char)(n >> 8);
        *p++ = (unsigned char)~n;
        *p++ = (unsigned char)(~n >> 8);
        memcpy(p, raw + at, n);
        p += n;
        at += n;
        if (at == raw_len) break;
    }
    adler = mlip__png_adler(adler, raw, raw_len);
    p = mlip__png_put32(p, adler);
    p = mlip__png_put32(p, mlip__png_crc(crc_table, 0, idat, (size_t)(p - idat)));
    p = mlip__png_put32(p, 0);
    memcpy(p, "IEND", 4);
    p = mlip__png_put32(p + 4, mlip__png_crc(crc_table, 0, p, 4));
    mlip_free(raw);
    *out = buf;
    *out_len = (size_t)(p - buf);
    return MLIP_OK;
}

/* The encoded bytes through mlip__fmt_save_file (PATH.tmp, then renamed): a failed write never
   leaves a partial PNG, and the file is closed on every path. */
typedef struct mlip__img_bytes {
    const unsigned char *p;
    size_t n;
} mlip__img_bytes;
static mlip_status mlip__img_write_bytes(const void *obj, int unused, mlip__fmt_sink *s) {
    const mlip__img_bytes *b = (const mlip__img_bytes *)obj;
    (void)unused;
    mlip__fmt_put(s, b->p, b->n);
    return s->err ? mlip__fail(MLIP_ERR_IO, "error writing the PNG") : MLIP_OK;
}

MLIPDEF mlip_status mlip_image_write_png(const char *path, const float *pixels, int width,
                                         int height, int channels) {
    mlip__img_bytes b;
    unsigned char *png;
    size_t n;
    mlip_status st;
    MLIP__CHECK_PTR(path);
    MLIP__TRY(mlip_image_encode_png(pixels, width, height, channels, &png, &n));
    b.p = png;
    b.n = n;
    st = mlip__fmt_save_file(path, mlip__img_write_bytes, &b, 0);
    mlip_free(png);
    return st;
}

/* ======================================================================================
   14. Dataset
   ====================================================================================== */
/* (section 14 implementation) */
#include <errno.h>

/* ---- Augmentation ---------------------------------------------------------------------- */

MLIPDEF mlip_augment_options mlip_augment_defaults(void) {
    mlip_augment_options o;
    o.crop = 0.10f;
    o.rotate_deg = 5.0f;
    o.brightness = 0.10f;
    o.contrast = 0.10f;
    o.hflip = 0;
    return o;
}

/* x in [lo, hi], and not NaN (a NaN fails both comparisons) */
static int mlip__in_range(float x, float lo, float hi) { return x >= lo && x <= hi; }

MLIPDEF mlip_status mlip_image_augment(float *pixels, int channels, int size,
                                       const mlip_augment_options *opt, mlip_rng *rng) {
    double u[8], s, aspect, sx, sy, tx, ty, theta, cs, sn, c, mean = 0;
    float bright, contrast;
    size_t plane, total, i;
    float *src;
    int k, x, y, ch, flip;
    MLIP__CHECK_PTR(pixels);
    MLIP__CHECK_PTR(opt);
    MLIP__CHECK_PTR(rng);
    MLIP__CHECK_POS(channels);
    MLIP__CHECK_POS(size);
    if (!mlip__in_range(opt->crop, 0, 0.5f) || !mlip__in_range(opt->rotate_deg, 0, 180) ||
        !mlip__in_range(opt->brightness, 0, 1) || !mlip__in_range(opt->contrast, 0, 1))
        return mlip__fail(
            MLIP_ERR_INVALID_ARG,
            "mlip_image_augment: crop %g (0..0.5), rotate_deg %g (0..180), brightness %g "
            "and contrast %g (0..1) out of range",
            opt->crop, opt->rotate_deg, opt->brightness, opt->contrast);
    MLIP__TRY(mlip__count3(&total, channels, size, size));
    plane = (size_t)size * size;
    /* all eight draws every time, used or not, so the stream position does not depend on
       the options or on the image */
    for (k = 0; k < 8; k++) u[k] = mlip_rng_uniform(rng);
    s = 1 + opt->crop * (2 * u[0] - 1); /* source pixels per output pixel */
    aspect = 1 + opt->crop * (2 * u[1] - 1);
    sx = s * sqrt(aspect);
    sy = s / sqrt(aspect);
    tx = opt->crop * (2 * u[2] - 1) * size * 0.5; /* centre shift, source pixels */
    ty = opt->crop * (2 * u[3] - 1) * size * 0.5;
    theta = opt->rotate_deg * (2 * u[4] - 1) * (3.14159265358979323846 / 180);
    bright = (float)(opt->brightness * (2 * u[5] - 1));
    contrast = (float)(1 + opt->contrast * (2 * u[6] - 1));
    flip = opt->hflip && u[7] < 0.5;
    cs = cos(theta);
    sn = sin(theta);
    c = size * 0.5;
    src = (float *)mlip_alloc(total * sizeof(float));
    if (!src) return MLIP_ERR_OUT_OF_MEMORY;
    memcpy(src, pixels, total * sizeof(float));
    /* One inverse map from output pixel centres to source coordinates: about the centre,
       scale by (sx, sy), rotate by theta, shift by (tx, ty); half-pixel centres, so the
       identity map lands exactly on source pixels (the weights become exactly 1 and 0). */
    for (y = 0; y < size; y++)
        for (x = 0; x < size; x++) {
            double ox = (x + 0.5 - c) * (flip ? -1 : 1), oy = y + 0.5 - c;
            double px = cs * sx * ox - sn * sy * oy + c + tx - 0.5;
            double py = sn * sx * ox + cs * sy * oy + c + ty - 0.5;
            double fx0 = floor(px), fy0 = floor(py);
            float fx, fy, w[4];
            int x0, y0, in[4];
            if (!(fx0 > -2 && fx0 < size && fy0 > -2 && fy0 < size)) { /* wholly outside */
                for (ch = 0; ch < channels; ch++)
                    pixels[(size_t)ch * plane + (size_t)y * size + x] = 0;
                continue;
            }
            x0 = (int)fx0;
            y0 = (int)fy0;
            fx = (float)(px - fx0);
            fy = (float)(py - fy0);
            w[0] = (1 - fx) * (1 - fy);
            w[1] = fx * (1 - fy);
            w[2] = (1 - fx) * fy;
            w[3] = fx * fy;
            in[0] = x0 >= 0 && y0 >= 0;
            in[1] = x0 + 1 < size && y0 >= 0;
            in[2] = x0 >= 0 && y0 + 1 < size;
            in[3] = x0 + 1 < size && y0 + 1 < size;
            for (ch = 0; ch < channels; ch++) {
                const float *p = src + (size_t)ch * plane;
                float v = 0; /* outside the image: 0 */
                if (in[0]) v += w[0] * p[(size_t)y0 * size + x0];
                if (in[1]) v += w[1] * p[(size_t)y0 * size + x0 + 1];
                if (in[2]) v += w[2] * p[(size_t)(y0 + 1) * size + x0];
                if (in[3]) v += w[3] * p[(size_t)(y0 + 1) * size + x0 + 1];
                pixels[(size_t)ch * plane + (size_t)y * size + x] = v;
            }
        }
    mlip_free(src);
    if (contrast != 1 || bright != 0) {
        for (i = 0; i < total; i++) mean += pixels[i];
        mean /= (double)total;
    }
    for (i = 0; i < total; i++) {
        float v = pixels[i];
        if (contrast != 1 || bright != 0) v = (float)((v - mean) * contrast + mean) + bright;
        pixels[i] = v > 0 ? (v < 1 ? v : 1) : 0; /* NaN -> 0 */
    }
    return MLIP_OK;
}

/* ---- Dataset --------------------------------------------------------------------------- */

#define MLIP__DS_WARN_STDERR 20 /* warnings the default (stderr) reporter prints */

struct mlip_dataset {
    const mlip_tokenizer *tok;
    mlip_dataset_options opt; /* opt.preprocess points at pre */
    mlip_preprocess_options pre;
    char *name; /* the TSV path as given, for messages */
    char *text; /* the file (+ NUL); reports and label names are NUL-terminated in it */
    int n, skipped, warned;
    char **image; /* (n) resolved paths */
    const char **report; /* (n) into text */
    int *line; /* (n) 1-based */
    int n_labels;
    const char **label; /* (n_labels) sorted, into text */
    int8_t *labels; /* (n, n_labels) */
    size_t pixels; /* channels * image_size^2 */
    int n_cached; /* rows [0, n_cached) have a cache slot */
    float *cache; /* (n_cached, pixels) */
    uint8_t *state; /* (n) 0 not cached, 1 cached, 2 failed at batch time (for good) */
};

static void mlip__ds_warn(mlip_dataset *ds, const char *msg) {
    if (ds->opt.warn) {
        ds->opt.warn(ds->opt.warn_ctx, msg);
        return;
    }
    if (ds->warned < MLIP__DS_WARN_STDERR)
        fprintf(stderr, "mlip: %s\n", msg);
    else if (ds->warned == MLIP__DS_WARN_STDERR)
        fprintf(stderr, "mlip: %s: further warnings not shown (see mlip_dataset_skipped)\n",
                ds->name);
    ds->warned++;
}

/* A bad row at line `line`: strict -> fail with status st and "file:line: why"; lenient ->
   warn "file:line: why (skipped)", count it, and return MLIP_OK so the caller carries on. */
static MLIP__PRINTF(4, 5) mlip_status
    mlip__ds_bad_row(mlip_dataset *ds, int line, mlip_status st, const char *fmt, ...) {
    char msg[1024];
    int at;
    va_list ap;
    at = snprintf(msg, sizeof msg, "%s:%d: ", ds->name, line);
    if (at < 0 || at >= (int)sizeof msg) at = 0;
    va_start(ap, fmt);
    vsnprintf(msg + at, sizeof msg - (size_t)at, fmt, ap);
    va_end(ap);
    if (ds->opt.strict) return mlip__fail(st, "%s", msg);
    at = (int)strlen(msg);
    snprintf(msg + at, sizeof msg - (size_t)at, " (skipped)");
    mlip__ds_warn(ds, msg);
    ds->skipped++;
    return MLIP_OK;
}

static int mlip__ds_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* A field [p, p+n) without surrounding spaces. */
static void mlip__ds_trim(char **p, size_t *n) {
    while (*n && mlip__ds_space(**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n && mlip__ds_space((*p)[*n - 1])) (*n)--;
}

static int mlip__ds_is(const char *p, size_t n, const char *name) { /* ASCII, case-insensitive */
    size_t i;
    if (strlen(name) != n) return 0;
    for (i = 0; i < n; i++) {
        char ch = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] - 'A' + 'a') : p[i];
        if (ch != name[i]) return 0;
    }
    return 1;
}

/* Split a line on tabs: returns the number of fields and stores (trimmed) field cols[k]
   in f[k], n[k] (left NULL, 0 when the line has fewer fields). */
static int mlip__ds_fields(char *line, size_t len, const int cols[3], char *f[3], size_t n[3]) {
    size_t start = 0, i;
    int count = 0, k;
    for (k = 0; k < 3; k++) {
        f[k] = NULL;
        n[k] = 0;
    }
    for (i = 0; i <= len; i++) {
        if (i < len && line[i] != '\t') continue;
        for (k = 0; k < 3; k++)
            if (cols[k] == count) {
                f[k] = line + start;
                n[k] = i - start;
                mlip__ds_trim(&f[k], &n[k]);
            }
        count++;
        start = i + 1;
    }
    return count;
}

static int mlip__ds_cmp_name(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int mlip__ds_absolute(const char *p, size_t n) {
    return (n > 0 && (p[0] == '/' || p[0] == '\\')) ||
           (n > 2 && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) &&
            p[1] == ':' && (p[2] == '/' || p[2] == '\\')); /* C:\ on Windows */
}

MLIPDEF void mlip_dataset_free(mlip_dataset *ds) {
    int i;
    if (!ds) return;
    if (ds->image)
        for (i = 0; i < ds->n; i++) mlip_free(ds->image[i]);
    mlip_free(ds->image);
    mlip_free(ds->report);
    mlip_free(ds->line);
    mlip_free(ds->label);
    mlip_free(ds->labels);
    mlip_free(ds->cache);
    mlip_free(ds->state);
    mlip_free(ds->text);
    mlip_free(ds->name);
    mlip_free(ds);
}

/* One data row: check it, then append it (lenient: a bad row is skipped with a warning). */
typedef struct mlip__ds_parse {
    size_t cap_rows, cap_pairs, n_pairs;
    const char **pair_name; /* (n_pairs) label name of each (row, name) pair */
    int *pair_row;
    const char *dir; /* the TSV's directory with its '/', or "" */
    size_t dir_len;
    int header_cols; /* 0: no header */
    int cols[3]; /* image, report, labels column (-1: none) */
} mlip__ds_parse;

/* The row's image path, resolved against the TSV's directory, into *path (NULL: the row was
   skipped); the file must open and hold at least one byte. */
static mlip_status mlip__ds_image_path(mlip_dataset *ds, const mlip__ds_parse *ps, const char *f0,
                                       size_t n0, int line_no, char **path) {
    size_t plen = 0;
    FILE *fp;
    *path = NULL;
    if (mlip__ds_absolute(f0, n0))
        plen = n0;
    else if (mlip_size_add(ps->dir_len, n0, &plen))
        return MLIP_ERR_OVERFLOW;
    if (!(*path = (char *)mlip_alloc(plen + 1))) return MLIP_ERR_OUT_OF_MEMORY;
    if (plen == n0) {
        memcpy(*path, f0, n0);
    } else {
        memcpy(*path, ps->dir, ps->dir_len);
        memcpy(*path + ps->dir_len, f0, n0);
    }
    (*path)[plen] = '\0';
    errno = 0;
    if (!(fp = fopen(*path, "rb"))) {
        int err = errno;
        mlip_free(*path);
        *path = NULL;
        if (err == ENOENT)
            return mlip__ds_bad_row(ds, line_no, MLIP_ERR_IO, "image '%.*s' not found",
                                    (int)MLIP__MIN(n0, 512), f0);
        return mlip__ds_bad_row(ds, line_no, MLIP_ERR_IO, "image '%.*s' cannot be opened (%s)",
                                (int)MLIP__MIN(n0, 512), f0, err ? strerror(err) : "unknown error");
    }
    { /* one byte read: a directory opens on POSIX but does not read; an empty file is no image */
        unsigned char byte;
        size_t got = fread(&byte, 1, 1, fp);
        int bad = ferror(fp);
        fclose(fp);
        if (got != 1) {
            mlip_free(*path);
            *path = NULL;
            return mlip__ds_bad_row(ds, line_no, MLIP_ERR_IO, "image '%.*s' %s",
                                    (int)MLIP__MIN(n0, 512), f0,
                                    bad ? "cannot be read (a directory?)" : "is an empty file");
        }
    }
    return MLIP_OK;
}

/* The labels of row ds->n: ';'-separated names, each trimmed and terminated in place; empty
   ones ignored. */
static mlip_status mlip__ds_row_labels(mlip_dataset *ds, mlip__ds_parse *ps, char *f2, size_t n2) {
    char *p = f2, *end = f2 + n2;
    while (p <= end) {
        char *q = p, *name;
        size_t len_name;
        while (q < end && *q != ';') q++;
        name = p;
        len_name = (size_t)(q - p);
        mlip__ds_trim(&name, &len_name);
        if (len_name) {
            size_t cap = ps->cap_pairs;
            name[len_name] = '\0';
            MLIP__TRY(mlip__grow((void **)&ps->pair_name, &cap, ps->n_pairs + 1, sizeof(char *)));
            cap = ps->cap_pairs;
            MLIP__TRY(mlip__grow((void **)&ps->pair_row, &cap, ps->n_pairs + 1, sizeof(int)));
            ps->cap_pairs = cap;
            ps->pair_name[ps->n_pairs] = name;
            ps->pair_row[ps->n_pairs] = ds->n;
            ps->n_pairs++;
        }
        p = q + 1;
    }
    return MLIP_OK;
}

static mlip_status mlip__ds_row(mlip_dataset *ds, mlip__ds_parse *ps, char *line, size_t len,
                                int line_no) {
    char *f[3];
    size_t n[3];
    int nf;
    char *path;
    mlip_status st;
    if (len > MLIP_DATASET_MAX_LINE)
        return mlip__ds_bad_row(ds, line_no, MLIP_ERR_FORMAT, "line of %lu bytes is longer than %d",
                                (unsigned long)len, MLIP_DATASET_MAX_LINE);
    if (memchr(line, '\0', len))
        return mlip__ds_bad_row(ds, line_no, MLIP_ERR_FORMAT, "NUL byte in the line");
    nf = mlip__ds_fields(line, len, ps->cols, f, n);
    if (ps->header_cols ? nf != ps->header_cols : nf != 2 && nf != 3) {
        if (ps->header_cols)
            return mlip__ds_bad_row(ds, line_no, MLIP_ERR_FORMAT, "%d columns, the header has %d",
                                    nf, ps->header_cols);
        return mlip__ds_bad_row(ds, line_no, MLIP_ERR_FORMAT,
                                "%d columns, expected 2 or 3 (image, report[, labels])", nf);
    }
    if (!n[0]) return mlip__ds_bad_row(ds, line_no, MLIP_ERR_FORMAT, "empty image path");
    if (!n[1]) return mlip__ds_bad_row(ds, line_no, MLIP_ERR_FORMAT, "empty report");
    MLIP__TRY(mlip__ds_image_path(ds, ps, f[0], n[0], line_no, &path));
    if (!path) return MLIP_OK; /* skipped */
    if (ds->n == 0x7FFFFFFF - 1) {
        mlip_free(path);
        return mlip__fail(MLIP_ERR_UNSUPPORTED, "%s: more than %d rows", ds->name, 0x7FFFFFFF - 1);
    }
    { /* the three row arrays grow together (from the same capacity to the same capacity) */
        size_t cap = ps->cap_rows, need = (size_t)ds->n + 1;
        st = mlip__grow((void **)&ds->image, &cap, need, sizeof(char *));
        if (!st) {
            cap = ps->cap_rows;
            st = mlip__grow((void **)&ds->report, &cap, need, sizeof(char *));
        }
        if (!st) {
            cap = ps->cap_rows;
            st = mlip__grow((void **)&ds->line, &cap, need, sizeof(int));
        }
        if (st) {
            mlip_free(path);
            return st;
        }
        ps->cap_rows = cap;
    }
    /* the report is NUL-terminated in place: the byte after it is a tab, a space, a line
       end or the terminating NUL the buffer has room for */
    f[1][n[1]] = '\0';
    ds->image[ds->n] = path;
    ds->report[ds->n] = f[1];
    ds->line[ds->n] = line_no;
    st = f[2] ? mlip__ds_row_labels(ds, ps, f[2], n[2]) : MLIP_OK;
    ds->n++; /* complete even when a label failed: mlip_dataset_free releases its path */
    return st;
}

/* Header recognition: first field "image" or "id", or a field "report", "text" or "caption".
   Fills the column indices by name; returns 0 when the line is data. */
static int mlip__ds_header(char *line, size_t len, mlip__ds_parse *ps) {
    size_t start = 0, i;
    int count = 0, header = 0, labels = -1, image = -1, report = -1;
    for (i = 0; i <= len; i++) {
        char *f;
        size_t n;
        if (i < len && line[i] != '\t') continue;
        f = line + start;
        n = i - start;
        mlip__ds_trim(&f, &n);
        if (count == 0 && (mlip__ds_is(f, n, "image") || mlip__ds_is(f, n, "id"))) header = 1;
        if (mlip__ds_is(f, n, "report") || mlip__ds_is(f, n, "text") ||
            mlip__ds_is(f, n, "caption")) {
            header = 1;
            report = report < 0 ? count : report;
        }
        if ((mlip__ds_is(f, n, "image") || mlip__ds_is(f, n, "path") ||
             mlip__ds_is(f, n, "image_path") || mlip__ds_is(f, n, "file")) &&
            image < 0)
            image = count;
        if ((mlip__ds_is(f, n, "labels") || mlip__ds_is(f, n, "label")) && labels < 0)
            labels = count;
        count++;
        start = i + 1;
    }
    if (!header) return 0;
    ps->header_cols = count;
    ps->cols[0] = image;
    ps->cols[1] = report;
    ps->cols[2] = labels;
    return 1;
}

static mlip_status mlip__ds_check_options(const mlip_dataset_options *opt) {
    if (opt->channels != 1 && opt->channels != 3)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_dataset_open: channels must be 1 or 3 (got %d)", opt->channels);
    if (opt->max_tokens < 2 || opt->max_sentences < 0)
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_dataset_open: max_tokens %d (>= 2), max_sentences %d (>= 0)",
                          opt->max_tokens, opt->max_sentences);
    if (opt->preprocess && ((unsigned)opt->preprocess->norm > MLIP_IMAGE_NORM_WINDOW ||
                            (unsigned)opt->preprocess->resize > MLIP_IMAGE_BICUBIC ||
                            (unsigned)opt->preprocess->fit > MLIP_IMAGE_CROP))
        return mlip__fail(MLIP_ERR_INVALID_ARG,
                          "mlip_dataset_open: unknown norm, resize or fit in preprocess");
    return MLIP_OK;
}

/* The TSV file into ds->text (with a NUL after it, so a field at the very end can be terminated
   in place), then its lines: an optional header, then the rows. */
static mlip_status mlip__ds_read_rows(mlip_dataset *ds, mlip__ds_parse *ps, const char *tsv_path) {
    char *raw = NULL;
    size_t size = 0, pos = 0;
    int line_no = 0, seen_first = 0;
    MLIP__TRY(mlip__read_file(tsv_path, &raw, &size));
    ds->text = (char *)mlip_alloc(size + 1);
    if (ds->text) {
        memcpy(ds->text, raw, size);
        ds->text[size] = '\0';
    }
    mlip_free(raw);
    if (!ds->text) return MLIP_ERR_OUT_OF_MEMORY;
    if (size >= 3 && !memcmp(ds->text, "\xEF\xBB\xBF", 3)) pos = 3; /* UTF-8 byte order mark */
    ps->cols[0] = 0;
    ps->cols[1] = 1;
    ps->cols[2] = 2;
    while (pos < size) {
        char *line = ds->text + pos, *nl = (char *)memchr(line, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - line) : size - pos, k;
        pos += len + 1;
        if (line_no == 0x7FFFFFFF)
            return mlip__fail(MLIP_ERR_UNSUPPORTED, "%s: more than %d lines", ds->name, line_no);
        line_no++;
        if (len && line[len - 1] == '\r') len--; /* CRLF */
        for (k = 0; k < len && mlip__ds_space(line[k]); k++) {}
        if (k == len) continue; /* blank */
        if (!seen_first && len <= MLIP_DATASET_MAX_LINE) {
            seen_first = 1;
            if (mlip__ds_header(line, len, ps)) {
                if (ps->cols[0] < 0 || ps->cols[1] < 0)
                    return mlip__fail(MLIP_ERR_FORMAT,
                                      "%s:%d: the header names no %s column (need image and "
                                      "report or text; labels optional)",
                                      ds->name, line_no, ps->cols[0] < 0 ? "image" : "report/text");
                continue;
            }
        }
        seen_first = 1;
        MLIP__TRY(mlip__ds_row(ds, ps, line, len, line_no));
    }
    if (!ds->n)
        return mlip__fail(MLIP_ERR_FORMAT, "%s: no usable rows (%d skipped)", ds->name,
                          ds->skipped);
    return MLIP_OK;
}

/* Label columns: the sorted distinct names; then the (n, n_labels) 0/1 matrix. */
static mlip_status mlip__ds_label_matrix(mlip_dataset *ds, const mlip__ds_parse *ps) {
    const char **names = (const char **)mlip_alloc(ps->n_pairs * sizeof(char *));
    size_t n_names = 0, i;
    if (!names) return MLIP_ERR_OUT_OF_MEMORY;
    memcpy((void *)names, ps->pair_name, ps->n_pairs * sizeof(char *));
    qsort((void *)names, ps->n_pairs, sizeof(char *), mlip__ds_cmp_name);
    for (i = 0; i < ps->n_pairs; i++)
        if (!n_names || strcmp(names[n_names - 1], names[i])) names[n_names++] = names[i];
    if (n_names > 0x7FFFFFFF)
        n_names = 0x7FFFFFFF; /* (cannot happen: fewer than the rows' bytes) */
    ds->label = names;
    ds->n_labels = (int)n_names;
    if (!(ds->labels = (int8_t *)mlip_alloc_zeroed((size_t)ds->n, n_names)))
        return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < ps->n_pairs; i++) {
        const char **hit = (const char **)bsearch(&ps->pair_name[i], (void *)names, n_names,
                                                  sizeof(char *), mlip__ds_cmp_name);
        if (hit) ds->labels[(size_t)ps->pair_row[i] * n_names + (size_t)(hit - names)] = 1;
    }
    return MLIP_OK;
}

MLIPDEF mlip_status mlip_dataset_open(const char *tsv_path, const mlip_tokenizer *tok,
                                      const mlip_dataset_options *opt, mlip_dataset **out) {
    mlip_dataset *ds;
    mlip__ds_parse ps;
    size_t n;
    mlip_status st = MLIP_OK;
    MLIP__CHECK_PTR(out);
    *out = NULL;
    MLIP__CHECK_PTR(tsv_path);
    MLIP__CHECK_PTR(tok);
    MLIP__CHECK_PTR(opt);
    MLIP__CHECK_POS(opt->image_size);
    MLIP__TRY(mlip__ds_check_options(opt));
    if (!(ds = (mlip_dataset *)mlip_alloc_zeroed(1, sizeof *ds))) return MLIP_ERR_OUT_OF_MEMORY;
    memset(&ps, 0, sizeof ps);
    ds->tok = tok;
    ds->opt = *opt;
    if (opt->preprocess)
        ds->pre = *opt->preprocess;
    else
        ds->pre.resize = MLIP_IMAGE_AREA;
    ds->opt.preprocess = &ds->pre;
    if (!ds->opt.max_sentences) ds->opt.max_sentences = MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES;
    if ((st = mlip__count3(&ds->pixels, opt->channels, opt->image_size, opt->image_size)))
        goto fail;
    n = strlen(tsv_path);
    if (!(ds->name = (char *)mlip_alloc(n + 1))) goto oom;
    memcpy(ds->name, tsv_path, n + 1);
    /* the directory part, for relative image paths */
    ps.dir = ds->name;
    ps.dir_len = n;
    while (ps.dir_len && ds->name[ps.dir_len - 1] != '/' && ds->name[ps.dir_len - 1] != '\\')
        ps.dir_len--;
    if ((st = mlip__ds_read_rows(ds, &ps, tsv_path))) goto fail;
    if (ps.n_pairs && (st = mlip__ds_label_matrix(ds, &ps))) goto fail;
    /* the cache of preprocessed images, as many rows as the budget holds */
    if (opt->cache_mb >= 0) {
        size_t mb = (size_t)(opt->cache_mb ? opt->cache_mb : 1024);
        size_t per = ds->pixels * sizeof(float);
        size_t rows = (mb > ((size_t)-1 >> 20) ? (size_t)-1 : mb << 20) / per; /* 32-bit: no wrap */
        ds->n_cached = rows < (size_t)ds->n ? (int)rows : ds->n;
        if (ds->n_cached && !(ds->cache = (float *)mlip_alloc((size_t)ds->n_cached * per)))
            goto oom;
    }
    if (!(ds->state = (uint8_t *)mlip_alloc_zeroed((size_t)ds->n, 1))) goto oom;
    mlip_free((void *)ps.pair_name);
    mlip_free(ps.pair_row);
    *out = ds;
    return MLIP_OK;
oom:
    st = MLIP_ERR_OUT_OF_MEMORY;
fail:
    mlip_free((void *)ps.pair_name);
    mlip_free(ps.pair_row);
    mlip_dataset_free(ds);
    return st;
}

MLIPDEF int mlip_dataset_size(const mlip_dataset *ds) { return ds ? ds->n : 0; }
MLIPDEF int mlip_dataset_skipped(const mlip_dataset *ds) { return ds ? ds->skipped : 0; }
MLIPDEF int mlip_dataset_n_labels(const mlip_dataset *ds) { return ds ? ds->n_labels : 0; }
MLIPDEF const char *mlip_dataset_label_name(const mlip_dataset *ds, int j) {
    return ds && j >= 0 && j < ds->n_labels ? ds->label[j] : NULL;
}
MLIPDEF const char *mlip_dataset_report(const mlip_dataset *ds, int row) {
    return ds && row >= 0 && row < ds->n ? ds->report[row] : NULL;
}
MLIPDEF const char *mlip_dataset_image_path(const mlip_dataset *ds, int row) {
    return ds && row >= 0 && row < ds->n ? ds->image[row] : NULL;
}
MLIPDEF int mlip_dataset_line(const mlip_dataset *ds, int row) {
    return ds && row >= 0 && row < ds->n ? ds->line[row] : -1;
}
MLIPDEF const int8_t *mlip_dataset_labels(const mlip_dataset *ds, int row) {
    return ds && row >= 0 && row < ds->n && ds->n_labels ? ds->labels + (size_t)row * ds->n_labels
                                                         : NULL;
}

MLIPDEF mlip_status mlip_dataset_shuffle(const mlip_dataset *ds, mlip_rng *rng, int *order) {
    MLIP__CHECK_PTR(ds);
    MLIP__CHECK_PTR(rng);
    MLIP__CHECK_PTR(order);
    mlip_rng_permutation(rng, order, ds->n);
    return MLIP_OK;
}

/* Row r's preprocessed image into dst, through the cache. */
static mlip_status mlip__ds_load(mlip_dataset *ds, int r, float *dst) {
    float *slot = r < ds->n_cached ? ds->cache + (size_t)r * ds->pixels : NULL;
    mlip_image im;
    mlip_status st;
    if (slot && ds->state[r] == 1) {
        memcpy(dst, slot, ds->pixels * sizeof(float));
        return MLIP_OK;
    }
    st = mlip_image_read_file(ds->image[r], NULL, &im);
    if (!st) st = mlip_image_preprocess(&im, &ds->pre, dst, ds->opt.image_size, ds->opt.channels);
    mlip_image_free(&im);
    if (!st && slot) {
        memcpy(slot, dst, ds->pixels * sizeof(float));
        ds->state[r] = 1;
    }
    return st;
}

MLIPDEF mlip_status mlip_dataset_batch(mlip_dataset *ds, const int *rows, int B,
                                       const mlip_augment_options *aug, mlip_rng *rng,
                                       mlip_batch *batch) {
    int b, T, L, nl;
    MLIP__CHECK_PTR(ds);
    MLIP__CHECK_PTR(rows);
    MLIP__CHECK_PTR(batch);
    MLIP__CHECK_POS(B);
    if (aug) MLIP__CHECK_PTR(rng);
    T = ds->opt.max_tokens;
    L = ds->opt.max_sentences;
    nl = ds->n_labels;
    if (batch->B != B || batch->channels != ds->opt.channels ||
        batch->image_size != ds->opt.image_size || batch->T != T || batch->max_sentences != L ||
        batch->n_labels != nl || !batch->images || !batch->ids || !batch->mask ||
        !batch->n_sentences || !batch->sent_begin || !batch->sent_end || !batch->rows ||
        (nl && !batch->labels))
        return mlip__fail(
            MLIP_ERR_INVALID_ARG,
            "mlip_dataset_batch: batch is B %d, (%d, %d, %d) images, T %d, L %d, %d labels; the "
            "dataset needs B %d, (%d, %d, %d), T %d, L %d, %d labels (mlip_batch_alloc)",
            batch->B, batch->channels, batch->image_size, batch->image_size, batch->T,
            batch->max_sentences, batch->n_labels, B, ds->opt.channels, ds->opt.image_size,
            ds->opt.image_size, T, L, nl);
    for (b = 0; b < B; b++)
        if (rows[b] < 0 || rows[b] >= ds->n)
            return mlip__fail(MLIP_ERR_INVALID_ARG,
                              "mlip_dataset_batch: rows[%d] = %d is not in [0, %d)", b, rows[b],
                              ds->n);
    for (b = 0; b < B; b++) {
        float *img = batch->images + (size_t)b * ds->pixels;
        int r = rows[b], tries = 0;
        const char *text;
        size_t len;
        int *begin = batch->sent_begin + (size_t)b * L, *end = batch->sent_end + (size_t)b * L;
        mlip_status st;
        for (;;) {
            if (ds->state[r] != 2) {
                st = mlip__ds_load(ds, r, img);
                if (!st) break;
                if (st == MLIP_ERR_OUT_OF_MEMORY || st == MLIP_ERR_OVERFLOW)
                    return st; /* not the row's fault */
                {
                    char reason[256];
                    snprintf(reason, sizeof reason, "%s", mlip_last_error());
                    ds->state[r] = 2;
                    if (ds->opt.strict)
                        return mlip__fail(st, "%s:%d: image '%s': %s", ds->name, ds->line[r],
                                          ds->image[r], reason);
                    mlip__ds_bad_row(ds, ds->line[r], st, "image '%s': %s", ds->image[r], reason);
                }
            }
            /* a substitute: drawn (a few tries), then the next good row in order */
            if (++tries > ds->n)
                return mlip__fail(MLIP_ERR_FORMAT, "%s: no row has a readable image", ds->name);
            {
                int k, pick = -1;
                if (rng)
                    for (k = 0; k < 8 && pick < 0; k++) {
                        int c = (int)mlip_rng_below(rng, (uint32_t)ds->n);
                        if (ds->state[c] != 2) pick = c;
                    }
                for (k = 1; k <= ds->n && pick < 0; k++)
                    if (ds->state[(r + k) % ds->n] != 2) pick = (r + k) % ds->n;
                if (pick < 0)
                    return mlip__fail(MLIP_ERR_FORMAT, "%s: no row has a readable image", ds->name);
                r = pick;
            }
        }
        if (aug) MLIP__TRY(mlip_image_augment(img, ds->opt.channels, ds->opt.image_size, aug, rng));
        text = ds->report[r];
        len = strlen(text);
        MLIP__TRY(mlip_tokenizer_encode(ds->tok, text, len, T, batch->ids + (size_t)b * T,
                                        batch->mask + (size_t)b * T, NULL));
        memset(begin, 0, (size_t)L * sizeof(int));
        memset(end, 0, (size_t)L * sizeof(int));
        batch->n_sentences[b] = 0; /* sentence spans are WordPiece's (MLIP training) */
        if (!mlip_tokenizer_is_bpe(ds->tok))
            MLIP__TRY(mlip_tokenizer_sentences(ds->tok, text, len, T, L, begin, end,
                                               &batch->n_sentences[b]));
        if (nl) memcpy(batch->labels + (size_t)b * nl, ds->labels + (size_t)r * nl, (size_t)nl);
        batch->rows[b] = r;
    }
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
