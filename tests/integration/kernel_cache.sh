#!/usr/bin/env bash
# The kernel's caches (SEMANTICS.md §7.5): a warm walk sends the daemon
# next to nothing, yet nothing the kernel keeps outlives the data behind
# it — a value changed in the API shows within ttl + 1 s through cat, stat
# and ls; a write shows at once to a second reader, in the file and in what
# is built from it; the inode table holds what the kernel holds and shrinks
# when the kernel forgets.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 3 --domains 4 --mailboxes 2 --seed 9
mnt_start -o ttl=3
stats() { jq -c "$1" "$MNT/.tenantcorefs/stats.json"; }
kreq() { stats '.kernel_requests'; }
# Requests of kind K sent between two snapshots of kernel_requests, less
# what reading stats.json for the second snapshot itself costs.
delta() { jq -n --argjson a "$1" --argjson b "$2" --argjson o "$OWN" --arg k "$3" '$b[$k] - $a[$k] - $o[$k]'; }
OWN='{}'
kreq >/dev/null # the first open and flush of the mount go once (ENOSYS), then never
OWN=$(a=$(kreq) && b=$(kreq) && jq -n --argjson a "$a" --argjson b "$b" '$b | with_entries(.value -= $a[.key])')

# ---- warm walks: round trips by kind ------------------------------------------------
grep -r missing "$MNT/tenants" >/dev/null || true # cold
grep -r missing "$MNT/tenants" >/dev/null || true # warm (reads left atimes to refresh)
dirs=$(find "$MNT/tenants" -type d | wc -l)
files=$(find "$MNT/tenants" -type f | wc -l)
k0=$(kreq)
grep -r missing "$MNT/tenants" >/dev/null || true
ls -lR "$MNT/tenants" >/dev/null
find "$MNT/tenants" -type f | wc -l >/dev/null
k1=$(kreq)
per_dir=0 per_file=0
for k in lookup getattr readdir readdirplus opendir readlink; do
    per_dir=$((per_dir + $(delta "$k0" "$k1" "$k")))
done
for k in open read flush; do
    per_file=$((per_file + $(delta "$k0" "$k1" "$k")))
done
echo "three warm walks of $dirs directories and $files files: $per_dir directory and entry requests, $per_file file requests ($k0 -> $k1)"
# At most one request a directory and 0.1 a file, per walk.
((per_dir <= 3 * dirs)) || fail "warm walks sent $per_dir lookup/getattr/readdir requests for $dirs directories"
((per_file * 10 <= 3 * files)) || fail "warm walks sent $per_file open/read/flush requests for $files files"

# ---- a value changed in the API shows within ttl + 1 s --------------------------------
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
m=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[0].id')
f="$MNT/tenants/$t/mailboxes/$m/daily_send_limit"
before=$(cat "$f")
stat -c %s "$f" >/dev/null
ls "$MNT/tenants/$t/domains" >/dev/null
# A different value, of another size (the file's size must change too).
case $before in none | 1? | 2?) new=9 ;; *) new=11 ;; esac
emu_set "{\"tenant_id\":\"$t\",\"mailbox_id\":\"$m\",\"set\":{\"daily_send_limit\":$new}}" >/dev/null
emu_fetch POST "/v1/tenants/$t/domains" '{"domain":"fresh.example.com"}'
assert_eq "$EMU_STATUS" "200" "adding a domain behind the mount's back"
changed_at=$(now_ms)
seen_cat="" seen_stat="" seen_ls=""
while [[ -z $seen_cat || -z $seen_stat || -z $seen_ls ]]; do
    now=$(now_ms)
    ((now - changed_at < 3000 + 1000 + 500)) || fail "not seen within ttl + 1 s: cat ${seen_cat:-no} stat ${seen_stat:-no} ls ${seen_ls:-no}"
    [[ -z $seen_cat && $(cat "$f") == "$new" ]] && seen_cat=$((now - changed_at))
    [[ -z $seen_stat && $(stat -c %s "$f") == "$((${#new} + 1))" ]] && seen_stat=$((now - changed_at))
    [[ -z $seen_ls ]] && ls "$MNT/tenants/$t/domains" | grep -qx fresh.example.com && seen_ls=$((now - changed_at))
    sleep 0.1
done
echo "a change in the API seen after: cat $seen_cat ms, stat $seen_stat ms, ls $seen_ls ms (ttl 3 s)"

# ---- a write shows at once to another reader -------------------------------------------
mnt_stop
mnt_start -o ttl=300
m2=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[1].id')
email=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[1].primary_smtp')
g="$MNT/tenants/$t/mailboxes/$m2/daily_send_limit"
h="$MNT/tenants/$t/mailboxes/$m/daily_send_limit" # another mailbox of the tenant
# A second reader has the file, mailbox.json and the sheet in the kernel's cache.
for _ in 1 2; do cat "$g" "$MNT/tenants/$t/mailboxes/$m2/mailbox.json" "$MNT/tenants/$t/mailboxes.csv" "$h" >/dev/null; done
k0=$(kreq)
cat "$g" >/dev/null
assert_eq "$(delta "$k0" "$(kreq)" read)" "0" "READs for a cached file"
for v in 3 17 4; do
    echo "$v" >"$g" # the writer
    # Other processes, right after write(2) returned, no sleep.
    assert_eq "$(cat "$g")" "$v" "daily_send_limit right after writing $v"
    assert_eq "$(stat -c %s "$g")" "$((${#v} + 1))" "its size right after writing $v"
    assert_eq "$(jq .daily_send_limit "$MNT/tenants/$t/mailboxes/$m2/mailbox.json")" "$v" "mailbox.json right after writing $v"
    assert_eq "$(awk -F, -v e="$email" '$1 == e {print $4}' "$MNT/tenants/$t/mailboxes.csv")" "$v" "mailboxes.csv right after writing $v"
done
# What a mailbox's write did not change stays in the kernel: another
# mailbox's file is read and stat'ed without a request.
k0=$(kreq)
cat "$h" >/dev/null
stat -c %s "$h" >/dev/null
k1=$(kreq)
assert_eq "$(delta "$k0" "$k1" getattr)" "0" "GETATTRs for another mailbox's file after three writes"
assert_eq "$(delta "$k0" "$k1" read)" "0" "READs for another mailbox's file after three writes"

# ---- the inode table: what the kernel holds --------------------------------------------
find "$MNT" >/dev/null 2>&1 || true
entries=$(find "$MNT" 2>/dev/null | wc -l)
held=$(stats '.inodes.held')
peak=$(stats '.inodes.peak')
echo "inodes after a walk of $entries entries: $held held, peak $peak"
((held <= entries + 1 && peak <= entries + 1)) || fail "the inode table ($held, peak $peak) holds more than the tree ($entries)"
((held * 2 >= entries)) || fail "the inode table holds $held of $entries entries after a walk"
sync
echo 2 >/proc/sys/vm/drop_caches # the kernel forgets its inodes and dentries
for _ in $(seq 50); do
    after=$(stats '.inodes.held')
    ((after * 4 < held)) && break
    sleep 0.1
done
echo "inodes after drop_caches: $after (of $held)"
((after * 4 < held)) || fail "the inode table did not shrink on FORGET: $after of $held"
# What was forgotten is looked up again, the same.
assert_eq "$(cat "$g")" "4" "a file read again after the kernel forgot it"
mnt_stop
echo "PASS: warm walks cost ~nothing, changes show within ttl + 1 s, writes at once, the inode table follows FORGET"
