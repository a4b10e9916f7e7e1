#!/usr/bin/env bash
# Starts the SynthRay coordinator in its container after checking the configuration a container
# deployment gets wrong most often. Each problem ends the start with one line naming it and exit
# code 78 (configuration error), instead of a stack trace from deep inside the server:
#   - a missing secret (database password; S3 keys when the blob store is S3);
#   - an issuer that is not the identity provider's own (tokens would all be refused);
#   - a database that cannot be reached (SYNTHRAY_STARTUP_WAIT_S seconds, default 60, for it to come up).
# An identity provider that cannot be reached is not fatal: the coordinator retries it (docs/security.md).
set -uo pipefail

fail() { echo "coordinator: configuration error: $*" >&2; exit 78; }
note() { echo "coordinator: $*" >&2; }
wait_s=${SYNTHRAY_STARTUP_WAIT_S:-60}

url=${QUARKUS_DATASOURCE_JDBC_URL:-}
[ -n "$url" ] || fail "QUARKUS_DATASOURCE_JDBC_URL is not set (this image is built for PostgreSQL: jdbc:postgresql://HOST:5432/DB)"
[[ "$url" == jdbc:postgresql://* ]] || fail "QUARKUS_DATASOURCE_JDBC_URL must be a jdbc:postgresql:// URL, not '$url'"
[ -n "${QUARKUS_DATASOURCE_PASSWORD:-}" ] || fail "QUARKUS_DATASOURCE_PASSWORD (the database password) is not set"
if [ "${SYNTHRAY_BLOBS_STORE:-file}" = s3 ]; then
  [ -n "${SYNTHRAY_BLOBS_S3_BUCKET:-}" ] || fail "SYNTHRAY_BLOBS_S3_BUCKET is not set (blob store s3)"
  [ -n "${SYNTHRAY_BLOBS_S3_ACCESS_KEY_ID:-}" ] && [ -n "${SYNTHRAY_BLOBS_S3_SECRET_ACCESS_KEY:-}" ] \
    || fail "SYNTHRAY_BLOBS_S3_ACCESS_KEY_ID and SYNTHRAY_BLOBS_S3_SECRET_ACCESS_KEY must both be set (blob store s3)"
fi
for f in "${QUARKUS_GRPC_SERVER_SSL_CERTIFICATE:-}" "${QUARKUS_GRPC_SERVER_SSL_KEY:-}"; do
  [ -z "$f" ] || [ -r "$f" ] || fail "TLS file $f cannot be read by user $(id -u) (QUARKUS_GRPC_SERVER_SSL_CERTIFICATE / _KEY)"
done

# The database: host and port from the JDBC URL (jdbc:postgresql://host[:port]/db?...).
hostport=${url#jdbc:postgresql://}
hostport=${hostport%%/*}
hostport=${hostport%%,*}
db_host=${hostport%%:*}
db_port=5432
[[ "$hostport" == *:* ]] && db_port=${hostport##*:}
reachable() { timeout 3 bash -c "exec 3<>/dev/tcp/$db_host/$db_port" 2>/dev/null; }
deadline=$((SECONDS + wait_s))
until reachable; do
  [ $SECONDS -lt $deadline ] || fail "database unreachable at $db_host:$db_port for ${wait_s} s (QUARKUS_DATASOURCE_JDBC_URL=$url)"
  sleep 2
done

# The issuer: the provider's discovery document must name exactly the issuer the coordinator checks.
if [ "${SYNTHRAY_AUTH_ENABLED:-true}" != false ]; then
  issuer=${SYNTHRAY_AUTH_ISSUER:-}
  [ -n "$issuer" ] || fail "SYNTHRAY_AUTH_ISSUER is not set (the OpenID Connect issuer whose tokens are accepted)"
  # Inside a cluster the provider may be fetched at another address (QUARKUS_OIDC_AUTH_SERVER_URL).
  server=${QUARKUS_OIDC_AUTH_SERVER_URL:-$issuer}
  doc=$(curl -fsS --max-time 5 "${server%/}/.well-known/openid-configuration" 2>/dev/null)
  if [ -z "$doc" ]; then
    note "identity provider not reachable at $server yet; starting anyway, the coordinator retries it"
  else
    announced=$(printf '%s' "$doc" | sed -n 's/.*"issuer" *: *"\([^"]*\)".*/\1/p')
    [ "$announced" = "$issuer" ] || fail "wrong issuer: SYNTHRAY_AUTH_ISSUER is '$issuer' but $server announces '$announced'; tokens would all be refused"
  fi
fi

cd /var/lib/synthray
# shellcheck disable=SC2086 # JAVA_OPTS holds several options
exec java $JAVA_OPTS -jar /opt/synthray/quarkus-run.jar "$@"
