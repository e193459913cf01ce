-- W2 point read: one customer by primary key, uniformly at random among 1..n (all columns).
\set k random(1, :n)
SELECT * FROM customers WHERE cust_no = lpad(:k::text, 8, '0');
