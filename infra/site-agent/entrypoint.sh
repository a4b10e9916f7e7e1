#!/usr/bin/env bash
# The site agent container.
#   serve        (default) join the coordinator's runs, one after another, for as long as the container
#                runs: a finished run ends `join`, and the next join waits for the next run
#   COMMAND ...  any synthray-agent command (synthesize, publish, guard calibrate, data check, ...)
# serve reads: SYNTHRAY_SITE_ID, SYNTHRAY_COORDINATOR (host:port), SYNTHRAY_ISSUER, the client secret
# (SYNTHRAY_CLIENT_SECRET or SYNTHRAY_CLIENT_SECRET_FILE), SYNTHRAY_CA_FILE (TLS) and
# SYNTHRAY_DATA (default /data), SYNTHRAY_MODEL_INIT (default the bundled base model).
set -uo pipefail
fail() { echo "site: configuration error: $*" >&2; exit 78; }

if [ "${1:-serve}" != serve ]; then
  exec synthray-agent "$@"
fi

site=${SYNTHRAY_SITE_ID:-}
[ -n "$site" ] || fail "SYNTHRAY_SITE_ID is not set"
[ -n "${SYNTHRAY_COORDINATOR:-}" ] || fail "SYNTHRAY_COORDINATOR (host:port of the coordinator's gRPC server) is not set"
data=${SYNTHRAY_DATA:-/data}
[ -d "$data" ] && [ -n "$(ls -A "$data" 2>/dev/null)" ] \
  || fail "no site data at $data (mount the site's data folder there: docs/site-agent.md, 'The data folder')"
secret_args=()
if [ -n "${SYNTHRAY_CLIENT_SECRET_FILE:-}" ]; then
  secret_args=(--client-secret-file "$SYNTHRAY_CLIENT_SECRET_FILE")
elif [ -n "${SYNTHRAY_ISSUER:-}" ] && [ -z "${SYNTHRAY_CLIENT_SECRET:-}" ]; then
  fail "SYNTHRAY_ISSUER is set but no client secret (SYNTHRAY_CLIENT_SECRET or SYNTHRAY_CLIENT_SECRET_FILE)"
fi
if [ -n "${SYNTHRAY_CA_FILE:-}" ] && [ ! -r "$SYNTHRAY_CA_FILE" ]; then
  fail "SYNTHRAY_CA_FILE $SYNTHRAY_CA_FILE cannot be read"
fi

child=
trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; exit 0' TERM INT
while true; do
  synthray-agent join --coordinator "$SYNTHRAY_COORDINATOR" --site-id "$site" --data "$data" \
      --shard "${SYNTHRAY_SHARD:-0/1}" --model "${SYNTHRAY_MODEL:-diffusion}" \
      --init "${SYNTHRAY_MODEL_INIT:-/opt/synthray-agent/models/base-cpu64}" --work-dir /work/train \
      "${secret_args[@]}" &
  child=$!
  wait "$child" || echo "site: join ended with status $?; joining again in ${SYNTHRAY_REJOIN_S:-10} s" >&2
  sleep "${SYNTHRAY_REJOIN_S:-10}" &
  child=$!
  wait "$child"
done
