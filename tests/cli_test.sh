#!/bin/sh
# The command-line tool end to end, on a small synthetic set: mlip synth -> mlip train (a run
# straight through against one stopped with --stop-after and continued with --resume: the
# same losses and a byte-identical model, across the start of an unmasked tail) -> mlip eval
# -> mlip explain; a dataset with bad rows is reported with file:line; bad numbers in options are
# refused. Last line: "N passed, M failed".
cd "$(dirname "$0")/.."
M=./mlip
D=build/cli_test
pass=0; fail=0
check() { if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok   $2"; else fail=$((fail + 1)); echo "FAIL $2"; fi; }
rm -rf "$D" && mkdir -p "$D"
$M synth --out "$D/data" --n 96 --seed 3 --quiet > "$D/synth.log" 2>&1
check $? "synth"
# the last 3 steps unmasked: the resume below crosses into the tail
common="--data $D/data/train.tsv --steps 8 --batch 8 --tokens 48 --threads 2 --seed 5 --unmasked-tail 3"
$M train $common --out "$D/a.mlip" --log "$D/a.tsv" > "$D/a.log" 2>&1
check $? "train straight through"
$M train $common --out "$D/b.mlip" --log "$D/b.tsv" --stop-after 3 > "$D/b1.log" 2>&1
rc=$?; [ $rc = 130 ] && grep -q "interrupted: checkpoint" "$D/b1.log"
check $? "train --stop-after 3 (exit $rc, checkpoint written)"
$M train $common --out "$D/b.mlip" --log "$D/b.tsv" --resume "$D/b.mlip.ckpt" > "$D/b2.log" 2>&1
check $? "train --resume"
cmp -s "$D/a.tsv" "$D/b.tsv"
check $? "resumed losses equal the straight run's"
cmp -s "$D/a.mlip" "$D/b.mlip"
check $? "resumed model byte-identical"
grep -q "^step 8/8 " "$D/a.log"
check $? "progress lines"
awk -F'\t' 'NR > 1 && (($1 <= 5) != ($5 > 0)) { bad = 1 } END { exit bad || NR != 9 }' "$D/a.tsv"
check $? "--unmasked-tail 3: MIP loss in steps 1-5, none in 6-8"
$M eval --model "$D/a.mlip" --data "$D/data/test.tsv" --train "$D/data/train.tsv" --task all > "$D/eval.log" 2>&1 &&
    grep -q "^zeroshot mean AUROC" "$D/eval.log" && grep -q "^probe mean AUROC" "$D/eval.log" && grep -q "^seg mean Dice" "$D/eval.log"
check $? "eval zeroshot, probe, seg"
# --local: W = 1 scores with the local column alone; the global-only mean is the plain run's mean
$M eval --model "$D/a.mlip" --data "$D/data/test.tsv" --local 1 > "$D/local1.log" 2>&1 &&
    awk '$2 ~ /^[0-9.]+$/ && NF >= 5 && $2 != $5 { bad = 1 } /^zeroshot mean AUROC global only/ { seen = 1 } END { exit bad || !seen }' "$D/local1.log" &&
    $M eval --model "$D/a.mlip" --data "$D/data/test.tsv" --local 0.5 > "$D/local05.log" 2>&1 &&
    [ "$(sed -n 's/^zeroshot mean AUROC global only \([0-9.]*\),.*/\1/p' "$D/local05.log")" = \
      "$(sed -n 's/^zeroshot mean AUROC \([0-9.]*\), mean accuracy.*/\1/p' "$D/eval.log")" ] &&
    ! $M eval --model "$D/a.mlip" --data "$D/data/test.tsv" --local 1.5 > /dev/null 2>&1
check $? "eval --local mixes the local zero-shot score"
img=$(sed -n 2p "$D/data/test.tsv" | cut -f1); rep=$(sed -n 2p "$D/data/test.tsv" | cut -f2)
$M explain --model "$D/a.mlip" --image "$D/data/$img" --report "$rep" --out "$D/map.png" > "$D/explain.log" 2>&1 &&
    [ -s "$D/map.png" ] && head -c 8 "$D/map.png" | od -An -tx1 | grep -q "89 50 4e 47"
check $? "explain writes a PNG"
# bad rows: a missing image, an empty report, a wrong column count
{ printf 'image\treport\tlabels\n'; sed -n 2,12p "$D/data/train.tsv"; printf 'images/nope.pgm\tNo effusion.\tnormal\n';
  printf '%s\t \tnormal\n' "$img"; printf 'just one column\n'; } > "$D/data/bad.tsv"
$M train --data "$D/data/bad.tsv" --out "$D/c.mlip" --steps 1 --batch 4 --tokens 32 --vocab "$D/a.mlip.vocab.txt" \
    > "$D/c.log" 2>&1 && grep -q "bad.tsv:13: .*nope.pgm" "$D/c.log" && grep -q "bad.tsv:14: " "$D/c.log" &&
    grep -q "bad.tsv:15: " "$D/c.log"
check $? "bad rows reported with file:line and skipped"
$M train --data "$D/data/bad.tsv" --out "$D/d.mlip" --steps 1 --batch 4 --tokens 32 --vocab "$D/a.mlip.vocab.txt" --strict \
    > "$D/d.log" 2>&1
rc=$?; [ $rc = 1 ] && grep -q "bad.tsv:13" "$D/d.log"
check $? "--strict: a bad row is fatal (exit $rc)"
# bad numbers are refused (exit 2) with a message naming the option, not read as atoi would
for bad in "train --steps abc" "train --steps 10x" "train --batch 1" "train --mask 1.5" \
    "train --seed -1" "eval --threads 2x" "eval --l2 x" "explain --size 9999" \
    "tokenize --max-len 3.5" "bench --reps 0" "decode --frame -1" "vocab --size 5k"; do
    set -- $bad
    $M "$@" > "$D/bad.log" 2>&1
    rc=$?; [ $rc = 2 ] && grep -q "^mlip $1: $2: expected .*, got '$3'$" "$D/bad.log"
    check $? "mlip $bad: refused (exit $rc)"
done
$M bench 64 64 x > "$D/bad.log" 2>&1
rc=$?; [ $rc = 2 ] && grep -q "^mlip bench: K: expected an integer" "$D/bad.log"
check $? "mlip bench 64 64 x: refused (exit $rc)"
$M train --data "$D/data/train.tsv" --steps > "$D/bad.log" 2>&1
rc=$?; [ $rc = 2 ] && grep -q "^mlip train: --steps needs a value" "$D/bad.log"
check $? "mlip train --steps without a value: refused (exit $rc)"
# PyTorch checkpoints (torch.save zip): listed by the safe reader; a pickle that calls a function is refused
$M info tests/data/torch/plain_f32.pt > "$D/info_pt.log" 2>&1 && grep -q "PyTorch checkpoint" "$D/info_pt.log" &&
    grep -Eq "^  fc.weight +f32 +\(3, 4\)$" "$D/info_pt.log"
check $? "info lists a PyTorch checkpoint's tensors"
$M info tests/data/torch/os_system.pt > "$D/info_bad.log" 2>&1
rc=$?; [ $rc = 1 ] && grep -q "refused global 'os.system'" "$D/info_bad.log"
check $? "info refuses a checkpoint that would call os.system (exit $rc)"
# models trained elsewhere: convert a torch.save checkpoint (HF CLIPModel layout) with its config
# and BPE merges, embed an image and a text, zero-shot and explain on it
R=tests/data/real/hf_clip
$M convert "$R/model.bin" "$D/clip.mlip" --model-config "$R/config.json" --merges tests/data/bpe/merges_small.txt > "$D/conv.log" 2>&1 &&
    $M info "$D/clip.mlip" > "$D/clip_info.log" 2>&1 && grep -q "import.layout = hf-clip" "$D/clip_info.log" &&
    grep -q "text clip (causal), gelu quick" "$D/clip_info.log" && grep -q "tokenizer byte-level BPE" "$D/clip_info.log"
check $? "convert an HF CLIPModel checkpoint with its config and merges"
$M embed --model "$D/clip.mlip" --image tests/data/png/c0d01n.png --out "$D/img.f32" > "$D/emb.log" 2>&1 &&
    [ "$(wc -c < "$D/img.f32")" = 128 ] &&
    $M embed --model "$D/clip.mlip" --text "no pleural effusion" --repeat 3 --out "$D/txt.f32" > "$D/emb2.log" 2>&1 &&
    [ "$(wc -c < "$D/txt.f32")" = 128 ] && grep -q "median .* ms" "$D/emb2.log"
check $? "embed an image and a text (32 floats each), --repeat times it"
$M eval --model "$D/clip.mlip" --data "$D/data/test.tsv" --task zeroshot > "$D/clip_eval.log" 2>&1 &&
    grep -q "^zeroshot mean AUROC" "$D/clip_eval.log"
check $? "eval zeroshot on an imported model"
$M explain --model "$D/clip.mlip" --image "$D/data/images/00001.pgm" --report "Small effusion. No pneumothorax." \
    --out "$D/clip_map.png" > "$D/clip_ex.log" 2>&1 && grep -q "no local heads" "$D/clip_ex.log" && [ -s "$D/clip_map.png" ]
check $? "explain on an imported model: similarity maps, said so"
$M convert tests/data/torch/plain_f32.pt "$D/x.mlip" > "$D/bad.log" 2>&1
rc=$?; [ $rc = 1 ] && grep -q "match no known layout" "$D/bad.log"
check $? "convert refuses a checkpoint of an unknown layout (exit $rc)"
$M embed --model "$D/clip.mlip" > "$D/bad.log" 2>&1
rc=$?; [ $rc = 2 ] && grep -q "need --model and one of --image, --text" "$D/bad.log"
check $? "embed without an input: refused (exit $rc)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
