#!/usr/bin/env bash
# The enforcement log (api-docs/enforcement.txt): GET /v1/enforcement/events
# with tenant_id, action, limit (default 50, at most 200: more is cut to
# 200), offset; errors (404 tenant_not_found, 422 for bad parameters); the
# fixture history and its agreement with the mailboxes' state; --events N;
# events made by enforcement (sends over a policy's limit block, the daily
# reset and a higher limit unblock) through /_emu/sends, /_emu/set and
# /_emu/next-day; and the events_per_request knob.
source "$(dirname "$0")/common.sh"
E=/v1/enforcement/events

# all_events [QUERY] — every event of account 1 for QUERY, paging by 200.
all_events() {
    local q=${1:-} off=0 page n out="[]"
    while :; do
        page=$(emu_get "$E?limit=200&offset=$off${q:+&$q}")
        out=$(jq -c --argjson p "$page" '. + $p.events' <<<"$out")
        n=$(jq '.events | length' <<<"$page")
        off=$((off + n))
        ((n == 200)) || break
    done
    echo "$out"
}

start_emu
load_fleet
D0=$(domain "$T0" 0)

# ---- the answer's shape and defaults ----------------------------------------
expect 200 GET "$E"
assert_eq "answer keys" "events count total limit offset filters" "$(keys "$BODY" .)"
assert_jq "defaults" "$BODY" '[.limit, .offset, .filters, .count == (.events | length), .count == ([.total, 50] | min)] | tostring' '[50,0,{},true,true]'
TOTAL=$(jq .total <<<"$BODY")
assert_range "a fixture history" 20 400 "$TOTAL"
assert_eq "event keys" "id tenant_id mailbox_address action_taken sent_count limit_value message created_at" "$(keys "$BODY" '.events[0]')"

# ---- the fixture history agrees with the documents and the mailboxes --------
ALL=$(all_events)
assert_jq "every event once" "$ALL" 'length' "$TOTAL"
assert_jq "unique uuid ids" "$ALL" '([.[].id | test("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")] | all) and ((map(.id) | unique | length) == length)' true
assert_jq "newest first" "$ALL" '[.[].created_at] as $t | $t == ($t | sort | reverse)' true
assert_jq "timestamps" "$ALL" '[.[].created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")] | all' true
# Only tenant 0 has policies in account 1: domain 0 at 15, the rest at 20.
assert_jq "only the enforced tenant" "$ALL" "[.[].tenant_id] | unique | tostring" "[\"$T0\"]"
mbs=$(emu_get "/v1/tenants/$T0/mailboxes")
assert_jq "limit_value is the enforced limit" "$ALL" "[.[] | .limit_value == (if (.mailbox_address | endswith(\"@$D0\")) then 15 else 20 end)] | all" true
assert_jq "mailboxes of the tenant" "$ALL" "[.[].mailbox_address] - [$(jq -c '.mailboxes[].primary_smtp' <<<"$mbs" | paste -sd,)] | length" 0
assert_jq "blocked: the first count over the limit" "$ALL" '[.[] | select(.action_taken == "blocked") | .sent_count == .limit_value + 1] | all' true
assert_jq "unblocked at a reset: count 0, at midnight" "$ALL" '[.[] | select(.action_taken == "unblocked") | .sent_count == 0 and (.created_at | endswith("T00:00:00Z"))] | all' true
assert_jq "messages" "$ALL" '[.[] | .message == "Mailbox \(.action_taken): sent \(.sent_count), limit \(.limit_value)"] | all' true
assert_jq "both actions" "$ALL" '[.[].action_taken] | unique | tostring' '["blocked","unblocked"]'
# A mailbox is blocked now exactly when its newest event is a block, at its time.
latest=$(jq -cS 'group_by(.mailbox_address) | map(max_by(.created_at)) | map(select(.action_taken == "blocked")) | map({(.mailbox_address): .created_at}) | add // {}' <<<"$ALL")
blocked=$(jq -cS '[.mailboxes[] | select(.blocked_at != null) | {(.primary_smtp): .blocked_at}] | add // {}' <<<"$mbs")
assert_eq "blocked mailboxes = their newest event is a block" "$latest" "$blocked"
assert_jq "blocked ones exceed the enforced limit" "$mbs" "[.mailboxes[] | select(.blocked_at != null) | .sends_today > (if .domain_name == \"$D0\" then 15 else 20 end)] | all" true
assert_jq "and only they" "$mbs" "[.mailboxes[] | select(.blocked_at == null) | .sends_today <= (if .domain_name == \"$D0\" then 15 else 20 end)] | all" true
for t in "$T1" "$T2"; do
    assert_jq "no block without a policy ($t)" "$(emu_get "/v1/tenants/$t/mailboxes")" '[.mailboxes[].blocked_at] | unique | tostring' '[null]'
done

# ---- filters ------------------------------------------------------------------
expect 200 GET "$E?action=blocked&limit=200"
NB=$(jq .total <<<"$BODY")
assert_jq "action=blocked" "$BODY" '[.filters, ([.events[].action_taken] | unique)] | tostring' '[{"action":"blocked"},["blocked"]]'
expect 200 GET "$E?action=unblocked&limit=200"
NU=$(jq .total <<<"$BODY")
assert_jq "action=unblocked" "$BODY" '[.filters, ([.events[].action_taken] | unique)] | tostring' '[{"action":"unblocked"},["unblocked"]]'
assert_eq "blocked + unblocked = total" "$TOTAL" "$((NB + NU))"
assert_eq "blocks - unblocks = blocked now" "$(jq 'length' <<<"$blocked")" "$((NB - NU))"
expect 200 GET "$E?tenant_id=$T0&limit=200"
assert_jq "tenant_id filter" "$BODY" '[.filters.tenant_id, .total] | tostring' "[\"$T0\",$TOTAL]"
expect 200 GET "$E?tenant_id=$(tr a-f A-F <<<"$T0")"
assert_jq "tenant ids are case-insensitive; filters show the stored one" "$BODY" '[.filters.tenant_id, .total] | tostring' "[\"$T0\",$TOTAL]"
expect 200 GET "$E?tenant_id=$T1"
assert_jq "a tenant without events" "$BODY" '[.events, .count, .total, .filters.tenant_id] | tostring' "[[],0,0,\"$T1\"]"
expect 200 GET "$E?tenant_id="
assert_jq "empty tenant_id filters nothing" "$BODY" '[.filters, .total] | tostring' "[{},$TOTAL]"
expect 200 GET "$E?tenant_id=$T0&action=blocked&limit=3&offset=2"
assert_jq "combined" "$BODY" '[.count, .total, .limit, .offset, .filters.action, .filters.tenant_id] | tostring' "[3,$NB,3,2,\"blocked\",\"$T0\"]"
assert_eq "combined = the slice" "$(jq -c '[.[] | select(.action_taken == "blocked")][2:5] | map(.id)' <<<"$ALL")" "$(jq -c '.events | map(.id)' <<<"$BODY")"
expect_error 404 tenant_not_found GET "$E?tenant_id=00000000-0000-4000-8000-000000000000"
expect_error 404 tenant_not_found GET "$E?tenant_id=nope"
expect_error 404 tenant_not_found GET "$E?tenant_id=a%00b"
B0=$(EMU_KEY=$EMU_KEY2 emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
expect_error 404 tenant_not_found GET "$E?tenant_id=$B0"
# Account 2 has its own log (a tenant-wide policy of 10 on its tenant), and
# neither account sees the other's.
call2 GET "$E?limit=200"
assert_jq "account 2's own events" "$BODY" "[.total > 0, ([.events[].tenant_id] | unique == [\"$B0\"]), ([.events[].limit_value] | unique == [10])] | tostring" '[true,true,true]'
call2 GET "$E?tenant_id=$T0"
assert_eq "account 2 on account 1's tenant" "404 tenant_not_found" "$STATUS $(jq -r .detail.code <<<"$BODY")"

# ---- limit and offset ---------------------------------------------------------
expect 200 GET "$E?limit=1"
assert_jq "limit=1" "$BODY" '[.count, .limit, .events[0].id] | tostring' "[1,1,$(jq -c '.[0].id' <<<"$ALL")]"
for l in 200 201 500 100000 9007199254740992; do
    expect 200 GET "$E?limit=$l"
    assert_jq "limit=$l is cut to 200" "$BODY" '[.limit, .count] | tostring' "[200,$((TOTAL < 200 ? TOTAL : 200))]"
done
expect 200 GET "$E?offset=$TOTAL"
assert_jq "offset at the end" "$BODY" '[.events, .count, .total, .offset] | tostring' "[[],0,$TOTAL,$TOTAL]"
expect 200 GET "$E?offset=9007199254740992"
assert_jq "offset far past the end" "$BODY" '[.count, .total] | tostring' "[0,$TOTAL]"
pages=$(for ((o = 0; o < TOTAL; o += 7)); do emu_get "$E?limit=7&offset=$o" | jq -c '.events[]'; done | jq -sc 'map(.id)')
assert_eq "pages of 7 = the whole log" "$(jq -c 'map(.id)' <<<"$ALL")" "$pages"
expect 200 GET "$E?limit=5&offset=3&unknown=1"
assert_jq "unknown parameters are ignored" "$BODY" '[.count, .offset] | tostring' '[5,3]'

# ---- bad parameters: the framework's 422, every one listed, before the 404 ----
expect_invalid "query.limit:greater_than_equal" GET "$E?limit=0"
expect_invalid "query.limit:greater_than_equal" GET "$E?limit=-5"
for v in x 1.5 '' 1e3 ' 5' '+5' 9007199254740993 99999999999999999999; do
    expect_invalid "query.limit:int_parsing" GET "$E?limit=$(jq -rn --arg v "$v" '$v | @uri')"
done
expect_invalid "query.offset:greater_than_equal" GET "$E?offset=-1"
expect_invalid "query.offset:int_parsing" GET "$E?offset=first"
for v in foo BLOCKED '' block; do
    expect_invalid "query.action:literal_error" GET "$E?action=$v"
done
expect_invalid "query.action:literal_error query.limit:int_parsing query.offset:greater_than_equal" \
    GET "$E?action=x&limit=y&offset=-2&tenant_id=nope"
assert_match "422 message" "blocked' or 'unblocked" "$(jq -r '.detail[0].msg' <<<"$BODY")"
stats=$(emu_stats)
assert_jq "events requests counted, never as writes" "$stats" '[(.by_route["GET /v1/enforcement/events"] > 40), ([.writes[] | select(.path | startswith("/v1/enforcement"))] | length)] | tostring' '[true,0]'
assert_jq "wrong method" "$(emu_call POST "$E" '{}')" .detail.code method_not_allowed
stop_emu

# ---- determinism --------------------------------------------------------------
start_emu
assert_eq "same seed, same log" "$ALL" "$(all_events)"
stop_emu
start_emu --seed 2
[[ "$(all_events)" != "$ALL" ]] || fail "seed 2 gave the same log as seed 1"
stop_emu

# ---- events made by enforcement -----------------------------------------------
start_emu
load_fleet
P2="/v1/tenants/$T2"
mapfile -t M2 < <(emu_get "$P2/mailboxes" | jq -r '.mailboxes[].id')
T2D1=$(domain "$T2" 1)
mapfile -t M2D1 < <(emu_get "$P2/mailboxes" | jq -r ".mailboxes[] | select(.domain_name == \"$T2D1\") | .id")
sends() { emu_sends "{\"tenant_id\":\"$T2\",\"mailbox_id\":\"$1\",\"count\":$2}"; }
setm() { emu_set "{\"tenant_id\":\"$T2\",\"mailbox_id\":\"$1\",\"set\":$2}" >/dev/null; }
usage() { emu_get "$P2/mailboxes/$1/usage"; }
t2events() { emu_get "$E?tenant_id=$T2&limit=200"; }
before=$(emu_get "$E" | jq .total)
emu_next_day >/dev/null # a clean day: every sends_today at 0
after_reset=$(emu_get "$E" | jq .total)
# Without a policy sends never block, whatever the stored limit.
out=$(sends "${M2[0]}" 30)
assert_jq "30 sends, no policy" "$out" '[.entity.sends_today, .entity.blocked_at, .events_logged] | tostring' '[30,null,0]'
expect 200 PATCH "$P2/mailboxes/${M2[0]}" '{"daily_send_limit": 5}'
assert_jq "a stored limit alone does not block" "$(usage "${M2[0]}")" '[.is_blocked, .sends_today] | tostring' '[false,30]'
assert_jq "tenant 2 has no events" "$(t2events)" .total 0
# A tenant-wide policy below the sends blocks at once: one event.
expect 200 POST "$P2/mailbox-limits" '{"daily_send_limit": 10}'
ev=$(t2events)
assert_jq "blocked by the new policy" "$ev" '[.total, .events[0].action_taken, .events[0].sent_count, .events[0].limit_value, .events[0].message] | tostring' \
    '[1,"blocked",30,10,"Mailbox blocked: sent 30, limit 10"]'
u=$(usage "${M2[0]}")
assert_jq "usage blocked" "$u" '.is_blocked' true
assert_eq "blocked_at = the event's time" "$(jq -r .blocked_at <<<"$u")" "$(jq -r '.events[0].created_at' <<<"$ev")"
assert_jq "the event names the mailbox" "$ev" '.events[0].mailbox_address' "$(jq -r .primary_smtp <<<"$u")"
# Reaching the limit is allowed; the first send over it blocks.
out=$(sends "${M2[1]}" 10)
assert_jq "10 of 10: not blocked" "$out" '[.entity.blocked_at, .events_logged] | tostring' '[null,0]'
out=$(sends "${M2[1]}" 1)
assert_jq "11 of 10: blocked" "$out" '[(.entity.blocked_at | type), .events_logged] | tostring' '["string",1]'
assert_jq "the documents' message" "$(t2events)" '.events[0].message' "Mailbox blocked: sent 11, limit 10"
out=$(sends "${M2[1]}" 5)
assert_jq "more sends: no second block" "$out" '[.entity.sends_today, .events_logged] | tostring' '[16,0]'
out=$(sends "${M2[1]}" 0)
assert_jq "zero sends change nothing" "$out" '[.entity.sends_today, .events_logged] | tostring' '[16,0]'
# A domain policy takes precedence over the tenant-wide one: 20 on domain 1.
sends "${M2D1[0]}" 15 >/dev/null
assert_jq "15 over the tenant-wide 10" "$(usage "${M2D1[0]}")" .is_blocked true
n=$(t2events | jq .total)
expect 200 POST "$P2/mailbox-limits" "{\"daily_send_limit\": 20, \"domain_scope\": \"$T2D1\"}"
ev=$(t2events)
assert_jq "the domain policy unblocks: 15 of 20" "$ev" '[.total, .events[0].action_taken, .events[0].sent_count, .events[0].limit_value] | tostring' "[$((n + 1)),\"unblocked\",15,20]"
assert_jq "usage unblocked" "$(usage "${M2D1[0]}")" '[.is_blocked, .blocked_at] | tostring' '[false,null]'
sends "${M2D1[0]}" 6 >/dev/null
assert_jq "21 of the domain's 20" "$(t2events)" '.events[0] | [.action_taken, .sent_count, .limit_value] | tostring' '["blocked",21,20]'
# PATCHing a mailbox's stored limit neither blocks nor unblocks.
n=$(t2events | jq .total)
expect 200 PATCH "$P2/mailboxes/${M2[1]}" '{"daily_send_limit": 25}'
assert_jq "PATCH leaves the block" "$(usage "${M2[1]}")" .is_blocked true
assert_jq "PATCH logs nothing" "$(t2events)" .total "$n"
# /_emu/set sends_today follows the same rules, both ways.
setm "${M2[2]}" '{"sends_today": 25}'
assert_jq "set over the limit: blocked" "$(t2events)" '.events[0] | [.action_taken, .sent_count, .limit_value] | tostring' '["blocked",25,10]'
setm "${M2[2]}" '{"sends_today": 4}'
assert_jq "set under the limit: unblocked" "$(t2events)" '.events[0] | [.action_taken, .sent_count, .limit_value, .message] | tostring' '["unblocked",4,10,"Mailbox unblocked: sent 4, limit 10"]'
n=$(t2events | jq .total)
setm "${M2[2]}" '{"sends_today": 24, "blocked_at": null}'
assert_jq "explicit blocked_at: a raw value, no enforcement" "$(t2events)" .total "$n"
assert_jq "raw value kept" "$(usage "${M2[2]}")" '[.sends_today, .is_blocked] | tostring' '[24,false]'
setm "${M2[2]}" '{"sends_today": "lots"}'
assert_jq "a sends_today that is no number changes nothing" "$(t2events)" .total "$n"
# The daily reset: every mailbox to 0 sends, every block lifted with an event.
blocked_now=$(for t in "$T0" "$T1" "$T2"; do emu_get "/v1/tenants/$t/mailboxes" | jq -c '.mailboxes[] | select(.blocked_at != null) | .primary_smtp'; done | jq -sc 'sort')
k=$(jq length <<<"$blocked_now")
assert_range "blocked before the reset" 3 200 "$k"
n=$(emu_get "$E" | jq .total)
out=$(emu_next_day)
assert_jq "next-day answer" "$out" '[.status, .unblocked] | tostring' "[\"ok\",$k]"
expect 200 GET "$E?limit=$k"
assert_jq "one unblocked event each, newest" "$BODY" '[.total, ([.events[].action_taken] | unique), ([.events[].sent_count] | unique)] | tostring' "[$((n + k)),[\"unblocked\"],[0]]"
assert_eq "the mailboxes that were blocked" "$blocked_now" "$(jq -c '[.events[].mailbox_address] | sort' <<<"$BODY")"
for t in "$T0" "$T1" "$T2"; do
    assert_jq "after the reset ($t)" "$(emu_get "/v1/tenants/$t/mailboxes")" '[([.mailboxes[].sends_today] | unique), ([.mailboxes[].blocked_at] | unique)] | tostring' '[[0],[null]]'
done
assert_jq "a second reset unblocks nothing" "$(emu_next_day)" .unblocked 0
assert_jq "and logs nothing" "$(emu_get "$E")" .total "$((n + k))"
# Refusals of the control routes.
st=$(curl -sS -o /dev/null -w '%{http_code}' -d "{\"tenant_id\":\"$T2\",\"mailbox_id\":\"${M2[0]}\",\"count\":-1}" "$EMU_URL/_emu/sends")
assert_eq "negative count refused" 400 "$st"
st=$(curl -sS -o /dev/null -w '%{http_code}' -d "{\"tenant_id\":\"$T2\",\"mailbox_id\":\"${M2[0]}\",\"count\":1.5}" "$EMU_URL/_emu/sends")
assert_eq "fractional count refused" 400 "$st"
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' -d "{\"tenant_id\":\"$T2\",\"mailbox_id\":\"nope\",\"count\":1}" "$EMU_URL/_emu/sends")
assert_eq "unknown mailbox" "404 mailbox_not_found" "$st $(jq -r .error.code "$EMU_DIR/b")"
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' -d '{"tenant_id":"nope","mailbox_id":"x","count":1}' "$EMU_URL/_emu/sends")
assert_eq "unknown tenant" "404 tenant_not_found" "$st $(jq -r .error.code "$EMU_DIR/b")"
st=$(curl -sS -o /dev/null -w '%{http_code}' "$EMU_URL/_emu/next-day")
assert_eq "next-day is a POST" 405 "$st"
# Events go with their tenant.
n=$(emu_get "$E" | jq .total)
n2=$(t2events | jq .total)
expect 200 DELETE "$P2"
assert_jq "deleting the tenant drops its events" "$(emu_get "$E")" .total "$((n - n2))"
expect_error 404 tenant_not_found GET "$E?tenant_id=$T2"
# /_emu/reset brings back the fixture log.
emu_reset >/dev/null
assert_jq "reset restores the log" "$(emu_get "$E")" .total "$before"
[[ "$before" != "$after_reset" ]] || fail "the first next-day logged no unblock"
CHECKS=$((CHECKS + 1))

# ---- the events_per_request knob ------------------------------------------------
emu_config '{"events_per_request": 3}' >/dev/null
assert_jq "knob in config" "$(curl -sS "$EMU_URL/_emu/config")" .events_per_request 3
p1=$(emu_get "$E?limit=5&offset=0")
p2=$(emu_get "$E?limit=5&offset=5")
assert_jq "3 new events per request" "$p2" .total "$(($(jq .total <<<"$p1") + 3))"
assert_eq "page 2 repeats the 3 events pushed down" 3 "$(jq -n --argjson a "$p1" --argjson b "$p2" '[$a.events[].id] - ([$a.events[].id] - [$b.events[].id]) | length')"
p3=$(emu_get "$E?limit=3")
assert_eq "the newest 3 are new each time" 3 "$(jq -n --argjson a "$p1" --argjson b "$p2" --argjson c "$p3" '[$c.events[].id] - [$a.events[].id] - [$b.events[].id] | length')"
expect 200 GET "$E?tenant_id=$T0&action=unblocked&limit=3"
assert_jq "knob follows the filters" "$BODY" "[.events[] | .tenant_id == \"$T0\" and .action_taken == \"unblocked\"] | all" true
expect 200 GET "$E?tenant_id=$T1"
assert_jq "no enforced mailbox, no knob events" "$BODY" .total 0
assert_jq "knob events are log entries only" "$(emu_get "/v1/tenants/$T1/mailboxes")" '[.mailboxes[].blocked_at] | unique | tostring' '[null]'
for v in -1 10001 '"3"' 1.5; do
    st=$(curl -sS -o /dev/null -w '%{http_code}' -d "{\"events_per_request\": $v}" "$EMU_URL/_emu/config")
    assert_eq "knob $v refused" 400 "$st"
done
emu_config '{"events_per_request": 0}' >/dev/null
t=$(emu_get "$E" | jq .total)
assert_jq "knob off" "$(emu_get "$E")" .total "$t"
stop_emu

# ---- --events N: an exact log, and none --------------------------------------------
start_emu --events 0
load_fleet
assert_jq "--events 0" "$(emu_get "$E")" '[.total, .events] | tostring' '[0,[]]'
assert_jq "--events 0: nothing blocked" "$(emu_get "/v1/tenants/$T0/mailboxes")" '[.mailboxes[].blocked_at] | unique | tostring' '[null]'
call2 GET "$E"
assert_jq "--events is account 1's; account 2 keeps its history" "$BODY" '.total > 0' true
stop_emu
for n in 1500 1501; do
    start_emu --events "$n"
    load_fleet
    ALL=$(all_events)
    assert_jq "--events $n: total" "$(emu_get "$E")" .total "$n"
    assert_jq "--events $n: every event once" "$ALL" '[length, (map(.id) | unique | length)] | tostring' "[$n,$n]"
    assert_jq "--events $n: newest first" "$ALL" '[.[].created_at] as $t | $t == ($t | sort | reverse)' true
    mbs=$(emu_get "/v1/tenants/$T0/mailboxes")
    latest=$(jq -cS 'group_by(.mailbox_address) | map(max_by(.created_at)) | map(select(.action_taken == "blocked")) | map({(.mailbox_address): .created_at}) | add // {}' <<<"$ALL")
    blocked=$(jq -cS '[.mailboxes[] | select(.blocked_at != null) | {(.primary_smtp): .blocked_at}] | add // {}' <<<"$mbs")
    assert_eq "--events $n: blocked mailboxes agree with the log" "$latest" "$blocked"
    nb=$(jq '[.[] | select(.action_taken == "blocked")] | length' <<<"$ALL")
    assert_eq "--events $n: blocks - unblocks = blocked now" "$(jq length <<<"$blocked")" "$((nb - (n - nb)))"
    # Every block of a day is lifted at the next midnight, one day at most.
    assert_jq "--events $n: each unblock lifts a block of the day before" "$ALL" \
        '([.[] | select(.action_taken == "blocked") | .mailbox_address + " " + .created_at[0:10]]) as $b
         | [.[] | select(.action_taken == "unblocked") | (.mailbox_address + " " + (.created_at | fromdate - 86400 | todate)[0:10]) as $k | $b | index([$k]) != null] | all' true
    stop_emu
done
pass
