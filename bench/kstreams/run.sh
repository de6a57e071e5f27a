#!/usr/bin/env bash
# Builds (once) and runs the Kafka Streams pass-through peer of bench/e2e_bench.cpp:
#   bench/kstreams/run.sh BOOTSTRAP IN_TOPIC OUT_TOPIC APPLICATION_ID
# Classes and dependencies go to bench/kstreams/target/ (from Maven Central; not committed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/target/.built" ]; then
  mvn -B -q -f "$here/pom.xml" compile dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$here/target/lib" >&2
  touch "$here/target/.built"
fi
exec java -Xms256m -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$here/target/classes:$here/target/lib/*" wirefeed.bench.PassThrough "$@"
