/* Section 3, GEMM: every micro-kernel this CPU can run against the naive reference, on odd
   shapes, all transposes, alpha/beta, strided operands, 1-3 threads; bad arguments. */

static void test_gemm_reference_by_hand(void) {
    /* [1 2; 3 4] . [5 6; 7 8] = [19 22; 43 50], worked out by hand */
    float A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8}, C[4] = {0};
    CHECK_OK(mlip_sgemm_reference(MLIP_NO_TRANS, MLIP_NO_TRANS, 2, 2, 2, 1, A, 2, B, 2, 0, C, 2));
    CHECK(C[0] == 19 && C[1] == 22 && C[2] == 43 && C[3] == 50);
    CHECK_OK(mlip_sgemm_reference(MLIP_TRANS, MLIP_TRANS, 2, 2, 2, 1, A, 2, B, 2, 0, C, 2));
    CHECK(C[0] == 23 && C[1] == 31 && C[2] == 34 && C[3] == 46); /* A^T B^T = (B A)^T */
}

/* One product on every available kernel and thread count, compared with the reference.
   Operands live in bigger buffers (leading dimensions pad+width) and C's padding must stay
   untouched. Tolerance: float rounding over K terms, relative to sum_k |a||b|. */
static void gemm_case(int ta, int tb, int M, int N, int K, float alpha, float beta, int pad) {
    const char *names[8];
    int nk = mlip_gemm_kernel_list(names, 8), ki, threads;
    int lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
    size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb, nc = (size_t)M * ldc;
    float *A = mt_alloc(na + 1), *B = mt_alloc(nb + 1), *C0 = mt_alloc(nc + 1),
          *C = mt_alloc(nc + 1);
    float *R = mt_alloc(nc + 1), *absA = mt_alloc(na + 1), *absB = mt_alloc(nb + 1),
          *bound = mt_alloc(nc + 1);
    size_t i;
    mt_fill_uniform(A, na, -1, 1, (uint64_t)(M * 131 + N * 7 + K));
    mt_fill_uniform(B, nb, -1, 1, (uint64_t)(M + N * 17 + K * 3));
    mt_fill_uniform(C0, nc, -1, 1, 5);
    for (i = 0; i < na; i++) absA[i] = fabsf(A[i]);
    for (i = 0; i < nb; i++) absB[i] = fabsf(B[i]);
    memcpy(R, C0, sizeof(float) * nc);
    CHECK_OK(mlip_sgemm_reference((mlip_transpose)ta, (mlip_transpose)tb, M, N, K, alpha, A, lda, B,
                                  ldb, beta, R, ldc));
    CHECK_OK(mlip_sgemm_reference((mlip_transpose)ta, (mlip_transpose)tb, M, N, K, 1, absA, lda,
                                  absB, ldb, 0, bound, ldc));
    for (ki = 0; ki < nk; ki++) {
        CHECK_OK(mlip_gemm_set_kernel(names[ki]));
        for (threads = 1; threads <= 3; threads++) {
            double worst = 0;
            size_t bad = (size_t)-1;
            int r, c;
            mt_set_threads(threads);
            memcpy(C, C0, sizeof(float) * nc);
            if (beta == 0.0f) /* beta == 0 must not read C: poison it */
                for (r = 0; r < M; r++)
                    for (c = 0; c < N; c++) C[(size_t)r * ldc + c] = NAN;
            CHECK_OK(mlip_sgemm((mlip_transpose)ta, (mlip_transpose)tb, M, N, K, alpha, A, lda, B,
                                ldb, beta, C, ldc));
            for (r = 0; r < M; r++)
                for (c = 0; c < ldc; c++) {
                    size_t idx = (size_t)r * ldc + c;
                    if (c >= N) { /* padding */
                        if (memcmp(&C[idx], &C0[idx], sizeof(float))) bad = idx;
                        continue;
                    }
                    {
                        double tol =
                            4e-7 * (K + 2) * (fabs(alpha) * bound[idx] + fabs(beta * C0[idx])) +
                            1e-30;
                        double err = fabs((double)C[idx] - R[idx]);
                        if (!(err <= tol)) bad = idx;
                        if (err / tol > worst) worst = err / tol;
                    }
                }
            CHECK_MSG(bad == (size_t)-1,
                      "kernel %s threads %d: ta=%d tb=%d M=%d N=%d K=%d alpha=%g beta=%g pad=%d: "
                      "element %lu differs (%g vs %g)",
                      names[ki], threads, ta, tb, M, N, K, alpha, beta, pad, (unsigned long)bad,
                      bad == (size_t)-1 ? 0.0 : C[bad], bad == (size_t)-1 ? 0.0 : R[bad]);
        }
    }
    CHECK_OK(mlip_gemm_set_kernel(NULL));
    mt_set_threads(1);
    free(A);
    free(B);
    free(C0);
    free(C);
    free(R);
    free(absA);
    free(absB);
    free(bound);
}

static void test_gemm_odd_shapes(void) {
    /* 1x1x1, primes, shapes one either side of every kernel's tile (4/6/8/14 rows, 8/12/16/32
       columns) and of the KC = 256 depth block */
    static const int shapes[][3] = {{1, 1, 1},     {2, 3, 5},     {7, 11, 13},   {13, 17, 19},
                                    {15, 33, 31},  {14, 32, 256}, {13, 31, 257}, {29, 65, 255},
                                    {5, 97, 3},    {97, 5, 3},    {1, 200, 70},  {200, 1, 70},
                                    {43, 47, 513}, {6, 16, 1},    {8, 12, 2}};
    int s, ta, tb;
    for (s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++)
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++)
                gemm_case(ta, tb, shapes[s][0], shapes[s][1], shapes[s][2], 1.0f, 0.0f, 0);
}

static void test_gemm_alpha_beta_strides(void) {
    int ta, tb;
    for (ta = 0; ta < 2; ta++)
        for (tb = 0; tb < 2; tb++) {
            gemm_case(ta, tb, 23, 41, 37, 0.5f, 1.0f, 3);
            gemm_case(ta, tb, 31, 19, 29, -2.0f, -0.5f, 1);
            gemm_case(ta, tb, 17, 35, 9, 1.0f, 0.0f, 5);
        }
}

static void test_gemm_large(void) {
    /* several MC/NC blocks and uneven thread splits */
    gemm_case(0, 1, 301, 517, 600, 1.0f, 0.0f, 0);
    gemm_case(1, 0, 173, 4099, 67, 1.0f, 1.0f, 0);
    gemm_case(0, 0, 1000, 35, 300, 1.0f, 0.25f, 2);
}

static void test_gemm_empty_and_k0(void) {
    float C[6] = {1, 2, 3, 4, 5, 6}, A[1] = {0}, B[1] = {0};
    CHECK_OK(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 0, 3, 4, 1, NULL, 4, NULL, 3, 0, NULL, 3));
    CHECK_OK(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 2, 3, 0, 1, NULL, 1, NULL, 3, 2, C, 3));
    CHECK(C[0] == 2 && C[5] == 12); /* K = 0: C = beta C */
    CHECK_OK(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 2, 3, 0, 1, A, 1, B, 3, 0, C, 3));
    CHECK(C[0] == 0 && C[5] == 0);
}

static void test_gemm_bad_arguments(void) {
    float A[4] = {0}, B[4] = {0}, C[4] = {0};
    CHECK_FAILS(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 2, 2, 2, 1, NULL, 2, B, 2, 0, C, 2),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 2, 2, 2, 1, A, 2, NULL, 2, 0, C, 2),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 2, 2, 2, 1, A, 2, B, 2, 0, NULL, 2),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, -1, 2, 2, 1, A, 2, B, 2, 0, C, 2),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 2, 2, 2, 1, A, 1, B, 2, 0, C, 2),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_sgemm(MLIP_NO_TRANS, MLIP_TRANS, 2, 2, 3, 1, A, 3, B, 2, 0, C, 2),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 2, 3, 2, 1, A, 2, B, 3, 0, C, 2),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_sgemm((mlip_transpose)2, MLIP_NO_TRANS, 2, 2, 2, 1, A, 2, B, 2, 0, C, 2),
                MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_sgemm_reference(MLIP_NO_TRANS, MLIP_NO_TRANS, 2, 2, 2, 1, A, 1, B, 2, 0, C, 2),
                MLIP_ERR_INVALID_ARG);
#if SIZE_MAX <= 0xffffffffu
    CHECK_FAILS(mlip_sgemm(MLIP_NO_TRANS, MLIP_NO_TRANS, 0x7fffffff, 2, 0x7fffffff, 1, A,
                           0x7fffffff, B, 2, 0, C, 2),
                MLIP_ERR_OVERFLOW);
#endif
    CHECK_FAILS(mlip_gemm_set_kernel("no-such-kernel"), MLIP_ERR_UNSUPPORTED);
}

static const mt_case gemm_tests[] = {{"reference_by_hand", test_gemm_reference_by_hand},
                                     {"odd_shapes_all_kernels", test_gemm_odd_shapes},
                                     {"alpha_beta_strides", test_gemm_alpha_beta_strides},
                                     {"large_shapes_threads", test_gemm_large},
                                     {"empty_and_k0", test_gemm_empty_and_k0},
                                     {"bad_arguments", test_gemm_bad_arguments},
                                     {NULL, NULL}};
