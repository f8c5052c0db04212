//! GIF recording from the window (F9): the frames go to a thread of their own, which
//! encodes and writes the file and says with a notice when it is done.

use std::path::Path;

use cartbox_protocol::shm::FRAME_PIXELS;
use winit::event_loop::EventLoopProxy;

use super::super::Wake;
use super::super::gif::GifRecorder;

/// A GIF being recorded on a thread of its own, so that encoding and writing never hold
/// up the window. Frames the thread cannot take at once are left out of the GIF.
pub(super) struct Recording {
    frames: crossbeam_channel::Sender<Box<[u32; FRAME_PIXELS]>>,
    thread: std::thread::JoinHandle<String>,
}

impl Recording {
    pub(super) fn start(
        path: &Path,
        scale: u32,
        proxy: EventLoopProxy<Wake>,
    ) -> std::io::Result<Recording> {
        let mut gif = GifRecorder::create(path, scale)?;
        let (frames, rx) = crossbeam_channel::bounded::<Box<[u32; FRAME_PIXELS]>>(120);
        let path = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("cartbox-gif".into())
            .spawn(move || {
                let mut failed = None;
                for frame in rx {
                    if failed.is_none()
                        && let Err(e) = gif.offer(&frame)
                    {
                        failed = Some(e);
                    }
                }
                let message = match failed {
                    Some(e) => {
                        gif.abandon();
                        format!("{path}: recording failed: {e}")
                    }
                    None => match gif.finish() {
                        Ok(n) => format!("{path}: {n} frames recorded"),
                        Err(e) => format!("{path}: cannot finish the GIF: {e}"),
                    },
                };
                let _ = proxy.send_event(Wake::Notice(message.clone()));
                message
            })?;
        Ok(Recording { frames, thread })
    }

    pub(super) fn offer(&self, frame: &[u32; FRAME_PIXELS]) {
        let _ = self.frames.try_send(Box::new(*frame));
    }

    /// Ends the recording; the thread finishes the file and says so with a notice.
    pub(super) fn stop_later(self) {
        drop(self.frames);
    }

    /// Ends the recording and waits for the file (when the window has closed).
    pub(super) fn stop(self) -> String {
        drop(self.frames);
        self.thread
            .join()
            .unwrap_or_else(|_| "the GIF recording thread failed".into())
    }
}
