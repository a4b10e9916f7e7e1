#!/usr/bin/env bash
# SynthRay demo: builds the project, then runs a federation on this machine. A coordinator and three
# hospital sites (the public NIH ChestX-ray14 sample split in two by patient, and the Hannover
# COVID-19 set) fine-tune the public base diffusion model (models/base-cpu64) with FedProx, through
# the admin command line, and the coordinator prints each round as it completes. The stack then stays
# up until Ctrl-C so you can look around.
#
#   ./demo.sh                 run the demo, keep the stack up until Ctrl-C
#   ./demo.sh --no-wait       run the demo and stop everything when done (for scripts and CI)
#   ./demo.sh --check-ports   only check the prerequisites, the data and the ports, then exit
#
# Needs Java 17+ and curl. Data: data/ of this repository (SYNTHRAY_DATA=<folder> for other data).
# Ports: SYNTHRAY_HTTP_PORT (REST, default 8080), SYNTHRAY_PORT (gRPC, 9092), SYNTHRAY_KEYCLOAK_PORT (8180).
set -euo pipefail
cd "$(dirname "$0")"

WAIT=1
CHECK_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --no-wait) WAIT=0 ;;
    --check-ports) CHECK_ONLY=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo: unknown option '$arg' (see ./demo.sh --help)" >&2; exit 2 ;;
  esac
done

DATA=${SYNTHRAY_DATA:-data}
PORT=${SYNTHRAY_PORT:-9092}
HTTP_PORT=${SYNTHRAY_HTTP_PORT:-8080}
KEYCLOAK_PORT=${SYNTHRAY_KEYCLOAK_PORT:-8180}
WORK=demo-work
NIH="$DATA/nih-cxr14-64"
HANNOVER="$DATA/hannover-covid"
export SYNTHRAY_URL="http://127.0.0.1:$HTTP_PORT"
export TF_CPP_MIN_LOG_LEVEL=2

# Progress: every phase line carries the time since the start.
T0=$SECONDS
elapsed() { local s=$((SECONDS - T0)); printf '%d:%02d' $((s / 60)) $((s % 60)); }
phase() { echo "== [$(elapsed)] $* =="; }

# ---- before anything is built or started: tools, data, ports --------------------------------------
for tool in java curl; do
  command -v "$tool" > /dev/null || { echo "demo: $tool is needed (see README.md, prerequisites)" >&2; exit 1; }
done
for d in "$NIH" "$HANNOVER"; do
  if [ ! -d "$d" ]; then
    echo "demo: no data at $d (SYNTHRAY_DATA must name a folder holding nih-cxr14-64/ and hannover-covid/)" >&2
    exit 1
  fi
done

# A port is busy when something accepts a connection on it (bash's /dev/tcp: no other tool needed).
port_busy() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
busy=0
check_port() { # port variable what
  if ! [[ "$1" =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then
    echo "demo: $2=$1 is not a port number" >&2; busy=1
  elif port_busy "$1"; then
    echo "demo: port $1 ($3) is in use; stop what uses it, or choose another port with $2=<port> ./demo.sh" >&2
    busy=1
  fi
}
check_port "$HTTP_PORT" SYNTHRAY_HTTP_PORT "the coordinator's REST API and console"
check_port "$PORT" SYNTHRAY_PORT "the coordinator's gRPC port for the sites"
check_port "$KEYCLOAK_PORT" SYNTHRAY_KEYCLOAK_PORT "the local Keycloak"
if [ "$HTTP_PORT" = "$PORT" ] || [ "$HTTP_PORT" = "$KEYCLOAK_PORT" ] || [ "$PORT" = "$KEYCLOAK_PORT" ]; then
  echo "demo: SYNTHRAY_HTTP_PORT, SYNTHRAY_PORT and SYNTHRAY_KEYCLOAK_PORT must differ ($HTTP_PORT, $PORT, $KEYCLOAK_PORT)" >&2
  busy=1
fi
[ "$busy" -eq 0 ] || exit 1
if [ "$CHECK_ONLY" -eq 1 ]; then
  echo "demo: ready: java, curl, data in $DATA, ports $HTTP_PORT (REST), $PORT (gRPC) and $KEYCLOAK_PORT (Keycloak) free"
  exit 0
fi

# ---- a fresh work folder; the previous researcher's ZIP is kept ------------------------------------
if [ -d "$WORK" ]; then
  kept=()
  if compgen -G "$WORK/researcher/*.zip" > /dev/null; then
    rm -rf "$WORK.keep" && mkdir -p "$WORK.keep" && mv "$WORK"/researcher/*.zip "$WORK.keep/"
    kept=("$WORK.keep"/*.zip)
  fi
  echo "demo: removing the previous run's $WORK/ (database, models, site folders, logs)"
  rm -rf "$WORK"
  mkdir -p "$WORK"
  if [ "${#kept[@]}" -gt 0 ]; then
    mv "$WORK.keep" "$WORK/previous"
    echo "demo: kept its researcher download as $WORK/previous/$(basename "${kept[0]}")"
  fi
fi
mkdir -p "$WORK"
# Preprocessed images and fetched models stay under $WORK too (not ~/.cache/synthray).
CACHE="$WORK/cache"

# ---- Keycloak starts while the project builds ------------------------------------------------------
# Authentication: a local Keycloak issues the sites', the admin's and researchers' tokens.
source infra/keycloak/demo-env.sh
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  keycloak_stop
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping (Ctrl-C)"; exit 130' INT TERM
phase "starting Keycloak on port $KEYCLOAK_PORT in the background (log: target/keycloak/start.log)"
keycloak_start

phase "building SynthRay (the first build downloads dependencies, ~0.5 GB; full log: $WORK/build.log)"
# Maven's module lines and the result; everything else goes to the log.
if ! ./mvnw -B -DskipTests install 2>&1 | tee "$WORK/build.log" \
    | grep --line-buffered -E '^\[INFO\] Building .*\[[0-9]+/[0-9]+\]$|\.\. (SUCCESS|FAILURE|SKIPPED) \[|BUILD (SUCCESS|FAILURE)|^\[ERROR\]' \
    | while IFS= read -r line; do echo "   [$(elapsed)] ${line#\[INFO\] }"; done; then
  echo "demo: the build failed; see $WORK/build.log" >&2
  exit 1
fi

phase "waiting for Keycloak…"
keycloak_wait

phase "starting the coordinator: gRPC port $PORT, REST $SYNTHRAY_URL, database and models in $WORK/coordinator"
java -Dquarkus.grpc.server.port="$PORT" -Dquarkus.http.port="$HTTP_PORT" -Dsynthray.data-dir="$WORK/coordinator" \
     -jar coordinator/target/quarkus-app/quarkus-run.jar > "$WORK/coordinator.log" 2>&1 &
coordinator=$!
pids+=("$coordinator")
for _ in $(seq 1 240); do
  curl -fs "$SYNTHRAY_URL/q/health/ready" > /dev/null 2>&1 && break
  kill -0 "$coordinator" 2> /dev/null || break
  sleep 0.5
done
if ! curl -fs "$SYNTHRAY_URL/q/health/ready" > /dev/null 2>&1; then
  echo "demo: the coordinator did not start; the end of $WORK/coordinator.log:" >&2
  tail -5 "$WORK/coordinator.log" | sed 's/^/  /' >&2
  exit 1
fi
phase "coordinator ready; the admin approves the three sites"

bin/synthray-admin sites approve nih-a nih-b hannover > /dev/null
# The base model and how it was made (info.json): runs of its config name their tensors after it,
# and every version's lineage reaches back to its training.
base=$(bin/synthray-admin models upload models/base-cpu64)
phase "base model $base (models/base-cpu64; the same identity in info.json, every manifest, the ledger and PROV)"

run=$(bin/synthray-admin runs create demo/federated-diffusion.json --start)
phase "run $run: FedProx fine-tuning of models/base-cpu64 by 3 sites, 3 rounds (demo/federated-diffusion.json)"
echo "   each round: the coordinator's line, then what each site sent (hash of its weights, example count, loss)"

# Each site: its own data, its own work folder; all start from the public base model.
site() { # id data shard
  SYNTHRAY_CLIENT_SECRET="$(site_secret "$1")" bin/synthray-agent join --coordinator "127.0.0.1:$PORT" --run-id "$run" --site-id "$1" --data "$2" --shard "$3" \
       --model diffusion --init models/base-cpu64 --work-dir "$WORK/sites/$1" --cache-dir "$CACHE/$1" --max-attempts 30 \
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
phase "what each site did (only model weights and training metrics left the sites)"
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
phase "synthesis at each site: global model ${model:0:12}…, privacy guard calibrated on the site's own images"
# Each site calibrates its guard on its own training and validation images (its shard of patients),
# generates images from demo/prompts.txt with the global model fetched from the coordinator, and keeps
# only what the guard accepts under upload/ (PNG, DICOM Secondary Capture, hash-chained manifest).
# Rejected images stay under local/. Then it publishes the set; nothing outside upload/ can be sent.
synth() { # id data shard seed
  local dir="$WORK/sites/$1"
  {
    bin/synthray-agent guard calibrate --data "$2" --shard "$3" --cache-dir "$CACHE/$1" --out "$dir/guard" &&
    SYNTHRAY_CLIENT_SECRET="$(site_secret "$1")" bin/synthray-agent synthesize --model models/base-cpu64 \
        --model-version "$model" --coordinator-url "$SYNTHRAY_URL" --model-cache "$dir/models" \
        --guard "$dir/guard" --site "$1" --prompts-file demo/prompts.txt -n 2 --seed "$4" --out "$dir/synthetic" &&
    SYNTHRAY_CLIENT_SECRET="$(site_secret "$1")" bin/synthray-agent publish "$dir/synthetic" \
        --coordinator "127.0.0.1:$PORT" --site-id "$1"
  } > "$WORK/synth-$1.log" 2>&1
}
synth_pids=()
synth nih-a "$NIH" 0/2 100 & synth_pids+=("$!")
synth nih-b "$NIH" 1/2 200 & synth_pids+=("$!")
synth hannover "$HANNOVER" 0/1 300 & synth_pids+=("$!")
for p in "${synth_pids[@]}"; do wait "$p" || status=1; done
for s in nih-a nih-b hannover; do
  echo "  $s: $(grep -E '^published set' "$WORK/synth-$s.log" || echo "did not publish; see $WORK/synth-$s.log")"
  calibrated=$(grep -m1 -E '^calibrating on' "$WORK/synth-$s.log" | sed 's/^calibrating on //' || true)
  set_json="$WORK/sites/$s/synthetic/upload/set.json"
  field() { grep -oE "\"$1\" *: *[0-9]+" "$set_json" 2>/dev/null | head -1 | grep -oE '[0-9]+$'; }
  guard=$( [ -f "$set_json" ] && echo "$(field count) accepted, $(field rejected) rejected" || true)
  echo "      guard (calibrated on ${calibrated:-?}): ${guard:-see $WORK/synth-$s.log}; set folder $WORK/sites/$s/synthetic/upload; rejected images and scores stay in $WORK/sites/$s/synthetic/local"
done
[ "$status" -eq 0 ] || { echo "demo: synthesis or publishing failed" >&2; exit 1; }

echo
phase "the consortium admin reviews and releases nih-a's set"
bin/synthray-admin sets list
set_id=$(bin/synthray-admin sets list --state uploaded | awk '$3 == "nih-a" {print $1; exit}')
bin/synthray-admin sets review "$set_id" > /dev/null
bin/synthray-admin sets release "$set_id" --reason "demo: reviewed sample grid and guard statistics" > /dev/null
echo "released set $set_id"

echo
phase "a researcher lists released sets and downloads one (their own credentials: role researcher)"
researcher() { SYNTHRAY_ADMIN_CLIENT_ID=synthray-researcher-cli SYNTHRAY_ADMIN_CLIENT_SECRET=researcher-cli-demo-secret bin/synthray-admin "$@"; }
researcher sets list --released
researcher sets download "$set_id" "$WORK/researcher/$set_id.zip" --format dicom
echo "researcher's copy: $WORK/researcher/$set_id.zip"
echo "  a researcher calling an admin endpoint is refused: $(researcher runs list 2>&1 | tail -1)"

echo
phase "the ledger verifies, and one image's lineage"
bin/synthray-admin ledger verify
mkdir -p "$WORK/researcher/unzipped" && (cd "$WORK/researcher/unzipped" && jar xf "../$set_id.zip")
if command -v python3 > /dev/null; then
  python3 demo/lineage.py "$WORK/researcher/unzipped/$set_id/prov.json"
else
  echo "(python3 not found: read $WORK/researcher/unzipped/$set_id/prov.json for the lineage)"
fi

echo
phase "done"
cat <<EOF
  console      http://localhost:$HTTP_PORT/
  REST API     http://localhost:$HTTP_PORT/api/runs (runs), /api/sets, /api/ledger/verify; OpenAPI at /q/openapi
  metrics      http://localhost:$HTTP_PORT/metrics (Prometheus)
  Keycloak     http://127.0.0.1:$KEYCLOAK_PORT/realms/synthray
  sign in as   admin / admin-demo (consortium admin), researcher / researcher-demo (researcher) — local demo credentials
  admin CLI    SYNTHRAY_URL=$SYNTHRAY_URL SYNTHRAY_ISSUER=$SYNTHRAY_ISSUER SYNTHRAY_ADMIN_CLIENT_SECRET=$SYNTHRAY_ADMIN_CLIENT_SECRET bin/synthray-admin runs show $run
  files        $WORK/ (logs, database, models, site folders, the researcher's ZIP)
EOF
if [ "$WAIT" -eq 0 ]; then
  echo "demo: stopping the coordinator and Keycloak (--no-wait)"
  exit 0
fi
echo "demo: the coordinator and Keycloak stay up; press Ctrl-C to stop them."
while kill -0 "$coordinator" 2> /dev/null; do sleep 1; done
echo "demo: the coordinator stopped; see $WORK/coordinator.log" >&2
exit 1
