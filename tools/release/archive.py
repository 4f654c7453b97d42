#!/usr/bin/env python3
"""Writes a release archive whose bytes depend only on the files' contents, names and modes
and on SOURCE_DATE_EPOCH (tools/release/release.sh):

  archive.py OUT.tar.gz|OUT.zip TOPDIR MTIME FILE=NAME[:MODE]...

Every entry goes under TOPDIR/, sorted by name, with MTIME as its time, owner 0:0 without
names, mode 0755 for MODE x and 0644 otherwise. tar.gz: POSIX ustar in a gzip stream without a
file name and with MTIME in its header. zip: deflate, no extra fields, Unix modes.
"""
import gzip
import io
import os
import sys
import tarfile
import time
import zipfile


def entries(specs):
    out = []
    for spec in specs:
        src, _, name = spec.partition("=")
        name, _, mode = name.partition(":")
        out.append((name, src, 0o755 if mode == "x" else 0o644))
    return sorted(out)


def write_tar_gz(out, top, mtime, files):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        d = tarfile.TarInfo(top)
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, mtime
        tar.addfile(d)
        for name, src, mode in files:
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mode, info.mtime = os.path.getsize(src), mode, mtime
            with open(src, "rb") as f:
                tar.addfile(info, f)
    with open(out, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=mtime) as gz:
            gz.write(raw.getvalue())


def write_zip(out, top, mtime, files):
    # zip stores local time in DOS format (2-second steps, from 1980): use the UTC fields
    t = time.gmtime(max(mtime, 315532800))[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        d = zipfile.ZipInfo(f"{top}/", date_time=t)
        d.external_attr = (0o40755 << 16) | 0x10
        d.create_system = 3
        z.writestr(d, b"")
        for name, src, mode in files:
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=t)
            info.external_attr = (0o100000 | mode) << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(src, "rb") as f:
                z.writestr(info, f.read(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    out, top, mtime = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = entries(sys.argv[4:])
    tmp = out + ".part"
    if out.endswith(".tar.gz"):
        write_tar_gz(tmp, top, mtime, files)
    elif out.endswith(".zip"):
        write_zip(tmp, top, mtime, files)
    else:
        sys.exit(f"archive.py: {out}: .tar.gz or .zip")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
