//! Typed values that are valid by construction ("parse, don't validate").

pub mod api_key;
mod email;
pub mod hints;
pub mod key_settings;
pub mod name;
mod password;
mod role;
pub mod sighting;

pub use email::Email;
pub use name::{Name, NameError};
pub use password::{Password, PasswordError};
pub use role::Role;
