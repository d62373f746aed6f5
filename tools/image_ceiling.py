"""What can the tiny image encoder learn in the demo's budget? The PyTorch experiment behind the
"Image encoder ceiling" table in README (Synthetic benchmark, demo diagnostics).

The tiny ViT of tools/mlip_objective.py (the PyTorch twin of mlip.h's model) is trained from
scratch on a synthetic set with the demo's steps, batch, learning rate, warm-up and clipping
(no augmentation), with one of two objectives:
  --objective clip        the global contrastive loss between image and report, every patch
                          visible (CLIP); scored zero-shot like `mlip eval --task zeroshot`
                          with the set's prompts.tsv (cosine to the positive prompt minus cosine
                          to the negative one; primary prompts only, no synonyms);
  --objective supervised  a linear head on the image [CLS] state, binary cross-entropy on the
                          five labels. Direct labels are the most a pre-training signal can
                          give the image side, so this is the ceiling of what the encoder
                          learns to see in this budget;
and one of two image stems:
  --stem patch            the library's linear patch embedding (an 8 x 8 patch -> 128 numbers);
  --stem conv             a convolutional stem: three 3x3 stride-2 convolutions with GELU
                          (16, 32, 64 channels, He-normal init, zero bias), then a 1x1
                          projection to the width (std 1/sqrt(64)); same token grid.
Prints the per-finding AUROC on the held-out test.tsv and a RESULT line.

Usage (after `make demo`, whose data and vocabulary it reuses; Debian python3-torch):
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/image_ceiling.py --data build/demo/data \\
        --vocab build/demo/model.mlip.vocab.txt --objective supervised --stem conv
Debian's torch calls the system BLAS: with the reference libblas3 a step takes seconds;
install libopenblas0-pthread (about 0.3 s a step at one thread, 700 steps in 3-6 minutes).
"""
import argparse
import functools
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_torch as T  # noqa: E402  (data, tokenizer, schedule)
from mlip_objective import MLIPObjective, named_config  # noqa: E402
from downstream_fixture import auroc_pairs  # noqa: E402  (ties count 1/2)

FINDINGS = ["consolidation", "effusion", "cardiomegaly", "pneumothorax", "nodule"]


def read_labels(path):
    """(N, 5) 0/1 from the labels column of a synthetic set's TSV (header skipped)."""
    rows = [line.split("\t") for line in open(path, encoding="utf-8").read().splitlines()[1:] if line.strip()]
    return torch.tensor([[float(f in r[2].split(";")) for f in FINDINGS] for r in rows])


def conv_stem(width):
    """Three 3x3 stride-2 convolutions + GELU, then 1x1 to width: (B, 1, 64, 64) -> (B, width, 8, 8).
    He init matters: with PyTorch's default init the stem's output hardly differs between images
    and CLIP's loss stayed at ln(batch) for 450 steps (seen in a first try)."""
    layers, cin = [], 1
    for c in (16, 32, 64):
        cv = nn.Conv2d(cin, c, 3, stride=2, padding=1)
        nn.init.normal_(cv.weight, 0.0, (2.0 / (cin * 9)) ** 0.5)  # He: the signal keeps its scale
        nn.init.zeros_(cv.bias)
        layers += [cv, nn.GELU()]
        cin = c
    proj = nn.Conv2d(cin, width, 1)
    nn.init.normal_(proj.weight, 0.0, (1.0 / cin) ** 0.5)
    nn.init.zeros_(proj.bias)
    return nn.Sequential(*layers, proj)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="a folder from `mlip synth` (train.tsv, test.tsv, prompts.tsv)")
    ap.add_argument("--vocab", required=True, help="WordPiece vocabulary (the demo writes model.mlip.vocab.txt)")
    ap.add_argument("--objective", choices=["clip", "supervised"], default="supervised")
    ap.add_argument("--stem", choices=["patch", "conv"], default="patch")
    ap.add_argument("--steps", type=int, default=700)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    tok = T.Tokenizer(a.vocab)
    cfg = named_config("tiny", len(tok.tokens))
    size, tokens = cfg["vit"]["image_size"], 64  # the demo's --tokens 64
    train = T.PairData(T.read_tsv(os.path.join(a.data, "train.tsv")), tok, size, 1, tokens, 16)
    train.item = functools.lru_cache(maxsize=None)(train.item)  # decode and tokenise once
    y_train = read_labels(os.path.join(a.data, "train.tsv"))
    assert len(y_train) == len(train), "train.tsv: labels and pairs disagree"

    obj = MLIPObjective(cfg).init_train(a.seed)
    if a.stem == "conv":
        obj.vision.embeddings.patch_embeddings.projection = conv_stem(cfg["vit"]["width"])
    head = nn.Linear(cfg["vit"]["width"], len(FINDINGS))
    named = [(n, p) for n, p in obj.named_parameters() if a.objective == "clip" or n.startswith("vision.")]
    if a.objective == "supervised":
        named += [("head." + n, p) for n, p in head.named_parameters()]
    params = [p for _, p in named]
    decay = [p for n, p in named if T.decays(n, p)]  # mlip.h's weight-decay flags
    rest = [p for n, p in named if not T.decays(n, p)]
    opt = torch.optim.AdamW([dict(params=decay, weight_decay=0.05), dict(params=rest, weight_decay=0.0)], lr=a.lr)
    clip_opts = dict(use_sie=False, use_local=False, use_mip=False)
    gen = torch.Generator().manual_seed(a.seed)
    step, t0 = 0, time.time()
    while step < a.steps:
        order = torch.randperm(len(train), generator=gen).tolist()
        for s in range(0, len(order) - a.batch + 1, a.batch):
            if step >= a.steps:
                break
            idx = order[s:s + a.batch]
            images, ids, mask, n_sent, sb, se = train.batch(idx)
            for g in opt.param_groups:
                g["lr"] = T.lr_at(step, a.steps, a.warmup, a.lr)
            if a.objective == "supervised":
                logits = head(obj.vision(obj.normalise(images.float()))[:, 0])
                loss = F.binary_cross_entropy_with_logits(logits, y_train[idx])
            else:
                loss = obj(images, ids, mask, n_sent, sb, se, None, clip_opts)["total"]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            if step % 100 == 0 or step == a.steps - 1:
                print("step %d loss %.4f %.0f s" % (step, float(loss), time.time() - t0), flush=True)
            step += 1

    test = T.PairData(T.read_tsv(os.path.join(a.data, "test.tsv")), tok, size, 1, tokens, 16)
    y_test = read_labels(os.path.join(a.data, "test.tsv"))
    assert len(y_test) == len(test), "test.tsv: labels and pairs disagree"
    obj.eval()
    with torch.no_grad():
        cls = torch.cat([obj.vision(obj.normalise(test.batch(list(range(s, min(len(test), s + 64))))[0].float()))[:, 0]
                         for s in range(0, len(test), 64)])
        if a.objective == "supervised":
            scores = head(cls)
        else:
            zv = F.normalize(obj.head["global_image"](cls), dim=-1)
            prompts = {}
            for line in open(os.path.join(a.data, "prompts.tsv"), encoding="utf-8").read().splitlines()[1:]:
                c = line.split("\t")
                prompts[c[0]] = (c[1], c[2])

            def embed(text):
                ids, mask = tok.encode(text, tokens)[:2]
                t = obj.text(torch.tensor([ids]), None, torch.tensor([mask]))
                return F.normalize(obj.head["global_text"](t[:, 0]), dim=-1)[0]
            scores = torch.stack([zv @ embed(prompts[f][0]) - zv @ embed(prompts[f][1]) for f in FINDINGS], dim=1)
    aucs = [auroc_pairs(scores[:, k].numpy(), y_test[:, k].numpy()) for k in range(len(FINDINGS))]
    for f, v in zip(FINDINGS, aucs):
        print("%-14s %.3f" % (f, v))
    print("RESULT objective %s stem %s steps %d seed %d: mean AUROC %.4f (%.0f s)" % (
        a.objective, a.stem, a.steps, a.seed, sum(aucs) / len(aucs), time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
