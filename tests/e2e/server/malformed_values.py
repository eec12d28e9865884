"""Sends malformed values to every route `frugal serve` documents and fails on any answer of 500 or
more (or none): a client's mistake is a 4xx, and a 400 says what was wrong. Needs FRUGAL_URL and the
tokens ADMIN, AGENT and MEMBER (team sweep) in the environment.

What it sends, to every POST/PATCH/PUT/DELETE route of GET /api/openapi.json:
  - path parameters filled with real ids (a run, an experiment) made first, and with junk;
  - bodies that are not JSON, or JSON of the wrong top-level type, or nested 10,000 deep;
  - objects where each field a route reads (VOCABULARY, below) and each field of a valid body
    (BASE, below, nested ones included) is set in turn to each value of BAD.
and to every GET route, each query parameter a route reads set to each value of BAD_QUERY."""
import concurrent.futures, http.client, json, os, re, sys, threading, time, urllib.parse

URL = urllib.parse.urlparse(os.environ["FRUGAL_URL"])
T = {k: os.environ[k] for k in ("ADMIN", "AGENT", "MEMBER")}
ROLE_TOKEN = {"agent": "AGENT", "member": "MEMBER", "admin": "ADMIN", "any": "MEMBER"}

# Every name the routes read from a body or query: grep 'string_field(', 'number_field(',
# 'integer_field(', 'ms_field(', 'find("', 'query_or(' and 'query.find(' in src/server/*.cpp.
VOCABULARY = sorted(set("""
artifact_location avg_gpu_load avg_gpu_memory_used buckets by command count cpu cpu_bound cpu_pct data dataset
end_time ended_at exit_code experiment experiment_id experiment_ids experiment_name expires filter finish flavor git
gpu gpu_count gpu_index gpu_mem_bytes gpu_mem_peak_bytes gpu_stats gpu_util_mean gpu_util_p95 gpu_util_pct
gpu_util_peak host hourly_usd hyperparameters idle_cost_usd idle_gpu_seconds instance_gpu_count instance_id
instance_type key limit limit_gpu_hours limit_usd max_results max_rows mem metric metric_key metrics milestone model
name order_by page_token params path period platform power_w pricing proc proc_stats project provider reason region
role rss rss_bytes run run_id run_name run_uuid samples saved_usd scope since sql stage start_time started_at state
status step stop_reason t tags team time timestamp until user user_id value why work_lost_ms
""".split()))

# Raw JSON text, so that values Python's json cannot write (1e999) go out as a client might send them.
BAD = {
    "1e999": b"1e999", "-1e999": b"-1e999", "1e308*10": b"10e308", "2**63": b"9223372036854775808",
    "-2**63-1": b"-9223372036854775809", "1.5": b"1.5", "-1": b"-1", '"NaN"': b'"NaN"', "NaN": b"NaN",
    "-Infinity": b"-Infinity", "true": b"true", "null": b"null", "[]": b"[]", "{}": b"{}", '""': b'""',
    "300 bytes": b'"' + b"x" * 300 + b'"', "bad UTF-8": b'"\xff\xfe"', "NUL": b'"a\\u0000b"',
    "lone surrogate": b'"\\ud800"', '"2**63"': b'"9223372036854775808"',
    "10,000 deep": b"[" * 10000 + b"]" * 10000,
}
# Bodies that are not a JSON object.
NOT_OBJECTS = {
    "empty": b"", "text": b"not json", "cut": b'{"name": ', "array": b"[]", "string": b'"x"', "number": b"1",
    "null": b"null", "raw bad UTF-8": b"\xff\xfe", "bad UTF-8 in a key": b'{"\xff": 1}', "1e999": b"1e999",
    "deep": b"[" * 10000 + b"]" * 10000, "deep object": b'{"a":' * 10000 + b"1" + b"}" * 10000,
}
JUNK_IDS = ["abc", "-1", "0", "99999999999999999999", "%ff", "1.5", "%00", "x" * 300]
BAD_QUERY = ["abc", "-1", "1e999", "99999999999999999999", "%ff", "", "1.5", "NaN", "x" * 300, "%zz", "2026-13-45"]
QUERY_NAMES = ["limit", "since", "until", "max_results", "buckets", "count", "by", "metric", "key", "page_token",
               "experiment_id", "experiment_name", "run_id", "run_uuid", "metric_key", "gpu", "instance_type", "region",
               "provider", "pricing", "team", "user", "project", "model", "dataset", "experiment", "status"]
# (route, query) pairs whose bad values must be refused with a 4xx, not ignored.
MUST_REFUSE = [("/api/v1/runs", "limit", "abc"), ("/api/v1/runs", "since", "-1"), ("/api/v1/runs", "limit", "1e999"),
               ("/api/v1/runs", "page_token", "abc"), ("/api/v1/top", "since", "-1"), ("/api/v1/report", "since", "-1"),
               ("/api/v1/costs", "since", "-1"), ("/api/v1/overview", "since", "-1"), ("/api/v1/cache/stats", "since", "-1"),
               ("/api/v1/costs/daily", "since", "-1"), ("/api/v1/catalog/cheapest", "count", "1e999"),
               ("/api/v1/runs/{id}/series", "buckets", "1e999"), ("/api/v1/runs/{id}/gpus", "buckets", "abc"),
               ("/api/2.0/mlflow/experiments/get", "experiment_id", "1e999"),
               ("/api/2.0/mlflow/runs/get", "run_id", "abc")]

failures, answered, statuses, by_route = [], 0, {}, {}
lock = threading.Lock()
local = threading.local()


def send(method, path, body=b"", token=None, api_key=False):
    """(status, parsed body); status 0 when no answer came (the server closed or died)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["x-api-key" if api_key else "Authorization"] = token if api_key else "Bearer " + token
    for attempt in range(2):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                local.conn = None
            try:
                return r.status, json.loads(data)
            except ValueError:
                return r.status, data[:200]
        except (http.client.HTTPException, OSError):
            conn.close()
            local.conn = None
    return 0, "no answer"


def check(method, path, body, token_name, api_key, what):
    global answered
    status, reply = send(method, path, body, T[token_name], api_key)
    with lock:
        answered += 1
        statuses[status] = statuses.get(status, 0) + 1
        if os.environ.get("SWEEP_BY_ROUTE"):
            key = (method, re.sub(r"\?.*", "", path))
            by_route.setdefault(key, {})[status] = by_route.setdefault(key, {}).get(status, 0) + 1
        shown = body[:120] + (b"..." if len(body) > 120 else b"")
        if status == 0 or status >= 500:
            failures.append(f"{status} {method} {path} as {token_name} ({what}): {shown!r} -> {str(reply)[:200]}")
        elif status == 400 and not (isinstance(reply, dict) and reply.get("message")):
            failures.append(f"400 without a message: {method} {path} ({what}): {shown!r} -> {str(reply)[:200]}")
    return status, reply


def raw_body(obj, where, fragment):
    """JSON text of `obj` with the value at `where` (a tuple of keys and indexes) replaced by `fragment`."""
    marker = "__frugal_bad_value__"
    copy = json.loads(json.dumps(obj))
    if not where:
        return fragment
    target = copy
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = marker
    return json.dumps(copy).encode().replace(json.dumps(marker).encode(), fragment)


def paths_in(obj, prefix=()):
    """Every place in a body: each key and the first item of each list, at every depth."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append(prefix + (k,))
            out += paths_in(v, prefix + (k,))
    elif isinstance(obj, list) and obj:
        out.append(prefix + (0,))
        out += paths_in(obj[0], prefix + (0,))
    return out


def must(status, reply, what):
    if not 200 <= status < 300:
        print(f"setup failed: {what}: {status} {reply}", file=sys.stderr)
        sys.exit(1)
    return reply


# ---- what the paths name: real ids made first ----
_, doc = send("GET", "/api/openapi.json")
runs = {}


def run_for(route):
    """A run of its own for each route that writes one, so that no run gathers every route's data."""
    if route not in runs:
        runs[route] = str(must(*send("POST", "/api/v1/runs", b'{"name": "sweep"}', T["AGENT"]), "a run")["id"])
    return runs[route]


EXP = must(*send("POST", "/api/2.0/mlflow/experiments/create", b'{"name": "sweep"}', T["AGENT"]), "an experiment")["experiment_id"]
must(*send("POST", "/api/v1/tokens", b'{"role": "member", "team": "spare", "name": "to revoke"}', T["ADMIN"]), "a token")
TOKEN_ID = str(max(t["id"] for t in send("GET", "/api/v1/tokens", b"", T["ADMIN"])[1]["tokens"]))
REAL = {"task_key": "sweep-task", "model": "sweep-model", "artifact": "a1"}
REAL_FOR = {"/api/v1/tokens/{id}": {"id": TOKEN_ID}, "/api/v1/recommendations/{id}/dismiss": {"id": "spot-00000000"}}
READ_RUN = "/api/2.0/mlflow/runs/log-batch"  # GET routes read the run this route filled with odd values

METRIC = {"key": "k", "value": 1, "timestamp": 1764000000000, "step": 1}
BASE = {  # a valid body per route, so that each bad field gets past the ones read before it
    "/api/v1/runs": {"name": "sweep", "command": ["train.py"], "hourly_usd": "1.5", "gpu_count": 1,
                     "params": {"p": "1"}, "tags": {"t": "v"}, "started_at": "2026-11-26T10:00:00Z"},
    "/api/v1/runs/{id}": {"status": "finished", "exit_code": 0, "gpu_util_mean": 50, "gpu_mem_peak_bytes": 1,
                          "idle_cost_usd": "0.1", "ended_at": "2026-11-26T11:00:00Z"},
    "/api/v1/runs/{id}/metrics": {"metrics": [{"key": "k", "value": 1, "step": 1, "time": "2026-11-26T10:00:00Z"}]},
    "/api/v1/runs/{id}/samples": {"samples": [{"time": "2026-11-26T10:00:00Z", "gpu_index": 0, "gpu_util_pct": 5,
                                               "gpu_mem_bytes": 1, "power_w": 1, "cpu_pct": 1, "rss_bytes": 1}]},
    "/api/v1/sql": {"sql": "SELECT 1", "max_rows": 1},
    "/api/v1/tokens": {"role": "member", "team": "spare", "name": "n", "expires": "1d"},
    "/api/v1/quotas": {"scope": "team", "name": "spare", "period": "monthly", "limit_usd": "1", "limit_gpu_hours": 1},
    "/api/v1/recommendations/{id}/dismiss": {"why": "no"},
    "/api/2.0/mlflow/experiments/create": {"name": "sweep2", "artifact_location": "a",
                                           "tags": [{"key": "frugal.team", "value": "sweep"}]},
    "/api/2.0/mlflow/runs/create": {"experiment_id": EXP, "user_id": "u", "run_name": "r", "start_time": 1764000000000,
                                    "tags": [{"key": "t", "value": "v"}]},
    "/api/2.0/mlflow/runs/update": {"run_id": run_for("/api/2.0/mlflow/runs/update"), "status": "RUNNING", "end_time": 1764000000000, "run_name": "r"},
    "/api/2.0/mlflow/runs/log-metric": dict(METRIC, run_id=run_for("/api/2.0/mlflow/runs/log-metric")),
    "/api/2.0/mlflow/runs/log-batch": {"run_id": run_for(READ_RUN), "metrics": [METRIC], "params": [{"key": "p", "value": "1"}],
                                       "tags": [{"key": "t", "value": "v"}]},
    "/api/2.0/mlflow/runs/log-parameter": {"run_id": run_for("/api/2.0/mlflow/runs/log-parameter"), "key": "p", "value": "1"},
    "/api/2.0/mlflow/runs/set-tag": {"run_id": run_for("/api/2.0/mlflow/runs/set-tag"), "key": "t", "value": "v"},
    "/api/2.0/mlflow/runs/search": {"experiment_ids": [EXP], "filter": "metrics.k > 0", "order_by": ["metrics.k DESC"],
                                    "max_results": 5, "page_token": "0"},
    "/arcee/v2/tasks/{task_key}/run": {"name": "r", "command": "c", "git": {"branch": "main"}},
    "/arcee/v2/applications/{task_key}/run": {"name": "r"},
    "/arcee/v2/collect": {"run": run_for("/arcee/v2/collect"), "data": {"m": 1}, "platform": {"flavor": "f", "instance_id": "i"}},
    "/arcee/v2/run/{id}/proc": {"proc_stats": {"proc": {"cpu": 1, "mem": {"rss": {"t": 1}}},
                                               "gpu_stats": {"avg_gpu_load": 1, "avg_gpu_memory_used": 1}}},
    "/arcee/v2/run/{id}": {"tags": {"t": "v"}, "hyperparameters": {"h": "1"}, "state": 1, "finish": False, "reason": "r"},
    "/arcee/v2/run/{id}/milestones": {"milestone": "m"},
    "/arcee/v2/run/{id}/stages": {"stage": "s"},
    "/arcee/v2/run/{id}/dataset_register": {"name": "d", "path": "p"},
    "/arcee/v2/models": {"key": "k"},
    "/arcee/v2/artifacts": {"key": "k"},
}

GET_BASE = {  # a valid query per GET route that needs one, so that each bad parameter gets past the others
    "/api/2.0/mlflow/experiments/get": {"experiment_id": EXP},
    "/api/2.0/mlflow/experiments/get-by-name": {"experiment_name": "sweep"},
    "/api/2.0/mlflow/runs/get": {"run_id": run_for(READ_RUN)},
    "/api/2.0/mlflow/metrics/get-history": {"run_id": run_for(READ_RUN), "metric_key": "k"},
    "/api/v1/catalog/cheapest": {"gpu": "H100", "count": "8"},
    "/api/v1/catalog/price": {"instance_type": "p4d.24xlarge"},
    "/api/v1/runs/{id}/series": {"key": "k", "buckets": "10"},
    "/api/v1/runs/{id}/metrics": {"key": "k"},
    "/api/v1/runs": {"limit": "5", "since": "30d"},
    "/api/v1/top": {"by": "team", "since": "30d"},
}

jobs = []  # (method, path, body, token name, api key?, what)
gets = []
for route, ops in doc["paths"].items():
    for method, op in ops.items():
        method = method.upper()
        if op["x-frugal-access"] == "open":
            continue
        api_key = "apiKey" in op["security"][0]
        own = ROLE_TOKEN[op["x-frugal-access"]]
        tokens = ["ADMIN"] if own == "ADMIN" else ["ADMIN", own]
        real = dict(REAL)
        if "{id}" in route:
            real["id"] = run_for(READ_RUN if method == "GET" else route)
        real.update(REAL_FOR.get(route, {}))
        fill = lambda value: re.sub(r"\{([a-z_]+)\}", lambda m: value if value is not None else real[m.group(1)], route)
        concrete = fill(None)
        if method == "GET":
            gets.append((route, concrete, api_key))
            continue
        base = BASE.get(route, {})
        base_text = json.dumps(base).encode()
        # Junk in the path, with the valid body and with none, as every role.
        if "{" in route:
            for junk in JUNK_IDS:
                for body in (base_text, b""):
                    for token in ("ADMIN", "AGENT", "MEMBER"):
                        jobs.append((method, fill(junk), body, token, api_key, f"path {junk!r}"))
        for token in ("ADMIN", "AGENT", "MEMBER"):
            for what, body in NOT_OBJECTS.items():
                jobs.append((method, concrete, body, token, api_key, what))
        # Each field with each bad value, sent as the route's role and as an admin in turn.
        places = paths_in(base) + [(f,) for f in VOCABULARY if f not in base]
        for where in places:
            for what, fragment in BAD.items():
                token = tokens[len(jobs) % len(tokens)]
                jobs.append((method, concrete, raw_body(base, where, fragment), token, api_key,
                             f"{'.'.join(map(str, where))} = {what}"))

started = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:  # many writes share a commit
    list(pool.map(lambda j: check(*j), jobs))
    # GET routes: each query parameter with each bad value (as an admin and as the route's role).
    queries = []
    for route, concrete, api_key in gets:
        base = GET_BASE.get(route, {})
        for name in QUERY_NAMES + [n for n in base if n not in QUERY_NAMES]:
            for value in BAD_QUERY:
                q = {**base, name: value}
                text = "&".join(f"{k}={v if v.startswith('%') else urllib.parse.quote(v)}" for k, v in q.items())
                queries.append(("GET", f"{concrete}?{text}", b"", ("ADMIN", "MEMBER")[len(queries) % 2], api_key,
                                f"query {name}={value!r}"))
    list(pool.map(lambda j: check(*j), queries))

for route, name, value in MUST_REFUSE:
    path = route.replace("{id}", run_for(READ_RUN)) + f"?{name}={urllib.parse.quote(value)}"
    status, reply = check("GET", path, b"", "ADMIN", False, f"query {name}={value!r}")
    if not 400 <= status < 500:
        failures.append(f"GET {path}: a bad {name} must be a 4xx, got {status} {str(reply)[:120]}")

# Values that are out of range, not just malformed: refused with a 400 naming the field, not stored
# wrapped, cast or negative. (method, route, field path, raw value, the name the message must hold)
MUST_REFUSE_BODY = [
    ("POST", "/api/2.0/mlflow/runs/log-metric", ("step",), b"9223372036854775808", "step"),
    ("POST", "/api/2.0/mlflow/runs/log-metric", ("timestamp",), b"18446744073709551615", "timestamp"),
    ("POST", "/api/v1/runs/{id}/metrics", ("metrics", 0, "step"), b"9223372036854775808", "metrics[0].step"),
    ("POST", "/api/v1/runs/{id}/samples", ("samples", 0, "gpu_index"), b"9223372036854775808", "samples[0].gpu_index"),
    ("POST", "/api/v1/runs", ("gpu_count",), b"-1", "gpu_count"),
    ("POST", "/api/v1/runs", ("gpu_count",), b"4294967296", "gpu_count"),
    ("POST", "/api/v1/runs", ("instance_gpu_count",), b"-8", "instance_gpu_count"),
    ("PATCH", "/api/v1/runs/{id}", ("exit_code",), b"4294967296", "exit_code"),
    ("PUT", "/api/v1/quotas", ("limit_gpu_hours",), b'"NaN"', "limit_gpu_hours"),
    ("PUT", "/api/v1/quotas", ("limit_gpu_hours",), b"-1", "limit_gpu_hours"),
    ("POST", "/api/v1/sql", ("max_rows",), b"9223372036854775808", "max_rows"),
]
for method, route, where, fragment, named in MUST_REFUSE_BODY:
    path = route.replace("{id}", run_for(f"refuse {route}"))
    api_key = route.startswith("/arcee/")
    status, reply = check(method, path, raw_body(BASE[route], where, fragment), "ADMIN", api_key, f"{named} = {fragment}")
    if status != 400 or named not in str(reply.get("message", "") if isinstance(reply, dict) else ""):
        failures.append(f"{method} {route} with {named} = {fragment.decode()}: a 400 naming it, got {status} {str(reply)[:150]}")

alive = send("GET", "/healthz")[0] == 200
if not alive:
    failures.append("the server stopped answering")
print(f"{answered} requests in {time.monotonic() - started:.1f} s, answered {dict(sorted(statuses.items()))}; "
      f"{len(failures)} failures", file=sys.stderr)
for (method, path), counts in sorted(by_route.items()):  # SWEEP_BY_ROUTE=1: what each route answered
    print(f"  {method} {path}: {dict(sorted(counts.items()))}", file=sys.stderr)
for f in failures[:400]:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
