//! One frame as TIC-80 runs it, for every runtime: `TIC`, then `OVR` over VRAM bank 1,
//! then the blit, row by row with `BDR` (every row of the 144-row output) and `SCN`
//! (legacy; `scanline` is its older name) interleaved. A runtime says which callbacks its
//! cart defines and how to call one; this is the only copy of the sequence.

use cartbox_protocol::ram;

use super::stop::{self, Callback};
use crate::machine::Machine;

/// The callbacks of one frame a cart may define.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameCallback {
    /// `TIC()`.
    Tic,
    /// `OVR()`.
    Ovr,
    /// `BDR(row)`.
    Bdr,
    /// `SCN(row)`.
    Scn,
    /// `scanline(row)`, SCN's old name (Lua carts only).
    Scanline,
}

impl FrameCallback {
    /// What the soft stop names while it runs.
    fn stop_name(self) -> Callback {
        match self {
            FrameCallback::Tic => Callback::Tic,
            FrameCallback::Ovr => Callback::Ovr,
            FrameCallback::Bdr => Callback::Bdr,
            FrameCallback::Scn | FrameCallback::Scanline => Callback::Scn,
        }
    }
}

/// A runtime, as the frame driver sees it.
pub(crate) trait Runtime {
    /// Why a callback failed.
    type Fault;

    /// The console.
    fn machine(&mut self) -> &mut Machine;

    /// Which callbacks the cart defines now, looked up once a frame (a cart may define
    /// them as it goes). A cart without `TIC` fails with [`Runtime::no_tic`].
    fn defined(&mut self) -> Result<Defined, Self::Fault>;

    /// Calls `callback`, with the row for `BDR`, `SCN` and `scanline`.
    fn call(&mut self, callback: FrameCallback, row: Option<i32>) -> Result<(), Self::Fault>;

    /// The fault of a cart that defines no `TIC`.
    fn no_tic(&mut self) -> Self::Fault;
}

/// The frame callbacks a cart defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Defined {
    /// `TIC`.
    pub tic: bool,
    /// `OVR`.
    pub ovr: bool,
    /// `BDR`.
    pub bdr: bool,
    /// `SCN`.
    pub scn: bool,
    /// `scanline`.
    pub scanline: bool,
}

/// Runs one frame of `rt` after `begin_frame`: TIC, OVR, the frame's end, and the blit
/// with the row callbacks. With `pixels` false the row callbacks still run but no pixels
/// are converted (unless the cart called `exit()`, whose frame is always blitted).
pub(crate) fn run<R: Runtime>(rt: &mut R, pixels: bool) -> Result<(), R::Fault> {
    let defined = rt.defined()?;
    if !defined.tic {
        return Err(rt.no_tic());
    }
    call(rt, FrameCallback::Tic, None)?;
    if defined.ovr {
        // OVR draws over VRAM bank 1, cleared to colour 0; the cursor byte is the cart's
        // bank-0 one.
        let m = rt.machine();
        let prev = m.current_vbank();
        let cursor = m.ram()[ram::MOUSE_CURSOR];
        m.vbank(1);
        m.ram()[ram::MOUSE_CURSOR] = cursor;
        m.cls(0);
        let r = call(rt, FrameCallback::Ovr, None);
        rt.machine().vbank(i32::from(prev));
        r?;
    }
    rt.machine().end_frame();
    let pixels = pixels || rt.machine().exit_requested();
    // In the frame that calls reset() the row callbacks do not run.
    let rows = !rt.machine().reset_requested() && (defined.bdr || defined.scn || defined.scanline);
    if !rows {
        if pixels {
            rt.machine().blit();
        }
        return Ok(());
    }
    for row in 0..ram::FULL_HEIGHT {
        if defined.bdr {
            call(rt, FrameCallback::Bdr, Some(row as i32))?;
        }
        let scn_row = match row {
            0 => Some(0),
            5..=139 => Some(row as i32 - 4),
            _ => None,
        };
        if let Some(r) = scn_row {
            if defined.scn {
                call(rt, FrameCallback::Scn, Some(r))?;
            }
            if defined.scanline {
                call(rt, FrameCallback::Scanline, Some(r))?;
            }
        }
        if pixels {
            rt.machine().blit_row(row);
        }
    }
    Ok(())
}

/// Calls one callback with the soft stop naming it.
fn call<R: Runtime>(rt: &mut R, cb: FrameCallback, row: Option<i32>) -> Result<(), R::Fault> {
    stop::set_callback(cb.stop_name());
    rt.call(cb, row)
}
