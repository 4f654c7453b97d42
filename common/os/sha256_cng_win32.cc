#include <windows.h>
// windows.h first: bcrypt.h needs its types
#include <bcrypt.h>

#include <new>

#include "common/os/sha256_cng.h"

namespace rdbundle {
namespace {

void Check(NTSTATUS rc) {
  if (!BCRYPT_SUCCESS(rc)) throw std::bad_alloc();
}

// One provider for the process (opening it is the expensive part); never closed.
BCRYPT_ALG_HANDLE Provider() {
  static BCRYPT_ALG_HANDLE alg = [] {
    BCRYPT_ALG_HANDLE h = nullptr;
    Check(::BCryptOpenAlgorithmProvider(&h, BCRYPT_SHA256_ALGORITHM, nullptr, 0));
    return h;
  }();
  return alg;
}

void* NewHash() {
  BCRYPT_HASH_HANDLE h = nullptr;
  // The object memory is CNG's own (nullptr, 0): supported since Windows 7.
  Check(::BCryptCreateHash(Provider(), &h, nullptr, 0, nullptr, 0, 0));
  return h;
}

}  // namespace

CngSha256::CngSha256() : hash_(NewHash()) {}

CngSha256::~CngSha256() {
  if (hash_ != nullptr) ::BCryptDestroyHash(hash_);
}

CngSha256& CngSha256::operator=(CngSha256&& o) noexcept {
  if (this != &o) {
    if (hash_ != nullptr) ::BCryptDestroyHash(hash_);
    hash_ = o.hash_;
    o.hash_ = nullptr;
  }
  return *this;
}

void CngSha256::Update(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (n > 0) {
    const ULONG chunk = n > (1u << 30) ? (1u << 30) : static_cast<ULONG>(n);
    Check(::BCryptHashData(hash_, const_cast<PUCHAR>(p), chunk, 0));
    p += chunk;
    n -= chunk;
  }
}

void CngSha256::Finish(std::uint8_t* out) {
  Check(::BCryptFinishHash(hash_, out, 32, 0));
  ::BCryptDestroyHash(hash_);
  hash_ = nullptr;
  hash_ = NewHash();
}

}  // namespace rdbundle
