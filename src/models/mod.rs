//! Table rows and their queries: plain synchronous diesel functions over `&mut DbConnection`.

pub mod api_key;
pub mod audit;
pub mod login_failure;
pub mod secret;
pub mod session;
pub mod user;
pub mod workspace;
