//! The guest's stdout and stderr: kept in memory up to a cap, the rest dropped, so that a guest
//! that floods its output neither grows the host nor fails (writes keep succeeding).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Captured output, shared between the WASI streams and the host that logs it.
#[derive(Debug, Clone)]
pub struct BoundedOutput {
    capacity: usize,
    captured: Arc<Mutex<Captured>>,
}

#[derive(Debug, Default)]
struct Captured {
    bytes: Vec<u8>,
    dropped: usize,
}

impl BoundedOutput {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            captured: Arc::default(),
        }
    }

    /// What was kept, and how many bytes were dropped past the cap.
    pub fn contents(&self) -> (Vec<u8>, usize) {
        let captured = self.lock();
        (captured.bytes.clone(), captured.dropped)
    }

    /// Forgets what was captured, for the next invocation of a kept instance.
    pub fn clear(&self) {
        *self.lock() = Captured::default();
    }

    fn append(&self, bytes: &[u8]) {
        let mut captured = self.lock();
        let kept = bytes
            .len()
            .min(self.capacity.saturating_sub(captured.bytes.len()));
        captured.bytes.extend_from_slice(&bytes[..kept]);
        captured.dropped += bytes.len() - kept;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Captured> {
        self.captured
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl IsTerminal for BoundedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for BoundedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

/// Writes never block: the most a guest may write at once.
const WRITE_BUDGET: usize = 64 << 10;

impl OutputStream for BoundedOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_BUDGET)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for BoundedOutput {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for BoundedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.append(bytes);
        Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_up_to_the_cap_and_counts_the_rest() {
        let mut output = BoundedOutput::new(8);
        output.write(Bytes::from_static(b"hello ")).unwrap();
        output.write(Bytes::from_static(b"world")).unwrap();
        assert_eq!(output.contents(), (b"hello wo".to_vec(), 3));
        assert_eq!(
            output.check_write().unwrap(),
            WRITE_BUDGET,
            "writes keep being accepted"
        );
        output.clear();
        output.write(Bytes::from_static(b"next")).unwrap();
        assert_eq!(output.contents(), (b"next".to_vec(), 0));
    }
}
