"""Learn a small field-of-experts regulariser (filters, weights, smoothings).

Run: python examples/bilevel_foe.py   (about 30 s)

Eight 5x5 filters on four 48x48 crops of scikit-image samples, noise 0.1.
The paper's setting is 48 filters of 7x7 (FieldOfExperts's defaults).
"""
import numpy as np
from skimage import data

from optsolve import minimize_bilevel
from optsolve.optimize.bilevel import FieldOfExperts

rng = np.random.default_rng(0)
cam = data.camera() / 255.0
clean = [cam[r:r + 192:4, c:c + 192:4] for r, c in ((0, 0), (200, 200), (300, 50), (100, 300))]
noisy = [c + 0.1 * rng.standard_normal(c.shape) for c in clean]

problem = FieldOfExperts(clean, noisy, n_filters=8, size=5)
theta0 = problem.theta0()
res = minimize_bilevel(problem, theta0, options={"max_work": 3000})
print(f"{theta0.size} parameters, work {res.nwork}, upper loss {res.fun:.4f}")
print(f"PSNR noisy {problem.psnr(problem.noisy):.2f} dB, theta0 "
      f"{problem.psnr(problem.denoise(theta0)):.2f} dB, learned "
      f"{problem.psnr(problem.denoise(res.x)):.2f} dB")
