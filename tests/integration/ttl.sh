#!/usr/bin/env bash
# Within the TTL reads are served from cache; once it passes, cat shows the
# full new content (never truncated or padded), sizes follow, and st_mtime
# moves exactly for the files whose bytes changed.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 2 --domains 4 --mailboxes 2 --seed 9
mnt_start -o ttl=2
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
m=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[0].id')
mb="$MNT/tenants/$t/mailboxes/$m"

old_name=$(cat "$mb/display_name")
old_json=$(cat "$mb/mailbox.json")
stat -c '%Y %s' "$mb/display_name" "$mb/daily_send_limit" "$mb/usage.json" >"$T/before"
sleep 1.1 # mtimes have a one-second grain

# Change the mailbox at tcemu: a much longer name, a new limit, new sends.
long="Renamed Mailbox With A Considerably Longer Display Name Than Before"
emu_call PATCH "/v1/tenants/$t/mailboxes/$m" "{\"display_name\": \"$long\", \"daily_send_limit\": 7}" >/dev/null
assert_eq "$EMU_STATUS" "200" "PATCH at tcemu"

# Within the TTL: the cached bytes.
assert_eq "$(cat "$mb/display_name")" "$old_name" "display_name within the TTL"

sleep 2.2
assert_eq "$(cat "$mb/display_name")" "$long" "display_name after the TTL"
assert_eq "$(cat "$mb/daily_send_limit")" "7" "daily_send_limit after the TTL"
assert_eq "$(cat "$mb/mailbox.json")" "$(emu_get "/v1/tenants/$t/mailboxes" | jq --arg m "$m" '.mailboxes[] | select(.id == $m)')" "mailbox.json after the TTL"
[[ "$(cat "$mb/mailbox.json")" != "$old_json" ]] || fail "mailbox.json did not change"
for f in display_name daily_send_limit mailbox.json usage.json; do
    assert_eq "$(stat -c %s "$mb/$f")" "$(wc -c <"$mb/$f")" "size of $f after the change"
done
# tar sees whole files, not the old size.
tar cf - -C "$MNT" "tenants/$t/mailboxes/$m" | tar xf - -C "$T"
cmp -s "$T/tenants/$t/mailboxes/$m/display_name" "$mb/display_name" || fail "tar copy of the renamed display_name differs"

# mtimes: moved for what changed, not for what did not (usage.json's bytes
# only change if the limit change alters remaining_sends).
read -r mt_name _ < <(stat -c '%Y %s' "$mb/display_name")
read -r old_mt_name _ < <(sed -n 1p "$T/before")
[[ $mt_name -gt $old_mt_name ]] || fail "display_name mtime did not move ($old_mt_name -> $mt_name)"
t2=$(emu_get /v1/tenants | jq -r '.tenants[1].tenant_id')
other="$MNT/tenants/$t2/name"
mt1=$(stat -c %Y "$other")
sleep 2.2
cat "$other" >/dev/null
assert_eq "$(stat -c %Y "$other")" "$mt1" "mtime of an unchanged file after a refresh"

mnt_stop
echo "PASS: TTL honoured; new content whole, sizes and mtimes follow"
