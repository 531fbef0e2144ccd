/* mail — outbound mail through libcurl's SMTP client. Blocking: worker threads only (the
 * general pool), never the loop. One message per call, one connection per message: the mails
 * sent here are rare (second-factor codes) and must not wait behind one another.
 *
 * The URL is the configuration's SMTP_URL: smtp://host:port upgrades with STARTTLS when the
 * server offers it, smtp+starttls://host:port requires STARTTLS (the mail is not sent in
 * clear), smtps://host:port speaks TLS from the start; user:password@ logs in. Certificates
 * are always verified (the system's CAs). */
#ifndef PONGD_MAIL_H
#define PONGD_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#define MAIL_TIMEOUT_S 20          /* the whole exchange */
#define MAIL_CONNECT_TIMEOUT_S 10
#define MAIL_BODY_MAX 4096

/* libcurl's global initialisation: once at start, before threads. false on failure. */
bool mail_init(void);
void mail_cleanup(void);

/* Sends a text/plain UTF-8 mail. `to` and `from` must be plain addresses (checked: no spaces,
 * controls, <, >), the subject a line without CR/LF, the body at most MAIL_BODY_MAX bytes.
 * ERR_OK; ERR_INVALID for refused arguments; ERR_IO with a reason in err (never the URL,
 * which may hold a password) when the server cannot be reached or refuses the mail. */
int mail_send(const char *url, const char *from, const char *to, const char *subject, const char *body, char *err, size_t errlen);

#endif
