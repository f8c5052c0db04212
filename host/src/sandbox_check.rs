//! `cartbox sandbox-check`: prove the sandbox on this machine by running each forbidden
//! operation in a real runner, after its real lockdown, and watching it die.

use std::time::Duration;

use cartbox_protocol::message::RunnerReady;
use cartbox_protocol::zygote::{ExitStatus, Probe, RunnerLimits, RunnerProgram};

use crate::runner::RunnerProcess;
use crate::zygote::Zygote;

/// What happened to one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// The operation attempted.
    pub probe: Probe,
    /// Which runtime's lockdown it was attempted under.
    pub runtime: Runtime,
    /// What the runner said about its lockdown before trying.
    pub ready: Option<RunnerReady>,
    /// How the runner ended.
    pub status: Option<ExitStatus>,
    /// The system call the runner said its filter denied.
    pub syscall: Option<u32>,
}

impl ProbeResult {
    /// Whether seccomp stopped the operation.
    pub fn blocked(&self) -> bool {
        self.status == Some(ExitStatus::Signal(libc::SIGSYS))
    }
}

/// The runtimes a runner locks down for, each with its own seccomp profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// Lua: no executable memory at all.
    Lua,
    /// WebAssembly: executable memory for compiled code, never writable at once.
    Wasm,
}

impl Runtime {
    /// Both.
    pub const ALL: [Runtime; 2] = [Runtime::Lua, Runtime::Wasm];

    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Lua => "lua",
            Runtime::Wasm => "wasm",
        }
    }
}

/// Runs `probe` in a fresh runner locked down for `runtime`.
pub fn run_probe(zygote: &mut Zygote, runtime: Runtime, probe: Probe) -> ProbeResult {
    let timeout = Duration::from_secs(5);
    let program = match runtime {
        Runtime::Lua => RunnerProgram::Probe(probe),
        Runtime::Wasm => RunnerProgram::WasmProbe(probe),
    };
    match RunnerProcess::spawn(zygote, program, RunnerLimits::default(), timeout) {
        Ok(mut runner) => {
            let ready = Some(runner.ready());
            let status = runner.wait_end(zygote, timeout);
            ProbeResult {
                probe,
                runtime,
                ready,
                status,
                syscall: runner.denied_syscall(status),
            }
        }
        Err(_) => ProbeResult {
            probe,
            runtime,
            ready: None,
            status: None,
            syscall: None,
        },
    }
}

/// Runs every probe under every runtime's lockdown.
pub fn run_all(zygote: &mut Zygote) -> Vec<ProbeResult> {
    Runtime::ALL
        .iter()
        .flat_map(|r| Probe::ALL.iter().map(move |p| (*r, *p)))
        .map(|(r, p)| run_probe(zygote, r, p))
        .collect()
}
