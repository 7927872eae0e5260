/* Error codes: functions that can fail return 0 or a negative ERR_* from this one table. */
#ifndef DKATA_ERR_H
#define DKATA_ERR_H

#define ERR_MAP(X)                                                                                 \
    X(INVAL, "invalid argument")                                                                   \
    X(NOMEM, "out of memory")                                                                      \
    X(RANGE, "value out of range")                                                                 \
    X(PARSE, "parse error")                                                                        \
    X(IO, "input/output error")                                                                    \
    X(NOTFOUND, "not found")                                                                       \
    X(EXISTS, "already exists")                                                                    \
    X(TIMEOUT, "timed out")                                                                        \
    X(LIMIT, "limit reached")                                                                      \
    X(STATE, "wrong state")

enum err_code {
    ERR_OK = 0,
#define ERR_ENUM_(name, msg) ERR_##name,
    ERR_FIRST_ = -100,
    ERR_MAP(ERR_ENUM_)
#undef ERR_ENUM_
};

/* A static, lower-case description of an ERR_* code (or "ok", or "unknown error"). */
const char *err_str(int code);

#endif
