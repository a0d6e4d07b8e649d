//! Password rules (length, strength, no email local part) and Argon2id hashing on blocking threads,
//! at most one hash per core at a time so that memory stays bounded under a sign-in flood.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;

const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 128;
const MIN_SCORE: u8 = 3;

/// A password that passed the contract's rules; it can only be built by [`Password::new`].
pub struct Password(String);

impl Password {
    /// Checks length, strength (zxcvbn ≥ 3) and that the email's local part is not in it.
    pub fn new(raw: &str, email: &str) -> Result<Self, String> {
        let length = raw.chars().count();
        if !(MIN_CHARS..=MAX_CHARS).contains(&length) {
            return Err(format!(
                "must be {MIN_CHARS} to {MAX_CHARS} characters long"
            ));
        }
        let local_part = email.split('@').next().unwrap_or_default().to_lowercase();
        if local_part.chars().count() >= 3 && raw.to_lowercase().contains(&local_part) {
            return Err("must not contain the part of your email before the @".into());
        }
        let user_inputs: Vec<&str> = [local_part.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let score = u8::from(zxcvbn::zxcvbn(raw, &user_inputs).score());
        if score < MIN_SCORE {
            return Err("is too easy to guess: use a longer phrase of unrelated words".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when an email has no account, so that timing does not tell.
    dummy_hash: Arc<str>,
}

fn argon2() -> Argon2<'static> {
    // m = 19456 KiB, t = 2, p = 1: the contract's (and OWASP's) Argon2id parameters.
    let params = Params::new(19_456, 2, 1, Some(32)).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &[u8]) -> Result<String, ApiError> {
    let salt: [u8; 16] = rand::random();
    argon2()
        .hash_password_with_salt(password, &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| ApiError::internal(format!("argon2 hashing failed: {err}")))
}

impl PasswordHasher {
    pub fn new() -> Result<Self, ApiError> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let random: [u8; 32] = rand::random();
        Ok(Self {
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: hash_blocking(&random)?.into(),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::Unavailable)?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .await
            .map_err(ApiError::internal)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, ApiError> {
        let password = password.0.clone();
        self.run(move || hash_blocking(password.as_bytes())).await?
    }

    /// True when `password` matches `hash`; with no hash (unknown email) a dummy is verified, so
    /// the answer takes the same time and is always false.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, ApiError> {
        let password = password.to_owned();
        let (hash, real) = match hash {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash.to_string(), false),
        };
        self.run(move || {
            real && argon2()
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_weak_and_local_part_passwords_are_refused() {
        let email = "jan.kowalski@example.com";
        assert!(Password::new("short", email).is_err());
        assert!(Password::new(&"x".repeat(129), email).is_err());
        assert!(Password::new("password1234", email).is_err());
        assert!(Password::new("JAN.KOWALSKI-orbit-tundra-47", email).is_err());
        assert!(Password::new("correct horse battery staple", email).is_ok());
    }

    #[test]
    fn a_short_local_part_is_not_checked() {
        assert!(Password::new("ab violet harbour engine", "ab@example.com").is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_only_their_password() {
        let hasher = PasswordHasher::new().expect("hasher");
        let password = Password::new("correct horse battery staple", "a@b.cd").expect("strong");
        let hash = hasher.hash(&password).await.expect("hash");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            hasher
                .verify("correct horse battery staple", Some(&hash))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("correct horse battery stapler", Some(&hash))
                .await
                .expect("verify")
        );
        assert!(!hasher.verify("anything", None).await.expect("verify"));
    }
}
