//! SRTP for a bridged call's audio, done beside str0m rather than through it (RFC 3711,
//! RFC 7714, keys as RFC 5764 exports them).
//!
//! Why: issue 5 asks for under 0.1 % of a core per bridged call. A profile of the server with
//! 400 trunk calls up put 23 % of its CPU in str0m's per-packet path (input demultiplexing,
//! stream lookup, the poll loop after every packet in and out, a `Vec` per packet) against
//! 5 % for the AES itself. A G.711 call needs none of that per packet: one stream each way,
//! no reordering, no NACK, no congestion control. So once a WebRTC leg is up and str0m has
//! shown us what its audio packets look like, the leg seals and opens its audio here, with
//! str0m's own ciphers (its crypto provider, AWS-LC), and hands str0m only what still needs
//! it: ICE (STUN), DTLS, RTCP, and any RTP stream this path does not know.
//!
//! - **Keys.** The DTLS session ([`super::dtls`]) leaves the exported keying material and the
//!   negotiated profile in the leg's [`KeySlot`]; str0m gets the same material as before and
//!   keeps its own SRTP contexts for RTCP and for anything handed to it. The leg uses the keys
//!   only after str0m reports `Connected`, that is after str0m has checked the peer's
//!   certificate against the SDP fingerprint (on a mismatch it disconnects instead).
//! - **Sending** ([`Outbound`]): the header template is the one str0m wrote on the leg's
//!   first audio packet (its SSRC and its `mid` extension); the sequence numbers are the
//!   leg's own, which str0m used too, so the rollover counter carries on unchanged.
//! - **Receiving** ([`Inbound`]): the stream's SSRC and highest index are taken from the
//!   first packet str0m delivers once the keys are known, so the index estimate (RFC 3711
//!   §3.3.1) continues from str0m's. A 64-packet replay window rejects replays; a packet that
//!   fails authentication is dropped and counted, never handed on.

use std::sync::Mutex;

use str0m::crypto::dtls::SrtpProfile;
use str0m::crypto::{
    AeadAes128Gcm, AeadAes128GcmCipher, AeadAes256Gcm, AeadAes256GcmCipher, Aes128CmSha1_80, Aes128CmSha1_80Cipher,
    CryptoProvider, Sha1HmacProvider,
};

use crate::rtp::{RtpHeader, parse_header, unpad};

/// RFC 3711 §4.3.1 key derivation labels for SRTP (RTCP stays with str0m).
const LABEL_KEY: u8 = 0;
const LABEL_AUTH: u8 = 1;
const LABEL_SALT: u8 = 2;

/// AWS-LC's counter mode writes up to a block minus one past the input.
const CTR_SLACK: usize = 15;
/// The longest header template kept (12 bytes, CSRCs and extensions).
const MAX_HEADER: usize = 64;
/// RFC 3711 §3.3.2: the replay window must hold at least 64 packets.
const WINDOW: u64 = 64;

/// What a leg's DTLS handshake exported: the keying material, its profile, and whether this
/// side was the DTLS client (which half of the material is ours).
struct Exported {
    material: Vec<u8>,
    profile: SrtpProfile,
    client: bool,
}

/// Where a leg's DTLS session leaves its SRTP keys.
#[derive(Default)]
pub(crate) struct KeySlot(Mutex<Option<Exported>>);

impl KeySlot {
    /// Keeps the material DTLS exported (called by the DTLS session, once per handshake).
    pub(crate) fn put(&self, material: &[u8], profile: SrtpProfile, client: bool) {
        let exported = Exported {
            material: material.to_vec(),
            profile,
            client,
        };
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(exported);
    }

    /// Whether DTLS has exported its keys.
    pub(crate) fn is_filled(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// The two directions' contexts, once the handshake is done; `None` before, or for a
    /// profile this path does not know (str0m then keeps doing all of the leg's SRTP).
    pub(crate) fn contexts(&self, crypto: &CryptoProvider) -> Option<(Context, Context)> {
        let slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let exported = slot.as_ref()?;
        let (key_len, salt_len) = match exported.profile {
            SrtpProfile::AES128_CM_SHA1_80 => (Aes128CmSha1_80::KEY_LEN, Aes128CmSha1_80::SALT_LEN),
            SrtpProfile::AEAD_AES_128_GCM => (AeadAes128Gcm::KEY_LEN, AeadAes128Gcm::SALT_LEN),
            SrtpProfile::AEAD_AES_256_GCM => (AeadAes256Gcm::KEY_LEN, AeadAes256Gcm::SALT_LEN),
            _ => return None,
        };
        let m = &exported.material;
        if m.len() != 2 * (key_len + salt_len) {
            return None;
        }
        // RFC 5764 §4.2: client key, server key, client salt, server salt.
        let client = (&m[..key_len], &m[2 * key_len..2 * key_len + salt_len]);
        let server = (&m[key_len..2 * key_len], &m[2 * key_len + salt_len..]);
        let (ours, theirs) = if exported.client {
            (client, server)
        } else {
            (server, client)
        };
        let seal = Context::derive(crypto, exported.profile, ours.0, ours.1, true)?;
        let open = Context::derive(crypto, exported.profile, theirs.0, theirs.1, false)?;
        Some((seal, open))
    }
}

/// One direction's SRTP session keys and cipher.
pub(crate) enum Context {
    Cm {
        cipher: Box<dyn Aes128CmSha1_80Cipher>,
        auth: [u8; Aes128CmSha1_80::HMAC_KEY_LEN],
        salt: [u8; Aes128CmSha1_80::SALT_LEN],
        hmac: &'static dyn Sha1HmacProvider,
    },
    Gcm {
        cipher: Gcm,
        salt: [u8; GCM_SALT],
    },
}

/// RFC 7714: both GCM profiles have the same salt, tag, IV and packet layout; only the key
/// length differs.
const GCM_SALT: usize = AeadAes128Gcm::SALT_LEN;
const GCM_TAG: usize = AeadAes128Gcm::TAG_LEN;
const _: () = assert!(GCM_SALT == AeadAes256Gcm::SALT_LEN && GCM_TAG == AeadAes256Gcm::TAG_LEN);

/// An AEAD_AES_128_GCM or AEAD_AES_256_GCM cipher (str0m has a trait for each).
pub(crate) enum Gcm {
    Aes128(Box<dyn AeadAes128GcmCipher>),
    Aes256(Box<dyn AeadAes256GcmCipher>),
}

impl Gcm {
    /// The RFC 7714 §8.1 IV of packet index `index` (the rollover counter is its high bits).
    fn iv(salt: [u8; GCM_SALT], ssrc: u32, index: u64) -> [u8; 12] {
        AeadAes128Gcm::rtp_iv(salt, ssrc, (index >> 16) as u32, index as u16)
    }

    fn encrypt(&mut self, iv: &[u8; 12], aad: &[u8], input: &[u8], output: &mut [u8]) -> Option<()> {
        match self {
            Gcm::Aes128(c) => c.encrypt(iv, aad, input, output),
            Gcm::Aes256(c) => c.encrypt(iv, aad, input, output),
        }
        .ok()
    }

    fn decrypt(&mut self, iv: &[u8; 12], aad: &[u8], input: &[u8], output: &mut [u8]) -> Option<usize> {
        match self {
            Gcm::Aes128(c) => c.decrypt(iv, &[aad], input, output),
            Gcm::Aes256(c) => c.decrypt(iv, &[aad], input, output),
        }
        .ok()
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let profile = match self {
            Context::Cm { .. } => "AES_CM_128_HMAC_SHA1_80",
            Context::Gcm {
                cipher: Gcm::Aes128(_), ..
            } => "AEAD_AES_128_GCM",
            Context::Gcm {
                cipher: Gcm::Aes256(_), ..
            } => "AEAD_AES_256_GCM",
        };
        f.debug_struct("Context")
            .field("profile", &profile)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Derives the session keys from a master key and salt (RFC 3711 §4.3, the AES-CM PRF;
    /// RFC 7714 §11 for GCM) and makes the cipher.
    pub(crate) fn derive(
        crypto: &CryptoProvider,
        profile: SrtpProfile,
        master: &[u8],
        master_salt: &[u8],
        seal: bool,
    ) -> Option<Context> {
        let srtp = crypto.srtp_provider;
        let prf = |label: u8, out: &mut [u8]| kdf(crypto, master, master_salt, label, out);
        let gcm = |cipher| {
            let mut salt = [0; GCM_SALT];
            prf(LABEL_SALT, &mut salt);
            Context::Gcm { cipher, salt }
        };
        Some(match profile {
            SrtpProfile::AES128_CM_SHA1_80 => {
                let mut key = [0; Aes128CmSha1_80::KEY_LEN];
                let mut auth = [0; Aes128CmSha1_80::HMAC_KEY_LEN];
                let mut salt = [0; Aes128CmSha1_80::SALT_LEN];
                prf(LABEL_KEY, &mut key);
                prf(LABEL_AUTH, &mut auth);
                prf(LABEL_SALT, &mut salt);
                Context::Cm {
                    cipher: srtp.aes_128_cm_sha1_80().create_cipher(key, seal),
                    auth,
                    salt,
                    hmac: crypto.sha1_hmac_provider,
                }
            }
            SrtpProfile::AEAD_AES_128_GCM => {
                let mut key = [0; AeadAes128Gcm::KEY_LEN];
                prf(LABEL_KEY, &mut key);
                gcm(Gcm::Aes128(srtp.aead_aes_128_gcm().create_cipher(key, seal)))
            }
            SrtpProfile::AEAD_AES_256_GCM => {
                let mut key = [0; AeadAes256Gcm::KEY_LEN];
                prf(LABEL_KEY, &mut key);
                gcm(Gcm::Aes256(srtp.aead_aes_256_gcm().create_cipher(key, seal)))
            }
            _ => return None,
        })
    }

    /// Writes the SRTP packet for `header` and `payload` (plain) at packet index `index` into
    /// `out`; returns its length, or `None` if `out` is too small or the cipher failed.
    pub(crate) fn seal(
        &mut self,
        header: &[u8],
        ssrc: u32,
        index: u64,
        payload: &[u8],
        out: &mut [u8],
    ) -> Option<usize> {
        let hlen = header.len();
        let end = hlen + payload.len();
        out.get_mut(..hlen)?.copy_from_slice(header);
        match self {
            Context::Cm {
                cipher,
                auth,
                salt,
                hmac,
            } => {
                let iv = Aes128CmSha1_80::rtp_iv(*salt, ssrc, index);
                let body = out.get_mut(hlen..end + CTR_SLACK)?;
                cipher.encrypt(&iv, payload, body).ok()?;
                let tagged = out.get_mut(..end + Aes128CmSha1_80::HMAC_TAG_LEN)?;
                Aes128CmSha1_80::rtp_hmac(|k, p| hmac.sha1_hmac(k, p), auth, tagged, index, end);
                Some(end + Aes128CmSha1_80::HMAC_TAG_LEN)
            }
            Context::Gcm { cipher, salt } => {
                let iv = Gcm::iv(*salt, ssrc, index);
                cipher.encrypt(&iv, header, payload, out.get_mut(hlen..end + GCM_TAG)?)?;
                Some(end + GCM_TAG)
            }
        }
    }

    /// Authenticates and decrypts the SRTP `packet` (whose header is `hlen` bytes) at packet
    /// index `index` into `out`; returns the plain payload's length (padding included), or
    /// `None` if it is not authentic, too short, or `out` is too small.
    pub(crate) fn open(&mut self, packet: &[u8], hlen: usize, ssrc: u32, index: u64, out: &mut [u8]) -> Option<usize> {
        match self {
            Context::Cm {
                cipher,
                auth,
                salt,
                hmac,
            } => {
                let tag_at = packet.len().checked_sub(Aes128CmSha1_80::HMAC_TAG_LEN)?;
                if tag_at < hlen {
                    return None;
                }
                let (signed, tag) = packet.split_at(tag_at);
                if !Aes128CmSha1_80::rtp_verify(|k, p| hmac.sha1_hmac(k, p), auth, signed, index, tag) {
                    return None;
                }
                let iv = Aes128CmSha1_80::rtp_iv(*salt, ssrc, index);
                let body = &signed[hlen..];
                cipher.decrypt(&iv, body, out.get_mut(..body.len() + CTR_SLACK)?).ok()?;
                Some(body.len())
            }
            Context::Gcm { cipher, salt } => {
                let iv = Gcm::iv(*salt, ssrc, index);
                let (aad, body) = packet.split_at_checked(hlen)?;
                let len = body.len().checked_sub(GCM_TAG)?;
                cipher.decrypt(&iv, aad, body, out.get_mut(..len)?)
            }
        }
    }
}

/// The AES-CM PRF of RFC 3711 §4.3.3 with a key derivation rate of 0: the keystream for
/// IV = (master salt XOR label at byte 7) · 2^16, AES-128 or AES-256 by the master key's
/// length. A 96-bit GCM master salt is used as the high 96 of the 112 bits (RFC 7714 §11).
fn kdf(crypto: &CryptoProvider, master: &[u8], salt: &[u8], label: u8, out: &mut [u8]) {
    let mut input = [0u8; 16];
    input[..salt.len().min(14)].copy_from_slice(&salt[..salt.len().min(14)]);
    input[7] ^= label;
    let mut block = [0u8; 32];
    for (round, chunk) in out.chunks_mut(16).enumerate() {
        input[14..].copy_from_slice(&(round as u16).to_be_bytes());
        if master.len() == 32 {
            crypto.srtp_provider.srtp_aes_256_ecb_round(master, &input, &mut block);
        } else {
            crypto.srtp_provider.srtp_aes_128_ecb_round(master, &input, &mut block);
        }
        chunk.copy_from_slice(&block[..chunk.len()]);
    }
}

/// The sending half: seals the leg's audio with the header str0m used.
pub(crate) struct Outbound {
    context: Context,
    header: [u8; MAX_HEADER],
    header_len: usize,
    ssrc: u32,
}

impl Outbound {
    /// Takes the header of `sent`, an SRTP packet str0m sent for us, as the template; `None`
    /// if it is not RTP or its header is too long to keep.
    pub(crate) fn new(context: Context, sent: &[u8]) -> Option<Outbound> {
        let (header, len) = parse_header(sent)?;
        if len > MAX_HEADER || sent[0] & 0x20 != 0 {
            return None;
        }
        let mut template = [0; MAX_HEADER];
        template[..len].copy_from_slice(&sent[..len]);
        Some(Outbound {
            context,
            header: template,
            header_len: len,
            ssrc: header.ssrc,
        })
    }

    /// Writes the SRTP packet for one payload into `out`; `index` is the extended sequence
    /// number. Returns the packet's length.
    pub(crate) fn seal(
        &mut self,
        pt: u8,
        marker: bool,
        index: u64,
        timestamp: u32,
        payload: &[u8],
        out: &mut [u8],
    ) -> Option<usize> {
        let header = &mut self.header[..self.header_len];
        header[1] = (u8::from(marker) << 7) | (pt & 0x7F);
        header[2..4].copy_from_slice(&(index as u16).to_be_bytes());
        header[4..8].copy_from_slice(&timestamp.to_be_bytes());
        self.context.seal(header, self.ssrc, index, payload, out)
    }
}

/// What [`Inbound::open`] made of a datagram.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Opened {
    /// Not for this path (not RTP, or another stream): str0m's to handle.
    NotOurs,
    /// Our stream's, but not authentic, a replay, or malformed: dropped.
    Rejected,
    /// An authentic packet; its plain payload (padding removed) is `out[..len]`.
    Packet { header: RtpHeader, index: u64, len: usize },
}

/// The receiving half: one known stream, its rollover estimate and replay window.
pub(crate) struct Inbound {
    context: Context,
    ssrc: u32,
    replay: Replay,
}

impl Inbound {
    /// Continues the stream `ssrc` from `index`, the extended sequence number of the last
    /// packet str0m delivered.
    pub(crate) fn new(context: Context, ssrc: u32, index: u64) -> Inbound {
        Inbound {
            context,
            ssrc,
            replay: Replay::new(index),
        }
    }

    /// Continues with another stream of the same remote (same keys), from `index`, the
    /// extended sequence number of its last packet str0m delivered; a no-op for the same one.
    pub(crate) fn follow(&mut self, ssrc: u32, index: u64) {
        if ssrc != self.ssrc {
            self.ssrc = ssrc;
            self.replay = Replay::new(index);
        }
    }

    pub(crate) fn open(&mut self, datagram: &[u8], out: &mut [u8]) -> Opened {
        // RFC 7983: RTP and RTCP start with 128–191; RTCP's types 192–223 are str0m's.
        if !(128..=191).contains(&datagram.first().copied().unwrap_or(0))
            || (192..=223).contains(&datagram.get(1).copied().unwrap_or(0))
        {
            return Opened::NotOurs;
        }
        let Some((header, hlen)) = parse_header(datagram) else {
            return Opened::NotOurs;
        };
        if header.ssrc != self.ssrc {
            return Opened::NotOurs;
        }
        let Some(index) = self.replay.estimate(header.sequence) else {
            return Opened::Rejected;
        };
        if !self.replay.is_new(index) {
            return Opened::Rejected;
        }
        let Some(len) = self.context.open(datagram, hlen, header.ssrc, index, out) else {
            return Opened::Rejected;
        };
        let Some(plain) = unpad(datagram[0], &out[..len]) else {
            return Opened::Rejected;
        };
        self.replay.accept(index);
        Opened::Packet {
            header,
            index,
            len: plain.len(),
        }
    }
}

/// RFC 3711 §3.3.1 and §3.3.2: the packet index from a 16-bit sequence number, and the
/// replay window behind the highest index received.
#[derive(Debug, Clone, Copy)]
struct Replay {
    highest: u64,
    /// Bit `i` set: index `highest - i` was received.
    seen: u64,
}

impl Replay {
    fn new(highest: u64) -> Replay {
        Replay { highest, seen: 1 }
    }

    /// The index closest to the highest one with this sequence number; `None` if that
    /// would be before the stream's start.
    fn estimate(&self, seq: u16) -> Option<u64> {
        let roc = self.highest >> 16;
        let last = self.highest as u16;
        let candidate = |roc: u64| (roc << 16) | u64::from(seq);
        if last < 0x8000 {
            if seq > last && seq - last > 0x8000 {
                return roc.checked_sub(1).map(candidate);
            }
        } else if last - 0x8000 > seq {
            return Some(candidate(roc + 1));
        }
        Some(candidate(roc))
    }

    /// Whether `index` is neither too old nor already received.
    fn is_new(&self, index: u64) -> bool {
        if index > self.highest {
            return true;
        }
        let behind = self.highest - index;
        behind < WINDOW && self.seen & (1 << behind) == 0
    }

    /// Records an authentic packet.
    fn accept(&mut self, index: u64) {
        if index > self.highest {
            let ahead = index - self.highest;
            self.seen = if ahead >= WINDOW { 0 } else { self.seen << ahead };
            self.seen |= 1;
            self.highest = index;
        } else {
            self.seen |= 1 << (self.highest - index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn crypto() -> CryptoProvider {
        str0m::crypto::from_feature_flags()
    }

    /// Every profile this path speaks, with the length of its keying material.
    const PROFILES: [(SrtpProfile, usize); 3] = [
        (SrtpProfile::AES128_CM_SHA1_80, 2 * (16 + 14)),
        (SrtpProfile::AEAD_AES_128_GCM, 2 * (16 + 12)),
        (SrtpProfile::AEAD_AES_256_GCM, 2 * (32 + 12)),
    ];

    fn material(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i as u8).wrapping_mul(7).wrapping_add(3)).collect()
    }

    /// str0m's own SRTP (its test export) seals exactly the same bytes as this path, for
    /// every profile and across rollovers: whatever profile a peer picks, the two agree.
    #[test]
    fn sealing_matches_str0m_for_every_profile() {
        use str0m::_internal_test_exports::TestSrtp;
        use str0m::crypto::dtls::KeyingMaterial;
        use str0m::rtp::{Extension, ExtensionMap, RtpHeader as Str0mHeader};
        let crypto = crypto();
        // As the legs are configured: only the mid, as extension 4.
        let mut exts = ExtensionMap::empty();
        exts.set(4, Extension::RtpMid);
        // A header as str0m writes it: the mid "0" in a one-byte extension.
        let template = hex("9000 0000 0000 0000 1234 5678 bede 0001 4030 0000");
        for (profile, len) in PROFILES {
            let material = material(len);
            // str0m's test sealer uses the client's half of the material.
            let slot = KeySlot::default();
            slot.put(&material, profile, true);
            let (seal, _) = slot.contexts(&crypto).unwrap();
            let mut ours = Outbound::new(seal, &template).unwrap();
            let mut theirs = TestSrtp::new(&crypto, profile, &KeyingMaterial::new(&material));
            for index in [1u64, 65_535, 65_536, 200_000] {
                let payload = [index as u8; 160];
                let mut plain = template.clone();
                plain[1] = if index == 1 { 0x80 } else { 0 };
                plain[2..4].copy_from_slice(&(index as u16).to_be_bytes());
                plain[4..8].copy_from_slice(&(160 * index as u32).to_be_bytes());
                plain.extend_from_slice(&payload);
                let header = Str0mHeader::_parse(&plain, &exts).unwrap();
                let expected = theirs.protect(header, index, &payload, &exts);
                let mut wire = [0u8; 256];
                let n = ours
                    .seal(0, index == 1, index, 160 * index as u32, &payload, &mut wire)
                    .unwrap();
                assert_eq!(&wire[..n], &expected[..], "{profile:?} at {index}");
            }
        }
    }

    /// RFC 3711 Appendix B.3: key derivation test vectors.
    #[test]
    fn key_derivation_matches_rfc_3711() {
        let master = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
        let salt = hex("0EC675AD498AFEEBB6960B3AABE6");
        let mut key = [0; 16];
        kdf(&crypto(), &master, &salt, LABEL_KEY, &mut key);
        assert_eq!(key.to_vec(), hex("C61E7A93744F39EE10734AFE3FF7A087"));
        let mut session_salt = [0; 14];
        kdf(&crypto(), &master, &salt, LABEL_SALT, &mut session_salt);
        assert_eq!(session_salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
        let mut auth = [0; 20];
        kdf(&crypto(), &master, &salt, LABEL_AUTH, &mut auth);
        assert_eq!(auth.to_vec(), hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
    }

    /// RFC 7714 §16.1.1: an RTP packet sealed with AEAD_AES_128_GCM (session key and salt
    /// given directly).
    #[test]
    fn gcm_sealing_matches_rfc_7714() {
        let key: [u8; 16] = hex("000102030405060708090a0b0c0d0e0f").try_into().unwrap();
        let salt: [u8; 12] = hex("517569642070726f2071756f").try_into().unwrap();
        let crypto = crypto();
        let mut context = Context::Gcm {
            cipher: Gcm::Aes128(crypto.srtp_provider.aead_aes_128_gcm().create_cipher(key, true)),
            salt,
        };
        let header = hex("8040f17b 8041f8d3 5501a0b2");
        let payload = hex("47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573");
        let mut out = [0u8; 200];
        let n = context.seal(&header, 0x5501a0b2, 0xf17b, &payload, &mut out).unwrap();
        let expected = hex(
            "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f
             42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce",
        );
        assert_eq!(&out[..n], &expected[..]);
    }

    /// Both directions of a pair of legs: what one side seals, the other opens, for every
    /// profile; a changed byte or a replay is rejected.
    #[test]
    fn every_profile_round_trips_between_client_and_server() {
        let crypto = crypto();
        for (profile, len) in PROFILES {
            let material = material(len);
            let (client, server) = (KeySlot::default(), KeySlot::default());
            client.put(&material, profile, true);
            server.put(&material, profile, false);
            let (client_seal, _) = client.contexts(&crypto).unwrap();
            let (_, server_open) = server.contexts(&crypto).unwrap();
            // A template as str0m writes it: one-byte extension header with the mid.
            let template = hex("9000 0000 0000 0000 1234 5678 bede 0001 4030 0000");
            let mut sealer = Outbound::new(client_seal, &template).unwrap();
            let mut opener = Inbound::new(server_open, 0x1234_5678, 65_534);
            let mut wire = [0u8; 400];
            let mut plain = [0u8; 400];
            for index in 65_535..65_540u64 {
                let payload = [index as u8; 160];
                let n = sealer
                    .seal(0, index == 65_535, index, 160 * index as u32, &payload, &mut wire)
                    .unwrap();
                assert_ne!(&wire[20..180], &payload[..], "{profile:?} encrypts");
                let Opened::Packet {
                    header,
                    index: got,
                    len,
                } = opener.open(&wire[..n], &mut plain)
                else {
                    panic!("{profile:?} did not open {index}");
                };
                assert_eq!((got, len, header.timestamp), (index, 160, 160 * index as u32));
                assert_eq!(&plain[..len], &payload[..]);
                assert_eq!(opener.open(&wire[..n], &mut plain), Opened::Rejected, "replay");
                let m = sealer.seal(0, false, index + 1, 0, &payload, &mut wire).unwrap();
                wire[30] ^= 1;
                assert_eq!(opener.open(&wire[..m], &mut plain), Opened::Rejected, "tampered");
            }
            // RTCP and other streams are not this path's.
            assert_eq!(opener.open(&hex("80c8 0006 1234 5678"), &mut plain), Opened::NotOurs);
            assert_eq!(
                opener.open(&hex("8000 0001 0000 0000 8765 4321 0000"), &mut plain),
                Opened::NotOurs
            );
        }
    }

    #[test]
    fn indexes_follow_rollovers_and_the_window_rejects_replays() {
        let mut r = Replay::new(0x1_FFFE);
        assert_eq!(r.estimate(0xFFFF), Some(0x1_FFFF));
        assert_eq!(r.estimate(0x0001), Some(0x2_0001));
        assert_eq!(r.estimate(0x8000), Some(0x1_8000));
        r.accept(0x2_0001);
        assert_eq!(r.estimate(0xFFF0), Some(0x1_FFF0));
        assert!(r.is_new(0x1_FFFF));
        assert!(!r.is_new(0x1_FFFE));
        assert!(!r.is_new(0x2_0001));
        assert!(!r.is_new(0x2_0001 - WINDOW));
        r.accept(0x2_0001 + 1000);
        assert!(!r.is_new(0x2_0001));
        assert!(r.is_new(0x2_0001 + 1000 - 1));
        // Near the start of a stream, a sequence number far ahead is from before it.
        assert_eq!(Replay::new(10).estimate(0xFFF0), None);
    }

    /// A remote that changes its SSRC is followed: the new stream opens, the old is not ours.
    #[test]
    fn a_new_remote_stream_is_followed() {
        let crypto = crypto();
        let material = material(2 * (16 + 12));
        let (client, server) = (KeySlot::default(), KeySlot::default());
        client.put(&material, SrtpProfile::AEAD_AES_128_GCM, true);
        server.put(&material, SrtpProfile::AEAD_AES_128_GCM, false);
        let (seal_old, _) = client.contexts(&crypto).unwrap();
        let (seal_new, _) = client.contexts(&crypto).unwrap();
        let (_, open) = server.contexts(&crypto).unwrap();
        let mut old = Outbound::new(seal_old, &hex("8000 0000 0000 0000 0000 0001")).unwrap();
        let mut new = Outbound::new(seal_new, &hex("8000 0000 0000 0000 0000 0002")).unwrap();
        let mut opener = Inbound::new(open, 1, 10);
        let (mut wire, mut plain) = ([0u8; 256], [0u8; 256]);
        opener.follow(2, 500);
        let n = new.seal(0, false, 501, 0, &[5; 160], &mut wire).unwrap();
        assert!(matches!(
            opener.open(&wire[..n], &mut plain),
            Opened::Packet { index: 501, .. }
        ));
        let n = old.seal(0, false, 11, 0, &[5; 160], &mut wire).unwrap();
        assert_eq!(opener.open(&wire[..n], &mut plain), Opened::NotOurs);
        // Following the same stream again changes nothing: the replay window stays.
        opener.follow(2, 400);
        let n = new.seal(0, false, 501, 0, &[5; 160], &mut wire).unwrap();
        assert_eq!(opener.open(&wire[..n], &mut plain), Opened::Rejected);
    }

    #[test]
    fn garbage_is_not_ours_or_rejected_never_a_panic() {
        let crypto = crypto();
        let slot = KeySlot::default();
        slot.put(&[1; 56], SrtpProfile::AEAD_AES_128_GCM, false);
        let (_, open) = slot.contexts(&crypto).unwrap();
        let mut opener = Inbound::new(open, 7, 100);
        let mut out = [0u8; 64];
        assert_eq!(opener.open(&[], &mut out), Opened::NotOurs);
        assert_eq!(opener.open(&[0x80; 11], &mut out), Opened::NotOurs);
        let mut short = hex("8000 0065 0000 0000 0000 0007");
        assert_eq!(opener.open(&short, &mut out), Opened::Rejected);
        short.extend_from_slice(&[0; 200]);
        assert_eq!(opener.open(&short, &mut out), Opened::Rejected);
        // Material of the wrong length is refused, not sliced.
        slot.put(&[1; 10], SrtpProfile::AEAD_AES_128_GCM, false);
        assert!(slot.contexts(&crypto).is_none());
    }
}
