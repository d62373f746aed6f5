#!/bin/sh
# Why does `make demo` stop near 0.71 zero-shot AUROC? Controlled variations of the demo, each
# changing one thing, each scored on held-out images: zero-shot mean AUROC and the two findings
# that stay at chance (nodule, pneumothorax). Reproduces the table in README "Synthetic
# benchmark". About 5 minutes a run at 1 thread (two can run side by side on 2 cores).
# usage: tools/demo_diagnose.sh [OUT_DIR] [STEPS] [THREADS]   (defaults build/diagnose, 700, 1)
#   ONLY="base mask0" runs just those variants; the three long ones (steps5000, steps5000_data5x,
#   clip5000_data5x: 35-45 minutes each at 1 thread) run only when named there. SEED=S trains
#   with seed S (default 1, mlip train's default); use a fresh OUT_DIR per seed.
set -e
OUT=${1:-build/diagnose}; STEPS=${2:-700}; THREADS=${3:-1}; SEED=${SEED:-1}
ONLY=${ONLY:-"base steps2000 mask0 tail data4x lesion2x batch64 lr1e-3 no_negation only_nodule only_pneumothorax"}
cd "$(dirname "$0")/.."
[ -x ./mlip ] || make mlip >/dev/null
mkdir -p "$OUT"
D=$OUT/data
# A synthetic set from the demo's generator settings, made once. $1: folder, $2: images, then extra flags.
synth_once() {
    dir=$1 n=$2; shift 2
    [ -f "$dir/train.tsv" ] || ./mlip synth --out "$dir" --n "$n" --seed 1 --difficulty easy --quiet "$@"
}
synth_once "$D" 2000 # the demo's data

# A copy of the demo data whose report column is rewritten by an awk program (images shared).
# $1: name, $2: awk program over train.tsv/test.tsv rows (FS = OFS = tab, header kept).
rewrite() {
    mkdir -p "$OUT/$1"
    ln -sfn "$(cd "$D" && pwd)/images" "$OUT/$1/images"
    cp "$D/prompts.tsv" "$OUT/$1/prompts.tsv"
    for f in train test; do awk -F'\t' -v OFS='\t' "NR == 1 { print; next } $2" "$D/$f.tsv" > "$OUT/$1/$f.tsv"; done
}

# Train like tools/demo.sh (any flag can be overridden after the data), then zero-shot.
# $1: name, $2: data dir, then extra train flags.
run() {
    name=$1 data=$2; shift 2
    ./mlip train --data "$data/train.tsv" --out "$OUT/$name.mlip" --config tiny --steps "$STEPS" --batch 32 --tokens 64 \
        --lr 5e-4 --warmup 50 --seed "$SEED" --threads "$THREADS" --log "$OUT/$name.losses.tsv" "$@" > "$OUT/$name.train.log" 2>&1
    ./mlip eval --model "$OUT/$name.mlip" --data "$data/test.tsv" --task zeroshot --threads "$THREADS" > "$OUT/$name.eval"
    awk -v n="$name" -v f="$*" '$1 == "nodule" || $1 == "pneumothorax" { a[$1] = $2 } /^zeroshot mean/ { m = $4; sub(/,/, "", m) }
        END { printf "| %s | %s | %s | %s | %s |\n", n, f, m, a["nodule"] == "" ? "" : a["nodule"], a["pneumothorax"] == "" ? "" : a["pneumothorax"] }' \
        "$OUT/$name.eval" | tee -a "$OUT/table.md"
}

# The other two readings of a trained variant, each printed with its nodule and pneumothorax.
# $1: name, $2: data dir. local_reading: zero-shot with the local score alone (docs/design.md) (a model
# trained with the local loss). probe_reading: a linear probe on the frozen image embeddings with
# all training labels, what the image side carries whatever the text does.
local_reading() {
    ./mlip eval --model "$OUT/$1.mlip" --data "$2/test.tsv" --task zeroshot --local 1 --threads "$THREADS" > "$OUT/$1.local"
    echo "   $1: zero-shot local only $(awk '/^zeroshot mean AUROC global/ { print $NF }' "$OUT/$1.local")" \
        "$(awk '$1 == "nodule" || $1 == "pneumothorax" { printf "%s %s  ", $1, $5 }' "$OUT/$1.local")"
}
probe_reading() {
    ./mlip eval --model "$OUT/$1.mlip" --data "$2/test.tsv" --train "$2/train.tsv" --task probe --threads "$THREADS" > "$OUT/$1.probe"
    echo "   $1: probe 100 % $(awk '/^probe mean/ { print $NF }' "$OUT/$1.probe")" \
        "$(awk '$1 == "nodule" || $1 == "pneumothorax" { printf "%s %s  ", $1, $4 }' "$OUT/$1.probe")"
}
readouts() { local_reading "$@"; probe_reading "$@"; }

printf '| variant | train flags | zero-shot mean AUROC | nodule | pneumothorax |\n|---|---|---|---|---|\n' > "$OUT/table.md"
for v in $ONLY; do
    case $v in
    base) run base "$D"; readouts base "$D" ;;
    steps2000) run steps2000 "$D" --steps 2000 ;;                  # a plateau or just slow?
    steps5000) run steps5000 "$D" --steps 5000; readouts steps5000 "$D" ;; # how far does compute alone go? (~42 min)
    steps5000_data5x) # 5000 steps on 10,000 distinct images: compute and data together
        synth_once "$OUT/data5x" 10000 # five times the demo's images
        run steps5000_data5x "$OUT/data5x" --steps 5000; readouts steps5000_data5x "$OUT/data5x" ;;
    clip5000_data5x) # the same with the CLIP baseline's objective: does MLIP still trail it?
        synth_once "$OUT/data5x" 10000 # five times the demo's images
        run clip5000_data5x "$OUT/data5x" --steps 5000 --mask 0 --no-local --no-sie --no-mip
        probe_reading clip5000_data5x "$OUT/data5x" ;; # no local reading: CLIP trains no local heads
    mask0) run mask0 "$D" --mask 0 ;;                              # every patch seen every step
    tail) run tail "$D" --unmasked-tail $((3 * STEPS / 10)) ;;     # masked, then the last 30 % unmasked
    batch64) run batch64 "$D" --batch 64 --steps $((STEPS / 2)) --warmup 25 ;; # same images seen, more negatives
    lr1e-3) run lr1e-3 "$D" --lr 1e-3 --warmup 100 ;;
    data4x) # four times as many distinct images, same steps: memorising or under-training?
        synth_once "$OUT/data4x" 8000
        run data4x "$OUT/data4x" ;;
    lesion2x) # findings twice the size: can the tiny ViT not see them at 64 px?
        synth_once "$OUT/lesion2x" 2000 --lesion-scale 2
        run lesion2x "$OUT/lesion2x" ;;
    no_negation) # drop every sentence with a negation or a "normal" word: a bag of words then
        # separates the findings, so the text side is easy; zero-shot's "no X" prompts are
        # then out of distribution, so read the image probe (no_negation.probe) instead
        rewrite no_negation '{ n = split($2, s, /\. /); r = ""
            for (i = 1; i <= n; i++) if (tolower(" " s[i] " ") !~ /[^a-z](no|not|without|normal|clear|unremarkable|sharp|negative|within)[^a-z]/)
                r = r (r == "" ? "" : " ") s[i] (s[i] ~ /\.$/ ? "" : ".")
            $2 = r == "" ? "Unremarkable study." : r; print }'
        run no_negation "$OUT/no_negation"
        ./mlip eval --model "$OUT/no_negation.mlip" --data "$OUT/no_negation/test.tsv" --train "$OUT/no_negation/train.tsv" \
            --task probe --threads "$THREADS" > "$OUT/no_negation.probe"
        echo "   no_negation, linear probe on the image embeddings (100 % labels):" \
            "$(awk '$1 == "nodule" || $1 == "pneumothorax" { printf "%s %s  ", $1, $4 }' "$OUT/no_negation.probe")" ;;
    only_nodule | only_pneumothorax) # one finding, one two-sentence vocabulary: nothing competes
        f=${v#only_}
        rewrite "$v" '{ pos = ";" $3 ";" ~ ";'"$f"';"; $2 = pos ? "'"$f"' present." : "clear lungs."; $3 = pos ? "'"$f"'" : "normal"; print }'
        printf 'finding\tpositive\tnegative\n%s\t%s present.\tclear lungs.\n' "$f" "$f" > "$OUT/$v/prompts.tsv"
        run "$v" "$OUT/$v" --steps $((4 * STEPS / 7)) ;;
    *) echo "demo_diagnose: unknown variant '$v'" >&2; exit 2 ;;
    esac
done
echo "table: $OUT/table.md"
