# Helpers shared by the meshproof action's steps (sourced, not run).
# shellcheck shell=bash

# Workflow-command escaping, as the runner undoes it (actions/runner src/Runner.Common/ActionCommand.cs):
# % CR LF in a message, and also : and , in a property. Without it a value could end the command.
escape_data() {
  local s=$1
  s=${s//%/%25}
  s=${s//$'\r'/%0D}
  s=${s//$'\n'/%0A}
  printf '%s' "$s"
}

escape_property() {
  local s
  s=$(escape_data "$1")
  s=${s//:/%3A}
  s=${s//,/%2C}
  printf '%s' "$s"
}

# annotate error|warning|notice TITLE MESSAGE
annotate() {
  printf '::%s title=%s::%s\n' "$1" "$(escape_property "$2")" "$(escape_data "$3")"
}

# fail CODE MESSAGE: one coded line as an error annotation, and exit 2 (bad input or environment).
fail() {
  annotate error "meshproof: $1" "$1: $2"
  exit 2
}

# set_output NAME VALUE: a step output (single-line values only).
set_output() {
  case "$2" in
    *$'\n'* | *$'\r'*) fail MESHPROOF_BAD_FLAG "the value of $1 spans lines" ;;
  esac
  printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
}

# without_commands CMD...: runs CMD with workflow commands turned off in its output (parts of what
# meshproof prints come from the mesh under test); returns CMD's exit code.
without_commands() {
  local token code=0
  token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  echo "::stop-commands::$token"
  "$@" || code=$?
  echo "::$token::"
  return "$code"
}

# The CLI itself, through its plain-JS entry (Node 24 is on PATH from actions/setup-node).
meshproof() {
  node "$ACTION_PATH/bin/meshproof.js" "$@"
}
