#!/usr/bin/env bash
# Key rotation (SEMANTICS.md §2): the API invalidates the old key at once.
# With api_key_file, the mount takes the new key without a remount — on the
# first 401 it reads the file again and retries once, and SIGHUP reads it
# at once; with the key from the environment a rotation needs a remount.
# Neither key ever reaches a log, the errors file or this test's output.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 2 --domains 2 --mailboxes 1
email=$(emu_accounts | jq -r '.accounts[] | select(.account == 1) | .email')
[[ -n $email && $email != null ]] || fail "tcemu names no email for account 1"
mkdir -p "$T/keys"
chmod 700 "$T/keys"
KEYS=("$EMU_KEY") # every key the account has had, for the leak check
(umask 077 && printf '%s\n' "$EMU_KEY" >"$T/keys/api-key")

# rotate: POST /api-key/rotate with the current key; the new key goes to
# FILE (mode 600) without passing through a variable that is printed.
rotate() { # CURRENT_KEY FILE
    (umask 077 && curl -sS --max-time 30 -X POST -K <(printf 'header = "Authorization: Bearer %s"\n' "$1") \
        "$EMU_URL/api-key/rotate?user_email=$email" | jq -r .api_key >"$2")
    [[ $(wc -c <"$2") -eq 57 ]] || fail "the rotation gave no key of the documented form"
}
# install: write FILE's key to the key file as the README says: a new
# file, renamed over the old one.
install_key() {
    (umask 077 && cp "$1" "$T/keys/api-key.new")
    mv "$T/keys/api-key.new" "$T/keys/api-key"
}
status_with() { # KEY: the HTTP status tcemu gives a request with KEY
    curl -sS --max-time 30 -o /dev/null -w '%{http_code}' \
        -K <(printf 'header = "Authorization: Bearer %s"\n' "$1") "$EMU_URL/v1/tenants"
}

MNT="$T/mnt" FS_LOG="$T/tenantcorefs.log"
mkdir -p "$MNT"
env -u TENANTCORE_API_KEY "$TENANTCOREFS" "$EMU_URL" "$MNT" -f -o "api_key_file=$T/keys/api-key,log_level=info" \
    >"$FS_LOG" 2>&1 </dev/null &
FS_PID=$!
for _ in $(seq 200); do mountpoint -q "$MNT" && break; sleep 0.05; done
mountpoint -q "$MNT" || fail "the mount did not come up: $(cat "$FS_LOG")"
t=$(ls "$MNT/tenants" | head -n 1)
name=$(cat "$MNT/tenants/$t/name")

# ---- a 401, then the file: reads go on without a remount ----------------------
rotate "$EMU_KEY" "$T/k2"
KEYS+=("$(<"$T/k2")")
assert_eq "$(status_with "$EMU_KEY")" "401" "the old key after the rotation"
install_key "$T/k2"
echo 1 >"$MNT/.tenantcorefs/invalidate"
emu_stats_reset >/dev/null
assert_eq "$(cat "$MNT/tenants/$t/name")" "$name" "a read after the rotation"
# One refused request, then the same request again with the new key.
assert_eq "$(emu_count "GET /v1/tenants")" "2" "requests of the read (the refused one and its retry)"
grep -q "using the new key from $T/keys/api-key" "$FS_LOG" || fail "the mount did not say it took the new key"
! grep -q " 401 " "$MNT/.tenantcorefs/errors" || fail "a retried 401 was recorded as a failure: $(cat "$MNT/.tenantcorefs/errors")"
echo 8 >"$MNT/tenants/$t/mailboxes/$(ls "$MNT/tenants/$t/mailboxes" | head -n 1)/daily_send_limit"

# ---- SIGHUP reads the file at once: no request is refused ---------------------------
rotate "$(<"$T/k2")" "$T/k3"
KEYS+=("$(<"$T/k3")")
install_key "$T/k3"
kill -HUP "$FS_PID"
for _ in $(seq 100); do grep -q "SIGHUP: new API key read" "$FS_LOG" && break; sleep 0.05; done
grep -q "SIGHUP: new API key read" "$FS_LOG" || fail "SIGHUP did not read the new key: $(tail -3 "$FS_LOG")"
kill -0 "$FS_PID" || fail "SIGHUP ended the daemon"
echo 1 >"$MNT/.tenantcorefs/invalidate"
emu_stats_reset >/dev/null
assert_eq "$(cat "$MNT/tenants/$t/name")" "$name" "a read after SIGHUP"
assert_eq "$(emu_count "GET /v1/tenants")" "1" "requests of a read after SIGHUP (none refused)"
# SIGHUP with an unchanged file changes nothing.
kill -HUP "$FS_PID"
for _ in $(seq 100); do grep -q "SIGHUP: the API key in .* is unchanged" "$FS_LOG" && break; sleep 0.05; done
grep -q "is unchanged" "$FS_LOG" || fail "SIGHUP with the same key said nothing"

# ---- a wrong key in the file: one retry, never a loop ---------------------------------
rotate "$(<"$T/k3")" "$T/k4" # the file still holds k3, which is dead now
KEYS+=("$(<"$T/k4")")
echo 1 >"$MNT/.tenantcorefs/invalidate"
emu_stats_reset >/dev/null
run_cmd cat "$MNT/tenants/$t/name"
assert_match "$ERR" "Permission denied" "a read with a dead key in the file"
assert_eq "$(emu_count "GET /v1/tenants")" "1" "requests with a dead key (no retry: the file did not change)"
grep -q " EACCES 401 invalid_api_key " "$MNT/.tenantcorefs/errors" || fail "no 401 line: $(tail -2 "$MNT/.tenantcorefs/errors")"
install_key "$T/k4"
echo 1 >"$MNT/.tenantcorefs/invalidate"
assert_eq "$(cat "$MNT/tenants/$t/name")" "$name" "a read once the file holds the live key"
mnt_stop

# ---- the key from the environment: a rotation needs a remount --------------------------
EMU_KEY=$(<"$T/k4")
mnt_start -o ttl=300
rotate "$EMU_KEY" "$T/k5"
KEYS+=("$(<"$T/k5")")
echo 1 >"$MNT/.tenantcorefs/invalidate"
run_cmd cat "$MNT/tenants/$t/name"
assert_match "$ERR" "Permission denied" "a read after rotating an environment key"
kill -HUP "$FS_PID"
for _ in $(seq 100); do grep -q "remount to change it" "$FS_LOG" && break; sleep 0.05; done
grep -q "the API key came from the environment; remount to change it" "$FS_LOG" || fail "SIGHUP did not say a remount is needed"
mnt_stop

# ---- no key anywhere ------------------------------------------------------------------------
for k in "${KEYS[@]}"; do
    secret=${k#tc_live_}
    for f in "$FS_LOG" "$EMU_DIR/tcemu.out" "$EMU_DIR/tcemu.err"; do
        grep -qF "${secret:0:16}" "$f" && fail "a key (or a piece of one) is in $(basename "$f")"
    done
    emu_stats | grep -qF "${secret:0:16}" && fail "a key is in tcemu's stats"
done
echo "PASS: a rotated key is taken from the file on a 401 and on SIGHUP, never looping, never logged"
