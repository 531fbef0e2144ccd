/* Shadows net/server.h (the transport's start/stop API) for every folder but net/ and the
 * composition root: handlers see only http.h and ws.h. */
#error "layering: server.h is not for this folder (only net/ and the composition root start the transport)"
