"""Reference fixtures built with the REAL model libraries (timm, open_clip, transformers), for
mlip.h's checkpoint importers (the C test suite "real" reads them).

Run (from the project root; the libraries live outside the project, see ../shared/refimpl/README.md):

    . ../shared/refimpl/env.sh
    /usr/bin/python3 tools/real_model_fixtures.py                 # reduced -> tests/data/real/
    /usr/bin/python3 tools/real_model_fixtures.py --full --out /tmp/x   # full size, never committed
    options: --only NAME (timm_vit, timm_vit_avg, biomedclip, hf_clip; repeatable), --seed S
    (default 0), --recheck (--full: re-run the forward from the reloaded model.bin too)

Needs Debian's torch 1.13 and the unmodified reference sources on PYTHONPATH (env.sh); nothing
is downloaded. `make test` never needs this script: it only reads the committed files.

Layout: one directory per architecture, <out>/<name>/
  model.bin          torch.save(module.state_dict(), path), default zip serialisation (how hub
                     checkpoints are made): open_clip CustomTextCLIP ("visual.trunk.*",
                     "visual.head.proj.weight", "text.transformer.*", "text.proj.0.weight",
                     "text.proj.2.weight", "logit_scale"); timm VisionTransformer; HF CLIPModel
                     ("vision_model.*", "text_model.*", "visual_projection.weight",
                     "text_projection.weight", "logit_scale").
  model.safetensors  the same state dict (only the reduced timm_vit and hf_clip, to keep the repo small),
                     written with metadata {"format": "pt"} as transformers/timm write it.
  config.json        the file the hub ships:
                     - timm: written by timm's own save_config_for_hf (architecture, num_classes,
                       num_features, global_pool, model_args, pretrained_cfg). Reduced fixtures
                       carry every architecture argument explicitly in model_args (img_size,
                       patch_size, embed_dim, depth, num_heads, mlp_ratio, qkv_bias, class_token,
                       global_pool, fc_norm) and a pretrained_cfg whose input_size is 32x32 (set
                       by timm's pretrained_cfg_overlay). Full timm_vit has no model_args, as on
                       the hub (the architecture name says it all); full timm_vit_avg has
                       model_args {"global_pool": "avg"} (root-level global_pool is informational
                       only for timm, model_args is what rebuilds the model).
                       `timm.create_model("local-dir:<dir>", pretrained=True)` rebuilds a reduced
                       fixture and loads its weights (checked below; timm 1.0.28's fallback scan
                       ends up picking model.bin even when model.safetensors exists).
                     - open_clip: open_clip_config.json's layout {"model_cfg": {embed_dim,
                       vision_cfg, text_cfg}, "preprocess_cfg": {mean, std}} (factory.create_model
                       reads exactly "model_cfg" and "preprocess_cfg" and ignores other keys).
                       Full: byte-for-byte the BiomedCLIP hub config. Reduced: the same keys, but
                       timm_model_name "mlip_vit_reduced_patch8_32" (a timm model this script
                       registers) and hf_model_name "mlip-fixtures/BiomedBERT-reduced" (a local
                       BertConfig this script writes), and one extra top-level key "mlip_reduced"
                       with what those two names stand for: {"timm_architecture":
                       "vit_base_patch16_224", "timm_model_args": {...}, "hf_config": BertConfig
                       dict}. A reader needs that: head counts cannot be inferred from shapes.
                     - HF: the CLIPConfig JSON exactly as CLIPModel.save_pretrained writes it
                       (config.save_pretrained after setting architectures/torch_dtype, as
                       save_pretrained does; 4.31 writes the top level as a diff against the
                       defaults and text_config / vision_config in full).
  ref.fx             "MLFX" fixture (format below) with:
                     pixels          f32 (2, 3, H, W) the exact tensor fed to the model: two real
                                     chest X-rays (../shared/data/cxr/00001.pgm, 00002.pgm), centre
                                     square crop, bilinear antialiased resize to H = W = image
                                     size (32 reduced, 224 full), grey replicated to 3 channels,
                                     /255, normalised with the model's mean/std (timm: its
                                     pretrained_cfg, 0.5/0.5; open_clip and HF CLIP: the OpenAI
                                     CLIP mean/std). Derived data only; no image is committed.
                     image_features  f32 (2, D) un-normalised image tower output: timm
                                     forward_head(forward_features(x), pre_logits=True); open_clip
                                     encode_image(normalize=False); HF get_image_features
                     image_embed     f32 (2, D) image_features / ||image_features||
                     image_tokens    f32 (2, T, W) last hidden states: timm / open_clip trunk
                                     forward_features (after the trunk's final norm, which is
                                     Identity with global_pool='avg'); HF vision_model(...)
                                     .last_hidden_state (BEFORE post_layernorm, which HF applies
                                     to the pooled class token only)
                     (open_clip and HF only:)
                     ids             i32 (3, L) token ids (3 texts of different lengths, padded)
                     attention_mask  i32 (3, L) 1 for real tokens, 0 for padding
                     text_features   f32 (3, D) un-normalised: open_clip encode_text(normalize=False)
                                     (which builds its own mask, ids != pad_token_id 0);
                                     HF get_text_features(input_ids, attention_mask)
                     text_embed      f32 (3, D) normalised
                     text_tokens     f32 (3, L, W) last hidden states of the text transformer:
                                     open_clip text.transformer(ids, mask).last_hidden_state (BERT
                                     encoder output, no extra norm); HF text_model(...)
                                     .last_hidden_state (after final_layer_norm). Rows at padded
                                     positions are included as the library computes them.
                     logit_scale     f32 (1) the raw parameter (not exp'd)
  README.txt         seed, command, and the semantics notes for that architecture.

MLFX format (little-endian, as tools/make_fixtures.py writes and tests/fixture.h reads):
  "MLFX" u32 version=1 u32 n_entries; per entry: u32 name_len, name bytes, u32 dtype (0 f32,
  1 i32), u32 ndim, u32 dims[ndim], data.

Random weights: after the library builds a model (seeded with --seed), EVERY floating tensor of
its state dict is overwritten from a generator seeded with --seed, so that an importer that
swaps a LayerNorm's weight and bias, drops a bias, or reads a wrong tensor cannot pass:
  LayerNorm weight 1 + N(0, 0.1), LayerNorm bias N(0, 0.1), any other "*bias" N(0, 0.1),
  logit_scale log(1/0.07) +- U(0.05, 0.3), embeddings / class token / position embeddings
  N(0, 0.5), every other matrix (Linear, Conv2d) N(0, 1/sqrt(fan_in)).
The matrices are deliberately larger than the usual N(0, 0.02) init: with 0.02 the attention
scores are ~1e-3 and softmax is nearly uniform, so an importer with a wrong attention scale,
head split or mask would still match; 1/sqrt(fan_in) keeps activations O(1) and attention peaked.

Token ids: open_clip BiomedCLIP (BERT uncased vocab layout): [CLS]=2, ids, [SEP]=3, [PAD]=0;
reduced ids random in [5, 1000), full ids random in [5, 30522) (../shared/data/vocab holds the
bert-base-uncased vocabulary, not BiomedBERT's PubMed vocabulary, so its ids would be wrong for
this model). HF CLIP: reduced bos 998, random ids in [1, 998), eos 999 (transformers 4.31 pools
the token at input_ids.argmax(-1), so the eos id must be the largest in each row), pad 0; full
ids from open_clip's real BPE tokenizer (bpe_simple_vocab_16e6) on real report sentences
(bos 49406, eos 49407 = max id, pad 0; note that id 0 is also the real token "!", so masks are
built from lengths, not from ids != 0).

Outputs come from one forward per tower, taking the library's own steps one by one (e.g. HF:
vision_model(x) -> last_hidden_state and visual_projection(pooler_output)); for the reduced
fixtures they are also asserted bit-identical to the public calls (encode_image/encode_text,
get_image_features/get_text_features, VisionTransformer.forward, the model's forward). The full
run skips that second pass: the classes and code paths are the same, and Debian's torch uses the
reference (netlib) BLAS, so every full-size forward costs tens of seconds.

Every fixture is checked before the script returns: model.bin is reloaded with torch.load and its
tensors must equal, bit for bit and in order, the model's; then (reduced fixtures, or --full
--recheck) they are loaded (strict) into the model after every tensor was overwritten with NaN,
the forward is re-run and must reproduce ref.fx bit for bit (the full run skips that re-run by
default: it would double the run time, and the bit-equal tensors imply it);
model.safetensors must hold the same tensors; reduced timm fixtures are also rebuilt with
timm.create_model("local-dir:...") and the reduced hf_clip with CLIPModel.from_pretrained(dir).
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
NAMES = ("timm_vit", "timm_vit_avg", "biomedclip", "hf_clip", "refused")


def refimpl_dir():
    return os.environ.get("MLIP_REFIMPL", os.path.join(ROOT, "..", "shared", "refimpl"))


def data_dir():
    return os.environ.get("MLIP_DATA", os.path.join(ROOT, "..", "shared", "data"))


# ---------------------------------------------------------------------------------------------
# MLFX files: the writer is tools/make_fixtures.py's; the reader below checks what it wrote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_fixture  # noqa: E402


def read_fixture(path):
    out = {}
    with open(path, "rb") as f:
        assert f.read(4) == b"MLFX"
        _, n = struct.unpack("<II", f.read(8))
        for _ in range(n):
            (ln,) = struct.unpack("<I", f.read(4))
            name = f.read(ln).decode()
            dtype, ndim = struct.unpack("<II", f.read(8))
            dims = struct.unpack("<%dI" % ndim, f.read(4 * ndim))
            cnt = int(np.prod(dims)) if ndim else 1
            out[name] = np.frombuffer(f.read(4 * cnt), dtype="<f4" if dtype == 0 else "<i4").reshape(dims)
    return out


# ---------------------------------------------------------------------------------------------
# random weights that exercise every tensor

def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    ln_params = set()
    for mname, mod in model.named_modules():
        if isinstance(mod, torch.nn.LayerNorm):
            for pname in ("weight", "bias"):
                if getattr(mod, pname, None) is not None:
                    ln_params.add((mname + "." if mname else "") + pname)
    with torch.no_grad():
        for name, t in model.state_dict(keep_vars=True).items():
            if not t.is_floating_point():
                continue
            shape = t.shape
            if name in ln_params and name.endswith("weight"):
                new = 1 + 0.1 * torch.randn(shape, generator=g)
            elif name in ln_params or name.endswith("bias"):
                new = 0.1 * torch.randn(shape, generator=g)
            elif name.endswith("logit_scale"):
                # at least 0.05 away from the library's init, so a reader that ignores the file's
                # value and uses log(1/0.07) fails
                u = torch.rand(shape, generator=g) * 2 - 1
                new = math.log(1 / 0.07) + torch.sign(u) * (0.05 + 0.25 * u.abs())
            elif ("embed" in name and t.dim() != 4 and "proj" not in name) or name.endswith("cls_token") \
                    or t.dim() < 2:
                # word/position/type embeddings, timm pos_embed/cls_token, HF class_embedding
                new = 0.5 * torch.randn(shape, generator=g)
            else:
                fan_in = int(np.prod(shape[1:]))
                new = torch.randn(shape, generator=g) / math.sqrt(fan_in)
            t.copy_(new.to(t.dtype))
    return model


# ---------------------------------------------------------------------------------------------
# inputs

def read_pgm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    assert fields[0] == b"P5" and int(fields[3]) < 256, path
    w, h = int(fields[1]), int(fields[2])
    return np.frombuffer(data[pos:pos + w * h], dtype=np.uint8).reshape(h, w)


def make_pixels(size, mean, std, n=2, seed=0):
    """n real chest X-rays (seed 0: 00001 and 00002; another seed, other ones), centre-cropped,
    resized, normalised."""
    import glob
    files = sorted(glob.glob(os.path.join(data_dir(), "cxr", "*.pgm")))
    imgs = []
    for i in range(n):
        a = torch.from_numpy(read_pgm(files[(seed * n + i) % len(files)]).astype(np.float32))
        h, w = a.shape
        s = min(h, w)
        a = a[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s] / 255.0
        a = F.interpolate(a[None, None], size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        imgs.append(a[0].expand(3, size, size))
    x = torch.stack(imgs)
    x = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    return x.contiguous().float()


def bert_ids(seed, L, lengths, lo, hi, cls=2, sep=3, pad=0):
    g = torch.Generator().manual_seed(seed + 1000)
    ids = torch.full((len(lengths), L), pad, dtype=torch.long)
    for b, n in enumerate(lengths):
        ids[b, 0] = cls
        ids[b, 1:n - 1] = torch.randint(lo, hi, (n - 2,), generator=g)
        ids[b, n - 1] = sep
    return ids, (ids != pad).long()


def clip_random_ids(seed, L, lengths, bos, eos, hi):
    g = torch.Generator().manual_seed(seed + 2000)
    ids = torch.zeros((len(lengths), L), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for b, n in enumerate(lengths):
        ids[b, 0] = bos
        ids[b, 1:n - 1] = torch.randint(1, hi, (n - 2,), generator=g)
        ids[b, n - 1] = eos
        mask[b, :n] = 1
    return ids, mask


def clip_real_ids(L=77):
    """open_clip's real BPE tokenizer on three real report sentences of different lengths."""
    import open_clip
    with open(os.path.join(data_dir(), "cxr", "reports.tsv"), encoding="utf-8") as f:
        next(f)
        rows = [line.rstrip("\n").split("\t")[3] for line in f]
    rows = [r for r in rows if r.strip()]
    # long (more than L tokens: truncated, eot forced into the last slot), medium, short
    texts = [" ".join(rows[:5]), rows[1], rows[2].split(". ")[0] + "."]
    ids = open_clip.tokenize(texts, context_length=L)
    eot = ids.argmax(-1)
    mask = (torch.arange(L)[None, :] <= eot[:, None]).long()
    return ids, mask, texts


# ---------------------------------------------------------------------------------------------
# output helpers

def nrm(x):
    return F.normalize(x, dim=-1)


def save_state(model, d, safetensors):
    sd = model.state_dict()
    torch.save(sd, os.path.join(d, "model.bin"))
    if safetensors:
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in sd.items()}, os.path.join(d, "model.safetensors"),
                  metadata={"format": "pt"})


def check_saved(d, model, forward, entries, safetensors, rerun):
    """Reload model.bin into the model after poisoning every tensor with NaN (cheaper than a
    second build of a full-size model, and anything not loaded shows), reproduce every output
    bit for bit; compare safetensors with the state dict. Without rerun (the full-size default),
    the reloaded tensors are compared bit for bit with those the outputs were computed with."""
    sd = torch.load(os.path.join(d, "model.bin"), map_location="cpu")
    live = model.state_dict()
    assert list(sd) == list(live), "model.bin keys differ from the model's"
    for k, v in live.items():
        assert sd[k].dtype == v.dtype and torch.equal(sd[k], v), k
    if not rerun:
        return sd
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.fill_(float("nan"))
    model.load_state_dict(sd, strict=True)
    model.eval()
    again = dict(forward(model, verify=False))
    ref = read_fixture(os.path.join(d, "ref.fx"))
    for name, arr in entries:
        assert name in ref and ref[name].shape == tuple(arr.shape), name
        if name in again:
            diff = float(np.abs(again[name].astype(np.float64) - ref[name]).max())
            assert diff == 0.0, "%s: reload differs by %g" % (name, diff)
    if safetensors:
        from safetensors.torch import load_file
        st = load_file(os.path.join(d, "model.safetensors"))
        assert set(st) == set(sd), "safetensors keys differ"
        for k in sd:
            assert torch.equal(st[k], sd[k]), k
    return sd


def report(name, d, entries, sd):
    print("== %s -> %s" % (name, os.path.relpath(d)))
    for k, a in entries:
        print("   %-15s %-4s %-18s max|v| %.6g" % (k, "f32" if a.dtype.kind == "f" else "i32", tuple(a.shape),
                                                 float(np.abs(a).max())))
    print("   %d tensors, %d parameters; files: %s" % (len(sd), sum(v.numel() for v in sd.values()), ", ".join(
        "%s %d" % (f, os.path.getsize(os.path.join(d, f))) for f in sorted(os.listdir(d)))))


def write_readme(d, name, seed, full, notes):
    cmd = "/usr/bin/python3 tools/real_model_fixtures.py --only %s --seed %d%s" % (
        name, seed, " --full --out DIR" if full else "")
    with open(os.path.join(d, "README.txt"), "w") as f:
        f.write("%s (%s), generated by tools/real_model_fixtures.py with the real libraries\n"
                "(timm 1.0.28, open_clip 2.23.0, transformers 4.31.0, torch %s).\n"
                "seed: %d\ncommand (after `. ../shared/refimpl/env.sh`): %s\n"
                "Random weights (every tensor overwritten; see the script's docstring); no trained\n"
                "weights, no images, no vocabulary in here: pixels in ref.fx are a normalised resized\n"
                "tensor derived from two chest X-rays.\n\n" % (
                    name, "full size" if full else "reduced", torch.__version__, seed, cmd))
        f.write(notes.strip() + "\n")


def to_np(t):
    return t.detach().float().numpy() if t.is_floating_point() else t.detach().int().numpy()


# ---------------------------------------------------------------------------------------------
# timm VisionTransformer

TIMM_NOTES = """
Model: timm.create_model('vit_base_patch16_224', num_classes=0, **model_args) (timm's real
VisionTransformer; config.json written by timm's save_config_for_hf).
Blocks: pre-norm, LayerNorm eps 1e-6, fused attn.qkv (Linear W -> 3W, qkv_bias=True, order q,k,v,
heads split after), exact erf GELU in mlp.fc1/fc2, no layer scale, class token then learned
pos_embed (1, 1 + grid^2, W) added to [cls, patches] (no_embed_class False), norm_pre Identity.
Patch embed: Conv2d(3, W, P, stride P, bias), patches flattened row-major (y, x).
"""

TIMM_TOKEN_NOTES = """
Pooling (global_pool='token'): use_fc_norm = global_pool in ('avg','avgmax','max') -> False, so
`norm` is the final LayerNorm applied to ALL tokens in forward_features, `fc_norm` is Identity,
and the pooled feature is the class token x[:, 0] of the normed tokens. image_tokens =
forward_features (normed); image_features = image_tokens[:, 0] (num_classes 0: head Identity).
State dict has norm.weight/norm.bias and no fc_norm.* / head.* keys.
"""

TIMM_AVG_NOTES = """
Pooling (global_pool='avg'): use_fc_norm = True (timm 1.0.28 vision_transformer.py:
`use_fc_norm = global_pool in ('avg', 'avgmax', 'max') if fc_norm is None else fc_norm`;
`self.norm = norm_layer(...) if final_norm and not use_fc_norm else nn.Identity()`;
`self.fc_norm = norm_layer(...) if final_norm and use_fc_norm else nn.Identity()`).
So `norm` is Identity (image_tokens = forward_features are the UN-normed block outputs), the
pooled feature is the mean over the patch tokens only (global_pool_nlc drops the
num_prefix_tokens=1 class token: x[:, 1:].mean(1)), then fc_norm (LayerNorm eps 1e-6).
The class token is still in the sequence (class_token=True) and attends/is attended to.
State dict has fc_norm.weight/fc_norm.bias and no norm.* / head.* keys.
"""

TIMM_REDUCED_ARGS = dict(img_size=32, patch_size=8, embed_dim=64, depth=2, num_heads=4, mlp_ratio=4.0,
                         qkv_bias=True, class_token=True)


def timm_fixture(out, seed, full, avg, rerun, safetensors=True):
    safetensors = safetensors and not full
    import timm
    from timm.models._hub import save_config_for_hf
    name = "timm_vit_avg" if avg else "timm_vit"
    if full:
        model_args = {"global_pool": "avg"} if avg else {}
        overlay = None
    else:
        model_args = dict(TIMM_REDUCED_ARGS, global_pool="avg" if avg else "token", fc_norm=avg)
        overlay = dict(input_size=(3, 32, 32))
    size = 224 if full else 32

    def build():
        return timm.create_model("vit_base_patch16_224", pretrained=False, num_classes=0,
                                 pretrained_cfg_overlay=overlay, **model_args).eval()

    torch.manual_seed(seed)
    model = randomize(build(), seed)
    cfg = model.pretrained_cfg
    assert tuple(cfg["input_size"][1:]) == (size, size)
    x = make_pixels(size, cfg["mean"], cfg["std"], seed=seed)

    def forward(m, verify=True):
        with torch.no_grad():
            tok = m.forward_features(x)
            feat = m.forward_head(tok, pre_logits=True)
            if verify:  # what VisionTransformer.forward does (num_classes 0: head is Identity)
                assert torch.equal(m(x), feat)
        return [("pixels", to_np(x)), ("image_features", to_np(feat)), ("image_embed", to_np(nrm(feat))),
                ("image_tokens", to_np(tok))]

    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    entries = forward(model, verify=not full)
    write_fixture(os.path.join(d, "ref.fx"), entries)
    save_state(model, d, safetensors=safetensors)
    from pathlib import Path
    save_config_for_hf(model, Path(d) / "config.json", model_args=model_args or None)
    sd = check_saved(d, model, forward, entries, safetensors=safetensors, rerun=rerun)
    if not full:  # timm itself rebuilds the model from config.json + the weights (local-dir:)
        m2 = timm.create_model("local-dir:" + os.path.abspath(d), pretrained=True).eval()
        with torch.no_grad():
            assert torch.equal(m2.forward_head(m2.forward_features(x), pre_logits=True),
                               torch.from_numpy(entries[1][1])), "local-dir rebuild differs"
    write_readme(d, name, seed, full, TIMM_NOTES + (TIMM_AVG_NOTES if avg else TIMM_TOKEN_NOTES) +
                 "\nPixels: normalised with pretrained_cfg mean/std %s / %s." % (cfg["mean"], cfg["std"]))
    report(name, d, entries, sd)


# ---------------------------------------------------------------------------------------------
# open_clip BiomedCLIP

BIOMEDCLIP_NAME = "BiomedCLIP-PubMedBERT_256-vit_base_patch16_224"
BIOMEDCLIP_HF = "microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract"
REDUCED_TIMM_NAME = "mlip_vit_reduced_patch8_32"
REDUCED_TIMM_ARGS = dict(img_size=32, patch_size=8, embed_dim=64, depth=2, num_heads=4, mlp_ratio=4.0,
                         qkv_bias=True)
REDUCED_BERT = dict(vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=256, max_position_embeddings=64)

BIOMEDCLIP_NOTES = """
Model: open_clip.create_model(<config>, pretrained=None, pretrained_hf=False) -> CustomTextCLIP
(open_clip's real code path; the text tower is transformers' BertModel built from its config).
Image tower (open_clip TimmModel, timm_pool "", timm_proj "linear"): the trunk is created with
timm's defaults and then trunk.reset_classifier(0) WITHOUT a global_pool argument (pool "" is
falsy), so the trunk keeps timm's default global_pool 'token': final LayerNorm `norm` on all
tokens (eps 1e-6), class token pooled, fc_norm Identity. Then head = Sequential(drop, proj:
Linear(W, embed_dim, bias=False)) -> "visual.head.proj.weight". encode_image = head(trunk(x)).
image_tokens = visual.trunk.forward_features(x) (after the final norm).
Text tower (open_clip HFTextEncoder, pooler cls_last_hidden_state_pooler, proj mlp): BertModel
WITHOUT its pooler (add_pooling_layer=False: no "pooler.*" keys), post-norm BERT layers, LayerNorm
eps 1e-12, exact erf GELU, token_type_ids not passed (BertModel uses zeros -> row 0 of
token_type_embeddings), position ids 0..L-1. The attention mask IS applied: HFTextEncoder.forward
builds attn_mask = (ids != config.pad_token_id) with pad_token_id 0 (BertConfig default; the
BiomedBERT config does not set it) and passes it to BertModel (additive finfo.min on masked keys).
Pooling: last_hidden_state[:, 0] (the [CLS] row, no BERT pooler/tanh). Projection:
text.proj = Sequential(Linear(W, (W+E)//2, bias=False), GELU (exact erf), Linear((W+E)//2, E,
bias=False)) -> "text.proj.0.weight", "text.proj.2.weight".
text_tokens = text.transformer(ids, mask).last_hidden_state (BERT encoder output).
Ids: [CLS]=2 ... [SEP]=3 then [PAD]=0 (BiomedBERT's vocab layout); attention_mask = ids != 0.
logit_scale: raw parameter (the model uses exp(logit_scale)); no logit_bias.
Pixels: normalised with the OpenAI CLIP mean/std (open_clip's default PreprocessCfg and the
BiomedCLIP hub preprocess_cfg).
"""


def _register_reduced_timm():
    import timm
    from timm.models import register_model
    from timm.models.vision_transformer import _create_vision_transformer
    if timm.is_model(REDUCED_TIMM_NAME):
        return

    def mlip_vit_reduced_patch8_32(pretrained=False, **kwargs):
        # vit_base_patch16_224's own builder and pretrained cfg, with the reduced sizes
        return _create_vision_transformer("vit_base_patch16_224", pretrained=pretrained,
                                          **dict(REDUCED_TIMM_ARGS, **kwargs))
    mlip_vit_reduced_patch8_32.__module__ = "timm.models.vision_transformer"
    register_model(mlip_vit_reduced_patch8_32)


def biomedclip_fixture(out, seed, full, rerun):
    import open_clip
    from transformers import BertConfig
    tmp = tempfile.mkdtemp(prefix="mlip_oc_")
    try:
        if full:
            cfg_path = os.path.join(refimpl_dir(), "model_configs", BIOMEDCLIP_NAME + ".json")
            with open(cfg_path) as f:
                model_cfg = json.load(f)
            open_clip.add_model_config(cfg_path)
            oc_name = BIOMEDCLIP_NAME
            hub_cfg = {"model_cfg": model_cfg, "preprocess_cfg": {"mean": list(OPENAI_MEAN), "std": list(OPENAI_STD)}}
        else:
            _register_reduced_timm()
            # a hub-style BertConfig file with the same fields as BiomedBERT's own config.json
            # (plus layer_norm_eps and pad_token_id, spelled out for readers)
            bert_dir = os.path.join(tmp, "BiomedBERT-reduced")
            defaults = BertConfig(**REDUCED_BERT).to_dict()
            bert_json = {"architectures": ["BertForMaskedLM"], "model_type": "bert"}
            for k in ("attention_probs_dropout_prob", "hidden_act", "hidden_dropout_prob", "hidden_size",
                      "initializer_range", "intermediate_size", "layer_norm_eps", "max_position_embeddings",
                      "num_attention_heads", "num_hidden_layers", "pad_token_id", "type_vocab_size",
                      "vocab_size"):
                bert_json[k] = defaults[k]
            os.makedirs(bert_dir)
            with open(os.path.join(bert_dir, "config.json"), "w") as f:
                json.dump(bert_json, f, indent=2)
            model_cfg = {
                "embed_dim": 32,
                "vision_cfg": {"timm_model_name": REDUCED_TIMM_NAME, "timm_model_pretrained": False,
                               "timm_pool": "", "timm_proj": "linear", "image_size": 32},
                "text_cfg": {"hf_model_name": bert_dir, "hf_tokenizer_name": BIOMEDCLIP_HF,
                             "hf_proj_type": "mlp", "hf_pooler_type": "cls_last_hidden_state_pooler",
                             "context_length": 16},
            }
            oc_name = "mlip-BiomedCLIP-reduced"
            with open(os.path.join(tmp, oc_name + ".json"), "w") as f:
                json.dump(model_cfg, f)
            open_clip.add_model_config(os.path.join(tmp, oc_name + ".json"))
            hub_model_cfg = json.loads(json.dumps(model_cfg))
            hub_model_cfg["text_cfg"]["hf_model_name"] = "mlip-fixtures/BiomedBERT-reduced"
            hub_cfg = {"model_cfg": hub_model_cfg,
                       "preprocess_cfg": {"mean": list(OPENAI_MEAN), "std": list(OPENAI_STD)},
                       "mlip_reduced": {
                           "note": "not in hub configs: what the two reduced model names stand for",
                           "timm_model_name": REDUCED_TIMM_NAME, "timm_architecture": "vit_base_patch16_224",
                           "timm_model_args": REDUCED_TIMM_ARGS,
                           "hf_model_name": "mlip-fixtures/BiomedBERT-reduced",
                           "hf_config": bert_json}}

        def build():
            return open_clip.create_model(oc_name, pretrained=None, pretrained_hf=False).eval()

        torch.manual_seed(seed)
        model = randomize(build(), seed)
        size = 224 if full else 32
        x = make_pixels(size, OPENAI_MEAN, OPENAI_STD, seed=seed)
        if full:
            ids, mask = bert_ids(seed, 256, [256, 41, 9], 5, 30522)
        else:
            ids, mask = bert_ids(seed, 16, [16, 10, 5], 5, 1000)
        assert model.text.config.pad_token_id == 0

        def forward(m, verify=True):
            # the steps of TimmModel.forward / HFTextEncoder.forward one by one (one forward per
            # tower gives both the tokens and the features); verified bit for bit against the
            # library's own encode_image / encode_text on the first pass
            with torch.no_grad():
                ti = m.visual.trunk.forward_features(x)
                fi = m.visual.head(m.visual.trunk.forward_head(ti))
                attn = (ids != m.text.config.pad_token_id).long()
                assert torch.equal(attn, mask)
                out = m.text.transformer(input_ids=ids, attention_mask=attn)
                tt = out.last_hidden_state
                ft = m.text.proj(m.text.pooler(out, attn))
                assert torch.equal(ft, m.text.proj(tt[:, 0]))
                if verify:
                    assert torch.equal(m.encode_image(x, normalize=False), fi)
                    assert torch.equal(m.encode_text(ids, normalize=False), ft)
                    ei, et, _ = m(x, ids)
                    assert torch.allclose(ei, nrm(fi)) and torch.allclose(et, nrm(ft))
            return [("pixels", to_np(x)), ("image_features", to_np(fi)), ("image_embed", to_np(nrm(fi))),
                    ("image_tokens", to_np(ti)), ("ids", to_np(ids)), ("attention_mask", to_np(mask)),
                    ("text_features", to_np(ft)), ("text_embed", to_np(nrm(ft))), ("text_tokens", to_np(tt)),
                    ("logit_scale", to_np(m.logit_scale.reshape(1)))]

        d = os.path.join(out, "biomedclip")
        os.makedirs(d, exist_ok=True)
        entries = forward(model, verify=not full)
        if not full:  # the reduced towers' head counts are in no hub config: the test passes them
            entries += [("config.vision_heads", np.array([model.visual.trunk.blocks[0].attn.num_heads], np.int32)),
                        ("config.text_heads", np.array([model.text.config.num_attention_heads], np.int32))]
        write_fixture(os.path.join(d, "ref.fx"), entries)
        save_state(model, d, safetensors=False)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(hub_cfg, f, indent=4)
            f.write("\n")
        sd = check_saved(d, model, forward, entries, safetensors=False, rerun=rerun)
        notes = BIOMEDCLIP_NOTES + "\nText lengths (incl. [CLS]/[SEP]): %s of L=%d.\n" % (mask.sum(1).tolist(), ids.shape[1])
        if not full:  # the mask matters: without it the padded texts' features differ
            with torch.no_grad():
                nomask = model.text.transformer(input_ids=ids, attention_mask=torch.ones_like(ids))
            mask_effect = float((model.text.proj(nomask.last_hidden_state[:, 0]) -
                                 torch.from_numpy(entries[6][1])).abs().max())
            notes += "Without the padding mask the padded texts' features would change by up to %.3g\n" \
                "(so an importer that ignores the mask fails).\n" % mask_effect
        if not full:
            notes += "\nReduced: the vision trunk is timm's VisionTransformer built by vit_base_patch16_224's own\n" \
                "builder with %s (registered in timm as %s),\n" \
                "the text tower BertModel from BertConfig(%s). See config.json's mlip_reduced.\n" % (
                    REDUCED_TIMM_ARGS, REDUCED_TIMM_NAME, REDUCED_BERT)
        write_readme(d, "biomedclip", seed, full, notes)
        report("biomedclip", d, entries, sd)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# transformers CLIPModel

HF_CLIP_NOTES = """
Model: transformers.CLIPModel(CLIPConfig) (transformers 4.31.0). config.json as save_pretrained
writes it: the top level only where it differs from CLIPConfig's defaults ("_commit_hash" and
"transformers_version" come out null there: 4.31 quirk), text_config and vision_config in full
(layer_norm_eps 1e-5, hidden_act quick_gelu x*sigmoid(1.702x)). Their own "projection_dim" (512)
is unused: the TOP-LEVEL projection_dim sizes visual_projection and text_projection.
Vision: patch_embedding Conv2d WITHOUT bias, class_embedding (W,), position_embedding (1+grid^2,
W); pre_layrnorm (sic) on the embeddings, pre-norm layers (layer_norm1 -> self_attn with separate
q_proj/k_proj/v_proj/out_proj, all with bias; layer_norm2 -> mlp fc1/fc2 quick_gelu).
last_hidden_state (image_tokens) is the encoder output WITHOUT post_layernorm; pooled =
post_layernorm(last_hidden_state[:, 0]); image_features = visual_projection (no bias) of pooled.
Text: token_embedding + position_embedding, causal mask AND the padding mask (if
attention_mask is given; get_text_features passes it), final_layer_norm on all tokens
(text_tokens are after it), pooled = the row at input_ids.argmax(-1) (4.31 has no eos_token_id
check: the end-of-text id must be the largest id in the row; HF's own default pad_token_id is 1,
bos 49406, eos 49407, but pooling ignores those), text_features = text_projection (no bias).
Attention scale head_dim^-0.5 applied to q before q.k. logit_scale raw (model uses exp).
position_ids are non-persistent buffers in 4.31 (not in the state dict).
Pixels: normalised with the OpenAI CLIP mean/std (CLIPImageProcessor's defaults; the
preprocessor config is a separate file on the hub, not written here).
"""


def hf_clip_fixture(out, seed, full, rerun):
    from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPVisionConfig
    if full:
        config = CLIPConfig()  # ViT-B/32 shapes
    else:
        tc = CLIPTextConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256,
                            vocab_size=1000, max_position_embeddings=16, bos_token_id=998, eos_token_id=999,
                            pad_token_id=0)
        vc = CLIPVisionConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256,
                              image_size=32, patch_size=8, hidden_act="quick_gelu")
        config = CLIPConfig.from_text_vision_configs(tc, vc, projection_dim=32)

    def build():
        return CLIPModel(config).eval()

    torch.manual_seed(seed)
    model = randomize(build(), seed)
    size = config.vision_config.image_size
    x = make_pixels(size, OPENAI_MEAN, OPENAI_STD, seed=seed)
    texts = None
    if full:
        ids, mask, texts = clip_real_ids(config.text_config.max_position_embeddings)
    else:
        ids, mask = clip_random_ids(seed, 16, [16, 9, 4], 998, 999, 998)
    assert torch.equal(ids.argmax(-1), mask.sum(1) - 1), "end-of-text must be the max id"

    def forward(m, verify=True):
        # get_image_features / get_text_features step by step (one forward per tower gives the
        # tokens and the features), verified bit for bit against those calls on the first pass
        with torch.no_grad():
            vo = m.vision_model(pixel_values=x)
            ti = vo.last_hidden_state
            fi = m.visual_projection(vo.pooler_output)
            to = m.text_model(input_ids=ids, attention_mask=mask)
            tt = to.last_hidden_state
            ft = m.text_projection(to.pooler_output)
            assert torch.equal(vo.pooler_output, m.vision_model.post_layernorm(ti[:, 0]))
            assert torch.equal(to.pooler_output, tt[torch.arange(len(ids)), mask.sum(1) - 1])
            if verify:
                assert torch.equal(m.get_image_features(pixel_values=x), fi)
                assert torch.equal(m.get_text_features(input_ids=ids, attention_mask=mask), ft)
                o = m(input_ids=ids, attention_mask=mask, pixel_values=x)
                assert torch.allclose(o.image_embeds, nrm(fi)) and torch.allclose(o.text_embeds, nrm(ft))
        return [("pixels", to_np(x)), ("image_features", to_np(fi)), ("image_embed", to_np(nrm(fi))),
                ("image_tokens", to_np(ti)), ("ids", to_np(ids)), ("attention_mask", to_np(mask)),
                ("text_features", to_np(ft)), ("text_embed", to_np(nrm(ft))), ("text_tokens", to_np(tt)),
                ("logit_scale", to_np(m.logit_scale.reshape(1)))]

    d = os.path.join(out, "hf_clip")
    os.makedirs(d, exist_ok=True)
    entries = forward(model, verify=not full)
    write_fixture(os.path.join(d, "ref.fx"), entries)
    save_state(model, d, safetensors=not full)
    # what CLIPModel.save_pretrained does to the config before writing it
    model.config.torch_dtype = "float32"
    model.config.architectures = ["CLIPModel"]
    model.config.save_pretrained(d)
    sd = check_saved(d, model, forward, entries, safetensors=not full, rerun=rerun)
    if not full:  # transformers itself loads the directory (config.json + model.safetensors)
        m2 = CLIPModel.from_pretrained(os.path.abspath(d)).eval()
        with torch.no_grad():
            assert torch.equal(m2.get_text_features(input_ids=ids, attention_mask=mask),
                               torch.from_numpy(entries[6][1])), "from_pretrained differs"
    with torch.no_grad():
        nomask = model.text_model(input_ids=ids).last_hidden_state
    pad = mask == 0
    pad_effect = float((nomask - torch.from_numpy(entries[8][1]))[pad].abs().max()) if pad.any() else 0.0
    real_effect = float((nomask - torch.from_numpy(entries[8][1]))[~pad].abs().max())
    notes = HF_CLIP_NOTES + "\nIds: %s. Text lengths (incl. bos/eos): %s of L=%d.\n" \
        "The padding mask changes only padded rows of text_tokens (causal attention already hides\n" \
        "the pads from real tokens): without it, padded rows change by %.3g, real rows by %.3g.\n" % (
            "open_clip's real BPE tokenizer (bpe_simple_vocab_16e6) on report text" if full else
            "bos 998, random ids in [1, 998), eos 999 (the max id), pad 0",
            mask.sum(1).tolist(), ids.shape[1], pad_effect, real_effect)
    if texts:
        notes += "Texts:\n" + "".join("  %r\n" % t for t in texts)
    write_readme(d, "hf_clip", seed, full, notes)
    report("hf_clip", d, entries, sd)


def refused_fixtures(out, seed):
    """Checkpoints an importer must refuse, each with the words its message must hold
    (refused/expected.txt: file<TAB>words): real timm features this library does not implement
    (layer scale, q/k norms), a tensor missing, a tensor of the wrong shape."""
    import timm
    d = os.path.join(out, "refused")
    os.makedirs(d, exist_ok=True)
    small = dict(img_size=16, patch_size=8, embed_dim=32, depth=1, num_heads=2, mlp_ratio=2.0)

    def build(**extra):
        torch.manual_seed(seed)
        return randomize(timm.create_model("vit_base_patch16_224", pretrained=False, num_classes=0,
                                           **dict(small, **extra)), seed).state_dict()

    cases = [("layer_scale.bin", build(init_values=1e-5), "blocks.0.ls1.gamma"),
             ("qk_norm.bin", build(qk_norm=True), "blocks.0.attn.q_norm.weight")]
    sd = build()
    del sd["blocks.0.norm2.bias"]
    cases.append(("missing.bin", sd, "has no blocks.0.norm2.bias"))
    sd = build()
    sd["norm.weight"] = sd["norm.weight"][:-1].clone()
    cases.append(("wrong_shape.bin", sd, "norm.weight"))
    with open(os.path.join(d, "expected.txt"), "w") as f:
        for fname, state, words in cases:
            torch.save(state, os.path.join(d, fname))
            f.write("%s\t%s\n" % (fname, words))
            print("   refused/%s: %d tensors, must say '%s'" % (fname, len(state), words))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "real"))
    ap.add_argument("--full", action="store_true", help="full-size variants (large; never commit)")
    ap.add_argument("--only", choices=NAMES, action="append")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--recheck", action="store_true",
                    help="with --full: also re-run the forward from the reloaded model.bin (slow)")
    args = ap.parse_args()
    rerun = args.recheck or not args.full
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(args.out, exist_ok=True)
    for name in args.only or NAMES:
        t0 = time.time()
        if name == "timm_vit":
            timm_fixture(args.out, args.seed, args.full, avg=False, rerun=rerun)
        elif name == "timm_vit_avg":
            timm_fixture(args.out, args.seed, args.full, avg=True, rerun=rerun, safetensors=False)
        elif name == "biomedclip":
            biomedclip_fixture(args.out, args.seed, args.full, rerun)
        elif name == "hf_clip":
            hf_clip_fixture(args.out, args.seed, args.full, rerun)
        elif name == "refused" and not args.full:
            refused_fixtures(args.out, args.seed)
        print("   %.1f s" % (time.time() - t0), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
