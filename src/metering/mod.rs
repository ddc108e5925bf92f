//! Counting each key's requests: the per-key rate limiter and the batched usage
//! recorder. Shared state (`app::AppState` holds both), used by the API's key gate.

pub mod rate_limit;
pub mod usage;
