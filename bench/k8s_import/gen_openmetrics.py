#!/usr/bin/env python3
"""Writes a Kubernetes GPU cluster's metrics over a time window as OpenMetrics text, the input of
`promtool tsdb create-blocks-from openmetrics`: the data side of bench/k8s_import (the bar: a week of
a 100-node, 800-GPU cluster at 30 s, imported by `frugal k8s import` in under 30 s).

The cluster: NODES p4d.24xlarge nodes (96 cores, 1152 GiB, 8 A100-SXM4-40GB) in us-east-1, the
first 60% an on-demand EKS node group (label eks.amazonaws.com/capacity-type=ON_DEMAND), the rest a
Karpenter spot node pool (karpenter.sh/capacity-type=spot). Training jobs arrive at random (seeded,
so two runs write the same bytes) at a rate that keeps ~65% of the GPUs requested; a queue admits a
job when it fits (its pods are created then, as Kueue does), best-fit on one node (1, 2, 4 or 8
GPUs), or two whole nodes for a 2-node PyTorchJob (a master and a worker pod sharing the label
training.kubeflow.org/job-name). A job runs 20 min to 12 h (log-uniform); 8% fail part-way.
The simulation starts a day before the window, so the window opens on a busy cluster.

A pod's life: created (GPUs allocated, phase Pending, image pull 20-180 s), Running, then
Succeeded or Failed at completion (GPUs freed), and deleted 5-30 min later; its series exist only
while the pod exists. Series, as the exporters name them (kube-state-metrics v2 with
--metric-labels-allowlist=pods=[team,project,model,training.kubeflow.org/job-name,...]):
  kube_node_labels, kube_node_status_capacity{resource,unit}                    (per node)
  kube_pod_info, kube_pod_labels, kube_pod_created, kube_pod_start_time, kube_pod_completion_time,
  kube_pod_status_phase{phase} (all five phases, 0 or 1),
  kube_pod_container_resource_requests{resource="cpu"|"memory"|"nvidia_com_gpu",unit}  (per pod)
  DCGM_FI_DEV_GPU_UTIL, DCGM_FI_DEV_FB_USED, DCGM_FI_PROF_GR_ENGINE_ACTIVE      (per GPU, always;
      with pod/namespace/container labels while a pod holds the GPU, without them while idle)
  container_cpu_usage_seconds_total, container_memory_working_set_bytes        (cAdvisor: the
      container's series, and the pod cgroup's, which has no container label)
Every series has a sample at every step of [end - days, end) (the end itself excluded).

OpenMetrics as promtool reads it: `name{labels} value timestamp` with the timestamp in seconds,
each metric family's lines together after its `# TYPE` line, each series' samples in time order,
and `# EOF` as the last line.

usage:
  gen_openmetrics.py [--nodes 100] [--gpus-per-node 8] [--days 7 | --hours H] [--step 30]
                     [--end UNIX] [--seed 1] (--out FILE | --out-dir DIR [--part K] [--part-hours 6])
                     [--truth pods.csv] [--parts]
--out FILE writes the whole window to one file. --out-dir DIR writes one file per 6 hours (UTC
00-06, 06-12, ...; --part-hours 2, 6, 18 or 54, aligned as promtool aligns blocks of that length),
or only the K-th with --part K: promtool reads a file once for its time range and once more for
each block it writes, so `--max-block-duration` equal to the part makes two passes over each part
(a day file with 6 h blocks would take five over four times the bytes). --parts prints how many
files the window makes and exits. --truth writes one CSV row per pod (what an import should find).
"""
import argparse
import calendar
import collections
import heapq
import math
import os
import random
import sys
import time
from operator import add

DEFAULT_END = calendar.timegm((2026, 11, 28, 0, 0, 0))  # 2026-11-28T00:00:00Z
DAY = 86400

# team -> (namespace, weight, projects, models)
TEAMS = [
    ("nlp", "ml-nlp", 0.35, ["chat-assistant", "summarizer", "code-llm"], ["llama-3-8b", "llama-3-70b-lora", "mistral-7b"]),
    ("vision", "ml-vision", 0.2, ["defect-detect", "retail-shelf"], ["vit-l16", "yolov8x", "sam-vit-h"]),
    ("speech", "ml-speech", 0.1, ["call-transcribe"], ["whisper-large-v3", "conformer-l"]),
    ("recsys", "ml-recsys", 0.15, ["home-feed", "ads-ranking"], ["dlrm-v2", "two-tower"]),
    ("research", "research", 0.2, ["scaling-laws", "rlhf"], ["gpt-1b3", "gpt-350m", "reward-model"]),
]
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
INSTANCE_TYPE = "p4d.24xlarge"
GPU_MODEL = "NVIDIA A100-SXM4-40GB"
FB_TOTAL_MIB = 40960
NODE_CPU = 96
NODE_MEM = 1152 * 2**30
REGION = "us-east-1"
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d")
NOISE_LEN = 8192  # the noise tables cycle; a series starts at a random offset


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--gpus-per-node", type=int, default=8)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--hours", type=float, help="the window in hours (instead of --days)")
    ap.add_argument("--step", type=int, default=30, help="seconds between samples")
    ap.add_argument("--end", type=int, default=DEFAULT_END, help="the window's end, unix seconds (default 2026-11-28T00:00:00Z)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--load", type=float, default=0.65, help="share of GPUs the arriving jobs request on average")
    ap.add_argument("--spot-fraction", type=float, default=0.4)
    ap.add_argument("--out", help="one OpenMetrics file for the whole window")
    ap.add_argument("--out-dir", help="one OpenMetrics file per --part-hours, k8s-YYYYMMDDTHHMMZ.om")
    ap.add_argument("--part-hours", type=int, default=6, choices=(2, 6, 18, 54))
    ap.add_argument("--part", type=int, help="with --out-dir: write only the K-th file (0-based)")
    ap.add_argument("--truth", help="write one CSV row per pod that exists in the window")
    ap.add_argument("--parts", action="store_true", help="print the number of --out-dir files and exit")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    span = int(round((a.hours * 3600) if a.hours is not None else a.days * DAY))
    if span <= 0 or span % a.step:
        ap.error(f"the window ({span} s) must be a positive multiple of --step ({a.step} s)")
    if a.step <= 0 or DAY % a.step:
        ap.error("--step must divide a day")
    if not a.parts and bool(a.out) == bool(a.out_dir):
        ap.error("give one of --out FILE or --out-dir DIR")
    if a.part is not None and not a.out_dir:
        ap.error("--part needs --out-dir")
    a.span = span
    return a


# ---------------------------------------------------------------------------------------------
# The cluster and its jobs
# ---------------------------------------------------------------------------------------------

class Node:
    __slots__ = ("name", "ip", "zone", "spot", "gpu_uuids", "free")


class Pod:
    __slots__ = ("name", "ns", "uid", "node", "gpus", "created", "started", "running", "finished", "deleted",
                 "final", "team", "project", "model", "job", "kind", "replica", "container", "ip", "cpu", "mem",
                 "util", "fb", "cores", "ws", "cid", "noise_off")


def hexid(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def uuid_str(rng):
    h = hexid(rng, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def make_nodes(rng, n, gpn, spot_fraction):
    nodes = []
    n_spot = int(round(n * spot_fraction))
    for i in range(n):
        node = Node()
        a, b = 10 + i // 250, i % 250 + 1
        node.ip = f"10.0.{a}.{b}"
        node.name = f"ip-10-0-{a}-{b}.ec2.internal"
        node.zone = ZONES[i % len(ZONES)]
        node.spot = i >= n - n_spot
        node.gpu_uuids = [f"GPU-{uuid_str(rng)}" for _ in range(gpn)]
        node.free = [True] * gpn
        nodes.append(node)
    return nodes


def draw_job(rng, gpn, n_nodes):
    """A job's shape: (pods, gpus per pod, planned seconds, fails, run fraction if it fails)."""
    r = rng.random()
    if r < 0.10 and n_nodes >= 2:
        pods, gpus = 2, gpn
    else:
        gpus = rng.choices([1, 2, 4, 8], weights=[0.3, 0.2, 0.2, 0.2])[0]
        pods, gpus = 1, min(gpus, gpn)
    planned = int(60 * math.exp(rng.uniform(math.log(20), math.log(720))))
    fails = rng.random() < 0.08
    frac = rng.uniform(0.05, 0.9) if fails else 1.0
    return pods, gpus, planned, fails, frac


def arrival_rate(gpn, n_nodes, total_gpus, load):
    """Jobs per second so that the GPUs they hold (pull + run) average `load` of the cluster."""
    probe = random.Random(12345)
    held = 0.0
    n = 20000
    for _ in range(n):
        pods, gpus, planned, _, frac = draw_job(probe, gpn, n_nodes)
        held += pods * gpus * (planned * frac + 100 + 3)
    return load * total_gpus / (held / n)


def simulate(a, rng, nodes, gpn, sim_start, end):
    """Jobs arrive over [sim_start, end); a FIFO queue with backfill admits them when they fit (a job
    waiting over an hour stops the backfill, so whole-node jobs are not starved). Returns the pods."""
    total = len(nodes) * gpn
    lam = arrival_rate(gpn, len(nodes), total, a.load)
    arrivals = []
    t = sim_start
    while True:
        t += rng.expovariate(lam)
        if t >= end:
            break
        arrivals.append((int(t),) + draw_job(rng, gpn, len(nodes)))
    pods = []
    releases = []  # heap of (finish time, seq, [(node, gpu indices)])
    queue = collections.deque()
    seq = 0
    job_no = 0

    def place(job, now):
        nonlocal seq, job_no
        arrived, npods, gpus, planned, fails, frac = job
        if npods == 1:
            best = None
            for ni, node in enumerate(nodes):
                f = sum(node.free)
                if f >= gpus and (best is None or f < best[0]):
                    best = (f, ni)
                    if f == gpus:
                        break
            if best is None:
                return False
            chosen = [best[1]]
        else:
            chosen = [ni for ni, node in enumerate(nodes) if all(node.free)][:npods]
            if len(chosen) < npods:
                return False
        team, ns, _, projects, models = rng.choices(TEAMS, weights=[t[2] for t in TEAMS])[0]
        project, model = rng.choice(projects), rng.choice(models)
        job_no += 1
        job = f"{model.replace('.', '-')}-{project.split('-')[0]}-{job_no:05d}"
        kind = "PyTorchJob" if npods > 1 or rng.random() < 0.7 else "Job"
        created = now
        pull = rng.randint(20, 180)
        run = max(60, int(planned * frac))
        finished = created + 3 + pull + run
        profile = rng.random()
        if profile < 0.6:
            util = rng.uniform(80, 97)
            fb = rng.uniform(0.6, 0.95)
        elif profile < 0.9:
            util = rng.uniform(35, 70)
            fb = rng.uniform(0.3, 0.8)
        else:
            util = rng.uniform(0, 8)
            fb = rng.uniform(0.02, 0.3)
        held = []
        for r, ni in enumerate(chosen):
            node = nodes[ni]
            idx = [g for g in range(gpn) if node.free[g]][:gpus]
            for g in idx:
                node.free[g] = False
            held.append((ni, idx))
            p = Pod()
            p.ns, p.team, p.project, p.model, p.job, p.kind = ns, team, project, model, job, kind
            if kind == "PyTorchJob":
                p.replica = "master" if r == 0 else "worker"
                p.name = f"{job}-{p.replica}-{0 if r == 0 else r - 1}"
                p.container = "pytorch"
            else:
                p.replica = ""
                p.name = f"{job}-{hexid(rng, 5)}"
                p.container = "trainer"
            p.uid = uuid_str(rng)
            p.node, p.gpus = ni, idx
            p.created = created
            p.started = created + rng.randint(1, 3)
            p.running = created + 3 + pull + rng.randint(0, 5)
            p.finished = finished
            p.deleted = finished + rng.randint(300, 1800)
            p.final = "Failed" if fails else "Succeeded"
            p.ip = f"10.1.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            p.cpu = 11 * gpus
            p.mem = 130 * gpus * 2**30
            p.util = min(100, max(0, int(round(util + rng.uniform(-2, 2)))))
            p.fb = int(FB_TOTAL_MIB * fb)
            p.cores = p.cpu * rng.uniform(0.15, 0.8)
            p.ws = int(p.mem * rng.uniform(0.2, 0.7))
            p.cid = hexid(rng, 64)
            p.noise_off = rng.randrange(NOISE_LEN)
            pods.append(p)
        seq += 1
        heapq.heappush(releases, (finished, seq, held))
        return True

    def admit(now):
        kept = collections.deque()
        blocked = False
        while queue:
            job = queue.popleft()
            if not blocked and place(job, now):
                continue
            if now - job[0] > 3600:
                blocked = True
            kept.append(job)
        queue.extend(kept)

    for job in arrivals:
        while releases and releases[0][0] <= job[0]:
            t_rel = releases[0][0]
            while releases and releases[0][0] == t_rel:
                _, _, held = heapq.heappop(releases)
                for ni, idx in held:
                    for g in idx:
                        nodes[ni].free[g] = True
            admit(t_rel)
        queue.append(job)
        admit(job[0])
    return pods


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

class Writer:
    """Bytes straight to the file: a series' lines are joined into one bytes object and written."""

    def __init__(self, path):
        self.f = open(path, "wb", buffering=1 << 20)
        self.bytes = 0

    def put(self, b):
        if isinstance(b, str):
            b = b.encode()
        self.f.write(b)
        self.bytes += len(b)

    def close(self):
        self.put(b"# EOF\n")
        self.f.close()


def labels(**kv):
    return ",".join(f'{k}="{v}"' for k, v in kv.items() if v != "")


def build_noise(rng, length):
    """GPU utilisation noise: small jitter, and now and then a dip (evaluation, checkpointing)."""
    out = []
    for _ in range(length):
        n = int(round(rng.gauss(0, 3)))
        if rng.random() < 0.015:
            n -= rng.randint(30, 80)
        out.append(n)
    return out


def write_chunk(path, a, nodes, pods, gpn, ws, k0, k1, tables):
    """Writes the samples of steps [k0, k1) (times ws + k * step) to one file."""
    step = a.step
    util_int, util_str, eng_str, noise = tables
    w = Writer(path)
    TS = [b" %d\n" % (ws + k * step) for k in range(k0, k1)]
    n_samples = 0

    def krange(t_from, t_to):
        """Steps in this file at which [t_from, t_to) holds."""
        lo = max(k0, -((ws - t_from) // step))  # ceil((t_from - ws) / step)
        hi = min(k1, -((ws - t_to) // step))
        return lo, hi

    def const(prefix, value, lo, hi):
        nonlocal n_samples
        if lo >= hi:
            return
        pv = (prefix + value).encode()
        w.put(pv)
        w.put(pv.join(TS[lo - k0:hi - k0]))
        n_samples += hi - lo

    def varying(prefix, values, lo, hi):
        nonlocal n_samples
        if lo >= hi:
            return
        prefix = prefix.encode()
        w.put(prefix)
        w.put(prefix.join(map(add, values, TS[lo - k0:hi - k0])))
        n_samples += hi - lo

    t_lo, t_hi = ws + k0 * step, ws + k1 * step
    live = [p for p in pods if p.created < t_hi and p.deleted > t_lo]

    # kube-state-metrics: nodes
    w.put("# TYPE kube_node_labels gauge\n")
    for n in nodes:
        pool = (dict(label_karpenter_sh_capacity_type="spot", label_karpenter_sh_nodepool="gpu-spot") if n.spot
                else dict(label_eks_amazonaws_com_capacity_type="ON_DEMAND", label_eks_amazonaws_com_nodegroup="gpu-od"))
        const("kube_node_labels{" + labels(
            node=n.name, label_node_kubernetes_io_instance_type=INSTANCE_TYPE,
            label_topology_kubernetes_io_region=REGION, label_topology_kubernetes_io_zone=n.zone,
            label_nvidia_com_gpu_product=GPU_MODEL.replace(" ", "-"), label_nvidia_com_gpu_count=str(gpn),
            **pool, job="kube-state-metrics") + "} ", "1", k0, k1)
    w.put("# TYPE kube_node_status_capacity gauge\n")
    for n in nodes:
        for res, unit, v in (("cpu", "core", NODE_CPU), ("memory", "byte", NODE_MEM), ("nvidia_com_gpu", "integer", gpn),
                             ("pods", "integer", 250)):
            const("kube_node_status_capacity{" + labels(node=n.name, resource=res, unit=unit, job="kube-state-metrics") + "} ",
                  str(v), k0, k1)

    # kube-state-metrics: pods
    def pod_ids(p):
        return dict(namespace=p.ns, pod=p.name, uid=p.uid)

    w.put("# TYPE kube_pod_info gauge\n")
    for p in live:
        n = nodes[p.node]
        const("kube_pod_info{" + labels(**pod_ids(p), host_ip=n.ip, pod_ip=p.ip, node=n.name, created_by_kind=p.kind,
                                        created_by_name=p.job, host_network="false", job="kube-state-metrics") + "} ",
              "1", *krange(p.created, p.deleted))
    w.put("# TYPE kube_pod_labels gauge\n")
    for p in live:
        if p.kind == "PyTorchJob":
            jl = dict(label_training_kubeflow_org_job_name=p.job, label_training_kubeflow_org_replica_type=p.replica)
        else:
            jl = dict(label_job_name=p.job, label_batch_kubernetes_io_job_name=p.job)
        const("kube_pod_labels{" + labels(**pod_ids(p), label_team=p.team, label_project=p.project, label_model=p.model,
                                          **jl, job="kube-state-metrics") + "} ", "1", *krange(p.created, p.deleted))
    for metric, attr, since in (("kube_pod_created", "created", "created"), ("kube_pod_start_time", "started", "started"),
                                ("kube_pod_completion_time", "finished", "finished")):
        w.put(f"# TYPE {metric} gauge\n")
        for p in live:
            const(f"{metric}{{" + labels(**pod_ids(p), job="kube-state-metrics") + "} ", str(getattr(p, attr)),
                  *krange(getattr(p, since), p.deleted))
    w.put("# TYPE kube_pod_status_phase gauge\n")
    for p in live:
        pieces = ((p.created, p.running, "Pending"), (p.running, p.finished, "Running"), (p.finished, p.deleted, p.final))
        for ph in PHASES:
            prefix = "kube_pod_status_phase{" + labels(**pod_ids(p), phase=ph, job="kube-state-metrics") + "} "
            for t_from, t_to, now in pieces:
                const(prefix, "1" if now == ph else "0", *krange(t_from, t_to))
    w.put("# TYPE kube_pod_container_resource_requests gauge\n")
    for p in live:
        n = nodes[p.node]
        for res, unit, v in (("cpu", "core", p.cpu), ("memory", "byte", p.mem), ("nvidia_com_gpu", "integer", len(p.gpus))):
            const("kube_pod_container_resource_requests{" + labels(
                **pod_ids(p), container=p.container, node=n.name, resource=res, unit=unit, job="kube-state-metrics") + "} ",
                str(v), *krange(p.created, p.deleted))

    # dcgm-exporter: every GPU at every step; a pod's labels while it holds the GPU (from its start
    # time, when the kubelet allocates the devices, to its completion).
    holders = collections.defaultdict(list)
    for p in live:
        for g in p.gpus:
            holders[(p.node, g)].append(p)
    for hs in holders.values():
        hs.sort(key=lambda p: p.started)
    fb_noise = [x * 4 for x in noise]
    for metric in ("DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_PROF_GR_ENGINE_ACTIVE"):
        w.put(f"# TYPE {metric} gauge\n")
        zero = "0" if metric != "DCGM_FI_PROF_GR_ENGINE_ACTIVE" else "0.0000"
        for ni, n in enumerate(nodes):
            for g in range(gpn):
                base = dict(gpu=str(g), UUID=n.gpu_uuids[g], device=f"nvidia{g}", modelName=GPU_MODEL, Hostname=n.name)
                hs = holders.get((ni, g), ())
                # idle: the gaps between holders
                prefix = f"{metric}{{" + labels(**base, job="dcgm-exporter") + "} "
                t = t_lo
                for p in hs:
                    const(prefix, zero, *krange(t, p.started))
                    t = max(t, p.finished)
                const(prefix, zero, *krange(t, t_hi))
                for p in hs:
                    prefix = f"{metric}{{" + labels(**base, container=p.container, namespace=p.ns, pod=p.name,
                                                    job="dcgm-exporter") + "} "
                    const(prefix, zero, *krange(p.started, p.running))
                    lo, hi = krange(p.running, p.finished)
                    if lo >= hi:
                        continue
                    off = (p.noise_off + g * 977 + lo) % NOISE_LEN
                    b = min(100, max(0, p.util + (g % 3) - 1))
                    if metric == "DCGM_FI_DEV_GPU_UTIL":
                        varying(prefix, util_str[b][off:off + hi - lo], lo, hi)
                    elif metric == "DCGM_FI_PROF_GR_ENGINE_ACTIVE":
                        varying(prefix, eng_str[b][off:off + hi - lo], lo, hi)
                    else:
                        fb = p.fb
                        varying(prefix, [b"%d" % min(FB_TOTAL_MIB, max(0, fb + x)) for x in fb_noise[off:off + hi - lo]], lo, hi)

    # cAdvisor (the kubelet's /metrics/cadvisor): the container, and the pod's cgroup (no container label).
    for metric in ("container_cpu_usage_seconds_total", "container_memory_working_set_bytes"):
        family = metric[:-len("_total")] if metric.endswith("_total") else metric
        w.put(f"# TYPE {family} {'counter' if metric.endswith('_total') else 'gauge'}\n")
        for p in live:
            n = nodes[p.node]
            pod_cg = f"/kubepods.slice/kubepods-pod{p.uid.replace('-', '_')}.slice"
            common = dict(namespace=p.ns, pod=p.name, node=n.name, job="kubelet", metrics_path="/metrics/cadvisor")
            for cg, lab, t_from, extra in (
                    (pod_cg + f"/cri-containerd-{p.cid}.scope",
                     dict(container=p.container, image=f"registry.example.com/{p.team}/train:2026.11"), p.running, 0.0),
                    (pod_cg, {}, p.started, 0.02)):
                lo, hi = krange(t_from, p.finished)
                if lo >= hi:
                    continue
                prefix = f"{metric}{{" + labels(**lab, cpu="total" if metric.endswith("_total") else "", id=cg, **common) + "} "
                off = (p.noise_off + lo) % NOISE_LEN
                if metric.endswith("_total"):
                    c = p.cores + extra
                    wob = 0.4 * c * step
                    vals = [b"%.3f" % (c * (ws + k * step - t_from) + wob * ((noise[(off + k - lo) % NOISE_LEN] % 7) / 7))
                            for k in range(lo, hi)]
                else:
                    b = p.ws + int(extra * 2**30)
                    vals = [b"%d" % (b + x * 2**20 * 16) for x in noise[off:off + hi - lo]]
                varying(prefix, vals, lo, hi)
    w.close()
    return n_samples, w.bytes


def main():
    a = parse_args()
    end = a.end
    ws = end - a.span
    # Files: the whole window (--out), or one per part (--out-dir).
    if a.out:
        chunks = [(ws, end)]
    else:
        chunks = []
        part = a.part_hours * 3600
        t = ws
        while t < end:
            nxt = min(end, (t // part + 1) * part)
            chunks.append((t, nxt))
            t = nxt
    if a.parts:
        print(len(chunks))
        return
    if a.part is not None and not 0 <= a.part < len(chunks):
        sys.exit(f"--part {a.part}: the window has {len(chunks)} parts")
    t0 = time.time()
    rng = random.Random(a.seed)
    gpn = a.gpus_per_node
    nodes = make_nodes(rng, a.nodes, gpn, a.spot_fraction)
    pods = simulate(a, rng, nodes, gpn, ws - DAY, end)
    pods = [p for p in pods if p.deleted > ws and p.created < end]
    t_sim = time.time() - t0

    if a.truth:
        with open(a.truth, "w") as f:
            f.write("namespace,pod,uid,job,kind,team,project,model,node,gpus,created,started,running,finished,deleted,phase,"
                    "cpu_cores,memory_bytes,gpu_util\n")
            for p in sorted(pods, key=lambda p: (p.created, p.name)):
                f.write(f"{p.ns},{p.name},{p.uid},{p.job},{p.kind},{p.team},{p.project},{p.model},{nodes[p.node].name},"
                        f"{len(p.gpus)},{p.created},{p.started},{p.running},{p.finished},{p.deleted},{p.final},{p.cpu},{p.mem},{p.util}\n")

    # Value tables: per base utilisation b, the utilisation (and engine-active ratio) at each noise index.
    steps_max = max((c1 - c0) // a.step for c0, c1 in chunks)
    noise = build_noise(random.Random(a.seed + 1), NOISE_LEN + steps_max)
    util_str_of = [b"%d" % v for v in range(101)]
    eng_str_of = [b"%.4f" % (v / 100 * 0.92) for v in range(101)]
    util_int = [[min(100, max(0, b + x)) for x in noise] for b in range(101)]
    util_str = [[util_str_of[v] for v in row] for row in util_int]
    eng_str = [[eng_str_of[v] for v in row] for row in util_int]
    tables = (util_int, util_str, eng_str, noise)

    todo = range(len(chunks)) if a.part is None else [a.part]
    total_samples = total_bytes = 0
    for i in todo:
        c0, c1 = chunks[i]
        if a.out:
            path = a.out
        else:
            os.makedirs(a.out_dir, exist_ok=True)
            path = os.path.join(a.out_dir, time.strftime("k8s-%Y%m%dT%H%MZ.om", time.gmtime(c0)))
        t1 = time.time()
        n, b = write_chunk(path, a, nodes, pods, gpn, ws, (c0 - ws) // a.step, (c1 - ws) // a.step, tables)
        total_samples += n
        total_bytes += b
        if not a.quiet:
            print(f"{path}: {n:,} samples, {b / 1e6:,.0f} MB in {time.time() - t1:.1f} s", file=sys.stderr)

    if not a.quiet:
        held = 0
        for p in pods:
            held += len(p.gpus) * max(0, min(p.finished, end) - max(p.created, ws))
        jobs = len({(p.ns, p.job) for p in pods})
        print(f"cluster: {a.nodes} nodes x {gpn} GPUs, window {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(ws))} .. "
              f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(end))} at {a.step} s; {jobs} jobs, {len(pods)} pods "
              f"({sum(p.final == 'Failed' for p in pods)} failed); GPUs requested {held / (a.nodes * gpn * a.span):.0%} "
              f"of the window; {total_samples:,} samples, {total_bytes / 1e6:,.0f} MB; "
              f"simulation {t_sim:.1f} s, total {time.time() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
