//! Running the server: open the store, seed the demo, bind, serve until a signal, then
//! shut down gracefully (channels are told to reconnect, requests in flight finish).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use callbar_store::{SqliteStore, Store};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::agents::lookups::Lookups;
use crate::agents::{AgentHub, Deliveries};
use crate::auth::{Sessions, Throttle};
use crate::config::Config;
use crate::directory::{Directory, MISSED_REASON};
use crate::engine;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::voice::widget::CustomerLimits;
use crate::voice::{self, Voice};
use crate::{demo, http};
use callbar_engine::EngineConfig;
use callbar_media::{Media, MediaConfig};

/// Finished engagements the engine keeps queryable (`GET /api/v1/engagements/{id}`).
const RETAIN_FINISHED: usize = 1000;

/// The host records linked to engagements still in progress, for their call logs.
async fn restore_contacts(
    store: &Arc<dyn Store>,
    lookups: &Lookups,
    engine: &callbar_engine::Engine,
) -> anyhow::Result<()> {
    for e in engine.engagements().into_iter().filter(|e| !e.state.is_terminal()) {
        if let Some(json) = store.engagement_contact(&e.id).await?
            && let Ok(contact) = serde_json::from_str(&json)
        {
            lookups.restore(&e.id, contact);
        }
    }
    Ok(())
}

/// The code of the not-ready reason for missed offers, created when missing.
async fn missed_reason(store: &Arc<dyn Store>) -> anyhow::Result<String> {
    let reasons = store.status_reasons().await?;
    if let Some(r) = reasons.iter().find(|r| r.name.eq_ignore_ascii_case(MISSED_REASON)) {
        return Ok(r.code.clone());
    }
    Ok(store.add_status_reason(MISSED_REASON).await?.code)
}

/// How long shutdown waits for connections to finish.
const DRAIN: Duration = Duration::from_secs(10);

/// A started server: where it listens, and how to stop it.
pub struct Running {
    /// The addresses of the embed/API server.
    pub addrs: Vec<SocketAddr>,
    /// The addresses of the demo CRM server (empty without the demo).
    pub demo_addrs: Vec<SocketAddr>,
    pub state: Arc<AppState>,
    servers: tokio::task::JoinSet<()>,
}

impl Running {
    /// Shuts down gracefully: channels are told to reconnect, requests in flight finish
    /// (for at most [`DRAIN`]).
    pub async fn stop(mut self) {
        self.state.shutdown.cancel();
        let servers = &mut self.servers;
        if tokio::time::timeout(DRAIN, async { while servers.join_next().await.is_some() {} })
            .await
            .is_err()
        {
            tracing::warn!("connections still open after {DRAIN:?}; stopping anyway");
        }
    }
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let running = start(config).await?;
    print_banner(
        &running.running.state.config,
        &running.running.state.store,
        running.created_demo,
    )
    .await;
    wait_for_signal().await;
    tracing::info!("shutting down");
    running.running.stop().await;
    Ok(())
}

/// What [`start`] returns: the server, and whether it created the demo organization.
pub struct Started {
    pub running: Running,
    pub created_demo: bool,
}

/// Opens the store, seeds the demo, binds and starts serving.
pub async fn start(config: Config) -> anyhow::Result<Started> {
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&config.data_dir)
            .await
            .with_context(|| format!("cannot open the database in {}", config.data_dir.display()))?,
    );
    let created_demo = config.demo && demo::seed(&store, &config).await?;
    let missed = missed_reason(&store).await?;
    let directory = Arc::new(Directory::load(&store).await?);

    let shutdown = CancellationToken::new();
    let agents = Arc::new(AgentHub::default());
    let engine_config = EngineConfig {
        missed_reason_code: missed,
        retain_finished: RETAIN_FINISHED,
        ..EngineConfig::default()
    };
    let rebuilt = engine::recovery::rebuild(&store, &directory, engine_config).await?;
    if rebuilt.replayed > 0 {
        tracing::info!(commands = rebuilt.replayed, "engine rebuilt from its log");
    }
    let lookups = Arc::new(Lookups::default());
    restore_contacts(&store, &lookups, &rebuilt.engine).await?;
    let recordings_dir = voice::recordings::dir(&config.data_dir);
    std::fs::create_dir_all(&recordings_dir)
        .with_context(|| format!("cannot create the recordings folder {}", recordings_dir.display()))?;
    let media = Media::new(MediaConfig {
        bind_ip: config.media_bind_ip,
        advertise_ip: config.media_ip,
        ports: config.media_ports.clone(),
        recordings_dir: recordings_dir.clone(),
        ..MediaConfig::default()
    });
    let voice = Arc::new(Voice::new(media, config.turn.clone()));
    let recording_key = voice::recordings::load_key(&config.data_dir)?;
    let metrics = Arc::new(Metrics::new());
    let parts = engine::Parts {
        lookups: lookups.clone(),
        voice: voice.clone(),
        recordings: engine::RecordingLinks {
            public_url: config.public_url.clone(),
            key: recording_key,
            data_dir: config.data_dir.clone(),
        },
        store: store.clone(),
        hub: agents.clone(),
        directory: directory.clone(),
        shutdown: shutdown.clone(),
    };
    let (engine, engine_task) = engine::spawn(parts, rebuilt).await?;
    let (deliveries, deliveries_task) = Deliveries::spawn(store.clone(), shutdown.clone());
    let state = Arc::new(AppState {
        sessions: Sessions::new(store.clone(), config.session_ttl_secs, Throttle::new(config.sign_in)),
        store: store.clone(),
        agents,
        directory,
        engine,
        deliveries,
        lookups,
        voice,
        customer_limits: CustomerLimits::new(config.widget_calls_per_address),
        recording_key,
        metrics,
        shutdown: shutdown.clone(),
        config: config.clone(),
        organization_sync: tokio::sync::Mutex::new(()),
    });

    let mut servers = tokio::task::JoinSet::new();
    let mut addrs = Vec::new();
    for listener in bind(&config.listen, "listen").await? {
        addrs.push(listener.local_addr()?);
        servers.spawn(serve(listener, http::router(state.clone()), shutdown.clone()));
    }
    let mut demo_addrs = Vec::new();
    if config.demo {
        for listener in bind(&config.demo_listen, "demo_listen").await? {
            demo_addrs.push(listener.local_addr()?);
            servers.spawn(serve(listener, demo::router(&config), shutdown.clone()));
        }
        let site = demo::site_router(&config, &store).await?;
        for listener in bind(&config.demo_site_listen, "demo_site_listen").await? {
            servers.spawn(serve(listener, site.clone(), shutdown.clone()));
        }
    }
    if !config.sip.trunks.is_empty() {
        // The SIP endpoint stops after the trunk task has ended its calls (voice::trunk::run),
        // not with everything else, so the BYEs still go out.
        let sip_stop = CancellationToken::new();
        let (sip, events) = callbar_sip::Sip::start(&config.sip, sip_stop.clone()).await?;
        tracing::info!(listen = %sip.local_addr(), trunks = config.sip.trunks.len(), "SIP trunks ready");
        let (dials, dials_rx) = tokio::sync::mpsc::unbounded_channel();
        state.voice.set_outbound(dials);
        let state = state.clone();
        servers.spawn(async move {
            voice::trunk::run(state, sip, events, dials_rx).await;
            sip_stop.cancel();
        });
    }
    servers.spawn(voice::recordings::purge(
        recordings_dir,
        config.recording_retention_days,
        shutdown.clone(),
    ));
    servers.spawn(purge_sessions(store, shutdown));
    servers.spawn(async move {
        let _ = deliveries_task.await;
    });
    servers.spawn(async move {
        if let Err(e) = engine_task.await {
            tracing::error!("the engine task failed: {e}");
        }
    });
    Ok(Started {
        running: Running {
            addrs,
            demo_addrs,
            state,
            servers,
        },
        created_demo,
    })
}

/// Binds every address `addr` resolves to (`localhost` is both 127.0.0.1 and ::1).
async fn bind(addr: &str, setting: &str) -> anyhow::Result<Vec<TcpListener>> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host(addr)
        .await
        .with_context(|| format!("cannot resolve {setting} {addr:?}"))?
        .collect();
    let mut listeners = Vec::new();
    let mut last_error = None;
    for a in addresses {
        match TcpListener::bind(a).await {
            Ok(l) => listeners.push(l),
            // ::1 may be missing (IPv6 off); one address is enough.
            Err(e) => last_error = Some((a, e)),
        }
    }
    if listeners.is_empty() {
        let detail = last_error.map(|(a, e)| format!("{a}: {e}")).unwrap_or_default();
        anyhow::bail!(
            "cannot listen on {setting} {addr:?} ({detail}); is another program using the port? Choose another with \
             --{} or CALLBAR_{}",
            setting.replace('_', "-"),
            setting.to_uppercase()
        );
    }
    Ok(listeners)
}

async fn serve(listener: TcpListener, app: Router, shutdown: CancellationToken) {
    use axum::serve::ListenerExt;
    let local = listener.local_addr().ok();
    // Small messages (offers, status changes) go out at once: without TCP_NODELAY, Nagle's
    // algorithm holds them behind an unacknowledged one for up to the peer's 40 ms
    // delayed ACK.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("setting TCP_NODELAY failed: {e}");
        }
    });
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    if let Err(e) = axum::serve(listener, service)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
    {
        tracing::error!(?local, "server stopped: {e}");
    }
}

async fn purge_sessions(store: Arc<dyn Store>, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = every.tick() => {
                match store.purge_expired_sessions(callbar_store::now_ms()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(n, "purged expired sessions"),
                    Err(e) => tracing::warn!("purging expired sessions failed: {e}"),
                }
            }
            _ = shutdown.cancelled() => return,
        }
    }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn print_banner(config: &Config, store: &Arc<dyn Store>, created_demo: bool) {
    let mut out = String::from("\nCallbar is running.\n");
    if config.demo {
        out += &format!("  Demo CRM (open this):  {}/\n", config.demo_public_url);
        out += &format!(
            "  Customer website:      {}/  (its \"Call us\" button rings the agents)\n",
            config.demo_site_public_url
        );
    }
    out += &format!(
        "  Embed:                 {}/cci/callbar/crm/?origin=<host origin>\n  API:                   {}/api/v1/\n  \
         Health, metrics:       {0}/healthz  {0}/metrics\n  Data:                  {}\n",
        config.public_url,
        config.public_url,
        config.data_dir.display()
    );
    if config.demo {
        let accounts = demo::usable_accounts(store).await;
        if !accounts.is_empty() {
            out += if created_demo {
                "Demo organization created. Sign in to the softphone with:\n"
            } else {
                "Demo sign-in:\n"
            };
            for (role, email, pw) in accounts {
                out += &format!("  {role:<6} {email:<20} {pw}\n");
            }
            out += "These are demo passwords: change them (callbar user set-password) before real use.\n";
        }
    }
    println!("{out}");
}
