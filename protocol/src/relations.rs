use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Relations between objects, by predicate (`dc:relation`, `owl:sameAs`,
/// `dc:replaces`) to object URIs. In JSON a single URI is a string and several
/// are an array; both are read, and written the same way back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relations(pub BTreeMap<String, Vec<String>>);

impl Relations {
    pub fn is_empty(&self) -> bool {
        self.0.values().all(Vec::is_empty)
    }

    pub fn add(&mut self, predicate: &str, uri: &str) {
        let list = self.0.entry(predicate.to_owned()).or_default();
        if !list.iter().any(|u| u == uri) {
            list.push(uri.to_owned());
        }
    }

    pub fn remove(&mut self, predicate: &str, uri: &str) {
        if let Some(list) = self.0.get_mut(predicate) {
            list.retain(|u| u != uri);
            if list.is_empty() {
                self.0.remove(predicate);
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Serialize for Relations {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<&String, OneOrMany> = self
            .0
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| {
                let value = if v.len() == 1 {
                    OneOrMany::One(v[0].clone())
                } else {
                    OneOrMany::Many(v.clone())
                };
                (k, value)
            })
            .collect();
        map.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Relations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Zotero writes an empty relations object as `[]` in places; accept it.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Map(BTreeMap<String, OneOrMany>),
            // Only its shape matters: an empty array means no relations.
            #[allow(dead_code)]
            Empty(Vec<serde_json::Value>),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Map(map) => Relations(
                map.into_iter()
                    .map(|(k, v)| {
                        let list = match v {
                            OneOrMany::One(s) => vec![s],
                            OneOrMany::Many(v) => v,
                        };
                        (k, list)
                    })
                    .collect(),
            ),
            Raw::Empty(_) => Relations::default(),
        })
    }
}
