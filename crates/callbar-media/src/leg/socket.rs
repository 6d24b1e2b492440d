//! A leg's UDP socket: awaited while the leg is on its own, polled once a call owns it.
//!
//! A leg that is still connecting (ICE and DTLS, on its own or already in a call) and the test
//! client await their socket through Tokio's reactor, so they react to each datagram at once.
//! A call reads its connected legs' sockets on its media clock instead (`call::task`): the
//! socket leaves the reactor, and a datagram then costs one receive call, with no epoll event
//! and no task wake-up of its own.
//!
//! A polled socket is also *connected* to its peer while the peer is live. Once a datagram
//! has come from the address the leg sends to, the socket is `connect`ed to it, which does
//! two things:
//! - the kernel drops datagrams from any other address before they are queued: a flood
//!   aimed at a bridged call's port from elsewhere neither fills the socket's buffer (where
//!   it would push out the call's own audio) nor costs the media clock a read;
//! - sends go out with `send`, which reuses the route cached at connect instead of looking
//!   it up for every datagram (a `sendto` costs about a quarter more, docs/benchmarks.md).
//!
//! The peer can move: a browser may switch to another ICE candidate pair, a trunk's media
//! may move after a re-INVITE. So the socket lets go of its peer (connects to `AF_UNSPEC`)
//! as soon as the leg sends elsewhere, and after [`QUIET_READS`] reads in a row that found
//! nothing, so that a peer that fell silent and now sends from another address is heard
//! again. Only a socket bound to one address is connected: connecting a socket bound to
//! every interface would also pin the local address it receives on, which on a host with
//! several addresses may not be the one the peer sends to.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Empty reads in a row after which a connected socket lets go of its peer. On the media
/// clock a socket is read until empty every 20 ms, so a live peer resets the count every tick
/// and 10 empty reads are 200 ms without a datagram.
pub(crate) const QUIET_READS: u32 = 10;

pub(crate) enum LegSocket {
    /// Registered with Tokio's reactor.
    Awaited(tokio::net::UdpSocket),
    /// Non-blocking, read when its owner decides.
    Polled(PolledSocket),
}

/// A non-blocking socket out of the reactor, connected to its peer while the peer is live.
pub(crate) struct PolledSocket {
    socket: std::net::UdpSocket,
    /// Whether the socket is bound to one address (see the module doc).
    may_connect: bool,
    /// Only its owner uses the socket; the lock (never contended) lets a `&LegSocket` be held
    /// across an await in a task that may move between threads.
    peer: Mutex<Peer>,
}

#[derive(Default)]
struct Peer {
    /// The address the socket is connected to.
    connected: Option<SocketAddr>,
    /// Where the last datagram came from.
    last_source: Option<SocketAddr>,
    /// Reads in a row that found the socket empty.
    empty_reads: u32,
}

impl PolledSocket {
    pub(crate) fn new(socket: std::net::UdpSocket) -> PolledSocket {
        let may_connect = socket.local_addr().is_ok_and(|a| !a.ip().is_unspecified());
        PolledSocket {
            socket,
            may_connect,
            peer: Mutex::default(),
        }
    }

    fn peer(&self) -> MutexGuard<'_, Peer> {
        self.peer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn send_to(&self, data: &[u8], to: SocketAddr) -> io::Result<usize> {
        let mut peer = self.peer();
        match peer.connected {
            Some(connected) if connected == to => return self.socket.send(data),
            Some(_) => self.disconnect(&mut peer),
            None => {}
        }
        if peer.last_source == Some(to) && self.may_connect && self.socket.connect(to).is_ok() {
            peer.connected = Some(to);
            peer.empty_reads = 0;
            return self.socket.send(data);
        }
        self.socket.send_to(data, to)
    }

    fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let received = self.socket.recv_from(buf);
        let mut peer = self.peer();
        match &received {
            Ok((_, from)) => {
                peer.last_source = Some(*from);
                peer.empty_reads = 0;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && peer.connected.is_some() => {
                peer.empty_reads += 1;
                if peer.empty_reads >= QUIET_READS {
                    self.disconnect(&mut peer);
                }
            }
            Err(_) => {}
        }
        received
    }

    /// Lets go of the peer: the socket receives from anyone again.
    fn disconnect(&self, peer: &mut Peer) {
        // Connecting a UDP socket to an address of family AF_UNSPEC dissolves the
        // association (connect(2)); std has no call for it.
        let unspec = libc::sockaddr {
            sa_family: libc::AF_UNSPEC as libc::sa_family_t,
            sa_data: [0; 14],
        };
        // SAFETY: `unspec` is a valid sockaddr of the length passed, alive for the call, and
        // the descriptor is this socket's own, open while `self` lives.
        let rc = unsafe {
            libc::connect(
                self.socket.as_raw_fd(),
                &unspec,
                std::mem::size_of::<libc::sockaddr>() as libc::socklen_t,
            )
        };
        // The socket keeps its port: Linux unbinds on disconnect only a socket that was bound to
        // port 0, and the port pool binds explicit ports.
        if rc == 0 {
            *peer = Peer::default();
        } else {
            tracing::debug!(error = %io::Error::last_os_error(), "udp socket keeps its peer");
            peer.empty_reads = 0;
        }
    }

    /// The peer the socket is connected to now.
    #[cfg(test)]
    pub(crate) fn connected(&self) -> Option<SocketAddr> {
        self.peer().connected
    }
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
            *self = LegSocket::Polled(PolledSocket::new(std::net::UdpSocket::from(fd)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::net::UdpSocket;
    use std::time::Duration;

    use super::*;

    /// A test peer: blocking, gives up after 2 s.
    fn peer() -> UdpSocket {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        socket
    }

    /// A leg's socket on `ip`, bound to a port of its own choosing as the media engine's port
    /// pool does (a socket bound to port 0 would lose its port when it lets go of its peer).
    fn polled(ip: &str) -> (PolledSocket, SocketAddr) {
        static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(47000);
        let socket = std::iter::repeat_with(|| NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
            .take(1000)
            .find_map(|port| UdpSocket::bind((ip, port)).ok())
            .expect("a free port");
        socket.set_nonblocking(true).unwrap();
        let port = socket.local_addr().unwrap().port();
        (PolledSocket::new(socket), SocketAddr::from(([127, 0, 0, 1], port)))
    }

    /// The next datagram the polled socket reads, waiting up to 2 s.
    fn read(socket: &PolledSocket) -> (Vec<u8>, SocketAddr) {
        let mut buf = [0u8; 64];
        for _ in 0..200 {
            match socket.recv_from(&mut buf) {
                Ok((n, from)) => return (buf[..n].to_vec(), from),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => panic!("receive failed: {e}"),
            }
        }
        panic!("nothing arrived")
    }

    fn heard(peer: &UdpSocket) -> Vec<u8> {
        let mut buf = [0u8; 64];
        let n = peer.recv(&mut buf).expect("the peer hears the leg");
        buf[..n].to_vec()
    }

    /// Reads until the socket is empty, then `count` more empty reads.
    fn empty_reads(socket: &PolledSocket, count: u32) {
        let mut buf = [0u8; 64];
        while socket.recv_from(&mut buf).is_ok() {}
        for _ in 1..count {
            assert!(socket.recv_from(&mut buf).is_err());
        }
    }

    /// A leg on `ip` that a peer `b` sent to and that then sent to `b`: (leg, its address, b).
    fn exchanged(ip: &str) -> (PolledSocket, SocketAddr, UdpSocket) {
        let (leg, leg_addr) = polled(ip);
        let b = peer();
        let b_addr = b.local_addr().unwrap();
        b.send_to(b"hello", leg_addr).unwrap();
        read(&leg);
        leg.send_to(b"audio", b_addr).unwrap();
        assert_eq!(heard(&b), b"audio");
        (leg, leg_addr, b)
    }

    /// A leg connected to a peer `b`: (leg, its address, b).
    fn connected_to_b() -> (PolledSocket, SocketAddr, UdpSocket) {
        let (leg, leg_addr, b) = exchanged("127.0.0.1");
        assert_eq!(leg.connected(), Some(b.local_addr().unwrap()));
        (leg, leg_addr, b)
    }

    #[test]
    fn connects_to_a_peer_once_it_has_heard_from_it() {
        let (leg, leg_addr) = polled("127.0.0.1");
        let (b, other) = (peer(), peer());
        let b_addr = b.local_addr().unwrap();
        leg.send_to(b"ring", b_addr).unwrap();
        assert_eq!(heard(&b), b"ring");
        assert_eq!(leg.connected(), None, "nothing came from the peer yet");

        b.send_to(b"hello", leg_addr).unwrap();
        assert_eq!(read(&leg), (b"hello".to_vec(), b_addr));
        leg.send_to(b"audio", b_addr).unwrap();
        assert_eq!(heard(&b), b"audio");
        assert_eq!(leg.connected(), Some(b_addr));

        // Another address is dropped by the kernel, not queued behind the peer's audio.
        other.send_to(b"flood", leg_addr).unwrap();
        b.send_to(b"more", leg_addr).unwrap();
        assert_eq!(read(&leg), (b"more".to_vec(), b_addr));
        empty_reads(&leg, 1);
        assert_eq!(leg.connected(), Some(b_addr), "one empty read is not quiet");
    }

    #[test]
    fn a_quiet_peer_is_let_go_and_another_address_heard() {
        let (leg, leg_addr, b) = connected_to_b();
        let (b_addr, c) = (b.local_addr().unwrap(), peer());

        empty_reads(&leg, QUIET_READS - 1);
        assert_eq!(leg.connected(), Some(b_addr));
        empty_reads(&leg, 1);
        assert_eq!(leg.connected(), None, "quiet for {QUIET_READS} reads");
        c.send_to(b"moved", leg_addr).unwrap();
        assert_eq!(read(&leg), (b"moved".to_vec(), c.local_addr().unwrap()));
    }

    #[test]
    fn sending_elsewhere_lets_go_of_the_peer_at_once() {
        let (leg, leg_addr, _b) = connected_to_b();
        let c = peer();
        let c_addr = c.local_addr().unwrap();
        leg.send_to(b"re-invite", c_addr).unwrap();
        assert_eq!(heard(&c), b"re-invite");
        assert_eq!(leg.connected(), None);
        c.send_to(b"new media", leg_addr).unwrap();
        assert_eq!(read(&leg), (b"new media".to_vec(), c_addr));
        leg.send_to(b"audio", c_addr).unwrap();
        assert_eq!(leg.connected(), Some(c_addr));
    }

    #[test]
    fn a_socket_bound_to_every_interface_is_never_connected() {
        let (leg, _, _b) = exchanged("0.0.0.0");
        assert_eq!(leg.connected(), None);
    }
}
