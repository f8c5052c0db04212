//! The seccomp allowlists. Anything not listed traps (`SECCOMP_RET_TRAP`): the runner's
//! `SIGSYS` handler (its `trap` module) records which call it was, and the process dies
//! of `SIGSYS`.
//!
//! Each entry says why a running cart needs it. Arguments are checked where a call could
//! reach beyond the runner: reads and writes only on the channel, `tgkill` only on the
//! runner itself (for `abort`). Lua runners never get executable memory; WebAssembly
//! runners get it for their compiled code, but never memory that is writable and
//! executable at once.
//!
//! This module sits below `crate::lockdown`, which installs its filter as its last step:
//! the lockdown uses it, never the other way round. The one thing the rules need from
//! elsewhere, the channel's descriptor number, comes from `crate::channel`, which owns it.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule,
};

use crate::channel::CHANNEL_FD;

/// Which runtime the filter is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The Lua runtime: no executable memory at all.
    Lua,
    /// The WebAssembly runtime: executable or writable memory, never both.
    Wasm,
}

type Rules = BTreeMap<i64, Vec<SeccompRule>>;

fn cond(
    arg: u8,
    op: SeccompCmpOp,
    value: u64,
) -> Result<SeccompCondition, seccompiler::BackendError> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value)
}

/// The rules of `profile` for a process whose pid is `pid`.
pub fn rules(profile: Profile, pid: u32) -> Result<Rules, seccompiler::BackendError> {
    let mut r: Rules = BTreeMap::new();
    let mut allow = |nr: libc::c_long| {
        r.insert(nr, vec![]);
    };
    // Memory management for the VM's allocator.
    allow(libc::SYS_brk);
    allow(libc::SYS_munmap);
    allow(libc::SYS_mremap);
    allow(libc::SYS_madvise);
    // Uncontended locks never call it, but std may.
    allow(libc::SYS_futex);
    // The soft-stop signal handler returns through it; std masks signals around some calls.
    allow(libc::SYS_rt_sigreturn);
    allow(libc::SYS_rt_sigprocmask);
    // time(), the real-time clock (normally answered by the vDSO without a syscall).
    allow(libc::SYS_clock_gettime);
    allow(libc::SYS_gettimeofday);
    #[cfg(target_arch = "x86_64")]
    allow(libc::SYS_time);
    // Hash seeds.
    allow(libc::SYS_getrandom);
    // abort() needs to know who it is.
    allow(libc::SYS_getpid);
    allow(libc::SYS_gettid);
    allow(libc::SYS_sched_yield);
    // Polling the channel (the only descriptor) while spinning for the next request.
    #[cfg(target_arch = "x86_64")]
    allow(libc::SYS_poll);
    allow(libc::SYS_ppoll);
    allow(libc::SYS_restart_syscall);
    allow(libc::SYS_close);
    allow(libc::SYS_exit);
    allow(libc::SYS_exit_group);

    let no_exec = || cond(2, SeccompCmpOp::MaskedEq(libc::PROT_EXEC as u64), 0);
    let no_write = || cond(2, SeccompCmpOp::MaskedEq(libc::PROT_WRITE as u64), 0);
    let protections = || -> Result<Vec<SeccompRule>, seccompiler::BackendError> {
        Ok(match profile {
            Profile::Lua => vec![SeccompRule::new(vec![no_exec()?])?],
            // wasmtime writes compiled code, then makes it read+execute.
            Profile::Wasm => vec![
                SeccompRule::new(vec![no_exec()?])?,
                SeccompRule::new(vec![no_write()?])?,
            ],
        })
    };
    r.insert(libc::SYS_mmap, protections()?);
    r.insert(libc::SYS_mprotect, protections()?);
    if profile == Profile::Wasm {
        // wasmtime handles its traps (out-of-bounds accesses, stack overflow) on an
        // alternate signal stack it sets up the first time a thread enters wasm.
        r.insert(libc::SYS_sigaltstack, vec![]);
    }
    // The channel only. Writes to fd 2 are let through because it is closed: a last-gasp
    // message from the Rust runtime fails with EBADF instead of looking like an attack.
    r.insert(
        libc::SYS_read,
        vec![SeccompRule::new(vec![cond(
            0,
            SeccompCmpOp::Eq,
            CHANNEL_FD as u64,
        )?])?],
    );
    r.insert(
        libc::SYS_write,
        vec![
            SeccompRule::new(vec![cond(0, SeccompCmpOp::Eq, CHANNEL_FD as u64)?])?,
            SeccompRule::new(vec![cond(0, SeccompCmpOp::Eq, 2)?])?,
        ],
    );
    // Reading a descriptor's flags: Rust's debug checks do it when a descriptor is dropped.
    r.insert(
        libc::SYS_fcntl,
        vec![SeccompRule::new(vec![cond(
            1,
            SeccompCmpOp::Eq,
            libc::F_GETFD as u64,
        )?])?],
    );
    // abort() signals itself; nothing else may be signalled.
    r.insert(
        libc::SYS_tgkill,
        vec![SeccompRule::new(vec![cond(
            0,
            SeccompCmpOp::Eq,
            u64::from(pid),
        )?])?],
    );
    Ok(r)
}

/// Compiles the filter of `profile` for this process.
pub fn compile(profile: Profile) -> Result<BpfProgram, seccompiler::Error> {
    let pid = std::process::id();
    let filter = SeccompFilter::new(
        rules(profile, pid)?,
        SeccompAction::Trap,
        SeccompAction::Allow,
        std::env::consts::ARCH.try_into()?,
    )?;
    Ok(filter.try_into()?)
}

/// Compiles and installs the filter of `profile` for every thread of this process.
pub fn install(profile: Profile) -> Result<(), seccompiler::Error> {
    let program = compile(profile)?;
    seccompiler::apply_filter_all_threads(&program)
}
