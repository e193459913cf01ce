#!/usr/bin/env python3
"""Compares data/calendars/CN.toml, day by day, with the PyPI package `chinesecalendar` (LKI/chinese-calendar,
MIT), which follows the State Council notices. Prints the days that differ per year; exits 1 if any do.

    python3 -m venv /tmp/cc && /tmp/cc/bin/pip install chinesecalendar && /tmp/cc/bin/python data/calendars/verify.py
"""
import datetime
import pathlib
import sys
import tomllib

import chinese_calendar

cal = tomllib.loads((pathlib.Path(__file__).parent / "CN.toml").read_text())
holidays = {datetime.date.fromisoformat(d) for d in cal["holidays"]}
workdays = {datetime.date.fromisoformat(d) for d in cal["workdays"]}
weekend = {"saturday": 5, "sunday": 6}
off = {weekend[w] for w in cal["weekend"]}
bad = 0
for year in cal["years"]:
    day, diff = datetime.date(year, 1, 1), []
    while day.year == year:
        ours = day in workdays or (day.weekday() not in off and day not in holidays)
        if ours != chinese_calendar.is_workday(day):
            diff.append((day.isoformat(), "working" if ours else "day off"))
        day += datetime.timedelta(days=1)
    print(f"{year}: {len(diff)} days differ {diff}")
    bad += len(diff)
sys.exit(1 if bad else 0)
