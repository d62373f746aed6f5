#!/bin/sh
# One training step of the MLIP objective (tiny config): mlip against the PyTorch twin, run
# one after the other in this script, same batch shape and thread count; ratio = mlip / torch.
# usage: tools/bench_train.sh [REPS] [BATCH] [TOKENS]    (needs ./mlip; torch via /usr/bin/python3)
set -e
REPS=${1:-5}; B=${2:-32}; T=${3:-64}
cd "$(dirname "$0")/.."
[ -x ./mlip ] || make mlip >/dev/null
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then echo "SKIP: no torch at /usr/bin/python3"; exit 0; fi
echo "| config | batch | tokens | threads | mlip ms | PyTorch ms | ratio |"
echo "|---|---|---|---|---|---|---|"
for threads in 1 2; do
    m=$(./mlip bench --train tiny --batch "$B" --tokens "$T" --threads "$threads" --reps "$REPS" | sed -n 's/^ms: //p')
    t=$(OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 tools/bench_train.py tiny "$B" "$T" "$REPS" | sed -n 's/^ms: //p')
    echo "| tiny | $B | $T | $threads | $m | $t | $(echo "$m $t" | awk '{printf "%.3f", $1 / $2}') |"
done
