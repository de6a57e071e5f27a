#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan+UBSan) into build-fuzz/ and runs each for a
# bounded time over a scratch copy of its seed corpus (tests/fuzz/corpus/<target>/; new corpus
# entries never go into the repo).
# Usage: deploy/fuzz.sh [seconds-per-target, default 60] [target...]  (targets: decode clean config formats html)
#   FUZZ_ARGS="-seed=1 ..." adds libFuzzer flags (after the defaults, so they win).
# Exits non-zero on any crash, timeout (>10 s per input) or OOM and prints the reproducer path;
# replay one with build-fuzz/bin/fuzz_<target> <file>.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(decode clean config formats html)

# Same dependencies as deploy/setup.sh, plus clang and its libFuzzer/sanitizer runtimes.
PACKAGES=(
  build-essential cmake pkg-config git
  librdkafka-dev libprotobuf-dev protobuf-compiler libspdlog-dev libfmt-dev
  libboost-dev libboost-system-dev libyaml-cpp-dev libxxhash-dev libsystemd-dev
  libxml2-dev nlohmann-json3-dev
  clang-14 libclang-rt-14-dev
)
./deploy/apt-install.sh "${PACKAGES[@]}"

cmake --preset fuzz >/dev/null  # build-fuzz/ (CMakePresets.json)
build_targets=()
for t in "${TARGETS[@]}"; do build_targets+=(--target "fuzz_$t"); done
cmake --build build-fuzz -j2 "${build_targets[@]}"

max_len_of() {
  case "$1" in
    decode) echo $((1 << 20)) ;;  # 1 MiB: big envelopes, long lines
    clean) echo $((256 << 10)) ;;
    config) echo $((64 << 10)) ;;
    formats) echo $((256 << 10)) ;;
    html) echo $((512 << 10)) ;;
    *) echo "fuzz: unknown target $1" >&2; exit 2 ;;
  esac
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/wirefeed-fuzz.XXXXXX")"
ARTIFACTS="$PWD/build-fuzz/fuzz-artifacts"
mkdir -p "$ARTIFACTS"
failed=()
summary=()
for t in "${TARGETS[@]}"; do
  bin="build-fuzz/bin/fuzz_$t"
  corpus="$WORK/$t"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/
  log="$WORK/$t.log"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s (log $log)"
  rc=0
  "$bin" -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len_of "$t")" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$ARTIFACTS/$t-" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1 || rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  summary+=("$(printf '%-7s %10s execs  %7s exec/s  corpus %s files' "$t" "${execs:-?}" \
    "${rate:-?}" "$(find "$corpus" -type f | wc -l)")")
  if ((rc != 0)); then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $rc); last lines of $log:" >&2
    grep -v '^#[0-9]' "$log" | tail -n 40 >&2
    artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
    echo "fuzz: $t reproducer: ${artifact:-<none written, see $log>}" >&2
  fi
done

echo "fuzz: summary (${SECONDS_PER_TARGET}s per target)"
printf '  %s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (logs in $WORK, reproducers in $ARTIFACTS)" >&2
  exit 1
fi
rm -rf "$WORK"
echo "fuzz: OK"
