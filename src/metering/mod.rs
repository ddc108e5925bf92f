//! Counting each key's requests: the per-key rate limiter (this instance's sliding log,
//! or a budget shared through Redis) and the batched usage recorder. Shared state
//! (`app::AppState` holds both), used by the API's key gate.

pub mod rate_limit;
pub mod redis_url;
pub mod shared_budget;
pub mod sliding_log;
pub mod usage;
