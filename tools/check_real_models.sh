#!/usr/bin/env bash
# (bash: refimpl/env.sh uses BASH_SOURCE.)
# Full-size parity check against the real libraries: generates the full-size fixtures (timm
# vit_base_patch16_224 with token and avg pooling, open_clip BiomedCLIP at 224 / context 256, HF
# CLIP ViT-B/32) with tools/real_model_fixtures.py --full into a temporary directory, then runs
# the C test suite "real" on them: MLIP_REAL_FIXTURES=<dir> ./build/native/runner real/
#
# MLIP_REAL_SEED=S draws other random weights and ids and takes other X-rays (default 0).
# Needs ../shared/refimpl (override with MLIP_REFIMPL=/path/to/refimpl) and its Debian Python
# deps (/usr/bin/python3 with torch 1.13, see refimpl/README.md); prints "SKIP: <reason>" and
# exits 0 when they are missing. About 2.5 GB of disk in the temporary directory (the BiomedCLIP
# model.bin alone is ~800 MB); TMPDIR chooses where (it must have room). Exit status: the
# runner's (or the generator's if that fails).
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
REFIMPL=${MLIP_REFIMPL:-$ROOT/../shared/refimpl}
PY=${MLIP_PYTHON:-/usr/bin/python3}
BUILD=${MLIP_BUILD:-build/native}

grep -m1 "model name" /proc/cpuinfo 2>/dev/null || uname -m

if [ ! -f "$REFIMPL/env.sh" ]; then
    echo "SKIP: no reference implementations at $REFIMPL (set MLIP_REFIMPL)"
    exit 0
fi
if [ ! -x "$PY" ]; then
    echo "SKIP: $PY not found"
    exit 0
fi
# shellcheck disable=SC1091
. "$REFIMPL/env.sh"
if ! deps=$("$PY" -c "import numpy, torch, timm, open_clip, transformers, safetensors" 2>&1); then
    echo "SKIP: the reference libraries' Python deps are missing ($(echo "$deps" | tail -n 1));" \
        "see $REFIMPL/install-debian-deps.sh"
    exit 0
fi
DATA=${MLIP_DATA:-$ROOT/../shared/data}
if [ ! -d "$DATA/cxr" ]; then
    echo "SKIP: no chest X-rays at $DATA/cxr (set MLIP_DATA)"
    exit 0
fi
export MLIP_DATA="$DATA" MLIP_REFIMPL="$REFIMPL"
# Debian's torch calls whatever libblas.so.3 the system selects (the netlib reference BLAS by
# default: every full-size forward then takes tens of seconds). An installed OpenBLAS is used for
# this run only, through LD_LIBRARY_PATH; the system's selection is left alone.
for d in /usr/lib/*-linux-gnu/openblas-pthread /usr/lib/*-linux-gnu/openblas-openmp; do
    if [ -e "$d/libblas.so.3" ] && [ "${MLIP_REFIMPL_BLAS:-}" != system ]; then
        export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        echo "BLAS for the reference run: $d"
        break
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlip-real.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
avail=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
if [ -n "$avail" ] && [ "$avail" -lt 3000000 ]; then
    echo "FAIL: only $((avail / 1024)) MB free in $tmp; the full fixtures need ~2.5 GB (set TMPDIR)"
    exit 1
fi

echo "generating the full-size fixtures in $tmp"
start=$(date +%s)
"$PY" tools/real_model_fixtures.py --full --out "$tmp" --seed "${MLIP_REAL_SEED:-0}" || {
    echo "FAIL: tools/real_model_fixtures.py --full"
    exit 1
}
echo "generated in $(($(date +%s) - start)) s: $(du -sh "$tmp" | cut -f1)"

make --no-print-directory "$BUILD/runner" || exit 1
MLIP_REAL_FIXTURES=$tmp "./$BUILD/runner" real/ | tee "$tmp/runner.log"
status=${PIPESTATUS[0]}
if grep -q "^0 passed, 0 failed" "$tmp/runner.log"; then
    echo "WARNING: this runner has no cases matching real/ (is the suite \"real\" built in?)"
fi
exit "$status"
