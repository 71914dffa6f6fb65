#include "podclean/dsp/feature_json.h"

#include <limits>
#include <type_traits>

#include "podclean/util/error.h"

namespace podclean {

nlohmann::json toJson(const FeatureOptions& o) {
  nlohmann::json j = {
      {"kind", toString(o.kind)},
      {"sample_rate_hz", o.sample_rate_hz},
      {"n_fft", o.n_fft},
      {"win_length", o.win_length},
      {"hop_length", o.hop_length},
      {"center", o.center},
      {"pad_mode", o.pad_mode == PadMode::kConstant ? "constant" : "reflect"},
      {"window", "hann"},
      {"n_mels", o.n_mels},
      {"fmin_hz", o.fmin_hz},
      {"fmax_hz", o.fmaxHz()},
      {"mel_scale", o.mel_scale == MelScale::kSlaney ? "slaney" : "htk"},
      {"mel_norm", o.mel_norm == MelNorm::kSlaney ? "slaney" : "none"},
      {"log", o.log},
      {"db_ref", o.db_ref},
      {"top_db", o.top_db},
      {"amin", o.amin},
      {"n_mfcc", o.n_mfcc},
      {"lifter", o.lifter},
      {"delta_order", o.delta_order},
      {"trim_db", o.trim_db},
      {"clip_cmn", o.clip_cmn},
      {"num_features", o.numFeatures()},
  };
  // Written only when on: a header without it is a model from before level
  // normalisation, and loads with it off.
  if (o.level_norm) {
    j["level_norm"] = true;
    j["level_lookahead_s"] = o.level_lookahead_s;
  }
  return j;
}

FeatureOptions featureOptionsFromJson(const nlohmann::json& j) {
  FeatureOptions o;
  try {
    if (j.contains("kind")) o.kind = featureKindFromString(j.at("kind").get<std::string>());
    auto get = [&](const char* key, auto& field) {
      using T = std::decay_t<decltype(field)>;
      if (!j.contains(key)) return;
      const nlohmann::json& v = j.at(key);
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {  // no float-to-int cast (UB when out of range)
        if (!v.is_number_integer() || v.get<int64_t>() < std::numeric_limits<T>::min() ||
            v.get<int64_t>() > std::numeric_limits<T>::max())
          throw Error(std::string(key) + " (not an integer in range)");
        field = T(v.get<int64_t>());
      } else {
        field = v.get<T>();
      }
    };
    get("sample_rate_hz", o.sample_rate_hz);
    get("n_fft", o.n_fft);
    get("win_length", o.win_length);
    get("hop_length", o.hop_length);
    get("center", o.center);
    get("n_mels", o.n_mels);
    get("fmin_hz", o.fmin_hz);
    get("fmax_hz", o.fmax_hz);
    get("log", o.log);
    get("db_ref", o.db_ref);
    get("top_db", o.top_db);
    get("amin", o.amin);
    get("n_mfcc", o.n_mfcc);
    get("lifter", o.lifter);
    get("delta_order", o.delta_order);
    get("trim_db", o.trim_db);
    get("clip_cmn", o.clip_cmn);
    get("level_norm", o.level_norm);
    get("level_lookahead_s", o.level_lookahead_s);
    std::string text;
    if (j.contains("pad_mode")) {
      text = j.at("pad_mode").get<std::string>();
      if (text != "constant" && text != "reflect") throw Error("pad_mode '" + text + "'");
      o.pad_mode = text == "constant" ? PadMode::kConstant : PadMode::kReflect;
    }
    if (j.contains("mel_scale")) {
      text = j.at("mel_scale").get<std::string>();
      if (text != "slaney" && text != "htk") throw Error("mel_scale '" + text + "'");
      o.mel_scale = text == "slaney" ? MelScale::kSlaney : MelScale::kHtk;
    }
    if (j.contains("mel_norm")) {
      text = j.at("mel_norm").get<std::string>();
      if (text != "slaney" && text != "none") throw Error("mel_norm '" + text + "'");
      o.mel_norm = text == "slaney" ? MelNorm::kSlaney : MelNorm::kNone;
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("feature configuration: ") + e.what());
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw Error(std::string("feature configuration: bad ") + e.what());
  }
  o.Validate();
  return o;
}

}  // namespace podclean
