/* util — the base helpers every layer uses, in one include: the error space (err.h),
 * allocation and checked sizes (mem.h), spans (span.h), bounded buffers (buf.h), clocks
 * (now.h), UTF-8 counting (utf8.h). Each has its own prefix and file. */
#ifndef PONGD_UTIL_H
#define PONGD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "now.h"
#include "span.h"
#include "utf8.h"

#endif
