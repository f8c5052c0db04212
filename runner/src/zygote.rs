//! The zygote: started once by `exec`, single-threaded, never runs cart code.
//!
//! It reads spawn requests from its control socket (stdin, a `SOCK_SEQPACKET` socket from
//! the host), forks one runner per request, sends back a pidfd for each so the host can
//! kill without races, reaps its children through a signalfd and reports how each ended.
//! `PR_SET_PDEATHSIG` ties it to the host and each runner to it: nothing outlives the host.

use std::collections::HashMap;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use cartbox_protocol::zygote::{
    CONTROL_LIMIT, ExitStatus, PARENT_PID_ENV, SpawnRequest, ZygoteEvent, ZygoteRequest,
};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::socket::{ControlMessage, ControlMessageOwned, MsgFlags, recvmsg, sendmsg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid};

use crate::serve;

/// What a forked child runs: its channel, its shared memory, the request, the zygote's
/// pid. It must never return.
pub type RunnerBody = fn(OwnedFd, OwnedFd, &SpawnRequest, i32) -> !;

/// Runs the zygote on the control socket at stdin. Never returns.
pub fn main() -> ! {
    main_with(|channel, shm, req, zygote| serve::run(channel, shm, req.program, req.limits, zygote))
}

/// Runs a zygote whose children run `body` instead of the real runner. The tests use it to
/// put a deliberately misbehaving runner behind the real zygote machinery.
pub fn main_with(body: RunnerBody) -> ! {
    let code = match run(body) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("cartbox zygote: {e}");
            1
        }
    };
    std::process::exit(code)
}

fn run(body: RunnerBody) -> Result<(), Box<dyn std::error::Error>> {
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
    warm_up();

    let mut children: HashMap<i32, u64> = HashMap::new();
    loop {
        let (control_ready, child_ready) = {
            let mut fds = [
                PollFd::new(control.as_fd(), PollFlags::POLLIN),
                PollFd::new(sigfd.as_fd(), PollFlags::POLLIN),
            ];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
            let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
            (ready(&fds[0]), ready(&fds[1]))
        };
        if child_ready {
            while let Ok(Some(_)) = sigfd.read_signal() {}
            reap(&control, &mut children)?;
        }
        if control_ready {
            match receive(&control)? {
                None => break,
                Some((ZygoteRequest::Spawn(req), fds)) => {
                    spawn(&control, req, fds, &mut children, body)?
                }
            }
        }
    }
    // The host is gone: take the runners with us, and reap them so none lingers.
    for pid in children.keys() {
        let _ = nix::sys::signal::kill(Pid::from_raw(*pid), Signal::SIGKILL);
    }
    for pid in children.keys() {
        let _ = waitpid(Pid::from_raw(*pid), None);
    }
    Ok(())
}

/// Work every runner would otherwise repeat, done once before any fork.
fn warm_up() {
    let _ = crate::machine::font::regular();
    let _ = crate::machine::font::small();
}

type Received = Option<(ZygoteRequest, Vec<OwnedFd>)>;

fn receive(control: &OwnedFd) -> Result<Received, Box<dyn std::error::Error>> {
    let mut buf = [0u8; CONTROL_LIMIT];
    let mut cmsg = nix::cmsg_space!([RawFd; 2]);
    let (bytes, fds) = {
        let mut iov = [IoSliceMut::new(&mut buf)];
        let msg = recvmsg::<()>(
            control.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC,
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
    if bytes == 0 {
        return Ok(None);
    }
    let req = cartbox_protocol::framing::decode::<ZygoteRequest, CONTROL_LIMIT>(&buf[..bytes])?;
    Ok(Some((req, fds)))
}

fn send(
    control: &OwnedFd,
    event: &ZygoteEvent,
    fd: Option<BorrowedFd<'_>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut wire = Vec::new();
    cartbox_protocol::framing::encode::<_, CONTROL_LIMIT>(event, &mut wire)?;
    let payload = &wire[cartbox_protocol::framing::PREFIX..];
    let raw = fd.map(|f| [f.as_raw_fd()]);
    let cmsgs: Vec<ControlMessage<'_>> = raw
        .as_ref()
        .map(|r| ControlMessage::ScmRights(r))
        .into_iter()
        .collect();
    sendmsg::<()>(
        control.as_raw_fd(),
        &[IoSlice::new(payload)],
        &cmsgs,
        MsgFlags::MSG_NOSIGNAL,
        None,
    )?;
    Ok(())
}

fn spawn(
    control: &OwnedFd,
    req: SpawnRequest,
    mut fds: Vec<OwnedFd>,
    children: &mut HashMap<i32, u64>,
    body: RunnerBody,
) -> Result<(), Box<dyn std::error::Error>> {
    if fds.len() != 2 {
        let reason = format!(
            "expected a channel and a shared memory descriptor, got {}",
            fds.len()
        );
        return send(
            control,
            &ZygoteEvent::SpawnFailed { id: req.id, reason },
            None,
        );
    }
    let shm = fds.pop().expect("two descriptors");
    let channel = fds.pop().expect("two descriptors");
    let zygote = getpid();
    // SAFETY: the zygote is single-threaded, so the child may run any code after fork.
    match unsafe { fork() } {
        Err(e) => send(
            control,
            &ZygoteEvent::SpawnFailed {
                id: req.id,
                reason: format!("fork: {e}"),
            },
            None,
        ),
        Ok(ForkResult::Child) => {
            // Die with the zygote; and if it already died, do not start.
            if nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).is_err() || getppid() != zygote {
                // SAFETY: leaving the child without running anything of the parent's.
                unsafe { libc::_exit(1) };
            }
            let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
            body(channel, shm, &req, zygote.as_raw())
        }
        Ok(ForkResult::Parent { child }) => {
            drop((channel, shm));
            children.insert(child.as_raw(), req.id);
            match pidfd_open(child) {
                Ok(pidfd) => send(
                    control,
                    &ZygoteEvent::Spawned {
                        id: req.id,
                        pid: child.as_raw(),
                    },
                    Some(pidfd.as_fd()),
                ),
                Err(e) => {
                    let _ = nix::sys::signal::kill(child, Signal::SIGKILL);
                    send(
                        control,
                        &ZygoteEvent::SpawnFailed {
                            id: req.id,
                            reason: format!("pidfd_open: {e}"),
                        },
                        None,
                    )
                }
            }
        }
    }
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

fn reap(
    control: &OwnedFd,
    children: &mut HashMap<i32, u64>,
) -> Result<(), Box<dyn std::error::Error>> {
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
        if let Some(id) = children.remove(&pid.as_raw()) {
            send(control, &ZygoteEvent::Exited { id, status: exit }, None)?;
        }
    }
}
