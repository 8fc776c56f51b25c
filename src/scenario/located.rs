//! Leaf wrappers for the raw scenario types: values that remember where they were written.
//!
//! [`Located<T>`] wraps `serde_saphyr::Spanned<T>` (foreign, so it cannot carry a
//! `JsonSchema` impl here) and adds the index of the file it came from, so that a value
//! inherited from a `profile:` is reported in the profile file. [`Text`] is the scalar of
//! values with units (`250ms`, `40/s`) that also accepts a plain YAML number, which keeps
//! `untagged` enums (and their poor error messages) out of the raw types. [`OrderedMap`]
//! keeps file order, which the format gives a meaning (file order = class id).

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

thread_local! {
    /// Index (into the loader's file table) of the document being deserialized. Set only
    /// by [`with_file`] around one `from_str` call, so it never leaks between documents.
    static CURRENT_FILE: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` (one deserialization) with every [`Located`] it produces tagged `file`.
pub(super) fn with_file<R>(file: usize, f: impl FnOnce() -> R) -> R {
    let previous = CURRENT_FILE.with(|c| c.replace(file));
    let result = f();
    CURRENT_FILE.with(|c| c.set(previous));
    result
}

/// Where a value was written: file index, 1-based line and column (0 = unknown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub file: usize,
    pub line: u32,
    pub column: u32,
}

/// A value with the place it was written.
#[derive(Clone, Debug)]
pub struct Located<T> {
    pub value: T,
    pub pos: Pos,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(d)?;
        let clamp = |x: u64| u32::try_from(x).unwrap_or(u32::MAX);
        let pos = Pos {
            file: CURRENT_FILE.with(Cell::get),
            line: clamp(spanned.referenced.line()),
            column: clamp(spanned.referenced.column()),
        };
        Ok(Located {
            value: spanned.value,
            pos,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A scalar kept as text: a YAML string, or a number rendered back to text. Units are
/// parsed later (`units.rs`), where the error can say what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number, e.g. `250ms` or `40/s`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.trim().to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Text {
    fn schema_name() -> Cow<'static, str> {
        "ScalarWithUnit".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number"],
            "description": "a number, or a number with a unit: durations `250ms` `2h` `3d`, rates `40/s` `5k/h`"
        })
    }
}

/// A scalar kept as text that may also be the word `off`, which YAML reads as `false`:
/// `false` becomes the text `off` (and `true` the text `on`, which no key accepts), so
/// validation sees what was written.
#[derive(Clone, Debug, PartialEq)]
pub struct TextOrOff(pub String);

impl<'de> Deserialize<'de> for TextOrOff {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TextOrOff;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a percentage such as `10%`, or `off`")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<TextOrOff, E> {
                Ok(TextOrOff(if v { "on" } else { "off" }.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TextOrOff, E> {
                Ok(TextOrOff(v.trim().to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TextOrOff, E> {
                Ok(TextOrOff(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TextOrOff, E> {
                Ok(TextOrOff(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TextOrOff, E> {
                Ok(TextOrOff(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for TextOrOff {
    fn schema_name() -> Cow<'static, str> {
        "PercentageOrOff".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number", "boolean"],
            "description": "a percentage such as `10%`, or `off`"
        })
    }
}

/// A YAML mapping with string keys, in file order.
#[derive(Clone, Debug)]
pub struct OrderedMap<V>(pub Vec<(Located<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = map.next_key::<Located<String>>()? {
                    let v = map.next_value::<V>()?;
                    entries.push((k, v));
                }
                Ok(OrderedMap(entries))
            }
        }
        d.deserialize_map(Vis(std::marker::PhantomData))
    }
}

impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}
