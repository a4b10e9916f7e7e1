#!/usr/bin/env bash
# The compose test: SynthRay's consortium in containers, end to end, on a machine with nothing running.
#
#   infra/compose-test.sh        (root; .ci/run calls it)
#
# Installs and starts a Docker engine if none runs (infra/engine.sh), builds the images
# (infra/build-images.sh), starts docker-compose.yml under its own project name, env file, free ports
# and TLS files, then: bad configurations stop the coordinator with one clear line; the sites are
# approved, a short federated run is created and started through the REST API and both sites complete
# it; site A synthesizes through its privacy guard and publishes; the admin reviews and releases the
# set; a researcher downloads its ZIP; a site sees no other site's data, the coordinator holds none;
# down + up keeps the ledger, which still verifies with every event; down -v removes every volume; the
# engine it started is stopped. Each phase is logged with its duration; the last line is
# `compose test: passed` or `compose test: failed: <why>` (exit status 1).
#
# Environment: SYNTHRAY_DATA (default ../shared/data), COMPOSE_TEST_KEEP=1 to leave the stack running.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

work="$root/target/compose-test"
mkdir -p "$root/target"
project=synthray-test
# The example sites' data: SYNTHRAY_DATA, else the repository's data/, else ../shared/data.
data=${SYNTHRAY_DATA:-}
[ -n "$data" ] || { [ -d "$root/data/nih-cxr14-64" ] && data=$root/data; } || data=$root/../shared/data
data=$(cd "$data" 2>/dev/null && pwd) || { echo "compose test: failed: no data folder at ${SYNTHRAY_DATA:-data/ or ../shared/data}"; exit 1; }
started_at=$SECONDS
phase_name=""
phase_start=$SECONDS
timings=()
engine_started=0

docker() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else command docker "$@"; fi; }
compose() { docker-compose -p "$project" --env-file "$work/env" -f docker-compose.yml "$@"; }
log() { echo "compose test: $*"; }

end_phase() {
  [ -n "$phase_name" ] || return 0
  local took=$((SECONDS - phase_start))
  timings+=("$(printf '%4d s  %s' "$took" "$phase_name")")
  log "phase done in ${took} s: $phase_name"
  phase_name=""
}
phase() { end_phase; phase_name=$1; phase_start=$SECONDS; log "== $1"; }

cleanup() {
  if [ "${COMPOSE_TEST_KEEP:-}" != 1 ] && [ -f "$work/env" ] && command -v docker-compose > /dev/null; then
    compose down -v --remove-orphans > /dev/null 2>&1 || true
  fi
  [ "$engine_started" = 1 ] && [ "${COMPOSE_TEST_KEEP:-}" != 1 ] && infra/engine.sh stop > /dev/null 2>&1
  return 0
}

fail() {
  local why=$*
  log "failed during '$phase_name' after $((SECONDS - phase_start)) s"
  if [ -f "$work/env" ] && docker info > /dev/null 2>&1; then
    mkdir -p "$work/logs"
    for s in coordinator keycloak postgres s3 site-a site-b; do
      compose logs --no-color --tail 200 "$s" > "$work/logs/$s.log" 2>&1 || true
    done
    log "last coordinator lines (all logs in $work/logs):"
    tail -15 "$work/logs/coordinator.log" | sed 's/^/    /'
  fi
  cleanup
  echo "compose test: failed: $why"
  exit 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Bounded wait: wait_for SECONDS DESCRIPTION COMMAND...
wait_for() {
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" > /dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what: not within $limit s"
    sleep 2
  done
}

healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q "$1")" 2>/dev/null)" = healthy ]; }

# ---- tokens and REST calls (the host reaches the published ports) ----
token() { # client-id secret
  curl -fsS -d grant_type=client_credentials -d "client_id=$1" --data-urlencode "client_secret=$2" \
      "$kc_url/realms/synthray/protocol/openid-connect/token" | json 'd["access_token"]'
}
api() { # METHOD PATH [BODY] (admin)
  local body=${3:-}
  curl -fsS -X "$1" -H "Authorization: Bearer $(token synthray-admin-cli admin-cli-demo-secret)" \
      -H 'Content-Type: application/json' ${body:+--data "$body"} "$api_url$2"
}

# ---------------------------------------------------------------------------------------------------
phase "engine: Docker engine and Compose (Debian packages)"
if ! docker info > /dev/null 2>&1; then
  infra/engine.sh start || fail "the Docker engine did not start"
  engine_started=1
else
  infra/engine.sh start > /dev/null 2>&1 || true # installs docker-compose/debootstrap/openssl if missing
fi
command -v docker-compose > /dev/null || fail "docker-compose is not installed"
compose_version=$(docker-compose version --short 2>/dev/null)
log "engine $(docker version -f '{{.Server.Version}}' 2>/dev/null), docker-compose $compose_version"

phase "images: base image, Maven build, images"
SKIP_MAVEN=${SKIP_MAVEN:-${CI:+1}} infra/build-images.sh > "$work.images.log" 2>&1 || { tail -20 "$work.images.log"; fail "building the images failed (log: $work.images.log)"; }
grep '^images:\|^base:' "$work.images.log" | sed 's/^/    /'
for image in postgres keycloak s3 coordinator site-agent; do
  docker image inspect "synthray/$image:local" > /dev/null 2>&1 || fail "image synthray/$image:local was not built"
done
labels=$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.revision"}} {{index .Config.Labels "org.opencontainers.image.version"}}' synthray/coordinator:local)
[[ "$labels" == *[0-9a-f]* ]] || fail "the coordinator image has no OCI revision/version labels ($labels)"
[ "$(docker image inspect -f '{{.Config.User}}' synthray/coordinator:local)" = 10001:10001 ] || fail "the coordinator image does not run as a non-root user"

phase "configuration: env file with random secrets, free ports, local CA and coordinator certificate"
compose down -v --remove-orphans > /dev/null 2>&1 || true # a stack left by an interrupted test
rm -rf "$work" && mkdir -p "$work"
infra/make-env.sh "$work/env.generated" 2> /dev/null || fail "infra/make-env.sh failed"
http_port=$(free_port); grpc_port=$(free_port); kc_port=$(free_port)
{
  grep -v -E '^(SYNTHRAY_HTTP_PORT|SYNTHRAY_GRPC_PORT|KEYCLOAK_PORT|KEYCLOAK_PUBLIC_URL|SYNTHRAY_DATA|SYNTHRAY_TLS_DIR)=' "$work/env.generated"
  echo "SYNTHRAY_HTTP_PORT=$http_port"
  echo "SYNTHRAY_GRPC_PORT=$grpc_port"
  echo "KEYCLOAK_PORT=$kc_port"
  echo "KEYCLOAK_PUBLIC_URL=http://localhost:$kc_port"
  echo "SYNTHRAY_DATA=$data"
  echo "SYNTHRAY_TLS_DIR=$work/tls"
} > "$work/env"
rm -f "$work/env.generated"
infra/tls/make-ca.sh "$work/tls" 2> /dev/null || fail "infra/tls/make-ca.sh failed"
api_url="http://127.0.0.1:$http_port"
kc_url="http://127.0.0.1:$kc_port"
compose config -q || fail "docker-compose.yml does not validate"
site_env="$work/site.env"
printf 'SITE_ID=nih-a\nCOORDINATOR_GRPC=coordinator:9092\nSYNTHRAY_ISSUER=http://keycloak:8080/realms/synthray\nSITE_CLIENT_SECRET=x\nSITE_DATA=%s\nSITE_CA_FILE=%s\n' \
    "$data/nih-cxr14-64" "$work/tls/ca.crt" > "$site_env"
docker-compose -f docker-compose.site.yml --env-file "$site_env" config -q || fail "docker-compose.site.yml does not validate"

phase "up: PostgreSQL, Keycloak, object store, coordinator, two sites"
compose up -d > "$work/up.log" 2>&1 || { cat "$work/up.log"; fail "docker-compose up failed"; }
wait_for 300 "the coordinator becoming healthy" healthy coordinator
curl -fsS "$api_url/q/health/ready" > /dev/null || fail "the coordinator's health is not published on the host"
# The images hold no secret: every secret of the env file is absent from each image's configuration.
for image in postgres keycloak s3 coordinator site-agent; do
  conf=$(docker image inspect "synthray/$image:local")
  for var in POSTGRES_PASSWORD SYNTHRAY_DB_PASSWORD KEYCLOAK_DB_PASSWORD KEYCLOAK_ADMIN_PASSWORD S3_SECRET_KEY; do
    secret=$(sed -n "s/^$var=//p" "$work/env")
    [[ "$conf" != *"$secret"* ]] || fail "image synthray/$image holds the secret $var"
  done
done

# The admin approves the example sites (they wait, pending, until then).
api POST /api/sites/nih-a/approve > /dev/null || fail "approving site nih-a failed"
api POST /api/sites/hannover/approve > /dev/null || fail "approving site hannover failed"

phase "bad configuration: the coordinator stops at once with one clear line"
net="${project}_backend"
bad_config() { # expected-text env...
  local expect=$1 out status
  shift
  out=$(timeout 60 docker run --rm --network "$net" -e SYNTHRAY_STARTUP_WAIT_S=4 "$@" synthray/coordinator:local 2>&1)
  status=$?
  [ "$status" = 78 ] || fail "bad configuration ($expect): exit status $status, expected 78; output: $(echo "$out" | head -3)"
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "bad configuration ($expect): more than one line: $(echo "$out" | head -3)"
  [[ "$out" == *"$expect"* ]] || fail "bad configuration: expected '$expect', got: $out"
  log "  refused: $out"
}
good=(-e QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://postgres:5432/synthray -e QUARKUS_DATASOURCE_USERNAME=synthray
      -e "QUARKUS_DATASOURCE_PASSWORD=$(sed -n 's/^SYNTHRAY_DB_PASSWORD=//p' "$work/env")"
      -e QUARKUS_OIDC_AUTH_SERVER_URL=http://keycloak:8080/realms/synthray)
bad_config "QUARKUS_DATASOURCE_PASSWORD" -e QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://postgres:5432/synthray \
    -e "SYNTHRAY_AUTH_ISSUER=http://localhost:$kc_port/realms/synthray"
bad_config "wrong issuer" "${good[@]}" -e SYNTHRAY_AUTH_ISSUER=http://keycloak.example/realms/synthray
bad_config "database unreachable at nowhere:5432" "${good[@]}" -e "SYNTHRAY_AUTH_ISSUER=http://localhost:$kc_port/realms/synthray" \
    -e QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://nowhere:5432/synthray

phase "federated run: run created and started through the REST API, both sites complete it"
spec='{"name": "compose-test", "model": "cpu64", "rounds": 1, "strategy": {"name": "fedavg"}, "min_sites": 2, "fraction_evaluate": 0,
       "join_timeout_s": 300, "round_timeout_s": 600, "local_steps": 1, "learning_rate": 0.0001,
       "config": {"batch_size": 2}}'
run=$(api POST /api/runs "$spec" | json 'd["id"]') || fail "creating the run failed"
api POST "/api/runs/$run/start" > /dev/null || fail "starting run $run failed"
log "  run $run started"
run_state() { api GET "/api/runs/$run" | json 'd["run"]["state"]'; }
deadline=$((SECONDS + 600))
while :; do
  state=$(run_state 2>/dev/null | tr '[:upper:]' '[:lower:]')
  case "$state" in
    completed) break ;;
    failed|cancelled) fail "run $run ended $state: $(api GET "/api/runs/$run" | head -c 600)" ;;
  esac
  [ $SECONDS -lt $deadline ] || fail "run $run not completed within 600 s (state $state)"
  sleep 3
done
model=$(api GET "/api/runs/$run" | json 'd["run"]["globalModel"]')
[[ "$model" =~ ^[0-9a-f]{64}$ ]] || fail "run $run completed without a global model"
# Round 1's accepted training updates: one from each site.
sites_done=$(api GET "/api/runs/$run/rounds/1" \
    | json '" ".join(sorted(p["site"] for p in d["sites"] if p["phase"] == "FIT" and p["outcome"] == "ACCEPTED"))')
[ "$sites_done" = "hannover nih-a" ] || fail "round 1 of run $run has accepted updates from '$sites_done', expected hannover and nih-a"
log "  run $run completed by $sites_done; global model $model"

phase "synthesis: site A calibrates its guard, synthesizes with the global model and publishes over TLS"
site_a() { compose exec -T site-a "$@"; }
site_a synthray-agent guard calibrate --data /data --classifier-steps 20 --out /work/guard > "$work/site-a-guard.log" 2>&1 \
    || { tail -5 "$work/site-a-guard.log"; fail "site A's guard calibration failed"; }
site_a synthray-agent synthesize --model /opt/synthray-agent/models/base-cpu64 --model-version "$model" \
    --coordinator-url http://coordinator:8080 --model-cache /work/models --guard /work/guard --site nih-a \
    -p "PA chest radiograph, no acute findings" -n 1 --steps 4 --batch 1 --seed 7 --out /work/synthetic \
    > "$work/site-a-synthesize.log" 2>&1 || { tail -5 "$work/site-a-synthesize.log"; fail "site A's synthesis failed"; }
site_a synthray-agent publish /work/synthetic --coordinator coordinator:9092 --site-id nih-a \
    > "$work/site-a-publish.log" 2>&1 || { tail -5 "$work/site-a-publish.log"; fail "site A's publishing failed"; }
grep -m1 '^published set' "$work/site-a-publish.log" | sed 's/^/    /'

phase "release and download: the admin releases the set, a researcher downloads its ZIP"
uploaded_set() { api GET "/api/sets?state=uploaded" | json '[s["id"] for s in d if s.get("site") == "nih-a"][0]'; }
wait_for 120 "site A's set being verified and uploaded" uploaded_set
set_id=$(uploaded_set)
api POST "/api/sets/$set_id/review" '{}' > /dev/null || fail "reviewing set $set_id failed"
api POST "/api/sets/$set_id/release" '{"reason": "compose test"}' > /dev/null || fail "releasing set $set_id failed"
researcher=$(token synthray-researcher-cli researcher-cli-demo-secret) || fail "no researcher token"
curl -fsS -H "Authorization: Bearer $researcher" -o "$work/set.zip" "$api_url/api/released-sets/$set_id/download" \
    || fail "the researcher could not download set $set_id"
python3 - "$work/set.zip" <<'EOF' || fail "the downloaded ZIP is not a complete set"
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for required in ("manifest.csv", "datasheet.md", "prov.json"):
    assert any(n.endswith("/" + required) or n == required for n in names), f"{required} missing: {names}"
assert any(n.endswith(".png") or n.endswith(".dcm") for n in names), f"no image in the ZIP: {names}"
print(f"compose test:   researcher's ZIP: {len(names)} entries, manifest.csv, datasheet.md, prov.json")
EOF
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $researcher" "$api_url/api/runs")
[ "$status" = 403 ] || fail "a researcher calling an admin endpoint got HTTP $status, expected 403"

phase "isolation: a site sees only its own data; the coordinator holds none"
sha_a=$(sha256sum "$data/nih-cxr14-64/metadata.csv" | cut -d' ' -f1)
meta_b=$(ls "$data/hannover-covid"/*.csv | head -1)
sha_b=$(sha256sum "$meta_b" | cut -d' ' -f1)
mounts() { docker inspect -f '{{range .Mounts}}{{.Destination}}={{.Source}}{{.Name}} {{end}}' "$(compose ps -q "$1")"; }
[[ "$(mounts site-a)" != *hannover* && "$(mounts site-a)" != *site-b* ]] || fail "site A mounts site B's data: $(mounts site-a)"
[[ "$(mounts site-b)" != *nih-cxr14* && "$(mounts site-b)" != *site-a* ]] || fail "site B mounts site A's data: $(mounts site-b)"
# Every file in site A's container whose content is site B's metadata, and the reverse: none.
found=$(compose exec -T site-a sh -c 'find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type f -name "*.csv" -print0 2>/dev/null | xargs -0 -r sha256sum' | cut -d' ' -f1)
echo "$found" | grep -q "$sha_a" || fail "site A does not see its own data at /data"
! echo "$found" | grep -q "$sha_b" || fail "site A's container holds site B's metadata"
found=$(compose exec -T site-b sh -c 'find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type f -name "*.csv" -print0 2>/dev/null | xargs -0 -r sha256sum' | cut -d' ' -f1)
! echo "$found" | grep -q "$sha_a" || fail "site B's container holds site A's metadata"
# The sites share no network: site A cannot even resolve site B.
! compose exec -T site-a getent hosts site-b > /dev/null 2>&1 || fail "site A can resolve site B"
# The coordinator: no site volume mounted, no file named like a site's image or metadata.
[[ "$(mounts coordinator)" != *"$data"* ]] || fail "the coordinator mounts site data: $(mounts coordinator)"
(cd "$data/nih-cxr14-64" && find . -type f -printf '%f\n'; cd "$data/hannover-covid" && find . -type f -printf '%f\n') | sort -u > "$work/site-files"
compose exec -T coordinator sh -c 'find / \( -path /proc -o -path /sys -o -path /dev \) -prune -o -type f -printf "%f\n" 2>/dev/null' | sort -u > "$work/coordinator-files"
common=$(comm -12 "$work/site-files" "$work/coordinator-files" | grep -v -E '^(README(\.md)?|LICENSE)$' | head -5)
[ -z "$common" ] || fail "the coordinator's container holds files named like site data: $common"
log "  site A sees /data only, not site B's; site B not site A's; the coordinator has no site file ($(wc -l < "$work/coordinator-files") files checked)"

phase "restart: down + up keeps the ledger, models and sets"
before=$(api GET /api/ledger/verify)
count=$(echo "$before" | json 'd["count"]'); head=$(echo "$before" | json 'd["head_hash"]')
[ "$(echo "$before" | json 'd["ok"]')" = True ] || fail "the ledger does not verify before the restart: $before"
compose down > /dev/null 2>&1 || fail "docker-compose down failed"
compose up -d > "$work/up2.log" 2>&1 || { cat "$work/up2.log"; fail "docker-compose up (second) failed"; }
wait_for 300 "the coordinator becoming healthy after the restart" healthy coordinator
after=$(api GET /api/ledger/verify)
[ "$(echo "$after" | json 'd["ok"]')" = True ] || fail "the ledger does not verify after down + up: $after"
[ "$(echo "$after" | json 'd["count"]')" = "$count" ] || fail "the ledger had $count events before down + up, now: $after"
[ "$(echo "$after" | json 'd["head_hash"]')" = "$head" ] || fail "the ledger's head changed across down + up: $after"
curl -fsS -H "Authorization: Bearer $(token synthray-researcher-cli researcher-cli-demo-secret)" -o /dev/null \
    "$api_url/api/released-sets/$set_id/download" || fail "the released set is gone after down + up"
[ "$(api GET "/api/runs/$run" | json 'd["run"]["globalModel"]')" = "$model" ] || fail "run $run or its model is gone after down + up"
log "  ledger verifies after down + up: $count events, head $head"

phase "down -v: every volume removed"
compose down -v > /dev/null 2>&1 || fail "docker-compose down -v failed"
left=$(docker volume ls -q | grep "^${project}_" || true)
[ -z "$left" ] || fail "volumes left after down -v: $left"
if [ "$engine_started" = 1 ]; then
  infra/engine.sh stop || fail "stopping the engine failed"
  engine_started=0
fi
end_phase

log "phases:"
printf '  %s\n' "${timings[@]}"
log "total $((SECONDS - started_at)) s"
echo "compose test: passed"
