/* The merge cases test_gtid.c runs against gtid_merge() and
 * test_positions.c against GTID_RECORD_LUA on a real Redis: a (the
 * recorded position, NULL when none), b (the new one), want (the result,
 * NULL when refused). */
#ifndef GTID_CASES_H
#define GTID_CASES_H

#include <stdbool.h>
#include <stddef.h>

struct gtid_case {
    const char *a;
    const char *b;
    const char *want;
    bool tie; /* equal highs with other text: the recorded one stays */
};

#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U2 "8a94f357-aab4-11df-86ab-c80aa9429562"

static const struct gtid_case gtid_cases[] = {
    /* MariaDB: the highest seq per domain, sorted by domain number. */
    {NULL, "0-1-5", "0-1-5", false},
    {"0-1-5", "0-1-7", "0-1-7", false},
    {"0-1-7", "0-1-5", "0-1-7", false}, /* the older one records last */
    {"0-1-9", "0-2-10", "0-2-10", false}, /* a new server in the domain */
    {"0-1-5,1-1-3", "1-1-9", "0-1-5,1-1-9", false},
    {"1-1-9", "0-1-5", "0-1-5,1-1-9", false},
    {NULL, "10-1-1,2-1-1", "2-1-1,10-1-1", false}, /* numeric order */
    {"0-1-5", "0-1-5,0-2-4", "0-1-5", false}, /* binlog_state-like dups */
    {"0-1-18446744073709551614", "0-1-18446744073709551615",
     "0-1-18446744073709551615", false}, /* past a double's precision */
    {"0-1-9007199254740993", "0-1-9007199254740992", "0-1-9007199254740993",
     false},
    {"0-1-5", "0-2-5", "0-1-5", true},
    /* MySQL: per UUID, the element with the highest interval end. */
    {NULL, U1 ":1-5", U1 ":1-5", false},
    {U1 ":1-5", U1 ":1-9", U1 ":1-9", false},
    {U1 ":1-9", U1 ":1-5", U1 ":1-9", false},
    {U1 ":1-5:7-9", U1 ":1-8", U1 ":1-5:7-9", false},
    {U1 ":1-5", U1 ":1-5:7", U1 ":1-5:7", false},
    {U2 ":1-3", U1 ":1-4", U1 ":1-4," U2 ":1-3", false},
    {U1 ":1-4,\n" U2 ":1-3", U2 ":1-8", U1 ":1-4," U2 ":1-8", false},
    {NULL, "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-2", U1 ":1-2", false},
    {NULL, U1 ":5", U1 ":5", false},
    {U1 ":1-9", U1 ":1-3:5-9", U1 ":1-9", true},
    /* Refused: garbage, tags, mixed or different formats. */
    {NULL, "", NULL, false},
    {NULL, "0-1", NULL, false},
    {NULL, "0-1-2-3", NULL, false},
    {NULL, "0-1-x", NULL, false},
    {NULL, "0-1-05", NULL, false},
    {NULL, "-1-1-5", NULL, false},
    {NULL, "0-1-5,", NULL, false},
    {NULL, ",0-1-5", NULL, false},
    {NULL, "0-1-5,,1-1-1", NULL, false},
    {NULL, "0-1-5 ", NULL, false},
    {NULL, " 0-1-5", NULL, false},
    {NULL, "0 -1-5", NULL, false},
    {NULL, "0-1-123456789012345678901", NULL, false}, /* 21 digits */
    {NULL, U1, NULL, false},
    {NULL, U1 ":", NULL, false},
    {NULL, U1 ":0-5", NULL, false},
    {NULL, U1 ":5-1", NULL, false},
    {NULL, U1 ":1-5:", NULL, false},
    {NULL, U1 ":1--5", NULL, false},
    {NULL, U1 ":tag:1-5", NULL, false},
    {NULL, "3e11fa47-71ca-11e1-9e33-c80aa942956:1-5", NULL, false},
    {NULL, "3e11fa4771ca-11e1-9e33-c80aa9429562x:1-5", NULL, false},
    {NULL, "g e11fa47-71ca-11e1-9e33-c80aa9429562:1", NULL, false},
    {NULL, "0-1-5," U1 ":1-5", NULL, false},
    {"0-1-5", U1 ":1-5", NULL, false},
    {U1 ":1-5", "0-1-5", NULL, false},
    {"garbage", "0-1-5", NULL, false},
    {NULL, "'; DROP TABLE products; --", NULL, false},
};

#define GTID_CASES_N (sizeof(gtid_cases) / sizeof(gtid_cases[0]))

#endif
