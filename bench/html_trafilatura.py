"""Runs trafilatura over HTML pages, for bench/html_peer.py (run with the benchmark's venv).

usage: html_trafilatura.py ROUNDS OUT.jsonl PAGE.html...
Times trafilatura.extract on every page, one thread, ROUNDS rounds; prints one line
"pages_per_s <median> <min> <max>" and writes {"file", "text"} per page (first round) to OUT.
"""
import json, statistics, sys, time

import trafilatura

rounds, out_path, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pages = [open(f, "rb").read() for f in files]
rates, texts = [], []
for r in range(rounds):
    t0 = time.perf_counter()
    got = [trafilatura.extract(p) for p in pages]
    rates.append(len(pages) / (time.perf_counter() - t0))
    if r == 0:
        texts = got
with open(out_path, "w") as out:
    for f, t in zip(files, texts):
        out.write(json.dumps({"file": f, "text": t or ""}) + "\n")
print("pages_per_s", statistics.median(rates), min(rates), max(rates))
