/* `mlip synth`, the synthetic benchmark generator (tools/synth.h): determinism by seed,
   masks that agree with the labels, reports that name every drawn finding with its side
   (read back with this file's own keyword lists, not the generator's), real-text mode on an
   inline TSV, the train/test split, malformed input. Outputs go to a fresh directory under
   /tmp that is removed afterwards. */
#include "../tools/synth.h"

#include <dirent.h>
#include <unistd.h>

/* ---- helpers ---- */
static int ts_tmpdir(char *buf, size_t cap) {
    snprintf(buf, cap, "/tmp/mlip_synth_test_XXXXXX");
    return mkdtemp(buf) != NULL;
}

static void ts_rmtree(const char *path) {
    DIR *d = opendir(path);
    struct dirent *e;
    char sub[1024];
    if (!d) {
        remove(path);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            ts_rmtree(sub);
        else
            remove(sub);
    }
    closedir(d);
    rmdir(path);
}

/* Run cmd_synth with space-separated arguments (no quoting needed for our paths). */
static int ts_synth(const char *fmt, ...) {
    char line[2048], *argv[64], *p;
    int argc = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (p = strtok(line, " "); p && argc < 63; p = strtok(NULL, " ")) argv[argc++] = p;
    argv[argc] = NULL;
    return cmd_synth(argc, argv);
}

static char *ts_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    struct stat st;
    *len = 0;
    if (stat(path, &st) || !S_ISREG(st.st_mode)) {
        if (f) fclose(f);
        return NULL;
    }
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (1L << 30) &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = (char *)malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
            *len = (size_t)n, buf[n] = 0;
        else
            free(buf), buf = NULL;
    }
    fclose(f);
    return buf;
}

static char *ts_file(const char *dir, const char *name, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return ts_slurp(path, len);
}

static void ts_write(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(text, 1, len, f);
    fclose(f);
}

/* Split a TSV buffer in place into lines and fields: rows[i][k]. Returns the row count
   (header included). */
#define TS_MAXROWS 512
#define TS_MAXCOLS 12
static int ts_tsv(char *buf, char *rows[TS_MAXROWS][TS_MAXCOLS], int *ncols) {
    int n = 0;
    char *p = buf;
    while (p && *p && n < TS_MAXROWS) {
        char *nl = strchr(p, '\n'), *s = p;
        int k = 0;
        if (nl) *nl = 0;
        for (k = 0; k < TS_MAXCOLS; k++) rows[n][k] = NULL;
        k = 0;
        for (;;) {
            char *tab = strchr(s, '\t');
            if (tab) *tab = 0;
            if (k < TS_MAXCOLS) rows[n][k++] = s;
            if (!tab) break;
            s = tab + 1;
        }
        if (ncols) ncols[n] = k;
        n++;
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

static int ts_has_label(const char *labels, const char *name) {
    size_t n = strlen(name);
    const char *p = labels;
    while ((p = strstr(p, name)) != NULL) {
        if ((p == labels || p[-1] == ';') && (p[n] == 0 || p[n] == ';')) return 1;
        p += n;
    }
    return 0;
}

/* Lower-case word-prefix search. */
static int ts_word(const char *s, const char *w) {
    const char *p = s;
    size_t n = strlen(w);
    while ((p = strstr(p, w)) != NULL) {
        if ((p == s || !isalpha((unsigned char)p[-1])) && !isalpha((unsigned char)p[n])) return 1;
        p += n;
    }
    return 0;
}

/* This test's own reading of a sentence: which finding it names, whether it is negated. */
static int ts_mentions(const char *s, int f) {
    switch (f) {
    case SYNTH_CONS:
        return strstr(s, "consolidat") || strstr(s, "airspace") || strstr(s, "infiltrat") ||
               strstr(s, "pneumonia");
    case SYNTH_EFF: return strstr(s, "effusion") || strstr(s, "fluid") || strstr(s, "blunt");
    case SYNTH_CARDIO:
        return strstr(s, "cardiomegaly") ||
               (strstr(s, "enlarg") && (strstr(s, "heart") || strstr(s, "cardiac")));
    case SYNTH_PTX:
        return strstr(s, "pneumothora") || strstr(s, "pleural air") || strstr(s, "pleural line");
    default: return strstr(s, "nodul") || strstr(s, "rounded opacity") || strstr(s, "mass");
    }
}
static int ts_negated(const char *s) {
    return ts_word(s, "no") || ts_word(s, "not") || ts_word(s, "without");
}

/* Sentences of a report, lower-cased: split at '.' followed by a space or the end. */
static int ts_sentences(const char *report, char out[32][400]) {
    int n = 0;
    size_t k = 0;
    const char *p;
    for (p = report; *p && n < 32; p++) {
        if (k < 399) out[n][k++] = (char)tolower((unsigned char)*p);
        if (*p == '.' && (p[1] == ' ' || p[1] == 0)) {
            out[n][k] = 0;
            n++;
            k = 0;
            while (p[1] == ' ') p++;
        }
    }
    if (k && n < 32) out[n][k] = 0, n++;
    return n;
}

/* ---- determinism ---- */
static int ts_same_tree(const char *a, const char *b, const char *sub, int *files) {
    char pa[1024], pb[1024];
    DIR *d;
    struct dirent *e;
    int same = 1;
    snprintf(pa, sizeof pa, "%s/%s", a, sub);
    if (!(d = opendir(pa))) return 0;
    while ((e = readdir(d)) != NULL) {
        size_t la, lb;
        char *x, *y;
        if (e->d_name[0] == '.') continue;
        snprintf(pa, sizeof pa, "%s/%s/%s", a, sub, e->d_name);
        snprintf(pb, sizeof pb, "%s/%s/%s", b, sub, e->d_name);
        x = ts_slurp(pa, &la);
        y = ts_slurp(pb, &lb);
        if (!x) { /* a directory */
            char s2[512];
            snprintf(s2, sizeof s2, "%s/%s", sub, e->d_name);
            free(y);
            if (!ts_same_tree(a, b, s2, files)) same = 0;
            continue;
        }
        if (!y || la != lb || memcmp(x, y, la)) {
            CHECK_MSG(0, "%s differs between two runs with the same seed", pa);
            same = 0;
        }
        (*files)++;
        free(x);
        free(y);
    }
    closedir(d);
    return same;
}

static void test_synth_determinism(void) {
    char dir[64], a[128], b[128], c[128], p5[128];
    size_t la, lc, l3, l5;
    char *x, *y;
    int files = 0;
    if (!ts_tmpdir(dir, sizeof dir)) SKIP("cannot create a temporary directory");
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(c, sizeof c, "%s/c", dir);
    snprintf(p5, sizeof p5, "%s/p5", dir);
    CHECK(ts_synth("--out %s --n 12 --seed 5 --prevalence 0.5 --quiet", a) == 0);
    CHECK(ts_synth("--out %s --n 12 --seed 5 --prevalence 0.5 --quiet", b) == 0);
    CHECK(ts_synth("--out %s --n 12 --seed 6 --prevalence 0.5 --quiet", c) == 0);
    CHECK(ts_synth("--out %s --n 5 --seed 5 --prevalence 0.5 --quiet", p5) == 0);
    CHECK(ts_same_tree(a, b, ".", &files));
    CHECK_MSG(files >= 12 + 8, "only %d files compared", files);
    x = ts_file(a, "pairs.tsv", &la);
    y = ts_file(c, "pairs.tsv", &lc);
    CHECK(x && y && (la != lc || memcmp(x, y, la)));
    free(x);
    free(y);
    x = ts_file(a, "images/00003.pgm", &la);
    y = ts_file(c, "images/00003.pgm", &lc);
    CHECK(x && y && la == lc && memcmp(x, y, la)); /* another seed, another picture */
    free(x);
    free(y);
    /* image i does not depend on --n */
    x = ts_file(a, "images/00003.pgm", &l3);
    y = ts_file(p5, "images/00003.pgm", &l5);
    CHECK(x && y && l3 == l5 && !memcmp(x, y, l3));
    free(x);
    free(y);
    ts_rmtree(dir);
}

/* ---- labels, masks, findings.tsv ---- */
static void test_synth_masks_match_labels(void) {
    char dir[64], *pairs, *fnd, *lab, *rows[TS_MAXROWS][TS_MAXCOLS], *frows[TS_MAXROWS][TS_MAXCOLS];
    static char *lrows[TS_MAXROWS][TS_MAXCOLS];
    size_t len;
    int n, nf, nl, i, k, f, positives = 0, ncols[TS_MAXROWS];
    if (!ts_tmpdir(dir, sizeof dir)) SKIP("cannot create a temporary directory");
    CHECK(ts_synth("--out %s --n 30 --seed 11 --prevalence 0.5 --size 48 --quiet", dir) == 0);
    pairs = ts_file(dir, "pairs.tsv", &len);
    fnd = ts_file(dir, "findings.tsv", &len);
    lab = ts_file(dir, "labels.tsv", &len);
    if (!pairs || !fnd || !lab) {
        CHECK_MSG(0, "pairs.tsv, findings.tsv or labels.tsv missing");
        free(pairs);
        free(fnd);
        free(lab);
        ts_rmtree(dir);
        return;
    }
    n = ts_tsv(pairs, rows, ncols);
    nf = ts_tsv(fnd, frows, NULL);
    nl = ts_tsv(lab, lrows, NULL);
    CHECK(n == 31 && nl == 31);
    CHECK(!strcmp(rows[0][0], "image") && !strcmp(rows[0][1], "report") &&
          !strcmp(rows[0][2], "labels"));
    for (i = 1; i < n; i++) {
        char want[32];
        CHECK_MSG(ncols[i] == 3, "pairs.tsv row %d has %d fields", i, ncols[i]);
        if (ncols[i] != 3) continue;
        snprintf(want, sizeof want, "images/%05d.pgm", i - 1);
        CHECK(!strcmp(rows[i][0], want));
        CHECK(rows[i][1][0] && !strchr(rows[i][1], '\r'));
        CHECK(!strcmp(rows[i][2], "normal") || !ts_has_label(rows[i][2], "normal"));
        { /* the image */
            mlip_image im;
            char path[256];
            snprintf(path, sizeof path, "%s/%s", dir, rows[i][0]);
            CHECK_OK(mlip_image_read_file(path, NULL, &im));
            CHECK(im.width == 48 && im.height == 48 && im.channels == 1);
            mlip_image_free(&im);
        }
        for (f = 0; f < SYNTH_NF; f++) {
            char path[256];
            mlip_image im;
            int pos = ts_has_label(rows[i][2], synth_finding_names[f]), inside = 0, other = 0,
                rowsf = 0;
            size_t q;
            snprintf(path, sizeof path, "%s/masks/%05d_%s.pgm", dir, i - 1, synth_finding_names[f]);
            CHECK(atoi(lrows[i][1 + f]) == pos);
            if (!pos) {
                FILE *fp = fopen(path, "rb");
                CHECK_MSG(!fp, "%s exists for a negative label", path);
                if (fp) fclose(fp);
            } else if (mlip_image_read_file(path, NULL, &im) == MLIP_OK) {
                positives++;
                CHECK(im.width == 48 && im.height == 48);
                for (q = 0; q < (size_t)im.width * im.height; q++) {
                    inside += im.pixels[q] == 255.0f;
                    other += im.pixels[q] != 255.0f && im.pixels[q] != 0.0f;
                }
                CHECK_MSG(inside > 0, "%s is empty", path);
                CHECK(other == 0);
                mlip_image_free(&im);
            } else
                CHECK_MSG(0, "%s missing for a positive label", path);
            for (k = 1; k < nf; k++)
                if (frows[k][0] && frows[k][1] && !strcmp(frows[k][0], rows[i][0]) &&
                    !strcmp(frows[k][1], synth_finding_names[f])) {
                    int x0 = atoi(frows[k][4]), y0 = atoi(frows[k][5]), x1 = atoi(frows[k][6]),
                        y1 = atoi(frows[k][7]);
                    rowsf++;
                    CHECK(0 <= x0 && x0 <= x1 && x1 < 48 && 0 <= y0 && y0 <= y1 && y1 < 48);
                    CHECK(atof(frows[k][8]) > 0);
                    CHECK(f == SYNTH_CARDIO
                              ? !strcmp(frows[k][2], "none")
                              : (!strcmp(frows[k][2], "left") || !strcmp(frows[k][2], "right")));
                    if (f == SYNTH_CARDIO)
                        CHECK(!strcmp(frows[k][3], "none"));
                    else
                        CHECK(!strcmp(frows[k][3], "upper") || !strcmp(frows[k][3], "middle") ||
                              !strcmp(frows[k][3], "lower"));
                }
            CHECK_MSG(pos ? rowsf >= 1 : rowsf == 0, "%s %s: label %d but %d findings.tsv rows",
                      rows[i][0], synth_finding_names[f], pos, rowsf);
        }
    }
    CHECK_MSG(positives >= 30, "only %d positive findings in 30 images at prevalence 0.5",
              positives);
    free(pairs);
    free(fnd);
    free(lab);
    ts_rmtree(dir);
}

/* ---- reports name what is drawn, with the side; negatives are never asserted ---- */
static void ts_check_reports(const char *dir, int *neg_seen, int *other_seen) {
    char *pairs, *fnd, *rows[TS_MAXROWS][TS_MAXCOLS], *frows[TS_MAXROWS][TS_MAXCOLS], sent[32][400];
    size_t len;
    int n, nf, i, k, f, s, ns;
    pairs = ts_file(dir, "pairs.tsv", &len);
    fnd = ts_file(dir, "findings.tsv", &len);
    if (!pairs || !fnd) {
        CHECK_MSG(0, "pairs.tsv or findings.tsv missing in %s", dir);
        free(pairs);
        free(fnd);
        return;
    }
    n = ts_tsv(pairs, rows, NULL);
    nf = ts_tsv(fnd, frows, NULL);
    for (i = 1; i < n; i++) {
        if (!rows[i][1] || !rows[i][2]) continue;
        ns = ts_sentences(rows[i][1], sent);
        CHECK_MSG(ns >= 2, "%s: a one-sentence report: %s", rows[i][0], rows[i][1]);
        for (s = 0; s < ns; s++) {
            int any = 0;
            for (f = 0; f < SYNTH_NF; f++) any |= ts_mentions(sent[s], f);
            if (ts_negated(sent[s]))
                (*neg_seen)++;
            else if (!any)
                (*other_seen)++;
        }
        for (f = 0; f < SYNTH_NF; f++) {
            int pos = ts_has_label(rows[i][2], synth_finding_names[f]), right = 0, left = 0, ok = 0;
            for (k = 1; k < nf; k++)
                if (frows[k][2] && !strcmp(frows[k][0], rows[i][0]) &&
                    !strcmp(frows[k][1], synth_finding_names[f])) {
                    right |= !strcmp(frows[k][2], "right");
                    left |= !strcmp(frows[k][2], "left");
                }
            for (s = 0; s < ns; s++) {
                if (!ts_mentions(sent[s], f) || ts_negated(sent[s])) continue;
                if (!pos) {
                    CHECK_MSG(0, "%s: '%s' asserts %s, which is not drawn", rows[i][0], sent[s],
                              synth_finding_names[f]);
                    continue;
                }
                if (f == SYNTH_CARDIO)
                    ok = 1;
                else if (right && left)
                    ok |= ts_word(sent[s], "bilateral") || ts_word(sent[s], "both");
                else if (right)
                    ok |= ts_word(sent[s], "right") && !ts_word(sent[s], "left");
                else if (left)
                    ok |= ts_word(sent[s], "left") && !ts_word(sent[s], "right");
            }
            if (pos)
                CHECK_MSG(ok, "%s: %s (%s) not named with its side in: %s", rows[i][0],
                          synth_finding_names[f],
                          right && left ? "bilateral"
                          : right       ? "right"
                          : left        ? "left"
                                        : "no side",
                          rows[i][1]);
        }
    }
    free(pairs);
    free(fnd);
}

static void test_synth_reports(void) {
    char dir[64], a[128], b[128];
    int neg = 0, other = 0, neg0 = 0, other0 = 0;
    if (!ts_tmpdir(dir, sizeof dir)) SKIP("cannot create a temporary directory");
    snprintf(a, sizeof a, "%s/varied", dir);
    snprintf(b, sizeof b, "%s/plain", dir);
    CHECK(ts_synth("--out %s --n 80 --seed 3 --prevalence 0.4 --variety 1 --quiet", a) == 0);
    CHECK(ts_synth("--out %s --n 40 --seed 4 --prevalence 0.4 --variety 0 --quiet", b) == 0);
    ts_check_reports(a, &neg, &other);
    ts_check_reports(b, &neg0, &other0);
    CHECK_MSG(neg > 40, "only %d negated sentences in 80 varied reports", neg);
    CHECK_MSG(other > 40, "only %d sentences without a finding (distractors) in 80 varied reports",
              other);
    CHECK(neg0 > 20);
    { /* phrasing variety: the varied set uses more distinct sentences than the canonical one */
        size_t la;
        char *x = ts_file(a, "pairs.tsv", &la);
        CHECK(x && strstr(x, "airspace") && (strstr(x, "costophrenic") || strstr(x, "fluid")));
        free(x);
    }
    ts_rmtree(dir);
}

/* ---- real report text ---- */
static void test_synth_real_text(void) {
    static const char tsv[] = "id\tlabels\ttext\n"
                              "a1\tnormal\tThe lungs are clear. No pleural effusion.\n"
                              "a2\tcardiomegaly\tThe heart is enlarged. No pneumothorax.\n"
                              "a3\teffusion\tNo pneumothorax. Small left pleural effusion.\n"
                              "a4\tnodule\tThere is a 15 mm nodule in the right upper lobe.\n"
                              "a5\t\tNo labels: this row is skipped.\n"
                              "a6\tscoliosis\tMild scoliosis.\r\n"
                              "a7\tpneumothorax;opacity\tLarge right pneumothorax. Patchy opacity "
                              "in the left lower lobe.\n"
                              "\n"
                              "a8\teffusion\tBilateral pleural effusions.\n";
    static const char *const want[7][2] = {{"a1", "normal"},   {"a2", "cardiomegaly"},
                                           {"a3", "effusion"}, {"a4", "nodule"},
                                           {"a6", "normal"},   {"a7", "consolidation;pneumothorax"},
                                           {"a8", "effusion"}};
    char dir[64], path[256], out[128], *pairs, *fnd, *src, *rows[TS_MAXROWS][TS_MAXCOLS],
        *frows[TS_MAXROWS][TS_MAXCOLS];
    static char *srows[TS_MAXROWS][TS_MAXCOLS];
    size_t len;
    int n, nf, k, i, eff8 = 0;
    if (!ts_tmpdir(dir, sizeof dir)) SKIP("cannot create a temporary directory");
    snprintf(path, sizeof path, "%s/reports.tsv", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    ts_write(path, tsv, sizeof tsv - 1);
    CHECK(ts_synth("--out %s --reports %s --seed 2 --quiet", out, path) == 0);
    pairs = ts_file(out, "pairs.tsv", &len);
    fnd = ts_file(out, "findings.tsv", &len);
    src = ts_file(out, "source.tsv", &len);
    if (!pairs || !fnd || !src) {
        CHECK_MSG(0, "outputs missing");
        free(pairs);
        free(fnd);
        free(src);
        ts_rmtree(dir);
        return;
    }
    n = ts_tsv(pairs, rows, NULL);
    nf = ts_tsv(fnd, frows, NULL);
    CHECK(ts_tsv(src, srows, NULL) == 8);
    CHECK_MSG(n == 8, "%d rows, expected 7 + header", n - 1);
    for (i = 1; i < n && i <= 7; i++) {
        CHECK_MSG(!strcmp(rows[i][2], want[i - 1][1]), "row %s: labels '%s', expected '%s'",
                  want[i - 1][0], rows[i][2], want[i - 1][1]);
        CHECK(!strcmp(srows[i][1], want[i - 1][0]));
    }
    CHECK(n > 6 && !strcmp(rows[1][1], "The lungs are clear. No pleural effusion."));
    CHECK(n > 6 && !strcmp(rows[5][1], "Mild scoliosis.")); /* the \r is gone */
    for (k = 1; k < nf; k++) {
        const char *img = frows[k][0], *f = frows[k][1], *side = frows[k][2], *zone = frows[k][3];
        if (!img || !side || !zone) continue;
        if (!strcmp(img, "images/00002.pgm"))
            CHECK(!strcmp(f, "effusion") && !strcmp(side, "left"));
        if (!strcmp(img, "images/00003.pgm")) {
            CHECK(!strcmp(f, "nodule") && !strcmp(side, "right") && !strcmp(zone, "upper"));
            CHECK(strstr(frows[k][10], "diameter_mm=15") != NULL);
        }
        if (!strcmp(img, "images/00005.pgm") && !strcmp(f, "pneumothorax"))
            CHECK(!strcmp(side, "right"));
        if (!strcmp(img, "images/00005.pgm") && !strcmp(f, "consolidation"))
            CHECK(!strcmp(side, "left") && !strcmp(zone, "lower"));
        if (!strcmp(img, "images/00006.pgm"))
            eff8 += !strcmp(f, "effusion") ? (!strcmp(side, "right") ? 1 : 2) : 100;
        CHECK(strcmp(img, "images/00000.pgm") &&
              strcmp(img, "images/00004.pgm")); /* normal images: no findings */
    }
    CHECK_MSG(eff8 == 3, "bilateral effusion: rows code %d, expected one right and one left", eff8);
    /* --n takes the first rows */
    snprintf(out, sizeof out, "%s/out3", dir);
    CHECK(ts_synth("--out %s --reports %s --n 3 --quiet --split none", out, path) == 0);
    free(pairs);
    pairs = ts_file(out, "pairs.tsv", &len);
    CHECK(pairs && ts_tsv(pairs, rows, NULL) == 4);
    {
        FILE *fp;
        snprintf(path, sizeof path, "%s/train.tsv", out);
        fp = fopen(path, "rb");
        CHECK(!fp); /* --split none */
        if (fp) fclose(fp);
    }
    free(pairs);
    free(fnd);
    free(src);
    ts_rmtree(dir);
}

/* ---- malformed input and bad flags: an error status, never a crash ---- */
static void test_synth_malformed(void) {
    static const char *const bad[] = {
        "", /* empty file */
        "id\tlabels\n1\tnormal\n", /* no text column */
        "labels\ttext\n", /* header only */
        "id\tlabels\ttext\nx1\tnormal\n", /* a row too short */
        "id\tlabels\ttext\nx1\t\tonly unlabelled rows\n", /* nothing usable */
        "text\n\tno labels column\n",
    };
    char dir[64], path[128], out[128];
    size_t i;
    if (!ts_tmpdir(dir, sizeof dir)) SKIP("cannot create a temporary directory");
    snprintf(path, sizeof path, "%s/bad.tsv", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ts_write(path, bad[i], strlen(bad[i]));
        CHECK_MSG(ts_synth("--out %s --reports %s --quiet", out, path) != 0,
                  "malformed TSV %d accepted", (int)i);
    }
    {
        static const char nul[] = "id\tlabels\ttext\nx\tnormal\tA\0B.\n";
        ts_write(path, nul, sizeof nul - 1);
        CHECK(ts_synth("--out %s --reports %s --quiet", out, path) != 0);
    }
    CHECK(ts_synth("--out %s --reports %s/no-such-file.tsv --quiet", out, dir) != 0);
    CHECK(ts_synth("--out %s --reports %s --quiet", out, dir) != 0); /* a directory */
    CHECK(ts_synth("--n 3 --quiet") == 2); /* no --out */
    CHECK(ts_synth("--out %s --size 8 --quiet", out) == 2);
    CHECK(ts_synth("--out %s --n 0 --quiet", out) == 2);
    CHECK(ts_synth("--out %s --n 2.5 --quiet", out) == 2);
    CHECK(ts_synth("--out %s --seed -1 --quiet", out) == 2);
    CHECK(ts_synth("--out %s --difficulty extreme --quiet", out) == 2);
    CHECK(ts_synth("--out %s --prevalence nodule=2 --quiet", out) == 2);
    CHECK(ts_synth("--out %s --prevalence tumour=0.5 --quiet", out) == 2);
    CHECK(ts_synth("--out %s --split train=1.5 --quiet", out) == 2);
    CHECK(ts_synth("--out %s --variety", out) == 2);
    CHECK(ts_synth("--out %s --frobnicate 1", out) == 2);
    CHECK(ts_synth("--out /proc/mlip-synth-cannot-write --n 1 --quiet") == 1);
    ts_rmtree(dir);
}

/* ---- train/test split and the knobs ---- */
static void test_synth_split_and_knobs(void) {
    char dir[64], a[128], b[128], *tr, *te, *pa, *rt[TS_MAXROWS][TS_MAXCOLS];
    static char *re[TS_MAXROWS][TS_MAXCOLS], *rp[TS_MAXROWS][TS_MAXCOLS];
    size_t len;
    int ntr, nte, np, i, j, found;
    if (!ts_tmpdir(dir, sizeof dir)) SKIP("cannot create a temporary directory");
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    CHECK(ts_synth("--out %s --n 50 --seed 9 --split train=0.7 --difficulty hard --quiet", a) == 0);
    tr = ts_file(a, "train.tsv", &len);
    te = ts_file(a, "test.tsv", &len);
    pa = ts_file(a, "pairs.tsv", &len);
    if (!tr || !te || !pa) {
        CHECK_MSG(0, "train.tsv / test.tsv missing");
        free(tr);
        free(te);
        free(pa);
        ts_rmtree(dir);
        return;
    }
    ntr = ts_tsv(tr, rt, NULL) - 1;
    nte = ts_tsv(te, re, NULL) - 1;
    np = ts_tsv(pa, rp, NULL) - 1;
    CHECK(ntr == 35 && nte == 15 && np == 50);
    for (i = 1; i <= np; i++) { /* every pair in exactly one of train / test, same row */
        found = 0;
        for (j = 1; j <= ntr; j++)
            found += !strcmp(rt[j][0], rp[i][0]) && !strcmp(rt[j][1], rp[i][1]) &&
                     !strcmp(rt[j][2], rp[i][2]);
        for (j = 1; j <= nte; j++)
            found += !strcmp(re[j][0], rp[i][0]) && !strcmp(re[j][1], rp[i][1]) &&
                     !strcmp(re[j][2], rp[i][2]);
        CHECK_MSG(found == 1, "%s is in %d of train/test", rp[i][0], found);
    }
    free(tr);
    free(te);
    free(pa);
    /* the difficulty knobs change the pictures */
    CHECK(ts_synth("--out %s --n 50 --seed 9 --split train=0.7 --difficulty easy --quiet", b) == 0);
    {
        size_t l1, l2;
        char *x = ts_file(a, "images/00000.pgm", &l1), *y = ts_file(b, "images/00000.pgm", &l2);
        CHECK(x && y && l1 == l2 && memcmp(x, y, l1));
        free(x);
        free(y);
    }
    { /* a large image */
        mlip_image im;
        char p[256];
        ts_rmtree(b);
        CHECK(ts_synth("--out %s --n 2 --seed 1 --size 224 --prevalence all=1 --quiet", b) == 0);
        snprintf(p, sizeof p, "%s/images/00001.pgm", b);
        CHECK_OK(mlip_image_read_file(p, NULL, &im));
        CHECK(im.width == 224 && im.height == 224);
        mlip_image_free(&im);
        snprintf(p, sizeof p, "%s/masks/00001_cardiomegaly.pgm", b);
        CHECK_OK(mlip_image_read_file(p, NULL, &im));
        CHECK(im.width == 224);
        mlip_image_free(&im);
    }
    { /* prompts.tsv: one row per finding */
        char *pr = ts_file(a, "prompts.tsv", &len);
        int k;
        CHECK(pr && ts_tsv(pr, rt, NULL) == 6);
        for (k = 0; pr && k < SYNTH_NF; k++)
            CHECK(!strcmp(rt[k + 1][0], synth_finding_names[k]) && rt[k + 1][2] && rt[k + 1][3]);
        free(pr);
    }
    ts_rmtree(dir);
}

/* ---- the real Open-i reports, when ../shared/data is there ---- */
static void test_synth_shared_reports(void) {
    const char *src = "../shared/data/cxr/reports.tsv";
    char dir[64], *pairs, *so, *rows[TS_MAXROWS][TS_MAXCOLS];
    static char *srows[TS_MAXROWS][TS_MAXCOLS];
    size_t len;
    int n, i, cardio = 0;
    FILE *f = fopen(src, "rb");
    if (!f) SKIP("../shared/data/cxr/reports.tsv not present");
    fclose(f);
    if (!ts_tmpdir(dir, sizeof dir)) SKIP("cannot create a temporary directory");
    CHECK(ts_synth("--out %s --reports %s --n 300 --quiet", dir, src) == 0);
    pairs = ts_file(dir, "pairs.tsv", &len);
    so = ts_file(dir, "source.tsv", &len);
    CHECK(pairs && so);
    if (pairs && so) {
        n = ts_tsv(pairs, rows, NULL);
        CHECK(n == 301 && ts_tsv(so, srows, NULL) == 301);
        for (i = 1; i < n; i++) {
            CHECK(ts_has_label(rows[i][2], "cardiomegaly") ==
                  ts_has_label(srows[i][2], "cardiomegaly"));
            CHECK(ts_has_label(rows[i][2], "effusion") == ts_has_label(srows[i][2], "effusion"));
            cardio += ts_has_label(rows[i][2], "cardiomegaly");
        }
        CHECK(cardio > 5);
    }
    free(pairs);
    free(so);
    ts_rmtree(dir);
}

static const mt_case synth_cases[] = {
    {"determinism", test_synth_determinism},
    {"masks_match_labels", test_synth_masks_match_labels},
    {"reports", test_synth_reports},
    {"real_text", test_synth_real_text},
    {"malformed", test_synth_malformed},
    {"split_and_knobs", test_synth_split_and_knobs},
    {"shared_reports", test_synth_shared_reports},
    {NULL, NULL},
};
