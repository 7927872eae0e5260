/* A broadcast node in C for `dkata test -w broadcast --bin build/examples/broadcast`: the same design as
 * broadcast.py: keep the set of messages seen, gossip it whole to the neighbours from the topology when it grows
 * and every 200 ms, so it heals after partitions. Build: cc -O2 broadcast.c -ljansson. */
#include "node.h"

static json_t *seen;       /* array of the messages seen, each once */
static json_t *neighbours; /* array of node ids */

static int has(json_t *v)
{
    size_t i;
    json_t *x;
    json_array_foreach(seen, i, x) if (json_equal(x, v)) return 1;
    return 0;
}

static void gossip(void)
{
    size_t i;
    json_t *n;
    json_array_foreach(neighbours, i, n) node_send(json_string_value(n),
                                                   json_pack("{s:s, s:O}", "type", "gossip", "messages", seen));
}

static void handle(json_t *msg)
{
    json_t *body = json_object_get(msg, "body");
    const char *type = json_string_value(json_object_get(body, "type"));
    if (strcmp(type, "init") == 0) {
        size_t i;
        json_t *n;
        json_array_foreach(json_object_get(body, "node_ids"), i, n) if (strcmp(json_string_value(n), node_id))
            json_array_append(neighbours, n);
    } else if (strcmp(type, "topology") == 0) {
        json_t *mine = json_object_get(json_object_get(body, "topology"), node_id);
        if (json_is_array(mine))
            json_array_clear(neighbours), json_array_extend(neighbours, mine);
        node_reply(msg, json_pack("{s:s}", "type", "topology_ok"));
    } else if (strcmp(type, "broadcast") == 0) {
        json_t *m = json_object_get(body, "message");
        if (!has(m)) {
            json_array_append(seen, m);
            gossip();
        }
        node_reply(msg, json_pack("{s:s}", "type", "broadcast_ok"));
    } else if (strcmp(type, "read") == 0) {
        node_reply(msg, json_pack("{s:s, s:O}", "type", "read_ok", "messages", seen));
    } else if (strcmp(type, "gossip") == 0) {
        size_t i, grew = 0;
        json_t *m;
        json_array_foreach(json_object_get(body, "messages"), i, m) if (!has(m)) json_array_append(seen, m), grew++;
        if (grew)
            gossip();
    }
}

int main(void)
{
    seen = json_array();
    neighbours = json_array();
    int rc = node_run(handle, gossip, 200);
    json_decref(seen);
    json_decref(neighbours);
    return rc;
}
