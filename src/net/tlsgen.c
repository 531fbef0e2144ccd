#include "tlsgen.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_pem(const char *path, int mode, int (*emit)(FILE *, void *), void *obj) {
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return ERR_IO;
    fchmod(fd, (mode_t)mode);
    FILE *f = fdopen(fd, "w");
    if (!f) { close(fd); return ERR_IO; }
    int ok = emit(f, obj);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) ok = 0;
    fclose(f);
    if (!ok || rename(tmp, path) != 0) { unlink(tmp); return ERR_IO; }
    return 0;
}

static int emit_key(FILE *f, void *k) { return PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL); }
static int emit_cert(FILE *f, void *x) { return PEM_write_X509(f, x); }

static int add_ext(X509 *x, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!e) return 0;
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

int tlsgen_ensure(const char *var_dir, char *cert, size_t cert_cap, char *key, size_t key_cap, int *generated,
                  char *err, size_t errlen) {
    char dir[600];
    *generated = 0;
    snprintf(dir, sizeof dir, "%s/tls", var_dir);
    snprintf(cert, cert_cap, "%s/cert.pem", dir);
    snprintf(key, key_cap, "%s/key.pem", dir);
    if (access(cert, R_OK) == 0 && access(key, R_OK) == 0) {
        chmod(key, 0600);
        return 0;
    }
    if (mkdir(var_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "VAR_DIR %s: %s", var_dir, strerror(errno));
        return ERR_IO;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return ERR_IO;
    }
    int rc = ERR_IO;
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    if (!pkey || !x) goto out;
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    /* browsers take at most 398 days (CA/Browser Forum), notBefore included */
    X509_gmtime_adj(X509_getm_notAfter(x), 397L * 24 * 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Transcendence (self-signed)", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(x, name);
    if (!add_ext(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
        !add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(x, NID_ext_key_usage, "serverAuth"))
        goto out;
    if (!X509_sign(x, pkey, EVP_sha256())) goto out;
    if (write_pem(key, 0600, emit_key, pkey) < 0 || write_pem(cert, 0644, emit_cert, x) < 0) {
        snprintf(err, errlen, "could not write %s: %s", dir, strerror(errno));
        unlink(key);
        goto out_msg;
    }
    *generated = 1;
    rc = 0;
out:
    if (rc < 0) snprintf(err, errlen, "could not generate a self-signed certificate");
out_msg:
    X509_free(x);
    EVP_PKEY_free(pkey);
    return rc;
}

static void origin_put(char (*out)[256], int *n, int cap, const char *host, bool ipv6, int port) {
    if (*n >= cap || !host[0] || strchr(host, '*')) return;
    char o[256];
    int w = port == 443 ? snprintf(o, sizeof o, "https://%s%s%s", ipv6 ? "[" : "", host, ipv6 ? "]" : "")
                        : snprintf(o, sizeof o, "https://%s%s%s:%d", ipv6 ? "[" : "", host, ipv6 ? "]" : "", port);
    if (w < 0 || (size_t)w >= sizeof o) return;
    for (int i = 0; i < *n; i++)
        if (strcmp(out[i], o) == 0) return;
    memcpy(out[(*n)++], o, (size_t)w + 1);
}

int tlsgen_cert_origins(const char *cert_path, int port, char (*out)[256], int cap) {
    FILE *f = fopen(cert_path, "r");
    if (!f) return 0;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x) return 0;
    int n = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        char host[INET6_ADDRSTRLEN + 1] = "";
        if (g->type == GEN_DNS) {
            const ASN1_IA5STRING *s = g->d.dNSName;
            if (s->length <= 0 || (size_t)s->length >= 200 || memchr(s->data, '\0', (size_t)s->length)) continue;
            char dns[200];
            memcpy(dns, s->data, (size_t)s->length);
            dns[s->length] = '\0';
            origin_put(out, &n, cap, dns, false, port);
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *ip = g->d.iPAddress;
            if (ip->length == 4 && inet_ntop(AF_INET, ip->data, host, sizeof host)) origin_put(out, &n, cap, host, false, port);
            else if (ip->length == 16 && inet_ntop(AF_INET6, ip->data, host, sizeof host)) origin_put(out, &n, cap, host, true, port);
        }
    }
    GENERAL_NAMES_free(names);
    if (n == 0) {
        char cn[200];
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn) > 0 && !strpbrk(cn, " /:"))
            origin_put(out, &n, cap, cn, false, port);
    }
    X509_free(x);
    return n;
}
