/* A tiny helper for writing Maelstrom-protocol nodes in C (used by the example nodes; copy it into your own):
 * reads stdin, hands each message to your handler, batches what you send into one write per batch, and calls
 * your tick function every tick_ms. JSON with jansson. */
#ifndef EXAMPLE_NODE_H
#define EXAMPLE_NODE_H
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char node_id[64] = "?";
static long long node_next_id;

/* Milliseconds on a monotonic clock. */
static inline long long node_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends body (stolen) to dest with a fresh msg_id. Output is buffered until the batch ends. */
static inline void node_send(const char *dest, json_t *body)
{
    json_object_set_new(body, "msg_id", json_integer(++node_next_id));
    json_t *m = json_pack("{s:s, s:s, s:o}", "src", node_id, "dest", dest, "body", body);
    json_dumpf(m, stdout, JSON_COMPACT);
    putchar('\n');
    json_decref(m);
}

/* Replies to msg with body (stolen): in_reply_to is msg's msg_id, dest is msg's src. */
static inline void node_reply(json_t *msg, json_t *body)
{
    json_t *req = json_object_get(msg, "body");
    json_object_set(body, "in_reply_to", json_object_get(req, "msg_id"));
    node_send(json_string_value(json_object_get(msg, "src")), body);
}

/* Runs until stdin closes. handle(msg) gets every message (init is answered here first, setting node_id);
 * tick() runs at least every tick_ms if tick is not NULL. */
static inline int node_run(void (*handle)(json_t *msg), void (*tick)(void), int tick_ms)
{
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
    size_t cap = 1 << 16, have = 0;
    char *buf = malloc(cap);
    long long next_tick = node_now_ms() + tick_ms;
    for (;;) {
        struct pollfd pf = {.fd = 0, .events = POLLIN};
        long long wait = tick ? next_tick - node_now_ms() : -1;
        if (poll(&pf, 1, tick ? (int)(wait < 0 ? 0 : wait) : -1) > 0) {
            if (have == cap)
                buf = realloc(buf, cap *= 2);
            ssize_t r = read(0, buf + have, cap - have);
            if (r <= 0)
                break;
            have += (size_t)r;
            size_t start = 0;
            for (size_t i = 0; i < have; i++) {
                if (buf[i] != '\n')
                    continue;
                json_error_t err;
                json_t *msg = json_loadb(buf + start, i - start, 0, &err);
                start = i + 1;
                if (!msg) {
                    fprintf(stderr, "bad line: %s\n", err.text);
                    continue;
                }
                json_t *body = json_object_get(msg, "body");
                if (strcmp(json_string_value(json_object_get(body, "type")), "init") == 0) {
                    snprintf(node_id, sizeof(node_id), "%s", json_string_value(json_object_get(body, "node_id")));
                    node_reply(msg, json_pack("{s:s}", "type", "init_ok"));
                }
                handle(msg);
                json_decref(msg);
            }
            memmove(buf, buf + start, have - start);
            have -= start;
        }
        if (tick && node_now_ms() >= next_tick) {
            tick();
            next_tick = node_now_ms() + tick_ms;
        }
        fflush(stdout);
    }
    free(buf);
    return 0;
}

#endif
