/* Section 11, Downstream: metrics against hand-checkable cases and against brute-force
   references (tests/data/downstream.fx, written by tools/downstream_fixture.py with numpy and
   torch), the linear probe and the segmentation head against torch L-BFGS solutions of the
   same objectives, bilinear upsampling and its adjoint against torch F.interpolate, a head that
   must learn a synthetic mask, the explanation-map renderer, zero-shot scores, and the
   embedding helpers against direct encoder + head calls on a tiny random model. */

#define DS_FIXTURE "tests/data/downstream.fx"

static int ds_load(fx_file *fx) {
    int ok = fx_load(DS_FIXTURE, fx);
    CHECK_MSG(ok, "cannot read %s (regenerate: /usr/bin/python3 tools/downstream_fixture.py)",
              DS_FIXTURE);
    return ok;
}

/* ---- metrics ---- */

static void test_ds_auroc_hand(void) {
    static const float s_tie[6] = {0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f};
    static const float s_up[6] = {0.1f, 0.2f, 0.3f, 0.6f, 0.7f, 0.9f};
    static const int8_t y[6] = {0, 0, 0, 1, 1, 1};
    static const int8_t y_rev[6] = {1, 1, 1, 0, 0, 0};
    static const int8_t y_mix[6] = {0, 1, 0, 1, -1, 1}; /* AUROC of the 5 labelled: 5 of 6 pairs */
    static const int8_t y_one[6] = {1, 1, 1, 1, -1, 1}, y_bad[6] = {0, 1, 2, 0, 1, 0};
    static const float s_half[4] = {0.5f, 0.5f, 0.2f, 0.9f};
    static const int8_t y_half[4] = {1, 0, 0, 1}; /* 0.9 > all; 0.5 = 0.5 (half), > 0.2: 3.5 / 4 */
    float s_nan[6] = {0.1f, 0.2f, 0.3f, 0.6f, 0.7f, 0.9f};
    double a = -1;
    CHECK_OK(mlip_auroc(s_tie, y, 6, &a));
    CHECK(a == 0.5);
    CHECK_OK(mlip_auroc(s_up, y, 6, &a));
    CHECK(a == 1.0);
    CHECK_OK(mlip_auroc(s_up, y_rev, 6, &a));
    CHECK(a == 0.0);
    CHECK_OK(mlip_auroc(s_up, y_mix, 6, &a));
    CHECK_MSG(fabs(a - 5.0 / 6.0) < 1e-15, "auroc %g", a);
    CHECK_OK(mlip_auroc(s_half, y_half, 4, &a));
    CHECK(a == 0.875);
    CHECK_FAILS(mlip_auroc(s_up, y_one, 6, &a), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_auroc(s_up, y_bad, 6, &a), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_auroc(s_up, y, 0, &a), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_auroc(NULL, y, 6, &a), MLIP_ERR_INVALID_ARG);
    s_nan[2] = NAN;
    CHECK_FAILS(mlip_auroc(s_nan, y, 6, &a), MLIP_ERR_NUMERIC);
    s_nan[2] = 0.3f, s_nan[4] = NAN; /* an unlabelled NaN is left out with its sample */
    CHECK_OK(mlip_auroc(s_nan, y_mix, 6, &a));
}

static void test_ds_average_precision_hand(void) {
    static const float s[4] = {0.9f, 0.8f, 0.7f, 0.6f};
    static const int8_t y[4] = {1, 0, 1, 0}, y_perfect[4] = {1, 1, 0, 0}, y_none[4] = {0, 0, 0, 0};
    static const float s_tie[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    double ap = -1;
    /* thresholds 0.9: P 1, R 1/2; 0.8: R unchanged; 0.7: P 2/3, R 1 -> 1/2 + 1/2 * 2/3 */
    CHECK_OK(mlip_average_precision(s, y, 4, &ap));
    CHECK_MSG(fabs(ap - (0.5 + 1.0 / 3.0)) < 1e-15, "ap %g", ap);
    CHECK_OK(mlip_average_precision(s, y_perfect, 4, &ap));
    CHECK(ap == 1.0);
    CHECK_OK(mlip_average_precision(s_tie, y, 4, &ap)); /* one threshold: the prevalence */
    CHECK(ap == 0.5);
    CHECK_FAILS(mlip_average_precision(s, y_none, 4, &ap), MLIP_ERR_INVALID_ARG);
}

static void test_ds_dice(void) {
    static const float pred[4] = {0.9f, 0.6f, 0.2f, 0.0f}, truth[4] = {1, 0, 1, 0};
    static const float zero[4] = {0, 0, 0, 0};
    double d = -1;
    CHECK_OK(mlip_dice(pred, truth, 4, 0.5f, &d));
    CHECK(d == 0.5);
    CHECK_OK(mlip_dice(pred, pred, 4, 0.5f, &d)); /* truth >= 0.5: {1, 1, 0, 0} = pred */
    CHECK(d == 1.0);
    CHECK_OK(mlip_dice(zero, zero, 4, 0.5f, &d)); /* both empty: 1 by convention */
    CHECK(d == 1.0);
    CHECK_OK(mlip_dice(zero, truth, 4, 0.5f, &d));
    CHECK(d == 0.0);
    CHECK_OK(mlip_dice(pred, truth, 4, 0.95f, &d)); /* threshold above every prediction */
    CHECK(d == 0.0);
    CHECK_OK(mlip_dice(pred, truth, 4, 0.6f, &d)); /* pred >= threshold counts */
    CHECK(d == 0.5);
    CHECK_FAILS(mlip_dice(NULL, truth, 4, 0.5f, &d), MLIP_ERR_INVALID_ARG);
}

static void test_ds_metrics_fixture(void) {
    fx_file fx;
    int c;
    if (!ds_load(&fx)) return;
    for (c = 0; c < 3; c++) {
        char name[64];
        fx_entry *e;
        const int *yi;
        int8_t *y;
        int i, n;
        double a = -1, ap = -1;
        snprintf(name, sizeof name, "auc%d.scores", c);
        e = fx_get(&fx, name);
        CHECK(e != NULL);
        if (!e) break;
        n = (int)e->count;
        snprintf(name, sizeof name, "auc%d.labels", c);
        yi = fx_i32(&fx, name);
        if (!yi) break;
        y = (int8_t *)malloc((size_t)n);
        for (i = 0; i < n; i++) y[i] = (int8_t)yi[i];
        CHECK_OK(mlip_auroc((const float *)e->data, y, n, &a));
        CHECK_OK(mlip_average_precision((const float *)e->data, y, n, &ap));
        snprintf(name, sizeof name, "auc%d.auroc", c);
        CHECK_MSG(fabs(a - fx_float(&fx, name)) < 1e-6, "case %d: auroc %.9f, pair counting %.9f",
                  c, a, fx_float(&fx, name));
        snprintf(name, sizeof name, "auc%d.ap", c);
        CHECK_MSG(fabs(ap - fx_float(&fx, name)) < 1e-6, "case %d: AP %.9f, reference %.9f", c, ap,
                  fx_float(&fx, name));
        free(y);
    }
    fx_free(&fx);
}

/* ---- linear probe ---- */

/* max |gradient| of the penalised objective at the fitted model, in double: the optimality
   condition, checked without trusting the solver */
static double ds_logreg_grad(const mlip_logreg *m, const float *X, const int8_t *y, int n,
                             float l2) {
    int i, j, d = m->d;
    double *g = (double *)calloc((size_t)d + 1, sizeof(double)), worst = 0;
    for (i = 0; i < n; i++) {
        double z = m->bias, r;
        for (j = 0; j < d; j++) z += (double)m->weight[j] * X[(size_t)i * d + j];
        r = (1.0 / (1.0 + exp(-z)) - y[i]) / n;
        for (j = 0; j < d; j++) g[j] += r * X[(size_t)i * d + j];
        g[d] += r;
    }
    for (j = 0; j <= d; j++) {
        double gj = g[j] + (j < d ? l2 * (double)m->weight[j] : 0);
        if (fabs(gj) > worst) worst = fabs(gj);
    }
    free(g);
    return worst;
}

static void test_ds_logreg_fixture(void) {
    fx_file fx;
    fx_entry *e, *et;
    mlip_logreg m;
    const int *yi;
    int8_t *y;
    float *p, l2;
    int n, d, i;
    double rel;
    if (!ds_load(&fx)) return;
    e = fx_get(&fx, "logreg.X");
    et = fx_get(&fx, "logreg.Xtest");
    yi = fx_i32(&fx, "logreg.y");
    CHECK(e && et && yi && e->ndim == 2);
    if (!e || !et || !yi) {
        fx_free(&fx);
        return;
    }
    n = e->dims[0];
    d = e->dims[1];
    l2 = fx_float(&fx, "logreg.l2");
    y = (int8_t *)malloc((size_t)n);
    for (i = 0; i < n; i++) y[i] = (int8_t)yi[i];
    CHECK_OK(mlip_logreg_fit((const float *)e->data, y, n, d, l2, &m));
    CHECK(m.d == d && m.converged == 1 && m.iterations > 0 && m.iterations < 30);
    rel = mt_max_rel_diff(m.weight, fx_f32(&fx, "logreg.weight"), (size_t)d);
    CHECK_MSG(rel < 1e-4, "weights differ from torch L-BFGS by %.3g (relative)", rel);
    CHECK_MSG(fabs(m.bias - fx_float(&fx, "logreg.bias")) <
                  1e-4 * (1 + fabs(fx_float(&fx, "logreg.bias"))),
              "bias %.7f, reference %.7f", m.bias, fx_float(&fx, "logreg.bias"));
    CHECK_MSG(fabs(m.loss - fx_float(&fx, "logreg.loss")) < 1e-6, "loss %.9f, reference %.9f",
              m.loss, fx_float(&fx, "logreg.loss"));
    CHECK_MSG(ds_logreg_grad(&m, (const float *)e->data, y, n, l2) < 1e-6,
              "gradient at the solution not ~0");
    p = mt_alloc((size_t)et->dims[0]);
    CHECK_OK(mlip_logreg_predict(&m, (const float *)et->data, et->dims[0], p));
    rel = mt_max_rel_diff(p, fx_f32(&fx, "logreg.ptest"), (size_t)et->dims[0]);
    CHECK_MSG(rel < 1e-4, "test probabilities differ by %.3g", rel);
    free(p);
    free(y);
    mlip_logreg_free(&m);
    CHECK(m.weight == NULL);
    fx_free(&fx);
}

static void test_ds_logreg_properties(void) {
    enum { N = 300, D = 96 };
    float *X = mt_alloc((size_t)N * D), *w = mt_alloc(D), *p = mt_alloc(N);
    int8_t y[N], y_sep[4] = {0, 0, 1, 1}, y_bad[4] = {0, 1, 1, 3};
    static const float x_sep[4] = {-2, -1, 1, 2};
    mlip_logreg a, b, c;
    mlip_rng rng;
    int i, correct = 0;
    double auc = 0;
    mt_fill_uniform(X, (size_t)N * D, -1, 1, 31);
    mt_fill_uniform(w, D, -1, 1, 32);
    mlip_rng_seed(&rng, 33, 1);
    for (i = 0; i < N; i++) {
        double z = mlip_dot(X + (size_t)i * D, w, D);
        y[i] = (int8_t)(mlip_rng_uniform(&rng) < 1 / (1 + exp(-2 * z)));
    }
    /* deterministic, and independent of the thread count up to GEMM rounding */
    mt_set_threads(1);
    CHECK_OK(mlip_logreg_fit(X, y, N, D, 1e-3f, &a));
    CHECK_OK(mlip_logreg_fit(X, y, N, D, 1e-3f, &b));
    mt_set_threads(2);
    CHECK_OK(mlip_logreg_fit(X, y, N, D, 1e-3f, &c));
    CHECK(a.converged == 1 && a.d == D);
    CHECK(a.weight && b.weight && !memcmp(a.weight, b.weight, D * sizeof(float)) &&
          a.bias == b.bias);
    CHECK(c.weight && mt_max_rel_diff(c.weight, a.weight, D) < 1e-5);
    CHECK_MSG(ds_logreg_grad(&a, X, y, N, 1e-3f) < 1e-6, "gradient at the solution not ~0");
    CHECK_OK(mlip_logreg_predict(&a, X, N, p));
    for (i = 0; i < N; i++) correct += (p[i] >= 0.5f) == y[i];
    CHECK_OK(mlip_auroc(p, y, N, &auc));
    CHECK_MSG(correct > N * 0.7 && auc > 0.8, "training accuracy %d / %d, AUROC %.3f", correct, N,
              auc);
    mlip_logreg_free(&a);
    mlip_logreg_free(&b);
    mlip_logreg_free(&c);
    /* separable without a penalty: no minimiser; the fit stops with large, finite weights */
    CHECK_OK(mlip_logreg_fit(x_sep, y_sep, 4, 1, 0.0f, &a));
    CHECK(a.weight && a.weight[0] > 5 && isfinite(a.weight[0]) && a.loss < 1e-6);
    mlip_logreg_free(&a);
    /* with a penalty the same data have an answer */
    CHECK_OK(mlip_logreg_fit(x_sep, y_sep, 4, 1, 0.1f, &a));
    CHECK(a.converged == 1 && a.weight && a.weight[0] > 0);
    CHECK_MSG(ds_logreg_grad(&a, x_sep, y_sep, 4, 0.1f) < 1e-7, "gradient at the solution not ~0");
    mlip_logreg_free(&a);
    /* a constant (collinear with the bias) feature and l2 = 0: a singular Hessian, still solved */
    for (i = 0; i < N; i++) X[(size_t)i * 2] = 1.0f, X[(size_t)i * 2 + 1] = X[(size_t)i * D + 5];
    CHECK_OK(mlip_logreg_fit(X, y, N, 2, 0.0f, &a));
    CHECK_MSG(a.converged == 1, "conv %d it %d w %g %g b %g loss %.17g", a.converged, a.iterations,
              a.weight[0], a.weight[1], a.bias, a.loss);
    mlip_logreg_free(&a);
    CHECK_FAILS(mlip_logreg_fit(x_sep, y_bad, 4, 1, 0.1f, &a), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_logreg_fit(x_sep, y_sep, 4, 1, -1.0f, &a), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_logreg_fit(x_sep, y_sep, 4, 0, 0.1f, &a), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_logreg_fit(NULL, y_sep, 4, 1, 0.1f, &a), MLIP_ERR_INVALID_ARG);
    X[3] = NAN;
    CHECK_FAILS(mlip_logreg_fit(X, y, N, D, 0.1f, &a), MLIP_ERR_NUMERIC);
    CHECK(a.weight == NULL);
    mlip_logreg_free(NULL);
    free(X);
    free(w);
    free(p);
}

/* ---- bilinear upsampling ---- */

static void test_ds_upsample_fixture(void) {
    fx_file fx;
    int c;
    if (!ds_load(&fx)) return;
    for (c = 0; c < 5; c++) {
        char name[64];
        const int *s;
        float *out, *din;
        double rel;
        snprintf(name, sizeof name, "up%d.shape", c);
        s = fx_i32(&fx, name);
        if (!s) break;
        out = mt_alloc((size_t)s[2] * s[3]);
        din = mt_alloc((size_t)s[0] * s[1]);
        snprintf(name, sizeof name, "up%d.in", c);
        CHECK_OK(mlip_upsample_bilinear(fx_f32(&fx, name), s[0], s[1], out, s[2], s[3]));
        snprintf(name, sizeof name, "up%d.out", c);
        rel = mt_max_rel_diff(out, fx_f32(&fx, name), (size_t)s[2] * s[3]);
        CHECK_MSG(rel < 1e-6, "%d x %d -> %d x %d: differs from F.interpolate by %.3g", s[0], s[1],
                  s[2], s[3], rel);
        snprintf(name, sizeof name, "up%d.dout", c);
        CHECK_OK(mlip_upsample_bilinear_backward(din, fx_f32(&fx, name), s[0], s[1], s[2], s[3]));
        snprintf(name, sizeof name, "up%d.din", c);
        rel = mt_max_rel_diff(din, fx_f32(&fx, name), (size_t)s[0] * s[1]);
        CHECK_MSG(rel < 1e-6, "%d x %d -> %d x %d: adjoint differs from autograd by %.3g", s[0],
                  s[1], s[2], s[3], rel);
        free(out);
        free(din);
    }
    fx_free(&fx);
}

static void test_ds_upsample_properties(void) {
    enum { GH = 5, GW = 7, H = 33, W = 20 };
    float in[GH * GW], y[H * W], out[H * W], back[GH * GW], ones[GH * GW];
    double lhs, rhs;
    int i;
    mt_fill_uniform(in, GH * GW, -1, 1, 41);
    mt_fill_uniform(y, H * W, -1, 1, 42);
    CHECK_OK(mlip_upsample_bilinear(in, GH, GW, out, H, W));
    memset(back, 0, sizeof back);
    CHECK_OK(mlip_upsample_bilinear_backward(back, y, GH, GW, H, W));
    lhs = mlip_dot(out, y, H * W), rhs = mlip_dot(in, back, GH * GW); /* <U x, y> = <x, U^T y> */
    CHECK_MSG(fabs(lhs - rhs) < 1e-5 * (1 + fabs(lhs)), "adjoint identity %.9g vs %.9g", lhs, rhs);
    memcpy(ones, back, sizeof back); /* the adjoint accumulates */
    CHECK_OK(mlip_upsample_bilinear_backward(back, y, GH, GW, H, W));
    for (i = 0; i < GH * GW; i++) CHECK(back[i] == 2 * ones[i]);
    mlip_fill(ones, GH * GW, 1.0f); /* weights sum to 1: a constant stays constant */
    CHECK_OK(mlip_upsample_bilinear(ones, GH, GW, out, H, W));
    for (i = 0; i < H * W; i++) CHECK(fabsf(out[i] - 1.0f) < 1e-6f);
    CHECK_OK(mlip_upsample_bilinear(in, GH, GW, out, GH, GW)); /* same size: identity */
    CHECK(mt_max_rel_diff(out, in, GH * GW) < 1e-7);
    CHECK_FAILS(mlip_upsample_bilinear(in, 0, GW, out, H, W), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_upsample_bilinear(NULL, GH, GW, out, H, W), MLIP_ERR_INVALID_ARG);
}

/* ---- segmentation head ---- */

static void test_ds_seghead_fixture(void) {
    fx_file fx;
    const int *s;
    mlip_logreg head;
    float *prob;
    double rel;
    if (!ds_load(&fx)) return;
    s = fx_i32(&fx, "seg.shape"); /* n_img, gh, gw, D, H, W */
    if (!s) {
        fx_free(&fx);
        return;
    }
    CHECK_OK(mlip_seghead_fit(fx_f32(&fx, "seg.features"), fx_f32(&fx, "seg.masks"), s[0], s[1],
                              s[2], s[3], s[4], s[5], fx_float(&fx, "seg.l2"), &head));
    CHECK(head.converged == 1 && head.d == s[3]);
    rel = mt_max_rel_diff(head.weight, fx_f32(&fx, "seg.weight"), (size_t)s[3]);
    CHECK_MSG(rel < 1e-4, "head weights differ from torch L-BFGS through F.interpolate by %.3g",
              rel);
    CHECK_MSG(fabs(head.bias - fx_float(&fx, "seg.bias")) <
                  1e-4 * (1 + fabs(fx_float(&fx, "seg.bias"))),
              "bias %.7f vs %.7f", head.bias, fx_float(&fx, "seg.bias"));
    CHECK_MSG(fabs(head.loss - fx_float(&fx, "seg.loss")) < 1e-6, "loss %.9f vs %.9f", head.loss,
              fx_float(&fx, "seg.loss"));
    prob = mt_alloc((size_t)s[4] * s[5]);
    CHECK_OK(
        mlip_seghead_predict(&head, fx_f32(&fx, "seg.features"), s[1], s[2], s[4], s[5], prob));
    rel = mt_max_rel_diff(prob, fx_f32(&fx, "seg.prob0"), (size_t)s[4] * s[5]);
    CHECK_MSG(rel < 1e-4, "predicted probabilities differ by %.3g", rel);
    free(prob);
    mlip_logreg_free(&head);
    fx_free(&fx);
}

/* A synthetic task the head can learn: 8 x 8 patches of 16 noisy features, one of which
   says how much of the patch a disc covers; masks are the discs at 64 x 64 pixels. Fit on
   three images, predict the fourth. */
static void test_ds_seghead_learns(void) {
    enum { NI = 4, G = 8, D = 16, S = 64, K = G * G };
    float *feat = mt_alloc((size_t)NI * K * D), *mask = mt_alloc((size_t)NI * S * S),
          *prob = mt_alloc(S * S);
    static const float cx[NI] = {20, 40, 30, 36}, cy[NI] = {24, 30, 40, 28},
                       r[NI] = {12, 15, 10, 14};
    mlip_logreg head;
    double dice = 0;
    int i, k, x, y;
    mt_fill_uniform(feat, (size_t)NI * K * D, -0.5f, 0.5f, 51);
    for (i = 0; i < NI; i++) {
        for (y = 0; y < S; y++)
            for (x = 0; x < S; x++) {
                float dx = x + 0.5f - cx[i], dy = y + 0.5f - cy[i];
                mask[((size_t)i * S + y) * S + x] = dx * dx + dy * dy <= r[i] * r[i] ? 1.0f : 0.0f;
            }
        for (k = 0; k < K; k++) { /* feature 3: the disc's cover of the patch, scaled, plus noise */
            float cover = 0;
            int px = (k % G) * (S / G), py = (k / G) * (S / G);
            for (y = 0; y < S / G; y++)
                for (x = 0; x < S / G; x++) cover += mask[((size_t)i * S + py + y) * S + px + x];
            feat[((size_t)i * K + k) * D + 3] += 4.0f * cover / (float)(S / G * S / G);
        }
    }
    CHECK_OK(mlip_seghead_fit(feat, mask, NI - 1, G, G, D, S, S, 1e-4f, &head));
    CHECK(head.converged == 1);
    CHECK_OK(mlip_seghead_predict(&head, feat + (size_t)(NI - 1) * K * D, G, G, S, S, prob));
    CHECK_OK(mlip_dice(prob, mask + (size_t)(NI - 1) * S * S, S * S, 0.5f, &dice));
    CHECK_MSG(dice > 0.9, "held-out Dice %.3f", dice);
    mask[5] = 2.0f;
    CHECK_FAILS(mlip_seghead_fit(feat, mask, NI - 1, G, G, D, S, S, 1e-4f, &head),
                MLIP_ERR_INVALID_ARG);
    mlip_logreg_free(&head);
    free(feat);
    free(mask);
    free(prob);
}

/* ---- explanation maps ---- */

static void test_ds_colormap(void) {
    float prev = -1, rgb[3], lo[3], hi[3];
    int i;
    for (i = 0; i <= 256; i++) { /* lightness rises all the way, every channel in [0, 1] */
        float luma;
        mlip_colormap(i / 256.0f, rgb);
        luma = 0.2126f * rgb[0] + 0.7152f * rgb[1] + 0.0722f * rgb[2];
        CHECK_MSG(luma > prev, "luma falls at %d / 256", i);
        CHECK(rgb[0] >= 0 && rgb[0] <= 1 && rgb[1] >= 0 && rgb[1] <= 1 && rgb[2] >= 0 &&
              rgb[2] <= 1);
        prev = luma;
    }
    mlip_colormap(-3, lo);
    mlip_colormap(0, rgb);
    CHECK(!memcmp(lo, rgb, sizeof rgb));
    mlip_colormap(7, hi);
    mlip_colormap(1, rgb);
    CHECK(!memcmp(hi, rgb, sizeof rgb));
    mlip_colormap(NAN, rgb);
    CHECK(!memcmp(lo, rgb, sizeof rgb));
}

static void test_ds_heatmap_overlay(void) {
    enum { H = 32, W = 24, GH = 4, GW = 3 };
    float gray[H * W], heat[GH * GW], rgb[3 * H * W], col[3];
    int i, best = 0;
    mt_fill_uniform(gray, H * W, 0, 1, 61);
    for (i = 0; i < GH * GW; i++) heat[i] = -5.0f + (float)i; /* any range; max at the last patch */
    CHECK_OK(mlip_heatmap_overlay(gray, heat, H, W, GH, GW, 0.0f, rgb)); /* alpha 0: the image */
    for (i = 0; i < H * W; i++)
        CHECK(rgb[i] == gray[i] && rgb[H * W + i] == gray[i] && rgb[2 * H * W + i] == gray[i]);
    CHECK_OK(mlip_heatmap_overlay(gray, heat, H, W, GH, GW, 1.0f,
                                  rgb)); /* alpha 1: at the max, the top colour */
    mlip_colormap(1, col);
    for (i = 0; i < H * W; i++)
        if (rgb[i] + rgb[H * W + i] > rgb[best] + rgb[H * W + best]) best = i;
    CHECK_MSG(best / W >= H - H / GH && best % W >= W - W / GW,
              "brightest pixel %d,%d not in the hottest patch", best % W, best / W);
    CHECK(fabsf(rgb[H * W - 1] - col[0]) < 1e-6f && fabsf(rgb[2 * H * W - 1] - col[1]) < 1e-6f);
    for (i = 0; i < 3 * H * W; i++) CHECK(rgb[i] >= 0 && rgb[i] <= 1);
    mlip_fill(heat, GH * GW, 3.0f); /* constant: nothing highlighted, colour 0 at a quarter alpha */
    CHECK_OK(mlip_heatmap_overlay(gray, heat, H, W, GH, GW, 1.0f, rgb));
    mlip_colormap(0, col);
    CHECK(fabsf(rgb[7] - (0.75f * gray[7] + 0.25f * col[0])) < 1e-6f);
    heat[2] = INFINITY;
    CHECK_FAILS(mlip_heatmap_overlay(gray, heat, H, W, GH, GW, 0.5f, rgb), MLIP_ERR_NUMERIC);
    CHECK_FAILS(mlip_heatmap_overlay(gray, heat, H, W, GH, GW, 1.5f, rgb), MLIP_ERR_INVALID_ARG);
}

static void test_ds_tile_panels(void) {
    enum { H = 3, W = 4 };
    float panels[3 * 3 * H * W], *out;
    int ow = 0, oh = 0, p, c, y, x;
    for (p = 0; p < 3 * 3 * H * W; p++)
        panels[p] = (float)(p / (3 * H * W)) * 0.25f; /* panel p: value p / 4 */
    CHECK_OK(mlip_tile_panels(panels, 3, H, W, 2, 1, NULL, &ow, &oh));
    CHECK(ow == 2 * W + 1 && oh == 2 * H + 1);
    out = mt_alloc((size_t)3 * ow * oh);
    CHECK_OK(mlip_tile_panels(panels, 3, H, W, 2, 1, out, &ow, &oh));
    for (c = 0; c < 3; c++)
        for (y = 0; y < oh; y++)
            for (x = 0; x < ow; x++) {
                float v = out[((size_t)c * oh + y) * ow + x],
                      want = 1.0f; /* gap and empty slot: white */
                if (y < H && x < W)
                    want = 0.0f;
                else if (y < H && x > W)
                    want = 0.25f;
                else if (y > H && x < W)
                    want = 0.5f;
                CHECK_MSG(v == want, "pixel %d,%d channel %d: %g, expected %g", x, y, c, v, want);
            }
    CHECK_OK(mlip_tile_panels(panels, 3, H, W, 0, 2, NULL, &ow, &oh)); /* one row */
    CHECK(ow == 3 * W + 4 && oh == H);
    CHECK_FAILS(mlip_tile_panels(panels, 3, H, W, 2, -1, NULL, &ow, &oh), MLIP_ERR_INVALID_ARG);
    free(out);
}

/* An explanation figure like the explain tool's, from a real radiograph when ../shared has
   one: three panels with hot spots at different places. Written to build/ for a look. */
static void test_ds_heatmap_example(void) {
    enum { S = 256, G = 16, NP = 3 };
    mlip_image im;
    float *gray = mt_alloc(S * S), heat[G * G], *panels = mt_alloc((size_t)NP * 3 * S * S), *tiled;
    static const float hx[NP] = {4.5f, 11.0f, 8.0f}, hy[NP] = {9.0f, 6.0f, 13.0f};
    int p, i, ow = 0, oh = 0;
    if (mlip_image_read_file("../shared/data/cxr/00001.pgm", NULL, &im) == MLIP_OK) {
        CHECK_OK(mlip_image_preprocess(&im, NULL, gray, S, 1));
        mlip_image_free(&im);
    } else {
        for (i = 0; i < S * S; i++) gray[i] = 0.3f + 0.4f * (float)(i % S) / S;
    }
    for (p = 0; p < NP; p++) {
        for (i = 0; i < G * G; i++) {
            float dx = (float)(i % G) - hx[p], dy = (float)(i / G) - hy[p];
            heat[i] = expf(-(dx * dx + dy * dy) / 6.0f) + 0.05f * (float)((i * 7) % 5);
        }
        CHECK_OK(
            mlip_heatmap_overlay(gray, heat, S, S, G, G, 0.6f, panels + (size_t)p * 3 * S * S));
    }
    CHECK_OK(mlip_tile_panels(panels, NP, S, S, 0, 4, NULL, &ow, &oh));
    tiled = mt_alloc((size_t)3 * ow * oh);
    CHECK_OK(mlip_tile_panels(panels, NP, S, S, 0, 4, tiled, &ow, &oh));
    CHECK_OK(mlip_image_write_png("build/heatmap_example.png", tiled, ow, oh, 3));
    free(gray);
    free(panels);
    free(tiled);
}

/* ---- zero-shot ---- */

static void test_ds_zeroshot(void) {
    static const float img[2 * 2] = {1, 0, 0.6f, 0.8f};
    static const float pos[3 * 2] = {1, 0, 0, 1, 0.8f, 0.6f},
                               neg[3 * 2] = {0, 1, 1, 0, -0.8f, -0.6f};
    float prob[2 * 3];
    int b, c;
    CHECK_OK(mlip_zeroshot_scores(img, pos, neg, 2, 3, 2, 10.0f, prob));
    for (b = 0; b < 2; b++)
        for (c = 0; c < 3; c++) {
            double sp = img[2 * b] * pos[2 * c] + img[2 * b + 1] * pos[2 * c + 1];
            double sn = img[2 * b] * neg[2 * c] + img[2 * b + 1] * neg[2 * c + 1];
            double want = exp(10 * sp) / (exp(10 * sp) + exp(10 * sn));
            CHECK_MSG(fabs(prob[b * 3 + c] - want) < 1e-6,
                      "with negatives [%d][%d]: %g, expected %g", b, c, prob[b * 3 + c], want);
        }
    CHECK_OK(mlip_zeroshot_scores(img, pos, NULL, 2, 3, 2, 10.0f, prob));
    for (b = 0; b < 2; b++) {
        double z = 0, e[3];
        for (c = 0; c < 3; c++)
            z += e[c] = exp(10.0 * (img[2 * b] * pos[2 * c] + img[2 * b + 1] * pos[2 * c + 1]));
        for (c = 0; c < 3; c++)
            CHECK_MSG(fabs(prob[b * 3 + c] - e[c] / z) < 1e-6, "softmax [%d][%d]: %g, expected %g",
                      b, c, prob[b * 3 + c], e[c] / z);
    }
    CHECK_FAILS(mlip_zeroshot_scores(img, pos, NULL, 2, 3, 2, 0.0f, prob), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_zeroshot_scores(img, NULL, NULL, 2, 3, 2, 1.0f, prob), MLIP_ERR_INVALID_ARG);
}

static void test_ds_local_topk(void) {
    enum { K = 10, D = 3 };
    float patches[K * D], sentence[D] = {0, 0, 2}, score = 0; /* not unit length: cosine anyway */
    double sims[K], top3;
    int k;
    for (k = 0; k < K; k++) { /* patch k at angle theta_k from the sentence: cosine cos theta_k */
        double t = 0.15 * ((k * 3) % K), len = 1 + 0.5 * k;
        patches[k * D] = (float)(len * sin(t)), patches[k * D + 1] = 0,
                    patches[k * D + 2] = (float)(len * cos(t));
        sims[k] = cos(t);
    }
    CHECK_OK(mlip_local_topk_score(patches, sentence, K, D, 0.0f,
                                   &score)); /* default 0.1 of 10: the best one */
    CHECK(fabs(score - 1.0) < 1e-6);
    top3 = (sims[0] + cos(0.15) + cos(0.30)) / 3; /* the three smallest angles: 0, 0.15, 0.30 */
    CHECK_OK(mlip_local_topk_score(patches, sentence, K, D, 0.3f, &score));
    CHECK_MSG(fabs(score - top3) < 1e-6, "top 30 %%: %g, expected %g", score, top3);
    CHECK_OK(mlip_local_topk_score(patches, sentence, K, D, 0.25f, &score)); /* ceil(2.5) = 3 */
    CHECK(fabs(score - top3) < 1e-6);
    CHECK_OK(mlip_local_topk_score(patches, sentence, K, D, 0.01f, &score)); /* at least one */
    CHECK(fabs(score - 1.0) < 1e-6);
    CHECK_OK(mlip_local_topk_score(patches, sentence, K, D, 1.0f, &score));
    top3 = 0;
    for (k = 0; k < K; k++) top3 += sims[k] / K;
    CHECK(fabs(score - top3) < 1e-6);
    CHECK_FAILS(mlip_local_topk_score(patches, sentence, K, D, 1.5f, &score), MLIP_ERR_INVALID_ARG);
}

/* ---- embeddings on a tiny random model ---- */

static mlip_model *ds_model(mlip_tokenizer **tok) {
    static const char vocab[] =
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nheart\nis\nnormal\nlung\n##s\nare\nclear\n"
        "no\neff\n##usion\n.\nsmall\nleft\nright\npleural\n";
    mlip_model_config c = mlip_model_config_tiny(21);
    mlip_model *m = NULL;
    c.vit.image_size = 16;
    c.vit.patch_size = 4;
    c.vit.width = 16;
    c.vit.layers = 2;
    c.vit.heads = 2;
    c.vit.mlp_dim = 32;
    c.bert.max_positions = 16;
    c.bert.width = 16;
    c.bert.layers = 2;
    c.bert.heads = 2;
    c.bert.mlp_dim = 32;
    c.embed_dim = 8;
    c.image_mean[0] = 0.4f, c.image_std[0] = 0.25f; /* not the defaults, so normalisation shows */
    CHECK_OK(mlip_model_create(&c, &m));
    if (!m) return NULL;
    mlip_model_init_random(m, 71);
    CHECK_OK(mlip_tokenizer_from_memory(vocab, sizeof vocab - 1, 1, tok));
    CHECK_OK(mlip_model_set_vocab(m, *tok));
    return m;
}

static void test_ds_embed_images(void) {
    enum { B = 10, S = 16, K = 16, WD = 16, D = 8 };
    mlip_tokenizer *tok = NULL;
    mlip_model *m = ds_model(&tok);
    float *px = mt_alloc((size_t)B * S * S), *norm = mt_alloc((size_t)B * S * S),
          *out = mt_alloc((size_t)B * (K + 1) * WD);
    float *g = mt_alloc((size_t)B * D), *l = mt_alloc((size_t)B * K * D),
          *g2 = mt_alloc((size_t)B * D), *l2 = mt_alloc((size_t)B * K * D);
    float cls[B * WD], *gw, *gb, *lw, *lb;
    int b, i;
    if (!m) return;
    mt_fill_uniform(px, (size_t)B * S * S, 0, 1, 72);
    CHECK_OK(mlip_model_embed_images(m, px, B, g, l)); /* B = 10: two chunks */
    /* directly: normalise, ViT on every patch, heads */
    for (i = 0; i < B * S * S; i++) norm[i] = (px[i] - 0.4f) / 0.25f;
    CHECK_OK(mlip_vit_forward(mlip_model_vit(m), norm, B, NULL, 0, 0, out));
    for (b = 0; b < B; b++)
        memcpy(cls + b * WD, out + (size_t)b * (K + 1) * WD, WD * sizeof(float));
    gw = mlip_model_tensor(m, "head.global_image.weight", NULL);
    gb = mlip_model_tensor(m, "head.global_image.bias", NULL);
    lw = mlip_model_tensor(m, "head.local_image.weight", NULL);
    lb = mlip_model_tensor(m, "head.local_image.bias", NULL);
    CHECK_OK(mlip_projection_forward(g2, NULL, NULL, cls, gw, gb, B, WD, D));
    for (b = 0; b < B; b++)
        CHECK_OK(mlip_projection_forward(l2 + (size_t)b * K * D, NULL, NULL,
                                         out + ((size_t)b * (K + 1) + 1) * WD, lw, lb, K, WD, D));
    CHECK_MSG(mt_max_rel_diff(g, g2, (size_t)B * D) < 1e-5,
              "global image embeddings differ by %.3g", mt_max_rel_diff(g, g2, (size_t)B * D));
    CHECK_MSG(mt_max_rel_diff(l, l2, (size_t)B * K * D) < 1e-5, "local image embeddings differ");
    for (b = 0; b < B; b++)
        CHECK(fabs(mlip_dot(g + b * D, g + b * D, D) - 1) < 1e-5); /* unit length */
    CHECK_OK(mlip_model_embed_images(m, px, 3, g2, NULL)); /* local not wanted; a shorter batch */
    CHECK(mt_max_rel_diff(g2, g, 3 * D) < 1e-5);
    CHECK_FAILS(mlip_model_embed_images(m, NULL, B, g, l), MLIP_ERR_INVALID_ARG);
    mlip_model_free(m);
    mlip_tokenizer_free(tok);
    free(px);
    free(norm);
    free(out);
    free(g);
    free(l);
    free(g2);
    free(l2);
}

static void test_ds_embed_texts(void) {
    enum { N = 11, T = 12, WD = 16, D = 8 };
    static const char *const texts[N] = {
        "the heart is normal.",
        "no effusion",
        "lungs are clear. the heart is normal.",
        "small left pleural effusion",
        "",
        "right lung is clear",
        "normal",
        "no pleural effusion. lungs are clear. heart is normal. the the the the",
        "clear",
        "left",
        "the lungs are clear"};
    mlip_tokenizer *tok = NULL;
    mlip_model *m = ds_model(&tok);
    int ids[N * T], i, real = 0;
    uint8_t mask[N * T];
    float *out = mt_alloc((size_t)N * T * WD), cls[N * WD], g[N * D], g2[N * D], g3[N * D],
          scale = 0;
    if (!m) return;
    CHECK_OK(mlip_model_embed_texts(m, tok, texts, N, T, g));
    for (i = 0; i < N; i++)
        CHECK_OK(mlip_tokenizer_encode(tok, texts[i], strlen(texts[i]), T, ids + i * T,
                                       mask + i * T, &real));
    CHECK_OK(mlip_bert_forward(mlip_model_bert(m), ids, NULL, mask, N, T, 0, out));
    for (i = 0; i < N; i++) memcpy(cls + i * WD, out + (size_t)i * T * WD, WD * sizeof(float));
    CHECK_OK(mlip_projection_forward(
        g2, NULL, NULL, cls, mlip_model_tensor(m, "head.global_text.weight", NULL),
        mlip_model_tensor(m, "head.global_text.bias", NULL), N, WD, D));
    CHECK_MSG(mt_max_rel_diff(g, g2, N * D) < 1e-5, "text embeddings differ by %.3g",
              mt_max_rel_diff(g, g2, N * D));
    CHECK_OK(mlip_model_embed_texts(m, NULL, texts, N, T, g3)); /* the model's own vocabulary */
    CHECK(mt_max_rel_diff(g3, g, N * D) < 1e-6);
    CHECK_OK(mlip_model_embed_texts(m, tok, texts, N, 0, g3)); /* default: all 16 positions */
    CHECK(mt_max_rel_diff(g3, g, 7 * D) <
          1e-5); /* the texts before the one that 12 positions cut */
    CHECK(mt_max_rel_diff(g3 + 7 * D, g + 7 * D, D) > 1e-6); /* it was cut: the embedding moves */
    CHECK_FAILS(mlip_model_embed_texts(m, tok, texts, N, 1, g3), MLIP_ERR_INVALID_ARG);
    CHECK_OK(mlip_model_logit_scale(m, 0, &scale));
    CHECK(fabsf(scale - 1 / 0.07f) < 1e-3f);
    *mlip_model_tensor(m, "local_logit_scale", NULL) = 9.0f; /* e^9 > 100: clamped */
    CHECK_OK(mlip_model_logit_scale(m, 1, &scale));
    CHECK(scale == 100.0f);
    mlip_model_free(m);
    mlip_tokenizer_free(tok);
    free(out);
}

/* Sentence embeddings: one BERT pass, span means, the local head; and the explanation plan. */
static void test_ds_embed_sentences(void) {
    enum { T = 16, WD = 16, D = 8, K = 16 };
    static const char text[] = "the heart is normal. no pleural effusion; the lungs are clear.";
    mlip_tokenizer *tok = NULL;
    mlip_model *m = ds_model(&tok);
    int ids[T], begin[4], end[4], n = 0, n2 = 0, real = 0, l, k;
    uint8_t mask[T];
    float out[T * WD], mean[4 * WD], local[4 * D], local2[4 * D], glob[D], g2[D], patches[K * D],
        plan[K * 4], z = 0;
    const char *one = text;
    if (!m) return;
    CHECK_OK(mlip_model_embed_sentences(m, tok, text, T, 4, local, glob, &n));
    CHECK(n == 3);
    CHECK_OK(mlip_tokenizer_encode(tok, text, strlen(text), T, ids, mask, &real));
    CHECK_OK(mlip_tokenizer_sentences(tok, text, strlen(text), T, 4, begin, end, &n2));
    CHECK(n2 == n);
    CHECK_OK(mlip_bert_forward(mlip_model_bert(m), ids, NULL, mask, 1, T, 0, out));
    CHECK_OK(mlip_span_mean_forward(mean, out, begin, end, n2, T, WD));
    CHECK_OK(mlip_projection_forward(
        local2, NULL, NULL, mean, mlip_model_tensor(m, "head.local_text.weight", NULL),
        mlip_model_tensor(m, "head.local_text.bias", NULL), n2, WD, D));
    CHECK_MSG(mt_max_rel_diff(local, local2, (size_t)n * D) < 1e-5,
              "sentence embeddings differ by %.3g", mt_max_rel_diff(local, local2, (size_t)n * D));
    CHECK_OK(mlip_model_embed_texts(m, tok, &one, 1, T, g2));
    CHECK(mt_max_rel_diff(glob, g2, D) < 1e-5);
    /* the plan between 16 patches and the 3 sentences: marginals 1/16 and 1/3 */
    mt_fill_uniform(patches, K * D, -1, 1, 73);
    for (k = 0; k < K; k++)
        mlip_l2norm_forward(patches + k * D, NULL, patches + k * D, 1, D, 1e-12f);
    CHECK_OK(mlip_explain_plan(patches, local, K, n, D, NULL, plan, &z));
    for (l = 0; l < n; l++) {
        double col = 0;
        for (k = 0; k < K; k++) col += plan[k * n + l];
        CHECK(fabs(col - 1.0 / n) < 1e-5);
    }
    CHECK(z >= -1.0f && z <= 1.0f);
    mlip_model_free(m);
    mlip_tokenizer_free(tok);
}

static const mt_case downstream_cases[] = {
    {"auroc_hand", test_ds_auroc_hand},
    {"average_precision_hand", test_ds_average_precision_hand},
    {"dice", test_ds_dice},
    {"metrics_fixture", test_ds_metrics_fixture},
    {"logreg_fixture", test_ds_logreg_fixture},
    {"logreg_properties", test_ds_logreg_properties},
    {"upsample_fixture", test_ds_upsample_fixture},
    {"upsample_properties", test_ds_upsample_properties},
    {"seghead_fixture", test_ds_seghead_fixture},
    {"seghead_learns", test_ds_seghead_learns},
    {"colormap", test_ds_colormap},
    {"heatmap_overlay", test_ds_heatmap_overlay},
    {"tile_panels", test_ds_tile_panels},
    {"heatmap_example", test_ds_heatmap_example},
    {"zeroshot", test_ds_zeroshot},
    {"local_topk", test_ds_local_topk},
    {"embed_images", test_ds_embed_images},
    {"embed_texts", test_ds_embed_texts},
    {"embed_sentences", test_ds_embed_sentences},
    {NULL, NULL},
};
