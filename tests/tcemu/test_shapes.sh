#!/usr/bin/env bash
# Response shapes: --error-shape (documented, the default; nested, flat,
# string, detail, none) at start-up and at run time, the framework's 422 in
# the documented shape and the 400s of the other dialects, --limits-shape
# nested, --extra-fields.
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
assert_jq "documented is the default" "$(curl -sS "$EMU_URL/_emu/config")" .error_shape documented
call GET /v1/tenants/nope
assert_eq "default: status" 404 "$STATUS"
assert_eq "default: documented keys" "message code" "$(keys "$BODY" .detail)"
assert_eq "default: only detail" "detail" "$(keys "$BODY" .)"
assert_jq "default: code" "$BODY" .detail.code tenant_not_found
P="/v1/tenants/$T0/mailboxes/$(emu_get "/v1/tenants/$T0/mailboxes" | jq -r '.mailboxes[0].id')"
for shape in documented nested flat string detail none; do
    emu_config "{\"error_shape\":\"$shape\"}" >/dev/null
    call GET /v1/tenants/nope
    assert_eq "$shape: status" 404 "$STATUS"
    case $shape in
    nested) assert_jq "nested" "$BODY" '[.error.code, (.error.message | type)] | tostring' '["tenant_not_found","string"]' ;;
    flat) assert_jq "flat" "$BODY" '[.code, (.message | type)] | tostring' '["tenant_not_found","string"]' ;;
    string) assert_jq "string" "$BODY" '[.error, (.message | type)] | tostring' '["tenant_not_found","string"]' ;;
    detail) assert_jq "detail" "$BODY" '[.code, (.detail | type), has("message")] | tostring' '["tenant_not_found","string",false]' ;;
    none) assert_eq "none: empty body" "" "$BODY" ;;
    documented) assert_jq "documented" "$BODY" '[.detail.code, (.detail.message | type)] | tostring' '["tenant_not_found","string"]' ;;
    esac
    # What the API's framework refuses: 422 in the documented shape, the
    # dialects' own 400 invalid_json / invalid_request elsewhere.
    code() { jq -r '.detail.code? // .error.code? // .code? // .error? // "-"' <<<"$BODY" 2>/dev/null || echo -; }
    call PATCH "$P" '{'
    if [[ $shape == documented ]]; then
        assert_eq "$shape: bad JSON" "422 body.0:json_invalid" "$STATUS $(invalid_items "$BODY")"
    elif [[ $shape == none ]]; then
        assert_eq "$shape: bad JSON" "400 " "$STATUS $BODY"
    else
        assert_eq "$shape: bad JSON" "400 invalid_json" "$STATUS $(code)"
    fi
    call PATCH "$P" '{"daily_send_limit":"20"}'
    if [[ $shape == documented ]]; then
        assert_eq "$shape: wrong type" "422 body.daily_send_limit:int_type" "$STATUS $(invalid_items "$BODY")"
    elif [[ $shape != none ]]; then
        assert_eq "$shape: wrong type" "400 invalid_send_limit" "$STATUS $(code)"
    fi
    call POST "/v1/tenants/$T0/domains" '{}'
    if [[ $shape == documented ]]; then
        assert_eq "$shape: missing field" "422 body.domain:missing" "$STATUS $(invalid_items "$BODY")"
    elif [[ $shape != none ]]; then
        assert_eq "$shape: missing field" "400 invalid_request" "$STATUS $(code)"
    fi
    call GET "/v1/enforcement/events?limit=x"
    if [[ $shape == documented ]]; then
        assert_eq "$shape: bad query" "422 query.limit:int_parsing" "$STATUS $(invalid_items "$BODY")"
    elif [[ $shape != none ]]; then
        assert_eq "$shape: bad query" "400 invalid_request" "$STATUS $(code)"
    fi
    # Documented endpoint codes keep their statuses in every shape.
    call PATCH "$P" '{"daily_send_limit":26}'
    assert_eq "$shape: invalid_send_limit status" 400 "$STATUS"
    [[ $shape == none ]] || assert_eq "$shape: invalid_send_limit" invalid_send_limit "$(code)"
    call PATCH "$P" '{}'
    [[ $shape == none ]] || assert_eq "$shape: no_updates" "400 no_updates" "$STATUS $(code)"
done
# The shape applies to every error: 401, 405, 413-free 400s, faults.
emu_config '{"error_shape":"string"}' >/dev/null
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' "$EMU_URL/v1/tenants")
assert_eq "401 status" 401 "$st"
assert_jq "401 in string shape" "$(<"$EMU_DIR/b")" .error invalid_auth_header
call DELETE /v1/tenants
assert_jq "405 in string shape" "$BODY" .error method_not_allowed
call PATCH "/v1/tenants/$T0/mailboxes/x" '{'
assert_jq "invalid_json in string shape" "$BODY" .error invalid_json
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' "$EMU_URL/v2/nothing")
assert_eq "outside the API in string shape" "404 not_found" "$st $(jq -r .error "$EMU_DIR/b")"
emu_config '{"rate_429": 1}' >/dev/null
call GET /v1/tenants
assert_jq "429 in string shape" "$BODY" .error rate_limited
emu_config '{"rate_429": 0, "error_shape": "detail", "extra_fields": true}' >/dev/null
call GET /v1/tenants/nope
assert_jq "errors get extra fields too" "$BODY" '[.code, has("x_emu")] | tostring' '["tenant_not_found",true]'
emu_config '{"error_shape": "documented"}' >/dev/null
call GET /v1/tenants/nope
assert_jq "documented errors get extra fields" "$BODY" '[.detail.code, has("x_emu"), (.detail | has("x_emu"))] | tostring' '["tenant_not_found",true,true]'
call POST "/v1/tenants/$T0/domains" '{}'
assert_jq "422 items get extra fields" "$BODY" '[.detail[0].type, (.detail[0] | has("x_emu"))] | tostring' '["missing",true]'
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' -d '{"error_shape":"odd"}' "$EMU_URL/_emu/config")
assert_eq "unknown shape refused at run time" 400 "$st"
# Control endpoints keep the nested shape whatever the setting.
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' -d '{' "$EMU_URL/_emu/config")
assert_eq "control error status" 400 "$st"
assert_jq "control errors stay nested" "$(<"$EMU_DIR/b")" .error.code invalid_json
emu_config '{"error_shape":"documented", "extra_fields": false, "limits_shape": "top"}' >/dev/null
assert_jq "back to top shape" "$(emu_get "/v1/tenants/$T0/mailbox-limits")" '[.daily_send_limit, has("policy")] | tostring' '[20,false]'
stop_emu

# Each shape chosen at start-up.
for shape in documented nested none; do
    start_emu --error-shape "$shape" --tenants 1
    call GET /v1/tenants/nope
    assert_eq "--error-shape $shape: status" 404 "$STATUS"
    case $shape in
    documented) assert_jq "--error-shape documented" "$BODY" .detail.code tenant_not_found ;;
    nested) assert_jq "--error-shape nested" "$BODY" .error.code tenant_not_found ;;
    none) assert_eq "--error-shape none" "" "$BODY" ;;
    esac
    assert_jq "--error-shape $shape in config" "$(curl -sS "$EMU_URL/_emu/config")" .error_shape "$shape"
    stop_emu
done
pass
