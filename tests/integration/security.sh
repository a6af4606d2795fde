#!/usr/bin/env bash
# The API key and the mount's access rules.
# - The key is never in the daemon's command line, never in its environment
#   after start-up, never in its log at any level (debug lines show
#   "tc_live_…"), never in any file of the tree (.tenantcorefs/ included),
#   not even when the API echoes it back in an error message, and never in
#   this test's own output.
# - A key file readable by group or others, -o api_key=, an unknown key,
#   plain http to a host that is not loopback: refused before mounting, one
#   line, exit 1, nothing mounted, no connection attempted.
# - TLS: a certificate from an unknown CA is refused; -o cafile= trusts it;
#   a certificate for another host name is refused even then.
# - Access: without allow_other another user cannot even list the mount;
#   with it, default_permissions holds (read yes, write/mkdir/rmdir no).
# - Without allow_delete, rm -rf over the mount deletes nothing.

# The key is random per run and comes from a keys file, so no source file
# holds it. The test runs itself once more with its output captured, and
# fails if any part of the key shows in it.
KEY="tc_live_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" # the documented form: tc_live_ + 48 hex
if [[ -z ${TCFS_SECURITY_INNER:-} ]]; then
    out=$(mktemp)
    rc=0
    TCFS_SECURITY_KEY=$KEY TCFS_SECURITY_INNER=1 bash "$0" >"$out" 2>&1 || rc=$?
    secret=${KEY#tc_live_}
    mask=()
    for ((i = 0; i + 12 <= ${#secret}; i++)); do mask+=(-e "s/${secret:i:12}/<KEY>/g"); done
    leaked=0
    grep -qF "${secret:0:12}" "$out" && leaked=1
    for ((i = 0; i + 12 <= ${#secret}; i++)); do grep -qF "${secret:i:12}" "$out" && leaked=1; done
    sed "${mask[@]}" "$out"
    rm -f "$out"
    if ((leaked)); then
        echo "FAIL [security]: the API key (or a piece of it) appears in the test's own output (shown as <KEY>)"
        exit 1
    fi
    exit "$rc"
fi
KEY=$TCFS_SECURITY_KEY
unset TCFS_SECURITY_KEY
EMU_KEY=$KEY
source "$(dirname "$0")/../lib/common.sh"
# emu.sh exports the key for its helpers; the daemons started here must not
# inherit it through some other variable than the one they wipe.
export -n EMU_KEY EMU_KEY2
SECRET=${KEY#tc_live_}

# key_windows FILE: every 12-byte window of the key's secret part, one a
# line, for grep -F -f: a truncated key is a leaked key too.
for ((i = 0; i + 12 <= ${#SECRET}; i++)); do echo "${SECRET:i:12}"; done >"$T/key.windows"
chmod 600 "$T/key.windows"
assert_no_key() { # FILE... WHAT
    local what=${*: -1}
    local files=("${@:1:$#-1}")
    if grep -qaF -f "$T/key.windows" "${files[@]}" 2>/dev/null; then
        fail "the key (or a piece of it) appears in $what"
    fi
}

umask 077
printf '%s\n' "$KEY" >"$T/keys"
printf '%s\n' "$KEY" >"$T/key"
chmod 600 "$T/key"
emu_start --tenants 2 --domains 3 --mailboxes 2 --keys-file "$T/keys"
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
[[ -n $t && $t != null ]] || fail "tcemu does not accept the test's key"
mapfile -t mbs < <(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[].id')
# Another user must be able to reach the mount point for the access checks
# to mean anything: let others traverse $T (not list it).
chmod 711 "$T"
OTHER=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)

# try_mount ARGS...: a mount that should be refused; sets RC, ERR, MS.
try_mount() {
    mkdir -p "$T/m2"
    local start
    start=$(date +%s%N)
    set +e
    env -u CURL_CA_BUNDLE timeout 20 "$TENANTCOREFS" "$@" >"$T/m2.out" 2>"$T/m2.err" </dev/null
    RC=$?
    set -e
    MS=$((($(date +%s%N) - start) / 1000000))
    ERR=$(cat "$T/m2.out" "$T/m2.err")
    if mountpoint -q "$T/m2"; then
        fusermount3 -u "$T/m2"
        fail "a refused mount ($*) left a mount behind"
    fi
    assert_no_key "$T/m2.out" "$T/m2.err" "the refusal's message"
}

# refused WHAT: the refusal is one line on stderr, exit status 1.
refused() {
    assert_eq "$RC" "1" "$1: exit status"
    assert_eq "$(grep -c . <<<"$ERR")" "1" "$1: lines of output [$ERR]"
}

# ---- refusals before mounting ----------------------------------------------
chmod 640 "$T/key"
try_mount "$EMU_URL" "$T/m2" -f -o api_key_file="$T/key"
refused "a group-readable key file"
assert_match "$ERR" "readable by group or others" "a group-readable key file"
chmod 604 "$T/key"
try_mount "$EMU_URL" "$T/m2" -f -o api_key_file="$T/key"
refused "a world-readable key file"
assert_match "$ERR" "readable by group or others" "a world-readable key file"
chmod 600 "$T/key"

for opt in "api_key=$KEY" "key=$KEY"; do
    TENANTCORE_API_KEY=$KEY try_mount "$EMU_URL" "$T/m2" -f -o "$opt"
    refused "-o ${opt%%=*}="
    assert_match "$ERR" "never accepted as an option" "-o ${opt%%=*}="
done

printf 'tc_live_wrong_0000000000000000\n' >"$T/wrong"
chmod 600 "$T/wrong"
try_mount "$EMU_URL" "$T/m2" -f -o api_key_file="$T/wrong"
refused "an unknown key"
assert_match "$ERR" "refused the key" "an unknown key"
assert_match "$ERR" "401" "an unknown key"
grep -q "tc_live_wrong_0000" <<<"$ERR" && fail "the refusal of an unknown key shows that key"

# Plain http to hosts that are not loopback: refused before any socket is
# opened (strace), in a network namespace of its own so that even a bug
# could not send anything anywhere.
for url in http://192.0.2.1 http://192.0.2.1:8080/api http://example.invalid \
    http://127.0.0.1.example.invalid "http://[::ffff:192.0.2.1]" http://localhost.example.invalid; do
    for form in option source; do
        if [[ $form == option ]]; then args=("$T/m2" -f -o "api_url=$url"); else args=("$url" "$T/m2" -f); fi
        start=$(date +%s%N)
        set +e
        # (LeakSanitizer cannot run under ptrace: off for this run in ASan builds.)
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
            TENANTCORE_API_KEY=$KEY unshare --net strace -f -qq -e trace=connect,sendto,sendmsg \
            -o "$T/strace.out" "$TENANTCOREFS" "${args[@]}" >"$T/m2.out" 2>"$T/m2.err" </dev/null
        RC=$?
        set -e
        MS=$((($(date +%s%N) - start) / 1000000))
        ERR=$(cat "$T/m2.out" "$T/m2.err")
        refused "plain http to $url ($form)"
        assert_match "$ERR" "plain http" "plain http to $url ($form)"
        ((MS < 3000)) || fail "refusing plain http to $url took $MS ms"
        if grep -E 'connect\(|sendto\(|sendmsg\(' "$T/strace.out" | grep -qv 'AF_UNIX'; then
            fail "plain http to $url ($form): a socket was used: $(grep -v AF_UNIX "$T/strace.out" | head -3)"
        fi
        mountpoint -q "$T/m2" && fail "plain http to $url left a mount"
    done
done
assert_no_key "$T/strace.out" "strace output"

# ---- the key inside a running mount -------------------------------------------
mnt_start -o log_level=debug,prefetch=0,retries=0
assert_no_key "/proc/$FS_PID/cmdline" "the daemon's command line"
assert_no_key "/proc/$FS_PID/environ" "the daemon's environment"
grep -qa "^TENANTCORE_API_KEY=." <(tr '\0' '\n' <"/proc/$FS_PID/environ") &&
    fail "TENANTCORE_API_KEY still has a value in the daemon's environment"
for task in /proc/"$FS_PID"/task/*; do
    assert_no_key "$task/cmdline" "a daemon thread's command line"
done

# Plain operation logs nothing of the key, at debug level.
grep -r -l -F -f "$T/key.windows" "$MNT" >"$T/grep.out" 2>"$T/grep.err" || true
[[ -s "$T/grep.out" ]] && fail "the key (or a piece of it) is in files of the tree: $(cat "$T/grep.out")"
grep -q "No such file\|Input/output error" "$T/grep.err" && fail "grep -r over the mount: $(head -3 "$T/grep.err")"
echo 7 >"$MNT/tenants/$t/mailboxes/${mbs[1]}/daily_send_limit"
assert_no_key "$FS_LOG" "the daemon's log (debug level)"
grep -q "^tenantcorefs: debug: " "$FS_LOG" || fail "no debug lines with log_level=debug"
mnt_stop

# libfuse's own debug trace (-d) too.
mnt_start -d -o prefetch=0
cat "$MNT/tenants/$t/mailboxes/${mbs[0]}/usage.json" >/dev/null
echo 7 >"$MNT/tenants/$t/mailboxes/${mbs[0]}/daily_send_limit"
grep -q "unique:" "$FS_LOG" || fail "no libfuse request trace with -d"
assert_no_key "$FS_LOG" "the daemon's log with -d"
# (mnt_stop's log check does not apply: -d prints libfuse's trace.)
fusermount3 -u "$MNT"
wait "$FS_PID" || fail "tenantcorefs -d exited non-zero after unmount"
FS_PID=""

# A daemonized mount (the key from a file): same checks on the daemon.
mkdir -p "$T/m3"
"$TENANTCOREFS" "$EMU_URL" "$T/m3" -o api_key_file="$T/key"
mountpoint -q "$T/m3" || fail "the daemonized mount is not there"
dpid=""
for p in /proc/[0-9]*; do
    if tr '\0' '\n' <"$p/cmdline" 2>/dev/null | grep -qxF "$T/m3"; then dpid=${p#/proc/}; fi
done
[[ -n $dpid ]] || { fusermount3 -u "$T/m3"; fail "cannot find the daemonized tenantcorefs"; }
assert_no_key "/proc/$dpid/cmdline" "the daemonized mount's command line"
assert_no_key "/proc/$dpid/environ" "the daemonized mount's environment"
[[ -n $(ls "$T/m3/tenants") ]] || fail "the daemonized mount lists no tenants"
fusermount3 -u "$T/m3"
for _ in $(seq 100); do [[ -e /proc/$dpid ]] || break; sleep 0.05; done
[[ -e /proc/$dpid ]] && fail "the daemonized tenantcorefs did not exit after unmount"

# ---- TLS ------------------------------------------------------------------------
# A CA, a server certificate it signs for 127.0.0.1/localhost, and one it
# signs for another name.
emu_stop >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tenantcorefs test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
for name in good wrong; do
    if [[ $name == good ]]; then san="IP:127.0.0.1,DNS:localhost" cn=127.0.0.1; else san="DNS:api.example.invalid" cn=api.example.invalid; fi
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$T/$name.key" -out "$T/$name.csr" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" >"$T/$name.ext"
    openssl x509 -req -in "$T/$name.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
        -extfile "$T/$name.ext" -out "$T/$name.pem" 2>/dev/null
done
emu_start --tenants 2 --domains 3 --mailboxes 2 --keys-file "$T/keys" --tls-cert "$T/good.pem" --tls-key "$T/good.key"
[[ $EMU_URL == https://* ]] || fail "tcemu did not start with TLS: $EMU_URL"
export CURL_CA_BUNDLE="$T/ca.pem" # for this test's own curl calls only
# Not trusted: refused with a TLS error, quickly.
TENANTCORE_API_KEY="$KEY" try_mount "$EMU_URL" "$T/m2" -f
refused "a certificate from an unknown CA"
assert_match "$ERR" "[Cc]ertificate|SSL|TLS" "a certificate from an unknown CA"
((MS < 5000)) || fail "refusing an untrusted certificate took $MS ms"
# Trusted through cafile=: mounts and reads.
EMU_URL_TLS=$EMU_URL
mnt_start -o "cafile=$T/ca.pem"
assert_eq "$(cat "$MNT/tenants/$t/name")" "$(emu_get "/v1/tenants/$t" | jq -r .tenant_name)" "a read over TLS with cafile="
mnt_stop
EMU_URL="https://localhost:$EMU_PORT"
mnt_start -o "cafile=$T/ca.pem"
ls "$MNT/tenants" >/dev/null || fail "listing over TLS by the name localhost"
mnt_stop
EMU_URL=$EMU_URL_TLS
emu_stop >/dev/null
# The right CA, the wrong host name: refused.
emu_start --tenants 1 --domains 1 --mailboxes 1 --keys-file "$T/keys" --tls-cert "$T/wrong.pem" --tls-key "$T/wrong.key"
TENANTCORE_API_KEY="$KEY" try_mount "$EMU_URL" "$T/m2" -f -o "cafile=$T/ca.pem"
refused "a certificate for another host name"
assert_match "$ERR" "[Cc]ertificate|SSL|TLS|host ?name|subject" "a certificate for another host name"
emu_stop >/dev/null
unset CURL_CA_BUNDLE

# ---- access ----------------------------------------------------------------------
emu_start --tenants 2 --domains 3 --mailboxes 2 --keys-file "$T/keys"
mkdir -p "$T/mnt"
chmod 755 "$T/mnt"
"${OTHER[@]}" ls "$T/mnt" >/dev/null || fail "nobody cannot list the (unmounted) mount point: the access checks would prove nothing"
f_ro="tenants/$t/tenant.json"
f_rw="tenants/$t/mailboxes/${mbs[0]}/daily_send_limit"

# Without allow_other: another user cannot even look.
mnt_start
emu_stats_reset >/dev/null
for cmd in "ls $MNT" "cat $MNT/$f_ro" "stat $MNT/tenants"; do
    # shellcheck disable=SC2086 # a command and its path, split on purpose
    run_cmd "${OTHER[@]}" $cmd
    [[ $RC -ne 0 ]] || fail "without allow_other, nobody could: $cmd"
    assert_match "$ERR" "Permission denied" "without allow_other: $cmd"
done
mnt_stop

# With allow_other: reading yes; writing, mkdir, rmdir no (default_permissions).
mnt_start -o allow_other
grep -q "allow_other: every local user acts with this mount's API key" "$FS_LOG" ||
    fail "no warning about allow_other in the log"
emu_stats_reset >/dev/null
run_cmd "${OTHER[@]}" cat "$MNT/$f_ro"
assert_eq "$RC" "0" "with allow_other, nobody reads a 0444 file ($ERR)"
run_cmd "${OTHER[@]}" cat "$MNT/$f_rw"
assert_eq "$RC" "0" "with allow_other, nobody reads a 0644 file ($ERR)"
run_cmd "${OTHER[@]}" ls "$MNT/tenants/$t"
assert_eq "$RC" "0" "with allow_other, nobody lists a directory ($ERR)"
for f in "$f_rw" "tenants/$t/sync" ".tenantcorefs/invalidate" "tenants/$t/mailbox_limit"; do
    run_cmd "${OTHER[@]}" bash -c "echo 5 > '$MNT/$f'"
    [[ $RC -ne 0 ]] || fail "with allow_other, nobody wrote $f"
    assert_match "$ERR" "Permission denied" "with allow_other, nobody writing $f"
done
run_cmd "${OTHER[@]}" mkdir "$MNT/tenants/$t/domains/new.example.com"
assert_match "$ERR" "Permission denied" "with allow_other, nobody's mkdir"
run_cmd "${OTHER[@]}" rmdir "$MNT/tenants/$t"
assert_match "$ERR" "Permission denied" "with allow_other, nobody's rmdir"
run_cmd "${OTHER[@]}" rm -rf "$MNT/tenants/$t"
[[ $RC -ne 0 ]] || fail "with allow_other, nobody's rm -rf succeeded"
assert_eq "$(emu_stats | jq '.writes | length')" "0" "API writes caused by another user"
mnt_stop

# ---- rm -rf without allow_delete ---------------------------------------------------
mnt_start
before=$(emu_get /v1/tenants | jq -c '[.tenants[].tenant_id] | sort')
emu_stats_reset >/dev/null
run_cmd rm -rf "$MNT"/* "$MNT"/.tenantcorefs
[[ $RC -ne 0 ]] || fail "rm -rf over the mount reported success"
assert_eq "$(emu_stats | jq -c '[.writes[] | select(.method == "DELETE")] | length')" "0" "DELETEs sent by rm -rf without allow_delete"
assert_eq "$(emu_stats | jq -c '.writes | length')" "0" "API writes sent by rm -rf without allow_delete"
assert_eq "$(emu_get /v1/tenants | jq -c '[.tenants[].tenant_id] | sort')" "$before" "tenants after rm -rf without allow_delete"
assert_eq "$(ls "$MNT/tenants" | jq -Rsc 'split("\n") | map(select(. != "")) | sort')" "$before" "tenants listed after rm -rf"
run_cmd rmdir "$MNT/tenants/$t"
assert_match "$ERR" "Operation not permitted" "rmdir of a tenant without allow_delete"
mnt_stop
assert_no_key "$FS_LOG" "the daemon's log"

# ---- the API echoes the key back -----------------------------------------------
# In error messages, whole and cut short by a long message: neither the
# log (debug level) nor the errors file may show it; the log shows the
# redacted form.
mnt_start -o log_level=debug,prefetch=0,retries=0
u_api="/v1/tenants/$t/mailboxes/${mbs[0]}/usage"
pad=$(printf 'p%.0s' $(seq 227)) # 227 + "tc_live_" + 20 fits the 255 bytes a message keeps
ls "$MNT/tenants/$t/mailboxes" >/dev/null
for msg in "invalid key $KEY (revoked)" "$pad $KEY"; do
    for st in 500 401; do
        emu_override "$(jq -nc --arg p "$u_api" --argjson s "$st" --arg m "$msg" \
            '{method:"GET",path:$p,status:$s,body:({error:{code:"bad_key",message:$m}}|tostring),times:-1}')" >/dev/null
        echo 1 >"$MNT/.tenantcorefs/invalidate"
        cat "$MNT/tenants/$t/mailboxes/${mbs[0]}/usage.json" >/dev/null 2>&1 && fail "usage.json read while the API answered $st"
        emu_override_clear >/dev/null
    done
done
# And in a failed write's message (PATCH answered 400).
emu_override "$(jq -nc --arg p "/v1/tenants/$t/mailboxes/${mbs[1]}" --arg m "key $KEY may not do this" \
    '{method:"PATCH",path:$p,status:400,body:({error:{code:"invalid",message:$m}}|tostring),times:1}')" >/dev/null
(echo 5 >"$MNT/tenants/$t/mailboxes/${mbs[1]}/daily_send_limit") 2>/dev/null && fail "a write answered 400 succeeded"
emu_override_clear >/dev/null
grep -qF "tc_live_…" "$FS_LOG" || fail "no redacted key (tc_live_…) in the debug log although the API echoed the key"
assert_no_key "$FS_LOG" "the daemon's log (debug level) when the API echoes the key"
# Every file of the tree, the control files included.
grep -r -l -F -f "$T/key.windows" "$MNT" >"$T/grep.out" 2>"$T/grep.err" || true
[[ -s "$T/grep.out" ]] && fail "the key (or a piece of it) is in files of the tree when the API echoes it: $(cat "$T/grep.out")"
mnt_stop
echo "PASS: the key stays secret; refusals are one line before mounting; TLS verified; access rules hold; rm -rf deletes nothing"
