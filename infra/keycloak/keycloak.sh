#!/usr/bin/env bash
# A local Keycloak for SynthRay's demo and tests, with the synthray realm imported.
#
#   infra/keycloak/keycloak.sh start [--port PORT] [--dir DIR]   fetch, unpack, start, wait until ready
#   infra/keycloak/keycloak.sh stop  [--dir DIR]
#   infra/keycloak/keycloak.sh token CLIENT_ID SECRET [--port PORT]   print a client-credentials access token
#
# The Keycloak server (org.keycloak:keycloak-quarkus-dist, a zip on Maven Central) is fetched once with
# the Maven wrapper, so it is cached in the local Maven repository like every other dependency, then
# unpacked under DIR (default: target/keycloak in the project root). Every start begins with an empty
# database and imports synthray-realm.json (and synthray-other-realm.json, a second realm the tests use for
# tokens SynthRay must refuse). It runs in development mode over plain HTTP on 127.0.0.1 only, with
# the hostname pinned to http://127.0.0.1:PORT so every token's issuer is
# http://127.0.0.1:PORT/realms/synthray whichever address a client used.
#
# The realm's client secrets and passwords are for this local demo only; docs/security.md says how to
# connect a real Keycloak. The first start takes about half a minute (Keycloak builds itself).
set -euo pipefail

VERSION=26.7.3
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cmd=${1:-}
[ $# -gt 0 ] && shift
port=${KEYCLOAK_PORT:-8180}
dir=${KEYCLOAK_DIR:-$root/target/keycloak}
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
home="$dir/keycloak-$VERSION"
url="http://127.0.0.1:$port"

fetch() {
  local repo zip
  repo=${MAVEN_REPO:-$HOME/.m2/repository}
  zip="$repo/org/keycloak/keycloak-quarkus-dist/$VERSION/keycloak-quarkus-dist-$VERSION.zip"
  if [ ! -f "$zip" ]; then
    echo "keycloak: fetching org.keycloak:keycloak-quarkus-dist:$VERSION (zip) from Maven Central" >&2
    (cd "$root" && ./mvnw -q -B dependency:get -Dartifact="org.keycloak:keycloak-quarkus-dist:$VERSION:zip" -Dtransitive=false) >&2
  fi
  if [ ! -x "$home/bin/kc.sh" ]; then
    mkdir -p "$dir"
    rm -rf "$dir/unpacking" && mkdir -p "$dir/unpacking"
    if command -v unzip > /dev/null; then
      unzip -q "$zip" -d "$dir/unpacking"
    else # the JDK's jar tool reads zips too (it drops the execute bits)
      (cd "$dir/unpacking" && jar xf "$zip") && chmod +x "$dir/unpacking/keycloak-$VERSION/bin/"*.sh
    fi
    mv "$dir/unpacking/keycloak-$VERSION" "$home" && rm -rf "$dir/unpacking"
  fi
}

ready() {
  curl -fs "$url/realms/synthray/.well-known/openid-configuration" > /dev/null 2>&1
}

start() {
  if [ -f "$dir/keycloak.pid" ] && kill -0 "$(cat "$dir/keycloak.pid")" 2>/dev/null; then
    echo "keycloak: already running (pid $(cat "$dir/keycloak.pid")); stop it first" >&2
    exit 1
  fi
  if curl -s -o /dev/null "$url/" 2>/dev/null; then
    echo "keycloak: port $port is taken; choose another with --port" >&2
    exit 1
  fi
  fetch
  # A fresh database on every start: the realm files are the single source of truth.
  rm -rf "$home/data"
  mkdir -p "$home/data/import"
  cp "$here/synthray-realm.json" "$here/synthray-other-realm.json" "$home/data/import/"
  local started=$SECONDS
  echo "keycloak: starting $VERSION on $url (log: $dir/keycloak.log)" >&2
  # setsid: its own process group, so stop ends kc.sh and the server together.
  local group=()
  command -v setsid > /dev/null && group=(setsid)
  KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin \
    JAVA_OPTS_KC_HEAP="${KEYCLOAK_HEAP:--Xms128m -Xmx768m}" \
    "${group[@]}" "$home/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$port" --hostname="$url" \
      --import-realm --cache=local > "$dir/keycloak.log" 2>&1 < /dev/null &
  echo $! > "$dir/keycloak.pid"
  for _ in $(seq 1 600); do
    if ready; then
      echo "keycloak: ready on $url after $((SECONDS - started)) s" >&2
      echo "$url"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/keycloak.pid")" 2>/dev/null; then
      echo "keycloak: exited during start; last lines of $dir/keycloak.log:" >&2
      tail -20 "$dir/keycloak.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "keycloak: not ready after 300 s; see $dir/keycloak.log" >&2
  stop
  exit 1
}

stop() {
  [ -f "$dir/keycloak.pid" ] || return 0
  local pid
  pid=$(cat "$dir/keycloak.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$dir/keycloak.pid"
}

token() {
  [ ${#args[@]} -eq 2 ] || { echo "usage: keycloak.sh token CLIENT_ID SECRET [--port PORT]" >&2; exit 2; }
  curl -fs -d grant_type=client_credentials -d "client_id=${args[0]}" --data-urlencode "client_secret=${args[1]}" \
    "$url/realms/synthray/protocol/openid-connect/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
}

command -v curl > /dev/null || { echo "keycloak: needs curl" >&2; exit 1; }

case "$cmd" in
  start) start ;;
  stop) stop ;;
  fetch) fetch ;;
  token) token ;;
  *) echo "usage: keycloak.sh start|stop|fetch|token [--port PORT] [--dir DIR]" >&2; exit 2 ;;
esac
