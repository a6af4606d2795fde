#!/usr/bin/env bash
# contrib/systemd/: the mount unit, the restart-on-crash template
# tenantcorefs@.service, and the snapshot and metrics services and timers
# pass `systemd-analyze verify` as installed (DESTDIR install with prefix
# /usr, checked with --root so the real /etc and /usr are not involved); the
# mount unit mounts after network-online.target with its key in
# /etc/tenantcorefs/api-key; and the unit's own What/Type/Options, pointed
# at tcemu, mount through mount(8) as systemd would run it, with every
# option accepted. (The restart template's start sequence is run in
# mount_service.sh, the metrics service's script in prometheus.sh.)
source "$(dirname "$0")/ns_helpers.bash"
ns_reexec "$@"
source "$(dirname "$0")/../lib/common.sh"
ns_install_trap

units="$TCFS_SOURCE_DIR/contrib/systemd"
mount_unit="$units/mnt-tenantcore.mount"
service="$units/tenantcorefs-snapshot.service"
timer="$units/tenantcorefs-snapshot.timer"
restart="$units/tenantcorefs@.service"
metrics_service="$units/tenantcorefs-metrics.service"
metrics_timer="$units/tenantcorefs-metrics.timer"

# KEY of SECTION in a unit file (last assignment wins, as in systemd).
unit_get() { # FILE SECTION KEY
    awk -v s="[$2]" -v k="$3" '
        /^[ \t]*[#;]/ || /^[ \t]*$/ { next }
        /^\[/ { in_s = ($0 == s); next }
        in_s && index($0, k "=") == 1 { v = substr($0, length(k) + 2) }
        END { print v }' "$1"
}

# Every file is INI as systemd reads it: sections, KEY=VALUE lines, comments.
for f in "$mount_unit" "$service" "$timer" "$restart" "$metrics_service" "$metrics_timer"; do
    bad=$(awk '/^[ \t]*([#;].*)?$/ || /^\[[A-Za-z]+\]$/ || /^[A-Za-z][A-Za-z0-9]*=/ { next } { print FILENAME ":" FNR ": " $0 }' "$f")
    [[ -z "$bad" ]] || fail "not a unit file line: $bad"
done

# The mount unit: name matches Where=, after the network, key in a root-only file.
where=$(unit_get "$mount_unit" Mount Where)
[[ "$where" =~ ^(/[a-z0-9]+)+$ ]] || fail "mount unit Where=$where: keep the example to a plain path"
unit_name=${where#/}
assert_eq "${unit_name//\//-}.mount" "$(basename "$mount_unit")" "mount unit name vs Where="
command -v systemd-escape >/dev/null || fail "systemd-escape is not installed (Debian package systemd)"
assert_eq "$(systemd-escape -p --suffix=mount "$where")" "$(basename "$mount_unit")" "systemd-escape of Where="
assert_eq "$(unit_get "$mount_unit" Mount Type)" "fuse.tenantcorefs" "mount unit Type="
assert_match "$(unit_get "$mount_unit" Unit After)" 'network-online\.target' "mount unit After="
assert_match "$(unit_get "$mount_unit" Unit Wants)" 'network-online\.target' "mount unit Wants="
opts=$(unit_get "$mount_unit" Mount Options)
assert_match "$opts" '(^|,)api_key_file=/etc/tenantcorefs/api-key(,|$)' "mount unit key file"
assert_match "$opts" '(^|,)_netdev(,|$)' "mount unit _netdev"
assert_match "$(unit_get "$timer" Timer OnCalendar)" '(daily|[0-9*-]+ 0?[0-6]:[0-9]{2}(:[0-9]{2})?)' "timer runs nightly"
assert_match "$(unit_get "$service" Service ExecStart)" "^/usr/bin/tenantcorefs-snapshot $where " "snapshot ExecStart"

# The restart template: the daemon in the foreground as the main process,
# restarted on failure, the start script given the instance, unmounted on stop.
assert_eq "$(unit_get "$restart" Service Type)" "exec" "tenantcorefs@.service Type="
assert_eq "$(unit_get "$restart" Service Restart)" "on-failure" "tenantcorefs@.service Restart="
assert_eq "$(unit_get "$restart" Service ExecStart)" "/usr/libexec/tenantcorefs/mount-service %i" "tenantcorefs@.service ExecStart="
assert_eq "$(unit_get "$restart" Service ExecStop)" "/usr/bin/fusermount3 -u %f" "tenantcorefs@.service ExecStop="
assert_match "$(unit_get "$restart" Unit After)" 'network-online\.target' "tenantcorefs@.service After="
# The metrics copy: every 5 minutes by default, into Debian's textfile directory.
assert_eq "$(unit_get "$metrics_timer" Timer OnUnitActiveSec)" "5min" "metrics timer interval"
assert_eq "$(unit_get "$metrics_service" Service ExecStart)" \
    "/usr/libexec/tenantcorefs/metrics-textfile $where /var/lib/prometheus/node-exporter" "metrics ExecStart"

# Every option the mount unit passes is one tenantcorefs documents: its
# --help, or a mount-only key of tenantcorefs(1).
help=$("$TENANTCOREFS" --help)
mount_only=$(sed -n '/^\.SS Mount-only keys/,/^\.S[SH]/p' "$TCFS_SOURCE_DIR/doc/tenantcorefs.1")
IFS=, read -ra list <<<"$opts"
for o in "${list[@]}"; do
    k=${o%%=*}
    grep -qE -- "-o $k(=|\b)" <<<"$help" || grep -qE "^\.BR? $k( |$)" <<<"$mount_only" ||
        fail "the mount unit passes $k, which neither --help nor the man page documents"
done

# systemd-analyze verify, on the files as installed under /usr (contrib/deps.sh
# installs systemd; without it this test cannot show what it claims).
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed (Debian package systemd)"
root="$T/root"
DESTDIR="$root" cmake --install "$(build_dir)" --prefix /usr >"$T/install.log" 2>&1 ||
    fail "DESTDIR install failed: $(tail -3 "$T/install.log")"
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/" # targets the units name
cp "$root/usr/share/doc/tenantcorefs/examples/systemd/"*.{mount,service,timer} "$root/etc/systemd/system/"
[[ -x "$root/usr/bin/tenantcorefs-snapshot" ]] || fail "tenantcorefs-snapshot is not installed in bin/"
for s in mount-service metrics-textfile; do
    [[ -x "$root/usr/libexec/tenantcorefs/$s" ]] || fail "$s is not installed in libexec/tenantcorefs/"
done
# The package depends on fuse3, which brings fusermount3 (the restart unit's ExecStop).
cp /usr/bin/fusermount3 "$root/usr/bin/"
run_cmd env MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" \
    mnt-tenantcore.mount tenantcorefs-snapshot.service tenantcorefs-snapshot.timer \
    tenantcorefs@mnt-tenantcore.service tenantcorefs-metrics.service tenantcorefs-metrics.timer
[[ $RC -eq 0 && -z "$ERR" ]] || fail "systemd-analyze verify (exit $RC): $ERR"
echo "systemd-analyze verify: clean"

# Mount what the unit mounts, as systemd would: mount What Where -t Type -o Options.
emu_start --tenants 1 --domains 1 --mailboxes 1
install_to "$T/prefix"
ns_isolate_run_mount
ns_put_on_default_path "$T/prefix/bin" >/dev/null
printf '%s\n' "$EMU_KEY" >"$T/api-key"
chmod 600 "$T/api-key"
MNT="$T/mnt"
mkdir -p "$MNT"
ns_track_daemon "$MNT"
run_cmd mount "$EMU_URL" "$MNT" -t "$(unit_get "$mount_unit" Mount Type)" \
    -o "${opts//\/etc\/tenantcorefs\/api-key/$T/api-key}"
[[ $RC -eq 0 && -z "$ERR" ]] || fail "mounting with the unit's options (exit $RC): $ERR"
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
assert_eq "$(cat "$MNT/tenants/$t/name")" "$(emu_get "/v1/tenants/$t" | jq -r .tenant_name)" "name through the unit's mount"
pid=$(pid_of_mount "$MNT") || fail "no daemon serves the unit's mount"
run_cmd umount "$MNT"
[[ $RC -eq 0 ]] || fail "umount: $ERR"
wait_pid_gone "$pid" 10 || fail "the daemon did not exit after umount"

echo "PASS: systemd units verify, the mount unit's options mount"
