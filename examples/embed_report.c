/* Embed a report and its sentences, and see how they relate.

     ./examples/embed_report model.mlip "Small left pleural effusion. No pneumothorax. Heart size is normal."

   The report gets one global embedding ([CLS] through the global text head); each sentence
   gets a local one (the mean of its token states through the local text head): the vectors
   MLIP's global and patch-sentence losses compare with images. Build: make all. */
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#include <stdio.h>

enum { MAX_SENTENCES = 16 };

int main(int argc, char **argv) {
    mlip_model *model = NULL;
    mlip_tokenizer *tok = NULL;
    float *sentences = NULL, *report = NULL;
    int ids[128], begin[MAX_SENTENCES], end[MAX_SENTENCES], n_ids = 0, n = 0, n2 = 0, i, j, D,
                                                            status = 1;
    char text[512];
    if (argc != 3) {
        fprintf(stderr, "usage: %s model.mlip \"report text\"\n", argv[0]);
        return 2;
    }
    if (mlip_model_load_file(argv[1], &model) || mlip_model_tokenizer(model, &tok)) goto done;
    D = mlip_model_get_config(model)->embed_dim;
    sentences = (float *)malloc(sizeof(float) * MAX_SENTENCES * (size_t)D);
    report = (float *)malloc(sizeof(float) * (size_t)D);
    if (!sentences || !report) goto done;

    /* the tokens and the sentence spans the model sees ... */
    if (mlip_tokenizer_encode(tok, argv[2], strlen(argv[2]), 128, ids, NULL, &n_ids) ||
        mlip_tokenizer_sentences(tok, argv[2], strlen(argv[2]), 128, MAX_SENTENCES, begin, end,
                                 &n2))
        goto done;
    printf("%d tokens, %d sentences\n", n_ids, n2);
    /* ... and their embeddings: one BERT pass over the whole report, so sentences are contextual */
    if (mlip_model_embed_sentences(model, tok, argv[2], 128, MAX_SENTENCES, sentences, report, &n))
        goto done;
    for (i = 0; i < n; i++) {
        mlip_tokenizer_decode(tok, ids + begin[i], end[i] - begin[i], 1, text, sizeof text, NULL);
        printf("  s%d [tokens %d-%d] \"%s\"\n", i + 1, begin[i], end[i] - 1, text);
    }
    /* cosine similarities between sentences (the embeddings are unit vectors) */
    printf("sentence x sentence cosine:\n      ");
    for (j = 0; j < n; j++) printf("   s%-3d", j + 1);
    printf("\n");
    for (i = 0; i < n; i++) {
        printf("  s%-3d", i + 1);
        for (j = 0; j < n; j++)
            printf(" %6.3f",
                   mlip_dot(sentences + (size_t)i * D, sentences + (size_t)j * D, (size_t)D));
        printf("\n");
    }
    printf("global report embedding: %d dims, first values %.4f %.4f %.4f ...\n", D, report[0],
           report[1], report[2]);
    status = 0;
done:
    if (status) fprintf(stderr, "error: %s\n", mlip_last_error());
    free(sentences);
    free(report);
    mlip_tokenizer_free(tok);
    mlip_model_free(model);
    mlip_shutdown();
    return status;
}
