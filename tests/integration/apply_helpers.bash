# tests/integration/apply_helpers.bash — helpers shared by the apply*.sh
# tests. Not a test itself: CMake picks up only *.sh here. Source it after
# tests/lib/common.sh.
#
#   APPLY                    the tenantcorefs-apply binary under test
#   SNAPSHOT                 contrib/snapshot (installed as tenantcorefs-snapshot)
#   apply_run ARGS...        run it with stdin from /dev/null; sets RC, OUT, ERR
#   invalidate               drop the mount's caches (after changing tcemu behind it)
#   writes_now               tcemu's write requests so far, one compact JSON
#                            [method, path, body] a line (keys sorted), sorted
#   write_line M PATH [BODY] one such line, for the writes a test expects
#   writes_count             how many write requests tcemu received
#   tenant_ids               account 1's tenant ids, in tcemu's order
#   mailboxes_of T           tenant T's mailboxes list (JSON lines: one per mailbox)
#   calm_fleet               give every mailbox a stored limit and no sends today,
#                            through /_emu/set (not counted as writes), so that a
#                            restore can put every value back and no mailbox is
#                            blocked (a block's timestamp is the API's to set)

: "${TENANTCOREFS_APPLY:?TENANTCOREFS_APPLY must point to the tenantcorefs-apply binary}"
APPLY=$TENANTCOREFS_APPLY
SNAPSHOT="$TCFS_SOURCE_DIR/contrib/snapshot"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.com
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.com
for tool in git rsync jq; do command -v "$tool" >/dev/null || fail "$tool is needed"; done

apply_run() {
    run_cmd "$APPLY" "$@" </dev/null
}

invalidate() {
    echo 1 >"$MNT/.tenantcorefs/invalidate"
}

writes_now() {
    emu_stats | jq -cS '.writes[] | [.method, .path, .body]' | sort
}

# One expected write line, as writes_now prints it.
write_line() {
    jq -ncS --arg m "$1" --arg p "$2" --argjson b "${3:-null}" '[$m, $p, $b]'
}

writes_count() {
    emu_stats | jq '.writes | length'
}

tenant_ids() {
    emu_get /v1/tenants | jq -r '.tenants[].tenant_id'
}

mailboxes_of() {
    emu_get "/v1/tenants/$1/mailboxes" | jq -c '.mailboxes[]'
}

calm_fleet() {
    local t mb id lim
    for t in $(tenant_ids); do
        while IFS= read -r mb; do
            id=$(jq -r .id <<<"$mb")
            lim=$(jq -r '.daily_send_limit // 10' <<<"$mb")
            emu_set "{\"tenant_id\":\"$t\",\"mailbox_id\":\"$id\",\"set\":{\"daily_send_limit\":$lim,\"sends_today\":0}}" >/dev/null
        done < <(mailboxes_of "$t")
    done
}
