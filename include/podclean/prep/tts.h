// Keyword recordings from offline text-to-speech, for wake words nobody has
// recorded: many takes of a phrase from Debian's espeak-ng (voices, their
// variants, other languages' accents, speeds, pitches), flite (its voices,
// speeds, pitches) and, when asked for, festival (its festvox voices, English
// and other languages', speeds). Real voices differ from these; the
// streams' mixing and the channel chain then vary level, room and noise on top.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace podclean {

// "hey pod" -> "hey_pod": the label (and folder name) of a phrase.
std::string ttsLabel(const std::string& phrase);

// Which synthesisers say the takes (prep's --tts-engines, whose default leaves festival out:
// trained with a third of its takes, the example wake-word model found fewer real takes at the
// same false accepts, models/README.md).
struct TtsEngines {
  bool espeak = false, flite = false, festival = false;
};

// {"espeak-ng", "flite", "festival"}, any of them; throws UsageError on another name or none.
TtsEngines parseTtsEngines(const std::vector<std::string>& names);

// Writes `takes` WAV files of phrase into dir (created), each a random voice,
// variant, speed and pitch drawn with seed; returns how many were written.
// festival, when asked for with another engine, says a third of the takes. Engines that are
// not installed are skipped (festival's share then goes to the others); throws Error when
// none of them can be run.
int synthesizeKeywordTakes(const std::string& phrase, const std::string& dir, int takes, uint64_t seed,
                           const TtsEngines& engines);

}  // namespace podclean
