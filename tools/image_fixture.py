#!/usr/bin/python3
"""Reference data for tests/test_image.c, written by independent tools.

  /usr/bin/python3 tools/image_fixture.py png     -> tests/data/png/*.png + *.ref
  /usr/bin/python3 tools/image_fixture.py dicom   -> tests/data/dicom_reference.txt
  /usr/bin/python3 tools/image_fixture.py corpus FILE...  -> tests/data/image_corpus/
      (fuzzer inputs kept as regression files; PNG CRCs and Adler-32 repaired where the
      structure allows, because the fuzz build skips those checks and the tests do not)

PNG: a PngSuite-style set of tiny images. The pixels come from a seeded numpy array (the
reference); the files are encoded by a small encoder here (every color type, bit depth,
filter and Adam7, compressed by Python's zlib), by Pillow and by ImageMagick. Every file
this script encodes itself is also decoded by Pillow where Pillow can represent it, so a
misunderstanding shared by this encoder and the C decoder would show up here.
.ref format: ASCII header "MLIPREF w h c\n", then w*h*c uint16 big-endian, planar (c,h,w).

DICOM: pydicom (Debian's python3-pydicom) reads every sample .dcm it ships; for each file
we record the transfer syntax, size, frames, and statistics of frame 0 after the modality
LUT (Rescale Slope/Intercept), or that the syntax is compressed.
"""
import os, struct, subprocess, sys, zlib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PNG_DIR = os.path.join(ROOT, "tests", "data", "png")
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pack_row(samples, depth):
    """samples: 1-D ints -> bytes, sub-byte depths packed MSB first, 16-bit big-endian."""
    if depth == 16:
        return b"".join(struct.pack(">H", int(s)) for s in samples)
    if depth == 8:
        return bytes(int(s) for s in samples)
    out, acc, nbits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | int(s)
        nbits += depth
        if nbits == 8:
            out.append(acc)
            acc, nbits = 0, 0
    if nbits:
        out.append(acc << (8 - nbits))
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filter_rows(rows, bpp, filters):
    """rows: list of bytes; filters: per-row filter type (cycled)."""
    out, prev = bytearray(), bytes(len(rows[0])) if rows else b""
    for y, row in enumerate(rows):
        f = filters[y % len(filters)]
        out.append(f)
        for x in range(len(row)):
            a = row[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f]
            out.append((row[x] - pred) & 0xFF)
        prev = row
    return bytes(out)


def encode_png(arr, color, depth, interlace, filters, palette=None, compress=None):
    """arr: (h, w, c) integer samples as stored in the file (palette: indices)."""
    h, w, c = arr.shape
    bpp = max(1, c * depth // 8)
    raw = b""
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for sx, sy, dx, dy in passes:
        sub = arr[sy::dy, sx::dx, :]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        rows = [pack_row(sub[y].reshape(-1), depth) for y in range(sub.shape[0])]
        raw += filter_rows(rows, bpp, filters)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace))
    if palette is not None:
        png += chunk(b"PLTE", bytes(palette.reshape(-1).tolist()))
    png += chunk(b"tEXt", b"Comment\x00ancillary chunk, must be skipped")
    data = compress(raw) if compress else zlib.compress(raw, 9)
    # split the stream over several IDAT chunks, as real encoders may do
    for i in range(0, len(data), 40):
        png += chunk(b"IDAT", data[i:i + 40])
    return png + chunk(b"IEND", b"")


def write_ref(name, planar):
    c, h, w = planar.shape
    with open(os.path.join(PNG_DIR, name + ".ref"), "wb") as f:
        f.write(b"MLIPREF %d %d %d\n" % (w, h, c))
        f.write(planar.astype(">u2").tobytes())


def check_with_pillow(path, expect_hwc, color, depth):
    """Pillow decodes 8-bit files and 16-bit gray faithfully; compare where it can."""
    from PIL import Image
    if depth == 16 and color != 0:
        return
    im = Image.open(path)
    im.load()
    a = np.array(im)
    if color == 3:
        a = np.array(im.convert("RGB"))
    if a.ndim == 2:
        a = a[:, :, None]
    if depth < 8 and color == 0:  # Pillow scales 1-bit to 0/255, keeps 2/4-bit raw as L?
        return
    assert np.array_equal(a.astype(np.int64), expect_hwc.astype(np.int64)), path


def gen_png():
    os.makedirs(PNG_DIR, exist_ok=True)
    for f in os.listdir(PNG_DIR):
        os.remove(os.path.join(PNG_DIR, f))
    rng = np.random.default_rng(8)
    w, h = 9, 7  # odd sizes: every Adam7 pass is non-empty and partial
    made = 0
    for color, depths in [(0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16])]:
        for depth in depths:
            for interlace in (0, 1):
                c = CHANNELS[color]
                top = (1 << depth) - 1
                # smooth ramps plus noise: exercises every filter's arithmetic with carries
                base = (np.arange(w)[None, :, None] * 7 + np.arange(h)[:, None, None] * 5) % (top + 1)
                arr = (base + rng.integers(0, top + 1, size=(h, w, c))) % (top + 1)
                palette = None
                if color == 3:
                    n = 1 << depth
                    palette = rng.integers(0, 256, size=(n, 3))
                    arr = arr % n
                # filters: a different one on every row, cycling through all five
                name = "c%dd%02d%s" % (color, depth, "i" if interlace else "n")
                png = encode_png(arr, color, depth, interlace, [0, 1, 2, 3, 4], palette)
                path = os.path.join(PNG_DIR, name + ".png")
                open(path, "wb").write(png)
                ref = palette[arr[:, :, 0]] if color == 3 else arr
                check_with_pillow(path, ref, color, depth)
                write_ref(name, np.transpose(ref, (2, 0, 1)))
                made += 1
    # every kind of deflate block: stored (level 0), fixed Huffman only, run-length
    # matches (distance 1, overlapping copies), Huffman without matches
    img = ((np.arange(32)[None, :] // 4 + np.arange(32)[:, None] // 3) * 9 % 256).astype(np.int64)
    img[rng.integers(0, 32, 40), rng.integers(0, 32, 40)] = rng.integers(0, 256, 40)
    for tag, level, strategy in [("stored", 0, zlib.Z_DEFAULT_STRATEGY), ("fixed", 9, zlib.Z_FIXED),
                                 ("rle", 9, zlib.Z_RLE), ("huff", 9, zlib.Z_HUFFMAN_ONLY)]:
        def comp(raw, level=level, strategy=strategy):
            c = zlib.compressobj(level, zlib.DEFLATED, 15, 9, strategy)
            return c.compress(raw) + c.flush()
        name = "z_" + tag
        png = encode_png(img[:, :, None], 0, 8, 0, [0, 1, 2, 3, 4], None, comp)
        open(os.path.join(PNG_DIR, name + ".png"), "wb").write(png)
        check_with_pillow(os.path.join(PNG_DIR, name + ".png"), img[:, :, None], 0, 8)
        write_ref(name, img[None])
    # independent encoders: Pillow (its own filter choice) and ImageMagick (interlaced 16-bit)
    from PIL import Image
    g8 = rng.integers(0, 256, size=(11, 13), dtype=np.uint8)
    Image.fromarray(g8, "L").save(os.path.join(PNG_DIR, "pil_l8.png"))
    write_ref("pil_l8", g8[None])
    rgb = rng.integers(0, 256, size=(11, 13, 3), dtype=np.uint8)
    Image.fromarray(rgb, "RGB").save(os.path.join(PNG_DIR, "pil_rgb8.png"))
    write_ref("pil_rgb8", np.transpose(rgb, (2, 0, 1)))
    rgba = rng.integers(0, 256, size=(11, 13, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(os.path.join(PNG_DIR, "pil_rgba8.png"))
    write_ref("pil_rgba8", np.transpose(rgba, (2, 0, 1)))
    g16 = rng.integers(0, 65536, size=(11, 13)).astype(np.uint16)
    Image.fromarray(g16.astype(np.int32), "I").convert("I;16").save(os.path.join(PNG_DIR, "pil_i16.png"))
    back = np.array(Image.open(os.path.join(PNG_DIR, "pil_i16.png")))
    assert np.array_equal(back.astype(np.int64), g16.astype(np.int64))
    write_ref("pil_i16", g16[None])
    try:
        # ImageMagick: 16-bit RGB, Adam7, paeth filter (quality 94 = zlib level 9, filter 4)
        rgb16 = rng.integers(0, 65536, size=(11, 13, 3)).astype(np.uint16)
        ppm = b"P6\n13 11\n65535\n" + rgb16.astype(">u2").tobytes()
        out = os.path.join(PNG_DIR, "im_rgb16i.png")
        subprocess.run(["convert", "ppm:-", "-depth", "16", "-interlace", "PNG", "-quality", "94",
                        "-define", "png:exclude-chunks=date,time", "+set", "date:create",
                        "+set", "date:modify", "PNG48:" + out], input=ppm, check=True)
        write_ref("im_rgb16i", np.transpose(rgb16, (2, 0, 1)))
        g2 = rng.integers(0, 4, size=(11, 13)).astype(np.uint8)
        pgm = b"P5\n13 11\n3\n" + g2.tobytes()
        out = os.path.join(PNG_DIR, "im_gray2.png")
        subprocess.run(["convert", "pgm:-", "-define", "png:bit-depth=2", "-define", "png:color-type=0",
                        "-quality", "92", "-define", "png:exclude-chunks=date,time", out], input=pgm, check=True)
        write_ref("im_gray2", g2[None].astype(np.uint16) * 1)
    except (OSError, subprocess.CalledProcessError) as e:
        print("ImageMagick files skipped:", e)
    total = sum(os.path.getsize(os.path.join(PNG_DIR, f)) for f in os.listdir(PNG_DIR))
    print("wrote %d files, %d bytes, to %s" % (len(os.listdir(PNG_DIR)), total, PNG_DIR))


def dicom_files():
    out = subprocess.run(["dpkg", "-L", "python3-pydicom"], capture_output=True, text=True).stdout.split()
    return sorted(p for p in out if p.lower().endswith(".dcm"))


COMPRESSED_PREFIXES = ("1.2.840.10008.1.2.4.", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.1.99")


def gen_dicom():
    import pydicom
    from pydicom.pixel_data_handlers.util import apply_modality_lut
    lines = ["# written by tools/image_fixture.py dicom with pydicom %s: one file per line," % pydicom.__version__,
             "# paths relative to /usr/lib/python3/dist-packages/pydicom/data/ (Debian python3-pydicom)",
             "# name ts width height frames channels | min max mean sum | x y value ... (frame 0, channel 0)",
             "# or: name ts compressed"]
    for path in dicom_files():
        # path relative to pydicom's data folder (the test prefixes the install path)
        name = path.split("/pydicom/data/", 1)[1] if "/pydicom/data/" in path else os.path.basename(path)
        try:
            ds = pydicom.dcmread(path)
        except Exception:
            continue
        if not hasattr(ds, "file_meta") or "TransferSyntaxUID" not in ds.file_meta:
            continue
        with open(path, "rb") as f:
            f.seek(128)
            if f.read(4) != b"DICM":
                continue
        ts = str(ds.file_meta.TransferSyntaxUID)
        if "PixelData" not in ds:
            continue
        if ts.startswith(COMPRESSED_PREFIXES):
            lines.append("%s %s compressed" % (name, ts))
            continue
        pi = str(ds.get("PhotometricInterpretation", ""))
        if pi not in ("MONOCHROME1", "MONOCHROME2", "RGB") or ds.BitsAllocated not in (8, 16, 32):
            continue
        try:
            arr = ds.pixel_array
        except Exception as e:
            print("pydicom cannot decode %s: %s" % (name, e))
            continue
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        if frames > 1:
            arr = arr[0]
        arr = apply_modality_lut(arr, ds).astype(np.float64)
        spp = int(ds.SamplesPerPixel)
        if spp == 1:
            planar = arr[None]
        else:
            planar = np.transpose(arr, (2, 0, 1))
        h, w = planar.shape[1:]
        rng = np.random.default_rng(len(name))
        pts = [(0, 0), (w - 1, h - 1), (w // 2, h // 2)] + [(int(rng.integers(w)), int(rng.integers(h))) for _ in range(5)]
        samples = " ".join("%d %d %.9g" % (x, y, planar[0, y, x]) for x, y in pts)
        lines.append("%s %s %d %d %d %d | %.9g %.9g %.12g %.12g | %s" % (
            name, ts, w, h, frames, spp, planar.min(), planar.max(), planar.mean(), planar.sum(), samples))
    out = os.path.join(ROOT, "tests", "data", "dicom_reference.txt")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d lines to %s" % (len(lines) - 3, out))


def fix_png(data):
    """Recompute chunk CRCs and the zlib Adler-32 of a (fuzzed) PNG, if it parses."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    out, pos, idat_spans = bytearray(data[:8]), 8, []
    while pos + 12 <= len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        if pos + 12 + n > len(data):
            break
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IDAT":
            idat_spans.append((len(out) + 8, n))
        out += data[pos:pos + 8 + n] + struct.pack(">I", zlib.crc32(kind + body))
        pos += 12 + n
    out += data[pos:]
    stream = b"".join(bytes(out[a:a + n]) for a, n in idat_spans)
    try:
        d = zlib.decompressobj(-15)
        raw = d.decompress(stream[2:])
        if d.eof and len(d.unused_data) >= 4 and idat_spans:
            # patch the 4 bytes after the deflate data (they may straddle chunks: skip then)
            at = len(stream) - len(d.unused_data)
            a, n = idat_spans[-1]
            first = len(stream) - n
            if at >= first and at + 4 <= len(stream):
                off = a + (at - first)
                out[off:off + 4] = struct.pack(">I", zlib.adler32(raw))
                body = bytes(out[a - 4:a + n])
                out[a + n:a + n + 4] = struct.pack(">I", zlib.crc32(body))
    except zlib.error:
        pass
    return bytes(out)


def gen_corpus(files):
    import hashlib
    out_dir = os.path.join(ROOT, "tests", "data", "image_corpus")
    os.makedirs(out_dir, exist_ok=True)
    for f in files:
        data = fix_png(open(f, "rb").read())
        name = os.path.basename(f)[:40] if "-" in os.path.basename(f) else hashlib.sha1(data).hexdigest()[:16]
        open(os.path.join(out_dir, name), "wb").write(data)
    print("%d files in %s" % (len(os.listdir(out_dir)), out_dir))


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "png":
        gen_png()
    elif what == "dicom":
        gen_dicom()
    elif what == "corpus":
        gen_corpus(sys.argv[2:])
    else:
        sys.exit(__doc__)
