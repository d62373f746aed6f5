/* tiny_block: one pre-LayerNorm transformer block, trained end to end with the library's
   forward/backward kernels on a toy task. Read it top to bottom: it is the shape of every
   encoder in MLIP, at a size that runs in a blink.

   Task: each example is a sequence of T random token vectors; its class is the argmax of a
   fixed random linear map of the sequence mean. The block + mean pooling + a linear head
   learns it with plain SGD, and the loss falls. */
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#include <stdio.h>
#include <string.h>

enum { B = 16, T = 6, C = 16, NH = 2, HID = 4 * C, NCLS = 4, ROWS = B * T, STEPS = 300 };

/* Parameters and their gradients, side by side (llm.c style). */
typedef struct params {
    float ln1_w[C], ln1_b[C], qkv_w[3 * C * C], qkv_b[3 * C], proj_w[C * C], proj_b[C];
    float ln2_w[C], ln2_b[C], fc_w[HID * C], fc_b[HID], out_w[C * HID], out_b[C];
    float head_w[NCLS * C], head_b[NCLS];
} params;

/* Activations saved by the forward pass for the backward pass. */
typedef struct acts {
    float ln1[ROWS * C], ln1_mean[ROWS], ln1_rstd[ROWS], qkv[ROWS * 3 * C], att[B * NH * T * T];
    float attn[ROWS * C], proj[ROWS * C], res1[ROWS * C];
    float ln2[ROWS * C], ln2_mean[ROWS], ln2_rstd[ROWS], fc[ROWS * HID], gelu[ROWS * HID];
    float mlp[ROWS * C], res2[ROWS * C], pooled[B * C], logits[B * NCLS], probs[B * NCLS],
        losses[B];
} acts;

static params P, G;
static acts A, D; /* D holds the gradients of the activations */

#define TRY(call)                                                                                  \
    do {                                                                                           \
        if ((call) != MLIP_OK) {                                                                   \
            fprintf(stderr, "%s failed: %s\n", #call, mlip_last_error());                          \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

/* x (B, T, C) -> mean loss over the batch */
static double forward(const float *x, const int *labels, const int *begin, const int *end) {
    int b;
    double loss = 0;
    TRY(mlip_layernorm_forward(A.ln1, A.ln1_mean, A.ln1_rstd, x, P.ln1_w, P.ln1_b, ROWS, C, 1e-5f));
    TRY(mlip_linear_forward(A.qkv, A.ln1, P.qkv_w, P.qkv_b, ROWS, C, 3 * C));
    TRY(mlip_attention_forward(A.attn, A.att, A.qkv, NULL, B, T, C, NH));
    TRY(mlip_linear_forward(A.proj, A.attn, P.proj_w, P.proj_b, ROWS, C, C));
    TRY(mlip_residual_forward(A.res1, x, A.proj, ROWS * C));
    TRY(mlip_layernorm_forward(A.ln2, A.ln2_mean, A.ln2_rstd, A.res1, P.ln2_w, P.ln2_b, ROWS, C,
                               1e-5f));
    TRY(mlip_linear_forward(A.fc, A.ln2, P.fc_w, P.fc_b, ROWS, C, HID));
    TRY(mlip_gelu_forward(A.gelu, A.fc, ROWS * HID, MLIP_GELU_ERF));
    TRY(mlip_linear_forward(A.mlp, A.gelu, P.out_w, P.out_b, ROWS, HID, C));
    TRY(mlip_residual_forward(A.res2, A.res1, A.mlp, ROWS * C));
    TRY(mlip_span_mean_forward(A.pooled, A.res2, begin, end, B, ROWS,
                               C)); /* one span per sequence */
    TRY(mlip_linear_forward(A.logits, A.pooled, P.head_w, P.head_b, B, C, NCLS));
    TRY(mlip_cross_entropy_forward(A.losses, A.probs, A.logits, labels, B, NCLS));
    for (b = 0; b < B; b++) loss += A.losses[b] / B;
    return loss;
}

/* The same chain backwards; every call accumulates, so gradients start at zero. */
static int backward(const float *x, const int *labels, const int *begin, const int *end) {
    float dlosses[B];
    int b;
    memset(&G, 0, sizeof G);
    memset(&D, 0, sizeof D);
    for (b = 0; b < B; b++) dlosses[b] = 1.0f / B;
    TRY(mlip_cross_entropy_backward(D.logits, dlosses, A.probs, labels, B, NCLS));
    TRY(mlip_linear_backward(D.pooled, G.head_w, G.head_b, D.logits, A.pooled, P.head_w, B, C,
                             NCLS));
    TRY(mlip_span_mean_backward(D.res2, D.pooled, begin, end, B, ROWS, C));
    TRY(mlip_residual_backward(D.res1, D.mlp, D.res2, ROWS * C));
    TRY(mlip_linear_backward(D.gelu, G.out_w, G.out_b, D.mlp, A.gelu, P.out_w, ROWS, HID, C));
    TRY(mlip_gelu_backward(D.fc, A.fc, D.gelu, ROWS * HID, MLIP_GELU_ERF));
    TRY(mlip_linear_backward(D.ln2, G.fc_w, G.fc_b, D.fc, A.ln2, P.fc_w, ROWS, C, HID));
    TRY(mlip_layernorm_backward(D.res1, G.ln2_w, G.ln2_b, D.ln2, A.res1, P.ln2_w, A.ln2_mean,
                                A.ln2_rstd, ROWS, C));
    TRY(mlip_residual_backward(NULL, D.proj, D.res1, ROWS * C)); /* x needs no gradient */
    TRY(mlip_linear_backward(D.attn, G.proj_w, G.proj_b, D.proj, A.attn, P.proj_w, ROWS, C, C));
    TRY(mlip_attention_backward(D.qkv, D.attn, A.qkv, A.att, B, T, C, NH));
    TRY(mlip_linear_backward(D.ln1, G.qkv_w, G.qkv_b, D.qkv, A.ln1, P.qkv_w, ROWS, C, 3 * C));
    TRY(mlip_layernorm_backward(NULL, G.ln1_w, G.ln1_b, D.ln1, x, P.ln1_w, A.ln1_mean, A.ln1_rstd,
                                ROWS, C));
    return 0;
}

int main(void) {
    static float x[ROWS * C], task[NCLS * C];
    int labels[B], begin[B], end[B], b, c, k, step;
    float *p = (float *)&P, *g = (float *)&G;
    size_t i, n_params = sizeof P / sizeof(float);
    mlip_rng rng;
    mlip_rng_seed(&rng, 2024, 0);
    for (i = 0; i < n_params; i++) p[i] = 0.2f * mlip_rng_normal(&rng); /* small random init */
    for (c = 0; c < C; c++) P.ln1_w[c] = P.ln2_w[c] = 1.0f, P.ln1_b[c] = P.ln2_b[c] = 0.0f;
    for (i = 0; i < NCLS * C; i++) task[i] = mlip_rng_normal(&rng);
    for (b = 0; b < B; b++) begin[b] = b * T, end[b] = (b + 1) * T;

    for (step = 0; step <= STEPS; step++) {
        double loss;
        for (i = 0; i < ROWS * C; i++) x[i] = mlip_rng_normal(&rng); /* a fresh batch */
        for (b = 0; b < B; b++) { /* label = argmax_k task_k . mean_t x[b, t] */
            float best = -1e30f;
            for (k = 0; k < NCLS; k++) {
                float s = 0;
                for (i = 0; i < T * C; i++) s += task[k * C + i % C] * x[b * T * C + i];
                if (s > best) best = s, labels[b] = k;
            }
        }
        loss = forward(x, labels, begin, end);
        if (loss < 0 || backward(x, labels, begin, end)) return 1;
        for (i = 0; i < n_params; i++) p[i] -= 0.05f * g[i]; /* plain SGD */
        if (step % 50 == 0) printf("step %3d  loss %.4f\n", step, loss);
    }
    printf("(chance level is ln %d = %.4f)\n", NCLS, 1.3863);
    return 0;
}
