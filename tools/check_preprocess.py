"""mlip_image_preprocess with MLIP_IMAGE_BICUBIC against open_clip's own eval preprocess on every
real chest X-ray in ../shared/data/cxr (make check-preprocess).

open_clip.transform.image_transform(size, is_train=False, mean 0, std 1, resize_mode) is Pillow's
bicubic Resize + CenterCrop (resize_mode "shortest", fit crop) or ResizeKeepRatio +
CenterCropOrPad ("longest", fit pad), then convert('RGB') + ToTensor; mean 0 and std 1 make its
Normalize the identity, so differences are in units of 1/255. The C side is a small driver
compiled here against the project's mlip.h. Prints, per image and fit, the fraction of values
within 1/255 and the largest difference; the bar is >= 99.9% within 1/255 on every image.

usage: python3 tools/check_preprocess.py [--size N] [--fit crop|pad|both] [--quiet]
Data and reference: $MLIP_SHARED (default ../shared from the project root) holds data/cxr and
refimpl (open_clip's source, whose env.sh this script sources itself). Needs Debian's
python3-pil, python3-torchvision and python3-numpy. Anything missing: a printed SKIP, exit 0.
Last line "N passed, M failed" (images x fits)."""
import argparse
import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("MLIP_SHARED", os.path.join(ROOT, "..", "shared"))
CXR = os.path.join(SHARED, "data", "cxr")
REFIMPL_ENV = os.path.join(SHARED, "refimpl", "env.sh")
BAR = 0.999

# Reads each file named after "size fit", preprocesses it to (3, size, size) and writes the
# floats to stdout; a failure prints the library's message and exits 1.
DRIVER = r"""
#define MLIP_IMPLEMENTATION
#include "mlip.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    int size = argc > 2 ? atoi(argv[1]) : 0, i;
    mlip_preprocess_options o;
    float *out;
    if (size <= 0) return 2;
    out = (float *)malloc(sizeof(float) * 3 * (size_t)size * size);
    memset(&o, 0, sizeof o);
    o.resize = MLIP_IMAGE_BICUBIC;
    o.fit = strcmp(argv[2], "pad") ? MLIP_IMAGE_CROP : MLIP_IMAGE_PAD;
    for (i = 3; i < argc; i++) {
        mlip_image im;
        if (mlip_image_read_file(argv[i], NULL, &im) ||
            mlip_image_preprocess(&im, &o, out, size, 3)) {
            fprintf(stderr, "%s: %s\n", argv[i], mlip_last_error());
            return 1;
        }
        fwrite(out, sizeof(float), 3 * (size_t)size * size, stdout);
        mlip_image_free(&im);
    }
    free(out);
    return 0;
}
"""


def skip(reason):
    print(f"SKIP check_preprocess: {reason}")
    sys.exit(0)


def reexec(reason):
    """Runs this script again under refimpl/env.sh (open_clip on PYTHONPATH) with Debian's
    python3 (Pillow, torchvision) when the first attempt lacks them; once."""
    if os.environ.get("MLIP_CHECK_REEXEC"):
        skip(reason)
    os.environ["MLIP_CHECK_REEXEC"] = "1"
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    env_sh = REFIMPL_ENV if os.path.exists(REFIMPL_ENV) else "/dev/null"
    cmd = '. "$1" && shift && exec "$@"'
    os.execvp("bash", ["bash", "-c", cmd, "_", env_sh, python, os.path.abspath(__file__)] +
              sys.argv[1:])


def import_reference():
    """numpy, PIL and open_clip's image_transform, or a SKIP naming what is missing."""
    try:
        import numpy as np
        from PIL import Image
        from open_clip.transform import image_transform
    except ImportError as e:
        reexec(f"{e} (needs python3-numpy, python3-pil, python3-torchvision and open_clip "
               f"from {REFIMPL_ENV})")
    return np, Image, image_transform


def build_driver():
    out_dir = os.path.join(ROOT, "build", "check_preprocess")
    os.makedirs(out_dir, exist_ok=True)
    src, exe = os.path.join(out_dir, "driver.c"), os.path.join(out_dir, "driver")
    with open(src, "w") as f:
        f.write(DRIVER)
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-std=c99", "-O2", "-I", ROOT, "-o", exe, src, "-lm", "-lpthread"],
                   check=True)
    return exe


def check_fit(np, Image, image_transform, exe, files, size, fit, quiet):
    """Per image: fraction within 1/255 and max difference; returns (passed, failed, worst,
    values within, values)."""
    mode = "shortest" if fit == "crop" else "longest"
    t = image_transform(size, is_train=False, mean=(0.0,) * 3, std=(1.0,) * 3, resize_mode=mode)
    raw = subprocess.run([exe, str(size), fit] + files, stdout=subprocess.PIPE, check=True).stdout
    ours = np.frombuffer(raw, np.float32).reshape(len(files), 3, size, size)
    passed = failed = within_all = total = 0
    worst = 0.0
    for path, got in zip(files, ours):
        with Image.open(path) as im:
            ref = t(im).numpy()
        d = np.abs(ref.astype(np.float64) - got) * 255.0
        within = int((d <= 1 + 1e-4).sum())
        frac, mx = within / d.size, float(d.max())
        ok = frac >= BAR
        passed, failed = passed + ok, failed + (not ok)
        within_all, total, worst = within_all + within, total + d.size, max(worst, mx)
        if not quiet or not ok:
            print(f"{os.path.basename(path)} {fit}: {100 * frac:.3f}% within 1/255, "
                  f"max diff {mx:.3g}/255{'' if ok else '  BELOW THE BAR'}")
    return passed, failed, worst, within_all, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--fit", choices=["crop", "pad", "both"], default="both")
    ap.add_argument("--quiet", action="store_true", help="per-image lines only below the bar")
    args = ap.parse_args()
    files = sorted(glob.glob(os.path.join(CXR, "*.pgm")))
    if not files:
        skip(f"no chest X-rays in {CXR} (set MLIP_SHARED)")
    np, Image, image_transform = import_reference()
    exe = build_driver()
    passed = failed = 0
    for fit in (["crop", "pad"] if args.fit == "both" else [args.fit]):
        p, f, worst, within, total = check_fit(np, Image, image_transform, exe, files,
                                               args.size, fit, args.quiet)
        print(f"== {fit} (open_clip resize_mode {'shortest' if fit == 'crop' else 'longest'}), "
              f"size {args.size}: {len(files)} images, {100 * within / total:.4f}% of values "
              f"within 1/255, max diff {worst:.3g}/255, {f} below the bar")
        passed, failed = passed + p, failed + f
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
