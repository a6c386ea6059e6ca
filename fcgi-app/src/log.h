/*
 * log: one line per event on stderr ("level module pid: message"). The
 * message is escaped as a whole (log_escape), so bytes from a client or from
 * a server's error text cannot break a line or forge another.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Formats the message, escapes it and writes the line. Long messages are
 * cut; the line always ends with one newline. */
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies at most outlen-1 bytes of in to out, replacing anything that is not
 * printable ASCII (and the backslash) with \xHH, so untrusted input cannot
 * forge log lines. */
void log_escape(const char *in, char *out, size_t outlen);

#endif
