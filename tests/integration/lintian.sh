#!/usr/bin/env bash
# The .deb that `cpack -G DEB` makes passes Debian's own checker: `lintian`
# reports no error and no warning (an override only with a one-line reason
# above it). Checked as a packager would: the package built from the build
# tree into the scratch directory, then lintian on it. Before this was
# fixed lintian reported 5 errors and 3 warnings (uncompressed man pages, no
# changelog, a maintainer without an address, no extended description, a
# copyright file without a notice, a program without a man page).
source "$(dirname "$0")/ns_helpers.bash" # build_dir
source "$(dirname "$0")/../lib/common.sh"
for tool in cpack dpkg-deb lintian; do
    command -v "$tool" >/dev/null || fail "$tool is needed (packages cmake, dpkg, lintian)"
done
build=$(build_dir)
run_cmd cpack --config "$build/CPackConfig.cmake" -G DEB -B "$T/pkg"
[[ $RC -eq 0 ]] || fail "cpack -G DEB exited $RC: $ERR $(tail -5 <<<"$OUT")"
debs=("$T"/pkg/*.deb)
[[ ${#debs[@]} -eq 1 && -f "${debs[0]}" ]] || fail "cpack made no single .deb: ${debs[*]}"
deb=${debs[0]}

# Overrides, if any, each with its reason on the line above.
dpkg-deb -x "$deb" "$T/root"
overrides="$T/root/usr/share/lintian/overrides/tenantcorefs"
if [[ -f $overrides ]]; then
    awk '!/^#/ && NF && prev !~ /^# ./ { print "override without a reason: " $0; bad = 1 } { prev = $0 } END { exit bad }' \
        "$overrides" >"$T/ov" || fail "$(cat "$T/ov")"
fi

# (lintian notes on stderr that it runs as root; its findings go to stdout.)
run_cmd lintian --fail-on error,warning "$deb"
tags=$(grep -E '^[EW]: ' <<<"$OUT" || true)
[[ $RC -eq 0 && -z $tags ]] || fail "lintian (exit $RC): $OUT $(grep -v 'root privileges' <<<"$ERR")"
echo "lintian: no errors, no warnings on $(basename "$deb")${OUT:+ (other findings: $(wc -l <<<"$OUT"))}"
echo "PASS: lintian accepts $(basename "$deb")"
