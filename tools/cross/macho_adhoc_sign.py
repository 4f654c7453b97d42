#!/usr/bin/env python3
"""Ad-hoc code signature for a 64-bit Mach-O executable, as Apple's ld64 ("linker-signed")
and Go's linker (cmd/internal/codesign) write it: an LC_CODE_SIGNATURE load command pointing to
a SuperBlob at the end of __LINKEDIT that holds one CodeDirectory with the SHA-256 of every
4 KiB page of the file before it. No certificate, no entitlements, no requirements.

zig's linker signs arm64 executables itself but not x86_64 ones; the darwin-amd64 compiler
wrapper (tools/cross/lib.sh) calls this after each link, with -Wl,-headerpad so that the load
command fits. A file that already has a signature is left alone.

  macho_adhoc_sign.py FILE [IDENTIFIER]     sign in place (identifier: the file's name)
  macho_adhoc_sign.py --link-output FILE    the same if FILE is an unsigned Mach-O executable,
                                            dylib or bundle; anything else is left alone
  macho_adhoc_sign.py --check FILE          recompute the page hashes of a signed file
"""
import hashlib
import os
import struct
import sys

MH_MAGIC_64 = 0xFEEDFACF
MH_EXECUTE = 0x2
LC_SEGMENT_64 = 0x19
LC_CODE_SIGNATURE = 0x1D
CSMAGIC_CODEDIRECTORY = 0xFADE0C02
CSMAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CSSLOT_CODEDIRECTORY = 0
CS_HASHTYPE_SHA256 = 2
CS_ADHOC = 0x2
CS_LINKER_SIGNED = 0x20000
CS_EXECSEG_MAIN_BINARY = 0x1
CD_VERSION = 0x20400          # with the exec segment fields
CD_HEADER_SIZE = 88
PAGE_BITS = 12                # 4 KiB code pages, as ld64 and Go use for x86_64
CPU_X86_64, CPU_ARM64 = 0x01000007, 0x0100000C


def code_directory(data, code_limit, ident, text_off, text_size, main_binary, page_bits=PAGE_BITS):
    PAGE = 1 << page_bits
    ident_b = ident.encode() + b"\0"
    n_slots = (code_limit + PAGE - 1) // PAGE
    hash_off = CD_HEADER_SIZE + len(ident_b)
    length = hash_off + 32 * n_slots
    hdr = struct.pack(">9I4B4IQ3Q",
                      CSMAGIC_CODEDIRECTORY, length, CD_VERSION, CS_ADHOC | CS_LINKER_SIGNED,
                      hash_off, CD_HEADER_SIZE, 0, n_slots, code_limit,
                      32, CS_HASHTYPE_SHA256, 0, page_bits,
                      0, 0, 0, 0, 0,
                      text_off, text_size, CS_EXECSEG_MAIN_BINARY if main_binary else 0)
    assert len(hdr) == CD_HEADER_SIZE
    hashes = b"".join(hashlib.sha256(data[i:min(i + PAGE, code_limit)]).digest()
                      for i in range(0, code_limit, PAGE))
    return hdr + ident_b + hashes


def super_blob(cd):
    return struct.pack(">5I", CSMAGIC_EMBEDDED_SIGNATURE, 20 + len(cd), 1,
                       CSSLOT_CODEDIRECTORY, 20) + cd


def parse(data):
    magic, cpu, _sub, filetype, ncmds, sizeofcmds, _flags, _res = struct.unpack_from("<8I", data, 0)
    if magic != MH_MAGIC_64:
        raise SystemExit("not a 64-bit little-endian Mach-O file")
    segs, sig, first_sect, off = {}, None, len(data), 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<2I", data, off)
        if cmd == LC_SEGMENT_64:
            name = data[off + 8:off + 24].rstrip(b"\0").decode()
            vmaddr, vmsize, fileoff, filesize, _mp, _ip, nsects, _fl = struct.unpack_from("<4Q4I", data, off + 24)
            segs[name] = (off, fileoff, filesize, vmsize)
            for s in range(nsects):
                so = off + 72 + 80 * s
                sect_off = struct.unpack_from("<I", data, so + 48)[0]
                sect_flags = struct.unpack_from("<I", data, so + 64)[0]
                if sect_off and (sect_flags & 0xFF) not in (0x1, 0xC, 0x12):  # not zerofill
                    first_sect = min(first_sect, sect_off)
        elif cmd == LC_CODE_SIGNATURE:
            sig = (off,) + struct.unpack_from("<2I", data, off + 8)
        off += size
    return filetype, ncmds, sizeofcmds, segs, sig, first_sect, cpu


def sign(path, ident):
    data = bytearray(open(path, "rb").read())
    filetype, ncmds, sizeofcmds, segs, sig, first_sect, cpu = parse(data)
    if sig:
        return False
    if "__TEXT" not in segs or "__LINKEDIT" not in segs:
        raise SystemExit(f"{path}: no __TEXT or __LINKEDIT segment")
    le_off, le_fileoff, le_filesize, le_vmsize = segs["__LINKEDIT"]
    if le_fileoff + le_filesize != len(data):
        raise SystemExit(f"{path}: __LINKEDIT does not end the file")
    if 32 + sizeofcmds + 16 > first_sect:
        raise SystemExit(f"{path}: no room for LC_CODE_SIGNATURE (link with -Wl,-headerpad,0x100)")
    code_limit = (len(data) + 15) & ~15
    _, text_fileoff, text_filesize, _ = segs["__TEXT"]
    ident_len = len(ident.encode()) + 1
    n_slots = (code_limit + (1 << PAGE_BITS) - 1) >> PAGE_BITS
    sig_size = 20 + CD_HEADER_SIZE + ident_len + 32 * n_slots
    # header: one more load command; __LINKEDIT grows to hold the signature
    struct.pack_into("<2I", data, 16, ncmds + 1, sizeofcmds + 16)
    struct.pack_into("<4I", data, 32 + sizeofcmds, LC_CODE_SIGNATURE, 16, code_limit, sig_size)
    new_filesize = code_limit + sig_size - le_fileoff
    vm_page = 0x4000 if cpu == CPU_ARM64 else 0x1000
    new_vmsize = max(le_vmsize, (new_filesize + vm_page - 1) & ~(vm_page - 1))
    struct.pack_into("<Q", data, le_off + 32, new_vmsize)
    struct.pack_into("<Q", data, le_off + 48, new_filesize)
    data += b"\0" * (code_limit - len(data))
    cd = code_directory(data, code_limit, ident, text_fileoff, text_filesize, filetype == MH_EXECUTE)
    blob = super_blob(cd)
    assert len(blob) == sig_size
    tmp = path + ".sign-tmp"
    with open(tmp, "wb") as f:
        f.write(data + blob)
    os.chmod(tmp, os.stat(path).st_mode & 0o7777)
    os.replace(tmp, path)
    return True


def check(path):
    """Recomputes the CodeDirectory of a signed file (ours or another linker's) and compares."""
    data = open(path, "rb").read()
    _ft, _n, _s, segs, sig, _fs, _cpu = parse(data)
    if not sig:
        raise SystemExit(f"{path}: no LC_CODE_SIGNATURE")
    _, dataoff, datasize = sig
    blob = data[dataoff:dataoff + datasize]
    magic, _length, count = struct.unpack_from(">3I", blob, 0)
    assert magic == CSMAGIC_EMBEDDED_SIGNATURE, hex(magic)
    for i in range(count):
        typ, off = struct.unpack_from(">2I", blob, 12 + 8 * i)
        if typ != CSSLOT_CODEDIRECTORY:
            continue
        (cmagic, clen, version, flags, hash_off, ident_off, nspecial, nslots, code_limit) = \
            struct.unpack_from(">9I", blob, off)
        hash_size, hash_type, _plat, page_bits = struct.unpack_from(">4B", blob, off + 36)
        assert cmagic == CSMAGIC_CODEDIRECTORY and hash_type == CS_HASHTYPE_SHA256
        page = 1 << page_bits
        bad = [n for n in range(nslots)
               if blob[off + hash_off + 32 * n:off + hash_off + 32 * (n + 1)] !=
               hashlib.sha256(data[n * page:min((n + 1) * page, code_limit)]).digest()]
        ident = blob[off + ident_off:blob.index(b"\0", off + ident_off)].decode()
        print(f"{path}: CodeDirectory v{version:#x} flags {flags:#x} id {ident!r} "
              f"{nslots} pages of {page}, code limit {code_limit}: "
              f"{'hashes match' if not bad else f'{len(bad)} pages differ'}")
        return not bad
    raise SystemExit(f"{path}: no CodeDirectory")


def is_unsigned_image(path):
    try:
        with open(path, "rb") as f:
            head = f.read(32)
        if len(head) < 32 or struct.unpack_from("<I", head)[0] != MH_MAGIC_64:
            return False
        if struct.unpack_from("<I", head, 12)[0] not in (MH_EXECUTE, 0x6, 0x8):  # exe, dylib, bundle
            return False
        return parse(open(path, "rb").read())[4] is None
    except OSError:
        return False


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--link-output":
        if is_unsigned_image(sys.argv[2]):
            sign(sys.argv[2], os.path.basename(sys.argv[2]))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(0 if check(sys.argv[2]) else 1)
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    sign(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else os.path.basename(sys.argv[1]))
