#!/usr/bin/env bash
# One command for the consortium in containers: builds the images, writes .env (random secrets) and the
# TLS files when missing, starts docker-compose.yml, approves the two example sites, and prints the
# console's address and the demo credentials.
#
#   infra/compose-up.sh          (root, or a user in the docker group with an engine running)
#   docker-compose down          stop (volumes kept);  docker-compose down -v   stop and delete the data
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
docker() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else command docker "$@"; fi; }

if ! docker info > /dev/null 2>&1; then
  infra/engine.sh start
fi
[ -f .env ] || infra/make-env.sh .env
set -a
# shellcheck disable=SC1091
source .env
set +a
tls=${SYNTHRAY_TLS_DIR:-./infra/tls/out}
[ -f "$tls/coordinator.crt" ] || infra/tls/make-ca.sh "$tls"
for d in "${SYNTHRAY_DATA:-./data}/${SITE_A_DATA:-nih-cxr14-64}" "${SYNTHRAY_DATA:-./data}/${SITE_B_DATA:-hannover-covid}"; do
  [ -d "$d" ] || { echo "compose-up: no site data at $d (set SYNTHRAY_DATA in .env)" >&2; exit 1; }
done

echo "== building the images (first time: a few minutes) =="
infra/build-images.sh
echo "== starting the consortium =="
docker-compose up -d
echo "== waiting for the coordinator =="
http="http://127.0.0.1:${SYNTHRAY_HTTP_PORT:-8080}"
kc="http://127.0.0.1:${KEYCLOAK_PORT:-8180}"
for _ in $(seq 1 150); do
  curl -fs "$http/q/health/ready" > /dev/null 2>&1 && break
  sleep 2
done
curl -fs "$http/q/health/ready" > /dev/null || { echo "compose-up: the coordinator is not ready; docker-compose logs coordinator" >&2; exit 1; }

# The example sites start pending; the consortium admin approves them (as `synthray-admin sites approve` would).
token=$(curl -fsS -d grant_type=client_credentials -d client_id=synthray-admin-cli -d client_secret=admin-cli-demo-secret \
    "$kc/realms/synthray/protocol/openid-connect/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
for site in nih-a hannover; do
  curl -fsS -X POST -H "Authorization: Bearer $token" "$http/api/sites/$site/approve" > /dev/null
done

cat <<TEXT

SynthRay is running.
  console and REST API   http://localhost:${SYNTHRAY_HTTP_PORT:-8080}/      (OpenAPI: /q/openapi, metrics: /metrics)
  sites' gRPC (TLS)      localhost:${SYNTHRAY_GRPC_PORT:-9092}             CA certificate: $tls/ca.crt
  Keycloak               ${KEYCLOAK_PUBLIC_URL:-http://localhost:8180}/      (administration: admin / KEYCLOAK_ADMIN_PASSWORD in .env)
Demo credentials (realm synthray, local demo values):
  console                admin / admin-demo (consortium admin), researcher / researcher-demo
  command line           SYNTHRAY_URL=http://localhost:${SYNTHRAY_HTTP_PORT:-8080} SYNTHRAY_ISSUER=${KEYCLOAK_PUBLIC_URL:-http://localhost:8180}/realms/synthray \\
                         SYNTHRAY_ADMIN_CLIENT_SECRET=admin-cli-demo-secret bin/synthray-admin runs list
Two sites (nih-a, hannover) are approved and waiting for a run:
  bin/synthray-admin runs create infra/compose-run.json --start
Stop: docker-compose down (data kept)   Delete everything: docker-compose down -v
TEXT
