#!/usr/bin/env bash
# Build wgtrain for the browser: the library for wasm32-unknown-unknown, the wasm-bindgen
# crate web/crate on it, and its JS glue (wasm-bindgen --target web) in web/pkg/, which
# web/index.html imports as ./pkg/wgtrain_web.js.
#
# Needs Debian's Rust with the standard library's source and lld (rustup has no wasm32
# standard library here):
#   apt-get install rustc-web cargo-web rust-web-src lld
#   cargo install wasm-bindgen-cli --version <web/crate's wasm-bindgen version>
# Installs nothing itself: a missing tool prints "skipped: ..." and exits 0.
# Environment: WGTRAIN_WEB_RUSTC / WGTRAIN_WEB_CARGO (default /usr/bin/rustc and
# /usr/bin/cargo, Debian's), WASM_BINDGEN (default: wasm-bindgen on PATH or in
# ~/.cargo/bin), WGTRAIN_WEB_PROFILE (release, or dev for a faster, slower-running build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

skip() {
    echo "skipped: $*"
    exit 0
}

rustc_web=${WGTRAIN_WEB_RUSTC:-/usr/bin/rustc}
cargo_web=${WGTRAIN_WEB_CARGO:-/usr/bin/cargo}
[ -x "$rustc_web" ] || skip "no $rustc_web (apt-get install rustc-web cargo-web rust-web-src lld)"
[ -x "$cargo_web" ] || skip "no $cargo_web (apt-get install cargo-web)"
sysroot=$("$rustc_web" --print sysroot)
[ -d "$sysroot/lib/rustlib/src/rust/library/std" ] ||
    skip "$rustc_web has no standard library source in $sysroot/lib/rustlib/src (apt-get install rust-web-src)"
command -v wasm-ld >/dev/null || skip "no wasm-ld (apt-get install lld)"

# wasm-bindgen-cli must be the version of the wasm-bindgen crate in web/crate/Cargo.lock.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' web/crate/Cargo.lock)
bindgen=${WASM_BINDGEN:-$(command -v wasm-bindgen || echo "$HOME/.cargo/bin/wasm-bindgen")}
[ -x "$bindgen" ] || skip "no wasm-bindgen (cargo install wasm-bindgen-cli --version $want)"
have=$("$bindgen" --version | awk '{ print $2 }')
[ "$have" = "$want" ] ||
    skip "wasm-bindgen is $have but web/crate uses $want (cargo install wasm-bindgen-cli --version $want --force)"

profile=${WGTRAIN_WEB_PROFILE:-release}
export RUSTC="$rustc_web" RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld
# Its own target folder, so the native build in target/release stays warm.
export CARGO_TARGET_DIR="$root/target/wasm"
build=(build --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort --profile "$profile")

start=$(date +%s)
echo "build-wasm: the library (wasm32-unknown-unknown, $("$rustc_web" --version))"
"$cargo_web" "${build[@]}" --lib
echo "build-wasm: web/crate"
(cd web/crate && "$cargo_web" "${build[@]}")
dir=$profile
[ "$profile" = dev ] && dir=debug
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/$dir/wgtrain_web.wasm"
echo "build-wasm: wasm-bindgen $have --target web → web/pkg/"
rm -rf web/pkg
"$bindgen" --target web --out-dir web/pkg --out-name wgtrain_web "$wasm"
echo "build-wasm: done in $(($(date +%s) - start)) s: web/pkg/wgtrain_web.js, wgtrain_web_bg.wasm ($(du -k web/pkg/wgtrain_web_bg.wasm | cut -f1) KiB)"
