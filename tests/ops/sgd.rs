//! SGD with momentum and Nesterov (`shaders/sgd.wgsl`).

use crate::prelude::*;

#[test]
fn sgd_momentum_and_nesterov_match_cpu() {
    let Some(g) = gpu() else { return };
    for hp in [
        SgdParams::default(),
        SgdParams {
            lr: 0.1,
            momentum: 0.9,
            nesterov: false,
        },
        SgdParams {
            lr: 0.05,
            momentum: 0.8,
            nesterov: true,
        },
    ] {
        let n = 257;
        let mut p = randn(1, n, 5.0);
        let mut vel = vec![0.0; n];
        let gp = g.upload(&[n], &p).unwrap();
        let gvel = g.zeros(&[n]).unwrap();
        let lr = g.upload(&[1], &[hp.lr]).unwrap();
        for t in 0..4 {
            let grad = randn(100 + t, n, 20.0);
            let gg = g.upload(&[n], &grad).unwrap();
            ops::sgd_update(g, &gp, &gg, &gvel, &lr, &hp).unwrap();
            cpu::sgd_update(&mut p, &grad, &mut vel, &hp);
        }
        let got = g.download(&gp).unwrap();
        eprintln!("sgd {hp:?}: max diff {:e}", max_diff(&got, &p));
        assert_close(&format!("sgd {hp:?}"), &got, &p, 1e-5, 1e-5);
    }
}
