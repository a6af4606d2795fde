#!/usr/bin/env bash
# Fault injection: latency (and that it never delays other connections),
# jitter, 5xx / 429 / drop rates over bounded runs, Retry-After, faulted
# writes never applied, run-time changes via /_emu/config.
source "$(dirname "$0")/common.sh"

# ms TIME_SECONDS -> integer milliseconds
ms() { awk -v t="$1" 'BEGIN { printf "%d", t * 1000 }'; }
timed_get() { # prints "status ms"
    curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{time_total}\n' \
        -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL$1"
}

# Upper bounds are generous: CI runs this beside other suites on 2 cores.
start_emu --latency 1000 --retry-after 7
read -r st t < <(timed_get /v1/tenants)
assert_eq "latency status" 200 "$st"
assert_range "--latency 1000 (ms)" 990 2500 "$(ms "$t")"
assert_jq "config shows start-up faults" "$(curl -sS "$EMU_URL/_emu/config")" '[.latency_ms, .retry_after, .error_rate] | tostring' '[1000,7,0]'
# Control endpoints are never delayed.
t=$(curl -sS -o /dev/null -w '%{time_total}' "$EMU_URL/_emu/stats")
assert_range "control endpoint not delayed (ms)" 0 700 "$(ms "$t")"
# Latency on one connection does not delay another: 6 parallel requests of
# 1000 ms each finish in well under 6 x 1000 ms.
start=$(date +%s%N)
pids=()
for i in 1 2 3 4 5 6; do
    timed_get /v1/tenants >/dev/null &
    pids+=($!)
done
wait "${pids[@]}" # not a bare wait: tcemu is a child too
elapsed=$((($(date +%s%N) - start) / 1000000))
assert_range "6 parallel delayed requests (ms)" 990 3500 "$elapsed"
assert_jq "max_in_flight saw them together" "$(emu_stats)" '.max_in_flight >= 4' true

emu_config '{"latency_ms": 0}' >/dev/null
read -r st t < <(timed_get /v1/tenants)
assert_range "latency off at run time (ms)" 0 700 "$(ms "$t")"
emu_config '{"latency_ms": 200, "jitter_ms": 100}' >/dev/null
for i in 1 2 3 4 5; do
    read -r st t < <(timed_get /v1/tenants)
    assert_range "jitter 200±100 (ms)" 95 1000 "$(ms "$t")"
done
emu_config '{"latency_ms": 0, "jitter_ms": 0}' >/dev/null

# A silent stall on one path does not hold up other requests.
load_fleet
emu_override "{\"method\":\"GET\",\"path\":\"/v1/tenants/$T0\",\"stall\":\"silent\"}" >/dev/null
timed_get "/v1/tenants/$T0" >/dev/null 2>&1 &
stalled=$!
sleep 0.2
read -r st t < <(timed_get /v1/tenants)
assert_eq "other request during a stall" 200 "$st"
assert_range "other request not delayed (ms)" 0 700 "$(ms "$t")"
kill "$stalled" 2>/dev/null || true
wait "$stalled" 2>/dev/null || true
emu_override_clear >/dev/null

N=200
# statuses RUNS PATH -> one status per line (000 = no response)
statuses() {
    local i
    for ((i = 0; i < $1; i++)); do
        curl -s --max-time 10 -o /dev/null -w '%{http_code}\n' \
            -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL$2" || true
    done
}

# 5xx: P = 0.3 over 200 requests; bounds are about ±4.5 standard deviations.
emu_stats_reset >/dev/null
emu_config '{"error_rate": 0.3}' >/dev/null
out=$(statuses $N /v1/tenants)
n5=$(grep -cE '^50[023]$' <<<"$out" || true)
n200=$(grep -c '^200$' <<<"$out" || true)
assert_range "5xx count of $N at 0.3" 30 90 "$n5"
assert_eq "only 200 and 500/502/503" "$N" "$((n5 + n200))"
assert_jq "faulted requests are counted" "$(emu_stats)" .total "$N"
call GET /v1/tenants
while [[ "$STATUS" == 200 ]]; do call GET /v1/tenants; done
assert_match "5xx body code" '^(internal_error|bad_gateway|service_unavailable)$' "$(jq -r .detail.code <<<"$BODY")"

# 429 with Retry-After: P = 0.5.
emu_config '{"error_rate": 0, "rate_429": 0.5}' >/dev/null
out=$(statuses $N /v1/tenants)
n429=$(grep -c '^429$' <<<"$out" || true)
assert_range "429 count of $N at 0.5" 65 135 "$n429"
assert_eq "only 200 and 429" "$N" "$((n429 + $(grep -c '^200$' <<<"$out" || true)))"
emu_config '{"rate_429": 1}' >/dev/null
hdr=$(curl -sS -D - -o "$EMU_DIR/b" -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL/v1/tenants")
assert_match "429 status line" '^HTTP/1.1 429' "$hdr"
assert_match "Retry-After from --retry-after" $'Retry-After: 7\r' "$hdr"
assert_jq "429 code" "$(<"$EMU_DIR/b")" .detail.code rate_limited
emu_config '{"retry_after": 2}' >/dev/null
hdr=$(curl -sS -D - -o /dev/null -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL/v1/tenants")
assert_match "Retry-After changed at run time" $'Retry-After: 2\r' "$hdr"

# Dropped connections: no response at all (curl exit 52, status 000).
emu_config '{"rate_429": 0, "drop_rate": 0.3}' >/dev/null
out=$(statuses $N /v1/tenants)
n0=$(grep -c '^000$' <<<"$out" || true)
assert_range "drops of $N at 0.3" 30 90 "$n0"
emu_config '{"drop_rate": 1}' >/dev/null
rc=0
curl -sS --max-time 5 -o /dev/null -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL/v1/tenants" 2>/dev/null || rc=$?
assert_eq "dropped: curl empty reply" 52 "$rc"

# A faulted write is never applied, and its status is recorded.
emu_config '{"drop_rate": 0}' >/dev/null
M=$(emu_get "/v1/tenants/$T0/mailboxes" | jq -r '.mailboxes[0].id')
name=$(emu_get "/v1/tenants/$T0/mailboxes" | jq -r '.mailboxes[0].display_name')
emu_stats_reset >/dev/null
emu_config '{"error_rate": 1}' >/dev/null
call PATCH "/v1/tenants/$T0/mailboxes/$M" '{"display_name":"Faulted"}'
assert_match "faulted PATCH status" '^50[023]$' "$STATUS"
emu_config '{"error_rate": 0, "drop_rate": 1}' >/dev/null
call PATCH "/v1/tenants/$T0/mailboxes/$M" '{"display_name":"Dropped"}'
assert_eq "dropped PATCH" 000 "$STATUS"
emu_config '{"drop_rate": 0, "rate_429": 1}' >/dev/null
call PATCH "/v1/tenants/$T0/mailboxes/$M" '{"display_name":"Limited"}'
assert_eq "429 PATCH" 429 "$STATUS"
emu_config '{"rate_429": 0}' >/dev/null
assert_jq "no faulted write applied" "$(emu_get "/v1/tenants/$T0/mailboxes")" ".mailboxes[] | select(.id == \"$M\") | .display_name" "$name"
stats=$(emu_stats)
assert_jq "writes recorded with status" "$stats" '[(.writes[0].status | tostring | test("^50[023]$")), .writes[1].status, .writes[2].status] | tostring' '[true,0,429]'
assert_jq "writes bodies" "$stats" '[.writes[].body.display_name] | tostring' '["Faulted","Dropped","Limited"]'

# /_emu/config validation: all or nothing.
st=$(curl -sS -o /dev/null -w '%{http_code}' -d '{"error_rate": 2}' "$EMU_URL/_emu/config")
assert_eq "rate > 1 refused" 400 "$st"
st=$(curl -sS -o /dev/null -w '%{http_code}' -d '{"latency_ms": 5, "error_shape": "weird"}' "$EMU_URL/_emu/config")
assert_eq "bad shape refused" 400 "$st"
assert_jq "nothing applied" "$(curl -sS "$EMU_URL/_emu/config")" .latency_ms 0
st=$(curl -sS -o /dev/null -w '%{http_code}' -d '{"nonsense": 1}' "$EMU_URL/_emu/config")
assert_eq "unknown field refused" 400 "$st"
stop_emu

# Start-up flags.
start_emu --error-rate 1
call GET /v1/tenants
assert_match "--error-rate 1" '^50[023]$' "$STATUS"
stop_emu
start_emu --rate-429 1
call GET /v1/tenants
assert_eq "--rate-429 1" 429 "$STATUS"
stop_emu
start_emu --drop-rate 1
call GET /v1/tenants
assert_eq "--drop-rate 1" 000 "$STATUS"
stop_emu
pass
