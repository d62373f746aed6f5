/* mlip eval: what a pre-trained model buys on a labelled TSV: zero-shot AUROC from positive and
   negative prompts (optionally mixed with the local patch-sentence score), a linear probe on
   frozen global embeddings, few-shot segmentation from frozen local features. */
#include "cli.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The tasks.
   eval --task zeroshot: each finding (a label of the TSV other than "normal") gets a positive
     and a negative prompt ("pleural effusion" / "no pleural effusion"); an image's score is
     sigmoid(scale (cos(image, positive) - cos(image, negative))) (mlip_zeroshot_scores);
     AUROC per finding against the labels, their mean, and accuracy at 0.5. --local W mixes in
     the local score (docs/design.md, "Downstream scores"): (1 - W) global + W sigmoid(local
     scale (top-10 % patch similarity to the positive sentence - to the negative one))
     (mlip_local_topk_score).
   eval --task probe: logistic regression on frozen global image embeddings of --train, with
     1 %, 10 % and 100 % of its labels; AUROC on --data.
   eval --task seg: a per-patch linear head on frozen local features, upsampled bilinearly to
     pixels, trained on the masks of 1 % and 10 % of --train; Dice on --data's positives.
   Masks are found the way `mlip synth` writes them: images/NNNNN.pgm -> masks/NNNNN_<finding>.pgm
   (no file: an empty mask). */

#define EVAL_MAX_FINDINGS 32

typedef struct eval_set {
    mlip_dataset *ds;
    int n, K, D;
    float *global, *local; /* (n, D), (n, K, D) */
} eval_set;

/* The zero-shot prompts of nf findings and their scores (n, nf). */
typedef struct eval_zs {
    int fi[EVAL_MAX_FINDINGS]; /* the findings' label columns */
    int nf;
    char pos_text[EVAL_MAX_FINDINGS][256];
    char neg_text[EVAL_MAX_FINDINGS][256];
    float scale;
    float *pos, *neg; /* (nf, D) prompt embeddings */
    float *prob, *probg, *probl; /* mixed, global alone, local alone (the last two with --local) */
    float *score; /* (n) one finding's scores */
    int8_t *lab; /* (n) one finding's labels */
} eval_zs;

static void eval_set_free(eval_set *s) {
    mlip_dataset_free(s->ds);
    free(s->global);
    free(s->local);
    memset(s, 0, sizeof *s);
}

static int eval_error(void) {
    fprintf(stderr, "mlip eval: %s\n", mlip_last_error());
    return 1;
}

static int eval_oom(void) {
    fprintf(stderr, "mlip eval: out of memory\n");
    return 1;
}

/* Embed rows [i, i + b) of s->ds (no augmentation). */
static mlip_status eval_embed_chunk(mlip_model *m, eval_set *s, int i, int b, int want_local) {
    const mlip_model_config *c = mlip_model_get_config(m);
    mlip_batch bt;
    int rows[32];
    int j;
    mlip_status st;
    float *local = want_local ? s->local + (size_t)i * s->K * s->D : NULL;
    memset(&bt, 0, sizeof bt);
    for (j = 0; j < b; j++) rows[j] = i + j;
    st = mlip_batch_alloc(&bt, b, c->vit.channels, c->vit.image_size, 16, 16,
                          mlip_dataset_n_labels(s->ds));
    if (st) return st;
    st = mlip_dataset_batch(s->ds, rows, b, NULL, NULL, &bt);
    if (!st) st = mlip_model_embed_images(m, bt.images, b, s->global + (size_t)i * s->D, local);
    mlip_batch_free(&bt);
    return st;
}

/* Open a TSV and embed every image; 0, or 1 after a message. */
static int eval_embed(mlip_model *m, const mlip_tokenizer *tok, const char *path, int want_local,
                      eval_set *s) {
    const mlip_model_config *c = mlip_model_get_config(m);
    mlip_dataset_options o;
    mlip_preprocess_options pre;
    int i;
    int G = c->vit.image_size / c->vit.patch_size;
    memset(s, 0, sizeof *s);
    memset(&o, 0, sizeof o);
    o.image_size = c->vit.image_size;
    o.channels = c->vit.channels;
    o.max_tokens = 16;
    o.preprocess = &pre;
    model_preprocess_options(m, &pre);
    if (mlip_dataset_open(path, tok, &o, &s->ds)) return eval_error();
    s->n = mlip_dataset_size(s->ds);
    s->D = c->embed_dim;
    s->K = G * G;
    s->global = (float *)malloc(sizeof(float) * (size_t)s->n * s->D + 1);
    if (want_local) s->local = (float *)malloc(sizeof(float) * (size_t)s->n * s->K * s->D + 1);
    if (!s->global || (want_local && !s->local)) return eval_oom();
    for (i = 0; i < s->n; i += 32) {
        int b = s->n - i < 32 ? s->n - i : 32;
        if (eval_embed_chunk(m, s, i, b, want_local)) return eval_error();
    }
    return 0;
}

static int eval_findings(const mlip_dataset *ds, int *idx) {
    int j;
    int n = 0;
    for (j = 0; j < mlip_dataset_n_labels(ds) && n < EVAL_MAX_FINDINGS; j++)
        if (strcmp(mlip_dataset_label_name(ds, j), "normal")) idx[n++] = j;
    return n;
}

static int eval_has_both(const mlip_dataset *ds, int j, const int *rows, int n) {
    int i;
    int pos = 0;
    for (i = 0; i < n; i++) pos += mlip_dataset_labels(ds, rows[i])[j] == 1;
    return pos > 0 && pos < n;
}

/* AUROC of finding k's scores prob (n, nf) against the labels; -1 when undefined (one class).
   Leaves the scores and labels in z->score and z->lab. */
static double eval_auroc_of(const eval_set *te, eval_zs *z, const float *prob, int k) {
    int i;
    int npos = 0;
    double auc = -1;
    for (i = 0; i < te->n; i++) {
        z->score[i] = prob[(size_t)i * z->nf + k];
        z->lab[i] = mlip_dataset_labels(te->ds, i)[z->fi[k]];
        npos += z->lab[i];
    }
    if (npos == 0 || npos == te->n || mlip_auroc(z->score, z->lab, te->n, &auc)) return -1;
    return auc;
}

/* Finding k's local probabilities into z->probl: sigmoid(local scale (top-fraction patch
   similarity to the positive prompt sentence - to the negative one)), the prompts through the
   local text head as one-sentence reports. */
static mlip_status eval_local_finding(mlip_model *m, const mlip_tokenizer *tok, const eval_set *te,
                                      eval_zs *z, int k, float *sent, float scale) {
    enum { MS = MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES };
    float *neg = sent + MS * te->D;
    float sp;
    float sn;
    int i;
    int ns = 0;
    mlip_status st = mlip_model_embed_sentences(m, tok, z->pos_text[k], 64, MS, sent, NULL, &ns);
    if (!st) st = mlip_model_embed_sentences(m, tok, z->neg_text[k], 64, MS, neg, NULL, &ns);
    for (i = 0; !st && i < te->n; i++) {
        const float *patches = te->local + (size_t)i * te->K * te->D;
        st = mlip_local_topk_score(patches, sent, te->K, te->D, 0.0f, &sp);
        if (!st) st = mlip_local_topk_score(patches, neg, te->K, te->D, 0.0f, &sn);
        z->probl[(size_t)i * z->nf + k] = 1.0f / (1.0f + expf(-scale * (sp - sn)));
    }
    return st;
}

/* With --local W: prob = (1 - W) global + W local, the global one kept in probg; 0 or 1. */
static int eval_local_mix(mlip_model *m, const mlip_tokenizer *tok, const eval_set *te, eval_zs *z,
                          float w) {
    size_t i;
    size_t nn = (size_t)te->n * z->nf;
    int k;
    float scale = 1;
    mlip_status st;
    float *sent = (float *)malloc(sizeof(float) * 2 * MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES * te->D);
    z->probg = (float *)malloc(sizeof(float) * nn);
    z->probl = (float *)malloc(sizeof(float) * nn);
    if (!sent || !z->probg || !z->probl) {
        free(sent);
        return eval_oom();
    }
    memcpy(z->probg, z->prob, sizeof(float) * nn);
    st = mlip_model_logit_scale(m, 1, &scale);
    for (k = 0; !st && k < z->nf; k++) st = eval_local_finding(m, tok, te, z, k, sent, scale);
    free(sent);
    if (st) return eval_error();
    for (i = 0; i < nn; i++) z->prob[i] = (1.0f - w) * z->probg[i] + w * z->probl[i];
    return 0;
}

/* The prompts, their embeddings and the global zero-shot probabilities; 0 or 1. */
static int eval_zs_scores(mlip_model *m, const mlip_tokenizer *tok, const eval_set *te, eval_zs *z,
                          const char *data, const char *prompts) {
    const char *texts[2 * EVAL_MAX_FINDINGS];
    int D = te->D;
    int k;
    float *emb = (float *)malloc(sizeof(float) * 2 * EVAL_MAX_FINDINGS * D);
    if (!emb) return eval_oom();
    for (k = 0; k < z->nf; k++) {
        const char *name = mlip_dataset_label_name(te->ds, z->fi[k]);
        read_prompts(prompts, data, name, z->pos_text[k], z->neg_text[k], sizeof z->pos_text[k]);
        texts[2 * k] = z->pos_text[k];
        texts[2 * k + 1] = z->neg_text[k];
    }
    if (mlip_model_embed_texts(m, tok, texts, 2 * z->nf, 64, emb) ||
        mlip_model_logit_scale(m, 0, &z->scale)) {
        free(emb);
        return eval_error();
    }
    for (k = 0; k < z->nf; k++) {
        memcpy(z->pos + (size_t)k * D, emb + (size_t)(2 * k) * D, sizeof(float) * D);
        memcpy(z->neg + (size_t)k * D, emb + (size_t)(2 * k + 1) * D, sizeof(float) * D);
    }
    free(emb);
    if (mlip_zeroshot_scores(te->global, z->pos, z->neg, te->n, z->nf, D, z->scale, z->prob))
        return eval_error();
    return 0;
}

/* The table: one row per finding, then the means. */
static void eval_zs_print(const eval_set *te, eval_zs *z, float local_w) {
    double mean = 0;
    double acc_all = 0;
    double mean_g = 0;
    double mean_l = 0;
    int counted = 0;
    int k;
    int i;
    printf("zero-shot on %d images (logit scale %.1f", te->n, z->scale);
    if (local_w > 0) printf(", score (1 - %.2f) global + %.2f local", local_w, local_w);
    printf("):\n  %-16s %7s %9s  %sprompts\n", "finding", "AUROC", "accuracy",
           local_w > 0 ? "global  local   " : "");
    for (k = 0; k < z->nf; k++) {
        const char *name = mlip_dataset_label_name(te->ds, z->fi[k]);
        double auc = eval_auroc_of(te, z, z->prob, k);
        double acc = 0;
        int npos = 0;
        for (i = 0; i < te->n; i++) {
            acc += (z->score[i] >= 0.5f) == (z->lab[i] == 1);
            npos += z->lab[i];
        }
        acc /= te->n;
        if (auc < 0) {
            printf("  %-16s %7s %8.3f   (%d positives: AUROC undefined)\n", name, "-", acc, npos);
            continue;
        }
        printf("  %-16s %7.3f %8.3f   ", name, auc, acc);
        if (local_w > 0) {
            double ag = eval_auroc_of(te, z, z->probg, k);
            double al = eval_auroc_of(te, z, z->probl, k);
            printf("%.3f  %.3f   ", ag, al);
            mean_g += ag;
            mean_l += al;
        }
        printf("\"%s\" / \"%s\"\n", z->pos_text[k], z->neg_text[k]);
        mean += auc;
        acc_all += acc;
        counted++;
    }
    mean = counted ? mean / counted : 0;
    printf("zeroshot mean AUROC %.4f, mean accuracy %.4f over %d findings\n", mean,
           counted ? acc_all / counted : 0, counted);
    if (local_w > 0 && counted)
        printf("zeroshot mean AUROC global only %.4f, local only %.4f\n", mean_g / counted,
               mean_l / counted);
}

static int eval_zeroshot(mlip_model *m, const mlip_tokenizer *tok, eval_set *te, const char *data,
                         const char *prompts, float local_w) {
    eval_zs z;
    size_t nf1;
    int rc = 1;
    memset(&z, 0, sizeof z);
    z.nf = eval_findings(te->ds, z.fi);
    z.scale = 1;
    nf1 = (size_t)(z.nf ? z.nf : 1);
    z.prob = (float *)malloc(sizeof(float) * (size_t)te->n * nf1);
    z.pos = (float *)malloc(sizeof(float) * nf1 * te->D);
    z.neg = (float *)malloc(sizeof(float) * nf1 * te->D);
    z.score = (float *)malloc(sizeof(float) * (size_t)te->n);
    z.lab = (int8_t *)malloc((size_t)te->n);
    if (!z.prob || !z.pos || !z.neg || !z.score || !z.lab || !z.nf)
        fprintf(stderr, "mlip eval: %s\n",
                z.nf ? "out of memory" : "the data has no finding labels");
    else if (!eval_zs_scores(m, tok, te, &z, data, prompts) &&
             (local_w <= 0 || !eval_local_mix(m, tok, te, &z, local_w))) {
        eval_zs_print(te, &z, local_w);
        rc = 0;
    }
    free(z.prob);
    free(z.pos);
    free(z.neg);
    free(z.score);
    free(z.lab);
    free(z.probg);
    free(z.probl);
    return rc;
}

/* One cell of a table: the value, or "-" when undefined (< 0); summed for the column's mean. */
static void eval_cell(double v, double *mean, int *cnt) {
    if (v < 0) {
        printf("  %7s", "-");
        return;
    }
    printf("  %7.3f", v);
    *mean += v;
    (*cnt)++;
}

/* A random subset of [0, n) of size max(4, ceil(fraction n)) (all when n < 4). */
static int eval_subset(int n, double fraction, uint64_t seed, int *rows) {
    int *perm = (int *)malloc(sizeof(int) * (size_t)n);
    int k = (int)ceil(fraction * n);
    int i;
    mlip_rng rng;
    if (!perm) return 0;
    if (k < 4) k = n < 4 ? n : 4;
    mlip_rng_seed(&rng, seed, 0x5355425345ull);
    mlip_rng_permutation(&rng, perm, n);
    for (i = 0; i < k; i++) rows[i] = perm[i];
    free(perm);
    return k;
}

/* Buffers of the probe: training rows, their embeddings and labels, test scores and labels. */
typedef struct eval_probe_bufs {
    int *rows;
    float *X, *prob;
    int8_t *y, *lab;
} eval_probe_bufs;

/* AUROC on te of a probe fitted on a subset of tr's rows for train label tj; -1 if undefined. */
static double eval_probe_fit(const eval_set *tr, const eval_set *te, eval_probe_bufs *b, int n,
                             int tj, float l2) {
    mlip_logreg lr;
    double auc = -1;
    int i;
    int D = te->D;
    if (tj < 0 || !eval_has_both(tr->ds, tj, b->rows, n)) return -1;
    memset(&lr, 0, sizeof lr);
    for (i = 0; i < n; i++) {
        memcpy(b->X + (size_t)i * D, tr->global + (size_t)b->rows[i] * D, sizeof(float) * D);
        b->y[i] = mlip_dataset_labels(tr->ds, b->rows[i])[tj];
    }
    if (mlip_logreg_fit(b->X, b->y, n, D, l2, &lr) ||
        mlip_logreg_predict(&lr, te->global, te->n, b->prob) ||
        mlip_auroc(b->prob, b->lab, te->n, &auc))
        auc = -1;
    mlip_logreg_free(&lr);
    return auc;
}

/* The row of finding column j of te: AUROC at 1, 10 and 100 % of tr's labels. */
static void eval_probe_row(const eval_set *tr, const eval_set *te, eval_probe_bufs *b, int j,
                           uint64_t seed, float l2, double *mean, int *cnt) {
    static const double fractions[3] = {0.01, 0.10, 1.0};
    const char *name = mlip_dataset_label_name(te->ds, j);
    int tj = -1;
    int i;
    int f;
    for (i = 0; i < mlip_dataset_n_labels(tr->ds); i++)
        if (!strcmp(mlip_dataset_label_name(tr->ds, i), name)) tj = i;
    printf("  %-16s", name);
    for (f = 0; f < 3; f++) {
        int n = eval_subset(tr->n, fractions[f], seed + (uint64_t)f, b->rows);
        double auc;
        for (i = 0; i < te->n; i++) b->lab[i] = mlip_dataset_labels(te->ds, i)[j];
        auc = eval_probe_fit(tr, te, b, n, tj, l2);
        eval_cell(auc, &mean[f], &cnt[f]);
    }
    printf("\n");
}

static int eval_probe(eval_set *tr, eval_set *te, uint64_t seed, float l2) {
    int fi[EVAL_MAX_FINDINGS];
    int nf = eval_findings(te->ds, fi);
    int k;
    int f;
    double mean[3] = {0, 0, 0};
    int cnt[3] = {0, 0, 0};
    eval_probe_bufs b;
    b.rows = (int *)malloc(sizeof(int) * (size_t)tr->n);
    b.X = (float *)malloc(sizeof(float) * (size_t)tr->n * te->D);
    b.prob = (float *)malloc(sizeof(float) * (size_t)te->n);
    b.y = (int8_t *)malloc((size_t)tr->n);
    b.lab = (int8_t *)malloc((size_t)te->n);
    if (!b.rows || !b.X || !b.prob || !b.y || !b.lab) return 1;
    printf("linear probe on frozen global embeddings (train %d, test %d):\n  %-16s", tr->n, te->n,
           "finding");
    printf("  %5.0f %%  %5.0f %%  %5.0f %%\n", 1.0, 10.0, 100.0);
    for (k = 0; k < nf; k++) eval_probe_row(tr, te, &b, fi[k], seed, l2, mean, cnt);
    printf("  %-16s", "mean");
    for (f = 0; f < 3; f++) printf("  %7.3f", cnt[f] ? mean[f] / cnt[f] : 0.0);
    printf("\nprobe mean AUROC 1%% %.4f 10%% %.4f 100%% %.4f\n", cnt[0] ? mean[0] / cnt[0] : 0.0,
           cnt[1] ? mean[1] / cnt[1] : 0.0, cnt[2] ? mean[2] / cnt[2] : 0.0);
    free(b.rows);
    free(b.X);
    free(b.prob);
    free(b.y);
    free(b.lab);
    return 0;
}

/* The mask of a finding for a dataset row, (S, S) in {0, 1}: masks/NNNNN_<finding>.pgm beside
   images/. */
static void eval_mask(const mlip_dataset *ds, int row, const char *finding, int S, float *mask) {
    const char *img = mlip_dataset_image_path(ds, row);
    const char *slash = strrchr(img, '/');
    const char *dot = strrchr(img, '.');
    char path[1400];
    mlip_image im;
    int n;
    memset(mask, 0, sizeof(float) * (size_t)S * S);
    if (!slash || !dot || dot < slash) return;
    n = (int)(slash - img);
    if (n >= 6 && !strncmp(slash - 6, "images", 6))
        n -= 6;
    else
        n += 1;
    snprintf(path, sizeof path, "%.*smasks/%.*s_%s.pgm", n, img, (int)(dot - slash - 1), slash + 1,
             finding);
    memset(&im, 0, sizeof im);
    if (mlip_image_read_file(path, NULL, &im)) return;
    if (mlip_image_preprocess(&im, NULL, mask, S, 1))
        memset(mask, 0, sizeof(float) * (size_t)S * S);
    for (n = 0; n < S * S; n++) mask[n] = mask[n] >= 0.5f ? 1.0f : 0.0f;
    mlip_image_free(&im);
}

/* The segmentation buffers and sizes: n training rows' features and masks, one prediction. */
typedef struct eval_seg_ctx {
    int S, G, K, D;
    int *rows;
    float *feat, *masks; /* (n, K, D), (n, S, S) */
    float *prob, *truth; /* (S, S) */
} eval_seg_ctx;

/* The head is fitted to a rare foreground, so 0.5 cuts too high: the threshold is the one with
   the best mean Dice on the labelled training images' positives. */
static float eval_seg_cut(eval_seg_ctx *c, const mlip_logreg *head, int n) {
    static const float cuts[10] = {0.05f, 0.1f, 0.15f, 0.2f, 0.25f, 0.3f, 0.35f, 0.4f, 0.45f, 0.5f};
    size_t SS = (size_t)c->S * c->S;
    double best = -1;
    float cut = 0.5f;
    int k;
    int i;
    for (k = 0; k < 10; k++) {
        double sum = 0;
        double d;
        int np = 0;
        for (i = 0; i < n; i++) {
            const float *mask = c->masks + (size_t)i * SS;
            const float *feat = c->feat + (size_t)i * c->K * c->D;
            if (mlip_dot(mask, mask, SS) == 0) continue;
            if (mlip_seghead_predict(head, feat, c->G, c->G, c->S, c->S, c->prob) ||
                mlip_dice(c->prob, mask, SS, cuts[k], &d))
                continue;
            sum += d;
            np++;
        }
        if (np && sum / np > best) {
            best = sum / np;
            cut = cuts[k];
        }
    }
    return cut;
}

/* Mean Dice over te's positives of finding column j; -1 when none. */
static double eval_seg_dice(eval_seg_ctx *c, const eval_set *te, const mlip_logreg *head, int j,
                            float cut) {
    const char *name = mlip_dataset_label_name(te->ds, j);
    size_t SS = (size_t)c->S * c->S;
    double dice_sum = 0;
    int npos = 0;
    int i;
    for (i = 0; i < te->n; i++) {
        double d = 0;
        const float *feat = te->local + (size_t)i * c->K * c->D;
        if (mlip_dataset_labels(te->ds, i)[j] != 1) continue;
        eval_mask(te->ds, i, name, c->S, c->truth);
        if (mlip_seghead_predict(head, feat, c->G, c->G, c->S, c->S, c->prob) ||
            mlip_dice(c->prob, c->truth, SS, cut, &d))
            continue;
        dice_sum += d;
        npos++;
    }
    return npos ? dice_sum / npos : -1;
}

/* Dice of a head trained on n rows of tr for finding column j of te; -1 when undefined. */
static double eval_seg_one(eval_seg_ctx *c, const eval_set *tr, const eval_set *te, int j, int n,
                           float l2) {
    const char *name = mlip_dataset_label_name(te->ds, j);
    size_t KD = (size_t)c->K * c->D;
    size_t SS = (size_t)c->S * c->S;
    mlip_logreg head;
    double dice;
    int i;
    memset(&head, 0, sizeof head);
    for (i = 0; i < n; i++) {
        memcpy(c->feat + i * KD, tr->local + (size_t)c->rows[i] * KD, sizeof(float) * KD);
        eval_mask(tr->ds, c->rows[i], name, c->S, c->masks + i * SS);
    }
    if (mlip_seghead_fit(c->feat, c->masks, n, c->G, c->G, c->D, c->S, c->S, l2, &head)) return -2;
    dice = eval_seg_dice(c, te, &head, j, eval_seg_cut(c, &head, n));
    mlip_logreg_free(&head);
    return dice;
}

static int eval_seg(mlip_model *m, eval_set *tr, eval_set *te, uint64_t seed, float l2) {
    static const double fractions[2] = {0.01, 0.10};
    const mlip_model_config *mc = mlip_model_get_config(m);
    eval_seg_ctx c;
    int fi[EVAL_MAX_FINDINGS];
    int nf = eval_findings(te->ds, fi);
    int k;
    int f;
    double mean[2] = {0, 0};
    int cnt[2] = {0, 0};
    c.S = mc->vit.image_size;
    c.G = c.S / mc->vit.patch_size;
    c.K = tr->K;
    c.D = tr->D;
    c.rows = (int *)malloc(sizeof(int) * (size_t)tr->n);
    c.feat = (float *)malloc(sizeof(float) * (size_t)tr->n * c.K * c.D);
    c.masks = (float *)malloc(sizeof(float) * (size_t)tr->n * c.S * c.S);
    c.prob = (float *)malloc(sizeof(float) * (size_t)c.S * c.S);
    c.truth = (float *)malloc(sizeof(float) * (size_t)c.S * c.S);
    if (!c.rows || !c.feat || !c.masks || !c.prob || !c.truth) return 1;
    printf("few-shot segmentation (per-patch head on frozen local features, threshold chosen on "
           "the\n"
           "training masks; Dice on positive test images):\n  %-16s",
           "finding");
    for (f = 0; f < 2; f++) printf("  %5.0f %%", fractions[f] * 100);
    printf("\n");
    for (k = 0; k < nf; k++) {
        printf("  %-16s", mlip_dataset_label_name(te->ds, fi[k]));
        for (f = 0; f < 2; f++) {
            int n = eval_subset(tr->n, fractions[f], seed + 10 + (uint64_t)f, c.rows);
            eval_cell(eval_seg_one(&c, tr, te, fi[k], n, l2), &mean[f], &cnt[f]);
        }
        printf("\n");
    }
    printf("seg mean Dice 1%% %.4f 10%% %.4f\n", cnt[0] ? mean[0] / cnt[0] : 0.0,
           cnt[1] ? mean[1] / cnt[1] : 0.0);
    free(c.rows);
    free(c.feat);
    free(c.masks);
    free(c.prob);
    free(c.truth);
    return 0;
}

static const char eval_usage[] =
    "usage: mlip eval --model M --data test.tsv [--task zeroshot|probe|seg|all] "
    "[--train train.tsv]\n"
    "                 [--prompts prompts.tsv] [--l2 X] [--seed S] [--threads T]\n"
    "  zeroshot: per-finding AUROC of positive-vs-negative prompt scores, their mean, "
    "accuracy;\n"
    "  prompts from --prompts or prompts.tsv beside the data "
    "(finding<TAB>positive<TAB>negative),\n"
    "  else \"<finding>\" / \"no <finding>\". probe: logistic regression on frozen global\n"
    "  embeddings of --train with 1/10/100 % of its labels, AUROC on --data. seg: a "
    "per-patch\n"
    "  head on frozen local features trained on 1/10 % of --train's masks "
    "(masks/NNNNN_<finding>.pgm\n"
    "  beside images/, as mlip synth writes them), Dice on --data. Findings: every label "
    "but \"normal\".\n";

static int eval_is(const char *task, const char *name) {
    return !strcmp(task, name) || !strcmp(task, "all");
}

int cmd_eval_main(int argc, char **argv) {
    const char *model_path = NULL;
    const char *data = NULL;
    const char *train = NULL;
    const char *task = "zeroshot";
    const char *prompts = NULL;
    int threads = 2;
    int rc;
    int want_local;
    uint64_t seed = 1;
    float l2 = 1e-3f;
    float local_w = 0;
    mlip_model *m = NULL;
    mlip_tokenizer *tok = NULL;
    eval_set te;
    eval_set tr;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model_path, 0, 0, NULL},      {"--data", CLI_STR, &data, 0, 0, NULL},
        {"--train", CLI_STR, &train, 0, 0, NULL},           {"--task", CLI_STR, &task, 0, 0, NULL},
        {"--prompts", CLI_STR, &prompts, 0, 0, NULL},       {"--seed", CLI_U64, &seed, 0, 0, NULL},
        {"--threads", CLI_INT, &threads, 1, INT_MAX, NULL}, {"--l2", CLI_FLOAT, &l2, 0, 1e6, NULL},
        {"--local", CLI_FLOAT, &local_w, 0, 1, NULL},       {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    memset(&te, 0, sizeof te);
    memset(&tr, 0, sizeof tr);
    rc = cli_parse("eval", eval_usage, argc, argv, opts, NULL, 0);
    if (rc != CLI_GO) return rc;
    if (!model_path || !data ||
        (strcmp(task, "zeroshot") && !eval_is(task, "probe") && !eval_is(task, "seg")) ||
        (strcmp(task, "zeroshot") && !train)) {
        fprintf(stderr, "mlip eval: --model and --data are required, --task is zeroshot, probe, "
                        "seg or all, and probe/seg/all need --train (see --help)\n");
        return 2;
    }
    want_local = eval_is(task, "seg") || local_w > 0;
    rc = 1;
    if (mlip_set_num_threads(threads) || mlip_model_load_file(model_path, &m) ||
        mlip_model_tokenizer(m, &tok)) {
        eval_error();
    } else if (!eval_embed(m, tok, data, want_local, &te) &&
               (!strcmp(task, "zeroshot") || !eval_embed(m, tok, train, want_local, &tr))) {
        rc = 0;
        if (eval_is(task, "zeroshot")) rc |= eval_zeroshot(m, tok, &te, data, prompts, local_w);
        if (eval_is(task, "probe")) rc |= eval_probe(&tr, &te, seed, l2);
        if (eval_is(task, "seg")) rc |= eval_seg(m, &tr, &te, seed, l2);
    }
    eval_set_free(&te);
    eval_set_free(&tr);
    mlip_tokenizer_free(tok);
    mlip_model_free(m);
    mlip_shutdown();
    return rc;
}
