/* Section 12, File format: .mlip save/load round trips (byte-identical), zero-copy loading,
   f16/bf16/int8, the PyTorch twin end to end through safetensors, malformed files (crafted,
   every truncation, random bit flips, the fuzzer's corpus), and safetensors header errors. */

#define FMT_TOL 1e-6

/* A small model: every code path of a big one, in a few kB. */
static mlip_model_config fmt_small_config(void) {
    mlip_model_config c = mlip_model_config_tiny(12);
    c.vit.image_size = 8;
    c.vit.patch_size = 4;
    c.vit.width = 8;
    c.vit.layers = 1;
    c.vit.heads = 2;
    c.vit.mlp_dim = 16;
    c.bert.max_positions = 8;
    c.bert.width = 8;
    c.bert.layers = 1;
    c.bert.heads = 2;
    c.bert.mlp_dim = 16;
    c.embed_dim = 4;
    return c;
}

static mlip_model *fmt_small_model(void) {
    mlip_model_config c = fmt_small_config();
    mlip_model *m = NULL;
    mlip_tokenizer *tok = NULL;
    static const char vocab[] =
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nlung\nis\nclear\n.\n##s\nno\n";
    CHECK_OK(mlip_model_create(&c, &m));
    if (!m) return NULL;
    mlip_model_init_random(m, 5);
    CHECK_OK(mlip_tokenizer_from_memory(vocab, sizeof vocab - 1, 1, &tok));
    CHECK_OK(mlip_model_set_vocab(m, tok));
    CHECK_OK(mlip_model_set_meta(m, "license", "CC0-1.0"));
    CHECK_OK(mlip_model_set_meta(m, "training.data", "synthetic \"test\" data\n"));
    mlip_tokenizer_free(tok);
    return m;
}

/* Every tensor of a equals b's within tol (relative to the tensor's max |b|). */
static double fmt_max_diff(mlip_model *a, mlip_model *b) {
    int i, n = mlip_model_tensor_count(a);
    double worst = 0;
    CHECK(n == mlip_model_tensor_count(b));
    for (i = 0; i < n; i++) {
        mlip_param_info ia, ib;
        size_t ca = 0, cb = 0;
        float *xa, *xb;
        double d;
        CHECK_OK(mlip_model_tensor_info(a, i, &ia, NULL));
        CHECK_OK(mlip_model_tensor_info(b, i, &ib, NULL));
        CHECK(!strcmp(ia.name, ib.name));
        xa = mlip_model_tensor(a, ia.name, &ca);
        xb = mlip_model_tensor(b, ib.name, &cb);
        CHECK(xa && xb && ca == cb);
        if (!xa || !xb || ca != cb) return INFINITY;
        d = mt_max_rel_diff(xa, xb, ca);
        if (d > worst) worst = d;
    }
    return worst;
}

static int fmt_read(const char *path, unsigned char **buf, size_t *len) {
    FILE *f = fopen(path, "rb");
    long n;
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *buf = (unsigned char *)malloc(n > 0 ? (size_t)n : 1);
    *len = n > 0 && *buf && fread(*buf, 1, (size_t)n, f) == (size_t)n ? (size_t)n : 0;
    fclose(f);
    return *len > 0;
}

static void test_fmt_roundtrip(void) {
    mlip_model *m = fmt_small_model(), *l = NULL, *l2 = NULL;
    void *b1 = NULL, *b2 = NULL, *b3 = NULL;
    size_t n1 = 0, n2 = 0, n3 = 0;
    mlip_tokenizer *tok = NULL;
    const char *key = "";
    unsigned char *fb = NULL;
    size_t fl = 0;
    const char *path = "build/test_format_roundtrip.mlip";
    if (!m) return;
    CHECK_OK(mlip_model_save_memory(m, MLIP_DTYPE_F32, &b1, &n1));
    CHECK(n1 % 64 == 0 && !memcmp(b1, "MLIP", 4));
    /* in place: mlip_alloc's buffers are 64-byte aligned, so a little-endian host maps */
    CHECK_OK(mlip_model_load_memory(b1, n1, 0, &l));
    if (!l) goto done;
    {
        uint32_t one = 1;
        unsigned char c0;
        memcpy(&c0, &one, 1);
        CHECK(mlip_model_is_mapped(l) == (c0 == 1));
    }
    CHECK(fmt_max_diff(l, m) == 0);
    CHECK(!strcmp(mlip_model_meta(l, "license"), "CC0-1.0"));
    CHECK(!strcmp(mlip_model_meta_at(l, 1, &key), "synthetic \"test\" data\n") &&
          !strcmp(key, "training.data"));
    CHECK_OK(mlip_model_tokenizer(l, &tok));
    CHECK(tok && mlip_tokenizer_vocab_size(tok) == 12 &&
          mlip_tokenizer_token_id(tok, "clear") == 8);
    mlip_tokenizer_free(tok);
    CHECK_OK(mlip_model_save_memory(l, MLIP_DTYPE_F32, &b2, &n2));
    CHECK_MSG(n1 == n2 && !memcmp(b1, b2, n1),
              "save -> load -> save is not byte-identical (%lu vs %lu bytes)", (unsigned long)n1,
              (unsigned long)n2);
    /* copy = 1 and a file (mmap) */
    CHECK_OK(mlip_model_load_memory(b1, n1, 1, &l2));
    CHECK(l2 && !mlip_model_is_mapped(l2) && fmt_max_diff(l2, m) == 0);
    mlip_model_free(l2);
    l2 = NULL;
    CHECK_OK(mlip_model_save(l, path));
    CHECK_OK(mlip_model_load_file(path, &l2));
    if (l2) CHECK_OK(mlip_model_save_memory(l2, MLIP_DTYPE_F32, &b3, &n3));
    CHECK(n3 == n1 && b3 && !memcmp(b3, b1, n1));
    CHECK(fmt_read(path, &fb, &fl) && fl == n1 && !memcmp(fb, b1, n1));
    printf("    %lu-byte model: save -> load (%s) -> save byte-identical, file and memory\n",
           (unsigned long)n1, mlip_model_is_mapped(l) ? "zero-copy" : "copied");
    free(fb);
    remove(path);
done:
    mlip_free(b1);
    mlip_free(b2);
    mlip_free(b3);
    mlip_model_free(m);
    mlip_model_free(l);
    mlip_model_free(l2);
}

static void test_fmt_dtypes(void) {
    static const mlip_dtype types[3] = {MLIP_DTYPE_F16, MLIP_DTYPE_BF16, MLIP_DTYPE_INT8};
    static const double tol[3] = {1e-3, 8e-3, 1e-2};
    mlip_model *m = fmt_small_model();
    int t;
    if (!m) return;
    for (t = 0; t < 3; t++) {
        void *b = NULL, *b2 = NULL;
        size_t n = 0, n2 = 0;
        mlip_model *l = NULL;
        mlip_param_info info;
        mlip_dtype stored = MLIP_DTYPE_F32;
        double d;
        CHECK_OK(mlip_model_save_memory(m, types[t], &b, &n));
        CHECK_OK(mlip_model_load_memory(b, n, 0, &l));
        if (!l) {
            mlip_free(b);
            continue;
        }
        CHECK(!mlip_model_is_mapped(l));
        CHECK_OK(mlip_model_tensor_info(l, 2, &info, &stored)); /* the patch embedding, a matrix */
        CHECK(stored == types[t] && info.ndim == 4);
        d = fmt_max_diff(l, m);
        printf("    %s: %lu bytes, max error %.2g relative to each tensor's largest value\n",
               mlip_format_dtype_name(types[t]), (unsigned long)n, d);
        CHECK_MSG(d <= tol[t], "%s round trip error %.3g > %.3g", mlip_format_dtype_name(types[t]),
                  d, tol[t]);
        if (types[t] != MLIP_DTYPE_INT8) { /* f16 and bf16 values survive a second trip exactly */
            CHECK_OK(mlip_model_save_memory(l, types[t], &b2, &n2));
            CHECK(n2 == n && !memcmp(b, b2, n));
        }
        mlip_free(b);
        mlip_free(b2);
        mlip_model_free(l);
    }
    { /* f16 conversion corner cases */
        static const float v[] = {0.0f,          -0.0f,         1.0f,          65504.0f, 65520.0f,
                                  5.9604645e-8f, 2.9802322e-8f, 6.1035156e-5f, -3.0e-6f, 1e-10f};
        int i;
        for (i = 0; i < (int)(sizeof v / sizeof v[0]); i++) {
            float back = mlip__fmt_f16_to_f32(mlip__fmt_f32_to_f16(v[i]));
            double want = v[i] == 65520.0f                          ? INFINITY
                          : v[i] == 2.9802322e-8f || v[i] == 1e-10f ? 0.0
                                                                    : v[i];
            CHECK_MSG(fabs(back - want) <= 1e-3 * fabs(want) + 6e-8 || (isinf(want) && isinf(back)),
                      "f16(%g) -> %g", (double)v[i], (double)back);
        }
    }
    mlip_model_free(m);
}

/* The PyTorch twin end to end: safetensors (HF prefixes, skipped pooler) -> .mlip -> forward. */
static void test_fmt_twin(void) {
    unsigned char *st = NULL;
    size_t st_len = 0;
    fx_file fx;
    mlip_model *m = NULL, *l = NULL, *l2 = NULL, *again = NULL;
    void *mb = NULL, *sb = NULL, *mb2 = NULL;
    size_t ml = 0, sl = 0, ml2 = 0;
    float *out = NULL, *proj = NULL;
    double err, rel, worst = 0;
    const char *path = "build/test_format_twin.mlip";
    if (!fmt_read("tests/data/model_tiny.safetensors", &st, &st_len) ||
        !fx_load("tests/data/model_tiny.fx", &fx)) {
        CHECK_MSG(
            0, "cannot read tests/data/model_tiny.{safetensors,fx} (run from the repository root)");
        free(st);
        return;
    }
    CHECK_OK(mlip_model_import_safetensors(st, st_len, NULL, 0, &m));
    if (!m) goto done;
    CHECK(mlip_model_get_config(m)->vit.heads == 4 &&
          fabs(mlip_model_get_config(m)->vit.ln_eps - 1e-6) < 1e-12);
    CHECK(mlip_model_get_config(m)->embed_dim == 16 &&
          mlip_model_get_config(m)->bert.vocab_size == 50);
    CHECK(mlip_model_meta(m, "license") && !strcmp(mlip_model_meta(m, "license"), "CC0-1.0"));
    CHECK_OK(mlip_model_save_memory(m, MLIP_DTYPE_F32, &mb, &ml));
    CHECK_OK(mlip_model_save(m, path));
    CHECK_OK(mlip_model_load_memory(mb, ml, 0, &l));
    CHECK_OK(mlip_model_load_file(path, &l2));
    if (!l || !l2) goto done;
    {
        int pass;
        for (pass = 0; pass < 2; pass++) {
            mlip_model *x = pass ? l2 : l;
            mlip_encoder *vit = mlip_model_vit(x), *bert = mlip_model_bert(x);
            size_t cnt = 0;
            const float *w, *b;
            out = (float *)realloc(out, sizeof(float) * 2 * 17 * 32);
            proj = (float *)realloc(proj, sizeof(float) * 3 * 16);
            CHECK_OK(mlip_vit_forward(vit, fx_f32(&fx, "input.img"), 2, NULL, 0, 0, out));
            err = fx_norm_err(out, fx_f32(&fx, "output.vit"), 2 * 17 * 32, &rel);
            worst = err > worst ? err : worst;
            CHECK_MSG(err <= FMT_TOL, "vit forward from the .mlip off by %.3g", err);
            { /* global image head on the [CLS] states */
                float cls[2 * 32];
                memcpy(cls, out, sizeof(float) * 32);
                memcpy(cls + 32, out + 17 * 32, sizeof(float) * 32);
                w = mlip_model_tensor(x, "head.global_image.weight", &cnt);
                b = mlip_model_tensor(x, "head.global_image.bias", NULL);
                CHECK(w && b && cnt == 16 * 32);
                CHECK_OK(mlip_projection_forward(proj, NULL, NULL, cls, w, b, 2, 32, 16));
                err = fx_norm_err(proj, fx_f32(&fx, "output.global_image"), 2 * 16, &rel);
                CHECK_MSG(err <= FMT_TOL, "global image head off by %.3g", err);
                worst = err > worst ? err : worst;
            }
            {
                int *ids = fx_i32(&fx, "input.ids"), *mask_i = fx_i32(&fx, "input.mask"), i;
                uint8_t mask[21];
                for (i = 0; i < 21; i++) mask[i] = (uint8_t)mask_i[i];
                CHECK_OK(mlip_bert_forward(bert, ids, fx_i32(&fx, "input.type_ids"), mask, 3, 7, 0,
                                           out));
                err = fx_norm_err(out, fx_f32(&fx, "output.bert"), 3 * 7 * 32, &rel);
                CHECK_MSG(err <= FMT_TOL, "bert forward from the .mlip off by %.3g", err);
                worst = err > worst ? err : worst;
            }
        }
        printf(
            "    twin -> safetensors -> .mlip (memory %s, file %s): worst normalised error %.2g\n",
            mlip_model_is_mapped(l) ? "zero-copy" : "copied",
            mlip_model_is_mapped(l2) ? "mapped" : "copied", worst);
    }
    /* export to safetensors (the twin's names) and back: the same .mlip bytes */
    CHECK_OK(mlip_model_export_safetensors_memory(l, &sb, &sl));
    CHECK(sl > 8 && (mlip__load64((unsigned char *)sb, 0) % 8) == 0);
    CHECK_OK(mlip_model_import_safetensors(sb, sl, NULL, 0, &again));
    if (again) CHECK_OK(mlip_model_save_memory(again, MLIP_DTYPE_F32, &mb2, &ml2));
    CHECK_MSG(ml2 == ml && mb2 && !memcmp(mb, mb2, ml),
              "mlip -> safetensors -> mlip changed the bytes");
    { /* a named config: "tiny" does not fit these shapes, so it fails cleanly */
        mlip_model_config c = mlip_model_config_tiny(0);
        mlip_model *bad = NULL;
        CHECK_FAILS(mlip_model_import_safetensors(st, st_len, &c, 0, &bad), MLIP_ERR_FORMAT);
    }
    remove(path);
done:
    free(st);
    free(out);
    free(proj);
    fx_free(&fx);
    mlip_free(mb);
    mlip_free(sb);
    mlip_free(mb2);
    mlip_model_free(m);
    mlip_model_free(l);
    mlip_model_free(l2);
    mlip_model_free(again);
}

/* Load buf and require a clean failure whose message mentions `needle`. */
static void fmt_expect_fail(const unsigned char *buf, size_t len, const char *needle,
                            const char *what) {
    mlip_model *m = NULL;
    mlip_status st = mlip_model_load_memory(buf, len, 1, &m);
    CHECK_MSG(st == MLIP_ERR_FORMAT && !m, "%s: status %s", what, mlip_status_string(st));
    CHECK_MSG(strstr(mlip_last_error(), needle) != NULL, "%s: message '%s' lacks '%s'", what,
              mlip_last_error(), needle);
    mlip_model_free(m);
}

static size_t fmt_find(const unsigned char *buf, size_t len, const char *s) {
    size_t i, n = strlen(s);
    for (i = 0; i + n <= len; i++)
        if (!memcmp(buf + i, s, n)) return i;
    return 0;
}
static void fmt_put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void test_fmt_malformed(void) {
    mlip_model *m = fmt_small_model();
    void *b = NULL;
    size_t n = 0, at;
    unsigned char *x;
    if (!m) return;
    CHECK_OK(mlip_model_save_memory(m, MLIP_DTYPE_F32, &b, &n));
    x = (unsigned char *)malloc(n);
#define FMT_CASE(edit, needle, what) memcpy(x, b, n), edit, fmt_expect_fail(x, n, needle, what)
    FMT_CASE(x[0] = 'X', "magic", "bad magic");
    FMT_CASE(fmt_put32(x + 4, 2), "version 2", "version 2");
    FMT_CASE((x[8] = 1, x[11] = 4), "endianness", "big-endian check value");
    FMT_CASE(fmt_put32(x + 20, 1), "flags", "flags");
    FMT_CASE(fmt_put32(x + 12, 100000), "keys", "too many keys");
    at = fmt_find(x, n, "model.embed_dim");
    FMT_CASE(fmt_put32(x + at + 15, 9), "unknown value type", "unknown key type");
    FMT_CASE(fmt_put32(x + at + 15, 2), "must be", "wrong key type");
    FMT_CASE(fmt_put32(x + at + 19, 5), "shape", "embed_dim disagrees with the head shapes");
    FMT_CASE(memcpy(x + at, "model.embed_dix", 15), "unknown key", "unknown reserved key");
    FMT_CASE(memcpy(x + fmt_find(x, n, "vit.heads"), "vit.width", 9), "twice", "duplicate key");
    FMT_CASE(memcpy(x + fmt_find(x, n, "vit.heads"), "xit.heads", 9), "vit.heads is missing",
             "missing key");
    at = fmt_find(x, n, "head.local_image.bias");
    FMT_CASE(memcpy(x + at, "head.global_text.bias", 21), "twice", "duplicate tensor");
    FMT_CASE(memcpy(x + at, "head.local_image.bixs", 21), "unknown tensor", "unknown tensor");
    FMT_CASE(fmt_put32(x + at + 21, 7), "unknown dtype", "unknown dtype");
    FMT_CASE(fmt_put32(x + at + 25, 2), "shape", "wrong rank");
    FMT_CASE(x[at + 29] ^= 1, "shape", "wrong dim");
    FMT_CASE(x[at + 37] ^= 1, "offset", "misaligned offset");
    FMT_CASE(x[at + 44] ^= 1, "offset", "offset past the end");
    FMT_CASE(x[at + 45] ^= 2, "bytes", "wrong byte size");
    FMT_CASE(fmt_put32(x + 16, (uint32_t)mlip_model_tensor_count(m) - 1), "sie.bias' is missing",
             "missing tensor");
    FMT_CASE(fmt_put32(x + 16, (uint32_t)mlip_model_tensor_count(m) + 1), "tensors",
             "extra tensor");
    FMT_CASE(x[24] ^= 64, "data", "data offset");
    FMT_CASE(fmt_put32(x + fmt_find(x, n, "tokenizer.vocab") + 23, 100), "array",
             "vocab count past the end than the embeddings");
    FMT_CASE(x[fmt_find(x, n, "clear") + 4] = '\n', "line feed", "token with a line feed");
#undef FMT_CASE
    fmt_expect_fail(x, n - 1, "data", "one byte short");
    fmt_expect_fail(x, 39, "header", "shorter than the header");
    {
        mlip_model *l = NULL;
        CHECK_FAILS(mlip_model_load_file("build/no such file.mlip", &l), MLIP_ERR_IO);
        CHECK_FAILS(mlip_model_load_memory(NULL, 10, 0, &l), MLIP_ERR_INVALID_ARG);
        CHECK_FAILS(mlip_model_save_as(m, "build/x.mlip", (mlip_dtype)9), MLIP_ERR_INVALID_ARG);
        CHECK_FAILS(mlip_model_save(m, "build/no/such/dir/x.mlip"), MLIP_ERR_IO);
        CHECK_FAILS(mlip_model_set_meta(m, "vit.width", "3"), MLIP_ERR_INVALID_ARG);
    }
    free(x);
    mlip_free(b);
    mlip_model_free(m);
}

/* The casing of the vocabulary (tokenizer.lowercase, optional, default 1): a cased model keeps
   it through save and load, and a file without the key loads uncased, whatever the model was. */
static int fmt_first_piece(mlip_model *m) { /* "Lung": 6 ("lung") uncased, 1 ([UNK]) cased */
    mlip_tokenizer *tok = NULL;
    int ids[4] = {0, 0, 0, 0};
    CHECK_OK(mlip_model_tokenizer(m, &tok));
    if (tok) CHECK_OK(mlip_tokenizer_encode(tok, "Lung", 4, 4, ids, NULL, NULL));
    mlip_tokenizer_free(tok);
    return ids[1];
}

static void test_fmt_lowercase(void) {
    static const char vocab[] =
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nlung\nis\nclear\n.\n##s\nno\n";
    mlip_model_config c = fmt_small_config();
    mlip_model *m = NULL, *l = NULL;
    mlip_tokenizer *tok = NULL;
    void *b = NULL;
    size_t n = 0, at;
    c.lowercase = 0;
    CHECK_OK(mlip_model_create(&c, &m));
    if (!m) return;
    mlip_model_init_random(m, 3);
    CHECK_OK(mlip_tokenizer_from_memory(vocab, sizeof vocab - 1, 0, &tok));
    CHECK_OK(mlip_model_set_vocab(m, tok));
    mlip_tokenizer_free(tok);
    CHECK(fmt_first_piece(m) == 1);
    CHECK_OK(mlip_model_save_memory(m, MLIP_DTYPE_F32, &b, &n));
    CHECK_OK(mlip_model_load_memory(b, n, 1, &l));
    CHECK_MSG(l && mlip_model_get_config(l)->lowercase == 0, "a cased model loads uncased");
    if (l) CHECK(fmt_first_piece(l) == 1);
    mlip_model_free(l);
    l = NULL;
    /* the key left out (renamed to a free-form key, whose u32 value a loader skips) */
    at = fmt_find((unsigned char *)b, n, "tokenizer.lowercase");
    CHECK(at > 0);
    ((unsigned char *)b)[at] = 'x';
    CHECK_OK(mlip_model_load_memory(b, n, 1, &l));
    CHECK_MSG(l && mlip_model_get_config(l)->lowercase == 1,
              "without tokenizer.lowercase: not the default 1");
    if (l) CHECK(fmt_first_piece(l) == 6 && !mlip_model_meta(l, "xokenizer.lowercase"));
    mlip_model_free(l);
    mlip_model_free(m);
    mlip_free(b);
    /* the casing set on a loaded model (mlip convert --cased): kept through save and load */
    CHECK_OK(mlip_model_create(&c, &m));
    if (!m) return;
    CHECK(mlip_model_set_lowercase(m, 2) == MLIP_ERR_INVALID_ARG);
    CHECK_OK(mlip_model_set_lowercase(m, 1));
    CHECK_OK(mlip_model_save_memory(m, MLIP_DTYPE_F32, &b, &n));
    CHECK_OK(mlip_model_load_memory(b, n, 1, &l));
    CHECK(l && mlip_model_get_config(l)->lowercase == 1);
    mlip_model_free(l);
    mlip_model_free(m);
    mlip_free(b);
}

/* Every truncation and random bit flips: each load fails cleanly or succeeds (ASan watches). */
static void test_fmt_truncate_flip(void) {
    mlip_model *m = fmt_small_model();
    void *b = NULL;
    size_t n = 0, len, i;
    unsigned char *x;
    int ok = 0, fail = 0, flips;
    mlip_rng rng;
    if (!m) return;
    CHECK_OK(mlip_model_save_memory(m, MLIP_DTYPE_INT8, &b, &n));
    x = (unsigned char *)malloc(n);
    for (len = 0; len < n; len++) { /* a copy of exactly len bytes, so ASan sees any overread */
        unsigned char *t = (unsigned char *)malloc(len ? len : 1);
        mlip_model *l = NULL;
        memcpy(t, b, len);
        CHECK_MSG(mlip_model_load_memory(t, len, 0, &l) == MLIP_ERR_FORMAT && !l &&
                      mlip_last_error()[0],
                  "truncated at %lu: not a clean failure", (unsigned long)len);
        mlip_model_free(l);
        free(t);
    }
    mlip_rng_seed(&rng, 42, 0);
    for (flips = 0; flips < 3000; flips++) {
        mlip_model *l = NULL;
        mlip_status st;
        int k, nflip = 1 + (int)mlip_rng_below(&rng, 3);
        memcpy(x, b, n);
        for (k = 0; k < nflip; k++) { /* mostly the header and tables, where structure lives */
            i = mlip_rng_below(&rng, 2) ? mlip_rng_below(&rng, (uint32_t)MLIP__MIN(n, 2048))
                                        : mlip_rng_below(&rng, (uint32_t)n);
            x[i] ^= (unsigned char)(1u << mlip_rng_below(&rng, 8));
        }
        st = mlip_model_load_memory(x, n, 0, &l);
        CHECK_MSG(st == MLIP_OK || (st == MLIP_ERR_FORMAT && mlip_last_error()[0]),
                  "flip %d: status %s", flips, mlip_status_string(st));
        if (st == MLIP_OK)
            ok++;
        else
            fail++;
        mlip_model_free(l);
    }
    printf("    %lu truncations all refused; 3000 bit-flipped files: %d loaded, %d refused\n",
           (unsigned long)n, ok, fail);
    free(x);
    mlip_free(b);
    mlip_model_free(m);
}

/* The fuzzer's corpus of malformed files (tests/data/model_corpus/NNN): none may crash. */
static void test_fmt_corpus(void) {
    int i, ok = 0, refused = 0;
    for (i = 0; i < 10000; i++) {
        char path[64];
        unsigned char *buf = NULL;
        size_t len = 0;
        mlip_model *m = NULL;
        mlip_status st;
        snprintf(path, sizeof path, "tests/data/model_corpus/%03d", i);
        if (!fmt_read(path, &buf, &len)) {
            free(buf);
            break;
        }
        st = len >= 4 && !memcmp(buf, "MLIP", 4)
                 ? mlip_model_load_memory(buf, len, 0, &m)
                 : mlip_model_import_safetensors(buf, len, NULL, i % 2, &m);
        if (st == MLIP_OK)
            ok++;
        else
            refused++;
        CHECK_MSG(st == MLIP_OK || st == MLIP_ERR_FORMAT, "%s: status %s (%s)", path,
                  mlip_status_string(st), mlip_last_error());
        mlip_model_free(m);
        free(buf);
    }
    CHECK_MSG(i > 0, "no corpus in tests/data/model_corpus");
    printf("    %d corpus files: %d loaded, %d refused cleanly\n", i, ok, refused);
}

static void fmt_st_expect(const char *json, size_t data_len, const char *needle) {
    size_t hl = strlen(json), n = 8 + hl + data_len;
    unsigned char *buf = (unsigned char *)calloc(n, 1);
    mlip_model *m = NULL;
    mlip_status st;
    buf[0] = (unsigned char)hl;
    buf[1] = (unsigned char)(hl >> 8);
    memcpy(buf + 8, json, hl);
    st = mlip_model_import_safetensors(buf, n, NULL, 1, &m);
    CHECK_MSG(st == MLIP_ERR_FORMAT && strstr(mlip_last_error(), needle), "safetensors %s: %s '%s'",
              json, mlip_status_string(st), mlip_last_error());
    mlip_model_free(m);
    free(buf);
}

static void test_fmt_safetensors_errors(void) {
    fmt_st_expect("", 0, "expected '{'");
    fmt_st_expect("{} x", 0, "trailing");
    fmt_st_expect("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                  "unknown tensor");
    fmt_st_expect("{\"sie.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
                  "data_offsets");
    fmt_st_expect("{\"sie.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
                  "data_offsets");
    fmt_st_expect("{\"sie.bias\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2,
                  "dtype");
    fmt_st_expect("{\"sie.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
                  4, "field");
    fmt_st_expect("{\"sie.bias\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "needs dtype");
    fmt_st_expect("{\"sie.bias\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", 4,
                  "integer");
    fmt_st_expect("{\"sie.bias\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
                  "integer");
    fmt_st_expect(
        "{\"sie.bias\":{\"dtype\":\"F32\",\"shape\":[99999999999999999],\"data_offsets\":[0,4]}}",
        4, "large");
    fmt_st_expect("{\"a\\ud800\":{}}", 0, "surrogate");
    fmt_st_expect("{\"a\\u0000\":{}}", 0, "NUL");
    fmt_st_expect("{\"a\\q\":{}}", 0, "escape");
    fmt_st_expect("{\"a", 0, "unterminated");
    fmt_st_expect("{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}", 0, "duplicate");
    fmt_st_expect("{\"__metadata__\":{\"k\":1}}", 0, "expected a string");
    fmt_st_expect("{\"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"x\":{}}", 4,
                  "duplicate");
    fmt_st_expect("{\"__metadata__\":{}}", 0, "cannot infer");
    { /* gamma/beta names map to weight/bias: a wrong shape proves the tensor was recognised */
        mlip_model_config c = fmt_small_config();
        unsigned char b[160] = {0};
        const char *j = "{\"bert.embeddings.LayerNorm.gamma\":{\"dtype\":\"F32\",\"shape\":[1],"
                        "\"data_offsets\":[0,4]}}";
        mlip_model *m = NULL;
        b[0] = (unsigned char)strlen(j);
        memcpy(b + 8, j, strlen(j));
        CHECK_FAILS(mlip_model_import_safetensors(b, 8 + strlen(j) + 4, &c, 1, &m),
                    MLIP_ERR_FORMAT);
        CHECK_MSG(strstr(mlip_last_error(), "shape") != NULL, "gamma not mapped: %s",
                  mlip_last_error());
    }
    {
        unsigned char b[16] = {200, 0, 0, 0, 0, 0, 0, 0};
        mlip_model *m = NULL;
        CHECK_FAILS(mlip_model_import_safetensors(b, sizeof b, NULL, 0, &m), MLIP_ERR_FORMAT);
        CHECK_FAILS(mlip_model_import_safetensors(b, 4, NULL, 0, &m), MLIP_ERR_FORMAT);
    }
}


/* F16, BF16 and F64 data, at an unaligned offset, with a given config and missing tensors. */
static void test_fmt_safetensors_dtypes(void) {
    static const char *const dt[3] = {"F16", "BF16", "F64"};
    static const unsigned char data[3][32] = {
        {0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x00, 0x00}, /* 1, -2, 0.5, 0 as f16 */
        {0x80, 0x3f, 0x00, 0xc0, 0x00, 0x3f, 0x00, 0x00}, /* the same as bf16 */
        {0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f}};
    static const float want[4] = {1.0f, -2.0f, 0.5f, 0.0f};
    mlip_model_config c = fmt_small_config();
    int t;
    for (t = 0; t < 3; t++) {
        char json[128];
        size_t hl, nb = t == 2 ? 32 : 8;
        unsigned char buf[256];
        mlip_model *m = NULL;
        float *x;
        snprintf(json, sizeof json,
                 "{\"sie.bias\":{\"dtype\":\"%s\",\"shape\":[4],\"data_offsets\":[0,%d]}} ", dt[t],
                 (int)nb);
        hl = strlen(json); /* not a multiple of 8: the data are unaligned */
        memset(buf, 0, sizeof buf);
        buf[0] = (unsigned char)hl;
        memcpy(buf + 8, json, hl);
        memcpy(buf + 8 + hl, data[t], nb);
        CHECK_FAILS(mlip_model_import_safetensors(buf, 8 + hl + nb, &c, 0, &m),
                    MLIP_ERR_FORMAT); /* missing tensors */
        CHECK_OK(mlip_model_import_safetensors(buf, 8 + hl + nb, &c, 1, &m));
        x = m ? mlip_model_tensor(m, "sie.bias", NULL) : NULL;
        CHECK_MSG(x && !memcmp(x, want, sizeof want), "%s data not decoded", dt[t]);
        mlip_model_free(m);
    }
}

static const mt_case format_tests[] = {
    {"roundtrip", test_fmt_roundtrip},
    {"dtypes", test_fmt_dtypes},
    {"twin", test_fmt_twin},
    {"malformed", test_fmt_malformed},
    {"lowercase", test_fmt_lowercase},
    {"truncate_flip", test_fmt_truncate_flip},
    {"corpus", test_fmt_corpus},
    {"safetensors_errors", test_fmt_safetensors_errors},
    {"safetensors_dtypes", test_fmt_safetensors_dtypes},
    {NULL, NULL},
};
