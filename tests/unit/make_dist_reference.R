# Reference values for tests/unit/test_dist.c (issue 13): R's pnorm, qnorm,
# pt, qt, pchisq, qchisq and pf (R >= 4.2; pt and pf are TOMS 708's pbeta,
# pchisq is Welinder's pgamma), printed as C initialisers
# {arg1, arg2, arg3, value}. Run by hand from the repository root:
#   Rscript tests/unit/make_dist_reference.R
# and paste the output into test_dist.c between the marker lines.
# Left out on purpose: qt for df < 1 or p < 1e-20, where R's qt is off by up
# to 1% (checked against mpmath and against R's own pt): test_dist.c checks
# those quantiles by round trip through pt instead.
f <- function(...) cat(sprintf(...), sep = "")
row <- function(a, b, c, v) f("    {%.17g, %.17g, %.17g, %.17g},\n", a, b, c, v)

f("/* ---- begin make_dist_reference.R output ---- */\n")
f("static const ref4 ref_pnorm[] = {\n")
for (z in c(-38, -8.5, -3, -1.959963984540054, -0.5, -1e-10, 0, 1e-10, 0.5, 1,
            1.959963984540054, 3, 8.5, 20, 37.5))
  row(z, 0, 0, pnorm(z, lower.tail = FALSE))
f("};\n")

ps <- c(1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.025, 0.05, 0.3, 0.5, 0.7,
        0.975, 0.999, 1 - 1e-10, 1 - 1e-16)
f("static const ref4 ref_qnorm[] = {\n")
for (p in ps) row(p, 0, 0, qnorm(p, lower.tail = FALSE))
f("};\n")

dfs_t <- c(1e-3, 0.1, 1, 2.5, 10, 31, 100, 1000, 3000, 1e4, 7e5, 1e6, 1e7, 1e9, 1e12)
f("static const ref4 ref_pt[] = {\n")
for (d in dfs_t) for (t in c(-30, -1.5, 0.1, 1, 1.96, 5, 30, 1e3, 1e10, 1e200))
  row(t, d, 0, pt(t, d, lower.tail = FALSE))
f("};\n")

f("static const ref4 ref_qt[] = {\n")
for (d in c(1, 2.5, 10, 31, 100, 1000, 7e5, 1e6, 1e7, 1e9, 1e12))
  for (p in c(1e-20, 1e-10, 1e-5, 0.001, 0.025, 0.1, 0.3, 0.7, 0.975, 1 - 1e-10))
    row(p, d, 0, qt(p, d, lower.tail = FALSE))
f("};\n")

dfs_c <- c(1e-3, 0.5, 1, 3, 10, 100, 999, 1001, 1e4, 7e5, 1e6, 1e7, 1e9, 1e12)
f("static const ref4 ref_pchisq[] = {\n")
for (d in dfs_c) for (p in c(1e-300, 1e-100, 1e-10, 0.025, 0.5, 0.975, 1 - 1e-10))
  for (m in c(0.9, 1, 1.1)) {
    x <- m * qchisq(p, d, lower.tail = FALSE)
    if (x > 0 && is.finite(x)) row(x, d, 0, pchisq(x, d, lower.tail = FALSE))
  }
f("};\n")

f("static const ref4 ref_qchisq_upper[] = {\n")
for (d in dfs_c) for (p in ps) {
  q <- qchisq(p, d, lower.tail = FALSE)
  if (q > 0) row(p, d, 0, q)
}
f("};\n")
f("static const ref4 ref_qchisq_lower[] = {\n")
for (d in dfs_c) for (p in ps) {
  q <- qchisq(p, d)
  if (q > 0) row(p, d, 0, q)
}
f("};\n")

dfs_f <- c(0.5, 1, 3, 10, 1000, 1e6, 1e9, 1e12)
f("static const ref4 ref_pf[] = {\n")
for (d1 in dfs_f) for (d2 in dfs_f) for (x in c(0.01, 0.5, 0.999, 1, 1.5, 4, 100))
  row(x, d1, d2, pf(x, d1, d2, lower.tail = FALSE))
f("};\n")
f("/* ---- end make_dist_reference.R output ---- */\n")
