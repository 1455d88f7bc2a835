#!/usr/bin/env bash
# Builds the image and checks it the way Kubernetes runs it: read-only root filesystem,
# non-root, healthy, ready, without development dependencies. Needs a container engine
# (CI has none; it runs dockerfile.test.ts instead). Usage: deploy/docker/smoke-test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE="${IMAGE:-ibet:smoke}"
NAME="ibet-smoke-$$"

docker build -f deploy/docker/Dockerfile -t "$IMAGE" .
trap 'docker rm -f "$NAME" >/dev/null 2>&1 || true' EXIT

[ "$(docker run --rm --entrypoint id "$IMAGE" -u)" = "1000" ] || { echo "not uid 1000"; exit 1; }
if docker run --rm --entrypoint node "$IMAGE" -e "require.resolve('vitest')" 2>/dev/null; then
  echo "development dependencies are in the image"; exit 1
fi
if docker run --rm --entrypoint sh "$IMAGE" -c 'touch /app/src/x' 2>/dev/null; then
  echo "the code is writable by the process user"; exit 1
fi

# The embedded database on a volume, everything else read-only, as in the pods.
docker run -d --name "$NAME" --read-only --tmpfs /tmp -v "$NAME:/var/lib/ibet" \
  -p 127.0.0.1::3000 "$IMAGE" >/dev/null
for _ in $(seq 1 60); do
  status="$(docker inspect -f '{{.State.Health.Status}}' "$NAME")"
  [ "$status" = healthy ] && break
  sleep 2
done
[ "$status" = healthy ] || { docker logs "$NAME"; echo "not healthy: $status"; exit 1; }
port="$(docker port "$NAME" 3000/tcp | head -1 | sed 's/.*://')"
curl -fsS "http://127.0.0.1:$port/readyz" && echo
curl -fsS "http://127.0.0.1:$port/metrics" | grep -q '^ibet_http_requests_total' || true
docker rm -f "$NAME" >/dev/null && docker volume rm "$NAME" >/dev/null
echo "smoke test passed: $IMAGE"
