"""Write the encoder parity fixtures into tests/data/ (run: /usr/bin/python3 tools/make_fixtures.py,
or `make fixtures`). Needs torch; the tests only read the files, so CI never needs torch.

Each fixture holds a tiny configuration, the twin's random weights (float32), inputs, the
forward outputs, and the gradient of every parameter for the scalar loss sum(out * w) with a
fixed random w. The twin runs in float64 on the float32 weights, so the reference is exact to
well below float32 rounding.

File format (little-endian), read by tests/fixture.h:
  "MLFX" u32 version=1 u32 n_entries
  per entry: u32 name_len, name bytes, u32 dtype (0 f32, 1 i32), u32 ndim, u32 dims[ndim], data
"""
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlip_twin  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")


def write_fixture(path, entries):
    with open(path, "wb") as f:
        f.write(b"MLFX" + struct.pack("<II", 1, len(entries)))
        for name, arr in entries:
            arr = np.ascontiguousarray(arr)
            if arr.dtype.kind == "f":
                dtype, data = 0, arr.astype("<f4")
            else:
                dtype, data = 1, arr.astype("<i4")
            nb = name.encode()
            f.write(struct.pack("<I", len(nb)) + nb + struct.pack("<II", dtype, arr.ndim))
            f.write(struct.pack("<%dI" % arr.ndim, *arr.shape))
            f.write(data.tobytes())
    print("wrote", os.path.relpath(path), sum(1 for _ in entries), "entries", os.path.getsize(path), "bytes")


def config_entries(prefix, cfg):
    return [(prefix + k, np.array([v], dtype=np.float32 if isinstance(v, float) else np.int32)) for k, v in cfg.items()]


def run(model, forward, w):
    """float64 forward + backward of sum(out * w); returns out (f32) and the grads by name."""
    model = model.double()
    for p in model.parameters():
        p.grad = None
    out = forward(model)
    (out * w.double()).sum().backward()
    grads = [("grad." + n, p.grad.float().numpy()) for n, p in model.named_parameters()]
    return out.detach().float().numpy(), grads


def vit_fixture():
    cfg = dict(image_size=16, patch_size=4, channels=1, width=32, layers=2, heads=4, mlp_dim=64, ln_eps=1e-6)
    model = mlip_twin.init_random(mlip_twin.ViT(cfg), 1)
    g = torch.Generator().manual_seed(2)
    B, K, n = 2, 16, 9
    img = torch.rand(B, 1, 16, 16, generator=g)
    visible = torch.stack([torch.randperm(K, generator=g)[:n] for _ in range(B)]).int()
    weights = [("param." + k, v.float().numpy()) for k, v in model.state_dict().items()]
    w_full = torch.randn(B, K + 1, cfg["width"], generator=g)
    w_vis = torch.randn(B, n + 1, cfg["width"], generator=g)
    out_full, grads_full = run(model, lambda m: m(img.double()), w_full)
    out_vis, grads_vis = run(model, lambda m: m(img.double(), visible), w_vis)
    # another input size (24 x 16 pixels: a 6 x 4 grid from the trained 4 x 4): bicubic positions
    img_hw = torch.rand(B, 1, 24, 16, generator=g)
    w_hw = torch.randn(B, 6 * 4 + 1, cfg["width"], generator=g)
    out_hw, grads_hw = run(model, lambda m: m(img_hw.double()), w_hw)
    e = config_entries("config.", cfg) + weights
    e += [("input.img", img.numpy()), ("input.visible", visible.numpy()),
          ("loss.w_full", w_full.numpy()), ("loss.w_visible", w_vis.numpy()),
          ("output.full", out_full), ("output.visible", out_vis)]
    e += [(k.replace("grad.", "grad_full."), v) for k, v in grads_full]
    e += [(k.replace("grad.", "grad_visible."), v) for k, v in grads_vis]
    e += [("input.img_24x16", img_hw.numpy()), ("loss.w_24x16", w_hw.numpy()), ("output.24x16", out_hw)]
    e += [(k.replace("grad.", "grad_24x16."), v) for k, v in grads_hw]
    write_fixture(os.path.join(OUT, "vit_tiny.fx"), e)


def bert_fixture():
    cfg = dict(vocab_size=50, max_positions=16, type_vocab_size=2, width=32, layers=2, heads=4, mlp_dim=64, ln_eps=1e-12)
    model = mlip_twin.init_random(mlip_twin.Bert(cfg), 3)
    g = torch.Generator().manual_seed(4)
    B, T = 3, 7
    lengths = [7, 5, 3]
    ids = torch.randint(1, 50, (B, T), generator=g)
    mask = torch.zeros(B, T, dtype=torch.int32)
    for b, L in enumerate(lengths):
        mask[b, :L] = 1
        ids[b, L:] = 0  # [PAD]
    type_ids = torch.randint(0, 2, (B, T), generator=g)
    w = torch.randn(B, T, cfg["width"], generator=g)
    out, grads = run(model, lambda m: m(ids, type_ids, mask), w)
    e = config_entries("config.", cfg) + [("param." + k, v.float().numpy()) for k, v in model.state_dict().items()]
    e += [("input.ids", ids.int().numpy()), ("input.type_ids", type_ids.int().numpy()), ("input.mask", mask.numpy()),
          ("loss.w", w.numpy()), ("output.out", out)] + grads
    write_fixture(os.path.join(OUT, "bert_tiny.fx"), e)


if __name__ == "__main__":
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    vit_fixture()
    bert_fixture()
