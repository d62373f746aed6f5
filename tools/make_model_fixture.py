"""Write the .mlip end-to-end fixture (run: /usr/bin/python3 tools/make_model_fixture.py, or
`make fixtures`). Needs torch; the tests only read the files.

tests/data/model_tiny.safetensors  a tiny MLIP model from the PyTorch twin, written by hand
    (struct + json: the safetensors package is not needed). The ViT's tensors carry HF
    ViTModel's "vit." prefix and the BERT's HF BertModel's "bert." prefix, with a pooler and an
    int64 "embeddings.position_ids" buffer that the importer must skip; the heads, logit scales
    and SIE tensors use the .mlip names. "__metadata__" holds what shapes cannot tell (heads,
    ln_eps), the vocabulary and free-form keys.
tests/data/model_tiny.fx  inputs and the twin's outputs (float64 forward on the float32
    weights): ViT on two images, BERT on three padded sentences, and the global projection
    heads on the [CLS] states (format: tools/make_fixtures.py).
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlip_twin  # noqa: E402
from make_fixtures import write_fixture, OUT  # noqa: E402

VIT = dict(image_size=16, patch_size=4, channels=1, width=32, layers=2, heads=4, mlp_dim=64, ln_eps=1e-6)
BERT = dict(vocab_size=50, max_positions=16, type_vocab_size=2, width=32, layers=2, heads=4, mlp_dim=64, ln_eps=1e-12)
D = 16
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("abcdefghijklmnopqrstuvwxyz") + \
        ["##" + c for c in "aeiost"] + ["the", "lung", "heart", "no", "effusion", "is", "normal", ".", ",", "size", "left", "right", "base"]
assert len(VOCAB) == 50


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, numpy array); F32 except int64 arrays (I64)."""
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, arr in tensors:
        arr = np.array(arr, order="C")  # (ascontiguousarray would make a scalar 1-d)
        dtype = "I64" if arr.dtype.kind == "i" else "F32"
        data = arr.astype("<i8" if dtype == "I64" else "<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")


def main():
    torch.manual_seed(0)
    vit = mlip_twin.init_random(mlip_twin.ViT(VIT), 11)
    bert = mlip_twin.init_random(mlip_twin.Bert(BERT), 12)
    g = torch.Generator().manual_seed(13)
    K = (VIT["image_size"] // VIT["patch_size"]) ** 2
    heads = {}
    for kind, width in (("global_image", VIT["width"]), ("global_text", BERT["width"]),
                        ("local_image", VIT["width"]), ("local_text", BERT["width"])):
        heads["head.%s.weight" % kind] = torch.randn(D, width, generator=g) * 0.1
        heads["head.%s.bias" % kind] = torch.randn(D, generator=g) * 0.02
    extra = dict(heads)
    extra["logit_scale"] = torch.tensor(math.log(1 / 0.07))
    extra["local_logit_scale"] = torch.tensor(math.log(1 / 0.05))
    extra["sie.query"] = torch.randn(VIT["width"], generator=g) * 0.01
    extra["sie.bias"] = torch.randn(K, generator=g) * 0.01

    tensors = [("vit." + k, v.float().numpy()) for k, v in vit.state_dict().items()]
    tensors += [("vit.pooler.dense.weight", (torch.randn(32, 32, generator=g) * 0.02).numpy()),
                ("vit.pooler.dense.bias", np.zeros(32, np.float32))]
    tensors += [("bert." + k, v.float().numpy()) for k, v in bert.state_dict().items()]
    tensors += [("bert.embeddings.position_ids", np.arange(BERT["max_positions"], dtype=np.int64)[None])]
    tensors += [(k, v.float().numpy()) for k, v in extra.items()]
    meta = {"vit.heads": "4", "vit.ln_eps": "1e-06", "bert.heads": "4", "bert.ln_eps": "1e-12",
            "tokenizer.vocab": "\n".join(VOCAB) + "\n", "tokenizer.lowercase": "1",
            "license": "CC0-1.0", "training.data": "none: random weights of the PyTorch twin"}
    write_safetensors(os.path.join(OUT, "model_tiny.safetensors"), tensors, meta)

    # reference outputs, float64 on the float32 weights
    vit, bert = vit.double(), bert.double()
    B = 2
    img = torch.rand(B, 1, 16, 16, generator=g)
    ids = torch.randint(5, 50, (3, 7), generator=g)
    mask = torch.zeros(3, 7, dtype=torch.int32)
    for b, L in enumerate([7, 5, 3]):
        mask[b, :L] = 1
        ids[b, L:] = 0
    type_ids = torch.randint(0, 2, (3, 7), generator=g)
    with torch.no_grad():
        out_vit = vit(img.double())
        out_bert = bert(ids, type_ids, mask)
        gi = F.normalize(out_vit[:, 0] @ heads["head.global_image.weight"].double().T + heads["head.global_image.bias"].double(), dim=-1)
        gt = F.normalize(out_bert[:, 0] @ heads["head.global_text.weight"].double().T + heads["head.global_text.bias"].double(), dim=-1)
    e = [("input.img", img.numpy()), ("output.vit", out_vit.float().numpy()),
         ("input.ids", ids.int().numpy()), ("input.type_ids", type_ids.int().numpy()), ("input.mask", mask.numpy()),
         ("output.bert", out_bert.float().numpy()),
         ("output.global_image", gi.float().numpy()), ("output.global_text", gt.float().numpy())]
    write_fixture(os.path.join(OUT, "model_tiny.fx"), e)


if __name__ == "__main__":
    main()
