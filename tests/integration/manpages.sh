#!/usr/bin/env bash
# The man pages of doc/ (tenantcorefs(1), tcemu(1), tenantcorefs-snapshot(1),
# one for every program), as `cmake --install` puts them:
# they render without a warning (groff and man-db), whatis can read their
# NAME line, and they agree with the programs: the same -o options as
# `tenantcorefs --help`, the same --options as `tcemu --help`, the same
# version as --version.
source "$(dirname "$0")/ns_helpers.bash"
source "$(dirname "$0")/../lib/common.sh"
: "${TCEMU:?TCEMU must point to the tcemu binary}"
for tool in groff man lexgrog col; do
    command -v "$tool" >/dev/null || fail "$tool is needed (packages groff-base, man-db, bsdextrautils)"
done

install_to "$T/prefix"
man1="$T/prefix/share/man/man1"
# Every page of doc/, one per program.
pages=()
for f in "$TCFS_SOURCE_DIR"/doc/*.1; do pages+=("$(basename "$f" .1)"); done
for page in "${pages[@]}"; do
    [[ -f "$man1/$page.1" ]] || fail "cmake --install did not install $page.1 into share/man/man1"
done
for prog in "$T/prefix/bin/"*; do
    [[ -f "$man1/$(basename "$prog").1" ]] || fail "$(basename "$prog") has no man page"
done

# Rendered as text: what a user reads, without the overstrike of bold.
render() {
    MANWIDTH=100 LC_ALL=C.UTF-8 man -l -P cat "$1" 2>/dev/null | col -bx
}

for page in "${pages[@]}"; do
    f="$man1/$page.1"
    run_cmd groff -man -Tutf8 -ww -z "$f"
    [[ $RC -eq 0 && -z "$ERR" ]] || fail "groff warns about $page.1: $ERR"
    run_cmd env MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l -P cat "$f"
    [[ $RC -eq 0 && -z "$ERR" ]] || fail "man --warnings -l $page.1: $ERR"
    [[ -n "$OUT" ]] || fail "man -l $page.1 printed nothing"
    run_cmd lexgrog "$f"
    assert_match "$OUT" "\"$page - " "whatis line of $page.1"
    # MANPATH lookup by name, as `man tenantcorefs` after installing.
    run_cmd env MANPATH="$T/prefix/share/man" man -w "$page"
    assert_eq "$OUT" "$f" "man -w $page with MANPATH set to the install prefix"
done

# The -o options of one section of a page (text between two headings).
section() { # FILE HEADING
    render "$1" | awk -v h="$2" '
        /^[A-Z][A-Z ]*$/ { on = ($0 == h); next }
        on { print }'
}

# tenantcorefs: the options of its own section of --help ...
run_cmd "$TENANTCOREFS" --help
[[ $RC -eq 0 ]] || fail "tenantcorefs --help exited $RC"
help_opts=$(sed -n '/^tenantcorefs options:/,/^$/p' <<<"$OUT" |
    sed -nE 's/^ +-o ([a-z_]+).*/\1/p; s/^ +(-[a-zA-Z])( |,).*/\1/p')
# --help does not list itself; the page does.
help_opts=$(printf '%s\n-h\n' "$help_opts" | sort -u)
# ... and of the man page's OPTIONS (the tagged paragraphs, indented 7).
man_opts=$(section "$man1/tenantcorefs.1" OPTIONS |
    sed -nE 's/^ {7}-o ([a-z_]+).*/\1/p; s/^ {7}(-[a-zA-Z])( |,|$).*/\1/p' | sort -u)
n=$(wc -l <<<"$help_opts")
[[ $n -ge 18 ]] || fail "only $n options found in tenantcorefs --help: $help_opts"
if [[ "$help_opts" != "$man_opts" ]]; then
    fail "tenantcorefs(1) and --help list different options: $(diff <(echo "$help_opts") <(echo "$man_opts") | grep '^[<>]' | tr '\n' ' ')"
fi
# Every libfuse option the page names is one `tenantcorefs --help` lists.
for o in $(section "$man1/tenantcorefs.1" OPTIONS | sed -n '/^   libfuse options/,/^   [A-Z]/p' |
    grep -oE '\b(ro|allow_other|allow_root|auto_unmount|uid|gid|attr_timeout|entry_timeout|negative_timeout)\b' | sort -u); do
    [[ $o == ro ]] && continue # the kernel's own option, not in libfuse's list
    grep -qE -- "-o $o(=|\b)" <<<"$OUT" || fail "tenantcorefs(1) names libfuse option $o, --help does not"
done

# tcemu: every --option of its usage and of the page.
run_cmd "$TCEMU" --help
[[ $RC -eq 0 ]] || fail "tcemu --help exited $RC"
help_opts=$(grep -oE -- '--[a-z0-9-]+' <<<"$OUT" | sort -u)
man_opts=$(section "$man1/tcemu.1" OPTIONS | sed -nE 's/^ {7}(--[a-z0-9-]+).*/\1/p' | sort -u)
synopsis=$(section "$man1/tcemu.1" SYNOPSIS | grep -oE -- '--[a-z0-9-]+' | sort -u)
n=$(wc -l <<<"$help_opts")
[[ $n -ge 20 ]] || fail "only $n options found in tcemu --help"
if [[ "$help_opts" != "$man_opts" ]]; then
    fail "tcemu(1) OPTIONS and tcemu --help differ: $(diff <(echo "$help_opts") <(echo "$man_opts") | grep '^[<>]' | tr '\n' ' ')"
fi
if [[ "$help_opts" != "$synopsis" ]]; then
    fail "tcemu(1) SYNOPSIS and tcemu --help differ: $(diff <(echo "$help_opts") <(echo "$synopsis") | grep '^[<>]' | tr '\n' ' ')"
fi

# tenantcorefs-snapshot: the options of its usage line and of its page.
run_cmd "$T/prefix/bin/tenantcorefs-snapshot" --help
[[ $RC -eq 0 ]] || fail "tenantcorefs-snapshot --help exited $RC"
help_opts=$(sed -n '/^ *snapshot \[/p' <<<"$OUT" | grep -oE -- '--?[a-z-]+' | sort -u)
help_opts=$(printf '%s\n-h\n--help\n' "$help_opts" | sort -u)
man_opts=$(section "$man1/tenantcorefs-snapshot.1" OPTIONS | sed -nE 's/^ {7}(--?[a-z-]+)( .*|, (--[a-z-]+).*)?$/\1 \3/p' |
    tr ' ' '\n' | grep . | sort -u)
[[ $(wc -l <<<"$help_opts") -ge 5 ]] || fail "options of tenantcorefs-snapshot --help: $help_opts"
if [[ "$help_opts" != "$man_opts" ]]; then
    fail "tenantcorefs-snapshot(1) and --help list different options: $(diff <(echo "$help_opts") <(echo "$man_opts") | grep '^[<>]' | tr '\n' ' ')"
fi

# Versions: the page's footer names the version the program prints.
fs_version=$("$TENANTCOREFS" --version | sed -nE '1s/^tenantcorefs ([^ ]+).*/\1/p')
emu_version=$("$TCEMU" --version | sed -nE '1s/^tcemu ([^ ]+).*/\1/p')
[[ -n "$fs_version" && -n "$emu_version" ]] || fail "no version in --version output"
page_version() { sed -nE 's/^\.TH +[^ ]+ +1 +"[^"]*" +"[a-z]+ ([^"]+)".*/\1/p' "$1"; }
assert_eq "$(page_version "$man1/tenantcorefs.1")" "$fs_version" "tenantcorefs(1) version vs --version"
assert_eq "$(page_version "$man1/tcemu.1")" "$emu_version" "tcemu(1) version vs --version"
assert_eq "$(page_version "$man1/tenantcorefs-snapshot.1")" "$fs_version" "tenantcorefs-snapshot(1) version (the package's)"

echo "PASS: man pages install, render without warnings and match --help and --version"
