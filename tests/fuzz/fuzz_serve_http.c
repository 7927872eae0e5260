/* Fuzzes the payments service over HTTP: raw bytes to a real in-process server on loopback, which must
 * answer or close, never crash or hang (our handler behind libmicrohttpd's parser, with a SQLite store). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "serve/server.h"

/* OpenSSL keeps per-thread state (allocated by SHA-256 on the server's worker threads) that it frees at
 * thread exit; libFuzzer's exit path reports it before that. Not ours, and not a leak that grows. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:CRYPTO_zalloc\n";
}

static struct server srv;
static char dir[64], spec[128];

static void stop(void)
{
    server_stop(&srv);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof(dir), "/tmp/dkata-fuzz-http-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(spec, sizeof(spec), "sqlite:%s/p.db", dir);
    struct serve_config c;
    server_config_default(&c);
    c.port = 0;
    c.store_spec = spec;
    c.sync_full = false;
    c.threads = 2;
    c.idle_timeout_s = 2;
    c.crash_mode = CRASH_DROP;
    if (server_start(&srv, &c) != 0) {
        fprintf(stderr, "server_start: %s\n", srv.err);
        abort();
    }
    atexit(stop);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct timeval tv = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(srv.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
        size_t off = 0;
        while (off < size) {
            ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        shutdown(fd, SHUT_WR);
        /* Read until the server closes; once it has answered, a keep-alive connection may stay open,
         * so stop after 50 ms of silence, or 250 ms without an answer (a half-closed chunked upload can sit until
         * the idle timeout; the server then goes on without us, which is fine). */
        char buf[4096];
        int wait_ms = 250;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        while (poll(&p, 1, wait_ms) > 0 && recv(fd, buf, sizeof(buf), 0) > 0)
            wait_ms = 50;
    }
    close(fd);
    return 0;
}
