# metafor's side of the meta-regression benchmark (bench/run_mods.sh).
#
# usage: Rscript bench/metafor_mods.R OUT FIT_FILE PERM_FILE [FITS [PERM_ITER [CONFINT]]]
#
# FIT_FILE and PERM_FILE are CSV "yi,vi,x1,..." (bench/gen_mods.c); the
# model is mods = ~ x1 + x2 + ... over every x column, REML, with
#   control = list(threshold = 1e-13, tol = 1e-13, maxiter = 10000)
# (converged about as tightly as metapool's tol = 1e-12). Timed, in this one
# R process (reading the files is not timed):
#   fit:     rma(yi, vi, mods = ..., method = "REML", control = ...), best of
#            FITS runs (default 1: at k = 2000 a fit takes minutes with R's
#            reference BLAS, because rma.uni forms the k x k matrix P and
#            P %*% P in every Fisher-scoring iteration, and again for the
#            intercept-only fit behind R^2);
#   confint: confint(res, control = list(tol = 1e-13)) once (the Q-profile CI of tau^2, which rma itself
#            does not compute), unless CONFINT is 0;
#   perm:    permutest(res, iter = PERM_ITER) (default 1000; set.seed(1))
#            on PERM_FILE, reported per 1000 and extrapolated to 10,000.
# k = 100,000 is not run: P alone would be a 100000 x 100000 double matrix
# (80 GB), and P %*% P about 2e15 flops per iteration.
# OUT gets one "key value" line per number (values %.17g), read by
# bench/bench_mods.c (--ref) and bench/run_mods.sh:
#   fit.k fit.p fit.seconds fit.fits fit.tau2 fit.se_tau2 fit.b1..bp
#   fit.se1..sep fit.QM fit.QE fit.I2 fit.H2 fit.R2 fit.ll fit.ci_lb fit.ci_ub
#   fit.confint_seconds, and perm.* the same for the permutation data plus
#   perm.iter perm.seconds perm.per1000 perm.extrap10000 perm.pval1..p
#   perm.QMp.
# Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3)
  stop("usage: Rscript metafor_mods.R OUT FIT_FILE PERM_FILE [FITS [PERM_ITER [CONFINT]]]")
out <- args[1]
fit_file <- args[2]
perm_file <- args[3]
fits <- if (length(args) >= 4) as.integer(args[4]) else 1L
perm_iter <- if (length(args) >= 5) as.integer(args[5]) else 1000L
do_confint <- if (length(args) >= 6) args[6] != "0" else TRUE
suppressPackageStartupMessages(library(metafor))
ctrl <- list(threshold = 1e-13, tol = 1e-13, maxiter = 10000)
# confint() finds the Q-profile limits with uniroot at tol = eps^0.25 (1.2e-4,
# absolute) by default: tightened so that the limits can be compared at 1e-6
ci_ctrl <- list(tol = 1e-13)

lines <- character(0)
put <- function(key, value) {
  lines <<- c(lines, sprintf("%s %.17g", key, value))
}
flush_out <- function() writeLines(lines, out)

read_data <- function(file) {
  d <- read.csv(file)
  xs <- grep("^x[0-9]+$", names(d), value = TRUE)
  list(d = d, mods = as.formula(paste("~", paste(xs, collapse = " + "))))
}

values <- function(tag, res) {
  put(paste0(tag, ".k"), res$k)
  put(paste0(tag, ".p"), res$p)
  put(paste0(tag, ".tau2"), res$tau2)
  put(paste0(tag, ".se_tau2"), res$se.tau2)
  for (j in seq_len(res$p)) {
    put(sprintf("%s.b%d", tag, j), res$beta[j])
    put(sprintf("%s.se%d", tag, j), res$se[j])
  }
  put(paste0(tag, ".QM"), res$QM)
  put(paste0(tag, ".QE"), res$QE)
  put(paste0(tag, ".I2"), res$I2)
  put(paste0(tag, ".H2"), res$H2)
  put(paste0(tag, ".R2"), res$R2)
  put(paste0(tag, ".ll"), res$fit.stats["ll", "REML"])
}

fit_model <- function(dat)
  rma(yi, vi, mods = dat$mods, data = dat$d, method = "REML", control = ctrl)

# ---- k = 2000 (FIT_FILE) ----------------------------------------------------
dat <- read_data(fit_file)
best <- Inf
for (r in seq_len(fits)) {
  t <- system.time(res <- fit_model(dat))[["elapsed"]]
  best <- min(best, t)
  cat(sprintf("metafor fit k=%d p=%d run=%d seconds=%.3f\n", res$k, res$p, r, t))
}
values("fit", res)
put("fit.seconds", best)
put("fit.fits", fits)
if (do_confint) {
  t <- system.time(ci <- confint(res, control = ci_ctrl))[["elapsed"]]
  put("fit.ci_lb", ci$random["tau^2", "ci.lb"])
  put("fit.ci_ub", ci$random["tau^2", "ci.ub"])
  put("fit.confint_seconds", t)
  cat(sprintf("metafor confint k=%d seconds=%.3f\n", res$k, t))
}
flush_out()

# ---- permutations (PERM_FILE) -------------------------------------------------
dat <- read_data(perm_file)
res <- fit_model(dat)
values("perm", res)
ci <- confint(res, control = ci_ctrl)
put("perm.ci_lb", ci$random["tau^2", "ci.lb"])
put("perm.ci_ub", ci$random["tau^2", "ci.ub"])
set.seed(1)
t <- system.time(pt <- suppressMessages(permutest(res, iter = perm_iter)))[["elapsed"]]
put("perm.iter", perm_iter)
put("perm.seconds", t)
put("perm.per1000", t / perm_iter * 1000)
put("perm.extrap10000", t / perm_iter * 10000)
for (j in seq_len(res$p))
  put(sprintf("perm.pval%d", j), pt$pval[j])
put("perm.QMp", pt$QMp)
cat(sprintf("metafor permutest k=%d p=%d iter=%d seconds=%.3f per1000=%.3f\n",
            res$k, res$p, perm_iter, t, t / perm_iter * 1000))
cat(sprintf("metafor k=100000: not run (P would be a 100000 x 100000 matrix, 80 GB)\n"))
flush_out()
