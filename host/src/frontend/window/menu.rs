//! The game menu, as TIC-80 players know it: Esc (or a gamepad's Start or Select) pauses
//! the cart and opens it over the frozen picture; it resumes, calls the cart's own
//! `-- menu:` items (`MENU(i)`), restarts, turns the sound on or off and sets its volume,
//! switches fullscreen, and quits. Up and down choose, Enter (or Space, Z, a gamepad's A)
//! picks, left and right change a setting, Esc (or Backspace, X, a gamepad's B) resumes.
//!
//! The menu itself is plain data: [`Menu::nav`] turns a move into what the window must do
//! ([`Action`]), and [`Menu::draw`] paints it into the 256x144 output. Nothing here
//! touches the window library, so it is tested without a display.

use cartbox_protocol::ram::{FULL_HEIGHT, FULL_WIDTH};

use super::super::overlay::{CELL, Canvas, LINE, colour};

/// Longest label shown; a longer cart item is cut (the runner's claim is bounded anyway).
const LABEL_MAX: usize = 24;

/// Height of one item's row.
const ROW: usize = LINE + 2;

/// Most items shown at once (with the heading and the keys, they fill the output's height).
const VISIBLE: usize = (FULL_HEIGHT - 6) / ROW - 3;

/// One line of the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Resume,
    /// A `-- menu:` item of the cart: its index and label.
    Cart(u32, String),
    Restart,
    Sound,
    Volume,
    Fullscreen,
    Quit,
}

/// A move in the menu, from a key or a gamepad button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Nav {
    Up,
    Down,
    Left,
    Right,
    /// Enter, Space, Z; a gamepad's A.
    Pick,
    /// Esc, Backspace, X; a gamepad's B; Start or Select.
    Back,
}

/// What the window does after a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// Close the menu and go on.
    Resume,
    /// Close the menu, go on, and call the cart's `MENU(index)`.
    CartItem(u32),
    /// Close the menu and start the cart again.
    Restart,
    /// Mute (`true`) or unmute the speakers; the menu stays.
    Mute(bool),
    /// Set TIC-80's volume setting (0..=15); the menu stays.
    Volume(u8),
    /// Switch fullscreen on or off; the menu stays.
    Fullscreen(bool),
    /// Close the window.
    Quit,
}

/// The settings the menu shows, as they are now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Settings {
    /// There is a sound output (otherwise its lines are left out).
    pub(super) sound: bool,
    pub(super) muted: bool,
    pub(super) volume: u8,
    pub(super) fullscreen: bool,
}

/// The open menu.
#[derive(Debug)]
pub(super) struct Menu {
    items: Vec<Item>,
    selected: usize,
}

impl Menu {
    /// A menu with the cart's own items (`-- menu:`, in order) after "resume"; the sound
    /// lines only where there is sound.
    pub(super) fn new(cart_items: &[String], sound: bool) -> Menu {
        let mut items = vec![Item::Resume];
        items.extend(
            cart_items
                .iter()
                .zip(0u32..)
                .map(|(label, i)| Item::Cart(i, label.chars().take(LABEL_MAX).collect())),
        );
        items.push(Item::Restart);
        if sound {
            items.extend([Item::Sound, Item::Volume]);
        }
        items.extend([Item::Fullscreen, Item::Quit]);
        Menu { items, selected: 0 }
    }

    /// Applies a move: the selection wraps around; a setting changes with left, right or
    /// pick.
    pub(super) fn nav(&mut self, nav: Nav, now: &Settings) -> Option<Action> {
        let n = self.items.len();
        match nav {
            Nav::Up => self.selected = (self.selected + n - 1) % n,
            Nav::Down => self.selected = (self.selected + 1) % n,
            Nav::Back => return Some(Action::Resume),
            Nav::Left | Nav::Right | Nav::Pick => {
                let item = &self.items[self.selected];
                return match (item, nav) {
                    (Item::Resume, Nav::Pick) => Some(Action::Resume),
                    (Item::Cart(i, _), Nav::Pick) => Some(Action::CartItem(*i)),
                    (Item::Restart, Nav::Pick) => Some(Action::Restart),
                    (Item::Quit, Nav::Pick) => Some(Action::Quit),
                    (Item::Sound, _) => Some(Action::Mute(!now.muted)),
                    (Item::Fullscreen, _) => Some(Action::Fullscreen(!now.fullscreen)),
                    (Item::Volume, Nav::Left) => Some(Action::Volume(now.volume.saturating_sub(1))),
                    (Item::Volume, Nav::Right) => Some(Action::Volume((now.volume + 1).min(15))),
                    // Picking the volume goes round: up to 15, then 0.
                    (Item::Volume, _) => Some(Action::Volume((now.volume + 1) % 16)),
                    _ => None,
                };
            }
        }
        None
    }

    fn label(item: &Item, now: &Settings) -> String {
        let on = |b: bool| if b { "ON" } else { "OFF" };
        match item {
            Item::Resume => "RESUME GAME".into(),
            Item::Cart(_, label) => label.clone(),
            Item::Restart => "RESTART GAME".into(),
            Item::Sound => format!("SOUND: {}", on(!now.muted)),
            Item::Volume => format!("VOLUME: < {} >", now.volume),
            Item::Fullscreen => format!("FULLSCREEN: {}", on(now.fullscreen)),
            Item::Quit => "QUIT".into(),
        }
    }

    /// Draws the menu over the (darkened) picture: a heading, the items with the chosen one
    /// marked (at most [`VISIBLE`] of them, scrolled to keep it in view, with arrows where
    /// more are above or below), and the keys.
    pub(super) fn draw(&self, canvas: &mut Canvas, now: &Settings) {
        const HINT: &str = "ENTER: PICK  ESC: RESUME";
        let labels: Vec<String> = self.items.iter().map(|i| Menu::label(i, now)).collect();
        let widest = labels
            .iter()
            .map(|l| l.chars().count() + 4)
            .chain([HINT.len(), "GAME MENU".len()])
            .max()
            .unwrap_or(0);
        let shown = labels.len().min(VISIBLE);
        let first = self
            .selected
            .saturating_sub(shown / 2)
            .min(labels.len() - shown);
        let w = (widest * CELL + 12).min(FULL_WIDTH);
        let h = (shown + 3) * ROW + 6;
        let (x, y) = ((FULL_WIDTH - w) / 2, FULL_HEIGHT.saturating_sub(h) / 2);
        canvas.dim(0, 0, FULL_WIDTH, FULL_HEIGHT);
        canvas.fill(x, y, w, h, colour::PANEL);
        canvas.text(x + 6, y + 4, "GAME MENU", colour::WARN);
        for (row_no, (i, label)) in labels
            .iter()
            .enumerate()
            .skip(first)
            .take(shown)
            .enumerate()
        {
            let row = y + 4 + (row_no + 1) * ROW + 2;
            if i == self.selected {
                canvas.fill(x + 2, row - 2, w - 4, ROW, colour::SELECTED);
                canvas.text(x + 6, row, ">", colour::TEXT);
                canvas.text(x + 6 + 2 * CELL, row, label, colour::TEXT);
            } else {
                canvas.text(x + 6 + 2 * CELL, row, label, colour::DIM);
            }
            let more_above = row_no == 0 && first > 0;
            let more_below = row_no + 1 == shown && first + shown < labels.len();
            if more_above || more_below {
                let arrow = if more_above { "^" } else { "v" };
                canvas.text(x + w - 6 - CELL, row, arrow, colour::WARN);
            }
        }
        let hint_y = y + 4 + (shown + 1) * ROW + 6;
        canvas.text(x + 6, hint_y, HINT, colour::DIM);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cartbox_protocol::shm::FRAME_PIXELS;

    const NOW: Settings = Settings {
        sound: true,
        muted: false,
        volume: 15,
        fullscreen: false,
    };

    #[test]
    fn cart_items_follow_resume_and_call_menu_with_their_index() {
        let mut m = Menu::new(&["SAVE".into(), "LOAD".into()], true);
        assert_eq!(m.nav(Nav::Pick, &NOW), Some(Action::Resume));
        assert_eq!(m.nav(Nav::Down, &NOW), None);
        assert_eq!(m.nav(Nav::Down, &NOW), None);
        assert_eq!(m.nav(Nav::Pick, &NOW), Some(Action::CartItem(1)));
        assert_eq!(m.nav(Nav::Down, &NOW), None);
        assert_eq!(m.nav(Nav::Pick, &NOW), Some(Action::Restart));
        assert_eq!(m.nav(Nav::Back, &NOW), Some(Action::Resume));
    }

    #[test]
    fn the_selection_wraps_and_quit_is_last() {
        let mut m = Menu::new(&[], false);
        m.nav(Nav::Up, &NOW);
        assert_eq!(m.nav(Nav::Pick, &NOW), Some(Action::Quit));
        m.nav(Nav::Down, &NOW);
        assert_eq!(m.nav(Nav::Pick, &NOW), Some(Action::Resume));
        // Without sound, no sound lines: resume, restart, fullscreen, quit.
        assert_eq!(m.items.len(), 4);
    }

    #[test]
    fn settings_change_with_left_right_and_pick() {
        let mut m = Menu::new(&[], true);
        // Resume, restart, sound, volume, fullscreen, quit.
        m.nav(Nav::Down, &NOW);
        m.nav(Nav::Down, &NOW);
        assert_eq!(m.nav(Nav::Pick, &NOW), Some(Action::Mute(true)));
        let muted = Settings { muted: true, ..NOW };
        assert_eq!(m.nav(Nav::Left, &muted), Some(Action::Mute(false)));
        m.nav(Nav::Down, &NOW);
        assert_eq!(m.nav(Nav::Left, &NOW), Some(Action::Volume(14)));
        assert_eq!(m.nav(Nav::Right, &NOW), Some(Action::Volume(15)));
        assert_eq!(m.nav(Nav::Pick, &NOW), Some(Action::Volume(0)));
        let quiet = Settings { volume: 0, ..NOW };
        assert_eq!(m.nav(Nav::Left, &quiet), Some(Action::Volume(0)));
        m.nav(Nav::Down, &NOW);
        assert_eq!(m.nav(Nav::Right, &NOW), Some(Action::Fullscreen(true)));
        // Left and right do nothing on an item that is not a setting.
        m.nav(Nav::Down, &NOW);
        assert_eq!(m.nav(Nav::Left, &NOW), None);
    }

    #[test]
    fn long_or_strange_cart_labels_are_cut_and_drawn_inside_the_output() {
        let long = "\u{1b}[2J".to_owned() + &"W".repeat(200);
        let m = Menu::new(&[long], true);
        let mut px = Box::new([0x5d275du32; FRAME_PIXELS]);
        m.draw(&mut Canvas(&mut px), &NOW);
        // The picture is darkened everywhere and the panel is there.
        assert!(px.iter().all(|p| *p != 0x5d275d));
        assert!(px.contains(&colour::PANEL));
        assert!(px.contains(&colour::SELECTED));
        let Item::Cart(_, label) = &m.items[1] else {
            panic!("{:?}", m.items)
        };
        assert_eq!(label.chars().count(), LABEL_MAX);
    }

    #[test]
    fn many_cart_items_scroll_to_keep_the_selection_in_view() {
        let items: Vec<String> = (0..32).map(|i| format!("ITEM {i}")).collect();
        let mut m = Menu::new(&items, true);
        for _ in 0..20 {
            m.nav(Nav::Down, &NOW);
        }
        assert_eq!(m.nav(Nav::Pick, &NOW), Some(Action::CartItem(19)));
        let mut px = Box::new([0u32; FRAME_PIXELS]);
        m.draw(&mut Canvas(&mut px), &NOW);
        // The selected row's bar is inside the output.
        let rows = px
            .chunks(FULL_WIDTH)
            .filter(|r| r.contains(&colour::SELECTED));
        assert_eq!(rows.count(), ROW);
        const { assert!(VISIBLE >= 8) };
    }
}
