/* err_str: the names of the ERR_* codes. */
#include "core/err.h"

const char *err_str(int code)
{
    switch (code) {
    case ERR_OK:
        return "ok";
#define ERR_CASE_(name, msg)                                                                       \
    case ERR_##name:                                                                               \
        return msg;
        ERR_MAP(ERR_CASE_)
#undef ERR_CASE_
    default:
        return "unknown error";
    }
}
