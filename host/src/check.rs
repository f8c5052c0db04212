//! `cartbox check DIR...`: plays every cart in folders headless, several at once, each in
//! its own sandboxed runner, and says how each did. For cart authors' CI, and for anyone
//! curating a collection: a hung, crashing or hostile cart is one line of the report.
//!
//! The host only lists files by their extension and reads them; runners parse them, as
//! for `cartbox run`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cartbox_protocol::message::FaultKind;

use crate::cart::{Cart, CartError};
use crate::console::{Console, ConsoleConfig, Input, Stop};
use crate::frontend::terminal_safe;

/// What to check and how.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOptions {
    /// Folders (searched with their subfolders) and cart files.
    pub paths: Vec<PathBuf>,
    /// Frames to play each cart.
    pub frames: u32,
    /// Carts played at once.
    pub jobs: usize,
}

/// How a cart did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It played every frame.
    Played,
    /// It called `exit()` in this frame.
    Exited(u64),
    /// It raised an error, did not compile or ran out of memory (the message names the
    /// file and line where known).
    Error(String),
    /// A callback ran past its budget and was stopped in its VM.
    Stopped(String),
    /// Its runner was killed: not responding, crashed, killed by the sandbox, broke the
    /// protocol.
    Killed(String),
    /// It is not a cart Cartbox plays: malformed, another language, too big.
    Refused(String),
}

impl Verdict {
    /// The result's name in the report.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Played => "played",
            Verdict::Exited(_) => "exited",
            Verdict::Error(_) => "error",
            Verdict::Stopped(_) => "stopped",
            Verdict::Killed(_) => "killed",
            Verdict::Refused(_) => "refused",
        }
    }

    /// The message, if it has one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Verdict::Played => None,
            Verdict::Exited(_) => None,
            Verdict::Error(m) | Verdict::Stopped(m) | Verdict::Killed(m) | Verdict::Refused(m) => {
                Some(m)
            }
        }
    }

    /// Whether the cart did as a cart should (played, or ended itself).
    pub fn ok(&self) -> bool {
        matches!(self, Verdict::Played | Verdict::Exited(_))
    }
}

/// One cart's line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct CartReport {
    /// The cart file, as found.
    pub path: PathBuf,
    /// Its extension (`lua`, `tic`, `png`, `wasmp`...).
    pub format: String,
    /// Its language as its runner said (`lua`, `js`, `wasm`), or as its extension says when
    /// no runner got to say.
    pub language: String,
    pub verdict: Verdict,
    /// Frames played.
    pub frames: u64,
    /// Time from reading the file to the end.
    pub time: Duration,
}

/// Extensions of the files `check` looks at: what Cartbox plays, and the text carts of
/// TIC-80's other languages (reported as refused).
const CART_EXTENSIONS: &[&str] = &[
    "lua", "js", "tic", "png", "wasmp", "wasm", "wat", "moon", "fnl", "py", "rb", "wren", "nut",
    "janet", "scm", "yue",
];

/// Most carts one check lists (a folder of millions is cut, and says so).
pub const MAX_CARTS: usize = 100_000;

/// The cart files under `paths`, sorted: every file with a cart's extension, except a
/// module (`.wasm`, `.wat`) beside a `.wasmp` project, which is part of it. Symbolic
/// links to folders are not followed. An unreadable folder is an error naming it.
pub fn carts_in(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    out.truncate(MAX_CARTS);
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if out.len() >= MAX_CARTS {
            return Ok(());
        }
        let path = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            walk(&path, out)?;
            continue;
        }
        let ext = extension(&path);
        if !CART_EXTENSIONS.contains(&ext.as_str()) {
            continue;
        }
        if matches!(ext.as_str(), "wasm" | "wat") && path.with_extension("wasmp").exists() {
            continue;
        }
        out.push(path);
    }
    Ok(())
}

fn extension(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Plays every cart of `carts` for `frames` frames, `jobs` at a time (each job a console
/// of its own), and returns the reports in the order of `carts`. `progress` is called as
/// each cart ends (from the job's thread).
pub fn check(
    carts: &[PathBuf],
    options: &CheckOptions,
    progress: &(dyn Fn(&CartReport) + Sync),
) -> Result<Vec<CartReport>, String> {
    let next = AtomicUsize::new(0);
    let reports: Mutex<Vec<Option<CartReport>>> = Mutex::new(vec![None; carts.len()]);
    let failure: Mutex<Option<String>> = Mutex::new(None);
    let jobs = options.jobs.clamp(1, carts.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                let mut config = ConsoleConfig {
                    virtual_time: true,
                    ..ConsoleConfig::default()
                };
                // Several jobs keep every CPU busy: a host spinning for its runner's
                // answer would only take time from another job's runner.
                if jobs > 1 {
                    config.spin = Duration::ZERO;
                }
                let mut console = match Console::new(config) {
                    Ok(c) => c,
                    Err(e) => {
                        *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = carts.get(i) else { return };
                    let report = check_one(&mut console, path, options.frames);
                    progress(&report);
                    reports.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(report);
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(format!("cannot start a console: {e}"));
    }
    Ok(reports
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect())
}

/// Plays one cart.
fn check_one(console: &mut Console, path: &Path, frames: u32) -> CartReport {
    let started = Instant::now();
    let format = extension(path);
    let guess = match format.as_str() {
        "wasm" | "wat" | "wasmp" => "wasm".to_owned(),
        "tic" | "png" => "?".to_owned(),
        other => other.to_owned(),
    };
    let mut report = CartReport {
        path: path.to_owned(),
        format,
        language: guess,
        verdict: Verdict::Played,
        frames: 0,
        time: Duration::ZERO,
    };
    report.verdict = match Cart::load(path) {
        Err(e) => read_error(&e),
        Ok(cart) => {
            let name = cart.name.clone();
            let loaded = console.load(cart);
            if let Some(info) = console.info() {
                report.language = info.script.clone();
            }
            match loaded {
                Err(stop) => classify(&stop, &name),
                Ok(()) => play(console, frames, &name, &mut report.frames),
            }
        }
    };
    report.time = started.elapsed();
    report
}

fn play(console: &mut Console, frames: u32, name: &str, played: &mut u64) -> Verdict {
    let input = Input::default();
    for frame in 1..=u64::from(frames) {
        match console.run_frame(&input, false) {
            Ok(false) => *played = frame,
            Ok(true) => {
                *played = frame;
                return Verdict::Exited(frame);
            }
            Err(stop) => return classify(&stop, name),
        }
    }
    Verdict::Played
}

fn read_error(e: &CartError) -> Verdict {
    match e {
        CartError::Io { .. } => Verdict::Error(e.to_string()),
        _ => Verdict::Refused(e.to_string()),
    }
}

/// A stop as a verdict, with its one-line message.
fn classify(stop: &Stop, name: &str) -> Verdict {
    let message = stop.describe(name);
    match stop {
        Stop::Cart(f) => match f.kind {
            FaultKind::Budget => Verdict::Stopped(message),
            FaultKind::BadCart => Verdict::Refused(message),
            FaultKind::Syntax | FaultKind::Runtime | FaultKind::OutOfMemory => {
                Verdict::Error(message)
            }
        },
        Stop::NotResponding { .. }
        | Stop::CompileTimeout { .. }
        | Stop::Crashed { .. }
        | Stop::Misbehaved(_) => Verdict::Killed(message),
        Stop::Host(_) => Verdict::Error(message),
    }
}

/// The report as a table for people (escaped for the terminal), with a summary line.
pub fn table(reports: &[CartReport], took: Duration) -> String {
    let mut out = String::new();
    let width = reports
        .iter()
        .map(|r| terminal_safe(&r.path.display().to_string()).chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 60);
    out.push_str(&format!(
        "{:<width$}  {:<6} {:<8} {:<8} {:>8}  {}\n",
        "cart", "format", "language", "result", "time", "why"
    ));
    for r in reports {
        let why = match &r.verdict {
            Verdict::Exited(f) => format!("exit() in frame {f}"),
            v => v.message().map(first_line).unwrap_or_default(),
        };
        out.push_str(&format!(
            "{:<width$}  {:<6} {:<8} {:<8} {:>6}ms  {}\n",
            terminal_safe(&r.path.display().to_string()),
            terminal_safe(&r.format),
            terminal_safe(&r.language),
            r.verdict.name(),
            r.time.as_millis(),
            terminal_safe(&why)
        ));
    }
    out.push_str(&summary(reports, took));
    out.push('\n');
    out
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_owned()
}

/// How many reports have the result named `name`.
fn count(reports: &[CartReport], name: &str) -> usize {
    reports.iter().filter(|r| r.verdict.name() == name).count()
}

/// `N carts: a played, b exited, ... in T s`.
pub fn summary(reports: &[CartReport], took: Duration) -> String {
    let count = |name| count(reports, name);
    format!(
        "{} carts: {} played, {} exited, {} errors, {} stopped, {} killed, {} refused, in {:.1} s",
        reports.len(),
        count("played"),
        count("exited"),
        count("error"),
        count("stopped"),
        count("killed"),
        count("refused"),
        took.as_secs_f64()
    )
}

/// The report as JSON: `{"carts": [...], "summary": {...}}`.
pub fn json(reports: &[CartReport], took: Duration) -> String {
    let mut out = String::from("{\"carts\": [");
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "\n  {{\"cart\": {}, \"format\": {}, \"language\": {}, \"result\": \"{}\", \
             \"frames\": {}, \"ms\": {}",
            json_string(&r.path.display().to_string()),
            json_string(&r.format),
            json_string(&r.language),
            r.verdict.name(),
            r.frames,
            r.time.as_millis()
        ));
        if let Some(m) = r.verdict.message() {
            out.push_str(&format!(", \"message\": {}", json_string(m)));
        }
        out.push('}');
    }
    let count = |name| count(reports, name);
    out.push_str(&format!(
        "\n], \"summary\": {{\"carts\": {}, \"played\": {}, \"exited\": {}, \"error\": {}, \
         \"stopped\": {}, \"killed\": {}, \"refused\": {}, \"seconds\": {:.3}}}}}\n",
        reports.len(),
        count("played"),
        count("exited"),
        count("error"),
        count("stopped"),
        count("killed"),
        count("refused"),
        took.as_secs_f64()
    ));
    out
}

/// `s` as a JSON string: quotes, backslashes and every control character escaped.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_everything_a_terminal_or_parser_would_trip_on() {
        assert_eq!(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(json_string("\x1b[2J\n"), "\"\\u001b[2J\\n\"");
        assert_eq!(json_string("é"), "\"é\"");
    }

    #[test]
    fn modules_of_a_project_are_part_of_it() {
        let dir = std::env::temp_dir().join(format!("cartbox-check-list-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for f in [
            "a.lua",
            "game.wasmp",
            "game.wasm",
            "lone.wasm",
            "notes.txt",
            "sub/b.tic",
        ] {
            std::fs::write(dir.join(f), b"x").unwrap();
        }
        let found = carts_in(std::slice::from_ref(&dir)).unwrap();
        let names: Vec<String> = found
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.lua", "game.wasmp", "lone.wasm", "sub/b.tic"]);
        assert!(
            carts_in(&[dir.join("missing")])
                .unwrap_err()
                .contains("missing")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
