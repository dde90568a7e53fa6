//! CPU twin of `shaders/global_pool.wgsl`: global average and max pooling over the
//! spatial axes of NHWC tensors.

use super::Scalar;

/// x[n, hw, c] → y[n, c] = mean over hw
pub fn global_avg_pool_forward<T: Scalar>(x: &[T], n: usize, hw: usize, c: usize) -> Vec<T> {
    assert_eq!(x.len(), n * hw * c, "global_avg_pool_forward: x");
    let mut y = Vec::with_capacity(n * c);
    for nn in 0..n {
        for ch in 0..c {
            let s: f64 = (0..hw).map(|i| x[(nn * hw + i) * c + ch].to_f64()).sum();
            y.push(T::from_f64(s / hw as f64));
        }
    }
    y
}

/// dy[n, c] → dx[n, hw, c] = dy / hw
pub fn global_avg_pool_backward<T: Scalar>(dy: &[T], n: usize, hw: usize, c: usize) -> Vec<T> {
    assert_eq!(dy.len(), n * c, "global_avg_pool_backward: dy");
    (0..n * hw * c)
        .map(|i| T::from_f64(dy[(i / (hw * c)) * c + i % c].to_f64() / hw as f64))
        .collect()
}

/// x[n, hw, c] → (y[n, c] = max over hw, argmax[n, c] = flat index of the first maximum)
pub fn global_max_pool_forward<T: Scalar>(
    x: &[T],
    n: usize,
    hw: usize,
    c: usize,
) -> (Vec<T>, Vec<u32>) {
    assert_eq!(x.len(), n * hw * c, "global_max_pool_forward: x");
    let (mut y, mut arg) = (Vec::with_capacity(n * c), Vec::with_capacity(n * c));
    for nn in 0..n {
        for ch in 0..c {
            let mut best = nn * hw * c + ch;
            for i in 1..hw {
                let at = (nn * hw + i) * c + ch;
                if x[at] > x[best] {
                    best = at;
                }
            }
            y.push(x[best]);
            arg.push(best as u32);
        }
    }
    (y, arg)
}

/// dy[n, c], argmax[n, c] → dx[n, hw, c]: dy routed to each window's first maximum
pub fn global_max_pool_backward<T: Scalar>(
    dy: &[T],
    argmax: &[u32],
    n: usize,
    hw: usize,
    c: usize,
) -> Vec<T> {
    assert!(
        dy.len() == n * c && argmax.len() == n * c,
        "global_max_pool_backward"
    );
    let mut dx = vec![T::default(); n * hw * c];
    for (o, &at) in argmax.iter().enumerate() {
        dx[at as usize] = dy[o];
    }
    dx
}
