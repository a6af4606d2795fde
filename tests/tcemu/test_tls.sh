#!/usr/bin/env bash
# TLS: --tls-cert/--tls-key serve https; curl verifies the certificate
# against its CA and refuses it without; plain http to the TLS port fails.
source "$(dirname "$0")/common.sh"
certs=$(mktemp -d)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$certs/key.pem" -out "$certs/cert.pem" 2>/dev/null
start_emu --tls-cert "$certs/cert.pem" --tls-key "$certs/key.pem"
assert_eq "https banner" "https://127.0.0.1:$EMU_PORT" "$EMU_URL"

export CURL_CA_BUNDLE="$certs/cert.pem"
expect 200 GET /v1/tenants
assert_jq "tenants over TLS" "$BODY" .count 3
T=$(jq -r '.tenants[0].tenant_id' <<<"$BODY")
expect 200 PATCH "/v1/tenants/$T/mailboxes/$(emu_get "/v1/tenants/$T/mailboxes" | jq -r '.mailboxes[0].id')" '{"daily_send_limit": 3}'
assert_jq "stats over TLS" "$(emu_stats)" .total 3

# Keep-alive over TLS: three URLs, one connection.
emu_stats_reset >/dev/null
curl -sS -o /dev/null -o /dev/null -o /dev/null -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") \
    "$EMU_URL/v1/tenants" "$EMU_URL/v1/tenants/$T" "$EMU_URL/v1/tenants/$T/domains"
assert_jq "one TLS connection" "$(emu_stats)" '[.total, .connections] | tostring' '[3,1]'

# Without the CA the certificate is rejected (curl 60).
unset CURL_CA_BUNDLE
rc=0
curl -sS --max-time 5 -o /dev/null --cacert /etc/ssl/certs/ca-certificates.crt "$EMU_URL/v1/tenants" 2>/dev/null || rc=$?
assert_eq "untrusted certificate refused" 60 "$rc"
# Plain http to the TLS port gets no HTTP answer.
rc=0
out=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$EMU_PORT/v1/tenants" 2>/dev/null) || rc=$?
[[ "$rc" != 0 || "$out" == 000 || "$out" == 400 ]] || fail "plain http on the TLS port answered $out"
CHECKS=$((CHECKS + 1))
export CURL_CA_BUNDLE="$certs/cert.pem"
expect 200 GET /v1/tenants
stop_emu

# A key that does not match/parse fails start-up with a message.
printf 'not a key\n' >"$certs/bad.pem"
rc=0
"$TCEMU" --port 0 --tls-cert "$certs/cert.pem" --tls-key "$certs/bad.pem" >/dev/null 2>"$certs/err" || rc=$?
assert_eq "bad key: exit 1" 1 "$rc"
assert_match "bad key: message" 'TLS' "$(<"$certs/err")"
rm -rf "$certs"
pass
