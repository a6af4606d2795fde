#!/usr/bin/env bash
# `cpack -G DEB` on the build tree makes a .deb (written into the scratch
# directory, not the build tree) holding the two programs, the snapshot
# script, the units' scripts, the man pages (compressed), the systemd and
# Prometheus examples, README, changelog and copyright under /usr, and
# depending on fuse3 and the libraries the programs link.
source "$(dirname "$0")/ns_helpers.bash" # build_dir
source "$(dirname "$0")/../lib/common.sh"
for tool in cpack dpkg-deb; do
    command -v "$tool" >/dev/null || fail "$tool is needed (packages cmake, dpkg)"
done
build=$(build_dir)
[[ -f "$build/CPackConfig.cmake" ]] || fail "no CPackConfig.cmake above $TENANTCOREFS (include(CPack) missing?)"

run_cmd cpack --config "$build/CPackConfig.cmake" -G DEB -B "$T/pkg"
[[ $RC -eq 0 ]] || fail "cpack -G DEB exited $RC: $ERR $(tail -5 <<<"$OUT")"
debs=("$T"/pkg/*.deb)
[[ ${#debs[@]} -eq 1 && -f "${debs[0]}" ]] || fail "cpack made no single .deb: ${debs[*]}"
deb=${debs[0]}
version=$("$TENANTCOREFS" --version | sed -nE '1s/^tenantcorefs ([^ ]+).*/\1/p')

field() { dpkg-deb -f "$deb" "$1"; }
assert_eq "$(field Package)" "tenantcorefs" "Package"
assert_match "$(field Version)" "^$version(-|$)" "Version vs tenantcorefs --version"
assert_eq "$(field Architecture)" "$(dpkg --print-architecture)" "Architecture"
[[ -n "$(field Maintainer)" && -n "$(field Description)" ]] || fail "no Maintainer or Description"

# Depends: every runtime package, each once.
depends=$(field Depends)
for pkg in fuse3 libfuse3-3 libcurl4 libcjson1 libmicrohttpd12; do
    n=$(tr ',' '\n' <<<"$depends" | sed -E 's/^ +//; s/ .*//' | grep -cxF "$pkg" || true)
    assert_eq "$n" "1" "$pkg in Depends [$depends]"
done

# Contents.
dpkg-deb -c "$deb" | awk '{ print $1, $6 }' | sed 's| \./| /|' >"$T/contents"
for path in /usr/bin/tenantcorefs /usr/bin/tcemu /usr/bin/tenantcorefs-snapshot \
    /usr/libexec/tenantcorefs/mount-service /usr/libexec/tenantcorefs/metrics-textfile \
    /usr/share/doc/tenantcorefs/README.md /usr/share/doc/tenantcorefs/copyright \
    /usr/share/doc/tenantcorefs/changelog.gz \
    /usr/share/doc/tenantcorefs/examples/systemd/mnt-tenantcore.mount \
    /usr/share/doc/tenantcorefs/examples/systemd/tenantcorefs-snapshot.service \
    /usr/share/doc/tenantcorefs/examples/systemd/tenantcorefs-snapshot.timer \
    /usr/share/doc/tenantcorefs/examples/systemd/tenantcorefs@.service \
    /usr/share/doc/tenantcorefs/examples/systemd/tenantcorefs-metrics.service \
    /usr/share/doc/tenantcorefs/examples/systemd/tenantcorefs-metrics.timer \
    /usr/share/doc/tenantcorefs/examples/systemd/fstab.example \
    /usr/share/doc/tenantcorefs/examples/prometheus/alerts.yml \
    /usr/share/doc/tenantcorefs/examples/prometheus/alerts_test.yml; do
    grep -qE " ${path//./\\.}\$" "$T/contents" || fail "$path is not in the package: $(cat "$T/contents")"
done
for prog in /usr/bin/tenantcorefs /usr/bin/tcemu /usr/bin/tenantcorefs-snapshot \
    /usr/libexec/tenantcorefs/mount-service /usr/libexec/tenantcorefs/metrics-textfile; do
    assert_match "$(grep -E " $prog\$" "$T/contents")" '^-rwxr-xr-x ' "mode of $prog"
done
# Every program has its man page, compressed as Debian wants, and every
# page in doc/ is in the package.
for prog in $(awk '$2 ~ "^/usr/bin/." { sub("^/usr/bin/", "", $2); print $2 }' "$T/contents"); do
    grep -qE " /usr/share/man/man1/${prog//./\\.}\.1\.gz\$" "$T/contents" || fail "no man page for $prog in the package"
done
for page in "$TCFS_SOURCE_DIR"/doc/*.1; do
    grep -qE " /usr/share/man/man1/$(basename "$page" | sed 's/\./\\./g')\.gz\$" "$T/contents" ||
        fail "doc/$(basename "$page") is not in the package, compressed"
done
if grep -vE ' /usr(/|$)' "$T/contents" | grep -vE ' /$' | grep -q .; then
    fail "files outside /usr: $(grep -vE ' /usr(/|$)' "$T/contents" | head -3)"
fi

# The packaged programs run (dpkg-deb -x into the scratch directory).
dpkg-deb -x "$deb" "$T/root"
assert_match "$("$T/root/usr/bin/tenantcorefs" --version)" "^tenantcorefs $version " "packaged tenantcorefs --version"
assert_match "$("$T/root/usr/bin/tcemu" --version)" "^tcemu " "packaged tcemu --version"
run_cmd "$T/root/usr/bin/tenantcorefs-snapshot" --help
assert_eq "$RC" "0" "tenantcorefs-snapshot --help"

echo "PASS: $(basename "$deb"): Depends: $depends"
