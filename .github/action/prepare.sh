#!/usr/bin/env bash
# The meshproof action, step 1: check the inputs, install the npm dependencies and the pinned CLIs
# (checked against their releases' SHA-256), and name where the reports go.
set -euo pipefail
# shellcheck source=.github/action/common.sh
. "$ACTION_PATH/.github/action/common.sh"

for flag in "bench=$INPUT_BENCH" "fail-on-regression=$INPUT_FAIL_ON_REGRESSION"; do
  case "${flag#*=}" in
    true | false) ;;
    *) fail MESHPROOF_BAD_FLAG "${flag%%=*} must be true or false, not '${flag#*=}'" ;;
  esac
done

mesh=$INPUT_MESH
platform=$INPUT_PLATFORM
case "$mesh" in
  istio | istio-ambient | linkerd) platform=${platform:-k3s} ;;
  reference) platform=${platform:-local} ;;
  *) fail MESHPROOF_UNKNOWN_MESH "mesh must be istio, istio-ambient or linkerd (or reference, the bundled mesh on the runner itself), not '$mesh'" ;;
esac
# The release whose CLI is installed: ambient is Istio's (istioctl, MESHPROOF_ISTIO_VERSION).
release_of=${mesh%-ambient}
case "$platform" in
  k3s | local) ;;
  kubeconfig)
    [ -n "$INPUT_CONTEXT" ] || fail MESHPROOF_BAD_FLAG "platform kubeconfig needs the context input: the kubeconfig context of the cluster to test (never guessed)"
    ;;
  *) fail MESHPROOF_UNKNOWN_PLATFORM "platform must be k3s (an ephemeral cluster in the runner's Docker) or kubeconfig (an existing cluster), not '$platform'" ;;
esac

artifact=${INPUT_ARTIFACT_NAME:-meshproof-$mesh-$platform}
[[ "$artifact" =~ ^[A-Za-z0-9._-]+$ ]] || fail MESHPROOF_BAD_FLAG "artifact-name may hold letters, digits, '.', '_' and '-' only, not '$artifact'"
[ -n "$INPUT_OUTPUT" ] || fail MESHPROOF_BAD_FLAG "output must name a folder"
output_dir=$(realpath -m -- "$INPUT_OUTPUT")

echo "::group::npm dependencies of meshproof"
make --no-print-directory -C "$ACTION_PATH" deps
echo "::endgroup::"

version=$INPUT_VERSION
if [ "$mesh" != reference ]; then
  bin_dir="$RUNNER_TEMP/meshproof-bin"
  log="$RUNNER_TEMP/meshproof-install-clis.log"
  args=(--mesh "$release_of" --dir "$bin_dir")
  [ -z "$version" ] || args+=(--version "$version")
  if ! version=$(node "$ACTION_PATH/lib/ci/install-clis.ts" "${args[@]}" 2>"$log"); then
    cat "$log" >&2
    line=$(grep -E '^MESHPROOF_[A-Z_]+: ' "$log" | tail -n 1 || true)
    fail "${line%%:*}" "${line#*: }"
  fi
  cat "$log" >&2
  echo "$bin_dir" >>"$GITHUB_PATH"
  # The version meshproof installs and tests (lib/versions.ts reads it from the environment).
  printf 'MESHPROOF_%s_VERSION=%s\n' "${release_of^^}" "$version" >>"$GITHUB_ENV"
fi

set_output mesh "$mesh"
set_output platform "$platform"
set_output version "$version"
set_output artifact-name "$artifact"
set_output output-dir "$output_dir"
