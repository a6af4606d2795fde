/* http_server.h — the libmicrohttpd side of tcemu: one thread per
 * connection (so a stalled or slowed answer never delays another
 * connection), keep-alive, optional TLS. */
#ifndef TCEMU_HTTP_SERVER_H
#define TCEMU_HTTP_SERVER_H

#include "app.h"

struct http_server;

/* Starts listening on opts.bind:opts.port; *port gets the bound port.
 * Returns NULL (message printed) on failure. */
struct http_server *http_server_start(struct emu_app *app, int *port);
/* Stops accepting, closes connections and joins their threads. */
void http_server_stop(struct http_server *srv);

#endif
