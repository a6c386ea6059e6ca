#!/usr/bin/env bash
# The binlog invalidator (issue 20, docs/binlog-invalidator.md): changes
# made with SQL behind the API's back reach readers (L1 on) in well under a
# second, per kind of change. The pool runs with a 60 s TTL, so without the
# invalidator each check below would see the old answer for a minute: the
# 5 s bound (BOUND) is a poll limit, not the expected time, which is
# printed (INFO) and benchmarked in docs/benchmarks.md.
source "$(dirname "$0")/lib.sh"
BOUND=5

# usage: prime PATH...    two reads each, so the answer is cached (and in L1)
prime() {
  local p
  for p in "$@"; do curl -s -o /dev/null "$HTTP_URL$p" && curl -s -o /dev/null "$HTTP_URL$p"; done
}

# usage: expect NAME PATH JQ EXPECTED
expect() {
  if shows_within "$BOUND" "$2" "$3" "$4"; then
    pass "$1 (${SHOWN_MS} ms)"
  else fail "$1" "not within ${BOUND}s"; fi
}

# usage: counted NAME SERIES WANT    e.g. counted "one commit" "$series" 3
# The invalidator counts a change after it has invalidated it (so after a
# read may show it): the count is awaited (5 s), then compared.
counted() {
  eventually 5 inv_is "$2" "$3"
  check_eq "$1" "$3" "$(inv_metric "$2")"
}

direct_update() {
  prime /products/1 '/products?limit=5'
  sql 'UPDATE products SET price = 1.23 WHERE id = 1'
  expect "UPDATE: the item shows it" /products/1 .price 1.23
  expect "UPDATE: a list page holding it shows it" '/products?limit=5' '.[0].price' 1.23
  check "UPDATE: invalidated by id ($(inv_metric 'binlog_invalidator_invalidations_total{scope="ids"}'))" \
    eventually 5 inv_grew 'binlog_invalidator_invalidations_total{scope="ids"}' 0
}

direct_insert_delete() {
  local id
  id=$(($(sql 'SELECT MAX(id) FROM products') + 1))
  prime "/products/$id"
  check_eq "INSERT: the id is a cached 404 before" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$HTTP_URL/products/$id")"
  sql "INSERT INTO products (id, name, price) VALUES ($id, 'Binlog insert', 2.50)"
  expect "INSERT: the new item shows" "/products/$id" .price 2.5
  sql "DELETE FROM products WHERE id = $id"
  expect "DELETE: the item is gone" "/products/$id" .error '"no product with this id"'
}

multi_row_transaction() {
  local before
  prime /products/2 /products/3
  before=$(inv_metric 'binlog_invalidator_events_total{kind="commit"}')
  sql 'BEGIN; UPDATE products SET price = 2.22 WHERE id = 2; UPDATE products SET price = 3.33 WHERE id = 3; COMMIT'
  expect "transaction: its first row shows" /products/2 .price 2.22
  expect "transaction: its second row shows" /products/3 .price 3.33
  counted "transaction: one commit event" 'binlog_invalidator_events_total{kind="commit"}' $((before + 1))
}

rolled_back() {
  local gen price
  prime /products/4 /products/5
  price=$(curl -s "$HTTP_URL/products/4" | jq .price)
  gen=$(redis GET products:gen)
  sql 'BEGIN; UPDATE products SET price = 4.44 WHERE id = 4; ROLLBACK'
  # A committed change of another row after it, once seen, shows the
  # invalidator is past the rollback (no sleep to guess it).
  sql 'UPDATE products SET price = price + 1 WHERE id = 5'
  expect "rollback: a commit after it shows" /products/5 .price \
    "$(sql 'SELECT price FROM products WHERE id = 5' | sed 's/0*$//; s/\.$//')"
  check_eq "rollback: no invalidation of all (generation unchanged)" "$gen" "$(redis GET products:gen)"
  check_eq "rollback: no invalidation of its row (its entry kept)" 1 "$(redis EXISTS products:item:4)"
  check_eq "rollback: the old price stays" "$price" "$(curl -s "$HTTP_URL/products/4" | jq .price)"
}

large_transaction() {
  local before
  sql 'CREATE TEMPORARY TABLE n (i INT); INSERT INTO n VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
    INSERT INTO products (name, price) SELECT "Bulk", 1 FROM n a, n b, n c, n d'
  prime /products/6 '/products?limit=10'
  before=$(inv_metric 'binlog_invalidator_fallbacks_total{reason="large"}')
  sql 'UPDATE products SET price = price + 1' # 10,100 rows, one transaction
  expect "10,000-row UPDATE: the item shows it" /products/6 .price \
    "$(sql 'SELECT price FROM products WHERE id = 6' | sed 's/0*$//; s/\.$//')"
  counted "10,000-row UPDATE: one fallback invalidation" 'binlog_invalidator_fallbacks_total{reason="large"}' \
    $((before + 1))
  sql "DELETE FROM products WHERE name = 'Bulk'; UPDATE products SET price = price - 1"
}

ddl() {
  local before
  before=$(inv_metric 'binlog_invalidator_fallbacks_total{reason="statement"}')
  prime /products/7
  sql "ALTER TABLE products COMMENT = 'binlog test'"
  check "ALTER TABLE: invalidates everything" \
    eventually 5 inv_grew 'binlog_invalidator_fallbacks_total{reason="statement"}' "$before"
  # The table map changed: row images must still be read by id.
  before=$(inv_metric 'binlog_invalidator_invalidations_total{scope="ids"}')
  sql 'UPDATE products SET price = 7.77 WHERE id = 7'
  expect "after ALTER: an UPDATE shows" /products/7 .price 7.77
  counted "after ALTER: still invalidated by id" 'binlog_invalidator_invalidations_total{scope="ids"}' \
    $((before + 1))
}

truncate_table() {
  local before
  sql 'DROP TABLE IF EXISTS products_keep; CREATE TABLE products_keep AS SELECT * FROM products'
  prime /products/8 '/products?limit=3'
  before=$(inv_metric 'binlog_invalidator_fallbacks_total{reason="statement"}')
  sql 'TRUNCATE TABLE products'
  expect "TRUNCATE: the item is gone" /products/8 .error '"no product with this id"'
  expect "TRUNCATE: the list is empty" '/products?limit=3' length 0
  check "TRUNCATE: invalidates everything" \
    eventually 5 inv_grew 'binlog_invalidator_fallbacks_total{reason="statement"}' "$before"
  sql 'INSERT INTO products SELECT * FROM products_keep; DROP TABLE products_keep'
  expect "TRUNCATE: the rows put back show again" /products/8 .id 8
}

no_schema_grant() { ! sql "SHOW GRANTS FOR 'products_invalidator'@'localhost'" | grep -q 'ON .products.[.]'; }

# Its database user may replicate and read the binlog position, nothing of
# the data; started by root, it runs as the responders' user.
least_privilege() {
  check_eq "its database user: replication only" \
    "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO \`products_invalidator\`@\`localhost\`" \
    "$(sql "SHOW GRANTS FOR 'products_invalidator'@'localhost'" | head -n 1 | sed 's/ IDENTIFIED BY .*//')"
  check "its database user has no grant on the products schema" no_schema_grant
  if [ "$(id -u)" = 0 ]; then
    check_eq "started by root, it runs as products" products "$(ps -o user= -p "$(cat "$INVALIDATOR_PID_FILE")")"
  fi
}

main() {
  binlog_setup
  trap binlog_teardown EXIT
  least_privilege
  direct_update
  direct_insert_delete
  multi_row_transaction
  rolled_back
  large_transaction
  ddl
  truncate_table
  tests_done
}

main "$@"
