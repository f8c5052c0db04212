//! A runner locks itself down before it reads a byte of its cart, in this order:
//!
//! 1. every file descriptor closed but its channel, which moves to descriptor 3
//!    (`crate::channel::CHANNEL_FD`);
//! 2. resource limits: no new fds, no file writes, no core dumps, a cap on address space,
//!    a CPU-time backstop, no new processes;
//! 3. `PR_SET_NO_NEW_PRIVS`;
//! 4. not dumpable (no ptrace attach by same-uid processes, no core);
//! 5. Landlock: every filesystem and network right handled, none granted, signals and
//!    abstract sockets scoped (best effort: the kernel's ABI is reported);
//! 6. a seccomp allowlist ([`crate::seccomp`]) for all threads, whose default action traps
//!    into [`crate::trap`], which records the call and lets the process die of `SIGSYS`.
//!
//! The shared memory is mapped before this starts; its descriptor is closed in step 1.
//!
//! The arrows go one way: this module uses `crate::seccomp` (whose [`Profile`] says which
//! filter to install) and `crate::channel` (which owns the channel's number), and neither
//! of them uses it. What the lockdown achieved, [`LockdownReport`], is this module's own.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use cartbox_protocol::zygote::RunnerLimits;
use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, LandlockStatus, Ruleset,
    RulesetAttr, RulesetStatus, Scope,
};
use nix::sys::resource::{Resource, setrlimit};
use thiserror::Error;

use crate::channel::CHANNEL_FD;
use crate::seccomp::{self, Profile};

/// The newest Landlock ABI we ask for; the kernel may grant less.
const LANDLOCK_ABI: ABI = ABI::V6;

/// A lockdown step failed; the runner must not go on.
#[derive(Debug, Error)]
pub enum LockdownError {
    /// Moving or closing descriptors failed.
    #[error("closing file descriptors: {0}")]
    Fds(io::Error),
    /// A resource limit could not be set.
    #[error("setting {0}: {1}")]
    Rlimit(&'static str, nix::Error),
    /// prctl failed.
    #[error("{0}: {1}")]
    Prctl(&'static str, nix::Error),
    /// Landlock failed where it is available.
    #[error("landlock: {0}")]
    Landlock(String),
    /// The seccomp filter could not be built or installed.
    #[error("seccomp: {0}")]
    Seccomp(String),
}

/// What the lockdown achieved, for the host to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockdownReport {
    /// Landlock ABI in force, 0 when the kernel has no Landlock.
    pub landlock_abi: u8,
    /// Whether every Landlock restriction asked for is enforced.
    pub landlock_full: bool,
}

// SAFETY: tzset is libc's, with this signature (POSIX); the `libc` crate does not declare it.
unsafe extern "C" {
    fn tzset();
}

/// The whole lockdown of a runner whose shared memory `mem` is mapped: the `SIGSYS`
/// reporter installed, every descriptor but `channel` closed (it moves to descriptor 3),
/// then steps 2 to 6. Returns the channel and what the lockdown achieved. For programs that
/// run their own code in a runner (the hostile-runner tests lock their rogue runners down
/// exactly as a real one is).
pub fn lock_down(
    channel: OwnedFd,
    mem: &crate::shm::SharedMemory,
    limits: &RunnerLimits,
    profile: Profile,
) -> Result<(OwnedFd, LockdownReport), LockdownError> {
    crate::trap::install(mem).map_err(LockdownError::Fds)?;
    let channel = close_fds(channel)?;
    let report = apply(limits, profile)?;
    Ok((channel, report))
}

/// Moves `channel` to descriptor 3 (`CHANNEL_FD`) and closes every other descriptor.
pub(crate) fn close_fds(channel: OwnedFd) -> Result<OwnedFd, LockdownError> {
    let raw = channel.as_raw_fd();
    let channel = if raw == CHANNEL_FD {
        channel
    } else {
        // SAFETY: dup2 onto a fixed number; whatever was there is closed by the kernel and
        // was ours to close (step 1 closes everything but the channel anyway).
        let r = unsafe { libc::dup2(raw, CHANNEL_FD) };
        if r < 0 {
            return Err(LockdownError::Fds(io::Error::last_os_error()));
        }
        drop(channel);
        // SAFETY: CHANNEL_FD now holds a descriptor nothing else owns.
        unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(CHANNEL_FD) }
    };
    // The runner blocks on its channel while idle, whatever the host set on its own end.
    nix::fcntl::fcntl(
        &channel,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::empty()),
    )
    .map_err(|e| LockdownError::Fds(e.into()))?;
    for fd in 0..CHANNEL_FD {
        // SAFETY: closing stdin/stdout/stderr, which no Rust object owns in a runner.
        unsafe { libc::close(fd) };
    }
    // SAFETY: close_range on every descriptor above the channel; none is owned by a live
    // Rust object in the runner (the shared memory is mapped, its fd already dropped).
    let r = unsafe { libc::syscall(libc::SYS_close_range, CHANNEL_FD + 1, u32::MAX, 0) };
    if r != 0 {
        return Err(LockdownError::Fds(io::Error::last_os_error()));
    }
    Ok(channel)
}

/// Steps 2 to 6, for a runner whose channel is at descriptor 3 (`CHANNEL_FD`) and whose other
/// descriptors are closed.
pub(crate) fn apply(
    limits: &RunnerLimits,
    profile: Profile,
) -> Result<LockdownReport, LockdownError> {
    // The local time zone is read now, while files may still be opened: JavaScript's
    // `Date` asks for it later, and its first read opens /etc/localtime.
    // SAFETY: tzset only reads TZ and the zone file into libc's own state; the runner is
    // single-threaded here.
    unsafe { tzset() };
    let rl = |name, res, v: u64| setrlimit(res, v, v).map_err(|e| LockdownError::Rlimit(name, e));
    rl(
        "RLIMIT_NOFILE",
        Resource::RLIMIT_NOFILE,
        (CHANNEL_FD + 1) as u64,
    )?;
    rl("RLIMIT_FSIZE", Resource::RLIMIT_FSIZE, 0)?;
    rl("RLIMIT_CORE", Resource::RLIMIT_CORE, 0)?;
    rl("RLIMIT_AS", Resource::RLIMIT_AS, limits.address_space)?;
    // The soft limit sends SIGXCPU; the hard one, a little later, SIGKILL.
    setrlimit(
        Resource::RLIMIT_CPU,
        limits.cpu_seconds,
        limits.cpu_seconds.saturating_add(5),
    )
    .map_err(|e| LockdownError::Rlimit("RLIMIT_CPU", e))?;
    // Ignored for root; seccomp stops fork and clone regardless.
    rl("RLIMIT_NPROC", Resource::RLIMIT_NPROC, 0)?;

    nix::sys::prctl::set_no_new_privs()
        .map_err(|e| LockdownError::Prctl("PR_SET_NO_NEW_PRIVS", e))?;
    nix::sys::prctl::set_dumpable(false).map_err(|e| LockdownError::Prctl("PR_SET_DUMPABLE", e))?;

    let report = landlock()?;
    seccomp::install(profile).map_err(|e| LockdownError::Seccomp(e.to_string()))?;
    Ok(report)
}

/// Handles every filesystem and network right and grants none: the runner can open,
/// create, remove, execute, bind or connect nothing, even if seccomp let the call through.
fn landlock() -> Result<LockdownReport, LockdownError> {
    let err = |e: &dyn std::fmt::Display| LockdownError::Landlock(e.to_string());
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(LANDLOCK_ABI))
        .map_err(|e| err(&e))?
        .handle_access(AccessNet::from_all(LANDLOCK_ABI))
        .map_err(|e| err(&e))?
        .scope(Scope::from_all(LANDLOCK_ABI))
        .map_err(|e| err(&e))?
        .create()
        .map_err(|e| err(&e))?
        .restrict_self()
        .map_err(|e| err(&e))?;
    let abi = match status.landlock {
        LandlockStatus::Available { effective_abi, .. } => effective_abi as u8,
        _ => 0,
    };
    Ok(LockdownReport {
        landlock_abi: abi,
        landlock_full: status.ruleset == RulesetStatus::FullyEnforced,
    })
}
