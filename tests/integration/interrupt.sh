#!/usr/bin/env bash
# Ctrl-C on a reader waiting for the API returns within about a second, the
# mount stays usable, and the interrupted wait is not recorded as a failure.
# SIGTERM to the daemon unmounts cleanly with exit status 0.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 2 --domains 3 --mailboxes 2
mnt_start -o timeout=30
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
m=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[0].id')
ls "$MNT/tenants/$t/mailboxes" >/dev/null # the lists are cached; usage is not

# Signal the reader only once it is cat itself (perl has restored SIGINT)
# asleep in a FUSE request: on a loaded machine perl may take over a second
# to start, and a SIGINT it still ignores would be lost.
wait_blocked_in_fuse() {
    local pid=$1 i comm wchan
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || fail "the reader did not wait for the slow API"
        comm=$(cat "/proc/$pid/comm" 2>/dev/null) || comm=""
        wchan=$(cat "/proc/$pid/wchan" 2>/dev/null) || wchan=""
        # wchan names the kernel function (request_wait_answer, or its
        # caller where that is inlined); "0" where the kernel hides it.
        if [[ $comm == cat && ($wchan == request_wait_answer || $wchan == *fuse* || $wchan == 0) ]] &&
            ! [[ $(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null) == running ]]; then
            return 0
        fi
        sleep 0.05
    done
    fail "the reader is not waiting in a FUSE request after 10 s (comm=$comm, wchan=$wchan)"
}

emu_config '{"latency_ms": 20000}' >/dev/null
for sig in INT TERM; do
    # Background jobs of a script start with SIGINT ignored: perl restores
    # the default disposition, as an interactive shell's Ctrl-C would find it.
    perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' cat "$MNT/tenants/$t/mailboxes/$m/usage.json" \
        >/dev/null 2>"$T/cat.err" &
    pid=$!
    wait_blocked_in_fuse "$pid"
    start=$(date +%s%N)
    kill -"$sig" "$pid"
    rc=0
    wait "$pid" || rc=$?
    elapsed=$((($(date +%s%N) - start) / 1000000))
    [[ $rc -ne 0 ]] || fail "the interrupted reader exited 0"
    [[ $elapsed -lt 1500 ]] || fail "SIG$sig took $elapsed ms to end the reader"
    echo "SIG$sig ended the waiting reader in $elapsed ms"
done
emu_config '{"latency_ms": 0}' >/dev/null
assert_eq "$(cat "$MNT/tenants/$t/name")" "$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_name')" "a read after the interrupts"
grep -q EINTR "$MNT/.tenantcorefs/errors" && fail "an interrupted wait was recorded as a failure"

# SIGTERM to the daemon: unmount and exit 0.
kill -TERM "$FS_PID"
rc=0
wait "$FS_PID" || rc=$?
FS_PID=""
assert_eq "$rc" "0" "daemon exit status after SIGTERM"
mountpoint -q "$MNT" && fail "still mounted after SIGTERM"
grep -Ev "$FS_LOG_ALLOWED" "$FS_LOG" | grep -q . && fail "unexpected log lines: $(cat "$FS_LOG")"
echo "PASS: interrupts end waiting readers quickly; SIGTERM unmounts cleanly"
