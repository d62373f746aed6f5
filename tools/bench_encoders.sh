#!/usr/bin/env bash
# Encoder inference, mlip.h against the PyTorch twin side by side (same script, same machine,
# alternating): ViT-B/16 at 224 (batch 1 and 8) and BERT-base at 128 tokens (batch 1 and 8),
# random weights, 1 and 2 threads. Milliseconds per batch are medians of REPS runs; ratio =
# mlip / torch (< 1 means mlip is faster). Without torch the torch column says n/a.
# usage: tools/bench_encoders.sh [REPS]     (run from the repository root after `make`)
set -u
reps=${1:-5}
cd "$(dirname "$0")/.."
[ -x ./mlip ] || make -s mlip
have_torch=0
/usr/bin/python3 -c "import torch" 2>/dev/null && have_torch=1
printf '%-10s %5s %6s %7s %10s %10s %7s %12s\n' model batch tokens threads mlip_ms torch_ms ratio mlip_peak_MiB
for spec in "vit-b16 1" "vit-b16 8" "bert-base 1" "bert-base 8"; do
  set -- $spec
  model=$1 batch=$2
  tokens=$([ "$model" = vit-b16 ] && echo 197 || echo 128)
  for threads in 1 2; do
    out=$(./mlip bench --model "$model" --batch "$batch" --tokens 128 --threads "$threads" --reps "$reps")
    ms=$(printf '%s\n' "$out" | sed -n 's/^ms: //p')
    peak=$(printf '%s\n' "$out" | sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p')
    tms=n/a ratio=n/a
    if [ $have_torch = 1 ]; then
      tms=$(OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 tools/bench_twin.py "$model" "$batch" 128 "$reps" | sed -n 's/^ms: //p')
      ratio=$(awk -v a="$ms" -v b="$tms" 'BEGIN { printf "%.3f", a / b }')
    fi
    printf '%-10s %5s %6s %7s %10s %10s %7s %12s\n' "$model" "$batch" "$tokens" "$threads" "$ms" "$tms" "$ratio" "$peak"
  done
done
