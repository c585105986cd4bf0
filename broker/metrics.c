/* metrics: HTTP for Prometheus scrapes (see header). */
#include "metrics.h"
#include "log.h"
#include "xmalloc.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct metrics {
    int fd;
    status_t *status;
};

static int listen_on(const char *addr, char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host) {
        snprintf(err, errlen, "--metrics wants HOST:PORT, got '%s'", addr);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 1 || port > 65535) {
        snprintf(err, errlen, "--metrics port must be a number from 1 to 65535, got '%s'", colon + 1);
        return -1;
    }
    if (host[0] == '[') { memmove(host, host + 1, strlen(host)); host[strcspn(host, "]")] = '\0'; }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
        snprintf(err, errlen, "cannot resolve --metrics address '%s'", addr);
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
        if (fd >= 0) close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

metrics_t *metrics_new(const char *addr, status_t *status, char *err, size_t errlen)
{
    int fd = listen_on(addr, err, errlen);
    if (fd < 0) return NULL;
    metrics_t *m = xcalloc(1, sizeof *m);
    m->fd = fd;
    m->status = status;
    return m;
}

void metrics_destroy(metrics_t **p)
{
    if (!p || !*p) return;
    close((*p)->fd);
    free(*p);
    *p = NULL;
}

int metrics_fd(const metrics_t *self) { return self->fd; }

static void respond(int c, const char *status, const char *type, const char *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof head, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, type, len);
    if (write(c, head, (size_t)n) == n && len) {
        for (size_t off = 0; off < len;) {
            ssize_t w = write(c, body + off, len - off);
            if (w <= 0) break;
            off += (size_t)w;
        }
    }
}

static void serve(metrics_t *m, int c)
{
    struct timeval tv = {0, 100000};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char req[2048];
    size_t n = 0;
    while (n < sizeof req - 1 && !memmem(req, n, "\r\n\r\n", 4)) {
        ssize_t r = read(c, req + n, sizeof req - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
    }
    req[n] = '\0';
    if (strncmp(req, "GET /metrics", 12) != 0 && strncmp(req, "GET / ", 6) != 0) {
        static const char nf[] = "only GET /metrics is served here\n";
        respond(c, "404 Not Found", "text/plain", nf, sizeof nf - 1);
        return;
    }
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    status_write_metrics(m->status, f);
    fclose(f);
    respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, len);
    free(body);
}

void metrics_on_readable(metrics_t *self)
{
    for (int i = 0; i < 8; i++) {
        int c = accept4(self->fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) return;
        int fl = fcntl(c, F_GETFL);
        fcntl(c, F_SETFL, fl & ~O_NONBLOCK);
        serve(self, c);
        close(c);
    }
}
