#!/usr/bin/env bash
# A write's outcome is known when it is answered (issue 10, point 5). Another
# session holds the row's lock longer than the responder's MySQL read
# timeout; the PUT must answer before that timeout with a 503 "not applied",
# and indeed never land: the row is unchanged after the lock goes, the
# generation was not bumped. Then the same PUT, unhindered, lands.
source "$(dirname "$0")/lib.sh"

AUTH=(-H "Authorization: Bearer $ADMIN_TOKEN")
JSON=(-H "Content-Type: application/json")
HOLDER=
cleanup() { [ -z "$HOLDER" ] || kill "$HOLDER" 2>/dev/null; }
trap cleanup EXIT

ID=3
READ_TIMEOUT_S=2 # MYSQL_TIMEOUT_S's default: the write connection's read timeout
HOLD_S=6         # well past it
before=$(sql "SELECT CONCAT(name, '|', price) FROM products WHERE id = $ID")
gen_before=$(redis GET products:gen)
seq_before=$(redis GET products:wseq)

# The lock holder: BEGIN, lock the row, keep it HOLD_S seconds, roll back.
sql "BEGIN; SELECT id FROM products WHERE id = $ID FOR UPDATE; DO SLEEP($HOLD_S); ROLLBACK" >/dev/null &
HOLDER=$!
eventually 5 eval "[ \"\$(sql \"SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_rows_locked > 0\")\" -gt 0 ]" ||
  fail "the row lock is held" "no locking transaction seen"

http PUT "/products/$ID" "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Blocked write","price":9.99}'
check_eq "PUT on a locked row: 503" 503 "$STATUS"
# Answered before the read timeout: then the server's lock wait error says
# "not applied"; after it the outcome is unknown ("may or may not"). The
# answer tells which, not a clock a loaded box can stretch.
info "PUT on a locked row: answered in ${TIME} s (read timeout ${READ_TIMEOUT_S} s)"
check "PUT on a locked row: the answer says 'not applied' (before the read timeout)" \
  eval "printf '%s' \"\$BODY\" | jq -e '.error | contains(\"was not applied\")' >/dev/null"
check_eq "PUT on a locked row: the generation is unchanged" "$gen_before" "$(redis GET products:gen)"
check_eq "PUT on a locked row: nothing invalidated (write sequence unchanged)" "$seq_before" "$(redis GET products:wseq)"

wait "$HOLDER"
HOLDER=
sleep 1 # anything still queued would have landed by now
check_eq "after the lock is released the row is unchanged" "$before" \
  "$(sql "SELECT CONCAT(name, '|', price) FROM products WHERE id = $ID")"

http PUT "/products/$ID" "${AUTH[@]}" "${JSON[@]}" --data "{\"name\":\"Unblocked write\",\"price\":-0.0}"
check_eq "the same PUT unhindered: 200" 200 "$STATUS"
check_eq "a price of -0.0 is echoed as 0" 0 "$(jq -r '.price' <<<"$BODY")"
check "... with no minus sign" eval "! grep -q -- '-0' <<<\"\$BODY\""
check_eq "... and stored as 0" "Unblocked write|0.00" \
  "$(sql "SELECT CONCAT(name, '|', price) FROM products WHERE id = $ID")"
# Put the row back as it was.
name=${before%|*} price=${before#*|}
sql "UPDATE products SET name = '$name', price = $price WHERE id = $ID"
redis INCR products:gen >/dev/null
tests_done
