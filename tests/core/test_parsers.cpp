// Parsers of outside data under hostile input (issue 14): each case is a
// crash or silent damage found by hand or by the fuzz targets in fuzz/.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <cstring>
#include <fstream>
#include <sstream>

#include "podclean/clean/clean_job.h"
#include "podclean/io/model_header.h"
#include "podclean/io/npy.h"
#include "podclean/io/pcm_datagram.h"
#include "podclean/labels/annotation_io.h"
#include "podclean/realtime/capture.h"
#include "podclean/prep/dataset.h"
#include "podclean/util/atomic_file.h"
#include "podclean/util/error.h"
#include "test_util.h"

using namespace podclean;
using nlohmann::json;

namespace {

std::string textGridWithLabel(const std::string& label) {
  return "File type = \"ooTextFile\"\nObject class = \"TextGrid\"\nitem []:\n  item [1]:\n"
         "    class = \"IntervalTier\"\n    name = \"labels\"\n    intervals [1]:\n      xmin = 0.5\n"
         "      xmax = 1.25\n      text = \"" + label + "\"\n";
}

std::string npyBytes(const std::string& descr, const std::string& shape, size_t payload_bytes) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shape + "), }";
  dict.resize(117, ' ');
  dict += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + char(dict.size() & 0xff) + char(dict.size() >> 8) + dict +
         std::string(payload_bytes, '\0');
}

NpyArray npyFrom(const std::string& bytes) {
  std::istringstream in(bytes);
  return readNpy(in, "x.npy");
}

// A shipped model file cut into its header JSON and the bytes after it.
struct ModelParts {
  json header;
  std::string weights;  // u64 size + archive
};

ModelParts splitModel(const std::string& path) {
  const std::string bytes = readTextFile(path);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(bytes[15 + i])) << (8 * i);
  return {json::parse(bytes.substr(23, n)), bytes.substr(23 + n)};
}

std::string joinModel(const ModelParts& m) {
  const std::string head = m.header.dump();
  std::string out = "PODCLEAN-MODEL\n";
  for (int i = 0; i < 8; ++i) out += char((uint64_t(head.size()) >> (8 * i)) & 0xff);
  return out + head + m.weights;
}

const std::string kModels = std::string(PODCLEAN_TEST_DATA) + "/../../models/";

}  // namespace

TEST_CASE("a TextGrid label of 100 KB is read whole (std::regex overflowed the stack at ~30 KB)", "[parsers][labels]") {
  const std::string label(100000, 'a');
  auto segments = parseAnnotations(textGridWithLabel(label), "long.TextGrid", LabelFormat::kTextGrid);
  REQUIRE(segments.size() == 1);
  CHECK(segments[0].label == label);
  CHECK(segments[0].start_s == 0.5);
  CHECK(segments[0].end_s == 1.25);
  // Praat's doubled quotes, and a bad number named by line instead of "internal error: stod".
  CHECK(parseAnnotations(textGridWithLabel("say \"\"hi\"\""), "q.TextGrid", LabelFormat::kTextGrid)[0].label ==
        "say \"hi\"");
  std::string bad = textGridWithLabel("x");
  bad.replace(bad.find("0.5"), 3, "-");
  CHECK_THROWS_WITH(parseAnnotations(bad, "bad.TextGrid", LabelFormat::kTextGrid),
                    Catch::Contains("bad.TextGrid:8") && Catch::Contains("bad xmin"));
}

TEST_CASE("label times that are not finite numbers are refused by line", "[parsers][labels]") {
  // The seed page's frame arrays: times are index * hop_s, which can overflow to inf.
  CHECK_THROWS_WITH(parseAnnotations("{\"labels\": [0, 1, 1], \"hop_s\": 1e308}", "inf.json", LabelFormat::kJson),
                    Catch::Contains("inf.json: segment 2") && Catch::Contains("not a finite number"));
  CHECK_THROWS_WITH(parseAnnotations("start,end,label\n0,inf,x\n", "inf.csv", LabelFormat::kCsv), Catch::Contains("inf.csv:2"));
}

TEST_CASE(".npy headers are checked against the file before anything is allocated", "[parsers][npy]") {
  const NpyArray ok = npyFrom(npyBytes("<f4", "2, 3", 24));
  CHECK(ok.shape == std::vector<int64_t>{2, 3});
  CHECK(ok.f32.size() == 6);
  CHECK(npyFrom(npyBytes("<i8", "0, 7", 0)).i64.empty());
  // 128 bytes claiming 1e9 floats (was a 4 GB allocation).
  CHECK_THROWS_WITH(npyFrom(npyBytes("<f4", "1000000000,", 0)), Catch::Contains("x.npy: truncated") &&
                                                                     Catch::Contains("claims more data"));
  // A shape whose product overflows int64 (was SIGSEGV), and one whose digits do.
  CHECK_THROWS_AS(npyFrom(npyBytes("<f4", "4611686018427387904, 4", 64)), FileError);
  CHECK_THROWS_AS(npyFrom(npyBytes("<f4", "99999999999999999999999999", 64)), FileError);
  CHECK_THROWS_AS(npyFrom(npyBytes("<i8", "-1,", 8)), FileError);
  // A header length past the end of the file (format 2: up to 4 GB).
  std::string v2 = npyBytes("<f4", "1,", 4);
  v2[6] = 2;
  CHECK_THROWS_WITH(npyFrom(v2), Catch::Contains("truncated"));
}

// Binds a UDP socket to a free loopback port and returns its address.
static sockaddr_in bindLoopback(int fd) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  return addr;
}

TEST_CASE("UDP datagrams are received whole, and ones that are not s16le PCM are refused", "[parsers][udp]") {
  std::vector<float> out(kMaxDatagramBytes / 2);
  const uint8_t pcm[] = {0x00, 0x80, 0xff, 0x7f, 0x01, 0x00};
  REQUIRE(decodePcmDatagram(pcm, sizeof(pcm), out.data()) == 3);
  CHECK(out[0] == -1.f);
  CHECK(out[1] == Approx(32767.f / 32768.f));
  CHECK(out[2] == Approx(1.f / 32768.f));
  CHECK(decodePcmDatagram(pcm, 5, out.data()) == -1);                      // odd: not whole samples
  CHECK(decodePcmDatagram(pcm, kMaxDatagramBytes + 2, out.data()) == -1);  // bigger than the buffer: truncated

  // A 20000-byte datagram through a real socket (the old 8192-byte buffer cut it short in silence).
  const int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr = bindLoopback(rx);
  std::vector<uint8_t> sent(20000);
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = uint8_t(i * 7);
  REQUIRE(sendto(tx, sent.data(), sent.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 20000);
  std::vector<uint8_t> buffer;
  CHECK(receiveDatagram(rx, buffer) == 20000);
  CHECK(std::equal(sent.begin(), sent.end(), buffer.begin()));
  CHECK(decodePcmDatagram(buffer.data(), 20000, out.data()) == 10000);
  close(rx);
  close(tx);
}

TEST_CASE("listen --udp delivers a large datagram whole and counts refused ones", "[parsers][udp][listen]") {
  // A free port: bind to port 0, read the number, let it go.
  const int probe = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr = bindLoopback(probe);
  close(probe);

  CaptureOptions options;
  options.udp_port = ntohs(addr.sin_port);
  AudioCapture capture(options, 16000);
  const int tx = socket(AF_INET, SOCK_DGRAM, 0);
  const uint8_t odd[5] = {1, 2, 3, 4, 5};  // not whole samples: refused
  std::vector<int16_t> big(16000);         // 32000 bytes, four times the old 8192-byte buffer
  for (size_t i = 0; i < big.size(); ++i) big[i] = int16_t(1000 + i % 7);
  REQUIRE(sendto(tx, odd, sizeof(odd), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 5);
  REQUIRE(sendto(tx, big.data(), big.size() * 2, 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 32000);
  close(tx);

  std::atomic<bool> stop{false};
  std::thread watchdog([&stop] {
    for (int i = 0; i < 100 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop = true;
  });
  size_t received = 0;
  double sum = 0;
  capture.run(16000, stop, [&](const AudioCapture::Block& b) {
    received += b.count;
    for (size_t i = 0; i < b.count; ++i) sum += b.samples[i];
    if (received >= big.size()) stop = true;
  });
  watchdog.join();
  CHECK(received == big.size());
  CHECK(sum * 32768.0 == Approx(16000 * 1003.0).epsilon(1e-3));
  CHECK(capture.rejectedDatagrams() == 1);
}

TEST_CASE("a dataset manifest is checked once, by name", "[parsers][manifest]") {
  const json header = splitModel(kModels + "classify-default.pt").header;
  json m = {{"format", "podclean-dataset"}, {"task", "clip"}, {"labels", header["labels"]},
            {"features", header["features"]}, {"norm_stats", header["norm_stats"]}};
  CHECK(Dataset::fromManifest(m.dump(), "d").labels.size() == 3);
  m["norm_stats"]["mean"].push_back(0);
  m["norm_stats"]["std"].push_back(1);
  CHECK_THROWS_WITH(Dataset::fromManifest(m.dump(), "d"), Catch::Contains("d/manifest.json: bad manifest: norm_stats has 65"));
  CHECK_THROWS_WITH(Dataset::fromManifest("[1]", "d"), Catch::Contains("d/manifest.json: not a podclean dataset"));
}

TEST_CASE("model headers are checked against themselves before the weights are read", "[parsers][model]") {
  ModelParts listen = splitModel(kModels + "listen-default.pt");
  auto header = [&](const ModelParts& parts) {
    std::istringstream in(joinModel(parts));
    uint64_t weights = 0;
    return readModelHeader(in, "m.pt", weights);
  };
  CHECK(header(listen).spec.arch == "gru");
  CHECK_FALSE(header(listen).features.level_norm);  // written before level normalisation existed
  auto broken = [&](auto change) {
    ModelParts m = listen;
    change(m.header);
    try {
      header(m);
    } catch (const FileError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  // norm_stats longer than the features: was a heap overflow in listen.
  CHECK_THAT(broken([](json& h) { h["norm_stats"]["mean"].push_back(0), h["norm_stats"]["std"].push_back(1); }),
             Catch::Contains("m.pt: bad model header: norm_stats has 65 values for 64 features"));
  CHECK_THAT(broken([](json& h) { h["labels"].push_back("extra"); }), Catch::Contains("m.pt: bad model header: the header lists 5 labels for 4 outputs"));
  CHECK_THAT(broken([](json& h) { h["model"]["num_features"] = 40; }), Catch::Contains("m.pt: bad model header: the model takes 40 features"));
  CHECK_THAT(broken([](json& h) { h["training"]["example_frames"] = -3; }), Catch::Contains("m.pt: bad model header: training.example_frames"));
  CHECK_THAT(broken([](json& h) { h["model"]["layers"] = 1000; }), Catch::Contains("m.pt: bad model header"));
  // A weights size past the end of the file is refused before allocating it.
  ModelParts huge = listen;
  huge.weights = std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "short";
  CHECK_THROWS_WITH(header(huge), Catch::Contains("m.pt: truncated model file"));
}

TEST_CASE("a model whose header disagrees with its weights is one error naming the file", "[parsers][model][cli]") {
  testutil::TempDir dir("mismatch");
  const std::string keyword = testutil::dataPath("keywords/alexa-108.flac");
  ModelParts listen = splitModel(kModels + "listen-default.pt");
  ModelParts norm = listen;  // the heap overflow of issue 14, through the CLI
  norm.header["norm_stats"]["mean"].push_back(0);
  norm.header["norm_stats"]["std"].push_back(1);
  writeTextFile(dir / "norm.pt", joinModel(norm));
  auto r = testutil::runPodclean("listen --fast --input " + keyword + " --model " + (dir / "norm.pt"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("norm.pt: bad model header: norm_stats has 65 values for 64 features"));

  ModelParts hidden = listen;  // the header says 64 hidden units, the weights hold 128
  hidden.header["model"]["hidden"] = 64;
  writeTextFile(dir / "hidden.pt", joinModel(hidden));
  r = testutil::runPodclean("listen --fast --input " + keyword + " --model " + (dir / "hidden.pt"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::StartsWith("podclean: ") && Catch::Contains("hidden.pt: the weights do not match the header"));
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);

  ModelParts clean = splitModel(kModels + "clean-default.pt");
  clean.header["model"]["channels"] = 16;
  writeTextFile(dir / "clean.pt", joinModel(clean));
  const std::string speech = testutil::dataPath("speech/conf-userwilljoin.flac");
  const std::string other = testutil::dataPath("speech/conf-waitforleader.flac");
  r = testutil::runPodclean("clean " + speech + " " + other + " --jobs 2 -o " + (dir / "out") + " --model " + (dir / "clean.pt"));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("clean.pt: the weights do not match the header"));
}
