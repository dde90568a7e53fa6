//! wgtrain in the browser: the JS API of the page in `web/` (module `wgtrain_web`, built by
//! `scripts/build-wasm.sh` into `web/pkg/` with wasm-bindgen `--target web`).
//!
//! ```text
//! import init, { WebTrainer, kernelChecks, webgpuStatus } from "./pkg/wgtrain_web.js";
//! await init();
//! webgpuStatus(): Promise<string>      // "" when WebGPU works, else a sentence for the user
//! WebTrainer.create("mlp" | "cnn", seed): Promise<WebTrainer>
//! kernelChecks(): Promise<string>      // JSON lines: GPU against the CPU twin, per kernel
//! ```
//!
//! The same engine as the command: the models, kernels and weights files are wgtrain's;
//! what the browser changes is only that every read-back is awaited (WebGPU hands values
//! back through the page's event loop), so training, evaluation and prediction are async.

mod checks;
mod trainer;

use std::sync::Arc;

use wasm_bindgen::prelude::*;
use wgtrain::gpu::Gpu;

pub use trainer::WebTrainer;

/// Install the panic hook once the module is loaded: a panic (a bug: errors are values)
/// then prints its message and place on the console before the module stops.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// "" when this browser can train on WebGPU, else a sentence saying why not, for the user.
#[wasm_bindgen(js_name = webgpuStatus)]
pub async fn webgpu_status() -> String {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into());
    let has_gpu = navigator
        .and_then(|n| js_sys::Reflect::get(&n, &"gpu".into()))
        .is_ok_and(|g| !g.is_undefined() && !g.is_null());
    if !has_gpu {
        return "This browser has no WebGPU (navigator.gpu is missing): use a recent Chrome, \
                Edge, Firefox or Safari (on Linux Chrome may need \
                chrome://flags/#enable-unsafe-webgpu), over https or from localhost."
            .into();
    }
    match Gpu::open_browser().await {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

/// The kernel checks the native tests run, in this browser: GPU against the CPU twin for
/// matmul (a shape off the tiles), a convolution through im2col, softmax cross-entropy
/// and Adam; one JSON line per check with its max difference and tolerance.
#[wasm_bindgen(js_name = kernelChecks)]
pub async fn kernel_checks() -> Result<String, JsValue> {
    let gpu = Arc::new(Gpu::open_browser().await.map_err(js_err)?);
    checks::run(&gpu).await.map_err(js_err)
}

/// The browser's words for its adapter ("google swiftshader …": `GPUAdapterInfo`'s vendor,
/// architecture, device and description; wgpu passes on only the description, which
/// browsers often leave empty), or "" when they cannot be had.
pub(crate) async fn adapter_words() -> String {
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).ok();
    let words = async {
        let gpu = get(&get(&js_sys::global(), "navigator")?, "gpu")?;
        let request: js_sys::Function = get(&gpu, "requestAdapter")?.dyn_into().ok()?;
        let promise: js_sys::Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
        let adapter = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
        let info = get(&adapter, "info")?;
        let words: Vec<String> = ["vendor", "architecture", "device", "description"]
            .iter()
            .filter_map(|k| get(&info, k)?.as_string())
            .filter(|w| !w.is_empty())
            .collect();
        Some(words.join(" "))
    };
    words.await.unwrap_or_default()
}

/// A wgtrain error as a JS `Error` (its message names the input and the fix).
pub(crate) fn js_err(e: wgtrain::Error) -> JsValue {
    JsError::new(&e.to_string()).into()
}
