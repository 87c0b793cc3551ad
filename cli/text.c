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
    int dig;
} tctx;

/* The normal quantile of the study CIs (the fit's ci_lower/ci_upper
 * outputs), for the line that states it: the library's, as the upper limit
 * of a prediction at 1 from a coefficient 0 with variance 1 under the z test. */
static double z_of(const mtpcli_fit *f)
{
    mtp_summary s = f->sum;
    mtp_coef b = {0, 1, 0, NAN, 1, NAN, NAN};
    mtp_prediction pr;
    const double one = 1, var = 1;
    s.test = MTP_TEST_Z;
    s.p = 1;
    if (mtp_predict(&pr, &s, &b, &var, &one, 1, NULL, NULL) != MTP_OK)
        return NAN;
    return pr.ci_upper;
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

/* "risk ratio (RR)"; "estimates as given (yi)" for generic effects. */
static void measure_title(char *dst, size_t size, const mtpcli_fit *f)
{
    const mtp_measure_info *m = mtpcli_measure_info(f);
    size_t i;
    if (!(m->flags & MTP_MEASURE_FROM_2X2)) {
        snprintf(dst, size, "estimates as given (yi)");
        return;
    }
    snprintf(dst, size, "%s (%s)", m->label, m->name);
    for (i = 0; dst[i] != '\0' && dst[i] != ' '; i++) /* the label's first word in lower case */
        if (dst[i] >= 'A' && dst[i] <= 'Z')
            dst[i] = (char)(dst[i] - 'A' + 'a');
}

static const char *effect_head(const mtpcli_fit *f) { return mtpcli_measure_info(f)->heading; }

static const char *model_name(const mtpcli_fit *f)
{
    switch (f->fe) {
    case MTP_FE_MH: return "fixed-effect model (Mantel-Haenszel)";
    case MTP_FE_PETO: return "fixed-effect model (Peto)";
    default: return mtpcli_is_random(f) ? "random-effects model" : "fixed-effect model (inverse variance)";
    }
}

/* ------------------------------------------------------------ study table */

/* total_label NULL: no pooled row (a meta-regression has no pooled estimate). */
static void study_table(const tctx *c, const mtpcli_fit *f, const char *total_label)
{
    mtpcli_out *o = c->o;
    char lab[LABEL_MAX * 4 + 8], a[64], b[64], e[64], ci[160];
    size_t lw = total_label != NULL ? width(total_label) : strlen("Study"), cw = strlen("95% CI");
    const int pct = (int)lround(c->s->level_pct);
    /* widths first */
    for (size_t i = 0; i < f->n; i++) {
        const unsigned int fl = f->st.flags[i];
        size_t w;
        study_label(c, f, i, lab, sizeof lab);
        w = width(lab) + ((fl & (MTP_STUDY_CC | MTP_STUDY_NO_EFFECT)) ? 2 : 0);
        if (w > lw)
            lw = w;
        if (fl & MTP_STUDY_DROPPED) {
            if (strlen(DROPPED_TEXT) > cw)
                cw = strlen(DROPPED_TEXT);
            continue;
        }
        if (isnan(f->st.yi[i])) {
            if (strlen(NO_EFFECT_TEXT) > cw)
                cw = strlen(NO_EFFECT_TEXT);
            continue;
        }
        nat(a, sizeof a, c, f, f->st.ci_lower[i]);
        nat(b, sizeof b, c, f, f->st.ci_upper[i]);
        snprintf(ci, sizeof ci, "[%s, %s]", a, b);
        if (strlen(ci) > cw)
            cw = strlen(ci);
    }
    if (total_label != NULL) {
        nat(a, sizeof a, c, f, f->sum.mu.ci_lower);
        nat(b, sizeof b, c, f, f->sum.mu.ci_upper);
        snprintf(ci, sizeof ci, "[%s, %s]", a, b);
        if (strlen(ci) > cw)
            cw = strlen(ci);
    }

    if ((double)pct == c->s->level_pct)
        snprintf(a, sizeof a, "%d%% CI", pct);
    else
        snprintf(a, sizeof a, "%g%% CI", c->s->level_pct);
    mtpcli_out_printf(o, "%-*s  %10s  %-*s  %8s\n", (int)lw, "Study", effect_head(f), (int)cw, a,
                      "Weight");
    for (size_t i = 0; i < f->n; i++) {
        const unsigned int fl = f->st.flags[i];
        const char *mark = (fl & MTP_STUDY_CC) ? " *" : (fl & MTP_STUDY_NO_EFFECT) ? " +" : "";
        size_t pad;
        study_label(c, f, i, lab, sizeof lab);
        pad = lw - width(lab) - strlen(mark);
        mtpcli_out_printf(o, "%s%s%*s  ", lab, mark, (int)pad, "");
        if (fl & MTP_STUDY_DROPPED) {
            mtpcli_out_printf(o, "%10s  %-*s  %8s\n", "-", (int)cw, DROPPED_TEXT, "-");
            continue;
        }
        if (isnan(f->st.yi[i])) { /* MH: in the estimate, no finite study effect */
            mtpcli_out_printf(o, "%10s  %-*s  %7.2f%%\n", "-", (int)cw, NO_EFFECT_TEXT, f->st.weight[i]);
            continue;
        }
        nat(e, sizeof e, c, f, f->st.yi[i]);
        nat(a, sizeof a, c, f, f->st.ci_lower[i]);
        nat(b, sizeof b, c, f, f->st.ci_upper[i]);
        snprintf(ci, sizeof ci, "[%s, %s]", a, b);
        mtpcli_out_printf(o, "%10s  %-*s  %7.2f%%\n", e, (int)cw, ci, f->st.weight[i]);
    }
    if (total_label == NULL)
        return;
    nat(e, sizeof e, c, f, f->sum.mu.estimate);
    nat(a, sizeof a, c, f, f->sum.mu.ci_lower);
    nat(b, sizeof b, c, f, f->sum.mu.ci_upper);
    snprintf(ci, sizeof ci, "[%s, %s]", a, b);
    mtpcli_out_printf(o, "%-*s  %10s  %-*s  %7.2f%%\n", (int)lw, total_label, e, (int)cw, ci, 100.0);
}

/* ------------------------------------------------------------ statistics */

static const char *level_text(const tctx *c, char *buf, size_t size)
{
    if (c->s->level_pct == 95)
        return "95%";
    snprintf(buf, size, "%g%%", c->s->level_pct);
    return buf;
}

static void stats_block(const tctx *c, const mtpcli_fit *f)
{
    mtpcli_out *o = c->o;
    const mtp_summary *r = &f->sum;
    const int dig = c->dig, random = mtpcli_is_random(f);
    char scale[64] = "", e[64], a[64], b[64], p[64], s2[64], lvbuf[32];
    const char *lv = level_text(c, lvbuf, sizeof lvbuf);
    if (mtpcli_is_ratio(f))
        snprintf(scale, sizeof scale, " (log %s scale)", mtpcli_measure_key(f));
    nat(e, sizeof e, c, f, r->mu.estimate);
    nat(a, sizeof a, c, f, r->mu.ci_lower);
    nat(b, sizeof b, c, f, r->mu.ci_upper);
    pval(p, sizeof p, dig, r->mu.p);
    fixed(s2, sizeof s2, dig, r->mu.stat);
    if (r->test == MTP_TEST_KNHA)
        mtpcli_out_printf(o, "Pooled %s: %s, %s CI %s to %s; t(%g) = %s, p %s\n", effect_head(f), e, lv,
                          a, b, r->mu.df, s2, p);
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
    fixed(e, sizeof e, dig, r->qe);
    pval(p, sizeof p, dig, r->qe_p);
    mtpcli_out_printf(o, "Heterogeneity: Q = %s (df = %g), p %s\n", e, r->qe_df, p);
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

/* ------------------------------------------------------------ meta-regression */

/* A p-value as metafor prints it: "<.0001", or with dig decimals. */
static void r_pval(char *dst, size_t size, int dig, double p)
{
    const int d = dig > 0 ? dig : 1;
    if (isnan(p))
        snprintf(dst, size, "NA");
    else if (p < pow(10, -d))
        snprintf(dst, size, "<.%0*d", d, 1);
    else
        snprintf(dst, size, "%.*f", d, p);
}

/* "p-val < .0001" / "p-val = 0.0114" (prefix "p-val" or "p-val*"). */
static void r_pval_eq(char *dst, size_t size, const char *prefix, int dig, double p)
{
    char v[64];
    r_pval(v, sizeof v, dig, p);
    if (v[0] == '<')
        snprintf(dst, size, "%s < %s", prefix, v + 1);
    else
        snprintf(dst, size, "%s = %s", prefix, v);
}

static const char *stars(double p)
{
    return isnan(p) ? "" : p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";
}

/* "2:4", "2,4:5", "1" (1-based, as metafor writes btt). */
static void btt_text(char *dst, size_t size, const size_t *btt, size_t n)
{
    size_t o = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < n && o < size; i++) {
        size_t j = i;
        while (j + 1 < n && btt[j + 1] == btt[j] + 1)
            j++;
        if (j > i)
            o += (size_t)snprintf(dst + o, size - o, "%s%zu:%zu", i ? "," : "", btt[i] + 1, btt[j] + 1);
        else
            o += (size_t)snprintf(dst + o, size - o, "%s%zu", i ? "," : "", btt[i] + 1);
        i = j;
    }
}

/* The coefficient table (metafor's "Model Results"): estimate, se, zval or
 * tval (df), pval (and pval* of the permutation test), ci.lb, ci.ub. */
static void coef_table(const tctx *c, const mtpcli_fit *f)
{
    enum { NCOL = 8 };
    const mtpcli_design *d = f->design;
    const int knha = f->sum.test == MTP_TEST_KNHA, dig = c->dig;
    const char *head[NCOL] = {"estimate", "se", knha ? "tval" : "zval", "df", "pval", "pval*",
                              "ci.lb", "ci.ub"};
    int show[NCOL] = {1, 1, 1, knha, 1, f->permuted, 1, 1};
    size_t wname = 0, wcol[NCOL];
    char cell[NCOL][64];
    for (size_t j = 0; j < d->p; j++) {
        const size_t n = width(mtpcli_design_name(d, j));
        if (n > wname)
            wname = n;
    }
    for (int k = 0; k < NCOL; k++)
        wcol[k] = strlen(head[k]);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            mtpcli_out_printf(c->o, "%*s", (int)wname, "");
            for (int k = 0; k < NCOL; k++)
                if (show[k])
                    mtpcli_out_printf(c->o, "  %*s", (int)wcol[k], head[k]);
            mtpcli_out_puts(c->o, "\n");
        }
        for (size_t j = 0; j < d->p; j++) {
            const mtp_coef *b = &f->coef[j];
            const double pv = f->permuted ? f->perm_p[j] : b->p;
            fixed(cell[0], sizeof cell[0], dig, b->estimate);
            fixed(cell[1], sizeof cell[1], dig, b->se);
            fixed(cell[2], sizeof cell[2], dig, b->stat);
            snprintf(cell[3], sizeof cell[3], "%g", b->df);
            r_pval(cell[4], sizeof cell[4], dig, b->p);
            r_pval(cell[5], sizeof cell[5], dig, f->permuted ? f->perm_p[j] : NAN);
            fixed(cell[6], sizeof cell[6], dig, b->ci_lower);
            fixed(cell[7], sizeof cell[7], dig, b->ci_upper);
            if (pass == 0) {
                for (int k = 0; k < NCOL; k++)
                    if (strlen(cell[k]) > wcol[k])
                        wcol[k] = strlen(cell[k]);
                continue;
            }
            {
                const char *name = mtpcli_design_name(d, j);
                const char *st = stars(pv);
                mtpcli_out_printf(c->o, "%s%*s", name, (int)(wname - width(name)), "");
                for (int k = 0; k < NCOL; k++)
                    if (show[k])
                        mtpcli_out_printf(c->o, "  %*s", (int)wcol[k], cell[k]);
                mtpcli_out_printf(c->o, "%s%s\n", *st ? "  " : "", st);
            }
        }
    }
    mtpcli_out_puts(c->o, "\n---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n");
}

/* The meta-regression as metafor's print.rma shows it. */
static void mods_block(const tctx *c, const mtpcli_fit *f)
{
    mtpcli_out *o = c->o;
    const mtp_summary *r = &f->sum;
    const int dig = c->dig, random = mtpcli_is_random(f);
    char e[64], a[64], p[96], b[400];
    if (random)
        mtpcli_out_printf(o, "Mixed-Effects Model (k = %zu; tau^2 estimator: %s)\n\n", r->k_used,
                          mtpcli_method_name(f));
    else
        mtpcli_out_printf(o, "Fixed-Effects with Moderators Model (k = %zu)\n\n", r->k_used);
    if (random) {
        fixed(e, sizeof e, dig, r->tau2);
        fixed(a, sizeof a, dig, r->tau2_se);
        if (isnan(r->tau2_se))
            mtpcli_out_printf(o, "tau^2 (estimated amount of residual heterogeneity):     %s\n", e);
        else
            mtpcli_out_printf(o, "tau^2 (estimated amount of residual heterogeneity):     %s (SE = %s)\n",
                              e, a);
        fixed(e, sizeof e, dig, r->tau);
        mtpcli_out_printf(o, "tau (square root of estimated tau^2 value):             %s\n", e);
    }
    fixed(e, sizeof e, 2, r->i2);
    mtpcli_out_printf(o, "I^2 (residual heterogeneity / unaccounted variability): %s%%\n", e);
    fixed(e, sizeof e, 2, r->h2);
    mtpcli_out_printf(o, "H^2 (unaccounted variability / sampling variability):   %s\n", e);
    if (!isnan(r->r2)) {
        fixed(e, sizeof e, 2, r->r2);
        mtpcli_out_printf(o, "R^2 (amount of heterogeneity accounted for):            %s%%\n", e);
    }
    fixed(e, sizeof e, dig, r->qe);
    r_pval_eq(p, sizeof p, "p-val", dig, r->qe_p);
    mtpcli_out_printf(o, "\nTest for Residual Heterogeneity:\nQE(df = %g) = %s, %s\n", r->qe_df, e, p);
    btt_text(b, sizeof b, f->btt, f->nbtt);
    fixed(e, sizeof e, dig, r->qm);
    r_pval_eq(p, sizeof p, "p-val", dig, r->qm_p);
    mtpcli_out_printf(o, "\nTest of Moderators (coefficient%s %s):\n", f->nbtt == 1 ? "" : "s", b);
    if (r->test == MTP_TEST_KNHA)
        mtpcli_out_printf(o, "F(df1 = %g, df2 = %g) = %s, %s", r->qm_df, r->qm_df2, e, p);
    else
        mtpcli_out_printf(o, "QM(df = %g) = %s, %s", r->qm_df, e, p);
    if (f->permuted) {
        r_pval_eq(p, sizeof p, "p-val*", dig, f->perm.qm_p);
        mtpcli_out_printf(o, "; %s", p);
    }
    mtpcli_out_puts(o, "\n\nModel Results:\n\n");
    coef_table(c, f);
    if (f->permuted)
        mtpcli_out_printf(o, "* p-values of the permutation test: %lu %s permutations%s\n",
                          f->perm.iterations, f->perm.exact ? "(all distinct)" : "random",
                          f->perm.exact ? ", exact" : "");
}

/* ------------------------------------------------------------ notes */

static size_t count_flag(const mtpcli_fit *f, unsigned int flag)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += (f->st.flags[i] & flag) != 0;
    return n;
}

static const char *cc_when_name(mtp_cc_rule r)
{
    return r == MTP_CC_ALL ? "all" : r == MTP_CC_NEVER ? "never" : "zero";
}

/* How the common tau² was estimated, for the report's lines. */
static int common_is_dl(const mtpcli_fit *f) { return f->sum.tau2_method == MTP_TAU2_DL; }

static void notes_lines(const tctx *c, mtpcli_out *o, const mtpcli_fit *f, int common_tau2)
{
    const mtp_summary *r = &f->sum;
    const mtpcli_settings *op = c->s;
    const unsigned int n = f->notes;
    const int random = mtpcli_is_random(f);
    const size_t ncc = count_flag(f, MTP_STUDY_CC), ndrop = count_flag(f, MTP_STUDY_DROPPED);
    const size_t nnoeff = count_flag(f, MTP_STUDY_NO_EFFECT);
    if (random && !(n & (MTP_NOTE_TAU2_FIXED | MTP_NOTE_TAU2_COMMON))) {
        if (r->iterations > 0)
            mtpcli_out_printf(o, "- %s: %s after %u iterations.\n", mtpcli_method_name(f),
                              r->converged ? "converged" : "did NOT converge", r->iterations);
    }
    if (ncc > 0)
        mtpcli_out_printf(o, "- * %zu table%s corrected: %g added to every cell (--cc-when %s).\n", ncc,
                          ncc == 1 ? "" : "s", op->cc, cc_when_name(op->cc_when));
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
    if ((n & MTP_NOTE_TAU2_COMMON) && common_tau2) {
        if (common_is_dl(f))
            mtpcli_out_puts(o, "- tau² is the one common to all subgroups (method of moments, pooled "
                               "within subgroups), not estimated here.\n");
        else
            mtpcli_out_printf(o, "- tau² is the one common to all subgroups (%s on the subgroups), not "
                                 "estimated here.\n",
                              mtpcli_method_name(f));
    }
    if (n & MTP_NOTE_TEST_Z_FOR_K1)
        mtpcli_out_puts(o, "- --test knha with one study: the z test was used.\n");
    if (n & MTP_NOTE_ZERO_WIDTH_KNHA)
        mtpcli_out_puts(o, "- All estimates are equal: the Hartung-Knapp variance is 0 and the CI has "
                           "zero width.\n");
    if ((n & MTP_NOTE_PI_UNDEFINED) && random)
        mtpcli_out_puts(o, "- No prediction interval: t with k-2 df needs 3 or more studies.\n");
    if ((n & MTP_NOTE_TAU2_CI_UNDEFINED) && random)
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
    const mtpcli_settings *op = c->s;
    const int random = mtpcli_is_random(f);
    mtpcli_out_puts(o, "Conventions:\n");
    if ((f->kinds & (1u << MTPCLI_ROW_2X2)) && f->fe == MTP_FE_PETO) {
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
    if (f->fe == MTP_FE_MH)
        mtpcli_out_printf(o, "- Mantel-Haenszel from the uncorrected counts (as metafor's rma.mh)%s; Q "
                             "around the MH estimate.\n",
                          f->measure == MTP_MEASURE_RD ? ", RD variance of Sato, Greenland & Robins (1989)" : "");
    if (f->fe == MTP_FE_PETO)
        mtpcli_out_puts(o, "- Peto: sum(O - E) / sum(V) (Yusuf et al. 1985); Q around it.\n");
    if (f->sum.test == MTP_TEST_KNHA)
        mtpcli_out_printf(o, "- Hartung-Knapp-Sidik-Jonkman: t with k-%zu df and the adjusted variance.\n",
                          f->design != NULL ? f->design->p : (size_t)1);
    if (f->design != NULL)
        mtpcli_out_printf(o, "- Model matrix of %s as R's model.matrix (metafor's rma): treatment "
                             "coding, the first level (R's sort in the C locale: byte order; numbers "
                             "by value) the reference.\n",
                          mtpcli_formula_str(&op->mods, op->mods.text));
    if (op->subgroup != NULL && op->subgroup_tau2 == MTP_SUBGROUP_COMMON) {
        if (common_is_dl(f))
            mtpcli_out_printf(o, "- Common tau² = max(0, (sum Q_j - sum df_j) / sum C_j) over the "
                                 "subgroups: the DerSimonian-Laird (method-of-moments) estimator pooled "
                                 "within subgroups (Borenstein et al. 2009, ch. 19)%s.\n",
                              op->method_defaulted ? "; DL because --method was not given (REML is "
                                                     "the default otherwise)"
                                                   : "");
        else
            mtpcli_out_printf(o, "- Common tau²: the %s estimate of the meta-regression on the "
                                 "subgroups (metafor's rma(yi, vi, mods = ~ factor(%s), method = "
                                 "\"%s\")), with its Q-profile CI.\n",
                              mtpcli_method_name(f), op->subgroup, mtpcli_method_name(f));
    }
    if (random) {
        if (f->design == NULL)
            mtpcli_out_printf(o, "- Prediction interval: %s; tau² CI: Q-profile (Viechtbauer 2007).\n",
                              op->pi == MTP_PI_NORMAL ? "normal"
                              : op->pi == MTP_PI_T_K1 ? "t with k-1 df"
                                                      : "t with k-2 df (Higgins et al. 2009)");
        if (op->i2 == MTP_I2_Q)
            mtpcli_out_puts(o, "- I² = 100 max(0, (Q - df) / Q), as RevMan, meta and CMA (--i2 q); "
                               "H² = Q / df.\n");
        else
            mtpcli_out_puts(o, "- I² = 100 tau² / (tau² + typical within-study variance), as metafor; "
                               "H² = 1 / (1 - I²/100).\n");
    } else {
        mtpcli_out_puts(o, "- I² = 100 max(0, (Q - df) / Q); H² = Q / df.\n");
    }
    mtpcli_out_printf(o, "- Study CIs: estimate +/- %.4f x SE%s.\n", z_of(f),
                      mtpcli_is_ratio(f) ? " on the log scale, exponentiated" : "");
}

/* ------------------------------------------------------------ reports */

static void header_line(const tctx *c, const mtpcli_fit *f)
{
    const mtp_summary *r = &f->sum;
    char title[128];
    measure_title(title, sizeof title, f);
    if (f->design != NULL)
        mtpcli_out_printf(c->o, "Meta-regression of %s: %s", title,
                          mtpcli_is_random(f) ? "mixed-effects model" : "fixed-effects model with moderators");
    else
        mtpcli_out_printf(c->o, "Meta-analysis of %s: %s", title, model_name(f));
    if (mtpcli_is_random(f))
        mtpcli_out_printf(c->o, ", tau² by %s", mtpcli_method_name(f));
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

/* The permutation test of an intercept-only model. */
static void permutation_line(const tctx *c, const mtpcli_fit *f)
{
    char p[96];
    r_pval_eq(p, sizeof p, "p-val*", c->dig, f->perm_p[0]);
    mtpcli_out_printf(c->o, "Permutation test of the pooled estimate (%lu %s sign flips%s): %s\n",
                      f->perm.iterations, f->perm.exact ? "(all)" : "random",
                      f->perm.exact ? ", exact" : "", p);
}

static void analysis_report(const tctx *c, const mtpcli_analysis *a)
{
    mtpcli_out *o = c->o;
    const mtpcli_fit *ov = &a->overall;
    const int common = c->s->subgroup_tau2 == MTP_SUBGROUP_COMMON;
    char total[64];
    snprintf(total, sizeof total, "Pooled (%s)", mtpcli_method_name(ov));
    header_line(c, ov);
    mtpcli_out_printf(o, "Data: %s\n", mtpcli_input_name(c->s));
    if (ov->design != NULL)
        mtpcli_out_printf(o, "Model: %s%s\n", mtpcli_formula_str(&c->s->mods, c->s->mods.text),
                          mtpcli_is_ratio(ov) ? " (coefficients on the log scale)" : "");
    mtpcli_out_puts(o, "\n");
    if (ov->design != NULL) {
        study_table(c, ov, NULL);
        mtpcli_out_puts(o, "\n");
        mods_block(c, ov);
    } else if (a->groups == NULL) {
        fit_report(c, ov, total);
        if (ov->permuted)
            permutation_line(c, ov);
    } else {
        const char *how = !common ? "estimated separately in each subgroup"
                          : common_is_dl(ov) ? "common to all subgroups (method of moments, pooled within subgroups)"
                                             : "common to all subgroups (the meta-regression on the subgroups)";
        mtpcli_out_printf(o, "Subgroups by %s: %zu; tau² %s.\n", c->s->subgroup, a->ngroups, how);
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
