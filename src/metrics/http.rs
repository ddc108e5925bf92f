//! Requests by route, method and status, and their latency. The route is the pattern the
//! router matched (`/api/campaigns/{campaignId}`), never the path a client sent, so
//! neither ids nor emails nor keys reach a label, and the set of labels stays as small
//! as the route table. The API's routes have their counters made at start and are
//! found by a scan of `api::ROUTES`, with no lock; other routes (pages, static files,
//! unknown paths) get theirs on first use, behind a read lock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use actix_web::http::Method;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;

use super::histogram::AtomicHistogram;
use crate::api::ROUTES;

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Latency buckets in microseconds: 0.5 ms to 10 s.
const LATENCY_BOUNDS_MICROS: &[u64] = &[
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000, 10_000_000,
];

/// Methods get a label each; any other method is counted as `OTHER`.
const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER",
];

fn method_slot(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::PATCH => 4,
        Method::DELETE => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}

/// Status codes 100 to 599 have a counter each; the last slot holds any other.
const STATUS_SLOTS: usize = 501;

struct Cells {
    statuses: Box<[AtomicU64]>,
    latency: AtomicHistogram,
}

impl Cells {
    fn new() -> Self {
        Self {
            statuses: (0..STATUS_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            latency: AtomicHistogram::new(LATENCY_BOUNDS_MICROS, 1e6),
        }
    }

    fn record(&self, status: u16, micros: u64) {
        let slot = match status {
            100..=599 => usize::from(status - 100),
            _ => STATUS_SLOTS - 1,
        };
        self.statuses[slot].fetch_add(1, Ordering::Relaxed);
        self.latency.observe(micros);
    }
}

/// One route's counters, one set per method, made when that method is first seen.
#[derive(Default)]
struct Route {
    by_method: [OnceLock<Cells>; METHODS.len()],
}

impl Route {
    fn record(&self, method: usize, status: u16, micros: u64) {
        self.by_method[method]
            .get_or_init(Cells::new)
            .record(status, micros);
    }
}

pub struct HttpMetrics {
    /// One per entry of `api::ROUTES`; a path served for several methods uses its first entry.
    api: Box<[Route]>,
    others: RwLock<HashMap<Box<str>, Arc<Route>>>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        Self {
            api: ROUTES.iter().map(|_| Route::default()).collect(),
            others: RwLock::default(),
        }
    }
}

impl HttpMetrics {
    /// Counts one answered request; `pattern` is the matched route's, if any.
    pub fn record(&self, method: &Method, pattern: Option<&str>, status: u16, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let method = method_slot(method);
        let route = pattern.unwrap_or(UNMATCHED);
        if let Some(slot) = api_slot(route) {
            return self.api[slot].record(method, status, micros);
        }
        let known = self
            .others
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(route)
            .cloned();
        let cells = known.unwrap_or_else(|| {
            self.others
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .entry(route.into())
                .or_default()
                .clone()
        });
        cells.record(method, status, micros);
    }

    /// Every route seen, with its label, API routes first.
    fn routes(&self) -> Vec<(String, Arc<Route>)> {
        let others = self.others.read().unwrap_or_else(|e| e.into_inner());
        let mut routes: Vec<(String, Arc<Route>)> = others
            .iter()
            .map(|(pattern, route)| (pattern.to_string(), route.clone()))
            .collect();
        routes.sort_by(|a, b| a.0.cmp(&b.0));
        routes
    }

    pub fn encode(&self, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let others = self.routes();
        let api = ROUTES
            .iter()
            .zip(self.api.iter())
            .map(|(r, route)| (format!("/api{}", r.path), route));
        let all: Vec<(String, &Route)> = api
            .chain(others.iter().map(|(p, r)| (p.clone(), r.as_ref())))
            .collect();
        let mut requests = encoder.encode_descriptor(
            "keydesk_http_requests",
            "HTTP requests answered, by matched route pattern, method and status",
            None,
            MetricType::Counter,
        )?;
        for (pattern, method, cells) in seen(&all) {
            for (slot, count) in cells.statuses.iter().enumerate() {
                let count = count.load(Ordering::Relaxed);
                if count == 0 {
                    continue;
                }
                let status = if slot == STATUS_SLOTS - 1 {
                    "other".to_string()
                } else {
                    (slot + 100).to_string()
                };
                let labels = [
                    ("route", pattern),
                    ("method", method),
                    ("status", status.as_str()),
                ];
                requests
                    .encode_family(&labels)?
                    .encode_counter::<prometheus_client::encoding::NoLabelSet, _, f64>(
                        &count, None,
                    )?;
            }
        }
        let mut latency = encoder.encode_descriptor(
            "keydesk_http_request_duration_seconds",
            "Time from a request's arrival to its response, by matched route pattern and method",
            None,
            MetricType::Histogram,
        )?;
        for (pattern, method, cells) in seen(&all) {
            let labels = [("route", pattern), ("method", method)];
            cells.latency.encode(latency.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// The (route, method) pairs that answered at least one request.
fn seen<'a>(
    routes: &'a [(String, &'a Route)],
) -> impl Iterator<Item = (&'a str, &'a str, &'a Cells)> {
    routes.iter().flat_map(|(pattern, route)| {
        route
            .by_method
            .iter()
            .zip(METHODS)
            .filter_map(move |(cells, method)| {
                cells
                    .get()
                    .filter(|c| c.latency.count() > 0)
                    .map(|c| (pattern.as_str(), method, c))
            })
    })
}

/// The slot of an API route's pattern (`/api/...`): the first entry with that path.
fn api_slot(pattern: &str) -> Option<usize> {
    let path = pattern.strip_prefix("/api")?;
    ROUTES.iter().position(|r| r.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_route_is_counted_in_its_own_cells_without_the_map() {
        let metrics = HttpMetrics::default();
        metrics.record(
            &Method::GET,
            Some("/api/team"),
            200,
            Duration::from_millis(3),
        );
        metrics.record(&Method::GET, None, 404, Duration::from_millis(1));
        let team = api_slot("/api/team").unwrap();
        let cells = metrics.api[team].by_method[0].get().unwrap();
        assert_eq!(cells.statuses[100].load(Ordering::Relaxed), 1);
        let others = metrics.others.read().unwrap();
        assert_eq!(others.keys().map(|k| &**k).collect::<Vec<_>>(), [UNMATCHED]);
    }
}
