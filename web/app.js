// The interactive page: says whether WebGPU works, trains the chosen model with a live
// chart and progress bar, evaluates on the test set, classifies a drawn digit, saves and
// loads weights. With `?auto=1` the automated run in auto.js takes over (for
// scripts/web-test.sh).

import { Chart } from "./chart.js";
import { digitFromGray, grayOfCanvas, grayOfImageBytes } from "./digit.js";
import * as engine from "./engine.js";
import { autoRun } from "./auto.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const chart = new Chart($("chart"));
let busy = false;

/** A line in the page's log and on the console (prefixed for the test script). */
function log(msg) {
  console.log(`WGTRAIN ${msg}`);
  const el = $("log");
  el.textContent += `${msg}\n`;
  el.scrollTop = el.scrollHeight;
}

function setStatus(text, kind) {
  const s = $("status");
  s.textContent = text;
  s.className = `status ${kind || ""}`;
}

function enable(on) {
  for (const id of ["train", "checks", "f-weights"]) $(id).disabled = !on;
  $("f-picture").disabled = !(on && engine.session.trainer !== null);
  const trained = on && engine.session.trainer !== null;
  $("evaluate").disabled = !trained;
  $("save").disabled = !trained;
}

/** Run one user action with the buttons off; its error goes to the status line. */
async function action(label, fn) {
  if (busy) return;
  busy = true;
  enable(false);
  try {
    await fn();
  } catch (e) {
    log(`${label} failed: ${e.message || e}`);
    setStatus(`${label} failed: ${e.message || e}`, "error");
  } finally {
    busy = false;
    enable(true);
  }
}

/** The four chosen MNIST files, or null to use those served under data/. */
function userFiles() {
  const ids = ["f-train-images", "f-train-labels", "f-test-images", "f-test-labels"];
  const files = ids.map((id) => $(id).files[0]);
  const chosen = files.filter(Boolean).length;
  if (chosen === 0) return null;
  if (chosen < 4) throw new Error("choose all four MNIST files (or none, to use those served in data/)");
  return files;
}

function showProgress(step, steps, loss, accuracy) {
  $("progress").max = steps;
  $("progress").value = step;
  $("progress-text").textContent =
    `step ${step} / ${steps}   loss ${loss.toFixed(4)}   accuracy ${accuracy.toFixed(4)}`;
  chart.addPoint(step, loss, accuracy);
  chart.draw();
}

function addEpochRow(epoch, r) {
  const row = document.createElement("tr");
  const cells = [epoch, r.loss, r.accuracy, r.val_loss, r.val_accuracy, r.ms_per_step];
  row.innerHTML = cells
    .map((v, i) => `<td>${i === 0 ? v : Number.isFinite(v) ? v.toFixed(i === 5 ? 1 : 4) : "–"}</td>`)
    .join("");
  $("epochs-table").querySelector("tbody").append(row);
}

async function trainClicked() {
  const model = $("model").value;
  const epochs = Math.max(1, parseInt($("epochs").value, 10) || 1);
  const limit = Math.max(0, parseInt($("limit").value, 10) || 0);
  const seed = Math.max(0, parseInt($("seed").value, 10) || 0);
  const files = userFiles();
  chart.clear();
  $("epochs-table").querySelector("tbody").innerHTML = "";
  $("test-result").textContent = "";
  setStatus(`creating the ${model} on the GPU…`);
  await engine.newTrainer(model, seed);
  log(`adapter: ${engine.session.trainer.adapterInfo()}`);
  setStatus("loading MNIST…");
  await engine.ensureData(files, limit);
  setStatus(`training the ${model}: ${epochs} epoch(s)…`);
  await engine.train(epochs, showProgress, (epoch, r, step) => {
    chart.addEpoch(step, r.val_accuracy);
    chart.draw();
    addEpochRow(epoch, r);
    log(`epoch ${epoch}: ${JSON.stringify(r)}`);
  });
  await evaluateClicked();
}

async function evaluateClicked() {
  setStatus("evaluating on the test set…");
  await engine.ensureData(userFiles(), Math.max(0, parseInt($("limit").value, 10) || 0));
  const r = await engine.evaluate();
  $("test-result").textContent = `test accuracy ${(100 * r.accuracy).toFixed(2)} %  (loss ${r.loss.toFixed(4)})`;
  log(`test: ${JSON.stringify(r)}`);
  setStatus(`ready: the ${engine.session.model} is trained; draw a digit below`, "ok");
  await classify();
}

async function checksClicked() {
  setStatus("running the kernel checks (GPU against the CPU twins)…");
  const checks = await engine.kernelChecks();
  for (const c of checks) log(`check ${JSON.stringify(c)}`);
  const bad = checks.filter((c) => !c.ok);
  setStatus(
    bad.length ? `kernel checks failed: ${bad.map((c) => c.kernel).join(", ")}` : `${checks.length} kernel checks passed`,
    bad.length ? "error" : "ok",
  );
}

async function saveClicked() {
  const bytes = await engine.session.trainer.saveWeights();
  engine.download(bytes, `wgtrain-${engine.session.model}.safetensors`);
  log(`saved ${bytes.length} bytes of weights`);
}

async function loadWeightsChosen(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const model = engine.modelOfWeights(bytes);
  setStatus(`loading ${file.name} into a ${model}…`);
  await engine.newTrainer(model, Math.max(0, parseInt($("seed").value, 10) || 0));
  await engine.session.trainer.loadWeights(bytes);
  $("model").value = model;
  log(`loaded ${file.name} (${model})`);
  setStatus(`ready: ${file.name} loaded into the ${model}; evaluate it or draw a digit`, "ok");
  await classify();
}

// --- the drawing pad -------------------------------------------------------------------

const pad = $("pad");
const padCtx = pad.getContext("2d");
let drawing = false;
let last = null;

function clearPad() {
  padCtx.fillStyle = "#000";
  padCtx.fillRect(0, 0, pad.width, pad.height);
  $("preview").getContext("2d").clearRect(0, 0, 28, 28);
  $("bars").innerHTML = "";
}

function padPoint(ev) {
  const r = pad.getBoundingClientRect();
  return [((ev.clientX - r.left) * pad.width) / r.width, ((ev.clientY - r.top) * pad.height) / r.height];
}

pad.addEventListener("pointerdown", (ev) => {
  drawing = true;
  last = padPoint(ev);
  pad.setPointerCapture(ev.pointerId);
});
pad.addEventListener("pointermove", (ev) => {
  if (!drawing) return;
  const p = padPoint(ev);
  Object.assign(padCtx, { strokeStyle: "#fff", lineWidth: 20, lineCap: "round", lineJoin: "round" });
  padCtx.beginPath();
  padCtx.moveTo(...last);
  padCtx.lineTo(...p);
  padCtx.stroke();
  last = p;
});
pad.addEventListener("pointerup", () => {
  drawing = false;
  classify(false).catch((e) => log(`classify failed: ${e.message || e}`));
});

/** Draw 784 values in [0, 1] on the 28×28 preview. */
function showPreview(pixels) {
  const ctx = $("preview").getContext("2d");
  const img = ctx.createImageData(28, 28);
  pixels.forEach((v, i) => {
    const g = Math.round(v * 255);
    img.data.set([g, g, g, 255], 4 * i);
  });
  ctx.putImageData(img, 0, 0);
}

/** The 28×28 input and the model's probabilities, as a preview and bars. */
function showAnswer(pixels, probs) {
  showPreview(pixels);
  const best = probs.indexOf(Math.max(...probs));
  $("bars").innerHTML = Array.from(probs)
    .map(
      (p, d) =>
        `<div class="bar${d === best ? " best" : ""}"><span>${d}</span><div style="width:${Math.round(
          200 * p,
        )}px"></div>${(100 * p).toFixed(1)} %</div>`,
    )
    .join("");
}

/**
 * Classify the drawing with the current model (nothing drawn or no model: nothing). From
 * the pad only when no action is using the trainer (`inAction` is set by the actions).
 */
async function classify(inAction = true) {
  if (!engine.session.trainer || (busy && !inAction)) return;
  const { gray, w, h } = grayOfCanvas(pad);
  let pixels;
  try {
    pixels = digitFromGray(gray, w, h);
  } catch {
    return; // nothing drawn yet
  }
  showAnswer(pixels, await engine.session.trainer.predict(pixels));
}

/** Classify a picture file (prepared as `wgtrain predict` prepares a digit). */
async function pictureChosen(file) {
  if (!engine.session.trainer) throw new Error("train a model or load weights first");
  const { gray, w, h } = await grayOfImageBytes(new Uint8Array(await file.arrayBuffer()));
  const pixels = digitFromGray(gray, w, h);
  const probs = await engine.session.trainer.predict(pixels);
  showAnswer(pixels, probs);
  log(`${file.name}: ${probs.indexOf(Math.max(...probs))}`);
}

// --- start -----------------------------------------------------------------------------

async function start() {
  clearPad();
  $("clear").addEventListener("click", clearPad);
  $("train").addEventListener("click", () => action("training", trainClicked));
  $("evaluate").addEventListener("click", () => action("evaluation", evaluateClicked));
  $("checks").addEventListener("click", () => action("the kernel checks", checksClicked));
  $("save").addEventListener("click", () => action("saving the weights", saveClicked));
  $("f-weights").addEventListener("change", (ev) => {
    const f = ev.target.files[0];
    ev.target.value = "";
    if (f) action("loading the weights", () => loadWeightsChosen(f));
  });
  $("f-picture").addEventListener("change", (ev) => {
    const f = ev.target.files[0];
    ev.target.value = "";
    if (f) action("classifying the picture", () => pictureChosen(f));
  });
  let problem;
  try {
    problem = await engine.webgpuStatus();
  } catch (e) {
    problem = e.message || String(e);
  }
  if (params.get("auto") === "1") {
    for (const k of ["model", "epochs", "limit", "seed"]) if (params.get(k)) $(k).value = params.get(k);
    await autoRun(params, { log, setStatus, problem, showProgress, addEpochRow, chart, showAnswer });
    if (!problem) enable(true);
    return;
  }
  if (problem) {
    setStatus(`No training here: ${problem}`, "error");
    return;
  }
  setStatus("WebGPU works: choose a model and train", "ok");
  enable(true);
}

start();
