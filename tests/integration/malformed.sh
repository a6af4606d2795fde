#!/usr/bin/env bash
# Hostile answers from the API, served through tcemu's overrides and
# /_emu/set: invalid JSON, wrong top-level types, wrong field types, nulls,
# missing fields, huge and deeply nested bodies, HTML error pages, empty
# bodies, error bodies with control characters; and hostile names in lists
# ("..", ".", "", "a/b", 4 KB, control characters, newlines, invalid UTF-8,
# duplicates). Each read fails with EIO (or the entry is left out, with a
# log line), the daemon keeps answering, the errors file stays one line per
# failure, names never escape their directory, and the daemon exits 0 at
# unmount.
source "$(dirname "$0")/../lib/common.sh"

emu_start --tenants 4 --domains 8 --mailboxes 2
mapfile -t tenants < <(emu_get /v1/tenants | jq -r '.tenants[].tenant_id')
t=${tenants[0]}
mapfile -t mbs < <(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[].id')
mapfile -t doms < <(emu_get "/v1/tenants/$t/domains" | jq -r '.domains[].domain_name')
mb_api="/v1/tenants/$t/mailboxes"
dom_api="/v1/tenants/$t/domains"

# stale_ttl=0: a bad answer must surface, not hide behind cached data.
# retries=1: 5xx cases cost one backoff only.
mnt_start -o stale_ttl=0,timeout=3,retries=1,prefetch=0
probe="$MNT/tenants/${tenants[1]}/name"
probe_want=$(emu_get /v1/tenants | jq -r '.tenants[1].tenant_name')
tdir="$MNT/tenants/$t"
fresh() { echo 1 >"$MNT/.tenantcorefs/invalidate"; }

# override_get PATH STATUS BODY [CONTENT_TYPE]: every GET of PATH gets this.
override_get() {
    emu_override "$(jq -nc --arg p "$1" --argjson s "$2" --arg b "$3" --arg ct "${4:-application/json}" \
        '{method:"GET",path:$p,status:$s,body:$b,content_type:$ct,times:-1}')" >/dev/null
}
override_get_file() {
    emu_override "$(jq -nc --arg p "$1" --argjson s "$2" --arg f "$3" \
        '{method:"GET",path:$p,status:$s,body_file:$f,content_type:"application/json",times:-1}')" >/dev/null
}

# alive WHAT: the daemon is running and still answers a fresh read.
alive() {
    kill -0 "$FS_PID" 2>/dev/null || fail "the daemon died after: $1"
    fresh
    run_cmd cat "$probe"
    assert_eq "$RC" "0" "a fresh read after $1 ($ERR)"
    assert_eq "$OUT" "$probe_want" "a fresh read after $1"
}

# expect_err REGEX WHAT CMD...: CMD fails with an error matching REGEX.
expect_err() {
    local re=$1 what=$2
    shift 2
    run_cmd "$@"
    [[ $RC -ne 0 ]] || fail "$what: succeeded with [$(head -c 200 <<<"$OUT")]"
    assert_match "$ERR" "$re" "$what: error"
}

# ---- 1. bodies that are not the documented object --------------------------
u_api="$mb_api/${mbs[0]}/usage"
u="$tdir/mailboxes/${mbs[0]}/usage.json"
ls "$tdir/mailboxes" >/dev/null
declare -A bodies=(
    [invalid JSON]='{"sends_today": 3,'
    [trailing garbage]='{"sends_today": 3} {"x": 1}'
    [empty body]=''
    [an array]='[1, 2, 3]'
    [a string]='"usage"'
    [null]='null'
    [a number]='42'
    [a boolean]='true'
    [an HTML page]='<html><body><h1>Welcome to nginx!</h1></body></html>'
    [a control byte after the object]=$'{"a":1}\x01'
)
for what in "${!bodies[@]}"; do
    fresh
    ctype=application/json
    [[ $what == "an HTML page" ]] && ctype=text/html
    override_get "$u_api" 200 "${bodies[$what]}" "$ctype"
    expect_err "Input/output error" "usage.json answered 200 with $what" cat "$u"
    emu_override_clear >/dev/null
    alive "a 200 with $what"
done
# A 200 with an empty body and no content type at all.
fresh
emu_override "{\"method\":\"GET\",\"path\":\"$u_api\",\"status\":200,\"times\":-1}" >/dev/null
expect_err "Input/output error" "usage.json answered 200 with no body" cat "$u"
emu_override_clear >/dev/null
alive "a 200 with no body"

# Deep nesting: past any parser's limit (EIO), and well below it (served).
fresh
deep=$(printf '{"a":%s1%s}' "$(printf '[%.0s' $(seq 20000))" "$(printf ']%.0s' $(seq 20000))")
override_get "$u_api" 200 "$deep"
expect_err "Input/output error" "usage.json nested 20000 deep" cat "$u"
emu_override_clear >/dev/null
alive "a body nested 20000 deep"
fresh
deep=$(printf '{"a":%s1%s}' "$(printf '[%.0s' $(seq 200))" "$(printf ']%.0s' $(seq 200))")
override_get "$u_api" 200 "$deep"
run_cmd cat "$u"
if ((RC == 0)); then
    assert_eq "$(jq -c . <<<"$OUT")" "$(jq -c . <<<"$deep")" "usage.json nested 200 deep"
else
    assert_match "$ERR" "Input/output error" "usage.json nested 200 deep: error"
fi
emu_override_clear >/dev/null
alive "a body nested 200 deep"

# 10 MB: garbage is EIO; valid JSON is served whole or refused with EIO.
head -c $((10 << 20)) /dev/zero | tr '\0' 'x' >"$T/garbage.10m"
{
    printf '{"mailbox_id":"%s","padding":"' "${mbs[0]}"
    head -c $((10 << 20)) /dev/zero | tr '\0' 'a'
    printf '"}'
} >"$T/valid.10m"
for f in garbage valid; do
    fresh
    override_get_file "$u_api" 200 "$T/$f.10m"
    start=$(date +%s%N)
    run_cmd cat "$u"
    ms=$((($(date +%s%N) - start) / 1000000))
    emu_override_clear >/dev/null
    if [[ $f == garbage ]]; then
        assert_eq "$RC" "1" "usage.json answered with 10 MB of garbage: exit status"
        assert_match "$ERR" "Input/output error" "usage.json answered with 10 MB of garbage"
    elif ((RC == 0)); then
        assert_eq "$(jq -r .padding <<<"$OUT" | wc -c)" "$(((10 << 20) + 1))" "usage.json of a 10 MB answer"
    else
        assert_match "$ERR" "Input/output error" "usage.json answered with 10 MB of JSON: error"
    fi
    echo "10 MB of $f: exit $RC in $ms ms"
    ((ms < 20000)) || fail "reading a 10 MB answer took $ms ms"
    alive "a 10 MB body ($f)"
done
# Past the transport's 16 MiB bound: refused, nothing kept.
{
    printf '{"padding":"'
    head -c $((20 << 20)) /dev/zero | tr '\0' 'a'
    printf '"}'
} >"$T/valid.20m"
fresh
override_get_file "$u_api" 200 "$T/valid.20m"
expect_err "Input/output error" "usage.json answered with 20 MB" cat "$u"
emu_override_clear >/dev/null
rm -f "$T"/*.10m "$T"/*.20m
alive "a 20 MB body"

# ---- 2. error answers that are not the documented error -----------------------
fresh
override_get "$u_api" 502 '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>' text/html
expect_err "Input/output error" "usage.json answered 502 with an HTML page" cat "$u"
emu_override_clear >/dev/null
alive "a 502 with an HTML page"
fresh
override_get "$u_api" 503 ''
expect_err "Input/output error" "usage.json answered 503 with no body" cat "$u"
emu_override_clear >/dev/null
fresh
override_get "$u_api" 404 '<html>Not Found</html>' text/html
expect_err "No such file or directory" "usage.json answered 404 with an HTML page" cat "$u"
emu_override_clear >/dev/null
fresh
override_get "$u_api" 401 '{"error": 5}'
expect_err "Permission denied" "usage.json answered 401 with a number for error" cat "$u"
emu_override_clear >/dev/null
# An error body built to break the errors file: newlines, escapes, 100 KB.
fresh
long=$(head -c 100000 /dev/zero | tr '\0' 'm')
override_get "$u_api" 500 "$(jq -nc --arg l "$long" '{error:{code:"bad\ncode\u001b[31m",message:("line one\nline two\r\u001b[2J\u0007" + $l)}}')"
expect_err "Input/output error" "usage.json answered 500 with a hostile error body" cat "$u"
emu_override_clear >/dev/null
alive "a 500 with a hostile error body"
errors=$(cat "$MNT/.tenantcorefs/errors")
while IFS= read -r line; do
    [[ $line =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\ [a-z]+\ /[^\ ]*\ E[A-Z0-9]+\ ([0-9]{3}|-)\  ]] ||
        fail "a line of the errors file is not one failure: [${line:0:200}]"
    [[ $line == *$'\e'* || $line == *$'\r'* || $line == *$'\a'* ]] && fail "control characters in the errors file: [${line:0:200}]"
    ((${#line} <= 4096)) || fail "a line of ${#line} bytes in the errors file"
done <<<"$errors"
grep -q ' EIO 502 ' <<<"$errors" || fail "no EIO 502 line in the errors file"

# ---- 3. wrong field types, nulls, missing fields --------------------------------
real_mbs=$(emu_get "$mb_api")
m0=${mbs[0]} m1=${mbs[1]} m2=${mbs[2]}
# m0: every value of the wrong type; m1: every value null; m2: only its id.
# Plus entries that have no usable id at all.
list=$(jq -c --arg m0 "$m0" --arg m1 "$m1" --arg m2 "$m2" '
    .mailboxes |= (map(
        if .id == $m0 then . + {daily_send_limit: "20", display_name: 42, primary_smtp: [], domain_name: {}, created_at: 7}
        elif .id == $m1 then (with_entries(.value = null) | .id = $m1)
        elif .id == $m2 then {id: $m2}
        else . end)
      + [1, "x", null, [], {}, {id: 7}, {id: null}, {id: ["a"]}, {id: {"b": 1}}])' <<<"$real_mbs")
fresh
override_get "$mb_api" 200 "$list"
mapfile -t listed < <(ls "$tdir/mailboxes")
assert_eq "$(printf '%s\n' "${listed[@]}" | sort)" "$(printf '%s\n' "${mbs[@]}" | sort)" "mailboxes listed from a list with junk entries"
expect_err "Input/output error" "daily_send_limit that is a string" cat "$tdir/mailboxes/$m0/daily_send_limit"
run_cmd cat "$tdir/mailboxes/$m0/display_name"
# A number is not a display name: EIO, or the number itself; never a
# silently empty name.
if ((RC == 0)); then assert_eq "$OUT" "42" "display_name that is a number"; else assert_match "$ERR" "Input/output error" "display_name that is a number"; fi
assert_eq "$(cat "$tdir/mailboxes/$m1/daily_send_limit")" "none" "daily_send_limit that is null"
assert_eq "$(cat "$tdir/mailboxes/$m2/daily_send_limit")" "none" "daily_send_limit that is missing"
for m in "$m0" "$m1" "$m2"; do
    run_cmd cat "$tdir/mailboxes/$m/mailbox.json"
    assert_eq "$RC" "0" "mailbox.json of a malformed entry ($ERR)"
    jq -e . <<<"$OUT" >/dev/null || fail "mailbox.json of a malformed entry is not JSON: $OUT"
done
for f in mailboxes.csv health dns.zone; do
    run_cmd cat "$tdir/$f"
    [[ $RC -eq 0 || $ERR == *"Input/output error"* ]] || fail "$f over malformed mailboxes: $ERR"
done
run_cmd ls "$tdir/domains/${doms[0]}/mailboxes"
assert_eq "$RC" "0" "domain mailboxes links over malformed mailboxes ($ERR)"
emu_override_clear >/dev/null
alive "a mailboxes list with wrong types"

# Other numbers that are not a limit.
for v in -5 2.5 1e300 9007199254740993 '"twenty"' true '[20]' '{"n":20}'; do
    fresh
    override_get "$mb_api" 200 "$(jq -c --arg m "$m0" --argjson v "$v" '.mailboxes |= map(if .id == $m then .daily_send_limit = $v else . end)' <<<"$real_mbs")"
    expect_err "Input/output error" "daily_send_limit $v" cat "$tdir/mailboxes/$m0/daily_send_limit"
    emu_override_clear >/dev/null
done

# The same through /_emu/set, on every endpoint where the field appears.
emu_set "{\"tenant_id\":\"$t\",\"mailbox_id\":\"$m0\",\"set\":{\"daily_send_limit\":\"20\",\"sends_today\":\"lots\",\"display_name\":null}}" >/dev/null
emu_set "{\"tenant_id\":\"$t\",\"set\":{\"tenant_name\":42,\"tenant_domain\":null,\"last_sync_at\":17,\"exchange_bootstrap_status\":[]}}" >/dev/null
emu_set "{\"tenant_id\":\"$t\",\"domain_name\":\"${doms[0]}\",\"set\":{\"is_verified\":\"yes\",\"dkim_status\":5,\"spf_status\":null,\"last_checked\":{}}}" >/dev/null
fresh
expect_err "Input/output error" "daily_send_limit set to a string" cat "$tdir/mailboxes/$m0/daily_send_limit"
run_cmd cat "$tdir/name"
if ((RC == 0)); then assert_eq "$OUT" "42" "name when tenant_name is a number"; else assert_match "$ERR" "Input/output error" "name when tenant_name is a number"; fi
expect_err "Input/output error" "verify when is_verified is a string" cat "$tdir/domains/${doms[0]}/verify"
for f in tenant.json "domains/${doms[0]}/domain.json" "mailboxes/$m0/usage.json" "mailboxes/$m0/mailbox.json"; do
    run_cmd cat "$tdir/$f"
    assert_eq "$RC" "0" "$f with wrong field types ($ERR)"
    jq -e . <<<"$OUT" >/dev/null || fail "$f with wrong field types is not JSON"
done
for f in health mailboxes.csv "domains/${doms[0]}/dkim_status" "domains/${doms[0]}/dns.zone"; do
    run_cmd cat "$tdir/$f"
    [[ $RC -eq 0 || $ERR == *"Input/output error"* ]] || fail "$f with wrong field types: $ERR"
done
run_cmd ls "$MNT/by-name"
assert_eq "$RC" "0" "by-name with a tenant_name that is a number ($ERR)"
run_cmd cat "$MNT/health"
[[ $RC -eq 0 || $ERR == *"Input/output error"* ]] || fail "the fleet health table with wrong field types: $ERR"
alive "fields of the wrong type"

# Single resources with wrong shapes or nulls everywhere.
d0=${doms[1]}
shapes=(
    "$dom_api/$d0/dkim-status|{\"dkim_status\":5,\"selectors\":\"x\"}|domains/$d0/dkim_status|eio"
    "$dom_api/$d0/dkim-status|{\"dkim_status\":null,\"selectors\":null,\"ready_to_enable\":null}|domains/$d0/dkim_status|eio"
    "$dom_api/$d0/dkim-status|[]|domains/$d0/dkim.json|eio"
    "$dom_api/$d0/dns|{\"records\":\"none\"}|domains/$d0/dns.zone|any"
    "$dom_api/$d0/dns|{\"records\":[1,null,{\"recordType\":5},{\"recordType\":\"domainDnsMxRecord\",\"label\":\"@\",\"mailExchange\":null,\"ttl\":\"x\"}]}|domains/$d0/dns.zone|any"
    "$dom_api/$d0/dns|null|domains/$d0/dns.json|eio"
    "/v1/tenants/$t/mailbox-limits|{\"daily_send_limit\":\"x\"}|mailbox_limit|eio"
    "/v1/tenants/$t/mailbox-limits|{\"policy\":5}|mailbox_limit|eio"
    "/v1/tenants/$t/mailbox-limits|{\"policy\":null}|mailbox_limit|none"
    "/v1/tenants/$t/mailbox-limits|[]|mailbox_limit|eio"
    "/v1/tenants/$t|[]|tenant.json|eio"
    "/v1/tenants/$t|{\"tenant_id\":null,\"tenant_name\":null,\"last_sync_at\":null}|tenant.json|ok"
)
for s in "${shapes[@]}"; do
    IFS='|' read -r api body file want <<<"$s"
    fresh
    override_get "$api" 200 "$body"
    run_cmd cat "$tdir/$file"
    case $want in
    eio) [[ $RC -ne 0 && $ERR == *"Input/output error"* ]] || fail "$file answered $body: expected EIO, got $RC [$OUT] [$ERR]" ;;
    none) assert_eq "$OUT" "none" "$file answered $body" ;;
    ok) assert_eq "$RC" "0" "$file answered $body ($ERR)" ;;
    any) [[ $RC -eq 0 || $ERR == *"Input/output error"* ]] || fail "$file answered $body: $ERR" ;;
    esac
    emu_override_clear >/dev/null
    alive "$api answered $body"
done

# Lists whose member is missing or of the wrong type.
for body in '{}' '{"tenants": {}}' '{"tenants": "all"}' '{"tenants": null}' '[]x' 'null'; do
    fresh
    override_get /v1/tenants 200 "$body"
    expect_err "Input/output error" "ls tenants answered $body" ls "$MNT/tenants"
    emu_override_clear >/dev/null
    alive "the tenants list answered $body"
done
fresh
override_get "$dom_api" 200 '{"domains": [{"domain_name": 5}, {"domain_name": null}, {"is_verified": true}, "x.com", ["y.com"]]}'
run_cmd ls "$tdir/domains"
assert_eq "$RC" "0" "ls of a domains list with unusable entries ($ERR)"
assert_eq "$OUT" "" "ls of a domains list with unusable entries"
emu_override_clear >/dev/null
grep -q "skipping a domains entry without a string domain_name" "$FS_LOG" || fail "no log line for skipped domain entries"
alive "lists with unusable entries"
mnt_stop

# ---- 4. hostile names -------------------------------------------------------------
# Back to the fixture fleet, then rename entities to names that must never
# become path components.
emu_reset >/dev/null
h=${tenants[1]}
mapfile -t hdoms < <(emu_get "/v1/tenants/$h/domains" | jq -r '.domains[].domain_name')
mapfile -t hmbs < <(emu_get "/v1/tenants/$h/mailboxes" | jq -r '.mailboxes[].id')
long=$(printf 'a%.0s' $(seq 4096)).com
long256=$(printf 'b%.0s' $(seq 252)).com # 256 bytes: one past NAME_MAX
hostile_domains=(".." "." "" "a/b" "$long" $'ctl\x01x.com' $'new\nline.com' "$long256")
for i in "${!hostile_domains[@]}"; do
    emu_set "$(jq -nc --arg t "$h" --arg d "${hdoms[$i]}" --arg n "${hostile_domains[$i]}" '{tenant_id:$t,domain_name:$d,set:{domain_name:$n}}')" >/dev/null ||
        fail "tcemu refused to rename domain ${hdoms[$i]}"
done
# Every domain of tenant h now has a hostile name. Some of its mailboxes
# get hostile ids.
hostile_ids=(".." "x/y" "" $'tab\tid')
for i in "${!hostile_ids[@]}"; do
    ((i < ${#hmbs[@]})) || break
    emu_set "$(jq -nc --arg t "$h" --arg m "${hmbs[$i]}" --arg n "${hostile_ids[$i]}" '{tenant_id:$t,mailbox_id:$m,set:{id:$n}}')" >/dev/null ||
        fail "tcemu refused to rename mailbox ${hmbs[$i]}"
done
good_mbs=("${hmbs[@]:${#hostile_ids[@]}}")
# Tenants: one renamed "..", one "a/b"; tenant names that would make bad
# link names.
emu_set "$(jq -nc --arg t "${tenants[2]}" '{tenant_id:$t,set:{tenant_id:".."}}')" >/dev/null
emu_set "$(jq -nc --arg t "${tenants[3]}" '{tenant_id:$t,set:{tenant_id:"a/b"}}')" >/dev/null
emu_set "$(jq -nc --arg t "$t" '{tenant_id:$t,set:{tenant_name:"../../../etc/passwd"}}')" >/dev/null
emu_set "$(jq -nc --arg t "$h" '{tenant_id:$t,set:{tenant_name:".."}}')" >/dev/null
# Email addresses of the good tenant's mailboxes that would escape.
mapfile -t tmbs < <(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[].id')
dom_of_m0=$(emu_get "/v1/tenants/$t/mailboxes" | jq -r '.mailboxes[0].domain_name')
emu_set "$(jq -nc --arg t "$t" --arg m "${tmbs[0]}" --arg e "../../../x@$dom_of_m0" '{tenant_id:$t,mailbox_id:$m,set:{primary_smtp:$e}}')" >/dev/null
emu_set "$(jq -nc --arg t "$t" --arg m "${tmbs[1]}" '{tenant_id:$t,mailbox_id:$m,set:{primary_smtp:".."}}')" >/dev/null

mnt_start -o stale_ttl=0
probe="$MNT/tenants/$t/name"
probe_want="../../../etc/passwd"

# (find writes to a file first: a child exiting while the loop below waits
# in stat(2) would interrupt it; stalls.sh covers that separately.)
set +e
find "$MNT" -print0 >"$T/find.out" 2>"$T/find.err"
find_rc=$?
set -e
find_err=$(<"$T/find.err")
# Walk what find printed: every component a safe name, every path real.
n=0
while IFS= read -r -d '' p; do
    n=$((n + 1))
    rel=${p#"$MNT"}
    IFS=/ read -r -a parts <<<"${rel#/}"
    for c in "${parts[@]}"; do
        [[ $c == "." || $c == ".." ]] && fail "find shows a '$c' component: $(printf %q "$p")"
        [[ $c =~ [[:cntrl:]] ]] && fail "find shows a name with a control character: $(printf %q "$p")"
        ((${#c} <= 255)) || fail "find shows a name of ${#c} bytes"
    done
    [[ -e $p || -L $p ]] || fail "find shows a path that does not exist: $(printf %q "$p")"
done <"$T/find.out"
((n > 100)) || fail "find saw only $n paths"
# find over the mount: no errors but the ones bad field values cause.
[[ $find_rc -eq 0 ]] || fail "find over the mount with hostile names: $find_err"

# Listings: each directory holds only the good names, "." and ".." once.
assert_eq "$(ls -a "$MNT/tenants" | grep -cx '\.\.')" "1" "'..' entries in tenants/"
assert_eq "$(ls -a "$MNT/tenants" | grep -cx '\.')" "1" "'.' entries in tenants/"
assert_eq "$(ls "$MNT/tenants" | sort)" "$(printf '%s\n' "$t" "$h" | sort)" "tenants listed (the ones renamed '..' and 'a/b' are left out)"
run_cmd ls -a "$MNT/tenants/$h/domains"
assert_eq "$RC" "0" "ls of a domains list where every name is hostile ($ERR)"
assert_eq "$OUT" $'.\n..' "domains listed when every name is hostile"
mapfile -t hlisted < <(ls "$MNT/tenants/$h/mailboxes")
assert_eq "$(printf '%s\n' "${hlisted[@]}" | sort)" "$(printf '%s\n' "${good_mbs[@]}" | sort)" "mailboxes listed when some ids are hostile"
for l in "$MNT/tenants/$t/domains"/*/mailboxes/*; do
    [[ -e $l ]] || continue
    case $(basename "$l") in ..* | *../*) fail "a mailbox link named $(basename "$l")" ;; esac
done
# by-name links point into tenants/ and nowhere else.
for l in "$MNT/by-name"/*; do
    target=$(readlink "$l")
    [[ $target =~ ^\.\./tenants/[^/]+$ ]] || fail "by-name/$(basename "$l") -> $target"
    [[ -d $l ]] || fail "by-name/$(basename "$l") does not resolve"
done
ls "$MNT/by-name" | grep -qx '\.\.' && fail "a by-name link named '..'"

# Nothing hostile is reachable by name either.
for name in "a/b" "x/y"; do
    [[ -e "$MNT/tenants/$h/domains/$name" ]] && fail "tenants/$h/domains/$name is reachable"
    [[ -e "$MNT/tenants/$h/mailboxes/$name" ]] && fail "tenants/$h/mailboxes/$name is reachable"
done
for name in $'ctl\x01x.com' $'new\nline.com' "$long256" $'tab\tid' $'\xff\xfe.com'; do
    run_cmd stat "$MNT/tenants/$h/domains/$name"
    [[ $RC -ne 0 ]] || fail "a domain named $(printf %q "$name") is reachable"
    run_cmd stat "$MNT/tenants/$h/mailboxes/$name"
    [[ $RC -ne 0 ]] || fail "a mailbox named $(printf %q "$name") is reachable"
done
run_cmd stat "$MNT/tenants/a/b"
[[ $RC -ne 0 ]] || fail "the tenant renamed a/b is reachable"
# The good parts of the tree still read, in full.
run_cmd grep -r -c . "$MNT/tenants/$h" "$MNT/tenants/$t/mailboxes"
[[ $RC -le 1 && -z $ERR ]] || fail "grep -r over tenants with hostile names: $ERR"
grep -q "skipping a domains entry whose domain_name is not a safe file name" "$FS_LOG" || fail "no log line for hostile domain names"
grep -q "skipping a tenants entry whose tenant_id is not a safe file name" "$FS_LOG" || fail "no log line for hostile tenant ids"

# A raw domains list: invalid UTF-8 (left out), valid UTF-8 (shown), and
# a name listed twice (shown once: the first in API order).
printf '{"domains":[{"domain_name":"\xff\xfe.com","is_verified":true},{"domain_name":"dup.example.com","is_verified":true,"n":1},{"domain_name":"dup.example.com","is_verified":false,"n":2},{"domain_name":"caf\xc3\xa9.example.com","is_verified":true}]}' >"$T/raw.json"
override_get_file "/v1/tenants/$t/domains" 200 "$T/raw.json"
fresh
assert_eq "$(ls "$MNT/tenants/$t/domains" | LC_ALL=C sort)" "$(printf '%s\n' "café.example.com" "dup.example.com" | LC_ALL=C sort)" "domains listed from a raw list with invalid UTF-8 and a duplicate"
assert_eq "$(jq -r .n "$MNT/tenants/$t/domains/dup.example.com/domain.json")" "1" "the first of two domains with the same name"
grep -q "skipping a duplicate domains entry" "$FS_LOG" || fail "no log line for a duplicate domain"
emu_override_clear >/dev/null
alive "hostile names"
mnt_stop
echo "PASS: malformed answers are EIO or skipped with a log line; names never escape; the daemon survives and exits 0"
