/*
 * broadcast: WSS room-chat load generator for pongd (and the Node ws reference server).
 *
 * One process, one thread, epoll + OpenSSL, a minimal client-side RFC 6455 framing.
 * Opens N WebSocket connections to one room (at most B handshakes in flight at a time),
 * optionally holds them idle, then S of them send timestamped chat messages at a total
 * rate of R messages/s for D seconds: {"message":"<seq> <t_us>"} where t_us is this
 * process's CLOCK_MONOTONIC in microseconds. Every socket receives the broadcasts
 * ({"message":"<seq> <t_us>","room":...,"at":...,...}) and records latency = now - t_us.
 *
 * Rooms (-G R, default 1): connection i joins room i mod R (named ROOM-0 .. ROOM-<R-1> when
 * R > 1), so the rooms hold N/R connections each and the senders (the first S open
 * connections) are spread over them round-robin; a message is expected at every open socket
 * of its sender's room, and a delivery of it to a socket of another room counts as misrouted.
 * With R = 1 (the default) nothing changes: one room named ROOM.
 *
 * Login: pongd's room chat takes logged-in users only. With an access token in the
 * environment variable BROADCAST_TOKEN (one token may serve every connection), each
 * connection sends {"type":"auth","token":"..."} right after the 101 and counts as
 * connected only once {"type":"auth_ok",...} arrives (any other answer, or a close, is a
 * connect failure). Without it no auth frame is sent (the Node reference server).
 *
 * Everything is bounded: connect phase (-C), idle hold (-H), send phase (-d), drain (-W),
 * and an overall deadline (-L). It stops by itself.
 *
 * Output: human-readable summary on stderr, one machine-readable line on stdout:
 *   RESULT key=value ...
 * and, when all connections are up, "READY connected=N failed=F" on stdout (flushed), so
 * a script can sample the server's memory while the connections are idle.
 *
 * Transport (connections, TLS, upgrade, framing, histogram): bench/wsclient.c.
 * Build: bench/build.sh (cc -O2 -o build/bench/broadcast bench/broadcast.c bench/wsclient.c $(pkg-config --cflags --libs openssl))
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
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
static const char *opt_room = "bench";
static const char *opt_path = NULL;   /* default /ws/chat/<room>/ */
static const char *opt_origin = NULL; /* default https://<host>:<port> */
static long opt_n = 100;              /* connections */
static long opt_s = -1;               /* senders, default min(n, 100) */
static double opt_rate = 100;         /* total messages per second */
static double opt_dur = 10;           /* send phase seconds */
static long opt_batch = 100;          /* handshakes in flight */
static double opt_hold = 0;           /* idle seconds between connect and send */
static double opt_drain = 5;          /* max seconds to wait for stragglers after sending */
static double opt_conn_timeout = 120; /* whole connect phase */
static double opt_per_conn_timeout = 20; /* one connection's connect+TLS+upgrade */
static double opt_limit = 0;          /* overall deadline, default computed */
static int opt_resume = 0;            /* reuse a TLS session (cheaper handshakes) */
static int opt_quiet = 0;
static int opt_release = 0;           /* SSL_MODE_RELEASE_BUFFERS: less memory, more CPU */
static long opt_rooms = 1;            /* rooms: connection i joins room i % opt_rooms */

/* ---------------------------------------------------------------- state (the transport: wsclient.h) */
static hist_t hist;

#define AUTH_TOKEN_MAX 2048
static char auth_frame[AUTH_TOKEN_MAX + 64]; /* {"type":"auth","token":"..."}; empty: no login */
static size_t auth_len;

struct conn {
    WSCONN_FIELDS
};

static struct conn *conns;
static char (*upgrade_req)[1024];     /* one request per room */
static size_t *upgrade_len;

/* rooms: the room of each message sent (by seq), the open sockets per room */
static uint32_t *sent_room;
static size_t sent_room_cap;
static long *room_open;
static long room_open_at = -1;        /* n_open when room_open was counted */
static uint64_t n_misrouted;

/* counters */
static long n_open_at_send;
static uint64_t n_sent, n_recv, n_recv_send_phase, n_err_frames, n_other_frames, n_unparsed;
static uint64_t n_pings;
static int64_t t_send_start, t_send_end, t_last_recv;
static int sending;


/* --------------------------------------------------------------- input */
static void on_open(long i) {
    struct conn *c = &conns[i];
    c->state = ST_OPEN;
    n_inflight--;
    n_open++;
}

/* The first text frame after the auth frame: auth_ok opens the connection, anything else
 * fails it. 0 = open, -2 = failed (connection freed). */
static int on_auth_answer(long i, const uint8_t *p, size_t len) {
    if (memmem(p, len, "\"type\":\"auth_ok\"", 16)) {
        on_open(i);
        return 0;
    }
    char why[160];
    snprintf(why, sizeof why, "login refused: %.*s", (int)(len < 100 ? len : 100), (const char *)p);
    errno = 0;
    conn_fail(i, why);
    return -2;
}

static void handle_text(long i, const uint8_t *p, size_t len, int64_t now) {
    /* {"message":"<seq> <t_us>", ...} ; error frames start with {"error" (their
     * {"code":…,"message":"…"} must not be taken for a broadcast) or are chat.error frames */
    static const char key[] = "\"message\":\"";
    if ((len >= 8 && memcmp(p, "{\"error\"", 8) == 0) || memmem(p, len, "\"type\":\"chat.error\"", 19)) {
        n_err_frames++;
        return;
    }
    const uint8_t *k = memmem(p, len, key, sizeof key - 1);
    if (!k) {
        if (memmem(p, len, "\"error\"", 7)) n_err_frames++;
        else n_unparsed++;
        return;
    }
    const char *s = (const char *)k + sizeof key - 1, *end = (const char *)p + len;
    uint64_t seq = 0;
    while (s < end && *s >= '0' && *s <= '9') seq = seq * 10 + (uint64_t)(*s++ - '0');
    if (s >= end || *s != ' ') { n_unparsed++; return; }
    s++;
    int64_t t = 0;
    while (s < end && *s >= '0' && *s <= '9') t = t * 10 + (*s++ - '0');
    if (s >= end || *s != '"') { n_unparsed++; return; }
    n_recv++;
    if (opt_rooms > 1 && seq < n_sent && sent_room[seq] != (uint32_t)(i % opt_rooms)) n_misrouted++;
    if (sending) n_recv_send_phase++;
    t_last_recv = now;
    hist_add(&hist, now - t);
}

/* one frame (wsclient's parser): 0 go on, -1 the connection must go, -2 it is gone */
int ws_hook_frame(long i, int op, const uint8_t *p, size_t plen, int64_t now) {
    switch (op) {
    case 0x1:
        if (conns[i].state == ST_AUTH) {
            if (on_auth_answer(i, p, plen)) return -2;
        } else {
            handle_text(i, p, plen, now);
        }
        break;
    case 0x8: {
        int code = plen >= 2 ? (p[0] << 8) | p[1] : 1005;
        if (conns[i].state == ST_AUTH) { /* 4001: the token was refused */
            char why[64];
            snprintf(why, sizeof why, "closed with %d before auth_ok", code);
            errno = 0;
            conn_fail(i, why);
            return -2;
        }
        conn_closed_by_server(i, code);
        return -2;
    }
    case 0x9:
        n_pings++;
        if (plen <= 125 && send_frame(i, 0xA, p, plen)) return -1;
        break;
    case 0xA: break;
    default: n_other_frames++; break;
    }
    return 0;
}

void ws_hook_upgrade(long i) { ws_send_upgrade(i, upgrade_req[i % opt_rooms], upgrade_len[i % opt_rooms]); }

/* open sockets in room r (recounted when the number of open sockets changed) */
static long open_in_room(long r) {
    if (room_open_at != n_open) {
        memset(room_open, 0, (size_t)opt_rooms * sizeof *room_open);
        for (long i = 0; i < opt_n; i++)
            if (conns[i].state == ST_OPEN) room_open[i % opt_rooms]++;
        room_open_at = n_open;
    }
    return room_open[r];
}

int ws_hook_upgraded(long i) {
    struct conn *c = &conns[i];
    if (auth_len) { /* log in first: open once auth_ok arrives */
        c->state = ST_AUTH;
        if (send_frame(i, 0x1, (const uint8_t *)auth_frame, auth_len)) { conn_fail(i, "sending the auth frame"); return -1; }
    } else {
        on_open(i);
    }
    return 0;
}

void ws_hook_dropped(long i, int e) {
    if (conns[i].state == ST_AUTH) conn_fail(i, "connection dropped before auth_ok (no login within the server's deadline?)");
    else conn_fail(i, e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ? "connection closed during upgrade" : "SSL_read");
}

static int new_session_cb(SSL *s, SSL_SESSION *sess) {
    (void)s;
    if (!ws_session) { ws_session = sess; return 1; } /* keep the reference */
    return 0;
}


static void on_signal(int s) { (void)s; stop_flag = 1; }

static void usage(void) {
    fprintf(stderr,
        "usage: broadcast [options]\n"
        "  -h HOST     server address (127.0.0.1)\n"
        "  -p PORT     HTTPS/WSS port (4443)\n"
        "  -r ROOM     room name (bench); path /ws/chat/ROOM/\n"
        "  -P PATH     WebSocket path (overrides -r; only with one room)\n"
        "  -G R        rooms (1): connection i joins room ROOM-(i mod R); with 1, room ROOM\n"
        "  -o ORIGIN   Origin header (https://HOST:PORT)\n"
        "  -n N        connections (100)\n"
        "  -s S        sending connections (min(N,100)); 0 = idle run\n"
        "  -R RATE     total messages per second over all senders (100)\n"
        "  -d SECS     send phase duration (10)\n"
        "  -b B        handshakes in flight at once (100)\n"
        "  -H SECS     hold connections idle before sending (0)\n"
        "  -W SECS     max drain time after sending (5)\n"
        "  -C SECS     max connect phase duration (120)\n"
        "  -t SECS     per-connection connect timeout (20)\n"
        "  -L SECS     overall deadline (connect+hold+send+drain+10)\n"
        "  -T          resume one TLS session on all connections (cheaper handshakes)\n"
        "  -m          release idle TLS buffers (less generator memory, more generator CPU)\n"
        "  -q          quiet: no progress lines\n"
        "environment: BROADCAST_TOKEN=<access token>: log every connection in with it first\n"
        "  ({\"type\":\"auth\",...}, then wait for auth_ok); unset: no auth frame\n");
    exit(2);
}

int main(int argc, char **argv) {
    int o;
    while ((o = getopt(argc, argv, "h:p:r:P:o:n:s:R:d:b:H:W:C:t:L:G:Tmq")) != -1) {
        switch (o) {
        case 'h': opt_host = optarg; break;
        case 'p': opt_port = atoi(optarg); break;
        case 'r': opt_room = optarg; break;
        case 'P': opt_path = optarg; break;
        case 'o': opt_origin = optarg; break;
        case 'n': opt_n = atol(optarg); break;
        case 's': opt_s = atol(optarg); break;
        case 'R': opt_rate = atof(optarg); break;
        case 'd': opt_dur = atof(optarg); break;
        case 'b': opt_batch = atol(optarg); break;
        case 'H': opt_hold = atof(optarg); break;
        case 'W': opt_drain = atof(optarg); break;
        case 'C': opt_conn_timeout = atof(optarg); break;
        case 't': opt_per_conn_timeout = atof(optarg); break;
        case 'L': opt_limit = atof(optarg); break;
        case 'G': opt_rooms = atol(optarg); break;
        case 'T': opt_resume = 1; break;
        case 'm': opt_release = 1; break;
        case 'q': opt_quiet = 1; break;
        default: usage();
        }
    }
    if (opt_n < 1 || opt_n > 1000000 || opt_batch < 1 || opt_rate < 0 || opt_dur < 0) usage();
    if (opt_rooms < 1 || opt_rooms > opt_n || (opt_rooms > 1 && opt_path)) usage();
    if (opt_s < 0) opt_s = opt_n < 100 ? opt_n : 100;
    if (opt_s > opt_n) opt_s = opt_n;
    if (opt_limit <= 0) opt_limit = opt_conn_timeout + opt_hold + opt_dur + opt_drain + 10;
    const char *token = getenv("BROADCAST_TOKEN");
    if (token && *token) {
        size_t tl = strlen(token);
        if (tl > AUTH_TOKEN_MAX || strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != tl) {
            fprintf(stderr, "broadcast: BROADCAST_TOKEN is not a JWT (base64url parts and dots, at most %d characters)\n", AUTH_TOKEN_MAX);
            return 2;
        }
        auth_len = (size_t)snprintf(auth_frame, sizeof auth_frame, "{\"type\":\"auth\",\"token\":\"%s\"}", token);
    }

    /* file descriptors: N sockets + a few */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t need = (rlim_t)opt_n + 64;
    if (rl.rlim_cur < need) {
        rlim_t want = need < 65536 ? 65536 : need;
        struct rlimit nr = { want, rl.rlim_max > want ? rl.rlim_max : want };
        if (setrlimit(RLIMIT_NOFILE, &nr)) {
            nr.rlim_cur = rl.rlim_max; nr.rlim_max = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &nr);
        }
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < need) {
            fprintf(stderr, "broadcast: RLIMIT_NOFILE is %lu, need %lu (raise the hard limit)\n",
                    (unsigned long)rl.rlim_cur, (unsigned long)need);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    /* address */
    if (ws_resolve(opt_host, opt_port)) { fprintf(stderr, "broadcast: cannot resolve %s\n", opt_host); return 2; }

    char path[512], origin[512];
    if (opt_origin) snprintf(origin, sizeof origin, "%s", opt_origin);
    else snprintf(origin, sizeof origin, "https://%s:%d", opt_host, opt_port);
    upgrade_req = calloc((size_t)opt_rooms, sizeof *upgrade_req);
    upgrade_len = calloc((size_t)opt_rooms, sizeof *upgrade_len);
    room_open = calloc((size_t)opt_rooms, sizeof *room_open);
    if (!upgrade_req || !upgrade_len || !room_open) { perror("broadcast"); return 1; }
    for (long r = 0; r < opt_rooms; r++) {
        if (opt_path) snprintf(path, sizeof path, "%s", opt_path);
        else if (opt_rooms == 1) snprintf(path, sizeof path, "/ws/chat/%s/", opt_room);
        else snprintf(path, sizeof path, "/ws/chat/%s-%ld/", opt_room, r);
        /* key: fixed base64 of 16 bytes; servers accept any valid key */
        int l = snprintf(upgrade_req[r], sizeof upgrade_req[r],
            "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Origin: %s\r\nUser-Agent: pongd-bench-broadcast\r\n\r\n", path, opt_host, opt_port, origin);
        if (l < 0 || (size_t)l >= sizeof upgrade_req[r]) { fprintf(stderr, "broadcast: upgrade request too long\n"); return 2; }
        upgrade_len[r] = (size_t)l;
    }

    /* TLS: no verification (self-signed test certificates on loopback) */
    ctx = ws_ctx_new(opt_release);
    ws_sni_host = opt_host;
    if (opt_resume) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    }

    conns = calloc((size_t)opt_n, sizeof *conns);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || epfd < 0) { perror("broadcast"); return 1; }
    ws_conns = conns; ws_stride = sizeof *conns;

    struct epoll_event evs[512];
    int64_t t0 = now_us(), deadline = t0 + (int64_t)(opt_limit * 1e6);
    int64_t conn_deadline = t0 + (int64_t)(opt_conn_timeout * 1e6);
    int64_t last_scan = t0, last_progress = t0;

    /* ---- connect phase */
    long next = 0;
    while (!stop_flag) {
        while (n_inflight < opt_batch && next < opt_n) start_connect(next++);
        if (next >= opt_n && n_inflight == 0) break;
        int k = epoll_wait(epfd, evs, 512, 50);
        for (int j = 0; j < k; j++) on_event((long)evs[j].data.u64, evs[j].events);
        int64_t now = now_us();
        if (now - last_scan > 200000) {
            last_scan = now;
            int64_t lim = (int64_t)(opt_per_conn_timeout * 1e6);
            for (long i = 0; i < next; i++) {
                struct conn *c = &conns[i];
                if (CONNECTING(c->state) && now - c->t_start > lim) {
                    errno = 0; conn_fail(i, "timeout");
                }
            }
        }
        if (!opt_quiet && now - last_progress > 2000000) {
            last_progress = now;
            fprintf(stderr, "broadcast: connecting %ld/%ld open, %ld failed, %.1fs\n", n_open, opt_n, n_failed, (now - t0) / 1e6);
        }
        if (now > conn_deadline) {
            for (long i = 0; i < next; i++) {
                struct conn *c = &conns[i];
                if (CONNECTING(c->state)) { errno = 0; conn_fail(i, "connect phase deadline"); }
            }
            n_failed += opt_n - next; /* never started */
            next = opt_n;
            break;
        }
    }
    int64_t t_connected = now_us();
    double connect_s = (t_connected - t0) / 1e6;
    double cpu_ready = cpu_seconds();
    printf("READY connected=%ld failed=%ld connect_s=%.2f\n", n_open, n_failed, connect_s);
    fflush(stdout);
    if (!opt_quiet)
        fprintf(stderr, "broadcast: %ld open%s, %ld failed in %.2fs%s%s\n", n_open, auth_len ? " (logged in)" : "", n_failed, connect_s,
                first_fail[0] ? "; first failure: " : "", first_fail);

    /* ---- hold idle */
    int64_t hold_end = t_connected + (int64_t)(opt_hold * 1e6);
    while (!stop_flag && now_us() < hold_end && now_us() < deadline) {
        int k = epoll_wait(epfd, evs, 512, 100);
        for (int j = 0; j < k; j++) on_event((long)evs[j].data.u64, evs[j].events);
    }

    /* ---- send phase */
    long *senders = calloc((size_t)(opt_s ? opt_s : 1), sizeof *senders);
    long ns = 0;
    for (long i = 0; i < opt_n && ns < opt_s; i++) if (conns[i].state == ST_OPEN) senders[ns++] = i;
    n_open_at_send = n_open;
    uint64_t expected = 0;
    double cpu_send0 = cpu_seconds(), cpu_send1 = cpu_send0;
    uint64_t bytes_send0 = ws_bytes_in;
    if (ns > 0 && opt_rate > 0 && opt_dur > 0) {
        sending = 1;
        t_send_start = now_us();
        int64_t send_end = t_send_start + (int64_t)(opt_dur * 1e6);
        long rr = 0;
        char msg[96];
        while (!stop_flag) {
            int64_t now = now_us();
            if (now >= send_end || now > deadline) break;
            uint64_t target = (uint64_t)((double)(now - t_send_start) * opt_rate / 1e6) + 1;
            uint64_t burst = 0;
            while (n_sent < target && burst < 4096) {
                long tries = 0;
                while (conns[senders[rr]].state != ST_OPEN && tries < ns) { rr = (rr + 1) % ns; tries++; }
                if (tries >= ns) { stop_flag = conns[senders[rr]].state != ST_OPEN ? 2 : stop_flag; break; }
                long i = senders[rr];
                rr = (rr + 1) % ns;
                int64_t ts = now_us();
                int l = snprintf(msg, sizeof msg, "{\"message\":\"%llu %lld\"}",
                                 (unsigned long long)n_sent, (long long)ts);
                if (opt_rooms > 1) {
                    if (n_sent >= sent_room_cap) {
                        size_t cap = sent_room_cap ? 2 * sent_room_cap : 65536;
                        uint32_t *nr = realloc(sent_room, cap * sizeof *nr);
                        if (!nr) { perror("broadcast"); return 1; }
                        sent_room = nr;
                        sent_room_cap = cap;
                    }
                    sent_room[n_sent] = (uint32_t)(i % opt_rooms);
                    expected += (uint64_t)open_in_room(i % opt_rooms); /* every open socket of its room, sender included */
                } else {
                    expected += (uint64_t)n_open; /* every open socket of the room, sender included */
                }
                n_sent++; burst++;
                if (send_frame(i, 0x1, (const uint8_t *)msg, (size_t)l)) conn_fail(i, "SSL_write");
            }
            /* wait at most until the next message is due */
            int64_t due = t_send_start + (int64_t)((double)(n_sent) * 1e6 / opt_rate);
            int64_t wait = (due - now_us()) / 1000;
            if (wait < 0) wait = 0;
            if (wait > 50) wait = 50;
            int k = epoll_wait(epfd, evs, 512, (int)wait);
            for (int j = 0; j < k; j++) on_event((long)evs[j].data.u64, evs[j].events);
        }
        t_send_end = now_us();
        sending = 0;
        if (stop_flag == 2) {
            fprintf(stderr, "broadcast: every sending connection is closed: send phase ended early\n");
            stop_flag = 0;
        }
        cpu_send1 = cpu_seconds();
        /* ---- drain */
        int64_t drain_end = t_send_end + (int64_t)(opt_drain * 1e6);
        while (!stop_flag && n_recv < expected) {
            int64_t now = now_us();
            if (now >= drain_end || now > deadline) break;
            int k = epoll_wait(epfd, evs, 512, 20);
            for (int j = 0; j < k; j++) on_event((long)evs[j].data.u64, evs[j].events);
        }
    }
    int64_t t_end = now_us();

    double send_s = t_send_end > t_send_start ? (t_send_end - t_send_start) / 1e6 : 0;
    double span_s = t_last_recv > t_send_start ? (t_last_recv - t_send_start) / 1e6 : 0;
    uint64_t lost = expected > n_recv ? expected - n_recv : 0;
    double gen_cpu = send_s > 0 ? (cpu_send1 - cpu_send0) / send_s : 0;
    char closes[256];
    ws_close_codes(closes, sizeof closes);

    {
        fprintf(stderr,
            "broadcast: n=%ld open=%ld senders=%ld rate=%.0f msg/s for %.2fs -> sent=%llu\n"
            "  deliveries expected=%llu received=%llu lost=%llu (%.3f%%)\n"
            "  deliveries/s: %.0f received during the send phase / its duration, %.0f all received / first-send..last-receive (%.2fs)\n"
            "  latency ms: p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f\n"
            "  rooms=%ld, misrouted deliveries=%llu\n"
            "  connect failures=%ld, server closes=%ld [%s], error frames=%llu, unparsed=%llu, pings=%llu\n"
            "  generator CPU during send: %.0f%% of one core; received %.1f MB during send\n",
            opt_n, n_open_at_send, ns, opt_rate, send_s, (unsigned long long)n_sent,
            (unsigned long long)expected, (unsigned long long)n_recv, (unsigned long long)lost,
            expected ? 100.0 * (double)lost / (double)expected : 0.0,
            send_s > 0 ? (double)n_recv_send_phase / send_s : 0.0,
            span_s > 0 ? (double)n_recv / span_s : 0.0, span_s,
            hist_q(&hist, 0.5) / 1e3, hist_q(&hist, 0.9) / 1e3, hist_q(&hist, 0.99) / 1e3, hist_q(&hist, 0.999) / 1e3, hist.max / 1e3,
            opt_rooms, (unsigned long long)n_misrouted, n_failed, n_closed_by_server, closes, (unsigned long long)n_err_frames, (unsigned long long)n_unparsed,
            (unsigned long long)n_pings, gen_cpu * 100, (ws_bytes_in - bytes_send0) / 1e6);
        if (first_fail[0]) fprintf(stderr, "  first failure: %s\n", first_fail);
    }
    printf("RESULT n=%ld open=%ld connect_failures=%ld connect_s=%.2f senders=%ld rate=%.1f send_s=%.3f sent=%llu "
           "expected=%llu received=%llu received_in_send=%llu lost=%llu deliveries_per_s=%.0f deliveries_per_s_span=%.0f "
           "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f server_closes=%ld close_codes=%s "
           "error_frames=%llu unparsed=%llu gen_cpu_pct=%.0f gen_cpu_after_ready_s=%.2f after_ready_s=%.2f total_s=%.2f auth=%d rooms=%ld misrouted=%llu\n",
           opt_n, n_open_at_send, n_failed, connect_s, ns, opt_rate, send_s, (unsigned long long)n_sent,
           (unsigned long long)expected, (unsigned long long)n_recv, (unsigned long long)n_recv_send_phase,
           (unsigned long long)lost,
           (send_s > span_s ? send_s : span_s) > 0 ? (double)n_recv / (send_s > span_s ? send_s : span_s) : 0.0,
           span_s > 0 ? (double)n_recv / span_s : 0.0,
           hist_q(&hist, 0.5) / 1e3, hist_q(&hist, 0.9) / 1e3, hist_q(&hist, 0.99) / 1e3, hist_q(&hist, 0.999) / 1e3, hist.max / 1e3,
           n_closed_by_server, closes, (unsigned long long)n_err_frames, (unsigned long long)n_unparsed,
           gen_cpu * 100, cpu_seconds() - cpu_ready, (now_us() - t_connected) / 1e6, (t_end - t0) / 1e6, auth_len ? 1 : 0,
           opt_rooms, (unsigned long long)n_misrouted);
    fflush(stdout);
    /* leave without a closing handshake: the kernel closes the sockets */
    return 0;
}
