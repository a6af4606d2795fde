#!/usr/bin/env bash
# API calls counted exactly through tcemu's stats: a cold walk asks for each
# resource once; a warm walk within the TTL asks for nothing; reading every
# mailbox's daily_send_limit of a tenant costs one call; listing a directory
# costs its one list; N concurrent readers of one uncached file cause one
# request; connections stay within max_conns; cache_max bounds the cache
# while every file still reads correctly.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 4 --domains 12 --mailboxes 3 --seed 5
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')

# One list for every mailbox's daily_send_limit, display_name, mailbox.json.
mnt_start -o max_conns=4
emu_stats_reset >/dev/null
cat "$MNT/tenants/$t"/mailboxes/*/daily_send_limit "$MNT/tenants/$t"/mailboxes/*/display_name \
    "$MNT/tenants/$t"/mailboxes/*/mailbox.json >/dev/null
assert_eq "$(emu_total)" "1" "API calls to read every mailbox's limit, name and object of a tenant"
assert_eq "$(emu_count 'GET /v1/tenants/{tenant_id}/mailboxes')" "1" "mailboxes list requests"
# Listing domains/ costs its list; domain.json and verify come from it.
emu_stats_reset >/dev/null
ls "$MNT/tenants/$t/domains" >/dev/null
cat "$MNT/tenants/$t"/domains/*/domain.json "$MNT/tenants/$t"/domains/*/verify >/dev/null
assert_eq "$(emu_total)" "1" "API calls to list domains and read every domain.json and verify"

# Cold walk: every resource exactly once.
emu_stats_reset >/dev/null
grep -r zzz-no-match "$MNT/tenants" >/dev/null || true
s=$(emu_stats)
total=$(jq .total <<<"$s")
distinct=$(jq .distinct_paths <<<"$s")
conns=$(jq .connections <<<"$s")
[[ $total -gt 200 ]] || fail "cold walk made only $total calls"
assert_eq "$total" "$distinct" "cold walk: API calls vs distinct resources"
[[ $conns -le 4 ]] || fail "cold walk opened $conns connections with max_conns=4"
max_in_flight=$(jq .max_in_flight <<<"$s")
[[ $max_in_flight -le 4 ]] || fail "$max_in_flight requests in flight with max_conns=4"

# Warm walk within the TTL: nothing.
emu_stats_reset >/dev/null
grep -r zzz-no-match "$MNT/tenants" >/dev/null || true
tar cf /dev/null -C "$MNT" tenants
assert_eq "$(emu_total)" "0" "API calls of a warm walk"

# Single-flight: 8 concurrent readers of one uncached file, one request.
m=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[1].id')
echo 1 >"$MNT/.tenantcorefs/invalidate"
emu_config '{"latency_ms": 300}' >/dev/null
emu_stats_reset >/dev/null
pids=()
for i in $(seq 8); do
    cat "$MNT/tenants/$t/mailboxes/$m/usage.json" >"$T/usage.$i" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent reader failed"; done
emu_config '{"latency_ms": 0}' >/dev/null
# (Prefetch may warm the sibling mailboxes' usage too: count this one's path.)
n=$(emu_get '/_emu/stats?paths=1' | jq -r --arg p "GET /v1/tenants/$t/mailboxes/$m/usage" '.by_path[$p] // 0')
assert_eq "$n" "1" "usage requests for 8 concurrent readers of one file"
for i in $(seq 2 8); do cmp -s "$T/usage.1" "$T/usage.$i" || fail "concurrent readers saw different bytes"; done
mnt_stop

# cache_max: a cache far smaller than the fleet stays within its bound and
# every file still reads correctly.
mnt_start -o cache_max=64K
for tt in $(emu_get /v1/tenants | jq -r '.tenants[].tenant_id'); do
    for d in $(emu_get "/v1/tenants/$tt/domains" | jq -r '.domains[].domain_name'); do
        assert_eq "$(cat "$MNT/tenants/$tt/domains/$d/dns.json")" "$(emu_get "/v1/tenants/$tt/domains/$d/dns" | jq .)" "dns.json of $d under cache_max=64K"
    done
done
tar cf "$T/small.tar" -C "$MNT" tenants 2>"$T/tar.err" || fail "tar under cache_max=64K: $(cat "$T/tar.err")"
bytes=$(jq .cache.bytes "$MNT/.tenantcorefs/stats.json")
[[ $bytes -le 65536 ]] || fail "cache holds $bytes bytes with cache_max=64K"
evictions=$(jq .cache.evictions "$MNT/.tenantcorefs/stats.json")
[[ $evictions -gt 0 ]] || fail "no evictions under cache_max=64K"
mnt_stop
echo "PASS: cold walk $total calls = $distinct resources over $conns connections; warm walk 0"
