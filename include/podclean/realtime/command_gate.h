// Voice commands the way smart speakers take them: a command ("stop", "go")
// acts only within a few seconds after the wake word ("computer"), and only
// once per wake word, so a podcast that says "go" or "up" does nothing.
#pragma once
#include <limits>

namespace podclean {

class CommandGate {
 public:
  // window_s <= 0: no wake word needed, every command acts (listen --commands-only).
  explicit CommandGate(double window_s) : window_s_(window_s) {}

  // A wake word was detected at stream time t: commands may follow until t + window.
  void wake(double t) {
    opened_at_ = t;
    open_until_ = t + window_s_;
  }

  // A command detected at stream time t: true when it should act. Acting
  // closes the window (one command per wake word).
  bool accept(double t) {
    if (!open(t)) return false;
    open_until_ = -std::numeric_limits<double>::infinity();  // no effect with window_s <= 0
    return true;
  }

  bool open(double t) const { return window_s_ <= 0 || (t >= opened_at_ + kOwnSoundS && t <= open_until_); }

  // A command detected this soon after the wake word is the wake word's own sound
  // heard by the command model (its smoothing, --command-smooth, may make it fire a
  // few frames later than the wake word's): a command is a word of its own after it.
  static constexpr double kOwnSoundS = 0.25;

 private:
  double window_s_;
  double opened_at_ = -std::numeric_limits<double>::infinity();
  double open_until_ = -std::numeric_limits<double>::infinity();
};

}  // namespace podclean
