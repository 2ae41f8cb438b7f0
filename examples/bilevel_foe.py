"""Learn a small field-of-experts regulariser (filters, weights, smoothings).

Run: python examples/bilevel_foe.py   (about 5 s)

Eight 5x5 filters on four 32x32 crops of scikit-image's camera, noise 0.1.
The paper's setting is 48 filters of 7x7 (FieldOfExperts's defaults).
"""
import numpy as np
from skimage import data

from optsolve import minimize_bilevel
from optsolve.optimize.bilevel import FieldOfExperts

rng = np.random.default_rng(0)
cam = data.camera() / 255.0
clean = [cam[r:r + 128:4, c:c + 128:4] for r, c in ((0, 0), (200, 200), (300, 50), (100, 300))]
noisy = [c + 0.1 * rng.standard_normal(c.shape) for c in clean]

problem = FieldOfExperts(clean, noisy, n_filters=8, size=5)
theta0 = problem.theta0()
res = minimize_bilevel(problem, theta0, options={"max_work": 4000})
x0, x1 = problem.denoise(theta0), problem.denoise(res.x)
print(f"{theta0.size} parameters, work {res.nwork}, {res.nit} iterations")
print(f"upper loss (mean squared error / 2): {problem.upper_fun(x0):.4f} -> "
      f"{problem.upper_fun(x1):.4f}")
print(f"mean PSNR: noisy {problem.psnr(problem.noisy):.2f} dB, theta0 {problem.psnr(x0):.2f} dB, "
      f"learned {problem.psnr(x1):.2f} dB")
print("(the upper loss weighs every pixel alike, so it can fall while the mean of the "
      "per-image PSNRs does not rise)")
