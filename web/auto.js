// The automated run behind `index.html?auto=1&…` (what scripts/web-test.sh drives in
// headless Chromium). Query parameters:
//   model=mlp|cnn  seed=42  limit=2000 (training images, 0 = all)  epochs=1
//   checks=1       run kernelChecks() first
//   weights=URL    load these weights (the CLI's file) before training / evaluating
//   train=0        do not train (evaluate the loaded weights)
//   predict=URL    classify this image (PNG/JPEG) prepared as `wgtrain predict` does
//   run=NAME       names the uploads (default the model)
//   upload=1       POST NAME.safetensors (the trained weights), NAME-chart.png (the chart)
//                  and NAME.json (the result, last) to /upload/ on scripts/web_server.py
// Progress lines go to the console as "WGTRAIN …"; the last line is
// "WGTRAIN_DONE {json}" with ok, the checks, each epoch, ms/step and the test accuracy.

import { digitFromGray, grayOfImageBytes } from "./digit.js";
import * as engine from "./engine.js";

/** Run as the query string says; never throws (errors end up in the DONE line). */
export async function autoRun(params, ui) {
  const started = performance.now();
  const num = (k, d) => {
    const v = params.get(k);
    return v === null || v === "" ? d : Number(v);
  };
  const model = params.get("model") || "mlp";
  const run = params.get("run") || model;
  const upload = params.get("upload") === "1";
  const result = {
    ok: false,
    run,
    model,
    seed: num("seed", 42),
    limit: num("limit", 2000),
    epochs: num("epochs", 1),
    trained: params.get("train") !== "0",
    checks: [],
    epochs_log: [],
  };
  let finished = false;
  const finish = async (error) => {
    if (finished) return;
    finished = true;
    if (error) result.error = String(error.message || error);
    result.ok = !result.error && result.checks.every((c) => c.ok);
    result.total_ms = Math.round(performance.now() - started);
    if (upload) {
      try {
        // The chart as the page drew it (a picture of the live view, for the record).
        const png = await new Promise((ok) => ui.chart.canvas.toBlob(ok, "image/png"));
        if (png) await post(`${run}-chart.png`, new Uint8Array(await png.arrayBuffer()));
        await post(`${run}.json`, new TextEncoder().encode(JSON.stringify(result)));
      } catch (e) {
        ui.log(`upload of ${run}.json failed: ${e.message}`);
      }
    }
    ui.setStatus(result.ok ? "automated run done" : `automated run failed: ${result.error || "a check failed"}`, result.ok ? "ok" : "error");
    console.log(`WGTRAIN_DONE ${JSON.stringify(result)}`);
  };
  // A panic in the package or a stray rejection ends the run instead of leaving it hanging.
  window.addEventListener("error", (ev) => finish(ev.error || ev.message));
  window.addEventListener("unhandledrejection", (ev) => finish(ev.reason));

  ui.setStatus(`automated run: ${params.toString()}`);
  try {
    if (ui.problem) throw new Error(`no WebGPU: ${ui.problem}`);
    if (!["mlp", "cnn"].includes(model)) throw new Error(`model=${model}: expected mlp or cnn`);
    if (params.get("checks") === "1") {
      const t = performance.now();
      try {
        result.checks = await engine.kernelChecks();
      } catch (e) {
        // Recorded as a failed check; training still runs (its own figures help too).
        result.checks = [{ kernel: "kernelChecks()", ok: false, error: String(e.message || e) }];
      }
      for (const c of result.checks) ui.log(`check ${JSON.stringify(c)}`);
      result.checks_ms = Math.round(performance.now() - t);
    }
    let t = performance.now();
    await engine.newTrainer(model, result.seed);
    result.adapter = engine.session.trainer.adapterInfo();
    ui.log(`adapter: ${result.adapter}`);
    if (params.get("weights")) {
      const bytes = await engine.fetchBytes(params.get("weights"));
      await engine.session.trainer.loadWeights(bytes);
      ui.log(`loaded ${bytes.length} bytes of weights from ${params.get("weights")}`);
    }
    await engine.ensureData(null, result.limit);
    result.load_ms = Math.round(performance.now() - t);
    if (result.trained) {
      t = performance.now();
      await engine.train(result.epochs, ui.showProgress, (epoch, r, step) => {
        ui.chart.addEpoch(step, r.val_accuracy);
        ui.chart.draw();
        ui.addEpochRow(epoch, r);
        result.epochs_log.push(r);
        ui.log(`epoch ${epoch}: ${JSON.stringify(r)}`);
      });
      result.train_ms = Math.round(performance.now() - t);
      result.ms_per_step = result.epochs_log.at(-1).ms_per_step;
    }
    t = performance.now();
    result.test = await engine.evaluate();
    result.eval_ms = Math.round(performance.now() - t);
    ui.log(`test: ${JSON.stringify(result.test)}`);
    if (params.get("predict")) result.predict = await predictImage(params.get("predict"), ui);
    const weights = await engine.session.trainer.saveWeights();
    result.weights_bytes = weights.length;
    if (upload) {
      await post(`${run}.safetensors`, weights);
      result.weights_uploaded = `${run}.safetensors`;
    }
  } catch (e) {
    await finish(e);
    return;
  }
  await finish(null);
}

/** POST bytes to scripts/web_server.py's /upload/NAME. */
async function post(name, bytes) {
  const r = await fetch(`upload/${name}`, { method: "POST", body: bytes });
  if (!r.ok) throw new Error(`upload/${name}: HTTP ${r.status} ${r.statusText}`);
}

/** An image file prepared as `wgtrain predict` prepares a digit, and the model's answer. */
async function predictImage(url, ui) {
  const { gray, w, h } = await grayOfImageBytes(await engine.fetchBytes(url));
  const pixels = digitFromGray(gray, w, h);
  const probabilities = Array.from(await engine.session.trainer.predict(pixels));
  ui.showAnswer(pixels, probabilities);
  return { url, probabilities, class: probabilities.indexOf(Math.max(...probabilities)) };
}
