/* Internal SVG writing helpers shared by forest.c, funnel.c and bubble.c.
 * Not installed. Text goes to a stdio stream through a writer that remembers
 * whether any write failed; numbers are formatted independently of the
 * C locale (SVG needs '.' as the decimal point). */
#ifndef METAPOOL_PLOT_SVG_H
#define METAPOOL_PLOT_SVG_H

#include "internal.h"

#include <stddef.h>
#include <stdio.h>

/* Font used for every text; widths are estimated with Helvetica/Arial
 * metrics (Liberation Sans is metric-compatible). */
#define MTP__SVG_FONT "Arial, Helvetica, 'Liberation Sans', sans-serif"

typedef struct mtp__svg {
    FILE *f;
    int failed; /* a write returned an error */
} mtp__svg;

/* Text anchors and styles for mtp__svg_text. */
enum { MTP__START = 0, MTP__MIDDLE = 1, MTP__END = 2 };
enum { MTP__PLAIN = 0, MTP__BOLD = 1, MTP__ITALIC = 2 };

/* fprintf through the writer; remembers a failure. Only for markup whose
 * numbers are integers or were formatted with mtp__fmt. */
void mtp__svg_printf(mtp__svg *s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Write text XML-escaped: & < > " ' become entities; characters XML 1.0
 * forbids and invalid UTF-8 become U+FFFD. */
void mtp__svg_escaped(mtp__svg *s, const char *text);
/* <text> element at (x, y) with class cls, anchor, style, font size and
 * text (escaped). When full is non-NULL and differs from text, a <title>
 * child carries the full text (tooltip of a cut label). */
void mtp__svg_text(mtp__svg *s, double x, double y, int anchor, int style, double size,
                   const char *cls, const char *text, const char *full);
/* Opening <svg> element with a white background; closing element. */
void mtp__svg_begin(mtp__svg *s, double width, double height);
void mtp__svg_end(mtp__svg *s);
/* Flush; MTP_OK, or MTP_EIO (with a message) when any write failed. */
int mtp__svg_finish(mtp__svg *s, mtp_error *err);

/* "%.*f" into buf, with '.' as the decimal point whatever the locale; "-0.00"
 * becomes "0.00". Returns buf. */
char *mtp__fmt(char *buf, size_t n, double x, int digits);
/* "%.3g" with '.' as the decimal point. */
char *mtp__fmt_g(char *buf, size_t n, double x);
/* A coordinate with two decimals into a char array buf. */
#define MTP__XY(buf, x) mtp__fmt((buf), sizeof(buf), (x), 2)
/* "P < 0.001", "P = 0.003" below 0.01, else "P = 0.02"; "P = NA" for NaN. */
char *mtp__fmt_p(char *buf, size_t n, double p);

/* Estimated width in px of UTF-8 text at font size px (Helvetica metrics). */
double mtp__text_width(const char *text, double size, int bold);
/* Copy text into buf (size n), cut at a code point with "…" appended so that
 * its width is at most maxw. Returns 1 if it was cut. */
int mtp__text_fit(char *buf, size_t n, const char *text, double size, int bold, double maxw);

/* An axis: ends on the analysis scale (log of ratios on a log axis) and
 * ticks at round values. */
#define MTP__MAX_TICKS 24
typedef struct mtp__axis {
    double lo, hi;                  /* ends, analysis scale */
    int log;                        /* 1: ratio axis (values are logs) */
    size_t nticks;                  /* 0 when no grid fits */
    double tick[MTP__MAX_TICKS];    /* analysis scale */
    char label[MTP__MAX_TICKS][16]; /* printed values */
} mtp__axis;
/* Round axis covering [lo, hi] (analysis scale, lo < hi), width px wide with
 * tick labels of the given font size: the finest grid whose labels do not
 * collide (log: 1-2-5 ratios, then every 1, 2, 5, ... decades; linear:
 * multiples of a 1-2-5 step), the ends snapped outward onto the grid. */
void mtp__axis_auto(mtp__axis *ax, double lo, double hi, int log_scale, double width, double font);
/* As mtp__axis_auto on an axis length px long, with neighbouring ticks at
 * least min_sep px apart (fewer, rounder ticks); vertical: the labels are
 * stacked (a y axis), so they need a line of text between them rather than
 * their widths. */
void mtp__axis_spaced(mtp__axis *ax, double lo, double hi, int log_scale, double length,
                      double font, double min_sep, int vertical);
/* Axis with the given ends (analysis scale) and the finest fitting grid of
 * ticks inside them. */
void mtp__axis_fixed(mtp__axis *ax, double lo, double hi, int log_scale, double width, double font);
/* The same with ticks at least min_sep px apart, vertical as in
 * mtp__axis_spaced. */
void mtp__axis_fixed_spaced(mtp__axis *ax, double lo, double hi, int log_scale, double length,
                            double font, double min_sep, int vertical);

#endif
