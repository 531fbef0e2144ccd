/* libFuzzer: matchproto_parse on arbitrary client frames. It must never read past len
 * (libFuzzer's buffer is exactly `size` bytes under ASan), refuse only with the documented
 * close codes (4400 malformed, 4413 too large), leave the frame untouched when it refuses,
 * and every accepted frame must re-encode to the same bytes. The input rules are checked on
 * accepted INPUTs with a seat and server tick taken from the frame itself; a 244-byte input
 * is also decoded as a SNAPSHOT and must re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matchproto.h"
#include "pongd_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    matchproto_frame_t f;
    memset(&f, 0x5A, sizeof f);
    matchproto_frame_t before = f;
    int e = matchproto_parse(data, size, &f);
    if (e != 0) {
        if (e != MATCHPROTO_CLOSE_MALFORMED && e != MATCHPROTO_CLOSE_TOO_LARGE) abort();
        if ((e == MATCHPROTO_CLOSE_TOO_LARGE) != (size > LIM_GAME_FRAME_BYTES)) abort();
        if (memcmp(&f, &before, sizeof f) != 0) abort();
    } else {
        uint8_t out[LIM_GAME_FRAME_BYTES];
        size_t n = matchproto_encode_frame(out, &f);
        if (n != size || memcmp(out, data, size) != 0) abort();
        if (f.type == MATCHPROTO_INPUT) {
            if (f.seat > 1 || f.key > GAME_KEY_DOWN) abort();
            int seat = data[7] & 1;
            uint32_t server = (uint32_t)data[4] << 8 | data[5];
            int c = matchproto_check_input(&f, seat, server);
            int want = f.seat != seat ? MATCHPROTO_CLOSE_SEAT
                       : (uint64_t)f.tick > (uint64_t)server + LIM_GAME_AHEAD_TICKS ? MATCHPROTO_CLOSE_AHEAD : 0;
            if (c != want) abort();
        } else if (f.type != MATCHPROTO_PING) {
            abort();
        }
    }
    matchproto_snap_t h;
    int32_t save[GAME_SAVE_LEN];
    if (matchproto_decode_snapshot(data, size, &h, save)) {
        uint8_t out[MATCHPROTO_SNAPSHOT_BYTES];
        matchproto_encode_snapshot(out, &h, save);
        if (memcmp(out, data, sizeof out) != 0) abort();
    }
    return 0;
}
