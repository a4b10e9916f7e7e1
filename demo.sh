#!/usr/bin/env bash
# SynthRay demo: builds the project, then runs a federation on this machine — a coordinator and
# two hospital sites (the public NIH ChestX-ray14 sample split by patient) — and prints each round.
# Needs Java 17 and ../shared/data beside the project (or SYNTHRAY_DATA=<folder>).
set -euo pipefail
cd "$(dirname "$0")"

DATA=${SYNTHRAY_DATA:-../shared/data}
PORT=${SYNTHRAY_PORT:-9092}
HTTP_PORT=${SYNTHRAY_HTTP_PORT:-8080}
ROUNDS=${SYNTHRAY_ROUNDS:-5}
WORK=demo-work
NIH="$DATA/nih-cxr14-64"

if [ ! -f "$NIH/metadata.csv" ]; then
  echo "demo: no NIH data at $NIH (set SYNTHRAY_DATA to the folder holding nih-cxr14-64/)" >&2
  exit 1
fi

echo "== building SynthRay (first build downloads dependencies) =="
./mvnw -q -B -DskipTests install

rm -rf "$WORK" && mkdir -p "$WORK"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "== coordinator on gRPC port $PORT: $ROUNDS rounds of FedAvg, 2 sites required =="
java -Dquarkus.grpc.server.port="$PORT" -Dquarkus.http.port="$HTTP_PORT" \
     -Dsynthray.federation.autostart=true -Dsynthray.federation.exit-when-done=true \
     -Dsynthray.federation.rounds="$ROUNDS" -Dsynthray.federation.min-clients=2 \
     -Dsynthray.federation.fit-config.lr=0.002 -Dsynthray.federation.fit-config.local_epochs=1 \
     -Dsynthray.federation.output="$WORK/global-model.npz" \
     -jar coordinator/target/quarkus-app/quarkus-run.jar > "$WORK/coordinator.log" 2>&1 &
coordinator=$!
pids+=("$coordinator")

for k in 0 1; do
  site="nih-$((k + 1))"
  java -jar site-agent/target/synthray-site-agent.jar join --coordinator "127.0.0.1:$PORT" \
       --site-id "$site" --data "$NIH" --shard "$k/2" --max-attempts 30 > "$WORK/$site.log" 2>&1 &
  pids+=("$!")
done

# Show the coordinator's round lines as they happen.
tail -n +1 -f "$WORK/coordinator.log" --pid "$coordinator" \
  | grep --line-buffered -E "joined|initial weights|run=|rejected|failed|written" &
status=0
wait "$coordinator" || status=$?
sleep 1

echo
echo "== what each site did =="
for f in "$WORK"/nih-*.log; do
  grep -E "^site " "$f" | sed 's/^/  /'
done
echo
if [ "$status" -eq 0 ]; then
  echo "demo: federation completed; global model in $WORK/global-model.npz (numpy.load reads it), logs in $WORK/"
else
  echo "demo: federation failed (exit $status); see $WORK/coordinator.log" >&2
fi
exit "$status"
