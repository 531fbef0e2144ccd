/* mail — see mail.h. */
#include "mail.h"

#include "util.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

bool mail_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }
void mail_cleanup(void) { curl_global_cleanup(); }

static bool plain_address(const char *s) {
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strlen(s) > 254) return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' || *p == '\\' || *p == ',' || *p == ';')
            return false;
    return true;
}

typedef struct {
    const char *p;
    size_t left;
} reader_t;

static size_t read_cb(char *buf, size_t size, size_t n, void *arg) {
    reader_t *r = arg;
    size_t k = size * n < r->left ? size * n : r->left;
    memcpy(buf, r->p, k);
    r->p += k;
    r->left -= k;
    return k;
}

int mail_send(const char *url, const char *from, const char *to, const char *subject, const char *body, char *err, size_t errlen) {
    if (!url || !*url || !plain_address(from) || !plain_address(to) || strpbrk(subject, "\r\n") || strlen(subject) > 200 ||
        strlen(body) > MAIL_BODY_MAX) {
        snprintf(err, errlen, "refused arguments");
        return ERR_INVALID;
    }
    bool require_tls = strncmp(url, "smtp+starttls://", 16) == 0;
    char curl_url[600];
    if (snprintf(curl_url, sizeof curl_url, "%s%s", require_tls ? "smtp://" : "", require_tls ? url + 16 : url) >= (int)sizeof curl_url) {
        snprintf(err, errlen, "SMTP_URL too long");
        return ERR_INVALID;
    }
    /* the message: headers, a blank line, the body with CRLF line ends */
    char date[64], msg[MAIL_BODY_MAX * 2 + 1024];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    int k = snprintf(msg, sizeof msg,
                     "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                     "Auto-Submitted: auto-generated\r\n\r\n",
                     date, from, to, subject);
    for (const char *p = body; *p && k < (int)sizeof msg - 4; p++) {
        if (*p == '\r') continue;
        if (*p == '\n') msg[k++] = '\r';
        msg[k++] = *p;
    }
    msg[k] = 0;
    reader_t rd = { msg, (size_t)k };

    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "curl_easy_init failed");
        return ERR_IO;
    }
    char from_env[300], to_rcpt[300];
    snprintf(from_env, sizeof from_env, "<%s>", from);
    snprintf(to_rcpt, sizeof to_rcpt, "<%s>", to);
    struct curl_slist *rcpt = curl_slist_append(NULL, to_rcpt);
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, curl_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_env);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &rd);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)k);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)MAIL_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)MAIL_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);   /* worker threads: no SIGALRM for timeouts */
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? ERR_OK : ERR_IO;
}
