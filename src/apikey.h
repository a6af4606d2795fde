/* apikey: the API key the mount authenticates with. It is read once from
 * api_key_file or TENANTCORE_API_KEY. With a file it is read again when the
 * API answers 401 and on SIGHUP, so that a rotated key is taken without a
 * remount: rotation invalidates the old key at once
 * (api-docs/authentication.txt). Every copy is wiped when it is replaced
 * and at exit, and the log redacts every key the mount has held. */
#ifndef TC_APIKEY_H
#define TC_APIKEY_H

#include <stdbool.h>
#include <stddef.h>

#define APIKEY_HEADER_MAX 4200 /* "Authorization: Bearer " + a key of up to 4 KiB */

struct apikey;

/* Load from file (when non-NULL: refused if it is not a regular file or is
 * group- or world-readable) or from TENANTCORE_API_KEY (wiped from the
 * environment once read). NULL with a one-line reason in why, which never
 * holds the key. */
struct apikey *apikey_load(const char *file, char *why, size_t whylen);
void apikey_free(struct apikey *k);

/* Write "Authorization: Bearer <key>" into buf (APIKEY_HEADER_MAX bytes);
 * returns the generation of the key written (1 for the first key). The
 * caller wipes buf after use (explicit_bzero). */
unsigned apikey_header(struct apikey *k, char *buf, size_t len);

/* After the API refused a key of generation seen: re-read the file.
 * Returns 1 when a key newer than seen is now current (read by this call,
 * or by another one since), 0 when not (the file holds the same key, or
 * the key came from the environment), -errno when the file cannot be used
 * (logged; the current key stays). Safe from any thread. */
int apikey_reload(struct apikey *k, unsigned seen);

/* SIGHUP: re-read the file whatever the generation; logs what happened. */
void apikey_reload_now(struct apikey *k);

bool apikey_has_file(const struct apikey *k);

#endif
