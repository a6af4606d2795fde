#!/usr/bin/env bash
# README's first command: contrib/demo mounts a fixture fleet, shows the
# tour, and unmounts cleanly (here with --tour so it does not wait for
# Ctrl-C), using the binaries of this build.
source "$(dirname "$0")/../lib/common.sh"

build_dir=$(dirname "$(dirname "$TENANTCOREFS")")
export TCFS_BUILD_DIR="$build_dir"
MNT="$T/demo-mnt"
run_cmd env MNT="$MNT" timeout 120 "$TCFS_SOURCE_DIR/contrib/demo" --tour
assert_eq "$RC" "0" "contrib/demo --tour exit status (stderr: $ERR)"
assert_match "$OUT" "mounted at $MNT" "demo announces the mount"
assert_match "$OUT" "TENANT +DOMAIN +VERIFIED" "demo shows the health table"
assert_match "$OUT" "email,display_name,domain,daily_send_limit,enforced_limit" "demo shows mailboxes.csv"
assert_match "$OUT" "unmounted $MNT" "demo unmounts"
mountpoint -q "$MNT" && fail "the demo left $MNT mounted"
MNT=""
echo "PASS: contrib/demo --tour"
