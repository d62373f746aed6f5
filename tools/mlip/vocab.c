/* mlip vocab: learn a WordPiece vocabulary of at most N entries from the text on stdin (HF
   WordPieceTrainer procedure), deterministic, written one token a line. */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* All of stdin into *out (malloc'ed); 0 when out of memory. */
static int vocab_read_all(char **out, size_t *len) {
    char *corpus = NULL;
    size_t cap = 0;
    size_t got;
    *len = 0;
    do {
        if (*len == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 20;
            char *nb = (char *)realloc(corpus, ncap);
            if (!nb) {
                free(corpus);
                return 0;
            }
            corpus = nb;
            cap = ncap;
        }
        got = fread(corpus + *len, 1, cap - *len, stdin);
        *len += got;
    } while (got > 0);
    *out = corpus;
    return 1;
}

static const char vocab_usage[] =
    "usage: mlip vocab --size N --out FILE [--min-frequency F] [--cased] < corpus.txt\n"
    "  Learn a WordPiece vocabulary of at most N entries from the text on stdin\n"
    "  (HF WordPieceTrainer procedure: most frequent pair merges over ## pieces;\n"
    "  [PAD] [UNK] [CLS] [SEP] [MASK] first, then the alphabet, then merges).\n"
    "  Pairs seen fewer than F times (default 2) are never merged. Deterministic.\n";

int cmd_vocab_main(int argc, char **argv) {
    const char *out = NULL;
    int size = 0;
    int min_freq = 2;
    int cased = 0;
    char *corpus = NULL;
    size_t len = 0;
    double t0;
    int rc;
    const cli_opt opts[] = {
        {"--size", CLI_INT, &size, 5, INT_MAX, NULL},
        {"--out", CLI_STR, &out, 0, 0, NULL},
        {"--min-frequency", CLI_INT, &min_freq, 1, INT_MAX, NULL},
        {"--cased", CLI_FLAG, &cased, 1, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    rc = cli_parse("vocab", vocab_usage, argc, argv, opts, NULL, 0);
    if (rc != CLI_GO) return rc;
    if (!out || size < 5) {
        fprintf(stderr, "mlip vocab: --out FILE and --size N (>= 5) are required (see --help)\n");
        return 2;
    }
    if (!vocab_read_all(&corpus, &len)) {
        fprintf(stderr, "mlip vocab: out of memory\n");
        return 1;
    }
    t0 = now_seconds();
    if (mlip_vocab_train(corpus, len, size, min_freq, !cased, out)) {
        fprintf(stderr, "mlip vocab: %s\n", mlip_last_error());
        free(corpus);
        return 1;
    }
    fprintf(stderr, "mlip vocab: %lu bytes of text -> %s in %.2f s\n", (unsigned long)len, out,
            now_seconds() - t0);
    free(corpus);
    return 0;
}
