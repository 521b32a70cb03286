use std::fmt;
use std::str::FromStr;

use rand::RngExt;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::KeyError;

/// The 33 characters object keys are made of: digits 2–9 and A–Z without O.
pub const KEY_ALPHABET: &[u8; 33] = b"23456789ABCDEFGHIJKLMNPQRSTUVWXYZ";
pub const KEY_LEN: usize = 8;

/// An object key: 8 characters of [`KEY_ALPHABET`], unique within a library.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey([u8; KEY_LEN]);

impl ObjectKey {
    /// Mints a new random key. 33^8 ≈ 1.4e12 possibilities, so collisions in a
    /// library are negligible; stores still enforce uniqueness.
    pub fn random() -> Self {
        let mut rng = rand::rng();
        let mut bytes = [0u8; KEY_LEN];
        for b in &mut bytes {
            *b = KEY_ALPHABET[rng.random_range(0..KEY_ALPHABET.len())];
        }
        Self(bytes)
    }

    pub fn parse(value: &str) -> Result<Self, KeyError> {
        let bytes = value.as_bytes();
        if bytes.len() != KEY_LEN || !bytes.iter().all(|b| KEY_ALPHABET.contains(b)) {
            return Err(KeyError {
                value: value.to_owned(),
            });
        }
        let mut out = [0u8; KEY_LEN];
        out.copy_from_slice(bytes);
        Ok(Self(out))
    }

    pub fn is_valid(value: &str) -> bool {
        Self::parse(value).is_ok()
    }

    pub fn as_str(&self) -> &str {
        // The constructor only admits ASCII bytes from the alphabet.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectKey({})", self.as_str())
    }
}

impl FromStr for ObjectKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for ObjectKey {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Serialize for ObjectKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ObjectKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_keys_are_valid_and_distinct() {
        let keys: std::collections::HashSet<_> = (0..1000).map(|_| ObjectKey::random()).collect();
        assert_eq!(keys.len(), 1000);
        for k in &keys {
            assert!(ObjectKey::is_valid(k.as_str()), "{k}");
        }
    }

    #[test]
    fn rejects_bad_keys() {
        for bad in [
            "",
            "ABCD234",
            "ABCD23456",
            "ABCD2340",
            "ABCD234O",
            "abcd2345",
            "ABCD 345",
            "ÄBCD2345",
        ] {
            assert!(ObjectKey::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            ObjectKey::parse("ABCD2345").map(|k| k.to_string()),
            Ok("ABCD2345".into())
        );
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<ObjectKey>("\"X2345678\"").is_ok());
        assert!(serde_json::from_str::<ObjectKey>("\"x2345678\"").is_err());
    }
}
