#!/usr/bin/env bash
# docs/configuration.md is what the responder under test prints with
# --help-config (the binary itself, not just config.c), with or without a
# valid environment.
source "$(dirname "$0")/lib.sh"

bin=${FCGI_APP_BIN:-$ROOT/fcgi-app/build/fcgi-app}
doc=$ROOT/docs/configuration.md

if out=$(env -i "$bin" --help-config) && [ "$out" = "$(cat "$doc")" ]; then
  pass "fcgi-app --help-config matches docs/configuration.md"
else
  fail "fcgi-app --help-config matches docs/configuration.md" \
    "they differ: regenerate with fcgi-app/build/fcgi-app --help-config > docs/configuration.md"
fi
out=$(env -i CACHE_TTL_S=bad "$bin" --help-config)
check_eq "--help-config works with a bad environment" "$(cat "$doc")" "$out"

tests_done
