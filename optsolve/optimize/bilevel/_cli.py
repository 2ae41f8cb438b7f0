"""``optsolve bilevel``: learn total-variation denoising parameters from images."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ._options import METHODS, OPTIONS, default_text

# flags of their own: --seed seeds the noise, --max-work has a finite default
_OWN = {"seed", "max_work"}
_NONE = object()   # "none" on the command line: the option's None (off)
_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".pgm"}


def add_parser(subparsers):
    p = subparsers.add_parser(
        "bilevel",
        help="learn TV denoising parameters from images (bilevel learning, MAID)",
        description="Learn theta = (log lambda, log nu) of smoothed total-variation "
                    "denoising from clean images: Gaussian noise is added with a fixed "
                    "seed, then minimize_bilevel fits theta so that the denoised images "
                    "are closest to the clean ones. Prints theta and the PSNR before "
                    "and after.")
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="image files (PNG, JPEG, ...) or folders holding them; "
                        "converted to grayscale in [0, 1]")
    p.add_argument("--size", type=int, default=None, metavar="N",
                   help="resize every image to N x N pixels (needed when sizes differ)")
    p.add_argument("--sigma", type=float, default=0.1,
                   help="standard deviation of the added noise (default 0.1)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.add_argument("--method", choices=METHODS, default="maid",
                   help="bilevel method (default maid)")
    p.add_argument("--max-work", type=int, default=20000, metavar="N",
                   help="budget on lower-level + CG iterations (default 20000)")
    p.add_argument("--tol", type=float, default=1e-5,
                   help="stop when the certified hypergradient norm is below this")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="print a progress table (-vv: every iteration)")
    group = p.add_argument_group(
        "method options", "The options of minimize_bilevel (default: the method's own; "
        "each applies to the methods named in brackets).")
    for opt in OPTIONS:
        if opt.name not in _OWN:
            group.add_argument("--" + opt.name.replace("_", "-"), dest=opt.name, default=None,
                               **_flag(opt))
    p.set_defaults(func=run)
    return p


def _word_or_number(text):
    try:
        return float(text)
    except ValueError:
        return _NONE if text == "none" else text


def _flag(opt):
    """argparse keywords for one row of the options table; the values are
    checked by ``minimize_bilevel`` so that errors read the same as in Python."""
    where = "/".join(opt.methods) if opt.methods != METHODS else "all"
    help_ = f"{opt.desc.replace('``', '')} [{where}; {default_text(opt)}]".replace("%", "%%")
    if opt.kind == "choice":
        return {"choices": opt.choices, "help": help_}
    if opt.kind == "int":
        return {"type": int, "metavar": "N", "help": help_}
    metavar = "|".join(opt.choices + ("X",) + (("none",) if opt.none else ()))
    return {"type": _word_or_number, "metavar": metavar, "help": help_}


def _error(msg):
    print(f"optsolve bilevel: error: {msg}", file=sys.stderr)
    return 1


def _collect(paths):
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(f for f in path.iterdir() if f.suffix.lower() in _EXTENSIONS)
            if not found:
                raise ValueError(f"{path}: folder holds no image files")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise ValueError(f"{path}: no such file or folder")
    return files


def load_images(paths, size=None):
    """Grayscale images in [0, 1] from files/folders, optionally resized to size x size."""
    from PIL import Image, UnidentifiedImageError

    images = []
    for f in _collect(paths):
        try:
            with Image.open(f) as im:
                im = im.convert("L")
                if size is not None:
                    im = im.resize((size, size), Image.Resampling.BICUBIC)
                images.append(np.asarray(im, dtype=float) / 255.0)
        except (UnidentifiedImageError, OSError) as exc:
            raise ValueError(f"{f}: cannot read image ({exc})") from None
    shapes = {a.shape for a in images}
    if len(shapes) > 1:
        raise ValueError(f"images have different sizes {sorted(shapes)}; pass --size N")
    return images


def run(args) -> int:
    from . import TVDenoising, minimize_bilevel

    if args.size is not None and args.size < 2:
        return _error("--size must be at least 2")
    if not args.sigma >= 0:
        return _error("--sigma must be non-negative")
    try:
        clean = load_images(args.images, args.size)
    except ValueError as exc:
        return _error(str(exc))
    rng = np.random.default_rng(args.seed)
    noisy = [c + args.sigma * rng.standard_normal(c.shape) for c in clean]
    options = {"max_work": args.max_work}
    for opt in OPTIONS:
        value = getattr(args, opt.name, None)
        if value is not None and opt.name not in _OWN:
            options[opt.name] = None if value is _NONE else value
    try:
        prob = TVDenoising(clean, noisy)
        theta0 = prob.theta0()
        res = minimize_bilevel(prob, theta0, method=args.method, tol=args.tol,
                               options=options, verbose=args.verbose)
    except ValueError as exc:
        return _error(str(exc))
    h, w = clean[0].shape
    lam, nu = np.exp(res.x)
    print(f"images: {len(clean)} ({h}x{w}), noise sigma {args.sigma}, seed {args.seed}")
    print(f"method: {args.method}, status {res.status}: {res.message}")
    print(f"theta: log lambda = {res.x[0]:.4f}, log nu = {res.x[1]:.4f} "
          f"(lambda = {lam:.4g}, nu = {nu:.4g})")
    before = prob.psnr(prob.denoise(theta0))
    after = prob.psnr(prob.denoise(res.x))
    print(f"PSNR: noisy {prob.psnr(prob.noisy):.2f} dB, theta0 {before:.2f} dB, "
          f"learned {after:.2f} dB")
    print(f"work: {res.nwork} (lower {res.nlower}, cg {res.ncg}), iterations {res.nit}, "
          f"upper loss {res.fun:.6g}, {res.time:.2f} s")
    return 0
