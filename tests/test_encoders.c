/* Section 5, Encoders: parity with the PyTorch twin (tools/mlip_twin.py) through the committed
   fixtures tests/data/{vit,bert}_tiny.fx, forward and every parameter gradient; visible-subset
   and batching invariants; bad arguments. */

#define PARITY_TOL 1e-6 /* normalised error ||a - b|| / ||b|| against the PyTorch fixture */

/* Load the fixture's weights into the encoder by name, checking the tables agree one to one. */
static int load_twin_weights(mlip_encoder *enc, fx_file *fx) {
    int n, i, d, k = 0, ok = 1;
    const mlip_param_info *info = mlip_encoder_params(enc, &n);
    float *w = mlip_encoder_weights(enc, NULL);
    for (i = 0; i < fx->n; i++) {
        const fx_entry *e = &fx->e[i];
        if (strncmp(e->name, "param.", 6)) continue;
        if (k >= n || strcmp(e->name + 6, info[k].name)) {
            CHECK_MSG(0, "twin parameter %d is %s, mlip.h has %s", k, e->name + 6,
                      k < n ? info[k].name : "(none)");
            return 0;
        }
        ok &= e->count == info[k].count && e->ndim == info[k].ndim;
        for (d = 0; d < e->ndim && d < 4; d++) ok &= e->dims[d] == info[k].shape[d];
        CHECK_MSG(ok, "shape of %s differs from the twin's", info[k].name);
        if (!ok) return 0;
        memcpy(w + info[k].offset, e->data, sizeof(float) * e->count);
        k++;
    }
    CHECK_MSG(k == n, "the twin has %d parameters, mlip.h %d", k, n);
    return k == n;
}

/* Compare every parameter gradient with the fixture's `prefix` + name (fx_grad_err). */
static void check_grads(mlip_encoder *enc, fx_file *fx, const char *prefix, const char *what,
                        double tol) {
    int n, i;
    const mlip_param_info *info = mlip_encoder_params(enc, &n);
    const float *g = mlip_encoder_grads(enc);
    double worst = 0, worst_rel = 0, total = 0;
    const char *worst_name = "";
    CHECK(g != NULL);
    if (!g) return;
    for (i = 0; i < n; i++) {
        char name[128];
        const float *ref;
        snprintf(name, sizeof name, "%s%s", prefix, info[i].name);
        if ((ref = fx_f32(fx, name)) != NULL) total += mlip_dot(ref, ref, info[i].count);
    }
    total = sqrt(total);
    for (i = 0; i < n; i++) {
        char name[128];
        const float *ref;
        double rel, err;
        snprintf(name, sizeof name, "%s%s", prefix, info[i].name);
        ref = fx_f32(fx, name);
        if (!ref) continue;
        err = fx_grad_err(g + info[i].offset, ref, info[i].count, total, &rel);
        CHECK_MSG(err <= tol, "%s: gradient of %s off by %.3g (normalised)", what, info[i].name,
                  err);
        if (err > worst) worst = err, worst_name = info[i].name;
        if (rel > worst_rel) worst_rel = rel;
    }
    printf("    %s: %d gradients, worst normalised error %.2g (%s), max relative %.2g\n", what, n,
           worst, worst_name, worst_rel);
}

static void test_vit_parity(void) {
    fx_file fx;
    mlip_vit_config c = mlip_vit_config_tiny(); /* switches at their defaults */
    mlip_encoder *vit = NULL;
    int B = 2, K, n, D;
    float *out, *img, *w;
    double err, rel;
    if (!fx_load("tests/data/vit_tiny.fx", &fx)) {
        CHECK_MSG(0, "cannot read tests/data/vit_tiny.fx (run from the repository root)");
        return;
    }
    c.image_size = fx_int(&fx, "config.image_size");
    c.patch_size = fx_int(&fx, "config.patch_size");
    c.channels = fx_int(&fx, "config.channels");
    c.width = fx_int(&fx, "config.width");
    c.layers = fx_int(&fx, "config.layers");
    c.heads = fx_int(&fx, "config.heads");
    c.mlp_dim = fx_int(&fx, "config.mlp_dim");
    c.ln_eps = fx_float(&fx, "config.ln_eps");
    CHECK_OK(mlip_vit_create(&c, &vit));
    if (!vit || !load_twin_weights(vit, &fx)) goto done;
    K = (c.image_size / c.patch_size) * (c.image_size / c.patch_size);
    D = c.width;
    n = fx_get(&fx, "input.visible")->dims[1];
    img = fx_f32(&fx, "input.img");
    out = mt_alloc((size_t)B * (K + 1) * D);
    /* all patches */
    CHECK_OK(mlip_vit_forward(vit, img, B, NULL, 0, 1, out));
    err = fx_norm_err(out, fx_f32(&fx, "output.full"), (size_t)B * (K + 1) * D, &rel);
    printf("    vit forward (all %d patches): normalised error %.2g, max relative %.2g\n", K, err,
           rel);
    CHECK_MSG(err <= PARITY_TOL, "vit forward off by %.3g", err);
    mlip_encoder_zero_grad(vit);
    CHECK_OK(mlip_vit_backward(vit, fx_f32(&fx, "loss.w_full")));
    check_grads(vit, &fx, "grad_full.", "vit backward (all patches)", PARITY_TOL);
    /* visible subset (masked training) */
    w = fx_f32(&fx, "loss.w_visible");
    CHECK_OK(mlip_vit_forward(vit, img, B, fx_i32(&fx, "input.visible"), n, 1, out));
    err = fx_norm_err(out, fx_f32(&fx, "output.visible"), (size_t)B * (n + 1) * D, &rel);
    printf("    vit forward (%d of %d patches visible): normalised error %.2g, max relative %.2g\n",
           n, K, err, rel);
    CHECK_MSG(err <= PARITY_TOL, "vit visible-subset forward off by %.3g", err);
    mlip_encoder_zero_grad(vit);
    CHECK_OK(mlip_vit_backward(vit, w));
    check_grads(vit, &fx, "grad_visible.", "vit backward (visible subset)", PARITY_TOL);
    /* another image size: 24 x 16 pixels, the 4 x 4 grid's positions resized to 6 x 4 */
    CHECK_FAILS(mlip_vit_set_image_size(vit, 24, 15), MLIP_ERR_INVALID_ARG);
    CHECK_OK(mlip_vit_set_image_size(vit, 24, 16));
    free(out);
    out = mt_alloc((size_t)B * 25 * D);
    CHECK_OK(mlip_vit_forward(vit, fx_f32(&fx, "input.img_24x16"), B, NULL, 0, 1, out));
    err = fx_norm_err(out, fx_f32(&fx, "output.24x16"), (size_t)B * 25 * D, &rel);
    printf(
        "    vit forward at 24x16 (bicubic positions): normalised error %.2g, max relative %.2g\n",
        err, rel);
    CHECK_MSG(err <= PARITY_TOL, "vit forward at another size off by %.3g", err);
    mlip_encoder_zero_grad(vit);
    CHECK_OK(mlip_vit_backward(vit, fx_f32(&fx, "loss.w_24x16")));
    /* at a resized grid the query gradients are worse conditioned in float32: measured 9.8e-7
       with gcc, 1.04e-6 with clang (FMA contraction rounds differently); 2e-6 holds both */
    check_grads(vit, &fx, "grad_24x16.", "vit backward at 24x16", 2e-6);
    CHECK_OK(mlip_vit_set_image_size(vit, c.image_size, c.image_size));
    free(out);
done:
    mlip_encoder_free(vit);
    fx_free(&fx);
}

/* Invariants on a random tiny ViT: visible = every patch in order equals the full forward;
   inference equals training forward; a permuted visible list permutes the patch outputs. */
static void test_vit_invariants(void) {
    mlip_vit_config c = mlip_vit_config_tiny();
    mlip_encoder *vit = NULL;
    int B = 2, K = 64, D = 128, i, b, j, *all, *perm;
    float *img, *o1, *o2, *o3;
    mlip_rng rng;
    c.layers = 2;
    CHECK_OK(mlip_vit_create(&c, &vit));
    if (!vit) return;
    mlip_encoder_init_random(vit, 5);
    img = mt_alloc((size_t)B * 64 * 64);
    o1 = mt_alloc((size_t)B * (K + 1) * D);
    o2 = mt_alloc((size_t)B * (K + 1) * D);
    o3 = mt_alloc((size_t)B * (K + 1) * D);
    all = (int *)calloc((size_t)B * K, sizeof(int));
    perm = (int *)calloc((size_t)B * K, sizeof(int));
    mt_fill_uniform(img, (size_t)B * 64 * 64, 0, 1, 6);
    for (i = 0; i < B * K; i++) all[i] = i % K;
    mlip_rng_seed(&rng, 8, 0);
    for (b = 0; b < B; b++) mlip_rng_permutation(&rng, perm + b * K, K);
    CHECK_OK(mlip_vit_forward(vit, img, B, NULL, 0, 0, o1));
    CHECK_OK(mlip_vit_forward(vit, img, B, all, K, 1, o2));
    CHECK(mt_max_rel_diff(o2, o1, (size_t)B * (K + 1) * D) < 1e-6);
    CHECK_OK(mlip_vit_forward(vit, img, B, perm, K, 0, o3));
    for (b = 0; b < B; b++)
        for (j = 0; j < K; j++) /* without causal structure, attention is permutation-equivariant */
            CHECK(mt_max_rel_diff(o3 + ((size_t)b * (K + 1) + 1 + j) * D,
                                  o1 + ((size_t)b * (K + 1) + 1 + perm[b * K + j]) * D, D) < 1e-4);
    all[3] = K;
    CHECK_FAILS(mlip_vit_forward(vit, img, B, all, K, 0, o1), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_vit_forward(vit, img, B, all, 0, 0, o1), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_vit_forward(vit, NULL, B, NULL, 0, 0, o1), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_bert_forward(vit, all, NULL, NULL, 1, 4, 0, o1), MLIP_ERR_INVALID_ARG);
    {
        mlip_encoder *fresh = NULL;
        CHECK_OK(mlip_vit_create(&c, &fresh));
        CHECK_FAILS(mlip_vit_backward(fresh, o1),
                    MLIP_ERR_INVALID_ARG); /* no training forward yet */
        mlip_encoder_free(fresh);
    }
    mlip_encoder_free(vit);
    c.patch_size = 7;
    CHECK_FAILS(mlip_vit_create(&c, &vit), MLIP_ERR_INVALID_ARG);
    CHECK(vit == NULL); /* a failed create hands back nothing */
    c = mlip_vit_config_tiny(), c.heads = 3;
    CHECK_FAILS(mlip_vit_create(&c, &vit), MLIP_ERR_INVALID_ARG);
    c = mlip_vit_config_tiny();
    c.width = 1 << 20;
    c.mlp_dim = 1 << 22;
    c.layers = 4000;
    CHECK_FAILS(mlip_vit_create(&c, &vit), MLIP_ERR_OVERFLOW);
    { /* the same weights from caller memory give the same output; training is refused */
        mlip_encoder *a = NULL, *b = NULL;
        size_t count;
        float *wa, *copy;
        c = mlip_vit_config_tiny();
        c.layers = 1;
        CHECK_OK(mlip_vit_create(&c, &a));
        CHECK_OK(mlip_vit_create(&c, &b));
        if (a && b) {
            mlip_encoder_init_random(a, 3);
            wa = mlip_encoder_weights(a, &count);
            copy = (float *)mlip_alloc(count * sizeof(float));
            memcpy(copy, wa, count * sizeof(float));
            CHECK_OK(mlip_encoder_use_weights(b, copy));
            CHECK_OK(mlip_vit_forward(a, img, B, NULL, 0, 0, o1));
            CHECK_OK(mlip_vit_forward(b, img, B, NULL, 0, 0, o2));
            CHECK(memcmp(o1, o2, sizeof(float) * (size_t)B * (K + 1) * D) == 0);
            CHECK_FAILS(mlip_vit_forward(b, img, B, NULL, 0, 1, o2), MLIP_ERR_INVALID_ARG);
            CHECK_FAILS(mlip_encoder_use_weights(b, copy + 1), MLIP_ERR_INVALID_ARG);
            mlip_encoder_free(b);
            mlip_free(copy);
        }
        mlip_encoder_free(a);
    }
    free(img);
    free(o1);
    free(o2);
    free(o3);
    free(all);
    free(perm);
}

static void test_bert_parity(void) {
    fx_file fx;
    mlip_bert_config c = mlip_bert_config_tiny(1);
    mlip_encoder *bert = NULL;
    fx_entry *ids_e;
    int B, T, D;
    float *out;
    uint8_t *mask;
    double err, rel;
    size_t i;
    if (!fx_load("tests/data/bert_tiny.fx", &fx)) {
        CHECK_MSG(0, "cannot read tests/data/bert_tiny.fx (run from the repository root)");
        return;
    }
    c.vocab_size = fx_int(&fx, "config.vocab_size");
    c.max_positions = fx_int(&fx, "config.max_positions");
    c.type_vocab_size = fx_int(&fx, "config.type_vocab_size");
    c.width = fx_int(&fx, "config.width");
    c.layers = fx_int(&fx, "config.layers");
    c.heads = fx_int(&fx, "config.heads");
    c.mlp_dim = fx_int(&fx, "config.mlp_dim");
    c.ln_eps = fx_float(&fx, "config.ln_eps");
    CHECK_OK(mlip_bert_create(&c, &bert));
    if (!bert || !load_twin_weights(bert, &fx)) goto done;
    ids_e = fx_get(&fx, "input.ids");
    B = ids_e->dims[0];
    T = ids_e->dims[1];
    D = c.width;
    mask = (uint8_t *)malloc((size_t)B * T);
    for (i = 0; i < (size_t)B * T; i++) mask[i] = (uint8_t)fx_i32(&fx, "input.mask")[i];
    out = mt_alloc((size_t)B * T * D);
    CHECK_OK(mlip_bert_forward(bert, (int *)ids_e->data, fx_i32(&fx, "input.type_ids"), mask, B, T,
                               1, out));
    err = fx_norm_err(out, fx_f32(&fx, "output.out"), (size_t)B * T * D, &rel);
    printf("    bert forward (batch %d, %d tokens, padded): normalised error %.2g, max relative "
           "%.2g\n",
           B, T, err, rel);
    CHECK_MSG(err <= PARITY_TOL, "bert forward off by %.3g", err);
    mlip_encoder_zero_grad(bert);
    CHECK_OK(mlip_bert_backward(bert, fx_f32(&fx, "loss.w")));
    check_grads(bert, &fx, "grad.", "bert backward", PARITY_TOL);
    free(out);
    free(mask);
done:
    mlip_encoder_free(bert);
    fx_free(&fx);
}

/* A batch of mixed lengths (padding masked) equals the same items run one by one, unpadded. */
static void test_bert_batch_equals_single(void) {
    mlip_bert_config c = mlip_bert_config_tiny(100);
    mlip_encoder *bert = NULL;
    int B = 3, T = 9, len[3] = {9, 4, 1}, D = 128, b, i, ids[27], types[27];
    uint8_t mask[27];
    float *batch, *single;
    mlip_rng rng;
    c.layers = 2;
    CHECK_OK(mlip_bert_create(&c, &bert));
    if (!bert) return;
    mlip_encoder_init_random(bert, 9);
    mlip_rng_seed(&rng, 10, 0);
    for (b = 0; b < B; b++)
        for (i = 0; i < T; i++) {
            ids[b * T + i] = i < len[b] ? 1 + (int)mlip_rng_below(&rng, 99) : 0;
            types[b * T + i] = i < len[b] ? (int)mlip_rng_below(&rng, 2) : 0;
            mask[b * T + i] = i < len[b];
        }
    batch = mt_alloc((size_t)B * T * D);
    single = mt_alloc((size_t)T * D);
    CHECK_OK(mlip_bert_forward(bert, ids, types, mask, B, T, 0, batch));
    for (b = 0; b < B; b++) {
        CHECK_OK(mlip_bert_forward(bert, ids + b * T, types + b * T, NULL, 1, len[b], 0, single));
        CHECK_MSG(mt_max_rel_diff(batch + (size_t)b * T * D, single, (size_t)len[b] * D) < 1e-5,
                  "item %d (length %d) differs between batch and single run", b, len[b]);
    }
    ids[4] = 100;
    CHECK_FAILS(mlip_bert_forward(bert, ids, types, mask, B, T, 0, batch), MLIP_ERR_INVALID_ARG);
    ids[4] = 1;
    types[2] = 2;
    CHECK_FAILS(mlip_bert_forward(bert, ids, types, mask, B, T, 0, batch), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_bert_forward(bert, ids, NULL, NULL, 1, 129, 0, batch), MLIP_ERR_INVALID_ARG);
    mlip_encoder_free(bert);
    free(batch);
    free(single);
}

/* Projection head: forward is unit-norm rows, backward matches finite differences. */
static struct {
    int rows, C, D;
    float *x, *W, *b, *out, *proj, *norm;
} pj;
static void pj_fwd(void *ctx) {
    (void)ctx;
    CHECK_OK(
        mlip_projection_forward(pj.out, pj.proj, pj.norm, pj.x, pj.W, pj.b, pj.rows, pj.C, pj.D));
}

static void test_projection_head(void) {
    int rows = 4, C = 10, D = 6, r;
    float *w = mt_alloc((size_t)rows * D), *dx = mt_alloc((size_t)rows * C),
          *dW = mt_alloc((size_t)D * C), *db = mt_alloc(D);
    pj.rows = rows, pj.C = C, pj.D = D;
    pj.x = mt_alloc((size_t)rows * C);
    pj.W = mt_alloc((size_t)D * C);
    pj.b = mt_alloc(D);
    pj.out = mt_alloc((size_t)rows * D);
    pj.proj = mt_alloc((size_t)rows * D);
    pj.norm = mt_alloc(rows);
    mt_fill_uniform(pj.x, (size_t)rows * C, -1, 1, 1);
    mt_fill_uniform(pj.W, (size_t)D * C, -1, 1, 2);
    mt_fill_uniform(pj.b, D, -1, 1, 3);
    mt_fill_uniform(w, (size_t)rows * D, -1, 1, 4);
    pj_fwd(NULL);
    for (r = 0; r < rows; r++) CHECK(fabs(mlip_dot(pj.out + r * D, pj.out + r * D, D) - 1) < 1e-5);
    CHECK_OK(mlip_projection_backward(dx, dW, db, w, pj.out, pj.norm, pj.x, pj.W, rows, C, D));
    mt_check_grad("projection dinp", pj.x, (size_t)rows * C, dx, pj_fwd, NULL, pj.out, w,
                  (size_t)rows * D, 1e-3f, 2e-3, 1000);
    mt_check_grad("projection dweight", pj.W, (size_t)D * C, dW, pj_fwd, NULL, pj.out, w,
                  (size_t)rows * D, 1e-3f, 2e-3, 1000);
    mt_check_grad("projection dbias", pj.b, D, db, pj_fwd, NULL, pj.out, w, (size_t)rows * D, 1e-3f,
                  2e-3, 1000);
    free(w);
    free(dx);
    free(dW);
    free(db);
    free(pj.x);
    free(pj.W);
    free(pj.b);
    free(pj.out);
    free(pj.proj);
    free(pj.norm);
}

static const mt_case encoder_tests[] = {{"vit_parity_with_twin", test_vit_parity},
                                        {"vit_invariants", test_vit_invariants},
                                        {"bert_parity_with_twin", test_bert_parity},
                                        {"bert_batch_equals_single", test_bert_batch_equals_single},
                                        {"projection_head", test_projection_head},
                                        {NULL, NULL}};
