//! The zygote: started once by `exec`, single-threaded, never runs cart code.
//!
//! It reads spawn requests from its control socket (stdin, a `SOCK_SEQPACKET` socket from
//! the host) and answers each with a runner, a pidfd for it (so the host can kill without
//! races), and later how it ended (it reaps its children through a signalfd).
//!
//! To keep fork off the critical path, the zygote keeps one spare child forked ahead of
//! time, parked on a private socket before it has touched anything of a cart. A spawn
//! request hands the spare its descriptors and request; the zygote answers the host at
//! once.
//!
//! Work that only prepares for later requests (the warm-up every runner would otherwise
//! repeat, and the next spare) waits until the control socket has been quiet for 3 ms
//! (`IDLE_MS`): a cold start's first request, which is already waiting when the zygote
//! starts, is served before either, and the runner playing its first frame does not share
//! its CPU with a fork it does not need.
//!
//! `PR_SET_PDEATHSIG` ties the zygote to the host and each child to the zygote: nothing
//! outlives the host.

use std::collections::HashMap;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use cartbox_protocol::framing;
use cartbox_protocol::zygote::{
    CONTROL_LIMIT, ExitStatus, PARENT_PID_ENV, SpawnRequest, ZygoteEvent, ZygoteRequest,
};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{
    AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg,
    sendmsg, socketpair,
};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid};

use crate::serve;

/// What a forked child runs: its channel, its shared memory, the request, the zygote's
/// pid. It must never return.
pub type RunnerBody = fn(OwnedFd, OwnedFd, &SpawnRequest, i32) -> !;

type Error = Box<dyn std::error::Error>;

/// How long (ms) the control socket must be quiet before the zygote warms up and forks the
/// next spare.
const IDLE_MS: u16 = 3;

/// Runs the zygote on the control socket at stdin. Never returns.
pub fn main() -> ! {
    main_with(|channel, shm, req, zygote| serve::run(channel, shm, req.program, req.limits, zygote))
}

/// Runs a zygote whose children run `body` instead of the real runner. The tests use it to
/// put a deliberately misbehaving runner behind the real zygote machinery.
pub fn main_with(body: RunnerBody) -> ! {
    let code = match run(body) {
        Ok(()) => 0,
        // The host closed its end while we told it about a runner: it is going away, and
        // so do we, quietly.
        Err(e)
            if matches!(
                e.downcast_ref::<nix::errno::Errno>(),
                Some(nix::errno::Errno::EPIPE | nix::errno::Errno::ECONNRESET)
            ) =>
        {
            0
        }
        Err(e) => {
            eprintln!("cartbox zygote: {e}");
            1
        }
    };
    std::process::exit(code)
}

/// A child forked ahead of time, waiting for its descriptors.
struct Spare {
    pid: Pid,
    pidfd: OwnedFd,
    handoff: OwnedFd,
}

struct Zygote {
    control: OwnedFd,
    sigfd: SignalFd,
    body: RunnerBody,
    pid: Pid,
    /// Runners handed to the host, by pid, with the host's id.
    children: HashMap<i32, u64>,
    spare: Option<Spare>,
    /// Whether [`warm_up`] has run.
    warm: bool,
    /// Whether the idle work was done since the last request (or the spare's death).
    prepared: bool,
}

fn run(body: RunnerBody) -> Result<(), Error> {
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
    // The host may have died before PDEATHSIG was set.
    if let Ok(expected) = std::env::var(PARENT_PID_ENV)
        && expected.parse::<i32>().ok() != Some(getppid().as_raw())
    {
        return Ok(());
    }
    // SAFETY: fd 0 is the control socket the host passed as stdin; nothing else owns it.
    let control = unsafe { OwnedFd::from_raw_fd(0) };
    let mut mask = SigSet::empty();
    mask.add(Signal::SIGCHLD);
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&mask), None)?;
    let sigfd = SignalFd::with_flags(&mask, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)?;
    let mut z = Zygote {
        control,
        sigfd,
        body,
        pid: getpid(),
        children: HashMap::new(),
        spare: None,
        warm: false,
        prepared: false,
    };
    let result = z.serve();
    z.shutdown();
    result
}

/// Work every runner would otherwise repeat, done once when the zygote is first idle (a
/// runner forked before it does the part it needs itself: see `wasm::prepare`).
fn warm_up() {
    crate::wasm::warm_up();
}

impl Zygote {
    fn serve(&mut self) -> Result<(), Error> {
        loop {
            // With preparation left to do, wait for requests only so long.
            let timeout = if self.prepared {
                PollTimeout::NONE
            } else {
                PollTimeout::from(IDLE_MS)
            };
            let (control_ready, child_ready) = {
                let mut fds = [
                    PollFd::new(self.control.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.sigfd.as_fd(), PollFlags::POLLIN),
                ];
                match poll(&mut fds, timeout) {
                    Ok(0) => {
                        self.prepare();
                        continue;
                    }
                    Ok(_) => {}
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(e) => return Err(e.into()),
                }
                let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
                (ready(&fds[0]), ready(&fds[1]))
            };
            if child_ready {
                while let Ok(Some(_)) = self.sigfd.read_signal() {}
                self.reap()?;
            }
            if control_ready {
                match receive(&self.control)? {
                    None => return Ok(()),
                    Some((ZygoteRequest::Spawn(req), fds)) => self.spawn(req, fds)?,
                }
            }
        }
    }

    /// Quiet for a while: warm up once, and fork a spare if there is none (a fork that
    /// fails is tried again after the next request, not in a loop).
    fn prepare(&mut self) {
        self.prepared = true;
        if !self.warm {
            warm_up();
            self.warm = true;
        }
        if self.spare.is_none() {
            self.spare = self.fork_spare().ok();
        }
    }

    /// The host is gone: take every child with us, and reap them so none lingers.
    fn shutdown(&mut self) {
        let mut pids: Vec<i32> = self.children.keys().copied().collect();
        if let Some(s) = self.spare.take() {
            pids.push(s.pid.as_raw());
        }
        for pid in &pids {
            let _ = nix::sys::signal::kill(Pid::from_raw(*pid), Signal::SIGKILL);
        }
        for pid in &pids {
            let _ = waitpid(Pid::from_raw(*pid), None);
        }
    }

    /// Forks a child that waits for its descriptors and request on a private socket.
    fn fork_spare(&self) -> Result<Spare, Error> {
        let (mine, theirs) = socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )?;
        // SAFETY: the zygote is single-threaded, so the child may run any code after fork.
        match unsafe { fork() }? {
            ForkResult::Child => {
                // Die with the zygote; and if it already died, do not start.
                if nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).is_err() || getppid() != self.pid
                {
                    // SAFETY: leaving the child without running anything of the parent's.
                    unsafe { libc::_exit(1) };
                }
                let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
                // Nothing of the zygote's stays open in a child: its lockdown closes the
                // rest, but the control socket must not linger even while it waits.
                // SAFETY: closing descriptors this child inherited and will never use;
                // the OwnedFds in the (copied) parent state are never dropped here.
                unsafe {
                    libc::close(self.control.as_raw_fd());
                    libc::close(self.sigfd.as_raw_fd());
                    libc::close(mine.as_raw_fd());
                }
                std::mem::forget(mine);
                let (req, mut fds) = match receive_spawn(&theirs) {
                    Some(r) => r,
                    // SAFETY: the zygote went away before using this spare.
                    None => unsafe { libc::_exit(0) },
                };
                drop(theirs);
                let shm = fds.pop().expect("receive_spawn checks for two descriptors");
                let channel = fds.pop().expect("receive_spawn checks for two descriptors");
                (self.body)(channel, shm, &req, self.pid.as_raw())
            }
            ForkResult::Parent { child } => {
                drop(theirs);
                let pidfd = match pidfd_open(child) {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = nix::sys::signal::kill(child, Signal::SIGKILL);
                        return Err(e.into());
                    }
                };
                Ok(Spare {
                    pid: child,
                    pidfd,
                    handoff: mine,
                })
            }
        }
    }

    fn spawn(&mut self, req: SpawnRequest, fds: Vec<OwnedFd>) -> Result<(), Error> {
        self.prepared = false;
        let id = req.id;
        if fds.len() != 2 {
            let reason = format!(
                "expected a channel and a shared memory descriptor, got {}",
                fds.len()
            );
            return send(
                &self.control,
                &ZygoteEvent::SpawnFailed { id, reason },
                None,
            );
        }
        // A spare that died meanwhile cannot take the handoff: try a fresh one once.
        let mut handed = None;
        for _ in 0..2 {
            let spare = match self.spare.take() {
                Some(s) => s,
                None => match self.fork_spare() {
                    Ok(s) => s,
                    Err(e) => {
                        let reason = format!("fork: {e}");
                        return send(
                            &self.control,
                            &ZygoteEvent::SpawnFailed { id, reason },
                            None,
                        );
                    }
                },
            };
            if hand_over(&spare.handoff, &req, &fds).is_ok() {
                handed = Some(spare);
                break;
            }
            let _ = nix::sys::signal::kill(spare.pid, Signal::SIGKILL);
        }
        drop(fds);
        let Some(runner) = handed else {
            let reason = "the forked runner died before it started".to_owned();
            return send(
                &self.control,
                &ZygoteEvent::SpawnFailed { id, reason },
                None,
            );
        };
        self.children.insert(runner.pid.as_raw(), id);
        send(
            &self.control,
            &ZygoteEvent::Spawned {
                id,
                pid: runner.pid.as_raw(),
            },
            Some(runner.pidfd.as_fd()),
        )?;
        // Nothing of this runner's may be inherited by the next spare, which is forked
        // once the zygote is idle (`serve`).
        drop(runner);
        Ok(())
    }

    fn reap(&mut self) -> Result<(), Error> {
        loop {
            let status = match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(nix::errno::Errno::ECHILD) => return Ok(()),
                Ok(s) => s,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            };
            let (pid, exit) = match status {
                WaitStatus::Exited(pid, code) => (pid, ExitStatus::Code(code)),
                WaitStatus::Signaled(pid, sig, _) => (pid, ExitStatus::Signal(sig as i32)),
                _ => continue,
            };
            if self.spare.as_ref().is_some_and(|s| s.pid == pid) {
                self.spare = None;
                self.prepared = false;
            }
            if let Some(id) = self.children.remove(&pid.as_raw()) {
                send(
                    &self.control,
                    &ZygoteEvent::Exited { id, status: exit },
                    None,
                )?;
            }
        }
    }
}

/// Gives a spare its request and descriptors.
fn hand_over(handoff: &OwnedFd, req: &SpawnRequest, fds: &[OwnedFd]) -> Result<(), Error> {
    let mut wire = Vec::new();
    framing::encode::<_, CONTROL_LIMIT>(req, &mut wire)?;
    let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
    sendmsg::<()>(
        handoff.as_raw_fd(),
        &[IoSlice::new(&wire[framing::PREFIX..])],
        &[ControlMessage::ScmRights(&raw)],
        MsgFlags::MSG_NOSIGNAL,
        None,
    )?;
    Ok(())
}

/// In a spare: waits for the request and its two descriptors; `None` if the zygote closed
/// the socket or sent something else.
fn receive_spawn(handoff: &OwnedFd) -> Option<(SpawnRequest, Vec<OwnedFd>)> {
    let (bytes, buf, fds) = receive_raw(handoff, 0).ok()?;
    let req = framing::decode::<SpawnRequest, CONTROL_LIMIT>(&buf[..bytes]).ok()?;
    (fds.len() == 2).then_some((req, fds))
}

type Raw = (usize, [u8; CONTROL_LIMIT], Vec<OwnedFd>);

fn receive_raw(socket: &OwnedFd, flags: i32) -> Result<Raw, Error> {
    let mut buf = [0u8; CONTROL_LIMIT];
    let mut cmsg = nix::cmsg_space!([RawFd; 2]);
    let (bytes, fds) = {
        let mut iov = [IoSliceMut::new(&mut buf)];
        let msg = recvmsg::<()>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC | MsgFlags::from_bits_truncate(flags),
        )?;
        let mut fds = Vec::new();
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(list) = c {
                // SAFETY: the kernel just installed these descriptors for us.
                fds.extend(
                    list.into_iter()
                        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                );
            }
        }
        (msg.bytes, fds)
    };
    Ok((bytes, buf, fds))
}

fn receive(control: &OwnedFd) -> Result<Option<(ZygoteRequest, Vec<OwnedFd>)>, Error> {
    let (bytes, buf, fds) = receive_raw(control, 0)?;
    if bytes == 0 {
        return Ok(None);
    }
    let req = framing::decode::<ZygoteRequest, CONTROL_LIMIT>(&buf[..bytes])?;
    Ok(Some((req, fds)))
}

fn send(control: &OwnedFd, event: &ZygoteEvent, fd: Option<BorrowedFd<'_>>) -> Result<(), Error> {
    let mut wire = Vec::new();
    framing::encode::<_, CONTROL_LIMIT>(event, &mut wire)?;
    let raw = fd.map(|f| [f.as_raw_fd()]);
    let cmsgs: Vec<ControlMessage<'_>> = raw
        .as_ref()
        .map(|r| ControlMessage::ScmRights(r))
        .into_iter()
        .collect();
    sendmsg::<()>(
        control.as_raw_fd(),
        &[IoSlice::new(&wire[framing::PREFIX..])],
        &cmsgs,
        MsgFlags::MSG_NOSIGNAL,
        None,
    )?;
    Ok(())
}

fn pidfd_open(pid: Pid) -> std::io::Result<OwnedFd> {
    // SAFETY: pidfd_open has no memory arguments; the child is ours and not yet reaped, so
    // the pid cannot have been reused.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the kernel returned a new descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}
