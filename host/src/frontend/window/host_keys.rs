//! The host's keys, which the cart never sees, and what they do: Esc quit, F5 or Ctrl+R
//! restart (R alone once the cart has stopped), F8 screenshot, F9 GIF recording, F1 trace
//! console, F6 mute, F11 or Alt+Enter fullscreen.

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use winit::event_loop::ActiveEventLoop;
use winit::keyboard::KeyCode;
use winit::window::Fullscreen;

use super::super::Wake;
use super::super::headless::write_png;
use super::recording::Recording;
use super::{App, Shown};
use crate::fsutil::next_free;

impl App {
    /// Host keys. Returns whether the key was the host's (the cart does not see it).
    pub(super) fn host_key(&mut self, code: KeyCode, el: &ActiveEventLoop) -> bool {
        let ctrl = self.modifiers.control_key();
        let stopped = matches!(self.shown, Shown::Stopped(..) | Shown::Exited);
        match code {
            KeyCode::Escape => self.quit(el),
            KeyCode::F5 => self.restart(),
            KeyCode::KeyR if ctrl || stopped => self.restart(),
            KeyCode::F8 => self.screenshot(),
            KeyCode::F9 => self.toggle_gif(),
            KeyCode::F1 => self.trace_visible = !self.trace_visible,
            KeyCode::F6 => self.toggle_mute(),
            KeyCode::F11 => self.toggle_fullscreen(),
            KeyCode::Enter if self.modifiers.alt_key() => self.toggle_fullscreen(),
            _ => return false,
        }
        true
    }

    /// Writes the newest cart frame (256x144, without the host's overlays) as PNG, on a
    /// thread of its own: the file is flushed to disk, which can take a while.
    fn screenshot(&mut self) {
        let path = next_free(&self.opts.out_dir, &self.cart_stem(), "png");
        let rgb: Vec<u8> = self
            .frame
            .iter()
            .flat_map(|p| [(p >> 16) as u8, (p >> 8) as u8, *p as u8])
            .collect();
        let proxy = self.proxy.clone();
        let spawned = std::thread::Builder::new()
            .name("cartbox-screenshot".into())
            .spawn(move || {
                let result = write_png(&path, FULL_WIDTH as u32, FULL_HEIGHT as u32, &rgb);
                let _ = proxy.send_event(Wake::Notice(match result {
                    Ok(()) => format!("screenshot: {}", path.display()),
                    Err(e) => format!("{}: cannot write the screenshot: {e}", path.display()),
                }));
            });
        if let Err(e) = spawned {
            self.set_notice(format!("cannot write a screenshot: {e}"));
        }
    }

    fn toggle_gif(&mut self) {
        if let Some(rec) = self.recording.take() {
            rec.stop_later();
            return;
        }
        let path = next_free(&self.opts.out_dir, &self.cart_stem(), "gif");
        match Recording::start(&path, self.opts.gif_scale, self.proxy.clone()) {
            Ok(r) => {
                self.recording = Some(r);
                self.set_notice(format!("recording {} (F9 stops)", path.display()));
            }
            Err(e) => self.set_notice(format!("{}: cannot record: {e}", path.display())),
        }
    }

    fn cart_stem(&self) -> String {
        self.opts
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "cart".into())
    }

    fn toggle_mute(&mut self) {
        if let Some(audio) = &self.audio {
            let muted = !audio.muted();
            audio.set_muted(muted);
            self.set_notice(if muted { "sound off (F6)" } else { "sound on" }.into());
        }
    }

    fn toggle_fullscreen(&self) {
        if let Some(w) = &self.window {
            if w.fullscreen().is_some() {
                w.set_fullscreen(None);
            } else {
                w.set_fullscreen(Some(Fullscreen::Borderless(None)));
            }
        }
    }
}
