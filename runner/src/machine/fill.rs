//! `paint`: TIC-80's flood fill (added after 1.1, in its commit e63ab8d2).
//!
//! TIC-80 fills with Heckbert's seed fill ("A Seed Fill Algorithm", Graphics Gems), 4-connected
//! and span by span, but keeps the pending spans in a first-in first-out ring of 400 (one slot
//! always empty) where the original keeps a stack. When the ring is full a span is dropped, so a
//! fill of a ragged enough region stops short, and which pixels it reaches depends on the order
//! the spans were queued in. That order is kept here exactly, and so is the ring: the fill is
//! bounded in memory (a fixed array), and in time (every span queued covers pixels it has just
//! painted, and a painted pixel is never painted again).

use cartbox_protocol::ram::WIDTH;

use super::Machine;

/// Spans TIC-80's ring holds, one slot of which always stays empty.
const RING: usize = 400;

/// The border colour that means "no border": fill the seed's colour only.
const NO_BORDER: u8 = 255;

/// A span to explore: row `y + dy`, from `xl` to `xr`, below (dy = 1) or above (dy = -1) a
/// row `y` just filled over that range.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    y: i32,
    xl: i32,
    xr: i32,
    dy: i32,
}

/// TIC-80's span ring: a span that does not fit is dropped, as is one whose row to explore
/// lies outside the clip rectangle.
struct Ring {
    spans: [Span; RING],
    head: usize,
    tail: usize,
    top: i32,
    bottom: i32,
}

impl Ring {
    fn push(&mut self, y: i32, xl: i32, xr: i32, dy: i32) {
        let next = (self.head + 1) % RING;
        if next == self.tail || y + dy < self.top || y + dy >= self.bottom {
            return;
        }
        self.spans[self.head] = Span { y, xl, xr, dy };
        self.head = next;
    }

    /// The next span, with the row to explore already stepped to.
    fn pop(&mut self) -> Option<Span> {
        if self.head == self.tail {
            return None;
        }
        let s = self.spans[self.tail];
        self.tail = (self.tail + 1) % RING;
        Some(Span { y: s.y + s.dy, ..s })
    }
}

impl Machine {
    /// `paint(x, y, color, border)`: fills the 4-connected region around (x, y) with the
    /// mapped `color`, inside the clip rectangle, on the mapped VRAM bank. With `border` 255
    /// the region is the pixels of the seed's colour; with another border (mapped too) it is
    /// every pixel that is neither the border nor the fill colour. A seed outside the clip
    /// rectangle, or already of the fill or border colour, changes nothing.
    pub fn paint(&mut self, x: i32, y: i32, color: u8, border: u8) {
        let border = if border == NO_BORDER {
            NO_BORDER
        } else {
            self.map_color(i32::from(border))
        };
        let color = self.map_color(i32::from(color));
        let c = self.clip;
        if x < c.l || y < c.t || x >= c.r || y >= c.b {
            return;
        }
        let seed = self.pixel(x, y);
        if seed == color || seed == border {
            return;
        }
        let inside = |p: u8| {
            if border == NO_BORDER {
                p == seed
            } else {
                p != color && p != border
            }
        };
        let mut ring = Ring {
            spans: [Span::default(); RING],
            head: 0,
            tail: 0,
            top: c.t,
            bottom: c.b,
        };
        // As TIC-80 queues them: the row below the seed first, then the seed's own row.
        ring.push(y, x, x, 1);
        ring.push(y + 1, x, x, -1);
        while let Some(Span { y, xl, xr, dy }) = ring.pop() {
            // Leftward from the span's left end.
            let mut x = xl;
            while x >= c.l && inside(self.pixel(x, y)) {
                self.plot(x, y, color);
                x -= 1;
            }
            let mut left = x + 1;
            let mut filling = x < xl;
            if filling {
                if left < xl {
                    ring.push(y, left, xl - 1, -dy);
                }
                x = xl + 1;
            }
            loop {
                if filling {
                    while x < c.r && inside(self.pixel(x, y)) {
                        self.plot(x, y, color);
                        x += 1;
                    }
                    ring.push(y, left, x - 1, dy);
                    if x > xr + 1 {
                        ring.push(y, xr + 1, x - 1, -dy);
                    }
                }
                // Over what is not to be filled, to the next run inside the span.
                x += 1;
                while x <= xr && !inside(self.pixel(x, y)) {
                    x += 1;
                }
                left = x;
                filling = true;
                if x > xr {
                    break;
                }
            }
        }
    }

    /// A pixel the fill reads: inside the clip rectangle, so on screen.
    #[inline]
    fn pixel(&mut self, x: i32, y: i32) -> u8 {
        self.peek4(y * WIDTH as i32 + x)
    }

    /// A pixel the fill writes: inside the clip rectangle, so on screen.
    #[inline]
    fn plot(&mut self, x: i32, y: i32, color: u8) {
        self.poke4(y * WIDTH as i32 + x, color);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{machine, screen};
    use super::{NO_BORDER, RING, Ring, Span};

    #[test]
    fn fills_four_connected_regions_of_the_seed_colour() {
        let mut m = machine();
        // A ring of colour 1 without its corner pixel: the inside touches the outside only
        // diagonally there, and a 4-connected fill does not leak through a diagonal.
        m.rectb(1, 1, 5, 5, 1);
        m.pix_set(5, 5, 0);
        m.paint(3, 3, 2, NO_BORDER);
        assert_eq!(
            screen(&mut m, 7, 7),
            "0000000\n0111110\n0122210\n0122210\n0122210\n0111100\n0000000\n"
        );
        // Outside: everything of colour 0 reachable, the corner pixel too.
        m.paint(0, 0, 3, NO_BORDER);
        assert_eq!(
            screen(&mut m, 7, 7),
            "3333333\n3111113\n3122213\n3122213\n3122213\n3111133\n3333333\n"
        );
    }

    #[test]
    fn a_border_colour_bounds_the_region_whatever_is_inside() {
        let mut m = machine();
        m.rectb(0, 0, 6, 5, 4);
        m.pix_set(2, 2, 7);
        m.pix_set(3, 2, 2);
        m.paint(1, 1, 2, 4);
        assert_eq!(
            screen(&mut m, 7, 5),
            "4444440\n4222240\n4222240\n4222240\n4444440\n"
        );
        // A seed of the border or the fill colour does nothing.
        m.paint(0, 0, 9, 4);
        m.paint(1, 1, 2, 4);
        assert_eq!(m.pix_get(0, 0), 4);
        assert_eq!(m.pix_get(6, 0), 0);
    }

    #[test]
    fn colours_go_through_the_palette_map() {
        let mut m = machine();
        // Map 2 to 11 and 5 to 6: fill "2" up to border "5" draws 11 up to 6s.
        m.poke4(0x3ff0 * 2 + 2, 11);
        m.poke4(0x3ff0 * 2 + 5, 6);
        m.rect(0, 0, 3, 1, 5);
        m.paint(5, 0, 0x12, 0x15);
        assert_eq!(screen(&mut m, 6, 1), "666bbb\n");
        assert_eq!(m.pix_get(5, 1), 11);
    }

    #[test]
    fn the_clip_rectangle_bounds_the_fill_and_the_seed() {
        let mut m = machine();
        m.clip(2, 1, 3, 2);
        m.paint(0, 0, 5, NO_BORDER);
        assert_eq!(m.pix_get(2, 1), 0, "a seed outside the clip fills nothing");
        m.paint(3, 2, 5, NO_BORDER);
        m.clip_reset();
        assert_eq!(screen(&mut m, 6, 4), "000000\n005550\n005550\n000000\n");
    }

    #[test]
    fn the_ring_holds_399_spans_and_drops_the_rest() {
        let mut ring = Ring {
            spans: [Span::default(); RING],
            head: 0,
            tail: 0,
            top: 0,
            bottom: 136,
        };
        for i in 0..RING as i32 + 5 {
            ring.push(i % 100, i, i, 1);
        }
        // Rows outside the clip rectangle are never queued.
        ring.push(135, 0, 0, 1);
        ring.push(0, 0, 0, -1);
        let spans: Vec<i32> = std::iter::from_fn(|| ring.pop()).map(|s| s.xl).collect();
        assert_eq!(spans, (0..RING as i32 - 1).collect::<Vec<_>>());
        assert!(ring.pop().is_none());
    }

    #[test]
    fn a_whole_screen_of_posts_fills_and_odd_seeds_do_nothing() {
        // One-pixel posts on every other column of every other row: many short spans.
        let mut m = machine();
        for y in (1..136).step_by(2) {
            for x in (1..240).step_by(2) {
                m.pix_set(x, y, 1);
            }
        }
        m.paint(0, 0, 2, NO_BORDER);
        let count = |m: &mut super::super::Machine, c| {
            (0..136)
                .flat_map(|y| (0..240).map(move |x| (x, y)))
                .filter(|&(x, y)| m.pix_get(x, y) == c)
                .count()
        };
        assert_eq!(
            (count(&mut m, 2), count(&mut m, 1)),
            (240 * 136 - 120 * 68, 120 * 68)
        );
        // Arguments far off screen are refused before anything is read.
        m.paint(i32::MAX, i32::MIN, 3, 0);
        m.paint(-1, 0, 3, NO_BORDER);
        m.paint(240, 135, 3, NO_BORDER);
        assert_eq!(count(&mut m, 3), 0);
    }
}
