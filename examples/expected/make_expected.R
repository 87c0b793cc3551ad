# Expected output of the example programs, computed independently with R's
# metafor, in the programs' own print formats.
#
# Run from the repository root:  Rscript examples/expected/make_expected.R
# It writes examples/expected/<example>.txt (committed). Every line of such a
# file must appear, as it is, in the example's output (examples/check_output.cmake);
# the ctests themselves never run R. Made with R 4.2 and metafor 3.8.1.
# Only numbers metafor computes are checked (not, e.g., iteration counts).
#
# Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.

suppressMessages({ library(metafor); library(metadat) })
stopifnot(packageVersion("metafor") == "3.8.1")
options(warn = -1)
ctl <- list(threshold = 1e-13, tol = 1e-13, maxiter = 10000)
put <- function(name, lines) {
  writeLines(lines, file.path("examples/expected", paste0(name, ".txt")))
  cat("wrote", name, "\n")
}
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)

## ---- pool_2x2.c: BCG, RR, REML, z test, PI with t(k-2) ---------------------
r <- rma(yi, vi, data = bcg, method = "REML", control = ctl)
ci <- confint(r, control = list(tol = 1e-13))$random
crit <- qt(0.975, r$k - 2)
sd <- sqrt(r$se^2 + r$tau2)
put("pool_2x2", c(
  sprintf("RR %.4f (95%% CI %.4f to %.4f), p = %.2g", exp(r$b), exp(r$ci.lb), exp(r$ci.ub), r$pval),
  sprintf("prediction interval %.4f to %.4f", exp(r$b - crit * sd), exp(r$b + crit * sd)),
  sprintf("tau2 %.4f (95%% CI %.4f to %.4f), I2 %.1f%%, Q %.2f on %.0f df", r$tau2,
          ci["tau^2", "ci.lb"], ci["tau^2", "ci.ub"], r$I2, r$QE, r$k - 1),
  paste0("weights (%):", paste(sprintf(" %.2f", weights(r)), collapse = ""))))

## ---- ratio_ci.c: Steffens education / LBP / short term, DL ----------------
pub <- data.frame(rr = c(1.01, 0.93, 1.17), lo = c(0.73, 0.67, 0.83), hi = c(1.38, 1.27, 1.65))
yi <- log(pub$rr)
sei <- (log(pub$hi) - log(pub$lo)) / (2 * qnorm(0.975))
r <- rma(yi, sei = sei, method = "DL")
put("ratio_ci", c(
  sprintf("study %d: log RR %.4f, SE %.4f", 1:3, yi, sei),
  sprintf("RR %.2f (95%% CI %.2f to %.2f), tau2 %.4f", exp(r$b), exp(r$ci.lb), exp(r$ci.ub), r$tau2)))

## ---- estimators.c: BCG, every tau² estimator, z and HKSJ ------------------
lines <- character(0)
for (m in c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB")) {
  z <- rma(yi, vi, data = bcg, method = m, control = ctl)
  k <- rma(yi, vi, data = bcg, method = m, test = "knha", control = ctl)
  lines <- c(lines, sprintf("%-5s %8.4f %8.4f  %.4f to %.4f  %.4f to %.4f", m, z$tau2, exp(z$b),
                            exp(z$ci.lb), exp(z$ci.ub), exp(k$ci.lb), exp(k$ci.ub)))
}
put("estimators", lines)

## ---- subgroups.c: BCG by allocation, DL, separate and common tau² ---------
bcg$alloc <- factor(bcg$alloc, levels = c("random", "alternate", "systematic"))
lines <- character(0)
mr <- rma(yi, vi, mods = ~ alloc, data = bcg, method = "DL", control = ctl)
for (mode in c("Separate", "Common")) {
  fit <- function(d) if (mode == "Common") rma(yi, vi, data = d, tau2 = mr$tau2) else
    rma(yi, vi, data = d, method = "DL")
  lines <- c(lines, paste(mode, "tau2"))
  res <- lapply(levels(bcg$alloc), function(a) fit(bcg[bcg$alloc == a, ]))
  for (i in seq_along(res))
    lines <- c(lines, sprintf("  %-10s k = %2d  RR %.4f [%.4f, %.4f]  tau2 %.4f", levels(bcg$alloc)[i],
                              res[[i]]$k, exp(res[[i]]$b), exp(res[[i]]$ci.lb), exp(res[[i]]$ci.ub),
                              res[[i]]$tau2))
  o <- fit(bcg)
  lines <- c(lines, sprintf("  %-10s k = %2d  RR %.4f [%.4f, %.4f]  tau2 %.4f", "overall", o$k,
                            exp(o$b), exp(o$ci.lb), exp(o$ci.ub), o$tau2))
  t <- rma(sapply(res, function(x) as.numeric(x$b)), sei = sapply(res, function(x) x$se), method = "FE")
  if (mode == "Common") stopifnot(abs(t$QE - mr$QM) < 1e-9)
  lines <- c(lines, sprintf("  test for subgroup differences: Q = %.4f, df = %d, p = %.4f", t$QE,
                            t$k - 1, t$QEp))
}
put("subgroups", lines)

## ---- steffens2016.c: every comparison, common DL tau², absolute effects ---
st <- read.csv("examples/steffens2016.csv", stringsAsFactors = FALSE)
cnt <- !is.na(st$ai)
es <- escalc("RR", ai = st$ai, n1i = st$n1i, ci = st$ci, n2i = st$n2i, add = 1/2, to = "only0")
st$yi <- ifelse(cnt, es$yi, log(st$est))
st$vi <- ifelse(cnt, es$vi, ((log(st$upper) - log(st$lower)) / (2 * qnorm(0.975)))^2)
st$group <- factor(st$analysis, levels = unique(st$analysis))
pub <- data.frame(
  analysis = c("Exercise alone / LBP episode / short term", "Exercise alone / LBP episode / long term",
               "Exercise alone / Sick leave / long term", "Exercise and education / LBP episode / short term",
               "Exercise and education / LBP episode / long term",
               "Exercise and education / Sick leave / short term",
               "Exercise and education / Sick leave / long term", "Education alone / LBP episode / short term",
               "Education alone / LBP episode / long term", "Education alone / Sick leave / short term",
               "Back belts / LBP episode / short term", "Back belts / LBP episode / long term",
               "Back belts / Sick leave / short term", "Shoe insoles / LBP episode / short term",
               "Ergonomics / Sick leave / short term"),
  rr = c(0.65, 1.04, 0.22, 0.55, 0.73, 0.74, 0.72, 1.03, 0.86, 0.87, 1.01, 0.85, 1.44, 1.01, 0.95),
  lo = c(0.50, 0.73, 0.06, 0.41, 0.55, 0.44, 0.48, 0.83, 0.72, 0.47, 0.71, 0.64, 0.73, 0.74, 0.51),
  hi = c(0.86, 1.49, 0.76, 0.74, 0.96, 1.26, 1.08, 1.27, 1.04, 1.60, 1.44, 1.14, 2.86, 1.40, 1.76),
  i2 = c(67.9, 0, 11.7, 0, 0, 0, 0, NA, NA, 22.5, 40.6, NA, NA, 0, NA))
mr <- rma(yi, vi, mods = ~ group, data = st, method = "DL", control = ctl)
cents <- function(x) round(100 * x)
lines <- sprintf("Random effects, DerSimonian-Laird tau2 common to all comparisons: %.6f", mr$tau2)
fits <- list()
for (lev in levels(st$group)) {
  s <- st[st$group == lev, ]
  p <- pub[pub$analysis == lev, ]
  if (nrow(s) > 1) {
    f <- rma(yi, vi, data = s, tau2 = mr$tau2)
    fits[[lev]] <- f
    est <- exp(c(f$b, f$ci.lb, f$ci.ub))
    i2 <- sprintf("%5.1f", 100 * max(0, (f$QE - (f$k - 1)) / f$QE))
  } else { # a single study, as printed: not pooled
    est <- exp(s$yi + c(0, -1, 1) * qnorm(0.975) * sqrt(s$vi))
    i2 <- sprintf("%5s", "-")
  }
  worst <- max(abs(cents(est) - cents(c(p$rr, p$lo, p$hi))))
  flag <- if (worst == 0) "same" else if (worst == 1) "last digit" else "DIFFERS"
  lines <- c(lines, sprintf("%-50s %2d  %.2f (%.2f-%.2f)  %.2f (%.2f-%.2f)  %s %s  %s%s", lev, nrow(s),
                            p$rr, p$lo, p$hi, est[1], est[2], est[3],
                            if (is.na(p$i2)) sprintf("%5s", "-") else sprintf("%5.1f", p$i2), i2, flag,
                            if (nrow(s) == 1) " (1 study, not pooled)" else ""))
}
## absolute effects: median control risk of the trials with counts x pooled RR
ab <- list()
for (lev in c("Exercise alone / LBP episode / short term", "Exercise and education / LBP episode / short term")) {
  s <- st[st$group == lev & !is.na(st$ai), ]
  cr <- median(s$ci / s$n2i)
  f <- fits[[lev]]
  ab[[lev]] <- c(cr, cr * exp(c(f$b, f$ci.lb, f$ci.ub)))
}
a1 <- ab[[1]]; a2 <- ab[[2]]
lines <- c(lines,
  sprintf("  %-23s %2.0f without, %2.0f with (95%% CI %.0f to %.0f): %.0f fewer (%.0f to %.0f), NNT %.1f",
          "exercise alone:", 100 * a1[1], 100 * a1[2], 100 * a1[3], 100 * a1[4], 100 * (a1[1] - a1[2]),
          100 * (a1[1] - a1[4]), 100 * (a1[1] - a1[3]), 1 / (a1[1] - a1[2])),
  sprintf("  %-23s %2.0f without, %2.0f with (95%% CI %.0f to %.0f): %.0f fewer (%.0f to %.0f), NNT %.1f",
          "exercise and education:", 100 * a2[1], 100 * a2[2], 100 * a2[3], 100 * a2[4],
          100 * (a2[1] - a2[2]), 100 * (a2[1] - a2[4]), 100 * (a2[1] - a2[3]), 1 / (a2[1] - a2[2])),
  sprintf("In words: without exercise %.0f to %.0f out of 100 people had LBP again within a year,",
          100 * a1[1], 100 * a2[1]),
  sprintf("against %.0f to %.0f out of 100 with exercise: it prevented LBP in %.0f to %.0f out of 100.",
          100 * a1[2], 100 * a2[2], 100 * (a1[1] - a1[2]), 100 * (a2[1] - a2[2])))
put("steffens2016", lines)

## ---- steffens2016.c --models: common tau², separate DL tau², fixed effect --
lines <- "RR (95% CI) of each comparison with 2 or more studies under three models"
for (lev in levels(st$group)) {
  s <- st[st$group == lev, ]
  p <- pub[pub$analysis == lev, ]
  if (nrow(s) < 2) next
  fs <- list(rma(yi, vi, data = s, tau2 = mr$tau2), rma(yi, vi, data = s, method = "DL"),
             rma(yi, vi, data = s, method = "FE"))
  lines <- c(lines, paste0(sprintf("%-50s %2d  %.2f (%.2f-%.2f)", lev, nrow(s), p$rr, p$lo, p$hi),
                           paste(sapply(fs, function(f) sprintf("  %.2f (%.2f-%.2f)", exp(f$b), exp(f$ci.lb),
                                                                 exp(f$ci.ub))), collapse = ""),
                           sprintf("  %.4f", fs[[2]]$tau2)))
}
lines <- c(lines, sprintf("common tau2 = %.6f", mr$tau2))
put("steffens2016_models", lines)

## ---- meta_regression.c: BCG, log RR on latitude, REML ---------------------
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
r <- rma(yi, vi, mods = ~ ablat, data = bcg, method = "REML", control = ctl)
p <- predict(r, newmods = c(10, 50), transf = exp)
put("meta_regression", c(
  sprintf("Mixed-effects model (k = %d; tau^2 estimator: REML)", r$k),
  sprintf("tau^2 (residual) = %.4f (SE = %.4f), I^2 = %.2f%%, R^2 = %.2f%%", r$tau2, r$se.tau2,
          r$I2, r$R2),
  sprintf("QE(df = %.0f) = %.4f, p = %.4f", r$k - r$p, r$QE, r$QEp),
  sprintf("QM(df = %.0f) = %.4f, p = %.4g", r$QMdf[1], r$QM, r$QMp),
  sprintf("intrcpt %.4f (se %.4f)", r$beta[1], r$se[1]),
  sprintf("ablat   %.4f (se %.4f), z = %.4f", r$beta[2], r$se[2], r$zval[2]),
  sprintf("RR at %2.0f degrees: %.4f [%.4f, %.4f]", c(10, 50), p$pred, p$ci.lb, p$ci.ub)))
