/* Section 1, Platform: errors, checked sizes, allocation, RNG, threads. */

static void test_status_and_errors(void) {
    CHECK(strcmp(mlip_status_string(MLIP_OK), "MLIP_OK") == 0);
    CHECK(strcmp(mlip_status_string(MLIP_ERR_OVERFLOW), "MLIP_ERR_OVERFLOW") == 0);
    CHECK(strcmp(mlip_version(), MLIP_VERSION_STRING) == 0);
    /* a failing call leaves a message naming the function and the argument */
    CHECK_FAILS(mlip_linear_forward(NULL, NULL, NULL, NULL, 1, 1, 1), MLIP_ERR_INVALID_ARG);
    CHECK(strstr(mlip_last_error(), "mlip_linear_forward") != NULL);
    CHECK(strstr(mlip_last_error(), "out") != NULL);
}

static void test_checked_sizes(void) {
    size_t r = 12345;
    CHECK_OK(mlip_size_mul(3, 5, &r));
    CHECK(r == 15);
    CHECK_OK(mlip_size_mul(0, (size_t)-1, &r));
    CHECK(r == 0);
    r = 7;
    CHECK_FAILS(mlip_size_mul((size_t)-1 / 2 + 1, 2, &r), MLIP_ERR_OVERFLOW);
    CHECK(r == 7); /* untouched on failure */
    CHECK_OK(mlip_size_add((size_t)-2, 1, &r));
    CHECK(r == (size_t)-1);
    CHECK_FAILS(mlip_size_add((size_t)-1, 1, &r), MLIP_ERR_OVERFLOW);
    CHECK(mlip_alloc_zeroed((size_t)-1 / 4, 8) == NULL);
    CHECK(strstr(mlip_last_error(), "overflow") != NULL);
    {
        volatile size_t huge =
            (size_t)-1 - 8; /* volatile: gcc -O3 would otherwise "prove" a 0-byte malloc */
        CHECK(mlip_alloc(huge) == NULL);
    }
}

static void test_alloc_alignment(void) {
    int i;
    for (i = 1; i < 200; i += 37) {
        unsigned char *p = (unsigned char *)mlip_alloc_zeroed((size_t)i, 3);
        int j, zero = 1;
        CHECK(p != NULL);
        if (!p) return;
        CHECK(((uintptr_t)p & 63) == 0);
        for (j = 0; j < 3 * i; j++) zero &= p[j] == 0;
        CHECK(zero);
        mlip_free(p);
    }
    mlip_free(NULL); /* allowed, like free(NULL) */
}

/* Allocation failure goes through the hooks and comes back as a status: static_tu.c builds the
   library with hooks that can be told to fail. */
int static_tu_selftest(void);
int static_tu_oom_test(void);

static void test_static_translation_unit(void) { CHECK(static_tu_selftest() == 1); }

static void test_out_of_memory_propagates(void) { CHECK(static_tu_oom_test() == 1); }

#ifdef MLIP_TEST_CXX
int cxx_tu_selftest(void);
static void test_cxx_translation_unit(void) { CHECK(cxx_tu_selftest() == 1); }
#endif

/* PCG32 must match the reference implementation of its author (pcg-random.org, pcg_basic):
   seeded with (42, 54) its demo prints these six numbers. */
static void test_rng_reference_stream(void) {
    static const uint32_t expected[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                         0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    mlip_rng rng;
    int i;
    mlip_rng_seed(&rng, 42u, 54u);
    for (i = 0; i < 6; i++) {
        uint32_t got = mlip_rng_u32(&rng);
        CHECK_MSG(got == expected[i], "pcg32 output %d: 0x%08x, reference 0x%08x", i, got,
                  expected[i]);
    }
}

static void test_rng_distributions(void) {
    mlip_rng rng;
    int i, n = 200000, perm[97], seen[97], counts[7] = {0};
    double sum = 0, sum2 = 0, usum = 0;
    mlip_rng_seed(&rng, 1234, 0);
    for (i = 0; i < n; i++) {
        float u = mlip_rng_uniform(&rng), z = mlip_rng_normal(&rng);
        uint32_t b = mlip_rng_below(&rng, 7);
        CHECK(u >= 0.0f && u < 1.0f);
        CHECK(b < 7);
        counts[b]++;
        usum += u;
        sum += z;
        sum2 += (double)z * z;
    }
    /* 5-sigma bounds: fail only if the generator is broken */
    CHECK_MSG(fabs(usum / n - 0.5) < 5 * 0.2887 / sqrt(n), "uniform mean %g", usum / n);
    CHECK_MSG(fabs(sum / n) < 5.0 / sqrt(n), "normal mean %g", sum / n);
    CHECK_MSG(fabs(sum2 / n - 1.0) < 5 * sqrt(2.0 / n), "normal variance %g", sum2 / n);
    for (i = 0; i < 7; i++)
        CHECK_MSG(fabs(counts[i] - n / 7.0) < 5 * sqrt(n / 7.0), "bucket %d: %d", i, counts[i]);
    mlip_rng_permutation(&rng, perm, 97);
    memset(seen, 0, sizeof seen);
    for (i = 0; i < 97; i++) {
        CHECK(perm[i] >= 0 && perm[i] < 97);
        if (perm[i] >= 0 && perm[i] < 97) seen[perm[i]]++;
    }
    for (i = 0; i < 97; i++) CHECK(seen[i] == 1);
    CHECK(mlip_rng_below(&rng, 0) == 0 && mlip_rng_below(&rng, 1) == 0);
}

static void test_rng_reproducible(void) {
    mlip_rng a, b, c;
    int i, differ = 0;
    mlip_rng_seed(&a, 7, 3);
    mlip_rng_seed(&b, 7, 3);
    mlip_rng_seed(&c, 7, 4); /* another stream */
    for (i = 0; i < 1000; i++) {
        uint32_t x = mlip_rng_u32(&a);
        CHECK(x == mlip_rng_u32(&b));
        differ += x != mlip_rng_u32(&c);
    }
    CHECK(differ > 990);
}

/* ---- threads ---- */

typedef struct task_log {
    int hits[64];
    int n_tasks_seen;
} task_log;

static void log_task(void *arg, int task, int n_tasks) {
    task_log *log = (task_log *)arg;
    log->hits[task]++; /* each task index is run exactly once, so no two threads share a slot */
    log->n_tasks_seen = n_tasks;
}

static void test_parallel_for_runs_each_task_once(void) {
    int threads, n, t;
#ifdef MLIP_NO_THREADS
    CHECK_FAILS(mlip_set_num_threads(2), MLIP_ERR_UNSUPPORTED); /* no pool: says so */
    CHECK_OK(mlip_set_num_threads(1));
#endif
    for (threads = 1; threads <= 4; threads++) {
        mt_set_threads(threads);
        CHECK(mlip_get_num_threads() == threads);
        for (n = 1; n <= 64; n += 7) {
            task_log log;
            memset(&log, 0, sizeof log);
            mlip_parallel_for(n, log_task, &log);
            for (t = 0; t < n; t++)
                CHECK_MSG(log.hits[t] == 1, "threads %d tasks %d: task %d ran %d times", threads, n,
                          t, log.hits[t]);
            for (; t < 64; t++) CHECK(log.hits[t] == 0);
            CHECK(log.n_tasks_seen == n);
        }
    }
    CHECK_FAILS(mlip_set_num_threads(0), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_set_num_threads(-3), MLIP_ERR_INVALID_ARG);
    CHECK(mlip_get_num_threads() == 4); /* a refused change leaves the pool alone */
    mt_set_threads(1);
    mlip_shutdown();
    CHECK(mlip_get_num_threads() == 1);
    mlip_shutdown(); /* twice is fine */
}

/* A caller's scheduler: runs tasks backwards on the calling thread and counts its calls. */
static int user_scheduler_calls;
static void backwards_scheduler(void *sched, int n_tasks, mlip_task_fn fn, void *arg) {
    int t;
    (*(int *)sched)++;
    for (t = n_tasks - 1; t >= 0; t--) fn(arg, t, n_tasks);
}

static void test_user_scheduler(void) {
    task_log log;
    int t;
    float A[64 * 64], B[64 * 64], C1[64 * 64], C2[64 * 64];
    int pool_threads = mlip_get_num_threads();
    user_scheduler_calls = 0;
    CHECK_FAILS(mlip_set_scheduler(backwards_scheduler, &user_scheduler_calls, 0),
                MLIP_ERR_INVALID_ARG);
    CHECK_OK(mlip_set_scheduler(backwards_scheduler, &user_scheduler_calls, 3));
    CHECK(mlip_get_num_threads() == 3);
    memset(&log, 0, sizeof log);
    mlip_parallel_for(10, log_task, &log);
    for (t = 0; t < 10; t++) CHECK(log.hits[t] == 1);
    CHECK(user_scheduler_calls == 1);
    /* GEMM splits its work through the same hook and still computes the right thing */
    mt_fill_uniform(A, 64 * 64, -1, 1, 1);
    mt_fill_uniform(B, 64 * 64, -1, 1, 2);
    CHECK_OK(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 64, 64, 64, 1, A, 64, B, 64, 0, C1, 64));
    CHECK(user_scheduler_calls == 2);
    CHECK_OK(mlip_set_scheduler(NULL, NULL, 0));
    CHECK(mlip_get_num_threads() == pool_threads); /* back to the built-in pool */
    CHECK_OK(
        mlip_sgemm_reference(MLIP_NO_TRANS, MLIP_NO_TRANS, 64, 64, 64, 1, A, 64, B, 64, 0, C2, 64));
    CHECK(mt_max_rel_diff(C1, C2, 64 * 64) < 1e-5);
}

/* No code left dead by a build switch: a function's top-level `return` as the last line of an
   #if/#ifdef block, with more of the function after the #endif, compiles that rest into a
   function that can never run it in one configuration (MLIP_NO_WEIGHT_CHECK's weight scan
   did). Put the rest under #else (or the whole body under #ifndef) instead. Reads mlip.h's
   source, from the repository root where the suite runs. */
static void test_no_code_after_configured_return(void) {
    char line[4096], last[4096] = "";
    int in_if = 0, pending = 0, no = 0;
    FILE *f = fopen("mlip.h", "r");
    if (!f) SKIP("needs mlip.h in the working directory");
    while (fgets(line, sizeof line, f)) {
        no++;
        if (!strncmp(line, "#if", 3) || !strncmp(line, "#el", 3)) {
            in_if = 1;
            last[0] = 0;
        } else if (!strncmp(line, "#endif", 6)) {
            if (in_if && !strncmp(last, "    return ", 11)) pending = no;
            in_if = 0;
            last[0] = 0;
        } else if (strspn(line, " \t\r\n") < strlen(line)) {
            CHECK_MSG(!pending || line[0] == '}',
                      "mlip.h:%d: the function goes on after a return that ends the #if block "
                      "closed at line %d",
                      no, pending);
            pending = 0;
            strcpy(last, line);
        }
    }
    fclose(f);
}

static const mt_case platform_tests[] = {
    {"status_and_errors", test_status_and_errors},
    {"checked_sizes", test_checked_sizes},
    {"alloc_alignment", test_alloc_alignment},
    {"static_translation_unit", test_static_translation_unit},
    {"out_of_memory_propagates", test_out_of_memory_propagates},
#ifdef MLIP_TEST_CXX
    {"cxx_translation_unit", test_cxx_translation_unit},
#endif
    {"rng_reference_stream", test_rng_reference_stream},
    {"rng_distributions", test_rng_distributions},
    {"rng_reproducible", test_rng_reproducible},
    {"parallel_for_runs_each_task_once", test_parallel_for_runs_each_task_once},
    {"user_scheduler", test_user_scheduler},
    {"no_code_after_configured_return", test_no_code_after_configured_return},
    {NULL, NULL}};
