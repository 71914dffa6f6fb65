#!/usr/bin/env python3
"""Chooses a threshold for each keyword on validation streams (made by
tools/train_listen_model.sh from recordings in neither the training nor the test
set), so that the test streams of bench/listen_bench.py stay untouched by the choice.
Scans the streams once per candidate threshold and, for each keyword, picks the
lowest threshold at which that keyword's false accepts per hour are within its share
of the budget (--max-fa-per-hour, split evenly over the keywords).
Usage: python3 bench/listen_thresholds.py VAL_DIR [VAL_DIR...] [--max-fa-per-hour 0.5] [listen options]
Prints a table per keyword and threshold, then the `listen` options to use."""
import collections, os, sys

sys.path.insert(0, os.path.dirname(__file__))
from listen_bench import run_dir  # noqa: E402

CANDIDATES = [0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99]


def main():
    args = sys.argv[1:]
    budget = 0.5
    if "--max-fa-per-hour" in args:
        i = args.index("--max-fa-per-hour")
        budget = float(args[i + 1])
        del args[i:i + 2]
    dirs = [a for a in args if os.path.isdir(a)]
    extra = [a for a in args if a not in dirs]
    recall, fa_per_hour = {}, {}  # (keyword, threshold) -> value
    for t in CANDIDATES:
        hits, seconds, fa = collections.Counter(), 0.0, collections.Counter()
        total = collections.Counter()
        for streams in dirs:
            _, _, _, false_accepts, s, per_keyword = run_dir(streams, extra + ["--threshold", str(t)])
            seconds += s
            for k, (h, m) in per_keyword.items():
                hits[k] += h; total[k] += h + m
            for k, _, _ in false_accepts:
                fa[k] += 1
        for k in total:
            recall[k, t] = 100 * hits[k] / total[k]
            fa_per_hour[k, t] = fa[k] / (seconds / 3600)
    keywords = sorted({k for k, _ in recall})
    print(f"validation: {seconds / 3600:.2f} h; budget {budget} false accepts/h, {budget / len(keywords):.2f} per keyword")
    print(f"{'keyword':<10} " + " ".join(f"{t:>12}" for t in CANDIDATES) + "   (recall % / false accepts per hour)")
    chosen = {}
    for k in keywords:
        print(f"{k:<10} " + " ".join(f"{recall[k, t]:5.1f}/{fa_per_hour[k, t]:6.2f}" for t in CANDIDATES))
        fits = [t for t in CANDIDATES if fa_per_hour[k, t] <= budget / len(keywords)]
        chosen[k] = fits[0] if fits else CANDIDATES[-1]
    print("listen options: " + " ".join(f"--keyword-threshold {k}={t}" for k, t in chosen.items()))


if __name__ == "__main__":
    main()
