//! A leg's UDP socket: awaited while the leg is on its own, polled once a call owns it.
//!
//! A leg that is still connecting (ICE and DTLS, on its own or already in a call) and the test
//! client await their socket through Tokio's reactor, so they react to each datagram at once.
//! A call reads its connected legs' sockets on its media clock instead (`call::task`): the
//! socket leaves the reactor, and a datagram then costs one receive call, with no epoll event
//! and no task wake-up of its own.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;

pub(crate) enum LegSocket {
    /// Registered with Tokio's reactor.
    Awaited(tokio::net::UdpSocket),
    /// Non-blocking, read when its owner decides.
    Polled(std::net::UdpSocket),
}

impl LegSocket {
    /// Sends without waiting; a full socket buffer gives `WouldBlock`.
    pub(crate) fn send_to(&self, data: &[u8], to: SocketAddr) -> io::Result<usize> {
        match self {
            LegSocket::Awaited(s) => s.try_send_to(data, to),
            LegSocket::Polled(s) => s.send_to(data, to),
        }
    }

    /// Waits for a datagram (a polled socket never completes: its owner reads it with
    /// [`LegSocket::try_recv_from`]).
    pub(crate) async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        match self {
            LegSocket::Awaited(s) => s.recv_from(buf).await,
            LegSocket::Polled(_) => std::future::pending().await,
        }
    }

    /// A datagram if one is queued, `WouldBlock` if not.
    pub(crate) fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        match self {
            LegSocket::Awaited(s) => s.try_recv_from(buf),
            LegSocket::Polled(s) => s.recv_from(buf),
        }
    }

    /// Whether the socket is out of the reactor, read by its owner.
    pub(crate) fn is_polled(&self) -> bool {
        matches!(self, LegSocket::Polled(_))
    }

    /// Takes the socket out of the reactor (it stays non-blocking); a no-op if it already is.
    /// The file descriptor is duplicated first, so the socket (and its port) never closes.
    pub(crate) fn make_polled(&mut self) -> io::Result<()> {
        if let LegSocket::Awaited(s) = self {
            let fd = s.as_fd().try_clone_to_owned()?;
            // Dropping the awaited socket deregisters it and closes the original descriptor.
            *self = LegSocket::Polled(std::net::UdpSocket::from(fd));
        }
        Ok(())
    }
}
