#!/usr/bin/env python3
"""Main-content extraction beside trafilatura, in one run, on the same pages and the same core.

usage: bench/html_peer.py PAGES_DIR [--rounds N] [--build build-bench]
PAGES_DIR holds *.html or *.html.gz pages and, optionally, ground-truth.json ({"<page name without
.html[.gz]>": {"articleBody": "..."}}, the article-extraction benchmark's shape). Prints pages/s
and MB/s for wirefeed (build-bench/bin/html_bench: the whole Processor per page) and for
trafilatura.extract, and with ground truth both F1 scores, computed as that benchmark does
(4-token word shingles; precision and recall averaged per page).

trafilatura is installed from PyPI into BUILD/trafilatura-venv the first time (pinned; the
benchmark only: it is never a dependency of the product or of its tests).
"""
import argparse, collections, gzip, json, os, re, statistics, subprocess, sys, tempfile

# trafilatura 2.0 imports lxml.html.clean, which lxml >= 5.2 moved into lxml_html_clean.
TRAFILATURA = ["trafilatura==2.0.0", "lxml_html_clean"]
HERE = os.path.dirname(os.path.abspath(__file__))


def venv_python(build):
    venv = os.path.join(build, "trafilatura-venv")
    py = os.path.join(venv, "bin", "python3")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "--quiet"] + TRAFILATURA, check=True)
    return py


def shingles(text, n=4):
    t = re.findall(r"\w+", text or "", re.UNICODE)
    return collections.Counter(tuple(t[i:i + n]) for i in range(max(1, len(t) - n + 1)) if t[i:i + n])


def f1(truth, got):
    """Per-page averaged precision and recall over 4-token shingles, then F1."""
    precision, recall = [], []
    for k in truth:
        a, b = shingles(truth[k]), shingles(got.get(k, ""))
        tp, fp, fn = sum((a & b).values()), sum((b - a).values()), sum((a - b).values())
        if tp + fp > 0:
            precision.append(1.0 if fp == fn == 0 else tp / (tp + fp))
        if tp + fn > 0:
            recall.append(1.0 if fp == fn == 0 else tp / (tp + fn))
    p, r = statistics.mean(precision), statistics.mean(recall)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pages")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--build", default="build-bench")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    files, names, total = [], [], 0
    for f in sorted(os.listdir(a.pages)):
        if not (f.endswith(".html") or f.endswith(".html.gz")):
            continue
        name = f[:-len(".html.gz")] if f.endswith(".gz") else f[:-len(".html")]
        data = (gzip.open if f.endswith(".gz") else open)(os.path.join(a.pages, f), "rb").read()
        files.append(os.path.join(tmp, name + ".html"))
        names.append(name)
        total += len(data)
        with open(files[-1], "wb") as out:
            out.write(data)
    if not files:
        sys.exit(f"no *.html or *.html.gz pages in {a.pages}")
    mb = total / 1e6

    ours_out = os.path.join(tmp, "wirefeed.jsonl")
    p = subprocess.run([os.path.join(a.build, "bin", "html_bench"), "--rounds", str(a.rounds),
                        "--out", ours_out] + files, check=True, capture_output=True, text=True)
    print(p.stdout.strip())
    ours_rate = float(re.search(r"median of \d+ rounds: ([0-9.]+) pages/s", p.stdout)[1])
    ours = {}
    for line in open(ours_out):
        j = json.loads(line)
        ours[os.path.basename(j["file"])[:-len(".html")]] = "\n".join(j["paragraphs"])

    theirs_out = os.path.join(tmp, "trafilatura.jsonl")
    p = subprocess.run([venv_python(a.build), os.path.join(HERE, "html_trafilatura.py"),
                        str(a.rounds), theirs_out] + files, check=True, capture_output=True, text=True)
    med, lo, hi = (float(x) for x in p.stdout.split()[1:4])
    theirs = {}
    for line in open(theirs_out):
        j = json.loads(line)
        theirs[os.path.basename(j["file"])[:-len(".html")]] = j["text"]

    print(f"pages {len(files)}, {mb:.1f} MB, one thread each, median of {a.rounds} rounds")
    print(f"  wirefeed     {ours_rate:9.1f} pages/s {ours_rate * mb / len(files):7.2f} MB/s")
    print(f"  trafilatura  {med:9.1f} pages/s {med * mb / len(files):7.2f} MB/s (min {lo:.1f}, max {hi:.1f})")
    print(f"  speed ratio  {ours_rate / med:.1f}x")
    gt = os.path.join(a.pages, "ground-truth.json")
    if os.path.exists(gt):
        truth = {k: v.get("articleBody", "") for k, v in json.load(open(gt)).items() if k in names}
        for label, got in (("wirefeed", ours), ("trafilatura", theirs)):
            pr, rc, f = f1(truth, got)
            print(f"  {label:12s} F1 {f:.3f} (precision {pr:.3f}, recall {rc:.3f}) on {len(truth)} pages")


if __name__ == "__main__":
    main()
