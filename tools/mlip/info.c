/* mlip info: print a .mlip or safetensors model: its config, metadata, vocabulary size, every
   tensor (name, stored dtype, shape, bytes) and the totals; for a PyTorch checkpoint
   (torch.save's zip), every tensor of its state dict, read without executing anything. */
#include "cli.h"

#include <string.h>

/* The architecture switches of a model trained elsewhere (nothing for an MLIP model). */
static void info_switches(const mlip_model_config *c) {
    static const char *const gelu[3] = {"erf", "tanh", "quick"};
    static const char *const pool[3] = {"cls", "avg", "last"};
    static const char *const head[3] = {"linear", "mlp", "none"};
    if (c->kind == MLIP_MODEL_MLIP) return;
    printf("arch  imported dual encoder: vit gelu %s, pre_norm %d, pool %s%s; text %s, gelu %s; "
           "heads image %s, text %s\n",
           gelu[c->vit.gelu % 3], c->vit.pre_norm, pool[c->vit.pool % 3],
           c->vit.fc_norm ? " + fc_norm" : "",
           c->bert.layers == 0              ? "none"
           : c->bert.kind == MLIP_TEXT_CLIP ? "clip (causal)"
                                            : "bert",
           gelu[c->bert.gelu % 3], head[c->image_head % 3], head[c->text_head % 3]);
    printf("input resize %d, fit %d, context %d tokens, tokenizer %s\n", c->image_resize,
           c->image_fit, c->context_length, c->tokenizer_bpe ? "byte-level BPE" : "WordPiece");
}

static void info_config(const mlip_model *m, const mlip_model_config *c) {
    const mlip_vit_config *v = &c->vit;
    const mlip_bert_config *b = &c->bert;
    mlip_tokenizer *tok = NULL;
    const char *casing = c->lowercase ? "uncased" : "cased";
    int ch;
    printf("vit   image %d, patch %d, channels %d, width %d, layers %d, heads %d, mlp %d, "
           "ln_eps %g\n",
           v->image_size, v->patch_size, v->channels, v->width, v->layers, v->heads, v->mlp_dim,
           (double)v->ln_eps);
    printf("bert  vocab %d, positions %d, types %d, width %d, layers %d, heads %d, mlp %d, "
           "ln_eps %g\n",
           b->vocab_size, b->max_positions, b->type_vocab_size, b->width, b->layers, b->heads,
           b->mlp_dim, (double)b->ln_eps);
    info_switches(c);
    printf("heads embed_dim %d\nimage mean", c->embed_dim);
    for (ch = 0; ch < v->channels; ch++) printf(" %g", (double)c->image_mean[ch]);
    printf(", std");
    for (ch = 0; ch < v->channels; ch++) printf(" %g", (double)c->image_std[ch]);
    if (mlip_model_tokenizer(m, &tok) == MLIP_OK)
        printf("\ntokenizer %d tokens, %s\n", mlip_tokenizer_vocab_size(tok), casing);
    else
        printf("\ntokenizer none stored (%s)\n", casing);
    mlip_tokenizer_free(tok);
}

/* Bytes a tensor of p.count values takes stored as dt (int8: one f32 scale per row). */
static double info_tensor_bytes(const mlip_param_info *p, mlip_dtype dt) {
    double rows;
    if (dt == MLIP_DTYPE_F32) return 4.0 * p->count;
    if (dt != MLIP_DTYPE_INT8) return 2.0 * p->count;
    rows = p->ndim ? (double)p->count / p->shape[p->ndim - 1] : 1;
    return (double)p->count + 4.0 * rows;
}

static void info_tensors(const mlip_model *m) {
    int n = mlip_model_tensor_count(m);
    int i;
    double total = 0;
    double bytes = 0;
    printf("tensors %d\n", n);
    for (i = 0; i < n; i++) {
        mlip_param_info p;
        mlip_dtype dt;
        double b;
        int d;
        char shape[64] = "";
        mlip_model_tensor_info(m, i, &p, &dt);
        for (d = 0; d < p.ndim; d++) {
            size_t used = strlen(shape);
            snprintf(shape + used, sizeof shape - used, d ? ", %d" : "%d", p.shape[d]);
        }
        b = info_tensor_bytes(&p, dt);
        printf("  %-58s %-5s (%s) %.0f bytes\n", p.name, mlip_format_dtype_name(dt), shape, b);
        total += (double)p.count;
        bytes += b;
    }
    printf("total %.0f parameters, %.0f bytes of tensor data (%.2f MiB)\n", total, bytes,
           bytes / 1048576.0);
}

/* A PyTorch checkpoint: its tensors as the safe reader lists them. */
static int info_torch(const char *path) {
    mlip_torch_file *f = NULL;
    int i;
    double total = 0;
    if (mlip_torch_open(path, &f)) {
        fprintf(stderr, "mlip info: %s\n", mlip_last_error());
        return 1;
    }
    printf("file %s (PyTorch checkpoint)\ntensors %d\n", path, mlip_torch_count(f));
    for (i = 0; i < mlip_torch_count(f); i++) {
        const char *name;
        int dtype, ndim, d;
        int64_t shape[8];
        double count = 1;
        char dims[96] = "";
        mlip_torch_info(f, i, &name, &dtype, &ndim, shape);
        for (d = 0; d < ndim; d++) {
            size_t used = strlen(dims);
            snprintf(dims + used, sizeof dims - used, d ? ", %lld" : "%lld", (long long)shape[d]);
            count *= (double)shape[d];
        }
        printf("  %-58s %-5s (%s)\n", name, mlip_torch_dtype_name(dtype), dims);
        total += count;
    }
    printf("total %.0f values\n", total);
    mlip_torch_close(f);
    return 0;
}

int cmd_info_main(int argc, char **argv) {
    mlip_model *m = NULL;
    int i;
    const char *key;
    const char *val;
    if (cli_has_help(argc, argv) || argc != 1) {
        printf("usage: mlip info FILE\n"
               "  Print a .mlip or safetensors model: its config, metadata, vocabulary size, "
               "every\n"
               "  tensor (name, stored dtype, shape, bytes) and the totals. A PyTorch checkpoint\n"
               "  (torch.save, e.g. pytorch_model.bin): its tensors, read without executing it.\n");
        return cli_has_help(argc, argv) ? 0 : 2;
    }
    if (file_has_magic(argv[0], "PK\3\4")) return info_torch(argv[0]);
    if (load_any(argv[0], NULL, 0, &m)) {
        fprintf(stderr, "mlip info: %s\n", mlip_last_error());
        return 1;
    }
    printf("file %s%s\n", argv[0], mlip_model_is_mapped(m) ? " (mapped, zero-copy)" : "");
    info_config(m, mlip_model_get_config(m));
    for (i = 0; (val = mlip_model_meta_at(m, i, &key)) != NULL; i++)
        printf("meta  %s = %s\n", key, val);
    info_tensors(m);
    mlip_model_free(m);
    return 0;
}
