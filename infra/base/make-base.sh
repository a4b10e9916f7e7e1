#!/usr/bin/env bash
# Makes the base image SynthRay's Dockerfiles start from when no registry is reachable: a minimal
# Debian made by debootstrap from the Debian mirror apt already uses (an air-gapped hospital's own
# mirror works the same), imported under the official image's name so the Dockerfiles need no change.
#
#   infra/base/make-base.sh [SUITE] [TAG]     default: trixie  debian:trixie-slim
#
# Skips the work when the image exists. A site with a registry does not need this: the images take
# BASE_IMAGE as a build argument (docs/deployment.md).
set -euo pipefail
suite=${1:-trixie}
tag=${2:-debian:$suite-slim}
docker() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else command docker "$@"; fi; }

if docker image inspect "$tag" > /dev/null 2>&1; then
  echo "base: $tag exists" >&2
  exit 0
fi
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d /tmp/synthray-rootfs-XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "base: debootstrap $suite from $mirror" >&2
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" > "$rootfs.log" 2>&1 || {
  tail -5 "$rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"
# Like the official slim images: no apt caches or docs in the base layer.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - "$tag" > /dev/null
echo "base: $tag imported" >&2
