#!/usr/bin/env bash
# Views beyond the API (SEMANTICS.md §3), checked against tcemu's API:
#  - /health and tenants/<id>/health: aligned columns, one row per domain,
#    problems first, the values of the domains list; /health on a fresh
#    mount costs the tenants list and one domains list per tenant, no more;
#  - dns.zone (domain and tenant): valid for named-checkzone once an SOA and
#    NS are put in front, holding exactly the records of dns.json; hostile
#    records are escaped or left out with a comment;
#  - by-name/ links, duplicates "<name>~<GUID8>", unsafe names made safe;
#  - domains/<d>/mailboxes/<email> links;
#  - mailboxes.csv parsed by Python's csv module, row by row against the API
#    (display names with a comma, quotes and a line break), and its cost.
source "$(dirname "$0")/../lib/common.sh"
command -v named-checkzone >/dev/null || fail "named-checkzone is needed (package bind9utils)"
command -v python3 >/dev/null || fail "python3 is needed (package python3)"

emu_start --tenants 6 --domains 12 --mailboxes 3 --seed 11
tenants=$(emu_get /v1/tenants)
tid() { jq -r ".tenants[$1].tenant_id" <<<"$tenants"; }
T0=$(tid 0) T1=$(tid 1) T2=$(tid 2) T3=$(tid 3) T4=$(tid 4) T5=$(tid 5)
NTENANTS=6

# Names that need making path-safe, set before the mount reads the list:
# tenants 0 and 3 already share a name (the fixture's duplicate).
emu_set "{\"tenant_id\":\"$T1\",\"set\":{\"tenant_name\":\"Fabrikam/West\\nCoast\"}}" >/dev/null
emu_set "{\"tenant_id\":\"$T2\",\"set\":{\"tenant_name\":\"..\"}}" >/dev/null
emu_set "{\"tenant_id\":\"$T4\",\"set\":{\"tenant_name\":\"Tailspin/Toys\"}}" >/dev/null
emu_set "{\"tenant_id\":\"$T5\",\"set\":{\"tenant_name\":\"Tailspin_Toys\"}}" >/dev/null
tenants=$(emu_get /v1/tenants)
# Display names a CSV must quote: a comma and quotes (through the API), a line break.
mboxes0=$(emu_get "/v1/tenants/$T0/mailboxes")
M_COMMA=$(jq -r '.mailboxes[1].id' <<<"$mboxes0")
M_NL=$(jq -r '.mailboxes[2].id' <<<"$mboxes0")
emu_fetch PATCH "/v1/tenants/$T0/mailboxes/$M_COMMA" '{"display_name":"Doe, \"JJ\" Jr"}'
assert_eq "$EMU_STATUS" "200" "PATCH display_name with a comma and quotes"
emu_set "{\"tenant_id\":\"$T0\",\"mailbox_id\":\"$M_NL\",\"set\":{\"display_name\":\"Two\\nLines, too\"}}" >/dev/null
# A domain whose dns answer is hostile (tenant 1's first domain).
D_HOSTILE=$(emu_get "/v1/tenants/$T1/domains" | jq -r '.domains[0].domain_name')
long=$(printf 'k%.0s' {1..300})
hostile=$(jq -nc --arg d "$D_HOSTILE" --arg long "$long" '{
  domain_name: $d, verification_dns_records: [
    {recordType: "domainDnsTxtRecord", label: "@", text: "a \"quoted\" \\ back; semi", ttl: 300}],
  service_configuration_records: [
    {recordType: "domainDnsTxtRecord", label: "_long", text: ("v=DKIM1; p=" + $long), ttl: 3600},
    {recordType: "domainDnsCnameRecord", label: ("autodiscover." + $d), canonicalName: "autodiscover.outlook.com", ttl: 3600},
    {recordType: "domainDnsMxRecord", label: ($d + "."), mailExchange: "mx.example.net.", preference: 10, ttl: 3600},
    {recordType: "domainDnsSrvRecord", label: "_sip._tls", nameTarget: "sipdir.online.lync.com", priority: 100, weight: 1, port: 443, ttl: 3600},
    {recordType: "domainDnsTxtRecord", label: "bad label", text: "x", ttl: 3600},
    {recordType: "domainDnsTxtRecord", label: "evil.example.", text: "x", ttl: 3600},
    {recordType: "domainDnsCnameRecord", label: "semi;colon", canonicalName: "x.example", ttl: 3600},
    {recordType: "domainDnsUnavailableRecord", label: "www", ttl: 3600}]}')
emu_override "$(jq -nc --arg p "/v1/tenants/$T1/domains/$D_HOSTILE/dns" --arg b "$hostile" \
    '{method: "GET", path: $p, status: 200, body: $b}')" >/dev/null

# ---- /health on a fresh mount: the tenants list and one domains list per tenant
emu_stats_reset >/dev/null
mnt_start -o ttl=600
cat "$MNT/health" >"$T/health"
stats=$(emu_stats)
assert_eq "$(jq -r '.by_route["GET /v1/tenants"]' <<<"$stats")" "1" "tenants lists for mount + /health"
assert_eq "$(jq -r '.by_route["GET /v1/tenants/{tenant_id}/domains"]' <<<"$stats")" "$NTENANTS" "domains lists for /health"
assert_eq "$(jq -r '.total' <<<"$stats")" "$((NTENANTS + 1))" "all API calls of mount + /health"
cat "$MNT/health" >/dev/null
assert_eq "$(emu_total)" "$((NTENANTS + 1))" "API calls after reading /health again within ttl"

# Expected rows, from the API: cells are single words (blanks and control
# characters become '_'), spf/dmarc/mx present or missing, dkim as sent.
row_filter='
  def cell: if . == null or . == "" then "-" else gsub("[[:cntrl:] ]"; "_") end;
  def pres: if . == null or . == "" or . == "missing" then "missing" else "present" end;
  [($name | cell), (.domain_name | cell), (if .is_verified then "verified" else "unverified" end),
   (.spf_status | pres), ((.dkim_status // "missing") | cell), (.dmarc_status | pres), (.mx_status | pres)]
  | join(" ")'
: >"$T/expected_rows"
for i in $(seq 0 $((NTENANTS - 1))); do
    t=$(tid "$i")
    # The fleet table names tenants as by-name/ does (duplicates and names
    # made path-safe included; by-name/ itself is checked further down).
    name=""
    for l in "$MNT"/by-name/*; do
        [[ "$(readlink "$l")" == "../tenants/$t" ]] && name=$(basename "$l")
    done
    [[ -n "$name" ]] || fail "tenant $t has no by-name link"
    emu_get "/v1/tenants/$t/domains" | jq -r --arg name "$name" ".domains[] | $row_filter" >>"$T/expected_rows"
done

# check_table FILE HEADER EXPECTED_ROWS: alignment, rows, problems first.
check_table() {
    local file=$1 header=$2 expected=$3 what=$4
    assert_eq "$(head -n1 "$file" | tr -s ' ')" "$header" "$what: header"
    # Aligned: each column starts where its heading starts, after a blank.
    awk -v what="$what" '
        NR == 1 { n = 0; for (i = 1; i <= length($0); i++)
                      if (substr($0, i, 1) != " " && (i == 1 || substr($0, i - 1, 1) == " ")) start[++n] = i
                  cols = n; next }
        { for (c = 1; c <= cols; c++) {
              s = start[c]
              if (substr($0, s, 1) == " " || (s > 1 && substr($0, s - 1, 1) != " ")) {
                  printf "%s: line %d: column %d does not start at %d: [%s]\n", what, NR, c, s, $0; exit 1 } }
          if (NF != cols) { printf "%s: line %d has %d cells, want %d: [%s]\n", what, NR, NF, cols, $0; exit 1 } }
    ' "$file" >"$T/align" || fail "$(cat "$T/align")"
    tail -n +2 "$file" | tr -s ' ' | sort >"$T/got_rows"
    sort "$expected" >"$T/want_rows"
    diff -u "$T/want_rows" "$T/got_rows" >"$T/diff" || fail "$what: rows differ from the API: $(head -20 "$T/diff")"
    # Problems first: no row with a problem after a row without.
    tail -n +2 "$file" | awk -v what="$what" '
        { bad = ($(NF-4) != "verified") || ($(NF-3) != "present") || ($(NF-2) != "healthy") ||
                ($(NF-1) != "present") || ($NF != "present")
          if (bad && seen_ok) { printf "%s: a problem after a healthy row: [%s]\n", what, $0; exit 1 }
          if (!bad) seen_ok = 1; if (bad) nbad++ }
        END { if (!nbad) { printf "%s: no problem rows at all\n", what; exit 1 } }' >"$T/order" ||
        fail "$(cat "$T/order")"
}
check_table "$T/health" "TENANT DOMAIN VERIFIED SPF DKIM DMARC MX" "$T/expected_rows" "/health"
assert_eq "$(($(wc -l <"$T/health") - 1))" "$(wc -l <"$T/expected_rows")" "/health: one row per domain"
grep -q ' partial ' "$T/health" || fail "/health: no DKIM 'partial' row (fixture variety)"
grep -q '^Fabrikam_West_Coast ' "$T/health" || fail "/health: the tenant name with a newline is not one cell"

# tenants/<id>/health: the same rows without the tenant column, one domains list.
for t in "$T0" "$T1"; do
    name=$(jq -r --arg t "$t" '.tenants[] | select(.tenant_id == $t) | .tenant_name' <<<"$tenants")
    emu_get "/v1/tenants/$t/domains" | jq -r --arg name "$name" ".domains[] | $row_filter" |
        cut -d' ' -f2- >"$T/expected_t"
    cat "$MNT/tenants/$t/health" >"$T/thealth"
    check_table "$T/thealth" "DOMAIN VERIFIED SPF DKIM DMARC MX" "$T/expected_t" "tenants/$t/health"
done

# ---- dns.zone -----------------------------------------------------------------
# canon: "owner ttl type rdata" lines from named-checkzone's dump, SOA/NS dropped.
soa() { printf '$TTL 3600\n$ORIGIN %s.\n@ IN SOA ns1.test. hostmaster.test. 1 3600 600 86400 300\n@ IN NS ns1.test.\n' "$1"; }
check_zone() { # DOMAIN ZONEFILE -> canonical records on stdout
    { soa "$1"; cat "$2"; } >"$T/zone.db"
    named-checkzone -q -k fail -m fail -M fail -n ignore -r fail -S fail -i local "$1" "$T/zone.db" ||
        { named-checkzone -k fail -m fail -M fail -n ignore -r fail -S fail -i local "$1" "$T/zone.db" >&2; return 1; }
    named-checkzone -q -D -o - "$1" "$T/zone.db" |
        awk '$4 != "SOA" && $4 != "NS" { r = ""; for (i = 5; i <= NF; i++) r = r (i > 5 ? " " : "") $i
                                          print tolower($1), $2, $4, r }' | sort
}
records_of_dns_json='
  def fq: if endswith(".") then . else . + "." end;
  (.verification_dns_records + .service_configuration_records)[]
  | ((if .label == "@" then "" else .label + "." end) + $d + ".") as $owner
  | ($owner | ascii_downcase) + " " + (.ttl | tostring) + " " +
    (if .recordType == "domainDnsTxtRecord" then "TXT \"" + .text + "\""
     elif .recordType == "domainDnsMxRecord" then "MX \(.preference) " + (.mailExchange | fq)
     elif .recordType == "domainDnsCnameRecord" then "CNAME " + (.canonicalName | fq)
     elif .recordType == "domainDnsSrvRecord" then "SRV \(.priority) \(.weight) \(.port) " + (.nameTarget | fq)
     else "UNSUPPORTED " + .recordType end)'
nrecords=0
tenant_zone_want="$T/tenant_zone_want"
: >"$tenant_zone_want"
first=1
for d in $(emu_get "/v1/tenants/$T0/domains" | jq -r '.domains[].domain_name'); do
    f="$MNT/tenants/$T0/domains/$d/dns.zone"
    cat "$f" >"$T/dom.zone"
    assert_eq "$(head -n1 "$T/dom.zone")" "\$ORIGIN $d." "first line of $d's dns.zone"
    check_zone "$d" "$T/dom.zone" >"$T/got_records" || fail "named-checkzone refuses $d's dns.zone: $(cat "$T/dom.zone")"
    emu_get "/v1/tenants/$T0/domains/$d/dns" | jq -r --arg d "$d" "$records_of_dns_json" | sort >"$T/want_records"
    diff -u "$T/want_records" "$T/got_records" >"$T/diff" ||
        fail "$d: dns.zone's records differ from dns.json's: $(cat "$T/diff")"
    nrecords=$((nrecords + $(wc -l <"$T/want_records")))
    ((first)) || echo >>"$tenant_zone_want"
    first=0
    cat "$T/dom.zone" >>"$tenant_zone_want"
done
[[ $nrecords -ge 40 ]] || fail "only $nrecords DNS records checked"
# The tenant's zone: its domains' zones in the list's order, a blank line
# between; as a whole a valid zone under the root.
cat "$MNT/tenants/$T0/dns.zone" >"$T/tenant.zone"
cmp -s "$T/tenant.zone" "$tenant_zone_want" || fail "tenants/$T0/dns.zone is not its domains' zones: $(diff "$tenant_zone_want" "$T/tenant.zone" | head)"
{ printf '$TTL 3600\n. IN SOA ns1.test. hostmaster.test. 1 3600 600 86400 300\n. IN NS ns1.test.\nns1.test. IN A 192.0.2.53\n'
    cat "$T/tenant.zone"; } >"$T/root.db"
named-checkzone -q -k fail -i none . "$T/root.db" ||
    fail "tenants/$T0/dns.zone as one zone: $(named-checkzone -k fail -i none . "$T/root.db")"

# Hostile records: quotes, backslash and ';' escaped, a TXT over 255 bytes
# split, labels spelling out the domain made relative, unusable labels and
# types left out with a comment.
hz="$MNT/tenants/$T1/domains/$D_HOSTILE/dns.zone"
cat "$hz" >"$T/hostile.zone"
check_zone "$D_HOSTILE" "$T/hostile.zone" >"$T/hostile_records" ||
    fail "named-checkzone refuses the hostile zone: $(cat "$T/hostile.zone")"
assert_eq "$(grep -c '^; skipped' "$T/hostile.zone")" "4" "records left out of the hostile zone"
# The TXT data as named-checkzone read it, strings joined and unescaped.
txt_of() { # OWNER
    awk -v o="$1" '$1 == o && $3 == "TXT" { $1 = $2 = $3 = ""; print substr($0, 4) }' "$T/hostile_records" |
        perl -ne 'my $s = ""; while (/"((?:[^"\\]|\\.)*)"/g) { my $x = $1;
                  $x =~ s/\\(\d{3})/chr($1)/ge; $x =~ s/\\(.)/$1/g; $s .= $x } print "$s\n"'
}
assert_eq "$(txt_of "$D_HOSTILE.")" 'a "quoted" \ back; semi' "hostile TXT read back"
assert_eq "$(txt_of "_long.$D_HOSTILE.")" "v=DKIM1; p=$long" "300-byte TXT read back"
grep -qE "^autodiscover\.$D_HOSTILE\. 3600 CNAME autodiscover\.outlook\.com\.$" "$T/hostile_records" ||
    fail "the Graph-style label autodiscover.$D_HOSTILE was not made relative: $(cat "$T/hostile_records")"
grep -qE "^$D_HOSTILE\. 3600 MX 10 mx\.example\.net\.$" "$T/hostile_records" || fail "absolute owner = domain"
grep -qE "^_sip\._tls\.$D_HOSTILE\. 3600 SRV 100 1 443 sipdir\.online\.lync\.com\.$" "$T/hostile_records" || fail "SRV record"
! grep -q 'evil' "$T/hostile_records" || fail "an out-of-zone owner made it into the zone"

# ---- by-name/ -------------------------------------------------------------------
# Tenants 0 and 3 share the fixture's name; 4 and 5 are equal once '/' is
# made '_'; 1's newline and '/' become '_'; ".." is not a name: "_".
dup=$(jq -r '.tenants[0].tenant_name' <<<"$tenants")
assert_eq "$(jq -r '.tenants[3].tenant_name' <<<"$tenants")" "$dup" "the fixture's duplicate name"
sfx() { echo "${1:0:8}"; }
printf '%s\n' "$dup~$(sfx "$T0")" "$dup~$(sfx "$T3")" "Fabrikam_West_Coast" "_" \
    "Tailspin_Toys~$(sfx "$T4")" "Tailspin_Toys~$(sfx "$T5")" | sort >"$T/want_links"
ls -A "$MNT/by-name" | sort >"$T/links"
diff -u "$T/want_links" "$T/links" >"$T/diff" || fail "by-name/ entries: $(cat "$T/diff")"
# Each link points at its tenant, exactly one link per tenant.
while IFS= read -r link; do
    [[ -L "$MNT/by-name/$link" ]] || fail "by-name/$link is not a symbolic link"
    readlink "$MNT/by-name/$link"
done <"$T/links" | sort >"$T/targets"
jq -r '.tenants[].tenant_id | "../tenants/" + .' <<<"$tenants" | sort >"$T/want_targets"
diff -u "$T/want_targets" "$T/targets" >"$T/diff" || fail "by-name/ targets: $(cat "$T/diff")"
for i in 0 1 2 4; do
    t=$(tid "$i")
    link=$(grep -xF -f <(printf '%s\n' "$dup~$(sfx "$t")" "Fabrikam_West_Coast" "_" "Tailspin_Toys~$(sfx "$t")") "$T/links" |
        while IFS= read -r l; do
            if [[ "$(readlink "$MNT/by-name/$l")" == "../tenants/$t" ]]; then echo "$l"; fi
        done)
    [[ -n "$link" ]] || fail "no by-name link found for tenant $i"
    # The name file shows the API's name, control characters as blanks.
    want=$(jq -r ".tenants[$i].tenant_name" <<<"$tenants" | tr '\n' ' ' | sed 's/ $//')
    assert_eq "$(cat "$MNT/by-name/$link/name")" "$want" "name read through by-name/$link"
done

# ---- domains/<d>/mailboxes/<email> ------------------------------------------------
mboxes0=$(emu_get "/v1/tenants/$T0/mailboxes")
for d in $(emu_get "/v1/tenants/$T0/domains" | jq -r '.domains[].domain_name'); do
    ls -A "$MNT/tenants/$T0/domains/$d/mailboxes" | sort >"$T/got_mb"
    # One name per address: tcemu's fixture (seed 11) gives two mailboxes one
    # address, and a directory cannot hold a name twice.
    jq -r --arg d "$d" '.mailboxes[] | select(.domain_name == $d) | .primary_smtp' <<<"$mboxes0" | sort -u >"$T/want_mb"
    diff -u "$T/want_mb" "$T/got_mb" >"$T/diff" || fail "domains/$d/mailboxes: $(cat "$T/diff")"
done
# Each link points at the first mailbox of the list with its address.
while read -r d email id; do
    assert_eq "$(readlink "$MNT/tenants/$T0/domains/$d/mailboxes/$email")" "../../../mailboxes/$id" "link of $email"
done < <(jq -r '.mailboxes | group_by(.primary_smtp)[] | .[0] | "\(.domain_name) \(.primary_smtp) \(.id)"' <<<"$mboxes0")
email=$(jq -r '.mailboxes[0].primary_smtp' <<<"$mboxes0")
d=$(jq -r '.mailboxes[0].domain_name' <<<"$mboxes0")
assert_eq "$(jq -r .id "$MNT/tenants/$T0/domains/$d/mailboxes/$email/mailbox.json")" \
    "$(jq -r '.mailboxes[0].id' <<<"$mboxes0")" "mailbox.json through its link"

# ---- mailboxes.csv -------------------------------------------------------------
# Expected rows from the API; enforced_limit = domain policy, else tenant
# policy, else none.
policy() { # TENANT [DOMAIN]
    local q="" body
    [[ -n "${2:-}" ]] && q="?domain_scope=$2"
    body=$(emu_call GET "/v1/tenants/$1/mailbox-limits$q")
    if [[ $(<"$EMU_DIR/last_status") == 200 ]]; then
        jq -r '.daily_send_limit // .policy.daily_send_limit // empty' <<<"$body"
    fi
}
expected_csv() { # TENANT -> JSON lines
    local t=$1 tp mb m id d
    local -A dp=()
    tp=$(policy "$t")
    mb=$(emu_get "/v1/tenants/$t/mailboxes")
    for d in $(jq -r '[.mailboxes[].domain_name] | unique[]' <<<"$mb"); do
        dp[$d]=$(policy "$t" "$d")
    done
    jq -c '.mailboxes[]' <<<"$mb" | while read -r m; do
        id=$(jq -r .id <<<"$m")
        d=$(jq -r .domain_name <<<"$m")
        emu_get "/v1/tenants/$t/mailboxes/$id/usage" |
            jq -c --argjson m "$m" --arg enforced "${dp[$d]:-${tp:-none}}" '
                def txt: if . == null then "none" else tostring end;
                [$m.primary_smtp, $m.display_name, $m.domain_name, ($m.daily_send_limit | txt),
                 $enforced, (.sends_today | txt), (.remaining_sends | txt),
                 (if .is_blocked then "true" else "false" end)]'
    done
}
parse_csv() { # FILE -> header line, then one JSON array per row
    python3 -c '
import csv, json, sys
with open(sys.argv[1], newline="") as f:
    for row in csv.reader(f, strict=True):
        print(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
' "$1"
}
# Tenant 3's mailboxes are not cached yet (tenant 0's list was read for the
# links above): its CSV costs the mailboxes list, the tenant policy, each
# domain's policy and each usage, once.
for t in "$T3" "$T0"; do
    emu_stats_reset >/dev/null
    cat "$MNT/tenants/$t/mailboxes.csv" >"$T/m.csv"
    stats=$(emu_stats)
    n=$(emu_get "/v1/tenants/$t/mailboxes" | jq '.mailboxes | length')
    ndom=$(emu_get "/v1/tenants/$t/mailboxes" | jq '[.mailboxes[].domain_name] | unique | length')
    if [[ $t == "$T3" ]]; then
        route() { jq -r --arg r "$1" '.by_route[$r] // 0' <<<"$stats"; }
        assert_eq "$(route 'GET /v1/tenants/{tenant_id}/mailboxes')" "1" "mailboxes.csv: mailboxes lists"
        assert_eq "$(route 'GET /v1/tenants/{tenant_id}/mailbox-limits')" "$((ndom + 1))" "mailboxes.csv: policies"
        assert_eq "$(route 'GET /v1/tenants/{tenant_id}/mailboxes/{mailbox_id}/usage')" "$n" "mailboxes.csv: usages"
        assert_eq "$(jq -r .total <<<"$stats")" "$((n + ndom + 2))" "mailboxes.csv: all API calls"
    fi
    parse_csv "$T/m.csv" >"$T/got_csv" || fail "Python's csv module cannot parse mailboxes.csv: $(head -5 "$T/m.csv")"
    assert_eq "$(head -n1 "$T/got_csv")" \
        '["email","display_name","domain","daily_send_limit","enforced_limit","sends_today","remaining_sends","blocked"]' \
        "mailboxes.csv header"
    expected_csv "$t" >"$T/want_csv"
    tail -n +2 "$T/got_csv" >"$T/got_rows"
    diff -u "$T/want_csv" "$T/got_rows" >"$T/diff" || fail "tenants/$t/mailboxes.csv differs from the API: $(head -20 "$T/diff")"
    [[ $(wc -l <"$T/got_rows") -eq $n && $n -gt 0 ]] || fail "mailboxes.csv has $(wc -l <"$T/got_rows") rows for $n mailboxes"
done
grep -qF '"Doe, ""JJ"" Jr"' "$MNT/tenants/$T0/mailboxes.csv" || fail "the comma-and-quotes display name is not RFC 4180 quoted"
enforced0=$(parse_csv "$MNT/tenants/$T0/mailboxes.csv" | tail -n +2 | jq -r '.[4]' | sort -u | tr '\n' ' ')
assert_eq "$enforced0" "15 20 " "enforced_limit of tenant 0 (domain policy 15 on its first domain, tenant policy 20)"
assert_eq "$(parse_csv "$MNT/tenants/$T3/mailboxes.csv" | tail -n +2 | jq -r '.[4]' | sort -u)" "none" \
    "enforced_limit of tenant 3, which has no policy"
grep -qzF $'"Two\nLines, too"' "$MNT/tenants/$T0/mailboxes.csv" ||
    fail "the display name with a line break is not one quoted field"
mnt_stop
echo "PASS: health tables, dns.zone ($nrecords records, hostile ones), by-name and mailbox links, mailboxes.csv"
