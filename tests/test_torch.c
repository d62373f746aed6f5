/* Section 11, PyTorch checkpoints: every good fixture of tests/data/torch (written by torch.save,
   tools/torch_fixture.py) read and compared with torch's own numbers (expected.txt); every
   hostile fixture refused with a message naming why; crafted zips and pickles (duplicate and
   encrypted entries, unknown opcodes, underflows, unbounded marks, BUILD on a tensor);
   truncations and byte flips of every good file, which must fail cleanly or read. */

#define PT_DIR "tests/data/torch/"

static int pt_read(const char *path, unsigned char **buf, size_t *len) {
    FILE *f = fopen(path, "rb");
    long n;
    *buf = NULL;
    *len = 0;
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *buf = (unsigned char *)malloc(n > 0 ? (size_t)n : 1);
    if (*buf && n > 0 && fread(*buf, 1, (size_t)n, f) == (size_t)n) *len = (size_t)n;
    fclose(f);
    return *len > 0;
}

static const char *pt_dtype_of(const char *torch_name) {
    static const char *const map[][2] = {
        {"float32", "f32"}, {"float16", "f16"}, {"bfloat16", "bf16"}, {"float64", "f64"},
        {"int64", "i64"},   {"int32", "i32"},   {"bool", "bool"},     {"uint8", "u8"}};
    size_t i;
    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], torch_name)) return map[i][1];
    return "?";
}

/* One line of expected.txt against the open file. */
static void pt_check_line(mlip_torch_file *f, const char *file, char *line) {
    char name[128], dtype[32], shape[64];
    double sum = 0, sumsq = 0, want_sum, want_sq, first[4];
    int used = 0, n_first, i, idx, dt = -1, nd = -1, k;
    int64_t sh[8];
    size_t count = 1;
    const char *got_name = NULL;
    char *p;
    float *x;
    if (sscanf(line, "%*s %127s %31s %63s %lf %lf%n", name, dtype, shape, &want_sum, &want_sq,
               &used) != 5) {
        CHECK_MSG(0, "bad expected.txt line: %s", line);
        return;
    }
    for (n_first = 0, p = line + used; n_first < 4; n_first++) {
        char *end;
        first[n_first] = strtod(p, &end);
        if (end == p) break;
        p = end;
    }
    idx = mlip_torch_find(f, name);
    CHECK_MSG(idx >= 0, "%s: tensor %s not found", file, name);
    if (idx < 0) return;
    CHECK_OK(mlip_torch_info(f, idx, &got_name, &dt, &nd, sh));
    CHECK(got_name && !strcmp(got_name, name));
    CHECK_MSG(!strcmp(mlip_torch_dtype_name(dt), pt_dtype_of(dtype)), "%s %s: dtype %s, torch %s",
              file, name, mlip_torch_dtype_name(dt), dtype);
    {
        char got_shape[64] = "-";
        int at = 0;
        for (k = 0; k < nd; k++)
            at += snprintf(got_shape + at, sizeof got_shape - (size_t)at, k ? ",%ld" : "%ld",
                           (long)sh[k]);
        CHECK_MSG(!strcmp(got_shape, shape), "%s %s: shape %s, torch %s", file, name, got_shape,
                  shape);
    }
    for (k = 0; k < nd; k++) count *= (size_t)sh[k];
    x = mt_alloc(count);
    CHECK_FAILS(mlip_torch_read_f32(f, idx, x, count + 1), MLIP_ERR_INVALID_ARG);
    CHECK_OK(mlip_torch_read_f32(f, idx, x, count));
    for (i = 0; i < (int)count; i++) {
        sum += x[i];
        sumsq += (double)x[i] * x[i];
    }
    CHECK_MSG(fabs(sum - want_sum) <= 1e-9 * (1 + fabs(want_sum)) &&
                  fabs(sumsq - want_sq) <= 1e-9 * (1 + want_sq),
              "%s %s: sum %.17g sumsq %.17g, torch %.17g %.17g", file, name, sum, sumsq, want_sum,
              want_sq);
    for (i = 0; i < n_first && i < (int)count; i++)
        CHECK_MSG(x[i] == (float)first[i], "%s %s[%d] = %.9g, torch %.9g", file, name, i, x[i],
                  first[i]);
    free(x);
}

static void test_pt_good(void) {
    FILE *f = fopen(PT_DIR "expected.txt", "r");
    char line[1024], open_name[128] = "";
    mlip_torch_file *pt = NULL;
    int lines = 0, listed = 0, files = 0;
    if (!f) SKIP("tests/data/torch/expected.txt missing (run tools/torch_fixture.py)");
    while (fgets(line, sizeof line, f)) {
        char file[128], path[256];
        if (line[0] == '#' || sscanf(line, "%127s", file) != 1) continue;
        if (strcmp(file, open_name)) {
            CHECK_MSG(!pt || mlip_torch_count(pt) == listed, "%s: %d tensors, torch listed %d",
                      open_name, mlip_torch_count(pt), listed);
            mlip_torch_close(pt);
            pt = NULL;
            snprintf(path, sizeof path, PT_DIR "%s", file);
            CHECK_OK(mlip_torch_open(path, &pt));
            strcpy(open_name, file);
            listed = 0;
            files++;
        }
        listed++;
        lines++;
        if (pt) pt_check_line(pt, file, line);
    }
    CHECK_MSG(!pt || mlip_torch_count(pt) == listed, "%s: %d tensors, torch listed %d", open_name,
              mlip_torch_count(pt), listed);
    mlip_torch_close(pt);
    fclose(f);
    CHECK(files == 8 && lines == 45);
}

static void test_pt_api(void) {
    mlip_torch_file *f = NULL;
    const char *name = NULL;
    float x[16];
    CHECK_FAILS(mlip_torch_open(PT_DIR "no_such_file.pt", &f), MLIP_ERR_IO);
    CHECK(f == NULL);
    CHECK_FAILS(mlip_torch_open_memory(NULL, 10, &f), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_torch_open(NULL, &f), MLIP_ERR_INVALID_ARG);
    CHECK(mlip_torch_count(NULL) == 0);
    CHECK(mlip_torch_find(NULL, "x") == -1);
    mlip_torch_close(NULL);
    CHECK_OK(mlip_torch_open(PT_DIR "module_prefix.pt", &f));
    if (!f) return;
    CHECK(mlip_torch_find(f, "fc.weight") >= 0); /* "module." dropped */
    CHECK(mlip_torch_find(f, "module.fc.weight") == -1);
    CHECK(mlip_torch_find(f, "fc") == -1);
    CHECK(mlip_torch_find(f, NULL) == -1);
    CHECK_FAILS(mlip_torch_info(f, -1, &name, NULL, NULL, NULL), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_torch_info(f, mlip_torch_count(f), NULL, NULL, NULL, NULL),
                MLIP_ERR_INVALID_ARG);
    CHECK_OK(mlip_torch_info(f, 0, NULL, NULL, NULL, NULL));
    CHECK_FAILS(mlip_torch_read_f32(f, 99, x, 1), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_torch_read_f32(f, 0, NULL, 1), MLIP_ERR_INVALID_ARG);
    mlip_torch_close(f);
    /* nested: the "state_dict" entry is read, "epoch" and "best" are not tensors */
    CHECK_OK(mlip_torch_open(PT_DIR "nested.pt", &f));
    CHECK(mlip_torch_count(f) == 7 && mlip_torch_find(f, "emb.weight") >= 0);
    mlip_torch_close(f);
    CHECK_OK(mlip_torch_open(PT_DIR "parameter.pt", &f)); /* None and 5 skipped */
    CHECK(mlip_torch_count(f) == 1 && mlip_torch_find(f, "p") == 0);
    mlip_torch_close(f);
}

static void test_pt_hostile(void) {
    static const struct {
        const char *file;
        mlip_status want;
        const char *why;
    } cases[] = {
        {"os_system.pt", MLIP_ERR_UNSUPPORTED, "'os.system'"},
        {"eval.pt", MLIP_ERR_UNSUPPORTED, "'builtins.eval'"},
        {"load_from_bytes.pt", MLIP_ERR_UNSUPPORTED, "torch.storage._load_from_bytes"},
        {"missing_storage.pt", MLIP_ERR_FORMAT, "missing"},
        {"small_storage.pt", MLIP_ERR_FORMAT, "exceeds its storage"},
        {"offset_storage.pt", MLIP_ERR_FORMAT, "exceeds its storage"},
        {"stride_storage.pt", MLIP_ERR_FORMAT, "exceeds its storage"},
        {"numel_mismatch.pt", MLIP_ERR_FORMAT, "16 bytes, not 8 elements"},
        {"truncated.pt", MLIP_ERR_FORMAT, "truncated"},
        {"deflated.pt", MLIP_ERR_UNSUPPORTED, "compressed (method 8)"},
        {"legacy.pt", MLIP_ERR_UNSUPPORTED, "legacy"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        mlip_torch_file *f = NULL;
        snprintf(path, sizeof path, PT_DIR "%s", cases[i].file);
        CHECK_FAILS(mlip_torch_open(path, &f), cases[i].want);
        CHECK(f == NULL);
        CHECK_MSG(strstr(mlip_last_error(), cases[i].why), "%s: message '%s' lacks '%s'",
                  cases[i].file, mlip_last_error(), cases[i].why);
    }
}

/* ---- crafted archives: a small stored-zip writer ---- */
typedef struct pt_zip_entry {
    const char *name;
    const unsigned char *data;
    size_t len;
    unsigned flags;
} pt_zip_entry;

static unsigned char *pt_put16(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    return p + 2;
}
static unsigned char *pt_put32(unsigned char *p, unsigned long v) {
    return pt_put16(pt_put16(p, (unsigned)(v & 0xffff)), (unsigned)(v >> 16));
}

static unsigned char *pt_put64(unsigned char *p, unsigned long v) {
    return pt_put32(pt_put32(p, v), 0);
}

/* ZIP64 for the next pt_zip: sizes and offsets in the extra field, ZIP64 end records. */
static int pt_zip64;

/* A zip of stored entries (no CRC: the reader does not check it); returns its length. */
static size_t pt_zip(const pt_zip_entry *e, int n, unsigned char *out) {
    unsigned char *p = out, *cd;
    unsigned long offs[16];
    int i;
    for (i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name);
        offs[i] = (unsigned long)(p - out);
        p = pt_put32(p, 0x04034b50);
        p = pt_put16(pt_put16(pt_put16(p, 20), e[i].flags), 0);
        p = pt_put32(pt_put32(pt_put32(pt_put32(p, 0), 0), e[i].len), e[i].len);
        p = pt_put16(pt_put16(p, (unsigned)nl), 0);
        memcpy(p, e[i].name, nl);
        memcpy(p + nl, e[i].data, e[i].len);
        p += nl + e[i].len;
    }
    cd = p;
    for (i = 0; i < n; i++) {
        size_t nl = strlen(e[i].name);
        p = pt_put32(p, 0x02014b50);
        p = pt_put16(pt_put16(pt_put16(pt_put16(p, 20), 20), e[i].flags), 0);
        p = pt_put32(pt_put32(p, 0), 0);
        p = pt_put32(pt_put32(p, pt_zip64 ? 0xFFFFFFFFul : e[i].len),
                     pt_zip64 ? 0xFFFFFFFFul : e[i].len);
        p = pt_put16(pt_put16(p, (unsigned)nl), pt_zip64 ? 28 : 0);
        p = pt_put16(pt_put16(pt_put16(p, 0), 0), 0);
        p = pt_put32(pt_put32(p, 0), pt_zip64 ? 0xFFFFFFFFul : offs[i]);
        memcpy(p, e[i].name, nl);
        p += nl;
        if (pt_zip64)
            p = pt_put64(pt_put64(pt_put64(pt_put16(pt_put16(p, 1), 24), e[i].len), e[i].len),
                         offs[i]);
    }
    {
        unsigned long cd_size = (unsigned long)(p - cd), cd_off = (unsigned long)(cd - out);
        if (pt_zip64) {
            unsigned long at = (unsigned long)(p - out);
            p = pt_put64(pt_put16(pt_put16(pt_put32(p, 0x06064b50), 45), 45), 44);
            p = pt_put64(pt_put64(pt_put32(pt_put32(p, 0), 0), (unsigned long)n), (unsigned long)n);
            p = pt_put64(pt_put64(p, cd_size), cd_off);
            p = pt_put32(pt_put64(pt_put32(pt_put32(p, 0x07064b50), 0), at), 1);
            cd_size = cd_off = 0xFFFFFFFFul;
            n = 0xFFFF;
        }
        p = pt_put32(p, 0x06054b50);
        p = pt_put16(pt_put16(pt_put16(pt_put16(p, 0), 0), (unsigned)n), (unsigned)n);
        p = pt_put16(pt_put32(pt_put32(p, cd_size), cd_off), 0);
    }
    return (size_t)(p - out);
}

/* A pickle (string of bytes) in archive/data.pkl with one f32 storage "0" of 4 elements. */
static mlip_status pt_try_pickle(const char *pkl, size_t n, unsigned flags) {
    static const unsigned char f32[16] = {0};
    unsigned char zip[8192];
    pt_zip_entry e[2];
    mlip_torch_file *f = NULL;
    mlip_status st;
    e[0].name = "archive/data.pkl";
    e[0].data = (const unsigned char *)pkl;
    e[0].len = n;
    e[0].flags = flags;
    e[1].name = "archive/data/0";
    e[1].data = f32;
    e[1].len = sizeof f32;
    e[1].flags = 0;
    st = mlip_torch_open_memory(zip, pt_zip(e, 2, zip), &f);
    mlip_torch_close(f);
    return st;
}

#define PT_PKL(s) s, sizeof s - 1, 0
/* protocol 2 header; the storage tuple ('storage', torch.FloatStorage, '0', 'cpu', 4) */
#define PT_STORAGE "(X\7\0\0\0storagectorch\nFloatStorage\nX\1\0\0\0000X\3\0\0\0cpuK\4tQ"
#define PT_REBUILD "ctorch._utils\n_rebuild_tensor_v2\n"

static void test_pt_crafted(void) {
    static const unsigned char one[1] = {0};
    unsigned char zip[1024];
    pt_zip_entry dup[2] = {{"archive/data.pkl", (const unsigned char *)"\x80\x02}.", 4, 0},
                           {"archive/data.pkl", one, 1, 0}};
    mlip_torch_file *f = NULL;
    /* a minimal valid file first: the writer is right, so the failures below mean what they say */
    CHECK_OK(pt_try_pickle(PT_PKL("\x80\x02}(X\1\0\0\0w" PT_REBUILD "(" PT_STORAGE
                                  "K\0K\2K\2\x86K\2K\1\x86\x89)tRu.")));
    /* an empty tuple from MARK TUPLE (the fuzzer's first find: no memcpy from NULL) */
    CHECK_OK(pt_try_pickle(PT_PKL("\x80\x02}(X\1\0\0\0k(tu.")));
    pt_zip64 = 1; /* the same in ZIP64 records, as torch writes big files */
    CHECK_OK(pt_try_pickle(PT_PKL("\x80\x02}(X\1\0\0\0w" PT_REBUILD "(" PT_STORAGE
                                  "K\0K\2K\2\x86K\2K\1\x86\x89)tRu.")));
    pt_zip64 = 0;
    CHECK_FAILS(mlip_torch_open_memory(zip, pt_zip(dup, 2, zip), &f), MLIP_ERR_FORMAT);
    CHECK(strstr(mlip_last_error(), "twice") != NULL);
    CHECK_FAILS(pt_try_pickle("\x80\x02}.", 4, 1), MLIP_ERR_UNSUPPORTED);
    CHECK(strstr(mlip_last_error(), "encrypted") != NULL);
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x02}i")), MLIP_ERR_UNSUPPORTED); /* INST */
    CHECK(strstr(mlip_last_error(), "opcode 0x69") != NULL);
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x02}")), MLIP_ERR_FORMAT);
    CHECK(strstr(mlip_last_error(), "without STOP") != NULL);
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x02s.")), MLIP_ERR_FORMAT);
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x02}(K\1u.")), MLIP_ERR_FORMAT); /* odd SETITEMS */
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x02h\5.")), MLIP_ERR_FORMAT); /* empty memo slot */
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x02].")), MLIP_ERR_FORMAT);
    CHECK(strstr(mlip_last_error(), "list, not a dict") != NULL);
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x02ctorch\nFloatStorage\n)R.")), MLIP_ERR_UNSUPPORTED);
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x09}.")), MLIP_ERR_UNSUPPORTED); /* protocol 9 */
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x04\x8c\5posix\x8c\6system\x93.")),
                MLIP_ERR_UNSUPPORTED);
    CHECK(strstr(mlip_last_error(), "'posix.system'") != NULL);
    /* BUILD on a tensor (torch's _rebuild_parameter_with_state is not accepted) */
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x02}(X\1\0\0\0w" PT_REBUILD "(" PT_STORAGE
                                     "K\0K\2\x85K\1\x85\x89)tR}bu.")),
                MLIP_ERR_UNSUPPORTED);
    CHECK(strstr(mlip_last_error(), "BUILD") != NULL);
    { /* 5000 MARKs: bounded */
        static char deep[5010];
        memcpy(deep, "\x80\x02", 2);
        memset(deep + 2, '(', 5000);
        deep[5002] = '.';
        CHECK_FAILS(pt_try_pickle(deep, 5003, 0), MLIP_ERR_FORMAT);
        CHECK(strstr(mlip_last_error(), "MARK") != NULL);
    }
    /* a storage offset that wraps around size_t */
    CHECK_FAILS(pt_try_pickle(PT_PKL("\x80\x02}(X\1\0\0\0w" PT_REBUILD "(" PT_STORAGE
                                     "\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7fK\1\x85K\1\x85\x89)"
                                     "tRu.")),
                MLIP_ERR_FORMAT);
}

/* Every 97th truncation and a byte flip at a stride of every good file: a status, no crash;
   whatever opens reads. Exact-size heap copies, so ASan sees any overread. */
static void pt_mutant(const unsigned char *buf, size_t len, int *opened) {
    unsigned char *copy = (unsigned char *)malloc(len ? len : 1);
    mlip_torch_file *f = NULL;
    mlip_status st;
    int i;
    memcpy(copy, buf, len);
    st = mlip_torch_open_memory(copy, len, &f);
    CHECK(st == MLIP_OK || (f == NULL && mlip_last_error()[0]));
    for (i = 0; i < mlip_torch_count(f); i++) {
        int64_t sh[8];
        int nd = 0, k;
        size_t n = 1;
        float *x;
        CHECK_OK(mlip_torch_info(f, i, NULL, NULL, &nd, sh));
        for (k = 0; k < nd; k++) n *= (size_t)sh[k];
        if (n > (1u << 20)) continue;
        x = mt_alloc(n);
        CHECK_OK(mlip_torch_read_f32(f, i, x, n));
        free(x);
    }
    *opened += st == MLIP_OK;
    mlip_torch_close(f);
    free(copy);
}

static void test_pt_mutations(void) {
    static const char *const files[] = {"plain_f32.pt", "plain_f16.pt",     "plain_bf16.pt",
                                        "nested.pt",    "module_prefix.pt", "views.pt",
                                        "parameter.pt", "f64_i64.pt"};
    size_t i, k;
    int tried = 0, opened = 0;
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[256];
        unsigned char *buf = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, PT_DIR "%s", files[i]);
        if (!pt_read(path, &buf, &len)) {
            CHECK_MSG(0, "cannot read %s", path);
            free(buf);
            continue;
        }
        for (k = 0; k < len; k += 97, tried++) pt_mutant(buf, k, &opened);
        for (k = 0; k < len; k += 3, tried += 2) {
            unsigned char old = buf[k];
            buf[k] = (unsigned char)(old ^ 0xff);
            pt_mutant(buf, len, &opened);
            buf[k] = (unsigned char)(old + 1);
            pt_mutant(buf, len, &opened);
            buf[k] = old;
        }
        free(buf);
    }
    CHECK(tried > 5000 && opened > 0 && opened < tried);
}

static const mt_case torch_tests[] = {
    {"good", test_pt_good},           {"api", test_pt_api},
    {"hostile", test_pt_hostile},     {"crafted", test_pt_crafted},
    {"mutations", test_pt_mutations}, {NULL, NULL},
};
