//! Length-prefixed `bincode` framing with hard limits.
//!
//! A frame is a little-endian `u32` payload length followed by the payload, one `bincode`
//! (2.0.1, standard configuration) value. A reader refuses a length above its limit before
//! it allocates or reads anything more, and a payload must decode to exactly one value with
//! no bytes left over.

use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use bincode::{Decode, Encode};
use thiserror::Error;

/// Bytes in the length prefix.
pub const PREFIX: usize = 4;

/// Why a frame was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FramingError {
    /// The length prefix announces more than the limit.
    #[error("message of {len} bytes announced, the limit is {limit}")]
    TooLong {
        /// Announced length.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// An encoded message would exceed the limit.
    #[error("message of {len} bytes exceeds the limit of {limit}")]
    Oversized {
        /// Encoded length.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The payload is not a valid message (unknown tag, bad field, truncated value).
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The payload decoded but bytes were left over.
    #[error("malformed message: {0} trailing bytes")]
    Trailing(usize),
    /// The stream ended in the middle of a message.
    #[error("connection closed in the middle of a message ({0} bytes pending)")]
    Truncated(usize),
}

type Config<const N: usize> = Configuration<LittleEndian, Varint, Limit<N>>;

const fn config<const N: usize>() -> Config<N> {
    bincode::config::standard().with_limit::<N>()
}

/// Encodes `msg` as one frame appended to `out` (a caller sending a large message reserves
/// room in `out` first, so the buffer is not grown by doubling).
pub fn encode<T: Encode, const LIMIT: usize>(
    msg: &T,
    out: &mut Vec<u8>,
) -> Result<(), FramingError> {
    let start = out.len();
    out.extend_from_slice(&[0; PREFIX]);
    let written = bincode::encode_into_std_write(msg, out, config::<LIMIT>())
        .map_err(|e| FramingError::Malformed(format!("cannot encode: {e}")))?;
    if written > LIMIT {
        out.truncate(start);
        return Err(FramingError::Oversized {
            len: written,
            limit: LIMIT,
        });
    }
    out[start..start + PREFIX].copy_from_slice(&(written as u32).to_le_bytes());
    Ok(())
}

/// Reads a length prefix, refusing lengths above `limit`.
pub fn payload_len(prefix: [u8; PREFIX], limit: usize) -> Result<usize, FramingError> {
    let len = u32::from_le_bytes(prefix) as usize;
    if len > limit {
        return Err(FramingError::TooLong { len, limit });
    }
    Ok(len)
}

/// Decodes one payload; the whole payload must be exactly one value.
pub fn decode<T: Decode<()>, const LIMIT: usize>(payload: &[u8]) -> Result<T, FramingError> {
    if payload.len() > LIMIT {
        return Err(FramingError::TooLong {
            len: payload.len(),
            limit: LIMIT,
        });
    }
    let (value, used) = bincode::decode_from_slice(payload, config::<LIMIT>())
        .map_err(|e| FramingError::Malformed(e.to_string()))?;
    if used != payload.len() {
        return Err(FramingError::Trailing(payload.len() - used));
    }
    Ok(value)
}

/// A bounded buffer that turns a byte stream into payloads, for non-blocking readers.
///
/// It never holds more than one maximal frame: a reader fills [`FrameBuffer::spare`] and
/// calls [`FrameBuffer::filled`], then takes payloads with [`FrameBuffer::next_payload`].
pub struct FrameBuffer {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    limit: usize,
}

impl std::fmt::Debug for FrameBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameBuffer")
            .field("pending", &(self.end - self.start))
            .finish()
    }
}

impl FrameBuffer {
    /// A buffer for payloads of at most `limit` bytes.
    pub fn new(limit: usize) -> Self {
        FrameBuffer {
            buf: vec![0; PREFIX + limit].into_boxed_slice(),
            start: 0,
            end: 0,
            limit,
        }
    }

    /// Free space to read into; never empty while [`FrameBuffer::next_payload`] returns
    /// `Ok(None)`.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.end == self.buf.len() && self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were read into [`FrameBuffer::spare`].
    pub fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Bytes received but not yet returned as a payload.
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    /// The next complete payload, `Ok(None)` if more bytes are needed, or an error for a
    /// length prefix over the limit.
    pub fn next_payload(&mut self) -> Result<Option<&[u8]>, FramingError> {
        let avail = self.end - self.start;
        if avail < PREFIX {
            return Ok(None);
        }
        let mut prefix = [0; PREFIX];
        prefix.copy_from_slice(&self.buf[self.start..self.start + PREFIX]);
        let len = payload_len(prefix, self.limit)?;
        if avail < PREFIX + len {
            return Ok(None);
        }
        let from = self.start + PREFIX;
        self.start = from + len;
        if self.start == self.end {
            // Keep the buffer compact; the slice below stays valid, nothing moves.
            let (s, e) = (from, from + len);
            self.start = 0;
            self.end = 0;
            return Ok(Some(&self.buf[s..e]));
        }
        Ok(Some(&self.buf[from..from + len]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{FrameRequest, HostMessage, RUNNER_MESSAGE_LIMIT, RunnerMessage};

    const L: usize = RUNNER_MESSAGE_LIMIT;

    #[test]
    fn round_trip_through_buffer_in_pieces() {
        let mut wire = Vec::new();
        let a = RunnerMessage::FrameDone {
            seq: 7,
            exit: false,
        };
        let b = RunnerMessage::Trace {
            text: "hello".into(),
            color: 12,
        };
        encode::<_, L>(&a, &mut wire).unwrap();
        encode::<_, L>(&b, &mut wire).unwrap();
        let mut fb = FrameBuffer::new(L);
        let mut got = Vec::new();
        for byte in wire {
            fb.spare()[0] = byte;
            fb.filled(1);
            while let Some(p) = fb.next_payload().unwrap() {
                got.push(decode::<RunnerMessage, L>(p).unwrap());
            }
        }
        assert_eq!(got, vec![a, b]);
        assert_eq!(fb.pending(), 0);
    }

    #[test]
    fn oversized_prefix_is_refused_before_reading_payload() {
        let mut fb = FrameBuffer::new(L);
        fb.spare()[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        fb.filled(4);
        assert_eq!(
            fb.next_payload(),
            Err(FramingError::TooLong {
                len: u32::MAX as usize,
                limit: L
            })
        );
    }

    #[test]
    fn unknown_tag_and_trailing_bytes_are_malformed() {
        assert!(matches!(
            decode::<RunnerMessage, L>(&[200]),
            Err(FramingError::Malformed(_))
        ));
        let mut wire = Vec::new();
        encode::<_, L>(&RunnerMessage::Loaded { seq: 1 }, &mut wire).unwrap();
        wire.push(0);
        assert_eq!(
            decode::<RunnerMessage, L>(&wire[PREFIX..]),
            Err(FramingError::Trailing(1))
        );
    }

    #[test]
    fn claimed_lengths_beyond_the_limit_do_not_allocate() {
        // A Trace whose string claims 2^40 bytes: must fail, not try to allocate.
        let mut wire = Vec::new();
        encode::<_, L>(
            &RunnerMessage::Trace {
                text: String::new(),
                color: 0,
            },
            &mut wire,
        )
        .unwrap();
        let tag = wire[PREFIX];
        let mut payload = vec![tag, 253]; // 253: a varint u64 follows
        payload.extend_from_slice(&(1u64 << 40).to_le_bytes());
        payload.push(0);
        assert!(matches!(
            decode::<RunnerMessage, L>(&payload),
            Err(FramingError::Malformed(_))
        ));
    }

    #[test]
    fn encode_refuses_messages_over_the_limit() {
        let msg = RunnerMessage::Trace {
            text: "x".repeat(L),
            color: 0,
        };
        let mut out = vec![1, 2];
        assert!(matches!(
            encode::<_, L>(&msg, &mut out),
            Err(FramingError::Oversized { .. })
        ));
        assert_eq!(out, vec![1, 2]);
        let small = HostMessage::Frame(FrameRequest {
            seq: 1,
            time_ms: None,
            paused_ms: 0.0,
            pixels: true,
        });
        encode::<_, L>(&small, &mut out).unwrap();
    }
}
