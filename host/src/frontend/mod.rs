//! Front-ends: thin loops that feed input into a [`crate::Console`] and take frames out.

#[cfg(feature = "window")]
pub mod gamepad;
pub mod gif;
pub mod headless;
pub mod keys;
pub mod overlay;
#[cfg(feature = "window")]
mod printer;
#[cfg(feature = "window")]
mod signals;
#[cfg(feature = "window")]
mod watch;
#[cfg(feature = "window")]
pub mod window;

use crate::console::Stop;

/// Wakes the window from other threads: the file watcher, stdin and SIGUSR1 (`watch`,
/// `signals`), the supervisor, and the window's own screenshot and GIF threads. It lives
/// here, not in `window`, so that those helpers need nothing of the window.
#[cfg(feature = "window")]
#[derive(Debug)]
enum Wake {
    /// The watched cart file changed: its files as read again.
    CartChanged(Box<Result<crate::cart::Cart, crate::cart::CartError>>),
    /// Someone asked for a restart (SIGUSR1, a line on stdin).
    Restart,
    /// stdin said `quit`.
    Quit,
    /// A message to show for a moment (a screenshot written, a recording finished).
    Notice(String),
    /// The supervisor has a new frame.
    Frame,
}

/// Most bytes of the reason a stop report gives (a runner's message may be far longer).
pub const REPORT_REASON_LIMIT: usize = 4096;
/// Most traceback lines a stop report shows.
pub const REPORT_TRACEBACK_LINES: usize = 24;
/// Most bytes of one traceback line (or of the callback's name) in a stop report.
pub const REPORT_LINE_LIMIT: usize = 256;

/// Why a cart stopped, for people: the one-line reason (naming file and line where known),
/// then the callback and the stack traceback of a cart error. Everything in it may come
/// from a runner: every line is cut to a limit and escaped (line breaks too), so the
/// report is a bounded number of lines that a terminal only prints.
pub fn stop_report(cart: &str, stop: &Stop) -> Vec<String> {
    let mut out = vec![one_line(&stop.describe(cart), REPORT_REASON_LIMIT)];
    if let Stop::Cart(f) = stop {
        if !f.callback.is_empty() {
            out.push(format!("  in {}", one_line(&f.callback, REPORT_LINE_LIMIT)));
        }
        if !f.traceback.is_empty() {
            out.push("stack traceback:".into());
            let lines: Vec<&str> = f.traceback.lines().collect();
            for l in lines.iter().take(REPORT_TRACEBACK_LINES) {
                out.push(format!("  {}", one_line(l, REPORT_LINE_LIMIT)));
            }
            if lines.len() > REPORT_TRACEBACK_LINES {
                out.push(format!(
                    "  ({} more lines)",
                    lines.len() - REPORT_TRACEBACK_LINES
                ));
            }
        }
    }
    out
}

/// Text from a cart, a runner or a file name, made safe for a terminal, a window title or
/// an overlay: every control character (terminal escape sequences among them, C1 controls,
/// DEL) shown as an escape instead of interpreted. Tabs and newlines stay. Everything the
/// host prints that it did not write itself goes through here.
pub fn terminal_safe(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    escape_into(&mut s, text, true);
    s
}

/// Appends `text` to `s` with its control characters escaped; tabs and newlines too
/// unless `keep_breaks`.
fn escape_into(s: &mut String, text: &str, keep_breaks: bool) {
    for c in text.chars() {
        if c.is_control() && !(keep_breaks && (c == '\n' || c == '\t')) {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
}

/// `text` cut to at most `limit` bytes (marked with `...` if cut), every control
/// character escaped, line breaks included.
fn one_line(text: &str, limit: usize) -> String {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut s = String::with_capacity(end + 8);
    escape_into(&mut s, &text[..end], false);
    if end < text.len() {
        s.push_str("...");
    }
    s
}
