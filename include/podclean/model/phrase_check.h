// A second opinion on a wake word from an acoustic model trained on many real
// voices: CMU's English one, run by pocketsphinx in keyphrase-spotting mode
// (Debian's libpocketsphinx3 and pocketsphinx-en-us). listen's own models for a
// custom wake word may have heard only synthetic voices (prep --tts-keyword);
// this one has heard real people say the phonemes of any word in its
// dictionary, so it can confirm a real take they turned down. Torch-free.
#pragma once
#include <map>
#include <memory>
#include <string>

namespace podclean {

struct PhraseCheckOptions {
  // pocketsphinx's keyphrase threshold: the phrase's path must beat a free phone loop by
  // this likelihood ratio. Smaller passes more (1e-20 more than 1e-15).
  double threshold = 1e-15;
  std::string model_dir = "/usr/share/pocketsphinx/model/en-us";  // pocketsphinx-en-us
};

class PhraseCheck {
 public:
  // keyword label -> the words said ("smart_mirror" -> "smart mirror"). A word the
  // dictionary lacks is split into two that it has ("snowboy" -> "snow boy"). Throws
  // UsageError naming the word if neither works, FileError if the model is missing.
  PhraseCheck(const std::map<std::string, std::string>& phrase_of_keyword, PhraseCheckOptions options);
  ~PhraseCheck();
  // The words of a keyword label as heard() will look for them.
  const std::string& phrase(const std::string& keyword) const;
  // Whether the keyword's phrase is heard in these 16 kHz mono samples (-1..1).
  bool heard(const std::string& keyword, const float* samples, size_t count);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "smart_mirror" -> "smart mirror": the default phrase of a keyword label.
std::string phraseOfLabel(const std::string& label);

}  // namespace podclean
