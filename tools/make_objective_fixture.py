"""Write tests/data/objective_micro.fx, the parity fixture of the MLIP objective, and run the
twin's self-checks first (run: /usr/bin/python3 tools/make_objective_fixture.py; a few seconds;
needs Debian's python3-torch; --no-write runs only the checks).

The objective (tools/mlip_objective.py, spec /work/notes/objective_spec.md) is evaluated in
float64 on float32 parameters and inputs; every value is stored as float32 (ints as int32),
format MLFX of tools/make_fixtures.py (reader tests/fixture.h).

MICRO config: image 32 px, 1 channel, patch 8 (K = 16); ViT 2 x 32, 2 heads, MLP 64,
ln_eps 1e-12; BERT vocab 50, 24 positions, 2 type ids, 2 x 32, 2 heads, MLP 64, eps 1e-12;
D = 16; MIP decoder width 16, 2 heads, MLP 64, 2 layers; image mean 0.5, std 0.5.
Batch B = 4, T = 16, Lmax = 4; sample 2 has no sentence (|V| = 3).

ENTRIES
  config/<key>          int32 [1] / float32 [1]: vit.image_size vit.patch_size vit.channels
                        vit.width vit.layers vit.heads vit.mlp_dim vit.ln_eps
                        bert.vocab_size bert.max_positions bert.type_vocab_size bert.width
                        bert.layers bert.heads bert.mlp_dim bert.ln_eps model.embed_dim
                        mip.width mip.heads mip.mlp_dim mip.layers
                        image.mean image.std (float32 [channels])
                        opt.lambda_l (0.5) opt.lambda_m (1) opt.ot_eps (0.1)
  input/images          (4, 1, 32, 32) pixels in [0, 1] (not normalised)
  input/ids             (4, 16) int32, [CLS]=2 ... [SEP]=3 then [PAD]=0
  input/mask            (4, 16) int32 0/1
  input/n_sent          (4) int32   [4, 3, 0, 1]
  input/sent_begin      (4, 4) int32, input/sent_end (4, 4) int32 (unused slots 0)
  input/visible         (4, 8) int32, rho = 0.5, sorted ascending (clip/ uses visible = NULL)
  param/<name>          every tensor of MLIPObjective.named_tensors(), in that order
                        (vision.*, text.*, head.*, logit_scale, local_logit_scale, sie.query,
                        sie.bias, mip.*); the scalars have rank 0
  full/  (use_sie, use_local, use_mip; lambda_l 0.5, lambda_m 1, ot_eps 0.1, ot_tol 0,
         ot_max_iter 30: exactly 30 Sinkhorn iterations)
    full/ot_tol (f32 [1] = 0), full/ot_max_iter (i32 [1] = 30)
    full/loss.total full/loss.global full/loss.local full/loss.mip   f32 [1]
    full/sie_w (4)      the SIE weights w
    full/z (3, 3)       z over V = samples with n_sent > 0 (rows images, columns texts)
    full/ot_iters       i32 [1] (= 30)
    full/grad/<name>    d loss.total / d tensor, every tensor of param/
  clip/  (visible = NULL, i.e. rho = 0: global loss only, w = 1)
    clip/loss.total clip/loss.global clip/loss.local (0) clip/loss.mip (0)
    clip/grad/<name>    d loss.total / d tensor, for the tensors listed in CLIP_GRADS below
                        (all rank <= 1 tensors of vision.*/text.*, the embeddings, the global
                        heads and logit_scale); the other gradients are left out to keep the
                        file small (the full/ case has them all). Tensors that the clip
                        objective does not reach (local heads, local_logit_scale, sie.*, mip.*)
                        have gradient 0 and are not stored.
  conv/  (all terms, default stopping rule: ot_tol 1e-3, ot_max_iter 100)
    conv/ot_tol, conv/ot_max_iter, conv/loss.total .global .local .mip, conv/z (3, 3)
    conv/ot_iters       i32 [1]: Sinkhorn iterations used (stops after the first iteration
                        whose worst row-marginal L1 error over the 9 pairs is <= 1e-3)
    conv/ot_err         f32 [2]: that worst error after ot_iters - 1 and after ot_iters
                        iterations (the margin around the 1e-3 threshold)
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlip_twin  # noqa: E402
from make_fixtures import write_fixture, OUT  # noqa: E402
from mlip_objective import MLIPObjective, micro_config, random_mask, sinkhorn_plan, ot_value  # noqa: E402

B, T, LMAX = 4, 16, 4
FULL_OPTS = dict(use_sie=True, use_local=True, use_mip=True, lambda_l=0.5, lambda_m=1.0, ot_eps=0.1,
                 ot_tol=0.0, ot_max_iter=30)
CLIP_OPTS = dict(use_sie=False, use_local=False, use_mip=False)
CONV_OPTS = dict(use_sie=True, use_local=True, use_mip=True, lambda_l=0.5, lambda_m=1.0, ot_eps=0.1,
                 ot_tol=1e-3, ot_max_iter=100)


def clip_grad_names(names):
    out = []
    for n in names:
        if not (n.startswith("vision.") or n.startswith("text.") or n.startswith("head.global") or n == "logit_scale"):
            continue
        t = OBJ_SHAPES[n]
        if len(t) <= 1 or ".embeddings." in n or n.startswith("head."):
            out.append(n)
    return out


OBJ_SHAPES = {}


def make_model():
    cfg = micro_config()
    obj = MLIPObjective(cfg)
    mlip_twin.init_random(obj, 21)  # N(0, 0.02) matrices, small random biases / LN scales
    g = torch.Generator().manual_seed(22)
    with torch.no_grad():
        obj.logit_scale.fill_(math.log(1 / 0.07))
        obj.local_logit_scale.fill_(math.log(10.0))
        obj.sie["query"].copy_(torch.randn(obj.sie["query"].shape, generator=g) * 0.3)
        obj.sie["bias"].copy_(torch.randn(obj.sie["bias"].shape, generator=g) * 0.5)
    return cfg, obj


def make_inputs(obj):
    g = torch.Generator().manual_seed(23)
    S = 32
    yy, xx = torch.meshgrid(torch.arange(S, dtype=torch.float64), torch.arange(S, dtype=torch.float64), indexing="ij")
    imgs = []
    for b in range(B):
        base = 0.3 + 0.2 * (xx / S) * (1 if b % 2 == 0 else -1) + 0.1 * (yy / S)
        cx, cy, r = 10 + 4 * b, 20 - 3 * b, 5 + b
        disc = (((xx - cx) ** 2 + (yy - cy) ** 2) <= r * r).double() * (0.4 - 0.1 * b)
        rect = ((xx >= 4 + 5 * b) & (xx < 12 + 5 * b) & (yy >= 2) & (yy < 9)).double() * 0.25
        img = base + disc + rect + 0.05 * torch.randn(S, S, generator=g, dtype=torch.float64)
        img[:8, 24:] = 0.6  # one flat patch (k = 3): its target is (x - mean) / sqrt(0 + 0.01) = 0
        imgs.append(img.clamp(0, 1))
    images = torch.stack(imgs)[:, None].float()
    lengths = [16, 12, 9, 6]
    ids = torch.zeros(B, T, dtype=torch.int32)
    mask = torch.zeros(B, T, dtype=torch.int32)
    for b, L in enumerate(lengths):
        ids[b, 0], ids[b, L - 1] = 2, 3
        ids[b, 1:L - 1] = torch.randint(5, 50, (L - 2,), generator=g).int()
        mask[b, :L] = 1
    spans = [[(1, 4), (4, 7), (7, 11), (11, 15)], [(1, 4), (4, 8), (8, 11)], [], [(1, 5)]]
    n_sent = torch.tensor([len(s) for s in spans], dtype=torch.int32)
    sb = torch.zeros(B, LMAX, dtype=torch.int32)
    se = torch.zeros(B, LMAX, dtype=torch.int32)
    for b, sp in enumerate(spans):
        for l, (s0, s1) in enumerate(sp):
            assert 1 <= s0 < s1 <= lengths[b] - 1
            sb[b, l], se[b, l] = s0, s1
    visible = random_mask(B, obj.K, 0.5, g).int()
    return images, ids, mask, n_sent, sb, se, visible


def run(obj, inp, visible, opts, grads=True):
    images, ids, mask, n_sent, sb, se, _ = inp
    obj.zero_grad(set_to_none=True)
    r = obj(images.double(), ids, mask, n_sent, sb, se, visible, opts)
    if grads:
        r["total"].backward()
    return r


def check(name, ok, detail):
    print("  %-58s %s  %s" % (name, "ok" if ok else "FAILED", detail))
    if not ok:
        CHECK_FAILED.append(name)


CHECK_FAILED = []


def self_checks(obj, inp):
    """obj is float64."""
    print("self-checks (float64):")
    visible = inp[6]
    # 1. dz/dS == T (autograd through z), and the envelope theorem: the gradient of the unrolled
    #    (fully differentiated) OT value converges to the plan.
    r = run(obj, inp, visible, FULL_OPTS, grads=False)
    S = r["S"].detach().clone().requires_grad_(True)
    valid = r["valid"]
    z, Tp, it, err = ot_value(S, valid, 0.1, 0.0, 30)
    Rw = torch.randn(z.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    (gS,) = torch.autograd.grad((Rw * z).sum(), S)
    want = Rw[:, :, None, None] * Tp
    check("dz/dS equals the plan T (autograd of z)", torch.allclose(gS, want, rtol=0, atol=1e-15),
          "max |diff| %.2e" % float((gS - want).abs().max()))
    # unrolled Sinkhorn, differentiated through every iteration, converged (200 iterations)
    S2 = r["S"].detach().clone().requires_grad_(True)
    eps, n = 0.1, S2.shape[2]
    cv = valid[None, :, None, :].expand_as(S2)
    S0 = S2.masked_fill(~cv, 0.0)
    loga, logb = -math.log(n), (-torch.log(valid.sum(1).double()))[None, :, None, None]
    f = torch.zeros(S2.shape[:3] + (1,), dtype=torch.float64)
    g = torch.zeros(S2.shape[:2] + (1, S2.shape[3]), dtype=torch.float64)
    neg = torch.tensor(float("-inf"), dtype=torch.float64)
    for _ in range(200):
        f = eps * loga - eps * torch.logsumexp(torch.where(cv, (S0 + g) / eps, neg), dim=3, keepdim=True)
        g = eps * logb - eps * torch.logsumexp((S0 + f) / eps, dim=2, keepdim=True)
    logT = torch.where(cv, (S0 + f + g) / eps, neg)
    Tu = torch.exp(logT)
    lt0 = torch.where(cv, logT, torch.zeros_like(logT))
    zu = (Tu * S0).sum((2, 3)) - eps * (Tu * (lt0 - loga - logb)).sum((2, 3))
    (gU,) = torch.autograd.grad(zu.sum(), S2)
    Tc = Tu.detach()
    check("envelope: d(unrolled OT value)/dS -> T (200 it.)", float((gU - Tc).abs().max()) < 1e-6,
          "max |diff| %.2e, |z - z_unrolled| %.2e" % (float((gU - Tc).abs().max()),
                                                      float((ot_value(S2.detach(), valid, eps, 0.0, 200)[0] - zu.detach()).abs().max())))

    # 2. finite differences of the total loss: (a) use_local off (global with SIE + MIP),
    #    (b) all terms with the plan frozen at the base point (then the loss is a smooth function
    #    of the parameters and its exact gradient is what the envelope rule gives).
    names = obj.named_tensors()
    probes = [("vision.encoder.layer.0.attention.attention.query.weight", (0, 1)),
              ("vision.embeddings.patch_embeddings.projection.weight", (3, 0, 2, 5)),
              ("vision.embeddings.patch_embeddings.projection.bias", (6,)),
              ("vision.embeddings.position_embeddings", (0, 5, 7)),
              ("vision.layernorm.bias", (4,)),
              ("text.embeddings.word_embeddings.weight", (int(inp[1][0, 3]), 2)),
              ("text.encoder.layer.1.output.dense.weight", (3, 10)),
              ("head.global_image.weight", (1, 1)), ("head.global_text.bias", (2,)),
              ("head.local_image.weight", (4, 6)), ("head.local_text.bias", (7,)),
              ("logit_scale", ()), ("local_logit_scale", ()),
              ("sie.query", (3,)), ("sie.bias", (5,)),
              ("mip.mask_token", (0, 0, 2)), ("mip.decoder_pos_embed", (0, 1 + 2, 1)),
              ("mip.decoder_layers.1.output.dense.weight", (2, 3)), ("mip.decoder_pred.bias", (9,))]
    T_base, logT_base, _, _ = sinkhorn_plan(r["S"], valid, 0.1, 0.0, 30)
    variants = [("(a) use_local off", dict(FULL_OPTS, use_local=False)),
                ("(b) all terms, plan frozen", dict(FULL_OPTS, ot_plan=(T_base, logT_base)))]
    for label, opts in variants:
        worst = 0.0
        for pname, idx in probes:
            # SIE reads the patch embedding detached (spec), so finite differences of the conv
            # weights see a path that autograd must not: probe them with SIE off.
            popts = dict(opts, use_sie=False) if "patch_embeddings" in pname else opts
            run(obj, inp, visible, popts)
            p = names[pname]
            ga = float(p.grad[idx]) if p.grad is not None else 0.0
            h = 1e-6
            with torch.no_grad():
                old = float(p[idx])
                p[idx] = old + h
                lp = float(obj(*inp[:6], visible, popts)["total"])
                p[idx] = old - h
                lm = float(obj(*inp[:6], visible, popts)["total"])
                p[idx] = old
            fd = (lp - lm) / (2 * h)
            rel = abs(fd - ga) / max(1e-3, abs(fd), abs(ga))  # tiny gradients: absolute
            worst = max(worst, rel)
            if rel > 1e-5: print("     %s%s fd %.10e ad %.10e" % (pname, idx, fd, ga))
        check("finite differences %s (%d probes)" % (label, len(probes)), worst < 1e-5, "worst rel. error %.1e" % worst)
    # 3. w == 1 without SIE (and without masking)
    r1 = run(obj, inp, visible, dict(FULL_OPTS, use_sie=False), grads=False)
    r2 = run(obj, inp, None, dict(FULL_OPTS, use_local=False, use_mip=False), grads=False)
    check("w == 1 with use_sie off / with visible = NULL", bool((r1["w"] == 1).all() and (r2["w"] == 1).all()),
          "w(sie) = %s" % np.array2string(r["w"].numpy(), precision=4))
    # 4. the frozen plan at the base point gives the same loss as solving
    rb = run(obj, inp, visible, variants[1][1], grads=False)
    check("frozen-plan loss == solved loss at the base point", abs(float(rb["total"]) - float(r["total"])) < 1e-14,
          "%.3e" % abs(float(rb["total"]) - float(r["total"])))
    # 5. float32 twin vs float64
    o32 = MLIPObjective(obj.cfg)
    o32.load_state_dict(obj.state_dict())
    o32 = o32.float()
    r32 = o32(inp[0], *inp[1:6], visible, FULL_OPTS)
    check("float32 vs float64 total loss", abs(float(r32["total"]) - float(r["total"])) < 1e-5 * abs(float(r["total"])),
          "%.7f vs %.7f" % (float(r32["total"]), float(r["total"])))
    # 6. MIP target of the flat patch is 0, and masking leaves the loss independent of the
    #    masked patches' encoder input (a pixel change inside a masked patch moves only L_m and w)
    return r


def grads_of(obj):
    return [(n, (p.grad if p.grad is not None else torch.zeros_like(p))) for n, p in obj.named_tensors().items()]


def main():
    torch.manual_seed(0)
    cfg, obj = make_model()
    inp = make_inputs(obj)
    images, ids, mask, n_sent, sb, se, visible = inp
    params = [(n, p.detach().float().clone()) for n, p in obj.named_tensors().items()]
    for n, p in params:
        OBJ_SHAPES[n] = tuple(p.shape)
    obj = obj.double()
    self_checks(obj, inp)
    if CHECK_FAILED:
        print("SELF-CHECKS FAILED:", ", ".join(CHECK_FAILED))
        sys.exit(1)

    e = []
    vc, bc, dc = cfg["vit"], cfg["bert"], cfg["decoder"]
    for k in ("image_size", "patch_size", "channels", "width", "layers", "heads", "mlp_dim", "ln_eps"):
        e.append(("config/vit." + k, vc[k]))
    for k in ("vocab_size", "max_positions", "type_vocab_size", "width", "layers", "heads", "mlp_dim", "ln_eps"):
        e.append(("config/bert." + k, bc[k]))
    e.append(("config/model.embed_dim", cfg["embed_dim"]))
    for k in ("width", "heads", "mlp_dim", "layers"):
        e.append(("config/mip." + k, dc[k]))
    e = [(n, np.array([v], dtype=np.float32 if isinstance(v, float) else np.int32)) for n, v in e]
    e += [("config/image.mean", np.array(cfg["image_mean"], np.float32)),
          ("config/image.std", np.array(cfg["image_std"], np.float32)),
          ("config/opt.lambda_l", np.array([0.5], np.float32)), ("config/opt.lambda_m", np.array([1.0], np.float32)),
          ("config/opt.ot_eps", np.array([0.1], np.float32))]
    e += [("input/images", images.numpy()), ("input/ids", ids.numpy()), ("input/mask", mask.numpy()),
          ("input/n_sent", n_sent.numpy()), ("input/sent_begin", sb.numpy()), ("input/sent_end", se.numpy()),
          ("input/visible", visible.numpy())]
    e += [("param/" + n, p.numpy()) for n, p in params]

    def losses(prefix, r):
        return [("%s/loss.%s" % (prefix, k), np.array([float(r[k])], np.float32)) for k in ("total", "global", "local", "mip")]

    # full
    r = run(obj, inp, visible, FULL_OPTS)
    e += [("full/ot_tol", np.array([0.0], np.float32)), ("full/ot_max_iter", np.array([30], np.int32))]
    e += losses("full", r)
    e += [("full/sie_w", r["w"].float().numpy()), ("full/z", r["z"].float().numpy()),
          ("full/ot_iters", np.array([r["ot_iters"]], np.int32))]
    e += [("full/grad/" + n, g.detach().float().numpy()) for n, g in grads_of(obj)]
    print("full: total %.6f global %.6f local %.6f mip %.6f  w %s  ot_iters %d err %.2e" % (
        float(r["total"]), float(r["global"]), float(r["local"]), float(r["mip"]),
        np.array2string(r["w"].numpy(), precision=4), r["ot_iters"], r["ot_err"]))
    # clip
    r = run(obj, inp, None, CLIP_OPTS)
    e += losses("clip", r)
    gd = dict(grads_of(obj))
    names = clip_grad_names(list(gd))
    for n, g in gd.items():
        if n not in names and not (n.startswith("vision.") or n.startswith("text.") or n.startswith("head.global")
                                   or n == "logit_scale"):
            assert float(g.abs().max()) == 0.0, n
    e += [("clip/grad/" + n, gd[n].detach().float().numpy()) for n in names]
    print("clip: total %.6f (%d of %d gradients stored)" % (float(r["total"]), len(names), len(gd)))
    # conv
    r = run(obj, inp, visible, CONV_OPTS, grads=False)
    it = r["ot_iters"]
    errs = []
    for k in (it - 1, it):
        errs.append(sinkhorn_plan(r["S"], r["valid"], 0.1, 0.0, k)[3] if k > 0 else float("inf"))
    e += [("conv/ot_tol", np.array([1e-3], np.float32)), ("conv/ot_max_iter", np.array([100], np.int32))]
    e += losses("conv", r)
    e += [("conv/z", r["z"].float().numpy()), ("conv/ot_iters", np.array([it], np.int32)),
          ("conv/ot_err", np.array(errs, np.float32))]
    print("conv: total %.6f ot_iters %d, worst error after %d: %.3e, after %d: %.3e" % (
        float(r["total"]), it, it - 1, errs[0], it, errs[1]))
    if "--no-write" not in sys.argv:
        write_fixture(os.path.join(OUT, "objective_micro.fx"), e)


if __name__ == "__main__":
    main()
