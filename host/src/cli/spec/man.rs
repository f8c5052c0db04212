//! The manual page of `cartbox man` (section 1, roff), made from the table of commands
//! ([`COMMANDS`]) and the exit codes ([`exit::ALL`]).

use std::fmt::Write as _;

use super::{
    ABOUT, CART_EXTENSIONS, COMMANDS, CommandSpec, ENVIRONMENT, FILES, GLOBAL_OPTIONS, OptionSpec,
    WINDOW_KEYS,
};
use crate::cli::exit;

/// `text` as roff text: backslashes and hyphens escaped (an option's `--` must stay two
/// minus signs), `code` in bold, and a line that would start with a control character
/// (`.` or `'`) made text with `\&`.
fn roff(text: &str) -> String {
    let mut out = String::new();
    let mut bold = false;
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            '`' => {
                out.push_str(if bold { "\\fR" } else { "\\fB" });
                bold = !bold;
            }
            '\n' if bold => {
                out.push_str("\\fR\n");
                bold = false;
            }
            _ => out.push(ch),
        }
    }
    if bold {
        out.push_str("\\fR");
    }
    out.split('\n')
        .map(|line| {
            if line.starts_with(['.', '\'']) {
                format!("\\&{line}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `--name` in bold and its value in italics: the tag of an option.
fn roff_option(o: &OptionSpec) -> String {
    let mut s = format!("\\fB{}\\fR", roff(&format!("--{}", o.long)));
    if let Some((value, _)) = o.value {
        let _ = write!(s, " \\fI{}\\fR", roff(value));
    }
    if let Some(short) = o.short {
        let _ = write!(s, ", \\fB{}\\fR", roff(&format!("-{short}")));
    }
    s
}

/// A command's synopsis: `\fBcartbox run\fR \fICART\fR [\fIoptions\fR]`.
fn roff_synopsis(c: &CommandSpec) -> String {
    let mut s = format!("\\fBcartbox {}\\fR", roff(c.name));
    for o in c.operands {
        if o.optional {
            let _ = write!(s, " [\\fI{}\\fR]", roff(o.name));
        } else {
            let _ = write!(s, " \\fI{}\\fR", roff(o.name));
        }
    }
    if c.options().next().is_some() {
        s.push_str(" [\\fIoptions\\fR]");
    }
    s
}

/// A tagged paragraph: `tag` (already roff) over `text`.
fn tagged(s: &mut String, tag: &str, text: &str) {
    let _ = writeln!(s, ".TP\n{tag}\n{}", roff(text));
}

/// `cartbox man`: the manual page, section 1, in roff.
pub fn man() -> String {
    let mut s = format!(
        ".\\\" The manual page of cartbox, made by `cartbox man` from the table its --help is \
         made from.\n\
         .TH CARTBOX 1 \"\" \"cartbox {}\" \"User Commands\"\n\
         .\\\" Paths and options read better unbroken and unhyphenated.\n\
         .nh\n\
         .ad l\n\
         .SH NAME\n\
         cartbox \\- a fantasy console that plays each cart in its own sandboxed runner\n\
         .SH SYNOPSIS\n\
         .nf\n",
        roff(env!("CARGO_PKG_VERSION"))
    );
    for c in COMMANDS {
        let _ = writeln!(s, "{}", roff_synopsis(c));
    }
    s.push_str("\\fBcartbox\\fR \\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n.fi\n");
    let extensions: Vec<String> = CART_EXTENSIONS.iter().map(|e| format!(".{e}")).collect();
    let _ = writeln!(
        s,
        ".SH DESCRIPTION\n{}\n.PP\n{}",
        roff(ABOUT),
        roff(&format!(
            "CART is a cart file: {}. A .wasmp project's module is the .wasm or .wat beside \
             it.",
            extensions.join(" ")
        ))
    );
    s.push_str(".SH COMMANDS\n");
    for c in COMMANDS {
        tagged(&mut s, &roff_synopsis(c), c.description);
    }
    s.push_str(".SH OPTIONS\n");
    for c in COMMANDS.iter().filter(|c| !c.options.is_empty()) {
        let _ = writeln!(s, ".SS {}", roff(c.name));
        // A command that takes another's options but the headless ones (watch, of run's).
        let of = COMMANDS
            .iter()
            .find(|r| c.window && !r.window && std::ptr::eq(r.options, c.options));
        match of {
            Some(run) => {
                let left: Vec<String> = c
                    .options
                    .iter()
                    .filter(|o| o.headless_only)
                    .map(|o| format!("\\fB{}\\fR", roff(&format!("--{}", o.long))))
                    .collect();
                let _ = writeln!(
                    s,
                    "The options of \\fB{}\\fR but those for headless runs: {}.",
                    roff(run.name),
                    left.join(", ")
                );
            }
            None => {
                for o in c.options() {
                    tagged(&mut s, &roff_option(o), o.help);
                }
            }
        }
    }
    s.push_str(".SS \"Any command\"\n");
    for o in GLOBAL_OPTIONS {
        tagged(&mut s, &roff_option(o), o.help);
    }
    s.push_str(".SH \"WINDOW KEYS\"\nThe cart never sees these keys.\n");
    for (key, what) in WINDOW_KEYS {
        tagged(&mut s, &format!("\\fB{}\\fR", roff(key)), what);
    }
    s.push_str(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in exit::ALL {
        tagged(&mut s, &format!("\\fB{code}\\fR"), meaning);
    }
    s.push_str(".SH ENVIRONMENT\n");
    for (name, what) in ENVIRONMENT {
        tagged(&mut s, &format!("\\fB{}\\fR", roff(name)), what);
    }
    s.push_str(".SH FILES\n");
    for (name, what) in FILES {
        tagged(&mut s, &format!("\\fI{}\\fR", roff(name)), what);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_text_cannot_become_a_request() {
        assert_eq!(roff(".TH x"), "\\&.TH x");
        assert_eq!(roff("'x\n.y"), "\\&'x\n\\&.y");
        assert_eq!(roff("a\\b --frames"), "a\\eb \\-\\-frames");
        assert_eq!(roff("`quit` closes"), "\\fBquit\\fR closes");
        assert_eq!(roff("`open"), "\\fBopen\\fR");
    }
}
