#!/usr/bin/env python3
"""Writes COUNT spent reset tokens straight into a keysmith database, for
bench/load's sweep phase (the server's sweeper then has a backlog to purge);
with `left` instead of COUNT, prints how many of them are still there; with
`clear`, deletes those left.

    bench/spent_rows.py sqlite PATH COUNT|left|clear
    bench/spent_rows.py postgres URL SCHEMA COUNT|left|clear

Only the columns every schema version has; the tenant, where there is one,
is its default.
"""
import subprocess
import sys

backend, where, what = sys.argv[1], sys.argv[2], sys.argv[-1]
left = "SELECT COUNT(*) FROM reset_tokens WHERE user_id = 'spent'"
clear = "DELETE FROM reset_tokens WHERE user_id = 'spent'"
count = 0 if what in ("left", "clear") else int(what)
sql = left if what == "left" else clear if what == "clear" else ("WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
       "INSERT INTO reset_tokens (token_hash, user_id, created_at, expires_at, used_at) "
       "SELECT 'spent-' || i, 'spent', 0, 1, 1 FROM n" % count)
if backend == "sqlite":
    import sqlite3
    db = sqlite3.connect(where, timeout=30)
    rows = db.execute(sql).fetchall()
    db.commit()
    db.close()
    if what == "left":
        print(rows[0][0])
else:
    schema = sys.argv[3]
    subprocess.run(["psql", "-q", "-At", "-v", "ON_ERROR_STOP=1", where,
                    "-c", f"SET search_path = {schema}; {sql}"], check=True)
