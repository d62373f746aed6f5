/* Pre-train MLIP with the library API: the loop that `mlip train` runs, without the extras.

     ./examples/train_loop pairs.tsv vocab.txt model.mlip [steps]

   pairs.tsv: image<TAB>report[<TAB>labels] (e.g. from `mlip synth --out syn`), vocab.txt: a
   WordPiece vocabulary (`mlip vocab` makes one). Build: make all. */
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#include <stdio.h>
#include <stdlib.h>

enum { BATCH = 16, TOKENS = 64, MAX_SENTENCES = 16 };

int main(int argc, char **argv) {
    mlip_tokenizer *tok = NULL;
    mlip_model *model = NULL;
    mlip_dataset *data = NULL;
    mlip_trainer *trainer = NULL;
    mlip_batch batch;
    mlip_model_config config;
    mlip_dataset_options data_opt = {0};
    mlip_augment_options aug = mlip_augment_defaults();
    mlip_train_config train = mlip_train_defaults();
    int steps = argc > 4 ? atoi(argv[4]) : 100, step, b, *order = NULL, rows[BATCH], epoch_pos = 0,
        status = 1;
    memset(&batch, 0, sizeof batch);
    if (argc < 4 || steps < 1) {
        fprintf(stderr, "usage: %s pairs.tsv vocab.txt model.mlip [steps]\n", argv[0]);
        return 2;
    }
    mlip_set_num_threads(2);

    /* 1. a tokenizer and a fresh tiny model (the `tiny` configuration: 64 px, 4-layer ViT and BERT) */
    if (mlip_tokenizer_load_vocab(argv[2], 1, &tok)) goto done;
    config = mlip_model_config_tiny(mlip_tokenizer_vocab_size(tok));
    if (mlip_model_create(&config, &model)) goto done;
    mlip_model_init_random(model, 1);
    if (mlip_model_set_vocab(model, tok)) goto done; /* the vocabulary travels in the file */

    /* 2. the data: images resized to 64 px, reports tokenized and split into sentences */
    data_opt.image_size = config.vit.image_size, data_opt.channels = config.vit.channels;
    data_opt.max_tokens = TOKENS;
    data_opt.max_sentences = MAX_SENTENCES;
    if (mlip_dataset_open(argv[1], tok, &data_opt, &data)) goto done;
    if (mlip_dataset_size(data) < BATCH) {
        fprintf(stderr, "need at least %d pairs\n", BATCH);
        goto done;
    }
    if (mlip_batch_alloc(&batch, BATCH, config.vit.channels, config.vit.image_size, TOKENS,
                         MAX_SENTENCES, mlip_dataset_n_labels(data)))
        goto done;
    order = (int *)malloc(sizeof(int) * (size_t)mlip_dataset_size(data));
    if (!order) goto done;

    /* 3. the trainer: the full MLIP objective (masking 0.5, SIE, OT local loss, MIP), AdamW */
    train.lr = 5e-4f;
    train.warmup_steps = steps / 10;
    train.total_steps = steps;
    if (mlip_trainer_create(model, NULL, &train, 1, &trainer)) goto done;

    for (step = 0; step < steps; step++) {
        mlip_rng rng;
        mlip_losses L;
        float grad_norm;
        mlip_rng_seed(&rng, 1, (uint64_t)step); /* all of a step's randomness from (seed, step) */
        for (b = 0; b < BATCH; b++) { /* the next rows of a shuffled epoch */
            if (epoch_pos % mlip_dataset_size(data) == 0 && mlip_dataset_shuffle(data, &rng, order))
                goto done;
            rows[b] = order[epoch_pos++ % mlip_dataset_size(data)];
        }
        if (mlip_dataset_batch(data, rows, BATCH, &aug, &rng, &batch) || /* read, augment */
            mlip_trainer_accumulate(trainer, &batch, NULL, &rng, 1.0f,
                                    &L) || /* forward + backward */
            mlip_trainer_update(trainer, &grad_norm)) /* clip + AdamW step */
            goto done;
        if (step % 10 == 0 || step == steps - 1)
            printf("step %4d  loss %.4f = global %.4f + 0.5 local %.4f + mip %.4f   |grad| %.2f\n",
                   step + 1, L.total, L.global, L.local, L.mip, grad_norm);
    }

    /* 4. the trained model, ready for inference (zeroshot.c, mlip eval, mlip explain) */
    if (mlip_model_save(model, argv[3])) goto done;
    printf("saved %s\n", argv[3]);
    status = 0;
done:
    if (status) fprintf(stderr, "error: %s\n", mlip_last_error());
    free(order);
    mlip_batch_free(&batch);
    mlip_trainer_free(trainer);
    mlip_dataset_free(data);
    mlip_model_free(model);
    mlip_tokenizer_free(tok);
    mlip_shutdown();
    return status;
}
