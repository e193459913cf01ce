-- W4 update: a random customer's mobile becomes a new unique 192... number; one durable commit.
\set k random(1, :n)
UPDATE customers SET mobile = '192' || lpad(nextval('mobile_seq')::text, 8, '0')
 WHERE cust_no = lpad(:k::text, 8, '0');
