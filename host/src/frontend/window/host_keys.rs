//! The host's keys, which the cart never sees, and what they do: Esc the game menu (every
//! key goes to the menu while it is open), F5 or Ctrl+R restart (R alone once the cart has
//! stopped), F7 the screen as the cart's cover (written as a PNG cart beside the
//! screenshots), F8 screenshot, F9 GIF recording, F1 trace console, F6 mute, F11 or
//! Alt+Enter fullscreen.

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use winit::event_loop::ActiveEventLoop;
use winit::keyboard::KeyCode;
use winit::window::Fullscreen;

use super::super::Wake;
use super::super::headless::write_png;
use super::menu::{Action, Menu, Nav, Settings};
use super::recording::Recording;
use super::{App, Shown};
use crate::fsutil::{next_free, write_atomically};
use cartbox_protocol::message::ExportFormat;

impl App {
    /// Host keys. Returns whether the key was the host's (the cart does not see it).
    pub(super) fn host_key(&mut self, code: KeyCode, el: &ActiveEventLoop) -> bool {
        let ctrl = self.modifiers.control_key();
        let stopped = matches!(self.shown, Shown::Stopped(..) | Shown::Exited);
        if self.menu.is_some() {
            let nav = match code {
                KeyCode::ArrowUp => Some(Nav::Up),
                KeyCode::ArrowDown => Some(Nav::Down),
                KeyCode::ArrowLeft => Some(Nav::Left),
                KeyCode::ArrowRight => Some(Nav::Right),
                KeyCode::Enter | KeyCode::NumpadEnter | KeyCode::Space | KeyCode::KeyZ => {
                    Some(Nav::Pick)
                }
                KeyCode::Escape | KeyCode::Backspace | KeyCode::KeyX => Some(Nav::Back),
                _ => None,
            };
            match nav {
                Some(nav) => self.menu_nav(nav, el),
                // The other host keys still work (a screenshot of the menu, fullscreen).
                None if !matches!(code, KeyCode::F5 | KeyCode::KeyR) => {
                    return self.host_key_anyway(code);
                }
                None => {}
            }
            // The cart is paused: it sees no key.
            return true;
        }
        match code {
            KeyCode::Escape => self.open_menu(),
            KeyCode::F5 => self.restart(),
            KeyCode::KeyR if ctrl || stopped => self.restart(),
            KeyCode::F7 => self.supervisor.take_cover(),
            _ => return self.host_key_anyway(code),
        }
        true
    }

    /// The host keys that work with the menu open or not.
    fn host_key_anyway(&mut self, code: KeyCode) -> bool {
        match code {
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

    /// Pauses the cart and opens the game menu.
    pub(super) fn open_menu(&mut self) {
        if self.menu.is_some() {
            return;
        }
        self.supervisor.pause(true);
        // Keys held now are let go: the cart must not find one stuck down on resuming.
        self.supervisor.release_keys();
        let items = self.info.as_ref().map_or(&[][..], |i| &i.menu[..]);
        self.menu = Some(Menu::new(items, self.audio.is_some()));
        self.menu_pad = self.gamepad_bytes;
    }

    /// Closes the game menu (if open) and lets the cart go on.
    pub(super) fn close_menu(&mut self) {
        if self.menu.take().is_some() {
            self.supervisor.pause(false);
        }
    }

    /// The settings the menu shows.
    pub(super) fn menu_settings(&self) -> Settings {
        Settings {
            sound: self.audio.is_some(),
            muted: self.audio.as_ref().is_some_and(|a| a.muted()),
            volume: self.audio.as_ref().map_or(15, |a| a.volume()),
            fullscreen: self
                .window
                .as_ref()
                .is_some_and(|w| w.fullscreen().is_some()),
        }
    }

    /// A move in the open menu, and what it leads to.
    pub(super) fn menu_nav(&mut self, nav: Nav, el: &ActiveEventLoop) {
        let settings = self.menu_settings();
        let Some(action) = self.menu.as_mut().and_then(|m| m.nav(nav, &settings)) else {
            return;
        };
        match action {
            Action::Resume => self.close_menu(),
            Action::CartItem(i) => {
                self.close_menu();
                self.supervisor.menu(i);
            }
            Action::Restart => self.restart(),
            Action::Mute(on) => {
                if let Some(a) = &self.audio {
                    a.set_muted(on);
                }
            }
            Action::Volume(v) => {
                if let Some(a) = &self.audio {
                    a.set_volume(v);
                }
            }
            Action::Fullscreen(on) => {
                if let Some(w) = &self.window {
                    w.set_fullscreen(on.then_some(Fullscreen::Borderless(None)));
                }
            }
            Action::Quit => self.quit(el),
        }
    }

    /// The game menu from the gamepads: Start or Select opens it; in it, the d-pad chooses,
    /// A picks, B (or Start, Select) resumes. Buttons act as they go down.
    pub(super) fn menu_pads(&mut self, menu_button: bool, el: &ActiveEventLoop) {
        let was = std::mem::replace(&mut self.menu_pad, self.gamepad_bytes);
        let went_down = self
            .gamepad_bytes
            .iter()
            .zip(was)
            .fold(0u8, |acc, (now, before)| acc | (now & !before));
        let menu_pressed = menu_button && !std::mem::replace(&mut self.menu_button, true);
        if !menu_button {
            self.menu_button = false;
        }
        if self.menu.is_none() {
            if menu_pressed {
                self.open_menu();
            }
            return;
        }
        if menu_pressed {
            self.menu_nav(Nav::Back, el);
            return;
        }
        // Bits: up, down, left, right, A, B (TIC-80's order).
        for (bit, nav) in [
            (0, Nav::Up),
            (1, Nav::Down),
            (2, Nav::Left),
            (3, Nav::Right),
            (4, Nav::Pick),
            (5, Nav::Back),
        ] {
            if went_down >> bit & 1 == 1 && self.menu.is_some() {
                self.menu_nav(nav, el);
            }
        }
    }

    /// TIC-80's F7 sets the cart's cover to the screen; Cartbox never writes the cart it
    /// plays, so it writes the cart with that cover as a new PNG cart
    /// (`<out_dir>/<stem>-cart-N.png`), ready to share. On a thread of its own: a fresh
    /// runner parses and writes the cart.
    pub(super) fn write_cover_cart(&mut self, screen: Vec<u8>) {
        let path = next_free(
            &self.opts.out_dir,
            &format!("{}-cart", self.cart_stem()),
            "png",
        );
        let (config, cart, proxy) = (
            self.opts.config.clone(),
            self.opts.cart.clone(),
            self.proxy.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("cartbox-cover".into())
            .spawn(move || {
                let written = crate::console::Console::new(config)
                    .map_err(|e| e.to_string())
                    .and_then(|mut console| {
                        console
                            .export(&cart, ExportFormat::Png, Some(screen))
                            .map_err(|stop| stop.describe(&cart.name))
                    })
                    .and_then(|bytes| write_atomically(&path, &bytes).map_err(|e| e.to_string()));
                let _ = proxy.send_event(Wake::Notice(match written {
                    Ok(()) => format!("cover set: {} (the cart with it, as PNG)", path.display()),
                    Err(e) => format!(
                        "{}: cannot write the cart with its cover: {e}",
                        path.display()
                    ),
                }));
            });
        if let Err(e) = spawned {
            self.set_notice(format!("cannot write the cart with its cover: {e}"));
        }
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
