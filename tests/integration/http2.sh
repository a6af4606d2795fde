#!/usr/bin/env bash
# Connection reuse and HTTP/2: behind a TLS server that offers h2 (nginx in
# front of tcemu), a full walk multiplexes every request over one
# connection, and certificate verification uses -o cafile.
source "$(dirname "$0")/../lib/common.sh"
command -v nginx >/dev/null || fail "nginx is needed (contrib/deps.sh installs it)"
command -v openssl >/dev/null || fail "openssl is needed"

emu_start --tenants 3 --domains 6 --mailboxes 2
# A CA and a server certificate for 127.0.0.1.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tcfs test CA" \
    -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$T/srv.key" \
    -out "$T/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
    -days 2 -extfile "$T/ext" -out "$T/srv.pem" 2>/dev/null

port=$((20000 + RANDOM % 20000))
mkdir -p "$T/nginx"
cat >"$T/nginx.conf" <<CONF
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $T/nginx;
    proxy_temp_path $T/nginx;
    fastcgi_temp_path $T/nginx;
    uwsgi_temp_path $T/nginx;
    scgi_temp_path $T/nginx;
    server {
        listen 127.0.0.1:$port ssl http2;
        ssl_certificate $T/srv.pem;
        ssl_certificate_key $T/srv.key;
        http2_max_concurrent_streams 128;
        location / {
            proxy_pass http://127.0.0.1:$EMU_PORT;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
CONF
nginx -c "$T/nginx.conf" -p "$T/nginx" &
NGINX_PID=$!
trap 'kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do
    curl -s --cacert "$T/ca.pem" -o /dev/null "https://127.0.0.1:$port/_emu/stats" && break
    sleep 0.1
done
curl -s --http2 --cacert "$T/ca.pem" -o /dev/null -w '%{http_version}' "https://127.0.0.1:$port/_emu/stats" >"$T/ver"
assert_eq "$(cat "$T/ver")" "2" "nginx offers HTTP/2"

EMU_URL_SAVED=$EMU_URL
EMU_URL="https://127.0.0.1:$port"
mnt_start -o cafile="$T/ca.pem",max_conns=8
EMU_URL=$EMU_URL_SAVED
# The start-up check ran on its own connection before mounting: count the
# walk's connections only.
conns0=$(jq .connections_opened "$MNT/.tenantcorefs/stats.json")
n=$(find "$MNT/tenants" -type f | wc -l)
grep -r missing "$MNT/tenants" >/dev/null
tar cf "$T/a.tar" -C "$MNT" tenants
calls=$(jq .api_calls.total "$MNT/.tenantcorefs/stats.json")
conns=$(($(jq .connections_opened "$MNT/.tenantcorefs/stats.json") - conns0))
[[ $calls -gt 50 ]] || fail "only $calls API calls over HTTP/2"
[[ $conns -le 1 ]] || fail "$calls requests over HTTP/2 opened $conns connections (want 1)"
assert_eq "$(cat "$MNT/tenants/$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')/name")" \
    "$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_name')" "a name read over HTTP/2"
mnt_stop
echo "PASS: $calls requests ($n files) multiplexed over $conns HTTP/2 connection"
