//! The commands and options of the command line, described once as data, and what is made
//! from that description: `cartbox --help`, each command's help, the completion scripts of
//! `cartbox completions bash|zsh|fish` and the manual page of `cartbox man`.
//!
//! Trusted side; nothing of a cart's reaches this module. The parser (`cli::parse`) refuses
//! any option that a command's entry here does not list, so the help, the completions and
//! the page cannot offer what the parser refuses; `tests/all/cli.rs` checks the other way
//! round, that the parser takes every option listed here.

use std::fmt::Write as _;

mod completions;
mod man;

pub use completions::{Shell, completions};
pub use man::man;

/// A command of `cartbox`.
#[derive(Debug)]
pub struct CommandSpec {
    /// Its name, the first argument.
    pub name: &'static str,
    /// Its operands, in order.
    pub operands: &'static [Operand],
    /// What it does, in a few words (the list of commands in `--help`).
    pub summary: &'static str,
    /// What it does, in a paragraph (its help and the manual page).
    pub description: &'static str,
    /// Its options (besides `--help`, which every command takes).
    pub options: &'static [OptionSpec],
    /// It always has a window: of `options` it takes only those not
    /// [`headless_only`](OptionSpec::headless_only) (`watch` takes `run`'s that way).
    pub window: bool,
}

/// An operand: a word on the command line that is not an option.
#[derive(Debug)]
pub struct Operand {
    /// Its name in the usage (`CART`).
    pub name: &'static str,
    /// What it is, for completion.
    pub kind: ValueKind,
    /// It may be left out.
    pub optional: bool,
}

/// An option, `--long` (with `-short` if it has one), taking a value or not.
#[derive(Debug)]
pub struct OptionSpec {
    /// Its name without the dashes (`frames` for `--frames`).
    pub long: &'static str,
    /// A one-letter form (`-h`).
    pub short: Option<char>,
    /// The value it takes, if any: its name in the usage (`N`) and what it is.
    pub value: Option<(&'static str, ValueKind)>,
    /// What it does, in one sentence (wrapped where it is shown).
    pub help: &'static str,
    /// Only for headless runs: a command that always has a window does not take it.
    pub headless_only: bool,
}

/// What an operand or an option's value is, for completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A cart: a file with one of the [`CART_EXTENSIONS`].
    Cart,
    /// Any file, to read or to write.
    File,
    /// A folder.
    Dir,
    /// A whole number.
    Number,
    /// Text of the option's own syntax (a key map).
    Text,
    /// The name of a shell that has completions: one of [`Shell::ALL`].
    Shell,
    /// The name of a command.
    Command,
}

/// The extensions of the files Cartbox plays (what a `CART` operand completes to).
pub const CART_EXTENSIONS: &[&str] = &[
    "lua", "moon", "js", "fnl", "wasmp", "wasm", "wat", "tic", "png",
];

const fn flag(long: &'static str, help: &'static str) -> OptionSpec {
    OptionSpec {
        long,
        short: None,
        value: None,
        help,
        headless_only: false,
    }
}

const fn valued(
    long: &'static str,
    name: &'static str,
    kind: ValueKind,
    help: &'static str,
) -> OptionSpec {
    OptionSpec {
        value: Some((name, kind)),
        ..flag(long, help)
    }
}

impl OptionSpec {
    const fn headless(self) -> OptionSpec {
        OptionSpec {
            headless_only: true,
            ..self
        }
    }
}

const fn operand(name: &'static str, kind: ValueKind) -> Operand {
    Operand {
        name,
        kind,
        optional: false,
    }
}

use ValueKind::{Cart, Dir, File, Number, Text};

/// The options of `run`; `watch` takes those that are not for headless runs only.
/// `--budget-ms`, for `run`, `watch` and `browse`.
const BUDGET_MS: OptionSpec = valued(
    "budget-ms",
    "MS",
    Number,
    "stop a callback that runs longer than MS (default 2000)",
);

/// `--grace-ms`, for `run`, `watch` and `browse`.
const GRACE_MS: OptionSpec = valued(
    "grace-ms",
    "MS",
    Number,
    "kill a runner that has not answered MS after that (default 1000)",
);

const RUN_OPTIONS: &[OptionSpec] = &[
    flag("headless", "no window: run frames as fast as possible").headless(),
    valued(
        "gif",
        "PATH",
        File,
        "record the frames to PATH as a GIF (headless; in a window F9)",
    )
    .headless(),
    valued(
        "gif-scale",
        "N",
        Number,
        "GIF size as a multiple of 256x144, 1 to 4 (default 2)",
    ),
    valued(
        "keys",
        "MAP",
        Text,
        "keys for gamepad buttons, e.g. up=w,down=s,left=a,right=d,a=j (p2.a=... for player \
         2; key names in README.md)",
    ),
    valued(
        "scale",
        "N",
        Number,
        "window size as a multiple of 256x144 (default 3)",
    ),
    flag(
        "fullscreen",
        "start fullscreen (F11 or Alt+Enter toggles it)",
    ),
    flag(
        "stats",
        "print how regularly the window presented frames, at the end",
    ),
    valued(
        "frames",
        "N",
        Number,
        "stop after N frames (frame 1 is the first TIC)",
    ),
    valued(
        "screenshot",
        "PATH",
        File,
        "write the last frame to PATH as PNG (240x136)",
    )
    .headless(),
    flag("border", "include the border in the screenshot (256x144)").headless(),
    flag("trace", "print the cart's trace() output to stdout"),
    valued(
        "input",
        "FILE",
        File,
        "buttons to hold per frame range (see README.md)",
    )
    .headless(),
    BUDGET_MS,
    GRACE_MS,
    valued(
        "memory-mb",
        "MB",
        Number,
        "cap the cart's memory: its Lua heap (Lua, MoonScript and Fennel carts) or \
         JavaScript heap, or a wasm cart's linear memory (default 256)",
    ),
    valued(
        "pmem",
        "DIR",
        Dir,
        "keep the cart's persistent memory under DIR (default without --headless: \
         ~/.local/share/cartbox; with it: not kept)",
    ),
    valued(
        "wav",
        "PATH",
        File,
        "write the sound to PATH (headless: as TIC-80 makes it; in a window: what was sent to \
         the speakers, before --mute or F6)",
    ),
    valued(
        "volume",
        "N",
        Number,
        "sound volume 0 to 15, as TIC-80's setting (default 15)",
    ),
    flag("mute", "start with the speakers muted (F6 in the window)"),
];

/// The commands, in the order `--help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "run",
        operands: &[operand("CART", Cart)],
        summary: "play a cart in a window (or --headless)",
        description: "Plays CART in a sandboxed runner: in a window with sound, or with \
                      --headless without one, frames running as fast as they can on a virtual \
                      clock, so that a run repeats byte for byte. A cart that fails or is killed \
                      is reported with the reason, and with its file and line where it has one.",
        options: RUN_OPTIONS,
        window: false,
    },
    CommandSpec {
        name: "watch",
        operands: &[operand("CART", Cart)],
        summary: "play a cart, reload it when its file is saved",
        description: "Plays CART in a window as run does, and reloads it in a fresh runner \
                      whenever its file, or a file of the same name beside it, is saved. It \
                      also restarts the cart on SIGUSR1 or a line on stdin (`quit` closes the \
                      window).",
        options: RUN_OPTIONS,
        window: true,
    },
    CommandSpec {
        name: "sandbox-check",
        operands: &[],
        summary: "check that the sandbox works on this machine",
        description: "Tries every forbidden operation in a real runner after its real \
                      lockdown, for Lua and WebAssembly; each must kill its runner, and each \
                      line names the call.",
        options: &[],
        window: false,
    },
    CommandSpec {
        name: "export",
        operands: &[operand("CART", Cart), operand("OUT", File)],
        summary: "write CART as a .tic or .png cart",
        description: "Writes CART (any form Cartbox plays) as a binary .tic or a PNG cart, as \
                      the extension of OUT says. A sandboxed runner reads and writes the cart; \
                      the file is saved whole or not at all, and never over CART.",
        options: &[valued(
            "cover-frame",
            "N",
            Number,
            "make the screen at frame N the cart's cover (default for a .png cart without \
             one: 60)",
        )],
        window: false,
    },
    CommandSpec {
        name: "browse",
        operands: &[operand("DIR", Dir)],
        summary: "every cart of a folder live in a grid",
        description: "Shows the carts of DIR (and its subfolders, as entries) as a grid of \
                      live tiles, each cart in its own sandboxed runner at 20 frames a second \
                      with a share of the CPUs; a cart that fails shows why in its tile while \
                      the others play on. Arrows, the mouse or a gamepad choose; Enter plays \
                      the cart full-size; Esc goes back to the grid (the cart paused: Enter \
                      resumes it, R restarts it); Esc in the grid quits. With --headless, \
                      each visible cart plays N frames and the grid is written to \
                      --screenshot.",
        options: &[
            flag(
                "headless",
                "no window: draw the grid once, after --frames, to --screenshot",
            ),
            valued(
                "frames",
                "N",
                Number,
                "frames each cart plays with --headless (default 60)",
            ),
            valued(
                "screenshot",
                "PATH",
                File,
                "where --headless writes the grid (PNG)",
            ),
            valued(
                "scale",
                "N",
                Number,
                "window size as a multiple of the grid (default 2)",
            ),
            flag(
                "stats",
                "print how regularly the window presented, at the end",
            ),
            BUDGET_MS,
            GRACE_MS,
        ],
        window: false,
    },
    CommandSpec {
        name: "check",
        operands: &[operand("DIR...", Dir)],
        summary: "play every cart in folders, report how each did",
        description: "Plays every cart in the folders (with their subfolders; cart files may \
                      be named too) headless for N frames, J at a time, each in its own \
                      sandboxed runner with no input, and prints a line per cart: its format, \
                      language, result (played, exited, error with file and line, stopped, \
                      killed, refused) and time, then a summary. Exits 0 only if every cart \
                      played or ended itself with exit(), 1 otherwise.",
        options: &[
            valued(
                "frames",
                "N",
                Number,
                "frames to play each cart (default 600)",
            ),
            valued(
                "jobs",
                "J",
                Number,
                "carts played at once (default: the CPUs, at most 8)",
            ),
            flag("json", "print the results as JSON"),
        ],
        window: false,
    },
    CommandSpec {
        name: "conformance",
        operands: &[operand("DIR", Dir)],
        summary: "play TIC-80's demo carts, compare the frames",
        description: "Plays TIC-80's demo carts in DIR/carts and compares the frames with \
                      TIC-80's own in DIR, and the sound with DIR/audio.",
        options: &[],
        window: false,
    },
    CommandSpec {
        name: "completions",
        operands: &[operand("SHELL", ValueKind::Shell)],
        summary: "print SHELL's completions (bash, zsh or fish)",
        description: "Prints the completion script for SHELL: bash, zsh or fish. For bash, \
                      `source <(cartbox completions bash)` in ~/.bashrc; for zsh, save it as \
                      _cartbox in a folder of $fpath; for fish, as \
                      ~/.config/fish/completions/cartbox.fish.",
        options: &[],
        window: false,
    },
    CommandSpec {
        name: "man",
        operands: &[],
        summary: "print the manual page (roff)",
        description: "Prints this manual page, in roff: `cartbox man | man -l -` shows it.",
        options: &[],
        window: false,
    },
    CommandSpec {
        name: "help",
        operands: &[Operand {
            optional: true,
            ..operand("COMMAND", ValueKind::Command)
        }],
        summary: "print one command's help (or COMMAND --help)",
        description: "Prints the help of COMMAND, or without one every command and the \
                      options of those that have any.",
        options: &[],
        window: false,
    },
];

/// The options that stand in for a command: `--help` (also after any command, for its
/// help) and `--version`.
pub const GLOBAL_OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        short: Some('h'),
        ..flag(
            "help",
            "print the commands and options; after a command, its help",
        )
    },
    flag("version", "print the version"),
];

/// The keys of the window, with what each does (the cart never sees them).
const WINDOW_KEYS: &[(&str, &str)] = &[
    ("Esc", "game menu"),
    ("F5 or Ctrl+R", "restart"),
    ("F7", "cover (as a new PNG cart)"),
    ("F8", "screenshot"),
    ("F9", "start/stop GIF"),
    ("F1", "trace console"),
    ("F6", "mute"),
    ("F11 or Alt+Enter", "fullscreen"),
];

/// The variables Cartbox reads, for the manual page.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "CARTBOX_HOME",
        "where a run in a window keeps persistent memory without --pmem",
    ),
    (
        "XDG_DATA_HOME",
        "without CARTBOX_HOME, persistent memory is kept in $XDG_DATA_HOME/cartbox",
    ),
    (
        "HOME",
        "without either, persistent memory is kept in ~/.local/share/cartbox",
    ),
    (
        "DISPLAY, WAYLAND_DISPLAY",
        "the X11 or Wayland display of the window; without either, run needs --headless",
    ),
    (
        "PULSE_SERVER",
        "the PulseAudio or PipeWire server for the window's sound (else its usual socket)",
    ),
];

/// The files Cartbox reads and writes on its own, for the manual page.
const FILES: &[(&str, &str)] = &[
    (
        "DIR/pmem/KEY",
        "a cart's persistent memory, 1 KiB, named by the cart's save id or data; DIR is \
         --pmem's, or the folder ENVIRONMENT describes",
    ),
    (
        "CART-N.png, CART-N.gif",
        "screenshots (F8) and GIF recordings (F9) of the window, in the current folder",
    ),
    (
        "CART-cart-N.png",
        "the cart with the window's screen as its cover (F7), in the current folder",
    ),
];

/// What Cartbox is, for the manual page.
const ABOUT: &str = "Cartbox is a fantasy console. It plays TIC-80-style carts (Lua, \
                     MoonScript, Fennel, JavaScript and WebAssembly) and runs every cart in its own forked, \
                     seccomp-locked runner process: a cart that hangs, crashes or misbehaves \
                     is stopped, you are told exactly why, and a fresh runner takes its place.";

/// The widest line of `--help` and of each command's help.
const WIDTH: usize = 90;

/// The command named `name`.
pub fn command(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

impl CommandSpec {
    /// The options this command takes.
    pub fn options(&self) -> impl Iterator<Item = &'static OptionSpec> + use<> {
        let window = self.window;
        let options: &'static [OptionSpec] = self.options;
        options.iter().filter(move |o| !(window && o.headless_only))
    }

    /// The option `--long` of this command, if it takes it.
    pub fn option(&self, long: &str) -> Option<&'static OptionSpec> {
        self.options().find(|o| o.long == long)
    }

    /// The command's line in a usage: `export CART OUT [options]`.
    pub fn synopsis(&self) -> String {
        let mut s = self.name.to_owned();
        for o in self.operands {
            if o.optional {
                let _ = write!(s, " [{}]", o.name);
            } else {
                let _ = write!(s, " {}", o.name);
            }
        }
        if self.options().next().is_some() {
            s.push_str(" [options]");
        }
        s
    }
}

impl OptionSpec {
    /// The option as written in a usage: `--frames N`.
    fn label(&self) -> String {
        match self.value {
            Some((name, _)) => format!("--{} {name}", self.long),
            None => format!("--{}", self.long),
        }
    }
}

/// Appends `words` to `out` after `first` (which the caller has padded to `indent`
/// columns), starting a new line, indented, where the next word would pass [`WIDTH`].
fn wrap<'a>(
    out: &mut String,
    first: &str,
    indent: usize,
    words: impl IntoIterator<Item = &'a str>,
) {
    let mut line = first.to_owned();
    let mut started = false;
    for word in words {
        if !started {
            line.push_str(word);
            started = true;
        } else if line.chars().count() + 1 + word.chars().count() <= WIDTH {
            line.push(' ');
            line.push_str(word);
        } else {
            out.push_str(line.trim_end());
            out.push('\n');
            line = format!("{:indent$}{word}", "");
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The column at which option help starts: the widest option, and room to spare.
fn option_column() -> usize {
    COMMANDS
        .iter()
        .flat_map(|c| c.options)
        .map(|o| o.label().len() + 2)
        .max()
        .unwrap_or(0)
        + 4
}

/// Appends one line per option (wrapped), in the style of `--help`.
fn option_lines<'a>(out: &mut String, options: impl Iterator<Item = &'a OptionSpec>) {
    let column = option_column();
    for o in options {
        let first = format!("  {:<w$}", o.label(), w = column - 2);
        wrap(out, &first, column, o.help.split(' '));
    }
}

/// `cartbox --help`: the commands, the options of those that have their own, the window's
/// keys.
pub fn usage() -> String {
    let mut out = String::new();
    let column = COMMANDS
        .iter()
        .map(|c| "cartbox ".len() + c.synopsis().len())
        .max()
        .unwrap_or(0)
        + 3;
    for (i, c) in COMMANDS.iter().enumerate() {
        let lead = if i == 0 { "usage: " } else { "       " };
        let _ = writeln!(
            out,
            "{lead}{:<column$}{}",
            format!("cartbox {}", c.synopsis()),
            c.summary
        );
    }
    for c in COMMANDS
        .iter()
        .filter(|c| !c.window && !c.options.is_empty())
    {
        let _ = write!(out, "\noptions for {}", c.name);
        // Commands that take these options but the headless ones (watch, of run's).
        for w in COMMANDS
            .iter()
            .filter(|w| w.window && std::ptr::eq(w.options, c.options))
        {
            let left: Vec<String> = c
                .options
                .iter()
                .filter(|o| o.headless_only)
                .map(|o| format!("--{}", o.long))
                .collect();
            let _ = write!(out, " ({} takes all but {})", w.name, left.join(" "));
        }
        out.push_str(":\n");
        option_lines(&mut out, c.options.iter());
    }
    out.push('\n');
    let keys: Vec<String> = WINDOW_KEYS
        .iter()
        .enumerate()
        .map(|(i, (key, what))| {
            let end = if i + 1 < WINDOW_KEYS.len() { "," } else { "" };
            format!("{key} {what}{end}")
        })
        .collect();
    wrap(
        &mut out,
        "window keys: ",
        "window keys: ".len(),
        keys.iter().map(String::as_str),
    );
    out.push_str("watch also restarts the cart on SIGUSR1 or a line on stdin (`quit` closes it)\n");
    out
}

/// One command's help (`cartbox help run`, `cartbox export --help`).
pub fn help(name: &str) -> Option<String> {
    let c = command(name)?;
    let mut out = format!("usage: cartbox {}\n\n", c.synopsis());
    wrap(&mut out, "", 0, c.description.split(' '));
    if c.options().next().is_some() {
        out.push_str("\noptions:\n");
        option_lines(&mut out, c.options());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_need_no_quoting_in_any_shell() {
        let names = COMMANDS
            .iter()
            .map(|c| c.name)
            .chain(COMMANDS.iter().flat_map(|c| c.options).map(|o| o.long))
            .chain(GLOBAL_OPTIONS.iter().map(|o| o.long));
        for name in names {
            assert!(
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name}"
            );
        }
    }

    #[test]
    fn an_option_is_valued_or_not_wherever_it_is() {
        // The bash script skips option values by name, over all commands at once.
        let all: Vec<&OptionSpec> = COMMANDS.iter().flat_map(|c| c.options).collect();
        for a in &all {
            for b in &all {
                if a.long == b.long {
                    assert_eq!(a.value.is_some(), b.value.is_some(), "--{}", a.long);
                }
            }
        }
    }

    #[test]
    fn help_lines_fit_and_keep_todays_layout() {
        let usage = usage();
        let helps: Vec<String> = COMMANDS.iter().filter_map(|c| help(c.name)).collect();
        assert_eq!(helps.len(), COMMANDS.len());
        for line in helps.iter().chain([&usage]).flat_map(|h| h.lines()) {
            assert!(line.chars().count() <= WIDTH, "too wide: {line}");
        }
        for want in [
            "  --headless           no window: run frames as fast as possible\n",
            "  --keys MAP           keys for gamepad buttons, e.g. up=w,down=s,left=a,right=d,a=j\n\
             \x20                      (p2.a=... for player 2; key names in README.md)\n",
            "window keys: Esc game menu, F5 or Ctrl+R restart, F7 cover (as a new PNG cart),\n\
             \x20            F8 screenshot, F9 start/stop GIF, F1 trace console, F6 mute,\n\
             \x20            F11 or Alt+Enter fullscreen\n",
            "options for run (watch takes all but --headless --gif --screenshot --border \
             --input):\n",
            "options for export:\n  --cover-frame N",
        ] {
            assert!(usage.contains(want), "{want}\nnot in:\n{usage}");
        }
        assert!(usage.starts_with("usage: cartbox run CART [options]  "));
    }

    #[test]
    fn the_limits_in_the_help_are_the_parsers() {
        let help = |c: &str, o: &str| command(c).and_then(|c| c.option(o)).map(|o| o.help);
        let gif = format!("1 to {}", crate::frontend::gif::MAX_GIF_SCALE);
        assert!(help("run", "gif-scale").is_some_and(|h| h.contains(&gif)));
        assert!(help("watch", "gif").is_none());
        assert!(help("watch", "keys").is_some());
    }
}
