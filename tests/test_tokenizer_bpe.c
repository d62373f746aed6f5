/* Section 6, CLIP's byte-level BPE tokenizer. Id-for-id parity with open_clip's SimpleTokenizer
   on tests/data/bpe/corpus.txt (fixtures by tools/bpe_fixture.py), with merges learned for
   the tests and with CLIP's real merges (read from ../shared, skipped visibly without them);
   encode, decode, invalid UTF-8, the gzip reader and hostile merges files. */

#define BPE_DIR "tests/data/bpe/"
#define BPE_CLIP_GZ "../shared/refimpl/src/open_clip/src/open_clip/bpe_simple_vocab_16e6.txt.gz"
#define BPE_SMALL_MERGES 967 /* what tools/bpe_fixture.py learned */

static mlip_tokenizer *bpe_small(void) {
    mlip_tokenizer *tok = NULL;
    CHECK_OK(mlip_tokenizer_load_bpe(BPE_DIR "merges_small.txt", 0, &tok));
    return tok;
}

/* A corpus line as the fixture means it: U+2424 U+240D U+241B U+2400 are LF CR ESC NUL. */
static size_t bpe_expand(const char *s, size_t n, char *out) {
    static const unsigned char marks[4] = {0xA4, 0x8D, 0x9B, 0x80};
    static const char chars[4] = {'\n', '\r', 0x1B, '\0'};
    size_t i, o = 0;
    int k;
    for (i = 0; i < n; i++) {
        for (k = 0; k < 4; k++)
            if (n - i >= 3 && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x90 &&
                (unsigned char)s[i + 2] == marks[k])
                break;
        if (k < 4) {
            out[o++] = chars[k];
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    return o;
}

static char *bpe_next_line(char **p) {
    char *line = *p, *nl;
    if (!line || !*line) return NULL;
    nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    *p = nl ? nl + 1 : line + strlen(line);
    return line;
}

/* Tokenize and decode every corpus line; compare with "ids<TAB>decoded[<TAB>note]" lines (a
   note would mark a line where open_clip's mojibake repair, not done here, changes the ids:
   there the fixture holds the ids without it; the corpus has none). */
static void bpe_check_corpus(const mlip_tokenizer *tok, const char *expected_path, int *n_lines,
                             int *n_noted) {
    size_t clen = 0, elen = 0;
    char *corpus = tok_read_file(BPE_DIR "corpus.txt", &clen);
    char *expected = tok_read_file(expected_path, &elen), *cp = corpus, *ep = expected, *c, *e;
    char text[4096], dec[8192];
    int ids[2048], line = 0;
    *n_lines = *n_noted = 0;
    CHECK_MSG(corpus && expected, "cannot read the corpus or %s", expected_path);
    while (corpus && expected && (c = bpe_next_line(&cp)) != NULL) {
        int n = 0, k = 0, nw = 0, want;
        size_t tl = bpe_expand(c, strlen(c), text), dl = 0;
        char *tab, *p, *note;
        line++;
        e = bpe_next_line(&ep);
        if (!e || !(tab = strchr(e, '\t'))) {
            CHECK_MSG(0, "%s: no line %d", expected_path, line);
            break;
        }
        *tab = '\0';
        if ((note = strchr(tab + 1, '\t')) != NULL) {
            *note = '\0';
            (*n_noted)++;
        }
        CHECK_OK(mlip_tokenizer_tokenize(tok, text, tl, ids, 2048, &n));
        for (p = e; *p; nw++) {
            want = (int)strtol(p, &p, 10);
            if (nw < n && k == nw && ids[nw] == want) k++;
        }
        CHECK_MSG(n == nw && k == nw, "%s line %d: %d ids, open_clip %d, first difference at id %d",
                  expected_path, line, n, nw, k);
        CHECK_OK(mlip_tokenizer_decode(tok, ids, n, 0, dec, sizeof dec, &dl));
        CHECK_MSG(dl == strlen(tab + 1) && !memcmp(dec, tab + 1, dl),
                  "%s line %d: decode \"%s\", open_clip \"%s\"", expected_path, line, dec, tab + 1);
        (*n_lines)++;
    }
    free(corpus);
    free(expected);
}

static void test_bpe_small_parity(void) {
    mlip_tokenizer *tok = bpe_small(), *gz = NULL;
    int lines = 0, lines_gz = 0, noted = 0;
    if (!tok) return;
    CHECK(mlip_tokenizer_is_bpe(tok) == 1);
    CHECK(mlip_tokenizer_vocab_size(tok) == 512 + BPE_SMALL_MERGES + 2);
    CHECK(mlip_tokenizer_token_id(tok, "<|startoftext|>") == 512 + BPE_SMALL_MERGES);
    CHECK(mlip_tokenizer_token_id(tok, "<|endoftext|>") == 513 + BPE_SMALL_MERGES);
    CHECK(!strcmp(mlip_tokenizer_token(tok, 0), "!") &&
          !strcmp(mlip_tokenizer_token(tok, 256), "!</w>"));
    CHECK(!strcmp(mlip_tokenizer_token(tok, 188), "\xc4\x80")); /* byte 0 is U+0100 */
    bpe_check_corpus(tok, BPE_DIR "expected_small.txt", &lines, &noted);
    CHECK_OK(mlip_tokenizer_load_bpe(BPE_DIR "merges_small.txt.gz", 0, &gz));
    if (gz) bpe_check_corpus(gz, BPE_DIR "expected_small.txt", &lines_gz, &noted);
    CHECK(lines >= 43 && lines_gz == lines && noted == 0);
    printf("    %d corpus lines id for id (plain and gzip merges), decodes too\n", lines);
    mlip_tokenizer_free(tok);
    mlip_tokenizer_free(gz);
}

static void test_bpe_clip_parity(void) {
    mlip_tokenizer *tok = NULL;
    FILE *probe = fopen(BPE_CLIP_GZ, "rb");
    int lines = 0, ids[80], n = 0, noted = 0;
    if (!probe) SKIP("needs " BPE_CLIP_GZ " (../shared, run from the repository root)");
    fclose(probe);
    CHECK_OK(mlip_tokenizer_load_bpe(BPE_CLIP_GZ, MLIP_BPE_CLIP_MERGES, &tok));
    if (!tok) return;
    CHECK(mlip_tokenizer_vocab_size(tok) == 49408);
    CHECK(mlip_tokenizer_token_id(tok, "<|startoftext|>") == 49406);
    CHECK(mlip_tokenizer_token_id(tok, "<|endoftext|>") == 49407);
    bpe_check_corpus(tok, BPE_DIR "expected_clip.txt", &lines, &noted);
    /* open_clip.tokenize("a photo of a cat") */
    CHECK_OK(mlip_tokenizer_encode(tok, "a photo of a cat", 16, 77, ids, NULL, &n));
    CHECK(n == 7 && ids[0] == 49406 && ids[1] == 320 && ids[2] == 1125 && ids[3] == 539 &&
          ids[4] == 320 && ids[5] == 2368 && ids[6] == 49407 && ids[7] == 0 && ids[76] == 0);
    CHECK(lines >= 43 && noted == 0);
    printf("    %d corpus lines id for id with CLIP's 48,894 merges\n", lines);
    mlip_tokenizer_free(tok);
}

static void test_bpe_encode(void) {
    mlip_tokenizer *tok = bpe_small();
    int ids[16], all[64], n = 0, n_all = 0, k, sot, eot;
    uint8_t mask[16];
    const char *text = "Mild cardiomegaly, pulmonary vascular congestion; bibasilar atelectasis.";
    if (!tok) return;
    sot = mlip_tokenizer_token_id(tok, "<|startoftext|>");
    eot = mlip_tokenizer_token_id(tok, "<|endoftext|>");
    CHECK_OK(mlip_tokenizer_tokenize(tok, text, strlen(text), all, 64, &n_all));
    CHECK(n_all > 8);
    /* room for everything: sot ids eot, then 0 */
    CHECK_OK(mlip_tokenizer_encode(tok, "no effusion", 11, 16, ids, mask, &n));
    CHECK(n >= 4 && ids[0] == sot && ids[n - 1] == eot && ids[n] == 0 && ids[15] == 0);
    for (k = 0; k < 16; k++) CHECK(mask[k] == (k < n));
    /* truncated: the first 6 ids, then eot in the last place */
    CHECK_OK(mlip_tokenizer_encode(tok, text, strlen(text), 8, ids, mask, &n));
    CHECK(n == 8 && ids[0] == sot && ids[7] == eot && mask[7] == 1);
    for (k = 0; k < 6; k++) CHECK(ids[k + 1] == all[k]);
    CHECK_OK(mlip_tokenizer_encode(tok, text, strlen(text), 2, ids, NULL, &n));
    CHECK(n == 2 && ids[0] == sot && ids[1] == eot);
    CHECK_OK(mlip_tokenizer_encode(tok, "", 0, 4, ids, NULL, &n));
    CHECK(n == 2 && ids[0] == sot && ids[1] == eot && ids[2] == 0);
    CHECK_FAILS(mlip_tokenizer_encode(tok, text, strlen(text), 1, ids, NULL, &n),
                MLIP_ERR_INVALID_ARG);
    /* the count alone, then a short buffer */
    CHECK_OK(mlip_tokenizer_tokenize(tok, text, strlen(text), NULL, 0, &n));
    CHECK(n == n_all);
    CHECK_OK(mlip_tokenizer_tokenize(tok, text, strlen(text), ids, 3, &n));
    CHECK(n == n_all && ids[0] == all[0] && ids[2] == all[2]);
    /* special tokens in the text are single ids */
    CHECK_OK(mlip_tokenizer_tokenize(tok, "<|endoftext|>x", 14, ids, 16, &n));
    CHECK(n == 2 && ids[0] == eot);
    {
        int b[4], e[4], ns = -1;
        CHECK_FAILS(mlip_tokenizer_sentences(tok, text, strlen(text), 16, 4, b, e, &ns),
                    MLIP_ERR_UNSUPPORTED);
    }
    mlip_tokenizer_free(tok);
}

/* Both texts give the same ids. */
static void bpe_same(const mlip_tokenizer *tok, const char *a, const char *b) {
    int ia[32], ib[32], na = 0, nb = 0, k = 0;
    CHECK_OK(mlip_tokenizer_tokenize(tok, a, strlen(a), ia, 32, &na));
    CHECK_OK(mlip_tokenizer_tokenize(tok, b, strlen(b), ib, 32, &nb));
    while (k < na && k < nb && ia[k] == ib[k]) k++;
    CHECK_MSG(na == nb && k == na && na <= 32, "NFC: \"%s\" and \"%s\" differ at id %d", a, b, k);
}
/* The decoded text holds want. */
static void bpe_decodes_to(const mlip_tokenizer *tok, const char *text, const char *want) {
    int ids[32], n = 0;
    char dec[256];
    size_t dl = 0;
    CHECK_OK(mlip_tokenizer_tokenize(tok, text, strlen(text), ids, 32, &n));
    CHECK_OK(mlip_tokenizer_decode(tok, ids, n < 32 ? n : 32, 0, dec, sizeof dec, &dl));
    CHECK_MSG(dl < sizeof dec && strstr(dec, want), "NFC: \"%s\" decodes to \"%s\"", text, dec);
}

/* ftfy's NFC: canonical decomposition, ordering, composition (with exclusions, blocking and
   Hangul), checked without open_clip. */
static void test_bpe_nfc(void) {
    mlip_tokenizer *tok = bpe_small();
    if (!tok) return;
    bpe_same(tok, "e\xcc\x81", "\xc3\xa9"); /* e + U+0301: é */
    bpe_same(tok, "a\xcc\x82\xcc\xa3", "\xe1\xba\xad"); /* ordering: ậ */
    bpe_same(tok, "a\xcc\xa3\xcc\x82", "\xe1\xba\xad");
    bpe_same(tok, "\xce\xb1\xcd\x85\xcc\x93\xcc\x80", "\xe1\xbe\x82"); /* ᾂ, 3 levels */
    bpe_same(tok, "A\xcc\x88\xcc\x84", "\xc7\x9f"); /* Ä + U+0304: ǟ */
    bpe_same(tok, "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", "\xea\xb0\x81"); /* jamo: 각 */
    bpe_same(tok, "\xea\xb0\x80\xe1\x86\xa8", "\xea\xb0\x81"); /* 가 + T */
    bpe_same(tok, "\xef\xbd\xb6\xef\xbe\x9e", "\xe3\x82\xac"); /* ｶﾞ: ガ */
    /* the second U+0308 blocks U+0304 from ä; U+0958 is excluded from composition */
    bpe_decodes_to(tok, "a\xcc\x88\xcc\x88\xcc\x84", "\xc3\xa4 \xcc\x88\xcc\x84");
    bpe_decodes_to(tok, "\xe0\xa5\x98", "\xe0\xa4\x95 \xe0\xa4\xbc");
    bpe_decodes_to(tok, "\xe0\xa4\x95\xe0\xa4\xbc", "\xe0\xa4\x95 \xe0\xa4\xbc");
    mlip_tokenizer_free(tok);
}

static void test_bpe_decode(void) {
    mlip_tokenizer *tok = bpe_small();
    int ids[64], n = 0, k, sot, eot, bad = -1;
    char buf[256];
    size_t len = 0;
    const char *text = "No acute cardiopulmonary abnormality.";
    if (!tok) return;
    sot = mlip_tokenizer_token_id(tok, "<|startoftext|>");
    eot = mlip_tokenizer_token_id(tok, "<|endoftext|>");
    CHECK_OK(mlip_tokenizer_encode(tok, text, strlen(text), 64, ids, NULL, &n));
    CHECK_OK(mlip_tokenizer_decode(tok, ids, n, 1, buf, sizeof buf, &len));
    CHECK_MSG(!strcmp(buf, "no acute cardiopulmonary abnormality . "), "decode: \"%s\"", buf);
    CHECK(len == strlen(buf));
    CHECK_OK(mlip_tokenizer_decode(tok, ids, n, 0, buf, sizeof buf, &len));
    CHECK(!strncmp(buf, "<|startoftext|>no ", 18) && strstr(buf, " . <|endoftext|>"));
    /* like snprintf: the full length, a cut copy */
    CHECK_OK(mlip_tokenizer_decode(tok, ids + 1, n - 2, 1, buf, 6, &len));
    CHECK(len == 39 && !strcmp(buf, "no ac"));
    CHECK_OK(mlip_tokenizer_decode(tok, ids, 0, 1, buf, sizeof buf, &len));
    CHECK(len == 0 && buf[0] == '\0');
    /* byte-level: "é" is two byte symbols; one alone decodes to U+FFFD */
    k = mlip_tokenizer_token_id(tok, "\xc3\x83"); /* byte 0xC3 */
    CHECK(k >= 0);
    CHECK_OK(mlip_tokenizer_decode(tok, &k, 1, 1, buf, sizeof buf, &len));
    CHECK(len == 3 && !strcmp(buf, "\xef\xbf\xbd"));
    CHECK_FAILS(mlip_tokenizer_decode(tok, &bad, 1, 1, buf, sizeof buf, &len),
                MLIP_ERR_INVALID_ARG);
    (void)sot;
    (void)eot;
    mlip_tokenizer_free(tok);
}

static void test_bpe_invalid_utf8(void) {
    mlip_tokenizer *tok = bpe_small();
    int a[64], b[64], na = 0, nb = 0, i, k;
    unsigned char junk[512];
    mlip_rng rng;
    if (!tok) return;
    /* an ill-formed sequence's longest start is one U+FFFD, as Python decodes "replace" */
    CHECK_OK(mlip_tokenizer_tokenize(tok, "x \xe2\x82 y \xff", 8, a, 64, &na));
    CHECK_OK(mlip_tokenizer_tokenize(tok, "x \xef\xbf\xbd y \xef\xbf\xbd", 11, b, 64, &nb));
    CHECK(na == nb && !memcmp(a, b, (size_t)na * sizeof(int)));
    CHECK_OK(mlip_tokenizer_tokenize(tok, "\xf0\x9f\x98", 3, a, 64, &na));
    CHECK_OK(mlip_tokenizer_tokenize(tok, "\xef\xbf\xbd", 3, b, 64, &nb));
    CHECK(na == nb && na > 0 && !memcmp(a, b, (size_t)na * sizeof(int)));
    mlip_rng_seed(&rng, 42, 1);
    for (i = 0; i < 300; i++) {
        size_t len = mlip_rng_below(&rng, sizeof junk);
        int ids[2048], n = -1;
        for (k = 0; k < (int)len; k++) junk[k] = (unsigned char)mlip_rng_below(&rng, 256);
        CHECK_OK(mlip_tokenizer_tokenize(tok, (const char *)junk, len, ids, 2048, &n));
        CHECK(n >= 0 && n <= 2048);
        for (k = 0; k < n && k < 2048; k++)
            CHECK(ids[k] >= 0 && ids[k] < mlip_tokenizer_vocab_size(tok));
    }
    mlip_tokenizer_free(tok);
}

static void test_bpe_merges_text(void) {
    mlip_tokenizer *tok = bpe_small(), *again = NULL, *wp = NULL, *cut = NULL;
    const char *m;
    size_t len = 0, n0 = 0;
    int a[256], b[256], na = 0, nb = 0;
    const char *text = "Stable 2.5 cm nodule in the right upper lobe; \xef\xac\x81"
                       "brosis.";
    if (!tok) return;
    m = mlip_tokenizer_bpe_merges(tok, &len);
    CHECK(m && len > 0 && m[len - 1] == '\n' && strncmp(m, "#version", 8) && strlen(m) == len);
    CHECK_OK(mlip_tokenizer_bpe_from_memory(m, len, 0, &again));
    if (again) {
        CHECK(mlip_tokenizer_vocab_size(again) == mlip_tokenizer_vocab_size(tok));
        CHECK_OK(mlip_tokenizer_tokenize(tok, text, strlen(text), a, 256, &na));
        CHECK_OK(mlip_tokenizer_tokenize(again, text, strlen(text), b, 256, &nb));
        CHECK(na == nb && na > 0 && !memcmp(a, b, (size_t)na * sizeof(int)));
    }
    /* max_merges keeps the first ones */
    CHECK_OK(mlip_tokenizer_bpe_from_memory(m, len, 10, &cut));
    CHECK(cut && mlip_tokenizer_vocab_size(cut) == 512 + 10 + 2);
    CHECK(mlip_tokenizer_bpe_merges(cut, &n0) && n0 < len);
    CHECK_OK(mlip_tokenizer_from_memory("[PAD]\n[UNK]\n", 12, 1, &wp));
    CHECK(mlip_tokenizer_is_bpe(wp) == 0 && mlip_tokenizer_bpe_merges(wp, &n0) == NULL && n0 == 0);
    CHECK(mlip_tokenizer_is_bpe(NULL) == 0);
    mlip_tokenizer_free(tok);
    mlip_tokenizer_free(again);
    mlip_tokenizer_free(cut);
    mlip_tokenizer_free(wp);
}

/* Hand-made merges: the rank order decides, and a string made twice keeps its last id. */
static void test_bpe_rank_order(void) {
    static const char merges[] = "#version: 0.2\nl o\nlo w</w>\no w</w>\n";
    static const char swapped[] = "o w</w>\nl o\nlo w</w>\n";
    static const char twice[] = "l o\nlo w</w>\no w</w>\nl ow</w>\n";
    mlip_tokenizer *tok = NULL, *sw = NULL, *tw = NULL;
    int ids[8], n = 0;
    CHECK_OK(mlip_tokenizer_bpe_from_memory(merges, sizeof merges - 1, 0, &tok));
    CHECK_OK(mlip_tokenizer_bpe_from_memory(swapped, sizeof swapped - 1, 0, &sw));
    CHECK_OK(mlip_tokenizer_bpe_from_memory(twice, sizeof twice - 1, 0, &tw));
    if (!tok || !sw || !tw) goto out;
    CHECK(mlip_tokenizer_vocab_size(tok) == 517);
    /* l o w</w> -> lo w</w> -> low</w> (513) */
    CHECK_OK(mlip_tokenizer_tokenize(tok, "low", 3, ids, 8, &n));
    CHECK(n == 1 && ids[0] == 513 && !strcmp(mlip_tokenizer_token(tok, 513), "low</w>"));
    /* o w</w> first: l ow</w>, which no merge joins */
    CHECK_OK(mlip_tokenizer_tokenize(sw, "low", 3, ids, 8, &n));
    CHECK(n == 2 && ids[0] == 'l' - 33 && ids[1] == 512);
    /* l o l o</w> -> lo l o</w> */
    CHECK_OK(mlip_tokenizer_tokenize(tok, "lolo", 4, ids, 8, &n));
    CHECK(n == 3 && ids[0] == 512 && ids[1] == 'l' - 33 && ids[2] == 256 + 'o' - 33);
    /* "low</w>" is made by merges 2 and 4: its id is the last, 515 */
    CHECK_OK(mlip_tokenizer_tokenize(tw, "low", 3, ids, 8, &n));
    CHECK(n == 1 && ids[0] == 515 && mlip_tokenizer_token_id(tw, "low</w>") == 515);
out:
    mlip_tokenizer_free(tok);
    mlip_tokenizer_free(sw);
    mlip_tokenizer_free(tw);
}

static void test_bpe_hostile_merges(void) {
    char longline[1100];
    mlip_tokenizer *tok = NULL;
    static const char nul[] = "a b\nc\0d e\n";
    memset(longline, 'a', sizeof longline);
    longline[500] = ' ';
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory(longline, sizeof longline, 0, &tok),
                MLIP_ERR_FORMAT);
    CHECK(strstr(mlip_last_error(), "line 1") != NULL);
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory("a b\nab\n", 7, 0, &tok), MLIP_ERR_FORMAT);
    CHECK(strstr(mlip_last_error(), "line 2") && strstr(mlip_last_error(), "space"));
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory("a b\na  b\n", 9, 0, &tok), MLIP_ERR_FORMAT);
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory("a b\nc d\na b\n", 12, 0, &tok), MLIP_ERR_FORMAT);
    CHECK(strstr(mlip_last_error(), "line 3") && strstr(mlip_last_error(), "line 1"));
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory("a b\nxyz q\n", 10, 0, &tok), MLIP_ERR_FORMAT);
    CHECK(strstr(mlip_last_error(), "\"xyz\"") && strstr(mlip_last_error(), "vocabulary"));
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory("a b\n\nc d\n", 9, 0, &tok), MLIP_ERR_FORMAT);
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory(nul, sizeof nul - 1, 0, &tok), MLIP_ERR_FORMAT);
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory("#version: 0.2\n", 14, 0, &tok), MLIP_ERR_FORMAT);
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory("", 0, 0, &tok), MLIP_ERR_FORMAT);
    CHECK_FAILS(mlip_tokenizer_bpe_from_memory(NULL, 0, 0, &tok), MLIP_ERR_INVALID_ARG);
    CHECK(tok == NULL);
    /* but: a merge listed twice after max_merges is never read; CRLF and trailing empty lines */
    CHECK_OK(mlip_tokenizer_bpe_from_memory("a b\r\nc d\r\na b\n", 14, 2, &tok));
    mlip_tokenizer_free(tok);
    tok = NULL;
    CHECK_OK(mlip_tokenizer_bpe_from_memory("a b\nab c\n\n\n", 11, 0, &tok));
    CHECK(tok && mlip_tokenizer_vocab_size(tok) == 516);
    mlip_tokenizer_free(tok);
}

static int bpe_write(const char *path, const char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    size_t w;
    if (!f) return 0;
    w = fwrite(data, 1, n, f);
    return (fclose(f) == 0) & (w == n);
}

/* The gzip reader refuses damage with a message: flipped deflate bytes, a cut file, a wrong
   CRC or size, a header flag it does not know, two members. */
static void test_bpe_gzip(void) {
    const char *tmp = "build/test_bpe_merges.gz";
    mlip_tokenizer *tok = NULL;
    size_t len = 0, i;
    char *gz = tok_read_file(BPE_DIR "merges_small.txt.gz", &len), *two;
    int refused = 0;
    CHECK(gz && len > 100);
    if (!gz) return;
    for (i = 0; i < 5; i++) {
        size_t at[5] = {40, len / 2, len - 12, len - 6, len - 2};
        gz[at[i]] ^= 0x55;
        if (bpe_write(tmp, gz, len) && mlip_tokenizer_load_bpe(tmp, 0, &tok) == MLIP_ERR_FORMAT &&
            strstr(mlip_last_error(), "gzip"))
            refused++;
        mlip_tokenizer_free(tok);
        tok = NULL;
        gz[at[i]] ^= 0x55;
    }
    CHECK_MSG(refused == 5, "%d of 5 damaged gzip files refused", refused);
    CHECK(bpe_write(tmp, gz, len / 2));
    CHECK_FAILS(mlip_tokenizer_load_bpe(tmp, 0, &tok), MLIP_ERR_FORMAT);
    CHECK(strstr(mlip_last_error(), tmp) != NULL);
    CHECK(bpe_write(tmp, gz, 12));
    CHECK_FAILS(mlip_tokenizer_load_bpe(tmp, 0, &tok), MLIP_ERR_FORMAT);
    gz[3] = (char)0x80; /* reserved flag */
    CHECK(bpe_write(tmp, gz, len));
    CHECK_FAILS(mlip_tokenizer_load_bpe(tmp, 0, &tok), MLIP_ERR_FORMAT);
    gz[3] = 0;
    two = (char *)malloc(2 * len);
    if (two) {
        memcpy(two, gz, len);
        memcpy(two + len, gz, len);
        CHECK(bpe_write(tmp, two, 2 * len));
        CHECK_FAILS(mlip_tokenizer_load_bpe(tmp, 0, &tok), MLIP_ERR_FORMAT);
        free(two);
    }
    CHECK(bpe_write(tmp, gz, len));
    CHECK_OK(mlip_tokenizer_load_bpe(tmp, 0, &tok));
    CHECK(tok && mlip_tokenizer_vocab_size(tok) == 512 + BPE_SMALL_MERGES + 2);
    mlip_tokenizer_free(tok);
    CHECK_FAILS(mlip_tokenizer_load_bpe("build/no_such_merges.txt", 0, &tok), MLIP_ERR_IO);
    CHECK(tok == NULL);
    remove(tmp);
    free(gz);
}

static const mt_case bpe_tests[] = {
    {"small_parity", test_bpe_small_parity},
    {"clip_parity", test_bpe_clip_parity},
    {"encode", test_bpe_encode},
    {"nfc", test_bpe_nfc},
    {"decode", test_bpe_decode},
    {"invalid_utf8", test_bpe_invalid_utf8},
    {"merges_text", test_bpe_merges_text},
    {"rank_order", test_bpe_rank_order},
    {"hostile_merges", test_bpe_hostile_merges},
    {"gzip", test_bpe_gzip},
    {NULL, NULL},
};
