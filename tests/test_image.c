/* Section 13, Image I/O: readers against files written by independent tools (Pillow,
   ImageMagick, Python's zlib, pydicom's sample files with pydicom's decoded values),
   synthetic DICOM built here for every pixel layout, preprocessing geometry, the PNG
   writer round trip, and hostile input (truncation at every length, byte flips, lying
   lengths, huge sizes) that must fail with a status and a message, never crash. Paths are
   relative to the project root, where `make test` runs the runner. */
#include <dirent.h>

#define IMG_DATA "tests/data/"
#define PYDICOM_DATA "/usr/lib/python3/dist-packages/pydicom/data/"

static unsigned char *img_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    *len = 0;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = (unsigned char *)malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
            *len = (size_t)n;
        else
            free(buf), buf = NULL;
    }
    fclose(f);
    return buf;
}

static float img_at(const mlip_image *im, int c, int x, int y) {
    return im->pixels[((size_t)c * im->height + y) * im->width + x];
}

/* ---- PNM ---- */
static void test_pnm_formats(void) {
    static const char p2[] = "P2\n# a comment\n3 2\n# another\n10\n0 1 2\n3 4 10\n";
    static const char p3[] = "P3 2 1 255 1 2 3  4 5 6";
    static const unsigned char p5_16[] = {'P', '5', ' ', '2',  ' ',  '1',  ' ',  '6', '5',
                                          '5', '3', '5', '\n', 0x01, 0x02, 0xFF, 0xFE};
    static const unsigned char p6[] = {'P', '6',  '\n', '1', ' ', '2', '\n', '2', '5',
                                       '5', '\n', 1,    2,   3,   4,   5,    6};
    mlip_image im;
    CHECK_OK(mlip_image_read_memory(p2, sizeof p2 - 1, NULL, &im));
    CHECK(im.width == 3 && im.height == 2 && im.channels == 1 && im.max_value == 10 &&
          im.format == MLIP_IMAGE_PNM);
    CHECK(img_at(&im, 0, 2, 0) == 2 && img_at(&im, 0, 2, 1) == 10);
    mlip_image_free(&im);
    CHECK(im.pixels == NULL);
    CHECK_OK(mlip_image_read_memory(p3, sizeof p3 - 1, NULL, &im));
    CHECK(im.channels == 3 && img_at(&im, 0, 1, 0) == 4 && img_at(&im, 2, 0, 0) == 3 &&
          img_at(&im, 1, 1, 0) == 5);
    mlip_image_free(&im);
    CHECK_OK(mlip_image_read_memory(p5_16, sizeof p5_16, NULL, &im));
    CHECK(im.bits == 16 && img_at(&im, 0, 0, 0) == 0x0102 && img_at(&im, 0, 1, 0) == 0xFFFE);
    mlip_image_free(&im);
    CHECK_OK(mlip_image_read_pnm(p6, sizeof p6, NULL, &im));
    CHECK(im.channels == 3 && im.width == 1 && im.height == 2 && img_at(&im, 0, 0, 1) == 4 &&
          img_at(&im, 2, 0, 1) == 6);
    mlip_image_free(&im);
    CHECK_FAILS(mlip_image_read_memory("P2 2 1 5 1 6", 12, NULL, &im),
                MLIP_ERR_FORMAT); /* > maxval */
    CHECK_FAILS(mlip_image_read_memory("P2 2 1 0 0 0", 12, NULL, &im),
                MLIP_ERR_FORMAT); /* maxval 0 */
    CHECK_FAILS(mlip_image_read_memory("P5 2 2 255\n\1\2\3", 14, NULL, &im), MLIP_ERR_FORMAT);
    CHECK_FAILS(mlip_image_read_memory("P5 99999 99999 255\n", 19, NULL, &im),
                MLIP_ERR_UNSUPPORTED);
    CHECK_FAILS(mlip_image_read_memory("P5 99999999999 9 255\n", 21, NULL, &im), MLIP_ERR_FORMAT);
    CHECK_FAILS(mlip_image_read_memory("GIF89a", 6, NULL, &im), MLIP_ERR_UNSUPPORTED);
    CHECK_FAILS(mlip_image_read_file("tests/data/no-such-file.pgm", NULL, &im), MLIP_ERR_IO);
    CHECK_FAILS(mlip_image_read_memory(NULL, 3, NULL, &im), MLIP_ERR_INVALID_ARG);
}

/* Write random P5/P6/P2 files (8 and 16 bit, odd maxvals) as a writer would, read back. */
static void test_pnm_roundtrip(void) {
    static const unsigned maxvals[4] = {255, 1000, 65535, 7};
    mlip_rng rng;
    int t, kind;
    mlip_rng_seed(&rng, 31, 2);
    for (t = 0; t < 4; t++)
        for (kind = 0; kind < 3; kind++) {
            int w = 1 + (int)mlip_rng_below(&rng, 40), h = 1 + (int)mlip_rng_below(&rng, 30);
            int ch = kind == 1 ? 3 : 1;
            size_t n = (size_t)w * h * ch, i, bad = 0;
            unsigned *v = (unsigned *)malloc(n * sizeof(unsigned));
            unsigned char *buf = (unsigned char *)malloc(64 + n * 8);
            size_t at;
            mlip_image im;
            at = (size_t)sprintf((char *)buf, "P%d\n%d %d\n%u\n",
                                 kind == 0   ? 5
                                 : kind == 1 ? 6
                                             : 2,
                                 w, h, maxvals[t]);
            for (i = 0; i < n; i++) {
                v[i] = mlip_rng_below(&rng, maxvals[t] + 1);
                if (kind == 2)
                    at += (size_t)sprintf((char *)buf + at, "%u%c", v[i], i % 7 == 6 ? '\n' : ' ');
                else if (maxvals[t] > 255)
                    buf[at++] = (unsigned char)(v[i] >> 8), buf[at++] = (unsigned char)v[i];
                else
                    buf[at++] = (unsigned char)v[i];
            }
            CHECK_OK(mlip_image_read_memory(buf, at, NULL, &im));
            CHECK(im.width == w && im.height == h && im.channels == ch &&
                  im.max_value == (float)maxvals[t]);
            for (i = 0; im.pixels && i < n; i++) /* file interleaved, memory planar */
                bad += im.pixels[(i % ch) * (size_t)w * h + i / ch] != (float)v[i];
            CHECK_MSG(bad == 0, "P%d maxval %u: %lu samples differ", kind, maxvals[t],
                      (unsigned long)bad);
            mlip_image_free(&im);
            free(v);
            free(buf);
        }
}

/* ---- PNG suite: exact equality with the generator's arrays ---- */
static int img_read_ref(const char *path, int *w, int *h, int *c, unsigned **vals) {
    size_t len, i, n, at;
    unsigned char *buf = img_slurp(path, &len);
    char *nl;
    *vals = NULL;
    if (!buf) return 0;
    buf[len] = 0;
    nl = strchr((char *)buf, '\n');
    if (!nl || sscanf((char *)buf, "MLIPREF %d %d %d", w, h, c) != 3) {
        free(buf);
        return 0;
    }
    at = (size_t)(nl + 1 - (char *)buf);
    n = (size_t)*w * *h * *c;
    if (len - at != 2 * n) {
        free(buf);
        return 0;
    }
    *vals = (unsigned *)malloc(n * sizeof(unsigned));
    for (i = 0; i < n; i++) (*vals)[i] = ((unsigned)buf[at + 2 * i] << 8) | buf[at + 2 * i + 1];
    free(buf);
    return 1;
}

static const char *const img_png_extra[] = {"pil_l8",    "pil_rgb8", "pil_rgba8", "pil_i16",
                                            "im_rgb16i", "im_gray2", "z_stored",  "z_fixed",
                                            "z_rle",     "z_huff"};

static void img_png_names(char names[64][32], int *count) {
    static const int colors[5] = {0, 2, 3, 4, 6};
    static const int depths[5][6] = {
        {1, 2, 4, 8, 16, 0}, {8, 16, 0}, {1, 2, 4, 8, 0}, {8, 16, 0}, {8, 16, 0}};
    int ci, di, il, n = 0;
    size_t k;
    for (ci = 0; ci < 5; ci++)
        for (di = 0; depths[ci][di]; di++)
            for (il = 0; il < 2; il++)
                sprintf(names[n++], "c%dd%02d%c", colors[ci], depths[ci][di], il ? 'i' : 'n');
    for (k = 0; k < sizeof img_png_extra / sizeof img_png_extra[0]; k++)
        sprintf(names[n++], "%s", img_png_extra[k]);
    *count = n;
}

static void test_png_suite(void) {
    char names[64][32], path[128];
    int n, i, checked = 0;
    img_png_names(names, &n);
    for (i = 0; i < n; i++) {
        int w, h, c;
        unsigned *ref;
        mlip_image im;
        size_t j, bad = 0;
        snprintf(path, sizeof path, IMG_DATA "png/%.31s.ref", names[i]);
        if (!img_read_ref(path, &w, &h, &c, &ref)) {
            CHECK_MSG(0, "cannot read %s", path);
            continue;
        }
        snprintf(path, sizeof path, IMG_DATA "png/%.31s.png", names[i]);
        CHECK_OK(mlip_image_read_file(path, NULL, &im));
        if (im.pixels) {
            CHECK_MSG(im.width == w && im.height == h && im.channels == c,
                      "%s: %dx%dx%d, want %dx%dx%d", names[i], im.width, im.height, im.channels, w,
                      h, c);
            if (im.width == w && im.height == h && im.channels == c)
                for (j = 0; j < (size_t)w * h * c; j++) bad += im.pixels[j] != (float)ref[j];
            CHECK_MSG(bad == 0, "%s: %lu samples differ", names[i], (unsigned long)bad);
            checked++;
        }
        mlip_image_free(&im);
        free(ref);
    }
    CHECK(checked == n);
}

/* ---- PNG writer: encode, decode with our reader, compare ---- */
static void test_png_writer(void) {
    int c, w = 37, h = 1500; /* 1500 rows of RGB: the stream needs several stored blocks */
    for (c = 1; c <= 3; c += 2) {
        float *px = mt_alloc((size_t)w * h * c);
        unsigned char *png;
        size_t len, i, bad = 0;
        mlip_image im;
        mt_fill_uniform(px, (size_t)w * h * c, -0.1f, 1.1f, 5 + c);
        CHECK_OK(mlip_image_encode_png(px, w, h, c, &png, &len));
        CHECK_OK(mlip_image_read_png(png, len, NULL, &im));
        CHECK(im.width == w && im.height == h && im.channels == c && im.bits == 8);
        if (im.pixels)
            for (i = 0; i < (size_t)w * h * c; i++) {
                float v = px[i] < 0 ? 0 : px[i] > 1 ? 1 : px[i];
                bad += im.pixels[i] != (float)(int)(v * 255.0f + 0.5f);
            }
        CHECK_MSG(bad == 0, "PNG round trip: %lu samples differ", (unsigned long)bad);
        mlip_image_free(&im);
        mlip_free(png);
        free(px);
    }
    {
        float one = 0.5f;
        unsigned char *png;
        size_t len;
        CHECK_FAILS(mlip_image_encode_png(&one, 1, 1, 2, &png, &len), MLIP_ERR_INVALID_ARG);
        CHECK_FAILS(mlip_image_write_png("/nonexistent-dir/x.png", &one, 1, 1, 1), MLIP_ERR_IO);
    }
}

/* ---- DICOM built in memory: every layout the reader claims ---- */
typedef struct {
    unsigned char b[4096];
    size_t n;
    int big, explicit_vr;
} img_dcm;

static void dcm_u16(img_dcm *d, unsigned v) {
    if (d->big)
        d->b[d->n++] = (unsigned char)(v >> 8), d->b[d->n++] = (unsigned char)v;
    else
        d->b[d->n++] = (unsigned char)v, d->b[d->n++] = (unsigned char)(v >> 8);
}
static void dcm_u32(img_dcm *d, uint32_t v) {
    if (d->big)
        dcm_u16(d, v >> 16), dcm_u16(d, v & 0xFFFF);
    else
        dcm_u16(d, v & 0xFFFF), dcm_u16(d, v >> 16);
}
static void dcm_elem(img_dcm *d, unsigned g, unsigned e, const char *vr, const void *val,
                     uint32_t len) {
    int long_form = strstr("OB OW SQ UN UT", vr) != NULL;
    dcm_u16(d, g);
    dcm_u16(d, e);
    if (d->explicit_vr && g != 0xFFFE) {
        d->b[d->n++] = (unsigned char)vr[0];
        d->b[d->n++] = (unsigned char)vr[1];
        if (long_form)
            dcm_u16(d, 0), dcm_u32(d, len);
        else
            dcm_u16(d, len);
    } else {
        dcm_u32(d, len);
    }
    if (val && len != 0xFFFFFFFFu) memcpy(d->b + d->n, val, len), d->n += len;
}
static void dcm_us(img_dcm *d, unsigned e, unsigned v) {
    unsigned char t[2];
    if (d->big)
        t[0] = (unsigned char)(v >> 8), t[1] = (unsigned char)v;
    else
        t[0] = (unsigned char)v, t[1] = (unsigned char)(v >> 8);
    dcm_elem(d, 0x0028, e, "US", t, 2);
}
static void dcm_str(img_dcm *d, unsigned g, unsigned e, const char *vr, const char *s) {
    char t[80];
    size_t n = strlen(s);
    memcpy(t, s, n);
    if (n & 1) t[n++] = vr[0] == 'U' && vr[1] == 'I' ? '\0' : ' '; /* even lengths */
    dcm_elem(d, g, e, vr, t, (uint32_t)n);
}
static void dcm_begin(img_dcm *d, const char *ts) {
    memset(d, 0, sizeof *d);
    memcpy(d->b + 128, "DICM", 4);
    d->n = 132;
    d->explicit_vr = 1;
    dcm_str(d, 0x0002, 0x0010, "UI", ts);
    d->explicit_vr = strcmp(ts, "1.2.840.10008.1.2") != 0;
    d->big = !strcmp(ts, "1.2.840.10008.1.2.2");
}

/* A 3x2 image, bits stored 12 of 16 with junk in the top bits, signed, slope 2 intercept
   -5, a window, and an undefined-length sequence whose item carries its own Rows. */
static void dcm_mono(img_dcm *d, const char *ts, const char *photometric, int frames) {
    static const int vals[6] = {-2048, -1, 0, 1, 1000, 2047};
    int i, f;
    dcm_begin(d, ts);
    dcm_elem(d, 0x0008, 0x1140, "SQ", NULL, 0xFFFFFFFFu); /* nested, undefined lengths */
    dcm_elem(d, 0xFFFE, 0xE000, "", NULL, 0xFFFFFFFFu);
    dcm_us(d, 0x0010, 999);
    dcm_elem(d, 0xFFFE, 0xE00D, "", NULL, 0);
    dcm_elem(d, 0xFFFE, 0xE0DD, "", NULL, 0);
    dcm_us(d, 0x0002, 1);
    dcm_str(d, 0x0028, 0x0004, "CS", photometric);
    if (frames > 1) dcm_str(d, 0x0028, 0x0008, "IS", frames == 3 ? "3" : "2");
    dcm_us(d, 0x0010, 2);
    dcm_us(d, 0x0011, 3);
    dcm_us(d, 0x0100, 16);
    dcm_us(d, 0x0101, 12);
    dcm_us(d, 0x0102, 11);
    dcm_us(d, 0x0103, 1);
    dcm_str(d, 0x0028, 0x1050, "DS", "40\\50");
    dcm_str(d, 0x0028, 0x1051, "DS", "400\\500");
    dcm_str(d, 0x0028, 0x1052, "DS", "-5");
    dcm_str(d, 0x0028, 0x1053, "DS", "2.0");
    dcm_elem(d, 0x7FE0, 0x0010, "OW", NULL, (uint32_t)(12 * frames));
    for (f = 0; f < frames; f++) /* frame f: value + f */
        for (i = 0; i < 6; i++) {
            unsigned v = ((unsigned)(vals[i] + f) & 0x0FFF) | 0xA000; /* junk above bit 11 */
            d->b[d->n++] = (unsigned char)(d->big ? v >> 8 : v);
            d->b[d->n++] = (unsigned char)(d->big ? v : v >> 8);
        }
}

static void test_dicom_synthetic(void) {
    static const char *ts[3] = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"};
    static const int vals[6] = {-2048, -1, 0, 1, 1000, 2047};
    static img_dcm d;
    mlip_image im;
    mlip_image_options opt;
    int t, i, planar;
    for (t = 0; t < 3; t++) {
        dcm_mono(&d, ts[t], "MONOCHROME2", 1);
        CHECK_OK(mlip_image_read_memory(d.b, d.n, NULL, &im));
        CHECK_MSG(im.width == 3 && im.height == 2 && im.channels == 1 && im.bits == 12, "%s: %dx%d",
                  ts[t], im.width, im.height);
        for (i = 0; im.pixels && i < 6; i++)
            CHECK_MSG(im.pixels[i] == vals[i] * 2.0f - 5, "%s pixel %d: %g", ts[t], i,
                      im.pixels[i]);
        CHECK(im.has_window && im.window_center == 40 && im.window_width == 400 && !im.monochrome1);
        CHECK(!strcmp(im.transfer_syntax, ts[t]));
        mlip_image_free(&im);
    }
    /* multi-frame: choose the third frame; asking for a fourth fails */
    dcm_mono(&d, ts[1], "MONOCHROME1", 3);
    memset(&opt, 0, sizeof opt);
    opt.frame = 2;
    CHECK_OK(mlip_image_read_memory(d.b, d.n, &opt, &im));
    CHECK(im.frames == 3 && im.frame == 2 && im.monochrome1);
    for (i = 0; im.pixels && i < 6; i++)
        CHECK(im.pixels[i] == (vals[i] + 2 > 2047 ? vals[i] + 2 - 4096 : vals[i] + 2) * 2.0f - 5);
    mlip_image_free(&im);
    opt.frame = 3;
    CHECK_FAILS(mlip_image_read_memory(d.b, d.n, &opt, &im), MLIP_ERR_INVALID_ARG);
    /* RGB 8-bit, planar configuration 0 and 1 */
    for (planar = 0; planar < 2; planar++) {
        unsigned char px[12];
        for (i = 0; i < 12; i++) px[i] = (unsigned char)(10 * i);
        dcm_begin(&d, ts[planar ? 2 : 1]);
        dcm_us(&d, 0x0002, 3);
        dcm_str(&d, 0x0028, 0x0004, "CS", "RGB");
        dcm_us(&d, 0x0006, (unsigned)planar);
        dcm_us(&d, 0x0010, 2);
        dcm_us(&d, 0x0011, 2);
        dcm_us(&d, 0x0100, 8);
        dcm_us(&d, 0x0101, 8);
        dcm_us(&d, 0x0102, 7);
        dcm_us(&d, 0x0103, 0);
        dcm_elem(&d, 0x7FE0, 0x0010, "OB", px, 12);
        CHECK_OK(mlip_image_read_memory(d.b, d.n, NULL, &im));
        CHECK(im.channels == 3 && im.width == 2 && im.height == 2);
        /* pixel 1 (x=1,y=0) green: interleaved byte 4, planar byte 5 */
        if (im.pixels)
            CHECK_MSG(img_at(&im, 1, 1, 0) == (planar ? 50 : 40), "planar %d: %g", planar,
                      img_at(&im, 1, 1, 0));
        mlip_image_free(&im);
    }
    /* refusals */
    dcm_begin(&d, "1.2.840.10008.1.2.4.50");
    CHECK_FAILS(mlip_image_read_memory(d.b, d.n, NULL, &im), MLIP_ERR_UNSUPPORTED);
    CHECK(!strcmp(mlip_last_error(),
                  "JPEG Baseline (1.2.840.10008.1.2.4.50) is compressed: not supported"));
    dcm_begin(&d, "1.2.3.4");
    CHECK_FAILS(mlip_image_read_memory(d.b, d.n, NULL, &im), MLIP_ERR_UNSUPPORTED);
    dcm_mono(&d, ts[1], "PALETTE COLOR", 1);
    CHECK_FAILS(mlip_image_read_memory(d.b, d.n, NULL, &im), MLIP_ERR_UNSUPPORTED);
    dcm_mono(&d, ts[1], "MONOCHROME2", 1);
    d.b[d.n - 13] = 0xFF; /* pixel data length (low byte, LE) now exceeds the file */
    CHECK_FAILS(mlip_image_read_memory(d.b, d.n, NULL, &im), MLIP_ERR_FORMAT);
}

/* ---- pydicom's sample files against pydicom's values ---- */
static void test_dicom_pydicom(void) {
    size_t len;
    unsigned char *ref = img_slurp(IMG_DATA "dicom_reference.txt", &len);
    char *line, *save = NULL;
    int files = 0, refused = 0;
    FILE *probe = fopen(PYDICOM_DATA "test_files/CT_small.dcm", "rb");
    if (!probe) {
        free(ref);
        SKIP("pydicom's sample files are not installed (apt-get install python3-pydicom)");
    }
    fclose(probe);
    if (!ref) {
        CHECK_MSG(0, "missing " IMG_DATA "dicom_reference.txt");
        return;
    }
    ref[len] = 0;
    for (line = strtok_r((char *)ref, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[160], ts[80], path[256], word[32];
        int w, h, frames, ch, used, n;
        double mn, mx, mean, sum;
        mlip_image im;
        if (line[0] == '#') continue;
        if (sscanf(line, "%159s %79s %31s", name, ts, word) != 3) continue;
        snprintf(path, sizeof path, PYDICOM_DATA "%s", name);
        if (!strcmp(word, "compressed")) {
            mlip_status st = mlip_image_read_file(path, NULL, &im);
            CHECK_MSG(st == MLIP_ERR_UNSUPPORTED && strstr(mlip_last_error(), ts) &&
                          strstr(mlip_last_error(), "compressed: not supported"),
                      "%s: %s (%s)", name, mlip_status_string(st), mlip_last_error());
            mlip_image_free(&im);
            refused++;
            continue;
        }
        if (sscanf(line, "%*s %*s %d %d %d %d | %lf %lf %lf %lf |%n", &w, &h, &frames, &ch, &mn,
                   &mx, &mean, &sum, &used) != 8) {
            CHECK_MSG(0, "bad reference line: %.60s", line);
            continue;
        }
        if (mlip_image_read_file(path, NULL, &im) != MLIP_OK) {
            CHECK_MSG(0, "%s: %s", name, mlip_last_error());
            continue;
        }
        CHECK_MSG(im.width == w && im.height == h && im.frames == frames && im.channels == ch,
                  "%s: %dx%d %d frames %d ch, pydicom %dx%d %d %d", name, im.width, im.height,
                  im.frames, im.channels, w, h, frames, ch);
        if (im.width == w && im.height == h && im.channels == ch) {
            double s = 0, lo = im.pixels[0], hi = im.pixels[0], tol;
            size_t i, count = (size_t)w * h * ch;
            const char *p = line + used;
            int x, y;
            double v;
            for (i = 0; i < count; i++) {
                s += im.pixels[i];
                if (im.pixels[i] < lo) lo = im.pixels[i];
                if (im.pixels[i] > hi) hi = im.pixels[i];
            }
            tol = 1e-6 * (fabs(mx) + fabs(mn) + 1);
            CHECK_MSG(fabs(lo - mn) <= tol && fabs(hi - mx) <= tol,
                      "%s: range [%g, %g], pydicom [%g, %g]", name, lo, hi, mn, mx);
            CHECK_MSG(fabs(s - sum) <= 1e-6 * (fabs(sum) + count * (fabs(mx) + 1)) &&
                          fabs(s / count - mean) <= tol,
                      "%s: sum %.10g, pydicom %.10g", name, s, sum);
            while (sscanf(p, "%d %d %lf%n", &x, &y, &v, &n) == 3) {
                CHECK_MSG(fabs(img_at(&im, 0, x, y) - v) <= tol, "%s (%d,%d): %g, pydicom %g", name,
                          x, y, img_at(&im, 0, x, y), v);
                p += n;
            }
        }
        mlip_image_free(&im);
        files++;
    }
    free(ref);
    CHECK(files >= 10 && refused >= 10);
}

/* ---- preprocessing ---- */
static void img_make(mlip_image *im, int w, int h, int c, float value) {
    size_t i;
    memset(im, 0, sizeof *im);
    im->width = w;
    im->height = h;
    im->channels = c;
    im->frames = 1;
    im->max_value = 255;
    im->format = MLIP_IMAGE_PNG;
    im->pixels = mt_alloc((size_t)w * h * c);
    for (i = 0; i < (size_t)w * h * c; i++) im->pixels[i] = value;
}

static void test_preprocess(void) {
    mlip_image im;
    mlip_preprocess_options o;
    float out[3 * 8 * 8];
    int x, y;
    memset(&o, 0, sizeof o);
    /* 8x4 image of 255, padded into 8x8: rows 0-1 and 6-7 are pad */
    img_make(&im, 8, 4, 1, 255);
    o.pad_value = 0.25f;
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 8, 1));
    for (y = 0; y < 8; y++)
        for (x = 0; x < 8; x++) CHECK(out[y * 8 + x] == (y >= 2 && y < 6 ? 1.0f : 0.25f));
    /* crop: the short side fills, left/right columns are cropped: left half 0, right 255 */
    for (y = 0; y < 4; y++)
        for (x = 0; x < 8; x++) im.pixels[y * 8 + x] = x < 4 ? 0.0f : 255.0f;
    o.fit = MLIP_IMAGE_CROP;
    o.resize = MLIP_IMAGE_AREA;
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 4, 3));
    for (y = 0; y < 4; y++)
        for (x = 0; x < 4; x++) CHECK(out[2 * 16 + y * 4 + x] == (x < 2 ? 0.0f : 1.0f));
    /* area 2x downscale is the mean of each 2x2 block */
    free(im.pixels);
    img_make(&im, 4, 4, 1, 0);
    for (y = 0; y < 16; y++) im.pixels[y] = (float)(y * 10);
    o.fit = MLIP_IMAGE_PAD;
    o.resize = MLIP_IMAGE_AREA;
    o.norm = MLIP_IMAGE_NORM_MINMAX;
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 2, 1));
    CHECK(fabsf(out[0] - (0 + 10 + 40 + 50) / 4.0f / 150.0f) < 1e-6f);
    CHECK(fabsf(out[3] - (100 + 110 + 140 + 150) / 4.0f / 150.0f) < 1e-6f);
    /* bilinear at the same size is the identity */
    o.resize = MLIP_IMAGE_BILINEAR;
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 4, 1));
    for (y = 0; y < 16; y++) CHECK(fabsf(out[y] - y / 15.0f) < 1e-6f);
    /* window (DICOM linear): center 40 width 400 maps -159.5 -> 0, 239.5 -> 1; MONOCHROME1 inverts */
    im.format = MLIP_IMAGE_DICOM;
    im.has_window = 1;
    im.window_center = 40;
    im.window_width = 400;
    im.pixels[0] = -1000;
    im.pixels[1] = 40;
    im.pixels[2] = 1000;
    memset(&o, 0, sizeof o);
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 4, 1));
    CHECK(out[0] == 0 && fabsf(out[1] - (40 + 160.0f) / 399.0f) < 1e-6f && out[2] == 1);
    im.monochrome1 = 1;
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 4, 1));
    CHECK(out[0] == 1 && out[2] == 0);
    free(im.pixels);
    /* RGB -> gray luma, gray -> RGB replicate */
    img_make(&im, 1, 1, 4, 0);
    im.pixels[0] = 255, im.pixels[3] = 7; /* red, alpha ignored */
    CHECK_OK(mlip_image_preprocess(&im, NULL, out, 1, 1));
    CHECK(fabsf(out[0] - 0.299f) < 1e-6f);
    free(im.pixels);
    img_make(&im, 2, 2, 1, 51);
    CHECK_OK(mlip_image_preprocess(&im, NULL, out, 3, 3));
    CHECK(fabsf(out[0] - 0.2f) < 1e-6f && fabsf(out[26] - 0.2f) < 1e-6f);
    CHECK_FAILS(mlip_image_preprocess(&im, NULL, out, 3, 2), MLIP_ERR_INVALID_ARG);
    CHECK_FAILS(mlip_image_preprocess(&im, NULL, out, 0, 1), MLIP_ERR_INVALID_ARG);
    o.norm = MLIP_IMAGE_NORM_WINDOW; /* no window anywhere */
    CHECK_FAILS(mlip_image_preprocess(&im, &o, out, 3, 1), MLIP_ERR_INVALID_ARG);
    free(im.pixels);
}

/* ---- MLIP_IMAGE_BICUBIC against open_clip's preprocess (Pillow + torchvision) ---- */
#define PIL_DATA IMG_DATA "pil/"

/* got (channels, size, size) against a reference PPM holding k / 255 as k: the fraction of
   values within 1/255 and the largest difference, in units of 1/255. */
static void pil_compare(const float *got, const mlip_image *ref, int channels, double *within,
                        double *worst) {
    size_t plane = (size_t)ref->width * ref->height, i, n = plane * channels, ok = 0;
    int c;
    *worst = 0;
    for (c = 0; c < channels; c++)
        for (i = 0; i < plane; i++) {
            float want = ref->pixels[c * plane + i] / 255.0f; /* as ToTensor divides */
            double d = fabs((double)got[c * plane + i] - want) * 255.0;
            ok += d <= 1 + 1e-4;
            if (d > *worst) *worst = d;
        }
    *within = (double)ok / n;
}

/* One line of tests/data/pil/cases.txt: input size fit channels reference. */
static void pil_case(const char *line) {
    char src[64], fit[8], refname[64], path[160];
    int size, channels;
    mlip_image im, ref;
    mlip_preprocess_options o;
    float *out;
    double within, worst;
    if (sscanf(line, "%63s %d %7s %d %63s", src, &size, fit, &channels, refname) != 5) {
        CHECK_MSG(0, "cases.txt: bad line '%s'", line);
        return;
    }
    memset(&o, 0, sizeof o);
    o.resize = MLIP_IMAGE_BICUBIC;
    o.fit = strcmp(fit, "pad") ? MLIP_IMAGE_CROP : MLIP_IMAGE_PAD;
    snprintf(path, sizeof path, PIL_DATA "%s", src);
    CHECK_OK(mlip_image_read_file(path, NULL, &im));
    snprintf(path, sizeof path, PIL_DATA "%s", refname);
    CHECK_OK(mlip_image_read_file(path, NULL, &ref));
    if (!im.pixels || !ref.pixels) return;
    out = mt_alloc((size_t)3 * size * size);
    CHECK_OK(mlip_image_preprocess(&im, &o, out, size, channels));
    pil_compare(out, &ref, channels, &within, &worst);
    printf("    %-28s %d x %d -> %d %s: %.2f%% within 1/255, max diff %g/255\n", refname, im.width,
           im.height, size, fit, 100 * within, worst);
    CHECK_MSG(within >= 0.999, "%s: only %.3f%% within 1/255", refname, 100 * within);
    /* Pillow's arithmetic is emulated, so the levels are Pillow's own */
    CHECK_MSG(worst == 0, "%s: differs from Pillow by up to %g/255", refname, worst);
    free(out);
    mlip_image_free(&im);
    mlip_image_free(&ref);
}

static void test_pil_fixtures(void) {
    FILE *f = fopen(PIL_DATA "cases.txt", "r");
    char line[256];
    int n = 0;
    if (!f) SKIP("no " PIL_DATA "cases.txt (tools/pil_fixture.py writes it)");
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        pil_case(line);
        n++;
    }
    fclose(f);
    CHECK(n >= 10);
}

/* Geometry, degenerate sizes and refused options of MLIP_IMAGE_BICUBIC, without Pillow. */
static void test_pil_geometry(void) {
    mlip_image im;
    mlip_preprocess_options o;
    float *out = mt_alloc(3 * 64 * 64), *big;
    const float l200 = 200 / 255.0f, l90 = 90 / 255.0f; /* stored: no excess precision (s390x) */
    int i;
    memset(&o, 0, sizeof o);
    o.resize = MLIP_IMAGE_BICUBIC;
    o.fit = MLIP_IMAGE_CROP;
    /* the exact size is the identity: every level comes back as k / 255 */
    img_make(&im, 5, 5, 1, 0);
    for (i = 0; i < 25; i++) im.pixels[i] = (float)(i * 10);
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 5, 3));
    for (i = 0; i < 75; i++) {
        float want = (float)((i % 25) * 10) / 255.0f; /* assigned: no excess precision (s390x) */
        CHECK(out[i] == want);
    }
    free(im.pixels);
    /* one pixel, up to 7 x 7: every tap normalised onto it; 1 x N and N x 1 crop and pad */
    img_make(&im, 1, 1, 1, 200);
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 7, 1));
    for (i = 0; i < 49; i++) CHECK(out[i] == l200);
    free(im.pixels);
    img_make(&im, 1, 40, 1, 90);
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 9, 1));
    for (i = 0; i < 81; i++) CHECK(out[i] == l90);
    o.fit = MLIP_IMAGE_PAD; /* 9 x 1 rounds to 0 columns: one column, the rest pad */
    o.pad_value = 0.25f;
    CHECK_OK(mlip_image_preprocess(&im, &o, out, 9, 1));
    for (i = 0; i < 81; i++) CHECK(out[i] == (i % 9 == 4 ? l90 : 0.25f));
    free(im.pixels);
    /* a long side beyond int after scaling, unknown modes: refused with a message */
    img_make(&im, 1, 1 << 20, 1, 0);
    o.fit = MLIP_IMAGE_CROP;
    big = mt_alloc((size_t)2048 * 2048);
    CHECK_FAILS(mlip_image_preprocess(&im, &o, big, 2048, 1), MLIP_ERR_UNSUPPORTED);
    free(big);
    free(im.pixels);
    img_make(&im, 4, 4, 1, 0);
    o.resize = (mlip_image_resize)3;
    CHECK_FAILS(mlip_image_preprocess(&im, &o, out, 4, 1), MLIP_ERR_INVALID_ARG);
    o.resize = (mlip_image_resize)-1;
    CHECK_FAILS(mlip_image_preprocess(&im, &o, out, 4, 1), MLIP_ERR_INVALID_ARG);
    o.resize = MLIP_IMAGE_BICUBIC;
    o.fit = (mlip_image_fit)2;
    CHECK_FAILS(mlip_image_preprocess(&im, &o, out, 4, 1), MLIP_ERR_INVALID_ARG);
    free(im.pixels);
    free(out);
}

/* ---- real chest X-rays ---- */
static void test_cxr(void) {
    int i, read = 0;
    float *out = mt_alloc(224 * 224);
    for (i = 1; i <= 5; i++) {
        char path[64];
        mlip_image im, back;
        unsigned char *png;
        size_t len, j, bad = 0;
        float *unit;
        snprintf(path, sizeof path, "../shared/data/cxr/%05d.pgm", i);
        if (mlip_image_read_file(path, NULL, &im) != MLIP_OK) continue;
        read++;
        CHECK(im.channels == 1 && im.max_value == 255 && (im.width == 256 || im.height == 256));
        CHECK_OK(mlip_image_preprocess(&im, NULL, out, 224, 1));
        for (j = 0; j < 224 * 224; j++) bad += !(out[j] >= 0 && out[j] <= 1);
        CHECK(bad == 0);
        /* PNG round trip of the X-ray is exact at 8 bits */
        unit = mt_alloc((size_t)im.width * im.height);
        for (j = 0; j < (size_t)im.width * im.height; j++) unit[j] = im.pixels[j] / 255.0f;
        CHECK_OK(mlip_image_encode_png(unit, im.width, im.height, 1, &png, &len));
        CHECK_OK(mlip_image_read_memory(png, len, NULL, &back));
        for (j = 0; back.pixels && j < (size_t)im.width * im.height; j++)
            bad += back.pixels[j] != im.pixels[j];
        CHECK_MSG(bad == 0 && back.pixels, "%s: PNG round trip differs in %lu pixels", path,
                  (unsigned long)bad);
        mlip_image_free(&back);
        mlip_image_free(&im);
        mlip_free(png);
        free(unit);
    }
    free(out);
    if (!read) SKIP("../shared/data/cxr not present");
}

/* ---- hostile input ---- */
static int img_try(const unsigned char *buf, size_t len) { /* 1 = decoded */
    mlip_image im;
    mlip_status st = mlip_image_read_memory(buf, len, NULL, &im);
    if (st == MLIP_OK) {
        CHECK(im.pixels && im.width > 0 && im.height > 0);
        mlip_image_free(&im);
        return 1;
    }
    CHECK_MSG(mlip_last_error()[0] && im.pixels == NULL, "failure without a message (len %lu)",
              (unsigned long)len);
    return 0;
}

static void test_hostile(void) {
    static img_dcm d;
    const char *files[] = {
        IMG_DATA "png/c0d16i.png",    IMG_DATA "png/c3d04n.png",
        IMG_DATA "png/c6d16i.png",    IMG_DATA "png/pil_rgb8.png",
        IMG_DATA "png/im_rgb16i.png", PYDICOM_DATA "test_files/MR_small_bigendian.dcm"};
    mlip_rng rng;
    size_t len, cut;
    int f, it, ok_full;
    mlip_rng_seed(&rng, 2026, 8);
    for (f = 0; f < (int)(sizeof files / sizeof files[0]) + 2; f++) {
        unsigned char *buf, *mut;
        if (f < (int)(sizeof files / sizeof files[0])) {
            buf = img_slurp(files[f], &len);
            if (!buf) continue; /* the pydicom file may be absent */
        } else {
            if (f == (int)(sizeof files / sizeof files[0]))
                dcm_mono(&d, "1.2.840.10008.1.2", "MONOCHROME2", 3);
            else
                dcm_mono(&d, "1.2.840.10008.1.2.2", "MONOCHROME1", 2);
            len = d.n;
            buf = (unsigned char *)malloc(len);
            memcpy(buf, d.b, len);
        }
        ok_full = img_try(buf, len);
        CHECK(ok_full);
        /* every truncation: a copy of exactly that length so ASan sees any overread */
        for (cut = 0; cut<len; cut += len> 5000 ? 7 : 1) {
            mut = (unsigned char *)malloc(cut ? cut : 1);
            memcpy(mut, buf, cut);
            img_try(mut, cut);
            free(mut);
        }
        /* random byte flips */
        mut = (unsigned char *)malloc(len);
        for (it = 0; it < 600; it++) {
            int flips = 1 + (int)mlip_rng_below(&rng, 4), j;
            memcpy(mut, buf, len);
            for (j = 0; j < flips; j++)
                mut[mlip_rng_below(&rng, (uint32_t)len)] ^=
                    (unsigned char)(1 + mlip_rng_below(&rng, 255));
            img_try(mut, len);
        }
        free(mut);
        free(buf);
    }
    /* PNG lying about sizes (CRC fixed up so the size check itself is what refuses) */
    {
        unsigned char *png = img_slurp(IMG_DATA "png/c0d08n.png", &len);
        uint32_t table[256];
        mlip_image im;
        mlip_image_options opt;
        unsigned char *ihdr;
        if (png) {
            mlip__png_crc_table(table);
            ihdr = png + 12;
            ihdr[4] = 0x00, ihdr[5] = 0x01, ihdr[6] = 0x00, ihdr[7] = 0x00; /* width 65536 */
            ihdr[8] = 0x00, ihdr[9] = 0x01, ihdr[10] = 0x00, ihdr[11] = 0x00; /* height 65536 */
            {
                uint32_t c = mlip__png_crc(table, 0, ihdr, 17);
                ihdr[17] = (unsigned char)(c >> 24);
                ihdr[18] = (unsigned char)(c >> 16);
                ihdr[19] = (unsigned char)(c >> 8);
                ihdr[20] = (unsigned char)c;
            }
            CHECK_FAILS(mlip_image_read_memory(png, len, NULL, &im),
                        MLIP_ERR_UNSUPPORTED); /* 2^32 > 2^28 */
            memset(&opt, 0, sizeof opt);
            opt.max_pixels = (size_t)1 << 40;
            if (sizeof(size_t) > 4) /* now allowed by the limit: the data is too short */
                CHECK(mlip_image_read_memory(png, len, &opt, &im) != MLIP_OK && im.pixels == NULL);
            free(png);
            png = img_slurp(IMG_DATA "png/c0d08n.png", &len);
            opt.max_pixels = 62; /* 9x7 = 63 */
            CHECK_FAILS(mlip_image_read_memory(png, len, &opt, &im), MLIP_ERR_UNSUPPORTED);
            png[33] = 0x7F, png[34] = 0xFF, png[35] = 0xFF,
            png[36] = 0xF0; /* first chunk after IHDR */
            CHECK_FAILS(mlip_image_read_memory(png, len, NULL, &im), MLIP_ERR_FORMAT);
            free(png);
        }
    }
}

/* ---- inputs the fuzzer found (or seeds): must not crash; kept as regression files ---- */
static void test_corpus(void) {
    DIR *dir = opendir(IMG_DATA "image_corpus");
    struct dirent *ent;
    int n = 0;
    if (!dir) SKIP("no " IMG_DATA "image_corpus");
    while ((ent = readdir(dir))) {
        char path[512];
        size_t len;
        unsigned char *buf;
        if (ent->d_name[0] == '.') continue;
        snprintf(path, sizeof path, IMG_DATA "image_corpus/%s", ent->d_name);
        buf = img_slurp(path, &len);
        if (!buf) continue;
        img_try(buf, len);
        free(buf);
        n++;
    }
    closedir(dir);
    if (!n) SKIP("image_corpus is empty");
}

static const mt_case image_tests[] = {
    {"pnm_formats", test_pnm_formats},
    {"pnm_roundtrip", test_pnm_roundtrip},
    {"png_suite", test_png_suite},
    {"png_writer", test_png_writer},
    {"dicom_synthetic", test_dicom_synthetic},
    {"dicom_pydicom", test_dicom_pydicom},
    {"preprocess", test_preprocess},
    {"pil_fixtures", test_pil_fixtures},
    {"pil_geometry", test_pil_geometry},
    {"cxr", test_cxr},
    {"hostile", test_hostile},
    {"corpus", test_corpus},
    {NULL, NULL},
};
