// The one translation unit with c10d and Gloo (compiled with USE_C10D_GLOO).
#include "process_group.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cmath>
#include <cstdlib>

#include "podclean/util/error.h"

namespace podclean {

void DistributedOptions::Validate() const {
  if (world_size < 1) throw UsageError("--world-size/WORLD_SIZE " + std::to_string(world_size) + ": must be >= 1");
  if (rank < 0 || rank >= world_size)
    throw UsageError("--rank/RANK " + std::to_string(rank) + ": must be in 0.." + std::to_string(world_size - 1) +
                     " (WORLD_SIZE is " + std::to_string(world_size) + ")");
  if (master_port < 1 || master_port > 65535)
    throw UsageError("--master-port/MASTER_PORT " + std::to_string(master_port) + ": must be in 1..65535");
  if (master_addr.empty()) throw UsageError("--master-addr/MASTER_ADDR is empty: give rank 0's host");
  if (!(timeout_s > 0)) throw UsageError("--dist-timeout must be > 0 seconds");
}

void DistributedOptions::readEnvironment() {
  auto number = [](const char* name, int& field) {
    const char* text = std::getenv(name);
    if (!text || !*text) return;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (*end != '\0') throw UsageError(std::string(name) + "='" + text + "': not a whole number");
    field = int(value);
  };
  if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) master_addr = addr;
  number("MASTER_PORT", master_port);
  number("WORLD_SIZE", world_size);
  number("RANK", rank);
}

namespace {

// c10d's messages carry a C++ backtrace after the first line; podclean
// errors are one line.
std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

bool isLoopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0; }

}  // namespace

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};

ProcessGroup::ProcessGroup(const DistributedOptions& options) : options_(options), impl_(std::make_unique<Impl>()) {
  options.Validate();
  const auto timeout = std::chrono::milliseconds(std::llround(options.timeout_s * 1000));
  const std::string where = options.master_addr + ":" + std::to_string(options.master_port);
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = uint16_t(options.master_port);
    store_options.isServer = options.rank == 0;
    store_options.numWorkers = size_t(options.world_size);
    store_options.waitWorkers = true;
    store_options.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout);
    // Gloo's own sockets: the interface GLOO_SOCKET_IFNAME names (as in
    // PyTorch), loopback for a single-host job, else this host's name.
    if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface)
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    else if (isLoopback(options.master_addr))
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      gloo_options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    gloo_options->threads = 1;  // collectives are waited for one at a time
    impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, options.rank, options.world_size, gloo_options);
  } catch (const std::exception& e) {
    throw Error("distributed training, rank " + std::to_string(options.rank) + " of " +
                std::to_string(options.world_size) + ": could not meet the other ranks at " + where + " within " +
                std::to_string(int(options.timeout_s)) + " s (--dist-timeout): " + firstLine(e.what()));
  }
}

ProcessGroup::~ProcessGroup() = default;

namespace {

template <typename F>
void guarded(const DistributedOptions& o, const char* what, F&& run) {
  try {
    run();
  } catch (const std::exception& e) {
    throw Error("distributed training, rank " + std::to_string(o.rank) + " of " + std::to_string(o.world_size) +
                ": " + what + " failed; another rank died or was silent for over " +
                std::to_string(int(o.timeout_s)) + " s (--dist-timeout): " + firstLine(e.what()));
  }
}

torch::Tensor flatten(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors) flat.push_back(t.detach().reshape({-1}).to(torch::kCPU, torch::kFloat));
  return flat.empty() ? torch::zeros({0}) : torch::cat(flat);
}

void unflatten(const torch::Tensor& flat, std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto& t : tensors) {
    t.copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
    offset += t.numel();
  }
}

}  // namespace

void ProcessGroup::sumInPlace(torch::Tensor& tensor) {
  guarded(options_, "summing over ranks", [&] {
    std::vector<at::Tensor> tensors{tensor};
    impl_->gloo->allreduce(tensors)->wait();
  });
}

void ProcessGroup::broadcastInPlace(torch::Tensor& tensor) {
  guarded(options_, "broadcast from rank 0", [&] {
    std::vector<at::Tensor> tensors{tensor};
    impl_->gloo->broadcast(tensors)->wait();
  });
}

void ProcessGroup::barrier() {
  guarded(options_, "the final barrier", [&] { impl_->gloo->barrier()->wait(); });
}

void ProcessGroup::broadcastModule(torch::nn::Module& module) {
  std::vector<torch::Tensor> tensors = module.parameters();
  for (auto& b : module.buffers()) tensors.push_back(b);
  std::vector<torch::Tensor> floats, others;
  for (auto& t : tensors) (t.is_floating_point() ? floats : others).push_back(t);
  auto flat = flatten(floats);
  broadcastInPlace(flat);
  unflatten(flat, floats);
  for (auto& t : others) {  // e.g. batch norm's step count (int64)
    auto copy = t.to(torch::kCPU).contiguous();
    broadcastInPlace(copy);
    t.copy_(copy);
  }
}

double ProcessGroup::sumGradients(torch::nn::Module& module, double local_loss) {
  std::vector<torch::Tensor> params = module.parameters(), grads;
  for (auto& p : params) {
    // A rank with no examples in the last step has no gradients yet; AdamW
    // skips parameters without one, so give it zeros to stay in step.
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads.push_back(p.grad());
  }
  auto flat = torch::cat({flatten(grads), torch::tensor({float(local_loss)})});
  sumInPlace(flat);
  unflatten(flat, grads);
  return flat[flat.size(0) - 1].item<double>();
}

void ProcessGroup::averageBuffers(torch::nn::Module& module) {
  std::vector<torch::Tensor> floats;
  for (auto& b : module.buffers())
    if (b.is_floating_point()) floats.push_back(b);
  if (floats.empty()) return;
  auto flat = flatten(floats);
  sumInPlace(flat);
  flat /= double(size());
  unflatten(flat, floats);
}

}  // namespace podclean
