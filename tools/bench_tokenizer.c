/* bench_tokenizer: tokenizer throughput on real report text (the IU X-ray reports).
   usage: tools/bench_tokenizer [VOCAB] [REPORTS] [--reps R]
   Defaults: ../shared/data/vocab/bert-base-uncased-vocab.txt, ../shared/data/cxr/reports.tsv
   (column 4 of the TSV). Single thread, uncased and cased, best of R passes over every
   report: MB/s of input text and word pieces per second; also the sentence splitter.
   Run `node tools/bench_tokenizer.mjs` for transformers.js on the same text (make
   bench-tokenizer runs both). */
#define _POSIX_C_SOURCE 200809L
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    const char *vocab = "../shared/data/vocab/bert-base-uncased-vocab.txt";
    const char *reports = "../shared/data/cxr/reports.tsv";
    int reps = 20, i, pos = 0, n_texts = 0, lower;
    char *data, *p;
    const char **texts;
    size_t *lens, total = 0, size;
    FILE *f;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: tools/bench_tokenizer [VOCAB] [REPORTS] [--reps R]\n");
            return 0;
        } else if (pos++ == 0)
            vocab = argv[i];
        else
            reports = argv[i];
    }
    if (reps < 1) reps = 1;
    f = fopen(reports, "rb");
    if (!f) {
        printf("SKIP: cannot open %s\n", reports);
        return 0;
    }
    fseek(f, 0, SEEK_END);
    size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    data = (char *)malloc(size + 1);
    texts = (const char **)malloc(sizeof(char *) * (size / 2 + 1));
    lens = (size_t *)malloc(sizeof(size_t) * (size / 2 + 1));
    if (!data || !texts || !lens || fread(data, 1, size, f) != size) {
        printf("cannot read %s\n", reports);
        return 1;
    }
    fclose(f);
    data[size] = '\0';
    /* column 4 of every line after the header */
    p = strchr(data, '\n');
    while (p && *++p) {
        char *eol = strchr(p, '\n'), *t = p;
        int tabs = 0;
        if (!eol) eol = p + strlen(p);
        while (t < eol && tabs < 3) tabs += *t++ == '\t';
        if (tabs == 3 && eol > t)
            texts[n_texts] = t, lens[n_texts] = (size_t)(eol - t), total += lens[n_texts++];
        p = *eol ? eol : NULL;
    }
    printf("%d reports, %.2f MB of text, best of %d passes, 1 thread\n", n_texts, total / 1e6,
           reps);
    for (lower = 1; lower >= 0; lower--) {
        mlip_tokenizer *tok;
        double best = 1e30, best_s = 1e30;
        long pieces = 0, sentences = 0;
        int r;
        if (mlip_tokenizer_load_vocab(vocab, lower, &tok)) {
            printf("SKIP: %s\n", mlip_last_error());
            return 0;
        }
        for (r = 0; r < reps; r++) {
            double t0 = now_seconds(), t;
            pieces = 0;
            for (i = 0; i < n_texts; i++) {
                int ids[4096], n = 0;
                mlip_tokenizer_tokenize(tok, texts[i], lens[i], ids, 4096, &n);
                pieces += n;
            }
            t = now_seconds() - t0;
            if (t < best) best = t;
            t0 = now_seconds();
            sentences = 0;
            for (i = 0; i < n_texts; i++) {
                int b[16], e[16], ns = 0;
                mlip_tokenizer_sentences(tok, texts[i], lens[i], 512, 16, b, e, &ns);
                sentences += ns;
            }
            t = now_seconds() - t0;
            if (t < best_s) best_s = t;
        }
        printf(
            "mlip.h %-7s tokenize: %7.1f MB/s, %6.2f M tokens/s (%ld tokens, %.2f ms per pass)\n",
            lower ? "uncased" : "cased", total / best / 1e6, pieces / best / 1e6, pieces,
            best * 1e3);
        printf("mlip.h %-7s sentences: %6.1f MB/s (%ld sentences)\n", lower ? "uncased" : "cased",
               total / best_s / 1e6, sentences);
        mlip_tokenizer_free(tok);
    }
    free(data);
    free((void *)texts);
    free(lens);
    return 0;
}
