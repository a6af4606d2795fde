#!/usr/bin/env bash
# tenantcorefs-apply restores a snapshot: after 50 limits, a display name,
# a tenant policy and a domain policy were changed and a domain's DKIM was
# dropped, applying the snapshot sends exactly the writes that put them
# back (tcemu's writes list is the witness), a new snapshot equals the
# first, and a second apply writes nothing. Planning reads lists, policies
# and DKIM states only (no usage, no DNS). Enforcement rewrites the stored
# limits of the mailboxes it covers (tcemu does), so a tenant whose policy
# is 12 and three of whose mailboxes are at 20 ends with exactly that.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/apply_helpers.bash"

emu_start --tenants 4 --domains 12 --mailboxes 3 --seed 11
# A long ttl: the test drops the caches (invalidate) whenever it changes
# tcemu behind the mount, as a user would.
mnt_start -o ttl=300
mapfile -t tids < <(tenant_ids)
t0=${tids[0]} t1=${tids[1]} t2=${tids[2]} t3=${tids[3]}

# ---- the state to restore ------------------------------------------------
calm_fleet
# Tenant 2: policy 12, three mailboxes at 20 (the issue's example). Set
# through the API: the policy rewrites every mailbox of the tenant to 12.
emu_fetch POST "/v1/tenants/$t2/mailbox-limits" '{"daily_send_limit": 12}'
assert_eq "$EMU_STATUS" "200" "fixture: tenant 2's policy"
mapfile -t t2_mbs < <(mailboxes_of "$t2" | jq -r .id)
for m in "${t2_mbs[@]:0:3}"; do
    emu_fetch PATCH "/v1/tenants/$t2/mailboxes/$m" '{"daily_send_limit": 20}'
done
invalidate
run_cmd "$SNAPSHOT" "$MNT" "$T/repo"
assert_eq "$RC" "0" "first snapshot (stderr: $ERR)"
snap="$T/repo"

run_cmd "$APPLY" --check "$snap" "$MNT"
assert_eq "$RC" "0" "--check right after the snapshot (output: $OUT $ERR)"
assert_match "$OUT" "No differences" "--check right after the snapshot"

# Planning costs what the values cost to read: the tenants list, each
# tenant's domains and mailboxes lists, each policy (tenant and domain) and
# each domain's DKIM state — never usage, DNS or tenant details.
ntenants=${#tids[@]}
ndomains=$(for t in "${tids[@]}"; do emu_get "/v1/tenants/$t/domains" | jq '.count'; done | paste -sd+ | bc)
invalidate
emu_settle
emu_stats_reset >/dev/null
run_cmd "$APPLY" --check "$snap" "$MNT"
assert_eq "$RC" "0" "--check on a cold mount"
emu_settle
stats=$(emu_stats)
assert_eq "$(jq -r '.by_route["GET /v1/tenants"]' <<<"$stats")" "1" "planning: tenants list"
assert_eq "$(jq -r '.by_route["GET /v1/tenants/{tenant_id}/domains"]' <<<"$stats")" "$ntenants" "planning: domains lists"
assert_eq "$(jq -r '.by_route["GET /v1/tenants/{tenant_id}/mailboxes"]' <<<"$stats")" "$ntenants" "planning: mailboxes lists"
assert_eq "$(jq -r '.by_route["GET /v1/tenants/{tenant_id}/mailbox-limits"]' <<<"$stats")" "$((ntenants + ndomains))" "planning: policies"
assert_eq "$(jq -r '.by_route["GET /v1/tenants/{tenant_id}/domains/{domain_name}/dkim-status"]' <<<"$stats")" "$ndomains" "planning: DKIM states"
assert_eq "$(jq -r '.total' <<<"$stats")" "$((1 + 3 * ntenants + 2 * ndomains))" "planning: API calls in all (no usage, DNS or details)"

# ---- the changes made since ---------------------------------------------
expected=()
# 50 stored limits in tenants 1 and 3 (no policy there), each to another value.
changed=0
for t in "$t1" "$t3"; do
    while IFS= read -r mb && ((changed < 50)); do
        m=$(jq -r .id <<<"$mb")
        old=$(jq -r .daily_send_limit <<<"$mb")
        new=$((old % 25 + 1))
        emu_fetch PATCH "/v1/tenants/$t/mailboxes/$m" "{\"daily_send_limit\": $new}"
        assert_eq "$EMU_STATUS" "200" "changing a limit"
        expected+=("$(write_line PATCH "/v1/tenants/$t/mailboxes/$m" "{\"daily_send_limit\": $old}")")
        changed=$((changed + 1))
    done < <(mailboxes_of "$t")
done
assert_eq "$changed" "50" "limits changed"
# One display name.
mb=$(mailboxes_of "$t1" | tail -1)
m=$(jq -r .id <<<"$mb")
name=$(jq -r .display_name <<<"$mb")
emu_fetch PATCH "/v1/tenants/$t1/mailboxes/$m" '{"display_name": "Someone Else"}'
expected+=("$(write_line PATCH "/v1/tenants/$t1/mailboxes/$m" "$(jq -n --arg n "$name" '{display_name: $n}')")")
# Tenant 2's policy: 9 (every mailbox of tenant 2 is now 9). The restore
# sets 12 (every mailbox 12 again), then the three mailboxes back to 20.
emu_fetch POST "/v1/tenants/$t2/mailbox-limits" '{"daily_send_limit": 9}'
expected+=("$(write_line POST "/v1/tenants/$t2/mailbox-limits" '{"daily_send_limit": 12}')")
for m in "${t2_mbs[@]:0:3}"; do
    expected+=("$(write_line PATCH "/v1/tenants/$t2/mailboxes/$m" '{"daily_send_limit": 20}')")
done
# Tenant 0's first domain's policy: 7 (its mailboxes are now 7). The restore
# sets 15, then each of those mailboxes back to its own value.
d0=$(emu_get "/v1/tenants/$t0/domains" | jq -r '.domains[0].domain_name')
assert_eq "$(cat "$snap/tenants/$t0/domains/$d0/mailbox_limit")" "15" "fixture: tenant 0's domain policy"
emu_fetch POST "/v1/tenants/$t0/mailbox-limits" "{\"daily_send_limit\": 7, \"domain_scope\": \"$d0\"}"
expected+=("$(write_line POST "/v1/tenants/$t0/mailbox-limits" "{\"daily_send_limit\": 15, \"domain_scope\": \"$d0\"}")")
for f in "$snap/tenants/$t0/domains/$d0/mailboxes/"*; do
    m=$(basename "$(readlink "$f")")
    v=$(cat "$snap/tenants/$t0/mailboxes/$m/daily_send_limit")
    [[ $v == 15 ]] || expected+=("$(write_line PATCH "/v1/tenants/$t0/mailboxes/$m" "{\"daily_send_limit\": $v}")")
done
# DKIM dropped on tenant 0's second domain.
d1=$(emu_get "/v1/tenants/$t0/domains" | jq -r '.domains[1].domain_name')
assert_eq "$(cat "$snap/tenants/$t0/domains/$d1/dkim_status")" "enabled" "fixture: DKIM of tenant 0's second domain"
emu_set "{\"tenant_id\":\"$t0\",\"domain_name\":\"$d1\",\"set\":{\"dkim_enabled\":false}}" >/dev/null
expected+=("$(write_line POST "/v1/tenants/$t0/domains/$d1/enable-dkim")")

# ---- check, then apply ----------------------------------------------------
invalidate
run_cmd "$APPLY" --check "$snap" "$MNT"
assert_eq "$RC" "1" "--check with drift"
assert_match "$OUT" "tenants/$t2/mailbox_limit: 9 -> 12" "the plan shows the tenant policy"
assert_match "$OUT" "tenants/$t0/domains/$d1/dkim_status: [a-z]+ -> enabled" "the plan shows DKIM"
assert_match "$OUT" "mailboxes/$m/display_name|display_name: \"Someone Else\" -> \"$name\"" "the plan shows the display name"
assert_match "$OUT" "Enforcement may rewrite" "the plan warns about enforcement"
# Grouped by tenant, tenant names shown.
t2name=$(cat "$MNT/tenants/$t2/name")
assert_match "$OUT" $'\n'"$t2name \\(tenants/$t2\\)"$'\n' "tenant 2's header"

emu_settle
emu_stats_reset >/dev/null
apply_run --yes "$snap" "$MNT"
assert_eq "$RC" "0" "apply --yes of the snapshot (output: $OUT $ERR)"
assert_match "$OUT" "The live state now matches" "apply's summary"
assert_eq "$ERR" "" "apply's stderr"
printf '%s\n' "${expected[@]}" | sort >"$T/expected"
writes_now >"$T/got"
diff -u "$T/expected" "$T/got" >"$T/diff" || fail "tcemu's writes are not exactly the restore's: $(head -30 "$T/diff")"
assert_eq "$(wc -l <"$T/got")" "$((50 + 1 + 1 + 3 + 1 + 1 + $(grep -c "$t0/mailboxes/" "$T/expected")))" "number of writes"
# Tenant 2 ends as it was: policy 12, three mailboxes at 20, the rest 12.
assert_eq "$(cat "$MNT/tenants/$t2/mailbox_limit")" "12" "tenant 2's policy after the restore"
assert_eq "$(mailboxes_of "$t2" | jq -r .daily_send_limit | sort -n | uniq -c | awk '{print $2 "x" $1}' | paste -sd' ')" \
    "12x$((${#t2_mbs[@]} - 3)) 20x3" "tenant 2's limits after the restore"

# A new snapshot equals the first.
run_cmd "$SNAPSHOT" "$MNT" "$snap"
assert_eq "$RC" "0" "second snapshot (stderr: $ERR)"
assert_match "$OUT" "no change since the last snapshot" "second snapshot after the restore (git diff: $(git -C "$snap" diff HEAD~1 --stat 2>/dev/null | tail -3))"
assert_eq "$(git -C "$snap" status --porcelain)" "" "snapshot work tree after the restore"

# Applying again sends no write.
emu_settle
emu_stats_reset >/dev/null
apply_run --yes "$snap" "$MNT"
assert_eq "$RC" "0" "second apply"
assert_match "$OUT" "Nothing to apply" "second apply's output"
assert_eq "$(writes_count)" "0" "writes of the second apply"

mnt_stop
echo "PASS: a snapshot restored with exactly the writes it needs; a new snapshot equals it; a second apply writes nothing"
