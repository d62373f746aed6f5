#!/bin/sh
# The ablation ladder (docs/design.md, docs/results.md) on the synthetic benchmark, same data and compute
# for every rung: CLIP (global, no mask) -> FLIP (+ masking) -> + local OT -> + SIE -> + MIP
# (= MLIP), at each training-set size, for each seed; zero-shot mean AUROC, linear-probe
# AUROC (10 % labels) and few-shot segmentation Dice (10 % masks) on the same held-out set.
# usage: tools/ablation.sh [STEPS] ["SIZES"] ["SEEDS"] [OUT_DIR]
#   e.g. tools/ablation.sh 1100 "500 2000" "1 2 3"   (the full table: 30 runs)
# Prints a markdown table of means over seeds (and writes OUT_DIR/ablation.tsv, every run).
# MATCH=compute gives every rung the same training compute instead of the same steps: a masked
# ViT step is cheaper, so the masked rungs get more steps, in the ratio of their measured
# training throughput on the 2-core reference machine (600 steps: CLIP 187 s, FLIP 133 s,
# + local 141 s, + SIE 136 s, MLIP 148 s at one thread): CLIP x1, FLIP x1.40, + local x1.32,
# + SIE x1.37, MLIP x1.26.
# TABLE_ONLY=1 prints the table of OUT_DIR/ablation.tsv and trains nothing.
# METHODS="..." picks rungs (default: clip flip local sie mlip); flip_ut and mlip_ut are FLIP and
# MLIP whose last tenth of the steps (UT_TAIL=N: the last N) see every patch (--unmasked-tail,
# FLIP's unmasked tuning).
# REUSE=1 keeps models already trained in OUT_DIR and only evaluates them again. THREADS=N sets
# the threads of each run (default 2): e.g. two sizes as two scripts at THREADS=1 side by side.
set -e
STEPS=${1:-1100}; SIZES=${2:-"500 2000"}; SEEDS=${3:-"1 2"}; OUT=${4:-build/ablation}; THREADS=${THREADS:-2}
METHODS=${METHODS:-"clip flip local sie mlip"}; UT_TAIL=${UT_TAIL:-$((STEPS / 10))}
cd "$(dirname "$0")/.."
if [ -z "$TABLE_ONLY" ]; then
[ -x ./mlip ] || make mlip >/dev/null
mkdir -p "$OUT"
./mlip synth --out "$OUT/data" --n 3000 --seed 7 --difficulty easy --split train=0.8 --quiet
# held-out: test.tsv (600 images); training sets: the first N rows of train.tsv
printf 'size\tseed\tmethod\tsteps\tzeroshot_auroc\tprobe10_auroc\tseg10_dice\n' > "$OUT/ablation.tsv"
for n in $SIZES; do
    head -n $((n + 1)) "$OUT/data/train.tsv" > "$OUT/data/train_$n.tsv"
    for seed in $SEEDS; do
        for method in $METHODS; do
            case $method in
                clip)  flags="--mask 0 --no-local --no-sie --no-mip" ;;
                flip)  flags="--mask 0.5 --no-local --no-sie --no-mip" ;;
                local) flags="--mask 0.5 --no-sie --no-mip" ;;
                sie)   flags="--mask 0.5 --no-mip" ;;
                mlip)  flags="--mask 0.5" ;;
                flip_ut) flags="--mask 0.5 --no-local --no-sie --no-mip --unmasked-tail $UT_TAIL" ;;
                mlip_ut) flags="--mask 0.5 --unmasked-tail $UT_TAIL" ;;
                *) echo "ablation.sh: unknown method $method" >&2; exit 2 ;;
            esac
            steps=$STEPS
            if [ "$MATCH" = compute ]; then
                case $method in
                    flip) steps=$((STEPS * 140 / 100)) ;;
                    local) steps=$((STEPS * 132 / 100)) ;;
                    sie) steps=$((STEPS * 137 / 100)) ;;
                    mlip) steps=$((STEPS * 126 / 100)) ;;
                esac
            fi
            m="$OUT/$method-$n-$seed.mlip"
            # shellcheck disable=SC2086
            [ -n "$REUSE" ] && [ -f "$m" ] || ./mlip train --data "$OUT/data/train_$n.tsv" --out "$m" --steps "$steps" --batch 32 --tokens 64 \
                --lr 5e-4 --warmup 50 --seed "$seed" --threads "$THREADS" $flags > "$OUT/$method-$n-$seed.log" 2>&1
            ./mlip eval --model "$m" --data "$OUT/data/test.tsv" --train "$OUT/data/train_$n.tsv" --task all \
                --seed "$seed" --threads "$THREADS" > "$OUT/$method-$n-$seed.eval" 2>&1
            zs=$(sed -n 's/^zeroshot mean AUROC \([0-9.]*\).*/\1/p' "$OUT/$method-$n-$seed.eval")
            pr=$(sed -n 's/^probe mean AUROC 1% [0-9.]* 10% \([0-9.]*\).*/\1/p' "$OUT/$method-$n-$seed.eval")
            sg=$(sed -n 's/^seg mean Dice 1% [0-9.]* 10% \([0-9.]*\).*/\1/p' "$OUT/$method-$n-$seed.eval")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$seed" "$method" "$steps" "$zs" "$pr" "$sg" >> "$OUT/ablation.tsv"
            echo "size $n seed $seed $method ($steps steps): zero-shot AUROC $zs, probe AUROC $pr, seg Dice $sg"
        done
    done
done
fi
echo
# the table: means over seeds, and the spread (sample standard deviation) where there are several
echo "| train size | method | steps | zero-shot mean AUROC | linear probe AUROC (10 %) | seg Dice (10 %) | seeds |"
echo "|---|---|---|---|---|---|---|"
awk -F'\t' 'function cell(s, q, n) { return n > 1 ? sprintf("%.3f ± %.3f", s / n, sqrt((q - s * s / n) / (n - 1))) : sprintf("%.3f", s / n) }
    NR > 1 { k = $1 "\t" $3; if (!(k in n)) order[++m] = k; n[k]++; st[k] = $4
             z[k] += $5; zz[k] += $5 * $5; p[k] += $6; pp[k] += $6 * $6; s[k] += $7; ss[k] += $7 * $7 }
    END { for (i = 1; i <= m; i++) { k = order[i]; split(k, a, "\t");
          printf "| %s | %s | %s | %s | %s | %s | %d |\n", a[1], a[2], st[k], cell(z[k], zz[k], n[k]), cell(p[k], pp[k], n[k]), cell(s[k], ss[k], n[k]), n[k] } }' \
    "$OUT/ablation.tsv"
