/* Every size, count and time limit of pongd, in one place (SQLite's sqliteLimit.h style).
 * Values that an operator may change are defaults of configuration variables (config.h). */
#ifndef PONGD_LIMITS_H
#define PONGD_LIMITS_H

/* HTTP */
#define LIM_HTTP_HEADER_BYTES     8192u     /* all request headers; more -> 431 */
#define LIM_HTTP_URI_BYTES        4096u     /* request target; more -> 414 */
#define LIM_HTTP_HEADER_POOL      4096u     /* connections parsing headers at once (allocated as used) */
#define LIM_HTTP_BODY_DEFAULT     6291456u  /* MAX_BODY_BYTES default: a 5 MiB avatar fits */
#define LIM_HTTP_BODY_MAX         (64u * 1048576u) /* MAX_BODY_BYTES upper bound */
#define LIM_HTTP_HEADER_TIMEOUT_S 10        /* HEADER_TIMEOUT default */
#define LIM_HTTP_KEEPALIVE_S      30        /* idle keep-alive connection lifetime */
#define LIM_HTTP_RESP_HEADERS     16        /* extra response headers per response */
#define LIM_HTTP_CHUNK_BYTES      16384u    /* body bytes written per writeable callback */
#define LIM_TX_PACKET_BYTES       32768u    /* largest single send (head + a body chunk, or coalesced frames) */

/* Static files (loaded into memory at start) */
#define LIM_STATIC_FILE_BYTES     (32u * 1048576u)
#define LIM_STATIC_TOTAL_BYTES    (256u * 1048576u)
#define LIM_STATIC_FILES          4096u
#define LIM_STATIC_DEPTH          8
#define LIM_STATIC_GZIP_MIN       256u      /* smaller text files are not compressed */

/* WebSocket */
#define LIM_WS_MESSAGE_BYTES      65536u    /* one message, all fragments; more -> 1009 */
#define LIM_WS_RX_CHUNK           1024u     /* lws receive buffer per connection; longer messages arrive in pieces */
#define LIM_WS_QUEUE_DEFAULT      1048576u  /* WS_QUEUE_MAX_BYTES default */
#define LIM_WS_QUEUE_MSGS         8192u     /* queued messages per connection */
#define LIM_WS_COALESCE_BYTES     16000u    /* frames gathered into one write (one TLS record) */
#define LIM_WS_PING_DEFAULT_S     30        /* WS_PING_INTERVAL default */
#define LIM_WS_CLOSE_GRACE_S      5         /* a closing peer gets this long to drain */
#define LIM_WS_LOAD_WINDOW_US     100000    /* broadcast load is judged per 100 ms window */
#define LIM_WS_BUSY_DELIVERIES    5000u     /* > 50,000 deliveries/s: pace writes */
#define LIM_WS_PACE_US            10000     /* paced: each socket written at most every 10 ms */

#define LIM_WS_PATH_BYTES         256u      /* a WebSocket's request path (chat rooms, games, spectators) */

/* Rooms (topics a connection joins: chat rooms, a user's tabs, games) */
#define LIM_ROOM_NAME_BYTES       64u

/* Chat */
#define LIM_CHAT_ROOM_NAME        64u       /* [A-Za-z0-9_-]{1,64} */
#define LIM_CHAT_MESSAGE_CHARS    2000u     /* Unicode code points */
#define LIM_CHAT_RATE_DEFAULT     5         /* messages per second per user, burst 2x (docs/chat.md) */

/* Remote games */
#define LIM_GAME_RESUME_DEFAULT_S 30        /* GAME_RESUME_SECONDS default */
#define LIM_GAME_INVITE_DEFAULT_S 300       /* GAME_INVITE_SECONDS default */
#define LIM_GAME_PAUSES           3         /* drops a player may resume from in one game; the next forfeits */
#define LIM_GAME_AHEAD_TICKS      30        /* inputs stamped further ahead of the server: close 4411 */
#define LIM_GAME_FRAMES_PER_S     120       /* client frames per second on a game socket: more, close 4429 */
#define LIM_GAME_FRAME_BYTES      64        /* a client frame on a game socket: more, close 4413 */
#define LIM_GAME_LOG_INPUTS       65536u    /* input changes kept per game (the replay); past it the game is void */
#define LIM_GAME_SPECTATORS       256       /* spectator sockets per game; past it a watcher is closed 4003 */
#define LIM_QUEUE_ENTRIES         100000    /* quick-play queue entries (one per account); past it POST /api/queue answers 503 */
#define LIM_QUEUE_BLOCKS          1000      /* blocks (either way) an entry carries; more are not looked at */
#define LIM_QUEUE_PAIRINGS        64        /* pairs being made into games at once (database jobs) */
#define LIM_REMATCH_OFFERS        4096      /* rematch offers held at once (60 s each) */

/* Worker pool */
#define LIM_POOL_THREADS_DEFAULT  4
#define LIM_POOL_THREADS_MAX      64
#define LIM_POOL_QUEUE            4096u     /* jobs waiting for a thread */
/* Avatar uploads: decoding one may hold up to AVATAR_MAX_WHOLE_BYTES (model/avatar.h), so
 * only this many decode at once whatever WORKER_THREADS is (docs/performance.md, "Avatar
 * decoding memory"); the next ones wait their turn, and past the waiting list 503 */
#define LIM_AVATAR_DECODES        2
#define LIM_AVATAR_WAITING        16
#define LIM_REFRESH_GRACE_MS      5000      /* a rotated refresh token, back from the same client this soon: the current one again */
#define LIM_REFRESH_GRACE_CHAIN   3         /* successors followed within a grace (docs/security.md) */
#define LIM_JWT_CACHE_SLOTS       4096u     /* verified access tokens remembered (~300 B each) */

/* Shutdown */
/* accounts */
#define LIM_RATEMAP_KEYS          65536u    /* addresses/accounts tracked by a rate limiter; oldest evicted */
#define LIM_RATEMAP_KEY_BYTES     128u
#define LIM_API_RATE_DEFAULT      20        /* API_RATE: API requests a second per account (the web app's busiest page: see docs/security.md) */
#define LIM_API_BURST_FACTOR      20        /* API_RATE's burst when not given: 20 s of the rate */
#define LIM_API_ADDR_FACTOR       4         /* an address's budget: this many accounts' (people behind one NAT) */
#define LIM_LOGIN_FAIL_RECENT_MIN 15        /* an address that failed a login this recently cannot pass a locked account */
#define LIM_API_RATE_MAX          100000
#define LIM_API_BURST_MAX         1000000
#define LIM_AUTH_BODY_BYTES       8192u     /* JSON body of an auth request */
#define LIM_TWOFA_CHALLENGE_MS    (5 * 60 * 1000)    /* a login's second step must come within 5 minutes */
/* Log in with 42 (api_oauth.c) */
#define LIM_OAUTH_STATE_MS        (10 * 60 * 1000)   /* a started flow must come back within 10 minutes */
#define LIM_OAUTH_CODE_MAX        512                /* the authorization code in the callback's query */
#define LIM_OAUTH_AVATAR_BYTES    (2u * 1024u * 1024u)   /* the 42 image fetched for a first login */
#define LIM_TWOFA_EMAIL_CODE_MS   (10 * 60 * 1000)   /* an emailed code (login or setup) lives 10 minutes */
#define LIM_TWOFA_ATTEMPTS        5         /* wrong codes that kill a challenge */
#define LIM_EMAIL_VERIFY_MS       (24 * 3600 * 1000LL)   /* a mailed link confirming an address lives 24 hours */
#define LIM_PASSWORD_RESET_MS     (30 * 60 * 1000LL)     /* a mailed password-reset link lives 30 minutes, works once */
#define LIM_RETRY_AFTER_BUSY_S    2         /* Retry-After on 503 (hashing queue full) */

#define LIM_SHUTDOWN_GRACE_MS     2000      /* time for WebSockets to finish closing */
#define LIM_SHUTDOWN_GRACE_DEFAULT_S 10     /* SHUTDOWN_GRACE default: running requests and jobs finish first */

/* Connection caps (docs/security.md, "Availability (issue 16)") */
#define LIM_FD_RESERVE            64        /* descriptors kept out of MAX_CONNECTIONS (files, logs, database, pools) */
#define LIM_CONN_PER_ADDRESS_DEFAULT 512    /* CONN_PER_ADDRESS default */
#define LIM_HANDSHAKES_PER_ADDRESS_DEFAULT 64 /* HANDSHAKES_PER_ADDRESS default */
#define LIM_HANDSHAKE_TIMEOUT_DEFAULT_S 5   /* HANDSHAKE_TIMEOUT default */
#define LIM_WS_PER_ADDRESS_DEFAULT 256      /* WS_PER_ADDRESS default */
#define LIM_WS_PER_ACCOUNT_DEFAULT 32       /* WS_PER_ACCOUNT default */
#define LIM_WS_TOO_MANY_CODE      4008      /* close code past WS_PER_ACCOUNT / WS_PER_ADDRESS */
#define LIM_WS_TOO_MANY_REASON    "too many connections"

#endif
