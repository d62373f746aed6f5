/* tools/mlip/util.c - helpers more than one command uses: a clock, stdin lines, raw float32
   output, loading a model of either format, the zero-shot prompts of a finding. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int read_line(char **buf, size_t *cap, size_t *len) {
    int c;
    *len = 0;
    while ((c = getchar()) != EOF && c != '\n') {
        if (*len + 1 >= *cap) {
            size_t ncap = *cap ? *cap * 2 : 4096;
            char *nb = (char *)realloc(*buf, ncap);
            if (!nb) return 0;
            *buf = nb;
            *cap = ncap;
        }
        (*buf)[(*len)++] = (char)c;
    }
    return c != EOF || *len > 0;
}

/* Converted in blocks of 1024 values. */
int write_f32le(FILE *f, const float *x, size_t n) {
    unsigned char b[4096];
    size_t i;
    size_t k = 0;
    for (i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        b[k++] = (unsigned char)u;
        b[k++] = (unsigned char)(u >> 8);
        b[k++] = (unsigned char)(u >> 16);
        b[k++] = (unsigned char)(u >> 24);
        if (k == sizeof b || i + 1 == n) {
            if (fwrite(b, 1, k, f) != k) return 0;
            k = 0;
        }
    }
    return 1;
}

/* 1 when the file at path starts with the 4 bytes of magic. */
int file_has_magic(const char *path, const char magic[4]) {
    FILE *f = fopen(path, "rb");
    char head[4] = {0};
    int yes;
    if (!f) return 0;
    yes = fread(head, 1, 4, f) == 4 && !memcmp(head, magic, 4);
    fclose(f);
    return yes;
}

/* The whole file at path into a new NUL-terminated buffer (free it), or NULL. */
static char *read_whole(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f) return NULL;
    if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
        (buf = (char *)malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

mlip_status import_torch(const char *path, const char *model_config, int vision_heads,
                         int text_heads, mlip_model **out) {
    mlip_import_options opt;
    mlip_torch_file *f = NULL;
    char *json = NULL;
    mlip_status st;
    memset(&opt, 0, sizeof opt);
    if (model_config && !(json = read_whole(model_config, &opt.config_len))) {
        fprintf(stderr, "mlip: cannot read %s\n", model_config);
        return MLIP_ERR_IO;
    }
    opt.config_json = json;
    opt.vision_heads = vision_heads;
    opt.text_heads = text_heads;
    st = mlip_torch_open(path, &f);
    if (!st) st = mlip_model_import_torch(f, &opt, out);
    mlip_torch_close(f);
    free(json);
    return st;
}

int importable(const char *path) {
    mlip_torch_file *f = NULL;
    int yes;
    if (file_has_magic(path, "MLIP")) return 0;
    if (file_has_magic(path, "PK\3\4")) return 1; /* a torch.save zip: only the importer reads it */
    yes = mlip_torch_open(path, &f) == MLIP_OK && mlip_model_import_layout(f) != NULL;
    mlip_torch_close(f);
    return yes;
}

mlip_status load_any(const char *path, const mlip_model_config *config, int allow_missing,
                     mlip_model **out) {
    if (file_has_magic(path, "MLIP")) return mlip_model_load_file(path, out);
    if (importable(path)) return import_torch(path, NULL, 0, 0, out);
    return mlip_model_load_safetensors(path, config, allow_missing, out);
}

void model_preprocess_options(const mlip_model *m, mlip_preprocess_options *o) {
    const mlip_model_config *c = mlip_model_get_config(m);
    memset(o, 0, sizeof *o);
    o->resize = (mlip_image_resize)c->image_resize;
    o->fit = (mlip_image_fit)c->image_fit;
}

/* The row of f for finding, if any, into pos and neg. */
static void read_prompt_row(FILE *f, const char *finding, char *pos, char *neg, size_t cap) {
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        char *t1 = strchr(line, '\t');
        char *t2;
        char *nl;
        if (!t1) continue;
        *t1 = '\0';
        if (strcmp(line, finding)) continue;
        if (!(t2 = strchr(t1 + 1, '\t'))) break;
        *t2 = '\0';
        if ((nl = strpbrk(t2 + 1, "\t\r\n")) != NULL) *nl = '\0';
        snprintf(pos, cap, "%s", t1 + 1);
        snprintf(neg, cap, "%s", t2 + 1);
        break;
    }
}

void read_prompts(const char *prompts_path, const char *data, const char *finding, char *pos,
                  char *neg, size_t cap) {
    char path[1200];
    FILE *f = NULL;
    const char *slash = strrchr(data, '/');
    if (prompts_path) {
        f = fopen(prompts_path, "r");
    } else {
        int dir = slash ? (int)(slash - data + 1) : 0;
        snprintf(path, sizeof path, "%.*sprompts.tsv", dir, data);
        f = fopen(path, "r");
    }
    snprintf(pos, cap, "%s", finding);
    snprintf(neg, cap, "no %s", finding);
    if (!f) return;
    read_prompt_row(f, finding, pos, neg, cap);
    fclose(f);
}
