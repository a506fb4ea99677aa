#!/usr/bin/env python3
"""Writes docs/benchmarks.md (to stdout) from the results bench/run saved."""
import glob
import json
import os
import platform
import subprocess
import datetime

OUT = "target/bench"
JOBS = [
    ("token_bytes_32", "token_bytes(32)", 20, 1.5),
    ("token_hex_32", "token_hex(32)", 15, None),
    ("token_urlsafe_32", "token_urlsafe(32)", 15, None),
    ("randbelow_1e6", "randbelow(10^6)", None, None),
    ("choice_94", "choice over 94 characters", None, None),
    ("password_20", "20-character password, 4 classes", 100, None),
    ("passphrase_6", "6-word passphrase", None, None),
]
CONTENDERS = ["keysmith", "keysmith_os", "rand_thread_rng"]


def criterion_median(job, who):
    path = f"target/criterion/{job}/{who}/new/estimates.json"
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]


def ns(v):
    if v is None:
        return "–"
    if v >= 1000:
        return f"{v / 1000:.2f} µs"
    return f"{v:.1f} ns"


def cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def hyperfine_rows(name):
    with open(f"{OUT}/{name}.json") as f:
        results = json.load(f)["results"]
    return [(r["command"], r["median"], r["mean"], r["stddev"]) for r in results]


def main():
    with open(f"{OUT}/python.json") as f:
        py = json.load(f)
    print("# Benchmarks\n")
    print("Measured in one run of `bench/run` on this machine:", end=" ")
    print(f"{os.cpu_count()} cores, {cpu()}, Linux {platform.release()},", end=" ")
    print(f"{datetime.date.today().isoformat()}. The machine is shared and noisy:")
    print("ratios from the same run mean more than the absolute figures.\n")
    print("Regenerate with `bench/run` (needs hyperfine, pwgen and openssl).\n")

    print("## Per call (medians)\n")
    print("keysmith and rand: criterion, `cargo bench -p keysmith --bench secrets`;")
    print("Python: `python3 bench/python_secrets.py` (timeit, median of 7 runs).")
    print("\"keysmith\" is the default fast source; \"keysmith (OS)\" the same code")
    print("on `OsRng` (one getrandom call per draw, as Python does); \"rand\" is")
    print("`rand::rng()` (ThreadRng) doing the same job.\n")
    print("| job | keysmith | keysmith (OS) | rand ThreadRng | Python secrets | Python / keysmith | keysmith / rand | target |")
    print("|---|---|---|---|---|---|---|---|")
    for job, label, py_target, rand_target in JOBS:
        k, kos, r = (criterion_median(job, c) for c in CONTENDERS)
        p = py.get(job)
        vs_py = f"{p / k:.1f}×" if p and k else "–"
        vs_rand = f"{k / r:.2f}" if k and r else "–"
        targets = []
        if py_target:
            ok = p and k and p / k >= py_target
            targets.append(f"≥ {py_target}× Python: {'met' if ok else 'NOT met'}")
        if rand_target:
            ok = k and r and k / r <= rand_target
            targets.append(f"≤ {rand_target}× rand: {'met' if ok else 'NOT met'}")
        print(f"| {label} | {ns(k)} | {ns(kos)} | {ns(r)} | {ns(p)} | {vs_py} | {vs_rand} | {'; '.join(targets) or '–'} |")

    print("\n## Whole process (hyperfine, 5 runs after a warm-up, output to /dev/null)\n")
    for name, title in [("bytes", "1 GB of random bytes"), ("password", "a million 20-character passwords")]:
        rows = hyperfine_rows(name)
        base = rows[0][1]
        print(f"### {title}\n")
        print("| command | median | mean ± σ | relative to keysmith |")
        print("|---|---|---|---|")
        for cmd, median, mean, sd in rows:
            print(f"| `{cmd.replace('target/release/', '')}` | {median:.3f} s | {mean:.3f} ± {sd:.3f} s | {median / base:.2f}× |")
        print()

    with open(f"{OUT}/rss.json") as f:
        rss = json.load(f)["max_rss_kib"]
    print("## Memory\n")
    print(f"`keysmith bytes 10G > /dev/null`: maximum resident set {rss / 1024:.1f} MiB")
    print("(target: under 16 MiB; from `wait4`'s `ru_maxrss`).\n")
    notes = os.path.join(os.path.dirname(__file__), "NOTES.md")
    with open(notes) as f:
        print(f.read().rstrip())
    # The `keysmith serve` figures come from bench/load; keep them.
    start, end = "<!-- serve-load:start -->", "<!-- serve-load:end -->"
    try:
        with open("docs/benchmarks.md") as f:
            doc = f.read()
        if start in doc and end in doc:
            print()
            print(doc[doc.index(start): doc.index(end) + len(end)])
    except OSError:
        pass


if __name__ == "__main__":
    main()
