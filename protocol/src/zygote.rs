//! The control channel between the host and its zygote.
//!
//! A `SOCK_SEQPACKET` socket: one message per packet, file descriptors passed alongside
//! with `SCM_RIGHTS`. The zygote never runs cart code; it forks runners on request, opens a
//! pidfd for each (sent back so the host can kill without races), reaps them and reports
//! how each ended.

use bincode::{Decode, Encode};

/// Largest control packet either side sends.
pub const CONTROL_LIMIT: usize = 4096;

/// Environment variable that carries the host's pid to a starting zygote, so it can tell
/// whether its parent already died before it set `PR_SET_PDEATHSIG`.
pub const PARENT_PID_ENV: &str = "CARTBOX_ZYGOTE_PARENT";
/// First argument that turns the `cartbox` binary into a zygote.
pub const ZYGOTE_ARG: &str = "__cartbox-zygote";

/// From the host to the zygote.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum ZygoteRequest {
    /// Fork a runner. Two descriptors travel with it: the runner's channel (a stream socket)
    /// and its shared memory (a sealed memfd).
    Spawn(SpawnRequest),
}

/// A runner to fork.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct SpawnRequest {
    /// The host's number for this runner, echoed in every event about it.
    pub id: u64,
    /// What the runner does after lockdown.
    pub program: RunnerProgram,
    /// Resource limits applied during lockdown.
    pub limits: RunnerLimits,
}

/// What a runner runs once it is locked down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum RunnerProgram {
    /// The Lua runtime, serving the frame protocol.
    Lua,
    /// The WebAssembly runtime (wasmtime), serving the frame protocol, with its own
    /// seccomp profile (executable memory, never writable at the same time).
    Wasm,
    /// A sandbox self-check: after the full lockdown, attempt one forbidden operation. The
    /// runner must die of `SIGSYS`; `cartbox sandbox-check` and the tests use this.
    Probe(Probe),
    /// The same self-check after the WebAssembly runtime's lockdown and seccomp profile.
    WasmProbe(Probe),
}

/// Forbidden operations a probe attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum Probe {
    /// `openat` on /etc/passwd.
    Open,
    /// `socket(AF_INET, SOCK_STREAM)`.
    Socket,
    /// `execve("/bin/sh")`.
    Execve,
    /// `fork()` (the `clone` syscall).
    Fork,
    /// `clone3`.
    Clone3,
    /// `ptrace(PTRACE_TRACEME)`.
    Ptrace,
    /// `kill` aimed at the parent (the zygote).
    KillParent,
    /// `prlimit` on the parent.
    PrlimitParent,
    /// `io_uring_setup`.
    IoUring,
    /// `mmap` of writable and executable memory.
    MapWriteExec,
    /// `mprotect` of writable memory to writable and executable.
    ProtectWriteExec,
}

impl Probe {
    /// Every probe.
    pub const ALL: [Probe; 11] = [
        Probe::Open,
        Probe::Socket,
        Probe::Execve,
        Probe::Fork,
        Probe::Clone3,
        Probe::Ptrace,
        Probe::KillParent,
        Probe::PrlimitParent,
        Probe::IoUring,
        Probe::MapWriteExec,
        Probe::ProtectWriteExec,
    ];

    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Probe::Open => "open a file",
            Probe::Socket => "create a socket",
            Probe::Execve => "execute a program",
            Probe::Fork => "fork",
            Probe::Clone3 => "clone3",
            Probe::Ptrace => "ptrace",
            Probe::KillParent => "signal the parent",
            Probe::PrlimitParent => "prlimit the parent",
            Probe::IoUring => "io_uring",
            Probe::MapWriteExec => "map write+exec memory",
            Probe::ProtectWriteExec => "make memory write+exec",
        }
    }
}

/// Resource limits of a runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub struct RunnerLimits {
    /// RLIMIT_AS in bytes.
    pub address_space: u64,
    /// RLIMIT_CPU in seconds: a last backstop, far above any real play session's CPU use.
    pub cpu_seconds: u64,
}

impl Default for RunnerLimits {
    fn default() -> Self {
        RunnerLimits {
            address_space: 1 << 30,
            cpu_seconds: 8 * 3600,
        }
    }
}

/// From the zygote to the host.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum ZygoteEvent {
    /// The runner was forked; a pidfd for it travels with this message.
    Spawned {
        /// The request's id.
        id: u64,
        /// The runner's pid.
        pid: i32,
    },
    /// The runner could not be forked.
    SpawnFailed {
        /// The request's id.
        id: u64,
        /// Why.
        reason: String,
    },
    /// A runner ended and was reaped.
    Exited {
        /// The request's id.
        id: u64,
        /// How it ended.
        status: ExitStatus,
    },
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum ExitStatus {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
}
