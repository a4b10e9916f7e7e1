#!/usr/bin/env bash
# s3proxy over /data: buckets are folders, objects files. Credentials come from the environment
# (S3_ACCESS_KEY, S3_SECRET_KEY), never from the image.
set -euo pipefail
fail() { echo "s3: configuration error: $*" >&2; exit 78; }
[ -n "${S3_ACCESS_KEY:-}" ] || fail "S3_ACCESS_KEY is not set"
[ -n "${S3_SECRET_KEY:-}" ] || fail "S3_SECRET_KEY is not set"
props=$(mktemp)
chmod 600 "$props"
cat > "$props" <<PROPS
s3proxy.endpoint=http://0.0.0.0:9000
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS_KEY
s3proxy.credential=$S3_SECRET_KEY
jclouds.provider=filesystem
jclouds.filesystem.basedir=/data
PROPS
# shellcheck disable=SC2086 # JAVA_OPTS holds several options
exec java ${JAVA_OPTS:--Xmx256m} -jar /opt/s3proxy/s3proxy.jar --properties "$props"
