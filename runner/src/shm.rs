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
///
/// The console RAM normally lives in the shared region. A runtime whose carts address RAM
/// as their own memory (WebAssembly: RAM is the start of linear memory) moves it there with
/// [`SharedMemory::relocate_ram`], and then copies it to and from the shared region at the
/// points of the frame protocol where the host looks ([`SharedMemory::publish_ram`],
/// [`SharedMemory::receive_ram`]).
pub struct SharedMemory {
    base: NonNull<u8>,
    /// Where the console RAM is: in the mapping, or relocated.
    ram: NonNull<u8>,
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
        let mem = SharedMemory::with_base(base.cast());
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
        let mut mem = SharedMemory::with_base(base.cast());
        mem.bytes_mut()[..24].copy_from_slice(&shm::header());
        Ok(mem)
    }

    fn with_base(base: NonNull<u8>) -> SharedMemory {
        // SAFETY: RAM_OFFSET lies inside the mapping of SHM_SIZE bytes at `base`.
        let ram = unsafe { base.add(RAM_OFFSET) };
        SharedMemory { base, ram }
    }

    /// Moves the console RAM to `at`, copying the shared region's RAM there.
    ///
    /// # Safety
    /// `at` must point to `RAM_SIZE` readable and writable bytes, not overlapping this
    /// mapping, that stay valid and are reached only through this `SharedMemory` until it
    /// is relocated again, restored, or dropped.
    pub unsafe fn relocate_ram(&mut self, at: NonNull<u8>) {
        let shared = self.shared_ram_ptr();
        if at != self.ram {
            // SAFETY: both regions are RAM_SIZE bytes (the caller's contract for `at`, the
            // mapping for `shared`) and do not overlap.
            unsafe { std::ptr::copy_nonoverlapping(shared, at.as_ptr(), RAM_SIZE) };
        }
        self.ram = at;
    }

    /// Puts the console RAM back in the shared region, with its current contents.
    pub fn restore_ram(&mut self) {
        self.publish_ram();
        self.ram = NonNull::new(self.shared_ram_ptr()).expect("mapping is not null");
    }

    /// Whether the RAM lives somewhere else than the shared region.
    pub fn ram_relocated(&self) -> bool {
        self.ram.as_ptr() != self.shared_ram_ptr()
    }

    /// Copies relocated RAM to the shared region, where the host reads it.
    pub fn publish_ram(&mut self) {
        if self.ram_relocated() {
            // SAFETY: `self.ram` is RAM_SIZE valid bytes (relocate_ram's contract) not
            // overlapping the mapping's RAM region, which is RAM_SIZE bytes of the mapping.
            unsafe {
                std::ptr::copy_nonoverlapping(self.ram.as_ptr(), self.shared_ram_ptr(), RAM_SIZE)
            };
        }
    }

    /// Copies `range` of the shared region's RAM (what the host wrote there: input
    /// registers) into relocated RAM.
    pub fn receive_ram(&mut self, range: std::ops::Range<usize>) {
        if self.ram_relocated() && range.start <= range.end && range.end <= RAM_SIZE {
            // SAFETY: `range` lies within both RAM_SIZE regions, which do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.shared_ram_ptr().add(range.start),
                    self.ram.as_ptr().add(range.start),
                    range.len(),
                )
            };
        }
    }

    /// Writes `bytes` at `at` in the shared region's RAM, as the host does between requests
    /// (input registers, saved persistent memory); for consoles played in-process. Out of
    /// range writes are ignored.
    pub fn write_shared_ram(&mut self, at: usize, bytes: &[u8]) {
        if at
            .checked_add(bytes.len())
            .is_some_and(|end| end <= RAM_SIZE)
        {
            // SAFETY: at..at+len lies within the mapping's RAM region, and `bytes` is a
            // borrowed slice elsewhere; `&mut self` makes this the only writer here.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    bytes.as_ptr(),
                    self.shared_ram_ptr().add(at),
                    bytes.len(),
                )
            };
        }
    }

    /// The start of the mapping (its header page), for the runner's `SIGSYS` handler.
    pub(crate) fn header_ptr(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    fn shared_ram_ptr(&self) -> *mut u8 {
        // SAFETY: RAM_OFFSET lies inside the mapping.
        unsafe { self.base.as_ptr().add(RAM_OFFSET) }
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

    /// Copies what the synthesiser plays for this frame (the sound registers and stereo
    /// bytes of the console RAM) to the header, where the host reads it after the frame
    /// (see [`shm::SOUND_OFFSET`]).
    pub fn publish_sound(&mut self) {
        use cartbox_protocol::ram::{SOUND_REGISTERS, SOUND_REGISTERS_SIZE, STEREO_VOLUME};
        let mut snapshot = [0u8; shm::SOUND_SIZE];
        let ram = self.ram();
        snapshot[..SOUND_REGISTERS_SIZE]
            .copy_from_slice(&ram[SOUND_REGISTERS..SOUND_REGISTERS + SOUND_REGISTERS_SIZE]);
        snapshot[SOUND_REGISTERS_SIZE..].copy_from_slice(
            &ram[STEREO_VOLUME..STEREO_VOLUME + shm::SOUND_SIZE - SOUND_REGISTERS_SIZE],
        );
        self.bytes_mut()[shm::SOUND_OFFSET..shm::SOUND_OFFSET + shm::SOUND_SIZE]
            .copy_from_slice(&snapshot);
    }

    /// The console RAM and the output frame, borrowed together.
    pub fn parts_mut(&mut self) -> (&mut [u8; RAM_SIZE], &mut [u32; FRAME_PIXELS]) {
        // SAFETY: FRAME_OFFSET is page aligned, so the pointer is aligned for u32, and the
        // FRAME_PIXELS * 4 bytes from it are the frame region of this mapping. `&mut self`
        // makes this the only borrow of the mapping in this process, and the host does not
        // touch it while the runner works on a request (frame protocol).
        let frame = unsafe {
            &mut *self
                .base
                .as_ptr()
                .add(FRAME_OFFSET)
                .cast::<[u32; FRAME_PIXELS]>()
        };
        // SAFETY: `self.ram` is RAM_SIZE valid bytes: the mapping's RAM region, which ends
        // before the frame region, or relocated memory outside the mapping (relocate_ram's
        // contract), so it never overlaps `frame`.
        let ram = unsafe { &mut *self.ram.as_ptr().cast::<[u8; RAM_SIZE]>() };
        (ram, frame)
    }

    /// The console RAM.
    pub fn ram_mut(&mut self) -> &mut [u8; RAM_SIZE] {
        self.parts_mut().0
    }

    /// The console RAM, read-only.
    pub fn ram(&self) -> &[u8; RAM_SIZE] {
        // SAFETY: see `parts_mut`.
        unsafe { &*self.ram.as_ptr().cast::<[u8; RAM_SIZE]>() }
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the region mapped in the constructor; no slice of it
        // outlives `self`.
        let _ = unsafe { munmap(self.base.cast(), SHM_SIZE) };
    }
}

#[cfg(test)]
mod relocation_tests {
    use super::*;

    #[test]
    fn relocated_ram_is_copied_in_published_and_received() {
        let mut mem = SharedMemory::anonymous().unwrap();
        mem.ram_mut()[10] = 7;
        let mut elsewhere = vec![0u8; RAM_SIZE];
        let at = NonNull::new(elsewhere.as_mut_ptr()).unwrap();
        // SAFETY: `elsewhere` is RAM_SIZE bytes, outlives `mem`'s use of it (restored
        // below), and is not touched directly until then.
        unsafe { mem.relocate_ram(at) };
        assert!(mem.ram_relocated());
        assert_eq!(mem.ram()[10], 7, "contents moved along");
        mem.ram_mut()[20] = 9;
        mem.parts_mut().1[0] = 0xdead;
        // The shared region does not see it until published.
        assert_eq!(mem.bytes_mut()[RAM_OFFSET + 20], 0);
        mem.publish_ram();
        assert_eq!(mem.bytes_mut()[RAM_OFFSET + 20], 9);
        // What the host writes into the shared region arrives on request, in range only.
        mem.bytes_mut()[RAM_OFFSET + 30] = 5;
        mem.bytes_mut()[RAM_OFFSET + 40] = 6;
        mem.receive_ram(30..31);
        mem.receive_ram(40..RAM_SIZE + 1);
        assert_eq!((mem.ram()[30], mem.ram()[40]), (5, 0));
        mem.ram_mut()[50] = 1;
        mem.restore_ram();
        assert!(!mem.ram_relocated());
        assert_eq!((mem.ram()[20], mem.ram()[50]), (9, 1));
        drop(mem);
        assert_eq!(elsewhere[50], 1);
    }
}
