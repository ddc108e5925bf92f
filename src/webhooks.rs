//! Sends the webhook outbox: every second, the first pending delivery of each hook that
//! is due is claimed (so two instances never send it at once), sent signed to an address
//! checked after DNS resolution (redirects are not followed), and recorded as delivered
//! or due again after a backoff, until 24 hours after its event.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actix_web::web;
use futures_util::future::join_all;

use crate::app::AppState;
use crate::config::WebhookConfig;
use crate::db;
use crate::domain::webhook::{self, Target, TargetError};
use crate::metrics::DeliveryOutcome;
use crate::models::hook::{self, Hook};
use crate::models::hook_delivery::{self, Delivery, Outcome};

/// Hooks served per round.
const PER_ROUND: i64 = 50;
/// A claimed delivery is tried again after this long if its instance died mid-send.
const LEASE: time::Duration = time::Duration::seconds(60);

/// Starts the delivery loop on the current runtime.
pub fn spawn(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.config.webhooks.poll_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = deliver_due(&state).await {
                tracing::warn!("webhook deliveries failed; will retry: {e:#}");
            }
        }
    });
}

/// One round: claims what is due and sends it, one delivery per hook, hooks in parallel.
pub async fn deliver_due(state: &AppState) -> anyhow::Result<usize> {
    let claimed = db::with_connection(&state.pool, |conn| {
        let now = db::now();
        let mut claimed = Vec::new();
        for delivery in hook_delivery::due(conn, now, PER_ROUND)? {
            if !hook_delivery::claim(conn, &delivery, now, now + LEASE)? {
                continue;
            }
            if let Some(hook) = hook::find(conn, delivery.hook_id)? {
                claimed.push((delivery, hook));
            }
        }
        Ok::<_, anyhow::Error>(claimed)
    })
    .await?;
    let count = claimed.len();
    let config = state.config.webhooks.clone();
    let attempts = claimed.into_iter().map(|(delivery, hook)| {
        let config = config.clone();
        async move {
            let started = Instant::now();
            let sent = send(&config, &hook, &delivery).await;
            (delivery, sent, started.elapsed())
        }
    });
    for (delivery, sent, took) in join_all(attempts).await {
        record(state, &config, delivery, sent, took).await?;
    }
    Ok(count)
}

/// What one attempt came to: the status code, or why there was none.
type Sent = Result<u16, NotSent>;

/// Why an attempt got no answer, in words for the deliveries list.
struct NotSent {
    why: String,
    /// The target was refused before any connection (unresolved, or a refused address).
    target_refused: bool,
}

impl NotSent {
    fn failed(why: impl ToString) -> Self {
        Self {
            why: why.to_string(),
            target_refused: false,
        }
    }

    fn refused(why: impl ToString) -> Self {
        Self {
            why: why.to_string(),
            target_refused: true,
        }
    }
}

async fn record(
    state: &AppState,
    config: &WebhookConfig,
    delivery: Delivery,
    sent: Sent,
    took: Duration,
) -> anyhow::Result<()> {
    let delivered = matches!(sent, Ok(status) if (200..300).contains(&status));
    let error = match &sent {
        Ok(status) if (300..400).contains(status) => {
            Some(format!("HTTP {status}: redirects are not followed"))
        }
        Ok(status) if !delivered => Some(format!("HTTP {status}")),
        Ok(_) => None,
        Err(not_sent) => Some(not_sent.why.clone()),
    };
    let now = db::now();
    let wait = webhook::backoff_seconds(delivery.attempts + 1, config.retry_base_secs);
    let next = now + time::Duration::seconds(i64::try_from(wait).unwrap_or(3_600));
    let retry_at = (!delivered && next - delivery.created_at <= config.retry_for).then_some(next);
    if let Some(error) = &error {
        tracing::info!(
            delivery = %delivery.public_id,
            attempt = delivery.attempts + 1,
            gives_up = retry_at.is_none(),
            "webhook delivery failed: {error}"
        );
    }
    let counted = match (&sent, delivered, retry_at) {
        (
            Err(NotSent {
                target_refused: true,
                ..
            }),
            ..,
        ) => DeliveryOutcome::TargetRefused,
        (_, true, _) => DeliveryOutcome::Delivered,
        (_, false, Some(_)) => DeliveryOutcome::FailedWillRetry,
        (_, false, None) => DeliveryOutcome::GivenUp,
    };
    let outcome_status = sent.as_ref().ok().map(|s| i32::from(*s));
    let duration_ms = i32::try_from(took.as_millis()).unwrap_or(i32::MAX);
    db::with_connection(&state.pool, move |conn| {
        let outcome = Outcome {
            status: outcome_status,
            duration_ms,
            error: error.as_deref(),
        };
        anyhow::Ok(hook_delivery::record_attempt(
            conn,
            delivery.id,
            &outcome,
            delivered,
            retry_at,
        )?)
    })
    .await?;
    state.metrics.webhook_attempt(counted);
    Ok(())
}

/// Resolves the target and checks every address it names: a private, loopback or
/// link-local one is refused unless the operator allows them. The address returned is
/// the one connected to, so a second lookup cannot swap it.
pub async fn resolve(target: &Target, allow_private: bool) -> Result<SocketAddr, TargetError> {
    let (host, port) = target.host_and_port();
    let addrs = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|_| TargetError::Unresolved)?;
    checked(addrs.collect(), allow_private)
}

/// The first address, if there is one and none is out of bounds.
fn checked(addrs: Vec<SocketAddr>, allow_private: bool) -> Result<SocketAddr, TargetError> {
    let first = *addrs.first().ok_or(TargetError::Unresolved)?;
    if !allow_private && addrs.iter().any(|a| webhook::is_private(a.ip())) {
        return Err(TargetError::Private);
    }
    Ok(first)
}

async fn send(config: &WebhookConfig, hook: &Hook, delivery: &Delivery) -> Sent {
    let target = Target::parse(&hook.target_url).map_err(NotSent::refused)?;
    let addr = resolve(&target, config.allow_private)
        .await
        .map_err(NotSent::refused)?;
    let (host, _) = target.host_and_port();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .resolve(&host, addr)
        .user_agent(concat!("Keydesk-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(NotSent::failed)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = webhook::signature(&hook.secret, now, delivery.payload.as_bytes());
    let response = client
        .post(target.url().clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(webhook::SIGNATURE_HEADER, signature)
        .header(webhook::DELIVERY_HEADER, &delivery.public_id)
        .header(webhook::EVENT_HEADER, &delivery.event_type)
        .body(delivery.payload.clone())
        .send()
        .await
        .map_err(|e| NotSent::failed(describe(&e, config.timeout)))?;
    Ok(response.status().as_u16())
}

/// A failed request in words for the deliveries list (never the secret or the body).
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("no answer within {} seconds", timeout.as_secs())
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "the request failed".to_string()
    }
}

/// [`resolve`] for code already off the async threads (the API's database closures):
/// the standard library's resolver, same checks.
pub fn resolve_blocking(target: &Target, allow_private: bool) -> Result<SocketAddr, TargetError> {
    use std::net::ToSocketAddrs;
    let (host, port) = target.host_and_port();
    let addrs = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|_| TargetError::Unresolved)?;
    checked(addrs.collect(), allow_private)
}
