/*
 * games: remote-game load generator for pongd's game socket (docs/interface.md "Game socket"),
 * and for the Node reference and floor servers of bench/games.sh.
 *
 * One process, one thread, epoll + OpenSSL, a minimal client-side RFC 6455 framing (the
 * transport of bench/broadcast.c). Reads a games file, one line per game:
 *     <game_id> <access token of player A> <access token of player B>
 * (bench/games-setup.mjs writes it), and opens two bot clients per game on
 * wss://HOST:PORT/ws/game/<id>/ (Origin https://HOST:PORT). Each bot sends
 * {"type":"auth","token":...} and counts as connected at "joined" (its seat is read there).
 *
 * Bots (-k): "track" (default) moves its paddle towards where the ball will cross its goal
 * line (linear prediction with wall bounces from the snapshot's state: ball x/y/vx/vy at
 * save[6..9], paddle y/h at save[11+seat], save[13+seat]), with a dead zone of a quarter
 * paddle: rallies go on, a few key changes per second. "random": a random key change every
 * 0.5-1 s. Either way an INPUT goes only on a change, stamped with the bot's estimate of the
 * server's current tick + 2 (see below), and a PING every second (the RTT comes back in the
 * PONG). Game over by score, a pause or a close is counted and reported.
 *
 * What is measured, per snapshot received while the game is playing (tick T):
 *   delay = recv_us - T * 1e6/60 - offset, offset = the minimum of (recv_us - T * 1e6/60)
 *   seen on that socket so far (from the warm-up on). The server steps every game on one
 *   60 Hz grid, so recv - T·period is constant for a snapshot sent on time and delivered at
 *   once; the delay is how much later than that socket's fastest snapshot this one came:
 *   server tick lateness + the time to write the other sockets of that tick before it +
 *   TCP/TLS on loopback + this generator's own queueing. It is an upper bound of the
 *   server's tick lateness as seen from outside, and is what a player sees.
 *   First snapshot of each grid tick: the smallest delay among the snapshots due at the same
 *   grid point (see first_add): an outside estimate of the server's tick lateness.
 *   Also: snapshots skipped (a tick gap > 3 between consecutive snapshots of a socket: the
 *   server replaced an unwritten snapshot or caught up), inputs reported late by the server
 *   (the snapshot's `late` > 0), PING round trips.
 *   The bot's tick estimate is the last snapshot's tick + the ticks elapsed since it arrived
 *   (at most 6).
 *
 * Phases (all bounded): connect (-C), wait until every game plays (-S; the 3 s countdown),
 * warm-up (-H), measure (-d; "MEASURE_START" and "MEASURE_END" on stdout at its ends, the sockets
 * kept open 1 s after). Output: "READY ..." on stdout when the games play (a script
 * samples the server then), a summary on stderr, one line "RESULT key=value ..." on stdout.
 *
 * Transport (connections, TLS, upgrade, framing, histogram): bench/wsclient.c.
 * Build: bench/build.sh (cc -O2 bench/games.c bench/wsclient.c $(pkg-config --cflags --libs openssl) -lm)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsclient.h"

/* ---------------------------------------------------------------- options */
static const char *opt_host = "127.0.0.1";
static int opt_port = 4443;
static const char *opt_games = NULL;
static const char *opt_origin = NULL;
static long opt_max_games = 0;          /* 0: every line of the file */
static double opt_dur = 10;
static double opt_hold = 3;
static double opt_start_wait = 15;
static long opt_batch = 100;
static double opt_conn_timeout = 120;
static double opt_per_conn_timeout = 20;
static double opt_limit = 0;
static int opt_random = 0;
static int opt_quiet = 0;

#define PERIOD_US (1e6 / 60.0)
#define SNAP_BYTES (20 + 4 * 56)
#define FIELD_H (600 * 256)
#define FIELD_W (800 * 256)
#define BALL (12 * 256)
#define FACE_LEFT ((24 + 12) * 256)          /* inset + paddle width */
#define FACE_RIGHT (FIELD_W - 36 * 256 - BALL)

static hist_t h_delay, h_rtt, h_first;

/* The first snapshot of each grid tick: every game steps on one 60 Hz grid, so a snapshot's
 * due time (the socket's offset + tick x period, on this process's clock) falls on a grid
 * point shared by every socket written in that tick; the smallest delay seen per grid point
 * is the delay of the first socket the server wrote in that tick = its tick lateness + one
 * write + loopback (an outside estimate of the server's tick lateness). Kept in a ring of
 * 128 grid points (~2 s); a slot is flushed into h_first when a newer grid point takes it. */
#define RING 128
static struct { int64_t k; int64_t min; } ring[RING];
static int64_t ring_t0;
static void first_add(int64_t due, int64_t delay) {
    int64_t k = (int64_t)((double)(due - ring_t0) / PERIOD_US + 0.5);   /* due is on the grid (± 1 µs) */
    if (k < 0) return;
    int slot = (int)(k % RING);
    if (ring[slot].k != k) {
        if (ring[slot].k > k) return;            /* over 2 s late: its grid point is gone */
        if (ring[slot].k >= 0) hist_add(&h_first, ring[slot].min);
        ring[slot].k = k;
        ring[slot].min = delay;
    } else if (delay < ring[slot].min) ring[slot].min = delay;
}
static void first_flush(void) {
    for (int i = 0; i < RING; i++) if (ring[i].k >= 0) { hist_add(&h_first, ring[i].min); ring[i].k = -1; }
}

/* ---------------------------------------------------------------- connections (the transport: wsclient.h) */
struct conn {
    WSCONN_FIELDS
    uint8_t seat, key, match_state, playing_seen, over;
    int64_t offset;           /* min(recv - tick·period) while playing; INT64_MAX unknown */
    int64_t grid;             /* offset minus this socket's share of the write batch (see grid_align) */
    uint32_t last_tick;
    int64_t last_recv;        /* when the last snapshot arrived */
    uint32_t ping_id;
    int64_t ping_sent, next_ping, next_change;
    uint16_t rtt_ms;
};

static struct conn *conns;
static long n_conns, n_games;
static int64_t *game_ids;
static char **tokens;            /* 2 per game */
static char origin[256];

static int measuring;
/* counters during the measured phase (m_) and in all */
static uint64_t m_snaps, m_bytes, m_relays, m_pongs, m_inputs, m_pings, m_skipped, m_late_inputs, m_text;
static uint64_t n_snaps, n_inputs, n_over_texts, n_paused_texts, n_bad_frames, n_playing_conns;


/* The sockets' offsets, taken modulo the period, cluster in a window of a few ms on the circle
 * (the first socket of a tick at its start, the last written at its end); the window starts
 * after the largest gap of that circle. Each socket's grid = its offset moved back to the
 * window's start: the grid point shared by all (+ the fastest write). Run once, before the
 * measure, with the offsets learnt in the warm-up. */
static int cmp_i64(const void *a, const void *b) { int64_t x = *(const int64_t *)a, y = *(const int64_t *)b; return x < y ? -1 : x > y; }
static void grid_align(void) {
    int64_t ref = INT64_MAX, P = (int64_t)(PERIOD_US * 1000);   /* ns: the period is not a whole µs */
    long n = 0;
    int64_t *e = malloc(sizeof *e * (size_t)(n_conns ? n_conns : 1));
    for (long i = 0; i < n_conns; i++) {
        if (conns[i].offset == INT64_MAX) continue;
        if (ref == INT64_MAX) ref = conns[i].offset;
        int64_t d = ((conns[i].offset - ref) * 1000) % P;
        e[n++] = d < 0 ? d + P : d;
    }
    if (!n) { free(e); return; }
    qsort(e, (size_t)n, sizeof *e, cmp_i64);
    int64_t start = e[0], gap = e[0] + P - e[n - 1];
    for (long i = 1; i < n; i++) if (e[i] - e[i - 1] > gap) { gap = e[i] - e[i - 1]; start = e[i]; }
    for (long i = 0; i < n_conns; i++) {
        struct conn *c = &conns[i];
        if (c->offset == INT64_MAX) { c->grid = INT64_MAX; continue; }
        int64_t d = ((c->offset - ref) * 1000 - start) % P;
        if (d < 0) d += P;
        c->grid = c->offset - d / 1000;
    }
    free(e);
}

/* ---------------------------------------------------------------- the bot */
static inline uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static inline int32_t rdi32(const uint8_t *p) { return (int32_t)rd32(p); }
static inline void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }

static uint32_t est_tick(const struct conn *c, int64_t now) {
    /* the last snapshot's tick + the ticks since it arrived (at most 6: a server that fell
       behind sends late snapshots, and an estimate from the wall clock would run ahead of it
       into the 4411 "too far ahead" refusal) */
    int64_t d = (now - c->last_recv) / (int64_t)PERIOD_US;
    if (d < 0) d = 0;
    if (d > 6) d = 6;
    return c->last_tick + (uint32_t)d;
}

static void send_key(long i, uint8_t key, int64_t now) {
    struct conn *c = &conns[i];
    uint8_t f[8] = { 0x01, c->seat, key, 0 };
    wr32(f + 4, est_tick(c, now) + 2);
    c->key = key;
    n_inputs++;
    if (measuring) m_inputs++;
    if (send_frame(i, 0x2, f, 8)) conn_fail(i, "SSL_write");
}

/* where (ball top edge) the ball will be when it reaches this seat's paddle face; -1: moving away */
static int32_t predict_y(const int32_t *s, int seat) {
    int64_t x = s[6], y = s[7], vx = s[8], vy = s[9];
    if ((seat == 0 && vx >= 0) || (seat == 1 && vx <= 0)) return -1;
    int64_t face = seat == 0 ? FACE_LEFT : FACE_RIGHT;
    int64_t steps = (face - x) / vx;
    if (steps < 0) steps = 0;
    int64_t span = FIELD_H - BALL;
    int64_t yy = y + vy * steps;
    int64_t m = yy % (2 * span);
    if (m < 0) m += 2 * span;
    return (int32_t)(m <= span ? m : 2 * span - m);
}

static void bot_on_snapshot(long i, const uint8_t *p, int64_t now) {
    struct conn *c = &conns[i];
    if (opt_random || c->match_state != 2) return;
    int32_t s[56];
    for (int k = 0; k < 56; k++) s[k] = rdi32(p + 20 + 4 * k);
    int seat = c->seat;
    int32_t py = s[11 + seat], ph = s[13 + seat];
    int32_t target = predict_y(s, seat);
    target = target < 0 ? FIELD_H / 2 : target + BALL / 2;
    int32_t diff = target - (py + ph / 2);
    uint8_t want = diff < -ph / 4 ? 1 : diff > ph / 4 ? 2 : 0;
    if (want != c->key) send_key(i, want, now);
}

/* timers of one open connection: the random bot's key changes, the PING */
static void bot_timers(long i, int64_t now) {
    struct conn *c = &conns[i];
    if (c->state != ST_OPEN || c->over) return;
    if (opt_random && c->match_state == 2 && now >= c->next_change) {
        uint8_t k = (uint8_t)((c->key + 1 + rnd32() % 2) % 3);
        send_key(i, k, now);
        c->next_change = now + 500000 + rnd32() % 500000;
    }
    if (c->state == ST_OPEN && now >= c->next_ping) {
        uint8_t f[8] = { 0x02, 0, (uint8_t)c->rtt_ms, (uint8_t)(c->rtt_ms >> 8) };
        c->ping_id++;
        wr32(f + 4, c->ping_id);
        c->ping_sent = now;
        c->next_ping = now + 1000000;
        if (measuring) m_pings++;
        if (send_frame(i, 0x2, f, 8)) conn_fail(i, "SSL_write");
    }
}

/* ---------------------------------------------------------------- input */
static void on_joined(long i, const uint8_t *p, size_t len) {
    struct conn *c = &conns[i];
    const uint8_t *s = memmem(p, len, "\"seat\":", 7);
    if (!memmem(p, len, "\"type\":\"joined\"", 15) || !s) {
        char why[200];
        snprintf(why, sizeof why, "auth refused: %.*s", (int)(len < 120 ? len : 120), (const char *)p);
        errno = 0;
        conn_fail(i, why);
        return;
    }
    c->seat = s[7] == '1' ? 1 : 0;
    c->state = ST_OPEN;
    n_inflight--;
    n_open++;
    int64_t now = now_us();
    c->next_ping = now + (int64_t)(rnd32() % 1000000);
    c->next_change = now + 500000 + rnd32() % 500000;
}

static void on_text(long i, const uint8_t *p, size_t len) {
    if (measuring) m_text++;
    if (memmem(p, len, "\"type\":\"over\"", 13)) { n_over_texts++; conns[i].over = 1; }
    else if (memmem(p, len, "\"type\":\"paused\"", 15)) n_paused_texts++;
}

static void on_binary(long i, const uint8_t *p, size_t len, int64_t now) {
    struct conn *c = &conns[i];
    if (len < 1) { n_bad_frames++; return; }
    switch (p[0]) {
    case 0x10: {
        if (len != SNAP_BYTES) { n_bad_frames++; return; }
        uint8_t st = p[1];
        uint32_t tick = rd32(p + 4);
        int16_t late = (int16_t)(p[16] | p[17] << 8);
        n_snaps++;
        if (measuring) { m_snaps++; m_bytes += len; if (late > 0) m_late_inputs++; }
        if (st == 2) {
            if (!c->playing_seen) { c->playing_seen = 1; n_playing_conns++; }
            int64_t base = now - (int64_t)((double)tick * PERIOD_US);
            if (c->match_state == 2 && tick > c->last_tick + 3 && measuring) m_skipped += (tick - c->last_tick) / 3 - 1;
            if (base < c->offset) c->offset = base;
            if (measuring) {
                hist_add(&h_delay, base - c->offset);
                if (c->grid != INT64_MAX && c->grid) first_add(c->grid + (int64_t)((double)tick * PERIOD_US), base - c->offset);
            }
        }
        if (st == 4) c->over = 1;
        c->match_state = st;
        c->last_tick = tick;
        c->last_recv = now;
        bot_on_snapshot(i, p, now);
        break;
    }
    case 0x11: if (measuring) m_relays++; break;
    case 0x12:
        if (len == 12 && rd32(p + 4) == c->ping_id && c->ping_sent) {
            int64_t rtt = now - c->ping_sent;
            c->rtt_ms = (uint16_t)(rtt / 1000 > 65535 ? 65535 : rtt / 1000);
            if (measuring) { hist_add(&h_rtt, rtt); m_pongs++; }
        }
        break;
    default: n_bad_frames++;
    }
}

/* one frame (wsclient's parser): 0 go on, -1 the connection must go, -2 it is gone */
int ws_hook_frame(long i, int op, const uint8_t *p, size_t plen, int64_t now) {
    switch (op) {
    case 0x1:
        if (conns[i].state == ST_AUTH) { on_joined(i, p, plen); if (conns[i].state != ST_OPEN) return -2; }
        else on_text(i, p, plen);
        break;
    case 0x2: on_binary(i, p, plen, now); break;
    case 0x8: {
        int code = plen >= 2 ? (p[0] << 8) | p[1] : 1005;
        if (conns[i].state == ST_AUTH) {
            char why[64]; snprintf(why, sizeof why, "closed with %d before joined", code);
            errno = 0; conn_fail(i, why); return -2;
        }
        conn_closed_by_server(i, code);
        return -2;
    }
    case 0x9:
        if (plen <= 125 && send_frame(i, 0xA, p, plen)) return -1;
        break;
    default: break;
    }
    if (conns[i].state != ST_OPEN && conns[i].state != ST_AUTH) return -2;
    return 0;
}

void ws_hook_upgrade(long i) {
    char req[512];
    int l = snprintf(req, sizeof req,
        "GET /ws/game/%lld/ HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Origin: %s\r\nUser-Agent: pongd-bench-games\r\n\r\n", (long long)game_ids[i / 2], opt_host, opt_port, origin);
    ws_send_upgrade(i, req, (size_t)l);
}

int ws_hook_upgraded(long i) {
    conns[i].state = ST_AUTH;
    char auth[2200];
    int al = snprintf(auth, sizeof auth, "{\"type\":\"auth\",\"token\":\"%s\"}", tokens[i]);
    if (send_frame(i, 0x1, (const uint8_t *)auth, (size_t)al)) { conn_fail(i, "sending the auth frame"); return -1; }
    return 0;
}

void ws_hook_dropped(long i, int e) {
    (void)e;
    conn_fail(i, "connection dropped before joined");
}

static int game_connect(long i) {
    int r = start_connect(i);
    conns[i].offset = INT64_MAX;
    return r;
}


static void on_signal(int s) { (void)s; stop_flag = 1; }

static void usage(void) {
    fprintf(stderr,
        "usage: games -g GAMES_FILE [options]\n"
        "  -g FILE     games file: \"<game_id> <token A> <token B>\" per line\n"
        "  -n N        use the first N games of the file (all)\n"
        "  -h HOST     server address (127.0.0.1)\n"
        "  -p PORT     HTTPS/WSS port (4443)\n"
        "  -o ORIGIN   Origin header (https://HOST:PORT)\n"
        "  -k BOT      track (follow the ball) | random (a random key every 0.5-1 s)\n"
        "  -d SECS     measured phase (10)\n"
        "  -H SECS     warm-up once every game plays (3)\n"
        "  -S SECS     max wait for every game to play after connecting (15)\n"
        "  -b B        handshakes in flight at once (100)\n"
        "  -C SECS     max connect phase (120)   -t SECS per-connection connect timeout (20)\n"
        "  -L SECS     overall deadline (C+S+H+d+10)\n"
        "  -q          quiet\n");
    exit(2);
}

static void pump(int timeout_ms, int64_t *last_timers) {
    static struct epoll_event evs[512];
    int k = epoll_wait(epfd, evs, 512, timeout_ms);
    for (int j = 0; j < k; j++) on_event((long)evs[j].data.u64, evs[j].events);
    int64_t now = now_us();
    if (now - *last_timers >= 10000) {
        *last_timers = now;
        for (long i = 0; i < n_conns; i++) bot_timers(i, now);
    }
}

static void load_games(void) {
    FILE *f = fopen(opt_games, "r");
    if (!f) { perror(opt_games); exit(2); }
    long cap = 1024;
    game_ids = malloc(sizeof *game_ids * (size_t)cap);
    tokens = malloc(sizeof *tokens * (size_t)cap * 2);
    char line[4400];
    while (fgets(line, sizeof line, f) && (!opt_max_games || n_games < opt_max_games)) {
        long long id; char a[2100], b[2100];
        if (sscanf(line, "%lld %2099s %2099s", &id, a, b) != 3) continue;
        if (n_games == cap) {
            cap *= 2;
            game_ids = realloc(game_ids, sizeof *game_ids * (size_t)cap);
            tokens = realloc(tokens, sizeof *tokens * (size_t)cap * 2);
        }
        game_ids[n_games] = id;
        tokens[2 * n_games] = strdup(a);
        tokens[2 * n_games + 1] = strdup(b);
        n_games++;
    }
    fclose(f);
    if (!n_games) { fprintf(stderr, "games: no game in %s\n", opt_games); exit(2); }
    n_conns = 2 * n_games;
}

int main(int argc, char **argv) {
    int o;
    while ((o = getopt(argc, argv, "g:n:h:p:o:k:d:H:S:b:C:t:L:q")) != -1) {
        switch (o) {
        case 'g': opt_games = optarg; break;
        case 'n': opt_max_games = atol(optarg); break;
        case 'h': opt_host = optarg; break;
        case 'p': opt_port = atoi(optarg); break;
        case 'o': opt_origin = optarg; break;
        case 'k': if (!strcmp(optarg, "random")) opt_random = 1; else if (strcmp(optarg, "track")) usage(); break;
        case 'd': opt_dur = atof(optarg); break;
        case 'H': opt_hold = atof(optarg); break;
        case 'S': opt_start_wait = atof(optarg); break;
        case 'b': opt_batch = atol(optarg); break;
        case 'C': opt_conn_timeout = atof(optarg); break;
        case 't': opt_per_conn_timeout = atof(optarg); break;
        case 'L': opt_limit = atof(optarg); break;
        case 'q': opt_quiet = 1; break;
        default: usage();
        }
    }
    if (!opt_games || opt_batch < 1 || opt_dur <= 0) usage();
    if (opt_limit <= 0) opt_limit = opt_conn_timeout + opt_start_wait + opt_hold + opt_dur + 10;
    load_games();
    rng ^= (uint64_t)now_us() * 0x2545F4914F6CDD1Dull;
    if (opt_origin) snprintf(origin, sizeof origin, "%s", opt_origin);
    else snprintf(origin, sizeof origin, "https://%s:%d", opt_host, opt_port);

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t need = (rlim_t)n_conns + 64;
    if (rl.rlim_cur < need) {
        struct rlimit nr = { rl.rlim_max, rl.rlim_max };
        setrlimit(RLIMIT_NOFILE, &nr);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < need) { fprintf(stderr, "games: RLIMIT_NOFILE %lu < %lu\n", (unsigned long)rl.rlim_cur, (unsigned long)need); return 2; }
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    if (ws_resolve(opt_host, opt_port)) { fprintf(stderr, "games: cannot resolve %s\n", opt_host); return 2; }

    ctx = ws_ctx_new(0);

    conns = calloc((size_t)n_conns, sizeof *conns);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || epfd < 0) { perror("games"); return 1; }
    ws_conns = conns; ws_stride = sizeof *conns;
    for (long i = 0; i < n_conns; i++) { conns[i].fd = -1; conns[i].offset = INT64_MAX; }

    int64_t t0 = now_us(), deadline = t0 + (int64_t)(opt_limit * 1e6);
    int64_t conn_deadline = t0 + (int64_t)(opt_conn_timeout * 1e6);
    int64_t last_scan = t0, last_timers = t0;

    /* ---- connect */
    long next = 0;
    while (!stop_flag) {
        while (n_inflight < opt_batch && next < n_conns) game_connect(next++);
        if (next >= n_conns && n_inflight == 0) break;
        pump(20, &last_timers);
        int64_t now = now_us();
        if (now - last_scan > 200000) {
            last_scan = now;
            for (long i = 0; i < next; i++)
                if (CONNECTING(conns[i].state) && now - conns[i].t_start > (int64_t)(opt_per_conn_timeout * 1e6)) { errno = 0; conn_fail(i, "timeout"); }
        }
        if (now > conn_deadline) {
            for (long i = 0; i < next; i++) if (CONNECTING(conns[i].state)) { errno = 0; conn_fail(i, "connect phase deadline"); }
            n_failed += n_conns - next;
            next = n_conns;
            break;
        }
    }
    int64_t t_connected = now_us();
    double connect_s = (t_connected - t0) / 1e6;
    if (!opt_quiet) fprintf(stderr, "games: %ld/%ld sockets joined, %ld failed in %.2fs%s%s\n", n_open, n_conns, n_failed, connect_s,
                            first_fail[0] ? "; first failure: " : "", first_fail);

    /* ---- every game playing (the countdown) */
    int64_t start_end = t_connected + (int64_t)(opt_start_wait * 1e6);
    while (!stop_flag && (long)n_playing_conns < n_open && now_us() < start_end && now_us() < deadline) pump(20, &last_timers);
    int64_t t_playing = now_us();
    printf("READY sockets=%ld open=%ld failed=%ld playing=%llu connect_s=%.2f start_s=%.2f\n", n_conns, n_open, n_failed,
           (unsigned long long)n_playing_conns, connect_s, (t_playing - t_connected) / 1e6);
    fflush(stdout);

    /* ---- warm-up: offsets learnt, rallies under way */
    int64_t hold_end = t_playing + (int64_t)(opt_hold * 1e6);
    while (!stop_flag && now_us() < hold_end && now_us() < deadline) pump(20, &last_timers);

    /* ---- measure */
    long open_m0 = n_open;
    uint64_t over0 = n_over_texts, paused0 = n_paused_texts;
    double cpu0 = cpu_seconds();
    int64_t tm0 = now_us(), tm_end = tm0 + (int64_t)(opt_dur * 1e6);
    grid_align();
    for (int r = 0; r < RING; r++) ring[r].k = -1;
    ring_t0 = now_us();
    printf("MEASURE_START\n");
    fflush(stdout);
    measuring = 1;
    while (!stop_flag && now_us() < tm_end && now_us() < deadline) pump(5, &last_timers);
    measuring = 0;
    first_flush();
    int64_t tm1 = now_us();
    double cpu1 = cpu_seconds();
    double ms = (tm1 - tm0) / 1e6;
    printf("MEASURE_END\n");
    fflush(stdout);
    /* the sockets stay up one more second: the script reads the server's CPU time and memory
       at MEASURE_END, before the closes */
    int64_t linger = now_us() + 1000000;
    while (!stop_flag && now_us() < linger) pump(20, &last_timers);
    long playing_open = 0;
    for (long i = 0; i < n_conns; i++) if (conns[i].state == ST_OPEN && !conns[i].over) playing_open++;

    char closes[256];
    ws_close_codes(closes, sizeof closes);
    double expected = 20.0 * (double)open_m0 * ms;
    fprintf(stderr,
            "games: %ld games (%ld sockets, %ld open at the start of the measure, %ld still playing at its end), %s bots, measured %.2fs\n"
            "  snapshots: %.0f/s received (%.0f/s expected at 20/s per socket, %.1f%%), %llu skipped (tick gaps), %.2f MB/s\n"
            "  snapshot delay beyond the socket's fastest, ms: p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f (%llu samples)\n"
            "  first snapshot of each grid tick (outside view of tick lateness), ms: p50=%.3f p99=%.3f max=%.3f (%llu ticks)\n"
            "  PING rtt ms: p50=%.3f p99=%.3f max=%.3f (%llu)\n"
            "  inputs sent %.1f/s, reported late %llu, relays %.1f/s, games over %llu, pauses %llu, server closes %ld [%s], bad frames %llu\n"
            "  generator CPU during the measure: %.0f%% of one core\n",
            n_games, n_conns, open_m0, playing_open, opt_random ? "random" : "tracking", ms,
            m_snaps / ms, expected / ms, expected > 0 ? 100.0 * (double)m_snaps / expected : 0.0, (unsigned long long)m_skipped, m_bytes / ms / 1e6,
            hist_q(&h_delay, 0.5) / 1e3, hist_q(&h_delay, 0.9) / 1e3, hist_q(&h_delay, 0.99) / 1e3, hist_q(&h_delay, 0.999) / 1e3,
            h_delay.max / 1e3, (unsigned long long)h_delay.count,
            hist_q(&h_first, 0.5) / 1e3, hist_q(&h_first, 0.99) / 1e3, h_first.max / 1e3, (unsigned long long)h_first.count,
            hist_q(&h_rtt, 0.5) / 1e3, hist_q(&h_rtt, 0.99) / 1e3, h_rtt.max / 1e3, (unsigned long long)h_rtt.count,
            m_inputs / ms, (unsigned long long)m_late_inputs, m_relays / ms, (unsigned long long)n_over_texts / 2,
            (unsigned long long)n_paused_texts, n_closed_by_server, closes, (unsigned long long)n_bad_frames, 100 * (cpu1 - cpu0) / ms);
    if (first_fail[0]) fprintf(stderr, "  first failure: %s\n", first_fail);
    printf("RESULT games=%ld sockets=%ld open=%ld failed=%ld playing_end=%ld connect_s=%.2f measure_s=%.3f snaps=%llu snaps_per_s=%.0f "
           "expected_per_s=%.0f skipped=%llu delay_p50_ms=%.3f delay_p90_ms=%.3f delay_p99_ms=%.3f delay_p999_ms=%.3f delay_max_ms=%.3f "
           "first_p50_ms=%.3f first_p99_ms=%.3f first_max_ms=%.3f rtt_p50_ms=%.3f rtt_p99_ms=%.3f inputs_per_s=%.1f late_inputs=%llu relays_per_s=%.1f games_over=%llu games_over_measure=%llu pauses=%llu "
           "pauses_measure=%llu server_closes=%ld close_codes=%s bad_frames=%llu gen_cpu_pct=%.0f gen_cpu_s=%.2f bot=%s\n",
           n_games, n_conns, open_m0, n_failed, playing_open, connect_s, ms, (unsigned long long)m_snaps, m_snaps / ms, expected / ms,
           (unsigned long long)m_skipped, hist_q(&h_delay, 0.5) / 1e3, hist_q(&h_delay, 0.9) / 1e3, hist_q(&h_delay, 0.99) / 1e3,
           hist_q(&h_delay, 0.999) / 1e3, h_delay.max / 1e3,
           hist_q(&h_first, 0.5) / 1e3, hist_q(&h_first, 0.99) / 1e3, h_first.max / 1e3, hist_q(&h_rtt, 0.5) / 1e3, hist_q(&h_rtt, 0.99) / 1e3, m_inputs / ms,
           (unsigned long long)m_late_inputs, m_relays / ms, (unsigned long long)n_over_texts / 2,
           (unsigned long long)(n_over_texts - over0) / 2, (unsigned long long)n_paused_texts, (unsigned long long)(n_paused_texts - paused0),
           n_closed_by_server, closes, (unsigned long long)n_bad_frames, 100 * (cpu1 - cpu0) / ms, cpu1 - cpu0, opt_random ? "random" : "track");
    fflush(stdout);
    return 0;
}
