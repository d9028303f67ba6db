#!/usr/bin/env bash
# The local store cluster: redis-server (membership, journals), three silo processes, and the load generator.
#   bash samples/CommunityModel.Orleans/cluster.sh [load options: --stores 1000 --members 1000 --groups 20 --months 1 ...]
# Environment: REDIS_PORT (6390), REDIS_FSYNC (always: every acknowledged write is on disk; everysec is faster),
# KILL_AFTER=seconds: kill -9 the second silo that many seconds into the stream, after the stores and groups are set
# up (the load retries; the end verifies every store it is asked to with --verify).
# Needs redis-server once: apt-get install -y redis-server
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v redis-server > /dev/null || { echo "redis-server is not installed: apt-get install -y redis-server" >&2; exit 2; }
dotnet build -c Release samples/CommunityModel.Orleans -v quiet -nologo > /dev/null
bin=samples/CommunityModel.Orleans/bin/Release/net10.0/CommunityModel.Orleans
port=${REDIS_PORT:-6390}
dir=$(mktemp -d)
pids=()
# The silos stop first, while Redis still answers (a silo whose Redis is gone waits out its membership timeouts for
# minutes); any still running after 20 s is killed; then Redis.
cleanup() {
  kill "${pids[@]:1}" 2> /dev/null || true
  for _ in $(seq 100); do
    alive=0; for p in "${pids[@]:1}"; do kill -0 "$p" 2> /dev/null && alive=1; done
    [ "$alive" = 0 ] && break; sleep 0.2
  done
  kill -9 "${pids[@]:1}" 2> /dev/null || true
  kill "${pids[0]}" 2> /dev/null || true; wait 2> /dev/null || true; rm -rf "$dir"
}
trap cleanup EXIT
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly yes --appendfsync "${REDIS_FSYNC:-always}" > "$dir/redis.log" 2>&1 &
pids+=($!)
until redis-cli -p "$port" ping > /dev/null 2>&1; do sleep 0.1; done
redis-cli -p "$port" flushall > /dev/null
for i in 1 2 3; do
  "$bin" silo --redis "127.0.0.1:$port" --port $((11110 + i)) --gateway $((30000 + i)) --name "silo-$i" > "$dir/silo-$i.log" 2>&1 &
  pids+=($!)
done
for i in 1 2 3; do
  until grep -q " up " "$dir/silo-$i.log" 2> /dev/null; do sleep 0.2; done
done
echo "redis-server on $port (appendfsync ${REDIS_FSYNC:-always}) and three silos up: pids ${pids[*]:1}"
if [ -n "${KILL_AFTER:-}" ]; then
  ( until grep -q "^set up" "$dir/load.out" 2> /dev/null; do sleep 0.2; done; sleep "$KILL_AFTER"
    kill -9 "${pids[2]}"; echo "$(date +%T.%N | cut -c1-12) killed silo-2 (pid ${pids[2]}) with kill -9" >&2 ) &
fi
"$bin" load --redis "127.0.0.1:$port" "$@" | tee "$dir/load.out"
