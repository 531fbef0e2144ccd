#include "webroot.h"
#include "pongd_limits.h"
#include "mime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

struct webroot {
    webroot_file_t *files;
    size_t n, cap;
    size_t bytes;
    size_t *slots;          /* open addressing: index + 1, 0 = empty */
    size_t nslots;          /* power of two */
};

static uint64_t fnv1a(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)p[i]; h *= 1099511628211ull; }
    return h;
}

static void digest128(const void *p, size_t n, unsigned char out[16]) {
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(p, n, full, &len, EVP_sha256(), NULL);
    memcpy(out, full, 16);
}

/* gzip-compresses src; returns a malloc'd buffer or NULL when it does not pay off. */
static char *gzip_if_smaller(const char *src, size_t n, size_t *out_len) {
    z_stream z = { 0 };
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&z, (uLong)n);
    char *dst = xmalloc(cap);
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)dst;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || len >= n - n / 10) { free(dst); return NULL; }
    *out_len = len;
    return dst;
}

static int add_file(webroot_t *c, const char *urlpath, int fd, size_t size, char *err, size_t errlen) {
    if (c->n == LIM_STATIC_FILES) {
        snprintf(err, errlen, "more than %u files", LIM_STATIC_FILES);
        return ERR_LIMIT;
    }
    if (size > LIM_STATIC_FILE_BYTES || c->bytes + size > LIM_STATIC_TOTAL_BYTES) {
        snprintf(err, errlen, "%s: file or total size over the limit", urlpath);
        return ERR_LIMIT;
    }
    char *data = xmalloc(size);
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            snprintf(err, errlen, "%s: read failed", urlpath);
            free(data);
            return ERR_IO;
        }
        got += (size_t)r;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->files = xrealloc(c->files, c->cap * sizeof *c->files);
    }
    webroot_file_t *f = &c->files[c->n++];
    memset(f, 0, sizeof *f);
    f->path = xstrdup(urlpath);
    f->data = data;
    f->len = size;
    span_t name = span_cstr(f->path);
    f->ctype = mime_type(name);
    f->immutable = mime_is_hashed_name(name);
    unsigned char d[16];
    digest128(data, size, d);
    mime_etag(d, NULL, f->etag, sizeof f->etag);
    if (mime_compressible(name) && size >= LIM_STATIC_GZIP_MIN) {
        f->gz = gzip_if_smaller(data, size, &f->gz_len);
        if (f->gz) mime_etag(d, "-gz", f->etag_gz, sizeof f->etag_gz);
    }
    c->bytes += size;
    return 0;
}

static int walk(webroot_t *c, int dirfd, char *urlpath, size_t ulen, int depth, char *err, size_t errlen) {
    if (depth > LIM_STATIC_DEPTH) { close(dirfd); return 0; }
    DIR *d = fdopendir(dirfd);
    if (!d) { close(dirfd); return 0; }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;     /* ".", "..", and hidden files */
        size_t nl = strlen(e->d_name);
        if (ulen + 1 + nl + 1 > 1024) continue;
        struct stat st;
        if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        urlpath[ulen] = '/';
        memcpy(urlpath + ulen + 1, e->d_name, nl + 1);
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) rc = walk(c, sub, urlpath, ulen + 1 + nl, depth + 1, err, errlen);
        } else if (S_ISREG(st.st_mode)) {
            int fd = openat(dirfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0) {
                rc = add_file(c, urlpath, fd, (size_t)st.st_size, err, errlen);
                close(fd);
            }
        }
        urlpath[ulen] = '\0';
    }
    closedir(d);
    return rc;
}

static void index_files(webroot_t *c) {
    c->nslots = 16;
    while (c->nslots < c->n * 2) c->nslots *= 2;
    c->slots = xcalloc(c->nslots, sizeof *c->slots);
    for (size_t i = 0; i < c->n; i++) {
        size_t h = (size_t)fnv1a(c->files[i].path, strlen(c->files[i].path)) & (c->nslots - 1);
        while (c->slots[h]) h = (h + 1) & (c->nslots - 1);
        c->slots[h] = i + 1;
    }
}

int webroot_load(webroot_t **out, const char *root, char *err, size_t errlen) {
    webroot_t *c = xcalloc(1, sizeof *c);
    *out = c;
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    if (fd >= 0) {
        char urlpath[1024] = "";
        rc = walk(c, fd, urlpath, 0, 0, err, errlen);
    }
    index_files(c);
    return rc;
}

const webroot_file_t *webroot_find(const webroot_t *c, span_t path) {
    if (!c || !c->n) return NULL;
    size_t h = (size_t)fnv1a(path.ptr, path.len) & (c->nslots - 1);
    while (c->slots[h]) {
        const webroot_file_t *f = &c->files[c->slots[h] - 1];
        if (strlen(f->path) == path.len && memcmp(f->path, path.ptr, path.len) == 0) return f;
        h = (h + 1) & (c->nslots - 1);
    }
    return NULL;
}

size_t webroot_count(const webroot_t *c) { return c ? c->n : 0; }
size_t webroot_bytes(const webroot_t *c) { return c ? c->bytes : 0; }

void webroot_free(webroot_t *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->files[i].path);
        free(c->files[i].data);
        free(c->files[i].gz);
    }
    free(c->files);
    free(c->slots);
    free(c);
}
