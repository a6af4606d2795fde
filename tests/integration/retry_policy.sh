#!/usr/bin/env bash
# The retry policy, observed through tcemu's writes list and per-path
# counts: a PATCH answered 5xx is never retried (the write fails with EIO),
# nor one whose connection dropped after it was sent; a PATCH answered 429
# is retried after Retry-After and succeeds; a GET answered 503 twice then
# 200 succeeds; a GET that always fails makes exactly retries + 1 attempts;
# a Retry-After larger than timeout is capped at timeout. A POST goes out
# on a fresh connection, so a dead keep-alive connection cannot make
# libcurl replay it; a PATCH (absolute values) rides kept-alive ones.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 2 --domains 3 --mailboxes 2
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
mapfile -t mbs < <(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[].id')
((${#mbs[@]} >= 3)) || fail "the fleet has fewer than 3 mailboxes in tenant $t"
mb_api="/v1/tenants/$t/mailboxes"

# write_value FILE VALUE: one write(2) of VALUE; sets RC, ERR, ELAPSED (ms).
write_value() {
    local start
    start=$(now_ms)
    set +e
    (echo "$2" >"$1") 2>"$T/.werr"
    RC=$?
    set -e
    ELAPSED=$(($(now_ms) - start))
    ERR=$(<"$T/.werr")
}

# patches_of MAILBOX: "status status ..." of the PATCHes to that mailbox so far.
patches_of() {
    emu_stats | jq -r --arg p "$mb_api/$1" '[.writes[] | select(.method == "PATCH" and .path == $p) | .status] | map(tostring) | join(" ")'
}

gets_of() {
    emu_get '/_emu/stats?paths=1' | jq -r --arg p "GET $1" '.by_path[$p] // 0'
}

# ---- writes -----------------------------------------------------------------
mnt_start -o timeout=3,retries=3
ls "$MNT/tenants/$t/mailboxes" >/dev/null
f0="$MNT/tenants/$t/mailboxes/${mbs[0]}/daily_send_limit"
f1="$MNT/tenants/$t/mailboxes/${mbs[1]}/daily_send_limit"
f2="$MNT/tenants/$t/mailboxes/${mbs[2]}/daily_send_limit"
before0=$(emu_get "$mb_api" | jq -r --arg m "${mbs[0]}" '.mailboxes[] | select(.id == $m) | .daily_send_limit')

# 1. PATCH answered 500: one attempt, EIO, nothing applied.
for status in 500 503; do
    emu_stats_reset >/dev/null
    emu_override "{\"method\":\"PATCH\",\"path\":\"$mb_api/${mbs[0]}\",\"status\":$status,\"body\":\"{\\\"error\\\":{\\\"code\\\":\\\"internal_error\\\",\\\"message\\\":\\\"boom\\\"}}\",\"times\":1}" >/dev/null
    write_value "$f0" 7
    assert_eq "$RC" "1" "write answered $status: exit status"
    assert_match "$ERR" "Input/output error" "write answered $status: error"
    assert_eq "$(patches_of "${mbs[0]}")" "$status" "PATCHes for a write answered $status (a 5xx write is never retried)"
    emu_override_clear >/dev/null
done
after0=$(emu_get "$mb_api" | jq -r --arg m "${mbs[0]}" '.mailboxes[] | select(.id == $m) | .daily_send_limit')
assert_eq "$after0" "$before0" "daily_send_limit after writes answered 5xx"
grep -q "write .*/daily_send_limit EIO 500" "$MNT/.tenantcorefs/errors" ||
    fail "no EIO 500 line in the errors file: $(cat "$MNT/.tenantcorefs/errors")"

# 2. PATCH whose connection is dropped after it was sent: an error, nothing
# applied (tcemu never applies a faulted request), and no retry of ours.
# libcurl sends a PATCH again when a reused connection died before any
# byte of the answer (at most 5 times); an attempt on a fresh connection
# that dies ends it.
emu_stats_reset >/dev/null
emu_config '{"drop_rate": 1}' >/dev/null
write_value "$f0" 8
emu_config '{"drop_rate": 0}' >/dev/null
assert_eq "$RC" "1" "write whose connection dropped: exit status"
dropped=$(patches_of "${mbs[0]}")
[[ $dropped =~ ^0( 0){0,5}$ ]] ||
    fail "PATCHes for a write whose connection dropped: '$dropped' (status 0 = dropped; at most 6)"
echo "a write whose connection dropped: PATCHes with status '$dropped'"

# 3. PATCH answered 429 (canned, no Retry-After): retried once, succeeds.
emu_stats_reset >/dev/null
emu_override "{\"method\":\"PATCH\",\"path\":\"$mb_api/${mbs[1]}\",\"status\":429,\"body\":\"{\\\"error\\\":{\\\"code\\\":\\\"rate_limited\\\",\\\"message\\\":\\\"slow down\\\"}}\",\"times\":1}" >/dev/null
write_value "$f1" 11
emu_override_clear >/dev/null
assert_eq "$RC" "0" "write answered 429 then 200: exit status ($ERR)"
assert_eq "$(patches_of "${mbs[1]}")" "429 200" "PATCHes for a write answered 429 then 200"
assert_eq "$(cat "$f1")" "11" "daily_send_limit after a write retried past a 429"

# 4. PATCH answered 429 with Retry-After: 2: the retry waits >= 2 s.
# tcemu answers every request 429 until the first PATCH is seen, then none.
emu_stats_reset >/dev/null
emu_config '{"rate_429": 1, "retry_after": 2}' >/dev/null
(
    for _ in $(seq 100); do
        [[ -n "$(patches_of "${mbs[2]}")" ]] && break
        sleep 0.02
    done
    emu_config '{"rate_429": 0}' >/dev/null
) &
hpid=$!
write_value "$f2" 13
wait "$hpid"
assert_eq "$RC" "0" "write answered 429 with Retry-After 2, then 200: exit status ($ERR)"
assert_eq "$(patches_of "${mbs[2]}")" "429 200" "PATCHes for a write answered 429 (Retry-After 2) then 200"
((ELAPSED >= 1950)) || fail "the write retried after $ELAPSED ms, before Retry-After (2 s)"
((ELAPSED < 3000 + 1000)) || fail "the write took $ELAPSED ms for one 2 s Retry-After"
echo "429 with Retry-After 2: the write succeeded after $ELAPSED ms"

# 5. After warm GETs on keep-alive connections, PATCHes ride those
# connections (no connect or TLS handshake per write) and each POST opens
# a fresh one.
emu_stats_reset >/dev/null
cat "$MNT/tenants/$t/mailboxes/${mbs[0]}/usage.json" >/dev/null
emu_settle # prefetches of the other usages
c0=$(emu_stats | jq .connections)
for v in 3 4 5; do
    write_value "$f0" "$v"
    assert_eq "$RC" "0" "write of $v ($ERR)"
    emu_settle # what the write made the mount fetch again
done
c1=$(emu_stats | jq .connections)
assert_eq "$((c1 - c0))" "0" "connections opened by 3 PATCHes after warm GETs"
for i in 1 2; do
    write_value "$MNT/tenants/$t/sync" 1
    assert_eq "$RC" "0" "sync $i ($ERR)"
    emu_settle
done
c2=$(emu_stats | jq .connections)
assert_eq "$((c2 - c1))" "2" "connections opened by 2 POSTs (sync)"
mnt_stop

# ---- reads ------------------------------------------------------------------
mnt_start -o timeout=2,retries=3,prefetch=0
u_api="$mb_api/${mbs[0]}/usage"
u="$MNT/tenants/$t/mailboxes/${mbs[0]}/usage.json"
ls "$MNT/tenants/$t/mailboxes" >/dev/null
want=$(emu_get "$u_api" | jq .)

# 6. GET answered 503 twice, then 200: the read succeeds, 3 requests.
emu_stats_reset >/dev/null
emu_override "{\"method\":\"GET\",\"path\":\"$u_api\",\"status\":503,\"body\":\"{\\\"error\\\":{\\\"code\\\":\\\"unavailable\\\",\\\"message\\\":\\\"try later\\\"}}\",\"times\":2}" >/dev/null
run_cmd cat "$u"
emu_override_clear >/dev/null
assert_eq "$RC" "0" "read answered 503, 503, 200: exit status ($ERR)"
assert_eq "$OUT" "$want" "usage.json read past two 503s"
assert_eq "$(gets_of "$u_api")" "3" "GETs for a read answered 503, 503, 200"

# 7. GET that always fails: retries + 1 attempts, then EIO, within the bound.
u1_api="$mb_api/${mbs[1]}/usage"
emu_stats_reset >/dev/null
emu_override "{\"method\":\"GET\",\"path\":\"$u1_api\",\"status\":500,\"body\":\"oops\",\"times\":-1}" >/dev/null
start=$(now_ms)
run_cmd cat "$MNT/tenants/$t/mailboxes/${mbs[1]}/usage.json"
elapsed=$(($(now_ms) - start))
emu_override_clear >/dev/null
assert_eq "$RC" "1" "read answered 500 every time: exit status"
assert_match "$ERR" "Input/output error" "read answered 500 every time: error"
assert_eq "$(gets_of "$u1_api")" "4" "GETs for a read answered 500 every time with retries=3"
# Bound: timeout x (retries + 1) = 8 s; backoff alone is at most 0.25+0.5+1 s.
((elapsed < 8000 + 1000)) || fail "the failing read took $elapsed ms"

# 8. Retry-After larger than timeout is capped at timeout: with every
# request answered 429 and Retry-After: 30, a read with timeout=2,retries=3
# retries every ~2 s and gives up with EAGAIN within the bound, never
# waiting 30 s.
u2_api="$mb_api/${mbs[2]}/usage"
emu_stats_reset >/dev/null
emu_config '{"rate_429": 1, "retry_after": 30}' >/dev/null
start=$(now_ms)
run_cmd cat "$MNT/tenants/$t/mailboxes/${mbs[2]}/usage.json"
elapsed=$(($(now_ms) - start))
emu_config '{"rate_429": 0, "retry_after": 1}' >/dev/null
n=$(gets_of "$u2_api")
assert_eq "$RC" "1" "read answered 429 (Retry-After 30) every time: exit status"
assert_match "$ERR" "Resource temporarily unavailable" "read answered 429 every time: error (EAGAIN)"
((n >= 2)) || fail "a 429 with Retry-After 30 > timeout was not retried at all ($n GET)"
((elapsed >= (n - 1) * 2000 - 100)) || fail "$n GETs in $elapsed ms: retried before the capped Retry-After (2 s)"
((elapsed < 8000 + 1000)) || fail "the read answered 429 took $elapsed ms (bound 9 s): Retry-After not capped"
echo "429 with Retry-After 30 > timeout 2: $n attempts in $elapsed ms"

# The same for a write: PATCH 429 with Retry-After 30, timeout=2,retries=3.
emu_stats_reset >/dev/null
emu_config '{"rate_429": 1, "retry_after": 30}' >/dev/null
write_value "$f1" 9
emu_config '{"rate_429": 0, "retry_after": 1}' >/dev/null
n=$(patches_of "${mbs[1]}" | wc -w)
assert_eq "$RC" "1" "write answered 429 (Retry-After 30) every time: exit status"
assert_match "$ERR" "Resource temporarily unavailable" "write answered 429 every time: error"
((n >= 2)) || fail "a write answered 429 with Retry-After 30 > timeout was not retried ($n PATCH)"
((ELAPSED < 8000 + 1000)) || fail "the write answered 429 took $ELAPSED ms (bound 9 s)"
echo "write: 429 with Retry-After 30 > timeout 2: $n attempts in $ELAPSED ms"
mnt_stop
echo "PASS: 5xx writes not retried, 429 writes retried after Retry-After, GET retries, Retry-After capped"
