/* mlip: the command-line tool. Thin: parse arguments, call the library, print.
   Subcommands grow with the library; each has --help. */
#define _POSIX_C_SOURCE 200809L
#define MLIP_IMPLEMENTATION
#include "../mlip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int has_help(int argc, char **argv) {
    int i;
    for (i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

static int cmd_version(int argc, char **argv) {
    if (has_help(argc, argv)) {
        printf("usage: mlip version\n  Print the library version and the GEMM kernels this CPU runs.\n");
        return 0;
    }
    {
        const char *names[8];
        int n = mlip_gemm_kernel_list(names, 8), i;
        printf("mlip.h %s\ngemm kernel: %s (available:", mlip_version(), mlip_gemm_kernel_name());
        for (i = 0; i < n && i < 8; i++) printf(" %s", names[i]);
        printf(")\n");
    }
    return 0;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmd_bench(int argc, char **argv) {
    int M = 1024, N = 1024, K = 1024, threads = 1, reps = 5, i, r;
    const char *kernel = NULL;
    float *A, *B, *C;
    double best = 1e30;
    mlip_rng rng;
    if (has_help(argc, argv)) {
        printf("usage: mlip bench [--threads T] [--kernel NAME] [--reps R] [M N K]\n"
               "  Time C = A.B (default 1024^3) and print GFLOPS (best of R runs).\n"
               "  For a side-by-side comparison with OpenBLAS use tools/bench_gemm (make bench).\n");
        return 0;
    }
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) kernel = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (i + 2 < argc) {
            M = atoi(argv[i]), N = atoi(argv[i + 1]), K = atoi(argv[i + 2]);
            i += 2;
        } else {
            fprintf(stderr, "mlip bench: unexpected argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (M < 1 || N < 1 || K < 1 || reps < 1) {
        fprintf(stderr, "mlip bench: sizes and --reps must be positive\n");
        return 2;
    }
    if (mlip_set_num_threads(threads) || (kernel && mlip_gemm_set_kernel(kernel))) {
        fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
        return 1;
    }
    A = (float *)mlip_alloc_zeroed((size_t)M * K, sizeof(float));
    B = (float *)mlip_alloc_zeroed((size_t)K * N, sizeof(float));
    C = (float *)mlip_alloc_zeroed((size_t)M * N, sizeof(float));
    if (!A || !B || !C) {
        fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
        return 1;
    }
    mlip_rng_seed(&rng, 1, 0);
    for (i = 0; i < M * K; i++) A[i] = mlip_rng_uniform(&rng) - 0.5f;
    for (i = 0; i < K * N; i++) B[i] = mlip_rng_uniform(&rng) - 0.5f;
    for (r = 0; r <= reps; r++) { /* run 0 warms up */
        double t0 = now_seconds(), t;
        if (mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N)) {
            fprintf(stderr, "mlip bench: %s\n", mlip_last_error());
            return 1;
        }
        t = now_seconds() - t0;
        if (r > 0 && t < best) best = t;
    }
    printf("sgemm %dx%dx%d kernel %s threads %d: %.1f GFLOPS (%.2f ms)\n", M, N, K,
           mlip_gemm_kernel_name(), threads, 2.0 * M * N * K / best * 1e-9, best * 1e3);
    mlip_free(A), mlip_free(B), mlip_free(C);
    mlip_shutdown();
    return 0;
}

/* Raw little-endian float32 whatever the host's byte order; converted in blocks. */
static int write_f32le(FILE *f, const float *x, size_t n) {
    unsigned char b[4096];
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        b[k++] = (unsigned char)u, b[k++] = (unsigned char)(u >> 8);
        b[k++] = (unsigned char)(u >> 16), b[k++] = (unsigned char)(u >> 24);
        if (k == sizeof b || i + 1 == n) {
            if (fwrite(b, 1, k, f) != k) return 0;
            k = 0;
        }
    }
    return 1;
}

static int cmd_decode(int argc, char **argv) {
    const char *in = NULL, *outp = NULL;
    mlip_image_options opt;
    mlip_image im;
    FILE *f;
    int i;
    if (has_help(argc, argv)) {
        printf("usage: mlip decode FILE --out OUT.f32 [--frame N]\n"
               "  Decode a PGM/PPM, PNG or DICOM file (format from its magic bytes) and write\n"
               "  its pixels as raw little-endian float32: channels planar (C,H,W), rows\n"
               "  row-major. DICOM values are after Rescale Slope/Intercept, before any\n"
               "  windowing; --frame picks a frame of a multi-frame file (default 0).\n"
               "  Prints details, then WIDTHxHEIGHT as the last line.\n");
        return 0;
    }
    memset(&opt, 0, sizeof opt);
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc) outp = argv[++i];
        else if (!strcmp(argv[i], "--frame") && i + 1 < argc) opt.frame = atoi(argv[++i]);
        else if (!in && argv[i][0] != '-') in = argv[i];
        else {
            fprintf(stderr, "mlip decode: unexpected argument '%s' (see --help)\n", argv[i]);
            return 2;
        }
    }
    if (!in || !outp) {
        fprintf(stderr, "mlip decode: need FILE and --out OUT.f32 (see --help)\n");
        return 2;
    }
    if (mlip_image_read_file(in, &opt, &im)) {
        fprintf(stderr, "mlip decode: %s: %s\n", in, mlip_last_error());
        return 1;
    }
    f = fopen(outp, "wb");
    if (!f || !write_f32le(f, im.pixels, (size_t)im.width * im.height * im.channels) || fclose(f)) {
        fprintf(stderr, "mlip decode: cannot write %s\n", outp);
        mlip_image_free(&im);
        return 1;
    }
    printf("%s: %s, %d channel%s, %d bits, frame %d of %d%s%s\n", in,
           im.format == MLIP_IMAGE_PNG ? "PNG" : im.format == MLIP_IMAGE_DICOM ? "DICOM" : "PNM",
           im.channels, im.channels == 1 ? "" : "s", im.bits, im.frame, im.frames,
           im.transfer_syntax[0] ? ", transfer syntax " : "", im.transfer_syntax);
    printf("%dx%d\n", im.width, im.height);
    mlip_image_free(&im);
    return 0;
}

static void usage(FILE *f) {
    fprintf(f, "usage: mlip <command> [options]   (mlip <command> --help for details)\n"
               "commands:\n"
               "  version   library version and GEMM kernels\n"
               "  bench     time the GEMM on this machine\n"
               "  decode    decode a PGM/PPM, PNG or DICOM image to raw float32\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "version")) return cmd_version(argc - 2, argv + 2);
    if (!strcmp(argv[1], "bench")) return cmd_bench(argc - 2, argv + 2);
    if (!strcmp(argv[1], "decode")) return cmd_decode(argc - 2, argv + 2);
    fprintf(stderr, "mlip: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
