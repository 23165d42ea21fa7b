//! A response body: whole chunks, then the end, or (a watch) held open with nothing more to say.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::{Bytes, Frame, SizeHint};

pub(crate) struct Payload {
    chunks: VecDeque<Bytes>,
    hold_open: bool,
}

impl Payload {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Payload {
        Payload {
            chunks: VecDeque::from([bytes.into()]),
            hold_open: false,
        }
    }

    /// A watch: the events, then the stream stays open until the client goes (the snapshot never
    /// changes).
    pub(crate) fn held_open(chunks: Vec<Bytes>) -> Payload {
        Payload {
            chunks: chunks.into(),
            hold_open: true,
        }
    }
}

impl hyper::body::Body for Payload {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        match this.chunks.pop_front() {
            Some(bytes) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
            // Never woken: the connection ends when the client closes it.
            None if this.hold_open => Poll::Pending,
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        !self.hold_open && self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        if self.hold_open {
            SizeHint::default()
        } else {
            SizeHint::with_exact(self.chunks.iter().map(|c| c.len() as u64).sum())
        }
    }
}
