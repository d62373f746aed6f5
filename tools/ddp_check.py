"""End-to-end check of the DDP trainer against mlip.h (run from the repository root:
/usr/bin/python3 tools/ddp_check.py [--keep DIR]; about a minute on 2 cores).

1. Makes 8 small synthetic image-report pairs in a temporary folder: PGM images (P5 8-bit,
   P5 16-bit, P2; sizes 40x32, 32x48, 32x32 so the resize pads) of simple shapes, reports that
   name the shape and its side, a vocab.txt, and a TSV with a header (image, text).
2. Trains the micro config with tools/train_torch.py, 2 processes x 3 steps, gloo, env://
   rendezvous on MASTER_ADDR=127.0.0.1 (the --spawn launcher).
3. Converts the safetensors file with `./mlip convert` (built with `make mlip` when missing).
4. Builds tools/ddp_check.c, which loads the .mlip and prints the global image and text
   embeddings (mlip_vit_forward / mlip_bert_forward / mlip_projection_forward) of inputs the
   twin prepared, plus mlip.h's own preprocessing of the image files and tokenization of the
   texts.
5. Compares with the twin (float64, loaded from the safetensors file): PASS when the
   normalised error ||C - twin|| / ||twin|| of both embedding matrices is <= 1e-5, mlip.h's
   token ids and sentence spans equal the Python tokenizer's, and mlip_image_preprocess
   differs from the Python preprocessing by <= 1e-5 per pixel. Prints PASS / FAIL, exits 1 on
   failure, and the time each stage took.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from mlip_objective import MLIPObjective, named_config  # noqa: E402
from train_torch import Tokenizer, preprocess, read_image, read_safetensors, read_tsv, free_port  # noqa: E402

SHAPES = ["circle", "square", "cross", "bar"]
SIDES = ["left", "right"]


def draw(shape, side, w, h, rng):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = 0.15 + 0.05 * rng.standard_normal((h, w))
    cx = w * (0.3 if side == "left" else 0.7)
    cy, r = h * 0.5, min(w, h) * 0.18
    if shape == "circle":
        m = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    elif shape == "square":
        m = (abs(xx - cx) <= r) & (abs(yy - cy) <= r)
    elif shape == "cross":
        m = ((abs(xx - cx) <= r / 3) & (abs(yy - cy) <= r)) | ((abs(yy - cy) <= r / 3) & (abs(xx - cx) <= r))
    else:
        m = (abs(xx - cx) <= r / 3) & (abs(yy - cy) <= 1.6 * r)
    img[m] = 0.85
    return np.clip(img, 0, 1)


def write_pgm(path, img, kind):
    h, w = img.shape
    if kind == "p5_8":
        data = np.round(img * 255).astype(np.uint8)
        with open(path, "wb") as f:
            f.write(b"P5\n# synthetic\n%d %d\n255\n" % (w, h) + data.tobytes())
    elif kind == "p5_16":
        data = np.round(img * 65535).astype(">u2")
        with open(path, "wb") as f:
            f.write(b"P5\n%d %d\n65535\n" % (w, h) + data.tobytes())
    else:
        data = np.round(img * 200).astype(int)
        with open(path, "w") as f:
            f.write("P2\n%d %d\n200\n" % (w, h))
            for row in data:
                f.write(" ".join(str(v) for v in row) + "\n")


def make_data(d):
    rng = np.random.default_rng(7)
    sizes = [(40, 32), (32, 48), (32, 32), (40, 32)]
    kinds = ["p5_8", "p5_16", "p2", "p5_8"]
    rows = []
    for i in range(8):
        shape, side = SHAPES[i % 4], SIDES[(i // 4 + i) % 2]
        w, h = sizes[i % 4]
        name = "img%02d.pgm" % i
        write_pgm(os.path.join(d, name), draw(shape, side, w, h, rng), kinds[i % 4])
        other = SHAPES[(i + 1) % 4]
        text = ("A bright %s in the %s field. No %s is seen.\\nSize about 2.5 cm; e.g. stable." % (shape, side, other)
                if i % 2 == 0 else "The %s lies on the %s side! Otherwise normal." % (shape, side))
        rows.append((name, text))
    with open(os.path.join(d, "pairs.tsv"), "w") as f:
        f.write("id\timage\ttext\n")
        for i, (name, text) in enumerate(rows):
            f.write("%d\t%s\t%s\n" % (i, name, text))
    words = ["a", "bright", "in", "the", "field", "no", "is", "seen", "size", "about", "cm", "stable", "lies", "on",
             "side", "otherwise", "normal", "left", "right", "circle", "square", "bar"]  # "cross": word pieces
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("abcdefghijklmnopqrstuvwxyz0123456789.,;!?") + \
        ["##" + c for c in "abcdefghijklmnopqrstuvwxyz0123456789"] + words + ["cr", "##oss"]
    with open(os.path.join(d, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")


def run(cmd, **kw):
    t = time.time()
    r = subprocess.run(cmd, **kw)
    if r.returncode != 0:
        print("FAIL: command failed (%d): %s" % (r.returncode, " ".join(cmd)))
        sys.exit(1)
    return time.time() - t


def main():
    ap = argparse.ArgumentParser(description="DDP trainer -> .mlip -> mlip.h parity check")
    ap.add_argument("--keep", default="", help="work in this folder and keep it")
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args()
    t_all = time.time()
    d = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="mlip_ddp_")
    os.makedirs(d, exist_ok=True)
    times = {}
    try:
        make_data(d)
        mlip = os.path.join(ROOT, "mlip")
        if not os.path.exists(mlip):
            times["make mlip"] = run(["make", "-C", ROOT, "mlip"], stdout=subprocess.DEVNULL)
        checker = os.path.join(d, "ddp_check")
        times["cc ddp_check.c"] = run(["cc", "-std=c99", "-O2", "-o", checker, os.path.join(HERE, "ddp_check.c"),
                                       "-lm", "-lpthread"])
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))
        st = os.path.join(d, "model.safetensors")
        times["train 2 ranks"] = run([sys.executable, os.path.join(HERE, "train_torch.py"), "--spawn", "2",
                                      "--backend", "gloo", "--data", os.path.join(d, "pairs.tsv"),
                                      "--vocab", os.path.join(d, "vocab.txt"), "--config", "micro",
                                      "--steps", str(args.steps), "--batch", "2", "--lr", "1e-3", "--max-len", "24",
                                      "--max-sentences", "4", "--out", st], env=env)
        ml = os.path.join(d, "model.mlip")
        times["mlip convert"] = run([mlip, "convert", st, ml])

        # the twin, from the file the trainer wrote
        tensors, meta = read_safetensors(st)
        tok = Tokenizer(tokens=meta["tokenizer.vocab"].split("\n")[:-1], lowercase=meta["tokenizer.lowercase"] == "1")
        cfg = named_config("micro", len(tok.tokens))
        obj = MLIPObjective(cfg)
        names = obj.named_tensors()
        missing = [n for n in names if not n.startswith("mip.") and n not in tensors]
        extra = [n for n in tensors if n not in names]
        if missing or extra:
            print("FAIL: safetensors names: missing %s, unexpected %s" % (missing[:5], extra[:5]))
            sys.exit(1)
        with torch.no_grad():
            for n, t in tensors.items():
                names[n].copy_(t)
        obj = obj.double().eval()
        rows = read_tsv(os.path.join(d, "pairs.tsv"))
        S, C, T, L = cfg["vit"]["image_size"], cfg["vit"]["channels"], 24, 4
        images = np.stack([preprocess(read_image(p), S, C) for p, _ in rows])
        enc = [tok.encode(text, T, L) for _, text in rows]
        ids = torch.tensor([e[0] for e in enc])
        mask = torch.tensor([e[1] for e in enc])
        with torch.no_grad():
            x = obj.normalise(torch.from_numpy(images).double())
            v = obj.vision(x)[:, 0]
            t = obj.text(ids, None, mask)[:, 0]
            zi = F.normalize(obj.head["global_image"](v), dim=-1, eps=1e-12).numpy()
            zt = F.normalize(obj.head["global_text"](t), dim=-1, eps=1e-12).numpy()

        inp = os.path.join(d, "inputs.bin")
        N = len(rows)
        with open(inp, "wb") as f:
            f.write(struct.pack("<5i", N, C, S, T, L))
            f.write(images.astype("<f4").tobytes())
            f.write(ids.numpy().astype("<i4").tobytes())
            f.write(mask.numpy().astype("<i4").tobytes())
            for p, text in rows:
                pb, tb = p.encode(), text.encode()
                f.write(struct.pack("<i", len(pb)) + pb + struct.pack("<i", len(tb)) + tb)
        t0 = time.time()
        out = subprocess.run([checker, ml, inp], capture_output=True, text=True)
        times["C forward"] = time.time() - t0
        if out.returncode != 0:
            print(out.stderr)
            print("FAIL: ddp_check (C) failed")
            sys.exit(1)
        ci, ct, pre, ctok, csent = {}, {}, {}, {}, {}
        for line in out.stdout.splitlines():
            f = line.split()
            if f[0] == "image_emb":
                ci[int(f[1])] = [float(x) for x in f[2:]]
            elif f[0] == "text_emb":
                ct[int(f[1])] = [float(x) for x in f[2:]]
            elif f[0] == "pre_maxdiff":
                pre[int(f[1])] = float(f[2])
            elif f[0] == "tok":
                ctok[int(f[1])] = [int(x) for x in f[3:]]
            elif f[0] == "sent":
                vals = [int(x) for x in f[3:]]
                csent[int(f[1])] = list(zip(vals[0::2], vals[1::2]))
        ci = np.array([ci[i] for i in range(N)])
        ct = np.array([ct[i] for i in range(N)])
        err_i = np.linalg.norm(ci - zi) / np.linalg.norm(zi)
        err_t = np.linalg.norm(ct - zt) / np.linalg.norm(zt)
        tok_ok = all(ctok[i] == enc[i][0] for i in range(N))
        sent_ok = all(csent[i] == list(enc[i][2]) for i in range(N))
        pre_max = max(pre.values())
        print("image embeddings: normalised error %.2e" % err_i)
        print("text embeddings:  normalised error %.2e" % err_t)
        print("tokenizer: ids %s, sentence spans %s (%s)" % ("equal" if tok_ok else "DIFFER", "equal" if sent_ok else "DIFFER",
                                                             ", ".join(str(len(e[2])) for e in enc)))
        print("preprocessing: max |mlip.h - python| %.2e" % pre_max)
        if not tok_ok or not sent_ok:
            for i in range(N):
                if ctok[i] != enc[i][0] or csent[i] != list(enc[i][2]):
                    print("  row %d C %s %s\n        py %s %s" % (i, ctok[i], csent[i], enc[i][0], enc[i][2]))
        total = time.time() - t_all
        print("times: " + ", ".join("%s %.1f s" % kv for kv in times.items()) + ", total %.1f s" % total)
        ok = err_i <= 1e-5 and err_t <= 1e-5 and tok_ok and sent_ok and pre_max <= 1e-5
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
