/* hostlist: parsing "host:port[,host:port...]" lists (see hostlist.h). */
#include "hostlist.h"

#include <stdio.h>
#include <string.h>

int hostlist_port(const char *text, size_t len)
{
    int port = 0;

    if (len == 0 || len > 5)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        port = port * 10 + (text[i] - '0');
    }
    return port >= 1 && port <= 65535 ? port : -1;
}

int hostlist_next(const char **list, struct host_port *out)
{
    const char *entry = *list;
    size_t len = strcspn(entry, ",");
    size_t host_len = len;

    if (entry[0] == '\0')
        return 0;
    *list = entry + len + (entry[len] == ',');
    while (host_len > 0 && entry[host_len - 1] != ':')
        host_len--;
    snprintf(out->host, sizeof(out->host), "%.*s", (int)len, entry);
    out->port = -1;
    if (host_len < 2 || host_len - 1 >= sizeof(out->host))
        return -1; /* no ':', an empty host or one too long */
    out->port = hostlist_port(entry + host_len, len - host_len);
    if (out->port < 0)
        return -1;
    out->host[host_len - 1] = '\0';
    return 1;
}

size_t hostlist_count(const char *list)
{
    size_t n = list[0] != '\0';

    for (const char *p = list; *p != '\0'; p++)
        n += *p == ',';
    return n;
}

bool hostlist_valid(const char *list)
{
    size_t len = strlen(list);
    struct host_port hp;
    int rc = 0;

    if (len == 0 || list[len - 1] == ',')
        return false; /* hostlist_next would not see the empty last entry */
    while ((rc = hostlist_next(&list, &hp)) == 1)
        continue;
    return rc == 0;
}
