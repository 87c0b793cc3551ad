# Reference values for the cmocka unit tests in tests/unit/.
#
# Run:  Rscript tests/unit/make_reference.R
# Needs R >= 4.2 and metafor 3.8.1 (the versions the values were made with).
# It prints C initialisers; each block names the test file and the array it
# was pasted into. The test suite itself never runs R.
#
# Iterative metafor estimators are run fully converged (conventions.md §4.6):
# threshold/tol 1e-13, so the references are the exact roots, not metafor's
# default early stop.
#
# Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.

suppressMessages(library(metafor))
stopifnot(packageVersion("metafor") == "3.8.1")
options(warn = -1)

ctl <- list(threshold = 1e-13, tol = 1e-13, maxiter = 10000, stepadj = 0.5)
g <- function(x) ifelse(is.na(x) | !is.finite(x), "NAN", sprintf("%.17g", x))
block <- function(title) cat("\n/* ---- ", title, " ---- */\n", sep = "")

## ------------------------------------------------------------------------
## 1. test_effects.c: escalc() on hand tables (array escalc_ref[])
## ------------------------------------------------------------------------
## The tables: no zero cell; a = 0; b = 0 (all events in trt); double zero
## (no events); double zero (only events); fractional counts.
ai  <- c(12,  0, 7,  0, 10, 2.5)
n1i <- c(50, 20, 7, 15, 10, 30.5)
ci  <- c( 5,  4, 3,  0, 12, 6)
n2i <- c(48, 21, 10, 16, 12, 29)

block("test_effects.c escalc_ref[]: {measure, cc_when, double_zero, table, yi, vi}")
to_name <- c(ZERO = "only0", ALL = "all", NEVER = "none")
for (m in c("RR", "OR", "RD")) {
  for (cw in names(to_name)) {
    for (dz in c("KEEP", "DROP")) {
      es <- escalc(m, ai = ai, n1i = n1i, ci = ci, n2i = n2i, add = 1/2,
                   to = to_name[[cw]], drop00 = (dz == "DROP"))
      for (i in seq_along(ai)) {
        yi <- es$yi[i]; vi <- es$vi[i]
        ## metafor gives Inf/NaN/NA where the library reports EDATA; those
        ## rows are tested in test_errors.c instead.
        ## escalc also recodes an infinite yi to NA, so only NAs of dropped
        ## double zeros are kept.
        dz00 <- (ai[i] == 0 && ci[i] == 0) || (ai[i] == n1i[i] && ci[i] == n2i[i])
        if ((!is.finite(yi) || !is.finite(vi) || vi <= 0) && !(dz == "DROP" && dz00)) next
        cat(sprintf("    {MTP_MEASURE_%s, MTP_CC_%s, MTP_DZ_%s, %d, %s, %s},\n",
                    m, cw, dz, i - 1, g(yi), g(vi)))
      }
    }
  }
}
## Peto: the library never corrects Peto's O-E and V (as rma.peto pools raw
## counts); compare with escalc(to = "none"). metafor's escalc("PETO") with its
## default to = "only0" does add 1/2 -- a documented difference.
for (dz in c("KEEP", "DROP")) {
  es <- escalc("PETO", ai = ai, n1i = n1i, ci = ci, n2i = n2i, to = "none",
               drop00 = (dz == "DROP"))
  for (i in seq_along(ai))
    cat(sprintf("    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_%s, %d, %s, %s},\n",
                dz, i - 1, g(es$yi[i]), g(es$vi[i])))
}
## a different correction size
es <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, add = 0.25, to = "only0")
block("test_effects.c escalc_cc025[]: OR, cc = 0.25, only0, keep")
for (i in c(1, 2, 3)) cat(sprintf("    {%d, %s, %s},\n", i - 1, g(es$yi[i]), g(es$vi[i])))

## Pooled fits of the same tables (test_effects.c pool_ref): RR, double zeros
## dropped (metafor: drop00 = TRUE), DL; then MH and Peto.
block("test_effects.c: RR DL on the hand tables, double zero dropped")
es <- escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, drop00 = TRUE)
r <- rma(yi, vi, data = es, method = "DL")
cat(sprintf("est %s se %s tau2 %s Q %s I2 %s\n", g(r$beta), g(r$se), g(r$tau2), g(r$QE), g(r$I2)))
r <- rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, measure = "RR")
cat(sprintf("MH RR est %s se %s Q %s I2 %s k %d\n", g(r$beta), g(r$se), g(r$QE), g(r$I2), r$k))
## rma.mh's drop00 only sets yi to NA: the table with all events in both arms
## (table 5) stays in the MH sums for RR, where it is not zero. The library
## drops it from MH as well; its value equals rma.mh without table 5.
r <- rma.mh(ai = ai[-5], n1i = n1i[-5], ci = ci[-5], n2i = n2i[-5], measure = "RR")
cat(sprintf("MH RR without table 5: est %s se %s Q %s I2 %s\n", g(r$beta), g(r$se), g(r$QE), g(r$I2)))
r <- rma.peto(ai = ai, n1i = n1i, ci = ci, n2i = n2i)
cat(sprintf("PETO est %s se %s Q %s I2 %s k %d\n", g(r$beta), g(r$se), g(r$QE), g(r$I2), r$k))

## ------------------------------------------------------------------------
## 2. test_conventions.c
## ------------------------------------------------------------------------
bcg <- dat.bcg
bcg$n1i <- bcg$tpos + bcg$tneg
bcg$n2i <- bcg$cpos + bcg$cneg
nw <- dat.nielweise2007

## (a) MH risk difference, Greenland & Robins (1985) variance as in R's meta.
## The meta package is not available from Debian 12 on this machine, so this
## is meta's own formula transcribed by hand from metabin.R (sm = "RD",
## method = "MH", MH.exact = TRUE, i.e. incr = 0; "Jon Deeks (1999)"):
##   R_i = (a b n2^3 + c d n1^3) / (n1 n2 N^2),  S_i = n1 n2 / N,
##   TE = weighted.mean(RD_i, S_i),  SE = sqrt(sum R / (sum S)^2).
## Double-zero studies are kept (meta keeps them for RD).
mh_rd_gr <- function(a, n1, c, n2) {
  a <- as.numeric(a); n1 <- as.numeric(n1); c <- as.numeric(c); n2 <- as.numeric(n2)
  b <- n1 - a; d <- n2 - c; N <- n1 + n2
  R <- (a * b * n2^3 + c * d * n1^3) / (n1 * n2 * N^2)
  S <- n1 * n2 / N
  c(est = weighted.mean(a / n1 - c / n2, S), se = sqrt(sum(R) / sum(S)^2))
}
block("test_conventions.c: MH RD with the Greenland-Robins variance")
x <- mh_rd_gr(nw$ai, nw$n1i, nw$ci, nw$n2i)
cat(sprintf("nielweise2007 GR: est %s se %s\n", g(x[["est"]]), g(x[["se"]])))
x <- mh_rd_gr(bcg$tpos, bcg$n1i, bcg$cpos, bcg$n2i)
cat(sprintf("bcg GR: est %s se %s\n", g(x[["est"]]), g(x[["se"]])))
## and the Sato et al. (1989) variance from metafor (the library's default)
r <- rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = nw, measure = "RD")
cat(sprintf("nielweise2007 Sato (rma.mh): est %s se %s Q %s\n", g(r$beta), g(r$se), g(r$QE)))

## (b) RevMan 5: DL with Q centred on the MH estimate, 0.5 added to zero-cell
## tables in the study estimates and inside MH, double zeros dropped.
## Emulated as conventions.md §4.4 describes.
revman <- function(measure, ai, n1i, ci, n2i) {
  mh <- rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, measure = measure,
               add = c(1/2, 1/2), to = c("only0", "only0"), drop00 = c(TRUE, TRUE))
  es <- escalc(measure, ai = ai, n1i = n1i, ci = ci, n2i = n2i, drop00 = TRUE)
  es <- es[!is.na(es$yi), ]
  w <- 1 / es$vi
  k <- nrow(es)
  C <- sum(w) - sum(w^2) / sum(w)
  tau2 <- max(0, (mh$QE - (k - 1)) / C)
  r <- rma(yi, vi, data = es, tau2 = tau2)
  c(tau2 = tau2, Q = mh$QE, I2 = 100 * max(0, (mh$QE - (k - 1)) / mh$QE),
    est = r$beta[1], se = r$se, lb = r$ci.lb, ub = r$ci.ub, k = k,
    mh = mh$beta[1])
}
block("test_conventions.c: RevMan emulation")
x <- revman("RR", bcg$tpos, bcg$n1i, bcg$cpos, bcg$n2i)
cat("bcg RR:", paste(names(x), g(x)), "\n")
x <- revman("OR", nw$ai, nw$n1i, nw$ci, nw$n2i)
cat("nielweise2007 OR:", paste(names(x), g(x)), "\n")

## (c) Q-based I² with a random-effects method (bcg RR, REML)
es_bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
block("test_conventions.c: bcg RR REML, Q-based I2")
r <- rma(yi, vi, data = es_bcg, method = "REML", control = ctl)
cat(sprintf("tau2 %s Q %s I2_tau %s I2_Q %s H2_Q %s\n", g(r$tau2), g(r$QE), g(r$I2),
            g(100 * max(0, (r$QE - (r$k - 1)) / r$QE)), g(r$QE / (r$k - 1))))

## (d) level 0.90 and 0.99 (bcg RR REML; PI t(k-2) = metafor pi.type = "riley")
for (lev in c(90, 99)) {
  block(sprintf("test_conventions.c: bcg RR REML level %d", lev))
  r <- rma(yi, vi, data = es_bcg, method = "REML", level = lev, control = ctl)
  p <- predict(r, pi.type = "riley")
  ci <- confint(r, control = list(tol = 1e-13))
  cat(sprintf("est %s se %s lb %s ub %s pi_lb %s pi_ub %s tau2_lb %s tau2_ub %s\n",
              g(r$beta), g(r$se), g(r$ci.lb), g(r$ci.ub), g(p$pi.lb), g(p$pi.ub),
              g(ci$random[1, 2]), g(ci$random[1, 3])))
  rk <- rma(yi, vi, data = es_bcg, method = "REML", level = lev, test = "knha", control = ctl)
  cat(sprintf("knha: se %s lb %s ub %s p %s\n", g(rk$se), g(rk$ci.lb), g(rk$ci.ub), g(rk$pval)))
}

## (e) tau2 fixed by the caller (bcg RR, tau2 = 0.1)
block("test_conventions.c: bcg RR tau2 = 0.1")
r <- rma(yi, vi, data = es_bcg, tau2 = 0.1)
p <- predict(r)
cat(sprintf("est %s se %s lb %s ub %s z %s p %s I2 %s H2 %s pi_lb %s pi_ub %s Q %s\n",
            g(r$beta), g(r$se), g(r$ci.lb), g(r$ci.ub), g(r$zval), g(r$pval), g(r$I2),
            g(r$H2), g(p$pi.lb), g(p$pi.ub), g(r$QE)))
r <- rma(yi, vi, data = es_bcg, tau2 = 0.1, test = "knha")
cat(sprintf("knha: se %s lb %s ub %s\n", g(r$se), g(r$ci.lb), g(r$ci.ub)))

## (f) Q-profile CI: Q(0) below the lower chi-square quantile (both bounds 0),
## and between the two quantiles (lower bound 0, upper bound positive).
block("test_conventions.c: Q-profile corner cases")
y1 <- c(0.10, 0.12, 0.11, 0.13); v1 <- c(0.20, 0.30, 0.25, 0.22)
r <- rma(y1, v1, method = "REML", control = ctl)
ci <- confint(r, control = list(tol = 1e-13))
cat(sprintf("below: Q %s crit_lo %s lb %s ub %s\n", g(r$QE), g(qchisq(0.025, 3)),
            g(ci$random[1, 2]), g(ci$random[1, 3])))
y2 <- c(-0.30, 0.25, 0.10, 0.55, -0.05); v2 <- c(0.10, 0.08, 0.12, 0.15, 0.09)
r <- rma(y2, v2, method = "REML", control = ctl)
ci <- confint(r, control = list(tol = 1e-13))
cat(sprintf("between: Q %s crit %s %s lb %s ub %s I2lb %s I2ub %s H2ub %s\n", g(r$QE),
            g(qchisq(0.025, 4)), g(qchisq(0.975, 4)), g(ci$random[1, 2]), g(ci$random[1, 3]),
            g(ci$random[3, 2]), g(ci$random[3, 3]), g(ci$random[4, 3])))

## ------------------------------------------------------------------------
## 3. test_edge.c: k = 2 for every estimator
## ------------------------------------------------------------------------
block("test_edge.c k2_ref[]: {method, tau2, estimate, se}")
y <- c(0.2, 0.9); v <- c(0.04, 0.09)
for (m in c("DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB")) {
  r <- rma(y, v, method = m, control = ctl)
  cat(sprintf("    {MTP_METHOD_%s, %s, %s, %s},\n", m, g(r$tau2), g(r$beta), g(r$se)))
}
r <- rma(y, v, method = "FE")
cat(sprintf("FE: est %s se %s Q %s I2 %s H2 %s\n", g(r$beta), g(r$se), g(r$QE), g(r$I2), g(r$H2)))

## ------------------------------------------------------------------------
## 4. test_effects.c: mtp_effect_from_ci (Cochrane Handbook 6.3.2)
## ------------------------------------------------------------------------
block("test_effects.c: effect from CI")
cat(sprintf("OR 0.5 [0.25, 1.1], 95%%: yi %s vi %s\n", g(log(0.5)),
            g(((log(1.1) - log(0.25)) / (2 * qnorm(0.975)))^2)))
cat(sprintf("MD 1.3 [-0.2, 2.9], 90%%: yi %s vi %s\n", g(1.3),
            g(((2.9 - -0.2) / (2 * qnorm(0.95)))^2)))
