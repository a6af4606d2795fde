#!/usr/bin/env bash
# One mount → walk → write → unmount cycle with the daemon under valgrind:
# zero errors and zero definite leaks. (Registered only in builds without
# sanitizers; the ASan build checks every integration test with LSan.)
source "$(dirname "$0")/../lib/common.sh"
command -v valgrind >/dev/null || fail "valgrind is not installed (contrib/deps.sh installs it)"

emu_start --tenants 2 --domains 4 --mailboxes 2
MNT="$T/mnt"
FS_LOG="$T/tenantcorefs.log"
mkdir -p "$MNT"
TENANTCORE_API_KEY="$EMU_KEY" valgrind --quiet --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite --log-file="$T/valgrind.log" \
    "$TENANTCOREFS" "$EMU_URL" "$MNT" -f -o ttl=1 >"$FS_LOG" 2>&1 </dev/null &
FS_PID=$!
for _ in $(seq 600); do mountpoint -q "$MNT" && break; sleep 0.1; done
mountpoint -q "$MNT" || fail "the mount did not appear under valgrind: $(cat "$FS_LOG" "$T/valgrind.log")"

t=$(emu_get /v1/tenants | jq -r '.tenants[1].tenant_id')
m=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[0].id')
n=$(find "$MNT" -type f | wc -l)
[[ $n -gt 50 ]] || fail "walk found only $n files"
grep -r missing "$MNT/tenants" >/dev/null
tar cf "$T/a.tar" -C "$MNT" tenants health
echo 17 >"$MNT/tenants/$t/mailboxes/$m/daily_send_limit"
assert_eq "$(cat "$MNT/tenants/$t/mailboxes/$m/daily_send_limit")" "17" "limit after the write"
echo 99 >"$MNT/tenants/$t/mailboxes/$m/daily_send_limit" 2>/dev/null && fail "an invalid write succeeded"
echo 1 >"$MNT/tenants/$t/sync"
mkdir "$MNT/tenants/$t/domains/valgrind-check.example.com" 2>/dev/null || true
sleep 1.2
cat "$MNT"/tenants/*/mailboxes/*/usage.json >/dev/null
echo 1 >"$MNT/.tenantcorefs/invalidate"
cat "$MNT/.tenantcorefs/stats.json" "$MNT/.tenantcorefs/errors" >/dev/null

fusermount3 -u "$MNT"
rc=0
wait "$FS_PID" || rc=$?
FS_PID=""
[[ $rc -eq 0 ]] || fail "daemon under valgrind exited $rc: $(cat "$T/valgrind.log")"
if grep -q . "$T/valgrind.log"; then
    fail "valgrind reported: $(head -40 "$T/valgrind.log")"
fi
echo "PASS: valgrind clean over mount, walk ($n files), writes, unmount"
