#!/usr/bin/env bash
# What a failed write tells the client. A statement the server would not even
# prepare never ran: 503 "not applied", and the cache is left alone (no
# generation bump). Made real by taking INSERT away from the write user, on
# fresh responders that have not prepared their INSERT yet.
source "$(dirname "$0")/lib.sh"

AUTH=(-H "Authorization: Bearer $ADMIN_TOKEN")
JSON=(-H "Content-Type: application/json")
WRITERS="'products_writer'@'%', 'products_writer'@'localhost'"

regrant() { sql "GRANT INSERT ON products.products TO $WRITERS" 2>/dev/null || true; }
trap regrant EXIT

sql "REVOKE INSERT ON products.products FROM $WRITERS"
fresh_pool
gen_before=$(redis GET products:gen)
seq_before=$(redis GET products:wseq)
http POST /products "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Never prepared","price":1}'
check_eq "unpreparable write: 503" 503 "$STATUS"
check "unpreparable write: the answer says 'not applied'" \
  eval "printf '%s' \"\$BODY\" | jq -e '.error | contains(\"was not applied\")' >/dev/null"
check "unpreparable write: no 'may or may not' (nothing was sent)" \
  eval "! printf '%s' \"\$BODY\" | grep -q 'may or may not'"
check_eq "unpreparable write: the cache generation is unchanged" \
  "$gen_before" "$(redis GET products:gen)"
check_eq "unpreparable write: nothing invalidated (write sequence unchanged)" \
  "$seq_before" "$(redis GET products:wseq)"
check_eq "unpreparable write: no row" 0 \
  "$(sql "SELECT COUNT(*) FROM products WHERE name = 'Never prepared'")"

regrant
http POST /products "${AUTH[@]}" "${JSON[@]}" --data '{"name":"Prepared again","price":1}'
check_eq "with INSERT granted again the same write succeeds: 201" 201 "$STATUS"
[ "$STATUS" != 201 ] || http DELETE "$(header location)" "${AUTH[@]}"

tests_done
