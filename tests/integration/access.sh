#!/usr/bin/env bash
# Names that do not exist are ENOENT at every level, and so is another
# account's tenant (the API answers tenant_not_found).
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 2 --domains 3 --mailboxes 1 --other-tenants 1
mnt_start
other=$(EMU_KEY=$EMU_KEY2 emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
[[ -n "$other" && "$other" != null ]] || fail "account 2 has no tenant"
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
d=$(emu_get "/v1/tenants/$t/domains" | jq -r '.domains[0].domain_name')

for p in "tenants/$other" "tenants/$other/tenant.json" "tenants/no-such-tenant" \
    "tenants/$t/nope" "tenants/$t/domains/no-such.example.com" "tenants/$t/domains/$d/nope" \
    "tenants/$t/mailboxes/00000000-0000-0000-0000-000000000000" "by-name/No Such Tenant" \
    "tenants/$t/domains/$d/mailboxes/nobody@$d" "nope" ".tenantcorefs/nope"; do
    run_cmd cat "$MNT/$p"
    assert_eq "$RC" "1" "cat $p exit status"
    assert_match "$ERR" "No such file or directory" "cat $p error"
done
run_cmd ls "$MNT/tenants/$other"
assert_match "$ERR" "No such file or directory" "ls of another account's tenant"
# Going through a file as if it were a directory.
run_cmd cat "$MNT/tenants/$t/name/x"
assert_match "$ERR" "Not a directory" "cat through a file"
# Another account's tenant is not listed either.
if ls "$MNT/tenants" | grep -qx "$other"; then fail "another account's tenant is listed"; fi
# Nothing of this is an API failure worth the errors file.
assert_eq "$(cat "$MNT/.tenantcorefs/errors")" "" "errors file after lookups of missing names"
mnt_stop
echo "PASS: missing names and other accounts' tenants are ENOENT"
