#!/usr/bin/env bash
# SynthRay demo: builds the project, then runs a federation on this machine. A coordinator and three
# hospital sites (the public NIH ChestX-ray14 sample split in two by patient, and the Hannover
# COVID-19 set) fine-tune the public base diffusion model (models/base-cpu64) with FedProx, through
# the admin command line, and the coordinator prints each round as it completes.
# Needs Java 17 and ../shared/data beside the project (or SYNTHRAY_DATA=<folder>).
set -euo pipefail
cd "$(dirname "$0")"

DATA=${SYNTHRAY_DATA:-../shared/data}
PORT=${SYNTHRAY_PORT:-9092}
HTTP_PORT=${SYNTHRAY_HTTP_PORT:-8080}
WORK=demo-work
NIH="$DATA/nih-cxr14-64"
HANNOVER="$DATA/hannover-covid"
export SYNTHRAY_URL="http://127.0.0.1:$HTTP_PORT"
export TF_CPP_MIN_LOG_LEVEL=2

for d in "$NIH" "$HANNOVER"; do
  if [ ! -d "$d" ]; then
    echo "demo: no data at $d (set SYNTHRAY_DATA to the folder holding nih-cxr14-64/ and hannover-covid/)" >&2
    exit 1
  fi
done

# Authentication: a local Keycloak issues the sites', the admin's and researchers' tokens.
source infra/keycloak/demo-env.sh
keycloak_start
trap keycloak_stop EXIT

echo "== building SynthRay (the first build downloads dependencies) =="
./mvnw -q -B -DskipTests install

rm -rf "$WORK" && mkdir -p "$WORK"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; keycloak_stop; }
trap cleanup EXIT

keycloak_wait
echo "== coordinator: gRPC port $PORT, REST $SYNTHRAY_URL, database and models in $WORK/coordinator =="
java -Dquarkus.grpc.server.port="$PORT" -Dquarkus.http.port="$HTTP_PORT" -Dsynthray.data-dir="./$WORK/coordinator" \
     -jar coordinator/target/quarkus-app/quarkus-run.jar > "$WORK/coordinator.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 120); do
  curl -fs "$SYNTHRAY_URL/q/health/ready" > /dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "$SYNTHRAY_URL/q/health/ready" > /dev/null || { echo "demo: coordinator did not start; see $WORK/coordinator.log" >&2; exit 1; }

bin/synthray-admin sites approve nih-a nih-b hannover > /dev/null

run=$(bin/synthray-admin runs create demo/federated-diffusion.json --start)
echo "== run $run: FedProx fine-tuning of models/base-cpu64 by 3 sites, 3 rounds (demo/federated-diffusion.json) =="

# Each site: its own data, its own work folder; all start from the public base model.
site() { # id data shard
  SYNTHRAY_CLIENT_SECRET="$(site_secret "$1")" bin/synthray-agent join --coordinator "127.0.0.1:$PORT" --run-id "$run" --site-id "$1" --data "$2" --shard "$3" \
       --model diffusion --init models/base-cpu64 --work-dir "$WORK/sites/$1" --max-attempts 30 \
       > "$WORK/site-$1.log" 2>&1 &
  pids+=("$!")
}
site nih-a "$NIH" 0/2
site nih-b "$NIH" 1/2
site hannover "$HANNOVER" 0/1

status=0
bin/synthray-admin runs watch "$run" || status=$?
sleep 1

echo
echo "== what each site did (only model weights and training metrics left the sites) =="
for f in "$WORK"/site-*.log; do
  grep -E "^site " "$f" | sed 's/^/  /'
done
echo
model=$(curl -fs -H "Authorization: Bearer $(admin_token)" "$SYNTHRAY_URL/api/runs/$run" | sed -n 's/.*"globalModel":"\([0-9a-f]*\)".*/\1/p')
if [ "$status" -eq 0 ] && [ -n "$model" ]; then
  bin/synthray-admin models download "$model" "$WORK/global-model.npz"
  echo "demo: run $run completed; global model $model in $WORK/global-model.npz (numpy.load reads it)"
  echo "      rounds, site outcomes and model lineage: $SYNTHRAY_URL/api/runs/$run, metrics: $SYNTHRAY_URL/metrics"
else
  echo "demo: run $run did not complete; see $WORK/coordinator.log and $WORK/site-*.log" >&2
fi
exit "$status"
