/* mlip convert: a .mlip, safetensors or PyTorch checkpoint (open_clip, timm, HF CLIP) to .mlip
   (f32, f16, bf16 or int8 matrices) or to safetensors; optionally with a vocabulary, free-form
   metadata and random weights for the tensors a safetensors input lacks. */
#include "cli.h"

#include <string.h>

#define CONVERT_MAX_META 32

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s);
    size_t m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static const char convert_usage[] =
    "usage: mlip convert IN OUT [--config tiny|small|base|auto] [--vocab vocab.txt] "
    "[--cased]\n"
    "                    [--dtype f32|f16|bf16|int8] [--allow-missing] [--meta KEY=VALUE]"
    "...\n"
    "                    [--model-config CONFIG.json] [--vision-heads N] [--text-heads N]\n"
    "                    [--merges merges.txt|bpe_simple_vocab_16e6.txt.gz]\n"
    "  IN is a .mlip file (by its magic), a PyTorch checkpoint (torch.save's zip: open_clip\n"
    "  BiomedCLIP-style, timm ViT or HF CLIPModel, the layout found from the names; the\n"
    "  hub's open_clip_config.json / config.json as --model-config gives what shapes cannot:\n"
    "  heads, activation, pooling, mean/std, context length) or a safetensors file.\n"
    "  --merges stores CLIP's byte-level BPE tokenizer (HF merges.txt or open_clip's .gz).\n"
    "  OUT ending in .safetensors is\n"
    "  written as safetensors (f32, config and vocabulary in __metadata__), otherwise as "
    ".mlip.\n"
    "  safetensors names: HF ViTModel (\"vit.\"), BertModel (\"bert.\"), the PyTorch twin "
    "and\n"
    "  .mlip names (\"vision.\", \"text.\", head.*, logit_scale, sie.*); pooler weights "
    "skipped.\n"
    "  --config auto (default) infers sizes from the shapes and heads / eps from "
    "__metadata__\n"
    "  or a named config of the same shape; a named config takes the vocabulary size from "
    "the\n"
    "  word embeddings. --vocab stores a vocab.txt (uncased unless --cased). --dtype "
    "stores\n"
    "  matrices as f16, bf16 or int8 (per-row scales). --allow-missing keeps random "
    "weights\n"
    "  for tensors the input lacks (e.g. only a ViTModel). --meta adds free-form "
    "metadata.\n";

/* The vocabulary file into the model (cased: -1 keeps the model's casing). */
static mlip_status convert_vocab(mlip_model *m, const char *vocab, int cased) {
    mlip_tokenizer *tok = NULL;
    mlip_status st = cased >= 0 ? mlip_model_set_lowercase(m, !cased) : MLIP_OK;
    if (!st) st = mlip_tokenizer_load_vocab(vocab, mlip_model_get_config(m)->lowercase, &tok);
    if (!st) st = mlip_model_set_vocab(m, tok);
    mlip_tokenizer_free(tok);
    return st;
}

/* CLIP's BPE merges (merges.txt, or open_clip's bpe_simple_vocab_16e6.txt.gz) into the model:
   as many merges as the text encoder's vocabulary has room for (CLIP uses the first 48,894). */
static mlip_status convert_merges(mlip_model *m, const char *path) {
    mlip_tokenizer *tok = NULL;
    int room = mlip_model_get_config(m)->bert.vocab_size - 514; /* 2 x 256 bytes + 2 specials */
    mlip_status st = mlip_tokenizer_load_bpe(path, room > 0 ? room : 0, &tok);
    if (!st) st = mlip_model_set_vocab(m, tok);
    mlip_tokenizer_free(tok);
    return st;
}

/* KEY=VALUE pairs into the model's metadata; 2 (after a message) when one has no KEY=. */
static int convert_meta(mlip_model *m, const char **meta, int n_meta, mlip_status *st) {
    int i;
    for (i = 0; !*st && i < n_meta; i++) {
        char key[256];
        const char *eq = strchr(meta[i], '=');
        size_t kl = eq ? (size_t)(eq - meta[i]) : 0;
        if (!eq || kl == 0 || kl > 255) {
            fprintf(stderr, "mlip convert: --meta wants KEY=VALUE\n");
            return 2;
        }
        memcpy(key, meta[i], kl);
        key[kl] = '\0';
        *st = mlip_model_set_meta(m, key, eq + 1);
    }
    return 0;
}

/* The named config (vocabulary size from the weights); 0 for auto, 2 for an unknown name. */
static int convert_config(const char *cfg, mlip_model_config *c) {
    if (!strcmp(cfg, "tiny")) {
        *c = mlip_model_config_tiny(0);
    } else if (!strcmp(cfg, "small")) {
        *c = mlip_model_config_small(0);
    } else if (!strcmp(cfg, "base")) {
        *c = mlip_model_config_base();
        c->bert.vocab_size = 0;
    } else if (strcmp(cfg, "auto")) {
        fprintf(stderr, "mlip convert: --config is tiny, small, base or auto\n");
        return 2;
    }
    return 0;
}

/* Load, add the vocabulary and metadata, write. */
/* What a PyTorch checkpoint's import needs besides the file. */
typedef struct convert_import {
    const char *model_config;
    const char *merges;
    int vision_heads, text_heads;
} convert_import;

static int convert_run(const char *in, const char *out, const char *cfg, const char *vocab,
                       int cased, int allow_missing, mlip_dtype dtype, const char **meta,
                       int n_meta, const convert_import *imp) {
    mlip_model_config c;
    mlip_model *m = NULL;
    int is_st = ends_with(out, ".safetensors");
    mlip_status st;
    if (convert_config(cfg, &c)) return 2;
    if (importable(in))
        st = import_torch(in, imp->model_config, imp->vision_heads, imp->text_heads, &m);
    else
        st = load_any(in, strcmp(cfg, "auto") ? &c : NULL, allow_missing, &m);
    if (!st && vocab) st = convert_vocab(m, vocab, cased);
    if (!st && imp->merges) st = convert_merges(m, imp->merges);
    if (convert_meta(m, meta, n_meta, &st)) {
        mlip_model_free(m);
        return 2;
    }
    if (!st) st = is_st ? mlip_model_export_safetensors(m, out) : mlip_model_save_as(m, out, dtype);
    if (st) {
        fprintf(stderr, "mlip convert: %s\n", mlip_last_error());
        mlip_model_free(m);
        return 1;
    }
    printf("mlip convert: %s -> %s (%d tensors%s)\n", in, out, mlip_model_tensor_count(m),
           is_st ? ", f32" : "");
    mlip_model_free(m);
    return 0;
}

int cmd_convert_main(int argc, char **argv) {
    const char *pos[2] = {NULL, NULL};
    const char *cfg = "auto";
    const char *vocab = NULL;
    const char *dtype_name = "f32";
    int allow_missing = 0;
    int cased = -1;
    convert_import imp = {NULL, NULL, 0, 0};
    int i;
    int n_meta = 0;
    int rc;
    const char *meta[CONVERT_MAX_META];
    const cli_opt opts[] = {
        {"--config", CLI_STR, &cfg, 0, 0, NULL},
        {"--vocab", CLI_STR, &vocab, 0, 0, NULL},
        {"--dtype", CLI_STR, &dtype_name, 0, 0, NULL},
        {"--meta", CLI_LIST, meta, 0, CONVERT_MAX_META, &n_meta},
        {"--cased", CLI_FLAG, &cased, 1, 0, NULL},
        {"--allow-missing", CLI_FLAG, &allow_missing, 1, 0, NULL},
        {"--model-config", CLI_STR, &imp.model_config, 0, 0, NULL},
        {"--merges", CLI_STR, &imp.merges, 0, 0, NULL},
        {"--vision-heads", CLI_INT, &imp.vision_heads, 1, 4096, NULL},
        {"--text-heads", CLI_INT, &imp.text_heads, 1, 4096, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    rc = cli_parse("convert", convert_usage, argc, argv, opts, pos, 2);
    if (rc != CLI_GO) return rc;
    for (i = 0; i < 4 && strcmp(dtype_name, mlip_format_dtype_name((mlip_dtype)i)); i++) {}
    if (!pos[0] || !pos[1] || i == 4) {
        fprintf(stderr, "mlip convert: IN and OUT are required, --dtype is f32, f16, bf16 or int8 "
                        "(see --help)\n");
        return 2;
    }
    return convert_run(pos[0], pos[1], cfg, vocab, cased, allow_missing, (mlip_dtype)i, meta,
                       n_meta, &imp);
}
