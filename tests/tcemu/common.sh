# common.sh — shared helpers of the tcemu conformance scripts (sourced).
# Every assertion prints what it expected and what it got, and exits 1 on
# the first failure; each script starts and stops its own tcemu.
set -euo pipefail
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/emu.sh
source "$TESTS_DIR/../lib/emu.sh"

CHECKS=0
# set -e alone exits silently: say which command failed, and where.
set -E
trap 'echo "FAIL: ${BASH_SOURCE[0]}:$LINENO: command failed (status $?): $BASH_COMMAND" >&2' ERR
fail() {
    echo "FAIL: $*" >&2
    if [[ -n "${EMU_DIR:-}" && -s "$EMU_DIR/tcemu.err" ]]; then
        echo "--- tcemu stderr:" >&2
        tail -20 "$EMU_DIR/tcemu.err" >&2
    fi
    exit 1
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
    CHECKS=$((CHECKS + 1))
    [[ "$2" == "$3" ]] || fail "$1: expected [$2], got [$3]"
}

# assert_match WHAT REGEX ACTUAL
assert_match() {
    CHECKS=$((CHECKS + 1))
    [[ "$3" =~ $2 ]] || fail "$1: expected to match /$2/, got [$3]"
}

# assert_range WHAT LO HI ACTUAL (integers, inclusive)
assert_range() {
    CHECKS=$((CHECKS + 1))
    ((${4} >= ${2} && ${4} <= ${3})) || fail "$1: expected in [$2, $3], got [$4]"
}

# assert_jq WHAT JSON FILTER EXPECTED — jq -r FILTER on JSON equals EXPECTED.
assert_jq() {
    local got
    got=$(jq -r "$3" <<<"$2") || fail "$1: jq '$3' failed on [$2]"
    assert_eq "$1" "$4" "$got"
}

# call METHOD PATH [JSON] — as account 1; sets BODY and STATUS.
call() {
    BODY=$(emu_call "$@")
    STATUS=$(<"$EMU_DIR/last_status")
}

# call2 METHOD PATH [JSON] — as account 2.
call2() {
    BODY=$(EMU_KEY=$EMU_KEY2 emu_call "$@")
    STATUS=$(<"$EMU_DIR/last_status")
}

# expect STATUS METHOD PATH [JSON] — call and check the status.
expect() {
    local want=$1
    shift
    call "$@"
    assert_eq "$1 $2 status" "$want" "$STATUS"
}

# expect_error STATUS CODE METHOD PATH [JSON] — status and detail.code, in
# the documented shape {"detail": {"message": M, "code": C}}.
expect_error() {
    local want=$1 code=$2
    shift 2
    call "$@"
    assert_eq "$1 $2 ${3-} status" "$want" "$STATUS"
    assert_eq "$1 $2 ${3-} detail.code" "$code" "$(jq -r '.detail.code' <<<"$BODY")"
    assert_eq "$1 $2 ${3-} detail.message" string "$(jq -r '.detail.message | type' <<<"$BODY")"
}

# invalid_items JSON — a 422 body's items as "loc.parts:type", space-separated.
invalid_items() {
    jq -r '[.detail[] | ((.loc | map(tostring) | join(".")) + ":" + .type)] | join(" ")' <<<"$1"
}

# expect_invalid ITEMS METHOD PATH [JSON] — 422 as FastAPI answers it, with
# exactly these items (see invalid_items), each with a message.
expect_invalid() {
    local items=$1
    shift
    call "$@"
    assert_eq "$1 $2 ${3-} status" 422 "$STATUS"
    assert_eq "$1 $2 ${3-} 422 items" "$items" "$(invalid_items "$BODY")"
    assert_eq "$1 $2 ${3-} 422 messages" true "$(jq '[.detail[].msg | type == "string" and length > 0] | all' <<<"$BODY")"
}

# keys JSON FILTER — the object's keys in order, space-separated.
keys() { jq -r "$2 | keys_unsorted | join(\" \")" <<<"$1"; }

start_emu() {
    emu_start "$@" || fail "tcemu did not start"
    trap 'emu_stop >/dev/null 2>&1 || true' EXIT
}

stop_emu() {
    trap - EXIT
    local rc=0
    emu_stop || rc=$?
    assert_eq "tcemu exit status after SIGTERM" 0 "$rc"
}

pass() {
    echo "PASS: $(basename "$0") ($CHECKS checks)"
}

# Ids of the default fleet, in list order.
load_fleet() {
    local list
    list=$(emu_get /v1/tenants)
    T0=$(jq -r '.tenants[0].tenant_id' <<<"$list")
    T1=$(jq -r '.tenants[1].tenant_id' <<<"$list")
    T2=$(jq -r '.tenants[2].tenant_id' <<<"$list")
}

# domain T INDEX — the name of domain INDEX of tenant T.
domain() { emu_get "/v1/tenants/$1/domains" | jq -r ".domains[$2].domain_name"; }
