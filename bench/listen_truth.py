"""What bench/listen_bench.py and bench/listen_replay.py both score by: the keywords said in each
stream, and which detection finds one."""
import csv
import os


def keyword_truth(streams):
    """Per stream name: the keywords said in it, (keyword, start_s, end_s), from the folder's keywords.csv."""
    truth = {}
    path = os.path.join(streams, "keywords.csv")
    for row in (csv.DictReader(open(path)) if os.path.exists(path) else []):
        truth.setdefault(row["stream"], []).append((row["keyword"], float(row["start_s"]), float(row["end_s"])))
    return truth


def first_finding(found, used, keyword, start, end):
    """Index in found [(time, keyword)] of the first detection not in used that finds this keyword (one of
    it from its start to 1 s after its end), or None."""
    return next((i for i, (t, k) in enumerate(found) if i not in used and k == keyword and start <= t <= end + 1.0), None)
