#!/usr/bin/env bash
# Logging: a daemonized mount (no -f) sends its lines to syslog with the
# ident tenantcorefs and facility daemon; a foreground mount (-f) writes the
# same lines to stderr. Both run with log_level=info and a provoked failure
# (a limit out of range); the key appears in neither.
#
# The syslog side runs in a private mount namespace with a tmpfs /dev whose
# /dev/log is a datagram socket this test reads (perl, which Debian always
# has): it needs no syslog daemon and leaves the machine's /dev/log alone.
source "$(dirname "$0")/ns_helpers.bash"
ns_reexec "$@"
source "$(dirname "$0")/../lib/common.sh"
ns_install_trap
perl -MIO::Socket::UNIX -e 1 2>/dev/null || fail "perl with IO::Socket::UNIX is needed"

ns_private_dev
SYSLOG="$T/syslog"
perl -MIO::Socket::UNIX -e '
    $| = 1;
    my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM(), Local => "/dev/log")
        or die "cannot bind /dev/log: $!\n";
    while (defined $s->recv(my $m, 65536)) { $m =~ s/\n+\z//; print "$m\n"; }
' >"$SYSLOG" 2>"$T/listener.err" &
LISTENER=$!
for ((i = 0; i < 100; i++)); do [[ -S /dev/log ]] && break; sleep 0.05; done
[[ -S /dev/log ]] || fail "the syslog listener did not start: $(cat "$T/listener.err")"

emu_start --tenants 2 --domains 1 --mailboxes 1
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')

# The lines a mount logs for: start-up, and one provoked failure.
provoke() {
    if echo 26 2>/dev/null >"$MNT/tenants/$t/mailbox_limit"; then
        fail "writing 26 to mailbox_limit succeeded"
    fi
}

# 1. Daemonized: syslog.
MNT="$T/mnt"
mkdir -p "$MNT"
ns_track_daemon "$MNT"
TENANTCORE_API_KEY="$EMU_KEY" "$TENANTCOREFS" "$EMU_URL" "$MNT" -o log_level=info \
    >"$T/daemon.out" 2>"$T/daemon.err" </dev/null ||
    fail "the daemonized mount failed: $(cat "$T/daemon.err")"
mountpoint -q "$MNT" || fail "nothing mounted after the daemon started"
[[ ! -s "$T/daemon.out" && ! -s "$T/daemon.err" ]] ||
    fail "the daemonized mount wrote to its terminal: $(cat "$T/daemon.out" "$T/daemon.err")"
pid=$(pid_of_mount "$MNT") || fail "no tenantcorefs process serves $MNT"
provoke
fusermount3 -u "$MNT"
wait_pid_gone "$pid" 10 || fail "the daemon did not exit after unmount"

for ((i = 0; i < 40; i++)); do
    grep -q 'mailbox_limit EINVAL' "$SYSLOG" && break
    sleep 0.05
done
ours=$(grep -E "^<[0-9]+>.{15} tenantcorefs\[$pid\]: " "$SYSLOG" || true)
[[ -n "$ours" ]] || fail "nothing from tenantcorefs[$pid] in syslog; got: $(head -5 "$SYSLOG")"
if grep -vE "^<[0-9]+>.{15} tenantcorefs\[$pid\]: " "$SYSLOG" | grep -q .; then
    fail "syslog got lines with another ident: $(grep -vE "tenantcorefs\[$pid\]" "$SYSLOG" | head -3)"
fi
# facility daemon (3): priority 3*8 + severity; info 6, warning 4.
grep -qE "^<30>.* tenantcorefs\[$pid\]: info: mounted $EMU_URL at $MNT\$" <<<"$ours" ||
    fail "no info line 'mounted ...' at daemon.info in syslog: $ours"
grep -qE "^<28>.* tenantcorefs\[$pid\]: warn: write /tenants/$t/mailbox_limit EINVAL " <<<"$ours" ||
    fail "no warn line for the failed write at daemon.warning in syslog: $ours"
! grep -qF "$EMU_KEY" "$SYSLOG" || fail "the API key is in syslog"
# The message part, as stderr would show it.
sed -E "s/^<[0-9]+>.{15} tenantcorefs\[$pid\]: /tenantcorefs: /" <<<"$ours" >"$T/from_syslog"

# 2. Foreground: the same lines on stderr (and nothing in syslog).
: >"$SYSLOG"
mnt_start -o log_level=info
provoke
mnt_stop
cp "$FS_LOG" "$T/from_stderr"
if ! diff -u "$T/from_syslog" "$T/from_stderr" >"$T/diff"; then
    fail "syslog and stderr lines differ: $(cat "$T/diff")"
fi
sleep 0.2
[[ ! -s "$SYSLOG" ]] || fail "a foreground mount wrote to syslog: $(head -3 "$SYSLOG")"
grep -qxF "tenantcorefs: info: mounted $EMU_URL at $MNT" "$FS_LOG" || fail "no 'mounted' line on stderr: $(cat "$FS_LOG")"

kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null || true
echo "PASS: daemon logs to syslog as tenantcorefs (daemon facility), foreground the same lines to stderr"
