#!/usr/bin/env bash
# tenantcorefs-apply(1) and the program as `cmake --install` puts them:
# the binary beside tenantcorefs, the page beside the others; the page
# renders without a warning, whatis reads it, and it lists the options of
# `tenantcorefs-apply --help` and the version of --version.
source "$(dirname "$0")/ns_helpers.bash"
source "$(dirname "$0")/../lib/common.sh"
for tool in groff man lexgrog col; do
    command -v "$tool" >/dev/null || fail "$tool is needed (packages groff-base, man-db, bsdextrautils)"
done
install_to "$T/prefix"
page="$T/prefix/share/man/man1/tenantcorefs-apply.1"
[[ -f "$page" ]] || fail "cmake --install did not install tenantcorefs-apply.1"
[[ -x "$T/prefix/bin/tenantcorefs-apply" ]] || fail "cmake --install did not install bin/tenantcorefs-apply"
[[ -x "$T/prefix/bin/tenantcorefs" ]] || fail "cmake --install did not install bin/tenantcorefs"

run_cmd groff -man -Tutf8 -ww -z "$page"
[[ $RC -eq 0 && -z "$ERR" ]] || fail "groff warns about tenantcorefs-apply.1: $ERR"
run_cmd env MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l -P cat "$page"
[[ $RC -eq 0 && -z "$ERR" && -n "$OUT" ]] || fail "man --warnings -l tenantcorefs-apply.1: $ERR"
run_cmd lexgrog "$page"
assert_match "$OUT" '"tenantcorefs-apply - ' "whatis line"

render() { MANWIDTH=100 LC_ALL=C.UTF-8 man -l -P cat "$1" 2>/dev/null | col -bx; }
section() { render "$1" | awk -v h="$2" '/^[A-Z][A-Z ]*$/ { on = ($0 == h); next } on { print }'; }
run_cmd "$T/prefix/bin/tenantcorefs-apply" --help
assert_eq "$RC" "0" "tenantcorefs-apply --help"
help_opts=$(grep -oE -- '--[a-z-]+' <<<"$OUT" | sort -u)
man_opts=$(section "$page" OPTIONS | sed -nE 's/^ {7}(-[a-zA-Z], )?(--[a-z-]+).*/\2/p' | sort -u)
synopsis=$(section "$page" SYNOPSIS | grep -oE -- '--[a-z-]+' | sort -u)
[[ $(wc -l <<<"$help_opts") -ge 7 ]] || fail "too few options in --help: $help_opts"
assert_eq "$man_opts" "$help_opts" "OPTIONS of tenantcorefs-apply(1) vs --help"
assert_eq "$synopsis" "$help_opts" "SYNOPSIS of tenantcorefs-apply(1) vs --help"
version=$("$T/prefix/bin/tenantcorefs-apply" --version | sed -nE '1s/^tenantcorefs-apply ([^ ]+)$/\1/p')
[[ -n "$version" ]] || fail "no version in tenantcorefs-apply --version"
assert_eq "$(sed -nE 's/^\.TH +[A-Z-]+ +1 +"[^"]*" +"tenantcorefs ([^"]+)".*/\1/p' "$page")" "$version" "page version vs --version"
echo "PASS: tenantcorefs-apply installs with its man page, which matches --help and --version"
