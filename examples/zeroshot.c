/* Zero-shot classification of one radiograph with a pre-trained model.

     ./examples/zeroshot model.mlip image.pgm

   For each finding, the image's embedding is compared with a positive and a negative prompt;
   the probability is sigmoid(scale * (cos(image, positive) - cos(image, negative))).
   Build: make all (or cc -O2 zeroshot.c -lm -lpthread). */
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#include <stdio.h>

enum { N_FINDINGS = 5 };
static const char *const prompts[N_FINDINGS][3] = {
    /* finding          positive prompt       negative prompt */
    {"consolidation", "consolidation", "no consolidation"},
    {"effusion", "pleural effusion", "no pleural effusion"},
    {"cardiomegaly", "cardiomegaly", "heart size is normal"},
    {"pneumothorax", "pneumothorax", "no pneumothorax"},
    {"nodule", "pulmonary nodule", "no pulmonary nodule"},
};

int main(int argc, char **argv) {
    mlip_model *model = NULL;
    mlip_image image;
    const mlip_model_config *config;
    float *pixels = NULL, *image_emb = NULL, *text_emb = NULL, *pos = NULL, *neg = NULL,
          prob[N_FINDINGS], scale;
    const char *texts[2 * N_FINDINGS];
    int i, D, S, C, status = 1;
    if (argc != 3) {
        fprintf(stderr, "usage: %s model.mlip image.(pgm|png|dcm)\n", argv[0]);
        return 2;
    }
    /* 1. the model (mapped, not copied) and the image, resized to the model's input */
    if (mlip_model_load_file(argv[1], &model) || mlip_image_read_file(argv[2], NULL, &image)) {
        fprintf(stderr, "error: %s\n", mlip_last_error());
        mlip_model_free(model);
        return 1;
    }
    config = mlip_model_get_config(model);
    D = config->embed_dim;
    S = config->vit.image_size;
    C = config->vit.channels;
    pixels = (float *)malloc(sizeof(float) * (size_t)C * S * S);
    image_emb = (float *)malloc(sizeof(float) * (size_t)D);
    text_emb = (float *)malloc(sizeof(float) * 2 * N_FINDINGS * (size_t)D);
    pos = (float *)malloc(sizeof(float) * N_FINDINGS * (size_t)D);
    neg = (float *)malloc(sizeof(float) * N_FINDINGS * (size_t)D);
    if (!pixels || !image_emb || !text_emb || !pos || !neg) goto done;
    for (i = 0; i < N_FINDINGS; i++) texts[2 * i] = prompts[i][1], texts[2 * i + 1] = prompts[i][2];

    /* 2. embed: the image through the ViT and the global image head, the prompts through BERT
       and the global text head (both L2-normalised, so a dot product is a cosine) */
    if (mlip_image_preprocess(&image, NULL, pixels, S, C) ||
        mlip_model_embed_images(model, pixels, 1, image_emb, NULL) ||
        mlip_model_embed_texts(model, NULL, texts, 2 * N_FINDINGS, 32, text_emb) ||
        mlip_model_logit_scale(model, 0, &scale))
        goto done;

    /* 3. one probability per finding from the positive and negative prompt */
    for (i = 0; i < N_FINDINGS; i++) {
        memcpy(pos + (size_t)i * D, text_emb + (size_t)(2 * i) * D, sizeof(float) * (size_t)D);
        memcpy(neg + (size_t)i * D, text_emb + (size_t)(2 * i + 1) * D, sizeof(float) * (size_t)D);
    }
    if (mlip_zeroshot_scores(image_emb, pos, neg, 1, N_FINDINGS, D, scale, prob)) goto done;
    for (i = 0; i < N_FINDINGS; i++)
        printf("%-14s %.3f   (\"%s\" vs \"%s\")\n", prompts[i][0], prob[i], prompts[i][1],
               prompts[i][2]);
    status = 0;
done:
    if (status) fprintf(stderr, "error: %s\n", mlip_last_error());
    free(pixels);
    free(image_emb);
    free(text_emb);
    free(pos);
    free(neg);
    mlip_image_free(&image);
    mlip_model_free(model);
    mlip_shutdown();
    return status;
}
