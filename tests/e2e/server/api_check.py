"""Checks `frugal serve` over HTTP: auth on every documented route, the native and MLflow APIs,
limits and Prometheus output. Needs FRUGAL_URL and the tokens ADMIN, AGENT, MEMBER (team vision),
OUTSIDER (member of nlp), OUTSIDER_AGENT (agent of nlp), EXPIRED and REVOKED in the environment.
Exits non-zero naming what failed."""
import http.client, json, os, re, sys, urllib.parse

URL = urllib.parse.urlparse(os.environ["FRUGAL_URL"])
T = {k: os.environ[k] for k in ("ADMIN", "AGENT", "MEMBER", "OUTSIDER", "OUTSIDER_AGENT", "EXPIRED", "REVOKED")}
failures = []


def call(method, path, body=None, token=None, raw=None, headers=None, api_key=False):
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=10)
    h = dict(headers or {})
    if token:
        if api_key:
            h["x-api-key"] = token
        else:
            h["Authorization"] = "Bearer " + token
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text
    return r.status, parsed


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def is_error_only(body):
    return isinstance(body, dict) and set(body) == {"error_code", "message"}


# ---- every documented route refuses bad tokens, and out-of-scope roles ----
status, doc = call("GET", "/api/openapi.json")
check(status == 200 and doc.get("openapi", "").startswith("3."), "the OpenAPI document is served")
check(call("GET", "/healthz")[0] == 200, "/healthz needs no token")
allowed = {"any": {"agent", "member", "admin"}, "agent": {"agent", "admin"}, "member": {"member", "admin"}, "admin": {"admin"}}
role_of = {"AGENT": "agent", "MEMBER": "member", "ADMIN": "admin"}
routes = 0
for path, ops in doc["paths"].items():
    for method, op in ops.items():
        access = op["x-frugal-access"]
        if access == "open":
            continue
        routes += 1
        concrete = re.sub(r"\{[a-z_]+\}", "1", path)
        api_key = "apiKey" in op["security"][0]
        for name, token in (("no", None), ("wrong", "frugal_" + "0" * 40), ("expired", T["EXPIRED"]), ("revoked", T["REVOKED"])):
            s, b = call(method.upper(), concrete, {}, token, api_key=api_key)
            check(s == 401 and is_error_only(b), f"{method.upper()} {path} with {name} token: got {s} {str(b)[:80]}")
        for who in ("AGENT", "MEMBER"):
            if role_of[who] not in allowed[access]:
                s, b = call(method.upper(), concrete, {}, T[who], api_key=api_key)
                check(s == 403 and is_error_only(b), f"{method.upper()} {path} with a {role_of[who]} token: got {s}")
check(routes >= 20, f"the document lists the API ({routes} routes)")

# ---- native API: an agent writes its team's runs; members read their own team only ----
s, b = call("POST", "/api/v1/runs", {"name": "train", "command": ["python", "train.py"], "hourly_usd": "3.60",
                                      "gpu_count": 1, "params": {"lr": "0.1"}, "user": "ana"}, T["AGENT"])
check(s == 201 and isinstance(b.get("id"), int), f"an agent starts a run: {s} {b}")
run = b.get("id")
s, b = call("POST", "/api/v1/runs", {"name": "x", "team": "nlp"}, T["AGENT"])
check(s == 403 and is_error_only(b), f"an agent cannot write another team's run: {s}")
s, b = call("POST", f"/api/v1/runs/{run}/metrics", {"metrics": [{"key": "loss", "value": 0.5, "step": 1},
                                                                 {"key": "loss", "value": 0.25, "step": 2}]}, T["AGENT"])
check(s == 200 and b.get("count") == 2, f"metrics in a batch: {s} {b}")
s, b = call("POST", f"/api/v1/runs/{run}/metrics", {"metrics": [{"key": "loss", "value": 0.1}, {"key": "loss", "value": "x"}]}, T["AGENT"])
check(s == 400 and "metrics[1].value" in b.get("message", ""), f"a bad point names its field: {s} {b}")
s, b = call("GET", f"/api/v1/runs/{run}/metrics?key=loss", None, T["MEMBER"])
check(s == 200 and [m["value"] for m in b["metrics"]] == [0.5, 0.25], f"nothing of a rejected batch was written: {b}")
s, b = call("POST", f"/api/v1/runs/{run}/metrics", {"metrics": [{"key": "k", "value": 1}] * 1001}, T["AGENT"])
check(s == 413, f"a batch over 1000 points: {s}")
s, b = call("POST", "/api/v1/runs", raw="{\"name\": ", token=T["AGENT"])
check(s == 400 and "malformed JSON" in b.get("message", ""), f"malformed JSON: {s} {b}")
s, b = call("POST", "/api/v1/runs", raw="x" * (2 << 20), token=T["AGENT"])
check(s == 413, f"a body over --max-body-mb: {s}")
s, b = call("PATCH", f"/api/v1/runs/{run}", {"status": "finished", "idle_cost_usd": "lots"}, T["AGENT"])
check(s == 400 and "idle_cost_usd" in b.get("message", ""), f"a bad measured field is named: {s} {b}")
s, b = call("PATCH", f"/api/v1/runs/{run}", {"status": "finished", "gpu_util_p95": "busy"}, T["AGENT"])
check(s == 400 and "gpu_util_p95" in b.get("message", ""), f"a bad p95 is named: {s} {b}")
s, b = call("PATCH", f"/api/v1/runs/{run}", {"status": "finished", "exit_code": 0}, T["AGENT"])
check(s == 200 and b.get("status") == "finished" and b.get("cost_usd"), f"an agent ends its run: {s} {b}")
s, b = call("PATCH", f"/api/v1/runs/{run}", {"status": "finished"}, T["AGENT"])
check(s == 409, f"a run ends once: {s}")
s, b = call("GET", f"/api/v1/runs/{run}", None, T["MEMBER"])
check(s == 200 and b["params"] == {"lr": "0.1"} and b["latest_metrics"]["loss"]["value"] == 0.25, f"a member reads its team's run: {b}")
s, b = call("GET", f"/api/v1/runs/{run}", None, T["OUTSIDER"])
check(s == 403 and is_error_only(b), f"another team's member gets 403 and no data: {s} {b}")
s, b = call("GET", "/api/v1/runs?limit=10", None, T["OUTSIDER"])
check(s == 200 and b["runs"] == [], f"another team's search sees nothing: {b}")
for i in range(3):
    call("POST", "/api/v1/runs", {"name": f"page{i}"}, T["AGENT"])
s, b = call("GET", "/api/v1/runs?limit=2", None, T["MEMBER"])
check(s == 200 and len(b["runs"]) == 2 and "next_page_token" in b, f"paging: {b}")
s, b2 = call("GET", f"/api/v1/runs?limit=2&page_token={b.get('next_page_token')}", None, T["MEMBER"])
check(s == 200 and len(b2["runs"]) == 2 and b2["runs"][0]["id"] < b["runs"][-1]["id"], f"the next page: {b2}")
s, b = call("GET", "/api/v1/top?by=team&since=30d", None, T["ADMIN"])
check(s == 200 and b["rows"] and b["rows"][0]["key"] == "vision", f"the leaderboard: {b}")
s, b = call("POST", "/api/v1/sql", {"sql": "SELECT count(*) AS n FROM runs"}, T["ADMIN"])
check(s == 200 and b["rows"] == [[4]], f"read-only SQL: {b}")
s, b = call("POST", "/api/v1/sql", {"sql": "DELETE FROM runs"}, T["ADMIN"])
check(s == 400 and "read-only" in b.get("message", ""), f"SQL writes are refused: {s} {b}")
s, b = call("POST", "/api/v1/sql", {"sql": "SELECT id FROM runs", "max_rows": 2}, T["ADMIN"])
check(s == 200 and len(b["rows"]) == 2 and b["truncated"], f"the row limit: {b}")
s, b = call("POST", "/api/v1/sql", {"sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"}, T["ADMIN"])
check(s == 413 and "time limit" in b.get("message", ""), f"the time limit stops a runaway query: {s} {b}")
check(call("GET", "/api/v1/nope", None, T["ADMIN"])[0] == 404, "an unknown route is 404")
check(call("PUT", "/api/v1/runs", {}, T["ADMIN"])[0] == 405, "a known route, wrong method, is 405")

# ---- the rest of the CLI over HTTP ----
s, b = call("GET", "/api/v1/report?since=30d", None, T["ADMIN"])
check(s == 200 and b["runs"] >= 4 and b["costliest_jobs"] and "cache" in b, f"the report: {s} {str(b)[:200]}")
s, b = call("GET", "/api/v1/costs?by=team&since=30d", None, T["ADMIN"])
check(s == 200 and b["lines"] == [] and b["idle_instances"] == [], f"costs with no bill imported: {s} {b}")
s, b = call("GET", "/api/v1/costs?by=nonsense", None, T["ADMIN"])
check(s == 400, f"costs by an unknown key: {s} {b}")
s, b = call("PUT", "/api/v1/quotas", {"scope": "team", "name": "vision", "limit_usd": "5000"}, T["ADMIN"])
check(s == 200, f"an admin sets a quota: {s} {b}")
s, b = call("PUT", "/api/v1/quotas", {"scope": "team", "name": "nlp", "limit_usd": "-1"}, T["ADMIN"])
check(s == 400 and "limit_usd" in b.get("message", ""), f"a negative quota: {s} {b}")
call("PUT", "/api/v1/quotas", {"scope": "team", "name": "nlp", "limit_gpu_hours": 10}, T["ADMIN"])
s, b = call("GET", "/api/v1/quotas", None, T["MEMBER"])
check(s == 200 and [q["name"] for q in b["quotas"]] == ["vision"] and b["quotas"][0]["limit_usd"] == "5000.00",
      f"a member sees its team's quota only: {b}")
s, b = call("GET", "/api/v1/catalog/cheapest?gpu=H100&count=8", None, T["MEMBER"])
check(s == 200 and b["offers"] and all(o["gpu_count"] >= 8 for o in b["offers"]), f"cheapest H100s: {s} {str(b)[:200]}")
s, b = call("GET", "/api/v1/catalog/price?instance_type=p4d.24xlage", None, T["MEMBER"])
check(s == 404 and "p4d.24xlarge" in b.get("message", ""), f"an unknown type suggests a close one: {s} {b}")
s, b = call("GET", "/api/v1/cache/stats", None, T["MEMBER"])
check(s == 200 and b["computation"]["hits"] == 0 and "egress_avoided_usd" in b["data"], f"cache stats: {s} {b}")

# ---- what the dashboard reads ----
s, b = call("GET", "/api/v1/overview?since=30d", None, T["ADMIN"])
check(s == 200 and b["by_team"] and b["by_team"][0]["team"] == "vision" and b["spend_usd"] == b["by_team"][0]["cost_usd"],
      f"overview: spend is the sum by team: {str(b)[:300]}")
check(b.get("daily") and b["costliest_runs"][0]["id"] == run, f"overview: days and the costliest run: {str(b)[:300]}")
check(b["saved"]["spot_usd"] == "0.00", f"no spot runs, no spot savings: {b['saved']}")
pts = [{"key": "curve", "value": (i % 100) / 100, "step": i} for i in range(1000)]
s, b = call("POST", f"/api/v1/runs/{run}/metrics", {"metrics": pts}, T["ADMIN"])
s, b = call("GET", f"/api/v1/runs/{run}/series?key=curve&buckets=10", None, T["MEMBER"])
check(s == 200 and b["points"] == 1000 and len(b["x"]) == 10 and b["min"][0] == 0 and b["max"][0] == 0.99 and b["x"][1] == 100,
      f"a 1000-point curve in 10 buckets of min and max: {b}")
s, b = call("GET", f"/api/v1/runs/{run}/series?key=curve&buckets=1", None, T["MEMBER"])
check(s == 400, f"buckets out of range: {s}")
samples = [{"time": f"2026-11-26T10:00:{i:02d}Z", "gpu_index": g, "gpu_util_pct": 50 + g, "gpu_mem_bytes": (g + 1) << 30}
           for i in range(20) for g in range(2)]
s, b = call("POST", f"/api/v1/runs/{run}/samples", {"samples": samples}, T["AGENT"])
check(s == 200 and b["count"] == 40, f"samples: {s} {b}")
s, b = call("GET", f"/api/v1/runs/{run}/gpus?buckets=5", None, T["MEMBER"])
check(s == 200 and [g["index"] for g in b["gpus"]] == [0, 1] and len(b["gpus"][0]["t"]) == 5 and b["gpus"][1]["util"][0] == 51
      and b["gpus"][1]["mem_gib"][0] == 2, f"GPU series per GPU: {b}")
s, b = call("GET", f"/api/v1/runs/{run}", None, T["MEMBER"])
check([a["id"] for a in b["attempts"]] == [run] and "curve" in b["metric_keys"] and len(b["cost_accrual"]) == 2,
      f"a run's attempts, metric keys and cost accrual: {str(b)[:300]}")
s, b = call("POST", f"/api/v1/runs/{run}/samples", {"samples": [{"time": "2026-11-26T10:00:00Z", "cpu_pct": 1},
                                                              {"time": "yesterday", "cpu_pct": 2}]}, T["AGENT"])
check(s == 400 and "samples[1].time" in b.get("message", ""), f"a bad sample names its field: {s} {b}")
s, b = call("POST", "/api/v1/sql", {"sql": f"SELECT count(*) FROM samples WHERE run_id = {run} AND cpu_pct IS NOT NULL"}, T["ADMIN"])
check(b.get("rows") == [[0]], f"nothing of a refused sample batch was written: {b}")
for path in ("/api/v1/costs/daily?by=nonsense", "/api/v1/overview?since=bogus", f"/api/v1/runs/{run}/gpus?buckets=0",
             "/api/v1/catalog/cheapest?count=8", "/api/v1/catalog/cheapest?gpu=H100&count=-1", "/api/v1/top?by=planet"):
    s, b = call("GET", path, None, T["ADMIN"])
    check(s == 400 and b.get("message"), f"GET {path}: a 400 that says why: {s} {b}")
s, b = call("PUT", "/api/v1/quotas", {"scope": "team", "name": "vision"}, T["ADMIN"])
check(s == 400 and "limit" in b.get("message", ""), f"a quota without a limit: {s} {b}")
s, b = call("PUT", "/api/v1/quotas", {"scope": "galaxy", "name": "x", "limit_usd": "1"}, T["ADMIN"])
check(s == 400, f"a quota of an unknown scope: {s} {b}")
s, b = call("POST", "/api/v1/tokens", {"role": "emperor"}, T["ADMIN"])
check(s == 400 and "role" in b.get("message", ""), f"a token of an unknown role: {s} {b}")
s, b = call("POST", "/api/v1/recommendations/spot-00000000/dismiss", {}, T["ADMIN"])
check(s == 400 and "why" in b.get("message", ""), f"a dismissal without a reason: {s} {b}")
s, b = call("POST", "/api/v1/recommendations/spot-00000000/dismiss", {"why": "not ours"}, T["ADMIN"])
check(s == 404 and "spot-00000000" in b.get("message", ""), f"an unknown recommendation: {s} {b}")
s, b = call("GET", "/api/v1/recommendations", None, T["MEMBER"])
check(s == 200 and b["recommendations"] == [], f"a member's team has none yet: {s} {b}")
s, b = call("GET", "/api/v1/costs/daily?by=service", None, T["ADMIN"])
check(s == 200 and b["days"] == [] and b["series"] == [], f"daily costs with no bills: {b}")
s, html = call("GET", "/")
check(s == 200 and "<html" in html.lower(), "the dashboard page is served without a token")

# ---- MLflow REST: the calls a logger makes ----
M = "/api/2.0/mlflow"
s, b = call("POST", M + "/experiments/create", {"name": "detector"}, T["AGENT"])
check(s == 200 and b.get("experiment_id"), f"experiments/create: {s} {b}")
exp = b.get("experiment_id")
s, b = call("POST", M + "/experiments/create", {"name": "detector"}, T["AGENT"])
check(s == 409 and b.get("error_code") == "RESOURCE_ALREADY_EXISTS", f"a duplicate experiment: {s} {b}")
s, b = call("GET", M + "/experiments/get-by-name?experiment_name=detector", None, T["MEMBER"])
check(s == 200 and b["experiment"]["experiment_id"] == exp, f"get-by-name: {b}")
s, b = call("GET", M + "/experiments/get-by-name?experiment_name=nope", None, T["MEMBER"])
check(s == 404 and b.get("error_code") == "RESOURCE_DOES_NOT_EXIST", f"a missing experiment: {s} {b}")
s, b = call("POST", M + "/runs/create", {"experiment_id": exp, "start_time": 1764000000000, "run_name": "yolo-a",
                                         "tags": [{"key": "mlflow.user", "value": "ana"}, {"key": "frugal.project", "value": "detect"}]}, T["AGENT"])
check(s == 200 and b["run"]["info"]["status"] == "RUNNING", f"runs/create: {s} {b}")
mrun = b["run"]["info"]["run_id"]
s, b = call("POST", M + "/runs/log-batch", {"run_id": mrun,
                                            "metrics": [{"key": "loss", "value": 0.9 - i / 10, "timestamp": 1764000000000 + i, "step": i} for i in range(5)],
                                            "params": [{"key": "lr", "value": "0.01"}], "tags": [{"key": "stage", "value": "dev"}]}, T["AGENT"])
check(s == 200, f"log-batch: {s} {b}")
s, b = call("POST", M + "/runs/log-batch", {"run_id": mrun, "params": [{"key": "lr", "value": "0.02"}]}, T["AGENT"])
check(s == 400 and "params cannot change" in b.get("message", ""), f"params are immutable: {s} {b}")
s, b = call("POST", M + "/runs/log-batch", {"run_id": mrun, "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": 0}] * 1001}, T["AGENT"])
check(s == 400 and b.get("error_code") == "INVALID_PARAMETER_VALUE", f"log-batch over MLflow's 1000 metrics: {s}")
s, b = call("POST", M + "/runs/log-metric", {"run_id": mrun, "key": "acc", "value": 0.7, "timestamp": 1764000000100, "step": 4}, T["AGENT"])
check(s == 200, f"log-metric: {s} {b}")
s, b = call("POST", M + "/runs/log-parameter", {"run_id": mrun, "key": "batch", "value": "32"}, T["AGENT"])
check(s == 200, f"log-parameter: {s} {b}")
s, b = call("POST", M + "/runs/set-tag", {"run_id": mrun, "key": "frugal.model", "value": "yolo"}, T["AGENT"])
check(s == 200, f"set-tag: {s} {b}")
s, b = call("GET", M + f"/runs/get?run_id={mrun}", None, T["MEMBER"])
data = b.get("run", {}).get("data", {})
check(s == 200 and {"key": "lr", "value": "0.01"} in data.get("params", []) and
      any(m["key"] == "loss" and abs(m["value"] - 0.5) < 1e-9 and m["step"] == 4 for m in data.get("metrics", [])),
      f"runs/get shows params and the latest metrics: {b}")
s, b = call("GET", M + f"/metrics/get-history?run_id={mrun}&metric_key=loss", None, T["MEMBER"])
check(s == 200 and [m["step"] for m in b["metrics"]] == [0, 1, 2, 3, 4] and b["metrics"][0]["timestamp"] == 1764000000000,
      f"get-history: {b}")
s, b = call("POST", "/api/v1/sql", {"sql": f"SELECT username, team, project, model, experiment FROM runs WHERE id = {mrun}"}, T["ADMIN"])
check(b.get("rows") == [["ana", "vision", "detect", "yolo", "detector"]], f"MLflow tags fill the run's labels: {b}")
s, b = call("POST", M + "/runs/search", {"experiment_ids": [exp], "filter": "metrics.loss < 0.6 AND params.lr = '0.01'"}, T["MEMBER"])
check(s == 200 and [r["info"]["run_id"] for r in b["runs"]] == [mrun], f"search with a filter: {b}")
s, b = call("POST", M + "/runs/search", {"experiment_ids": [exp], "filter": "metrics.loss > 0.6"}, T["MEMBER"])
check(s == 200 and b["runs"] == [], f"a filter that matches nothing: {b}")
s, b = call("POST", M + "/runs/search", {"experiment_ids": [exp], "filter": "metrics.loss <"}, T["MEMBER"])
check(s == 400 and b.get("error_code") == "INVALID_PARAMETER_VALUE", f"a malformed filter: {s} {b}")
s, b = call("POST", M + "/runs/search", {"experiment_ids": [exp]}, T["OUTSIDER"])
check(s == 200 and b["runs"] == [], f"another team's search sees nothing: {b}")
s, b = call("POST", M + "/runs/update", {"run_id": mrun, "status": "FINISHED", "end_time": 1764000060000}, T["AGENT"])
check(s == 200 and b["run_info"]["status"] == "FINISHED" and b["run_info"]["end_time"] == 1764000060000, f"runs/update: {s} {b}")
s, b = call("POST", M + "/runs/search", {"experiment_ids": [exp], "filter": "attributes.status = 'FINISHED'",
                                         "order_by": ["metrics.loss ASC"], "max_results": 1}, T["MEMBER"])
check(s == 200 and len(b["runs"]) == 1, f"search by status with order_by: {b}")

# ---- experiments belong to a team: another team's is absent to it, on every MLflow door ----
def sql(query):
    return call("POST", "/api/v1/sql", {"sql": query}, T["ADMIN"])[1].get("rows")


absent_get = call("GET", M + "/experiments/get?experiment_id=987654", None, T["OUTSIDER"])
absent_name = call("GET", M + "/experiments/get-by-name?experiment_name=no-such-experiment", None, T["OUTSIDER"])
check(absent_get[0] == 404 and absent_name[0] == 404, f"absent experiments: {absent_get} {absent_name}")
s, b = call("GET", M + f"/experiments/get?experiment_id={exp}", None, T["OUTSIDER"])
check(s == 404 and b.get("error_code") == absent_get[1].get("error_code") and b.get("message") == f"experiment {exp} does not exist",
      f"another team's experiment by id is absent to a member: {s} {b}")
s, b = call("GET", M + "/experiments/get-by-name?experiment_name=detector", None, T["OUTSIDER"])
check(s == 404 and b.get("error_code") == "RESOURCE_DOES_NOT_EXIST" and "'detector' does not exist" in b.get("message", ""),
      f"another team's experiment by name is absent to a member: {s} {b}")
s, b = call("GET", M + "/experiments/list", None, T["OUTSIDER"])
check(s == 200 and [e["name"] for e in b["experiments"]] == ["Default"], f"another team's list shows Default only: {b}")
s, b = call("GET", M + "/experiments/get?experiment_id=0", None, T["OUTSIDER"])
check(s == 200 and b["experiment"]["name"] == "Default", f"Default is shared: {s} {b}")
s, b = call("POST", M + "/runs/create", {"experiment_id": exp, "run_name": "intruder"}, T["OUTSIDER_AGENT"])
check(s == 404 and b.get("error_code") == "RESOURCE_DOES_NOT_EXIST", f"no run in another team's experiment: {s} {b}")
check(sql("SELECT count(*) FROM runs WHERE name = 'intruder'") == [[0]], "the refused run was not written")
s, b = call("POST", M + "/experiments/create", {"name": "detector"}, T["OUTSIDER_AGENT"])
check(s == 200 and b.get("experiment_id") not in (None, exp), f"another team makes its own 'detector', no 409: {s} {b}")
nlp_exp = b.get("experiment_id")
s, b = call("GET", M + "/experiments/get-by-name?experiment_name=detector", None, T["OUTSIDER"])
check(s == 200 and b["experiment"]["experiment_id"] == nlp_exp, f"nlp's 'detector' is nlp's: {s} {b}")
s, b = call("GET", M + "/experiments/get-by-name?experiment_name=detector", None, T["MEMBER"])
check(s == 200 and b["experiment"]["experiment_id"] == exp, f"vision's 'detector' is still vision's: {s} {b}")
s, b = call("POST", M + "/runs/create", {"experiment_id": nlp_exp, "run_name": "nlp-det"}, T["OUTSIDER_AGENT"])
check(s == 200 and b["run"]["info"]["experiment_id"] == nlp_exp, f"a run in nlp's own 'detector': {s} {b}")
nlp_run = b.get("run", {}).get("info", {}).get("run_id")
s, b = call("POST", M + "/runs/search", {"experiment_ids": [exp]}, T["ADMIN"])
check(s == 200 and [r["info"]["run_id"] for r in b["runs"]] == [mrun], f"vision's 'detector' holds vision's run only: {b}")
s, b = call("POST", M + "/runs/search", {"experiment_ids": [nlp_exp]}, T["OUTSIDER"])
check(s == 200 and [r["info"]["run_id"] for r in b["runs"]] == [nlp_run], f"nlp's 'detector' holds nlp's run: {b}")
s, b = call("POST", M + "/runs/search", {"experiment_ids": [exp]}, T["OUTSIDER"])
check(s == 200 and b["runs"] == [], f"another team's experiment id finds nothing: {b}")
# An admin's experiment is shared: every team reads it and its agents run in it.
s, b = call("POST", M + "/experiments/create", {"name": "shared-bench"}, T["ADMIN"])
check(s == 200, f"an admin makes a shared experiment: {s} {b}")
shared = b.get("experiment_id")
s, b = call("GET", M + "/experiments/get-by-name?experiment_name=shared-bench", None, T["OUTSIDER"])
check(s == 200 and b["experiment"]["experiment_id"] == shared and b["experiment"]["tags"] == [], f"a shared experiment is seen: {b}")
s, b = call("GET", M + "/experiments/list", None, T["MEMBER"])
check(s == 200 and [e["name"] for e in b["experiments"]] == ["Default", "detector", "shared-bench"], f"a member lists its own and shared: {b}")
s, b = call("POST", M + "/runs/create", {"experiment_id": shared, "run_name": "nlp-bench"}, T["OUTSIDER_AGENT"])
check(s == 200 and b["run"]["info"]["experiment_id"] == shared, f"an agent runs in a shared experiment: {s} {b}")
bench_run = b.get("run", {}).get("info", {}).get("run_id")
check(sql(f"SELECT team, experiment FROM runs WHERE id = {bench_run}") == [["nlp", "shared-bench"]], "the shared run is nlp's")
s, b = call("POST", M + "/runs/search", {"experiment_ids": [shared]}, T["MEMBER"])
check(s == 200 and b["runs"] == [], f"another team's runs in a shared experiment stay theirs: {b}")
s, b = call("POST", M + "/experiments/create", {"name": "shared-bench"}, T["AGENT"])
check(s == 409 and b.get("error_code") == "RESOURCE_ALREADY_EXISTS", f"a team cannot repeat a shared name it sees: {s} {b}")
s, b = call("POST", M + "/experiments/create", {"name": "detector"}, T["ADMIN"])
check(s == 409, f"a shared experiment cannot repeat a team's name: {s} {b}")
s, b = call("POST", M + "/experiments/create", {"name": "nlp-only", "tags": [{"key": "frugal.team", "value": "nlp"}]}, T["ADMIN"])
check(s == 200, f"an admin makes a team's experiment with tag frugal.team: {s} {b}")
nlp_only = b.get("experiment_id")
s, b = call("GET", M + f"/experiments/get?experiment_id={nlp_only}", None, T["MEMBER"])
check(s == 404, f"... which another team does not see: {s} {b}")
s, b = call("GET", M + f"/experiments/get?experiment_id={nlp_only}", None, T["OUTSIDER"])
check(s == 200 and b["experiment"]["tags"] == [{"key": "frugal.team", "value": "nlp"}], f"... and its team does: {s} {b}")
s, b = call("POST", M + "/experiments/create", {"name": "stolen", "tags": [{"key": "frugal.team", "value": "nlp"}]}, T["AGENT"])
check(s == 403, f"an agent cannot make another team's experiment: {s} {b}")
s, b = call("POST", M + "/runs/create", {"experiment_id": nlp_only, "run_name": "admin-in-nlp"}, T["ADMIN"])
check(s == 200 and b["run"]["info"]["experiment_id"] == nlp_only, f"an admin's run in a team's experiment: {s} {b}")
check(sql("SELECT team FROM runs WHERE name = 'admin-in-nlp'") == [["nlp"]], "a team's experiment holds that team's runs")
s, b = call("GET", M + "/experiments/list", None, T["ADMIN"])
check(s == 200 and len([e for e in b["experiments"] if e["name"] == "detector"]) == 2, f"an admin lists every team's: {b}")
# A name that only runs carry (frugal run --experiment) becomes the team's experiment when asked.
call("POST", "/api/v1/runs", {"name": "cli-like", "experiment": "from-runs"}, T["AGENT"])
s, b = call("GET", M + "/experiments/get-by-name?experiment_name=from-runs", None, T["OUTSIDER"])
check(s == 404, f"runs of another team do not name an experiment for it: {s} {b}")
s, b = call("GET", M + "/experiments/get-by-name?experiment_name=from-runs", None, T["MEMBER"])
check(s == 200 and b["experiment"]["tags"] == [{"key": "frugal.team", "value": "vision"}], f"its team's runs do: {s} {b}")
# arcee's tags go through the same rules as MLflow's: frugal.team cannot move a run to another team.
s, b = call("POST", "/arcee/v2/tasks/moving/run", {"name": "stay"}, T["AGENT"], api_key=True)
arcee_mover = b.get("id")
s, b = call("PATCH", f"/arcee/v2/run/{arcee_mover}", {"tags": {"frugal.team": "nlp"}}, T["AGENT"], api_key=True)
check(s == 403, f"arcee: an agent cannot tag its run into another team: {s} {b}")
s, b = call("PATCH", f"/arcee/v2/run/{arcee_mover}", {"tags": {"frugal.team": "nlp"}}, T["OUTSIDER_AGENT"], api_key=True)
check(s == 404, f"arcee: another team's run is absent to an agent, as one that does not exist: {s} {b}")
check(sql(f"SELECT team FROM runs WHERE id = {arcee_mover}") == [["vision"]], "the arcee run stays vision's")
check(sql(f"SELECT count(*) FROM tags WHERE run_id = {arcee_mover} AND key = 'frugal.team'") == [[0]], "no frugal.team tag was stored")
call("PATCH", f"/arcee/v2/run/{arcee_mover}", {"state": 2}, T["AGENT"], api_key=True)
for rid in (nlp_run, bench_run):
    call("POST", M + "/runs/update", {"run_id": rid, "status": "FINISHED"}, T["OUTSIDER_AGENT"])
call("PATCH", "/api/v1/runs/" + str(sql("SELECT id FROM runs WHERE name = 'admin-in-nlp'")[0][0]), {"status": "finished"}, T["ADMIN"])
call("PATCH", "/api/v1/runs/" + str(sql("SELECT id FROM runs WHERE name = 'cli-like'")[0][0]), {"status": "finished"}, T["ADMIN"])

# ---- hostile input: refused with a 400, and the server stays up ----
s, b = call("POST", "/api/v1/runs", raw='{"name": ' + "[" * 100000 + "]" * 100000 + "}", token=T["AGENT"])
check(s == 400 and "nested" in b.get("message", ""), f"deeply nested JSON: {s} {str(b)[:100]}")
s, b = call("POST", "/arcee/v2/tasks/x/run", raw='{"git": {"a": ' + "[" * 50000 + "]" * 50000 + "}}", token=T["AGENT"], api_key=True)
check(s == 400, f"deeply nested JSON on arcee: {s}")
check(call("GET", "/healthz")[0] == 200, "the server survives deep JSON")
s, b = call("POST", "/api/v1/runs", {"name": "pricey", "hourly_usd": "10000000000"}, T["AGENT"])
check(s == 400 and "hourly_usd" in b.get("message", ""), f"an absurd price is refused: {s} {b}")
s, b = call("POST", "/api/v1/runs", {"name": "far", "hourly_usd": "10000"}, T["AGENT"])
far = b.get("id")
s, b = call("PATCH", f"/api/v1/runs/{far}", {"status": "finished", "ended_at": "9999-12-31T00:00:00Z"}, T["AGENT"])
check(s == 400 and "does not fit" in b.get("message", ""), f"an end in the year 9999 is refused, not a crash: {s} {b}")
check(call("GET", "/healthz")[0] == 200, "the server survives an overflowing cost")
call("PATCH", f"/api/v1/runs/{far}", {"status": "finished"}, T["AGENT"])
s, b = call("POST", "/arcee/v2/tasks/%FF%FE/run", {"name": "bad-bytes"}, T["AGENT"], api_key=True)
check(s == 200, f"a path label that is not UTF-8 is stored: {s} {b}")
s, b = call("GET", "/api/v1/runs?limit=5", None, T["MEMBER"])
check(s == 200, f"and the runs list still answers: {s} {str(b)[:100]}")
# Idempotency keys belong to a team and a route: the same key elsewhere is another request.
key = {"Idempotency-Key": "same-key-1"}
s1, b1 = call("POST", "/api/v1/runs", {"name": "k1"}, T["AGENT"], headers=key)
s2, b2 = call("POST", "/api/v1/runs", {"name": "k1"}, T["AGENT"], headers=key)
check(s1 == 201 and s2 == 200 and b1["id"] == b2["id"], f"the same create sent twice makes one run: {s1} {b1} {s2} {b2}")
s3, b3 = call("POST", "/api/v1/runs", {"name": "k1", "team": "vision"}, T["ADMIN"], headers=key)
check(s3 == 201 and b3["id"] != b1["id"], f"another token's scope does not reuse the run: {s3} {b3}")
s4, b4 = call("POST", f"/api/v1/runs/{b1['id']}/metrics", {"metrics": [{"key": "m", "value": 1}]}, T["AGENT"], headers=key)
check(s4 == 200 and b4["count"] == 1, f"a create's key does not swallow a metrics batch: {b4}")
for rid in (b1["id"], b3["id"]):
    call("PATCH", f"/api/v1/runs/{rid}", {"status": "finished"}, T["ADMIN"])

# ---- Prometheus ----
s, text = call("GET", "/metrics", None, T["ADMIN"])
line_re = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? [-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|NaN|[-+]Inf)$')
families, samples = set(), 0
for line in text.splitlines():
    if line.startswith("# HELP ") or line.startswith("# TYPE "):
        families.add(line.split()[2])
        continue
    check(line_re.match(line) is not None, f"a malformed /metrics line: {line!r}")
    name = line.split("{")[0].split(" ")[0]
    check(name in families, f"a sample before its # TYPE: {line!r}")
    samples += 1
check(s == 200 and 'frugal_cost_usd{team="vision",project="",period="month"}' in text, f"cost per team in /metrics: {text[:300]}")
check({"frugal_cost_usd", "frugal_quota_used_ratio", "frugal_active_runs", "frugal_run_gpu_utilization_percent",
       "frugal_cache_saved_usd_total"} <= families, f"the metric families: {families}")

# ---- OptScale arcee v2: one run of the optscale_arcee client, each body byte for byte as it sends it ----
arcee_dir = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "arcee")
session = json.load(open(os.path.join(arcee_dir, "session.json")))
arcee_run = None
for step in session["calls"]:
    path = step["path"].replace("{run}", str(arcee_run))
    with open(os.path.join(arcee_dir, step["body"]), "rb") as f:
        raw = f.read().replace(b"{run}", str(arcee_run).encode())
    s, b = call(step["method"], "/arcee/v2" + path, raw=raw, token=T[step.get("token", "AGENT")], api_key=True,
                headers={"Content-Type": "application/json"})
    check(s == step["status"], f"arcee {step['method']} {path} ({step['body']}): expected {step['status']}, got {s} {b}")
    if "skipped" in step:
        skipped = sorted(x.get("key") for x in b.get("skipped", [])) if isinstance(b, dict) else b
        check(skipped == step["skipped"], f"arcee {step['body']}: the values skipped and reported: {b}")
    if step.get("keep") == "id":
        arcee_run = b.get("id")
for what in ("run_row", "metrics", "samples", "tags_and_params"):
    s, b = call("POST", "/api/v1/sql", {"sql": session[what]["sql"].replace("{run}", str(arcee_run))}, T["ADMIN"])
    check(s == 200 and b.get("rows") == session[what]["rows"], f"the arcee run's {what} as stored: {s} {b}")

sys.exit(1 if failures else 0)
