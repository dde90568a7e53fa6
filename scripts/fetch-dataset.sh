#!/usr/bin/env bash
# Download an MNIST-format data set's four IDX files (gzip), or CIFAR-10's binary
# archive (cifar-10-binary.tar.gz, read as it is: no extraction needed), into DIR
# (default data/NAME) and keep each only if its SHA-256 matches scripts/datasets.sha256
# (the sums published with TensorFlow Datasets). Files already there and correct are not
# downloaded again. mnist is handed to scripts/fetch-mnist.sh.
#
#   bash scripts/fetch-dataset.sh fashion_mnist|kmnist|emnist_digits|cifar10|mnist [DIR]
#   DATASET_MIRROR=https://example.org/fashion/ bash scripts/fetch-dataset.sh fashion_mnist
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
name="${1:-}"
case "$name" in
  mnist) shift; exec bash "$here/fetch-mnist.sh" "$@" ;;
  fashion_mnist) mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/") ;;
  kmnist) mirrors=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/") ;;
  cifar10) mirrors=("https://www.cs.toronto.edu/~kriz/") ;;
  emnist_digits)
    # EMNIST ships as one zip of every split (~560 MB): fetched, checked, and only the
    # digits' four files kept.
    dir="${2:-data/emnist_digits}"
    want="$(awk '$2 == "emnist/gzip.zip" { print $1 }' "$here/datasets.sha256")"
    for tool in curl sha256sum unzip; do
      command -v "$tool" >/dev/null || { echo "fetch-dataset: needs $tool (apt-get install $tool)" >&2; exit 1; }
    done
    mkdir -p "$dir"
    zip="$dir/.gzip.zip.part"
    for m in ${DATASET_MIRROR:-} "https://biometrics.nist.gov/cs_links/EMNIST/" \
             "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/"; do
      if curl -fSL --retry 2 --connect-timeout 15 -o "$zip" "${m%/}/gzip.zip" &&
         [ "$(sha256sum < "$zip" | cut -d' ' -f1)" = "$want" ]; then
        unzip -j -o "$zip" 'gzip/emnist-digits-*' -d "$dir" >/dev/null
        rm -f "$zip"
        echo "emnist_digits is ready in $dir"
        [ "$dir" = "data/emnist_digits" ] || echo "use it with --dataset emnist_digits --data $dir"
        exit 0
      fi
      echo "warning: no correct gzip.zip from $m" >&2
      rm -f "$zip"
    done
    echo "error: no mirror gave a correct EMNIST gzip.zip; set DATASET_MIRROR to a folder URL that has it" >&2
    exit 1 ;;
  *) echo "usage: bash scripts/fetch-dataset.sh fashion_mnist|kmnist|emnist_digits|cifar10|mnist [DIR]" >&2; exit 2 ;;
esac
dir="${2:-data/$name}"
mirrors=(${DATASET_MIRROR:-} "${mirrors[@]}")
sums="$here/datasets.sha256"

for tool in curl sha256sum; do
  command -v "$tool" >/dev/null || { echo "fetch-dataset: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
mkdir -p "$dir"

status=0
while read -r want path; do
  [ "${path%%/*}" = "$name" ] || continue
  file="${path#*/}"
  if [ -f "$dir/$file" ] && [ "$(sha256sum < "$dir/$file" | cut -d' ' -f1)" = "$want" ]; then
    echo "ok       $dir/$file (already there, checksum verified)"
    continue
  fi
  fetched=""
  for m in "${mirrors[@]}"; do
    [ -n "$m" ] || continue
    tmp="$dir/.$file.part"
    if curl -fsSL --retry 2 --connect-timeout 15 -o "$tmp" "${m%/}/$file"; then
      if [ "$(sha256sum < "$tmp" | cut -d' ' -f1)" = "$want" ]; then
        mv "$tmp" "$dir/$file"
        echo "fetched  $dir/$file from $m (checksum verified)"
        fetched=yes
        break
      fi
      echo "warning: $file from $m has the wrong checksum; trying the next mirror" >&2
    else
      echo "warning: could not download $file from $m" >&2
    fi
    rm -f "$tmp"
  done
  if [ -z "$fetched" ]; then
    echo "error: no mirror gave a correct $file; set DATASET_MIRROR to a folder URL that has it" >&2
    status=1
  fi
done < "$sums"

if [ "$status" = 0 ]; then
  echo "$name is ready in $dir"
  [ "$dir" = "data/$name" ] || echo "use it with --dataset $name --data $dir"
fi
exit "$status"
