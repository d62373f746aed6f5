/* mlip tokenize: every line of stdin to its BERT WordPiece ids ([CLS] and [SEP] included),
   HF BertTokenizer semantics; optionally truncated / padded to a length, and with the
   sentence spans over those ids. */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int tokenize_error(void) {
    fprintf(stderr, "mlip tokenize: %s\n", mlip_last_error());
    return 1;
}

/* Print the sentence spans of a line over its first `want` ids: a tab, then BEGIN-END ... */
static int tokenize_sentences(const mlip_tokenizer *tok, const char *line, size_t len, int want) {
    int b[MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES];
    int e[MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES];
    int ns = 0;
    int i;
    if (mlip_tokenizer_sentences(tok, line, len, want, 0, b, e, &ns)) return tokenize_error();
    putchar('\t');
    for (i = 0; i < ns; i++) printf(i ? " %d-%d" : "%d-%d", b[i], e[i]);
    return 0;
}

/* One line: its ids (max_len of them when > 0, else all with [CLS] and [SEP]). */
static int tokenize_line(const mlip_tokenizer *tok, const char *line, size_t len, int max_len,
                         int sentences, int **ids, int *ids_cap) {
    int n = 0;
    int want = max_len;
    int i;
    if (max_len <= 0) {
        if (mlip_tokenizer_tokenize(tok, line, len, NULL, 0, &n) || n > 0x7FFFFFF0)
            return tokenize_error();
        want = n + 2;
    }
    if (want > *ids_cap) {
        int *nb = (int *)realloc(*ids, (size_t)want * sizeof(int));
        if (!nb) {
            fprintf(stderr, "mlip tokenize: out of memory\n");
            return 1;
        }
        *ids = nb;
        *ids_cap = want;
    }
    if (mlip_tokenizer_encode(tok, line, len, want, *ids, NULL, &n)) return tokenize_error();
    for (i = 0; i < want; i++) printf(i ? " %d" : "%d", (*ids)[i]);
    if (sentences && tokenize_sentences(tok, line, len, want)) return 1;
    putchar('\n');
    return 0;
}

static const char tokenize_usage[] =
    "usage: mlip tokenize --vocab FILE [--cased] [--max-len N] < text\n"
    "  For every line of stdin print its BERT WordPiece ids, [CLS] and [SEP] included,\n"
    "  separated by spaces (HF BertTokenizer semantics; uncased unless --cased).\n"
    "  --max-len N truncates to N ids ([SEP] kept) and pads with [PAD] to N.\n"
    "  --sentences appends a tab and the sentence spans over those ids, BEGIN-END\n"
    "  (END exclusive), at most 16, separated by spaces.\n";

int cmd_tokenize_main(int argc, char **argv) {
    const char *vocab = NULL;
    int cased = 0;
    int max_len = 0;
    int sentences = 0;
    int status = 0;
    int rc;
    mlip_tokenizer *tok = NULL;
    char *line = NULL;
    size_t cap = 0;
    size_t len = 0;
    int *ids = NULL;
    int ids_cap = 0;
    const cli_opt opts[] = {
        {"--vocab", CLI_STR, &vocab, 0, 0, NULL},
        {"--cased", CLI_FLAG, &cased, 1, 0, NULL},
        {"--sentences", CLI_FLAG, &sentences, 1, 0, NULL},
        {"--max-len", CLI_INT, &max_len, 0, INT_MAX, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    rc = cli_parse("tokenize", tokenize_usage, argc, argv, opts, NULL, 0);
    if (rc != CLI_GO) return rc;
    if (!vocab || (max_len != 0 && max_len < 2)) {
        fprintf(stderr, "mlip tokenize: --vocab FILE is required and --max-len must be >= 2 "
                        "(see --help)\n");
        return 2;
    }
    if (mlip_tokenizer_load_vocab(vocab, !cased, &tok)) return tokenize_error();
    while (!status && read_line(&line, &cap, &len))
        status = tokenize_line(tok, line, len, max_len, sentences, &ids, &ids_cap);
    free(line);
    free(ids);
    mlip_tokenizer_free(tok);
    return status;
}
