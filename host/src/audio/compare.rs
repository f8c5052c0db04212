//! How close two recordings of the console's sound are, frame by frame (735 stereo samples
//! = one frame), with the measures of `../shared/tools/wavcmp.py`: the signal-to-noise
//! ratio sample for sample, the correlation of the per-frame loudness envelopes, and the
//! ratio of total loudness.

use super::synth::FRAME_VALUES;

/// The result of comparing a recording with a reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Signal (the reference) to noise (the difference) in dB; infinite when equal.
    pub snr_db: f64,
    /// Correlation of the per-frame RMS envelopes (1: the same notes, at the same times
    /// and relative loudness).
    pub envelope_correlation: f64,
    /// Total RMS of the recording over that of the reference.
    pub loudness_ratio: f64,
    /// Whole frames compared.
    pub frames: usize,
    /// Frames of the reference with an RMS below 1 (silent).
    pub silent_reference: usize,
    /// Frames of the recording with an RMS below 1.
    pub silent_recording: usize,
}

/// Compares `got` with `reference` (interleaved stereo) over the whole frames both have.
pub fn compare(reference: &[i16], got: &[i16]) -> Comparison {
    let n = reference.len().min(got.len()) / FRAME_VALUES;
    let (mut signal, mut noise) = (0f64, 0f64);
    let mut env_r = Vec::with_capacity(n);
    let mut env_g = Vec::with_capacity(n);
    for f in 0..n {
        let range = f * FRAME_VALUES..(f + 1) * FRAME_VALUES;
        let (mut er, mut eg) = (0f64, 0f64);
        for (r, g) in reference[range.clone()].iter().zip(&got[range]) {
            let (r, g) = (f64::from(*r), f64::from(*g));
            er += r * r;
            eg += g * g;
            noise += (r - g) * (r - g);
        }
        signal += er;
        env_r.push((er / FRAME_VALUES as f64).sqrt());
        env_g.push((eg / FRAME_VALUES as f64).sqrt());
    }
    let snr_db = if noise == 0.0 {
        f64::INFINITY
    } else if signal > 0.0 {
        10.0 * (signal / noise).log10()
    } else {
        f64::NEG_INFINITY
    };
    Comparison {
        snr_db,
        envelope_correlation: correlation(&env_r, &env_g),
        loudness_ratio: {
            let r: f64 = env_r.iter().map(|a| a * a).sum();
            let g: f64 = env_g.iter().map(|b| b * b).sum();
            if r > 0.0 {
                (g / r).sqrt()
            } else {
                f64::INFINITY
            }
        },
        frames: n,
        silent_reference: env_r.iter().filter(|a| **a < 1.0).count(),
        silent_recording: env_g.iter().filter(|b| **b < 1.0).count(),
    }
}

/// Pearson correlation of two series (1 when both are constant and equal, 0 when only one
/// is constant).
pub fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let m = a.len().min(b.len());
    if m == 0 {
        return 0.0;
    }
    let ma = a[..m].iter().sum::<f64>() / m as f64;
    let mb = b[..m].iter().sum::<f64>() / m as f64;
    let (mut cov, mut va, mut vb) = (0f64, 0f64, 0f64);
    for (x, y) in a[..m].iter().zip(&b[..m]) {
        cov += (x - ma) * (y - mb);
        va += (x - ma) * (x - ma);
        vb += (y - mb) * (y - mb);
    }
    if va > 0.0 && vb > 0.0 {
        cov / (va * vb).sqrt()
    } else if va == vb {
        1.0
    } else {
        0.0
    }
}

/// Per-frame RMS loudness of interleaved stereo samples.
pub fn envelope(samples: &[i16]) -> Vec<f64> {
    samples
        .chunks_exact(FRAME_VALUES)
        .map(|f| {
            let e: f64 = f.iter().map(|v| f64::from(*v) * f64::from(*v)).sum();
            (e / FRAME_VALUES as f64).sqrt()
        })
        .collect()
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "snr {:.2} dB, envelope correlation {:.4}, loudness {:.3}, {} frames",
            self.snr_db, self.envelope_correlation, self.loudness_ratio, self.frames
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures() {
        let a: Vec<i16> = (0..FRAME_VALUES * 4)
            .map(|i| ((i / FRAME_VALUES) as i16 + 1) * 100 * if i % 2 == 0 { 1 } else { -1 })
            .collect();
        let same = compare(&a, &a);
        assert!(same.snr_db.is_infinite() && same.snr_db > 0.0);
        assert!((same.envelope_correlation - 1.0).abs() < 1e-12);
        assert_eq!(same.frames, 4);
        let half: Vec<i16> = a.iter().map(|v| v / 2).collect();
        let c = compare(&a, &half);
        assert!((c.loudness_ratio - 0.5).abs() < 1e-9);
        assert!((c.envelope_correlation - 1.0).abs() < 1e-9);
        // Half the amplitude: noise is the other half, 6 dB.
        assert!((c.snr_db - 6.0206).abs() < 0.01, "{}", c.snr_db);
    }
}
