//! CPU twin of `shaders/gather.wgsl`, and the u8 packing the GPU-resident datasets use.

use std::collections::HashMap;

use super::Scalar;

/// Sample number of batch row `r` at `cursor` (clamped as the shader does).
fn sample(indices: &[u32], cursor: u32, stride: usize, r: usize, n_samples: usize) -> usize {
    let k = (cursor as usize * stride + r).min(indices.len() - 1);
    (indices[k] as usize).min(n_samples - 1)
}

/// `src[n_samples, row_len]`, `indices[n_indices]` → `out[rows, row_len]` with
/// `out[r] = src[indices[cursor·stride + r]]`.
pub fn gather_forward<T: Scalar>(
    src: &[T],
    row_len: usize,
    indices: &[u32],
    cursor: u32,
    stride: usize,
    rows: usize,
) -> Vec<T> {
    let n_samples = src.len() / row_len.max(1);
    let mut out = Vec::with_capacity(rows * row_len);
    for r in 0..rows {
        let s = sample(indices, cursor, stride, r, n_samples);
        out.extend_from_slice(&src[s * row_len..(s + 1) * row_len]);
    }
    out
}

/// codes (u8, packed 4 per u32, little end first)[n_samples·row_len], palette[≤ 256] →
/// out[rows, row_len] with out[r, j] = palette[code[indices[cursor·stride + r], j]].
#[allow(clippy::too_many_arguments)] // mirrors the shader's bindings and uniforms
pub fn gather_u8_forward(
    codes: &[u32],
    palette: &[f32],
    row_len: usize,
    n_samples: usize,
    indices: &[u32],
    cursor: u32,
    stride: usize,
    rows: usize,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows * row_len);
    for r in 0..rows {
        let s = sample(indices, cursor, stride, r, n_samples);
        for j in 0..row_len {
            let byte = s * row_len + j;
            let code = (codes[byte / 4] >> (8 * (byte % 4))) & 255;
            out.push(palette[code as usize]);
        }
    }
    out
}

/// Values coded as bytes into a palette of at most 256 f32 values, exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct PackedU8 {
    /// Codes packed 4 per u32, first code in the lowest byte.
    pub words: Vec<u32>,
    /// The distinct values; code i stands for `palette[i]`.
    pub palette: Vec<f32>,
}

/// Code `data` as bytes when it holds at most 256 distinct values (bit patterns):
/// k/255 pixels take a fast path; anything else with few values gets its own palette.
/// `None` when there are more than 256 distinct values.
pub fn pack_u8(data: &[f32]) -> Option<PackedU8> {
    let mut words = vec![0u32; data.len().div_ceil(4)];
    // Fast path: every value is exactly k/255 (as images scaled by `/ 255.0` are).
    let fast: Vec<f32> = (0..256).map(|k| k as f32 / 255.0).collect();
    let by_255 = data.iter().enumerate().all(|(i, &v)| {
        let k = (v * 255.0).round();
        if !(0.0..=255.0).contains(&k) || fast[k as usize].to_bits() != v.to_bits() {
            return false;
        }
        words[i / 4] |= (k as u32) << (8 * (i % 4));
        true
    });
    if by_255 {
        return Some(PackedU8 {
            words,
            palette: fast,
        });
    }
    words.iter_mut().for_each(|w| *w = 0);
    let mut palette = Vec::new();
    let mut code_of: HashMap<u32, u32> = HashMap::new();
    for (i, &v) in data.iter().enumerate() {
        let next = code_of.len() as u32;
        let code = *code_of.entry(v.to_bits()).or_insert(next);
        if code == next {
            if next == 256 {
                return None;
            }
            palette.push(v);
        }
        words[i / 4] |= code << (8 * (i % 4));
    }
    Some(PackedU8 { words, palette })
}
