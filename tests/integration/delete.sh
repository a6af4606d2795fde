#!/usr/bin/env bash
# Deleting (SEMANTICS.md §5): without -o allow_delete nothing a user runs deletes
# anything (rm -rf, find -delete, shutil.rmtree, rmdir): the tools fail and
# tcemu receives no request. With -o allow_delete, rmdir tenants/<t>
# deletes exactly that tenant (one DELETE), and nothing else can be removed.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/write_helpers.bash"

emu_start --tenants 4 --domains 4 --mailboxes 1 --seed 13
api_tenants() { emu_get /v1/tenants | jq -r '[.tenants[].tenant_id] | sort | join(" ")'; }
mnt_tenants() { ls "$MNT/tenants" | sort | tr '\n' ' ' | sed 's/ $//'; }
all=$(api_tenants)
read -r -a ids <<<"$(emu_get /v1/tenants | jq -r '[.tenants[].tenant_id] | join(" ")')"
assert_eq "${#ids[@]}" "4" "fixture tenants"
cases=0

# ---- without allow_delete ------------------------------------------------------
mnt_start -o ttl=300
find "$MNT/tenants" >"$T/before"
nfiles=$(wc -l <"$T/before")
sw=$(writes_len)

nothing_changed() { # DESC
    assert_eq "$(writes_len)" "$sw" "$1: write requests at tcemu ($(writes_since "$sw" | head -3))"
    assert_eq "$(api_tenants)" "$all" "$1: tenants the API lists"
    assert_eq "$(mnt_tenants)" "$all" "$1: tenants the mount lists"
    find "$MNT/tenants" >"$T/after"
    cmp -s "$T/before" "$T/after" || fail "$1: the tree changed: $(diff "$T/before" "$T/after" | head -5)"
    cases=$((cases + 1))
}

run_cmd rm -rf "$MNT/tenants"
[[ $RC -ne 0 ]] || fail "rm -rf MNT/tenants exited 0"
assert_match "$ERR" "Operation not permitted" "rm -rf MNT/tenants: message"
nothing_changed "rm -rf MNT/tenants"

run_cmd rm -rf "$MNT/tenants/${ids[0]}"
[[ $RC -ne 0 ]] || fail "rm -rf MNT/tenants/<t> exited 0"
nothing_changed "rm -rf MNT/tenants/<t>"

run_cmd find "$MNT" -delete
[[ $RC -ne 0 ]] || fail "find MNT -delete exited 0"
assert_match "$ERR" "Operation not permitted" "find -delete: message"
nothing_changed "find MNT -delete"

run_cmd "$PY" -c 'import shutil, sys; shutil.rmtree(sys.argv[1])' "$MNT/tenants/${ids[1]}"
[[ $RC -ne 0 ]] || fail "shutil.rmtree exited 0"
assert_match "$ERR" "PermissionError: .*Operation not permitted" "shutil.rmtree: error"
nothing_changed "shutil.rmtree(MNT/tenants/<t>)"

run_cmd rmdir "$MNT/tenants/${ids[1]}"
assert_eq "$RC" "1" "rmdir MNT/tenants/<t> without allow_delete: exit status"
assert_match "$ERR" "failed to remove .*: Operation not permitted\$" "rmdir without allow_delete: message"
assert_eq "$(errno_of rmdir "$MNT/tenants/${ids[1]}")" "EPERM" "rmdir(2) of a tenant without allow_delete"
nothing_changed "rmdir MNT/tenants/<t>"
mnt_stop

# ---- with allow_delete ----------------------------------------------------------
mnt_start -o ttl=300,allow_delete
t=${ids[0]}
tdom=$(emu_get "/v1/tenants/$t/domains" | jq -r '.domains[0].domain_name')
ls -R "$MNT" >/dev/null
grep -q "$tdom" "$MNT/health" || fail "fixture: /health does not show $tdom"
sw=$(writes_len)

# Nothing but a tenant can be removed, even now.
for p in "$MNT/tenants" "$MNT/tenants/$t/domains" "$MNT/tenants/$t/domains/$tdom" "$MNT/tenants/$t/mailboxes" \
    "$MNT/tenants/$t/mailboxes/$(ls "$MNT/tenants/$t/mailboxes" | head -1)" "$MNT/.tenantcorefs" "$MNT/by-name"; do
    assert_eq "$(errno_of rmdir "$p")" "EPERM" "rmdir ${p#"$MNT"} with allow_delete"
    cases=$((cases + 1))
done
assert_eq "$(errno_of unlink "$MNT/tenants/$t/name")" "EPERM" "unlink with allow_delete"
assert_eq "$(writes_len)" "$sw" "requests made by refused removals with allow_delete"

run_cmd rmdir "$MNT/tenants/$t"
assert_eq "$RC/$ERR" "0/" "rmdir MNT/tenants/<t> with allow_delete"
got=$(writes_since "$sw")
assert_eq "$got" '{"method":"DELETE","path":"/v1/tenants/'"$t"'","body":null,"status":200}' "the one request of rmdir"
rest=$(tr ' ' '\n' <<<"$all" | grep -vx "$t" | tr '\n' ' ' | sed 's/ $//')
assert_eq "$(api_tenants)" "$rest" "tenants the API lists after rmdir"
assert_eq "$(mnt_tenants)" "$rest" "tenants the mount lists after rmdir"
[[ ! -e "$MNT/tenants/$t" ]] || fail "tenants/$t still exists after rmdir"
grep -q "$tdom" "$MNT/health" && fail "/health still shows $tdom of the deleted tenant"
for o in $rest; do
    [[ -f "$MNT/tenants/$o/tenant.json" ]] || fail "tenant $o lost its tenant.json"
done
assert_eq "$(ls -l "$MNT/by-name" | grep -c -- '->')" "3" "by-name links after rmdir"
cases=$((cases + 1))

# Again: it is gone, no request.
sw=$(writes_len)
run_cmd rmdir "$MNT/tenants/$t"
assert_eq "$RC" "1" "second rmdir: exit status"
assert_match "$ERR" "No such file or directory\$" "second rmdir: message"
assert_eq "$(writes_len)" "$sw" "requests made by a second rmdir"
cases=$((cases + 1))

# Deleted by another client while the mount still lists it: ENOENT, and the
# mount forgets it.
t2=${ids[2]}
emu_call DELETE "/v1/tenants/$t2" >/dev/null
assert_eq "$EMU_STATUS" "200" "DELETE through the API"
sw=$(writes_len)
se=$(err_lines)
run_cmd rmdir "$MNT/tenants/$t2"
assert_eq "$RC" "1" "rmdir of a tenant deleted elsewhere: exit status"
assert_match "$ERR" "No such file or directory\$" "rmdir of a tenant deleted elsewhere: message"
assert_eq "$(writes_since "$sw" | jq -r '"\(.method) \(.path) \(.status)"')" "DELETE /v1/tenants/$t2 404" "rmdir of a tenant deleted elsewhere: request"
assert_errline "$(err_since "$se")" rmdir "/tenants/$t2" ENOENT 404 tenant_not_found
[[ ! -e "$MNT/tenants/$t2" ]] || fail "tenants/$t2 still shows after rmdir found it gone"
cases=$((cases + 1))

# The README's warning: with allow_delete, tools that rmdir after failing on
# the children delete the tenant. find -delete is one.
t3=${ids[3]}
sw=$(writes_len)
run_cmd find "$MNT/tenants/$t3" -delete
[[ $RC -ne 0 ]] || fail "find -delete exited 0 though it could not remove the files"
assert_eq "$(writes_since "$sw" | jq -r '"\(.method) \(.path) \(.status)"')" "DELETE /v1/tenants/$t3 200" \
    "find -delete with allow_delete: exactly one DELETE, of that tenant"
remaining=$(tr ' ' '\n' <<<"$rest" | grep -vx "$t2" | grep -vx "$t3")
assert_eq "$(api_tenants)" "$remaining" "tenants the API lists at the end"
assert_eq "$(mnt_tenants)" "$remaining" "tenants the mount lists at the end"
cases=$((cases + 1))

mnt_stop
echo "PASS: $cases delete cases ($nfiles paths untouched by rm -rf, find -delete, rmtree without allow_delete)"
