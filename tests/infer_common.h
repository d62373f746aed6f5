/* One zero-shot inference, as a device would run it: load a .mlip from memory without copying,
   build its tokenizer, tokenize the prompts, decode + preprocess the image, encode image and
   texts, project them and score (cosine similarity of the global embeddings). Included by
   test_reliability.c (normal heap: measures the memory it takes) and by noheap_tu.c (a copy
   of the library whose hooks abort: runs it inside a caller-provided arena), so both run the
   very same calls. scores gets n_prompts values. Everything it allocates it frees. */
#ifndef MLIP_TEST_INFER_COMMON_H
#define MLIP_TEST_INFER_COMMON_H

#define INFER_T 16 /* token positions per prompt */
#define INFER_MAX_PROMPTS 4

static mlip_status infer_run(const void *model_bytes, size_t model_len, const void *image_bytes,
                             size_t image_len, const char *const *prompts, int n_prompts,
                             float *scores) {
    mlip_model *m = NULL;
    mlip_tokenizer *tok = NULL;
    mlip_image im;
    const mlip_model_config *c;
    float *pixels = NULL, *vit_out = NULL, *bert_out = NULL, *cls = NULL, *emb = NULL;
    int ids[INFER_MAX_PROMPTS * INFER_T], i, j, K, D;
    uint8_t mask[INFER_MAX_PROMPTS * INFER_T];
    size_t wc = 0, bc = 0;
    const float *w, *b;
    mlip_status st;
    memset(&im, 0, sizeof im);
    if (n_prompts < 1 || n_prompts > INFER_MAX_PROMPTS) return MLIP_ERR_INVALID_ARG;
    if ((st = mlip_model_load_memory(model_bytes, model_len, 0, &m))) return st;
    c = mlip_model_get_config(m);
    K = (c->vit.image_size / c->vit.patch_size) * (c->vit.image_size / c->vit.patch_size);
    D = c->embed_dim;
    if ((st = mlip_model_tokenizer(m, &tok))) goto done;
    for (j = 0; j < n_prompts; j++)
        if ((st = mlip_tokenizer_encode(tok, prompts[j], strlen(prompts[j]), INFER_T,
                                        ids + j * INFER_T, mask + j * INFER_T, NULL)))
            goto done;
    if ((st = mlip_image_read_memory(image_bytes, image_len, NULL, &im))) goto done;
    pixels = (float *)mlip_alloc(sizeof(float) * (size_t)c->vit.channels * c->vit.image_size *
                                 c->vit.image_size);
    vit_out = (float *)mlip_alloc(sizeof(float) * (size_t)(1 + K) * c->vit.width);
    bert_out = (float *)mlip_alloc(sizeof(float) * (size_t)n_prompts * INFER_T * c->bert.width);
    cls = (float *)mlip_alloc(sizeof(float) * (size_t)n_prompts * c->bert.width);
    emb = (float *)mlip_alloc(sizeof(float) * (size_t)(1 + n_prompts) * D);
    if (!pixels || !vit_out || !bert_out || !cls || !emb) {
        st = MLIP_ERR_OUT_OF_MEMORY;
        goto done;
    }
    if ((st = mlip_image_preprocess(&im, NULL, pixels, c->vit.image_size, c->vit.channels)))
        goto done;
    /* image: the [CLS] state through head.global_image */
    if ((st = mlip_vit_forward(mlip_model_vit(m), pixels, 1, NULL, 0, 0, vit_out))) goto done;
    w = mlip_model_tensor(m, "head.global_image.weight", &wc);
    b = mlip_model_tensor(m, "head.global_image.bias", &bc);
    if ((st = mlip_projection_forward(emb, NULL, NULL, vit_out, w, b, 1, c->vit.width, D)))
        goto done;
    /* texts: each [CLS] state through head.global_text */
    if ((st = mlip_bert_forward(mlip_model_bert(m), ids, NULL, mask, n_prompts, INFER_T, 0,
                                bert_out)))
        goto done;
    for (j = 0; j < n_prompts; j++)
        memcpy(cls + (size_t)j * c->bert.width, bert_out + (size_t)j * INFER_T * c->bert.width,
               sizeof(float) * c->bert.width);
    w = mlip_model_tensor(m, "head.global_text.weight", &wc);
    b = mlip_model_tensor(m, "head.global_text.bias", &bc);
    if ((st = mlip_projection_forward(emb + D, NULL, NULL, cls, w, b, n_prompts, c->bert.width, D)))
        goto done;
    for (j = 0; j < n_prompts; j++) { /* both unit vectors: the dot product is the cosine */
        double s = 0;
        for (i = 0; i < D; i++) s += (double)emb[i] * emb[(size_t)(1 + j) * D + i];
        scores[j] = (float)s;
    }
done: /* freed in reverse order of allocation: in an arena, each free pops its block */
    mlip_free(emb), mlip_free(cls), mlip_free(bert_out), mlip_free(vit_out), mlip_free(pixels);
    mlip_image_free(&im);
    mlip_tokenizer_free(tok);
    mlip_model_free(m);
    return st;
}

#endif
