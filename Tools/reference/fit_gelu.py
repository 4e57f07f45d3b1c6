"""Coefficients of SIMDMath.gelu's rational approximation of the normal CDF, and its float32 error.

Φ(x) − ½ = x · P(x²) / Q(x²) on |x| ≤ C (Q's constant term 1), fitted for the smallest maximum absolute error:
linearised least squares on a dense grid (Sanathanan–Koerner: each pass divides by the previous Q), with Lawson's
weights (multiplied by the pass's error) driving it toward the minimax fit. Beyond C, Φ is 0 or 1 in float32 to
within its rounding (Φ(−6) ≈ 1e-9), so the kernel clamps x to ±C inside Φ.

Usage: Tools/.venv/bin/python Tools/reference/fit_gelu.py [C P-degree Q-degree]   (defaults: 6 6 4)
Prints the coefficients in powers of x² (for the Swift source) and the float32 evaluation's worst error of
GELU(x) = x · Φ(x) over [−C−2, C+2], absolute and relative to max(1, |x|)."""
import math
import sys

import numpy as np


def fit(c, m, n, points=20000, passes=200):
    x = np.linspace(0, c, points + 1)[1:]
    f = np.array([0.5 * math.erf(v / math.sqrt(2)) for v in x])
    t = x * x / (c * c)  # scaled variable keeps the least-squares system well conditioned
    w = np.ones_like(x)
    q_prev = np.ones_like(x)
    best = None
    for _ in range(passes):
        a = np.hstack([x[:, None] * t[:, None] ** np.arange(m + 1), -(f[:, None] * t[:, None] ** np.arange(1, n + 1))])
        scale = np.sqrt(w) / q_prev
        sol, *_ = np.linalg.lstsq(a * scale[:, None], f * scale, rcond=None)
        p, q = sol[: m + 1], np.concatenate([[1.0], sol[m + 1:]])
        q_prev = np.polyval(q[::-1], t)
        err = x * np.polyval(p[::-1], t) / q_prev - f
        worst = np.abs(err).max()
        if best is None or worst < best[0]:
            best = (worst, p.copy(), q.copy())
        w = np.maximum(w * np.abs(err) / (w * np.abs(err)).sum(), 1e-12)
    worst, p, q = best
    return worst, p / (c * c) ** np.arange(m + 1), q / (c * c) ** np.arange(n + 1)


def float32_gelu(xs, c, pz, qz):
    """The kernel's arithmetic in float32: x limited below to −C, Φ's argument to ±C, Horner for P and Q."""
    f32 = np.float32
    xl = np.where(xs < -c, f32(-c), xs).astype(f32)
    u = np.minimum(xl, f32(c)).astype(f32)
    z = (u * u).astype(f32)

    def horner(cs):
        r = np.full_like(z, f32(cs[-1]))
        for v in cs[-2::-1]:
            r = (r * z + f32(v)).astype(f32)
        return r

    phi = (f32(0.5) + u * (horner(pz) / horner(qz))).astype(f32)
    return (xl * phi).astype(np.float64)


def main():
    c, m, n = (float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) == 4 else (6.0, 6, 4)
    worst, pz, qz = fit(c, m, n)
    print(f"C = {c}, P degree {m}, Q degree {n} (in x²): max |Φ error| in double {worst:.3g}")
    print("P:", ", ".join(f"{v:.10e}" for v in pz))
    print("Q:", ", ".join(f"{v:.10e}" for v in qz))
    xs = np.linspace(-c - 2, c + 2, 400001).astype(np.float32)
    ref = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in xs.astype(np.float64)])
    err = np.abs(float32_gelu(xs, c, pz, qz) - ref)
    print(f"float32 GELU: max abs error {err.max():.3g}, max error / max(1, |x|) {(err / np.maximum(1, np.abs(xs))).max():.3g}")


if __name__ == "__main__":
    main()
