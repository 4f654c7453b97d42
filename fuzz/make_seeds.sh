#!/usr/bin/env bash
# Regenerates the checked-in seed corpora fuzz/corpus/<target>/ (files named by sha1 of their
# content). Deterministic: running it again reproduces the same files.
#   1. rdb_fuzz_make_seeds (fuzz/make_seeds.cc): inputs built by the project's own writers and
#      signed with the fixed fuzz key (valid bundles, manifests, keys, recipes, ...);
#   2. inputs from outside the project: signatures and keys made by the real `minisign`
#      (fuzz/keys/minisign-test.*), and the upstream samples in tests/testdata/upstream/.
# Usage: fuzz/make_seeds.sh [BUILD_DIR]   (default build-fz; the tool is built there first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fz}
corpus=fuzz/corpus
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -G Ninja >/dev/null
cmake --build "$build" --target rdb_fuzz_make_seeds >/dev/null

rm -rf "$corpus"
mkdir -p "$corpus"
"$build/fuzz/rdb_fuzz_make_seeds" "$corpus"

add() {  # add TARGET FILE: copy FILE in under the sha1 of its content
  mkdir -p "$corpus/$1"
  cp "$2" "$corpus/$1/$(sha1sum <"$2" | cut -d' ' -f1)"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The real minisign: its key files, and signatures (prehashed, legacy, custom comments) of the
# message fuzz_signature.cc verifies.
add public_key fuzz/keys/minisign-test.pub
tail -n 1 fuzz/keys/minisign-test.pub >"$tmp/bare.pub"
add public_key "$tmp/bare.pub"
add secret_key fuzz/keys/minisign-test.key
printf 'rdbundle fuzz: the message the signature seeds sign\n' >"$tmp/msg"
minisign -S -s fuzz/keys/minisign-test.key -m "$tmp/msg" -x "$tmp/a.minisig" \
  -t 'rdbundle-format:1 bundle-id:0123456789abcdef0123456789abcdef' </dev/null >/dev/null
add signature "$tmp/a.minisig"
minisign -S -s fuzz/keys/minisign-test.key -m "$tmp/msg" -x "$tmp/b.minisig" \
  -t "$(printf 'timestamp:1795608000\tfile:msg\thashed')" -c 'signature from minisign secret key' \
  </dev/null >/dev/null
add signature "$tmp/b.minisig"
if minisign -S -l -s fuzz/keys/minisign-test.key -m "$tmp/msg" -x "$tmp/c.minisig" -t 'legacy' \
     </dev/null >/dev/null 2>&1; then
  add signature "$tmp/c.minisig"
fi

# Upstream samples (a trimmed release list: the real page is 100 KB).
add sha256sums tests/testdata/upstream/sha256sum-amd64.txt
add channels_json tests/testdata/upstream/channels.json
python3 - tests/testdata/upstream/releases.json "$tmp/releases" <<'EOF'
import json, sys
releases = json.load(open(sys.argv[1]))[:3]
for r in releases:
    r.pop("body", None)
    r["assets"] = [{k: a[k] for k in ("name", "browser_download_url", "size", "state")} for a in r["assets"]][:6]
open(sys.argv[2], "wb").write(b"\x03" + json.dumps(releases, separators=(",", ":")).encode())
EOF
add releases_json "$tmp/releases"

# OCI registry answers and references (packer/oci_*.h), as distribution 2.8 and oras write them.
seed() {  # seed TARGET TEXT
  printf '%s' "$2" >"$tmp/seed"
  add "$1" "$tmp/seed"
}
d=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
b=sha256:$(printf b%.0s $(seq 64))
seed oci_ref 'oci://127.0.0.1:5000/rd/kit:2026-12'
seed oci_ref "oci://[::1]/kit@$d"
seed oci_ref 'oci://registry.example.com/a__b/c-d.e'
seed oci_manifest "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":\"application/vnd.rdbundle.bundle.v1\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"$d\",\"size\":2,\"data\":\"e30=\"},\"layers\":[{\"mediaType\":\"application/vnd.rdbundle.bundle.v1.tar+zstd\",\"digest\":\"$b\",\"size\":123,\"annotations\":{\"org.opencontainers.image.title\":\"kit.rdbundle\"}},{\"mediaType\":\"application/vnd.rdbundle.signature.v1.minisign\",\"digest\":\"$d\",\"size\":412}],\"annotations\":{\"io.rdbundle.bundle-id\":\"0123456789abcdef0123456789abcdef\",\"org.opencontainers.image.created\":\"2026-11-25T13:39:39Z\"}}"
seed oci_manifest "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":1469,\"digest\":\"$b\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":2479,\"digest\":\"$d\"}]}"
seed oci_tags '{"name":"rd/kit","tags":["2026-12","latest","sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"]}'
seed oci_tags '{"name":"rd/kit","tags":null}'
seed www_authenticate 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'
seed www_authenticate 'Basic realm="Registry Realm", Bearer realm="http://127.0.0.1:5001/token", error="invalid_token", error_description="The access token expired"'
seed token_response '{"token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","access_token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","expires_in":300,"issued_at":"2026-11-25T13:39:39Z"}'
seed token_response '{"access_token":"abc","expires_in":60}'
seed docker_config '{"auths":{"127.0.0.1:5000":{"auth":"dTpw"},"https://index.docker.io/v1/":{"auth":"dXNlcjpwYXNz","identitytoken":"tok"},"harbor.example.com":{"username":"u","password":"p"}},"credHelpers":{"123.dkr.ecr.us-east-1.amazonaws.com":"ecr-login"},"credsStore":"desktop","HttpHeaders":{"User-Agent":"x"}}'
seed credential_helper '{"ServerURL":"127.0.0.1:5000","Username":"u","Secret":"p"}'
seed credential_helper '{"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"refresh"}'

printf 'fuzz/corpus: %s files, %s\n' "$(find "$corpus" -type f | wc -l)" "$(du -sh "$corpus" | cut -f1)"
