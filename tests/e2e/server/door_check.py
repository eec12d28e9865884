"""The same values through every door that writes run data — Frugal's JSON API (as an agent sends),
MLflow's REST API (as MLflow's client sends), OptScale arcee (as its Python client sends, with
json.dumps' bare NaN) and `frugal run` itself — must be stored alike: one table of cases, one
expected stored result per case, checked door by door. Needs FRUGAL, FRUGAL_URL, ADMIN and AGENT
(an agent token of team vision) in the environment; the runner writes the database the server
serves (FRUGAL_HOME). Exits non-zero naming each door and case that differed."""
import http.client, json, os, subprocess, sys, urllib.parse

URL = urllib.parse.urlparse(os.environ["FRUGAL_URL"])
FRUGAL = os.environ["FRUGAL"]
ADMIN, AGENT = os.environ["ADMIN"], os.environ["AGENT"]
failures = []


def call(method, path, body=None, token=AGENT, raw=None, api_key=False):
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=10)
    headers = {"x-api-key": token} if api_key else {"Authorization": "Bearer " + token}
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    try:
        return r.status, json.loads(text)
    except ValueError:
        return r.status, text


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def sql(query):
    s, b = call("POST", "/api/v1/sql", {"sql": query}, ADMIN)
    assert s == 200, f"sql {query}: {s} {b}"
    return b["rows"]


def stored_metrics(run):
    # NULL stands for NaN; infinities are IEEE infinities on both backends.
    return sql(f"SELECT key, step, CASE WHEN value IS NULL THEN 'NaN' WHEN value > 1e308 THEN 'Infinity' "
               f"WHEN value < -1e308 THEN '-Infinity' ELSE CAST(value AS TEXT) END FROM metrics "
               f"WHERE run_id = {run} ORDER BY key")


def stored_labels(run):
    return sql(f"SELECT team, project, (SELECT count(*) FROM tags WHERE run_id = {run} AND key = 'frugal.team') "
               f"FROM runs WHERE id = {run}")


def runs_of_team(team):
    return sql(f"SELECT count(*) FROM runs WHERE team = '{team}'")[0][0]


def samples_of(run):
    return sql(f"SELECT count(*) FROM samples WHERE run_id = {run}")[0][0]


def read_back(run):
    # What a reader gets: MLflow's get-history and the JSON API agree on NaN, Infinity, -Infinity.
    out = {}
    for key in ("loss", "up", "down", "ok"):
        s, b = call("GET", f"/api/2.0/mlflow/metrics/get-history?run_id={run}&metric_key={key}", token=ADMIN)
        mlflow = [m["value"] for m in b.get("metrics", [])] if s == 200 else s
        s, b = call("GET", f"/api/v1/runs/{run}/metrics?key={key}", token=ADMIN)
        native = [m["value"] for m in b.get("metrics", [])] if s == 200 else s
        out[key] = (mlflow, native)
    return out


NON_FINITE = {"loss": "NaN", "up": "Infinity", "down": "-Infinity", "ok": 0.5}
EXPECTED_METRICS = [["down", 0, "-Infinity"], ["loss", 0, "NaN"], ["ok", 0, "0.5"], ["up", 0, "Infinity"]]
EXPECTED_READ_BACK = {"loss": (["NaN"], ["NaN"]), "up": (["Infinity"], ["Infinity"]),
                      "down": (["-Infinity"], ["-Infinity"]), "ok": ([0.5], [0.5])}


# ---- each door: start a run of team vision, send the values, try a foreign team, a late sample ----
class Api:
    name = "api"

    def start(self):
        s, b = call("POST", "/api/v1/runs", {"name": "via-api", "command": ["train"], "started_at": "2026-11-20T10:00:00Z"})
        return b["id"]

    def metrics(self, run):  # an agent's batch: no step given, so the key's next step (0)
        return call("POST", f"/api/v1/runs/{run}/metrics", {"metrics": [{"key": k, "value": v} for k, v in NON_FINITE.items()]})[0]

    def foreign_team(self, run):
        return call("POST", "/api/v1/runs", {"name": "stray", "tags": {"frugal.team": "nlp"}})[0]

    def label(self, run):
        return None  # the JSON API labels a run when it starts

    def late_sample(self, run):
        call("PATCH", f"/api/v1/runs/{run}", {"status": "finished", "ended_at": "2026-11-20T11:00:00Z"})
        s, b = call("POST", f"/api/v1/runs/{run}/samples", {"samples": [
            {"time": "2026-11-20T10:30:00Z", "cpu_pct": 50.0, "rss_bytes": 1000},   # taken while it ran
            {"time": "2026-11-20T12:00:00Z", "cpu_pct": 50.0, "rss_bytes": 1000}]})  # after it ended
        check(s == 200 and b.get("after_end") == 1, f"api: a late sample is counted as after_end: {s} {b}")
        return s


class Mlflow:
    name = "mlflow"

    def start(self):
        s, b = call("POST", "/api/2.0/mlflow/runs/create", {"experiment_id": "0", "start_time": 1763632800000,
                                                            "tags": [{"key": "mlflow.user", "value": "ana"}]})
        return int(b["run"]["info"]["run_id"])

    def metrics(self, run):  # MLflow's client: protobuf JSON, non-finite values as strings, step 0
        ms = [{"key": k, "value": v, "timestamp": 1763632860000, "step": 0} for k, v in NON_FINITE.items()]
        return call("POST", "/api/2.0/mlflow/runs/log-batch", {"run_id": str(run), "metrics": ms})[0]

    def foreign_team(self, run):
        return call("POST", "/api/2.0/mlflow/runs/set-tag", {"run_id": str(run), "key": "frugal.team", "value": "nlp"})[0]

    def label(self, run):
        return call("POST", "/api/2.0/mlflow/runs/set-tag", {"run_id": str(run), "key": "frugal.project", "value": "moved"})[0]

    def late_sample(self, run):
        return None  # MLflow has no resource samples


class Arcee:
    name = "arcee"

    def start(self):
        s, b = call("POST", "/arcee/v2/tasks/door-check/run", {"name": "via-arcee"}, api_key=True)
        return int(b["id"])

    def metrics(self, run):  # arcee's client sends json.dumps output: bare NaN, Infinity, -Infinity
        raw = json.dumps({"run": str(run), "data": {k: float(v) if isinstance(v, str) else v for k, v in NON_FINITE.items()}})
        assert "NaN" in raw and "Infinity" in raw
        return call("POST", "/arcee/v2/collect", raw=raw, api_key=True)[0]

    def foreign_team(self, run):
        return call("PATCH", f"/arcee/v2/run/{run}", {"tags": {"frugal.team": "nlp"}}, api_key=True)[0]

    def label(self, run):
        return call("PATCH", f"/arcee/v2/run/{run}", {"tags": {"frugal.project": "moved"}}, api_key=True)[0]

    def late_sample(self, run):
        call("PATCH", f"/arcee/v2/run/{run}", {"state": 2}, api_key=True)
        return call("POST", f"/arcee/v2/run/{run}/proc", {"proc_stats": {"proc": {"cpu": 50.0, "mem": {"rss": {"t": 1000}}}}},
                    api_key=True)[0]


class Runner:
    name = "runner"
    job = ("import json, os; f = os.fdopen(int(os.environ['FRUGAL_METRICS_FD']), 'w'); "
           "f.write(json.dumps({'step': 0, 'loss': float('nan'), 'up': float('inf'), 'down': float('-inf'), 'ok': 0.5}) + '\\n')")

    def start(self):
        self.proc = subprocess.run([FRUGAL, "run", "--team", "vision", "--name", "via-runner", "--", "python3", "-c", self.job],
                                   capture_output=True, text=True)
        check(self.proc.returncode == 0, f"runner: frugal run failed: {self.proc.stderr}")
        return sql("SELECT max(id) FROM runs WHERE name = 'via-runner'")[0][0]

    def metrics(self, run):
        return 200 if self.proc.returncode == 0 else self.proc.returncode

    def foreign_team(self, run):  # no token here: a tag that contradicts --team is refused the same way
        p = subprocess.run([FRUGAL, "run", "--team", "vision", "--tag", "frugal.team=nlp", "--", "true"], capture_output=True, text=True)
        check("frugal.team" in p.stderr, f"runner: the refusal names the tag: {p.stderr}")
        return p.returncode

    def label(self, run):
        return None  # a runner labels its run when it starts

    def late_sample(self, run):
        return None  # its samples are taken while the job runs


for door in (Api(), Mlflow(), Arcee(), Runner()):
    run = door.start()
    check(door.metrics(run) == 200, f"{door.name}: metrics accepted")
    check(stored_metrics(run) == EXPECTED_METRICS, f"{door.name}: NaN, ±Infinity stored alike: {stored_metrics(run)}")
    check(read_back(run) == EXPECTED_READ_BACK, f"{door.name}: read back as MLflow writes them: {read_back(run)}")

    before = stored_labels(run)
    status = door.foreign_team(run)
    check(status in (403, 2), f"{door.name}: a tag naming another team is refused: {status}")
    check(runs_of_team("nlp") == 0, f"{door.name}: no run of team nlp was written")
    check(stored_labels(run) == before, f"{door.name}: the run kept its team and tags: {stored_labels(run)}")

    if door.label(run) is not None:
        # A label tag moves the run in the per-day rollups that leaderboards and quotas read.
        check(stored_labels(run)[0][1] == "moved", f"{door.name}: the tag set the run's project")
        day = sql(f"SELECT substr(started_at, 1, 10) FROM runs WHERE id = {run}")[0][0]
        rollup = sql(f"SELECT coalesce(sum(runs), 0) FROM run_rollups WHERE dimension = 'project' AND key = 'moved' AND day = '{day}'")
        expected = sql(f"SELECT count(*) FROM runs WHERE project = 'moved' AND substr(started_at, 1, 10) = '{day}'")
        check(rollup == expected and expected[0][0] >= 1, f"{door.name}: the rollups follow the label: {rollup} vs {expected}")

    samples_before = samples_of(run)
    if door.late_sample(run) is not None:
        added = samples_of(run) - samples_before
        expected = 1 if door.name == "api" else 0  # api sent one sample taken during the run, one after its end
        check(added == expected, f"{door.name}: a sample after the run's end is not stored ({added} stored)")

if failures:
    sys.exit(1)
print("every door stores the same")
