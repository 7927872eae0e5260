-- wrk script: POST /payments with one fixed Idempotency-Key and body (every request after the first replays).
wrk.method = "POST"
wrk.path = "/payments"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Idempotency-Key"] = "0b5e6f4a-1c2d-4e3f-8a9b-0c1d2e3f4a5b"
wrk.body = '{"amount":1250,"currency":"USD","card_token":"tok_visa"}'
