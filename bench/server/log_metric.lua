-- One MLflow log-metric per request (wrk -s log_metric.lua); TOKEN and RUN from the environment.
-- PACE_MS set: each connection waits that long between requests (a fixed offered rate).
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
local step = 0
request = function()
  step = step + 1
  return wrk.format(nil, nil, nil, string.format('{"run_id":"%s","key":"loss","value":%.6f,"step":%d}', os.getenv("RUN"), 1 / step, step))
end
local pace = tonumber(os.getenv("PACE_MS") or "")
if pace then
  delay = function() return pace end
end
