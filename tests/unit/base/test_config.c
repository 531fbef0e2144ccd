/* config: defaults, each variable, refusals naming the variable, .env parsing, lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pongd_limits.h"
#include "util.h"

/* A lookup backed by a NULL-terminated table of name/value pairs. */
typedef struct { const char *name, *value; } kv_t;

static const char *table_lookup(void *ctx, const char *name) {
    for (const kv_t *kv = ctx; kv && kv->name; kv++)
        if (strcmp(kv->name, name) == 0) return kv->value;
    return NULL;
}

static int load(config_t *cfg, const kv_t *table, char *err, size_t errlen) {
    memset(err, 'x', errlen); /* prove the message is terminated */
    return config_load(cfg, table_lookup, (void *)table, err, errlen);
}

/* The single variable name=value is refused with a message naming name. */
static void refuse1(const char *name, const char *value, const char *named) {
    kv_t t[] = { { name, value }, { NULL, NULL } };
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, t, err, sizeof err), ERR_INVALID);
    assert_non_null(memchr(err, '\0', sizeof err));
    if (!strstr(err, named)) fail_msg("%s=%s: message '%s' does not name %s", name, value, err, named);
}

static void test_defaults(void **state) {
    (void)state;
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, NULL, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_int_equal(cfg.https_port, 4443);
    assert_int_equal(cfg.http_port, 4444);
    assert_string_equal(cfg.bind_address, "");
    assert_string_equal(cfg.tls_cert, "");
    assert_string_equal(cfg.tls_key, "");
    assert_string_equal(cfg.var_dir, "var");
    assert_string_equal(cfg.web_root, "web/dist");
    assert_int_equal(cfg.n_allowed_origins, 0);
    assert_int_equal(cfg.max_body_bytes, 6291456);
    assert_int_equal(cfg.worker_threads, 4);
    assert_int_equal(cfg.header_timeout_s, 10);
    assert_int_equal(cfg.ws_ping_interval_s, 30);
    assert_int_equal(cfg.ws_queue_max_bytes, 1048576);
    assert_int_equal(cfg.chat_rate, 5);
    assert_true(cfg.access_log);
    assert_string_equal(cfg.database_url, "var/pongd.sqlite3");
    assert_string_equal(cfg.jwt_secret, "");
    assert_int_equal(cfg.hash_threads, 2);
    assert_int_equal(cfg.hash_queue, 64);
    assert_int_equal(cfg.auth_rate, 10);
    assert_true(cfg.api_rate == LIM_API_RATE_DEFAULT);
    assert_int_equal(cfg.api_burst, LIM_API_RATE_DEFAULT * LIM_API_BURST_FACTOR);
    assert_string_equal(cfg.common_passwords, "data/common-passwords.txt");
}

/* API_RATE: "rate" (burst LIM_API_BURST_FACTOR x), "rate,burst", 0 = no limit. */
static void test_api_rate(void **state) {
    (void)state;
    config_t cfg;
    char err[256];
    kv_t one[] = { { "API_RATE", "5" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, one, err, sizeof err), 0);
    assert_true(cfg.api_rate == 5);
    assert_int_equal(cfg.api_burst, 5 * LIM_API_BURST_FACTOR);
    kv_t two[] = { { "API_RATE", "3,7" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, two, err, sizeof err), 0);
    assert_true(cfg.api_rate == 3);
    assert_int_equal(cfg.api_burst, 7);
    kv_t slow[] = { { "API_RATE", "0.25,3" }, { NULL, NULL } };   /* one request every 4 s */
    assert_int_equal(load(&cfg, slow, err, sizeof err), 0);
    assert_true(cfg.api_rate == 0.25);
    assert_int_equal(cfg.api_burst, 3);
    kv_t off[] = { { "API_RATE", "0" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, off, err, sizeof err), 0);
    assert_true(cfg.api_rate == 0);
    assert_int_equal(cfg.api_burst, 0);
}

static void test_account_settings(void **state) {
    (void)state;
    kv_t ok[] = { { "DATABASE_URL", "postgres://u:p@h:5432/db" }, { "JWT_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF" },
                  { "HASH_THREADS", "3" }, { NULL, NULL } };
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, ok, err, sizeof err), 0);
    assert_string_equal(cfg.database_url, "postgres://u:p@h:5432/db");
    assert_int_equal(cfg.hash_threads, 3);
    kv_t bad_secret[] = { { "JWT_SECRET", "too-short" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, bad_secret, err, sizeof err), ERR_INVALID);
    assert_non_null(strstr(err, "JWT_SECRET"));
    assert_null(strstr(err, "too-short"));   /* a secret is never echoed */
    kv_t bad_hash[] = { { "HASH_THREADS", "0" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, bad_hash, err, sizeof err), ERR_INVALID);
    assert_non_null(strstr(err, "HASH_THREADS"));
    kv_t var[] = { { "VAR_DIR", "/srv/pong" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, var, err, sizeof err), 0);
    assert_string_equal(cfg.database_url, "/srv/pong/pongd.sqlite3");
}

static void test_empty_values_mean_default(void **state) {
    (void)state;
    kv_t t[] = { { "HTTPS_PORT", "" }, { "WORKER_THREADS", "" }, { NULL, NULL } };
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, t, err, sizeof err), 0);
    assert_int_equal(cfg.https_port, 4443);
    assert_int_equal(cfg.worker_threads, 4);
}

static void test_each_variable(void **state) {
    (void)state;
    kv_t t[] = {
        { "HTTPS_PORT", "8443" },
        { "HTTP_PORT", "0" },
        { "BIND_ADDRESS", "127.0.0.1" },
        { "TLS_CERT", "/etc/ssl/c.pem" },
        { "TLS_KEY", "/etc/ssl/k.pem" },
        { "VAR_DIR", "/tmp/v" },
        { "WEB_ROOT", "/srv/www" },
        { "ALLOWED_ORIGINS", "https://a.example:4443" },
        { "MAX_BODY_BYTES", "2048" },
        { "WORKER_THREADS", "64" },
        { "HEADER_TIMEOUT", "1" },
        { "WS_PING_INTERVAL", "3600" },
        { "WS_QUEUE_MAX_BYTES", "4096" },
        { "CHAT_RATE", "0" },
        { "ACCESS_LOG", "0" },
        { NULL, NULL },
    };
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, t, err, sizeof err), 0);
    assert_int_equal(cfg.https_port, 8443);
    assert_int_equal(cfg.http_port, 0);
    assert_string_equal(cfg.bind_address, "127.0.0.1");
    assert_string_equal(cfg.tls_cert, "/etc/ssl/c.pem");
    assert_string_equal(cfg.tls_key, "/etc/ssl/k.pem");
    assert_string_equal(cfg.var_dir, "/tmp/v");
    assert_string_equal(cfg.web_root, "/srv/www");
    assert_int_equal(cfg.n_allowed_origins, 1);
    assert_string_equal(cfg.allowed_origins[0], "https://a.example:4443");
    assert_int_equal(cfg.max_body_bytes, 2048);
    assert_int_equal(cfg.worker_threads, 64);
    assert_int_equal(cfg.header_timeout_s, 1);
    assert_int_equal(cfg.ws_ping_interval_s, 3600);
    assert_int_equal(cfg.ws_queue_max_bytes, 4096);
    assert_int_equal(cfg.chat_rate, 0);
    assert_false(cfg.access_log);
}

static void test_ipv6_bind_and_limits_accepted(void **state) {
    (void)state;
    kv_t t[] = { { "BIND_ADDRESS", "::1" }, { "HTTPS_PORT", "65535" }, { "HTTP_PORT", "1" },
                 { "MAX_BODY_BYTES", "67108864" }, { "WORKER_THREADS", "1" }, { NULL, NULL } };
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, t, err, sizeof err), 0);
    assert_string_equal(cfg.bind_address, "::1");
    assert_int_equal(cfg.https_port, 65535);
    assert_int_equal(cfg.http_port, 1);
    assert_int_equal(cfg.max_body_bytes, LIM_HTTP_BODY_MAX);
    assert_int_equal(cfg.worker_threads, 1);
}

static void test_bad_numbers_refused(void **state) {
    (void)state;
    refuse1("HTTPS_PORT", "abc", "HTTPS_PORT");
    refuse1("HTTPS_PORT", "0", "HTTPS_PORT");
    refuse1("HTTPS_PORT", "70000", "HTTPS_PORT");
    refuse1("HTTPS_PORT", "443x", "HTTPS_PORT");
    refuse1("HTTPS_PORT", " 443", "HTTPS_PORT");
    refuse1("HTTPS_PORT", "+443", "HTTPS_PORT");
    refuse1("HTTPS_PORT", "99999999999999999999999", "HTTPS_PORT");
    refuse1("HTTP_PORT", "-1", "HTTP_PORT");
    refuse1("HTTP_PORT", "65536", "HTTP_PORT");
    refuse1("WORKER_THREADS", "0", "WORKER_THREADS");
    refuse1("WORKER_THREADS", "65", "WORKER_THREADS");
    refuse1("HEADER_TIMEOUT", "-1", "HEADER_TIMEOUT");
    refuse1("HEADER_TIMEOUT", "0", "HEADER_TIMEOUT");
    refuse1("HEADER_TIMEOUT", "301", "HEADER_TIMEOUT");
    refuse1("WS_PING_INTERVAL", "0", "WS_PING_INTERVAL");
    refuse1("WS_QUEUE_MAX_BYTES", "100", "WS_QUEUE_MAX_BYTES");
    refuse1("CHAT_RATE", "-5", "CHAT_RATE");
    refuse1("API_RATE", "-1", "API_RATE");
    refuse1("API_RATE", "abc", "API_RATE");
    refuse1("API_RATE", "10,", "API_RATE");
    refuse1("API_RATE", "10,5", "API_RATE");     /* a burst below the rate */
    refuse1("API_RATE", "10,20x", "API_RATE");
    refuse1("API_RATE", "100001", "API_RATE");
    refuse1("API_RATE", "1,0", "API_RATE");
    refuse1("API_RATE", "1.5.2", "API_RATE");
    refuse1("ACCESS_LOG", "2", "ACCESS_LOG");
    refuse1("ACCESS_LOG", "yes", "ACCESS_LOG");
    refuse1("MAX_BODY_BYTES", "67108865", "MAX_BODY_BYTES");
    refuse1("MAX_BODY_BYTES", "1e6", "MAX_BODY_BYTES");
}

static void test_message_quotes_value(void **state) {
    (void)state;
    kv_t t[] = { { "WORKER_THREADS", "65" }, { NULL, NULL } };
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, t, err, sizeof err), ERR_INVALID);
    assert_non_null(strstr(err, "WORKER_THREADS"));
    assert_non_null(strstr(err, "65"));
}

static void test_small_err_buffer_terminated(void **state) {
    (void)state;
    kv_t t[] = { { "HTTPS_PORT", "abc" }, { NULL, NULL } };
    config_t cfg;
    char err[8];
    assert_int_equal(load(&cfg, t, err, sizeof err), ERR_INVALID);
    assert_int_equal(err[7], '\0');
    assert_string_equal(err, "HTTPS_P");
}

static void test_tls_pair(void **state) {
    (void)state;
    refuse1("TLS_CERT", "/c.pem", "TLS_KEY");
    refuse1("TLS_KEY", "/k.pem", "TLS_CERT");
}

static void test_ports_must_differ(void **state) {
    (void)state;
    kv_t t[] = { { "HTTPS_PORT", "5000" }, { "HTTP_PORT", "5000" }, { NULL, NULL } };
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, t, err, sizeof err), ERR_INVALID);
    assert_non_null(strstr(err, "HTTP_PORT"));
    /* HTTPS_PORT moved onto the default HTTP_PORT */
    refuse1("HTTPS_PORT", "4444", "HTTP_PORT");
}

static void test_strings_refused(void **state) {
    (void)state;
    refuse1("BIND_ADDRESS", "localhost", "BIND_ADDRESS");
    refuse1("BIND_ADDRESS", "127.0.0.1 ", "BIND_ADDRESS");
    refuse1("BIND_ADDRESS", "10.0.0.1/8", "BIND_ADDRESS");
    refuse1("VAR_DIR", "", "VAR_DIR");
    refuse1("WEB_ROOT", "", "WEB_ROOT");
    char longv[600];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    refuse1("WEB_ROOT", longv, "WEB_ROOT");
    refuse1("TLS_CERT", longv, "TLS_CERT");
}

static void test_bind_address_must_be_an_address(void **state) {
    (void)state;
    /* Only hex letters, yet not an IPv4 or IPv6 address: the message should name the variable
     * at config time instead of the server failing later at bind. */
    refuse1("BIND_ADDRESS", "cafe", "BIND_ADDRESS");
    refuse1("BIND_ADDRESS", "1.2.3.4.5", "BIND_ADDRESS");
}

static void test_origins_parsed(void **state) {
    (void)state;
    kv_t t[] = { { "ALLOWED_ORIGINS", " https://a.example:4443/ ,http://b.example,, https://[::1]:8443  " },
                 { NULL, NULL } };
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, t, err, sizeof err), 0);
    assert_int_equal(cfg.n_allowed_origins, 3);
    assert_string_equal(cfg.allowed_origins[0], "https://a.example:4443");
    assert_string_equal(cfg.allowed_origins[1], "http://b.example");
    assert_string_equal(cfg.allowed_origins[2], "https://[::1]:8443");

    kv_t sp[] = { { "ALLOWED_ORIGINS", "https://x.test https://y.test" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, sp, err, sizeof err), 0);
    assert_int_equal(cfg.n_allowed_origins, 2);
    assert_string_equal(cfg.allowed_origins[1], "https://y.test");

    kv_t empty[] = { { "ALLOWED_ORIGINS", "" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, empty, err, sizeof err), 0);
    assert_int_equal(cfg.n_allowed_origins, 0);
}

static void test_public_origin(void **state) {
    (void)state;
    config_t cfg;
    char err[256];
    static const char cert[][256] = { "https://localhost:4443", "https://127.0.0.1:4443", "https://[::1]:4443" };

    /* unset: the certificate's names, the first one public */
    kv_t none[] = { { NULL, NULL } };
    assert_int_equal(load(&cfg, none, err, sizeof err), 0);
    assert_string_equal(cfg.public_origin, "");
    config_origins_finish(&cfg, cert, 3);
    assert_string_equal(cfg.public_origin, "https://localhost:4443");
    assert_int_equal(cfg.n_allowed_origins, 3);
    assert_string_equal(cfg.allowed_origins[1], "https://127.0.0.1:4443");

    /* a certificate without usable names: localhost on the port */
    assert_int_equal(load(&cfg, none, err, sizeof err), 0);
    config_origins_finish(&cfg, cert, 0);
    assert_string_equal(cfg.public_origin, "https://localhost:4443");
    assert_int_equal(cfg.n_allowed_origins, 1);

    /* set: it alone is allowed (a trailing slash tolerated) */
    kv_t pub[] = { { "PUBLIC_ORIGIN", "https://pong.example.org/" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, pub, err, sizeof err), 0);
    config_origins_finish(&cfg, cert, 3);
    assert_string_equal(cfg.public_origin, "https://pong.example.org");
    assert_int_equal(cfg.n_allowed_origins, 1);
    assert_string_equal(cfg.allowed_origins[0], "https://pong.example.org");

    /* with ALLOWED_ORIGINS: kept, the public origin added once */
    kv_t both[] = { { "PUBLIC_ORIGIN", "https://pong.example.org" },
                    { "ALLOWED_ORIGINS", "https://a.example,https://pong.example.org" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, both, err, sizeof err), 0);
    config_origins_finish(&cfg, cert, 3);
    assert_int_equal(cfg.n_allowed_origins, 2);
    kv_t other[] = { { "ALLOWED_ORIGINS", "https://a.example" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, other, err, sizeof err), 0);
    config_origins_finish(&cfg, cert, 3);
    assert_int_equal(cfg.n_allowed_origins, 2);
    assert_string_equal(cfg.allowed_origins[1], "https://localhost:4443");

    refuse1("PUBLIC_ORIGIN", "http://pong.example.org", "PUBLIC_ORIGIN");
    refuse1("PUBLIC_ORIGIN", "https://pong.example.org/path", "PUBLIC_ORIGIN");
    refuse1("PUBLIC_ORIGIN", "pong.example.org", "PUBLIC_ORIGIN");
    refuse1("PUBLIC_ORIGIN", "https://", "PUBLIC_ORIGIN");
}

static void test_origins_refused(void **state) {
    (void)state;
    refuse1("ALLOWED_ORIGINS", "https://a.example/path", "ALLOWED_ORIGINS");
    refuse1("ALLOWED_ORIGINS", "ftp://a.example", "ALLOWED_ORIGINS");
    refuse1("ALLOWED_ORIGINS", "a.example", "ALLOWED_ORIGINS");
    refuse1("ALLOWED_ORIGINS", "https://", "ALLOWED_ORIGINS");
    refuse1("ALLOWED_ORIGINS", "https://u@a.example", "ALLOWED_ORIGINS");
    refuse1("ALLOWED_ORIGINS", "https://a.example?x=1", "ALLOWED_ORIGINS");
    refuse1("ALLOWED_ORIGINS", "https://ok.example,javascript://x", "ALLOWED_ORIGINS");
}

static void test_origins_at_most_16(void **state) {
    (void)state;
    char list[2048] = "";
    for (int i = 0; i < 16; i++) {
        char one[64];
        snprintf(one, sizeof one, "%shttps://h%d.example", i ? "," : "", i);
        strcat(list, one);
    }
    kv_t t[] = { { "ALLOWED_ORIGINS", list }, { NULL, NULL } };
    config_t cfg;
    char err[256];
    assert_int_equal(load(&cfg, t, err, sizeof err), 0);
    assert_int_equal(cfg.n_allowed_origins, 16);
    assert_string_equal(cfg.allowed_origins[15], "https://h15.example");
    strcat(list, ",https://h16.example");
    assert_int_equal(load(&cfg, t, err, sizeof err), ERR_INVALID);
    assert_non_null(strstr(err, "ALLOWED_ORIGINS"));
}

/* ---- .env ---- */

static int parse(config_env_t *env, const char *text, char *err, size_t errlen) {
    err[0] = '\0';
    return config_env_parse(env, text, strlen(text), err, errlen);
}

static void test_env_parse(void **state) {
    (void)state;
    const char *text =
        "# a comment\n"
        "\n"
        "   \n"
        "A=1\n"
        "export B=two words\n"
        "C=\"quoted # not a comment\"\n"
        "D='single'\n"
        "E=crlf\r\n"
        "  F = spaced  \n"
        "G=\n"
        "H=a=b\n"
        "A=later\n"
        "_U9=x\n"
        "\t# indented comment\n"
        "I=\"\"\n"
        "J=last";
    config_env_t env;
    char err[128];
    assert_int_equal(parse(&env, text, err, sizeof err), 0);
    assert_string_equal(config_env_get(&env, "A"), "later");
    assert_string_equal(config_env_get(&env, "B"), "two words");
    assert_string_equal(config_env_get(&env, "C"), "quoted # not a comment");
    assert_string_equal(config_env_get(&env, "D"), "single");
    assert_string_equal(config_env_get(&env, "E"), "crlf");
    assert_string_equal(config_env_get(&env, "F"), "spaced");
    assert_string_equal(config_env_get(&env, "G"), "");
    assert_string_equal(config_env_get(&env, "H"), "a=b");
    assert_string_equal(config_env_get(&env, "_U9"), "x");
    assert_string_equal(config_env_get(&env, "I"), "");
    assert_string_equal(config_env_get(&env, "J"), "last");
    assert_null(config_env_get(&env, "export B"));
    assert_null(config_env_get(&env, "Z"));
    assert_int_equal(env.n, 11); /* the duplicate A replaced, not added */
    config_env_free(&env);
    assert_int_equal(env.n, 0);
    assert_null(config_env_get(NULL, "A"));
}

static void test_env_crlf_everywhere(void **state) {
    (void)state;
    config_env_t env;
    char err[128];
    assert_int_equal(parse(&env, "# c\r\n\r\nX=\"q\"\r\nY=2\r\n", err, sizeof err), 0);
    assert_string_equal(config_env_get(&env, "X"), "q");
    assert_string_equal(config_env_get(&env, "Y"), "2");
    config_env_free(&env);
}

static void env_refused(const char *text, const char *want) {
    config_env_t env;
    char err[128];
    assert_int_equal(parse(&env, text, err, sizeof err), ERR_INVALID);
    if (!strstr(err, want)) fail_msg("'%s': message '%s' lacks '%s'", text, err, want);
    assert_int_equal(env.n, 0);
    assert_null(env.names);
}

static void test_env_malformed(void **state) {
    (void)state;
    env_refused("A=1\nB=2\nnot a pair\n", "line 3");
    env_refused("A=1\n=2\n", "line 2");
    env_refused("1A=x\n", "line 1");
    env_refused("A B=x\n", "line 1");
    env_refused("# c\n\nA-B=1\n", "line 3");
    env_refused("A=1\nB=\"open\nC=3\n", "line 2");
    env_refused("A=1\nB=\"open\nC=3\n", "quote");
    env_refused("B='x\n", "line 1");
    env_refused("B=\"\n", "line 1");
    env_refused("B=\"mixed'\n", "line 1");
}

static void test_env_read(void **state) {
    (void)state;
    config_env_t env;
    char err[256] = "";
    assert_int_equal(config_env_read(&env, "/nonexistent/dir/.env", err, sizeof err), 0);
    assert_int_equal(env.n, 0);
    config_env_free(&env);

    char path[] = "/tmp/pongd-test-env-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "HTTPS_PORT=9443\nexport WEB_ROOT='/srv'\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    assert_int_equal(config_env_read(&env, path, err, sizeof err), 0);
    assert_int_equal(env.n, 2);
    assert_string_equal(config_env_get(&env, "HTTPS_PORT"), "9443");
    assert_string_equal(config_env_get(&env, "WEB_ROOT"), "/srv");
    config_env_free(&env);

    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("OK=1\nbroken\n", f);
    fclose(f);
    assert_int_equal(config_env_read(&env, path, err, sizeof err), ERR_INVALID);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "line 2"));
    unlink(path);
}

static void test_lookup_env_then_file(void **state) {
    (void)state;
    config_env_t env;
    char err[128];
    assert_int_equal(parse(&env, "PONGD_T_A=file\nPONGD_T_B=file\n", err, sizeof err), 0);
    unsetenv("PONGD_T_A");
    unsetenv("PONGD_T_B");
    unsetenv("PONGD_T_C");
    setenv("PONGD_T_A", "env", 1);
    assert_string_equal(config_lookup_env_then_file(&env, "PONGD_T_A"), "env");
    assert_string_equal(config_lookup_env_then_file(&env, "PONGD_T_B"), "file");
    assert_null(config_lookup_env_then_file(&env, "PONGD_T_C"));
    setenv("PONGD_T_B", "", 1); /* set but empty still wins over the file */
    assert_string_equal(config_lookup_env_then_file(&env, "PONGD_T_B"), "");
    setenv("PONGD_T_C", "only-env", 1);
    assert_string_equal(config_lookup_env_then_file(NULL, "PONGD_T_C"), "only-env");
    unsetenv("PONGD_T_A");
    unsetenv("PONGD_T_B");
    unsetenv("PONGD_T_C");
    assert_string_equal(config_lookup_env_then_file(&env, "PONGD_T_A"), "file");
    config_env_free(&env);
}

static void test_load_through_env_file(void **state) {
    (void)state;
    config_env_t env;
    char err[256];
    assert_int_equal(parse(&env, "WORKER_THREADS=8\nCHAT_RATE=5\n", err, sizeof err), 0);
    unsetenv("WORKER_THREADS");
    setenv("CHAT_RATE", "7", 1);
    config_t cfg;
    assert_int_equal(config_load(&cfg, config_lookup_env_then_file, &env, err, sizeof err), 0);
    assert_int_equal(cfg.worker_threads, 8);
    assert_int_equal(cfg.chat_rate, 7);
    unsetenv("CHAT_RATE");
    config_env_free(&env);
}

static void test_oauth42(void **state) {
    (void)state;
    config_t cfg;
    char err[256];
    /* off by default, the 42 intranet's URLs, their hosts and the CDN for the avatar */
    assert_int_equal(load(&cfg, (kv_t[]){ { NULL, NULL } }, err, sizeof err), 0);
    assert_string_equal(cfg.oauth42_client_id, "");
    assert_string_equal(cfg.oauth42_token_url, "https://api.intra.42.fr/oauth/token");
    assert_string_equal(cfg.oauth42_userinfo_url, "https://api.intra.42.fr/v2/me");
    assert_int_equal(cfg.oauth42_timeout_s, 10);
    assert_int_equal(cfg.oauth42_n_image_hosts, 2);
    assert_string_equal(cfg.oauth42_image_hosts[0], "api.intra.42.fr");
    assert_string_equal(cfg.oauth42_image_hosts[1], "cdn.intra.42.fr");
    /* a stand-in provider: its host (once) and the CDN; an explicit list replaces them */
    kv_t local[] = { { "OAUTH42_CLIENT_ID", "id-1" }, { "OAUTH42_CLIENT_SECRET", "s" },
                     { "OAUTH42_AUTHORIZE_URL", "https://127.0.0.1:9443/oauth/authorize" },
                     { "OAUTH42_TOKEN_URL", "https://127.0.0.1:9443/oauth/token" },
                     { "OAUTH42_USERINFO_URL", "https://127.0.0.1:9443/v2/me" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, local, err, sizeof err), 0);
    assert_int_equal(cfg.oauth42_n_image_hosts, 2);
    assert_string_equal(cfg.oauth42_image_hosts[0], "127.0.0.1");
    kv_t hosts[] = { { "OAUTH42_IMAGE_HOSTS", " img.example.org , cdn.example.org" }, { NULL, NULL } };
    assert_int_equal(load(&cfg, hosts, err, sizeof err), 0);
    assert_int_equal(cfg.oauth42_n_image_hosts, 2);
    assert_string_equal(cfg.oauth42_image_hosts[0], "img.example.org");
    assert_string_equal(cfg.oauth42_image_hosts[1], "cdn.example.org");
    /* refused: a client id without its secret, a URL that is not https, odd hosts, a timeout out of range */
    refuse1("OAUTH42_CLIENT_ID", "id-1", "OAUTH42_CLIENT_SECRET");
    refuse1("OAUTH42_TOKEN_URL", "http://api.intra.42.fr/oauth/token", "OAUTH42_TOKEN_URL");
    refuse1("OAUTH42_USERINFO_URL", "https://user@evil.example/v2/me", "OAUTH42_USERINFO_URL");
    refuse1("OAUTH42_AUTHORIZE_URL", "https:///oauth", "OAUTH42_AUTHORIZE_URL");
    refuse1("OAUTH42_IMAGE_HOSTS", "evil.example/path", "OAUTH42_IMAGE_HOSTS");
    refuse1("OAUTH42_TIMEOUT", "0", "OAUTH42_TIMEOUT");
    refuse1("OAUTH42_TIMEOUT", "61", "OAUTH42_TIMEOUT");
}

static void test_print_help(void **state) {
    (void)state;
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    assert_non_null(f);
    config_print_help(f);
    fclose(f);
    static const char *vars[] = { "HTTPS_PORT", "HTTP_PORT", "BIND_ADDRESS", "TLS_CERT", "TLS_KEY",
                                  "VAR_DIR", "WEB_ROOT", "ALLOWED_ORIGINS", "MAX_BODY_BYTES",
                                  "WORKER_THREADS", "HEADER_TIMEOUT", "WS_PING_INTERVAL",
                                  "WS_QUEUE_MAX_BYTES", "CHAT_RATE", "ACCESS_LOG", "OAUTH42_CLIENT_ID", "OAUTH42_CA_FILE", "ENV_FILE" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (!strstr(text, vars[i])) fail_msg("--help lacks %s", vars[i]);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_empty_values_mean_default),
        cmocka_unit_test(test_account_settings),
        cmocka_unit_test(test_each_variable),
        cmocka_unit_test(test_ipv6_bind_and_limits_accepted),
        cmocka_unit_test(test_bad_numbers_refused),
        cmocka_unit_test(test_message_quotes_value),
        cmocka_unit_test(test_small_err_buffer_terminated),
        cmocka_unit_test(test_tls_pair),
        cmocka_unit_test(test_ports_must_differ),
        cmocka_unit_test(test_strings_refused),
        cmocka_unit_test(test_bind_address_must_be_an_address),
        cmocka_unit_test(test_origins_parsed),
        cmocka_unit_test(test_origins_refused),
        cmocka_unit_test(test_public_origin),
        cmocka_unit_test(test_origins_at_most_16),
        cmocka_unit_test(test_env_parse),
        cmocka_unit_test(test_env_crlf_everywhere),
        cmocka_unit_test(test_env_malformed),
        cmocka_unit_test(test_env_read),
        cmocka_unit_test(test_lookup_env_then_file),
        cmocka_unit_test(test_load_through_env_file),
        cmocka_unit_test(test_oauth42),
        cmocka_unit_test(test_print_help),
        cmocka_unit_test(test_api_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
