-- Frugal schema, version 14: the 95th percentile of a run's GPU utilisation, which rightsizing
-- sizes for (the peak alone lets one busy second keep every GPU).

ALTER TABLE runs ADD COLUMN gpu_util_p95 REAL; -- 95th percentile of the held GPUs' utilisation samples, % (whole percents)
