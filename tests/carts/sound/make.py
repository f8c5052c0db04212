#!/usr/bin/env python3
"""Writes the sound test carts of this folder (waves.lua, noise.lua, envelopes.lua,
song.lua, pokes.lua) and, with --render, their reference WAVs through TIC-80's own core.

    python3 tests/carts/sound/make.py            # (re)write the .lua carts
    python3 tests/carts/sound/make.py --render   # ... and render NAME.wav and NAME.regs
    python3 tests/carts/sound/make.py --check-cartbox target/release/cartbox
                                                 # compare Cartbox's sound state with NAME.regs

The carts are ours: their code and their data sections are built here from the layouts
in docs/research/tic80-sound.md and tic80-carts.md (bytes written low nibble first in the
text sections, as TIC-80 saves them). The WAVs are what TIC-80 (tic80run, TIC-80 commit
9b79d496f0e3) renders for them.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TIC80RUN = "/work/shared/tools/tic80run"

# How many frames each cart is rendered for (and run for in Cartbox).
FRAMES = {"waves": 180, "noise": 180, "envelopes": 200, "song": 200, "pokes": 180}

SWEETIE16 = ("1a1c2c5d275db13e53ef7d57ffcd75a7f07038b764257179"
             "29366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57")


# ---------------------------------------------------------------------------------------
# Data sections

def flip(bs):
    """Bytes as TIC-80's text carts write them: each byte low nibble first."""
    return "".join(f"{b & 15:x}{b >> 4:x}" for b in bs)


def section(tag, rows, nbytes, count):
    """A data section; rows maps row index -> bytes. All-zero rows are left out, as
    TIC-80 does, and an all-zero section is left out entirely."""
    lines = []
    for i in sorted(rows):
        b = rows[i]
        assert 0 <= i < count and len(b) == nbytes, (tag, i, len(b))
        assert all(0 <= x <= 255 for x in b), (tag, i)
        if any(b):
            lines.append(f"-- {i:03d}:{flip(b)}")
    if not lines:
        return ""
    return f"-- <{tag}>\n" + "\n".join(lines) + f"\n-- </{tag}>\n\n"


def wave(samples):
    """16 bytes from 32 4-bit samples (sample 2k in the low nibble of byte k)."""
    assert len(samples) == 32 and all(0 <= s <= 15 for s in samples)
    return [samples[2 * k] | (samples[2 * k + 1] << 4) for k in range(16)]


def col(v, fill=None):
    """An envelope column of 30 values: a number for all 30, or a list padded with its
    last value (or `fill`)."""
    if isinstance(v, int):
        return [v] * 30
    v = list(v)
    assert len(v) <= 30
    return v + [v[-1] if fill is None else fill] * (30 - len(v))


def sample(wave=0, loud=15, chord=0, pitch=0, octave=4, note=0, speed=0, reverse=0,
           pitch16=0, mute_left=0, mute_right=0, loops=None):
    """An sfx sample (66 bytes). `loud` is the loudness 0..15 per tick (stored inverted:
    the byte holds 15 - loudness). pitch is signed -8..7; speed signed -4..3; loops maps
    'wave'/'vol'/'chord'/'pitch' to (start, size)."""
    W, L, C, P = col(wave), col(loud), col(chord), col(pitch)
    b = []
    for t in range(30):
        assert 0 <= W[t] <= 15 and 0 <= L[t] <= 15 and 0 <= C[t] <= 15 and -8 <= P[t] <= 7
        b.append((15 - L[t]) | (W[t] << 4))
        b.append(C[t] | ((P[t] & 15) << 4))
    assert 0 <= octave <= 7 and -4 <= speed <= 3 and 0 <= note <= 15
    b.append(octave | (pitch16 << 3) | ((speed & 7) << 4) | (reverse << 7))
    b.append(note | (mute_left << 4) | (mute_right << 5))
    loops = loops or {}
    for k in ("wave", "vol", "chord", "pitch"):
        start, size = loops.get(k, (0, 0))
        assert 0 <= start <= 15 and 0 <= size <= 15
        b.append(start | (size << 4))
    assert len(b) == 66
    return b


SEMI = {"C-": 0, "C#": 1, "D-": 2, "D#": 3, "E-": 4, "F-": 5, "F#": 6, "G-": 7, "G#": 8,
        "A-": 9, "A#": 10, "B-": 11}
CMD = {"M": 1, "C": 2, "J": 3, "S": 4, "P": 5, "V": 6, "D": 7}


def prow(note=None, sfx=0, cmd=None):
    """A pattern row (3 bytes). note: None, 'off' or like 'C#4' (octave = the stored
    octave, channel note = semitone + 12*octave). cmd: like 'M F8' (letter, X, Y hex)."""
    if note is None:
        n, octv = 0, 0
    elif note == "off":
        n, octv = 1, 0
    else:
        n, octv = SEMI[note[:2]] + 4, int(note[2])
    c = x = y = 0
    if cmd:
        c, x, y = CMD[cmd[0]], int(cmd[2], 16), int(cmd[3], 16)
    assert 0 <= sfx <= 63 and 0 <= octv <= 7
    return [n | (x << 4), y | (c << 4) | ((sfx >> 5) << 7), (sfx & 31) | (octv << 5)]


def pattern(rows):
    """192 bytes from {row: (note, sfx, cmd)}."""
    b = [0] * 192
    for r, spec in rows.items():
        b[3 * r:3 * r + 3] = prow(*spec)
    return b


def track(frames, tempo=150, rows=64, speed=6):
    """51 bytes: 16 frames of four 6-bit pattern ids, then tempo, rows, speed deltas."""
    b = []
    for f in range(16):
        ids = frames[f] if f < len(frames) else (0, 0, 0, 0)
        v = 0
        for c, p in enumerate(ids):
            assert 0 <= p <= 60
            v |= p << (6 * c)
        b += [v & 255, (v >> 8) & 255, v >> 16]
    b += [(tempo - 150) & 255, 64 - rows, (speed - 6) & 255]
    return b


def cart(name, code, waves=None, sfx=None, patterns=None, tracks=None):
    text = code.strip("\n") + "\n\n"
    text += section("WAVES", waves or {}, 16, 16)
    text += section("SFX", sfx or {}, 66, 64)
    # pattern ids start at 1 in tracks; the section's row 0 is pattern 1
    text += section("PATTERNS", {p - 1: b for p, b in (patterns or {}).items()}, 192, 60)
    text += section("TRACKS", tracks or {}, 51, 8)
    text += "-- <PALETTE>\n-- 000:" + SWEETIE16 + "\n-- </PALETTE>\n\n"
    assert "\n-- <" not in code, "the code must not contain a line starting with '-- <'"
    with open(os.path.join(HERE, name + ".lua"), "w") as f:
        f.write(text)


# ---------------------------------------------------------------------------------------
# Waveforms shared by several carts

import math

SQUARE = wave([0] * 16 + [15] * 16)
SAW = wave([i // 2 for i in range(32)])
TRIANGLE = wave([i if i < 16 else 31 - i for i in range(32)])
SINE = wave([int(math.floor(7.5 + 7.5 * math.sin(2 * math.pi * i / 32) + 0.5)) for i in range(32)])
JAGGED = wave([15, 0, 12, 3, 9, 6, 14, 1, 7, 8, 2, 13, 5, 10, 0, 15,
               4, 11, 1, 14, 8, 7, 3, 12, 6, 9, 15, 0, 10, 5, 13, 2])
PULSE = wave([15] * 8 + [0] * 24)
NOISE00 = [0x00] * 16
NOISEFF = [0xFF] * 16

HEADER = """-- title:   {title}
-- author:  Cartbox tests
-- desc:    {desc}
-- license: MIT
-- script:  lua
"""

# ---------------------------------------------------------------------------------------
# 1. waves.lua

WAVES_CODE = HEADER.format(title="sound: waves", desc="waveforms, pitches, stereo") + r"""
-- Covers: each waveform (square, saw, triangle, sine-like, a custom jagged one, a 25% pulse)
-- at several pitches, from note 0 (16 Hz) to note 95, and chord offsets pushing the note
-- past 95 (clamped to 103, register frequency wrapping past 4095 Hz), through sfx() on all
-- four channels, with sfx() volumes 1..15 and a volume table ({15,2}: TIC-80 1.1 stores 3
-- and 3), and the samples' stereo-left / stereo-right mute bits so left and right differ.
-- Timeline (f = frame, 1-based; sound starts one tick after the call):
--   f1   square A-3 alone on ch0          f17  saw A-4 alone on ch1
--   f33  triangle A-2 alone on ch2        f49  sine A-5 alone on ch3
--   f65  jagged C-5 alone on ch0          f81  very low notes (0,1,5,0) on ch0-3
--   f97  very high notes (95,93,90,84)    f113 chords past 95 (notes 95, 90, 88 + offsets)
--   f129 left/right mutes, volumes        f145 envelope volume 9, volumes 7/13/1, table
--   f161 a chord on all four channels     f175 all stopped (silence to the end)
-- Frames: 180. No input needed.

local f = 0
local SQ, SAW, TRI, SIN, JAG, PUL = 0, 1, 2, 3, 4, 5
local ARP, ARP2, HIGH = 8, 12, 13
local MUTEL, MUTER, SOFT = 9, 10, 11

local function stopall()
  for c = 0, 3 do sfx(-1, 0, -1, c) end
end

local steps = {
  [1] = function() sfx(SQ, 45, -1, 0, 15) end,
  [17] = function() stopall() sfx(SAW, 57, -1, 1, 15) end,
  [33] = function() stopall() sfx(TRI, 33, -1, 2, 15) end,
  [49] = function() stopall() sfx(SIN, 69, -1, 3, 15) end,
  [65] = function() stopall() sfx(JAG, 60, -1, 0, 15) end,
  [81] = function()
    sfx(SQ, 0, -1, 0, 15) sfx(SAW, 1, -1, 1, 12)
    sfx(TRI, 5, -1, 2, 9) sfx(JAG, 0, -1, 3, 6)
  end,
  [97] = function()
    sfx(SQ, 95, -1, 0, 15) sfx(SAW, 93, -1, 1, 5)
    sfx(TRI, 90, -1, 2, 10) sfx(SIN, 84, -1, 3, 2)
  end,
  [113] = function()
    sfx(ARP, 95, -1, 0, 15) sfx(ARP, 90, -1, 1, 8)
    sfx(HIGH, 88, -1, 2, 12) sfx(ARP2, 94, -1, 3, 10)
  end,
  [129] = function()
    sfx(MUTEL, 48, -1, 0, 15) sfx(MUTER, 55, -1, 1, 15)
    sfx(SAW, 60, -1, 2, 4) sfx(SIN, 72, -1, 3, 11)
  end,
  [145] = function()
    sfx(SOFT, 36, -1, 0, 15) sfx(PUL, 64, -1, 1, 7)
    sfx(JAG, 79, -1, 2, 13) sfx(SQ, 12, -1, 3, {15, 2})
  end,
  [161] = function()
    sfx(TRI, 48, -1, 0, 15) sfx(MUTEL, 52, -1, 1, 9)
    sfx(MUTER, 55, -1, 2, 9) sfx(SIN, 60, -1, 3, 14)
  end,
  [175] = stopall,
}

function TIC()
  f = f + 1
  if steps[f] then steps[f]() end
  cls(0)
  print("sound: waves", 8, 8, 12)
  print("frame " .. f, 8, 20, 13)
end
"""

# ---------------------------------------------------------------------------------------
# 2. noise.lua

NOISE_CODE = HEADER.format(title="sound: noise", desc="noise waveforms, raw registers") + r"""
-- Covers: TIC-80's two noise kinds, a waveform of 16 bytes 0x00 and one of 16 bytes 0xFF,
-- played through sfx() at low and high notes, then direct pokes of the sound registers
-- (0xFF9C + 18*channel: frequency low byte; frequency high nibble + volume << 4; 16 wave
-- bytes) and of the stereo bytes 0x14000..0x14003 (low nibble left, high nibble right) from
-- TIC(), with register frequencies 0, 1 and 4095 and volumes 0..15.
-- Timeline:
--   f1   noise 00 at note 12 (ch0)       f21  noise 00 at note 84 (ch0)
--   f41  noise FF at note 12 (ch1)       f61  noise FF at note 84 (ch1)
--   f81  both kinds on all four channels, notes 48/60/95/0, the stereo bytes poked
--   f101..f180 registers poked every frame (sfx all stopped at f101):
--     ch0 square, ch1 noise 00, ch2 noise FF, ch3 saw; frequencies and volumes below
-- Frames: 180. No input needed.

local f = 0
local N00, NFF = 0, 1
local SQUARE = {0,0,0,0,0,0,0,0,255,255,255,255,255,255,255,255}
local SAW = {}
for i = 0, 15 do SAW[i + 1] = i | (i << 4) end

local function reg(c, freq, vol, bytes, fill)
  local a = 0xFF9C + 18 * c
  poke(a, freq & 0xFF)
  poke(a + 1, (freq >> 8) & 0x0F | (vol & 15) << 4)
  for i = 0, 15 do poke(a + 2 + i, bytes and bytes[i + 1] or fill) end
end

local steps = {
  [1] = function() sfx(N00, 12, -1, 0, 15) end,
  [21] = function() sfx(N00, 84, -1, 0, 15) end,
  [41] = function() sfx(-1, 0, -1, 0) sfx(NFF, 12, -1, 1, 15) end,
  [61] = function() sfx(NFF, 84, -1, 1, 15) end,
  [81] = function()
    sfx(N00, 48, -1, 0, 15) sfx(NFF, 60, -1, 1, 12)
    sfx(N00, 95, -1, 2, 10) sfx(NFF, 0, -1, 3, 15)
  end,
  [101] = function() for c = 0, 3 do sfx(-1, 0, -1, c) end end,
}

local F0 = {0, 1, 55, 440, 1000, 4095, 4000, 2047}
local F1 = {0, 4095, 30, 3000}
local F2 = {4095, 0, 200, 1}
local ST = {0xFF, 0x0F, 0xF0, 0x00, 0x5A, 0xA5, 0x11, 0xEE}

function TIC()
  f = f + 1
  if steps[f] then steps[f]() end
  if f >= 81 and f < 101 then
    -- override the stereo the sfx channels set this tick
    poke(0x14000, 0x0F) poke(0x14001, 0xF0)
    poke(0x14002, 0x7C) poke(0x14003, f % 2 == 0 and 0xFF or 0x30)
  elseif f >= 101 then
    local j = f - 101                 -- 0..79
    reg(0, F0[j // 10 + 1], (j * 3) % 16, SQUARE)
    reg(1, F1[j // 20 + 1], 15 - j % 16, nil, 0x00)
    reg(2, F2[j // 20 + 1], 8 + j % 8, nil, 0xFF)
    reg(3, j < 70 and j * 59 or 4095, j < 40 and 15 or j % 16, SAW)
    poke(0x14000, ST[j // 10 + 1])
    poke(0x14001, ST[(j // 10 + 3) % 8 + 1])
    poke(0x14002, ST[(j // 10 + 5) % 8 + 1])
    poke4(2 * 0x14003, j % 16)        -- left nibble of channel 3; right stays 15
  end
  cls(0)
  print("sound: noise", 8, 8, 12)
  print("frame " .. f, 8, 20, 13)
end
"""

# ---------------------------------------------------------------------------------------
# 3. envelopes.lua

ENV_CODE = HEADER.format(title="sound: envelopes", desc="sfx envelopes, loops, speeds") + r"""
-- Covers: sfx samples' volume, wave, chord and pitch envelopes; loops with a start and a
-- size on each envelope; speeds -4..3 (the sfx() speed argument, and a sample's own stored
-- speed -4 and 3 used by default); the reverse-chord bit; pitch x16; durations 0, 1, 2, 5,
-- 12 and 30 ticks (a duration of N sounds for N-1 ticks); envelope volume 0 ticks in the
-- middle of a sound; and a sample using every envelope, loop and bit at once.
-- Timeline:
--   f1   ch0 volume decay (sfx 0); ch1 wave envelope looping 4 waves (sfx 2), duration 40
--   f31  ch0 tremolo: volume loop start 2 size 4 (sfx 1)
--   f41  ch1 arpeggio: chord loop start 1 size 3 (sfx 3); ch2 pitch envelope -8..7, then
--        looping -7..7 (loop start 1 size 15) (sfx 4)
--   f61  ch2 the same with pitch x16 (sfx 5); ch3 reverse chord (sfx 6)
--   f81  all stopped; ch0 speed probe (sfx 7) at speeds -4,-3,-2,-1,0,1,2,3, 10 frames each;
--        ch1 durations 1,2,5,12,30,0 (sfx 9); ch2 stored speed -4 (sfx 8)
--   f101 ch3 everything at once (sfx 11)
--   f121 ch2 stored speed 3 with loops (sfx 10)
--   f161 all four channels: gated sample (sfx 12, volume 0 every third tick) at speeds
--        -1, 0, 1, 2 and volumes 15, 11, 7, 3
--   f190 all stopped
-- Frames: 200. No input needed.

local f = 0

local steps = {
  [1] = function() sfx(0, 48, -1, 0, 15) sfx(2, 45, 40, 1, 10) end,
  [31] = function() sfx(1, 52, -1, 0, 15) end,
  [41] = function() sfx(3, 48, -1, 1, 15) sfx(4, 60, -1, 2, 12) end,
  [61] = function() sfx(5, 60, -1, 2, 12) sfx(6, 57, -1, 3, 15) end,
  [81] = function()
    for c = 0, 3 do sfx(-1, 0, -1, c) end
    sfx(9, 60, 1, 1, 15)
    sfx(8, 48, -1, 2, 9)
  end,
  [84] = function() sfx(9, 62, 2, 1, 15) end,
  [88] = function() sfx(9, 64, 5, 1, 15) end,
  [95] = function() sfx(9, 67, 12, 1, 15) end,
  [101] = function() sfx(11, 50, -1, 3, 13) end,
  [110] = function() sfx(9, 72, 30, 1, 15) end,
  [121] = function() sfx(10, 50, -1, 2, 9) end,
  [145] = function() sfx(9, 55, 0, 1, 15) end,
  [161] = function()
    sfx(12, 48, -1, 0, 15, -1) sfx(12, 55, -1, 1, 11, 0)
    sfx(12, 60, -1, 2, 7, 1) sfx(12, 64, -1, 3, 3, 2)
  end,
  [190] = function() for c = 0, 3 do sfx(-1, 0, -1, c) end end,
}

function TIC()
  f = f + 1
  if steps[f] then steps[f]() end
  -- the speed probe: speeds -4..3 in turn on channel 0, 10 frames each
  if f >= 81 and f < 161 and (f - 81) % 10 == 0 then
    sfx(7, 36, -1, 0, 15, (f - 81) // 10 - 4)
  end
  cls(0)
  print("sound: envelopes", 8, 8, 12)
  print("frame " .. f, 8, 20, 13)
end
"""

# ---------------------------------------------------------------------------------------
# 4. song.lua

SONG_CODE = HEADER.format(title="sound: song", desc="music tracks, patterns, commands") + r"""
-- Covers: music(): track 0 (tempo 180, speed 4, 16 rows per frame, set in the track) with
-- three frames of patterns on all four channels, the commands M (volume left/right),
-- C (chord), J (jump), S (slide), P (fine pitch), V (vibrato) and D (delay), note-offs,
-- notes 0 (C-0) and 95 (B-7), an sfx id above 31 (the pattern row's high sfx bit), frames
-- with an empty channel; then track 1 started with music(1, 0, 2, true, true, 200, 3)
-- (tempo and speed arguments overriding the track's; sustain; row 2 asked, row 1 played
-- because of TIC-80's row/tick rounding), an sfx() overriding music channel 2 (a sample
-- whose volume is 0 every other tick, so the music shows through) and channel 0, and
-- music() stopping the music while the sfx goes on.
-- Timeline: f1 music(0); frame 2 of track 0 jumps (J12) back to frame 1 row 8;
--   f151 music(1, 0, 2, true, true, 200, 3); f171 sfx on ch2 for 20 ticks;
--   f181 sfx on ch0 (forever); f195 music() stops the music.
-- Frames: 200. No input needed.

local f = 0

function TIC()
  f = f + 1
  if f == 1 then music(0) end
  if f == 151 then music(1, 0, 2, true, true, 200, 3) end
  if f == 171 then sfx(4, 70, 20, 2, 9) end
  if f == 181 then sfx(4, 40, -1, 0, 15) end
  if f == 195 then music() end
  cls(0)
  print("sound: song", 8, 8, 12)
  print("frame " .. f, 8, 20, 13)
  print("track " .. peek(0x13FFC) .. " frame " .. peek(0x13FFD) .. " row " .. peek(0x13FFE),
        8, 32, 13)
end
"""

# ---------------------------------------------------------------------------------------
# 5. pokes.lua

POKES_CODE = HEADER.format(title="sound: pokes", desc="raw register bytes every frame") + r"""
-- Covers: the synthesis of any register content: TIC() writes raw sound-register bytes
-- every frame. Register 0 gets all 18 bytes 0xFF (frequency 4095, volume 15, an all-0xFF
-- waveform: noise) until f150; registers 1..3 get bytes from a fixed-seed LCG written here
-- (not math.random, which differs between Lua builds).
-- Timeline:
--   f1..f60    register 0 all 0xFF; registers 1..3 new random bytes every frame
--   f61..f120  the same, and the stereo bytes 0x14000..0x14003 random too
--   f121..f150 registers 1..3 random, new bytes only every 6 frames (steady tones);
--              the stereo bytes random every frame
--   f151..f180 sfx 0 (called at f151) plays on ch2 and ch3 and only some bytes are poked
--              over it: ch2's volume nibble, ch3's waveform bytes; register 0 is left
--              zero except its volume nibble (frequency 0, volume 15, an all-zero
--              waveform: noise at frequency 0); register 1 random
-- Frames: 180. No input needed.

local f = 0
local seed = 20240611

local function rnd()            -- a byte from a 31-bit LCG (integer arithmetic only)
  seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
  return (seed >> 16) & 0xFF
end

local held = {}

local function randreg(c)
  local a = 0xFF9C + 18 * c
  for i = 0, 17 do poke(a + i, rnd()) end
end

function TIC()
  f = f + 1
  if f <= 150 then
    for i = 0, 17 do poke(0xFF9C + i, 0xFF) end
  end
  if f <= 120 then
    for c = 1, 3 do randreg(c) end
    if f > 60 then
      for c = 0, 3 do poke(0x14000 + c, rnd()) end
    end
  elseif f <= 150 then
    if (f - 121) % 6 == 0 then
      for i = 0, 53 do held[i] = rnd() end
    end
    for i = 0, 53 do poke(0xFFAE + i, held[i]) end
    for c = 0, 3 do poke(0x14000 + c, rnd()) end
  else
    if f == 151 then sfx(0, 45, -1, 2, 15) sfx(0, 64, -1, 3, 12) end
    poke(0xFF9D, 0xF0)                      -- register 0: frequency 0, volume 15
    randreg(1)
    local a2 = 0xFF9C + 36
    poke(a2 + 1, (peek(a2 + 1) & 0x0F) | (rnd() & 0xF0))
    local a3 = 0xFF9C + 54
    for i = 2, 17 do poke(a3 + i, rnd()) end
  end
  cls(0)
  print("sound: pokes", 8, 8, 12)
  print("frame " .. f, 8, 20, 13)
end
"""


def main():
    # ---- waves.lua
    w = {0: SQUARE, 1: SAW, 2: TRIANGLE, 3: SINE, 4: JAGGED, 5: PULSE}
    s = {k: sample(wave=k) for k in range(6)}
    # chord arpeggio 0,4,7,12,15 looping every 5 ticks (saw); a high one on the pulse
    s[8] = sample(wave=1, chord=[0, 4, 7, 12, 15], loops={"chord": (0, 5)})
    s[12] = sample(wave=5, chord=[2, 9, 15, 5], loops={"chord": (0, 4)})
    s[13] = sample(wave=4, chord=15)
    s[9] = sample(wave=0, mute_left=1)
    s[10] = sample(wave=2, mute_right=1)
    s[11] = sample(wave=3, loud=9)
    cart("waves", WAVES_CODE, waves=w, sfx=s)

    # ---- noise.lua
    w = {0: NOISE00, 1: NOISEFF, 2: SQUARE, 3: SAW}
    s = {0: sample(wave=0), 1: sample(wave=1)}
    cart("noise", NOISE_CODE, waves=w, sfx=s)

    # ---- envelopes.lua
    w = {0: SQUARE, 1: SAW, 2: TRIANGLE, 3: SINE, 4: JAGGED, 5: PULSE}
    s = {}
    s[0] = sample(wave=0, loud=[15 - t // 2 for t in range(30)])          # decay 15..1
    s[1] = sample(wave=2, loud=[15, 12, 15, 10, 5, 1, 15], loops={"vol": (2, 4)})
    s[2] = sample(wave=[0, 0, 1, 1, 3, 3, 4, 4], loud=13, loops={"wave": (0, 8)})
    s[3] = sample(wave=1, chord=[12, 0, 4, 7], loops={"chord": (1, 3)})
    s[4] = sample(wave=3, pitch=[p for p in range(-8, 8)], loops={"pitch": (1, 15)})
    s[5] = sample(wave=3, pitch=[p for p in range(-8, 8)], pitch16=1,
                  loops={"pitch": (1, 15)})
    s[6] = sample(wave=1, chord=[0, 3, 7, 12], reverse=1, loops={"chord": (0, 4)})
    # speed probe: every tick position has its own chord offset and loudness
    s[7] = sample(wave=5, chord=[t % 16 for t in range(30)],
                  loud=[15 - (t % 8) for t in range(30)])
    s[8] = sample(wave=4, chord=[0, 2, 4, 5, 7, 9, 11, 12] * 3, loud=12, speed=-4)
    s[9] = sample(wave=0, loud=[14, 12, 10, 8] * 7 + [6, 6], chord=[0, 0, 5, 5] * 7)
    s[10] = sample(wave=[1, 2, 3, 4], chord=[0, 7, 12], pitch=[0, 3, -3, 6, -6],
                   loud=[10, 12, 14, 8], speed=3,
                   loops={"wave": (0, 4), "chord": (0, 3), "pitch": (1, 4), "vol": (2, 2)})
    s[11] = sample(wave=[0, 1, 2, 3, 4, 5, 4, 3], loud=[15, 13, 11, 9, 11, 13],
                   chord=[0, 5, 9, 12, 3], pitch=[0, 1, 2, -1, -2, 7, -8],
                   speed=-1, reverse=1, pitch16=1, mute_right=1, octave=3, note=7,
                   loops={"wave": (2, 6), "vol": (1, 5), "chord": (0, 5), "pitch": (3, 4)})
    s[12] = sample(wave=1, loud=[15, 15, 0] * 10, chord=[0, 0, 0, 12, 12, 12],
                   loops={"vol": (0, 3), "chord": (0, 6)})
    cart("envelopes", ENV_CODE, waves=w, sfx=s)

    # ---- song.lua
    w = {0: SQUARE, 1: TRIANGLE, 2: SAW, 3: NOISE00, 4: PULSE, 5: SINE}
    s = {}
    s[0] = sample(wave=4, loud=[15, 14, 13, 12, 12, 11, 11, 10])               # lead
    s[33] = sample(wave=2, loud=[14, 12, 10, 9, 8], speed=1)                   # lead 2
    s[1] = sample(wave=1, loud=15)                                              # bass
    s[2] = sample(wave=5, loud=[9, 8, 7, 8], loops={"vol": (0, 4)})             # pad
    s[3] = sample(wave=3, loud=[15, 12, 9, 7, 5, 4, 3, 2, 1, 0],
                  pitch=[0, -2, -4, -6, -8])                                    # drum
    s[4] = sample(wave=0, loud=[12, 0], loops={"vol": (0, 2)})                  # override
    p = {}
    # track 0, frame 0
    p[1] = pattern({0: ("C-5", 0, "M F8"), 2: ("E-5", 0, None), 4: ("G-5", 0, "V 48"),
                    8: ("C-6", 33, None), 11: ("off", 0, None), 12: ("B-4", 0, "V 00"),
                    14: ("D-5", 0, "P A0")})
    p[2] = pattern({0: ("C-3", 1, "M 8F"), 4: ("C-3", 1, None), 6: ("off", 1, None),
                    8: ("G-2", 1, "P 70"), 12: ("G-2", 1, "P 80"), 15: ("off", 1, None)})
    p[3] = pattern({0: ("C-4", 2, "C 47"), 8: ("A-3", 2, "C 38"), 12: ("F-3", 2, "C 50"),
                    15: (None, 0, "C 00")})
    p[4] = pattern({0: ("C-2", 3, None), 2: ("C-6", 3, None), 4: ("C-3", 3, "D 02"),
                    5: ("C-6", 3, None), 6: ("C-6", 3, None), 8: ("C-2", 3, None),
                    10: ("C-6", 3, None), 12: ("C-3", 3, None), 13: ("F-5", 3, "D 01"),
                    14: ("C-6", 3, None)})
    # track 0, frame 1
    p[5] = pattern({0: ("C-5", 0, "S 0C"), 4: ("G-5", 0, None), 8: ("E-5", 0, "M 4F"),
                    10: (None, 0, "S 00"), 12: ("C-6", 0, "V 2F"), 15: ("off", 0, None)})
    p[6] = pattern({0: ("F-2", 1, "M FF"), 4: ("F-2", 1, None), 8: ("A-2", 1, "M 6C"),
                    12: ("C-0", 1, None), 14: ("off", 1, None)})
    p[7] = pattern({0: ("C-2", 3, "D 00"), 2: ("C-6", 3, None), 3: ("C-4", 3, "D 0A"),
                    4: ("C-6", 3, None), 6: ("C-6", 3, None), 8: ("C-2", 3, None),
                    10: ("G-6", 3, None), 12: ("C-3", 3, None), 14: ("C-6", 3, None)})
    # track 0, frame 2 (no pattern on channel 3)
    p[8] = pattern({0: ("A-4", 0, "M FF"), 2: ("C-5", 0, "V 00"), 4: ("B-7", 0, None),
                    6: ("off", 0, None), 7: ("G-5", 0, "J 12")})
    p[9] = pattern({0: ("A-1", 1, "P 80"), 4: ("E-1", 1, None), 6: ("A-1", 1, None)})
    p[10] = pattern({0: ("A-3", 2, "C 37"), 4: ("C-4", 2, "C 59"), 6: ("E-4", 2, "C 00")})
    # track 1, frame 0 and frame 1
    p[11] = pattern({0: ("C-4", 0, None), 1: ("E-4", 0, "M FF"), 3: ("G-4", 0, None),
                     5: ("C-5", 0, None), 7: ("G-4", 0, None), 9: ("E-4", 33, None),
                     11: ("C-4", 0, "V 34"), 13: ("off", 0, None)})
    p[12] = pattern({0: ("C-1", 1, None), 1: ("C-2", 1, "M F5"), 8: ("G-1", 1, None)})
    p[13] = pattern({1: ("E-4", 2, "C 37"), 9: ("D-4", 2, "C 58")})
    p[14] = pattern({1: ("C-2", 3, None), 3: ("C-6", 3, None), 5: ("C-3", 3, None),
                     7: ("C-6", 3, None), 9: ("C-2", 3, None), 11: ("C-6", 3, "D 01"),
                     13: ("C-3", 3, None), 15: ("C-6", 3, None)})
    p[15] = pattern({0: ("F-4", 0, None), 2: ("A-4", 0, "S 06"), 4: ("C-5", 0, None),
                     8: ("F-5", 0, "S 00"), 12: ("off", 0, None)})
    p[16] = pattern({0: ("C-2", 3, None), 4: ("C-3", 3, None), 8: ("C-2", 3, None),
                     12: ("C-3", 3, None)})
    t = {0: track([(1, 2, 3, 4), (5, 6, 3, 7), (8, 9, 10, 0)], tempo=180, rows=16, speed=4),
         1: track([(11, 12, 13, 14), (15, 0, 0, 16)], tempo=90, rows=16, speed=8)}
    cart("song", SONG_CODE, waves=w, sfx=s, patterns=p, tracks=t)

    # ---- pokes.lua
    w = {0: SQUARE, 1: SAW}
    s = {0: sample(wave=[0, 1], loud=13, loops={"wave": (0, 2)})}
    cart("pokes", POKES_CODE, waves=w, sfx=s)

    args = sys.argv[1:]
    if "--render" in args:
        for name, n in FRAMES.items():
            cmd = [TIC80RUN, name + ".lua", "--frames", str(n), "--wav", name + ".wav"]
            print(" ".join(cmd))
            subprocess.run(cmd, cwd=HERE, check=True)
            regs = register_dump([TIC80RUN], name, n)
            with open(os.path.join(HERE, name + ".regs"), "w") as f:
                f.write("".join(line + "\n" for line in regs))
    if "--check-cartbox" in args:
        cartbox = args[args.index("--check-cartbox") + 1]
        bad = 0
        for name, n in FRAMES.items():
            got = register_dump([cartbox, "run"], name, n, ["--headless", "--trace"])
            with open(os.path.join(HERE, name + ".regs")) as f:
                ref = f.read().split()
            diff = [i + 1 for i in range(max(len(ref), len(got)))
                    if i >= len(ref) or i >= len(got) or ref[i] != got[i]]
            print(f"{name}: {len(got)} frames, {len(diff)} differ from {name}.regs"
                  + (f" (first: frame {diff[0]})" if diff else ""))
            bad += bool(diff)
        sys.exit(1 if bad else 0)


# The sound state a cart leaves at the end of each frame's TIC(), which is what the
# synthesiser plays: 0xFF8C..0xFFE3 (sfx positions, the four registers) and
# 0x13FFC..0x14003 (music state, stereo), one line of 96 bytes in hex per frame.
REGS_HOOK = """
local tic_ = TIC
function TIC()
  tic_()
  local s = {}
  for a = 0xFF8C, 0xFFE3 do s[#s + 1] = string.format("%02x", peek(a)) end
  for a = 0x13FFC, 0x14003 do s[#s + 1] = string.format("%02x", peek(a)) end
  trace("REGS " .. table.concat(s))
end
"""


def register_dump(runner, name, frames, extra=()):
    """Runs a copy of the cart whose TIC() also traces its sound state every frame."""
    import tempfile
    with open(os.path.join(HERE, name + ".lua")) as f:
        text = f.read()
    at = text.index("\n-- <")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name + ".lua")
        with open(path, "w") as f:
            f.write(text[:at] + "\n" + REGS_HOOK + text[at:])
        out = subprocess.run(runner + [path, "--frames", str(frames), *extra],
                             capture_output=True, text=True, check=True)
    lines = []
    for line in (out.stdout + out.stderr).splitlines():
        if "REGS " in line:
            lines.append(line.split("REGS ", 1)[1].strip())
    assert len(lines) == frames, (name, len(lines))
    return lines


if __name__ == "__main__":
    main()
