/* dns_records.h — the DNS records TenantCore asks a domain's owner to
 * publish (verification TXT, MX, SPF, DKIM CNAMEs) and the DKIM selector
 * state derived from a domain's knobs. Shared by "add domain", "dns" and
 * "dkim-status". */
#ifndef TCEMU_DNS_RECORDS_H
#define TCEMU_DNS_RECORDS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "store.h"

#define SPF_RECORD "v=spf1 include:spf.protection.outlook.com -all"

/* "mail-acme-com.mail.protection.outlook.com" for "mail.acme.com". */
void dns_mx_host(const char *domain, char *out, size_t size);

/* [] once verified, else the MS= TXT record. */
cJSON *dns_verification_records(const struct emu_domain *d);
/* MX, SPF TXT and the two DKIM selector CNAMEs. */
cJSON *dns_service_records(const char *domain, const char *tenant_domain);

/* "propagated" / "missing" for selector 1 and 2. */
void dns_selectors(const struct emu_domain *d, const char **s1, const char **s2);
/* dkim-status's dkim_status: "enabled", "ready" or "pending". */
const char *dns_dkim_signing_status(const struct emu_domain *d);

#endif
