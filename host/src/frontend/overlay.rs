//! What the host draws over a cart's picture: the "not responding" countdown, the reason
//! a cart stopped, the trace console. Drawn into the 256x144 output with the console's own
//! font, so it scales with the picture like everything else.

use crate::supervisor::Doing;
use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use cartbox_protocol::shm::FRAME_PIXELS;

/// Width of a character cell in pixels.
pub const CELL: usize = 6;
/// Height of a text line in pixels.
pub const LINE: usize = 8;
/// Characters that fit on a line with a 4-pixel margin each side.
pub const COLUMNS: usize = (FULL_WIDTH - 8) / CELL;

/// Colours (0x00RRGGBB) from the SWEETIE-16 palette.
pub mod colour {
    /// Panel background.
    pub const PANEL: u32 = 0x1a1c2c;
    /// Plain text.
    pub const TEXT: u32 = 0xf4f4f4;
    /// Headings of errors.
    pub const ERROR: u32 = 0xb13e53;
    /// Warnings and the countdown.
    pub const WARN: u32 = 0xffcd75;
    /// Less important text.
    pub const DIM: u32 = 0x94b0c2;
    /// The chosen line of a menu.
    pub const SELECTED: u32 = 0x333c57;
}

/// A 256x144 picture to draw on.
pub struct Canvas<'a>(pub &'a mut [u32; FRAME_PIXELS]);

impl Canvas<'_> {
    fn surface(&mut self) -> Surface<'_> {
        Surface {
            px: &mut self.0[..],
            width: FULL_WIDTH,
            height: FULL_HEIGHT,
        }
    }

    /// Fills a rectangle (clipped).
    pub fn fill(&mut self, x: usize, y: usize, w: usize, h: usize, c: u32) {
        self.surface().fill(x, y, w, h, c);
    }

    /// Darkens a rectangle so text over a frame stays readable and the frame still shows.
    pub fn dim(&mut self, x: usize, y: usize, w: usize, h: usize) {
        self.surface().dim(x, y, w, h);
    }

    /// Draws text with the console's font; characters outside ASCII show as '?'. Returns
    /// the x after the text.
    pub fn text(&mut self, x: usize, y: usize, text: &str, c: u32) -> usize {
        self.surface().text(x, y, text, c)
    }
}

/// A picture of any size to draw on (rows of `width` pixels, 0x00RRGGBB).
pub struct Surface<'a> {
    /// The pixels, at least `width * height`.
    pub px: &'a mut [u32],
    pub width: usize,
    pub height: usize,
}

impl Surface<'_> {
    /// Fills a rectangle (clipped).
    pub fn fill(&mut self, x: usize, y: usize, w: usize, h: usize, c: u32) {
        for row in y..(y + h).min(self.height) {
            for col in x..(x + w).min(self.width) {
                self.px[row * self.width + col] = c;
            }
        }
    }

    /// Darkens a rectangle so text over a frame stays readable and the frame still shows.
    pub fn dim(&mut self, x: usize, y: usize, w: usize, h: usize) {
        for row in y..(y + h).min(self.height) {
            for col in x..(x + w).min(self.width) {
                let p = &mut self.px[row * self.width + col];
                *p = (*p >> 2) & 0x3f3f3f;
            }
        }
    }

    /// Draws text with the console's font; characters outside ASCII show as '?'. Returns
    /// the x after the text.
    pub fn text(&mut self, x: usize, y: usize, text: &str, c: u32) -> usize {
        let font = cartbox_protocol::font::regular();
        let mut x = x;
        for ch in text.chars() {
            let code = if ch.is_ascii() && !ch.is_ascii_control() {
                ch as usize
            } else {
                '?' as usize
            };
            for (r, bits) in font[code * 8..code * 8 + 8].iter().enumerate() {
                for col in 0..8 {
                    let (px, py) = (x + col, y + r);
                    if bits >> col & 1 == 1 && px < self.width && py < self.height {
                        self.px[py * self.width + px] = c;
                    }
                }
            }
            x += CELL;
        }
        x
    }
}

/// Splits text into lines of at most `width` characters, at spaces where possible.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split(' ') {
            let mut word = word.to_owned();
            while word.chars().count() > width {
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                let rest = word.split_off(word.char_indices().nth(width).map_or(0, |(i, _)| i));
                out.push(std::mem::replace(&mut word, rest));
            }
            let need = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if need > width && !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        out.push(line);
    }
    out
}

/// A block of lines in a panel: `(text, colour)`. Lines that do not fit are cut, and
/// the last shown line says so.
pub fn panel(canvas: &mut Canvas, y: usize, lines: &[(String, u32)]) {
    let max = (FULL_HEIGHT - y - 4) / LINE;
    let shown = lines.len().min(max);
    let h = shown * LINE + 6;
    canvas.dim(0, y, FULL_WIDTH, h);
    for (i, (text, c)) in lines.iter().take(shown).enumerate() {
        let text = if i + 1 == shown && shown < lines.len() {
            "..."
        } else {
            text.as_str()
        };
        canvas.text(4, y + 4 + i * LINE, text, *c);
    }
}

/// A notice at the bottom, wrapped to the width of the output (at most `max_lines`
/// lines; a text cut short ends with "...").
pub fn notice(canvas: &mut Canvas, text: &str, max_lines: usize) {
    let lines = wrap_at_most(text, COLUMNS, max_lines);
    let h = lines.len() * LINE + 4;
    let y = FULL_HEIGHT - h;
    canvas.fill(0, y, FULL_WIDTH, h, colour::PANEL);
    for (i, line) in lines.iter().enumerate() {
        canvas.text(4, y + 2 + i * LINE, line, colour::TEXT);
    }
}

/// `text` wrapped to lines of at most `width` characters ([`wrap`]), at most `max_lines`
/// of them (at least one); when it does not all fit, the last line ends with "...".
pub fn wrap_at_most(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines = wrap(text, width);
    if lines.is_empty() {
        lines.push(String::new());
    }
    let max_lines = max_lines.max(1);
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let keep: String = last.chars().take(width.saturating_sub(3)).collect();
            *last = format!("{keep}...");
        }
    }
    lines
}

/// The bar at the top while the runner is busy: what it is doing ("NOT RESPONDING" in the
/// warning colour for a frame; "LOADING" or "COMPILING" in a calm one, as that is not a
/// fault yet), how long it has been at it and when it is killed.
pub fn not_responding(canvas: &mut Canvas, doing: Doing, since_ms: u128, kill_in_ms: u128) {
    canvas.fill(0, 0, FULL_WIDTH, LINE + 4, colour::PANEL);
    let (label, tint) = match doing {
        Doing::Frame => ("NOT RESPONDING ", colour::WARN),
        Doing::Loading => ("LOADING ", colour::DIM),
        Doing::Compiling => ("COMPILING ", colour::DIM),
    };
    let x = canvas.text(4, 3, label, tint);
    canvas.text(
        x,
        3,
        &format!(
            "{}.{}s, killed in {}.{}s",
            since_ms / 1000,
            since_ms % 1000 / 100,
            kill_in_ms / 1000,
            kill_in_ms % 1000 / 100
        ),
        colour::TEXT,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_fit_the_output() {
        let long = format!(
            "recording /{}/cart-1.gif (F9 stops)",
            "very-long-folder".repeat(8)
        );
        let lines = wrap_at_most(&long, COLUMNS, 3);
        assert_eq!(lines.len(), 3);
        assert!(
            lines.iter().all(|l| l.chars().count() <= COLUMNS),
            "{lines:?}"
        );
        assert!(lines[2].ends_with("..."), "{lines:?}");
        assert_eq!(
            wrap_at_most("sound off (F6)", COLUMNS, 3),
            ["sound off (F6)"]
        );
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("a\nb", 3), ["a", "b"]);
        assert!(wrap("", 3).is_empty());
    }

    #[test]
    fn text_is_drawn_and_clipped() {
        let mut px = Box::new([0u32; FRAME_PIXELS]);
        let mut c = Canvas(&mut px);
        let end = c.text(250, 140, "AB", 7);
        assert_eq!(end, 262);
        let x = c.text(0, 0, "A", 0xff);
        assert_eq!(x, CELL);
        assert!(px[..FULL_WIDTH * 8].contains(&0xff));
        assert!(px[FULL_WIDTH * 8..FULL_WIDTH * 140].iter().all(|p| *p == 0));
    }
}
