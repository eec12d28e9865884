#pragma once
// One attempt of `frugal run`: the run row, the supervised job, its metrics, checkpoints and end.
// run_tracked (tracked_run.cpp) chains attempts for retries. Private to runner/.
#include <string>

#include "runner/checkpoints.h"
#include "runner/runner.h"
#include "runner/watch.h"

namespace frugal::runner {

// Records and runs one attempt of `run` (its attempt number and parent set by the caller), with
// "{resume}" in the command and FRUGAL_RESUME_FROM set to `resume` when not empty. Fills `outcome`
// (run id, exit status, summary). Errors: the job could not start (its run is recorded failed),
// or a metrics pattern or stopping rule is invalid (nothing recorded).
Result<void> run_attempt(store::Store& store, const RunRequest& request, tracking::RunStart run, const Clock& clock,
                         CheckpointWatcher* checkpoints, const std::string& resume, const ChainSoFar& prior,
                         RunOutcome& outcome);

}  // namespace frugal::runner
