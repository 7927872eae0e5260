-- wrk script: POST /payments with a fresh Idempotency-Key on every request (new payments).
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
function init(args)
  n = 0
  math.randomseed(os.time() * 1000 + tid)
  salt = math.random(0, 0xfffffff)
end
function request()
  n = n + 1
  local key = string.format("%08x-%04x-4%03x-8%03x-%012x", salt, tid % 0x10000, math.random(0, 0xfff),
    math.random(0, 0xfff), n)
  local body = string.format('{"amount":%d,"currency":"USD","card_token":"tok_bench"}', 100 + n % 1000)
  return wrk.format("POST", "/payments", {["Content-Type"] = "application/json", ["Idempotency-Key"] = key}, body)
end
