//! Webhook authentication: HMAC-SHA256 signatures and shared tokens, checked in constant time
//! over the raw request body before anything parses it.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a request failed authentication. Missing maps to 401, the rest to 403.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing {0} header")]
    Missing(&'static str),
    #[error("malformed {0} header")]
    Malformed(&'static str),
    #[error("{0} does not match")]
    Mismatch(&'static str),
}

impl SignatureError {
    /// True when the credential was absent (HTTP 401) rather than wrong (HTTP 403).
    pub fn is_missing(&self) -> bool {
        matches!(self, SignatureError::Missing(_))
    }
}

type HmacSha256 = Hmac<Sha256>;

/// Checks `header_value` (`sha256=<hex>` when `prefixed`, else bare hex) against the
/// HMAC-SHA256 of `body` under `secret`. `hmac`'s `verify_slice` compares in constant time.
pub fn verify_hmac_sha256(
    header: &'static str,
    header_value: Option<&str>,
    secret: &[u8],
    body: &[u8],
    prefixed: bool,
) -> Result<(), SignatureError> {
    let value = header_value.ok_or(SignatureError::Missing(header))?.trim();
    let hex_sig = if prefixed {
        value
            .strip_prefix("sha256=")
            .ok_or(SignatureError::Malformed(header))?
    } else {
        value
    };
    let expected = hex::decode(hex_sig).map_err(|_| SignatureError::Malformed(header))?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch(header))
}

/// Checks a shared token (GitLab's `X-Gitlab-Token`) in constant time. Only the length can
/// leak, which `subtle` documents for slices of unequal length.
pub fn verify_token(
    header: &'static str,
    header_value: Option<&str>,
    secret: &[u8],
) -> Result<(), SignatureError> {
    let value = header_value.ok_or(SignatureError::Missing(header))?;
    if bool::from(value.as_bytes().ct_eq(secret)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch(header))
    }
}

/// `sha256=<hex>` of `body` under `secret`: what senders put in the signature header.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // GitHub's documented example ("Validating webhook deliveries"): secret
    // "It's a Secret to Everybody", payload "Hello, World!".
    const GH_SECRET: &[u8] = b"It's a Secret to Everybody";
    const GH_BODY: &[u8] = b"Hello, World!";
    const GH_SIG: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn github_documented_example_verifies() {
        assert_eq!(sign(GH_SECRET, GH_BODY), GH_SIG);
        verify_hmac_sha256(
            "X-Hub-Signature-256",
            Some(GH_SIG),
            GH_SECRET,
            GH_BODY,
            true,
        )
        .expect("GitHub's example signature is valid");
    }

    #[test]
    fn github_example_rejects_tampering() {
        let h = "X-Hub-Signature-256";
        assert_eq!(
            verify_hmac_sha256(h, Some(GH_SIG), GH_SECRET, b"Hello, World?", true),
            Err(SignatureError::Mismatch(h))
        );
        assert_eq!(
            verify_hmac_sha256(h, Some(GH_SIG), b"wrong secret", GH_BODY, true),
            Err(SignatureError::Mismatch(h))
        );
        assert_eq!(
            verify_hmac_sha256(h, None, GH_SECRET, GH_BODY, true),
            Err(SignatureError::Missing(h))
        );
        assert_eq!(
            verify_hmac_sha256(h, Some(&GH_SIG[7..]), GH_SECRET, GH_BODY, true),
            Err(SignatureError::Malformed(h))
        );
        assert_eq!(
            verify_hmac_sha256(h, Some("sha256=zz"), GH_SECRET, GH_BODY, true),
            Err(SignatureError::Malformed(h))
        );
        // A truncated signature must not verify as a prefix match.
        assert_eq!(
            verify_hmac_sha256(h, Some(&GH_SIG[..21]), GH_SECRET, GH_BODY, true),
            Err(SignatureError::Mismatch(h))
        );
    }

    #[test]
    fn bare_hex_for_gitea() {
        let h = "X-Gitea-Signature";
        verify_hmac_sha256(h, Some(&GH_SIG[7..]), GH_SECRET, GH_BODY, false)
            .expect("bare hex form verifies");
    }

    #[test]
    fn token_compare() {
        let h = "X-Gitlab-Token";
        assert!(verify_token(h, Some("s3cret"), b"s3cret").is_ok());
        assert_eq!(
            verify_token(h, Some("s3creT"), b"s3cret"),
            Err(SignatureError::Mismatch(h))
        );
        assert_eq!(
            verify_token(h, Some("s3c"), b"s3cret"),
            Err(SignatureError::Mismatch(h))
        );
        assert_eq!(
            verify_token(h, None, b"s3cret"),
            Err(SignatureError::Missing(h))
        );
    }
}
