-- Search kind "middle" (the name without its first character: a substring from the middle), the raw
-- PostgreSQL way: LIKE '%t%' with a pg_trgm GIN index on the name (created after the timed load).
\set k random(1, :n)
SELECT c.*
  FROM (SELECT substr(full_name, 2) AS t FROM customers WHERE cust_no = lpad(:k::text, 8, '0')) s,
       LATERAL (SELECT * FROM customers c
                 WHERE c.full_name LIKE '%' || s.t || '%'
                 ORDER BY c.full_name LIMIT 20) c;
