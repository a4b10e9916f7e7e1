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
# The base model and how it was made (info.json): runs of its config name their tensors after it,
# and every version's lineage reaches back to its training.
base=$(bin/synthray-admin models upload models/base-cpu64)
echo "== base model $base (models/base-cpu64; the same identity in info.json, every manifest, the ledger and PROV) =="

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
if [ "$status" -ne 0 ] || [ -z "$model" ]; then
  echo "demo: run $run did not complete; see $WORK/coordinator.log and $WORK/site-*.log" >&2
  exit 1
fi
bin/synthray-admin models download "$model" "$WORK/global-model.npz"
echo "demo: run $run completed; global model $model in $WORK/global-model.npz (numpy.load reads it)"

echo
echo "== synthesis at each site: global model $model, privacy guard calibrated on the site's own images =="
# Each site calibrates its guard on its own training and validation images, generates images from
# demo/prompts.txt with the global model fetched from the coordinator, and keeps only what the guard
# accepts under upload/ (PNG, DICOM Secondary Capture, hash-chained manifest). Rejected images stay
# under local/. Then it publishes the set; nothing outside upload/ can be sent.
synth() { # id data seed
  local dir="$WORK/sites/$1"
  {
    bin/synthray-agent guard calibrate --data "$2" --out "$dir/guard" &&
    SYNTHRAY_CLIENT_SECRET="$(site_secret "$1")" bin/synthray-agent synthesize --model models/base-cpu64 \
        --model-version "$model" --coordinator-url "$SYNTHRAY_URL" --model-cache "$dir/models" \
        --guard "$dir/guard" --site "$1" --prompts-file demo/prompts.txt -n 2 --steps 30 --seed "$3" --out "$dir/synthetic" &&
    SYNTHRAY_CLIENT_SECRET="$(site_secret "$1")" bin/synthray-agent publish "$dir/synthetic" \
        --coordinator "127.0.0.1:$PORT" --site-id "$1"
  } > "$WORK/synth-$1.log" 2>&1
}
synth_pids=()
synth nih-a "$NIH" 100 & synth_pids+=("$!")
synth nih-b "$NIH" 200 & synth_pids+=("$!")
synth hannover "$HANNOVER" 300 & synth_pids+=("$!")
for p in "${synth_pids[@]}"; do wait "$p" || status=1; done
for s in nih-a nih-b hannover; do
  echo "  $s: $(grep -E '^published set' "$WORK/synth-$s.log" || echo "did not publish; see $WORK/synth-$s.log")"
  set_json="$WORK/sites/$s/synthetic/upload/set.json"
  field() { grep -oE "\"$1\" *: *[0-9]+" "$set_json" 2>/dev/null | head -1 | grep -oE '[0-9]+$'; }
  guard=$( [ -f "$set_json" ] && echo "$(field count) accepted, $(field rejected) rejected" || true)
  echo "      guard: ${guard:-see $WORK/synth-$s.log}; set folder $WORK/sites/$s/synthetic/upload; rejected images and scores stay in $WORK/sites/$s/synthetic/local"
done
[ "$status" -eq 0 ] || { echo "demo: synthesis or publishing failed" >&2; exit 1; }

echo
echo "== the consortium admin reviews and releases nih-a's set =="
bin/synthray-admin sets list
set_id=$(bin/synthray-admin sets list --state uploaded | awk '$3 == "nih-a" {print $1; exit}')
bin/synthray-admin sets review "$set_id" > /dev/null
bin/synthray-admin sets release "$set_id" --reason "demo: reviewed sample grid and guard statistics" > /dev/null
echo "released set $set_id"

echo
echo "== a researcher lists released sets and downloads one (their own credentials: role researcher) =="
researcher() { SYNTHRAY_ADMIN_CLIENT_ID=synthray-researcher-cli SYNTHRAY_ADMIN_CLIENT_SECRET=researcher-cli-demo-secret bin/synthray-admin "$@"; }
researcher sets list --released
researcher sets download "$set_id" "$WORK/researcher/$set_id.zip" --format dicom
echo "researcher's copy: $WORK/researcher/$set_id.zip"
echo "  a researcher calling an admin endpoint is refused: $(researcher runs list 2>&1 | tail -1)"

echo
echo "== the ledger verifies, and one image's lineage =="
bin/synthray-admin ledger verify
mkdir -p "$WORK/researcher/unzipped" && (cd "$WORK/researcher/unzipped" && jar xf "../$set_id.zip")
if command -v python3 > /dev/null; then
  python3 demo/lineage.py "$WORK/researcher/unzipped/$set_id/prov.json"
else
  echo "(python3 not found: read $WORK/researcher/unzipped/$set_id/prov.json for the lineage)"
fi
echo
echo "demo: done. Coordinator REST $SYNTHRAY_URL (runs, sets, ledger), metrics $SYNTHRAY_URL/metrics, logs in $WORK/"
