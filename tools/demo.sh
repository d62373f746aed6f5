#!/bin/sh
# make demo: synthetic radiographs -> MLIP pre-training of the tiny config -> zero-shot
# evaluation on held-out images -> an explanation map. Only ./mlip (gcc and make) is needed.
# usage: tools/demo.sh [OUT_DIR] [STEPS]
set -e
OUT=${1:-build/demo}; STEPS=${2:-700}
cd "$(dirname "$0")/.."
start=$(date +%s)
mkdir -p "$OUT"
echo "== 1/4 synthetic chest radiographs with reports and masks"
./mlip synth --out "$OUT/data" --n 2000 --seed 1 --difficulty easy
echo "== 2/4 pre-training the tiny config with the MLIP objective ($STEPS steps, batch 32)"
./mlip train --data "$OUT/data/train.tsv" --out "$OUT/model.mlip" --config tiny --steps "$STEPS" --batch 32 \
    --tokens 64 --lr 5e-4 --warmup 50 --threads 2 --log "$OUT/losses.tsv"
echo "== 3/4 zero-shot classification of the held-out images"
./mlip eval --model "$OUT/model.mlip" --data "$OUT/data/test.tsv" --task zeroshot | tee "$OUT/zeroshot.txt"
echo "== 4/4 where each sentence of a report lies in its image"
line=$(awk -F'\t' 'NR > 1 && $3 != "normal" { print; exit }' "$OUT/data/test.tsv")
image=$(printf '%s' "$line" | cut -f1); report=$(printf '%s' "$line" | cut -f2)
echo "image $image: \"$report\""
./mlip explain --model "$OUT/model.mlip" --image "$OUT/data/$image" --report "$report" --out "$OUT/explain.png"
echo "demo done in $(( $(date +%s) - start )) s: $OUT/model.mlip, $OUT/zeroshot.txt, $OUT/explain.png"
