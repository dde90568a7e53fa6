//! Adam updates over several steps with the GPU step counter (`shaders/adam.wgsl`, `counter.wgsl`).

use crate::prelude::*;

/// Several Adam steps on the GPU (step counter on the GPU) equal the CPU twin's.
#[test]
fn adam_matches_cpu_over_steps() {
    let Some(g) = gpu() else { return };
    for &n in SIZES.iter().chain(&[70_001]) {
        let hp = AdamParams {
            lr: 0.01,
            ..Default::default()
        };
        let mut p = randn(n as u64, n, 5.0);
        let mut m = vec![0.0; n];
        let mut v = vec![0.0; n];
        let gp = g.upload(&[n], &p).unwrap();
        let gm = g.zeros(&[n]).unwrap();
        let gv = g.zeros(&[n]).unwrap();
        let step = g.upload_u32(&[1], &[0]).unwrap();
        // The kernel reads its rate from this tensor (hp.lr is the twin's).
        let lr = g.upload(&[1], &[hp.lr]).unwrap();
        let mut grads = Vec::new();
        for t in 1..=5u32 {
            let grad = randn(n as u64 * 31 + t as u64, n, 50.0);
            let gg = g.upload(&[n], &grad).unwrap();
            ops::counter_step(g, &step).unwrap();
            ops::adam_update(g, &gp, &gg, [&gm, &gv], [&step, &lr], &hp).unwrap();
            cpu::adam_update(&mut p, &grad, &mut m, &mut v, t, &hp);
            grads.push(gg);
        }
        assert_eq!(g.download_u32(&step).unwrap(), vec![5]);
        // Each step moves a parameter by about lr; the f32 update (pow, sqrt, divide)
        // carries ~1e-4 relative error, so allow 2e-4·lr per step.
        let atol = 2e-4 * hp.lr * 5.0;
        assert_close(
            &format!("adam param n {n}"),
            &g.download(&gp).unwrap(),
            &p,
            atol,
            1e-5,
        );
        assert_close("adam m", &g.download(&gm).unwrap(), &m, 1e-6, 1e-5);
        assert_close("adam v", &g.download(&gv).unwrap(), &v, 1e-6, 1e-5);
    }
}
