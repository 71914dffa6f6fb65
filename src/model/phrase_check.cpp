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
#include <unordered_map>
#include <vector>

#include "podclean/util/error.h"

namespace podclean {

std::string phraseOfLabel(const std::string& label) {
  std::string phrase = label;
  std::replace(phrase.begin(), phrase.end(), '_', ' ');
  return phrase;
}

// The dictionary's words and their first pronunciations ("word(2)" lines are others).
using Pronunciations = std::unordered_map<std::string, std::string>;
static Pronunciations readDictionary(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FileError(path, "cannot be read (apt-get install pocketsphinx-en-us)");
  Pronunciations dict;
  std::string line;
  while (std::getline(in, line)) {
    const size_t space = line.find(' ');
    if (space != std::string::npos && line.find('(') > space) dict.emplace(line.substr(0, space), line.substr(space + 1));
  }
  return dict;
}

// The phrase in dictionary words: each word as is, or split in two words the
// dictionary has, the split with the longer shorter half ("snow boy", not "s nowboy").
static std::vector<std::string> inDictionary(const std::string& keyword, const std::string& phrase, const Pronunciations& dict) {
  std::istringstream words(phrase);
  std::vector<std::string> out;
  for (std::string word; words >> word;) {
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (dict.count(word)) {
      out.push_back(word);
      continue;
    }
    std::string head, tail;
    for (size_t i = 2; i + 2 <= word.size(); ++i)
      if (dict.count(word.substr(0, i)) && dict.count(word.substr(i)) &&
          std::min(i, word.size() - i) > std::min(head.size(), tail.size()))
        head = word.substr(0, i), tail = word.substr(i);
    if (head.empty())
      throw UsageError("--phrase-check: keyword '" + keyword + "': the word '" + word +
                       "' is not in pocketsphinx's dictionary; give its words with --phrase " + keyword + "=\"...\"");
    out.push_back(head);
    out.push_back(tail);
  }
  if (out.empty()) throw UsageError("--phrase-check: keyword '" + keyword + "' has no words");
  return out;
}

struct PhraseCheck::Impl {
  std::map<std::string, std::string> phrases;  // keyword -> dictionary words
  // One decoder with one keyphrase search per keyword (named by it): the acoustic
  // model is loaded once, and the dictionary holds only the phrases' words.
  ps_decoder_t* decoder = nullptr;
  std::vector<int16_t> pcm;
  ~Impl() {
    if (decoder) ps_free(decoder);
  }
};

PhraseCheck::PhraseCheck(const std::map<std::string, std::string>& phrase_of_keyword, PhraseCheckOptions options)
    : impl_(std::make_unique<Impl>()) {
  const std::string hmm = options.model_dir + "/en-us";
  if (!std::filesystem::exists(hmm + "/mdef"))
    throw FileError(options.model_dir, "has no English acoustic model (apt-get install pocketsphinx-en-us)");
  if (!(options.threshold > 0 && options.threshold < 1)) throw UsageError("--phrase-check-threshold must be in (0, 1)");
  const Pronunciations dict = readDictionary(options.model_dir + "/cmudict-en-us.dict");
  char threshold[32];
  std::snprintf(threshold, sizeof threshold, "%g", options.threshold);
  cmd_ln_t* config = cmd_ln_init(nullptr, ps_args(), TRUE, "-hmm", hmm.c_str(), "-dict", "/dev/null",
                                 "-kws_threshold", threshold, "-logfn", "/dev/null", nullptr);
  impl_->decoder = config ? ps_init(config) : nullptr;
  if (config) cmd_ln_free_r(config);  // the decoder keeps its own reference
  if (!impl_->decoder) throw FileError(options.model_dir, "pocketsphinx could not load it");
  std::set<std::string> added;
  for (const auto& [keyword, phrase] : phrase_of_keyword) {
    std::string words;
    for (const std::string& word : inDictionary(keyword, phrase, dict)) {
      if (added.insert(word).second) ps_add_word(impl_->decoder, word.c_str(), dict.at(word).c_str(), FALSE);
      words += (words.empty() ? "" : " ") + word;
    }
    if (ps_set_keyphrase(impl_->decoder, keyword.c_str(), words.c_str()) < 0)
      throw FileError(options.model_dir, "pocketsphinx could not search for '" + words + "'");
    impl_->phrases[keyword] = words;
  }
}

PhraseCheck::~PhraseCheck() = default;

const std::string& PhraseCheck::phrase(const std::string& keyword) const { return impl_->phrases.at(keyword); }

bool PhraseCheck::heard(const std::string& keyword, const float* samples, size_t count) {
  if (!impl_->phrases.count(keyword) || ps_set_search(impl_->decoder, keyword.c_str()) < 0) return false;
  std::vector<int16_t>& pcm = impl_->pcm;
  pcm.resize(count);
  for (size_t i = 0; i < count; ++i) pcm[i] = int16_t(std::lround(std::clamp(samples[i], -1.f, 1.f) * 32767.f));
  ps_decoder_t* decoder = impl_->decoder;
  ps_start_utt(decoder);
  ps_process_raw(decoder, pcm.data(), pcm.size(), FALSE, TRUE);
  ps_end_utt(decoder);
  int32 score = 0;
  return ps_get_hyp(decoder, &score) != nullptr;
}

}  // namespace podclean
