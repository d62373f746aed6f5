/* Section 12, models trained elsewhere: every architecture in tests/data/real (built with the
   real timm, open_clip and transformers by tools/real_model_fixtures.py, random values in every
   tensor, pixels from real chest X-rays) is imported from its torch.save file and config.json,
   and its image and text embeddings are compared with the libraries' own: cosine >= 0.99999 and
   max |diff| <= 1e-4 x max |reference| per embedding. The imported model also goes through a
   .mlip file and must give the same bits back. MLIP_REAL_FIXTURES=DIR runs the same checks on
   DIR's sub-directories (the full-size models tools/check_real_models.sh builds). */

#define REAL_DIR "tests/data/real/"

static const char *const real_names[] = {"timm_vit", "timm_vit_avg", "biomedclip", "hf_clip"};
static double real_worst_cos, real_worst_diff; /* over the directory being checked */

/* Cosine and max |a - b| / max |b| of each of n rows of D; a check fails above the bar. */
static void real_compare(const char *what, const float *a, const float *b, int n, int D) {
    int r, i;
    for (r = 0; r < n; r++) {
        const float *x = a + (size_t)r * D, *y = b + (size_t)r * D;
        double dot = 0, nx = 0, ny = 0, diff = 0, big = 0;
        for (i = 0; i < D; i++) {
            dot += (double)x[i] * y[i];
            nx += (double)x[i] * x[i];
            ny += (double)y[i] * y[i];
            diff = fmax(diff, fabs((double)x[i] - y[i]));
            big = fmax(big, fabs((double)y[i]));
        }
        real_worst_cos = fmin(real_worst_cos, dot / sqrt(nx * ny));
        real_worst_diff = fmax(real_worst_diff, diff / big);
        CHECK_MSG(dot / sqrt(nx * ny) >= 0.99999 && diff <= 1e-4 * big,
                  "%s row %d: cosine %.8f, max diff %.3g of max %.3g", what, r, dot / sqrt(nx * ny),
                  diff, big);
    }
}

/* The model's input range: the fixture's pixels are already normalised with its mean/std. */
static void real_unnormalise(const mlip_model *m, float *px, int n, int C, size_t plane) {
    const mlip_model_config *c = mlip_model_get_config(m);
    int b, ch;
    size_t p;
    for (b = 0; b < n; b++)
        for (ch = 0; ch < C; ch++) {
            float *x = px + ((size_t)b * C + ch) * plane;
            for (p = 0; p < plane; p++) x[p] = x[p] * c->image_std[ch] + c->image_mean[ch];
        }
}

/* Image (and, with a text encoder, text) embeddings of m against the fixture. */
static void real_check_embeddings(mlip_model *m, fx_file *fx, const char *dir, float *img_out) {
    fx_entry *px = fx_get(fx, "pixels"), *ie = fx_get(fx, "image_embed");
    fx_entry *ids = fx_get(fx, "ids"), *am = fx_get(fx, "attention_mask");
    fx_entry *te = fx_get(fx, "text_embed");
    int n, D, i;
    float *emb;
    char what[300];
    CHECK_MSG(px && ie && px->ndim == 4 && ie->ndim == 2, "%s: no pixels / image_embed", dir);
    if (!px || !ie || px->ndim != 4 || ie->ndim != 2) return;
    n = px->dims[0];
    D = ie->dims[1];
    real_unnormalise(m, (float *)px->data, n, px->dims[1], (size_t)px->dims[2] * px->dims[3]);
    CHECK_OK(mlip_model_embed_images(m, (const float *)px->data, n, img_out, NULL));
    snprintf(what, sizeof what, "%s image_embed", dir);
    real_compare(what, img_out, (const float *)ie->data, n, D);
    if (!ids || !te) return;
    {
        int rows = ids->dims[0], T = ids->dims[1];
        uint8_t *mask = (uint8_t *)calloc((size_t)rows * T, 1);
        emb = (float *)calloc((size_t)rows * D, sizeof(float));
        for (i = 0; am && i < rows * T; i++) mask[i] = ((const int *)am->data)[i] != 0;
        CHECK_OK(
            mlip_model_embed_token_ids(m, (const int *)ids->data, am ? mask : NULL, rows, T, emb));
        snprintf(what, sizeof what, "%s text_embed", dir);
        real_compare(what, emb, (const float *)te->data, rows, D);
        free(mask);
        free(emb);
    }
}

/* The same state dict as safetensors (where the fixture has it) gives the same bits. */
static void real_check_safetensors(const char *dir, const mlip_import_options *opt,
                                   const float *want, size_t n) {
    char path[512];
    mlip_torch_file *f = NULL;
    mlip_model *m = NULL;
    fx_file fx;
    float *got;
    FILE *probe;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (!(probe = fopen(path, "rb"))) return;
    fclose(probe);
    got = (float *)calloc(n, sizeof(float));
    CHECK_OK(mlip_torch_open(path, &f));
    if (f) CHECK_OK(mlip_model_import_torch(f, opt, &m));
    snprintf(path, sizeof path, "%s/ref.fx", dir);
    if (m && fx_load(path, &fx)) {
        real_check_embeddings(m, &fx, dir, got);
        CHECK_MSG(!memcmp(want, got, n * sizeof(float)),
                  "%s: model.safetensors embeds differently from model.bin", dir);
        fx_free(&fx);
    }
    mlip_model_free(m);
    mlip_torch_close(f);
    free(got);
}

/* One fixture directory: import, compare, and the same through a .mlip file. */
static void real_check_dir(const char *dir) {
    char path[512];
    unsigned char *cfg = NULL;
    size_t cfg_len = 0, saved_len = 0;
    mlip_torch_file *f = NULL;
    mlip_model *m = NULL, *back = NULL;
    mlip_import_options opt;
    fx_file fx;
    fx_entry *ie;
    float *a = NULL, *b = NULL;
    void *saved = NULL;
    real_worst_cos = 1.0;
    real_worst_diff = 0.0;
    snprintf(path, sizeof path, "%s/ref.fx", dir);
    if (!fx_load(path, &fx)) {
        CHECK_MSG(0, "cannot read %s", path);
        return;
    }
    snprintf(path, sizeof path, "%s/config.json", dir);
    pt_read(path, &cfg, &cfg_len);
    memset(&opt, 0, sizeof opt);
    opt.config_json = (const char *)cfg;
    opt.config_len = cfg_len;
    if (fx_get(&fx, "config.vision_heads")) opt.vision_heads = fx_int(&fx, "config.vision_heads");
    if (fx_get(&fx, "config.text_heads")) opt.text_heads = fx_int(&fx, "config.text_heads");
    snprintf(path, sizeof path, "%s/model.bin", dir);
    CHECK_OK(mlip_torch_open(path, &f));
    if (f) CHECK_OK(mlip_model_import_torch(f, &opt, &m));
    ie = fx_get(&fx, "image_embed");
    if (m && ie) {
        size_t n = (size_t)ie->dims[0] * ie->dims[1];
        a = (float *)calloc(n, sizeof(float));
        b = (float *)calloc(n, sizeof(float));
        real_check_embeddings(m, &fx, dir, a);
        CHECK_OK(mlip_model_save_memory(m, MLIP_DTYPE_F32, &saved, &saved_len));
        CHECK_OK(mlip_model_load_memory(saved, saved_len, 1, &back));
        if (back) { /* the architecture switches travel in the file */
            fx_free(&fx);
            snprintf(path, sizeof path, "%s/ref.fx", dir);
            fx_load(path, &fx);
            real_check_embeddings(back, &fx, dir, b);
            CHECK_MSG(!memcmp(a, b, n * sizeof(float)), "%s: the saved model embeds differently",
                      dir);
        }
        real_check_safetensors(dir, &opt, a, n);
    }
    printf("    %-28s worst cosine %.9f, worst max |diff| / max |ref| %.2e\n", dir, real_worst_cos,
           real_worst_diff);
    mlip_model_free(back);
    mlip_free(saved);
    free(a);
    free(b);
    mlip_model_free(m);
    mlip_torch_close(f);
    free(cfg);
    fx_free(&fx);
}

static void test_real_reduced(void) {
    size_t i;
    for (i = 0; i < sizeof real_names / sizeof real_names[0]; i++) {
        char dir[256];
        snprintf(dir, sizeof dir, REAL_DIR "%s", real_names[i]);
        real_check_dir(dir);
    }
}

/* The full-size architectures, when tools/check_real_models.sh made them. */
static void test_real_full(void) {
    const char *root = getenv("MLIP_REAL_FIXTURES");
    size_t i;
    if (!root || !*root)
        SKIP("set MLIP_REAL_FIXTURES to a directory of full-size fixtures "
             "(tools/check_real_models.sh does)");
    for (i = 0; i < sizeof real_names / sizeof real_names[0]; i++) {
        char dir[512];
        FILE *probe;
        snprintf(dir, sizeof dir, "%s/%s/ref.fx", root, real_names[i]);
        if (!(probe = fopen(dir, "rb"))) continue;
        fclose(probe);
        snprintf(dir, sizeof dir, "%s/%s", root, real_names[i]);
        printf("    %s\n", dir);
        real_check_dir(dir);
    }
}

/* Checkpoints with parts this library does not implement, a tensor missing or of the wrong
   shape (tests/data/real/refused, made by timm): refused, the message naming the tensor. A
   checkpoint of no known layout (any of tests/data/torch) too. */
static void test_real_refused(void) {
    FILE *f = fopen(REAL_DIR "refused/expected.txt", "r");
    char line[512];
    int n = 0;
    mlip_torch_file *t = NULL;
    mlip_model *m = NULL;
    mlip_status st;
    CHECK_MSG(f != NULL, "cannot read " REAL_DIR "refused/expected.txt");
    while (f && fgets(line, sizeof line, f)) {
        char path[600], *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
        if (!tab) continue;
        *tab = '\0';
        if (nl) *nl = '\0';
        snprintf(path, sizeof path, REAL_DIR "refused/%s", line);
        CHECK_OK(mlip_torch_open(path, &t));
        st = t ? mlip_model_import_torch(t, NULL, &m) : MLIP_OK;
        CHECK_MSG(st != MLIP_OK && m == NULL && strstr(mlip_last_error(), tab + 1),
                  "%s: %s '%s' does not name %s", line, mlip_status_string(st), mlip_last_error(),
                  tab + 1);
        mlip_model_free(m);
        m = NULL;
        mlip_torch_close(t);
        t = NULL;
        n++;
    }
    if (f) fclose(f);
    CHECK_MSG(n >= 4, "only %d refused checkpoints listed", n);
    CHECK_OK(mlip_torch_open("tests/data/torch/plain_f32.pt", &t));
    if (t) CHECK_FAILS(mlip_model_import_torch(t, NULL, &m), MLIP_ERR_UNSUPPORTED);
    CHECK(m == NULL && strstr(mlip_last_error(), "no known layout"));
    mlip_torch_close(t);
}

/* A safetensors checkpoint cut short or with bytes flipped: opened or refused with a message,
   never a crash (run under the sanitizers by make test-asan). */
static void test_real_safetensors_damage(void) {
    unsigned char *buf = NULL, *copy;
    size_t len = 0, cut, i;
    mlip_rng rng;
    CHECK(pt_read(REAL_DIR "timm_vit/model.safetensors", &buf, &len));
    if (!buf || !len) return;
    copy = (unsigned char *)malloc(len);
    mlip_rng_seed(&rng, 11, 3);
    for (cut = 0; cut < len; cut += cut < 4096 ? 7 : 4093) {
        mlip_torch_file *f = NULL;
        mlip_status st = mlip_torch_open_memory(buf, cut, &f);
        CHECK_MSG(st != MLIP_OK ? mlip_last_error()[0] != 0 : f != NULL, "cut at %lu",
                  (unsigned long)cut);
        mlip_torch_close(f);
    }
    for (i = 0; i < 300; i++) {
        mlip_torch_file *f = NULL;
        mlip_model *m = NULL;
        size_t at = 8 + mlip_rng_below(&rng, 2048);
        memcpy(copy, buf, len);
        copy[at % len] ^= (unsigned char)(1u << mlip_rng_below(&rng, 8));
        if (mlip_torch_open_memory(copy, len, &f) == MLIP_OK)
            mlip_model_import_torch(f, NULL, &m); /* may succeed or refuse; must not crash */
        mlip_model_free(m);
        mlip_torch_close(f);
    }
    free(copy);
    free(buf);
}

static const mt_case real_tests[] = {
    {"safetensors_damage", test_real_safetensors_damage},
    {"reduced_architectures", test_real_reduced},
    {"refused", test_real_refused},
    {"full_size_architectures", test_real_full},
    {NULL, NULL},
};
