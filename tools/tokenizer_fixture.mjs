// Reference ids for tests/test_tokenizer.c, computed by an independent implementation:
// transformers.js (npm @huggingface/transformers), its BertTokenizer built from a local vocab.txt
// (the hub is not needed: the tokenizer.json a BERT checkpoint ships is assembled here).
//
//   npm install --no-save @huggingface/transformers     (in the repository root)
//   node tools/tokenizer_fixture.mjs [VOCAB] [REPORTS] > tests/data/tokenizer_ids.tsv
//
// Defaults: ../shared/data/vocab/bert-base-uncased-vocab.txt and ../shared/data/cxr/reports.tsv.
//
//   node tools/tokenizer_fixture.mjs --ids [--cased] [VOCAB] < lines.txt
// prints instead, for every line of stdin, its ids with [CLS]/[SEP], space-separated: the same
// output as `mlip tokenize`, so whole corpora can be compared (make parity-tokenizer).
// Output, one case per line, tab-separated:
//   mode (uncased|cased)  max_len (0 = no truncation/padding)  text  ids (space-separated,
//   with [CLS]/[SEP], padded to max_len)  attention mask ("-" when max_len is 0)  decoded
// text is "text:" + the bytes, printable ASCII as is and every other byte as \xHH (so
// invalid UTF-8 and control characters survive), or "report:" + an id of reports.tsv: the
// report text itself stays in ../shared (it is not ours to commit); the test reads it there.
// decoded is decode(ids, skip_special_tokens) in the same escaping, or for reports "fnv:" +
// the FNV-1a 32-bit hash of its UTF-8 bytes (hex).
// The JavaScript side decodes the text bytes with TextDecoder (invalid sequences -> U+FFFD,
// which cleaning drops, as in C).
import { readFileSync } from 'node:fs';
import { PreTrainedTokenizer } from '@huggingface/transformers';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const vocabPath = args[0] ?? '../shared/data/vocab/bert-base-uncased-vocab.txt';
const reportsPath = args[1] ?? '../shared/data/cxr/reports.tsv';

const lines = readFileSync(vocabPath, 'utf8').split('\n');
if (lines.at(-1) === '') lines.pop();
const vocab = {};
lines.forEach((t, i) => { vocab[t.replace(/\r$/, '')] = i; });
const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

function makeTokenizer(lowercase) {
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((s) => ({
      id: vocab[s], content: s, single_word: false, lstrip: false, rstrip: false,
      normalized: false, special: true,
    })),
    normalizer: {
      type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true,
      strip_accents: null, lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((s) => [s, { id: s, ids: [vocab[s]], tokens: [s] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
      max_input_chars_per_word: 100, vocab,
    },
  };
  const config = {
    tokenizer_class: 'BertTokenizer', do_lower_case: lowercase, model_max_length: 512,
    clean_up_tokenization_spaces: true, unk_token: '[UNK]', sep_token: '[SEP]',
    pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]',
  };
  return new PreTrainedTokenizer(json, config);
}

const esc = (bytes) => Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f && b !== 0x5c
  ? String.fromCharCode(b) : '\\x' + b.toString(16).padStart(2, '0'))).join('');
const fnv = (bytes) => {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
};
const utf8 = (s) => Buffer.from(s, 'utf8');

if (flags.includes('--ids')) {
  const tok = makeTokenizer(!flags.includes('--cased'));
  const lines = readFileSync(0, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  process.stdout.write(lines.map((t) => tok.encode(t).join(' ')).join('\n') + (lines.length ? '\n' : ''));
  process.exit(0);
}

// Hand-written edge cases (Buffers, so invalid UTF-8 can be written down).
const edge = [
  '', '   ', '...', '!!!?', 'Hello, world!',
  'Pleural Éffusion naïve café résumé Über ÅNGSTRÖM São Paulo Ångström',
  'İstanbul ǅemal ﬁbrosis Straße ΣΊΣΥΦΟΣ Οδυσσεύς Ωμέγα',
  '肺部CT检查正常，无胸腔积液。 混合English和中文', '흉부 엑스레이 정상', 'ひらがな カタカナ',
  'Hello, world! (test) [brackets] {curly} $5 ^caret `tick` |pipe| ~tilde @at #hash %pct &amp *star _under_ +plus =eq <lt> "quote" \'apos\'',
  'Unicode punct: «quotes» „low“ ‘single’ — em–en dash … ellipsis ¿qué? ¡sí! §4 ¶ † ‡ • · ‰ ′ ″',
  'emoji 😀 🫁 lungs 👍🏽 ❤️ 🇺🇸 done',
  'a\u0000b\u0007c\u200bd\u00ade\ufefff\u200dg h\u0085i\u000bj\u000ck\u001fl',
  'line1\nline2\r\nline3\tend\u00a0nbsp\u3000ideo\u2028ls\u2029ps\u2003em',
  'a'.repeat(100), 'a'.repeat(101), 'é'.repeat(100) + ' ok', 'b'.repeat(300) + '.',
  'pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious',
  '2.5cm 3.0 x 4.5 cm, 10mm; T12-L1 1/2 1,000 -3.5 +4 50% 1e-3 0.5mm² 37°C ±2',
  '[CLS] foo [SEP] bar[MASK]baz [UNK] [cls] [PAD][PAD] [MASK.] [SEP',
  'Dr. Smith, e.g. the left lung. i.e. fine. vs. Mrs. Jones? No! Yes; ok.',
  'العربية مَرْحَبًا עִבְרִית हिन्दी ภาษาไทย Tiếng Việt',
  'ＦＵＬＬＷＩＤＴＨ ｆｕｌｌ １２３ ＡＢＣ',
  'The heart is NORMAL in size.\n\n\nLungs: CLEAR.  \t  No effusion.',
  'XXXX XXXX. x-XXXX. T-spine. C6-C7. Status post CABG.',
  "don't can't it's we've they're I'm O'Brien rock 'n' roll",
].map(utf8);
// Invalid UTF-8 (every kind the decoder distinguishes)
edge.push(
  Buffer.from([0x61, 0x62, 0xff, 0x63, 0x64]),
  Buffer.from([0xc3, 0x28, 0x20, 0x78]),
  Buffer.from([0x6c, 0x75, 0x6e, 0x67, 0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80, 0x6f, 0x6b]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80, 0x20, 0x6f, 0x6b]),
  Buffer.from([0xc0, 0xaf, 0x20, 0xe0, 0x80, 0xaf, 0x6e, 0x6f]),
  Buffer.from([0x80, 0x80, 0x62, 0x6f, 0xbf, 0x6e, 0x65, 0xfe]),
  Buffer.from([0xf0, 0x9f, 0x98, 0x20, 0x65, 0x66, 0x66, 0x75, 0x73, 0x69, 0x6f, 0x6e]),
  Buffer.from([0xc3, 0xa9, 0xc3, 0x20, 0xa9, 0x74, 0xe9, 0x20, 0x41]),
);

// Random strings over many scripts (letters, marks, punctuation, symbols, controls, CJK,
// Hangul, emoji, private use), from a seeded generator so the fixture is reproducible. Only
// code points assigned long ago, so Unicode version differences between Python's tables
// (the C side) and ICU (transformers.js) do not matter.
const pools = [[0x20, 0x7e], [0x20, 0x7e], [0x20, 0x7e], [0x20, 0x7e], [0xa0, 0x24f], [0x250, 0x36f],
  [0x370, 0x3ff], [0x400, 0x52f], [0x590, 0x6ff], [0x900, 0x97f], [0xe00, 0xe7f], [0x1e00, 0x1fff],
  [0x2000, 0x206f], [0x2070, 0x22ff], [0x3000, 0x30ff], [0x4e00, 0x4e80], [0xac00, 0xac80],
  [0xf900, 0xf920], [0xfe00, 0xfe6f], [0xff00, 0xffef], [0x1f300, 0x1f6ff], [0x10400, 0x1044f],
  [0x1d400, 0x1d4ff], [0xe000, 0xe010], [0x0, 0x1f], [0x7f, 0x9f], [0x1100, 0x11ff],
  [0x2c00, 0x2c7f], [0xa640, 0xa69f], [0x10a0, 0x10ff], [0x1f1e6, 0x1f1ff], [0x3a3, 0x3a3]];
let seed = 12345;
const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
for (let i = 0; i < 200; i++) {
  const n = Math.floor(rand() * 60);
  let s = '';
  for (let k = 0; k < n; k++) {
    const [lo, hi] = pools[Math.floor(rand() * pools.length)];
    const cp = lo + Math.floor(rand() * (hi - lo + 1));
    const c = String.fromCodePoint(cp);
    if (cp === 10 || cp === 13 || /\p{Cn}/u.test(c)) continue;
    s += c;
    if (rand() < 0.15) s += ' ';
  }
  edge.push(utf8(s));
}

// Real report text: the IU X-ray reports (findings + impression).
const reports = readFileSync(reportsPath, 'utf8').split('\n').slice(1)
  .map((l) => l.split('\t')).filter((f) => f.length >= 4 && f[3].trim().length > 0);
const real = reports.slice(0, 400).map((f) => ({ id: f[0], bytes: utf8(f[3]) }));

const out = [];
const dec = new TextDecoder('utf-8', { fatal: false });
for (const lowercase of [true, false]) {
  const tok = makeTokenizer(lowercase);
  const mode = lowercase ? 'uncased' : 'cased';
  const cases = [...edge.map((b) => [b, 0, null]), ...real.map((r) => [r.bytes, 0, r.id]),
    ...real.slice(0, 20).map((r, i) => [r.bytes, i % 2 ? 16 : 40, r.id]),
    [utf8('short'), 8, null], [utf8(''), 2, null], [utf8('a b c d e'), 3, null]];
  for (const [bytes, maxLen, id] of cases) {
    const str = dec.decode(bytes);
    let ids, mask = '-';
    if (maxLen > 0) {
      // transformers.js 4.3 truncates after adding [CLS]/[SEP] (its truncateHelper cuts the
      // array, [SEP] included); HF Python and Rust truncate the text's pieces and keep [SEP].
      // mlip.h follows HF Python, so the reference is transformers.js' full encoding cut that
      // way; padding and the mask still come from transformers.js when nothing is cut.
      const full = tok.encode(str);
      if (full.length > maxLen) {
        ids = [...full.slice(0, maxLen - 1), vocab['[SEP]']];
        mask = ids.map(() => 1).join(' ');
      } else {
        const enc = tok(str, { truncation: true, max_length: maxLen, padding: 'max_length', return_tensor: false });
        ids = enc.input_ids;
        mask = enc.attention_mask.join(' ');
      }
    } else {
      ids = tok.encode(str);
    }
    const decoded = tok.decode(ids, { skip_special_tokens: true });
    const text = id ? 'report:' + id : 'text:' + esc(bytes);
    const decodedField = id ? 'fnv:' + fnv(utf8(decoded)) : esc(utf8(decoded));
    out.push([mode, maxLen, text, ids.join(' '), mask, decodedField].join('\t'));
  }
}
process.stdout.write(`# generated by tools/tokenizer_fixture.mjs with @huggingface/transformers (BertTokenizer) from ${vocabPath.split('/').pop()}\n`);
process.stdout.write(out.join('\n') + '\n');
