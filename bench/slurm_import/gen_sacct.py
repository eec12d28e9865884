#!/usr/bin/env python3
"""Writes N job records as `sacct --parsable2 --duplicates` prints them for Frugal's field list,
with a job's steps (batch, extern, 0) after it, as sacct lists them: the input of
bench/slurm_import/run.sh. Deterministic (seeded), so two runs time the same file.

usage: gen_sacct.py N > sacct.txt
"""
import datetime
import random
import sys

FIELDS = ("JobID|JobIDRaw|JobName|User|Account|Partition|NodeList|NNodes|AllocCPUS|AllocTRES|Submit|Start|End|"
          "ElapsedRaw|State|ExitCode|TimelimitRaw|Cluster|TRESUsageInAve")
STATES = [("COMPLETED", "0:0")] * 14 + [("FAILED", "1:0"), ("CANCELLED by 1000", "0:15"), ("TIMEOUT", "0:15"),
                                         ("OUT_OF_MEMORY", "0:125"), ("NODE_FAIL", "0:0"), ("PREEMPTED", "0:0")]


def main():
    n = int(sys.argv[1])
    rng = random.Random(42)
    users = [f"user{i:03d}" for i in range(200)]
    accounts = [f"acct{i:02d}" for i in range(30)]
    t0 = datetime.datetime(2026, 11, 1)
    fmt = "%Y-%m-%dT%H:%M:%S"
    out = sys.stdout
    out.write(FIELDS + "\n")
    for i in range(n):
        job = 1_000_000 + i
        gpu = rng.random() < 0.7
        gpus = rng.choice([1, 2, 4, 8]) if gpu else 0
        cpus = gpus * 8 if gpu else rng.choice([1, 2, 4, 16])
        nodes = 2 if gpus == 8 and rng.random() < 0.2 else 1
        partition = "gpu" if gpu else "cpu"
        node = f"{partition}-{rng.randrange(64):03d}" if nodes == 1 else f"{partition}-[{rng.randrange(60):03d}-{rng.randrange(60, 64):03d}]"
        start = t0 + datetime.timedelta(seconds=i * 25)
        elapsed = rng.randrange(60, 86_400)
        end = start + datetime.timedelta(seconds=elapsed)
        state, exit_code = rng.choice(STATES)
        tres = f"billing={cpus},cpu={cpus},{'gres/gpu:a100=%d,gres/gpu=%d,' % (gpus, gpus) if gpus else ''}mem={cpus * 4}G,node={nodes}"
        job_id = f"{job}_{i % 10}" if i % 50 == 0 else str(job)
        out.write(f"{job_id}|{job}|train-{i % 997}|{rng.choice(users)}|{rng.choice(accounts)}|{partition}|{node}|{nodes}|{cpus}|"
                  f"{tres}|{(start - datetime.timedelta(seconds=30)).strftime(fmt)}|{start.strftime(fmt)}|{end.strftime(fmt)}|"
                  f"{elapsed}|{state}|{exit_code}|{rng.choice([60, 240, 1440, 2880])}|bench|\n")
        for step in ("batch", "extern", "0"):
            out.write(f"{job_id}.{step}|{job}.{step}|{step}||{rng.choice(accounts)}||{node}|{nodes}|{cpus}|cpu={cpus},mem={cpus * 4}G,node={nodes}|"
                      f"{start.strftime(fmt)}|{start.strftime(fmt)}|{end.strftime(fmt)}|{elapsed}|{state.split()[0]}|{exit_code}|||"
                      f"cpu=00:{rng.randrange(60):02d}:00,fs/disk={rng.randrange(10**9)},mem={rng.randrange(10**6)}K\n")


if __name__ == "__main__":
    main()
