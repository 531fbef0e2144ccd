/* A self-signed certificate for first starts without TLS_CERT/TLS_KEY. */
#ifndef PONGD_TLSGEN_H
#define PONGD_TLSGEN_H

#include <stddef.h>

/* Makes sure <var_dir>/tls/cert.pem and key.pem exist: reuses them when both are there,
 * otherwise generates an ECDSA P-256 key (written with mode 0600) and a certificate for
 * localhost, 127.0.0.1 and ::1 valid for 397 days (browsers accept at most
 * 398, counted from notBefore, an hour back). Paths go to cert/key. ERR_IO with a
 * message in err. Runs once before the loop starts. */
int tlsgen_ensure(const char *var_dir, char *cert, size_t cert_cap, char *key, size_t key_cap, int *generated,
                  char *err, size_t errlen);

/* The https origins a certificate is valid for, on port (443: no port in the origin): each
 * DNS name (wildcards skipped) and IP address of its subjectAltName in order, else its
 * common name; at most cap of them into out. The number written; 0 when the file cannot be
 * read or names nothing usable. */
int tlsgen_cert_origins(const char *cert_path, int port, char (*out)[256], int cap);

#endif
