#!/usr/bin/env bash
# The API's errors as its documentation states them (SEMANTICS.md §6), under
# every body shape a server may choose: a tenant or domain without a policy
# reads "none" and takes a first policy; a 13th domain is EDQUOT wherever
# the code can be read; the errors file carries the API's message. Then
# the plan (402): past the tenant ceiling writes are EDQUOT and reads go
# on; a lapsed plan is EACCES, and a mount fails at start with one line; a
# refused key names the API's code.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 3 --domains 12 --mailboxes 1 --seed 3
mnt_start -o ttl=300
tenants=$(emu_get /v1/tenants)
t0=$(jq -r '.tenants[0].tenant_id' <<<"$tenants") # has policies
t2=$(jq -r '.tenants[2].tenant_id' <<<"$tenants") # none, bootstrap ready
d2=$(emu_get "/v1/tenants/$t2/domains" | jq -r '.domains[0].domain_name')

# shape: code readable, message readable
for shape in documented:yes:yes nested:yes:yes string:yes:yes flat:yes:yes detail:yes:yes none:no:no; do
    IFS=: read -r name has_code has_message <<<"$shape"
    emu_reset >/dev/null
    emu_config "{\"error_shape\":\"$name\"}" >/dev/null
    echo 1 >"$MNT/.tenantcorefs/invalidate"

    # No policy: "none", never ENOENT, whatever the 404's body.
    assert_eq "$(cat "$MNT/tenants/$t2/mailbox_limit")" "none" "$name: a tenant without a policy"
    assert_eq "$(cat "$MNT/tenants/$t2/domains/$d2/mailbox_limit")" "none" "$name: a domain without a policy"
    # The first policy can be set, and reads back.
    run_cmd bash -c "echo 12 > '$MNT/tenants/$t2/mailbox_limit'"
    assert_eq "$RC" "0" "$name: a first tenant policy: exit status [$ERR]"
    assert_eq "$(cat "$MNT/tenants/$t2/mailbox_limit")" "12" "$name: the first tenant policy read back"
    run_cmd bash -c "echo 9 > '$MNT/tenants/$t2/domains/$d2/mailbox_limit'"
    assert_eq "$RC" "0" "$name: a first domain policy: exit status [$ERR]"
    assert_eq "$(cat "$MNT/tenants/$t2/domains/$d2/mailbox_limit")" "9" "$name: the first domain policy read back"

    # A 13th domain: EDQUOT when the code can be read, else EINVAL (400).
    se=$(wc -l <"$MNT/.tenantcorefs/errors")
    run_cmd mkdir "$MNT/tenants/$t0/domains/thirteenth-$name.example"
    assert_eq "$RC" "1" "$name: mkdir of a 13th domain: exit status"
    line=$(tail -n +"$((se + 1))" "$MNT/.tenantcorefs/errors")
    if [[ $has_code == yes ]]; then
        assert_match "$ERR" "Disk quota exceeded" "$name: mkdir of a 13th domain"
        assert_match "$line" " mkdir .* EDQUOT 400 domain_limit_reached " "$name: the errors line"
    else
        assert_match "$ERR" "Invalid argument" "$name: mkdir of a 13th domain without a readable code"
        assert_match "$line" " mkdir .* EINVAL 400 - " "$name: the errors line"
    fi
    # The API's explanation, not "- -".
    if [[ $has_message == yes ]]; then
        assert_match "$line" "12 domains" "$name: the API's message in the errors file"
    fi
done

# A 422 from the framework: EINVAL with the messages in the errors file.
# (The mount checks values before sending, so a canned answer stands in.)
emu_reset >/dev/null
echo 1 >"$MNT/.tenantcorefs/invalidate"
m=$(emu_get "/v1/tenants/$t2/mailboxes" | jq -r '.mailboxes[0].id')
body='{"detail":[{"loc":["body","daily_send_limit"],"msg":"Input should be a valid integer","type":"int_parsing"}]}'
emu_override "$(jq -nc --arg p "/v1/tenants/$t2/mailboxes/$m" --arg b "$body" \
    '{method:"PATCH",path:$p,status:422,body:$b}')" >/dev/null
run_cmd bash -c "echo 7 > '$MNT/tenants/$t2/mailboxes/$m/daily_send_limit'"
assert_match "$ERR" "Invalid argument" "a 422"
assert_match "$(tail -n 1 "$MNT/.tenantcorefs/errors")" \
    "EINVAL 422 - body.daily_send_limit: Input should be a valid integer$" "the 422's errors line"
emu_override_clear >/dev/null
mnt_stop
emu_stop >/dev/null

# ---- the plan -----------------------------------------------------------------
# 30 tenants on API Starter (25): every write is past the ceiling.
emu_start --tenants 30 --domains 1 --mailboxes 1 --plan starter
mnt_start -o ttl=300
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
m=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[0].id')
run_cmd bash -c "echo 7 > '$MNT/tenants/$t/mailboxes/$m/daily_send_limit'"
assert_match "$ERR" "Disk quota exceeded" "a write past the plan's tenant ceiling"
assert_match "$(tail -n 1 "$MNT/.tenantcorefs/errors")" " write .* EDQUOT 402 tenant_limit_reached ." \
    "the errors line of a write past the ceiling"
[[ -n $(cat "$MNT/tenants/$t/name") ]] || fail "reads stop past the ceiling"

# The plan lapses: every request is refused (EACCES), with the API's message.
emu_account '{"account":1,"plan":"lapsed"}' >/dev/null
echo 1 >"$MNT/.tenantcorefs/invalidate"
run_cmd cat "$MNT/tenants/$t/tenant.json"
assert_match "$ERR" "Permission denied" "a read under a lapsed plan"
grep -q " EACCES 402 no_api_plan ." "$MNT/.tenantcorefs/errors" || fail "no no_api_plan line: $(tail -2 "$MNT/.tenantcorefs/errors")"
mnt_stop

# A mount under a lapsed plan fails with one line.
mkdir -p "$T/m2"
run_cmd env TENANTCORE_API_KEY="$EMU_KEY" "$TENANTCOREFS" "$EMU_URL" "$T/m2" -f
assert_eq "$RC" "1" "a mount under a lapsed plan: exit status"
assert_eq "$(grep -c . <<<"$ERR")" "1" "a mount under a lapsed plan: lines [$ERR]"
assert_match "$ERR" "no active API plan \\(HTTP 402 no_api_plan" "a mount under a lapsed plan"
mountpoint -q "$T/m2" && fail "a lapsed plan left a mount"

# A refused key names the API's code, never the key.
wrong="tc_live_$(printf '%048d' 7)"
run_cmd env TENANTCORE_API_KEY="$wrong" "$TENANTCOREFS" "$EMU_URL" "$T/m2" -f
assert_eq "$RC" "1" "an unknown key: exit status"
assert_match "$ERR" "refused the key \\(HTTP 401 invalid_api_key" "an unknown key"
grep -q "0000000000000007" <<<"$ERR" && fail "the refusal shows the key"
echo "PASS: errors in every shape, first policies, 402 and 401 as documented"
