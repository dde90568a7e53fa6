//! The training pictures: loss and accuracy curves per epoch (train vs validation), the
//! confusion matrix as a heat map, and a grid of the digits a model gets most wrong.

use std::path::Path;

use super::canvas::{Canvas, Color, BLACK, BLUE, GREY, ORANGE, WHITE};

/// Small print under a title.
const GREY_TEXT: Color = [90, 90, 90];
use super::font::{text_height, text_width};
use crate::error::Result;
use crate::history::EpochLog;

/// One plotted series: its legend label, colour and (x, y) points.
struct Series<'a> {
    label: &'a str,
    color: Color,
    points: Vec<(f64, f64)>,
}

/// Tick values covering [lo, hi] at a round step (1, 2 or 5 × 10^k), about `n` of them.
fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= n as f64)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.decimals$}")
}

/// A line chart with axes, ticks, a title, axis labels and a legend, in the box
/// (x, y, w, h) of the canvas.
#[allow(clippy::too_many_arguments)]
fn line_chart(
    c: &mut Canvas,
    (x, y, w, h): (i64, i64, i64, i64),
    title: &str,
    x_label: &str,
    series: &[Series],
) {
    let s = 2;
    let th = text_height(s) as i64;
    c.text_centered(x + w / 2, y, title, s, BLACK);
    // Plot area, leaving room for the title, tick labels and axis label.
    let (left, top, right, bottom) = (x + 80, y + th + 16, x + w - 36, y + h - 2 * th - 30);
    let (pw, ph) = (right - left, bottom - top);
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(px, py) in pts.filter(|p| p.1.is_finite()) {
        x0 = x0.min(px);
        x1 = x1.max(px);
        y0 = y0.min(py);
        y1 = y1.max(py);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (1.0, 2.0, 0.0, 1.0);
    }
    if x1 - x0 < 1.0 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.08).max(1e-3);
    let (y0, y1) = (y0 - pad, y1 + pad);
    let sx = |v: f64| left + ((v - x0) / (x1 - x0) * pw as f64).round() as i64;
    let sy = |v: f64| bottom - ((v - y0) / (y1 - y0) * ph as f64).round() as i64;

    // Grid and ticks.
    let yt = ticks(y0, y1, 5);
    let ystep = if yt.len() > 1 { yt[1] - yt[0] } else { 1.0 };
    for &t in &yt {
        let py = sy(t);
        c.line(left, py, right, py, 1, GREY);
        let l = tick_label(t, ystep);
        c.text(
            left - 10 - text_width(&l, s) as i64,
            py - th / 2,
            &l,
            s,
            BLACK,
        );
    }
    let xt = ticks(x0, x1, 10.min((x1 - x0).round() as usize).max(1));
    for &t in xt.iter().filter(|t| t.fract() == 0.0) {
        let px = sx(t);
        c.line(px, bottom, px, bottom + 6, 1, BLACK);
        c.text_centered(px, bottom + 10, &format!("{t:.0}"), s, BLACK);
    }
    c.line(left, top, left, bottom, 2, BLACK);
    c.line(left, bottom, right, bottom, 2, BLACK);
    c.text_centered(left + pw / 2, bottom + 20 + th, x_label, s, BLACK);

    // Series: lines and dots.
    for ser in series {
        let p: Vec<(i64, i64)> = ser
            .points
            .iter()
            .filter(|p| p.1.is_finite())
            .map(|&(a, b)| (sx(a), sy(b)))
            .collect();
        for w2 in p.windows(2) {
            c.line(w2[0].0, w2[0].1, w2[1].0, w2[1].1, 3, ser.color);
        }
        for &(a, b) in &p {
            c.fill_rect(a - 4, b - 4, 9, 9, ser.color);
        }
    }

    // Legend, top right inside the plot.
    let lw = series
        .iter()
        .map(|s| text_width(s.label, 2) as i64)
        .max()
        .unwrap_or(0)
        + 50;
    let lh = series.len() as i64 * (th + 10) + 10;
    // The corner of the plot that covers the fewest data points.
    let screen: Vec<(i64, i64)> = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|p| p.1.is_finite())
        .map(|&(a, b)| (sx(a), sy(b)))
        .collect();
    let corners = [
        (right - lw - 10, top + 10),
        (right - lw - 10, bottom - lh - 10),
        (left + 10, top + 10),
        (left + 10, bottom - lh - 10),
    ];
    let covered = |&(cx, cy): &(i64, i64)| {
        screen
            .iter()
            .filter(|&&(a, b)| {
                a >= cx - 12 && a <= cx + lw + 12 && b >= cy - 12 && b <= cy + lh + 12
            })
            .count()
    };
    let (lx, ly) = *corners
        .iter()
        .min_by_key(|c| covered(c))
        .expect("four corners");
    c.fill_rect(lx, ly, lw, lh, WHITE);
    c.rect(lx, ly, lw, lh, BLACK);
    for (i, ser) in series.iter().enumerate() {
        let yy = ly + 10 + i as i64 * (th + 10);
        c.line(lx + 8, yy + th / 2, lx + 32, yy + th / 2, 3, ser.color);
        c.text(lx + 40, yy, ser.label, 2, BLACK);
    }
}

/// Loss and accuracy per epoch, training vs validation, side by side, under `title`
/// (the run's model and data).
pub fn training_curves(path: impl AsRef<Path>, logs: &[EpochLog], title: &str) -> Result<()> {
    let path = path.as_ref();
    let mut c = Canvas::new(1200, 510);
    let scale = if super::font::text_width(title, 2) <= 1180 {
        2
    } else {
        1
    };
    c.text_centered(600, 8, title, scale, BLACK);
    let pick = |f: &dyn Fn(&EpochLog) -> Option<f32>| -> Vec<(f64, f64)> {
        logs.iter()
            .filter_map(|e| f(e).map(|v| (e.epoch as f64, v as f64)))
            .collect()
    };
    let mut loss = vec![Series {
        label: "training",
        color: BLUE,
        points: pick(&|e| Some(e.loss)),
    }];
    let val_loss = pick(&|e| e.val_loss);
    if !val_loss.is_empty() {
        loss.push(Series {
            label: "validation",
            color: ORANGE,
            points: val_loss,
        });
    }
    line_chart(&mut c, (0, 46, 600, 464), "loss", "epoch", &loss);
    let mut acc = Vec::new();
    for (label, color, f) in [
        (
            "training",
            BLUE,
            &(|e: &EpochLog| e.accuracy) as &dyn Fn(&EpochLog) -> Option<f32>,
        ),
        ("validation", ORANGE, &|e: &EpochLog| e.val_accuracy),
    ] {
        let points = pick(f);
        if !points.is_empty() {
            acc.push(Series {
                label,
                color,
                points,
            });
        }
    }
    line_chart(&mut c, (600, 46, 600, 464), "accuracy", "epoch", &acc);
    c.save(path)
}

/// The confusion matrix (rows: true class, columns: predicted) as a heat map shaded by
/// each row's share, with the counts written in the cells; `subtitle` (small, under the
/// title) says whose and on what. Any number of classes (cells shrink; counts are left out
/// when they no longer fit).
pub fn confusion_matrix(
    path: impl AsRef<Path>,
    m: &[Vec<usize>],
    title: &str,
    subtitle: &str,
) -> Result<()> {
    let path = path.as_ref();
    let n = m.len().max(1) as i64;
    let cell = (560 / n).clamp(4, 56);
    let (ox, oy) = (90i64, 100i64);
    let side = n * cell;
    let mut c = Canvas::new((ox + side.max(560) + 30) as u32, (oy + side + 70) as u32);
    let mid = ox + side.max(560) / 2;
    c.text_centered(mid, 8, title, 2, BLACK);
    c.text_centered(mid, 28, subtitle, 1, GREY_TEXT);
    c.text_centered(ox + side / 2, 44, "predicted", 2, BLACK);
    c.text_vertical(16, oy + side / 2, "true", 2, BLACK);
    let label_scale = if cell >= 28 { 2 } else { 1 };
    for (t, row) in m.iter().enumerate() {
        let total: usize = row.iter().sum();
        if cell >= 12 {
            c.text_centered(
                ox + t as i64 * cell + cell / 2,
                oy - 22,
                &t.to_string(),
                label_scale,
                BLACK,
            );
            c.text(
                ox - 28,
                oy + t as i64 * cell + cell / 2 - 7,
                &t.to_string(),
                label_scale,
                BLACK,
            );
        }
        for (p, &count) in row.iter().enumerate() {
            let share = count as f64 / total.max(1) as f64;
            // White → dark blue; small shares still visible (square root).
            let k = share.sqrt();
            let mix = |a: f64, b: f64| (a + (b - a) * k).round() as u8;
            let color = [mix(255.0, 8.0), mix(255.0, 48.0), mix(255.0, 107.0)];
            let (x, y) = (ox + p as i64 * cell, oy + t as i64 * cell);
            c.fill_rect(x, y, cell, cell, color);
            c.rect(x, y, cell, cell, GREY);
            let label = count.to_string();
            let ink = if k > 0.5 { WHITE } else { BLACK };
            let scale = if label.len() > 4 || cell < 40 { 1 } else { 2 };
            if super::font::text_width(&label, scale) as i64 <= cell - 2 {
                c.text_centered(
                    x + cell / 2,
                    y + cell / 2 - 7 * scale as i64 / 2,
                    &label,
                    scale,
                    ink,
                );
            }
        }
    }
    let total: usize = m.iter().flatten().sum();
    let right: usize = (0..m.len()).map(|i| m[i][i]).sum();
    c.text_centered(
        mid,
        oy + side + 24,
        &format!(
            "{right} of {total} right ({:.2}%)",
            100.0 * right as f64 / total.max(1) as f64
        ),
        2,
        BLACK,
    );
    c.save(path)
}

/// One image of the most-wrong grid.
pub struct WrongDigit<'a> {
    /// height × width × channels values in [0, 1] (1 channel: ink bright, drawn dark on
    /// white; 3: RGB as it is).
    pub pixels: &'a [f32],
    /// (height, width, channels).
    pub shape: (usize, usize, usize),
    /// Its index in the data set (shown, so it can be looked up).
    pub index: usize,
    /// The true class's name.
    pub truth: &'a str,
    /// The predicted class's name.
    pub predicted: &'a str,
    /// The model's probability for its (wrong) prediction.
    pub confidence: f32,
}

/// The given images (most wrong first) in a grid of `columns`, each captioned with the
/// true class, the prediction, its probability and the image's index; `subtitle` (small,
/// under the title) says whose and on what.
pub fn digit_grid(
    path: impl AsRef<Path>,
    digits: &[WrongDigit],
    columns: usize,
    title: &str,
    subtitle: &str,
) -> Result<()> {
    let path = path.as_ref();
    let (cw, ch, room) = (150i64, 160i64, 112i64);
    let cols = columns.max(1) as i64;
    let rows = (digits.len() as i64 + cols - 1) / cols;
    let mut c = Canvas::new((cols * cw + 20) as u32, (rows.max(1) * ch + 60) as u32);
    c.text_centered((cols * cw + 20) / 2, 8, title, 2, BLACK);
    c.text_centered((cols * cw + 20) / 2, 28, subtitle, 1, GREY_TEXT);
    for (i, d) in digits.iter().enumerate() {
        let (h, w, ch_n) = d.shape;
        let (hh, ww) = (h.max(1) as i64, w.max(1) as i64);
        // Integer zoom when the image is small (MNIST: 4×), else one pixel per sample of
        // a scaled-down view.
        let zoom = (room / hh.max(ww)).max(1);
        let (dh, dw) = ((hh * zoom).min(room), (ww * zoom).min(room));
        let (gx, gy) = (10 + (i as i64 % cols) * cw, 44 + (i as i64 / cols) * ch);
        let (x0, y0) = (gx + (cw - dw) / 2, gy + (room - dh) / 2);
        for y in 0..dh {
            for x in 0..dw {
                let (sy, sx) = ((y * hh / dh) as usize, (x * ww / dw) as usize);
                let at = (sy * w + sx) * ch_n;
                let v = |k: usize| d.pixels.get(at + k).copied().unwrap_or(0.0).clamp(0.0, 1.0);
                let color = match ch_n {
                    3 => [0, 1, 2].map(|k| (255.0 * v(k)).round() as u8),
                    _ => {
                        let g = (255.0 * (1.0 - v(0))).round() as u8; // dark ink on white
                        [g, g, g]
                    }
                };
                c.fill_rect(x0 + x, y0 + y, 1, 1, color);
            }
        }
        c.rect(x0 - 1, y0 - 1, dw + 2, dh + 2, GREY);
        // Short names (digits) share a line; longer class names get one each.
        let short = |s: &str| s.chars().take(18).collect::<String>();
        let (truth, predicted) = (short(d.truth), short(d.predicted));
        let mut lines = match truth.len() + predicted.len() <= 12 {
            true => vec![format!("true {truth} pred {predicted}")],
            false => vec![format!("true {truth}"), format!("pred {predicted}")],
        };
        lines.push(format!("#{} p={:.2}", d.index, d.confidence));
        let last = lines.len() - 1;
        for (k, line) in lines.iter().enumerate() {
            let ink = if k == last { [180, 30, 30] } else { BLACK };
            c.text_centered(gx + cw / 2, gy + room + 6 + 11 * k as i64, line, 1, ink);
        }
    }
    c.save(path)
}

#[cfg(test)]
mod tests {
    use super::ticks;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        let t = ticks(0.031, 0.336, 5);
        assert!(t.len() >= 3 && t.len() <= 6, "{t:?}");
        assert!(t[0] >= 0.031 && *t.last().unwrap() <= 0.336);
    }
}
