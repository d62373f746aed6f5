/* libFuzzer harness for the tokenizer (not part of `make test`; run `make fuzz-tokenizer`).
   The input is split at its first 0xFF 0xFE pair (or in half): the first part is loaded as a
   vocabulary file (every length distrusted), the second tokenized, encoded, split into
   sentences and decoded with both a small fixed vocabulary and the fuzzed one. Any failure
   must come with a message; every id must be in range; spans must lie inside the sequence. */
#define MLIP_IMPLEMENTATION
#include "../../mlip.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_vocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nno\npleural\neffusion\n.\n,\n;\nleft\nright\nlung\n"
    "##s\n##ing\nheart\nsize\nnormal\n2\n##.\n##5\ncm\nopacity\nbase\n##al\ne\n##"
    "ffusion\n\xc3\xa9\n";

static void exercise(const mlip_tokenizer *tok, const char *text, size_t len) {
    int ids[64], begin[16], end[16], n = 0, ns = 0, s, i, vs = mlip_tokenizer_vocab_size(tok);
    uint8_t mask[64];
    char buf[512];
    size_t out_len;
    if (mlip_tokenizer_tokenize(tok, text, len, ids, 64, &n) != MLIP_OK) {
        if (!mlip_last_error()[0]) abort();
        return;
    }
    for (i = 0; i < (n < 64 ? n : 64); i++)
        if (ids[i] < 0 || ids[i] >= vs) abort();
    if (mlip_tokenizer_encode(tok, text, len, 64, ids, mask, &n) == MLIP_OK) {
        for (i = 0; i < 64; i++)
            if (ids[i] < 0 || ids[i] >= vs || (mask[i] != 0) != (i < n)) abort();
        if (mlip_tokenizer_decode(tok, ids, 64, (int)(len & 1), buf, sizeof buf, &out_len) !=
            MLIP_OK)
            abort();
        if (mlip_tokenizer_sentences(tok, text, len, 64, 16, begin, end, &ns) != MLIP_OK) abort();
        for (s = 0; s < ns; s++)
            if (begin[s] < 1 || begin[s] >= end[s] || end[s] > n - 1) abort();
    } else if (!mlip_last_error()[0]) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static mlip_tokenizer *fixed_uncased, *fixed_cased;
    mlip_tokenizer *fuzzed = NULL;
    size_t cut = size / 2, i;
    if (!fixed_uncased) {
        if (mlip_tokenizer_from_memory(fixed_vocab, sizeof fixed_vocab - 1, 1, &fixed_uncased) ||
            mlip_tokenizer_from_memory(fixed_vocab, sizeof fixed_vocab - 1, 0, &fixed_cased))
            abort();
    }
    for (i = 0; i + 1 < size; i++)
        if (data[i] == 0xFF && data[i + 1] == 0xFE) {
            cut = i;
            break;
        }
    exercise(fixed_uncased, (const char *)data, size);
    exercise(fixed_cased, (const char *)data, size);
    if (mlip_tokenizer_from_memory((const char *)data, cut, (int)(size & 1), &fuzzed) == MLIP_OK) {
        size_t rest = cut + 2 <= size ? cut + 2 : size;
        exercise(fuzzed, (const char *)data + rest, size - rest);
        mlip_tokenizer_free(fuzzed);
    } else if (!mlip_last_error()[0]) {
        abort();
    }
    return 0;
}
