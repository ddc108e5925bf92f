//! Where the shared rate-limit budget lives: a Redis URL, checked at start and never
//! printed (it may hold a password).

use std::fmt;

/// A `redis://` (or `unix://`) URL that the Redis client accepts.
#[derive(Clone)]
pub struct RedisUrl(String);

#[derive(Debug, thiserror::Error)]
#[error("not a Redis URL the client accepts ({0}); use e.g. redis://127.0.0.1:6379/0")]
pub struct RedisUrlError(String);

impl RedisUrl {
    pub fn parse(raw: &str) -> Result<Self, RedisUrlError> {
        let raw = raw.trim();
        // The client's own parser is the judge; its error names the problem, not the URL.
        redis::Client::open(raw).map_err(|e| RedisUrlError(format!("{:?}", e.kind())))?;
        Ok(Self(raw.to_string()))
    }

    pub(crate) fn client(&self) -> redis::Client {
        redis::Client::open(self.0.as_str()).expect("checked by parse")
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisUrl(..)")
    }
}

/// A Redis URL on a local port nothing listens on (bound, then released), for tests of
/// what happens while Redis is unreachable.
#[cfg(test)]
pub(crate) fn unreachable() -> RedisUrl {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port();
    RedisUrl::parse(&format!("redis://127.0.0.1:{port}")).expect("a valid URL")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redis_url_is_accepted_and_never_printed() {
        let url = RedisUrl::parse("redis://:hunter2@127.0.0.1:6379/3").unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn something_else_is_refused_without_repeating_it() {
        let error = RedisUrl::parse("http://:hunter2@example.com").unwrap_err();
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }
}
