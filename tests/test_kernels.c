/* Section 4, Kernels: each forward against an independent double-precision computation (or an
   identity it must satisfy), each backward against central finite differences of the scalar
   loss sum(out * w), which makes dout = w. Bad arguments fail with a status. */

#define FD_H 1e-2f
#define FD_TOL 2e-3

/* ---- linear ---- */
static struct {
    int rows, C, OC;
    float *x, *W, *b, *out;
} lin;
static void lin_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(mlip_linear_forward(lin.out, lin.x, lin.W, lin.b, lin.rows, lin.C, lin.OC));
}

static void test_linear(void) {
    int rows = 7, C = 13, OC = 11, r, o, c;
    float *w = mt_alloc((size_t)rows * OC), *dx = mt_alloc((size_t)rows * C),
          *dW = mt_alloc((size_t)OC * C), *db = mt_alloc(OC);
    double worst = 0;
    lin.rows = rows;
    lin.C = C;
    lin.OC = OC;
    lin.x = mt_alloc((size_t)rows * C);
    lin.W = mt_alloc((size_t)OC * C);
    lin.b = mt_alloc(OC);
    lin.out = mt_alloc((size_t)rows * OC);
    mt_fill_uniform(lin.x, (size_t)rows * C, -1, 1, 1);
    mt_fill_uniform(lin.W, (size_t)OC * C, -1, 1, 2);
    mt_fill_uniform(lin.b, OC, -1, 1, 3);
    mt_fill_uniform(w, (size_t)rows * OC, -1, 1, 4);
    lin_fwd(NULL);
    for (r = 0; r < rows; r++) /* y = x W^T + b in double */
        for (o = 0; o < OC; o++) {
            double y = lin.b[o];
            for (c = 0; c < C; c++) y += (double)lin.x[r * C + c] * lin.W[o * C + c];
            if (fabs(y - lin.out[r * OC + o]) > worst) worst = fabs(y - lin.out[r * OC + o]);
        }
    CHECK_MSG(worst < 1e-5, "linear forward off by %g", worst);
    mlip_fill(db, OC, 1.0f); /* backward accumulates: start dbias at 1 */
    CHECK_OK(mlip_linear_backward(dx, dW, db, w, lin.x, lin.W, rows, C, OC));
    for (o = 0; o < OC; o++) db[o] -= 1.0f;
    mt_check_grad("linear dinp", lin.x, (size_t)rows * C, dx, lin_fwd, NULL, lin.out, w,
                  (size_t)rows * OC, FD_H, FD_TOL, 1000);
    mt_check_grad("linear dweight", lin.W, (size_t)OC * C, dW, lin_fwd, NULL, lin.out, w,
                  (size_t)rows * OC, FD_H, FD_TOL, 1000);
    mt_check_grad("linear dbias", lin.b, OC, db, lin_fwd, NULL, lin.out, w, (size_t)rows * OC, FD_H,
                  FD_TOL, 1000);
    /* no bias, and gradients not wanted */
    CHECK_OK(mlip_linear_forward(lin.out, lin.x, lin.W, NULL, rows, C, OC));
    CHECK(fabs(lin.out[0] - (float)mlip_dot(lin.x, lin.W, C)) < 1e-5);
    CHECK_OK(mlip_linear_backward(NULL, NULL, NULL, w, NULL, NULL, rows, C, OC));
    CHECK_FAILS(mlip_linear_forward(lin.out, lin.x, lin.W, NULL, 0, C, OC), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_linear_backward(dx, NULL, NULL, w, lin.x, NULL, rows, C, OC),
                MLIP_ERR_INVALID_ARG);
    free(w);
    free(dx);
    free(dW);
    free(db);
    free(lin.x);
    free(lin.W);
    free(lin.b);
    free(lin.out);
}

/* ---- layernorm ---- */
static struct {
    int rows, C;
    float *x, *g, *b, *out, *mean, *rstd;
} ln;
static void ln_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(
        mlip_layernorm_forward(ln.out, ln.mean, ln.rstd, ln.x, ln.g, ln.b, ln.rows, ln.C, 1e-5f));
}

static void test_layernorm(void) {
    int rows = 5, C = 37, r, i;
    float *w = mt_alloc((size_t)rows * C), *dx = mt_alloc((size_t)rows * C), *dg = mt_alloc(C),
          *db = mt_alloc(C);
    double worst = 0;
    ln.rows = rows;
    ln.C = C;
    ln.x = mt_alloc((size_t)rows * C);
    ln.g = mt_alloc(C);
    ln.b = mt_alloc(C);
    ln.out = mt_alloc((size_t)rows * C);
    ln.mean = mt_alloc(rows);
    ln.rstd = mt_alloc(rows);
    mt_fill_uniform(ln.x, (size_t)rows * C, -2, 3, 11);
    mt_fill_uniform(ln.g, C, 0.5f, 1.5f, 12);
    mt_fill_uniform(ln.b, C, -1, 1, 13);
    mt_fill_uniform(w, (size_t)rows * C, -1, 1, 14);
    ln_fwd(NULL);
    for (r = 0; r < rows; r++) { /* (x - mean) / sqrt(var + eps) * g + b in double */
        double m = 0, v = 0;
        for (i = 0; i < C; i++) m += ln.x[r * C + i];
        m /= C;
        for (i = 0; i < C; i++) v += (ln.x[r * C + i] - m) * (ln.x[r * C + i] - m);
        v /= C;
        for (i = 0; i < C; i++) {
            double y = (ln.x[r * C + i] - m) / sqrt(v + 1e-5) * ln.g[i] + ln.b[i];
            if (fabs(y - ln.out[r * C + i]) > worst) worst = fabs(y - ln.out[r * C + i]);
        }
    }
    CHECK_MSG(worst < 1e-5, "layernorm forward off by %g", worst);
    CHECK_OK(mlip_layernorm_backward(dx, dg, db, w, ln.x, ln.g, ln.mean, ln.rstd, rows, C));
    mt_check_grad("layernorm dinp", ln.x, (size_t)rows * C, dx, ln_fwd, NULL, ln.out, w,
                  (size_t)rows * C, FD_H, FD_TOL, 1000);
    mt_check_grad("layernorm dweight", ln.g, C, dg, ln_fwd, NULL, ln.out, w, (size_t)rows * C, FD_H,
                  FD_TOL, 1000);
    mt_check_grad("layernorm dbias", ln.b, C, db, ln_fwd, NULL, ln.out, w, (size_t)rows * C, FD_H,
                  FD_TOL, 1000);
    CHECK_FAILS(mlip_layernorm_forward(ln.out, NULL, NULL, ln.x, NULL, NULL, rows, 0, 1e-5f),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_layernorm_forward(ln.out, NULL, NULL, ln.x, NULL, NULL, rows, C, NAN),
                MLIP_ERR_INVALID_ARG);
    free(w);
    free(dx);
    free(dg);
    free(db);
    free(ln.x);
    free(ln.g);
    free(ln.b);
    free(ln.out);
    free(ln.mean);
    free(ln.rstd);
}

/* ---- GELU ---- */
static struct {
    size_t n;
    mlip_gelu_kind kind;
    float *x, *out;
} ge;
static void ge_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(mlip_gelu_forward(ge.out, ge.x, ge.n, ge.kind));
}

static void test_gelu(void) {
    size_t n = 301, i;
    int kind;
    float *w = mt_alloc(n), *dx = mt_alloc(n);
    ge.n = n;
    ge.x = mt_alloc(n);
    ge.out = mt_alloc(n);
    mt_fill_uniform(ge.x, n, -6, 6, 21);
    mt_fill_uniform(w, n, -1, 1, 22);
    for (kind = 0; kind < 2; kind++) {
        double worst = 0;
        ge.kind = (mlip_gelu_kind)kind;
        ge_fwd(NULL);
        for (i = 0; i < n; i++) {
            double x = ge.x[i];
            double y =
                kind == 0
                    ? 0.5 * x * (1 + erf(x / sqrt(2.0)))
                    : 0.5 * x *
                          (1 + tanh(sqrt(2 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
            if (fabs(y - ge.out[i]) > worst) worst = fabs(y - ge.out[i]);
        }
        CHECK_MSG(worst < 2e-6, "gelu kind %d forward off by %g", kind, worst);
        memset(dx, 0, sizeof(float) * n);
        CHECK_OK(mlip_gelu_backward(dx, ge.x, w, n, ge.kind));
        mt_check_grad(kind == 0 ? "gelu(erf) dinp" : "gelu(tanh) dinp", ge.x, n, dx, ge_fwd, NULL,
                      ge.out, w, n, 1e-3f, FD_TOL, 1000);
    }
    CHECK_FAILS(mlip_gelu_forward(ge.out, ge.x, n, (mlip_gelu_kind)7), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_gelu_forward(ge.out, ge.x, 0, MLIP_GELU_ERF), MLIP_ERR_INVALID_ARG);
    free(w);
    free(dx);
    free(ge.x);
    free(ge.out);
}

/* ---- softmax ---- */
static struct {
    int rows, C;
    float *x, *out;
} sm;
static void sm_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(mlip_softmax_forward(sm.out, sm.x, sm.rows, sm.C));
}

static void test_softmax(void) {
    int rows = 6, C = 19, r, i;
    float *w = mt_alloc((size_t)rows * C), *dx = mt_alloc((size_t)rows * C);
    sm.rows = rows;
    sm.C = C;
    sm.x = mt_alloc((size_t)rows * C);
    sm.out = mt_alloc((size_t)rows * C);
    mt_fill_uniform(sm.x, (size_t)rows * C, -5, 5, 31);
    mt_fill_uniform(w, (size_t)rows * C, -1, 1, 32);
    sm.x[3] = 80.0f; /* large logits must not overflow */
    sm_fwd(NULL);
    for (r = 0; r < rows; r++) {
        double s = 0, mx = -1e30;
        for (i = 0; i < C; i++) mx = sm.x[r * C + i] > mx ? sm.x[r * C + i] : mx;
        for (i = 0; i < C; i++) s += exp(sm.x[r * C + i] - mx);
        for (i = 0; i < C; i++)
            CHECK(fabs(exp(sm.x[r * C + i] - mx) / s - sm.out[r * C + i]) < 1e-6);
    }
    CHECK_OK(mlip_softmax_backward(dx, w, sm.out, rows, C));
    sm.x[3] = 1.0f;
    sm_fwd(NULL);
    memset(dx, 0, sizeof(float) * rows * C);
    CHECK_OK(mlip_softmax_backward(dx, w, sm.out, rows, C));
    mt_check_grad("softmax dinp", sm.x, (size_t)rows * C, dx, sm_fwd, NULL, sm.out, w,
                  (size_t)rows * C, FD_H, FD_TOL, 1000);
    free(w);
    free(dx);
    free(sm.x);
    free(sm.out);
}

/* ---- attention ---- */
static struct {
    int B, T, C, NH;
    float *qkv, *out, *att;
    uint8_t *mask;
} at;
static void at_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(mlip_attention_forward(at.out, at.att, at.qkv, at.mask, at.B, at.T, at.C, at.NH));
}

/* Straightforward double-precision attention, written separately from the library's. */
static double attention_reference_error(void) {
    int B = at.B, T = at.T, C = at.C, NH = at.NH, hs = C / NH, b, h, t, t2, i;
    double worst = 0;
    for (b = 0; b < B; b++)
        for (h = 0; h < NH; h++)
            for (t = 0; t < T; t++) {
                double s[64], mx = -1e300, sum = 0;
                for (t2 = 0; t2 < T; t2++) {
                    double d = 0;
                    for (i = 0; i < hs; i++)
                        d += (double)at.qkv[(b * T + t) * 3 * C + h * hs + i] *
                             at.qkv[(b * T + t2) * 3 * C + C + h * hs + i];
                    s[t2] = d / sqrt((double)hs);
                    if ((!at.mask || at.mask[b * T + t2]) && s[t2] > mx) mx = s[t2];
                }
                for (t2 = 0; t2 < T; t2++) {
                    s[t2] = (!at.mask || at.mask[b * T + t2]) ? exp(s[t2] - mx) : 0;
                    sum += s[t2];
                }
                for (i = 0; i < hs; i++) {
                    double o = 0;
                    for (t2 = 0; t2 < T; t2++)
                        o += s[t2] / sum * at.qkv[(b * T + t2) * 3 * C + 2 * C + h * hs + i];
                    o -= at.out[(b * T + t) * C + h * hs + i];
                    if (fabs(o) > worst) worst = fabs(o);
                }
            }
    return worst;
}

static void test_attention(void) {
    int B = 2, T = 7, C = 12, NH = 3, t;
    size_t nqkv = (size_t)B * T * 3 * C, nout = (size_t)B * T * C;
    float *w = mt_alloc(nout), *dqkv = mt_alloc(nqkv), *out2 = mt_alloc(nout);
    at.B = B;
    at.T = T;
    at.C = C;
    at.NH = NH;
    at.qkv = mt_alloc(nqkv);
    at.out = mt_alloc(nout);
    at.att = mt_alloc((size_t)B * NH * T * T);
    at.mask = (uint8_t *)calloc((size_t)B * T, 1);
    for (t = 0; t < B * T; t++) at.mask[t] = 1;
    at.mask[T + 5] = at.mask[T + 6] = 0; /* the second sequence has two padding tokens */
    mt_fill_uniform(at.qkv, nqkv, -1.5f, 1.5f, 41);
    mt_fill_uniform(w, nout, -1, 1, 42);
    at_fwd(NULL);
    CHECK_MSG(attention_reference_error() < 1e-5, "attention forward off by %g",
              attention_reference_error());
    /* inference path (no probabilities kept) computes the same output, with 1 and 2 threads */
    for (t = 1; t <= 2; t++) {
        mt_set_threads(t);
        CHECK_OK(mlip_attention_forward(out2, NULL, at.qkv, at.mask, B, T, C, NH));
        CHECK(mt_max_rel_diff(out2, at.out, nout) < 1e-6);
    }
    mt_set_threads(1);
    /* padded keys are never attended to: changing them changes no real output */
    {
        float keep = at.qkv[(T + 6) * 3 * C + C + 1], keepv = at.qkv[(T + 6) * 3 * C + 2 * C + 4];
        at.qkv[(T + 6) * 3 * C + C + 1] = 50.0f, at.qkv[(T + 6) * 3 * C + 2 * C + 4] = -70.0f;
        CHECK_OK(mlip_attention_forward(out2, NULL, at.qkv, at.mask, B, T, C, NH));
        CHECK(mt_max_rel_diff(out2, at.out, nout) < 1e-6);
        at.qkv[(T + 6) * 3 * C + C + 1] = keep, at.qkv[(T + 6) * 3 * C + 2 * C + 4] = keepv;
    }
    CHECK_OK(mlip_attention_backward(dqkv, w, at.qkv, at.att, B, T, C, NH));
    mt_check_grad("attention dqkv (masked)", at.qkv, nqkv, dqkv, at_fwd, NULL, at.out, w, nout,
                  FD_H, FD_TOL, 2000);
    /* without a mask */
    free(at.mask);
    at.mask = NULL;
    at_fwd(NULL);
    CHECK(attention_reference_error() < 1e-5);
    memset(dqkv, 0, sizeof(float) * nqkv);
    CHECK_OK(mlip_attention_backward(dqkv, w, at.qkv, at.att, B, T, C, NH));
    mt_check_grad("attention dqkv", at.qkv, nqkv, dqkv, at_fwd, NULL, at.out, w, nout, FD_H, FD_TOL,
                  2000);
    CHECK_FAILS(mlip_attention_forward(at.out, NULL, at.qkv, NULL, B, T, 10, 3),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_attention_forward(at.out, NULL, at.qkv, NULL, B, 0, C, NH),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_attention_backward(dqkv, w, at.qkv, NULL, B, T, C, NH), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(
        mlip_attention_forward(at.out, NULL, at.qkv, NULL, 0x7fffffff, 0x7fffffff, 0x7ffffff0, 16),
        MLIP_ERR_OVERFLOW);
    free(w);
    free(dqkv);
    free(out2);
    free(at.qkv);
    free(at.out);
    free(at.att);
}

static void test_attention_all_keys_padded(void) {
    float qkv[1 * 2 * 3 * 4], out[1 * 2 * 4];
    uint8_t mask[2] = {0, 0};
    int i;
    mt_fill_uniform(qkv, 24, -1, 1, 3);
    CHECK_OK(mlip_attention_forward(out, NULL, qkv, mask, 1, 2, 4, 2));
    for (i = 0; i < 8; i++) CHECK(out[i] == 0.0f);
}

/* ---- embedding ---- */
static void test_embedding(void) {
    int ids[5] = {3, 0, 3, 6, 1}, V = 7, C = 4, i, c;
    float table[7 * 4], out[5 * 4], dout[5 * 4], dtable[7 * 4] = {0};
    mt_fill_uniform(table, 28, -1, 1, 51);
    mt_fill_uniform(dout, 20, -1, 1, 52);
    CHECK_OK(mlip_embedding_forward(out, ids, table, 5, C, V));
    for (i = 0; i < 5; i++) CHECK(memcmp(out + i * C, table + ids[i] * C, sizeof(float) * C) == 0);
    CHECK_OK(mlip_embedding_backward(dtable, dout, ids, 5, C, V));
    for (c = 0; c < C; c++) {
        CHECK(dtable[3 * C + c] == dout[0 * C + c] + dout[2 * C + c]); /* id 3 used twice */
        CHECK(dtable[0 * C + c] == dout[1 * C + c]);
        CHECK(dtable[2 * C + c] == 0.0f);
    }
    ids[2] = 7;
    CHECK_FAILS(mlip_embedding_forward(out, ids, table, 5, C, V), MLIP_ERR_INVALID_ARG);
    ids[2] = -1;
    CHECK_FAILS(mlip_embedding_backward(dtable, dout, ids, 5, C, V), MLIP_ERR_INVALID_ARG);
}

/* ---- patch embedding ---- */
static struct {
    int B, Cin, H, W, P, D;
    float *img, *patches, *weight, *bias, *out;
} pe;
static void pe_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(mlip_patch_embed_forward(pe.out, pe.patches, pe.img, pe.weight, pe.bias, pe.B, pe.Cin,
                                      pe.H, pe.W, pe.P, pe.D));
}

static void test_patch_embed(void) {
    int B = 2, Cin = 3, H = 8, W = 12, P = 4, D = 5, GW = W / P, K = (H / P) * GW,
        CPP = Cin * P * P;
    int b, k, d, c, py, px;
    size_t nimg = (size_t)B * Cin * H * W, nout = (size_t)B * K * D;
    float *w = mt_alloc(nout), *dimg = mt_alloc(nimg), *dW = mt_alloc((size_t)D * CPP),
          *db = mt_alloc(D);
    double worst = 0;
    pe.B = B;
    pe.Cin = Cin;
    pe.H = H;
    pe.W = W;
    pe.P = P;
    pe.D = D;
    pe.img = mt_alloc(nimg);
    pe.patches = mt_alloc((size_t)B * K * CPP);
    pe.weight = mt_alloc((size_t)D * CPP);
    pe.bias = mt_alloc(D);
    pe.out = mt_alloc(nout);
    mt_fill_uniform(pe.img, nimg, 0, 1, 61);
    mt_fill_uniform(pe.weight, (size_t)D * CPP, -1, 1, 62);
    mt_fill_uniform(pe.bias, D, -1, 1, 63);
    mt_fill_uniform(w, nout, -1, 1, 64);
    pe_fwd(NULL);
    /* a direct strided convolution, as Conv2d(kernel = stride = P) defines it */
    for (b = 0; b < B; b++)
        for (k = 0; k < K; k++)
            for (d = 0; d < D; d++) {
                double y = pe.bias[d];
                for (c = 0; c < Cin; c++)
                    for (py = 0; py < P; py++)
                        for (px = 0; px < P; px++)
                            y += (double)pe.weight[((d * Cin + c) * P + py) * P + px] *
                                 pe.img[((b * Cin + c) * H + (k / GW) * P + py) * W + (k % GW) * P +
                                        px];
                if (fabs(y - pe.out[(b * K + k) * D + d]) > worst)
                    worst = fabs(y - pe.out[(b * K + k) * D + d]);
            }
    CHECK_MSG(worst < 1e-5, "patch embedding forward off by %g", worst);
    CHECK_OK(mlip_patch_embed_backward(dimg, dW, db, w, pe.patches, pe.weight, B, Cin, H, W, P, D));
    mt_check_grad("patch_embed dweight", pe.weight, (size_t)D * CPP, dW, pe_fwd, NULL, pe.out, w,
                  nout, FD_H, FD_TOL, 1000);
    mt_check_grad("patch_embed dbias", pe.bias, D, db, pe_fwd, NULL, pe.out, w, nout, FD_H, FD_TOL,
                  1000);
    mt_check_grad("patch_embed dimg", pe.img, nimg, dimg, pe_fwd, NULL, pe.out, w, nout, FD_H,
                  FD_TOL, 1000);
    CHECK_FAILS(
        mlip_patch_embed_forward(pe.out, pe.patches, pe.img, pe.weight, NULL, B, Cin, 10, W, P, D),
        MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(
        mlip_patch_embed_forward(pe.out, pe.patches, pe.img, pe.weight, NULL, B, Cin, H, W, 0, D),
        MLIP_ERR_INVALID_ARG);
    free(w);
    free(dimg);
    free(dW);
    free(db);
    free(pe.img);
    free(pe.patches);
    free(pe.weight);
    free(pe.bias);
    free(pe.out);
}

/* ---- residual ---- */
static void test_residual(void) {
    float a[5] = {1, 2, 3, 4, 5}, b[5] = {0.5f, -1, 2, 0, 9}, out[5], da[5] = {0},
          db[5] = {1, 1, 1, 1, 1}, dout[5] = {1, 2, 3, 4, 5};
    int i;
    CHECK_OK(mlip_residual_forward(out, a, b, 5));
    for (i = 0; i < 5; i++) CHECK(out[i] == a[i] + b[i]);
    CHECK_OK(mlip_residual_backward(da, db, dout, 5));
    for (i = 0; i < 5; i++) CHECK(da[i] == dout[i] && db[i] == 1 + dout[i]);
    CHECK_FAILS(mlip_residual_forward(out, a, NULL, 5), MLIP_ERR_INVALID_ARG);
}

/* ---- L2 normalisation ---- */
static struct {
    int rows, C;
    float *x, *out, *norm;
} l2;
static void l2_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(mlip_l2norm_forward(l2.out, l2.norm, l2.x, l2.rows, l2.C, 1e-12f));
}

static void test_l2norm(void) {
    int rows = 4, C = 9, r;
    float *w = mt_alloc((size_t)rows * C), *dx = mt_alloc((size_t)rows * C);
    l2.rows = rows;
    l2.C = C;
    l2.x = mt_alloc((size_t)rows * C);
    l2.out = mt_alloc((size_t)rows * C);
    l2.norm = mt_alloc(rows);
    mt_fill_uniform(l2.x, (size_t)rows * C, -1, 1, 71);
    mt_fill_uniform(w, (size_t)rows * C, -1, 1, 72);
    l2_fwd(NULL);
    for (r = 0; r < rows; r++)
        CHECK(fabs(mlip_dot(l2.out + r * C, l2.out + r * C, C) - 1.0) < 1e-6);
    CHECK_OK(mlip_l2norm_backward(dx, w, l2.out, l2.norm, rows, C));
    mt_check_grad("l2norm dinp", l2.x, (size_t)rows * C, dx, l2_fwd, NULL, l2.out, w,
                  (size_t)rows * C, 1e-3f, FD_TOL, 1000);
    CHECK_FAILS(mlip_l2norm_forward(l2.out, NULL, l2.x, rows, C, 0.0f), MLIP_ERR_INVALID_ARG);
    free(w);
    free(dx);
    free(l2.x);
    free(l2.out);
    free(l2.norm);
}

/* ---- cross-entropy ---- */
static struct {
    int rows, C;
    int *targets;
    float *logits, *losses, *probs;
} ce;
static void ce_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(mlip_cross_entropy_forward(ce.losses, ce.probs, ce.logits, ce.targets, ce.rows, ce.C));
}

static void test_cross_entropy(void) {
    int rows = 5, C = 8, targets[5] = {0, 7, 3, -1, 3}, r, i;
    float *w = mt_alloc(rows), *dz = mt_alloc((size_t)rows * C);
    ce.rows = rows;
    ce.C = C;
    ce.targets = targets;
    ce.logits = mt_alloc((size_t)rows * C);
    ce.losses = mt_alloc(rows);
    ce.probs = mt_alloc((size_t)rows * C);
    mt_fill_uniform(ce.logits, (size_t)rows * C, -3, 3, 81);
    mt_fill_uniform(w, rows, 0.5f, 1.5f, 82);
    ce_fwd(NULL);
    for (r = 0; r < rows; r++) {
        double s = 0;
        for (i = 0; i < C; i++) s += exp((double)ce.logits[r * C + i]);
        if (targets[r] < 0)
            CHECK(ce.losses[r] == 0.0f); /* ignored row */
        else
            CHECK(fabs(log(s) - ce.logits[r * C + targets[r]] - ce.losses[r]) < 1e-5);
    }
    CHECK_OK(mlip_cross_entropy_backward(dz, w, ce.probs, targets, rows, C));
    for (i = 0; i < C; i++) CHECK(dz[3 * C + i] == 0.0f);
    mt_check_grad("cross_entropy dlogits", ce.logits, (size_t)rows * C, dz, ce_fwd, NULL, ce.losses,
                  w, rows, FD_H, FD_TOL, 1000);
    /* a confident wrong answer: the loss is large and finite, not inf */
    ce.logits[0] = -200.0f;
    ce.logits[1] = 200.0f;
    ce_fwd(NULL);
    CHECK(fabs(ce.losses[0] - 400.0f) < 1e-2);
    targets[1] = 8;
    CHECK_FAILS(mlip_cross_entropy_forward(ce.losses, ce.probs, ce.logits, targets, rows, C),
                MLIP_ERR_INVALID_ARG);
    free(w);
    free(dz);
    free(ce.logits);
    free(ce.losses);
    free(ce.probs);
}

/* ---- span mean pooling ---- */
static struct {
    int n, rows, C;
    const int *begin, *end;
    float *x, *out;
} sp;
static void sp_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(mlip_span_mean_forward(sp.out, sp.x, sp.begin, sp.end, sp.n, sp.rows, sp.C));
}

static void test_span_mean(void) {
    static const int begin[3] = {1, 4, 0}, end[3] = {4, 5, 6};
    int C = 3, rows = 6, c;
    float *w = mt_alloc(3 * C), *dx = mt_alloc((size_t)rows * C);
    sp.n = 3;
    sp.rows = rows;
    sp.C = C;
    sp.begin = begin;
    sp.end = end;
    sp.x = mt_alloc((size_t)rows * C);
    sp.out = mt_alloc(3 * C);
    mt_fill_uniform(sp.x, (size_t)rows * C, -1, 1, 91);
    mt_fill_uniform(w, 3 * C, -1, 1, 92);
    sp_fwd(NULL);
    for (c = 0; c < C; c++) {
        CHECK(fabs(sp.out[c] - (sp.x[1 * C + c] + sp.x[2 * C + c] + sp.x[3 * C + c]) / 3) < 1e-6);
        CHECK(sp.out[C + c] == sp.x[4 * C + c]);
    }
    CHECK_OK(mlip_span_mean_backward(dx, w, begin, end, 3, rows, C));
    mt_check_grad("span_mean dinp", sp.x, (size_t)rows * C, dx, sp_fwd, NULL, sp.out, w, 3 * C,
                  FD_H, FD_TOL, 1000);
    {
        int b2[1] = {3}, e2[1] = {3}, e3[1] = {7};
        CHECK_FAILS(mlip_span_mean_forward(sp.out, sp.x, b2, e2, 1, rows, C), MLIP_ERR_INVALID_ARG);
        CHECK_FAILS(mlip_span_mean_forward(sp.out, sp.x, b2, e3, 1, rows, C), MLIP_ERR_INVALID_ARG);
    }
    free(w);
    free(dx);
    free(sp.x);
    free(sp.out);
}

/* The library's own exp and erf (no libm call per element) against libm in double. */
static void test_fast_exp_erf(void) {
    double worst_exp = 0, worst_erf = 0;
    int i;
    for (i = -870000; i <= 880000; i += 7) {
        float x = (float)i * 1e-4f;
        double ref = exp((double)x), got = mlip__expf(x);
        double rel = fabs(got - ref) / ref;
        if (rel > worst_exp) worst_exp = rel;
    }
    for (i = -60000; i <= 60000; i += 3) {
        float x = (float)i * 1e-4f;
        double err = fabs(mlip__erff(x) - erf((double)x));
        if (err > worst_erf) worst_erf = err;
    }
    CHECK_MSG(worst_exp < 4e-7, "exp: worst relative error %.3g", worst_exp);
    CHECK_MSG(worst_erf < 2.5e-7, "erf: worst absolute error %.3g", worst_erf);
    CHECK(mlip__expf(-100.0f) == 0.0f && mlip__expf(0.0f) == 1.0f);
}

/* exp's top bound: MLIP__EXPF_MAX is the largest float x whose e^x is below FLT_MAX; up to it
   the result tracks libm, past it (any finite x) it stays at e^MLIP__EXPF_MAX, finite. */
static void test_fast_exp_bounds(void) {
    const float big[] = {89.0f, 100.0f, 1e6f, 1e30f, FLT_MAX};
    float x, top = mlip__expf(MLIP__EXPF_MAX);
    double worst = 0;
    int i;
    CHECK(exp((double)MLIP__EXPF_MAX) < FLT_MAX);
    CHECK(exp((double)nextafterf(MLIP__EXPF_MAX, INFINITY)) > FLT_MAX);
    for (x = 88.0f; x <= MLIP__EXPF_MAX; x = nextafterf(x, INFINITY)) {
        double ref = exp((double)x), rel = fabs(mlip__expf(x) - ref) / ref;
        if (rel > worst) worst = rel;
    }
    CHECK_MSG(worst < 4e-7, "exp on [88, %.9g]: worst relative error %.3g", (double)MLIP__EXPF_MAX,
              worst);
    CHECK(isfinite(top) && fabs(top - exp((double)MLIP__EXPF_MAX)) < 4e-7 * top);
    CHECK(mlip__expf(nextafterf(MLIP__EXPF_MAX, INFINITY)) == top);
    for (i = 0; i < (int)(sizeof big / sizeof big[0]); i++) {
        CHECK_MSG(mlip__expf(big[i]) == top, "exp(%g) = %g, not the saturation value %g",
                  (double)big[i], (double)mlip__expf(big[i]), (double)top);
        CHECK(mlip__expf(-big[i]) == 0.0f);
    }
}

static void test_find_nonfinite(void) {
    float x[4] = {1, 2, 3, 4};
    CHECK(mlip_find_nonfinite(x, 4) == -1);
    x[2] = INFINITY;
    CHECK(mlip_find_nonfinite(x, 4) == 2);
    x[2] = 0;
    x[1] = NAN;
    CHECK(mlip_find_nonfinite(x, 4) == 1);
}

static const mt_case kernel_tests[] = {
    {"linear", test_linear},
    {"layernorm", test_layernorm},
    {"gelu", test_gelu},
    {"softmax", test_softmax},
    {"attention", test_attention},
    {"attention_all_keys_padded", test_attention_all_keys_padded},
    {"embedding", test_embedding},
    {"patch_embed", test_patch_embed},
    {"residual", test_residual},
    {"l2norm", test_l2norm},
    {"cross_entropy", test_cross_entropy},
    {"span_mean", test_span_mean},
    {"fast_exp_erf", test_fast_exp_erf},
    {"fast_exp_bounds", test_fast_exp_bounds},
    {"find_nonfinite", test_find_nonfinite},
    {NULL, NULL}};
