#!/usr/bin/env bash
# Download MNIST's four IDX files (gzip) into DIR (default data/mnist) from well-known
# public mirrors, and keep them only if the SHA-256 of the decompressed data matches
# scripts/mnist.sha256. Files already there and correct are not downloaded again.
#
#   bash scripts/fetch-mnist.sh [DIR]
#   MNIST_MIRROR=https://example.org/mnist/ bash scripts/fetch-mnist.sh   # try this mirror first
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-data/mnist}"
sums="$here/mnist.sha256"
mirrors=(
  ${MNIST_MIRROR:-}
  "https://ossci-datasets.s3.amazonaws.com/mnist/"
  "https://storage.googleapis.com/cvdf-datasets/mnist/"
  "https://raw.githubusercontent.com/fgnt/mnist/master/"
  "http://yann.lecun.com/exdb/mnist/"
)

for tool in curl gzip sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch-mnist: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
mkdir -p "$dir"

# True when $1.gz (or $1) in $dir decompresses to the expected bytes.
verified() {
  local name="$1" want got
  want="$(awk -v n="$name" '$2 == n { print $1 }' "$sums")"
  if [ -f "$dir/$name.gz" ]; then
    got="$(gzip -dc "$dir/$name.gz" 2>/dev/null | sha256sum | cut -d' ' -f1)" || return 1
  elif [ -f "$dir/$name" ]; then
    got="$(sha256sum < "$dir/$name" | cut -d' ' -f1)"
  else
    return 1
  fi
  [ "$got" = "$want" ]
}

status=0
while read -r _ name; do
  if verified "$name"; then
    echo "ok       $dir/$name (already there, checksum verified)"
    continue
  fi
  fetched=""
  for m in "${mirrors[@]}"; do
    [ -n "$m" ] || continue
    tmp="$dir/.$name.gz.part"
    if curl -fsSL --retry 2 --connect-timeout 15 -o "$tmp" "${m%/}/$name.gz"; then
      mv "$tmp" "$dir/$name.gz"
      if verified "$name"; then
        echo "fetched  $dir/$name.gz from $m (checksum verified)"
        fetched=yes
        break
      fi
      echo "warning: $name.gz from $m has the wrong checksum; trying the next mirror" >&2
      rm -f "$dir/$name.gz"
    else
      rm -f "$tmp"
      echo "warning: could not download $name.gz from $m" >&2
    fi
  done
  if [ -z "$fetched" ]; then
    echo "error: no mirror gave a correct $name; set MNIST_MIRROR to a folder URL that has it" >&2
    status=1
  fi
done < "$sums"

if [ "$status" = 0 ]; then
  echo "MNIST is ready in $dir"
  [ "$dir" = "data/mnist" ] || echo "use it with --data $dir or MNIST_DIR=$dir"
fi
exit "$status"
