//! Naming the system call the sandbox stopped.
//!
//! The seccomp filters' default action is `SECCOMP_RET_TRAP`: a forbidden call is not
//! made, and the kernel sends the runner `SIGSYS` with the call's number. The handler here
//! writes that number into the shared memory header (where the host reads it once the
//! runner is gone) and then makes one more forbidden call. `SIGSYS` is blocked while its
//! handler runs, and for a blocked seccomp signal the kernel resets the action to the
//! default and delivers it at once: the runner dies of `SIGSYS`, as with
//! `SECCOMP_RET_KILL_PROCESS`, having said why.
//!
//! A runner cannot dodge this: blocking or ignoring `SIGSYS` makes the kernel kill it
//! outright, and `rt_sigaction` is not in any filter, so the handler cannot be replaced.

use std::ffi::c_void;
use std::sync::atomic::{AtomicPtr, Ordering};

use cartbox_protocol::shm::BLOCKED_SYSCALL_OFFSET;

use crate::shm::SharedMemory;

/// The header word of the shared memory mapping, once it is mapped.
static SLOT: AtomicPtr<u32> = AtomicPtr::new(std::ptr::null_mut());

/// Installs the `SIGSYS` handler, which reports into `mem`'s header. Call before lockdown
/// (`rt_sigaction` is not allowed afterwards). A runner keeps its mapping for its whole
/// life; were it unmapped, the handler's store would fault and the runner die all the same.
pub(crate) fn install(mem: &SharedMemory) -> std::io::Result<()> {
    // SAFETY: the header page starts the mapping; BLOCKED_SYSCALL_OFFSET + 4 lies inside it
    // and is 4-aligned.
    let slot = unsafe { mem.header_ptr().add(BLOCKED_SYSCALL_OFFSET) }.cast::<u32>();
    SLOT.store(slot, Ordering::SeqCst);
    // SAFETY: `on_sigsys` only does an atomic load, a volatile store and system calls.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigsys as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGSYS, &action, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Where `si_syscall` lies in a `siginfo_t` on 64-bit Linux: after signo, errno, code and
/// padding (16 bytes), then the `_sigsys` member's `_call_addr` pointer (8 bytes).
const SI_SYSCALL_OFFSET: usize = 24;

extern "C" fn on_sigsys(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut c_void) {
    let slot = SLOT.load(Ordering::SeqCst);
    if !info.is_null() && !slot.is_null() {
        // SAFETY: the kernel passes a valid siginfo for an SA_SIGINFO handler; for
        // SYS_SECCOMP it fills the `_sigsys` member, whose `_syscall` int is at this offset.
        // `slot` points into the shared mapping (see `install`).
        unsafe {
            let nr = info
                .cast::<u8>()
                .add(SI_SYSCALL_OFFSET)
                .cast::<i32>()
                .read();
            slot.write_volatile((nr as u32).wrapping_add(1).to_le());
        }
    }
    // SAFETY: getppid is in no filter: this second denied call, made while SIGSYS is
    // blocked, makes the kernel kill the process with SIGSYS (see the module docs). Were it
    // ever allowed, the process exits with SIGSYS's shell status instead.
    unsafe {
        libc::syscall(libc::SYS_getppid);
        libc::_exit(128 + libc::SIGSYS);
    }
}
