// Torch-free: pocketsphinx only.
#include "podclean/model/phrase_check.h"

#include <pocketsphinx.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "podclean/util/error.h"

namespace podclean {

std::string phraseOfLabel(const std::string& label) {
  std::string phrase = label;
  std::replace(phrase.begin(), phrase.end(), '_', ' ');
  return phrase;
}

// The dictionary's words ("word(2)" is a second pronunciation of "word").
static std::set<std::string> dictionaryWords(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FileError(path, "cannot be read (apt-get install pocketsphinx-en-us)");
  std::set<std::string> words;
  std::string line;
  while (std::getline(in, line)) {
    std::string word = line.substr(0, line.find(' '));
    words.insert(word.substr(0, word.find('(')));
  }
  return words;
}

// The phrase in dictionary words: each word as is, or split in two words the
// dictionary has, the split with the longer shorter half ("snow boy", not "s nowboy").
static std::string inDictionary(const std::string& keyword, const std::string& phrase, const std::set<std::string>& dict) {
  std::istringstream words(phrase);
  std::string word, out;
  while (words >> word) {
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    std::string spelled = dict.count(word) ? word : "";
    for (size_t i = 2, best = 0; spelled != word && i + 2 <= word.size(); ++i) {
      const std::string head = word.substr(0, i), tail = word.substr(i);
      if (dict.count(head) && dict.count(tail) && std::min(head.size(), tail.size()) > best) {
        best = std::min(head.size(), tail.size());
        spelled = head + " " + tail;
      }
    }
    if (spelled.empty())
      throw UsageError("--phrase-check: keyword '" + keyword + "': the word '" + word +
                       "' is not in pocketsphinx's dictionary; give its words with --phrase " + keyword + "=\"...\"");
    out += (out.empty() ? "" : " ") + spelled;
  }
  if (out.empty()) throw UsageError("--phrase-check: keyword '" + keyword + "' has no words");
  return out;
}

struct PhraseCheck::Impl {
  std::map<std::string, std::string> phrases;        // keyword -> dictionary words
  std::map<std::string, ps_decoder_t*> decoders;     // keyword -> its keyphrase spotter
  std::vector<int16_t> pcm;
  ~Impl() {
    for (auto& entry : decoders) ps_free(entry.second);
  }
};

PhraseCheck::PhraseCheck(const std::map<std::string, std::string>& phrase_of_keyword, PhraseCheckOptions options)
    : impl_(std::make_unique<Impl>()) {
  const std::string hmm = options.model_dir + "/en-us", dict_path = options.model_dir + "/cmudict-en-us.dict";
  if (!std::filesystem::exists(hmm + "/mdef"))
    throw FileError(options.model_dir, "has no English acoustic model (apt-get install pocketsphinx-en-us)");
  if (!(options.threshold > 0 && options.threshold < 1)) throw UsageError("--phrase-check-threshold must be in (0, 1)");
  const std::set<std::string> dict = dictionaryWords(dict_path);
  char threshold[32];
  std::snprintf(threshold, sizeof threshold, "%g", options.threshold);
  for (const auto& [keyword, phrase] : phrase_of_keyword) {
    const std::string words = inDictionary(keyword, phrase, dict);
    // One decoder per keyword, searching for its phrase alone; each owns its config.
    cmd_ln_t* config = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-dict", dict_path.c_str(),
                                   "-keyphrase", words.c_str(), "-kws_threshold", threshold, "-logfn", "/dev/null",
                                   nullptr);
    ps_decoder_t* decoder = config ? ps_init(config) : nullptr;
    if (config) cmd_ln_free_r(config);
    if (!decoder) throw FileError(options.model_dir, "pocketsphinx could not load it for '" + words + "'");
    impl_->decoders[keyword] = decoder;
    impl_->phrases[keyword] = words;
  }
}

PhraseCheck::~PhraseCheck() = default;

const std::string& PhraseCheck::phrase(const std::string& keyword) const { return impl_->phrases.at(keyword); }

bool PhraseCheck::heard(const std::string& keyword, const float* samples, size_t count) {
  auto it = impl_->decoders.find(keyword);
  if (it == impl_->decoders.end()) return false;
  std::vector<int16_t>& pcm = impl_->pcm;
  pcm.resize(count);
  for (size_t i = 0; i < count; ++i) pcm[i] = int16_t(std::lround(std::clamp(samples[i], -1.f, 1.f) * 32767.f));
  ps_decoder_t* decoder = it->second;
  ps_start_utt(decoder);
  ps_process_raw(decoder, pcm.data(), pcm.size(), FALSE, TRUE);
  ps_end_utt(decoder);
  int32 score = 0;
  return ps_get_hyp(decoder, &score) != nullptr;
}

}  // namespace podclean
