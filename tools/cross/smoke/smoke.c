/* Cross-build smoke test: links every C dependency of rdbundle the way the project will and
 * exercises each once. "smoke_c" runs the checks; "smoke_c sha256 MIB" times SHA-256 over MIB
 * mebibytes (OpenSSL EVP, CNG on Windows) and prints MB/s per CPU second and wall clock. */
#if defined(_WIN32)
#  define WIN32_LEAN_AND_MEAN
#  include <windows.h>
#  include <bcrypt.h>
#else
#  include <openssl/evp.h>
#  include <openssl/crypto.h>
#endif
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <sodium.h>
#include <zstd.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures;
#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) { fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } \
  } while (0)

static void hex(const unsigned char *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static int sha256(const void *data, size_t n, unsigned char out[32]) {
#if defined(_WIN32)
  return BCRYPT_SUCCESS(BCryptHash(BCRYPT_SHA256_ALG_HANDLE, NULL, 0, (PUCHAR)data, (ULONG)n, out, 32));
#else
  unsigned int len = 0;
  return EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32;
#endif
}

/* SHA-256 of TOTAL bytes fed in 1 MiB updates from a 16 MiB buffer, as a streaming reader does */
static int sha256_stream(const unsigned char *buf, size_t bufsize, size_t total, unsigned char out[32]) {
  const size_t chunk = 1 << 20;
#if defined(_WIN32)
  BCRYPT_HASH_HANDLE h = NULL;
  if (!BCRYPT_SUCCESS(BCryptCreateHash(BCRYPT_SHA256_ALG_HANDLE, &h, NULL, 0, NULL, 0, 0))) return 0;
  for (size_t done = 0; done < total; done += chunk)
    if (!BCRYPT_SUCCESS(BCryptHashData(h, (PUCHAR)buf + done % bufsize, (ULONG)chunk, 0))) return 0;
  int ok = BCRYPT_SUCCESS(BCryptFinishHash(h, out, 32, 0));
  BCryptDestroyHash(h);
  return ok;
#else
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  int ok = EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
  for (size_t done = 0; ok && done < total; done += chunk)
    ok = EVP_DigestUpdate(c, buf + done % bufsize, chunk) == 1;
  ok = ok && EVP_DigestFinal_ex(c, out, NULL) == 1;
  EVP_MD_CTX_free(c);
  return ok;
#endif
}

/* CPU time of this process: the machine may be busy with other work */
static double cpu_seconds(void) {
#if defined(_WIN32)
  FILETIME c, e, k, u;
  GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u);
  return (((unsigned long long)u.dwHighDateTime << 32 | u.dwLowDateTime) +
          ((unsigned long long)k.dwHighDateTime << 32 | k.dwLowDateTime)) / 1e7;
#else
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
#endif
}

static double now(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check_sha256(void) {
  unsigned char d[32];
  char h[65];
  CHECK(sha256("abc", 3, d));
  hex(d, 32, h);
  CHECK(strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
}

static void check_zstd(void) {
  char in[4096];
  for (size_t i = 0; i < sizeof in; i++) in[i] = (char)("rdbundle"[i % 8] + i / 512);
  size_t bound = ZSTD_compressBound(sizeof in);
  char *c = malloc(bound), out[4096];
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  CHECK(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_nbWorkers, 2)));  /* multithreaded */
  size_t n = ZSTD_compress2(cc, c, bound, in, sizeof in);
  CHECK(!ZSTD_isError(n));
  ZSTD_freeCCtx(cc);
  size_t m = ZSTD_decompress(out, sizeof out, c, n);
  CHECK(m == sizeof in && memcmp(in, out, m) == 0);
  free(c);
}

static void check_sodium(void) {
  CHECK(sodium_init() >= 0);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
  crypto_sign_keypair(pk, sk);
  crypto_sign_detached(sig, NULL, (const unsigned char *)"m", 1, sk);
  CHECK(crypto_sign_verify_detached(sig, (const unsigned char *)"m", 1, pk) == 0);
  unsigned char key[32], salt[crypto_pwhash_scryptsalsa208sha256_SALTBYTES] = {0};
  CHECK(crypto_pwhash_scryptsalsa208sha256(key, sizeof key, "pw", 2, salt,
        crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_INTERACTIVE,
        crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_INTERACTIVE) == 0);
  unsigned char b2[32];
  crypto_generichash(b2, sizeof b2, (const unsigned char *)"", 0, NULL, 0);
  char h[65];
  hex(b2, 32, h);
  CHECK(strcmp(h, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8") == 0);
}

static void check_archive(void) {
  static char buf[16384];
  size_t used = 0;
  struct archive *a = archive_write_new();
  CHECK(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
  CHECK(archive_write_open_memory(a, buf, sizeof buf, &used) == ARCHIVE_OK);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, "k3s/v1.30.4+k3s1/k3s");
  archive_entry_set_size(e, 5);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0755);
  CHECK(archive_write_header(a, e) == ARCHIVE_OK);
  CHECK(archive_write_data(a, "hello", 5) == 5);
  archive_entry_free(e);
  CHECK(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);

  struct archive *r = archive_read_new();
  archive_read_support_format_tar(r);
  CHECK(archive_read_open_memory(r, buf, used) == ARCHIVE_OK);
  CHECK(archive_read_next_header(r, &e) == ARCHIVE_OK);
  CHECK(strcmp(archive_entry_pathname(e), "k3s/v1.30.4+k3s1/k3s") == 0);
  char data[8] = {0};
  CHECK(archive_read_data(r, data, sizeof data) == 5 && memcmp(data, "hello", 5) == 0);
  CHECK(archive_read_next_header(r, &e) == ARCHIVE_EOF);
  archive_read_free(r);
  /* tar only: no compression filter may be compiled in */
  struct archive *f = archive_write_new();
  CHECK(archive_write_add_filter_gzip(f) != ARCHIVE_OK);
  archive_write_free(f);
}

static void check_curl(void) {
  CHECK(curl_global_init(CURL_GLOBAL_ALL) == CURLE_OK);
  curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  int http = 0, https = 0, other = 0;
  for (const char *const *p = v->protocols; *p; p++) {
    if (!strcmp(*p, "http")) http = 1;
    else if (!strcmp(*p, "https")) https = 1;
    else { fprintf(stderr, "unexpected curl protocol %s\n", *p); other = 1; }
  }
  CHECK(http && https && !other);
  CHECK(v->ssl_version != NULL);
  CHECK(!(v->features & CURL_VERSION_LIBZ));
  printf("curl %s, TLS %s\n", v->version, v->ssl_version ? v->ssl_version : "none");
  /* the socket and resolver path: nothing listens on port 9 of the loopback */
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, "http://127.0.0.1:9/");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  CURLcode rc = curl_easy_perform(c);
  CHECK(rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT);
  curl_easy_cleanup(c);
  curl_global_cleanup();
}

static int bench(size_t mib) {
  const size_t bufsize = 16 << 20;
  unsigned char *buf = malloc(bufsize), d[32];
  for (size_t i = 0; i < bufsize; i++) buf[i] = (unsigned char)(i * 131);
  CHECK(sha256_stream(buf, bufsize, bufsize, d)); /* warm up */
  double w0 = now(), c0 = cpu_seconds();
  CHECK(sha256_stream(buf, bufsize, mib << 20, d));
  double w = now() - w0, c = cpu_seconds() - c0;
#if defined(_WIN32)
  const char *impl = "CNG (bcrypt)";
#else
  const char *impl = OpenSSL_version(OPENSSL_VERSION);
#endif
  printf("sha256 %s: %zu MiB, %.0f MB/s per CPU second (%.0f MB/s wall clock)\n", impl, mib,
         (double)(mib << 20) / c / 1e6, (double)(mib << 20) / w / 1e6);
  free(buf);
  return failures != 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "sha256")) return bench((size_t)atoi(argv[2]));
  check_sha256();
  check_zstd();
  check_sodium();
  check_archive();
  check_curl();
  printf("zstd %s, libsodium %s, %s\n", ZSTD_versionString(), sodium_version_string(),
         archive_version_details());
  if (failures) { printf("smoke_c: %d failed\n", failures); return 1; }
  printf("smoke_c: all checks passed\n");
  return 0;
}
