# tests/lib/emu.sh — bash helpers to run and drive tcemu from tests.
# Source it; it defines functions and variables only (no traps, no set -e).
#
#   TCEMU                    (env, required) path to the tcemu binary
#   EMU_KEY, EMU_KEY2        the default keys of account 1 and 2 (exported;
#                            preset them before sourcing to use others;
#                            keys have the documented form tc_live_ + 48 hex)
#   EMU_MAX_TIME             curl --max-time for the helpers (default 30)
#   TCEMU_WRAPPER            (env, optional) command prefix for tcemu, e.g.
#                            "valgrind -q --error-exitcode=99 --leak-check=full"
#
#   emu_start [tcemu args]   start "$TCEMU" --port 0 --port-file in a temp dir,
#                            wait up to 10 s; sets EMU_PID, EMU_PORT, EMU_URL
#                            (http://127.0.0.1:PORT, https with TLS) and
#                            EMU_DIR (the temp dir: tcemu.out, tcemu.err).
#                            Returns 1 with a message if tcemu does not come up.
#   emu_stop                 SIGTERM EMU_PID (only that pid), wait for it (at
#                            most 10 s, then SIGKILL and status 1), remove
#                            EMU_DIR; returns tcemu's exit status.
#   emu_get PATH [curl args] GET $EMU_URL$PATH with account 1's key; body on stdout.
#   emu_call METHOD PATH [JSON]
#                            same with a method and optional JSON body; prints
#                            the body, returns 0 even on HTTP errors and stores
#                            the status in EMU_STATUS (also in
#                            $EMU_DIR/last_status, for callers that run it in
#                            a subshell such as $(emu_call ...), where the
#                            variable cannot reach them).
#   emu_stats                print GET /_emu/stats (JSON)
#   emu_stats_reset          POST /_emu/stats/reset
#   emu_config JSON          POST /_emu/config
#   emu_reset                POST /_emu/reset
#   emu_set JSON             POST /_emu/set
#   emu_override JSON        POST /_emu/override
#   emu_override_clear       DELETE /_emu/override
#   emu_accounts             GET /_emu/accounts (email, plan, ceiling; never keys)
#   emu_account JSON         POST /_emu/account, e.g. {"account":1,"plan":"lapsed"}
#   emu_sends JSON           POST /_emu/sends {"tenant_id","mailbox_id","count"}
#   emu_next_day             POST /_emu/next-day (daily reset: unblocks)
# The control helpers print the response and fail (non-zero) on HTTP errors.
#
# Keys never appear on a command line (ps would show them): curl reads the
# Authorization header from a config given through process substitution,
# written by bash's builtin printf.

: "${EMU_KEY:=tc_live_e8f928b40a537f4c19d9dd58600a0945e90721ff7ca980f3}"
: "${EMU_KEY2:=tc_live_b9af924bbe61cfd52372e9b8cdd72a2213b3d44bdceb5c75}"
: "${EMU_MAX_TIME:=30}"
export EMU_KEY EMU_KEY2

emu_start() {
    if [[ -z "${TCEMU:-}" || ! -x "$TCEMU" ]]; then
        echo "emu_start: TCEMU is not set to an executable tcemu (got '${TCEMU:-}')" >&2
        return 1
    fi
    EMU_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tcemu.XXXXXX") || return 1
    # shellcheck disable=SC2086 # the wrapper is a command line on purpose
    ${TCEMU_WRAPPER:-} "$TCEMU" --port 0 --port-file "$EMU_DIR/port" "$@" \
        >"$EMU_DIR/tcemu.out" 2>"$EMU_DIR/tcemu.err" </dev/null &
    EMU_PID=$!
    local i
    for ((i = 0; i < 200; i++)); do
        if [[ -s "$EMU_DIR/port" ]] && grep -q '^tcemu listening on ' "$EMU_DIR/tcemu.out"; then
            EMU_PORT=$(<"$EMU_DIR/port")
            EMU_URL=$(sed -n '1s/^tcemu listening on //p' "$EMU_DIR/tcemu.out")
            return 0
        fi
        if ! kill -0 "$EMU_PID" 2>/dev/null; then
            echo "emu_start: tcemu exited during start-up; its stderr:" >&2
            cat "$EMU_DIR/tcemu.err" >&2
            wait "$EMU_PID" 2>/dev/null
            return 1
        fi
        sleep 0.05
    done
    echo "emu_start: tcemu did not report a port within 10 s; its stderr:" >&2
    cat "$EMU_DIR/tcemu.err" >&2
    kill "$EMU_PID" 2>/dev/null
    return 1
}

emu_stop() {
    [[ -n "${EMU_PID:-}" ]] || return 0
    local rc=0 i state
    kill -TERM "$EMU_PID" 2>/dev/null
    # Bounded: a tcemu that ignores SIGTERM for 10 s is killed and reported.
    for ((i = 0; i < 200; i++)); do
        state=$(awk '{print $3}' "/proc/$EMU_PID/stat" 2>/dev/null) || break
        [[ "$state" == Z ]] && break
        sleep 0.05
    done
    if ((i == 200)); then
        echo "emu_stop: tcemu (pid $EMU_PID) did not exit within 10 s of SIGTERM; killing it" >&2
        kill -KILL "$EMU_PID" 2>/dev/null
        rc=1
    fi
    local status=0
    wait "$EMU_PID" 2>/dev/null || status=$?
    ((rc)) || rc=$status
    EMU_PID=
    [[ -n "${EMU_DIR:-}" ]] && rm -rf "$EMU_DIR"
    return "$rc"
}

_emu_auth() {
    printf 'header = "Authorization: Bearer %s"\n' "$1"
}

emu_get() {
    local path=$1
    shift
    curl -sS --max-time "$EMU_MAX_TIME" -K <(_emu_auth "$EMU_KEY") "$@" "$EMU_URL$path"
}

emu_call() {
    local method=$1 path=$2 body_file status
    body_file=$(mktemp "$EMU_DIR/body.XXXXXX") || return 1
    local args=(-sS --max-time "$EMU_MAX_TIME" -X "$method" -o "$body_file" -w '%{http_code}')
    if (($# >= 3)); then
        args+=(-H 'Content-Type: application/json' --data-binary @-)
    fi
    status=$(printf '%s' "${3-}" | curl "${args[@]}" -K <(_emu_auth "$EMU_KEY") "$EMU_URL$path") ||
        status=000
    EMU_STATUS=$status
    printf '%s\n' "$status" >"$EMU_DIR/last_status"
    cat "$body_file"
    rm -f "$body_file"
    return 0
}

_emu_control() {
    local method=$1 path=$2
    if (($# >= 3)); then
        printf '%s' "$3" | curl -sS --fail-with-body --max-time "$EMU_MAX_TIME" -X "$method" \
            -H 'Content-Type: application/json' --data-binary @- "$EMU_URL$path"
    else
        curl -sS --fail-with-body --max-time "$EMU_MAX_TIME" -X "$method" "$EMU_URL$path"
    fi
}

emu_stats() { _emu_control GET /_emu/stats; }
emu_stats_reset() { _emu_control POST /_emu/stats/reset; }
emu_config() { _emu_control POST /_emu/config "$1"; }
emu_reset() { _emu_control POST /_emu/reset; }
emu_set() { _emu_control POST /_emu/set "$1"; }
emu_override() { _emu_control POST /_emu/override "$1"; }
emu_override_clear() { _emu_control DELETE /_emu/override; }
emu_accounts() { _emu_control GET /_emu/accounts; }
emu_account() { _emu_control POST /_emu/account "$1"; }
emu_sends() { _emu_control POST /_emu/sends "$1"; }
emu_next_day() { _emu_control POST /_emu/next-day; }
