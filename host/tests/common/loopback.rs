//! HTTP/1 doubles on a loopback port: each connection on its own task, so that a client's
//! concurrent requests are served concurrently, and every request to one handler, with the bytes
//! the connection has received so far as they arrived on the wire.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The most bytes of one connection kept for [`Wire`]: a test checks the framing of what it
/// sends, not of 200 MB.
const WIRE_KEPT: usize = 32 << 20;

/// What one connection has received, byte for byte (its first [`WIRE_KEPT`] bytes).
#[derive(Clone, Default)]
pub struct Wire(Arc<Mutex<Vec<u8>>>);

impl Wire {
    /// The bytes received so far.
    pub fn received(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
}

/// A TCP stream that notes what it reads into its [`Wire`].
struct Recorded {
    stream: TcpStream,
    wire: Wire,
}

impl AsyncRead for Recorded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        let mut wire = this.wire.0.lock().unwrap();
        let room = WIRE_KEPT.saturating_sub(wire.len());
        let new = &buf.filled()[before..];
        wire.extend_from_slice(&new[..new.len().min(room)]);
        read
    }
}

impl AsyncWrite for Recorded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Serves `handle(state, request, wire)` on a free loopback port, until the test ends; returns
/// the port's address. `wire` is what the request's connection has received so far.
pub async fn serve<S, F, Fut>(state: Arc<S>, handle: F) -> SocketAddr
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request<Incoming>, Wire) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let state = state.clone();
            tokio::spawn(async move {
                let wire = Wire::default();
                let recorded = Recorded {
                    stream,
                    wire: wire.clone(),
                };
                let service = hyper::service::service_fn(move |request| {
                    handle(state.clone(), request, wire.clone())
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(recorded), service)
                    .await;
            });
        }
    });
    address
}

/// Waits until `done`, checking every 50 ms for at most 30 s; panics naming `what` after that.
pub async fn wait_for(what: &str, done: impl FnMut() -> bool) {
    wait_up_to(std::time::Duration::from_secs(30), what, done).await;
}

/// [`wait_for`], for at most `limit`: a 13 MB JavaScript component takes a minute to compile on
/// a busy machine.
pub async fn wait_up_to(limit: std::time::Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}
