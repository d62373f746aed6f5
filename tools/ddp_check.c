/* ddp_check: the C half of tools/ddp_check.py. Loads a .mlip model (converted from what
   tools/train_torch.py wrote), runs the ViT and BERT on inputs the PyTorch twin prepared,
   applies the global heads and prints the embeddings; it also preprocesses the images and
   tokenizes the texts with mlip.h itself so the script can compare those with the twin's.

   build: cc -std=c99 -O2 -o ddp_check tools/ddp_check.c -lm -lpthread
   usage: ddp_check MODEL.mlip INPUTS.bin
   INPUTS.bin (little-endian, written by tools/ddp_check.py):
     i32 N, C, S, T, L; f32 images[N][C][S][S] (pixels in [0, 1]); i32 ids[N][T];
     i32 mask[N][T]; then per pair: i32 path length, path bytes, i32 text length, text bytes.
   Output lines (numbers %.9g):
     image_emb i v0 .. vD-1     text_emb i v0 .. vD-1
     pre_maxdiff i x            (max |mlip_image_preprocess - twin's pixels|)
     tok i n_real id0 id1 ...   sent i n b0 e0 b1 e1 ...   (mlip.h's tokenizer, max_len T, L sentences) */
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rd_i32(FILE *f, int *v) {
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4) return 0;
    *v = (int)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
    return 1;
}

static int rd_f32(FILE *f, float *v) {
    int i;
    if (!rd_i32(f, &i)) return 0;
    memcpy(v, &i, 4);
    return 1;
}

static char *rd_str(FILE *f, int *len) {
    char *s;
    if (!rd_i32(f, len) || *len < 0 || *len > (1 << 24)) return NULL;
    s = (char *)malloc((size_t)*len + 1);
    if (!s || fread(s, 1, (size_t)*len, f) != (size_t)*len) {
        free(s);
        return NULL;
    }
    s[*len] = '\0';
    return s;
}

static void die(const char *what) {
    fprintf(stderr, "ddp_check: %s: %s\n", what, mlip_last_error());
    exit(1);
}

int main(int argc, char **argv) {
    mlip_model *m = NULL;
    const mlip_model_config *c;
    mlip_tokenizer *tok = NULL;
    FILE *f;
    int N, C, S, T, L, D, i, j, k, Wv, Wt;
    float *img, *xn, *vout, *tout, *cls_v, *cls_t, *emb;
    int *ids, *mask_i, *tids, *beg, *end;
    uint8_t *mask, *tmask;
    size_t n_img;
    if (argc != 3) {
        fprintf(stderr, "usage: ddp_check MODEL.mlip INPUTS.bin\n");
        return 2;
    }
    if (mlip_model_load_file(argv[1], &m)) die("load");
    c = mlip_model_get_config(m);
    f = fopen(argv[2], "rb");
    if (!f || !rd_i32(f, &N) || !rd_i32(f, &C) || !rd_i32(f, &S) || !rd_i32(f, &T) ||
        !rd_i32(f, &L) || N <= 0 || N > 4096 || C != c->vit.channels || S != c->vit.image_size ||
        T < 2 || T > c->bert.max_positions || L < 1) {
        fprintf(stderr, "ddp_check: bad inputs file or it does not fit the model\n");
        return 1;
    }
    D = c->embed_dim;
    Wv = c->vit.width;
    Wt = c->bert.width;
    n_img = (size_t)N * C * S * S;
    img = (float *)malloc(n_img * sizeof(float));
    xn = (float *)malloc(n_img * sizeof(float));
    ids = (int *)malloc((size_t)N * T * sizeof(int));
    mask_i = (int *)malloc((size_t)N * T * sizeof(int));
    mask = (uint8_t *)malloc((size_t)N * T);
    vout = (float *)malloc((size_t)N * (1 + (S / c->vit.patch_size) * (S / c->vit.patch_size)) *
                           Wv * sizeof(float));
    tout = (float *)malloc((size_t)N * T * Wt * sizeof(float));
    cls_v = (float *)malloc((size_t)N * Wv * sizeof(float));
    cls_t = (float *)malloc((size_t)N * Wt * sizeof(float));
    emb = (float *)malloc((size_t)N * D * sizeof(float));
    tids = (int *)malloc((size_t)T * sizeof(int));
    tmask = (uint8_t *)malloc((size_t)T);
    beg = (int *)malloc((size_t)L * sizeof(int));
    end = (int *)malloc((size_t)L * sizeof(int));
    for (i = 0; i < (int)n_img; i++)
        if (!rd_f32(f, &img[i])) return fprintf(stderr, "ddp_check: short inputs\n"), 1;
    for (i = 0; i < N * T; i++)
        if (!rd_i32(f, &ids[i])) return fprintf(stderr, "ddp_check: short inputs\n"), 1;
    for (i = 0; i < N * T; i++) {
        if (!rd_i32(f, &mask_i[i])) return fprintf(stderr, "ddp_check: short inputs\n"), 1;
        mask[i] = (uint8_t)(mask_i[i] != 0);
    }
    /* the ViT's input: (x - mean[c]) / std[c] */
    for (i = 0; i < N; i++)
        for (k = 0; k < C; k++)
            for (j = 0; j < S * S; j++) {
                size_t at = ((size_t)i * C + k) * S * S + j;
                xn[at] = (img[at] - c->image_mean[k]) / c->image_std[k];
            }
    if (mlip_vit_forward(mlip_model_vit(m), xn, N, NULL, 0, 0, vout)) die("vit");
    if (mlip_bert_forward(mlip_model_bert(m), ids, NULL, mask, N, T, 0, tout)) die("bert");
    {
        int K = (S / c->vit.patch_size) * (S / c->vit.patch_size);
        for (i = 0; i < N; i++)
            memcpy(cls_v + (size_t)i * Wv, vout + (size_t)i * (1 + K) * Wv, Wv * sizeof(float));
        for (i = 0; i < N; i++)
            memcpy(cls_t + (size_t)i * Wt, tout + (size_t)i * T * Wt, Wt * sizeof(float));
    }
    if (mlip_projection_forward(emb, NULL, NULL, cls_v,
                                mlip_model_tensor(m, "head.global_image.weight", NULL),
                                mlip_model_tensor(m, "head.global_image.bias", NULL), N, Wv, D))
        die("image head");
    for (i = 0; i < N; i++) {
        printf("image_emb %d", i);
        for (j = 0; j < D; j++) printf(" %.9g", emb[(size_t)i * D + j]);
        printf("\n");
    }
    if (mlip_projection_forward(emb, NULL, NULL, cls_t,
                                mlip_model_tensor(m, "head.global_text.weight", NULL),
                                mlip_model_tensor(m, "head.global_text.bias", NULL), N, Wt, D))
        die("text head");
    for (i = 0; i < N; i++) {
        printf("text_emb %d", i);
        for (j = 0; j < D; j++) printf(" %.9g", emb[(size_t)i * D + j]);
        printf("\n");
    }
    /* mlip.h's own preprocessing and tokenizer on the same files and texts */
    if (mlip_model_tokenizer(m, &tok)) die("tokenizer");
    for (i = 0; i < N; i++) {
        int plen, tlen, n_real = 0, n_sent = 0;
        char *path = rd_str(f, &plen), *text = path ? rd_str(f, &tlen) : NULL;
        mlip_image im;
        float *pre = (float *)malloc((size_t)C * S * S * sizeof(float)), diff = 0;
        if (!text) return fprintf(stderr, "ddp_check: short inputs (strings)\n"), 1;
        if (mlip_image_read_file(path, NULL, &im)) die(path);
        if (mlip_image_preprocess(&im, NULL, pre, S, C)) die("preprocess");
        for (j = 0; j < C * S * S; j++) {
            float d = pre[j] - img[(size_t)i * C * S * S + j];
            if (d < 0) d = -d;
            if (d > diff) diff = d;
        }
        printf("pre_maxdiff %d %.9g\n", i, diff);
        if (mlip_tokenizer_encode(tok, text, (size_t)tlen, T, tids, tmask, &n_real)) die("encode");
        printf("tok %d %d", i, n_real);
        for (j = 0; j < T; j++) printf(" %d", tids[j]);
        printf("\n");
        if (mlip_tokenizer_sentences(tok, text, (size_t)tlen, T, L, beg, end, &n_sent))
            die("sentences");
        printf("sent %d %d", i, n_sent);
        for (j = 0; j < n_sent; j++) printf(" %d %d", beg[j], end[j]);
        printf("\n");
        mlip_image_free(&im);
        free(pre);
        free(path);
        free(text);
    }
    fclose(f);
    mlip_tokenizer_free(tok);
    mlip_model_free(m);
    free(img);
    free(xn);
    free(ids);
    free(mask_i);
    free(mask);
    free(vout);
    free(tout);
    free(cls_v);
    free(cls_t);
    free(emb);
    free(tids);
    free(tmask);
    free(beg);
    free(end);
    return 0;
}
