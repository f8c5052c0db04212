//! SIGUSR1 asks a window to restart its cart (other tools' way to say "run it again").

use nix::sys::signal::{SigSet, Signal};
use winit::event_loop::EventLoopProxy;

use super::window::Wake;

/// Blocks SIGUSR1 in the calling thread (and so in every thread it starts later) and
/// starts a thread that waits for it and wakes the window. Call before starting other
/// threads, or one of them could take the signal and die of it. Child processes are not
/// affected: `std::process::Command` clears the signal mask before it runs a program.
pub fn restart_on_sigusr1(proxy: EventLoopProxy<Wake>) {
    let mut set = SigSet::empty();
    set.add(Signal::SIGUSR1);
    if set.thread_block().is_err() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("cartbox-sigusr1".into())
        .spawn(move || {
            while let Ok(_signal) = set.wait() {
                if proxy.send_event(Wake::Restart).is_err() {
                    return;
                }
            }
        });
}
