/* bus_local — the in-process backend of the bus (bus.h): a publication is delivered to this
 * process's subscribers at once, in the publisher's stack. */
#include "bus.h"

static void local_publish(void *ctx, bus_t *bus, const bus_msg_t *m) {
    (void)ctx;
    bus_deliver(bus, m);
}

bus_backend_t bus_local_backend(void) { return (bus_backend_t){ .publish = local_publish }; }
