//! What a key may do: "Full access", "Read only", or "Custom" — per resource None,
//! Read or Write (Write implies Read), like Stripe's restricted keys. Every API route
//! declares the `Permission` it needs (`api::ROUTES`); `Scopes::allows` decides.

use std::fmt;

/// A part of the API a Custom key is given access to, one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    Team,
    Campaigns,
    Leads,
    Activities,
    Unsubscribes,
    Hooks,
}

impl Resource {
    /// In the order the form and the descriptions list them.
    pub const ALL: [Resource; 6] = [
        Self::Team,
        Self::Campaigns,
        Self::Leads,
        Self::Activities,
        Self::Unsubscribes,
        Self::Hooks,
    ];

    /// The name in scope codes, stored values and sentences: "campaigns".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team => "team",
            Self::Campaigns => "campaigns",
            Self::Leads => "leads",
            Self::Activities => "activities",
            Self::Unsubscribes => "unsubscribes",
            Self::Hooks => "hooks",
        }
    }

    /// The form field holding this resource's level: "scope_campaigns".
    pub fn field(self) -> &'static str {
        match self {
            Self::Team => "scope_team",
            Self::Campaigns => "scope_campaigns",
            Self::Leads => "scope_leads",
            Self::Activities => "scope_activities",
            Self::Unsubscribes => "scope_unsubscribes",
            Self::Hooks => "scope_hooks",
        }
    }

    /// The heading of its choice on the form: "Campaigns".
    pub fn label(self) -> &'static str {
        match self {
            Self::Team => "Team",
            Self::Campaigns => "Campaigns",
            Self::Leads => "Leads",
            Self::Activities => "Activities",
            Self::Unsubscribes => "Unsubscribes",
            Self::Hooks => "Hooks",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of one resource a key may use. Ordered: Write includes Read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Level {
    #[default]
    None,
    Read,
    Write,
}

impl Level {
    pub const ALL: [Level; 3] = [Self::None, Self::Read, Self::Write];

    /// The form value and stored word: "none", "read", "write".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Read => "Read",
            Self::Write => "Write",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == raw)
    }
}

/// What one API operation needs: Read (GET) or Write (everything else) of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub resource: Resource,
    pub level: Level,
}

impl Permission {
    pub const fn new(resource: Resource, level: Level) -> Self {
        Self { resource, level }
    }

    /// The scope's code, as the API's 403 and the OpenAPI document name it: "campaigns:write".
    pub fn code(self) -> String {
        format!("{}:{}", self.resource, self.level.as_str())
    }

    /// The same in words: "write access to campaigns".
    pub fn words(self) -> String {
        format!("{} access to {}", self.level.as_str(), self.resource)
    }
}

/// A key's access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scopes {
    Full,
    /// GET (and HEAD) requests only, on every resource.
    ReadOnly,
    /// A level per resource, indexed as `Resource::ALL`.
    Custom([Level; 6]),
}

/// Why an access choice was refused, and beside which field the message goes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopesError {
    #[error("Choose Full access, Read only or Custom.")]
    UnknownAccess,
    #[error(
        "\"{0}\" is not a resource a key can be given. Choose among team, campaigns, leads, activities, unsubscribes and hooks."
    )]
    UnknownResource(String),
    #[error("Choose None, Read or Write for {}.", .0.as_str())]
    UnknownLevel(Resource),
    #[error(
        "A Custom key needs Read or Write on at least one resource. Choose one below, pick Read only or Full access, or tick \"Verify keys\" for a key that only verifies keys."
    )]
    NothingAllowed,
}

impl ScopesError {
    /// The form field the message is shown beside.
    pub fn field(&self) -> &'static str {
        match self {
            Self::UnknownAccess => "access",
            Self::UnknownResource(_) | Self::NothingAllowed => "scopes",
            Self::UnknownLevel(resource) => resource.field(),
        }
    }
}

impl Scopes {
    /// From the form: `access` ("full", "read_only" or "custom") and the `scope_<resource>`
    /// fields among `fields` (other fields are ignored). The levels are only read, and
    /// checked, when Custom is chosen: without JS they are always on the page.
    pub fn parse<'a>(
        access: &str,
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ScopesError> {
        match access {
            "full" | "" => return Ok(Self::Full),
            "read_only" => return Ok(Self::ReadOnly),
            "custom" => {}
            _ => return Err(ScopesError::UnknownAccess),
        }
        let mut levels = [Level::None; 6];
        for (name, value) in fields {
            let Some(resource_name) = name.strip_prefix("scope_") else {
                continue;
            };
            let resource = Resource::parse(resource_name).ok_or_else(|| {
                ScopesError::UnknownResource(resource_name.chars().take(40).collect())
            })?;
            levels[resource.index()] = match value {
                "" => Level::None,
                raw => Level::parse(raw).ok_or(ScopesError::UnknownLevel(resource))?,
            };
        }
        if levels.iter().all(|l| *l == Level::None) {
            return Err(ScopesError::NothingAllowed);
        }
        Ok(Self::Custom(levels))
    }

    /// Reads back the stored pair: `scopes` NULL means the key predates Custom (or is
    /// not Custom), and `read_only` then decides. Unreadable entries are dropped.
    pub fn from_stored(read_only: bool, scopes: Option<&str>) -> Self {
        let Some(stored) = scopes else {
            return if read_only {
                Self::ReadOnly
            } else {
                Self::Full
            };
        };
        let mut levels = [Level::None; 6];
        for entry in stored.split_whitespace() {
            if let Some((resource, level)) = entry.split_once(':')
                && let (Some(resource), Some(level)) =
                    (Resource::parse(resource), Level::parse(level))
            {
                levels[resource.index()] = level;
            }
        }
        Self::Custom(levels)
    }

    /// The stored pair: (`api_keys.read_only`, `api_keys.scopes`), e.g.
    /// `(false, Some("campaigns:read leads:write"))`.
    pub fn to_stored(&self) -> (bool, Option<String>) {
        match self {
            Self::Full => (false, None),
            Self::ReadOnly => (true, None),
            Self::Custom(_) => (
                false,
                Some(
                    self.granted()
                        .map(|(r, l)| format!("{r}:{}", l.as_str()))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ),
        }
    }

    /// The level of one resource.
    pub fn level(&self, resource: Resource) -> Level {
        match self {
            Self::Full => Level::Write,
            Self::ReadOnly => Level::Read,
            Self::Custom(levels) => levels[resource.index()],
        }
    }

    /// Whether the key may do what `needs` names (Write includes Read).
    pub fn allows(&self, needs: Permission) -> bool {
        self.level(needs.resource) >= needs.level
    }

    /// "full", "read_only" or "custom": the form's access choice.
    pub fn access_value(&self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::ReadOnly => "read_only",
            Self::Custom(_) => "custom",
        }
    }

    /// The resources given Read or Write, in form order.
    fn granted(&self) -> impl Iterator<Item = (Resource, Level)> + '_ {
        Resource::ALL
            .into_iter()
            .map(|r| (r, self.level(r)))
            .filter(|(_, l)| *l != Level::None)
    }

    /// In words: "Full access", "Read only", or "Read: campaigns, leads · Write: unsubscribes".
    pub fn describe(&self) -> String {
        match self {
            Self::Full => "Full access".into(),
            Self::ReadOnly => "Read only".into(),
            Self::Custom(_) => {
                let list = |level: Level| {
                    self.granted()
                        .filter(|(_, l)| *l == level)
                        .map(|(r, _)| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let parts: Vec<String> = [Level::Read, Level::Write]
                    .into_iter()
                    .map(|level| (level, list(level)))
                    .filter(|(_, names)| !names.is_empty())
                    .map(|(level, names)| format!("{}: {names}", level.label()))
                    .collect();
                if parts.is_empty() {
                    "No access".into()
                } else {
                    parts.join(" · ")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(fields: &[(&str, &str)]) -> Result<Scopes, ScopesError> {
        Scopes::parse("custom", fields.iter().copied())
    }

    #[test]
    fn full_and_read_only_ignore_the_custom_fields() {
        let ignored = [("scope_billing", "admin")];
        assert_eq!(Scopes::parse("full", ignored), Ok(Scopes::Full));
        assert_eq!(Scopes::parse("read_only", ignored), Ok(Scopes::ReadOnly));
        assert_eq!(Scopes::parse("owner", []), Err(ScopesError::UnknownAccess));
    }

    #[test]
    fn custom_reads_each_resource_and_describes_it_in_words() {
        let scopes = custom(&[
            ("csrf_token", "x"),
            ("scope_campaigns", "read"),
            ("scope_leads", "read"),
            ("scope_unsubscribes", "write"),
            ("scope_team", "none"),
        ])
        .unwrap();
        assert_eq!(
            scopes.describe(),
            "Read: campaigns, leads · Write: unsubscribes"
        );
        assert_eq!(Scopes::Full.describe(), "Full access");
        assert_eq!(Scopes::ReadOnly.describe(), "Read only");
    }

    #[test]
    fn write_implies_read_and_none_allows_nothing() {
        let scopes = custom(&[("scope_leads", "write"), ("scope_team", "read")]).unwrap();
        let needs = |r, l| Permission::new(r, l);
        assert!(scopes.allows(needs(Resource::Leads, Level::Read)));
        assert!(scopes.allows(needs(Resource::Leads, Level::Write)));
        assert!(scopes.allows(needs(Resource::Team, Level::Read)));
        assert!(!scopes.allows(needs(Resource::Team, Level::Write)));
        assert!(!scopes.allows(needs(Resource::Campaigns, Level::Read)));
        assert!(Scopes::Full.allows(needs(Resource::Hooks, Level::Write)));
        assert!(Scopes::ReadOnly.allows(needs(Resource::Hooks, Level::Read)));
        assert!(!Scopes::ReadOnly.allows(needs(Resource::Hooks, Level::Write)));
    }

    #[test]
    fn bad_custom_choices_are_refused_beside_their_field() {
        let unknown = custom(&[("scope_billing", "read")]).unwrap_err();
        assert_eq!(unknown, ScopesError::UnknownResource("billing".into()));
        assert_eq!(unknown.field(), "scopes");
        assert!(unknown.to_string().contains("\"billing\""));
        let level = custom(&[("scope_leads", "admin")]).unwrap_err();
        assert_eq!(level, ScopesError::UnknownLevel(Resource::Leads));
        assert_eq!(level.field(), "scope_leads");
        assert_eq!(level.to_string(), "Choose None, Read or Write for leads.");
        let nothing = custom(&[("scope_leads", "none")]).unwrap_err();
        assert_eq!(nothing, ScopesError::NothingAllowed);
        assert_eq!(nothing.field(), "scopes");
    }

    #[test]
    fn stored_values_read_back_and_old_keys_keep_their_meaning() {
        let scopes = custom(&[("scope_hooks", "write"), ("scope_activities", "read")]).unwrap();
        let (read_only, stored) = scopes.to_stored();
        assert!(!read_only);
        assert_eq!(stored.as_deref(), Some("activities:read hooks:write"));
        assert_eq!(Scopes::from_stored(read_only, stored.as_deref()), scopes);
        assert_eq!(Scopes::from_stored(true, None), Scopes::ReadOnly);
        assert_eq!(Scopes::from_stored(false, None), Scopes::Full);
        assert_eq!(Scopes::Full.to_stored(), (false, None));
        assert_eq!(Scopes::ReadOnly.to_stored(), (true, None));
        assert_eq!(
            Scopes::from_stored(false, Some("leads:read bogus:write team:admin")).describe(),
            "Read: leads"
        );
    }

    #[test]
    fn permissions_have_a_code_and_words() {
        let needs = Permission::new(Resource::Campaigns, Level::Write);
        assert_eq!(needs.code(), "campaigns:write");
        assert_eq!(needs.words(), "write access to campaigns");
    }
}
