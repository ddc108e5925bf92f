//! Who is asking: passwords, server-side sessions, CSRF, and the current-user extractor.

pub mod csrf;
pub mod current_user;
pub mod device;
pub mod password;
pub mod session;
pub mod session_store;

pub use current_user::Viewer;
pub use session::TypedSession;
