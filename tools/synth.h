/* tools/synth.h - `mlip synth`: a synthetic chest-radiograph benchmark generator.

   Included by tools/mlip/synth.c (and by tests/test_synth.c) after mlip.h; everything here is
   static and prefixed synth_ (cmd_synth is the entry point). Only libc, libm and POSIX mkdir.

   What it draws. A frontal (PA) chest radiograph in "patient coordinates" (u right-to-left
   across the image, v top to bottom, both 0..1; the patient's right is the image's left):
   soft tissue of the body with shoulders and neck, two lung fields (rounded apices, lateral
   walls, hemidiaphragm domes with sharp costophrenic angles, the right dome higher), hila
   and branching vascular markings that fade towards the periphery, posterior and anterior
   ribs, clavicles, spine, trachea, mediastinum with aortic knob, heart (a tilted, clipped
   ellipse, about a third of it right of the midline), gastric bubble. The patient is placed
   with a small random rotation, scale and shift; exposure (gain, offset, gamma) and noise
   vary per image. Every shape is an analytic margin function anti-aliased over one pixel, so
   the picture is resolution independent (64 px up to 1024 px).

   Findings, each with a ground-truth mask = the pixels where the finding's drawn weight is
   >= 0.5 (exactly what was drawn, clipped to the lung where it lives):
     consolidation  fluffy union of Gaussian blobs in one zone of one lung (or both lungs)
     effusion       fluid filling the costophrenic angle up to a meniscus that climbs the
                    lateral wall (blunted angle; one side or both)
     cardiomegaly   the heart drawn at cardiothoracic ratio > 0.5 (normal hearts 0.40-0.49);
                    the mask is the heart silhouette
     pneumothorax   apicolateral gas rim: no vascular markings, darker, bounded by a thin
                    bright visceral pleural line; the mask is the rim
     nodule         round opacity (a sphere's profile), diameter reported in mm or cm
   Scale: the image's width is taken as 360 mm of patient.

   Determinism: every random number comes from mlip.h's PCG32, with one stream per image for
   the case (anatomy and findings), one for the pixels (markings, noise) and one for the
   report's wording, so image i does not depend on --n, and --variety changes only text. */
#ifndef MLIP_SYNTH_H
#define MLIP_SYNTH_H

#ifndef MLIP_H_INCLUDED
#error "include mlip.h before tools/synth.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

enum { SYNTH_CONS, SYNTH_EFF, SYNTH_CARDIO, SYNTH_PTX, SYNTH_NOD, SYNTH_NF };
enum { SYNTH_SIDE_NONE, SYNTH_SIDE_RIGHT, SYNTH_SIDE_LEFT, SYNTH_SIDE_BOTH };
enum { SYNTH_ZONE_NONE, SYNTH_ZONE_UPPER, SYNTH_ZONE_MIDDLE, SYNTH_ZONE_LOWER };
#define SYNTH_MAX_INST 8
#define SYNTH_MM 360.0f /* patient width of the image in mm */

static const char *const synth_finding_names[SYNTH_NF] = {"consolidation", "effusion", "cardiomegaly",
                                                          "pneumothorax", "nodule"};
static const char *const synth_side_names[4] = {"none", "right", "left", "bilateral"};
static const char *const synth_zone_names[4] = {"none", "upper", "middle", "lower"};

/* Zero-shot prompts: finding, positive, negative, synonyms (';'-separated). */
static const char *const synth_prompts[SYNTH_NF][4] = {
    {"consolidation", "consolidation", "no consolidation",
     "airspace opacity;infiltrate;airspace consolidation;patchy airspace disease;pneumonia"},
    {"effusion", "pleural effusion", "no pleural effusion",
     "effusion;fluid in the costophrenic angle;blunting of the costophrenic angle;pleural fluid"},
    {"cardiomegaly", "cardiomegaly", "heart size is normal",
     "enlarged cardiac silhouette;the heart is enlarged;enlarged heart;cardiac enlargement"},
    {"pneumothorax", "pneumothorax", "no pneumothorax",
     "pleural air;visceral pleural line with absent lung markings;apical pneumothorax"},
    {"nodule", "pulmonary nodule", "no pulmonary nodule", "nodule;rounded opacity;nodular density;lung mass"},
};

/* Label vocabulary of real report TSVs (e.g. the Open-i reports) -> drawable finding.
   opacity/pneumonia/infiltration -> consolidation; mass -> a nodule of about 35 mm;
   granuloma -> a small calcified (brighter) nodule. Labels not listed (atelectasis, scarring,
   edema, emphysema, calcinosis, ...) draw nothing: a row whose labels name nothing drawable
   becomes a normal image; rows with empty labels or empty text are skipped. */
static const struct {
    const char *label;
    int finding;
} synth_label_map[] = {
    {"consolidation", SYNTH_CONS}, {"pneumonia", SYNTH_CONS},       {"infiltration", SYNTH_CONS},
    {"infiltrate", SYNTH_CONS},    {"opacity", SYNTH_CONS},         {"airspace_disease", SYNTH_CONS},
    {"effusion", SYNTH_EFF},       {"pleural_effusion", SYNTH_EFF}, {"cardiomegaly", SYNTH_CARDIO},
    {"pneumothorax", SYNTH_PTX},   {"nodule", SYNTH_NOD},           {"mass", SYNTH_NOD},
    {"granuloma", SYNTH_NOD},
};

typedef struct synth_opts {
    const char *out, *reports;
    long n;
    int size, quiet, masks;
    uint64_t seed;
    float prev[SYNTH_NF];
    float contrast, lesion, noise, variety, split;
} synth_opts;

/* Per-image anatomy, patient coordinates. Index si: 0 = the patient's right (image left),
   1 = the patient's left. d = |u - 0.5| is the distance from the midline. */
typedef struct synth_anat {
    float cr, sr, scale, tx, ty;          /* patient -> image placement */
    float apex[2], apexd[2], L[2];        /* apex height and its d; lateral half-width */
    float dome[2], domed[2], cp[2], domec[2]; /* dome top (v, d), costophrenic angle v */
    float med, knob, knobv;               /* mediastinum half-width, aortic knob */
    float hw, hcx, hcy, ha, hb, hc, hs, hbase; /* heart */
    float rib0, ribsp, ribant0, clav;
    float hilv[2], hild[2];
    float gain, off, gamma, noise, bubble, tissue;
} synth_anat;

typedef struct synth_inst {
    int kind, side, zone, calcified;
    float sev, contrast;
    float cu, cv, r;  /* nodule centre and radius; consolidation centre and radius */
    float h, gap, ext; /* effusion height; pneumothorax rim width and extent */
    float mm;
    int nb;
    float bu[8], bv[8], bs[8], bw[8], u0, u1, v0, v1;
    unsigned char *mask;
    long area;
    int x0, y0, x1, y1;
} synth_inst;

typedef struct synth_case {
    int want[SYNTH_NF], side[SYNTH_NF], zone[SYNTH_NF];
    float sev[SYNTH_NF], mm; /* -1: not given; mm 0: not given */
    int calcified;
    synth_anat a;
    synth_inst inst[SYNTH_MAX_INST];
    int n_inst;
    int present[SYNTH_NF], pside[SYNTH_NF], pzone[SYNTH_NF];
    float psev[SYNTH_NF], pmm, ctr;
} synth_case;

/* ---------------------------------------------------------------- small helpers */
static float synth_clampf(float x, float lo, float hi) { return x < lo ? lo : x > hi ? hi : x; }
static float synth_smooth(float t) {
    t = synth_clampf(t, 0.0f, 1.0f);
    return t * t * (3.0f - 2.0f * t);
}
static float synth_minf(float a, float b) { return a < b ? a : b; }
static float synth_unif(mlip_rng *r, float lo, float hi) { return lo + (hi - lo) * mlip_rng_uniform(r); }
static int synth_below(mlip_rng *r, int n) { return (int)mlip_rng_below(r, (uint32_t)n); }

/* Value noise on a g x g grid over the unit square, bilinear with smooth weights. */
#define SYNTH_VN 16
static float synth_vnoise(const float *grid, int g, float u, float v) {
    float x = synth_clampf(u, 0.0f, 1.0f) * (float)(g - 1), y = synth_clampf(v, 0.0f, 1.0f) * (float)(g - 1);
    int ix = (int)x, iy = (int)y;
    float fx, fy;
    if (ix > g - 2) ix = g - 2;
    if (iy > g - 2) iy = g - 2;
    fx = synth_smooth(x - (float)ix), fy = synth_smooth(y - (float)iy);
    return (1 - fy) * ((1 - fx) * grid[iy * g + ix] + fx * grid[iy * g + ix + 1]) +
           fy * ((1 - fx) * grid[(iy + 1) * g + ix] + fx * grid[(iy + 1) * g + ix + 1]);
}

/* ---------------------------------------------------------------- anatomy */
static float synth_med_hw(const synth_anat *a, int si, float v) {
    float hw = a->med, t;
    if (si == 1) {
        t = (v - a->knobv) / 0.035f;
        hw += a->knob * expf(-t * t);
    } else {
        t = (v - 0.36f) / 0.06f;
        hw += 0.012f * expf(-t * t); /* superior vena cava / right hilum */
    }
    return hw;
}

/* Signed margin (> 0 inside) of lung si at (d, v); *outer: margin to the apex and lateral wall
   only (the pneumothorax rim lives along it). */
static float synth_lung_margin(const synth_anat *a, int si, float d, float v, float *outer) {
    float t = synth_clampf((v - a->apex[si]) * 2.6f, 0.0f, 1.0f);
    float dlat = a->apexd[si] + (a->L[si] - a->apexd[si]) * sqrtf(t);
    float da = d - a->apexd[si], dm = d - a->domed[si];
    float mtop = v - (a->apex[si] + 2.6f * da * da);
    float mbot = a->dome[si] + a->domec[si] * dm * dm - v;
    float mmed = d - synth_med_hw(a, si, v) - 0.012f;
    float o = synth_minf(dlat - d, mtop);
    if (outer) *outer = o;
    return synth_minf(synth_minf(o, mbot), mmed);
}

static float synth_heart_margin(const synth_anat *a, float u, float v) {
    float du = u - a->hcx, dv = v - a->hcy;
    float p = a->hc * du + a->hs * dv, q = -a->hs * du + a->hc * dv;
    float r = sqrtf(p * p / (a->ha * a->ha) + q * q / (a->hb * a->hb));
    return synth_minf((1.0f - r) * a->hb, a->hbase - v);
}

static void synth_heart_setup(synth_anat *a, float hw, float angle) {
    float ext, vext, k;
    a->hc = cosf(angle), a->hs = sinf(angle);
    ext = sqrtf(1.15f * 1.15f * a->hc * a->hc + 0.8f * 0.8f * a->hs * a->hs);
    vext = sqrtf(1.15f * 1.15f * a->hs * a->hs + 0.8f * 0.8f * a->hc * a->hc);
    k = hw / ext;
    a->hw = hw;
    a->ha = 1.15f * k, a->hb = 0.8f * k;
    a->hcx = 0.5f + hw / 3.0f;
    a->hbase = 0.5f * (a->dome[0] + a->dome[1]) + 0.035f;
    a->hcy = a->hbase - 0.7f * vext * k;
}

static void synth_anat_sample(synth_anat *a, mlip_rng *r, float noise) {
    int si;
    float rot = synth_unif(r, -0.05f, 0.05f), Lb = synth_unif(r, 0.39f, 0.43f);
    a->cr = cosf(rot), a->sr = sinf(rot);
    a->scale = synth_unif(r, 0.94f, 1.04f);
    a->tx = synth_unif(r, -0.02f, 0.02f), a->ty = synth_unif(r, -0.025f, 0.02f);
    a->dome[0] = synth_unif(r, 0.63f, 0.69f);
    a->dome[1] = a->dome[0] + synth_unif(r, 0.01f, 0.04f);
    for (si = 0; si < 2; si++) {
        a->L[si] = Lb + synth_unif(r, -0.01f, 0.01f);
        a->apex[si] = synth_unif(r, 0.10f, 0.14f);
        a->apexd[si] = synth_unif(r, 0.19f, 0.23f);
        a->domed[si] = synth_unif(r, 0.19f, 0.24f);
        a->cp[si] = a->dome[si] + synth_unif(r, 0.10f, 0.14f);
        a->domec[si] = (a->cp[si] - a->dome[si]) / ((a->L[si] - a->domed[si]) * (a->L[si] - a->domed[si]));
        a->hild[si] = synth_unif(r, 0.10f, 0.13f);
    }
    a->hilv[0] = synth_unif(r, 0.40f, 0.44f);
    a->hilv[1] = a->hilv[0] - synth_unif(r, 0.0f, 0.03f);
    a->med = synth_unif(r, 0.05f, 0.065f);
    a->knob = synth_unif(r, 0.015f, 0.035f);
    a->knobv = synth_unif(r, 0.27f, 0.31f);
    synth_heart_setup(a, synth_unif(r, 0.40f, 0.49f) * 0.5f * (a->L[0] + a->L[1]), synth_unif(r, 0.35f, 0.6f));
    a->rib0 = synth_unif(r, 0.08f, 0.10f);
    a->ribsp = synth_unif(r, 0.066f, 0.076f);
    a->ribant0 = synth_unif(r, 0.17f, 0.21f);
    a->clav = synth_unif(r, 0.14f, 0.18f);
    a->gain = synth_unif(r, 0.85f, 1.15f);
    a->off = synth_unif(r, -0.05f, 0.05f);
    a->gamma = synth_unif(r, 0.85f, 1.2f);
    a->noise = noise * synth_unif(r, 0.7f, 1.3f);
    a->bubble = mlip_rng_uniform(r) < 0.7f ? synth_unif(r, 0.5f, 1.0f) : 0.0f;
    a->tissue = synth_unif(r, 0.9f, 1.1f);
}

static void synth_to_image(const synth_anat *a, float u, float v, float *x, float *y) {
    *x = 0.5f + a->tx + a->scale * (a->cr * (u - 0.5f) - a->sr * (v - 0.5f));
    *y = 0.5f + a->ty + a->scale * (a->sr * (u - 0.5f) + a->cr * (v - 0.5f));
}

/* ---------------------------------------------------------------- findings: placement */
static void synth_zone_range(const synth_anat *a, int si, int zone, float *lo, float *hi) {
    float top = a->apex[si] + 0.05f, bot = a->dome[si], b1 = top + (bot - top) / 3.0f, b2 = top + 2.0f * (bot - top) / 3.0f;
    if (zone == SYNTH_ZONE_UPPER) *lo = top, *hi = b1;
    else if (zone == SYNTH_ZONE_MIDDLE) *lo = b1, *hi = b2;
    else if (zone == SYNTH_ZONE_LOWER) *lo = b2, *hi = a->cp[si] - 0.04f;
    else *lo = top, *hi = a->cp[si] - 0.04f;
}
static int synth_zone_of(const synth_anat *a, int si, float v) {
    float top = a->apex[si] + 0.05f, bot = a->dome[si];
    return v < top + (bot - top) / 3.0f ? SYNTH_ZONE_UPPER : v < top + 2.0f * (bot - top) / 3.0f ? SYNTH_ZONE_MIDDLE : SYNTH_ZONE_LOWER;
}

static float synth_eff_level(const synth_anat *a, const synth_inst *in, int si, float d) {
    float ytop = a->cp[si] - in->h, ymed = ytop + synth_minf(0.6f * in->h, 0.025f + 0.2f * in->h);
    float t = synth_clampf((a->L[si] - d) / (a->L[si] - 0.08f), 0.0f, 1.0f);
    return ymed - (ymed - ytop) * (1.0f - t) * (1.0f - t);
}
static float synth_ptx_rim(const synth_anat *a, const synth_inst *in, int si, float v) {
    float t = (v - a->apex[si] - in->ext) / 0.15f;
    return in->gap * (1.0f - synth_smooth(t));
}

/* Is (u, v) a free spot of lung: margin m inside, off the heart, above fluid, inside the
   collapsed lung of a pneumothorax? */
static int synth_free_spot(const synth_case *c, float u, float v, float m) {
    int si = u > 0.5f, k;
    float d = (float)fabs(u - 0.5f), outer;
    if (synth_lung_margin(&c->a, si, d, v, &outer) < m) return 0;
    if (synth_heart_margin(&c->a, u, v) > -m) return 0;
    for (k = 0; k < c->n_inst; k++) {
        const synth_inst *in = &c->inst[k];
        if (in->side - 1 != si) continue;
        if (in->kind == SYNTH_EFF && v > synth_eff_level(&c->a, in, si, d) - m) return 0;
        if (in->kind == SYNTH_PTX && outer < synth_ptx_rim(&c->a, in, si, v) + m) return 0;
        if (in->kind == SYNTH_CONS && (u - in->cu) * (u - in->cu) + (v - in->cv) * (v - in->cv) < (1.3f * in->r + m) * (1.3f * in->r + m))
            return 0;
    }
    return 1;
}

/* Find a free centre in lung si (zone given or 0); returns 0 when none found. */
static int synth_place(const synth_case *c, mlip_rng *r, int si, int zone, float m, float *u, float *v) {
    int t;
    float lo, hi;
    synth_zone_range(&c->a, si, zone, &lo, &hi);
    for (t = 0; t < 300; t++) {
        float vv = synth_unif(r, lo, hi), d = synth_unif(r, 0.07f, c->a.L[si]);
        float uu = si ? 0.5f + d : 0.5f - d;
        if (synth_free_spot(c, uu, vv, m)) {
            *u = uu, *v = vv;
            return 1;
        }
    }
    return 0;
}

static synth_inst *synth_new_inst(synth_case *c, int kind, int side, const synth_opts *o, mlip_rng *r) {
    synth_inst *in;
    if (c->n_inst >= SYNTH_MAX_INST) return NULL;
    in = &c->inst[c->n_inst++];
    memset(in, 0, sizeof *in);
    in->kind = kind, in->side = side;
    in->contrast = o->contrast * synth_unif(r, 0.85f, 1.15f);
    return in;
}

static float synth_sev(const synth_case *c, int f, mlip_rng *r) {
    return c->sev[f] >= 0 ? c->sev[f] : mlip_rng_uniform(r);
}

/* Turn the case's wanted findings into drawable instances. Order matters for placement:
   effusion and pneumothorax first, so consolidations and nodules avoid them. */
static void synth_make_instances(synth_case *c, const synth_opts *o, mlip_rng *r, int S) {
    synth_anat *a = &c->a;
    float px = 1.0f / ((float)S * a->scale), ls = o->lesion;
    int f, k;
    c->n_inst = 0;
    if (c->want[SYNTH_CARDIO]) {
        float sev = synth_sev(c, SYNTH_CARDIO, r);
        float ctr = synth_clampf(0.5f + (0.045f + 0.12f * sev) * ls, 0.515f, 0.75f);
        synth_inst *in = synth_new_inst(c, SYNTH_CARDIO, SYNTH_SIDE_NONE, o, r);
        in->sev = sev;
        synth_heart_setup(a, ctr * 0.5f * (a->L[0] + a->L[1]), synth_unif(r, 0.35f, 0.6f));
    }
    c->ctr = a->hw / (0.5f * (a->L[0] + a->L[1]));
    for (f = 0; f < SYNTH_NF; f++) {
        int sides[2], ns, s;
        static const int order[4] = {SYNTH_EFF, SYNTH_PTX, SYNTH_CONS, SYNTH_NOD};
        int kind;
        if (f >= 4) break;
        kind = order[f];
        if (!c->want[kind]) continue;
        if (c->side[kind] == SYNTH_SIDE_BOTH) sides[0] = SYNTH_SIDE_RIGHT, sides[1] = SYNTH_SIDE_LEFT, ns = 2;
        else sides[0] = c->side[kind] ? c->side[kind] : 1 + synth_below(r, 2), ns = 1;
        for (s = 0; s < ns; s++) {
            int si = sides[s] - 1;
            float sev = synth_sev(c, kind, r);
            synth_inst *in = synth_new_inst(c, kind, sides[s], o, r);
            if (!in) break;
            in->sev = sev;
            if (kind == SYNTH_EFF) {
                in->zone = SYNTH_ZONE_LOWER;
                in->h = (0.10f + 0.2f * sev) * ls;
                in->h = synth_clampf(in->h, 4.0f * px, 0.35f);
                in->contrast = synth_clampf(in->contrast, 0.0f, 1.1f);
            } else if (kind == SYNTH_PTX) {
                in->zone = SYNTH_ZONE_UPPER;
                in->gap = synth_clampf((0.028f + 0.07f * sev) * ls, 2.0f * px, 0.16f);
                in->ext = 0.12f + 0.3f * sev;
            } else if (kind == SYNTH_CONS) {
                int zone = c->zone[kind] ? c->zone[kind] : 1 + synth_below(r, 3), b;
                float R = synth_clampf((0.055f + 0.06f * sev) * ls, 2.0f * px, 0.15f), u, v;
                if (!synth_place(c, r, si, zone, 0.02f, &u, &v) && !synth_place(c, r, si, 0, 0.01f, &u, &v)) {
                    c->n_inst--;
                    continue;
                }
                in->zone = synth_zone_of(a, si, v);
                in->cu = u, in->cv = v, in->r = R;
                in->nb = 3 + synth_below(r, 5);
                in->u0 = in->u1 = u, in->v0 = in->v1 = v;
                for (b = 0; b < in->nb; b++) {
                    float bu = b ? u + 0.7f * R * mlip_rng_normal(r) : u, bv = b ? v + 0.55f * R * mlip_rng_normal(r) : v;
                    float bs = R * (b ? synth_unif(r, 0.4f, 0.7f) : 0.7f);
                    in->bu[b] = bu, in->bv[b] = bv, in->bs[b] = bs, in->bw[b] = b ? synth_unif(r, 0.6f, 1.0f) : 1.0f;
                    if (bu - 3 * bs < in->u0) in->u0 = bu - 3 * bs;
                    if (bu + 3 * bs > in->u1) in->u1 = bu + 3 * bs;
                    if (bv - 3 * bs < in->v0) in->v0 = bv - 3 * bs;
                    if (bv + 3 * bs > in->v1) in->v1 = bv + 3 * bs;
                }
            } else { /* nodule */
                float mm = c->mm > 0 ? c->mm : (10.0f + 20.0f * sev) * ls, rr, u, v;
                rr = synth_clampf(mm / (2.0f * SYNTH_MM), 0.9f * px, 0.08f);
                if (!synth_place(c, r, si, c->zone[kind], rr + 0.015f, &u, &v) &&
                    !synth_place(c, r, si, 0, rr + 0.005f, &u, &v)) {
                    c->n_inst--;
                    continue;
                }
                in->cu = u, in->cv = v, in->r = rr;
                in->mm = 2.0f * rr * SYNTH_MM;
                in->zone = synth_zone_of(a, si, v);
                in->calcified = c->calcified;
            }
        }
    }
    for (k = 0; k < c->n_inst; k++) c->inst[k].mask = NULL;
}

/* ---------------------------------------------------------------- vascular markings */
static void synth_splat(float *buf, int S, float x, float y, float sig, float amp) {
    int x0, x1, y0, y1, i, j;
    float rad = 2.5f * sig, inv = 1.0f / (2.0f * sig * sig);
    x0 = (int)floorf(x - rad), x1 = (int)ceilf(x + rad), y0 = (int)floorf(y - rad), y1 = (int)ceilf(y + rad);
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > S - 1) x1 = S - 1;
    if (y1 > S - 1) y1 = S - 1;
    for (j = y0; j <= y1; j++)
        for (i = x0; i <= x1; i++) {
            float dx = (float)i - x, dy = (float)j - y;
            buf[j * S + i] += amp * expf(-(dx * dx + dy * dy) * inv);
        }
}

/* Rays from each hilum, wandering, branching once, tapering; splatted in pixel space. */
static void synth_markings(const synth_anat *a, mlip_rng *r, float *buf, int S) {
    int si, j;
    float step = 0.6f / ((float)S * a->scale); /* patient units per step: 0.6 px */
    for (si = 0; si < 2; si++) {
        int nray = 11 + synth_below(r, 5);
        for (j = 0; j < nray; j++) {
            float stack[4][4]; /* d, v, angle, distance so far */
            int sp = 0;
            stack[sp][0] = a->hild[si] + 0.02f, stack[sp][1] = a->hilv[si] + synth_unif(r, -0.03f, 0.03f);
            stack[sp][2] = -1.25f + 2.3f * ((float)j + mlip_rng_uniform(r)) / (float)nray;
            stack[sp][3] = 0;
            sp++;
            while (sp > 0) {
                float d, v, ang, dist;
                int branched = stack[sp - 1][3] > 0;
                sp--;
                d = stack[sp][0], v = stack[sp][1], ang = stack[sp][2], dist = stack[sp][3];
                for (;;) {
                    float u = si ? 0.5f + d : 0.5f - d, x, y, sig, amp, m, outer;
                    m = synth_lung_margin(a, si, d, v, &outer);
                    if (outer < 0.015f || dist > 0.45f || (m < -0.01f && dist > 0.05f)) break;
                    sig = (0.0025f + 0.007f * expf(-dist / 0.12f)) * (float)S * a->scale;
                    if (sig < 0.45f) sig = 0.45f;
                    amp = expf(-dist / 0.22f) * 0.6f / (2.5066f * sig); /* line integral ~ 1 per unit amp */
                    synth_to_image(a, u, v, &x, &y);
                    synth_splat(buf, S, x * (float)S - 0.5f, y * (float)S - 0.5f, sig, amp);
                    d += step * cosf(ang), v += step * sinf(ang), dist += step;
                    ang += 0.08f * mlip_rng_normal(r) * sqrtf(step / 0.01f);
                    if (!branched && sp < 3 && mlip_rng_uniform(r) < step * 9.0f) {
                        float side = mlip_rng_uniform(r) < 0.5f ? -1.0f : 1.0f;
                        stack[sp][0] = d, stack[sp][1] = v, stack[sp][2] = ang + side * synth_unif(r, 0.3f, 0.6f);
                        stack[sp][3] = dist + 1e-6f;
                        sp++;
                    }
                }
            }
        }
    }
}

/* ---------------------------------------------------------------- the renderer */
typedef struct synth_work {
    int S;
    float *img, *mark;
    unsigned char *masks; /* SYNTH_MAX_INST planes of S*S */
    unsigned char *bytes;
} synth_work;

static float synth_rib_bump(float p) {
    float f;
    if (p < 0.0f || p >= 10.0f) return 0.0f;
    f = p - floorf(p);
    if (f >= 0.45f) return 0.0f;
    f = f / 0.45f;
    return 16.0f * f * f * (1 - f) * (1 - f); /* smooth bump, 1 at the middle */
}

static void synth_render(synth_case *c, synth_work *w, mlip_rng *r) {
    const synth_anat *a = &c->a;
    int S = w->S, i, j, k;
    float px = 1.0f / ((float)S * a->scale), inv_px = 1.0f / px;
    float tex[SYNTH_VN * SYNTH_VN], ctex[SYNTH_VN * SYNTH_VN];
    for (k = 0; k < SYNTH_VN * SYNTH_VN; k++) tex[k] = synth_unif(r, -1.0f, 1.0f);
    for (k = 0; k < SYNTH_VN * SYNTH_VN; k++) ctex[k] = synth_unif(r, -1.0f, 1.0f);
    memset(w->mark, 0, (size_t)S * S * sizeof(float));
    synth_markings(a, r, w->mark, S);
    for (k = 0; k < c->n_inst; k++) {
        c->inst[k].mask = w->masks + (size_t)k * S * S;
        memset(c->inst[k].mask, 0, (size_t)S * S);
    }
    for (j = 0; j < S; j++) {
        for (i = 0; i < S; i++) {
            float x = ((float)i + 0.5f) / (float)S - 0.5f - a->tx, y = ((float)j + 0.5f) / (float)S - 0.5f - a->ty;
            float u = 0.5f + (a->cr * x + a->sr * y) / a->scale, v = 0.5f + (-a->sr * x + a->cr * y) / a->scale;
            int si = u > 0.5f;
            float d = (float)fabs(u - 0.5f), A = 0.03f, below, outer, ml, al, ah, am, leff, t, p, mark, ptxw = 0, top;
            /* body with neck and shoulders */
            top = 0.05f * synth_smooth((d - 0.11f) / 0.1f) * (1.0f - synth_smooth((d - 0.33f) / 0.14f)) - 0.02f;
            t = synth_clampf(synth_minf(0.485f - d, v - top) * inv_px + 0.5f, 0, 1);
            A += t * ((0.47f + 0.13f * sqrtf(synth_clampf(1.0f - 4.0f * d * d, 0, 1))) * a->tissue - 0.03f);
            {   /* liver and spleen below the domes */
                float dm = synth_minf(d, a->L[si]) - a->domed[si];
                if (dm < 0) dm *= 0.5f; /* flatter under the heart: no notch at the midline */
                below = synth_smooth((v - a->dome[si] - a->domec[si] * dm * dm) / 0.04f + 0.5f);
                A += 0.12f * below * t;
            }
            /* lungs, heart, mediastinum */
            ml = synth_lung_margin(a, si, d, v, &outer);
            al = synth_clampf(ml * inv_px + 0.5f, 0, 1);
            ah = synth_clampf(synth_heart_margin(a, u, v) * inv_px + 0.5f, 0, 1);
            am = synth_clampf(synth_minf(synth_med_hw(a, si, v) - d, a->hbase - v) * inv_px + 0.5f, 0, 1);
            leff = al * (1.0f - 0.85f * ah);
            /* findings that change the lung before markings: pneumothorax rim */
            for (k = 0; k < c->n_inst; k++) {
                synth_inst *in = &c->inst[k];
                if (in->kind == SYNTH_PTX && in->side - 1 == si) {
                    float g = synth_ptx_rim(a, in, si, v), wgt, line;
                    wgt = al * synth_clampf((g - outer) * inv_px + 0.5f, 0, 1);
                    if (wgt >= 0.5f) in->mask[j * S + i] = 255;
                    if (wgt > ptxw) ptxw = wgt;
                    A -= 0.09f * in->contrast * wgt * leff;
                    A += 0.035f * in->contrast * in->sev * (al - wgt); /* the collapsed lung is denser */
                    if (g > px) {
                        float lw = 0.8f * px + 0.002f, e = (outer - g) / lw;
                        line = expf(-e * e) * al;
                        A += 0.14f * in->contrast * line;
                    }
                }
            }
            A -= 0.42f * leff;
            A += 0.18f * (am > ah ? am : ah) * (1.0f - below);
            /* spine (vertebral bodies), trachea */
            t = synth_clampf((0.036f - d) * inv_px + 0.5f, 0, 1);
            if (t > 0) {
                float f = v / 0.052f;
                f -= floorf(f);
                A += t * (0.035f + 0.03f * 4.0f * f * (1 - f));
            }
            t = synth_clampf((0.013f - d) * inv_px + 0.5f, 0, 1) * synth_clampf((0.34f - v) * inv_px + 0.5f, 0, 1);
            A -= 0.10f * t;
            /* ribs inside the rib cage */
            if (d > 0.02f && v > 0.05f && v < 0.86f) {
                float tt = synth_clampf((v - a->apex[si]) * 2.6f, 0.0f, 1.0f);
                float dlat = a->apexd[si] + (a->L[si] - a->apexd[si]) * sqrtf(tt);
                float rm = synth_clampf((dlat + 0.03f - d) / 0.02f, 0, 1) * synth_clampf((d - 0.03f) / 0.03f, 0, 1) *
                           synth_clampf((0.84f - v) / 0.04f, 0, 1);
                if (rm > 0) {
                    float q = d - 0.12f, pb, ab;
                    pb = synth_rib_bump((v - a->rib0 - (1.0f * q * q - 0.0144f)) / a->ribsp);
                    ab = d > 0.1f ? synth_rib_bump((v - a->ribant0 - 0.42f * (0.44f - d)) / (1.25f * a->ribsp) - 0.5f) : 0;
                    rm *= (1.0f - 0.75f * (am > ah ? am : ah)) * (1.0f - 0.6f * below);
                    A += rm * (0.085f * pb + 0.04f * ab * synth_clampf((d - 0.1f) / 0.05f, 0, 1));
                }
            }
            /* clavicles */
            if (d > 0.03f && d < 0.40f) {
                float vc = a->clav - 0.17f * (d - 0.06f) + 0.3f * (d - 0.2f) * (d - 0.2f), e = (v - vc) / 0.014f;
                if (e > -3 && e < 3) A += 0.11f * expf(-e * e * e * e) * synth_clampf((0.38f - d) / 0.03f, 0, 1);
            }
            /* hila and vascular markings */
            {
                float dh = d - a->hild[si], vh = v - a->hilv[si];
                A += 0.09f * expf(-(dh * dh + vh * vh) / (2 * 0.028f * 0.028f)) * al;
            }
            mark = w->mark[j * S + i];
            if (mark > 1.5f) mark = 1.5f;
            A += 0.13f * mark * leff * (1.0f - ptxw);
            A += 0.022f * synth_vnoise(tex, SYNTH_VN, u, v) * al;
            /* gastric bubble under the left dome */
            if (si == 1 && a->bubble > 0) {
                float bu = (d - 0.2f) / 0.055f, bv = (v - a->dome[1] - 0.055f) / 0.03f, e = 1.0f - (bu * bu + bv * bv);
                if (e > 0) A -= 0.2f * a->bubble * synth_clampf(e * 3.0f, 0, 1);
            }
            /* the other findings */
            for (k = 0; k < c->n_inst; k++) {
                synth_inst *in = &c->inst[k];
                float wgt = 0;
                if (in->kind == SYNTH_CARDIO) {
                    if (ah >= 0.5f) in->mask[j * S + i] = 255;
                    continue;
                }
                if (in->side - 1 != si) continue;
                if (in->kind == SYNTH_CONS) {
                    int b;
                    float F = 0;
                    if (u < in->u0 || u > in->u1 || v < in->v0 || v > in->v1 || al <= 0) continue;
                    for (b = 0; b < in->nb; b++) {
                        float du = u - in->bu[b], dv = v - in->bv[b];
                        F += in->bw[b] * expf(-(du * du + dv * dv) / (2 * in->bs[b] * in->bs[b]));
                    }
                    wgt = synth_smooth((F - 0.35f) / 0.3f) * al * (1.0f - ptxw); /* not in pleural gas */
                    A += 0.34f * in->contrast * wgt * (0.78f + 0.22f * synth_vnoise(ctex, SYNTH_VN, u, v)) * (1.0f - 0.6f * ah);
                } else if (in->kind == SYNTH_EFF) {
                    float yf = synth_eff_level(a, in, si, d), wd = 2.0f * px + 0.012f;
                    if (al <= 0) continue;
                    wgt = synth_smooth((v - yf) / wd + 0.5f) * al;
                    A += wgt * in->contrast * (0.42f * (1.0f - 0.85f * ah) + 0.05f);
                } else if (in->kind == SYNTH_NOD) {
                    float du = u - in->cu, dv = v - in->cv, rho = sqrtf(du * du + dv * dv), sph;
                    if (rho > in->r + px) continue;
                    wgt = synth_clampf((in->r - rho) * inv_px + 0.5f, 0, 1);
                    sph = sqrtf(synth_clampf(1.0f - rho * rho / (in->r * in->r), 0, 1));
                    A += (in->calcified ? 0.42f : 0.30f) * in->contrast * wgt * (0.55f + 0.45f * sph);
                } else continue;
                if (wgt >= 0.5f) in->mask[j * S + i] = 255;
            }
            /* exposure, film response, noise */
            p = synth_clampf(0.5f + a->gain * (A - 0.5f) + a->off, 0.0f, 1.0f);
            p = powf(p, a->gamma);
            w->img[j * S + i] = p;
        }
    }
    for (k = 0; k < S * S; k++) {
        float p = w->img[k] + a->noise * mlip_rng_normal(r);
        p = synth_clampf(p, 0.0f, 1.0f);
        w->img[k] = p;
        w->bytes[k] = (unsigned char)(p * 255.0f + 0.5f);
    }
}

/* Area and bounding box of each instance; drop empty ones; summarise per finding. */
static void synth_finalize(synth_case *c, int S) {
    int k, f, n = 0;
    for (k = 0; k < c->n_inst; k++) {
        synth_inst *in = &c->inst[k];
        int i, j;
        in->area = 0, in->x0 = S, in->y0 = S, in->x1 = -1, in->y1 = -1;
        for (j = 0; j < S; j++)
            for (i = 0; i < S; i++)
                if (in->mask[j * S + i]) {
                    in->area++;
                    if (i < in->x0) in->x0 = i;
                    if (i > in->x1) in->x1 = i;
                    if (j < in->y0) in->y0 = j;
                    if (j > in->y1) in->y1 = j;
                }
        if (in->area) c->inst[n++] = *in;
    }
    c->n_inst = n;
    for (f = 0; f < SYNTH_NF; f++) c->present[f] = 0, c->pside[f] = 0, c->pzone[f] = 0, c->psev[f] = 0;
    c->pmm = 0;
    for (k = 0; k < n; k++) {
        synth_inst *in = &c->inst[k];
        f = in->kind;
        if (!c->present[f]) c->pzone[f] = in->zone, c->psev[f] = in->sev;
        else if (in->sev > c->psev[f]) c->psev[f] = in->sev;
        c->present[f] = 1;
        c->pside[f] |= in->side;
        if (f == SYNTH_NOD) c->pmm = in->mm;
    }
}

/* ---------------------------------------------------------------- reports */
typedef struct synth_text {
    char s[24][280];
    int n;
} synth_text;

static void synth_say(synth_text *t, const char *fmt, ...) {
    va_list ap;
    if (t->n >= 24) return;
    va_start(ap, fmt);
    vsnprintf(t->s[t->n], sizeof t->s[0], fmt, ap);
    va_end(ap);
    t->s[t->n][0] = (char)toupper((unsigned char)t->s[t->n][0]);
    t->n++;
}

/* Index 0 (the canonical phrasing) with probability 1 - variety, else uniform over n. */
static int synth_pick(mlip_rng *r, float variety, int n) {
    if (n <= 1 || mlip_rng_uniform(r) >= variety) return 0;
    return synth_below(r, n);
}

static const char *synth_sev_word(float sev, int kind) {
    static const char *const small[3] = {"small", "moderate", "large"};
    static const char *const mild[3] = {"mild", "moderate", "marked"};
    int b = sev < 0.34f ? 0 : sev < 0.67f ? 1 : 2;
    return kind == SYNTH_CARDIO ? mild[b] : small[b];
}

/* A location noun phrase that names the side: "right upper lobe", "both lung bases". */
static const char *synth_loc(mlip_rng *r, float var, int side, int zone, char *buf, size_t cap) {
    static const char *const one[3][6] = {
        {"%s upper lobe", "%s upper zone", "%s apex", "%s upper lung", "%s lung apex", "%s upper lung field"},
        {"%s mid lung", "%s midlung zone", "%s perihilar region", "%s mid zone", "%s middle lung field", "%s mid lung"},
        {"%s lower lobe", "%s lung base", "%s base", "%s lower zone", "%s basilar region", "%s lower lung"},
    };
    static const char *const both[3][4] = {
        {"bilateral upper lobes", "both upper zones", "both apices", "bilateral upper lungs"},
        {"bilateral mid lungs", "both perihilar regions", "both mid zones", "bilateral mid zones"},
        {"bilateral lower lobes", "both lung bases", "both bases", "bilateral lower zones"},
    };
    int z = zone >= 1 && zone <= 3 ? zone - 1 : 1;
    if (side == SYNTH_SIDE_BOTH) snprintf(buf, cap, "%s", both[z][synth_pick(r, var, 4)]);
    else {
        int k = synth_pick(r, var, 7);
        if (k == 6 && z == 1) snprintf(buf, cap, side == SYNTH_SIDE_RIGHT ? "right middle lobe" : "lingula of the left lung");
        else snprintf(buf, cap, one[z][k % 6], synth_side_names[side]);
    }
    return buf;
}

static void synth_say_positive(synth_text *t, const synth_case *c, int f, mlip_rng *r, float var) {
    char loc[64], size[32];
    int side = c->pside[f];
    const char *S = synth_side_names[side], *sev = synth_sev_word(c->psev[f], f);
    static const char *const adj[3] = {"patchy", "focal", "dense"};
    static const char *const adv[3] = {"mildly", "moderately", "markedly"};
    int b = c->psev[f] < 0.34f ? 0 : c->psev[f] < 0.67f ? 1 : 2;
    switch (f) {
    case SYNTH_CONS:
        synth_loc(r, var, side, c->pzone[f], loc, sizeof loc);
        switch (synth_pick(r, var, 8)) {
        case 0: synth_say(t, "consolidation in the %s.", loc); break;
        case 1: synth_say(t, "there is %s airspace opacity in the %s.", adj[b], loc); break;
        case 2: synth_say(t, "%s airspace consolidation in the %s.", adj[b], loc); break;
        case 3: synth_say(t, "infiltrate in the %s.", loc); break;
        case 4: synth_say(t, "%s opacity in the %s, consistent with pneumonia.", adj[b], loc); break;
        case 5: synth_say(t, "airspace disease involving the %s.", loc); break;
        case 6: synth_say(t, "the %s demonstrates an area of consolidation.", loc); break;
        default: synth_say(t, "%s infiltrate is noted in the %s.", adj[b], loc); break;
        }
        break;
    case SYNTH_EFF:
        if (side == SYNTH_SIDE_BOTH) {
            switch (synth_pick(r, var, 5)) {
            case 0: synth_say(t, "bilateral %s pleural effusions.", sev); break;
            case 1: synth_say(t, "there are %s pleural effusions on both sides.", sev); break;
            case 2: synth_say(t, "blunting of both costophrenic angles, consistent with bilateral effusions."); break;
            case 3: synth_say(t, "fluid in both costophrenic angles."); break;
            default: synth_say(t, "%s bilateral pleural effusions with menisci.", sev); break;
            }
        } else {
            switch (synth_pick(r, var, 7)) {
            case 0: synth_say(t, "%s %s pleural effusion.", sev, S); break;
            case 1: synth_say(t, "there is a %s %s-sided pleural effusion.", sev, S); break;
            case 2: synth_say(t, "blunting of the %s costophrenic angle, consistent with a %s effusion.", S, sev); break;
            case 3: synth_say(t, "fluid in the %s costophrenic angle.", S); break;
            case 4: synth_say(t, "%s pleural effusion with a meniscus, %s in size.", S, sev); break;
            case 5: synth_say(t, "a %s amount of pleural fluid at the %s lung base.", sev, S); break;
            default: synth_say(t, "the %s costophrenic angle is blunted by a %s pleural effusion.", S, sev); break;
            }
        }
        break;
    case SYNTH_CARDIO:
        switch (synth_pick(r, var, 8)) {
        case 0: synth_say(t, "cardiomegaly."); break;
        case 1: synth_say(t, "the heart is enlarged."); break;
        case 2: synth_say(t, "%s cardiomegaly.", synth_sev_word(c->psev[f], f)); break;
        case 3: synth_say(t, "enlarged cardiac silhouette."); break;
        case 4: synth_say(t, "the cardiac silhouette is %s enlarged.", adv[b]); break;
        case 5: synth_say(t, "heart size is enlarged."); break;
        case 6: synth_say(t, "there is %s enlargement of the cardiac silhouette.", synth_sev_word(c->psev[f], f)); break;
        default: synth_say(t, "the heart is %s enlarged, cardiothoracic ratio about %.2f.", adv[b], (double)c->ctr); break;
        }
        break;
    case SYNTH_PTX:
        switch (synth_pick(r, var, 7)) {
        case 0: synth_say(t, "%s %s pneumothorax.", sev, S); break;
        case 1: synth_say(t, "there is a %s %s apical pneumothorax.", sev, S); break;
        case 2:
            synth_say(t, "a visceral pleural line is seen at the %s apex with absent lung markings beyond it, consistent with pneumothorax.", S);
            break;
        case 3: synth_say(t, "%s-sided pleural air, compatible with a %s pneumothorax.", S, sev); break;
        case 4: synth_say(t, "%s %s-sided pneumothorax.", sev, S); break;
        case 5: synth_say(t, "pneumothorax on the %s, %s in size.", S, sev); break;
        default: synth_say(t, "thin %s pleural line with absent peripheral lung markings, in keeping with a %s pneumothorax.", S, sev); break;
        }
        break;
    default: /* nodule */
        synth_loc(r, var, side, c->pzone[f], loc, sizeof loc);
        if (c->pmm < 20.0f || mlip_rng_uniform(r) < 0.4f) snprintf(size, sizeof size, "%d mm", (int)(c->pmm + 0.5f));
        else snprintf(size, sizeof size, "%.1f cm", (double)c->pmm / 10.0);
        if (c->pmm >= 30.0f && mlip_rng_uniform(r) < 0.6f) {
            if (synth_pick(r, var, 2)) synth_say(t, "%s mass in the %s.", size, loc);
            else synth_say(t, "there is a %s mass in the %s.", size, loc);
            break;
        }
        switch (synth_pick(r, var, 6)) {
        case 0: synth_say(t, "there is a %s nodule in the %s.", size, loc); break;
        case 1: synth_say(t, "a %s rounded opacity in the %s, likely a pulmonary nodule.", size, loc); break;
        case 2: synth_say(t, "a %s nodular density projects over the %s.", size, loc); break;
        case 3: synth_say(t, "rounded opacity measuring %s in the %s.", size, loc); break;
        case 4: synth_say(t, "pulmonary nodule in the %s measuring %s.", loc, size); break;
        default: synth_say(t, "solitary %s nodule in the %s.", size, loc); break;
        }
        break;
    }
}

static const char *const synth_negations[SYNTH_NF][5] = {
    {"No focal consolidation.", "There is no airspace consolidation.", "No focal airspace opacity.", "No infiltrate.",
     "No evidence of pneumonia."},
    {"No pleural effusion.", "There is no pleural effusion.", "No effusion.", "No evidence of pleural effusion.",
     "The costophrenic angles are sharp."},
    {"Heart size is normal.", "The cardiac silhouette is within normal limits.", "Normal heart size.",
     "The heart is not enlarged.", "No cardiomegaly."},
    {"No pneumothorax.", "There is no pneumothorax.", "No evidence of pneumothorax.", "Pneumothorax is not seen.",
     "No pneumothorax."},
    {"No pulmonary nodules.", "No suspicious nodule or mass.", "No focal nodular opacity.", "No pulmonary nodule is seen.",
     "No pulmonary nodules."},
};

static const char *const synth_distractors[] = {
    "Comparison: none.",
    "Degenerative changes of the thoracic spine.",
    "The patient is rotated.",
    "Frontal view of the chest.",
    "Indication: shortness of breath.",
    "Indication: cough.",
    "No acute osseous abnormality.",
    "The visualized upper abdomen is unremarkable.",
    "Follow-up as clinically indicated.",
    "Findings were discussed with the referring physician.",
    "Mild thoracic scoliosis.",
    "The trachea is midline.",
    "Osseous structures are intact.",
    "Soft tissues are unremarkable.",
    "Comparison is made to the prior study.",
    "Single portable view.",
    "Mediastinal contours are within normal limits.",
    "Low lung volumes.",
    "Calcified aortic knob.",
    "Surgical clips in the right upper quadrant.",
};

/* The report: positives, some negations of absent findings, normal statements, distractors;
   shuffled with probability `var`. One line, sentences separated by single spaces. */
static void synth_report(const synth_case *c, mlip_rng *r, float var, char *out, size_t cap) {
    synth_text t;
    int f, any = 0, lungs = 0, order[24], k, negated_pair = 0;
    size_t len = 0;
    float pneg = 1.0f - 0.45f * var;
    t.n = 0;
    for (f = 0; f < SYNTH_NF; f++)
        if (c->present[f]) {
            synth_say_positive(&t, c, f, r, var);
            any = 1;
            if (f != SYNTH_CARDIO) lungs = 1;
        }
    if (!c->present[SYNTH_PTX] && !c->present[SYNTH_EFF] && mlip_rng_uniform(r) < 0.35f * var) {
        synth_say(&t, mlip_rng_uniform(r) < 0.5f ? "No pneumothorax or pleural effusion." : "There is no pleural effusion or pneumothorax.");
        negated_pair = 1;
    }
    for (f = 0; f < SYNTH_NF; f++) {
        if (c->present[f] || (negated_pair && (f == SYNTH_PTX || f == SYNTH_EFF))) continue;
        if (mlip_rng_uniform(r) < pneg) synth_say(&t, "%s", synth_negations[f][synth_pick(r, var, 5)]);
    }
    if (!lungs && mlip_rng_uniform(r) < 0.7f) {
        static const char *const clear[4] = {"The lungs are clear.", "Lungs are clear.", "The lungs are well expanded and clear.",
                                             "Clear lungs."};
        synth_say(&t, "%s", clear[synth_pick(r, var, 4)]);
    }
    if (!any && mlip_rng_uniform(r) < 0.6f) {
        static const char *const imp[3] = {"No acute cardiopulmonary abnormality.", "No acute cardiopulmonary process.",
                                           "Normal chest radiograph."};
        synth_say(&t, "%s", imp[synth_pick(r, var, 3)]);
    }
    if (var > 0) {
        int nd = 1 + synth_below(r, 1 + (int)(2.5f * var)), used[32] = {0}, nlist = (int)(sizeof synth_distractors / sizeof synth_distractors[0]);
        while (nd-- > 0) {
            int d = synth_below(r, nlist);
            if (used[d]) continue;
            used[d] = 1;
            synth_say(&t, "%s", synth_distractors[d]);
        }
    }
    for (k = 0; k < t.n; k++) order[k] = k;
    if (mlip_rng_uniform(r) < var) mlip_rng_permutation(r, order, t.n);
    out[0] = 0;
    for (k = 0; k < t.n; k++) {
        int w = snprintf(out + len, cap - len, "%s%s", k ? " " : "", t.s[order[k]]);
        if (w < 0 || (size_t)w >= cap - len) break;
        len += (size_t)w;
    }
}

/* ---------------------------------------------------------------- real reports */
typedef struct synth_row {
    char *id, *labels, *text;
} synth_row;

typedef struct synth_rows {
    char *buf;
    synth_row *rows;
    long n;
} synth_rows;

static void synth_rows_free(synth_rows *t) {
    free(t->buf), free(t->rows);
    t->buf = NULL, t->rows = NULL, t->n = 0;
}

/* Read a TSV with a header naming `labels` and `text` (or `report`) columns, optional `id`.
   Rows with empty labels or empty text are skipped; anything else malformed is an error. */
static int synth_rows_load(const char *path, synth_rows *t, char *err, size_t cap) {
    FILE *f = fopen(path, "rb");
    long len, nl = 0, line = 1, nf, i;
    char *p, *end, *next;
    int col_id = -1, col_lab = -1, col_txt = -1, ncol = 0, need;
    struct stat st;
    memset(t, 0, sizeof *t);
    if (!f) return snprintf(err, cap, "%s: cannot open (%s)", path, strerror(errno)), 1;
    if (stat(path, &st) || !S_ISREG(st.st_mode)) {
        fclose(f);
        return snprintf(err, cap, "%s: not a regular file", path), 1;
    }
    if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return snprintf(err, cap, "%s: cannot read", path), 1;
    }
    if (len > (1L << 30)) {
        fclose(f);
        return snprintf(err, cap, "%s: larger than 1 GiB", path), 1;
    }
    t->buf = (char *)malloc((size_t)len + 1);
    if (!t->buf || fread(t->buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        synth_rows_free(t);
        return snprintf(err, cap, "%s: cannot read", path), 1;
    }
    fclose(f);
    t->buf[len] = 0;
    if (memchr(t->buf, 0, (size_t)len)) {
        synth_rows_free(t);
        return snprintf(err, cap, "%s: binary data (NUL byte), not a TSV", path), 1;
    }
    for (i = 0; i < len; i++) nl += t->buf[i] == '\n';
    t->rows = (synth_row *)calloc((size_t)nl + 2, sizeof(synth_row));
    if (!t->rows) {
        synth_rows_free(t);
        return snprintf(err, cap, "out of memory"), 1;
    }
    p = t->buf, end = t->buf + len;
    /* header */
    next = memchr(p, '\n', (size_t)(end - p));
    if (!next) next = end;
    *next = 0;
    if (next > p && next[-1] == '\r') next[-1] = 0;
    {
        char *s = p;
        for (;;) {
            char *tab = strchr(s, '\t');
            if (tab) *tab = 0;
            if (!strcmp(s, "id")) col_id = ncol;
            else if (!strcmp(s, "labels")) col_lab = ncol;
            else if (!strcmp(s, "text") || (!strcmp(s, "report") && col_txt < 0)) col_txt = ncol;
            ncol++;
            if (!tab) break;
            s = tab + 1;
        }
    }
    if (col_lab < 0 || col_txt < 0) {
        synth_rows_free(t);
        return snprintf(err, cap, "%s: the header line needs 'labels' and 'text' (or 'report') columns", path), 1;
    }
    need = col_lab > col_txt ? col_lab : col_txt;
    if (col_id > need) need = col_id;
    p = next < end ? next + 1 : end;
    while (p < end) {
        char *fields[64], *s;
        line++;
        next = memchr(p, '\n', (size_t)(end - p));
        if (!next) next = end;
        *next = 0;
        if (next > p && next[-1] == '\r') next[-1] = 0;
        if (!*p) {
            p = next + (next < end);
            continue;
        }
        nf = 0, s = p;
        for (;;) {
            char *tab = strchr(s, '\t');
            if (tab) *tab = 0;
            if (nf < 64) fields[nf] = s;
            nf++;
            if (!tab) break;
            s = tab + 1;
        }
        if (nf <= need) {
            synth_rows_free(t);
            return snprintf(err, cap, "%s:%ld: %ld fields, the header asks for at least %d", path, line, nf, need + 1), 1;
        }
        if (fields[col_lab][0] && fields[col_txt][0]) {
            synth_row *row = &t->rows[t->n++];
            row->id = col_id >= 0 ? fields[col_id] : NULL;
            row->labels = fields[col_lab];
            row->text = fields[col_txt];
            for (s = row->text; *s; s++)
                if (*s == '\r' || (unsigned char)*s < 32) *s = ' ';
        }
        p = next + (next < end);
    }
    if (!t->n) {
        synth_rows_free(t);
        return snprintf(err, cap, "%s: no row has both labels and text", path), 1;
    }
    return 0;
}

/* Does lower-case `s` contain `w` starting a word (whole: and ending it)? */
static int synth_has_word(const char *s, const char *w, int whole) {
    size_t n = strlen(w);
    const char *p = s;
    while ((p = strstr(p, w)) != NULL) {
        if ((p == s || !isalnum((unsigned char)p[-1])) && (!whole || !isalnum((unsigned char)p[n]))) return 1;
        p += n ? n : 1;
    }
    return 0;
}

/* Side, zone, severity and nodule size of finding f as a real report states them: read from
   the clauses (split at . , ; ? !) that mention f and are not negated. */
static void synth_parse_text(synth_case *c, const char *text) {
    static const char *const kw[SYNTH_NF][7] = {
        {"consolidat", "opacit", "infiltrat", "pneumonia", "airspace", "air space", NULL},
        {"effusion", "fluid", "blunting", "blunted", NULL},
        {"cardiomegaly", "enlarged", "enlargement", NULL},
        {"pneumothora", NULL},
        {"nodul", "mass", "granulom", NULL},
    };
    char sent[1024];
    const char *p = text;
    while (*p) {
        size_t n = 0;
        int f, neg;
        while (*p && n < sizeof sent - 1) {
            char ch = *p++;
            sent[n++] = (char)tolower((unsigned char)ch);
            if ((ch == '.' || ch == ',' || ch == ';' || ch == '?' || ch == '!') && !isdigit((unsigned char)*p)) break;
        }
        sent[n] = 0;
        neg = synth_has_word(sent, "no", 1) || synth_has_word(sent, "not", 1) || synth_has_word(sent, "without", 1) ||
              synth_has_word(sent, "negative", 1) || synth_has_word(sent, "resolved", 1);
        if (neg) continue;
        for (f = 0; f < SYNTH_NF; f++) {
            int k, hit = 0, rt, lt, bi;
            for (k = 0; kw[f][k]; k++) hit |= strstr(sent, kw[f][k]) != NULL;
            if (!hit || !c->want[f]) continue;
            rt = synth_has_word(sent, "right", 0), lt = synth_has_word(sent, "left", 0);
            bi = synth_has_word(sent, "bilateral", 0) || synth_has_word(sent, "both", 0) || synth_has_word(sent, "bibasilar", 0) ||
                 synth_has_word(sent, "bibasal", 0) || synth_has_word(sent, "biapical", 0);
            if (f != SYNTH_CARDIO && !c->side[f]) {
                if (bi || (rt && lt)) c->side[f] = (f == SYNTH_CONS || f == SYNTH_EFF) ? SYNTH_SIDE_BOTH : 0;
                else if (rt) c->side[f] = SYNTH_SIDE_RIGHT;
                else if (lt) c->side[f] = SYNTH_SIDE_LEFT;
            }
            if ((f == SYNTH_CONS || f == SYNTH_NOD) && !c->zone[f]) {
                if (strstr(sent, "upper") || strstr(sent, "apex") || strstr(sent, "apical") || strstr(sent, "apices"))
                    c->zone[f] = SYNTH_ZONE_UPPER;
                else if (strstr(sent, "lower") || strstr(sent, "base") || strstr(sent, "basilar") || strstr(sent, "basal"))
                    c->zone[f] = SYNTH_ZONE_LOWER;
                else if (strstr(sent, "middle") || strstr(sent, "mid") || strstr(sent, "lingula") || strstr(sent, "hilar"))
                    c->zone[f] = SYNTH_ZONE_MIDDLE;
            }
            if (c->sev[f] < 0) {
                if (strstr(sent, "small") || strstr(sent, "tiny") || strstr(sent, "trace") || strstr(sent, "minimal") ||
                    strstr(sent, "mild") || strstr(sent, "borderline"))
                    c->sev[f] = 0.15f;
                else if (strstr(sent, "moderate")) c->sev[f] = 0.5f;
                else if (strstr(sent, "large") || strstr(sent, "marked") || strstr(sent, "severe") || strstr(sent, "massive"))
                    c->sev[f] = 0.85f;
            }
            if (f == SYNTH_NOD) {
                const char *q;
                if (strstr(sent, "calcif") || strstr(sent, "granulom")) c->calcified = 1;
                for (q = sent; *q && c->mm <= 0; q++)
                    if (isdigit((unsigned char)*q) && (q == sent || !isalnum((unsigned char)q[-1]))) {
                        char *e;
                        double x = strtod(q, &e);
                        while (*e == ' ') e++;
                        if (!strncmp(e, "mm", 2)) c->mm = (float)x;
                        else if (!strncmp(e, "cm", 2)) c->mm = (float)(10.0 * x);
                        if (c->mm > 80.0f || c->mm < 0) c->mm = 0;
                    }
            }
        }
    }
}

/* Map a row's ';'-separated labels onto the findings; returns the number mapped. */
static int synth_map_labels(synth_case *c, const char *labels) {
    char lab[64];
    const char *p = labels;
    int n = 0;
    while (*p) {
        size_t k = 0, m;
        while (*p == ';' || *p == ' ' || *p == ',') p++;
        while (*p && *p != ';' && *p != ',') {
            if (k < sizeof lab - 1) lab[k++] = (char)tolower((unsigned char)*p);
            p++;
        }
        while (k && lab[k - 1] == ' ') k--;
        lab[k] = 0;
        for (m = 0; m < sizeof synth_label_map / sizeof synth_label_map[0]; m++)
            if (!strcmp(lab, synth_label_map[m].label)) {
                if (!c->want[synth_label_map[m].finding]) n++;
                c->want[synth_label_map[m].finding] = 1;
                if (!strcmp(lab, "mass") && c->mm <= 0) c->mm = 35.0f;
                if (!strcmp(lab, "granuloma")) c->calcified = 1;
            }
    }
    return n;
}

/* ---------------------------------------------------------------- files */
static int synth_mkdirs(const char *path) {
    char buf[4096];
    size_t i, n = strlen(path);
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++)
        if (buf[i] == '/' || buf[i] == 0) {
            char save = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0777) && errno != EEXIST) return -1;
            buf[i] = save;
        }
    return 0;
}

static int synth_write_pgm(const char *path, const unsigned char *px, int w, int h) {
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f) return -1;
    fprintf(f, "P5\n%d %d\n255\n", w, h);
    ok = fwrite(px, 1, (size_t)w * h, f) == (size_t)w * h;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static FILE *synth_open(const char *dir, const char *name, char *err, size_t cap) {
    char path[4200];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f) snprintf(err, cap, "%s: cannot write (%s)", path, strerror(errno));
    return f;
}

/* ---------------------------------------------------------------- options */
static int synth_num(const char *s, double lo, double hi, double *out) {
    char *e;
    double x;
    if (!s || !*s) return 0;
    errno = 0;
    x = strtod(s, &e);
    if (*e || errno || !(x >= lo && x <= hi)) return 0;
    *out = x;
    return 1;
}

static int synth_parse_prevalence(synth_opts *o, const char *s) {
    double x;
    char key[32];
    if (synth_num(s, 0, 1, &x)) {
        int f;
        for (f = 0; f < SYNTH_NF; f++) o->prev[f] = (float)x;
        return 1;
    }
    while (*s) {
        const char *eq = strchr(s, '='), *comma;
        char val[32];
        int f, found = 0;
        size_t kl, vl;
        if (!eq || (size_t)(eq - s) >= sizeof key) return 0;
        comma = strchr(eq, ',');
        if (!comma) comma = eq + strlen(eq);
        kl = (size_t)(eq - s), vl = (size_t)(comma - eq - 1);
        if (vl >= sizeof val) return 0;
        memcpy(key, s, kl), key[kl] = 0;
        memcpy(val, eq + 1, vl), val[vl] = 0;
        if (!synth_num(val, 0, 1, &x)) return 0;
        for (f = 0; f < SYNTH_NF; f++)
            if (!strcmp(key, synth_finding_names[f]) || !strcmp(key, "all")) o->prev[f] = (float)x, found = 1;
        if (!found) return 0;
        s = *comma ? comma + 1 : comma;
    }
    return 1;
}

static void synth_usage(FILE *f) {
    fprintf(f,
            "usage: mlip synth --out DIR [--n N] [--seed S] [--size PX] [options]\n"
            "  Synthetic frontal chest radiographs with localised findings, pixel masks and\n"
            "  varied free-text reports: a benchmark for image-report pre-training.\n"
            "  --out DIR           output directory (created)\n"
            "  --n N               images (default 1000; with --reports: all usable rows)\n"
            "  --seed S            seed (default 1); the output is a function of the seed\n"
            "  --size PX           image side (default 64, 16..1024)\n"
            "  --prevalence P      probability of each finding, independent (default 0.25);\n"
            "                      or per finding: effusion=0.4,nodule=0.1 (all=P sets every one)\n"
            "  --difficulty D      easy | medium | hard (default medium): sets the next three\n"
            "  --contrast C        finding contrast multiplier (easy 1.3, medium 1, hard 0.6)\n"
            "  --lesion-scale L    finding size multiplier (easy 1.25, medium 1, hard 0.75)\n"
            "  --noise SIGMA       pixel noise, 0..1 (easy 0.01, medium 0.02, hard 0.035)\n"
            "  --variety V         report phrasing variety 0..1 (default 0.7): synonyms, templates,\n"
            "                      shuffled sentence order, distractor sentences (0 = canonical)\n"
            "  --reports FILE.tsv  real-text mode: one image per row of a TSV with columns labels\n"
            "                      and text (or report), optional id; the image draws the findings\n"
            "                      its labels name, on the side and zone its text says\n"
            "  --split train=F     train.tsv / test.tsv with fraction F for training (default 0.8;\n"
            "                      'none' writes no split)\n"
            "  --no-masks          skip masks/ (findings.tsv still has boxes and areas)\n"
            "  --quiet             no summary line\n"
            "Writes DIR/images/NNNNN.pgm, DIR/masks/NNNNN_<finding>.pgm (255 inside), DIR/pairs.tsv\n"
            "(image, report, labels), train.tsv, test.tsv, labels.tsv (0/1 per finding),\n"
            "findings.tsv (one row per instance: side, zone, box, area), prompts.tsv, and with\n"
            "--reports source.tsv. Findings: consolidation effusion cardiomegaly pneumothorax nodule.\n"
            "Sides are the patient's: left is the image's right.\n");
}

static int synth_options(synth_opts *o, int argc, char **argv) {
    int i;
    double x;
    const char *diff = "medium";
    int set_c = 0, set_l = 0, set_n = 0;
    memset(o, 0, sizeof *o);
    o->n = -1, o->size = 64, o->seed = 1, o->variety = 0.7f, o->split = 0.8f, o->masks = 1;
    for (i = 0; i < SYNTH_NF; i++) o->prev[i] = 0.25f;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 1;
        if (!strcmp(a, "--quiet")) o->quiet = 1, used = 0;
        else if (!strcmp(a, "--no-masks")) o->masks = 0, used = 0;
        else if (!v) {
            fprintf(stderr, "mlip synth: %s needs a value (or is unknown)\n", a);
            return 0;
        } else if (!strcmp(a, "--out")) o->out = v;
        else if (!strcmp(a, "--reports")) o->reports = v;
        else if (!strcmp(a, "--n")) {
            if (!synth_num(v, 1, 1e7, &x) || x != floor(x)) goto bad;
            o->n = (long)x;
        } else if (!strcmp(a, "--seed")) {
            char *e;
            errno = 0;
            o->seed = (uint64_t)strtoull(v, &e, 10);
            if (*e || errno || !*v || *v == '-') goto bad;
        } else if (!strcmp(a, "--size")) {
            if (!synth_num(v, 16, 1024, &x) || x != floor(x)) goto bad;
            o->size = (int)x;
        } else if (!strcmp(a, "--prevalence")) {
            if (!synth_parse_prevalence(o, v)) goto bad;
        } else if (!strcmp(a, "--difficulty")) {
            if (strcmp(v, "easy") && strcmp(v, "medium") && strcmp(v, "hard")) goto bad;
            diff = v;
        } else if (!strcmp(a, "--contrast")) {
            if (!synth_num(v, 0.05, 5, &x)) goto bad;
            o->contrast = (float)x, set_c = 1;
        } else if (!strcmp(a, "--lesion-scale")) {
            if (!synth_num(v, 0.2, 4, &x)) goto bad;
            o->lesion = (float)x, set_l = 1;
        } else if (!strcmp(a, "--noise")) {
            if (!synth_num(v, 0, 1, &x)) goto bad;
            o->noise = (float)x, set_n = 1;
        } else if (!strcmp(a, "--variety")) {
            if (!synth_num(v, 0, 1, &x)) goto bad;
            o->variety = (float)x;
        } else if (!strcmp(a, "--split")) {
            const char *s = !strncmp(v, "train=", 6) ? v + 6 : v;
            if (!strcmp(v, "none")) o->split = -1;
            else if (!synth_num(s, 0, 1, &x)) goto bad;
            else o->split = (float)x;
        } else {
            fprintf(stderr, "mlip synth: unknown option '%s' (mlip synth --help)\n", a);
            return 0;
        }
        i += used;
        continue;
    bad:
        fprintf(stderr, "mlip synth: bad value '%s' for %s\n", v, a);
        return 0;
    }
    if (!o->out) {
        fprintf(stderr, "mlip synth: --out DIR is required (mlip synth --help)\n");
        return 0;
    }
    if (!set_c) o->contrast = !strcmp(diff, "easy") ? 1.3f : !strcmp(diff, "hard") ? 0.6f : 1.0f;
    if (!set_l) o->lesion = !strcmp(diff, "easy") ? 1.25f : !strcmp(diff, "hard") ? 0.75f : 1.0f;
    if (!set_n) o->noise = !strcmp(diff, "easy") ? 0.01f : !strcmp(diff, "hard") ? 0.035f : 0.02f;
    return 1;
}

/* ---------------------------------------------------------------- the command */
static void synth_write_row(FILE *f, const char *img, const char *report, const synth_case *c) {
    int k, any = 0;
    fprintf(f, "%s\t%s\t", img, report);
    for (k = 0; k < SYNTH_NF; k++)
        if (c->present[k]) fprintf(f, "%s%s", any++ ? ";" : "", synth_finding_names[k]);
    fprintf(f, "%s\n", any ? "" : "normal");
}

static int cmd_synth(int argc, char **argv) {
    synth_opts o;
    synth_rows rows;
    synth_work w;
    synth_case *c = NULL;
    FILE *fp = NULL, *ff = NULL, *fl = NULL, *ftr = NULL, *fte = NULL, *fs = NULL, *fpr = NULL;
    char err[8800] = "", path[4400], *report = NULL;
    unsigned char *is_train = NULL, *u = NULL;
    long i, n, counts[SYNTH_NF + 1] = {0}, ntrain = 0, nmapped_none = 0;
    int k, status = 1;
    clock_t t0 = clock();
    size_t cap_report = 16384;
    {
        int j;
        for (j = 0; j < argc; j++)
            if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
                synth_usage(stdout);
                return 0;
            }
    }
    memset(&rows, 0, sizeof rows);
    memset(&w, 0, sizeof w);
    if (!synth_options(&o, argc, argv)) return 2;
    if (o.reports) {
        if (synth_rows_load(o.reports, &rows, err, sizeof err)) {
            fprintf(stderr, "mlip synth: %s\n", err);
            return 1;
        }
        n = o.n < 0 || o.n > rows.n ? rows.n : o.n;
    } else n = o.n < 0 ? 1000 : o.n;
    w.S = o.size;
    w.img = (float *)malloc((size_t)w.S * w.S * sizeof(float));
    w.mark = (float *)malloc((size_t)w.S * w.S * sizeof(float));
    w.masks = (unsigned char *)malloc((size_t)SYNTH_MAX_INST * w.S * w.S);
    w.bytes = (unsigned char *)malloc((size_t)w.S * w.S);
    u = (unsigned char *)malloc((size_t)w.S * w.S);
    c = (synth_case *)malloc(sizeof *c);
    report = (char *)malloc(cap_report);
    is_train = (unsigned char *)calloc((size_t)n, 1);
    if (!w.img || !w.mark || !w.masks || !w.bytes || !u || !c || !report || !is_train) {
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    snprintf(path, sizeof path, "%s/images", o.out);
    if (synth_mkdirs(path)) {
        snprintf(err, sizeof err, "%s: cannot create (%s)", path, strerror(errno));
        goto done;
    }
    snprintf(path, sizeof path, "%s/masks", o.out);
    if (o.masks && synth_mkdirs(path)) {
        snprintf(err, sizeof err, "%s: cannot create (%s)", path, strerror(errno));
        goto done;
    }
    if (o.split >= 0) { /* a seeded permutation: the first round(F n) go to train */
        mlip_rng r;
        int *perm = (int *)malloc((size_t)n * sizeof(int));
        if (!perm) {
            snprintf(err, sizeof err, "out of memory");
            goto done;
        }
        mlip_rng_seed(&r, o.seed, 0x73706c6974ULL);
        mlip_rng_permutation(&r, perm, (int)n);
        ntrain = (long)floor((double)o.split * (double)n + 0.5);
        for (i = 0; i < ntrain; i++) is_train[perm[i]] = 1;
        free(perm);
    }
    if (!(fp = synth_open(o.out, "pairs.tsv", err, sizeof err)) || !(ff = synth_open(o.out, "findings.tsv", err, sizeof err)) ||
        !(fl = synth_open(o.out, "labels.tsv", err, sizeof err)) || !(fpr = synth_open(o.out, "prompts.tsv", err, sizeof err)))
        goto done;
    if (o.split >= 0 && (!(ftr = synth_open(o.out, "train.tsv", err, sizeof err)) || !(fte = synth_open(o.out, "test.tsv", err, sizeof err))))
        goto done;
    if (o.reports && !(fs = synth_open(o.out, "source.tsv", err, sizeof err))) goto done;
    fprintf(fp, "image\treport\tlabels\n");
    if (ftr) fprintf(ftr, "image\treport\tlabels\n"), fprintf(fte, "image\treport\tlabels\n");
    fprintf(ff, "image\tfinding\tside\tzone\tx0\ty0\tx1\ty1\tarea\tmask\tdetail\n");
    fprintf(fl, "image");
    for (k = 0; k < SYNTH_NF; k++) fprintf(fl, "\t%s", synth_finding_names[k]);
    fprintf(fl, "\n");
    fprintf(fpr, "finding\tpositive\tnegative\tsynonyms\n");
    for (k = 0; k < SYNTH_NF; k++)
        fprintf(fpr, "%s\t%s\t%s\t%s\n", synth_prompts[k][0], synth_prompts[k][1], synth_prompts[k][2], synth_prompts[k][3]);
    if (fs) fprintf(fs, "image\tsource_id\tsource_labels\n");

    for (i = 0; i < n; i++) {
        mlip_rng rc, ri, rt;
        char img[64];
        int f, any = 0;
        uint64_t stream = (uint64_t)i << 2;
        mlip_rng_seed(&rc, o.seed, stream | 0);
        mlip_rng_seed(&ri, o.seed, stream | 1);
        mlip_rng_seed(&rt, o.seed, stream | 2);
        memset(c, 0, sizeof *c);
        for (f = 0; f < SYNTH_NF; f++) c->sev[f] = -1;
        synth_anat_sample(&c->a, &rc, o.noise);
        if (o.reports) {
            if (!synth_map_labels(c, rows.rows[i].labels)) nmapped_none++;
            synth_parse_text(c, rows.rows[i].text);
        } else {
            for (f = 0; f < SYNTH_NF; f++) c->want[f] = mlip_rng_uniform(&rc) < o.prev[f];
            for (f = 0; f < SYNTH_NF; f++) {
                float b = f == SYNTH_CONS ? 0.15f : f == SYNTH_EFF ? 0.25f : 0.0f;
                c->side[f] = f == SYNTH_CARDIO ? 0 : mlip_rng_uniform(&rc) < b ? SYNTH_SIDE_BOTH : 1 + synth_below(&rc, 2);
            }
        }
        synth_make_instances(c, &o, &rc, w.S);
        synth_render(c, &w, &ri);
        synth_finalize(c, w.S);
        snprintf(img, sizeof img, "images/%05ld.pgm", i);
        snprintf(path, sizeof path, "%s/%s", o.out, img);
        if (synth_write_pgm(path, w.bytes, w.S, w.S)) {
            snprintf(err, sizeof err, "%s: cannot write (%s)", path, strerror(errno));
            goto done;
        }
        for (f = 0; f < SYNTH_NF; f++) {
            char mpath[64];
            if (!c->present[f]) continue;
            any = 1;
            counts[f]++;
            snprintf(mpath, sizeof mpath, "masks/%05ld_%s.pgm", i, synth_finding_names[f]);
            if (o.masks) {
                memset(u, 0, (size_t)w.S * w.S);
                for (k = 0; k < c->n_inst; k++)
                    if (c->inst[k].kind == f) {
                        long q;
                        for (q = 0; q < (long)w.S * w.S; q++) u[q] |= c->inst[k].mask[q];
                    }
                snprintf(path, sizeof path, "%s/%s", o.out, mpath);
                if (synth_write_pgm(path, u, w.S, w.S)) {
                    snprintf(err, sizeof err, "%s: cannot write (%s)", path, strerror(errno));
                    goto done;
                }
            }
            for (k = 0; k < c->n_inst; k++) {
                const synth_inst *in = &c->inst[k];
                char detail[64];
                if (in->kind != f) continue;
                if (f == SYNTH_NOD) snprintf(detail, sizeof detail, "diameter_mm=%.0f%s", (double)in->mm, in->calcified ? ";calcified" : "");
                else if (f == SYNTH_CARDIO) snprintf(detail, sizeof detail, "ctr=%.2f", (double)c->ctr);
                else snprintf(detail, sizeof detail, "severity=%s", synth_sev_word(in->sev, f));
                fprintf(ff, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%.5f\t%s\t%s\n", img, synth_finding_names[f], synth_side_names[in->side],
                        synth_zone_names[in->zone], in->x0, in->y0, in->x1, in->y1, (double)in->area / ((double)w.S * w.S),
                        o.masks ? mpath : "", detail);
            }
        }
        if (!any) counts[SYNTH_NF]++;
        fprintf(fl, "%s", img);
        for (f = 0; f < SYNTH_NF; f++) fprintf(fl, "\t%d", c->present[f]);
        fprintf(fl, "\n");
        if (o.reports) {
            snprintf(report, cap_report, "%s", rows.rows[i].text);
            fprintf(fs, "%s\t%s\t%s\n", img, rows.rows[i].id ? rows.rows[i].id : "", rows.rows[i].labels);
        } else synth_report(c, &rt, o.variety, report, cap_report);
        synth_write_row(fp, img, report, c);
        if (ftr) synth_write_row(is_train[i] ? ftr : fte, img, report, c);
    }
    status = 0;
done:
    if (fp && fclose(fp) && !status) status = 1, snprintf(err, sizeof err, "%s/pairs.tsv: write failed", o.out);
    if (ff && fclose(ff) && !status) status = 1, snprintf(err, sizeof err, "%s/findings.tsv: write failed", o.out);
    if (fl && fclose(fl) && !status) status = 1, snprintf(err, sizeof err, "%s/labels.tsv: write failed", o.out);
    if (fpr && fclose(fpr) && !status) status = 1, snprintf(err, sizeof err, "%s/prompts.tsv: write failed", o.out);
    if (ftr && fclose(ftr) && !status) status = 1, snprintf(err, sizeof err, "%s/train.tsv: write failed", o.out);
    if (fte && fclose(fte) && !status) status = 1, snprintf(err, sizeof err, "%s/test.tsv: write failed", o.out);
    if (fs && fclose(fs) && !status) status = 1, snprintf(err, sizeof err, "%s/source.tsv: write failed", o.out);
    if (status) fprintf(stderr, "mlip synth: %s\n", err);
    else if (!o.quiet) {
        double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
        printf("synth: %ld images of %d px in %s (%.2f s CPU, %.0f images/s)%s\n", n, o.size, o.out, sec,
               sec > 0 ? (double)n / sec : 0.0, o.reports ? " with real report text" : "");
        printf("  positives:");
        for (k = 0; k < SYNTH_NF; k++) printf(" %s %ld", synth_finding_names[k], counts[k]);
        printf(", normal %ld", counts[SYNTH_NF]);
        if (o.split >= 0) printf("; train %ld, test %ld", ntrain, n - ntrain);
        printf("\n");
        if (o.reports) printf("  %ld of %ld rows used; %ld had no drawable label (drawn normal)\n", n, rows.n, nmapped_none);
    }
    free(w.img), free(w.mark), free(w.masks), free(w.bytes), free(u), free(c), free(report), free(is_train);
    synth_rows_free(&rows);
    return status;
}

#endif /* MLIP_SYNTH_H */
