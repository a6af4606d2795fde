#!/usr/bin/env bash
# mailbox-limits POST/GET (scopes, validation, 409, both GET shapes) and
# mailbox usage (remaining_sends, utilization_pct, no limit) on a tenant
# without a policy, where nothing blocks (test_enforcement.sh covers blocks).
source "$(dirname "$0")/common.sh"
start_emu --tenants 4
load_fleet
T3=$(emu_get /v1/tenants | jq -r '.tenants[3].tenant_id')
P0="/v1/tenants/$T0"; P2="/v1/tenants/$T2"
D0=$(domain "$T0" 0); D1=$(domain "$T0" 1)

# Fixture policies: tenant 0 has tenant-wide 20 and 15 on its first domain.
expect 200 GET "$P0/mailbox-limits"
assert_eq "GET top keys" "tenant_id policy_id domain_scope scope_label daily_send_limit enforced created_at updated_at" "$(keys "$BODY" .)"
assert_jq "tenant-wide policy" "$BODY" '[.tenant_id, .daily_send_limit, .domain_scope] | tostring' "[\"$T0\",20,null]"
expect 200 GET "$P0/mailbox-limits?domain_scope=$D0"
assert_jq "domain policy" "$BODY" '[.daily_send_limit, .domain_scope] | tostring' "[15,\"$D0\"]"
expect_error 404 policy_not_found GET "$P0/mailbox-limits?domain_scope=$D1"
expect_error 404 policy_not_found GET "$P0/mailbox-limits?domain_scope=unknown.example.com"
expect_error 404 policy_not_found GET "$P2/mailbox-limits"
expect_error 404 tenant_not_found GET /v1/tenants/nope/mailbox-limits
# The nested shape, switched at run time.
emu_config '{"limits_shape":"nested"}' >/dev/null
expect 200 GET "$P0/mailbox-limits?domain_scope=$D0"
assert_eq "GET nested keys" "tenant_id policy" "$(keys "$BODY" .)"
assert_jq "nested policy" "$BODY" '[.tenant_id, .policy.daily_send_limit, .policy.domain_scope] | tostring' "[\"$T0\",15,\"$D0\"]"
emu_config '{"limits_shape":"top"}' >/dev/null

# POST tenant-wide on tenant 2: every mailbox gets the limit.
expect 200 POST "$P2/mailbox-limits" '{"daily_send_limit": 25}'
assert_eq "POST keys" "status tenant_id daily_send_limit domain_scope scope_label policy provisioning" "$(keys "$BODY" .)"
assert_jq "POST fields" "$BODY" '[.status, .tenant_id, .daily_send_limit, .domain_scope, (.scope_label | type), (.policy | type), (.provisioning | type)] | tostring' \
    "[\"success\",\"$T2\",25,null,\"string\",\"object\",\"object\"]"
assert_jq "all mailboxes at 25" "$(emu_get "$P2/mailboxes")" '[.mailboxes[].daily_send_limit] | unique | tostring' '[25]'
assert_jq "GET after POST" "$(emu_get "$P2/mailbox-limits")" .daily_send_limit 25
# Domain scope: only that domain's mailboxes.
T2D1=$(domain "$T2" 1)
expect 200 POST "$P2/mailbox-limits" "{\"daily_send_limit\": 10, \"domain_scope\": \"$T2D1\"}"
assert_jq "scoped fields" "$BODY" '[.daily_send_limit, .domain_scope, .scope_label] | tostring' "[10,\"$T2D1\",\"$T2D1\"]"
mbs=$(emu_get "$P2/mailboxes")
assert_jq "scoped domain at 10" "$mbs" "[.mailboxes[] | select(.domain_name == \"$T2D1\") | .daily_send_limit] | unique | tostring" '[10]'
assert_jq "other domains still 25" "$mbs" "[.mailboxes[] | select(.domain_name != \"$T2D1\") | .daily_send_limit] | unique | tostring" '[25]'
assert_jq "GET scoped" "$(emu_get "$P2/mailbox-limits?domain_scope=$T2D1")" .daily_send_limit 10
assert_jq "tenant-wide unchanged" "$(emu_get "$P2/mailbox-limits")" .daily_send_limit 25
# Updating a policy keeps one policy per scope.
expect 200 POST "$P2/mailbox-limits" '{"daily_send_limit": 5}'
assert_jq "updated" "$(emu_get "$P2/mailbox-limits")" .daily_send_limit 5

# Validation: out of range is the endpoint's 400, wrong types the framework's 422.
for v in 0 26 -3 1000; do
    expect_error 400 invalid_send_limit POST "$P2/mailbox-limits" "{\"daily_send_limit\": $v}"
done
expect_invalid "body.daily_send_limit:int_from_float" POST "$P2/mailbox-limits" '{"daily_send_limit": 2.5}'
for v in '"5"' null true; do
    expect_invalid "body.daily_send_limit:int_type" POST "$P2/mailbox-limits" "{\"daily_send_limit\": $v}"
done
expect_invalid "body.daily_send_limit:missing" POST "$P2/mailbox-limits" '{}'
expect_invalid "body.daily_send_limit:missing body.domain_scope:string_type" POST "$P2/mailbox-limits" '{"domain_scope": 7}'
expect 200 POST "$P2/mailbox-limits" '{"daily_send_limit": 5, "domain_scope": null}'
assert_jq "null domain_scope is tenant-wide" "$BODY" .domain_scope null
expect_error 404 domain_not_found POST "$P2/mailbox-limits" '{"daily_send_limit": 5, "domain_scope": "unknown.example.com"}'
expect_error 404 domain_not_found POST "$P2/mailbox-limits" "{\"daily_send_limit\": 5, \"domain_scope\": \"$D0\"}"
expect_error 404 tenant_not_found POST /v1/tenants/nope/mailbox-limits '{"daily_send_limit": 5}'
expect_invalid "body.0:json_invalid" POST "$P2/mailbox-limits" '{'
# Bootstrap must be ready: 409 until sync.
call POST "/v1/tenants/$T1/mailbox-limits" '{"daily_send_limit": 5}'
assert_eq "pending bootstrap status" 409 "$STATUS"
assert_jq "pending bootstrap code" "$BODY" .detail.code exchange_bootstrap_not_ready
expect_error 404 policy_not_found GET "/v1/tenants/$T1/mailbox-limits"
expect 200 POST "/v1/tenants/$T1/sync"
expect 200 POST "/v1/tenants/$T1/mailbox-limits" '{"daily_send_limit": 5}'

# Usage, on tenant 3: no policy, so sends never block (limits are opt-in).
P3="/v1/tenants/$T3"
M=$(emu_get "$P3/mailboxes" | jq -r '.mailboxes[0].id')
U="$P3/mailboxes/$M/usage"
setm() { emu_set "{\"tenant_id\":\"$T3\",\"mailbox_id\":\"$M\",\"set\":$1}" >/dev/null; }
expect_error 404 policy_not_found GET "$P3/mailbox-limits"
expect 200 PATCH "$P3/mailboxes/$M" '{"daily_send_limit": 25}'
setm '{"sends_today": 18}'
expect 200 GET "$U"
assert_eq "usage keys" \
    "mailbox_id primary_smtp display_name account_enabled daily_send_limit sends_today remaining_sends is_blocked blocked_at utilization_pct" \
    "$(keys "$BODY" .)"
assert_jq "usage 18/25" "$BODY" '[.mailbox_id, .daily_send_limit, .sends_today, .remaining_sends, .is_blocked, .blocked_at] | tostring' "[\"$M\",25,18,7,false,null]"
assert_match "utilization 72.0 printed with one decimal" '"utilization_pct":72\.0[,}]' "$BODY"
setm '{"sends_today": 1}'
expect 200 PATCH "$P3/mailboxes/$M" '{"daily_send_limit": 3}'
assert_jq "1/3 rounds to 33.3" "$(emu_get "$U")" .utilization_pct 33.3
setm '{"sends_today": 2}'
assert_jq "2/3 rounds to 66.7" "$(emu_get "$U")" .utilization_pct 66.7
# Over the stored limit without a policy: counted, not blocked.
setm '{"sends_today": 30}'
expect 200 GET "$U"
assert_jq "over the limit, unenforced" "$BODY" '[.remaining_sends, .is_blocked, .blocked_at, .utilization_pct] | tostring' '[0,false,null,1000]'
assert_match "1000.0" '"utilization_pct":1000\.0[,}]' "$BODY"
expect 200 PATCH "$P3/mailboxes/$M" '{"daily_send_limit": 25}'
setm '{"sends_today": 0}'
assert_jq "back to zero" "$(emu_get "$U")" '[.remaining_sends, .is_blocked, .blocked_at, .utilization_pct] | tostring' '[25,false,null,0]'
# No limit: remaining_sends and utilization_pct are null.
setm '{"daily_send_limit": null, "sends_today": 12}'
assert_jq "no limit" "$(emu_get "$U")" '[.daily_send_limit, .sends_today, .remaining_sends, .utilization_pct, .is_blocked] | tostring' '[null,12,null,null,false]'
expect_error 404 mailbox_not_found GET "$P3/mailboxes/nope/usage"
expect_error 404 tenant_not_found GET "/v1/tenants/nope/mailboxes/$M/usage"
# A policy below sends_today blocks at once, and stores its limit on the mailbox.
setm '{"sends_today": 9}'
expect 200 POST "$P3/mailbox-limits" "{\"daily_send_limit\": 8}"
assert_jq "blocked by policy" "$(emu_get "$U")" '[.daily_send_limit, .is_blocked, .remaining_sends, (.blocked_at | type)] | tostring' '[8,true,0,"string"]'

stop_emu
pass
