//! Sandbox self-checks: after the full lockdown, try one forbidden operation. Reaching the
//! end of [`run`] means the sandbox let it through; the expected outcome is death by
//! `SIGSYS` inside the attempt.

use std::ptr;

use cartbox_protocol::zygote::Probe;

/// Attempts `probe`; returns only if the operation was not stopped.
pub(crate) fn run(probe: Probe, parent: libc::pid_t) {
    // SAFETY: each call is a plain system call with valid (or deliberately harmless)
    // arguments; the point is that seccomp kills the process before it completes.
    unsafe {
        match probe {
            Probe::Open => {
                libc::openat(libc::AT_FDCWD, c"/etc/passwd".as_ptr(), libc::O_RDONLY);
            }
            Probe::Socket => {
                libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            }
            Probe::Execve => {
                let argv = [c"/bin/sh".as_ptr(), ptr::null()];
                let envp = [ptr::null()];
                libc::execve(c"/bin/sh".as_ptr(), argv.as_ptr(), envp.as_ptr());
            }
            Probe::Fork => {
                libc::syscall(libc::SYS_clone, libc::SIGCHLD, 0, 0, 0, 0);
            }
            Probe::Clone3 => {
                let mut args = [0u64; 11];
                args[4] = libc::SIGCHLD as u64; // exit_signal
                libc::syscall(
                    libc::SYS_clone3,
                    args.as_mut_ptr(),
                    std::mem::size_of_val(&args),
                );
            }
            Probe::Ptrace => {
                libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
            }
            Probe::KillParent => {
                libc::kill(parent, libc::SIGKILL);
            }
            Probe::PrlimitParent => {
                let mut old: libc::rlimit = std::mem::zeroed();
                libc::prlimit(parent, libc::RLIMIT_NOFILE, ptr::null(), &mut old);
            }
            Probe::IoUring => {
                let mut params = [0u8; 120];
                libc::syscall(libc::SYS_io_uring_setup, 1, params.as_mut_ptr());
            }
            Probe::MapWriteExec => {
                libc::mmap(
                    ptr::null_mut(),
                    4096,
                    libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                );
            }
            Probe::ProtectWriteExec => {
                let page = libc::mmap(
                    ptr::null_mut(),
                    4096,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                );
                if page != libc::MAP_FAILED {
                    libc::mprotect(
                        page,
                        4096,
                        libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                    );
                }
            }
        }
    }
}
