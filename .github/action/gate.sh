#!/usr/bin/env bash
# The meshproof action, step 3: compare with the baseline (the input, or the newest baseline
# artifact of this cell on this branch), annotate, write the job summary, and decide the gate.
# Sets `gate` to passed or failed; the action's last step fails the job on `failed`, after the
# artifacts are uploaded.
set -euo pipefail
# shellcheck source=.github/action/common.sh
. "$ACTION_PATH/.github/action/common.sh"

baseline_name="$ARTIFACT_NAME-baseline"
baseline=""
baseline_run=""

# find_baseline: downloads the newest unexpired baseline artifact of this cell on this branch into
# $RUNNER_TEMP; sets baseline and baseline_run, or leaves them empty and says why.
find_baseline() {
  if ! command -v gh >/dev/null; then
    annotate warning "meshproof: no baseline" "the GitHub CLI (gh) is not on this runner, so the previous run's artifact cannot be fetched: judged without a baseline"
    return
  fi
  local branch=${GITHUB_HEAD_REF:-$GITHUB_REF_NAME} found dest
  # Newest first whatever order the API lists them in; the branch is read by jq from the environment.
  if ! found=$(BRANCH=$branch gh api "repos/$GITHUB_REPOSITORY/actions/artifacts?name=$baseline_name&per_page=100" \
    --jq '[.artifacts[] | select(.expired | not) | select(.workflow_run.head_branch == env.BRANCH)] | sort_by(.created_at) | last | .workflow_run.id // empty' 2>&1); then
    annotate warning "meshproof: no baseline" "cannot list the artifacts named $baseline_name (does the job have permission actions: read?): ${found}; judged without a baseline"
    return
  fi
  if [ -z "$found" ]; then
    annotate notice "meshproof: no baseline" "no earlier run on $branch left an artifact $baseline_name (the first run, or they expired): judged without a baseline; this run's becomes the baseline if its gate passes"
    return
  fi
  dest="$RUNNER_TEMP/meshproof-baseline/$ARTIFACT_NAME"
  rm -rf -- "$dest"
  if ! gh run download "$found" --name "$baseline_name" --dir "$dest" >&2; then
    annotate warning "meshproof: no baseline" "cannot download $baseline_name of run $found: judged without a baseline"
    return
  fi
  baseline="$dest/report.json"
  baseline_run=$found
}

if [ -n "$INPUT_BASELINE" ]; then
  baseline=$INPUT_BASELINE
else
  find_baseline
fi

regression=NO_BASELINE
if [ -n "$baseline" ]; then
  code=0
  without_commands meshproof diff "$baseline" "$REPORT" --output "$RUN_DIR" || code=$?
  case "$code" in
    0) regression=NO_REGRESSION ;;
    1) regression=REGRESSED ;;
    *)
      annotate warning "meshproof: baseline unusable" "$baseline cannot be compared with this run (see the coded line above): judged without a baseline"
      baseline=""
      ;;
  esac
fi

# The benchmark is compared for the summary only: between runs on shared runners its figures move
# more than its own repeatability threshold (README, "Repeatability"), so it never gates.
bench_diff=""
if [ -n "$BENCH_DIR" ] && [ -n "$baseline" ] && [ -f "$(dirname -- "$baseline")/bench.json" ]; then
  without_commands meshproof diff "$(dirname -- "$baseline")/bench.json" "$BENCH_DIR/bench.json" --output "$BENCH_DIR" || true
  bench_diff="$BENCH_DIR/diff.md"
fi

node "$ACTION_PATH/lib/ci/github-annotations-command.ts" "$REPORT" ${baseline:+"$baseline"}

{
  cat -- "$RUN_DIR/summary.md"
  if [ "$regression" != NO_BASELINE ]; then
    printf '\n## Against the baseline%s\n\n' "${baseline_run:+ (run $baseline_run)}"
    cat -- "$RUN_DIR/diff.md"
  fi
  if [ -n "$BENCH_DIR" ]; then
    printf '\n'
    cat -- "$BENCH_DIR/bench.md"
    if [ -n "$bench_diff" ] && [ -f "$bench_diff" ]; then
      printf '\n## Benchmark against the baseline (not gating)\n\n'
      cat -- "$bench_diff"
    fi
  fi
} >>"$GITHUB_STEP_SUMMARY"

gate=passed
if [ "$INPUT_FAIL_ON_REGRESSION" = true ]; then
  case "$regression" in
    REGRESSED) gate=failed ;;
    NO_BASELINE) [ "$VERDICT" = PASSED ] || gate=failed ;;
  esac
fi

# A full run whose gate passed is the next run's baseline: its report and benchmark only.
new_baseline=""
if [ "$gate" = passed ] && [ -z "$INPUT_ONLY" ]; then
  new_baseline="$RUNNER_TEMP/meshproof-new-baseline/$ARTIFACT_NAME"
  rm -rf -- "$new_baseline"
  mkdir -p -- "$new_baseline"
  cp -- "$REPORT" "$new_baseline/report.json"
  [ -z "$BENCH_DIR" ] || cp -- "$BENCH_DIR/bench.json" "$new_baseline/bench.json"
fi

set_output regression "$regression"
set_output baseline-run "$baseline_run"
set_output gate "$gate"
set_output new-baseline "$new_baseline"
