//! Typed values that are valid by construction ("parse, don't validate").

mod email;
pub mod name;
mod password;
mod role;

pub use email::Email;
pub use name::{Name, NameError};
pub use password::{Password, PasswordError};
pub use role::Role;
