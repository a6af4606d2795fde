# tests/integration/ns_helpers.bash — for tests that need the machine's
# fixed paths (mount(8)'s helper search, /dev/log): they run inside a private
# mount namespace, where binding a directory over /usr/local/sbin or a
# tmpfs over /dev changes nothing for the rest of the machine, and every
# mount made inside goes away with the namespace's last process.
#
# Source it BEFORE tests/lib/common.sh and call ns_reexec "$@" first thing:
#
#   ns_reexec "$@"            re-run this script inside `unshare -m`
#   ns_isolate_run_mount      tmpfs over /run/mount (libmount's utab)
#   ns_default_path_dir       first existing directory of the PATH /bin/sh
#                             uses when it has none (what mount(8) leaves)
#   ns_put_on_default_path D  bind directory D over ns_default_path_dir
#   ns_private_dev            a tmpfs /dev with the few device nodes the
#                             tests need, and nothing at /dev/log
#   build_dir                 the CMake build tree of $TENANTCOREFS
#   install_to PREFIX         cmake --install of that tree into PREFIX
#   pid_of_mount MNT          pid of the tenantcorefs process serving MNT
#   wait_pid_gone PID [S]     wait up to S (default 10) seconds for PID to end
#   ns_track_daemon MNT       unmount MNT and end its daemon at exit

ns_reexec() {
    if [[ -z "${TCFS_TEST_IN_NS:-}" ]]; then
        command -v unshare >/dev/null || {
            echo "FAIL [$(basename "$0" .sh)]: unshare (util-linux) is needed" >&2
            exit 1
        }
        TCFS_TEST_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
    fi
}

ns_isolate_run_mount() {
    mkdir -p /run/mount
    mount -t tmpfs -o size=1m,mode=755 tcfs-test-run /run/mount
}

ns_default_path_dir() {
    local d
    local IFS=:
    for d in $(env -i /bin/sh -c 'echo "$PATH"'); do
        if [[ -d "$d" ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

ns_put_on_default_path() {
    local dir
    dir=$(ns_default_path_dir) || fail "no directory of /bin/sh's default PATH exists"
    mount --bind "$1" "$dir" || fail "cannot bind $1 over $dir"
    echo "$dir"
}

# A fresh tmpfs /dev. Single device files are bound in, never the whole of
# the real /dev: removing a name from our tmpfs can then never remove one
# from the machine's /dev.
ns_private_dev() {
    local new="$T/newdev" n
    mkdir -p "$new"
    mount -t tmpfs -o size=1m,mode=755 tcfs-test-dev "$new"
    for n in null zero full random urandom tty fuse; do
        [[ -e "/dev/$n" ]] || continue
        : >"$new/$n"
        mount --bind "/dev/$n" "$new/$n"
    done
    ln -s /proc/self/fd "$new/fd"
    ln -s /proc/self/fd/0 "$new/stdin"
    ln -s /proc/self/fd/1 "$new/stdout"
    ln -s /proc/self/fd/2 "$new/stderr"
    mkdir "$new/pts" "$new/shm"
    mount --move "$new" /dev
}

build_dir() {
    local d
    d=$(dirname "$(readlink -f "$TENANTCOREFS")")
    while [[ "$d" != / && ! -f "$d/CMakeCache.txt" ]]; do
        d=$(dirname "$d")
    done
    [[ -f "$d/CMakeCache.txt" ]] || fail "no CMake build tree above $TENANTCOREFS"
    echo "$d"
}

install_to() {
    cmake --install "$(build_dir)" --prefix "$1" >"$T/install.log" 2>&1 ||
        fail "cmake --install failed: $(tail -5 "$T/install.log")"
}

pid_of_mount() {
    local p cmd
    for p in /proc/[0-9]*; do
        cmd=$(tr '\0' '\n' 2>/dev/null <"$p/cmdline") || continue
        if [[ "$(head -n1 <<<"$cmd")" == *tenantcorefs ]] && grep -qxF "$1" <<<"$cmd"; then
            echo "${p#/proc/}"
            return 0
        fi
    done
    return 1
}

wait_pid_gone() {
    local i
    for ((i = 0; i < ${2:-10} * 20; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

NS_TRACKED=()
ns_track_daemon() {
    NS_TRACKED+=("$1")
}

# Runs before common.sh's cleanup: daemonized mounts are not common.sh's.
ns_cleanup() {
    local m pid
    for m in "${NS_TRACKED[@]}"; do
        pid=$(pid_of_mount "$m") || pid=""
        if mountpoint -q "$m" 2>/dev/null; then
            fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
        fi
        if [[ -n "$pid" ]] && ! wait_pid_gone "$pid" 5; then
            kill "$pid" 2>/dev/null
        fi
    done
}

# Call right after sourcing common.sh.
ns_install_trap() {
    trap ns_exit_trap EXIT
}
ns_exit_trap() {
    local rc=$?
    set +e
    ns_cleanup
    (exit $rc)
    cleanup
}
