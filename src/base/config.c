#include "config.h"
#include "pongd_limits.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *name, *def, *help;
} var_doc_t;

static const var_doc_t VARS[] = {
    { "HTTPS_PORT", "4443", "HTTPS and WSS port" },
    { "HTTP_PORT", "4444", "plain-HTTP port that only redirects to HTTPS (0 disables it)" },
    { "BIND_ADDRESS", "(all)", "address to listen on, e.g. 127.0.0.1" },
    { "TLS_CERT", "(generated)", "PEM certificate chain; unset: self-signed, kept in $VAR_DIR/tls/" },
    { "TLS_KEY", "(generated)", "PEM private key for TLS_CERT (set both or neither)" },
    { "VAR_DIR", "var", "directory for runtime data (certificate, later the database)" },
    { "WEB_ROOT", "web/dist", "built single-page app, served as static files" },
    { "PUBLIC_ORIGIN", "(certificate's names)", "the site's public origin (https://host[:port]) for links in mails and OAuth; unset: https://<first name of the certificate>:HTTPS_PORT" },
    { "ALLOWED_ORIGINS", "(public origins)", "comma-separated origins allowed to open WebSockets and use cookies; unset: PUBLIC_ORIGIN, or every name of the certificate on HTTPS_PORT" },
    { "MAX_BODY_BYTES", "6291456", "largest request body in bytes (larger: 413); JSON endpoints take far less" },
    { "WORKER_THREADS", "4", "threads in the worker pool (1-64)" },
    { "HEADER_TIMEOUT", "10", "seconds allowed for a complete request head (1-300)" },
    { "WS_PING_INTERVAL", "30", "seconds between WebSocket pings (1-3600)" },
    { "WS_QUEUE_MAX_BYTES", "1048576", "output queue limit per WebSocket (slower readers: close 1008)" },
    { "CHAT_RATE", "5", "chat messages per second per user over all sockets and the API, burst 2x (0: unlimited)" },
    { "ACCESS_LOG", "1", "1 logs each request and WebSocket to stdout, 0 does not" },
    { "DATABASE_URL", "$VAR_DIR/pongd.sqlite3", "postgres://user:pass@host:port/db for PostgreSQL, else a SQLite file" },
    { "JWT_SECRET", "(generated)", "64 hex digits signing access tokens; unset: generated, kept in $VAR_DIR/jwt.key" },
    { "HASH_THREADS", "2", "threads hashing passwords (Argon2id, 1-16)" },
    { "HASH_QUEUE", "64", "hashing jobs that may wait; past it logins get 503 + Retry-After (1-10000)" },
    { "COMMON_PASSWORDS", "data/common-passwords.txt", "list of passwords refused as too common" },
    { "AUTH_RATE", "10", "login and registration attempts per minute, per address and per account (1-10000)" },
    { "TWOFA_RATE", "5", "second-factor codes tried per minute, per address and per account, burst 2x (1-10000)" },
    { "MAIL_RATE", "5", "mailed links (address confirmation, password reset) per hour per account and per address asked, burst the same (1-10000)" },
    { "API_RATE", "20,400", "API requests a second per account (decimals allowed), and a burst: \"rate,burst\" (default burst 20 s of the rate); an address gets 4x both; 0 disables the limit" },
    { "SMTP_URL", "(none)", "mail server for emailed codes: smtp://host:port (STARTTLS if offered; smtp+starttls:// requires it) or smtps://host:port; user:pass@ allowed" },
    { "SMTP_FROM", "(none)", "sender address of mails (required with SMTP_URL)" },
    { "OAUTH42_CLIENT_ID", "(none)", "Log in with 42: the application's client id (unset: the feature is off)" },
    { "OAUTH42_CLIENT_SECRET", "(none)", "Log in with 42: the application's secret (required with OAUTH42_CLIENT_ID)" },
    { "OAUTH42_AUTHORIZE_URL", "https://api.intra.42.fr/oauth/authorize", "Log in with 42: the provider's authorize page" },
    { "OAUTH42_TOKEN_URL", "https://api.intra.42.fr/oauth/token", "Log in with 42: the provider's token endpoint" },
    { "OAUTH42_USERINFO_URL", "https://api.intra.42.fr/v2/me", "Log in with 42: the provider's user-info endpoint" },
    { "OAUTH42_CA_FILE", "(system)", "Log in with 42: an extra PEM CA bundle trusted for the provider (tests); verification is never off" },
    { "OAUTH42_IMAGE_HOSTS", "(URL hosts + cdn.intra.42.fr)", "Log in with 42: comma-separated hosts a first login's avatar may be fetched from" },
    { "OAUTH42_TIMEOUT", "10", "Log in with 42: seconds an outbound call to the provider may take (1-60)" },
    { "GAME_RESUME_SECONDS", "30", "seconds a remote player has to reconnect before forfeiting (1-600)" },
    { "GAME_INVITE_SECONDS", "300", "seconds an invite to play stays open (10-86400)" },
    { "QUICKPLAY_WINNING_SCORE", "5", "points that win a quick-play game (1-21; the classic preset's 5)" },
    { "MAX_CONNECTIONS", "(auto)", "open connections at most (0: the descriptor limit minus 64 kept for files, logs and the database)" },
    { "CONN_PER_ADDRESS", "512", "open connections of one client address (0: no limit; at most half of MAX_CONNECTIONS)" },
    { "HANDSHAKES_PER_ADDRESS", "64", "connections of one address still in TLS handshake or first request head (0: no limit)" },
    { "HANDSHAKE_TIMEOUT", "5", "seconds from accept to a complete first request head (TLS handshake included; 1-300)" },
    { "WS_PER_ADDRESS", "256", "open WebSockets of one client address; past it close 4008 (0: no limit)" },
    { "WS_PER_ACCOUNT", "32", "open WebSockets of one account; past it close 4008 (0: no limit)" },
    { "SHUTDOWN_GRACE", "10", "seconds SIGTERM/SIGINT waits for running requests and jobs before exiting (0-300)" },
    { "ENV_FILE", ".env", "file read for variables not set in the environment" },
};

static bool origin_listed(const config_t *cfg, const char *o) {
    for (int i = 0; i < cfg->n_allowed_origins; i++)
        if (strcmp(cfg->allowed_origins[i], o) == 0) return true;
    return false;
}

static void origin_add(config_t *cfg, const char *o) {
    if (cfg->n_allowed_origins < CONFIG_MAX_ORIGINS && !origin_listed(cfg, o))
        snprintf(cfg->allowed_origins[cfg->n_allowed_origins++], sizeof cfg->allowed_origins[0], "%s", o);
}

void config_origins_finish(config_t *cfg, const char (*cert_origins)[256], int n) {
    bool pub_set = cfg->public_origin[0] != '\0';
    if (!pub_set) {
        if (n > 0) snprintf(cfg->public_origin, sizeof cfg->public_origin, "%s", cert_origins[0]);
        else if (cfg->https_port == 443) snprintf(cfg->public_origin, sizeof cfg->public_origin, "https://localhost");
        else snprintf(cfg->public_origin, sizeof cfg->public_origin, "https://localhost:%d", cfg->https_port);
    }
    if (cfg->n_allowed_origins == 0 && !pub_set)
        for (int i = 0; i < n; i++) origin_add(cfg, cert_origins[i]);
    origin_add(cfg, cfg->public_origin);
}

void config_print_help(void *stream) {
    FILE *f = stream;
    fprintf(f,
            "Usage: pongd [--help] [--version]\n"
            "       pongd admin grant|revoke <username> | pongd admin list (see the end)\n"
            "       pongd backup FILE   (a copy of the SQLite database while pongd runs; --help)\n\n"
            "Transcendence server: the single-page app, its API and live chat over HTTPS/WSS.\n"
            "Configured by environment variables, or by a .env file for those not set:\n\n");
    for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; i++)
        fprintf(f, "  %-20s %-14s %s\n", VARS[i].name, VARS[i].def, VARS[i].help);
    fprintf(f, "\nAn invalid value stops the start with a message naming the variable (exit code 2).\n");
}

static int fail(char *err, size_t errlen, const char *name, const char *why, const char *val) {
    snprintf(err, errlen, "%s: %s (got '%.80s')", name, why, val);
    return ERR_INVALID;
}

static int get_long(config_lookup_fn lookup, void *ctx, const char *name, long def, long lo, long hi,
                    long *out, char *err, size_t errlen) {
    const char *v = lookup(ctx, name);
    if (!v || !*v) { *out = def; return 0; }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || !isdigit((unsigned char)v[0])) {
        char why[96];
        snprintf(why, sizeof why, "expected a whole number from %ld to %ld", lo, hi);
        return fail(err, errlen, name, why, v);
    }
    if (n < lo || n > hi) {
        char why[96];
        snprintf(why, sizeof why, "must be from %ld to %ld", lo, hi);
        return fail(err, errlen, name, why, v);
    }
    *out = n;
    return 0;
}

static int get_str(config_lookup_fn lookup, void *ctx, const char *name, const char *def, char *out,
                   size_t cap, char *err, size_t errlen) {
    const char *v = lookup(ctx, name);
    if (!v) v = def;
    if (strlen(v) >= cap) return fail(err, errlen, name, "too long", v);
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

/* API_RATE: "<rate>" or "<rate>,<burst>": a rate a second from 0 (no limit) to LIM_API_RATE_MAX, decimals
 * allowed; a whole burst from 1 to LIM_API_BURST_MAX, not below the rate (default: LIM_API_BURST_FACTOR
 * seconds of the rate). */
static int get_rate(config_lookup_fn lookup, void *ctx, const char *name, config_t *cfg, char *err, size_t errlen) {
    const char *v = lookup(ctx, name);
    cfg->api_rate = LIM_API_RATE_DEFAULT;
    cfg->api_burst = LIM_API_RATE_DEFAULT * LIM_API_BURST_FACTOR;
    if (!v || !*v) return 0;
    char *end = NULL;
    errno = 0;
    double rate = isdigit((unsigned char)v[0]) ? strtod(v, &end) : -1;
    long burst = 0;
    bool ok = rate >= 0 && !errno && rate <= LIM_API_RATE_MAX;
    if (ok && *end == ',') {
        const char *b = end + 1;
        burst = isdigit((unsigned char)b[0]) ? strtol(b, &end, 10) : -1;
        ok = !errno && burst >= 1 && (double)burst >= rate && burst <= LIM_API_BURST_MAX && *end == '\0';
    } else if (ok) {
        double d = rate * LIM_API_BURST_FACTOR;
        burst = d < 1 ? 1 : d > LIM_API_BURST_MAX ? LIM_API_BURST_MAX : (long)d;
        ok = *end == '\0';
    }
    if (!ok) {
        char why[192];
        snprintf(why, sizeof why, "expected <requests a second>[,<burst>]: a rate from 0 (no limit) to %d, a whole burst from 1 and "
                 "the rate to %d", LIM_API_RATE_MAX, LIM_API_BURST_MAX);
        return fail(err, errlen, name, why, v);
    }
    cfg->api_rate = rate;
    cfg->api_burst = rate > 0 ? (int)burst : 0;
    return 0;
}

/* scheme://host[:port], no path, query or userinfo. */
static bool origin_valid(const char *o, size_t n) {
    const char *rest;
    if (n > 8 && strncmp(o, "https://", 8) == 0) rest = o + 8;
    else if (n > 7 && strncmp(o, "http://", 7) == 0) rest = o + 7;
    else return false;
    size_t rn = n - (size_t)(rest - o);
    if (rn == 0) return false;
    for (size_t i = 0; i < rn; i++) {
        unsigned char c = (unsigned char)rest[i];
        if (!(isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']')) return false;
    }
    return true;
}

/* The host of an https:// URL into out ("" when it is not one). */
static void url_host(const char *url, char *out, size_t cap) {
    out[0] = 0;
    if (strncmp(url, "https://", 8) != 0) return;
    const char *h = url + 8, *e = h + strcspn(h, ":/?#");
    if (strchr(h, '@') && strchr(h, '@') < e) return;   /* no userinfo */
    if ((size_t)(e - h) < cap) snprintf(out, cap, "%.*s", (int)(e - h), h);
}

static int add_image_host(config_t *cfg, const char *h, size_t n) {
    if (n == 0) return 0;
    for (int i = 0; i < cfg->oauth42_n_image_hosts; i++)
        if (strlen(cfg->oauth42_image_hosts[i]) == n && strncasecmp(cfg->oauth42_image_hosts[i], h, n) == 0) return 0;
    if (cfg->oauth42_n_image_hosts >= CONFIG_MAX_IMAGE_HOSTS || n >= sizeof cfg->oauth42_image_hosts[0]) return ERR_INVALID;
    snprintf(cfg->oauth42_image_hosts[cfg->oauth42_n_image_hosts++], sizeof cfg->oauth42_image_hosts[0], "%.*s", (int)n, h);
    return 0;
}

/* The OAUTH42_* variables: off without a client id; https URLs only. */
static int oauth42_load(config_t *cfg, config_lookup_fn lookup, void *ctx, char *err, size_t errlen) {
    char hosts[1024];
    if (get_str(lookup, ctx, "OAUTH42_CLIENT_ID", "", cfg->oauth42_client_id, sizeof cfg->oauth42_client_id, err, errlen) < 0 ||
        get_str(lookup, ctx, "OAUTH42_CLIENT_SECRET", "", cfg->oauth42_client_secret, sizeof cfg->oauth42_client_secret, err, errlen) < 0 ||
        get_str(lookup, ctx, "OAUTH42_AUTHORIZE_URL", "https://api.intra.42.fr/oauth/authorize", cfg->oauth42_authorize_url,
                sizeof cfg->oauth42_authorize_url, err, errlen) < 0 ||
        get_str(lookup, ctx, "OAUTH42_TOKEN_URL", "https://api.intra.42.fr/oauth/token", cfg->oauth42_token_url,
                sizeof cfg->oauth42_token_url, err, errlen) < 0 ||
        get_str(lookup, ctx, "OAUTH42_USERINFO_URL", "https://api.intra.42.fr/v2/me", cfg->oauth42_userinfo_url,
                sizeof cfg->oauth42_userinfo_url, err, errlen) < 0 ||
        get_str(lookup, ctx, "OAUTH42_CA_FILE", "", cfg->oauth42_ca_file, sizeof cfg->oauth42_ca_file, err, errlen) < 0 ||
        get_str(lookup, ctx, "OAUTH42_IMAGE_HOSTS", "", hosts, sizeof hosts, err, errlen) < 0)
        return ERR_INVALID;
    for (const char *p = cfg->oauth42_client_id; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '&' || *p == '#' || *p == '%' || *p == '+')
            return fail(err, errlen, "OAUTH42_CLIENT_ID", "expected printable ASCII without spaces, &, #, % or +", cfg->oauth42_client_id);
    if (cfg->oauth42_client_id[0] && !cfg->oauth42_client_secret[0])
        return fail(err, errlen, "OAUTH42_CLIENT_SECRET", "required with OAUTH42_CLIENT_ID", "");
    const struct { const char *name, *val; } urls[] = { { "OAUTH42_AUTHORIZE_URL", cfg->oauth42_authorize_url },
                                                        { "OAUTH42_TOKEN_URL", cfg->oauth42_token_url },
                                                        { "OAUTH42_USERINFO_URL", cfg->oauth42_userinfo_url } };
    char h[256];
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        url_host(urls[i].val, h, sizeof h);
        if (!h[0] || strpbrk(urls[i].val, " \t\r\n\"<>"))
            return fail(err, errlen, urls[i].name, "expected an https:// URL", urls[i].val);
        if (!hosts[0]) add_image_host(cfg, h, strlen(h));
    }
    if (!hosts[0]) add_image_host(cfg, "cdn.intra.42.fr", 15);
    for (const char *p = hosts; *p;) {
        size_t n = strcspn(p, ",");
        while (n > 0 && *p == ' ') p++, n--;
        size_t m = n;
        while (m > 0 && p[m - 1] == ' ') m--;
        for (size_t i = 0; i < m; i++)
            if (!(isalnum((unsigned char)p[i]) || p[i] == '.' || p[i] == '-'))
                return fail(err, errlen, "OAUTH42_IMAGE_HOSTS", "expected comma-separated host names", hosts);
        if (add_image_host(cfg, p, m) != 0) return fail(err, errlen, "OAUTH42_IMAGE_HOSTS", "too many or too long", hosts);
        p += n;
        if (*p == ',') p++;
    }
    return 0;
}

int config_load(config_t *cfg, config_lookup_fn lookup, void *ctx, char *err, size_t errlen) {
    long n;
    memset(cfg, 0, sizeof *cfg);
    err[0] = '\0';
#define LONG(var, def, lo, hi, field)                                                   \
    do {                                                                                \
        if (get_long(lookup, ctx, var, def, lo, hi, &n, err, errlen) < 0) return ERR_INVALID; \
        cfg->field = n;                                                                 \
    } while (0)
    LONG("HTTPS_PORT", 4443, 1, 65535, https_port);
    LONG("HTTP_PORT", 4444, 0, 65535, http_port);
    LONG("MAX_BODY_BYTES", LIM_HTTP_BODY_DEFAULT, 0, LIM_HTTP_BODY_MAX, max_body_bytes);
    LONG("WORKER_THREADS", LIM_POOL_THREADS_DEFAULT, 1, LIM_POOL_THREADS_MAX, worker_threads);
    LONG("HEADER_TIMEOUT", LIM_HTTP_HEADER_TIMEOUT_S, 1, 300, header_timeout_s);
    LONG("WS_PING_INTERVAL", LIM_WS_PING_DEFAULT_S, 1, 3600, ws_ping_interval_s);
    LONG("WS_QUEUE_MAX_BYTES", LIM_WS_QUEUE_DEFAULT, 4096, 1073741824L, ws_queue_max_bytes);
    LONG("CHAT_RATE", LIM_CHAT_RATE_DEFAULT, 0, 100000, chat_rate);
    LONG("ACCESS_LOG", 1, 0, 1, access_log);
    LONG("HASH_THREADS", 2, 1, 16, hash_threads);
    LONG("HASH_QUEUE", 64, 1, 10000, hash_queue);
    LONG("AUTH_RATE", 10, 1, 10000, auth_rate);
    LONG("TWOFA_RATE", 5, 1, 10000, twofa_rate);
    LONG("MAIL_RATE", 5, 1, 10000, mail_rate);
    if (get_rate(lookup, ctx, "API_RATE", cfg, err, errlen) < 0) return ERR_INVALID;
    LONG("GAME_RESUME_SECONDS", LIM_GAME_RESUME_DEFAULT_S, 1, 600, game_resume_s);
    LONG("GAME_INVITE_SECONDS", LIM_GAME_INVITE_DEFAULT_S, 10, 86400, game_invite_s);
    LONG("QUICKPLAY_WINNING_SCORE", 5, 1, 21, quickplay_winning_score);
    LONG("OAUTH42_TIMEOUT", 10, 1, 60, oauth42_timeout_s);
    LONG("MAX_CONNECTIONS", 0, 0, 10000000L, max_connections);
    LONG("CONN_PER_ADDRESS", LIM_CONN_PER_ADDRESS_DEFAULT, 0, 10000000L, conn_per_address);
    LONG("HANDSHAKES_PER_ADDRESS", LIM_HANDSHAKES_PER_ADDRESS_DEFAULT, 0, 10000000L, handshakes_per_address);
    LONG("HANDSHAKE_TIMEOUT", LIM_HANDSHAKE_TIMEOUT_DEFAULT_S, 1, 300, handshake_timeout_s);
    LONG("WS_PER_ADDRESS", LIM_WS_PER_ADDRESS_DEFAULT, 0, 10000000L, ws_per_address);
    LONG("WS_PER_ACCOUNT", LIM_WS_PER_ACCOUNT_DEFAULT, 0, 10000000L, ws_per_account);
    LONG("SHUTDOWN_GRACE", LIM_SHUTDOWN_GRACE_DEFAULT_S, 0, 300, shutdown_grace_s);
#undef LONG
    if (cfg->http_port == cfg->https_port)
        return fail(err, errlen, "HTTP_PORT", "must differ from HTTPS_PORT", lookup(ctx, "HTTP_PORT") ? lookup(ctx, "HTTP_PORT") : "4444");

    if (get_str(lookup, ctx, "BIND_ADDRESS", "", cfg->bind_address, sizeof cfg->bind_address, err, errlen) < 0 ||
        get_str(lookup, ctx, "TLS_CERT", "", cfg->tls_cert, sizeof cfg->tls_cert, err, errlen) < 0 ||
        get_str(lookup, ctx, "TLS_KEY", "", cfg->tls_key, sizeof cfg->tls_key, err, errlen) < 0 ||
        get_str(lookup, ctx, "VAR_DIR", "var", cfg->var_dir, sizeof cfg->var_dir, err, errlen) < 0 ||
        get_str(lookup, ctx, "WEB_ROOT", "web/dist", cfg->web_root, sizeof cfg->web_root, err, errlen) < 0 ||
        get_str(lookup, ctx, "DATABASE_URL", "", cfg->database_url, sizeof cfg->database_url, err, errlen) < 0 ||
        get_str(lookup, ctx, "JWT_SECRET", "", cfg->jwt_secret, sizeof cfg->jwt_secret, err, errlen) < 0 ||
        get_str(lookup, ctx, "COMMON_PASSWORDS", "data/common-passwords.txt", cfg->common_passwords,
                sizeof cfg->common_passwords, err, errlen) < 0 ||
        get_str(lookup, ctx, "SMTP_URL", "", cfg->smtp_url, sizeof cfg->smtp_url, err, errlen) < 0 ||
        get_str(lookup, ctx, "SMTP_FROM", "", cfg->smtp_from, sizeof cfg->smtp_from, err, errlen) < 0)
        return ERR_INVALID;
    if (oauth42_load(cfg, lookup, ctx, err, errlen) != 0) return ERR_INVALID;
    if (cfg->smtp_url[0] && strncmp(cfg->smtp_url, "smtp://", 7) != 0 && strncmp(cfg->smtp_url, "smtps://", 8) != 0 &&
        strncmp(cfg->smtp_url, "smtp+starttls://", 16) != 0)
        return fail(err, errlen, "SMTP_URL", "expected smtp://, smtp+starttls:// or smtps://", "(hidden)");
    if (cfg->smtp_url[0] && !cfg->smtp_from[0]) return fail(err, errlen, "SMTP_FROM", "required with SMTP_URL", "");
    for (const char *p = cfg->smtp_from; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == '<' || *p == '>' || *p == 0x7f)
            return fail(err, errlen, "SMTP_FROM", "expected a plain address (no spaces, <, > or control characters)", cfg->smtp_from);
    if (!cfg->database_url[0] &&
        snprintf(cfg->database_url, sizeof cfg->database_url, "%s/pongd.sqlite3", cfg->var_dir) >= (int)sizeof cfg->database_url)
        return fail(err, errlen, "VAR_DIR", "too long", cfg->var_dir);
    if (cfg->jwt_secret[0]) {
        size_t len = strlen(cfg->jwt_secret);
        bool hex = len == 64;
        for (size_t i = 0; hex && i < len; i++) hex = isxdigit((unsigned char)cfg->jwt_secret[i]) != 0;
        if (!hex) return fail(err, errlen, "JWT_SECRET", "expected 64 hex digits (32 random bytes)", "(hidden)");
    }
    unsigned char addr[sizeof(struct in6_addr)];
    if (cfg->bind_address[0] && inet_pton(AF_INET, cfg->bind_address, addr) != 1 &&
        inet_pton(AF_INET6, cfg->bind_address, addr) != 1)
        return fail(err, errlen, "BIND_ADDRESS", "expected an IPv4 or IPv6 address", cfg->bind_address);
    if (!cfg->var_dir[0]) return fail(err, errlen, "VAR_DIR", "must not be empty", "");
    if (!cfg->web_root[0]) return fail(err, errlen, "WEB_ROOT", "must not be empty", "");
    if (!cfg->tls_cert[0] != !cfg->tls_key[0])
        return fail(err, errlen, cfg->tls_cert[0] ? "TLS_KEY" : "TLS_CERT",
                    "TLS_CERT and TLS_KEY must be set together", cfg->tls_cert[0] ? cfg->tls_cert : cfg->tls_key);

    const char *pub = lookup(ctx, "PUBLIC_ORIGIN");
    if (pub && *pub) {
        size_t len = strlen(pub);
        if (len && pub[len - 1] == '/') len--; /* tolerate a trailing slash */
        if (len >= sizeof cfg->public_origin || strncmp(pub, "https://", 8) != 0 || !origin_valid(pub, len))
            return fail(err, errlen, "PUBLIC_ORIGIN", "expected an https origin like https://pong.example.org", pub);
        memcpy(cfg->public_origin, pub, len);
        cfg->public_origin[len] = '\0';
    }

    const char *origins = lookup(ctx, "ALLOWED_ORIGINS");
    if (origins && *origins) {
        const char *p = origins;
        while (*p) {
            while (*p == ' ' || *p == ',') p++;
            if (!*p) break;
            const char *q = p;
            while (*q && *q != ',' && *q != ' ') q++;
            size_t len = (size_t)(q - p);
            while (len && p[len - 1] == '/') len--; /* tolerate a trailing slash */
            if (cfg->n_allowed_origins == CONFIG_MAX_ORIGINS)
                return fail(err, errlen, "ALLOWED_ORIGINS", "at most 16 origins", origins);
            if (len >= sizeof cfg->allowed_origins[0] || !origin_valid(p, len))
                return fail(err, errlen, "ALLOWED_ORIGINS",
                            "expected comma-separated origins like https://example.com:4443", origins);
            memcpy(cfg->allowed_origins[cfg->n_allowed_origins], p, len);
            cfg->allowed_origins[cfg->n_allowed_origins++][len] = '\0';
            p = q;
        }
    }
    return 0;
}

/* ---- .env files ---- */

static void env_add(config_env_t *env, const char *name, size_t nlen, const char *val, size_t vlen) {
    for (size_t i = 0; i < env->n; i++)
        if (strlen(env->names[i]) == nlen && memcmp(env->names[i], name, nlen) == 0) {
            free(env->values[i]);
            env->values[i] = xstrndup(val, vlen);
            return;
        }
    env->names = xrealloc(env->names, (env->n + 1) * sizeof *env->names);
    env->values = xrealloc(env->values, (env->n + 1) * sizeof *env->values);
    env->names[env->n] = xstrndup(name, nlen);
    env->values[env->n] = xstrndup(val, vlen);
    env->n++;
}

int config_env_parse(config_env_t *env, const char *text, size_t len, char *err, size_t errlen) {
    memset(env, 0, sizeof *env);
    size_t line = 0, i = 0;
    while (i < len) {
        line++;
        size_t end = i;
        while (end < len && text[end] != '\n') end++;
        const char *s = text + i, *e = text + end;
        i = end + 1;
        while (s < e && (*s == ' ' || *s == '\t')) s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
        if (s == e || *s == '#') continue;
        if ((size_t)(e - s) > 7 && strncmp(s, "export ", 7) == 0) s += 7;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        const char *ne = eq;
        while (ne && ne > s && (ne[-1] == ' ' || ne[-1] == '\t')) ne--;
        bool ok = eq && ne > s && (isalpha((unsigned char)*s) || *s == '_');
        for (const char *p = s; ok && p < ne; p++)
            if (!(isalnum((unsigned char)*p) || *p == '_')) ok = false;
        if (!ok) {
            snprintf(err, errlen, "line %zu: expected NAME=value", line);
            config_env_free(env);
            return ERR_INVALID;
        }
        const char *v = eq + 1;
        while (v < e && (*v == ' ' || *v == '\t')) v++;
        if (e - v >= 2 && (*v == '"' || *v == '\'') && e[-1] == *v) { v++; e--; }
        else if (v < e && (*v == '"' || *v == '\'')) {
            snprintf(err, errlen, "line %zu: unterminated quote", line);
            config_env_free(env);
            return ERR_INVALID;
        }
        env_add(env, s, (size_t)(ne - s), v, (size_t)(e - v));
    }
    return 0;
}

int config_env_read(config_env_t *env, const char *path, char *err, size_t errlen) {
    memset(env, 0, sizeof *env);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ERR_IO;
    }
    buf_t b;
    buf_init(&b, 1 << 20);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) < 0) { rc = ERR_LIMIT; break; }
    fclose(f);
    if (rc < 0) {
        snprintf(err, errlen, "%s: larger than 1 MiB", path);
        buf_free(&b);
        return rc;
    }
    char perr[128];
    rc = config_env_parse(env, b.ptr ? b.ptr : "", b.len, perr, sizeof perr);
    if (rc < 0) snprintf(err, errlen, "%s: %s", path, perr);
    buf_free(&b);
    return rc;
}

const char *config_env_get(const config_env_t *env, const char *name) {
    for (size_t i = 0; env && i < env->n; i++)
        if (strcmp(env->names[i], name) == 0) return env->values[i];
    return NULL;
}

void config_env_free(config_env_t *env) {
    for (size_t i = 0; i < env->n; i++) { free(env->names[i]); free(env->values[i]); }
    free(env->names);
    free(env->values);
    memset(env, 0, sizeof *env);
}

const char *config_lookup_env_then_file(void *ctx, const char *name) {
    const char *v = getenv(name);
    return v ? v : config_env_get(ctx, name);
}
