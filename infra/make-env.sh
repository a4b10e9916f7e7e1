#!/usr/bin/env bash
# Writes a Compose .env from .env.example with fresh random values for the secrets the stack owns
# (database, Keycloak admin, object store). The sites' client secrets stay those of the imported realm.
#   infra/make-env.sh [OUT]     default: .env in the project root; refuses to overwrite
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out=${1:-$root/.env}
[ -e "$out" ] && { echo "make-env: $out exists; remove it first to make a new one" >&2; exit 1; }
random() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
umask 077
while IFS= read -r line; do
  case "$line" in
    POSTGRES_PASSWORD=*|SYNTHRAY_DB_PASSWORD=*|KEYCLOAK_DB_PASSWORD=*|KEYCLOAK_ADMIN_PASSWORD=*|S3_SECRET_KEY=*)
      echo "${line%%=*}=$(random)" ;;
    *) echo "$line" ;;
  esac
done < "$root/.env.example" > "$out"
echo "make-env: wrote $out (random secrets; mode 600)" >&2
