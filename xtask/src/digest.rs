//! Content digests: SHA-256 in hex, over text with its line endings normalised, so a
//! checkout with `core.autocrlf=true` (git's default on Windows) gives the same digests as
//! one without.

use hmac_sha256::{HMAC, Hash};

/// SHA-256 of `bytes`, in lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Hash::hash(bytes))
}

/// SHA-256 of a text file's content with `\r\n` read as `\n`.
pub fn text(content: &str) -> String {
    if content.contains('\r') { sha256(normalize_newlines(content).as_bytes()) } else { sha256(content.as_bytes()) }
}

/// `\r\n` (and a lone `\r`) as `\n`.
pub fn normalize_newlines(content: &str) -> String {
    content.replace("\r\n", "\n").replace('\r', "\n")
}

/// Hashes a sequence of parts, each followed by a newline, so `["ab", "c"]` and
/// `["a", "bc"]` differ.
#[derive(Default)]
pub struct Hasher(Hash);

impl Hasher {
    pub fn part(&mut self, text: &str) -> &mut Hasher {
        self.0.update(text.as_bytes());
        self.0.update(b"\n");
        self
    }

    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, in lowercase hex: what signs a remote
/// cache entry.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    hex(&HMAC::mac(message, key))
}

fn hex(bytes: &[u8]) -> String {
    // By table, not `write!` per byte: hashing is on every no-op's path, in a debug build.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 2 and 6 of RFC 4231: a short key, and a key longer than the block.
        assert_eq!(
            hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn sha256_is_hex_of_the_digest() {
        assert_eq!(sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        // FIPS 180-2's two-block message, and a million bytes: padding across blocks.
        let two_blocks = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(sha256(two_blocks), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        assert_eq!(sha256(&[b'a'; 1_000_000]), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }

    #[test]
    fn parts_hash_as_their_concatenation() {
        let mut h = Hasher::default();
        h.part("abc").part("def");
        assert_eq!(h.finish(), sha256(b"abc\ndef\n"));
    }

    #[test]
    fn line_endings_do_not_change_a_text_digest() {
        assert_eq!(text("a\r\nb\r\n"), text("a\nb\n"));
        assert_ne!(text("a\nb\n"), text("a\nb"));
    }

    #[test]
    fn parts_are_delimited() {
        let mut one = Hasher::default();
        one.part("ab").part("c");
        let mut two = Hasher::default();
        two.part("a").part("bc");
        assert_ne!(one.finish(), two.finish());
    }
}
