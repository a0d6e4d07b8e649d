use email_address::{EmailAddress, Options};

/// The domain under which demo accounts live; nobody can register an address there.
pub const DEMO_DOMAIN: &str = "demo.invalid";

/// A syntactically valid, trimmed and lower-cased email address (no DNS look-up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let normalised = raw.trim().to_lowercase();
        if normalised.is_empty() {
            return Err("must not be empty".into());
        }
        if normalised.chars().count() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        };
        match EmailAddress::parse_with_options(&normalised, options) {
            Ok(_) if !normalised.contains(char::is_whitespace) => Ok(Self(normalised)),
            _ => Err("must be a valid email address".into()),
        }
    }

    /// The reserved address of a new demo account.
    pub fn for_demo(id: &crate::types::Id) -> Self {
        Self(format!("demo-{}@{DEMO_DOMAIN}", id.0.simple()))
    }

    pub fn from_trusted(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_demo_domain(&self) -> bool {
        self.0.ends_with(&format!("@{DEMO_DOMAIN}"))
    }

    /// At most the first 3 characters of the local part, never all of it: `jan…@example.com`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

pub fn mask(email: &str) -> String {
    let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    let keep = local.chars().count().saturating_sub(1).min(3);
    let shown: String = local.chars().take(keep).collect();
    format!("{shown}…@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse("  Jan@Example.COM ").map(|e| e.0),
            Ok("jan@example.com".into())
        );
    }

    #[test]
    fn invalid_emails_are_refused() {
        for raw in [
            "",
            "jan",
            "jan@",
            "@example.com",
            "jan@localhost",
            "Jan <jan@example.com>",
            "a b@example.com",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn masking_never_shows_the_whole_local_part() {
        assert_eq!(mask("jan.kowalski@example.com"), "jan…@example.com");
        assert_eq!(mask("jan@example.com"), "ja…@example.com");
        assert_eq!(mask("jo@example.com"), "j…@example.com");
        assert_eq!(mask("j@example.com"), "…@example.com");
    }
}
