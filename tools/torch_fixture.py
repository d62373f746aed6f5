#!/usr/bin/python3
"""Write the PyTorch checkpoint fixtures of tests/test_torch.c into tests/data/torch/.

usage: /usr/bin/python3 tools/torch_fixture.py   (needs python3-torch; deterministic seeds)

Good files are written by torch.save itself; expected.txt lists, for every tensor of every good
file, torch's own numbers: file, name, dtype, shape, sum and sum of squares (float64 over the
values as f32) and the first four values (row-major order). Hostile files are assembled here
(pickle bytes, zip entries) and are never loaded by anything but the C reader under test.
"""
import collections
import io
import os
import pickle
import struct
import sys
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "torch")
expected = []


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 3)
        self.ln = torch.nn.LayerNorm(3)
        self.emb = torch.nn.Embedding(5, 4)
        self.register_buffer("count", torch.tensor(7, dtype=torch.int64))
        self.scale = torch.nn.Parameter(torch.tensor(2.5))


def record(fname, sd):
    for name, t in sd.items():
        if not isinstance(t, torch.Tensor):
            continue
        v = t.detach().to(torch.float32).contiguous().reshape(-1).to(torch.float64)
        first = " ".join("%.9g" % x for x in v[:4].tolist())
        dtype = str(t.dtype).replace("torch.", "")
        shape = ",".join(str(d) for d in t.shape) or "-"
        expected.append("%s %s %s %s %.17g %.17g %s" % (fname, name, dtype, shape,
                                                        v.sum().item(), (v * v).sum().item(),
                                                        first))


def save(fname, obj, sd=None):
    torch.save(obj, os.path.join(OUT, fname))
    record(fname, sd if sd is not None else obj)


def write_zip(fname, entries, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(os.path.join(OUT, fname), "w") as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=method)


def raw(fname, data):
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(data)


class Storage:
    """A stand-in storage: pickled as torch's persistent id ('storage', type, key, 'cpu', n)."""

    def __init__(self, stype, key, numel):
        self.stype, self.key, self.numel = stype, key, numel


class FakeTensor:
    """Pickles as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, {})."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class TorchLikePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.stype, obj.key, "cpu", obj.numel)
        return None


def crafted(fname, obj, blobs):
    """A zip laid out as torch.save's: archive/data.pkl, archive/data/<key>, archive/version."""
    buf = io.BytesIO()
    TorchLikePickler(buf, protocol=2).dump(obj)
    entries = [("archive/data.pkl", buf.getvalue())]
    entries += [("archive/data/" + k, v) for k, v in blobs]
    entries.append(("archive/version", b"3\n"))
    write_zip(fname, entries)


class Evil:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


def evil_pickle(obj, replace=None):
    data = pickle.dumps(obj, protocol=2, fix_imports=False)
    if replace:
        data = data.replace(*replace)
    return data


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    m = Tiny()
    sd = m.state_dict()
    save("plain_f32.pt", sd)
    save("plain_f16.pt", m.half().state_dict())
    m = Tiny()
    torch.manual_seed(0)
    m = Tiny()
    save("plain_bf16.pt", m.to(torch.bfloat16).state_dict())
    torch.manual_seed(1)
    sd = Tiny().state_dict()
    save("nested.pt", {"epoch": 3, "state_dict": sd, "best": 0.5}, sd)
    torch.manual_seed(2)
    sd = Tiny().state_dict()
    pre = collections.OrderedDict(("module." + k, v) for k, v in sd.items())
    torch.save(pre, os.path.join(OUT, "module_prefix.pt"))
    record("module_prefix.pt", sd)  # names without the prefix
    base = torch.arange(20, dtype=torch.float32).reshape(4, 5) * 0.25 - 1.0
    views = collections.OrderedDict()
    views["whole"] = base
    views["row2"] = base[2]  # storage offset 10
    views["cols"] = base[:, 1:3]  # offset 1, strides (5, 1)
    views["tr"] = base.t()  # strides (1, 5)
    views["tail"] = base.reshape(-1)[13:]  # offset 13
    save("views.pt", views)
    torch.manual_seed(3)
    params = {"p": torch.nn.Parameter(torch.randn(3, 2)), "n": None, "k": 5}
    save("parameter.pt", params)
    save("f64_i64.pt", collections.OrderedDict(
        [("d", torch.linspace(-2, 2, 6, dtype=torch.float64).reshape(2, 3)),
         ("i", torch.arange(-3, 3, dtype=torch.int64)),
         ("b", torch.tensor([True, False, True])),
         ("u", torch.tensor([0, 7, 255], dtype=torch.uint8))]))

    # ---- hostile files: refused, never executed
    f32 = struct.pack("<4f", 1, 2, 3, 4)
    write_zip("os_system.pt", [("archive/data.pkl",
                                evil_pickle(Evil(os.system, "true"), (b"posix\nsystem", b"os\nsystem"))),
                               ("archive/version", b"3\n")])
    write_zip("eval.pt", [("archive/data.pkl", evil_pickle(Evil(eval, "1+1"))),
                          ("archive/version", b"3\n")])
    write_zip("load_from_bytes.pt", [("archive/data.pkl",
                                      evil_pickle(Evil(torch.storage._load_from_bytes, b"x"))),
                                     ("archive/version", b"3\n")])
    fs = torch.FloatStorage
    crafted("missing_storage.pt", {"w": FakeTensor(Storage(fs, "7", 4), 0, (4,), (1,))},
            [("0", f32)])
    crafted("small_storage.pt", {"w": FakeTensor(Storage(fs, "0", 4), 0, (2, 3), (3, 1))},
            [("0", f32)])
    crafted("offset_storage.pt", {"w": FakeTensor(Storage(fs, "0", 4), 2, (3,), (1,))},
            [("0", f32)])
    crafted("stride_storage.pt", {"w": FakeTensor(Storage(fs, "0", 4), 0, (2, 2), (3, 1))},
            [("0", f32)])
    crafted("numel_mismatch.pt", {"w": FakeTensor(Storage(fs, "0", 8), 0, (4,), (1,))},
            [("0", f32)])
    with open(os.path.join(OUT, "plain_f32.pt"), "rb") as f:
        good = f.read()
    raw("truncated.pt", good[: len(good) // 2])
    with zipfile.ZipFile(os.path.join(OUT, "plain_f32.pt")) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(os.path.join(OUT, "deflated.pt"), "w") as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name), data,
                       compress_type=zipfile.ZIP_DEFLATED if name.endswith("data.pkl")
                       else zipfile.ZIP_STORED)
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf, _use_new_zipfile_serialization=False)
    raw("legacy.pt", buf.getvalue())

    with open(os.path.join(OUT, "expected.txt"), "w") as f:
        f.write("# file name dtype shape sum sumsq first-values (torch %s)\n" % torch.__version__)
        f.write("\n".join(expected) + "\n")


if __name__ == "__main__":
    sys.exit(main())
