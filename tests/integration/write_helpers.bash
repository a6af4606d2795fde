# tests/integration/write_helpers.bash — helpers shared by the write-path
# tests (writes.sh, write_errors.sh, bad_values.sh, delete.sh,
# concurrent_writes.sh). Not a test itself: CMake picks up only *.sh here.
# Source it after tests/lib/common.sh.
#
#   sh_write VALUE FILE      bash's builtin `echo VALUE > FILE` in a child bash;
#                            sets RC, OUT, ERR (ERR is what the shell prints)
#   sh_run SCRIPT ARGS...    bash -c SCRIPT _ ARGS...; sets RC, OUT, ERR
#   raw_write FILE           one open(O_WRONLY|O_TRUNC) + one write(2) of the
#                            bytes on stdin; prints "OK <n>" or the errno name
#                            of the failure ("EINVAL", "open:EPERM", ...)
#   PY                       the python3 interpreter (resolved once)
#   errno_of OP ARGS...      the errno name of a syscall made through python3
#                            (OP: mkdir, rmdir, unlink, rename, link, symlink,
#                            chmod, chown, create, setxattr, truncate, open_trunc)
#                            or OK
#   writes_len               how many write requests tcemu has received
#   writes_since N           the writes after the first N, one JSON per line
#   err_lines                failures logged so far (stats.json "errors"; the
#                            errors file itself keeps only the last 100)
#   err_since N              the errors file's lines logged after the first N
#   assert_errline LINE OP PATH ERRNO STATUS CODE
#                            LINE has the errors file's fields (time, op, path
#                            escaped as in /proc/mounts,
#                            errno name, HTTP status, API code) and a message
#   wait_for SECONDS CMD...  poll CMD until it succeeds

command -v python3 >/dev/null || fail "python3 is needed to check exact errno values"
# The interpreter itself, not a version manager's shim (pyenv's costs 0.2 s a call).
PY=$(python3 -c 'import sys; print(sys.executable)')

sh_write() {
    run_cmd bash -c 'echo "$1" > "$2"' _ "$1" "$2"
}

sh_run() {
    local script=$1
    shift
    run_cmd bash -c "$script" _ "$@"
}

raw_write() {
    "$PY" -c '
import errno, os, sys
data = sys.stdin.buffer.read()
try:
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
except OSError as e:
    print("open:" + errno.errorcode[e.errno]); sys.exit(0)
try:
    n = os.write(fd, data)
    print("OK %d" % n)
except OSError as e:
    print(errno.errorcode[e.errno])
finally:
    try:
        os.close(fd)
    except OSError as e:
        print("close:" + errno.errorcode[e.errno])
' "$1"
}

errno_of() {
    "$PY" -c '
import errno, os, sys
op, args = sys.argv[1], sys.argv[2:]
def create(p):
    os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
def open_trunc(p):
    os.close(os.open(p, os.O_WRONLY | os.O_TRUNC))
calls = {
    "mkdir": lambda p: os.mkdir(p),
    "rmdir": lambda p: os.rmdir(p),
    "unlink": lambda p: os.unlink(p),
    "rename": lambda a, b: os.rename(a, b),
    "link": lambda a, b: os.link(a, b),
    "symlink": lambda a, b: os.symlink(a, b),
    "chmod": lambda p: os.chmod(p, 0o600),
    "chown": lambda p: os.chown(p, 1, 1),
    "create": create,
    "setxattr": lambda p: os.setxattr(p, "user.test", b"1"),
    "truncate": lambda p: os.truncate(p, 0),
    "open_trunc": open_trunc,
}
try:
    calls[op](*args)
    print("OK")
except OSError as e:
    name = errno.errorcode[e.errno]
    print("ENOTSUP" if name == "EOPNOTSUPP" else name)
' "$@"
}

writes_len() {
    emu_stats | jq '.writes | length'
}

writes_since() {
    emu_stats | jq -c --argjson n "$1" '.writes[$n:][]'
}

# The errors file keeps the last 100 lines; stats.json counts them all.
err_lines() {
    jq .errors "$MNT/.tenantcorefs/stats.json"
}

err_since() {
    local n
    n=$(($(err_lines) - $1))
    ((n > 0)) || return 0
    ((n <= 100)) || fail "err_since: $n new errors, more than the errors file keeps"
    tail -n "$n" "$MNT/.tenantcorefs/errors"
}

# The errors file: "TIME OP PATH ERRNO STATUS CODE MESSAGE..." (SEMANTICS.md §3).
# The path is compared literally (a user's path may hold spaces).
# The errors file escapes whitespace and backslashes in paths as /proc/mounts
# does (a space is \040): the path is one field.
errline_path() {
    local in=$1 out="" c i
    for ((i = 0; i < ${#in}; i++)); do
        c=${in:i:1}
        case "$c" in
        ' ') out+='\040' ;;
        $'\t') out+='\011' ;;
        $'\n') out+='\012' ;;
        '\') out+='\134' ;;
        *) out+=$c ;;
        esac
    done
    printf '%s' "$out"
}

assert_errline() {
    local line=$1 op=$2 path rest errno=$4 status=$5 code=$6
    path=$(errline_path "$3")
    local re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z (.*)$'
    [[ "$line" =~ $re ]] || fail "errors line does not start with a UTC time: [$line]"
    rest=${BASH_REMATCH[1]}
    [[ "${rest:0:$((${#op} + ${#path} + 2))}" == "$op $path " ]] ||
        fail "errors line's op and path: expected [$op $path], line [$line]"
    rest=${rest:$((${#op} + ${#path} + 2))}
    re='^([^ ]+) ([^ ]+) ([^ ]+) (.*)$'
    [[ "$rest" =~ $re ]] || fail "errors line has not the fields errno status code message: [$line]"
    assert_eq "${BASH_REMATCH[1]}" "$errno" "errors line's errno in [$line]"
    assert_eq "${BASH_REMATCH[2]}" "$status" "errors line's HTTP status in [$line]"
    assert_eq "${BASH_REMATCH[3]}" "$code" "errors line's API code in [$line]"
    [[ "${BASH_REMATCH[4]}" =~ [^\ -] ]] || fail "errors line has no message: [$line]"
}

wait_for() {
    local secs=$1 i
    shift
    for ((i = 0; i < secs * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
