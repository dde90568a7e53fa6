#!/usr/bin/env bash
# The seed MLP and seed CNN's ms per training step (batch 32) side by side in one run on
# this machine: wgtrain on the GPU adapter (`wgtrain bench`), wgtrain's CPU reference
# device, and Keras 3 on the CPU (scripts/keras_reference.py; needs Python with keras and
# a backend: KERAS_PYTHON=path/to/python, default python3). Prints a Markdown table.
#   MNIST_DIR=data/mnist bash scripts/side_by_side.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export MNIST_DIR=${MNIST_DIR:-data/mnist}
py=${KERAS_PYTHON:-python3}
cargo build --release --quiet
bin=target/release/wgtrain
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { # json-file key → value
  "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"
}

# wgtrain on the GPU adapter: the bench's figures.
"$bin" bench --json --cnn-steps 200 > "$tmp/bench.json" 2>/dev/null
adapter=$(field "$tmp/bench.json" adapter)
gpu_mlp=$(field "$tmp/bench.json" mlp_ms_per_step)
gpu_cnn=$(field "$tmp/bench.json" cnn_ms_per_step)

# wgtrain's CPU reference device: one epoch on a slice (validation split 0.2 as the
# tutorial), ms per step from the epoch's seconds and steps.
cpu_ms() { # model, limit
  "$bin" train --device cpu --model "$1" --epochs 1 --limit "$2" --quiet --json \
    --out "$tmp/run-$1" 2>/dev/null | head -n 1 > "$tmp/cpu-$1.json"
  "$py" -c "import json,sys; e=json.load(open(sys.argv[1])); print(round(1e3*e['seconds']/e['steps'], 2))" "$tmp/cpu-$1.json"
}
cpu_mlp=$(cpu_ms mlp 20000)
cpu_cnn=$(cpu_ms cnn 2000)

# Keras 3 on the CPU: one full epoch of 48,000 images (1,500 steps).
keras_ms() { # model
  if ! out=$(KERAS_BACKEND=${KERAS_BACKEND:-tensorflow} "$py" scripts/keras_reference.py 42 "$1" 1 2>/dev/null | tail -n 1); then
    echo "n/a"; return
  fi
  "$py" -c "import json,sys; print(round(1e3*json.loads(sys.argv[1])['seconds_per_epoch'][0]/1500, 2))" "$out"
}
keras_mlp=$(keras_ms mlp)
keras_cnn=$(keras_ms cnn)
keras_version=$("$py" -c "import keras; print(keras.__version__)" 2>/dev/null || echo "not installed")

echo "| ms per step (batch 32) | wgtrain, $adapter | wgtrain, CPU reference device | Keras $keras_version, CPU |"
echo "|---|---|---|---|"
echo "| seed MLP | $gpu_mlp | $cpu_mlp | $keras_mlp |"
echo "| seed CNN | $gpu_cnn | $cpu_cnn | $keras_cnn |"
