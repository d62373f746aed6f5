/* Reader for the parity fixtures that tools/make_fixtures.py writes (format documented there).
   Every length in the file is checked against the file size. */
#ifndef MLIP_TEST_FIXTURE_H
#define MLIP_TEST_FIXTURE_H

typedef struct fx_entry {
    char name[96];
    int dtype; /* 0 f32, 1 i32 */
    int ndim;
    int dims[4];
    size_t count;
    void *data;
} fx_entry;

typedef struct fx_file {
    fx_entry *e;
    int n;
} fx_file;

static uint32_t fx_u32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fx_free(fx_file *f) {
    int i;
    for (i = 0; i < f->n; i++) free(f->e[i].data);
    free(f->e);
    f->e = NULL;
    f->n = 0;
}

/* Returns 1 on success; values are converted from little-endian on any host. */
static int fx_load(const char *path, fx_file *f) {
    FILE *fp = fopen(path, "rb");
    unsigned char *buf;
    long size;
    size_t pos = 12;
    int i, ok = 1;
    memset(f, 0, sizeof *f);
    if (!fp) return 0;
    fseek(fp, 0, SEEK_END);
    size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = (unsigned char *)malloc(size > 0 ? (size_t)size : 1);
    if (!buf || size < 12 || fread(buf, 1, (size_t)size, fp) != (size_t)size ||
        memcmp(buf, "MLFX", 4) || fx_u32(buf + 4) != 1) {
        fclose(fp);
        free(buf);
        return 0;
    }
    fclose(fp);
    f->n = (int)fx_u32(buf + 8);
    f->e = (fx_entry *)calloc((size_t)f->n + 1, sizeof(fx_entry));
    for (i = 0; ok && i < f->n; i++) {
        fx_entry *e = &f->e[i];
        uint32_t len, d;
        size_t j;
        if (pos + 4 > (size_t)size) {
            ok = 0;
            break;
        }
        len = fx_u32(buf + pos);
        pos += 4;
        if (len >= sizeof e->name || pos + len + 8 > (size_t)size) {
            ok = 0;
            break;
        }
        memcpy(e->name, buf + pos, len);
        pos += len;
        e->dtype = (int)fx_u32(buf + pos);
        e->ndim = (int)fx_u32(buf + pos + 4);
        pos += 8;
        if (e->ndim > 4 || pos + 4u * e->ndim > (size_t)size) {
            ok = 0;
            break;
        }
        e->count = 1;
        for (d = 0; d < (uint32_t)e->ndim; d++)
            e->dims[d] = (int)fx_u32(buf + pos), e->count *= (size_t)e->dims[d], pos += 4;
        if (pos + 4 * e->count > (size_t)size) {
            ok = 0;
            break;
        }
        e->data = malloc(4 * e->count + 4);
        for (j = 0; j < e->count; j++) {
            uint32_t v = fx_u32(buf + pos + 4 * j);
            memcpy((char *)e->data + 4 * j, &v, 4); /* float and int32 bits alike */
        }
        pos += 4 * e->count;
    }
    free(buf);
    if (!ok) fx_free(f);
    return ok;
}

static fx_entry *fx_get(fx_file *f, const char *name) {
    int i;
    for (i = 0; i < f->n; i++)
        if (!strcmp(f->e[i].name, name)) return &f->e[i];
    return NULL;
}

static float *fx_f32(fx_file *f, const char *name) {
    fx_entry *e = fx_get(f, name);
    CHECK_MSG(e && e->dtype == 0, "fixture has no float tensor %s", name);
    return e ? (float *)e->data : NULL;
}

static int *fx_i32(fx_file *f, const char *name) {
    fx_entry *e = fx_get(f, name);
    CHECK_MSG(e && e->dtype == 1, "fixture has no int tensor %s", name);
    return e ? (int *)e->data : NULL;
}

static int fx_int(fx_file *f, const char *name) {
    int *p = fx_i32(f, name);
    return p ? p[0] : 0;
}

static float fx_float(fx_file *f, const char *name) {
    float *p = fx_f32(f, name);
    return p ? p[0] : 0;
}

/* ||a - b|| / ||b|| (the "normalised error"), and the max relative error element-wise
   (relative to max |b|) for the report. */
static double fx_norm_err(const float *a, const float *b, size_t n, double *max_rel) {
    double num = 0, den = 0, mb = 0, md = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
        if (fabs(d) > md || d != d) md = d != d ? INFINITY : fabs(d);
        if (fabs((double)b[i]) > mb) mb = fabs((double)b[i]);
    }
    if (max_rel) *max_rel = md / (mb + 1e-30);
    return sqrt(num) / (sqrt(den) + 1e-30);
}

/* The normalised error of one tensor's gradient against the reference; a tensor whose true
   gradient is zero (e.g. a key bias: a constant added to every score of a softmax row
   changes nothing) carries only rounding noise in both, so its error is measured against
   whole_norm, the norm of the whole reference gradient, instead. */
static double fx_grad_err(const float *g, const float *ref, size_t n, double whole_norm,
                          double *max_rel) {
    double err = fx_norm_err(g, ref, n, max_rel), ref_norm = 0;
    size_t i;
    for (i = 0; i < n; i++) ref_norm += (double)ref[i] * ref[i];
    ref_norm = sqrt(ref_norm);
    if (ref_norm < 1e-6 * whole_norm) {
        err = err * ref_norm / whole_norm;
        if (max_rel) *max_rel = 0;
    }
    return err;
}

#endif
