-- MLflow log-batch of 1000 points per request, the next 1000 steps of "loss" each time, as a
-- training loop logs them (wrk -s log_batch.lua); TOKEN and RUN from the environment.
local token, run = os.getenv("TOKEN"), os.getenv("RUN")
local threads = 0
function setup(thread)
  thread:set("base", threads)
  threads = threads + 1
end
local step = 0
request = function()
  local parts = {}
  for i = 1, 1000 do
    step = step + 1
    parts[i] = string.format('{"key":"loss","value":%.6f,"timestamp":%d,"step":%d}', 1 / step, 1764000000000 + step,
                             base * 1000000000 + step)
  end
  return wrk.format("POST", nil, {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
                    '{"run_id":"' .. run .. '","metrics":[' .. table.concat(parts, ",") .. ']}')
end
