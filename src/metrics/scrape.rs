//! One scrape: the counters as they stand, and the gauges read now (the pool, the rate
//! limiter's backend), in the Prometheus text format (version 0.0.4).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::{DeliveryOutcome, KEY_CHECK_OUTCOMES, Metrics, RateLimitBackendStatus};
use crate::db::Pool;

pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// What a scrape reads.
pub struct Scrape {
    pub metrics: Arc<Metrics>,
    pub pool: Pool,
    pub rate_limit_backend: Arc<dyn RateLimitBackendStatus>,
}

impl std::fmt::Debug for Scrape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scrape")
    }
}

impl Scrape {
    /// The page `/metrics` answers with.
    pub fn render(self) -> Result<String, std::fmt::Error> {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry)?;
        Ok(text)
    }
}

fn counter(encoder: prometheus_client::encoding::MetricEncoder, value: u64) -> std::fmt::Result {
    let mut encoder = encoder;
    encoder.encode_counter::<NoLabelSet, _, f64>(&value, None)
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let metrics = &self.metrics;
        metrics.http.encode(&mut encoder)?;

        let mut checks = encoder.encode_descriptor(
            "keydesk_key_checks",
            "API key checks at the API's gate, by outcome: ok, or the refusal code answered",
            None,
            MetricType::Counter,
        )?;
        for (outcome, count) in KEY_CHECK_OUTCOMES.iter().zip(&metrics.key_checks) {
            let labels = [("outcome", *outcome)];
            counter(
                checks.encode_family(&labels)?,
                count.load(Ordering::Relaxed),
            )?;
        }

        counter(
            encoder.encode_descriptor(
                "keydesk_rate_limit_refusals",
                "API requests refused with 429 because their key was over its rate limit",
                None,
                MetricType::Counter,
            )?,
            metrics.rate_limit_refusals.load(Ordering::Relaxed),
        )?;
        encoder
            .encode_descriptor(
                "keydesk_rate_limit_shared_fallback",
                "1 while this instance counts rate limits on its own because the shared store is unreachable, else 0",
                None,
                MetricType::Gauge,
            )?
            .encode_gauge(&i64::from(self.rate_limit_backend.in_fallback()))?;
        counter(
            encoder.encode_descriptor(
                "keydesk_rate_limit_fallbacks",
                "Times this instance fell back to its own rate limits since it started",
                None,
                MetricType::Counter,
            )?,
            self.rate_limit_backend.fallbacks(),
        )?;

        let usage = &metrics.usage;
        usage.lag.encode(encoder.encode_descriptor(
            "keydesk_usage_flush_lag_seconds",
            "Age of the oldest request in each usage flush when it was written",
            None,
            MetricType::Histogram,
        )?)?;
        usage.batch.encode(encoder.encode_descriptor(
            "keydesk_usage_flush_batch_requests",
            "API requests written by each usage flush",
            None,
            MetricType::Histogram,
        )?)?;
        counter(
            encoder.encode_descriptor(
                "keydesk_usage_flush_failures",
                "Usage flushes that failed (their requests are kept for the next flush)",
                None,
                MetricType::Counter,
            )?,
            usage.failures.load(Ordering::Relaxed),
        )?;

        let state = self.pool.state();
        let mut pool = encoder.encode_descriptor(
            "keydesk_db_pool_connections",
            "Database connections of this instance's pool, by state: in_use or idle",
            None,
            MetricType::Gauge,
        )?;
        let in_use = state.connections.saturating_sub(state.idle_connections);
        for (label, value) in [("in_use", in_use), ("idle", state.idle_connections)] {
            pool.encode_family(&[("state", label)])?
                .encode_gauge(&u64::from(value))?;
        }
        encoder
            .encode_descriptor(
                "keydesk_db_pool_max_connections",
                "Largest number of database connections the pool opens",
                None,
                MetricType::Gauge,
            )?
            .encode_gauge(&u64::from(self.pool.max_size()))?;

        let mut deliveries = encoder.encode_descriptor(
            "keydesk_webhook_deliveries",
            "Webhook delivery attempts by outcome: delivered, failed_will_retry, given_up, target_refused",
            None,
            MetricType::Counter,
        )?;
        for (outcome, count) in DeliveryOutcome::ALL.iter().zip(&metrics.webhook_deliveries) {
            let labels = [("outcome", outcome.label())];
            counter(
                deliveries.encode_family(&labels)?,
                count.load(Ordering::Relaxed),
            )?;
        }
        Ok(())
    }
}
