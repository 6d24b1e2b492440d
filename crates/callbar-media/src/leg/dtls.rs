//! The DTLS provider of every WebRTC leg: str0m's own (dimpl on AWS-LC), with its
//! configuration built once per process instead of once per leg.
//!
//! Why: building a `dimpl::Config` validates the whole crypto provider (a key exchange in
//! every group, signature checks, test vectors) and took about 1.1 ms of CPU on this
//! machine, 95 % of creating a leg's `Rtc`. str0m's provider builds one for every peer
//! connection; a contact center creating a leg per call at 100 calls/s spent a tenth of a
//! core on it. The configuration is immutable and shared through an `Arc` by design, so
//! here it is validated once for each MTU str0m asks for (in practice one) and reused.
//!
//! The first `Rtc` of a process also pays for AWS-LC's one-time start (its entropy source,
//! about 40 ms here); [`warm_up`] does that when the media engine is created, so that the
//! first caller does not wait for it.
//!
//! Everything else is str0m's provider unchanged: certificate generation, SRTP, hashes,
//! and the DTLS instance itself (`dimpl::Dtls`, to which [`Instance`] delegates). The one
//! addition: an instance also leaves the SRTP keying material it exports in its leg's
//! [`KeySlot`], for the lean SRTP path ([`super::srtp`]). str0m builds the DTLS instance
//! inside `RtcConfig::build`, so [`build_rtc`] hands the slot over through a thread-local
//! for the length of that call.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use str0m::{Rtc, RtcConfig};

use str0m::crypto::dtls::ProtocolVersion;
use str0m::crypto::dtls::{DtlsCert, DtlsImplError, DtlsInstance, DtlsOutput, DtlsProvider, DtlsVersion};
use str0m::crypto::{CryptoError, CryptoProvider};

use super::srtp::KeySlot;

/// The DTLS provider of every `Rtc` this crate builds.
static DTLS: SharedConfig = SharedConfig {
    configs: Mutex::new(Vec::new()),
};

/// The crypto provider for every `Rtc` this crate builds.
pub(crate) fn crypto_provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            let mut provider = str0m::crypto::from_feature_flags();
            provider.dtls_provider = &DTLS;
            Arc::new(provider)
        })
        .clone()
}

thread_local! {
    /// The key slot of the `Rtc` being built on this thread (see [`build_rtc`]).
    static BUILDING: RefCell<Option<Arc<KeySlot>>> = const { RefCell::new(None) };
}

/// Builds an `Rtc` whose DTLS session will leave its SRTP keys in the returned slot.
pub(crate) fn build_rtc(config: RtcConfig, now: Instant) -> (Rtc, Arc<KeySlot>) {
    let slot = Arc::new(KeySlot::default());
    BUILDING.with(|b| *b.borrow_mut() = Some(slot.clone()));
    let rtc = config.build(now);
    BUILDING.with(|b| b.borrow_mut().take());
    (rtc, slot)
}

/// Pays the process's one-time crypto costs now (AWS-LC's start, the shared DTLS
/// configuration) by building and dropping one `Rtc`.
pub(crate) fn warm_up() {
    let _ = super::webrtc::rtc_config(true).build(Instant::now());
}

/// A DTLS provider that validates its configuration once per MTU.
struct SharedConfig {
    /// By MTU; str0m asks for one, so a list is enough.
    configs: Mutex<Vec<(Option<usize>, Arc<dimpl::Config>)>>,
}

impl std::fmt::Debug for SharedConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedConfig").finish_non_exhaustive()
    }
}

impl SharedConfig {
    fn config(&self, mtu: Option<usize>) -> Result<Arc<dimpl::Config>, CryptoError> {
        let mut configs = self.configs.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, config)) = configs.iter().find(|(m, _)| *m == mtu) {
            return Ok(config.clone());
        }
        // ICE proves the peer's address before DTLS starts, so server cookies are redundant
        // (as in str0m's own provider).
        let mut builder = dimpl::Config::builder().use_server_cookie(false);
        if let Some(mtu) = mtu {
            builder = builder.mtu(mtu);
        }
        let config = Arc::new(
            builder
                .build()
                .map_err(|e| CryptoError::Other(format!("DTLS configuration: {e}")))?,
        );
        configs.push((mtu, config.clone()));
        Ok(config)
    }
}

impl DtlsProvider for SharedConfig {
    fn generate_certificate(&self) -> Option<DtlsCert> {
        str0m::crypto::from_feature_flags().dtls_provider.generate_certificate()
    }

    fn new_dtls(
        &self,
        cert: &DtlsCert,
        now: Instant,
        version: DtlsVersion,
        mtu: Option<usize>,
    ) -> Result<Box<dyn DtlsInstance>, CryptoError> {
        let config = self.config(mtu)?;
        let dtls = match version {
            DtlsVersion::Dtls12 => dimpl::Dtls::new_12(config, cert.clone(), now),
            DtlsVersion::Dtls13 => dimpl::Dtls::new_13(config, cert.clone(), now),
            DtlsVersion::Auto => dimpl::Dtls::new_auto(config, cert.clone(), now),
            other => return Err(CryptoError::Other(format!("unsupported DTLS version: {other}"))),
        };
        let keys = BUILDING.with(|b| b.borrow_mut().take());
        Ok(Box::new(Instance { dtls, keys }))
    }
}

/// One leg's DTLS session.
struct Instance {
    dtls: dimpl::Dtls,
    /// Where the exported SRTP keys go (none for an `Rtc` not built by [`build_rtc`]).
    keys: Option<Arc<KeySlot>>,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance").finish_non_exhaustive()
    }
}

impl DtlsInstance for Instance {
    fn set_active(&mut self, active: bool) {
        self.dtls.set_active(active);
    }

    fn handle_packet(&mut self, packet: &[u8]) -> Result<(), DtlsImplError> {
        self.dtls.handle_packet(packet)
    }

    fn poll_output<'a>(&mut self, buf: &'a mut [u8]) -> DtlsOutput<'a> {
        let output = self.dtls.poll_output(buf);
        if let (DtlsOutput::KeyingMaterial(material, profile), Some(keys)) = (&output, &self.keys) {
            keys.put(material, *profile, self.dtls.is_active());
        }
        output
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), DtlsImplError> {
        self.dtls.handle_timeout(now)
    }

    fn send_application_data(&mut self, data: &[u8]) -> Result<usize, DtlsImplError> {
        self.dtls.send_application_data(data)
    }

    fn is_active(&self) -> bool {
        self.dtls.is_active()
    }

    fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.dtls.protocol_version()
    }

    fn is_closing(&self) -> bool {
        self.dtls.is_closing()
    }

    fn is_closed(&self) -> bool {
        self.dtls.is_closed()
    }

    fn close(&mut self) -> Result<(), DtlsImplError> {
        self.dtls.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_is_validated_once_per_mtu() {
        let shared = SharedConfig {
            configs: Mutex::new(Vec::new()),
        };
        let a = shared.config(Some(1150)).unwrap();
        assert!(Arc::ptr_eq(&a, &shared.config(Some(1150)).unwrap()));
        let b = shared.config(None).unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(shared.configs.lock().unwrap().len(), 2);
    }

    #[test]
    fn every_rtc_gets_the_shared_provider() {
        assert!(Arc::ptr_eq(&crypto_provider(), &crypto_provider()));
        let configured = super::super::webrtc::rtc_config(true);
        assert!(
            configured
                .crypto_provider()
                .is_some_and(|p| Arc::ptr_eq(p, &crypto_provider()))
        );
        let dtls = crypto_provider().dtls_provider;
        let cert = dtls.generate_certificate().expect("a certificate");
        assert!(dtls.new_dtls(&cert, Instant::now(), DtlsVersion::Dtls12, None).is_ok());
    }

    #[test]
    fn the_warm_up_validates_the_configuration_legs_will_use() {
        warm_up();
        assert!(!DTLS.configs.lock().unwrap().is_empty());
    }
}
