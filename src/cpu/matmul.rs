//! CPU twin of `shaders/matmul.wgsl`: C = op(A)·op(B) (+ bias) (then ReLU), f64 accumulation.

use super::Scalar;
use crate::shape::Layout;

/// `c[m,n]` = op(a)·op(b) (+ `bias[n]`) (ReLU if `relu`); a and b as `layout` says.
#[allow(clippy::too_many_arguments)]
pub fn matmul<T: Scalar>(
    a: &[T],
    b: &[T],
    bias: Option<&[T]>,
    m: usize,
    n: usize,
    k: usize,
    layout: Layout,
    relu: bool,
) -> Vec<T> {
    assert_eq!(a.len(), m * k, "matmul: a");
    assert_eq!(b.len(), k * n, "matmul: b");
    let mut c = vec![T::default(); m * n];
    let mut acc = vec![0f64; n];
    for i in 0..m {
        acc.iter_mut().for_each(|v| *v = 0.0);
        match layout {
            Layout::NN | Layout::TN => {
                for kk in 0..k {
                    let av = match layout {
                        Layout::TN => a[kk * m + i],
                        _ => a[i * k + kk],
                    }
                    .to_f64();
                    let brow = &b[kk * n..(kk + 1) * n];
                    for (s, bv) in acc.iter_mut().zip(brow) {
                        *s += av * bv.to_f64();
                    }
                }
            }
            Layout::NT => {
                let arow = &a[i * k..(i + 1) * k];
                for (j, s) in acc.iter_mut().enumerate() {
                    let brow = &b[j * k..(j + 1) * k];
                    *s = arow
                        .iter()
                        .zip(brow)
                        .map(|(x, y)| x.to_f64() * y.to_f64())
                        .sum();
                }
            }
        }
        for j in 0..n {
            let mut v = acc[j];
            if let Some(bias) = bias {
                v += bias[j].to_f64();
            }
            if relu {
                v = v.max(0.0);
            }
            c[i * n + j] = T::from_f64(v);
        }
    }
    c
}
