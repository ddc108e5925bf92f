//! What an admin chooses for a key besides its name: note, access level,
//! allowed addresses and expiry.

use std::net::IpAddr;

use ipnet::IpNet;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessLevel {
    Full,
    /// GET (and HEAD) requests only.
    ReadOnly,
}

impl AccessLevel {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "full" | "" => Some(Self::Full),
            "read_only" => Some(Self::ReadOnly),
            _ => None,
        }
    }

    pub fn from_read_only(read_only: bool) -> Self {
        if read_only {
            Self::ReadOnly
        } else {
            Self::Full
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Full => "Full access",
            Self::ReadOnly => "Read only",
        }
    }
}

/// A free-text note on where the key is used: up to 500 characters.
pub fn parse_note(raw: &str) -> Result<String, String> {
    const MAX: usize = 500;
    let note = raw.trim();
    let len = note.chars().count();
    if len > MAX {
        return Err(format!(
            "Use at most {MAX} characters (this note has {len})."
        ));
    }
    if note
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("Remove the control characters from the note.".into());
    }
    Ok(note.to_string())
}

/// The addresses a key may be used from; empty means anywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedIps(Vec<IpNet>);

impl AllowedIps {
    const MAX_ENTRIES: usize = 100;

    /// Entries separated by commas, spaces or line breaks. Every bad entry is named.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let entries: Vec<&str> = raw
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        if entries.len() > Self::MAX_ENTRIES {
            return Err(format!(
                "Use at most {} addresses or ranges.",
                Self::MAX_ENTRIES
            ));
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
            Err(format!(
                "Not an IP address or CIDR range: {}. Use addresses like 203.0.113.7 or ranges like 10.0.0.0/24.",
                bad.join(", ")
            ))
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

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "never" | "" => Some(Self(None)),
            "30" => Some(Self(Some(30))),
            "60" => Some(Self(Some(60))),
            "90" => Some(Self(Some(90))),
            "365" => Some(Self(Some(365))),
            _ => None,
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
        let err = AllowedIps::parse("10.0.0.1, 10.0.0.300, example.com, 10.0.0.0/33").unwrap_err();
        assert!(err.contains("\"10.0.0.300\""));
        assert!(err.contains("\"example.com\""));
        assert!(err.contains("\"10.0.0.0/33\""));
        assert!(!err.contains("\"10.0.0.1\""));
    }

    #[test]
    fn notes_are_limited_to_500_characters() {
        assert!(parse_note(&"n".repeat(500)).is_ok());
        assert!(parse_note(&"n".repeat(501)).is_err());
        assert!(parse_note("line one\nline two").is_ok());
        assert!(parse_note("bell\u{7}").is_err());
    }

    #[test]
    fn expiry_choices_parse() {
        assert_eq!(Expiry::parse("never"), Some(Expiry(None)));
        assert_eq!(Expiry::parse("365"), Some(Expiry(Some(365))));
        assert_eq!(Expiry::parse("7"), None);
    }
}
