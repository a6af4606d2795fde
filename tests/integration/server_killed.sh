#!/usr/bin/env bash
# The API server dies mid-walk (SIGKILL: connections reset, requests in
# flight) and comes back on the same port a few seconds later. Readers
# walking the tree meanwhile get stale data (within stale_ttl) or
# ECONNREFUSED, never hang past the bound, never see ENOENT for names that
# exist; a write during the outage fails and is not replayed later; after
# the restart the mount recovers by itself (same daemon, no remount) and a
# full walk succeeds.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/reliability_helpers.bash"

emu_args=(--tenants 3 --domains 6 --mailboxes 2)
emu_start "${emu_args[@]}"
port=$EMU_PORT
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
m=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[0].id')
limit_before=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r --arg m "$m" '.mailboxes[] | select(.id == $m) | .daily_send_limit')

# ttl=1: the walkers keep requests in flight; stale_ttl=3: during a 6 s
# outage, cached data is served at first, then reads fail.
# Bound: timeout x (retries + 1) = 6 s, backoff <= 0.25 + 0.5 s, 1 s slack.
BOUND_MS=7750
mnt_start -o ttl=1,stale_ttl=3,timeout=2,retries=2
pid_before=$FS_PID

# Baseline: every name that exists, from a walk with the API up.
walk_timed "$MNT" "$T/walk.baseline"
[[ -z $(walk_log_errors "$T/walk.baseline") ]] || fail "the baseline walk failed: $(walk_log_errors "$T/walk.baseline" | head -3)"
nfiles=$(grep -c $'\tread\t' "$T/walk.baseline")
((nfiles > 100)) || fail "the baseline walk read only $nfiles files"

# Three walkers for the whole run.
start=$(now_us)
end=$((start + 16 * 1000000))
pids=()
for i in 1 2 3; do
    walk_until "$end" "$MNT" "$T/walk.$i" &
    pids+=($!)
done
sleep 3
kill -KILL "$EMU_PID"
wait "$EMU_PID" 2>/dev/null || true
down_us=$(now_us)
echo "tcemu killed $(((down_us - start) / 1000)) ms into the walk"

# A write while the API is down: refused, within the bound.
sleep 1
ws=$(now_us)
set +e
(echo 17 >"$MNT/tenants/$t/mailboxes/$m/daily_send_limit") 2>"$T/w.err"
wrc=$?
set -e
wms=$((($(now_us) - ws) / 1000))
assert_eq "$wrc" "1" "a write while the API is down: exit status"
assert_match "$(cat "$T/w.err")" "Connection refused" "a write while the API is down"
((wms < BOUND_MS)) || fail "a write while the API is down took $wms ms"

sleep 5
# Back on the same port, same fleet.
"$TCEMU" --port "$port" "${emu_args[@]}" >"$T/emu2.out" 2>"$T/emu2.err" </dev/null &
EMU_PID=$!
for _ in $(seq 200); do grep -q listening "$T/emu2.out" && break; sleep 0.05; done
grep -q listening "$T/emu2.out" || fail "tcemu did not restart on port $port: $(cat "$T/emu2.err")"
up_us=$(now_us)
echo "tcemu back after $(((up_us - down_us) / 1000)) ms"

for p in "${pids[@]}"; do wait "$p" || fail "a walker failed"; done
cat "$T"/walk.[123] >"$T/walk.all"

# Never past the bound.
read -r max_ms max_path < <(walk_log_max "$T/walk.all")
((max_ms < BOUND_MS)) || fail "an operation took $max_ms ms (bound $BOUND_MS ms): $max_path"
# Never ENOENT; failures are the API being down.
if grep -q "No such file or directory" "$T/walk.all"; then
    fail "ENOENT for names that exist: $(grep "No such file or directory" "$T/walk.all" | head -3)"
fi
walk_log_errors "$T/walk.all" >"$T/walk.errors"
other=$(grep -v "Connection refused" "$T/walk.errors" || true)
[[ -z $other ]] || fail "failures other than ECONNREFUSED while the API was down: $(head -3 <<<"$other")"
nerr=$(wc -l <"$T/walk.errors")
((nerr > 0)) || fail "no read failed during a 6 s outage with stale_ttl=3"
# During the outage some reads were served from stale data.
served=$(awk -F'\t' '$2 == "read" && $3 == 0' "$T/walk.all" | wc -l)
stale=$(jq .cache.stale_serves "$MNT/.tenantcorefs/stats.json")
((stale > 0)) || fail "nothing was served stale while the API was down"
echo "walkers: $(wc -l <"$T/walk.all") operations, $served reads ok, $nerr failures (all ECONNREFUSED), $stale stale serves, longest $max_ms ms"

# Recovered by itself: same daemon, still mounted, and after the hold
# window (min(5 s, ttl)) a full walk has no failure at all.
assert_eq "$FS_PID" "$pid_before" "daemon after the outage"
kill -0 "$FS_PID" 2>/dev/null || fail "the daemon died during the outage"
mountpoint -q "$MNT" || fail "the mount is gone after the outage"
sleep 2
rm -f "$T/walk.after"
walk_timed "$MNT" "$T/walk.after"
[[ -z $(walk_log_errors "$T/walk.after") ]] || fail "a walk after the API came back failed: $(walk_log_errors "$T/walk.after" | head -3)"
assert_eq "$(grep -c $'\tread\t' "$T/walk.after")" "$nfiles" "files read by a walk after the API came back"
assert_eq "$(cat "$MNT/tenants/$t/mailboxes/$m/usage.json")" "$(emu_get "/v1/tenants/$t/mailboxes/$m/usage" | jq .)" "usage.json after the API came back"
# The write refused during the outage was not replayed.
assert_eq "$(emu_stats | jq '.writes | length')" "0" "writes received after the restart"
assert_eq "$(cat "$MNT/tenants/$t/mailboxes/$m/daily_send_limit")" "$(jq -rn --argjson v "$limit_before" 'if $v == null then "none" else $v end')" "daily_send_limit after the outage"
# And the new server takes writes through the same mount.
echo 9 >"$MNT/tenants/$t/mailboxes/$m/daily_send_limit"
assert_eq "$(emu_get "/v1/tenants/$t/mailboxes" | jq -r --arg m "$m" '.mailboxes[] | select(.id == $m) | .daily_send_limit')" "9" "a write after the API came back"

mnt_stop

# A write whose connection is refused was never sent: it is retried, and
# succeeds once the server is back, as one PATCH. (retries=6: the backoffs
# add up to at least 7.9 s, far more than a restart takes.)
mnt_start -o timeout=2,retries=6
ls "$MNT/tenants/$t/mailboxes" >/dev/null
kill -KILL "$EMU_PID"
wait "$EMU_PID" 2>/dev/null || true
ws=$(now_us)
(echo 21 >"$MNT/tenants/$t/mailboxes/$m/daily_send_limit") 2>"$T/w.err" &
wpid=$!
sleep 0.3
"$TCEMU" --port "$port" "${emu_args[@]}" >"$T/emu3.out" 2>"$T/emu3.err" </dev/null &
EMU_PID=$!
for _ in $(seq 200); do grep -q listening "$T/emu3.out" && break; sleep 0.05; done
grep -q listening "$T/emu3.out" || fail "tcemu did not restart on port $port: $(cat "$T/emu3.err")"
wrc=0
wait "$wpid" || wrc=$?
wms=$((($(now_us) - ws) / 1000))
assert_eq "$wrc" "0" "a write retried until the server came back: exit status ($(cat "$T/w.err"))"
assert_eq "$(emu_stats | jq -c '[.writes[] | [.method, .status]]')" '[["PATCH",200]]' "PATCHes received for a write retried after connection refused"
assert_eq "$(emu_get "/v1/tenants/$t/mailboxes" | jq -r --arg m "$m" '.mailboxes[] | select(.id == $m) | .daily_send_limit')" "21" "the value of a write retried after connection refused"
echo "a write made while the server was down succeeded after $wms ms, once"
kill -TERM "$EMU_PID"
wait "$EMU_PID" || true
EMU_PID=""
mnt_stop
echo "PASS: outage of $(((up_us - down_us) / 1000)) ms: stale or ECONNREFUSED within the bound, no ENOENT, recovered without a remount"
