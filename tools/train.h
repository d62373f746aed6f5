/* mlip train: pre-train a model with the MLIP objective from a TSV of image-report pairs.
   Included by tools/mlip.c (uses its has_help and now_seconds).

   Every step's randomness comes from (seed, step): the batch is positions [step B, step B + B)
   of a sequence of epochs, each a permutation drawn from (seed, epoch); augmentation and masks
   draw from an rng seeded with (seed, step). So a run stopped at step s and resumed from its
   checkpoint continues exactly as the straight run would. */
#include <signal.h>

static volatile sig_atomic_t train_interrupted = 0;
static void train_on_sigint(int sig) {
    (void)sig;
    train_interrupted = 1;
}

/* The dataset rows of a batch: epoch permutations laid end to end. */
static int train_batch_rows(const mlip_dataset *ds, uint64_t seed, long long step, int B, int *order, int *order_epoch,
                            int *rows) {
    int n = mlip_dataset_size(ds), b;
    for (b = 0; b < B; b++) {
        long long pos = step * B + b;
        int epoch = (int)(pos / n);
        if (epoch != *order_epoch) {
            mlip_rng rng;
            mlip_rng_seed(&rng, seed, 0x45504f4348ull + (uint64_t)epoch); /* "EPOCH" */
            if (mlip_dataset_shuffle(ds, &rng, order)) return 1;
            *order_epoch = epoch;
        }
        rows[b] = order[pos % n];
    }
    return 0;
}

static void train_format_time(double s, char *buf, size_t cap) {
    if (s < 0 || s > 1e7) snprintf(buf, cap, "?");
    else if (s >= 3600) snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else if (s >= 60) snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else snprintf(buf, cap, "%.0fs", s);
}

/* A vocabulary learned from the dataset's reports (when no --vocab is given). */
static mlip_status train_vocab_from_data(const mlip_dataset *ds, int size, const char *path) {
    int i, n = mlip_dataset_size(ds);
    size_t len = 0, cap = 1 << 16;
    char *corpus = (char *)malloc(cap);
    mlip_status st;
    if (!corpus) return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < n; i++) {
        const char *r = mlip_dataset_report(ds, i);
        size_t l = strlen(r);
        if (len + l + 2 > cap) {
            char *t;
            while (len + l + 2 > cap) cap *= 2;
            if (!(t = (char *)realloc(corpus, cap))) {
                free(corpus);
                return MLIP_ERR_OUT_OF_MEMORY;
            }
            corpus = t;
        }
        memcpy(corpus + len, r, l), len += l, corpus[len++] = '\n';
    }
    st = mlip_vocab_train(corpus, len, size, 2, 1, path);
    free(corpus);
    return st;
}

static double train_count_params(const mlip_model *m) {
    int i, n = mlip_model_tensor_count(m);
    double total = 0;
    for (i = 0; i < n; i++) {
        mlip_param_info p;
        if (!mlip_model_tensor_info(m, i, &p, NULL)) total += (double)p.count;
    }
    return total;
}

static int cmd_train(int argc, char **argv) {
    const char *data = NULL, *cfg = "tiny", *out = NULL, *resume = NULL, *vocab = NULL, *init = NULL, *ckpt_arg = NULL;
    const char *log_path = NULL;
    FILE *log = NULL;
    int stop_after = -1;
    int steps = 1000, B = 32, tokens = 128, threads = 2, every = 0, accum = 1, warmup = -1, strict = 0, i, rc = 1;
    long long step;
    uint64_t seed = 1;
    float lr = -1;
    char ckpt[1024], vocab_tmp[1100];
    mlip_objective_config oc = mlip_objective_defaults();
    mlip_train_config tc = mlip_train_defaults();
    mlip_model_config mc = mlip_model_config_tiny(4096);
    mlip_model *model = NULL;
    mlip_tokenizer *tok = NULL, *tok_tmp = NULL;
    mlip_dataset *ds = NULL;
    mlip_dataset_options dopt;
    mlip_augment_options aug = mlip_augment_defaults();
    mlip_trainer *tr = NULL;
    mlip_batch batch;
    int *order = NULL, *rows = NULL, order_epoch = -1;
    double t_start, t_last = 0, images = 0;
    mlip_status st = MLIP_OK;
    memset(&batch, 0, sizeof batch);
    if (has_help(argc, argv)) {
        printf("usage: mlip train --data pairs.tsv --out model.mlip [--config tiny|small|base] [--steps N]\n"
               "                  [--batch B] [--accum N] [--mask RHO] [--no-local] [--no-sie] [--no-mip]\n"
               "                  [--lambda-local X] [--lambda-mip X] [--unmasked-tail N] [--lr LR]\n"
               "                  [--warmup N] [--seed S]\n"
               "                  [--tokens T] [--threads T] [--vocab vocab.txt] [--init model.mlip]\n"
               "                  [--resume CKPT] [--ckpt PATH] [--ckpt-every N] [--stop-after N]\n"
               "                  [--log losses.tsv] [--strict]\n"
               "  Pre-trains with the MLIP objective (DESIGN section 2): masked ViT, SIE-weighted global\n"
               "  InfoNCE, optimal-transport patch-sentence loss, masked image prediction. The TSV holds\n"
               "  image<TAB>report[<TAB>labels] (a header line may name the columns); bad rows are\n"
               "  reported with file:line and skipped (--strict: fatal).\n"
               "  The ablation baselines: CLIP = --mask 0 --no-local --no-sie --no-mip; FLIP = CLIP with\n"
               "  --mask 0.5. --unmasked-tail N: the last N steps see every patch (no mask, SIE, MIP), as\n"
               "  FLIP ends with unmasked tuning. A progress line every 2 s (losses, images/s, ETA). A checkpoint (model +\n"
               "  decoder + AdamW state + step) goes to --ckpt (default OUT.ckpt) every --ckpt-every steps\n"
               "  (default steps / 4), on Ctrl-C and at the end, written atomically; --resume CKPT continues\n"
               "  exactly where it stopped (--stop-after N stops like Ctrl-C after N steps of this run).\n"
               "  --log writes every step's losses as TSV. The vocabulary: --vocab, the --init model's, or learned from the\n"
               "  reports (4096 tokens). OUT is the trained model alone, ready for inference.\n");
        return 0;
    }
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-local")) oc.use_local = 0;
        else if (!strcmp(a, "--no-sie")) oc.use_sie = 0;
        else if (!strcmp(a, "--no-mip")) oc.use_mip = 0;
        else if (!strcmp(a, "--strict")) strict = 1;
        else if (!v) { fprintf(stderr, "mlip train: %s needs a value (see --help)\n", a); return 2; }
        else if (!strcmp(a, "--data")) data = v, i++;
        else if (!strcmp(a, "--config")) cfg = v, i++;
        else if (!strcmp(a, "--out")) out = v, i++;
        else if (!strcmp(a, "--resume")) resume = v, i++;
        else if (!strcmp(a, "--vocab")) vocab = v, i++;
        else if (!strcmp(a, "--init")) init = v, i++;
        else if (!strcmp(a, "--ckpt")) ckpt_arg = v, i++;
        else if (!strcmp(a, "--log")) log_path = v, i++;
        else if (!strcmp(a, "--stop-after")) stop_after = atoi(v), i++;
        else if (!strcmp(a, "--steps")) steps = atoi(v), i++;
        else if (!strcmp(a, "--batch")) B = atoi(v), i++;
        else if (!strcmp(a, "--accum")) accum = atoi(v), i++;
        else if (!strcmp(a, "--tokens")) tokens = atoi(v), i++;
        else if (!strcmp(a, "--threads")) threads = atoi(v), i++;
        else if (!strcmp(a, "--ckpt-every")) every = atoi(v), i++;
        else if (!strcmp(a, "--warmup")) warmup = atoi(v), i++;
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10), i++;
        else if (!strcmp(a, "--mask")) oc.mask_ratio = (float)atof(v), i++;
        else if (!strcmp(a, "--lr")) lr = (float)atof(v), i++;
        else if (!strcmp(a, "--lambda-local")) oc.lambda_local = (float)atof(v), i++;
        else if (!strcmp(a, "--lambda-mip")) oc.lambda_mip = (float)atof(v), i++;
        else if (!strcmp(a, "--unmasked-tail")) oc.unmasked_tail = atoi(v), i++;
        else { fprintf(stderr, "mlip train: unexpected argument '%s' (see --help)\n", a); return 2; }
    }
    if (!data || !out || steps < 1 || B < 2 || accum < 1 || tokens < 8 || threads < 1 || oc.unmasked_tail < 0 ||
        oc.unmasked_tail > steps) {
        fprintf(stderr, "mlip train: --data and --out are required; --steps >= 1, --batch >= 2, --accum >= 1, "
                        "--tokens >= 8, --threads >= 1, 0 <= --unmasked-tail <= --steps (see --help)\n");
        return 2;
    }
    if (strlen(out) > 1000) { fprintf(stderr, "mlip train: --out path too long\n"); return 2; }
    snprintf(ckpt, sizeof ckpt, "%s", ckpt_arg ? ckpt_arg : out);
    if (!ckpt_arg) snprintf(ckpt + strlen(ckpt), sizeof ckpt - strlen(ckpt), ".ckpt");
    if (every <= 0) every = steps / 4 > 0 ? steps / 4 : 1;
    tc.total_steps = steps, tc.accum_steps = accum;
    tc.warmup_steps = warmup >= 0 ? warmup : (steps / 20 < 100 ? steps / 20 : 100);
    if (lr > 0) tc.lr = lr, tc.min_lr = lr / 10;
    if (mlip_set_num_threads(threads)) goto fail;

    /* the model: from a checkpoint, an initial model, or a named config with a vocabulary */
    memset(&dopt, 0, sizeof dopt);
    dopt.max_tokens = tokens, dopt.max_sentences = 16, dopt.strict = strict;
    if (resume || init) {
        const char *path = resume ? resume : init;
        FILE *f = fopen(path, "rb");
        void *buf = NULL;
        long len = -1;
        if (f && !fseek(f, 0, SEEK_END) && (len = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET) && (buf = malloc((size_t)len)) &&
            fread(buf, 1, (size_t)len, f) == (size_t)len)
            st = mlip_model_load_memory(buf, (size_t)len, 1, &model); /* a copy: training writes the weights */
        else
            st = mlip__fail(MLIP_ERR_IO, "cannot read %s", path);
        if (f) fclose(f);
        free(buf);
        if (st) goto fail;
        mlip_model_clear_train_tensors(model);
        if ((st = mlip_model_tokenizer(model, &tok))) goto fail;
    } else {
        if (!strcmp(cfg, "tiny")) mc = mlip_model_config_tiny(4096);
        else if (!strcmp(cfg, "small")) mc = mlip_model_config_small(8192);
        else if (!strcmp(cfg, "base")) mc = mlip_model_config_base();
        else { fprintf(stderr, "mlip train: --config is tiny, small or base\n"); return 2; }
        if (vocab && (st = mlip_tokenizer_load_vocab(vocab, mc.lowercase, &tok))) goto fail;
    }
    /* the dataset (its reports teach a vocabulary when there is none yet) */
    dopt.image_size = model ? mlip_model_get_config(model)->vit.image_size : mc.vit.image_size;
    dopt.channels = model ? mlip_model_get_config(model)->vit.channels : mc.vit.channels;
    if (!tok) { /* a placeholder vocabulary, only to read the reports */
        static const char specials[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
        if ((st = mlip_tokenizer_from_memory(specials, sizeof specials - 1, 1, &tok_tmp))) goto fail;
    }
    if ((st = mlip_dataset_open(data, tok ? tok : tok_tmp, &dopt, &ds))) goto fail;
    if (mlip_dataset_size(ds) < B) {
        fprintf(stderr, "mlip train: %s has %d usable pairs, fewer than a batch of %d\n", data, mlip_dataset_size(ds), B);
        goto done;
    }
    if (!tok) {
        snprintf(vocab_tmp, sizeof vocab_tmp, "%s.vocab.txt", out);
        fprintf(stderr, "mlip train: learning a %d-token vocabulary from the reports -> %s\n", mc.bert.vocab_size, vocab_tmp);
        if ((st = train_vocab_from_data(ds, mc.bert.vocab_size, vocab_tmp)) ||
            (st = mlip_tokenizer_load_vocab(vocab_tmp, mc.lowercase, &tok)))
            goto fail;
        mlip_dataset_free(ds), ds = NULL;
        if ((st = mlip_dataset_open(data, tok, &dopt, &ds))) goto fail;
    }
    if (!model) {
        if (!strcmp(cfg, "base") && mlip_tokenizer_vocab_size(tok) > mc.bert.vocab_size) {
            fprintf(stderr, "mlip train: the vocabulary has %d tokens, more than base's %d\n", mlip_tokenizer_vocab_size(tok),
                    mc.bert.vocab_size);
            goto done;
        }
        if (strcmp(cfg, "base")) mc.bert.vocab_size = mlip_tokenizer_vocab_size(tok);
        if ((st = mlip_model_create(&mc, &model))) goto fail;
        mlip_model_init_random(model, seed);
        if ((st = mlip_model_set_vocab(model, tok))) goto fail;
    }
    mc = *mlip_model_get_config(model);
    if (tokens > mc.bert.max_positions) tokens = mc.bert.max_positions;
    if ((st = mlip_trainer_create(model, &oc, &tc, seed, &tr))) goto fail;
    if (resume && (st = mlip_trainer_load_checkpoint(tr, resume))) goto fail;
    if ((st = mlip_batch_alloc(&batch, B, mc.vit.channels, mc.vit.image_size, tokens, 16, mlip_dataset_n_labels(ds)))) goto fail;
    order = (int *)malloc(sizeof(int) * (size_t)mlip_dataset_size(ds));
    rows = (int *)malloc(sizeof(int) * (size_t)B);
    if (!order || !rows) { fprintf(stderr, "mlip train: out of memory\n"); goto done; }
    printf("mlip train: %d pairs from %s, config %s (%.1f M parameters), batch %d x %d, %d steps from step %d, "
           "mask %.2f, unmasked tail %d steps, %s%s%s, %d threads\n", mlip_dataset_size(ds), data, init || resume ? "from file" : cfg,
           train_count_params(model) / 1e6, B, accum, steps, mlip_trainer_step(tr), (double)oc.mask_ratio,
           oc.unmasked_tail, "global",
           oc.use_local ? " + local" : "", oc.use_mip && oc.mask_ratio > 0 ? " + MIP" : "", threads);
    fflush(stdout);
    if (log_path) {
        if (!(log = fopen(log_path, resume ? "a" : "w"))) {
            fprintf(stderr, "mlip train: cannot write %s\n", log_path);
            goto done;
        }
        if (!resume) fprintf(log, "step\ttotal\tglobal\tlocal\tmip\tsie_min\tsie_max\tot_iters\tgrad_norm\tlr\n");
    }
    signal(SIGINT, train_on_sigint);
    t_start = now_seconds();
    {
        int first = mlip_trainer_step(tr), caps = 0, batches = 0;
        for (step = first; step < steps && !train_interrupted; step++) {
            mlip_losses L, sum;
            float norm = 0;
            int a;
            memset(&sum, 0, sizeof sum);
            for (a = 0; a < accum; a++) {
                long long micro = step * accum + a;
                mlip_rng rng;
                mlip_rng_seed(&rng, seed, 0x53544550ull + (uint64_t)micro); /* "STEP" */
                if (train_batch_rows(ds, seed, micro, B, order, &order_epoch, rows) ||
                    (st = mlip_dataset_batch(ds, rows, B, &aug, &rng, &batch)) ||
                    (st = mlip_trainer_accumulate(tr, &batch, NULL, &rng, 1.0f / accum, &L)))
                    goto fail;
                sum.total += L.total / accum, sum.global += L.global / accum, sum.local += L.local / accum, sum.mip += L.mip / accum;
                sum.sie_w_min = a ? MLIP__MIN(sum.sie_w_min, L.sie_w_min) : L.sie_w_min;
                sum.sie_w_max = a ? MLIP__MAX(sum.sie_w_max, L.sie_w_max) : L.sie_w_max;
                sum.ot_iters = MLIP__MAX(sum.ot_iters, L.ot_iters), caps += L.ot_capped, batches++;
                images += B;
            }
            st = mlip_trainer_update(tr, &norm);
            if (log)
                fprintf(log, "%lld\t%.9g\t%.9g\t%.9g\t%.9g\t%.6g\t%.6g\t%d\t%.6g\t%.6g\n", step + 1, sum.total, sum.global,
                        sum.local, sum.mip, sum.sie_w_min, sum.sie_w_max, sum.ot_iters, norm, mlip_train_lr(&tc, (int)step));
            if (stop_after > 0 && step + 1 - first >= stop_after) train_interrupted = 1;
            if (st == MLIP_ERR_NUMERIC) fprintf(stderr, "mlip train: step %lld: %s\n", step, mlip_last_error());
            else if (st) goto fail;
            {
                double t = now_seconds();
                if (t - t_last >= 2.0 || step == first || step + 1 == steps) {
                    char eta[32];
                    double rate = images / (t - t_start + 1e-9);
                    train_format_time((double)(steps - step - 1) * B * accum / (rate + 1e-9), eta, sizeof eta);
                    printf("step %lld/%d  loss %.4f  global %.4f  local %.4f  mip %.4f  sie %.2f-%.2f  ot %d  |g| %.2f  "
                           "lr %.2e  %.1f img/s  ETA %s\n", step + 1, steps, sum.total, sum.global, sum.local, sum.mip,
                           sum.sie_w_min, sum.sie_w_max, sum.ot_iters, norm, mlip_train_lr(&tc, (int)step), rate, eta);
                    fflush(stdout);
                    t_last = t;
                }
            }
            if ((step + 1) % every == 0 && step + 1 < steps) {
                if ((st = mlip_trainer_save_checkpoint(tr, ckpt))) goto fail;
                printf("checkpoint %s (step %lld)\n", ckpt, step + 1);
            }
        }
        if (caps) printf("Sinkhorn stopped at its iteration cap in %d of %d batches\n", caps, batches);
    }
    if ((st = mlip_trainer_save_checkpoint(tr, ckpt))) goto fail;
    if (train_interrupted) {
        printf("interrupted: checkpoint %s at step %d; continue with --resume %s\n", ckpt, mlip_trainer_step(tr), ckpt);
        rc = 130;
        goto done;
    }
    {
        char text[64];
        snprintf(text, sizeof text, "%d", mlip_trainer_step(tr));
        if ((st = mlip_model_set_meta(model, "training.data", data)) || (st = mlip_model_set_meta(model, "training.steps", text)) ||
            (st = mlip_model_save(model, out)))
            goto fail;
    }
    printf("saved %s (checkpoint %s), %.1f s\n", out, ckpt, now_seconds() - t_start);
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "mlip train: %s\n", mlip_last_error());
    rc = 1;
done:
    signal(SIGINT, SIG_DFL);
    if (log) fclose(log);
    free(order), free(rows);
    mlip_batch_free(&batch);
    mlip_trainer_free(tr);
    mlip_dataset_free(ds);
    mlip_tokenizer_free(tok), mlip_tokenizer_free(tok_tmp);
    mlip_model_free(model);
    mlip_shutdown();
    return rc;
}
