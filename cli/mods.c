/* --mods: the formula parser and the model-matrix builder (see mods.h).
 *
 * R's conventions, which metafor inherits from model.matrix(): treatment
 * contrasts with the first level as reference; without an intercept the
 * first factor gets one indicator per level; levels sorted by value for
 * numbers and by sort() for text (here byte order: R in the C locale);
 * column names "intrcpt" (metafor's), COL, factor(COL)LEVEL, COLLEVEL, a
 * number in a level as as.character() writes it.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "mods.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int bad(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* ------------------------------------------------------------ numbers as R writes them */

void mtpcli_r_number(char *buf, size_t size, double v)
{
    char m[40];
    int nsig, kp, neg, fixed_w, sci_w, rgt;
    if (v == 0) { /* also -0: R writes "0" */
        snprintf(buf, size, "0");
        return;
    }
    /* 15 significant digits, then the trailing zeros dropped */
    snprintf(m, sizeof m, "%.14e", v);
    {
        const char *e = strchr(m, 'e');
        const char *d = m + (m[0] == '-');
        int last = 0, idx = 0;
        kp = atoi(e + 1);
        for (const char *q = d; q < e; q++) {
            if (*q == '.')
                continue;
            idx++;
            if (*q != '0')
                last = idx;
        }
        nsig = last > 0 ? last : 1;
    }
    neg = v < 0;
    rgt = nsig - kp - 1;
    if (rgt < 0)
        rgt = 0;
    fixed_w = neg + (kp >= 0 ? kp + 1 : 1) + (rgt > 0 ? rgt + 1 : 0);
    sci_w = neg + (nsig > 1 ? nsig + 1 : 1) + (kp >= 100 || kp <= -100 ? 5 : 4);
    if (fixed_w <= sci_w)
        snprintf(buf, size, "%.*f", rgt, v);
    else
        snprintf(buf, size, "%.*e", nsig - 1, v);
}

/* ------------------------------------------------------------ the formula */

const char *mtpcli_formula_str(const mtpcli_formula *f, size_t off) { return f->buf + off; }

int mtpcli_formula_is_intercept_only(const mtpcli_formula *f) { return f->intercept && f->nterms == 0; }

int mtpcli_name_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char c = *a, d = *b;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (d >= 'A' && d <= 'Z')
            d = (char)(d - 'A' + 'a');
        if (c != d)
            return 0;
    }
    return *a == *b;
}

static int name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c >= 0x80;
}

/* A name R can write without backticks (make.names' rule; non-ASCII bytes
 * count as letters, as in a UTF-8 locale). */
static int syntactic(const char *s)
{
    static const char *const reserved[] = {"if", "else", "repeat", "while", "function", "for",
                                           "next", "break", "TRUE", "FALSE", "NULL", "Inf", "NaN",
                                           "NA", "NA_integer_", "NA_real_", "NA_character_", "in",
                                           NULL};
    const unsigned char *p = (const unsigned char *)s;
    if (*p == '\0' || (*p >= '0' && *p <= '9') || *p == '_')
        return 0;
    if (*p == '.' && p[1] >= '0' && p[1] <= '9')
        return 0;
    for (; *p; p++)
        if (!name_char(*p))
            return 0;
    for (int i = 0; reserved[i] != NULL; i++)
        if (strcmp(s, reserved[i]) == 0)
            return 0;
    return 1;
}

typedef struct fbuf {
    mtpcli_formula *f;
    size_t len;
} fbuf;

/* Append s[0..n) and a NUL; its offset, or (size_t)-1 when full. */
static size_t fb_add(fbuf *b, const char *s, size_t n)
{
    const size_t off = b->len;
    if (n + 1 > sizeof b->f->buf - b->len)
        return (size_t)-1;
    memcpy(b->f->buf + off, s, n);
    b->f->buf[off + n] = '\0';
    b->len += n + 1;
    return off;
}

/* Append to the string being built at the end (without its NUL yet). */
static int fb_cat(fbuf *b, const char *s)
{
    const size_t n = strlen(s);
    if (n + 1 > sizeof b->f->buf - b->len)
        return -1;
    memcpy(b->f->buf + b->len, s, n);
    b->len += n;
    b->f->buf[b->len] = '\0';
    return 0;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* A column name at *pp (backticked or bare) into name/size; 0 or -1. */
static int read_name(const char **pp, char *name, size_t size)
{
    const char *p = *pp, *start;
    size_t n;
    if (*p == '`') {
        start = ++p;
        while (*p != '\0' && *p != '`')
            p++;
        if (*p != '`')
            return -1;
        n = (size_t)(p - start);
        p++;
    } else {
        start = p;
        while (name_char((unsigned char)*p))
            p++;
        n = (size_t)(p - start);
    }
    if (n == 0 || n >= size)
        return -1;
    memcpy(name, start, n);
    name[n] = '\0';
    *pp = p;
    return 0;
}

int mtpcli_formula_parse(mtpcli_formula *f, const char *spec, char *msg, size_t len)
{
    char shown[64], name[MTPCLI_MODS_BUF];
    const char *p = spec;
    fbuf b = {f, 0};
    int sign = '+';
    memset(f, 0, sizeof *f);
    f->intercept = 1;
    mtpcli_sanitize(shown, sizeof shown, spec, strlen(spec));
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        char what_[300];                                                                           \
        snprintf(what_, sizeof what_, __VA_ARGS__);                                                \
        return bad(msg, len, "--mods \"%s\": %s", shown, what_);                                  \
    } while (0)
    p = skip_ws(p);
    if (*p == '~')
        p = skip_ws(p + 1);
    if (*p == '\0')
        FAIL("no terms (write 1 for the intercept-only model)");
    if (*p == '-') {
        sign = '-';
        p = skip_ws(p + 1);
    }
    for (;;) {
        const size_t at = (size_t)(p - spec) + 1;
        int factor = 0;
        if (*p == '\0' || *p == '+' || *p == '-')
            FAIL("a term is missing at character %zu", at);
        if (*p >= '0' && *p <= '9') {
            const char *s = p;
            while (name_char((unsigned char)*p))
                p++;
            if (p - s == 1 && *s == '1')
                f->intercept = sign == '+' ? f->intercept : 0;
            else if (p - s == 1 && *s == '0' && sign == '+')
                f->intercept = 0;
            else
                FAIL("\"%.*s\" at character %zu is not a term (1 is the intercept, - 1 removes it)",
                     (int)(p - s < 20 ? p - s : 20), s, at);
        } else {
            if (*p != '`' && !name_char((unsigned char)*p))
                FAIL("unexpected \"%c\" at character %zu (terms are column names, factor(COLUMN), "
                     "1, joined by +; - 1 removes the intercept)",
                     *p, at);
            if (read_name(&p, name, sizeof name) != 0)
                FAIL("a column name at character %zu is empty, too long or not closed by a backtick",
                     at);
            {
                const char *q = skip_ws(p);
                if (strcmp(name, "factor") == 0 && *q == '(') {
                    q = skip_ws(q + 1);
                    if (read_name(&q, name, sizeof name) != 0)
                        FAIL("factor( at character %zu needs a column name", at);
                    q = skip_ws(q);
                    if (*q != ')')
                        FAIL("factor(%.100s at character %zu is not closed by \")\"", name, at);
                    p = q + 1;
                    factor = 1;
                }
            }
            if (sign == '-')
                FAIL("only the intercept can be removed (- 1), not %s%.100s%s", factor ? "factor(" : "",
                     name, factor ? ")" : "");
            for (size_t i = 0; i < f->nterms; i++)
                if (f->terms[i].factor == factor && mtpcli_name_equal(f->buf + f->terms[i].name, name))
                    FAIL("the term %s%.100s%s is given twice", factor ? "factor(" : "", name,
                         factor ? ")" : "");
            if (f->nterms == MTPCLI_MODS_MAX_TERMS)
                FAIL("more than %d terms", MTPCLI_MODS_MAX_TERMS);
            {
                mtpcli_term *t = &f->terms[f->nterms];
                size_t c;
                t->factor = factor;
                if ((t->name = fb_add(&b, name, strlen(name))) == (size_t)-1)
                    FAIL("the column names are too long");
                for (c = 0; c < f->ncols && !mtpcli_name_equal(f->buf + f->cols[c], name); c++)
                    ;
                if (c == f->ncols)
                    f->cols[f->ncols++] = t->name;
                t->col = c;
                f->nterms++;
            }
        }
        p = skip_ws(p);
        if (*p == '\0')
            break;
        if (*p != '+' && *p != '-')
            FAIL("expected + or - at character %zu", (size_t)(p - spec) + 1);
        sign = *p;
        p = skip_ws(p + 1);
    }
    if (f->nterms == 0 && !f->intercept)
        FAIL("the model has no coefficients (no terms and no intercept)");
    /* the canonical text, for reports */
    f->text = b.len;
    if (fb_cat(&b, "~ ") != 0)
        FAIL("the column names are too long");
    if (f->nterms == 0 && fb_cat(&b, "1") != 0)
        FAIL("the column names are too long");
    for (size_t i = 0; i < f->nterms; i++) {
        const char *nm = f->buf + f->terms[i].name;
        const int tick = !syntactic(nm);
        if ((i > 0 && fb_cat(&b, " + ") != 0) || (f->terms[i].factor && fb_cat(&b, "factor(") != 0) ||
            (tick && fb_cat(&b, "`") != 0) || fb_cat(&b, nm) != 0 || (tick && fb_cat(&b, "`") != 0) ||
            (f->terms[i].factor && fb_cat(&b, ")") != 0))
            FAIL("the column names are too long");
    }
    if (!f->intercept && fb_cat(&b, " - 1") != 0)
        FAIL("the column names are too long");
#undef FAIL
    return 0;
}

/* ------------------------------------------------------------ the columns of a table */

void mtpcli_modcols_free(mtpcli_modcols *mc)
{
    if (mc == NULL)
        return;
    if (mc->value != NULL)
        for (size_t j = 0; j < mc->n; j++)
            free(mc->value[j]);
    free(mc->value);
    free(mc->numeric);
    memset(mc, 0, sizeof *mc);
}

/* "line L, column C (name): what". */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
static int cell_fail(char *msg, size_t len, const mtpcli_table *t, size_t row, size_t col1,
                     const char *fmt, ...)
{
    char what[300], name[64];
    const char *h = t->arena + t->header[col1 - 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    mtpcli_sanitize(name, sizeof name, h, strlen(h));
    snprintf(msg, len, "line %zu, column %zu (%s): %s", t->line[row], col1, name, what);
    return -1;
}

int mtpcli_modcols_check(mtpcli_modcols *mc, const mtpcli_formula *f, const mtpcli_table *t,
                         char *msg, size_t len)
{
    memset(mc, 0, sizeof *mc);
    if (t->nmods != f->ncols)
        return bad(msg, len, "--mods: the table was read without the moderator columns");
    mc->n = f->ncols;
    mc->numeric = calloc(mc->n ? mc->n : 1, sizeof *mc->numeric);
    mc->value = calloc(mc->n ? mc->n : 1, sizeof *mc->value);
    if (mc->numeric == NULL || mc->value == NULL)
        return -2;
    for (size_t j = 0; j < mc->n; j++) {
        const size_t col1 = t->mod_col[j];
        size_t first_bad = MTPCLI_NONE;
        int numeric = 1;
        double *v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
        if (v == NULL)
            return -2;
        mc->value[j] = v;
        for (size_t i = 0; i < t->nrows; i++) {
            const size_t off = t->mod[j][i];
            const char *s;
            int rc;
            if (off == MTPCLI_NONE)
                return cell_fail(msg, len, t, i, col1,
                                 "empty: every study needs a value of each --mods column");
            s = t->arena + off;
            if (strcmp(s, "NA") == 0)
                return cell_fail(msg, len, t, i, col1,
                                 "\"NA\" is a missing value: every study needs a value of each "
                                 "--mods column");
            rc = numeric ? mtpcli_parse_double(s, strlen(s), &v[i]) : MTPCLI_NUM_SYNTAX;
            if (rc == MTPCLI_NUM_NOMEM)
                return -2;
            if (rc == MTPCLI_NUM_SYNTAX)
                numeric = 0;
            else if (rc != MTPCLI_NUM_OK && first_bad == MTPCLI_NONE)
                first_bad = i;
        }
        if (numeric && first_bad != MTPCLI_NONE) {
            char shown[64];
            const char *s = t->arena + t->mod[j][first_bad];
            mtpcli_sanitize(shown, sizeof shown, s, strlen(s));
            return cell_fail(msg, len, t, first_bad, col1,
                             "\"%s\" is not a finite number (the other values of this --mods "
                             "column are numbers)",
                             shown);
        }
        mc->numeric[j] = numeric;
        if (!numeric) {
            free(v);
            mc->value[j] = NULL;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ the model matrix */

void mtpcli_design_free(mtpcli_design *d)
{
    if (d == NULL)
        return;
    free(d->x);
    free(d->names);
    free(d->name_off);
    memset(d, 0, sizeof *d);
}

const char *mtpcli_design_name(const mtpcli_design *d, size_t j) { return d->names + d->name_off[j]; }

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const mtpcli_table *sort_table; /* qsort has no context argument in C11 */
static int cmp_off(const void *a, const void *b)
{
    return strcmp(sort_table->arena + *(const size_t *)a, sort_table->arena + *(const size_t *)b);
}

/* The levels of one categorical term: sorted distinct values of the kept rows. */
typedef struct levels {
    size_t n;
    double *num;  /* numeric levels (factor of a numeric column) */
    size_t *txt;  /* arena offsets of text levels */
} levels;

static int get_levels(levels *lv, const mtpcli_modcols *mc, const mtpcli_table *t, size_t col,
                      const size_t *rows, const unsigned char *keep, size_t n)
{
    size_t m = 0;
    memset(lv, 0, sizeof *lv);
    if (mc->numeric[col]) {
        if ((lv->num = malloc((n ? n : 1) * sizeof *lv->num)) == NULL)
            return -2;
        for (size_t i = 0; i < n; i++)
            if (keep == NULL || keep[i])
                lv->num[m++] = mc->value[col][rows[i]];
        qsort(lv->num, m, sizeof *lv->num, cmp_double);
        lv->n = 0;
        for (size_t i = 0; i < m; i++)
            if (lv->n == 0 || lv->num[i] != lv->num[lv->n - 1])
                lv->num[lv->n++] = lv->num[i];
    } else {
        if ((lv->txt = malloc((n ? n : 1) * sizeof *lv->txt)) == NULL)
            return -2;
        for (size_t i = 0; i < n; i++)
            if (keep == NULL || keep[i])
                lv->txt[m++] = t->mod[col][rows[i]];
        sort_table = t;
        qsort(lv->txt, m, sizeof *lv->txt, cmp_off);
        lv->n = 0;
        for (size_t i = 0; i < m; i++)
            if (lv->n == 0 || strcmp(t->arena + lv->txt[i], t->arena + lv->txt[lv->n - 1]) != 0)
                lv->txt[lv->n++] = lv->txt[i];
    }
    return 0;
}

/* Level index of row (a table row) in lv: binary search. */
static size_t level_of(const levels *lv, const mtpcli_modcols *mc, const mtpcli_table *t,
                       size_t col, size_t row)
{
    size_t lo = 0, hi = lv->n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        int c;
        if (lv->num != NULL) {
            const double a = mc->value[col][row], b = lv->num[mid];
            c = a < b ? -1 : a > b;
        } else {
            c = strcmp(t->arena + t->mod[col][row], t->arena + lv->txt[mid]);
        }
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return (size_t)-1;
}

typedef struct nbuf {
    char *s;
    size_t len, cap;
} nbuf;

/* Append a name (parts concatenated) and its NUL; its offset or (size_t)-1. */
static size_t nb_add(nbuf *b, const char *a, const char *c, const char *d)
{
    const size_t la = strlen(a), lc = strlen(c), ld = strlen(d), off = b->len;
    if (b->len + la + lc + ld + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *s;
        while (cap < b->len + la + lc + ld + 1)
            cap *= 2;
        if ((s = realloc(b->s, cap)) == NULL)
            return (size_t)-1;
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + off, a, la);
    memcpy(b->s + off + la, c, lc);
    memcpy(b->s + off + la + lc, d, ld);
    b->s[off + la + lc + ld] = '\0';
    b->len += la + lc + ld + 1;
    return off;
}

int mtpcli_design_build(mtpcli_design *d, const mtpcli_formula *f, const mtpcli_modcols *mc,
                        const mtpcli_table *t, const size_t *rows, const unsigned char *keep,
                        size_t n, char *msg, size_t len)
{
    levels lv[MTPCLI_MODS_MAX_TERMS];
    size_t first_col[MTPCLI_MODS_MAX_TERMS], p;
    int full[MTPCLI_MODS_MAX_TERMS], categorical[MTPCLI_MODS_MAX_TERMS], rc = -2, any_full = 0;
    nbuf nb = {NULL, 0, 0};
    memset(d, 0, sizeof *d);
    memset(lv, 0, sizeof lv);
    d->n = n;
    d->intercept = f->intercept;
    p = f->intercept ? 1 : 0;
    for (size_t k = 0; k < f->nterms; k++) {
        const mtpcli_term *term = &f->terms[k];
        categorical[k] = term->factor || !mc->numeric[term->col];
        full[k] = 0;
        first_col[k] = p;
        if (!categorical[k]) {
            p += 1;
            continue;
        }
        if ((rc = get_levels(&lv[k], mc, t, term->col, rows, keep, n)) != 0)
            goto done;
        rc = -2;
        if (lv[k].n < 2) {
            char v[64] = "";
            if (lv[k].n == 1) {
                char num[40];
                const char *s = t->arena + (lv[k].txt != NULL ? lv[k].txt[0] : 0);
                if (lv[k].num != NULL) {
                    mtpcli_r_number(num, sizeof num, lv[k].num[0]);
                    s = num;
                }
                mtpcli_sanitize(v, sizeof v, s, strlen(s));
            }
            rc = bad(msg, len, "--mods: %s%s%s has %s level%s%s%s among the studies: a categorical "
                               "moderator needs two or more",
                     term->factor ? "factor(" : "", f->buf + term->name, term->factor ? ")" : "",
                     lv[k].n == 1 ? "one" : "no", lv[k].n == 1 ? " (\"" : "", v,
                     lv[k].n == 1 ? "\")" : "");
            goto done;
        }
        if (!f->intercept && !any_full) {
            full[k] = 1;
            any_full = 1;
        }
        p += full[k] ? lv[k].n : lv[k].n - 1;
    }
    d->p = p;
    d->x = calloc((n ? n : 1) * (p ? p : 1), sizeof *d->x);
    d->name_off = malloc((p ? p : 1) * sizeof *d->name_off);
    if (d->x == NULL || d->name_off == NULL)
        goto done;
    /* names */
    {
        size_t j = 0;
        if (f->intercept && (d->name_off[j++] = nb_add(&nb, "intrcpt", "", "")) == (size_t)-1)
            goto done;
        for (size_t k = 0; k < f->nterms; k++) {
            const char *nm = f->buf + f->terms[k].name;
            char label[MTPCLI_MODS_BUF + 16];
            const int tick = !syntactic(nm);
            snprintf(label, sizeof label, "%s%s%s%s%s", f->terms[k].factor ? "factor(" : "",
                     tick ? "`" : "", nm, tick ? "`" : "", f->terms[k].factor ? ")" : "");
            if (!categorical[k]) {
                if ((d->name_off[j++] = nb_add(&nb, label, "", "")) == (size_t)-1)
                    goto done;
                continue;
            }
            for (size_t l = full[k] ? 0 : 1; l < lv[k].n; l++) {
                char num[40];
                const char *lev = num;
                if (lv[k].num != NULL)
                    mtpcli_r_number(num, sizeof num, lv[k].num[l]);
                else
                    lev = t->arena + lv[k].txt[l];
                if ((d->name_off[j++] = nb_add(&nb, label, lev, "")) == (size_t)-1)
                    goto done;
            }
        }
    }
    /* values */
    for (size_t i = 0; i < n; i++) {
        double *row = d->x + i * p;
        if (keep != NULL && !keep[i])
            continue;
        if (f->intercept)
            row[0] = 1;
        for (size_t k = 0; k < f->nterms; k++) {
            const size_t col = f->terms[k].col;
            size_t l;
            if (!categorical[k]) {
                row[first_col[k]] = mc->value[col][rows[i]];
                continue;
            }
            l = level_of(&lv[k], mc, t, col, rows[i]);
            if (full[k])
                row[first_col[k] + l] = 1;
            else if (l > 0)
                row[first_col[k] + l - 1] = 1;
        }
    }
    d->names = nb.s;
    nb.s = NULL;
    rc = 0;
done:
    for (size_t k = 0; k < f->nterms; k++) {
        free(lv[k].num);
        free(lv[k].txt);
    }
    free(nb.s);
    return rc;
}

/* ------------------------------------------------------------ --btt */

int mtpcli_btt_parse(size_t *out, size_t *n, const char *spec, size_t p, const mtpcli_design *names,
                     char *msg, size_t len)
{
    char shown[64];
    const char *q = spec;
    unsigned char *seen = NULL;
    size_t m = 0;
    int rc = -1;
    mtpcli_sanitize(shown, sizeof shown, spec, strlen(spec));
    if (p != (size_t)-1 && (seen = calloc(p ? p : 1, 1)) == NULL)
        return bad(msg, len, "out of memory");
    for (;;) {
        unsigned long a, b;
        char *end;
        q = skip_ws(q);
        if (*q < '0' || *q > '9') {
            bad(msg, len, "--btt \"%s\": expected a coefficient number (1-based) at character %zu",
                shown, (size_t)(q - spec) + 1);
            goto done;
        }
        a = strtoul(q, &end, 10);
        q = skip_ws(end);
        b = a;
        if (*q == ':') {
            q = skip_ws(q + 1);
            if (*q < '0' || *q > '9') {
                bad(msg, len, "--btt \"%s\": a range A:B needs its end at character %zu", shown,
                    (size_t)(q - spec) + 1);
                goto done;
            }
            b = strtoul(q, &end, 10);
            q = skip_ws(end);
        }
        if (a < 1) {
            bad(msg, len, "--btt \"%s\": coefficients are counted from 1, as in metafor", shown);
            goto done;
        }
        if (b < a) {
            bad(msg, len, "--btt \"%s\": the range %lu:%lu is not ascending", shown, a, b);
            goto done;
        }
        if (p != (size_t)-1) {
            for (unsigned long c = a; c <= b; c++) {
                if (c > p) {
                    char list[300] = "";
                    if (names != NULL)
                        for (size_t j = 0; j < p && strlen(list) < 200; j++)
                            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%zu %s",
                                     j ? ", " : " (", j + 1, mtpcli_design_name(names, j));
                    bad(msg, len, "--btt \"%s\": the model has %zu coefficient%s%s%s, not %lu", shown,
                        p, p == 1 ? "" : "s", list, names != NULL ? ")" : "", c);
                    goto done;
                }
                if (seen[c - 1]) {
                    bad(msg, len, "--btt \"%s\": coefficient %lu is listed twice", shown, c);
                    goto done;
                }
                seen[c - 1] = 1;
            }
        }
        if (*q == '\0')
            break;
        if (*q != ',') {
            bad(msg, len, "--btt \"%s\": expected \",\" at character %zu", shown,
                (size_t)(q - spec) + 1);
            goto done;
        }
        q++;
    }
    if (p != (size_t)-1)
        for (size_t j = 0; j < p; j++)
            if (seen[j])
                out[m++] = j;
    *n = m;
    rc = 0;
done:
    free(seen);
    return rc;
}
