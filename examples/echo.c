/* An echo node in C for `dkata test -w echo --bin build/examples/echo`, and the node of `make bench`: node.h
 * answers every complete line in a batch and writes all the replies at once. Build: cc -O2 echo.c -ljansson. */
#include "node.h"

static void handle(json_t *msg)
{
    json_t *body = json_object_get(msg, "body");
    if (strcmp(json_string_value(json_object_get(body, "type")), "echo") == 0)
        node_reply(msg, json_pack("{s:s, s:O}", "type", "echo_ok", "echo", json_object_get(body, "echo")));
}

int main(void)
{
    return node_run(handle, NULL, 0);
}
