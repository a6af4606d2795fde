#!/usr/bin/env bash
# The API stopped: cached files are still served (stale-if-error),
# uncached ones fail fast with ECONNREFUSED; when the API is back on the
# same address the mount recovers by itself.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 2 --domains 3 --mailboxes 2
port=$EMU_PORT
mnt_start -o ttl=1,stale_ttl=300,timeout=2,retries=1
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
mapfile -t mbs < <(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[].id')
cached="$MNT/tenants/$t/mailboxes/${mbs[0]}"
uncached="$MNT/tenants/$t/mailboxes/${mbs[1]}/usage.json"
want_limit=$(cat "$cached/daily_send_limit")
want_usage=$(cat "$cached/usage.json")

emu_stop
sleep 1.5 # past the TTL

# Stale but served.
assert_eq "$(cat "$cached/daily_send_limit")" "$want_limit" "cached daily_send_limit while the API is down"
assert_eq "$(cat "$cached/usage.json")" "$want_usage" "cached usage.json while the API is down"
stale=$(jq .cache.stale_serves "$MNT/.tenantcorefs/stats.json")
[[ $stale -gt 0 ]] || fail "no stale serves counted"

# Uncached: ECONNREFUSED, quickly (bound: timeout x (retries + 1) + backoff).
start=$(date +%s%N)
run_cmd cat "$uncached"
elapsed=$((($(date +%s%N) - start) / 1000000))
assert_eq "$RC" "1" "cat of an uncached file while the API is down"
assert_match "$ERR" "Connection refused" "error of an uncached read"
[[ $elapsed -lt 6000 ]] || fail "the failing read took $elapsed ms"
grep -q "ECONNREFUSED" "$MNT/.tenantcorefs/errors" || fail "no ECONNREFUSED line in the errors file"

# Back on the same port: the mount recovers without a remount.
"$TCEMU" --port "$port" --tenants 2 --domains 3 --mailboxes 2 >"$T/emu2.out" 2>&1 &
EMU_PID=$!
for _ in $(seq 100); do grep -q listening "$T/emu2.out" && break; sleep 0.05; done
grep -q listening "$T/emu2.out" || fail "tcemu did not restart on port $port"
sleep 5.1 # past the hold window after the failure
assert_eq "$(cat "$uncached")" "$(emu_get "/v1/tenants/$t/mailboxes/${mbs[1]}/usage" | jq .)" "usage.json after the API came back"
kill "$EMU_PID"
wait "$EMU_PID" || true
EMU_PID=""
mnt_stop
echo "PASS: stale served, uncached failed in ${elapsed} ms, recovered without a remount"
