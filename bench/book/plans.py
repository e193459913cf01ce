#!/usr/bin/env python3
"""The plans of a book run's reads, from PostgreSQL's log (standard library only).

  plans.py LOG [--title TEXT] > plans.md

bench/book/run.sh loads `auto_explain` (a sample of the statements, with their real row counts) into the
PostgreSQL it starts and keeps the server's log as plans-pg.log. This groups the sampled plans by statement
(an IN list of bound values and a literal array of ids count as one shape whatever their length), keeps the
reads (SELECT) — the insight rules', the monitoring criteria's and the load's own look-ups — and for each
shape the slowest plan sampled, with how many were sampled and their total time. Literal ids are cut to a
count so that the file stays readable and carries no row's identity.
"""
import argparse, re, sys

ENTRY = re.compile(r"^\S+ \S+ \S+ \[\d+\] LOG:  duration: ([0-9.]+) ms  plan:$")
IN_LIST = re.compile(r"IN \((\$\d+(?:, \$\d+)*)\)")
BOUND_ARRAY = re.compile(r"ARRAY\[(\$\d+(?:, \$\d+)*)\]")
NUMBER = re.compile(r"\b\d{6,}\b")
ARRAY = re.compile(r"'\{[^}']*\}'")
DOLLAR = re.compile(r"\$\d+")
UUID = re.compile(r"'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'")


def shape(query):
    """The statement with its lists of bound values, literal arrays, ids and long numbers (instants the
    SQL carries as literals) each written as one placeholder: one shape however many values it had."""
    query = IN_LIST.sub("IN (…)", BOUND_ARRAY.sub("ARRAY[…]", query))
    query = UUID.sub("'…'", ARRAY.sub("'{…}'", query))
    return NUMBER.sub("N", DOLLAR.sub("$n", query))


def tidy(line):
    """A plan line with its long IN lists and literal arrays cut to their length."""
    line = IN_LIST.sub(lambda m: "IN ($… %d values)" % (m.group(1).count("$")), line)
    line = BOUND_ARRAY.sub(lambda m: "ARRAY[$… %d values]" % (m.group(1).count("$")), line)
    line = ARRAY.sub(lambda m: "'{… %d values}'" % (m.group(0).count(",") + 1), line)
    return UUID.sub("'…'", line)


def entries(lines):
    """(ms, query, plan lines) for each auto_explain entry of the log."""
    i = 0
    while i < len(lines):
        m = ENTRY.match(lines[i])
        if not m:
            i += 1
            continue
        ms = float(m.group(1))
        i += 1
        query, plan = "", []
        while i < len(lines) and lines[i].startswith("\t"):
            text = lines[i][1:]
            if text.startswith("Query Text: "):
                query = text[len("Query Text: "):]
            else:
                plan.append(text)
            i += 1
        yield ms, query, plan


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--title", default="The plans of the book load's reads")
    a = p.parse_args()
    with open(a.log, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    groups = {}
    for ms, query, plan in entries(lines):
        if not query.lstrip().upper().startswith("SELECT"):
            continue
        key = shape(query)
        g = groups.setdefault(key, {"n": 0, "total": 0.0, "worst": (-1.0, query, plan)})
        g["n"] += 1
        g["total"] += ms
        if ms > g["worst"][0]:
            g["worst"] = (ms, query, plan)
    if not groups:
        # A log_line_prefix other than PostgreSQL's default, or no auto_explain: say so rather than write nothing.
        sys.exit("plans.py: no auto_explain plan of a read found in %s" % a.log)
    out = sys.stdout
    out.write("# %s\n\n" % a.title)
    out.write("From `%s`: %d statement shapes, sampled by `auto_explain` (`log_analyze`, timing off), the\n"
              "slowest plan of each with its real row counts; ordered by the sampled time in total.\n\n"
              % (a.log.split("/bench/out/")[-1], len(groups)))
    for n, (key, g) in enumerate(sorted(groups.items(), key=lambda kv: -kv[1]["total"]), 1):
        ms, query, plan = g["worst"]
        out.write("## %d. %s\n\n" % (n, tidy(query)[:160].replace("\n", " ")))
        out.write("Sampled %d times, %.1f ms in total; the slowest %.1f ms:\n\n" % (g["n"], g["total"], ms))
        out.write("```\n%s\n\n%s\n```\n\n" % (tidy(query), "\n".join(tidy(l) for l in plan)))


if __name__ == "__main__":
    main()
