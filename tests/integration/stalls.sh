#!/usr/bin/env bash
# A server that accepts a request and never answers ("silent"), and one
# that sends its headers and then drips a byte a second ("drip"): reads of
# those paths fail with ETIMEDOUT within timeout x (retries + 1) plus
# backoff, a stalled write fails the same way after one attempt, and while
# a stalled read is pending the mount answers other paths, cached and
# uncached, at once. Afterwards tcemu has nothing in flight: the daemon
# gave its connections up.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 2 --domains 4 --mailboxes 2
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
t2=$(emu_get /v1/tenants | jq -r '.tenants[1].tenant_id')
mapfile -t mbs < <(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[].id')
mapfile -t doms < <(emu_get "/v1/tenants/$t/domains" | jq -r '.domains[].domain_name')
mb_api="/v1/tenants/$t/mailboxes"

# timeout=2,retries=1: the bound is 2 x 2 s, plus at most 0.25 s of
# backoff, plus a second for scheduling on a busy machine.
BOUND_MS=5250
mnt_start -o timeout=2,retries=1,prefetch=0

# timed CMD...: runs CMD; sets RC, OUT, ERR and MS (its duration).
timed() {
    local start
    start=$(now_ms)
    run_cmd "$@"
    MS=$(($(now_ms) - start))
}

# Warm what the "cached" probes read.
ls "$MNT/tenants/$t/mailboxes" "$MNT/tenants/$t/domains" >/dev/null
cached="$MNT/tenants/$t/mailboxes/${mbs[0]}/daily_send_limit"
want_cached=$(cat "$cached")

# stalled_read KIND PATH_API FILE UNCACHED_PROBE: the read of FILE, whose
# GET is stalled, fails with ETIMEDOUT within the bound; while it waits,
# a cached file and an uncached one read at once.
stalled_read() {
    local kind=$1 api=$2 file=$3 probe=$4 probe_want=$5
    emu_override "{\"method\":\"GET\",\"path\":\"$api\",\"stall\":\"$kind\",\"status\":200,\"body\":\"{\\\"padding\\\":\\\"$(printf '%0100d' 0)\\\"}\",\"times\":-1}" >/dev/null
    local start pid
    start=$(now_ms)
    cat "$file" >"$T/stalled.out" 2>"$T/stalled.err" &
    pid=$!
    sleep 0.5
    kill -0 "$pid" 2>/dev/null || fail "$kind: the read of a stalled path ended at once: $(cat "$T/stalled.err")"
    # Meanwhile: a cached file next to the stalled one, and an uncached one.
    timed cat "$cached"
    assert_eq "$RC" "0" "$kind: cached read while a stalled read is pending ($ERR)"
    assert_eq "$OUT" "$want_cached" "$kind: cached read while a stalled read is pending"
    ((MS < 1000)) || fail "$kind: a cached read took $MS ms while a stalled read was pending"
    timed cat "$probe"
    assert_eq "$RC" "0" "$kind: uncached read while a stalled read is pending ($ERR)"
    assert_eq "$OUT" "$probe_want" "$kind: uncached read while a stalled read is pending"
    ((MS < 1500)) || fail "$kind: an uncached read took $MS ms while a stalled read was pending"
    timed ls "$MNT/tenants/$t2/domains"
    assert_eq "$RC" "0" "$kind: listing another directory while a stalled read is pending ($ERR)"
    ((MS < 1500)) || fail "$kind: a listing took $MS ms while a stalled read was pending"
    local rc=0
    wait "$pid" || rc=$?
    local ms=$(($(now_ms) - start))
    emu_override_clear >/dev/null
    assert_eq "$rc" "1" "$kind: exit status of the stalled read"
    assert_match "$(cat "$T/stalled.err")" "Connection timed out" "$kind: error of the stalled read"
    ((ms < BOUND_MS)) || fail "$kind: the stalled read took $ms ms (bound $BOUND_MS ms)"
    ((ms >= 1900)) || fail "$kind: the stalled read gave up after $ms ms, before timeout=2"
    echo "$kind: the stalled read failed with ETIMEDOUT after $ms ms"
}

stalled_read silent "$mb_api/${mbs[0]}/usage" "$MNT/tenants/$t/mailboxes/${mbs[0]}/usage.json" \
    "$MNT/tenants/$t/domains/${doms[0]}/dns.json" \
    "$(emu_get "/v1/tenants/$t/domains/${doms[0]}/dns" | jq .)"
stalled_read drip "$mb_api/${mbs[1]}/usage" "$MNT/tenants/$t/mailboxes/${mbs[1]}/usage.json" \
    "$MNT/tenants/$t/domains/${doms[1]}/dns.json" \
    "$(emu_get "/v1/tenants/$t/domains/${doms[1]}/dns" | jq .)"
# A stalled list: the directory cannot be listed, within the bound.
emu_override "{\"method\":\"GET\",\"path\":\"/v1/tenants/$t2/mailboxes\",\"stall\":\"silent\",\"times\":-1}" >/dev/null
timed ls "$MNT/tenants/$t2/mailboxes"
emu_override_clear >/dev/null
assert_eq "$RC" "2" "ls of a directory whose list is stalled: exit status"
assert_match "$ERR" "Connection timed out" "ls of a directory whose list is stalled"
((MS < BOUND_MS)) || fail "ls of a stalled directory took $MS ms (bound $BOUND_MS ms)"
grep -q "ETIMEDOUT" "$MNT/.tenantcorefs/errors" || fail "no ETIMEDOUT line in the errors file"

# Every slot taken by stalls (max_conns=2): a third read still ends within
# the bound, queueing included.
mnt_stop
mnt_start -o timeout=2,retries=1,prefetch=0,max_conns=2
ls "$MNT/tenants/$t/mailboxes" >/dev/null
pids=()
for i in 0 1; do
    emu_override "{\"method\":\"GET\",\"path\":\"$mb_api/${mbs[$i]}/usage\",\"stall\":\"silent\",\"times\":-1}" >/dev/null
    cat "$MNT/tenants/$t/mailboxes/${mbs[$i]}/usage.json" >/dev/null 2>&1 &
    pids+=($!)
done
sleep 0.3
timed cat "$MNT/tenants/$t/mailboxes/${mbs[2]}/usage.json"
assert_eq "$RC" "0" "read queued behind stalled requests that fill max_conns ($ERR)"
((MS < BOUND_MS)) || fail "a read queued behind stalls took $MS ms (bound $BOUND_MS ms)"
echo "a read queued behind 2 stalls (max_conns=2) took $MS ms"
for p in "${pids[@]}"; do wait "$p" && fail "a stalled read succeeded"; done
emu_override_clear >/dev/null

# A stalled write: ETIMEDOUT after one attempt (it was sent: never
# retried), within the bound.
emu_stats_reset >/dev/null
emu_override "{\"method\":\"PATCH\",\"path\":\"$mb_api/${mbs[0]}\",\"stall\":\"silent\",\"times\":-1}" >/dev/null
start=$(now_ms)
set +e
(echo 9 >"$MNT/tenants/$t/mailboxes/${mbs[0]}/daily_send_limit") 2>"$T/w.err"
rc=$?
set -e
ms=$(($(now_ms) - start))
assert_eq "$rc" "1" "a stalled write: exit status"
assert_match "$(cat "$T/w.err")" "Connection timed out" "a stalled write: error"
((ms < BOUND_MS)) || fail "the stalled write took $ms ms (bound $BOUND_MS ms)"
n=$(emu_stats | jq '[.writes[] | select(.method == "PATCH")] | length')
assert_eq "$n" "1" "PATCHes sent for a stalled write"
emu_override_clear >/dev/null
echo "a stalled write failed with ETIMEDOUT after $ms ms, one PATCH"

# The daemon let go of every stalled connection.
for _ in $(seq 50); do
    [[ $(emu_stats | jq .in_flight) == 0 ]] && break
    sleep 0.1
done
assert_eq "$(emu_stats | jq .in_flight)" "0" "requests still in flight at tcemu after the stalls ended"
# And the mount is alive.
assert_eq "$(cat "$MNT/tenants/$t/mailboxes/${mbs[0]}/usage.json")" "$(emu_get "$mb_api/${mbs[0]}/usage" | jq .)" "usage.json after the stalls"

# A slow answer and a signal the reader handles: bash catches SIGCHLD, so
# a background job that ends while `$(<file)` or `[[ -e ]]` waits for the
# API delivers a signal mid-syscall. Only a fatal signal (Ctrl-C) may end
# such a wait (interrupt.sh); a handled one must not turn a slow read into
# "Interrupted system call" (NFS, too, lets only fatal signals interrupt).
emu_config '{"latency_ms": 1000}' >/dev/null
echo 1 >"$MNT/.tenantcorefs/invalidate"
ls "$MNT/tenants/$t/mailboxes" >/dev/null
want=$(emu_get "$mb_api/${mbs[1]}/usage" | jq .)
sleep 0.2 &
spid=$!
set +e
got=$(<"$MNT/tenants/$t/mailboxes/${mbs[1]}/usage.json")
rc=$?
set -e
wait "$spid"
assert_eq "$rc" "0" "a slow read in bash while a background job ends (SIGCHLD): exit status"
assert_eq "$got" "$want" "a slow read in bash while a background job ends (SIGCHLD)"
sleep 0.2 &
spid=$!
[[ -e "$MNT/tenants/$t/mailboxes/${mbs[2]}/usage.json" ]] ||
    fail "[[ -e ]] of an existing file is false when a background job ends while it waits for the API"
wait "$spid"
emu_config '{"latency_ms": 0}' >/dev/null

mnt_stop
echo "PASS: silent and dripping servers fail reads and writes with ETIMEDOUT within the bound; other paths stay responsive"
