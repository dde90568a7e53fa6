// A drawing (or any grayscale picture) as a 28×28 MNIST-style input, prepared exactly as
// `wgtrain predict` prepares a digit image (src/data/digit_image.rs, Style::Digit):
// background level = median of the border pixels; ink = distance from it (inverted when
// the background is light), normalised by the strongest ink; the ink's bounding box
// (ignoring ink under 10 % of the strongest) cropped and scaled so its longer side is 20
// pixels (aspect kept, the image crate's Triangle filter, 8-bit between steps as there);
// then placed in a 28×28 frame so that its centre of mass sits at pixel-centre 14.5, as
// MNIST's digits do. Values in [0, 1], row-major.

/** Where MNIST digits' centre of mass sits, in pixel-centre coordinates. */
const MNIST_CENTRE = 14.5;

/**
 * 784 values in [0, 1] from 8-bit gray levels (`gray[y * w + x]`), or throws an Error
 * whose message says what is wrong ("no digit found: …").
 */
export function digitFromGray(gray, w, h) {
  if (w === 0 || h === 0) throw new Error("the image is empty");
  const border = [];
  for (let x = 0; x < w; x++) border.push(gray[x], gray[(h - 1) * w + x]);
  for (let y = 0; y < h; y++) border.push(gray[y * w], gray[y * w + w - 1]);
  border.sort((a, b) => a - b);
  const background = border[border.length >> 1] / 255;
  const light = background > 0.5;
  // f32 arithmetic as in Rust, so thresholds fall the same way.
  const f = Math.fround;
  const ink = (v) => {
    const u = f(v / 255);
    const d = light ? f(background - u) : f(u - background);
    return Math.max(d, 0);
  };
  let maxInk = 0;
  for (let i = 0; i < w * h; i++) maxInk = Math.max(maxInk, ink(gray[i]));
  if (maxInk < 0.1) throw new Error("no digit found: the image has (almost) a single tone");
  let x0 = w, y0 = h, x1 = 0, y1 = 0;
  const cut = f(0.1 * maxInk);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink(gray[y * w + x]) > cut) {
        x0 = Math.min(x0, x); y0 = Math.min(y0, y);
        x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
    }
  }
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const crop = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const v = f(ink(gray[(y0 + y) * w + x0 + x]) / maxInk);
      crop[y * bw + x] = Math.round(v * 255);
    }
  }
  const side = 20;
  const scale = f(side / Math.max(bw, bh));
  const nw = Math.min(Math.max(Math.round(f(bw * scale)), 1), side);
  const nh = Math.min(Math.max(Math.round(f(bh * scale)), 1), side);
  const small = resizeTriangle(crop, bw, bh, nw, nh);
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const v = small[y * nw + x];
      m += v; mx += v * (x + 0.5); my += v * (y + 0.5);
    }
  }
  const [cx, cy] = m > 0 ? [mx / m, my / m] : [nw / 2, nh / 2];
  // Rust's f64::round rounds halves away from zero; Math.round rounds them up.
  const roundAway = (v) => Math.sign(v) * Math.round(Math.abs(v));
  const ox = roundAway(MNIST_CENTRE - cx), oy = roundAway(MNIST_CENTRE - cy);
  const out = new Float32Array(28 * 28);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const tx = x + ox, ty = y + oy;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = small[y * nw + x] / 255;
    }
  }
  return out;
}

/** 8-bit gray levels of a canvas (luma of its RGB, alpha composited on white). */
export function grayOfCanvas(canvas) {
  const { width: w, height: h } = canvas;
  const rgba = canvas.getContext("2d").getImageData(0, 0, w, h).data;
  const gray = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const a = rgba[4 * i + 3] / 255;
    // The image crate's to_luma8: Rec. 709 weights.
    const l = 0.2126 * rgba[4 * i] + 0.7152 * rgba[4 * i + 1] + 0.0722 * rgba[4 * i + 2];
    gray[i] = Math.round(l * a + 255 * (1 - a));
  }
  return { gray, w, h };
}

/** 8-bit gray levels of a picture file's bytes (PNG, JPEG: whatever the browser decodes). */
export async function grayOfImageBytes(bytes) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]));
  } catch {
    throw new Error("not a picture this browser can decode (PNG or JPEG expected)");
  }
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  return grayOfCanvas(canvas);
}

/** The image crate's `imageops::resize` with FilterType::Triangle on 8-bit gray. */
function resizeTriangle(src, w, h, nw, nh) {
  if (w === nw && h === nh) return src.slice();
  // Vertical pass into floats, then horizontal, rounded and clamped to 8 bits (as there).
  const mid = new Float32Array(w * nh);
  sample(h, nh, (out, taps) => {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (const [i, wt] of taps) s += src[i * w + x] * wt;
      mid[out * w + x] = s;
    }
  });
  const dst = new Uint8Array(nw * nh);
  sample(w, nw, (out, taps) => {
    for (let y = 0; y < nh; y++) {
      let s = 0;
      for (const [i, wt] of taps) s += mid[y * w + i] * wt;
      dst[y * nw + out] = Math.min(Math.max(Math.round(s), 0), 255);
    }
  });
  return dst;
}

/** For each output index, the input taps and normalised triangle weights. */
function sample(len, newLen, each) {
  const ratio = len / newLen;
  const sratio = ratio < 1 ? 1 : ratio;
  const support = 1.0 * sratio;
  for (let out = 0; out < newLen; out++) {
    const centre = (out + 0.5) * ratio;
    const left = Math.min(Math.max(Math.floor(centre - support), 0), len - 1);
    const right = Math.min(Math.max(Math.ceil(centre + support), left + 1), len);
    const c = centre - 0.5;
    const taps = [];
    let sum = 0;
    for (let i = left; i < right; i++) {
      const t = Math.abs((i - c) / sratio);
      const wt = t < 1 ? 1 - t : 0;
      taps.push([i, wt]);
      sum += wt;
    }
    for (const tap of taps) tap[1] /= sum;
    each(out, taps);
  }
}
