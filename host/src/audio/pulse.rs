//! One playback stream on the desktop's sound server, in PulseAudio's native protocol:
//! PulseAudio itself, or PipeWire's PulseAudio service (what desktops run today).
//!
//! The pure-Rust `pulseaudio` crate encodes what we send (its protocol module, used
//! synchronously), over the server's Unix socket, so Cartbox needs no system audio library,
//! neither to build nor to run. The server clocks the stream: it asks for bytes as it plays
//! them ([`ServerEvent::Request`]); a reader thread turns what the server sends into events,
//! and the owner of the [`Stream`] writes samples whenever it likes (see `super::output`).
//!
//! The server is another program, so what it sends is read with care: a message is at most
//! 1 MiB, read whole before it is looked at, and only the few fields we use are decoded
//! here (fixed-size integers, a NUL-terminated name inside that message), never a length
//! the server chose. Connecting, setting up and every write have a deadline: a server that
//! stops answering or reading fails the stream (the cart then plays silently) instead of
//! holding the audio thread.

use std::ffi::CString;
use std::io::{BufReader, Cursor, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use pulseaudio::protocol::{self, Command, CommandTag, Prop, Props, TagStructReader};

use super::synth::SAMPLE_RATE;

/// Bytes per stereo sample (two signed 16-bit values).
pub const BYTES_PER_SAMPLE: u32 = 4;
/// How long connecting and setting up a stream may take, and one write.
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

/// What the setup needs of the server's reply to `CREATE_PLAYBACK_STREAM`.
struct Created {
    channel: u32,
    requested: u32,
    target: u32,
    min_request: u32,
    sink: String,
}

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
        let deadline = Instant::now() + IO_TIMEOUT;
        let socket = connect(&path, deadline).map_err(|e| format!("{}: {e}", path.display()))?;
        let fail = |e: String| format!("{}: {e}", path.display());
        let mut reader = BufReader::new(socket.try_clone().map_err(|e| e.to_string())?);

        let auth = protocol::AuthParams {
            version: protocol::MAX_VERSION,
            supports_shm: false,
            supports_memfd: false,
            cookie: cookie(),
        };
        send(
            &socket,
            0,
            &Command::Auth(auth),
            protocol::MAX_VERSION,
            deadline,
        )
        .map_err(fail)?;
        // The auth reply is one integer: the server's version in its low 16 bits.
        let server_version =
            reply(&mut reader, &socket, deadline, |ts| ts.read_u32()).map_err(fail)? & 0xffff;
        let version = protocol::MAX_VERSION.min(server_version as u16);
        if version < protocol::MIN_VERSION {
            return Err(fail(format!("protocol version {version} is too old")));
        }

        let mut props = Props::new();
        props.set(Prop::ApplicationName, CString::from(c"Cartbox"));
        send(
            &socket,
            1,
            &Command::SetClientName(props),
            version,
            deadline,
        )
        .map_err(fail)?;
        reply(&mut reader, &socket, deadline, |ts| ts.read_u32()).map_err(fail)?;

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
        send(
            &socket,
            2,
            &Command::CreatePlaybackStream(params),
            version,
            deadline,
        )
        .map_err(fail)?;
        let created = reply(&mut reader, &socket, deadline, |ts| {
            // channel, stream index, requested bytes, then the granted buffer (max length,
            // target, pre-buffering, minimum request), the sample spec, the channel map,
            // the sink's index and name; what follows is not needed.
            let channel = ts.read_u32()?;
            let _index = ts.read_u32()?;
            let requested = ts.read_u32()?;
            let _max = ts.read_u32()?;
            let target = ts.read_u32()?;
            let _prebuf = ts.read_u32()?;
            let min_request = ts.read_u32()?;
            let _spec: protocol::SampleSpec = ts.read()?;
            let _map: protocol::ChannelMap = ts.read()?;
            let _sink_index = ts.read_u32()?;
            let sink = ts
                .read_string()?
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "the default sink".into());
            Ok(Created {
                channel,
                requested,
                target,
                min_request,
                sink,
            })
        })
        .map_err(fail)?;
        // Past setup, reads wait as long as the stream lives.
        socket.set_read_timeout(None).map_err(|e| e.to_string())?;

        let stream = Stream {
            socket,
            version,
            channel: created.channel,
            buffering: Buffering {
                target: created.target.clamp(BYTES_PER_SAMPLE, 1 << 24),
                min_request: created.min_request.clamp(BYTES_PER_SAMPLE, 1 << 24),
            },
            initial_request: created.requested.min(1 << 24),
            sink: created.sink,
        };
        let (tx, rx) = crossbeam_channel::bounded(256);
        let channel = stream.channel;
        std::thread::Builder::new()
            .name("cartbox-audio-rx".into())
            .spawn(move || read_events(reader, channel, &tx))
            .map_err(|e| e.to_string())?;
        Ok((stream, rx))
    }

    /// Sends interleaved left/right samples to the server (within the write deadline).
    pub fn write(&mut self, samples: &[i16]) -> Result<(), String> {
        let mut bytes = vec![0u8; protocol::DESCRIPTOR_SIZE + samples.len() * 2];
        let descriptor = protocol::Descriptor {
            length: (samples.len() * 2) as u32,
            channel: self.channel,
            offset: 0,
            flags: protocol::DescriptorFlags::empty(),
        };
        let (head, body) = bytes.split_at_mut(protocol::DESCRIPTOR_SIZE);
        if let Ok(head) = <&mut [u8; protocol::DESCRIPTOR_SIZE]>::try_from(head) {
            protocol::encode_descriptor(head, &descriptor);
        }
        for (b, s) in body.chunks_exact_mut(2).zip(samples) {
            b.copy_from_slice(&s.to_le_bytes());
        }
        write_by(&self.socket, &bytes, Instant::now() + IO_TIMEOUT)
            .map_err(|e| format!("writing to the sound server: {e}"))
    }

    /// Asks the server to play what it has and say so ([`ServerEvent::Drained`]).
    pub fn drain(&mut self) -> Result<(), String> {
        send(
            &self.socket,
            DRAIN_SEQ,
            &Command::DrainPlaybackStream(self.channel),
            self.version,
            Instant::now() + IO_TIMEOUT,
        )
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // Ends the reader thread too.
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
    }
}

/// Connects to a Unix socket by `deadline` (a server whose queue of connections is full
/// makes a blocking connect wait with no limit).
fn connect(path: &Path, deadline: Instant) -> std::io::Result<UnixStream> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, UnixAddr, socket};
    let addr = UnixAddr::new(path).map_err(std::io::Error::from)?;
    loop {
        let fd = socket(
            AddressFamily::Unix,
            SockType::Stream,
            SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
            None,
        )
        .map_err(std::io::Error::from)?;
        match nix::sys::socket::connect(std::os::fd::AsRawFd::as_raw_fd(&fd), &addr) {
            Ok(()) => {
                let stream = UnixStream::from(fd);
                stream.set_nonblocking(false)?;
                return Ok(stream);
            }
            Err(nix::errno::Errno::EAGAIN) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Writes all of `bytes` by `deadline`, however slowly the server reads.
fn write_by(mut socket: &UnixStream, mut bytes: &[u8], deadline: Instant) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        socket.set_write_timeout(Some(left))?;
        match socket.write(bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Sends a command message by `deadline`.
fn send(
    socket: &UnixStream,
    seq: u32,
    command: &Command,
    version: u16,
    deadline: Instant,
) -> Result<(), String> {
    let mut buf = Vec::new();
    let n = protocol::encode_command_message(&mut buf, seq, command, version)
        .map_err(|e| e.to_string())?;
    write_by(socket, &buf[..n.min(buf.len())], deadline).map_err(|e| e.to_string())
}

/// Reads one whole message (descriptor and payload, bounded); with a deadline, all of it
/// must come by then.
fn read_message(
    r: &mut impl Read,
    socket: Option<(&UnixStream, Instant)>,
) -> Result<(protocol::Descriptor, Vec<u8>), String> {
    let mut read_exact = |buf: &mut [u8]| -> Result<(), String> {
        let mut got = 0;
        while got < buf.len() {
            if let Some((s, deadline)) = socket {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err("the sound server did not answer in time".into());
                }
                s.set_read_timeout(Some(left)).map_err(|e| e.to_string())?;
            }
            match r.read(&mut buf[got..]) {
                Ok(0) => return Err("the connection closed".into()),
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e)
                    if socket.is_some()
                        && matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                {
                    return Err("the sound server did not answer in time".into());
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    };
    let mut raw = [0u8; protocol::DESCRIPTOR_SIZE];
    read_exact(&mut raw)?;
    let desc = protocol::read_descriptor(&mut Cursor::new(&raw[..])).map_err(|e| e.to_string())?;
    if desc.length > MESSAGE_LIMIT {
        return Err(format!(
            "the sound server sent a message of {} bytes",
            desc.length
        ));
    }
    let mut payload = vec![0u8; desc.length as usize];
    read_exact(&mut payload)?;
    Ok((desc, payload))
}

/// Reads the reply to a setup command by `deadline` and decodes it with `fields`.
fn reply<T>(
    r: &mut impl Read,
    socket: &UnixStream,
    deadline: Instant,
    fields: impl FnOnce(&mut TagStructReader<'_>) -> Result<T, protocol::ProtocolError>,
) -> Result<T, String> {
    let (_, payload) = read_message(r, Some((socket, deadline)))?;
    let mut payload = Cursor::new(payload);
    let mut ts = TagStructReader::new(&mut payload, protocol::MAX_VERSION);
    let (tag, _seq) = header(&mut ts).map_err(|e| e.to_string())?;
    if tag == CommandTag::Error as u32 {
        let code = ts.read_u32().unwrap_or(0);
        return Err(format!("the sound server refused (error {code})"));
    }
    if tag != CommandTag::Reply as u32 {
        return Err(format!("the sound server answered with command {tag}"));
    }
    fields(&mut ts).map_err(|e| format!("an unreadable reply ({e})"))
}

/// A message's command tag and sequence number.
fn header(ts: &mut TagStructReader<'_>) -> Result<(u32, u32), protocol::ProtocolError> {
    Ok((ts.read_u32()?, ts.read_u32()?))
}

/// The reader thread: server messages become events until the connection ends.
fn read_events(mut r: BufReader<UnixStream>, channel: u32, tx: &Sender<ServerEvent>) {
    let gone = loop {
        let (desc, payload) = match read_message(&mut r, None) {
            Ok(m) => m,
            Err(e) => break format!("the sound server closed the connection ({e})"),
        };
        if desc.channel != u32::MAX {
            // Sample data for a record stream: we have none.
            continue;
        }
        let mut payload = Cursor::new(payload);
        let mut ts = TagStructReader::new(&mut payload, protocol::MAX_VERSION);
        let Ok((tag, seq)) = header(&mut ts) else {
            break "the sound server sent an unreadable message".into();
        };
        // Only integers are decoded, and only for the commands we act on.
        let ours = |ts: &mut TagStructReader<'_>| ts.read_u32().is_ok_and(|c| c == channel);
        let event = if tag == CommandTag::Request as u32 {
            match (ts.read_u32(), ts.read_u32()) {
                (Ok(c), Ok(n)) if c == channel => Some(ServerEvent::Request(n)),
                _ => None,
            }
        } else if tag == CommandTag::Underflow as u32 {
            ours(&mut ts).then_some(ServerEvent::Underflow)
        } else if tag == CommandTag::Reply as u32 && seq == DRAIN_SEQ {
            Some(ServerEvent::Drained)
        } else if tag == CommandTag::PlaybackStreamKilled as u32 {
            if ours(&mut ts) {
                break "the sound server ended the stream".into();
            }
            None
        } else if tag == CommandTag::Error as u32 {
            break format!(
                "the sound server reported error {}",
                ts.read_u32().unwrap_or(0)
            );
        } else {
            // Started, moved, suspended, other replies: nothing to do.
            None
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
