//! Front-ends: thin loops that feed input into a [`crate::Console`] and take frames out.

#[cfg(feature = "gamepad")]
mod gamepad;
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
#[derive(Debug, Clone, PartialEq, Eq)]
enum Wake {
    /// The watched cart file changed.
    CartChanged,
    /// Someone asked for a restart (SIGUSR1, a line on stdin).
    Restart,
    /// stdin said `quit`.
    Quit,
    /// A message to show for a moment (a screenshot written, a recording finished).
    Notice(String),
    /// The supervisor has a new frame.
    Frame,
}

/// Why a cart stopped, for people: the one-line reason (naming file and line where known),
/// then the callback and the stack traceback of a cart error. Made safe for a terminal.
pub fn stop_report(cart: &str, stop: &Stop) -> Vec<String> {
    let mut out = vec![headless::terminal_safe(&stop.describe(cart))];
    if let Stop::Cart(f) = stop {
        if !f.callback.is_empty() {
            out.push(format!("  in {}", headless::terminal_safe(&f.callback)));
        }
        if !f.traceback.is_empty() {
            out.push("stack traceback:".into());
            out.extend(
                f.traceback
                    .lines()
                    .map(|l| format!("  {}", headless::terminal_safe(l))),
            );
        }
    }
    out
}
