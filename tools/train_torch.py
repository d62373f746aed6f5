"""Distributed (DDP) training of the PyTorch MLIP twin (tools/mlip_objective.py) on an image-report
TSV; writes a safetensors file that `./mlip convert model.safetensors model.mlip` turns into a
.mlip model for mlip.h. Runs on Debian's python3-torch 1.13 (/usr/bin/python3), CPU or CUDA.

Run, one machine, N processes (this script starts them; Debian's torchrun does not run on
Python 3.11):
    /usr/bin/python3 tools/train_torch.py --spawn 2 --data pairs.tsv --vocab vocab.txt \\
        --config micro --steps 100 --batch 8 --lr 1e-3 --out model.safetensors
On a cluster, start one process per rank yourself with the env:// variables set:
    MASTER_ADDR=host0 MASTER_PORT=29500 RANK=r WORLD_SIZE=n /usr/bin/python3 tools/train_torch.py ...
Without --spawn and without WORLD_SIZE it runs as a single process (world size 1).
Backend: nccl when CUDA is available, else gloo (--backend overrides); one rank per GPU
(LOCAL_RANK, else RANK modulo the device count).

Data: a TSV with an optional header line. With a header that names columns "image" and
"text" (or "report") those columns are used (and "labels" if present, unused here); without
one, the columns are image, report[, labels]. Rows without an image are skipped. Image paths
are relative to the TSV's folder. Report fields may hold the escapes \\n, \\t and \\\\.
Images: PGM/PPM (P2, P3, P5, P6; 8 or 16 bit) by the reader below, PNG only when PIL is
importable (otherwise a clear error). Preprocessing follows mlip_image_preprocess with its
defaults: value / maxval, then bilinear resize (half-pixel centres) of the long side to the
config's image size keeping the aspect, centred, padded with 0, clamped to [0, 1]; RGB -> gray
by luma 0.299 R + 0.587 G + 0.114 B when the model has one channel. No augmentation.

Tokenizer: the vocabulary file (one token per line, id = line number), lower-cased unless
--cased. A small BERT BasicTokenizer (cleaning, whitespace, punctuation split, CJK split,
lower-case + NFD + accent stripping, [CLS]/[SEP]/[PAD]/[UNK]/[MASK] matched verbatim) and
greedy longest-match-first WordPiece (words over 100 characters -> [UNK]). Simplifications
against mlip.h's HF-parity tokenizer: Python's unicodedata tables and str.lower() (no special
final-sigma handling, case folding of whole segments); otherwise the same rules. Sentence
spans follow mlip_tokenizer_sentences: a sentence ends at ".", "?", "!", ";" or a line break,
except a "." between digits ("2.5"), after a one-letter word ("e.g.") or after dr, mr, mrs,
ms, vs, st, fig, approx; a piece without a letter joins the next sentence; spans include the
closing punctuation, are clipped by truncation and at most --max-sentences are kept.

Objective: MLIPObjective exactly as the spec (masking rho, SIE, local OT loss, MIP; switches
--no-sie --no-local --no-mip, --rho 0 = CLIP). Masks are drawn per rank from a generator
seeded with (seed, rank, step). The global loss of each rank uses ITS LOCAL BATCH as the
negatives (CLIP without all-gather), so the global batch size only enters through DDP's
gradient average. --gather instead all-gathers the global features and weights of every rank
(no gradient through the others' features; each rank's own rows keep theirs), so every rank
computes the loss over the whole global batch; the global term is scaled by the world size
for the backward pass so that DDP's average gives that loss's exact gradient.
Optimiser: AdamW (betas 0.9/0.999) with weight decay on the tensors that mlip.h decays
(matrices: linear weights, conv weight, BERT embedding tables; not the ViT [CLS] and position
embeddings, the decoder's mask token and position embeddings, biases, norms, sie.*, logit
scales), linear warm-up then cosine decay to 0, gradient-norm clipping.
Output (rank 0): every non-"mip." tensor under its .mlip name, F32, plus "__metadata__" with
the .mlip config keys as strings ("vit.heads": "4", ..., "tokenizer.vocab": one token a line).
"""
import argparse
import json
import math
import os
import re
import socket
import struct
import subprocess
import sys
import time
import unicodedata

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlip_objective import MLIPObjective, named_config, random_mask  # noqa: E402


# ---- images ---------------------------------------------------------------------------------
def read_pnm(path):
    """PGM/PPM P2 P3 P5 P6 -> (channels, H, W) float64 raw samples, maxval."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 2 or data[:1] != b"P" or data[1:2] not in b"2356":
        raise ValueError("%s: not a PGM/PPM file" % path)
    kind = data[1:2].decode()
    pos, fields = 2, []
    while len(fields) < 3:  # width, height, maxval; '#' comments to the end of the line
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if pos < len(data) and data[pos:pos + 1] == b"#":
            while pos < len(data) and data[pos:pos + 1] not in b"\r\n":
                pos += 1
            continue
        start = pos
        while pos < len(data) and data[pos:pos + 1].isdigit():
            pos += 1
        if start == pos:
            raise ValueError("%s: bad PNM header" % path)
        fields.append(int(data[start:pos]))
    w, h, maxval = fields
    if w <= 0 or h <= 0 or not 0 < maxval < 65536:
        raise ValueError("%s: bad PNM size or maxval" % path)
    ch = 3 if kind in "36" else 1
    n = w * h * ch
    if kind in "56":
        pos += 1  # exactly one whitespace byte after maxval
        if maxval < 256:
            arr = np.frombuffer(data, dtype=np.uint8, count=n, offset=pos)
        else:
            arr = np.frombuffer(data, dtype=">u2", count=n, offset=pos)
    else:
        arr = np.array(data[pos:].split()[:n], dtype=np.int64)
        if arr.size != n:
            raise ValueError("%s: truncated PNM data" % path)
    img = arr.astype(np.float64).reshape(h, w, ch).transpose(2, 0, 1)
    return img, float(maxval)


def read_image(path):
    """(channels, H, W) float64 in [0, 1] (value / max value)."""
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic[:1] == b"P" and magic[1:2] in b"2356":
        img, maxval = read_pnm(path)
        return np.clip(img / maxval, 0.0, 1.0)
    if magic == b"\x89PNG\r\n\x1a\n":
        try:
            from PIL import Image
        except ImportError:
            raise RuntimeError("%s: PNG needs PIL (Debian: apt-get install python3-pil); or convert the "
                               "images to PGM" % path)
        im = Image.open(path)
        mode = im.mode
        arr = np.asarray(im).astype(np.float64)
        maxval = 65535.0 if (mode.startswith("I") and arr.max() > 255) else 255.0
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.shape[2] in (2, 4):  # drop alpha
            arr = arr[:, :, :-1]
        return np.clip(arr.transpose(2, 0, 1) / maxval, 0.0, 1.0)
    raise ValueError("%s: unsupported image format (PGM/PPM, or PNG with PIL)" % path)


def _axis(n_in, size, span, off):
    """Bilinear resampling matrix (size, n_in) as mlip__img_axis (half-pixel centres); rows
    outside [off, off + span) are zero (padding)."""
    M = np.zeros((size, n_in))
    scale = n_in / span
    for o in range(size):
        rel = o - off
        if rel < 0 or rel >= span:
            continue
        s = min(max((rel + 0.5) * scale - 0.5, 0.0), n_in - 1.0)
        i0 = int(math.floor(s))
        if i0 > n_in - 2:
            i0 = n_in - 2 if n_in > 1 else 0
        f = s - i0
        if n_in == 1:
            M[o, 0] = 1.0
        else:
            M[o, i0] += 1.0 - f
            M[o, i0 + 1] += f
    return M


def preprocess(img, size, channels):
    """(c, H, W) in [0, 1] -> (channels, size, size) float32: long side to size, pad (0)."""
    c, H, W = img.shape
    if channels == 1 and c == 3:
        img = (0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2])[None]
    elif channels == 3 and c == 1:
        img = np.repeat(img, 3, axis=0)
    scale = size / max(W, H)
    span_w = min(max(1, int(math.floor(W * scale + 0.5))), size)
    span_h = min(max(1, int(math.floor(H * scale + 0.5))), size)
    off_x, off_y = (size - span_w) // 2, (size - span_h) // 2
    Mx, My = _axis(W, size, span_w, off_x), _axis(H, size, span_h, off_y)
    out = np.einsum("yh,chw,xw->cyx", My, img, Mx)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


# ---- tokenizer ------------------------------------------------------------------------------
SPECIALS = ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]")
ABBREV = {"dr", "mr", "mrs", "ms", "vs", "st", "fig", "approx"}


def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return cp >= 0x80 and unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class Tokenizer:
    def __init__(self, vocab_path=None, lowercase=True, tokens=None):
        if tokens is None:
            with open(vocab_path, encoding="utf-8") as f:
                tokens = [line.rstrip("\r\n") for line in f]
            while tokens and tokens[-1] == "":
                tokens.pop()
        self.tokens = tokens
        self.ids = {t: i for i, t in enumerate(tokens)}  # a repeated token keeps its last id
        self.lowercase = lowercase
        for s in ("[CLS]", "[SEP]", "[PAD]", "[UNK]"):
            if s not in self.ids:
                raise ValueError("vocabulary lacks %s" % s)
        present = [re.escape(s) for s in SPECIALS if s in self.ids]
        self.special_re = re.compile("(%s)" % "|".join(present))

    def _items(self, text):
        """Words, punctuation and special tokens with the whitespace flags before each:
        (kind, text, gap, newline), kind in 'w' word, 'p' punctuation, 's' special, 'c' CJK."""
        items, word, gap, nl = [], [], False, False

        def end_word():
            nonlocal gap, nl
            if word:
                items.append(("w", "".join(word), gap, nl))
                word.clear()
                gap = nl = False

        for seg in self.special_re.split(text):
            if seg in self.ids and seg in SPECIALS:
                end_word()
                items.append(("s", seg, gap, nl))
                gap = nl = False
                continue
            clean = []
            for ch in seg:
                cp = ord(ch)
                if cp == 0 or cp == 0xFFFD:
                    continue
                if ch in "\t\n\r":
                    clean.append(ch)
                    continue
                if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs"):
                    continue
                clean.append(ch)
            seg = "".join(clean)
            if self.lowercase:
                seg = "".join(c for c in unicodedata.normalize("NFD", seg.lower()) if unicodedata.category(c) != "Mn")
            for ch in seg:
                if ch in "\n\r":
                    end_word()
                    gap = nl = True
                elif ch == " " or ch == "\t" or unicodedata.category(ch) == "Zs":
                    end_word()
                    gap = True
                elif _is_cjk(ord(ch)):
                    end_word()
                    items.append(("c", ch, gap, nl))
                    gap = nl = False
                elif _is_punct(ch):
                    end_word()
                    items.append(("p", ch, gap, nl))
                    gap = nl = False
                else:
                    word.append(ch)
        end_word()
        return items

    def _wordpiece(self, word):
        if len(word) > 100:
            return [self.ids["[UNK]"]]
        out, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found = self.ids[piece]
                    break
                end -= 1
            if found is None:
                return [self.ids["[UNK]"]]
            out.append(found)
            start = end
        return out

    def tokenize(self, text, max_sentences=16):
        """-> (word-piece ids without [CLS]/[SEP], sentence spans [(begin, end)] over them)"""
        ids, spans = [], []
        st = dict(s_begin=0, s_letters=False, pending=False, prev_digits=False, prev_abbrev=False)

        def close():
            st["pending"] = False
            if len(ids) <= st["s_begin"] or not st["s_letters"]:
                return
            if len(spans) < max_sentences:
                spans.append((st["s_begin"], len(ids)))
            st["s_begin"], st["s_letters"] = len(ids), False

        def sentence_word(gap, nl, starts_with_digit):
            if nl:
                close()
            elif st["pending"]:
                if not gap and st["prev_digits"] and starts_with_digit:
                    st["pending"] = False  # 2.5
                else:
                    close()

        for kind, tx, gap, nl in self._items(text):
            if kind in "wc":
                digits = all("0" <= c <= "9" for c in tx)
                sentence_word(gap, nl, "0" <= tx[0] <= "9")
                if not digits:
                    st["s_letters"] = True
                st["prev_digits"] = digits
                st["prev_abbrev"] = len(tx) == 1 or tx.lower() in ABBREV
                ids.extend(self._wordpiece(tx))
            elif kind == "p":
                attached = not gap
                abbrev, decimal = attached and st["prev_abbrev"], attached and st["prev_digits"]
                sentence_word(gap, nl, False)
                st["prev_digits"] = st["prev_abbrev"] = False
                if tx == "." and not abbrev:
                    st["pending"], st["prev_digits"] = True, decimal
                ids.extend(self._wordpiece(tx))
                if tx in "?!;":
                    close()
            else:  # special token
                sentence_word(gap, nl, False)
                st["prev_digits"] = st["prev_abbrev"] = False
                ids.append(self.ids[tx])
        close()
        return ids, spans

    def encode(self, text, max_len, max_sentences=16):
        """-> ids (max_len), mask (max_len), spans [(begin, end)] in ids' positions"""
        pieces, spans = self.tokenize(text, max_sentences)
        n = min(len(pieces), max_len - 2)
        ids = [self.ids["[CLS]"]] + pieces[:n] + [self.ids["[SEP]"]]
        mask = [1] * len(ids) + [0] * (max_len - len(ids))
        ids += [self.ids["[PAD]"]] * (max_len - len(ids))
        out, limit = [], max_len - 2
        for b, e in spans:
            e = min(e, limit)
            if b >= e:
                break
            out.append((b + 1, e + 1))
        return ids, mask, out


# ---- data -----------------------------------------------------------------------------------
def _unescape(s):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}.get(m.group(1), m.group(0)), s)


def read_tsv(path):
    """-> list of (image path, report text)."""
    base = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\r\n") for line in f]
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise ValueError("%s: empty" % path)
    head = [c.strip().lower() for c in lines[0].split("\t")]
    ci, ct = 0, 1
    if "image" in head and ("text" in head or "report" in head):
        ci, ct = head.index("image"), head.index("text") if "text" in head else head.index("report")
        lines = lines[1:]
    elif head and head[0] == "image":
        lines = lines[1:]
    rows = []
    for line in lines:
        cols = line.split("\t")
        if len(cols) <= max(ci, ct) or not cols[ci].strip():
            continue
        rows.append((os.path.join(base, cols[ci].strip()), _unescape(cols[ct])))
    if not rows:
        raise ValueError("%s: no image-report rows" % path)
    return rows


class PairData:
    """Preprocessed pairs, made on first use and kept (a rank touches only its shard)."""

    def __init__(self, rows, tok, size, channels, max_len, max_sentences):
        self.rows, self.tok = rows, tok
        self.size, self.channels, self.max_len, self.max_sentences = size, channels, max_len, max_sentences
        self.cache = {}

    def __len__(self):
        return len(self.rows)

    def item(self, i):
        if i not in self.cache:
            path, text = self.rows[i]
            img = preprocess(read_image(path), self.size, self.channels)
            ids, mask, spans = self.tok.encode(text, self.max_len, self.max_sentences)
            self.cache[i] = (img, ids, mask, spans)
        return self.cache[i]

    def batch(self, idx):
        items = [self.item(i) for i in idx]
        B, L = len(items), self.max_sentences
        images = torch.from_numpy(np.stack([it[0] for it in items]))
        ids = torch.tensor([it[1] for it in items], dtype=torch.long)
        mask = torch.tensor([it[2] for it in items], dtype=torch.long)
        n_sent = torch.zeros(B, dtype=torch.long)
        sb = torch.zeros(B, L, dtype=torch.long)
        se = torch.zeros(B, L, dtype=torch.long)
        for b, it in enumerate(items):
            n_sent[b] = len(it[3])
            for l, (s0, s1) in enumerate(it[3]):
                sb[b, l], se[b, l] = s0, s1
        return images, ids, mask, n_sent, sb, se


# ---- safetensors ----------------------------------------------------------------------------
def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, tensor) written as F32; header padded with spaces to 8 bytes."""
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, t in tensors:
        arr = np.array(t.detach().cpu().float().numpy(), order="C", dtype="<f4")
        data = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """-> (OrderedDict name -> float32 tensor, metadata dict); F32 / F64 only."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        dt = {"F32": "<f4", "F64": "<f8"}[e["dtype"]]
        arr = np.frombuffer(data[8 + n + a:8 + n + b], dtype=dt).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out, meta


def model_metadata(cfg, tok, extra):
    m = {}
    for k, v in cfg["vit"].items():
        m["vit." + k] = repr(v) if isinstance(v, float) else str(v)
    for k, v in cfg["bert"].items():
        m["bert." + k] = repr(v) if isinstance(v, float) else str(v)
    m["model.embed_dim"] = str(cfg["embed_dim"])
    m["image.mean"] = ",".join(repr(float(x)) for x in cfg["image_mean"])
    m["image.std"] = ",".join(repr(float(x)) for x in cfg["image_std"])
    m["tokenizer.lowercase"] = "1" if tok.lowercase else "0"
    m["tokenizer.vocab"] = "".join(t + "\n" for t in tok.tokens)
    m.update(extra)
    return m


def save_model(obj, path, tok, extra):
    tensors = [(k, v) for k, v in obj.named_tensors().items() if not k.startswith("mip.")]
    write_safetensors(path, tensors, model_metadata(obj.cfg, tok, extra))


# ---- training -------------------------------------------------------------------------------
def decays(name, p):
    """mlip.h's decay flags: matrices yes; [CLS], position embeddings, mask token, vectors no."""
    if p.dim() < 2 or name.startswith("sie.") or "logit_scale" in name:
        return False
    return not (name in ("vision.embeddings.cls_token", "vision.embeddings.position_embeddings",
                         "mip.mask_token", "mip.decoder_pos_embed"))


def lr_at(step, steps, warmup, lr):
    if step < warmup:
        return lr * (step + 1) / warmup
    t = (step - warmup) / max(1, steps - warmup)
    return lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, t)))


class Gather:
    """opts["global_gather"]: all-gathers (zv, zt, a) without gradient, own slice kept."""

    def __init__(self, rank, world):
        self.rank, self.world = rank, world

    def __call__(self, zv, zt, a):
        outs = []
        for t in (zv, zt, a):
            parts = [torch.zeros_like(t) for _ in range(self.world)]
            dist.all_gather(parts, t.detach().contiguous())
            parts[self.rank] = t
            outs.append(torch.cat(parts, 0))
        return outs[0], outs[1], outs[2], self.rank * zv.shape[0]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def spawn(n, argv):
    """Start n ranks of this script with the env:// variables; wait; fail if any fails."""
    env0 = dict(os.environ)
    env0.setdefault("MASTER_ADDR", "127.0.0.1")
    env0.setdefault("MASTER_PORT", str(free_port()))
    env0["WORLD_SIZE"] = str(n)
    procs = []
    for r in range(n):
        env = dict(env0, RANK=str(r), LOCAL_RANK=str(r))
        procs.append(subprocess.Popen([sys.executable, os.path.abspath(__file__)] + argv, env=env))
    rc = 0
    try:
        while procs:
            for p in list(procs):
                code = p.poll()
                if code is None:
                    continue
                procs.remove(p)
                if code != 0 and rc == 0:
                    rc = code
                    for q in procs:  # a failed rank would leave the others waiting forever
                        q.terminate()
            time.sleep(0.05)
    except KeyboardInterrupt:
        for q in procs:
            q.terminate()
        raise
    return rc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="TSV of image-report pairs")
    ap.add_argument("--vocab", required=True, help="vocab.txt, one token per line")
    ap.add_argument("--cased", action="store_true")
    ap.add_argument("--config", default="micro", choices=["micro", "tiny", "small", "base"])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--batch", type=int, default=8, help="pairs per rank and step")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=-1, help="warm-up steps (default steps / 10)")
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--beta2", type=float, default=0.999)
    ap.add_argument("--clip", type=float, default=1.0, help="gradient-norm clipping (0: off)")
    ap.add_argument("--rho", type=float, default=0.5, help="mask ratio (0: no masking, no SIE/MIP)")
    ap.add_argument("--no-sie", action="store_true")
    ap.add_argument("--no-local", action="store_true")
    ap.add_argument("--no-mip", action="store_true")
    ap.add_argument("--lambda-l", type=float, default=0.5)
    ap.add_argument("--lambda-m", type=float, default=1.0)
    ap.add_argument("--ot-eps", type=float, default=0.1)
    ap.add_argument("--max-len", type=int, default=0, help="token positions (default min(128, max positions))")
    ap.add_argument("--max-sentences", type=int, default=16)
    ap.add_argument("--gather", action="store_true", help="global loss over the all-gathered batch")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads per rank")
    ap.add_argument("--backend", default="", help="gloo or nccl (default: nccl with CUDA, else gloo)")
    ap.add_argument("--log-every", type=int, default=1)
    ap.add_argument("--out", default="model.safetensors")
    ap.add_argument("--spawn", type=int, default=0, help="start this many local ranks")
    args = ap.parse_args(argv)

    if args.spawn > 0:
        rest, out = sys.argv[1:] if argv is None else list(argv), []
        i = 0
        while i < len(rest):  # drop "--spawn N" / "--spawn=N" for the ranks
            if rest[i] == "--spawn":
                i += 2
                continue
            if not rest[i].startswith("--spawn="):
                out.append(rest[i])
            i += 1
        return spawn(args.spawn, out)

    os.environ.setdefault("WORLD_SIZE", "1")
    os.environ.setdefault("RANK", "0")
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    if os.environ["WORLD_SIZE"] == "1":
        os.environ.setdefault("MASTER_PORT", str(free_port()))
    torch.set_num_threads(max(1, args.threads))
    cuda = torch.cuda.is_available()
    backend = args.backend or ("nccl" if cuda else "gloo")
    dist.init_process_group(backend=backend, init_method="env://")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cpu")
    if cuda and backend == "nccl":
        local = int(os.environ.get("LOCAL_RANK", rank % torch.cuda.device_count()))
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)

    tok = Tokenizer(args.vocab, lowercase=not args.cased)
    cfg = named_config(args.config, len(tok.tokens))
    T = args.max_len or min(128, cfg["bert"]["max_positions"])
    if T > cfg["bert"]["max_positions"]:
        raise SystemExit("--max-len %d exceeds the config's %d positions" % (T, cfg["bert"]["max_positions"]))
    data = PairData(read_tsv(args.data), tok, cfg["vit"]["image_size"], cfg["vit"]["channels"], T, args.max_sentences)
    if len(data) < args.batch * world:
        raise SystemExit("%d pairs are fewer than batch x world = %d" % (len(data), args.batch * world))

    torch.manual_seed(args.seed)
    obj = MLIPObjective(cfg).init_train(args.seed).to(device)
    if device.type == "cpu":
        model = torch.nn.parallel.DistributedDataParallel(obj, find_unused_parameters=True)
    else:
        model = torch.nn.parallel.DistributedDataParallel(obj, device_ids=[device.index], find_unused_parameters=True)
    named = obj.named_tensors()
    groups = [dict(params=[p for n, p in named.items() if decays(n, p)], weight_decay=args.weight_decay),
              dict(params=[p for n, p in named.items() if not decays(n, p)], weight_decay=0.0)]
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, args.beta2))
    warmup = args.warmup if args.warmup >= 0 else max(1, args.steps // 10)
    sampler = torch.utils.data.distributed.DistributedSampler(range(len(data)), num_replicas=world, rank=rank,
                                                              shuffle=True, seed=args.seed, drop_last=True)
    opts = dict(use_sie=not args.no_sie, use_local=not args.no_local, use_mip=not args.no_mip,
                lambda_l=args.lambda_l, lambda_m=args.lambda_m, ot_eps=args.ot_eps)
    if args.gather and world > 1:
        opts["global_gather"] = Gather(rank, world)
    K = obj.K
    step, epoch, t0, cap_hits = 0, 0, time.time(), 0
    if rank == 0:
        print("train_torch: %d ranks (%s), config %s, %d pairs, batch %d/rank, %d steps, %d parameters" % (
            world, backend, args.config, len(data), args.batch, args.steps,
            sum(p.numel() for p in obj.parameters())), flush=True)
    while step < args.steps:
        sampler.set_epoch(epoch)
        order = list(iter(sampler))
        for s in range(0, len(order) - args.batch + 1, args.batch):
            if step >= args.steps:
                break
            images, ids, mask, n_sent, sb, se = (x.to(device) for x in data.batch(order[s:s + args.batch]))
            gen = torch.Generator().manual_seed((args.seed * 1000003 + rank) * 1000003 + step)
            visible = random_mask(args.batch, K, args.rho, gen).to(device) if args.rho > 0 else None
            for g in opt.param_groups:
                g["lr"] = lr_at(step, args.steps, warmup, args.lr)
            out = model(images, ids, mask, n_sent, sb, se, visible, opts)
            loss = out["total"]
            if "global_gather" in opts:  # DDP averages: scale the full-batch term back up
                loss = loss + (world - 1) * out["global"]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = torch.nn.utils.clip_grad_norm_(obj.parameters(), args.clip) if args.clip > 0 else torch.tensor(0.)
            opt.step()
            if out["ot_iters"] >= 100:
                cap_hits += 1
            if rank == 0 and (step % args.log_every == 0 or step == args.steps - 1):
                print("step %d lr %.3g loss %.4f (global %.4f local %.4f mip %.4f) |g| %.3f ot_it %d w %.2f-%.2f "
                      "%.1fs" % (step, opt.param_groups[0]["lr"], float(out["total"]), float(out["global"]),
                                 float(out["local"]), float(out["mip"]), float(gnorm), out["ot_iters"],
                                 float(out["w"].min()), float(out["w"].max()), time.time() - t0), flush=True)
            step += 1
        epoch += 1
    if rank == 0:
        extra = {"training.steps": str(args.steps), "training.data": os.path.basename(args.data),
                 "training.tool": "tools/train_torch.py (PyTorch twin, %d ranks)" % world,
                 "training.ot_cap_hits_rank0": str(cap_hits)}
        save_model(obj, args.out, tok, extra)
        print("train_torch: wrote %s (%.1f s)" % (args.out, time.time() - t0), flush=True)
    dist.barrier()
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
