//! Binding the console RAM to a cart's linear memory (the one unsafe step of the wasm
//! runtime): TIC-80 carts read and write the RAM as the first 96 KiB of their memory.

use std::ptr::NonNull;

use crate::machine::Machine;

/// Moves `machine`'s RAM into the first 96 KiB of a linear memory at `base` of `size`
/// bytes (copying the RAM in); false if the memory is too small (or `base` is null), and
/// then nothing changed.
///
/// # Safety
///
/// When `base` is not null and `size` is at least the console RAM's size, the machine
/// reads and writes the first `RAM_SIZE` bytes at `base` from then on, until its RAM is
/// moved again or it is dropped. The caller must guarantee that for all that time:
///
/// - `base` points to `size` bytes of readable and writable memory that does not overlap
///   the machine's shared mapping (a cart's linear memory is wasmtime's own allocation);
/// - those bytes stay where they are and stay valid: the memory is neither freed nor moved
///   nor shrunk while the machine may use it (the memory belongs to the store that owns
///   `machine`, and the engine is made with `memory_may_move(false)` and its whole cap
///   reserved, so growing it never moves it);
/// - nothing else accesses those bytes while the machine does: wasm code runs only while no
///   host function is inside the machine, and no slice of the memory (`Memory::data`) is
///   held across a call into the machine (host functions copy cart data out first).
pub(super) unsafe fn bind(machine: &mut Machine, base: *mut u8, size: usize) -> bool {
    if size < cartbox_protocol::ram::RAM_SIZE {
        return false;
    }
    let Some(at) = NonNull::new(base) else {
        return false;
    };
    // SAFETY: `at` is not null and starts at least RAM_SIZE bytes, checked above, which the
    // caller guarantees are readable and writable, outside the shared mapping, valid and
    // unmoving for as long as the machine uses them, and not accessed by anything else
    // while the machine does: `relocate_ram`'s contract.
    unsafe { machine.relocate_ram(at) };
    true
}
