//! An RGB picture to draw charts on: rectangles, lines, dots and bitmap text.

use std::path::Path;

use image::{Rgb, RgbImage};

use super::font::{glyph, text_width};
use crate::error::{Error, Result};

pub type Color = [u8; 3];
pub const WHITE: Color = [255, 255, 255];
pub const BLACK: Color = [20, 20, 20];
pub const GREY: Color = [200, 200, 200];
pub const BLUE: Color = [31, 119, 180];
pub const ORANGE: Color = [255, 127, 14];

/// An RGB picture being drawn on.
pub struct Canvas {
    /// The pixels.
    pub img: RgbImage,
}

impl Canvas {
    /// A white canvas.
    pub fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            img: RgbImage::from_pixel(width, height, Rgb(WHITE)),
        }
    }

    /// Set the pixel at (x, y) to `c`; points outside the picture are ignored.
    pub fn pixel(&mut self, x: i64, y: i64, c: Color) {
        if x >= 0 && y >= 0 && (x as u32) < self.img.width() && (y as u32) < self.img.height() {
            self.img.put_pixel(x as u32, y as u32, Rgb(c));
        }
    }

    /// Fill the w×h rectangle with top-left corner (x, y) in `c`, clipped to the picture.
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Color) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.pixel(xx, yy, c);
            }
        }
    }

    /// A rectangle's outline, one pixel wide.
    pub fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Color) {
        self.line(x, y, x + w - 1, y, 1, c);
        self.line(x, y + h - 1, x + w - 1, y + h - 1, 1, c);
        self.line(x, y, x, y + h - 1, 1, c);
        self.line(x + w - 1, y, x + w - 1, y + h - 1, 1, c);
    }

    /// A straight line `width` pixels thick (Bresenham, square pen).
    pub fn line(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, width: i64, c: Color) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        let r = (width - 1) / 2;
        loop {
            self.fill_rect(x - r, y - r, width, width, c);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// `text` with its top-left corner at (x, y), each font pixel `scale`² pixels.
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: u32, c: Color) {
        let s = scale as i64;
        for (i, ch) in text.chars().enumerate() {
            let g = glyph(ch);
            let gx = x + i as i64 * 6 * s;
            for (row, bits) in g.iter().enumerate() {
                for col in 0..5 {
                    if bits & (1 << (4 - col)) != 0 {
                        self.fill_rect(gx + col * s, y + row as i64 * s, s, s, c);
                    }
                }
            }
        }
    }

    /// Text centred horizontally on `cx`.
    pub fn text_centered(&mut self, cx: i64, y: i64, text: &str, scale: u32, c: Color) {
        self.text(cx - text_width(text, scale) as i64 / 2, y, text, scale, c);
    }

    /// Text rotated a quarter turn anticlockwise (reading bottom to top), centred on `cy`
    /// with its left edge at x (for vertical axis labels).
    pub fn text_vertical(&mut self, x: i64, cy: i64, text: &str, scale: u32, c: Color) {
        let s = scale as i64;
        let w = text_width(text, scale) as i64;
        for (i, ch) in text.chars().enumerate() {
            let g = glyph(ch);
            for (row, bits) in g.iter().enumerate() {
                for col in 0..5i64 {
                    if bits & (1 << (4 - col)) != 0 {
                        // (col, row) → (row, −col): x grows with the glyph row, y shrinks
                        // along the text.
                        let px = x + row as i64 * s;
                        let py = cy + w / 2 - (i as i64 * 6 + col) * s - s;
                        self.fill_rect(px, py, s, s, c);
                    }
                }
            }
        }
    }

    /// Write as PNG.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut bytes = Vec::new();
        self.img
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .map_err(|e| Error::Model(format!("encoding {}: {e}", path.display())))?;
        crate::atomic_file::write_atomically(path, &bytes)
    }
}
