-- Frugal schema, version 24: Kubernetes clusters read from their Prometheus (`frugal k8s import`).
-- Every pod that ran is a row here, linked to the run of its job's attempt; a node pool's hours say
-- how many nodes ran against how many the pods' requests needed (what an autoscaler would have saved).

-- @table k8s_pods: a pod of a Kubernetes cluster, read from Prometheus, and the run that records its job's attempt.
CREATE TABLE k8s_pods (
  cluster TEXT NOT NULL,                  -- the cluster's name (--cluster)
  uid TEXT NOT NULL,                      -- the pod's uid: a pod recreated under its name is another pod
  namespace TEXT NOT NULL,                -- its namespace
  pod TEXT NOT NULL,                      -- its name
  workload TEXT NOT NULL,                 -- the job its pods make up: job/NAME, kubeflow/NAME, ray/NAME, kueue/NAME, or pod/NAME
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, -- the run of the attempt it belongs to
  node TEXT,                              -- the node it ran on
  instance_type TEXT,                     -- the node's instance type
  spot INTEGER NOT NULL DEFAULT 0,        -- 1: the node was spot capacity
  gpus INTEGER NOT NULL DEFAULT 0,        -- GPUs requested (nvidia.com/gpu), all containers
  cpu_millis INTEGER NOT NULL DEFAULT 0,  -- CPU requested, thousandths of a vCPU
  memory_bytes INTEGER NOT NULL DEFAULT 0, -- memory requested
  phase TEXT NOT NULL,                    -- its last phase: Running, Succeeded, Failed, Unknown (vanished while running)
  restarts INTEGER NOT NULL DEFAULT 0,    -- container restarts
  started_at TEXT NOT NULL,               -- kube_pod_start_time (UTC)
  ended_at TEXT,                          -- kube_pod_completion_time, or when it was last seen; NULL while running
  hourly_nanos INTEGER,                   -- what its requests cost per hour (nano-USD; docs/k8s.md says how); NULL: node not priced
  gpu_hour_nanos INTEGER,                 -- one of its node's GPUs for an hour: what an idle GPU-hour of it cost
  gpu_readings INTEGER NOT NULL DEFAULT 0, -- DCGM readings of the GPUs it held, folded in so far
  gpu_util_sum REAL NOT NULL DEFAULT 0,   -- their utilisation, summed (%)
  gpu_util_peak REAL,                     -- the highest utilisation
  gpu_util_histogram TEXT,                -- readings per whole percent, 'pct:count' pairs, for the run's p95
  gpu_mem_peak_bytes INTEGER,             -- the most GPU memory one of its GPUs used
  idle_gpu_seconds REAL NOT NULL DEFAULT 0, -- GPU-seconds held under 5% busy
  usage_until TEXT,                       -- the last reading folded in (UTC): a window read again adds none twice
  last_seen TEXT NOT NULL,                -- the last time kube-state-metrics showed it (UTC): a pod gone while no import looked ended then
  PRIMARY KEY (cluster, uid)
);
CREATE INDEX k8s_pods_run ON k8s_pods (run_id);
CREATE INDEX k8s_pods_workload ON k8s_pods (cluster, namespace, workload);

-- @table k8s_pool_hours: a node pool (instance type × capacity type) hour by hour: nodes up against the nodes the pods' requests needed.
CREATE TABLE k8s_pool_hours (
  cluster TEXT NOT NULL,                  -- the cluster's name
  instance_type TEXT NOT NULL,            -- the pool's instance type
  spot INTEGER NOT NULL,                  -- 1: spot capacity
  hour TEXT NOT NULL,                     -- the hour's start (UTC)
  region TEXT,                            -- the nodes' region
  node_seconds INTEGER NOT NULL,          -- node-seconds the pool's nodes were up in the hour
  nodes_max INTEGER NOT NULL,             -- most nodes up at once
  nodes_needed INTEGER NOT NULL,          -- fewest nodes that held the requests of the busiest step of the hour (GPUs, CPU, memory)
  node_hour_nanos INTEGER,                -- one node for one hour, nano-USD; NULL: the catalog does not price it
  held_cost_nanos INTEGER NOT NULL DEFAULT 0, -- what the pods' requests on its nodes cost in the hour
  PRIMARY KEY (cluster, instance_type, spot, hour)
);
