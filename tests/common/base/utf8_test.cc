#include "common/base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace rdbundle {
namespace {

TEST(Utf8Test, WellFormed) {
  EXPECT_TRUE(IsUtf8(""));
  EXPECT_TRUE(IsUtf8("/home/j\xc3\xbcrgen/.kuberlr"));  // ü
  EXPECT_TRUE(IsUtf8("\xe2\x82\xac \xf0\x9f\x98\x80"));   // € 😀
  EXPECT_TRUE(IsUtf8("\xf4\x8f\xbf\xbf"));                // U+10FFFF
  EXPECT_TRUE(IsUtf8(std::string("a\0b\x01\x7f", 5)));     // controls are well-formed
  EXPECT_TRUE(IsUtf8("\xc2\x80"));                        // U+0080, a C1 control
}

TEST(Utf8Test, IllFormed) {
  EXPECT_FALSE(IsUtf8("/home/j\xfcrgen"));      // Latin-1
  EXPECT_FALSE(IsUtf8("\xc0\xaf"));             // overlong '/'
  EXPECT_FALSE(IsUtf8("\xe0\x80\xaf"));         // overlong, 3 bytes
  EXPECT_FALSE(IsUtf8("\xf0\x80\x80\xaf"));     // overlong, 4 bytes
  EXPECT_FALSE(IsUtf8("\xed\xa0\x80"));         // surrogate U+D800
  EXPECT_FALSE(IsUtf8("\xf4\x90\x80\x80"));     // above U+10FFFF
  EXPECT_FALSE(IsUtf8("\xe2\x82"));             // truncated
  EXPECT_FALSE(IsUtf8("\x80"));                 // lone continuation byte
  EXPECT_FALSE(IsUtf8("\xe2\x28\xa1"));         // bad continuation byte
}

TEST(Utf8Test, PrintableAlsoRejectsControls) {
  EXPECT_TRUE(IsPrintableUtf8("timestamp:1\tfile:x \xc3\xbc"));  // tab is allowed
  EXPECT_FALSE(IsPrintableUtf8(std::string("a\0b", 3)));
  EXPECT_FALSE(IsPrintableUtf8("a\x01"));
  EXPECT_FALSE(IsPrintableUtf8("a\x7f"));
  EXPECT_FALSE(IsPrintableUtf8("\xc2\x85"));  // NEL, a C1 control
  EXPECT_TRUE(IsPrintableUtf8("\xc2\xa0"));   // no-break space
  EXPECT_FALSE(IsPrintableUtf8("j\xfcrgen"));
}

}  // namespace
}  // namespace rdbundle
