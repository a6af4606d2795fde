# tests/integration/reliability_helpers.bash — timed walkers and samplers
# shared by the reliability tests (faults_soak.sh, server_killed.sh). Not a
# test itself: CMake picks up only *.sh here. Source it after
# tests/lib/common.sh.
#
#   now_us                     wall-clock microseconds, without a fork
#   walk_timed ROOT LOG        one walk of ROOT: each directory listed by one
#                              `find -maxdepth 1` and each regular file read
#                              by one `cat`, every one timed; symbolic links
#                              are not followed. Appends one line per
#                              operation to LOG:
#                                ms <TAB> list|read <TAB> rc <TAB> path <TAB> error text <TAB> start (µs)
#   walk_until END_US ROOT LOG walk_timed again and again until END_US
#   walk_log_max LOG           the longest operation in LOG: "ms path"
#   walk_log_errors LOG        the failed operations of LOG, one a line
#   strace_walk LOG CMD...     CMD under strace -f -T (file and read
#                              syscalls); appends "seconds syscall" of its
#                              slowest syscall and of every one that took
#                              100 ms or more to LOG; returns CMD's status
#   strace_log_max LOG         the longest syscall of LOG: "ms syscall"
#   rss_kb PID                 VmRSS of PID in kB (empty once it is gone)
#   sample_rss PID LOG SECS    append "epoch_s kB" to LOG every SECS seconds
#                              while PID lives (run it in the background)

command -v strace >/dev/null || fail "strace is needed to time the syscalls of grep and tar"

now_us() {
    echo "${EPOCHREALTIME/./}"
}

walk_timed() {
    local root=$1 log=$2 tmp
    tmp=$(mktemp "$T/walk.XXXXXX")
    local -a stack=("$root")
    local dir start rc type name err
    while ((${#stack[@]})); do
        dir=${stack[-1]}
        unset 'stack[-1]'
        start=${EPOCHREALTIME/./}
        if find "$dir" -mindepth 1 -maxdepth 1 -printf '%y\t%f\0' >"$tmp.list" 2>"$tmp.err"; then rc=0; else rc=$?; fi
        err=""
        [[ -s "$tmp.err" ]] && err=$(tr '\n\t' '  ' <"$tmp.err")
        printf '%d\tlist\t%d\t%s\t%s\t%s\n' $(((${EPOCHREALTIME/./} - start) / 1000)) "$rc" "$dir" "$err" "$start" >>"$log"
        while IFS=$'\t' read -r -d '' type name; do
            case $type in
            d) stack+=("$dir/$name") ;;
            f)
                start=${EPOCHREALTIME/./}
                if cat "$dir/$name" >/dev/null 2>"$tmp.err"; then rc=0; else rc=$?; fi
                err=""
                [[ -s "$tmp.err" ]] && err=$(tr '\n\t' '  ' <"$tmp.err")
                printf '%d\tread\t%d\t%s\t%s\t%s\n' $(((${EPOCHREALTIME/./} - start) / 1000)) "$rc" "$dir/$name" "$err" "$start" >>"$log"
                ;;
            esac
        done <"$tmp.list"
    done
    rm -f "$tmp" "$tmp.list" "$tmp.err"
}

walk_until() {
    local end=$1 root=$2 log=$3
    while (($(now_us) < end)); do
        walk_timed "$root" "$log"
    done
}

walk_log_max() {
    awk -F'\t' '$1 + 0 > max { max = $1 + 0; path = $4 } END { print max + 0, path }' "$1"
}

walk_log_errors() {
    awk -F'\t' '$3 != 0' "$1"
}

strace_walk() {
    local log=$1
    shift
    local out rc=0
    out=$(mktemp "$T/strace.XXXXXX")
    strace -f -qq -T -e trace=%file,read,getdents64,readlink,close -o "$out" "$@" || rc=$?
    # "pid  syscall(args) = ret <0.000123>": keep the time and the call.
    sed -nE -e 's/^([0-9]+ +)?([a-z0-9_]+)\((.*) <([0-9.]+)>$/\4 \2(\3/p' \
        -e 's/^([0-9]+ +)?<\.\.\. ([a-z0-9_]+) resumed>(.*) <([0-9.]+)>$/\4 \2 resumed\3/p' "$out" | cut -c1-300 |
        awk '$1 + 0 > max { max = $1 + 0; slowest = $0 } $1 >= 0.1 { print } END { if (NR) print slowest }' >>"$log"
    rm -f "$out"
    return "$rc"
}

strace_log_max() {
    awk '$1 + 0 > max { max = $1 + 0; line = $0 } END { printf "%d %s\n", max * 1000, line }' "$1"
}

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

sample_rss() {
    local pid=$1 log=$2 secs=$3 kb
    while kb=$(rss_kb "$pid") && [[ -n $kb ]]; do
        echo "$(date +%s) $kb" >>"$log"
        sleep "$secs"
    done
}

# check_one_version DIR: every file tar wrote into DIR holds one version of
# its bytes, never a mix of two (SEMANTICS.md §4.3), whatever changed while
# tar read it: JSON parses, tables keep their columns, the Prometheus file
# passes promtool, the enforcement log has six fields a line. A file tar
# found shorter than its size is padded with NULs: those are dropped first.
# A file tar said "file changed as we read it" of (TAR_ERRORS: what tar
# printed) holds as many bytes as tar's stat had said: when the file grew
# meanwhile, a prefix of the newer version, cut mid-line (as on any
# filesystem); its lines up to the last newline are checked, and a JSON
# file of it only for UTF-8. Prints the files that fail, with why.
check_one_version() {
    python3 - "$1" "${2:-/dev/null}" <<'PY'
import csv, io, json, os, re, subprocess, sys
root = sys.argv[1]
changed = set(re.findall(r"^tar: \./(.*): file changed as we read it$", open(sys.argv[2]).read(), re.M))
bad = []
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        if os.path.islink(p):
            continue
        data = open(p, "rb").read().rstrip(b"\0")
        rel = os.path.relpath(p, root)
        prefix = rel in changed
        if prefix:
            data = data[: data.rfind(b"\n") + 1]
        try:
            text = data.decode("utf-8")
            if f.endswith(".json") and not prefix:
                json.loads(text)
            elif f == "health" and text:
                widths = {len(l.split()) for l in text.splitlines()}
                assert len(widths) == 1, f"rows of {sorted(widths)} columns"
            elif f == "mailboxes.csv":
                rows = list(csv.reader(io.StringIO(text)))
                assert all(len(r) == 8 for r in rows), "a record without 8 fields"
            elif f == "enforcement.log":
                assert all(len(l.split(" ")) == 6 for l in text.splitlines()), "a line without 6 fields"
            elif f == "metrics.prom" and rel == "metrics.prom":
                r = subprocess.run(["promtool", "check", "metrics"], input=data, capture_output=True)
                assert r.returncode == 0, r.stderr.decode()[:200] + r.stdout.decode()[:200]
        except Exception as e:
            bad.append(f"{rel}: {e}")
for b in bad:
    print(b)
PY
}
