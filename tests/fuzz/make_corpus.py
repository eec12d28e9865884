#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<harness>/: a few small, valid inputs per harness.

Seeds come from the tests' fixtures and inline test texts, and from the header and first rows of
the real exports in ../shared/data whose licences allow copying an excerpt (FOCUS sample data:
CC BY 4.0, FinOps Foundation; FinOps Foundation and Microsoft exports: MIT; AWS's Spot Advisor feed
as spotinfo embeds it: Apache-2.0). The SkyPilot and ec2instances.info catalogs there carry no
licence: the catalog seeds are the unit tests' texts instead. tests/fuzz/corpus/README.md says the
same. Run it from the repository root after changing a harness's input layout; it replaces the
seeds it writes and leaves other files alone.

Usage: tests/fuzz/make_corpus.py [SHARED_DATA]   (default ../shared/data)
"""
import io
import json
import pathlib
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fuzz/corpus"
SHARED = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/data"

# fuzz_bill's first byte: 0 detects the format, then known_formats() in order (formats.cpp).
BILL_FORMATS = ["", "focus", "aws_cur", "aws_cur2", "azure", "gcp", "oci"]
# fuzz_catalog's first byte picks the file name (fuzz_catalog.cpp).
CATALOG_NAMES = ["gcp_vms.csv", "aws_vms.csv", "azure_vms.csv", "lambda_vms.csv", "vast_vms.csv", "ec2instances.csv"]


def write(harness, name, data):
    folder = CORPUS / harness
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / name).write_bytes(data)


def head_rows(path, rows):
    """The header and the first `rows` records of a CSV (records may not span lines in these files)."""
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    return b"\n".join(lines[: rows + 1]) + b"\n"


def bill_seeds():
    sources = [
        ("focus", SHARED / "focus/focus_sample_1000.csv", 2),
        ("aws_cur", SHARED / "billing_exports/aws_cur_sample_anonymized.csv", 2),
        ("azure", SHARED / "billing_exports/azure_ea_actual_cost_small.csv", 1),
        ("azure", SHARED / "billing_exports/azure_ea_export_sample_anonymized.csv", 1),
        ("oci", SHARED / "billing_exports/oci_cost_report_sample.csv", 2),
        ("aws_cur2", ROOT / "tests/fixtures/billing/aws_cur2_sample.csv", 2),
        ("gcp", ROOT / "tests/fixtures/billing/gcp_billing_export.csv", 2),
    ]
    for i, (fmt, path, rows) in enumerate(sources):
        if not path.exists():
            print(f"make_corpus: {path} is absent; seed skipped", file=sys.stderr)
            continue
        text = head_rows(path, rows)
        write("fuzz_bill", f"{i}_{fmt}_{path.stem[:24]}.csv", bytes([BILL_FORMATS.index(fmt)]) + text)
    # Detection from the header, and bad rows skipped (the high bit).
    gcp = ROOT / "tests/fixtures/billing/gcp_billing_export.csv"
    write("fuzz_bill", "detect_gcp.csv", b"\x00" + head_rows(gcp, 1))
    write("fuzz_bill", "skip_bad_rows_gcp.csv", bytes([0x80 | BILL_FORMATS.index("gcp")]) + head_rows(gcp, 1) + b"x,y\n")
    # A ZIP of one CSV, as CUR 1.0's "ZIP" compression writes it: sizes in the header, and (written to
    # a stream that cannot seek) a data descriptor after the data.
    for name, stream in (("zip_gcp.csv", False), ("zip_descriptor_gcp.csv", True)):
        sink = Unseekable() if stream else io.BytesIO()
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as z:
            entry = zipfile.ZipInfo("report-1.csv", date_time=(2024, 9, 1, 0, 0, 0))  # the same bytes every time
            entry.compress_type = zipfile.ZIP_DEFLATED
            with z.open(entry, "w") as f:
                f.write(head_rows(gcp, 2))
        write("fuzz_bill", name, b"\x00" + (bytes(sink.data) if stream else sink.getvalue()))


class Unseekable(io.RawIOBase):
    """A sink zipfile cannot seek back in, so it writes data descriptors."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += bytes(b)
        return len(b)


def catalog_seeds():
    gcp = ("InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,Price,SpotPrice\n"
           "a2-highgpu-1g,12.0,85.0,,,,us-central1,us-central1-a,0.74,0.37\n"
           "n1-standard-8,8.0,30.0,,,,us-central1,us-central1-a,0.38,0.14\n"
           ",,,A100,1,{'Gpus': [{'MemoryInfo': {'SizeInMiB': 40960}}]},us-central1,us-central1-a,2.9,1.4\n"
           ",,,A100,2,{'Gpus': [{'MemoryInfo': {'SizeInMiB': 40960}}]},us-central1,us-central1-a,5.6,2.6\n"
           ",,,tpu-v5p-8,1,tpu-v5p-8,us-central1,us-central1-a,8.4,\n")
    aws = ("InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice,AvailabilityZone\n"
           "p3.2xlarge,V100,1.0,8.0,61.0,3.06,us-east-1,\"{'Gpus': [{'Name': 'V100', 'Manufacturer': 'NVIDIA', "
           "'Count': 1.0, 'MemoryInfo': {'SizeInMiB': 16384}}], 'TotalGpuMemoryInMiB': 16384}\",0.918,us-east-1a\n")
    azure = ("Region,SpotPrice,Price,InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo\n"
             "eastus,0.5,3.06,Standard_NC6s_v3,6,112,V100,1,V100\n")
    lam = ("InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n"
           "gpu_8x_a100,A100,8.0,124.0,1800.0,15.92,us-east-1,,\n"
           "cpu_4x_generalx,,,4.0,16.0,0.2,us-east-1,,\n")
    ec2 = ("\"Name\",\"API Name\",\"Memory\",\"vCPUs\",\"GPUs\",\"GPU model\",\"GPU memory\",\"Linux On Demand cost\","
           "\"Linux Reserved cost\",\"Linux Spot Minimum cost\",\"Linux Spot Maximum cost\"\n"
           "\"P3 2xl\",\"p3.2xlarge\",\"61.0 GiB\",\"8 vCPUs\",\"1\",\"NVIDIA Tesla V100\",\"16 GiB\","
           "\"$3.06 hourly\",\"$1.9 hourly\",\"$0.918000 hourly\",\"$0.918000 hourly\"\n"
           "\"T2 Micro\",\"t2.micro\",\"1.0 GiB\",\"1 vCPUs       for a     2h 24m     burst\",\"0\",\"None\",\"0 GiB\","
           "\"$0.0116 hourly\",\"$0.007 hourly\",\"$0.003500 hourly\",\"$0.003500 hourly\"\n"
           "\"Mac1\",\"mac1.metal\",\"32.0 GiB\",\"12 vCPUs\",\"0\",\"None\",\"0 GiB\","
           "\"unavailable\",\"unavailable\",\"unavailable\",\"unavailable\"\n")
    for name, text in [("gcp_vms.csv", gcp), ("aws_vms.csv", aws), ("azure_vms.csv", azure), ("lambda_vms.csv", lam),
                       ("ec2instances.csv", ec2)]:
        write("fuzz_catalog", name, bytes([CATALOG_NAMES.index(name)]) + text.encode())


def py_literal_seeds():
    for i, text in enumerate([
        "{'Gpus': [{'Name': 'A100', 'Manufacturer': 'NVIDIA', 'Count': 8.0, 'MemoryInfo': {'SizeInMiB': 40960}}], "
        "'TotalGpuMemoryInMiB': 327680}",
        "{'Gpus': [{'Name': 'T4', 'Count': 2, 'MemoryInfo': {'SizeInMiB': 16384}}, {'Name': 'T4', 'Count': 1}]}",
        "{\"a\": 'it\\'s', 'b': (1, -2.5e1,), 'c': True, 'd': None, 'e': [],}",
        "A100-80GB",
    ]):
        write("fuzz_py_literal", f"seed_{i}", text)


def spot_advisor_seed():
    path = SHARED / "spot/aws_spot_advisor/spot-advisor-data.json"
    if not path.exists():
        feed = {"ranges": [{"index": 0, "label": "<5%", "max": 5}], "spot_advisor": {}}
    else:
        full = json.loads(path.read_text())
        feed = {"ranges": full["ranges"], "spot_advisor": {}}
        for region in ["us-east-1", "eu-west-1"]:
            systems = full["spot_advisor"].get(region, {})
            feed["spot_advisor"][region] = {os: dict(list(types.items())[:4]) for os, types in list(systems.items())[:2]}
    write("fuzz_spot_advisor", "trimmed_feed.json", json.dumps(feed, indent=1))
    write("fuzz_spot_advisor", "minimal.json",
          '{"ranges": [{"index": 0, "label": "<5%", "max": 5}], "spot_advisor": {"us-east-1": {"Linux": '
          '{"p3.2xlarge": {"s": 70, "r": 0}}}}}')


def labeling_seeds():
    # The first byte: low two bits the reader (0 predictions, 1 validation, 2 embeddings), the next
    # ones the extension (0 .csv, 1 .jsonl, 2 .json).
    def sel(reader, ext):
        return bytes([reader | (ext << 2)])
    seeds = {
        "pred_columns.csv": sel(0, 0) + b"id,cat,dog,bird\na,0.7,0.2,0.1\nb,0.25,0.5,0.25\n",
        "pred_topk.csv": sel(0, 0) + b"id,label_1,prob_1,label_2,prob_2\na,cat,0.6,dog,0.3\nb,dog,0.9,,\n",
        "pred_dup.csv": sel(0, 0) + b"id,cat,dog\na,0.5,0.5\nb,0.5,0.5\na,0.1,0.9\n",
        "pred.jsonl": sel(0, 1) + b"{\"id\": \"a\", \"probs\": {\"cat\": 0.2, \"dog\": 0.8}}\n\n{\"id\": 7, \"top\": {\"bird\": 0.5}}\n",
        "validation.csv": sel(1, 0) + b"id,label\na,cat\nb,dog\n",
        "validation.jsonl": sel(1, 1) + b"{\"id\": \"a\", \"label\": \"cat\"}\n{\"id\": 2, \"label\": 3}\n",
        "embeddings.csv": sel(2, 0) + b"id,e0,e1\na,1,2\nb,3,4\nc,5,6\n",
        "embeddings.jsonl": sel(2, 1) + b"{\"id\": \"a\", \"embedding\": [1, 2]}\n{\"id\": \"img_1\", \"embedding\": [0.5, -1e3]}\n",
    }
    for name, data in seeds.items():
        write("fuzz_labeling", name, data)


def config_seeds():
    write("fuzz_config", "settings.toml",
          '# ./frugal.toml\nteam = "vision"\nproject = "detector"\nformat = "json"\n'
          'egress_usd_per_gb = "aws=0.09,gcp=0.12,azure=0.087"\ndata_max_size = "50G"\n')
    write("fuzz_config", "numbers.toml", 'user = "ada"\ncache_max_size = 1024\n')
    write("fuzz_config", "table.toml", '[server]\nurl = "http://localhost:8080"\n')


def metrics_seeds():
    write("fuzz_metrics", "json_lines",
          '{"step": 1, "loss": 0.9, "val_loss": 0.8}\n{"step": 2, "loss": NaN, "val_acc": 0.1}\n'
          '{"val_loss": "Infinity"}\n{"step": 3, "val_loss": -Infinity}\n')
    write("fuzz_metrics", "output_lines",
          "epoch 1 loss: 0.52 val_acc=0.61\nloss=nan\nloss: inf, val_acc=1e-3\nstep 9 loss:1.5e+2\n")
    write("fuzz_metrics", "mixed", 'Epoch 1/10\n{"step": 10, "val_loss": 0.31}\nloss: 0.25\n')


def mlflow_filter_seeds():
    for i, text in enumerate([
        "metrics.loss < 0.5 AND params.lr = '0.1' AND tags.`team name` != 'x' AND attributes.status = 'FINISHED'",
        "attributes.start_time >= 1700000000000 and run.run_name LIKE 'bert%'",
        'tags."mlflow.runName" ILIKE \'%sweep%\' AND metric.acc >= 9e-1',
        "params.`batch size` = \"64\"",
    ]):
        write("fuzz_mlflow_filter", f"seed_{i}", text)


def sql_seeds():
    for i, text in enumerate([
        "SELECT id, name, team, cost_nanos FROM runs WHERE status = 'finished' ORDER BY started_at DESC LIMIT 10",
        "SELECT team, sum(cost_nanos) / 1e9 AS usd FROM runs GROUP BY team",
        "PRAGMA table_info(runs)",
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100) SELECT sum(x) FROM n",
        "SELECT r.name, m.key, max(m.value) FROM runs r JOIN metrics m ON m.run_id = r.id GROUP BY 1, 2;",
        "DELETE FROM runs",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "PRAGMA writable_schema = 1",
        "SELECT load_extension('x')",
        "CREATE TEMP TABLE t(x)",
    ]):
        write("fuzz_sql_guard", f"seed_{i}", text)


def core_seeds():
    # The first byte: 0 Money, 1 an instant, 2 a duration or time bound, 3 CSV, 4 NaN/Infinity in JSON.
    for i, (kind, text) in enumerate([
        (0, "-0.00000000001"), (0, "1.5e-3"), (0, "18.0066386184"), (0, "+3."),
        (1, "2026-11-26T14:21:49.123Z"), (1, "2026-11-26 14:21:49+02:00"), (1, "2026-11-26"),
        (2, "1h30m"), (2, "7d"),
        (3, "a,\"b,\"\"c\"\"\",d\r\n\xef\xbb\xbfx,\"multi\nline\"\n"),
        (4, '{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN"}'),
    ]):
        write("fuzz_core", f"seed_{i}", bytes([kind]) + text.encode("latin-1"))


def route_seeds():
    requests = {
        "runs_create": 'POST /api/v1/runs\nidempotency-key: k1\n\n{"name": "train", "command": ["python", "train.py"], '
                       '"team": "vision", "user": "ada", "hourly_usd": "3.06", "gpu_count": 1, '
                       '"started_at": "2025-11-30T10:00:00Z", "params": {"lr": "0.1"}, "tags": {"stage": "a"}}',
        "runs_create_priced": 'POST /api/v1/runs\n\n{"name": "p", "instance_type": "p3.2xlarge", "region": "us-east-1"}',
        "runs_finish": 'PATCH /api/v1/runs/1\n\n{"status": "finished", "exit_code": 0, "gpu_util_mean": 55.5, '
                       '"idle_cost_usd": "0.5", "ended_at": "2025-12-01T00:00:00Z", "work_lost_ms": 10}',
        "runs_metrics": 'POST /api/v1/runs/1/metrics\n\n{"metrics": [{"key": "loss", "value": 0.3, "step": 3, '
                        '"time": "2025-11-30T23:00:00Z"}, {"key": "acc", "value": "NaN"}]}',
        "runs_samples": 'POST /api/v1/runs/1/samples\n\n{"samples": [{"time": "2025-11-30T23:00:00Z", "cpu_pct": 50, '
                        '"rss_bytes": 1000, "gpu_index": 0, "gpu_util_pct": 90, "gpu_mem_bytes": 1, "power_w": 300}]}',
        "runs_list": "GET /api/v1/runs?team=vision&since=30d&limit=5&page_token=0",
        "runs_get": "GET /api/v1/runs/1",
        "runs_metric_history": "GET /api/v1/runs/1/metrics?key=loss",
        "runs_series": "GET /api/v1/runs/1/series?metric=loss&buckets=10",
        "runs_gpus": "GET /api/v1/runs/1/gpus",
        "top": "GET /api/v1/top?by=team&since=7d&metric=cost",
        "report": "GET /api/v1/report?since=2025-11-01&until=2025-12-01",
        "costs": "GET /api/v1/costs?by=tag:team&metric=effective&since=30d",
        "costs_daily": "GET /api/v1/costs/daily?by=service&since=7d",
        "overview": "GET /api/v1/overview?since=30d",
        "quotas_get": "GET /api/v1/quotas",
        "quotas_put": 'PUT /api/v1/quotas\n\n{"scope": "team", "name": "vision", "period": "month", "limit_usd": "1000", '
                      '"limit_gpu_hours": 100}',
        "quotas_delete": "DELETE /api/v1/quotas?scope=team&name=vision&period=month",
        "catalog_cheapest": "GET /api/v1/catalog/cheapest?gpu=A100&count=8&pricing=spot",
        "catalog_price": "GET /api/v1/catalog/price?instance_type=p3.2xlarge&region=us-east-1&provider=aws",
        "cache_stats": "GET /api/v1/cache/stats?since=30d",
        "recommendations": "GET /api/v1/recommendations?team=vision",
        "recommendation_dismiss": 'POST /api/v1/recommendations/abc/dismiss\n\n{"why": "known"}',
        "sql": 'POST /api/v1/sql\n\n{"sql": "SELECT id, name FROM runs", "max_rows": 10}',
        "me": "GET /api/v1/me\nx-fuzz-role: member",
        "tokens_create": 'POST /api/v1/tokens\n\n{"name": "ci", "role": "agent", "team": "vision", "expires": "30d"}',
        "tokens_list": "GET /api/v1/tokens",
        "tokens_revoke": "DELETE /api/v1/tokens/2",
        "metrics": "GET /metrics",
        "healthz": "GET /healthz",
        "dashboard": "GET /",
        "mlflow_experiment_create": 'POST /api/2.0/mlflow/experiments/create\n\n{"name": "lr-sweep", "artifact_location": "s3://b/x"}',
        "mlflow_experiment_by_name": "GET /api/2.0/mlflow/experiments/get-by-name?experiment_name=lr-sweep",
        "mlflow_experiment_get": "GET /api/2.0/mlflow/experiments/get?experiment_id=1",
        "mlflow_experiments_list": "GET /api/2.0/mlflow/experiments/list",
        "mlflow_run_create": 'POST /api/2.0/mlflow/runs/create\n\n{"experiment_id": "1", "run_name": "m", "start_time": '
                             '1764500000000, "user_id": "ada", "tags": [{"key": "frugal.team", "value": "vision"}]}',
        "mlflow_run_update": 'POST /api/2.0/mlflow/runs/update\n\n{"run_id": "1", "status": "FINISHED", "end_time": 1764540000000}',
        "mlflow_run_get": "GET /api/2.0/mlflow/runs/get?run_id=1",
        "mlflow_search": 'POST /api/2.0/mlflow/runs/search\n\n{"experiment_ids": ["1", 0], "filter": "metrics.loss < 1 AND '
                         'attributes.start_time > 0", "order_by": ["metrics.loss DESC", "start_time"], "max_results": 5, '
                         '"page_token": "0"}',
        "mlflow_log_metric": 'POST /api/2.0/mlflow/runs/log-metric\n\n{"run_id": "1", "key": "loss", "value": 0.1, '
                             '"timestamp": 1764540000000, "step": 4}',
        "mlflow_log_batch": 'POST /api/2.0/mlflow/runs/log-batch\n\n{"run_id": "1", "metrics": [{"key": "acc", "value": '
                            '"Infinity", "timestamp": 1764540000000, "step": "5"}], "params": [{"key": "bs", "value": "64"}], '
                            '"tags": [{"key": "note", "value": "x"}]}',
        "mlflow_log_param": 'POST /api/2.0/mlflow/runs/log-parameter\n\n{"run_id": "1", "key": "lr", "value": "0.1"}',
        "mlflow_set_tag": 'POST /api/2.0/mlflow/runs/set-tag\n\n{"run_id": "1", "key": "frugal.model", "value": "bert"}',
        "mlflow_metric_history": "GET /api/2.0/mlflow/metrics/get-history?run_id=1&metric_key=loss",
        "arcee_start": 'POST /arcee/v2/tasks/sweep/run\n\n{"name": "a", "command": "python x.py", "git": {"branch": "main"}}',
        "arcee_collect": 'POST /arcee/v2/collect\n\n{"run": "1", "data": {"loss": 0.5, "acc": NaN}, "platform": '
                         '{"flavor": "p3.2xlarge", "instance_id": "i-1"}}',
        "arcee_proc": 'POST /arcee/v2/run/1/proc\n\n{"proc_stats": {"proc": {"cpu": 50, "mem": {"rss": {"t": 1048576}}}, '
                      '"gpu_stats": {"avg_gpu_load": 80, "avg_gpu_memory_used": 1024}}}',
        "arcee_update": 'PATCH /arcee/v2/run/1\n\n{"tags": {"k": "v"}, "hyperparameters": {"lr": 0.1}, "state": 2, "finish": true, '
                        '"reason": "done"}',
        "arcee_milestone": 'POST /arcee/v2/run/1/milestones\n\n{"milestone": "epoch 1"}',
        "arcee_dataset": 'POST /arcee/v2/run/1/dataset_register\n\n{"path": "s3://b/imagenet", "name": "imagenet"}',
        "arcee_model_version": 'POST /arcee/v2/runs/1/models/resnet/version\n\n{"version": "1", "path": "s3://m"}',
        "arcee_artifact": 'PATCH /arcee/v2/artifacts/a1\n\n{"key": "ckpt"}',
    }
    for name, text in requests.items():
        write("fuzz_routes", name, text)


def main():
    bill_seeds()
    catalog_seeds()
    py_literal_seeds()
    spot_advisor_seed()
    labeling_seeds()
    config_seeds()
    metrics_seeds()
    mlflow_filter_seeds()
    sql_seeds()
    core_seeds()
    route_seeds()


if __name__ == "__main__":
    main()
