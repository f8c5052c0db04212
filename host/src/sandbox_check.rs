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
    /// What the runner said about its lockdown before trying.
    pub ready: Option<RunnerReady>,
    /// How the runner ended.
    pub status: Option<ExitStatus>,
}

impl ProbeResult {
    /// Whether seccomp stopped the operation.
    pub fn blocked(&self) -> bool {
        self.status == Some(ExitStatus::Signal(libc::SIGSYS))
    }
}

/// Runs `probe` in a fresh runner.
pub fn run_probe(zygote: &mut Zygote, probe: Probe) -> ProbeResult {
    let timeout = Duration::from_secs(5);
    match RunnerProcess::spawn(
        zygote,
        RunnerProgram::Probe(probe),
        RunnerLimits::default(),
        timeout,
    ) {
        Ok(mut runner) => {
            let ready = Some(runner.ready());
            let status = runner.wait_end(zygote, timeout);
            ProbeResult {
                probe,
                ready,
                status,
            }
        }
        Err(_) => ProbeResult {
            probe,
            ready: None,
            status: None,
        },
    }
}

/// Runs every probe.
pub fn run_all(zygote: &mut Zygote) -> Vec<ProbeResult> {
    Probe::ALL.iter().map(|p| run_probe(zygote, *p)).collect()
}
