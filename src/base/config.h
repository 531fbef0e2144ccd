/* Configuration from environment variables and an optional .env file.
 * Immutable after config_load(); shared read-only by every module. */
#ifndef PONGD_CONFIG_H
#define PONGD_CONFIG_H

#include <stddef.h>
#include <stdbool.h>

#define CONFIG_MAX_ORIGINS 16
#define CONFIG_MAX_IMAGE_HOSTS 8

typedef struct {
    int https_port;
    int http_port;              /* 0: no redirect listener */
    char bind_address[64];      /* "" = all interfaces */
    char tls_cert[512];         /* "" = generated under var_dir */
    char tls_key[512];
    char var_dir[512];
    char web_root[512];
    char allowed_origins[CONFIG_MAX_ORIGINS][256];
    int n_allowed_origins;      /* filled by config_origins_finish before the server starts */
    char public_origin[256];    /* PUBLIC_ORIGIN, e.g. https://pong.example.org (no slash); filled by config_origins_finish */
    size_t max_body_bytes;
    int worker_threads;
    int header_timeout_s;
    int ws_ping_interval_s;
    size_t ws_queue_max_bytes;
    int chat_rate;              /* chat messages/s per user, burst 2x; 0 = unlimited */
    int game_resume_s;          /* GAME_RESUME_SECONDS: a dropped player's time to come back */
    int game_invite_s;          /* GAME_INVITE_SECONDS: how long an invite to play stays open */
    int quickplay_winning_score;   /* QUICKPLAY_WINNING_SCORE: points that win a quick-play game */
    bool access_log;
    char database_url[1024];    /* postgres://... or a SQLite file path */
    char jwt_secret[80];        /* 64 hex digits, or "" = generated under var_dir */
    int hash_threads;           /* password-hashing pool */
    int hash_queue;             /* hashing jobs waiting at most; past it: 503 */
    char common_passwords[512]; /* file of refused common passwords */
    int auth_rate;              /* login/register attempts per minute per address and per account */
    int twofa_rate;             /* TWOFA_RATE: second-factor codes tried per minute per address and per account */
    int mail_rate;              /* MAIL_RATE: mailed links per hour per account and per address asked (burst the same) */
    double api_rate;            /* API_RATE "<per second>[,<burst>]": API requests per account; 0 = unlimited */
    int api_burst;              /*   the burst (default LIM_API_BURST_FACTOR x the rate); an address gets
                                 *   LIM_API_ADDR_FACTOR x both */
    char smtp_url[512];         /* SMTP_URL: smtp://host:port or smtps://…; "" = no mail (no email codes) */
    char smtp_from[256];        /* SMTP_FROM: the sender address of mails */
    /* Log in with 42 (docs/security.md, "Log in with 42"): off when the client id is "" */
    char oauth42_client_id[256];
    char oauth42_client_secret[256];
    char oauth42_authorize_url[512];   /* https:// only */
    char oauth42_token_url[512];
    char oauth42_userinfo_url[512];
    char oauth42_ca_file[512];         /* "" = the system's CAs only */
    char oauth42_image_hosts[CONFIG_MAX_IMAGE_HOSTS][128];   /* where a first login's avatar may come from */
    int oauth42_n_image_hosts;
    int oauth42_timeout_s;             /* OAUTH42_TIMEOUT: an outbound call's limit */
    /* availability (docs/security.md, "Availability (issue 16)") */
    long max_connections;       /* MAX_CONNECTIONS: 0 = the descriptor limit minus LIM_FD_RESERVE */
    long conn_per_address;      /* CONN_PER_ADDRESS: open connections of one address; 0 = no limit */
    long handshakes_per_address; /* HANDSHAKES_PER_ADDRESS: of those, before their first request head */
    int handshake_timeout_s;    /* HANDSHAKE_TIMEOUT: accept to complete first request head */
    long ws_per_address;        /* WS_PER_ADDRESS: open WebSockets of one address; 0 = no limit */
    long ws_per_account;        /* WS_PER_ACCOUNT: open WebSockets of one account; 0 = no limit */
    int shutdown_grace_s;       /* SHUTDOWN_GRACE: running requests' and jobs' time to finish at a stop */
} config_t;

/* Completes the origins once the served certificate is known (before anything reads cfg):
 * cert_origins are the https origins of the certificate's names on HTTPS_PORT (n of them,
 * may be 0). PUBLIC_ORIGIN unset: the first of them (none: https://localhost:<port>).
 * ALLOWED_ORIGINS unset: PUBLIC_ORIGIN when it was set, else every certificate origin (or
 * the public origin); set: kept, with the public origin added when missing and room is
 * left. */
void config_origins_finish(config_t *cfg, const char (*cert_origins)[256], int n);

/* Looks a variable up; returns NULL when unset. */
typedef const char *(*config_lookup_fn)(void *ctx, const char *name);

/* Fills cfg from lookup(). On an invalid value returns ERR_INVALID and writes a message
 * naming the variable into err (always NUL-terminated). */
int config_load(config_t *cfg, config_lookup_fn lookup, void *ctx, char *err, size_t errlen);

/* A .env file parsed into name/value pairs (KEY=VALUE lines, '#' comments, optional
 * "export ", single or double quotes). Owns its strings. */
typedef struct { char **names, **values; size_t n; } config_env_t;
/* Parses text of length len. ERR_INVALID with line number in err on a malformed line. */
int config_env_parse(config_env_t *env, const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a file; a missing file is not an error (empty result). */
int config_env_read(config_env_t *env, const char *path, char *err, size_t errlen);
const char *config_env_get(const config_env_t *env, const char *name);
void config_env_free(config_env_t *env);

/* Lookup that consults the process environment first, then the parsed .env (ctx). */
const char *config_lookup_env_then_file(void *ctx, const char *name);

/* Writes the --help text (every variable, its default and meaning). */
void config_print_help(void *stream);

#endif
