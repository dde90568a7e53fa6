// The live training chart, drawn by hand on a <canvas>: the training loss (left axis,
// scaled to its largest value) and accuracy (right axis, 0 to 1) against the step, the
// validation accuracy as a dot at each epoch's end, and epoch boundaries as faint lines.

/** A chart bound to a canvas; `add*` then `draw()`. */
export class Chart {
  constructor(canvas) {
    this.canvas = canvas;
    this.clear();
  }

  /** Forget every point (a new run). */
  clear() {
    this.points = []; // {step, loss, accuracy}
    this.epochs = []; // {step, valAccuracy}
    this.draw();
  }

  /** One progress reading at a global step (steps counted across epochs). */
  addPoint(step, loss, accuracy) {
    if (Number.isFinite(loss) && Number.isFinite(accuracy)) {
      this.points.push({ step, loss, accuracy });
    }
  }

  /** An epoch ended at this global step with this validation accuracy (NaN if none). */
  addEpoch(step, valAccuracy) {
    this.epochs.push({ step, valAccuracy });
  }

  draw() {
    const c = this.canvas;
    const ctx = c.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    const cssW = c.clientWidth || 600, cssH = c.clientHeight || 240;
    if (c.width !== Math.round(cssW * dpr)) {
      c.width = Math.round(cssW * dpr);
      c.height = Math.round(cssH * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const W = cssW, H = cssH, L = 48, R = 48, T = 14, B = 26;
    ctx.clearRect(0, 0, W, H);
    ctx.font = "11px system-ui, sans-serif";
    ctx.strokeStyle = "#ccc";
    ctx.strokeRect(L, T, W - L - R, H - T - B);
    const last = Math.max(1, ...this.points.map((p) => p.step), ...this.epochs.map((e) => e.step));
    const maxLoss = Math.max(1e-6, ...this.points.map((p) => p.loss));
    const x = (s) => L + (s / last) * (W - L - R);
    const yLoss = (v) => T + (1 - v / maxLoss) * (H - T - B);
    const yAcc = (v) => T + (1 - v) * (H - T - B);

    ctx.fillStyle = "#555";
    ctx.textAlign = "right";
    for (let i = 0; i <= 4 && this.points.length; i++) {
      const v = (maxLoss * i) / 4;
      ctx.fillText(v === 0 ? "0" : v.toPrecision(2), L - 4, yLoss(v) + 4);
    }
    ctx.textAlign = "left";
    for (let i = 0; i <= 4; i++) ctx.fillText((i / 4).toFixed(2), W - R + 4, yAcc(i / 4) + 4);
    ctx.textAlign = "center";
    ctx.fillText(`step ${last}`, W - R, H - 8);
    ctx.fillText("0", L, H - 8);

    ctx.strokeStyle = "#eee";
    for (const e of this.epochs) {
      ctx.beginPath();
      ctx.moveTo(x(e.step), T);
      ctx.lineTo(x(e.step), H - B);
      ctx.stroke();
    }
    const line = (colour, y) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.beginPath();
      this.points.forEach((p, i) => (i ? ctx.lineTo(x(p.step), y(p)) : ctx.moveTo(x(p.step), y(p))));
      ctx.stroke();
      ctx.lineWidth = 1;
    };
    line("#d62728", (p) => yLoss(p.loss));
    line("#1f77b4", (p) => yAcc(p.accuracy));
    ctx.fillStyle = "#2ca02c";
    for (const e of this.epochs) {
      if (Number.isFinite(e.valAccuracy)) {
        ctx.beginPath();
        ctx.arc(x(e.step), yAcc(e.valAccuracy), 4, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    // The legend under the plot, between the axis ends.
    ctx.textAlign = "left";
    const legend = [["#d62728", "loss (left)"], ["#1f77b4", "accuracy (right)"], ["#2ca02c", "val. accuracy"]];
    let lx = L + 40;
    for (const [colour, name] of legend) {
      ctx.fillStyle = colour;
      ctx.fillRect(lx, H - 17, 10, 10);
      ctx.fillStyle = "#333";
      ctx.fillText(name, lx + 14, H - 8);
      lx += 24 + ctx.measureText(name).width;
    }
  }
}
