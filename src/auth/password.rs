//! Password rules (length, strength, no email local part) and Argon2id hashing on blocking threads,
//! at most one hash per core at a time, each in a reused buffer, so that memory stays bounded under
//! a sign-in flood.

use std::{
    fmt::Display,
    sync::{Arc, Mutex, PoisonError},
};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::phc::{Output, ParamsString, PasswordHash, Salt},
};
use tokio::sync::Semaphore;

use crate::error::ApiError;

const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 128;
const MIN_SCORE: u8 = 3;

/// A password that passed the strength rules (`RegisterInput.password` in the API document); it
/// can only be built by [`Password::new`].
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

/// OWASP's recommended Argon2id parameters: m = 19456 KiB, t = 2, p = 1, a 32-byte hash.
const M_COST: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const OUTPUT_LEN: usize = 32;
const SALT_LEN: usize = 16;

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    memory: Arc<Memory>,
    /// Verified against when an email has no account, so that timing does not tell.
    dummy_hash: Arc<str>,
}

/// Argon2 working memory (19 MiB per hash), kept and reused rather than allocated per hash: glibc
/// would keep the freed buffers in its per-thread arenas and the RSS would grow with every blocking
/// thread. A buffer is taken while a permit is held, so there are at most as many as permits.
struct Memory {
    params: Params,
    buffers: Mutex<Vec<Vec<Block>>>,
}

fn internal<E: Display>(context: &'static str) -> impl FnOnce(E) -> ApiError {
    move |err| ApiError::internal(format!("{context}: {err}"))
}

impl Memory {
    fn new() -> Self {
        let params =
            Params::new(M_COST, T_COST, P_COST, Some(OUTPUT_LEN)).unwrap_or(Params::DEFAULT);
        Self {
            params,
            buffers: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` on at least `needed` blocks: a pooled buffer (allocated on first use) when the
    /// current parameters' size fits, else a one-off buffer (a hash stored with more memory).
    fn with_blocks<T>(&self, needed: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        // The buffers hold no invariant a panic could break, so a poisoned lock is still usable.
        let pooled = self
            .buffers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let size = self.params.block_count();
        if needed > size {
            if let Some(blocks) = pooled {
                self.give_back(blocks);
            }
            return work(&mut vec![Block::new(); needed]);
        }
        let mut blocks = pooled.unwrap_or_else(|| vec![Block::new(); size]);
        let result = work(&mut blocks);
        self.give_back(blocks);
        result
    }

    fn give_back(&self, blocks: Vec<Block>) {
        self.buffers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(blocks);
    }

    /// A standard `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` PHC string.
    fn hash(&self, password: &[u8], salt: &[u8]) -> Result<String, ApiError> {
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        let mut out = [0u8; OUTPUT_LEN];
        self.with_blocks(self.params.block_count(), |blocks| {
            argon2.hash_password_into_with_memory(password, salt, &mut out, blocks)
        })
        .map_err(internal("argon2 hashing failed"))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params).map_err(internal("argon2 parameters"))?,
            salt: Some(Salt::new(salt).map_err(internal("argon2 salt"))?),
            hash: Some(Output::new(&out).map_err(internal("argon2 output"))?),
        };
        Ok(phc.to_string())
    }

    /// Recomputes the hash with the stored algorithm, version and parameters (which may differ from
    /// the current ones) and compares it in constant time.
    fn verify(&self, password: &[u8], stored: &str) -> Result<bool, ApiError> {
        let stored = PasswordHash::new(stored).map_err(internal("stored password hash"))?;
        let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
            return Err(ApiError::internal(
                "stored password hash has no salt or no hash",
            ));
        };
        let algorithm = Algorithm::try_from(stored.algorithm.as_str())
            .map_err(internal("stored password hash algorithm"))?;
        let version = stored
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(internal("stored password hash version"))?
            .unwrap_or_default();
        // Its output length is the stored hash's.
        let params = Params::try_from(&stored).map_err(internal("stored password hash params"))?;
        let needed = params.block_count();
        let argon2 = Argon2::new(algorithm, version, params);
        let mut buffer = [0u8; Output::MAX_LENGTH];
        let out = buffer
            .get_mut(..expected.len())
            .ok_or_else(|| ApiError::internal("stored password hash is too long"))?;
        self.with_blocks(needed, |blocks| {
            argon2.hash_password_into_with_memory(password, salt, &mut *out, blocks)
        })
        .map_err(internal("argon2 verification failed"))?;
        let computed = Output::new(out).map_err(internal("argon2 output"))?;
        // `Output`'s equality is constant-time.
        Ok(computed == *expected)
    }
}

impl PasswordHasher {
    pub fn new() -> Result<Self, ApiError> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let memory = Memory::new();
        let random: [u8; 32] = rand::random();
        let salt: [u8; SALT_LEN] = rand::random();
        let dummy_hash = memory.hash(&random, &salt)?.into();
        // An idle server holds no hashing memory: the pool fills again with the first sign-ins.
        memory
            .buffers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        Ok(Self {
            permits: Arc::new(Semaphore::new(cores)),
            memory: Arc::new(memory),
            dummy_hash,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Memory) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Unavailable)?;
        let span = tracing::Span::current();
        let memory = Arc::clone(&self.memory);
        // The permit goes with the blocking work: when the request is dropped (client gone) the
        // hash runs on, and its buffer must still count against the permits.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            span.in_scope(|| work(&memory))
        })
        .await
        .map_err(ApiError::internal)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, ApiError> {
        let password = password.0.clone();
        let salt: [u8; SALT_LEN] = rand::random();
        self.run(move |memory| memory.hash(password.as_bytes(), &salt))
            .await?
    }

    /// True when `password` matches `hash`; with no hash (unknown email) a dummy is verified, so
    /// the answer takes the same time and is always false.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, ApiError> {
        let password = password.to_owned();
        let (hash, real) = match hash {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash.to_string(), false),
        };
        // The verification runs in both cases; only then is the dummy's answer discarded.
        let matches = self
            .run(move |memory| memory.verify(password.as_bytes(), &hash))
            .await??;
        Ok(real && matches)
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

    const PASSWORD: &str = "correct horse battery staple";

    fn stock(m_cost: u32, t_cost: u32) -> Argon2<'static> {
        let params = Params::new(m_cost, t_cost, 1, None).expect("params");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    #[test]
    fn a_reused_buffer_gives_the_stock_hash_byte_for_byte() {
        use argon2::PasswordHasher as _;
        let memory = Memory::new();
        let salt = *b"sixteen byte slt";
        // The first hash leaves the pooled buffer dirty; the second must not depend on that.
        memory
            .hash(b"something else entirely", &salt)
            .expect("hash");
        let ours = memory.hash(PASSWORD.as_bytes(), &salt).expect("hash");
        let theirs = stock(19_456, 2)
            .hash_password_with_salt(PASSWORD.as_bytes(), &salt)
            .expect("stock hash");
        assert_eq!(ours, theirs.to_string());
        assert_eq!(memory.buffers.lock().expect("pool").len(), 1);
    }

    #[tokio::test]
    async fn our_hashes_verify_with_the_stock_verifier() {
        use argon2::PasswordVerifier as _;
        let hasher = PasswordHasher::new().expect("hasher");
        let password = Password::new(PASSWORD, "a@b.cd").expect("strong");
        let hash = hasher.hash(&password).await.expect("hash");
        let parsed = PasswordHash::new(&hash).expect("a PHC string");
        assert_eq!(parsed.salt.expect("salt").len(), SALT_LEN);
        assert_eq!(parsed.hash.expect("hash").len(), OUTPUT_LEN);
        let verifier = Argon2::default();
        assert!(
            verifier
                .verify_password(PASSWORD.as_bytes(), hash.as_str())
                .is_ok()
        );
        assert!(
            verifier
                .verify_password(b"not the password", hash.as_str())
                .is_err()
        );
    }

    #[tokio::test]
    async fn stock_hashes_verify_with_ours_even_with_other_params() {
        use argon2::PasswordHasher as _;
        let hasher = PasswordHasher::new().expect("hasher");
        // The current parameters, cheaper ones and ones needing more memory than a pooled buffer.
        for (m_cost, t_cost) in [(19_456, 2), (8_192, 1), (24_576, 1)] {
            let salt: [u8; SALT_LEN] = rand::random();
            let hash = stock(m_cost, t_cost)
                .hash_password_with_salt(PASSWORD.as_bytes(), &salt)
                .expect("stock hash")
                .to_string();
            assert!(hash.starts_with(&format!("$argon2id$v=19$m={m_cost},t={t_cost},p=1$")));
            assert!(hasher.verify(PASSWORD, Some(&hash)).await.expect("verify"));
            assert!(
                !hasher
                    .verify("correct horse battery stapler", Some(&hash))
                    .await
                    .expect("verify")
            );
        }
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error() {
        let hasher = PasswordHasher::new().expect("hasher");
        assert!(hasher.verify(PASSWORD, Some("not a hash")).await.is_err());
    }

    #[tokio::test]
    async fn there_are_never_more_buffers_than_permits() {
        let hasher = PasswordHasher::new().expect("hasher");
        let password = Password::new(PASSWORD, "a@b.cd").expect("strong");
        let hash = hasher.hash(&password).await.expect("hash");
        let logins = (0..6).map(|_| {
            let (hasher, hash) = (hasher.clone(), hash.clone());
            tokio::spawn(async move { hasher.verify(PASSWORD, Some(&hash)).await })
        });
        for login in logins.collect::<Vec<_>>() {
            assert!(login.await.expect("join").expect("verify"));
        }
        let permits = hasher.permits.available_permits();
        let buffers = hasher.memory.buffers.lock().expect("pool").len();
        assert!(
            (1..=permits).contains(&buffers),
            "{buffers} buffers, {permits} permits"
        );
    }

    #[tokio::test]
    async fn a_dropped_request_keeps_its_permit_until_its_hash_ends() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let hasher = PasswordHasher::new().expect("hasher");
        let password = Password::new(PASSWORD, "a@b.cd").expect("strong");
        let hash = hasher.hash(&password).await.expect("hash");
        // A client that goes away mid-hash: its request future is dropped, the hash runs on.
        let gone = {
            let (hasher, hash) = (hasher.clone(), hash.clone());
            tokio::spawn(async move { hasher.verify(PASSWORD, Some(&hash)).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        gone.abort();
        let logins = (0..2 * cores).map(|_| {
            let (hasher, hash) = (hasher.clone(), hash.clone());
            tokio::spawn(async move { hasher.verify(PASSWORD, Some(&hash)).await })
        });
        for login in logins.collect::<Vec<_>>() {
            assert!(login.await.expect("join").expect("verify"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let _all = hasher
            .permits
            .acquire_many(u32::try_from(cores).expect("cores"))
            .await
            .expect("permits");
        let buffers = hasher.memory.buffers.lock().expect("pool").len();
        assert!(buffers <= cores, "{buffers} buffers, {cores} permits");
    }

    #[tokio::test]
    async fn an_unknown_email_still_costs_a_full_verification() {
        let hasher = PasswordHasher::new().expect("hasher");
        let password = Password::new(PASSWORD, "a@b.cd").expect("strong");
        let hash = hasher.hash(&password).await.expect("hash");
        let began = std::time::Instant::now();
        assert!(hasher.verify(PASSWORD, Some(&hash)).await.expect("verify"));
        let real = began.elapsed();
        let began = std::time::Instant::now();
        assert!(!hasher.verify(PASSWORD, None).await.expect("verify"));
        let dummy = began.elapsed();
        // A skipped verification would take microseconds; a real one takes milliseconds.
        assert!(dummy * 4 >= real, "dummy {dummy:?} against real {real:?}");
    }
}
