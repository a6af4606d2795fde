#!/usr/bin/env bash
# Bad values are refused before any API call (SEMANTICS.md §5): a table of values
# for every writable file (and bad names for mkdir), each written with cat
# (one write(2) per value, as a user would) and again with one raw write(2):
# each fails with EINVAL ("cat: write error: Invalid argument", exit 1),
# adds one line to .tenantcorefs/errors, and tcemu receives no request at
# all (its writes list and its total request count stand still). The value
# in the file is unchanged afterwards.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/write_helpers.bash"

emu_start --tenants 3 --domains 6 --mailboxes 2 --seed 11
# No prefetch and a long ttl: after warming the target files, nothing the
# mount does may reach tcemu, so its request total must stand still.
mnt_start -o ttl=600,prefetch=0

t=$(emu_get /v1/tenants | jq -r '.tenants[2].tenant_id')
mbs=$(emu_get "/v1/tenants/$t/mailboxes")
m=$(jq -r '.mailboxes[0].id' <<<"$mbs")
d=$(jq -r '.mailboxes[0].domain_name' <<<"$mbs")
other=$(emu_get "/v1/tenants/$t/domains" | jq -r --arg d "$d" '[.domains[] | select(.domain_name != $d)][0].domain_name')
declare -A target=(
    [dsl]="/tenants/$t/mailboxes/$m/daily_send_limit"
    [name]="/tenants/$t/mailboxes/$m/display_name"
    [tlimit]="/tenants/$t/mailbox_limit"
    [dlimit]="/tenants/$t/domains/$d/mailbox_limit"
    [dkim]="/tenants/$t/domains/$d/dkim_status"
    [prov]="/tenants/$t/domains/$d/provision"
)
# Warm everything the checks and the writes touch, then take the before-picture.
ls "$MNT/tenants/$t/domains" "$MNT/tenants/$t/mailboxes" "$MNT/tenants/$t/domains/$d" >/dev/null
declare -A before
for k in "${!target[@]}"; do
    before[$k]=$(cat "$MNT${target[$k]}")
done
emu_settle # before counting
total0=$(emu_total)
writes0=$(writes_len)
cases=0

# tcemu's request total and writes-list length, in one call
emu_counts() { emu_stats | jq -r '"\(.total) \(.writes | length)"'; }
counts=$(emu_counts)
errs=$(err_lines)

# bad KEY DESC : the bytes are in $T/v
bad() {
    local key=$1 desc=$2 rel=${target[$1]} lines now
    run_cmd bash -c 'cat "$1" > "$2"' _ "$T/v" "$MNT$rel"
    assert_eq "$RC" "1" "$desc → ${rel##*/}: exit status of cat"
    assert_match "$ERR" "^cat: write error: Invalid argument\$" "$desc → ${rel##*/}: what cat prints"
    lines=$(err_since "$errs")
    [[ $(grep -c . <<<"$lines") -eq 1 ]] || fail "$desc → ${rel##*/}: expected one errors line, got [$lines]"
    assert_errline "$lines" write "$rel" EINVAL - -
    assert_eq "$(raw_write "$MNT$rel" <"$T/v")" "EINVAL" "$desc → ${rel##*/}: errno of one write(2)"
    now=$(err_lines)
    assert_eq "$now" "$((errs + 2))" "$desc → ${rel##*/}: failures logged for two refused writes"
    errs=$now
    now=$(emu_counts)
    [[ "$now" == "$counts" ]] ||
        fail "$desc → ${rel##*/}: tcemu's request total and writes went from [$counts] to [$now]: $(writes_since "$writes0")"
    cases=$((cases + 1))
}
# badf KEY DESC PRINTF-FORMAT : the value is printf's output
badf() {
    printf "$3" >"$T/v"
    bad "$1" "$2"
}

# The canonical example, with bash's builtin echo.
se=$(err_lines)
sh_write 26 "$MNT${target[dsl]}"
assert_eq "$RC" "1" "echo 26 > daily_send_limit: exit status"
assert_match "$ERR" "echo: write error: Invalid argument\$" "echo 26 > daily_send_limit: what bash prints"
assert_errline "$(err_since "$se")" write "${target[dsl]}" EINVAL - -
errs=$(err_lines)
cases=$((cases + 1))

# ---- daily_send_limit: an integer 1..25, optional surrounding whitespace ----
badf dsl "empty line" '\n'
badf dsl "only whitespace" ' \t \n'
badf dsl "0" '0\n'
badf dsl "26" '26\n'
badf dsl "-1" '%s\n' -1
badf dsl "1e3" '1e3\n'
badf dsl "20abc" '20abc\n'
badf dsl "' 20 20'" ' 20 20\n'
badf dsl "'2 0'" '2 0\n'
badf dsl "binary bytes" '\000\001\377\376'
badf dsl "digits around a NUL" '2\0000\n'
badf dsl "a second line" '20\n21\n'
badf dsl "+5" '+5\n'
badf dsl "5.0" '5.0\n'
badf dsl "0x10" '0x10\n'
badf dsl "none" 'none\n'
badf dsl "twenty" 'twenty\n'
badf dsl "00" '00\n'
badf dsl "20 digits" '99999999999999999999\n'
badf dsl "fullwidth digits" '\357\274\222\357\274\220\n'
badf dsl "vertical tab before" '\v20\n'
head -c 1048576 /dev/zero | tr '\0' '7' >"$T/v"
bad dsl "1 MiB of digits"
{ printf 20; head -c 5000 /dev/zero | tr '\0' ' '; } >"$T/v"
bad dsl "20 and 5000 spaces (over 4 KiB)"

# ---- mailbox_limit, tenant and domain -------------------------------------------
badf tlimit "0" '0\n'
badf tlimit "abc" 'abc\n'
badf tlimit "empty line" '\n'
badf tlimit "25.5" '25.5\n'
badf dlimit "26" '26\n'
badf dlimit "-5" '%s\n' -5
badf dlimit "'1 5'" '1 5\n'

# ---- display_name: one non-empty line of valid UTF-8 ----------------------------
badf name "empty line" '\n'
badf name "blank" '   \n'
badf name "invalid UTF-8" 'Jos\303\050\n'
badf name "overlong UTF-8" 'a\300\257b\n'
badf name "UTF-16 surrogate" 'a\355\240\200b\n'
badf name "lone continuation byte" 'caf\251\n'
badf name "Latin-1, not UTF-8" 'Jos\351 Garc\355a\n'
badf name "two lines" 'Ann\nBob\n'
badf name "a tab" 'Ann\tBob\n'
badf name "a bell" 'Ann\aBob\n'
badf name "a C1 control (NEL)" 'Ann\302\205Bob\n'
badf name "a NUL" 'Ann\000Bob\n'
badf name "CR LF twice" 'Ann\r\n\r\n'
head -c 300 /dev/zero | tr '\0' 'x' >"$T/v"
bad name "300 bytes"
head -c 5000 /dev/zero | tr '\0' 'x' >"$T/v"
bad name "5000 bytes"

# ---- dkim_status: only "enabled" ------------------------------------------------------
badf dkim "Enabled" 'Enabled\n'
badf dkim "ENABLED" 'ENABLED\n'
badf dkim "disabled" 'disabled\n'
badf dkim "enable" 'enable\n'
badf dkim "pending" 'pending\n'
badf dkim "empty line" '\n'
badf dkim "enabled twice" 'enabled enabled\n'
badf dkim "enabled and a NUL" 'enabled\000'

# ---- provision: {"account_password", "mailboxes": [{"name", "email"}]} ---------------
prov() { # DESC JSON (with @D for this domain)
    printf '%s\n' "${2//@D/@$d}" >"$T/v"
    bad prov "$1"
}
mb1='{"name": "Ann One", "email": "ann@D"}'
prov "not JSON" 'hello'
prov "truncated JSON" '{"account_password": "Sup3r$ecret!", "mailboxes": ['
prov "a JSON array" '[{"account_password": "Sup3r$ecret!"}]'
prov "a JSON string" '"Sup3r$ecret!"'
prov "missing password" '{"mailboxes": ['"$mb1"']}'
prov "empty password" '{"account_password": "", "mailboxes": ['"$mb1"']}'
prov "password not a string" '{"account_password": 12345678, "mailboxes": ['"$mb1"']}'
prov "NUL escape in the password" '{"account_password": "Sup3r\u0000$ecret!", "mailboxes": ['"$mb1"']}'
prov "missing mailboxes" '{"account_password": "Sup3r$ecret!"}'
prov "empty mailboxes" '{"account_password": "Sup3r$ecret!", "mailboxes": []}'
prov "mailboxes not an array" '{"account_password": "Sup3r$ecret!", "mailboxes": '"$mb1"'}'
prov "4 mailboxes" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "A A", "email": "a@D"}, {"name": "B B", "email": "b@D"}, {"name": "C C", "email": "c@D"}, {"name": "E E", "email": "e@D"}]}'
prov "duplicate emails" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "A A", "email": "ann@D"}, {"name": "B B", "email": "ANN@D"}]}'
prov "email on another domain" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "A A", "email": "ann@'"$other"'"}]}'
prov "email on a subdomain" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "A A", "email": "ann@sub.D"}]}'
prov "email without @" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "A A", "email": "ann"}]}'
prov "email with two @" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "A A", "email": "a@b@D"}]}'
prov "email with an empty local part" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "A A", "email": "@D"}]}'
prov "email with a space" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "A A", "email": "ann one@D"}]}'
prov "mailbox without a name" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"email": "ann@D"}]}'
prov "mailbox with an empty name" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "", "email": "ann@D"}]}'
prov "name with a line break" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "Ann\nOne", "email": "ann@D"}]}'
prov "unknown member" '{"account_password": "Sup3r$ecret!", "mailboxes": ['"$mb1"'], "license": "E3"}'
prov "unknown mailbox member" '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "A A", "email": "ann@D", "alias": "a"}]}'
prov "member twice" '{"account_password": "Sup3r$ecret!", "account_password": "Oth3r$ecret!", "mailboxes": ['"$mb1"']}'
prov "domain of another directory" '{"domain": "'"$other"'", "account_password": "Sup3r$ecret!", "mailboxes": ['"$mb1"']}'
prov "text after the JSON" '{"account_password": "Sup3r$ecret!", "mailboxes": ['"$mb1"']} x'
printf '{"account_password": "Sup3r$ecret!", "mailboxes": [{"name": "Jos\351", "email": "jose@%s"}]}\n' "$d" >"$T/v"
bad prov "invalid UTF-8 in a name"

# ---- the files still hold what they held --------------------------------------------------
for k in "${!target[@]}"; do
    assert_eq "$(cat "$MNT${target[$k]}")" "${before[$k]}" "${target[$k]} after the refused writes"
done
[[ ! -e "$MNT/tenants/$t/domains/$d/last_provision.json" ]] || fail "last_provision.json after only refused provisionings"

# ---- mkdir of bad domain names -----------------------------------------------------------------
long="$(printf 'a%.0s' {1..63}).$(printf 'b%.0s' {1..63}).$(printf 'c%.0s' {1..63}).$(printf 'd%.0s' {1..62})"
assert_eq "${#long}" "254" "length of the 254-byte name"
for name in "Upper.example.com" "nodot" "x.onmicrosoft.com" "onmicrosoft.com" "mail.contoso.onmicrosoft.com" \
    "-lead.example.com" "trail-.example.com" "a..b.com" ".example.com" "example.com." "under_score.com" \
    "sp ace.com" "ünïcode.com" "example.123" "$(printf 'a%.0s' {1..64}).com" "$long" "a*b.com"; do
    rel="/tenants/$t/domains/$name"
    run_cmd mkdir "$MNT$rel"
    assert_eq "$RC" "1" "mkdir '$name': exit status"
    assert_match "$ERR" "cannot create directory .*: Invalid argument\$" "mkdir '$name': message"
    lines=$(err_since "$errs")
    [[ $(grep -c . <<<"$lines") -eq 1 ]] || fail "mkdir '$name': expected one errors line, got [$lines]"
    assert_errline "$lines" mkdir "$rel" EINVAL - -
    assert_eq "$(errno_of mkdir "$MNT$rel")" "EINVAL" "mkdir '$name': errno"
    errs=$(err_lines)
    now=$(emu_counts)
    [[ "$now" == "$counts" ]] || fail "mkdir '$name': tcemu's request total and writes went from [$counts] to [$now]"
    cases=$((cases + 1))
done
assert_eq "$(ls "$MNT/tenants/$t/domains" | wc -l)" "6" "domains after refused mkdirs"

assert_eq "$(emu_total)" "$total0" "API requests made by all the refused values"
assert_eq "$(writes_len)" "$writes0" "write requests made by all the refused values"

# ---- for contrast: a value only the API can judge is sent, and its 400 is EINVAL ------
se=$(err_lines)
printf '{"account_password": "weak", "mailboxes": [{"name": "Ann One", "email": "ann@%s"}]}\n' "$d" >"$T/v"
run_cmd bash -c 'cat "$1" > "$2"' _ "$T/v" "$MNT${target[prov]}"
assert_eq "$RC" "1" "weak password: exit status"
assert_match "$ERR" "^cat: write error: Invalid argument\$" "weak password: what cat prints"
assert_eq "$(writes_since "$writes0" | jq -r '"\(.method) \(.path) \(.status)"')" "POST /v1/tenants/$t/mailboxes 400" "weak password: the request"
lines=$(err_since "$se")
assert_errline "$lines" write "${target[prov]}" EINVAL 400 "$(awk '{print $6}' <<<"$lines")"
cases=$((cases + 1))

mnt_stop
echo "PASS: $cases bad values refused with EINVAL (no request for the $((cases - 1)) the mount can judge)"
