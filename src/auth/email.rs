use email_address::{EmailAddress, Options};

use crate::input::is_visible;

/// The domain under which demo accounts live; nobody can register an address there.
pub const DEMO_DOMAIN: &str = "demo.invalid";

/// A syntactically valid, trimmed and lower-cased email address (no DNS look-up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims, refuses invisible and control characters, lower-cases, and writes the domain in
    /// its ASCII (IDNA) form, so that the Unicode and punycode spellings of one address are one
    /// account.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("must not be empty".into());
        }
        if !trimmed.chars().all(is_visible) {
            return Err("must not contain invisible or control characters".into());
        }
        let invalid = || "must be a valid email address".to_owned();
        let lowered = trimmed.to_lowercase();
        let (local, domain) = lowered.rsplit_once('@').ok_or_else(invalid)?;
        let domain = idna::domain_to_ascii(domain).map_err(|_| invalid())?;
        let normalised = format!("{local}@{domain}");
        if normalised.chars().count() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let options = Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        };
        EmailAddress::parse_with_options(&normalised, options)
            .map(|_| Self(normalised))
            .map_err(|_| invalid())
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

    /// Whether the address is under the reserved demo domain or one of its subdomains.
    pub fn is_demo_domain(&self) -> bool {
        self.0.rsplit_once('@').is_some_and(|(_, domain)| {
            domain == DEMO_DOMAIN
                || domain
                    .strip_suffix(DEMO_DOMAIN)
                    .is_some_and(|sub| sub.ends_with('.'))
        })
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
    fn domains_take_their_ascii_form_so_both_spellings_are_one_address() {
        let unicode = Email::parse("Jan@Bücher.Example").map(|e| e.0);
        assert_eq!(unicode, Ok("jan@xn--bcher-kva.example".into()));
        assert_eq!(
            Email::parse("jan@xn--bcher-kva.example").map(|e| e.0),
            unicode
        );
        assert_eq!(
            Email::parse("jan@ｅxample.com").map(|e| e.0),
            Ok("jan@example.com".into())
        );
    }

    #[test]
    fn invisible_and_control_characters_are_refused() {
        for raw in [
            "ja\u{200B}n@example.com",
            "jan@exam\u{00AD}ple.com",
            "jan\u{202E}@example.com",
            "jan@example.com\u{2060}x",
            "j\u{7}an@example.com",
            "jan\u{3164}@example.com",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn the_demo_domain_and_its_subdomains_are_recognised() {
        for (raw, demo) in [
            ("a@demo.invalid", true),
            ("a@DEMO.invalid", true),
            ("a@x.demo.invalid", true),
            ("a@a.b.demo.invalid", true),
            ("a@notdemo.invalid", false),
            ("a@demo.invalid.example", false),
            ("demo.invalid@example.com", false),
        ] {
            let email = Email::parse(raw);
            assert_eq!(email.map(|e| e.is_demo_domain()), Ok(demo), "{raw}");
        }
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
