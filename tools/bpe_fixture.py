#!/usr/bin/env python3
"""Fixtures and parity checks for mlip.h's CLIP BPE tokenizer (tests/test_tokenizer_bpe.c).

    . ../shared/refimpl/env.sh
    /usr/bin/python3 tools/bpe_fixture.py              # write tests/data/bpe/*, check HF
    /usr/bin/python3 tools/bpe_fixture.py --random N   # N random strings: C against open_clip

Writes, from text written for this project (nothing from ../shared is committed):
  corpus.txt         one text a line; the symbols U+2424 U+240D U+241B U+2400 stand for
                     LF, CR, ESC and NUL (the C test substitutes them the same way)
  merges_small.txt   ~2000 merges learned here on that corpus by a small BPE learner of ours
  merges_small.txt.gz  the same, gzip-compressed (mtime 0: reproducible)
  expected_small.txt   per corpus line "ids<TAB>decoded text" from open_clip's SimpleTokenizer
  expected_clip.txt    the same with CLIP's real merges (the C test reads those from ../shared)
open_clip's own file handling differs in two places that do not concern CLIP's real file: it
always drops the first line (ours is a "#version" header) and a final newline becomes an empty
merge (an extra vocabulary entry before the special tokens), so it is given the text without
one. transformers' CLIPTokenizer is checked on the same corpus from vocab.json + merges.txt
made here; the lines where it differs are listed (it does no html.unescape).
"""
import gzip
import io
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "bpe")
CLIP_GZ = os.path.join(os.path.dirname(ROOT), "shared", "refimpl", "src", "open_clip", "src",
                       "open_clip", "bpe_simple_vocab_16e6.txt.gz")
N_MERGES = 2000
ESCAPES = {"\u2424": "\n", "\u240d": "\r", "\u241b": "\x1b", "\u2400": "\x00"}

CORPUS = [
    "Findings: The heart size is normal. No focal consolidation, pleural effusion or "
    "pneumothorax.",
    "IMPRESSION: No acute cardiopulmonary abnormality.",
    "Stable 2.5 cm nodule in the right upper lobe; recommend follow-up CT in 3-6 months.",
    "Mild cardiomegaly with pulmonary vascular congestion. Bibasilar atelectasis.",
    "There's a small left-sided effusion; it's unchanged since 01/02/2023 (XXXX).",
    "Lungs are clear bilaterally. No pneumothorax. Osseous structures intact.",
    "ET tube tip 4.2cm above the carina; NG tube courses below the diaphragm.",
    "Compared with the prior study, the right PICC line has been withdrawn ~3 cm.",
    "Résumé: épanchement pleural droit, opacité alvéolaire — à contrôler.",
    "Größe des Herzens normal, kein Pleuraerguss. Zustand nach Sternotomie.",
    "Curly quotes: \u201cno change\u201d and \u2018stable\u2019 appearance, the patient\u2019s "
    "film.",
    "Ligatures: \ufb01brosis, \ufb02uid, e\ufb00usion, o\ufb03ce, \ufb06able; \u0132 and \u01c6.",
    "Full-width: \uff23\uff34 \uff43\uff48\uff45\uff53\uff54\u3000\uff11\uff12\uff13\uff01",
    "Half-width katakana: \uff76\uff9e\uff7d and Hangul \uffa1\uffa4",
    "Emoji \U0001f600\U0001f44d\U0001f3fd and symbols \u2713 \u2192 \u00b1 \u00b0C \u2264 5 mm",
    "CJK: \u80ba\u708e \u80f8\u90e8X\u7ebf\u7247 \u6b63\u5e38; \u65e5\u672c\u8a9e\u306e"
    "\u30c6\u30ad\u30b9\u30c8",
    "Greek \u0391\u039d\u0391\u03a3\u03a4\u039f\u039b\u0397 \u03a3 \u039f\u03a3. and "
    "\u0130stanbul",
    "Cyrillic: \u041b\u0451\u0433\u043a\u0438\u0435 \u0431\u0435\u0437 \u043e\u0441\u043e\u0431"
    "\u0435\u043d\u043d\u043e\u0441\u0442\u0435\u0439.",
    "HTML: &lt;b&gt; is not here; AT&amp;T, caf&eacute;, 5 &times; 3, &#169; &#x2014; &hellip;",
    "Entities &EACUTE;TAT &amp;amp; &ldquo;quoted&rdquo; &nbsp;x &notit; &ampx &#59; &#x41;",
    "Numeric refs &#0; &#128; &#150; &#1114112; &#55296; &#65; &#x1F600; &#xFFFE;",
    "<tag> on this line &amp; &eacute; stay for ftfy &ldquo;x&rdquo;",
    "Numbers 12345 3.14159 1,000,000 0.5mg/kg \u00bd \u2167 \u0663\u0664 \u00b2",
    "Contractions: don't, we'll, they've, I'm, he'd, you're, it's, O'NEIL'S 'S",
    "Pneumonoultramicroscopicsilicovolcanoconiosis"
    "andantidisestablishmentarianismfloccinaucinihilipilification",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "",
    "   leading and trailing spaces   ",
    "Tabs\tand\u00a0no-break\u2003em-space\u2028line-sep",
    "Controls \x01\x07\x7f dropped, \u200b zero-width kept, \ufeffBOM dropped",
    "C1 controls \u0080 \u0093quoted\u0094 \u0085 \u009d",
    "Line\u2424break and\u240d\u2424CRLF and \u241b[31mred\u241b[0m escape",
    "Ab\u2400c with a NUL",
    "Combining a\u0301 e\u0301 and ypogegrammeni \u03b1\u0345b",
    "Long s: \u017ftop, 'ſ and \ufb05",
    "Sigma: \u039f\u0394\u039f\u03a3 \u039f\u0394\u039f\u03a3\u0391 \u03a3\u03a3 A\u03a3'",
    "Symbols!!! ??? ... --- *** ### $$$ %%% ^^^ ~~~ ``` |||",
    "Mixed123abc456def 7e-3 1e10 0x1F",
    "Arabic \u0627\u0644\u0631\u0626\u0629 Hebrew \u05e8\u05d9\u05d0\u05d4 Thai "
    "\u0e1b\u0e2d\u0e14 Hindi \u092b\u0947\u092b\u0921\u093c\u093e",
    "Right-to-left mark \u200f and word\u2060joiner, soft\u00adhyphen",
    "Left PA and lateral: small (<1 cm) calcified granuloma, unchanged.",
    "NFC order: a\u0302\u0323 a\u0323\u0302 \u03b1\u0345\u0313\u0300 q\u0307\u0323 "
    "\u1ea1\u0302 \u0105\u0301",
    "NFC kept apart: \u0958 \u0915\u093c \u2126 \u212b \u0344 \ufb2c \u0f73 \u0b47\u0b3e "
    "\u1100\u1161\u11a8 \u1100\u1161 \uac00\u11a8 \u1100\u0301\u1161",
]

# Text to learn the small merges from: the corpus plus report-like sentences of our own.
TRAIN = CORPUS + [
    "The cardiomediastinal silhouette is within normal limits for size and contour.",
    "No evidence of pneumothorax or large pleural effusion.",
    "Degenerative changes of the thoracic spine are noted.",
    "There is no focal airspace consolidation to suggest pneumonia.",
    "Interval improvement of the left lower lobe opacity, likely atelectasis.",
    "Calcified granuloma in the right upper lobe is again seen.",
    "Heart size is mildly enlarged; pulmonary vasculature is normal.",
    "Surgical clips project over the right upper quadrant.",
    "The lungs are hyperexpanded, consistent with emphysema.",
    "No displaced rib fractures are identified.",
] * 3


def expand(line):
    for k, v in ESCAPES.items():
        line = line.replace(k, v)
    return line


def learn_merges(texts, n_merges):
    """A small byte-level BPE learner (CLIP's pre-tokenization, most frequent pair first,
    ties broken by the pair's text)."""
    from open_clip.tokenizer import _clean_lower, bytes_to_unicode
    import regex
    pat = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                        regex.IGNORECASE)
    b2u = bytes_to_unicode()
    words = Counter()
    for t in texts:
        for w in pat.findall(_clean_lower(expand(t))):
            s = [b2u[b] for b in w.encode("utf-8")]
            s[-1] += "</w>"
            words[tuple(s)] += 1
    merges = []
    words = dict(words)
    while len(merges) < n_merges:
        pairs = Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        new = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        words = new
    return merges


def write_gz(path, data):
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
            g.write(data)


def simple_tokenizer(merges_text):
    """open_clip's SimpleTokenizer on a merges text (given gzip-compressed, as it reads it)."""
    from open_clip.tokenizer import SimpleTokenizer
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.txt.gz")
        write_gz(p, merges_text.rstrip("\n").encode("utf-8"))
        return SimpleTokenizer(bpe_path=p)


def expected_lines(tok, lines):
    """"ids<TAB>decoded" a line; where open_clip's mojibake repair (not in mlip.h) changes the
    result, the ids without it and a third field "open_clip differs"."""
    out = []
    for line in lines:
        ids = tok.encode(expand(line))
        plain = encode_without(tok, expand(line))
        note = "" if plain == ids else "\topen_clip differs"
        out.append(" ".join(map(str, plain)) + "\t" + tok.decode(plain) + note)
    return out


def hf_check(merges_text, lines, label):
    """transformers' CLIPTokenizer from vocab.json + merges.txt made from the same merges."""
    from transformers import CLIPTokenizer
    from open_clip.tokenizer import bytes_to_unicode
    merges = [tuple(m.split()) for m in merges_text.strip().split("\n")[1:]]
    vocab = list(bytes_to_unicode().values())
    vocab += [v + "</w>" for v in vocab] + ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    oc = simple_tokenizer(merges_text)
    with tempfile.TemporaryDirectory() as d:
        json.dump({v: i for i, v in enumerate(vocab)}, open(os.path.join(d, "v.json"), "w"))
        open(os.path.join(d, "m.txt"), "w").write(merges_text)
        hf = CLIPTokenizer(os.path.join(d, "v.json"), os.path.join(d, "m.txt"))
        diff = []
        for n, line in enumerate(lines, 1):
            a = oc.encode(expand(line))
            b = hf(expand(line), add_special_tokens=False)["input_ids"]
            if a != b:
                diff.append(n)
        print("%s: transformers CLIPTokenizer == open_clip on %d of %d lines; differ: %s"
              % (label, len(lines) - len(diff), len(lines), diff))


def main_fixtures():
    os.makedirs(DATA, exist_ok=True)
    with open(os.path.join(DATA, "corpus.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(CORPUS) + "\n")
    merges = learn_merges(TRAIN, N_MERGES)
    text = "#version: 0.2\n" + "".join("%s %s\n" % m for m in merges)
    with open(os.path.join(DATA, "merges_small.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    write_gz(os.path.join(DATA, "merges_small.txt.gz"), text.encode("utf-8"))
    small = simple_tokenizer(text)
    with open(os.path.join(DATA, "expected_small.txt"), "w", encoding="utf-8",
              newline="\n") as f:
        f.write("\n".join(expected_lines(small, CORPUS)) + "\n")
    print("%d merges, %d corpus lines" % (len(merges), len(CORPUS)))
    hf_check(text, CORPUS, "small merges")
    if not os.path.exists(CLIP_GZ):
        print("SKIP the real CLIP merges: %s is absent" % CLIP_GZ)
        return
    from open_clip.tokenizer import SimpleTokenizer
    clip = SimpleTokenizer(bpe_path=CLIP_GZ)
    with open(os.path.join(DATA, "expected_clip.txt"), "w", encoding="utf-8",
              newline="\n") as f:
        f.write("\n".join(expected_lines(clip, CORPUS)) + "\n")
    full = gzip.open(CLIP_GZ).read().decode("utf-8").split("\n")
    hf_check("\n".join(full[:1 + 48894]) + "\n", CORPUS, "CLIP merges")


# ---- random parity: a small C driver over mlip.h, the same strings through open_clip ----
DRIVER = r"""
#define MLIP_IMPLEMENTATION
#include "mlip.h"
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    mlip_tokenizer *tok = NULL;
    FILE *f = fopen(argv[2], "rb");
    static int ids[1 << 20];
    size_t len;
    if (argc < 3 || !f || mlip_tokenizer_load_bpe(argv[1], MLIP_BPE_CLIP_MERGES, &tok)) {
        fprintf(stderr, "setup failed: %s\n", mlip_last_error());
        return 1;
    }
    while (fscanf(f, "%zu", &len) == 1 && fgetc(f) == '\n') { /* the text may start with spaces */
        char *s = (char *)malloc(len + 1);
        int n = 0, k;
        if (fread(s, 1, len, f) != len ||
            mlip_tokenizer_tokenize(tok, s, len, ids, 1 << 20, &n)) {
            fprintf(stderr, "failed: %s\n", mlip_last_error());
            return 1;
        }
        for (k = 0; k < n && k < (1 << 20); k++) printf(k ? " %d" : "%d", ids[k]);
        printf("\n");
        free(s);
    }
    mlip_tokenizer_free(tok);
    return 0;
}
"""

POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789", " \t\n\r\u00a0\u2003\u3000", ".,;:!?'\"()[]{}<>/\\|-_+=*&^%$#@~`",
    "\u00e9\u00e8\u00fc\u00f6\u00df\u00c9\u00d1\u00e7\u0130\u0131\u017f\u0391\u03a3\u03c3"
    "\u03c2\u0416\u0436",
    "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\ufb01\ufb02\ufb03\u0132\u01c4\uff21\uff41"
    "\uff10\uff01\uff76\uff9e\u0080\u0085\u0093",
    "\u80ba\u708e\u65e5\u672c\u3042\u30a2\ud55c\uad6d\u0627\u05d0\u0e01\u0915\u093c",
    "\U0001f600\U0001f44d\U0001f3fd\u2713\u00b1\u00b0\u00bd\u2167\u0663\u00b2\u0345\u0301",
    "\x01\x07\x1b\x7f\u200b\u200f\ufeff\u2028",
]
SNIPPETS = ["&amp;", "&lt;", "&eacute;", "&EACUTE;", "&#65;", "&#x2014;", "&nbsp;", "&notit;",
            "'s", "'ll", "'re", "\x1b[1m", "\r\n", "&#150;", "&copy"]


def random_text(rng):
    out = []
    for _ in range(rng.randint(0, 12)):
        if rng.random() < 0.15:
            out.append(rng.choice(SNIPPETS))
        else:
            pool = rng.choice(POOLS)
            out.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 8))))
    return "".join(out)


def main_random(count, seed=1):
    from open_clip.tokenizer import SimpleTokenizer
    if not os.path.exists(CLIP_GZ):
        print("SKIP: %s is absent" % CLIP_GZ)
        return 0
    clip = SimpleTokenizer(bpe_path=CLIP_GZ)
    rng = random.Random(seed)
    texts = [random_text(rng) for _ in range(count)]
    with tempfile.TemporaryDirectory() as d:
        src, exe, inp = (os.path.join(d, x) for x in ("drv.c", "drv", "in.bin"))
        open(src, "w").write(DRIVER)
        subprocess.check_call(["cc", "-O2", "-std=c99", "-I", ROOT, "-o", exe, src, "-lm",
                               "-lpthread"])
        with open(inp, "wb") as f:
            for t in texts:
                b = t.encode("utf-8")
                f.write(b"%d\n" % len(b) + b)
        got = subprocess.check_output([exe, CLIP_GZ, inp]).decode().split("\n")
    bad = explained = 0
    for t, g in zip(texts, got):
        want = " ".join(map(str, clip.encode(t)))
        if g == want:
            continue
        if g == " ".join(map(str, encode_without(clip, t))):
            explained += 1  # ftfy's mojibake repair, which mlip.h does not do
            continue
        bad += 1
        if bad <= 10:
            print("MISMATCH %r\n  C:        %s\n  open_clip: %s" % (t, g, want))
    print("random parity: %d strings, %d identical, %d differ only by ftfy's fix_encoding "
          "(not implemented), %d unexplained mismatches"
          % (count, count - explained - bad, explained, bad))
    return 1 if bad else 0


def encode_without(clip, text):
    """open_clip's encode with ftfy's fix_encoding off: what mlip.h implements."""
    import open_clip.tokenizer as oct
    saved = oct.ftfy.fix_text
    oct.ftfy.fix_text = lambda s: saved(s, fix_encoding=False)
    try:
        return clip.encode(text)
    finally:
        oct.ftfy.fix_text = saved


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--random":
        sys.exit(main_random(int(sys.argv[2])))
    main_fixtures()
