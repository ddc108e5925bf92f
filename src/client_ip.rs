//! The client's address. By default the TCP peer; behind trusted reverse proxies
//! (`--trusted-proxies`), the right-most `X-Forwarded-For` entry that is not a
//! trusted proxy itself. Headers from anyone else are ignored, so they cannot be
//! used to spoof an allowed address.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::http::header::HeaderMap;

use crate::domain::key_settings::AllowedIps;

/// Resolves the client address of a request that arrived from `peer`.
pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &AllowedIps) -> Option<IpAddr> {
    let peer = peer?;
    if trusted.is_empty() || !trusted.allows(peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|entry| entry.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.allows(*ip))
            .unwrap_or(peer),
    )
}

/// As text, for logs, the audit log and "Last used".
pub fn display(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(ip)) => dotted_quad(ip),
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    }
}

/// An IPv4 address as `Display` writes it, spelled out digit by digit: every API
/// request notes its caller's address, and the formatter takes twenty times as long.
fn dotted_quad(ip: Ipv4Addr) -> String {
    let mut text = String::with_capacity(15);
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    #[test]
    fn an_address_reads_as_its_standard_notation() {
        for octet in 0..=255u8 {
            for ip in [
                Ipv4Addr::new(octet, 0, 9, 255),
                Ipv4Addr::new(10, octet, 100, 1),
                Ipv4Addr::new(192, 168, octet, 99),
                Ipv4Addr::new(1, 10, 200, octet),
            ] {
                assert_eq!(display(Some(IpAddr::V4(ip))), ip.to_string());
            }
        }
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(display(Some(v6)), "2001:db8::1");
        assert_eq!(display(None), "unknown");
    }

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_str(xff).unwrap(),
        );
        h
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let peer = "198.51.100.9".parse().ok();
        let got = resolve(peer, &headers("203.0.113.5"), &AllowedIps::default());
        assert_eq!(got, peer);
    }

    #[test]
    fn behind_a_trusted_proxy_the_forwarded_client_is_used() {
        let trusted = AllowedIps::parse("10.0.0.0/8").unwrap();
        let got = resolve(
            "10.1.2.3".parse().ok(),
            &headers("203.0.113.5, 10.9.9.9"),
            &trusted,
        );
        assert_eq!(got, "203.0.113.5".parse().ok());
    }

    #[test]
    fn a_spoofed_left_entry_does_not_win() {
        let trusted = AllowedIps::parse("10.0.0.1").unwrap();
        // The client sent "1.1.1.1" itself; the proxy appended the real address.
        let got = resolve(
            "10.0.0.1".parse().ok(),
            &headers("1.1.1.1, 203.0.113.5"),
            &trusted,
        );
        assert_eq!(got, "203.0.113.5".parse().ok());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let trusted = AllowedIps::parse("10.0.0.1").unwrap();
        let peer = "198.51.100.9".parse().ok();
        assert_eq!(resolve(peer, &headers("203.0.113.5"), &trusted), peer);
    }
}
