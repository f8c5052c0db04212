//! `cartbox browse DIR`: a folder of carts as a grid of live tiles, each cart in its own
//! runner. This module is what the grid is, without a window: its entries (subfolders
//! and carts), which are visible, the picture of the grid (tiles at half size with their
//! titles, a stopped cart's reason in its tile) and the headless mode that draws it once
//! (`--headless --frames N --screenshot`). The window (`frontend::browse_window`) runs a
//! [`crate::supervisor::Supervisor`] per visible tile at a reduced rate.

use std::path::{Path, PathBuf};

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};
use cartbox_protocol::shm::FRAME_PIXELS;

use crate::frontend::overlay::{self, CELL, LINE, Surface, colour};

/// Tiles across and down the grid.
pub const COLUMNS: usize = 4;
/// Rows of tiles visible at once.
pub const ROWS: usize = 4;
/// A tile's picture: the frame (with its border) at half size.
pub const TILE_W: usize = FULL_WIDTH / 2;
pub const TILE_H: usize = FULL_HEIGHT / 2;
/// Space between tiles, and around the grid.
pub const GAP: usize = 6;
/// The title line under a tile.
pub const LABEL: usize = LINE + 2;
/// The heading above the grid.
pub const HEADER: usize = LINE + 6;
/// One tile with its title and the gap after it.
pub const CELL_W: usize = TILE_W + GAP;
pub const CELL_H: usize = TILE_H + LABEL + GAP;
/// The grid's picture.
pub const WIDTH: usize = COLUMNS * CELL_W + GAP;
pub const HEIGHT: usize = HEADER + ROWS * CELL_H + GAP;

/// Extensions of the carts a grid shows (what Cartbox plays, and TIC-80's other
/// languages, which show why they do not play).
const CART_EXTENSIONS: &[&str] = &[
    "lua", "js", "tic", "png", "wasmp", "wasm", "wat", "moon", "fnl", "py", "rb", "wren", "nut",
    "janet", "scm", "yue",
];

/// Most entries one folder shows.
pub const MAX_ENTRIES: usize = 10_000;

/// One tile of the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// The folder above (Backspace goes there too).
    Up(PathBuf),
    /// A subfolder.
    Folder(PathBuf),
    /// A cart file.
    Cart(PathBuf),
}

impl Entry {
    /// The path it opens or plays.
    pub fn path(&self) -> &Path {
        match self {
            Entry::Up(p) | Entry::Folder(p) | Entry::Cart(p) => p,
        }
    }

    /// Its name under its tile.
    pub fn label(&self) -> String {
        match self {
            Entry::Up(_) => "..".into(),
            Entry::Folder(p) => format!("{}/", name(p)),
            Entry::Cart(p) => name(p),
        }
    }
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The entries of `dir`, folders first, then carts, each sorted by name; `..` first
/// unless `dir` is `root`. A `.wasm` or `.wat` beside a `.wasmp` is part of it, not an
/// entry.
pub fn entries(dir: &Path, root: &Path) -> Result<Vec<Entry>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (mut folders, mut carts) = (Vec::new(), Vec::new());
    for e in read.filter_map(Result::ok).take(MAX_ENTRIES) {
        let path = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            folders.push(path);
            continue;
        }
        let ext = path
            .extension()
            .and_then(|x| x.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !CART_EXTENSIONS.contains(&ext.as_str())
            || (matches!(ext.as_str(), "wasm" | "wat") && path.with_extension("wasmp").exists())
        {
            continue;
        }
        carts.push(path);
    }
    folders.sort();
    carts.sort();
    let mut out = Vec::new();
    if dir != root
        && let Some(parent) = dir.parent()
    {
        out.push(Entry::Up(parent.to_owned()));
    }
    out.extend(folders.into_iter().map(Entry::Folder));
    out.extend(carts.into_iter().map(Entry::Cart));
    Ok(out)
}

/// What a tile shows.
#[derive(Debug, Clone)]
pub enum TileView<'a> {
    /// A folder (or the way up).
    Folder,
    /// A cart's newest frame (none yet: a dark tile), with why it stopped if it did.
    Cart {
        frame: Option<&'a [u32; FRAME_PIXELS]>,
        stopped: Option<&'a str>,
        paused: bool,
        /// The cart's `-- title:` (escaped), shown under it instead of its file name.
        title: Option<&'a str>,
    },
}

/// Which entries the grid shows from its first row `top` (in rows).
pub fn visible(len: usize, top: usize) -> std::ops::Range<usize> {
    let start = (top * COLUMNS).min(len);
    start..(start + ROWS * COLUMNS).min(len)
}

/// The first row to show so that entry `selected` is visible, moving from `top`.
pub fn scroll_to(selected: usize, top: usize) -> usize {
    let row = selected / COLUMNS;
    if row < top {
        row
    } else if row >= top + ROWS {
        row + 1 - ROWS
    } else {
        top
    }
}

/// The grid's picture: `heading` on top, then each visible tile (`tiles` gives the view
/// of entry i) with its label, the selected one framed.
pub fn draw<'a>(
    px: &mut [u32],
    heading: &str,
    entries: &[Entry],
    top: usize,
    selected: usize,
    tiles: &dyn Fn(usize) -> TileView<'a>,
) {
    let mut s = Surface {
        px,
        width: WIDTH,
        height: HEIGHT,
    };
    s.fill(0, 0, WIDTH, HEIGHT, colour::PANEL);
    let max_chars = (WIDTH - 2 * GAP) / CELL;
    s.text(GAP, 4, &cut(heading, max_chars), colour::WARN);
    for (slot, i) in visible(entries.len(), top).enumerate() {
        let x = GAP + (slot % COLUMNS) * CELL_W;
        let y = HEADER + (slot / COLUMNS) * CELL_H;
        if i == selected {
            s.fill(x - 2, y - 2, TILE_W + 4, TILE_H + LABEL + 2, colour::WARN);
        }
        let view = tiles(i);
        draw_tile(&mut s, x, y, &entries[i], &view);
        let label = match &view {
            TileView::Cart {
                title: Some(title), ..
            } => title.to_string(),
            _ => entries[i].label(),
        };
        let label = cut(&label, TILE_W / CELL);
        let tint = if i == selected {
            colour::PANEL
        } else {
            colour::TEXT
        };
        s.text(x + 1, y + TILE_H + 2, &label, tint);
    }
}

fn draw_tile(s: &mut Surface, x: usize, y: usize, entry: &Entry, view: &TileView) {
    match view {
        TileView::Folder => {
            s.fill(x, y, TILE_W, TILE_H, colour::SELECTED);
            // A folder's tab and body.
            s.fill(x + 40, y + 18, 20, 6, colour::DIM);
            s.fill(x + 40, y + 24, 48, 30, colour::DIM);
            let mark = if matches!(entry, Entry::Up(_)) {
                "UP"
            } else {
                ""
            };
            s.text(x + 58, y + 34, mark, colour::PANEL);
        }
        TileView::Cart {
            frame,
            stopped,
            paused,
            ..
        } => {
            match frame {
                Some(f) => {
                    for ty in 0..TILE_H {
                        let src = &f[ty * 2 * FULL_WIDTH..];
                        let row = &mut s.px[(y + ty) * WIDTH + x..][..TILE_W];
                        for (tx, p) in row.iter_mut().enumerate() {
                            *p = src[tx * 2];
                        }
                    }
                }
                None => s.fill(x, y, TILE_W, TILE_H, 0),
            }
            if let Some(why) = stopped {
                s.dim(x, y, TILE_W, TILE_H);
                s.text(x + 2, y + 2, "STOPPED", colour::ERROR);
                let width = (TILE_W - 4) / CELL;
                for (n, line) in overlay::wrap_at_most(why, width, 6).iter().enumerate() {
                    s.text(x + 2, y + 2 + (n + 1) * LINE, line, colour::TEXT);
                }
            } else if *paused {
                s.text(x + 2, y + 2, "PAUSED", colour::WARN);
            }
        }
    }
}

/// `s` cut to `max` characters, with "..." when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let keep: String = s.chars().take(max.saturating_sub(3)).collect();
        format!("{keep}...")
    }
}

/// Scales `src` (`sw` x `sh`) into `dst` (`dw` x `dh`) at the largest whole scale that
/// fits, centred, the margins in the grid's background colour.
pub fn blit_scaled(src: &[u32], sw: usize, sh: usize, dst: &mut [u32], dw: usize, dh: usize) {
    let scale = (dw / sw).min(dh / sh).max(1);
    let (w, h) = ((sw * scale).min(dw), (sh * scale).min(dh));
    let (x0, y0) = ((dw - w) / 2, (dh - h) / 2);
    dst.fill(colour::PANEL);
    for y in 0..h {
        let srow = &src[(y / scale) * sw..][..sw];
        let drow = &mut dst[(y0 + y) * dw + x0..][..w];
        for (x, p) in drow.iter_mut().enumerate() {
            *p = srow[x / scale];
        }
    }
}

/// Where a point of a `dw` x `dh` window falls in a picture of `sw` x `sh` shown there
/// by [`blit_scaled`] (`None` outside it).
pub fn to_picture(
    x: f64,
    y: f64,
    sw: usize,
    sh: usize,
    dw: usize,
    dh: usize,
) -> Option<(usize, usize)> {
    let scale = (dw / sw).min(dh / sh).max(1);
    let (w, h) = (sw * scale, sh * scale);
    let (x0, y0) = (dw.saturating_sub(w) / 2, dh.saturating_sub(h) / 2);
    let (px, py) = (x - x0 as f64, y - y0 as f64);
    if px < 0.0 || py < 0.0 || px >= w as f64 || py >= h as f64 {
        return None;
    }
    Some((px as usize / scale, py as usize / scale))
}

/// The entry under a point of the grid's picture.
pub fn entry_at(x: usize, y: usize, len: usize, top: usize) -> Option<usize> {
    let (col, row) = (
        (x.checked_sub(GAP)?) / CELL_W,
        (y.checked_sub(HEADER)?) / CELL_H,
    );
    if col >= COLUMNS || row >= ROWS {
        return None;
    }
    let i = (top + row) * COLUMNS + col;
    (i < len).then_some(i)
}

/// `cartbox browse DIR --headless --frames N --screenshot PATH`: plays each visible cart
/// for `frames` frames (in turn, with virtual time) and writes the grid as PNG.
pub fn headless(dir: &Path, frames: u32, screenshot: &Path) -> Result<(), String> {
    use crate::console::{Console, ConsoleConfig, Input};
    let list = entries(dir, dir)?;
    let range = visible(list.len(), 0);
    let mut console = Console::new(ConsoleConfig {
        virtual_time: true,
        ..ConsoleConfig::default()
    })
    .map_err(|e| format!("cannot start a console: {e}"))?;
    // Per visible entry: the cart's last frame, and why it stopped.
    type Shown = (
        Option<Box<[u32; FRAME_PIXELS]>>,
        Option<String>,
        Option<String>,
    );
    let mut shown: Vec<Shown> = Vec::new();
    for entry in &list[range] {
        let Entry::Cart(path) = entry else {
            shown.push((None, None, None));
            continue;
        };
        let mut frame = None;
        let mut stopped = None;
        let mut title = None;
        match crate::cart::Cart::load(path) {
            Err(e) => stopped = Some(e.to_string()),
            Ok(cart) => {
                let name = cart.name.clone();
                let mut result = console.load(cart);
                for _ in 0..frames {
                    if result.is_err() {
                        break;
                    }
                    result = console.run_frame(&Input::default(), true).map(|_| ());
                    let mut px = Box::new([0u32; FRAME_PIXELS]);
                    if console.copy_frame(&mut px) {
                        frame = Some(px);
                    }
                }
                if let Err(stop) = result {
                    stopped = Some(stop.describe(&name));
                }
                title = console
                    .info()
                    .and_then(|i| i.title.clone())
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| crate::frontend::terminal_safe(&t));
            }
        }
        shown.push((frame, stopped, title));
    }
    let mut px = vec![0u32; WIDTH * HEIGHT];
    let view = |i: usize| -> TileView<'_> {
        match (&list[i], shown.get(i)) {
            (Entry::Cart(_), Some((frame, stopped, title))) => TileView::Cart {
                frame: frame.as_deref(),
                stopped: stopped.as_deref(),
                paused: false,
                title: title.as_deref(),
            },
            _ => TileView::Folder,
        }
    };
    let heading = format!("{} ({} entries)", dir.display(), list.len());
    draw(
        &mut px,
        &crate::frontend::terminal_safe(&heading),
        &list,
        0,
        0,
        &view,
    );
    let rgb: Vec<u8> = px
        .iter()
        .flat_map(|p| [(p >> 16) as u8, (p >> 8) as u8, *p as u8])
        .collect();
    crate::frontend::headless::write_png(screenshot, WIDTH as u32, HEIGHT as u32, &rgb)
        .map_err(|e| format!("{}: {e}", screenshot.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_scrolls_to_keep_the_selection_visible() {
        assert_eq!(visible(40, 0), 0..16);
        assert_eq!(visible(40, 8), 32..40);
        assert_eq!(visible(3, 0), 0..3);
        assert_eq!(scroll_to(17, 0), 1);
        assert_eq!(scroll_to(2, 3), 0);
        assert_eq!(scroll_to(20, 2), 2);
    }

    #[test]
    fn points_map_to_tiles() {
        assert_eq!(entry_at(GAP + 1, HEADER + 1, 16, 0), Some(0));
        assert_eq!(
            entry_at(GAP + CELL_W + 1, HEADER + CELL_H + 1, 16, 0),
            Some(5)
        );
        assert_eq!(entry_at(GAP + 1, HEADER + 1, 40, 2), Some(8));
        assert_eq!(entry_at(0, 0, 16, 0), None);
        assert_eq!(entry_at(GAP + 3 * CELL_W + 1, HEADER + 1, 3, 0), None);
        // A picture at scale 2, centred in a larger window.
        assert_eq!(to_picture(10.0, 10.0, 100, 50, 220, 120), Some((0, 0)));
        assert_eq!(to_picture(5.0, 10.0, 100, 50, 220, 120), None);
    }
}
