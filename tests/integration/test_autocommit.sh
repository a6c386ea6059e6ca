#!/usr/bin/env bash
# Pooled connections do not rely on the server's autocommit (issue 21). With
# the server's global autocommit=0, a connection that did not turn it on
# itself runs every read of its life in one transaction, one snapshot
# (REPEATABLE READ): a change committed later is never seen on it; and a
# write on it is never committed. store.c turns autocommit on after every
# connect, so: in baseline mode (every read goes to the database, over the
# pool's kept connections), a change committed outside the app and a write
# through the app are seen by every later read.
source "$(dirname "$0")/lib.sh"

ID=7
READS=40 # more than the pool's reader connections, so every one is used
AUTH=(-H "Authorization: Bearer $ADMIN_TOKEN")
JSON=(-H "Content-Type: application/json")
ORIGINAL=$(sql "SELECT CONCAT('name = ', QUOTE(name), ', price = ', price) FROM products WHERE id = $ID")

cleanup() {
  sql "SET GLOBAL autocommit = 1" || true
  sql "SET autocommit = 1; UPDATE products SET $ORIGINAL WHERE id = $ID" || true
  "$STACK" mode cached >/dev/null 2>&1
}
trap cleanup EXIT

# name_reads N: GET /products/$ID N times; prints each answer's name.
name_reads() {
  local i
  for ((i = 0; i < $1; i++)); do
    curl -s --max-time 10 "$HTTP_URL/products/$ID" | jq -r '.name // "error"'
  done
}

# every_read_is EXPECTED LABEL: all $READS reads answer EXPECTED.
every_read_is() {
  local names others
  names=$(name_reads "$READS")
  others=$(grep -cvx -- "$1" <<<"$names" || true)
  if [ "$others" = 0 ]; then
    pass "$2: all $READS reads see '$1'"
  else
    fail "$2: all $READS reads see '$1'" \
      "$others did not: $(sort <<<"$names" | uniq -c | tr -s ' \n' ' ')"
  fi
}

sql "SET GLOBAL autocommit = 0"
check_eq "the server's default is autocommit=0" 0 "$(sql 'SELECT @@GLOBAL.autocommit')"
# New connections: the pool restarted after the change.
"$STACK" mode baseline >/dev/null || {
  fail "pool restarted in baseline mode" "stack mode failed"
  tests_done
}
eventually 10 ready

# Every pooled reader connection reads once: without autocommit, each now
# holds its snapshot.
name_reads "$READS" >/dev/null

# A change committed outside the app (this client commits explicitly).
sql "UPDATE products SET name = 'Autocommit outside' WHERE id = $ID; COMMIT"
every_read_is "Autocommit outside" "a change committed elsewhere"

# A write through the app: committed by its own statement.
http PUT "/products/$ID" "${AUTH[@]}" "${JSON[@]}" \
  --data '{"name":"Autocommit via app","price":7}'
check_eq "PUT through the app: 200" 200 "$STATUS"
every_read_is "Autocommit via app" "a write through the app"
check_eq "the app's write is committed (seen by a new session)" "Autocommit via app" \
  "$(sql "SELECT name FROM products WHERE id = $ID")"

tests_done
