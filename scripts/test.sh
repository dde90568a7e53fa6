#!/usr/bin/env bash
# The whole test suite, as CI runs it: `cargo test --release` on each software GPU driver,
# under the driver's validation (WGTRAIN_VALIDATION=1: the Khronos validation layer with
# synchronization validation on Vulkan, debug output on GL), where any validation message
# fails the test that caused it:
#   1. lavapipe  (Mesa's Vulkan on the CPU)      every test, then the kernel and layer
#                                                 tests again under a discrete GPU's
#                                                 matmul rules (split family, split-K)
#   2. llvmpipe through GL                        the GPU tests
#   3. SwiftShader (Google's Vulkan on the CPU)   the GPU tests
# and, after lavapipe, the API docs: `cargo doc --no-deps` under RUSTDOCFLAGS="-D warnings".
# Each run checks it really got that driver (WGTRAIN_EXPECT_ADAPTER). A driver or the
# validation layer that is missing is reported and skipped, or fails the run when
# WGTRAIN_REQUIRE_DRIVERS=1 (as in CI). SwiftShader is looked for at $SWIFTSHADER_ICD, in
# Chromium's folder and in target/swiftshader (where .ci/run unpacks Debian's
# chromium-common). WGTRAIN_SKIP_DRIVERS="gl swiftshader" skips drivers by name (lavapipe,
# gl, swiftshader); WGTRAIN_TEST_DRY_RUN=1 prints each cargo command instead of running it.
# The last lines say which drivers ran and which were skipped, and why, and whether the
# Keras round trip ran. Extra arguments go to every `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

require="${WGTRAIN_REQUIRE_DRIVERS:-0}"
# The measured default kernels, not an autotuned table: the same choice every run and
# nothing written to the user's cache (tests/autotune.rs tunes into a scratch folder).
export WGTRAIN_TUNE="${WGTRAIN_TUNE:-off}"
ran=()      # drivers whose run passed
skipped=()  # "driver: why"
missing() { # what is missing; the driver it skips (none for the validation layer)
  if [ "$require" = 1 ]; then
    echo "error: $1 (WGTRAIN_REQUIRE_DRIVERS=1)" >&2
    exit 1
  fi
  echo "warning: $1; skipped" >&2
  skipped+=("${2:-validation}: $1")
}
# True when the user asked to skip driver $1 (recorded as skipped).
skip_asked() {
  case " ${WGTRAIN_SKIP_DRIVERS:-} " in
    *" $1 "*) skipped+=("$1: WGTRAIN_SKIP_DRIVERS"); return 0 ;;
  esac
  return 1
}

# The Keras round trips (tests/keras_roundtrip.rs, keras_tutorial_roundtrip.rs) need Python with Keras and JAX; say up
# front whether it will run, since cargo hides a passing test's output.
keras_py="${WGTRAIN_KERAS_PYTHON:-python3}"
if KERAS_BACKEND=jax "$keras_py" -c "import keras, jax, numpy" >/dev/null 2>&1; then
  echo "note: the Keras round trip runs with $keras_py"
  keras="the Keras round trip ran with $keras_py"
else
  why="no Keras and JAX in $keras_py (pip install keras jax, or set WGTRAIN_KERAS_PYTHON)"
  echo "note: the Keras round trip will be SKIPPED: $why"
  keras="the Keras round trip was SKIPPED: $why"
fi

gpu_tests=(--test ops --test model --test runtime --test resident --test checkpoint --test autotune
           --test checkpoint_hostile --test validation --test batch_normalization
           --test schedules --test metrics)

validation=0
layer_path=${VK_LAYER_PATH:-}
for d in ${layer_path//:/ } /usr/share/vulkan/explicit_layer.d /etc/vulkan/explicit_layer.d \
         /usr/local/share/vulkan/explicit_layer.d; do
  if [ -f "$d/VkLayer_khronos_validation.json" ]; then validation=1; fi
done
if [ "$validation" = 0 ]; then
  missing "the Khronos validation layer is not installed (apt-get install vulkan-validationlayers)"
fi

run() { # name, then env assignments, then cargo test arguments
  local name=$1; shift
  local start=$SECONDS
  echo "=== $name ==="
  if [ "${WGTRAIN_TEST_DRY_RUN:-0}" = 1 ]; then
    echo "(dry run) $*"
  else
    env "$@"
  fi
  echo "=== $name: passed in $((SECONDS - start)) s ==="
}

# 1. lavapipe, everything.
if skip_asked lavapipe; then
  :
elif ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
  lvp=$(ls /usr/share/vulkan/icd.d/lvp_icd*.json | head -n 1)
  run "lavapipe (Vulkan), all tests" VK_ICD_FILENAMES="$lvp" WGTRAIN_BACKEND=vulkan \
    WGTRAIN_VALIDATION=$validation WGTRAIN_EXPECT_ADAPTER=llvmpipe,vulkan \
    cargo test --release "$@"
  ran+=(lavapipe)
else
  missing "lavapipe is not installed (apt-get install mesa-vulkan-drivers libvulkan1)" lavapipe
  run "the default adapter, all tests" cargo test --release "$@"
fi

# 1b. lavapipe again with a discrete GPU's matmul rules (the split family everywhere,
# split-K past K = 256), on the kernel and layer tests: what an NVIDIA/AMD GPU runs, which
# a CPU adapter's defaults (register family, no split) never exercise. The first real-GPU
# run (an H200) found three tests that held only under the CPU adapter's rules.
if ! skip_asked lavapipe && [ -n "${lvp:-}" ]; then
  run "lavapipe with a discrete GPU's matmul rules, kernel and layer tests" \
    VK_ICD_FILENAMES="$lvp" WGTRAIN_BACKEND=vulkan WGTRAIN_VALIDATION=$validation \
    WGTRAIN_EXPECT_ADAPTER=llvmpipe,vulkan WGTRAIN_MATMUL=split WGTRAIN_SPLIT_K_ABOVE=256 \
    cargo test --release --test ops --test resident --test runtime --test batch_normalization \
    --test layers_tutorial --test layers_tutorial_b "$@"
fi

# The API docs build clean: no broken intra-doc links, every public item documented
# (src/lib.rs warns on missing_docs; -D warnings makes any warning fail the step).
run "docs" RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --release

# 2. llvmpipe through GL (EGL), the GPU tests.
if skip_asked gl; then
  :
elif ldconfig -p | grep 'libEGL.so.1' >/dev/null; then
  run "llvmpipe (GL), GPU tests" WGTRAIN_BACKEND=gl WGTRAIN_VALIDATION=1 \
    WGTRAIN_EXPECT_ADAPTER=llvmpipe,gl cargo test --release "${gpu_tests[@]}" "$@"
  ran+=(gl)
else
  missing "no EGL library for the GL backend (apt-get install libegl1 libegl-mesa0)" gl
fi

# 3. SwiftShader, the GPU tests.
swiftshader=""
for f in "${SWIFTSHADER_ICD:-}" /usr/lib/chromium/vk_swiftshader_icd.json \
         target/swiftshader/usr/lib/chromium/vk_swiftshader_icd.json; do
  if [ -n "$f" ] && [ -f "$f" ]; then swiftshader=$(cd "$(dirname "$f")" && pwd)/$(basename "$f"); break; fi
done
if skip_asked swiftshader; then
  :
elif [ -n "$swiftshader" ]; then
  run "SwiftShader (Vulkan), GPU tests" VK_ICD_FILENAMES="$swiftshader" WGTRAIN_BACKEND=vulkan \
    WGTRAIN_VALIDATION=$validation WGTRAIN_EXPECT_ADAPTER=swiftshader,vulkan \
    cargo test --release "${gpu_tests[@]}" "$@"
  ran+=(swiftshader)
else
  missing "SwiftShader not found (Debian's chromium-common ships it; .ci/run unpacks it)" swiftshader
fi

echo "=== summary ==="
if [ ${#skipped[@]} = 0 ]; then
  echo "all driver runs passed: ${ran[*]}, under validation"
else
  echo "driver runs passed: ${ran[*]:-none}"
  for s in "${skipped[@]}"; do echo "skipped ${s}"; done
fi
echo "$keras"
