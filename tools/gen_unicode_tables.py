#!/usr/bin/env python3
"""Generate the Unicode tables of mlip.h's tokenizer (section 6) from Python's unicodedata.

    python3 tools/gen_unicode_tables.py            # print the C tables
    python3 tools/gen_unicode_tables.py --update   # rewrite them in place in mlip.h

The tokenizer needs four properties, the same ones HF's BertTokenizer asks for:
  - punctuation: every category P* code point, plus the ASCII symbol ranges BERT treats as
    punctuation ($ + < = > ^ ` | ~ are S*, not P*, in Unicode);
  - control: categories Cc, Cf, Co, Cs except TAB, LF, CR (dropped by text cleaning). Cn
    (unassigned) is left out on purpose: it is what changes from one Unicode version to the
    next, and transformers.js leaves it out too;
  - whitespace: SPACE, TAB, LF, CR and category Zs (folded to a space by cleaning);
  - fold: what lower-casing plus NFD plus dropping Mn (nonspacing marks) makes of one code
    point, for the uncased tokenizer. Only code points that change are listed; those that
    vanish (the marks) are a range table of their own (strip), and Hangul syllables
    decompose arithmetically in C;
  - cased and case-ignorable (Unicode 3.13), for the one context-sensitive lower-casing rule:
    a capital sigma at the end of a word becomes the final form.
CLIP's byte-level BPE tokenizer (open_clip's SimpleTokenizer) needs more:
  - letter and number: categories L* and N*, the \p{L} and \p{N} of its pre-tokenizer;
  - lower: Python's str.lower of one code point, where it differs and is one code point (the
    one longer mapping, U+0130, and the final sigma are done in C);
  - width: ftfy's fix_character_width (NFKC of U+FF01..U+FFEF, one or two code points);
  - entities: the HTML 4 named entities (plus &apos; and HTML5's upper-case AMP COPY GT LT
    QUOT REG), with flags: known with ';' to html.unescape, known without ';' (the legacy
    names html.unescape also takes as a prefix), or known to ftfy only (its upper-case
    variants such as &EACUTE;);
  - NFC (ftfy's last fix, unicodedata.normalize("NFC")): the canonical combining class as
    [lo, hi << 8 | class] ranges; the one-level canonical decomposition of every code point
    that has one (Hangul syllables are arithmetic in C) as {cp, first | second << 18}, second
    an index into a list of the 85 second elements (0: a singleton); and the primary
    composites, as indices into that table sorted by (first, second): the two-code-point
    decompositions that NFC composes again (the composition exclusions, singletons and
    non-starter decompositions left out).
Ranges are stored as inclusive [lo, hi] pairs, sorted, so C looks them up by binary search.
"""
import html
import html.entities
import sys
import unicodedata

MAX = 0x110000
BEGIN = "/* BEGIN GENERATED UNICODE TABLES (tools/gen_unicode_tables.py) */"
END = "/* END GENERATED UNICODE TABLES */"


def ranges(pred):
    out, start = [], None
    for cp in range(MAX):
        if pred(cp):
            if start is None:
                start = cp
        elif start is not None:
            out.append((start, cp - 1))
            start = None
    if start is not None:
        out.append((start, MAX - 1))
    return out


def is_punct(cp):
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(chr(cp)).startswith("P")


def is_control(cp):
    if cp in (9, 10, 13):
        return False
    return unicodedata.category(chr(cp)) in ("Cc", "Cf", "Co", "Cs")


def is_space(cp):
    return cp in (32, 9, 10, 13) or unicodedata.category(chr(cp)) == "Zs"


# Other_Lowercase and Other_Uppercase (PropList.txt), which unicodedata does not expose
OTHER_CASED = [(0xAA, 0xAA), (0xBA, 0xBA), (0x2B0, 0x2B8), (0x2C0, 0x2C1), (0x2E0, 0x2E4),
               (0x345, 0x345), (0x37A, 0x37A), (0x10FC, 0x10FC), (0x1D2C, 0x1D6A),
               (0x1D78, 0x1D78), (0x1D9B, 0x1DBF), (0x2071, 0x2071), (0x207F, 0x207F),
               (0x2090, 0x209C), (0x2160, 0x217F), (0x24B6, 0x24E9), (0x2C7C, 0x2C7D),
               (0xA69C, 0xA69D), (0xA770, 0xA770), (0xA7F8, 0xA7F9), (0xAB5C, 0xAB5F),
               (0x10780, 0x10780), (0x10783, 0x10785), (0x10787, 0x107B0), (0x107B2, 0x107BA),
               (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189)]


def is_cased(cp):
    # Unicode "Cased": Lu Ll Lt, Other_Lowercase, Other_Uppercase (plus anything with a case
    # mapping, a superset that costs nothing)
    c = chr(cp)
    if any(lo <= cp <= hi for lo, hi in OTHER_CASED):
        return True
    return unicodedata.category(c) in ("Lu", "Ll", "Lt") or c.lower() != c or c.upper() != c


# Word_Break MidLetter, MidNumLet and Single_Quote, which unicodedata does not expose
MID_LETTER = {0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027,
              0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A}


def is_case_ignorable(cp):
    return cp in MID_LETTER or unicodedata.category(chr(cp)) in ("Mn", "Me", "Cf", "Lm", "Sk")


def fold(cp):
    if 0xD800 <= cp <= 0xDFFF:
        return None
    s = unicodedata.normalize("NFD", chr(cp).lower())
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return [ord(c) for c in s]


def pack(items, width=100):
    """Array elements, each followed by a comma, packed into lines of at most `width` columns."""
    lines, row = [], "   "
    for item in items:
        if len(row) + 1 + len(item) + 1 > width:
            lines.append(row)
            row = "   "
        row += " " + item + ","
    if row.strip():
        lines.append(row)
    return lines


def emit_ranges(name, rs):
    lines = ["static const uint32_t %s[%d][2] = {" % (name, len(rs))]
    lines += pack(["{0x%X, 0x%X}" % (lo, hi) for lo, hi in rs])
    lines.append("};")
    return lines


def lower_map():
    keys, vals = [], []
    for cp in range(MAX):
        if 0xD800 <= cp <= 0xDFFF or cp == 0x130:
            continue
        low = chr(cp).lower()
        if low != chr(cp):
            assert len(low) == 1, hex(cp)
            keys.append(cp)
            vals.append(ord(low))
    assert chr(0x130).lower() == "i\u0307"
    return keys, vals


def width_map():
    out = [(0x3000, 0x20, 0)]
    for cp in range(0xFF01, 0xFFF0):
        alt = unicodedata.normalize("NFKC", chr(cp))
        if alt != chr(cp):
            assert len(alt) <= 2
            out.append((cp, ord(alt[0]), ord(alt[1]) if len(alt) == 2 else 0))
    return out


# flags of an entity name: 1 = "&name;" is an HTML5 entity, 2 = "&name" (no ';') is one too,
# 4 = ftfy's upper-case variant only (its own unescape_html)
def entities():
    h5 = html.entities.html5
    names = set(html.entities.name2codepoint) | {"apos", "AMP", "COPY", "GT", "LT", "QUOT", "REG"}
    assert all(k.endswith(";") or k in names for k in h5)  # every legacy name is here
    table = {}
    for name in names:
        value = h5[name + ";"]
        assert len(value) == 1
        table[name] = [ord(value), 0, 1 | (2 if name in h5 else 0)]
    for name in sorted(names):
        upper = name.upper()
        if name == name.lower() and upper not in table:
            if html.unescape("&" + upper + ";") == "&" + upper + ";":
                value = h5[name + ";"].upper()
                assert len(value) <= 2  # "&SZLIG;" is "SS"
                table[upper] = [ord(value[0]), ord(value[1]) if len(value) == 2 else 0, 4]
    return sorted(table.items())


def nfc_tables():
    ccc = []
    for cp in range(MAX):
        c = unicodedata.combining(chr(cp))
        if c and ccc and ccc[-1][1] == cp - 1 and ccc[-1][2] == c:
            ccc[-1][1] = cp
        elif c:
            ccc.append([cp, cp, c])
    dec = []
    for cp in range(MAX):
        if 0xAC00 <= cp <= 0xD7A3:
            continue
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<"):
            v = [int(x, 16) for x in d.split()]
            assert len(v) <= 2 and v[0] < (1 << 18)
            dec.append((cp, v[0], v[1] if len(v) == 2 else 0))
    first = {cp: a for cp, a, _ in dec}

    def depth(cp):  # successful lookups of the C recursion (it makes at most 3)
        return 1 + depth(first[cp]) if cp in first else 0
    # the C code decomposes only first elements, at most 3 deep, into at most 4 code points
    assert all(b not in first for _, _, b in dec)
    assert all(depth(cp) <= 3 and len(unicodedata.normalize("NFD", chr(cp))) <= 4
               for cp, _, _ in dec)
    seconds = [0] + sorted({b for _, _, b in dec if b})
    assert len(seconds) < (1 << 14)
    comp = [i for i, (cp, a, b) in enumerate(dec)
            if b and unicodedata.normalize("NFC", chr(a) + chr(b)) == chr(cp)]
    comp.sort(key=lambda i: (dec[i][1], dec[i][2]))
    assert len(dec) < 65536 and all(unicodedata.combining(chr(dec[i][1])) == 0 for i in comp)
    assert min(dec[i][1] for i in comp) >= 0x3C and min(dec[i][2] for i in comp) >= 0x300
    out = ["static const uint32_t mlip__tok_ccc_ranges[%d][2] = {" % len(ccc)]
    out += pack(["{0x%X, 0x%X}" % (lo, hi << 8 | c) for lo, hi, c in ccc])
    out.append("};")
    out.append("static const uint32_t mlip__tok_nfd_second[%d] = {" % len(seconds))
    out += pack(["0x%X" % b for b in seconds])
    out.append("};")
    out.append("static const uint32_t mlip__tok_nfd[%d][2] = {" % len(dec))
    out += pack(["{0x%X, 0x%X}" % (cp, a | seconds.index(b) << 18) for cp, a, b in dec])
    out.append("};")
    out.append("static const uint16_t mlip__tok_nfc_pairs[%d] = {" % len(comp))
    out += pack(["%d" % i for i in comp])
    out.append("};")
    return out


def generate():
    punct = ranges(is_punct)
    ctrl = ranges(is_control)
    space = ranges(is_space)
    keys, vals, pool = [], [], []
    strip = ranges(lambda cp: fold(cp) == [])  # marks: fold to nothing, kept as ranges
    for cp in range(MAX):
        if 0xAC00 <= cp <= 0xD7A3:
            continue  # Hangul syllables: decomposed arithmetically in C
        f = fold(cp)
        if f is None or f == [cp] or f == []:
            continue
        keys.append(cp)
        if len(f) == 1:
            vals.append("0x%X" % f[0])
        else:
            # several code points: MLIP__TOK_MULTI | offset << 3 | length
            assert len(f) < 8
            vals.append("MLIP__TOK_M(%d,%d)" % (len(pool), len(f)))
            pool.extend(f)
    out = [BEGIN,
           "/* Unicode %s (Python %d.%d unicodedata). Do not edit by hand. */"
           % (unicodedata.unidata_version, sys.version_info[0], sys.version_info[1])]
    out += emit_ranges("mlip__tok_punct_ranges", punct)
    out += emit_ranges("mlip__tok_control_ranges", ctrl)
    out += emit_ranges("mlip__tok_space_ranges", space)
    out += emit_ranges("mlip__tok_strip_ranges", strip)
    out += emit_ranges("mlip__tok_cased_ranges", ranges(lambda cp: not 0xD800 <= cp <= 0xDFFF and is_cased(cp)))
    out += emit_ranges("mlip__tok_ignorable_ranges", ranges(lambda cp: not 0xD800 <= cp <= 0xDFFF and is_case_ignorable(cp)))
    out.append("#define MLIP__TOK_M(off, len) (MLIP__TOK_MULTI | ((uint32_t)(off) << 3) | (uint32_t)(len))")
    out.append("static const uint32_t mlip__tok_fold_keys[%d] = {" % len(keys))
    out += pack(["0x%X" % k for k in keys])
    out.append("};")
    out.append("static const uint32_t mlip__tok_fold_vals[%d] = {" % len(vals))
    out += pack(vals)
    out.append("};")
    out.append("#undef MLIP__TOK_M")
    out.append("static const uint32_t mlip__tok_fold_pool[%d] = {" % max(1, len(pool)))
    out += pack(["0x%X" % k for k in pool])
    if not pool:
        out.append("    0")
    out.append("};")
    out += emit_ranges("mlip__tok_letter_ranges", ranges(lambda cp: not 0xD800 <= cp <= 0xDFFF and unicodedata.category(chr(cp)).startswith("L")))
    out += emit_ranges("mlip__tok_number_ranges", ranges(lambda cp: not 0xD800 <= cp <= 0xDFFF and unicodedata.category(chr(cp)).startswith("N")))
    lkeys, lvals = lower_map()
    out.append("static const uint32_t mlip__tok_lower_keys[%d] = {" % len(lkeys))
    out += pack(["0x%X" % k for k in lkeys])
    out.append("};")
    out.append("static const uint32_t mlip__tok_lower_vals[%d] = {" % len(lvals))
    out += pack(["0x%X" % k for k in lvals])
    out.append("};")
    wide = width_map()
    out.append("static const uint32_t mlip__tok_width_map[%d][3] = {" % len(wide))
    out += pack(["{0x%X, 0x%X, 0x%X}" % w for w in wide])
    out.append("};")
    ents = entities()
    out.append("static const mlip__tok_entity mlip__tok_entities[%d] = {" % len(ents))
    out += pack(['{"%s", {0x%X, 0x%X}, %d}' % (name, v[0], v[1], v[2]) for name, v in ents])
    out.append("};")
    out += nfc_tables()
    out.append(END)
    return "\n".join(out) + "\n"


def main():
    text = generate()
    if "--update" in sys.argv[1:]:
        path = "mlip.h"
        src = open(path, encoding="utf-8").read()
        a, b = src.index(BEGIN), src.index(END) + len(END) + 1
        open(path, "w", encoding="utf-8").write(src[:a] + text + src[b:])
        print("updated", path, "(%d bytes of tables)" % len(text))
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
