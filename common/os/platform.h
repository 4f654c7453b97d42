// Process-level platform calls (terminal, signals, WSL detection), POSIX in platform_posix.cc,
// Win32 in platform_win32.cc.
#pragma once

#include <optional>
#include <string>

namespace rdbundle {

// True when stderr is a terminal: progress displays are drawn only then (or when forced).
bool StderrIsTerminal();
// True when stdout is a terminal (colour in human-readable reports).
bool StdoutIsTerminal();
// True when $TERM is "dumb" (Emacs shell buffers, some CI consoles): a terminal that moves the
// cursor with "\r" but understands no escape sequences.
bool TerminalIsDumb();
// True when stdin is a terminal: a bundle read from "-" would wait for typing, not a pipe.
bool StdinIsTerminal();

// True when running under WSL, where the user's Rancher Desktop is the Windows one.
bool RunningUnderWsl();

// SIGINT/SIGTERM/SIGHUP set a flag instead of killing the process, so long operations can stop
// at the next chunk and clean up their temporary files. Idempotent.
void InstallInterruptHandlers();
// Non-zero (the signal number) once a handled signal arrived.
int InterruptSignal();

// Names the calling thread for ps, top and perf (Linux: at most 15 characters; elsewhere a
// no-op). The pipelines name their stages "rdb-unzstd" and "rdb-sha256".
void NameThisThread(const char* name);

// The effective user id (geteuid; 0 for root). Windows: always 0 (no POSIX owners).
unsigned CurrentUid();

// The user's local application data folder, where Rancher Desktop keeps its cache on Windows
// (SHGetKnownFolderPath(FOLDERID_LocalAppData), e.g. C:\Users\<u>\AppData\Local), UTF-8.
// nullopt on other systems, or when Windows cannot say.
std::optional<std::string> LocalAppDataDir();

// Seconds since the Unix epoch (wall clock).
long long UnixNow();

}  // namespace rdbundle
