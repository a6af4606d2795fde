# tests/lib/common.sh — shared set-up for the integration tests: strict
# mode, a scratch directory, tcemu (tests/lib/emu.sh), a mount of
# tenantcorefs, cleanup on exit, and assertions that print what a user
# would see when they fail.
#
#   TCEMU, TENANTCOREFS   (env) the binaries under test
#   T                     scratch directory, removed at exit
#   mnt_start [opts]      mount $EMU_URL at $MNT in the foreground with
#                         TENANTCORE_API_KEY=$EMU_KEY (never on the command
#                         line); sets MNT, FS_PID, FS_LOG; waits for the mount
#   mnt_stop              fusermount3 -u, wait; fails if the daemon exited
#                         non-zero or logged an unexpected error
#   emu_count ROUTE       requests of "METHOD /v1/route/{template}" so far
#   emu_total             all /v1 requests so far
#   emu_writes            the writes list, one JSON object per line
#   emu_fetch M PATH [J]  an API call; sets EMU_BODY and EMU_STATUS
#   fail MSG / assert_eq ACTUAL EXPECTED MSG / assert_match ACTUAL REGEX MSG
#   run_cmd CMD...        runs CMD, captures RC, OUT (stdout), ERR (stderr)
#   now_ms                wall-clock milliseconds, without a fork

set -euo pipefail
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=emu.sh
source "$LIB_DIR/emu.sh"

: "${TENANTCOREFS:?TENANTCOREFS must point to the tenantcorefs binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/tcfs-test.XXXXXX")
MNT=""
FS_PID=""
TEST_NAME=$(basename "$0" .sh)

now_ms() {
    local s=${EPOCHREALTIME/./}
    echo $((s / 1000))
}

fail() {
    echo "FAIL [$TEST_NAME]: $*" >&2
    # TCFS_TEST_KEEP=DIR keeps the daemon's log of a failed test there.
    if [[ -n "${TCFS_TEST_KEEP:-}" && -n "${FS_LOG:-}" && -f "$FS_LOG" ]]; then
        mkdir -p "$TCFS_TEST_KEEP" && cp "$FS_LOG" "$TCFS_TEST_KEEP/$TEST_NAME.log"
    fi
    if [[ -n "${FS_LOG:-}" && -f "$FS_LOG" ]]; then
        echo "--- last lines of the daemon's log:" >&2
        tail -n 20 "$FS_LOG" >&2
    fi
    exit 1
}

assert_eq() {
    if [[ "$1" != "$2" ]]; then
        fail "$3: expected [$2], got [$1]"
    fi
}

assert_match() {
    if ! [[ "$1" =~ $2 ]]; then
        fail "$3: [$1] does not match /$2/"
    fi
}

run_cmd() {
    set +e
    OUT=$("$@" 2>"$T/.stderr")
    RC=$?
    set -e
    ERR=$(<"$T/.stderr")
}

mnt_start() {
    MNT="$T/mnt"
    FS_LOG="$T/tenantcorefs.log"
    mkdir -p "$MNT"
    TENANTCORE_API_KEY="$EMU_KEY" "$TENANTCOREFS" "$EMU_URL" "$MNT" -f "$@" \
        >"$FS_LOG" 2>&1 </dev/null &
    FS_PID=$!
    local i
    for ((i = 0; i < 200; i++)); do
        if mountpoint -q "$MNT"; then
            return 0
        fi
        if ! kill -0 "$FS_PID" 2>/dev/null; then
            wait "$FS_PID" || true
            FS_PID=""
            fail "tenantcorefs exited during start-up: $(cat "$FS_LOG")"
        fi
        sleep 0.05
    done
    fail "mount did not appear within 10 s"
}

# Lines the daemon may log during a test without it being a failure: the
# warn-level failure lines the test provoked are checked by the test itself.
FS_LOG_ALLOWED='^tenantcorefs: (warn|info|debug): '

mnt_stop() {
    [[ -n "$FS_PID" ]] || return 0
    if mountpoint -q "$MNT"; then
        fusermount3 -u "$MNT" || { sleep 1; fusermount3 -u "$MNT"; }
    fi
    local rc=0
    wait "$FS_PID" || rc=$?
    FS_PID=""
    [[ $rc -eq 0 ]] || fail "tenantcorefs exited with status $rc after unmount"
    if grep -Ev "$FS_LOG_ALLOWED" "$FS_LOG" | grep -q .; then
        fail "unexpected lines in the daemon's log: $(grep -Ev "$FS_LOG_ALLOWED" "$FS_LOG" | head -5)"
    fi
    if grep -qF "$EMU_KEY" "$FS_LOG"; then
        fail "the API key appears in the daemon's log"
    fi
}

# emu_fetch METHOD PATH [JSON]: like emu_call, without a subshell, so both
# EMU_BODY and EMU_STATUS reach the caller.
emu_fetch() {
    emu_call "$@" >"$T/.body"
    EMU_BODY=$(<"$T/.body")
}

emu_count() {
    emu_stats | jq -r --arg r "$1" '.by_route[$r] // 0'
}

emu_total() {
    emu_stats | jq -r '.total'
}

# Wait until tcemu has nothing in flight and its total stands still for
# 0.2 s (prefetch started by a listing may still be running), at most 10 s:
# counts taken after it are not disturbed by earlier work.
emu_settle() {
    local a b
    for _ in $(seq 50); do
        a=$(emu_stats | jq -c '[.total, .in_flight]')
        sleep 0.2
        b=$(emu_stats | jq -c '[.total, .in_flight]')
        [[ "$a" == "$b" && $(jq '.[1]' <<<"$b") == 0 ]] && return 0
    done
    fail "tcemu never went quiet"
}

emu_writes() {
    emu_stats | jq -c '.writes[]'
}

cleanup() {
    local rc=$?
    set +e
    if [[ -n "$FS_PID" ]]; then
        fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" 2>/dev/null
        wait "$FS_PID" 2>/dev/null
    fi
    [[ -n "${EMU_PID:-}" ]] && emu_stop >/dev/null 2>&1
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT
