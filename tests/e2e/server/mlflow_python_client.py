"""Drives `frugal serve` with MLflow's own Python client (2.9.2), as a training job and a person
reading its results do: a team's agent token writes and reads back, a member token reads, another
team's tokens see nothing of it. Values are checked as read back through the client.

Needs FRUGAL_URL and the tokens ADMIN, AGENT and MEMBER (team vision), NLP_AGENT and NLP_MEMBER
(team nlp) in the environment, and the client on PYTHONPATH. Prints the calls covered; exits
non-zero naming what failed. With `job NAME` it is one training job of its own (a fresh process,
as MLFLOW_EXPERIMENT_NAME and MLFLOW_EXPERIMENT_ID are read once per process)."""
import functools
import getpass
import json
import math
import os
import subprocess
import sys
import threading

os.environ["MLFLOW_TRACKING_URI"] = os.environ["FRUGAL_URL"]
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # a refusal is an answer, not a retry
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")

import mlflow  # noqa: E402
import mlflow.store.tracking.rest_store  # noqa: E402
import mlflow.utils.rest_utils  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def as_token(name):
    """Every later call of the client carries this token (the client reads it per request)."""
    os.environ["MLFLOW_TRACKING_TOKEN"] = os.environ[name]


def refused(fn, *args, **kwargs):
    """The error code and message of a call that must fail ("" when it did not)."""
    try:
        fn(*args, **kwargs)
    except MlflowException as e:
        return e.error_code, str(e)
    return "", ""


# ---- what the script calls, counted as the client's public API and the REST endpoints it hit ----
USED = set()
HITS = {}  # "METHOD /endpoint" -> set of statuses
_outer = threading.local()


def record(owner, name, label):
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        depth = getattr(_outer, "depth", 0)
        if depth == 0:
            USED.add(label)  # called by the script, not by another call of the client
        _outer.depth = depth + 1
        try:
            return original(*args, **kwargs)
        finally:
            _outer.depth = depth

    setattr(owner, name, wrapper)


FLUENT = ["set_experiment", "start_run", "end_run", "active_run", "last_active_run", "get_run", "get_parent_run",
          "log_param", "log_params", "log_metric", "log_metrics", "set_tag", "set_tags", "get_experiment",
          "get_experiment_by_name", "create_experiment", "search_experiments", "search_runs"]
CLIENT = ["create_experiment", "get_experiment", "get_experiment_by_name", "search_experiments", "create_run", "get_run",
          "update_run", "set_terminated", "log_metric", "log_param", "set_tag", "log_batch", "search_runs",
          "get_metric_history"]
for name in FLUENT:
    record(mlflow, name, "mlflow." + name)
for name in CLIENT:
    record(MlflowClient, name, "MlflowClient." + name)

_http_request = mlflow.utils.rest_utils.http_request


def counting_http_request(host_creds, endpoint, method, *args, **kwargs):
    response = _http_request(host_creds, endpoint, method, *args, **kwargs)
    HITS.setdefault(f"{method} {endpoint}", set()).add(response.status_code)
    return response


mlflow.utils.rest_utils.http_request = counting_http_request


# ---- one training job in a process of its own ---------------------------------------------------
def job(kind):
    """`env-name`/`env-id`: a job told its experiment by MLFLOW_EXPERIMENT_NAME / _ID. Prints its run
    as JSON, or the error."""
    try:
        with mlflow.start_run(run_name=kind) as run:
            mlflow.log_metric("loss", 0.5, step=1)
        print(json.dumps({"run_id": run.info.run_id, "experiment_id": run.info.experiment_id}))
    except MlflowException as e:
        print(json.dumps({"error": str(e)}))


def run_job(kind, token, **env):
    child = dict(os.environ, MLFLOW_TRACKING_TOKEN=os.environ[token], **env)
    out = subprocess.run([sys.executable, __file__, "job", kind], env=child, capture_output=True, text=True, timeout=120)
    check(out.returncode == 0, f"job {kind}: exit {out.returncode}: {out.stderr[-400:]}")
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def main():
    client = MlflowClient()

    # ---- a training job on a team's agent token -------------------------------------------------
    as_token("AGENT")
    created = mlflow.set_experiment("resnet-sweep")  # get-by-name (404), create, get
    check(created.name == "resnet-sweep" and created.tags.get("frugal.team") == "vision",
          f"set_experiment makes the team's experiment: {created}")
    again = mlflow.set_experiment("resnet-sweep")
    check(again.experiment_id == created.experiment_id, "set_experiment finds it the second time")
    by_id = mlflow.set_experiment(experiment_id=created.experiment_id)
    check(by_id.name == "resnet-sweep", "set_experiment by id")
    check(mlflow.get_experiment_by_name("resnet-sweep").experiment_id == created.experiment_id, "get_experiment_by_name")
    check(mlflow.get_experiment_by_name("no-such-experiment") is None, "an absent experiment by name is None")
    exp = created.experiment_id

    with mlflow.start_run(run_name="train-1", tags={"frugal.project": "resnet"}) as parent:
        rid = parent.info.run_id
        check(mlflow.active_run().info.run_id == rid, "active_run is the run started")
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"batch": 32, "optimizer": "adam"})
        for step in range(100):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"acc": 0.9, "f1": 0.8}, step=100)
        mlflow.log_metrics({"acc": 0.91}, step=101, synchronous=False).wait()  # MLflow's async logging
        mlflow.log_metric("diverged", float("inf"))
        mlflow.log_metric("collapsed", float("-inf"))
        mlflow.log_metric("undefined", float("nan"))
        mlflow.log_metrics({"batch_inf": float("inf"), "batch_ninf": float("-inf"), "batch_nan": float("nan")})
        mlflow.set_tag("stage", "train")
        # A tag this token may not set (a label naming another team) does not take the others with it.
        code, message = refused(mlflow.set_tags, {"frugal.team": "nlp", "frugal.model": "resnet50", "owner": "ana"})
        check(code == "PERMISSION_DENIED" and "frugal.team" in message and "rest of the batch was written" in message,
              f"set_tags with another team's frugal.team: {code} {message}")
        code, _ = refused(client.log_batch, rid, metrics=[Metric("kept_metric", 3.0, 1764000000000, 0)],
                          params=[Param("kept_param", "yes")], tags=[RunTag("frugal.team", "nlp"), RunTag("kept_tag", "yes")])
        check(code == "PERMISSION_DENIED", f"log_batch with another team's frugal.team: {code}")
        with mlflow.start_run(run_name="fold-0", nested=True) as child:
            mlflow.log_metric("loss", 0.3)
            check(mlflow.get_parent_run(child.info.run_id).info.run_id == rid, "get_parent_run of the nested run")
        with mlflow.start_run(run_name="fold-1", nested=True):
            mlflow.log_metric("loss", 0.2)
    check(mlflow.last_active_run().info.run_id == rid, "last_active_run after the run ended")

    # Read back, on the agent's token: what the job logged, values as sent.
    run = mlflow.get_run(rid)
    m, p, t = run.data.metrics, run.data.params, run.data.tags
    check(run.info.status == "FINISHED" and run.info.run_name == "train-1" and run.info.experiment_id == exp,
          f"the run's info: {run.info}")
    check(run.info.end_time is not None and run.info.end_time >= run.info.start_time, "end_time set by end_run")
    check(run.info.user_id == getpass.getuser(), f"user_id, the client's mlflow.user: {run.info.user_id}")
    check(p == {"lr": "0.01", "batch": "32", "optimizer": "adam", "kept_param": "yes"}, f"params: {p}")
    check(m["loss"] == 0.01 and m["acc"] == 0.91 and m["f1"] == 0.8 and m["kept_metric"] == 3.0, f"metrics: {m}")
    check(m["diverged"] == math.inf and m["batch_inf"] == math.inf, f"+Infinity read back: {m}")
    check(m["collapsed"] == -math.inf and m["batch_ninf"] == -math.inf, f"-Infinity read back: {m}")
    check(math.isnan(m["undefined"]) and math.isnan(m["batch_nan"]), f"NaN read back: {m}")
    check(t.get("stage") == "train" and t.get("frugal.model") == "resnet50" and t.get("owner") == "ana"
          and t.get("kept_tag") == "yes" and t.get("frugal.project") == "resnet", f"tags kept beside the refused one: {t}")
    check("frugal.team" not in t, f"the refused tag was not set: {t.get('frugal.team')}")
    history = client.get_metric_history(rid, "loss")
    check([h.step for h in history] == list(range(100)) and history[9].value == 0.1, "get_metric_history: 100 steps in order")
    pages, token = [], None
    while True:  # the client's own paged call, 30 at a time
        page = client._tracking_client.store.get_metric_history(rid, "loss", max_results=30, page_token=token)
        pages.append(len(page))
        token = page.token
        if not token:
            break
    check(pages == [30, 30, 30, 10], f"get-history in pages of 30: {pages}")
    inf_history = client.get_metric_history(rid, "collapsed")
    check(len(inf_history) == 1 and inf_history[0].value == -math.inf, f"-Infinity in the history: {inf_history}")
    children = client.search_runs([exp], filter_string=f"tags.mlflow.parentRunId = '{rid}'", order_by=["attributes.run_name ASC"])
    check([r.info.run_name for r in children] == ["fold-0", "fold-1"], f"nested runs found by their parent: {children}")

    # More runs, through the client object, for search and paging.
    for i in range(7):
        r = client.create_run(exp, run_name=f"sweep-{i}", tags={"sweep": "lr"})
        client.log_param(r.info.run_id, "lr", str(0.001 * (i + 1)))
        client.log_metric(r.info.run_id, "acc", 0.1 * i, step=0)
        client.set_tag(r.info.run_id, "parity", "even" if i % 2 == 0 else "odd")
        if i == 5:
            client.update_run(r.info.run_id, name="sweep-5-renamed")
        client.set_terminated(r.info.run_id, status="KILLED" if i == 6 else "FINISHED")
    ordered, token = [], None
    while True:
        page = client.search_runs([exp], filter_string="tags.sweep = 'lr' AND metrics.acc > 0.05",
                                  order_by=["metrics.acc DESC"], max_results=2, page_token=token)
        ordered += [r.info.run_name for r in page]
        token = page.token
        if not token:
            break
    check(ordered == ["sweep-6", "sweep-5-renamed", "sweep-4", "sweep-3", "sweep-2", "sweep-1"],
          f"search_runs with filter, order_by and pages of 2: {ordered}")
    even = client.search_runs([exp], "tags.parity = 'even' AND attributes.status = 'FINISHED' AND params.lr != '0.001'")
    check(sorted(r.info.run_name for r in even) == ["sweep-2", "sweep-4"], f"search_runs on tags, status, params: {even}")
    killed = mlflow.search_runs([exp], filter_string="attributes.status = 'KILLED'", output_format="list")
    check([r.info.run_name for r in killed] == ["sweep-6"], f"mlflow.search_runs as a list: {killed}")
    by_name = mlflow.search_runs(experiment_names=["resnet-sweep"], filter_string="attributes.run_name LIKE 'fold-%'",
                                 output_format="list")
    check(len(by_name) == 2, f"mlflow.search_runs by experiment name: {by_name}")
    crashed = mlflow.start_run(run_name="crashed")  # a job that ends its run itself
    mlflow.end_run(status="FAILED")
    check(client.get_run(crashed.info.run_id).info.status == "FAILED", "end_run(FAILED) reads back FAILED")
    check(mlflow.active_run() is None, "no active run after end_run")

    # Experiments on the agent's token: its own, the shared ones, searched and paged.
    as_token("ADMIN")
    shared = mlflow.create_experiment("shared-bench")
    as_token("AGENT")
    client.create_experiment("bert-base")
    client.create_experiment("bert-large")
    names = [e.name for e in mlflow.search_experiments()]
    check(set(names) == {"resnet-sweep", "shared-bench", "bert-base", "bert-large", "Default"}, f"search_experiments: {names}")
    bert = client.search_experiments(filter_string="name LIKE 'bert-%'", order_by=["name DESC"])
    check([e.name for e in bert] == ["bert-large", "bert-base"], f"search_experiments with filter and order_by: {bert}")
    ours = client.search_experiments(filter_string="tags.`frugal.team` = 'vision'", order_by=["experiment_id"], max_results=2)
    rest = client.search_experiments(filter_string="tags.`frugal.team` = 'vision'", order_by=["experiment_id"],
                                     max_results=2, page_token=ours.token)
    check([e.name for e in ours] == ["resnet-sweep", "bert-base"] and [e.name for e in rest] == ["bert-large"] and not rest.token,
          f"search_experiments paged: {ours} then {rest}")
    check(mlflow.get_experiment(shared).name == "shared-bench" and client.get_experiment_by_name("shared-bench").tags == {},
          "the agent sees a shared experiment")
    mlflow.set_experiment("shared-bench")
    with mlflow.start_run(run_name="on-shared") as on_shared:
        mlflow.log_metric("loss", 0.4)
    code, message = refused(mlflow.create_experiment, "stolen", tags={"frugal.team": "nlp"})
    check(code == "PERMISSION_DENIED", f"an agent cannot make another team's experiment: {code} {message}")

    # Jobs told their experiment by the environment, each a fresh process as on a cluster.
    by_env_name = run_job("env-name", "AGENT", MLFLOW_EXPERIMENT_NAME="from-env")
    check(by_env_name.get("run_id") and client.get_experiment_by_name("from-env").experiment_id == by_env_name["experiment_id"],
          f"MLFLOW_EXPERIMENT_NAME makes the experiment and runs in it: {by_env_name}")
    by_env_name_again = run_job("env-name", "AGENT", MLFLOW_EXPERIMENT_NAME="from-env")
    check(by_env_name_again.get("experiment_id") == by_env_name.get("experiment_id"), "MLFLOW_EXPERIMENT_NAME again: the same")
    by_env_id = run_job("env-id", "AGENT", MLFLOW_EXPERIMENT_ID=exp)
    check(by_env_id.get("experiment_id") == exp, f"MLFLOW_EXPERIMENT_ID: {by_env_id}")
    check("run_id" in by_env_id and client.get_run(by_env_id["run_id"]).data.metrics == {"loss": 0.5},
          "the MLFLOW_EXPERIMENT_ID job's metric")
    elsewhere = run_job("env-id", "NLP_AGENT", MLFLOW_EXPERIMENT_ID=exp)
    check("does not exist" in elsewhere.get("error", ""), f"another team's MLFLOW_EXPERIMENT_ID does not exist: {elsewhere}")

    # ---- a member of the team reads everything, writes nothing ----------------------------------
    as_token("MEMBER")
    check(client.get_experiment_by_name("resnet-sweep").experiment_id == exp, "member: get_experiment_by_name")
    check(client.get_experiment(exp).name == "resnet-sweep", "member: get_experiment")
    check(client.get_run(rid).data.metrics["diverged"] == math.inf, "member: get_run, +Infinity")
    check(len(client.get_metric_history(rid, "loss")) == 100, "member: get_metric_history")
    check(len(client.search_runs([exp], "tags.sweep = 'lr'")) == 7, "member: search_runs")
    check(len(client.search_experiments()) == 6, "member: search_experiments")
    for what, fn, args in (("create_experiment", client.create_experiment, ("member-made",)),
                           ("log_metric", client.log_metric, (rid, "loss", 1.0)),
                           ("create_run", client.create_run, (exp,))):
        code, _ = refused(fn, *args)
        check(code == "PERMISSION_DENIED", f"member: {what} is refused: {code}")

    # ---- another team's tokens see nothing of it -------------------------------------------------
    for token in ("NLP_MEMBER", "NLP_AGENT"):
        as_token(token)
        check(client.get_experiment_by_name("resnet-sweep") is None, f"{token}: another team's experiment by name is absent")
        _, theirs = refused(client.get_experiment, exp)
        _, absent = refused(client.get_experiment, "987654")
        check(theirs.replace(exp, "N") == absent.replace("987654", "N") and "RESOURCE_DOES_NOT_EXIST" in theirs,
              f"{token}: another team's experiment answers as an absent one: {theirs} / {absent}")
        code, _ = refused(client.get_run, rid)
        check(code == "PERMISSION_DENIED", f"{token}: another team's run is refused: {code}")
        check(len(client.search_runs([exp, shared])) == 0, f"{token}: search_runs finds none of vision's runs")
        check({e.name for e in client.search_experiments()} == {"shared-bench", "Default"}, f"{token}: search_experiments")
    code, _ = refused(client.log_metric, on_shared.info.run_id, "loss", 9.0)
    check(code == "PERMISSION_DENIED", "nlp's agent cannot write vision's run in a shared experiment")

    # ---- what was covered ------------------------------------------------------------------------
    wanted = ["GET /api/2.0/mlflow/experiments/get-by-name", "POST /api/2.0/mlflow/experiments/create",
              "GET /api/2.0/mlflow/experiments/get", "POST /api/2.0/mlflow/experiments/search",
              "POST /api/2.0/mlflow/runs/create", "POST /api/2.0/mlflow/runs/update", "GET /api/2.0/mlflow/runs/get",
              "POST /api/2.0/mlflow/runs/search", "POST /api/2.0/mlflow/runs/log-metric", "POST /api/2.0/mlflow/runs/log-batch",
              "POST /api/2.0/mlflow/runs/log-parameter", "POST /api/2.0/mlflow/runs/set-tag",
              "GET /api/2.0/mlflow/metrics/get-history"]
    for endpoint in wanted:
        check(200 in HITS.get(endpoint, set()), f"the client called {endpoint} and got a 200: {HITS.get(endpoint)}")
    missing = [n for n in ["mlflow." + f for f in FLUENT] + ["MlflowClient." + c for c in CLIENT] if n not in USED]
    check(not missing, f"calls listed but not made: {missing}")
    covered = sorted(USED) + ["MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID"]
    print(f"MLflow {mlflow.__version__} client: {len(covered)} calls covered: {', '.join(covered)}")
    print(f"{len(HITS)} REST endpoints hit: {', '.join(f'{k} {sorted(v)}' for k, v in sorted(HITS.items()))}")
    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "job":
        job(sys.argv[2])
    else:
        main()
