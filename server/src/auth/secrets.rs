//! Secrets: API keys (random, stored as SHA-256 digests) and passwords
//! (argon2id PHC strings).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngExt;
use sha2::{Digest, Sha256};

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Characters in a new API key: 32 × log2(62) ≈ 190 bits of randomness, so a
/// fast digest is a safe way to look keys up.
pub const API_KEY_LEN: usize = 32;

fn random_alphanumeric(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHANUMERIC[rng.random_range(0..ALPHANUMERIC.len())] as char)
        .collect()
}

/// A new random API key (alphanumeric, as `Authorization: Bearer` requires).
pub fn new_api_key() -> String {
    random_alphanumeric(API_KEY_LEN)
}

/// A new random password for generated accounts.
pub fn new_password() -> String {
    random_alphanumeric(20)
}

/// The stored form of an API key: its SHA-256 digest in hex.
pub fn hash_api_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new one-time token (invitation links, session ids): 43 URL-safe
/// characters, ≈256 bits of randomness.
pub fn new_token() -> String {
    random_alphanumeric(43)
}

/// The stored form of a token: its SHA-256 digest in hex, as for keys.
pub fn hash_token(token: &str) -> String {
    hash_api_key(token)
}

/// Whether a presented key has the shape of an API key at all.
pub fn looks_like_api_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 128 && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing the password failed: {e}"))
}

/// Checks a password against its stored hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_alphanumeric_and_hash_stably() {
        let a = new_api_key();
        let b = new_api_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), API_KEY_LEN);
        assert!(looks_like_api_key(&a));
        assert_eq!(hash_api_key(&a), hash_api_key(&a));
        assert_eq!(hash_api_key(&a).len(), 64);
        assert!(!looks_like_api_key("abc-def"));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }
}
