#!/usr/bin/env bash
# The tools users snapshot with: tar of the mount extracts to the same bytes
# as cat, with no "file changed as we read it"; a second `rsync -a`
# transfers nothing; `grep -r missing` finds exactly the domains tcemu
# knows to have a missing record.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 3 --domains 12 --mailboxes 3 --seed 11
mnt_start

# tar: extract elsewhere and compare byte for byte with cat.
run_cmd tar cf "$T/snap.tar" -C "$MNT" tenants health
assert_eq "$RC" "0" "tar exit status (stderr: $ERR)"
[[ -z "$ERR" ]] || fail "tar wrote to stderr: $ERR"
mkdir "$T/x"
tar xf "$T/snap.tar" -C "$T/x"
n=0
while IFS= read -r -d '' f; do
    rel=${f#"$MNT"/}
    cmp -s "$f" "$T/x/$rel" || fail "tar copy of $rel differs from cat"
    n=$((n + 1))
done < <(find "$MNT/tenants" -type f -print0)
[[ $n -gt 500 ]] || fail "only $n files compared"
# Symlinks are stored as links.
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
link=$(find "$T/x/tenants/$t/domains" -type l | head -1)
[[ -n "$link" ]] || fail "tar stored no symlinks"
assert_match "$(readlink "$link")" '^\.\./\.\./\.\./mailboxes/' "tar'd link target"

# rsync twice: the second run finds nothing to do.
rsync -a "$MNT/tenants" "$T/r/"
out=$(rsync -ai "$MNT/tenants" "$T/r/")
assert_eq "$out" "" "second rsync -ai itemized changes"
diff -r "$MNT/tenants" "$T/r/tenants" >/dev/null || fail "rsync copy differs from the mount"

# grep -r missing: exactly the domains whose list entry has a missing record.
expected=$(for t in $(emu_get /v1/tenants | jq -r '.tenants[].tenant_id'); do
    emu_get "/v1/tenants/$t/domains" | jq -r --arg t "$t" \
        '.domains[] | select([.spf_status, .dkim_status, .dmarc_status, .mx_status] | index("missing")) | "\($t)/domains/\(.domain_name)"'
done | sort)
actual=$(grep -rl --include=domain.json missing "$MNT/tenants" | sed "s|^$MNT/tenants/||; s|/domain.json$||" | sort)
[[ -n "$expected" ]] || fail "the fixture has no domain with a missing record"
assert_eq "$actual" "$expected" "domains grep -r finds with a missing record"
# The one-liners of the README.
run_cmd grep -L enabled "$MNT"/tenants/*/domains/*/dkim_status
assert_eq "$RC" "0" "grep -L enabled exit status"
cat "$MNT"/tenants/*/domains/*/dns.json | jq . >/dev/null || fail "cat dns.json | jq failed"

mnt_stop
echo "PASS: tar ($n files), rsync and grep see whole, stable files"
