#!/usr/bin/env bash
# The enforcement log as files (SEMANTICS.md §3.8): enforcement.log and
# enforcement.jsonl at the root and per tenant hold exactly what the API
# holds — every event once, oldest first, the newest enforcement_max — for
# a fleet with more than 1,000 events and one with none; a tenant's files
# hold its events; events arriving while the mount pages do not duplicate;
# what a cold and a warm read cost; a short page is EIO, not a short log;
# hostile values never split a line; enforcement_max=0 hides the files.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 8 --domains 6 --mailboxes 3 --seed 11 --events 1500

# Every event of the API, newest first, paging as a client would.
api_events() { # [QUERY]
    local q=${1:-} off=0 total=1
    : >"$T/api.jsonl"
    while ((off < total)); do
        emu_get "/v1/enforcement/events?limit=200&offset=$off${q:+&$q}" >"$T/page.json"
        total=$(jq .total "$T/page.json")
        jq -c '.events[]' "$T/page.json" >>"$T/api.jsonl"
        off=$((off + 200))
    done
    cat "$T/api.jsonl"
}
# The log lines of JSON events (newest first in), oldest first out.
as_log() {
    jq -r '[.created_at, .action_taken, .mailbox_address, (.sent_count | tostring),
            (.limit_value | tostring), .tenant_id] | join(" ")' | tac
}

api_events >"$T/all.jsonl"
assert_eq "$(wc -l <"$T/all.jsonl")" "1500" "events the API holds"
assert_eq "$(jq -r .id "$T/all.jsonl" | sort | uniq -d | wc -l)" "0" "the API's own pages overlap"

mnt_start -o ttl=60
emu_stats_reset >/dev/null

# ---- the account's files: the newest 1,000, oldest first ------------------
head -n 1000 "$T/all.jsonl" | as_log >"$T/want.log"
cat "$MNT/enforcement.log" >"$T/got.log"
diff -u "$T/want.log" "$T/got.log" >"$T/diff" || fail "enforcement.log differs from the API: $(head -20 "$T/diff")"
assert_eq "$(stat -c %s "$MNT/enforcement.log")" "$(wc -c <"$T/want.log")" "st_size of enforcement.log"
emu_settle
# Cold: ceil(min(total, 1000) / 200) pages, no more.
assert_eq "$(emu_count "GET /v1/enforcement/events")" "5" "calls for a cold read of 1,000 of 1,500 events"
head -n 1000 "$T/all.jsonl" | tac >"$T/want.jsonl"
diff -u "$T/want.jsonl" <(cat "$MNT/enforcement.jsonl") >"$T/diff" ||
    fail "enforcement.jsonl differs from the API's objects: $(head -10 "$T/diff")"
jq -e . "$MNT/enforcement.jsonl" >/dev/null || fail "enforcement.jsonl does not parse with jq"
# Warm: nothing.
cat "$MNT/enforcement.log" "$MNT/enforcement.jsonl" >/dev/null
tail -n 1 "$MNT/enforcement.log" >/dev/null
assert_eq "$(emu_count "GET /v1/enforcement/events")" "5" "calls for a warm read"
# The tools users reach for.
assert_eq "$(wc -l <"$MNT/enforcement.log")" "1000" "wc -l"
assert_eq "$(awk 'NF != 6' "$MNT/enforcement.log" | wc -l)" "0" "lines without six fields"
assert_eq "$(tail -n 1 "$MNT/enforcement.log")" "$(head -n 1 "$T/all.jsonl" | as_log)" "tail shows the latest"

# ---- a tenant's files: exactly its events -------------------------------------
tenants_with_events=0
for t in $(emu_get /v1/tenants | jq -r '.tenants[].tenant_id'); do
    api_events "tenant_id=$t" >"$T/t.jsonl"
    n=$(wc -l <"$T/t.jsonl")
    ((n > 0)) && tenants_with_events=$((tenants_with_events + 1))
    head -n 1000 "$T/t.jsonl" | as_log >"$T/want.log"
    diff -u "$T/want.log" "$MNT/tenants/$t/enforcement.log" >"$T/diff" ||
        fail "tenants/$t/enforcement.log differs: $(head -10 "$T/diff")"
    # grep blocked | wc -l equals the API's blocked total (of the newest
    # 1,000 when the tenant has more).
    if ((n <= 1000)); then
        want_blocked=$(emu_get "/v1/enforcement/events?tenant_id=$t&action=blocked&limit=1" | jq .total)
    else
        want_blocked=$(head -n 1000 "$T/t.jsonl" | jq -r .action_taken | grep -cx blocked)
    fi
    assert_eq "$(grep -c ' blocked ' "$MNT/tenants/$t/enforcement.log" || true)" "$want_blocked" \
        "blocked lines of tenant $t ($n events)"
    assert_eq "$(jq -r .tenant_id "$MNT/tenants/$t/enforcement.jsonl" | grep -vcx "$t" || true)" "0" \
        "events of other tenants in tenants/$t/enforcement.jsonl"
done
((tenants_with_events > 0)) || fail "no tenant of the fixture has events"

# ---- events arriving while the mount pages: none twice -----------------------
# Every events request first logs 3 new events at the front, shifting the
# offsets of the pages that follow.
emu_config '{"events_per_request":3}' >/dev/null
echo 1 >"$MNT/.tenantcorefs/invalidate"
emu_stats_reset >/dev/null
cat "$MNT/enforcement.jsonl" >"$T/shifted.jsonl"
requests=$(emu_count "GET /v1/enforcement/events")
emu_config '{"events_per_request":0}' >/dev/null
assert_eq "$(jq -r .id "$T/shifted.jsonl" | sort | uniq -d | wc -l)" "0" "events listed twice while paging"
assert_eq "$(wc -l <"$T/shifted.jsonl")" "1000" "events after a shifted paging"
api_events >"$T/now.jsonl"
# The mount's 1,000 are the newest as its first page saw them: a run of
# the API's list with nothing skipped, ending as many events before the
# API's newest now as arrived after that first page (3 for each later
# request).
jq -r .id "$T/now.jsonl" | awk '{print NR, $0}' | sort -k2 >"$T/pos"
jq -r .id "$T/shifted.jsonl" | sort | join -1 2 -2 1 -o 1.1 "$T/pos" - | sort -n >"$T/at"
assert_eq "$(wc -l <"$T/at")" "1000" "events of the log that the API holds"
first=$(head -n 1 "$T/at") last=$(tail -n 1 "$T/at")
assert_eq "$((last - first + 1))" "1000" "the log's events are one run of the API's list"
assert_eq "$first" "$((3 * (requests - 1) + 1))" "where the log ends in the API's list ($requests requests)"

# ---- a page that is short or malformed fails the read --------------------------
echo 1 >"$MNT/.tenantcorefs/invalidate"
short=$(emu_get "/v1/enforcement/events?limit=200&offset=200" | jq -c '.events |= .[0:150]')
emu_override "$(jq -nc --arg b "$short" '{method:"GET",path:"/v1/enforcement/events?limit=200&offset=200",status:200,body:$b}')" >/dev/null
run_cmd cat "$MNT/enforcement.log"
assert_eq "$RC" "1" "cat of a log with a short page: exit status"
assert_match "$ERR" "Input/output error" "cat of a log with a short page"
grep -q "enforcement.log EIO .*short" "$MNT/.tenantcorefs/errors" || fail "no EIO line for the short page: $(tail -3 "$MNT/.tenantcorefs/errors")"
emu_override_clear >/dev/null

# ---- hostile values never split a line --------------------------------------------
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
hostile=$(jq -nc --arg t "$t" '{events:[{id:"h1",tenant_id:$t,mailbox_address:"a b\nblocked x\\y@z",
    action_taken:"blocked",sent_count:26,limit_value:null,message:"m",created_at:"2026-01-02T03:04:05Z"}],
    count:1,total:1,limit:200,offset:0,filters:{tenant_id:$t}}')
emu_override "$(jq -nc --arg b "$hostile" --arg p "/v1/enforcement/events?tenant_id=$t&limit=200&offset=0" \
    '{method:"GET",path:$p,status:200,body:$b}')" >/dev/null
echo 1 >"$MNT/.tenantcorefs/invalidate"
assert_eq "$(cat "$MNT/tenants/$t/enforcement.log")" \
    "2026-01-02T03:04:05Z blocked a\\040b\\012blocked\\040x\\134y@z 26 - $t" "a hostile address, escaped"
assert_eq "$(jq -r .mailbox_address "$MNT/tenants/$t/enforcement.jsonl")" $'a b\nblocked x\\y@z' \
    "the same address in the .jsonl, as the API sent it"
# st_mtime: the newest event's created_at, or when these bytes were first
# served if later.
mtime=$(stat -c %Y "$MNT/tenants/$t/enforcement.log")
((mtime >= $(date -d 2026-01-02T03:04:05Z +%s))) || fail "mtime $mtime is before the newest event"
assert_eq "$(stat -c %Y "$MNT/tenants/$t/enforcement.log")" "$mtime" "mtime of unchanged bytes"
emu_override_clear >/dev/null
mnt_stop

# ---- enforcement_max=0: no such files, no calls -------------------------------------
mnt_start -o enforcement_max=0
emu_stats_reset >/dev/null
ls "$MNT" | grep -q enforcement && fail "enforcement files listed with enforcement_max=0"
ls "$MNT/tenants/$t" | grep -q enforcement && fail "tenant enforcement files listed with enforcement_max=0"
run_cmd cat "$MNT/enforcement.log"
assert_match "$ERR" "No such file or directory" "enforcement.log with enforcement_max=0"
assert_eq "$(emu_count "GET /v1/enforcement/events")" "0" "calls with enforcement_max=0"
mnt_stop
emu_stop >/dev/null

# ---- a fleet without events: empty files, one call ------------------------------------
emu_start --tenants 2 --domains 2 --mailboxes 1 --events 0
mnt_start
emu_stats_reset >/dev/null
assert_eq "$(stat -c %s "$MNT/enforcement.log")" "0" "size of an empty log"
assert_eq "$(cat "$MNT/enforcement.log" "$MNT/enforcement.jsonl" | wc -c)" "0" "bytes of an empty log"
assert_eq "$(emu_count "GET /v1/enforcement/events")" "1" "calls for an empty log"
mnt_stop
echo "PASS: the enforcement log equals the API's, costs one call per 200 events, never duplicates, fails whole"
