//! A request body the host holds to sign it: SigV4 signs the hash of the whole payload, so the
//! body is read to its end before the request goes out. It is hashed as it arrives, kept in the
//! chunks it came in (never copied into one buffer), and counted against the invocation's memory
//! budget from its first byte until the connection has sent it, so that what a guest makes the
//! host hold comes out of the memory the guest was given.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt as _;
use wasmtime_wasi_http::{Error, WasiBody};

use super::signing::PayloadHash;
use crate::memory_budget::{Held, MemoryBudget};

/// The most request body the host holds in memory to sign it.
pub const MAX_SIGNED_BODY_BYTES: usize = 16 << 20;

/// Why a body could not be held.
#[derive(Debug)]
pub enum NotHeld {
    /// Longer than [`MAX_SIGNED_BODY_BYTES`].
    TooLarge,
    /// Holding it would pass the invocation's memory cap (`cap` bytes).
    OverMemory { cap: usize },
    /// The guest's body failed.
    Failed(Error),
}

impl NotHeld {
    /// The error the guest gets, and what the log says.
    pub fn into_error(self) -> (Error, String) {
        match self {
            Self::TooLarge => (
                Error::HttpRequestBodySize(None),
                format!("a signed request body is over {MAX_SIGNED_BODY_BYTES} bytes"),
            ),
            Self::OverMemory { cap } => (
                Error::HttpRequestBodySize(None),
                format!(
                    "holding the body to sign it would pass the invocation's {cap}-byte memory cap"
                ),
            ),
            Self::Failed(error) => {
                let reason = error.to_string();
                (error, reason)
            }
        }
    }
}

/// A whole request body, and its payload hash.
#[derive(Debug)]
pub struct HeldBody {
    chunks: Chunks,
    /// The bytes in `chunks`, counted against the invocation's memory until the body is
    /// dropped.
    _held: Held,
    payload_sha256: String,
}

impl HeldBody {
    /// Reads `body` to its end within [`MAX_SIGNED_BODY_BYTES`] and `budget`. Trailers are
    /// dropped: SigV4 signs none.
    pub async fn hold(mut body: WasiBody, budget: &MemoryBudget) -> Result<Self, NotHeld> {
        let mut chunks = VecDeque::new();
        let mut held = budget.hold();
        let mut hash = PayloadHash::default();
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.map_err(NotHeld::Failed)?.into_data() else {
                continue;
            };
            if data.is_empty() {
                continue;
            }
            if held.bytes() + data.len() > MAX_SIGNED_BODY_BYTES {
                return Err(NotHeld::TooLarge);
            }
            if !held.grow(data.len()) {
                return Err(NotHeld::OverMemory { cap: held.cap() });
            }
            hash.update(&data);
            chunks.push_back(data);
        }
        Ok(Self {
            chunks: Chunks(chunks),
            _held: held,
            payload_sha256: hash.finish(),
        })
    }

    /// The payload hash SigV4 signs ([`PayloadHash`]).
    pub fn payload_sha256(&self) -> &str {
        &self.payload_sha256
    }
}

impl Body for HeldBody {
    type Data = Bytes;
    type Error = Error;

    // The held bytes are given back as the whole body is dropped, once sent.
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        Pin::new(&mut self.get_mut().chunks).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.chunks.size_hint()
    }
}

/// A body of the pieces it holds, one frame each.
#[derive(Debug)]
struct Chunks(VecDeque<Bytes>);

impl Body for Chunks {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        Poll::Ready(
            self.get_mut()
                .0
                .pop_front()
                .map(|data| Ok(Frame::data(data))),
        )
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.iter().map(|chunk| chunk.len() as u64).sum())
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::Full;

    use super::*;

    /// A guest's body arriving in `chunks`.
    fn body(chunks: &[&'static [u8]]) -> WasiBody {
        Chunks(
            chunks
                .iter()
                .map(|chunk| Bytes::from_static(chunk))
                .collect(),
        )
        .boxed_unsync()
    }

    #[tokio::test]
    async fn hashes_the_whole_body_and_sends_it_as_it_came() {
        let budget = MemoryBudget::new(1 << 20);
        let held = HeldBody::hold(body(&[b"hello ", b"", b"world"]), &budget)
            .await
            .unwrap();
        // SHA-256 of "hello world".
        assert_eq!(
            held.payload_sha256(),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(held.size_hint().exact(), Some(11));
        assert!(!budget.take((1 << 20) - 10), "the 11 bytes are held");
        let sent = held.collect().await.unwrap().to_bytes();
        assert_eq!(sent, "hello world");
        assert!(budget.take((1 << 20) - 11), "and given back once sent");
    }

    #[tokio::test]
    async fn an_empty_body_hashes_as_nothing() {
        let held = HeldBody::hold(
            Full::new(Bytes::new())
                .map_err(|never| match never {})
                .boxed_unsync(),
            &MemoryBudget::new(0),
        )
        .await
        .unwrap();
        assert_eq!(
            held.payload_sha256(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[tokio::test]
    async fn a_body_past_the_memory_budget_is_not_held() {
        let budget = MemoryBudget::new(8);
        let refused = HeldBody::hold(body(&[b"12345", b"6789"]), &budget).await;
        assert!(matches!(refused, Err(NotHeld::OverMemory { cap: 8 })));
        assert!(budget.take(8), "what was held is given back");
    }
}
