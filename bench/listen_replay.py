#!/usr/bin/env python3
"""Replays listen's verifier decision offline, to compare decision rules without a run each.
Each stream is scanned once with every verifier ask printed as a detection (listen --threshold
0.3 --verify-threshold 0 --refractory 0: each line carries the keyword model's smoothed score and
the verifier's probability), then each rule is replayed on those asks: a keyword fires at the
first ask that passes the rule, with the keyword model's threshold and the 2 s refractory period.
Scored like bench/listen_bench.py: a keyword is found by a detection of it from its start to 1 s
after its end; every other detection is a false accept. Asks come every --verify-hop frames from
where the score passed 0.3, not from where it passed the real threshold, so figures differ from
a real run's (by about a point of mean recall and a false accept or two on the stream sets of
models/README.md): confirm a choice with listen_bench.py.
Usage: python3 bench/listen_replay.py CONDITION [CONDITION...] [listen options: --model M ...]
where a CONDITION is one or more stream directories joined by commas (e.g. the keyword streams and
the keyword-free hours of one channel). Prints, per rule and threshold, each condition's recall,
their mean and the false accepts of all.
(JOBS=N scans N streams at once, default 2; PODCLEAN=path runs that binary; VERIFIERS=a.pt,b.pt averages
the probabilities of several verifiers, as an ensemble would.)"""
import concurrent.futures, json, os, subprocess, sys
from listen_truth import first_finding, keyword_truth

conditions = [a.split(",") for a in sys.argv[1:] if all(os.path.isdir(d) for d in a.split(","))]
extra = [a for a in sys.argv[1:] if a.split(",") not in conditions]
verifiers = [v for v in os.environ.get("VERIFIERS", "").split(",") if v]
podclean = os.environ.get("PODCLEAN") or os.path.join(os.path.dirname(__file__), "..", "build", "podclean")
TRACE = ["--fast", "--json", "--quiet", "--threshold", "0.3", "--verify-threshold", "0", "--refractory", "0"]


def trace(wav, more):
    out = subprocess.run([podclean, "listen", "--input", wav] + TRACE + extra + more,
                         capture_output=True, text=True, check=True).stdout
    return [(d["time"], d["keyword"], d["score"], d["verify"]) for d in map(json.loads, filter(None, out.splitlines()))]


def asks(wav):
    """Every verifier ask in one stream: (time, keyword, keyword score, verifier probability).
    With VERIFIERS=a.pt,b.pt each verifier is traced and their probabilities averaged: the asks
    fall on the same frames, since where they fall follows the keyword model's score alone (but
    for a rare score within rounding of 0.3 from run to run: such an ask keeps the verifiers that
    were asked there)."""
    runs = [trace(wav, ["--verifier", v]) for v in verifiers] or [trace(wav, [])]
    merged = {}  # (time, keyword) -> (keyword score, each verifier's probability there)
    for run in runs:
        for t, k, score, verify in run:
            merged.setdefault((t, k), (score, []))[1].append(verify)
    return sorted((t, k, score, sum(p) / len(p)) for (t, k), (score, p) in merged.items())


def load(streams):
    truth = keyword_truth(streams)
    names = sorted(f[:-4] for f in os.listdir(streams) if f.endswith(".wav"))
    with concurrent.futures.ThreadPoolExecutor(int(os.environ.get("JOBS", "2"))) as pool:
        traced = list(pool.map(asks, [os.path.join(streams, n + ".wav") for n in names]))
    return [(truth.get(n, []), a) for n, a in zip(names, traced)]


def replay(stream_asks, threshold, agrees, refractory=2.0):
    fired, last = [], {}
    for t, keyword, score, verify in stream_asks:
        if score < threshold or t - last.get(keyword, -1e9) < refractory or not agrees(score, verify): continue
        fired.append((t, keyword))
        last[keyword] = t
    return fired


def score(streams, threshold, agrees):
    """Recall (%) and false accepts of one condition's streams under one rule."""
    hits = misses = false_accepts = 0
    for truth, stream_asks in streams:
        found, used = replay(stream_asks, threshold, agrees), set()
        for keyword, start, end in truth:
            i = first_finding(found, used, keyword, start, end)
            if i is not None: used.add(i); hits += 1
            else: misses += 1
        false_accepts += len(found) - len(used)
    return 100.0 * hits / max(1, hits + misses), false_accepts


RULES = {
    "verifier >= V": lambda v_min: lambda score, verify: verify >= v_min,
    "cbrt(score x verifier^2) >= V": lambda v_min: lambda score, verify: score * verify * verify >= v_min ** 3,
    "sqrt(score x verifier) >= V": lambda v_min: lambda score, verify: score * verify >= v_min ** 2,
}
data = [[stream for d in dirs for stream in load(d)] for dirs in conditions]
print(f"recall in each of {len(data)} conditions, their mean, false accepts; keyword model threshold 0.6")
for name, rule in RULES.items():
    for v in (0.7, 0.75, 0.8, 0.85):
        results = [score(streams, 0.6, rule(v)) for streams in data]
        print(f"{name.replace('V', str(v)):34s} " + " / ".join(f"{r:.1f}" for r, _ in results) +
              f"  mean {sum(r for r, _ in results) / len(results):.1f} %  false accepts {sum(f for _, f in results)}")
