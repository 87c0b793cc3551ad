# Reference values for the metafor agreement tests in tests/data/.
#
# Run from the repository root:   Rscript tests/data/make_reference.R
# Needs metafor 3.8.1 and metadat 1.2.0 (the versions the values were made
# with). For each data set and measure it writes
#   tests/data/metafor/<dataset>_<measure>/studies.csv   the input
#   tests/data/metafor/<dataset>_<measure>/expected.txt  the cases
# and the runner tests/data/run_case.c compares every number with the
# library. Rerunning regenerates every file byte for byte. The test suite
# itself never runs R.
#
# Iterative estimators are run fully converged (design/conventions.md 4.6):
# rma(..., control = list(threshold = 1e-13, tol = 1e-13, maxiter = 10000))
# and confint(res, control = list(tol = 1e-13, maxiter = 10000,
# tau2.max = 1e4)) -- 'tol' and 'maxiter' are uniroot's settings in
# confint.rma.uni; tau2.max is raised from metafor's 100 (its search
# ceiling, not a result) and the script stops if a bound reaches it.
#
# How the library's options map onto metafor (see docs/methods.md):
#   method FE, DL, ..., EB       rma(method = ...)
#   method MH                    rma.mh(add = c(cc, 0), to = c(to, "none"),
#                                       drop00 = c(dz, dz)): the study yi/vi
#                                (for Q) are corrected as escalc, the MH sums
#                                use the raw counts (our mh_correct = 0)
#   method PETO                  rma.peto(add = 0, to = "none", drop00 = TRUE)
#   test z / knha                rma(test = "z" / "knha")
#   pi normal                    predict(res) with test z (normal quantile)
#   pi t_k1                      predict(res, pi.type = "t") with test z
#                                (t, k-1 df), predict(res) with test knha
#   pi t_k2                      predict(res, pi.type = "riley") (t, k-2 df)
#   cc, cc_when zero/all/never   escalc add = cc, to = "only0"/"all"/"none"
#   double_zero keep/drop        drop00 = FALSE/TRUE; auto = TRUE for RR, OR
#                                and Peto, FALSE for RD
#   tau2_fixed = x               rma(tau2 = x)
#   level                        rma(level = 100 * level)
# Keys are mtp_result field names; yi.<i>, vi.<i>, weight.<i> are the
# per-study values of mtp_workspace_studies() (0-based i; weights in percent,
# as weights()), written in the z-test, normal-PI, 95% cases only.
# metafor's NA is written "nan": the library must give NaN.
#
# Where metafor reports a number under another definition, the file says
# which metafor number is used (search for "# note"):
#  - fixed-effect models have no prediction interval: metafor's predict()
#    returns none, the library NaN (written as nan).
#  - rma.peto counts a double-zero table in k although it carries no
#    information (V = 0, weight 0); the library always leaves it out
#    (docs/methods.md 1), so k_used is compared with rma.peto's k.yi (the
#    tables with a Peto effect).
#  - MH RD with the Greenland-Robins variance (mh_rd_var = gr) is not in
#    metafor (rma.mh has Sato's only) and is not checked here; it is checked
#    against Stata's metan in tests/data/published/bcg.
#  - known, explained failures are listed in XFAIL below.
#
# Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.

suppressMessages(library(metafor))
stopifnot(packageVersion("metafor") == "3.8.1", packageVersion("metadat") == "1.2.0")
options(warn = -1)

ctl   <- list(threshold = 1e-13, tol = 1e-13, maxiter = 10000)
cictl <- list(tol = 1e-13, maxiter = 10000, tau2.max = 1e4)
RE    <- c("DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB")
TO    <- c(zero = "only0", all = "all", never = "none")
root  <- file.path("tests", "data", "metafor")
if (!dir.exists(file.path("tests", "data")))
  stop("run from the repository root: Rscript tests/data/make_reference.R")

## Cases known to fail, with the diagnosis: "<dir>/<case>" = reason. The
## runner counts them as expected failures (and fails on an unexpected pass).
## MH RD without correction, double zeros kept: the double-zero table has
## yi = 0 and vi = 0. rma.mh keeps it in Q with weight 1/0, so QE, I2 and H2
## are NaN (QEp 0); the library counts a table without a usable study
## effect (vi = 0) as MTP_STUDY_NO_EFFECT: in the MH sums, out of Q (q_df one
## less), yi/vi NaN. Deliberate (docs/methods.md 1, "Zero cells"); the MH
## estimate and SE of these tables are checked in MH_zero_keep.
xfail_mhrd <- "metafor keeps the double-zero RD table (yi=0, vi=0) in Q, QE=NaN; the library leaves it out of Q (MTP_STUDY_NO_EFFECT): deliberate"
XFAIL <- c("nielweise2007_RD/MH_never_keep" = xfail_mhrd,
           "nielweise2007_RD/MH_never_auto" = xfail_mhrd,
           "collins1985a_RD/MH_never_keep" = xfail_mhrd,
           "collins1985a_RD/MH_never_auto" = xfail_mhrd)

g <- function(x) if (length(x) != 1 || is.na(x) || !is.finite(x)) "nan" else sprintf("%.17g", x)
## options (cc, level, tau2) are short decimals: print them as written
gopt <- function(x) sprintf("%.15g", x)

## ---- output buffer of the current directory -----------------------------
cur <- NULL
start_dir <- function(name, data, title) {
  cur <<- list(name = name, data = data,
               lines = c(sprintf("# %s: %s", name, title),
                         "# Generated by tests/data/make_reference.R (metafor 3.8.1); do not edit.",
                         ""))
}
add <- function(...) cur$lines <<- c(cur$lines, ...)

finish_dir <- function() {
  dir <- file.path(root, cur$name)
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  d <- cur$data
  cols <- if (d$type == "2x2") c("ai", "n1i", "ci", "n2i") else c("yi", "vi")
  rows <- apply(do.call(cbind, d[cols]), 1, function(r) paste(vapply(r, g, ""), collapse = ","))
  writeLines(c(paste(cols, collapse = ","), rows), file.path(dir, "studies.csv"))
  writeLines(cur$lines, file.path(dir, "expected.txt"))
  cat(sprintf("%-32s %4d cases\n", cur$name, sum(startsWith(cur$lines, "case "))))
}

## One case: the case line (options in fixed order), the values, "end".
## o: list(measure, method, test, pi, cc, cc_when, double_zero, level, tau2_fixed)
emit <- function(cname, o, vals, st = NULL, notes = NULL) {
  line <- sprintf("case %s measure=%s method=%s test=%s pi=%s cc=%s cc_when=%s double_zero=%s level=%s",
                  cname, o$measure, o$method, o$test, o$pi, gopt(o$cc), o$cc_when, o$double_zero,
                  gopt(o$level))
  if (!is.null(o$tau2_fixed)) line <- paste0(line, " tau2_fixed=", gopt(o$tau2_fixed))
  key <- paste0(cur$name, "/", cname)
  if (key %in% names(XFAIL)) line <- paste(line, "xfail", XFAIL[[key]])
  add(notes, line)
  for (nm in names(vals)) add(sprintf("%s %s", nm, g(vals[[nm]])))
  ## per-study values do not depend on the test, the PI or the level: they
  ## are written once, in the z / normal / 95% case of each model
  if (!is.null(st) && o$test == "z" && o$pi == "normal" && o$level == 0.95)
    for (i in seq_along(st$yi)) {
      add(sprintf("yi.%d %s", i - 1, g(st$yi[i])), sprintf("vi.%d %s", i - 1, g(st$vi[i])))
      ## a study left out has no metafor weight (NA); the library gives 0 and
      ## NaN yi/vi, which the yi/vi lines already check
      if (!is.na(st$w[i])) add(sprintf("weight.%d %s", i - 1, g(st$w[i])))
    }
  add("end", "")
}

## Per-study values in input order: weights() covers the studies in not.na.
per_study <- function(res) {
  w <- rep(NA_real_, length(res$yi.f))
  w[res$not.na] <- weights(res)
  list(yi = as.vector(res$yi.f), vi = as.vector(res$vi.f), w = w)
}

## ---- fits ---------------------------------------------------------------
dz_flag <- function(o) switch(o$double_zero, keep = FALSE, drop = TRUE,
                              auto = o$measure != "RD")

fit_uni <- function(d, o) {
  a <- list(method = o$method, test = o$test, level = 100 * o$level, control = ctl)
  if (!is.null(o$tau2_fixed)) a$tau2 <- o$tau2_fixed
  if (d$type == "2x2") {
    a <- c(a, list(measure = o$measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i))
    a <- if (o$measure == "PETO") c(a, list(add = 0, to = "none", drop00 = TRUE))
         else c(a, list(add = o$cc, to = TO[[o$cc_when]], drop00 = dz_flag(o)))
  } else {
    a <- c(a, list(yi = d$yi, vi = d$vi))
  }
  ## Fisher scoring (ML, REML, EB) may oscillate at threshold 1e-13; halved
  ## steps reach the same root (the step size does not change the root)
  for (step in c(1, 0.5, 0.25, 0.1)) {
    a$control$stepadj <- step
    res <- tryCatch(do.call(rma, a), error = function(e) NULL)
    if (!is.null(res)) return(structure(res, stepadj = step))
  }
  stop("rma did not converge")
}

vals_uni <- function(res, o) {
  random <- o$method %in% RE
  v <- list(k = res$k.f, k_used = res$k, estimate = res$b[1], se = res$se, stat = res$zval,
            p = res$pval, ci_lower = res$ci.lb, ci_upper = res$ci.ub)
  if (o$test == "knha") v$df <- res$ddf
  v <- c(v, list(tau2 = res$tau2, tau = sqrt(res$tau2), q = res$QE, q_df = res$k - 1,
                 q_p = res$QEp, i2 = res$I2, h2 = res$H2))
  if (!random) return(c(v, list(pi_lower = NA, pi_upper = NA)))
  v$vtypical <- res$vt
  type <- switch(o$pi, normal = "default", t_k2 = "riley",
                 t_k1 = if (o$test == "z") "t" else "default")
  if (o$pi == "normal") stopifnot(o$test == "z")
  pr <- predict(res, pi.type = type)
  v$pi_lower <- pr$pi.lb
  v$pi_upper <- pr$pi.ub
  if (o$pi != "normal") {
    df <- if (o$pi == "t_k2") res$k - 2 else res$k - 1
    stopifnot(pr$pi.ddf == df)
    ## the interval is mu +- t * sqrt(SE^2 + tau2) with the test's SE
    crit <- qt(1 - (1 - o$level) / 2, df)
    stopifnot(abs(pr$pi.ub - (res$b[1] + crit * sqrt(res$se^2 + res$tau2))) < 1e-12)
    v$pi_df <- df
  }
  if (is.null(o$tau2_fixed)) {
    ci <- confint(res, control = cictl)$random
    stopifnot(ci["tau^2", "ci.ub"] < cictl$tau2.max)
    v <- c(v, list(tau2_ci_lower = ci["tau^2", "ci.lb"], tau2_ci_upper = ci["tau^2", "ci.ub"],
                   i2_ci_lower = ci["I^2(%)", "ci.lb"], i2_ci_upper = ci["I^2(%)", "ci.ub"],
                   h2_ci_lower = ci["H^2", "ci.lb"], h2_ci_upper = ci["H^2", "ci.ub"]))
  }
  v
}

fit_mh <- function(d, o) {
  dz <- dz_flag(o)
  rma.mh(measure = o$measure, ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i,
         add = c(o$cc, 0), to = c(TO[[o$cc_when]], "none"), drop00 = c(dz, dz),
         level = 100 * o$level)
}
fit_peto <- function(d, o)
  rma.peto(ai = d$ai, n1i = d$n1i, ci = d$ci, n2i = d$n2i, add = 0, to = "none",
           drop00 = TRUE, level = 100 * o$level)

vals_fixed2x2 <- function(res, o) {
  k_used <- if (o$method == "PETO") res$k.yi else res$k
  list(k = res$k.f, k_used = k_used, estimate = res$b[1], se = res$se, stat = res$zval,
       p = res$pval, ci_lower = res$ci.lb, ci_upper = res$ci.ub, tau2 = 0,
       q = res$QE, q_df = res$k.yi - 1, q_p = res$QEp, i2 = res$I2, h2 = res$H2,
       pi_lower = NA, pi_upper = NA)
}

## ---- one case from its options --------------------------------------------
opt <- function(measure, method, test = "z", pi = NULL, cc = 0.5, cc_when = "zero",
                double_zero = "keep", level = 0.95, tau2_fixed = NULL) {
  if (is.null(pi)) pi <- if (test == "knha") "t_k1" else "normal"
  list(measure = measure, method = method, test = test, pi = pi, cc = cc, cc_when = cc_when,
       double_zero = double_zero, level = level, tau2_fixed = tau2_fixed)
}

run <- function(cname, o) {
  d <- cur$data
  if (o$method == "MH") {
    res <- fit_mh(d, o)
    emit(cname, o, vals_fixed2x2(res, o), per_study(res))
  } else if (o$method == "PETO") {
    res <- fit_peto(d, o)
    notes <- if (res$k.yi != res$k)
      "# note: k_used is rma.peto's k.yi; its k also counts the double-zero tables (V = 0)"
    emit(cname, o, vals_fixed2x2(res, o), per_study(res), notes)
  } else {
    res <- fit_uni(d, o)
    notes <- if (attr(res, "stepadj") != 1)
      sprintf("# note: metafor's Fisher scoring converged with control stepadj = %s", g(attr(res, "stepadj")))
    emit(cname, o, vals_uni(res, o), per_study(res), notes)
  }
}

## ---- the case matrix --------------------------------------------------------
## Every estimator with the z test and the normal PI, every random-effects
## estimator with knha (and its default t(k-1) PI); the other PI choices,
## level 0.90 and a fixed tau2 on REML and DL. `base` fixes the
## zero-cell convention of these cases.
model_matrix <- function(measure, base = list(), level90 = TRUE) {
  mk <- function(method, ...) do.call(opt, modifyList(c(list(measure, method), base), list(...)))
  run("FE_z", mk("FE"))
  for (m in RE) run(sprintf("%s_z_normal", m), mk(m))
  for (m in RE) run(sprintf("%s_knha_tk1", m), mk(m, test = "knha"))
  for (m in c("REML", "DL")) {
    run(sprintf("%s_z_tk2", m), mk(m, pi = "t_k2"))
    run(sprintf("%s_z_tk1", m), mk(m, pi = "t_k1"))
    run(sprintf("%s_knha_tk2", m), mk(m, test = "knha", pi = "t_k2"))
  }
  run("REML_tau2fixed_z", mk("REML", tau2_fixed = 0.1))
  run("DL_tau2fixed_knha", mk("DL", test = "knha", tau2_fixed = 0.1))
  if (level90) {
    run("FE_z_level90", mk("FE", level = 0.9))
    run("REML_z_normal_level90", mk("REML", level = 0.9))
    run("PM_knha_tk2_level90", mk("PM", test = "knha", pi = "t_k2", level = 0.9))
  }
}

## Zero-cell conventions for 2x2 data: cc value, which tables, double
## zeros kept or dropped (or the library's auto), under FE, DL, REML and
## PM-knha; and the MH fit under the same conventions. `never` is used only
## when every study effect stays finite.
zero_matrix <- function(measure, never_ok, has_dz) {
  dzs <- if (has_dz) c("keep", "drop", "auto") else "keep"
  conv <- list()
  for (dz in dzs) {
    ## (0.5, zero, keep) is the model matrix's own convention
    if (dz != "keep") conv[[length(conv) + 1]] <- list(cc = 0.5, cc_when = "zero", double_zero = dz)
    conv[[length(conv) + 1]] <- list(cc = 0.5, cc_when = "all", double_zero = dz)
    conv[[length(conv) + 1]] <- list(cc = 0.25, cc_when = "zero", double_zero = dz)
    if (never_ok(dz)) conv[[length(conv) + 1]] <- list(cc = 0.5, cc_when = "never", double_zero = dz)
  }
  for (cv in conv) {
    tag <- sprintf("%s%s_%s", cv$cc_when, sub("\\.", "", gopt(cv$cc)), cv$double_zero)
    mk <- function(method, ...) do.call(opt, modifyList(c(list(measure, method), cv), list(...)))
    run(paste0("FE_z_", tag), mk("FE"))
    run(paste0("DL_z_", tag), mk("DL"))
    run(paste0("REML_z_", tag), mk("REML"))
    run(paste0("PM_knha_", tag), mk("PM", test = "knha"))
  }
  ## MH: `never` is always possible (a table without a finite effect stays
  ## in the MH sums and leaves Q); dropping matters for double zeros only
  if (measure != "PETO")
    for (dz in dzs) for (cw in c("zero", "all", "never")) {
      run(sprintf("MH_%s_%s", cw, dz), opt(measure, "MH", cc_when = cw, double_zero = dz))
    }
  if (measure != "PETO") run("MH_zero025_keep", opt(measure, "MH", cc = 0.25, double_zero = "keep"))
  run("MH_level90", opt(measure, "MH", level = 0.9, double_zero = "keep"))
}

twobytwo <- function(ai, n1i, ci, n2i) {
  ok <- !is.na(ai + n1i + ci + n2i)
  list(type = "2x2", ai = ai[ok], n1i = n1i[ok], ci = ci[ok], n2i = n2i[ok])
}
generic <- function(es) {
  ok <- !is.na(es$yi + es$vi)
  list(type = "GEN", yi = as.vector(es$yi[ok]), vi = as.vector(es$vi[ok]))
}
dz_count <- function(d) sum((d$ai == 0 & d$ci == 0) | (d$ai == d$n1i & d$ci == d$n2i))
zc_count <- function(d) sum(d$ai == 0 | d$ci == 0 | d$ai == d$n1i | d$ci == d$n2i)

## A 2x2 directory: the model matrix under escalc's defaults (0.5 to
## zero-cell tables, double zeros kept: metafor's own default), then the
## zero-cell conventions and MH; Peto for OR.
dir_2x2 <- function(dataset, measure, d, title) {
  name <- sprintf("%s_%s", dataset, measure)
  start_dir(name, d, sprintf("%s (k = %d, %d with a zero cell, %d double-zero)", title,
                             length(d$ai), zc_count(d), dz_count(d)))
  has_dz <- dz_count(d) > 0
  if (measure == "PETO") {
    model_matrix("PETO", list(cc_when = "never", double_zero = "drop"))
    run("PETO_fixed", opt("PETO", "PETO", cc_when = "never", double_zero = "drop"))
    run("PETO_fixed_level90", opt("PETO", "PETO", cc_when = "never", double_zero = "drop",
                                  level = 0.9))
  } else {
    ## RR and OR are infinite for a single-zero table without correction; RD
    ## has vi = 0 for a double zero
    never_ok <- function(dz) if (measure == "RD") (dz == "drop" || !has_dz) else zc_count(d) == 0
    model_matrix(measure, list(double_zero = "keep"))
    zero_matrix(measure, never_ok, has_dz)
    if (measure == "OR") run("PETO_fixed", opt("OR", "PETO", cc_when = "never", double_zero = "drop"))
  }
  finish_dir()
}

dir_generic <- function(dataset, measure, d, title) {
  start_dir(sprintf("%s_%s", dataset, measure), d, sprintf("%s (k = %d)", title, length(d$yi)))
  model_matrix("GEN")
  finish_dir()
}

## ---- the data sets (metadat 1.2.0) -------------------------------------------
bcg <- with(dat.bcg, twobytwo(tpos, tpos + tneg, cpos, cpos + cneg))
for (m in c("RR", "OR", "RD"))
  dir_2x2("bcg", m, bcg, "dat.bcg, BCG vaccine and tuberculosis (Colditz et al. 1994)")

niel <- with(dat.nielweise2007, twobytwo(ai, n1i, ci, n2i))
for (m in c("RR", "OR", "RD"))
  dir_2x2("nielweise2007", m, niel,
          "dat.nielweise2007, anti-infective catheters and bloodstream infection")

coll <- with(dat.collins1985a, twobytwo(d.xti, nti, d.xci, nci))
for (m in c("RR", "RD"))
  dir_2x2("collins1985a", m, coll,
          "dat.collins1985a, diuretics in pregnancy, deaths (rows with NA removed)")

yus <- with(subset(dat.yusuf1985, table == "9"), twobytwo(ai, n1i, ci, n2i))
for (m in c("PETO", "OR"))
  dir_2x2("yusuf1985", m, yus,
          "dat.yusuf1985 table 9, beta blockers after MI (rows with NA removed)")

li <- with(dat.li2007, twobytwo(ai, n1i, ci, n2i))
for (m in c("OR", "RD"))
  dir_2x2("li2007", m, li, "dat.li2007, intravenous magnesium in acute MI, mortality")

dir_2x2("hine1989", "RD", with(dat.hine1989, twobytwo(ai, n1i, ci, n2i)),
        "dat.hine1989, prophylactic lidocaine after MI, mortality")

dir_2x2("egger2001", "OR", with(dat.egger2001, twobytwo(ai, n1i, ci, n2i)),
        "dat.egger2001, intravenous magnesium in acute MI, mortality")

dir_generic("normand1999", "MD",
            generic(escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
                           n2i = n2i, data = dat.normand1999)),
            "dat.normand1999, length of stay, escalc MD")
dir_generic("molloy2014", "ZCOR",
            generic(escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014)),
            "dat.molloy2014, conscientiousness and adherence, escalc ZCOR")
dir_generic("konstantopoulos2011", "SMD", generic(dat.konstantopoulos2011),
            "dat.konstantopoulos2011, school calendar, yi/vi as given (multilevel structure ignored)")
dir_generic("hackshaw1998", "OR", generic(dat.hackshaw1998),
            "dat.hackshaw1998, passive smoking and lung cancer, log OR yi/vi as given")
dir_generic("raudenbush1985", "SMD", generic(dat.raudenbush1985),
            "dat.raudenbush1985, teacher expectancy, yi/vi as given")
dir_generic("bangertdrowns2004", "SMD", generic(dat.bangertdrowns2004),
            "dat.bangertdrowns2004, writing-to-learn, yi/vi as given")
