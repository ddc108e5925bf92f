//! Device cookies (OWASP): after a successful login the browser keeps a signed cookie
//! naming a random device id and the account. Its later attempts at that account are
//! counted against the device alone, so guesses from anywhere else cannot lock it out;
//! a cookie whose signature fails, or that names another account, counts for nothing.

use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use diesel::QueryResult;

use crate::db::DbConnection;

pub const COOKIE_NAME: &str = "keydesk_device";
const SECRET_NAME: &str = "device_cookie_key";
const LIFETIME_DAYS: i64 = 365;

/// A device that has logged in to the account `user_id` before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub user_id: i32,
}

/// The key that signs device cookies, read once at start (`AppState::device_key`): made
/// once per database, so every instance accepts the cookies of the others.
pub fn signing_key(conn: &mut DbConnection) -> QueryResult<Key> {
    let bytes = crate::models::secret::get_or_create(conn, SECRET_NAME, || {
        rand::random::<[u8; 64]>().to_vec()
    })?;
    Ok(Key::from(&bytes))
}

/// The device a cookie's value names, if `key` signed it (HMAC-SHA256).
pub fn verify(value: &str, key: &Key) -> Option<Device> {
    let mut jar = CookieJar::new();
    jar.add_original(Cookie::new(COOKIE_NAME, value.to_owned()));
    let cookie = jar.signed(key).get(COOKIE_NAME)?;
    let (id, user_id) = cookie.value().split_once('.')?;
    Some(Device {
        id: id.to_owned(),
        user_id: user_id.parse().ok()?,
    })
}

/// A fresh random device id.
pub fn new_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The signed, long-lived cookie for `device`: HttpOnly, SameSite=Lax, and Secure when
/// the session cookie is.
pub fn cookie(device: &Device, key: &Key, secure: bool) -> Cookie<'static> {
    let unsigned = Cookie::build(COOKIE_NAME, format!("{}.{}", device.id, device.user_id))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::days(LIFETIME_DAYS))
        .finish();
    let mut jar = CookieJar::new();
    jar.signed_mut(key).add(unsigned);
    jar.get(COOKIE_NAME)
        .cloned()
        .expect("the cookie just added")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> Device {
        Device {
            id: new_id(),
            user_id: 7,
        }
    }

    #[test]
    fn a_signed_cookie_names_its_device() {
        let key = Key::generate();
        let device = device();
        let cookie = cookie(&device, &key, false);
        assert_eq!(verify(cookie.value(), &key), Some(device.clone()));
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert_eq!(cookie.secure(), Some(false));
        assert_eq!(super::cookie(&device, &key, true).secure(), Some(true));
    }

    #[test]
    fn a_changed_or_foreign_cookie_names_nothing() {
        let key = Key::generate();
        let value = cookie(&device(), &key, false).value().to_owned();
        let changed = value.replace(".7", ".8");
        assert_eq!(verify(&changed, &key), None);
        assert_eq!(verify(&value, &Key::generate()), None);
        assert_eq!(verify("0123.7", &key), None);
    }
}
