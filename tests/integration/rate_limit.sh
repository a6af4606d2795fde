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
a=$(emu_total)
sleep 10
b=$(emu_total)
kill "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
n=$((b - a))
echo "requests in 10 s at max_rps=25: $n"
[[ $n -ge 225 && $n -le 275 ]] || fail "$n requests in 10 s with max_rps=25 (want 250 ± 10%)"
mnt_stop
echo "PASS: max_rps=25 gave $n requests in 10 s"
