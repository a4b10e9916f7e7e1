#!/usr/bin/env bash
# SynthRay demo: builds the project, then runs a federation on this machine — a coordinator and
# two hospital sites (the public NIH ChestX-ray14 sample split by patient) — through the admin
# command line, and prints each round as it completes.
# Needs Java 17 and ../shared/data beside the project (or SYNTHRAY_DATA=<folder>).
set -euo pipefail
cd "$(dirname "$0")"

DATA=${SYNTHRAY_DATA:-../shared/data}
PORT=${SYNTHRAY_PORT:-9092}
HTTP_PORT=${SYNTHRAY_HTTP_PORT:-8080}
WORK=demo-work
NIH="$DATA/nih-cxr14-64"
export SYNTHRAY_URL="http://127.0.0.1:$HTTP_PORT"

if [ ! -f "$NIH/metadata.csv" ]; then
  echo "demo: no NIH data at $NIH (set SYNTHRAY_DATA to the folder holding nih-cxr14-64/)" >&2
  exit 1
fi

echo "== building SynthRay (the first build downloads dependencies) =="
./mvnw -q -B -DskipTests install

rm -rf "$WORK" && mkdir -p "$WORK"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "== coordinator: gRPC port $PORT, REST $SYNTHRAY_URL, database and models in $WORK/coordinator =="
java -Dquarkus.grpc.server.port="$PORT" -Dquarkus.http.port="$HTTP_PORT" -Dsynthray.data-dir="./$WORK/coordinator" \
     -jar coordinator/target/quarkus-app/quarkus-run.jar > "$WORK/coordinator.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 120); do
  curl -fs "$SYNTHRAY_URL/q/health/ready" > /dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "$SYNTHRAY_URL/q/health/ready" > /dev/null || { echo "demo: coordinator did not start; see $WORK/coordinator.log" >&2; exit 1; }

run=$(bin/synthray-admin runs create demo/nih-fedprox.json --start)
echo "== run $run created from demo/nih-fedprox.json and started (FedProx, 5 rounds, 2 sites) =="

for k in 0 1; do
  site="nih-$((k + 1))"
  bin/synthray-agent join --coordinator "127.0.0.1:$PORT" --run-id "$run" \
       --site-id "$site" --data "$NIH" --shard "$k/2" --max-attempts 30 > "$WORK/$site.log" 2>&1 &
  pids+=("$!")
done

status=0
bin/synthray-admin runs watch "$run" || status=$?
sleep 1

echo
echo "== what each site did (only weights and training metrics left the site) =="
for f in "$WORK"/nih-*.log; do
  grep -E "^site " "$f" | sed 's/^/  /'
done
echo
model=$(curl -fs "$SYNTHRAY_URL/api/runs/$run" | sed -n 's/.*"globalModel":"\([0-9a-f]*\)".*/\1/p')
if [ "$status" -eq 0 ] && [ -n "$model" ]; then
  bin/synthray-admin models download "$model" "$WORK/global-model.npz"
  echo "demo: run $run completed; global model $model in $WORK/global-model.npz (numpy.load reads it)"
  echo "      rounds, site outcomes and model lineage: $SYNTHRAY_URL/api/runs/$run, metrics: $SYNTHRAY_URL/metrics"
else
  echo "demo: run $run did not complete; see $WORK/coordinator.log" >&2
fi
exit "$status"
