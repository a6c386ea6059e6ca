/*
 * log: one line per event on stderr ("level module pid: message"). Bytes
 * that came from a client go through log_escape() first.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies at most outlen-1 bytes of in to out, replacing anything that is not
 * printable ASCII with \xHH, so untrusted input cannot forge log lines. */
void log_escape(const char *in, char *out, size_t outlen);

#endif
