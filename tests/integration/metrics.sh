#!/usr/bin/env bash
# metrics.prom (the fleet) and .tenantcorefs/metrics.prom (the daemon) in
# the Prometheus text format, checked against tcemu's API:
#  - Debian's `promtool check metrics` accepts both, with hostile tenant
#    names and mailbox addresses (quotes, backslashes, line breaks, tabs,
#    UTF-8, and bytes that are not UTF-8 at all);
#  - every mailbox's limits, sends, block state and enforced limit, every
#    domain's records and DKIM state, every tenant's bootstrap state, last
#    sync and sums are what the API says (parsed back with unescaping);
#  - a cold read costs the tenant details, domains lists, mailboxes lists,
#    tenant policies, the domain policies of the mailboxes' domains and each
#    usage, once; a second read within ttl costs nothing; st_size is exact;
#  - a usage and a domains list that fail: the file is still served, says
#    so in tenantcore_scrape_errors, and the errors file names them;
#  - the daemon's file costs no API call and agrees with stats.json;
#  - a write through the mount shows in the next read, size included.
source "$(dirname "$0")/../lib/common.sh"
command -v promtool >/dev/null || fail "promtool is needed (package prometheus)"
command -v python3 >/dev/null || fail "python3 is needed (package python3)"

emu_start --tenants 4 --domains 4 --mailboxes 2 --seed 5
tenants=$(emu_get /v1/tenants)
tid() { jq -r ".tenants[$1].tenant_id" <<<"$tenants"; }
T0=$(tid 0) T1=$(tid 1) T2=$(tid 2) T3=$(tid 3)

# Hostile names through the API: a tenant name and a mailbox address with
# quotes, backslashes, a line break, a tab and UTF-8.
HOSTILE_NAME=$'Qu"ote \\ back\\\\slash\nline\ttab caf\u00e9 \U0001F4E7 {a="b",c}'
emu_set "$(jq -nc --arg t "$T1" --arg n "$HOSTILE_NAME" '{tenant_id: $t, set: {tenant_name: $n}}')" >/dev/null
M_HOSTILE=$(emu_get "/v1/tenants/$T2/mailboxes" | jq -r '.mailboxes[0].id')
D_HOSTILE=$(emu_get "/v1/tenants/$T2/mailboxes" | jq -r '.mailboxes[0].domain_name')
HOSTILE_EMAIL=$'"odd\\\\ \\"one\\"\n"@'"$D_HOSTILE"
emu_set "$(jq -nc --arg t "$T2" --arg m "$M_HOSTILE" --arg e "$HOSTILE_EMAIL" \
    '{tenant_id: $t, mailbox_id: $m, set: {primary_smtp: $e}}')" >/dev/null
# Tenant 3's name holds bytes that are not UTF-8: the tenants list is served
# raw from a file (a JSON string cannot carry them).
tenants=$(emu_get /v1/tenants)
jq -c --arg t "$T3" '(.tenants[] | select(.tenant_id == $t) | .tenant_name) = "BAD-UTF8"' <<<"$tenants" |
    sed 's/BAD-UTF8/bad \xff\xfe bytes \xc3/' >"$T/tenants.raw"
emu_override "$(jq -nc --arg f "$T/tenants.raw" '{method: "GET", path: "/v1/tenants", status: 200, body_file: $f}')" >/dev/null

mnt_start -o ttl=600,retries=1
PROM="$MNT/metrics.prom"
META="$MNT/.tenantcorefs/metrics.prom"

# parse FILE: one JSON object per sample, label values unescaped.
parse() {
    python3 -c '
import json, re, sys
sample = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$")
for line in open(sys.argv[1], encoding="utf-8", errors="strict"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    m = sample.match(line)
    if not m:
        sys.exit("not a sample line: " + line)
    labels, body, i = {}, (m.group(2) or "{}")[1:-1], 0
    while i < len(body):
        eq = body.index("=", i)
        name, i, value = body[i:eq], eq + 2, ""
        while body[i] != "\"":
            if body[i] == "\\":
                i += 1
                value += {"n": "\n", "\\": "\\", "\"": "\""}[body[i]]
            else:
                value += body[i]
            i += 1
        labels[name] = value
        i += 2 if body[i + 1:i + 2] == "," else 1
    print(json.dumps({"name": m.group(1), "labels": labels, "value": float(m.group(3))}, ensure_ascii=False))
' "$1"
}

# ---- cost: a cold read, then a second one within ttl ------------------------------
emu_stats_reset >/dev/null
cat "$PROM" >"$T/fleet.prom"
emu_settle
stats=$(emu_stats)
route() { jq -r --arg r "$1" '.by_route[$r] // 0' <<<"$stats"; }
ntenants=4
nmailboxes=0 npolicies=0
for t in "$T0" "$T1" "$T2" "$T3"; do
    mb=$(emu_get "/v1/tenants/$t/mailboxes")
    nmailboxes=$((nmailboxes + $(jq '.mailboxes | length' <<<"$mb")))
    npolicies=$((npolicies + 1 + $(jq '[.mailboxes[].domain_name] | unique | length' <<<"$mb")))
done
assert_eq "$(route 'GET /v1/tenants')" "0" "tenants lists (the mount's own answer is cached)"
assert_eq "$(route 'GET /v1/tenants/{tenant_id}')" "$ntenants" "tenant details"
assert_eq "$(route 'GET /v1/tenants/{tenant_id}/domains')" "$ntenants" "domains lists"
assert_eq "$(route 'GET /v1/tenants/{tenant_id}/mailboxes')" "$ntenants" "mailboxes lists"
assert_eq "$(route 'GET /v1/tenants/{tenant_id}/mailbox-limits')" "$npolicies" "policies (tenant, and each mailbox domain)"
assert_eq "$(route 'GET /v1/tenants/{tenant_id}/mailboxes/{mailbox_id}/usage')" "$nmailboxes" "usages"
cold=$(jq -r .total <<<"$stats")
assert_eq "$cold" "$((3 * ntenants + npolicies + nmailboxes))" "all API calls of a cold metrics.prom"
echo "cold metrics.prom: $cold API calls for $ntenants tenants, $nmailboxes mailboxes"
emu_stats_reset >/dev/null
cat "$PROM" | cmp -s - "$T/fleet.prom" || fail "a second read within ttl differs"
assert_eq "$(stat -c %s "$PROM")" "$(wc -c <"$T/fleet.prom")" "st_size of metrics.prom"
cat "$META" >"$T/daemon.prom"
assert_eq "$(stat -c %s "$META")" "$(wc -c <"$META")" "st_size of .tenantcorefs/metrics.prom"
assert_eq "$(emu_total)" "0" "API calls of a second metrics.prom within ttl and of the daemon's file"

# ---- promtool ------------------------------------------------------------------------
for f in "$T/fleet.prom" "$T/daemon.prom"; do
    run_cmd promtool check metrics <"$f"
    [[ $RC -eq 0 && -z "$OUT$ERR" ]] || fail "promtool check metrics $(basename "$f") (exit $RC): $OUT $ERR"
done
# Every family declared once, with HELP and TYPE, names under tenantcore_ / tenantcorefs_.
for f in "$T/fleet.prom" "$T/daemon.prom"; do
    prefix=tenantcore_
    [[ $f == */daemon.prom ]] && prefix=tenantcorefs_
    awk -v p="$prefix" '
        /^# HELP / { help[$3]++ } /^# TYPE / { type[$3]++ }
        !/^#/ { n = $0; sub(/[{ ].*/, "", n); seen[n] = 1; if (index(n, p) != 1) { print "bad name " n; bad = 1 } }
        END { for (n in seen) if (help[n] != 1 || type[n] != 1) { print n ": HELP " help[n] ", TYPE " type[n]; bad = 1 }
              for (n in help) if (help[n] != 1) { print n " declared twice"; bad = 1 }
              exit bad }' "$f" >"$T/families" || fail "$(basename "$f"): $(head -5 "$T/families")"
done
parse "$T/fleet.prom" >"$T/fleet.json" || fail "metrics.prom does not parse back: $(tail -2 "$T/fleet.json")"
parse "$T/daemon.prom" >"$T/daemon.json" || fail ".tenantcorefs/metrics.prom does not parse back"

# value NAME LABEL VALUE: the sample of NAME whose LABEL is VALUE ("absent" if none).
value() {
    jq -rs --arg n "$1" --arg l "$2" --arg v "$3" \
        '[.[] | select(.name == $n and .labels[$l] == $v) | .value] | if length == 0 then "absent" elif length == 1 then .[0] else "duplicated" end' \
        "$T/fleet.json"
}

# ---- the hostile names came through, unescaped back to the API's bytes ---------------------
assert_eq "$(jq -rs --arg t "$T1" '[.[] | select(.labels.tenant_id == $t) | .labels.tenant] | unique | .[]' "$T/fleet.json")" \
    "$HOSTILE_NAME" "the hostile tenant name, read back"
assert_eq "$(jq -rs --arg m "$M_HOSTILE" '[.[] | select(.labels.mailbox_id == $m) | .labels.email] | unique | .[]' "$T/fleet.json")" \
    "$HOSTILE_EMAIL" "the hostile email, read back"
assert_eq "$(jq -rs --arg t "$T3" '[.[] | select(.labels.tenant_id == $t) | .labels.tenant] | unique | .[]' "$T/fleet.json")" \
    $'bad \ufffd\ufffd bytes \ufffd' "bytes that are not UTF-8 became U+FFFD"

# ---- against the API ------------------------------------------------------------------------
policy() { # TENANT [DOMAIN]
    local q="" body
    [[ -n "${2:-}" ]] && q="?domain_scope=$2"
    body=$(emu_call GET "/v1/tenants/$1/mailbox-limits$q")
    if [[ $(<"$EMU_DIR/last_status") == 200 ]]; then
        jq -r '.daily_send_limit // .policy.daily_send_limit // empty' <<<"$body"
    fi
}
nblocked=0 nchecked=0
for t in "$T0" "$T1" "$T2" "$T3"; do
    detail=$(emu_get "/v1/tenants/$t")
    ready=$([[ $(jq -r .exchange_bootstrap_status <<<"$detail") == ready ]] && echo 1 || echo 0)
    assert_eq "$(value tenantcore_tenant_exchange_bootstrap_ready tenant_id "$t")" "$ready" "bootstrap of $t"
    assert_eq "$(value tenantcore_tenant_last_sync_timestamp_seconds tenant_id "$t")" \
        "$(date -d "$(jq -r .last_sync_at <<<"$detail")" +%s)" "last_sync_at of $t"
    assert_eq "$(value tenantcore_tenant_recommended_daily_sends tenant_id "$t")" "900" "recommended sends of $t"
    domains=$(emu_get "/v1/tenants/$t/domains")
    assert_eq "$(value tenantcore_tenant_domains tenant_id "$t")" "$(jq '.domains | length' <<<"$domains")" "domains of $t"
    while read -r d; do
        item=$(jq -c --arg d "$d" '.domains[] | select(.domain_name == $d)' <<<"$domains")
        sel() { jq -rs --arg n "$1" --arg t "$t" --arg d "$d" --arg r "${2:-}" \
            '[.[] | select(.name == $n and .labels.tenant_id == $t and .labels.domain == $d and ($r == "" or .labels.record == $r))] | map(if $n == "tenantcore_domain_dkim_status" then .labels.status else (.value | tostring) end) | join(" ")' "$T/fleet.json"; }
        assert_eq "$(sel tenantcore_domain_verified)" "$(jq -r 'if .is_verified then 1 else 0 end' <<<"$item")" "verified of $d"
        for r in spf dkim dmarc mx; do
            want=$(jq -r --arg f "${r}_status" '.[$f] | if . == null or . == "" or . == "missing" then 0 else 1 end' <<<"$item")
            assert_eq "$(sel tenantcore_domain_record_present "$r")" "$want" "$r of $d"
        done
        assert_eq "$(sel tenantcore_domain_dkim_status)" "$(jq -r '.dkim_status // "missing"' <<<"$item")" "DKIM state of $d"
        assert_eq "$(sel tenantcore_domain_dkim_healthy)" "$(jq -r 'if .dkim_status == "healthy" then 1 else 0 end' <<<"$item")" "DKIM healthy of $d"
    done < <(jq -r '.domains[].domain_name' <<<"$domains")

    tp=$(policy "$t")
    mb=$(emu_get "/v1/tenants/$t/mailboxes")
    sends_sum=0 limit_sum=0
    while read -r m; do
        id=$(jq -r .id <<<"$m") d=$(jq -r .domain_name <<<"$m")
        usage=$(emu_get "/v1/tenants/$t/mailboxes/$id/usage")
        mv() { value "$1" mailbox_id "$id"; }
        assert_eq "$(mv tenantcore_mailbox_daily_send_limit)" "$(jq -r '.daily_send_limit // "absent"' <<<"$m")" "daily_send_limit of $id"
        dp=$(policy "$t" "$d")
        assert_eq "$(mv tenantcore_mailbox_enforced_limit)" "${dp:-${tp:-absent}}" "enforced limit of $id"
        assert_eq "$(mv tenantcore_mailbox_sends_today)" "$(jq -r .sends_today <<<"$usage")" "sends_today of $id"
        assert_eq "$(mv tenantcore_mailbox_remaining_sends)" "$(jq -r '.remaining_sends // "absent"' <<<"$usage")" "remaining_sends of $id"
        blocked=$(jq -r 'if .is_blocked then 1 else 0 end' <<<"$usage")
        assert_eq "$(mv tenantcore_mailbox_blocked)" "$blocked" "blocked of $id"
        want=$(jq -r 'if .utilization_pct == null then "absent" else .utilization_pct / 100 end' <<<"$usage")
        got=$(mv tenantcore_mailbox_utilization_ratio)
        [[ $got == "$want" ]] || python3 -c "import sys; sys.exit(abs(float('$got') - float('$want')) > 1e-9)" ||
            fail "utilization of $id: expected [$want], got [$got]"
        assert_eq "$(jq -rs --arg m "$id" '[.[] | select(.labels.mailbox_id == $m) | .labels.domain] | unique | .[]' "$T/fleet.json")" "$d" "domain label of $id"
        nblocked=$((nblocked + blocked)) nchecked=$((nchecked + 1))
        sends_sum=$((sends_sum + $(jq -r .sends_today <<<"$usage")))
        limit_sum=$((limit_sum + $(jq -r '.daily_send_limit // 0' <<<"$m")))
    done < <(jq -c '.mailboxes[]' <<<"$mb")
    assert_eq "$(value tenantcore_tenant_mailboxes tenant_id "$t")" "$(jq '.mailboxes | length' <<<"$mb")" "mailboxes of $t"
    assert_eq "$(value tenantcore_tenant_sends_today tenant_id "$t")" "$sends_sum" "sends today of $t"
    assert_eq "$(value tenantcore_tenant_daily_send_limit_allocated tenant_id "$t")" "$limit_sum" "limits of $t"
done
[[ $nblocked -ge 1 && $nchecked -eq $nmailboxes ]] || fail "fixture: $nblocked blocked of $nchecked mailboxes checked"
assert_eq "$(jq -rs '[.[] | select(.name == "tenantcore_scrape_errors")] | .[0].value' "$T/fleet.json")" "0" "scrape errors of a good scrape"

# ---- the daemon's file: free, and the same counts as stats.json ---------------------------
sum() { jq -rs --arg n "$1" '[.[] | select(.name == $n) | .value] | add // 0' "$T/daemon.json"; }
stats_json=$(cat "$MNT/.tenantcorefs/stats.json")
assert_eq "$(sum tenantcorefs_api_calls_total)" "$(jq .api_calls.total <<<"$stats_json")" "API calls: metrics vs stats.json"
assert_eq "$(sum tenantcorefs_cache_misses_total)" "$(jq .cache.misses <<<"$stats_json")" "cache misses: metrics vs stats.json"
assert_eq "$(jq -rs '[.[] | select(.name == "tenantcorefs_api_calls_total" and .labels.class != "2xx" and .labels.class != "4xx")] | length' "$T/daemon.json")" \
    "0" "only 2xx and 4xx (policy_not_found) answers so far"

# ---- a partial scrape -------------------------------------------------------------------------
M_FAIL=$(emu_get "/v1/tenants/$T0/mailboxes" | jq -r '.mailboxes[0].id')
emu_override "$(jq -nc --arg p "/v1/tenants/$T0/mailboxes/$M_FAIL/usage" '{method: "GET", path: $p, status: 500, body: "{}"}')" >/dev/null
emu_override "$(jq -nc --arg p "/v1/tenants/$T2/domains" '{method: "GET", path: $p, status: 503, body: ""}')" >/dev/null
echo 1 >"$MNT/.tenantcorefs/invalidate"
run_cmd cat "$PROM"
[[ $RC -eq 0 ]] || fail "metrics.prom failed whole for one bad usage and one bad domains list: $ERR"
printf '%s\n' "$OUT" >"$T/partial.prom"
promtool check metrics <"$T/partial.prom" || fail "promtool refuses the partial scrape"
parse "$T/partial.prom" >"$T/fleet.json"
assert_eq "$(jq -rs '[.[] | select(.name == "tenantcore_scrape_errors")] | .[0].value' "$T/fleet.json")" "2" "scrape errors"
assert_eq "$(value tenantcore_tenant_scrape_errors tenant_id "$T0")" "1" "scrape errors of tenant 0"
assert_eq "$(value tenantcore_tenant_scrape_errors tenant_id "$T2")" "1" "scrape errors of tenant 2"
assert_eq "$(value tenantcore_tenant_scrape_errors tenant_id "$T1")" "0" "scrape errors of tenant 1"
assert_eq "$(value tenantcore_mailbox_sends_today mailbox_id "$M_FAIL")" "absent" "sends_today of the failed usage"
[[ $(value tenantcore_mailbox_enforced_limit mailbox_id "$M_FAIL") != absent ]] || fail "the failed usage's mailbox lost its other samples"
assert_eq "$(value tenantcore_tenant_domains tenant_id "$T2")" "absent" "domains of the tenant whose list failed"
[[ $(value tenantcore_tenant_mailboxes tenant_id "$T2") != absent ]] || fail "tenant 2's mailboxes are missing"
errors=$(cat "$MNT/.tenantcorefs/errors")
grep -qE " metrics /tenants/$T0/mailboxes/$M_FAIL/usage\.json EIO 500 " <<<"$errors" || fail "errors file: no line for the failed usage: $errors"
grep -qE " metrics /tenants/$T2/domains EIO 503 " <<<"$errors" || fail "errors file: no line for the failed domains list: $errors"
cat "$META" >"$T/daemon.prom"
parse "$T/daemon.prom" >"$T/daemon.json"
assert_eq "$(jq -rs '[.[] | select(.name == "tenantcorefs_errors_total" and .labels.errno == "EIO")] | .[0].value' "$T/daemon.json")" \
    "$(grep -c ' EIO ' <<<"$errors")" "tenantcorefs_errors_total{errno=EIO}"
[[ $(jq -rs '[.[] | select(.name == "tenantcorefs_api_calls_total" and .labels.class == "5xx")] | map(.value) | add' "$T/daemon.json") -ge 4 ]] ||
    fail "5xx answers (two resources, retried once) are not counted"
emu_override_clear >/dev/null

# ---- a write through the mount shows at once ----------------------------------------------
cat "$PROM" >/dev/null # the kernel has seen the file
M_W=$(emu_get "/v1/tenants/$T1/mailboxes" | jq -r '.mailboxes[0].id')
old_limit=$(emu_get "/v1/tenants/$T1/mailboxes" | jq -r '.mailboxes[0].daily_send_limit')
new_limit=$((old_limit == 7 ? 8 : 7))
echo "$new_limit" >"$MNT/tenants/$T1/mailboxes/$M_W/daily_send_limit"
size=$(stat -c %s "$PROM")
cat "$PROM" >"$T/after.prom"
assert_eq "$size" "$(wc -c <"$T/after.prom")" "st_size of metrics.prom right after a write"
parse "$T/after.prom" >"$T/fleet.json"
assert_eq "$(value tenantcore_mailbox_daily_send_limit mailbox_id "$M_W")" "$new_limit" "daily_send_limit right after a write"
mnt_stop
echo "PASS: metrics.prom ($nchecked mailboxes, $nblocked blocked, hostile names) and the daemon's metrics; promtool accepts both"
