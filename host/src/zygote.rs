//! The host's side of the zygote: starting it, asking it for runners, hearing how they end.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::{self, IoSlice};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cartbox_protocol::framing;
use cartbox_protocol::zygote::{
    CONTROL_LIMIT, ExitStatus, PARENT_PID_ENV, RunnerLimits, RunnerProgram, SpawnRequest,
    ZYGOTE_ARG, ZygoteEvent, ZygoteRequest,
};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{
    AddressFamily, ControlMessage, MsgFlags, SockFlag, SockType, sendmsg, socketpair,
};
use thiserror::Error;

use crate::sys;

/// How to start a zygote: a program and its arguments.
#[derive(Debug, Clone)]
pub struct ZygoteCommand {
    /// The program; by default the running executable.
    pub program: PathBuf,
    /// Its arguments; by default the one that makes `cartbox` a zygote.
    pub args: Vec<OsString>,
    /// Extra environment variables.
    pub env: Vec<(OsString, OsString)>,
}

impl ZygoteCommand {
    /// The `cartbox` binary itself (the running executable) in zygote mode.
    pub fn current_exe() -> io::Result<ZygoteCommand> {
        Ok(ZygoteCommand::binary(std::env::current_exe()?))
    }

    /// Another binary that enters zygote mode on `__cartbox-zygote` (embedders, tests).
    pub fn binary(program: impl Into<PathBuf>) -> ZygoteCommand {
        ZygoteCommand {
            program: program.into(),
            args: vec![ZYGOTE_ARG.into()],
            env: Vec::new(),
        }
    }
}

/// The zygote failed.
#[derive(Debug, Error)]
pub enum ZygoteError {
    /// It could not be started.
    #[error("cannot start the zygote ({program}): {source}")]
    Start {
        /// The program we tried.
        program: String,
        /// Why.
        source: io::Error,
    },
    /// It stopped answering or died.
    #[error("the zygote is gone: {0}")]
    Gone(String),
    /// It could not fork a runner.
    #[error("the zygote could not start a runner: {0}")]
    SpawnFailed(String),
}

/// A runner the zygote forked.
#[derive(Debug)]
pub struct Spawned {
    /// Our number for it.
    pub id: u64,
    /// Its pid (for reports; signals go through `pidfd`).
    pub pid: i32,
    /// A pidfd for it.
    pub pidfd: OwnedFd,
}

/// A running zygote.
pub struct Zygote {
    control: OwnedFd,
    pid: i32,
    pidfd: Option<OwnedFd>,
    keeper: Option<JoinHandle<()>>,
    next_id: u64,
    exits: HashMap<u64, ExitStatus>,
    /// Runners spawned and not yet reported ended.
    alive: HashSet<u64>,
    /// Runners still alive whose end nobody will ask about: their reports are dropped on
    /// arrival (else every restart would leave one behind).
    forgotten: HashSet<u64>,
    spawned: HashMap<u64, Result<Spawned, String>>,
}

impl std::fmt::Debug for Zygote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zygote")
            .field("next_id", &self.next_id)
            .finish()
    }
}

impl Zygote {
    /// Starts a zygote with `cmd`.
    ///
    /// The zygote is started from a keeper thread that lives exactly as long as the zygote:
    /// `PR_SET_PDEATHSIG` fires when the thread that forked a process exits, so the zygote
    /// must not be tied to whichever thread happens to create a console.
    pub fn start(cmd: &ZygoteCommand) -> Result<Zygote, ZygoteError> {
        let start_err = |source| ZygoteError::Start {
            program: cmd.program.display().to_string(),
            source,
        };
        let (host_end, zygote_end) = socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(|e| start_err(e.into()))?;
        let (tx, rx) = mpsc::channel::<io::Result<(i32, OwnedFd)>>();
        let mut command = Command::new(&cmd.program);
        command
            .args(&cmd.args)
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .env(PARENT_PID_ENV, std::process::id().to_string())
            .stdin(Stdio::from(zygote_end))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let keeper = std::thread::Builder::new()
            .name("cartbox-zygote-keeper".into())
            .spawn(move || match command.spawn() {
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
                Ok(mut child) => {
                    let pidfd =
                        sys::pidfd_open(child.id() as i32).map(|fd| (child.id() as i32, fd));
                    if pidfd.is_err() {
                        let _ = child.kill();
                    }
                    let _ = tx.send(pidfd);
                    let _ = child.wait();
                }
            })
            .map_err(start_err)?;
        let pidfd = rx
            .recv()
            .map_err(|_| start_err(io::Error::other("keeper thread ended")))?;
        let pidfd = match pidfd {
            Ok(p) => p,
            Err(e) => {
                let _ = keeper.join();
                return Err(start_err(e));
            }
        };
        nix::fcntl::fcntl(
            &host_end,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )
        .map_err(|e| start_err(e.into()))?;
        Ok(Zygote {
            control: host_end,
            pid: pidfd.0,
            pidfd: Some(pidfd.1),
            keeper: Some(keeper),
            next_id: 1,
            exits: HashMap::new(),
            alive: HashSet::new(),
            forgotten: HashSet::new(),
            spawned: HashMap::new(),
        })
    }

    /// The zygote's pid.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The control socket, for polling alongside a runner's channel.
    pub fn control(&self) -> BorrowedFd<'_> {
        self.control.as_fd()
    }

    /// Asks for a runner with `channel` and `shm` as its descriptors, waiting up to
    /// `timeout` for the answer.
    pub fn spawn(
        &mut self,
        program: RunnerProgram,
        limits: RunnerLimits,
        channel: BorrowedFd<'_>,
        shm: BorrowedFd<'_>,
        timeout: Duration,
    ) -> Result<Spawned, ZygoteError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut wire = Vec::new();
        framing::encode::<_, CONTROL_LIMIT>(
            &ZygoteRequest::Spawn(SpawnRequest {
                id,
                program,
                limits,
            }),
            &mut wire,
        )
        .map_err(|e| ZygoteError::Gone(e.to_string()))?;
        let fds = [channel.as_raw_fd(), shm.as_raw_fd()];
        sendmsg::<()>(
            self.control.as_raw_fd(),
            &[IoSlice::new(&wire[framing::PREFIX..])],
            &[ControlMessage::ScmRights(&fds)],
            MsgFlags::MSG_NOSIGNAL,
            None,
        )
        .map_err(|e| ZygoteError::Gone(format!("sending a spawn request: {e}")))?;
        let deadline = Instant::now() + timeout;
        loop {
            self.pump()?;
            if let Some(result) = self.spawned.remove(&id) {
                return result.map_err(ZygoteError::SpawnFailed);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ZygoteError::Gone(format!(
                    "no answer to a spawn request in {} ms",
                    timeout.as_millis()
                )));
            }
            self.wait_readable(left)?;
        }
    }

    fn wait_readable(&self, timeout: Duration) -> Result<(), ZygoteError> {
        let mut fds = [PollFd::new(self.control.as_fd(), PollFlags::POLLIN)];
        let ms = PollTimeout::try_from(timeout.as_millis().min(60_000) as i32 + 1)
            .unwrap_or(PollTimeout::MAX);
        match poll(&mut fds, ms) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => Ok(()),
            Err(e) => Err(ZygoteError::Gone(e.to_string())),
        }
    }

    /// Reads every event waiting on the control socket.
    pub fn pump(&mut self) -> Result<(), ZygoteError> {
        loop {
            let mut buf = [0u8; CONTROL_LIMIT];
            let (bytes, fds) = match crate::sys::recv_with_fds(self.control.as_fd(), &mut buf) {
                Ok(r) => r,
                Err(nix::errno::Errno::EAGAIN) => return Ok(()),
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(ZygoteError::Gone(e.to_string())),
            };
            if bytes == 0 {
                return Err(ZygoteError::Gone("it closed its control socket".into()));
            }
            let event = framing::decode::<ZygoteEvent, CONTROL_LIMIT>(&buf[..bytes])
                .map_err(|e| ZygoteError::Gone(format!("unreadable event: {e}")))?;
            match event {
                ZygoteEvent::Spawned { id, pid } => {
                    self.alive.insert(id);
                    let r = fds
                        .into_iter()
                        .next()
                        .map(|pidfd| Spawned { id, pid, pidfd })
                        .ok_or_else(|| "no pidfd came with the runner".to_owned());
                    self.spawned.insert(id, r);
                }
                ZygoteEvent::SpawnFailed { id, reason } => {
                    self.spawned.insert(id, Err(reason));
                }
                ZygoteEvent::Exited { id, status } => {
                    self.alive.remove(&id);
                    if !self.forgotten.remove(&id) {
                        self.exits.insert(id, status);
                    }
                }
            }
        }
    }

    /// How runner `id` ended, waiting up to `timeout` for the zygote to report it.
    pub fn wait_exit(&mut self, id: u64, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.pump().is_err() {
                return self.exits.remove(&id);
            }
            if let Some(s) = self.exits.remove(&id) {
                return Some(s);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.wait_readable(left).is_err() {
                return None;
            }
        }
    }

    /// Forgets the exit report of runner `id`, if any (it ended as expected).
    pub fn forget(&mut self, id: u64) {
        let _ = self.pump();
        if self.alive.contains(&id) {
            self.forgotten.insert(id);
        } else {
            self.exits.remove(&id);
        }
    }

    /// The bookkeeping kept about runners, after reading the reports waiting: (alive, exit
    /// reports kept, forgotten while alive). Bounded by the runners alive and those whose
    /// end was not yet asked about.
    pub fn bookkeeping(&mut self) -> (usize, usize, usize) {
        let _ = self.pump();
        (self.alive.len(), self.exits.len(), self.forgotten.len())
    }
}

impl Drop for Zygote {
    fn drop(&mut self) {
        // Closing the control socket tells the zygote to kill and reap its runners and exit.
        let _ =
            nix::sys::socket::shutdown(self.control.as_raw_fd(), nix::sys::socket::Shutdown::Both);
        // Its pidfd turns readable when it has exited (kept waiting on a 1 ms sleep, this
        // used to add up to a millisecond to every console's end).
        if let Some(p) = &self.pidfd {
            let deadline = Instant::now() + Duration::from_secs(2);
            let exited = loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let ms =
                    PollTimeout::try_from(left.as_millis() as i32 + 1).unwrap_or(PollTimeout::MAX);
                let mut fds = [PollFd::new(p.as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, ms) {
                    Ok(n) if n > 0 => break true,
                    Err(e) if e != nix::errno::Errno::EINTR => break false,
                    _ if left.is_zero() => break false,
                    _ => continue,
                }
            };
            if !exited {
                let _ = sys::pidfd_kill(p.as_fd());
            }
        }
        if let Some(k) = self.keeper.take() {
            let _ = k.join();
        }
    }
}
