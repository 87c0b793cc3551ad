/* Output buffer of the metapool command: everything is kept until the
 * analysis has succeeded (so that a failure leaves standard output empty),
 * or drained into the stream in 256 KiB pieces once nothing can fail but the
 * writing itself.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_AT ((size_t)1 << 18)

static int reserve(mtpcli_out *o, size_t extra)
{
    size_t cap = o->cap ? o->cap : 4096;
    char *p;
    if (o->failed)
        return 0;
    if (o->len + extra <= o->cap)
        return 1;
    while (cap < o->len + extra) {
        if (cap > (size_t)-1 / 2) {
            o->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    if ((p = realloc(o->buf, cap)) == NULL) {
        o->failed = 1;
        return 0;
    }
    o->buf = p;
    o->cap = cap;
    return 1;
}

int mtpcli_out_flush(mtpcli_out *o)
{
    if (o->sink == NULL || o->failed)
        return o->failed ? -1 : 0;
    if (o->len > 0 && fwrite(o->buf, 1, o->len, o->sink) != o->len)
        o->failed = 1;
    o->len = 0;
    return o->failed ? -1 : 0;
}

void mtpcli_out_write(mtpcli_out *o, const char *s, size_t n)
{
    if (!reserve(o, n))
        return;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    if (o->sink != NULL && o->len >= FLUSH_AT)
        mtpcli_out_flush(o);
}

void mtpcli_out_puts(mtpcli_out *o, const char *s) { mtpcli_out_write(o, s, strlen(s)); }

void mtpcli_out_printf(mtpcli_out *o, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(o, (size_t)n + 1)) {
        o->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    o->len += (size_t)n;
    if (o->sink != NULL && o->len >= FLUSH_AT)
        mtpcli_out_flush(o);
}

void mtpcli_out_free(mtpcli_out *o)
{
    free(o->buf);
    memset(o, 0, sizeof *o);
}

const char *mtpcli_input_name(const mtpcli_settings *s)
{
    return s->file == NULL || (s->file[0] == '-' && s->file[1] == '\0') ? "<stdin>" : s->file;
}
