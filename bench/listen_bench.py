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
(SKIP_CPU=1 skips the real-time run; JOBS=N scans N streams at once, default 2; PODCLEAN=path runs
that binary instead of build/podclean, e.g. a copy of an older build to compare with.)
--gated: streams of "wake word, pause, command" clips (bench/listen_commands_bench.sh makes
them; keywords.csv names each clip's command): listen runs with --commands, and each clip
counts as right when the first command that acts in it is its own; printed: the share right
of the clips whose wake word was detected (issue 19's measure), and wrong actions per hour
(a wrong command, or one where none was said) over all streams given."""
import collections, concurrent.futures, csv, json, os, subprocess, sys, time, resource
from listen_truth import first_finding, keyword_truth

dirs = [a for a in sys.argv[1:] if os.path.isdir(a)]
gated = "--gated" in sys.argv
extra = [a for a in sys.argv[1:] if a not in dirs and a != "--gated"] + (["--commands"] if gated else [])
podclean = os.environ.get("PODCLEAN") or os.path.join(os.path.dirname(__file__), "..", "build", "podclean")


def rows(path):
    return list(csv.DictReader(open(path))) if os.path.exists(path) else []


def scan(wav):
    """Detections in one stream (listen as fast as it can) and the stream's length in seconds."""
    out = subprocess.run([podclean, "listen", "--input", wav, "--fast", "--json", "--quiet"] + extra,
                         capture_output=True, text=True, check=True).stdout
    duration = float(subprocess.run(["soxi", "-D", wav], capture_output=True, text=True).stdout)
    return [json.loads(l) for l in out.splitlines() if l.strip()], duration


def scan_all(wavs):
    """scan() of each stream, JOBS at a time."""
    with concurrent.futures.ThreadPoolExecutor(int(os.environ.get("JOBS", "2"))) as pool:
        return list(pool.map(scan, wavs))


def run_dir(streams):
    truth, playing = keyword_truth(streams), {}
    for row in rows(os.path.join(streams, "negatives.csv")):
        playing.setdefault(row["stream"], []).append((os.path.basename(os.path.dirname(row["source"])) + "/" +
                                                      os.path.basename(row["source"]), float(row["start_s"]), float(row["end_s"])))
    hits = misses = 0
    latencies, false_accepts, seconds = [], [], 0.0
    per_keyword = collections.defaultdict(lambda: [0, 0])  # keyword -> [hits, misses]
    names = sorted(f[:-4] for f in os.listdir(streams) if f.endswith(".wav"))
    scans = scan_all([os.path.join(streams, name + ".wav") for name in names])
    for name, (found, duration) in zip(names, scans):
        seconds += duration
        used, times = set(), [(d["time"], d["keyword"]) for d in found]
        for keyword, start, end in truth.get(name, []):
            i = first_finding(times, used, keyword, start, end)
            if i is not None:
                used.add(i); hits += 1; latencies.append(found[i]["time"] - end)
                per_keyword[keyword][0] += 1
            else:
                misses += 1
                per_keyword[keyword][1] += 1
        for i, d in enumerate(found):
            if i in used: continue
            near = [src for src, a, b in playing.get(name, []) if a - 0.2 <= d["time"] <= b + 1.0]
            false_accepts.append((d["keyword"], near[0] if near else "(background only)", f"{name} {d['time']:.2f}s"))
    return hits, misses, latencies, false_accepts, seconds, per_keyword


def run_gated(dirs):
    """Wake word then command, per clip; every command detection listen prints has acted."""
    clips = {}  # stream path -> [(command, start, end)]
    for streams in dirs:
        for row in rows(os.path.join(streams, "keywords.csv")):
            clips.setdefault(os.path.join(streams, row["stream"]), []).append(
                (row["keyword"], float(row["start_s"]), float(row["end_s"])))
    commands = {c for found in clips.values() for c, _, _ in found}
    names = sorted(os.path.join(d, f[:-4]) for d in dirs for f in os.listdir(d) if f.endswith(".wav"))
    scans = scan_all([name + ".wav" for name in names])
    said = {}  # stream path -> [(folder of a negative, start, end)]: wake words said with no command after
    for streams in dirs:
        for row in rows(os.path.join(streams, "negatives.csv")):
            said.setdefault(os.path.join(streams, row["stream"]), []).append(
                (os.path.basename(os.path.dirname(row["source"])), float(row["start_s"]), float(row["end_s"])))
    per_command = collections.defaultdict(lambda: [0, 0, 0])  # command -> [clips, wake heard, right]
    wrong, seconds, false_wakes, wakes_alone = [], 0.0, 0, 0
    for name, (found, duration) in zip(names, scans):
        seconds += duration
        wakes = [d["time"] for d in found if d["keyword"] not in commands]
        wake_words = {d["keyword"] for d in found if d["keyword"] not in commands}
        def why(t):  # what opened the gate that a command acted in with no command said
            if any(a <= t <= b + 6.0 for _, a, b in clips.get(name, [])):
                return "after a clip's missed command"
            if any(folder in wake_words and a <= t <= b + 6.0 for folder, a, b in said.get(name, [])):
                return "after a wake word said alone"
            return "after a false wake word"
        acts = [d for d in found if d["keyword"] in commands]
        used = set()
        for command, start, end in clips.get(name, []):
            counts = per_command[command]
            counts[0] += 1
            counts[1] += any(start <= t <= end + 1.0 for t in wakes)
            inside = [i for i, d in enumerate(acts) if i not in used and start <= d["time"] <= end + 1.0]
            if not inside: continue
            used.add(inside[0])
            if acts[inside[0]]["keyword"] == command: counts[2] += 1
            else: wrong.append((acts[inside[0]]["keyword"], "a wrong command", f"for '{command}' {name} {acts[inside[0]]['time']:.2f}s"))
        wrong += [(d["keyword"], why(d["time"]), f"{name} {d['time']:.2f}s") for i, d in enumerate(acts) if i not in used]
        spoken = clips.get(name, []) + [(f, a, b) for f, a, b in said.get(name, []) if f in wake_words]
        false_wakes += sum(not any(a <= t <= b + 1.0 for _, a, b in spoken) for t in wakes)
        wakes_alone += sum(f in wake_words for f, _, _ in said.get(name, []))
    total = [sum(c[i] for c in per_command.values()) for i in range(3)]
    print(f"{len(names)} streams, {seconds / 3600:.2f} h; {total[0]} clips, wake word detected in {total[1]}; "
          f"{wakes_alone} wake words said with no command after; {false_wakes} false wake words")
    if total[1]:
        print(f"right command after a detected wake word: {100 * total[2] / total[1]:.1f} % ({total[2]}/{total[1]}); "
              f"of all clips {100 * total[2] / total[0]:.1f} %")
    print(f"wrong actions: {len(wrong)} = {len(wrong) / (seconds / 3600):.2f} per hour")
    for kind, n in collections.Counter(kind for _, kind, _ in wrong).items():
        print(f"  {kind}: {n} = {n / (seconds / 3600):.2f} per hour")
    for c, (n, heard, right) in sorted(per_command.items()):
        print(f"  {c:<8} right {right}/{heard} after a detected wake word ({n} clips)")
    for keyword, kind, where in wrong[:10]:
        print(f"  wrong action {keyword:<8} {kind:<30} {where}")


if gated:
    run_gated(dirs)
    sys.exit(0)
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
