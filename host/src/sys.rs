//! System calls the safe wrappers lack: signalling through a pidfd, and the shared
//! memory mapping. Every `unsafe` block of the host lives here.

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;

use nix::sys::memfd::{MFdFlags, memfd_create};
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap};

/// `siginfo_t` for a queued signal, as the kernel lays it out on 64-bit Linux.
#[repr(C)]
struct QueuedSiginfo {
    signo: i32,
    errno: i32,
    code: i32,
    _pad: i32,
    pid: i32,
    uid: u32,
    value: u64,
    _rest: [u8; 128 - 32],
}

/// Sends `signal` to the process behind `pidfd`, with `value` as its payload (what
/// `sigqueue` does). A pidfd names one process for good, so this cannot hit a recycled pid.
pub fn pidfd_queue(pidfd: BorrowedFd<'_>, signal: i32, value: u64) -> io::Result<()> {
    let info = QueuedSiginfo {
        signo: signal,
        errno: 0,
        code: libc::SI_QUEUE,
        _pad: 0,
        pid: std::process::id() as i32,
        // SAFETY: getuid cannot fail.
        uid: unsafe { libc::getuid() },
        value,
        _rest: [0; 96],
    };
    // SAFETY: `info` is a properly laid out siginfo that lives across the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            signal,
            &info as *const QueuedSiginfo,
            0,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Receives one packet without waiting, with the descriptors that came with it
/// (`SCM_RIGHTS`, close-on-exec), which are ours from then on. `EAGAIN` when none is there.
pub fn recv_with_fds(socket: BorrowedFd<'_>, buf: &mut [u8]) -> nix::Result<(usize, Vec<OwnedFd>)> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut cmsg = nix::cmsg_space!([std::os::fd::RawFd; 4]);
    let mut iov = [std::io::IoSliceMut::new(buf)];
    let msg = recvmsg::<()>(
        socket.as_raw_fd(),
        &mut iov,
        Some(&mut cmsg),
        MsgFlags::MSG_CMSG_CLOEXEC | MsgFlags::MSG_DONTWAIT,
    )?;
    let mut fds = Vec::new();
    if let Ok(cmsgs) = msg.cmsgs() {
        for c in cmsgs {
            if let ControlMessageOwned::ScmRights(list) = c {
                // SAFETY: descriptors the kernel installed in this process for this
                // message; nothing else refers to them.
                fds.extend(
                    list.into_iter()
                        .map(|fd| unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) }),
                );
            }
        }
    }
    Ok((msg.bytes, fds))
}

/// Keeps the calling thread and process `pid` on the CPU the thread runs on now, so that
/// each wakes the other on its own CPU.
pub fn share_cpu_with(pid: i32) -> nix::Result<()> {
    use nix::sched::{CpuSet, sched_getcpu, sched_setaffinity};
    use nix::unistd::Pid;
    let mut set = CpuSet::new();
    set.set(sched_getcpu()?)?;
    sched_setaffinity(Pid::from_raw(0), &set)?;
    sched_setaffinity(Pid::from_raw(pid), &set)
}

/// A pidfd for `pid`, which must be our own unreaped child (so the pid cannot be reused).
pub fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    // SAFETY: no memory arguments.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor from the kernel, owned by nobody else.
    Ok(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd as std::os::fd::RawFd) })
}

/// Sends SIGKILL through a pidfd.
pub fn pidfd_kill(pidfd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: no memory arguments.
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            libc::SIGKILL,
            std::ptr::null::<u8>(),
            0,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A memfd of `len` bytes mapped shared, sealed so that neither side can resize it.
pub struct SharedMapping {
    fd: OwnedFd,
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory; all access goes through raw-pointer copies.
unsafe impl Send for SharedMapping {}

impl std::fmt::Debug for SharedMapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMapping")
            .field("len", &self.len)
            .finish()
    }
}

impl SharedMapping {
    /// Creates, sizes, seals and maps a new memfd.
    pub fn create(name: &std::ffi::CStr, len: usize) -> io::Result<SharedMapping> {
        let fd = memfd_create(name, MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING)?;
        nix::unistd::ftruncate(&fd, len as i64)?;
        let seals = nix::fcntl::SealFlag::F_SEAL_SHRINK
            | nix::fcntl::SealFlag::F_SEAL_GROW
            | nix::fcntl::SealFlag::F_SEAL_SEAL;
        nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_ADD_SEALS(seals))?;
        let size = NonZeroUsize::new(len).ok_or_else(|| io::Error::other("empty mapping"))?;
        // SAFETY: a fresh shared mapping of our own memfd at a kernel-chosen address; the
        // file can no longer shrink, so every mapped page stays backed.
        let base = unsafe {
            mmap(
                None,
                size,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                &fd,
                0,
            )?
        };
        Ok(SharedMapping {
            fd,
            base: base.cast(),
            len,
        })
    }

    /// The memfd, to pass to a runner.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Copies `out.len()` bytes from `offset` (clamped to the mapping).
    ///
    /// The other side may be writing concurrently (a hostile runner): the copy may then be
    /// torn, but it is never a reference into memory that changes underneath us.
    pub fn read(&self, offset: usize, out: &mut [u8]) {
        let n = out.len().min(self.len.saturating_sub(offset));
        // SAFETY: `offset + n` lies inside the mapping; `out` is our own buffer and cannot
        // overlap the mapping.
        unsafe {
            std::ptr::copy_nonoverlapping(self.base.as_ptr().add(offset), out.as_mut_ptr(), n)
        };
    }

    /// Copies `data` to `offset` (clamped to the mapping).
    pub fn write(&self, offset: usize, data: &[u8]) {
        let n = data.len().min(self.len.saturating_sub(offset));
        // SAFETY: as in `read`, in the other direction.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.base.as_ptr().add(offset), n) };
    }

    /// Copies 32-bit pixels from `pixels` to `offset` (clamped to the mapping).
    pub fn write_u32(&self, offset: usize, pixels: &[u32]) {
        let n = pixels.len().min(self.len.saturating_sub(offset) / 4);
        // SAFETY: as in `read_u32`, in the other direction.
        unsafe {
            std::ptr::copy_nonoverlapping(
                pixels.as_ptr().cast::<u8>(),
                self.base.as_ptr().add(offset),
                n * 4,
            )
        };
    }

    /// Copies 32-bit pixels from `offset` into `out`.
    pub fn read_u32(&self, offset: usize, out: &mut [u32]) {
        let n = out.len().min(self.len.saturating_sub(offset) / 4);
        // SAFETY: as in `read`; `out` is u32-aligned and the copy is bytewise, so the
        // mapping's alignment does not matter.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.base.as_ptr().add(offset),
                out.as_mut_ptr().cast::<u8>(),
                n * 4,
            )
        };
    }
}

impl Drop for SharedMapping {
    fn drop(&mut self) {
        // SAFETY: unmapping what `create` mapped; no reference into it exists.
        let _ = unsafe { munmap(self.base.cast(), self.len) };
    }
}
