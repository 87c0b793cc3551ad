# metafor's loop on a benchmark file, for bench/run.sh.
#
# usage: Rscript bench/metafor_loop.R FILE [METAPOOL_DUMP.csv] [METHOD]
#
# Reads FILE (rep,yi,vi), splits it by rep (not timed: "loop" is the fitting
# loop alone, as in issue 7), then times
#   default: rma(yi, vi, method = METHOD) with metafor's default control
#            (threshold 1e-5, maxiter 100, Fisher scoring)
#   strict:  the same with control = list(threshold = 1e-13, maxiter = 1000),
#            i.e. converged about as tightly as metapool's tol = 1e-12
# Every fit is wrapped in tryCatch: a fit that stops with an error (e.g.
# "Fisher scoring algorithm did not converge") counts as failed. Warnings are
# counted separately. rma() does not compute the Q-profile CI of tau2 (that
# takes confint()), so its fair metapool counterpart is tau2_ci = 0.
# With a metapool dump (bench.c --dump) the tau2 estimates are compared.
# Output: key=value lines, parsed by bench/run.sh.
# Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript metafor_loop.R FILE [DUMP] [METHOD]")
file <- args[1]
dump <- if (length(args) >= 2 && nzchar(args[2])) args[2] else NA
method <- if (length(args) >= 3) args[3] else "REML"
suppressPackageStartupMessages(library(metafor))

t_read <- system.time({
  d <- read.csv(file, colClasses = c("numeric", "numeric", "numeric"))
  ys <- split(d$yi, d$rep)
  vs <- split(d$vi, d$rep)
})[["elapsed"]]
n <- length(ys)

run <- function(control) {
  tau2 <- rep(NA_real_, n)
  failed <- 0L
  warned <- 0L
  elapsed <- system.time(for (j in seq_len(n)) {
    fit <- withCallingHandlers(
      tryCatch(rma(ys[[j]], vs[[j]], method = method, control = control),
               error = function(e) NULL),
      warning = function(w) {
        warned <<- warned + 1L
        invokeRestart("muffleWarning")
      })
    if (is.null(fit)) failed <- failed + 1L else tau2[j] <- fit$tau2
  })[["elapsed"]]
  list(seconds = elapsed, failed = failed, warned = warned, tau2 = tau2)
}

report <- function(label, r, control_text) {
  cat(sprintf("metafor control=%s method=%s analyses=%d seconds=%.4f ms_per_fit=%.4f failed=%d warnings=%d read_split_s=%.3f control_args=%s\n",
              label, method, n, r$seconds, 1e3 * r$seconds / n, r$failed, r$warned, t_read,
              control_text))
}

def <- run(list())
report("default", def, "list()")
strict <- run(list(threshold = 1e-13, maxiter = 1000))
report("strict", strict, "list(threshold=1e-13,maxiter=1000)")

if (!is.na(dump) && file.exists(dump)) {
  m <- read.csv(dump)
  m <- m[match(as.numeric(names(ys)), m$rep), ]
  ok <- m$status == 0 & !is.na(strict$tau2)
  dif <- abs(m$tau2[ok] - strict$tau2[ok])
  rel <- dif / pmax(abs(strict$tau2[ok]), 1e-300)
  okd <- m$status == 0 & !is.na(def$tau2)
  cat(sprintf("compare method=%s compared=%d max_abs_tau2_diff_strict=%.3g max_rel_tau2_diff_strict_nonzero=%.3g max_abs_tau2_diff_default=%.3g\n",
              method, sum(ok), max(dif), max(rel[strict$tau2[ok] > 1e-8]),
              max(abs(m$tau2[okd] - def$tau2[okd]))))
}
