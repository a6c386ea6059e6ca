/*
 * log: formats one line per event for stderr, which spawn-fcgi/multiwatch
 * leave pointing at the stack's log file (or the container's output).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    n = snprintf(line, sizeof(line), "%s %s[%ld]: ", level_names[level],
                 module, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    /* One fputs per line: lines from the pool's processes do not interleave
     * mid-line as long as they stay under PIPE_BUF. */
    fprintf(stderr, "%s\n", line);
}

void log_escape(const char *in, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    if (outlen == 0)
        return;
    for (; *in != '\0' && o + 1 < outlen; in++) {
        unsigned char c = (unsigned char)*in;
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out[o++] = (char)c;
        } else {
            if (o + 5 > outlen)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0xf];
        }
    }
    out[o] = '\0';
}
