/* An echo node in C for `dkata test -w echo --bin build/examples/echo`, written for speed: it reads whatever
 * stdin has, answers every complete line, and writes all the replies at once (one write per batch, not per
 * message). JSON with jansson. Build: cc -O2 echo.c -ljansson. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char node_id[64] = "n?";
static long long next_id;

/* Appends the reply to one message (one line) to out. */
static void handle(const char *line, size_t len, FILE *out)
{
    json_error_t err;
    json_t *msg = json_loadb(line, len, 0, &err);
    if (!msg) {
        fprintf(stderr, "bad line: %s\n", err.text);
        return;
    }
    json_t *body = json_object_get(msg, "body");
    const char *type = json_string_value(json_object_get(body, "type"));
    json_t *reply = NULL;
    if (type && strcmp(type, "init") == 0) {
        snprintf(node_id, sizeof(node_id), "%s", json_string_value(json_object_get(body, "node_id")));
        reply = json_pack("{s:s}", "type", "init_ok");
    } else if (type && strcmp(type, "echo") == 0) {
        reply = json_pack("{s:s, s:O}", "type", "echo_ok", "echo", json_object_get(body, "echo"));
    }
    if (reply) {
        json_object_set_new(reply, "msg_id", json_integer(++next_id));
        json_object_set(reply, "in_reply_to", json_object_get(body, "msg_id"));
        json_t *m = json_pack("{s:s, s:O, s:o}", "src", node_id, "dest", json_object_get(msg, "src"), "body", reply);
        json_dumpf(m, out, JSON_COMPACT);
        fputc('\n', out);
        json_decref(m);
    }
    json_decref(msg);
}

int main(void)
{
    size_t cap = 1 << 16, have = 0;
    char *buf = malloc(cap);
    char *outbuf = NULL;
    size_t outlen = 0;
    for (;;) {
        if (have == cap)
            buf = realloc(buf, cap *= 2);
        ssize_t r = read(0, buf + have, cap - have);
        if (r <= 0)
            break;
        have += (size_t)r;
        FILE *out = open_memstream(&outbuf, &outlen);
        size_t start = 0;
        for (size_t i = 0; i < have; i++)
            if (buf[i] == '\n') {
                handle(buf + start, i - start, out);
                start = i + 1;
            }
        fclose(out);
        memmove(buf, buf + start, have - start);
        have -= start;
        for (size_t off = 0; off < outlen;) {
            ssize_t w = write(1, outbuf + off, outlen - off);
            if (w <= 0)
                return 1;
            off += (size_t)w;
        }
        free(outbuf);
        outbuf = NULL;
    }
    free(buf);
    return 0;
}
