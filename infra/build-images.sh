#!/usr/bin/env bash
# Builds SynthRay's container images from this repository, a Debian mirror and Maven Central alone.
#
#   infra/build-images.sh [IMAGE...]     default: java-base postgres s3 keycloak coordinator site-agent
#   infra/build-images.sh site-agent-gpu   the CUDA variant (needs the NVIDIA base image; docs/deployment.md)
#
# The jars are built on the host by Maven (the build the project already has, warm caches, one JDK) and
# copied into each image: a folder per image under target/images/ is its whole build context, so the
# engine never receives the repository. Each image is tagged synthray/NAME:local and :VERSION and labelled
# (org.opencontainers.image.version, .revision, .source).
#
# Base images, by environment variable (each passed to the Dockerfiles as the build argument BASE_IMAGE):
#   DEBIAN_IMAGE     default debian:trixie-slim, made by infra/base/make-base.sh when missing (no registry
#                    needed); a site with a registry gets the official one by `docker pull` first
#   JAVA_BASE_IMAGE  default synthray/java-base:local, built here from DEBIAN_IMAGE + JAVA_PACKAGE (default
#                    openjdk-21-jre-headless); or any image with Java 21, bash and curl (eclipse-temurin:21-jre)
#   GPU_BASE_IMAGE   default nvidia/cuda:12.5.1-cudnn-runtime-ubuntu24.04 (site-agent-gpu only)
# SKIP_MAVEN=1 reuses jars already built; MAVEN_OFFLINE=1 builds them with mvn -o.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
docker() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else command docker "$@"; fi; }

images=("$@")
[ ${#images[@]} -gt 0 ] || images=(java-base postgres s3 keycloak coordinator site-agent)
debian_image=${DEBIAN_IMAGE:-debian:trixie-slim}
java_base=${JAVA_BASE_IMAGE:-synthray/java-base:local}
java_package=${JAVA_PACKAGE:-openjdk-21-jre-headless}
version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || revision="$revision-dirty"
source_url=${SYNTHRAY_SOURCE_URL:-$(git remote get-url origin 2>/dev/null || echo unknown)}
keycloak_version=$(sed -n 's/^VERSION=//p' infra/keycloak/keycloak.sh)
s3proxy_version=$(sed -n 's:.*<s3proxy.version>\(.*\)</s3proxy.version>.*:\1:p' pom.xml)
ctx_root="$root/target/images"
mvn=(./mvnw -B -q)
[ "${MAVEN_OFFLINE:-}" = 1 ] && mvn+=(-o)

phase() { echo "images: $*" >&2; }
agent_built=

if [ "$debian_image" = debian:trixie-slim ] && ! docker image inspect "$debian_image" > /dev/null 2>&1; then
  "$here/base/make-base.sh" trixie "$debian_image"
fi

fetch() { # groupId:artifactId:version[:type[:classifier]] destination
  mkdir -p "$(dirname "$2")"
  # Already in the local Maven repository (the tests and the demo fetch both artifacts): copy it, which
  # saves a Maven start per artifact.
  local g a v t c file
  IFS=: read -r g a v t c <<< "$1"
  file="${MAVEN_REPO:-$HOME/.m2/repository}/${g//.//}/$a/$v/$a-$v${c:+-$c}.${t:-jar}"
  if [ -f "$file" ]; then cp "$file" "$2"; return 0; fi
  "${mvn[@]}" dependency:copy -Dartifact="$1" -DoutputDirectory="$(dirname "$2")" -Dmdep.stripVersion=true \
      -Dmdep.stripClassifier=true -Dmdep.overWriteReleases=false > /dev/null
}

stage() { # image: fills target/images/IMAGE with the image's build context
  local ctx="$ctx_root/$1"
  rm -rf "$ctx" && mkdir -p "$ctx"
  case "$1" in
    coordinator)
      # The coordinator's database kind is fixed at build time: a PostgreSQL build beside the default
      # (H2) one, in its own output folder so bin/synthray-admin and demo.sh keep theirs.
      if [ "${SKIP_MAVEN:-}" != 1 ] || [ ! -f coordinator/target/postgresql/quarkus-run.jar ]; then
        phase "building the coordinator for PostgreSQL (Maven)"
        "${mvn[@]}" -pl coordinator -am -DskipTests -Dsynthray.db-kind=postgresql \
            -Dquarkus.package.output-directory=postgresql package > "$ctx_root/maven-coordinator.log" 2>&1 \
          || { tail -30 "$ctx_root/maven-coordinator.log" >&2; exit 1; }
        agent_built=1 # the site agent is upstream of the coordinator's tests: -am packaged it too
      fi
      mkdir -p "$ctx/quarkus-app" && cp -r coordinator/target/postgresql/. "$ctx/quarkus-app/"
      cp "$here/coordinator/entrypoint.sh" "$ctx/" ;;
    site-agent|site-agent-gpu)
      local target=site-agent/target
      if [ "$1" = site-agent-gpu ]; then
        # TensorFlow's CUDA native library: the -Pgpu build, in a copy of the agent's output.
        phase "building the site agent with -Pgpu (Maven)"
        "${mvn[@]}" -pl site-agent -am -DskipTests -Pgpu package > "$ctx_root/maven-site-agent.log" 2>&1 \
          || { tail -30 "$ctx_root/maven-site-agent.log" >&2; exit 1; }
      elif [ -z "$agent_built" ] && { [ "${SKIP_MAVEN:-}" != 1 ] || [ ! -f "$target/synthray-site-agent.jar" ]; }; then
        phase "building the site agent (Maven)"
        "${mvn[@]}" -pl site-agent -am -DskipTests package > "$ctx_root/maven-site-agent.log" 2>&1 \
          || { tail -30 "$ctx_root/maven-site-agent.log" >&2; exit 1; }
      fi
      cp "$target/synthray-site-agent.jar" "$ctx/" && cp -r "$target/lib" "$ctx/"
      mkdir -p "$ctx/models" && cp -r models/base-cpu64 "$ctx/models/"
      cp "$here/site-agent/entrypoint.sh" "$here/site-agent/synthray-agent" "$ctx/" ;;
    keycloak)
      fetch "org.keycloak:keycloak-quarkus-dist:$keycloak_version:zip" "$ctx/keycloak-quarkus-dist.zip" ;;
    s3)
      fetch "org.gaul:s3proxy:$s3proxy_version:jar:jar-with-dependencies" "$ctx/s3proxy.jar"
      cp "$here/s3/entrypoint.sh" "$ctx/" ;;
    postgres)
      cp "$here/postgres/entrypoint.sh" "$ctx/" ;;
    java-base|java-base-gpu) ;;
    *) echo "images: unknown image $1" >&2; exit 2 ;;
  esac
}

build() { # image
  local name=$1 dockerfile="$here/$1/Dockerfile" image_base=$java_base extra=()
  case "$1" in
    postgres) image_base=$debian_image ;;
    java-base)
      dockerfile="$here/base/Dockerfile"; image_base=$debian_image
      extra=(--build-arg "JAVA_PACKAGE=$java_package") ;;
    java-base-gpu)
      dockerfile="$here/base/Dockerfile"; image_base=${GPU_BASE_IMAGE:-nvidia/cuda:12.5.1-cudnn-runtime-ubuntu24.04}
      extra=(--build-arg "JAVA_PACKAGE=$java_package")
      docker image inspect "$image_base" > /dev/null 2>&1 || docker pull "$image_base" > /dev/null 2>&1 || {
        echo "images: the GPU agent needs the base image $image_base (not present, cannot be pulled); skipped" >&2
        return 1; } ;;
    site-agent-gpu)
      dockerfile="$here/site-agent/Dockerfile"; image_base=synthray/java-base-gpu:local
      extra=(--build-arg VARIANT=gpu) ;;
    keycloak) extra=(--build-arg "KEYCLOAK_VERSION=$keycloak_version") ;;
  esac
  stage "$1"
  phase "building synthray/$name:$version from $image_base"
  local started=$SECONDS
  nice -n 10 docker build -q -f "$dockerfile" --build-arg "BASE_IMAGE=$image_base" \
      --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source_url" \
      "${extra[@]}" -t "synthray/$name:$version" -t "synthray/$name:local" "$ctx_root/$1" > /dev/null
  phase "synthray/$name built in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "synthray/$name:local" | awk '{printf "%d MB", $1/1e6}'))"
}

for image in "${images[@]}"; do
  case "$image" in
    site-agent-gpu) build java-base-gpu || continue ;;
    postgres|java-base*) ;;
    *) [ "$java_base" != synthray/java-base:local ] || docker image inspect "$java_base" > /dev/null 2>&1 \
         || [[ " ${images[*]} " == *" java-base "* ]] || build java-base ;;
  esac
  build "$image"
done
