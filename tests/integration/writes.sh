#!/usr/bin/env bash
# The write path's happy paths (SEMANTICS.md §5): every writable node, written with
# the tools users use, checked three ways: the request tcemu received (the
# writes list: method, path, body), the state tcemu holds afterwards (its
# API), and what the mount shows right after the write (cat, stat, ls).
# Also the sysfs-style semantics: echo, printf, tee and cp all write a value;
# O_TRUNC, truncate(1) and touch cost no API call.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/write_helpers.bash"

# 11 domains (9 verified + 2 unverified, the first of which verifies), two
# mailboxes per verified domain: room for one more domain and for mailboxes.
emu_start --tenants 3 --domains 11 --mailboxes 2 --seed 3
# A long ttl: a read right after a write must show the new value because
# the write refreshed the cache, not because the old entry expired.
mnt_start -o ttl=300

tenants=$(emu_get /v1/tenants)
t0=$(jq -r '.tenants[0].tenant_id' <<<"$tenants") # tenant and domain policies
t1=$(jq -r '.tenants[1].tenant_id' <<<"$tenants") # bootstrap pending
t2=$(jq -r '.tenants[2].tenant_id' <<<"$tenants") # no policies
assert_eq "$(jq -r '.tenants[1].exchange_bootstrap_status' <<<"$tenants")" "pending" "fixture: tenant 1's bootstrap"
ls -R "$MNT/tenants" >/dev/null # the way users start: look around first
cases=0

# The one write request since N: exactly one, with this method, path, body.
expect_one_write() {
    local since=$1 method=$2 path=$3 body=$4 what=$5 got
    got=$(writes_since "$since")
    [[ $(grep -c . <<<"$got") -eq 1 ]] || fail "$what: expected exactly one write request, tcemu got: [$got]"
    assert_eq "$(jq -r .method <<<"$got")" "$method" "$what: method"
    assert_eq "$(jq -r .path <<<"$got")" "$path" "$what: path"
    assert_eq "$(jq -cS .body <<<"$got")" "$(jq -cS . <<<"$body")" "$what: body"
    assert_eq "$(jq -r .status <<<"$got")" "200" "$what: tcemu's status"
}

# What cat shows, and stat's size agrees with it.
read_back() {
    local f=$1 want=$2 what=$3
    assert_eq "$(cat "$f")" "$want" "$what: cat"
    assert_eq "$(stat -c %s "$f")" "$(wc -c <"$f")" "$what: stat size vs bytes read"
    assert_eq "$(wc -c <"$f")" "$((${#want} + 1))" "$what: one value and a newline"
}

# ---- daily_send_limit: echo, printf, tee, cp ------------------------------
mbs=$(emu_get "/v1/tenants/$t2/mailboxes")
m=$(jq -r '.mailboxes[0].id' <<<"$mbs")
f="$MNT/tenants/$t2/mailboxes/$m/daily_send_limit"
api="/v1/tenants/$t2/mailboxes/$m"
api_limit() { emu_get "/v1/tenants/$1/mailboxes" | jq -r --arg m "$2" '.mailboxes[] | select(.id == $m) | .daily_send_limit'; }

cat "$f" >/dev/null
n=$(writes_len)
sh_write 20 "$f"
assert_eq "$RC/$ERR" "0/" "echo 20 > daily_send_limit: exit status/stderr"
expect_one_write "$n" PATCH "$api" '{"daily_send_limit": 20}' "echo 20 > daily_send_limit"
assert_eq "$(api_limit "$t2" "$m")" "20" "daily_send_limit at tcemu after echo"
read_back "$f" 20 "daily_send_limit after echo"
cases=$((cases + 1))

n=$(writes_len)
sh_run 'printf 21 > "$1"' "$f"
assert_eq "$RC/$ERR" "0/" "printf 21 > daily_send_limit"
expect_one_write "$n" PATCH "$api" '{"daily_send_limit": 21}' "printf 21 > daily_send_limit"
assert_eq "$(api_limit "$t2" "$m")" "21" "daily_send_limit at tcemu after printf"
read_back "$f" 21 "daily_send_limit after printf"
cases=$((cases + 1))

n=$(writes_len)
sh_run 'echo 22 | tee "$1"' "$f"
assert_eq "$RC/$OUT/$ERR" "0/22/" "echo 22 | tee daily_send_limit"
expect_one_write "$n" PATCH "$api" '{"daily_send_limit": 22}' "echo 22 | tee daily_send_limit"
read_back "$f" 22 "daily_send_limit after tee"
cases=$((cases + 1))

printf '23\n' >"$T/value"
n=$(writes_len)
run_cmd cp "$T/value" "$f"
assert_eq "$RC/$ERR" "0/" "cp valuefile daily_send_limit"
expect_one_write "$n" PATCH "$api" '{"daily_send_limit": 23}' "cp valuefile daily_send_limit"
assert_eq "$(api_limit "$t2" "$m")" "23" "daily_send_limit at tcemu after cp"
read_back "$f" 23 "daily_send_limit after cp"
cases=$((cases + 1))

# The offset means nothing: >> (O_APPEND), dd with seek, and one fd written
# twice (each write(2) is one whole value, one request).
n=$(writes_len)
sh_run 'echo 5 >> "$1"' "$f"
assert_eq "$RC/$ERR" "0/" "echo 5 >> daily_send_limit"
expect_one_write "$n" PATCH "$api" '{"daily_send_limit": 5}' "echo 5 >> daily_send_limit"
read_back "$f" 5 "daily_send_limit after >>"
n=$(writes_len)
sh_run 'printf 9 | dd of="$1" bs=1 seek=5 conv=notrunc status=none' "$f"
assert_eq "$RC/$ERR" "0/" "printf 9 | dd seek=5 of=daily_send_limit"
expect_one_write "$n" PATCH "$api" '{"daily_send_limit": 9}' "dd seek=5"
read_back "$f" 9 "daily_send_limit after dd"
n=$(writes_len)
sh_run 'exec 3>"$1"; echo 10 >&3; echo 11 >&3; exec 3>&-' "$f"
assert_eq "$RC/$ERR" "0/" "two echos to one open fd"
assert_eq "$(writes_since "$n" | jq -c .body | tr '\n' ' ')" '{"daily_send_limit":10} {"daily_send_limit":11} ' "two writes to one fd: two PATCHes"
read_back "$f" 11 "daily_send_limit after two writes to one fd"
cases=$((cases + 3))

# Surrounding whitespace is allowed (SEMANTICS.md §5), and so are leading zeros.
n=$(writes_len)
printf ' \t7\r\n' | raw_write "$f" >"$T/out"
assert_eq "$(<"$T/out")" "OK 5" "write(2) of ' \\t7\\r\\n'"
expect_one_write "$n" PATCH "$api" '{"daily_send_limit": 7}' "' \\t7\\r\\n' > daily_send_limit"
read_back "$f" 7 "daily_send_limit after a padded value"
n=$(writes_len)
sh_write 025 "$f"
assert_eq "$RC/$ERR" "0/" "echo 025 > daily_send_limit"
expect_one_write "$n" PATCH "$api" '{"daily_send_limit": 25}' "echo 025 > daily_send_limit"
read_back "$f" 25 "daily_send_limit after 025"
cases=$((cases + 2))

# The views built from the mailboxes list show it too.
assert_eq "$(jq -r .daily_send_limit "$MNT/tenants/$t2/mailboxes/$m/mailbox.json")" "25" "mailbox.json after the write"
assert_eq "$(jq -r .daily_send_limit "$MNT/tenants/$t2/mailboxes/$m/usage.json")" "25" "usage.json after the write"
email=$(jq -r '.mailboxes[0].primary_smtp' <<<"$mbs")
grep -q "^$email,.*,25," "$MNT/tenants/$t2/mailboxes.csv" ||
    fail "mailboxes.csv does not show the new limit 25 for $email: $(grep "^$email," "$MNT/tenants/$t2/mailboxes.csv")"

# ---- O_TRUNC, truncate, touch: success without any API call --------------
emu_settle
total=$(emu_total)
n=$(writes_len)
sh_run ': > "$1"' "$f"
assert_eq "$RC/$ERR" "0/" ": > daily_send_limit (open O_TRUNC, no write)"
assert_eq "$(errno_of open_trunc "$f")" "OK" "open(O_WRONLY|O_TRUNC)"
run_cmd truncate -s 0 "$f"
assert_eq "$RC/$ERR" "0/" "truncate -s 0 daily_send_limit"
run_cmd truncate -s 100 "$f"
assert_eq "$RC/$ERR" "0/" "truncate -s 100 daily_send_limit"
assert_eq "$(errno_of truncate "$f")" "OK" "truncate(2)"
run_cmd touch "$f"
assert_eq "$RC/$ERR" "0/" "touch daily_send_limit"
run_cmd touch -d 2020-01-01 "$MNT/tenants/$t2/sync"
assert_eq "$RC/$ERR" "0/" "touch -d sync"
assert_eq "$(emu_total)" "$total" "API requests made by O_TRUNC, truncate and touch"
assert_eq "$(writes_len)" "$n" "write requests made by O_TRUNC, truncate and touch"
# Truncation changed nothing: the value is still there, whole.
read_back "$f" 25 "daily_send_limit after truncate"
cases=$((cases + 7))

# ---- display_name -------------------------------------------------------
fd="$MNT/tenants/$t2/mailboxes/$m/display_name"
for name in "Ada Lovelace" "Zoë Ñandú 名前 🚀" "O'Brien, \"Pat\" & Co"; do
    n=$(writes_len)
    sh_write "$name" "$fd"
    assert_eq "$RC/$ERR" "0/" "echo '$name' > display_name"
    body=$(jq -n --arg n "$name" '{display_name: $n}')
    expect_one_write "$n" PATCH "$api" "$body" "echo '$name' > display_name"
    assert_eq "$(emu_get "/v1/tenants/$t2/mailboxes" | jq -r --arg m "$m" '.mailboxes[] | select(.id == $m) | .display_name')" \
        "$name" "display_name at tcemu"
    assert_eq "$(cat "$fd")" "$name" "display_name read back"
    assert_eq "$(stat -c %s "$fd")" "$(wc -c <"$fd")" "display_name: stat size vs bytes read"
    assert_eq "$(jq -r .display_name "$MNT/tenants/$t2/mailboxes/$m/mailbox.json")" "$name" "mailbox.json display_name"
    cases=$((cases + 1))
done
# Without the trailing newline (printf) the name is the same.
n=$(writes_len)
sh_run 'printf "%s" "Grace Hopper" > "$1"' "$fd"
assert_eq "$RC/$ERR" "0/" "printf 'Grace Hopper' > display_name"
expect_one_write "$n" PATCH "$api" '{"display_name": "Grace Hopper"}' "printf > display_name"
assert_eq "$(cat "$fd")" "Grace Hopper" "display_name after printf"
cases=$((cases + 1))

# ---- tenant mailbox_limit: a policy for every mailbox of the tenant ------
fl="$MNT/tenants/$t2/mailbox_limit"
assert_eq "$(cat "$fl")" "none" "tenant 2's mailbox_limit before any policy"
n=$(writes_len)
sh_write 9 "$fl"
assert_eq "$RC/$ERR" "0/" "echo 9 > tenant mailbox_limit"
expect_one_write "$n" POST "/v1/tenants/$t2/mailbox-limits" '{"daily_send_limit": 9}' "tenant mailbox_limit"
assert_eq "$(emu_get "/v1/tenants/$t2/mailbox-limits" | jq -r '.daily_send_limit // .policy.daily_send_limit')" "9" \
    "tenant policy at tcemu"
read_back "$fl" 9 "tenant mailbox_limit after the write"
# The policy applies to every mailbox: tcemu's and the mount's values agree.
assert_eq "$(emu_get "/v1/tenants/$t2/mailboxes" | jq -c '[.mailboxes[].daily_send_limit] | unique')" "[9]" \
    "every mailbox's limit at tcemu after the tenant policy"
for id in $(emu_get "/v1/tenants/$t2/mailboxes" | jq -r '.mailboxes[].id'); do
    assert_eq "$(cat "$MNT/tenants/$t2/mailboxes/$id/daily_send_limit")" "9" "daily_send_limit of $id after the tenant policy"
done
cases=$((cases + 1))

# Tenant 0 has a policy (20): overwriting it.
n=$(writes_len)
assert_eq "$(cat "$MNT/tenants/$t0/mailbox_limit")" "20" "tenant 0's mailbox_limit (fixture)"
sh_write 13 "$MNT/tenants/$t0/mailbox_limit"
assert_eq "$RC/$ERR" "0/" "echo 13 > tenant 0's mailbox_limit"
expect_one_write "$n" POST "/v1/tenants/$t0/mailbox-limits" '{"daily_send_limit": 13}' "tenant 0 mailbox_limit"
read_back "$MNT/tenants/$t0/mailbox_limit" 13 "tenant 0's mailbox_limit after the write"
cases=$((cases + 1))

# ---- domain mailbox_limit: only that domain's mailboxes -------------------
domains=$(emu_get "/v1/tenants/$t2/domains")
d=$(jq -r '[.domains[] | select(.is_verified)][1].domain_name' <<<"$domains")
fdl="$MNT/tenants/$t2/domains/$d/mailbox_limit"
assert_eq "$(cat "$fdl")" "none" "domain mailbox_limit before any domain policy"
n=$(writes_len)
sh_write 4 "$fdl"
assert_eq "$RC/$ERR" "0/" "echo 4 > domain mailbox_limit"
expect_one_write "$n" POST "/v1/tenants/$t2/mailbox-limits" "{\"daily_send_limit\": 4, \"domain_scope\": \"$d\"}" "domain mailbox_limit"
assert_eq "$(emu_get "/v1/tenants/$t2/mailbox-limits?domain_scope=$d" | jq -r '.daily_send_limit // .policy.daily_send_limit')" "4" \
    "domain policy at tcemu"
read_back "$fdl" 4 "domain mailbox_limit after the write"
read_back "$fl" 9 "tenant mailbox_limit after a domain policy"
mbs=$(emu_get "/v1/tenants/$t2/mailboxes")
for id in $(jq -r '.mailboxes[].id' <<<"$mbs"); do
    want=$(jq -r --arg d "$d" --arg m "$id" '.mailboxes[] | select(.id == $m) | if .domain_name == $d then 4 else 9 end' <<<"$mbs")
    assert_eq "$(jq -r --arg m "$id" '.mailboxes[] | select(.id == $m) | .daily_send_limit' <<<"$mbs")" "$want" "tcemu's limit of $id"
    assert_eq "$(cat "$MNT/tenants/$t2/mailboxes/$id/daily_send_limit")" "$want" "daily_send_limit of $id after the domain policy"
done
# mailboxes.csv's enforced_limit: the domain policy, else the tenant policy.
assert_eq "$(awk -F, -v d="$d" 'NR > 1 {print ($3 == d) == ($5 == 4) && ($3 == d || $5 == 9)}' "$MNT/tenants/$t2/mailboxes.csv" | sort -u)" "1" \
    "mailboxes.csv enforced_limit after both policies: $(cat "$MNT/tenants/$t2/mailboxes.csv")"
cases=$((cases + 1))

# ---- verify: an unverified domain that verifies -----------------------------
dv=$(jq -r '[.domains[] | select(.is_verified | not)][0].domain_name' <<<"$domains")
fv="$MNT/tenants/$t2/domains/$dv/verify"
assert_eq "$(cat "$fv")" "unverified" "verify before"
assert_eq "$(jq -r .is_verified "$MNT/tenants/$t2/domains/$dv/domain.json")" "false" "domain.json before verify"
n=$(writes_len)
sh_write 1 "$fv"
assert_eq "$RC/$ERR" "0/" "echo 1 > verify"
expect_one_write "$n" POST "/v1/tenants/$t2/domains/$dv/verify" 'null' "verify"
assert_eq "$(emu_get "/v1/tenants/$t2/domains" | jq -r --arg d "$dv" '.domains[] | select(.domain_name == $d) | .is_verified')" \
    "true" "is_verified at tcemu"
read_back "$fv" verified "verify after the write"
assert_eq "$(jq -r .is_verified "$MNT/tenants/$t2/domains/$dv/domain.json")" "true" "domain.json after verify"
assert_eq "$(jq -r .is_verified "$MNT/tenants/$t2/domains/$dv/dns.json")" "true" "dns.json after verify"
assert_eq "$(awk -v d="$dv" '$1 == d {print $2}' "$MNT/tenants/$t2/health")" "verified" "the tenant's health row after verify"
assert_eq "$(awk -v d="$dv" '$2 == d {print $3}' "$MNT/health")" "verified" "the fleet health row after verify"
cases=$((cases + 1))

# ---- dkim_status: write "enabled" -------------------------------------------
fk="$MNT/tenants/$t2/domains/$dv/dkim_status"
assert_eq "$(emu_get "/v1/tenants/$t2/domains/$dv/dkim-status" | jq -r .ready_to_enable)" "true" "tcemu: DKIM ready after verify"
assert_eq "$(cat "$fk")" "ready" "dkim_status before enabling"
n=$(writes_len)
sh_write enabled "$fk"
assert_eq "$RC/$ERR" "0/" "echo enabled > dkim_status"
expect_one_write "$n" POST "/v1/tenants/$t2/domains/$dv/enable-dkim" 'null' "enable DKIM"
assert_eq "$(emu_get "/v1/tenants/$t2/domains/$dv/dkim-status" | jq -r .dkim_status)" "enabled" "dkim-status at tcemu"
read_back "$fk" enabled "dkim_status after the write"
assert_eq "$(jq -r .dkim_status "$MNT/tenants/$t2/domains/$dv/dkim.json")" "enabled" "dkim.json after enabling"
assert_eq "$(awk -v d="$dv" '$1 == d {print $4}' "$MNT/tenants/$t2/health")" \
    "$(emu_get "/v1/tenants/$t2/domains" | jq -r --arg d "$dv" '.domains[] | select(.domain_name == $d) | .dkim_status')" \
    "the tenant's health DKIM column after enabling (as the domains list says)"
cases=$((cases + 1))

# ---- sync: tenant 1's pending bootstrap becomes ready -----------------------
tp="$MNT/tenants/$t1"
[[ ! -e "$tp/last_sync.json" ]] || fail "last_sync.json exists before any sync"
ls "$tp" | grep -qx last_sync.json && fail "ls shows last_sync.json before any sync"
assert_eq "$(jq -r .exchange_bootstrap_status "$tp/tenant.json")" "pending" "tenant.json before sync"
assert_eq "$(wc -c <"$tp/sync")" "0" "sync reads as empty"
n=$(writes_len)
sh_write 1 "$tp/sync"
assert_eq "$RC/$ERR" "0/" "echo 1 > sync"
expect_one_write "$n" POST "/v1/tenants/$t1/sync" 'null' "sync"
assert_eq "$(emu_get "/v1/tenants/$t1" | jq -r .exchange_bootstrap_status)" "ready" "bootstrap at tcemu after sync"
[[ -f "$tp/last_sync.json" ]] || fail "last_sync.json missing after the sync"
ls "$tp" | grep -qx last_sync.json || fail "ls does not show last_sync.json after the sync"
jq -e . "$tp/last_sync.json" >/dev/null || fail "last_sync.json is not JSON: $(cat "$tp/last_sync.json")"
assert_eq "$(jq -r '[.status, .tenant_id, .bootstrap.status] | join(" ")' "$tp/last_sync.json")" "completed $t1 ready" \
    "last_sync.json's status, tenant_id, bootstrap.status"
assert_eq "$(stat -c %s "$tp/last_sync.json")" "$(wc -c <"$tp/last_sync.json")" "last_sync.json: stat size"
assert_eq "$(jq -r .exchange_bootstrap_status "$tp/tenant.json")" "ready" "tenant.json after sync"
# Now enforcement is possible on tenant 1.
n=$(writes_len)
sh_write 11 "$tp/mailbox_limit"
assert_eq "$RC/$ERR" "0/" "echo 11 > tenant 1's mailbox_limit after the sync"
expect_one_write "$n" POST "/v1/tenants/$t1/mailbox-limits" '{"daily_send_limit": 11}' "tenant 1 mailbox_limit after sync"
read_back "$tp/mailbox_limit" 11 "tenant 1's mailbox_limit after the sync"
cases=$((cases + 2))

# last_sync.json is the API's answer, byte for byte as jq pretty-prints it:
# answer a second sync with a body of our own.
answer='{"status":"completed","run_id":"sync_test_42","tenant_id":"'$t1'","bootstrap":{"status":"ready","message":"Exchange bootstrap already ready","skipped":true},"smtp_auth":{"status":"ready","message":"SMTP AUTH already ready","skipped":true},"result":{"status":"success","tenant_name":"Ünïcode \"Corp\"","default_domain":"x.example","domain_count":11,"user_mailbox_count":18,"mailbox_error":null}}'
emu_override "$(jq -n --arg p "/v1/tenants/$t1/sync" --arg b "$answer" \
    '{method: "POST", path: $p, status: 200, body: $b, content_type: "application/json", times: 1}')" >/dev/null
printf x >"$T/x"
run_cmd cp "$T/x" "$tp/sync"
assert_eq "$RC/$ERR" "0/" "cp x sync"
jq . <<<"$answer" >"$T/answer.json"
cmp -s "$T/answer.json" "$tp/last_sync.json" ||
    fail "last_sync.json is not the API's answer as jq prints it: $(diff "$T/answer.json" "$tp/last_sync.json" | head -20)"
cases=$((cases + 1))

# ---- provision: a mailbox on a verified domain with room ----------------------
dp=$(jq -r '[.domains[] | select(.is_verified)][0].domain_name' <<<"$domains")
fp="$MNT/tenants/$t2/domains/$dp/provision"
[[ ! -e "$MNT/tenants/$t2/domains/$dp/last_provision.json" ]] || fail "last_provision.json before any provisioning"
assert_eq "$(wc -c <"$fp")" "0" "provision reads as empty"
req='{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "Sales Outreach", "email": "sales@'$dp'"}]}'
n=$(writes_len)
sh_write "$req" "$fp"
assert_eq "$RC/$ERR" "0/" "echo JSON > provision"
expect_one_write "$n" POST "/v1/tenants/$t2/mailboxes" \
    "{\"domain\": \"$dp\", \"account_password\": \"Sup3r\$ecret!\", \"mailboxes\": [{\"name\": \"Sales Outreach\", \"email\": \"sales@$dp\"}]}" \
    "provision"
# The body starts with the domain, filled in from the path.
assert_eq "$(writes_since "$n" | jq -r '.body | keys_unsorted[0]')" "domain" "provision body's first member"
new=$(emu_get "/v1/tenants/$t2/mailboxes" | jq -r --arg e "sales@$dp" '.mailboxes[] | select(.primary_smtp == $e) | .id')
[[ -n "$new" ]] || fail "tcemu has no mailbox sales@$dp after provisioning"
lp="$MNT/tenants/$t2/domains/$dp/last_provision.json"
[[ -f "$lp" ]] || fail "last_provision.json missing after provisioning"
assert_eq "$(jq -c '[.created_count, .exists_count, .failed_count, .results[0].status, .results[0].email]' "$lp")" \
    "[1,0,0,\"created\",\"sales@$dp\"]" "last_provision.json"
assert_eq "$(stat -c %s "$lp")" "$(wc -c <"$lp")" "last_provision.json: stat size"
ls "$MNT/tenants/$t2/mailboxes" | grep -qx "$new" || fail "mailboxes/ does not list the new mailbox $new"
ls "$MNT/tenants/$t2/domains/$dp/mailboxes" | grep -qx "sales@$dp" || fail "domains/$dp/mailboxes/ does not list sales@$dp"
assert_eq "$(readlink "$MNT/tenants/$t2/domains/$dp/mailboxes/sales@$dp")" "../../../mailboxes/$new" "link to the new mailbox"
assert_eq "$(cat "$MNT/tenants/$t2/mailboxes/$new/display_name")" "Sales Outreach" "new mailbox's display_name"
assert_eq "$(cat "$MNT/tenants/$t2/mailboxes/$new/daily_send_limit")" "none" "new mailbox's daily_send_limit"
cases=$((cases + 1))

# Three at once on the freshly verified domain (no mailboxes yet), from a file.
jq -n --arg d "$dv" '{account_password: "An0ther#Pass", mailboxes: [
    {name: "Ann One", email: "ann@\($d)"}, {name: "Bob Two", email: "bob@\($d)"},
    {name: "Cy Three", email: "cy@\($d)"}]}' >"$T/prov.json"
n=$(writes_len)
run_cmd cp "$T/prov.json" "$MNT/tenants/$t2/domains/$dv/provision"
assert_eq "$RC/$ERR" "0/" "cp prov.json provision"
expect_one_write "$n" POST "/v1/tenants/$t2/mailboxes" "$(jq --arg d "$dv" '{domain: $d} + .' "$T/prov.json")" "provision of three"
assert_eq "$(ls "$MNT/tenants/$t2/domains/$dv/mailboxes" | tr '\n' ' ')" "ann@$dv bob@$dv cy@$dv " "domains/$dv/mailboxes/ after provisioning three"
assert_eq "$(jq -r .created_count "$MNT/tenants/$t2/domains/$dv/last_provision.json")" "3" "created_count of three"
assert_eq "$(ls "$MNT/tenants/$t2/mailboxes" | wc -l)" "$(emu_get "/v1/tenants/$t2/mailboxes" | jq '.mailboxes | length')" \
    "mailboxes/ lists as many as tcemu has"
cases=$((cases + 1))

# ---- mkdir tenants/<t>/domains/<name> --------------------------------------------
new_domain="outreach-$RANDOM.example.com"
n=$(writes_len)
run_cmd mkdir "$MNT/tenants/$t2/domains/$new_domain"
assert_eq "$RC/$ERR" "0/" "mkdir domains/$new_domain"
# It exists the moment mkdir returns.
[[ -d "$MNT/tenants/$t2/domains/$new_domain" ]] || fail "domains/$new_domain is not a directory right after mkdir"
expect_one_write "$n" POST "/v1/tenants/$t2/domains" "{\"domain\": \"$new_domain\"}" "mkdir domain"
emu_get "/v1/tenants/$t2/domains" | jq -e --arg d "$new_domain" 'any(.domains[]; .domain_name == $d)' >/dev/null ||
    fail "tcemu does not list $new_domain after mkdir"
ls "$MNT/tenants/$t2/domains" | grep -qx "$new_domain" || fail "ls domains/ does not show $new_domain"
assert_eq "$(cat "$MNT/tenants/$t2/domains/$new_domain/verify")" "unverified" "new domain's verify"
assert_eq "$(jq -r .domain_name "$MNT/tenants/$t2/domains/$new_domain/domain.json")" "$new_domain" "new domain's domain.json"
assert_eq "$(jq -r .domain_count "$MNT/tenants/$t2/tenant.json")" "12" "tenant.json domain_count after mkdir"
# `mkdir -p` of an existing domain is a no-op: no request.
n=$(writes_len)
run_cmd mkdir -p "$MNT/tenants/$t2/domains/$new_domain"
assert_eq "$RC/$ERR" "0/" "mkdir -p of an existing domain"
assert_eq "$(writes_len)" "$n" "write requests of mkdir -p on an existing domain"
cases=$((cases + 2))

# ---- .tenantcorefs/invalidate -------------------------------------------------------
# A change made behind the mount's back shows after invalidate, within ttl.
emu_set "{\"tenant_id\": \"$t2\", \"mailbox_id\": \"$m\", \"set\": {\"display_name\": \"Changed Elsewhere\"}}" >/dev/null
assert_eq "$(cat "$fd")" "Grace Hopper" "display_name from the cache (ttl 300)"
n=$(writes_len)
sh_write 1 "$MNT/.tenantcorefs/invalidate"
assert_eq "$RC/$ERR" "0/" "echo 1 > .tenantcorefs/invalidate"
assert_eq "$(writes_len)" "$n" "write requests of invalidate"
assert_eq "$(cat "$fd")" "Changed Elsewhere" "display_name after invalidate"
cases=$((cases + 1))

# Nothing above failed: the errors file is empty.
assert_eq "$(err_lines)" "0" "lines in .tenantcorefs/errors after only successful writes: $(cat "$MNT/.tenantcorefs/errors")"

mnt_stop

# ---- mkdir whose POST outlasts the ttl ----------------------------------------------
# mkdir is a long action (action_timeout): when the add-domain answer comes
# after the cached domains list expired, the new directory still shows at
# once, and beside the others, not alone.
mnt_start -o ttl=5
ndom=$(emu_get "/v1/tenants/$t0/domains" | jq '.domains | length')
assert_eq "$(ls "$MNT/tenants/$t0/domains" | wc -l)" "$ndom" "tenant 0's domains before a slow mkdir"
slow="slow-answer.example.com"
answer='{"status":"success","tenant_id":"'$t0'","domain":{"domain_name":"'$slow'","is_default":false,"is_verified":false},"live_dns_status":{"spf_status":"missing","dkim_status":"missing","dmarc_status":"missing","mx_status":"missing"}}'
# The answer dripped over about 6 s, longer than the ttl (tcemu does not
# apply an overridden request).
emu_override "$(jq -n --arg p "/v1/tenants/$t0/domains" --arg b "$answer" \
    '{method: "POST", path: $p, status: 200, body: $b, content_type: "application/json", times: 1,
      stall: "drip", drip_interval_ms: (6000 / ($b | length) | ceil)}')" >/dev/null
pushd "$MNT/tenants/$t0/domains" >/dev/null
start=$SECONDS
run_cmd mkdir "$slow"
assert_eq "$RC/$ERR" "0/" "mkdir with an answer slower than the ttl"
((SECONDS - start >= 5)) || fail "the dripped answer came in under the ttl ($((SECONDS - start)) s): the case tests nothing"
[[ -d "$slow" ]] || fail "$slow is not a directory right after mkdir"
assert_eq "$(ls | wc -l)" "$((ndom + 1))" "entries of domains/ right after a slow mkdir ($(ls | tr '\n' ' '))"
popd >/dev/null
cases=$((cases + 1))
mnt_stop
echo "PASS: $cases write cases (echo, printf, tee, cp; truncate/O_TRUNC/touch; every writable node)"
