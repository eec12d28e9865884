-- One ~100-byte MLflow log-metric POST per request (wrk -s post.lua).
-- PACE_MS set: each connection waits that long between requests (a fixed offered rate).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local step = 0
request = function()
  step = step + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"run_id":"0f6c3b1e9a2d4c5b8e7f","key":"loss","value":%.6f,"timestamp":1733356800000,"step":%d}', 1 / step, step))
end
local pace = tonumber(os.getenv("PACE_MS") or "")
if pace then
  delay = function() return pace end
end
