//! SIGUSR1 asks a window to restart its cart (other tools' way to say "run it again").

use nix::sys::signal::{SigSet, Signal};
use winit::event_loop::EventLoopProxy;

use super::Wake;

/// SIGUSR1, blocked in the calling thread and so in every thread it starts later.
#[derive(Debug)]
pub struct Blocked(SigSet);

/// Blocks SIGUSR1 in the calling thread. Call it before any other thread starts (the
/// window library's included), or one of them could take the signal and, with its
/// default action, end the process. Child processes are not affected:
/// `std::process::Command` clears the signal mask before it runs a program.
pub fn block_sigusr1() -> Option<Blocked> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGUSR1);
    set.thread_block().ok().map(|()| Blocked(set))
}

/// Starts a thread that waits for SIGUSR1 and wakes the window for each.
pub fn restart_on_sigusr1(blocked: Blocked, proxy: EventLoopProxy<Wake>) {
    let set = blocked.0;
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
