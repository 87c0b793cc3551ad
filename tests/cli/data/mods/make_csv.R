## The CSV files behind tests/cli/test_mods.c: the data of every model of
## tests/data/mods (metafor 3.8.1 reference values) as study rows with their
## raw moderator columns, for the command's --mods to rebuild the model
## matrix from; and cases.txt, which says which file and which --mods give
## which model. The data are prepared exactly as tests/data/mods/make_reference.R
## prepares them (same effect sizes, rows with NA in a needed column removed).
## dat.bcg keeps its 2x2 counts (the command computes the log risk ratios).
##
## Regenerate (from the repository root; the output is byte-identical when
## nothing changed; the test suite never runs R):
##     Rscript tests/cli/data/mods/make_csv.R
## Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.
suppressPackageStartupMessages({ library(metafor); library(metadat) })
stopifnot(packageVersion("metafor") == "3.8.1")
out <- "tests/cli/data/mods"

num <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))
## write columns (numbers with 17 significant digits, text as is; no text
## here needs quoting: checked)
write_csv <- function(file, df) {
  cols <- lapply(df, function(v) if (is.numeric(v)) num(v) else as.character(v))
  stopifnot(!any(grepl("[\",\n]", unlist(cols))))
  lines <- c(paste(names(df), collapse = ","), do.call(paste, c(cols, sep = ",")))
  writeLines(lines, file.path(out, file), useBytes = TRUE)
}
## rows complete in the columns the model needs (make_reference.R's mkdata)
complete <- function(es, mods = NULL) {
  es <- as.data.frame(es)
  need <- unique(c("yi", "vi", if (!is.null(mods)) all.vars(mods)))
  es[complete.cases(es[, need, drop = FALSE]), , drop = FALSE]
}
effects <- function(es, mods, file) {
  es <- complete(es, mods)
  df <- data.frame(study = seq_len(nrow(es)), yi = as.vector(es$yi), vi = as.vector(es$vi))
  for (v in all.vars(mods)) df[[v]] <- es[[v]]
  write_csv(file, df)
}

bcg_counts <- function(rows, file) {
  d <- dat.bcg[rows, ]
  write_csv(file, data.frame(study = paste(d$author, d$year), ai = d$tpos, bi = d$tneg,
                             ci = d$cpos, di = d$cneg, ablat = d$ablat, year = d$year,
                             alloc = d$alloc))
}
bcg_counts(1:13, "bcg.csv")
bcg_counts(1:7, "bcg7.csv")
bcg_counts(1:10, "bcg10.csv")

bd <- dat.bangertdrowns2004
effects(bd, ~ grade + length + wic + feedback + info + pers + imag + meta, "bangertdrowns2004_multi.csv")
effects(bd, ~ grade, "bangertdrowns2004_grade.csv")
rb <- dat.raudenbush1985
rb$weeks.c <- pmin(rb$weeks, 3)
effects(rb, ~ weeks.c, "raudenbush1985.csv")
effects(escalc("ZCOR", ri = ri, ni = ni, data = dat.mcdaniel1994), ~ type + struct, "mcdaniel1994.csv")
effects(dat.konstantopoulos2011, ~ year, "konstantopoulos2011.csv")
effects(escalc("ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
               data = dat.curtis1998), ~ fungrp, "curtis1998.csv")
effects(escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014), ~ meanage + quality, "molloy2014.csv")
effects(escalc("ZCOR", ri = ri, ni = ni, data = subset(dat.craft2003, var2 == "perf")), ~ var1 + sport,
        "craft2003.csv")
bk <- dat.baskerville2012
bk$yi <- bk$smd
bk$vi <- bk$se^2
effects(bk, ~ blind + alloconc + duration, "baskerville2012.csv")
effects(dat.hackshaw1998, ~ design + year, "hackshaw1998.csv")
lo <- dat.lopez2019
lo$yi <- lo$diff
lo$vi <- lo$se^2
effects(lo, ~ group + tailored + cog + ba, "lopez2019.csv")
effects(escalc("MN", mi = mi, sdi = sdi, ni = ni, data = dat.senn2013), ~ treatment, "senn2013.csv")
al <- complete(escalc("ZPCOR", ti = tval, ni = n, mi = preds, data = dat.aloe2013))
write_csv("aloe2013.csv", data.frame(study = seq_len(nrow(al)), yi = as.vector(al$yi), vi = as.vector(al$vi)))
db <- complete(escalc("PLO", xi = xi, ni = ni, data = dat.debruin2009))
write_csv("debruin2009.csv", data.frame(study = seq_len(nrow(db)), yi = as.vector(db$yi), vi = as.vector(db$vi)))

## fixture directory | CSV | --mods | how the names differ from the fixture's
## (old>new: a text column without factor() is named COLlevel, not
## factor(COL)level)
cases <- c(
  "bcg_ablat|bcg.csv|ablat|",
  "bcg_full|bcg.csv|ablat + year + factor(alloc)|",
  "bcg_full|bcg.csv|ablat + year + alloc|factor(alloc)>alloc",
  "bcg_alloc_noint|bcg.csv|factor(alloc) - 1|",
  "bcg_alloc_noint|bcg.csv|alloc - 1|factor(alloc)>alloc",
  "bcg_ablat_noint|bcg.csv|ablat - 1|",
  "bangertdrowns2004_multi|bangertdrowns2004_multi.csv|grade + length + wic + feedback + info + pers + imag + meta|",
  "bangertdrowns2004_grade|bangertdrowns2004_grade.csv|factor(grade)|",
  "raudenbush1985_weeks|raudenbush1985.csv|weeks.c|",
  "mcdaniel1994_type_struct|mcdaniel1994.csv|factor(type) + factor(struct)|",
  "mcdaniel1994_type_struct|mcdaniel1994.csv|type + struct|factor(type)>type factor(struct)>struct",
  "konstantopoulos2011_year|konstantopoulos2011.csv|year|",
  "curtis1998_fungrp|curtis1998.csv|factor(fungrp)|",
  "molloy2014_age_quality|molloy2014.csv|meanage + quality|",
  "craft2003_var1_sport|craft2003.csv|factor(var1) + factor(sport) - 1|",
  "baskerville2012_design|baskerville2012.csv|blind + alloconc + duration|",
  "hackshaw1998_design_year|hackshaw1998.csv|factor(design) + year|",
  "lopez2019_components|lopez2019.csv|group + tailored + cog + ba|",
  "senn2013_treatment|senn2013.csv|factor(treatment)|",
  "aloe2013_int|aloe2013.csv|1|",
  "debruin2009_int|debruin2009.csv|1|",
  "bcg_perm_ablat|bcg7.csv|ablat|",
  "bcg_perm_alloc|bcg10.csv|factor(alloc)|",
  "bcg_perm_int|bcg10.csv|1|")
writeLines(c("# fixture (tests/data/mods/<dir>) | CSV (here) | --mods | renamed columns (old>new)",
             "# Generated by tests/cli/data/mods/make_csv.R; do not edit.", cases),
           file.path(out, "cases.txt"))
