//! The API core: TIC-80's functions with many arguments, as argument structs whose
//! `Default` is TIC-80's defaults, and TIC-80's shared checks as one error type with its
//! messages. A binding reads its language's values into a struct (its own rules: Lua's by
//! argument count, wasm's `-1` for "default") and calls the function here; whether a
//! check's error is raised (Lua) or ignored (wasm) is the binding's quirk, said where it
//! calls.

use crate::machine::Machine;

/// A check TIC-80 makes of API arguments, with its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiError {
    /// `sfx` of a sample past the 64.
    UnknownSfx,
    /// `sfx` on a channel outside 0..4.
    UnknownChannel,
    /// `music` of a track past the 8.
    UnknownTrack,
}

impl ApiError {
    /// TIC-80's message (its Lua binding's, which ends most with a line break).
    pub fn message(self) -> &'static std::ffi::CStr {
        match self {
            ApiError::UnknownSfx => c"unknown sfx index\n",
            ApiError::UnknownChannel => c"unknown channel\n",
            ApiError::UnknownTrack => c"invalid music track index",
        }
    }
}

/// Colour keys: up to 16 colours drawn as transparent. TIC-80 passes them as a list and a
/// count; a key of 16 or more changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ColorKeys {
    keys: [u8; 16],
    len: u8,
}

impl ColorKeys {
    /// One key.
    pub fn one(key: u8) -> ColorKeys {
        let mut k = ColorKeys::default();
        k.push(key);
        k
    }

    /// The first 16 distinct keys of `keys`.
    pub fn from_slice(keys: &[u8]) -> ColorKeys {
        let mut k = ColorKeys::default();
        for key in keys {
            k.push(*key);
        }
        k
    }

    /// Adds a key. They are a set: a key already there is not added again (so 16 distinct
    /// colours always fit); past 16 keys nothing is added.
    pub fn push(&mut self, key: u8) {
        if !self.as_slice().contains(&key) && usize::from(self.len) < self.keys.len() {
            self.keys[usize::from(self.len)] = key;
            self.len += 1;
        }
    }

    /// The keys.
    pub fn as_slice(&self) -> &[u8] {
        &self.keys[..usize::from(self.len)]
    }
}

/// `spr(id x y [colorkey=-1] [scale=1] [flip=0] [rotate=0] [w=1 h=1])`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SprArgs {
    /// Sprite index.
    pub id: i32,
    /// Screen x.
    pub x: i32,
    /// Screen y.
    pub y: i32,
    /// Transparent colours.
    pub keys: ColorKeys,
    /// Scale.
    pub scale: i32,
    /// Flip: 1 horizontal, 2 vertical.
    pub flip: i32,
    /// Rotation in quarter turns.
    pub rotate: i32,
    /// Width in sprites.
    pub w: i32,
    /// Height in sprites.
    pub h: i32,
}

impl Default for SprArgs {
    fn default() -> SprArgs {
        SprArgs {
            id: 0,
            x: 0,
            y: 0,
            keys: ColorKeys::default(),
            scale: 1,
            flip: 0,
            rotate: 0,
            w: 1,
            h: 1,
        }
    }
}

/// Draws a sprite.
pub fn spr(m: &mut Machine, a: &SprArgs) {
    m.spr(
        a.id,
        a.x,
        a.y,
        a.keys.as_slice(),
        a.scale,
        a.flip,
        a.rotate,
        a.w,
        a.h,
    );
}

/// `map([x=0 y=0] [w=30 h=17] [sx=0 sy=0] [colorkey=-1] [scale=1] [remap=nil])`, but the
/// remap function (a binding calls it for each cell, see [`Machine::map_cells`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapArgs {
    /// First map column.
    pub x: i32,
    /// First map row.
    pub y: i32,
    /// Columns.
    pub w: i32,
    /// Rows.
    pub h: i32,
    /// Screen x.
    pub sx: i32,
    /// Screen y.
    pub sy: i32,
    /// Transparent colours.
    pub keys: ColorKeys,
    /// Scale.
    pub scale: i32,
}

impl Default for MapArgs {
    fn default() -> MapArgs {
        MapArgs {
            x: 0,
            y: 0,
            w: 30,
            h: 17,
            sx: 0,
            sy: 0,
            keys: ColorKeys::default(),
            scale: 1,
        }
    }
}

/// Draws a part of the map.
pub fn map(m: &mut Machine, a: &MapArgs) {
    m.map(a.x, a.y, a.w, a.h, a.sx, a.sy, a.keys.as_slice(), a.scale);
}

/// Draws the cells of a map part whose tiles a remap function chose (tile, flip, rotate;
/// in the order of [`Machine::map_cells`]).
pub fn map_remapped(m: &mut Machine, a: &MapArgs, cells: &[(u8, i32, i32)]) {
    let (w, _) = crate::machine::map_extent(a.w, a.h);
    m.map_draw(w, a.sx, a.sy, a.keys.as_slice(), a.scale, cells);
}

/// `print(text [x=0 y=0] [color=15] [fixed=false] [scale=1] [smallfont=false])`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintArgs {
    /// Screen x.
    pub x: i32,
    /// Screen y.
    pub y: i32,
    /// Colour (255: draws nothing).
    pub color: u8,
    /// Fixed width.
    pub fixed: bool,
    /// Scale.
    pub scale: i32,
    /// The small font.
    pub small: bool,
}

impl Default for PrintArgs {
    fn default() -> PrintArgs {
        PrintArgs {
            x: 0,
            y: 0,
            color: 15,
            fixed: false,
            scale: 1,
            small: false,
        }
    }
}

/// Prints `text` (up to a NUL, as C reads it); returns its width in pixels (0 at scale 0,
/// which draws nothing).
pub fn print(m: &mut Machine, text: &[u8], a: &PrintArgs) -> i32 {
    if a.scale == 0 {
        return 0;
    }
    m.print(c_text(text), a.x, a.y, a.color, a.fixed, a.scale, a.small)
}

/// `font(text x y [colorkey=-1] [w=8 h=8] [fixed=false] [scale=1] [alt=false])`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FontArgs {
    /// Screen x.
    pub x: i32,
    /// Screen y.
    pub y: i32,
    /// Transparent colours.
    pub keys: ColorKeys,
    /// Character width.
    pub w: i32,
    /// Character height.
    pub h: i32,
    /// Fixed width.
    pub fixed: bool,
    /// Scale.
    pub scale: i32,
    /// The second half of the sprite sheet.
    pub alt: bool,
}

impl Default for FontArgs {
    fn default() -> FontArgs {
        FontArgs {
            x: 0,
            y: 0,
            keys: ColorKeys::default(),
            w: 8,
            h: 8,
            fixed: false,
            scale: 1,
            alt: false,
        }
    }
}

/// Prints `text` with sprites as glyphs; returns its width (0 at scale 0).
pub fn font(m: &mut Machine, text: &[u8], a: &FontArgs) -> i32 {
    if a.scale == 0 {
        return 0;
    }
    m.font(
        c_text(text),
        a.x,
        a.y,
        a.keys.as_slice(),
        a.w,
        a.h,
        a.fixed,
        a.scale,
        a.alt,
    )
}

/// `sfx(id [note] [duration=-1] [channel=0] [volume=15] [speed=0])`, the note split into
/// note and octave; -1 in note, octave or speed means the sample's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SfxArgs {
    /// Sample, 0..64; -1 stops the channel.
    pub id: i32,
    /// Note in the octave, 0..12.
    pub note: i32,
    /// Octave.
    pub octave: i32,
    /// Frames to play; -1 plays on.
    pub duration: i32,
    /// Channel, 0..4.
    pub channel: i32,
    /// Left and right volume, 0..16.
    pub volume: (u8, u8),
    /// Speed.
    pub speed: i32,
}

impl Default for SfxArgs {
    fn default() -> SfxArgs {
        SfxArgs {
            id: -1,
            note: -1,
            octave: -1,
            duration: -1,
            channel: 0,
            volume: (15, 15),
            speed: 8,
        }
    }
}

impl SfxArgs {
    /// The arguments of `sfx(id)` as TIC-80's Lua binding fills them: the sample's own
    /// note, octave and speed.
    pub fn for_sample(m: &mut Machine, id: i32) -> SfxArgs {
        let mut a = SfxArgs {
            id,
            ..SfxArgs::default()
        };
        if id >= 0 {
            (a.note, a.octave, a.speed) = m.sfx_defaults(id);
        }
        a
    }
}

/// Checks an sfx index.
pub fn check_sfx_id(id: i32) -> Result<(), ApiError> {
    if id >= 64 {
        return Err(ApiError::UnknownSfx);
    }
    Ok(())
}

/// Plays a sound effect.
pub fn sfx(m: &mut Machine, a: &SfxArgs) -> Result<(), ApiError> {
    check_sfx_id(a.id)?;
    let Ok(channel @ 0..4) = usize::try_from(a.channel) else {
        return Err(ApiError::UnknownChannel);
    };
    m.sfx(
        a.id,
        a.note,
        a.octave,
        a.duration,
        channel,
        (a.volume.0 & 15, a.volume.1 & 15),
        a.speed,
    );
    Ok(())
}

/// `music([track=-1] [frame=-1] [row=-1] [loop=true] [sustain=false] [tempo=-1]
/// [speed=-1])`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MusicArgs {
    /// Track, 0..8; -1 stops the music.
    pub track: i32,
    /// Frame to start at; -1: the first.
    pub frame: i32,
    /// Row to start at; -1: the first.
    pub row: i32,
    /// Loop.
    pub looping: bool,
    /// Sustain notes across frames.
    pub sustain: bool,
    /// Tempo; -1: the track's.
    pub tempo: i32,
    /// Speed; -1: the track's.
    pub speed: i32,
}

impl Default for MusicArgs {
    fn default() -> MusicArgs {
        MusicArgs {
            track: -1,
            frame: -1,
            row: -1,
            looping: true,
            sustain: false,
            tempo: -1,
            speed: -1,
        }
    }
}

/// Checks a music track index.
pub fn check_track(track: i32) -> Result<(), ApiError> {
    if track > 7 {
        return Err(ApiError::UnknownTrack);
    }
    Ok(())
}

/// Plays (or, with track -1, stops) music.
pub fn music(m: &mut Machine, a: &MusicArgs) -> Result<(), ApiError> {
    check_track(a.track)?;
    m.music(
        a.track, a.frame, a.row, a.looping, a.sustain, a.tempo, a.speed,
    );
    Ok(())
}

/// Text as a C string would see it: up to the first NUL.
pub fn c_text(bytes: &[u8]) -> &[u8] {
    bytes
        .iter()
        .position(|b| *b == 0)
        .map_or(bytes, |n| &bytes[..n])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_keys_are_a_set_of_at_most_16() {
        let mut many = vec![1u8; 20];
        many.extend([2, 3, 1, 4]);
        assert_eq!(ColorKeys::from_slice(&many).as_slice(), &[1, 2, 3, 4]);
        let all: Vec<u8> = (0..40).collect();
        assert_eq!(ColorKeys::from_slice(&all).as_slice().len(), 16);
        assert_eq!(ColorKeys::one(255).as_slice(), &[255]);
    }

    #[test]
    fn checks_carry_tic80s_messages() {
        assert_eq!(check_sfx_id(64), Err(ApiError::UnknownSfx));
        assert_eq!(check_sfx_id(63), Ok(()));
        assert_eq!(check_track(8), Err(ApiError::UnknownTrack));
        assert_eq!(ApiError::UnknownChannel.message(), c"unknown channel\n");
    }
}
