/* The test runner: every test file is included here, one suite per section of mlip.h.
   usage: runner [--threads N] [--expect-kernel NAME] [--skip PART]... [FILTER]
     FILTER           run only cases whose "suite/name" contains it
     --skip PART      leave out cases whose "suite/name" contains PART (repeatable; the slow
                      cases under valgrind)
     --expect-kernel  fail unless the GEMM kernel chosen here is NAME (a cross-architecture
                      run must prove its SIMD path really executed)
   The last line is always "N passed, M failed"; the exit status is non-zero on any failure. */
#define _POSIX_C_SOURCE 200809L
#define MLIP_IMPLEMENTATION
#include "../mlip.h"
#include "test.h"

#include <time.h>

#include "test_platform.c"
#include "test_gemm.c"
#include "test_kernels.c"
#include "fixture.h"
#include "test_encoders.c"
#include "test_tokenizer.c"
#include "test_tokenizer_bpe.c"
#include "test_image.c"
#include "test_format.c"
#include "test_torch.c"
#include "test_real.c"
#include "test_train.c"
#include "test_dataset.c"
#include "test_downstream.c"
#include "test_reliability.c"
#include "test_synth.c"

typedef struct mt_suite {
    const char *name;
    const mt_case *cases;
} mt_suite;

static const mt_suite suites[] = {
    {"platform", platform_tests},
    {"gemm", gemm_tests},
    {"kernels", kernel_tests},
    {"encoders", encoder_tests},
    {"tokenizer", tokenizer_tests},
    {"image", image_tests},
    {"format", format_tests},
    {"torch", torch_tests},
    {"real", real_tests},
    {"train", train_tests},
    {"dataset", dataset_cases},
    {"downstream", downstream_cases},
    {"reliability", reliability_tests},
    {"synth", synth_cases},
    {"bpe", bpe_tests},
};

static double mt_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    const char *filter = NULL, *expect_kernel = NULL, *names[8], *skip[16];
    int passed = 0, failed = 0, skipped = 0, threads = 1, s, i, n_kernels, n_skip = 0, k;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--expect-kernel") && i + 1 < argc)
            expect_kernel = argv[++i];
        else if (!strcmp(argv[i], "--skip") && i + 1 < argc && n_skip < 16)
            skip[n_skip++] = argv[++i];
        else
            filter = argv[i];
    }
    n_kernels = mlip_gemm_kernel_list(names, 8);
    printf("mlip.h %s tests: gemm kernel %s (runs here:", mlip_version(), mlip_gemm_kernel_name());
    for (i = 0; i < n_kernels && i < 8; i++) printf(" %s", names[i]);
    printf("), threads %d\n", threads);
    if (expect_kernel) {
        if (strcmp(expect_kernel, mlip_gemm_kernel_name())) {
            printf("FAIL expected GEMM kernel %s, but %s runs here\n", expect_kernel,
                   mlip_gemm_kernel_name());
            failed++;
        } else {
            printf("ok   GEMM kernel is %s as expected\n", expect_kernel);
            passed++;
        }
    }
    for (s = 0; s < (int)(sizeof suites / sizeof suites[0]); s++) {
        const mt_case *c;
        for (c = suites[s].cases; c->name; c++) {
            char full[128];
            double t0;
            snprintf(full, sizeof full, "%s/%s", suites[s].name, c->name);
            if (filter && !strstr(full, filter)) continue;
            for (k = 0; k < n_skip && !strstr(full, skip[k]); k++) {}
            if (k < n_skip) continue;
            if (mlip_set_num_threads(threads) != MLIP_OK) {
                printf("cannot set %d threads: %s\n", threads, mlip_last_error());
                return 2;
            }
            mt_failures = 0;
            mt_skip_reason = NULL;
            t0 = mt_now();
            c->fn();
            if (mt_failures) {
                printf("FAIL %s (%d checks failed)\n", full, mt_failures);
                failed++;
            } else if (mt_skip_reason) {
                printf("SKIP %s: %s\n", full, mt_skip_reason);
                skipped++;
            } else {
                printf("ok   %s (%.0f ms)\n", full, 1e3 * (mt_now() - t0));
                passed++;
            }
            fflush(stdout);
        }
    }
    mlip_shutdown();
    if (skipped) printf("%d skipped\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
