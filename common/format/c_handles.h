// C library handles wrapped once as std::unique_ptr with their deleters.
#pragma once

#include <archive.h>
#if !defined(_WIN32)  // Windows: SHA-256 from CNG, no OpenSSL
#include <openssl/evp.h>
#endif
#include <zstd.h>

#include <cstdio>
#include <memory>

namespace rdbundle {

struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
struct ZstdCCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
#if !defined(_WIN32)
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
#endif
struct FileDeleter {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

using ArchiveReadPtr = std::unique_ptr<archive, ArchiveReadDeleter>;
using ArchiveWritePtr = std::unique_ptr<archive, ArchiveWriteDeleter>;
using ZstdDCtxPtr = std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter>;
using ZstdCCtxPtr = std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter>;
#if !defined(_WIN32)
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;
#endif
using FilePtr = std::unique_ptr<std::FILE, FileDeleter>;

}  // namespace rdbundle
