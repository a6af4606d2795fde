#!/usr/bin/env bash
# Domains: list (fields, fixture DNS variety), add (records, validation,
# duplicates, 12 limit), verify, enable-dkim, dkim-status, dns, 404s and
# percent-decoded path components.
source "$(dirname "$0")/common.sh"
start_emu
load_fleet
P="/v1/tenants/$T0"

expect 200 GET "$P/domains"
assert_eq "list keys" "tenant_id domains count" "$(keys "$BODY" .)"
assert_jq "tenant_id" "$BODY" .tenant_id "$T0"
assert_jq "count" "$BODY" .count 12
assert_eq "domain keys" \
    "id domain_name is_default is_verified spf_status dkim_status dmarc_status mx_status last_checked" \
    "$(keys "$BODY" '.domains[0]')"
assert_jq "only the first is default" "$BODY" '[.domains[].is_default] | map(select(.)) | length' 1
assert_jq "verified: all but the last two" "$BODY" '[.domains[].is_verified] | tostring' \
    '[true,true,true,true,true,true,true,true,true,true,false,false]'
assert_jq "unverified: all DNS missing" "$BODY" '[.domains[10,11] | .spf_status, .dkim_status, .dmarc_status, .mx_status] | unique | tostring' '["missing"]'
assert_jq "index 3 lacks DMARC" "$BODY" '.domains[3].dmarc_status' missing
assert_jq "index 5 partial DKIM" "$BODY" '.domains[5].dkim_status' partial
assert_jq "index 7 lacks SPF" "$BODY" '.domains[7].spf_status' missing
assert_jq "healthy domain" "$BODY" '.domains[0] | [.spf_status, .dkim_status, (.dmarc_status | startswith("v=DMARC1")), (.mx_status | endswith(".mail.protection.outlook.com."))] | tostring' \
    '["v=spf1 include:spf.protection.outlook.com -all","healthy",true,true]'
D0=$(jq -r '.domains[0].domain_name' <<<"$BODY")
D5=$(jq -r '.domains[5].domain_name' <<<"$BODY")
D10=$(jq -r '.domains[10].domain_name' <<<"$BODY")
D11=$(jq -r '.domains[11].domain_name' <<<"$BODY")
expect_error 404 tenant_not_found GET /v1/tenants/nope/domains

# dns of a verified domain: documented shape, no verification records.
expect 200 GET "$P/domains/$D0/dns"
assert_eq "dns keys" \
    "tenant_id domain_name is_default is_verified dns_status verification_dns_records service_configuration_records last_checked" \
    "$(keys "$BODY" .)"
assert_eq "dns_status keys" "spf dkim dmarc mx" "$(keys "$BODY" .dns_status)"
list=$(emu_get "$P/domains")
assert_jq "dns_status mirrors the list" "$BODY" '.dns_status | [.spf, .dkim, .dmarc, .mx] | tostring' \
    "$(jq -c '.domains[0] | [.spf_status, .dkim_status, .dmarc_status, .mx_status]' <<<"$list")"
assert_jq "verified: no verification records" "$BODY" '.verification_dns_records | length' 0
assert_jq "service record types" "$BODY" '[.service_configuration_records[].recordType] | tostring' \
    '["domainDnsMxRecord","domainDnsTxtRecord","domainDnsCnameRecord","domainDnsCnameRecord"]'
assert_jq "MX record" "$BODY" '.service_configuration_records[0] | [.label, .preference, .ttl, (.mailExchange | endswith(".mail.protection.outlook.com"))] | tostring' '["@",0,3600,true]'
assert_jq "SPF record" "$BODY" '.service_configuration_records[1].text' 'v=spf1 include:spf.protection.outlook.com -all'
assert_jq "DKIM CNAME labels" "$BODY" '[.service_configuration_records[2,3].label] | tostring' '["selector1._domainkey","selector2._domainkey"]'
tdomain=$(emu_get "$P" | jq -r .tenant_domain)
assert_jq "DKIM CNAME target" "$BODY" '.service_configuration_records[2].canonicalName' \
    "selector1-${D0//./-}._domainkey.$tdomain"
# dns of an unverified domain carries the MS= TXT record.
expect 200 GET "$P/domains/$D10/dns"
assert_jq "unverified: one verification record" "$BODY" '.verification_dns_records | length' 1
assert_jq "verification record" "$BODY" '.verification_dns_records[0] | [.recordType, .label, (.text | test("^MS=ms[0-9]{8}$")), .ttl] | tostring' \
    '["domainDnsTxtRecord","@",true,3600]'
expect_error 404 domain_not_found GET "$P/domains/unknown.example.com/dns"
expect_error 404 tenant_not_found GET "/v1/tenants/nope/domains/$D0/dns"

# dkim-status per fixture kind.
expect 200 GET "$P/domains/$D0/dkim-status"
assert_eq "dkim-status keys" "domain_name dkim_status selectors ready_to_enable last_checked" "$(keys "$BODY" .)"
assert_jq "healthy: enabled" "$BODY" '[.dkim_status, .selectors.selector1, .selectors.selector2, .ready_to_enable] | tostring' '["enabled","propagated","propagated",true]'
expect 200 GET "$P/domains/$D5/dkim-status"
assert_jq "partial: pending" "$BODY" '[.dkim_status, .selectors.selector1, .selectors.selector2, .ready_to_enable] | tostring' '["pending","propagated","missing",false]'
expect 200 GET "$P/domains/$D10/dkim-status"
assert_jq "unverified: pending" "$BODY" '[.dkim_status, .selectors.selector1, .selectors.selector2, .ready_to_enable] | tostring' '["pending","missing","missing",false]'
expect_error 404 domain_not_found GET "$P/domains/unknown.example.com/dkim-status"
expect_error 404 tenant_not_found GET "/v1/tenants/nope/domains/$D0/dkim-status"

# enable-dkim: not before verification and selectors.
expect_error 400 dkim_not_ready POST "$P/domains/$D5/enable-dkim"
expect_error 400 dkim_not_ready POST "$P/domains/$D10/enable-dkim"
expect_error 404 domain_not_found POST "$P/domains/unknown.example.com/enable-dkim"
expect_error 404 tenant_not_found POST "/v1/tenants/nope/domains/$D0/enable-dkim"

# verify: index 10 succeeds, index 11 fails.
expect_error 400 verification_failed POST "$P/domains/$D11/verify"
assert_jq "failed verify leaves it unverified" "$(emu_get "$P/domains")" '.domains[11].is_verified' false
expect 200 POST "$P/domains/$D10/verify"
assert_eq "verify keys" "status domain_name is_verified message" "$(keys "$BODY" .)"
assert_jq "verify" "$BODY" '[.status, .domain_name, .is_verified, .message] | tostring' \
    "[\"success\",\"$D10\",true,\"Domain successfully verified in Microsoft 365\"]"
assert_jq "verified in list" "$(emu_get "$P/domains")" '.domains[10].is_verified' true
assert_jq "verification records empty once verified" "$(emu_get "$P/domains/$D10/dns")" '.verification_dns_records | length' 0
expect_error 404 domain_not_found POST "$P/domains/unknown.example.com/verify"
expect_error 404 tenant_not_found POST "/v1/tenants/nope/domains/$D0/verify"

# After verification the selectors are there: ready, then enable.
expect 200 GET "$P/domains/$D10/dkim-status"
assert_jq "verified: ready" "$BODY" '[.dkim_status, .ready_to_enable] | tostring' '["ready",true]'
expect 200 POST "$P/domains/$D10/enable-dkim"
assert_eq "enable-dkim keys" "status domain_name dkim_status message" "$(keys "$BODY" .)"
assert_jq "enable-dkim" "$BODY" '[.status, .domain_name, .dkim_status, .message] | tostring' \
    "[\"success\",\"$D10\",\"enabled\",\"DKIM successfully enabled\"]"
assert_jq "enabled" "$(emu_get "$P/domains/$D10/dkim-status")" .dkim_status enabled
assert_jq "list shows healthy DKIM" "$(emu_get "$P/domains")" '.domains[10].dkim_status' healthy

# Add domain: the tenant already has 12.
expect_error 400 domain_limit_reached POST "$P/domains" '{"domain":"thirteen.example.com"}'
assert_jq "limit message" "$BODY" .detail.message "Tenant already has 12 domains"
stop_emu

# A smaller fleet leaves room to add domains.
start_emu --domains 4
load_fleet
P="/v1/tenants/$T0"
tdomain=$(emu_get "$P" | jq -r .tenant_domain)
expect 200 POST "$P/domains" '{"domain": "mail.acmecorp.com"}'
assert_eq "add keys" \
    "status tenant_id domain verification_dns_records service_configuration_records live_dns_status dkim_verification_state" \
    "$(keys "$BODY" .)"
assert_jq "add status" "$BODY" .status success
assert_jq "add tenant_id" "$BODY" .tenant_id "$T0"
assert_jq "add domain object" "$BODY" '.domain | tostring' '{"domain_name":"mail.acmecorp.com","is_default":false,"is_verified":false}'
assert_jq "add verification record" "$BODY" '.verification_dns_records[0] | [.recordType, .label, (.text | test("^MS=ms[0-9]{8}$")), .ttl] | tostring' '["domainDnsTxtRecord","@",true,3600]'
assert_jq "add MX" "$BODY" '.service_configuration_records[0] | tostring' \
    '{"recordType":"domainDnsMxRecord","label":"@","mailExchange":"mail-acmecorp-com.mail.protection.outlook.com","preference":0,"ttl":3600}'
assert_jq "add SPF" "$BODY" '.service_configuration_records[1] | tostring' \
    '{"recordType":"domainDnsTxtRecord","label":"@","text":"v=spf1 include:spf.protection.outlook.com -all","ttl":3600}'
assert_jq "add DKIM CNAMEs" "$BODY" '[.service_configuration_records[2,3] | .recordType + " " + .label + " " + .canonicalName] | join(",")' \
    "domainDnsCnameRecord selector1._domainkey selector1-mail-acmecorp-com._domainkey.$tdomain,domainDnsCnameRecord selector2._domainkey selector2-mail-acmecorp-com._domainkey.$tdomain"
assert_jq "add live_dns_status" "$BODY" '.live_dns_status | tostring' '{"spf_status":"missing","dkim_status":"missing","dmarc_status":"missing","mx_status":"missing"}'
assert_jq "add dkim state" "$BODY" '.dkim_verification_state | tostring' '{"status":"missing","message":"missing (selector1, selector2)"}'
ms=$(jq -r '.verification_dns_records[0].text' <<<"$BODY")
expect 200 GET "$P/domains"
assert_jq "new domain listed" "$BODY" '.domains[-1] | [.domain_name, .is_verified, .is_default, .spf_status] | tostring' '["mail.acmecorp.com",false,false,"missing"]'
assert_jq "count live" "$BODY" .count 5
assert_jq "tenant domain_count live" "$(emu_get "$P")" .domain_count 5
assert_jq "dns shows the same MS= record" "$(emu_get "$P/domains/mail.acmecorp.com/dns")" '.verification_dns_records[0].text' "$ms"
assert_jq "new domain dkim pending" "$(emu_get "$P/domains/mail.acmecorp.com/dkim-status")" .dkim_status pending

# Duplicates, in any case, are refused with "already exists".
expect_error 400 domain_already_exists POST "$P/domains" '{"domain":"mail.acmecorp.com"}'
assert_match "duplicate message" "already exists" "$(jq -r .detail.message <<<"$BODY")"
expect_error 400 domain_already_exists POST "$P/domains" '{"domain":"MAIL.AcmeCorp.com"}'
D0=$(domain "$T0" 0)
expect_error 400 domain_already_exists POST "$P/domains" "{\"domain\":\"$D0\"}"
# Upper case is accepted and stored lower case.
expect 200 POST "$P/domains" '{"domain":"Upper.Example.COM"}'
assert_jq "lowercased" "$BODY" .domain.domain_name upper.example.com

# Malformed names and .onmicrosoft.com are refused.
long_label=$(printf 'a%.0s' {1..64})
long_name=$(printf 'abcdefghi.%.0s' {1..26})com
for bad in "not a domain" "nodot" "-lead.com" "trail-.com" "a..b.com" "dot.com." ".dot.com" \
    "under_score.com" "123.456" "$long_label.com" "$long_name" "ex@mple.com" "ümlaut.com" \
    "semi;colon.com"; do
    expect_error 400 invalid_domain POST "$P/domains" "$(jq -cn --arg d "$bad" '{domain: $d}')"
done
for ms in "contoso.onmicrosoft.com" "X.OnMicrosoft.com" "onmicrosoft.com"; do
    expect_error 400 invalid_domain POST "$P/domains" "$(jq -cn --arg d "$ms" '{domain: $d}')"
    assert_match "onmicrosoft message" "onmicrosoft" "$(jq -r .detail.message <<<"$BODY")"
done
expect_invalid "body.domain:missing" POST "$P/domains" '{}'
expect_invalid "body.domain:string_type" POST "$P/domains" '{"domain": 42}'
expect_invalid "body.domain:string_type" POST "$P/domains" '{"domain": null}'
expect_error 400 invalid_request POST "$P/domains" '{"domain": ""}'
expect_invalid "body.10:json_invalid" POST "$P/domains" '{"domain": '
expect_invalid "body:missing" POST "$P/domains"
expect_error 404 tenant_not_found POST /v1/tenants/nope/domains '{"domain":"ok.example.com"}'
assert_jq "refusals added nothing" "$(emu_get "$P/domains")" .count 6

# Fill up to 12, then the limit.
for i in 7 8 9 10 11 12; do
    expect 200 POST "$P/domains" "{\"domain\":\"fill$i.example.com\"}"
done
expect_error 400 domain_limit_reached POST "$P/domains" '{"domain":"fill13.example.com"}'
assert_jq "12 domains" "$(emu_get "$P/domains")" .count 12
# An existing name at the limit still says "already exists".
expect_error 400 domain_already_exists POST "$P/domains" '{"domain":"fill7.example.com"}'

# Path components are percent-decoded before lookup.
enc=${D0//./%2E}
expect 200 GET "$P/domains/$enc/dns"
assert_jq "decoded %2E" "$BODY" .domain_name "$D0"
emu_set "{\"tenant_id\":\"$T0\",\"domain_name\":\"$D0\",\"set\":{\"domain_name\":\"we/ird.example.com\"}}" >/dev/null
expect 200 GET "$P/domains/we%2Fird.example.com/dkim-status"
assert_jq "decoded %2F" "$BODY" .domain_name we/ird.example.com
expect 404 GET "$P/domains/we/ird.example.com/dkim-status"

stop_emu
pass
