/* JSON output through jansson (issue 3's keys, in this order). Every number
 * is a double printed with 17 significant digits (JSON_REAL_PRECISION(17));
 * NaN and infinities, which JSON cannot hold, become null.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "cli.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *str(const char *s) { return json_stringn(s, strlen(s)); }

static int set(json_t *o, const char *key, json_t *v)
{
    return v == NULL || json_object_set_new(o, key, v) != 0 ? -1 : 0;
}

static json_t *studies_array(const mtpcli_fit *f, const mtpcli_table *t)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < f->n; i++) {
        const mtp_study *st = &f->studies[i];
        const size_t lab = t->label != NULL ? t->label[f->rows[i]] : MTPCLI_NONE;
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(a, o) != 0 ||
            set(o, "study", lab == MTPCLI_NONE ? json_null() : str(mtpcli_table_str(t, lab))) ||
            set(o, "yi", num(st->yi)) || set(o, "vi", num(st->vi)) ||
            set(o, "weight", num(st->weight))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The keys of one fit, appended to o. */
static int fit_keys(json_t *o, const mtpcli_fit *f, const mtpcli_table *t, const mtpcli_settings *s)
{
    const mtp_result *r = &f->res;
    if (set(o, "k", json_integer((json_int_t)r->k_used)) || set(o, "measure", str(mtpcli_measure_key(f))) ||
        set(o, "method", str(mtp_method_name(r->method))) ||
        set(o, "test", str(r->test == MTP_TEST_KNHA ? "knha" : "z")) || set(o, "level", num(s->level_pct)) ||
        set(o, "estimate", num(r->estimate)) || set(o, "se", num(r->se)) || set(o, "stat", num(r->stat)) ||
        set(o, "p", num(r->p)) || set(o, "ci_lower", num(r->ci_lower)) ||
        set(o, "ci_upper", num(r->ci_upper)) || set(o, "pi_lower", num(r->pi_lower)) ||
        set(o, "pi_upper", num(r->pi_upper)) || set(o, "tau2", num(r->tau2)) ||
        set(o, "tau2_ci_lower", num(r->tau2_ci_lower)) || set(o, "tau2_ci_upper", num(r->tau2_ci_upper)) ||
        set(o, "Q", num(r->q)) || set(o, "Q_df", num(r->q_df)) || set(o, "Q_p", num(r->q_p)) ||
        set(o, "I2", num(r->i2)) || set(o, "H2", num(r->h2)) ||
        set(o, "iterations", json_integer((json_int_t)r->iterations)) ||
        set(o, "converged", json_boolean(r->converged)))
        return -1;
    if (mtpcli_is_ratio(f)) {
        json_t *e = json_object();
        if (set(o, "exp", e) || set(e, "estimate", num(exp(r->estimate))) ||
            set(e, "ci_lower", num(exp(r->ci_lower))) || set(e, "ci_upper", num(exp(r->ci_upper))) ||
            set(e, "pi_lower", num(exp(r->pi_lower))) || set(e, "pi_upper", num(exp(r->pi_upper))))
            return -1;
    }
    return set(o, "studies", studies_array(f, t));
}

static json_t *analysis_object(const mtpcli_analysis *a, const mtpcli_table *t,
                               const mtpcli_settings *s)
{
    json_t *o = json_object(), *groups, *test;
    if (o == NULL)
        return NULL;
    if ((a->by != MTPCLI_NONE && set(o, "by", str(mtpcli_table_str(t, t->bys.off[a->by])))) ||
        fit_keys(o, &a->overall, t, s))
        goto fail;
    if (a->groups == NULL)
        return o;
    if (set(o, "subgroups", groups = json_array()))
        goto fail;
    for (size_t g = 0; g < a->ngroups; g++) {
        json_t *go = json_object();
        if (go == NULL || json_array_append_new(groups, go) != 0 ||
            set(go, "name", str(mtpcli_table_str(t, a->groups[g].name))) ||
            fit_keys(go, &a->groups[g], t, s))
            goto fail;
    }
    if (set(o, "subgroup_test", test = json_object()) || set(test, "Q", num(a->test.q)) ||
        set(test, "df", num(a->test.df)) || set(test, "p", num(a->test.p)))
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

int mtpcli_write_json_jansson(mtpcli_out *o, const mtpcli_run *run, const mtpcli_table *t,
                              const mtpcli_settings *s, int compact)
{
    const size_t flags = JSON_REAL_PRECISION(17) | (compact ? JSON_COMPACT : JSON_INDENT(2));
    for (size_t j = 0; j < run->n; j++) {
        json_t *obj = analysis_object(&run->a[j], t, s);
        char *text = obj != NULL ? json_dumps(obj, flags) : NULL;
        json_decref(obj);
        if (text == NULL)
            return -1;
        mtpcli_out_puts(o, text);
        mtpcli_out_write(o, "\n", 1);
        free(text);
    }
    return o->failed ? -1 : 0;
}
