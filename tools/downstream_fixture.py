#!/usr/bin/python3
"""Reference values for tests/test_downstream.c (section 10), written to tests/data/downstream.fx.

  /usr/bin/python3 tools/downstream_fixture.py

Needs numpy and torch (Debian's python3-torch); the tests only read the file. Every reference
comes from a method other than the one mlip.h uses, so a shared misunderstanding would show:
  AUROC            brute-force counting over all positive-negative pairs (a tie counts 1/2);
                   the C code ranks (Mann-Whitney U with average ranks)
  average precision  a loop over every distinct threshold, precision and recall recomputed
                   from scratch at each one; the C code sweeps once
  logistic regression  torch L-BFGS (strong Wolfe) in float64 to a gradient of ~1e-13; the C
                   code uses Newton's method
  bilinear upsampling  torch F.interpolate(mode="bilinear", align_corners=False) and its
                   autograd adjoint
  segmentation head    the same objective written with F.interpolate and autograd, L-BFGS
File format: see tools/make_fixtures.py (MLFX, read by tests/fixture.h).
"""
import itertools
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_fixture  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "downstream.fx")


def auroc_pairs(s, y):
    pos, neg = s[y == 1], s[y == 0]
    total = 0.0
    for p, q in itertools.product(pos, neg):
        total += 1.0 if p > q else 0.5 if p == q else 0.0
    return total / (len(pos) * len(neg))


def average_precision_thresholds(s, y):
    ap, prev_recall = 0.0, 0.0
    for t in sorted(set(s.tolist()), reverse=True):
        sel = s >= t
        tp = float(np.sum(y[sel] == 1))
        precision, recall = tp / np.sum(sel), tp / np.sum(y == 1)
        ap += (recall - prev_recall) * precision
        prev_recall = recall
    return ap


def lbfgs(params, closure_loss):
    opt = torch.optim.LBFGS(params, lr=1, max_iter=5000, tolerance_grad=1e-14, tolerance_change=1e-18,
                            history_size=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = closure_loss()
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    loss = closure()
    gmax = max(float(p.grad.abs().max()) for p in params)
    return float(loss), gmax


def metrics_entries(rng):
    e = []
    cases = [(40, 5), (57, 0), (13, 2)]  # (n, quantisation levels: many ties when small; 0: none)
    for i, (n, levels) in enumerate(cases):
        s = rng.standard_normal(n).astype(np.float32)
        if levels:
            s = np.round(s * levels) / levels
        y = (rng.random(n) < 1 / (1 + np.exp(-1.5 * s))).astype(np.int32)
        y[0], y[1] = 1, 0  # both classes present
        s = s.astype(np.float32)
        sd = s.astype(np.float64)
        e += [("auc%d.scores" % i, s), ("auc%d.labels" % i, y),
              ("auc%d.auroc" % i, np.array([auroc_pairs(sd, y)], np.float32)),
              ("auc%d.ap" % i, np.array([average_precision_thresholds(sd, y)], np.float32))]
    return e


def logreg_entries(g):
    n, d, l2 = 80, 12, 0.05
    X = torch.randn(n, d, generator=g, dtype=torch.float64).float().double()
    X[:, 3] *= 4.0  # features of unequal scale
    X[:, 7] += 2.0
    w_true = torch.randn(d, generator=g, dtype=torch.float64)
    y = (torch.rand(n, generator=g, dtype=torch.float64) < torch.sigmoid(X @ w_true - 0.5)).double()
    w = torch.zeros(d, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)

    def loss():
        return F.binary_cross_entropy_with_logits(X @ w + b, y) + 0.5 * l2 * (w * w).sum()

    value, gmax = lbfgs([w, b], loss)
    print("logreg: loss %.12f, max |grad| %.2e" % (value, gmax))
    Xt = torch.randn(10, d, generator=g, dtype=torch.float64).float().double()
    with torch.no_grad():
        pt = torch.sigmoid(Xt @ w + b)
    return [("logreg.X", X.float().numpy()), ("logreg.y", y.int().numpy()), ("logreg.l2", np.array([l2], np.float32)),
            ("logreg.weight", w.detach().float().numpy()), ("logreg.bias", b.detach().float().numpy()),
            ("logreg.loss", np.array([value], np.float32)),
            ("logreg.Xtest", Xt.float().numpy()), ("logreg.ptest", pt.float().numpy())]


def upsample_entries(g):
    e = []
    shapes = [(4, 4, 16, 16), (3, 5, 7, 11), (1, 1, 3, 2), (6, 4, 3, 9), (2, 3, 2, 3)]
    for i, (gh, gw, h, w) in enumerate(shapes):
        x = torch.randn(1, 1, gh, gw, generator=g, dtype=torch.float64).float().double().requires_grad_(True)
        out = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)
        wt = torch.randn(1, 1, h, w, generator=g, dtype=torch.float64).float().double()
        (out * wt).sum().backward()
        e += [("up%d.shape" % i, np.array([gh, gw, h, w], np.int32)), ("up%d.in" % i, x.detach().float().numpy()),
              ("up%d.out" % i, out.detach().float().numpy()), ("up%d.dout" % i, wt.float().numpy()),
              ("up%d.din" % i, x.grad.float().numpy())]
    return e


def seghead_entries(g):
    n_img, gh, gw, D, H, W, l2 = 3, 4, 5, 6, 12, 15, 0.01
    feats = torch.randn(n_img, gh * gw, D, generator=g, dtype=torch.float64).float().double()
    # masks: a blob whose extent follows feature 0 of each patch, smoothed to pixels, plus noise
    signal = F.interpolate(feats[:, :, 0].reshape(n_img, 1, gh, gw), size=(H, W), mode="bilinear", align_corners=False)
    noise = 0.7 * torch.randn(n_img, 1, H, W, generator=g, dtype=torch.float64)
    masks = (signal + noise > 0.3).double().reshape(n_img, H, W)
    w = torch.zeros(D, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)

    def loss():
        patch = (feats @ w + b).reshape(n_img, 1, gh, gw)
        z = F.interpolate(patch, size=(H, W), mode="bilinear", align_corners=False).reshape(n_img, H, W)
        return F.binary_cross_entropy_with_logits(z, masks) + 0.5 * l2 * (w * w).sum()

    value, gmax = lbfgs([w, b], loss)
    print("seghead: loss %.12f, max |grad| %.2e" % (value, gmax))
    with torch.no_grad():
        patch = (feats[0] @ w + b).reshape(1, 1, gh, gw)
        prob0 = torch.sigmoid(F.interpolate(patch, size=(H, W), mode="bilinear", align_corners=False)).reshape(H, W)
    return [("seg.shape", np.array([n_img, gh, gw, D, H, W], np.int32)), ("seg.l2", np.array([l2], np.float32)),
            ("seg.features", feats.float().numpy()), ("seg.masks", masks.float().numpy()),
            ("seg.weight", w.detach().float().numpy()), ("seg.bias", b.detach().float().numpy()),
            ("seg.loss", np.array([value], np.float32)), ("seg.prob0", prob0.float().numpy())]


if __name__ == "__main__":
    rng = np.random.default_rng(10)
    g = torch.Generator().manual_seed(11)
    entries = metrics_entries(rng) + logreg_entries(g) + upsample_entries(g) + seghead_entries(g)
    write_fixture(OUT, entries)
