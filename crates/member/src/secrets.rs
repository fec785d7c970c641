//! Random tokens and their stored digests.

use sha2::{Digest, Sha256};

/// 32 random bytes as 64 hex characters: session cookies and API tokens.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

/// An 8-digit one-time code, easy to read out over the phone.
pub fn new_code() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    format!("{:08}", u64::from_le_bytes(bytes) % 100_000_000)
}

/// A 6-digit code sent by SMS to log in with.
pub fn new_login_code() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    format!("{:06}", u64::from_le_bytes(bytes) % 1_000_000)
}

/// What the database keeps instead of a token: its SHA-256, hex-encoded.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// HMAC-SHA256 of `text` under the server's `key`, hex-encoded: a value that identifies the
/// same text again without storing it, and that nobody without the key can test guesses
/// against (a phone number has few enough possibilities for a plain hash to be reversed).
pub fn keyed_digest(key: &str, text: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    /// RFC 4231, test case 2.
    #[test]
    fn keyed_digest_is_hmac_sha256() {
        assert_eq!(
            super::keyed_digest("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
