"""Time one training step of the PyTorch twin of the MLIP objective (tools/mlip_objective.py),
for tools/bench_train.sh: the same batch shape as `mlip bench --train` (random pixels, reports
of TOKENS ids in 4 sentences, mask ratio 0.5, every loss term), forward + backward + AdamW.
usage: OPENBLAS_NUM_THREADS=T /usr/bin/python3 tools/bench_train.py CONFIG BATCH TOKENS REPS
Prints the median milliseconds per step last, 'ms: X' (like `mlip bench`). torch runs with
torch.set_num_threads(T) for its own kernels; its matmuls go through libblas.so.3 (OpenBLAS)."""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlip_objective as mo  # noqa: E402

config, B, T, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
threads = int(os.environ.get("OPENBLAS_NUM_THREADS", "1"))
torch.set_num_threads(threads)
torch.manual_seed(0)
vocab = 4096 if config == "tiny" else 8192 if config == "small" else 30522
cfg = mo.named_config(config, vocab)
model = mo.MLIPObjective(cfg)
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.98), weight_decay=0.05)
S, C, P = cfg["vit"]["image_size"], cfg["vit"]["channels"], cfg["vit"]["patch_size"]
K = (S // P) ** 2
g = torch.Generator().manual_seed(1)
images = torch.rand(B, C, S, S, generator=g)
ids = torch.randint(5, vocab, (B, T), generator=g)
ids[:, 0], ids[:, -1] = 2, 3
mask = torch.ones(B, T, dtype=torch.long)
n_sent = torch.full((B,), 4, dtype=torch.long)
bounds = [1 + (T - 2) * l // 4 for l in range(5)]
sent_begin = torch.tensor([bounds[:4]] * B)
sent_end = torch.tensor([bounds[1:]] * B)
times = []
for r in range(reps + 1):  # the first step warms up
    visible = mo.random_mask(B, K, 0.5, g)
    t0 = time.perf_counter()
    out = model(images, ids, mask, n_sent, sent_begin, sent_end, visible)
    opt.zero_grad()
    out["total"].backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if r:
        times.append((time.perf_counter() - t0) * 1e3)
print("torch %s config %s batch %d tokens %d threads %d" % (torch.__version__, config, B, T, threads))
print("ms: %.2f" % statistics.median(times))
