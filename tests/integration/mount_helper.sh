#!/usr/bin/env bash
# mount(8) and /etc/fstab: `mount -t fuse.tenantcorefs` and `mount --fstab`
# mount the binary that `cmake --install` put in a prefix, with the key in a
# 0600 api_key_file, and the fstab-only keys accepted and ignored; umount
# and fusermount3 -u end the daemon.
#
# mount(8) drops PATH before it runs /sbin/mount.fuse3, which runs
# `tenantcorefs` through /bin/sh: the helper is found only on /bin/sh's
# default PATH (/usr/local/sbin:...:/bin on Debian). Inside a private mount
# namespace the install prefix's bin/ is bound over the first directory of
# that PATH, so the real /usr is never touched.
source "$(dirname "$0")/ns_helpers.bash"
ns_reexec "$@"
source "$(dirname "$0")/../lib/common.sh"
ns_install_trap
command -v mount.fuse3 >/dev/null || [[ -x /sbin/mount.fuse3 ]] || fail "mount.fuse3 (package fuse3) is needed"

install_to "$T/prefix"
ns_isolate_run_mount
helper_dir=$(ns_put_on_default_path "$T/prefix/bin")
installed=$(readlink -f "$T/prefix/bin/tenantcorefs")

emu_start --tenants 2 --domains 2 --mailboxes 1 --seed 3
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
name=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_name')
printf '%s\n' "$EMU_KEY" >"$T/key"
chmod 600 "$T/key"
MNT="$T/mnt"
mkdir -p "$MNT"
ns_track_daemon "$MNT"

# The mount is served by the installed binary, answers, and ends on unmount.
check_mounted() { # HOW
    mountpoint -q "$MNT" || fail "$1: nothing mounted at $MNT"
    assert_eq "$(findmnt -n -o FSTYPE "$MNT")" "fuse.tenantcorefs" "$1: file system type"
    assert_eq "$(cat "$MNT/tenants/$t/name")" "$name" "$1: a tenant's name read through the mount"
    DAEMON=$(pid_of_mount "$MNT") || fail "$1: no tenantcorefs process serves $MNT"
    [[ "/proc/$DAEMON/exe" -ef "$installed" ]] ||
        fail "$1: the daemon runs $(readlink "/proc/$DAEMON/exe"), not the installed $installed"
    if tr '\0' '\n' <"/proc/$DAEMON/cmdline" | grep -qF "$EMU_KEY"; then
        fail "$1: the API key is on the daemon's command line"
    fi
}
check_unmounted() { # HOW
    wait_pid_gone "$DAEMON" 10 || fail "$1: the daemon did not exit after unmount"
    ! mountpoint -q "$MNT" || fail "$1: still mounted"
}

fstab_keys="_netdev,auto,noauto,user,users,nofail,defaults,comment=tc,x-systemd.automount"

# 1. mount -t with a URL source and every fstab-only key; umount.
run_cmd mount -t fuse.tenantcorefs "$EMU_URL" "$MNT" -o "api_key_file=$T/key,ttl=5,$fstab_keys"
[[ $RC -eq 0 ]] || fail "mount -t fuse.tenantcorefs exited $RC: $ERR"
[[ -z "$ERR" ]] || fail "mount -t fuse.tenantcorefs printed: $ERR"
check_mounted "mount -t"
run_cmd umount "$MNT"
[[ $RC -eq 0 ]] || fail "umount exited $RC: $ERR"
check_unmounted "umount"

# 2. A SOURCE that is not a URL is ignored; api_url= says where the API is.
run_cmd mount -t fuse.tenantcorefs tenantcorefs "$MNT" -o "api_url=$EMU_URL,api_key_file=$T/key,ro"
[[ $RC -eq 0 ]] || fail "mount with a non-URL source exited $RC: $ERR"
check_mounted "non-URL source"
assert_match "$(findmnt -n -o OPTIONS "$MNT")" '(^|,)ro(,|$)' "-o ro reaches the kernel"
run_cmd fusermount3 -u "$MNT"
[[ $RC -eq 0 ]] || fail "fusermount3 -u exited $RC: $ERR"
check_unmounted "fusermount3 -u"

# 3. The fstab line of contrib/systemd/fstab.example, pointed at tcemu, with
#    the remaining fstab-only keys added: mount --fstab FILE MOUNTPOINT.
example="$TCFS_SOURCE_DIR/contrib/systemd/fstab.example"
line=$(grep -v '^#' "$example" | grep .)
read -r src dir type opts _ <<<"$line"
assert_eq "$type" "fuse.tenantcorefs" "type of the fstab example"
assert_match "$opts" '(^|,)_netdev(,|$)' "the fstab example waits for the network"
assert_match "$opts" '(^|,)api_key_file=/etc/tenantcorefs/api-key(,|$)' "the fstab example's key file"
opts=${opts//\/etc\/tenantcorefs\/api-key/$T/key}
printf '# fstab of %s\n%s %s %s %s 0 0\n' "$TEST_NAME" "$EMU_URL" "$MNT" "$type" \
    "$opts,noauto,user,users,auto" >"$T/fstab"
[[ $src == https://* && $dir == /* ]] || fail "fstab example: source $src, mount point $dir"
run_cmd mount --fstab "$T/fstab" "$MNT"
[[ $RC -eq 0 ]] || fail "mount --fstab exited $RC: $ERR"
check_mounted "mount --fstab"
run_cmd umount "$MNT"
check_unmounted "umount after mount --fstab"

# 4. What reaches tenantcorefs itself: mount(8) and mount.fuse3 strip most
#    fstab keys before, so give them to the binary directly (foreground,
#    common.sh fails on any unexpected log line).
mnt_start -o "$fstab_keys,nouser"
assert_eq "$(cat "$MNT/tenants/$t/name")" "$name" "tenantcorefs -o <fstab keys>: a name"
mnt_stop

# 5. A key file readable by others fails the mount with one line, exit 1.
chmod 644 "$T/key"
run_cmd mount -t fuse.tenantcorefs "$EMU_URL" "$MNT" -o "api_key_file=$T/key"
[[ $RC -ne 0 ]] || fail "mount with a group-readable key file succeeded"
assert_match "$ERR" "api_key_file .* is readable by group or others" "error for a 0644 key file"
! mountpoint -q "$MNT" || fail "mounted despite the 0644 key file"

echo "PASS: mount -t fuse.tenantcorefs (helper found in $helper_dir), mount --fstab, umount, fusermount3 -u"
