#!/usr/bin/env python3
"""Keyword spotting on held-out streams made by tools/train_listen_model.sh from
recordings the model never trained on: recall and detection latency (from the
end of the spoken keyword to the detection) on streams with keywords, false
accepts per hour on every stream (streams made with --keywords-per-minute 0 are
an hour of other speech over noise and music), each false accept traced to the
recording playing at the time; then the CPU share of one core that `listen`
takes in real time on one stream.
Usage: python3 bench/listen_bench.py STREAMS_DIR [STREAMS_DIR...] [--threshold T ...]
(other arguments go to listen: --no-verifier, --verify-threshold V, --model M ...)
(SKIP_CPU=1 skips the real-time run; JOBS=N scans N streams at once, default 2.)"""
import collections, concurrent.futures, csv, json, os, subprocess, sys, time, resource

dirs = [a for a in sys.argv[1:] if os.path.isdir(a)]
extra = [a for a in sys.argv[1:] if a not in dirs]
podclean = os.path.join(os.path.dirname(__file__), "..", "build", "podclean")


def rows(path):
    return list(csv.DictReader(open(path))) if os.path.exists(path) else []


def scan(wav):
    """Detections in one stream (listen as fast as it can) and the stream's length in seconds."""
    out = subprocess.run([podclean, "listen", "--input", wav, "--fast", "--json", "--quiet"] + extra,
                         capture_output=True, text=True, check=True).stdout
    duration = float(subprocess.run(["soxi", "-D", wav], capture_output=True, text=True).stdout)
    return [json.loads(l) for l in out.splitlines() if l.strip()], duration


def run_dir(streams):
    truth, playing = {}, {}
    for row in rows(os.path.join(streams, "keywords.csv")):
        truth.setdefault(row["stream"], []).append((row["keyword"], float(row["start_s"]), float(row["end_s"])))
    for row in rows(os.path.join(streams, "negatives.csv")):
        playing.setdefault(row["stream"], []).append((os.path.basename(os.path.dirname(row["source"])) + "/" +
                                                      os.path.basename(row["source"]), float(row["start_s"]), float(row["end_s"])))
    hits = misses = 0
    latencies, false_accepts, seconds = [], [], 0.0
    per_keyword = collections.defaultdict(lambda: [0, 0])  # keyword -> [hits, misses]
    names = sorted(f[:-4] for f in os.listdir(streams) if f.endswith(".wav"))
    with concurrent.futures.ThreadPoolExecutor(int(os.environ.get("JOBS", "2"))) as pool:
        scans = list(pool.map(lambda name: scan(os.path.join(streams, name + ".wav")), names))
    for name, (found, duration) in zip(names, scans):
        seconds += duration
        used = set()
        for keyword, start, end in truth.get(name, []):
            match = [i for i, d in enumerate(found) if i not in used and d["keyword"] == keyword and start <= d["time"] <= end + 1.0]
            if match:
                used.add(match[0]); hits += 1; latencies.append(found[match[0]]["time"] - end)
                per_keyword[keyword][0] += 1
            else:
                misses += 1
                per_keyword[keyword][1] += 1
        for i, d in enumerate(found):
            if i in used: continue
            near = [src for src, a, b in playing.get(name, []) if a - 0.2 <= d["time"] <= b + 1.0]
            false_accepts.append((d["keyword"], near[0] if near else "(background only)", f"{name} {d['time']:.2f}s"))
    return hits, misses, latencies, false_accepts, seconds, per_keyword


total_hits = total_misses = 0
all_latencies, all_fa, total_s = [], [], 0.0
all_per_keyword = collections.defaultdict(lambda: [0, 0])
for streams in dirs:
    hits, misses, latencies, fa, seconds, per_keyword = run_dir(streams)
    for k, (h, m) in per_keyword.items():
        all_per_keyword[k][0] += h; all_per_keyword[k][1] += m
    line = f"{streams}: {seconds / 60:.1f} min"
    if hits + misses:
        line += f", recall {100 * hits / (hits + misses):.1f} % ({hits}/{hits + misses})"
    print(line + f", false accepts {len(fa)} = {len(fa) / (seconds / 3600):.1f} per hour")
    total_hits += hits; total_misses += misses; all_latencies += latencies; all_fa += fa; total_s += seconds
all_latencies.sort()
pct = lambda q: all_latencies[min(len(all_latencies) - 1, int(q * len(all_latencies)))] if all_latencies else float("nan")
print(f"all: false accepts {len(all_fa)} in {total_s / 3600:.2f} h = {len(all_fa) / (total_s / 3600):.1f} per hour")
if total_hits + total_misses:
    print(f"recall {100 * total_hits / (total_hits + total_misses):.1f} %; latency after the keyword ends: "
          f"median {1000 * pct(0.5):.0f} ms, p95 {1000 * pct(0.95):.0f} ms")
for k, (h, m) in sorted(all_per_keyword.items()):
    print(f"  {k:<14} missed {100 * m / (h + m):.1f} % ({m}/{h + m})")
for (keyword, source), n in collections.Counter((k, s) for k, s, _ in all_fa).most_common(8):
    print(f"  false accept {keyword:<10} x{n} during {source}")
if os.environ.get("SKIP_CPU") or not dirs: sys.exit(0)
# CPU in real time: one 60 s stream at real-time pace
first = sorted(f for f in os.listdir(dirs[0]) if f.endswith(".wav"))[0]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.time()
subprocess.run([podclean, "listen", "--input", os.path.join(dirs[0], first), "--quiet"] + extra, capture_output=True, check=True)
wall = time.time() - t0
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print(f"real-time run: {wall:.1f} s wall, {cpu:.2f} s CPU = {100 * cpu / wall:.1f} % of one core")
