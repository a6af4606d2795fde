#!/usr/bin/env bash
# contrib/snapshot MOUNTPOINT REPO_DIR: the first run creates the repository
# and commits the tree (without .tenantcorefs/, the views and anything
# secret); a mailbox limit changed through the API shows up in the next
# commit as exactly that mailbox's files; a run with no change commits
# nothing; a run during an API failure fails and commits nothing.
source "$(dirname "$0")/../lib/common.sh"
for tool in git rsync; do command -v "$tool" >/dev/null || fail "$tool is needed"; done
SNAPSHOT="$TCFS_SOURCE_DIR/contrib/snapshot"
REPO="$T/history"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 # the test's own git identity only

emu_start --tenants 2 --domains 3 --mailboxes 2 --seed 5
# -o ro: the backup-safe mode; the script cannot invalidate, so the test waits
# out the ttl. stale_ttl=0 and retries=0: a failing API fails reads at once.
mnt_start -o ro,ttl=1,stale_ttl=0,retries=0,timeout=5

commits() { git -C "$REPO" rev-list --count HEAD 2>/dev/null || echo 0; }

# Usage errors: exit 2; not a mount: exit 1, and no repository made.
run_cmd "$SNAPSHOT" "$MNT"
assert_eq "$RC" "2" "snapshot with one argument"
mkdir -p "$T/plain"
run_cmd "$SNAPSHOT" "$T/plain" "$REPO"
assert_eq "$RC" "1" "snapshot of a directory that is not a mount"
[[ ! -e "$REPO" ]] || fail "a failed snapshot created $REPO"
# A non-empty directory that is not a repository is left alone.
mkdir -p "$T/notrepo" && echo keep >"$T/notrepo/file"
run_cmd "$SNAPSHOT" "$MNT" "$T/notrepo"
assert_eq "$RC" "1" "snapshot into a non-empty directory that is not a repository"
assert_eq "$(ls -A "$T/notrepo")" "file" "the non-repository directory is untouched"

# 1. First snapshot: a new repository with one commit of the tree.
run_cmd "$SNAPSHOT" "$MNT" "$REPO"
[[ $RC -eq 0 ]] || fail "first snapshot exited $RC: $ERR"
assert_match "$OUT" "committed" "first snapshot's report"
assert_eq "$(commits)" "1" "commits after the first snapshot"
assert_eq "$(stat -c %a "$REPO")" "700" "mode of the new repository"
git -C "$REPO" ls-files >"$T/files"
# What is in it: the tree as find sees it, less what the script leaves out.
(cd "$MNT" && find . \( -type f -o -type l \) -printf '%P\n') |
    grep -vE '^\.tenantcorefs/|^health$|^metrics\.prom$|^tenants/[^/]+/(health|dns\.zone|mailboxes\.csv)$|^tenants/[^/]+/domains/[^/]+/dns\.zone$' |
    sort >"$T/expected_files"
sort "$T/files" >"$T/got_files"
diff -u "$T/expected_files" "$T/got_files" >"$T/diff" || fail "the first commit is not the tree: $(head -20 "$T/diff")"
[[ $(wc -l <"$T/files") -gt 50 ]] || fail "suspiciously few files committed: $(wc -l <"$T/files")"
# Contents are the mount's bytes; links stay links.
t=$(emu_get /v1/tenants | jq -r '.tenants[0].tenant_id')
cmp -s "$REPO/tenants/$t/tenant.json" "$MNT/tenants/$t/tenant.json" || fail "tenant.json differs from the mount"
[[ -L "$REPO/by-name/$(ls "$MNT/by-name" | head -1)" ]] || fail "by-name links are not committed as links"
# Nothing secret: the key in no commit, no file named like a key.
if git -C "$REPO" grep -qF "$EMU_KEY" $(git -C "$REPO" rev-list --all); then
    fail "the API key is in the repository"
fi
if git -C "$REPO" log --all -p | grep -qE 'tc_(live|test)_'; then
    fail "something that looks like an API key is in the history"
fi
! grep -qiE '(^|/)[^/]*(key|secret|password|token)[^/]*$' "$T/files" || fail "a file named like a secret: $(grep -iE 'key|secret|password|token' "$T/files")"

# 2. One mailbox's limit changes through the API.
mb=$(emu_get "/v1/tenants/$t/mailboxes" | jq -c '.mailboxes[0]')
m=$(jq -r .id <<<"$mb")
old=$(jq -r '.daily_send_limit // "none"' <<<"$mb")
new=7
[[ "$old" != "$new" ]] || new=9
usage_before=$(emu_get "/v1/tenants/$t/mailboxes/$m/usage")
emu_fetch PATCH "/v1/tenants/$t/mailboxes/$m" "{\"daily_send_limit\": $new}"
assert_eq "$EMU_STATUS" "200" "PATCH daily_send_limit at tcemu"
usage_after=$(emu_get "/v1/tenants/$t/mailboxes/$m/usage")
sleep 1.5 # past the mount's ttl=1
run_cmd "$SNAPSHOT" "$MNT" "$REPO"
[[ $RC -eq 0 ]] || fail "second snapshot exited $RC: $ERR"
assert_eq "$(commits)" "2" "commits after the change"
p="tenants/$t/mailboxes/$m"
expected="$p/daily_send_limit
$p/mailbox.json"
[[ "$usage_before" == "$usage_after" ]] || expected+=$'\n'"$p/usage.json"
assert_eq "$(git -C "$REPO" show --format= --name-only HEAD | sort)" "$(sort <<<"$expected")" \
    "files changed by the second commit"
assert_eq "$(git -C "$REPO" show --format= HEAD -- "$p/daily_send_limit" | grep -E '^[-+][^-+]')" \
    "-$old
+$new" "diff of daily_send_limit"
assert_eq "$(git -C "$REPO" show --format= HEAD -- "$p/mailbox.json" | grep -E '^[-+][^-+]')" \
    "-  \"daily_send_limit\": ${old/none/null},
+  \"daily_send_limit\": $new," "diff of mailbox.json"

# 3. No change: no commit, exit 0.
sleep 1.1
run_cmd "$SNAPSHOT" "$MNT" "$REPO"
[[ $RC -eq 0 ]] || fail "third snapshot exited $RC: $ERR"
assert_match "$OUT" "no change" "third snapshot's report"
assert_eq "$(commits)" "2" "commits after a snapshot without change"
assert_eq "$(git -C "$REPO" status --porcelain)" "" "work tree after a snapshot without change"

# 4. The API fails: the snapshot fails, nothing is committed or deleted.
emu_config '{"error_rate": 1.0}' >/dev/null
sleep 1.1
run_cmd "$SNAPSHOT" "$MNT" "$REPO"
emu_config '{"error_rate": 0}' >/dev/null
[[ $RC -eq 1 ]] || fail "snapshot during an API failure exited $RC (want 1): $OUT $ERR"
assert_match "$ERR" "nothing committed" "message of the failed snapshot"
assert_eq "$(commits)" "2" "commits after a failed snapshot"

# 5. --views adds the computed files; a rw mount is invalidated first, so a
#    change shows without waiting out the ttl.
mnt_stop
mnt_start -o ttl=600
run_cmd "$SNAPSHOT" --views "$MNT" "$REPO"
[[ $RC -eq 0 ]] || fail "snapshot --views exited $RC: $ERR"
git -C "$REPO" show --format= --name-only HEAD | grep -qx "tenants/$t/mailboxes.csv" ||
    fail "snapshot --views did not add mailboxes.csv"
cat "$MNT/tenants/$t/mailboxes/$m/daily_send_limit" >/dev/null # cached for 600 s
emu_fetch PATCH "/v1/tenants/$t/mailboxes/$m" "{\"daily_send_limit\": 3}"
run_cmd "$SNAPSHOT" "$MNT" "$REPO"
[[ $RC -eq 0 ]] || fail "snapshot after invalidate exited $RC: $ERR"
assert_eq "$(git -C "$REPO" show HEAD:"$p/daily_send_limit")" "3" "the change seen through invalidate"
! git -C "$REPO" ls-files | grep -q 'mailboxes\.csv$' || fail "views stay after a run without --views"
mnt_stop

echo "PASS: snapshot commits the tree, exactly the changed files, nothing when unchanged or failing"
