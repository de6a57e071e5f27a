#!/usr/bin/env bash
# Builds the .deb with cpack in a scratch directory of the build tree and checks its layout:
# files (dpkg-deb -c), control data (dpkg-deb -I: conffiles, maintainer scripts, dependencies),
# then extracts it into a scratch root and runs the packaged binary's --check-config on the
# packaged /etc/wirefeed/config.yaml. Usage: deploy/package_test.sh BUILD_DIR (ctest -R Package).
# Needs the wirefeedd and wirefeed targets built.
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/wirefeed-pkg-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }

for b in wirefeedd wirefeed wirefeed.desc; do
  [ -e "$build/bin/$b" ] || fail "$build/bin/$b missing: build wirefeedd, wirefeed first"
done

(cd "$build" && cpack -G DEB -B "$work/out" --config "$build/CPackConfig.cmake" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
debs=("$work"/out/wirefeed_*.deb)
[ -f "${debs[0]}" ] || { cat "$work/cpack.log" >&2; fail "no .deb produced"; }
deb=${debs[0]}
echo "package_test: built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

dpkg-deb -c "$deb" >"$work/contents"
cat "$work/contents"
for path in \
  ./usr/bin/wirefeedd ./usr/bin/wirefeed \
  ./lib/systemd/system/wirefeedd.service \
  ./usr/lib/sysusers.d/wirefeed.conf ./usr/lib/tmpfiles.d/wirefeed.conf \
  ./etc/wirefeed/config.yaml \
  ./usr/share/wirefeed/wirefeed.desc \
  ./usr/share/wirefeed/prometheus/alerts.yml \
  ./usr/share/wirefeed/grafana/wirefeed.json \
  ./usr/share/doc/wirefeed/README.md ./usr/share/doc/wirefeed/config.yaml; do
  awk '{print $6}' "$work/contents" | grep -qxF "$path" || fail "$path not in the package"
done
# Binaries executable, everything root-owned.
grep -E ' \./usr/bin/wirefeedd$' "$work/contents" | grep -q '^-rwxr-xr-x root/root' ||
  fail "/usr/bin/wirefeedd is not -rwxr-xr-x root/root"
awk '{print $2}' "$work/contents" | grep -vqx 'root/root' && fail "files not owned by root/root"

dpkg-deb -I "$deb" >"$work/info"
cat "$work/info"
for f in conffiles postinst prerm postrm; do
  grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\*? *$f\b" "$work/info" || fail "control member $f missing"
done
[ "$(dpkg-deb -f "$deb" Package)" = wirefeed ] || fail "Package is not wirefeed"
deps=$(dpkg-deb -f "$deb" Depends)
for d in librdkafka1 libprotobuf32 libspdlog1.10 libfmt9 libyaml-cpp0.7 libsystemd0 libxml2; do
  grep -q "$d" <<<"$deps" || fail "Depends lacks $d: $deps"
done
mkdir "$work/ctl"
dpkg-deb -e "$deb" "$work/ctl"
[ "$(cat "$work/ctl/conffiles")" = /etc/wirefeed/config.yaml ] || fail "conffiles: $(cat "$work/ctl/conffiles")"
for s in postinst prerm postrm; do
  [ -x "$work/ctl/$s" ] || fail "$s not executable"
  sh -n "$work/ctl/$s" || fail "$s: syntax error"
done
grep -q 'systemd-sysusers wirefeed.conf' "$work/ctl/postinst" || fail "postinst does not run systemd-sysusers"

# The installed tree works: the packaged daemon accepts the packaged config.
dpkg-deb -x "$deb" "$work/root"
cmp -s "$work/root/usr/share/wirefeed/wirefeed.desc" "$build/bin/wirefeed.desc" || fail "descriptor differs"
python3 -m json.tool "$work/root/usr/share/wirefeed/grafana/wirefeed.json" >/dev/null ||
  fail "packaged Grafana dashboard is not JSON"
env -u KAFKA_BROKERS "$work/root/usr/bin/wirefeedd" --config "$work/root/etc/wirefeed/config.yaml" \
  --check-config || fail "packaged config fails --check-config"
"$work/root/usr/bin/wirefeedd" --version
echo "package_test: OK"
