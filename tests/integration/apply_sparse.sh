#!/usr/bin/env bash
# tenantcorefs-apply with hand-written trees and older snapshots: a sparse
# tree naming its tenant through by-name/ and its mailboxes through their
# email links, adding a domain (mkdir, then verify, DKIM and its policy, in
# that order); a failed verify skips the DKIM that needs it; links are never
# followed and hostile names are refused; files outside the mount's layout
# are named in a warning; and a restore from an older commit of a snapshot
# repository with the README's recipes (git archive | tar -x, git worktree);
# a tenant that is gone cannot apply; a tar of the mount shows no drift.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/apply_helpers.bash"

# 11 domains: room for a twelfth; the last is unverified and fails to verify.
emu_start --tenants 3 --domains 11 --mailboxes 2 --seed 3
mnt_start -o ttl=300
mapfile -t tids < <(tenant_ids)
t2=${tids[2]}
name=$(cat "$MNT/tenants/$t2/name")
[[ -L "$MNT/by-name/$name" ]] || fail "fixture: by-name/$name"
mapfile -t mbs < <(mailboxes_of "$t2")
e1=$(jq -r .primary_smtp <<<"${mbs[0]}") d1=$(jq -r .domain_name <<<"${mbs[0]}") m1=$(jq -r .id <<<"${mbs[0]}")
e2=$(jq -r .primary_smtp <<<"${mbs[3]}") d2=$(jq -r .domain_name <<<"${mbs[3]}") m2=$(jq -r .id <<<"${mbs[3]}")
dfail=$(emu_get "/v1/tenants/$t2/domains" | jq -r '.domains[10].domain_name')
assert_eq "$(cat "$MNT/tenants/$t2/domains/$dfail/verify")" "unverified" "fixture: the domain that fails to verify"
assert_eq "$(cat "$MNT/tenants/$t2/mailbox_limit")" "none" "fixture: tenant 2 has no policy"

# ---- a sparse tree ---------------------------------------------------------------
S="$T/sparse"
mkdir -p "$S/by-name/$name/domains/$d1/mailboxes/$e1" "$S/tenants/$t2/domains/$d2/mailboxes/$e2" \
    "$S/tenants/$t2/domains/new-domain.example.com" "$S/by-name/$name/domains/$dfail"
echo 14 >"$S/by-name/$name/mailbox_limit"
echo 3 >"$S/by-name/$name/domains/$d1/mailboxes/$e1/daily_send_limit"
printf 'Zoë Ñandú\n' >"$S/tenants/$t2/domains/$d2/mailboxes/$e2/display_name"
echo verified >"$S/tenants/$t2/domains/new-domain.example.com/verify"
echo enabled >"$S/tenants/$t2/domains/new-domain.example.com/dkim_status"
echo 10 >"$S/tenants/$t2/domains/new-domain.example.com/mailbox_limit"
echo verified >"$S/by-name/$name/domains/$dfail/verify"
echo enabled >"$S/by-name/$name/domains/$dfail/dkim_status"
ln -s /etc "$S/by-name/Elsewhere"             # a link out of the tree: never followed
echo "notes" >"$S/README.md"                    # not part of the mount's tree
echo "notes" >"$S/tenants/$t2/notes.txt"

apply_run --dry-run "$S" "$MNT"
assert_eq "$RC" "0" "--dry-run of the sparse tree (stderr: $ERR)"
assert_match "$OUT" $'\n'"$name \\(tenants/$t2\\)"$'\n' "the tenant's header"
assert_match "$OUT" "tenants/$t2/mailbox_limit: none -> 14" "the tenant policy, named by name"
assert_match "$OUT" "tenants/$t2/mailboxes/$m1/daily_send_limit: [0-9a-z]+ -> 3" "a limit, named by email"
assert_match "$OUT" "tenants/$t2/mailboxes/$m2/display_name: \"[^\"]+\" -> \"Zoë Ñandú\"" "a display name, named by email"
assert_match "$OUT" "tenants/$t2/domains/new-domain.example.com: \(absent\) -> present" "the domain to add"
assert_match "$OUT" "tenants/$t2/domains/new-domain.example.com/verify: unverified -> verified" "the new domain's verify"
assert_match "$OUT" "tenants/$t2/domains/new-domain.example.com/mailbox_limit: none -> 10" "the new domain's policy"
assert_match "$OUT" "9 changes \(1 add domain, 2 verify, 2 enable DKIM, 1 tenant enforcement, 1 domain enforcement, 1 display name, 1 daily limit\)" "the counts"
assert_match "$OUT" "1 link not followed, 2 not part of the mount's tree" "links and strangers counted"
assert_match "$ERR" "warning: 2 entries in DESIRED_DIR are not part of the mount's tree and are ignored: .*README.md" "the warning names them"

emu_settle
emu_stats_reset >/dev/null
apply_run --yes "$S" "$MNT"
assert_eq "$RC" "1" "apply of the sparse tree (one verify fails; output: $OUT $ERR)"
assert_match "$OUT" "Failed:"$'\n'"  tenants/$t2/domains/$dfail/verify: unverified -> verified: EAGAIN \(Resource temporarily unavailable\): 400 verification_failed" "the failed verify, with the API's words"
assert_match "$OUT" "Skipped:"$'\n'"  tenants/$t2/domains/$dfail/dkim_status: [a-z]+ -> enabled: verify tenants/$t2/domains/$dfail/verify was not done \(failed\)" "the DKIM that needed it"
assert_match "$OUT" "7 done, 1 failed, 1 skipped" "the outcome"
# In dependency order: add, verify, DKIM, tenant policy, domain policy, mailboxes.
order=$(emu_stats | jq -r '.writes[] | "\(.method) \(.path | sub("/v1/tenants/[^/]+"; "") | sub("/mailboxes/[^/]+$"; "/mailboxes/M")) \(.body.domain_scope // "")"')
# The two verifies (and the two PATCHes) run in parallel: their order within
# a phase is free.
verifies=$(sed -n '2,3p' <<<"$order" | sort)
assert_eq "$(sed -n 1p <<<"$order")" "POST /domains " "first: the domain is added"
assert_eq "$verifies" "$(printf 'POST /domains/%s/verify \nPOST /domains/new-domain.example.com/verify ' "$dfail" | sort)" "then the verifies"
assert_eq "$(sed -n '4,6p' <<<"$order")" "POST /domains/new-domain.example.com/enable-dkim 
POST /mailbox-limits 
POST /mailbox-limits new-domain.example.com" "then DKIM, tenant and domain enforcement"
assert_eq "$(sed -n '7,$p' <<<"$order")" "PATCH /mailboxes/M 
PATCH /mailboxes/M " "mailboxes last"
assert_eq "$(cat "$MNT/tenants/$t2/domains/new-domain.example.com/dkim_status")" "enabled" "the new domain's DKIM"
assert_eq "$(cat "$MNT/tenants/$t2/mailboxes/$m1/daily_send_limit")" "3" "the limit set after the tenant's enforcement"
assert_eq "$(cat "$MNT/tenants/$t2/mailboxes/$m2/display_name")" "Zoë Ñandú" "the display name"

# ---- a tenant that is gone, and a tar of the mount ----------------------------------
G="$T/gone"
mkdir -p "$G/tenants/00000000-0000-4000-8000-000000000000/mailboxes/m1" "$G/tenants/$t2"
echo 5 >"$G/tenants/00000000-0000-4000-8000-000000000000/mailbox_limit"
echo 5 >"$G/tenants/00000000-0000-4000-8000-000000000000/mailboxes/m1/daily_send_limit"
cp "$MNT/tenants/$t2/mailbox_limit" "$G/tenants/$t2/mailbox_limit"
apply_run --yes "$G" "$MNT"
assert_eq "$RC" "1" "apply naming a tenant that does not exist"
assert_match "$OUT" "tenants/00000000-0000-4000-8000-000000000000 \(not in the mount\)"$'
'"  cannot apply: tenants/00000000-0000-4000-8000-000000000000: no such tenant: it must be connected again in the TenantCore app \(2 desired values\)" "the missing tenant"
assert_match "$OUT" "0 changes, 1 unchanged, 1 cannot apply" "the rest is unchanged"
tar cf "$T/mount.tar" -C "$MNT" tenants by-name health
mkdir "$T/untar"
tar xf "$T/mount.tar" -C "$T/untar"
apply_run --check "$T/untar" "$MNT"
assert_eq "$RC/$ERR" "0/" "--check of a tar of the mount"
assert_match "$OUT" "No differences" "--check of a tar of the mount: output"

# ---- links are never followed; hostile names are refused ---------------------------
B="$T/links"
mkdir -p "$B/tenants/$t2"
ln -s /etc/hostname "$B/tenants/$t2/mailbox_limit"
apply_run --check "$B" "$MNT"
assert_eq "$RC" "2" "a desired value that is a link"
assert_match "$ERR" "tenants/$t2/mailbox_limit: a symbolic link: apply never follows links" "the link is named"
H="$T/hostile"
mkdir -p "$H/tenants/x"$'\n'"y"
echo 5 >"$H/tenants/x"$'\n'"y/mailbox_limit"
apply_run --check "$H" "$MNT"
assert_eq "$RC" "2" "a tenant name with a newline"
assert_match "$ERR" 'tenants/x\\x0ay: not a name the mount can show' "the name is refused, escaped"
assert_eq "$(grep -c . <<<"$ERR")" "2" "the escaped name keeps the message on one line"

# ---- a restore from an older commit of a snapshot repository ------------------------
R="$T/repo"
invalidate
run_cmd "$SNAPSHOT" "$MNT" "$R"
assert_eq "$RC" "0" "snapshot A"
rev_a=$(git -C "$R" rev-parse HEAD)
t1=${tids[1]}
mx=$(mailboxes_of "$t1" | sed -n 1p)
my=$(mailboxes_of "$t1" | sed -n 2p)
for mb in "$mx" "$my"; do
    m=$(jq -r .id <<<"$mb")
    emu_fetch PATCH "/v1/tenants/$t1/mailboxes/$m" '{"display_name": "Renamed Later"}'
    invalidate
    run_cmd "$SNAPSHOT" "$MNT" "$R"
    assert_eq "$RC" "0" "a later snapshot"
done
rev_b=$(git -C "$R" rev-parse HEAD~1)
# Recipe 1: git archive of the old commit, unpacked, applied.
mkdir "$T/old"
git -C "$R" archive "$rev_a" | tar -x -C "$T/old"
emu_settle
emu_stats_reset >/dev/null
apply_run --yes "$T/old" "$MNT"
assert_eq "$RC" "0" "apply of commit A (output: $OUT $ERR)"
assert_eq "$(writes_now)" "$(for mb in "$mx" "$my"; do write_line PATCH "/v1/tenants/$t1/mailboxes/$(jq -r .id <<<"$mb")" "$(jq -c '{display_name}' <<<"$mb")"; done | sort)" "the writes of the restore of commit A"
invalidate
run_cmd "$SNAPSHOT" "$MNT" "$R"
assert_eq "$RC" "0" "snapshot after the restore"
assert_eq "$(git -C "$R" diff --stat "$rev_a" HEAD)" "" "the tree after the restore equals commit A"
# Recipe 2: a git worktree at commit B (its .git file is not part of the tree).
git -C "$R" worktree add -q --detach "$T/wt" "$rev_b"
apply_run --check "$T/wt" "$MNT"
assert_eq "$RC" "1" "--check against commit B (one name differs)"
assert_match "$OUT" "1 change \(1 display name\)" "--check against commit B: the change"
assert_eq "$ERR" "" "no warning about the worktree's .git"
git -C "$R" worktree remove "$T/wt"

mnt_stop
echo "PASS: sparse trees by name and email, domains added in order, links and hostile names, older commits restored"
