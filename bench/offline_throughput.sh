#!/usr/bin/env bash
# Offline throughput of `wirefeed process --jsonl` on one core over generated envelope stories.
#   bench/offline_throughput.sh [BUILD_DIR] [COUNT] [RUNS]
# Prints stories/s, MB/s (story text and JSONL bytes) and peak RSS per run, and the medians.
set -euo pipefail
BUILD=${1:-build-bench}
COUNT=${2:-100000}
RUNS=${3:-3}
CPU=${BENCH_CPU:-1}
for corpus in "1k:--min 800 --max 1300" "mixed:--min 1000 --max 20000"; do
  name=${corpus%%:*}
  args=${corpus#*:}
  file=/tmp/wirefeed_bench_${name}_${COUNT}.jsonl
  # shellcheck disable=SC2086
  [[ -s $file ]] || "$BUILD/bin/gen_jsonl" --count "$COUNT" $args > "$file"
  bytes=$(stat -c %s "$file")
  rates=()
  for ((r = 1; r <= RUNS; r++)); do
    /usr/bin/time -f '%e %U %S %M' -o /tmp/wirefeed_bench_time.txt \
      taskset -c "$CPU" "$BUILD/bin/wirefeed" process --jsonl --received-at 2026-03-02T00:00:00Z \
      "$file" > /tmp/wirefeed_bench_out.jsonl
    # CPU seconds (user+sys): the machine may be shared; wall time is printed beside it.
    read -r wall user sys rss_kb < /tmp/wirefeed_bench_time.txt
    secs=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
    lines=$(wc -l < /tmp/wirefeed_bench_out.jsonl)
    rate=$(awk -v n="$COUNT" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
    rates+=("$rate")
    awk -v name="$name" -v n="$COUNT" -v s="$secs" -v w="$wall" -v b="$bytes" -v rss="$rss_kb" -v l="$lines" \
      'BEGIN { printf "offline %-5s run: %d stories in %.2f CPU s (%.2f s wall) = %.0f stories/s, %.1f MB/s of JSONL, peak RSS %.0f MB, %d records out\n", name, n, s, w, n / s, b / s / 1e6, rss / 1024, l }'
  done
  median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  echo "offline $name median: $median stories/s (JSONL $((bytes / COUNT)) B/story)"
done
