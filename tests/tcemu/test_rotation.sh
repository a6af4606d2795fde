#!/usr/bin/env bash
# Key rotation (api-docs/authentication.txt): POST /api-key/rotate?user_email=
# with the current key returns a new key of the documented form; the old
# one is refused (401 invalid_api_key) from the very next request. A wrong
# email is 403 access_denied and rotates nothing; no user_email is 422.
# The key never reaches the statistics, tcemu's output or /_emu/accounts.
# This script never prints a key either.
source "$(dirname "$0")/common.sh"
R=/api-key/rotate
start_emu
load_fleet
OLD=$EMU_KEY

# no_key_in WHAT TEXT KEY... — none of the keys (past tc_live_) is in TEXT.
no_key_in() {
    local what=$1 text=$2 k
    shift 2
    for k in "$@"; do
        [[ "$text" != *"${k#tc_live_}"* && "$text" != *"${k:8:12}"* ]] || fail "a key is in $what"
    done
    CHECKS=$((CHECKS + 1))
}

# Refusals first: nothing rotates.
expect_invalid "query.user_email:missing" POST "$R"
expect_error 403 access_denied POST "$R?user_email=beta@example.com"
expect_error 403 access_denied POST "$R?user_email=someone@else.example"
expect_error 403 access_denied POST "$R?user_email="
expect_error 403 access_denied POST "$R?user_email=alpha@example.com.evil"
expect_error 405 method_not_allowed GET "$R?user_email=alpha@example.com"
expect_error 404 not_found POST "/api-key/other"
assert_eq "no key" "401" "$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$EMU_URL$R?user_email=alpha@example.com")"
expect 200 GET /v1/tenants
assert_jq "no rotation yet" "$(emu_accounts)" '[.accounts[].key_rotations] | tostring' '[0,0]'

# Rotation: a new key of the documented form, the old one refused at once.
call POST "$R?user_email=Alpha@Example.com" '{"api_key":"not recorded"}'
assert_eq "rotate status" 200 "$STATUS"
ROT=$BODY
NEW=$(jq -r .api_key <<<"$ROT")
[[ "$NEW" =~ ^tc_live_[0-9a-f]{48}$ ]] || fail "the new key does not have the documented form"
[[ "$NEW" != "$OLD" ]] || fail "the new key is the old one"
CHECKS=$((CHECKS + 2))
assert_eq "rotate answer keys" "api_key user_email rotated_at message" "$(keys "$ROT" .)"
assert_jq "user_email is the account's" "$ROT" .user_email alpha@example.com
expect_error 401 invalid_api_key GET /v1/tenants
expect_error 401 invalid_api_key POST "$R?user_email=alpha@example.com"
EMU_KEY=$NEW
expect 200 GET /v1/tenants
assert_jq "the new key is the same account" "$BODY" "[.tenants[].tenant_id] | index(\"$T0\") != null" true
expect 200 PATCH "/v1/tenants/$T0/mailboxes/$(emu_get "/v1/tenants/$T0/mailboxes" | jq -r '.mailboxes[0].id')" '{"display_name":"After rotation"}'
call2 GET /v1/tenants
assert_eq "account 2 unaffected" 200 "$STATUS"
assert_jq "rotations counted" "$(emu_accounts)" '[.accounts[].key_rotations] | tostring' '[1,0]'

# Rotating again: the first new key goes the same way.
call POST "$R?user_email=alpha@example.com"
NEWER=$(jq -r .api_key <<<"$BODY")
[[ "$NEWER" =~ ^tc_live_[0-9a-f]{48}$ && "$NEWER" != "$NEW" ]] || fail "the second rotation gave no fresh key"
CHECKS=$((CHECKS + 1))
expect_error 401 invalid_api_key GET /v1/tenants
EMU_KEY=$NEWER
expect 200 GET /v1/tenants
# Account 2 rotates its own; account 1's key stays.
call2 POST "$R?user_email=beta@example.com"
assert_eq "account 2 rotates" 200 "$STATUS"
NEW2=$(jq -r .api_key <<<"$BODY")
call2 GET /v1/tenants
assert_eq "account 2's old key refused" "401 invalid_api_key" "$STATUS $(jq -r .detail.code <<<"$BODY")"
expect 200 GET /v1/tenants

# A lapsed account can still rotate (it manages the account, not /v1).
emu_account '{"account":1,"plan":"lapsed"}' >/dev/null
expect_error 402 no_api_plan GET /v1/tenants
call POST "$R?user_email=alpha@example.com"
assert_eq "rotation while lapsed" 200 "$STATUS"
LAPSED_KEY=$(jq -r .api_key <<<"$BODY")
EMU_KEY=$LAPSED_KEY
expect_error 402 no_api_plan GET /v1/tenants
emu_account '{"account":1,"plan":"scale"}' >/dev/null
expect 200 GET /v1/tenants

# In the nested dialect the same codes.
emu_config '{"error_shape":"nested"}' >/dev/null
call POST "$R?user_email=nobody@example.com"
assert_eq "403 nested" "403 access_denied" "$STATUS $(jq -r .error.code <<<"$BODY")"
call POST "$R"
assert_eq "no email, nested dialect: 400" "400 invalid_request" "$STATUS $(jq -r .error.code <<<"$BODY")"
emu_config '{"error_shape":"documented"}' >/dev/null

# The statistics count rotations like API routes, never with a key.
stats=$(curl -sS "$EMU_URL/_emu/stats?paths=1")
assert_jq "by_route" "$stats" '.by_route["POST /api-key/rotate"]' 13
assert_jq "by_path keeps the email" "$stats" '.by_path["POST /api-key/rotate?user_email=alpha@example.com"] >= 2' true
assert_jq "rotations in the writes list" "$stats" '[.writes[] | select(.path | startswith("/api-key/rotate")) | .status] | tostring' '[422,403,403,403,403,401,200,401,200,200,200,403,400]'
assert_jq "never a request body" "$stats" '[.writes[] | select(.path | startswith("/api-key/rotate")) | .body] | unique | tostring' '[null]'
no_key_in "/_emu/stats" "$stats" "$OLD" "$NEW" "$NEWER" "$NEW2" "$LAPSED_KEY"
no_key_in "/_emu/accounts" "$(emu_accounts)" "$OLD" "$NEW" "$NEWER" "$NEW2" "$LAPSED_KEY"
no_key_in "/_emu/config" "$(curl -sS "$EMU_URL/_emu/config")" "$NEW" "$LAPSED_KEY"
no_key_in "tcemu's output" "$(cat "$EMU_DIR/tcemu.out" "$EMU_DIR/tcemu.err")" "$OLD" "$NEW" "$NEWER" "$NEW2" "$LAPSED_KEY"

# Faults apply to the rotation route as to /v1: a faulted rotation rotates nothing.
emu_config '{"error_rate": 1}' >/dev/null
call POST "$R?user_email=alpha@example.com"
assert_match "5xx" '^50[023]$' "$STATUS"
emu_config '{"error_rate": 0}' >/dev/null
expect 200 GET /v1/tenants

# /_emu/reset brings the start-up keys back.
emu_reset >/dev/null
expect_error 401 invalid_api_key GET /v1/tenants
EMU_KEY=$OLD
expect 200 GET /v1/tenants
assert_jq "reset clears the rotation count" "$(emu_accounts)" '[.accounts[].key_rotations] | tostring' '[0,0]'
call2 GET /v1/tenants
assert_eq "account 2's start-up key" 200 "$STATUS"
stop_emu
pass
