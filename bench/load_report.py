#!/usr/bin/env python3
"""Prints the load figures bench/load saved as a Markdown section.

    bench/load_report.py OUT_DIR

OUT_DIR holds meta.json (N, C, the revisions, the backends run),
<version>-<backend>-<workload>.json (one JSON line per phase, from the
load example or, for the wrk-* workloads, from bench/wrk/verify.lua),
pgbench-<version>.txt and pgbench-<version>-verify-<variant>.txt. With a "before" version the
section is a side-by-side comparison; without, the figures of this tree.
"""
import json
import os
import re
import sys

out = sys.argv[1]
meta = json.load(open(f"{out}/meta.json"))
n, c = meta["n"], meta["c"]
backends = [b for b in ["sqlite", "postgres"] if b in meta["backends"]]
versions = ["before", "after"] if meta["before"] else ["after"]
WORKLOADS = ["reset", "sweep-off", "sweep", "otp", "verify", "wrk-plain", "wrk-remaining", "wrk-rate", "wrk-healthz"]
VARIANTS = ["plain", "remaining", "rate"]
NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
# A phase more than this much slower after than before is flagged.
BUDGET = 0.10


def phases(ver, backend, workload):
    rows = []
    path = f"{out}/{ver}-{backend}-{workload}.json"
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def pairs_per_second(ver, backend):
    rows = phases(ver, backend, "reset")
    if len(rows) != 2:
        return float("nan")
    return rows[0]["requests"] / sum(r["seconds"] for r in rows)


def wrk_rate(ver, backend, variant):
    rows = phases(ver, backend, f"wrk-{variant}")
    return rows[0]["requests_per_second"] if rows else float("nan")


def pgbench_tps(ver, suffix=""):
    path = f"{out}/pgbench-{ver}{suffix}.txt"
    if not os.path.exists(path):
        return float("nan")
    m = re.search(r"tps = ([0-9.]+)", open(path).read())
    return float(m.group(1)) if m else float("nan")


command = f"N={n} C={c}" + (f" BEFORE={meta['before_arg']}" if meta["before"] else "")
if meta.get("after_arg"):
    command += f" AFTER={meta['after_arg']}"
if meta["backends"] != ["sqlite", "postgres"]:
    command += f" BACKENDS=\"{' '.join(meta['backends'])}\""
after = meta["after"] + (" with uncommitted changes" if meta["after_dirty"] else "")
after_from = (f"revision `{meta['after']}`, built in a worktree of its own" if meta.get("after_arg")
              else f"this working tree (`{after}`)")

print(f"## `keysmith serve` under load ({n} requests per phase, {c} connections)\n")
print(f"Command: `{command} bench/load`. The server (release build) on 127.0.0.1 and the load generator")
print("(`cargo run --release -p keysmith-server --example load`) share the 2 cores. Phases: reset issue")
print("then redeem (unique users), OTP start then check (unique subjects), and API-key verify (one key")
print("made first, verified N times); then, under wrk (`-t1`, the same connections, "
      f"{meta.get('wrk_seconds', '10s')}), API-key")
print("verify of a plain key, of a key with credits and of a key with a rate limit (`bench/wrk/verify.lua`;")
print("wrk counts answers that are not 2xx, and the key's record afterwards shows every request was a valid")
print("verification). Every run starts on a fresh database (a new SQLite file, a new")
print("PostgreSQL schema), and PostgreSQL is reached with `sslmode=disable`.")
if meta["before"]:
    order = meta.get("order", ["before", "after"])
    print(f"\nBefore: `{meta['before']}`; after: {after_from}. Per backend the {order[0]} server runs first, then")
    print(f"the {order[1]} one, with the same load generator (this tree's). The after server runs with")
    print("`--rate-limit off`: its default per-service-key limit (1000 requests/s per instance) would cap")
    print("the load itself, and the before server has no such limit. Without `sslmode=disable` the after")
    print("server, built with TLS for PostgreSQL, would encrypt its database connections (sqlx's default is")
    print("`prefer`), which the before one cannot. The machine is shared and noisy: a ratio within about")
    print(f"±10–20% of 1 is within what two runs of one build differ by. Ratios below {1 - BUDGET:.2f} are in bold.\n")
    print("| backend | phase | before req/s | after req/s | after/before | before p99 | after p99 |")
    print("|---|---|---|---|---|---|---|")
    unexpected = []
    for backend in backends:
        for workload in WORKLOADS:
            b_rows = {r["phase"]: r for r in phases("before", backend, workload)}
            for a in phases("after", backend, workload):
                b = b_rows.get(a["phase"])
                if b is None:
                    continue
                ratio = a["requests_per_second"] / b["requests_per_second"]
                shown = f"**{ratio:.2f}**" if ratio < 1 - BUDGET else f"{ratio:.2f}"
                print(f"| {backend} | {a['phase']} | {b['requests_per_second']:.0f} | "
                      f"{a['requests_per_second']:.0f} | {shown} | {b['p99_ms']:.2f} ms | "
                      f"{a['p99_ms']:.2f} ms |")
                for ver, r in (("before", b), ("after", a)):
                    if r["unexpected_status"] or r.get("accounted") is False:
                        unexpected.append(f"{backend} {r['phase']} {ver}: {r['unexpected_status']}"
                                          + (" (not every request a valid verification)"
                                             if r.get("accounted") is False else ""))
    print()
    if unexpected:
        print("Unexpected answers (status, or a code check not \"approved\"): " + "; ".join(unexpected) + ".")
    else:
        print("Every answer in both runs was the expected one (for the wrk phases, which read no bodies:")
        print("every request a valid verification, by the credits and rate window spent, read afterwards).")
    cpu_rows = []
    for backend in backends:
        for workload in WORKLOADS:
            per = {}
            for ver in versions:
                path = f"{out}/{ver}-{backend}-{workload}.cpu"
                rows = phases(ver, backend, workload)
                if os.path.exists(path) and rows:
                    ticks, hz = map(int, open(path).read().split())
                    per[ver] = 1e6 * ticks / hz / sum(r["requests"] for r in rows)
            if len(per) == 2:
                cpu_rows.append(f"| {backend} | {workload} | {per['before']:.0f} µs | {per['after']:.0f} µs | "
                                f"{per['after'] / per['before']:.2f} |")
    if cpu_rows:
        print("\nThe server process's own CPU time (user + system) per request, over each workload's phases:\n")
        print("| backend | workload | before | after | after/before |")
        print("|---|---|---|---|---|")
        print("\n".join(cpu_rows))
    loads = []
    for backend in backends:
        for ver in versions:
            path = f"{out}/{ver}-{backend}.loadavg"
            if os.path.exists(path):
                loads.append(f"{backend} {ver} {open(path).read().strip()}")
    if loads:
        print("\nThe machine's 1-minute load average as each server started (2 cores; other work shares them): "
              + ", ".join(loads) + ".")
    print("\nAll figures:\n")
    print("| backend | version | phase | requests/s | p50 | p99 | max | unexpected |")
    print("|---|---|---|---|---|---|---|---|")
    for backend in backends:
        for workload in WORKLOADS:
            for ver in versions:
                for r in phases(ver, backend, workload):
                    print(f"| {backend} | {ver} | {r['phase']} | {r['requests_per_second']:.0f} | "
                          f"{r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['max_ms']:.1f} ms | "
                          f"{r['unexpected_status']} |")
else:
    print("The server runs with `--rate-limit off`: its default per-service-key limit (1000 requests/s per")
    print("instance) would cap the load itself.")
    print()
    print("| backend | phase | requests/s | p50 | p99 | max | unexpected |")
    print("|---|---|---|---|---|---|---|")
    for backend in backends:
        for workload in WORKLOADS:
            for r in phases("after", backend, workload):
                bad = str(r["unexpected_status"]) + (" (spent ≠ answered)" if r.get("accounted") is False else "")
                print(f"| {backend} | {r['phase']} | {r['requests_per_second']:.0f} | "
                      f"{r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['max_ms']:.1f} ms | {bad} |")
    print("\nFor the wrk phases, which read no bodies, the key's own record afterwards says every request was a")
    print("valid verification (credits and rate window spent by as many as were answered).")

lefts = []
for backend in backends:
    for ver in versions:
        path = f"{out}/{ver}-{backend}-sweep.left"
        if os.path.exists(path):
            lefts.append(f"{backend} {ver} {open(path).read().strip() or '?'}")
if lefts:
    print(f"\nThe sweep phase: {meta.get('spent', 100000)} spent reset tokens written into the database between its "
          "issue and redeem phases, on a server sweeping every second (`--sweep-interval 1s`), and beside it "
          "the same on a server whose sweeper is idle in the phase (`--sweep-interval 1h`). Spent rows "
          "left when the redeems ended (0: the sweep ran, whole, during them): " + ", ".join(lefts) + ".")

print()
for ver in versions:
    label = f"{ver.capitalize()}: i" if meta["before"] else "I"
    pairs = ", ".join(f"{NAMES[b]} {pairs_per_second(ver, b):.0f}" for b in backends)
    line = f"{label}ssue + redeem pairs per second through HTTP: {pairs}."
    if "postgres" in backends:
        tps = pgbench_tps(ver)
        line += (f" pgbench running the same statements (`{open(f'{out}/pgbench-{ver}.script').read().strip() if os.path.exists(f'{out}/pgbench-{ver}.script') else 'bench/pgbench_reset.sql'}`: "
                 f"the issue transaction and the guarded redeem, with the service-key lookups where that "
                 f"version makes one per request) directly ({c} clients, prepared, `sslmode=disable`): {tps:.0f} per "
                 f"second, so the server reaches {100 * pairs_per_second(ver, 'postgres') / tps:.0f}% of "
                 f"the database's own rate.")
        verify = []
        for variant in VARIANTS:
            tps = pgbench_tps(ver, f"-verify-{variant}")
            if tps == tps:  # not NaN: this version's schema has the statements
                verify.append(f"{variant} key {wrk_rate(ver, 'postgres', variant):.0f}/s against pgbench's "
                              f"{tps:.0f}/s ({100 * wrk_rate(ver, 'postgres', variant) / tps:.0f}%)")
        if verify:
            line += (" Verify through HTTP (wrk) against pgbench running the same statements (the key's "
                     "lookup; for credits and rate limits also the database clock and the guarded update; "
                     "`bench/pgbench_verify*.sql`): " + "; ".join(verify) + ".")
            hz = wrk_rate(ver, "postgres", "healthz")
            if hz == hz:
                line += (f" For scale: `GET /healthz` (the HTTP stack alone, no key, no database) answers "
                         f"{hz:.0f}/s on the same server, {100 * hz / pgbench_tps(ver, '-verify-plain'):.0f}% "
                         f"of pgbench's plain-key rate.")
    print(line + "\n")
