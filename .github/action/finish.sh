#!/usr/bin/env bash
# The meshproof action, last step: fail the job when the gate failed (after the artifacts are up).
set -euo pipefail
# shellcheck source=.github/action/common.sh
. "$ACTION_PATH/.github/action/common.sh"

[ "$GATE" = failed ] || exit 0
case "$REGRESSION" in
  REGRESSED) why="a check that passed in the baseline${BASELINE_RUN:+ (run $BASELINE_RUN)} failed or errored now" ;;
  *) why="the run's verdict is $VERDICT and there is no baseline to compare with" ;;
esac
annotate error "meshproof gate failed" "$why: see the annotations above, the job summary and the artifact $ARTIFACT_NAME (report.html has the diagnostics). To accept this state as the new baseline, run once with fail-on-regression: false."
exit 1
