#!/usr/bin/env bash
# PostgreSQL for SynthRay. The first start initialises $PGDATA and creates one role and database per
# entry of DATABASES ("name:PASSWORD_VARIABLE ...", default "synthray:SYNTHRAY_DB_PASSWORD
# keycloak:KEYCLOAK_DB_PASSWORD"); the passwords come from the environment, never from the image.
# Later starts use the data as it is.
set -euo pipefail
fail() { echo "postgres: configuration error: $*" >&2; exit 78; }

databases=${DATABASES:-"synthray:SYNTHRAY_DB_PASSWORD keycloak:KEYCLOAK_DB_PASSWORD"}
[ -n "${POSTGRES_PASSWORD:-}" ] || fail "POSTGRES_PASSWORD (the superuser's password) is not set"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  for entry in $databases; do
    var=${entry#*:}
    [ -n "${!var:-}" ] || fail "$var (password of database ${entry%%:*}) is not set"
  done
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb --pgdata="$PGDATA" --username=postgres --pwfile="$pwfile" --auth-local=peer \
         --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 > /dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  pg_ctl --pgdata="$PGDATA" -o "-c listen_addresses=''" -w start > /dev/null
  for entry in $databases; do
    name=${entry%%:*}
    var=${entry#*:}
    # psql's :'var' quoting keeps the password a literal whatever it contains.
    psql -v ON_ERROR_STOP=1 -q -U postgres -v name="$name" -v pw="${!var}" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'pw';
CREATE DATABASE :"name" OWNER :"name";
SQL
    echo "postgres: created database $name" >&2
  done
  pg_ctl --pgdata="$PGDATA" -m fast -w stop > /dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
