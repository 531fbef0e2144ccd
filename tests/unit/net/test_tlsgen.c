/* tlsgen: the generated certificate, and the https origins read back from a certificate's
 * names (the default PUBLIC_ORIGIN and allowed origins). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tlsgen.h"

static char dir[64];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pongd-tlsgen-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_generated_names(void **state) {
    (void)state;
    char cert[1100], key[1100], err[256];
    int generated = 0;
    assert_int_equal(tlsgen_ensure(dir, cert, sizeof cert, key, sizeof key, &generated, err, sizeof err), 0);
    assert_int_equal(generated, 1);
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    char o[16][256];
    assert_int_equal(tlsgen_cert_origins(cert, 4443, o, 16), 3);
    assert_string_equal(o[0], "https://localhost:4443");
    assert_string_equal(o[1], "https://127.0.0.1:4443");
    assert_string_equal(o[2], "https://[::1]:4443");
    /* the default port is left out, and cap is honoured */
    assert_int_equal(tlsgen_cert_origins(cert, 443, o, 2), 2);
    assert_string_equal(o[0], "https://localhost");
    assert_string_equal(o[1], "https://127.0.0.1");
}

static void test_unreadable(void **state) {
    (void)state;
    char o[4][256];
    assert_int_equal(tlsgen_cert_origins("/nonexistent/cert.pem", 4443, o, 4), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/garbage.pem", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n", f);
    fclose(f);
    assert_int_equal(tlsgen_cert_origins(path, 4443, o, 4), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_names),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
