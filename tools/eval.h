/* mlip eval and mlip explain: what a pre-trained model buys, and where it looks.
   Included by tools/mlip.c (uses has_help and now_seconds).

   eval --task zeroshot: each finding (a label of the TSV other than "normal") gets a positive
     and a negative prompt ("pleural effusion" / "no pleural effusion"); an image's score is
     sigmoid(scale (cos(image, positive) - cos(image, negative))) (mlip_zeroshot_scores);
     AUROC per finding against the labels, their mean, and accuracy at 0.5. --local W mixes in
     the local score (DESIGN, Downstream): (1 - W) global + W sigmoid(local scale (top-10 %
     patch similarity to the positive sentence - to the negative one)) (mlip_local_topk_score).
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
    float *pixels;         /* (n, C, S, S) when kept (explain / seg need none) */
} eval_set;

static void eval_set_free(eval_set *s) {
    mlip_dataset_free(s->ds);
    free(s->global), free(s->local);
    memset(s, 0, sizeof *s);
}

/* Open a TSV and embed every image (no augmentation). */
static mlip_status eval_embed(mlip_model *m, const mlip_tokenizer *tok, const char *path, int want_local, eval_set *s) {
    const mlip_model_config *c = mlip_model_get_config(m);
    mlip_dataset_options o;
    mlip_batch bt;
    int i, chunk = 32;
    mlip_status st;
    memset(s, 0, sizeof *s), memset(&bt, 0, sizeof bt), memset(&o, 0, sizeof o);
    o.image_size = c->vit.image_size, o.channels = c->vit.channels, o.max_tokens = 16;
    MLIP__TRY(mlip_dataset_open(path, tok, &o, &s->ds));
    s->n = mlip_dataset_size(s->ds), s->D = c->embed_dim;
    s->K = (c->vit.image_size / c->vit.patch_size) * (c->vit.image_size / c->vit.patch_size);
    s->global = (float *)malloc(sizeof(float) * (size_t)s->n * s->D + 1);
    s->local = want_local ? (float *)malloc(sizeof(float) * (size_t)s->n * s->K * s->D + 1) : NULL;
    if (!s->global || (want_local && !s->local)) return mlip__fail(MLIP_ERR_OUT_OF_MEMORY, "eval: out of memory");
    for (i = 0; i < s->n; i += chunk) {
        int b = s->n - i < chunk ? s->n - i : chunk, j, rows[32];
        for (j = 0; j < b; j++) rows[j] = i + j;
        if ((st = mlip_batch_alloc(&bt, b, c->vit.channels, c->vit.image_size, 16, 16, mlip_dataset_n_labels(s->ds))))
            return st;
        st = mlip_dataset_batch(s->ds, rows, b, NULL, NULL, &bt);
        if (!st)
            st = mlip_model_embed_images(m, bt.images, b, s->global + (size_t)i * s->D,
                                         want_local ? s->local + (size_t)i * s->K * s->D : NULL);
        mlip_batch_free(&bt);
        if (st) return st;
    }
    return MLIP_OK;
}

/* Prompts: a prompts.tsv (finding, positive, negative[, ...]) given or beside the data, else
   "<finding>" / "no <finding>". */
static void eval_prompts(const char *prompts_path, const char *data, const char *finding, char *pos, char *neg, size_t cap) {
    char path[1200], line[2048];
    FILE *f = NULL;
    const char *slash = strrchr(data, '/');
    if (prompts_path) f = fopen(prompts_path, "r");
    else {
        snprintf(path, sizeof path, "%.*sprompts.tsv", slash ? (int)(slash - data + 1) : 0, data);
        f = fopen(path, "r");
    }
    snprintf(pos, cap, "%s", finding), snprintf(neg, cap, "no %s", finding);
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        char *t1 = strchr(line, '\t'), *t2, *nl;
        if (!t1) continue;
        *t1 = '\0';
        if (strcmp(line, finding)) continue;
        if (!(t2 = strchr(t1 + 1, '\t'))) break;
        *t2 = '\0';
        if ((nl = strpbrk(t2 + 1, "\t\r\n")) != NULL) *nl = '\0';
        snprintf(pos, cap, "%s", t1 + 1), snprintf(neg, cap, "%s", t2 + 1);
        break;
    }
    fclose(f);
}

static int eval_findings(const mlip_dataset *ds, int *idx) {
    int j, n = 0;
    for (j = 0; j < mlip_dataset_n_labels(ds) && n < EVAL_MAX_FINDINGS; j++)
        if (strcmp(mlip_dataset_label_name(ds, j), "normal")) idx[n++] = j;
    return n;
}

static int eval_has_both(const mlip_dataset *ds, int j, const int *rows, int n) {
    int i, pos = 0;
    for (i = 0; i < n; i++) pos += mlip_dataset_labels(ds, rows[i])[j] == 1;
    return pos > 0 && pos < n;
}

/* AUROC of finding k's scores prob (n, nf) against the labels; -1 when undefined (one class). */
static double eval_auroc_of(const eval_set *te, const float *prob, int nf, int k, int label, float *score, int8_t *lab) {
    int i, npos = 0;
    double auc = -1;
    for (i = 0; i < te->n; i++) {
        score[i] = prob[(size_t)i * nf + k], lab[i] = mlip_dataset_labels(te->ds, i)[label];
        npos += lab[i];
    }
    if (npos == 0 || npos == te->n || mlip_auroc(score, lab, te->n, &auc)) return -1;
    return auc;
}

/* The local zero-shot probabilities (n, nf): sigmoid(local scale (top-fraction patch similarity
   to the positive prompt sentence - to the negative one)), the prompts through the local text
   head as one-sentence reports. */
static mlip_status eval_local_scores(mlip_model *m, const mlip_tokenizer *tok, const eval_set *te, int nf,
                                     char (*pos_text)[256], char (*neg_text)[256], float *prob) {
    int k, i, ns = 0, D = te->D, K = te->K;
    float scale = 1, sp, sn, *sent = (float *)malloc(sizeof(float) * 2 * MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES * D);
    float *neg = sent ? sent + MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES * D : NULL;
    mlip_status st = sent ? mlip_model_logit_scale(m, 1, &scale) : mlip__fail(MLIP_ERR_OUT_OF_MEMORY, "eval: out of memory");
    for (k = 0; !st && k < nf; k++) {
        st = mlip_model_embed_sentences(m, tok, pos_text[k], 64, MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES, sent, NULL, &ns);
        if (!st) st = mlip_model_embed_sentences(m, tok, neg_text[k], 64, MLIP_TOKENIZER_DEFAULT_MAX_SENTENCES, neg, NULL, &ns);
        for (i = 0; !st && i < te->n; i++) {
            const float *patches = te->local + (size_t)i * K * D;
            st = mlip_local_topk_score(patches, sent, K, D, 0.0f, &sp);
            if (!st) st = mlip_local_topk_score(patches, neg, K, D, 0.0f, &sn);
            prob[(size_t)i * nf + k] = 1.0f / (1.0f + expf(-scale * (sp - sn)));
        }
    }
    free(sent);
    return st;
}

static int eval_zeroshot(mlip_model *m, const mlip_tokenizer *tok, eval_set *te, const char *data, const char *prompts,
                         float local_w, double *mean_out) {
    int fi[EVAL_MAX_FINDINGS], nf = eval_findings(te->ds, fi), k, i, D = te->D, counted = 0;
    char pos_text[EVAL_MAX_FINDINGS][256], neg_text[EVAL_MAX_FINDINGS][256];
    const char *texts[2 * EVAL_MAX_FINDINGS];
    float *emb = (float *)malloc(sizeof(float) * 2 * EVAL_MAX_FINDINGS * D), *prob, *pos, *neg, scale = 1;
    float *score = (float *)malloc(sizeof(float) * (size_t)te->n);
    int8_t *lab = (int8_t *)malloc((size_t)te->n);
    float *probg = NULL, *probl = NULL; /* with --local: the global and the local scores alone */
    double mean = 0, acc_all = 0, mean_g = 0, mean_l = 0;
    prob = (float *)malloc(sizeof(float) * (size_t)te->n * (nf ? nf : 1));
    pos = (float *)malloc(sizeof(float) * (size_t)(nf ? nf : 1) * D), neg = (float *)malloc(sizeof(float) * (size_t)(nf ? nf : 1) * D);
    if (!emb || !prob || !pos || !neg || !score || !lab || !nf) {
        fprintf(stderr, "mlip eval: %s\n", nf ? "out of memory" : "the data has no finding labels");
        free(emb), free(prob), free(pos), free(neg), free(score), free(lab);
        return 1;
    }
    for (k = 0; k < nf; k++) {
        eval_prompts(prompts, data, mlip_dataset_label_name(te->ds, fi[k]), pos_text[k], neg_text[k], sizeof pos_text[k]);
        texts[2 * k] = pos_text[k], texts[2 * k + 1] = neg_text[k];
    }
    if (mlip_model_embed_texts(m, tok, texts, 2 * nf, 64, emb) || mlip_model_logit_scale(m, 0, &scale)) goto fail;
    for (k = 0; k < nf; k++)
        memcpy(pos + (size_t)k * D, emb + (size_t)(2 * k) * D, sizeof(float) * D), memcpy(neg + (size_t)k * D, emb + (size_t)(2 * k + 1) * D, sizeof(float) * D);
    if (mlip_zeroshot_scores(te->global, pos, neg, te->n, nf, D, scale, prob)) goto fail;
    if (local_w > 0) { /* mix: prob = (1 - w) global + w local; keep the global one to report it too */
        size_t i2, nn = (size_t)te->n * nf;
        if (!(probg = (float *)malloc(sizeof(float) * nn)) || !(probl = (float *)malloc(sizeof(float) * nn))) goto fail;
        memcpy(probg, prob, sizeof(float) * nn);
        if (eval_local_scores(m, tok, te, nf, pos_text, neg_text, probl)) goto fail;
        for (i2 = 0; i2 < nn; i2++) prob[i2] = (1.0f - local_w) * probg[i2] + local_w * probl[i2];
    }
    printf("zero-shot on %d images (logit scale %.1f", te->n, scale);
    if (local_w > 0) printf(", score (1 - %.2f) global + %.2f local", local_w, local_w);
    printf("):\n  %-16s %7s %9s  %sprompts\n", "finding", "AUROC", "accuracy", local_w > 0 ? "global  local   " : "");
    for (k = 0; k < nf; k++) {
        double auc = eval_auroc_of(te, prob, nf, k, fi[k], score, lab), acc = 0;
        int npos = 0;
        for (i = 0; i < te->n; i++) acc += (score[i] >= 0.5f) == (lab[i] == 1), npos += lab[i];
        acc /= te->n;
        if (auc < 0) {
            printf("  %-16s %7s %8.3f   (%d positives: AUROC undefined)\n", mlip_dataset_label_name(te->ds, fi[k]), "-", acc, npos);
            continue;
        }
        printf("  %-16s %7.3f %8.3f   ", mlip_dataset_label_name(te->ds, fi[k]), auc, acc);
        if (local_w > 0) {
            double ag = eval_auroc_of(te, probg, nf, k, fi[k], score, lab), al = eval_auroc_of(te, probl, nf, k, fi[k], score, lab);
            printf("%.3f  %.3f   ", ag, al);
            mean_g += ag, mean_l += al;
        }
        printf("\"%s\" / \"%s\"\n", pos_text[k], neg_text[k]);
        mean += auc, acc_all += acc, counted++;
    }
    mean = counted ? mean / counted : 0;
    printf("zeroshot mean AUROC %.4f, mean accuracy %.4f over %d findings\n", mean, counted ? acc_all / counted : 0, counted);
    if (local_w > 0 && counted)
        printf("zeroshot mean AUROC global only %.4f, local only %.4f\n", mean_g / counted, mean_l / counted);
    if (mean_out) *mean_out = mean;
    free(emb), free(prob), free(pos), free(neg), free(score), free(lab), free(probg), free(probl);
    return 0;
fail:
    fprintf(stderr, "mlip eval: %s\n", mlip_last_error());
    free(emb), free(prob), free(pos), free(neg), free(score), free(lab), free(probg), free(probl);
    return 1;
}

/* A random subset of [0, n) of size max(min_n, fraction n) with both classes for label j where possible. */
static int eval_subset(const mlip_dataset *ds, int n, double fraction, uint64_t seed, int *rows) {
    int *perm = (int *)malloc(sizeof(int) * (size_t)n), k = (int)ceil(fraction * n), i;
    mlip_rng rng;
    if (!perm) return 0;
    if (k < 4) k = n < 4 ? n : 4;
    mlip_rng_seed(&rng, seed, 0x5355425345ull);
    mlip_rng_permutation(&rng, perm, n);
    for (i = 0; i < k; i++) rows[i] = perm[i];
    free(perm);
    (void)ds;
    return k;
}

static int eval_probe(eval_set *tr, eval_set *te, uint64_t seed, float l2) {
    static const double fractions[3] = {0.01, 0.10, 1.0};
    int fi[EVAL_MAX_FINDINGS], nf = eval_findings(te->ds, fi), f, k, i, D = te->D;
    int *rows = (int *)malloc(sizeof(int) * (size_t)tr->n);
    float *X = (float *)malloc(sizeof(float) * (size_t)tr->n * D), *prob = (float *)malloc(sizeof(float) * (size_t)te->n);
    int8_t *y = (int8_t *)malloc((size_t)tr->n), *lab = (int8_t *)malloc((size_t)te->n);
    if (!rows || !X || !prob || !y || !lab) return 1;
    printf("linear probe on frozen global embeddings (train %d, test %d):\n  %-16s", tr->n, te->n, "finding");
    for (f = 0; f < 3; f++) printf("  %5.0f %%", fractions[f] * 100);
    printf("\n");
    {
        double mean[3] = {0, 0, 0};
        int cnt[3] = {0, 0, 0};
        for (k = 0; k < nf; k++) {
            const char *name = mlip_dataset_label_name(te->ds, fi[k]);
            int tj = -1;
            for (i = 0; i < mlip_dataset_n_labels(tr->ds); i++)
                if (!strcmp(mlip_dataset_label_name(tr->ds, i), name)) tj = i;
            printf("  %-16s", name);
            for (f = 0; f < 3; f++) {
                int n = eval_subset(tr->ds, tr->n, fractions[f], seed + (uint64_t)f, rows);
                mlip_logreg lr;
                double auc = -1;
                memset(&lr, 0, sizeof lr);
                for (i = 0; i < te->n; i++) lab[i] = mlip_dataset_labels(te->ds, i)[fi[k]];
                if (tj >= 0 && eval_has_both(tr->ds, tj, rows, n)) {
                    for (i = 0; i < n; i++) {
                        memcpy(X + (size_t)i * D, tr->global + (size_t)rows[i] * D, sizeof(float) * D);
                        y[i] = mlip_dataset_labels(tr->ds, rows[i])[tj];
                    }
                    if (mlip_logreg_fit(X, y, n, D, l2, &lr) || mlip_logreg_predict(&lr, te->global, te->n, prob) ||
                        mlip_auroc(prob, lab, te->n, &auc))
                        auc = -1;
                    mlip_logreg_free(&lr);
                }
                if (auc < 0) printf("  %7s", "-");
                else printf("  %7.3f", auc), mean[f] += auc, cnt[f]++;
            }
            printf("\n");
        }
        printf("  %-16s", "mean");
        for (f = 0; f < 3; f++) printf("  %7.3f", cnt[f] ? mean[f] / cnt[f] : 0.0);
        printf("\nprobe mean AUROC 1%% %.4f 10%% %.4f 100%% %.4f\n", cnt[0] ? mean[0] / cnt[0] : 0.0, cnt[1] ? mean[1] / cnt[1] : 0.0,
               cnt[2] ? mean[2] / cnt[2] : 0.0);
    }
    free(rows), free(X), free(prob), free(y), free(lab);
    return 0;
}

/* The mask of a finding for a dataset row, (S, S) in {0, 1}: masks/NNNNN_<finding>.pgm beside images/. */
static void eval_mask(const mlip_dataset *ds, int row, const char *finding, int S, float *mask) {
    const char *img = mlip_dataset_image_path(ds, row), *slash = strrchr(img, '/'), *dot = strrchr(img, '.');
    char path[1400];
    mlip_image im;
    int n;
    memset(mask, 0, sizeof(float) * (size_t)S * S);
    if (!slash || !dot || dot < slash) return;
    n = (int)(slash - img);
    if (n >= 6 && !strncmp(slash - 6, "images", 6)) n -= 6;
    else n += 1;
    snprintf(path, sizeof path, "%.*smasks/%.*s_%s.pgm", n, img, (int)(dot - slash - 1), slash + 1, finding);
    memset(&im, 0, sizeof im);
    if (mlip_image_read_file(path, NULL, &im)) return;
    if (mlip_image_preprocess(&im, NULL, mask, S, 1)) memset(mask, 0, sizeof(float) * (size_t)S * S);
    for (n = 0; n < S * S; n++) mask[n] = mask[n] >= 0.5f ? 1.0f : 0.0f;
    mlip_image_free(&im);
}

static int eval_seg(mlip_model *m, eval_set *tr, eval_set *te, uint64_t seed, float l2) {
    static const double fractions[2] = {0.01, 0.10};
    const mlip_model_config *c = mlip_model_get_config(m);
    int S = c->vit.image_size, G = S / c->vit.patch_size, K = tr->K, D = tr->D;
    int fi[EVAL_MAX_FINDINGS], nf = eval_findings(te->ds, fi), k, f, i;
    int *rows = (int *)malloc(sizeof(int) * (size_t)tr->n);
    float *feat = (float *)malloc(sizeof(float) * (size_t)tr->n * K * D), *masks = (float *)malloc(sizeof(float) * (size_t)tr->n * S * S);
    float *prob = (float *)malloc(sizeof(float) * (size_t)S * S), *truth = (float *)malloc(sizeof(float) * (size_t)S * S);
    double mean[2] = {0, 0};
    int cnt[2] = {0, 0};
    if (!rows || !feat || !masks || !prob || !truth) return 1;
    printf("few-shot segmentation (per-patch head on frozen local features, threshold chosen on the\n"
           "training masks; Dice on positive test images):\n  %-16s", "finding");
    for (f = 0; f < 2; f++) printf("  %5.0f %%", fractions[f] * 100);
    printf("\n");
    for (k = 0; k < nf; k++) {
        const char *name = mlip_dataset_label_name(te->ds, fi[k]);
        printf("  %-16s", name);
        for (f = 0; f < 2; f++) {
            int n = eval_subset(tr->ds, tr->n, fractions[f], seed + 10 + (uint64_t)f, rows), npos = 0;
            float cut = 0.5f;
            mlip_logreg head;
            double dice_sum = 0;
            memset(&head, 0, sizeof head);
            for (i = 0; i < n; i++) {
                memcpy(feat + (size_t)i * K * D, tr->local + (size_t)rows[i] * K * D, sizeof(float) * (size_t)K * D);
                eval_mask(tr->ds, rows[i], name, S, masks + (size_t)i * S * S);
            }
            if (mlip_seghead_fit(feat, masks, n, G, G, D, S, S, l2, &head)) {
                printf("  %7s", "-");
                continue;
            }
            {   /* the head is fitted to a rare foreground, so 0.5 cuts too high: the threshold is
                   the one with the best mean Dice on the labelled training images' positives */
                static const float cuts[10] = {0.05f, 0.1f, 0.15f, 0.2f, 0.25f, 0.3f, 0.35f, 0.4f, 0.45f, 0.5f};
                double best = -1;
                int c2;
                for (c2 = 0; c2 < 10; c2++) {
                    double sum = 0, d;
                    int np = 0;
                    for (i = 0; i < n; i++) {
                        if (mlip_dot(masks + (size_t)i * S * S, masks + (size_t)i * S * S, (size_t)S * S) == 0) continue;
                        if (mlip_seghead_predict(&head, feat + (size_t)i * K * D, G, G, S, S, prob) ||
                            mlip_dice(prob, masks + (size_t)i * S * S, (size_t)S * S, cuts[c2], &d))
                            continue;
                        sum += d, np++;
                    }
                    if (np && sum / np > best) best = sum / np, cut = cuts[c2];
                }
            }
            for (i = 0; i < te->n; i++) {
                double d = 0;
                if (mlip_dataset_labels(te->ds, i)[fi[k]] != 1) continue;
                eval_mask(te->ds, i, name, S, truth);
                if (mlip_seghead_predict(&head, te->local + (size_t)i * K * D, G, G, S, S, prob) ||
                    mlip_dice(prob, truth, (size_t)S * S, cut, &d))
                    continue;
                dice_sum += d, npos++;
            }
            mlip_logreg_free(&head);
            if (!npos) printf("  %7s", "-");
            else printf("  %7.3f", dice_sum / npos), mean[f] += dice_sum / npos, cnt[f]++;
        }
        printf("\n");
    }
    printf("seg mean Dice 1%% %.4f 10%% %.4f\n", cnt[0] ? mean[0] / cnt[0] : 0.0, cnt[1] ? mean[1] / cnt[1] : 0.0);
    free(rows), free(feat), free(masks), free(prob), free(truth);
    return 0;
}

static int cmd_eval(int argc, char **argv) {
    const char *model_path = NULL, *data = NULL, *train = NULL, *task = "zeroshot", *prompts = NULL;
    int threads = 2, i, rc = 1, want_local;
    uint64_t seed = 1;
    float l2 = 1e-3f, local_w = 0;
    mlip_model *m = NULL;
    mlip_tokenizer *tok = NULL;
    eval_set te, tr;
    memset(&te, 0, sizeof te), memset(&tr, 0, sizeof tr);
    if (has_help(argc, argv)) {
        printf("usage: mlip eval --model M --data test.tsv [--task zeroshot|probe|seg|all] [--train train.tsv]\n"
               "                 [--prompts prompts.tsv] [--l2 X] [--seed S] [--threads T]\n"
               "  zeroshot: per-finding AUROC of positive-vs-negative prompt scores, their mean, accuracy;\n"
               "  prompts from --prompts or prompts.tsv beside the data (finding<TAB>positive<TAB>negative),\n"
               "  else \"<finding>\" / \"no <finding>\". probe: logistic regression on frozen global\n"
               "  embeddings of --train with 1/10/100 %% of its labels, AUROC on --data. seg: a per-patch\n"
               "  head on frozen local features trained on 1/10 %% of --train's masks (masks/NNNNN_<finding>.pgm\n"
               "  beside images/, as mlip synth writes them), Dice on --data. Findings: every label but \"normal\".\n");
        return 0;
    }
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) { fprintf(stderr, "mlip eval: %s needs a value (see --help)\n", a); return 2; }
        if (!strcmp(a, "--model")) model_path = v;
        else if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--train")) train = v;
        else if (!strcmp(a, "--task")) task = v;
        else if (!strcmp(a, "--prompts")) prompts = v;
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--threads")) threads = atoi(v);
        else if (!strcmp(a, "--l2")) l2 = (float)atof(v);
        else if (!strcmp(a, "--local")) {
            char *end;
            local_w = strtof(v, &end);
            if (*end || !(local_w >= 0 && local_w <= 1)) { fprintf(stderr, "mlip eval: --local must be in [0, 1], got '%s'\n", v); return 2; }
        } else { fprintf(stderr, "mlip eval: unexpected argument '%s' (see --help)\n", a); return 2; }
        i++;
    }
    if (!model_path || !data || (strcmp(task, "zeroshot") && strcmp(task, "probe") && strcmp(task, "seg") && strcmp(task, "all")) ||
        (strcmp(task, "zeroshot") && !train)) {
        fprintf(stderr, "mlip eval: --model and --data are required, --task is zeroshot, probe, seg or all, and probe/seg/all "
                        "need --train (see --help)\n");
        return 2;
    }
    want_local = !strcmp(task, "seg") || !strcmp(task, "all") || local_w > 0;
    if (mlip_set_num_threads(threads) || mlip_model_load_file(model_path, &m) || mlip_model_tokenizer(m, &tok) ||
        eval_embed(m, tok, data, want_local, &te) || (train && strcmp(task, "zeroshot") && eval_embed(m, tok, train, want_local, &tr))) {
        fprintf(stderr, "mlip eval: %s\n", mlip_last_error());
        goto done;
    }
    rc = 0;
    if (!strcmp(task, "zeroshot") || !strcmp(task, "all")) rc |= eval_zeroshot(m, tok, &te, data, prompts, local_w, NULL);
    if (!strcmp(task, "probe") || !strcmp(task, "all")) rc |= eval_probe(&tr, &te, seed, l2);
    if (!strcmp(task, "seg") || !strcmp(task, "all")) rc |= eval_seg(m, &tr, &te, seed, l2);
done:
    eval_set_free(&te), eval_set_free(&tr);
    mlip_tokenizer_free(tok);
    mlip_model_free(m);
    mlip_shutdown();
    return rc;
}

/* ---- mlip explain ---- */

static int cmd_explain(int argc, char **argv) {
    static const char *const default_findings[5][3] = {{"consolidation", "consolidation", "no consolidation"},
                                                       {"effusion", "pleural effusion", "no pleural effusion"},
                                                       {"cardiomegaly", "cardiomegaly", "heart size is normal"},
                                                       {"pneumothorax", "pneumothorax", "no pneumothorax"},
                                                       {"nodule", "pulmonary nodule", "no nodule"}};
    const char *model_path = NULL, *image_path = NULL, *report = NULL, *out = NULL, *prompts = NULL;
    int size = 256, i, l, k, rc = 1, n_sent = 0, cols, tw = 0, th = 0, ids[128], begin[16], end[16], n_ids = 0;
    float alpha = 0.6f, z = 0, scale = 1;
    mlip_model *m = NULL;
    mlip_tokenizer *tok = NULL;
    mlip_image im;
    const mlip_model_config *c;
    float *px = NULL, *show = NULL, *local = NULL, *sent = NULL, *plan = NULL, *panels = NULL, *tiled = NULL, *heat = NULL;
    float glob[1024], rep[1024];
    memset(&im, 0, sizeof im);
    if (has_help(argc, argv)) {
        printf("usage: mlip explain --model M --image X --report \"...\" --out map.png [--size PX] [--alpha A]\n"
               "                    [--prompts prompts.tsv]\n"
               "  Splits the report into sentences and computes the optimal-transport plan between the\n"
               "  image's patches and the sentences (the matching MLIP's local loss trains). map.png shows\n"
               "  the image, then one panel per sentence: where that sentence's share of the plan lies, as\n"
               "  a heat map over the image (panels left to right, top to bottom, in sentence order).\n"
               "  Prints each sentence with its panel number and peak, the image-report similarity and\n"
               "  zero-shot probabilities for the findings (prompts.tsv: finding<TAB>positive<TAB>negative).\n");
        return 0;
    }
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) { fprintf(stderr, "mlip explain: %s needs a value (see --help)\n", a); return 2; }
        if (!strcmp(a, "--model")) model_path = v;
        else if (!strcmp(a, "--image")) image_path = v;
        else if (!strcmp(a, "--report")) report = v;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--prompts")) prompts = v;
        else if (!strcmp(a, "--size")) size = atoi(v);
        else if (!strcmp(a, "--alpha")) alpha = (float)atof(v);
        else { fprintf(stderr, "mlip explain: unexpected argument '%s' (see --help)\n", a); return 2; }
        i++;
    }
    if (!model_path || !image_path || !report || !out || size < 16 || size > 2048 || !(alpha >= 0 && alpha <= 1)) {
        fprintf(stderr, "mlip explain: --model, --image, --report and --out are required; --size in [16, 2048], --alpha in [0, 1]\n");
        return 2;
    }
    if (mlip_model_load_file(model_path, &m) || mlip_model_tokenizer(m, &tok) || mlip_image_read_file(image_path, NULL, &im)) goto fail;
    c = mlip_model_get_config(m);
    if (c->embed_dim > 1024) { fprintf(stderr, "mlip explain: embed_dim %d is too large\n", c->embed_dim); goto done; }
    {
        int S = c->vit.image_size, C = c->vit.channels, G = S / c->vit.patch_size, K = G * G, D = c->embed_dim, ncol;
        px = (float *)malloc(sizeof(float) * (size_t)C * S * S);
        show = (float *)malloc(sizeof(float) * (size_t)size * size);
        local = (float *)malloc(sizeof(float) * (size_t)K * D);
        sent = (float *)malloc(sizeof(float) * 16 * (size_t)D);
        plan = (float *)malloc(sizeof(float) * (size_t)K * 16);
        heat = (float *)calloc((size_t)K, sizeof(float));
        panels = (float *)malloc(sizeof(float) * 17 * 3 * (size_t)size * size);
        if (!px || !show || !local || !sent || !plan || !heat || !panels) { fprintf(stderr, "mlip explain: out of memory\n"); goto done; }
        if (mlip_image_preprocess(&im, NULL, px, S, C) || mlip_image_preprocess(&im, NULL, show, size, 1) ||
            mlip_model_embed_images(m, px, 1, glob, local) ||
            mlip_model_embed_sentences(m, tok, report, 128, 16, sent, rep, &n_sent) || mlip_model_logit_scale(m, 0, &scale))
            goto fail;
        if (n_sent == 0) { fprintf(stderr, "mlip explain: the report has no sentence\n"); goto done; }
        if (mlip_explain_plan(local, sent, K, n_sent, D, NULL, plan, &z)) goto fail;
        printf("image-report similarity %.3f (global), %.3f (transport value, local)\n", mlip_dot(glob, rep, (size_t)D), (double)z);
        if (mlip_heatmap_overlay(show, heat, size, size, G, G, alpha, panels)) goto fail; /* panel 0: the image */
        /* the sentences' token spans, as mlip_model_embed_sentences made them (128 positions) */
        if (mlip_tokenizer_encode(tok, report, strlen(report), 128, ids, NULL, &n_ids) ||
            mlip_tokenizer_sentences(tok, report, strlen(report), 128, 16, begin, end, &l))
            goto fail;
        for (l = 0; l < n_sent; l++) {
            char text[512];
            int best = 0;
            for (k = 0; k < K; k++) {
                heat[k] = plan[(size_t)k * n_sent + l];
                if (heat[k] > heat[best]) best = k;
            }
            if (mlip_heatmap_overlay(show, heat, size, size, G, G, alpha, panels + (size_t)(l + 1) * 3 * size * size)) goto fail;
            mlip_tokenizer_decode(tok, ids + begin[l], end[l] - begin[l], 1, text, sizeof text, NULL);
            printf("panel %d: \"%s\"  peak at row %d, column %d of the %dx%d patch grid (%.0f%% of its mass in the top patch)\n",
                   l + 1, text, best / G, best % G, G, G, 100.0 * heat[best] * n_sent);
        }
        ncol = n_sent + 1 < 4 ? n_sent + 1 : 4;
        cols = ncol;
        if (mlip_tile_panels(panels, n_sent + 1, size, size, cols, 4, NULL, &tw, &th)) goto fail;
        if (!(tiled = (float *)malloc(sizeof(float) * 3 * (size_t)tw * th))) goto done;
        if (mlip_tile_panels(panels, n_sent + 1, size, size, cols, 4, tiled, &tw, &th) || mlip_image_write_png(out, tiled, tw, th, 3))
            goto fail;
        printf("wrote %s (%dx%d: the image, then %d sentence panels)\n", out, tw, th, n_sent);
        {   /* zero-shot probabilities for the findings: positive and negative prompt embeddings */
            enum { NF = 5 };
            const char *texts[2 * NF];
            char pos[NF][256], neg[NF][256];
            float *emb = (float *)malloc(sizeof(float) * 3 * 2 * NF * (size_t)D), *P = emb + 2 * NF * D, *N = P + NF * D, pr[NF];
            int f;
            for (f = 0; f < NF; f++) {
                snprintf(pos[f], sizeof pos[f], "%s", default_findings[f][1]), snprintf(neg[f], sizeof neg[f], "%s", default_findings[f][2]);
                if (prompts) eval_prompts(prompts, "", default_findings[f][0], pos[f], neg[f], sizeof pos[f]);
                texts[2 * f] = pos[f], texts[2 * f + 1] = neg[f];
            }
            if (emb && !mlip_model_embed_texts(m, tok, texts, 2 * NF, 64, emb)) {
                for (f = 0; f < NF; f++)
                    memcpy(P + f * D, emb + 2 * f * D, sizeof(float) * D), memcpy(N + f * D, emb + (2 * f + 1) * D, sizeof(float) * D);
                if (!mlip_zeroshot_scores(glob, P, N, 1, NF, D, scale, pr)) {
                    printf("zero-shot:");
                    for (f = 0; f < NF; f++) printf(" %s %.2f", default_findings[f][0], pr[f]);
                    printf("\n");
                }
            }
            free(emb);
        }
    }
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "mlip explain: %s\n", mlip_last_error());
done:
    free(px), free(show), free(local), free(sent), free(plan), free(panels), free(tiled), free(heat);
    mlip_image_free(&im);
    mlip_tokenizer_free(tok);
    mlip_model_free(m);
    mlip_shutdown();
    return rc;
}
