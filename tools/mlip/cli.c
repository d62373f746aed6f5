/* tools/mlip/cli.c - the option parser every command uses: a table of options, checked
   numbers (the whole argument, within range), one message style, exit code 2 on misuse. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cli_has_help(int argc, char **argv) {
    int i;
    for (i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

int cli_int(const char *cmd, const char *what, const char *text, int lo, int hi, int *out) {
    char *end;
    long x;
    errno = 0;
    x = *text && !isspace((unsigned char)*text) ? strtol(text, &end, 10) : 0;
    if (!*text || isspace((unsigned char)*text) || *end || errno || x < lo || x > hi) {
        fprintf(stderr, "mlip %s: %s: expected an integer in %d..%d, got '%s'\n", cmd, what, lo, hi,
                text);
        return 2;
    }
    *out = (int)x;
    return 0;
}

static int cli_float(const char *cmd, const char *what, const char *text, double lo, double hi,
                     float *out) {
    char *end;
    double x;
    errno = 0;
    x = *text && !isspace((unsigned char)*text) ? strtod(text, &end) : 0;
    if (!*text || isspace((unsigned char)*text) || *end || errno || !(x >= lo && x <= hi)) {
        fprintf(stderr, "mlip %s: %s: expected a number in [%g, %g], got '%s'\n", cmd, what, lo, hi,
                text);
        return 2;
    }
    *out = (float)x;
    return 0;
}

static int cli_u64(const char *cmd, const char *what, const char *text, uint64_t *out) {
    char *end;
    unsigned long long x;
    errno = 0;
    x = isdigit((unsigned char)*text) ? strtoull(text, &end, 10) : 0;
    if (!isdigit((unsigned char)*text) || *end || errno) {
        fprintf(stderr, "mlip %s: %s: expected a non-negative integer, got '%s'\n", cmd, what,
                text);
        return 2;
    }
    *out = (uint64_t)x;
    return 0;
}

/* Store one option's value; 2 after a message when it is refused. */
static int cli_store(const char *cmd, const cli_opt *o, const char *v) {
    switch (o->kind) {
    case CLI_STR: *(const char **)o->out = v; return 0;
    case CLI_INT: return cli_int(cmd, o->name, v, (int)o->lo, (int)o->hi, (int *)o->out);
    case CLI_FLOAT: return cli_float(cmd, o->name, v, o->lo, o->hi, (float *)o->out);
    case CLI_U64: return cli_u64(cmd, o->name, v, (uint64_t *)o->out);
    case CLI_LIST: ((const char **)o->out)[(*o->count)++] = v; return 0;
    default: return 2;
    }
}

static int cli_unexpected(const char *cmd, const char *arg) {
    fprintf(stderr, "mlip %s: unexpected argument '%s' (see --help)\n", cmd, arg);
    return 2;
}

/* The table entry named a, or NULL; a full CLI_LIST counts as no entry. */
static const cli_opt *cli_find(const cli_opt *opts, const char *a) {
    const cli_opt *o;
    for (o = opts; o->name; o++) {
        if (strcmp(o->name, a)) continue;
        if (o->kind == CLI_LIST && *o->count >= (int)o->hi) return NULL;
        return o;
    }
    return NULL;
}

int cli_parse(const char *cmd, const char *usage, int argc, char **argv, const cli_opt *opts,
              const char **pos, int n_pos) {
    int i;
    int used = 0;
    if (cli_has_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        const cli_opt *o = a[0] == '-' ? cli_find(opts, a) : NULL;
        if (a[0] != '-') {
            if (used == n_pos) return cli_unexpected(cmd, a);
            pos[used++] = a;
        } else if (!o) {
            return cli_unexpected(cmd, a);
        } else if (o->kind == CLI_FLAG) {
            *(int *)o->out = (int)o->lo;
        } else if (i + 1 == argc) {
            fprintf(stderr, "mlip %s: %s needs a value (see --help)\n", cmd, a);
            return 2;
        } else if (cli_store(cmd, o, argv[++i])) {
            return 2;
        }
    }
    return CLI_GO;
}
