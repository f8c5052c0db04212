//! One playback stream on the desktop's sound server, in PulseAudio's native protocol:
//! PulseAudio itself, or PipeWire's PulseAudio service (what desktops run today).
//!
//! The protocol is spoken by the pure-Rust `pulseaudio` crate over the server's Unix socket,
//! so Cartbox needs no system audio library, neither to build nor to run. The server clocks
//! the stream: it asks for bytes as it plays them ([`ServerEvent::Request`]); a reader
//! thread turns what the server sends into events, and the owner of the [`Stream`] writes
//! samples whenever it likes (see `super::output`).
//!
//! The server is another program: every length it sends is bounded before anything is
//! allocated, and a server that stops reading or answering fails the stream after a timeout
//! rather than stopping its caller.

use std::ffi::CString;
use std::io::{BufReader, Cursor, Read};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use pulseaudio::protocol::{self, Command, Prop, Props};

use super::synth::SAMPLE_RATE;

/// Bytes per stereo sample (two signed 16-bit values).
pub const BYTES_PER_SAMPLE: u32 = 4;
/// How long setting up a stream, or one write, may take before the server counts as gone.
const IO_TIMEOUT: Duration = Duration::from_secs(1);
/// Largest message accepted from the server (its replies are a few hundred bytes).
const MESSAGE_LIMIT: u32 = 1 << 20;
/// The largest cookie a server uses (PulseAudio's is 256 bytes).
const COOKIE_LIMIT: u64 = 4096;

/// What the server says about the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// It has room for this many more bytes.
    Request(u32),
    /// It ran out of samples to play (an underrun).
    Underflow,
    /// It finished playing what was written, as asked by [`Stream::drain`].
    Drained,
    /// The connection or the stream is gone; the text says why.
    Gone(String),
}

/// Buffering of the stream.
#[derive(Debug, Clone, Copy)]
pub struct Buffering {
    /// Asked for: the latency from a write to the speakers, in bytes (the server splits it
    /// between the stream's buffer and the sink's). Granted: the bytes the server keeps in
    /// the stream's buffer.
    pub target: u32,
    /// The least it asks for at once.
    pub min_request: u32,
}

/// An open playback stream: 44,100 Hz, stereo, signed 16-bit little-endian.
#[derive(Debug)]
pub struct Stream {
    socket: UnixStream,
    version: u16,
    channel: u32,
    /// The buffering the server granted (it may differ from what was asked).
    pub buffering: Buffering,
    /// Bytes the server asked for when the stream was made.
    pub initial_request: u32,
    /// The sink playing the stream, for messages.
    pub sink: String,
}

/// Sequence number of the drain request (replies are matched by it).
const DRAIN_SEQ: u32 = 100;

impl Stream {
    /// Connects to the server (at `server`, a `PULSE_SERVER`-style address, or where
    /// PulseAudio's clients look for it) and opens a stream named `name`. Events arrive on
    /// the returned channel from a reader thread, which ends when the connection does.
    pub fn open(
        server: Option<&str>,
        name: &str,
        want: Buffering,
    ) -> Result<(Stream, Receiver<ServerEvent>), String> {
        let path = socket_path(server)?;
        let socket = UnixStream::connect(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let fail = |e: protocol::ProtocolError| format!("{}: {e}", path.display());
        socket
            .set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|()| socket.set_write_timeout(Some(IO_TIMEOUT)))
            .map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(socket.try_clone().map_err(|e| e.to_string())?);
        let mut writer = socket.try_clone().map_err(|e| e.to_string())?;

        let auth = protocol::AuthParams {
            version: protocol::MAX_VERSION,
            supports_shm: false,
            supports_memfd: false,
            cookie: cookie(),
        };
        protocol::write_command_message(
            &mut writer,
            0,
            &Command::Auth(auth),
            protocol::MAX_VERSION,
        )
        .map_err(fail)?;
        let (_, reply) =
            read_reply::<protocol::AuthReply>(&mut reader, protocol::MAX_VERSION).map_err(fail)?;
        let version = protocol::MAX_VERSION.min(reply.version);

        let mut props = Props::new();
        props.set(Prop::ApplicationName, CString::from(c"Cartbox"));
        protocol::write_command_message(&mut writer, 1, &Command::SetClientName(props), version)
            .map_err(fail)?;
        read_reply::<protocol::SetClientNameReply>(&mut reader, version).map_err(fail)?;

        let mut props = Props::new();
        let media = CString::new(name.replace('\0', " ")).unwrap_or_default();
        props.set(Prop::MediaName, media);
        props.set(Prop::MediaRole, CString::from(c"game"));
        let params = protocol::PlaybackStreamParams {
            sample_spec: protocol::SampleSpec {
                format: protocol::SampleFormat::S16Le,
                channels: 2,
                sample_rate: SAMPLE_RATE,
            },
            channel_map: protocol::ChannelMap::stereo(),
            cvolume: Some(protocol::ChannelVolume::norm(2)),
            sink_name: Some(protocol::DEFAULT_SINK.to_owned()),
            buffer_attr: protocol::stream::BufferAttr {
                max_length: want.target * 4,
                target_length: want.target,
                // Playing starts with the first frame's worth (silence, at first).
                pre_buffering: want.min_request,
                minimum_request_length: want.min_request,
                fragment_size: u32::MAX,
            },
            props,
            // The target is the whole latency, the sink's included (a sink left to itself
            // may buffer far more).
            flags: protocol::stream::StreamFlags {
                adjust_latency: true,
                ..Default::default()
            },
            ..Default::default()
        };
        protocol::write_command_message(
            &mut writer,
            2,
            &Command::CreatePlaybackStream(params),
            version,
        )
        .map_err(fail)?;
        let (_, created) = read_reply::<protocol::CreatePlaybackStreamReply>(&mut reader, version)
            .map_err(fail)?;
        // Past setup, reads wait as long as the stream lives; writes keep their timeout.
        socket.set_read_timeout(None).map_err(|e| e.to_string())?;

        let attr = created.buffer_attr;
        let stream = Stream {
            socket,
            version,
            channel: created.channel,
            buffering: Buffering {
                target: attr.target_length.clamp(BYTES_PER_SAMPLE, 1 << 24),
                min_request: attr.minimum_request_length.clamp(BYTES_PER_SAMPLE, 1 << 24),
            },
            initial_request: created.requested_bytes.min(1 << 24),
            sink: created
                .sink_name
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "the default sink".into()),
        };
        let (tx, rx) = crossbeam_channel::bounded(256);
        let channel = stream.channel;
        std::thread::Builder::new()
            .name("cartbox-audio-rx".into())
            .spawn(move || read_events(reader, version, channel, &tx))
            .map_err(|e| e.to_string())?;
        Ok((stream, rx))
    }

    /// Sends interleaved left/right samples to the server.
    pub fn write(&mut self, samples: &[i16]) -> Result<(), String> {
        let mut bytes = Vec::with_capacity(samples.len() * 2);
        for s in samples {
            bytes.extend_from_slice(&s.to_le_bytes());
        }
        protocol::write_memblock(&mut self.socket, self.channel, &bytes, 0)
            .map_err(|e| format!("writing to the sound server: {e}"))
    }

    /// Asks the server to play what it has and say so ([`ServerEvent::Drained`]).
    pub fn drain(&mut self) -> Result<(), String> {
        protocol::write_command_message(
            &mut self.socket,
            DRAIN_SEQ,
            &Command::DrainPlaybackStream(self.channel),
            self.version,
        )
        .map_err(|e| e.to_string())
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // Ends the reader thread too.
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
    }
}

/// Reads one whole message (descriptor and payload, bounded) from the server.
fn read_message(r: &mut impl Read) -> Result<(protocol::Descriptor, Vec<u8>), String> {
    let mut raw = [0u8; protocol::DESCRIPTOR_SIZE];
    r.read_exact(&mut raw).map_err(|e| e.to_string())?;
    let desc = protocol::read_descriptor(&mut Cursor::new(&raw[..])).map_err(|e| e.to_string())?;
    if desc.length > MESSAGE_LIMIT {
        return Err(format!(
            "the sound server sent a message of {} bytes",
            desc.length
        ));
    }
    let mut payload = vec![0u8; desc.length as usize];
    r.read_exact(&mut payload).map_err(|e| e.to_string())?;
    Ok((desc, payload))
}

/// Reads the reply to a setup command (waiting up to the read timeout).
fn read_reply<T: protocol::CommandReply>(
    r: &mut impl Read,
    version: u16,
) -> Result<(u32, T), protocol::ProtocolError> {
    let (_, payload) = read_message(r).map_err(protocol::ProtocolError::Invalid)?;
    let mut payload = Cursor::new(payload);
    let mut ts = protocol::TagStructReader::new(&mut payload, version);
    let (cmd, seq): (protocol::CommandTag, u32) = (ts.read_enum()?, ts.read_u32()?);
    match cmd {
        protocol::CommandTag::Error => Err(protocol::ProtocolError::ServerError(ts.read_enum()?)),
        protocol::CommandTag::Reply => Ok((seq, T::read(&mut ts, version)?)),
        other => Err(protocol::ProtocolError::UnexpectedCommand(other)),
    }
}

/// The reader thread: server messages become events until the connection ends.
fn read_events(mut r: BufReader<UnixStream>, version: u16, channel: u32, tx: &Sender<ServerEvent>) {
    let gone = loop {
        let (desc, payload) = match read_message(&mut r) {
            Ok(m) => m,
            Err(e) => break format!("the sound server closed the connection ({e})"),
        };
        if desc.channel != u32::MAX {
            // Sample data for a record stream: we have none.
            continue;
        }
        let parsed = Command::read_tag_prefixed(&mut Cursor::new(payload), version);
        let event = match parsed {
            Ok((_, Command::Request(req))) if req.channel == channel => {
                Some(ServerEvent::Request(req.length))
            }
            Ok((_, Command::Underflow(u))) if u.channel == channel => Some(ServerEvent::Underflow),
            Ok((DRAIN_SEQ, Command::Reply)) => Some(ServerEvent::Drained),
            Ok((_, Command::PlaybackStreamKilled(c))) if c == channel => {
                break "the sound server ended the stream".into();
            }
            Ok((_, Command::Error(e))) => break format!("the sound server reported {e:?}"),
            // Started, moved, suspended, other replies: nothing to do.
            Ok(_) => None,
            Err(e) => break format!("the sound server sent an unreadable message ({e})"),
        };
        if let Some(event) = event
            && tx.send(event).is_err()
        {
            return;
        }
    };
    let _ = tx.send(ServerEvent::Gone(gone));
}

/// Where the server's socket is, as PulseAudio's own client library looks for it: the
/// address given, else the `PULSE_SERVER` variable (`unix:PATH`, or a list of servers; when
/// one is given, only it is tried); else `PULSE_RUNTIME_PATH`, `$XDG_RUNTIME_DIR/pulse`,
/// the `~/.config/pulse/MACHINE-runtime` link a daemon without `XDG_RUNTIME_DIR` leaves,
/// `/run/user/UID/pulse`, then a system-wide daemon's.
fn socket_path(server: Option<&str>) -> Result<PathBuf, String> {
    use std::os::unix::fs::FileTypeExt;
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let is_socket = |p: &PathBuf| std::fs::metadata(p).is_ok_and(|m| m.file_type().is_socket());
    let servers = server
        .map(str::to_owned)
        .or_else(|| env("PULSE_SERVER").map(|s| s.to_string_lossy().into_owned()));
    if let Some(servers) = servers {
        let mut given: Vec<PathBuf> = Vec::new();
        for s in servers.split_whitespace() {
            // "{machine-id}unix:/path" names a server on one machine; we are on it or
            // it does not matter.
            let s = s.rsplit('}').next().unwrap_or(s);
            if let Some(p) = s.strip_prefix("unix:") {
                given.push(p.into());
            } else if s.starts_with('/') {
                given.push(s.into());
            }
        }
        return given.iter().find(|p| is_socket(p)).cloned().ok_or_else(|| {
            format!(
                "the sound server given ({}) is not a local socket that exists",
                servers.escape_debug()
            )
        });
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = env("PULSE_RUNTIME_PATH") {
        candidates.push(PathBuf::from(p).join("native"));
    }
    if let Some(p) = env("XDG_RUNTIME_DIR") {
        candidates.push(PathBuf::from(p).join("pulse/native"));
    }
    if let Some(home) = env("HOME") {
        let config = env("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(&home).join(".config"));
        for id in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
            if let Ok(id) = std::fs::read_to_string(id) {
                candidates.push(config.join(format!("pulse/{}-runtime/native", id.trim())));
            }
        }
    }
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(me) = std::fs::metadata("/proc/self") {
            candidates.push(format!("/run/user/{}/pulse/native", me.uid()).into());
        }
    }
    candidates.push("/var/run/pulse/native".into());
    candidates.into_iter().find(is_socket).ok_or_else(|| {
        "no PulseAudio or PipeWire sound server was found (no socket in $PULSE_SERVER, \
         $XDG_RUNTIME_DIR/pulse, ~/.config/pulse or /run/user)"
            .to_owned()
    })
}

/// The authentication cookie, where PulseAudio keeps it (empty if none: a server that
/// needs none, such as PipeWire's, accepts that).
fn cookie() -> Vec<u8> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Some(p) = env("PULSE_COOKIE") {
        paths.push(p.into());
    }
    if let Some(home) = env("HOME") {
        let config = env("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(&home).join(".config"));
        paths.push(config.join("pulse/cookie"));
        paths.push(PathBuf::from(&home).join(".pulse-cookie"));
    }
    for p in paths {
        if let Ok(f) = std::fs::File::open(&p) {
            let mut buf = Vec::new();
            if f.take(COOKIE_LIMIT).read_to_end(&mut buf).is_ok() {
                return buf;
            }
        }
    }
    Vec::new()
}
