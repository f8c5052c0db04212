//! WAV files of the console's sound: 44,100 Hz, stereo, signed 16-bit PCM, as TIC-80's
//! recordings. Written atomically (the file appears whole when finished, or not at all);
//! read back for comparisons with TIC-80's own recordings.

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use super::synth::SAMPLE_RATE;
use crate::fsutil::AtomicFile;

/// Size of the canonical header (RIFF, `fmt `, `data`).
const HEADER: usize = 44;
/// Most sample bytes a WAV file can describe (its sizes are 32-bit): 6.7 hours of sound.
const MAX_DATA: u64 = u32::MAX as u64 - HEADER as u64;

/// A WAV file being written.
#[derive(Debug)]
pub struct WavWriter {
    out: BufWriter<AtomicFile>,
    /// Sample bytes written.
    data: u64,
}

impl WavWriter {
    /// Starts a WAV file at `path` (an existing file is replaced only by
    /// [`WavWriter::finish`]).
    pub fn create(path: &Path) -> std::io::Result<WavWriter> {
        let mut out = BufWriter::new(AtomicFile::create(path)?);
        out.write_all(&header(0))?;
        Ok(WavWriter { out, data: 0 })
    }

    /// Appends interleaved left/right samples.
    pub fn write(&mut self, samples: &[i16]) -> std::io::Result<()> {
        let bytes = samples.len() as u64 * 2;
        if self.data + bytes > MAX_DATA {
            return Err(std::io::Error::other(
                "the recording is longer than a WAV file can hold",
            ));
        }
        let mut buf = Vec::with_capacity(samples.len() * 2);
        for s in samples {
            buf.extend_from_slice(&s.to_le_bytes());
        }
        self.out.write_all(&buf)?;
        self.data += bytes;
        Ok(())
    }

    /// Stereo samples written so far.
    pub fn samples(&self) -> u64 {
        self.data / 4
    }

    /// Fills in the sizes and puts the file in place.
    pub fn finish(self) -> std::io::Result<()> {
        let data = self.data as u32;
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        let done = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&header(data)));
        match done {
            Ok(()) => file.commit(),
            Err(e) => {
                file.abandon();
                Err(e)
            }
        }
    }

    /// Gives up: the file is not written.
    pub fn abandon(self) {
        if let Ok(f) = self.out.into_inner() {
            f.abandon();
        }
    }
}

fn header(data: u32) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    let channels = 2u16;
    let block = channels * 2;
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(data.saturating_add(36)).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&channels.to_le_bytes());
    h[24..28].copy_from_slice(&SAMPLE_RATE.to_le_bytes());
    h[28..32].copy_from_slice(&(SAMPLE_RATE * u32::from(block)).to_le_bytes());
    h[32..34].copy_from_slice(&block.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data.to_le_bytes());
    h
}

/// Most stereo samples [`read`] accepts: ten minutes.
pub const READ_LIMIT: u32 = SAMPLE_RATE * 600;

/// Reads a 16-bit PCM WAV file (mono is made stereo) as interleaved left/right samples.
pub fn read(path: &Path) -> Result<Vec<i16>, String> {
    let what = |e: hound::Error| format!("{}: {e}", path.display());
    let mut r = hound::WavReader::open(path).map_err(what)?;
    let spec = r.spec();
    if spec.bits_per_sample != 16
        || spec.sample_format != hound::SampleFormat::Int
        || !(1..=2).contains(&spec.channels)
    {
        return Err(format!(
            "{}: not 16-bit PCM, mono or stereo",
            path.display()
        ));
    }
    if r.duration() > READ_LIMIT {
        return Err(format!("{}: longer than ten minutes", path.display()));
    }
    let samples: Vec<i16> = r.samples::<i16>().collect::<Result<_, _>>().map_err(what)?;
    Ok(if spec.channels == 1 {
        samples.iter().flat_map(|s| [*s, *s]).collect()
    } else {
        samples
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn writes_what_it_reads() {
        let dir = std::env::temp_dir().join(format!("cartbox-wav-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t.wav");
        let mut w = super::WavWriter::create(&p).unwrap();
        let samples: Vec<i16> = (0..2000).map(|i| (i * 37 % 65536 - 32768) as i16).collect();
        w.write(&samples[..1000]).unwrap();
        assert!(!p.exists(), "appears only when finished");
        w.write(&samples[1000..]).unwrap();
        assert_eq!(w.samples(), 1000);
        w.finish().unwrap();
        assert_eq!(super::read(&p).unwrap(), samples);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
