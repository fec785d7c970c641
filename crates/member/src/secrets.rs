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
