/* Section 14, Dataset: TSV parsing (header or not, column names, CRLF, BOM, blank lines),
   every kind of bad row in strict and lenient mode with file:line in the message, images
   that fail only at batch time, batches against the tokenizer and the image reader called
   directly, shuffling, and augmentation (determinism, bounds, identity, fixed rng use).
   Fixtures are written at test time into a fresh directory under build/. The real-data case
   needs ../shared (skips visibly without it). */

#define DS_SHARED_PAIRS "../shared/data/cxr/pairs.tsv"
#define DS_SHARED_VOCAB "../shared/data/vocab/bert-base-uncased-vocab.txt"

static const char ds_vocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
    "the\nheart\nis\nnormal\nlung\n##s\nare\nclear\nno\neff\n##usion\n.\n,\n;\nleft\nbase\n"
    "opacity\nsmall\nsize\nmild\n";

/* ---- fixture directory: files written here are removed by ds_cleanup ---- */
static char ds_dir[64];
static char ds_files[32][128];
static int ds_n_files;

static const char *ds_path(const char *name) {
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%.63s/%.150s", ds_dir, name);
    return buf[k];
}

static void ds_write(const char *name, const void *data, size_t len) {
    FILE *f = fopen(ds_path(name), "wb");
    int i, known = 0;
    CHECK_MSG(f != NULL, "cannot create %s", ds_path(name));
    if (!f) return;
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
    for (i = 0; i < ds_n_files; i++) known |= !strcmp(ds_files[i], name);
    if (!known && ds_n_files < 32) snprintf(ds_files[ds_n_files++], sizeof ds_files[0], "%s", name);
}
static void ds_write_str(const char *name, const char *s) { ds_write(name, s, strlen(s)); }

/* An 8-bit P5 image with a pattern that depends on seed (w x h). */
static void ds_write_pgm(const char *name, int w, int h, int seed) {
    unsigned char *buf = (unsigned char *)malloc(64 + (size_t)w * h);
    int x, y, at = sprintf((char *)buf, "P5\n%d %d\n255\n", w, h);
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            buf[at + y * w + x] = (unsigned char)((x * 7 + y * 13 + seed * 41) % 256);
    ds_write(name, buf, (size_t)at + (size_t)w * h);
    free(buf);
}

static int ds_setup(void) {
    char tmpl[] = "build/test_dataset_XXXXXX", tmpl2[] = "/tmp/test_dataset_XXXXXX";
    const char *d = mkdtemp(tmpl);
    if (!d) d = mkdtemp(tmpl2);
    ds_n_files = 0;
    if (!d) return 0;
    snprintf(ds_dir, sizeof ds_dir, "%s", d);
    ds_write_pgm("a.pgm", 40, 30, 1);
    ds_write_pgm("b.pgm", 20, 24, 2);
    ds_write_pgm("c.pgm", 16, 16, 3);
    return 1;
}

static void ds_cleanup(void) {
    int i;
    for (i = 0; i < ds_n_files; i++) remove(ds_path(ds_files[i]));
    remove(ds_dir);
    ds_n_files = 0;
}

/* ---- warnings collected by a callback ---- */
typedef struct ds_warnings {
    int n;
    char text[8192];
} ds_warnings;

static void ds_collect(void *ctx, const char *msg) {
    ds_warnings *w = (ds_warnings *)ctx;
    size_t at = strlen(w->text);
    w->n++;
    if (at + strlen(msg) + 2 < sizeof w->text) sprintf(w->text + at, "%s\n", msg);
}

static mlip_dataset_options ds_options(ds_warnings *w) {
    mlip_dataset_options o;
    memset(&o, 0, sizeof o);
    o.image_size = 16;
    o.channels = 1;
    o.max_tokens = 12;
    o.max_sentences = 4;
    if (w) memset(w, 0, sizeof *w), o.warn = ds_collect, o.warn_ctx = w;
    return o;
}

static mlip_tokenizer *ds_tok(void) {
    mlip_tokenizer *tok = NULL;
    CHECK_OK(mlip_tokenizer_from_memory(ds_vocab, sizeof ds_vocab - 1, 1, &tok));
    return tok;
}

/* "file:line" of the TSV in a message */
static int ds_has_line(const char *text, const char *tsv, int line) {
    char want[256];
    snprintf(want, sizeof want, "%s:%d:", ds_path(tsv), line);
    return strstr(text, want) != NULL;
}

/* ---- cases ---- */

static void test_ds_no_header(void) {
    mlip_tokenizer *tok;
    mlip_dataset *ds = NULL;
    mlip_dataset_options o;
    ds_warnings w;
    if (!ds_setup()) SKIP("cannot create a temporary directory");
    tok = ds_tok();
    ds_write_str("p.tsv", "a.pgm\tThe heart is normal. Lungs are clear.\teffusion;cardiomegaly\n"
                          "b.pgm\tNo effusion.\t\n"
                          "c.pgm\t  Small left base opacity; mild.  \tnormal\n");
    o = ds_options(&w);
    CHECK_OK(mlip_dataset_open(ds_path("p.tsv"), tok, &o, &ds));
    if (ds) {
        CHECK(mlip_dataset_size(ds) == 3 && mlip_dataset_skipped(ds) == 0 && w.n == 0);
        CHECK(!strcmp(mlip_dataset_report(ds, 0), "The heart is normal. Lungs are clear."));
        CHECK(!strcmp(mlip_dataset_report(ds, 2), "Small left base opacity; mild.")); /* trimmed */
        CHECK(!strcmp(mlip_dataset_image_path(ds, 1), ds_path("b.pgm")));
        CHECK(mlip_dataset_line(ds, 0) == 1 && mlip_dataset_line(ds, 2) == 3);
        CHECK(mlip_dataset_n_labels(ds) == 3);
        CHECK(!strcmp(mlip_dataset_label_name(ds, 0), "cardiomegaly") &&
              !strcmp(mlip_dataset_label_name(ds, 1), "effusion") &&
              !strcmp(mlip_dataset_label_name(ds, 2), "normal"));
        CHECK(mlip_dataset_label_name(ds, 3) == NULL && mlip_dataset_label_name(ds, -1) == NULL);
        CHECK(mlip_dataset_report(ds, 3) == NULL && mlip_dataset_line(ds, -1) == -1 &&
              mlip_dataset_labels(ds, 9) == NULL);
        {
            const int8_t *l0 = mlip_dataset_labels(ds, 0), *l1 = mlip_dataset_labels(ds, 1),
                         *l2 = mlip_dataset_labels(ds, 2);
            CHECK(l0 && l0[0] == 1 && l0[1] == 1 && l0[2] == 0);
            CHECK(l1 && l1[0] == 0 && l1[1] == 0 && l1[2] == 0);
            CHECK(l2 && l2[0] == 0 && l2[1] == 0 && l2[2] == 1);
        }
        mlip_dataset_free(ds);
    }
    /* two columns, no labels at all */
    ds_write_str("q.tsv", "a.pgm\tNo effusion.\nb.pgm\tclear\n");
    CHECK_OK(mlip_dataset_open(ds_path("q.tsv"), tok, &o, &ds));
    if (ds) {
        CHECK(mlip_dataset_size(ds) == 2 && mlip_dataset_n_labels(ds) == 0 &&
              mlip_dataset_labels(ds, 0) == NULL);
        mlip_dataset_free(ds);
    }
    mlip_tokenizer_free(tok);
    ds_cleanup();
}

static void test_ds_header_crlf_bom(void) {
    mlip_tokenizer *tok;
    mlip_dataset *ds = NULL;
    mlip_dataset_options o;
    ds_warnings w;
    char abs_line[512];
    if (!ds_setup()) SKIP("cannot create a temporary directory");
    tok = ds_tok();
    o = ds_options(&w);
    /* the shared pairs.tsv layout: id image labels text; BOM, CRLF, blank lines */
    ds_write_str("h.tsv", "\xEF\xBB\xBFid\timage\tlabels\ttext\r\n"
                          "\r\n"
                          "1\ta.pgm\tpneumonia;covid19\tThe heart is normal.\r\n"
                          "   \r\n"
                          "2\tb.pgm\tnormal\tLungs are clear.\r\n");
    CHECK_OK(mlip_dataset_open(ds_path("h.tsv"), tok, &o, &ds));
    if (ds) {
        CHECK(mlip_dataset_size(ds) == 2 && w.n == 0);
        CHECK(!strcmp(mlip_dataset_report(ds, 0), "The heart is normal.")); /* no '\r' */
        CHECK(!strcmp(mlip_dataset_report(ds, 1), "Lungs are clear."));
        CHECK(!strcmp(mlip_dataset_image_path(ds, 0), ds_path("a.pgm")));
        CHECK(mlip_dataset_line(ds, 0) == 3 && mlip_dataset_line(ds, 1) == 5);
        CHECK(mlip_dataset_n_labels(ds) == 3 && !strcmp(mlip_dataset_label_name(ds, 0), "covid19"));
        mlip_dataset_free(ds);
    }
    /* names in another order and case, "report"; an absolute path is kept as it is */
    snprintf(abs_line, sizeof abs_line, "Report\tLabels\tImage\nclear\tx\t%s\nno effusion\t\tb.pgm",
             ds_path("c.pgm"));
    if (ds_path("c.pgm")[0] == '/') {
        ds_write_str("h2.tsv", abs_line);
        CHECK_OK(mlip_dataset_open(ds_path("h2.tsv"), tok, &o, &ds));
        if (ds) {
            CHECK(mlip_dataset_size(ds) == 2 && !strcmp(mlip_dataset_report(ds, 0), "clear"));
            CHECK(!strcmp(mlip_dataset_image_path(ds, 0), ds_path("c.pgm")));
            CHECK(!strcmp(mlip_dataset_report(ds, 1), "no effusion")); /* last line, no newline */
            CHECK(mlip_dataset_n_labels(ds) == 1);
            mlip_dataset_free(ds);
        }
    }
    /* synonyms: path, caption */
    ds_write_str("h6.tsv", "id\tcaption\tpath\n7\tclear\ta.pgm\n");
    CHECK_OK(mlip_dataset_open(ds_path("h6.tsv"), tok, &o, &ds));
    if (ds) {
        CHECK(mlip_dataset_size(ds) == 1 && !strcmp(mlip_dataset_report(ds, 0), "clear"));
        mlip_dataset_free(ds);
    }
    /* "image" first: a header without a report column is an error of the file */
    ds_write_str("h3.tsv", "image\tfindings\na.pgm\tclear\n");
    CHECK_FAILS(mlip_dataset_open(ds_path("h3.tsv"), tok, &o, &ds), MLIP_ERR_FORMAT);
    CHECK(ds == NULL && ds_has_line(mlip_last_error(), "h3.tsv", 1));
    /* a file with only a header, and an empty file */
    ds_write_str("h4.tsv", "image\treport\n");
    CHECK_FAILS(mlip_dataset_open(ds_path("h4.tsv"), tok, &o, &ds), MLIP_ERR_FORMAT);
    ds_write_str("h5.tsv", "");
    CHECK_FAILS(mlip_dataset_open(ds_path("h5.tsv"), tok, &o, &ds), MLIP_ERR_FORMAT);
    CHECK_FAILS(mlip_dataset_open(ds_path("none.tsv"), tok, &o, &ds), MLIP_ERR_IO);
    mlip_tokenizer_free(tok);
    ds_cleanup();
}

static void test_ds_bad_rows(void) {
    static const struct {
        const char *row;
        mlip_status st;
        const char *says;
    } bad[] = {
        {"missing.pgm\tclear\n", MLIP_ERR_IO, "image 'missing.pgm' not found"},
        {"a.pgm\t   \n", MLIP_ERR_FORMAT, "empty report"},
        {" \tclear\n", MLIP_ERR_FORMAT, "empty image path"},
        {"a.pgm\n", MLIP_ERR_FORMAT, "1 columns"},
        {"a.pgm\tclear\tx\ty\n", MLIP_ERR_FORMAT, "4 columns"},
        {"a.pgm\tcl\0ear\n", MLIP_ERR_FORMAT, "NUL byte"},
        {"empty.pgm\tclear\n", MLIP_ERR_IO, "image 'empty.pgm' is an empty file"},
        {".\tclear\n", MLIP_ERR_IO, "image '.' cannot be read"}, /* the directory itself */
    };
    mlip_tokenizer *tok;
    mlip_dataset *ds = NULL;
    mlip_dataset_options o;
    ds_warnings w;
    char *file;
    size_t at = 0, k, big = (size_t)MLIP_DATASET_MAX_LINE + 100;
    if (!ds_setup()) SKIP("cannot create a temporary directory");
    tok = ds_tok();
    ds_write("empty.pgm", "", 0);
    /* good row, the bad ones (lines 2..9), an overlong line (10), a good row (11) */
    file = (char *)malloc(big + 4096);
    at += (size_t)sprintf(file, "a.pgm\tclear\n");
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        size_t n = strlen(bad[k].row);
        if (strstr(bad[k].says, "NUL")) n = 13; /* the row with the NUL: "a.pgm\tcl\0ear\n" */
        memcpy(file + at, bad[k].row, n), at += n;
    }
    memcpy(file + at, "a.pgm\t", 6);
    at += 6;
    memset(file + at, 'x', big);
    at += big;
    memcpy(file + at, "\nb.pgm\tno effusion\n", 19);
    at += 19;
    ds_write("bad.tsv", file, at);
    o = ds_options(&w);
    CHECK_OK(mlip_dataset_open(ds_path("bad.tsv"), tok, &o, &ds));
    if (ds) {
        CHECK(mlip_dataset_size(ds) == 2 && mlip_dataset_skipped(ds) == 9 && w.n == 9);
        CHECK(mlip_dataset_line(ds, 0) == 1 && mlip_dataset_line(ds, 1) == 11);
        for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            CHECK_MSG(ds_has_line(w.text, "bad.tsv", (int)k + 2), "no warning for line %d in:\n%s",
                      (int)k + 2, w.text);
            CHECK_MSG(strstr(w.text, bad[k].says) != NULL, "'%s' missing from:\n%s", bad[k].says,
                      w.text);
        }
        CHECK(ds_has_line(w.text, "bad.tsv", 10) && strstr(w.text, "longer than"));
        CHECK(strstr(w.text, "not found (skipped)") != NULL);
        mlip_dataset_free(ds);
    }
    /* strict: each bad row alone fails the open, naming file:line */
    o.strict = 1;
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        size_t n = strlen(bad[k].row);
        char buf[64];
        if (strstr(bad[k].says, "NUL")) n = 13; /* "a.pgm\tcl\0ear\n" */
        memcpy(buf, "a.pgm\tclear\n", 12);
        memcpy(buf + 12, bad[k].row, n);
        ds_write("strict.tsv", buf, 12 + n);
        CHECK_FAILS(mlip_dataset_open(ds_path("strict.tsv"), tok, &o, &ds), bad[k].st);
        CHECK_MSG(ds == NULL && ds_has_line(mlip_last_error(), "strict.tsv", 2) &&
                      strstr(mlip_last_error(), bad[k].says),
                  "strict row %d: %s", (int)k, mlip_last_error());
    }
    memcpy(file + 12, "a.pgm\t", 6); /* the overlong line is fatal too */
    memset(file + 18, 'x', big);
    ds_write("strict.tsv", file, 18 + big);
    CHECK_FAILS(mlip_dataset_open(ds_path("strict.tsv"), tok, &o, &ds), MLIP_ERR_FORMAT);
    CHECK(ds_has_line(mlip_last_error(), "strict.tsv", 2));
    CHECK(w.n == 9); /* strict mode does not warn */
    /* lenient, every row bad: no usable rows */
    o.strict = 0;
    ds_write_str("allbad.tsv", "x.pgm\tclear\ny.pgm\tclear\n");
    CHECK_FAILS(mlip_dataset_open(ds_path("allbad.tsv"), tok, &o, &ds), MLIP_ERR_FORMAT);
    CHECK(strstr(mlip_last_error(), "no usable rows (2 skipped)") != NULL);
    free(file);
    mlip_tokenizer_free(tok);
    ds_cleanup();
}

/* Images that open but fail to decode only when a batch asks for them. */
static void test_ds_batch_time_failures(void) {
    mlip_tokenizer *tok;
    mlip_dataset *ds = NULL;
    mlip_dataset_options o;
    mlip_batch batch;
    mlip_rng rng;
    ds_warnings w;
    int rows[4] = {1, 0, 3, 1}, b;
    if (!ds_setup()) SKIP("cannot create a temporary directory");
    tok = ds_tok();
    ds_write_str("corrupt.pgm", "P5 40 40 255\nshort");
    ds_write_str("gone.pgm", "P2 1 1 9 5");
    ds_write_str(
        "f.tsv",
        "a.pgm\tclear\ncorrupt.pgm\tno effusion\nb.pgm\tthe heart is normal\ngone.pgm\tclear\n");
    o = ds_options(&w);
    CHECK_OK(mlip_dataset_open(ds_path("f.tsv"), tok, &o, &ds));
    remove(ds_path("gone.pgm")); /* vanishes after the open checked it */
    CHECK_OK(mlip_batch_alloc(&batch, 4, 1, 16, 12, 4, 0));
    if (ds && batch.images) {
        CHECK(mlip_dataset_size(ds) == 4 && w.n == 0);
        mlip_rng_seed(&rng, 5, 1);
        CHECK_OK(mlip_dataset_batch(ds, rows, 4, NULL, &rng, &batch));
        CHECK_MSG(w.n == 2, "%d warnings:\n%s", w.n, w.text);
        CHECK(ds_has_line(w.text, "f.tsv", 2) && ds_has_line(w.text, "f.tsv", 4) &&
              strstr(w.text, "truncated"));
        CHECK(mlip_dataset_skipped(ds) == 2);
        for (b = 0; b < 4; b++) CHECK(batch.rows[b] == 0 || batch.rows[b] == 2); /* substitutes */
        CHECK(batch.rows[1] == 0);
        /* the same rows again: no new warnings, the same substitutes for the same rng */
        {
            int first[4];
            memcpy(first, batch.rows, sizeof first);
            mlip_rng_seed(&rng, 5, 1);
            CHECK_OK(mlip_dataset_batch(ds, rows, 4, NULL, &rng, &batch));
            CHECK(w.n == 2 && !memcmp(first, batch.rows, sizeof first));
            CHECK_OK(mlip_dataset_batch(ds, rows, 4, NULL, NULL,
                                        &batch)); /* no rng: the next good row */
            CHECK(batch.rows[0] == 2 && batch.rows[2] == 0);
        }
        mlip_dataset_free(ds);
        ds = NULL;
    }
    /* strict: the batch fails naming file:line */
    o.strict = 1;
    ds_write_str("gone.pgm", "P2 1 1 9 5");
    CHECK_OK(mlip_dataset_open(ds_path("f.tsv"), tok, &o, &ds));
    if (ds && batch.images) {
        CHECK_FAILS(mlip_dataset_batch(ds, rows, 4, NULL, &rng, &batch), MLIP_ERR_FORMAT);
        CHECK_MSG(ds_has_line(mlip_last_error(), "f.tsv", 2) &&
                      strstr(mlip_last_error(), "corrupt.pgm"),
                  "%s", mlip_last_error());
        mlip_dataset_free(ds);
        ds = NULL;
    }
    /* lenient, no row decodes: an error, not a hang or a crash */
    o.strict = 0;
    ds_write_str("g.tsv", "corrupt.pgm\tclear\ngone.pgm\tclear\n");
    CHECK_OK(mlip_dataset_open(ds_path("g.tsv"), tok, &o, &ds));
    remove(ds_path("gone.pgm"));
    if (ds && batch.images) {
        CHECK_FAILS(mlip_dataset_batch(ds, rows, 1, NULL, &rng, &batch),
                    MLIP_ERR_INVALID_ARG); /* B != batch.B */
        rows[0] = 1, rows[1] = 0, rows[2] = 0, rows[3] = 1;
        CHECK_FAILS(mlip_dataset_batch(ds, rows, 4, NULL, &rng, &batch), MLIP_ERR_FORMAT);
        CHECK(strstr(mlip_last_error(), "no row has a readable image") != NULL);
        mlip_dataset_free(ds);
    }
    mlip_batch_free(&batch);
    mlip_tokenizer_free(tok);
    ds_cleanup();
}

/* A batch holds exactly what the tokenizer and the image reader give for the same row. */
static void test_ds_batch_contents(void) {
    mlip_tokenizer *tok;
    mlip_dataset *ds = NULL, *ds_nocache = NULL;
    mlip_dataset_options o;
    mlip_batch batch, batch2;
    mlip_preprocess_options pre;
    ds_warnings w;
    int rows[3] = {2, 0, 2}, b, k;
    if (!ds_setup()) SKIP("cannot create a temporary directory");
    tok = ds_tok();
    ds_write_str(
        "p.tsv",
        "image\treport\tlabels\n"
        "a.pgm\tThe heart is normal. Lungs are clear.\teffusion\n"
        "b.pgm\tNo effusion; small left base opacity.\t\n"
        "c.pgm\tThe heart size is normal. No effusion. Lungs are clear. Mild.\tnormal;effusion\n");
    o = ds_options(&w);
    CHECK_OK(mlip_dataset_open(ds_path("p.tsv"), tok, &o, &ds));
    o.cache_mb = -1;
    CHECK_OK(mlip_dataset_open(ds_path("p.tsv"), tok, &o, &ds_nocache));
    CHECK_OK(mlip_batch_alloc(&batch, 3, 1, 16, 12, 4, 2));
    CHECK_OK(mlip_batch_alloc(&batch2, 3, 1, 16, 12, 4, 2));
    memset(&pre, 0, sizeof pre);
    pre.resize = MLIP_IMAGE_AREA;
    if (ds && ds_nocache && batch.images && batch2.images) {
        CHECK_OK(mlip_dataset_batch(ds, rows, 3, NULL, NULL, &batch));
        for (b = 0; b < 3; b++) {
            const char *text = mlip_dataset_report(ds, rows[b]);
            int ids[12], n_real = 0, beg[4], end[4], ns = -1;
            uint8_t mask[12];
            float img[256];
            mlip_image im;
            CHECK(batch.rows[b] == rows[b]);
            CHECK_OK(mlip_tokenizer_encode(tok, text, strlen(text), 12, ids, mask, &n_real));
            CHECK(!memcmp(ids, batch.ids + b * 12, sizeof ids) &&
                  !memcmp(mask, batch.mask + b * 12, sizeof mask));
            CHECK_OK(mlip_tokenizer_sentences(tok, text, strlen(text), 12, 4, beg, end, &ns));
            CHECK(ns == batch.n_sentences[b]);
            for (k = 0; k < ns && k < 4; k++)
                CHECK(beg[k] == batch.sent_begin[b * 4 + k] && end[k] == batch.sent_end[b * 4 + k]);
            CHECK_OK(mlip_image_read_file(mlip_dataset_image_path(ds, rows[b]), NULL, &im));
            CHECK_OK(mlip_image_preprocess(&im, &pre, img, 16, 1));
            mlip_image_free(&im);
            CHECK(!memcmp(img, batch.images + b * 256, sizeof img));
        }
        /* the third report is truncated by T = 12: sentences are clipped, not lost */
        CHECK(batch.n_sentences[0] >= 2 && batch.sent_end[0 * 4 + batch.n_sentences[0] - 1] <= 11);
        /* labels: columns effusion, normal */
        CHECK(mlip_dataset_n_labels(ds) == 2 && !strcmp(mlip_dataset_label_name(ds, 1), "normal"));
        CHECK(batch.labels[0] == 1 && batch.labels[1] == 1 && batch.labels[2] == 1 &&
              batch.labels[3] == 0);
        /* augmented batches: the same seed gives the same bits, with or without the cache
           (twice through the cached one: the second time comes from the cache) */
        {
            mlip_augment_options aug = mlip_augment_defaults();
            mlip_rng r1, r2;
            int pass;
            for (pass = 0; pass < 2; pass++) {
                mlip_rng_seed(&r1, 77, 3);
                mlip_rng_seed(&r2, 77, 3);
                CHECK_OK(mlip_dataset_batch(ds, rows, 3, &aug, &r1, &batch));
                CHECK_OK(mlip_dataset_batch(ds_nocache, rows, 3, &aug, &r2, &batch2));
                CHECK(!memcmp(batch.images, batch2.images, 3 * 256 * sizeof(float)));
                CHECK(r1.state == r2.state);
            }
            for (k = 0; k < 3 * 256; k++) CHECK(batch.images[k] >= 0 && batch.images[k] <= 1);
            CHECK(memcmp(batch.images, batch.images + 2 * 256,
                         256 * sizeof(float))); /* row 2 twice, augmented apart */
        }
        /* wrong shapes, bad rows, NULLs */
        rows[1] = 3;
        CHECK_FAILS(mlip_dataset_batch(ds, rows, 3, NULL, NULL, &batch), MLIP_ERR_INVALID_ARG);
        rows[1] = -1;
        CHECK_FAILS(mlip_dataset_batch(ds, rows, 3, NULL, NULL, &batch), MLIP_ERR_INVALID_ARG);
        rows[1] = 0;
        {
            mlip_augment_options aug = mlip_augment_defaults();
            CHECK_FAILS(mlip_dataset_batch(ds, rows, 3, &aug, NULL, &batch), MLIP_ERR_INVALID_ARG);
        }
        batch.T = 13;
        CHECK_FAILS(mlip_dataset_batch(ds, rows, 3, NULL, NULL, &batch), MLIP_ERR_INVALID_ARG);
        batch.T = 12;
        batch.n_labels = 0;
        CHECK_FAILS(mlip_dataset_batch(ds, rows, 3, NULL, NULL, &batch), MLIP_ERR_INVALID_ARG);
        batch.n_labels = 2;
        CHECK_FAILS(mlip_dataset_batch(NULL, rows, 3, NULL, NULL, &batch), MLIP_ERR_INVALID_ARG);
    }
    mlip_dataset_free(ds);
    mlip_dataset_free(ds_nocache);
    mlip_batch_free(&batch);
    mlip_batch_free(&batch2);
    mlip_tokenizer_free(tok);
    ds_cleanup();
}

static void test_ds_open_args(void) {
    mlip_tokenizer *tok = ds_tok();
    mlip_dataset *ds = NULL;
    mlip_dataset_options o = ds_options(NULL);
    mlip_preprocess_options pre;
    CHECK_FAILS(mlip_dataset_open(NULL, tok, &o, &ds), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_dataset_open("x.tsv", NULL, &o, &ds), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_dataset_open("x.tsv", tok, NULL, &ds), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_dataset_open("x.tsv", tok, &o, NULL), MLIP_ERR_INVALID_ARG);
    o.channels = 2;
    CHECK_FAILS(mlip_dataset_open("x.tsv", tok, &o, &ds), MLIP_ERR_INVALID_ARG);
    o = ds_options(NULL);
    o.max_tokens = 1;
    CHECK_FAILS(mlip_dataset_open("x.tsv", tok, &o, &ds), MLIP_ERR_INVALID_ARG);
    o = ds_options(NULL);
    o.image_size = 0;
    CHECK_FAILS(mlip_dataset_open("x.tsv", tok, &o, &ds), MLIP_ERR_INVALID_ARG);
    o = ds_options(NULL);
    o.image_size = 0x7FFFFFFF;
    o.channels = 3;
    CHECK_FAILS(mlip_dataset_open("x.tsv", tok, &o, &ds), MLIP_ERR_OVERFLOW);
    o = ds_options(NULL);
    memset(&pre, 0, sizeof pre);
    pre.fit = (mlip_image_fit)7;
    o.preprocess = &pre;
    CHECK_FAILS(mlip_dataset_open("x.tsv", tok, &o, &ds), MLIP_ERR_INVALID_ARG);
    CHECK(ds == NULL);
    CHECK(mlip_dataset_size(NULL) == 0 && mlip_dataset_report(NULL, 0) == NULL);
    mlip_dataset_free(NULL);
    mlip_tokenizer_free(tok);
}

static void test_ds_shuffle(void) {
    mlip_tokenizer *tok;
    mlip_dataset *ds = NULL;
    mlip_dataset_options o;
    mlip_rng r1, r2;
    int a[40], b[40], seen[40], k, n, differs = 0;
    char tsv[2048];
    size_t at = 0;
    if (!ds_setup()) SKIP("cannot create a temporary directory");
    tok = ds_tok();
    for (k = 0; k < 40; k++)
        at += (size_t)sprintf(tsv + at, "%s\tclear\n", k % 3 ? "a.pgm" : "b.pgm");
    ds_write_str("s.tsv", tsv);
    o = ds_options(NULL);
    CHECK_OK(mlip_dataset_open(ds_path("s.tsv"), tok, &o, &ds));
    if (ds) {
        n = mlip_dataset_size(ds);
        CHECK(n == 40);
        mlip_rng_seed(&r1, 9, 0);
        mlip_rng_seed(&r2, 9, 0);
        CHECK_OK(mlip_dataset_shuffle(ds, &r1, a));
        CHECK_OK(mlip_dataset_shuffle(ds, &r2, b));
        CHECK(!memcmp(a, b, sizeof a));
        memset(seen, 0, sizeof seen);
        for (k = 0; k < 40; k++)
            if (a[k] >= 0 && a[k] < 40) seen[a[k]]++;
        for (k = 0; k < 40; k++) {
            CHECK(seen[k] == 1);
            differs += a[k] != k;
        }
        CHECK(differs > 0);
        CHECK_OK(mlip_dataset_shuffle(ds, &r1, b)); /* the next epoch: another order */
        CHECK(memcmp(a, b, sizeof a));
        CHECK_FAILS(mlip_dataset_shuffle(ds, NULL, a), MLIP_ERR_INVALID_ARG);
        mlip_dataset_free(ds);
    }
    mlip_tokenizer_free(tok);
    ds_cleanup();
}

static void test_augment(void) {
    enum { S = 24, C = 3, N = C * S * S };
    float *x = mt_alloc(N), *y = mt_alloc(N), *z = mt_alloc(N);
    mlip_augment_options opt = mlip_augment_defaults(), zero;
    mlip_rng r1, r2;
    int k, t, changed = 0;
    /* (differences, not ==: qemu-s390x compares a float with a float constant wrongly) */
    CHECK(fabsf(opt.crop - 0.10f) < 1e-7f && fabsf(opt.rotate_deg - 5.0f) < 1e-7f &&
          fabsf(opt.brightness - 0.10f) < 1e-7f && fabsf(opt.contrast - 0.10f) < 1e-7f &&
          !opt.hflip);
    mt_fill_uniform(x, N, 0, 1, 3);
    /* determinism and bounds, over several draws */
    mlip_rng_seed(&r1, 1, 2);
    mlip_rng_seed(&r2, 1, 2);
    for (t = 0; t < 10; t++) {
        memcpy(y, x, N * sizeof(float));
        memcpy(z, x, N * sizeof(float));
        CHECK_OK(mlip_image_augment(y, C, S, &opt, &r1));
        CHECK_OK(mlip_image_augment(z, C, S, &opt, &r2));
        CHECK(!memcmp(y, z, N * sizeof(float)));
        for (k = 0; k < N; k++) CHECK(y[k] >= 0 && y[k] <= 1);
        changed += memcmp(x, y, N * sizeof(float)) != 0;
    }
    CHECK(changed == 10);
    /* exactly 8 draws an image, whatever the options */
    {
        mlip_rng r3;
        opt.hflip = 1;
        mlip_rng_seed(&r1, 4, 4);
        mlip_rng_seed(&r3, 4, 4);
        CHECK_OK(mlip_image_augment(y, C, S, &opt, &r1));
        for (k = 0; k < 8; k++) mlip_rng_u32(&r3);
        CHECK(r1.state == r3.state);
        opt.hflip = 0;
    }
    /* all knobs 0: the input back exactly (draws still made) */
    memset(&zero, 0, sizeof zero);
    memcpy(y, x, N * sizeof(float));
    CHECK_OK(mlip_image_augment(y, C, S, &zero, &r1));
    CHECK(!memcmp(x, y, N * sizeof(float)));
    /* only the flip: either the identity or the exact mirror */
    zero.hflip = 1;
    for (t = 0; t < 6; t++) {
        int same = 1, mirror = 1, c, yy, xx;
        memcpy(y, x, N * sizeof(float));
        CHECK_OK(mlip_image_augment(y, C, S, &zero, &r1));
        for (c = 0; c < C; c++)
            for (yy = 0; yy < S; yy++)
                for (xx = 0; xx < S; xx++) {
                    float v = y[(c * S + yy) * S + xx];
                    same &= v == x[(c * S + yy) * S + xx];
                    mirror &= v == x[(c * S + yy) * S + S - 1 - xx];
                }
        CHECK(same || mirror);
        changed += mirror; /* over 6 draws, some are flipped (seeded, so fixed) */
    }
    CHECK(changed > 10);
    zero.hflip = 0;
    /* only brightness on a flat image: a flat image, shifted by at most 0.1, clamped */
    zero.brightness = 0.1f;
    for (k = 0; k < N; k++) y[k] = 0.95f;
    CHECK_OK(mlip_image_augment(y, C, S, &zero, &r1));
    for (k = 1; k < N; k++) CHECK(y[k] == y[0]);
    CHECK(y[0] >= 0.85f - 1e-6f && y[0] <= 1);
    zero.brightness = 0;
    /* a rotation of a flat image keeps the centre and darkens only near the corners */
    zero.rotate_deg = 30;
    for (k = 0; k < N; k++) y[k] = 0.5f;
    CHECK_OK(mlip_image_augment(y, C, S, &zero, &r1));
    CHECK(fabsf(y[(S / 2) * S + S / 2] - 0.5f) < 1e-6f);
    for (k = 0; k < N; k++) CHECK(y[k] >= 0 && y[k] <= 0.5f + 1e-6f);
    zero.rotate_deg = 0;
    /* NaN in, 0 out; bad options; NULLs */
    memcpy(y, x, N * sizeof(float));
    y[5] = NAN;
    CHECK_OK(mlip_image_augment(y, C, S, &opt, &r1));
    for (k = 0; k < N; k++) CHECK(y[k] >= 0 && y[k] <= 1);
    opt.crop = 0.6f;
    CHECK_FAILS(mlip_image_augment(y, C, S, &opt, &r1), MLIP_ERR_INVALID_ARG);
    opt = mlip_augment_defaults();
    opt.contrast = NAN;
    CHECK_FAILS(mlip_image_augment(y, C, S, &opt, &r1), MLIP_ERR_INVALID_ARG);
    opt = mlip_augment_defaults();
    opt.rotate_deg = -1;
    CHECK_FAILS(mlip_image_augment(y, C, S, &opt, &r1), MLIP_ERR_INVALID_ARG);
    opt = mlip_augment_defaults();
    CHECK_FAILS(mlip_image_augment(NULL, C, S, &opt, &r1), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_image_augment(y, C, S, NULL, &r1), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_image_augment(y, C, S, &opt, NULL), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_image_augment(y, 0, S, &opt, &r1), MLIP_ERR_INVALID_ARG);
    free(x);
    free(y);
    free(z);
}

/* The real COVID-19 image collection: id image labels text, 526 rows of which some have no
   text (skipped with a warning each). */
static void test_ds_real_pairs(void) {
    mlip_tokenizer *tok = NULL;
    mlip_dataset *ds = NULL;
    mlip_dataset_options o;
    mlip_batch batch;
    mlip_rng rng;
    ds_warnings w;
    int order[600], k, j, covid = -1;
    FILE *probe = fopen(DS_SHARED_PAIRS, "rb");
    if (probe) fclose(probe);
    if (!probe || !(probe = fopen(DS_SHARED_VOCAB, "rb")))
        SKIP("needs " DS_SHARED_PAIRS " and the vocabulary (../shared)");
    fclose(probe);
    CHECK_OK(mlip_tokenizer_load_vocab(DS_SHARED_VOCAB, 1, &tok));
    o = ds_options(&w);
    o.image_size = 64;
    o.max_tokens = 128;
    o.max_sentences = 16;
    CHECK_OK(mlip_dataset_open(DS_SHARED_PAIRS, tok, &o, &ds));
    if (ds) {
        int n = mlip_dataset_size(ds);
        CHECK_MSG(n + mlip_dataset_skipped(ds) == 526 && n >= 400 &&
                      w.n == mlip_dataset_skipped(ds),
                  "%d rows, %d skipped, %d warnings", n, mlip_dataset_skipped(ds), w.n);
        CHECK(strstr(w.text, "empty report (skipped)") != NULL);
        for (j = 0; j < mlip_dataset_n_labels(ds); j++)
            if (!strcmp(mlip_dataset_label_name(ds, j), "covid19")) covid = j;
        CHECK(covid >= 0);
        mlip_rng_seed(&rng, 2024, 0);
        CHECK_OK(mlip_dataset_shuffle(ds, &rng, order));
        CHECK_OK(mlip_batch_alloc(&batch, 4, 1, 64, 128, 16, mlip_dataset_n_labels(ds)));
        if (batch.images) {
            mlip_augment_options aug = mlip_augment_defaults();
            double mean = 0;
            CHECK_OK(mlip_dataset_batch(ds, order, 4, &aug, &rng, &batch));
            for (k = 0; k < 4 * 64 * 64; k++) mean += batch.images[k];
            mean /= 4 * 64 * 64;
            CHECK_MSG(mean > 0.1 && mean < 0.9, "mean pixel %g", mean);
            for (k = 0; k < 4; k++)
                CHECK(batch.rows[k] == order[k] && batch.n_sentences[k] >= 1 &&
                      batch.ids[k * 128] == 101);
            mlip_batch_free(&batch);
        }
        mlip_dataset_free(ds);
    }
    mlip_tokenizer_free(tok);
}

/* Mutated TSV files (tabs, line ends, NULs, ';' and junk put in, bytes cut out): every
   open either fails with a message or gives a dataset whose rows all batch. Under
   make test-asan this is the "never crashes" check. */
static void test_ds_mutated_files(void) {
    static const char base[] =
        "id\timage\tlabels\ttext\n1\ta.pgm\tx;y\tThe heart is normal.\n"
        "2\tb.pgm\t\tNo effusion; clear.\r\n3\tc.pgm\tnormal\tLungs are clear.\n";
    static const char junk[] = "\t\n\r\0; x.\xEF\xBB\xBF\xff";
    mlip_tokenizer *tok;
    mlip_dataset_options o;
    mlip_rng rng;
    mlip_batch batch;
    ds_warnings w;
    char buf[512];
    int it, opened = 0;
    if (!ds_setup()) SKIP("cannot create a temporary directory");
    tok = ds_tok();
    o = ds_options(&w);
    o.max_tokens = 8;
    o.max_sentences = 2;
    mlip_rng_seed(&rng, 123, 0);
    for (it = 0; it < 300; it++) {
        size_t n = sizeof base - 1;
        int m, edits = 1 + (int)mlip_rng_below(&rng, 4);
        mlip_dataset *ds = NULL;
        mlip_status st;
        memcpy(buf, base, n);
        for (m = 0; m < edits; m++) {
            size_t at = mlip_rng_below(&rng, (uint32_t)n);
            char ch = junk[mlip_rng_below(&rng, sizeof junk - 1)];
            switch (mlip_rng_below(&rng, 3)) {
            case 0: buf[at] = ch; break;
            case 1: memmove(buf + at + 1, buf + at, n - at), buf[at] = ch, n++; break;
            default: memmove(buf + at, buf + at + 1, n - at - 1), n--; break;
            }
        }
        ds_write("m.tsv", buf, n);
        o.strict = (int)mlip_rng_below(&rng, 2);
        st = mlip_dataset_open(ds_path("m.tsv"), tok, &o, &ds);
        CHECK_MSG(st == MLIP_OK ? ds != NULL : ds == NULL && mlip_last_error()[0], "iteration %d",
                  it);
        if (ds) {
            int rows[2], k;
            mlip_augment_options aug = mlip_augment_defaults();
            opened++;
            for (k = 0; k < 2; k++)
                rows[k] = (int)mlip_rng_below(&rng, (uint32_t)mlip_dataset_size(ds));
            CHECK_OK(mlip_batch_alloc(&batch, 2, 1, 16, 8, 2, mlip_dataset_n_labels(ds)));
            CHECK_OK(mlip_dataset_batch(ds, rows, 2, &aug, &rng, &batch));
            mlip_batch_free(&batch);
            mlip_dataset_free(ds);
        }
    }
    CHECK(opened > 50);
    mlip_tokenizer_free(tok);
    ds_cleanup();
}

static const mt_case dataset_cases[] = {
    {"no_header", test_ds_no_header},
    {"header_crlf_bom", test_ds_header_crlf_bom},
    {"bad_rows", test_ds_bad_rows},
    {"batch_time_failures", test_ds_batch_time_failures},
    {"batch_contents", test_ds_batch_contents},
    {"open_args", test_ds_open_args},
    {"shuffle", test_ds_shuffle},
    {"augment", test_augment},
    {"mutated_files", test_ds_mutated_files},
    {"real_pairs", test_ds_real_pairs},
    {NULL, NULL},
};
