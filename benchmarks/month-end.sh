#!/usr/bin/env bash
# The month-end close as a whole process on the payout pipeline's data: book init, close of March (1M members,
# N orders, the refunds of March), then close of April with no new orders (a reopen: the book read back and the state after March
# read from its snapshots). Wall time and peak memory from /usr/bin/time, phases from close --timings.
# Usage: bash benchmarks/month-end.sh [ORDERS]   (default 10000000; the files are made by the benchmarks program)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000000}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
dotnet build benchmarks/CommunityModel.Benchmarks -c Release -v q -nologo > /dev/null
dotnet build samples/CommunityModel.Cli -c Release -v q -nologo > /dev/null
data=${COMMUNITYMODEL_BENCH_DATA:-${TMPDIR:-/tmp}/communitymodel-payout-bench}
benchmarks/CommunityModel.Benchmarks/bin/Release/net10.0/CommunityModel.Benchmarks payout-files "$n" > /dev/null
community=samples/CommunityModel.Cli/bin/Release/net10.0/community
out=$(mktemp -d)
python3 - "$data/plan.json" "$out/plan.json" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
plan["ranksByTier"] = {"fan": 0, "customer": 0, "member": 0, "partner": 0}
json.dump(plan, open(sys.argv[2], "w"), ensure_ascii=False)
PY
awk -F, 'NR == 1 || ($4 >= "2026-03-01" && $4 < "2026-04-01")' "$data/refunds-$n.csv" > "$out/refunds.csv"
printf 'order_id,buyer_id,product_id,amount,currency,paid_at\n' > "$out/none.csv"
"$community" book init --book "$out/store.db" --plan "$out/plan.json" --membership samples/config/membership.json \
    --ladder samples/config/ladder.json --holding P2M > /dev/null
echo "close 2026-03: 1M members, $n orders"
/usr/bin/time -f 'whole process: %e s, peak %M KB' "$community" close --book "$out/store.db" --month 2026-03 \
    --members "$data/members.csv" --orders "$data/orders-$n.csv" --refunds "$out/refunds.csv" --out "$out/2026-03" --timings 2>&1 | grep -v '^Files'
echo "close 2026-04 (a reopen: the book read back, the state after March read from its snapshots; no new orders)"
/usr/bin/time -f 'whole process: %e s, peak %M KB' "$community" close --book "$out/store.db" --month 2026-04 \
    --orders "$out/none.csv" --out "$out/2026-04" --timings 2>&1 | grep -v '^Files'
ls -la "$out/store.db" | awk '{ print "book: " $5 " bytes" }'
rm -rf "$out"
