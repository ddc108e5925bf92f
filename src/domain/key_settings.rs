//! What an admin chooses for a key besides its name, note and access (`scopes`):
//! allowed addresses and expiry.

use std::net::IpAddr;

use ipnet::IpNet;

/// The addresses a key may be used from; empty means anywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedIps(Vec<IpNet>);

/// Why an allow-list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowedIpsError {
    #[error("Use at most {max} addresses or ranges.", max = AllowedIps::MAX_ENTRIES)]
    TooMany,
    /// The bad entries, quoted and shortened, in the order given.
    #[error(
        "Not an IP address or CIDR range: {}. Use addresses like 203.0.113.7 or ranges like 10.0.0.0/24.",
        .0.join(", ")
    )]
    NotAddresses(Vec<String>),
}

impl AllowedIps {
    const MAX_ENTRIES: usize = 100;

    /// Entries separated by commas, spaces or line breaks. Every bad entry is named.
    pub fn parse(raw: &str) -> Result<Self, AllowedIpsError> {
        let entries: Vec<&str> = raw
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        if entries.len() > Self::MAX_ENTRIES {
            return Err(AllowedIpsError::TooMany);
        }
        let mut nets = Vec::new();
        let mut bad = Vec::new();
        for entry in entries {
            match parse_entry(entry) {
                Some(net) if !nets.contains(&net) => nets.push(net),
                Some(_) => {}
                None => bad.push(format!(
                    "\"{}\"",
                    entry.chars().take(60).collect::<String>()
                )),
            }
        }
        if bad.is_empty() {
            Ok(Self(nets))
        } else {
            Err(AllowedIpsError::NotAddresses(bad))
        }
    }

    /// Reads back what `to_stored` wrote; unreadable entries are dropped (they were validated on the way in).
    pub fn from_stored(stored: &str) -> Self {
        Self(stored.lines().filter_map(parse_entry).collect())
    }

    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.is_empty() || self.0.iter().any(|net| net.contains(&ip))
    }

    /// "203.0.113.7, 10.0.0.0/24", with single addresses without their /32.
    pub fn display(&self) -> String {
        self.0
            .iter()
            .map(|net| {
                if net.prefix_len() == net.max_prefix_len() {
                    net.addr().to_string()
                } else {
                    net.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn parse_entry(entry: &str) -> Option<IpNet> {
    if let Ok(net) = entry.parse::<IpNet>() {
        return Some(net.trunc());
    }
    entry.parse::<IpAddr>().ok().map(IpNet::from)
}

/// An expiry the form does not offer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose when the key expires.")]
pub struct UnknownExpiry;

/// When a new key stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry(pub Option<u16>);

impl Expiry {
    pub const CHOICES: [(&'static str, &'static str); 5] = [
        ("never", "Never"),
        ("30", "In 30 days"),
        ("60", "In 60 days"),
        ("90", "In 90 days"),
        ("365", "In 1 year"),
    ];

    pub fn parse(raw: &str) -> Result<Self, UnknownExpiry> {
        match raw {
            "never" | "" => Ok(Self(None)),
            "30" => Ok(Self(Some(30))),
            "60" => Ok(Self(Some(60))),
            "90" => Ok(Self(Some(90))),
            "365" => Ok(Self(Some(365))),
            _ => Err(UnknownExpiry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ranges_are_parsed_and_matched() {
        let ips = AllowedIps::parse("203.0.113.7, 10.0.0.0/24\n2001:db8::/32").unwrap();
        assert!(ips.allows("203.0.113.7".parse().unwrap()));
        assert!(ips.allows("10.0.0.99".parse().unwrap()));
        assert!(ips.allows("2001:db8::1".parse().unwrap()));
        assert!(!ips.allows("10.0.1.1".parse().unwrap()));
        assert_eq!(ips.display(), "203.0.113.7, 10.0.0.0/24, 2001:db8::/32");
        assert_eq!(AllowedIps::from_stored(&ips.to_stored()), ips);
    }

    #[test]
    fn an_empty_list_allows_everything() {
        let ips = AllowedIps::parse("  ").unwrap();
        assert!(ips.is_empty());
        assert!(ips.allows("198.51.100.1".parse().unwrap()));
    }

    #[test]
    fn every_bad_entry_is_named() {
        let err = AllowedIps::parse("10.0.0.1, 10.0.0.300, example.com, 10.0.0.0/33")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"10.0.0.300\""));
        assert!(err.contains("\"example.com\""));
        assert!(err.contains("\"10.0.0.0/33\""));
        assert!(!err.contains("\"10.0.0.1\""));
    }

    #[test]
    fn expiry_choices_parse() {
        assert_eq!(Expiry::parse("never"), Ok(Expiry(None)));
        assert_eq!(Expiry::parse("365"), Ok(Expiry(Some(365))));
        assert_eq!(Expiry::parse("7"), Err(UnknownExpiry));
    }

    #[test]
    fn too_many_entries_are_refused_with_the_limit() {
        let many = (0..101).map(|i| format!("10.0.{i}.1")).collect::<Vec<_>>();
        let err = AllowedIps::parse(&many.join(",")).unwrap_err();
        assert_eq!(err, AllowedIpsError::TooMany);
        assert_eq!(err.to_string(), "Use at most 100 addresses or ranges.");
    }
}
