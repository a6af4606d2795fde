#!/usr/bin/env bash
# Mailboxes: list, provision (prerequisites, password, email domain,
# duplicates, 3-per-domain limit incl. existing, per-mailbox results),
# PATCH (display_name, daily_send_limit 1..25, no_updates), 404s.
source "$(dirname "$0")/common.sh"
start_emu --mailboxes 1
load_fleet
P="/v1/tenants/$T0"
PW='SecureP@ssw0rd!'

expect 200 GET "$P/mailboxes"
assert_eq "list keys" "tenant_id mailboxes count" "$(keys "$BODY" .)"
assert_jq "count (10 verified domains x 1)" "$BODY" .count 10
assert_eq "mailbox keys" \
    "id display_name primary_smtp user_principal_name mail_nickname account_enabled daily_send_limit sends_today blocked_at created_at domain_name tenant_name" \
    "$(keys "$BODY" '.mailboxes[0]')"
tname=$(emu_get "$P" | jq -r .tenant_name)
assert_jq "tenant_name" "$BODY" '[.mailboxes[].tenant_name] | unique | length' 1
assert_jq "tenant_name value" "$BODY" '.mailboxes[0].tenant_name' "$tname"
assert_jq "email ends with @domain_name" "$BODY" '[.mailboxes[] | . as $m | $m.primary_smtp | endswith("@" + $m.domain_name)] | all' true
assert_jq "email == upn" "$BODY" '[.mailboxes[] | .primary_smtp == .user_principal_name] | all' true
expect_error 404 tenant_not_found GET /v1/tenants/nope/mailboxes

D0=$(domain "$T0" 0); D1=$(domain "$T0" 1); D2=$(domain "$T0" 2); D3=$(domain "$T0" 3)
D4=$(domain "$T0" 4); D10=$(domain "$T0" 10)
existing1=$(emu_get "$P/mailboxes" | jq -r --arg d "$D1" '[.mailboxes[] | select(.domain_name == $d)][0].primary_smtp')

prov() { # prov DOMAIN PASSWORD NAME:EMAIL...
    local d=$1 pw=$2
    shift 2
    jq -cn --arg d "$d" --arg pw "$pw" --args '{domain: $d, account_password: $pw,
        mailboxes: [$ARGS.positional[] | split(":") | {name: .[0], email: .[1]}]}' "$@"
}

# Create two on a domain that has one.
expect 200 POST "$P/mailboxes" "$(prov "$D0" "$PW" "Sales Outreach:sales@$D0" "Jane Doe:jane@$D0")"
assert_eq "provision keys" "created_count exists_count failed_count results" "$(keys "$BODY" .)"
assert_jq "counts" "$BODY" '[.created_count, .exists_count, .failed_count] | tostring' '[2,0,0]'
assert_eq "result keys" "status name email details" "$(keys "$BODY" '.results[0]')"
assert_jq "result 0" "$BODY" '.results[0] | tostring' \
    "{\"status\":\"created\",\"name\":\"Sales Outreach\",\"email\":\"sales@$D0\",\"details\":{\"display_name\":\"Sales Outreach\",\"primary_smtp\":\"sales@$D0\",\"user_principal_name\":\"sales@$D0\",\"alias\":\"sales\"}}"
expect 200 GET "$P/mailboxes"
assert_jq "listed" "$BODY" .count 12
assert_jq "new mailbox fields" "$BODY" ".mailboxes[] | select(.primary_smtp == \"sales@$D0\") | [.display_name, .mail_nickname, .account_enabled, .daily_send_limit, .sends_today, .blocked_at, .domain_name] | tostring" \
    "[\"Sales Outreach\",\"sales\",true,null,0,null,\"$D0\"]"
assert_jq "new mailbox id is a uuid" "$BODY" ".mailboxes[] | select(.primary_smtp == \"sales@$D0\") | .id | test(\"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$\")" true
assert_jq "tenant mailbox_count live" "$(emu_get "$P")" .mailbox_count 12

# Domain now has 3: a new one is refused, an existing one is "exists".
expect_error 400 mailbox_limit_reached POST "$P/mailboxes" "$(prov "$D0" "$PW" "Four:four@$D0")"
expect 200 POST "$P/mailboxes" "$(prov "$D0" "$PW" "Sales:SALES@$D0")"
assert_jq "exists only" "$BODY" '[.created_count, .exists_count, .failed_count, .results[0].status, .results[0].details.primary_smtp] | tostring' \
    "[0,1,0,\"exists\",\"sales@$D0\"]"
# Existing + two new on a domain with one: 3 in all, allowed.
expect 200 POST "$P/mailboxes" "$(prov "$D1" "$PW" "Old:$existing1" "A B:ab@$D1" "C D:cd@$D1")"
assert_jq "mixed" "$BODY" '[.created_count, .exists_count, .failed_count] | tostring' '[2,1,0]'
assert_jq "mixed statuses" "$BODY" '[.results[].status] | tostring' '["exists","created","created"]'
# Three new on a domain with one: 4 > 3.
expect_error 400 mailbox_limit_reached POST "$P/mailboxes" "$(prov "$D2" "$PW" "A:a@$D2" "B:b@$D2" "C:c@$D2")"
assert_jq "limit refused all" "$(emu_get "$P/mailboxes")" "[.mailboxes[] | select(.domain_name == \"$D2\")] | length" 1

# Passwords: 8+ characters and 3 of 4 classes.
for pw in 'Sh0rt!' 'alllowercase' 'lowercase123' 'UPPERCASE123' 'NoDigitsHere' '!!!!!!!!aa'; do
    expect_error 400 weak_password POST "$P/mailboxes" "$(prov "$D3" "$pw" "X:x@$D3")"
done
expect 200 POST "$P/mailboxes" "$(prov "$D3" 'Lowercase123' "Pw Ok:pwok@$D3")"
assert_jq "3-class password accepted" "$BODY" .created_count 1

# Email must end with @domain.
expect_error 400 invalid_email_domain POST "$P/mailboxes" "$(prov "$D4" "$PW" "X:x@other.example.com")"
expect_error 400 invalid_email_domain POST "$P/mailboxes" "$(prov "$D4" "$PW" "X:x@sub.$D4")"
expect_error 400 invalid_email_domain POST "$P/mailboxes" "$(prov "$D4" "$PW" "Ok:ok@$D4" "X:x@$D4.evil.com")"
expect_error 400 invalid_email_domain POST "$P/mailboxes" "$(prov "$D4" "$PW" "X:@$D4")"
# Duplicates in one request, case-insensitively.
expect_error 400 duplicate_emails POST "$P/mailboxes" "$(prov "$D4" "$PW" "A:dup@$D4" "B:DUP@$D4")"
assert_jq "validation created nothing" "$(emu_get "$P/mailboxes")" "[.mailboxes[] | select(.domain_name == \"$D4\")] | length" 1

# Prerequisites: verified domain, known domain, known tenant, ready bootstrap.
expect_error 400 domain_not_verified POST "$P/mailboxes" "$(prov "$D10" "$PW" "X:x@$D10")"
expect_error 404 domain_not_found POST "$P/mailboxes" "$(prov unknown.example.com "$PW" "X:x@unknown.example.com")"
expect_error 404 tenant_not_found POST /v1/tenants/nope/mailboxes "$(prov "$D4" "$PW" "X:x@$D4")"
T1D0=$(domain "$T1" 0)
call POST "/v1/tenants/$T1/mailboxes" "$(prov "$T1D0" "$PW" "X:x@$T1D0")"
assert_eq "pending bootstrap status" 409 "$STATUS"
assert_jq "pending bootstrap code" "$BODY" .detail.code exchange_bootstrap_not_ready
expect 200 POST "/v1/tenants/$T1/sync"
call POST "/v1/tenants/$T1/mailboxes" "$(prov "$T1D0" "$PW" "X Y:xy@$T1D0")"
assert_eq "after sync" 200 "$STATUS"
assert_jq "after sync created" "$BODY" .created_count 1

# Request shape: the framework's 422 for missing fields and wrong types
# (every failure listed), the endpoint's 400 for an empty list.
expect_invalid "body.mailboxes:missing" POST "$P/mailboxes" "{\"domain\":\"$D4\",\"account_password\":\"$PW\"}"
expect_error 400 invalid_request POST "$P/mailboxes" "{\"domain\":\"$D4\",\"account_password\":\"$PW\",\"mailboxes\":[]}"
expect_invalid "body.account_password:missing" POST "$P/mailboxes" "{\"domain\":\"$D4\",\"mailboxes\":[{\"name\":\"a\",\"email\":\"a@$D4\"}]}"
expect_invalid "body.mailboxes.0.email:missing" POST "$P/mailboxes" "{\"domain\":\"$D4\",\"account_password\":\"$PW\",\"mailboxes\":[{\"name\":\"a\"}]}"
expect_invalid "body.domain:missing" POST "$P/mailboxes" "{\"account_password\":\"$PW\",\"mailboxes\":[{\"name\":\"a\",\"email\":\"a@$D4\"}]}"
expect_invalid "body.domain:string_type body.account_password:missing body.mailboxes.0:model_attributes_type body.mailboxes.1.name:string_type" \
    POST "$P/mailboxes" "{\"domain\":5,\"mailboxes\":[\"x\",{\"name\":null,\"email\":\"a@$D4\"}]}"
expect_invalid "body.mailboxes:list_type" POST "$P/mailboxes" "{\"domain\":\"$D4\",\"account_password\":\"$PW\",\"mailboxes\":{}}"
expect_invalid "body.9:json_invalid" POST "$P/mailboxes" '{"domain":'
expect_invalid "body:missing" POST "$P/mailboxes"

# Per-mailbox failures: a bad alias, and a domain where Exchange refuses.
expect 200 POST "$P/mailboxes" "$(prov "$D4" "$PW" "Bad:bad..alias@$D4" "Good:good@$D4")"
assert_jq "failed + created" "$BODY" '[.created_count, .exists_count, .failed_count, .results[0].status, .results[1].status] | tostring' '[1,0,1,"failed","created"]'
assert_jq "failed carries error" "$BODY" '.results[0].error | type' string
D5=$(domain "$T0" 5)
emu_set "{\"tenant_id\":\"$T0\",\"domain_name\":\"$D5\",\"set\":{\"provision_fails\":true}}" >/dev/null
expect 200 POST "$P/mailboxes" "$(prov "$D5" "$PW" "Nope:nope@$D5")"
assert_jq "provision_fails" "$BODY" '[.created_count, .failed_count, .results[0].status] | tostring' '[0,1,"failed"]'

# PATCH.
M=$(emu_get "$P/mailboxes" | jq -r '.mailboxes[0].id')
MP="$P/mailboxes/$M"
expect 200 PATCH "$MP" '{"display_name":"New Display Name"}'
assert_eq "patch keys" "status mailbox" "$(keys "$BODY" .)"
assert_eq "patch mailbox keys" "id display_name primary_smtp daily_send_limit sends_today account_enabled" "$(keys "$BODY" .mailbox)"
assert_jq "patch status" "$BODY" .status updated
assert_jq "patch id" "$BODY" .mailbox.id "$M"
assert_jq "patch name" "$BODY" .mailbox.display_name "New Display Name"
assert_jq "name listed" "$(emu_get "$P/mailboxes")" ".mailboxes[] | select(.id == \"$M\") | .display_name" "New Display Name"
for v in 1 25 20; do
    expect 200 PATCH "$MP" "{\"daily_send_limit\": $v}"
    assert_jq "limit $v" "$BODY" .mailbox.daily_send_limit "$v"
done
expect 200 PATCH "$MP" '{"display_name":"Both","daily_send_limit":7}'
assert_jq "both fields" "$BODY" '[.mailbox.display_name, .mailbox.daily_send_limit] | tostring' '["Both",7]'
assert_jq "limit listed" "$(emu_get "$P/mailboxes")" ".mailboxes[] | select(.id == \"$M\") | .daily_send_limit" 7
# Out of range: the endpoint's 400; not an integer: the framework's 422.
for v in 0 26 -1 100; do
    expect_error 400 invalid_send_limit PATCH "$MP" "{\"daily_send_limit\": $v}"
done
expect_invalid "body.daily_send_limit:int_from_float" PATCH "$MP" '{"daily_send_limit": 20.5}'
for v in '"20"' true '[]'; do
    expect_invalid "body.daily_send_limit:int_type" PATCH "$MP" "{\"daily_send_limit\": $v}"
done
expect_error 400 invalid_send_limit PATCH "$MP" '{"display_name":"Not applied","daily_send_limit":26}'
assert_jq "invalid PATCH applied nothing" "$(emu_get "$P/mailboxes")" ".mailboxes[] | select(.id == \"$M\") | [.display_name, .daily_send_limit] | tostring" '["Both",7]'
expect_error 400 no_updates PATCH "$MP" '{}'
expect_error 400 no_updates PATCH "$MP" '{"unknown_field": 1}'
expect_invalid "body.display_name:string_type" PATCH "$MP" '{"display_name": 5}'
expect_error 400 invalid_request PATCH "$MP" '{"display_name": ""}'
expect_invalid "body.0:json_invalid" PATCH "$MP" 'not json'
expect_invalid "body:model_attributes_type" PATCH "$MP" '[1,2]'
expect_invalid "body:missing" PATCH "$MP" 'null'
assert_jq "invalid PATCHes applied nothing" "$(emu_get "$P/mailboxes")" ".mailboxes[] | select(.id == \"$M\") | [.display_name, .daily_send_limit] | tostring" '["Both",7]'
# The framework checks the body before the endpoint looks anything up.
expect_invalid "body.display_name:string_type" PATCH "/v1/tenants/nope/mailboxes/$M" '{"display_name": 5}'
expect_error 404 mailbox_not_found PATCH "$P/mailboxes/00000000-0000-4000-8000-000000000000" '{"display_name":"x"}'
expect_error 404 tenant_not_found PATCH "/v1/tenants/nope/mailboxes/$M" '{"display_name":"x"}'
expect_error 404 mailbox_not_found GET "$P/mailboxes/00000000-0000-4000-8000-000000000000/usage"

stop_emu
pass
