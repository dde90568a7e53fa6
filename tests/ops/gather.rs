//! Batch gathers from the resident dataset, f32 and byte codes (`shaders/gather.wgsl`).

use crate::prelude::*;

/// Batches gathered on the GPU from a shuffled order, with the cursor bumped between
/// them, equal the CPU twin's bit for bit — f32 rows and byte codes through a palette,
/// full and partial batches, and a cursor run past the end (clamped, no stray read).
#[test]
fn gather_batches_match_cpu_exactly() {
    let Some(g) = gpu() else { return };
    for &(n, row, batch) in &[
        (1usize, 1usize, 1usize),
        (7, 3, 2),
        (33, 784, 8),
        (257, 10, 32),
    ] {
        let x = randn(n as u64, n * row, 100.0);
        let pixels: Vec<f32> = (0..n * row)
            .map(|i| ((i * 37) % 256) as f32 / 255.0)
            .collect();
        let packed = cpu::pack_u8(&pixels).expect("k/255 values pack");
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.reverse();
        order.rotate_left(n / 3);
        let gx = g.upload(&[n, row], &x).unwrap();
        let codes = g.upload_u32(&[packed.words.len()], &packed.words).unwrap();
        let palette = g.upload(&[packed.palette.len()], &packed.palette).unwrap();
        let idx = g.upload_u32(&[n], &order).unwrap();
        let cursor = g.upload_u32(&[1], &[0]).unwrap();
        let at = ops::BatchIndex {
            indices: &idx,
            cursor: &cursor,
            stride: batch,
        };
        // One batch past the end: its rows clamp to the last index.
        for step in 0..=n.div_ceil(batch) {
            let rows = batch.min(n.saturating_sub(step * batch)).max(1);
            let got = ops::gather_forward(g, &gx, &at, rows).unwrap();
            let want = cpu::gather_forward(&x, row, &order, step as u32, batch, rows);
            assert_eq!(g.download(&got).unwrap(), want, "gather n {n} step {step}");
            let got = ops::gather_u8_forward(g, &codes, &palette, n, &[row], &at, rows).unwrap();
            let want = cpu::gather_u8_forward(
                &packed.words,
                &packed.palette,
                row,
                n,
                &order,
                step as u32,
                batch,
                rows,
            );
            assert_eq!(
                g.download(&got).unwrap(),
                want,
                "gather_u8 n {n} step {step}"
            );
            ops::counter_step(g, &cursor).unwrap();
        }
        // The decoded bytes are exactly the f32 values that were packed.
        let all = cpu::gather_u8_forward(
            &packed.words,
            &packed.palette,
            row,
            n,
            &(0..n as u32).collect::<Vec<_>>(),
            0,
            n,
            n,
        );
        assert_eq!(all, pixels);
    }
    let err = ops::gather_forward(
        g,
        &g.upload(&[4, 2], &[0.0; 8]).unwrap(),
        &ops::BatchIndex {
            indices: &g.upload_u32(&[4], &[0, 1, 2, 3]).unwrap(),
            cursor: &g.upload_u32(&[1], &[0]).unwrap(),
            stride: 2,
        },
        3,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("3 rows exceed the stride 2"), "{err}");
}

#[test]
fn pack_u8_is_exact_or_declines() {
    let onehot = one_hot(3, 50, 10);
    let p = cpu::pack_u8(&onehot).unwrap();
    assert_eq!(p.palette.len(), 256, "0 and 1 are k/255 values");
    let odd: Vec<f32> = (0..1000).map(|i| ((i % 200) as f32).sqrt() - 3.3).collect();
    let p = cpu::pack_u8(&odd).unwrap();
    assert_eq!(p.palette.len(), 200);
    let back = cpu::gather_u8_forward(&p.words, &p.palette, 1000, 1, &[0], 0, 1, 1);
    assert_eq!(back, odd);
    let many: Vec<f32> = (0..257).map(|i| i as f32 * 0.1).collect();
    assert!(
        cpu::pack_u8(&many).is_none(),
        "257 distinct values do not fit a byte"
    );
}
