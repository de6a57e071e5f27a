#!/usr/bin/env bash
# Runs Apache Kafka (KRaft, combined broker+controller per node) on a local address for the tests and
# benchmarks that need a real broker. The server comes from Maven Central via deploy/kafka/pom.xml
# into a cache folder; nothing is committed or installed system-wide except a JDK and Maven from
# Debian when they are missing.
#
# Usage: deploy/kafka.sh start  [--brokers 1|3] [--dir D] [--port-base P] [--host A]
#        deploy/kafka.sh stop   [--dir D]
#        deploy/kafka.sh status [--dir D]
#        deploy/kafka.sh kill-node N [--dir D]     SIGKILL node N's JVM (failure tests)
#        deploy/kafka.sh start-node N [--dir D]    start node N again and wait until it serves
#        deploy/kafka.sh fetch                     only resolve the server into the cache
#
# Node i (1-based) listens for clients on A:P+2(i-1) and for the controller quorum on
# A:P+2(i-1)+1 (P defaults to 19092; A to 127.0.0.1, another local address such as the host end of
# a veth pair lets clients in a network namespace reach the cluster; a running cluster keeps the
# P and A it was started with). `start` prints the bootstrap list and writes it to D/bootstrap.
# D defaults to $WIREFEED_KAFKA_DIR or ${TMPDIR:-/tmp}/wirefeed-kafka; the cache to
# ${XDG_CACHE_HOME:-~/.cache}/wirefeed/kafka/<version>/lib. Each node logs to D/node-i/server.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

cmd="${1:-}"
[ -n "$cmd" ] && shift
brokers=1
dir="${WIREFEED_KAFKA_DIR:-${TMPDIR:-/tmp}/wirefeed-kafka}"
port_base="${WIREFEED_KAFKA_PORT_BASE:-}"
host=""
node_arg=""
while (($#)); do
  case "$1" in
    --brokers) brokers="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --port-base) port_base="$2"; shift 2 ;;
    --host) host="$2"; shift 2 ;;
    [0-9]*) node_arg="$1"; shift ;;
    *) echo "kafka.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
# The port base of a running cluster is the one it was started with.
[ -n "$port_base" ] || port_base=$(cat "$dir/port_base" 2>/dev/null || echo 19092)
# So is the address it listens on.
[ -n "$host" ] || host=$(cat "$dir/host" 2>/dev/null || echo 127.0.0.1)
case "$brokers" in 1 | 3) ;; *) echo "kafka.sh: --brokers must be 1 or 3" >&2; exit 2 ;; esac

kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/kafka/pom.xml")
cache="${XDG_CACHE_HOME:-$HOME/.cache}/wirefeed/kafka/$kafka_version"
lib="$cache/lib"

log() { echo "kafka.sh: $*" >&2; }

ensure_tools() {
  local pkgs=()
  command -v java >/dev/null || pkgs+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || pkgs+=(maven)
  ((${#pkgs[@]} == 0)) || "$here/apt-install.sh" "${pkgs[@]}"
}

# Resolves the server and its dependencies once per version; a marker file makes a half-finished
# copy count as missing.
fetch() {
  [ -f "$cache/.complete" ] && return 0
  ensure_tools
  log "resolving Apache Kafka $kafka_version into $lib"
  rm -rf "$lib"
  mkdir -p "$lib"
  mvn -B -q -f "$here/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib" >&2
  touch "$cache/.complete"
}

java_opts=(-Xms128m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info
  -Dorg.slf4j.simpleLogger.showDateTime=true
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS"
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn)
java_run() { java "${java_opts[@]}" -cp "$lib/*" "$@"; }

client_port() { echo $((port_base + 2 * ($1 - 1))); }
controller_port() { echo $((port_base + 2 * ($1 - 1) + 1)); }
node_dir() { echo "$dir/node-$1"; }
node_pid() { cat "$(node_dir "$1")/pid" 2>/dev/null || true; }
alive() { local p; p=$(node_pid "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
node_count() { cat "$dir/brokers" 2>/dev/null || echo 0; }

write_config() {
  local n=$1 count=$2 voters="" i rf isr
  for i in $(seq 1 "$count"); do voters+="${voters:+,}$i@$host:$(controller_port "$i")"; done
  rf=$count
  isr=$((count == 3 ? 2 : 1))
  mkdir -p "$(node_dir "$n")/data"
  cat >"$(node_dir "$n")/server.properties" <<EOF
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://$host:$(client_port "$n"),CONTROLLER://$host:$(controller_port "$n")
advertised.listeners=PLAINTEXT://$host:$(client_port "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$(node_dir "$n")/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$isr
auto.create.topics.enable=true
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=10
# Tests join groups constantly: no delay before the first rebalance of a new group.
group.initial.rebalance.delay.ms=0
# Short cleaner and retention check periods so compaction and time retention of the dedup-state
# topic happen within a test (topics still choose their own segment.ms / retention.ms).
log.cleaner.backoff.ms=1000
log.retention.check.interval.ms=5000
log.segment.delete.delay.ms=1000
# A transaction left open past its timeout (a stalled or killed producer) is aborted within a
# second of the timeout, not after the default 10 s sweep.
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000
# A dead broker's partitions move within seconds in the failure tests.
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000
EOF
}

# A node serves when its client port accepts connections and it has logged its startup as
# complete (the controller quorum formed and the broker was unfenced).
wait_serving() {
  local n=$1 deadline=$((SECONDS + ${WIREFEED_KAFKA_START_TIMEOUT:-120}))
  local logf
  logf="$(node_dir "$n")/server.log"
  while ((SECONDS < deadline)); do
    if ! alive "$n"; then
      log "node $n exited during startup; last lines of $logf:"
      tail -n 30 "$logf" >&2 || true
      return 1
    fi
    if grep -q "Kafka Server started" "$logf" 2>/dev/null &&
      (exec 3<>"/dev/tcp/$host/$(client_port "$n")") 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  log "node $n did not start within the timeout; last lines of $logf:"
  tail -n 30 "$logf" >&2 || true
  return 1
}

launch() {
  local n=$1 nd
  nd=$(node_dir "$n")
  # The log of an earlier run of this node is kept beside the new one.
  [ -f "$nd/server.log" ] && mv "$nd/server.log" "$nd/server.log.prev"
  (cd "$nd" && exec java "${java_opts[@]}" -cp "$lib/*" kafka.Kafka "$nd/server.properties") \
    >"$nd/server.log" 2>&1 </dev/null &
  echo $! >"$nd/pid"
}

bootstrap_list() {
  local out="" i
  for i in $(seq 1 "$1"); do out+="${out:+,}$host:$(client_port "$i")"; done
  echo "$out"
}

# SIGTERM to every given node at once (a combined node waiting for a quorum whose other members
# already left would not finish its controlled shutdown), then SIGKILL what is left after 60 s.
stop_nodes() {
  local n p pids=() deadline
  for n in "$@"; do
    p=$(node_pid "$n")
    [ -n "$p" ] && kill -TERM "$p" 2>/dev/null && pids+=("$p")
  done
  deadline=$((SECONDS + 60))
  for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$p" 2>/dev/null; then
      log "pid $p did not stop within 60 s of SIGTERM; SIGKILL"
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  for n in "$@"; do rm -f "$(node_dir "$n")/pid"; done
}

case "$cmd" in
  fetch)
    fetch
    ;;
  start)
    fetch
    running=$(node_count)
    for i in $(seq 1 "$running"); do
      if alive "$i"; then
        log "already running in $dir (node $i); stop it first"
        exit 1
      fi
    done
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "$brokers" >"$dir/brokers"
    echo "$port_base" >"$dir/port_base"
    echo "$host" >"$dir/host"
    cluster_id=$(java_run kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    for i in $(seq 1 "$brokers"); do
      write_config "$i" "$brokers"
      java_run kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" \
        -c "$(node_dir "$i")/server.properties" >"$(node_dir "$i")/format.log" 2>&1 || {
        log "formatting node $i failed:"
        cat "$(node_dir "$i")/format.log" >&2
        exit 1
      }
    done
    for i in $(seq 1 "$brokers"); do launch "$i"; done
    for i in $(seq 1 "$brokers"); do
      wait_serving "$i" || {
        stop_nodes $(seq 1 "$brokers")
        exit 1
      }
    done
    bootstrap_list "$brokers" | tee "$dir/bootstrap"
    log "Apache Kafka $kafka_version serving ($brokers node(s), cluster $cluster_id, dir $dir)"
    ;;
  stop)
    stop_nodes $(seq 1 "$(node_count)")
    ;;
  status)
    count=$(node_count)
    ((count > 0)) || { echo "not started ($dir)"; exit 3; }
    down=0
    for i in $(seq 1 "$count"); do
      if alive "$i"; then
        echo "node $i: running pid $(node_pid "$i") $host:$(client_port "$i")"
      else
        echo "node $i: stopped"
        down=1
      fi
    done
    echo "bootstrap: $(bootstrap_list "$count")"
    exit $((down ? 3 : 0))
    ;;
  kill-node)
    [ -n "$node_arg" ] || { echo "kafka.sh: kill-node N" >&2; exit 2; }
    p=$(node_pid "$node_arg")
    [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true
    while [ -n "$p" ] && kill -0 "$p" 2>/dev/null; do sleep 0.1; done
    rm -f "$(node_dir "$node_arg")/pid"
    ;;
  start-node)
    [ -n "$node_arg" ] || { echo "kafka.sh: start-node N" >&2; exit 2; }
    alive "$node_arg" && { log "node $node_arg is running"; exit 0; }
    launch "$node_arg"
    wait_serving "$node_arg"
    ;;
  *)
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
