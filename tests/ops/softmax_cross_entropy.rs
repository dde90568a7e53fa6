//! Softmax fused with categorical cross-entropy (`shaders/softmax_cross_entropy.wgsl`).

use crate::prelude::*;

#[test]
fn softmax_cross_entropy_is_stable_and_matches() {
    let Some(g) = gpu() else { return };
    for &rows in &SIZES {
        for &cols in &[1, 2, 10, 33, 257] {
            let mut z = randn(rows as u64 + cols as u64, rows * cols, 30.0);
            // Extreme logits: a confident right answer and a confident wrong one.
            z[0] = 100.0;
            if z.len() > 1 {
                let last = z.len() - 1;
                z[last] = -100.0;
            }
            let y = one_hot(rows as u64, rows, cols);
            let gz = g.upload(&[rows, cols], &z).unwrap();
            let gy = g.upload(&[rows, cols], &y).unwrap();
            let (p, row_loss) = ops::softmax_cross_entropy_forward(g, &gz, &gy).unwrap();
            let (pc, lc) = cpu::softmax_cross_entropy_forward(&z, &y, rows, cols);
            let loss_g = g.download(&row_loss).unwrap();
            assert!(
                loss_g.iter().all(|v| v.is_finite()),
                "non-finite loss {loss_g:?}"
            );
            assert_close("softmax_cross_entropy row loss", &loss_g, &lc, 1e-4, 1e-5);
            assert_close(
                "softmax_cross_entropy probs",
                &g.download(&p).unwrap(),
                &pc,
                1e-6,
                1e-5,
            );
            let mean = ops::sum_forward(g, &row_loss, 1.0 / rows as f32).unwrap();
            let mean_c = cpu::sum_forward(&lc, 1.0 / rows as f64);
            assert_close(
                "softmax_cross_entropy mean",
                &g.download(&mean).unwrap(),
                &[mean_c],
                1e-4,
                1e-5,
            );
            let scale = 1.0 / rows as f32;
            let d = ops::softmax_cross_entropy_backward(g, &p, &gy, scale).unwrap();
            assert_close(
                "softmax_cross_entropy_backward",
                &g.download(&d).unwrap(),
                &cpu::softmax_cross_entropy_backward(&pc, &y, scale as f64),
                1e-6,
                1e-5,
            );
        }
    }
}

#[test]
fn softmax_cross_entropy_backward_is_p_minus_y_over_n() {
    let (rows, cols) = (5, 10);
    let z: Vec<f64> = rand64(9, rows * cols).iter().map(|v| v * 8.0).collect();
    let mut labels = vec![0.0; rows * cols];
    for r in 0..rows {
        labels[r * cols + (r * 3) % cols] = 1.0;
    }
    let mean_loss = |z: &[f64]| {
        let (_, l) = cpu::softmax_cross_entropy_forward(z, &labels, rows, cols);
        cpu::sum_forward(&l, 1.0 / rows as f64)
    };
    let (p, _) = cpu::softmax_cross_entropy_forward(&z, &labels, rows, cols);
    let d = cpu::softmax_cross_entropy_backward(&p, &labels, 1.0 / rows as f64);
    check("softmax_cross_entropy_backward", &z, &d, mean_loss);
}

/// A training step's loss in one dispatch (`softmax_cross_entropy_step` and its sparse
/// form) gives the bits of the five kernels it replaces — forward, sum of row losses,
/// accuracy, sum of hits, backward — accumulating into non-zero totals, with ±100 logits
/// and tied maxima (first index wins), over odd batch sizes up to 1,000 rows (four rows
/// per thread of its one workgroup); and the twins agree.
#[test]
fn cross_entropy_step_equals_the_separate_kernels() {
    let Some(g) = gpu() else { return };
    for sparse in [false, true] {
        for &rows in &[1, 7, 33, 257, 1000] {
            for &cols in &[1, 7, 10, 33] {
                let seed = rows as u64 * 100 + cols as u64 + sparse as u64;
                let mut z = randn(seed, rows * cols, 30.0);
                z[0] = 100.0;
                if rows > 2 {
                    z[2 * cols..3 * cols].fill(-100.0); // a tie across the whole row
                }
                let idx: Vec<f32> = (0..rows).map(|r| ((r * 7 + 3) % cols) as f32).collect();
                let mut hot = vec![0.0; rows * cols];
                for (r, &c) in idx.iter().enumerate() {
                    hot[r * cols + c as usize] = 1.0;
                }
                let labels = if sparse { &idx } else { &hot };
                let gz = g.upload(&[rows, cols], &z).unwrap();
                let label_shape = if sparse { vec![rows] } else { vec![rows, cols] };
                let gy = g.upload(&label_shape, labels).unwrap();
                let scale = 1.0 / rows as f32;
                let what = format!("sparse {sparse}, rows {rows}, cols {cols}");

                let (loss, correct) = (
                    g.upload(&[1], &[5.0]).unwrap(),
                    g.upload(&[1], &[3.0]).unwrap(),
                );
                let step = match sparse {
                    true => ops::sparse_softmax_cross_entropy_step(
                        g,
                        &gz,
                        &gy,
                        scale,
                        &loss,
                        Some(&correct),
                    ),
                    false => {
                        ops::softmax_cross_entropy_step(g, &gz, &gy, scale, &loss, Some(&correct))
                    }
                }
                .unwrap();

                let (loss2, correct2) = (
                    g.upload(&[1], &[5.0]).unwrap(),
                    g.upload(&[1], &[3.0]).unwrap(),
                );
                let (probs, row_loss) = match sparse {
                    true => ops::sparse_softmax_cross_entropy_forward(g, &gz, &gy).unwrap(),
                    false => ops::softmax_cross_entropy_forward(g, &gz, &gy).unwrap(),
                };
                ops::sum_into(g, &row_loss, 1.0, &loss2, true).unwrap();
                let hits = match sparse {
                    true => ops::sparse_accuracy_forward(g, &probs, &gy).unwrap(),
                    false => ops::accuracy_forward(g, &probs, &gy).unwrap(),
                };
                ops::sum_into(g, &hits, 1.0, &correct2, true).unwrap();
                let grad = match sparse {
                    true => ops::sparse_softmax_cross_entropy_backward(g, &probs, &gy, scale),
                    false => ops::softmax_cross_entropy_backward(g, &probs, &gy, scale),
                }
                .unwrap();

                let bits = |t: &wgtrain::gpu::GpuTensor| -> Vec<u32> {
                    g.download(t).unwrap().iter().map(|v| v.to_bits()).collect()
                };
                assert_eq!(bits(&step), bits(&grad), "{what}: dlogits");
                assert_eq!(bits(&loss), bits(&loss2), "{what}: loss total");
                assert_eq!(bits(&correct), bits(&correct2), "{what}: correct total");

                // And the twins.
                let (pc, lc) = match sparse {
                    true => cpu::sparse_softmax_cross_entropy_forward(&z, &idx, rows, cols),
                    false => cpu::softmax_cross_entropy_forward(&z, &hot, rows, cols),
                };
                let dc = match sparse {
                    true => {
                        cpu::sparse_softmax_cross_entropy_backward(&pc, &idx, cols, scale as f64)
                    }
                    false => cpu::softmax_cross_entropy_backward(&pc, &hot, scale as f64),
                };
                assert_close(
                    &format!("{what}: dlogits"),
                    &g.download(&step).unwrap(),
                    &dc,
                    1e-6,
                    1e-5,
                );
                let want_loss = 5.0 + lc.iter().map(|&v| v as f64).sum::<f64>();
                let got_loss = g.download(&loss).unwrap()[0] as f64;
                let tol = 1e-5 * want_loss.abs() + 1e-3;
                assert!(
                    (got_loss - want_loss).abs() <= tol,
                    "{what}: loss {got_loss} vs {want_loss}"
                );
                let hits_c = cpu::accuracy_forward(&pc, &hot, rows, cols);
                let want_correct = 3.0 + hits_c.iter().sum::<f32>();
                assert_eq!(
                    g.download(&correct).unwrap()[0],
                    want_correct,
                    "{what}: correct"
                );
            }
        }
    }
}
