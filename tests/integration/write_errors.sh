#!/usr/bin/env bash
# Every documented write error (SEMANTICS.md §5, §6) as a user meets it: the exit
# status and message of the tool, the exact errno (one syscall made through
# python3), the line in .tenantcorefs/errors (time, op, path, errno name,
# HTTP status, API code, message), the request tcemu received, and that the
# tree shows the state tcemu holds afterwards.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/write_helpers.bash"

# 11 domains: tenant 2 has room for one more. 3 mailboxes per verified
# domain: every verified domain is full.
emu_start --tenants 3 --domains 11 --mailboxes 3 --seed 5
mnt_start -o ttl=300

tenants=$(emu_get /v1/tenants)
t0=$(jq -r '.tenants[0].tenant_id' <<<"$tenants")
t1=$(jq -r '.tenants[1].tenant_id' <<<"$tenants") # bootstrap pending
t2=$(jq -r '.tenants[2].tenant_id' <<<"$tenants")
ls -R "$MNT/tenants" >/dev/null
cases=0

# check_api_error DESC SINCE_ERR SINCE_WRITES OP REL ERRNO STATUS CODE METHOD APIPATH
# After one failed operation: exactly one new errors line with these fields
# and exactly one new request, answered STATUS.
check_api_error() {
    local desc=$1 se=$2 sw=$3 op=$4 rel=$5 errno=$6 status=$7 code=$8 method=$9 apipath=${10} lines got
    lines=$(err_since "$se")
    [[ $(grep -c . <<<"$lines") -eq 1 ]] || fail "$desc: expected one new line in .tenantcorefs/errors, got: [$lines]"
    assert_errline "$lines" "$op" "$rel" "$errno" "$status" "$code"
    got=$(writes_since "$sw")
    [[ $(grep -c . <<<"$got") -eq 1 ]] || fail "$desc: expected exactly one request at tcemu, got: [$got]"
    assert_eq "$(jq -r '"\(.method) \(.path) \(.status)"' <<<"$got")" "$method $apipath $status" "$desc: the request tcemu got"
}

# A failing write through bash's echo, then the same through one write(2).
# write_error DESC VALUE REL ERRNO MESSAGE STATUS CODE METHOD APIPATH
write_error() {
    local desc=$1 value=$2 rel=$3 errno=$4 msg=$5 status=$6 code=$7 method=$8 apipath=$9 se sw
    se=$(err_lines)
    sw=$(writes_len)
    sh_write "$value" "$MNT$rel"
    assert_eq "$RC" "1" "$desc: exit status of echo"
    assert_match "$ERR" "echo: write error: $msg\$" "$desc: what bash prints"
    check_api_error "$desc (echo)" "$se" "$sw" write "$rel" "$errno" "$status" "$code" "$method" "$apipath"
    se=$(err_lines)
    sw=$(writes_len)
    assert_eq "$(printf '%s\n' "$value" | raw_write "$MNT$rel")" "$errno" "$desc: errno of write(2)"
    check_api_error "$desc (write(2))" "$se" "$sw" write "$rel" "$errno" "$status" "$code" "$method" "$apipath"
    cases=$((cases + 1))
}

# ---- EDQUOT: a 4th mailbox on a full domain --------------------------------
d0=$(emu_get "/v1/tenants/$t0/domains" | jq -r '[.domains[] | select(.is_verified)][0].domain_name')
assert_eq "$(ls "$MNT/tenants/$t0/domains/$d0/mailboxes" | wc -l)" "3" "fixture: $d0 has 3 mailboxes"
req='{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "Four Th", "email": "four@'$d0'"}]}'
write_error "provision a 4th mailbox" "$req" "/tenants/$t0/domains/$d0/provision" EDQUOT "Disk quota exceeded" \
    400 mailbox_limit_reached POST "/v1/tenants/$t0/mailboxes"
assert_eq "$(ls "$MNT/tenants/$t0/domains/$d0/mailboxes" | wc -l)" "3" "mailboxes of $d0 after the refused provisioning"
[[ ! -e "$MNT/tenants/$t0/domains/$d0/last_provision.json" ]] || fail "last_provision.json after a refused provisioning"

# ---- EAGAIN: verification fails; DKIM not ready -------------------------------
unverified=$(emu_get "/v1/tenants/$t0/domains" | jq -r '[.domains[] | select(.is_verified | not) | .domain_name] | join(" ")')
read -r du dfail <<<"$unverified"
[[ -n "$du" && -n "$dfail" ]] || fail "fixture: tenant 0 should have two unverified domains, has [$unverified]"
write_error "verify a domain whose DNS is not there" 1 "/tenants/$t0/domains/$dfail/verify" EAGAIN \
    "Resource temporarily unavailable" 400 verification_failed POST "/v1/tenants/$t0/domains/$dfail/verify"
assert_eq "$(cat "$MNT/tenants/$t0/domains/$dfail/verify")" "unverified" "verify after a failed verification"
write_error "enable DKIM on an unverified domain" enabled "/tenants/$t0/domains/$du/dkim_status" EAGAIN \
    "Resource temporarily unavailable" 400 dkim_not_ready POST "/v1/tenants/$t0/domains/$du/enable-dkim"
assert_eq "$(cat "$MNT/tenants/$t0/domains/$du/dkim_status")" "pending" "dkim_status after a refused enable"
dpart=$(emu_get "/v1/tenants/$t0/domains" | jq -r '.domains[] | select(.dkim_status == "partial") | .domain_name' | head -1)
[[ -n "$dpart" ]] || fail "fixture: no domain with partial DKIM"
write_error "enable DKIM before its CNAMEs propagated" enabled "/tenants/$t0/domains/$dpart/dkim_status" EAGAIN \
    "Resource temporarily unavailable" 400 dkim_not_ready POST "/v1/tenants/$t0/domains/$dpart/enable-dkim"

# ---- EBUSY: enforcement and provisioning before the bootstrap is ready -------
write_error "tenant mailbox_limit, bootstrap pending" 10 "/tenants/$t1/mailbox_limit" EBUSY \
    "Device or resource busy" 409 exchange_bootstrap_not_ready POST "/v1/tenants/$t1/mailbox-limits"
assert_eq "$(cat "$MNT/tenants/$t1/mailbox_limit")" "none" "mailbox_limit after EBUSY"
d1=$(emu_get "/v1/tenants/$t1/domains" | jq -r '.domains[0].domain_name')
write_error "domain mailbox_limit, bootstrap pending" 10 "/tenants/$t1/domains/$d1/mailbox_limit" EBUSY \
    "Device or resource busy" 409 exchange_bootstrap_not_ready POST "/v1/tenants/$t1/mailbox-limits"
# (tcemu checks the bootstrap before the mailbox count)
d1v=$(emu_get "/v1/tenants/$t1/domains" | jq -r '[.domains[] | select(.is_verified | not)][0].domain_name')
emu_set "{\"tenant_id\": \"$t1\", \"domain_name\": \"$d1v\", \"set\": {\"is_verified\": true}}" >/dev/null
req='{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "Early Bird", "email": "early@'$d1v'"}]}'
write_error "provision, bootstrap pending" "$req" "/tenants/$t1/domains/$d1v/provision" EBUSY \
    "Device or resource busy" 409 exchange_bootstrap_not_ready POST "/v1/tenants/$t1/mailboxes"

# ---- EIO: provisioning answered with failed_count > 0 -------------------------
# Verify du (it verifies), then make Exchange reject its mailboxes.
sh_write 1 "$MNT/tenants/$t0/domains/$du/verify"
assert_eq "$RC/$ERR" "0/" "verify $du"
emu_set "{\"tenant_id\": \"$t0\", \"domain_name\": \"$du\", \"set\": {\"provision_fails\": true}}" >/dev/null
rel="/tenants/$t0/domains/$du/provision"
req='{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "Nope Never", "email": "nope@'$du'"}]}'
se=$(err_lines)
sw=$(writes_len)
sh_write "$req" "$MNT$rel"
assert_eq "$RC" "1" "provision with a failed mailbox: exit status"
assert_match "$ERR" "echo: write error: Input/output error\$" "provision with a failed mailbox: what bash prints"
lines=$(err_since "$se")
[[ $(grep -c . <<<"$lines") -eq 1 ]] || fail "provision with a failed mailbox: expected one errors line, got [$lines]"
assert_errline "$lines" write "$rel" EIO 200 "$(awk '{print $6}' <<<"$lines")"
assert_match "$lines" "nope@$du" "the errors line names the mailbox that failed"
got=$(writes_since "$sw")
assert_eq "$(jq -r '"\(.method) \(.path) \(.status)"' <<<"$got")" "POST /v1/tenants/$t0/mailboxes 200" "provision with a failed mailbox: request"
lp="$MNT/tenants/$t0/domains/$du/last_provision.json"
assert_eq "$(jq -c '[.created_count, .failed_count, .results[0].status, .results[0].email]' "$lp")" \
    "[0,1,\"failed\",\"nope@$du\"]" "last_provision.json after a failed mailbox"
[[ -z "$(ls "$MNT/tenants/$t0/domains/$du/mailboxes")" ]] || fail "a failed mailbox is listed: $(ls "$MNT/tenants/$t0/domains/$du/mailboxes")"
assert_eq "$(printf '%s' "$req" | raw_write "$MNT$rel")" "EIO" "provision with a failed mailbox: errno of write(2)"
cases=$((cases + 1))

# ---- ENOENT: the mailbox vanished after the mount listed it ---------------------
mbs=$(emu_get "/v1/tenants/$t2/mailboxes")
ma=$(jq -r '.mailboxes[0].id' <<<"$mbs")
mb=$(jq -r '.mailboxes[1].id' <<<"$mbs")
fa="$MNT/tenants/$t2/mailboxes/$mb/daily_send_limit"
fb="$MNT/tenants/$t2/mailboxes/$mb/display_name"
cat "$MNT/tenants/$t2/mailboxes/$ma/daily_send_limit" "$fa" "$fb" >/dev/null
# Files of mb held open from before it vanished (O_TRUNC: no request).
exec 7>"$fa" 8>"$fb"
for m in "$ma" "$mb"; do
    # Gone at tcemu: its id changed (as if deleted and re-created elsewhere).
    emu_set "{\"tenant_id\": \"$t2\", \"mailbox_id\": \"$m\", \"set\": {\"id\": \"00000000-0000-4000-8000-$(printf %012d $RANDOM)\"}}" >/dev/null
done
rel="/tenants/$t2/mailboxes/$ma/daily_send_limit"
se=$(err_lines)
sw=$(writes_len)
sh_write 5 "$MNT$rel"
assert_eq "$RC" "1" "write to a vanished mailbox: exit status"
assert_match "$ERR" "echo: write error: No such file or directory\$" "write to a vanished mailbox: what bash prints"
check_api_error "write to a vanished mailbox" "$se" "$sw" write "$rel" ENOENT 404 mailbox_not_found PATCH "/v1/tenants/$t2/mailboxes/$ma"
# The mount forgot it: it is no longer listed.
ls "$MNT/tenants/$t2/mailboxes" | grep -qx "$ma" && fail "mailboxes/ still lists $ma after the write found it gone"
[[ ! -e "$MNT/tenants/$t2/mailboxes/$ma" ]] || fail "mailboxes/$ma still exists after the write found it gone"
cases=$((cases + 1))
# The other one through the files held open: write(2) itself says ENOENT.
se=$(err_lines)
sw=$(writes_len)
run_cmd bash -c 'echo 6 >&7'
assert_eq "$RC" "1" "echo >&fd to a vanished mailbox: exit status"
assert_match "$ERR" "echo: write error: No such file or directory\$" "echo >&fd to a vanished mailbox: message"
check_api_error "write through an open fd to a vanished mailbox" "$se" "$sw" write "/tenants/$t2/mailboxes/$mb/daily_send_limit" \
    ENOENT 404 mailbox_not_found PATCH "/v1/tenants/$t2/mailboxes/$mb"
assert_eq "$("$PY" -c 'import errno, os
try:
    os.write(8, b"Someone Else\n"); print("OK")
except OSError as e:
    print(errno.errorcode[e.errno])')" ENOENT "errno of write(2) to a vanished mailbox's display_name"
exec 7>&- 8>&-
cases=$((cases + 2))

# The tenant deleted through the API (another client) after the mount listed it.
tdel=$t1
mdel=$(emu_get "/v1/tenants/$tdel/mailboxes" | jq -r '.mailboxes[0].id')
cat "$MNT/tenants/$tdel/mailboxes/$mdel/daily_send_limit" >/dev/null
emu_call DELETE "/v1/tenants/$tdel" >/dev/null
assert_eq "$EMU_STATUS" "200" "DELETE tenant through the API"
rel="/tenants/$tdel/mailboxes/$mdel/daily_send_limit"
se=$(err_lines)
sw=$(writes_len)
sh_write 5 "$MNT$rel"
assert_eq "$RC" "1" "write to a mailbox of a deleted tenant: exit status"
assert_match "$ERR" "echo: write error: No such file or directory\$" "write to a mailbox of a deleted tenant: what bash prints"
check_api_error "write to a mailbox of a deleted tenant" "$se" "$sw" write "$rel" ENOENT 404 tenant_not_found PATCH "/v1/tenants/$tdel/mailboxes/$mdel"
ls "$MNT/tenants" | grep -qx "$tdel" && fail "tenants/ still lists $tdel after a write found it gone"
[[ ! -e "$MNT/tenants/$tdel" ]] || fail "tenants/$tdel still exists after a write found it gone"
cases=$((cases + 1))

# Domains that vanished (renamed at tcemu) after the mount listed them: each
# write is ENOENT with domain_not_found, and the domain leaves the listing.
mapfile -t gone < <(emu_get "/v1/tenants/$t0/domains" |
    jq -r --arg a "$d0" --arg b "$dpart" '[.domains[] | select(.is_verified and .domain_name != $a and .domain_name != $b)][0:3][].domain_name')
assert_eq "${#gone[@]}" "3" "fixture: three more verified domains on tenant 0"
# The files, opened before the domains vanish (O_TRUNC: no request), as a
# program holding them open would: after the first ENOENT the mount's
# listing is fresh and a new open would already fail.
exec 4>"$MNT/tenants/$t0/domains/${gone[0]}/verify" 5>"$MNT/tenants/$t0/domains/${gone[1]}/mailbox_limit" \
    6>"$MNT/tenants/$t0/domains/${gone[2]}/provision"
for i in 0 1 2; do
    emu_set "{\"tenant_id\": \"$t0\", \"domain_name\": \"${gone[$i]}\", \"set\": {\"domain_name\": \"renamed-$i.example.com\"}}" >/dev/null
done
vanished() { # DESC I FILE FD VALUE METHOD APIPATH
    local desc=$1 dn=${gone[$2]} file=$3 fd=$4 value=$5 method=$6 apipath=$7 rel se sw
    rel="/tenants/$t0/domains/$dn/$file"
    se=$(err_lines)
    sw=$(writes_len)
    run_cmd bash -c "echo \"\$1\" >&$fd" _ "$value"
    assert_eq "$RC" "1" "$desc: exit status"
    assert_match "$ERR" "echo: write error: No such file or directory\$" "$desc: what bash prints"
    check_api_error "$desc" "$se" "$sw" write "$rel" ENOENT 404 domain_not_found "$method" "$apipath"
    ls "$MNT/tenants/$t0/domains" | grep -qx "$dn" && fail "$desc: domains/ still lists $dn"
    [[ ! -e "$MNT/tenants/$t0/domains/$dn" ]] || fail "$desc: domains/$dn still exists"
    ls "$MNT/tenants/$t0/domains" | grep -qx "renamed-$2.example.com" || fail "$desc: domains/ does not list the new name renamed-$2.example.com"
    cases=$((cases + 1))
}
vanished "verify a vanished domain" 0 verify 4 1 POST "/v1/tenants/$t0/domains/${gone[0]}/verify"
vanished "mailbox_limit of a vanished domain" 1 mailbox_limit 5 7 POST "/v1/tenants/$t0/mailbox-limits"
vanished "provision on a vanished domain" 2 provision 6 \
    '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "Late Comer", "email": "late@'"${gone[2]}"'"}]}' \
    POST "/v1/tenants/$t0/mailboxes"
exec 4>&- 5>&- 6>&-

# ---- EEXIST: mkdir of a domain another client added within the ttl -------------
dd="added-elsewhere.example.com"
ls "$MNT/tenants/$t2/domains" | grep -qx "$dd" && fail "fixture: $dd already listed"
emu_call POST "/v1/tenants/$t2/domains" "{\"domain\": \"$dd\"}" >/dev/null
assert_eq "$EMU_STATUS" "200" "add $dd through the API"
rel="/tenants/$t2/domains/$dd"
se=$(err_lines)
sw=$(writes_len)
run_cmd mkdir "$MNT$rel"
assert_eq "$RC" "1" "mkdir of a domain that exists at the API: exit status"
assert_match "$ERR" "cannot create directory .*: File exists\$" "mkdir of a domain that exists at the API: message"
lines=$(err_since "$se")
[[ $(grep -c . <<<"$lines") -eq 1 ]] || fail "EEXIST: expected one errors line, got [$lines]"
# The API code of "already exists" is not documented: any code will do.
assert_errline "$lines" mkdir "$rel" EEXIST 400 "$(awk '{print $6}' <<<"$lines")"
assert_eq "$(writes_since "$sw" | jq -r '"\(.method) \(.path) \(.status)"')" "POST /v1/tenants/$t2/domains 400" "EEXIST: the request"
# Now the user sees why: the directory is there, and mkdir -p is content.
[[ -d "$MNT$rel" ]] || fail "domains/$dd does not show after mkdir answered File exists"
run_cmd mkdir -p "$MNT$rel"
assert_eq "$RC/$ERR" "0/" "mkdir -p of a domain that exists"
cases=$((cases + 1))

# ---- EDQUOT: a 13th domain -------------------------------------------------------
assert_eq "$(ls "$MNT/tenants/$t2/domains" | wc -l)" "12" "tenant 2's domains"
rel="/tenants/$t2/domains/thirteenth.example.com"
se=$(err_lines)
sw=$(writes_len)
run_cmd mkdir "$MNT$rel"
assert_eq "$RC" "1" "mkdir a 13th domain: exit status"
assert_match "$ERR" "cannot create directory .*: Disk quota exceeded\$" "mkdir a 13th domain: message"
check_api_error "mkdir a 13th domain" "$se" "$sw" mkdir "$rel" EDQUOT 400 domain_limit_reached POST "/v1/tenants/$t2/domains"
[[ ! -e "$MNT$rel" ]] || fail "a refused 13th domain exists in the tree"
assert_eq "$(errno_of mkdir "$MNT$rel")" "EDQUOT" "errno of mkdir(2) of a 13th domain"
cases=$((cases + 1))

# ---- EINVAL: a bad domain name, refused before any request ----------------------
rel="/tenants/$t2/domains/Not_A.Domain"
se=$(err_lines)
sw=$(writes_len)
run_cmd mkdir "$MNT$rel"
assert_eq "$RC" "1" "mkdir of a bad domain name: exit status"
assert_match "$ERR" "cannot create directory .*: Invalid argument\$" "mkdir of a bad domain name: message"
lines=$(err_since "$se")
[[ $(grep -c . <<<"$lines") -eq 1 ]] || fail "bad domain name: expected one errors line, got [$lines]"
assert_errline "$lines" mkdir "$rel" EINVAL - -
assert_eq "$(writes_len)" "$sw" "requests made for a bad domain name"
assert_eq "$(errno_of mkdir "$MNT$rel")" "EINVAL" "errno of mkdir(2) of a bad domain name"
cases=$((cases + 1))

# ---- EPERM / EACCES / ENOTSUP: what the tree refuses, with no request -----------
tp="$MNT/tenants/$t0"
mp="$tp/mailboxes/$(emu_get "/v1/tenants/$t0/mailboxes" | jq -r '.mailboxes[0].id')"
sw=$(writes_len)
total=$(emu_total)
# tool-level: exit status and message
refuse() { # DESC MESSAGE CMD...
    local desc=$1 msg=$2
    shift 2
    run_cmd "$@"
    [[ $RC -ne 0 ]] || fail "$desc: succeeded (exit 0)"
    assert_match "$ERR" "$msg\$" "$desc: message"
    cases=$((cases + 1))
}
refuse "rmdir a tenant without allow_delete" "Operation not permitted" rmdir "$tp"
refuse "rmdir a domain" "Operation not permitted" rmdir "$tp/domains/$d0"
refuse "rmdir a mailbox" "Operation not permitted" rmdir "$mp"
refuse "rm a file" "Operation not permitted" rm -f "$tp/name"
refuse "mv a file" "Operation not permitted" mv "$tp/name" "$tp/name2"
refuse "mv a domain" "Operation not permitted" mv "$tp/domains/$d0" "$tp/domains/renamed.example.com"
refuse "ln" "Operation not permitted" ln "$tp/name" "$tp/name2"
refuse "ln -s" "Operation not permitted" ln -s name "$tp/name2"
refuse "chmod" "Operation not permitted" chmod 600 "$mp/daily_send_limit"
refuse "chown" "Operation not permitted" chown 1:1 "$mp/daily_send_limit"
refuse "mkdir at the root" "Operation not permitted" mkdir "$MNT/newdir"
refuse "mkdir in tenants/" "Operation not permitted" mkdir "$MNT/tenants/00000000-0000-0000-0000-000000000000"
refuse "mkdir in a tenant" "Operation not permitted" mkdir "$tp/newdir"
refuse "mkdir in mailboxes/" "Operation not permitted" mkdir "$tp/mailboxes/newbox"
refuse "mkdir in a domain" "Operation not permitted" mkdir "$tp/domains/$d0/sub.example.com"
refuse "mkdir in .tenantcorefs" "Operation not permitted" mkdir "$MNT/.tenantcorefs/x"
refuse "touch a new file" "Operation not permitted" touch "$tp/newfile"
refuse "touch a new file in a mailbox" "Operation not permitted" touch "$mp/notes"
refuse "mkfifo" "Operation not permitted" mkfifo "$tp/fifo"
refuse "echo > a new file" "Operation not permitted" bash -c 'echo x > "$1"' _ "$tp/newfile"
refuse "echo > a read-only file" "Permission denied" bash -c 'echo x > "$1"' _ "$tp/name"
for spec in "rmdir $tp EPERM" "unlink $tp/name EPERM" "rename $tp/name $tp/x EPERM" "link $tp/name $tp/x EPERM" \
    "symlink name $tp/x EPERM" "chmod $tp/sync EPERM" "chown $tp/sync EPERM" "mkdir $tp/x EPERM" \
    "create $tp/x EPERM" "setxattr $tp/sync ENOTSUP" "setxattr $tp/name ENOTSUP" "setxattr $tp ENOTSUP"; do
    read -r -a a <<<"$spec"
    want=${a[-1]}
    unset 'a[-1]'
    assert_eq "$(errno_of "${a[@]}")" "$want" "errno of ${a[*]}"
    cases=$((cases + 1))
done
assert_eq "$(writes_len)" "$sw" "write requests made by refused operations"
[[ -f "$tp/name" && -d "$tp/domains/$d0" && -d "$mp" ]] || fail "a refused operation changed the tree"
[[ ! -e "$tp/name2" && ! -e "$tp/newfile" && ! -e "$MNT/newdir" ]] || fail "a refused operation created something"
assert_eq "$(stat -c %a "$mp/daily_send_limit")" "644" "mode after a refused chmod"

# Every failure above was logged once: nothing pending in the log check.
mnt_stop
echo "PASS: $cases write error cases"
