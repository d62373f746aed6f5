/* mlip train: pre-train a model with the MLIP objective from a TSV of image-report pairs, with
   checkpoints (exact resume), a progress line, an optional per-step loss log. */
#include "cli.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* A step returned this: print mlip_last_error() and exit 1. Other codes: message printed. */
#define TRAIN_LIBERR (-1)

typedef struct train_opts {
    const char *data, *cfg, *out, *resume, *vocab, *init, *ckpt_arg, *log_path;
    int stop_after, steps, B, tokens, threads, every, accum, warmup, strict;
    int no_local, no_sie, no_mip;
    uint64_t seed;
    float lr;
    mlip_objective_config oc;
} train_opts;

/* Everything a run holds; train_run_free releases it. */
typedef struct train_run {
    train_opts o;
    char ckpt[1024];
    char vocab_tmp[1100];
    mlip_train_config tc;
    mlip_model_config mc;
    mlip_model *model;
    mlip_tokenizer *tok, *tok_tmp;
    mlip_dataset *ds;
    mlip_dataset_options dopt;
    mlip_augment_options aug;
    mlip_trainer *tr;
    mlip_batch batch;
    int *order, *rows;
    int order_epoch;
    FILE *log;
    double t_start, t_last, images;
    int caps, batches; /* Sinkhorn at its iteration cap, out of all micro-batches */
} train_run;

static volatile sig_atomic_t train_interrupted = 0;
static void train_on_sigint(int sig) {
    (void)sig;
    train_interrupted = 1;
}

static const char train_usage[] =
    "usage: mlip train --data pairs.tsv --out model.mlip [--config tiny|small|base] "
    "[--steps N]\n"
    "                  [--batch B] [--accum N] [--mask RHO] [--no-local] [--no-sie] "
    "[--no-mip]\n"
    "                  [--lambda-local X] [--lambda-mip X] [--unmasked-tail N] [--lr LR]\n"
    "                  [--warmup N] [--seed S]\n"
    "                  [--tokens T] [--threads T] [--vocab vocab.txt] [--init model.mlip]\n"
    "                  [--resume CKPT] [--ckpt PATH] [--ckpt-every N] [--stop-after N]\n"
    "                  [--log losses.tsv] [--strict]\n"
    "  Pre-trains with the MLIP objective (docs/design.md): masked ViT, SIE-weighted "
    "global\n"
    "  InfoNCE, optimal-transport patch-sentence loss, masked image prediction. The TSV "
    "holds\n"
    "  image<TAB>report[<TAB>labels] (a header line may name the columns); bad rows are\n"
    "  reported with file:line and skipped (--strict: fatal).\n"
    "  The ablation baselines: CLIP = --mask 0 --no-local --no-sie --no-mip; FLIP = CLIP "
    "with\n"
    "  --mask 0.5. --unmasked-tail N: the last N steps see every patch (no mask, SIE, MIP), "
    "as\n"
    "  FLIP ends with unmasked tuning. A progress line every 2 s (losses, images/s, ETA). "
    "A checkpoint (model +\n"
    "  decoder + AdamW state + step) goes to --ckpt (default OUT.ckpt) every --ckpt-every "
    "steps\n"
    "  (default steps / 4), on Ctrl-C and at the end, written atomically; --resume CKPT "
    "continues\n"
    "  exactly where it stopped (--stop-after N stops like Ctrl-C after N steps of this "
    "run).\n"
    "  --log writes every step's losses as TSV. The vocabulary: --vocab, the --init "
    "model's, or learned from the\n"
    "  reports (4096 tokens). OUT is the trained model alone, ready for inference.\n";

/* The options into o: CLI_GO, or the exit code (0 after --help, 2 after a message). */
static int train_parse(int argc, char **argv, train_opts *o) {
    mlip_objective_config *oc = &o->oc;
    const cli_opt opts[] = {
        {"--no-local", CLI_FLAG, &o->no_local, 1, 0, NULL},
        {"--no-sie", CLI_FLAG, &o->no_sie, 1, 0, NULL},
        {"--no-mip", CLI_FLAG, &o->no_mip, 1, 0, NULL},
        {"--strict", CLI_FLAG, &o->strict, 1, 0, NULL},
        {"--data", CLI_STR, &o->data, 0, 0, NULL},
        {"--config", CLI_STR, &o->cfg, 0, 0, NULL},
        {"--out", CLI_STR, &o->out, 0, 0, NULL},
        {"--resume", CLI_STR, &o->resume, 0, 0, NULL},
        {"--vocab", CLI_STR, &o->vocab, 0, 0, NULL},
        {"--init", CLI_STR, &o->init, 0, 0, NULL},
        {"--ckpt", CLI_STR, &o->ckpt_arg, 0, 0, NULL},
        {"--log", CLI_STR, &o->log_path, 0, 0, NULL},
        {"--stop-after", CLI_INT, &o->stop_after, 1, INT_MAX, NULL},
        {"--steps", CLI_INT, &o->steps, 1, INT_MAX, NULL},
        {"--batch", CLI_INT, &o->B, 2, INT_MAX, NULL},
        {"--accum", CLI_INT, &o->accum, 1, INT_MAX, NULL},
        {"--tokens", CLI_INT, &o->tokens, 8, INT_MAX, NULL},
        {"--threads", CLI_INT, &o->threads, 1, INT_MAX, NULL},
        {"--ckpt-every", CLI_INT, &o->every, 0, INT_MAX, NULL},
        {"--warmup", CLI_INT, &o->warmup, 0, INT_MAX, NULL},
        {"--seed", CLI_U64, &o->seed, 0, 0, NULL},
        {"--mask", CLI_FLOAT, &oc->mask_ratio, 0, 1, NULL},
        {"--lr", CLI_FLOAT, &o->lr, 0, 1e3, NULL},
        {"--lambda-local", CLI_FLOAT, &oc->lambda_local, 0, 1e6, NULL},
        {"--lambda-mip", CLI_FLOAT, &oc->lambda_mip, 0, 1e6, NULL},
        {"--unmasked-tail", CLI_INT, &oc->unmasked_tail, 0, INT_MAX, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int rc = cli_parse("train", train_usage, argc, argv, opts, NULL, 0);
    if (rc != CLI_GO) return rc;
    if (o->no_local) oc->use_local = 0;
    if (o->no_sie) oc->use_sie = 0;
    if (o->no_mip) oc->use_mip = 0;
    if (!o->data || !o->out || o->steps < 1 || o->B < 2 || o->accum < 1 || o->tokens < 8 ||
        o->threads < 1 || oc->unmasked_tail < 0 || oc->unmasked_tail > o->steps) {
        fprintf(stderr, "mlip train: --data and --out are required; --steps >= 1, --batch >= 2, "
                        "--accum >= 1, --tokens >= 8, --threads >= 1, 0 <= --unmasked-tail <= "
                        "--steps (see --help)\n");
        return 2;
    }
    if (strlen(o->out) > 1000) {
        fprintf(stderr, "mlip train: --out path too long\n");
        return 2;
    }
    return CLI_GO;
}

/* The checkpoint path and the schedule from the options. */
static void train_schedule(train_run *r) {
    const train_opts *o = &r->o;
    snprintf(r->ckpt, sizeof r->ckpt, "%s", o->ckpt_arg ? o->ckpt_arg : o->out);
    if (!o->ckpt_arg) {
        size_t used = strlen(r->ckpt);
        snprintf(r->ckpt + used, sizeof r->ckpt - used, ".ckpt");
    }
    if (r->o.every <= 0) r->o.every = o->steps / 4 > 0 ? o->steps / 4 : 1;
    r->tc.total_steps = o->steps;
    r->tc.accum_steps = o->accum;
    if (o->warmup >= 0)
        r->tc.warmup_steps = o->warmup;
    else
        r->tc.warmup_steps = o->steps / 20 < 100 ? o->steps / 20 : 100;
    if (o->lr > 0) {
        r->tc.lr = o->lr;
        r->tc.min_lr = o->lr / 10;
    }
}

/* A whole file into memory, as mlip_model_load_memory wants it; NULL when unreadable. */
static void *train_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    void *buf = NULL;
    long len = -1;
    if (f && !fseek(f, 0, SEEK_END) && (len = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET))
        buf = malloc((size_t)len);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    if (f) fclose(f);
    *size = buf ? (size_t)len : 0;
    return buf;
}

/* The model of a checkpoint or an initial model (a copy: training writes the weights), or a
   named config with the --vocab tokenizer when given. */
static int train_start_model(train_run *r) {
    const train_opts *o = &r->o;
    const char *cfg = o->cfg;
    if (o->resume || o->init) {
        const char *path = o->resume ? o->resume : o->init;
        size_t len;
        void *buf = train_read_file(path, &len);
        mlip_status st;
        if (!buf) {
            fprintf(stderr, "mlip train: cannot read %s\n", path);
            return 1;
        }
        st = mlip_model_load_memory(buf, len, 1, &r->model);
        free(buf);
        if (st) return TRAIN_LIBERR;
        mlip_model_clear_train_tensors(r->model);
        return mlip_model_tokenizer(r->model, &r->tok) ? TRAIN_LIBERR : 0;
    }
    if (!strcmp(cfg, "tiny"))
        r->mc = mlip_model_config_tiny(4096);
    else if (!strcmp(cfg, "small"))
        r->mc = mlip_model_config_small(8192);
    else if (!strcmp(cfg, "base"))
        r->mc = mlip_model_config_base();
    else {
        fprintf(stderr, "mlip train: --config is tiny, small or base\n");
        return 2;
    }
    if (o->vocab && mlip_tokenizer_load_vocab(o->vocab, r->mc.lowercase, &r->tok))
        return TRAIN_LIBERR;
    return 0;
}

/* A vocabulary learned from the dataset's reports (when no --vocab is given). */
static mlip_status train_vocab_from_data(const mlip_dataset *ds, int size, const char *path) {
    int i;
    int n = mlip_dataset_size(ds);
    size_t len = 0;
    size_t cap = 1 << 16;
    char *corpus = (char *)malloc(cap);
    mlip_status st;
    if (!corpus) return MLIP_ERR_OUT_OF_MEMORY;
    for (i = 0; i < n; i++) {
        const char *rep = mlip_dataset_report(ds, i);
        size_t l = strlen(rep);
        if (len + l + 2 > cap) {
            char *t;
            while (len + l + 2 > cap) cap *= 2;
            if (!(t = (char *)realloc(corpus, cap))) {
                free(corpus);
                return MLIP_ERR_OUT_OF_MEMORY;
            }
            corpus = t;
        }
        memcpy(corpus + len, rep, l);
        len += l;
        corpus[len++] = '\n';
    }
    st = mlip_vocab_train(corpus, len, size, 2, 1, path);
    free(corpus);
    return st;
}

/* The dataset; its reports teach a vocabulary when there is none yet. */
static int train_open_data(train_run *r) {
    static const char specials[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
    const mlip_model_config *c = r->model ? mlip_model_get_config(r->model) : &r->mc;
    const char *data = r->o.data;
    r->dopt.image_size = c->vit.image_size;
    r->dopt.channels = c->vit.channels;
    /* without a vocabulary, a placeholder only to read the reports */
    if (!r->tok && mlip_tokenizer_from_memory(specials, sizeof specials - 1, 1, &r->tok_tmp))
        return TRAIN_LIBERR;
    if (mlip_dataset_open(data, r->tok ? r->tok : r->tok_tmp, &r->dopt, &r->ds))
        return TRAIN_LIBERR;
    if (mlip_dataset_size(r->ds) < r->o.B) {
        fprintf(stderr, "mlip train: %s has %d usable pairs, fewer than a batch of %d\n", data,
                mlip_dataset_size(r->ds), r->o.B);
        return 1;
    }
    if (r->tok) return 0;
    snprintf(r->vocab_tmp, sizeof r->vocab_tmp, "%s.vocab.txt", r->o.out);
    fprintf(stderr, "mlip train: learning a %d-token vocabulary from the reports -> %s\n",
            r->mc.bert.vocab_size, r->vocab_tmp);
    if (train_vocab_from_data(r->ds, r->mc.bert.vocab_size, r->vocab_tmp) ||
        mlip_tokenizer_load_vocab(r->vocab_tmp, r->mc.lowercase, &r->tok))
        return TRAIN_LIBERR;
    mlip_dataset_free(r->ds);
    r->ds = NULL;
    return mlip_dataset_open(data, r->tok, &r->dopt, &r->ds) ? TRAIN_LIBERR : 0;
}

/* A new model of the named config when none was loaded, its vocabulary the tokenizer's. */
static int train_create_model(train_run *r) {
    int is_base = !strcmp(r->o.cfg, "base");
    int n_vocab = mlip_tokenizer_vocab_size(r->tok);
    if (r->model) return 0;
    if (is_base && n_vocab > r->mc.bert.vocab_size) {
        fprintf(stderr, "mlip train: the vocabulary has %d tokens, more than base's %d\n", n_vocab,
                r->mc.bert.vocab_size);
        return 1;
    }
    if (!is_base) r->mc.bert.vocab_size = n_vocab;
    if (mlip_model_create(&r->mc, &r->model)) return TRAIN_LIBERR;
    mlip_model_init_random(r->model, r->o.seed);
    return mlip_model_set_vocab(r->model, r->tok) ? TRAIN_LIBERR : 0;
}

static double train_count_params(const mlip_model *m) {
    int i;
    int n = mlip_model_tensor_count(m);
    double total = 0;
    for (i = 0; i < n; i++) {
        mlip_param_info p;
        if (!mlip_model_tensor_info(m, i, &p, NULL)) total += (double)p.count;
    }
    return total;
}

/* The trainer (from the checkpoint when resuming), the batch and the row buffers. */
static int train_create_trainer(train_run *r) {
    int n_labels = mlip_dataset_n_labels(r->ds);
    r->mc = *mlip_model_get_config(r->model);
    if (r->o.tokens > r->mc.bert.max_positions) r->o.tokens = r->mc.bert.max_positions;
    if (mlip_trainer_create(r->model, &r->o.oc, &r->tc, r->o.seed, &r->tr)) return TRAIN_LIBERR;
    if (r->o.resume && mlip_trainer_load_checkpoint(r->tr, r->o.resume)) return TRAIN_LIBERR;
    if (mlip_batch_alloc(&r->batch, r->o.B, r->mc.vit.channels, r->mc.vit.image_size, r->o.tokens,
                         16, n_labels))
        return TRAIN_LIBERR;
    r->order = (int *)malloc(sizeof(int) * (size_t)mlip_dataset_size(r->ds));
    r->rows = (int *)malloc(sizeof(int) * (size_t)r->o.B);
    if (!r->order || !r->rows) {
        fprintf(stderr, "mlip train: out of memory\n");
        return 1;
    }
    return 0;
}

/* The run's first line, and the loss log opened (appended to when resuming). */
static int train_announce(train_run *r) {
    const train_opts *o = &r->o;
    const mlip_objective_config *oc = &o->oc;
    printf("mlip train: %d pairs from %s, config %s (%.1f M parameters), batch %d x %d, %d steps "
           "from step %d, mask %.2f, unmasked tail %d steps, %s%s%s, %d threads\n",
           mlip_dataset_size(r->ds), o->data, o->init || o->resume ? "from file" : o->cfg,
           train_count_params(r->model) / 1e6, o->B, o->accum, o->steps, mlip_trainer_step(r->tr),
           (double)oc->mask_ratio, oc->unmasked_tail, "global", oc->use_local ? " + local" : "",
           oc->use_mip && oc->mask_ratio > 0 ? " + MIP" : "", o->threads);
    fflush(stdout);
    if (!o->log_path) return 0;
    if (!(r->log = fopen(o->log_path, o->resume ? "a" : "w"))) {
        fprintf(stderr, "mlip train: cannot write %s\n", o->log_path);
        return 1;
    }
    if (!o->resume)
        fprintf(r->log, "step\ttotal\tglobal\tlocal\tmip\tsie_min\tsie_max\tot_iters\t"
                        "grad_norm\tlr\n");
    return 0;
}

/* The dataset rows of a batch: epoch permutations laid end to end.
   Every step's randomness comes from (seed, step): the batch is positions [step B, step B + B)
   of a sequence of epochs, each a permutation drawn from (seed, epoch); augmentation and masks
   draw from an rng seeded with (seed, step). So a run stopped at step s and resumed from its
   checkpoint continues exactly as the straight run would. */
static int train_batch_rows(train_run *r, long long step) {
    int n = mlip_dataset_size(r->ds);
    int B = r->o.B;
    int b;
    for (b = 0; b < B; b++) {
        long long pos = step * B + b;
        int epoch = (int)(pos / n);
        if (epoch != r->order_epoch) {
            mlip_rng rng;
            mlip_rng_seed(&rng, r->o.seed, 0x45504f4348ull + (uint64_t)epoch); /* "EPOCH" */
            if (mlip_dataset_shuffle(r->ds, &rng, r->order)) return 1;
            r->order_epoch = epoch;
        }
        r->rows[b] = r->order[pos % n];
    }
    return 0;
}

/* One micro-batch's losses into the step's: means of the losses, extremes of the rest. */
static void train_add_losses(mlip_losses *sum, const mlip_losses *L, int a, int accum) {
    sum->total += L->total / accum;
    sum->global += L->global / accum;
    sum->local += L->local / accum;
    sum->mip += L->mip / accum;
    if (a == 0) {
        sum->sie_w_min = L->sie_w_min;
        sum->sie_w_max = L->sie_w_max;
    } else {
        sum->sie_w_min = sum->sie_w_min < L->sie_w_min ? sum->sie_w_min : L->sie_w_min;
        sum->sie_w_max = sum->sie_w_max > L->sie_w_max ? sum->sie_w_max : L->sie_w_max;
    }
    sum->ot_iters = sum->ot_iters > L->ot_iters ? sum->ot_iters : L->ot_iters;
}

/* The gradients of a step's `accum` micro-batches; their mean losses into sum. */
static int train_accumulate(train_run *r, long long step, mlip_losses *sum) {
    int accum = r->o.accum;
    int a;
    memset(sum, 0, sizeof *sum);
    for (a = 0; a < accum; a++) {
        long long micro = step * accum + a;
        mlip_rng rng;
        mlip_losses L;
        mlip_rng_seed(&rng, r->o.seed, 0x53544550ull + (uint64_t)micro); /* "STEP" */
        if (train_batch_rows(r, micro) ||
            mlip_dataset_batch(r->ds, r->rows, r->o.B, &r->aug, &rng, &r->batch) ||
            mlip_trainer_accumulate(r->tr, &r->batch, NULL, &rng, 1.0f / accum, &L))
            return TRAIN_LIBERR;
        train_add_losses(sum, &L, a, accum);
        r->caps += L.ot_capped;
        r->batches++;
        r->images += r->o.B;
    }
    return 0;
}

static void train_format_time(double s, char *buf, size_t cap) {
    if (s < 0 || s > 1e7)
        snprintf(buf, cap, "?");
    else if (s >= 3600)
        snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    else if (s >= 60)
        snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, cap, "%.0fs", s);
}

/* The progress line: every 2 s, and at the first and the last step. */
static void train_progress(train_run *r, long long step, int first, const mlip_losses *s,
                           float norm) {
    double t = now_seconds();
    double rate;
    double left;
    char eta[32];
    int steps = r->o.steps;
    if (!(t - r->t_last >= 2.0 || step == first || step + 1 == steps)) return;
    rate = r->images / (t - r->t_start + 1e-9);
    left = (double)(steps - step - 1) * r->o.B * r->o.accum / (rate + 1e-9);
    train_format_time(left, eta, sizeof eta);
    printf("step %lld/%d  loss %.4f  global %.4f  local %.4f  mip %.4f  sie %.2f-%.2f  ot %d  "
           "|g| %.2f  lr %.2e  %.1f img/s  ETA %s\n",
           step + 1, steps, s->total, s->global, s->local, s->mip, s->sie_w_min, s->sie_w_max,
           s->ot_iters, norm, mlip_train_lr(&r->tc, (int)step), rate, eta);
    fflush(stdout);
    r->t_last = t;
}

/* One optimiser step: accumulate, update, log, report, checkpoint. */
static int train_step(train_run *r, long long step, int first) {
    mlip_losses sum;
    float norm = 0;
    mlip_status st;
    int rc = train_accumulate(r, step, &sum);
    if (rc) return rc;
    st = mlip_trainer_update(r->tr, &norm);
    if (r->log)
        fprintf(r->log, "%lld\t%.9g\t%.9g\t%.9g\t%.9g\t%.6g\t%.6g\t%d\t%.6g\t%.6g\n", step + 1,
                sum.total, sum.global, sum.local, sum.mip, sum.sie_w_min, sum.sie_w_max,
                sum.ot_iters, norm, mlip_train_lr(&r->tc, (int)step));
    if (r->o.stop_after > 0 && step + 1 - first >= r->o.stop_after) train_interrupted = 1;
    if (st == MLIP_ERR_NUMERIC)
        fprintf(stderr, "mlip train: step %lld: %s\n", step, mlip_last_error());
    else if (st)
        return TRAIN_LIBERR;
    train_progress(r, step, first, &sum, norm);
    if ((step + 1) % r->o.every == 0 && step + 1 < r->o.steps) {
        if (mlip_trainer_save_checkpoint(r->tr, r->ckpt)) return TRAIN_LIBERR;
        printf("checkpoint %s (step %lld)\n", r->ckpt, step + 1);
    }
    return 0;
}

/* The steps from the trainer's to --steps (or an interruption), then the checkpoint and,
   when all steps ran, the model; 130 when interrupted. */
static int train_loop(train_run *r) {
    int first = mlip_trainer_step(r->tr);
    long long step;
    char text[64];
    int rc = 0;
    signal(SIGINT, train_on_sigint);
    r->t_start = now_seconds();
    for (step = first; !rc && step < r->o.steps && !train_interrupted; step++)
        rc = train_step(r, step, first);
    if (rc) return rc;
    if (r->caps) {
        printf("Sinkhorn stopped at its iteration cap in %d of %d batches\n", r->caps, r->batches);
    }
    if (mlip_trainer_save_checkpoint(r->tr, r->ckpt)) return TRAIN_LIBERR;
    if (train_interrupted) {
        printf("interrupted: checkpoint %s at step %d; continue with --resume %s\n", r->ckpt,
               mlip_trainer_step(r->tr), r->ckpt);
        return 130;
    }
    snprintf(text, sizeof text, "%d", mlip_trainer_step(r->tr));
    if (mlip_model_set_meta(r->model, "training.data", r->o.data) ||
        mlip_model_set_meta(r->model, "training.steps", text) ||
        mlip_model_save(r->model, r->o.out))
        return TRAIN_LIBERR;
    printf("saved %s (checkpoint %s), %.1f s\n", r->o.out, r->ckpt, now_seconds() - r->t_start);
    return 0;
}

static void train_run_free(train_run *r) {
    signal(SIGINT, SIG_DFL);
    if (r->log) fclose(r->log);
    free(r->order);
    free(r->rows);
    mlip_batch_free(&r->batch);
    mlip_trainer_free(r->tr);
    mlip_dataset_free(r->ds);
    mlip_tokenizer_free(r->tok);
    mlip_tokenizer_free(r->tok_tmp);
    mlip_model_free(r->model);
    mlip_shutdown();
}

static void train_defaults(train_run *r) {
    train_opts *o = &r->o;
    memset(r, 0, sizeof *r);
    o->cfg = "tiny";
    o->stop_after = -1;
    o->steps = 1000;
    o->B = 32;
    o->tokens = 128;
    o->threads = 2;
    o->accum = 1;
    o->warmup = -1;
    o->seed = 1;
    o->lr = -1;
    o->oc = mlip_objective_defaults();
    r->tc = mlip_train_defaults();
    r->mc = mlip_model_config_tiny(4096);
    r->aug = mlip_augment_defaults();
    r->order_epoch = -1;
}

int cmd_train_main(int argc, char **argv) {
    train_run r;
    int rc;
    train_defaults(&r);
    if ((rc = train_parse(argc, argv, &r.o)) != CLI_GO) return rc;
    train_schedule(&r);
    r.dopt.max_tokens = r.o.tokens;
    r.dopt.max_sentences = 16;
    r.dopt.strict = r.o.strict;
    rc = mlip_set_num_threads(r.o.threads) ? TRAIN_LIBERR : 0;
    if (!rc) rc = train_start_model(&r);
    if (!rc) rc = train_open_data(&r);
    if (!rc) rc = train_create_model(&r);
    if (!rc) rc = train_create_trainer(&r);
    if (!rc) rc = train_announce(&r);
    if (!rc) rc = train_loop(&r);
    if (rc == TRAIN_LIBERR) {
        fprintf(stderr, "mlip train: %s\n", mlip_last_error());
        rc = 1;
    }
    train_run_free(&r);
    return rc;
}
