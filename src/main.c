/* pongd: configuration, start-up, signals and shutdown. */
#include "app.h"
#include "cli_backup.h"
#include "cli_admin.h"
#include "config.h"
#include "avatar.h"
#include "mail.h"
#include "db.h"
#include "presence.h"
#include "dbpool.h"
#include "pongd_limits.h"
#include "log.h"
#include "server.h"
#include "tlsgen.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The only mutable global: the signal handler needs to reach the loop. */
static srv_t *g_srv;

static void *hash_worker_init(int index, void *arg) {
    (void)index;
    (void)arg;
    /* per thread on Linux: PRIO_PROCESS with a thread id */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0) log_msg("warn", "hashing thread priority not lowered");
    return NULL;
}

static void on_signal(int sig) {
    (void)sig;
    if (g_srv) srv_request_stop(g_srv);
}

/* The configuration from the environment and ENV_FILE; an exit status on failure. */
static int load_config(config_t *cfg) {
    char err[512] = "";
    const char *env_file = getenv("ENV_FILE");
    if (!env_file || !*env_file) env_file = ".env";
    config_env_t env;
    if (config_env_read(&env, env_file, err, sizeof err) < 0) {
        fprintf(stderr, "pongd: ENV_FILE %s\n", err);
        return 2;
    }
    int rc = config_load(cfg, config_lookup_env_then_file, &env, err, sizeof err);
    config_env_free(&env);
    if (rc < 0) {
        fprintf(stderr, "pongd: invalid configuration: %s\n", err);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "admin")) return cli_admin(argc - 1, argv + 1, stdout, stderr);
    static config_t cfg;
    if (argc >= 2 && !strcmp(argv[1], "backup")) {
        int rc = load_config(&cfg);
        return rc ? rc : cli_backup(&cfg, argc - 1, argv + 1);
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            config_print_help(stdout);
            cli_admin_help(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("pongd %s\n", PONGD_VERSION);
            return 0;
        }
        fprintf(stderr, "pongd: unknown argument '%s' (try --help)\n", argv[i]);
        return 2;
    }

    char err[512] = "";
    int crc = load_config(&cfg);
    if (crc) return crc;

    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);

    char cert[1100], key[1100];
    if (cfg.tls_cert[0]) {
        snprintf(cert, sizeof cert, "%s", cfg.tls_cert);
        snprintf(key, sizeof key, "%s", cfg.tls_key);
    } else {
        int generated = 0;
        if (tlsgen_ensure(cfg.var_dir, cert, sizeof cert, key, sizeof key, &generated, err, sizeof err) < 0) {
            log_msg("error", "%s", err);
            return 1;
        }
        if (generated) log_msg("info", "generated a self-signed certificate: %s", cert);
    }

    char cert_origins[CONFIG_MAX_ORIGINS][256];
    int n_cert_origins = tlsgen_cert_origins(cert, cfg.https_port, cert_origins, CONFIG_MAX_ORIGINS);
    config_origins_finish(&cfg, (const char (*)[256])cert_origins, n_cert_origins);
    log_msg("info", "public origin %s (%d allowed origin%s)", cfg.public_origin, cfg.n_allowed_origins,
            cfg.n_allowed_origins == 1 ? "" : "s");

    static metrics_t metrics;
    metrics.started_ms = now_wall_ms();
    app_t app = { .cfg = &cfg, .metrics = &metrics };
    if (webroot_load(&app.files, cfg.web_root, err, sizeof err) < 0) {
        log_msg("error", "WEB_ROOT %s: %s", cfg.web_root, err);
        return 1;
    }
    if (!webroot_find(app.files, SPAN_LIT("/index.html")))
        log_msg("warn", "WEB_ROOT %s has no index.html: run `make web`", cfg.web_root);
    if (!auth_init()) {
        log_msg("error", "libsodium or liboath could not be initialised");
        return 1;
    }
    if (!mail_init()) {
        log_msg("error", "libcurl could not be initialised (mail)");
        return 1;
    }
    if (mkdir(cfg.var_dir, 0700) != 0 && errno != EEXIST) {
        log_msg("error", "VAR_DIR %s: %s", cfg.var_dir, strerror(errno));
        return 1;
    }
    char secret_path[600];
    snprintf(secret_path, sizeof secret_path, "%s/jwt.key", cfg.var_dir);
    if (!auth_secret_load(cfg.jwt_secret, secret_path, app.secret, err, sizeof err)) {
        log_msg("error", "%s", err);
        return 1;
    }
    app.common = auth_common_load(cfg.common_passwords);
    if (!app.common) {
        log_msg("error", "COMMON_PASSWORDS %s: cannot read the list of common passwords", cfg.common_passwords);
        return 1;
    }
    if (!auth_password_hash(SPAN_LIT("a password nobody has: only for equal timing"), app.dummy_hash)) {
        log_msg("error", "password hashing does not work (out of memory?)");
        return 1;
    }
    app.auth_rate = ratemap_create(cfg.auth_rate, cfg.auth_rate, LIM_RATEMAP_KEYS);
    app.twofa_rate = ratemap_create(cfg.twofa_rate, 2.0 * cfg.twofa_rate, LIM_RATEMAP_KEYS);
    app.mail_rate = ratemap_create(cfg.mail_rate / 60.0, cfg.mail_rate, LIM_RATEMAP_KEYS);
    app.login_fail_rate = ratemap_create(1.0 / LIM_LOGIN_FAIL_RECENT_MIN, 1.0, LIM_RATEMAP_KEYS);
    if (cfg.api_rate > 0) {
        app.api_user_rate = ratemap_create(60.0 * cfg.api_rate, cfg.api_burst, LIM_RATEMAP_KEYS);
        app.api_addr_rate = ratemap_create(60.0 * cfg.api_rate * LIM_API_ADDR_FACTOR, (double)cfg.api_burst * LIM_API_ADDR_FACTOR,
                                           LIM_RATEMAP_KEYS);
    }
    if (avatar_init() != 0) {
        log_msg("error", "libvips could not be started (avatars)");
        return 1;
    }
    app.rooms = room_reg_create();
    app.bus = bus_create(bus_local_backend());

    srv_t *srv;
    if (srv_create(&srv, &cfg, cert, key, app_handlers(), &app, &metrics, err, sizeof err) < 0) {
        log_msg("error", "%s", err);
        return 1;
    }
    app.pool = pool_create(cfg.worker_threads, LIM_POOL_QUEUE, srv_wake, srv, NULL);
    if (!app.pool) {
        log_msg("error", "could not start %d worker threads", cfg.worker_threads);
        return 1;
    }
    srv_add_pool(srv, app.pool);
    app.dbpool = dbpool_create(cfg.database_url, cfg.worker_threads, LIM_POOL_QUEUE, srv_wake, srv, err, sizeof err);
    if (!app.dbpool) {
        log_msg("error", "database: %s", err);
        return 1;
    }
    srv_add_pool(srv, dbpool_pool(app.dbpool));
    app.revoked = revmap_create();
    if (app_sessions_load(cfg.database_url, app.revoked, err, sizeof err) != 0) {
        log_msg("error", "database: %s", err);
        return 1;
    }
    app.guard = sessguard_create(app.revoked);
    sessguard_set_max_per_user(app.guard, (size_t)cfg.ws_per_account);
    app.presence = presence_create(app.dbpool, app.secret, app.bus);
    presence_set_guard(app.presence, app.guard);
    app.chat = chat_create(&(chat_deps_t){
        .bus = app.bus, .db = app.dbpool, .rooms = app.rooms, .secret = app.secret, .rate_per_sec = cfg.chat_rate,
        .guard = app.guard,
    });
    presence_set_tab_hooks(app.presence, &(presence_tab_hooks_t){ app.chat, chat_tab_open, chat_tab_deliver, chat_tab_close });
    if (app_games_recover(cfg.database_url, err, sizeof err) != 0) {
        log_msg("error", "database: %s", err);
        return 1;
    }
    app.matches = match_create(&(match_deps_t){
        .secret = app.secret, .guard = app.guard, .resume_seconds = cfg.game_resume_s, .on_over = app_game_over, .on_open = app_game_open, .ctx = &app,
    });
    net_timer_t *game_tick = srv_timer_new(srv, match_on_timer, app.matches);
    match_set_timer(app.matches, game_tick);
    presence_set_matches(app.presence, app.matches);
    presence_set_offline_hook(app.presence, app_user_offline, &app);
    app.quickplay = quickplay_create(&(quickplay_deps_t){
        .db = app.dbpool, .matches = app.matches, .presence = app.presence, .winning_score = cfg.quickplay_winning_score,
    });
    net_timer_t *queue_tick = srv_timer_new(srv, quickplay_on_timer, app.quickplay);
    quickplay_set_timer(app.quickplay, queue_tick);
    app.rematches = rematch_create(LIM_REMATCH_OFFERS);
    /* Argon2id threads run at a lower CPU priority: a flood of logins must not slow the
     * event loop (and with it chat and games) on a machine with few cores */
    pool_worker_t low_priority = { hash_worker_init, NULL, NULL };
    app.hash_pool = pool_create(cfg.hash_threads, (size_t)cfg.hash_queue, srv_wake, srv, &low_priority);
    if (!app.hash_pool) {
        log_msg("error", "could not start %d hashing threads", cfg.hash_threads);
        return 1;
    }
    srv_add_pool(srv, app.hash_pool);
    if (!app_init(&app, err, sizeof err)) {
        log_msg("error", "the API's documentation: %s", err);
        return 1;
    }
    log_msg("info", "database: %s, schema version %d", db_backend_of(cfg.database_url) == DB_POSTGRES ? "PostgreSQL" : cfg.database_url,
            dbpool_version(app.dbpool));

    g_srv = srv;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    bool v6 = strchr(cfg.bind_address, ':') != NULL;
    log_msg("info", "pongd %s listening on https://%s%s%s:%d%s%.0d; web root %s (%zu files)", PONGD_VERSION,
            v6 ? "[" : "", cfg.bind_address[0] ? cfg.bind_address : "localhost", v6 ? "]" : "", cfg.https_port,
            cfg.http_port ? ", redirecting http port " : "", cfg.http_port, cfg.web_root, webroot_count(app.files));
    srv_run(srv);
    log_msg("info", "shutting down");
    presence_stop(app.presence);   /* sockets lws closes from here on must not reach the pools */
    quickplay_stop(app.quickplay);
    chat_stop(app.chat);
    /* the games ended by on_stop queued their records: give the database threads a moment to
     * write them (pool_destroy drops jobs that never started), then mark whatever is still
     * running as interrupted on a connection of our own */
    for (int i = 0; i < 200 && pool_queued(dbpool_pool(app.dbpool)) > 0; i++) usleep(10000);
    if (app_games_recover(cfg.database_url, err, sizeof err) != 0) log_msg("warn", "database: %s", err);
    pool_destroy(app.hash_pool);
    dbpool_destroy(app.dbpool);
    pool_destroy(app.pool);
    srv_destroy(srv);
    srv_timer_free(game_tick);
    srv_timer_free(queue_tick);
    g_srv = NULL;
    quickplay_destroy(app.quickplay);
    rematch_destroy(app.rematches);
    match_destroy(app.matches);
    chat_destroy(app.chat);
    room_reg_destroy(app.rooms);
    webroot_free(app.files);
    app_fini(&app);
    ratemap_destroy(app.auth_rate);
    ratemap_destroy(app.twofa_rate);
    ratemap_destroy(app.mail_rate);
    ratemap_destroy(app.login_fail_rate);
    ratemap_destroy(app.api_user_rate);
    ratemap_destroy(app.api_addr_rate);
    presence_destroy(app.presence);
    sessguard_destroy(app.guard);
    revmap_destroy(app.revoked);
    bus_destroy(app.bus);
    avatar_shutdown();
    auth_common_free(app.common);
    mail_cleanup();
    log_flush();
    return 0;
}
