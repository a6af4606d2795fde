#!/usr/bin/env bash
# A key no other process can lift: tenantcorefs calls
# prctl(PR_SET_DUMPABLE, 0) before it reads the key, as ssh-agent does. With
# the daemon running as an unprivileged user (nobody: root can always
# ptrace, whatever the daemon does), another process of that same user
# - cannot open /proc/PID/mem or /proc/PID/environ, and `gdb -p` cannot
#   attach, while the same user's `sleep` is open to both (so the test shows
#   the daemon's doing, not a machine that forbids ptrace);
# - finds no core file after a SIGSEGV, with `ulimit -c unlimited` and a core
#   pattern in a temporary directory (the machine's pattern is put back),
#   where the same user's `sleep` leaves one;
# although the key is in the daemon's memory (root reads it there). The
# mount works as nobody with -f, daemonized, and under the restart unit's
# start sequence (contrib/systemd/mount-service), killed and restarted.
# The key is random per run and this test's own output is checked for it.
KEY="tc_live_kp_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
if [[ -z ${TCFS_KEYPROT_INNER:-} ]]; then
    out=$(mktemp)
    rc=0
    TCFS_KEYPROT_KEY=$KEY TCFS_KEYPROT_INNER=1 bash "$0" >"$out" 2>&1 || rc=$?
    secret=${KEY#tc_live_}
    leaked=0
    for ((i = 0; i + 12 <= ${#secret}; i++)); do grep -qF "${secret:i:12}" "$out" && leaked=1; done
    sed "s/${secret:0:12}[0-9a-f]*/<KEY>/g" "$out"
    rm -f "$out"
    if ((leaked)); then
        echo "FAIL [key_protection]: the API key (or a piece of it) appears in the test's own output"
        exit 1
    fi
    exit "$rc"
fi
source "$(dirname "$0")/ns_helpers.bash"
ns_reexec "$@"
KEY=$TCFS_KEYPROT_KEY
unset TCFS_KEYPROT_KEY
EMU_KEY=$KEY
source "$(dirname "$0")/../lib/common.sh"
export -n EMU_KEY EMU_KEY2
for tool in gdb setpriv python3 systemd-escape; do
    command -v "$tool" >/dev/null || fail "$tool is needed (packages gdb, util-linux, python3, systemd)"
done
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)

# ---- set-up: nobody can reach the test's files and mount ---------------------------------
chmod 711 "$T"
mkdir -p "$T/bin" "$T/cores" "$T/cwd"
# The binaries under test, where nobody may run them (a build tree may sit
# under a directory only root can enter).
cp "$TENANTCOREFS" "$T/bin/tenantcorefs"
cp "$TCFS_SOURCE_DIR/contrib/systemd/mount-service" "$T/bin/"
chmod 755 "$T/bin" "$T/bin/"*
chmod 1777 "$T/cores" "$T/cwd"
(umask 077 && printf '%s\n' "$KEY" >"$T/keys" && printf '%s\n' "$KEY" >"$T/key")
chown nobody:nogroup "$T/key"
# /dev/fuse is root's alone on this machine: nobody mounts through
# fusermount3 once libfuse may open it, so a node open to all is bound over
# it inside this test's own mount namespace.
# (On a tmpfs of its own: the scratch directory may be on a nodev mount.)
mkdir "$T/dev"
mount -t tmpfs -o size=64k,mode=755 tcfs-test-fuse "$T/dev"
mknod -m 0666 "$T/dev/fuse" c 10 229
mount --bind "$T/dev/fuse" /dev/fuse

# Core dumps go to our directory, whatever the machine's pattern; put back at exit.
saved_pattern=$(cat /proc/sys/kernel/core_pattern)
CONTROL_PIDS=()
restore() {
    local rc=$? p
    set +e
    printf '%s\n' "$saved_pattern" >/proc/sys/kernel/core_pattern
    for p in "${CONTROL_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    if [[ -n ${FS_PID:-} ]]; then
        "${AS_NOBODY[@]}" fusermount3 -u "$MNT" 2>/dev/null
        kill -TERM "$FS_PID" 2>/dev/null
        wait "$FS_PID" 2>/dev/null
        FS_PID=""
    fi
    [[ -n ${MNT:-} ]] && fusermount3 -u -z "$MNT" 2>/dev/null
    umount /dev/fuse "$T/dev" 2>/dev/null
    (exit $rc)
    ns_exit_trap
}
trap restore EXIT
echo "$T/cores/core.%p.%e" >/proc/sys/kernel/core_pattern
ulimit -c unlimited

emu_start --tenants 2 --domains 2 --mailboxes 1 --keys-file "$T/keys"
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
want_name=$(emu_get "/v1/tenants/$t" | jq -r .tenant_name)
MNT="$T/mnt"
FS_LOG="$T/tenantcorefs.log"
mkdir -p "$MNT"
chown nobody:nogroup "$MNT"

# as_nobody_ok CMD...: run as nobody; sets RC, OUT, ERR.
as_nobody() { run_cmd "${AS_NOBODY[@]}" "$@"; }
# Wait for the mount at $MNT to answer nobody (root is not let in).
wait_mount() {
    local i
    for ((i = 0; i < 200; i++)); do
        "${AS_NOBODY[@]}" ls "$MNT/tenants" >/dev/null 2>&1 && return 0
        if [[ -n ${1:-} ]] && ! kill -0 "$1" 2>/dev/null; then
            fail "the daemon exited during start-up: $(tail -5 "$FS_LOG")"
        fi
        sleep 0.05
    done
    fail "the mount did not answer nobody within 10 s: $(tail -5 "$FS_LOG")"
}
# open_mem PID: open /proc/PID/mem and read 16 bytes of its first mapping.
open_mem() {
    python3 -c '
import sys
pid = sys.argv[1]
start = int(open("/proc/%s/maps" % pid).readline().split("-")[0], 16)
with open("/proc/%s/mem" % pid, "rb") as f:
    f.seek(start)
    sys.exit(0 if len(f.read(16)) == 16 else 3)' "$1"
}
# key_in_memory PID: whether the key is in the process's memory (root only).
key_in_memory() {
    python3 -c '
import re, sys
pid, key = sys.argv[1], sys.stdin.readline().strip().encode()
found = False
with open("/proc/%s/mem" % pid, "rb") as mem:
    for line in open("/proc/%s/maps" % pid):
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m or "[vvar]" in line or "[vsyscall]" in line:
            continue
        start, end = int(m.group(1), 16), int(m.group(2), 16)
        if end - start > 1 << 30:  # sanitizer shadow memory, not data
            continue
        try:
            mem.seek(start)
            if key in mem.read(end - start):
                found = True
                break
        except OSError:
            pass
sys.exit(0 if found else 1)' "$1" <"$T/key"
}
export -f open_mem
# cannot_lift PID WHAT: nobody can neither open its memory nor attach to it.
cannot_lift() {
    local pid=$1 what=$2
    assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "$(id -u nobody)" "$what runs as nobody"
    # The kernel's sign of a process that is not dumpable: its /proc files are root's.
    assert_eq "$(stat -c %u "/proc/$pid/mem")" "0" "owner of $what's /proc/$pid/mem"
    as_nobody bash -c "open_mem $pid"
    [[ $RC -ne 0 ]] || fail "nobody read $what's memory through /proc/$pid/mem"
    assert_match "$ERR" "Permission denied" "nobody opening $what's /proc/$pid/mem"
    as_nobody cat "/proc/$pid/environ"
    [[ $RC -ne 0 ]] || fail "nobody read $what's /proc/$pid/environ"
    as_nobody timeout 60 gdb -nx -batch -iex "set debuginfod enabled off" -p "$pid" -ex 'info threads'
    assert_match "$OUT$ERR" "ptrace: Operation not permitted" "nobody's gdb -p on $what"
    [[ "$OUT$ERR" != *"Thread 0x"* ]] || fail "nobody's gdb attached to $what: $OUT"
}

# ---- the control: a process of nobody's that did not protect itself -------------------------
"${AS_NOBODY[@]}" sleep 300 &
spid=$!
CONTROL_PIDS+=("$spid")
sleep 0.2
as_nobody bash -c "open_mem $spid"
assert_eq "$RC" "0" "control: nobody reads its own sleep's /proc/PID/mem ($ERR)"
as_nobody timeout 60 gdb -nx -batch -iex "set debuginfod enabled off" -p "$spid" -ex 'info threads'
assert_match "$OUT" "Thread 0x" "control: nobody's gdb attaches to its own sleep ($ERR)"
kill -SEGV "$spid"
{ wait "$spid"; } 2>/dev/null || true
ls "$T/cores" | grep -q "^core\.$spid\." || fail "control: a SIGSEGV to nobody's sleep left no core in $T/cores: core dumps do not work here, the test would prove nothing"
rm -f "$T/cores/"*

# ---- -f: the daemon as nobody --------------------------------------------------------------
(cd "$T/cwd" && exec "${AS_NOBODY[@]}" "$T/bin/tenantcorefs" "$EMU_URL" "$MNT" -f -o "api_key_file=$T/key") \
    >"$FS_LOG" 2>&1 </dev/null &
FS_PID=$!
wait_mount "$FS_PID"
as_nobody cat "$MNT/tenants/$t/name"
assert_eq "$OUT" "$want_name" "a file of the -f mount, read by nobody"
key_in_memory "$FS_PID" || fail "root finds no key in the daemon's memory: the checks below would prove nothing"
cannot_lift "$FS_PID" "the -f daemon"
# A SIGSEGV: the daemon dies, no core anywhere.
kill -SEGV "$FS_PID"
wait "$FS_PID" 2>/dev/null || true
FS_PID=""
sleep 0.5 # a core would have been written before the process was reaped
cores=$(find "$T/cores" "$T/cwd" -mindepth 1)
[[ -z $cores ]] || fail "a SIGSEGV left core files: $cores"
if grep -rlaF "${KEY#tc_live_}" "$T/cores" "$T/cwd" 2>/dev/null; then fail "a file holds the key"; fi
fusermount3 -u -z "$MNT"

# ---- daemonized ----------------------------------------------------------------------------
as_nobody "$T/bin/tenantcorefs" "$EMU_URL" "$MNT" -o "api_key_file=$T/key"
assert_eq "$RC" "0" "the daemonized mount as nobody: exit status ($ERR)"
wait_mount
dpid=$(pid_of_mount "$MNT") || fail "no daemon serves $MNT"
as_nobody cat "$MNT/tenants/$t/name"
assert_eq "$OUT" "$want_name" "a file of the daemonized mount, read by nobody"
cannot_lift "$dpid" "the daemonized mount"
as_nobody fusermount3 -u "$MNT"
assert_eq "$RC" "0" "nobody unmounts ($ERR)"
wait_pid_gone "$dpid" 10 || fail "the daemonized mount did not exit after unmount"

# ---- under the restart unit's start sequence, killed and restarted ------------------------------
instance=$(systemd-escape -p "$MNT")
mkdir -p "$T/conf"
printf 'API_URL=%s\nAPI_KEY_FILE=%s\n' "$EMU_URL" "$T/key" >"$T/conf/$instance.conf"
chmod 755 "$T/conf"
chmod 644 "$T/conf/$instance.conf"
start_unit() {
    "${AS_NOBODY[@]}" env TENANTCOREFS_CONF_DIR="$T/conf" PATH="$T/bin:$PATH" \
        "$T/bin/mount-service" "$instance" >>"$FS_LOG" 2>&1 </dev/null &
    FS_PID=$!
    wait_mount "$FS_PID"
}
start_unit
as_nobody cat "$MNT/tenants/$t/name"
assert_eq "$OUT" "$want_name" "a file of the unit's mount, read by nobody"
cannot_lift "$FS_PID" "the unit's daemon"
kill -KILL "$FS_PID"
wait "$FS_PID" 2>/dev/null || true
FS_PID=""
start_unit
as_nobody cat "$MNT/tenants/$t/name"
assert_eq "$OUT" "$want_name" "a file of the unit's mount after kill -9 and a restart"
cannot_lift "$FS_PID" "the restarted daemon"
as_nobody fusermount3 -u "$MNT"
rc=0
wait "$FS_PID" || rc=$?
FS_PID=""
assert_eq "$rc" "0" "the unit's daemon after unmount"
[[ -z $(ls -A "$T/cores") ]] || fail "core files appeared: $(ls "$T/cores")"

echo "PASS: as nobody, the daemon's memory, environment and ptrace are closed to nobody (-f, daemonized, under the restart unit), a SIGSEGV leaves no core"
