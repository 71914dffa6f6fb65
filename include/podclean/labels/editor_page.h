// `label-export --editor`: one self-contained HTML page (no server, no
// network) showing a recording's waveform and spectrogram, playing it, and
// letting a person draw, resize, relabel and delete labelled regions, then
// save them as an Audacity label track or JSON that podclean reads.
#pragma once
#include <string>
#include <vector>

#include "podclean/labels/label_track.h"

namespace podclean {

// The audio is embedded (16 kHz mono WAV, base64); label_names are the
// choices offered (existing segment labels are added).
std::string editorPage(const std::string& audio_path, const std::vector<Segment>& segments,
                       std::vector<std::string> label_names);

}  // namespace podclean
