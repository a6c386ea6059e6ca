-- Deterministic seed rows: the same table on every machine.
-- Row count: @seed_rows when the session sets it (scripts/stack passes
-- SEED_ROWS), else 100; at most 10000. Every 25th name carries quotes,
-- a backslash and non-ASCII text, so escaping is exercised end to end.
USE products;

SET @rows = LEAST(GREATEST(COALESCE(@seed_rows, 100), 0), 10000);

INSERT INTO products (id, name, price)
SELECT n,
       CASE WHEN n % 25 = 0
            THEN CONCAT('Caf', _utf8mb4 0xC3A9, ' "Special" \\ ', _utf8mb4 0xE28496, n)
            ELSE CONCAT('Product ', LPAD(n, 4, '0'))
       END,
       ROUND(1 + (n * 7919 % 10000) / 100, 2)
FROM (
  SELECT d0.d + 10 * d1.d + 100 * d2.d + 1000 * d3.d + 1 AS n
  FROM (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
        UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6
        UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d0
  CROSS JOIN (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
        UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6
        UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d1
  CROSS JOIN (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
        UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6
        UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d2
  CROSS JOIN (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
        UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6
        UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d3
) numbers
WHERE n <= @rows
ORDER BY n;
