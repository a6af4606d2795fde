#!/usr/bin/env bash
# `cat` of every file equals what the API returns (JSON files exactly as
# `jq .` prints the API's object), `jq .` accepts every .json, and
# `stat -c %s` equals `wc -c` for every file. Run against two tcemu
# configurations that choose differently where the API docs are silent
# (error body shape, GET mailbox-limits shape, extra fields).
source "$(dirname "$0")/../lib/common.sh"

check_fleet() {
    local t d m mb doms files=0
    for t in $(emu_get /v1/tenants | jq -r '.tenants[].tenant_id'); do
        local p="$MNT/tenants/$t"
        assert_eq "$(cat "$p/tenant.json")" "$(emu_get "/v1/tenants/$t" | jq .)" "tenant.json of $t"
        assert_eq "$(cat "$p/name")" "$(emu_get /v1/tenants | jq -r --arg t "$t" '.tenants[] | select(.tenant_id == $t) | .tenant_name')" "name of $t"
        local pol
        emu_fetch GET "/v1/tenants/$t/mailbox-limits"
        pol=$EMU_BODY
        if [[ $EMU_STATUS == 404 ]]; then
            assert_eq "$(cat "$p/mailbox_limit")" "none" "tenant mailbox_limit of $t"
        else
            assert_eq "$(cat "$p/mailbox_limit")" "$(jq -r '.daily_send_limit // .policy.daily_send_limit' <<<"$pol")" "tenant mailbox_limit of $t"
        fi
        doms=$(emu_get "/v1/tenants/$t/domains")
        for d in $(jq -r '.domains[].domain_name' <<<"$doms"); do
            local q="$p/domains/$d"
            assert_eq "$(cat "$q/domain.json")" "$(jq --arg d "$d" '.domains[] | select(.domain_name == $d)' <<<"$doms")" "domain.json of $d"
            assert_eq "$(cat "$q/dns.json")" "$(emu_get "/v1/tenants/$t/domains/$d/dns" | jq .)" "dns.json of $d"
            local dk
            dk=$(emu_get "/v1/tenants/$t/domains/$d/dkim-status")
            assert_eq "$(cat "$q/dkim.json")" "$(jq . <<<"$dk")" "dkim.json of $d"
            assert_eq "$(cat "$q/dkim_status")" "$(jq -r .dkim_status <<<"$dk")" "dkim_status of $d"
            assert_eq "$(cat "$q/verify")" "$(jq -r --arg d "$d" '.domains[] | select(.domain_name == $d) | if .is_verified then "verified" else "unverified" end' <<<"$doms")" "verify of $d"
            emu_fetch GET "/v1/tenants/$t/mailbox-limits?domain_scope=$d"
            pol=$EMU_BODY
            if [[ $EMU_STATUS == 404 ]]; then
                assert_eq "$(cat "$q/mailbox_limit")" "none" "domain mailbox_limit of $d"
            else
                assert_eq "$(cat "$q/mailbox_limit")" "$(jq -r '.daily_send_limit // .policy.daily_send_limit' <<<"$pol")" "domain mailbox_limit of $d"
            fi
            assert_eq "$(cat "$q/provision")" "" "provision reads empty"
        done
        mb=$(emu_get "/v1/tenants/$t/mailboxes")
        for m in $(jq -r '.mailboxes[].id' <<<"$mb"); do
            local r="$p/mailboxes/$m"
            assert_eq "$(cat "$r/mailbox.json")" "$(jq --arg m "$m" '.mailboxes[] | select(.id == $m)' <<<"$mb")" "mailbox.json of $m"
            assert_eq "$(cat "$r/usage.json")" "$(emu_get "/v1/tenants/$t/mailboxes/$m/usage" | jq .)" "usage.json of $m"
            assert_eq "$(cat "$r/daily_send_limit")" "$(jq -r --arg m "$m" '.mailboxes[] | select(.id == $m) | .daily_send_limit // "none"' <<<"$mb")" "daily_send_limit of $m"
            assert_eq "$(cat "$r/display_name")" "$(jq -r --arg m "$m" '.mailboxes[] | select(.id == $m) | .display_name' <<<"$mb")" "display_name of $m"
        done
    done
    assert_eq "$(cat "$MNT/.tenantcorefs/invalidate")" "" "invalidate reads empty"

    # Every file: a size equal to its length, one newline at the end of
    # text files, and valid JSON where the name says so.
    while IFS= read -r -d '' f; do
        files=$((files + 1))
        local size len
        size=$(stat -c %s "$f")
        len=$(wc -c <"$f")
        assert_eq "$size" "$len" "st_size of $f"
        case "$f" in
        *.json) jq . "$f" >/dev/null || fail "jq rejects $f" ;;
        esac
        if [[ $len -gt 0 && "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ]]; then
            fail "$f does not end with a newline"
        fi
    done < <(find "$MNT/tenants" "$MNT/health" -type f -print0)
    [[ $files -gt 100 ]] || fail "only $files files checked"
    echo "checked $files files"
}

emu_start --tenants 3 --domains 6 --mailboxes 2 --seed 3
mnt_start
check_fleet
mnt_stop
emu_stop

# Another server's choices: flat error bodies, nested policy shape, extra fields.
emu_start --tenants 3 --domains 6 --mailboxes 2 --seed 4 --error-shape flat --limits-shape nested --extra-fields
mnt_start
check_fleet
mnt_stop
echo "PASS: every file equals the API's data in both server dialects"
