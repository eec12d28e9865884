#!/usr/bin/env python3
"""A simulated GPU Kubernetes cluster, as Prometheus would scrape it: the series of
kube-state-metrics v2, NVIDIA dcgm-exporter and the kubelet's cAdvisor, named and labelled as
those exporters name and label them, on one endpoint (tests/e2e/k8s/prometheus.sh starts it).

Every GET /metrics serves the NEXT step k of the timeline (k = 0..steps, steps + 1 scrapes in all),
each sample with an explicit timestamp t0 + k*step seconds (in ms), so that Prometheus stores the
simulated timeline and not the wall clock. After the last step it writes --done-file and from
then on serves an empty body. GET /healthz answers `step K of N` (or `done`) and never advances the
timeline: probe with it, never with /metrics. The cluster itself is described in README.md beside
this file; change one and change the other.

python3 stdlib only. Logs nothing per request.
"""

import argparse
import hashlib
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GiB = 1024**3
MINUTE = 60

# ------------------------------------------------------------------------------ the cluster --

NODES = [
    {
        "name": "gpu-a",
        "instance_type": "p4d.24xlarge",
        "region": "us-east-1",
        "zone": "us-east-1a",
        "capacity_label": ("label_eks_amazonaws_com_capacity_type", "ON_DEMAND"),
        "extra_labels": {"label_eks_amazonaws_com_nodegroup": "gpu-on-demand"},
        "capacity": {"cpu": 96, "memory": 1152 * GiB, "nvidia_com_gpu": 8, "pods": 110},
        "allocatable": {"cpu": 95, "memory": 1136 * GiB, "nvidia_com_gpu": 8, "pods": 110},
        "gpu_model": "NVIDIA A100-SXM4-40GB",
        "uuid_prefix": "GPU-a0a0a0a0-0000-4000-8000-00000000000",
        "internal_ip": "10.0.1.10",
        "provider_id": "aws:///us-east-1a/i-0a0a0a0a0a0a0a0a1",
        "system_uuid": "ec2a0a0a-0000-4000-8000-000000000001",
    },
    {
        "name": "gpu-b",
        "instance_type": "g5.12xlarge",
        "region": "us-east-1",
        "zone": "us-east-1b",
        "capacity_label": ("label_karpenter_sh_capacity_type", "spot"),
        "extra_labels": {"label_karpenter_sh_nodepool": "gpu-spot"},
        "capacity": {"cpu": 48, "memory": 192 * GiB, "nvidia_com_gpu": 4, "pods": 110},
        "allocatable": {"cpu": 47, "memory": 176 * GiB, "nvidia_com_gpu": 4, "pods": 110},
        "gpu_model": "NVIDIA A10G",
        "uuid_prefix": "GPU-b0b0b0b0-0000-4000-8000-00000000000",
        "internal_ip": "10.0.2.20",
        "provider_id": "aws:///us-east-1b/i-0b0b0b0b0b0b0b0b2",
        "system_uuid": "ec2b0b0b-0000-4000-8000-000000000002",
    },
]
NODE_BY_NAME = {n["name"]: n for n in NODES}
RESOURCE_UNITS = [("cpu", "core"), ("memory", "byte"), ("nvidia_com_gpu", "integer"), ("pods", "integer")]
DRIVER_VERSION = "535.129.03"

# start/end: seconds after t0; end None = still running when the timeline ends. A pod's series
# are served from its start until LINGER after its end (it is deleted then); a running pod's
# until the end. gpu_util: {index: (DCGM_FI_DEV_GPU_UTIL %, DCGM_FI_DEV_FB_USED MiB)} while held.
LINGER = 2 * MINUTE
PODS = [
    {
        "namespace": "research", "pod": "llm-pretrain-master-0", "uid": "uid-llm-0",
        "labels": {"training.kubeflow.org/job-name": "llm-pretrain", "team": "research",
                   "project": "llm", "model": "llama-7b"},
        "created_by": ("PyTorchJob", "llm-pretrain"),
        "container": "pytorch", "image": "nvcr.io/nvidia/pytorch:24.01-py3",
        "node": "gpu-a", "pod_ip": "10.0.1.101",
        "cpu": 32, "memory": 256 * GiB, "gpus": list(range(8)),
        "gpu_util": {0: (85, 30000), 1: (85, 30000), 2: (0, 0), 3: (0, 0), 4: (0, 0), 5: (0, 0),
                     6: (0, 0), 7: (0, 0)},
        "start": 0 * MINUTE, "end": 90 * MINUTE, "final_phase": "Succeeded",
    },
    {
        "namespace": "vision", "pod": "resnet-worker-0", "uid": "uid-resnet-1",
        "labels": {"team": "vision", "project": "detect", "model": "resnet50"},
        "created_by": ("<none>", "<none>"),
        "container": "worker", "image": "registry.example.com/vision/resnet:1.4",
        "node": "gpu-b", "pod_ip": "10.0.2.101",
        "cpu": 8, "memory": 32 * GiB, "gpus": [0, 1],
        "gpu_util": {0: (60, 12000), 1: (60, 12000)},
        "start": 10 * MINUTE, "end": 40 * MINUTE, "final_phase": "Failed",
    },
    {
        "namespace": "vision", "pod": "resnet-worker-0", "uid": "uid-resnet-2",
        "labels": {"team": "vision", "project": "detect", "model": "resnet50"},
        "created_by": ("<none>", "<none>"),
        "container": "worker", "image": "registry.example.com/vision/resnet:1.4",
        "node": "gpu-b", "pod_ip": "10.0.2.102",
        "cpu": 8, "memory": 32 * GiB, "gpus": [0, 1],
        "gpu_util": {0: (60, 12000), 1: (60, 12000)},
        "start": 45 * MINUTE, "end": 100 * MINUTE, "final_phase": "Succeeded",
    },
    {
        "namespace": "nlp", "pod": "bert-finetune-x7k2p", "uid": "uid-bert-0",
        "labels": {"job-name": "bert-finetune", "batch.kubernetes.io/job-name": "bert-finetune",
                   "team": "nlp", "project": "qa", "model": "bert-large"},
        "created_by": ("Job", "bert-finetune"),
        "container": "trainer", "image": "huggingface/transformers-pytorch-gpu:4.36.2",
        "node": "gpu-b", "pod_ip": "10.0.2.103",
        "cpu": 4, "memory": 16 * GiB, "gpus": [2],
        "gpu_util": {2: (40, 8000)},
        "start": 0 * MINUTE, "end": 60 * MINUTE, "final_phase": "Succeeded",
    },
    {
        "namespace": "nlp", "pod": "tokenize-9qfzt", "uid": "uid-tokenize-0",
        "labels": {"job-name": "tokenize", "batch.kubernetes.io/job-name": "tokenize",
                   "team": "nlp", "project": "qa"},
        "created_by": ("Job", "tokenize"),
        "container": "tokenize", "image": "python:3.11-slim",
        "node": "gpu-a", "pod_ip": "10.0.1.102",
        "cpu": 16, "memory": 64 * GiB, "gpus": [],
        "gpu_util": {},
        "start": 30 * MINUTE, "end": None, "final_phase": None,
    },
    {
        "namespace": "research", "pod": "rl-cluster-head-abcde", "uid": "uid-rl-head-0",
        "labels": {"ray.io/cluster": "rl-cluster", "team": "research", "project": "rl"},
        "created_by": ("RayCluster", "rl-cluster"),
        "container": "ray-head", "image": "rayproject/ray-ml:2.9.0-gpu",
        "node": "gpu-b", "pod_ip": "10.0.2.104",
        "cpu": 4, "memory": 16 * GiB, "gpus": [2],
        "gpu_util": {2: (30, 4000)},
        "start": 60 * MINUTE, "end": 110 * MINUTE, "final_phase": "Succeeded",
    },
    {
        "namespace": "research", "pod": "rl-cluster-worker-fghij", "uid": "uid-rl-worker-0",
        "labels": {"ray.io/cluster": "rl-cluster", "team": "research", "project": "rl"},
        "created_by": ("RayCluster", "rl-cluster"),
        "container": "ray-worker", "image": "rayproject/ray-ml:2.9.0-gpu",
        "node": "gpu-b", "pod_ip": "10.0.2.105",
        "cpu": 4, "memory": 16 * GiB, "gpus": [3],
        "gpu_util": {3: (30, 4000)},
        "start": 60 * MINUTE, "end": 110 * MINUTE, "final_phase": "Succeeded",
    },
]
PHASES = ["Pending", "Succeeded", "Failed", "Unknown", "Running"]  # kube-state-metrics' order


def exists(pod, off):
    if off < pod["start"]:
        return False
    return pod["end"] is None or off < pod["end"] + LINGER


def running(pod, off):
    return pod["start"] <= off and (pod["end"] is None or off < pod["end"])


def sanitize(name):
    """kube-state-metrics' label-name sanitising: every character outside [a-zA-Z0-9_] becomes _."""
    return "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else "_" for c in name)


def container_id(pod):
    return hashlib.sha256((pod["uid"] + "/" + pod["container"]).encode()).hexdigest()


def cgroup_id(pod):
    uid = pod["uid"].replace("-", "_")
    return (f"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{uid}.slice/"
            f"cri-containerd-{container_id(pod)}.scope")


# -------------------------------------------------------------------------- exposition --

def fmt_value(v):
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15):
        return str(int(v))
    return repr(float(v))


def esc(v):
    return str(v).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


class Family:
    def __init__(self, name, kind, help_text):
        self.name, self.kind, self.help, self.samples = name, kind, help_text, []

    def add(self, labels, value):
        self.samples.append((labels, value))

    def render(self, out, ts_ms):
        out.append(f"# HELP {self.name} {self.help}")
        out.append(f"# TYPE {self.name} {self.kind}")
        for labels, value in self.samples:
            body = ",".join(f'{k}="{esc(v)}"' for k, v in labels)
            out.append(f"{self.name}{{{body}}} {fmt_value(value)} {ts_ms}")


def render_step(t0, off):
    """The exposition of the whole cluster at t0 + off seconds."""
    t = t0 + off
    ts_ms = t * 1000
    fams = []

    def family(*args):
        f = Family(*args)
        fams.append(f)
        return f

    # ---- kube-state-metrics v2: nodes
    node_info = family("kube_node_info", "gauge", "[STABLE] Information about a cluster node.")
    node_labels = family("kube_node_labels", "gauge",
                         "[STABLE] Kubernetes labels converted to Prometheus labels.")
    node_alloc = family("kube_node_status_allocatable", "gauge",
                        "[STABLE] The allocatable for different resources of a node that are "
                        "available for scheduling.")
    node_cap = family("kube_node_status_capacity", "gauge",
                      "[STABLE] The capacity for different resources of a node.")
    for n in NODES:
        node_info.add([("node", n["name"]), ("kernel_version", "5.10.205-195.807.amzn2.x86_64"),
                       ("os_image", "Amazon Linux 2"),
                       ("container_runtime_version", "containerd://1.7.11"),
                       ("kubelet_version", "v1.29.0-eks-5e0fdde"), ("kubeproxy_version", "deprecated"),
                       ("provider_id", n["provider_id"]), ("pod_cidr", ""),
                       ("system_uuid", n["system_uuid"]), ("internal_ip", n["internal_ip"])], 1)
        labels = [("node", n["name"]),
                  ("label_beta_kubernetes_io_arch", "amd64"),
                  n["capacity_label"]]
        labels += sorted(n["extra_labels"].items())
        labels += [("label_kubernetes_io_hostname", n["name"]),
                   ("label_node_kubernetes_io_instance_type", n["instance_type"]),
                   ("label_nvidia_com_gpu_product", n["gpu_model"].replace(" ", "-")),
                   ("label_topology_kubernetes_io_region", n["region"]),
                   ("label_topology_kubernetes_io_zone", n["zone"])]
        node_labels.add(labels, 1)
        for resource, unit in RESOURCE_UNITS:
            node_alloc.add([("node", n["name"]), ("resource", resource), ("unit", unit)],
                           n["allocatable"][resource])
            node_cap.add([("node", n["name"]), ("resource", resource), ("unit", unit)],
                         n["capacity"][resource])

    # ---- kube-state-metrics v2: pods
    completion = family("kube_pod_completion_time", "gauge",
                        "[STABLE] Completion time in unix timestamp for a pod.")
    requests = family("kube_pod_container_resource_requests", "gauge",
                      "The number of requested request resource by a container. It is recommended "
                      "to use the kube_pod_resource_requests metric exposed by kube-scheduler "
                      "instead, as it is more precise.")
    restarts = family("kube_pod_container_status_restarts_total", "counter",
                      "[STABLE] The number of container restarts per container.")
    pod_info = family("kube_pod_info", "gauge", "[STABLE] Information about pod.")
    pod_labels = family("kube_pod_labels", "gauge",
                        "[STABLE] Kubernetes labels converted to Prometheus labels.")
    start_time = family("kube_pod_start_time", "gauge",
                        "[STABLE] Start time in unix timestamp for a pod.")
    phase = family("kube_pod_status_phase", "gauge", "[STABLE] The pods current phase.")
    for p in PODS:
        if not exists(p, off):
            continue
        ident = [("namespace", p["namespace"]), ("pod", p["pod"]), ("uid", p["uid"])]
        ended = p["end"] is not None and off >= p["end"]
        if ended:
            completion.add(ident, t0 + p["end"])
        for resource, unit, value in (("cpu", "core", p["cpu"]), ("memory", "byte", p["memory"]),
                                      ("nvidia_com_gpu", "integer", len(p["gpus"]))):
            if resource == "nvidia_com_gpu" and not p["gpus"]:
                continue
            requests.add(ident + [("container", p["container"]), ("node", p["node"]),
                                  ("resource", resource), ("unit", unit)], value)
        restarts.add(ident + [("container", p["container"])], 0)
        node = NODE_BY_NAME[p["node"]]
        pod_info.add(ident + [("host_ip", node["internal_ip"]), ("pod_ip", p["pod_ip"]),
                              ("node", p["node"]), ("created_by_kind", p["created_by"][0]),
                              ("created_by_name", p["created_by"][1]), ("priority_class", ""),
                              ("host_network", "false")], 1)
        pod_labels.add(ident + sorted(("label_" + sanitize(k), v) for k, v in p["labels"].items()), 1)
        start_time.add(ident, t0 + p["start"])
        current = p["final_phase"] if ended else "Running"
        for ph in PHASES:
            phase.add(ident + [("phase", ph)], 1 if ph == current else 0)

    # ---- dcgm-exporter: every GPU of every node; pod, namespace and container while a pod holds it
    util = family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
    fb_used = family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
    gr_active = family("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge",
                       "Ratio of time the graphics engine is active.")
    for n in NODES:
        for i in range(n["capacity"]["nvidia_com_gpu"]):
            holder = next((p for p in PODS if p["node"] == n["name"] and i in p["gpus"]
                           and running(p, off)), None)
            labels = [("gpu", str(i)), ("UUID", f"{n['uuid_prefix']}{i}"),
                      ("pci_bus_id", f"00000000:{0x10 + i:02X}:00.0"), ("device", f"nvidia{i}"),
                      ("modelName", n["gpu_model"]), ("Hostname", n["name"]),
                      ("DCGM_FI_DRIVER_VERSION", DRIVER_VERSION)]
            u, fb = 0, 0
            if holder:
                labels += [("container", holder["container"]), ("namespace", holder["namespace"]),
                           ("pod", holder["pod"])]
                u, fb = holder["gpu_util"][i]
            util.add(labels, u)
            fb_used.add(labels, fb)
            gr_active.add(labels, u / 100)

    # ---- the kubelet's cAdvisor: every running container
    cpu = family("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.")
    wss = family("container_memory_working_set_bytes", "gauge", "Current working set in bytes.")
    for p in PODS:
        if not running(p, off):
            continue
        base = [("container", p["container"]), ("id", cgroup_id(p)), ("image", p["image"]),
                ("name", container_id(p)), ("namespace", p["namespace"]), ("pod", p["pod"])]
        cpu.add(base[:1] + [("cpu", "total")] + base[1:], 0.5 * p["cpu"] * (off - p["start"]))
        wss.add(base, p["memory"] // 2)

    out = []
    for f in fams:
        f.render(out, ts_ms)
    return ("\n".join(out) + "\n").encode()


# ------------------------------------------------------------------------------ server --

class Timeline:
    def __init__(self, t0, step, steps, done_file):
        self.t0, self.step, self.steps, self.done_file = t0, step, steps, done_file
        self.next = 0
        self.lock = threading.Lock()


def make_handler(tl):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # nothing per request
            pass

        def send(self, body, ctype):
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                # One scrape at a time, and the step is taken only by a scrape: the body is
                # rendered and written under the lock, so the steps reach Prometheus in order.
                with tl.lock:
                    k = tl.next
                    if k > tl.steps:
                        body = b""
                    else:
                        body = render_step(tl.t0, k * tl.step)
                        tl.next = k + 1
                    self.send(body, "text/plain; version=0.0.4; charset=utf-8")
                    if k == tl.steps:
                        tmp = tl.done_file + ".tmp"
                        with open(tmp, "w") as f:
                            f.write(f"{tl.t0 + k * tl.step}\n")
                        os.replace(tmp, tl.done_file)
            elif path == "/healthz":
                with tl.lock:
                    k = tl.next
                text = "done\n" if k > tl.steps else f"step {k} of {tl.steps}\n"
                self.send(text.encode(), "text/plain; charset=utf-8")
            else:
                self.send_error(404)

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1 (0: any)")
    ap.add_argument("--t0", type=int, required=True, help="unix seconds of step 0")
    ap.add_argument("--step", type=int, default=60, help="seconds between steps")
    ap.add_argument("--steps", type=int, default=180, help="last step (steps + 1 scrapes in all)")
    ap.add_argument("--done-file", required=True, help="written once the last step was served")
    ap.add_argument("--port-file", help="the port actually bound is written here once listening")
    args = ap.parse_args()
    if args.step <= 0 or args.steps < 0:
        ap.error("--step must be > 0 and --steps >= 0")

    tl = Timeline(args.t0, args.step, args.steps, args.done_file)
    ThreadingHTTPServer.daemon_threads = True
    try:
        server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(tl))
    except OSError as e:
        print(f"cluster_exporter: cannot listen on 127.0.0.1:{args.port}: {e.strerror}", file=sys.stderr)
        sys.exit(3)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(f"{server.server_address[1]}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
