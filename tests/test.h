/* The test runner's small framework: cases grouped in suites, checks that record a failure
   and carry on, a finite-difference gradient checker, random fills. Every test file is
   #included into runner.c, so all of this is static. */
#ifndef MLIP_TEST_H
#define MLIP_TEST_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mt_case {
    const char *name;
    void (*fn)(void);
} mt_case;

static int mt_failures; /* checks failed in the running case */
static const char *mt_skip_reason;

static void mt_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    if (mt_failures < 5) { /* the first few tell the story */
        fprintf(stdout, "    %s:%d: ", file, line);
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
    }
    mt_failures++;
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) mt_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond);                       \
    } while (0)
#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) mt_fail(__FILE__, __LINE__, __VA_ARGS__);                                     \
    } while (0)
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        mlip_status st_ = (expr);                                                                  \
        if (st_ != MLIP_OK)                                                                        \
            mt_fail(__FILE__, __LINE__, "%s returned %s: %s", #expr, mlip_status_string(st_),      \
                    mlip_last_error());                                                            \
    } while (0)
/* A call that must fail with `want` and leave a message in mlip_last_error(). */
#define CHECK_FAILS(expr, want)                                                                    \
    do {                                                                                           \
        mlip_status st_ = (expr);                                                                  \
        if (st_ != (want))                                                                         \
            mt_fail(__FILE__, __LINE__, "%s returned %s, expected %s", #expr,                      \
                    mlip_status_string(st_), mlip_status_string(want));                            \
        else if (!mlip_last_error()[0])                                                            \
            mt_fail(__FILE__, __LINE__, "%s failed without a message", #expr);                     \
    } while (0)
#define SKIP(reason)                                                                               \
    do {                                                                                           \
        mt_skip_reason = (reason);                                                                 \
        return;                                                                                    \
    } while (0)

static void mt_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t seed) {
    mlip_rng rng;
    size_t i;
    mlip_rng_seed(&rng, seed, 7);
    for (i = 0; i < n; i++) x[i] = lo + (hi - lo) * mlip_rng_uniform(&rng);
}

#ifdef MLIP_NO_THREADS
static void mt_serial_scheduler(void *sched, int n_tasks, mlip_task_fn fn, void *arg) {
    int t;
    (void)sched;
    for (t = 0; t < n_tasks; t++) fn(arg, t, n_tasks);
}
#endif
/* Run the library with n threads. A build without the pool (MLIP_NO_THREADS) gets a serial
   scheduler that claims n threads, so the work splitting is still exercised. */
static void mt_set_threads(int n) {
#ifdef MLIP_NO_THREADS
    CHECK_OK(mlip_set_scheduler(n > 1 ? mt_serial_scheduler : NULL, NULL, n));
#else
    CHECK_OK(mlip_set_num_threads(n));
#endif
}

static float *mt_alloc(size_t n) { /* zeroed; the runner aborts on OOM */
    float *p = (float *)calloc(n ? n : 1, sizeof(float));
    if (!p) {
        fprintf(stdout, "test runner: out of memory\n");
        exit(2);
    }
    return p;
}

/* max |a - b| / (max |b| + tiny) over n elements */
static double mt_max_rel_diff(const float *a, const float *b, size_t n) {
    double md = 0, mb = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > md || d != d) md = d != d ? INFINITY : d;
        if (fabs((double)b[i]) > mb) mb = fabs((double)b[i]);
    }
    return md / (mb + 1e-30);
}

/* ---- Finite differences. A gradient check needs: the forward as a function that recomputes
   `out` from the current inputs, the projection weights w (the scalar loss is sum out * w, so
   dout = w), and the analytic gradient of one input buffer. Central differences in double
   accumulation; a random subset of at most `max_probe` elements is probed. ---- */
typedef void (*mt_forward_fn)(void *ctx);

static double mt_loss(mt_forward_fn fwd, void *ctx, const float *out, const float *w,
                      size_t n_out) {
    size_t i;
    double L = 0;
    fwd(ctx);
    for (i = 0; i < n_out; i++) L += (double)out[i] * w[i];
    return L;
}

/* Returns the normalised error ||g_fd - g|| / ||g_fd|| over the probed elements and checks it
   against tol. */
static double mt_check_grad(const char *what, float *param, size_t n, const float *grad,
                            mt_forward_fn fwd, void *ctx, const float *out, const float *w,
                            size_t n_out, float h, double tol, int max_probe) {
    double num = 0, den = 0;
    mlip_rng rng;
    int probe, count = max_probe < (int)n ? max_probe : (int)n;
    mlip_rng_seed(&rng, 99, 1);
    for (probe = 0; probe < count; probe++) {
        size_t i = count == (int)n ? (size_t)probe : (size_t)mlip_rng_below(&rng, (uint32_t)n);
        float saved = param[i];
        double lp, lm, fd;
        param[i] = saved + h;
        lp = mt_loss(fwd, ctx, out, w, n_out);
        param[i] = saved - h;
        lm = mt_loss(fwd, ctx, out, w, n_out);
        param[i] = saved;
        fd = (lp - lm) / (2.0 * h);
        num += (fd - grad[i]) * (fd - grad[i]);
        den += fd * fd;
    }
    fwd(ctx); /* leave outputs consistent with the unperturbed inputs */
    {
        double err = sqrt(num) / (sqrt(den) + 1e-12);
        CHECK_MSG(err <= tol && den > 0, "gradient of %s: normalised error %.3g > %.3g (|g| %.3g)",
                  what, err, tol, sqrt(den));
        return err;
    }
}

#endif
