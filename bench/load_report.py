#!/usr/bin/env python3
"""Prints the load figures bench/load saved as a Markdown section."""
import json
import re
import sys

out, n, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def phases(name):
    rows = []
    with open(f"{out}/{name}") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows


print(f"## `keysmith serve` under load ({n} requests per phase, {c} connections)\n")
print(f"Command: `N={n} C={c} bench/load`. The server (release build) on 127.0.0.1 and the load generator")
print("(`cargo run --release -p keysmith-server --example load`) share the 2 cores.\n")
print("| backend | phase | requests/s | p50 | p99 | max | unexpected |")
print("|---|---|---|---|---|---|---|")
pairs = {}
for backend in ["sqlite", "postgres"]:
    for workload in ["reset", "otp"]:
        rows = phases(f"{backend}-{workload}.json")
        for r in rows:
            print(f"| {backend} | {r['phase']} | {r['requests_per_second']:.0f} | "
                  f"{r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['max_ms']:.1f} ms | {r['unexpected_status']} |")
        if workload == "reset":
            seconds = sum(r["seconds"] for r in rows)
            pairs[backend] = rows[0]["requests"] / seconds
with open(f"{out}/pgbench.txt") as f:
    text = f.read()
m = re.search(r"tps = ([0-9.]+)", text)
tps = float(m.group(1)) if m else float("nan")
print()
print(f"Issue + redeem pairs per second through HTTP: SQLite {pairs['sqlite']:.0f}, "
      f"PostgreSQL {pairs['postgres']:.0f}. pgbench running the same statements "
      f"(service-key lookups, the issue transaction, the guarded redeem) directly "
      f"({c} clients, prepared): {tps:.0f} per second, so the server reaches "
      f"{100 * pairs['postgres'] / tps:.0f}% of the database's own rate.")
