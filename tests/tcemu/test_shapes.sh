#!/usr/bin/env bash
# Response shapes: --error-shape (nested, flat, string, detail, none) at
# start-up and at run time, --limits-shape nested, --extra-fields.
source "$(dirname "$0")/common.sh"

start_emu --error-shape flat --limits-shape nested --extra-fields
load_fleet
call GET /v1/tenants/nope
assert_eq "flat status" 404 "$STATUS"
assert_jq "flat shape" "$BODY" '[.code, (.message | type)] | tostring' '["tenant_not_found","string"]'
assert_jq "flat shape has no error object" "$BODY" 'has("error")' false
expect 200 GET "/v1/tenants/$T0/mailbox-limits"
assert_jq "--limits-shape nested" "$BODY" '[.tenant_id, .policy.daily_send_limit, .policy.domain_scope] | tostring' "[\"$T0\",20,null]"
# --extra-fields: every object, nested ones included, carries x_emu.
expect 200 GET "/v1/tenants/$T0/domains/$(domain "$T0" 0)/dkim-status"
assert_jq "extra field at top" "$BODY" 'has("x_emu")' true
assert_jq "extra field nested" "$BODY" '.selectors | has("x_emu")' true
assert_jq "documented fields intact" "$BODY" '.dkim_status' enabled
expect 200 GET /v1/tenants
assert_jq "extra field on every object" "$BODY" '[.. | objects | has("x_emu")] | all' true
assert_jq "list still counts" "$BODY" .count 3
stop_emu

start_emu
load_fleet
for shape in nested flat string detail none; do
    emu_config "{\"error_shape\":\"$shape\"}" >/dev/null
    call GET /v1/tenants/nope
    assert_eq "$shape: status" 404 "$STATUS"
    case $shape in
    nested) assert_jq "nested" "$BODY" '[.error.code, (.error.message | type)] | tostring' '["tenant_not_found","string"]' ;;
    flat) assert_jq "flat" "$BODY" '[.code, (.message | type)] | tostring' '["tenant_not_found","string"]' ;;
    string) assert_jq "string" "$BODY" '[.error, (.message | type)] | tostring' '["tenant_not_found","string"]' ;;
    detail) assert_jq "detail" "$BODY" '[.code, (.detail | type), has("message")] | tostring' '["tenant_not_found","string",false]' ;;
    none) assert_eq "none: empty body" "" "$BODY" ;;
    esac
done
# The shape applies to every error: 401, 405, 413-free 400s, faults.
emu_config '{"error_shape":"string"}' >/dev/null
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' "$EMU_URL/v1/tenants")
assert_eq "401 status" 401 "$st"
assert_jq "401 in string shape" "$(<"$EMU_DIR/b")" .error unauthorized
call DELETE /v1/tenants
assert_jq "405 in string shape" "$BODY" .error method_not_allowed
call PATCH "/v1/tenants/$T0/mailboxes/x" '{'
assert_jq "invalid_json in string shape" "$BODY" .error invalid_json
emu_config '{"rate_429": 1}' >/dev/null
call GET /v1/tenants
assert_jq "429 in string shape" "$BODY" .error rate_limited
emu_config '{"rate_429": 0, "error_shape": "detail", "extra_fields": true}' >/dev/null
call GET /v1/tenants/nope
assert_jq "errors get extra fields too" "$BODY" '[.code, has("x_emu")] | tostring' '["tenant_not_found",true]'
# Control endpoints keep the nested shape whatever the setting.
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' -d '{' "$EMU_URL/_emu/config")
assert_eq "control error status" 400 "$st"
assert_jq "control errors stay nested" "$(<"$EMU_DIR/b")" .error.code invalid_json
emu_config '{"error_shape":"nested", "extra_fields": false, "limits_shape": "top"}' >/dev/null
assert_jq "back to top shape" "$(emu_get "/v1/tenants/$T0/mailbox-limits")" '[.daily_send_limit, has("policy")] | tostring' '[20,false]'
stop_emu
pass
