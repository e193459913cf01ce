-- Raw PostgreSQL ceiling for CRM-W1: one table shaped like the workload CSV (gen_customers.py columns).
-- Indexes mirror what Banyan enforces for the same data: primary key, unique mobile and ID number,
-- a name index usable for prefix ranges (byte-order collation, as Banyan's customers.display_name), branch.
DROP TABLE IF EXISTS customers;
DROP SEQUENCE IF EXISTS mobile_seq;
CREATE TABLE customers (
    cust_no     text PRIMARY KEY,
    full_name   text COLLATE "C" NOT NULL,
    gender      text NOT NULL,
    birth_date  date NOT NULL,
    mobile      text NOT NULL,
    email       text NOT NULL,
    id_number   text NOT NULL,
    province    text NOT NULL,
    city        text NOT NULL,
    district    text NOT NULL,
    street      text NOT NULL,
    postcode    text NOT NULL,
    address     text NOT NULL,
    branch_code text NOT NULL
);
CREATE UNIQUE INDEX customers_mobile ON customers (mobile);
CREATE UNIQUE INDEX customers_id_number ON customers (id_number);
CREATE INDEX customers_name ON customers (full_name, birth_date);
CREATE INDEX customers_branch ON customers (branch_code, cust_no);
-- W4 numbers: 192 + 8 digits from a sequence (unique, like the driver's 192 TT W CCCCC).
CREATE SEQUENCE mobile_seq;
