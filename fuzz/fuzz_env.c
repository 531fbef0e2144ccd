/* libFuzzer: .env parsing on arbitrary text, then config_load over what was parsed. Must
 * never crash; error messages must be NUL-terminated inside their buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pongd_limits.h"
#include "util.h"

static const char *env_lookup(void *ctx, const char *name) { return config_env_get(ctx, name); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 70000) return 0;
    config_env_t env;
    char err[128];
    memset(err, 'x', sizeof err);
    int rc = config_env_parse(&env, (const char *)data, size, err, sizeof err);
    if (rc < 0) {
        if (rc != ERR_INVALID || !memchr(err, '\0', sizeof err) || strncmp(err, "line ", 5) != 0) abort();
        if (env.n != 0 || env.names || env.values) abort();
        return 0;
    }
    for (size_t i = 0; i < env.n; i++) {
        const char *n = env.names[i];
        if (!n[0] || strchr(n, '=') || strchr(n, ' ')) abort();
        if (!env.values[i]) abort();
        /* names are unique: a lookup finds this entry */
        if (config_env_get(&env, n) != env.values[i]) abort();
    }

    static config_t cfg;
    char cerr[256];
    memset(cerr, 'x', sizeof cerr);
    rc = config_load(&cfg, env_lookup, &env, cerr, sizeof cerr);
    if (!memchr(cerr, '\0', sizeof cerr)) abort();
    if (rc == 0) {
        if (cerr[0]) abort();
        if (cfg.https_port < 1 || cfg.https_port > 65535 || cfg.http_port < 0 || cfg.http_port > 65535) abort();
        if (cfg.http_port == cfg.https_port) abort();
        if (cfg.worker_threads < 1 || cfg.worker_threads > LIM_POOL_THREADS_MAX) abort();
        if (cfg.max_body_bytes > LIM_HTTP_BODY_MAX) abort();
        if (cfg.n_allowed_origins < 0 || cfg.n_allowed_origins > CONFIG_MAX_ORIGINS) abort();
        for (int i = 0; i < cfg.n_allowed_origins; i++)
            if (!memchr(cfg.allowed_origins[i], '\0', sizeof cfg.allowed_origins[i]) ||
                strncmp(cfg.allowed_origins[i], "http", 4) != 0)
                abort();
        if (!cfg.tls_cert[0] != !cfg.tls_key[0]) abort();
        if (!cfg.var_dir[0] || !cfg.web_root[0]) abort();
    } else if (rc != ERR_INVALID || !cerr[0]) {
        abort();
    }
    config_env_free(&env);
    return 0;
}
