"""Fixtures for MLIP_IMAGE_BICUBIC: small synthetic 8-bit images and what open_clip's eval
preprocess (Pillow + torchvision) makes of them, for tests/test_image.c (case pil_fixtures).

Writes tests/data/pil/: the inputs as PGM/PPM, the references as PPM (ToTensor's output is
k / 255, so 8-bit files hold it exactly) and cases.txt, one case a line:
    input size fit channels reference
fit is crop (resize_mode "shortest": Resize + CenterCrop) or pad (resize_mode "longest":
ResizeKeepRatio + CenterCropOrPad); channels 1 means Image.convert('L') before the transform
(the reference's first plane is compared).

Needs Debian's python3-pil and python3-torchvision and open_clip's source on PYTHONPATH:
    . ../shared/refimpl/env.sh && /usr/bin/python3 tools/pil_fixture.py
The reference is open_clip.transform.image_transform with mean 0 and std 1, so its Normalize
is the identity and the unit is 1/255."""
import io
import os
import sys

import numpy as np

try:
    from PIL import Image
    from open_clip.transform import image_transform
except ImportError as e:
    sys.exit(f"pil_fixture.py: {e}; install python3-pil python3-torchvision and put open_clip "
             "on PYTHONPATH (. ../shared/refimpl/env.sh)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "pil")

# name, width, height, channels of the file, maxval, output size, fit, output channels. The
# sizes cover both ways the centre crop's half-to-even rounding goes (offset 22 / 2, 21 / 2
# rounds down, 35 / 2 rounds up), a strong downscale (support 14 taps), upscaling, a 1-pixel
# side, the exact size, padding, a maxval below 255 and RGB -> gray.
CASES = [
    ("gray97x131", 97, 131, 1, 255, 64, "crop", 3),
    ("gray98x131", 98, 131, 1, 255, 64, "crop", 3),
    ("up20x31", 20, 31, 1, 255, 64, "crop", 3),
    ("rgb300x41", 300, 41, 3, 255, 32, "crop", 3),
    ("rgb300x41", 300, 41, 3, 255, 32, "pad", 3),
    ("gray200x173", 200, 173, 1, 255, 24, "crop", 3),
    ("gray200x173", 200, 173, 1, 255, 24, "pad", 3),
    ("line1x50", 1, 50, 1, 255, 16, "crop", 3),
    ("line3x50", 3, 50, 1, 255, 16, "pad", 3),
    ("exact48x48", 48, 48, 1, 255, 48, "crop", 3),
    ("max100_45x37", 45, 37, 1, 100, 32, "crop", 3),
    ("rgb57x43", 57, 43, 3, 255, 32, "crop", 1),
]


def synthetic(w, h, c, maxval, seed):
    """Smooth shading, a ring, noise and hard-edged blocks at 0 and maxval: the edges make the
    bicubic kernel overshoot, so the clamping in both passes is exercised."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for k in range(c):
        v = 0.5 + 0.3 * np.sin(x / (3.0 + k) + y / 5.0) + 0.2 * np.cos(np.hypot(x - w / 2, y - h / 3) / 2)
        v += rng.normal(0, 0.08, size=v.shape)
        v[(x.astype(int) // 7 + y.astype(int) // 5 + k) % 4 == 0] = 1.0
        v[(x.astype(int) // 5 + y.astype(int) // 7 + k) % 5 == 0] = 0.0
        planes.append(np.clip(np.rint(v * maxval), 0, maxval).astype(np.uint8))
    return np.stack(planes, axis=-1)


def pnm_bytes(a, maxval):
    h, w, c = a.shape
    magic = b"P5" if c == 1 else b"P6"
    return magic + b"\n%d %d\n%d\n" % (w, h, maxval) + a.tobytes()


def reference(path, size, fit, channels):
    im = Image.open(path)  # as open_clip's users open it: mode L or RGB from the file
    if channels == 1:
        im = im.convert("L")
    mode = "shortest" if fit == "crop" else "longest"
    t = image_transform(size, is_train=False, mean=(0.0,) * 3, std=(1.0,) * 3, resize_mode=mode)
    x = t(im).numpy()  # (3, size, size), k / 255
    k = np.rint(x * 255.0)
    assert np.abs(k / 255.0 - x).max() < 1e-7  # whole levels, so 8 bits hold it exactly
    return np.transpose(k.astype(np.uint8), (1, 2, 0))


def main():
    os.makedirs(OUT, exist_ok=True)
    lines = []
    made = {}
    for i, (name, w, h, c, maxval, size, fit, channels) in enumerate(CASES):
        src = name + (".pgm" if c == 1 else ".ppm")
        path = os.path.join(OUT, src)
        if src not in made:
            with open(path, "wb") as f:
                f.write(pnm_bytes(synthetic(w, h, c, maxval, 1000 + i), maxval))
            made[src] = True
        ref = f"{name}_{size}_{fit}_c{channels}.ppm"
        with open(os.path.join(OUT, ref), "wb") as f:
            f.write(pnm_bytes(reference(path, size, fit, channels), 255))
        lines.append(f"{src} {size} {fit} {channels} {ref}")
        print(f"{src:18s} -> {ref}")
    with open(os.path.join(OUT, "cases.txt"), "w") as f:
        f.write("# input size fit channels reference (tools/pil_fixture.py)\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
