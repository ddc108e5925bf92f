//! Webhooks: what a target may be, which addresses it may reach, how a delivery is
//! signed, and when a failed one is tried again.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hmac::{Hmac, KeyInit, Mac};
use rand::distr::{Alphanumeric, SampleString};
use sha2::Sha256;

/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "Keydesk-Signature";
/// The header naming the delivery (the same on every attempt of it).
pub const DELIVERY_HEADER: &str = "Keydesk-Delivery";
/// The header naming the event's type.
pub const EVENT_HEADER: &str = "Keydesk-Event";
/// A target URL longer than this is refused.
const MAX_URL_CHARS: usize = 2_000;

/// Why a target URL is refused, in words for the field or the API's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("Enter the URL that should receive events, starting with https:// or http://.")]
    Missing,
    #[error("The URL must start with https:// or http:// and name a host.")]
    NotHttp,
    #[error("The URL is too long (at most 2000 characters).")]
    TooLong,
    #[error("The URL must not contain a user name or password.")]
    Credentials,
    #[error(
        "This address is on a private, loopback or link-local network, which webhooks may not reach."
    )]
    Private,
    #[error("The host name could not be resolved.")]
    Unresolved,
}

/// A target as typed, checked for shape (not yet resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    url: url::Url,
}

impl Target {
    pub fn parse(typed: &str) -> Result<Self, TargetError> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(TargetError::Missing);
        }
        if typed.chars().count() > MAX_URL_CHARS {
            return Err(TargetError::TooLong);
        }
        let url = url::Url::parse(typed).map_err(|_| TargetError::NotHttp)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(TargetError::NotHttp);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(TargetError::Credentials);
        }
        Ok(Self { url })
    }

    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The host and port to resolve.
    pub fn host_and_port(&self) -> (String, u16) {
        let host = match self.url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => String::new(),
        };
        (host, self.url.port_or_known_default().unwrap_or(443))
    }
}

/// Addresses a webhook may not reach unless the operator allows it: private, loopback,
/// link-local, shared (CGNAT), unspecified, multicast and documentation ranges. An IPv6
/// address that carries an IPv4 address (see [`embedded_ipv4`]) is judged as that
/// address too: a NAT64 gateway or a 6to4 relay would deliver to it.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => is_private_v6(v6) || embedded_ipv4(v6).into_iter().any(is_private_v4),
    }
}

/// The IPv4 addresses an IPv6 address carries: IPv4-mapped (`::ffff:0:0/96`),
/// IPv4-translated (`::ffff:0:0:0/96`), IPv4-compatible (`::/96`) and NAT64
/// (`64:ff9b::/96`, `64:ff9b:1::/48`) in the last 32 bits; 6to4 (`2002::/16`) in bits
/// 16..48; Teredo (`2001::/32`) its server in bits 32..64 and its client in the last 32
/// bits, inverted.
pub fn embedded_ipv4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let bits = ip.to_bits();
    let last = Ipv4Addr::from_bits(bits as u32);
    let s = ip.segments();
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0xffff, 0, ..] | [0, 0, 0, 0, 0, 0, ..] => {
            vec![last]
        }
        [0x64, 0xff9b, 0, 0, 0, 0, ..] | [0x64, 0xff9b, 1, ..] => vec![last],
        [0x2002, ..] => vec![Ipv4Addr::from_bits((bits >> 80) as u32)],
        [0x2001, 0, ..] => vec![
            Ipv4Addr::from_bits((bits >> 64) as u32),
            Ipv4Addr::from_bits(!(bits as u32)),
        ],
        _ => Vec::new(),
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xffc0) == 0xfe80
        || (first & 0xfe00) == 0xfc00
        || first == 0x2001 && ip.segments()[1] == 0x0db8
}

/// A new per-hook signing secret, shown once: `whsec_` and 32 random characters.
pub fn new_secret() -> String {
    format!("whsec_{}", Alphanumeric.sample_string(&mut rand::rng(), 32))
}

/// The signature header's value for `body` sent at `unix_seconds`: HMAC-SHA256 with the
/// hook's secret over `<unix_seconds>.<body>`.
pub fn signature(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={unix_seconds},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Seconds to wait after failed attempt number `attempt` (1-based): 10 s, doubling,
/// at most an hour, with `base` replacing 10 s (tests shorten it).
pub fn backoff_seconds(attempt: i32, base: u64) -> u64 {
    let doublings = u32::try_from(attempt.max(1) - 1).unwrap_or(0).min(20);
    base.saturating_mul(1 << doublings).min(3_600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_must_be_http_with_a_host_and_no_credentials() {
        assert!(Target::parse("https://hooks.example.com/in?x=1").is_ok());
        assert!(Target::parse(" http://203.0.113.9:8080/ ").is_ok());
        assert_eq!(Target::parse(""), Err(TargetError::Missing));
        assert_eq!(
            Target::parse("ftp://example.com"),
            Err(TargetError::NotHttp)
        );
        assert_eq!(Target::parse("example.com/hook"), Err(TargetError::NotHttp));
        assert_eq!(
            Target::parse("https://user:pw@example.com"),
            Err(TargetError::Credentials)
        );
        let long = format!("https://example.com/{}", "a".repeat(2_000));
        assert_eq!(Target::parse(&long), Err(TargetError::TooLong));
    }

    #[test]
    fn private_loopback_and_link_local_addresses_are_recognised() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn ipv6_forms_of_private_ipv4_addresses_are_private() {
        for private in [
            // NAT64, well-known and local-use prefixes: the last 32 bits.
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::a9fe:a9fe",
            "64:ff9b:1:abcd::192.168.0.1",
            // IPv4-mapped, IPv4-translated and IPv4-compatible.
            "::ffff:169.254.169.254",
            "::ffff:0:a9fe:a9fe",
            "::ffff:a9fe:a9fe",
            "::169.254.169.254",
            "::10.0.0.1",
            "::ffff:100.64.0.1",
            // 6to4: bits 16..48.
            "2002:a9fe:a9fe::",
            "2002:7f00:1::1",
            "2002:c0a8:101:1::5",
            // Teredo: the server in bits 32..64, the client inverted in the last 32.
            "2001:0:a9fe:a9fe::1",
            "2001:0:808:808::5601:fefe",
            "2001:0:808:808:0:0:80ff:fffe",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in [
            "64:ff9b::808:808",
            "64:ff9b:1::101:101",
            "::ffff:8.8.8.8",
            "::8.8.8.8",
            "2002:808:808::1",
            // Teredo with a public server (8.8.8.8) and a public client (1.1.1.1 inverted).
            "2001:0:808:808::fefe:fefe",
        ] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn embedded_ipv4_addresses_are_read_from_each_prefix() {
        let v4 = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        let of = |s: &str| embedded_ipv4(s.parse().unwrap());
        assert_eq!(of("64:ff9b::c000:221"), [v4("192.0.2.33")]);
        assert_eq!(of("64:ff9b:1:2:3:4:c000:221"), [v4("192.0.2.33")]);
        assert_eq!(of("::ffff:c000:221"), [v4("192.0.2.33")]);
        assert_eq!(of("::ffff:0:c000:221"), [v4("192.0.2.33")]);
        assert_eq!(of("::c000:221"), [v4("192.0.2.33")]);
        assert_eq!(of("2002:c000:221:1:2:3:4:5"), [v4("192.0.2.33")]);
        // RFC 4380's example: server 65.54.227.120, client 192.0.2.45 (3fff:fdd2 inverted).
        assert_eq!(
            of("2001:0:4136:e378:8000:63bf:3fff:fdd2"),
            [v4("65.54.227.120"), v4("192.0.2.45")]
        );
        assert_eq!(of("2606:4700::1111"), Vec::<Ipv4Addr>::new());
        assert_eq!(of("64:ff9b:2::1"), Vec::<Ipv4Addr>::new());
    }

    #[test]
    fn the_signature_is_hmac_sha256_over_the_timestamp_and_body() {
        // Computed with Python's hmac module: HMAC-SHA256("whsec_test", "1700000000.{}").
        let signed = signature("whsec_test", 1_700_000_000, b"{}");
        assert_eq!(
            signed,
            "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
        assert_ne!(signed, signature("whsec_other", 1_700_000_000, b"{}"));
        assert_ne!(signed, signature("whsec_test", 1_700_000_001, b"{}"));
        assert_eq!(signed, signature("whsec_test", 1_700_000_000, b"{}"));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_seconds(1, 10), 10);
        assert_eq!(backoff_seconds(2, 10), 20);
        assert_eq!(backoff_seconds(5, 10), 160);
        assert_eq!(backoff_seconds(30, 10), 3_600);
        assert_eq!(backoff_seconds(3, 1), 4);
    }
}
