#include "common/format/hash.h"

#if !defined(_WIN32)
#include <openssl/evp.h>
#endif

#include <cstdlib>
#include <new>
#include <vector>

#include "common/base/hex.h"
#include "common/os/fs.h"
#include "common/os/platform.h"

namespace rdbundle {

#if defined(_WIN32)

Sha256::Sha256() = default;

void Sha256::Update(const void* data, std::size_t n) { cng_.Update(data, n); }

Sha256Digest Sha256::Finish() {
  Sha256Digest out{};
  cng_.Finish(out.data());
  return out;
}

#else

namespace {

// EVP calls fail only on allocation failure or a broken OpenSSL install; neither is a
// recoverable condition for a hashing primitive.
void CheckEvp(int rc) {
  if (rc != 1) throw std::bad_alloc();
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::bad_alloc();
  CheckEvp(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr));
}

void Sha256::Update(const void* data, std::size_t n) {
  CheckEvp(EVP_DigestUpdate(ctx_.get(), data, n));
}

Sha256Digest Sha256::Finish() {
  Sha256Digest out{};
  unsigned int len = 0;
  CheckEvp(EVP_DigestFinal_ex(ctx_.get(), out.data(), &len));
  CheckEvp(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr));
  return out;
}

#endif

std::string Sha256::FinishHex() { return HexEncode(Finish()); }

Sha256Digest Sha256::Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

std::string Sha256::HexOf(std::string_view data) { return HexEncode(Of(data)); }

Blake2b512::Blake2b512() {
  if (sodium_init() < 0) std::abort();
  crypto_generichash_init(&state_, nullptr, 0, 64);
}

void Blake2b512::Update(const void* data, std::size_t n) {
  crypto_generichash_update(&state_, static_cast<const unsigned char*>(data), n);
}

Blake2b512Digest Blake2b512::Finish() {
  Blake2b512Digest out{};
  crypto_generichash_final(&state_, out.data(), out.size());
  return out;
}

Blake2b512Digest Blake2b512::Of(std::string_view data) {
  Blake2b512 h;
  h.Update(data);
  return h.Finish();
}

Result<std::string> Sha256HexOfFile(ReadableFile& in, OnInterrupt on_interrupt) {
  constexpr std::size_t kChunk = 1u << 20;
  Sha256 sha;
  std::vector<char> buf(kChunk);
  for (;;) {
    if (on_interrupt == OnInterrupt::kStop && InterruptSignal() != 0) {
      return Status::Interrupted(in.path() + ": interrupted");
    }
    RDB_ASSIGN_OR_RETURN(std::size_t n, in.Read(buf.data(), buf.size()));
    if (n == 0) return sha.FinishHex();
    sha.Update(buf.data(), n);
  }
}

}  // namespace rdbundle
