//! Triangles: `tri` and `trib`, and the textured `ttri` (with its depth buffer) and the
//! deprecated `textri`.

use cartbox_protocol::ram::{self, HEIGHT, MAP_WIDTH, VRAM_SIZE, WIDTH};

use super::Machine;
use super::tiles::{ColorTable, TRANSPARENT};

const W: i32 = WIDTH as i32;
const H: i32 = HEIGHT as i32;
const FLT_EPSILON: f64 = f32::EPSILON as f64;

/// A vertex with texture coordinates and depth (f32 values widened, as TIC-80 does).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Vertex {
    /// Screen x.
    pub x: f64,
    /// Screen y.
    pub y: f64,
    /// Texture u.
    pub u: f64,
    /// Texture v.
    pub v: f64,
    /// Depth.
    pub z: f64,
}

/// Where `ttri` reads its texels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TexSource {
    /// The sheet of the current blit segment, as a 128x256 image.
    Tiles,
    /// The map, as a 1920x1088 image.
    Map,
    /// The screen of the VRAM bank not mapped.
    OtherVbank,
}

/// What `raster_tri` calls for each covered pixel: the vertices in the rasteriser's order,
/// their weights there, and the pixel's index.
type Shader<'a> = dyn FnMut(&mut Machine, &[Vertex; 3], [f64; 3], usize) + 'a;

fn edge(a: (f64, f64), b: (f64, f64), p: (f64, f64)) -> f64 {
    (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0)
}

/// TIC-80's modulo helper, with its quirk: an exact negative multiple of `m` gives `m`.
fn wrap(x: i32, m: i32) -> i32 {
    if x >= m {
        x % m
    } else if x < 0 {
        x % m + m
    } else {
        x
    }
}

fn floor_i32(v: f64) -> i32 {
    let f = v.floor();
    if f.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&f) {
        i32::MIN
    } else {
        f as i32
    }
}

impl Machine {
    /// Rasterises a triangle with edge functions sampled just up-left of pixel centres,
    /// calling `shade(vertices, weights, pixel index)` for each covered pixel (TIC-80's
    /// `drawTri`). The weights belong to the vertices passed with them, which are the
    /// rasteriser's own order: a triangle of negative area (counter-clockwise on the screen,
    /// y down) has its last two swapped.
    fn raster_tri(&mut self, mut v: [Vertex; 3], shade: &mut Shader<'_>) {
        let c = self.clip;
        let min_x = floor_i32(v[0].x.min(v[1].x).min(v[2].x)).max(c.l);
        let min_y = floor_i32(v[0].y.min(v[1].y).min(v[2].y)).max(c.t);
        let max_x = (v[0].x.max(v[1].x).max(v[2].x)).ceil().min(f64::from(c.r)) as i32;
        let max_y = (v[0].y.max(v[1].y).max(v[2].y)).ceil().min(f64::from(c.b)) as i32;
        if min_x >= max_x || min_y >= max_y {
            return;
        }
        let p = |i: usize, v: &[Vertex; 3]| (v[i].x, v[i].y);
        let mut area = edge(p(0, &v), p(1, &v), p(2, &v));
        // TIC-80 skips triangles whose signed area floors to zero.
        if area.floor() == 0.0 || area.is_nan() {
            return;
        }
        if area < 0.0 {
            // The shader sees the swapped order too, so each vertex keeps its own texture
            // coordinates and depth, and the weighted sums run in TIC-80's order.
            v.swap(1, 2);
            area = -area;
        }
        let bias = 0.5 - FLT_EPSILON;
        let start = (f64::from(min_x) + bias, f64::from(min_y) + bias);
        let (mut dx, mut dy, mut row) = ([0.0; 3], [0.0; 3], [0.0; 3]);
        for i in 0..3 {
            let (cur, next) = ((i + 1) % 3, (i + 2) % 3);
            dx[i] = (v[cur].y - v[next].y) / area;
            dy[i] = (v[next].x - v[cur].x) / area;
            row[i] = edge(p(cur, &v), p(next, &v), start) / area;
        }
        for y in min_y..max_y {
            let mut w = row;
            for x in min_x..max_x {
                if w[0] > -f64::EPSILON && w[1] > -f64::EPSILON && w[2] > -f64::EPSILON {
                    shade(self, &v, w, (y * W + x) as usize);
                }
                for i in 0..3 {
                    w[i] += dx[i];
                }
            }
            for i in 0..3 {
                row[i] += dy[i];
            }
        }
    }

    /// `tri(x1, y1, x2, y2, x3, y3, color)`.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub fn tri(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x3: f32, y3: f32, color: i32) {
        let c = self.map_color(color);
        let v = |x: f32, y: f32| Vertex {
            x: f64::from(x),
            y: f64::from(y),
            ..Vertex::default()
        };
        self.raster_tri([v(x1, y1), v(x2, y2), v(x3, y3)], &mut |m, _, _, i| {
            m.poke4(i as i32, c)
        });
    }

    /// `trib(...)`: three lines.
    #[allow(clippy::too_many_arguments)] // TIC-80's own signature.
    pub fn trib(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x3: f32, y3: f32, color: i32) {
        let c = self.map_color(color);
        self.draw_line(x1, y1, x2, y2, c);
        self.draw_line(x2, y2, x3, y3, c);
        self.draw_line(x3, y3, x1, y1, c);
    }

    /// The depth buffer, created on first use.
    fn depth(&mut self) -> &mut [f64] {
        self.zbuf
            .get_or_insert_with(|| vec![0.0; WIDTH * HEIGHT].into_boxed_slice())
    }

    /// Clears the depth buffer under the clip rectangle (`cls` does).
    pub(super) fn clear_depth(&mut self) {
        let c = self.clip;
        if let Some(z) = self.zbuf.as_mut() {
            for y in c.t.max(0)..c.b.min(H) {
                for x in c.l.max(0)..c.r.min(W) {
                    z[(y * W + x) as usize] = 0.0;
                }
            }
        }
    }

    /// One texel of `src` at (u, v), coordinates floored (TIC-80 1.2; 1.1 truncated).
    fn texel(&mut self, src: TexSource, u: f64, v: f64) -> u8 {
        let seg = self.segment();
        match src {
            TexSource::Tiles => {
                let x = floor_i32(u) & 127;
                let y = floor_i32(v) & 255;
                seg.sheet_pixel(self.ram(), x as u32, y as u32)
            }
            TexSource::Map => {
                let iu = wrap(floor_i32(u), MAP_WIDTH as i32 * 8);
                let iv = wrap(floor_i32(v), ram::MAP_HEIGHT as i32 * 8);
                let cell = ((iv >> 3) * MAP_WIDTH as i32 + (iu >> 3)) as usize;
                let tile = self.ram().get(ram::MAP + cell).copied().unwrap_or(0);
                seg.tile(i32::from(tile), true)
                    .pixel(self.ram(), (iu & 7) as u32, (iv & 7) as u32)
            }
            TexSource::OtherVbank => {
                let iu = wrap(floor_i32(u), W);
                let iv = wrap(floor_i32(v), H);
                let i = (iv * W + iu) as usize;
                let b = self
                    .other_vram
                    .get(i >> 1)
                    .copied()
                    .filter(|_| (i >> 1) < VRAM_SIZE)
                    .unwrap_or(0);
                (b >> ((i & 1) * 4)) & 0x0f
            }
        }
    }

    /// `ttri(...)`: a textured triangle, perspective-correct with a depth test when `depth`
    /// (unless a z is below FLT_EPSILON).
    pub fn ttri(&mut self, verts: [Vertex; 3], src: TexSource, keys: &[u8], depth: bool) {
        let table = self.color_table(keys);
        // As TIC-80 tests it: a NaN z keeps the depth test, which then hides every pixel.
        let depth = depth && !verts.iter().any(|v| v.z < FLT_EPSILON);
        let mut v = verts;
        if depth {
            for p in &mut v {
                p.u /= p.z;
                p.v /= p.z;
                p.z = 1.0 / p.z;
            }
        }
        if depth {
            self.depth();
        }
        // The texture coordinates and depth are read from the vertices the rasteriser hands
        // over, in its order: taking them from `v` would give the second and third vertices
        // of a triangle with negative area (counter-clockwise on the screen, y down) each
        // other's (issue 13).
        self.raster_tri(v, &mut |m, v, w, i| {
            let zi = 0.0 + w[0] * v[0].z + w[1] * v[1].z + w[2] * v[2].z;
            // Drawn only where the new 1/z is strictly greater (a NaN never is; the buffer
            // itself never holds one).
            if depth && m.zbuf.as_ref().is_some_and(|z| z[i] >= zi || zi.is_nan()) {
                return;
            }
            let mut u = 0.0 + w[0] * v[0].u + w[1] * v[1].u + w[2] * v[2].u;
            let mut vv = 0.0 + w[0] * v[0].v + w[1] * v[1].v + w[2] * v[2].v;
            if depth {
                u /= zi;
                vv /= zi;
            }
            let c = table[usize::from(m.texel(src, u, vv))];
            if c == TRANSPARENT {
                return;
            }
            if depth && let Some(z) = m.zbuf.as_mut() {
                z[i] = zi;
            }
            m.poke4(i as i32, c);
        });
    }

    /// `textri(...)`: TIC-80's deprecated textured triangle (16.16 fixed-point spans).
    pub fn textri(&mut self, verts: [Vertex; 3], use_map: bool, keys: &[u8]) {
        let table: ColorTable = self.color_table(keys);
        let f = |x: f64| x as f32;
        let (x1, y1, x2, y2, x3, y3) = (
            f(verts[0].x),
            f(verts[0].y),
            f(verts[1].x),
            f(verts[1].y),
            f(verts[2].x),
            f(verts[2].y),
        );
        let denom = (x1 - x3) * (y2 - y3) - (x2 - x3) * (y1 - y3);
        if denom == 0.0 {
            return;
        }
        let id = 1.0 / denom;
        let (u1, u2, u3) = (f(verts[0].u), f(verts[1].u), f(verts[2].u));
        let (v1, v2, v3) = (f(verts[0].v), f(verts[1].v), f(verts[2].v));
        let dudx = ((u1 - u3) * (y2 - y3) - (u2 - u3) * (y1 - y3)) * id;
        let dvdx = ((v1 - v3) * (y2 - y3) - (v2 - v3) * (y1 - y3)) * id;
        let dudxs = super::draw::trunc(dudx * 65536.0);
        let dvdxs = super::draw::trunc(dvdx * 65536.0);
        let mut left = [W; HEIGHT];
        let mut right = [-1i32; HEIGHT];
        let mut ul = [0i32; HEIGHT];
        let mut vl = [0i32; HEIGHT];
        let pts = [(x1, y1, u1, v1), (x2, y2, u2, v2), (x3, y3, u3, v3)];
        for (a, b) in [(0, 1), (1, 2), (2, 0)] {
            let (mut top, mut bot) = (pts[a], pts[b]);
            if bot.1 < top.1 {
                std::mem::swap(&mut top, &mut bot);
            }
            let dy = bot.1 - top.1;
            let (mut sx, mut su, mut sv) = (bot.0 - top.0, bot.2 - top.2, bot.3 - top.3);
            if super::draw::trunc(dy) != 0 {
                sx /= dy;
                su /= dy;
                sv /= dy;
            }
            let (mut x, mut y, mut uu, mut vv) = (top.0, top.1, top.2, top.3);
            if y < 0.0 {
                let k = -y;
                x += sx * k;
                uu += su * k;
                vv += sv * k;
                y = 0.0;
            }
            let ybot = super::draw::trunc(bot.1).min(H);
            let mut steps = 0;
            while y < ybot as f32 && steps <= H {
                let (xi, yi) = (super::draw::trunc(x), super::draw::trunc(y));
                if (0..H).contains(&yi) {
                    let r = yi as usize;
                    if xi < left[r] {
                        left[r] = xi;
                        ul[r] = super::draw::trunc(uu * 65536.0);
                        vl[r] = super::draw::trunc(vv * 65536.0);
                    }
                    if xi > right[r] {
                        right[r] = xi;
                    }
                }
                y += 1.0;
                x += sx;
                uu += su;
                vv += sv;
                steps += 1;
            }
        }
        let c = self.clip;
        let seg = self.segment();
        for y in 0..H {
            let r = y as usize;
            if right[r] - left[r] <= 0 || y < c.t || y > c.b {
                continue;
            }
            let (mut u, mut v) = (ul[r], vl[r]);
            let mut lx = left[r];
            let rx = right[r].min(c.r);
            if lx < c.l {
                let d = c.l - left[r];
                u = u.wrapping_add(dudxs.wrapping_mul(d));
                v = v.wrapping_add(dvdxs.wrapping_mul(d));
                lx = c.l;
            }
            for x in lx..rx {
                let texel = if use_map {
                    let iu = (u >> 16) % 1920;
                    let iv = (v >> 16) % 1088;
                    let (iu, iv) = (
                        if iu < 0 { iu + 1920 } else { iu },
                        if iv < 0 { iv + 1088 } else { iv },
                    );
                    let cell = ((iv >> 3) * MAP_WIDTH as i32 + (iu >> 3)) as usize;
                    let tile = self.ram().get(ram::MAP + cell).copied().unwrap_or(0);
                    seg.tile(i32::from(tile), true).pixel(
                        self.ram(),
                        (iu & 7) as u32,
                        (iv & 7) as u32,
                    )
                } else {
                    seg.sheet_pixel(
                        self.ram(),
                        ((u >> 16) & 127) as u32,
                        ((v >> 16) & 255) as u32,
                    )
                };
                let col = table[usize::from(texel)];
                if col != TRANSPARENT {
                    self.set_pixel(x, y, col);
                }
                u = u.wrapping_add(dudxs);
                v = v.wrapping_add(dvdxs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{machine, screen};
    use super::*;

    #[test]
    fn tri_fills_like_tic80() {
        let mut m = machine();
        m.tri(0.0, 0.0, 4.0, 0.0, 0.0, 4.0, 3);
        assert_eq!(screen(&mut m, 5, 5), "33330\n33300\n33000\n30000\n00000\n");
        // The other winding fills the same pixels.
        let mut m2 = machine();
        m2.tri(0.0, 0.0, 0.0, 4.0, 4.0, 0.0, 3);
        assert_eq!(screen(&mut m2, 5, 5), screen(&mut m, 5, 5));
        // Tiny triangles: skipped or drawn by the sign of their area.
        let mut m3 = machine();
        m3.tri(0.0, 0.5, 1.0, 0.4, 1.0, 0.6, 5);
        assert_eq!(m3.pix_get(0, 0), 0);
        m3.tri(0.0, 0.5, 1.0, 0.6, 1.0, 0.4, 5);
        assert_eq!(m3.pix_get(0, 0), 5);
    }

    #[test]
    fn trib_is_three_lines() {
        let mut m = machine();
        m.trib(0.0, 0.0, 3.0, 0.0, 0.0, 3.0, 2);
        assert_eq!(screen(&mut m, 4, 4), "2222\n2020\n2200\n2000\n");
    }

    #[test]
    fn ttri_maps_tile_texels() {
        let mut m = machine();
        // Tile 0: a vertical gradient, row y has colour y + 1.
        for y in 0..8 {
            for x in 0..8 {
                m.poke4(0x4000 * 2 + y * 8 + x, (y + 1) as u8);
            }
        }
        let v = |x, y, u, vv| Vertex {
            x,
            y,
            u,
            v: vv,
            z: 0.0,
        };
        m.ttri(
            [
                v(0.0, 0.0, 0.0, 0.0),
                v(8.0, 0.0, 8.0, 0.0),
                v(0.0, 8.0, 0.0, 8.0),
            ],
            TexSource::Tiles,
            &[],
            false,
        );
        m.ttri(
            [
                v(8.0, 0.0, 8.0, 0.0),
                v(8.0, 8.0, 8.0, 8.0),
                v(0.0, 8.0, 0.0, 8.0),
            ],
            TexSource::Tiles,
            &[],
            false,
        );
        for y in 0..8 {
            for x in 0..8 {
                assert_eq!(m.pix_get(x, y), (y + 1) as u8, "({x},{y})");
            }
        }
    }

    #[test]
    fn ttri_depth_test_keeps_the_nearer_triangle() {
        let mut m = machine();
        m.poke4(0x4000 * 2, 7); // tile texel (0,0) = 7, the rest 0
        let v = |x, y, z| Vertex {
            x,
            y,
            u: 0.0,
            v: 0.0,
            z,
        };
        let near = [v(0.0, 0.0, 1.0), v(8.0, 0.0, 1.0), v(0.0, 8.0, 1.0)];
        let far = [v(0.0, 0.0, 2.0), v(8.0, 0.0, 2.0), v(0.0, 8.0, 2.0)];
        m.ttri(near, TexSource::Tiles, &[], true);
        m.poke4(0x4000 * 2, 9);
        m.ttri(far, TexSource::Tiles, &[], true);
        assert_eq!(m.pix_get(1, 1), 7, "the farther triangle is hidden");
        m.cls(0);
        m.ttri(far, TexSource::Tiles, &[], true);
        assert_eq!(m.pix_get(1, 1), 9, "cls clears the depth buffer");
    }

    #[test]
    fn ttri_keeps_each_vertex_uv_and_z_in_both_windings() {
        // Tiles 0..255 as one 128x128 picture: colour (x + y) % 15 + 1 at (x, y).
        let sheet = |m: &mut Machine| {
            for y in 0..128 {
                for x in 0..128 {
                    let nibble = 0x8000 + ((y / 8) * 16 + x / 8) * 64 + (y % 8) * 8 + x % 8;
                    m.poke4(nibble, ((x + y) % 15 + 1) as u8);
                }
            }
        };
        let v = |x: f64, y: f64, z: f64| Vertex {
            x,
            y,
            u: x,
            v: y,
            z,
        };
        // Issue 13's repro: negative area, uv = xy, so the picture must be the sheet itself;
        // with z the same must hold (the perspective divides cancel out for equal z, and
        // unequal z must stay with their own vertex in both windings).
        for (z, depth) in [(0.0, false), (2.0, true)] {
            for verts in [
                [v(20.0, 40.0, z), v(100.0, 40.0, z), v(90.0, 10.0, z)],
                [v(20.0, 40.0, z), v(90.0, 10.0, z), v(100.0, 40.0, z)],
            ] {
                let mut m = machine();
                sheet(&mut m);
                m.ttri(verts, TexSource::Tiles, &[], depth);
                let mut drawn = 0;
                for y in 10..41 {
                    for x in 20..101 {
                        let c = m.pix_get(x, y);
                        if c != 0 {
                            drawn += 1;
                            assert_eq!(c as i32, (x + y) % 15 + 1, "({x}, {y}) depth {depth}");
                        }
                    }
                }
                assert!(drawn > 1000, "{drawn} pixels drawn");
            }
        }
        // Unequal z: both windings of one triangle draw the same picture.
        let tri = [v(10.0, 10.0, 1.0), v(70.0, 20.0, 3.0), v(30.0, 60.0, 0.5)];
        let mut a = machine();
        sheet(&mut a);
        a.ttri(tri, TexSource::Tiles, &[], true);
        let mut b = machine();
        sheet(&mut b);
        b.ttri([tri[0], tri[2], tri[1]], TexSource::Tiles, &[], true);
        assert_eq!(screen(&mut a, 80, 70), screen(&mut b, 80, 70));
    }

    #[test]
    fn ttri_with_a_nan_z_draws_nothing() {
        let mut m = machine();
        m.poke4(0x4000 * 2, 7);
        let v = |x, y, z| Vertex {
            x,
            y,
            u: 0.0,
            v: 0.0,
            z,
        };
        // TIC-80 tests `z < FLT_EPSILON`, which a NaN fails: depth stays on and no pixel
        // passes the depth test.
        m.ttri(
            [v(0.0, 0.0, 1.0), v(8.0, 0.0, f64::NAN), v(0.0, 8.0, 1.0)],
            TexSource::Tiles,
            &[],
            true,
        );
        assert_eq!(m.pix_get(1, 1), 0);
        // A z of 0 turns depth off instead: drawn.
        m.ttri(
            [v(0.0, 0.0, 1.0), v(8.0, 0.0, 0.0), v(0.0, 8.0, 1.0)],
            TexSource::Tiles,
            &[],
            true,
        );
        assert_eq!(m.pix_get(1, 1), 7);
    }

    #[test]
    fn odd_coordinates_are_safe() {
        let mut m = machine();
        m.tri(f32::NAN, 0.0, 1e30, -1e30, f32::INFINITY, 3.0, 1);
        m.trib(f32::NAN, 0.0, 1e30, -1e30, f32::INFINITY, 3.0, 1);
        let v = |x: f64| Vertex {
            x,
            y: x,
            u: x,
            v: -x,
            z: x,
        };
        m.ttri(
            [v(f64::NAN), v(1e300), v(-1e300)],
            TexSource::Map,
            &[],
            true,
        );
        m.ttri(
            [
                v(0.0),
                v(300.0),
                Vertex {
                    x: 0.0,
                    y: 200.0,
                    u: -1920.0,
                    v: -1088.0,
                    z: 1.0,
                },
            ],
            TexSource::Map,
            &[],
            false,
        );
        m.ttri(
            [
                v(0.0),
                v(300.0),
                Vertex {
                    x: 0.0,
                    y: 200.0,
                    u: -240.0,
                    v: -136.0,
                    z: 1.0,
                },
            ],
            TexSource::OtherVbank,
            &[],
            false,
        );
        m.textri(
            [
                v(0.0),
                v(300.0),
                Vertex {
                    x: -5.0,
                    y: 200.0,
                    u: -1e9,
                    v: 1e9,
                    z: 0.0,
                },
            ],
            true,
            &[],
        );
        m.textri([v(f64::NAN), v(1e30), v(-1e30)], false, &[]);
    }
}
