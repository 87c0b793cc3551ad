/* The metapool command's CSV reader (see csv_input.h).
 *
 * Two tokenisers feed one row builder. Files with a '"' anywhere go through
 * libcsv (strict RFC 4180). Files without one need no quote handling at all:
 * a field is what lies between commas and line ends, which is exactly what
 * libcsv would give, and a plain loop over the bytes gives it at memory speed.
 * Measured on the benchmark machine (cli/README.md, "Speed"): libcsv costs
 * 61 ns a field, i.e. 4.4 ms for the 72,000 fields of the 2000 x 12 file,
 * while issue 7 leaves 6.5 ms for the whole process; the splitter takes a
 * few ns a field. Tests run every test file through both and compare.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "csv_input.h"

#include <csv.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"

#if defined(__GNUC__)
#define MTPCLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MTPCLI_PRINTF(a, b)
#endif

static const char *const column_names[MTPCLI_NCOLS] = {
    "ai", "bi", "ci", "di", "n1i", "n2i", "yi", "vi", "sei", "est", "lower", "upper", "study"};

const char *mtpcli_column_name(int col)
{
    return col >= 0 && col < MTPCLI_NCOLS ? column_names[col] : "?";
}

/* What the row builder does with one column of the file. */
typedef struct role {
    signed char num;   /* an mtpcli_column with a number, or -1 */
    unsigned char str; /* STR_* bits */
    size_t mod;        /* index of the moderator column (STR_MOD) */
} role;
enum { STR_STUDY = 1, STR_GROUP = 2, STR_BY = 4, STR_MOD = 8 };

typedef struct reader {
    mtpcli_table *t;
    const mtpcli_csv_config *cfg;
    mtpcli_csv_error *err;
    int status;         /* MTPCLI_CSV_OK until something fails */
    size_t line;        /* physical line of the current position */
    size_t field;       /* fields seen in the current row */
    int header_done;
    int prev_cr;        /* libcsv: the last event ended a row with '\r' */
    int nonempty;       /* the current row has a non-empty field */
    role *roles;        /* ncols roles */
    /* the current row */
    double val[MTPCLI_NCOLS];
    unsigned int present;              /* bit c: column c is non-empty */
    size_t label, group, by;           /* arena offset / name indices, MTPCLI_NONE if empty */
    size_t *modval;                    /* nmods arena offsets, MTPCLI_NONE if empty */
    size_t header_cap;
} reader;

/* ------------------------------------------------------------------ errors */

void mtpcli_sanitize(char *dst, size_t size, const char *s, size_t len)
{
    size_t o = 0, i = 0, chars = 0;
    while (i < len && o + 8 < size) {
        const unsigned char c = (unsigned char)s[i];
        size_t n = 1;
        if (chars == 40) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        if (c >= 0x80) { /* a valid UTF-8 sequence stays, anything else is escaped */
            n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
            for (size_t j = 1; j < n; j++)
                if (i + j >= len || ((unsigned char)s[i + j] & 0xc0) != 0x80)
                    n = 0;
        }
        if (n == 0 || c < 0x20 || c == 0x7f) {
            snprintf(dst + o, size - o, "\\x%02X", c);
            o += 4;
            n = 1;
        } else {
            memcpy(dst + o, s + i, n);
            o += n;
        }
        i += n;
        chars++;
    }
    dst[o] = '\0';
}

static const char *header_name(const reader *r, size_t col1)
{
    const mtpcli_table *t = r->t;
    return t->header != NULL && col1 >= 1 && col1 <= t->ncols ? t->arena + t->header[col1 - 1] : NULL;
}

/* Record the first error: "line L, column C (name): what". */
MTPCLI_PRINTF(4, 5)
static void fail(reader *r, size_t line, size_t col1, const char *fmt, ...)
{
    char what[220], name[64];
    const char *h;
    va_list ap;
    if (r->status != MTPCLI_CSV_OK)
        return;
    r->status = MTPCLI_CSV_EDATA;
    if (r->err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    r->err->line = line;
    r->err->column = col1;
    h = header_name(r, col1);
    if (col1 > 0 && h != NULL && h[0] != '\0') {
        mtpcli_sanitize(name, sizeof name, h, strlen(h));
        snprintf(r->err->message, sizeof r->err->message, "line %zu, column %zu (%s): %s", line,
                 col1, name, what);
    } else if (col1 > 0) {
        snprintf(r->err->message, sizeof r->err->message, "line %zu, column %zu: %s", line, col1, what);
    } else if (line > 0) {
        snprintf(r->err->message, sizeof r->err->message, "line %zu: %s", line, what);
    } else {
        snprintf(r->err->message, sizeof r->err->message, "%s", what);
    }
}

static void fail_nomem(reader *r)
{
    if (r->status != MTPCLI_CSV_OK)
        return;
    r->status = MTPCLI_CSV_ENOMEM;
    if (r->err != NULL) {
        r->err->line = r->err->column = 0;
        snprintf(r->err->message, sizeof r->err->message, "out of memory");
    }
}

/* ------------------------------------------------------------------ memory */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 64;
    void *q;
    if (need <= *cap)
        return 1;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return 0;
        n *= 2;
    }
    q = realloc(*p, n * elem);
    if (q == NULL)
        return 0;
    *p = q;
    *cap = n;
    return 1;
}

/* Append s[0..len) and a NUL to the arena; its offset, or MTPCLI_NONE. */
static size_t arena_add(reader *r, const char *s, size_t len)
{
    mtpcli_table *t = r->t;
    size_t off = t->arena_len;
    void *a = t->arena;
    if (len >= SIZE_MAX - off - 1 || !grow(&a, &t->arena_cap, off + len + 1, 1)) {
        fail_nomem(r);
        return MTPCLI_NONE;
    }
    t->arena = a;
    if (len > 0)
        memcpy(t->arena + off, s, len);
    t->arena[off + len] = '\0';
    t->arena_len = off + len + 1;
    return off;
}

const char *mtpcli_table_str(const mtpcli_table *t, size_t off) { return t->arena + off; }

/* ------------------------------------------------------------------ names */

static size_t hash_bytes(const char *s, size_t len)
{ /* FNV-1a */
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return (size_t)(h ^ (h >> 32));
}

/* Names never contain NUL (string_field rejects it), so strncmp stops in time. */
static int name_equals(const mtpcli_table *t, size_t off, const char *s, size_t len)
{
    return strncmp(t->arena + off, s, len) == 0 && t->arena[off + len] == '\0';
}

static int names_rehash(mtpcli_names *nm, const mtpcli_table *t, size_t nslots)
{
    size_t *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return 0;
    for (size_t i = 0; i < nm->n; i++) {
        const char *s = t->arena + nm->off[i];
        size_t h = hash_bytes(s, strlen(s)) & (nslots - 1);
        while (slots[h] != 0)
            h = (h + 1) & (nslots - 1);
        slots[h] = i + 1;
    }
    free(nm->slots);
    nm->slots = slots;
    nm->nslots = nslots;
    return 1;
}

/* Index of the name s[0..len), added if new. MTPCLI_NONE on failure. */
static size_t names_intern(reader *r, mtpcli_names *nm, const char *s, size_t len)
{
    mtpcli_table *t = r->t;
    size_t h, off;
    void *p;
    if (nm->n > 0 && nm->last != MTPCLI_NONE && name_equals(t, nm->off[nm->last], s, len))
        return nm->last; /* consecutive rows of one analysis: no hashing */
    if ((nm->n + 1) * 2 > nm->nslots && !names_rehash(nm, t, nm->nslots ? nm->nslots * 2 : 64)) {
        fail_nomem(r);
        return MTPCLI_NONE;
    }
    h = hash_bytes(s, len) & (nm->nslots - 1);
    while (nm->slots[h] != 0) {
        if (name_equals(t, nm->off[nm->slots[h] - 1], s, len))
            return nm->last = nm->slots[h] - 1;
        h = (h + 1) & (nm->nslots - 1);
    }
    p = nm->off;
    if (!grow(&p, &nm->cap, nm->n + 1, sizeof *nm->off)) {
        fail_nomem(r);
        return MTPCLI_NONE;
    }
    nm->off = p;
    if ((off = arena_add(r, s, len)) == MTPCLI_NONE)
        return MTPCLI_NONE;
    nm->off[nm->n] = off;
    nm->slots[h] = nm->n + 1;
    return nm->last = nm->n++;
}

/* ------------------------------------------------------------------ text */

static inline void trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

static int ascii_ieq(const char *a, size_t alen, const char *b)
{
    size_t i;
    for (i = 0; i < alen && b[i] != '\0'; i++) {
        char c = a[i], d = b[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (d >= 'A' && d <= 'Z')
            d = (char)(d - 'A' + 'a');
        if (c != d)
            return 0;
    }
    return i == alen && b[i] == '\0';
}

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        const unsigned c = s[i];
        size_t n;
        unsigned min, cp;
        if (c < 0x80) {
            if (c == 0)
                return 0;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            min = 0x80;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            min = 0x800;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            min = 0x10000;
            cp = c & 0x07;
        } else {
            return 0;
        }
        for (size_t j = 1; j <= n; j++) {
            if (i + j >= len || (s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* Physical line breaks in s: LF, CRLF (one), lone CR. */
static size_t count_breaks(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n')))
            n++;
    return n;
}

/* ------------------------------------------------------------------ header */

static void header_field(reader *r, const char *s, size_t len)
{
    mtpcli_table *t = r->t;
    size_t off;
    void *p = t->header;
    trim(&s, &len);
    if (!grow(&p, &r->header_cap, t->ncols + 1, sizeof *t->header)) {
        fail_nomem(r);
        return;
    }
    t->header = p;
    if ((off = arena_add(r, s, len)) == MTPCLI_NONE)
        return;
    t->header[t->ncols++] = off;
    if (len > 0)
        r->nonempty = 1;
}

/* Give column col1 (1-based) the string role bit, once. */
static void claim(reader *r, size_t *slot, size_t col1, const char *what)
{
    if (*slot != 0) {
        fail(r, 1, col1, "duplicate column: %s is also column %zu", what, *slot);
        return;
    }
    *slot = col1;
}

static const char *layout_help =
    "2x2 data need ai, n1i, ci, n2i (or ai, bi, ci, di); estimates need yi with vi or sei; "
    "estimates with a 95% CI need est, lower, upper";

static void check_header_sets(reader *r)
{
    mtpcli_table *t = r->t;
    const size_t *c = t->col;
    const int any_count = c[MTPCLI_COL_AI] || c[MTPCLI_COL_BI] || c[MTPCLI_COL_CI] ||
                          c[MTPCLI_COL_DI] || c[MTPCLI_COL_N1I] || c[MTPCLI_COL_N2I];
    const int n_pair = c[MTPCLI_COL_N1I] || c[MTPCLI_COL_N2I], b_pair = c[MTPCLI_COL_BI] || c[MTPCLI_COL_DI];
    static const int need_n[] = {MTPCLI_COL_AI, MTPCLI_COL_N1I, MTPCLI_COL_CI, MTPCLI_COL_N2I};
    static const int need_b[] = {MTPCLI_COL_AI, MTPCLI_COL_BI, MTPCLI_COL_CI, MTPCLI_COL_DI};
    if (any_count) {
        const int *need = b_pair && !n_pair ? need_b : need_n;
        if (n_pair && b_pair) {
            fail(r, 1, 0, "both n1i/n2i and bi/di columns: keep one layout (%s)", layout_help);
            return;
        }
        for (int i = 0; i < 4; i++)
            if (!c[need[i]]) {
                fail(r, 1, 0, "column %s is missing (%s)", column_names[need[i]], layout_help);
                return;
            }
        t->bi_layout = b_pair;
    }
    if (c[MTPCLI_COL_YI] && !c[MTPCLI_COL_VI] && !c[MTPCLI_COL_SEI])
        fail(r, 1, 0, "column vi (or sei) is missing: yi needs its variance or standard error");
    else if (!c[MTPCLI_COL_YI] && (c[MTPCLI_COL_VI] || c[MTPCLI_COL_SEI]))
        fail(r, 1, 0, "column yi is missing: %s has no estimate", c[MTPCLI_COL_VI] ? "vi" : "sei");
    else if ((c[MTPCLI_COL_EST] || c[MTPCLI_COL_LOWER] || c[MTPCLI_COL_UPPER]) &&
             !(c[MTPCLI_COL_EST] && c[MTPCLI_COL_LOWER] && c[MTPCLI_COL_UPPER]))
        fail(r, 1, 0, "column %s is missing: est, lower and upper go together",
             !c[MTPCLI_COL_EST] ? "est" : !c[MTPCLI_COL_LOWER] ? "lower" : "upper");
    else if (!any_count && !c[MTPCLI_COL_YI] && !c[MTPCLI_COL_EST])
        fail(r, 1, 0, "no data columns in the header (%s)", layout_help);
}

static void finish_header(reader *r)
{
    mtpcli_table *t = r->t;
    const mtpcli_csv_config *cfg = r->cfg;
    if (r->status != MTPCLI_CSV_OK)
        return;
    if ((r->roles = calloc(t->ncols, sizeof *r->roles)) == NULL) {
        fail_nomem(r);
        return;
    }
    for (size_t i = 0; i < t->ncols && r->status == MTPCLI_CSV_OK; i++) {
        const char *name = t->arena + t->header[i];
        const size_t len = strlen(name);
        r->roles[i].num = -1;
        for (int c = 0; c < MTPCLI_NCOLS; c++)
            if (ascii_ieq(name, len, column_names[c])) {
                claim(r, &t->col[c], i + 1, column_names[c]);
                if (c == MTPCLI_COL_STUDY)
                    r->roles[i].str |= STR_STUDY;
                else
                    r->roles[i].num = (signed char)c;
            }
        if (cfg->subgroup_column != NULL && ascii_ieq(name, len, cfg->subgroup_column)) {
            claim(r, &t->subgroup_col, i + 1, "the --subgroup column");
            r->roles[i].str |= STR_GROUP;
        }
        if (cfg->by_column != NULL && ascii_ieq(name, len, cfg->by_column)) {
            claim(r, &t->by_col, i + 1, "the --by column");
            r->roles[i].str |= STR_BY;
        }
        for (size_t j = 0; j < t->nmods && r->status == MTPCLI_CSV_OK; j++)
            if (ascii_ieq(name, len, cfg->mod_columns[j])) {
                claim(r, &t->mod_col[j], i + 1, "the --mods column");
                r->roles[i].str |= STR_MOD;
                r->roles[i].mod = j;
            }
    }
    if (r->status != MTPCLI_CSV_OK)
        return;
    if (cfg->subgroup_column != NULL && t->subgroup_col == 0) {
        char s[200];
        mtpcli_sanitize(s, sizeof s, cfg->subgroup_column, strlen(cfg->subgroup_column));
        fail(r, 1, 0, "no column \"%s\" (named by --subgroup) in the header", s);
        return;
    }
    if (cfg->by_column != NULL && t->by_col == 0) {
        char s[200];
        mtpcli_sanitize(s, sizeof s, cfg->by_column, strlen(cfg->by_column));
        fail(r, 1, 0, "no column \"%s\" (named by --by) in the header", s);
        return;
    }
    for (size_t j = 0; j < t->nmods; j++)
        if (t->mod_col[j] == 0) {
            char s[200];
            mtpcli_sanitize(s, sizeof s, cfg->mod_columns[j], strlen(cfg->mod_columns[j]));
            fail(r, 1, 0, "no column \"%s\" (named by --mods) in the header", s);
            return;
        }
    check_header_sets(r);
    r->header_done = 1;
}

/* ------------------------------------------------------------------ rows */

static void reset_row(reader *r)
{
    r->field = 0;
    r->nonempty = 0;
    r->present = 0;
    r->label = r->group = r->by = MTPCLI_NONE;
    if (r->modval != NULL)
        for (size_t j = 0; j < r->t->nmods; j++)
            r->modval[j] = MTPCLI_NONE;
}

static void number_field(reader *r, size_t col1, int c, const char *s, size_t len)
{
    double v;
    char shown[200];
    int rc = mtpcli_parse_double(s, len, &v);
    if (rc == MTPCLI_NUM_OK) {
        r->val[c] = v;
        r->present |= 1u << c;
        return;
    }
    mtpcli_sanitize(shown, sizeof shown, s, len);
    switch (rc) {
    case MTPCLI_NUM_NONFINITE:
        fail(r, r->line, col1, "\"%s\" is not a finite number", shown);
        break;
    case MTPCLI_NUM_OVERFLOW:
        fail(r, r->line, col1, "\"%s\" is beyond the range of double precision (not finite)", shown);
        break;
    case MTPCLI_NUM_NOMEM: fail_nomem(r); break;
    default:
        if (ascii_ieq(s, len, "NA") || ascii_ieq(s, len, "."))
            fail(r, r->line, col1, "\"%s\" is not a number (leave the field empty for a missing value)",
                 shown);
        else
            fail(r, r->line, col1, "\"%s\" is not a number", shown);
        break;
    }
}

/* Whether s[0..len) is the name looked up last (consecutive rows of one
 * analysis or subgroup): then it was checked already. */
static int same_as_last(const mtpcli_table *t, const mtpcli_names *nm, const char *s, size_t len)
{
    const char *last;
    if (nm->last == MTPCLI_NONE)
        return 0;
    last = t->arena + nm->off[nm->last];
    return memchr(s, '\0', len) == NULL && strncmp(last, s, len) == 0 && last[len] == '\0';
}

static void string_field(reader *r, size_t col1, unsigned bits, const char *s, size_t len)
{
    if (bits == STR_BY && same_as_last(r->t, &r->t->bys, s, len)) {
        r->by = r->t->bys.last;
        return;
    }
    if (bits == STR_GROUP && same_as_last(r->t, &r->t->groups, s, len)) {
        r->group = r->t->groups.last;
        return;
    }
    if (memchr(s, '\0', len) != NULL) {
        fail(r, r->line, col1, "the text contains a NUL byte");
        return;
    }
    if (!utf8_valid(s, len)) {
        fail(r, r->line, col1, "the text is not valid UTF-8 (save the file as UTF-8)");
        return;
    }
    if (bits & STR_STUDY)
        r->label = arena_add(r, s, len);
    if (bits & STR_GROUP)
        r->group = names_intern(r, &r->t->groups, s, len);
    if (bits & STR_BY)
        r->by = names_intern(r, &r->t->bys, s, len);
}

/* A moderator's text, checked as every string field (see string_field). */
static void mod_field(reader *r, size_t col1, size_t j, const char *s, size_t len)
{
    if (memchr(s, '\0', len) != NULL) {
        fail(r, r->line, col1, "the text contains a NUL byte");
        return;
    }
    if (!utf8_valid(s, len)) {
        fail(r, r->line, col1, "the text is not valid UTF-8 (save the file as UTF-8)");
        return;
    }
    r->modval[j] = arena_add(r, s, len);
}

static void data_field(reader *r, const char *s, size_t len)
{
    const size_t col1 = r->field; /* already incremented */
    const role *ro;
    if (col1 > r->t->ncols) {
        if (col1 == r->t->ncols + 1)
            fail(r, r->line, col1, "extra field: this row has more fields than the header's %zu",
                 r->t->ncols);
        return;
    }
    ro = &r->roles[col1 - 1];
    trim(&s, &len);
    if (len == 0)
        return;
    r->nonempty = 1;
    if (ro->num >= 0)
        number_field(r, col1, ro->num, s, len);
    if (ro->str & ~(unsigned)STR_MOD)
        string_field(r, col1, ro->str & ~(unsigned)STR_MOD, s, len);
    if ((ro->str & STR_MOD) && r->status == MTPCLI_CSV_OK)
        mod_field(r, col1, ro->mod, s, len);
}

static void on_field(reader *r, const char *s, size_t len)
{
    if (r->status != MTPCLI_CSV_OK)
        return;
    r->field++;
    if (!r->header_done)
        header_field(r, s, len);
    else
        data_field(r, s, len);
}

#define HAS(c) (r->present & (1u << (c)))

static int check_counts(reader *r, size_t line, double out[4])
{
    const mtpcli_table *t = r->t;
    const size_t *col = t->col;
    const int tot1 = t->bi_layout ? MTPCLI_COL_BI : MTPCLI_COL_N1I;
    const int tot2 = t->bi_layout ? MTPCLI_COL_DI : MTPCLI_COL_N2I;
    const int cols[4] = {MTPCLI_COL_AI, tot1, MTPCLI_COL_CI, tot2};
    for (int i = 0; i < 4; i++)
        if (r->val[cols[i]] < 0) {
            fail(r, line, col[cols[i]], "negative count %g", r->val[cols[i]]);
            return 0;
        }
    out[0] = r->val[MTPCLI_COL_AI];
    out[2] = r->val[MTPCLI_COL_CI];
    out[1] = t->bi_layout ? out[0] + r->val[MTPCLI_COL_BI] : r->val[MTPCLI_COL_N1I];
    out[3] = t->bi_layout ? out[2] + r->val[MTPCLI_COL_DI] : r->val[MTPCLI_COL_N2I];
    for (int arm = 0; arm < 2; arm++) {
        const double ev = out[2 * arm], tot = out[2 * arm + 1];
        const int ce = arm ? MTPCLI_COL_CI : MTPCLI_COL_AI, ct = arm ? tot2 : tot1;
        if (!isfinite(tot)) {
            fail(r, line, col[ct], "the arm's total is not finite");
            return 0;
        }
        if (tot == 0) {
            if (t->bi_layout)
                fail(r, line, col[ct], "zero total: %s + %s = 0 (an arm without participants)",
                     column_names[ce], column_names[ct]);
            else
                fail(r, line, col[ct], "zero total: %s = 0 (an arm without participants)",
                     column_names[ct]);
            return 0;
        }
        if (ev > tot) {
            fail(r, line, col[ce], "%g events exceed the %g participants in %s", ev, tot,
                 column_names[ct]);
            return 0;
        }
    }
    return 1;
}

static int check_effect(reader *r, size_t line, double out[4])
{
    const size_t *col = r->t->col;
    if (!HAS(MTPCLI_COL_YI)) {
        fail(r, line, col[MTPCLI_COL_YI], "empty, but this row gives %s",
             HAS(MTPCLI_COL_VI) ? "vi" : "sei");
        return 0;
    }
    out[0] = r->val[MTPCLI_COL_YI];
    if (HAS(MTPCLI_COL_VI)) {
        out[1] = r->val[MTPCLI_COL_VI];
        if (!(out[1] > 0)) {
            fail(r, line, col[MTPCLI_COL_VI], "variance %g is not > 0", out[1]);
            return 0;
        }
        return 1;
    }
    if (!HAS(MTPCLI_COL_SEI)) {
        const int c = col[MTPCLI_COL_VI] ? MTPCLI_COL_VI : MTPCLI_COL_SEI;
        fail(r, line, col[c], "empty, but this row gives yi (a %s is needed)",
             c == MTPCLI_COL_VI ? "variance" : "standard error");
        return 0;
    }
    out[1] = r->val[MTPCLI_COL_SEI] * r->val[MTPCLI_COL_SEI];
    if (!(r->val[MTPCLI_COL_SEI] > 0)) {
        fail(r, line, col[MTPCLI_COL_SEI], "standard error %g is not > 0", r->val[MTPCLI_COL_SEI]);
        return 0;
    }
    if (!(out[1] > 0) || !isfinite(out[1])) {
        fail(r, line, col[MTPCLI_COL_SEI], "standard error %g: its square is not a usable variance",
             r->val[MTPCLI_COL_SEI]);
        return 0;
    }
    return 1;
}

static int check_ci(reader *r, size_t line, double out[4])
{
    const size_t *col = r->t->col;
    static const int need[] = {MTPCLI_COL_EST, MTPCLI_COL_LOWER, MTPCLI_COL_UPPER};
    for (int i = 0; i < 3; i++)
        if (!HAS(need[i])) {
            fail(r, line, col[need[i]], "empty, but this row gives other fields of est, lower, upper");
            return 0;
        }
    out[0] = r->val[MTPCLI_COL_EST];
    out[1] = r->val[MTPCLI_COL_LOWER];
    out[2] = r->val[MTPCLI_COL_UPPER];
    if (!(out[1] < out[2])) {
        fail(r, line, col[MTPCLI_COL_LOWER], "lower limit %g is not below the upper limit %g", out[1],
             out[2]);
        return 0;
    }
    if (!(out[0] >= out[1] && out[0] <= out[2])) {
        fail(r, line, col[MTPCLI_COL_EST], "estimate %g is outside its interval [%g, %g]", out[0],
             out[1], out[2]);
        return 0;
    }
    return 1;
}

static int grow_rows(reader *r)
{
    mtpcli_table *t = r->t;
    size_t n;
    if (t->nrows < t->cap)
        return 1;
    n = t->cap ? t->cap * 2 : 256;
#define GROW_ARRAY(a)                                                                              \
    do {                                                                                           \
        void *q_ = realloc((a), n * sizeof *(a));                                                  \
        if (q_ == NULL)                                                                            \
            return 0;                                                                              \
        (a) = q_;                                                                                  \
    } while (0)
    GROW_ARRAY(t->kind);
    GROW_ARRAY(t->line);
    for (int i = 0; i < 4; i++)
        if (i < 2 || t->v[i] != NULL || (i == 2 && (t->col[MTPCLI_COL_EST] || t->col[MTPCLI_COL_AI])) ||
            (i == 3 && t->col[MTPCLI_COL_AI]))
            GROW_ARRAY(t->v[i]);
    if (t->col[MTPCLI_COL_STUDY])
        GROW_ARRAY(t->label);
    if (t->subgroup_col)
        GROW_ARRAY(t->group);
    if (t->by_col)
        GROW_ARRAY(t->by);
    for (size_t j = 0; j < t->nmods; j++)
        GROW_ARRAY(t->mod[j]);
#undef GROW_ARRAY
    t->cap = n;
    return 1;
}

static void data_row_end(reader *r, size_t line)
{
    mtpcli_table *t = r->t;
    const size_t *col = t->col;
    const int count_cols[4] = {MTPCLI_COL_AI, t->bi_layout ? MTPCLI_COL_BI : MTPCLI_COL_N1I,
                               MTPCLI_COL_CI, t->bi_layout ? MTPCLI_COL_DI : MTPCLI_COL_N2I};
    double v[4] = {NAN, NAN, NAN, NAN};
    int ncounts = 0, kind, ok;
    size_t i;

    if (r->field < t->ncols) {
        fail(r, line, r->field + 1, "missing field: this row has %zu fields, the header %zu", r->field,
             t->ncols);
        return;
    }
    if (!r->nonempty)
        return; /* a row of empty fields (spreadsheets write them) */
    if (col[MTPCLI_COL_AI])
        for (i = 0; i < 4; i++)
            ncounts += HAS(count_cols[i]) ? 1 : 0;
    if (ncounts == 4) {
        kind = MTPCLI_ROW_2X2;
        ok = check_counts(r, line, v);
    } else if (ncounts > 0) {
        for (i = 0; HAS(count_cols[i]); i++)
            ;
        fail(r, line, col[count_cols[i]], "empty, but this row gives other counts");
        return;
    } else if (HAS(MTPCLI_COL_YI) || HAS(MTPCLI_COL_VI) || HAS(MTPCLI_COL_SEI)) {
        kind = MTPCLI_ROW_EFFECT;
        ok = check_effect(r, line, v);
    } else if (HAS(MTPCLI_COL_EST) || HAS(MTPCLI_COL_LOWER) || HAS(MTPCLI_COL_UPPER)) {
        kind = MTPCLI_ROW_CI;
        ok = check_ci(r, line, v);
    } else {
        fail(r, line, 0, "no study data in this row (%s)", layout_help);
        return;
    }
    if (!ok)
        return;
    if (t->subgroup_col && r->group == MTPCLI_NONE) {
        fail(r, line, t->subgroup_col, "empty subgroup (every row needs one)");
        return;
    }
    if (t->by_col && r->by == MTPCLI_NONE) {
        fail(r, line, t->by_col, "empty --by value (every row needs one)");
        return;
    }
    if (r->status != MTPCLI_CSV_OK)
        return;
    if (!grow_rows(r)) {
        fail_nomem(r);
        return;
    }
    i = t->nrows++;
    t->kind[i] = (unsigned char)kind;
    t->line[i] = line;
    for (int j = 0; j < 4; j++)
        if (t->v[j] != NULL)
            t->v[j][i] = v[j];
    if (t->label != NULL)
        t->label[i] = r->label;
    if (t->group != NULL)
        t->group[i] = r->group;
    if (t->by != NULL)
        t->by[i] = r->by;
    for (size_t j = 0; j < t->nmods; j++)
        t->mod[j][i] = r->modval[j];
}

#undef HAS

/* End of a row that began on line row_line. */
static void on_row_end(reader *r, size_t row_line)
{
    if (r->status != MTPCLI_CSV_OK || r->field == 0)
        return;
    if (!r->header_done) {
        if (!r->nonempty) { /* a header of empty names: not a header */
            fail(r, row_line, 0, "the header row has no column names");
            return;
        }
        finish_header(r);
    } else {
        data_row_end(r, row_line);
    }
    reset_row(r);
}

/* ------------------------------------------------------------------ tokenisers */

/* First ',', LF or CR in [p, end), or end. Eight bytes at a time where the
 * byte order allows: a byte b is found when b XOR the delimiter is zero. */
static const char *find_delim(const char *p, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    while (end - p >= 8) {
        uint64_t v, a, b, c, hit;
        memcpy(&v, p, 8);
        a = v ^ (ones * ','); /* zero bytes where v has ',' */
        b = v ^ (ones * '\n');
        c = v ^ (ones * '\r');
        hit = ((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c);
        hit &= highs; /* the lowest set bit marks the first zero byte exactly */
        if (hit != 0)
            return p + (__builtin_ctzll(hit) >> 3);
        p += 8;
    }
#endif
    while (p < end && *p != ',' && *p != '\n' && *p != '\r')
        p++;
    return p;
}

/* No quote anywhere: fields end at ',' and rows at LF, CRLF or CR. */
static void split_plain(reader *r, const char *p, const char *end)
{
    while (p < end && r->status == MTPCLI_CSV_OK) {
        const size_t row_line = r->line;
        if (*p != '\n' && *p != '\r') {
            for (;;) {
                const char *q = find_delim(p, end);
                on_field(r, p, (size_t)(q - p));
                p = q;
                if (q < end && *q == ',') {
                    p++;
                    continue;
                }
                break;
            }
            on_row_end(r, row_line);
        }
        if (p < end) { /* at a line end */
            p += (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
            r->line++;
        }
    }
}

typedef struct libcsv_state {
    reader *r;
    size_t row_line;
    int row_started;
} libcsv_state;

static void cb_field(void *s, size_t len, void *data)
{
    libcsv_state *st = data;
    reader *r = st->r;
    if (!st->row_started) {
        st->row_started = 1;
        st->row_line = r->line;
    }
    r->prev_cr = 0;
    on_field(r, s, len);
    if (len > 0 && (memchr(s, '\n', len) != NULL || memchr(s, '\r', len) != NULL))
        r->line += count_breaks(s, len); /* a quoted field over several lines */
}

static void cb_row(int c, void *data)
{
    libcsv_state *st = data;
    reader *r = st->r;
    if (c == '\n' && r->prev_cr) { /* the LF of a CRLF, reported as an empty row */
        r->prev_cr = 0;
        return;
    }
    if (st->row_started)
        on_row_end(r, st->row_line);
    st->row_started = 0;
    if (c >= 0)
        r->line++;
    r->prev_cr = c == '\r';
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0; /* RFC 4180: spaces belong to fields (the row builder trims) */
}

static void split_libcsv(reader *r, const char *p, size_t len)
{
    struct csv_parser parser;
    libcsv_state st = {r, 1, 0};
    size_t done;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
        fail_nomem(r);
        return;
    }
    csv_set_space_func(&parser, no_space);
    csv_set_blk_size(&parser, 4096);
    done = csv_parse(&parser, p, len, cb_field, cb_row, &st);
    if (r->status == MTPCLI_CSV_OK && done < len) {
        if (csv_error(&parser) == CSV_EPARSE) {
            const size_t at = count_breaks(p, done) + 1;
            if (p[done] == '"')
                fail(r, at, r->field + 1,
                     "stray quote: quote the whole field, and double quotes inside it");
            else
                fail(r, at, r->field + 1, "text after a closing quote (a quote inside a quoted field "
                                          "must be doubled)");
        } else {
            fail_nomem(r);
        }
    }
    if (r->status == MTPCLI_CSV_OK && csv_fini(&parser, cb_field, cb_row, &st) != 0) {
        if (csv_error(&parser) == CSV_EPARSE)
            fail(r, r->line, r->field + 1, "quoted field not closed before the end of the file");
        else
            fail_nomem(r);
    }
    csv_free(&parser);
}

/* ------------------------------------------------------------------ entry */

void mtpcli_table_free(mtpcli_table *t)
{
    if (t == NULL)
        return;
    free(t->kind);
    for (int i = 0; i < 4; i++)
        free(t->v[i]);
    free(t->line);
    free(t->label);
    free(t->group);
    free(t->by);
    free(t->groups.off);
    free(t->groups.slots);
    free(t->bys.off);
    free(t->bys.slots);
    free(t->arena);
    free(t->header);
    if (t->mod != NULL)
        for (size_t j = 0; j < t->nmods; j++)
            free(t->mod[j]);
    free(t->mod);
    free(t->mod_col);
    memset(t, 0, sizeof *t);
}

int mtpcli_csv_read(mtpcli_table *t, const char *buf, size_t len, const mtpcli_csv_config *cfg,
                    mtpcli_csv_error *err)
{
    static const mtpcli_csv_config none = {NULL, NULL, 0, NULL, 0};
    reader r;
    if (err != NULL) {
        err->line = err->column = 0;
        err->message[0] = '\0';
    }
    memset(t, 0, sizeof *t);
    t->groups.last = t->bys.last = MTPCLI_NONE;
    memset(&r, 0, sizeof r);
    r.t = t;
    r.cfg = cfg != NULL ? cfg : &none;
    r.err = err;
    r.line = 1;
    if (r.cfg->nmod_columns > 0) {
        t->nmods = r.cfg->nmod_columns;
        t->mod_col = calloc(t->nmods, sizeof *t->mod_col);
        t->mod = calloc(t->nmods, sizeof *t->mod);
        r.modval = malloc(t->nmods * sizeof *r.modval);
        if (t->mod_col == NULL || t->mod == NULL || r.modval == NULL) {
            t->nmods = t->mod == NULL ? 0 : t->nmods;
            free(r.modval);
            fail_nomem(&r);
            return r.status;
        }
    }
    reset_row(&r);
    if (buf == NULL)
        len = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte-order mark */
        buf += 3;
        len -= 3;
    }
    if (len > 0 && (r.cfg->force_libcsv || memchr(buf, '"', len) != NULL)) {
        t->used_libcsv = 1;
        split_libcsv(&r, buf, len);
    } else if (len > 0) {
        split_plain(&r, buf, buf + len);
    }
    if (r.status == MTPCLI_CSV_OK && !r.header_done)
        fail(&r, 1, 0, "empty file: no header row");
    else if (r.status == MTPCLI_CSV_OK && t->nrows == 0)
        fail(&r, r.line, 0, "no study rows after the header");
    free(r.roles);
    free(r.modval);
    return r.status;
}
