#!/usr/bin/env bash
# Tenants: list (fields, order, live counts), get (extra fields), sync
# (response shape, last_sync_at, bootstrap), delete (cascade), 404s.
source "$(dirname "$0")/common.sh"
start_emu --tenants 4
load_fleet

expect 200 GET /v1/tenants
assert_jq "count" "$BODY" '.count' 4
assert_jq "tenants length" "$BODY" '.tenants | length' 4
assert_eq "list item keys" \
    "id tenant_id tenant_name tenant_domain default_domain domain_count mailbox_count status discovery_completed exchange_bootstrap_status consented_at last_sync_at" \
    "$(keys "$BODY" '.tenants[0]')"
assert_jq "newest consent first" "$BODY" '[.tenants[].consented_at] == ([.tenants[].consented_at] | sort | reverse)' true
assert_jq "tenant_id is a GUID" "$BODY" '[.tenants[].tenant_id | test("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")] | all' true
assert_jq "tenant_domain is .onmicrosoft.com" "$BODY" '[.tenants[].tenant_domain | endswith(".onmicrosoft.com")] | all' true
assert_jq "domain_count compact" "$BODY" '[.tenants[].domain_count] | unique | tostring' '[12]'
assert_jq "mailbox_count (10 verified domains x 3)" "$BODY" '[.tenants[].mailbox_count] | unique | tostring' '[30]'
assert_jq "status null" "$BODY" '[.tenants[].status] | unique | tostring' '[null]'
assert_jq "tenant 1 pending" "$BODY" '.tenants[1].exchange_bootstrap_status' pending
assert_jq "tenant 0 ready" "$BODY" '.tenants[0].exchange_bootstrap_status' ready
assert_jq "tenants 0 and 3 share a name" "$BODY" '.tenants[0].tenant_name == .tenants[3].tenant_name' true
assert_jq "default_domain is the first custom domain" "$BODY" '.tenants[0].default_domain' "$(domain "$T0" 0)"
assert_jq "timestamps ISO-8601 Z" "$BODY" '[.tenants[] | .consented_at, .last_sync_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")] | all' true

# Get tenant: the list's fields plus smtp_auth_org_enabled and connected_by.
expect 200 GET "/v1/tenants/$T0"
assert_eq "get keys" \
    "id tenant_id tenant_name tenant_domain default_domain domain_count mailbox_count status discovery_completed exchange_bootstrap_status smtp_auth_org_enabled consented_at last_sync_at connected_by" \
    "$(keys "$BODY" '.')"
assert_jq "connected_by" "$BODY" '.connected_by' alpha@example.com
assert_jq "smtp_auth_org_enabled" "$BODY" '.smtp_auth_org_enabled' true
assert_jq "get tenant_id" "$BODY" '.tenant_id' "$T0"
expect_error 404 tenant_not_found GET /v1/tenants/00000000-0000-4000-8000-000000000000
expect_error 404 tenant_not_found GET /v1/tenants/nonsense

# Sync the pending tenant: bootstrap runs, then is ready.
before=$(date -u +%s)
expect 200 POST "/v1/tenants/$T1/sync"
assert_eq "sync keys" "status run_id tenant_id bootstrap smtp_auth result" "$(keys "$BODY" .)"
assert_jq "sync status" "$BODY" '.status' completed
assert_match "run_id" '^sync_[0-9]{8}_[0-9]{6}_single' "$(jq -r .run_id <<<"$BODY")"
assert_jq "sync tenant_id" "$BODY" '.tenant_id' "$T1"
assert_eq "bootstrap keys" "status message skipped" "$(keys "$BODY" .bootstrap)"
assert_jq "bootstrap ran" "$BODY" '[.bootstrap.status, .bootstrap.skipped] | tostring' '["ready",false]'
assert_jq "smtp_auth ran" "$BODY" '[.smtp_auth.status, .smtp_auth.skipped] | tostring' '["ready",false]'
assert_eq "result keys" "status tenant_name default_domain domain_count user_mailbox_count mailbox_error" "$(keys "$BODY" .result)"
assert_jq "result" "$BODY" '[.result.status, .result.domain_count, .result.user_mailbox_count, .result.mailbox_error] | tostring' '["success",12,30,null]'
run1=$(jq -r .run_id <<<"$BODY")
expect 200 GET "/v1/tenants/$T1"
assert_jq "bootstrap ready after sync" "$BODY" '.exchange_bootstrap_status' ready
assert_jq "smtp auth after sync" "$BODY" '.smtp_auth_org_enabled' true
synced=$(date -u -d "$(jq -r .last_sync_at <<<"$BODY")" +%s)
assert_range "last_sync_at = now" "$before" "$(($(date -u +%s) + 1))" "$synced"
expect 200 GET /v1/tenants
assert_jq "list order unchanged by sync" "$BODY" '.tenants[1].tenant_id' "$T1"

# Sync of a ready tenant skips the steps; run ids stay unique.
expect 200 POST "/v1/tenants/$T0/sync"
assert_jq "bootstrap skipped" "$BODY" '[.bootstrap.skipped, .bootstrap.message] | tostring' '[true,"Exchange bootstrap already ready"]'
assert_jq "smtp skipped" "$BODY" '[.smtp_auth.skipped, .smtp_auth.message] | tostring' '[true,"SMTP AUTH already ready"]'
run2=$(jq -r .run_id <<<"$BODY")
[[ "$run1" != "$run2" ]] || fail "run_id not unique: $run1"
expect_error 404 tenant_not_found POST /v1/tenants/00000000-0000-4000-8000-000000000000/sync

# Delete removes the tenant and everything under it.
T3=$(emu_get /v1/tenants | jq -r '.tenants[3].tenant_id')
name3=$(emu_get "/v1/tenants/$T3" | jq -r .tenant_name)
expect 200 DELETE "/v1/tenants/$T0"
assert_eq "delete keys" "status tenant_id tenant_name message" "$(keys "$BODY" .)"
assert_jq "delete status" "$BODY" '.status' deleted
assert_jq "delete tenant_id" "$BODY" '.tenant_id' "$T0"
assert_jq "delete message" "$BODY" '.message' "Tenant and all associated records removed. The Microsoft tenant itself was not affected."
expect 200 GET /v1/tenants
assert_jq "count after delete" "$BODY" '.count' 3
assert_jq "deleted tenant gone from list" "$BODY" "[.tenants[].tenant_id] | index(\"$T0\")" null
expect_error 404 tenant_not_found GET "/v1/tenants/$T0"
expect_error 404 tenant_not_found GET "/v1/tenants/$T0/domains"
expect_error 404 tenant_not_found GET "/v1/tenants/$T0/mailboxes"
expect_error 404 tenant_not_found GET "/v1/tenants/$T0/mailbox-limits"
expect_error 404 tenant_not_found DELETE "/v1/tenants/$T0"
expect_error 404 tenant_not_found POST "/v1/tenants/$T0/sync"
expect 200 GET "/v1/tenants/$T3"
assert_jq "other tenant untouched" "$BODY" '.tenant_name' "$name3"

stop_emu
pass
