#!/usr/bin/env bash
# One prepared run on a lent real GPU (the `device` machine: NVIDIA, Vulkan through a
# carried loader, PyTorch installed, no Rust): `wgtrain bench --json` beside
# `scripts/pytorch_reference.py`, the per-dispatch timestamp table, the kernel and layer
# tests (GPU against the CPU twin) on the real driver, and one MNIST epoch of each seed
# model. Everything it runs was built on the developer's machine and travels in
# `.dev/` (ignored by git):
#   .dev/bin.tar.xz   bin/wgtrain and stripped test binaries (cargo test --no-run)
#   .dev/mnist/       the four MNIST .gz files
#   .gl/*.deb         the Vulkan/GL loader (see the device tool's README)
# Each step has a timeout and the run goes on past a failure; results land in $OUT.
#   bash scripts/real_gpu_check.sh
set -u
out=${OUT:-/tmp/real-gpu}
mkdir -p "$out"
log="$out/log.txt"
exec > >(tee -a "$log") 2>&1
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
# The test binaries find their fixtures under the path they were built in.
built_in=${BUILT_IN:-/work/main}
if [ "$PWD" != "$built_in" ] && [ ! -e "$built_in" ]; then
  mkdir -p "$(dirname "$built_in")" && ln -s "$PWD" "$built_in"
fi
tar -xJf .dev/bin.tar.xz -C .dev
bin=.dev/bin
export MNIST_DIR=$PWD/.dev/mnist WGTRAIN_BACKEND=vulkan
step() { # name timeout command…
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS
  echo "=== $name"
  timeout "$limit" "$@"
  echo "=== $name: rc=$? in $((SECONDS - t0)) s"
}
nvidia-smi -L
step devices 60 $bin/wgtrain devices
step bench 150 sh -c "$bin/wgtrain bench --json > $out/bench.json"
cat "$out/bench.json"
step pytorch 120 sh -c "python3 scripts/pytorch_reference.py cuda 500 > $out/pytorch.json"
cat "$out/pytorch.json"
step profile 120 sh -c "$bin/wgtrain bench --profile --skip-mlp --cnn-steps 100 > $out/profile.txt"
step register-family 120 sh -c "WGTRAIN_MATMUL=register $bin/wgtrain bench --json --skip-mlp > $out/bench_register.json"
cat "$out/bench_register.json"
tests=$out/tests.txt
for t in ops resident model runtime layers_tutorial layers_tutorial_b batch_normalization autotune; do
  step "test $t" 90 sh -c "$bin/$t --test-threads 4 >> $tests 2>&1"
  grep -E "^test result|FAILED|panicked" "$tests" | tail -n 3
done
step "train mlp" 150 $bin/wgtrain train --model mlp --epochs 1 --json --quiet --out /tmp/run-mlp
step "train cnn" 200 $bin/wgtrain train --model cnn --epochs 1 --json --quiet --out /tmp/run-cnn
