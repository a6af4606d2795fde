#!/usr/bin/env bash
# Auth and ownership: 401 before anything else with the documented codes
# (invalid_auth_header, missing_api_key, invalid_api_key), Bearer parsing,
# keys of the documented form, accounts by key, another account's tenant is
# tenant_not_found (403 access_denied for sync), --keys-file and its checks.
source "$(dirname "$0")/common.sh"
start_emu
load_fleet
D0=$(domain "$T0" 0)
M0=$(emu_get "/v1/tenants/$T0/mailboxes" | jq -r '.mailboxes[0].id')

raw() { # raw METHOD PATH [curl args] -> "status body"
    local m=$1 p=$2
    shift 2
    curl -sS --max-time 10 -X "$m" -o "$EMU_DIR/raw" -w '%{http_code}' "$@" "$EMU_URL$p"
}
# The default keys have the documented form.
assert_match "account 1 key form" '^tc_live_[0-9a-f]{48}$' "$EMU_KEY"
assert_match "account 2 key form" '^tc_live_[0-9a-f]{48}$' "$EMU_KEY2"
EVENTS=/v1/enforcement/events
# Every route, and unknown ones, answer 401 without a key — before 402/404/405/422.
for req in "GET /v1/tenants" "GET /v1/tenants/$T0" "DELETE /v1/tenants/$T0" \
    "POST /v1/tenants/$T0/sync" "GET /v1/tenants/$T0/domains" "POST /v1/tenants/$T0/domains" \
    "POST /v1/tenants/$T0/domains/$D0/verify" "POST /v1/tenants/$T0/domains/$D0/enable-dkim" \
    "GET /v1/tenants/$T0/domains/$D0/dkim-status" "GET /v1/tenants/$T0/domains/$D0/dns" \
    "GET /v1/tenants/$T0/mailboxes" "POST /v1/tenants/$T0/mailboxes" \
    "PATCH /v1/tenants/$T0/mailboxes/$M0" "GET /v1/tenants/$T0/mailboxes/$M0/usage" \
    "POST /v1/tenants/$T0/mailbox-limits" "GET /v1/tenants/$T0/mailbox-limits" \
    "GET $EVENTS?limit=-1" "POST /api-key/rotate?user_email=alpha@example.com" \
    "GET /v1/nothing" "PUT /v1/tenants"; do
    st=$(raw ${req% *} "${req#* }" -d '{not json')
    assert_eq "$req without key" 401 "$st"
    assert_jq "$req without key code" "$(<"$EMU_DIR/raw")" .detail.code invalid_auth_header
done
# auth HEADER_VALUE -> "status code"; the header is sent as given.
auth() {
    local st
    st=$(raw GET /v1/tenants -K <(printf 'header = "Authorization: %s"\n' "$1"))
    echo "$st $(jq -r '.detail.code // "-"' "$EMU_DIR/raw")"
}
assert_eq "no Authorization header" "401 invalid_auth_header" "$(raw GET /v1/tenants >/dev/null; echo "401 $(jq -r .detail.code "$EMU_DIR/raw")")"
assert_eq "Basic scheme" "401 invalid_auth_header" "$(auth "Basic $EMU_KEY")"
assert_eq "bare key" "401 invalid_auth_header" "$(auth "$EMU_KEY")"
assert_eq "scheme glued to the key" "401 invalid_auth_header" "$(auth "Bearer$EMU_KEY")"
assert_eq "Token scheme" "401 invalid_auth_header" "$(auth "Token $EMU_KEY")"
assert_eq "empty bearer" "401 missing_api_key" "$(auth "Bearer ")"
assert_eq "bearer alone" "401 missing_api_key" "$(auth "Bearer")"
assert_eq "bearer and blanks" "401 missing_api_key" "$(auth $'Bearer \t ')"
assert_eq "wrong format: short" "401 invalid_api_key" "$(auth "Bearer tc_live_wrong")"
assert_eq "wrong format: prefix only" "401 invalid_api_key" "$(auth "Bearer ${EMU_KEY:0:20}")"
assert_eq "wrong format: one more hex digit" "401 invalid_api_key" "$(auth "Bearer ${EMU_KEY}0")"
assert_eq "wrong format: not hex" "401 invalid_api_key" "$(auth "Bearer ${EMU_KEY:0:55}g")"
assert_eq "wrong format: other prefix" "401 invalid_api_key" "$(auth "Bearer tc_test_${EMU_KEY#tc_live_}")"
assert_eq "wrong format: two words" "401 invalid_api_key" "$(auth "Bearer $EMU_KEY $EMU_KEY")"
assert_eq "the old default key" "401 invalid_api_key" "$(auth "Bearer tc_live_emu_alpha_0123456789abcdef")"
assert_eq "well formed, unknown" "401 invalid_api_key" "$(auth "Bearer tc_live_$(printf '0%.0s' {1..48})")"
upper="tc_live_$(tr a-f A-F <<<"${EMU_KEY#tc_live_}")"
assert_eq "keys are case-sensitive" "401 invalid_api_key" "$(auth "Bearer $upper")"
assert_jq "401 message" "$(<"$EMU_DIR/raw")" '.detail.message | type' string
assert_eq "scheme is case-insensitive" "200 -" "$(auth "bearer $EMU_KEY")"
assert_eq "blanks around the key" "200 -" "$(auth $'Bearer  \t'"$EMU_KEY")"
assert_eq "account 1 key" "200 -" "$(auth "Bearer $EMU_KEY")"
assert_eq "account 2 key" "200 -" "$(auth "Bearer $EMU_KEY2")"

# Account 2 sees only its own tenant.
call2 GET /v1/tenants
assert_eq "account 2 list" 200 "$STATUS"
assert_jq "account 2 count" "$BODY" .count 1
B0=$(jq -r '.tenants[0].tenant_id' <<<"$BODY")
assert_jq "account 2 connected_by" "$(EMU_KEY=$EMU_KEY2 emu_get "/v1/tenants/$B0")" .connected_by beta@example.com
assert_jq "account 1 does not list it" "$(emu_get /v1/tenants)" "[.tenants[].tenant_id] | index(\"$B0\")" null
BD0=$(EMU_KEY=$EMU_KEY2 emu_get "/v1/tenants/$B0/domains" | jq -r '.domains[0].domain_name')
BM0=$(EMU_KEY=$EMU_KEY2 emu_get "/v1/tenants/$B0/mailboxes" | jq -r '.mailboxes[0].id')

# Account 1 on account 2's tenant: tenant_not_found everywhere, 403 on sync.
Q="/v1/tenants/$B0"
expect_error 404 tenant_not_found GET "$Q"
expect_error 404 tenant_not_found DELETE "$Q"
expect_error 404 tenant_not_found GET "$Q/domains"
expect_error 404 tenant_not_found POST "$Q/domains" '{"domain":"steal.example.com"}'
expect_error 404 tenant_not_found POST "$Q/domains/$BD0/verify"
expect_error 404 tenant_not_found POST "$Q/domains/$BD0/enable-dkim"
expect_error 404 tenant_not_found GET "$Q/domains/$BD0/dkim-status"
expect_error 404 tenant_not_found GET "$Q/domains/$BD0/dns"
expect_error 404 tenant_not_found GET "$Q/mailboxes"
expect_error 404 tenant_not_found POST "$Q/mailboxes" "{\"domain\":\"$BD0\",\"account_password\":\"SecureP@ssw0rd!\",\"mailboxes\":[{\"name\":\"x\",\"email\":\"x@$BD0\"}]}"
expect_error 404 tenant_not_found PATCH "$Q/mailboxes/$BM0" '{"display_name":"stolen"}'
expect_error 404 tenant_not_found GET "$Q/mailboxes/$BM0/usage"
expect_error 404 tenant_not_found POST "$Q/mailbox-limits" '{"daily_send_limit":5}'
expect_error 404 tenant_not_found GET "$Q/mailbox-limits"
expect_error 403 access_denied POST "$Q/sync"
# And the other way round.
call2 GET "/v1/tenants/$T0"
assert_eq "account 2 on account 1 tenant" 404 "$STATUS"
assert_jq "account 2 on account 1 tenant code" "$BODY" .detail.code tenant_not_found
call2 PATCH "/v1/tenants/$T0/mailboxes/$M0" '{"display_name":"stolen"}'
assert_eq "account 2 PATCH" 404 "$STATUS"
call2 POST "/v1/tenants/$T0/sync"
assert_eq "account 2 sync status" 403 "$STATUS"
assert_jq "account 2 sync code" "$BODY" .detail.code access_denied
call2 DELETE "/v1/tenants/$T0"
assert_eq "account 2 delete" 404 "$STATUS"
# Nothing was changed by the refused calls.
assert_jq "tenant 0 still there" "$(emu_get "/v1/tenants")" '.count' 3
assert_jq "mailbox untouched" "$(EMU_KEY=$EMU_KEY2 emu_get "/v1/tenants/$B0/mailboxes")" ".mailboxes[] | select(.id == \"$BM0\") | .display_name != \"stolen\"" true
stop_emu

# --keys-file: one account per line, first = account 1; comments and blanks skipped.
K1=tc_live_$(printf '1%.0s' {1..48})
K2=tc_live_$(printf '2a%.0s' {1..24})
K3=tc_live_$(printf 'Cd%.0s' {1..24}) # hex in either case is well formed
keys=$(mktemp)
printf '# test keys\n\n%s ops@one.example\n  %s\n%s c@three.example\n' "$K1" "$K2" "$K3" >"$keys"
start_emu --keys-file "$keys" --tenants 2 --other-tenants 2
rm -f "$keys"
assert_eq "default key refused" "401 invalid_api_key" "$(auth "Bearer tc_live_e8f928b40a537f4c19d9dd58600a0945e90721ff7ca980f3")"
assert_jq "custom account 1" "$(EMU_KEY=$K1 emu_get /v1/tenants)" .count 2
assert_jq "custom account 2" "$(EMU_KEY=$K2 emu_get /v1/tenants)" .count 2
assert_jq "custom account 3 owns nothing" "$(EMU_KEY=$K3 emu_get /v1/tenants)" .count 0
T=$(EMU_KEY=$K1 emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
assert_jq "email from keys file" "$(EMU_KEY=$K1 emu_get "/v1/tenants/$T")" .connected_by ops@one.example
U=$(EMU_KEY=$K2 emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
assert_match "generated email" '@' "$(EMU_KEY=$K2 emu_get "/v1/tenants/$U" | jq -r .connected_by)"
assert_jq "accounts listed without keys" "$(emu_accounts)" '[.accounts[] | [.account, .email]] | tostring' \
    '[[1,"ops@one.example"],[2,"account2@example.com"],[3,"c@three.example"]]'
# tcemu never prints or logs a key.
if grep -q 'tc_live_' "$EMU_DIR/tcemu.out" "$EMU_DIR/tcemu.err"; then
    fail "a key appears in tcemu's output"
fi
CHECKS=$((CHECKS + 1))
stop_emu

# Keys files tcemu refuses: exit 2, one line naming the line, never the key.
bad_keys() { # WHAT CONTENT EXPECTED_MESSAGE_REGEX
    local f rc=0
    f=$(mktemp)
    printf '%s' "$2" >"$f"
    "$TCEMU" --port 0 --keys-file "$f" >"$f.out" 2>"$f.err" || rc=$?
    assert_eq "$1: exit status" 2 "$rc"
    assert_eq "$1: one line" 1 "$(wc -l <"$f.err")"
    assert_match "$1: message" "$3" "$(<"$f.err")"
    # No 12 characters of any key in the file (past the prefix) may show.
    local needles=(-e secretpart) w
    for w in $(grep -v '^#' "$f" | awk '{print $1}'); do needles+=(-e "${w:8:12}"); done
    if grep -qF "${needles[@]}" "$f.err" "$f.out"; then
        fail "$1: the refusal shows the key: $(cat "$f.err")"
    fi
    CHECKS=$((CHECKS + 1))
    rm -f "$f" "$f.out" "$f.err"
}
bad_keys "old-style key" $'tc_live_emu_secretpart_0123456789abcdef\n' 'line 1: not a key of the documented form'
bad_keys "47 hex" "# c"$'\n'"tc_live_$(printf 'a%.0s' {1..47})"$'\n' 'line 2: not a key of the documented form'
bad_keys "49 hex" "tc_live_$(printf 'a%.0s' {1..49})" 'line 1: not a key'
bad_keys "no prefix" "$(printf 'a%.0s' {1..56})" 'line 1: not a key'
bad_keys "not hex" "$K1"$'\n'"tc_live_$(printf 'g%.0s' {1..48})" 'line 2: not a key'
bad_keys "same key twice" "$K1"$'\n'"$K1" 'line 2: the same key as account 1'
bad_keys "email without @" "$K1 secretpart" 'line 1: the second field must be an email'
bad_keys "no key at all" $'# nothing\n\n' 'holds no key'
pass
