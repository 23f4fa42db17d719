#!/usr/bin/env bash
# The meshproof action, step 2: the benchmark (when asked for) and the conformance run, through make.
# Exit 0 whether the checks passed or failed (the gate decides); 2 when a run could not start. What
# ran is told by the run folders that appear, not by make's exit code: make exits 2 for a failed
# check as for bad input.
set -euo pipefail
# shellcheck source=.github/action/common.sh
. "$ACTION_PATH/.github/action/common.sh"

mkdir -p "$OUTPUT_DIR"
console="$OUTPUT_DIR/console.log"
: >"$console"
# Every variable the targets read is set here, so that none leaks in from the job's environment
# (make takes DEFECT=…, for one, from there).
target=(MESH="$MESH" PLATFORM="$PLATFORM" CONTEXT="$INPUT_CONTEXT" OUTPUT="$OUTPUT_DIR" DEFECT= BENCH=)

# run_make TARGET VARIABLES...: make's output is shown and kept in console.log; returns its exit code.
make_logged() {
  make --no-print-directory -C "$ACTION_PATH" "$@" 2>&1 | tee -a "$console"
}
run_make() {
  without_commands make_logged "$@"
}

# could_not_run WHAT EXIT_CODE: fails with the coded line meshproof printed last (it prints one on exit 2).
could_not_run() {
  local last
  last=$(grep -E '^MESHPROOF_[A-Z_]+: ' "$console" | tail -n 1 || true)
  [ -n "$last" ] || last="MESHPROOF_REPORT_UNREADABLE: it wrote no report; see the log above or console.log in the artifact"
  fail "${last%%:*}" "$1 could not run (exit $2): ${last#*: }"
}

# newest LINK: the run folder a link of the output folder points at (empty when there is none).
newest() {
  readlink -- "$OUTPUT_DIR/$1" 2>/dev/null || true
}

conformance=(conformance "${target[@]}" ONLY="$INPUT_ONLY")
bench_dir=""
if [ "$INPUT_BENCH" = true ]; then
  echo "::group::meshproof bench ($MESH on $PLATFORM)"
  before=$(newest latest-bench)
  code=0
  run_make bench "${target[@]}" BENCH_FLAGS="$INPUT_BENCH_FLAGS" || code=$?
  echo "::endgroup::"
  after=$(newest latest-bench)
  { [ -n "$after" ] && [ "$after" != "$before" ]; } || could_not_run "make bench" "$code"
  bench_dir="$OUTPUT_DIR/$after"
  passed=$(node -p 'JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).passed' "$bench_dir/bench.json")
  [ "$passed" = true ] || annotate warning "meshproof bench" "a self-check of the benchmark failed: its figures are in bench.md in the artifact, and the benchmark does not gate"
  conformance+=(BENCH="$bench_dir")
fi

before=$(newest latest)
code=0
run_make "${conformance[@]}" || code=$?
after=$(newest latest)
{ [ -n "$after" ] && [ "$after" != "$before" ]; } || could_not_run "make conformance" "$code"

run_dir="$OUTPUT_DIR/$after"
report="$run_dir/report.json"
verdict=$(node -p 'JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).verdict' "$report")
set_output run-dir "$run_dir"
set_output report "$report"
set_output verdict "$verdict"
set_output bench "$bench_dir"
