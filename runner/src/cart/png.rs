//! PNG carts: a cover picture with the cart inside, as TIC-80 writes them.
//!
//! The cart is the zlib-compressed `.tic` byte stream, stored in a private `caRt` chunk
//! and, when it fits, also in the low bits of the pixels: the first 8 bytes of the RGBA
//! pixel data carry, 4 low bits each (least significant first), the bits per byte (1-8)
//! and the 24-bit length; the payload follows in the low bits of the next bytes. The
//! `caRt` chunk is preferred; the pixels are the fallback.

use std::path::Path;

use super::CartError;

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Largest `.tic` stream a PNG may inflate to (TIC-80's whole cartridge struct).
const MAX_TIC: usize = 8 * 82360 + 512 * 1024 + 256 * 1024 + 8;

/// Whether `bytes` start like a PNG file.
pub(super) fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(SIGNATURE)
}

/// The `.tic` bytes inside a PNG cart.
pub(super) fn extract(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, CartError> {
    let bad = |place: &str, message: String| CartError::Malformed {
        path: path.to_owned(),
        place: place.into(),
        message,
    };
    if !is_png(bytes) {
        return Err(bad("header", "not a PNG file".into()));
    }
    let payload = match cart_chunk(bytes) {
        Some(p) => p.to_vec(),
        None => {
            let rgba = decode_rgba(bytes).map_err(|e| bad("image", e))?;
            steganography(&rgba).ok_or_else(|| {
                bad(
                    "image",
                    "no cart inside this PNG (no caRt chunk, and none hidden in the pixels)".into(),
                )
            })?
        }
    };
    // Unlike a .tic's compressed code, TIC-80 takes the cart only if zlib inflates it
    // whole, checksum included.
    let tic = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&payload, MAX_TIC).map_err(
        |e| {
            use miniz_oxide::inflate::TINFLStatus;
            let why = match e.status {
                TINFLStatus::HasMoreOutput => "it inflates to more than any cart",
                TINFLStatus::Adler32Mismatch => "its checksum is wrong",
                TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                    "it is cut short"
                }
                _ => "it is not valid zlib data",
            };
            bad(
                "cart data",
                format!("the compressed cart does not inflate ({why})"),
            )
        },
    )?;
    if tic.is_empty() {
        return Err(bad("cart data", "the cart inside is empty".into()));
    }
    Ok(tic)
}

/// Writes a PNG cart as TIC-80 does: a 256x256 cover with the cart's screen at (8, 8), the
/// zlib-compressed `.tic` bytes in a `caRt` chunk and, when they fit at one bit per byte,
/// hidden in the pixels too.
pub(super) fn write(tic: &[u8], screen_rgb: &[u8]) -> Vec<u8> {
    const SIDE: usize = 256;
    let z = miniz_oxide::deflate::compress_to_vec_zlib(tic, 9);
    let mut px = vec![0u8; SIDE * SIDE * 4];
    for p in px.chunks_exact_mut(4) {
        p.copy_from_slice(&[0x1a, 0x1c, 0x2c, 0xff]);
    }
    for (i, rgb) in screen_rgb.chunks_exact(3).enumerate().take(240 * 136) {
        let (x, y) = (8 + i % 240, 8 + i / 240);
        let at = (y * SIDE + x) * 4;
        px[at..at + 4].copy_from_slice(&[rgb[0], rgb[1], rgb[2], 0xff]);
    }
    let carrier = px.len() - 8;
    if z.len() * 8 <= carrier && z.len() < 1 << 24 {
        let size = z.len();
        let hdr = [1u8, size as u8, (size >> 8) as u8, (size >> 16) as u8];
        for (j, h) in hdr.iter().enumerate() {
            px[2 * j] = (px[2 * j] & 0xf0) | (h & 0x0f);
            px[2 * j + 1] = (px[2 * j + 1] & 0xf0) | (h >> 4);
        }
        for p in 0..size * 8 {
            let bit = (z[p / 8] >> (p % 8)) & 1;
            px[8 + p] = (px[8 + p] & 0xfe) | bit;
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, SIDE as u32, SIDE as u32);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    // Writing to a Vec cannot fail; an encoder error would be a bug in these arguments.
    if let Ok(mut w) = enc.write_header() {
        let _ = w.write_image_data(&px);
        let _ = w.write_chunk(png::chunk::ChunkType(*b"caRt"), &z);
        let _ = w.finish();
    }
    out
}

/// The first `caRt` chunk's data, if a well-formed one exists.
fn cart_chunk(bytes: &[u8]) -> Option<&[u8]> {
    let mut at = SIGNATURE.len();
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().ok()?) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = bytes.get(at + 8..at.checked_add(8 + len)?)?;
        if kind == b"caRt" && !data.is_empty() {
            return Some(data);
        }
        if kind == b"IEND" {
            return None;
        }
        at += 12 + len;
    }
    None
}

/// The pixels as RGBA bytes, whatever the PNG's colour type.
fn decode_rgba(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader
        .output_buffer_size()
        .ok_or("the image is too large")?;
    if size > 64 << 20 {
        return Err("the image is too large".into());
    }
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let buf = &buf[..info.buffer_size()];
    Ok(match info.color_type {
        png::ColorType::Rgba => buf.to_vec(),
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 0xff])
            .collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|g| [*g, *g, *g, 0xff]).collect(),
        png::ColorType::Indexed => return Err("an indexed image the decoder did not expand".into()),
    })
}

/// The payload hidden in the low bits of the pixel bytes, if the header there is valid.
fn steganography(c: &[u8]) -> Option<Vec<u8>> {
    if c.len() < 8 {
        return None;
    }
    let hdr: Vec<u8> = (0..4)
        .map(|j| (c[2 * j] & 0x0f) | ((c[2 * j + 1] & 0x0f) << 4))
        .collect();
    let bits = usize::from(hdr[0]);
    let size = usize::from(hdr[1]) | usize::from(hdr[2]) << 8 | usize::from(hdr[3]) << 16;
    if !(1..=8).contains(&bits) || size == 0 || size > (c.len() * bits / 8).saturating_sub(8) {
        return None;
    }
    let mut out = vec![0u8; size];
    for p in 0..size * 8 {
        let (i, b) = (p / bits, p % bits);
        let bit = (c.get(8 + i)? >> b) & 1;
        out[p / 8] |= bit << (p % 8);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RGBA PNG of `w` x `h` with `pixels`, plus optional extra chunks after IDAT.
    fn png_bytes(w: u32, h: u32, pixels: &[u8], cart: Option<&[u8]>) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgba);
            let mut writer = enc.write_header().unwrap();
            writer.write_image_data(pixels).unwrap();
            if let Some(data) = cart {
                writer
                    .write_chunk(png::chunk::ChunkType(*b"caRt"), data)
                    .unwrap();
            }
            writer.finish().unwrap();
        }
        out
    }

    fn hide(pixels: &mut [u8], payload: &[u8]) {
        let size = payload.len();
        let hdr = [1u8, size as u8, (size >> 8) as u8, (size >> 16) as u8];
        for j in 0..4 {
            pixels[2 * j] = (pixels[2 * j] & 0xf0) | (hdr[j] & 0x0f);
            pixels[2 * j + 1] = (pixels[2 * j + 1] & 0xf0) | (hdr[j] >> 4);
        }
        for p in 0..size * 8 {
            let bit = (payload[p / 8] >> (p % 8)) & 1;
            pixels[8 + p] = (pixels[8 + p] & 0xfe) | bit;
        }
    }

    #[test]
    fn cart_chunk_and_pixels_both_work() {
        let tic = crate::cart::tic::tests::chunk(5, 0, b"function TIC() end");
        let z = miniz_oxide::deflate::compress_to_vec_zlib(&tic, 9);
        let with_chunk = png_bytes(16, 16, &[0x80; 16 * 16 * 4], Some(&z));
        assert_eq!(extract(Path::new("c.png"), &with_chunk).unwrap(), tic);
        let mut pixels = vec![0x80; 64 * 64 * 4];
        hide(&mut pixels, &z);
        let in_pixels = png_bytes(64, 64, &pixels, None);
        assert_eq!(extract(Path::new("c.png"), &in_pixels).unwrap(), tic);
    }

    #[test]
    fn a_plain_picture_is_refused_clearly() {
        let plain = png_bytes(8, 8, &[0; 8 * 8 * 4], None);
        let e = extract(Path::new("p.png"), &plain).unwrap_err().to_string();
        assert_eq!(
            e,
            "p.png:image: no cart inside this PNG (no caRt chunk, and none hidden in the pixels)"
        );
        let e = extract(Path::new("p.png"), b"\x89PNG\r\n\x1a\nbroken")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.png:image: "), "{e}");
        let bad = png_bytes(8, 8, &[0; 256], Some(b"not zlib"));
        let e = extract(Path::new("p.png"), &bad).unwrap_err().to_string();
        assert_eq!(
            e,
            "p.png:cart data: the compressed cart does not inflate (it is not valid zlib data)"
        );
        // TIC-80 wants the whole zlib stream here: without its checksum, or with a wrong
        // one, the picture holds no cart (it says "the code is empty").
        let tic = crate::cart::tic::tests::chunk(5, 0, b"function TIC() end");
        let z = miniz_oxide::deflate::compress_to_vec_zlib(&tic, 9);
        let mut wrong = z.clone();
        *wrong.last_mut().unwrap() ^= 1;
        for (payload, why) in [
            (&z[..z.len() - 4], "it is cut short"),
            (&wrong[..], "its checksum is wrong"),
        ] {
            let bad = png_bytes(8, 8, &[0; 256], Some(payload));
            let e = extract(Path::new("p.png"), &bad).unwrap_err().to_string();
            assert_eq!(
                e,
                format!("p.png:cart data: the compressed cart does not inflate ({why})")
            );
        }
    }
}
