//! The runner's end of its channel: blocking, length-prefixed messages on [`CHANNEL_FD`].
//!
//! The runner trusts the host, but still refuses anything over the protocol's limit rather
//! than allocate it.
//!
//! This module owns the channel's descriptor number: the lockdown moves the channel there
//! (`crate::lockdown`), and the seccomp filters allow reads and writes on it alone
//! (`crate::seccomp`). Both use this module; it uses neither.

use std::io;
use std::os::fd::{AsFd, OwnedFd, RawFd};

use cartbox_protocol::framing::{self, PREFIX};
use cartbox_protocol::message::{
    HOST_MESSAGE_LIMIT, HostMessage, RUNNER_MESSAGE_LIMIT, RunnerMessage,
};

/// Where the runner's channel lives after lockdown: the only descriptor it keeps.
pub(crate) const CHANNEL_FD: RawFd = 3;

/// A blocking message channel.
#[derive(Debug)]
pub(crate) struct Channel {
    fd: OwnedFd,
    out: Vec<u8>,
}

impl Channel {
    /// Wraps the channel descriptor.
    pub(crate) fn new(fd: OwnedFd) -> Channel {
        Channel {
            fd,
            out: Vec::with_capacity(4096),
        }
    }

    fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<bool> {
        let whole = buf.len();
        while !buf.is_empty() {
            match nix::unistd::read(self.fd.as_fd(), buf) {
                Ok(0) if buf.len() == whole => return Ok(false),
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => buf = &mut buf[n..],
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(true)
    }

    /// The next message; `None` when the host closed the channel.
    pub(crate) fn recv(&mut self) -> io::Result<Option<HostMessage>> {
        let mut prefix = [0u8; PREFIX];
        if !self.read_exact(&mut prefix)? {
            return Ok(None);
        }
        let len = framing::payload_len(prefix, HOST_MESSAGE_LIMIT).map_err(io::Error::other)?;
        let mut payload = vec![0u8; len];
        if !self.read_exact(&mut payload)? && len > 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        framing::decode::<HostMessage, HOST_MESSAGE_LIMIT>(&payload)
            .map(Some)
            .map_err(io::Error::other)
    }

    /// Like [`Channel::recv`], but first polls without blocking for up to `spin`: the next
    /// request of back-to-back frames then arrives without a cross-core wake-up.
    pub(crate) fn recv_spinning(
        &mut self,
        spin: std::time::Duration,
    ) -> io::Result<Option<HostMessage>> {
        if !spin.is_zero() {
            let start = std::time::Instant::now();
            loop {
                let mut fds = [nix::poll::PollFd::new(
                    self.fd.as_fd(),
                    nix::poll::PollFlags::POLLIN,
                )];
                if nix::poll::poll(&mut fds, nix::poll::PollTimeout::ZERO).unwrap_or(0) > 0
                    || start.elapsed() >= spin
                {
                    break;
                }
                std::hint::spin_loop();
            }
        }
        self.recv()
    }

    /// Queues a message; [`Channel::flush`] sends everything queued in one write.
    pub(crate) fn queue(&mut self, msg: &RunnerMessage) -> io::Result<()> {
        framing::encode::<_, RUNNER_MESSAGE_LIMIT>(msg, &mut self.out).map_err(io::Error::other)
    }

    /// Sends everything queued.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        let mut at = 0;
        while at < self.out.len() {
            match nix::unistd::write(&self.fd, &self.out[at..]) {
                Ok(n) => at += n,
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => {
                    self.out.clear();
                    return Err(e.into());
                }
            }
        }
        self.out.clear();
        Ok(())
    }

    /// Queues and sends one message.
    pub(crate) fn send(&mut self, msg: &RunnerMessage) -> io::Result<()> {
        self.queue(msg)?;
        self.flush()
    }
}
