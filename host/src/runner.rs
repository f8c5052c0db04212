//! One runner process as the host sees it: a channel, a pidfd and a shared memory region,
//! all of it untrusted.
//!
//! Every byte from the runner is hostile input: a length prefix over the limit, an unknown
//! tag, a malformed field, a reply to the wrong request, a flood of messages or silence all
//! end with the runner killed and the reason reported; nothing a runner sends can make the
//! host panic, allocate without bound, or wait past the request's deadline.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use cartbox_protocol::cart::CartInfo;
use cartbox_protocol::framing::{self, FrameBuffer};
use cartbox_protocol::message::{
    CartFault, EXIT_PROBE_PASSED, EXIT_SETUP, EXPORT_LIMIT, ExportCart, FrameRequest,
    HOST_MESSAGE_LIMIT, HostMessage, LoadCart, RUNNER_MESSAGE_LIMIT, RunnerMessage, RunnerReady,
};
use cartbox_protocol::shm;
use cartbox_protocol::zygote::{ExitStatus, RunnerLimits, RunnerProgram};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};

use crate::sys::{self, SharedMapping};
use crate::zygote::Zygote;

pub use cartbox_protocol::message::SOFT_STOP_SIGNAL;

/// Most messages a runner may send while serving one request.
pub const MAX_MESSAGES_PER_REQUEST: usize = 10_000;
/// Most bytes a runner may send while serving one request.
pub const MAX_BYTES_PER_REQUEST: usize = 4 << 20;

/// How long a request may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// After this the runner is asked to stop the cart inside its VM.
    pub budget: Duration,
    /// After budget + grace without an answer, the runner is killed.
    pub grace: Duration,
}

/// A line of `trace()` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLine {
    /// The text, as the runner sent it (not yet safe for a terminal).
    pub text: String,
    /// Its colour.
    pub color: u8,
}

/// Why a runner stopped serving.
#[derive(Debug, Clone, PartialEq)]
pub enum RunnerStop {
    /// The cart failed; the runner reported it and exits by itself.
    Fault(CartFault),
    /// No answer by the hard deadline: killed.
    Hung {
        /// How long it was given.
        waited: Duration,
    },
    /// A WebAssembly runner was still compiling its cart at the hard deadline: killed.
    CompileTimeout {
        /// How long it was given.
        waited: Duration,
    },
    /// It ended on its own without a report (a crash, a seccomp kill, an OOM kill).
    Died {
        /// How it ended, if the zygote told us in time.
        status: Option<ExitStatus>,
        /// The system call its seccomp filter denied, as it reported before dying of
        /// `SIGSYS` (a claim by the runner, used for the message only).
        syscall: Option<u32>,
    },
    /// It broke the protocol: killed.
    Protocol(String),
    /// It could not go on and said why (its lockdown failed, most likely); it exits.
    Failed(String),
    /// The host could not talk to it or start it.
    Host(String),
}

/// What a request was answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The cart is parsed (its claims are within their limits).
    Parsed(Box<CartInfo>),
    /// The cart is written in the format asked for.
    Exported(Vec<u8>),
    /// The cart is loaded.
    Loaded,
    /// The frame is done.
    FrameDone {
        /// The cart called `exit()`.
        exit: bool,
    },
    /// `MENU` has run.
    MenuDone,
}

/// A live runner.
pub struct RunnerProcess {
    id: u64,
    pid: i32,
    pidfd: OwnedFd,
    channel: OwnedFd,
    shm: SharedMapping,
    rx: FrameBuffer,
    next_seq: u64,
    ended: bool,
    ready: RunnerReady,
    /// How long to poll for an answer before blocking.
    spin: Duration,
    /// A WebAssembly runner (it compiles the cart when asked to start it).
    wasm: bool,
    /// The `Load` request the runner answered with `Parsed`, not yet started.
    parsed: Option<u64>,
}

impl std::fmt::Debug for RunnerProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerProcess")
            .field("id", &self.id)
            .field("pid", &self.pid)
            .finish()
    }
}

impl RunnerProcess {
    /// Asks `zygote` for a runner running `program`, and waits up to `timeout` for it to
    /// report that it is locked down.
    pub fn spawn(
        zygote: &mut Zygote,
        program: RunnerProgram,
        limits: RunnerLimits,
        timeout: Duration,
    ) -> Result<RunnerProcess, RunnerStop> {
        let host = |e: &dyn std::fmt::Display| RunnerStop::Host(e.to_string());
        let (mine, theirs) = socketpair(
            AddressFamily::Unix,
            SockType::Stream,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(|e| host(&e))?;
        // Only our end is non-blocking: the runner blocks in read while idle.
        nix::fcntl::fcntl(
            &mine,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )
        .map_err(|e| host(&e))?;
        let shm = SharedMapping::create(c"cartbox-runner", shm::SHM_SIZE).map_err(|e| host(&e))?;
        shm.write(0, &shm::header());
        let spawned = zygote
            .spawn(program, limits, theirs.as_fd(), shm.fd(), timeout)
            .map_err(|e| host(&e))?;
        drop(theirs);
        let mut runner = RunnerProcess {
            id: spawned.id,
            pid: spawned.pid,
            pidfd: spawned.pidfd,
            channel: mine,
            shm,
            rx: FrameBuffer::new(RUNNER_MESSAGE_LIMIT),
            next_seq: 1,
            ended: false,
            spin: Duration::ZERO,
            wasm: matches!(program, RunnerProgram::Wasm),
            parsed: None,
            ready: RunnerReady {
                landlock_abi: 0,
                landlock_full: false,
            },
        };
        let start = Instant::now();
        match runner.next_message(zygote, None, start + timeout, start)? {
            RunnerMessage::Ready(r) => runner.ready = r,
            RunnerMessage::Failed(why) => {
                runner.ended = true;
                zygote.forget(runner.id);
                return Err(RunnerStop::Failed(why));
            }
            other => return Err(runner.violation(format!("expected Ready, got {}", kind(&other)))),
        }
        Ok(runner)
    }

    /// Sets how long to poll for an answer before blocking (0: block at once).
    pub fn set_spin(&mut self, spin: Duration) {
        self.spin = spin;
    }

    /// The runner's pid.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The zygote's number for this runner.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// What the runner reported about its lockdown.
    pub fn ready(&self) -> RunnerReady {
        self.ready
    }

    /// The shared memory. Read it only between a reply and the next request.
    pub fn shm(&self) -> &SharedMapping {
        &self.shm
    }

    /// Has the runner parse a cart's files (`seq` is filled in here), and returns what it
    /// says of the cart: a claim, checked only against its limits. Then [`Self::start`]
    /// plays it; or the runner is dropped.
    pub fn load(
        &mut self,
        zygote: &mut Zygote,
        mut cart: LoadCart,
        deadline: Deadline,
    ) -> Result<Box<CartInfo>, RunnerStop> {
        let seq = self.take_seq();
        cart.seq = seq;
        match self.request(
            zygote,
            HostMessage::Load(Box::new(cart)),
            seq,
            deadline,
            &mut |_| {},
        )? {
            Reply::Parsed(info) => {
                self.parsed = Some(seq);
                Ok(info)
            }
            other => Err(self.violation(format!("answered a load with {}", reply_kind(&other)))),
        }
    }

    /// Plays the cart parsed by [`Self::load`]: its top-level code and `BOOT` run (a
    /// WebAssembly runner compiles it first).
    pub fn start(
        &mut self,
        zygote: &mut Zygote,
        deadline: Deadline,
        trace: &mut dyn FnMut(TraceLine),
    ) -> Result<(), RunnerStop> {
        let Some(seq) = self.parsed.take() else {
            return Err(RunnerStop::Host("no cart parsed to start".into()));
        };
        match self.request(zygote, HostMessage::Start { seq }, seq, deadline, trace)? {
            Reply::Loaded => Ok(()),
            other => Err(self.violation(format!("answered a start with {}", reply_kind(&other)))),
        }
    }

    /// Has the runner parse a cart's files and write the cart in another format; the
    /// runner ends after it.
    pub fn export(
        &mut self,
        zygote: &mut Zygote,
        mut cart: ExportCart,
        deadline: Deadline,
    ) -> Result<Vec<u8>, RunnerStop> {
        let seq = self.take_seq();
        cart.seq = seq;
        match self.request(
            zygote,
            HostMessage::Export(Box::new(cart)),
            seq,
            deadline,
            &mut |_| {},
        )? {
            Reply::Exported(bytes) => Ok(bytes),
            other => Err(self.violation(format!("answered an export with {}", reply_kind(&other)))),
        }
    }

    /// Runs one frame; with `pixels` the runner blits it for us to read. `paused_ms`: how
    /// long the player paused the cart since the last frame (left out of `time()`).
    pub fn frame(
        &mut self,
        zygote: &mut Zygote,
        time_ms: Option<f64>,
        paused_ms: f64,
        pixels: bool,
        deadline: Deadline,
        trace: &mut dyn FnMut(TraceLine),
    ) -> Result<bool, RunnerStop> {
        let seq = self.take_seq();
        match self.request(
            zygote,
            HostMessage::Frame(FrameRequest {
                seq,
                time_ms,
                paused_ms,
                pixels,
            }),
            seq,
            deadline,
            trace,
        )? {
            Reply::FrameDone { exit } => Ok(exit),
            other => Err(self.violation(format!("answered a frame with {}", reply_kind(&other)))),
        }
    }

    /// Calls the cart's `MENU(index)`.
    pub fn menu(
        &mut self,
        zygote: &mut Zygote,
        index: u32,
        paused_ms: f64,
        deadline: Deadline,
        trace: &mut dyn FnMut(TraceLine),
    ) -> Result<(), RunnerStop> {
        let seq = self.take_seq();
        self.request(
            zygote,
            HostMessage::Menu {
                seq,
                index,
                paused_ms,
            },
            seq,
            deadline,
            trace,
        )
        .map(|_| ())
    }

    fn take_seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    fn request(
        &mut self,
        zygote: &mut Zygote,
        msg: HostMessage,
        seq: u64,
        deadline: Deadline,
        trace: &mut dyn FnMut(TraceLine),
    ) -> Result<Reply, RunnerStop> {
        if self.ended {
            return Err(RunnerStop::Host("the runner has already stopped".into()));
        }
        let start = Instant::now();
        let soft = start + deadline.budget;
        let hard = soft + deadline.grace;
        // A cart's files are most of a load: room for them up front, so the buffer is
        // written once rather than grown by doubling (an 8 MiB cart would cost 16 more).
        let mut wire = match &msg {
            HostMessage::Load(load) => Vec::with_capacity(
                load.files.main.len()
                    + load.files.beside.as_ref().map_or(0, |b| b.bytes.len())
                    + 4096,
            ),
            _ => Vec::new(),
        };
        framing::encode::<_, HOST_MESSAGE_LIMIT>(&msg, &mut wire)
            .map_err(|e| RunnerStop::Host(e.to_string()))?;
        self.send(zygote, &wire, hard, start)?;

        let (mut messages, mut bytes) = (0usize, 0usize);
        // A WebAssembly runner compiles first and says when it is done.
        let mut compiling = self.wasm && matches!(&msg, HostMessage::Start { .. });
        let mut exported = Vec::new();
        loop {
            let m = match self.next_message(zygote, Some((soft, seq)), hard, start) {
                Err(RunnerStop::Hung { waited }) if compiling => {
                    return Err(RunnerStop::CompileTimeout { waited });
                }
                m => m?,
            };
            messages += 1;
            bytes += 16;
            match m {
                RunnerMessage::Trace { text, color } => {
                    bytes += text.len();
                    trace(TraceLine { text, color });
                }
                RunnerMessage::Parsed { seq: s, info }
                    if s == seq && matches!(msg, HostMessage::Load(_)) =>
                {
                    if !info.within_limits() {
                        return Err(self.violation("described its cart past the limits".into()));
                    }
                    return Ok(Reply::Parsed(info));
                }
                RunnerMessage::ExportChunk {
                    seq: s,
                    bytes: piece,
                } if s == seq && matches!(msg, HostMessage::Export(_)) => {
                    bytes += piece.len();
                    if exported.len() + piece.len() > EXPORT_LIMIT {
                        return Err(
                            self.violation(format!("exported more than {EXPORT_LIMIT} bytes"))
                        );
                    }
                    exported.extend_from_slice(&piece);
                }
                RunnerMessage::Exported { seq: s }
                    if s == seq && matches!(msg, HostMessage::Export(_)) =>
                {
                    return Ok(Reply::Exported(std::mem::take(&mut exported)));
                }
                RunnerMessage::Compiled { seq: s } if s == seq && compiling => compiling = false,
                RunnerMessage::Loaded { seq: s }
                    if s == seq && matches!(msg, HostMessage::Start { .. }) && !compiling =>
                {
                    return Ok(Reply::Loaded);
                }
                RunnerMessage::FrameDone { seq: s, exit }
                    if s == seq && matches!(msg, HostMessage::Frame(_)) =>
                {
                    return Ok(Reply::FrameDone { exit });
                }
                RunnerMessage::MenuDone { seq: s }
                    if s == seq && matches!(msg, HostMessage::Menu { .. }) =>
                {
                    return Ok(Reply::MenuDone);
                }
                RunnerMessage::Fault(f) => {
                    self.ended = true;
                    zygote.forget(self.id);
                    return Err(RunnerStop::Fault(f));
                }
                RunnerMessage::Failed(why) => {
                    self.ended = true;
                    zygote.forget(self.id);
                    return Err(RunnerStop::Failed(why));
                }
                other => {
                    return Err(self.violation(format!(
                        "unexpected {} while serving request {seq}",
                        kind(&other)
                    )));
                }
            }
            if messages > MAX_MESSAGES_PER_REQUEST || bytes > MAX_BYTES_PER_REQUEST {
                return Err(self.violation(format!(
                    "flooded the host with {messages} messages ({bytes} bytes) in one request"
                )));
            }
        }
    }

    /// Writes a whole request, waiting for the socket up to the hard deadline.
    fn send(
        &mut self,
        zygote: &mut Zygote,
        mut wire: &[u8],
        hard: Instant,
        start: Instant,
    ) -> Result<(), RunnerStop> {
        while !wire.is_empty() {
            match nix::unistd::write(&self.channel, wire) {
                Ok(n) => wire = &wire[n..],
                Err(nix::errno::Errno::EAGAIN) => {
                    let left = hard.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(self.hung(start.elapsed()));
                    }
                    let mut fds = [PollFd::new(self.channel.as_fd(), PollFlags::POLLOUT)];
                    let _ = poll(&mut fds, timeout(left));
                }
                Err(nix::errno::Errno::EINTR) => {}
                Err(_) => return Err(self.died(zygote)),
            }
        }
        Ok(())
    }

    /// The next message, waiting until `hard`. With `soft`, sends the soft-stop signal
    /// for request `seq` once that time has passed.
    fn next_message(
        &mut self,
        zygote: &mut Zygote,
        soft: Option<(Instant, u64)>,
        hard: Instant,
        start: Instant,
    ) -> Result<RunnerMessage, RunnerStop> {
        let mut soft = soft;
        loop {
            match self.rx.next_payload() {
                Ok(Some(payload)) => {
                    return framing::decode::<RunnerMessage, RUNNER_MESSAGE_LIMIT>(payload)
                        .map_err(|e| self.violation(e.to_string()));
                }
                Ok(None) => {}
                Err(e) => return Err(self.violation(e.to_string())),
            }
            let now = Instant::now();
            if now >= hard {
                return Err(self.hung(hard.saturating_duration_since(start)));
            }
            if let Some((at, seq)) = soft
                && now >= at
            {
                // If this fails the runner is already gone; the next read tells.
                let _ = sys::pidfd_queue(self.pidfd.as_fd(), SOFT_STOP_SIGNAL, seq);
                soft = None;
            }
            let until = soft.map_or(hard, |(at, _)| at.min(hard));
            // A short spin first: a quick answer then costs no cross-core wake-up.
            let spun = !self.spin.is_zero() && self.spin_for_data(now + self.spin.min(until - now));
            let (readable, exited) = if spun {
                (true, false)
            } else {
                let mut fds = [
                    PollFd::new(self.channel.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.pidfd.as_fd(), PollFlags::POLLIN),
                ];
                match poll(&mut fds, timeout(until.saturating_duration_since(now))) {
                    Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                    Err(e) => return Err(RunnerStop::Host(e.to_string())),
                }
                let r = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
                (r(&fds[0]), r(&fds[1]))
            };
            if readable || exited {
                match self.read_some() {
                    Ok(0) => return Err(self.ended_early(zygote)),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        if exited {
                            return Err(self.ended_early(zygote));
                        }
                    }
                    Err(_) => return Err(self.died(zygote)),
                }
            }
        }
    }

    /// Polls the channel without blocking until `until`; true once data arrived (or the
    /// channel closed: the caller's next read tells which).
    fn spin_for_data(&mut self, until: Instant) -> bool {
        loop {
            let mut fds = [PollFd::new(self.channel.as_fd(), PollFlags::POLLIN)];
            if poll(&mut fds, PollTimeout::ZERO).unwrap_or(0) > 0 {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::hint::spin_loop();
        }
    }

    fn read_some(&mut self) -> io::Result<usize> {
        let spare = self.rx.spare();
        if spare.is_empty() {
            // Cannot happen with a frame buffer sized for the largest message; treat as a
            // protocol error rather than spin.
            return Err(io::Error::other("receive buffer full"));
        }
        loop {
            match nix::unistd::read(self.channel.as_fd(), spare) {
                Ok(n) => {
                    self.rx.filled(n);
                    return Ok(n);
                }
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The channel closed or the process exited before answering.
    fn ended_early(&mut self, zygote: &mut Zygote) -> RunnerStop {
        if self.rx.pending() > 0 {
            let pending = self.rx.pending();
            self.kill();
            return RunnerStop::Protocol(format!(
                "connection closed in the middle of a message ({pending} bytes)"
            ));
        }
        self.died(zygote)
    }

    fn died(&mut self, zygote: &mut Zygote) -> RunnerStop {
        // It may still be alive (closed its channel): make sure, then ask how it ended.
        let _ = sys::pidfd_kill(self.pidfd.as_fd());
        self.ended = true;
        let status = zygote.wait_exit(self.id, Duration::from_secs(1));
        let syscall = self.denied_syscall(status);
        RunnerStop::Died { status, syscall }
    }

    /// For a runner that died of `SIGSYS`: the system call it says its filter denied.
    pub fn denied_syscall(&self, status: Option<ExitStatus>) -> Option<u32> {
        if status != Some(ExitStatus::Signal(libc::SIGSYS)) {
            return None;
        }
        let mut word = [0u8; 4];
        self.shm.read(shm::BLOCKED_SYSCALL_OFFSET, &mut word);
        u32::from_le_bytes(word).checked_sub(1)
    }

    fn hung(&mut self, waited: Duration) -> RunnerStop {
        self.kill();
        RunnerStop::Hung { waited }
    }

    fn violation(&mut self, what: String) -> RunnerStop {
        self.kill();
        RunnerStop::Protocol(what)
    }

    /// Waits up to `timeout` for the runner to end by itself (a sandbox probe) and returns
    /// how it ended; kills it if it does not.
    pub fn wait_end(&mut self, zygote: &mut Zygote, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut fds = [PollFd::new(self.pidfd.as_fd(), PollFlags::POLLIN)];
            let left = deadline.saturating_duration_since(Instant::now());
            match poll(&mut fds, self::timeout(left)) {
                Ok(n) if n > 0 => break,
                Err(nix::errno::Errno::EINTR) => continue,
                _ if left.is_zero() => {
                    self.kill();
                    break;
                }
                _ => {}
            }
        }
        self.ended = true;
        zygote.wait_exit(self.id, Duration::from_secs(2))
    }

    /// A handle that can kill this runner from another thread, while this side waits on
    /// it (a duplicate of its pidfd: it cannot hit another process, even later).
    pub fn killer(&self) -> std::io::Result<Killer> {
        Ok(Killer(self.pidfd.try_clone()?))
    }

    /// Kills the runner (idempotent; a pidfd cannot hit another process).
    pub fn kill(&mut self) {
        let _ = sys::pidfd_kill(self.pidfd.as_fd());
        self.ended = true;
    }
}

/// Kills one runner, from any thread (see [`RunnerProcess::killer`]).
#[derive(Debug)]
pub struct Killer(OwnedFd);

impl Killer {
    /// Sends the runner SIGKILL (harmless if it has already ended).
    pub fn kill(&self) {
        let _ = sys::pidfd_kill(self.0.as_fd());
    }
}

impl Drop for RunnerProcess {
    fn drop(&mut self) {
        let _ = sys::pidfd_kill(self.pidfd.as_fd());
    }
}

fn timeout(d: Duration) -> PollTimeout {
    // Round up so a wait never ends just before its deadline.
    let ms = d.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
}

fn kind(m: &RunnerMessage) -> &'static str {
    match m {
        RunnerMessage::Ready(_) => "Ready",
        RunnerMessage::Parsed { .. } => "Parsed",
        RunnerMessage::ExportChunk { .. } => "ExportChunk",
        RunnerMessage::Exported { .. } => "Exported",
        RunnerMessage::Compiled { .. } => "Compiled",
        RunnerMessage::Loaded { .. } => "Loaded",
        RunnerMessage::FrameDone { .. } => "FrameDone",
        RunnerMessage::MenuDone { .. } => "MenuDone",
        RunnerMessage::Trace { .. } => "Trace",
        RunnerMessage::Fault(_) => "Fault",
        RunnerMessage::Failed(_) => "Failed",
    }
}

fn reply_kind(r: &Reply) -> &'static str {
    match r {
        Reply::Parsed(_) => "Parsed",
        Reply::Exported(_) => "Exported",
        Reply::Loaded => "Loaded",
        Reply::FrameDone { .. } => "FrameDone",
        Reply::MenuDone => "MenuDone",
    }
}

/// What an exit status means, for people; `syscall` is the call the sandbox denied, when
/// the runner said.
pub fn describe_exit(status: Option<ExitStatus>, syscall: Option<u32>) -> String {
    if let (Some(ExitStatus::Signal(libc::SIGSYS)), Some(nr)) = (status, syscall) {
        let name = cartbox_protocol::syscalls::name(nr)
            .map_or_else(|| format!("system call {nr}"), |n| format!("`{n}` ({nr})"));
        return format!("killed by the sandbox (SIGSYS): it made a forbidden system call, {name}");
    }
    match status {
        None => "ended without saying why".into(),
        Some(ExitStatus::Code(0)) => "exited without finishing its request".into(),
        Some(ExitStatus::Code(EXIT_SETUP)) => {
            format!("could not set itself up (exit code {EXIT_SETUP})")
        }
        Some(ExitStatus::Code(EXIT_PROBE_PASSED)) => format!(
            "let a forbidden operation through (a sandbox probe's exit code {EXIT_PROBE_PASSED})"
        ),
        Some(ExitStatus::Code(c)) => format!("exited with code {c}"),
        Some(ExitStatus::Signal(s)) => match s {
            libc::SIGSYS => "killed by the sandbox (SIGSYS: a forbidden system call)".into(),
            libc::SIGSEGV => "crashed (SIGSEGV: invalid memory access)".into(),
            libc::SIGBUS => "crashed (SIGBUS)".into(),
            libc::SIGABRT => "aborted (SIGABRT)".into(),
            libc::SIGILL => "crashed (SIGILL)".into(),
            libc::SIGFPE => "crashed (SIGFPE)".into(),
            libc::SIGXCPU => "stopped by its CPU time limit (SIGXCPU)".into(),
            libc::SIGKILL => {
                "killed by SIGKILL from outside Cartbox (perhaps the out-of-memory killer)".into()
            }
            other => format!("killed by signal {other}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_are_described_with_the_denied_call() {
        let sigsys = Some(ExitStatus::Signal(libc::SIGSYS));
        assert_eq!(
            describe_exit(sigsys, Some(257)),
            "killed by the sandbox (SIGSYS): it made a forbidden system call, `openat` (257)"
        );
        assert_eq!(
            describe_exit(sigsys, Some(9999)),
            "killed by the sandbox (SIGSYS): it made a forbidden system call, system call 9999"
        );
        // Without the runner's word, or for another ending, the status alone.
        assert_eq!(
            describe_exit(sigsys, None),
            "killed by the sandbox (SIGSYS: a forbidden system call)"
        );
        assert_eq!(
            describe_exit(Some(ExitStatus::Signal(libc::SIGSEGV)), Some(257)),
            "crashed (SIGSEGV: invalid memory access)"
        );
    }
}
