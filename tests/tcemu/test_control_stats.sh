#!/usr/bin/env bash
# Control endpoints: stats (exact counts, writes, by_path, connections,
# in-flight), overrides (raw body, times, query match, silent, drip),
# /_emu/set, reset, start-up reporting and fixture determinism.
source "$(dirname "$0")/common.sh"
start_emu --tenants 4
load_fleet

# Start-up reporting: the first stdout line and the port file.
assert_eq "banner" "tcemu listening on http://127.0.0.1:$EMU_PORT" "$(head -1 "$EMU_DIR/tcemu.out")"
assert_match "port file" '^[0-9]+$' "$(cat "$EMU_DIR/port")"

snapshot() { # the whole fleet as account 1 sees it
    local t
    emu_get /v1/tenants
    for t in $(emu_get /v1/tenants | jq -r '.tenants[].tenant_id'); do
        emu_get "/v1/tenants/$t"
        emu_get "/v1/tenants/$t/domains"
        emu_get "/v1/tenants/$t/mailboxes"
    done
}
initial=$(snapshot)

# Exact counts.
emu_stats_reset >/dev/null
stats=$(emu_stats)
assert_jq "zero after reset" "$stats" '[.total, .connections, .in_flight, .max_in_flight, .distinct_paths, (.writes | length), ([.by_route[]] | add)] | tostring' '[0,0,0,0,0,0,0]'
assert_jq "every route listed" "$stats" '.by_route | length' 18
assert_jq "events and rotation listed" "$stats" '[.by_route["GET /v1/enforcement/events"], .by_route["POST /api-key/rotate"]] | tostring' '[0,0]'
for i in 1 2 3; do emu_get /v1/tenants >/dev/null; done
emu_get "/v1/tenants/$T0/domains" >/dev/null
emu_get "/v1/tenants/$T1/domains" >/dev/null
D0=$(domain "$T0" 0)
emu_get "/v1/tenants/$T0/domains/$D0/dns" >/dev/null
emu_get "/v1/tenants/$T0/mailbox-limits?domain_scope=$D0" >/dev/null
M=$(emu_get "/v1/tenants/$T0/mailboxes" | jq -r '.mailboxes[0].id')
call PATCH "/v1/tenants/$T0/mailboxes/$M" '{"daily_send_limit": 9}'
call PATCH "/v1/tenants/$T0/mailboxes/$M" '{"daily_send_limit": 99}'
call POST "/v1/tenants/$T0/sync"
call POST "/v1/tenants/$T0/domains" 'not json at all'
call GET /v1/nowhere
call DELETE /v1/tenants
curl -sS -o /dev/null "$EMU_URL/_emu/config" # control: never counted
stats=$(curl -sS "$EMU_URL/_emu/stats?paths=1")
assert_jq "total" "$stats" .total 15
assert_jq "GET /v1/tenants" "$stats" '.by_route["GET /v1/tenants"]' 3
assert_jq "GET domains" "$stats" '.by_route["GET /v1/tenants/{tenant_id}/domains"]' 3
assert_jq "GET dns" "$stats" '.by_route["GET /v1/tenants/{tenant_id}/domains/{domain_name}/dns"]' 1
assert_jq "GET mailbox-limits" "$stats" '.by_route["GET /v1/tenants/{tenant_id}/mailbox-limits"]' 1
assert_jq "GET mailboxes" "$stats" '.by_route["GET /v1/tenants/{tenant_id}/mailboxes"]' 1
assert_jq "PATCH" "$stats" '.by_route["PATCH /v1/tenants/{tenant_id}/mailboxes/{mailbox_id}"]' 2
assert_jq "sync" "$stats" '.by_route["POST /v1/tenants/{tenant_id}/sync"]' 1
assert_jq "add domain" "$stats" '.by_route["POST /v1/tenants/{tenant_id}/domains"]' 1
assert_jq "unmatched" "$stats" '[.by_route["GET (unmatched)"], .by_route["DELETE (unmatched)"]] | tostring' '[1,1]'
assert_jq "by_route sums to total" "$stats" '[.by_route[]] | add' 15
assert_jq "by_path with query" "$stats" ".by_path[\"GET /v1/tenants/$T0/mailbox-limits?domain_scope=$D0\"]" 1
assert_jq "by_path tenants" "$stats" '.by_path["GET /v1/tenants"]' 3
assert_jq "distinct_paths" "$stats" .distinct_paths 11
assert_jq "in_flight" "$stats" .in_flight 0
# clock_ms: monotonic milliseconds at the snapshot, so two snapshots give a rate.
c1=$(jq -r .clock_ms <<<"$stats")
sleep 0.3
c2=$(curl -sS "$EMU_URL/_emu/stats" | jq -r .clock_ms)
[[ "$c1" =~ ^[0-9]+$ && "$c2" =~ ^[0-9]+$ ]] || fail "clock_ms is not an integer: $c1 $c2"
(( c2 - c1 >= 300 && c2 - c1 < 5000 )) || fail "clock_ms moved $((c2 - c1)) ms over a 0.3 s sleep"
assert_jq "writes count" "$stats" '.writes | length' 5
assert_jq "writes" "$stats" '[.writes[] | [.method, .status]] | tostring' '[["PATCH",200],["PATCH",400],["POST",200],["POST",422],["DELETE",405]]'
assert_jq "write path" "$stats" '.writes[0].path' "/v1/tenants/$T0/mailboxes/$M"
assert_jq "JSON body kept as JSON" "$stats" '.writes[1].body | tostring' '{"daily_send_limit":99}'
assert_jq "empty body is null" "$stats" '.writes[2].body' null
assert_jq "non-JSON body kept as string" "$stats" '.writes[3].body' 'not json at all'
assert_jq "no by_path without ?paths=1" "$(emu_stats)" 'has("by_path")' false

# connections: one curl fetching three URLs keeps one connection alive.
emu_stats_reset >/dev/null
curl -sS -o /dev/null -o /dev/null -o /dev/null -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") \
    "$EMU_URL/v1/tenants" "$EMU_URL/v1/tenants/$T0" "$EMU_URL/v1/tenants/$T1"
assert_jq "keep-alive: one connection" "$(emu_stats)" '[.total, .connections] | tostring' '[3,1]'
for i in 1 2; do emu_get /v1/tenants >/dev/null; done
assert_jq "two more connections" "$(emu_stats)" .connections 3
# in_flight / max_in_flight with overlapping delayed requests.
emu_stats_reset >/dev/null
emu_config '{"latency_ms": 2000}' >/dev/null
pids=()
for i in 1 2 3; do
    emu_get /v1/tenants >/dev/null &
    pids+=($!)
done
for i in $(seq 1 30); do # until all three arrived (at most 1.5 s)
    [[ $(emu_stats | jq .in_flight) == 3 ]] && break
    sleep 0.05
done
assert_jq "in_flight while delayed" "$(emu_stats)" .in_flight 3
wait "${pids[@]}"
assert_jq "max_in_flight" "$(emu_stats)" '[.in_flight, .max_in_flight] | tostring' '[0,3]'
emu_config '{"latency_ms": 0}' >/dev/null

# Overrides: a raw answer for an exact target, `times` of them.
emu_override '{"method":"GET","path":"/v1/tenants","status":200,"body":"this is {not json","content_type":"text/plain","times":2}' >/dev/null
for i in 1 2; do
    hdr=$(curl -sS -D - -o "$EMU_DIR/ob" "$EMU_URL/v1/tenants")
    assert_eq "override body $i" "this is {not json" "$(<"$EMU_DIR/ob")"
    assert_match "override content type $i" $'Content-Type: text/plain\r' "$hdr"
done
expect 200 GET /v1/tenants
assert_jq "override used up after times" "$BODY" .count 4
emu_override "{\"method\":\"GET\",\"path\":\"/v1/tenants/$T0?x=1\",\"status\":503,\"body\":\"{}\"}" >/dev/null
expect 503 GET "/v1/tenants/$T0?x=1"
expect 503 GET "/v1/tenants/$T0?x=1"
expect 200 GET "/v1/tenants/$T0"
expect 200 GET "/v1/tenants/$T0?x=2"
expect 200 PATCH "/v1/tenants/$T0/mailboxes/$M" '{"display_name":"Method must match too"}'
printf '{"tenants": "from a file"}' >"$EMU_DIR/override.json"
emu_override "{\"method\":\"GET\",\"path\":\"/v1/tenants/$T1\",\"status\":201,\"body_file\":\"$EMU_DIR/override.json\"}" >/dev/null
expect 201 GET "/v1/tenants/$T1"
assert_eq "body_file" '{"tenants": "from a file"}' "$BODY"
emu_override '{"method":"GET","path":"/v1/tenants","status":500,"body":""}' >/dev/null
expect 500 GET /v1/tenants
assert_eq "empty override body" "" "$BODY"
emu_override_clear >/dev/null
expect 200 GET "/v1/tenants/$T0?x=1"
expect 200 GET /v1/tenants
st=$(curl -sS -o /dev/null -w '%{http_code}' -d '{"path":"/v1/x"}' "$EMU_URL/_emu/override")
assert_eq "override without method refused" 400 "$st"
st=$(curl -sS -o /dev/null -w '%{http_code}' -d '{"method":"GET","path":"/v1/x","stall":"maybe"}' "$EMU_URL/_emu/override")
assert_eq "bad stall refused" 400 "$st"

# silent: the request is accepted and never answered.
emu_override '{"method":"GET","path":"/v1/tenants","stall":"silent"}' >/dev/null
rc=0
out=$(curl -sS --max-time 1 -w '%{http_code}' -o /dev/null "$EMU_URL/v1/tenants" 2>/dev/null) || rc=$?
assert_eq "silent: curl timed out" 28 "$rc"
assert_eq "silent: no status" 000 "$out"
assert_jq "silent write status 0 / in_flight drops after disconnect" "$(sleep 0.3; emu_stats)" .in_flight 0
emu_override_clear >/dev/null
# drip: status and headers at once, then a byte per interval.
emu_override '{"method":"GET","path":"/v1/tenants","status":200,"body":"abcdef","stall":"drip","drip_interval_ms":400}' >/dev/null
rc=0
out=$(curl -sS --max-time 1.5 -w ' %{http_code}' "$EMU_URL/v1/tenants" 2>/dev/null) || rc=$?
assert_eq "drip: timed out mid-body" 28 "$rc"
assert_match "drip: partial body with status 200" '^ab?c? 200$' "$out"
start=$(date +%s%N)
out=$(curl -sS --max-time 8 "$EMU_URL/v1/tenants")
elapsed=$((($(date +%s%N) - start) / 1000000))
assert_eq "drip: whole body" abcdef "$out"
assert_range "drip: 6 bytes x 400 ms" 2300 5000 "$elapsed"
emu_override_clear >/dev/null

# /_emu/set: fields everywhere they appear, renames, knobs, hostile values.
emu_set "{\"tenant_id\":\"$T0\",\"set\":{\"tenant_name\":\"Renamed & Co\"}}" >/dev/null
assert_jq "name in list" "$(emu_get /v1/tenants)" '.tenants[0].tenant_name' "Renamed & Co"
assert_jq "name in detail" "$(emu_get "/v1/tenants/$T0")" .tenant_name "Renamed & Co"
assert_jq "name in mailboxes" "$(emu_get "/v1/tenants/$T0/mailboxes")" '[.mailboxes[].tenant_name] | unique | tostring' '["Renamed & Co"]'
emu_set "{\"tenant_id\":\"$T0\",\"set\":{\"tenant_name\":12345,\"status\":{\"weird\":[1,null]},\"domain_count\":\"many\"}}" >/dev/null
assert_jq "hostile values served as set" "$(emu_get "/v1/tenants/$T0")" '[.tenant_name, .status, .domain_count] | tostring' '[12345,{"weird":[1,null]},"many"]'
emu_set "{\"tenant_id\":\"$T0\",\"set\":{\"tenant_id\":\"11111111-2222-4333-8444-555555555555\"}}" >/dev/null
expect_error 404 tenant_not_found GET "/v1/tenants/$T0"
expect 200 GET /v1/tenants/11111111-2222-4333-8444-555555555555
emu_set "{\"tenant_id\":\"11111111-2222-4333-8444-555555555555\",\"domain_name\":\"$D0\",\"set\":{\"spf_status\":\"v=spf1 -all\",\"dkim_ready\":false,\"dkim_enabled\":false}}" >/dev/null
P=/v1/tenants/11111111-2222-4333-8444-555555555555
assert_jq "domain field in list" "$(emu_get "$P/domains")" '.domains[0].spf_status' "v=spf1 -all"
assert_jq "domain field in dns" "$(emu_get "$P/domains/$D0/dns")" '.dns_status.spf' "v=spf1 -all"
assert_jq "knobs in dkim-status" "$(emu_get "$P/domains/$D0/dkim-status")" '[.dkim_status, .ready_to_enable] | tostring' '["pending",false]'
emu_set "{\"tenant_id\":\"11111111-2222-4333-8444-555555555555\",\"mailbox_id\":\"$M\",\"set\":{\"sends_today\":4,\"daily_send_limit\":4}}" >/dev/null
assert_jq "mailbox knob in usage (4 sends, domain policy 15)" "$(emu_get "$P/mailboxes/$M/usage")" '[.sends_today, .is_blocked] | tostring' '[4,false]'
emu_set "{\"tenant_id\":\"11111111-2222-4333-8444-555555555555\",\"mailbox_id\":\"$M\",\"set\":{\"sends_today\":16}}" >/dev/null
assert_jq "sends over the domain policy block" "$(emu_get "$P/mailboxes/$M/usage")" '[.sends_today, .is_blocked] | tostring' '[16,true]'
st=$(curl -sS -o "$EMU_DIR/r" -w '%{http_code}' -d '{"tenant_id":"nope","set":{}}' "$EMU_URL/_emu/set")
assert_eq "set unknown tenant" 404 "$st"
st=$(curl -sS -o /dev/null -w '%{http_code}' -d "{\"tenant_id\":\"$T1\",\"domain_name\":\"nope.example\",\"set\":{}}" "$EMU_URL/_emu/set")
assert_eq "set unknown domain" 404 "$st"
st=$(curl -sS -o /dev/null -w '%{http_code}' -d "{\"tenant_id\":\"$T1\",\"mailbox_id\":\"nope\",\"set\":{}}" "$EMU_URL/_emu/set")
assert_eq "set unknown mailbox" 404 "$st"
st=$(curl -sS -o /dev/null -w '%{http_code}' -d "{\"tenant_id\":\"$T1\"}" "$EMU_URL/_emu/set")
assert_eq "set without set" 400 "$st"

# reset: fleet, stats, overrides and faults back to start-up values.
call DELETE "/v1/tenants/$T1"
emu_override '{"method":"GET","path":"/v1/tenants","status":500}' >/dev/null
emu_config '{"latency_ms": 5, "error_shape": "flat", "events_per_request": 3}' >/dev/null
emu_reset >/dev/null
assert_eq "fleet restored byte for byte" "$initial" "$(snapshot)"
assert_jq "config restored" "$(curl -sS "$EMU_URL/_emu/config")" '[.latency_ms, .error_shape, .events_per_request] | tostring' '[0,"documented",0]'
stats=$(emu_stats)
assert_jq "stats cleared by reset (only the snapshot's GETs since)" "$stats" '.writes | length' 0
emu_stats_reset >/dev/null
expect 200 GET /v1/tenants
stop_emu

# Determinism: same arguments, same bytes; another seed, other data.
start_emu --tenants 4 --seed 1
same=$(snapshot)
stop_emu
assert_eq "same seed, same fleet" "$initial" "$same"
start_emu --tenants 4 --seed 2
other=$(snapshot)
stop_emu
[[ "$initial" != "$other" ]] || fail "seed 2 gave the same fleet as seed 1"

# Fixture variety over a larger fleet.
start_emu --tenants 20 --seed 7
all=$(for t in $(emu_get /v1/tenants | jq -r '.tenants[].tenant_id'); do emu_get "/v1/tenants/$t/mailboxes" | jq -c --arg t "$t" '.mailboxes[] | . + {tid: $t}'; done | jq -s .)
assert_jq "mailboxes" "$all" length 600
assert_jq "about one in four without limit" "$all" '([.[] | select(.daily_send_limit == null)] | length) >= 90 and ([.[] | select(.daily_send_limit == null)] | length) <= 210' true
assert_jq "limits within 1..25" "$all" '[.[] | .daily_send_limit | select(. != null) | . >= 1 and . <= 25] | all' true
assert_jq "sends_today within 0..25" "$all" '[.[].sends_today | . >= 0 and . <= 25] | all' true
# Blocks only under a policy: tenant 0's (domain 15, tenant-wide 20); no other
# tenant of account 1 has one, so nothing else is blocked however it sends.
t0=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
d0=$(emu_get "/v1/tenants/$t0/domains" | jq -r '.domains[0].domain_name')
assert_jq "blocked iff sends exceed the enforced limit" "$all" "[.[] | (.blocked_at != null) == (.tid == \"$t0\" and .sends_today > (if .domain_name == \"$d0\" then 15 else 20 end))] | all" true
assert_jq "some blocked" "$all" '[.[] | select(.blocked_at != null)] | length > 0' true
assert_jq "some over their stored limit and not blocked" "$all" '[.[] | select(.daily_send_limit != null and .sends_today > .daily_send_limit and .blocked_at == null)] | length > 0' true
assert_jq "emails first.last@domain" "$all" '[.[] | . as $m | .primary_smtp | test("^[a-z]+\\.[a-z]+@") and endswith("@" + $m.domain_name)] | all' true
assert_jq "unique ids" "$all" '[.[].id] | unique | length' 600
stop_emu
pass
