#!/usr/bin/env python3
"""Coefficients of Temme's uniform expansion of the incomplete gamma
function, as used by lib/core/dist.c (TEMME_C0 .. TEMME_C3). Run by hand:
    python3 tests/unit/make_temme_coefficients.py
and paste the output into dist.c. Exact rational arithmetic (fractions).

Temme (1979, SIAM J Math Anal 10:757); DLMF 8.12.8-8.12.11:
  Q(a, x) ~ erfc(eta sqrt(a/2))/2 + exp(-a eta^2/2)/sqrt(2 pi a) sum_k c_k(eta) a^-k,
  eta^2/2 = mu - log(1 + mu), mu = lambda - 1 = x/a - 1,
  c_0 = 1/mu - 1/eta,  c_k = (1/eta) c_{k-1}'(eta) + (-1)^k g_k / mu,
with g_k Stirling's coefficients of Gamma(a) (DLMF 5.11.3): 1, 1/12, 1/288,
-139/51840. mu(eta) comes from reverting the series of mu - log(1 + mu).
Checks: c_0 = -1/3 + eta/12 - 2 eta^2/135 + ..., c_1(0) = -1/540,
c_2(0) = 25/6048, c_3(0) = 101/155520 (DLMF 8.12.9, Temme 1979).
"""
from fractions import Fraction as F

N = 40        # terms kept in the power series of u = mu/eta
TERMS = 26    # coefficients printed per c_k


def mul(a, b):
    r = [F(0)] * N
    for i, x in enumerate(a):
        if x:
            for j in range(N - i):
                r[i + j] += x * b[j]
    return r


def inverse(a):
    r = [F(0)] * N
    r[0] = 1 / a[0]
    for n in range(1, N):
        r[n] = -sum(a[k] * r[n - k] for k in range(1, n + 1)) / a[0]
    return r


# mu = eta u(eta): eta^2/2 = sum_{k>=2} (-1)^k mu^k/k, i.e.
# 1/2 = sum_{k>=2} (-1)^k eta^(k-2) u^k / k; fixed-point iteration fixes one
# more coefficient of u per step.
u = [F(0)] * N
u[0] = F(1)
for _ in range(N + 2):
    s = [F(0)] * N
    p = mul(u, u)
    for k in range(2, N + 2):
        for i in range(N - (k - 2)):
            s[i + k - 2] += F((-1) ** k, k) * p[i]
        p = mul(p, u)
    u = [u[i] - (s[i] - (F(1, 2) if i == 0 else 0)) for i in range(N)]

inv_mu = {i - 1: c for i, c in enumerate(inverse(u)) if c}   # Laurent series of 1/mu
g = [F(1), F(1, 12), F(1, 288), F(-139, 51840)]
c = dict(inv_mu)
c[-1] -= 1
c = {k: v for k, v in c.items() if v}
cs = [c]
for k in range(1, 4):
    d = {}
    for p_, v in cs[-1].items():
        if p_:
            d[p_ - 2] = d.get(p_ - 2, 0) + p_ * v
    for p_, v in inv_mu.items():
        d[p_] = d.get(p_, 0) + (-1) ** k * g[k] * v
    cs.append({p_: v for p_, v in d.items() if v})

assert cs[0][0] == F(-1, 3) and cs[1][0] == F(-1, 540)
assert cs[2][0] == F(25, 6048) and cs[3][0] == F(101, 155520)
for k, ck in enumerate(cs):
    assert not [p_ for p_ in ck if p_ < 0], "c_%d has negative powers" % k
    vals = ["%.17e" % float(ck.get(n, 0)) for n in range(TERMS)]
    print("static const double TEMME_C%d[%d] = {" % (k, TERMS))
    for i in range(0, TERMS, 3):
        print("    " + ", ".join(vals[i:i + 3]) + ("," if i + 3 < TERMS else ""))
    print("};")
