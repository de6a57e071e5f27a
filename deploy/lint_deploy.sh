#!/usr/bin/env bash
# Lints what can be linted of the deployment files without Docker or a cluster: every YAML parses
# (python3-yaml), the k8s ConfigMap's config.yaml and the compose/Docker overrides pass
# `wirefeedd --check-config`, compose creates its topics with `wirefeed topics plan --create`,
# and the Dockerfile/compose/k8s agree on the metrics port and the stop grace period.
# Usage: deploy/lint_deploy.sh BUILD_DIR (ctest -R Package).
set -euo pipefail
bin=$(cd "$1" && pwd)/bin/wirefeedd
cd "$(dirname "$0")"
work=$(mktemp -d "${TMPDIR:-/tmp}/wirefeed-lint-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "lint_deploy: FAIL: $*" >&2; exit 1; }

python3 - "$work" <<'PY' || fail "YAML"
import sys, yaml, pathlib
work = pathlib.Path(sys.argv[1])
docs = {}
for p in ["docker-compose.yml", *sorted(str(x) for x in pathlib.Path("k8s").glob("*.yaml"))]:
    docs[p] = [d for d in yaml.safe_load_all(open(p)) if d is not None]
    print("lint_deploy: parsed", p)
(work / "k8s-config.yaml").write_text(docs["k8s/configmap.yaml"][0]["data"]["config.yaml"])
dep = docs["k8s/deployment.yaml"][0]["spec"]["template"]["spec"]
c = dep["containers"][0]
assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
assert c["ports"][0]["containerPort"] == 9464
assert dep["terminationGracePeriodSeconds"] >= 20
assert any(v["mountPath"] == "/etc/wirefeed" for v in c["volumeMounts"])
compose = docs["docker-compose.yml"][0]["services"]["wirefeedd"]
(work / "compose-args").write_text("\n".join(compose["command"]) + "\n")
topics = docs["docker-compose.yml"][0]["services"]["topics"]
assert topics["entrypoint"] == ["/usr/bin/wirefeed"], topics["entrypoint"]
assert topics["command"][:2] == ["topics", "plan"] and "--create" in topics["command"]
assert docs["k8s/podmonitor.yaml"][0]["spec"]["podMetricsEndpoints"][0]["path"] == "/metrics"
PY

KAFKA_BROKERS=kafka:9092 "$bin" --config "$work/k8s-config.yaml" --check-config ||
  fail "k8s ConfigMap config.yaml"
mapfile -t args <"$work/compose-args"
env -u KAFKA_BROKERS "$bin" --config wirefeed.prod.yaml "${args[@]}" --check-config ||
  fail "docker-compose command on deploy/wirefeed.prod.yaml"
grep -q '^ENTRYPOINT \["/usr/bin/wirefeedd", "--config", "/etc/wirefeed/config.yaml"\]' Dockerfile ||
  fail "Dockerfile ENTRYPOINT"
grep -q '^EXPOSE 9464$' Dockerfile || fail "Dockerfile EXPOSE"
echo "lint_deploy: OK"
