#!/usr/bin/env bash
# Builds the benchmarks (Release, build-bench/) and runs them in sequence:
#   dedup_eval, dedup_scale (each size in its own process, so RSS deltas are clean),
#   stage_bench (3 repetitions, medians), offline throughput of `wirefeed process --jsonl`,
#   e2e_bench (embedded broker: pass-through baseline vs the daemon, CPU per story by thread and
#   dedup-state records per story over 3 backlog runs; then latency of both at 50 % of the
#   daemon's median rate on topics of their own with 8 and with 64 partitions, a fresh daemon
#   each, with its own histogram/in-flight beside it; peak RSS; see e2e_bench.cpp for options,
#   e.g. --daemon PATH to compare another build, --daemon-set key=value for experiments).
#   BENCH_SOAK=600 bench/run.sh  # also a 10-minute soak with the daemon's RSS sampled
#   bench/run.sh            # everything (about 10 minutes on 2 cores)
#   BENCH_10M=1 bench/run.sh  # also 10M dedup entries (needs ~3.2 GB of RAM, ~5 min)
#   BENCH_HTML_DIR=DIR bench/run.sh  # also HTML extraction beside trafilatura on DIR's pages
#                                    # (bench/html_peer.py; trafilatura from PyPI into build-bench/)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build-bench
cmake --preset bench > /dev/null  # build-bench/, Release (CMakePresets.json)
cmake --build "$BUILD" -j2 --target wirefeed wirefeedd dedup_eval dedup_scale gen_jsonl stage_bench e2e_bench html_bench

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%FT%TZ)"
echo "== dedup_eval"
"$BUILD/bin/dedup_eval"
echo "== dedup_scale"
sizes="0 100000 1000000"
[[ -n ${BENCH_10M:-} ]] && sizes="$sizes 10000000"
for n in $sizes; do "$BUILD/bin/dedup_scale" --sizes "$n" --restore 0; done
"$BUILD/bin/dedup_scale" --sizes "" --restore 1000000
echo "== stage_bench"
taskset -c "${BENCH_CPU:-1}" "$BUILD/bin/stage_bench" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.5
echo "== offline throughput"
bench/offline_throughput.sh "$BUILD" 100000 3
echo "== end to end (embedded broker)"
"$BUILD/bin/e2e_bench" --count 100000 --runs 3 --soak-seconds "${BENCH_SOAK:-0}"
if [[ -n ${BENCH_HTML_DIR:-} ]]; then
  echo "== html extraction beside trafilatura"
  bench/html_peer.py "$BENCH_HTML_DIR" --build "$BUILD"
fi
