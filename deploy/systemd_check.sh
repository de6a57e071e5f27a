#!/usr/bin/env bash
# The packaged service under a real systemd PID 1, as a new user gets it: builds the .deb twice
# (the current version and a lower "previous" one), unpacks a cached bare Debian 12 root
# (debootstrap --variant=minbase plus systemd, the init it boots), boots /lib/systemd/systemd as
# PID 1 in its own namespaces and installs the package with apt (--no-install-recommends: its
# Depends are all it gets). Then asserts: start -> READY=1 and a STATUS= with every seeded story
# accounted for; idle past WatchdogSec without a restart; `systemctl reload` applies a config
# change; `systemctl kill -s SIGKILL` -> restarted by Restart=on-failure and every story
# accounted for again; `systemctl stop` -> Result=success; `systemd-analyze security` <= 2.0; an
# upgrade from the previous .deb keeps an edited /etc/wirefeed/config.yaml; purge removes
# /etc/wirefeed but keeps /var/lib/wirefeed unless WIREFEED_PURGE_STATE=yes.
#
# Usage (as root): deploy/systemd_check.sh [BUILD_DIR]     (default build; .ci/run runs it)
#   WIREFEED_CI_CACHE  where the root tarball and the Depends' .debs are cached (default
#                      ${XDG_CACHE_HOME:-~/.cache}/wirefeed-ci; delete it to rebuild the root,
#                      which needs Debian's package mirror)
#   DEBIAN_MIRROR      mirror for debootstrap (default: debootstrap's own)
#   KEEP_ROOT=1        keep BUILD_DIR/systemd-check/root after the run
#
# How systemd is booted (systemd-nspawn would need a host D-Bus): `unshare --pid --fork --mount
# --uts --ipc --net`, the root bind-mounted onto itself, a minimal /dev (tmpfs with null, zero,
# full, random, urandom, tty and a private devpts, so no host console or tty is handed to a
# getty), pivot_root, then exec systemd with container=other in its environment. Its own network
# namespace keeps the embedded broker and the metrics listener (127.0.0.1:9464) off the host.
# Everything else is driven with `nsenter -t PID -a`. The root directory must be mode 0755 or
# the service user cannot reach its working directory.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=$(mkdir -p "${1:-build}" && cd "${1:-build}" && pwd)
work="$build/systemd-check"
cache="${WIREFEED_CI_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/wirefeed-ci}"
# Bump when the recipe of the cached root changes.
tarball="$cache/debian12-minbase-systemd-v1.tar.zst"
started=$(date +%s)
passed=0
sd=""      # PID of systemd (PID 1 inside the namespaces), as seen from here
upid=""    # PID of unshare

say() { echo "systemd_check: $*"; }
pass() {
  passed=$((passed + 1))
  say "PASS: $*"
}
in_root() { timeout 120 nsenter -t "$sd" -a "$@"; }
fail() {
  say "FAIL: $*"
  if [ -n "$sd" ] && kill -0 "$sd" 2>/dev/null; then
    echo "---- systemctl status wirefeedd ----"
    in_root systemctl status wirefeedd --no-pager -l 2>&1 | head -30 || true
    echo "---- journalctl (last 60 lines) ----"
    in_root journalctl --no-pager -n 60 2>&1 || true
  fi
  exit 1
}
cleanup() {
  local rc=$?
  if [ -n "$sd" ] && kill -0 "$sd" 2>/dev/null; then
    # SIGKILL to the namespace's init ends every process in it; its mounts go with it.
    kill -KILL "$sd" 2>/dev/null || true
  fi
  [ -n "$upid" ] && wait "$upid" 2>/dev/null || true
  if [ "$rc" -eq 0 ] && [ "${KEEP_ROOT:-0}" != 1 ]; then rm -rf "$work/root"; fi
  [ "$rc" -eq 0 ] || say "FAIL: exit $rc after $(($(date +%s) - started)) s (logs in $work)"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, namespaces, pivot_root)"
./deploy/apt-install.sh debootstrap zstd util-linux # util-linux: unshare, nsenter, pivot_root

# ---- the packages ------------------------------------------------------------------------------
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target wirefeedd wirefeed wirefeed_descriptor >"$build/systemd-check.build.log" 2>&1 ||
  { tail -30 "$build/systemd-check.build.log"; fail "build of wirefeedd, wirefeed failed"; }
rm -rf "$work"
mkdir -p "$work/debs"
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ -n "$version" ] || fail "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake"
prev_version="${version}~prev" # sorts before $version for dpkg
make_deb() {                   # VERSION OUT
  (cd "$build" && cpack -G DEB -B "$work/cpack-$1" -D CPACK_PACKAGE_VERSION="$1" \
    --config "$build/CPackConfig.cmake" >"$work/cpack-$1.log" 2>&1) ||
    { cat "$work/cpack-$1.log"; fail "cpack $1 failed"; }
  mv "$work/cpack-$1"/wirefeed_*.deb "$2"
  rm -rf "$work/cpack-$1"
}
make_deb "$prev_version" "$work/debs/prev.deb"
make_deb "$version" "$work/debs/cur.deb"
say "built wirefeed $prev_version and $version packages"

# ---- the bare Debian 12 root (cached) ----------------------------------------------------------
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$tarball" ]; then
  say "creating $tarball (debootstrap, once)"
  seed="$work/seed"
  # shellcheck disable=SC2086 # DEBIAN_MIRROR is one optional word
  debootstrap --variant=minbase --include=systemd,systemd-sysv bookworm "$seed" ${DEBIAN_MIRROR:-} \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; fail "debootstrap failed"; }
  chroot "$seed" apt-get clean
  tar -C "$seed" --numeric-owner -cf - . | zstd -q -T2 -o "$tarball.tmp"
  mv "$tarball.tmp" "$tarball"
  rm -rf "$seed"
fi
flock -u 9
root="$work/root"
mkdir -p "$root"
zstd -dc "$tarball" | tar -C "$root" --numeric-owner -xpf -
chmod 0755 "$root"
# No gettys on anything, and no host kernel settings or modules from inside.
for u in console-getty.service getty@.service serial-getty@.service container-getty@.service \
  getty-static.service systemd-sysctl.service systemd-modules-load.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$u"
done
echo wirefeed-ci >"$root/etc/hostname"
mkdir -p "$root/root/debs"
cp "$work"/debs/*.deb "$root/root/debs/"
cp -r "$src/samples" "$root/root/samples"
# The package's dependencies are fetched here into the root's apt cache (kept between runs in
# $cache/archives; the host's network only for what is not there yet); inside, apt installs from
# that cache (the booted system has no network but loopback).
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$cache/archives"
find "$cache/archives" -maxdepth 1 -name '*.deb' -exec cp -t "$root/var/cache/apt/archives/" {} +
download() {
  chroot "$root" apt-get install -y -q --download-only --no-install-recommends /root/debs/cur.deb \
    >>"$work/apt-download.log" 2>&1
}
download || { chroot "$root" apt-get update -q >>"$work/apt-download.log" 2>&1 && download; } ||
  { tail -20 "$work/apt-download.log"; fail "downloading the package's Depends failed"; }
find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec cp -n -t "$cache/archives/" {} +
say "root ready in $(($(date +%s) - started)) s"

# ---- boot systemd as PID 1 ---------------------------------------------------------------------
boot='set -e
r=$1
mount --make-rprivate /
mount --bind "$r" "$r"
mount -t tmpfs -o mode=0755,nosuid,size=4m wirefeed-dev "$r/dev"
for n in null zero full random urandom tty; do
  touch "$r/dev/$n"
  mount --bind "/dev/$n" "$r/dev/$n"
done
mkdir "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts"
ln -s pts/ptmx "$r/dev/ptmx"
cd "$r"
mkdir .oldroot
pivot_root . .oldroot
cd /
mount -t proc proc /proc
umount -l /.oldroot
rmdir /.oldroot
exec /usr/bin/env -i container=other /lib/systemd/systemd --system'
setsid unshare --pid --fork --mount --uts --ipc --net bash -c "$boot" boot "$root" \
  </dev/null >"$work/console.log" 2>&1 &
upid=$!
for _ in $(seq 100); do
  sd=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null | awk '{print $1}')
  [ -n "$sd" ] && [ "$(cat "/proc/$sd/comm" 2>/dev/null)" = systemd ] && break
  sd=""
  sleep 0.1
done
[ -n "$sd" ] || { cat "$work/console.log"; fail "systemd did not start as PID 1 (see above)"; }
# systemctl cannot connect until systemd has set up /run/systemd/private: retry until it answers.
state=""
for _ in $(seq 120); do
  state=$(in_root systemctl is-system-running --wait 2>/dev/null || true)
  [ -n "$state" ] && break
  sleep 0.5
done
case "$state" in
  running) ;;
  degraded) in_root systemctl --failed --no-pager || true ;;
  *) fail "system state '$state' after boot" ;;
esac
[ "$(in_root cat /proc/1/comm)" = systemd ] || fail "systemd is not PID 1 inside"
pass "systemd $(in_root systemctl --version | head -1 | awk '{print $2}') booted as PID 1 (state $state, $(($(date +%s) - started)) s into the check)"

# ---- helpers on the booted system --------------------------------------------------------------
show() { in_root systemctl show wirefeedd -P "$1"; }
apt_in() { in_root env DEBIAN_FRONTEND=noninteractive "$@" </dev/null >>"$work/apt.log" 2>&1; }
journal_count() { in_root journalctl -u wirefeedd --no-pager -o cat | grep -cF -- "$1" || true; }
# Polls a shell condition for up to $1 seconds.
wait_for() {
  local secs=$1
  shift
  local end=$(($(date +%s) + secs))
  until "$@"; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.5
  done
}
seeds=$(find "$src/samples" -maxdepth 1 -type f | wc -l)
accounted="$seeds in, $seeds published total"
all_accounted() { show StatusText | grep -qF "$accounted"; }
metrics() { # GET /metrics through bash's /dev/tcp inside the namespaces (no curl in the root)
  in_root bash -c 'exec 3<>/dev/tcp/127.0.0.1/9464 &&
    printf "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && cat <&3'
}
metric_sum() { # NAME [LABEL-SUBSTRING]: sum of the samples
  metrics | awk -v n="$1" -v l="${2:-}" '{split($1, a, "{")} a[1] == n && index($1, l) {s += $2} END {print s + 0}'
}

# ---- install the previous package on the bare root ---------------------------------------------
if in_root dpkg -s procps >/dev/null 2>&1 || in_root test -e /bin/kill; then
  fail "the root has procps (/bin/kill): it would hide an undeclared dependency"
fi
pass "bare root: no procps, no /bin/kill"
apt_in apt-get install -y -q --no-install-recommends /root/debs/prev.deb ||
  { tail -20 "$work/apt.log"; fail "apt-get install ./wirefeed_${prev_version}.deb failed"; }
[ "$(in_root dpkg-query -W -f '${Version}' wirefeed)" = "$prev_version" ] || fail "wirefeed $prev_version not installed"
in_root id wirefeed >/dev/null || fail "no wirefeed user after install"
[ "$(in_root stat -c '%a %U:%G' /etc/wirefeed)" = "750 root:wirefeed" ] || fail "/etc/wirefeed is not 0750 root:wirefeed"
pass "apt-get install ./wirefeed_${prev_version}.deb (Depends only): user wirefeed, /etc/wirefeed 0750 root:wirefeed"

# What the README tells a user to do: brokers in wirefeed.env (the embedded broker here, seeded
# with the sample stories), plus a local edit of the conffile that an upgrade must keep.
in_root sh -ec '
  echo KAFKA_BROKERS=embedded >/etc/wirefeed/wirefeed.env
  chown root:wirefeed /etc/wirefeed/wirefeed.env
  chmod 0640 /etc/wirefeed/wirefeed.env
  cp -r /root/samples /etc/wirefeed/samples
  sed -i "s/^  workers: 2$/  workers: 3  # local edit/" /etc/wirefeed/config.yaml
  grep -q "workers: 3  # local edit" /etc/wirefeed/config.yaml'
edited_sum=$(in_root sha256sum /etc/wirefeed/config.yaml | awk '{print $1}')
# A short watchdog so that "idle past WatchdogSec" takes seconds: the daemon derives its
# keep-alive period from WATCHDOG_USEC, so the shipped 30 s behaves the same, only slower.
in_root sh -ec 'mkdir -p /etc/systemd/system/wirefeedd.service.d
  printf "[Service]\nWatchdogSec=6s\n" >/etc/systemd/system/wirefeedd.service.d/watchdog.conf
  systemctl daemon-reload'

# ---- start: READY=1 and STATUS= ----------------------------------------------------------------
in_root systemctl start wirefeedd || fail "systemctl start wirefeedd"
# Type=notify: start returns once READY=1 arrived; until then the unit is "activating".
[ "$(show ActiveState)/$(show SubState)" = active/running ] || fail "not active (running) after start"
wait_for 30 all_accounted || fail "STATUS never reached '$accounted': '$(show StatusText)'"
mem=$(show MemoryCurrent)
case "$mem" in *[!0-9]* | "") mem="memory not accounted" ;; *) mem="$((mem / 1048576)) MiB" ;; esac
pass "start: READY=1 (active/running), STATUS \"$(show StatusText)\", $mem"

# ---- upgrade while running ---------------------------------------------------------------------
pid_before=$(show MainPID)
apt_in apt-get install -y -q --no-install-recommends /root/debs/cur.deb ||
  { tail -20 "$work/apt.log"; fail "upgrade to ./wirefeed_${version}.deb failed"; }
[ "$(in_root dpkg-query -W -f '${Version}' wirefeed)" = "$version" ] || fail "wirefeed $version not installed"
[ "$(in_root sha256sum /etc/wirefeed/config.yaml | awk '{print $1}')" = "$edited_sum" ] ||
  fail "the upgrade changed the edited /etc/wirefeed/config.yaml"
in_root sh -c 'ls /etc/wirefeed/config.yaml.dpkg-* 2>/dev/null' && fail "the upgrade left dpkg copies of config.yaml"
[ "$(show ActiveState)" = active ] || fail "not active after the upgrade"
[ "$(show MainPID)" != "$pid_before" ] || fail "the upgrade did not restart the running daemon (postinst try-restart)"
wait_for 30 all_accounted || fail "after the upgrade STATUS never reached '$accounted'"
pass "upgrade $prev_version -> $version while running: edited config.yaml kept, daemon restarted on the new binary"

# ---- idle past WatchdogSec ---------------------------------------------------------------------
[ "$(show WatchdogUSec)" = 6s ] || fail "WatchdogUSec is '$(show WatchdogUSec)', not 6s"
restarts=$(show NRestarts)
pid=$(show MainPID)
ping_before=$(show WatchdogTimestampMonotonic)
sleep 15 # 2.5 x WatchdogSec with no input
[ "$(show NRestarts)" = "$restarts" ] && [ "$(show MainPID)" = "$pid" ] || fail "restarted while idle"
[ "$(show ActiveState)" = active ] || fail "not active after idling"
[ "$(show WatchdogTimestampMonotonic)" -gt "$ping_before" ] || fail "no WATCHDOG=1 keep-alive while idle"
[ "$(journal_count 'Watchdog timeout')" = 0 ] || fail "journal has a watchdog timeout"
pass "idle 15 s (2.5 x WatchdogSec=6s): keep-alives received, 0 restarts, same PID"

# ---- reload ------------------------------------------------------------------------------------
reloaded='SIGHUP: configuration reloaded; applied: log.level'
before=$(journal_count "$reloaded")
in_root sed -i 's/^  level: info$/  level: debug/' /etc/wirefeed/config.yaml
in_root systemctl reload wirefeedd || fail "systemctl reload wirefeedd: $(show ExecReload)"
reload_logged() { [ "$(journal_count "$reloaded")" -gt "$before" ]; }
wait_for 10 reload_logged || fail "no '$reloaded' in the journal after systemctl reload"
[ "$(show MainPID)" = "$pid" ] && [ "$(show ActiveState)" = active ] || fail "reload restarted or stopped the daemon"
pass "systemctl reload: journal \"$reloaded\", same PID"

# ---- SIGKILL: Restart=on-failure, nothing lost -------------------------------------------------
in_root systemctl kill -s SIGKILL wirefeedd
restarted() { [ "$(show NRestarts)" -gt "$restarts" ] && [ "$(show ActiveState)" = active ] && [ "$(show MainPID)" != "$pid" ]; }
wait_for 60 restarted || fail "not restarted after SIGKILL (NRestarts $(show NRestarts), $(show ActiveState))"
[ "$(journal_count 'Main process exited, code=killed, status=9/KILL')" -ge 1 ] || fail "journal lacks the SIGKILL exit"
wait_for 30 all_accounted || fail "after the restart STATUS never reached '$accounted': '$(show StatusText)'"
# The same on /metrics: every input is a story, a duplicate notice or a dead letter.
inputs=$(metric_sum wirefeed_input_messages_total)
outputs=$(($(metric_sum wirefeed_records_published_total 'kind="story"') +
  $(metric_sum wirefeed_records_published_total 'kind="duplicate"') +
  $(metric_sum wirefeed_records_published_total 'kind="dead_letter"')))
[ "$inputs" = "$seeds" ] && [ "$outputs" = "$seeds" ] || fail "metrics: $inputs in, $outputs out, $seeds seeded"
pass "systemctl kill -s SIGKILL: restarted by Restart=on-failure (NRestarts $(show NRestarts)); all $seeds stories accounted again (STATUS and /metrics)"

# ---- security, stop ----------------------------------------------------------------------------
exposure=$(in_root systemd-analyze security wirefeedd --no-pager 2>&1 |
  sed -n 's/.*Overall exposure level for wirefeedd.service: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || fail "systemd-analyze security printed no exposure level"
awk -v e="$exposure" 'BEGIN {exit !(e <= 2.0)}' || fail "systemd-analyze security: $exposure > 2.0"
pass "systemd-analyze security wirefeedd (the running unit): $exposure <= 2.0"

in_root systemctl stop wirefeedd || fail "systemctl stop wirefeedd"
[ "$(show Result)" = success ] && [ "$(show ActiveState)" = inactive ] && [ "$(show ExecMainStatus)" = 0 ] ||
  fail "stop: Result=$(show Result) ActiveState=$(show ActiveState) ExecMainStatus=$(show ExecMainStatus)"
pass "systemctl stop: Result=success, exit status 0"

# ---- purge -------------------------------------------------------------------------------------
in_root systemctl start wirefeedd || fail "systemctl start wirefeedd (before purge)"
in_root sh -ec 'echo local >/var/lib/wirefeed/kept; chown wirefeed: /var/lib/wirefeed/kept'
apt_in apt-get purge -y -q wirefeed || { tail -20 "$work/apt.log"; fail "apt-get purge wirefeed failed"; }
in_root dpkg -s wirefeed >/dev/null 2>&1 && fail "wirefeed still known to dpkg after purge"
for gone in /etc/wirefeed /usr/bin/wirefeedd /lib/systemd/system/wirefeedd.service; do
  in_root test ! -e "$gone" || fail "purge left $gone"
done
in_root test -f /var/lib/wirefeed/kept || fail "purge removed the state directory without being asked"
in_root sh -c 'grep -qx wirefeedd /proc/[0-9]*/comm 2>/dev/null' && fail "wirefeedd still running after purge"
pass "apt-get purge (daemon running): stopped, /etc/wirefeed and the package's files removed, /var/lib/wirefeed kept"
apt_in apt-get install -y -q --no-install-recommends /root/debs/cur.deb || fail "reinstall failed"
apt_in env WIREFEED_PURGE_STATE=yes apt-get purge -y -q wirefeed || fail "apt-get purge (WIREFEED_PURGE_STATE=yes) failed"
in_root test ! -e /var/lib/wirefeed || fail "WIREFEED_PURGE_STATE=yes purge kept /var/lib/wirefeed"
pass "WIREFEED_PURGE_STATE=yes apt-get purge: /var/lib/wirefeed removed"

say "all $passed checks passed in $(($(date +%s) - started)) s"
