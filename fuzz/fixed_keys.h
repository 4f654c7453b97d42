// Fixed signing keys for the fuzz targets and their seed corpora. Deterministic (derived from
// constant seeds), so a seed bundle signed today still verifies in every later fuzz run, and
// public (they sign nothing but fuzz inputs; never trust them anywhere else).
#pragma once

#include <string>

#include "common/format/minisign.h"
#include "tests/support/test_bundle.h"

namespace rdbundle::fuzz {

// The key every fuzz target trusts; bundles in fuzz/corpus/bundle* are signed with it.
const testsupport::TestKey& FuzzKey();
// A second, untrusted key (signatures by it must fail with kUntrustedKey).
const testsupport::TestKey& OtherFuzzKey();
// A key pair made by the real `minisign -G -W` (fuzz/keys/minisign-test.{pub,key}); its
// public key is trusted by the signature target, so signatures made by minisign itself (the
// seeds from make_seeds.sh) verify there.
const PublicKey& MinisignFuzzKey();

// Trusts FuzzKey() only (the bundle targets).
const TrustedKeys& FuzzTrustedKeys();

}  // namespace rdbundle::fuzz
