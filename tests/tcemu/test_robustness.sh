#!/usr/bin/env bash
# Hostile input: malformed JSON, oversize bodies (declared and chunked),
# unknown routes, wrong methods, bad escapes, garbage bytes, huge headers,
# deep nesting, concurrent writers; tcemu must answer or close, never crash,
# and shut down cleanly on SIGINT and SIGTERM.
source "$(dirname "$0")/common.sh"
start_emu
load_fleet
M=$(emu_get "/v1/tenants/$T0/mailboxes" | jq -r '.mailboxes[0].id')
MP="/v1/tenants/$T0/mailboxes/$M"
alive() {
    local st
    st=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL/v1/tenants") || st=000
    assert_eq "tcemu still answers ($1)" 200 "$st"
}

# Malformed JSON: the framework's 422 json_invalid.
for body in '{' '{"display_name": }' '{} trailing' "{'single': 1}" 'nul' '{"a":1}{"b":2}' $'\xff\xfe'; do
    call PATCH "$MP" "$body"
    assert_eq "malformed [$body] status" 422 "$STATUS"
    assert_match "malformed [$body] item" '^body\.[0-9]+:json_invalid$' "$(invalid_items "$BODY")"
done
expect_invalid "body:model_attributes_type" PATCH "$MP" '[]'
expect_invalid "body:model_attributes_type" PATCH "$MP" '"string"'
deep=$(printf '[%.0s' {1..5000})
call PATCH "$MP" "$deep"
assert_eq "very deep array refused" 422 "$STATUS"
deep_obj=$(printf '{"a":%.0s' {1..3000})1$(printf '}%.0s' {1..3000})
call PATCH "$MP" "$deep_obj"
assert_eq "very deep object refused" 422 "$STATUS"
alive "after malformed JSON"

# Bodies above 1 MiB: 413, declared or chunked; exactly 1 MiB is read.
big=$(mktemp)
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'a' >"$big"
st=$(curl -sS --max-time 20 -o "$EMU_DIR/b" -w '%{http_code}' -X PATCH --data-binary @"$big" \
    -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL$MP")
assert_eq "declared body > 1 MiB" 413 "$st"
assert_jq "413 code" "$(<"$EMU_DIR/b")" .detail.code payload_too_large
st=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -X PATCH -H 'Transfer-Encoding: chunked' \
    --data-binary @"$big" -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL$MP")
assert_eq "chunked body > 1 MiB" 413 "$st"
head -c $((1024 * 1024)) /dev/zero | tr '\0' ' ' >"$big"
st=$(curl -sS --max-time 20 -o "$EMU_DIR/b" -w '%{http_code}' -X PATCH --data-binary @"$big" \
    -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL$MP")
assert_eq "exactly 1 MiB is parsed (blank → a missing body)" 422 "$st"
assert_eq "blank body item" "body:missing" "$(invalid_items "$(<"$EMU_DIR/b")")"
head -c $((5 * 1024 * 1024)) /dev/zero >"$big"
st=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -X POST --data-binary @"$big" "$EMU_URL/_emu/set")
assert_eq "control body > 1 MiB" 413 "$st"
rm -f "$big"
alive "after oversize bodies"

# Unknown routes and wrong methods.
for p in /v1 /v1/ /v1/tenants/ "/v1/tenants/$T0/unknown" "/v1/tenants//domains" \
    "/v1/tenants/$T0/domains/x/y/z" /v1/Tenants /v2/tenants "/v1/tenants/$T0/mailboxes/$M/usage/x" \
    "/v1/tenants/a%00b" "/v1/$(printf 'x/%.0s' {1..40})"; do
    expect_error 404 not_found GET "$p"
done
st=$(curl -sS -o "$EMU_DIR/b" -w '%{http_code}' "$EMU_URL/not-an-api")
assert_eq "outside /v1 and /_emu" 404 "$st"
st=$(curl -sS -o /dev/null -w '%{http_code}' "$EMU_URL/_emu/nothing")
assert_eq "unknown control endpoint" 404 "$st"
for req in "DELETE /v1/tenants" "POST /v1/tenants" "PUT /v1/tenants/$T0" "PATCH /v1/tenants/$T0" \
    "GET /v1/tenants/$T0/sync" "DELETE /v1/tenants/$T0/domains" "GET $MP" "POST $MP/usage" \
    "PUT /v1/tenants/$T0/mailbox-limits"; do
    expect_error 405 method_not_allowed ${req% *} "${req#* }"
done
hdr=$(curl -sS -D - -o /dev/null -X PUT -K <(printf 'header = "Authorization: Bearer %s"\n' "$EMU_KEY") "$EMU_URL/v1/tenants/$T0/mailbox-limits")
assert_match "Allow header" $'Allow: POST, GET\r' "$hdr"
st=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT "$EMU_URL/_emu/stats")
assert_eq "wrong method on control" 405 "$st"
alive "after bad routes"

# Raw garbage over TCP, a huge header, a truncated request.
send_raw() { # send_raw FILE -> first line of the answer (may be empty)
    timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$EMU_PORT"'; cat "$1" >&3; timeout 2 cat <&3 | head -c 200 | head -1' _ "$1" || true
}
raw=$(mktemp)
head -c 4096 /dev/urandom >"$raw"
send_raw "$raw" >/dev/null
printf 'GARBAGE\r\n\r\n' >"$raw"
send_raw "$raw" >/dev/null
printf 'GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n' >"$raw"
assert_match "unknown method on an unknown path" '^HTTP/1.1 404' "$(send_raw "$raw")"
printf 'GET /v1/tenants HTTP/9.9\r\nHost: x\r\n\r\n' >"$raw"
assert_match "bad HTTP version" '^HTTP/1.1 505' "$(send_raw "$raw")"
printf 'GET /v1/tenants HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n' "$(head -c 200000 /dev/zero | tr '\0' 'h')" >"$raw"
send_raw "$raw" >/dev/null
printf 'GET /v1/tenants HTTP/1.1\r\nHost: x\r\n' >"$raw"
send_raw "$raw" >/dev/null
printf 'POST /v1/tenants/x/domains HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"dom' >"$raw"
send_raw "$raw" >/dev/null
printf 'GET /v1/%%zz%%%%/%%2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$EMU_KEY" >"$raw"
assert_match "bad escapes answered" '^HTTP/1.1 404' "$(send_raw "$raw")"
printf 'GET /v1/tenants HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n' >"$raw"
send_raw "$raw" >/dev/null
rm -f "$raw"
alive "after raw garbage"

# Concurrent readers and writers for a few seconds.
pids=()
for w in 1 2 3 4; do
    (
        for i in $(seq 1 40); do
            emu_call PATCH "$MP" "{\"daily_send_limit\": $((i % 25 + 1)), \"display_name\": \"w$w-$i\"}" >/dev/null
            emu_get "/v1/tenants/$T0/mailboxes" >/dev/null
            emu_get "/v1/tenants/$T0/mailboxes/$M/usage" >/dev/null
        done
    ) &
    pids+=($!)
done
wait "${pids[@]}"
alive "after concurrent writers"
stats=$(emu_stats)
assert_jq "every concurrent write answered 200" "$stats" '[.writes[] | select(.path == "'"$MP"'" and (.body | type) == "object" and (.body.display_name // "" | startswith("w"))) | .status] | unique | tostring' '[200]'
assert_jq "160 concurrent writes recorded" "$stats" '[.writes[] | select(.body.display_name? // "" | startswith("w"))] | length' 160
assert_jq "last write wins, a valid value" "$(emu_get "/v1/tenants/$T0/mailboxes")" ".mailboxes[] | select(.id == \"$M\") | .daily_send_limit >= 1" true

# A connection held open by a silent override does not block shutdown.
emu_override '{"method":"GET","path":"/v1/tenants","stall":"silent"}' >/dev/null
curl -s --max-time 30 -o /dev/null "$EMU_URL/v1/tenants" &
held=$!
sleep 0.3
start=$(date +%s%N)
stop_emu
elapsed=$((($(date +%s%N) - start) / 1000000))
assert_range "shutdown with a stalled connection (ms)" 0 3000 "$elapsed"
wait "$held" || true

# SIGINT also shuts down cleanly (exit 0). Run in a job-control-free way:
# background jobs of a script ignore SIGINT, so start tcemu with it reset.
dir=$(mktemp -d)
(trap - INT; exec "$TCEMU" --port 0 --port-file "$dir/port" >"$dir/out" 2>"$dir/err") &
pid=$!
for i in $(seq 1 100); do [[ -s "$dir/port" ]] && break; sleep 0.05; done
[[ -s "$dir/port" ]] || fail "tcemu for SIGINT did not start"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "exit status after SIGINT" 0 "$rc"
assert_match "stopped message" 'stopped \(SIGINT\)' "$(<"$dir/err")"
rm -rf "$dir"

# Bad command lines exit 2 with a message; --help and --version exit 0.
for args in "--port x" "--domains 13" "--mailboxes 4" "--error-rate 2" "--error-shape odd" \
    "--limits-shape odd" "--nope" "--tls-cert /nonexistent" "--bind not-an-ip" \
    "--plan odd" "--plan 3:scale" "--plan 0:scale" "--plan x:growth" "--events -1" "--events x" \
    "--events 1000001" "--events 100000" "--tenants 0 --events 1"; do
    rc=0
    "$TCEMU" $args >/dev/null 2>"$EMU_DIR.err" || rc=$?
    if [[ "$args" == "--bind not-an-ip" ]]; then
        assert_eq "exit status of: tcemu $args" 1 "$rc"
    else
        assert_eq "exit status of: tcemu $args" 2 "$rc"
    fi
    assert_match "message for: tcemu $args" 'tcemu' "$(<"$EMU_DIR.err")"
done
rm -f "$EMU_DIR.err"
# A port already in use: exit 1 with a message.
start_emu --quiet
rc=0
timeout 10 "$TCEMU" --port "$EMU_PORT" >/dev/null 2>"$EMU_DIR.err" || rc=$?
assert_eq "port in use: exit status" 1 "$rc"
assert_match "port in use: message" 'cannot listen' "$(<"$EMU_DIR.err")"
stop_emu
rm -f "$EMU_DIR.err"
assert_match "--help" '^usage: tcemu' "$("$TCEMU" --help)"
assert_match "--version" '^tcemu [0-9]' "$("$TCEMU" --version)"
pass
