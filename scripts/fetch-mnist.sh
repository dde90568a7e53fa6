#!/usr/bin/env bash
# Download MNIST's four IDX files (gzip) into DIR (default data/mnist) from well-known
# public mirrors, and keep them only if the SHA-256 of the decompressed data matches
# scripts/mnist.sha256. Files already there and correct are not downloaded again.
#
#   bash scripts/fetch-mnist.sh [DIR]
#   MNIST_MIRROR=https://example.org/mnist/ bash scripts/fetch-mnist.sh   # try this mirror first
#   MNIST_MIRRORS="URL1 URL2" bash scripts/fetch-mnist.sh                  # only these mirrors
#
# Offline (no mirror answers), it says so in one line and how to place the files by hand;
# curl's own messages are shown only with FETCH_VERBOSE=1.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-data/mnist}"
sums="$here/mnist.sha256"
if [ -n "${MNIST_MIRRORS:-}" ]; then
  read -r -a mirrors <<< "$MNIST_MIRRORS"
else
  mirrors=(
    ${MNIST_MIRROR:-}
    "https://ossci-datasets.s3.amazonaws.com/mnist/"
    "https://storage.googleapis.com/cvdf-datasets/mnist/"
    "https://raw.githubusercontent.com/fgnt/mnist/master/"
    "http://yann.lecun.com/exdb/mnist/"
  )
fi

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
offline=""     # set once a file could be fetched from no mirror and none was reachable
reached=""     # set once any mirror answered
last_error=""
missing_files=()
while read -r _ name; do
  if verified "$name"; then
    echo "ok       $dir/$name (already there, checksum verified)"
    continue
  fi
  fetched=""
  for m in "${mirrors[@]}"; do
    [ -n "$m" ] && [ -z "$offline" ] || continue
    tmp="$dir/.$name.gz.part"
    if err="$(curl -fsS --retry 2 --connect-timeout 15 -o "$tmp" "${m%/}/$name.gz" 2>&1)"; then
      reached=yes
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
      last_error="curl: ${err##*curl: }"
      # An HTTP error means the mirror answered; anything else (no DNS, no route) is
      # counted as unreachable.
      case "$err" in *"returned error"*|*"HTTP"*) reached=yes ;; esac
      [ "${FETCH_VERBOSE:-0}" = 1 ] && echo "warning: $m: $err" >&2
    fi
  done
  if [ -z "$fetched" ]; then
    [ -n "$reached" ] || offline=yes
    missing_files+=("$name")
    status=1
  fi
done < "$sums"

if [ "$status" = 0 ]; then
  echo "MNIST is ready in $dir"
  [ "$dir" = "data/mnist" ] || echo "use it with --data $dir or MNIST_DIR=$dir"
  exit 0
fi
if [ -n "$offline" ]; then
  echo "error: could not download MNIST: no mirror could be reached (${last_error:-no mirror}); put the four files (gzip or not) in $dir by hand:" >&2
else
  echo "error: no mirror gave a correct copy of ${missing_files[*]} (last error: ${last_error:-wrong checksum}); set MNIST_MIRROR to a folder URL that has them, or put them in $dir by hand:" >&2
fi
while read -r sum name; do
  echo "  $name(.gz)  sha256 of the uncompressed file: $sum" >&2
done < "$sums"
exit 1
