#!/usr/bin/env bash
# `find` over the mount lists exactly the tree of SEMANTICS.md §3 for a fixture
# fleet: the expected tree is built from tcemu's API with curl and jq.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 4 --domains 5 --mailboxes 2 --seed 7
mnt_start

expected="$T/expected"
{
    echo "d ."
    echo "f ./health"
    echo "f ./enforcement.log"
    echo "f ./enforcement.jsonl"
    echo "f ./metrics.prom"
    echo "d ./tenants"
    echo "d ./by-name"
    echo "d ./.tenantcorefs"
    echo "f ./.tenantcorefs/stats.json"
    echo "f ./.tenantcorefs/errors"
    echo "f ./.tenantcorefs/metrics.prom"
    echo "f ./.tenantcorefs/invalidate"
    # by-name: tenant names, duplicates as "<name>~<first 8 of the GUID>"
    emu_get /v1/tenants | jq -r '
        .tenants | group_by(.tenant_name)[] |
        if length > 1 then .[] | "l ./by-name/\(.tenant_name)~\(.tenant_id[0:8])"
        else .[] | "l ./by-name/\(.tenant_name)" end'
    for t in $(emu_get /v1/tenants | jq -r '.tenants[].tenant_id'); do
        p="./tenants/$t"
        echo "d $p"
        for f in tenant.json name sync mailbox_limit health dns.zone mailboxes.csv \
            enforcement.log enforcement.jsonl; do
            echo "f $p/$f"
        done
        echo "d $p/domains"
        echo "d $p/mailboxes"
        mb=$(emu_get "/v1/tenants/$t/mailboxes")
        for d in $(emu_get "/v1/tenants/$t/domains" | jq -r '.domains[].domain_name'); do
            echo "d $p/domains/$d"
            for f in domain.json dns.json dkim_status dkim.json verify mailbox_limit provision dns.zone; do
                echo "f $p/domains/$d/$f"
            done
            echo "d $p/domains/$d/mailboxes"
            jq -r --arg d "$d" --arg p "$p" \
                '.mailboxes[] | select(.domain_name == $d) | "l \($p)/domains/\($d)/mailboxes/\(.primary_smtp)"' <<<"$mb"
        done
        for m in $(jq -r '.mailboxes[].id' <<<"$mb"); do
            echo "d $p/mailboxes/$m"
            for f in mailbox.json usage.json daily_send_limit display_name; do
                echo "f $p/mailboxes/$m/$f"
            done
        done
    done
} | sort >"$expected"

(cd "$MNT" && find . -printf '%y %p\n') | sort >"$T/actual"
if ! diff -u "$expected" "$T/actual" >"$T/diff"; then
    fail "find differs from the tree of SEMANTICS.md: $(head -40 "$T/diff")"
fi
n=$(wc -l <"$expected")
[[ $n -gt 100 ]] || fail "the fixture tree is suspiciously small ($n entries)"

# Modes: directories 0755, read-only files 0444, writable and action files 0644.
(cd "$MNT" && find . -printf '%m %y %p\n') >"$T/modes"
while read -r mode type path; do
    name=${path##*/}
    case "$type" in
    d) want=755 ;;
    l) want=777 ;;
    f) case "$name" in
        sync | provision | invalidate | mailbox_limit | dkim_status | verify | daily_send_limit | display_name) want=644 ;;
        *) want=444 ;;
        esac ;;
    esac
    assert_eq "$mode" "$want" "mode of $path"
done <"$T/modes"

# Links resolve to the right directories.
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
name=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_name')
link="$name"
[[ -e "$MNT/by-name/$link" ]] || link="$name~${t:0:8}"
assert_eq "$(readlink "$MNT/by-name/$link")" "../tenants/$t" "by-name link target"
assert_eq "$(cat "$MNT/by-name/$link/name")" "$name" "name read through the by-name link"
m=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[0] | "\(.domain_name) \(.primary_smtp) \(.id)"')
read -r d email id <<<"$m"
assert_eq "$(readlink "$MNT/tenants/$t/domains/$d/mailboxes/$email")" "../../../mailboxes/$id" "mailbox link target"
assert_eq "$(cat "$MNT/tenants/$t/domains/$d/mailboxes/$email/mailbox.json" | jq -r .id)" "$id" "mailbox read through its link"

# statfs: a name length limit of 255
assert_eq "$(stat -f -c %l "$MNT")" "255" "statfs name length limit"

mnt_stop
echo "PASS: find lists exactly the tree of SEMANTICS.md ($n entries), modes and links right"
