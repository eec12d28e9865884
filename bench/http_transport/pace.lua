-- GET with each connection waiting PACE_MS between requests (wrk -s pace.lua), for nginx's paced run.
local pace = tonumber(os.getenv("PACE_MS") or "15")
delay = function() return pace end
