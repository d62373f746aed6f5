/* tools/mlip/cli.h - what the command files of ./mlip share: the option parser (cli.c), small
   helpers (util.c) and the commands' entry points (one file each, dispatched by main.c).
   Built on mlip.h's public API only. */
#ifndef MLIP_CLI_H
#define MLIP_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../mlip.h"

/* ---- the option parser: a table of options, one call ----
   Every option takes the next argument as its value, except CLI_FLAG. Numbers are checked:
   the whole argument must be a number within [lo, hi], else "mlip CMD: --opt: expected an
   integer in LO..HI, got 'X'" and the parse fails (the command exits 2). */
typedef enum cli_kind {
    CLI_FLAG, /* no value: *(int *)out = (int)lo */
    CLI_STR, /* *(const char **)out = the value */
    CLI_INT, /* *(int *)out, in [lo, hi] */
    CLI_FLOAT, /* *(float *)out, in [lo, hi] */
    CLI_U64, /* *(uint64_t *)out, decimal digits */
    CLI_LIST /* appended to (const char **)out; hi is its capacity, *(int *)count the length */
} cli_kind;

typedef struct cli_opt {
    const char *name; /* "--steps" */
    cli_kind kind;
    void *out;
    double lo, hi;
    int *count; /* CLI_LIST only */
} cli_opt;

/* cli_parse's "go on": anything else is the command's exit code. */
#define CLI_GO (-1)

/* Parse argv against opts (ended by an entry with a NULL name). With --help or -h anywhere,
   usage goes to stdout and the result is 0. Arguments that do not start with '-' fill
   pos[0..n_pos) in order. Returns CLI_GO, 0 after the usage, or 2 after saying why not. */
int cli_parse(const char *cmd, const char *usage, int argc, char **argv, const cli_opt *opts,
              const char **pos, int n_pos);
/* One number outside an option table (e.g. a positional size); same checks and message. */
int cli_int(const char *cmd, const char *what, const char *text, int lo, int hi, int *out);
/* 1 when --help or -h is among the arguments. */
int cli_has_help(int argc, char **argv);

/* ---- helpers (util.c) ---- */
double now_seconds(void);
/* One line of stdin without its '\n' into a growing buffer; returns 0 at end of input. */
int read_line(char **buf, size_t *cap, size_t *len);
/* Raw little-endian float32 whatever the host's byte order; returns 1 when all was written. */
int write_f32le(FILE *f, const float *x, size_t n);
/* 1 when the file at path starts with the 4 bytes of magic ("MLIP", "PK\3\4"). */
int file_has_magic(const char *path, const char magic[4]);
/* 1 when mlip_model_import_torch reads the file: a torch.save zip, or a safetensors file whose
   names are one of its layouts (open_clip, timm, HF CLIP). */
int importable(const char *path);
/* A .mlip (by its magic), an importable checkpoint (imported with no config) or another
   safetensors file (HF ViTModel / BertModel names). */
mlip_status load_any(const char *path, const mlip_model_config *config, int allow_missing,
                     mlip_model **out);
/* The preprocessing the model expects (its resize and fit; an imported model: bicubic + crop),
   other options at their defaults. */
void model_preprocess_options(const mlip_model *m, mlip_preprocess_options *o);
/* A PyTorch checkpoint through mlip_model_import_torch, with its config file (may be NULL) and
   head counts (0: the config's or the default). */
mlip_status import_torch(const char *path, const char *model_config, int vision_heads,
                         int text_heads, mlip_model **out);
/* Prompts for a finding: the prompts.tsv given (or beside data when prompts_path is NULL), a
   row finding<TAB>positive<TAB>negative; else "<finding>" / "no <finding>". */
void read_prompts(const char *prompts_path, const char *data, const char *finding, char *pos,
                  char *neg, size_t cap);

/* ---- the commands: argv holds the arguments after the command's name ---- */
int cmd_version_main(int argc, char **argv);
int cmd_bench_main(int argc, char **argv);
int cmd_tokenize_main(int argc, char **argv);
int cmd_vocab_main(int argc, char **argv);
int cmd_decode_main(int argc, char **argv);
int cmd_convert_main(int argc, char **argv);
int cmd_embed_main(int argc, char **argv);
int cmd_info_main(int argc, char **argv);
int cmd_synth_main(int argc, char **argv);
int cmd_train_main(int argc, char **argv);
int cmd_eval_main(int argc, char **argv);
int cmd_explain_main(int argc, char **argv);

#endif /* MLIP_CLI_H */
