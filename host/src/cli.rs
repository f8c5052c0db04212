//! The command line: `cartbox run CART`, `watch`, `export`, `conformance`, `sandbox-check`,
//! `completions`, `man` and `help`.
//!
//! The commands and their options are described once, as data, in [`spec`]; `--help`, each
//! command's help, the completion scripts and the manual page are made from it, and
//! [`parse`] refuses any option it does not list. The exit codes are in [`exit`].

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use lexopt::prelude::*;

use crate::cart::{Cart, CartError};
use crate::console::{Console, ConsoleConfig, Input, Stop};
use crate::frontend::gif::MAX_GIF_SCALE;
use crate::frontend::headless::{self, Outcome};
use crate::frontend::terminal_safe;
use crate::input_script::{InputError, InputScript};
use crate::sandbox_check;
use cartbox_protocol::message::{ExportFormat, FaultKind};
use spec::CommandSpec;

pub mod spec;

/// Prints `cartbox: MESSAGE` on stderr, the message made safe for a terminal: every error
/// line of the command line goes through here (file names and messages may hold bytes of
/// a stranger's cart or a runner's words).
macro_rules! complain {
    ($($arg:tt)*) => {
        errln!("cartbox: {}", terminal_safe(&format!($($arg)*)))
    };
}

/// Exit codes.
pub mod exit {
    /// Ran to the end, or the cart called `exit()`.
    pub const OK: i32 = 0;
    /// The cart failed.
    pub const CART: i32 = 1;
    /// The runner was killed.
    pub const KILLED: i32 = 2;
    /// Bad command line.
    pub const USAGE: i32 = 64;
    /// Malformed input file.
    pub const DATA: i32 = 65;
    /// An input file is missing or unreadable.
    pub const NO_INPUT: i32 = 66;
    /// No window can be opened (no display, or a build without the window).
    pub const UNAVAILABLE: i32 = 69;
    /// Internal error.
    pub const SOFTWARE: i32 = 70;
    /// An output file cannot be written.
    pub const CANT_CREATE: i32 = 73;

    /// Every code with what it means, for the manual page (`cartbox man`).
    pub const ALL: &[(i32, &str)] = &[
        (
            OK,
            "ran all frames, or the cart called exit(); in a window, closed while the cart \
             ran (closed while it was stopped: that stop's code, 1 or 2)",
        ),
        (
            CART,
            "the cart failed: a syntax or runtime error, a wasm trap or link error, out of \
             memory, stopped past its budget",
        ),
        (
            KILLED,
            "the runner was killed: not responding, crashed, killed by the sandbox, broke \
             the protocol",
        ),
        (USAGE, "bad command line"),
        (DATA, "a malformed cart or input file"),
        (
            NO_INPUT,
            "a cart or input file that is missing, unreadable or not a file",
        ),
        (
            UNAVAILABLE,
            "no window can be opened (no display, or a build without the window)",
        ),
        (
            SOFTWARE,
            "internal error (e.g. the runner could not be started)",
        ),
        (
            CANT_CREATE,
            "an output file cannot be written (Cartbox never writes over the cart it \
             reads), or a headless run's persistent memory could not be saved",
        ),
    ];
}

/// GIFs are recorded at twice the output's size unless `--gif-scale` says otherwise.
const DEFAULT_GIF_SCALE: u32 = 2;

/// The largest `--memory-mb`: a runner's whole address space is 1 GiB (`RLIMIT_AS`), and
/// a wasm cart's memory is reserved whole, next to the runtime's own mappings.
const MAX_MEMORY_MB: u64 = 768;

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    match parse(std::env::args_os().skip(1)) {
        Ok(Command::Help(topic)) => {
            match topic.as_deref().and_then(spec::help) {
                Some(text) => out!("{text}"),
                None => out!("{}", spec::usage()),
            }
            exit::OK
        }
        Ok(Command::Completions(shell)) => {
            out!("{}", spec::completions(shell));
            exit::OK
        }
        Ok(Command::Man) => {
            out!("{}", spec::man());
            exit::OK
        }
        Ok(Command::Version) => {
            outln!("cartbox {}", env!("CARGO_PKG_VERSION"));
            exit::OK
        }
        Ok(Command::Run(args)) => run(args),
        Ok(Command::Watch(args)) => run(args),
        Ok(Command::SandboxCheck) => sandbox_check(),
        Ok(Command::Conformance(dir)) => conformance(&dir),
        Ok(Command::Check { options, json }) => check(&options, json),
        Ok(Command::Browse(args)) => browse(args),
        Ok(Command::Export {
            cart,
            out,
            cover_frame,
        }) => export(&cart, &out, cover_frame),
        // No arguments at all: what there is to do. A wrong one: one line and a hint.
        Err(_) if std::env::args_os().len() <= 1 => {
            err!("{}", spec::usage());
            exit::USAGE
        }
        Err(msg) => {
            complain!("{msg}");
            errln!("(cartbox --help lists the commands and options)");
            exit::USAGE
        }
    }
}

/// Arguments of `cartbox run`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunArgs {
    /// The cart file.
    pub cart: PathBuf,
    /// `--headless`.
    pub headless: bool,
    /// `--frames`.
    pub frames: Option<u64>,
    /// `--screenshot`.
    pub screenshot: Option<PathBuf>,
    /// `--border`.
    pub border: bool,
    /// `--trace`.
    pub trace: bool,
    /// `--input`.
    pub input: Option<PathBuf>,
    /// `--budget-ms`.
    pub budget_ms: Option<u64>,
    /// `--grace-ms`.
    pub grace_ms: Option<u64>,
    /// `--memory-mb`.
    pub memory_mb: Option<u64>,
    /// `--pmem DIR`.
    pub pmem: Option<PathBuf>,
    /// `--gif PATH`.
    pub gif: Option<PathBuf>,
    /// `--wav PATH`.
    pub wav: Option<PathBuf>,
    /// `--volume N` (0..15).
    pub volume: Option<u8>,
    /// `--mute`.
    pub mute: bool,
    /// `--keys MAP`.
    pub keys: Option<String>,
    /// `--scale N`.
    pub scale: Option<u32>,
    /// `--stats`.
    pub stats: bool,
    /// `--fullscreen`.
    pub fullscreen: bool,
    /// `--gif-scale N`.
    pub gif_scale: Option<u32>,
    /// `cartbox watch`.
    pub watch: bool,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `cartbox run`.
    Run(RunArgs),
    /// `cartbox watch`.
    Watch(RunArgs),
    /// `cartbox sandbox-check`.
    SandboxCheck,
    /// `cartbox conformance DIR`.
    Conformance(PathBuf),
    /// `cartbox browse DIR`.
    Browse(BrowseArgs),
    /// `cartbox check DIR...`.
    Check {
        /// What to check and how.
        options: crate::check::CheckOptions,
        /// `--json`.
        json: bool,
    },
    /// `cartbox export CART OUT`.
    Export {
        /// The cart to read.
        cart: PathBuf,
        /// The `.tic` or `.png` file to write.
        out: PathBuf,
        /// `--cover-frame N` (1 or more): for a PNG cart without a cover, the frame whose
        /// screen becomes its picture.
        cover_frame: Option<u32>,
    },
    /// `cartbox completions SHELL`.
    Completions(spec::Shell),
    /// `cartbox man`.
    Man,
    /// `--help`, `help [COMMAND]`, `COMMAND --help`: all of it, or one command's.
    Help(Option<String>),
    /// `--version`.
    Version,
}

/// Parses arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Command, String> {
    let mut p = lexopt::Parser::from_args(args);
    let sub = match p.next().map_err(err)? {
        None => return Err("missing command".into()),
        Some(Long("help") | Short('h')) => return Ok(Command::Help(None)),
        Some(Long("version")) => return Ok(Command::Version),
        Some(Value(v)) => v.string().map_err(err)?,
        Some(other) => return Err(other.unexpected().to_string()),
    };
    let spec = spec::command(&sub).ok_or_else(|| format!("unknown command '{sub}'"))?;
    let help = || Ok(Command::Help(Some(sub.clone())));
    match spec.name {
        "help" => match next(&mut p, spec)? {
            None => Ok(Command::Help(None)),
            Some(Long("help") | Short('h')) => help(),
            Some(Value(v)) => {
                let topic = v.string().map_err(err)?;
                if spec::command(&topic).is_none() {
                    return Err(format!("no help for '{topic}': it is not a command"));
                }
                finish(&mut p, spec, Command::Help(Some(topic)))
            }
            Some(other) => Err(other.unexpected().to_string()),
        },
        "export" => {
            let mut files = Vec::new();
            let mut cover_frame = None;
            while let Some(arg) = next(&mut p, spec)? {
                match arg {
                    Long("help") | Short('h') => return help(),
                    Long("cover-frame") => {
                        let n = number(&mut p, "--cover-frame")?;
                        cover_frame = Some(
                            u32::try_from(n)
                                .ok()
                                .filter(|n| *n >= 1)
                                .ok_or(format!("--cover-frame must be 1 to {}", u32::MAX))?,
                        );
                    }
                    Value(v) if files.len() < 2 => files.push(PathBuf::from(v)),
                    other => return Err(other.unexpected().to_string()),
                }
            }
            let [cart, out]: [PathBuf; 2] = files
                .try_into()
                .map_err(|_| "export needs CART and OUT".to_owned())?;
            Ok(Command::Export {
                cart,
                out,
                cover_frame,
            })
        }
        "conformance" => match next(&mut p, spec)? {
            Some(Long("help") | Short('h')) => help(),
            Some(Value(dir)) => finish(&mut p, spec, Command::Conformance(dir.into())),
            None => Err("conformance needs the folder of TIC-80's demo carts and frames".into()),
            Some(other) => Err(other.unexpected().to_string()),
        },
        "browse" => {
            let mut a = BrowseArgs {
                dir: PathBuf::new(),
                headless: false,
                frames: 60,
                screenshot: None,
                scale: 2,
                budget_ms: None,
                grace_ms: None,
                stats: false,
            };
            let mut dir = None;
            while let Some(arg) = next(&mut p, spec)? {
                match arg {
                    Long("help") | Short('h') => return help(),
                    Long("headless") => a.headless = true,
                    Long("stats") => a.stats = true,
                    Long("frames") => {
                        a.frames = u32::try_from(number(&mut p, "--frames")?)
                            .ok()
                            .filter(|n| *n >= 1)
                            .ok_or(format!("--frames must be 1 to {}", u32::MAX))?;
                    }
                    Long("screenshot") => a.screenshot = Some(p.value().map_err(err)?.into()),
                    Long("scale") => {
                        a.scale = u32::try_from(number(&mut p, "--scale")?)
                            .ok()
                            .filter(|n| (1..=8).contains(n))
                            .ok_or("--scale must be 1 to 8")?;
                    }
                    Long("budget-ms") => a.budget_ms = Some(number(&mut p, "--budget-ms")?.max(1)),
                    Long("grace-ms") => a.grace_ms = Some(number(&mut p, "--grace-ms")?.max(1)),
                    Value(v) if dir.is_none() => dir = Some(PathBuf::from(v)),
                    other => return Err(other.unexpected().to_string()),
                }
            }
            a.dir = dir.ok_or("browse needs a folder")?;
            if a.headless && a.screenshot.is_none() {
                return Err("browse --headless needs --screenshot PATH".into());
            }
            Ok(Command::Browse(a))
        }
        "check" => {
            let mut options = crate::check::CheckOptions {
                paths: Vec::new(),
                frames: 600,
                jobs: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            };
            let mut json = false;
            while let Some(arg) = next(&mut p, spec)? {
                match arg {
                    Long("help") | Short('h') => return help(),
                    Long("frames") => {
                        options.frames = u32::try_from(number(&mut p, "--frames")?)
                            .ok()
                            .filter(|n| *n >= 1)
                            .ok_or(format!("--frames must be 1 to {}", u32::MAX))?;
                    }
                    Long("jobs") => {
                        options.jobs = usize::try_from(number(&mut p, "--jobs")?)
                            .ok()
                            .filter(|n| (1..=64).contains(n))
                            .ok_or("--jobs must be 1 to 64")?;
                    }
                    Long("json") => json = true,
                    Value(v) => options.paths.push(PathBuf::from(v)),
                    other => return Err(other.unexpected().to_string()),
                }
            }
            if options.paths.is_empty() {
                return Err("check needs a folder or cart file".into());
            }
            Ok(Command::Check { options, json })
        }
        "sandbox-check" => finish(&mut p, spec, Command::SandboxCheck),
        "man" => finish(&mut p, spec, Command::Man),
        "completions" => {
            let shells = spec::Shell::ALL.map(spec::Shell::name).join(", ");
            match next(&mut p, spec)? {
                Some(Long("help") | Short('h')) => help(),
                Some(Value(v)) => {
                    let name = v.string().map_err(err)?;
                    let shell = spec::Shell::from_name(&name).ok_or_else(|| {
                        format!("no completions for '{name}': the shells are {shells}")
                    })?;
                    finish(&mut p, spec, Command::Completions(shell))
                }
                None => Err(format!("completions needs a SHELL: {shells}")),
                Some(other) => Err(other.unexpected().to_string()),
            }
        }
        "run" | "watch" => {
            let mut a = RunArgs::default();
            let mut cart = None;
            while let Some(arg) = next(&mut p, spec)? {
                match arg {
                    Long("headless") => a.headless = true,
                    Long("frames") => a.frames = Some(number(&mut p, "--frames")?),
                    Long("screenshot") => a.screenshot = Some(p.value().map_err(err)?.into()),
                    Long("border") => a.border = true,
                    Long("trace") => a.trace = true,
                    Long("input") => a.input = Some(p.value().map_err(err)?.into()),
                    Long("budget-ms") => a.budget_ms = Some(number(&mut p, "--budget-ms")?),
                    Long("grace-ms") => a.grace_ms = Some(number(&mut p, "--grace-ms")?),
                    Long("memory-mb") => {
                        let n = number(&mut p, "--memory-mb")?;
                        if !(1..=MAX_MEMORY_MB).contains(&n) {
                            return Err(format!(
                                "--memory-mb must be 1 to {MAX_MEMORY_MB}: a runner's address \
                                 space is 1 GiB, and its code needs the rest"
                            ));
                        }
                        a.memory_mb = Some(n);
                    }
                    Long("pmem") => a.pmem = Some(p.value().map_err(err)?.into()),
                    Long("gif") => a.gif = Some(p.value().map_err(err)?.into()),
                    Long("wav") => a.wav = Some(p.value().map_err(err)?.into()),
                    Long("mute") => a.mute = true,
                    Long("volume") => {
                        let n = number(&mut p, "--volume")?;
                        a.volume = Some(
                            u8::try_from(n)
                                .ok()
                                .filter(|n| *n <= 15)
                                .ok_or("--volume must be 0 to 15")?,
                        );
                    }
                    Long("keys") => a.keys = Some(p.value().map_err(err)?.string().map_err(err)?),
                    Long("scale") => {
                        let n = number(&mut p, "--scale")?;
                        a.scale = Some(
                            u32::try_from(n)
                                .ok()
                                .filter(|n| (1..=16).contains(n))
                                .ok_or("--scale must be 1 to 16")?,
                        );
                    }
                    Long("stats") => a.stats = true,
                    Long("fullscreen") => a.fullscreen = true,
                    Long("gif-scale") => {
                        let n = number(&mut p, "--gif-scale")?;
                        a.gif_scale = Some(
                            u32::try_from(n)
                                .ok()
                                .filter(|n| (1..=MAX_GIF_SCALE).contains(n))
                                .ok_or(format!("--gif-scale must be 1 to {MAX_GIF_SCALE}"))?,
                        );
                    }
                    Long("help") | Short('h') => return help(),
                    Value(v) if cart.is_none() => cart = Some(PathBuf::from(v)),
                    other => return Err(other.unexpected().to_string()),
                }
            }
            a.cart = cart.ok_or_else(|| format!("{sub} needs a CART file"))?;
            if a.budget_ms == Some(0) {
                return Err("--budget-ms must be at least 1".into());
            }
            if let Some(keys) = &a.keys {
                crate::frontend::keys::KeyMap::parse(keys).map_err(|e| format!("--keys: {e}"))?;
            }
            if sub == "watch" {
                a.watch = true;
                return Ok(Command::Watch(a));
            }
            if a.fullscreen && a.headless {
                return Err("--fullscreen is for a window; a --headless run has none".into());
            }
            if a.gif.is_some() && !a.headless {
                return Err("--gif records headless runs; in a window, F9 records".into());
            }
            Ok(Command::Run(a))
        }
        other => Err(format!(
            "'{other}' is in the table of commands but not parsed"
        )),
    }
}

/// A lexopt error as the line to show.
fn err(e: lexopt::Error) -> String {
    e.to_string()
}

/// The next argument of `spec`'s command line. An option its entry does not list is
/// refused here, before the parser sees it, so that no command takes an option that its
/// help, the completions and the manual page do not show.
fn next<'a>(
    p: &'a mut lexopt::Parser,
    spec: &CommandSpec,
) -> Result<Option<lexopt::Arg<'a>>, String> {
    let arg = p.next().map_err(err)?;
    if let Some(Long(name)) = &arg
        && *name != "help"
        && spec.option(name).is_none()
    {
        return Err(if spec.options.iter().any(|o| o.long == *name) {
            // One of run's for headless runs only, given to watch.
            if *name == "headless" {
                format!("{} needs a window: it cannot be --headless", spec.name)
            } else {
                format!(
                    "{} needs a window: --{name} is for --headless runs",
                    spec.name
                )
            }
        } else {
            format!("{} has no option --{name}", spec.name)
        });
    }
    Ok(arg)
}

/// The end of a command line whose last operand has been read: nothing more, or `--help`.
fn finish(p: &mut lexopt::Parser, spec: &CommandSpec, done: Command) -> Result<Command, String> {
    match next(p, spec)? {
        None => Ok(done),
        Some(Long("help") | Short('h')) => Ok(Command::Help(Some(spec.name.to_owned()))),
        Some(other) => Err(other.unexpected().to_string()),
    }
}

/// The value of the option `name`, a whole number.
fn number(p: &mut lexopt::Parser, name: &str) -> Result<u64, String> {
    let v = p.value().map_err(err)?;
    v.string()
        .map_err(err)?
        .parse::<u64>()
        .map_err(|_| format!("{name} needs a whole number"))
}

fn cart_error_code(e: &CartError) -> i32 {
    match e {
        CartError::Io { .. } | CartError::NotAFile { .. } => exit::NO_INPUT,
        CartError::TooLarge { .. } => exit::DATA,
    }
}

/// `cartbox run`. For the `cartbox` process only: a headless run ends by leaving its
/// console's processes to the process's exit (see `leave_to_exit`).
fn run(args: RunArgs) -> i32 {
    let cart = match Cart::load(&args.cart) {
        Ok(c) => c,
        Err(e) => {
            complain!("{}", e.to_string());
            return cart_error_code(&e);
        }
    };
    let input = match &args.input {
        None => InputScript::default(),
        Some(path) => match InputScript::load(path) {
            Ok(s) => s,
            Err(e) => {
                complain!("{}", e.to_string());
                return match e {
                    InputError::Io { .. } => exit::NO_INPUT,
                    InputError::Malformed { .. } => exit::DATA,
                };
            }
        },
    };
    for (out, what) in [
        (&args.screenshot, "a screenshot"),
        (&args.gif, "a GIF"),
        (&args.wav, "a WAV file"),
    ] {
        if let Some(out) = out
            && same_file(out, &args.cart)
        {
            complain!("{}: refusing to write {what} over the cart", out.display());
            return exit::CANT_CREATE;
        }
    }
    let mut config = ConsoleConfig {
        virtual_time: args.headless,
        // Headless, this thread only waits for the runner: both on one CPU, no spinning.
        colocate: args.headless,
        spin: if args.headless {
            Duration::ZERO
        } else {
            ConsoleConfig::default().spin
        },
        ..ConsoleConfig::default()
    };
    if let Some(ms) = args.budget_ms {
        config.budget = Duration::from_millis(ms);
    }
    if let Some(ms) = args.grace_ms {
        config.grace = Duration::from_millis(ms);
    }
    if let Some(mb) = args.memory_mb {
        config.memory_limit = mb.saturating_mul(1 << 20);
    }
    if let Some(keys) = &args.keys {
        match crate::frontend::keys::KeyMap::parse(keys) {
            Ok(map) => config.keymap = map.0,
            Err(e) => {
                complain!("--keys: {e}");
                return exit::USAGE;
            }
        }
    }
    // Headless runs are repeatable: they keep persistent memory only where told to.
    config.pmem_dir = args.pmem.clone().or_else(|| {
        if args.headless {
            None
        } else {
            crate::pmem::default_dir()
        }
    });
    if !args.headless {
        return run_window(args, cart, config);
    }
    let mut console = match Console::new(config) {
        Ok(c) => c,
        Err(e) => {
            complain!("{e}");
            return exit::SOFTWARE;
        }
    };
    let loaded = console.load(cart.clone());
    headless::print_trace(
        &mut std::io::stdout().lock(),
        console.take_trace(),
        args.trace,
    );
    if let Err(stop) = loaded {
        return report(&cart.name, &stop);
    }
    let opts = headless::Options {
        frames: args.frames,
        screenshot: args.screenshot.clone(),
        border: args.border,
        trace: args.trace,
        input,
        gif: args.gif.clone(),
        gif_scale: args.gif_scale.unwrap_or(DEFAULT_GIF_SCALE),
        wav: args.wav.clone(),
        volume: args.volume.unwrap_or(15),
    };
    let outcome = headless::run(&mut console, &opts);
    // Those two have said (or saved) what persistent memory came to.
    let saves_said = matches!(outcome, Outcome::SavesLost(_) | Outcome::Stopped(_));
    let code = match outcome {
        Outcome::Finished { .. } => exit::OK,
        Outcome::SavesLost(e) => {
            complain!("{e}");
            exit::CANT_CREATE
        }
        Outcome::Stopped(stop) => report(&cart.name, &stop),
        Outcome::Screenshot(e) => {
            let path = args.screenshot.unwrap_or_default();
            complain!("{}: cannot write the screenshot: {e}", path.display());
            exit::CANT_CREATE
        }
        Outcome::Gif(e) => {
            let path = args.gif.unwrap_or_default();
            complain!("{}: cannot write the GIF: {e}", path.display());
            exit::CANT_CREATE
        }
        Outcome::Wav(e) => {
            let path = args.wav.unwrap_or_default();
            complain!("{}: cannot write the WAV file: {e}", path.display());
            exit::CANT_CREATE
        }
    };
    leave_to_exit(console, code, saves_said)
}

/// The end of a headless run: saves what the cart wrote to persistent memory, then leaves
/// the console's processes to the kernel instead of taking them down in order. The host
/// exits next, and `PR_SET_PDEATHSIG` kills the zygote with it and every runner with the
/// zygote, as after a crash of the host; waiting for that here would add about a
/// millisecond to every `cartbox run --headless`.
fn leave_to_exit(mut console: Console, code: i32, saves_said: bool) -> i32 {
    let code = match console.save_now() {
        Err(e) if !saves_said => {
            complain!("{e}");
            if code == exit::OK {
                exit::CANT_CREATE
            } else {
                code
            }
        }
        _ => code,
    };
    std::mem::forget(console);
    code
}

/// `cartbox run` in a window, and `cartbox watch`.
#[cfg(feature = "window")]
fn run_window(args: RunArgs, cart: Cart, config: ConsoleConfig) -> i32 {
    use crate::frontend::window;
    for (given, name) in [
        (args.input.is_some(), "--input"),
        (args.screenshot.is_some(), "--screenshot (in a window, F8)"),
        (args.border, "--border"),
    ] {
        if given {
            complain!("{name} is for --headless runs");
            return exit::USAGE;
        }
    }
    let opts = window::Options {
        path: args.cart.clone(),
        cart,
        config,
        frames: args.frames,
        watch: args.watch,
        stats: args.stats,
        scale: args.scale.unwrap_or(3),
        fullscreen: args.fullscreen,
        gif_scale: args.gif_scale.unwrap_or(DEFAULT_GIF_SCALE),
        out_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        sound: crate::audio::AudioConfig {
            volume: args.volume.unwrap_or(15),
            muted: args.mute,
            record: args.wav.clone(),
            no_device: false,
            name: args.cart.display().to_string(),
            server: None,
        },
    };
    match window::run(opts) {
        Ok(window::Outcome::Closed) => exit::OK,
        Ok(window::Outcome::Stopped(stop)) => stop_code(&stop),
        Err(e) => {
            complain!("{e}");
            exit::UNAVAILABLE
        }
    }
}

/// `cartbox run` without the window feature: say so.
#[cfg(not(feature = "window"))]
fn run_window(_args: RunArgs, _cart: Cart, _config: ConsoleConfig) -> i32 {
    complain!("this build has no window (the `window` feature is off); use --headless");
    exit::UNAVAILABLE
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Prints why the cart stopped and returns the exit code for it.
fn report(cart: &str, stop: &Stop) -> i32 {
    let mut err = std::io::stderr().lock();
    for (i, line) in crate::frontend::stop_report(cart, stop).iter().enumerate() {
        if i == 0 {
            let _ = writeln!(err, "cartbox: {line}");
        } else {
            let _ = writeln!(err, "{line}");
        }
    }
    stop_code(stop)
}

/// The exit code for a stop.
fn stop_code(stop: &Stop) -> i32 {
    match stop {
        Stop::Cart(f) if f.kind == FaultKind::BadCart => exit::DATA,
        s if s.runner_killed() => exit::KILLED,
        _ => exit::CART,
    }
}

/// The frame whose screen becomes a PNG cart's cover when the cart has none and
/// `--cover-frame` does not say (one second in: past most carts' first frames).
const DEFAULT_COVER_FRAME: u32 = 60;

/// `cartbox export CART OUT`: writes the cart as a `.tic` or `.png` cart.
///
/// `cover_frame`: make the screen at this frame the cart's cover. Without it, a PNG cart
/// shows the cart's own cover, or if it has none the screen at [`DEFAULT_COVER_FRAME`]:
/// never a blank picture.
fn export(cart: &std::path::Path, out: &std::path::Path, cover_frame: Option<u32>) -> i32 {
    let c = match Cart::load(cart) {
        Ok(c) => c,
        Err(e) => {
            complain!("{}", e.to_string());
            return cart_error_code(&e);
        }
    };
    if same_file(cart, out) {
        complain!(
            "{}: refusing to write over the cart being read",
            out.display()
        );
        return exit::CANT_CREATE;
    }
    let format = match out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("tic") => ExportFormat::Tic,
        Some("png") => ExportFormat::Png,
        _ => {
            complain!("{}: export writes .tic or .png carts", out.display());
            return exit::USAGE;
        }
    };
    // A runner parses the cart and writes it; the host only saves what it sends. The
    // frames for a cover run as a headless run's do (a virtual clock, no saves).
    let mut console = match Console::new(ConsoleConfig {
        virtual_time: true,
        ..ConsoleConfig::default()
    }) {
        Ok(c) => c,
        Err(e) => {
            complain!("{e}");
            return exit::SOFTWARE;
        }
    };
    let cover = match cover_frame {
        Some(n) => Some(n),
        None if format == ExportFormat::Png => Some(DEFAULT_COVER_FRAME),
        None => None,
    };
    let cover = match cover.map(|n| screen_at(&mut console, &c, n, cover_frame.is_some())) {
        None => None,
        Some(Ok(screen)) => screen,
        Some(Err(code)) => return code,
    };
    let bytes = match console.export(&c, format, cover) {
        Ok(b) => b,
        Err(stop) => return report(&c.name, &stop),
    };
    match crate::fsutil::write_atomically(out, &bytes) {
        Ok(()) => exit::OK,
        Err(e) => {
            complain!("{}: {e}", out.display());
            exit::CANT_CREATE
        }
    }
}

/// The screen (4-bit pixels) the cart leaves at frame `n` (or at its `exit()`), played
/// with no input; `None` when the cart has a cover of its own and `always` is false. An
/// error is reported here and its exit code returned.
fn screen_at(
    console: &mut Console,
    cart: &Cart,
    n: u32,
    always: bool,
) -> Result<Option<Vec<u8>>, i32> {
    if let Err(stop) = console.load(cart.clone()) {
        return Err(report(&cart.name, &stop));
    }
    if !always && console.info().is_some_and(|i| i.has_cover) {
        return Ok(None);
    }
    for frame in 1..=n {
        match console.run_frame(&Input::default(), false) {
            Ok(false) => {}
            Ok(true) => break,
            Err(stop) => {
                complain!(
                    "{}: no cover: the cart stopped in frame {frame}, before frame {n} \
                     (--cover-frame chooses an earlier one)",
                    cart.name
                );
                return Err(report(&cart.name, &stop));
            }
        }
    }
    Ok(console.screen())
}

/// Arguments of `cartbox browse`.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowseArgs {
    /// The folder.
    pub dir: PathBuf,
    /// Draw the grid once, without a window.
    pub headless: bool,
    /// Frames each cart plays before a headless grid is drawn.
    pub frames: u32,
    /// Where a headless grid goes.
    pub screenshot: Option<PathBuf>,
    /// Window size, as a multiple of the grid's picture.
    pub scale: u32,
    /// `--budget-ms`.
    pub budget_ms: Option<u64>,
    /// `--grace-ms`.
    pub grace_ms: Option<u64>,
    /// `--stats`.
    pub stats: bool,
}

/// `cartbox browse DIR`.
fn browse(args: BrowseArgs) -> i32 {
    if !args.dir.is_dir() {
        complain!("{}: not a folder", args.dir.display());
        return exit::NO_INPUT;
    }
    if args.headless {
        let shot = args
            .screenshot
            .as_deref()
            .unwrap_or(std::path::Path::new("browse.png"));
        return match crate::browse::headless(&args.dir, args.frames, shot) {
            Ok(()) => exit::OK,
            Err(e) => {
                complain!("{e}");
                exit::CANT_CREATE
            }
        };
    }
    browse_window(args)
}

#[cfg(feature = "window")]
fn browse_window(args: BrowseArgs) -> i32 {
    let mut config = ConsoleConfig::default();
    if let Some(ms) = args.budget_ms {
        config.budget = Duration::from_millis(ms);
    }
    if let Some(ms) = args.grace_ms {
        config.grace = Duration::from_millis(ms);
    }
    let opts = crate::frontend::window::BrowseOptions {
        dir: args.dir,
        config,
        scale: args.scale,
        stats: args.stats,
    };
    match crate::frontend::window::browse(opts) {
        Ok(()) => exit::OK,
        Err(e) => {
            complain!("{e}");
            exit::UNAVAILABLE
        }
    }
}

#[cfg(not(feature = "window"))]
fn browse_window(_args: BrowseArgs) -> i32 {
    complain!("this build has no window (built without the `window` feature); use --headless");
    exit::UNAVAILABLE
}

/// `cartbox check DIR...`: plays every cart headless and reports; 0 only if every cart
/// played or exited by itself.
fn check(options: &crate::check::CheckOptions, json: bool) -> i32 {
    let carts = match crate::check::carts_in(&options.paths) {
        Ok(c) => c,
        Err(e) => {
            complain!("{e}");
            return exit::NO_INPUT;
        }
    };
    if carts.is_empty() {
        complain!(
            "no carts in {}",
            options
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return exit::NO_INPUT;
    }
    let started = std::time::Instant::now();
    // Progress on stderr, as each cart ends (a terminal only: a log stays the report).
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = carts.len();
    let progress = |r: &crate::check::CartReport| {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if tty {
            err!(
                "\r\x1b[K[{n}/{total}] {} {}",
                terminal_safe(&r.path.display().to_string()),
                r.verdict.name()
            );
        }
    };
    let reports = match crate::check::check(&carts, options, &progress) {
        Ok(r) => r,
        Err(e) => {
            complain!("{e}");
            return exit::SOFTWARE;
        }
    };
    if tty {
        err!("\r\x1b[K");
    }
    let took = started.elapsed();
    if json {
        out!("{}", crate::check::json(&reports, took));
    } else {
        out!("{}", crate::check::table(&reports, took));
    }
    if reports.iter().all(|r| r.verdict.ok()) {
        exit::OK
    } else {
        exit::CART
    }
}

/// `cartbox conformance DIR`: plays TIC-80's demo carts and compares frames with TIC-80's.
fn conformance(dir: &std::path::Path) -> i32 {
    let results = match crate::conformance::run_all(dir, None) {
        Ok(r) => r,
        Err(e) => {
            complain!("{e}");
            return exit::NO_INPUT;
        }
    };
    outln!(
        "{:<12} {:>6}  pixels equal to TIC-80's (frame: share)",
        "cart",
        "frames"
    );
    let mut ok = true;
    for r in &results {
        let matches: Vec<String> = r
            .matches
            .iter()
            .map(|m| format!("{}: {:.2}%", m.frame, m.share() * 100.0))
            .collect();
        outln!("{:<12} {:>6}  {}", r.name, r.frames, matches.join("   "));
        if let Some(e) = &r.error {
            outln!("{:<12} {:>6}  error: {}", "", "", terminal_safe(e));
            ok = false;
        }
    }
    match crate::conformance::sound_all(dir, None) {
        Ok(sounds) if !sounds.is_empty() => {
            outln!();
            outln!("{:<12} sound against TIC-80's (UP held in frame 1)", "cart");
            for r in &sounds {
                match (&r.comparison, &r.error) {
                    (Some(c), None) => outln!(
                        "{:<12} {c}{}",
                        r.name,
                        if r.identical { " (identical)" } else { "" }
                    ),
                    (_, Some(e)) => {
                        outln!("{:<12} error: {}", r.name, terminal_safe(e));
                        ok = false;
                    }
                    (None, None) => {}
                }
            }
        }
        Ok(_) => {}
        Err(e) => outln!("no sound references: {}", terminal_safe(&e)),
    }
    if ok { exit::OK } else { exit::CART }
}

/// `cartbox sandbox-check`.
fn sandbox_check() -> i32 {
    let mut console = match Console::new(ConsoleConfig::default()) {
        Ok(c) => c,
        Err(e) => {
            complain!("{e}");
            return exit::SOFTWARE;
        }
    };
    let results = sandbox_check::run_all(console.zygote());
    let mut all = true;
    if let Some(ready) = results.iter().find_map(|r| r.ready) {
        match ready.landlock_abi {
            0 => outln!("landlock: not available on this kernel (seccomp still applies)"),
            abi => outln!(
                "landlock: ABI {abi}, {}",
                if ready.landlock_full {
                    "fully enforced"
                } else {
                    "partially enforced"
                }
            ),
        }
    }
    for r in &results {
        let verdict = if r.blocked() {
            match r.syscall.and_then(cartbox_protocol::syscalls::name) {
                Some(name) => format!("blocked (SIGSYS: {name})"),
                None => "blocked (SIGSYS)".to_owned(),
            }
        } else {
            format!("NOT BLOCKED ({:?})", r.status)
        };
        outln!("{:<5} {:<24} {verdict}", r.runtime.name(), r.probe.name());
        all &= r.blocked();
    }
    if all {
        outln!("the sandbox works: every forbidden operation killed its runner");
        exit::OK
    } else {
        exit::CART
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<std::ffi::OsString> {
        s.split_whitespace().map(Into::into).collect()
    }

    #[test]
    fn run_flags() {
        let Command::Run(a) = parse(args(
            "run c.lua --headless --frames 3 --screenshot o.png --border --trace --budget-ms 50",
        ))
        .unwrap() else {
            panic!("not run");
        };
        assert_eq!(a.cart, PathBuf::from("c.lua"));
        assert!(a.headless && a.border && a.trace);
        assert_eq!(a.frames, Some(3));
        assert_eq!(a.budget_ms, Some(50));
    }

    #[test]
    fn usage_errors() {
        assert!(parse(args("")).is_err());
        assert!(parse(args("run")).unwrap_err().contains("CART"));
        assert!(parse(args("run a.lua b.lua")).is_err());
        assert!(
            parse(args("run a.lua --frames x"))
                .unwrap_err()
                .contains("whole number")
        );
        assert!(parse(args("run a.lua --bogus")).is_err());
        assert!(parse(args("fly")).unwrap_err().contains("unknown command"));
        assert_eq!(parse(args("--help")).unwrap(), Command::Help(None));
        assert_eq!(
            parse(args("run --help")).unwrap(),
            Command::Help(Some("run".into()))
        );
        assert_eq!(
            parse(args("help export")).unwrap(),
            Command::Help(Some("export".into()))
        );
        assert!(parse(args("help fly")).is_err());
        assert!(parse(args("help run export")).is_err());
    }

    #[test]
    fn the_table_decides_what_each_command_takes() {
        assert_eq!(
            parse(args("completions zsh")).unwrap(),
            Command::Completions(spec::Shell::Zsh)
        );
        assert!(
            parse(args("completions tcsh"))
                .unwrap_err()
                .contains("the shells are bash, zsh, fish")
        );
        assert_eq!(parse(args("man")).unwrap(), Command::Man);
        assert!(parse(args("man cartbox")).is_err());
        assert_eq!(
            parse(args("export a.lua b.png --cover-frame 7")).unwrap(),
            Command::Export {
                cart: "a.lua".into(),
                out: "b.png".into(),
                cover_frame: Some(7),
            }
        );
        assert!(parse(args("export a.lua b.png --cover-frame 0")).is_err());
        assert_eq!(
            parse(args("export a.lua b.png --frames 3")).unwrap_err(),
            "export has no option --frames"
        );
        assert_eq!(
            parse(args("watch a.lua --screenshot s.png")).unwrap_err(),
            "watch needs a window: --screenshot is for --headless runs"
        );
    }
}
