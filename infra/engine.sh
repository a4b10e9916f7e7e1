#!/usr/bin/env bash
# A Docker engine for SynthRay's images and Compose stack, on a machine that may have none running.
#
#   infra/engine.sh start   use the running engine, or install Debian's docker.io, docker-compose and
#                           debootstrap if missing and start dockerd with its own data root
#   infra/engine.sh stop    stop the dockerd that `start` started (an engine that was already running is left alone)
#
# SYNTHRAY_DOCKER_ROOT (default /var/lib/synthray-docker) holds the engine's images and volumes, so
# images built once are reused by the next start. Needs root to install and start the engine.
set -euo pipefail

root=${SYNTHRAY_DOCKER_ROOT:-/var/lib/synthray-docker}
pidfile=/run/synthray-dockerd.pid
log=${SYNTHRAY_DOCKER_LOG:-/tmp/synthray-dockerd.log}

# The engine's own client speaks its API version; another docker on the PATH may be newer.
docker() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else command docker "$@"; fi; }

install_missing() {
  local missing=()
  command -v dockerd > /dev/null || missing+=(docker.io)
  command -v docker-compose > /dev/null || missing+=(docker-compose)
  command -v debootstrap > /dev/null || missing+=(debootstrap)
  command -v openssl > /dev/null || missing+=(openssl)
  command -v curl > /dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get > /dev/null || { echo "engine: install ${missing[*]} (no apt-get here)" >&2; exit 1; }
  echo "engine: installing ${missing[*]} from Debian's packages" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
}

start() {
  install_missing
  if docker info > /dev/null 2>&1; then
    echo "engine: using the Docker engine already running" >&2
    return 0
  fi
  mkdir -p "$root"
  echo "engine: starting dockerd (data root $root, log $log)" >&2
  dockerd --data-root "$root" --pidfile "$pidfile" > "$log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info > /dev/null 2>&1 && { echo "engine: ready" >&2; return 0; }
    sleep 1
  done
  echo "engine: dockerd did not answer within 60 s; last lines of $log:" >&2
  tail -5 "$log" >&2
  exit 1
}

stop() {
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  rm -f "$pidfile"
  echo "engine: stopped dockerd" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: infra/engine.sh start|stop" >&2; exit 2 ;;
esac
