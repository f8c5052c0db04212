//! `cartbox watch`: reload the cart when its file is saved, and take requests on stdin.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};
use winit::event_loop::EventLoopProxy;

use super::Wake;
use crate::cart::Cart;

/// How long the file must stay quiet after a change before it is read (an editor that
/// truncates and writes sends several events in a row).
pub const QUIET: Duration = Duration::from_millis(15);
/// The longest a reload waits for the file to go quiet.
pub const MAX_WAIT: Duration = Duration::from_millis(60);

/// Watches `cart` for saves and sends [`Wake::CartChanged`] for each, with the cart's
/// files read again (here, never on the window's thread: a slow disk cannot freeze the
/// window). The directory is
/// watched, not the file: editors that save by writing a new file and renaming it over
/// the old one replace the file (and a watch on the old one would end). Only the files
/// that make up the cart count ([`Cart::files_of`]: the cart, and a `.wasmp` project's
/// module beside it); a log file of the same name (`game.log`) changes nothing. Dropping
/// the returned watcher stops watching.
pub fn watch(
    cart: &Path,
    proxy: EventLoopProxy<Wake>,
) -> notify::Result<notify::RecommendedWatcher> {
    let given = cart.to_owned();
    let cart = std::path::absolute(cart)?;
    let dir = cart
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let files = Cart::files_of(&cart);
    let (tx, rx) = crossbeam_channel::unbounded::<()>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        // Opening and reading the cart (as a reload does) is not a change.
        let relevant = matches!(
            event.kind,
            EventKind::Create(_)
                | EventKind::Modify(_)
                | EventKind::Remove(_)
                | EventKind::Access(AccessKind::Close(AccessMode::Write))
        );
        if relevant && event.paths.iter().any(|p| files.contains(p)) {
            let _ = tx.send(());
        }
    })?;
    watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    std::thread::Builder::new()
        .name("cartbox-watch".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                let first = Instant::now();
                while first.elapsed() < MAX_WAIT && rx.recv_timeout(QUIET).is_ok() {}
                let read = Box::new(Cart::load(&given));
                if proxy.send_event(Wake::CartChanged(read)).is_err() {
                    return;
                }
            }
        })?;
    Ok(watcher)
}

/// Reads commands from stdin, one per line: `quit` (or `q`) closes the window; any other
/// line (`restart`, or just Enter) restarts the cart in a fresh runner. The thread ends
/// at the end of stdin.
pub fn stdin_commands(proxy: EventLoopProxy<Wake>) {
    let _ = std::thread::Builder::new()
        .name("cartbox-stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { return };
                let wake = match line.trim() {
                    "quit" | "q" => Wake::Quit,
                    _ => Wake::Restart,
                };
                if proxy.send_event(wake).is_err() {
                    return;
                }
            }
        });
}
