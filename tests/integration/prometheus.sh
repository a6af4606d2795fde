#!/usr/bin/env bash
# End to end with Debian's own prometheus-node-exporter and prometheus, all
# on 127.0.0.1, bounded in time:
#   tcemu → mount → contrib/systemd/metrics-textfile → node_exporter (its
#   textfile collector only) → prometheus (1 s scrape and evaluation) →
#   prometheus's HTTP API
# - the query for blocked mailboxes returns exactly the fleet's blocked
#   mailboxes, and a domain's DKIM state is tcemu's, both as tcemu's API says;
# - contrib/prometheus/alerts.yml passes `promtool check rules` and its unit
#   test, and loaded into prometheus, TenantCoreMailboxBlocked fires;
# - the copy step: one file, renamed into place (no temporary left), every
#   sample labelled with its mount point, its written timestamp now; when the
#   daemon is gone (kill -9: "Transport endpoint is not connected") or
#   nothing is mounted, it writes nothing and fails.
source "$(dirname "$0")/../lib/common.sh"
for tool in prometheus prometheus-node-exporter promtool python3 curl; do
    command -v "$tool" >/dev/null || fail "$tool is needed (packages prometheus, prometheus-node-exporter, python3, curl)"
done
started=$(now_ms)
SCRIPT="$TCFS_SOURCE_DIR/contrib/systemd/metrics-textfile"
RULES="$TCFS_SOURCE_DIR/contrib/prometheus/alerts.yml"

# Our servers end with the test, by their pids.
SERVER_PIDS=()
stop_servers() {
    local rc=$? p
    set +e
    for p in "${SERVER_PIDS[@]}"; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    (exit $rc)
    cleanup
}
trap stop_servers EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for SECONDS WHAT CMD...: run CMD every 0.2 s until it succeeds.
wait_for() {
    local limit=$(($(now_ms) + $1 * 1000)) what=$2
    shift 2
    until "$@"; do
        (($(now_ms) < limit)) || fail "$what: not within the time limit"
        sleep 0.2
    done
}

# ---- the rules ---------------------------------------------------------------------
run_cmd promtool check rules "$RULES"
[[ $RC -eq 0 ]] || fail "promtool check rules: $OUT $ERR"
assert_match "$OUT" "SUCCESS: 5 rules found" "promtool check rules"
run_cmd bash -c "cd '$(dirname "$RULES")' && promtool test rules alerts_test.yml"
[[ $RC -eq 0 ]] || fail "promtool test rules alerts_test.yml: $OUT $ERR"

# ---- the copy step -------------------------------------------------------------------
emu_start --tenants 3 --domains 4 --mailboxes 2 --seed 5
mnt_start -o ttl=600
textdir="$T/textfile"
mkdir "$textdir"
prom_file="$textdir/tenantcorefs$(tr -c 'A-Za-z0-9\n' '_' <<<"$MNT").prom"
before=$(date +%s)
run_cmd "$SCRIPT" "$MNT" "$textdir"
[[ $RC -eq 0 ]] || fail "metrics-textfile exited $RC: $ERR"
assert_eq "$(ls -A "$textdir")" "$(basename "$prom_file")" "the collector directory holds one file, no temporary"
assert_eq "$(stat -c %a "$prom_file")" "644" "mode of the textfile"
run_cmd promtool check metrics <"$prom_file"
[[ $RC -eq 0 && -z "$OUT$ERR" ]] || fail "promtool check metrics on the textfile: $OUT $ERR"
# Every sample has the mount point as a label; the fleet and the daemon are both in.
label="mountpoint=\"$MNT\""
bad=$(grep -v "^#" "$prom_file" | grep -vF "$label" | head -3 || true)
[[ -z $bad ]] || fail "samples without $label: $bad"
grep -q "^tenantcore_mailbox_blocked{$label," "$prom_file" || fail "no fleet samples in the textfile"
grep -q "^tenantcorefs_cache_hits_total{$label} " "$prom_file" || fail "no daemon samples in the textfile"
written=$(grep -F "tenantcorefs_textfile_written_timestamp_seconds{$label} " "$prom_file" | awk '{ print $NF }')
[[ $written -ge $before && $written -le $(date +%s) ]] || fail "written timestamp $written is not now"

# ---- node_exporter and prometheus ------------------------------------------------------
ne_port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" --collector.disable-defaults \
    --collector.textfile --collector.textfile.directory="$textdir" >"$T/node_exporter.log" 2>&1 &
SERVER_PIDS+=($!)
wait_for 20 "node_exporter answering on 127.0.0.1:$ne_port" \
    curl -fsS -o "$T/ne.metrics" "http://127.0.0.1:$ne_port/metrics"
grep -qx 'node_textfile_scrape_error 0' "$T/ne.metrics" ||
    fail "node_exporter could not read the textfile: $(grep textfile "$T/ne.metrics") $(tail -3 "$T/node_exporter.log")"

p_port=$(free_port)
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$ne_port']
EOF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
    --web.listen-address="127.0.0.1:$p_port" --log.level=warn >"$T/prometheus.log" 2>&1 &
SERVER_PIDS+=($!)
api="http://127.0.0.1:$p_port/api/v1"
wait_for 30 "prometheus ready on 127.0.0.1:$p_port" curl -fsS -o /dev/null "http://127.0.0.1:$p_port/-/ready"

query() { # PROMQL -> the result vector as JSON
    curl -fsS --max-time 10 -G --data-urlencode "query=$1" "$api/query" | jq -c '.data.result'
}
has_result() { [[ $(query "$1" | jq length) -gt 0 ]]; }
wait_for 30 "prometheus scraped the fleet" has_result 'tenantcore_mailbox_blocked'

# The blocked mailboxes, through Prometheus and through tcemu's API.
query 'tenantcore_mailbox_blocked == 1' | jq -r '.[].metric.mailbox_id' | sort >"$T/blocked_prom"
for t in $(emu_get /v1/tenants | jq -r '.tenants[].tenant_id'); do
    for m in $(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[].id'); do
        emu_get "/v1/tenants/$t/mailboxes/$m/usage" | jq -r --arg m "$m" 'select(.is_blocked) | $m'
    done
done | sort >"$T/blocked_api"
[[ -s $T/blocked_api ]] || fail "the fixture fleet has no blocked mailbox"
diff -u "$T/blocked_api" "$T/blocked_prom" >"$T/diff" || fail "blocked mailboxes, tcemu vs prometheus: $(cat "$T/diff")"
# Their addresses are the API's too.
query 'tenantcore_mailbox_blocked == 1' | jq -r '.[].metric | "\(.tenant_id) \(.mailbox_id) \(.email)"' |
    while read -r t m email; do
        assert_eq "$email" "$(emu_get "/v1/tenants/$t/mailboxes" | jq -r --arg m "$m" '.mailboxes[] | select(.id == $m) | .primary_smtp')" "email of $m"
    done

# A domain's DKIM state: one that is not healthy, and one that is.
t0=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
domains=$(emu_get "/v1/tenants/$t0/domains")
for sel in 'select(.dkim_status != "healthy")' 'select(.dkim_status == "healthy")'; do
    read -r d state < <(jq -r ".domains | map($sel) | .[0] | \"\(.domain_name) \(.dkim_status // \"missing\")\"" <<<"$domains")
    [[ $d != null ]] || fail "no domain of tenant 0 matches $sel"
    got=$(query "tenantcore_domain_dkim_status{tenant_id=\"$t0\",domain=\"$d\"}" | jq -r '.[].metric.status')
    assert_eq "$got" "$state" "DKIM state of $d through prometheus"
    present=$([[ $state == missing ]] && echo 0 || echo 1)
    got=$(query "tenantcore_domain_record_present{tenant_id=\"$t0\",domain=\"$d\",record=\"dkim\"}" | jq -r '.[].value[1]')
    assert_eq "$got" "$present" "DKIM record of $d through prometheus"
done

# The alert fires for the blocked mailboxes.
firing() {
    curl -fsS --max-time 10 "$api/alerts" |
        jq -r '.data.alerts[] | select(.labels.alertname == "TenantCoreMailboxBlocked" and .state == "firing") | .labels.mailbox_id' |
        sort >"$T/firing"
    cmp -s "$T/firing" "$T/blocked_api"
}
wait_for 30 "TenantCoreMailboxBlocked firing for every blocked mailbox" firing
echo "alert TenantCoreMailboxBlocked firing for $(wc -l <"$T/firing") mailboxes"

# ---- no copy without a mount -------------------------------------------------------------
cp -p "$prom_file" "$T/last.prom"
kill -KILL "$FS_PID"
wait "$FS_PID" 2>/dev/null || true
FS_PID=""
run_cmd stat "$MNT"
assert_match "$ERR" "Transport endpoint is not connected" "the dead mount point"
run_cmd "$SCRIPT" "$MNT" "$textdir"
assert_eq "$RC" "1" "metrics-textfile on a dead mount: exit status"
assert_match "$ERR" "not mounted: nothing written" "metrics-textfile on a dead mount"
cmp -s "$prom_file" "$T/last.prom" || fail "the textfile changed although the mount is gone"
assert_eq "$(ls -A "$textdir")" "$(basename "$prom_file")" "no temporary left after a refusal"
fusermount3 -u -z "$MNT"
run_cmd "$SCRIPT" "$MNT" "$textdir"
assert_eq "$RC" "1" "metrics-textfile on a plain directory: exit status"
cmp -s "$prom_file" "$T/last.prom" || fail "the textfile changed although nothing is mounted"

echo "PASS: tcemu → mount → textfile → node_exporter → prometheus in $(($(now_ms) - started)) ms"
