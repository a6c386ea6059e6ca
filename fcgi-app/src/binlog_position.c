/*
 * binlog_position: the saved GTID state on disk (binlog_position.h). The
 * file holds one line, "gtid <state>".
 */
#include "binlog_position.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int binlog_position_valid(const char *text)
{
    const char *p = text;

    if (*p == '\0')
        return 1;
    for (;;) {
        for (int part = 0; part < 3; part++) {
            if (*p < '0' || *p > '9')
                return 0;
            while (*p >= '0' && *p <= '9')
                p++;
            if (part < 2 && *p++ != '-')
                return 0;
        }
        if (*p == '\0')
            return 1;
        if (*p++ != ',')
            return 0;
    }
}

int binlog_position_load(const char *path, char *out, size_t outlen,
                         char *err, size_t errlen)
{
    char line[BINLOG_POSITION_MAX + 16];
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = '\0';
    if (n == 0 || line[n - 1] != '\n' || strncmp(line, "gtid ", 5) != 0) {
        snprintf(err, errlen, "%s: not a saved position", path);
        return -1;
    }
    line[n - 1] = '\0';
    if (!binlog_position_valid(line + 5) || strlen(line + 5) >= outlen) {
        snprintf(err, errlen, "%s: not a GTID list", path);
        return -1;
    }
    snprintf(out, outlen, "%s", line + 5);
    return 1;
}

int binlog_position_save(const char *path, const char *state)
{
    char tmp[4096];
    int fd, ok;
    size_t len;
    char line[BINLOG_POSITION_MAX + 16];

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return -1;
    len = (size_t)snprintf(line, sizeof(line), "gtid %s\n", state);
    if (len >= sizeof(line))
        return -1;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_msg(LOG_ERROR, "position", "%s: %s", tmp, strerror(errno));
        return -1;
    }
    ok = write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        log_msg(LOG_ERROR, "position", "could not save to %s: %s", path,
                strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int binlog_gtids_parse(struct binlog_gtids *g, const char *text)
{
    const char *p = text;

    g->n = 0;
    if (!binlog_position_valid(text))
        return -1;
    while (*p != '\0') {
        char *end;
        unsigned long long d = strtoull(p, &end, 10);
        unsigned long long s = strtoull(end + 1, &end, 10);
        unsigned long long n = strtoull(end + 1, &end, 10);

        if (d > UINT32_MAX || s > UINT32_MAX ||
            binlog_gtids_set(g, (uint32_t)d, (uint32_t)s, n) != 0)
            return -1;
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

int binlog_gtids_set(struct binlog_gtids *g, uint32_t domain, uint32_t server,
                     uint64_t seq)
{
    size_t i = 0;

    while (i < g->n && g->d[i].domain != domain)
        i++;
    if (i == BINLOG_DOMAINS_MAX)
        return -1;
    if (i == g->n)
        g->n++;
    g->d[i].domain = domain;
    g->d[i].server = server;
    g->d[i].seq = seq;
    return 0;
}

void binlog_gtids_format(const struct binlog_gtids *g, char *out,
                         size_t outlen)
{
    size_t at = 0;

    out[0] = '\0';
    for (size_t i = 0; i < g->n && at < outlen; i++) {
        int n = snprintf(out + at, outlen - at, "%s%" PRIu32 "-%" PRIu32
                         "-%" PRIu64, i ? "," : "", g->d[i].domain,
                         g->d[i].server, g->d[i].seq);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}
