#!/usr/bin/env bash
# tenantcorefs-apply as a user meets it: usage and exit codes (--check for
# cron: 0 no drift, 1 drift, 2 trouble), a bad desired value refusing the
# whole run before any write, a mailbox deleted meanwhile ("cannot apply")
# and one whose id changed (found again by its email) while the rest apply,
# injected 5xx (failures listed with errno and the API's words, exit 1, a
# rerun completes), a value the API changes behind the write (written once
# more, then reported), an apply stopped by a signal, --json, and the confirmation: refused without a
# terminal, asked for on one (where progress is shown too).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/apply_helpers.bash"

emu_start --tenants 3 --domains 8 --mailboxes 3 --seed 7
# retries=8: reads ride out the injected 5xx below (a read fails only when
# nine attempts in a row do, 0.3^9); writes are never retried.
mnt_start -o ttl=300,retries=8
mapfile -t tids < <(tenant_ids)
t0=${tids[0]} t2=${tids[2]}
calm_fleet
invalidate
run_cmd "$SNAPSHOT" "$MNT" "$T/repo"
assert_eq "$RC" "0" "snapshot (stderr: $ERR)"
snap="$T/repo"

# ---- usage and trouble: exit 2, nothing written ----------------------------
apply_run
assert_eq "$RC" "2" "no arguments"
assert_match "$ERR" "^usage: tenantcorefs-apply \[--check \| --dry-run \| --yes\]" "usage line"
apply_run --check --yes "$snap" "$MNT"
assert_eq "$RC" "2" "--check with --yes"
apply_run --jobs 0 "$snap" "$MNT"
assert_eq "$RC" "2" "--jobs 0"
apply_run --check "$snap" "$T"
assert_eq "$RC/$ERR" "2/tenantcorefs-apply: $T is not a mount point" "a directory that is not a mount"
apply_run --check "$snap" /proc
assert_eq "$RC/$ERR" "2/tenantcorefs-apply: /proc is a proc mount, not a tenantcorefs mount" "another filesystem"
apply_run --check "$T/nonexistent" "$MNT"
assert_eq "$RC" "2" "a DESIRED_DIR that does not exist"
apply_run --check "$MNT/tenants" "$MNT"
assert_eq "$RC" "2" "DESIRED_DIR inside the mount"
assert_match "$ERR" "inside the mount" "DESIRED_DIR inside the mount: message"
apply_run --help
assert_eq "$RC" "0" "--help"
assert_match "$OUT" "--jobs N" "--help lists --jobs"

# ---- --check: 0 then 1 ----------------------------------------------------
apply_run --check "$snap" "$MNT"
assert_eq "$RC" "0" "--check without drift (output: $OUT)"
# sed, not head: head leaves early, jq may die of SIGPIPE and pipefail ends the test.
m0=$(mailboxes_of "$t0" | sed -n 1p | jq -r .id)
old0=$(cat "$snap/tenants/$t0/mailboxes/$m0/daily_send_limit")
emu_fetch PATCH "/v1/tenants/$t0/mailboxes/$m0" "{\"daily_send_limit\": $((old0 % 25 + 1))}"
invalidate
apply_run --check "$snap" "$MNT"
assert_eq "$RC" "1" "--check with drift"
assert_match "$OUT" "tenants/$t0/mailboxes/$m0/daily_send_limit: $((old0 % 25 + 1)) -> $old0" "--check shows the drift"
assert_match "$OUT" "1 change \(1 daily limit\)" "--check's counts"
apply_run --check --json "$snap" "$MNT"
assert_eq "$RC" "1" "--check --json with drift"
assert_eq "$(jq -c '[.mode, .exit, .plan.changes.total, .plan.changes.daily_send_limit, (.items | length), .items[0].state, .items[0].live, .items[0].desired]' <<<"$OUT")" \
    "[\"check\",1,1,1,1,\"change\",\"$((old0 % 25 + 1))\",\"$old0\"]" "--check --json"

# ---- no confirmation without a terminal --------------------------------------
emu_settle
n=$(writes_count)
apply_run "$snap" "$MNT"
assert_eq "$RC" "2" "apply without --yes and without a terminal"
assert_match "$ERR" "run with --yes" "apply without --yes: message"
assert_eq "$(writes_count)" "$n" "writes without confirmation"

# ---- a bad desired value refuses the whole run -------------------------------
cp -a "$snap" "$T/bad"
rm -rf "$T/bad/.git"
m1=$(mailboxes_of "$t2" | sed -n 2p | jq -r .id)
echo 26 >"$T/bad/tenants/$t2/mailboxes/$m1/daily_send_limit"
emu_settle
n=$(writes_count)
apply_run --yes "$T/bad" "$MNT"
assert_eq "$RC" "2" "apply with a desired 26"
assert_match "$ERR" "tenants/$t2/mailboxes/$m1/daily_send_limit: \"26\": [a-z]" "the bad value's file and reason"
assert_match "$ERR" "nothing was written" "the bad value: nothing written"
assert_eq "$(writes_count)" "$n" "writes with a bad desired value"
apply_run --check "$T/bad" "$MNT"
assert_eq "$RC" "2" "--check with a bad desired value"

# ---- deleted meanwhile, and found again by email --------------------------------
mapfile -t mbs < <(mailboxes_of "$t2")
gone=$(jq -r .id <<<"${mbs[0]}") moved=$(jq -r .id <<<"${mbs[1]}")
moved_email=$(jq -r .primary_smtp <<<"${mbs[1]}")
# Both get a limit to put back; a third one a limit the API cannot unset.
for m in "$gone" "$moved"; do
    v=$(cat "$snap/tenants/$t2/mailboxes/$m/daily_send_limit")
    emu_fetch PATCH "/v1/tenants/$t2/mailboxes/$m" "{\"daily_send_limit\": $((v % 25 + 1))}"
done
moved_old=$(cat "$snap/tenants/$t2/mailboxes/$moved/daily_send_limit")
none_m=$(jq -r .id <<<"${mbs[2]}")
cp -a "$snap" "$T/none" && rm -rf "$T/none/.git"
echo none >"$T/none/tenants/$t2/mailboxes/$none_m/daily_send_limit"
new_id=0bad0bad-0000-4000-8000-00000000d00d
moved_id=0bad0bad-0000-4000-8000-00000000beef
emu_set "{\"tenant_id\":\"$t2\",\"mailbox_id\":\"$gone\",\"set\":{\"id\":\"$new_id\",\"primary_smtp\":\"someone.new@$(jq -r .domain_name <<<"${mbs[0]}")\"}}" >/dev/null
emu_set "{\"tenant_id\":\"$t2\",\"mailbox_id\":\"$moved\",\"set\":{\"id\":\"$moved_id\"}}" >/dev/null
invalidate
emu_settle
emu_stats_reset >/dev/null
apply_run --yes "$T/none" "$MNT"
assert_eq "$RC" "1" "apply with a deleted mailbox and a none (output: $OUT $ERR)"
assert_match "$OUT" "cannot apply: tenants/$t2/mailboxes/$gone: no such mailbox: it must be provisioned again \(passwords are never stored\) \(2 desired values; email [^ ]+\)" "the deleted mailbox"
assert_match "$OUT" "cannot apply: tenants/$t2/mailboxes/$none_m/daily_send_limit: [0-9]+ -> none: the API cannot unset" "none over a live limit"
assert_match "$OUT" "tenants/$t2/mailboxes/$moved_id/daily_send_limit: $((moved_old % 25 + 1)) -> $moved_old  \(mailbox $moved no longer exists; found by its email $moved_email as $moved_id\)" "the mailbox found by email"
assert_match "$OUT" "2 done, 0 failed, 0 skipped" "the rest applied"
{
    write_line PATCH "/v1/tenants/$t0/mailboxes/$m0" "{\"daily_send_limit\": $old0}"
    write_line PATCH "/v1/tenants/$t2/mailboxes/$moved_id" "{\"daily_send_limit\": $moved_old}"
} | sort >"$T/expected"
writes_now >"$T/got"
diff -u "$T/expected" "$T/got" >"$T/diff" || fail "writes with a deleted mailbox: $(cat "$T/diff")"

# ---- injected 5xx: failures listed, exit 1, a rerun completes -------------------
mapfile -t mbs < <(mailboxes_of "${tids[1]}")
for mb in "${mbs[@]}"; do
    m=$(jq -r .id <<<"$mb")
    v=$(jq -r .daily_send_limit <<<"$mb")
    emu_fetch PATCH "/v1/tenants/${tids[1]}/mailboxes/$m" "{\"daily_send_limit\": $((v % 25 + 1))}"
done
invalidate
emu_settle
emu_stats_reset >/dev/null
emu_config '{"error_rate": 0.3}' >/dev/null
apply_run --yes "$snap" "$MNT"
emu_config '{"error_rate": 0}' >/dev/null
assert_eq "$RC" "1" "apply under injected 5xx (output: $OUT $ERR)"
failed=$(emu_stats | jq -r '.writes[] | select(.status >= 500) | .path' | sort -u)
[[ -n "$failed" ]] || fail "no write failed under a 30% error rate (${#mbs[@]} writes)"
listed=$(sed -n '/^Failed:$/,/^[A-Z]/p' <<<"$OUT" | grep -c ': EIO (Input/output error): 50[0-9] ') || true
assert_eq "$listed" "$(grep -c . <<<"$failed")" "failures listed with EIO and the API's status (output: $OUT)"
assert_match "$OUT" "The live state does not match yet: [1-9][0-9]* failed" "the summary under 5xx"
emu_stats_reset >/dev/null
apply_run --yes "$snap" "$MNT"
assert_eq "$RC" "1" "the rerun (the deleted mailbox still cannot apply; output: $OUT)"
assert_match "$OUT" "[0-9]+ done, 0 failed, 0 skipped" "the rerun completes"
assert_eq "$(emu_stats | jq -r '.writes[].path' | sort -u)" "$failed" "the rerun writes exactly what failed"

# ---- on a terminal: asked, with progress -------------------------------------------
pty_run() { # ANSWER CMD...: run CMD on a terminal, answer the prompt; prints the screen
    ANSWER=$1 "$PY" -c '
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, sent = b"", False
while True:
    r, _, _ = select.select([fd], [], [], 60)
    if not r:
        break
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and b"is accepted: " in out:
        os.write(fd, os.environ["ANSWER"].encode() + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
' "${@:2}"
}
PY=$(python3 -c 'import sys; print(sys.executable)')
m=$(jq -r .id <<<"${mbs[0]}")
emu_fetch PATCH "/v1/tenants/${tids[1]}/mailboxes/$m" '{"daily_send_limit": 1}'
invalidate
set +e
screen=$(pty_run no "$APPLY" "$snap" "$MNT")
rc=$?
set -e
assert_eq "$rc" "2" "apply answered 'no' on a terminal"
assert_match "$screen" "Apply 1 change to $MNT\\? Only 'yes' is accepted: " "the question"
assert_match "$screen" "not applied; nothing was written" "answered no"
# Slow writes (jobs 1, 0.3 s each) so the progress line shows.
for mb in "${mbs[@]:1:5}"; do
    emu_fetch PATCH "/v1/tenants/${tids[1]}/mailboxes/$(jq -r .id <<<"$mb")" '{"daily_send_limit": 1}'
done
invalidate
emu_config '{"latency_ms": 300}' >/dev/null
set +e
screen=$(pty_run yes "$APPLY" --jobs 1 "$snap" "$MNT")
rc=$?
set -e
emu_config '{"latency_ms": 0}' >/dev/null
assert_eq "$rc" "1" "apply answered 'yes' on a terminal (the deleted mailbox still cannot apply): $screen"
assert_match "$screen" "6 done, 0 failed" "applied after 'yes'"
assert_match "$screen" $'\r\033\\[Kmailbox names and limits [0-9]/6, [0-9]+/s' "the progress line"

# ---- the API changes a value behind the write ---------------------------------------
# The mailboxes list is read once before (cached), so only the read-backs
# after the write meet tcemu's canned answer showing another limit.
behind() { # TIMES: the read-backs that see another value (-1: all of them)
    local mb m v other body
    mb=$(mailboxes_of "$t0" | sed -n 2p)
    m=$(jq -r .id <<<"$mb")
    v=$(cat "$snap/tenants/$t0/mailboxes/$m/daily_send_limit")
    other=$((v % 25 + 1))
    emu_fetch PATCH "/v1/tenants/$t0/mailboxes/$m" "{\"daily_send_limit\": $other}"
    invalidate
    cat "$MNT/tenants/$t0/mailboxes/$m/daily_send_limit" >/dev/null
    body=$(emu_get "/v1/tenants/$t0/mailboxes" | jq -c --arg m "$m" --argjson o "$other" \
        '(.mailboxes[] | select(.id == $m) | .daily_send_limit) |= $o')
    emu_override "$(jq -nc --arg p "/v1/tenants/$t0/mailboxes" --arg b "$body" --argjson n "$1" \
        '{method: "GET", path: $p, status: 200, body: $b, times: $n}')" >/dev/null
    emu_settle
    emu_stats_reset >/dev/null
    apply_run --yes "$snap" "$MNT"
    emu_override_clear >/dev/null
    BEHIND_LINE=$(write_line PATCH "/v1/tenants/$t0/mailboxes/$m" "{\"daily_send_limit\": $v}")
    BEHIND_PATH="tenants/$t0/mailboxes/$m/daily_send_limit"
    BEHIND_OTHER=$other BEHIND_V=$v
}
behind 1
assert_eq "$RC" "1" "apply when the API changed a value behind the write once (the deleted mailbox still cannot apply)"
assert_match "$OUT" "1 done, 0 failed, 0 skipped; 1 written twice because the API changed them behind the write" "written twice"
assert_eq "$(writes_now)" "$BEHIND_LINE
$BEHIND_LINE" "the value is written twice"
behind -1
assert_eq "$RC" "1" "apply when the API keeps showing another value"
assert_match "$OUT" "Changed by the API behind the write:"$'\n'"  $BEHIND_PATH: $BEHIND_OTHER -> $BEHIND_V \(written twice; the API still shows the value before the arrow\)" "the value the API keeps changing"
assert_eq "$(writes_now)" "$BEHIND_LINE
$BEHIND_LINE" "written twice, not more"
invalidate

# ---- interrupted: writes in flight finish, the rest is reported not done ---------------
for mb in "${mbs[@]:1:5}"; do
    emu_fetch PATCH "/v1/tenants/${tids[1]}/mailboxes/$(jq -r .id <<<"$mb")" '{"daily_send_limit": 2}'
done
invalidate
emu_settle
emu_stats_reset >/dev/null
emu_config '{"latency_ms": 400}' >/dev/null
"$APPLY" --yes --jobs 1 "$snap" "$MNT" >"$T/int.out" 2>&1 </dev/null &
pid=$!
for ((i = 0; i < 200; i++)); do
    (($(writes_count) >= 1)) && break
    sleep 0.1
done
(($(writes_count) >= 1)) || fail "no write reached tcemu within 20 s"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
emu_config '{"latency_ms": 0}' >/dev/null
assert_eq "$rc" "1" "apply stopped by SIGTERM ($(cat "$T/int.out"))"
written=$(writes_count)
((written >= 1 && written < 5)) || fail "writes before the stop: $written"
assert_match "$(cat "$T/int.out")" "$written done, 0 failed, $((5 - written)) skipped" "the outcome of an interrupted apply"
assert_match "$(cat "$T/int.out")" "daily_send_limit: 2 -> [0-9]+: interrupted before it was written" "what was not written"
apply_run --yes "$snap" "$MNT"
assert_match "$OUT" "$((5 - written)) done, 0 failed, 0 skipped" "a rerun after the stop"

# ---- a read-only mount ------------------------------------------------------------
mnt_stop
mnt_start -o ro
apply_run --yes "$snap" "$MNT"
assert_eq "$RC" "2" "apply on a read-only mount"
assert_match "$ERR" "mounted read-only" "apply on a read-only mount: message"
apply_run --check "$snap" "$MNT"
assert_eq "$RC" "1" "--check works on a read-only mount (the deleted mailbox is drift)"
mnt_stop
echo "PASS: exit codes, refusals, cannot-apply, 5xx and rerun, --json, confirmation and progress"
