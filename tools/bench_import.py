"""Speed of an imported model against the library it came from, side by side in one run.

The full-size BiomedCLIP architecture (open_clip 2.23: timm ViT-B/16 at 224 + BERT-base text
tower with an MLP head, context 256), random weights, saved with torch.save as a hub checkpoint
is; converted with `mlip convert` (no Python in the loading path), then:
  image: open_clip's encode_image on the tensor open_clip's own preprocess makes, against
         `mlip embed --image --repeat` (the model alone: decoding and preprocessing happen once
         before the timed runs, as the tensor is made once for open_clip);
  text:  a real report sentence; open_clip's encode_text on BertTokenizer ids padded to the
         context (as open_clip's HF tokenizer pads), timed without the tokenizer, against
         `mlip embed --text --repeat`, timed WITH the tokenizer (the library drops the padded
         columns: the padding is masked, so the embedding is the same and the work smaller).
Each: median of --runs timed calls after 2 warm-up calls, at each thread count T, one after the
other in this script. mlip runs with --threads T. Debian's torch 1.13 does its matmuls in the
system BLAS (OpenBLAS here), whose own threads torch.set_num_threads does not limit, so the
peer gets T BLAS threads (openblas_set_num_threads through ctypes) and is timed with torch's
own threads at 1 and at T; the faster is reported. Ratio = mlip / torch (below 1: mlip is
faster). Also prints the cosine between the two embeddings of the same input.

Run (from the project root; needs ../shared/refimpl and ../shared/data, else it says SKIP):
  . ../shared/refimpl/env.sh && /usr/bin/python3 tools/bench_import.py [--threads 1,2] [--runs 7]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("MLIP_SHARED", os.path.join(ROOT, "..", "shared"))
SENTENCE = ("The heart size is normal. There is a small left pleural effusion with adjacent "
            "atelectasis. No pneumothorax.")


def cpu_line():
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                info.setdefault(k.strip(), v.strip())
    except OSError:
        return "CPU: unknown"
    flags = set(info.get("flags", "").split())
    keep = [x for x in ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16") if x in flags]
    return "CPU: %s, family %s model %s, flags %s, %d cores" % (
        info.get("model name", "?"), info.get("cpu family", "?"), info.get("model", "?"),
        " ".join(keep), os.cpu_count() or 0)


def skip(reason):
    print("SKIP bench_import: " + reason)
    sys.exit(0)


def median_ms(fn, runs):
    for _ in range(2):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(times)


def mlip_ms(args, threads, runs):
    out = subprocess.run([os.path.join(ROOT, "mlip"), "embed"] + args +
                         ["--threads", str(threads), "--repeat", str(runs)],
                         capture_output=True, text=True, check=True)
    m = re.search(r"median ([0-9.]+) ms", out.stderr)
    return float(m.group(1))


def blas_threads(n):
    """Set the system BLAS's threads (OpenBLAS); returns its config string or None."""
    import ctypes
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_set_num_threads(ctypes.c_int(n))
        lib.openblas_get_config.restype = ctypes.c_char_p
        return lib.openblas_get_config().decode()
    except (OSError, AttributeError):
        return None


def torch_best_ms(torch, fn, threads, runs):
    """The peer at its best with T cores: BLAS threads T, torch threads 1 or T."""
    blas_threads(threads)
    best = None
    for t in sorted({1, threads}):
        torch.set_num_threads(t)
        with torch.no_grad():
            ms = median_ms(fn, runs)
        if best is None or ms < best[0]:
            best = (ms, t)
    return best


def read_f32(path):
    import numpy as np
    return np.fromfile(path, dtype="<f4")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    try:
        import numpy as np
        import torch
        import open_clip
        from PIL import Image
        from transformers import BertTokenizer
    except ImportError as e:
        skip("the reference libraries are not importable (%s): . ../shared/refimpl/env.sh" % e)
    vocab = os.path.join(SHARED, "data", "vocab", "bert-base-uncased-vocab.txt")
    image = os.path.join(SHARED, "data", "cxr", "00001.pgm")
    cfgdir = os.path.join(SHARED, "refimpl", "model_configs")
    for p in (vocab, image, cfgdir):
        if not os.path.exists(p):
            skip("%s is missing" % p)
    if not os.path.exists(os.path.join(ROOT, "mlip")):
        skip("build ./mlip first (make mlip)")
    print(cpu_line())
    from open_clip.version import __version__ as ocv
    print("torch %s, open_clip %s, BLAS: %s" % (torch.__version__, ocv, blas_threads(1) or "not OpenBLAS"))
    open_clip.add_model_config(cfgdir)
    torch.manual_seed(0)
    name = "BiomedCLIP-PubMedBERT_256-vit_base_patch16_224"
    model = open_clip.create_model(name, pretrained=None, pretrained_hf=False).eval()
    preprocess = open_clip.image_transform(224, is_train=False)
    tok = BertTokenizer(vocab, do_lower_case=True)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt, conv = os.path.join(tmp, "model.bin"), os.path.join(tmp, "model.mlip")
        print("saving the checkpoint and converting it ...", flush=True)
        torch.save(model.state_dict(), ckpt)
        with open(os.path.join(cfgdir, name + ".json")) as f:
            model_cfg = f.read()
        cfg = os.path.join(tmp, "open_clip_config.json")
        with open(cfg, "w") as f:
            f.write('{"model_cfg": %s, "preprocess_cfg": {}}' % model_cfg)
        subprocess.run([os.path.join(ROOT, "mlip"), "convert", ckpt, conv, "--model-config", cfg,
                        "--vocab", vocab], check=True, capture_output=True)
        print("converted; embedding ...", flush=True)
        x = preprocess(Image.open(image)).unsqueeze(0)
        enc = tok(SENTENCE, padding="max_length", max_length=256, truncation=True,
                  return_tensors="pt")
        ids = enc["input_ids"]
        with torch.no_grad():
            ref_i = model.encode_image(x, normalize=True)[0].numpy()
            ref_t = model.encode_text(ids, normalize=True)[0].numpy()
        out = os.path.join(tmp, "e.f32")
        subprocess.run([os.path.join(ROOT, "mlip"), "embed", "--model", conv, "--image", image,
                        "--out", out], check=True, capture_output=True)
        ci = float(np.dot(read_f32(out), ref_i))
        subprocess.run([os.path.join(ROOT, "mlip"), "embed", "--model", conv, "--text", SENTENCE,
                        "--out", out], check=True, capture_output=True)
        ct = float(np.dot(read_f32(out), ref_t))
        print("same input, cosine mlip vs open_clip: image %.7f (own preprocessing from the PGM), "
              "text %.7f (own tokenizer)" % (ci, ct))
        print("%-6s %-8s %12s %14s %12s %8s" % ("input", "threads", "open_clip ms", "(torch thr.)",
                                                 "mlip ms", "ratio"))
        for t in [int(v) for v in a.threads.split(",")]:
            ti, tti = torch_best_ms(torch, lambda: model.encode_image(x), t, a.runs)
            tt, ttt = torch_best_ms(torch, lambda: model.encode_text(ids), t, a.runs)
            mi = mlip_ms(["--model", conv, "--image", image, "--out", out], t, a.runs)
            mt = mlip_ms(["--model", conv, "--text", SENTENCE, "--out", out], t, a.runs)
            print("%-6s %-8d %12.1f %14d %12.1f %8.2f" % ("image", t, ti, tti, mi, mi / ti))
            print("%-6s %-8d %12.1f %14d %12.1f %8.2f" % ("text", t, tt, ttt, mt, mt / tt))


if __name__ == "__main__":
    main()
