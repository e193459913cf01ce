-- Search kind "tail4" (the last four digits of a mobile), the raw PostgreSQL way: an expression index on
-- right(mobile, 4) (created after the timed load), in clear (Banyan keeps only a keyed index of the tail).
\set k random(1, :n)
SELECT c.*
  FROM (SELECT right(mobile, 4) AS t FROM customers WHERE cust_no = lpad(:k::text, 8, '0')) s,
       LATERAL (SELECT * FROM customers c
                 WHERE right(c.mobile, 4) = s.t
                 ORDER BY c.full_name LIMIT 20) c;
