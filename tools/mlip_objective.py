"""PyTorch twin of mlip.h's MLIP objective (runs on Debian's python3-torch 1.13, /usr/bin/python3).

It computes exactly what docs/design.md ("The objective, equation by equation") states, for the
parity fixture (tools/make_objective_fixture.py) and the DDP trainer
(tools/train_torch.py). It is a library; `python3 tools/mlip_objective.py` runs a short smoke
test (float32 vs float64 on random data).

    obj = MLIPObjective(cfg)            # cfg: see micro_config() / named_config()
    vis = random_mask(B, K, 0.5, gen)   # sorted visible patch indices (B, ceil((1-rho)K))
    out = obj(images, ids, mask, n_sent, sent_begin, sent_end, vis, dict(use_local=True))
    out["total"].backward()

Parameters: obj.named_tensors() is an ordered dict name -> tensor with the .mlip names in the
.mlip order (vision.*, text.*, head.*, logit_scale, local_logit_scale, sie.query, sie.bias),
then the MIP decoder's "mip.*" tensors. Works in float32 and in float64 (obj.double()).

Pieces of the spec that are easy to get wrong and that this file follows:
  * SIE uses the conv patch embedding of ALL K patches of the normalised image, detached; w is
    torch.clamp(I / mean I, 0.25, 4) (zero gradient outside); w = 1 (a constant) without SIE or
    without masking (visible None).
  * sigma = clamp(exp(theta), max=100) and a = clamp(sigma * w, max=100).
  * Local loss: only samples with n_sent > 0 (V); |V| < 2 gives 0. One log-domain Sinkhorn
    over all V x V pairs, stopped when the worst pair's row-marginal L1 error is <= tol (or at
    max_iter); z = sum(T S) - eps KL(T || ab^T) with T and the KL term constant, so dz/dS = T.
  * MIP targets are the raw [0, 1] pixels of the masked patches, per patch
    (x - mean) / sqrt(var + 0.01), population variance.
"""
import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlip_twin  # noqa: E402

DEFAULT_OPTS = dict(use_sie=True, use_local=True, use_mip=True, lambda_l=0.5, lambda_m=1.0,
                    ot_eps=0.1, ot_tol=1e-3, ot_max_iter=100)
# further opts: ot_plan = (T, logT) uses a given plan (fixture self-check); global_gather =
# callable (zv, zt, a) -> (all zv, all zt, all a, offset) for the trainer's --gather.


def micro_config():
    """The MICRO configuration of the objective fixture (also --config micro of the trainer)."""
    return dict(
        vit=dict(image_size=32, patch_size=8, channels=1, width=32, layers=2, heads=2, mlp_dim=64, ln_eps=1e-12),
        bert=dict(vocab_size=50, max_positions=24, type_vocab_size=2, width=32, layers=2, heads=2, mlp_dim=64,
                  ln_eps=1e-12),
        embed_dim=16,
        decoder=dict(width=16, heads=2, mlp_dim=64, layers=2),
        image_mean=[0.5], image_std=[0.5])


def named_config(name, vocab_size):
    """The named configurations of docs/design.md (tiny, small, base) and micro; decoder = 2 blocks at half
    the ViT width with the ViT's heads and MLP 4 x its width."""
    if name == "micro":
        cfg = micro_config()
        cfg["bert"]["vocab_size"] = vocab_size
        return cfg
    if name == "tiny":
        vit = dict(image_size=64, patch_size=8, channels=1, width=128, layers=4, heads=4, mlp_dim=512, ln_eps=1e-12)
        bert = dict(vocab_size=vocab_size, max_positions=128, type_vocab_size=2, width=128, layers=4, heads=4,
                    mlp_dim=512, ln_eps=1e-12)
        D = 128
    elif name == "small":
        vit = dict(image_size=224, patch_size=16, channels=1, width=384, layers=12, heads=6, mlp_dim=1536,
                   ln_eps=1e-12)
        bert = dict(vocab_size=vocab_size, max_positions=512, type_vocab_size=2, width=384, layers=6, heads=6,
                    mlp_dim=1536, ln_eps=1e-12)
        D = 256
    elif name == "base":
        vit = dict(image_size=224, patch_size=16, channels=3, width=768, layers=12, heads=12, mlp_dim=3072,
                   ln_eps=1e-12)
        bert = dict(vocab_size=vocab_size, max_positions=512, type_vocab_size=2, width=768, layers=12, heads=12,
                    mlp_dim=3072, ln_eps=1e-12)
        D = 512
    else:
        raise ValueError("unknown config %r (micro, tiny, small, base)" % name)
    dw = vit["width"] // 2
    ch = vit["channels"]
    return dict(vit=vit, bert=bert, embed_dim=D, decoder=dict(width=dw, heads=vit["heads"], mlp_dim=4 * dw, layers=2),
                image_mean=[0.5] * ch, image_std=[0.5] * ch)


def visible_count(K, rho):
    """n = ceil((1 - rho) K), at least 1 and at most K, computed exactly on rho read to six
    decimals (as a user writes it): 0.7 of 100 patches leaves 30 visible, where binary
    floating point (1 - 0.7) * 100 = 30.000000000000004 would give 31."""
    millionths = round(rho * 1_000_000)
    n = -((-(1_000_000 - millionths) * K) // 1_000_000)
    return max(1, min(K, n))


def random_mask(B, K, rho, generator=None):
    """Sorted visible patch indices (B, n), n = visible_count(K, rho): per image the first n
    of a random permutation of the K patches, sorted ascending. rho = 0 gives every patch in
    order."""
    n = visible_count(K, rho)
    rows = [torch.sort(torch.randperm(K, generator=generator)[:n])[0] for _ in range(B)]
    return torch.stack(rows).long()


class MIPDecoder(nn.Module):
    """MAE-style decoder; parameter names (under "mip.") as in the spec."""

    def __init__(self, vit_cfg, dec_cfg):
        super().__init__()
        K = (vit_cfg["image_size"] // vit_cfg["patch_size"]) ** 2
        d = dec_cfg["width"]
        self.decoder_embed = nn.Linear(vit_cfg["width"], d)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, d))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, 1 + K, d))
        self.decoder_layers = nn.ModuleList([mlip_twin.ViTLayer(d, dec_cfg["heads"], dec_cfg["mlp_dim"], vit_cfg["ln_eps"])
                                             for _ in range(dec_cfg["layers"])])
        self.decoder_norm = nn.LayerNorm(d, eps=vit_cfg["ln_eps"])
        cpp = vit_cfg["channels"] * vit_cfg["patch_size"] ** 2
        self.decoder_pred = nn.Linear(d, cpp)

    def ordered(self):
        """(name, tensor) in the spec's order (nn.Module would list mask_token first)."""
        out = [("decoder_embed.weight", self.decoder_embed.weight), ("decoder_embed.bias", self.decoder_embed.bias),
               ("mask_token", self.mask_token), ("decoder_pos_embed", self.decoder_pos_embed)]
        for l, layer in enumerate(self.decoder_layers):
            out += [("decoder_layers.%d.%s" % (l, k), v) for k, v in layer.named_parameters()]
        out += [("decoder_norm.weight", self.decoder_norm.weight), ("decoder_norm.bias", self.decoder_norm.bias),
                ("decoder_pred.weight", self.decoder_pred.weight), ("decoder_pred.bias", self.decoder_pred.bias)]
        return out

    def forward(self, out, visible, masked):
        """out (B, 1+n, W) encoder states; visible (B, n), masked (B, K-n) -> (B, K-n, C*P*P)"""
        y = self.decoder_embed(out)
        B, _, d = y.shape
        K = self.decoder_pos_embed.shape[1] - 1
        rest = self.mask_token.expand(B, K, d).scatter(1, visible[:, :, None].expand(-1, -1, d), y[:, 1:])
        h = torch.cat([y[:, :1], rest], dim=1) + self.decoder_pos_embed
        for layer in self.decoder_layers:
            h = layer(h)
        h = self.decoder_norm(h)
        hm = torch.gather(h, 1, (1 + masked)[:, :, None].expand(-1, -1, d))
        return self.decoder_pred(hm)


def patchify(images, P):
    """(B, C, S, S) -> (B, K, C*P*P), patch k = row-major grid position, values (c, py, px)."""
    B, C, H, W = images.shape
    x = images.reshape(B, C, H // P, P, W // P, P).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(B, (H // P) * (W // P), C * P * P)


def sinkhorn_plan(S, col_valid, eps, tol, max_iter):
    """Log-domain Sinkhorn over a batch of cost blocks, no autograd.
    S (I, J, n, L) similarities; col_valid (J, L) bool: real sentences of text j (L_j >= 1).
    a = 1/n, b_j = 1/L_j. Returns T, logT (padded entries: T 0, logT 0), iterations used and
    the final worst row-marginal L1 error over all pairs."""
    with torch.no_grad():
        S = S.detach()
        I, J, n, L = S.shape
        cv = col_valid[None, :, None, :].expand(I, J, n, L)
        S0 = S.masked_fill(~cv, 0.0)
        Lj = col_valid.sum(1).to(S.dtype)
        loga = -math.log(n)
        logb = (-torch.log(Lj))[None, :, None, None]  # (1, J, 1, 1)
        f = torch.zeros(I, J, n, 1, dtype=S.dtype)
        g = torch.zeros(I, J, 1, L, dtype=S.dtype)
        neg = torch.tensor(float("-inf"), dtype=S.dtype)
        it, err = 0, float("inf")
        for it in range(1, max_iter + 1):
            f = eps * loga - eps * torch.logsumexp(torch.where(cv, (S0 + g) / eps, neg), dim=3, keepdim=True)
            g = eps * logb - eps * torch.logsumexp((S0 + f) / eps, dim=2, keepdim=True)
            logT = torch.where(cv, (S0 + f + g) / eps, neg)
            T = torch.exp(logT)
            errs = (T.sum(3) - 1.0 / n).abs().sum(2)  # (I, J)
            err = float(errs.max())
            if err <= tol:
                break
        logT = torch.where(cv, logT, torch.zeros_like(logT))
        return T, logT, it, err


def ot_value(S, col_valid, eps, tol, max_iter, plan=None):
    """z (I, J) = sum(T S) - eps KL(T || a b^T), with T and the KL term constants (dz/dS = T).
    plan = (T, logT) uses a given plan instead of solving (the fixture's frozen-plan check)."""
    if plan is None:
        T, logT, it, err = sinkhorn_plan(S, col_valid, eps, tol, max_iter)
    else:
        (T, logT), it, err = plan, 0, 0.0
    n = S.shape[2]
    Lj = col_valid.sum(1).to(S.dtype)
    loga = -math.log(n)
    logb = (-torch.log(Lj))[None, :, None, None]
    kl = (T * (logT - loga - logb)).sum((2, 3))
    Sm = S.masked_fill(~col_valid[None, :, None, :].expand_as(S), 0.0)
    z = (T * Sm).sum((2, 3)) - eps * kl.detach()
    return z, T, it, err


class MLIPObjective(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        vc, bc, D = cfg["vit"], cfg["bert"], cfg["embed_dim"]
        self.K = (vc["image_size"] // vc["patch_size"]) ** 2
        self.vision = mlip_twin.ViT(vc)
        self.text = mlip_twin.Bert(bc)
        self.head = nn.ModuleDict(OrderedDict([
            ("global_image", nn.Linear(vc["width"], D)), ("global_text", nn.Linear(bc["width"], D)),
            ("local_image", nn.Linear(vc["width"], D)), ("local_text", nn.Linear(bc["width"], D))]))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.local_logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.sie = nn.ParameterDict(OrderedDict([("query", nn.Parameter(torch.zeros(vc["width"]))),
                                                 ("bias", nn.Parameter(torch.zeros(self.K)))]))
        self.mip = MIPDecoder(vc, cfg["decoder"])
        self.register_buffer("image_mean", torch.tensor(cfg["image_mean"], dtype=torch.float32), persistent=False)
        self.register_buffer("image_std", torch.tensor(cfg["image_std"], dtype=torch.float32), persistent=False)

    # ---- parameters -------------------------------------------------------------------------
    def named_tensors(self):
        """Every parameter under its .mlip name, in the .mlip order, then "mip." tensors."""
        out = OrderedDict()
        for k, v in self.vision.named_parameters():
            out["vision." + k] = v
        for k, v in self.text.named_parameters():
            out["text." + k] = v
        for h in ("global_image", "global_text", "local_image", "local_text"):
            out["head.%s.weight" % h] = self.head[h].weight
            out["head.%s.bias" % h] = self.head[h].bias
        out["logit_scale"] = self.logit_scale
        out["local_logit_scale"] = self.local_logit_scale
        out["sie.query"] = self.sie["query"]
        out["sie.bias"] = self.sie["bias"]
        for k, v in self.mip.ordered():
            out["mip." + k] = v
        assert len(out) == len(list(self.parameters()))
        return out

    def init_train(self, seed):
        """Training initialisation (spec / mlip_model_init_random): matrices, embeddings, [CLS],
        position embeddings, mask token N(0, 0.02); biases 0; LayerNorm weights 1; logit
        scales log(1/0.07); sie.* 0."""
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, p in self.named_tensors().items():
                if name in ("logit_scale", "local_logit_scale"):
                    p.fill_(math.log(1 / 0.07))
                elif name.startswith("sie."):
                    p.zero_()
                elif p.dim() >= 2 or "cls_token" in name:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.02)
                elif name.endswith("weight"):
                    p.fill_(1.0)
                else:
                    p.zero_()
        return self

    # ---- pieces -----------------------------------------------------------------------------
    def normalise(self, images):
        m = self.image_mean.to(images.dtype)[None, :, None, None]
        s = self.image_std.to(images.dtype)[None, :, None, None]
        return (images - m) / s

    def sie_weight(self, xn, visible):
        """SIE weight w (B): clamp(I / mean I, 0.25, 4) from the detached patch embedding."""
        conv = self.vision.embeddings.patch_embeddings.projection
        pe = F.conv2d(xn, conv.weight.detach(), conv.bias.detach(), stride=conv.stride)
        pe = pe.flatten(2).transpose(1, 2)  # (B, K, W)
        r = pe @ self.sie["query"] + self.sie["bias"]
        p = torch.softmax(r, dim=1)
        m = torch.zeros_like(p).scatter(1, visible, 1.0)
        I = (m * p).sum(1)
        return torch.clamp(I / I.mean(), 0.25, 4.0)

    def sentence_features(self, txt, n_sent, sent_begin, sent_end):
        """Mean token state of each sentence span (B, Lmax, Wt) and validity (B, Lmax)."""
        B, T, _ = txt.shape
        Lmax = sent_begin.shape[1]
        pos = torch.arange(T)
        valid = torch.arange(Lmax)[None, :] < n_sent[:, None]
        inside = (pos[None, None, :] >= sent_begin[:, :, None]) & (pos[None, None, :] < sent_end[:, :, None])
        inside = inside & valid[:, :, None]
        cnt = inside.sum(2, keepdim=True).clamp(min=1)
        Wm = inside.to(txt.dtype) / cnt.to(txt.dtype)
        return Wm @ txt, valid

    # ---- the objective ----------------------------------------------------------------------
    def forward(self, images, ids, mask, n_sent, sent_begin, sent_end, visible, opts=None):
        o = dict(DEFAULT_OPTS)
        o.update(opts or {})
        dt = self.logit_scale.dtype
        images = images.to(dt)
        ids, mask = ids.long(), mask.long()
        n_sent, sent_begin, sent_end = n_sent.long(), sent_begin.long(), sent_end.long()
        B = images.shape[0]
        P = self.cfg["vit"]["patch_size"]
        vis = visible.long() if visible is not None else None
        xn = self.normalise(images)
        out = self.vision(xn, vis)
        txt = self.text(ids, None, mask)
        zv = F.normalize(self.head["global_image"](out[:, 0]), dim=-1, eps=1e-12)
        zt = F.normalize(self.head["global_text"](txt[:, 0]), dim=-1, eps=1e-12)
        s = zv @ zt.T
        sigma = torch.clamp(torch.exp(self.logit_scale), max=100.0)
        if o["use_sie"] and vis is not None:
            w = self.sie_weight(xn, vis)
        else:
            w = torch.ones(B, dtype=dt)
        a = torch.clamp(sigma * w, max=100.0)
        lab = torch.arange(B)
        if o.get("global_gather") is not None:
            # trainer's --gather: every rank's features and weights (own rows keep their graph)
            ZV, ZT, A, off = o["global_gather"](zv, zt, a)
            lab = torch.arange(ZV.shape[0])
            sg = ZV @ ZT.T
            L_g = 0.5 * (F.cross_entropy(A[:, None] * sg, lab) + F.cross_entropy(A[:, None] * sg.T, lab))
        else:
            L_g = 0.5 * (F.cross_entropy(a[:, None] * s, lab) + F.cross_entropy(a[:, None] * s.T, lab))
        res = dict(global_=L_g, w=w.detach(), s=s.detach(), ot_iters=0, ot_err=0.0, z=None, n_local=0)
        zero = torch.zeros((), dtype=dt)

        L_l = zero
        if o["use_local"]:
            V = torch.nonzero(n_sent > 0).flatten()
            res["n_local"] = int(V.numel())
            if V.numel() >= 2:
                Pf = F.normalize(self.head["local_image"](out[V, 1:]), dim=-1, eps=1e-12)  # (nv, n, D)
                e, valid = self.sentence_features(txt[V], n_sent[V], sent_begin[V], sent_end[V])
                E = F.normalize(self.head["local_text"](e), dim=-1, eps=1e-12)  # (nv, Lmax, D)
                S = torch.einsum("ind,jld->ijnl", Pf, E)
                z, T, it, err = ot_value(S, valid, o["ot_eps"], o["ot_tol"], o["ot_max_iter"], o.get("ot_plan"))
                sig_l = torch.clamp(torch.exp(self.local_logit_scale), max=100.0)
                lv = torch.arange(V.numel())
                L_l = 0.5 * (F.cross_entropy(sig_l * z, lv) + F.cross_entropy(sig_l * z.T, lv))
                res.update(z=z.detach(), ot_iters=it, ot_err=err, plan=T, S=S, valid=valid)

        L_m = zero
        if o["use_mip"] and vis is not None:
            K = self.K
            m = torch.zeros(B, K, dtype=torch.bool).scatter(1, vis, True)
            masked = torch.stack([torch.nonzero(~m[b]).flatten() for b in range(B)])  # ascending
            if masked.shape[1] > 0:
                pred = self.mip(out, vis, masked)
                tgt = torch.gather(patchify(images, P), 1, masked[:, :, None].expand(-1, -1, pred.shape[2]))
                mu = tgt.mean(-1, keepdim=True)
                var = tgt.var(-1, unbiased=False, keepdim=True)
                tgt = (tgt - mu) / torch.sqrt(var + 0.01)
                L_m = ((pred - tgt) ** 2).mean()

        total = L_g + o["lambda_l"] * L_l + o["lambda_m"] * L_m
        res.update(total=total, local=L_l, mip=L_m)
        res["global"] = res.pop("global_")
        return res


def _smoke():
    torch.manual_seed(0)
    cfg = micro_config()
    obj = MLIPObjective(cfg)
    mlip_twin.init_random(obj, 1)
    g = torch.Generator().manual_seed(2)
    B, T = 3, 12
    images = torch.rand(B, 1, 32, 32, generator=g)
    ids = torch.randint(5, 50, (B, T), generator=g)
    mask = torch.ones(B, T, dtype=torch.long)
    n_sent = torch.tensor([2, 1, 0])
    sb = torch.tensor([[1, 5], [1, 0], [0, 0]])
    se = torch.tensor([[5, 10], [8, 0], [0, 0]])
    vis = random_mask(B, obj.K, 0.5, g)
    r32 = obj(images, ids, mask, n_sent, sb, se, vis)
    r64 = obj.double()(images, ids, mask, n_sent, sb, se, vis)
    for k in ("total", "global", "local", "mip"):
        print("%-6s f32 %.7f f64 %.7f" % (k, float(r32[k]), float(r64[k])))


if __name__ == "__main__":
    _smoke()
