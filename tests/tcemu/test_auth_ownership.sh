#!/usr/bin/env bash
# Auth and ownership: 401 before anything else, Bearer parsing, accounts by
# key, another account's tenant is tenant_not_found (403 access_denied for
# sync), --keys-file.
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
# Every route, and unknown ones, answer 401 without a key — before 404/405/400.
for req in "GET /v1/tenants" "GET /v1/tenants/$T0" "DELETE /v1/tenants/$T0" \
    "POST /v1/tenants/$T0/sync" "GET /v1/tenants/$T0/domains" "POST /v1/tenants/$T0/domains" \
    "POST /v1/tenants/$T0/domains/$D0/verify" "POST /v1/tenants/$T0/domains/$D0/enable-dkim" \
    "GET /v1/tenants/$T0/domains/$D0/dkim-status" "GET /v1/tenants/$T0/domains/$D0/dns" \
    "GET /v1/tenants/$T0/mailboxes" "POST /v1/tenants/$T0/mailboxes" \
    "PATCH /v1/tenants/$T0/mailboxes/$M0" "GET /v1/tenants/$T0/mailboxes/$M0/usage" \
    "POST /v1/tenants/$T0/mailbox-limits" "GET /v1/tenants/$T0/mailbox-limits" \
    "GET /v1/nothing" "PUT /v1/tenants"; do
    st=$(raw ${req% *} "${req#* }" -d '{not json')
    assert_eq "$req without key" 401 "$st"
    assert_jq "$req without key code" "$(<"$EMU_DIR/raw")" .error.code unauthorized
done
auth_status() { raw GET /v1/tenants -K <(printf 'header = "Authorization: %s"\n' "$1"); }
assert_eq "wrong key" 401 "$(auth_status "Bearer tc_live_wrong")"
assert_eq "key prefix" 401 "$(auth_status "Bearer ${EMU_KEY:0:20}")"
assert_eq "key + junk" 401 "$(auth_status "Bearer ${EMU_KEY}x")"
assert_eq "Basic scheme" 401 "$(auth_status "Basic $EMU_KEY")"
assert_eq "bare key" 401 "$(auth_status "$EMU_KEY")"
assert_eq "empty bearer" 401 "$(auth_status "Bearer ")"
assert_eq "scheme is case-insensitive" 200 "$(auth_status "bearer $EMU_KEY")"
assert_eq "account 1 key" 200 "$(auth_status "Bearer $EMU_KEY")"
assert_eq "account 2 key" 200 "$(auth_status "Bearer $EMU_KEY2")"

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
assert_jq "account 2 on account 1 tenant code" "$BODY" .error.code tenant_not_found
call2 PATCH "/v1/tenants/$T0/mailboxes/$M0" '{"display_name":"stolen"}'
assert_eq "account 2 PATCH" 404 "$STATUS"
call2 POST "/v1/tenants/$T0/sync"
assert_eq "account 2 sync status" 403 "$STATUS"
assert_jq "account 2 sync code" "$BODY" .error.code access_denied
call2 DELETE "/v1/tenants/$T0"
assert_eq "account 2 delete" 404 "$STATUS"
# Nothing was changed by the refused calls.
assert_jq "tenant 0 still there" "$(emu_get "/v1/tenants")" '.count' 3
assert_jq "mailbox untouched" "$(EMU_KEY=$EMU_KEY2 emu_get "/v1/tenants/$B0/mailboxes")" ".mailboxes[] | select(.id == \"$BM0\") | .display_name != \"stolen\"" true
stop_emu

# --keys-file: one account per line, first = account 1; comments and blanks skipped.
keys=$(mktemp)
printf '# test keys\n\ntc_live_custom_one ops@one.example\n  tc_live_custom_two\ntc_live_custom_three c@three.example\n' >"$keys"
start_emu --keys-file "$keys" --tenants 2 --other-tenants 2
rm -f "$keys"
assert_eq "default key refused" 401 "$(auth_status "Bearer tc_live_emu_alpha_0123456789abcdef")"
assert_jq "custom account 1" "$(EMU_KEY=tc_live_custom_one emu_get /v1/tenants)" .count 2
assert_jq "custom account 2" "$(EMU_KEY=tc_live_custom_two emu_get /v1/tenants)" .count 2
assert_jq "custom account 3 owns nothing" "$(EMU_KEY=tc_live_custom_three emu_get /v1/tenants)" .count 0
T=$(EMU_KEY=tc_live_custom_one emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
assert_jq "email from keys file" "$(EMU_KEY=tc_live_custom_one emu_get "/v1/tenants/$T")" .connected_by ops@one.example
U=$(EMU_KEY=tc_live_custom_two emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
assert_match "generated email" '@' "$(EMU_KEY=tc_live_custom_two emu_get "/v1/tenants/$U" | jq -r .connected_by)"
# tcemu never prints or logs a key.
if grep -q 'tc_live_' "$EMU_DIR/tcemu.out" "$EMU_DIR/tcemu.err"; then
    fail "a key appears in tcemu's output"
fi
CHECKS=$((CHECKS + 1))
stop_emu
pass
