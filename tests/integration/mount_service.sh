#!/usr/bin/env bash
# A mount that survives its daemon, without systemd (no systemd runs as PID
# 1 here): the start sequence of tenantcorefs@.service is its script,
# contrib/systemd/mount-service, run here exactly as the unit runs it.
# - It reads INSTANCE.conf, becomes the daemon (exec: systemd's main
#   process is tenantcorefs itself) and mounts at the unescaped instance.
# - kill -9 the daemon: the mount point is dead ("Transport endpoint is not
#   connected"); the same start sequence detaches it and the mount answers
#   again at the same path, one mount there, not two stacked.
# - It never mounts over a live mount, never detaches a mount that is not
#   dead, and refuses configurations it cannot use, with one line.
# - The unit's stop command (fusermount3 -u) unmounts; the daemon exits 0.
source "$(dirname "$0")/../lib/common.sh"
command -v systemd-escape >/dev/null || fail "systemd-escape is needed (package systemd)"
SCRIPT="$TCFS_SOURCE_DIR/contrib/systemd/mount-service"
# The unit finds tenantcorefs on systemd's PATH; here, the one under test.
PATH="$(dirname "$(readlink -f "$TENANTCOREFS")"):$PATH"
export TENANTCOREFS_CONF_DIR="$T/conf"

emu_start --tenants 2 --domains 2 --mailboxes 1
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
want_name=$(emu_get "/v1/tenants/$t" | jq -r .tenant_name)
MNT="$T/mnt"
FS_LOG="$T/tenantcorefs.log"
mkdir -p "$MNT" "$TENANTCOREFS_CONF_DIR"
instance=$(systemd-escape -p "$MNT")
conf="$TENANTCOREFS_CONF_DIR/$instance.conf"
(umask 077 && printf '%s\n' "$EMU_KEY" >"$T/api-key")
cat >"$conf" <<EOF
# tenantcorefs@$instance.service
API_URL=$EMU_URL
API_KEY_FILE=$T/api-key
OPTIONS="ttl=5,log_level=info"
EOF

mounts_at() { awk -v m="$MNT" '$5 == m' /proc/self/mountinfo | wc -l; }

# At exit: a start sequence still running is stopped, a dead mount detached.
stop_all() {
    local rc=$?
    set +e
    if [[ -n $FS_PID ]] && kill -0 "$FS_PID" 2>/dev/null; then
        fusermount3 -u "$MNT" 2>/dev/null
        sleep 0.5
        kill -TERM "$FS_PID" 2>/dev/null
        wait "$FS_PID" 2>/dev/null
    fi
    FS_PID=""
    fusermount3 -u -z "$MNT" 2>/dev/null
    (exit $rc)
    cleanup
}
trap stop_all EXIT

# start: the unit's ExecStart, in the background as systemd runs it; FS_PID
# is its main process.
start() {
    env -u TENANTCORE_API_KEY "$SCRIPT" "$instance" >>"$FS_LOG" 2>&1 </dev/null &
    FS_PID=$!
    local i
    for ((i = 0; i < 200; i++)); do
        # A live daemon answers a read of the directory; a dead mount point
        # may pass mountpoint(1) for a second on cached attributes.
        mountpoint -q "$MNT" && ls "$MNT" >/dev/null 2>&1 && return 0
        kill -0 "$FS_PID" 2>/dev/null || { wait "$FS_PID" || true; FS_PID=""; fail "the start sequence exited: $(tail -5 "$FS_LOG")"; }
        sleep 0.05
    done
    fail "the start sequence did not mount within 10 s: $(tail -5 "$FS_LOG")"
}

start
assert_eq "$(cat "$MNT/tenants/$t/name")" "$want_name" "a file through the unit's mount"
assert_eq "$(cat "/proc/$FS_PID/comm")" "tenantcorefs" "the main process is the daemon itself (exec)"
assert_eq "$(mounts_at)" "1" "mounts at $MNT"

# A second start while the mount lives: refused, the mount untouched.
run_cmd env -u TENANTCORE_API_KEY "$SCRIPT" "$instance"
assert_eq "$RC" "1" "a second start over a live mount: exit status"
assert_match "$ERR" "already mounted" "a second start over a live mount"
assert_eq "$(cat "$MNT/tenants/$t/name")" "$want_name" "the live mount after a refused second start"

# The daemon dies: a dead mount point.
kill -KILL "$FS_PID"
wait "$FS_PID" 2>/dev/null || true
FS_PID=""
run_cmd ls "$MNT/tenants"
assert_match "$ERR" "Transport endpoint is not connected" "the mount point once the daemon is killed"
# What systemd does next: the same start sequence.
killed_at=$(now_ms)
start
echo "mount answering again $(($(now_ms) - killed_at)) ms after the restart began"
assert_eq "$(cat "$MNT/tenants/$t/name")" "$want_name" "the same file after the restart"
assert_eq "$(mounts_at)" "1" "mounts at $MNT after the restart (the dead one detached, not stacked)"
grep -q "the previous daemon is gone; detaching its mount point" "$FS_LOG" || fail "the restart did not say it detached the dead mount point: $(cat "$FS_LOG")"
# Twice in a row works as well (systemd may restart more than once).
kill -KILL "$FS_PID"
wait "$FS_PID" 2>/dev/null || true
FS_PID=""
start
assert_eq "$(cat "$MNT/tenants/$t/name")" "$want_name" "the same file after a second restart"

# The unit's ExecStop: the daemon unmounts and exits 0.
fusermount3 -u "$MNT"
rc=0
wait "$FS_PID" || rc=$?
FS_PID=""
assert_eq "$rc" "0" "the daemon's exit status after ExecStop"
mountpoint -q "$MNT" && fail "still mounted after ExecStop"
# A plain directory is not a dead mount: nothing is detached, it mounts.
start
grep -c "detaching" "$FS_LOG" | grep -qx 2 || fail "a plain directory was treated as a dead mount"
fusermount3 -u "$MNT"
wait "$FS_PID" || fail "the daemon exited non-zero after unmount"
FS_PID=""

# Configurations it cannot use: one line, exit 1, nothing mounted.
refuse() { # WHAT TEXT
    run_cmd env -u TENANTCORE_API_KEY "$SCRIPT" "$instance"
    assert_eq "$RC" "1" "$1: exit status"
    assert_eq "$(grep -c . <<<"$ERR")" "1" "$1: lines [$ERR]"
    [[ $ERR == *"$2"* ]] || fail "$1: [$ERR] does not say [$2]"
    mountpoint -q "$MNT" && fail "$1: mounted anyway"
    return 0
}
cp "$conf" "$T/good.conf"
printf 'API_URL=%s\nOPTIONS=ttl=5\n' "$EMU_URL" >"$conf"
refuse "no API_KEY_FILE" "API_KEY_FILE is required"
printf 'API_KEY_FILE=%s\nOPTIONS=api_key_file=/x\n' "$T/api-key" >"$conf"
refuse "a key file in OPTIONS" "not in OPTIONS"
printf 'API_KEY_FILE=%s\nAPI_KEY=tc_live_x\n' "$T/api-key" >"$conf"
refuse "an unknown setting" "$instance.conf:2: unknown setting API_KEY"
printf 'API_KEY_FILE=%s\n$(touch %s/ran)\n' "$T/api-key" "$T" >"$conf"
refuse "a line that is not KEY=VALUE" "not KEY=VALUE"
[[ ! -e $T/ran ]] || fail "the configuration was run as shell code"
rm "$conf"
refuse "no configuration" "cannot read $conf"
cp "$T/good.conf" "$conf"
run_cmd "$SCRIPT"
assert_eq "$RC" "2" "no instance: exit status"

echo "PASS: the restart unit's start sequence brings a killed mount back at $MNT"
