/* bench_gemm: mlip_sgemm against OpenBLAS, side by side in one run.

   OpenBLAS is found at run time with dlopen (libopenblas.so.0, then libblas.so.3): it is
   never a build dependency. For every case and thread count both libraries multiply the same
   random matrices in alternating blocks of runs, and each reports the median of its runs.
   The BLAS runs happen in a short-lived child process: OpenBLAS's idle worker threads keep
   spinning long after a call (we measured one at ~50 % of a core a second later), which would
   steal a core from whatever runs next; a child that exits takes them away.
   Output, one line per case:
       gemm M N K threads mlip_gflops openblas_gflops ratio
   ratio = mlip / openblas (> 1 means mlip is faster); n/a when no BLAS was found.

   usage: bench_gemm [--reps N] [--threads LIST] [M N K ...]   (LIST like 1,2) */
#define _POSIX_C_SOURCE 200809L
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef void (*cblas_sgemm_fn)(int order, int ta, int tb, int M, int N, int K, float alpha,
                               const float *A, int lda, const float *B, int ldb, float beta,
                               float *C, int ldc);
typedef void (*f77_sgemm_fn)(const char *ta, const char *tb, const int *M, const int *N,
                             const int *K, const float *alpha, const float *A, const int *lda,
                             const float *B, const int *ldb, const float *beta, float *C,
                             const int *ldc);
typedef void (*set_threads_fn)(int);
typedef char *(*get_config_fn)(void);

static cblas_sgemm_fn blas_cblas;
static f77_sgemm_fn blas_f77;
static set_threads_fn blas_set_threads;

#define MAX_REPS 64

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Row-major C = A . B through BLAS: CBLAS when exported, else the Fortran symbol on the
   transposed (column-major) problem C^T = B^T A^T. */
static void blas_gemm(int M, int N, int K, const float *A, const float *B, float *C) {
    if (blas_cblas) {
        blas_cblas(101 /* row major */, 111, 111, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
    } else {
        float one = 1.0f, zero = 0.0f;
        blas_f77("N", "N", &N, &M, &K, &one, B, &N, A, &K, &zero, C, &N);
    }
}

/* Load the first BLAS found; describe it into `desc`. Returns 0 when there is none. */
static int load_blas(char *desc, size_t desc_size) {
    const char *names[] = {"libopenblas.so.0", "libblas.so.3"};
    unsigned i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        get_config_fn get_config;
        if (!h) continue;
        blas_cblas = (cblas_sgemm_fn)(uintptr_t)dlsym(h, "cblas_sgemm");
        blas_f77 = (f77_sgemm_fn)(uintptr_t)dlsym(h, "sgemm_");
        blas_set_threads = (set_threads_fn)(uintptr_t)dlsym(h, "openblas_set_num_threads");
        get_config = (get_config_fn)(uintptr_t)dlsym(h, "openblas_get_config");
        if (!blas_cblas && !blas_f77) continue;
        snprintf(desc, desc_size, "%s config %s", names[i],
                 get_config ? get_config() : "(no openblas_get_config)");
        return 1;
    }
    snprintf(desc, desc_size, "n/a");
    return 0;
}

static void fill_random(float *x, size_t n, uint64_t seed) {
    mlip_rng rng;
    size_t i;
    mlip_rng_seed(&rng, seed, 0);
    for (i = 0; i < n; i++) x[i] = mlip_rng_uniform(&rng) - 0.5f;
}

/* In a child process: load BLAS and time `reps` products (after one warm-up), or, with
   M == 0, only describe the library. Results come back through a pipe. Returns the number
   of timings (0 when no BLAS). */
static int blas_block(int M, int N, int K, int threads, int reps, double *seconds, char *desc,
                      size_t desc_size) {
    int fd[2], got = 0, status;
    pid_t pid;
    if (pipe(fd)) return 0;
    pid = fork();
    if (pid < 0) return 0;
    if (pid == 0) {
        char text[512];
        double t[MAX_REPS];
        int n = 0, r, ok = load_blas(text, sizeof text);
        if (ok && M > 0) {
            float *A = (float *)malloc(sizeof(float) * (size_t)M * K);
            float *B = (float *)malloc(sizeof(float) * (size_t)K * N);
            float *C = (float *)malloc(sizeof(float) * (size_t)M * N);
            if (A && B && C) {
                fill_random(A, (size_t)M * K, 1);
                fill_random(B, (size_t)K * N, 2);
                if (blas_set_threads) blas_set_threads(threads);
                blas_gemm(M, N, K, A, B, C);
                for (r = 0; r < reps; r++) {
                    double t0 = now_seconds();
                    blas_gemm(M, N, K, A, B, C);
                    t[n++] = now_seconds() - t0;
                }
            }
        }
        if (write(fd[1], &n, sizeof n) < 0 || write(fd[1], t, sizeof(double) * (size_t)n) < 0 ||
            write(fd[1], text, sizeof text) < 0)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    {
        char text[512];
        FILE *f = fdopen(fd[0], "rb");
        if (f && fread(&got, sizeof got, 1, f) == 1 && got >= 0 && got <= MAX_REPS &&
            fread(seconds, sizeof(double), (size_t)got, f) == (size_t)got &&
            fread(text, sizeof text, 1, f) == 1) {
            text[sizeof text - 1] = 0;
            if (desc) snprintf(desc, desc_size, "%s", text);
        } else {
            got = 0;
        }
        if (f) fclose(f);
    }
    waitpid(pid, &status, 0);
    return got;
}

static double median(double *x, int n) {
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return x[n / 2];
}

int main(int argc, char **argv) {
    static const int default_cases[][3] = {{1576, 768, 768},
                                           {1576, 3072, 768},
                                           {1576, 768, 3072},
                                           {197, 2304, 768},
                                           {1024, 1024, 1024}};
    int cases[64][3], n_cases = 0, thread_list[8] = {1, 2}, n_thread_list = 2, reps = 9;
    int argi, c, have_blas;
    char desc[512];
    for (argi = 1; argi < argc; argi++) {
        if (!strcmp(argv[argi], "--reps") && argi + 1 < argc) {
            reps = atoi(argv[++argi]);
            if (reps < 3) reps = 3;
            if (reps > MAX_REPS) reps = MAX_REPS;
        } else if (!strcmp(argv[argi], "--threads") && argi + 1 < argc) {
            char *p = argv[++argi];
            n_thread_list = 0;
            while (*p && n_thread_list < 8) {
                thread_list[n_thread_list++] = (int)strtol(p, &p, 10);
                if (*p == ',') p++;
            }
        } else if (argi + 2 < argc && n_cases < 64) {
            cases[n_cases][0] = atoi(argv[argi]);
            cases[n_cases][1] = atoi(argv[argi + 1]);
            cases[n_cases][2] = atoi(argv[argi + 2]);
            n_cases++;
            argi += 2;
        } else {
            fprintf(stderr, "usage: bench_gemm [--reps N] [--threads 1,2] [M N K ...]\n");
            return 2;
        }
    }
    if (n_cases == 0) {
        n_cases = (int)(sizeof default_cases / sizeof default_cases[0]);
        memcpy(cases, default_cases, sizeof default_cases);
    }
    blas_block(0, 0, 0, 1, 0, NULL, desc, sizeof desc);
    have_blas = strcmp(desc, "n/a") != 0;
    printf("library %s mlip_kernel %s\n", desc, mlip_gemm_kernel_name());
    printf("# gemm M N K threads mlip_gflops openblas_gflops ratio (median of %d runs each)\n",
           reps);
    for (c = 0; c < n_cases; c++) {
        int M = cases[c][0], N = cases[c][1], K = cases[c][2], ti;
        float *A = (float *)malloc(sizeof(float) * (size_t)M * K);
        float *B = (float *)malloc(sizeof(float) * (size_t)K * N);
        float *C = (float *)malloc(sizeof(float) * (size_t)M * N);
        double flops = 2.0 * M * N * K;
        if (!A || !B || !C || M < 1 || N < 1 || K < 1) {
            fprintf(stderr, "bad case %d %d %d\n", M, N, K);
            return 1;
        }
        fill_random(A, (size_t)M * K, 1);
        fill_random(B, (size_t)K * N, 2);
        for (ti = 0; ti < n_thread_list; ti++) {
            int threads = thread_list[ti], round, n_mlip = 0, n_blas = 0;
            double t_mlip[MAX_REPS], t_blas[MAX_REPS];
            if (mlip_set_num_threads(threads) != MLIP_OK) {
                fprintf(stderr, "%s\n", mlip_last_error());
                return 1;
            }
            /* three alternating rounds, each a block of runs per library */
            for (round = 0; round < 3; round++) {
                int r, block = (reps + 2 - round) / 3;
                mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
                for (r = 0; r < block; r++) {
                    double t0 = now_seconds();
                    mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
                    t_mlip[n_mlip++] = now_seconds() - t0;
                }
                if (have_blas)
                    n_blas += blas_block(M, N, K, threads, block, t_blas + n_blas, NULL, 0);
            }
            if (n_blas > 0) {
                double gm = flops / median(t_mlip, n_mlip) * 1e-9;
                double gb = flops / median(t_blas, n_blas) * 1e-9;
                printf("gemm %d %d %d %d %.1f %.1f %.3f\n", M, N, K, threads, gm, gb, gm / gb);
            } else {
                printf("gemm %d %d %d %d %.1f n/a n/a\n", M, N, K, threads,
                       flops / median(t_mlip, n_mlip) * 1e-9);
            }
            fflush(stdout);
        }
        free(A);
        free(B);
        free(C);
    }
    mlip_shutdown();
    return 0;
}
