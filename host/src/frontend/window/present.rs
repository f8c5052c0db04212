//! Putting a finished picture (0x00RRGGBB pixels) in the window.
//!
//! On X11 we talk to the display ourselves, over a second connection of our own (x11rb,
//! pure Rust): the picture goes through a MIT-SHM segment (a sealed memfd the server maps)
//! where the server offers it, else in `PutImage` requests. Softbuffer presents on Wayland.
//! Softbuffer's X11 backend is not built: it pulls in `tiny-xlib`, whose static constructor
//! loads libX11 and six more libraries at the start of every process that runs our binary,
//! the zygote and every runner included (about 0.4 ms each, and libraries a sandboxed
//! runner has no use for).

use std::num::NonZeroU32;
use std::rc::Rc;

use winit::raw_window_handle::{HasWindowHandle, RawWindowHandle};
use winit::window::Window;
use x11rb::connection::{Connection, RequestConnection};
use x11rb::cookie::Cookie;
use x11rb::protocol::shm::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{
    self, ConnectionExt as _, CreateGCAux, GetInputFocusReply, ImageFormat, ImageOrder,
};
use x11rb::rust_connection::RustConnection;

use crate::sys::SharedMapping;

/// Where pictures go.
pub enum Presenter {
    /// An X11 window, through our own connection.
    X11(Box<X11>),
    /// Anything else winit opens (Wayland), through softbuffer.
    Soft(softbuffer::Surface<Rc<Window>, Rc<Window>>),
}

impl std::fmt::Debug for Presenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Presenter::X11(_) => "Presenter::X11",
            Presenter::Soft(_) => "Presenter::Soft",
        })
    }
}

impl Presenter {
    /// A presenter for `window`, or why there can be none.
    pub fn new(window: &Rc<Window>) -> Result<Presenter, String> {
        let handle = window.window_handle().map_err(|e| e.to_string())?;
        let x11_window = match handle.as_raw() {
            RawWindowHandle::Xlib(h) => u32::try_from(h.window).ok(),
            RawWindowHandle::Xcb(h) => Some(h.window.get()),
            _ => None,
        };
        match x11_window {
            Some(id) => X11::new(id).map(|x| Presenter::X11(Box::new(x))),
            None => softbuffer::Context::new(window.clone())
                .and_then(|c| softbuffer::Surface::new(&c, window.clone()))
                .map(Presenter::Soft)
                .map_err(|e| e.to_string()),
        }
    }

    /// Shows a `width` x `height` picture that `draw` paints into a buffer of that many
    /// pixels (whose previous contents are unspecified). False if it could not be shown.
    pub fn present(
        &mut self,
        window: &Window,
        width: NonZeroU32,
        height: NonZeroU32,
        draw: impl FnOnce(&mut [u32]),
    ) -> bool {
        match self {
            Presenter::X11(x) => x.present(window, width.get(), height.get(), draw),
            Presenter::Soft(surface) => {
                if surface.resize(width, height).is_err() {
                    return false;
                }
                let Ok(mut buffer) = surface.buffer_mut() else {
                    return false;
                };
                draw(&mut buffer);
                window.pre_present_notify();
                buffer.present().is_ok()
            }
        }
    }
}

/// Our own connection to the X server, drawing into winit's window.
pub struct X11 {
    conn: RustConnection,
    window: xproto::Window,
    gc: xproto::Gcontext,
    depth: u8,
    /// The picture as drawn, before it goes to the server.
    pixels: Vec<u32>,
    /// The shared segment, while the server takes pictures that way.
    shm: Option<Segment>,
    /// Whether to try MIT-SHM (the server has version 1.2, and no attach failed).
    shm_usable: bool,
}

/// A MIT-SHM segment the server has attached.
struct Segment {
    id: shm::Seg,
    memory: SharedMapping,
    /// Its size in pixels.
    pixels: usize,
    /// A request sent after the last `ShmPutImage`: once answered, the server has read the
    /// segment and it may be written again.
    fence: Option<x11rb::connection::SequenceNumber>,
}

impl X11 {
    fn new(window: xproto::Window) -> Result<X11, String> {
        let err = |what: &str, e: &dyn std::fmt::Display| format!("X11 display: {what}: {e}");
        let (conn, _screen) = RustConnection::connect(None).map_err(|e| err("connect", &e))?;
        let geometry = conn
            .get_geometry(window)
            .map_err(|e| err("get_geometry", &e))?
            .reply()
            .map_err(|e| err("get_geometry", &e))?;
        let attributes = conn
            .get_window_attributes(window)
            .map_err(|e| err("get_window_attributes", &e))?
            .reply()
            .map_err(|e| err("get_window_attributes", &e))?;
        let setup = conn.setup();
        // Our pixels are 0x00RRGGBB words in memory: the server must read 32 bits per pixel,
        // least significant byte first, with those masks.
        let bits = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == geometry.depth)
            .map(|f| f.bits_per_pixel);
        let visual = setup
            .roots
            .iter()
            .flat_map(|s| &s.allowed_depths)
            .flat_map(|d| &d.visuals)
            .find(|v| v.visual_id == attributes.visual);
        let masks = visual.map(|v| (v.red_mask, v.green_mask, v.blue_mask));
        if bits != Some(32)
            || setup.image_byte_order != ImageOrder::LSB_FIRST
            || masks != Some((0xff_0000, 0xff00, 0xff))
        {
            return Err(format!(
                "X11 display: unsupported pixel format (depth {}, {:?} bits per pixel)",
                geometry.depth, bits
            ));
        }
        let gc = conn.generate_id().map_err(|e| err("generate_id", &e))?;
        conn.create_gc(gc, window, &CreateGCAux::new().graphics_exposures(0))
            .map_err(|e| err("create_gc", &e))?;
        let shm_usable = conn
            .shm_query_version()
            .ok()
            .and_then(|c| c.reply().ok())
            .is_some_and(|v| (v.major_version, v.minor_version) >= (1, 2));
        Ok(X11 {
            conn,
            window,
            gc,
            depth: geometry.depth,
            pixels: Vec::new(),
            shm: None,
            shm_usable,
        })
    }

    fn present(
        &mut self,
        window: &Window,
        width: u32,
        height: u32,
        draw: impl FnOnce(&mut [u32]),
    ) -> bool {
        // X11 sizes are 16-bit.
        let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
            return false;
        };
        let n = usize::from(w) * usize::from(h);
        self.pixels.resize(n, 0);
        draw(&mut self.pixels);
        // Errors of requests without replies (a window already gone) arrive as events: read
        // them so they do not pile up.
        while let Ok(Some(_)) = self.conn.poll_for_event() {}
        window.pre_present_notify();
        let shown = if self.shm_usable {
            match self.put_shared(w, h) {
                Ok(()) => true,
                Err(_) => {
                    // The server cannot map our memory (a remote display): plain requests.
                    self.drop_segment();
                    self.shm_usable = false;
                    self.put_plain(w, h).is_ok()
                }
            }
        } else {
            self.put_plain(w, h).is_ok()
        };
        shown && self.conn.flush().is_ok()
    }

    /// Sends the picture through the shared segment (made, or made larger, as needed).
    fn put_shared(&mut self, w: u16, h: u16) -> Result<(), String> {
        let n = self.pixels.len();
        if self.shm.as_ref().is_none_or(|s| s.pixels < n) {
            self.drop_segment();
            let memory = SharedMapping::create(c"cartbox-x11", n * 4).map_err(|e| e.to_string())?;
            let fd = memory
                .fd()
                .try_clone_to_owned()
                .map_err(|e| e.to_string())?;
            let id = self.conn.generate_id().map_err(|e| e.to_string())?;
            self.conn
                .shm_attach_fd(id, fd, true)
                .map_err(|e| e.to_string())?
                .check()
                .map_err(|e| e.to_string())?;
            self.shm = Some(Segment {
                id,
                memory,
                pixels: n,
                fence: None,
            });
        }
        let Some(seg) = self.shm.as_mut() else {
            return Err("no segment".into());
        };
        if let Some(fence) = seg.fence.take() {
            wait_for(&self.conn, fence)?;
        }
        seg.memory.write_u32(0, &self.pixels);
        self.conn
            .shm_put_image(
                self.window,
                self.gc,
                w,
                h,
                0,
                0,
                w,
                h,
                0,
                0,
                self.depth,
                ImageFormat::Z_PIXMAP.into(),
                false,
                seg.id,
                0,
            )
            .map_err(|e| e.to_string())?;
        let fence = self.conn.get_input_focus().map_err(|e| e.to_string())?;
        seg.fence = Some(fence.sequence_number());
        // The reply is read before the segment is written again (above).
        std::mem::forget(fence);
        Ok(())
    }

    /// Sends the picture in `PutImage` requests of as many rows as one request may carry.
    fn put_plain(&mut self, w: u16, h: u16) -> Result<(), String> {
        const HEADER: usize = 24;
        let row_bytes = usize::from(w) * 4;
        let rows = (self.conn.maximum_request_bytes().saturating_sub(HEADER) / row_bytes)
            .min(usize::from(h));
        if rows == 0 {
            return Err("a row does not fit in one request".into());
        }
        let mut bytes = Vec::with_capacity(rows * row_bytes);
        for (i, chunk) in self.pixels.chunks(rows * usize::from(w)).enumerate() {
            bytes.clear();
            bytes.extend(chunk.iter().flat_map(|p| p.to_le_bytes()));
            let y = (i * rows) as i16;
            let chunk_rows = (chunk.len() / usize::from(w)) as u16;
            self.conn
                .put_image(
                    ImageFormat::Z_PIXMAP,
                    self.window,
                    self.gc,
                    w,
                    chunk_rows,
                    0,
                    y,
                    0,
                    self.depth,
                    &bytes,
                )
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn drop_segment(&mut self) {
        if let Some(seg) = self.shm.take() {
            // The server may still be reading it: wait, then let it go.
            if let Some(fence) = seg.fence {
                let _ = wait_for(&self.conn, fence);
            }
            let _ = self.conn.shm_detach(seg.id);
        }
    }
}

/// Waits for the answer to the request `fence` (a `GetInputFocus` sent after a
/// `ShmPutImage`): the server has then read the segment.
fn wait_for(conn: &RustConnection, fence: x11rb::connection::SequenceNumber) -> Result<(), String> {
    Cookie::<_, GetInputFocusReply>::new(conn, fence)
        .reply()
        .map(drop)
        .map_err(|e| e.to_string())
}

impl Drop for X11 {
    fn drop(&mut self) {
        self.drop_segment();
        let _ = self.conn.free_gc(self.gc);
        let _ = self.conn.flush();
    }
}
