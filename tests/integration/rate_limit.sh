#!/usr/bin/env bash
# -o max_rps: over a 10 s window the API sees the configured rate, within
# 10%, however many readers push.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 4 --domains 12 --mailboxes 3
mnt_start -o max_rps=25,max_conns=8,ttl=1
# Readers that want far more than 25 requests a second, for as long as the
# test runs: each pass re-reads every usage of a tenant once the TTL passed.
pids=()
for t in $(emu_get /v1/tenants | jq -r '.tenants[].tenant_id'); do
    (while :; do cat "$MNT/tenants/$t"/mailboxes/*/usage.json >/dev/null 2>&1; done) &
    pids+=($!)
done
sleep 2 # past the start
# The rate over tcemu's own clock between two snapshots, so a loaded machine
# stretching `sleep 10` cannot inflate the count.
s1=$(emu_stats)
sleep 10
s2=$(emu_stats)
kill "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
n=$(($(jq .total <<<"$s2") - $(jq .total <<<"$s1")))
ms=$(($(jq .clock_ms <<<"$s2") - $(jq .clock_ms <<<"$s1")))
rate=$(awk -v n="$n" -v ms="$ms" 'BEGIN { printf "%.2f", n * 1000 / ms }')
echo "max_rps=25: $n requests in $ms ms at tcemu = $rate/s"
awk -v r="$rate" 'BEGIN { exit !(r >= 22.5 && r <= 27.5) }' ||
    fail "$n requests in $ms ms = $rate/s with max_rps=25 (want 25 ± 10%)"
mnt_stop
echo "PASS: max_rps=25 gave $rate requests/s over $ms ms"
