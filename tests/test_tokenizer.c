/* Section 6, Tokenizer. Id-for-id parity with transformers.js' BertTokenizer (the fixture
   tests/data/tokenizer_ids.tsv, made by tools/tokenizer_fixture.mjs) on real reports and edge
   cases, cased and uncased; this needs the real vocabulary from ../shared and skips visibly
   without it. Everything else runs on a tiny in-test vocabulary: WordPiece rules, special
   tokens, invalid UTF-8 (random bytes under the sanitizers), sentence spans, decode,
   vocabulary training, bad arguments. */

#define TOK_VOCAB_PATH "../shared/data/vocab/bert-base-uncased-vocab.txt"
#define TOK_REPORTS_PATH "../shared/data/cxr/reports.tsv"
#define TOK_FIXTURE_PATH "tests/data/tokenizer_ids.tsv"

/* [PAD] [UNK] [CLS] [SEP] [MASK] are 0..4 as in vocabularies mlip_vocab_train writes. */
static const char tok_tiny_vocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n" /* 0-4 */
    "the\nheart\nis\nnormal\nlung\n##s\nare\nclear\n" /* 5-12 */
    "no\neff\n##usion\n.\n,\n;\n?\n2\n##5\n5\ncm\n" /* 13-23 */
    "e\ng\n(\n)\nun\n##a\ncafe\n\xe8\x82\xba\n\xce\xbf\xcf\x82\n" /* 24-32 */
    "size\ndr\nsmith\nsaw\nit\n"; /* 33-37 */

static mlip_tokenizer *tok_tiny(int lowercase) {
    mlip_tokenizer *tok = NULL;
    CHECK_OK(
        mlip_tokenizer_from_memory(tok_tiny_vocab, sizeof tok_tiny_vocab - 1, lowercase, &tok));
    return tok;
}

/* Tokenize and compare with an expected list ending in -100. */
static void tok_expect(const mlip_tokenizer *tok, const char *text, size_t len, const int *want,
                       int line) {
    int ids[256], n = -1, k, nw = 0;
    while (want[nw] != -100) nw++;
    CHECK_OK(mlip_tokenizer_tokenize(tok, text, len, ids, 256, &n));
    for (k = 0; k < n && k < nw && ids[k] == want[k]; k++) {}
    CHECK_MSG(n == nw && k == nw,
              "line %d: tokenize \"%s\": got %d ids, want %d, first difference at %d", line, text,
              n, nw, k);
}
#define TOK_EXPECT(tok, text, ...)                                                                 \
    do {                                                                                           \
        static const int want_[] = {__VA_ARGS__, -100};                                            \
        tok_expect(tok, text, sizeof(text) - 1, want_, __LINE__);                                  \
    } while (0)

static void test_tok_wordpiece(void) {
    mlip_tokenizer *tok = tok_tiny(1), *cased = tok_tiny(0);
    char longw[120];
    if (!tok || !cased) return;
    CHECK(mlip_tokenizer_vocab_size(tok) == 38);
    CHECK(mlip_tokenizer_token_id(tok, "##usion") == 15);
    CHECK(mlip_tokenizer_token_id(tok, "absent") == -1);
    CHECK(!strcmp(mlip_tokenizer_token(tok, 5), "the"));
    CHECK(mlip_tokenizer_token(tok, 38) == NULL && mlip_tokenizer_token(tok, -1) == NULL);
    TOK_EXPECT(tok, "The heart is normal.", 5, 6, 7, 8, 16);
    TOK_EXPECT(tok, "Lungs are CLEAR;no effusion?", 9, 10, 11, 12, 18, 13, 14, 15, 19);
    /* cased: "The" and "CLEAR" are unknown words */
    TOK_EXPECT(cased, "The heart CLEAR", 1, 6, 1);
    /* greedy longest match: "2.5cm" -> 2 . 5 ##? no: "5cm" is one word, "5" then "cm" is
       not a continuation -> the whole word is [UNK] */
    TOK_EXPECT(tok, "2.5cm", 20, 16, 1);
    TOK_EXPECT(tok, "2.5 cm", 20, 16, 22, 23);
    TOK_EXPECT(tok, "25", 20, 21);
    /* an unmatchable part makes the whole word one [UNK] */
    TOK_EXPECT(tok, "lungz", 1);
    TOK_EXPECT(tok, "una unaa", 28, 29, 28, 29, 29);
    /* accents stripped only when uncased; CJK isolated; Greek final sigma */
    TOK_EXPECT(tok, "Caf\xc3\xa9", 30);
    TOK_EXPECT(cased, "Caf\xc3\xa9", 1);
    TOK_EXPECT(tok, "the\xe8\x82\xbathe", 5, 31, 5);
    TOK_EXPECT(tok, "\xce\x9f\xce\xa3", 32); /* "ΟΣ" lower-cases to "ος" at a word end */
    /* cleaning: controls, NUL, zero-width and U+FFFD vanish; NBSP and tabs separate */
    TOK_EXPECT(tok,
               "he\x01"
               "a\xe2\x80\x8brt\xef\xbf\xbd\ttheheart",
               6, 1);
    {
        static const char nul[] = {'t', 'h', 0, 'e', ' ', 'i', 's'};
        static const int want[] = {5, 7, -100};
        tok_expect(tok, nul, sizeof nul, want, __LINE__);
    }
    TOK_EXPECT(tok, "the\xc2\xa0is", 5, 7);
    /* special tokens: verbatim only, never split, glued or not */
    TOK_EXPECT(tok, "[CLS]the[SEP] [MASK][PAD][UNK]", 2, 5, 3, 4, 0, 1);
    TOK_EXPECT(tok, "[cls]", 1, 1, 1); /* "[" "cls" "]", each unknown here */
    /* 100 characters is still a word; 101 is [UNK] (here both unknown anyway: check count) */
    memset(longw, 'e', sizeof longw);
    {
        int ids[4], n = 0;
        CHECK_OK(mlip_tokenizer_tokenize(tok, longw, 101, ids, 4, &n));
        CHECK(n == 1 && ids[0] == 1);
        CHECK_OK(mlip_tokenizer_tokenize(tok, longw, 1, ids, 4, &n));
        CHECK(n == 1 && ids[0] == 24);
        CHECK_OK(mlip_tokenizer_tokenize(tok, "the heart is", 12, NULL, 0, &n)); /* sizing call */
        CHECK(n == 3);
        CHECK_OK(
            mlip_tokenizer_tokenize(tok, "the heart is", 12, ids, 2, &n)); /* truncated write */
        CHECK(n == 3 && ids[0] == 5 && ids[1] == 6);
    }
    mlip_tokenizer_free(tok);
    mlip_tokenizer_free(cased);
}

static void test_tok_encode_decode(void) {
    mlip_tokenizer *tok = tok_tiny(1);
    int ids[8], ids16[16], n = 0, k;
    uint8_t mask[8];
    char buf[64];
    size_t len = 0;
    if (!tok) return;
    CHECK_OK(mlip_tokenizer_encode(tok, "The heart is normal.", 20, 8, ids, mask, &n));
    {
        static const int want[8] = {2, 5, 6, 7, 8, 16, 3, 0};
        for (k = 0; k < 8; k++)
            CHECK_MSG(ids[k] == want[k] && mask[k] == (k < 7), "encode position %d", k);
    }
    CHECK(n == 7);
    CHECK_OK(
        mlip_tokenizer_encode(tok, "The heart is normal.", 20, 4, ids, NULL, &n)); /* truncation */
    CHECK(n == 4 && ids[0] == 2 && ids[1] == 5 && ids[2] == 6 && ids[3] == 3);
    CHECK_OK(mlip_tokenizer_encode(tok, "", 0, 3, ids, mask, &n));
    CHECK(n == 2 && ids[0] == 2 && ids[1] == 3 && ids[2] == 0 && mask[2] == 0);
    CHECK_OK(mlip_tokenizer_encode(tok, NULL, 0, 2, ids, mask, &n));
    CHECK(n == 2);
    /* decode: ## glued, specials skipped, " ." cleaned up */
    CHECK_OK(mlip_tokenizer_encode(tok, "No effusion, lungs clear.", 25, 16, ids16, NULL, &n));
    CHECK_OK(mlip_tokenizer_decode(tok, ids16, n, 1, buf, sizeof buf, &len));
    CHECK_MSG(!strcmp(buf, "no effusion, lungs clear.") && len == strlen(buf), "decode gave '%s'",
              buf);
    CHECK_OK(mlip_tokenizer_decode(tok, ids16, n, 0, buf, sizeof buf, &len));
    CHECK_MSG(!strcmp(buf, "[CLS] no effusion, lungs clear. [SEP]"), "decode gave '%s'", buf);
    CHECK_OK(mlip_tokenizer_decode(tok, ids16, n, 1, buf, 5, &len)); /* snprintf-like */
    CHECK(!strcmp(buf, "no e") && len == 25);
    CHECK_OK(mlip_tokenizer_decode(tok, ids, 0, 1, buf, sizeof buf, &len));
    CHECK(buf[0] == '\0' && len == 0);
    /* bad arguments */
    ids[0] = 38;
    CHECK_FAILS(mlip_tokenizer_decode(tok, ids, 1, 1, buf, sizeof buf, &len), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_tokenizer_encode(tok, "x", 1, 1, ids, mask, &n), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_tokenizer_encode(NULL, "x", 1, 8, ids, mask, &n), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_tokenizer_encode(tok, NULL, 3, 8, ids, mask, &n), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_tokenizer_tokenize(tok, "x", 1, NULL, 4, &n), MLIP_ERR_INVALID_ARG);
    mlip_tokenizer_free(tok);
}

static void test_tok_vocab_files(void) {
    mlip_tokenizer *tok = NULL;
    int ids[4], n = 0;
    /* CRLF, no final newline, duplicates keep the last id (HF), NUL is a format error */
    CHECK_OK(mlip_tokenizer_from_memory("[UNK]\r\na\r\nb\r\na", 14, 1, &tok));
    if (tok) {
        CHECK(mlip_tokenizer_vocab_size(tok) == 4);
        CHECK(mlip_tokenizer_token_id(tok, "a") == 3 && mlip_tokenizer_token_id(tok, "b") == 2);
        CHECK(!strcmp(mlip_tokenizer_token(tok, 1), "a"));
        CHECK_OK(mlip_tokenizer_tokenize(tok, "A b", 3, ids, 4, &n));
        CHECK(n == 2 && ids[0] == 3 && ids[1] == 2);
        CHECK_FAILS(mlip_tokenizer_encode(tok, "a", 1, 4, ids, NULL, &n),
                    MLIP_ERR_FORMAT); /* no [CLS] */
        mlip_tokenizer_free(tok);
    }
    CHECK_FAILS(mlip_tokenizer_from_memory("a\0b\n", 4, 1, &tok), MLIP_ERR_FORMAT);
    CHECK(tok == NULL);
    CHECK_FAILS(mlip_tokenizer_from_memory("", 0, 1, &tok), MLIP_ERR_FORMAT);
    CHECK_FAILS(mlip_tokenizer_from_memory(NULL, 3, 1, &tok), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_tokenizer_load_vocab("/nonexistent/vocab.txt", 1, &tok), MLIP_ERR_IO);
    CHECK_FAILS(mlip_tokenizer_load_vocab(NULL, 1, &tok), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_tokenizer_load_vocab("x", 1, NULL), MLIP_ERR_INVALID_ARG);
    /* no [UNK]: tokenizing is refused rather than producing -1 ids */
    CHECK_OK(mlip_tokenizer_from_memory("a\nb\n", 4, 1, &tok));
    if (tok) {
        CHECK_FAILS(mlip_tokenizer_tokenize(tok, "a", 1, ids, 4, &n), MLIP_ERR_FORMAT);
        mlip_tokenizer_free(tok);
    }
    mlip_tokenizer_free(NULL);
}

/* Invalid UTF-8: every ill-formed byte is U+FFFD and dropped, so it glues its neighbours; the
   sanitizers see random byte strings read strictly inside their buffers. */
static void test_tok_invalid_utf8(void) {
    mlip_tokenizer *tok = tok_tiny(1);
    mlip_rng rng;
    int iter, ids[600], n = 0, k;
    if (!tok) return;
    TOK_EXPECT(tok,
               "he\xff"
               "art",
               6);
    TOK_EXPECT(tok,
               "he\xc0\xaf"
               "art",
               6); /* overlong '/' */
    TOK_EXPECT(tok,
               "he\xed\xa0\x80"
               "art",
               6); /* surrogate */
    TOK_EXPECT(tok,
               "he\xf4\x90\x80\x80"
               "art",
               6); /* > U+10FFFF */
    TOK_EXPECT(tok,
               "he\x80\xbf"
               "art",
               6); /* stray continuation bytes */
    TOK_EXPECT(tok, "heart\xe8\x82", 6); /* truncated at the end */
    TOK_EXPECT(tok,
               "heart\xe8\x82"
               "the",
               1); /* dropped bytes glue "heartthe": no match */
    mlip_rng_seed(&rng, 1234, 5);
    for (iter = 0; iter < 3000; iter++) {
        int len = (int)mlip_rng_below(&rng, 400);
        /* exact-size heap buffer so ASan catches any read past len */
        unsigned char *buf = (unsigned char *)malloc((size_t)(len ? len : 1));
        for (k = 0; k < len; k++) {
            uint32_t r = mlip_rng_u32(&rng);
            /* mostly high bytes and brackets (special-token prefixes), some ASCII */
            buf[k] = r % 5 == 0 ? (unsigned char)"[CLS]ab .\n"[(r >> 8) % 10]
                                : (unsigned char)((r >> 8) & 0xFF);
        }
        n = -1;
        CHECK_OK(mlip_tokenizer_tokenize(tok, (const char *)buf, (size_t)len, ids, 600, &n));
        CHECK(n >= 0 && n <= len);
        for (k = 0; k < n && k < 600; k++) CHECK(ids[k] >= 0 && ids[k] < 38);
        {
            int b[16], e[16], ns = -1, s;
            CHECK_OK(
                mlip_tokenizer_sentences(tok, (const char *)buf, (size_t)len, 64, 16, b, e, &ns));
            for (s = 0; s < ns; s++)
                CHECK(b[s] >= 1 && b[s] < e[s] && e[s] <= 63 && (s == 0 || b[s] >= e[s - 1]));
        }
        free(buf);
        if (mt_failures) break;
    }
    mlip_tokenizer_free(tok);
}

static void test_tok_sentences(void) {
    static const char vocab[] =
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n.\n?\n!\n;\n,\n1\n2\n5\n"
        "heart\nnormal\nlungs\nclear\nno\neffusion\nnodule\ncm\ne\ng\ni\ndr\nsmith\nseen\nstable\n";
    mlip_tokenizer *tok = NULL;
    int b[16], e[16], n = -1, ids[64], m = 0;
    CHECK_OK(mlip_tokenizer_from_memory(vocab, sizeof vocab - 1, 1, &tok));
    if (!tok) return;
    { /* positions: [CLS]0 heart1 normal2 .3 lungs4 clear5 ;6 no7 effusion8 ?9 1(10) .11 nodule12 2(13) .14
           5(15) cm16 e17 .18 g19 .20 stable21 | dr22 .23 smith24 seen25 !26 [SEP]27 */
        const char *text =
            "Heart normal. Lungs clear; no effusion? 1. Nodule 2.5 cm e.g. stable\nDr. Smith seen!";
        CHECK_OK(mlip_tokenizer_sentences(tok, text, strlen(text), 64, 0, b, e, &n));
        CHECK_OK(mlip_tokenizer_encode(tok, text, strlen(text), 64, ids, NULL, &m));
        CHECK_MSG(m == 28, "encoded %d tokens", m);
        CHECK_MSG(n == 5, "got %d sentences", n);
        if (n == 5) {
            CHECK(b[0] == 1 && e[0] == 4); /* heart normal . */
            CHECK(b[1] == 4 && e[1] == 7); /* lungs clear ; */
            CHECK(b[2] == 7 && e[2] == 10); /* no effusion ? */
            CHECK_MSG(b[3] == 10 && e[3] == 22, "sentence 4 is [%d, %d)", b[3],
                      e[3]); /* 1. nodule 2.5 cm e.g. stable */
            CHECK(b[4] == 22 && e[4] == 27); /* dr . smith seen ! */
        }
        { /* the spans feed the pooling kernel directly */
            float states[64 * 2], pooled[16 * 2];
            int r;
            for (r = 0; r < 64 * 2; r++) states[r] = (float)(r / 2);
            CHECK_OK(mlip_span_mean_forward(pooled, states, b, e, n, 64, 2));
            CHECK(pooled[0] == 2.0f); /* mean of rows 1, 2, 3 */
        }
        /* cap at 2 sentences; truncation clips spans */
        CHECK_OK(mlip_tokenizer_sentences(tok, text, strlen(text), 64, 2, b, e, &n));
        CHECK(n == 2 && e[1] == 7);
        CHECK_OK(mlip_tokenizer_sentences(tok, text, strlen(text), 8, 16, b, e, &n));
        CHECK(n == 2 && b[1] == 4 &&
              e[1] == 7); /* 6 text positions: the third sentence is cut away */
    }
    CHECK_OK(mlip_tokenizer_sentences(tok, "...\n\n;;", 7, 64, 16, b, e, &n));
    CHECK(n == 0);
    CHECK_OK(mlip_tokenizer_sentences(tok, "heart normal", 12, 64, 16, b, e, &n));
    CHECK(n == 1 && b[0] == 1 && e[0] == 3);
    CHECK_FAILS(mlip_tokenizer_sentences(tok, "x", 1, 1, 16, b, e, &n), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_tokenizer_sentences(tok, "x", 1, 8, 16, NULL, e, &n), MLIP_ERR_INVALID_ARG);
    mlip_tokenizer_free(tok);
}

static char *tok_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (char *)malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[size] = '\0', *len = (size_t)size;
    return buf;
}

static void test_tok_train(void) {
    static const char corpus[] =
        "The heart is normal in size. The lungs are clear. No pleural effusion.\n"
        "Heart size normal. Lungs clear bilaterally. No effusion or pneumothorax.\n"
        "Mild cardiomegaly. Small left pleural effusion. Lungs otherwise clear.\n";
    const char *p1 = "build/test_vocab_a.txt", *p2 = "build/test_vocab_b.txt";
    char *a, *b;
    size_t la = 0, lb = 0;
    mlip_tokenizer *tok = NULL;
    int ids[64], n = 0, k;
    CHECK_OK(mlip_vocab_train(corpus, sizeof corpus - 1, 120, 1, 1, p1));
    CHECK_OK(mlip_vocab_train(corpus, sizeof corpus - 1, 120, 1, 1, p2));
    a = tok_read_file(p1, &la);
    b = tok_read_file(p2, &lb);
    CHECK(a && b && la == lb && !memcmp(a, b, la)); /* deterministic */
    if (a) CHECK(!strncmp(a, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n", 31));
    free(a);
    free(b);
    CHECK_OK(mlip_tokenizer_load_vocab(p1, 1, &tok));
    if (tok) {
        /* 115 here: every word of this small corpus is whole before 120 entries */
        CHECK(mlip_tokenizer_vocab_size(tok) > 100 && mlip_tokenizer_vocab_size(tok) <= 120);
        CHECK(mlip_tokenizer_token_id(tok, "##s") >= 0 && mlip_tokenizer_token_id(tok, "the") >= 0);
        CHECK(mlip_tokenizer_token_id(tok, "effusion") >= 0); /* 3 occurrences: merged whole */
        /* every word of the training corpus tokenizes without [UNK] */
        CHECK_OK(mlip_tokenizer_tokenize(tok, corpus, sizeof corpus - 1, ids, 64, &n));
        for (k = 0; k < n && k < 64; k++) CHECK(ids[k] != 1);
        mlip_tokenizer_free(tok);
    }
    /* a small size stops with specials + part of the alphabet; min_frequency stops merging */
    CHECK_OK(mlip_vocab_train(corpus, sizeof corpus - 1, 7, 1, 1, p1));
    a = tok_read_file(p1, &la);
    if (a) {
        int lines = 0;
        for (k = 0; k < (int)la; k++) lines += a[k] == '\n';
        CHECK(lines == 7);
        free(a);
    }
    /* counts: "zy" occurs 3 times (in a row), "ab" once: the single merge is "zy" */
    CHECK_OK(mlip_vocab_train("ab zy zy zy", 11, 10, 1, 1, p1));
    a = tok_read_file(p1, &la);
    CHECK(a && la > 3 && !strcmp(a + la - 3, "zy\n"));
    free(a);
    /* the order of the corpus does not matter */
    {
        static const char fwd[] =
            "no effusion\nlungs clear\nheart normal size\nclear lungs\nno focal opacity\n";
        static const char rev[] =
            "no focal opacity\nclear lungs\nheart normal size\nlungs clear\nno effusion\n";
        CHECK_OK(mlip_vocab_train(fwd, sizeof fwd - 1, 60, 1, 1, p1));
        CHECK_OK(mlip_vocab_train(rev, sizeof rev - 1, 60, 1, 1, p2));
        a = tok_read_file(p1, &la);
        b = tok_read_file(p2, &lb);
        CHECK(a && b && la == lb && !memcmp(a, b, la));
        free(a);
        free(b);
    }
    CHECK_OK(mlip_vocab_train(corpus, sizeof corpus - 1, 100000, 1000, 1, p1));
    CHECK_FAILS(mlip_vocab_train(corpus, sizeof corpus - 1, 3, 1, 1, p1), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_vocab_train(corpus, sizeof corpus - 1, 100, 1, 1, "/nonexistent/dir/v.txt"),
                MLIP_ERR_IO);
    CHECK_FAILS(mlip_vocab_train(NULL, 5, 100, 1, 1, p1), MLIP_ERR_INVALID_ARG);
    remove(p1);
    remove(p2);
}

/* Out of memory at every allocation site (tests/static_tu.c has the failing hooks). */
int static_tu_tokenizer_oom_test(const char *tmp_path);
static void test_tok_out_of_memory(void) {
    int sites = static_tu_tokenizer_oom_test("build/test_vocab_oom.txt");
    CHECK_MSG(sites > 10, "tokenizer out-of-memory test: %d", sites);
    if (sites > 0) printf("    %d allocation failures, each reported, nothing leaked\n", sites);
}

/* ---- parity with transformers.js on the real vocabulary ---- */
static int tok_unescape(const char *s, size_t n, char *out) {
    size_t i;
    int o = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 3 < n + 0 + 1 && s[i + 1] == 'x') {
            unsigned v = 0;
            sscanf(s + i + 2, "%2x", &v);
            out[o++] = (char)v;
            i += 3;
        } else {
            out[o++] = s[i];
        }
    }
    return o;
}

static const char *tok_report_text(const char *reports, const char *id, size_t idlen, size_t *len) {
    const char *p = reports;
    while (p && *p) {
        const char *eol = strchr(p, '\n'), *t;
        int tabs = 0;
        if (!eol) eol = p + strlen(p);
        if ((size_t)(eol - p) > idlen && !strncmp(p, id, idlen) && p[idlen] == '\t') {
            for (t = p; t < eol && tabs < 3; t++) tabs += *t == '\t';
            *len = (size_t)(eol - t);
            return t;
        }
        p = *eol ? eol + 1 : eol;
    }
    return NULL;
}

static void test_tok_hf_parity(void) {
    mlip_tokenizer *tok[2] = {NULL, NULL};
    char *fixture, *reports, *line, *next, *text = NULL, *dec = NULL;
    size_t flen = 0, rlen = 0;
    int n_cases = 0, n_bad = 0, n_reports = 0, n_dec = 0;
    FILE *probe = fopen(TOK_VOCAB_PATH, "rb");
    if (!probe)
        SKIP("needs " TOK_VOCAB_PATH " (run from the repository root with ../shared present)");
    fclose(probe);
    fixture = tok_read_file(TOK_FIXTURE_PATH, &flen);
    reports = tok_read_file(TOK_REPORTS_PATH, &rlen);
    if (!fixture || !reports) {
        free(fixture);
        free(reports);
        SKIP("needs " TOK_FIXTURE_PATH " and " TOK_REPORTS_PATH);
    }
    CHECK_OK(mlip_tokenizer_load_vocab(TOK_VOCAB_PATH, 1, &tok[1]));
    CHECK_OK(mlip_tokenizer_load_vocab(TOK_VOCAB_PATH, 0, &tok[0]));
    text = (char *)malloc(flen + rlen + 1);
    dec = (char *)malloc(flen + rlen + 1);
    if (!tok[0] || !tok[1] || !text || !dec) goto out;
    CHECK(mlip_tokenizer_vocab_size(tok[1]) == 30522);
    for (line = fixture; line && *line; line = next) {
        char *f[6], *p = line;
        int k, nf = 0, max_len, want[1024], n_want = 0, got[1024], n_got = 0, lower;
        uint8_t mask[1024];
        size_t tlen = 0, dlen = 0;
        const char *src;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if (line[0] == '#' || !line[0]) continue;
        for (f[nf++] = p; *p && nf < 6; p++)
            if (*p == '\t') *p = '\0', f[nf++] = p + 1;
        if (nf != 6) {
            CHECK_MSG(0, "fixture line with %d fields", nf);
            continue;
        }
        lower = !strcmp(f[0], "uncased");
        max_len = atoi(f[1]);
        if (!strncmp(f[2], "report:", 7)) {
            src = tok_report_text(reports, f[2] + 7, strlen(f[2] + 7), &tlen);
            if (!src) {
                CHECK_MSG(0, "report %s not in reports.tsv", f[2] + 7);
                continue;
            }
            memcpy(text, src, tlen);
            n_reports++;
        } else {
            tlen = (size_t)tok_unescape(f[2] + 5, strlen(f[2] + 5), text);
        }
        for (p = f[3]; *p && n_want < 1024;) {
            want[n_want++] = (int)strtol(p, &p, 10);
            while (*p == ' ') p++;
        }
        if (max_len > 0) {
            CHECK_OK(mlip_tokenizer_encode(tok[lower], text, tlen, max_len, got, mask, &n_got));
            for (k = 0; k < max_len; k++)
                if (mask[k] != (f[4][2 * k] == '1')) break;
            CHECK_MSG(k == max_len, "%s %s: mask differs at %d", f[0], f[2], k);
            n_got = max_len;
        } else {
            CHECK_OK(mlip_tokenizer_encode(tok[lower], text, tlen, 1024, got, NULL, &n_got));
        }
        for (k = 0; k < n_got && k < n_want && got[k] == want[k]; k++) {}
        n_cases++;
        if (k != n_want || n_got != n_want) {
            n_bad++;
            CHECK_MSG(0, "%s %.60s: %d ids, transformers.js %d; first difference at %d (%d vs %d)",
                      f[0], f[2], n_got, n_want, k, k < n_got ? got[k] : -1,
                      k < n_want ? want[k] : -1);
            continue;
        }
        /* decode parity */
        CHECK_OK(mlip_tokenizer_decode(tok[lower], got, n_got, 1, dec, flen + rlen + 1, &dlen));
        if (!strncmp(f[5], "fnv:", 4)) {
            uint32_t h = 2166136261u;
            size_t i;
            char hex[9];
            for (i = 0; i < dlen; i++) h = (h ^ (unsigned char)dec[i]) * 16777619u;
            snprintf(hex, sizeof hex, "%08x", (unsigned)h);
            CHECK_MSG(!strcmp(hex, f[5] + 4), "%s %s: decode hash %s, transformers.js %s", f[0],
                      f[2], hex, f[5] + 4);
        } else {
            char wantd[4096];
            int wl = tok_unescape(f[5], strlen(f[5]), wantd);
            CHECK_MSG((size_t)wl == dlen && !memcmp(wantd, dec, dlen),
                      "%s %.60s: decode '%.*s', transformers.js '%.*s'", f[0], f[2], (int)dlen, dec,
                      wl, wantd);
        }
        n_dec++;
    }
    printf(
        "    %d cases (%d on real reports), %d differ from transformers.js; %d decodes checked\n",
        n_cases, n_reports, n_bad, n_dec);
    CHECK(n_cases > 500 && n_reports > 500);
out:
    mlip_tokenizer_free(tok[0]);
    mlip_tokenizer_free(tok[1]);
    free(fixture);
    free(reports);
    free(text);
    free(dec);
}

static const mt_case tokenizer_tests[] = {
    {"wordpiece", test_tok_wordpiece},
    {"encode_decode", test_tok_encode_decode},
    {"vocab_files", test_tok_vocab_files},
    {"invalid_utf8", test_tok_invalid_utf8},
    {"sentences", test_tok_sentences},
    {"train", test_tok_train},
    {"out_of_memory", test_tok_out_of_memory},
    {"hf_parity", test_tok_hf_parity},
    {NULL, NULL},
};
