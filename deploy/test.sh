#!/usr/bin/env bash
# Sets up (deps + build) and runs the tests, with the configure and test presets of the same name
# in CMakePresets.json.
#   deploy/test.sh          every test (unit + end-to-end against the mock broker), build/
#   deploy/test.sh asan     the same under AddressSanitizer + UBSan, build-asan/
#   deploy/test.sh tsan     the unit/pipeline tests under ThreadSanitizer, build-tsan/ (librdkafka
#                           starts its threads with C11 thrd_create, which g++ 12's TSan does not
#                           intercept, so in-process mock-broker tests cannot run under TSan:
#                           the tsan test preset leaves out the KafkaSource.*, ChromeStateKafka.*
#                           and DedupStateStore.* unit tests, which run against librdkafka's
#                           in-process mock, and the single-threaded 16M-entry DedupReview
#                           wrap-around test, ~8 min under TSan for nothing TSan can find)
#   deploy/test.sh kafka    the end-to-end tests against a real Apache Kafka broker (deploy/kafka.sh
#                           fetches it from Maven Central, starts one KRaft node on loopback and
#                           stops it afterwards); the tests that need the mock's fault injection
#                           skip, the RealKafka tests run. One test at a time: the shared tests
#                           recreate the fixed topic names. Then a 3-node cluster for the
#                           RealKafka3 (broker failure, scale-out) tests; as root, with a network
#                           namespace and veth pair for the scale-out test's cut-off daemon.
#   deploy/test.sh browser  the status page in headless Chromium (deploy/browser-setup.sh installs
#                           chromium and playwright-core); screenshot: build/status-page.png
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-default}"
case "$mode" in
  default)
    ./deploy/setup.sh
    ctest --preset default
    ;;
  asan)
    PRESET=asan ./deploy/setup.sh
    ctest --preset asan
    ;;
  tsan)
    PRESET=tsan ./deploy/setup.sh
    ctest --preset tsan
    ;;
  kafka)
    ./deploy/setup.sh
    base="${WIREFEED_KAFKA_PORT_BASE:-19092}"
    k1=$(mktemp -d "${TMPDIR:-/tmp}/wirefeed-kafka1-XXXXXX")
    k3=$(mktemp -d "${TMPDIR:-/tmp}/wirefeed-kafka3-XXXXXX")
    netns="" veth_host="" veth_ns=""
    cleanup() {
      ./deploy/kafka.sh stop --dir "$k1" || true
      ./deploy/kafka.sh stop --dir "$k3" || true
      rm -rf "$k1" "$k3"
      # Deleting one end of a veth pair deletes both.
      [ -z "$veth_host" ] || ip link del "$veth_host" 2>/dev/null || true
      [ -z "$netns" ] || ip netns del "$netns" 2>/dev/null || true
    }
    trap cleanup EXIT
    trap 'exit 143' TERM INT
    # One node: every end-to-end test (those needing the mock's fault injection skip).
    bootstrap=$(./deploy/kafka.sh start --brokers 1 --dir "$k1" --port-base "$base")
    WIREFEED_TEST_KAFKA="$bootstrap" \
      ctest --test-dir build --output-on-failure -j1 --timeout 400 -L e2e -E 'RealKafka3\.'
    ./deploy/kafka.sh stop --dir "$k1"
    # Three nodes: the broker-failure and scale-out tests. As root with iproute2, a network
    # namespace joined to the host by a veth pair (host end H.1/30, namespace end H.2/30, H from
    # WIREFEED_TEST_NETNS_NET, default 10.213.0) lets the scale-out test run one daemon in the
    # namespace and cut its link; the cluster then listens on the host end, which the namespace
    # reaches. Otherwise the cluster stays on loopback and that test skips with the reason.
    host=127.0.0.1
    net="${WIREFEED_TEST_NETNS_NET:-10.213.0}"
    if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
      netns="wirefeed-test-$$" veth_host="wfh$$" veth_ns="wfn$$"
      if ip netns add "$netns" &&
        ip link add "$veth_host" type veth peer name "$veth_ns" &&
        ip link set "$veth_ns" netns "$netns" &&
        ip addr add "$net.1/30" dev "$veth_host" && ip link set "$veth_host" up &&
        ip -n "$netns" addr add "$net.2/30" dev "$veth_ns" &&
        ip -n "$netns" link set "$veth_ns" up && ip -n "$netns" link set lo up; then
        host="$net.1"
      else
        echo "test.sh: no network namespace (setting it up failed); the scale-out test skips" >&2
        ip link del "$veth_host" 2>/dev/null || true
        ip netns del "$netns" 2>/dev/null || true
        netns="" veth_host="" veth_ns=""
      fi
    fi
    bootstrap=$(./deploy/kafka.sh start --brokers 3 --dir "$k3" --port-base $((base + 100)) \
      --host "$host")
    WIREFEED_TEST_KAFKA3="$bootstrap" WIREFEED_TEST_KAFKA3_DIR="$k3" \
      WIREFEED_TEST_NETNS="$netns" WIREFEED_TEST_NETNS_LINK="$veth_ns" \
      WIREFEED_TEST_NETNS_ADDR="${netns:+$net.2}" \
      ctest --test-dir build --output-on-failure -j1 --timeout 400 -R 'RealKafka3\.'
    ;;
  browser)
    ./deploy/browser-setup.sh
    [ -x build/bin/wirefeedd ] || ./deploy/setup.sh
    node tests/browser/status_page.mjs build
    ;;
  *)
    echo "usage: deploy/test.sh [default|asan|tsan|kafka|browser]" >&2
    exit 2
    ;;
esac
