/* The text report: what a reviewer pastes into a report. Per-study table
 * (label, effect and CI on the natural scale, weight), the pooled estimate
 * with CI and p, the prediction interval, tau² with its CI, tau, Q, I², H²,
 * notes on corrected or dropped studies, and the conventions behind the
 * numbers; with subgroups a block each and the test for differences.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LABEL_MAX 40 /* characters of a study label shown */
#define HEAD_MAX 100 /* characters of a subgroup name or --by value shown */
#define DROPPED_TEXT "(double zero: dropped)"
#define NO_EFFECT_TEXT "(no finite effect)"

typedef struct tctx {
    mtpcli_out *o;
    const mtpcli_table *t;
    const mtpcli_settings *s;
    double z;      /* normal quantile of the study CIs */
    int dig;
} tctx;

/* Upper alpha/2 point of the standard normal: bisection on erfc (display only). */
static double z_crit(double level)
{
    const double p = (1 - level) / 2;
    double lo = 0, hi = 40;
    for (int i = 0; i < 200; i++) {
        const double mid = (lo + hi) / 2;
        if (0.5 * erfc(mid / sqrt(2.0)) > p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

/* Characters (not bytes) of a UTF-8 string. */
static size_t width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* A label for one line of the table: control characters become spaces, at
 * most max characters. */
static void label_text(char *dst, size_t size, const char *s, size_t max)
{
    size_t o = 0, chars = 0;
    for (; *s && o + 5 < size; s++) {
        const unsigned char c = (unsigned char)*s;
        if ((c & 0xc0) != 0x80 && ++chars > max) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        dst[o++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
    }
    dst[o] = '\0';
}

static void study_label(const tctx *c, const mtpcli_fit *f, size_t i, char *dst, size_t size)
{
    const size_t row = f->rows[i];
    const size_t lab = c->t->label != NULL ? c->t->label[row] : MTPCLI_NONE;
    if (lab != MTPCLI_NONE)
        label_text(dst, size, mtpcli_table_str(c->t, lab), LABEL_MAX);
    else
        snprintf(dst, size, "Study %zu", row + 1);
}

/* A value on the natural scale, or "NA". */
static void nat(char *dst, size_t size, const tctx *c, const mtpcli_fit *f, double v)
{
    if (isnan(v))
        snprintf(dst, size, "NA");
    else
        snprintf(dst, size, "%.*f", c->dig, mtpcli_is_ratio(f) ? exp(v) : v);
}

static void fixed(char *dst, size_t size, int dig, double v)
{
    if (isnan(v))
        snprintf(dst, size, "NA");
    else
        snprintf(dst, size, "%.*f", dig, v);
}

static void pval(char *dst, size_t size, int dig, double p)
{
    const double floor_p = pow(10, -(dig > 0 ? dig : 1));
    if (isnan(p))
        snprintf(dst, size, "NA");
    else if (p < floor_p)
        snprintf(dst, size, "< %.*f", dig > 0 ? dig : 1, floor_p);
    else
        snprintf(dst, size, "= %.*f", dig > 0 ? dig : 1, p);
}

static const char *measure_title(const mtpcli_fit *f)
{
    switch (f->measure) {
    case MTP_MEASURE_RR: return "risk ratio (RR)";
    case MTP_MEASURE_OR:
    case MTP_MEASURE_PETO_OR: return "odds ratio (OR)";
    case MTP_MEASURE_RD: return "risk difference (RD)";
    default: return "estimates as given (yi)";
    }
}

static const char *effect_head(const mtpcli_fit *f)
{
    const char *k = mtpcli_measure_key(f);
    return strcmp(k, "GEN") == 0 ? "Estimate" : k;
}

static const char *model_name(mtp_method m)
{
    switch (m) {
    case MTP_METHOD_FE: return "fixed-effect model (inverse variance)";
    case MTP_METHOD_MH: return "fixed-effect model (Mantel-Haenszel)";
    case MTP_METHOD_PETO: return "fixed-effect model (Peto)";
    default: return "random-effects model";
    }
}

/* ------------------------------------------------------------ study table */

static void study_table(const tctx *c, const mtpcli_fit *f, const char *total_label)
{
    mtpcli_out *o = c->o;
    char lab[LABEL_MAX * 4 + 8], a[64], b[64], e[64], ci[160];
    size_t lw = width(total_label), cw = strlen("95% CI");
    const int pct = (int)lround(c->s->level_pct);
    /* widths first */
    for (size_t i = 0; i < f->n; i++) {
        const mtp_study *st = &f->studies[i];
        size_t w;
        study_label(c, f, i, lab, sizeof lab);
        w = width(lab) + ((st->flags & (MTP_STUDY_CC | MTP_STUDY_NO_EFFECT)) ? 2 : 0);
        if (w > lw)
            lw = w;
        if (st->flags & MTP_STUDY_DROPPED) {
            if (strlen(DROPPED_TEXT) > cw)
                cw = strlen(DROPPED_TEXT);
            continue;
        }
        if (isnan(st->yi)) {
            if (strlen(NO_EFFECT_TEXT) > cw)
                cw = strlen(NO_EFFECT_TEXT);
            continue;
        }
        nat(a, sizeof a, c, f, st->yi - c->z * sqrt(st->vi));
        nat(b, sizeof b, c, f, st->yi + c->z * sqrt(st->vi));
        snprintf(ci, sizeof ci, "[%s, %s]", a, b);
        if (strlen(ci) > cw)
            cw = strlen(ci);
    }
    nat(a, sizeof a, c, f, f->res.ci_lower);
    nat(b, sizeof b, c, f, f->res.ci_upper);
    snprintf(ci, sizeof ci, "[%s, %s]", a, b);
    if (strlen(ci) > cw)
        cw = strlen(ci);

    if ((double)pct == c->s->level_pct)
        snprintf(a, sizeof a, "%d%% CI", pct);
    else
        snprintf(a, sizeof a, "%g%% CI", c->s->level_pct);
    mtpcli_out_printf(o, "%-*s  %10s  %-*s  %8s\n", (int)lw, "Study", effect_head(f), (int)cw, a,
                      "Weight");
    for (size_t i = 0; i < f->n; i++) {
        const mtp_study *st = &f->studies[i];
        const char *mark = (st->flags & MTP_STUDY_CC) ? " *" : (st->flags & MTP_STUDY_NO_EFFECT) ? " +" : "";
        size_t pad;
        study_label(c, f, i, lab, sizeof lab);
        pad = lw - width(lab) - strlen(mark);
        mtpcli_out_printf(o, "%s%s%*s  ", lab, mark, (int)pad, "");
        if (st->flags & MTP_STUDY_DROPPED) {
            mtpcli_out_printf(o, "%10s  %-*s  %8s\n", "-", (int)cw, DROPPED_TEXT, "-");
            continue;
        }
        if (isnan(st->yi)) { /* MH: in the estimate, no finite study effect */
            mtpcli_out_printf(o, "%10s  %-*s  %7.2f%%\n", "-", (int)cw, NO_EFFECT_TEXT, st->weight);
            continue;
        }
        nat(e, sizeof e, c, f, st->yi);
        nat(a, sizeof a, c, f, st->yi - c->z * sqrt(st->vi));
        nat(b, sizeof b, c, f, st->yi + c->z * sqrt(st->vi));
        snprintf(ci, sizeof ci, "[%s, %s]", a, b);
        mtpcli_out_printf(o, "%10s  %-*s  %7.2f%%\n", e, (int)cw, ci, st->weight);
    }
    nat(e, sizeof e, c, f, f->res.estimate);
    nat(a, sizeof a, c, f, f->res.ci_lower);
    nat(b, sizeof b, c, f, f->res.ci_upper);
    snprintf(ci, sizeof ci, "[%s, %s]", a, b);
    mtpcli_out_printf(o, "%-*s  %10s  %-*s  %7.2f%%\n", (int)lw, total_label, e, (int)cw, ci, 100.0);
}

/* ------------------------------------------------------------ statistics */

static void stats_block(const tctx *c, const mtpcli_fit *f)
{
    mtpcli_out *o = c->o;
    const mtp_result *r = &f->res;
    const int dig = c->dig, random = mtp_method_is_random(r->method);
    const char *scale = mtpcli_is_ratio(f) ? (f->measure == MTP_MEASURE_RR ? " (log RR scale)" : " (log OR scale)") : "";
    char e[64], a[64], b[64], p[64], s2[64];
    const char *lv = c->s->level_pct == 95 ? "95%" : NULL;
    char lvbuf[32];
    if (lv == NULL) {
        snprintf(lvbuf, sizeof lvbuf, "%g%%", c->s->level_pct);
        lv = lvbuf;
    }
    nat(e, sizeof e, c, f, r->estimate);
    nat(a, sizeof a, c, f, r->ci_lower);
    nat(b, sizeof b, c, f, r->ci_upper);
    pval(p, sizeof p, dig, r->p);
    fixed(s2, sizeof s2, dig, r->stat);
    if (r->test == MTP_TEST_KNHA)
        mtpcli_out_printf(o, "Pooled %s: %s, %s CI %s to %s; t(%g) = %s, p %s\n", effect_head(f), e, lv,
                          a, b, r->df, s2, p);
    else
        mtpcli_out_printf(o, "Pooled %s: %s, %s CI %s to %s; z = %s, p %s\n", effect_head(f), e, lv, a,
                          b, s2, p);
    if (random) {
        if (isnan(r->pi_lower)) {
            mtpcli_out_printf(o, "Prediction interval: not defined (see notes)\n");
        } else {
            nat(a, sizeof a, c, f, r->pi_lower);
            nat(b, sizeof b, c, f, r->pi_upper);
            if (isnan(r->pi_df))
                mtpcli_out_printf(o, "%s prediction interval: %s to %s (normal)\n", lv, a, b);
            else
                mtpcli_out_printf(o, "%s prediction interval: %s to %s (t, %g df)\n", lv, a, b, r->pi_df);
        }
        fixed(e, sizeof e, dig, r->tau2);
        fixed(a, sizeof a, dig, r->tau2_ci_lower);
        fixed(b, sizeof b, dig, r->tau2_ci_upper);
        if (isnan(r->tau2_ci_lower))
            mtpcli_out_printf(o, "tau²: %s%s\n", e, scale);
        else
            mtpcli_out_printf(o, "tau²: %s, %s CI %s to %s%s\n", e, lv, a, b, scale);
        fixed(e, sizeof e, dig, r->tau);
        mtpcli_out_printf(o, "tau: %s\n", e);
    }
    fixed(e, sizeof e, dig, r->q);
    pval(p, sizeof p, dig, r->q_p);
    mtpcli_out_printf(o, "Heterogeneity: Q = %s (df = %g), p %s\n", e, r->q_df, p);
    fixed(e, sizeof e, 2, r->i2);
    fixed(a, sizeof a, 2, r->i2_ci_lower);
    fixed(b, sizeof b, 2, r->i2_ci_upper);
    if (isnan(r->i2_ci_lower) || !random)
        mtpcli_out_printf(o, "I²: %s%%\n", e);
    else
        mtpcli_out_printf(o, "I²: %s%%, %s CI %s%% to %s%%\n", e, lv, a, b);
    fixed(e, sizeof e, 2, r->h2);
    fixed(a, sizeof a, 2, r->h2_ci_lower);
    fixed(b, sizeof b, 2, r->h2_ci_upper);
    if (isnan(r->h2_ci_lower) || !random)
        mtpcli_out_printf(o, "H²: %s\n", e);
    else
        mtpcli_out_printf(o, "H²: %s, %s CI %s to %s\n", e, lv, a, b);
}

/* ------------------------------------------------------------ notes */

static size_t count_flag(const mtpcli_fit *f, unsigned int flag)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += (f->studies[i].flags & flag) != 0;
    return n;
}

static void notes_lines(const tctx *c, mtpcli_out *o, const mtpcli_fit *f, int common_tau2)
{
    const mtp_result *r = &f->res;
    const mtp_options *op = &c->s->opts;
    const unsigned int n = f->notes;
    const size_t ncc = count_flag(f, MTP_STUDY_CC), ndrop = count_flag(f, MTP_STUDY_DROPPED);
    const size_t nnoeff = count_flag(f, MTP_STUDY_NO_EFFECT);
    if (mtp_method_is_random(r->method) && !(n & MTP_NOTE_TAU2_FIXED)) {
        if (r->iterations > 0)
            mtpcli_out_printf(o, "- %s: %s after %u iterations.\n", mtp_method_name(r->method),
                              r->converged ? "converged" : "did NOT converge", r->iterations);
    }
    if (ncc > 0)
        mtpcli_out_printf(o, "- * %zu table%s corrected: %g added to every cell (--cc-when %s).\n", ncc,
                          ncc == 1 ? "" : "s", op->cc,
                          op->cc_when == MTP_CC_ALL ? "all" : op->cc_when == MTP_CC_NEVER ? "never" : "zero");
    if (ndrop > 0)
        mtpcli_out_printf(o, "- %zu double-zero table%s dropped: no events (or only events) in both arms "
                             "(--double-zero keep keeps them).\n",
                          ndrop, ndrop == 1 ? "" : "s");
    if (nnoeff > 0)
        mtpcli_out_printf(o, "- + %zu table%s with a zero cell: in the Mantel-Haenszel estimate (exact, "
                             "uncorrected), but without a finite effect, so not in Q.\n",
                          nnoeff, nnoeff == 1 ? "" : "s");
    if (n & MTP_NOTE_TAU2_TRUNCATED)
        mtpcli_out_puts(o, "- The tau² estimate was negative and was set to 0.\n");
    if (n & MTP_NOTE_TAU2_NOT_ESTIMABLE)
        mtpcli_out_puts(o, "- One study: tau² cannot be estimated and is 0.\n");
    if ((n & MTP_NOTE_TAU2_FIXED) && common_tau2)
        mtpcli_out_puts(o, "- tau² is the one common to all subgroups (method of moments, pooled "
                           "within subgroups), not estimated here.\n");
    if (n & MTP_NOTE_TEST_Z_FOR_K1)
        mtpcli_out_puts(o, "- --test knha with one study: the z test was used.\n");
    if (n & MTP_NOTE_ZERO_WIDTH_KNHA)
        mtpcli_out_puts(o, "- All estimates are equal: the Hartung-Knapp variance is 0 and the CI has "
                           "zero width.\n");
    if ((n & MTP_NOTE_PI_UNDEFINED) && mtp_method_is_random(r->method))
        mtpcli_out_puts(o, "- No prediction interval: t with k-2 df needs 3 or more studies.\n");
    if ((n & MTP_NOTE_TAU2_CI_UNDEFINED) && mtp_method_is_random(r->method))
        mtpcli_out_puts(o, "- No CI for tau²: the Q-profile method needs 2 or more studies.\n");
}

/* "Notes:" and its lines, if there are any. */
static void notes_block(const tctx *c, const mtpcli_fit *f, int common_tau2)
{
    mtpcli_out lines;
    memset(&lines, 0, sizeof lines);
    notes_lines(c, &lines, f, common_tau2);
    if (lines.failed)
        c->o->failed = 1;
    else if (lines.len > 0) {
        mtpcli_out_puts(c->o, "Notes:\n");
        mtpcli_out_write(c->o, lines.buf, lines.len);
    }
    mtpcli_out_free(&lines);
}

static void conventions(const tctx *c, const mtpcli_fit *f)
{
    mtpcli_out *o = c->o;
    const mtp_options *op = &c->s->opts;
    const mtp_method m = f->res.method;
    mtpcli_out_puts(o, "Conventions:\n");
    if ((f->kinds & (1u << MTPCLI_ROW_2X2)) && m == MTP_METHOD_PETO) {
        mtpcli_out_puts(o, "- 2x2 rows: Peto's log OR, (O - E) / V with variance 1 / V, never corrected; "
                           "tables without information (double zero) dropped.\n");
    } else if (f->kinds & (1u << MTPCLI_ROW_2X2)) {
        mtpcli_out_printf(o, "- 2x2 rows: %s from the counts as metafor's escalc; %g added to every "
                             "cell of %s; double-zero tables %s.\n",
                          mtpcli_measure_key(f), op->cc,
                          op->cc_when == MTP_CC_ALL ? "every table" :
                          op->cc_when == MTP_CC_NEVER ? "no table" : "tables with a zero cell",
                          op->double_zero == MTP_DZ_KEEP ? "kept" :
                          op->double_zero == MTP_DZ_DROP || f->measure != MTP_MEASURE_RD ? "dropped" : "kept");
    }
    if (f->kinds & (1u << MTPCLI_ROW_CI))
        mtpcli_out_printf(o, "- est, lower, upper rows: %s with SE = (%s - %s) / (2 x 1.959964), from the 95%% CI.\n",
                          mtpcli_is_ratio(f) ? "log ratio" : "difference",
                          mtpcli_is_ratio(f) ? "ln upper" : "upper", mtpcli_is_ratio(f) ? "ln lower" : "lower");
    if (m == MTP_METHOD_MH)
        mtpcli_out_printf(o, "- Mantel-Haenszel from the uncorrected counts (as metafor's rma.mh)%s; Q "
                             "around the MH estimate.\n",
                          f->measure == MTP_MEASURE_RD ? ", RD variance of Sato, Greenland & Robins (1989)" : "");
    if (m == MTP_METHOD_PETO)
        mtpcli_out_puts(o, "- Peto: sum(O - E) / sum(V) (Yusuf et al. 1985); Q around it.\n");
    if (f->res.test == MTP_TEST_KNHA)
        mtpcli_out_puts(o, "- Hartung-Knapp-Sidik-Jonkman: t with k-1 df and the adjusted variance.\n");
    if (c->s->subgroup != NULL && c->s->subgroup_tau2 == MTP_SUBGROUP_COMMON)
        mtpcli_out_printf(o, "- Common tau² = max(0, (sum Q_j - sum df_j) / sum C_j) over the subgroups: "
                             "the DerSimonian-Laird (method-of-moments) estimator pooled within "
                             "subgroups (Borenstein et al. 2009, ch. 19)%s.\n",
                          c->s->method_defaulted ? "; DL because --method was not given (a common "
                                                   "tau² needs DL; REML is the default otherwise)"
                                                 : "");
    if (mtp_method_is_random(m)) {
        mtpcli_out_printf(o, "- Prediction interval: %s; tau² CI: Q-profile (Viechtbauer 2007).\n",
                          op->pi == MTP_PI_NORMAL ? "normal" : "t with k-2 df (Higgins et al. 2009)");
        if (op->i2_def == MTP_I2_Q)
            mtpcli_out_puts(o, "- I² = 100 max(0, (Q - df) / Q), as RevMan, meta and CMA (--i2 q); "
                               "H² = Q / df.\n");
        else
            mtpcli_out_puts(o, "- I² = 100 tau² / (tau² + typical within-study variance), as metafor; "
                               "H² = 1 / (1 - I²/100).\n");
    } else {
        mtpcli_out_puts(o, "- I² = 100 max(0, (Q - df) / Q); H² = Q / df.\n");
    }
    mtpcli_out_printf(o, "- Study CIs: estimate +/- %.4f x SE%s.\n", c->z,
                      mtpcli_is_ratio(f) ? " on the log scale, exponentiated" : "");
}

/* ------------------------------------------------------------ reports */

static void header_line(const tctx *c, const mtpcli_fit *f)
{
    const mtp_result *r = &f->res;
    mtpcli_out_printf(c->o, "Meta-analysis of %s: %s", measure_title(f), model_name(r->method));
    if (mtp_method_is_random(r->method))
        mtpcli_out_printf(c->o, ", tau² by %s", mtp_method_name(r->method));
    mtpcli_out_printf(c->o, "; %zu stud%s", r->k_used, r->k_used == 1 ? "y" : "ies");
    if (r->k_used != f->n)
        mtpcli_out_printf(c->o, " pooled of %zu", f->n);
    mtpcli_out_puts(c->o, "\n");
}

static void fit_report(const tctx *c, const mtpcli_fit *f, const char *total)
{
    study_table(c, f, total);
    mtpcli_out_puts(c->o, "\n");
    stats_block(c, f);
}

static void analysis_report(const tctx *c, const mtpcli_analysis *a)
{
    mtpcli_out *o = c->o;
    const mtpcli_fit *ov = &a->overall;
    const int common = c->s->subgroup_tau2 == MTP_SUBGROUP_COMMON;
    char total[64];
    snprintf(total, sizeof total, "Pooled (%s)", mtp_method_name(ov->res.method));
    header_line(c, ov);
    mtpcli_out_printf(o, "Data: %s\n\n", mtpcli_input_name(c->s));
    if (a->groups == NULL) {
        fit_report(c, ov, total);
    } else {
        mtpcli_out_printf(o, "Subgroups by %s: %zu; tau² %s.\n", c->s->subgroup, a->ngroups,
                          common ? "common to all subgroups (method of moments, pooled within subgroups)"
                                 : "estimated separately in each subgroup");
        for (size_t g = 0; g < a->ngroups; g++) {
            char name[HEAD_MAX * 4 + 8];
            label_text(name, sizeof name, mtpcli_table_str(c->t, a->groups[g].name), HEAD_MAX);
            mtpcli_out_printf(o, "\n-- Subgroup %s --\n", name);
            fit_report(c, &a->groups[g], total);
            notes_block(c, &a->groups[g], common);
        }
        mtpcli_out_puts(o, "\n-- All studies --\n");
        fit_report(c, ov, total);
        {
            char q[64], p[64];
            fixed(q, sizeof q, c->dig, a->test.q);
            pval(p, sizeof p, c->dig, a->test.p);
            mtpcli_out_printf(o, "Test for subgroup differences: Q = %s (df = %g), p %s\n", q, a->test.df, p);
        }
    }
    mtpcli_out_puts(o, "\n");
    notes_block(c, ov, common);
    conventions(c, ov);
}

void mtpcli_write_text(mtpcli_out *o, const mtpcli_run *run, const mtpcli_table *t,
                       const mtpcli_settings *s)
{
    tctx c;
    c.o = o;
    c.t = t;
    c.s = s;
    c.z = z_crit(s->opts.level);
    c.dig = s->digits;
    for (size_t j = 0; j < run->n; j++) {
        const mtpcli_analysis *a = &run->a[j];
        if (j > 0)
            mtpcli_out_puts(o, "\n");
        if (a->by != MTPCLI_NONE) {
            char v[HEAD_MAX * 4 + 8];
            label_text(v, sizeof v, mtpcli_table_str(t, t->bys.off[a->by]), HEAD_MAX);
            mtpcli_out_printf(o, "=== %s = %s ===\n", s->by, v);
        }
        analysis_report(&c, a);
    }
}
