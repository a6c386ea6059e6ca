/* log.c: one line per event, whatever bytes the message carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

/* Runs log_msg with stderr sent to a temp file; returns what it wrote
 * (caller frees). */
static char *captured(const char *value)
{
    char path[] = "/tmp/test_log.XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);
    char *text = calloc(1, 4096);
    ssize_t n;

    assert_true(fd >= 0 && saved >= 0 && text != NULL);
    unlink(path);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    log_msg(LOG_WARN, "test", "name %s end", value);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    n = pread(fd, text, 4095, 0);
    close(fd);
    assert_true(n > 0);
    return text;
}

static size_t lines(const char *text)
{
    size_t count = 0;

    for (; *text != '\0'; text++)
        count += *text == '\n';
    return count;
}

static void test_one_line_per_event(void **state)
{
    char *text = captured("plain");
    char prefix[64];

    (void)state;
    snprintf(prefix, sizeof(prefix), "warn test[%ld]: ", (long)getpid());
    assert_int_equal(strncmp(text, prefix, strlen(prefix)), 0);
    assert_string_equal(text + strlen(prefix), "name plain end\n");
    free(text);
}

/* A client (or a server's error text) cannot forge a second line. */
static void test_untrusted_bytes_are_escaped(void **state)
{
    static const struct {
        const char *value, *logged;
    } cases[] = {
        {"a\nerror main[1]: forged", "a\\x0aerror main[1]: forged"},
        {"cr\r\n", "cr\\x0d\\x0a"},
        {"back\\slash", "back\\x5cslash"},
        {"\xe2\x98\x80", "\\xe2\\x98\\x80"},
        {"tab\there", "tab\\x09here"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = captured(cases[i].value);
        char want[128];

        snprintf(want, sizeof(want), ": name %s end\n", cases[i].logged);
        print_message("%s", text);
        assert_int_equal(lines(text), 1);
        assert_non_null(strstr(text, want));
        free(text);
    }
}

static void test_long_message_is_cut_to_one_line(void **state)
{
    char *value = malloc(5000);
    char *text;
    size_t len;

    (void)state;
    assert_non_null(value);
    memset(value, '\n', 4999);
    value[4999] = '\0';
    text = captured(value);
    len = strlen(text);
    assert_int_equal(lines(text), 1);
    assert_true(len <= 1024);
    assert_int_equal(text[len - 1], '\n');
    free(text);
    free(value);
}

static void test_escape_respects_the_buffer(void **state)
{
    char out[8];

    (void)state;
    log_escape("abcdefghij", out, sizeof(out));
    assert_string_equal(out, "abcdefg");
    log_escape("ab\n\n", out, sizeof(out));
    assert_string_equal(out, "ab\\x0a"); /* no half escape */
    log_escape("x", out, 1);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_line_per_event),
        cmocka_unit_test(test_untrusted_bytes_are_escaped),
        cmocka_unit_test(test_long_message_is_cut_to_one_line),
        cmocka_unit_test(test_escape_respects_the_buffer),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
