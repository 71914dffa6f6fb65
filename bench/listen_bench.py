#!/usr/bin/env python3
"""Keyword spotting on held-out streams (made by tools/train_listen_model.sh from
recordings the model never trained on): recall, false accepts per hour and
detection latency (from the end of the spoken keyword to the detection), by
running `podclean listen --input STREAM --fast --json` on each stream, then the
CPU share of one core that `listen` takes in real time on one stream.
Usage: python3 bench/listen_bench.py STREAMS_DIR [--threshold T]"""
import csv, json, os, subprocess, sys, time, resource

streams = sys.argv[1]
extra = sys.argv[2:]
podclean = os.path.join(os.path.dirname(__file__), "..", "build", "podclean")
truth = {}
for row in csv.DictReader(open(os.path.join(streams, "keywords.csv"))):
    truth.setdefault(row["stream"], []).append((row["keyword"], float(row["start_s"]), float(row["end_s"])))
hits = misses = false_accepts = 0
latencies = []
seconds = 0.0
for name in sorted(f[:-4] for f in os.listdir(streams) if f.endswith(".wav")):
    out = subprocess.run([podclean, "listen", "--input", os.path.join(streams, name + ".wav"), "--fast", "--json", "--quiet"] + extra,
                         capture_output=True, text=True, check=True).stdout
    found = [json.loads(l) for l in out.splitlines() if l.strip()]
    seconds += float(subprocess.run(["soxi", "-D", os.path.join(streams, name + ".wav")], capture_output=True, text=True).stdout)
    used = set()
    for keyword, start, end in truth.get(name, []):
        match = [i for i, d in enumerate(found) if i not in used and d["keyword"] == keyword and start <= d["time"] <= end + 1.0]
        if match:
            used.add(match[0]); hits += 1; latencies.append(found[match[0]]["time"] - end)
        else:
            misses += 1
    false_accepts += len(found) - len(used)
latencies.sort()
pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
print(f"streams: {seconds / 60:.1f} min, {hits + misses} keywords")
print(f"recall {100 * hits / max(1, hits + misses):.1f} %  ({hits}/{hits + misses})")
print(f"false accepts {false_accepts} = {false_accepts / (seconds / 3600):.1f} per hour")
print(f"latency after the keyword ends: median {1000 * pct(0.5):.0f} ms, p95 {1000 * pct(0.95):.0f} ms")
if os.environ.get("SKIP_CPU"): sys.exit(0)
# CPU in real time: one 60 s stream at real-time pace
first = sorted(f for f in os.listdir(streams) if f.endswith(".wav"))[0]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.time()
subprocess.run([podclean, "listen", "--input", os.path.join(streams, first), "--quiet"] + extra, capture_output=True, check=True)
wall = time.time() - t0
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(f"real-time run: {wall:.1f} s wall, {cpu:.2f} s CPU = {100 * cpu / wall:.1f} % of one core")
