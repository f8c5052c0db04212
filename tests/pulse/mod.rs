//! Helpers for tests and benchmarks with real sound: a PulseAudio daemon of one's own with
//! a null sink (what the sink plays can be recorded from its monitor), and `parec`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A private PulseAudio daemon, stopped (and its folder removed) on drop.
pub struct Pulse {
    child: Child,
    dir: PathBuf,
    /// The value of `PULSE_SERVER` for clients.
    pub server: String,
}

/// The null sink's name; its monitor is `SINK.monitor`.
pub const SINK: &str = "cartbox_test";

impl Pulse {
    /// Starts PulseAudio with only a native-protocol socket in a folder of its own and a
    /// null sink, or `None` if it is not installed (and not required: CI sets
    /// `CARTBOX_REQUIRE_PULSE`).
    pub fn start(name: &str) -> Option<Pulse> {
        let required = std::env::var_os("CARTBOX_REQUIRE_PULSE").is_some();
        let dir = std::env::temp_dir().join(format!("cartbox-pulse-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("pulse dir");
        let socket = dir.join("native");
        // A null sink that never buffers more than 50 ms ahead (norewinds), as a sound card
        // does; left to itself it renders two seconds ahead and a new stream waits that long.
        let child = match Command::new("pulseaudio")
            .args([
                "-n",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "--disallow-module-loading",
                "--log-target=stderr",
                &format!(
                    "--load=module-native-protocol-unix auth-anonymous=1 socket={}",
                    socket.display()
                ),
                &format!("--load=module-null-sink sink_name={SINK} rate=44100 norewinds=1"),
            ])
            .env("HOME", &dir)
            .env("XDG_RUNTIME_DIR", &dir)
            .env("XDG_CONFIG_HOME", &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                eprintln!("skipped: PulseAudio is not installed (apt-get install pulseaudio)");
                let _ = std::fs::remove_dir_all(&dir);
                return None;
            }
            Err(e) => panic!("cannot start PulseAudio: {e}"),
        };
        let pulse = Pulse {
            child,
            server: format!("unix:{}", socket.display()),
            dir,
        };
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if socket.exists() && pulse.pactl(&["info"]).is_some() {
                return Some(pulse);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("PulseAudio did not start");
    }

    /// Runs `pactl` against this server; its output if it succeeded.
    pub fn pactl(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("pactl")
            .args(args)
            .env("PULSE_SERVER", &self.server)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The ids of the streams playing now.
    pub fn sink_inputs(&self) -> Vec<String> {
        self.pactl(&["list", "short", "sink-inputs"])
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect()
    }

    /// Waits (up to 10 s) until `n` streams play, and returns their ids.
    pub fn wait_streams(&self, n: usize) -> Vec<String> {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.sink_inputs();
            if s.len() == n || Instant::now() > end {
                return s;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Records the null sink's monitor (44,100 Hz stereo s16le, raw) into `path` until the
    /// returned child is stopped with [`stop_recording`].
    pub fn record(&self, path: &Path) -> Child {
        let child = Command::new("parec")
            .args([
                "-d",
                &format!("{SINK}.monitor"),
                "--format=s16le",
                "--rate=44100",
                "--channels=2",
                "--latency-msec=20",
                path.to_str().expect("utf-8 path"),
            ])
            .env("PULSE_SERVER", &self.server)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start parec (apt-get install pulseaudio-utils)");
        // parec records once its stream runs.
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end
            && self
                .pactl(&["list", "short", "source-outputs"])
                .is_none_or(|s| s.trim().is_empty())
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        child
    }
}

/// Stops a recording started with [`Pulse::record`] and reads what it recorded.
pub fn stop_recording(mut child: Child, path: &Path) -> Vec<i16> {
    // SIGINT lets parec flush what it has.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

impl Drop for Pulse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where `needle` (interleaved stereo) starts in `haystack`, in values (negative: before
/// the haystack began), found by matching its first loud stretch exactly; `None` if it is
/// not there.
pub fn find(haystack: &[i16], needle: &[i16]) -> Option<isize> {
    let start = needle.iter().position(|v| v.unsigned_abs() > 200)? & !1;
    let probe = &needle[start..(start + 64).min(needle.len())];
    let at = haystack
        .windows(probe.len())
        .step_by(2)
        .position(|w| w == probe)?
        * 2;
    Some(at as isize - start as isize)
}

/// The parts of `a` and `b` that overlap when `b[0]` lines up with `a[offset]`.
pub fn overlap<'a>(a: &'a [i16], b: &'a [i16], offset: isize) -> (&'a [i16], &'a [i16]) {
    let (a, b) = if offset >= 0 {
        (&a[(offset as usize).min(a.len())..], b)
    } else {
        (a, &b[((-offset) as usize).min(b.len())..])
    };
    let n = a.len().min(b.len());
    (&a[..n], &b[..n])
}

/// The largest step between neighbouring samples of one side (a click shows as a step far
/// larger than the music's own).
pub fn largest_step(samples: &[i16]) -> u32 {
    let mut largest = 0;
    for side in 0..2 {
        let mut prev: Option<i16> = None;
        for v in samples.iter().skip(side).step_by(2) {
            if let Some(p) = prev {
                largest = largest.max((i32::from(*v) - i32::from(p)).unsigned_abs());
            }
            prev = Some(*v);
        }
    }
    largest
}
