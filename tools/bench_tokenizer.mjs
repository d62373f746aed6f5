// transformers.js on the same text as tools/bench_tokenizer.c, for comparison.
//   npm install --no-save @huggingface/transformers && node tools/bench_tokenizer.mjs [VOCAB] [REPORTS] [REPS]
// The tokenizer is built from the local vocab.txt as in tools/tokenizer_fixture.mjs.
import { readFileSync } from 'node:fs';
import { PreTrainedTokenizer } from '@huggingface/transformers';

const vocabPath = process.argv[2] ?? '../shared/data/vocab/bert-base-uncased-vocab.txt';
const reportsPath = process.argv[3] ?? '../shared/data/cxr/reports.tsv';
const reps = Number(process.argv[4] ?? 5);
const lines = readFileSync(vocabPath, 'utf8').split('\n');
if (lines.at(-1) === '') lines.pop();
const vocab = Object.fromEntries(lines.map((t, i) => [t.replace(/\r$/, ''), i]));
const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const texts = readFileSync(reportsPath, 'utf8').split('\n').slice(1)
  .map((l) => l.split('\t')).filter((f) => f.length >= 4 && f[3].length > 0).map((f) => f[3]);
const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
for (const lowercase of [true, false]) {
  const tok = new PreTrainedTokenizer({
    added_tokens: specials.map((s) => ({ id: vocab[s], content: s, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  }, { do_lower_case: lowercase, unk_token: '[UNK]', pad_token: '[PAD]', cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]' });
  let best = Infinity, pieces = 0;
  for (let r = 0; r < reps + 1; r++) { // pass 0 warms up the JIT
    const t0 = process.hrtime.bigint();
    pieces = 0;
    for (const t of texts) pieces += tok.encode(t, { add_special_tokens: false }).length;
    const s = Number(process.hrtime.bigint() - t0) * 1e-9;
    if (r > 0 && s < best) best = s;
  }
  console.log(`transformers.js ${lowercase ? 'uncased' : 'cased  '} tokenize: ${(bytes / best / 1e6).toFixed(1)} MB/s, ${(pieces / best / 1e6).toFixed(2)} M tokens/s (${pieces} tokens, ${(best * 1e3).toFixed(2)} ms per pass)`);
}
