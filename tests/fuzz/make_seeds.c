/* Seed files for fuzz_model: a small model as .mlip (f32, f16, bf16, int8) and safetensors. */
#define MLIP_IMPLEMENTATION
#include "../../mlip.h"

static void put(const char *dir, const char *name, const void *buf, size_t len) {
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "wb")) || fwrite(buf, 1, len, f) != len) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

int main(int argc, char **argv) {
    mlip_model_config c = mlip_model_config_tiny(8);
    mlip_model *m = NULL;
    mlip_tokenizer *tok = NULL;
    static const char vocab[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\n##c\n";
    void *buf;
    size_t len;
    int t;
    static const char *const names[4] = {"seed_f32.mlip", "seed_f16.mlip", "seed_bf16.mlip",
                                         "seed_int8.mlip"};
    if (argc != 2) return 2;
    c.vit.image_size = 8;
    c.vit.patch_size = 4;
    c.vit.width = 4;
    c.vit.layers = 1;
    c.vit.heads = 1;
    c.vit.mlp_dim = 4;
    c.bert.max_positions = 4;
    c.bert.width = 4;
    c.bert.layers = 1;
    c.bert.heads = 1;
    c.bert.mlp_dim = 4;
    c.embed_dim = 2;
    if (mlip_model_create(&c, &m) || mlip_tokenizer_from_memory(vocab, sizeof vocab - 1, 1, &tok) ||
        mlip_model_set_vocab(m, tok) || mlip_model_set_meta(m, "license", "CC0")) {
        fprintf(stderr, "%s\n", mlip_last_error());
        return 1;
    }
    mlip_model_init_random(m, 1);
    for (t = 0; t < 4; t++) {
        if (mlip_model_save_memory(m, (mlip_dtype)t, &buf, &len)) return 1;
        put(argv[1], names[t], buf, len);
        mlip_free(buf);
    }
    if (mlip_model_export_safetensors_memory(m, &buf, &len)) return 1;
    put(argv[1], "seed.safetensors", buf, len);
    mlip_free(buf);
    mlip_tokenizer_free(tok);
    mlip_model_free(m);
    return 0;
}
