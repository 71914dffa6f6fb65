#!/usr/bin/env python3
"""Evaluates `podclean clean` on labelled episodes built only from recordings
held out of the clean model's training by source (make_clean_episodes --split
test: whole LibriSpeech speakers, whole noise recordings, other files of the
other folders), at a spread of room-tone levels. Prints, per episode and
pooled, for the neural model and for --method energy:

  speech kept      speech recall: labelled speech time not removed
  rm precision     of the removed time, the share that is not speech
  rm recall        of the non-speech time, the share removed
  breath/click/other/tone removed   the same, per kind of non-speech
  cut inside       speech segments that lost more than 20 ms

The "oracle" row is no model at all: the episode's own speech labels through clean's cut
rules (--pad-before, --pad-after, --min-cut: clean's defaults unless given after --), i.e.
the best any frame model can reach with those settings.

Usage: python3 bench/clean_eval.py [--data ../shared/data] [--work /tmp/podclean-clean-eval]
         [--episodes 6] [--seconds 180] [--tones -65,-58,-51,-44,-37,-30] [-- extra clean options]
Always measured with --shorten-pauses 0 (a cut removes the whole pause).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_labels(path):
    out = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                out.append((float(parts[0]), float(parts[1]), parts[2]))
    return out


def merge(intervals):
    out = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def overlap(a, b):
    """Total overlap of two merged interval lists."""
    i = j = 0
    total = 0.0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            total += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def length(a):
    return sum(y - x for x, y in a)


def subtract(a, b):
    """a minus b, both merged."""
    out = []
    for x, y in a:
        cur = x
        for p, q in b:
            if q <= cur or p >= y:
                continue
            if p > cur:
                out.append([cur, p])
            cur = max(cur, q)
        if cur < y:
            out.append([cur, y])
    return out


KINDS = ["breath", "click", "other"]


def score(labels, cuts, duration):
    speech_segments = [(a, b) for a, b, l in labels if l == "speech"]
    speech = merge(speech_segments)
    removed = merge([(c["start"], c["end"]) for c in cuts])
    events = {k: merge([(a, b) for a, b, l in labels if l == k]) for k in KINDS}
    nonspeech = subtract([[0.0, duration]], speech)
    tone = nonspeech
    for k in KINDS:
        tone = subtract(tone, events[k])
    s = {
        "speech_s": length(speech),
        "speech_removed_s": overlap(speech, removed),
        "removed_s": length(removed),
        "nonspeech_s": length(nonspeech),
        "nonspeech_removed_s": overlap(nonspeech, removed),
        "tone_s": length(tone),
        "tone_removed_s": overlap(tone, removed),
        "segments": len(speech_segments),
        "cut_inside": sum(1 for a, b in speech_segments if overlap([[a, b]], removed) > 0.02),
    }
    for k in KINDS:
        ev = events[k]
        s[k + "_s"] = length(ev)
        s[k + "_removed_s"] = overlap(ev, subtract(removed, speech))
    return s


def ratios(s):
    def pct(a, b):
        return 100.0 * a / b if b > 0 else float("nan")
    r = {
        "speech kept": pct(s["speech_s"] - s["speech_removed_s"], s["speech_s"]),
        "rm precision": pct(s["removed_s"] - s["speech_removed_s"], s["removed_s"]) if s["removed_s"] > 0 else 100.0,
        "rm recall": pct(s["nonspeech_removed_s"], s["nonspeech_s"]),
    }
    for k in KINDS:
        r[k] = pct(s[k + "_removed_s"], s[k + "_s"])
    r["tone"] = pct(s["tone_removed_s"], s["tone_s"])
    r["cut inside"] = s["cut_inside"]
    r["segments"] = s["segments"]
    return r


def option(extra, name, default):
    """The value of a clean option among the extra arguments (--name V or --name=V)."""
    for i, x in enumerate(extra):
        if x == name and i + 1 < len(extra):
            return float(extra[i + 1])
        if x.startswith(name + "="):
            return float(x.split("=", 1)[1])
    return default


def oracle_cuts(labels, duration, pad_before, pad_after, min_cut):
    """Cuts a perfect speech detector would give under clean's padding and shortest cut."""
    speech = merge([(a, b) for a, b, l in labels if l == "speech"])
    cuts, start = [], 0.0
    for a, b in speech + [(duration, duration)]:
        end = a - pad_before if a < duration else duration
        if end - start >= min_cut and end > start:
            cuts.append({"start": start, "end": end})
        start = b + pad_after
    return cuts


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit("failed: " + " ".join(cmd) + "\n" + p.stderr)
    return p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--work", default="/tmp/podclean-clean-eval")
    ap.add_argument("--episodes", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--tones", default="-65,-58,-51,-44,-37,-30",
                    help="room-tone level of each episode (dBFS), cycled")
    ap.add_argument("--speech-db", default="-20", help="speech level (dBFS) or range A,B")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--methods", default="neural,energy,oracle")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--reuse", action="store_true", help="keep episodes already in --work")
    ap.add_argument("extra", nargs="*", help="more options for clean (after --)")
    a = ap.parse_args()
    tones = [float(t) for t in a.tones.split(",")]
    eps = os.path.join(a.work, "episodes")
    if not a.reuse or not os.path.isdir(eps):
        shutil.rmtree(eps, ignore_errors=True)
        os.makedirs(eps)
        for e in range(a.episodes):
            tone = tones[e % len(tones)]
            out = os.path.join(a.work, "ep%d" % e)
            shutil.rmtree(out, ignore_errors=True)
            run([os.path.join(a.build, "make_clean_episodes"), a.data, out, "--split", "test", "--episodes", "1",
                 "--seconds", str(a.seconds), "--seed", str(a.seed + e), "--tone-db", "%g,%g" % (tone, tone),
                 "--speech-db", a.speech_db, "--name", "ep%d_tone%d" % (e, int(tone))])
            for f in os.listdir(out):
                shutil.move(os.path.join(out, f), os.path.join(eps, f))
            shutil.rmtree(out)
    names = sorted(f[:-4] for f in os.listdir(eps) if f.endswith(".wav"))
    methods = a.methods.split(",")
    results = {}
    for m in methods:
        if m == "oracle":
            rules = [option(a.extra, "--pad-before", 0.1), option(a.extra, "--pad-after", 0.15),
                     option(a.extra, "--min-cut", 0.3)]
            for n in names:
                labels = read_labels(os.path.join(eps, n + ".txt"))
                duration = float(run(["soxi", "-D", os.path.join(eps, n + ".wav")]))
                results[(m, n)] = score(labels, oracle_cuts(labels, duration, *rules), duration)
            continue
        d = os.path.join(a.work, m)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for n in names:
            os.symlink(os.path.join(eps, n + ".wav"), os.path.join(d, n + ".wav"))
        run([os.path.join(a.build, "podclean"), "clean"] + [os.path.join(d, n + ".wav") for n in names] +
            ["--dry-run", "--cuts", "--shorten-pauses", "0", "--method", m, "--quiet"] + a.extra)
        for n in names:
            cuts = json.load(open(os.path.join(d, n + ".wav.cuts.json")))
            results[(m, n)] = score(read_labels(os.path.join(eps, n + ".txt")), cuts["cuts"], cuts["duration_s"])
    cols = ["speech kept", "rm precision", "rm recall", "breath", "click", "other", "tone", "cut inside", "segments"]
    print("%-22s %-7s " % ("episode", "method") + " ".join("%12s" % c for c in cols))

    def line(name, m, s):
        r = ratios(s)
        print("%-22s %-7s " % (name, m) + " ".join(
            ("%12d" % r[c]) if c in ("cut inside", "segments") else ("%11.2f%%" % r[c]) for c in cols))
    for n in names:
        for m in methods:
            line(n, m, results[(m, n)])
    for m in methods:
        pooled = {}
        for n in names:
            for k, v in results[(m, n)].items():
                pooled[k] = pooled.get(k, 0) + v
        line("POOLED", m, pooled)
    print("goals: speech kept >= 99.8 %, rm precision >= 98 %, rm recall >= 90 %, breath >= 80 %, "
          "cut inside <= 5 per ~377 segments")


if __name__ == "__main__":
    main()
