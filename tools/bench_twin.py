"""Time the PyTorch twin's inference forward (random weights), for tools/bench_encoders.sh.
usage: OPENBLAS_NUM_THREADS=T /usr/bin/python3 tools/bench_twin.py vit-b16|bert-base BATCH [TOKENS] [REPS]
Prints the median milliseconds per batch as its last line, 'ms: X' (like `mlip bench`).
torch runs with torch.set_num_threads(1): its matmuls go through libblas.so.3 (OpenBLAS), whose
threads OPENBLAS_NUM_THREADS sets; both at 2 would oversubscribe the 2 cores."""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlip_twin  # noqa: E402

model, batch = sys.argv[1], int(sys.argv[2])
tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 128
reps = int(sys.argv[4]) if len(sys.argv) > 4 else 5
torch.set_num_threads(1)
torch.manual_seed(0)
if model == "vit-b16":
    m = mlip_twin.ViT(dict(image_size=224, patch_size=16, channels=3, width=768, layers=12, heads=12,
                           mlp_dim=3072, ln_eps=1e-12))
    x = (torch.rand(batch, 3, 224, 224),)
elif model == "bert-base":
    m = mlip_twin.Bert(dict(vocab_size=30522, max_positions=512, type_vocab_size=2, width=768, layers=12,
                            heads=12, mlp_dim=3072, ln_eps=1e-12))
    x = (torch.randint(0, 30522, (batch, tokens)),)
else:
    sys.exit("unknown model " + model)
m.eval()
times = []
with torch.no_grad():
    m(*x)  # warm-up
    for _ in range(reps):
        t0 = time.perf_counter()
        m(*x)
        times.append((time.perf_counter() - t0) * 1e3)
print("torch %s threads(openblas)=%s" % (torch.__version__, os.environ.get("OPENBLAS_NUM_THREADS", "?")))
print("ms: %.2f" % statistics.median(times))
