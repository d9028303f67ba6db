"""The scoring tasks of ScoringTimings.cs, timed in lifetimes on the same files: each warmed up once, then the
median of RUNS runs, printed as "task seconds check" (check: the first parameter of a fit, the sum of a prediction). Usage: lifetimes_timings.py MILLION_CSV CDNOW_DIR [RUNS]
(run by benchmarks/scoring-vs-lifetimes.sh, with lifetimes and autograd from ../shared/peers on PYTHONPATH)."""
import sys
import time

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

million_path, cdnow_dir = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
cdnow = pd.read_csv(f"{cdnow_dir}/cdnow_customers_summary.csv")
spend = pd.read_csv(f"{cdnow_dir}/cdnow_customers_summary_with_transactions.csv")
spend = spend[spend["x"] > 0]
million = pd.read_csv(million_path)
published = BetaGeoFitter()
published.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})


def time_task(task, work):
    check = work()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        check = work()
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    print(f"{task} {seconds[len(seconds) // 2]:.6f} {check:.10g}", flush=True)


time_task("bgnbd-fit-cdnow", lambda: BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"]).params_["r"])
time_task("bgnbd-fit-1m", lambda: BetaGeoFitter().fit(million["frequency"], million["recency"], million["T"]).params_["r"])
time_task("gammagamma-fit-cdnow", lambda: GammaGammaFitter().fit(spend["x"], spend["zbar"]).params_["p"])
time_task("pareto-fit-cdnow", lambda: ParetoNBDFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"]).params_["r"])
time_task("conditional-expected-1m", lambda: float(published.conditional_expected_number_of_purchases_up_to_time(39, million["frequency"], million["recency"], million["T"]).sum()))
time_task("p-alive-1m", lambda: float(published.conditional_probability_alive(million["frequency"], million["recency"], million["T"]).sum()))
