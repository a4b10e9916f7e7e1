#!/usr/bin/env bash
# Validates infra/k8s without a cluster: renders it with kustomize (kubectl kustomize), checks every
# object against the Kubernetes API schema of its kind and the references between objects
# (validate/validate.mjs), and checks that a deliberately broken copy is refused, so the check itself works.
# Needs kubectl (or Debian's kubernetes-client) and Node.js with npm. .ci/run calls it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../target/k8s"
mkdir -p "$out"
if ! command -v kubectl > /dev/null; then
  command -v apt-get > /dev/null || { echo "k8s validation: failed: needs kubectl" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client > /dev/null
fi
(cd "$here/validate" && npm ci --no-audit --no-fund --loglevel=error > /dev/null)
kubectl kustomize "$here" > "$out/synthray.yaml"
node "$here/validate/validate.mjs" "$out/synthray.yaml" || { echo "k8s validation: failed" >&2; exit 1; }
# The validator must refuse a broken manifest: a port that is not a number, a probe on a missing port.
sed -e 's/containerPort: 8080/containerPort: "8080x"/' -e 's/port: http$/port: web/' "$out/synthray.yaml" > "$out/broken.yaml"
if node "$here/validate/validate.mjs" "$out/broken.yaml" > "$out/broken.log"; then
  echo "k8s validation: failed: a broken manifest was accepted" >&2
  exit 1
fi
grep -q 'containerPort must be integer' "$out/broken.log" && grep -q 'port web is not a container port' "$out/broken.log" \
  || { echo "k8s validation: failed: the broken manifest was refused for the wrong reasons:" >&2; cat "$out/broken.log" >&2; exit 1; }
echo "k8s validation: passed"
