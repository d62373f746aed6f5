"""PyTorch twin of mlip.h's encoders (runs on Debian's python3-torch 1.13, /usr/bin/python3).

The modules, parameter names and parameter order are those of mlip.h (which are HF
transformers' ViTModel / BertModel names without the "vit." / "bert." prefix), so a twin
state_dict and a C model map one to one: list(model.state_dict()) equals the C parameter
table, name by name, shape by shape.

    ViT  (pre-LN):  x = [cls + pos0, patch_embed(img)[visible] + pos[1 + visible]]
                    x = x + attn(LN1(x)); x = x + mlp(LN2(x)); ...; out = LN(x)
    BERT (post-LN): x = LN(word[ids] + pos[t] + type[type_ids])
                    x = LN1(x + attn(x)); x = LN2(x + mlp(x)); ...
Attention never looks at padded keys (masked to -inf before the softmax); a query row with no
real key gets zeros, as in mlip.h.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Dense(nn.Module):
    """A module holding one nn.Linear named `dense` (HF's attention.output.dense etc.)."""

    def __init__(self, cin, cout, with_ln=False, eps=1e-12):
        super().__init__()
        self.dense = nn.Linear(cin, cout)
        if with_ln:
            self.LayerNorm = nn.LayerNorm(cout, eps=eps)


class QKV(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.query = nn.Linear(d, d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)


def attention(x_q, qkv: QKV, heads, key_mask=None):
    """Multi-head self-attention core: (B, T, D) -> (B, T, D) before the output projection."""
    B, T, D = x_q.shape
    hs = D // heads
    q = qkv.query(x_q).view(B, T, heads, hs).transpose(1, 2)
    k = qkv.key(x_q).view(B, T, heads, hs).transpose(1, 2)
    v = qkv.value(x_q).view(B, T, heads, hs).transpose(1, 2)
    s = (q @ k.transpose(-1, -2)) / math.sqrt(hs)
    if key_mask is not None:
        s = s.masked_fill(~key_mask.bool()[:, None, None, :], float("-inf"))
    p = torch.softmax(s, dim=-1)
    p = torch.nan_to_num(p, nan=0.0)  # all keys padded: zeros, like mlip.h
    return (p @ v).transpose(1, 2).reshape(B, T, D)


class ViTAttention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.attention = QKV(d)
        self.output = Dense(d, d)


class ViTLayer(nn.Module):
    def __init__(self, d, heads, mlp, eps):
        super().__init__()
        self.heads = heads
        self.layernorm_before = nn.LayerNorm(d, eps=eps)
        self.attention = ViTAttention(d)
        self.layernorm_after = nn.LayerNorm(d, eps=eps)
        self.intermediate = Dense(d, mlp)
        self.output = Dense(mlp, d)

    def forward(self, x):
        h = attention(self.layernorm_before(x), self.attention.attention, self.heads)
        x = x + self.attention.output.dense(h)
        h = F.gelu(self.intermediate.dense(self.layernorm_after(x)))
        return x + self.output.dense(h)


class PatchEmbeddings(nn.Module):
    def __init__(self, channels, d, patch):
        super().__init__()
        self.projection = nn.Conv2d(channels, d, kernel_size=patch, stride=patch)


class ViTEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        k = (cfg["image_size"] // cfg["patch_size"]) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, cfg["width"]))
        self.position_embeddings = nn.Parameter(torch.zeros(1, k + 1, cfg["width"]))
        self.patch_embeddings = PatchEmbeddings(cfg["channels"], cfg["width"], cfg["patch_size"])


class Encoder(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layer = nn.ModuleList(layers)


class ViT(nn.Module):
    """cfg: image_size, patch_size, channels, width, layers, heads, mlp_dim, ln_eps"""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embeddings = ViTEmbeddings(cfg)
        self.encoder = Encoder([ViTLayer(cfg["width"], cfg["heads"], cfg["mlp_dim"], cfg["ln_eps"])
                                for _ in range(cfg["layers"])])
        self.layernorm = nn.LayerNorm(cfg["width"], eps=cfg["ln_eps"])

    def forward(self, img, visible=None):
        """img (B, C, H, W); visible (B, n) patch indices or None -> (B, 1 + n, width)"""
        e = self.embeddings
        grid = e.patch_embeddings.projection(img)  # (B, D, GH, GW)
        pe = grid.flatten(2).transpose(1, 2)  # (B, K, D)
        pos = e.position_embeddings[0]
        B, K, D = pe.shape
        g0 = self.cfg["image_size"] // self.cfg["patch_size"]
        if grid.shape[2:] != (g0, g0):  # another image size: resize the patch grid's positions
            p = pos[1:].reshape(1, g0, g0, D).permute(0, 3, 1, 2)
            p = F.interpolate(p, size=tuple(grid.shape[2:]), mode="bicubic", align_corners=False)
            pos = torch.cat([pos[:1], p.permute(0, 2, 3, 1).reshape(-1, D)], dim=0)
        if visible is None:
            visible = torch.arange(K).expand(B, K)
        idx = visible.long()
        tokens = torch.gather(pe, 1, idx[:, :, None].expand(-1, -1, D)) + pos[1:][idx]
        cls = (e.cls_token[0, 0] + pos[0]).expand(B, 1, D)
        x = torch.cat([cls, tokens], dim=1)
        for layer in self.encoder.layer:
            x = layer(x)
        return self.layernorm(x)


class BertSelfOutput(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.dense = nn.Linear(d, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)


class BertAttention(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.self = QKV(d)
        self.output = BertSelfOutput(d, eps)


class BertLayer(nn.Module):
    def __init__(self, d, heads, mlp, eps):
        super().__init__()
        self.heads = heads
        self.attention = BertAttention(d, eps)
        self.intermediate = Dense(d, mlp)
        self.output = Dense(mlp, d, with_ln=True, eps=eps)

    def forward(self, x, mask):
        h = attention(x, self.attention.self, self.heads, mask)
        x = self.attention.output.LayerNorm(x + self.attention.output.dense(h))
        h = F.gelu(self.intermediate.dense(x))
        return self.output.LayerNorm(x + self.output.dense(h))


class BertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["width"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], d)
        self.position_embeddings = nn.Embedding(cfg["max_positions"], d)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], d)
        self.LayerNorm = nn.LayerNorm(d, eps=cfg["ln_eps"])


class Bert(nn.Module):
    """cfg: vocab_size, max_positions, type_vocab_size, width, layers, heads, mlp_dim, ln_eps"""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = Encoder([BertLayer(cfg["width"], cfg["heads"], cfg["mlp_dim"], cfg["ln_eps"])
                                for _ in range(cfg["layers"])])

    def forward(self, ids, type_ids=None, mask=None):
        """ids (B, T) -> (B, T, width)"""
        e = self.embeddings
        B, T = ids.shape
        if type_ids is None:
            type_ids = torch.zeros_like(ids)
        x = e.word_embeddings(ids) + e.position_embeddings(torch.arange(T))[None] + e.token_type_embeddings(type_ids)
        x = e.LayerNorm(x)
        for layer in self.encoder.layer:
            x = layer(x, mask)
        return x


def init_random(model, seed):
    """N(0, 0.02) for matrices, embeddings and [CLS]; small random biases and norms so every
    gradient path is exercised (fixtures, not training)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2 or "cls_token" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.02)
            elif name.endswith("weight"):  # LayerNorm scale
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
    return model
