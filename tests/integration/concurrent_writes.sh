#!/usr/bin/env bash
# Concurrent writers (SEMANTICS.md §5: one action per write(2); writes to the same
# resource serialized so answers cannot overwrite each other in the cache).
# With latency and jitter at tcemu, so requests overlap and answers arrive
# out of order:
#  1. 8 processes, each writing 20 values in turn to its own mailbox of one
#     tenant, while readers cat the files: every write succeeds, tcemu gets
#     exactly one PATCH per write(2), in each writer's order, and the final
#     values at tcemu and through the mount are the last written.
#  2. 4 processes writing to the same mailbox: 24 PATCHes, and the mount
#     shows the value tcemu applied last.
#  3. display_name and daily_send_limit of one mailbox at once.
#  4. policies (tenant and domain mailbox_limit) racing per-mailbox writes
#     and readers: afterwards the mount agrees with tcemu on every mailbox.
# Throughout, no write waits on another's kernel invalidations: stats.json's
# kernel_invalidation_timeouts (writes answered only after the notifier's
# 1 s bound) stays 0. Dropping pages from the notifier made parallel writes
# in one tenant wait on each other that way (SEMANTICS.md §7.5).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/write_helpers.bash"

emu_start --tenants 1 --domains 12 --mailboxes 3 --seed 17 --latency 15 --jitter 10
mnt_start -o ttl=300
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
mbs=$(emu_get "/v1/tenants/$t/mailboxes")
mapfile -t ids < <(jq -r '.mailboxes[].id' <<<"$mbs")
((${#ids[@]} >= 12)) || fail "fixture: only ${#ids[@]} mailboxes"
ls -R "$MNT/tenants/$t" >/dev/null
MB="$MNT/tenants/$t/mailboxes"
: >"$T/failures"

# writer FILE VALUE... : one echo per value, failures recorded
writer() {
    local f=$1 v
    shift
    for v in "$@"; do
        if ! echo "$v" >"$f" 2>>"$T/failures"; then
            echo "echo $v > $f failed" >>"$T/failures"
        fi
    done
}
# reader FILE... : cat until $T/stop exists; failures recorded
reader() {
    while [[ ! -e "$T/stop" ]]; do
        cat "$@" >/dev/null 2>>"$T/failures" || echo "cat failed" >>"$T/failures"
    done
}
seq_for() { # writer index, rounds → the values it writes: distinct, 1..25
    local i=$1 n=$2 r
    for ((r = 1; r <= n; r++)); do
        echo $(((i * 7 + r * 3) % 25 + 1))
    done
}
patches_of() { # mailbox id, field → the values PATCHed, in arrival order
    emu_stats | jq -r --arg p "/v1/tenants/$t/mailboxes/$1" --arg k "$2" \
        '.writes[] | select(.method == "PATCH" and .path == $p and (.body | has($k))) | "\(.body[$k]) \(.status)"'
}
api_field() { # mailbox id, field
    emu_get "/v1/tenants/$t/mailboxes" | jq -r --arg m "$1" --arg k "$2" '.mailboxes[] | select(.id == $m) | .[$k]'
}
start_readers() {
    rm -f "$T/stop"
    readers=()
    reader "$@" &
    readers+=($!)
    reader "$@" &
    readers+=($!)
}
stop_readers() {
    touch "$T/stop"
    wait "${readers[@]}"
}
check_no_failures() {
    [[ ! -s "$T/failures" ]] || fail "$1: $(head -5 "$T/failures")"
}

# ---- 1. 8 writers, 8 mailboxes, 20 rounds -------------------------------------------
ROUNDS=20
sw=$(writes_len)
files=()
for i in $(seq 0 7); do files+=("$MB/${ids[$i]}/daily_send_limit"); done
start_readers "${files[@]}"
pids=()
for i in $(seq 0 7); do
    mapfile -t vals < <(seq_for "$i" "$ROUNDS")
    writer "${files[$i]}" "${vals[@]}" &
    pids+=($!)
done
wait "${pids[@]}"
stop_readers
check_no_failures "8 concurrent writers"
inval_timeouts() { jq .kernel_invalidation_timeouts "$MNT/.tenantcorefs/stats.json"; }
assert_eq "$(inval_timeouts)" 0 "writes that waited 1 s for other writes' invalidations (8 writers, one tenant)"
assert_eq "$(writes_len)" "$((sw + 8 * ROUNDS))" "write requests for 8 × $ROUNDS writes"
for i in $(seq 0 7); do
    m=${ids[$i]}
    want=$(seq_for "$i" "$ROUNDS" | sed 's/$/ 200/')
    assert_eq "$(patches_of "$m" daily_send_limit)" "$want" "PATCHes of mailbox $i, in its writer's order"
    last=$(seq_for "$i" "$ROUNDS" | tail -1)
    assert_eq "$(api_field "$m" daily_send_limit)" "$last" "tcemu's final daily_send_limit of mailbox $i"
    assert_eq "$(cat "${files[$i]}")" "$last" "the mount's final daily_send_limit of mailbox $i"
    assert_eq "$(stat -c %s "${files[$i]}")" "$(wc -c <"${files[$i]}")" "stat size of mailbox $i's daily_send_limit"
    assert_eq "$(jq -r .daily_send_limit "$MB/$m/mailbox.json")" "$last" "mailbox.json of mailbox $i"
done

# ---- 2. 4 writers, one mailbox ----------------------------------------------------
# Disjoint values per writer (writer i: 6i+1 .. 6i+6), so the writes list
# tells whose each PATCH was.
m=${ids[8]}
f="$MB/$m/daily_send_limit"
sw=$(writes_len)
start_readers "$f" "$MB/$m/usage.json"
pids=()
for i in 0 1 2 3; do
    writer "$f" $(seq $((6 * i + 1)) $((6 * i + 6))) &
    pids+=($!)
done
wait "${pids[@]}"
stop_readers
check_no_failures "4 writers on one mailbox"
assert_eq "$(writes_len)" "$((sw + 24))" "write requests for 4 × 6 writes to one mailbox"
got=$(patches_of "$m" daily_send_limit)
assert_eq "$(grep -c ' 200$' <<<"$got")" "24" "PATCHes of the shared mailbox answered 200"
assert_eq "$(awk '{print $1}' <<<"$got" | sort -n | tr '\n' ' ')" "$(seq 1 24 | tr '\n' ' ')" "values PATCHed to the shared mailbox"
for i in 0 1 2 3; do
    assert_eq "$(awk -v lo=$((6 * i + 1)) -v hi=$((6 * i + 6)) '$1 >= lo && $1 <= hi {print $1}' <<<"$got" | tr '\n' ' ')" \
        "$(seq $((6 * i + 1)) $((6 * i + 6)) | tr '\n' ' ')" "writer $i's PATCHes, in its order"
done
final=$(api_field "$m" daily_send_limit)
assert_eq "$final" "$(tail -1 <<<"$got" | awk '{print $1}')" "tcemu's value is the last PATCH it received"
assert_eq "$(cat "$f")" "$final" "the mount shows the value tcemu applied last"
assert_eq "$(jq -r .daily_send_limit "$MB/$m/usage.json")" "$final" "usage.json shows the value tcemu applied last"

# ---- 3. two fields of one mailbox at once ------------------------------------------------
m=${ids[9]}
sw=$(writes_len)
mapfile -t vals < <(seq_for 5 10)
writer "$MB/$m/daily_send_limit" "${vals[@]}" &
p1=$!
writer "$MB/$m/display_name" "Name 1" "Name 2" "Name 3" "Name 4" "Name 5" "Name 6" "Name 7" "Name 8" "Name 9" "Name 10" &
p2=$!
wait $p1 $p2
check_no_failures "two fields of one mailbox"
assert_eq "$(writes_len)" "$((sw + 20))" "write requests for 2 × 10 writes to two fields"
assert_eq "$(api_field "$m" daily_send_limit)/$(api_field "$m" display_name)" "${vals[9]}/Name 10" "tcemu's final fields"
assert_eq "$(cat "$MB/$m/daily_send_limit")/$(cat "$MB/$m/display_name")" "${vals[9]}/Name 10" "the mount's final fields"

# ---- 4. policies racing mailbox writes and readers -------------------------------------------
d=$(jq -r --arg m "${ids[10]}" '.mailboxes[] | select(.id == $m) | .domain_name' <<<"$mbs")
sw=$(writes_len)
start_readers "$MNT/tenants/$t/mailboxes.csv" "$MNT/tenants/$t/mailbox_limit" "$MNT/tenants/$t/domains/$d/mailbox_limit" \
    "$MB/${ids[10]}/daily_send_limit" "$MB/${ids[11]}/daily_send_limit"
pids=()
writer "$MNT/tenants/$t/mailbox_limit" 10 11 12 13 14 &
pids+=($!)
writer "$MNT/tenants/$t/domains/$d/mailbox_limit" 5 6 7 8 9 &
pids+=($!)
for i in 10 11 0 1; do
    mapfile -t vals < <(seq_for "$i" 5)
    writer "$MB/${ids[$i]}/daily_send_limit" "${vals[@]}" &
    pids+=($!)
done
wait "${pids[@]}"
stop_readers
check_no_failures "policies racing mailbox writes"
assert_eq "$(writes_len)" "$((sw + 30))" "write requests of the policy race"
# Whatever order tcemu applied them in, the mount now shows what tcemu holds.
api=$(emu_get "/v1/tenants/$t/mailboxes")
for m in "${ids[@]}"; do
    assert_eq "$(cat "$MB/$m/daily_send_limit")" "$(jq -r --arg m "$m" '.mailboxes[] | select(.id == $m) | .daily_send_limit // "none"' <<<"$api")" \
        "daily_send_limit of $m after the policy race (mount vs tcemu)"
done
assert_eq "$(cat "$MNT/tenants/$t/mailbox_limit")" "14" "tenant mailbox_limit after the race"
assert_eq "$(cat "$MNT/tenants/$t/domains/$d/mailbox_limit")" "9" "domain mailbox_limit after the race"

assert_eq "$(inval_timeouts)" 0 "writes that waited 1 s for other writes' invalidations (all races)"
mnt_stop
echo "PASS: concurrent writes: 8×$ROUNDS on 8 mailboxes, 4×6 on one, 2 fields × 10, policy race of 30"
