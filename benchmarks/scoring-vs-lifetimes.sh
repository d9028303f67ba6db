#!/usr/bin/env bash
# The scoring tasks side by side with the Python library lifetimes (../shared/peers), alternating rounds on the
# same input files, and each task's ratio lifetimes / CommunityModel. Usage:
#   bash benchmarks/scoring-vs-lifetimes.sh [ROUNDS] [RUNS]     (defaults: 2 rounds, median of 5 runs per task)
# Needs Debian's python3-numpy, python3-scipy, python3-pandas, python3-dill (see ../shared/peers/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
runs=${2:-5}
peers=../shared/peers
[ -d "$peers/lifetimes" ] || { echo "needs $peers/lifetimes (the workplace's peers folder)" >&2; exit 2; }
dotnet build benchmarks/CommunityModel.Benchmarks -c Release -v q -nologo > /dev/null
bin=benchmarks/CommunityModel.Benchmarks/bin/Release/net10.0/CommunityModel.Benchmarks
data=${COMMUNITYMODEL_BENCH_DATA:-${TMPDIR:-/tmp}/communitymodel-scoring-bench}
out=$(mktemp -d)
for round in $(seq 1 "$rounds"); do
  "$bin" scoring-timings "$data" "$runs" > "$out/ours-$round.txt"
  PYTHONPATH="$peers/lifetimes:$peers/autograd" /usr/bin/python3 benchmarks/lifetimes_timings.py "$data/million-summary.csv" ../shared/data/cdnow "$runs" > "$out/lifetimes-$round.txt" 2> "$out/lifetimes-$round.err" \
    || { cat "$out/lifetimes-$round.err" >&2; exit 1; }
done
printf '%-26s %6s %12s %12s %8s   %s\n' task round ours_s lifetimes_s ratio "checks (ours | lifetimes)"
for round in $(seq 1 "$rounds"); do
  join <(sort "$out/ours-$round.txt") <(sort "$out/lifetimes-$round.txt") | while read -r task ours check lt check2; do
    printf '%-26s %6s %12s %12s %7.1fx   %s | %s\n' "$task" "$round" "$ours" "$lt" "$(echo "$lt / $ours" | bc -l)" "$check" "$check2"
  done
done
rm -rf "$out"
