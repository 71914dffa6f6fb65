#include "podclean/labels/editor_page.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "podclean/audio/audio_reader.h"
#include "podclean/dsp/feature_extractor.h"

namespace podclean {

namespace {

constexpr int kRate = 16000;
constexpr int kColumns = 2000;  // envelope and spectrogram resolution

std::string base64(const std::string& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) v |= uint8_t(bytes[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? table[v & 63] : '=';
  }
  return out;
}

std::string wavBytes(const std::vector<float>& samples) {
  std::string w;
  auto u32 = [&w](uint32_t v) { for (int i = 0; i < 4; ++i) w += char((v >> (8 * i)) & 0xff); };
  auto u16 = [&w](uint16_t v) { w += char(v & 0xff); w += char(v >> 8); };
  const uint32_t data = uint32_t(samples.size() * 2);
  w += "RIFF"; u32(36 + data); w += "WAVEfmt "; u32(16); u16(1); u16(1); u32(kRate); u32(kRate * 2); u16(2); u16(16);
  w += "data"; u32(data);
  for (float s : samples) u16(uint16_t(int16_t(std::lround(std::clamp(s, -1.f, 1.f) * 32767.f))));
  return w;
}

const char* kPage = R"PAGE(<!doctype html>
<html><head><meta charset="utf-8"><title>podclean labels: __TITLE__</title>
<style>
body{font:14px sans-serif;margin:12px;background:#fafafa}
#view{position:relative;width:100%;user-select:none}
canvas{display:block;width:100%;border:1px solid #ccc;background:#fff}
#bar{margin:8px 0;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
#help{color:#555;font-size:12px}
</style></head><body>
<h3>__TITLE__</h3>
<div id="bar">
 <button id="play">Play / pause (space)</button>
 New regions: <select id="label"></select>
 <button id="save-txt">Save Audacity labels</button>
 <button id="save-json">Save JSON</button>
 <span id="status"></span>
</div>
<div id="view"><canvas id="wave" height="160"></canvas><canvas id="spec" height="128"></canvas></div>
<p id="help">Drag on the waveform to mark a region; drag its edges to resize; click it to select.
Keys: 1-9 set the selected region's label, Delete removes it, space plays from the cursor.</p>
<audio id="audio" src="data:audio/wav;base64,__AUDIO__"></audio>
<script>
const DATA = __DATA__;
const labels = DATA.labels, regions = DATA.regions.map(r => ({...r}));
const colours = ["#4e79a7","#f28e2b","#e15759","#76b7b2","#59a14f","#edc948","#b07aa1","#ff9da7","#9c755f"];
const wave = document.getElementById("wave"), spec = document.getElementById("spec");
const audio = document.getElementById("audio"), select = document.getElementById("label");
labels.forEach((l, i) => { const o = document.createElement("option"); o.value = l; o.textContent = (i + 1) + ": " + l; select.appendChild(o); });
let selected = -1, drag = null, cursor = 0;
function fit(c) { c.width = c.clientWidth; }
function xOf(t) { return t / DATA.duration * wave.width; }
function tOf(x) { return Math.max(0, Math.min(DATA.duration, x / wave.width * DATA.duration)); }
function colour(label) { const i = labels.indexOf(label); return colours[(i < 0 ? 0 : i) % colours.length]; }
function drawSpec() {
  fit(spec);
  const g = spec.getContext("2d"), img = g.createImageData(DATA.spec.w, DATA.spec.h), raw = atob(DATA.spec.b64);
  for (let x = 0; x < DATA.spec.w; x++) for (let y = 0; y < DATA.spec.h; y++) {
    const v = raw.charCodeAt(x * DATA.spec.h + (DATA.spec.h - 1 - y)), p = 4 * (y * DATA.spec.w + x);
    img.data[p] = v; img.data[p + 1] = Math.max(0, v * 0.6 - 20); img.data[p + 2] = 255 - v * 0.7; img.data[p + 3] = 255;
  }
  const tmp = document.createElement("canvas"); tmp.width = DATA.spec.w; tmp.height = DATA.spec.h;
  tmp.getContext("2d").putImageData(img, 0, 0);
  g.imageSmoothingEnabled = false; g.drawImage(tmp, 0, 0, spec.width, spec.height);
}
function draw() {
  fit(wave);
  const g = wave.getContext("2d"), h = wave.height, n = DATA.env.length;
  g.clearRect(0, 0, wave.width, h);
  regions.forEach((r, i) => {
    g.fillStyle = colour(r.label) + (i === selected ? "aa" : "55");
    g.fillRect(xOf(r.start), 0, Math.max(1, xOf(r.end) - xOf(r.start)), h);
    g.fillStyle = "#000"; g.fillText(r.label, xOf(r.start) + 3, 12);
  });
  g.strokeStyle = "#333"; g.beginPath();
  const scale = 0.95 / Math.max(1e-3, ...DATA.env.map(e => Math.max(-e[0], e[1])));  // fit the loudest peak
  for (let x = 0; x < wave.width; x++) {
    const e = DATA.env[Math.min(n - 1, Math.floor(x / wave.width * n))];
    g.moveTo(x + 0.5, h / 2 - e[1] * scale * h / 2); g.lineTo(x + 0.5, h / 2 - e[0] * scale * h / 2);
  }
  g.stroke();
  g.strokeStyle = "red"; g.beginPath(); g.moveTo(xOf(cursor), 0); g.lineTo(xOf(cursor), h); g.stroke();
  document.getElementById("status").textContent = regions.length + " regions" +
    (selected >= 0 ? "; selected: " + regions[selected].label + " " + regions[selected].start.toFixed(3) + "-" + regions[selected].end.toFixed(3) + " s" : "");
}
function hit(x) {
  for (let i = regions.length - 1; i >= 0; i--) {
    const a = xOf(regions[i].start), b = xOf(regions[i].end);
    if (Math.abs(x - a) < 5) return {i, edge: "start"};
    if (Math.abs(x - b) < 5) return {i, edge: "end"};
    if (x > a && x < b) return {i, edge: null};
  }
  return null;
}
function px(ev) { const r = wave.getBoundingClientRect(); return (ev.clientX - r.left) * wave.width / r.width; }
wave.addEventListener("mousedown", ev => {
  const x = px(ev), h = hit(x);
  cursor = tOf(x);
  if (h && h.edge) { selected = h.i; drag = {mode: h.edge, i: h.i}; }
  else if (h) { selected = h.i; drag = null; }
  else { drag = {mode: "new", from: tOf(x), to: tOf(x)}; }
  draw();
});
window.addEventListener("mousemove", ev => {
  if (!drag) return;
  const t = tOf(px(ev));
  if (drag.mode === "new") {
    drag.to = t;
    if (drag.i === undefined && Math.abs(xOf(drag.to) - xOf(drag.from)) > 3) {
      regions.push({start: drag.from, end: drag.from, label: select.value}); drag.i = regions.length - 1; selected = drag.i;
    }
    if (drag.i !== undefined) { regions[drag.i].start = Math.min(drag.from, t); regions[drag.i].end = Math.max(drag.from, t); }
  } else {
    const r = regions[drag.i];
    if (drag.mode === "start") r.start = Math.min(t, r.end); else r.end = Math.max(t, r.start);
  }
  draw();
});
window.addEventListener("mouseup", () => {
  const keep = regions[selected];  // sorting moves regions: keep the selection by identity
  drag = null; regions.sort((a, b) => a.start - b.start); selected = regions.indexOf(keep); draw();
});
window.addEventListener("keydown", ev => {
  if (ev.key === " ") { ev.preventDefault(); if (audio.paused) { audio.currentTime = cursor; audio.play(); } else audio.pause(); }
  else if ((ev.key === "Delete" || ev.key === "Backspace") && selected >= 0) { regions.splice(selected, 1); selected = -1; draw(); }
  else if (/^[1-9]$/.test(ev.key) && selected >= 0 && labels[+ev.key - 1]) { regions[selected].label = labels[+ev.key - 1]; draw(); }
});
audio.addEventListener("timeupdate", () => { cursor = audio.currentTime; draw(); });
document.getElementById("play").onclick = () => window.dispatchEvent(new KeyboardEvent("keydown", {key: " "}));
function exportLabels(format) {
  const sorted = [...regions].sort((a, b) => a.start - b.start);
  if (format === "json") return JSON.stringify(sorted.map(r => ({start: +r.start.toFixed(6), end: +r.end.toFixed(6), label: r.label})), null, 1);
  return sorted.map(r => r.start.toFixed(6) + "\t" + r.end.toFixed(6) + "\t" + r.label + "\n").join("");
}
function download(name, text) {
  const a = document.createElement("a"); a.href = URL.createObjectURL(new Blob([text], {type: "text/plain"}));
  a.download = name; a.click();
}
document.getElementById("save-txt").onclick = () => download(DATA.name + ".labels.txt", exportLabels("audacity"));
document.getElementById("save-json").onclick = () => download(DATA.name + ".labels.json", exportLabels("json"));
window.podclean = {regions, exportLabels, labels, duration: DATA.duration};
window.addEventListener("resize", () => { drawSpec(); draw(); });
drawSpec(); draw();
</script></body></html>
)PAGE";

void replaceAll(std::string& text, const std::string& key, const std::string& value) {
  for (size_t at = 0; (at = text.find(key, at)) != std::string::npos; at += value.size()) text.replace(at, key.size(), value);
}

}  // namespace

std::string editorPage(const std::string& audio_path, const std::vector<Segment>& segments, std::vector<std::string> label_names) {
  const std::vector<float> audio = loadMono(audio_path, kRate);
  const double duration = double(audio.size()) / kRate;
  nlohmann::json env = nlohmann::json::array();
  const size_t columns = std::min<size_t>(kColumns, std::max<size_t>(1, audio.size()));
  for (size_t c = 0; c < columns; ++c) {
    const size_t a = c * audio.size() / columns, b = std::max(a + 1, (c + 1) * audio.size() / columns);
    float lo = 0, hi = 0;
    for (size_t i = a; i < std::min(b, audio.size()); ++i) lo = std::min(lo, audio[i]), hi = std::max(hi, audio[i]);
    env.push_back({std::round(lo * 1000) / 1000, std::round(hi * 1000) / 1000});
  }
  FeatureOptions fo;  // log-mel, 64 bands: the same picture the models see
  Matrix mel = computeFeatures(fo, audio);
  const int64_t spec_w = std::min<int64_t>(kColumns, std::max<int64_t>(1, mel.rows));
  std::string spec(size_t(spec_w * fo.n_mels), '\0');
  float top = -1e9f;
  for (float v : mel.data) top = std::max(top, v);
  for (int64_t x = 0; x < spec_w; ++x)
    for (int y = 0; y < fo.n_mels; ++y) {
      float v = -1e9f;  // the loudest frame within this column
      for (int64_t t = x * mel.rows / spec_w; t < std::max(x * mel.rows / spec_w + 1, (x + 1) * mel.rows / spec_w) && t < mel.rows; ++t)
        v = std::max(v, mel.at(t, y));
      spec[size_t(x * fo.n_mels + y)] = char(uint8_t(std::clamp((v - (top - 80.f)) / 80.f * 255.f, 0.f, 255.f)));
    }
  nlohmann::json regions = nlohmann::json::array();
  for (const Segment& s : segments) {
    regions.push_back({{"start", s.start_s}, {"end", s.end_s}, {"label", s.label}});
    if (std::find(label_names.begin(), label_names.end(), s.label) == label_names.end()) label_names.push_back(s.label);
  }
  if (label_names.empty()) label_names = {"speech", "silence", "breath", "click", "music", "noise"};
  const std::string name = std::filesystem::path(audio_path).stem().string();
  nlohmann::json data = {{"duration", duration}, {"env", env}, {"labels", label_names}, {"regions", regions}, {"name", name},
                         {"spec", {{"w", spec_w}, {"h", fo.n_mels}, {"b64", base64(spec)}}}};
  std::string page = kPage;
  std::string title;
  for (char c : name) title += c == '<' ? std::string("&lt;") : c == '&' ? std::string("&amp;") : std::string(1, c);
  replaceAll(page, "__TITLE__", title);
  std::string data_text = data.dump();
  replaceAll(data_text, "</", "<\\/");  // never close the script element early
  replaceAll(page, "__DATA__", data_text);
  replaceAll(page, "__AUDIO__", base64(wavBytes(audio)));
  return page;
}

}  // namespace podclean
