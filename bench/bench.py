#!/usr/bin/env python3
"""rdbundle benchmarks against the stock tools (called by bench/run.sh; see there).

One run, one corpus: a deterministic sample kit (rdbundle-sample-kit) of several k3s versions
for amd64 and arm64 (incompressible image archives, compressible ELF-like k3s binaries and
kubectls, sha256sum files). Every row is timed `--reps` times, interleaved (A B C A B C ...),
after an untimed `sync` (and, with --drop-caches, an emptied page cache); peak RSS is the
largest ru_maxrss of the row's processes, as GNU time reports it. Nothing here ever fails on a
time: exit 0 unless a command itself fails.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

MiB = 1 << 20
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)

# Per k3s version: a k3s binary and an airgap images archive for each of amd64 and arm64, and a
# linux/amd64 kubectl of the same minor (real sizes: k3s ~65 MB, images ~150-200 MB zstd'ed,
# kubectl ~50 MB). 464 MiB per version: 3 versions ~ 1.46 GB, 12 versions ~ 5.8 GB.
BINARY = 64 * MiB
IMAGES = 144 * MiB
KUBECTL = 48 * MiB
PER_VERSION = 2 * (BINARY + IMAGES) + KUBECTL


def parse_size(s):
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([KMG]?)", s.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError("bad size %r (e.g. 1.5G, 600M)" % s)
    unit = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]
    return int(float(m.group(1)) * unit)


def human(n):
    for unit, div in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= div:
            return "%.2f %s" % (n / div, unit)
    return "%d B" % n


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(["bash", "-c", cmd], check=True, **kw)


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return -1.0


class Corpus:
    """The sample-kit spec for a total size: whole versions at full size, scaled down below."""

    def __init__(self, size):
        n = max(1, round(size / PER_VERSION))
        scale = min(1.0, size / (n * PER_VERSION))
        self.versions = ["v1.%d.%d+k3s1" % (25 + i, 3 + i % 5) for i in range(n)]
        self.binary = max(4096, int(BINARY * scale))
        self.images = max(4096, int(IMAGES * scale))
        self.kubectl = max(4096, int(KUBECTL * scale))
        self.kubectls = ["%s/linux/amd64" % v[1:].split("+")[0] for v in self.versions]

    def args(self):
        a = []
        for v in self.versions:
            a += ["--k3s", v]
        a += ["--arch", "amd64", "--arch", "arm64"]
        for k in self.kubectls:
            a += ["--kubectl", k]
        a += ["--binary-bytes", str(self.binary), "--images-bytes", str(self.images),
              "--kubectl-bytes", str(self.kubectl), "--images", "tar.zst", "--seed", "7"]
        return a

    def describe(self):
        n = len(self.versions)
        return ("%d k3s versions x {amd64, arm64}: %d k3s binaries of %s (compressible), "
                "%d image archives of %s (incompressible), %d kubectls of %s, sha256sum files"
                % (n, 2 * n, human(self.binary), 2 * n, human(self.images), n,
                   human(self.kubectl)))


def tree_bytes(path):
    total = files = 0
    for d, _, names in os.walk(path):
        for name in names:
            total += os.path.getsize(os.path.join(d, name))
            files += 1
    return total, files


def run_measured(cmd, stderr_path, rusage_path, chrt=None):
    """Runs `bash -c cmd` under /usr/bin/time; returns (seconds, max_rss_kib, user_s, sys_s).
    GNU time is the parent so that ru_maxrss is the largest of the command's own processes
    (a child forked from this Python process would start with Python's RSS). Raises on failure.
    """
    with open(stderr_path, "wb") as err:
        t0 = time.perf_counter()
        rt = [chrt, "-f", "10"] if chrt else []
        p = subprocess.run(rt + ["/usr/bin/time", "-f", "%M %U %S", "-o", rusage_path, "bash",
                                 "-c", cmd], stdout=subprocess.DEVNULL, stderr=err)
        seconds = time.perf_counter() - t0
    if p.returncode != 0:
        with open(stderr_path, "rb") as f:
            tail = f.read()[-2000:].decode(errors="replace")
        raise RuntimeError("command failed (exit %d): %s\n%s" % (p.returncode, cmd, tail))
    with open(rusage_path) as f:
        rss, user, system = f.read().split()[-3:]
    return seconds, int(rss), float(user), float(system)


class Row:
    def __init__(self, group, rid, what, cmd, setup="", note="", inputs=""):
        self.group, self.id, self.what, self.cmd, self.setup, self.note = (
            group, rid, what, cmd, setup, note)
        self.inputs = inputs  # shell words naming the files it reads (warmed before each run)
        self.times, self.rss, self.user, self.sys = [], [], [], []

    def key(self):
        return self.group + "." + self.id

    def summary(self):
        return {
            "id": self.key(), "what": self.what, "command": self.cmd, "note": self.note,
            "seconds": [round(t, 4) for t in self.times],
            "min_s": round(min(self.times), 4), "median_s": round(statistics.median(self.times), 4),
            "peak_rss_kib": max(self.rss), "rss_kib": self.rss,
            "user_s": [round(t, 3) for t in self.user], "sys_s": [round(t, 3) for t in self.sys],
        }


def q(s):
    return "'" + s.replace("'", "'\\''") + "'"


def main():
    ap = argparse.ArgumentParser(prog="bench/run.sh <build-dir>",
                                 description="rdbundle benchmarks against the stock tools")
    ap.add_argument("--build", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=parse_size, default=None,
                    help="corpus size (default 1.5G; --smoke: 6M)")
    ap.add_argument("--reps", type=int, default=None,
                    help="repetitions per row (default 5; 3 above 3 GB; --smoke: 1)")
    ap.add_argument("--only", default="pack,install,verify",
                    help="comma-separated groups to run (pack, install, verify)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="compression and hashing threads for both sides (default: cores)")
    ap.add_argument("--level", type=int, default=3, help="zstd level for both sides (default 3)")
    ap.add_argument("--drop-caches", action="store_true",
                    help="empty the page cache before every timed run (root; default: warm)")
    ap.add_argument("--realtime", action="store_true",
                    help="run every timed command under `chrt -f 10` (SCHED_FIFO, root), so "
                         "that other work on a shared machine does not take its CPU; both "
                         "sides alike")
    ap.add_argument("--no-full", action="store_true",
                    help="skip the rows with sha256sum and minisign (slow: sha256sum here has "
                         "no SHA extensions)")
    ap.add_argument("--no-eatmydata", action="store_true",
                    help="skip the rows under eatmydata (an LD_PRELOAD library: it cannot load "
                         "into a sanitizer build)")
    ap.add_argument("--workdir", default=None,
                    help="where the corpus, bundles and extractions go (default "
                         "bench/out/work-<size>; it must have ~4x the size free)")
    ap.add_argument("--out", default=None, help="JSON results (default bench/out/results-<date>.json)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work dir (corpus, bundles) for the next run")
    ap.add_argument("--profile", action="store_true",
                    help="also record each of our commands once with `perf record` and print "
                         "where the CPU time goes, per thread (stage) and library")
    ap.add_argument("--static", default=None, metavar="DIR",
                    help="also time the rdbundle-pack and rdbundle-unpack of DIR (the static "
                    "build: ./dev static, build-linux-amd64) in the same rows, interleaved: rows "
                    "<group>.static and the ratios static/ours")
    ap.add_argument("--smoke", action="store_true",
                    help="a few MB, one repetition: checks that the script works (for ctest)")
    a = ap.parse_args()

    if a.size is None:
        a.size = 6 * 10**6 if a.smoke else 15 * 10**8
    if a.reps is None:
        a.reps = 1 if a.smoke else (3 if a.size > 3 * 10**9 else 5)
    groups = [g for g in a.only.split(",") if g]
    for g in groups:
        if g not in ("pack", "install", "verify"):
            ap.error("--only: unknown group " + g)
    build = os.path.abspath(a.build)
    tools = {t: os.path.join(build, t) for t in ("rdbundle-pack", "rdbundle-unpack",
                                                 "rdbundle-sample-kit")}
    for t, path in tools.items():
        if not os.access(path, os.X_OK):
            sys.exit("bench: %s is missing (build first: ./dev build)" % path)
    tools["rdbundle-sha256-speed"] = os.path.join(build, "rdbundle-sha256-speed")
    static = None
    if a.static:
        static = {t: os.path.join(os.path.abspath(a.static), t)
                  for t in ("rdbundle-pack", "rdbundle-unpack", "rdbundle-sha256-speed")}
        for path in (static["rdbundle-pack"], static["rdbundle-unpack"]):
            if not os.access(path, os.X_OK):
                sys.exit("bench: %s is missing (build first: ./dev static)" % path)
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("bench: /usr/bin/time is not installed (apt-get install time)")
    for t in ("zstd", "tar", "sha256sum", "minisign", "find", "sync"):
        if shutil.which(t) is None:
            sys.exit("bench: %s is not installed (./dev setup installs it)" % t)
    eatmydata = None if a.no_eatmydata else shutil.which("eatmydata")
    perf = shutil.which("perf") if a.profile else None
    # the allocator/copy profile of install (static beside dynamic) needs perf, not --profile
    perf_alloc = shutil.which("perf") if static and not a.smoke and "install" in groups else None
    if a.profile and perf is None:
        sys.exit("bench: --profile needs perf (apt-get install linux-perf)")
    chrt = shutil.which("chrt") if a.realtime else None
    if a.realtime and (chrt is None or os.geteuid() != 0):
        sys.exit("bench: --realtime needs root and chrt (util-linux)")
    if a.drop_caches and not os.access("/proc/sys/vm/drop_caches", os.W_OK):
        sys.exit("bench: --drop-caches needs root (cannot write /proc/sys/vm/drop_caches)")

    out_dir = os.path.join(BENCH_DIR, "out")
    tag = "smoke" if a.smoke else "%.1fG" % (a.size / 1e9)
    work = os.path.abspath(a.workdir or os.path.join(out_dir, "work-" + tag))
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    out_json = a.out or (os.path.join(work, "results.json") if a.smoke
                         else os.path.join(out_dir, "results-%s.json" % stamp))
    os.makedirs(work, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(out_json)), exist_ok=True)
    load_start = loadavg()
    if load_start > 0.5 and not a.smoke:
        log("warning: load average %.2f; timings will be noisy (want < 0.5)" % load_start)

    # ---- corpus, keys, reference bundles (untimed) -------------------------------------------
    corpus = Corpus(a.size)
    kit = os.path.join(work, "kit")
    spec_file = os.path.join(work, "kit.spec")
    spec = " ".join(corpus.args())
    if not (os.path.isdir(kit) and os.path.exists(spec_file) and open(spec_file).read() == spec):
        log("writing the corpus (%s) to %s" % (human(a.size), kit))
        shutil.rmtree(kit, ignore_errors=True)
        if os.path.exists(spec_file):
            os.remove(spec_file)
        subprocess.run([tools["rdbundle-sample-kit"], kit] + corpus.args(), check=True)
        with open(spec_file, "w") as f:
            f.write(spec)
    kit_bytes, kit_files = tree_bytes(kit)
    pub, key = os.path.join(work, "bench.pub"), os.path.join(work, "bench.key")
    if not (os.path.exists(pub) and os.path.exists(key)):
        for p in (pub, key):
            if os.path.exists(p):
                os.remove(p)
        subprocess.run([tools["rdbundle-pack"], "keygen", "-W", "-p", pub, "-s", key],
                       check=True, stdout=subprocess.DEVNULL)
    pack_common = "--level %d --threads %d" % (a.level, a.threads)
    bundle = os.path.join(work, "bundle.rdbundle")
    log("packing the reference bundle")
    if os.path.exists(bundle):
        os.remove(bundle)
    sh("%s build --from %s -s %s -o %s %s >/dev/null" % (
        q(tools["rdbundle-pack"]), q(kit), q(key), q(bundle), pack_common))
    # The stock chain's archive: SHA256SUMS of every file, tar | zstd, minisign of the archive.
    stock = os.path.join(work, "stock")
    os.makedirs(stock, exist_ok=True)
    sums = os.path.join(stock, "SHA256SUMS")
    stock_archive = os.path.join(stock, "kit.tar.zst")
    zstd = "zstd -q -%d -T%d" % (a.level, a.threads)
    stock_pack = "tar -cf - -C %s cache kuberlr | %s -o %s" % (q(kit), zstd, q(stock_archive))
    stock_full_pack = (
        "(cd %s && find cache kuberlr -type f | LC_ALL=C sort | xargs -d '\\n' sha256sum) > %s && "
        "tar -cf - -C %s cache kuberlr -C %s SHA256SUMS | %s -o %s && "
        "minisign -S -s %s -m %s -x %s.minisig -t rdbundle-bench </dev/null" % (
            q(kit), q(sums), q(kit), q(stock), zstd, q(stock_archive), q(key), q(stock_archive),
            q(stock_archive)))
    log("packing the stock reference archive (sha256sum, tar | zstd, minisign)")
    sh("rm -f %s %s.minisig && %s >/dev/null" % (q(stock_archive), q(stock_archive),
                                                 stock_full_pack))
    plain_archive = os.path.join(work, "plain.tar.zst")
    sh("rm -f %s && %s" % (q(plain_archive), stock_pack.replace(q(stock_archive),
                                                                  q(plain_archive))))
    bundle_bytes = os.path.getsize(bundle)
    plain_bytes = os.path.getsize(plain_archive)
    os.remove(plain_archive)

    # ---- rows ----------------------------------------------------------------------------------
    pk, up = q(tools["rdbundle-pack"]), q(tools["rdbundle-unpack"])
    static_what = "the same with the static binaries (zig, musl) of %s" % a.static

    def static_row(group, ours_cmd, reset=""):
        # the row "ours" of the group with the static binaries in place of the dynamic ones
        cmd = ours_cmd.replace(pk, q(static["rdbundle-pack"])).replace(
            up, q(static["rdbundle-unpack"]))
        return Row(group, "static", static_what, cmd, reset)
    rows = []
    emd = "eatmydata " if eatmydata else None
    nosync_note = ("measurement only: eatmydata turns fsync/fdatasync/sync_file_range into "
                   "no-ops, i.e. the same work as the stock row without durability")
    if "pack" in groups:
        out = os.path.join(work, "pack-out")
        ours_out, stock_out = os.path.join(out, "ours.rdbundle"), os.path.join(out, "stock.tar.zst")
        reset = "rm -rf %s && mkdir -p %s" % (q(out), q(out))
        ours = "%s build --from %s -s %s -o %s %s" % (pk, q(kit), q(key), q(ours_out), pack_common)
        rows += [
            Row("pack", "ours", "rdbundle-pack build: hash pass (SHA-256, %d threads), manifest, "
                "sign, tar | zstd -%d (%d workers), fsync, rename" % (a.threads, a.level,
                                                                     a.threads), ours, reset),
        ]
        if static:
            rows.append(static_row("pack", ours, reset))
        rows += [
            Row("pack", "stock", "tar -c | zstd -%d -T%d (no hashes, no signature, no fsync)"
                % (a.level, a.threads),
                "tar -cf - -C %s cache kuberlr | %s -o %s" % (q(kit), zstd, q(stock_out)), reset),
            Row("pack", "stock+fsync", "the same, then fsync of the output (`sync FILE`), as "
                "ours does",
                "tar -cf - -C %s cache kuberlr | %s -o %s && sync %s" % (
                    q(kit), zstd, q(stock_out), q(stock_out)), reset),
        ]
        if emd:
            rows.append(Row("pack", "ours-nofsync", "ours under eatmydata", emd + ours, reset,
                            nosync_note))
        if not a.no_full:
            full = stock_full_pack.replace(q(stock_archive), q(stock_out)).replace(
                q(sums), q(os.path.join(out, "SHA256SUMS"))).replace(
                "-C %s SHA256SUMS" % q(stock), "-C %s SHA256SUMS" % q(out))
            rows.append(Row("pack", "stock-full", "sha256sum of every file > SHA256SUMS, then "
                            "tar -c (files + SHA256SUMS) | zstd, then minisign -S of the archive",
                            full, reset))
    if "install" in groups:
        dest = os.path.join(work, "dest")
        reset = "rm -rf %s && mkdir -p %s" % (q(dest), q(dest))
        ours = ("%s install %s -p %s --cache-dir %s/cache --kuberlr-dir %s/kuberlr "
                "--target-os linux --target-arch amd64 --all-platforms --no-progress" % (
                    up, q(bundle), q(pub), q(dest), q(dest)))
        extract = "zstd -dc %s | tar -xf - -C %s" % (q(bundle), q(dest))
        rows += [
            Row("install", "ours", "rdbundle-unpack install --all-platforms (every file): "
                "signature, SHA-256 and sizes while streaming into staging files, fdatasync "
                "each, rename, fsync dirs", ours, reset),
        ]
        if static:
            rows.append(static_row("install", ours, reset))
        rows += [
            Row("install", "stock", "zstd -dc | tar -x of the same bundle (no verification, "
                "no fsync: the data is still in the page cache when it ends)", extract, reset),
            Row("install", "stock+fsync", "the same, then fsync of every extracted file and "
                "directory (`find | sync`), the durability ours gives",
                extract + " && find %s -exec sync -- {} +" % q(dest), reset),
        ]
        if emd:
            rows.append(Row("install", "ours-nofsync", "ours under eatmydata", emd + ours, reset,
                            nosync_note))
        if not a.no_full:
            rows.append(Row(
                "install", "stock-full", "minisign -V of the archive, zstd -dc | tar -x, "
                "sha256sum -c (no fsync)",
                "minisign -Vm %s -p %s -q && zstd -dc %s | tar -xf - -C %s && cd %s && "
                "sha256sum -c --quiet SHA256SUMS" % (q(stock_archive), q(pub), q(stock_archive),
                                                      q(dest), q(dest)), reset))
    if "verify" in groups:
        rows += [
            Row("verify", "ours", "rdbundle-unpack verify: signature, then every entry's size "
                "and SHA-256 while streaming", "%s verify %s -p %s --no-progress" % (
                    up, q(bundle), q(pub))),
            Row("verify", "stock", "zstd -dc > /dev/null (decompression only)",
                "zstd -dc %s > /dev/null" % q(bundle)),
        ]
        if static:
            rows.append(static_row("verify", "%s verify %s -p %s --no-progress" % (
                up, q(bundle), q(pub))))

    # What each row reads, read again right before each of its runs (untimed) in warm mode:
    # this VM's proactive reclaim (DAMON) pages out page cache left idle for a few seconds.
    for r in rows:
        if r.group == "pack":
            r.inputs = "find %s -type f -exec cat {} + >/dev/null" % q(kit)
        elif r.key() == "install.stock-full":
            r.inputs = "cat %s %s.minisig >/dev/null" % (q(stock_archive), q(stock_archive))
        else:
            r.inputs = "cat %s >/dev/null" % q(bundle)

    # ---- SHA-256 of the project's own Sha256, per build (untimed by the rows) --------------------
    sha = {"cpu_sha_extensions": cpu_has_sha()}
    mib = 16 if a.smoke else 2048
    for name, path in (("dynamic", tools["rdbundle-sha256-speed"]),
                       ("static", static["rdbundle-sha256-speed"] if static else None)):
        if path and os.access(path, os.X_OK):
            sha[name] = sha256_speed(path, mib)
            log("SHA-256 %s: %.2f GB/s per CPU second" % (name, sha[name]["gb_per_s"]))

    # ---- measure ---------------------------------------------------------------------------------
    cache_mode = "cold (page cache dropped before every run)" if a.drop_caches else \
        "warm (each row's inputs read right before each run)"
    if chrt:
        cache_mode += "; every command under chrt -f 10 (SCHED_FIFO)"
    errlog = os.path.join(work, "stderr.log")
    log("%d rows x %d repetitions; page cache %s" % (len(rows), a.reps, cache_mode))
    # One phase per group (its rows interleaved, rep after rep), the slow stock-full rows in a
    # phase of their own at the end: on this VM a row's page cache churn and the proactive
    # reclaim during a 10-second row slow down the page cache writes of the rows right after.
    phases = [[r for r in rows if r.group == g and r.id != "stock-full"] for g in groups]
    phases.append([r for r in rows if r.id == "stock-full"])
    schedule = [(rep, r) for phase in phases for rep in range(a.reps) for r in phase]
    for rep, r in schedule:
        if r.setup:
            sh(r.setup)
        sh("sync")
        if a.drop_caches:
            sh("echo 3 > /proc/sys/vm/drop_caches")
        else:
            sh(r.inputs)
        t, rss, user, system = run_measured(r.cmd, errlog, os.path.join(work, "rusage"), chrt)
        r.times.append(t)
        r.rss.append(rss)
        r.user.append(user)
        r.sys.append(system)
        log("rep %d/%d  %-20s %7.3f s  %7.1f MiB" % (rep + 1, a.reps, r.key(), t, rss / 1024))
    sh("sync")

    profiles = {}
    if perf:
        profiles = profile_rows(perf, [r for r in rows if r.id == "ours"], work)
    alloc = {}
    if perf_alloc:
        alloc = alloc_copy_share(perf_alloc, [r for r in rows if r.key() in (
            "install.ours", "install.static")], work)

    # ---- report ------------------------------------------------------------------------------------
    by = {r.key(): r for r in rows}
    comparisons = []

    def compare(num, den, kind, target=None, headline=False):
        if num not in by or den not in by:
            return
        a_, b_ = by[num], by[den]
        if kind == "time":
            rmin = min(a_.times) / min(b_.times)
            rmed = statistics.median(a_.times) / statistics.median(b_.times)
        elif kind == "user":  # CPU seconds in user space: the process's own work, not the disk's
            rmin = min(a_.user) / max(min(b_.user), 0.01)
            rmed = statistics.median(a_.user) / max(statistics.median(b_.user), 0.01)
        else:  # speed: den time / num time
            rmin = min(b_.times) / min(a_.times)
            rmed = statistics.median(b_.times) / statistics.median(a_.times)
        c = {"ours": num, "stock": den, "kind": kind, "ratio_min": round(rmin, 3),
             "ratio_median": round(rmed, 3), "headline": headline}
        if target:
            op, val = target
            c["target"] = "%s %s" % (op, val)
            c["target_met"] = (rmed <= val) if op == "<=" else (rmed >= val)
        comparisons.append(c)

    compare("pack.ours", "pack.stock", "time", ("<=", 1.10), True)
    compare("pack.ours", "pack.stock+fsync", "time")
    compare("pack.ours-nofsync", "pack.stock", "time")
    compare("pack.ours", "pack.stock-full", "time")
    compare("install.ours", "install.stock", "time", ("<=", 1.10), True)
    compare("install.ours", "install.stock+fsync", "time")
    compare("install.ours-nofsync", "install.stock", "time")
    compare("install.ours", "install.stock-full", "time")
    compare("verify.ours", "verify.stock", "speed", (">=", 0.9), True)
    # static (zig, musl, static libcrypto) against the Debian build; musl's memcpy/malloc must
    # not cost more than 5% of install throughput (issue 16). The wall time of an install is
    # mostly the kernel writing back the page cache, which varies by more than 2x from run to
    # run on a VM; the user CPU time is what the binary itself spends, so the target is on it.
    compare("pack.static", "pack.ours", "time")
    compare("install.static", "install.ours", "time")
    compare("verify.static", "verify.ours", "time")
    compare("pack.static", "pack.ours", "user")
    compare("install.static", "install.ours", "user", ("<=", 1.05))
    compare("verify.static", "verify.ours", "user")
    compare("pack.static", "pack.stock", "time")
    compare("install.static", "install.stock", "time")
    compare("verify.static", "verify.stock", "speed")

    load_end = loadavg()
    host = {
        "cpu": cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(),
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "workdir_fs": fs_type(work), "load_start": round(load_start, 2),
        "load_end": round(load_end, 2),
        "tools": {t: tool_version(t) for t in ("zstd", "tar", "minisign", "sha256sum")},
    }
    result = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "smoke": a.smoke, "host": host,
        "config": {"size": a.size, "reps": a.reps, "threads": a.threads, "level": a.level,
                   "static": a.static,
                   "page_cache": cache_mode, "eatmydata": bool(eatmydata),
                   "realtime": bool(chrt)},
        "corpus": {"description": corpus.describe(), "bytes": kit_bytes, "files": kit_files,
                   "bundle_bytes": bundle_bytes, "tar_zstd_bytes": plain_bytes,
                   "bundle_vs_tar_zstd": round(bundle_bytes / plain_bytes, 5)},
        "rows": [r.summary() for r in rows], "comparisons": comparisons, "profiles": profiles,
        "sha256": sha, "alloc_copy": alloc,
    }
    with open(out_json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print_report(result, rows, comparisons, profiles, sha, alloc)
    print("\nresults: %s" % out_json)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def cpu_has_sha():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return "sha_ni" in line.split()
    except OSError:
        pass
    return None


def sha256_speed(path, mib):
    """rdbundle-sha256-speed of one build: {gb_per_s (per CPU second), cpu_s, wall_s, mib}."""
    out = subprocess.run([path, str(mib)], check=True, capture_output=True, text=True).stdout
    w = out.split()
    return {"gb_per_s": float(w[1]), "mib": int(w[3]), "cpu_s": float(w[5]),
            "wall_s": float(w[7])}


# Symbols of the allocator and of memcpy/memmove/memset in musl (mallocng) and glibc.
ALLOC_COPY = re.compile(r"^(__libc_)?(malloc|free|calloc|realloc|aligned_alloc|posix_memalign|"
                        r"memalign)(_impl)?$|^(__)?mem(cpy|move|set)|^_int_(malloc|free|realloc)|"
                        r"^(alloc_slot|alloc_group|alloc_meta|enframe|get_meta|get_stride|"
                        r"nontrivial_free|try_avail|malloc_consolidate|unlink_chunk|tcache_|"
                        r"__malloc_|cfree|_int_memalign|sysmalloc)")


def alloc_copy_share(perf, rows, work):
    """perf record (cpu-clock) of each row once; returns {row: {"percent": share of the row's
    CPU samples in malloc/free/memcpy/memmove/memset and the allocator's internals, "top":
    [(percent, symbol)]}}: what musl's allocator and copies cost beside glibc's."""
    out = {}
    for r in rows:
        if r.setup:
            sh(r.setup)
        sh("sync")
        sh(r.inputs)
        data = os.path.join(work, "perf-alloc-%s.data" % r.id)
        sh("%s record -q -e cpu-clock -F 999 -o %s -- bash -c %s >/dev/null 2>&1" % (
            perf, q(data), q(r.cmd)))
        rep = subprocess.run([perf, "report", "-i", data, "--no-children", "-s", "sym",
                              "-g", "none", "--stdio"], capture_output=True, text=True).stdout
        total, top = 0.0, []
        for line in rep.splitlines():
            m = re.match(r"\s*([0-9.]+)%\s+\[[.kK]\]\s+(\S+)", line)
            if m and ALLOC_COPY.search(m.group(2)):
                total += float(m.group(1))
                top.append([float(m.group(1)), m.group(2)])
        out[r.key()] = {"percent": round(total, 2), "top": top[:6]}
        log("allocator and copies in %s: %.1f%% of CPU samples" % (r.key(), total))
    return out


def profile_rows(perf, rows, work):
    """perf record (cpu-clock: this VM has no hardware counters) of each of our commands once;
    returns {row: [(percent, thread, dso)]} from `perf report -s comm,dso`."""
    out = {}
    for r in rows:
        if r.setup:
            sh(r.setup)
        sh("sync")
        data = os.path.join(work, "perf-%s.data" % r.group)
        sh("%s record -q -e cpu-clock -F 1999 -g -o %s -- bash -c %s >/dev/null 2>&1" % (
            perf, q(data), q(r.cmd)))
        rep = subprocess.run([perf, "report", "-i", data, "--no-children", "-s", "comm,dso",
                              "-g", "none", "--stdio"], capture_output=True, text=True).stdout
        lines = []
        for line in rep.splitlines():
            m = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+(\S+)", line)
            if m and float(m.group(1)) >= 0.5:
                lines.append([float(m.group(1)), m.group(2), m.group(3)])
        out[r.key()] = lines
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def fs_type(path):
    try:
        return subprocess.run(["findmnt", "-n", "-o", "FSTYPE,OPTIONS", "-T", path],
                              capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def tool_version(t):
    try:
        p = subprocess.run([t, "--version"] if t != "minisign" else [t, "-v"],
                           capture_output=True, text=True)
        return (p.stdout or p.stderr).splitlines()[0].strip()
    except (OSError, IndexError):
        return "?"


def print_report(res, rows, comparisons, profiles, sha, alloc):
    c, h = res["corpus"], res["host"]
    print()
    print("rdbundle bench  %s" % res["date"])
    print("host    %s, %d cores, %.0f GiB, %s; load average %.2f at start, %.2f at end" % (
        h["cpu"], h["cores"], h["mem_gib"], h["workdir_fs"].split(" ")[0], h["load_start"],
        h["load_end"]))
    print("corpus  %s in %d files: %s" % (human(c["bytes"]), c["files"], c["description"]))
    print("bundle  %s; tar | zstd -%d of the same files %s: bundle/tar.zst = %.4f" % (
        human(c["bundle_bytes"]), res["config"]["level"], human(c["tar_zstd_bytes"]),
        c["bundle_vs_tar_zstd"]))
    print("setup   %d repetitions per row (rows of a group interleaved), page cache %s; threads %d, zstd level "
          "%d on both sides" % (res["config"]["reps"], res["config"]["page_cache"],
                                res["config"]["threads"], res["config"]["level"]))
    if res["smoke"]:
        print("SMOKE RUN: a few MB, one repetition; the numbers mean nothing")
    print()
    print("%-21s %8s %8s %9s %9s  %s" % ("row", "min s", "med s", "MB/s", "peak RSS", "what"))
    for r in rows:
        med = statistics.median(r.times)
        print("%-21s %8.3f %8.3f %9.0f %6.1f MiB  %s" % (
            r.key(), min(r.times), med, c["bytes"] / med / 1e6, max(r.rss) / 1024, r.what))
        if r.note:
            print("%-21s %8s %8s %9s %10s  (%s)" % ("", "", "", "", "", r.note))
    print()
    print("%-44s %9s %9s  %s" % ("ours vs stock", "min", "median", "target"))
    for x in comparisons:
        label = "%s / %s%s" % (x["ours"], x["stock"],
                               {"speed": " (speed)", "user": " (user CPU)"}.get(x["kind"], ""))
        tgt = ""
        if "target" in x:
            tgt = "%s: %s" % (x["target"], "met" if x["target_met"] else "MISSED")
        print("%-44s %8.3fx %8.3fx  %s%s" % (label, x["ratio_min"], x["ratio_median"], tgt,
                                             "  <- headline" if x["headline"] else ""))
    for rid in ("install.ours", "verify.ours"):
        r = next((r for r in rows if r.key() == rid), None)
        if r:
            print("%-44s %9.1f MiB  target <= 64 MiB: %s" % (
                rid + " peak RSS", max(r.rss) / 1024, "met" if max(r.rss) <= 64 * 1024
                else "MISSED"))
    print("%-44s %9.4f      target <= 1.01: %s" % (
        "bundle size / tar | zstd size", c["bundle_vs_tar_zstd"],
        "met" if c["bundle_vs_tar_zstd"] <= 1.01 else "MISSED"))
    print()
    ext = sha.get("cpu_sha_extensions")
    for name in ("dynamic", "static"):
        if name in sha:
            x = sha[name]
            tgt = ""
            if name == "static":
                tgt = "  target >= 1 GB/s with SHA extensions: %s" % (
                    ("met" if x["gb_per_s"] >= 1.0 else "MISSED") if ext else
                    "n/a (this CPU has no SHA extensions)")
            print("%-44s %8.2f GB/s per CPU second (%d MiB, one thread)%s" % (
                "SHA-256 " + name + " (rdbundle-sha256-speed)", x["gb_per_s"], x["mib"], tgt))
    if alloc:
        for rid, x in alloc.items():
            print("%-44s %8.1f%% of CPU samples: %s" % (
                "malloc/free/memcpy in " + rid, x["percent"],
                ", ".join("%s %.1f%%" % (s, p) for p, s in x["top"]) or "-"))
        if "install.static" in alloc and "install.ours" in alloc:
            d = alloc["install.static"]["percent"] - alloc["install.ours"]["percent"]
            print("%-44s %8.1f%% (points of CPU; the throughput cost is install.static / "
                  "install.ours above)  target <= 5%%: %s" % (
                      "musl allocator+copies beyond glibc's", d, "met" if d <= 5 else "MISSED"))
    for rid, lines in profiles.items():
        print()
        by_thread = {}
        for pct, comm, _ in lines:
            by_thread[comm] = by_thread.get(comm, 0.0) + pct
        print("profile of %s (perf, cpu-clock samples): %% of CPU time by thread: %s" % (
            rid, ", ".join("%s %.1f%%" % kv for kv in sorted(by_thread.items(),
                                                            key=lambda kv: -kv[1]))))
        for pct, comm, dso in lines[:14]:
            print("  %6.2f%%  %-18s %s" % (pct, comm, dso))


if __name__ == "__main__":
    sys.exit(main())
