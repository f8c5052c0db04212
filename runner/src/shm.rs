//! The runner's mapping of the shared memory region.
//!
//! The host creates and seals the memfd; the runner maps it once, before lockdown, and
//! keeps the mapping for its whole life. The frame protocol gives the runner sole use of
//! the region between a request and its answer, which is the only time these slices exist
//! (see `cartbox_protocol::shm`).

use std::io;
use std::num::NonZeroUsize;
use std::os::fd::AsFd;
use std::ptr::NonNull;

use cartbox_protocol::ram::RAM_SIZE;
use cartbox_protocol::shm::{self, FRAME_OFFSET, FRAME_PIXELS, RAM_OFFSET, SHM_SIZE};
use nix::sys::mman::{MapFlags, ProtFlags, mmap, mmap_anonymous, munmap};

/// A mapping of the shared memory layout.
pub struct SharedMemory {
    base: NonNull<u8>,
}

impl std::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMemory")
            .field("base", &self.base)
            .finish()
    }
}

const LEN: NonZeroUsize = match NonZeroUsize::new(SHM_SIZE) {
    Some(n) => n,
    None => panic!("empty layout"),
};

impl SharedMemory {
    /// Maps the host's memfd and checks its size and header.
    pub fn map(fd: impl AsFd) -> io::Result<SharedMemory> {
        let size = nix::sys::stat::fstat(fd.as_fd())?.st_size;
        if size != SHM_SIZE as i64 {
            return Err(io::Error::other(format!(
                "shared memory is {size} bytes, expected {SHM_SIZE}"
            )));
        }
        // SAFETY: a fresh shared mapping of a memfd we were given; the kernel picks the
        // address, so nothing existing is replaced. The host sealed the memfd against
        // shrinking, so the pages stay valid for the life of the mapping.
        let base = unsafe {
            mmap(
                None,
                LEN,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                fd,
                0,
            )?
        };
        let mem = SharedMemory { base: base.cast() };
        if !shm::header_matches(mem.header()) {
            return Err(io::Error::other(
                "shared memory header does not match this runner",
            ));
        }
        Ok(mem)
    }

    /// A private region with the same layout, for running a cart in-process (benchmarks,
    /// unit tests).
    pub fn anonymous() -> io::Result<SharedMemory> {
        // SAFETY: a fresh private anonymous mapping; nothing else refers to it.
        let base = unsafe {
            mmap_anonymous(
                None,
                LEN,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_PRIVATE,
            )?
        };
        let mut mem = SharedMemory { base: base.cast() };
        mem.bytes_mut()[..24].copy_from_slice(&shm::header());
        Ok(mem)
    }

    fn header(&self) -> &[u8] {
        // SAFETY: the mapping is SHM_SIZE bytes long and lives as long as `self`.
        unsafe { std::slice::from_raw_parts(self.base.as_ptr(), 24) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: the mapping is SHM_SIZE bytes, readable and writable, lives as long as
        // `self`, and `&mut self` makes this the only slice of it in this process. The host
        // does not write to it while the runner works on a request (frame protocol).
        unsafe { std::slice::from_raw_parts_mut(self.base.as_ptr(), SHM_SIZE) }
    }

    /// The console RAM and the output frame, borrowed together.
    pub fn parts_mut(&mut self) -> (&mut [u8; RAM_SIZE], &mut [u32; FRAME_PIXELS]) {
        let bytes = self.bytes_mut();
        let (head, frame) = bytes.split_at_mut(FRAME_OFFSET);
        let ram: &mut [u8; RAM_SIZE] = (&mut head[RAM_OFFSET..])
            .try_into()
            .expect("layout: RAM region size");
        // SAFETY: FRAME_OFFSET is page aligned, so the pointer is aligned for u32, and the
        // remaining FRAME_PIXELS * 4 bytes belong to the frame region of this mapping.
        let frame = unsafe { &mut *frame.as_mut_ptr().cast::<[u32; FRAME_PIXELS]>() };
        (ram, frame)
    }

    /// The console RAM.
    pub fn ram_mut(&mut self) -> &mut [u8; RAM_SIZE] {
        self.parts_mut().0
    }

    /// The console RAM, read-only.
    pub fn ram(&self) -> &[u8; RAM_SIZE] {
        // SAFETY: see `bytes_mut`; RAM_OFFSET + RAM_SIZE lies inside the mapping.
        unsafe { &*self.base.as_ptr().add(RAM_OFFSET).cast::<[u8; RAM_SIZE]>() }
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the region mapped in the constructor; no slice of it
        // outlives `self`.
        let _ = unsafe { munmap(self.base.cast(), SHM_SIZE) };
    }
}
