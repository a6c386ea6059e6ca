#!/usr/bin/env bash
# scripts/stack's usage text is its opening comment: the commands and the
# settings, no code.
# shellcheck source=../../scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

# usage: names_every_command USAGE_TEXT
names_every_command() {
  local c
  for c in up down env status mode restart-pool purge; do
    grep -q "scripts/stack $c" <<<"$1" || return 1
  done
}

out=$("$ROOT/scripts/stack" 2>&1)
check_eq "stack without a command exits 2" 2 "$?"
check "usage names every command" names_every_command "$out"
check "usage prints no code (set -euo pipefail)" test -z "$(grep -e 'set -' <<<"$out")"
check "usage lines are not comment lines" test -z "$(grep '^#' <<<"$out")"

tests_done
