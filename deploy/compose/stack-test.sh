#!/usr/bin/env bash
# The compose stack run for real: docker-compose.yml exactly as shipped (plus stack-test.yml: the fake LLM as a
# service and the platform config pointing at it), on local stand-ins for its base images when no registry is
# reachable. Builds the product image from the real Dockerfile, starts the stack with passwords on Postgres and
# Redis, bootstraps the first administrator, prompts through the API, scales `api` to 2 and checks that an event
# published through one replica reaches an SSE subscriber of the other, restarts the worker and runs a job on it,
# then tears everything down (containers, network, volumes). Exits non-zero on the first failed check.
#
#   sudo deploy/compose/stack-test.sh          (root: debootstrap, and dockerd when it is not running)
#
# Needs docker (a daemon, or dockerd to start one), docker-compose 1.29+, debootstrap and the repository's
# node_modules (esbuild bundles the fake LLM). Missing Debian packages are installed when run as root.
# Environment: DOCKER_STORAGE_DRIVER (for a dockerd this script starts; default overlay2, vfs where overlay mounts
# are refused), STACK_API_PORTS (host ports of the api replicas, default 24096-24099), KEEP_STACK=1 (leave the
# stack up after a failure, to look at it).
set -euo pipefail
cd "$(dirname "$0")/../.."
START=$SECONDS
declare -a TIMINGS=()
step() { echo; echo "=== $* ($(date -u +%H:%M:%S))"; STEP_NAME="$*"; STEP_START=$SECONDS; }
done_step() { local d=$((SECONDS - STEP_START)); TIMINGS+=("$(printf '%-40s %4ds' "$STEP_NAME" "$d")"); echo "--- $STEP_NAME: ${d}s"; }
fail() { echo "stack test FAILED: $*" >&2; exit 1; }

WORK=$(mktemp -d -t oc-stack-XXXXXX)
PROJECT="ocstack$$"
COMPOSE=(docker-compose -p "$PROJECT" -f docker-compose.yml -f deploy/compose/stack-test.yml)
# docker-compose 1.29 gives each daemon request 60 s; on a loaded machine creating a container of a 1.4 GB image
# (overlay2 copies its layers' metadata) takes longer, and `up` failed with a read timeout on `migrate`.
export COMPOSE_HTTP_TIMEOUT="${COMPOSE_HTTP_TIMEOUT:-600}"
DOCKERD_PID=""
SHIM_PID=""
SSE_PID=""
UP=0
OK=0

cleanup() {
  local rc=$?
  [ -n "$SSE_PID" ] && kill "$SSE_PID" 2>/dev/null
  if [ "$UP" = 1 ]; then
    if [ "$OK" != 1 ]; then
      echo "--- compose ps / logs (failure)"
      "${COMPOSE[@]}" ps || true
      "${COMPOSE[@]}" logs --no-color --tail=40 || true
    fi
    if [ "$OK" != 1 ] && [ "${KEEP_STACK:-0}" = 1 ]; then
      echo "KEEP_STACK=1: stack $PROJECT left up; remove it with: ${COMPOSE[*]} down -v --remove-orphans"
    else
      "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    fi
  fi
  [ -n "$SHIM_PID" ] && kill "$SHIM_PID" 2>/dev/null
  if [ -n "$DOCKERD_PID" ]; then
    kill -TERM "$DOCKERD_PID" 2>/dev/null || true
    wait "$DOCKERD_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  echo; echo "=== durations"
  for t in "${TIMINGS[@]}"; do echo "  $t"; done
  echo "  total                                    $((SECONDS - START))s"
  exit "$rc"
}
trap cleanup EXIT

rand() { head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);console.log(v)})' "$1"; }
container_of() { "${COMPOSE[@]}" ps -q "$1" | sed -n "${2:-1}p"; }
host_port() { "${COMPOSE[@]}" port --index="$2" "$1" 4096 | sed 's/.*://'; }
wait_ready() { # base-url seconds
  local i
  for i in $(seq 1 "$2"); do
    curl -fsS -m 3 "$1/ready" >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

step "docker"
need=()
command -v docker >/dev/null || need+=(docker.io)
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v debootstrap >/dev/null || need+=(debootstrap)
if ((${#need[@]})); then
  [ "$(id -u)" = 0 ] || fail "missing ${need[*]} (install them, or run as root)"
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "no docker daemon (start dockerd, or run as root)"
  driver="${DOCKER_STORAGE_DRIVER:-overlay2}"
  echo "starting dockerd --storage-driver=$driver in a mount namespace of its own (stopped again at the end)"
  # Its own mount namespace: dockerd makes /var/lib/docker a shared mount, and slirp4netns --enable-sandbox run as root
  # in the same namespace (the product's sandbox network does that on a host that runs it as root, and so do its
  # tests) makes only / private before it detaches its old root, so the detach reaches every container's overlay
  # mount through that shared peer group: running containers lose their root from the daemon's view ("unable to find
  # user node" on exec and restart) and a build's COPY --from fails with lstat ENOENT (deploy/compose/README.md).
  unshare --mount --propagation private dockerd --storage-driver="$driver" >"$WORK/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 20 "$WORK/dockerd.log"; fail "dockerd did not start"; }
fi
docker version --format 'docker client {{.Client.Version}}, daemon {{.Server.Version}}'
root_dir=$(docker info --format '{{.DockerRootDir}}')
if [ -z "$DOCKERD_PID" ] && findmnt -n -o PROPAGATION -T "$root_dir" 2>/dev/null | grep -q shared; then
  echo "warning: $root_dir is a shared mount in this namespace: a root slirp4netns --enable-sandbox here unmounts the"
  echo "  containers' roots (see the dockerd comment above); start dockerd with: unshare --mount --propagation private dockerd"
fi
docker info --format 'storage driver {{.Driver}}'
COMPOSE_VERSION=$(docker-compose version --short)
echo "docker-compose $COMPOSE_VERSION"
if [ "${COMPOSE_VERSION%%.*}" = 1 ]; then
  # Compose 1.x hands `systempaths=unconfined` to the daemon, which refuses it; Compose v2 turns it into empty masked
  # and read-only path lists itself. The shim does that translation for 1.x and passes everything else through.
  daemon_sock=/var/run/docker.sock
  case "${DOCKER_HOST:-}" in unix://*) daemon_sock="${DOCKER_HOST#unix://}" ;; esac
  node deploy/compose/compose-v1-shim.cjs "$WORK/compose.sock" "$daemon_sock" >"$WORK/shim.log" 2>&1 &
  SHIM_PID=$!
  for _ in $(seq 1 50); do [ -S "$WORK/compose.sock" ] && break; sleep 0.1; done
  [ -S "$WORK/compose.sock" ] || { cat "$WORK/shim.log"; fail "compose-v1-shim did not start"; }
  # COMPOSE_INTERACTIVE_NO_CLI: `run` attaches through docker-py rather than a `docker start --attach` child, whose
  # hijacked attach stalled behind the shim (docker CLI 28 against dockerd 20.10).
  COMPOSE=(env DOCKER_HOST="unix://$WORK/compose.sock" COMPOSE_INTERACTIVE_NO_CLI=1 "${COMPOSE[@]}")
  echo "docker-compose 1.x talks to the daemon through compose-v1-shim.cjs (systempaths=unconfined as Compose v2 sends it)"
fi
done_step

step "base images (local stand-ins where none is present)"
deploy/compose/local-images.sh
done_step

step "fake LLM bundle"
mkdir -p "$WORK/fake"
node_modules/.bin/esbuild test/fakes/llm/cli.ts --bundle --platform=node --target=node22 --format=cjs \
  --log-level=warning --outfile="$WORK/fake/fake-llm.cjs"
chmod -R a+rX "$WORK"
done_step

export POSTGRES_PASSWORD REDIS_PASSWORD API_PORT FAKE_LLM_DIR FAKE_LLM_TEXT STACK_TEST_CONFIG
POSTGRES_PASSWORD="pg$(rand 22)"
REDIS_PASSWORD="rd$(rand 22)"
API_PORT="${STACK_API_PORTS:-24096-24099}"
FAKE_LLM_DIR="$WORK/fake"
FAKE_LLM_TEXT="Reply from the fake LLM inside the compose stack."
STACK_TEST_CONFIG='{"provider":{"fake":{"npm":"@ai-sdk/openai-compatible","name":"Fake","options":{"baseURL":"http://fakellm:4010/v1","apiKey":"x"},"models":{"fake-model":{"name":"Fake","tool_call":true,"limit":{"context":128000,"output":4096}}}}},"enabled_providers":["fake"],"model":"fake/fake-model","small_model":"fake/fake-model"}'
unset BOOTSTRAP_API_KEY ENCRYPTION_KEYS LOG_LEVEL SANDBOX

step "product image (docker-compose build: the real Dockerfile)"
"${COMPOSE[@]}" build migrate
docker image inspect -f 'opencode-api:local {{.Size}} bytes, node {{index .Config.Env 0}}' opencode-api:local || true
docker run --rm --entrypoint node opencode-api:local -e 'console.log("image runs node", process.version)'
done_step

step "up (postgres, redis, migrate, api, worker, fakellm)"
UP=1
"${COMPOSE[@]}" up -d
[ "$(docker inspect -f '{{.State.ExitCode}}' "$(container_of migrate)")" = 0 ] || fail "migrate did not exit 0"
BASE1="http://127.0.0.1:$(host_port api 1)"
wait_ready "$BASE1" 180 || fail "api not ready at $BASE1"
curl -fsS "$BASE1/ready"; echo
"${COMPOSE[@]}" ps
done_step

step "passwords on postgres and redis"
"${COMPOSE[@]}" exec -T redis sh -c 'env -u REDISCLI_AUTH redis-cli ping' | grep -q NOAUTH || fail "redis answered without a password"
"${COMPOSE[@]}" exec -T redis redis-cli ping | grep -q PONG || fail "redis refused its password"
if "${COMPOSE[@]}" exec -T postgres psql -h 127.0.0.1 -U opencode -d opencode -w -Atc 'SELECT 1' >/dev/null 2>&1; then
  fail "postgres let opencode in over TCP without a password"
fi
"${COMPOSE[@]}" exec -T -e PGPASSWORD="$POSTGRES_PASSWORD" postgres \
  psql -h 127.0.0.1 -U opencode -d opencode -w -Atc 'SELECT count(*) FROM "_prisma_migrations"' \
  || fail "postgres refused its password"
echo "redis: NOAUTH without the password; postgres: password authentication required over TCP"
done_step

step "bootstrap (docker-compose run --rm api node dist/cli/bootstrap.js)"
"${COMPOSE[@]}" run --rm -T api node dist/cli/bootstrap.js >"$WORK/bootstrap.log" 2>&1 \
  || { cat "$WORK/bootstrap.log"; fail "bootstrap"; }
KEY=$(sed -n 's/^Platform admin API key: //p' "$WORK/bootstrap.log")
[ -n "$KEY" ] || { cat "$WORK/bootstrap.log"; fail "bootstrap printed no key"; }
"${COMPOSE[@]}" run --rm -T api node dist/cli/bootstrap.js 2>&1 | grep -q 'already exist' || fail "second bootstrap"
AUTH="Authorization: Bearer $KEY"
echo "first platform-admin key printed (${#KEY} characters); a second run changes nothing"
done_step

step "prompt through the API (fake LLM)"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE1/project")" = 401 ] || fail "no key must be 401"
curl -fsS -H "$AUTH" "$BASE1/admin/tenants/current" | grep -q '"slug":"platform"' || fail "authed route"
SESSION_ID=$(curl -fsS -X POST -H "$AUTH" -H 'content-type: application/json' -d '{}' "$BASE1/session" | json_field id) \
  || fail "POST /session"
ANSWER=$(curl -fsS -m 90 -X POST -H "$AUTH" -H 'content-type: application/json' \
  -d '{"parts":[{"type":"text","text":"Say something, please."}]}' "$BASE1/session/$SESSION_ID/message") \
  || fail "prompt"
echo "$ANSWER" | grep -qF "$FAKE_LLM_TEXT" || fail "prompt not answered: $ANSWER"
echo "session $SESSION_ID answered: $FAKE_LLM_TEXT"
done_step

step "a command in the sandbox (bubblewrap inside the api container)"
SANDBOX_STATE=$(curl -fsS "$BASE1/ready" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).sandbox.state))')
[ "$SANDBOX_STATE" = sandboxed ] || fail "sandbox state $SANDBOX_STATE: $(curl -sS "$BASE1/ready")"
MARK="in-bwrap-$(rand 8)"
SHELL_OUT=$(curl -fsS -m 60 -X POST -H "$AUTH" -H 'content-type: application/json' \
  -d "{\"agent\":\"build\",\"command\":\"echo $MARK; id -u\"}" "$BASE1/session/$SESSION_ID/shell") \
  || fail "POST /session/:id/shell"
echo "$SHELL_OUT" | grep -qF "$MARK" || fail "the command's output is missing: $SHELL_OUT"
echo "/ready: sandbox sandboxed; POST /session/:id/shell ran 'echo $MARK' through bwrap"
done_step

step "scale api to 2: an event crosses replicas"
"${COMPOSE[@]}" up -d --no-recreate --scale api=2
[ "$("${COMPOSE[@]}" ps -q api | wc -l)" = 2 ] || fail "not two api containers"
BASE2="http://127.0.0.1:$(host_port api 2)"
[ "$BASE1" != "$BASE2" ] || fail "both replicas on one port"
wait_ready "$BASE2" 180 || fail "second api replica not ready at $BASE2"
curl -sN -H "$AUTH" "$BASE1/global/event" >"$WORK/sse.log" 2>&1 &
SSE_PID=$!
for _ in $(seq 1 100); do grep -q 'server.connected' "$WORK/sse.log" && break; sleep 0.1; done
grep -q 'server.connected' "$WORK/sse.log" || fail "no SSE stream on replica 1"
TITLE="cross-replica-$(rand 8)"
OTHER=$(curl -fsS -X POST -H "$AUTH" -H 'content-type: application/json' -d "{\"title\":\"$TITLE\"}" "$BASE2/session" \
  | json_field id) || fail "POST /session on replica 2"
for _ in $(seq 1 100); do grep -q "$OTHER" "$WORK/sse.log" && break; sleep 0.2; done
grep -q "$OTHER" "$WORK/sse.log" || { cat "$WORK/sse.log"; fail "session $OTHER made on replica 2 never reached replica 1's stream"; }
kill "$SSE_PID" 2>/dev/null; SSE_PID=""
grep -o "\"type\":\"session\.[a-z]*\"[^}]*$OTHER" "$WORK/sse.log" | head -n 1 | cut -c1-120 || true
echo "replica 1 ($BASE1) streamed the session made through replica 2 ($BASE2)"
done_step

step "restart the worker: a job still runs"
WORKER=$(container_of worker)
BEFORE=$(docker inspect -f '{{.State.StartedAt}}' "$WORKER")
"${COMPOSE[@]}" restart worker
AFTER=$(docker inspect -f '{{.State.StartedAt}}' "$WORKER")
[ "$BEFORE" != "$AFTER" ] || fail "worker did not restart"
# The API runs no processors (WORKERS_IN_API=false): only the restarted worker can answer the health job.
HEALTH=$(curl -sS -m 60 -X POST -H "$AUTH" "$BASE2/admin/jobs/health") || fail "health job request"
echo "$HEALTH" | grep -q '"workerPid"' || fail "health job after the restart: $HEALTH"
echo "worker restarted at $AFTER; health job: $HEALTH"
done_step

step "down (containers, network, volumes)"
"${COMPOSE[@]}" down -v --remove-orphans
UP=0
left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | wc -l)
vols=$(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | wc -l)
[ "$left" = 0 ] && [ "$vols" = 0 ] || fail "$left containers and $vols volumes left behind"
done_step
OK=1
echo; echo "stack test ok: image built, stack up with passwords, bootstrap, prompt, 2 api replicas, worker restart, down"
