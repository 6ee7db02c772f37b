#!/usr/bin/env bash
# A new-hire pipeline on the demo, end to end: every run is non-interactive, and the
# script plays the person's phone by reading the outbox (scripts/demophone).
# Usage: scripts/pipeline-demo.sh [path/to/mfa-onboard]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-bin/mfa-onboard}
export MFA_ONBOARD_HOME
MFA_ONBOARD_HOME=$(mktemp -d)
trap 'rm -rf "$MFA_ONBOARD_HOME"' EXIT
go build -o "$MFA_ONBOARD_HOME/demophone" ./scripts/demophone
phone() { "$MFA_ONBOARD_HOME/demophone" "$@"; }

answers=testdata/answers/new-hire.yaml
run() { # run [args…]: one pipeline run; prints its status line, returns its exit code
  set +e
  "$bin" start --non-interactive --answers "$answers" --output json "$@" >"$MFA_ONBOARD_HOME/result.json" 2>"$MFA_ONBOARD_HOME/log.txt"
  local rc=$?
  set -e
  echo "exit $rc: $(grep -o '"status": "[a-z]*"' "$MFA_ONBOARD_HOME/result.json" | head -1) $(grep -o '"waiting_on": "[a-z-]*"' "$MFA_ONBOARD_HOME/result.json" || true)"
  return $rc
}
expect() { # expect CODE WAITING_ON run-args…
  local want=$1 on=$2; shift 2
  local rc=0
  run "$@" || rc=$?
  local ok=yes
  [ "$rc" = "$want" ] || ok=no
  if [ -n "$on" ] && ! grep -q "\"waiting_on\": \"$on\"" "$MFA_ONBOARD_HOME/result.json"; then ok=no; fi
  if [ $ok = no ]; then
    echo "FAIL: wanted exit $want${on:+ waiting on $on}"; cat "$MFA_ONBOARD_HOME/log.txt"; exit 1
  fi
}

expect 3 verify                                  # the code is texted; the person must give it
expect 3 duo-enroll --code "$(phone sms-code)"   # the Duo activation is texted
expect 3 duo-test --code "$(phone app-code)"     # the test push is sent
expect 0 "" --code "$(phone app-code 1)"         # approved: everything is done

if grep -q '"status": "\(waiting\|pending\|failed\)"' "$MFA_ONBOARD_HOME/result.json"; then
  echo "FAIL: a step is not done"; cat "$MFA_ONBOARD_HOME/result.json"; exit 1
fi
sent=$(wc -l <"$MFA_ONBOARD_HOME/outbox.jsonl")
expect 0 ""
if [ "$(wc -l <"$MFA_ONBOARD_HOME/outbox.jsonl")" != "$sent" ]; then
  echo "FAIL: a run after completion sent something"; tail -n 2 "$MFA_ONBOARD_HOME/outbox.jsonl"; exit 1
fi
echo "pipeline demo: every step done in 4 runs; a 5th run sent nothing"
