//! Argon2id password hashes (PHC strings, with the crate's recommended cost).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 256;

/// Says what is wrong with a new password, if anything.
pub fn check_policy(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!("the password must have at least {MIN_LEN} characters"));
    }
    if n > MAX_LEN {
        return Err(format!("the password must have at most {MAX_LEN} characters"));
    }
    Ok(())
}

/// Hashes a password with Argon2id and a random salt. Slow on purpose (tens of ms):
/// call it from a blocking thread.
pub fn hash(password: &str) -> String {
    let salt = SaltString::encode_b64(&callbar_store::random_bytes::<16>()).expect("16 bytes is a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 with default parameters cannot fail")
        .to_string()
}

/// Checks a password against a stored hash. A malformed hash never matches.
pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the email is unknown so that the
/// answer takes as long as for a known email.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&String::from_utf8_lossy(&callbar_store::random_bytes::<24>())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("correct horse", "not a hash"));
        assert_ne!(hash("correct horse"), h, "salts differ");
    }

    #[test]
    fn policy() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("long enough").is_ok());
        assert!(check_policy(&"x".repeat(300)).is_err());
    }
}
