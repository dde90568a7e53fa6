#!/usr/bin/env bash
# The seed MLP and seed CNN's ms per training step (batch 32) side by side in one run on
# this machine: wgtrain on the GPU adapter (`wgtrain bench`), wgtrain's CPU reference
# device, and Keras 3 on the CPU (scripts/keras_reference.py; needs Python with keras and
# a backend: KERAS_PYTHON=path/to/python, default python3; "n/a" without it). Prints a
# Markdown table: each figure in ms, and beside it its ratio to the GPU adapter's figure
# of the same round (absolute CPU-adapter figures move several-fold between machines and
# with load: compare figures measured together, never across runs), then the machine and
# its load average.
#   MNIST_DIR=data/mnist bash scripts/side_by_side.sh
#   ROUNDS=3 ...   repeat the three measurements interleaved (A B C A B C …): medians
#   CNN_STEPS=200  the bench's timed CNN steps
set -euo pipefail
cd "$(dirname "$0")/.."
export MNIST_DIR=${MNIST_DIR:-data/mnist}
py=${KERAS_PYTHON:-python3}
rounds=${ROUNDS:-1}
cnn_steps=${CNN_STEPS:-200}
cargo build --release --quiet
bin=target/release/wgtrain
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

field() { # json-file key → value
  "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"
}

# wgtrain's CPU reference device: one epoch on a slice (validation split 0.2 as the
# tutorial), ms per step from the epoch's seconds and steps.
cpu_ms() { # model, limit
  "$bin" train --device cpu --model "$1" --epochs 1 --limit "$2" --quiet --json \
    --out "$tmp/run-$1" 2>/dev/null | head -n 1 > "$tmp/cpu-$1.json"
  rm -rf "$tmp/run-$1"
  "$py" -c "import json,sys; e=json.load(open(sys.argv[1])); print(round(1e3*e['seconds']/e['steps'], 2))" "$tmp/cpu-$1.json"
}

# Keras 3 on the CPU: one full epoch of 48,000 images (1,500 steps).
if keras_version=$("$py" -c "import keras; print(keras.__version__)" 2>/dev/null); then
  have_keras=1
else
  have_keras=0
  keras_version="(not installed)"
fi
keras_ms() { # model
  if [ "$have_keras" = 0 ] || ! out=$(KERAS_BACKEND=${KERAS_BACKEND:-tensorflow} "$py" scripts/keras_reference.py 42 "$1" 1 2>/dev/null | tail -n 1); then
    echo "n/a"; return
  fi
  "$py" -c "import json,sys; print(round(1e3*json.loads(sys.argv[1])['seconds_per_epoch'][0]/1500, 2))" "$out"
}

# One round: the three measurements back to back; ROUNDS repeats them interleaved.
for r in $(seq 1 "$rounds"); do
  # wgtrain on the GPU adapter: the bench's figures.
  "$bin" bench --json --cnn-steps "$cnn_steps" > "$tmp/bench.json" 2>/dev/null
  adapter=$(field "$tmp/bench.json" adapter)
  echo "$r gpu mlp $(field "$tmp/bench.json" mlp_ms_per_step)" >> "$tmp/figures"
  echo "$r gpu cnn $(field "$tmp/bench.json" cnn_ms_per_step)" >> "$tmp/figures"
  echo "$r cpu mlp $(cpu_ms mlp 20000)" >> "$tmp/figures"
  echo "$r cpu cnn $(cpu_ms cnn 2000)" >> "$tmp/figures"
  echo "$r keras mlp $(keras_ms mlp)" >> "$tmp/figures"
  echo "$r keras cnn $(keras_ms cnn)" >> "$tmp/figures"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# The table: medians over the rounds, and each ratio the median of the rounds' ratios
# (a round's figures are taken minutes apart, so they share the machine's state).
"$py" - "$tmp/figures" "$adapter" "$keras_version" "$rounds" <<'EOF'
import statistics, sys
path, adapter, keras_version, rounds = sys.argv[1:5]
fig = {}
for line in open(path):
    r, dev, model, *v = line.split()  # a failed measurement leaves no value
    fig[(int(r), dev, model)] = float(v[0]) if v and v[0] != "n/a" else None
def cell(dev, model):
    vals = [v for (r, d, m), v in fig.items() if d == dev and m == model and v is not None]
    if not vals:
        return "n/a"
    ratios = [v / fig[(r, "gpu", model)] for (r, d, m), v in fig.items()
              if d == dev and m == model and v is not None and fig.get((r, "gpu", model))]
    abs_ms = f"{statistics.median(vals):.3g}"
    if dev == "gpu":
        each = ", ".join(f"{v:.3g}" for v in vals)
        return f"{abs_ms} (1×; rounds {each})" if len(vals) > 1 else f"{abs_ms} (1×)"
    if not ratios:
        return abs_ms
    each = ", ".join(f"{q:.2f}" for q in ratios)
    ratio = f"{statistics.median(ratios):.2f}×"
    return f"{abs_ms} ({ratio}; rounds {each})" if len(ratios) > 1 else f"{abs_ms} ({ratio})"
print(f"In brackets: ratio to wgtrain on {adapter} in the same round (median over {rounds} "
      f"round(s){', then each round' if int(rounds) > 1 else ''}).")
print()
print(f"| ms per step (batch 32) | wgtrain, {adapter} | "
      f"wgtrain, CPU reference device | Keras {keras_version}, CPU |")
print("|---|---|---|---|")
for model, name in (("mlp", "seed MLP"), ("cnn", "seed CNN")):
    print(f"| {name} | {cell('gpu', model)} | {cell('cpu', model)} | {cell('keras', model)} |")
EOF
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
echo
echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores; $rounds round(s) interleaved;" \
  "load average (1, 5, 15 min) $load_before before, $load_after after."
