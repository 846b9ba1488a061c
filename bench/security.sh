#!/bin/sh
# The cost of the cluster's security on the hot paths, in one sitting: tasks sync/async and actor calls
# sync/async on a local cluster with the token check on (the default) and off, then on a 1-node CLI
# cluster over TCP with the token, without and with mutual TLS. Prints one JSON line per metric, with
# the configuration. Usage: bench/security.sh [seconds per run, default 2]
set -eu
seconds=${1:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
dotnet build -c Release "$here/bench/RaySharp.Bench" >/dev/null
bin="$here/bench/RaySharp.Bench/bin/Release/net10.0"
filter='single_client_tasks_sync|single_client_tasks_async|1_1_actor_calls_sync|1_1_actor_calls_async'
run() { # config, extra args...
  config=$1; shift
  dotnet "$bin/RaySharp.Bench.dll" --seconds "$seconds" "$@" "$filter" 2>/dev/null | sed "s/}\$/, \"config\": \"$config\"}/"
}
for round in 1 2; do
  RAYSHARP_AUTH_MODE=disabled run auth_off_local
  run auth_on_local
done
work=$(mktemp -d)
trap 'dotnet "$bin/RaySharp.Cli.dll" stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
port=$((20000 + $$ % 20000))
dotnet "$bin/RaySharp.Cli.dll" start --head --port $port --num-cpus 2 >/dev/null
run auth_on_tcp --address 127.0.0.1:$port
dotnet "$bin/RaySharp.Cli.dll" stop >/dev/null
dotnet "$bin/RaySharp.Bench.dll" --make-test-certificates "$work" >/dev/null
dotnet "$bin/RaySharp.Cli.dll" start --head --port $port --num-cpus 2 --tls-cert "$work/cluster-node.pem" --tls-key "$work/cluster-node.key" --tls-ca "$work/cluster-ca.pem" >/dev/null
RAYSHARP_TLS_CERT="$work/cluster-node.pem" RAYSHARP_TLS_KEY="$work/cluster-node.key" RAYSHARP_TLS_CA="$work/cluster-ca.pem" run tls_tcp --address 127.0.0.1:$port
