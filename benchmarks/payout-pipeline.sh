#!/usr/bin/env bash
# The payout job as whole processes, alternating the community CLI and DuckDB on the same files, with wall
# time and peak memory from /usr/bin/time. Usage: bash benchmarks/payout-pipeline.sh [ROUNDS] [ORDERS...]
# (defaults: 3 rounds, 1000000 and 10000000 orders). The CLI is the real `community` executable; DuckDB runs
# from the benchmarks program. Files: $COMMUNITYMODEL_BENCH_DATA or the temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; shift || true
sizes=("${@:-1000000 10000000}")
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
dotnet build benchmarks/CommunityModel.Benchmarks -c Release -v q -nologo > /dev/null
bin=benchmarks/CommunityModel.Benchmarks/bin/Release/net10.0/CommunityModel.Benchmarks
# The CLI as it is deployed for large jobs: published ReadyToRun (compiled ahead, so a run does not spend its
# start compiling). COMMUNITYMODEL_BENCH_CLI=build times the plain build output instead.
if [ "${COMMUNITYMODEL_BENCH_CLI:-published}" = build ]; then
  dotnet build samples/CommunityModel.Cli -c Release -v q -nologo > /dev/null
  community=samples/CommunityModel.Cli/bin/Release/net10.0/community
else
  rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -1)
  # (The runtime-specific restore keeps its lock file in obj/, so the repository's lock files stay as they are.)
  dotnet publish samples/CommunityModel.Cli -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
    -p:NuGetLockFilePath=obj/packages.publish.lock.json -o benchmarks/.cli-published -v q -nologo > /dev/null
  community=benchmarks/.cli-published/community
fi
echo "community: $community" >&2
data=${COMMUNITYMODEL_BENCH_DATA:-${TMPDIR:-/tmp}/communitymodel-payout-bench}
# shellcheck disable=SC2068
"$bin" payout-files ${sizes[@]}
out=$(mktemp -d)
printf '%-10s %-7s %-7s %6s %10s %10s\n' orders path tool round seconds peak_MB
for n in ${sizes[@]}; do
  for mode in totals ledger; do
    for round in $(seq 1 "$rounds"); do
      for tool in cli duckdb; do
        if [ "$tool" = cli ]; then
          args=(commissions --plan "$data/plan.json" --members "$data/members.csv" --orders "$data/orders-$n.csv" --out "$out/cli.csv")
          [ "$mode" = ledger ] && args+=(--refunds "$data/refunds-$n.csv" --holding P2M --zone Asia/Shanghai --as-of 2026-05-15T00:00:00+08:00)
          /usr/bin/time -f '%e %M' -o "$out/time" "$community" "${args[@]}" > /dev/null
        else
          /usr/bin/time -f '%e %M' -o "$out/time" "$bin" duckdb-payouts "$n" "$mode" "$out/duckdb.csv" > /dev/null
        fi
        read -r secs kb < "$out/time"
        printf '%-10s %-7s %-7s %6s %10s %10s\n' "$n" "$mode" "$tool" "$round" "$secs" "$((kb / 1024))"
      done
      cmp -s "$out/cli.csv" "$out/duckdb.csv" || { echo "payout files differ for $n $mode" >&2; exit 1; }
    done
  done
done
rm -rf "$out"
