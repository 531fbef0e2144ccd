/* static: loading a directory tree into memory, lookups, ETags, gzip variants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pongd_limits.h"
#include "webroot.h"
#include "util.h"

typedef struct {
    char root[64];
    char big[4096];       /* compressible text */
    unsigned char bin[4096];
} tree_t;

static void put(const char *root, const char *rel, const void *data, size_t len) {
    char path[1024];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >= sizeof path) fail_msg("path too long");
    FILE *f = fopen(path, "wb");
    if (!f) fail_msg("cannot create %s", path);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void dir(const char *root, const char *rel) {
    char path[1024];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >= sizeof path) fail_msg("path too long");
    assert_int_equal(mkdir(path, 0755), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)flag; (void)ftw;
    return remove(p);
}

static void rm_tree(const char *root) { nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static const char INDEX[] = "<!doctype html><title>t</title><script src=/static/app-ABCD1234.js></script>";
static const char APPJS[] = "console.log('app');\n";
static const char CSS[] = "body{margin:0}\n";

static int setup(void **state) {
    tree_t *t = calloc(1, sizeof *t);
    strcpy(t->root, "/tmp/pongd-test-static-XXXXXX");
    if (!mkdtemp(t->root)) return -1;
    for (size_t i = 0; i < sizeof t->big; i++) t->big[i] = "lorem ipsum dolor sit amet\n"[i % 27];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof t->bin; i++) { x = x * 1103515245u + 12345u; t->bin[i] = (unsigned char)(x >> 16); }
    put(t->root, "index.html", INDEX, sizeof INDEX - 1);
    put(t->root, ".secret", "s3cret", 6);
    dir(t->root, ".git");
    put(t->root, ".git/config", "[core]", 6);
    dir(t->root, "static");
    put(t->root, "static/app-ABCD1234.js", APPJS, sizeof APPJS - 1);
    put(t->root, "static/big.txt", t->big, sizeof t->big);
    put(t->root, "static/big-copy.js", t->big, sizeof t->big);
    put(t->root, "static/logo.png", t->bin, sizeof t->bin);
    put(t->root, "static/noise.js", t->bin, sizeof t->bin); /* text type, incompressible */
    put(t->root, "static/.env", "KEY=1", 5);
    put(t->root, "static/empty.css", "", 0);
    dir(t->root, "static/a");
    dir(t->root, "static/a/b");
    put(t->root, "static/a/b/c.css", CSS, sizeof CSS - 1);
    char link[512];
    snprintf(link, sizeof link, "%s/leak", t->root);
    assert_int_equal(symlink("/etc/passwd", link), 0);
    snprintf(link, sizeof link, "%s/static/etc", t->root);
    assert_int_equal(symlink("/etc", link), 0);
    snprintf(link, sizeof link, "%s/static/inside.html", t->root);
    assert_int_equal(symlink("../index.html", link), 0); /* even one pointing inside */
    *state = t;
    return 0;
}

static int teardown(void **state) {
    tree_t *t = *state;
    rm_tree(t->root);
    free(t);
    return 0;
}

static webroot_t *load_ok(const char *root) {
    webroot_t *c = NULL;
    char err[256] = "";
    int rc = webroot_load(&c, root, err, sizeof err);
    if (rc != 0) fail_msg("webroot_load(%s) = %d: %s", root, rc, err);
    assert_non_null(c);
    return c;
}

static const webroot_file_t *find(const webroot_t *c, const char *path) {
    return webroot_find(c, span_cstr(path));
}

static void test_hits(void **state) {
    tree_t *t = *state;
    webroot_t *c = load_ok(t->root);
    assert_int_equal(webroot_count(c), 8);
    size_t total = (sizeof INDEX - 1) + (sizeof APPJS - 1) + 2 * sizeof t->big + 2 * sizeof t->bin + (sizeof CSS - 1);
    assert_int_equal(webroot_bytes(c), total);

    const webroot_file_t *f = find(c, "/index.html");
    assert_non_null(f);
    assert_string_equal(f->path, "/index.html");
    assert_int_equal(f->len, sizeof INDEX - 1);
    assert_memory_equal(f->data, INDEX, f->len);
    assert_string_equal(f->ctype, "text/html; charset=utf-8");
    assert_false(f->immutable);

    f = find(c, "/static/app-ABCD1234.js");
    assert_non_null(f);
    assert_memory_equal(f->data, APPJS, sizeof APPJS - 1);
    assert_string_equal(f->ctype, "text/javascript; charset=utf-8");
    assert_true(f->immutable);

    f = find(c, "/static/a/b/c.css");
    assert_non_null(f);
    assert_memory_equal(f->data, CSS, sizeof CSS - 1);
    assert_string_equal(f->ctype, "text/css; charset=utf-8");

    f = find(c, "/static/logo.png");
    assert_non_null(f);
    assert_int_equal(f->len, sizeof t->bin);
    assert_memory_equal(f->data, t->bin, sizeof t->bin);
    assert_string_equal(f->ctype, "image/png");

    f = find(c, "/static/empty.css");
    assert_non_null(f);
    assert_int_equal(f->len, 0);
    assert_null(f->gz);
    webroot_free(c);
}

static void test_misses(void **state) {
    tree_t *t = *state;
    webroot_t *c = load_ok(t->root);
    static const char *miss[] = {
        "/.secret", "/.git/config", "/static/.env", "/leak", "/static/etc/passwd", "/static/etc",
        "/static/inside.html", "/static/../index.html", "/static/./app-ABCD1234.js", "/static//app-ABCD1234.js",
        "/static/a/../app-ABCD1234.js", "/", "", "/static", "/static/", "/static/a", "/static/a/b",
        "/INDEX.HTML", "/index.html/", "index.html", "/index.htm", "/etc/passwd",
    };
    for (size_t i = 0; i < sizeof miss / sizeof miss[0]; i++)
        if (find(c, miss[i])) fail_msg("'%s' was found", miss[i]);
    /* a length that includes a NUL never matches */
    assert_null(webroot_find(c, span_of("/index.html\0", 12)));
    /* a prefix of a served path is not that path */
    assert_null(webroot_find(c, span_of("/index.html", 10)));
    webroot_free(c);
}

static void test_etags(void **state) {
    tree_t *t = *state;
    webroot_t *a = load_ok(t->root), *b = load_ok(t->root);
    static const char *paths[] = { "/index.html", "/static/app-ABCD1234.js", "/static/big.txt", "/static/logo.png" };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        const webroot_file_t *fa = find(a, paths[i]), *fb = find(b, paths[i]);
        assert_non_null(fa);
        assert_non_null(fb);
        assert_string_equal(fa->etag, fb->etag);               /* stable across loads */
        assert_int_equal(strlen(fa->etag), 34);                 /* "\"" + 32 hex + "\"" */
        assert_int_equal(fa->etag[0], '"');
        assert_int_equal(fa->etag[33], '"');
        for (int k = 1; k < 33; k++)
            assert_non_null(strchr("0123456789abcdef", fa->etag[k]));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(fa->etag, find(a, paths[j])->etag); /* content differs */
    }
    /* same content, same ETag (it is a content digest) */
    assert_string_equal(find(a, "/static/big.txt")->etag, find(a, "/static/big-copy.js")->etag);
    webroot_free(a);
    webroot_free(b);

    /* changed content changes the ETag */
    webroot_t *c1 = load_ok(t->root);
    char before[48];
    strcpy(before, find(c1, "/index.html")->etag);
    webroot_free(c1);
    put(t->root, "index.html", "<p>changed</p>", 14);
    webroot_t *c2 = load_ok(t->root);
    assert_string_not_equal(before, find(c2, "/index.html")->etag);
    webroot_free(c2);
    put(t->root, "index.html", INDEX, sizeof INDEX - 1);
}

static void gunzip_equal(const webroot_file_t *f) {
    unsigned char *out = malloc(f->len + 1);
    z_stream z = { 0 };
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK); /* gzip wrapper only */
    z.next_in = (Bytef *)f->gz;
    z.avail_in = (uInt)f->gz_len;
    z.next_out = out;
    z.avail_out = (uInt)f->len + 1;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, f->len);
    assert_int_equal(z.avail_in, 0);
    inflateEnd(&z);
    assert_memory_equal(out, f->data, f->len);
    free(out);
}

static void test_gzip(void **state) {
    tree_t *t = *state;
    webroot_t *c = load_ok(t->root);
    const webroot_file_t *f = find(c, "/static/big.txt");
    assert_non_null(f);
    assert_non_null(f->gz);
    assert_true(f->gz_len > 0 && f->gz_len < f->len);
    assert_int_equal((unsigned char)f->gz[0], 0x1f);
    assert_int_equal((unsigned char)f->gz[1], 0x8b);
    gunzip_equal(f);
    /* the gzip ETag is the plain one with -gz before the closing quote */
    char want[48];
    snprintf(want, sizeof want, "%.33s-gz\"", f->etag);
    assert_string_equal(f->etag_gz, want);
    assert_non_null(find(c, "/static/big-copy.js")->gz);
    gunzip_equal(find(c, "/static/big-copy.js"));

    assert_null(find(c, "/index.html")->gz);             /* too small */
    assert_null(find(c, "/static/app-ABCD1234.js")->gz);
    assert_null(find(c, "/static/logo.png")->gz);        /* not a text type */
    assert_null(find(c, "/static/noise.js")->gz);        /* gzip would not pay off */
    webroot_free(c);
}

static void test_missing_root(void **state) {
    (void)state;
    webroot_t *c = load_ok("/nonexistent/pongd/web");
    assert_int_equal(webroot_count(c), 0);
    assert_int_equal(webroot_bytes(c), 0);
    assert_null(find(c, "/index.html"));
    assert_null(find(c, "/"));
    webroot_free(c);
    c = load_ok("/etc/hostname/x"); /* not a directory */
    assert_int_equal(webroot_count(c), 0);
    webroot_free(c);
    webroot_free(NULL);
    assert_null(webroot_find(NULL, SPAN_LIT("/index.html")));
    assert_int_equal(webroot_count(NULL), 0);
}

static void test_many_files(void **state) {
    (void)state;
    char root[] = "/tmp/pongd-test-static-many-XXXXXX";
    assert_non_null(mkdtemp(root));
    for (int i = 0; i < 300; i++) {
        char name[32], body[32];
        snprintf(name, sizeof name, "f%d.txt", i);
        int n = snprintf(body, sizeof body, "file %d", i);
        put(root, name, body, (size_t)n);
    }
    webroot_t *c = load_ok(root);
    assert_int_equal(webroot_count(c), 300);
    for (int i = 0; i < 300; i++) {
        char path[32], body[32];
        snprintf(path, sizeof path, "/f%d.txt", i);
        int n = snprintf(body, sizeof body, "file %d", i);
        const webroot_file_t *f = find(c, path);
        if (!f) fail_msg("%s missing", path);
        assert_int_equal(f->len, n);
        assert_memory_equal(f->data, body, (size_t)n);
    }
    assert_null(find(c, "/f300.txt"));
    webroot_free(c);
    rm_tree(root);
}

static int count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

static void test_depth_limit_no_fd_leak(void **state) {
    (void)state;
    /* Directories nested deeper than LIM_STATIC_DEPTH are skipped; skipping one must not
     * leave its descriptor open. */
    char root[] = "/tmp/pongd-test-static-deep-XXXXXX";
    assert_non_null(mkdtemp(root));
    char rel[256];
    for (int branch = 0; branch < 3; branch++) {
        int len = snprintf(rel, sizeof rel, "b%d", branch);
        dir(root, rel);
        for (int d = 0; d < LIM_STATIC_DEPTH + 3; d++) {
            len += snprintf(rel + len, sizeof rel - (size_t)len, "/d%d", d);
            dir(root, rel);
            char file[300];
            snprintf(file, sizeof file, "%s/f.txt", rel);
            put(root, file, "x", 1);
        }
    }
    int before = count_fds();
    webroot_t *c = load_ok(root);
    assert_non_null(find(c, "/b0/d0/f.txt"));
    assert_non_null(find(c, "/b0/d0/d1/d2/d3/d4/d5/d6/f.txt"));
    assert_null(find(c, "/b0/d0/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/f.txt"));
    webroot_free(c);
    int after = count_fds();
    rm_tree(root);
    assert_int_equal(after, before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_etags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
        cmocka_unit_test(test_missing_root),
        cmocka_unit_test(test_many_files),
        cmocka_unit_test(test_depth_limit_no_fd_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
