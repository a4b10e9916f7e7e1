# Sourced by demo.sh: the demo's local Keycloak and its credentials. The client secrets are the
# local demo values of infra/keycloak/synthray-realm.json; never use them anywhere else
# (docs/security.md says how to connect a real Keycloak).
KEYCLOAK_PORT=${SYNTHRAY_KEYCLOAK_PORT:-8180}
export SYNTHRAY_ISSUER="http://127.0.0.1:$KEYCLOAK_PORT/realms/synthray"
# The coordinator's synthray.auth.issuer: tokens must come from here.
export SYNTHRAY_AUTH_ISSUER="$SYNTHRAY_ISSUER"
# bin/synthray-admin: the consortium admin's service account.
export SYNTHRAY_ADMIN_CLIENT_ID=synthray-admin-cli
export SYNTHRAY_ADMIN_CLIENT_SECRET=admin-cli-demo-secret

# Starts Keycloak in the background (about half a minute, while the build runs).
keycloak_start() {
  mkdir -p target/keycloak
  infra/keycloak/keycloak.sh start --port "$KEYCLOAK_PORT" > target/keycloak/start.log 2>&1 &
  KEYCLOAK_STARTER=$!
}

keycloak_wait() {
  wait "$KEYCLOAK_STARTER" || {
    echo "demo: Keycloak did not start; see target/keycloak/start.log and target/keycloak/keycloak.log" >&2
    tail -3 target/keycloak/start.log >&2
    return 1
  }
  echo "== Keycloak on http://127.0.0.1:$KEYCLOAK_PORT (realm synthray): sites, admin and researcher sign in there =="
}

keycloak_stop() {
  infra/keycloak/keycloak.sh stop > /dev/null 2>&1 || true
}

# A site's client secret (each site is a confidential client named after it).
site_secret() {
  echo "site-$1-demo-secret"
}

# An admin access token, for plain curl calls.
admin_token() {
  infra/keycloak/keycloak.sh token "$SYNTHRAY_ADMIN_CLIENT_ID" "$SYNTHRAY_ADMIN_CLIENT_SECRET" --port "$KEYCLOAK_PORT"
}
