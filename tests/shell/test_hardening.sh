#!/usr/bin/env bash
# The responder is built hardened (issue 10, point 6): _FORTIFY_SOURCE
# (checked __*_chk calls), stack protector, PIE, full RELRO (relro + now).
# Read from the ELF with readelf (binutils, which the compiler brings), and
# first against a binary built without them, so the checks can fail.
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
PROG=test_hardening
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
BIN=${FCGI_APP_BIN:-$ROOT/fcgi-app/build/fcgi-app}

command -v readelf >/dev/null || {
  fail "readelf installed" "install the 'binutils' package"
  tests_done
}

# usage: hardening FILE    e.g. hardening fcgi-app/build/fcgi-app
# Prints which of pie, relro, now, canary, fortify FILE has, one word each.
hardening() {
  local dyn
  dyn=$(readelf -dW "$1")
  readelf -hW "$1" | grep -q 'Type: *DYN' && grep -q 'PIE' <<<"$dyn" && echo pie
  readelf -lW "$1" | grep -q GNU_RELRO && echo relro
  grep -Eq 'BIND_NOW|Flags:.* NOW' <<<"$dyn" && echo now
  readelf --dyn-syms -W "$1" | grep -q ' __stack_chk_fail' && echo canary
  readelf --dyn-syms -W "$1" | grep -Eq ' __[a-z]+_chk(@| |$)' && echo fortify
}
ALL="pie relro now canary fortify"

# A control built the other way: the checks must tell it apart.
cat >"$TMP/plain.c" <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "%s", argc > 1 ? argv[1] : "x");
    printf("%zu\n", strlen(buf));
    return 0;
}
C
if cc -O2 -U_FORTIFY_SOURCE -fno-stack-protector -no-pie -fno-pie \
  -Wl,-z,norelro -Wl,-z,lazy -o "$TMP/plain" "$TMP/plain.c" 2>"$TMP/cc.log"; then
  check_eq "an unhardened control is seen as such" "" "$(hardening "$TMP/plain" | tr '\n' ' ')"
else
  fail "the unhardened control builds" "$(cat "$TMP/cc.log")"
fi

if [ -x "$BIN" ]; then
  check_eq "the responder ($BIN) is hardened" "$ALL" "$(hardening "$BIN" | tr '\n' ' ' | sed 's/ $//')"
else
  fail "the responder is built" "no $BIN (make -C fcgi-app)"
fi
tests_done
