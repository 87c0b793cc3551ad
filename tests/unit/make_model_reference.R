# Reference values for tests/unit/test_model.c: subgroup analyses with a
# common tau² as the meta-regression on subgroup indicators, with several
# estimators (metafor 3.8.1). Run from the repository root:
#   Rscript tests/unit/make_model_reference.R
# and paste the printed lines into test_model.c (they are there, with this
# script named above them).
suppressMessages(library(metafor))
stopifnot(packageVersion("metafor") == "3.8.1")
ctl <- list(threshold = 1e-13, tol = 1e-13, maxiter = 10000)
cictl <- list(tol = 1e-13, maxiter = 10000, tau2.max = 1e4)
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
g <- factor(dat$alloc)  # alternate, random, systematic -> 0, 1, 2
cat(sprintf("/* yi, vi, group of dat.bcg (RR; alloc) */\n"))
cat(sprintf("{%.17g, %.17g, %d},\n", dat$yi, dat$vi, as.integer(g) - 1), sep = "")
for (m in c("REML", "PM", "DL", "ML")) {
  reg <- rma(yi, vi, mods = ~ factor(alloc), data = dat, method = m, control = ctl)
  ci <- confint(reg, control = cictl)$random["tau^2", ]
  cat(sprintf("/* %s: common tau2, its Q-profile CI */\n{%.17g, %.17g, %.17g},\n", m, reg$tau2,
              ci[2], ci[3]))
  est <- se <- numeric(3)
  for (j in 1:3) {
    f <- rma(yi, vi, data = dat, subset = as.integer(g) == j, tau2 = reg$tau2, method = m)
    est[j] <- f$beta; se[j] <- f$se
    cat(sprintf("/* subgroup %d: estimate, se */ {%.17g, %.17g},\n", j - 1, f$beta, f$se))
  }
  all <- rma(yi, vi, data = dat, tau2 = reg$tau2, method = m)
  cat(sprintf("/* overall: estimate, se */ {%.17g, %.17g},\n", all$beta, all$se))
  qb <- rma(est, sei = se, method = "FE")$QE
  cat(sprintf("/* Q between */ %.17g,\n", qb))
}
