#!/usr/bin/env bash
# Soak under faults: tcemu answers 10% of requests 5xx, 5% 429 (Retry-After
# 1), drops 2% of connections and adds 20 ± 20 ms of latency. For
# TCFS_SOAK_SECONDS (default 60) four readers walk and read the whole tree
# (two timed find + cat walkers, grep -r and tar to a file under strace)
# while one writer writes daily_send_limit values in a loop. Then:
# - no reader or writer syscall took longer than timeout x (retries + 1)
#   plus backoff and a second of slack;
# - reads failed only with EIO or EAGAIN (never ENOENT, ETIMEDOUT, EINTR);
# - every write that returned success is exactly one 200 PATCH in tcemu's
#   writes list, every write tcemu did not apply returned an error, only
#   429s were retried, nothing was applied twice, and tcemu's final value is
#   the last successful write's;
# - every file tar archived is one version of its bytes (JSON parses,
#   tables keep their columns, metrics.prom passes promtool);
# - the daemon's RSS at the end is at most twice what it was after the
#   first full walk;
# - with the faults cleared a fresh read works, on the same mount.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/reliability_helpers.bash"

SOAK=${TCFS_SOAK_SECONDS:-60}
run_start=$(now_us)
# timeout=2,retries=3: 8 s, plus at most 0.25 + 0.5 + 1 s of backoff (a
# Retry-After of 1 s is shorter than the longest backoff), plus 1 s slack.
BOUND_MS=10750
FAULTS='{"error_rate": 0.10, "rate_429": 0.05, "retry_after": 1, "drop_rate": 0.02, "latency_ms": 20, "jitter_ms": 20}'
NO_FAULTS='{"error_rate": 0, "rate_429": 0, "drop_rate": 0, "latency_ms": 0, "jitter_ms": 0}'

# In an ASan build the allocator's quarantine (256 MB by default) would
# look like growth: keep it small so RSS still means something.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4:thread_local_quarantine_size_kb=64"

emu_start --tenants 4 --domains 6 --mailboxes 2
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
m=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[0].id')
mnt_start -o timeout=2,retries=3,ttl=2
wfile="$MNT/tenants/$t/mailboxes/$m/daily_send_limit"
pid_before=$FS_PID

# The first full walk; the daemon's RSS after it is the reference.
walk_timed "$MNT" "$T/walk.first"
[[ -z $(walk_log_errors "$T/walk.first") ]] || fail "the first walk failed: $(walk_log_errors "$T/walk.first" | head -3)"
rss_first=$(rss_kb "$FS_PID")
nfiles=$(grep -c $'\tread\t' "$T/walk.first")
((nfiles > 300)) || fail "the first walk read only $nfiles files"
echo "first walk: $nfiles files; RSS after it: $rss_first kB"
emu_stats_reset >/dev/null
emu_config "$FAULTS" >/dev/null

start=$(now_us)
end=$((start + SOAK * 1000000))
# A grep -r or tar pass takes several seconds under faults: none starts in
# the last 6, so the readers end with the soak rather than well after it.
end_tools=$((end - 6000000))
sample_rss "$FS_PID" "$T/rss" 3 &
sampler=$!
pids=()
for i in 1 2; do
    walk_until "$end" "$MNT" "$T/walk.$i" &
    pids+=($!)
done
(
    while (($(now_us) < end_tools)); do
        rc=0
        ps=$(now_us)
        strace_walk "$T/strace.grep" grep -r -l zzz-no-match "$MNT" >/dev/null 2>>"$T/grep.err" || rc=$?
        echo "$rc $((($(now_us) - ps) / 1000))" >>"$T/grep.rc"
    done
) &
pids+=($!)
(
    : >"$T/tar.rc"
    # Two passes at least, however slow the machine (a sanitizer build
    # under a parallel ctest has taken 58 s for one).
    while (($(now_us) < end_tools)) || (($(wc -l <"$T/tar.rc") < 2)); do
        rc=0
        ps=$(now_us)
        strace_walk "$T/strace.tar" tar cf "$T/soak.tar" -C "$MNT" . 2>"$T/tar.pass.err" || rc=$?
        cat "$T/tar.pass.err" >>"$T/tar.err"
        echo "$rc $((($(now_us) - ps) / 1000))" >>"$T/tar.rc"
        # One read pass never mixes two versions of a file, while the
        # writer changes the views and metrics.prom it reads.
        rm -rf "$T/x" && mkdir "$T/x" && tar xf "$T/soak.tar" -C "$T/x" 2>/dev/null
        check_one_version "$T/x" "$T/tar.pass.err" >>"$T/mixed"
    done
) &
pids+=($!)
# The writer: one value per write(2), consecutive values differ; logs
# "i value rc start_us end_us error".
(
    i=0
    while (($(now_us) < end)); do
        i=$((i + 1))
        v=$(((i - 1) % 25 + 1))
        ws=$(now_us)
        if (echo "$v" >"$wfile") 2>"$T/w.err"; then rc=0; else rc=$?; fi
        we=$(now_us)
        printf '%d %d %d %d %d %s\n' "$i" "$v" "$rc" "$ws" "$we" "$(tr '\n' ' ' <"$T/w.err")" >>"$T/writes.log"
        sleep 0.1
    done
) &
pids+=($!)
for p in "${pids[@]}"; do wait "$p" || fail "a soak process failed"; done
echo "readers and writer done $((($(now_us) - end) / 1000)) ms after the soak's end"
rss_last=$(rss_kb "$FS_PID")
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
echo "$(date +%s) $rss_last" >>"$T/rss"
stats=$(emu_stats)
emu_config "$NO_FAULTS" >/dev/null

# ---- nothing hung ------------------------------------------------------------------
# The bound holds for each request the kernel sends. metrics.prom is built
# from every resource of the fleet, and the kernel asks for it up to three
# times in one `cat` (LOOKUP and OPEN in open(2), GETATTR in fstat(2) once
# the 1 s attributes have expired); with ttl=2 each of them fetches again
# what expired during the one before, under the faults. So a `cat` of it
# is bounded by three times the bound, one of its syscalls by two.
FLEET_FILE="$MNT/metrics.prom"
cat "$T"/walk.[12] >"$T/walk.all"
read -r max_ms max_path < <(grep -vF "$FLEET_FILE"$'\t' "$T/walk.all" | walk_log_max /dev/stdin)
((max_ms < BOUND_MS)) || fail "a walker's operation took $max_ms ms (bound $BOUND_MS ms): $max_path"
read -r fleet_ms _ < <(grep -F "$FLEET_FILE"$'\t' "$T/walk.all" | walk_log_max /dev/stdin)
((fleet_ms < 3 * BOUND_MS)) || fail "a walker's cat of metrics.prom took $fleet_ms ms (bound $((3 * BOUND_MS)) ms)"
echo "walkers: slowest cat of metrics.prom $fleet_ms ms"
for s in grep tar; do
    [[ -s "$T/strace.$s" ]] || fail "no syscall of $s was traced"
    # (tar and grep open by name relative to a directory: "metrics.prom".)
    read -r ms call < <(grep -vF 'metrics.prom"' "$T/strace.$s" | strace_log_max /dev/stdin)
    ((ms < BOUND_MS)) || fail "a syscall of $s took $ms ms (bound $BOUND_MS ms): $call"
    read -r fleet_ms fleet_call < <(grep -F 'metrics.prom"' "$T/strace.$s" | strace_log_max /dev/stdin)
    ((fleet_ms < 2 * BOUND_MS)) || fail "a syscall of $s on metrics.prom took $fleet_ms ms (bound $((2 * BOUND_MS)) ms): $fleet_call"
    echo "$s: $(wc -l <"$T/$s.rc") runs, exit statuses $(cut -d' ' -f1 "$T/$s.rc" | sort | uniq -c | tr -s " \n" " "), ms per run $(cut -d' ' -f2 "$T/$s.rc" | tr '\n' ' '), slowest syscall $ms ms: ${call:0:160}"
done
wmax=$(awk '{ d = ($5 - $4) / 1000; if (d > max) max = d } END { printf "%d", max }' "$T/writes.log")
((wmax < BOUND_MS)) || fail "a write took $wmax ms (bound $BOUND_MS ms)"

# ---- one version a file ----------------------------------------------------------------
[[ -s "$T/mixed" ]] && fail "tar read files that mix two versions: $(head -5 "$T/mixed")"
passes=$(wc -l <"$T/tar.rc")
((passes >= 2)) || fail "only $passes tar passes in the soak"
echo "tar: $passes passes, every file one version"

# ---- failures are the faults' ----------------------------------------------------------
walk_log_errors "$T/walk.all" >"$T/walk.errors"
cat "$T/grep.err" "$T/tar.err" >"$T/tools.err"
for what in "No such file or directory" "Connection timed out" "Interrupted system call" "Connection refused" "Bad address" "Transport endpoint"; do
    if grep -qF "$what" "$T/walk.errors" "$T/tools.err"; then
        fail "a reader saw \"$what\" under faults: $(grep -hF "$what" "$T/walk.errors" "$T/tools.err" | head -3)"
    fi
done
other=$(cut -f5 "$T/walk.errors" | grep -v "Input/output error\|Resource temporarily unavailable" || true)
[[ -z $other ]] || fail "walker failures other than EIO/EAGAIN: $(head -3 <<<"$other")"
# What grep and tar said: read errors of the faults, and tar's notes on
# files whose content changed while it read them (the writer's).
other=$(grep -v "Input/output error\|Resource temporarily unavailable" "$T/grep.err" || true)
[[ -z $other ]] || fail "grep -r said: $(head -3 <<<"$other")"
# Files whose content the writer changes (its tenant's) or that change on
# their own (.tenantcorefs/, and metrics.prom, whose scrape errors come and
# go with the faults) may change between tar's stat and its read (tar says
# "1 byte", "2 bytes").
other=$(grep -v "Input/output error\|Resource temporarily unavailable\|Exiting with failure status due to previous errors" "$T/tar.err" |
    grep -v -E "^tar: \./(tenants/$t/[^:]*|\.tenantcorefs/[^:]*|metrics\.prom): (file changed as we read it|File shrank by [0-9]+ bytes?; padding with zeros)$" || true)
[[ -z $other ]] || fail "tar said: $(head -3 <<<"$other")"
ops=$(wc -l <"$T/walk.all")
nerr=$(wc -l <"$T/walk.errors")
echo "walkers: $ops operations, $nerr failed (EIO/EAGAIN), slowest $max_ms ms; slowest write $wmax ms"
retries=$(jq .retries "$MNT/.tenantcorefs/stats.json")
((retries > 50)) || fail "only $retries retries in a soak with 17% faults: were the faults on?"

# ---- writes: exactly what tcemu applied ------------------------------------------------
jq -r --arg p "/v1/tenants/$t/mailboxes/$m" \
    '.writes[] | select(.method == "PATCH" and .path == $p) | "\(.body.daily_send_limit) \(.status)"' <<<"$stats" >"$T/tcemu.writes"
other_writes=$(jq --arg p "/v1/tenants/$t/mailboxes/$m" '[.writes[] | select(.path != $p)] | length' <<<"$stats")
assert_eq "$other_writes" "0" "writes to anything but the writer's mailbox"
# Pair each write(2) with its run of PATCHes (consecutive values differ):
# a success is exactly one 200, the run's last; a failure has no 200 (or
# never reached tcemu); only 429s, and drops (status 0: tcemu applied
# nothing, and libcurl sends a PATCH again when a reused connection died
# before any byte of the answer), come before a run's last PATCH.
check=$(awk '
    NR == FNR { wv[NR] = $2; wrc[NR] = $3; nw = NR; next }
    { tv[++nt] = $1; ts[nt] = $2 }
    END {
        j = 1; final = ""; ok = 0; failed = 0; retried = 0
        for (i = 1; i <= nw; i++) {
            n = 0; n200 = 0; run = ""; early = 0
            while (j <= nt && tv[j] == wv[i]) {
                n++
                if (ts[j] == 200) n200++
                if (j < nt && tv[j + 1] == wv[i] && ts[j] != 429 && ts[j] != 0) early = 1
                run = run " " ts[j]; j++
            }
            if (n > 1) retried++
            if (early) print "BAD write " i " (" wv[i] "): sent again after an answer that was not 429 or a drop:" run
            if (wrc[i] == 0) {
                ok++
                if (n200 != 1 || ts[j - 1] != 200) print "BAD write " i " (" wv[i] ") returned success; tcemu has:" (run == "" ? " nothing" : run)
                final = wv[i]
            } else {
                failed++
                if (n200 > 0) { print "BAD write " i " (" wv[i] ") returned an error; tcemu applied it:" run; final = wv[i] }
            }
        }
        if (j <= nt) print "BAD " (nt - j + 1) " PATCHes at tcemu match no write(2), from value " tv[j]
        print "FINAL " final
        print "COUNTS " ok " " failed " " retried " " nt
    }' "$T/writes.log" "$T/tcemu.writes")
if grep -q '^BAD' <<<"$check"; then
    fail "writes and tcemu disagree: $(grep '^BAD' <<<"$check" | head -5)"
fi
read -r _ nok nfail nretried npatch < <(grep '^COUNTS' <<<"$check")
final=$(grep '^FINAL' <<<"$check" | cut -d' ' -f2)
((nok > 0)) || fail "no write succeeded during the soak"
((nfail > 0)) || echo "note: no write failed during the soak"
now_value=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r --arg m "$m" '.mailboxes[] | select(.id == $m) | .daily_send_limit')
assert_eq "$now_value" "$final" "tcemu's daily_send_limit after the soak (the last successful write)"
statuses=$(cut -d' ' -f2 "$T/tcemu.writes" | sort | uniq -c | tr -s ' \n' ' ')
echo "writer: $nok writes succeeded, $nfail failed, $nretried retried after 429; tcemu got $npatch PATCHes (statuses:$statuses)"

# ---- memory -------------------------------------------------------------------------------
echo "RSS samples (kB): $(cut -d' ' -f2 "$T/rss" | tr '\n' ' ')"
((rss_last <= 2 * rss_first)) || fail "RSS grew from $rss_first kB after the first walk to $rss_last kB"

# ---- alive, faults cleared ------------------------------------------------------------------
assert_eq "$FS_PID" "$pid_before" "the daemon after the soak"
mountpoint -q "$MNT" || fail "the mount is gone after the soak"
echo 1 >"$MNT/.tenantcorefs/invalidate"
assert_eq "$(cat "$MNT/tenants/$t/mailboxes/$m/usage.json")" "$(emu_get "/v1/tenants/$t/mailboxes/$m/usage" | jq .)" "a fresh read after the faults were cleared"
assert_eq "$(cat "$wfile")" "$final" "daily_send_limit read through the mount after the soak"
rm -f "$T/walk.last"
walk_timed "$MNT" "$T/walk.last"
[[ -z $(walk_log_errors "$T/walk.last") ]] || fail "a walk after the faults were cleared failed: $(walk_log_errors "$T/walk.last" | head -3)"
rm -f "$T/soak.tar"
mnt_stop
echo "run time: $((($(now_us) - run_start) / 1000000)) s"
echo "PASS: $SOAK s under faults: nothing past ${BOUND_MS} ms, writes match tcemu exactly, RSS $rss_first -> $rss_last kB"
