//! The picture the window presents: the cart's frame with what the host draws over it
//! (the cart's cursor sprite, the stopped and exited panels, the not-responding bar, the
//! trace console, notices, the recording dot), and the panels' text.

use std::time::Instant;

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};

use super::super::overlay::{self, COLUMNS, Canvas, colour};
use super::cursor::draw_cursor;
use super::{App, NOT_RESPONDING_AFTER, Shown};
use crate::supervisor::Status;

impl App {
    /// The presented picture: the cart's frame plus whatever the host shows over it.
    pub(super) fn compose(&mut self) {
        self.composed.copy_from_slice(&self.frame[..]);
        let running = matches!(self.shown, Shown::Running | Shown::Starting);
        if running
            && self.mouse.inside
            && self.cursor & 0x80 == 0
            && self.cursor != 0
            && let Some(info) = &self.info
        {
            draw_cursor(
                &mut self.composed,
                info,
                self.cursor,
                self.mouse.x,
                self.mouse.y,
            );
        }
        let settings = self.menu_settings();
        let mut c = Canvas(&mut self.composed);
        match &self.shown {
            Shown::Stopped(_, lines) => overlay::panel(&mut c, 16, lines),
            Shown::Exited => overlay::panel(
                &mut c,
                16,
                &[
                    ("THE CART CALLED EXIT()".into(), colour::WARN),
                    ("R: restart, Esc: menu".into(), colour::WARN),
                ],
            ),
            Shown::Starting | Shown::Running => {
                if let Status::Busy {
                    since,
                    kill_in,
                    doing,
                } = self.supervisor.status()
                    && since >= NOT_RESPONDING_AFTER
                {
                    overlay::not_responding(&mut c, doing, since.as_millis(), kill_in.as_millis());
                }
            }
        }
        if let Some(menu) = &self.menu {
            menu.draw(&mut c, &settings);
        }
        if self.trace_visible {
            let lines: Vec<(String, u32)> = std::iter::once(("TRACE (F1)".into(), colour::WARN))
                .chain(self.trace.iter().map(|l| (l.clone(), colour::TEXT)))
                .collect();
            let y = FULL_HEIGHT - (lines.len() * overlay::LINE + 6);
            overlay::panel(&mut c, y, &lines);
        }
        if let Some((text, until)) = &self.notice {
            if Instant::now() < *until {
                // Wrapped: a long path must not run off the window.
                overlay::notice(&mut c, text, 3);
            } else {
                self.notice = None;
            }
        }
        if self.recording.is_some() {
            // A red dot in the corner while recording (not in the GIF itself).
            c.fill(FULL_WIDTH - 6, 2, 4, 4, colour::ERROR);
        }
    }
}

/// The panel for a stopped cart: what stopped it, its report (the reason brighter than
/// the traceback), and what to press.
pub(super) fn stopped_panel(report: &[String], runner_killed: bool) -> Vec<(String, u32)> {
    let heading = if runner_killed {
        "THE CART WAS STOPPED"
    } else {
        "THE CART FAILED"
    };
    let mut lines = vec![(heading.to_owned(), colour::ERROR)];
    for (i, line) in report.iter().enumerate() {
        let c = if i == 0 { colour::TEXT } else { colour::DIM };
        lines.extend(overlay::wrap(line, COLUMNS).into_iter().map(|l| (l, c)));
    }
    lines.push((String::new(), colour::TEXT));
    lines.push(("R: restart, Esc: menu".to_owned(), colour::WARN));
    lines
}

/// The panel for a watched cart file that does not load.
pub(super) fn load_error_panel(error: &str) -> Vec<(String, u32)> {
    vec![
        ("THE CART DOES NOT LOAD".to_owned(), colour::ERROR),
        (String::new(), colour::TEXT),
    ]
    .into_iter()
    .chain(
        overlay::wrap(error, COLUMNS)
            .into_iter()
            .map(|l| (l, colour::TEXT)),
    )
    .collect()
}
