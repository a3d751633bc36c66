//! A hostile remote server on loopback, written on raw TCP so that it can
//! misbehave as real attackers do: answer without end, declare a huge
//! body, drip one byte at a time, or hold every request for a while. It
//! counts what it wrote, and how many connections it held at once.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// `200` with no length, then bytes for as long as the client reads.
    Endless,
    /// `200` declaring `Content-Length: 300 MB`, then bytes slowly.
    DeclaresHuge,
    /// `200`, then one byte every 100 ms, for ever.
    Drips,
    /// Waits this long, then answers a small JSON document.
    Holds(Duration),
}

#[derive(Default)]
struct Counters {
    written: AtomicU64,
    open: AtomicUsize,
    most_open: AtomicUsize,
    requests: AtomicUsize,
    closed: AtomicUsize,
}

pub struct Remote {
    pub addr: SocketAddr,
    counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

impl Remote {
    pub async fn start(behaviour: Behaviour) -> Remote {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind remote");
        let addr = listener.local_addr().expect("address");
        let counters = Arc::new(Counters::default());
        let shared = counters.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counters = shared.clone();
                tokio::spawn(async move { serve(stream, behaviour, counters).await });
            }
        });
        Remote {
            addr,
            counters,
            task,
        }
    }

    /// Body bytes written to every client so far.
    pub fn written(&self) -> u64 {
        self.counters.written.load(Ordering::SeqCst)
    }

    /// The most connections held open at one time.
    pub fn most_open(&self) -> usize {
        self.counters.most_open.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.counters.requests.load(Ordering::SeqCst)
    }

    /// Connections that the client ended while the remote was still writing.
    pub fn closed_by_client(&self) -> usize {
        self.counters.closed.load(Ordering::SeqCst)
    }

    /// Waits until `count` connections were ended by the client.
    pub async fn wait_closed(&self, count: usize) {
        let started = std::time::Instant::now();
        while self.closed_by_client() < count {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the client never hung up: {} closed, {} bytes written",
                self.closed_by_client(),
                self.written()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, behaviour: Behaviour, counters: Arc<Counters>) {
    let open = counters.open.fetch_add(1, Ordering::SeqCst) + 1;
    counters.most_open.fetch_max(open, Ordering::SeqCst);
    // Read the request head; its content does not matter.
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => {
                counters.open.fetch_sub(1, Ordering::SeqCst);
                return;
            }
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    counters.requests.fetch_add(1, Ordering::SeqCst);
    let chunk = vec![b' '; 16 * 1024];
    let result: std::io::Result<()> = async {
        match behaviour {
            Behaviour::Endless => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/activity+json\r\nconnection: close\r\n\r\n[")
                    .await?;
                loop {
                    stream.write_all(&chunk).await?;
                    counters.written.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                    // Paced like a fast network, so the kernel's buffers do
                    // not hide how much the client really read.
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
            Behaviour::DeclaresHuge => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/jrd+json\r\ncontent-length: 300000000\r\n\r\n")
                    .await?;
                loop {
                    stream.write_all(&chunk).await?;
                    counters.written.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            Behaviour::Drips => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/jrd+json\r\nconnection: close\r\n\r\n{")
                    .await?;
                loop {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    stream.write_all(b" ").await?;
                    counters.written.fetch_add(1, Ordering::SeqCst);
                }
            }
            Behaviour::Holds(delay) => {
                tokio::time::sleep(delay).await;
                let body = br#"{"links":[]}"#;
                stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/jrd+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await?;
                stream.write_all(body).await?;
                counters.written.fetch_add(body.len() as u64, Ordering::SeqCst);
                stream.shutdown().await
            }
        }
    }
    .await;
    if result.is_err() {
        counters.closed.fetch_add(1, Ordering::SeqCst);
    }
    counters.open.fetch_sub(1, Ordering::SeqCst);
}
