#!/usr/bin/env bash
# A local certificate authority and the coordinator's gRPC certificate, for TLS between sites and
# the coordinator. Sites trust only this CA (synthray-agent --ca-file ca.crt / SYNTHRAY_CA_FILE).
#
#   infra/tls/make-ca.sh [OUT_DIR] [NAME...]    default: infra/tls/out; names: coordinator localhost 127.0.0.1
#
# NAME: every DNS name or IP address sites use to reach the coordinator (add the public name a remote
# hospital dials). Keeps an existing CA and makes a new coordinator certificate only when missing.
# ca.key never leaves OUT_DIR; hand ca.crt to each site.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out=${1:-$here/out}
[ $# -gt 0 ] && shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(coordinator localhost 127.0.0.1)
command -v openssl > /dev/null || { echo "tls: needs openssl" >&2; exit 1; }
mkdir -p "$out"
cd "$out"

if [ ! -f ca.key ] || [ ! -f ca.crt ]; then
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out ca.key 2>/dev/null)
  openssl req -x509 -new -key ca.key -sha256 -days 1825 -subj "/O=SynthRay consortium/CN=SynthRay local CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
  echo "tls: made a CA in $out/ca.crt" >&2
fi
if [ ! -f coordinator.crt ] || [ ! -f coordinator.key ]; then
  san=""
  for n in "${names[@]}"; do
    if [[ "$n" =~ ^[0-9.]+$ || "$n" == *:* ]]; then san+="IP:$n,"; else san+="DNS:$n,"; fi
  done
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out coordinator.key 2>/dev/null)
  openssl req -new -key coordinator.key -subj "/O=SynthRay consortium/CN=${names[0]}" -out coordinator.csr
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n' \
      "${san%,}" > coordinator.ext
  openssl x509 -req -in coordinator.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
      -extfile coordinator.ext -out coordinator.crt 2>/dev/null
  rm -f coordinator.csr coordinator.ext ca.srl
  # The coordinator's container runs as uid/gid 10001: its key is readable by that group only.
  if [ "$(id -u)" = 0 ]; then
    chgrp 10001 coordinator.key && chmod 640 coordinator.key
  else
    chmod 644 coordinator.key
    echo "tls: not root, so coordinator.key is world-readable; restrict it (group 10001) on a real host" >&2
  fi
  echo "tls: made $out/coordinator.crt for ${names[*]}" >&2
fi
