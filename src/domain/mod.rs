//! Typed values that are valid by construction ("parse, don't validate").

pub mod access_request;
pub mod api_key;
pub mod device;
mod email;
pub mod form_token;
pub mod hints;
pub mod key_access;
pub mod key_policy;
pub mod key_settings;
pub mod leaver_keys;
pub mod link_token;
pub mod name;
mod note;
mod password;
mod role;
pub mod scopes;
pub mod setup_code;
pub mod sighting;
pub mod totp;
pub mod webhook;

pub use email::{Email, EmailError};
pub use name::{Name, NameError};
pub use note::{Note, NoteError};
pub use password::{Password, PasswordError};
pub use role::{Role, UnknownRole};
