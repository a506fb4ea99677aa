#!/usr/bin/env python3
"""Per-call cost of each benchmark job in Python's `secrets`, by timeit.

Prints one JSON object: job name -> median nanoseconds per call over
`--repeat` runs. The jobs match crates/keysmith/benches/secrets.rs.
"""
import argparse
import json
import secrets
import statistics
import string
import timeit

PRINTABLE = string.ascii_letters + string.digits + string.punctuation  # 94
# The EFF long list has 7776 words; `choice` costs the same for any words.
WORDS = [f"word{i}" for i in range(7776)]


def password():
    # The Python docs' recipe, with all four classes required.
    while True:
        pw = "".join(secrets.choice(PRINTABLE) for _ in range(20))
        if (
            any(c.islower() for c in pw)
            and any(c.isupper() for c in pw)
            and any(c.isdigit() for c in pw)
            and any(c in string.punctuation for c in pw)
        ):
            return pw


def passphrase():
    return " ".join(secrets.choice(WORDS) for _ in range(6))


JOBS = {
    "token_bytes_32": lambda: secrets.token_bytes(32),
    "token_hex_32": lambda: secrets.token_hex(32),
    "token_urlsafe_32": lambda: secrets.token_urlsafe(32),
    "randbelow_1e6": lambda: secrets.randbelow(1_000_000),
    "choice_94": lambda: secrets.choice(PRINTABLE),
    "password_20": password,
    "passphrase_6": passphrase,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    out = {}
    for name, fn in JOBS.items():
        timer = timeit.Timer(fn)
        number, _ = timer.autorange()
        number = max(number, 1) * 2
        runs = timer.repeat(repeat=args.repeat, number=number)
        out[name] = statistics.median(runs) / number * 1e9
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
