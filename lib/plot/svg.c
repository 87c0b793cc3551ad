/* SVG writing helpers: escaped text, locale-independent numbers, text width
 * estimates and round axes, shared by the forest, funnel and bubble plots. */
#include "plot/svg.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

void mtp__svg_printf(mtp__svg *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(s->f, fmt, ap) < 0)
        s->failed = 1;
    va_end(ap);
}

/* Length of the UTF-8 sequence starting at p and its code point, or 0 when
 * the bytes are not valid UTF-8 (overlong forms and surrogates included). */
static size_t utf8_decode(const unsigned char *p, unsigned long *cp)
{
    size_t len, i;
    unsigned long c;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if ((p[0] & 0xE0) == 0xC0) {
        len = 2;
        c = p[0] & 0x1Fu;
    } else if ((p[0] & 0xF0) == 0xE0) {
        len = 3;
        c = p[0] & 0x0Fu;
    } else if ((p[0] & 0xF8) == 0xF0) {
        len = 4;
        c = p[0] & 0x07u;
    } else {
        return 0;
    }
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
        c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Characters that XML 1.0 does not allow in text. */
static int xml_forbidden(unsigned long c)
{
    return (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) || c == 0xFFFE || c == 0xFFFF;
}

void mtp__svg_escaped(mtp__svg *s, const char *text)
{
    const unsigned char *p = (const unsigned char *)(text != NULL ? text : "");
    while (*p != '\0') {
        unsigned long c;
        size_t len = utf8_decode(p, &c);
        if (len == 0 || xml_forbidden(c)) {
            mtp__svg_printf(s, "\xEF\xBF\xBD"); /* U+FFFD */
            p += len == 0 ? 1 : len;
            continue;
        }
        switch (c) {
        case '&': mtp__svg_printf(s, "&amp;"); break;
        case '<': mtp__svg_printf(s, "&lt;"); break;
        case '>': mtp__svg_printf(s, "&gt;"); break;
        case '"': mtp__svg_printf(s, "&quot;"); break;
        case '\'': mtp__svg_printf(s, "&apos;"); break;
        default: mtp__svg_printf(s, "%.*s", (int)len, (const char *)p); break;
        }
        p += len;
    }
}

void mtp__svg_text(mtp__svg *s, double x, double y, int anchor, int style, double size,
                   const char *cls, const char *text, const char *full)
{
    static const char *const anchors[] = {"start", "middle", "end"};
    char bx[32], by[32], bs[32];
    mtp__svg_printf(s, "<text class=\"%s\" x=\"%s\" y=\"%s\" font-size=\"%s\"", cls,
                    MTP__XY(bx, x), MTP__XY(by, y), MTP__XY(bs, size));
    if (anchor != MTP__START)
        mtp__svg_printf(s, " text-anchor=\"%s\"", anchors[anchor]);
    if (style & MTP__BOLD)
        mtp__svg_printf(s, " font-weight=\"bold\"");
    if (style & MTP__ITALIC)
        mtp__svg_printf(s, " font-style=\"italic\"");
    mtp__svg_printf(s, ">");
    if (full != NULL && strcmp(full, text) != 0) {
        mtp__svg_printf(s, "<title>");
        mtp__svg_escaped(s, full);
        mtp__svg_printf(s, "</title>");
    }
    mtp__svg_escaped(s, text);
    mtp__svg_printf(s, "</text>\n");
}

void mtp__svg_begin(mtp__svg *s, double width, double height)
{
    char bw[32], bh[32];
    MTP__XY(bw, width);
    MTP__XY(bh, height);
    mtp__svg_printf(s,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%s\" "
                    "height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"%s\">\n"
                    "<rect class=\"background\" x=\"0\" y=\"0\" width=\"%s\" height=\"%s\" "
                    "fill=\"#ffffff\"/>\n",
                    bw, bh, bw, bh, MTP__SVG_FONT, bw, bh);
}

void mtp__svg_end(mtp__svg *s) { mtp__svg_printf(s, "</svg>\n"); }

int mtp__svg_finish(mtp__svg *s, mtp_error *err)
{
    if (fflush(s->f) != 0 || ferror(s->f))
        s->failed = 1;
    if (s->failed)
        return mtp__fail(err, MTP_EIO, MTP_NO_STUDY, "write error on the SVG output stream");
    return MTP_OK;
}

/* Replace the locale's decimal point in buf by '.'. */
static void c_decimal_point(char *buf)
{
    const char *dp = localeconv()->decimal_point;
    size_t dlen = dp != NULL ? strlen(dp) : 0;
    if (dlen > 0 && strcmp(dp, ".") != 0) {
        char *at = strstr(buf, dp);
        if (at != NULL) {
            *at = '.';
            memmove(at + 1, at + dlen, strlen(at + dlen) + 1);
        }
    }
}

char *mtp__fmt_g(char *buf, size_t n, double x)
{
    snprintf(buf, n, "%.3g", x);
    c_decimal_point(buf);
    return buf;
}

char *mtp__fmt(char *buf, size_t n, double x, int digits)
{
    snprintf(buf, n, "%.*f", digits, x);
    c_decimal_point(buf);
    if (buf[0] == '-') { /* "-0.00" -> "0.00" */
        const char *q = buf + 1;
        while (*q == '0' || *q == '.')
            q++;
        if (*q == '\0')
            memmove(buf, buf + 1, strlen(buf));
    }
    return buf;
}

char *mtp__fmt_p(char *buf, size_t n, double p)
{
    char num[32];
    if (!(p >= 0)) /* NaN */
        snprintf(buf, n, "P = NA");
    else if (p < 0.001)
        snprintf(buf, n, "P < 0.001");
    else
        snprintf(buf, n, "P = %s", mtp__fmt(num, sizeof num, p, p < 0.01 ? 3 : 2));
    return buf;
}

/* Advance widths of Helvetica (= Arial, Liberation Sans), ASCII 32..126, in
 * 1/1000 em (Adobe's Helvetica font metrics). */
static const unsigned short helv[95] = {
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, /* sp../ */
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556,                               /* 0-9 */
    278, 278, 584, 584, 584, 556, 1015,                                             /* :..@ */
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,                /* A-M */
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611,                /* N-Z */
    278, 278, 278, 469, 556, 333,                                                   /* [..` */
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,                /* a-m */
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,                /* n-z */
    334, 260, 334, 584};                                                            /* {..~ */

static double char_width(unsigned long c)
{
    if (c >= 32 && c <= 126)
        return helv[c - 32];
    return 556; /* a typical width for other letters and symbols */
}

double mtp__text_width(const char *text, double size, int bold)
{
    const unsigned char *p = (const unsigned char *)(text != NULL ? text : "");
    double w = 0;
    while (*p != '\0') {
        unsigned long c = 0xFFFD;
        size_t len = utf8_decode(p, &c);
        w += char_width(len == 0 ? 0xFFFD : c);
        p += len == 0 ? 1 : len;
    }
    /* bold Helvetica is about 8% wider on average */
    return w * size / 1000.0 * (bold ? 1.08 : 1.0);
}

int mtp__text_fit(char *buf, size_t n, const char *text, double size, int bold, double maxw)
{
    static const char ellipsis[] = "\xE2\x80\xA6"; /* U+2026 */
    const unsigned char *p = (const unsigned char *)(text != NULL ? text : "");
    const double ew = mtp__text_width(ellipsis, size, bold);
    size_t used = 0, cut = 0;
    double w = 0;
    int cut_set = 0;
    while (*p != '\0') {
        unsigned long c = 0xFFFD;
        size_t len = utf8_decode(p, &c);
        double cw = char_width(len == 0 ? 0xFFFD : c) * size / 1000.0 * (bold ? 1.08 : 1.0);
        if (len == 0)
            len = 1;
        if (!cut_set && w + cw + ew > maxw) {
            cut = used; /* last place where "..." still fits */
            cut_set = 1;
        }
        if (w + cw > maxw || used + len + 1 > n)
            break;
        w += cw;
        used += len;
        p += len;
    }
    if (*p == '\0') { /* everything fitted */
        memcpy(buf, text != NULL ? text : "", used);
        buf[used] = '\0';
        return 0;
    }
    if (!cut_set)
        cut = used;
    while (cut > 0 && cut + sizeof ellipsis > n)
        cut--;
    while (cut > 0 && ((const unsigned char *)text)[cut - 1] == ' ')
        cut--; /* no space before the ellipsis */
    memcpy(buf, text, cut);
    memcpy(buf + cut, ellipsis, sizeof ellipsis);
    return 1;
}

/* ---- axes ---------------------------------------------------------------- */

static const double mant125[3] = {1, 2, 5};
#define LN10 2.302585092994045684

/* On the log scale: the largest log(m 10^e), m in {1, 2, 5}, <= l, or the
 * smallest >= l when up is set. Works on logs, so nothing overflows. */
static double snap125_log(double l, int up)
{
    const double e = floor(l / LN10);
    double best = NAN;
    for (double de = -1; de <= 1; de++)
        for (int m = 0; m < 3; m++) {
            double g = log(mant125[m]) + (e + de) * LN10;
            if (up ? (g >= l - 1e-12 && !(g >= best)) : (g <= l + 1e-12 && !(g <= best)))
                best = g;
        }
    return best;
}

/* Decimals that print the multiples of a 1-2-5 step exactly. */
static int step_digits(double step)
{
    double d = -floor(log10(step) + 1e-9);
    return d > 0 ? (int)(d < 12 ? d : 12) : 0;
}

/* Room for one more tick? Marks the axis as over-full otherwise. */
static int tick_room(mtp__axis *ax)
{
    if (ax->nticks >= MTP__MAX_TICKS) {
        ax->nticks = MTP__MAX_TICKS + 1;
        return 0;
    }
    return 1;
}

/* Tick at the ratio m 10^e: printed plainly from 0.00001 to 500000, as
 * "1e-07" or "2e+08" beyond. */
static void add_log_tick(mtp__axis *ax, int m, double e)
{
    char *label;
    if (!tick_room(ax))
        return;
    label = ax->label[ax->nticks];
    ax->tick[ax->nticks] = log(mant125[m]) + e * LN10;
    if (fabs(e) <= 5)
        mtp__fmt(label, sizeof ax->label[0], mant125[m] * pow(10, e), e < 0 ? (int)-e : 0);
    else
        snprintf(label, sizeof ax->label[0], "%de%c%02d", (int)mant125[m], e < 0 ? '-' : '+',
                 (int)fabs(e));
    ax->nticks++;
}

/* Ticks of a log axis within [ax->lo, ax->hi]: at 1-2-5 ratios when
 * decades = 0, else at the powers of 10 whose exponent is a multiple of
 * decades. */
static void log_ticks(mtp__axis *ax, double decades)
{
    const double step = decades > 0 ? decades : 1;
    const double e0 = floor(ax->lo / LN10) - 1, e1 = ceil(ax->hi / LN10) + 1;
    ax->nticks = 0;
    for (double e = ceil(e0 / step) * step; e <= e1 && ax->nticks <= MTP__MAX_TICKS; e += step)
        for (int m = 0; m < (decades > 0 ? 1 : 3); m++) {
            const double at = log(mant125[m]) + e * LN10;
            if (at >= ax->lo - 1e-9 && at <= ax->hi + 1e-9)
                add_log_tick(ax, m, e);
        }
}

/* Ticks of a linear axis at the multiples of step within [ax->lo, ax->hi];
 * labels in exponent notation when fixed notation would be too long. */
static void lin_ticks(mtp__axis *ax, double step)
{
    const double i0 = ceil(ax->lo / step - 1e-9), i1 = floor(ax->hi / step + 1e-9);
    ax->nticks = 0;
    for (double i = i0; i <= i1 && ax->nticks <= MTP__MAX_TICKS; i++) {
        const double v = i * step;
        if (!tick_room(ax))
            break;
        ax->tick[ax->nticks] = v;
        if (fabs(v) < 1e7 && step >= 1e-6)
            mtp__fmt(ax->label[ax->nticks], sizeof ax->label[0], v, step_digits(step));
        else
            mtp__fmt_g(ax->label[ax->nticks], sizeof ax->label[0], v);
        ax->nticks++;
    }
}

/* Whether neighbouring ticks are at least min_sep px apart and their labels
 * do not collide: 8 px between labels side by side (a horizontal axis), or
 * a line of text (font + 4 px) between labels stacked (a vertical axis). */
static int ticks_fit(const mtp__axis *ax, double width, double font, double min_sep, int vertical)
{
    if (ax->nticks > MTP__MAX_TICKS)
        return 0;
    for (size_t i = 1; i < ax->nticks; i++) {
        const double d = (ax->tick[i] - ax->tick[i - 1]) / (ax->hi - ax->lo) * width;
        const double need = vertical ? font + 4
                                     : (mtp__text_width(ax->label[i], font, 0) +
                                        mtp__text_width(ax->label[i - 1], font, 0)) / 2 + 8;
        if (d < need || d < min_sep)
            return 0;
    }
    return 1;
}

/* Successive grids: 1-2-5 steps times first: first, 2 first, 5 first,
 * 10 first, ... */
static double grid_step(int level, double first)
{
    return mant125[level % 3] * pow(10, floor(level / 3.0)) * first;
}

/* The largest 1-2-5 value <= x > 0. */
static double step_below(double x) { return exp(snap125_log(log(x), 0)); }

#define MAX_LEVELS 60

static void axis_auto(mtp__axis *ax, double lo, double hi, int log_scale, double width,
                      double font, double min_sep, int vertical)
{
    ax->log = log_scale;
    ax->nticks = 0;
    for (int level = 0; level < MAX_LEVELS; level++) {
        if (log_scale && level == 0) { /* 1-2-5 ratios */
            ax->lo = snap125_log(lo, 0);
            ax->hi = snap125_log(hi, 1);
            log_ticks(ax, 0);
        } else if (log_scale) { /* every s decades */
            const double s = grid_step(level - 1, 1);
            ax->lo = floor(lo / LN10 / s + 1e-9) * s * LN10;
            ax->hi = ceil(hi / LN10 / s - 1e-9) * s * LN10;
            log_ticks(ax, s);
        } else {
            const double step = grid_step(level, step_below((hi - lo) / 50));
            ax->lo = floor(lo / step + 1e-9) * step;
            ax->hi = ceil(hi / step - 1e-9) * step;
            lin_ticks(ax, step);
        }
        if (ticks_fit(ax, width, font, min_sep, vertical))
            return;
    }
    ax->nticks = 0;
}

void mtp__axis_auto(mtp__axis *ax, double lo, double hi, int log_scale, double width, double font)
{
    axis_auto(ax, lo, hi, log_scale, width, font, 0, 0);
}

void mtp__axis_spaced(mtp__axis *ax, double lo, double hi, int log_scale, double length,
                      double font, double min_sep, int vertical)
{
    axis_auto(ax, lo, hi, log_scale, length, font, min_sep, vertical);
}

static void axis_fixed(mtp__axis *ax, double lo, double hi, int log_scale, double width,
                       double font, double min_sep, int vertical)
{
    ax->log = log_scale;
    ax->lo = lo;
    ax->hi = hi;
    ax->nticks = 0;
    for (int level = 0; level < MAX_LEVELS; level++) {
        if (log_scale)
            log_ticks(ax, level == 0 ? 0 : grid_step(level - 1, 1));
        else
            lin_ticks(ax, grid_step(level, step_below((hi - lo) / 50)));
        if (ticks_fit(ax, width, font, min_sep, vertical))
            return;
    }
    ax->nticks = 0;
}

void mtp__axis_fixed(mtp__axis *ax, double lo, double hi, int log_scale, double width, double font)
{
    axis_fixed(ax, lo, hi, log_scale, width, font, 0, 0);
}

void mtp__axis_fixed_spaced(mtp__axis *ax, double lo, double hi, int log_scale, double length,
                            double font, double min_sep, int vertical)
{
    axis_fixed(ax, lo, hi, log_scale, length, font, min_sep, vertical);
}
