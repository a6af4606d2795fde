#!/usr/bin/env bash
# Plans (api-docs/authentication.txt "Plan scoping"): a lapsed plan answers
# every /v1 request 402 no_api_plan; an account holding more tenants than
# its plan's ceiling (starter 25, growth 50, scale 100) gets 402
# tenant_limit_reached on every write while reads go on. Plans are set by
# --plan [ACCOUNT:]PLAN and at run time by POST /_emu/account; the default
# holds the fixture fleet (scale, or unlimited above 100 tenants).
source "$(dirname "$0")/common.sh"

start_emu
load_fleet
D0=$(domain "$T0" 0)
M0=$(emu_get "/v1/tenants/$T0/mailboxes" | jq -r '.mailboxes[0].id')
assert_jq "default plans" "$(emu_accounts)" '[.accounts[] | [.account, .plan, .tenant_ceiling, .tenants]] | tostring' \
    '[[1,"scale",100,3],[2,"scale",100,1]]'

# ---- lapsed: every /v1 request, reads and writes, known routes or not ----------
out=$(emu_account '{"account":1,"plan":"lapsed"}')
assert_jq "control answer" "$out" '[.status, .account.account, .account.plan, .account.tenants] | tostring' '["ok",1,"lapsed",3]'
for req in "GET /v1/tenants" "GET /v1/tenants/$T0" "DELETE /v1/tenants/$T0" "POST /v1/tenants/$T0/sync" \
    "GET /v1/tenants/$T0/domains" "POST /v1/tenants/$T0/domains" "POST /v1/tenants/$T0/domains/$D0/verify" \
    "GET /v1/tenants/$T0/domains/$D0/dns" "GET /v1/tenants/$T0/mailboxes" "PATCH /v1/tenants/$T0/mailboxes/$M0" \
    "GET /v1/tenants/$T0/mailboxes/$M0/usage" "POST /v1/tenants/$T0/mailbox-limits" \
    "GET /v1/tenants/$T0/mailbox-limits" "GET /v1/enforcement/events" "GET /v1/nothing" "PUT /v1/tenants"; do
    # A body the framework would refuse: the plan is checked first.
    expect_error 402 no_api_plan ${req% *} "${req#* }" '{'
done
assert_match "402 message" "plan" "$(jq -r .detail.message <<<"$BODY")"
stats=$(emu_stats)
assert_jq "refused writes are recorded with 402" "$stats" '[.writes[].status] | unique | tostring' '[402]'
# The key is still checked first, and another account is not affected.
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' "$EMU_URL/v1/tenants")
assert_eq "401 before 402" "401 invalid_auth_header" "$st $(jq -r .detail.code "$EMU_DIR/b")"
call2 GET /v1/tenants
assert_eq "account 2 unaffected" 200 "$STATUS"
call2 PATCH "/v1/tenants/$T0/mailboxes/$M0" '{"display_name":"x"}'
assert_eq "account 2 writes go on (its own 404 here)" 404 "$STATUS"
assert_jq "nothing applied while lapsed" "$(emu_get "/v1/tenants/$T0" 2>/dev/null)" .detail.code no_api_plan
# Back on a plan: everything as before, nothing was applied.
emu_account '{"account":1,"plan":"growth"}' >/dev/null
expect 200 GET /v1/tenants
assert_jq "tenant not deleted" "$BODY" .count 3
assert_jq "mailbox not renamed" "$(emu_get "/v1/tenants/$T0/mailboxes")" ".mailboxes[] | select(.id == \"$M0\") | .display_name != \"x\"" true
expect 200 PATCH "/v1/tenants/$T0/mailboxes/$M0" '{"display_name":"On a plan"}'

# Other shapes carry the same codes.
emu_config '{"error_shape":"nested"}' >/dev/null
emu_account '{"account":1,"plan":"lapsed"}' >/dev/null
call GET /v1/tenants
assert_eq "402 in the nested shape" "402 no_api_plan" "$STATUS $(jq -r .error.code <<<"$BODY")"
emu_config '{"error_shape":"documented"}' >/dev/null

# Refusals of the control route.
for body in '{"account":1}' '{"plan":"scale"}' '{"account":"1","plan":"scale"}' '{"account":1,"plan":"gold"}' \
    '{"account":1.5,"plan":"scale"}' '{'; do
    st=$(curl -sS -o /dev/null -w '%{http_code}' -d "$body" "$EMU_URL/_emu/account")
    assert_eq "refused: $body" 400 "$st"
done
for a in 0 3 -1; do
    st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' -d "{\"account\":$a,\"plan\":\"scale\"}" "$EMU_URL/_emu/account")
    assert_eq "account $a" "404 account_not_found" "$st $(jq -r .error.code "$EMU_DIR/b")"
done
# /_emu/reset restores the start-up plans.
emu_reset >/dev/null
assert_jq "reset restores plans" "$(emu_accounts)" '[.accounts[].plan] | tostring' '["scale","scale"]'
expect 200 GET /v1/tenants
stop_emu

# ---- the tenant ceiling: writes refused above it, reads go on -------------------
start_emu --tenants 26 --domains 2 --mailboxes 1 --plan starter
load_fleet
D0=$(domain "$T0" 0)
M0=$(emu_get "/v1/tenants/$T2/mailboxes" | jq -r '.mailboxes[0].id')
assert_jq "--plan starter" "$(emu_accounts)" '.accounts[0] | [.plan, .tenant_ceiling, .tenants] | tostring' '["starter",25,26]'
for req in "GET /v1/tenants" "GET /v1/tenants/$T0" "GET /v1/tenants/$T0/domains" "GET /v1/tenants/$T0/domains/$D0/dns" \
    "GET /v1/tenants/$T0/domains/$D0/dkim-status" "GET /v1/tenants/$T0/mailboxes" "GET /v1/tenants/$T0/mailbox-limits" \
    "GET /v1/enforcement/events"; do
    expect 200 ${req% *} "${req#* }"
done
emu_stats_reset >/dev/null
for req in "POST /v1/tenants/$T0/sync" "POST /v1/tenants/$T0/domains" "POST /v1/tenants/$T0/domains/$D0/verify" \
    "POST /v1/tenants/$T0/domains/$D0/enable-dkim" "POST /v1/tenants/$T0/mailboxes" "PATCH /v1/tenants/$T2/mailboxes/$M0" \
    "POST /v1/tenants/$T0/mailbox-limits" "DELETE /v1/tenants/$T2" "PUT /v1/tenants" "POST /v1/nothing"; do
    expect_error 402 tenant_limit_reached ${req% *} "${req#* }" '{"display_name":"over","domain":"x.example.com","daily_send_limit":5}'
done
assert_match "ceiling message" "26 tenants.*25.*starter" "$(jq -r .detail.message <<<"$BODY")"
assert_jq "writes recorded with 402" "$(emu_stats)" '[.writes[].status] | unique | tostring' '[402]'
assert_jq "nothing applied" "$(emu_get /v1/tenants)" .count 26
assert_jq "mailbox untouched" "$(emu_get "/v1/tenants/$T2/mailboxes")" ".mailboxes[] | select(.id == \"$M0\") | .display_name != \"over\"" true
# Account 2 (one tenant, its own scale plan) writes freely.
B0=$(EMU_KEY=$EMU_KEY2 emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
call2 POST "/v1/tenants/$B0/sync"
assert_eq "account 2 writes" 200 "$STATUS"
# A larger plan lifts it; a ceiling of exactly the tenants held is fine.
emu_account '{"account":1,"plan":"growth"}' >/dev/null
expect 200 PATCH "/v1/tenants/$T2/mailboxes/$M0" '{"display_name":"Growth"}'
emu_account '{"account":1,"plan":"starter"}' >/dev/null
expect_error 402 tenant_limit_reached DELETE "/v1/tenants/$T2"
emu_account '{"account":1,"plan":"unlimited"}' >/dev/null
expect 200 DELETE "/v1/tenants/$T2"
emu_account '{"account":1,"plan":"starter"}' >/dev/null
assert_jq "25 tenants on starter" "$(emu_accounts)" '.accounts[0] | [.tenants, .tenant_ceiling] | tostring' '[25,25]'
expect 200 POST "/v1/tenants/$T0/sync"
# Lapsed wins over the ceiling, and reads stop too.
emu_account '{"account":1,"plan":"lapsed"}' >/dev/null
expect_error 402 no_api_plan GET /v1/tenants
stop_emu

# ---- --plan at start-up, for another account; defaults for large fleets -----
start_emu --tenants 51 --domains 1 --mailboxes 1 --plan growth --plan 2:lapsed
assert_jq "--plan growth and 2:lapsed" "$(emu_accounts)" '[.accounts[] | [.plan, .tenants]] | tostring' '[["growth",51],["lapsed",1]]'
call2 GET /v1/tenants
assert_eq "account 2 lapsed" "402 no_api_plan" "$STATUS $(jq -r .detail.code <<<"$BODY")"
load_fleet
expect 200 GET /v1/tenants
expect_error 402 tenant_limit_reached POST "/v1/tenants/$T0/sync"
emu_account '{"account":1,"plan":"scale"}' >/dev/null
expect 200 POST "/v1/tenants/$T0/sync"
stop_emu
start_emu --tenants 101 --domains 1 --mailboxes 1
assert_jq "more than 100 tenants: unlimited by default" "$(emu_accounts)" '.accounts[0] | [.plan, .tenant_ceiling, .tenants] | tostring' '["unlimited",null,101]'
load_fleet
expect 200 POST "/v1/tenants/$T0/sync"
stop_emu
start_emu --tenants 100 --domains 1 --mailboxes 1
assert_jq "100 tenants: scale" "$(emu_accounts)" '.accounts[0] | [.plan, .tenants] | tostring' '["scale",100]'
stop_emu
pass
