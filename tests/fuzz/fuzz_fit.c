/* libFuzzer target: the one fit (mtp_fit) over an arbitrary data view, with
 * moderators, keep mask and user weights, and what is built on it
 * (mtp_predict, mtp_permutest, mtp_subgroups).
 *
 * Input layout (every byte optional; missing bytes read as 0):
 *   byte 0   k (mod 41), byte 1 p (mod 6; 0 = intercept only, x NULL)
 *   byte 2   switches: bit 0 keep mask, bit 1 user weights, bit 2 a workspace
 *            too small, bit 3 NULL options, bit 4 mtp_permutest (small),
 *            bit 5 mtp_subgroups (intercept only), bit 6 an intercept column
 *            of ones forced in column 0
 *   bytes 3..8 options: tau2 method, test, pi, i2, flags, btt count (signed
 *            bytes taken as they are, so unknown values are tried)
 *   then     level, tau2_value, tol as numbers, then yi, vi, weights, the
 *            k x p moderators, keep bits, btt indices, group ids
 * A number is one tag byte: < 48 a special value (0, -0, NaN, +-Inf,
 * DBL_MAX, subnormals, ...), 48..175 the integer tag - 48, >= 176 followed
 * by 8 raw bytes of an IEEE double (as fuzz_pool.c).
 *
 * What must hold (abort() otherwise):
 * - on MTP_OK: finite coefficients with se >= 0 and ci_lower <= estimate <=
 *   ci_upper (a zero-width knha interval allowed); tau2 finite >= 0;
 *   1 <= k_used <= k, k_used > p with moderators; weights of the kept
 *   studies >= 0 summing to 100, NaN for the others; QE >= 0 when defined;
 *   p-values in [0, 1] or NaN; vcov symmetric;
 * - on failure: a documented status, err.code equal to it, a non-empty
 *   message, err.study < k or MTP_NO_STUDY, err.column < p or MTP_NO_INDEX.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_bytes.h"
#include "metapool.h"

#define MAXK 40
#define MAXP 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_fit"
#include "fuzz_check.h"

static int is_p(double p) { return isnan(p) || (p >= 0 && p <= 1); }

static void check_error(int rc, const mtp_error *e, size_t k, size_t p)
{
    CHECK(rc == MTP_EINVAL || rc == MTP_EDATA || rc == MTP_ETOOFEW || rc == MTP_ENOCONV ||
              rc == MTP_EBADLEN || rc == MTP_ENOMEM || rc == MTP_ENUMERIC || rc == MTP_ERANK,
          e->message);
    CHECK(e->code == rc, e->message);
    CHECK(memchr(e->message, '\0', sizeof e->message) != NULL, "message not terminated");
    CHECK(e->message[0] != '\0', "empty message");
    CHECK(e->study == MTP_NO_STUDY || e->study < k, e->message);
    CHECK(e->column == MTP_NO_INDEX || e->column < (p == 0 ? 1 : p), e->message);
}

static void check_coef(const mtp_coef *c, const char *d)
{
    CHECK(isfinite(c->estimate), d);
    CHECK(c->se >= 0 && !isnan(c->se), d);
    CHECK((c->ci_lower <= c->estimate && c->estimate <= c->ci_upper) || c->se == 0 ||
              isinf(c->se),
          d);
    CHECK(is_p(c->p), d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    const size_t k = get_byte(&r) % (MAXK + 1), p = get_byte(&r) % (MAXP + 1);
    const unsigned sw = get_byte(&r);
    static double yi[MAXK], vi[MAXK], wt[MAXK], x[MAXK * MAXP], weight[MAXK], fitted[MAXK],
        hat[MAXK], blup[MAXK], vcov[MAXP * MAXP];
    static unsigned char keep[MAXK];
    static size_t btt[MAXP], group[MAXK];
    mtp_coef coef[MAXP];
    mtp_summary s;
    mtp_model_options o = MTP_MODEL_OPTIONS_INIT;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_data d = {MTP_MEASURE_GENERIC, k, yi, vi, NULL, p, NULL, NULL};
    mtp_error e;
    mtp_workspace *w;
    size_t nbtt;
    int rc;
    char detail[160];

    o.tau2 = (mtp_tau2_method)(int8_t)get_byte(&r);
    o.test = (mtp_test)(int8_t)get_byte(&r);
    o.pi = (mtp_pi)(int8_t)get_byte(&r);
    o.i2 = (mtp_i2_def)(int8_t)get_byte(&r);
    o.flags = get_byte(&r) & ~(unsigned)MTP_FIT_TAU2_PL; /* PL: slow bisections, tested elsewhere */
    nbtt = get_byte(&r) % (MAXP + 1);
    o.level = get_number(&r);
    o.tau2_value = get_number(&r);
    o.tol = get_number(&r);
    if (o.tol != 0 && !(o.tol >= 1e-14))
        o.tol = 0; /* a tolerance below the double's resolution only costs time */
    o.max_iter = 200;
    for (size_t i = 0; i < k; i++) {
        yi[i] = get_number(&r);
        vi[i] = get_number(&r);
        wt[i] = (sw & 2) ? get_number(&r) : 1;
    }
    for (size_t i = 0; i < k * p; i++)
        x[i] = get_number(&r);
    if (sw & 64)
        for (size_t i = 0; i < k && p > 0; i++)
            x[i * p] = 1;
    for (size_t i = 0; i < k; i++) {
        keep[i] = (sw & 1) ? (get_byte(&r) & 1) : 1;
        group[i] = get_byte(&r) % 4;
    }
    for (size_t j = 0; j < nbtt; j++)
        btt[j] = get_byte(&r) % (MAXP + 1);
    if (p > 0)
        d.x = x;
    if (sw & 1)
        d.keep = keep;
    if (sw & 2)
        d.weights = wt;
    if (nbtt > 0) {
        o.btt = btt;
        o.nbtt = nbtt;
    }
    if (getenv("FUZZ_FIT_DEBUG") != NULL) { /* the call, for a regression test */
        fprintf(stderr, "k %zu p %zu sw %u tau2 %d test %d pi %d i2 %d flags %u nbtt %zu level %.17g "
                        "tau2_value %.17g tol %.17g\n", k, p, sw, (int)o.tau2, (int)o.test,
                (int)o.pi, (int)o.i2, o.flags, nbtt, o.level, o.tau2_value, o.tol);
        for (size_t i = 0; i < k; i++) {
            fprintf(stderr, "  %zu: y %.17g v %.17g w %.17g keep %d group %zu x", i, yi[i], vi[i], wt[i], keep[i], group[i]);
            for (size_t j = 0; j < p; j++)
                fprintf(stderr, " %.17g", x[i * p + j]);
            fprintf(stderr, "\n");
        }
    }
    w = mtp_workspace_alloc(k == 0 ? 1 : ((sw & 4) && k > 1 ? k - 1 : k), MAXP);
    if (w == NULL)
        abort();
    out.summary = &s;
    out.coef = coef;
    out.vcov = vcov;
    out.weight = weight;
    out.fitted = fitted;
    out.hat = hat;
    out.blup = blup;
    rc = mtp_fit(&out, w, &d, (sw & 8) ? NULL : &o, &e);
    if (rc != MTP_OK) {
        check_error(rc, &e, k, p);
    } else {
        const size_t pp = p == 0 ? 1 : p;
        double wsum = 0;
        snprintf(detail, sizeof detail, "k %zu kept %zu p %zu tau2 %g est %g se %g", k, s.k_used, p,
                 s.tau2, s.mu.estimate, s.mu.se);
        CHECK(s.k == k && s.k_used >= 1 && s.k_used <= k, detail);
        CHECK(p == 0 || s.k_used > p, detail);
        CHECK(isfinite(s.tau2) && s.tau2 >= 0, detail);
        CHECK(is_p(s.qe_p) && is_p(s.qm_p), detail);
        CHECK(isnan(s.qe) || s.qe >= 0, detail);
        for (size_t j = 0; j < pp; j++) {
            check_coef(&coef[j], detail);
            for (size_t l = 0; l < pp; l++)
                CHECK(vcov[j * pp + l] == vcov[l * pp + j], detail);
        }
        for (size_t i = 0; i < k; i++) {
            if ((sw & 1) && !keep[i]) {
                CHECK(isnan(weight[i]), detail);
                continue;
            }
            CHECK(weight[i] >= 0 && isfinite(weight[i]), detail);
            wsum += weight[i];
        }
        CHECK(fabs(wsum - 100) <= 1e-9 * 100 * (double)k, detail);
        {
            mtp_prediction pr[2];
            const double xnew[2 * MAXP] = {1, 0.5, -1, 2, 0, 1, 1, 1, 1, 1};
            rc = mtp_predict(pr, &s, coef, vcov, xnew, 2, (sw & 8) ? NULL : &o, &e);
            if (rc != MTP_OK)
                check_error(rc, &e, k, p);
        }
        if ((sw & 16) && s.k_used <= 8) {
            mtp_permutation perm;
            double pc[MAXP];
            rc = mtp_permutest(&perm, pc, w, &d, (sw & 8) ? NULL : &o, 50, 7, &e);
            if (rc == MTP_OK) {
                CHECK(is_p(perm.qm_p), "permutation QM p");
                for (size_t j = 0; j < pp; j++)
                    CHECK(is_p(pc[j]), "permutation p");
                CHECK(perm.iterations <= 50, "permutation count");
            } else {
                check_error(rc, &e, k, p);
            }
        }
    }
    if ((sw & 32) && p == 0 && k > 0) {
        mtp_fit_out g[4] = {MTP_FIT_OUT_INIT, MTP_FIT_OUT_INIT, MTP_FIT_OUT_INIT, MTP_FIT_OUT_INIT};
        mtp_summary gs[4];
        mtp_subgroup_diff t;
        for (size_t j = 0; j < 4; j++) {
            g[j].summary = &gs[j];
            g[j].weight = weight;
        }
        rc = mtp_subgroups(g, NULL, &t, w, &d, group, 1 + (sw >> 7) * 3,
                           (sw & 128) ? MTP_SUBGROUP_COMMON : MTP_SUBGROUP_SEPARATE,
                           (sw & 8) ? NULL : &o, &e);
        if (rc != MTP_OK)
            check_error(rc, &e, k, p);
        else
            CHECK(isnan(t.q) || (t.q >= 0 && is_p(t.p)), "Q between");
    }
    mtp_workspace_free(w);
    return 0;
}
