-- W3 name search: t = the first 2 characters of the full name of a random customer (one extra PK probe,
-- in the same statement), then at most 20 customers whose name starts with t (index range scan).
\set k random(1, :n)
SELECT c.*
  FROM (SELECT left(full_name, 2) AS t FROM customers WHERE cust_no = lpad(:k::text, 8, '0')) s,
       LATERAL (SELECT * FROM customers c
                 WHERE c.full_name >= s.t AND c.full_name < s.t || chr(1114111)
                 ORDER BY c.full_name LIMIT 20) c;
