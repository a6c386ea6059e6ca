/*
 * log: formats, escapes and writes one line per event to stderr, which
 * spawn-fcgi/multiwatch leave pointing at the stack's log file (or the
 * container's output).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* Under PIPE_BUF (4096 on Linux): one line written with one write(2) to a
 * pipe (or an O_APPEND file) does not interleave with another process's. */
#define LOG_LINE_MAX 1024

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
    char message[LOG_LINE_MAX];
    char line[LOG_LINE_MAX];
    va_list ap;
    int n;
    size_t len;

    n = snprintf(line, sizeof(line), "%s %s[%ld]: ", level_names[level],
                 module, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(line) - 1)
        return;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    /* Leave room for the newline. */
    log_escape(message, line + n, sizeof(line) - 1 - (size_t)n);
    len = strlen(line);
    line[len++] = '\n';
    /* One write(2) per line, not stdio, which may split it. A failed write
     * has nowhere to be reported. */
    if (write(STDERR_FILENO, line, len) < 0)
        return;
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
