// The page's side of the wasm package (web/pkg/wgtrain_web.js, built by
// scripts/build-wasm.sh): loading it, finding MNIST's four files, and one trainer at a
// time (created for a model and seed, its data loaded once per training-set size).
// Shared by the interactive page (app.js) and the automated run (auto.js).

/** MNIST's four files in the order `loadMnist` takes them. */
export const MNIST_FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];

let wasm = null;

/**
 * Load and initialise the wasm package once; throws an Error that says how to build it
 * when it is missing.
 */
export async function loadPackage() {
  if (wasm) return wasm;
  let mod;
  try {
    mod = await import("./pkg/wgtrain_web.js");
  } catch (e) {
    throw new Error(
      `the wasm package is missing or broken (pkg/wgtrain_web.js: ${e.message}); ` +
        "build it with scripts/build-wasm.sh and reload",
    );
  }
  await mod.default();
  wasm = mod;
  return wasm;
}

/** "" when WebGPU works here, else a sentence for the user (the package's own check). */
export async function webgpuStatus() {
  if (!("gpu" in navigator)) {
    return (
      "This browser has no WebGPU (navigator.gpu is missing): use a recent Chrome, Edge " +
      "or Chromium (Firefox and Safari: enable WebGPU), served over http://localhost or https."
    );
  }
  return (await loadPackage()).webgpuStatus();
}

/** The kernel checks as objects ({kernel, shape, max_diff, tolerance, ok}). */
export async function kernelChecks() {
  const text = await (await loadPackage()).kernelChecks();
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l)
    .map((l) => JSON.parse(l));
}

let cachedMnist = null; // {source, files: [Uint8Array × 4]}

/** The bytes at a URL, or throws naming the URL and the HTTP status. */
export async function fetchBytes(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${r.statusText}`);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * MNIST's four files: the user's (File objects, all four) or those served under data/
 * (each NAME.gz, else NAME). Cached by source.
 */
export async function mnistBytes(userFiles) {
  const source = userFiles ? userFiles.map((f) => `${f.name}:${f.size}`).join(",") : "data/";
  if (cachedMnist && cachedMnist.source === source) return cachedMnist.files;
  let files;
  if (userFiles) {
    files = await Promise.all(userFiles.map(async (f) => new Uint8Array(await f.arrayBuffer())));
  } else {
    files = [];
    for (const name of MNIST_FILES) {
      let bytes = null;
      for (const url of [`data/${name}.gz`, `data/${name}`]) {
        try {
          bytes = await fetchBytes(url);
          break;
        } catch {
          // try the next name
        }
      }
      if (!bytes) {
        throw new Error(
          `MNIST's ${name}(.gz) is not served beside the page (data/): choose the four ` +
            "files above, or serve them (python3 scripts/web_server.py serves $MNIST_DIR or " +
            "data/mnist under /data/; scripts/fetch-mnist.sh downloads them)",
        );
      }
      files.push(bytes);
    }
  }
  cachedMnist = { source, files };
  return files;
}

/** The seed model a safetensors weights file holds: "cnn" if any tensor is 4-D, else "mlp". */
export function modelOfWeights(bytes) {
  if (bytes.length < 8) throw new Error("not a weights file: shorter than a safetensors header");
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n <= 0 || 8 + n > bytes.length) {
    throw new Error("not a weights file: its safetensors header length is out of range");
  }
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw new Error("not a weights file: its safetensors header is not JSON");
  }
  const shapes = Object.entries(header)
    .filter(([k]) => k !== "__metadata__")
    .map(([, v]) => v.shape || []);
  return shapes.some((s) => s.length === 4) ? "cnn" : "mlp";
}

/** The one trainer of the page and what it holds. */
export const session = { trainer: null, model: null, dataFor: null };

/** A fresh trainer for a model and seed (the previous one's GPU memory is freed). */
export async function newTrainer(model, seed) {
  const { WebTrainer } = await loadPackage();
  const t = await WebTrainer.create(model, seed);
  if (session.trainer) session.trainer.free();
  Object.assign(session, { trainer: t, model, dataFor: null });
  return t;
}

/** Load MNIST into the trainer unless it already holds this source and limit. */
export async function ensureData(userFiles, limit) {
  const files = await mnistBytes(userFiles);
  const key = `${cachedMnist.source}|${limit}`;
  if (session.dataFor === key) return;
  await session.trainer.loadMnist(files[0], files[1], files[2], files[3], limit);
  session.dataFor = key;
}

/**
 * Train `epochs` epochs; `onProgress(globalStep, totalSteps, loss, accuracy)` at each
 * reading and `onEpoch(epoch, result, globalStep)` after each epoch. Returns the results.
 */
export async function train(epochs, onProgress, onEpoch) {
  const results = [];
  let done = 0;
  for (let e = 1; e <= epochs; e++) {
    const base = done;
    const r = plain(
      await session.trainer.trainEpoch((step, steps, loss, accuracy) =>
        onProgress(base + step, steps * epochs, loss, accuracy),
      ),
    );
    done += r.steps;
    results.push(r);
    onEpoch(e, r, done);
  }
  return results;
}

/** A result object from the package as a plain object (serde may hand back a Map). */
export function plain(r) {
  return r instanceof Map ? Object.fromEntries(r) : r;
}

/** The test set's loss and accuracy. */
export async function evaluate() {
  return plain(await session.trainer.evaluate());
}

/** Save bytes as a download named `name`. */
export function download(bytes, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
