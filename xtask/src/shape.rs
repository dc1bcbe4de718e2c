//! serde impls of the xtask's types, written with `macro_rules!` instead of serde_derive,
//! which would add a proc-macro stack (syn, quote, proc-macro2) to every cold build.
//!
//! Each macro makes the calls serde_derive's impl made for the same declaration, so a
//! format sees the same struct and enum names, keys and order, and every message (toml's
//! "unknown field" at the key, "missing field", "duplicate field") stays the same. A type's
//! invocation sits right below its declaration, each key written as it is in the file:
//! - [`deserialize_struct!`]: a struct read from a map (a TOML table, a JSON object);
//! - [`serialize_struct!`]: a struct written as one, its fields in order;
//! - [`serde_struct!`]: both, from one list, for a type written and read back;
//! - [`unit_enum!`]: an enum of unit variants, written and read as their names.
//!
//! The rest (`#[serde(tag)]` enums, `flatten`, a newtype) are short impls beside their type.
//!
//! Unlike serde_derive's, a struct is read only from a map (not from an array of its fields
//! in order) and a key or a variant only from a string (not from its index or bytes): what
//! JSON and TOML give, and no file the xtask reads has another form.

use std::fmt;
use std::marker::PhantomData;

use serde_core::de::{self, DeserializeSeed, Deserializer, Visitor};
use serde_core::ser::SerializeMap;

/// `Deserialize` for a struct with named fields, as serde_derive makes it:
///
/// ```text
/// deserialize_struct! { deny_unknown_fields MemberSettings {
///     layers: "layers" = default,
///     pytest_args: "pytest-args" = default,
///     env: "env",
/// } }
/// ```
///
/// - `deny_unknown_fields` (before the name): another key is an error raised while the key
///   is read ([`Key`]), so toml points at the key; without it, other keys are skipped;
/// - a key given twice is an error;
/// - a missing key is its field's `Default` with `= default` (`#[serde(default)]`), else
///   what serde_derive makes it: `None` for an `Option`, else a "missing field" error.
///
/// Every field must be listed: the struct is built from them.
macro_rules! deserialize_struct {
    (deny_unknown_fields $name:ident { $($field:ident: $key:literal $(= $default:ident)?),* $(,)? }) => {
        $crate::shape::deserialize_struct!(@impl true, $name { $($field: $key $(= $default)?),* });
    };
    ($name:ident { $($field:ident: $key:literal $(= $default:ident)?),* $(,)? }) => {
        $crate::shape::deserialize_struct!(@impl false, $name { $($field: $key $(= $default)?),* });
    };
    (@missing $error:ty, $key:literal default) => {
        ::core::default::Default::default()
    };
    (@missing $error:ty, $key:literal) => {
        $crate::shape::missing::<_, $error>($key)?
    };
    (@impl $deny:literal, $name:ident { $($field:ident: $key:literal $(= $default:ident)?),* }) => {
        impl<'de> ::serde_core::Deserialize<'de> for $name {
            fn deserialize<D: ::serde_core::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                const FIELDS: &[&str] = &[$($key),*];
                struct StructVisitor;
                impl<'de> ::serde_core::de::Visitor<'de> for StructVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }
                    fn visit_map<A: ::serde_core::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::core::result::Result<$name, A::Error> {
                        $(let mut $field = None;)*
                        while let Some(key) = map.next_key_seed($crate::shape::Key { fields: FIELDS, deny: $deny })? {
                            match key {
                                $(Some($key) => {
                                    if $field.is_some() {
                                        return Err(<A::Error as ::serde_core::de::Error>::duplicate_field($key));
                                    }
                                    $field = Some(map.next_value()?);
                                })*
                                _ => {
                                    map.next_value::<::serde_core::de::IgnoredAny>()?;
                                }
                            }
                        }
                        Ok($name {
                            $($field: match $field {
                                Some(value) => value,
                                None => $crate::shape::deserialize_struct!(@missing A::Error, $key $($default)?),
                            }),*
                        })
                    }
                }
                deserializer.deserialize_struct(stringify!($name), FIELDS, StructVisitor)
            }
        }
    };
}
pub(crate) use deserialize_struct;

/// `Serialize` for a struct with named fields, as serde_derive makes it: `serialize_struct`,
/// then each field under its key, in this order (JSON keeps it):
///
/// ```text
/// serialize_struct! { Change {
///     kind: "kind",
///     files: "files" skip_if Vec::is_empty,
/// } }
/// ```
///
/// `skip_if PATH` is `#[serde(skip_serializing_if = "PATH")]`. Also implements [`Flatten`],
/// for an enum that writes the fields inline (`#[serde(flatten)]`). Every field must be
/// listed: the struct is destructured into them.
macro_rules! serialize_struct {
    ($name:ident { $($field:ident: $key:literal $(skip_if $skip:path)?),* $(,)? }) => {
        impl ::serde_core::Serialize for $name {
            fn serialize<S: ::serde_core::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                use ::serde_core::ser::SerializeStruct;
                let $name { $($field),* } = self;
                let len = 0 $(+ $crate::shape::serialize_struct!(@len $field $($skip)?))*;
                let mut state = serializer.serialize_struct(stringify!($name), len)?;
                $($crate::shape::serialize_struct!(@field state, $key, $field $($skip)?);)*
                state.end()
            }
        }
        impl $crate::shape::Flatten for $name {
            fn serialize_entries<M: ::serde_core::ser::SerializeMap>(&self, map: &mut M) -> ::core::result::Result<(), M::Error> {
                let $name { $($field),* } = self;
                $($crate::shape::serialize_struct!(@entry map, $key, $field $($skip)?);)*
                Ok(())
            }
        }
    };
    (@len $field:ident) => { 1 };
    (@len $field:ident $skip:path) => { usize::from(!$skip($field)) };
    (@field $state:ident, $key:literal, $field:ident) => {
        $state.serialize_field($key, $field)?
    };
    (@field $state:ident, $key:literal, $field:ident $skip:path) => {
        if $skip($field) { $state.skip_field($key)? } else { $state.serialize_field($key, $field)? }
    };
    (@entry $map:ident, $key:literal, $field:ident) => {
        $map.serialize_entry($key, $field)?
    };
    (@entry $map:ident, $key:literal, $field:ident $skip:path) => {
        if !$skip($field) { $map.serialize_entry($key, $field)? }
    };
}
pub(crate) use serialize_struct;

/// Both of the above from one list, for a type the xtask writes and reads back (a record, a
/// cache entry): one key per field, so what is written is what is read.
///
/// ```text
/// serde_struct! { Record {
///     key: "key",
///     items: "items" = default,
///     fetched_from: "fetched_from" = default skip_if Option::is_none,
/// } }
/// ```
macro_rules! serde_struct {
    ($name:ident { $($field:ident: $key:literal $(= $default:ident)? $(skip_if $skip:path)?),* $(,)? }) => {
        $crate::shape::serialize_struct! { $name { $($field: $key $(skip_if $skip)?),* } }
        $crate::shape::deserialize_struct! { $name { $($field: $key $(= $default)?),* } }
    };
}
pub(crate) use serde_struct;

/// `Serialize` and `Deserialize` for an enum of unit variants, as serde_derive makes them:
/// each variant is its name (`unit_enum! { NoTests { Warn = "warn", Pass = "pass" } }`);
/// another name is serde's "unknown variant" error, listing them. The enum is `Copy`, and
/// its variants are listed in their order.
macro_rules! unit_enum {
    ($name:ident { $($variant:ident = $key:literal),* $(,)? }) => {
        impl ::serde_core::Serialize for $name {
            fn serialize<S: ::serde_core::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                let name = match self {
                    $($name::$variant => $key,)*
                };
                serializer.serialize_unit_variant(stringify!($name), *self as u32, name)
            }
        }
        impl<'de> ::serde_core::Deserialize<'de> for $name {
            fn deserialize<D: ::serde_core::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                const VARIANTS: &[&str] = &[$($key),*];
                struct EnumVisitor;
                impl<'de> ::serde_core::de::Visitor<'de> for EnumVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("enum ", stringify!($name)))
                    }
                    fn visit_enum<A: ::serde_core::de::EnumAccess<'de>>(self, data: A) -> ::core::result::Result<$name, A::Error> {
                        let (index, variant) = data.variant_seed($crate::shape::Variant(VARIANTS))?;
                        ::serde_core::de::VariantAccess::unit_variant(variant)?;
                        Ok([$($name::$variant),*][index])
                    }
                }
                deserializer.deserialize_enum(stringify!($name), VARIANTS, EnumVisitor)
            }
        }
    };
}
pub(crate) use unit_enum;

/// A struct's key, read as serde_derive's field identifier reads it: one of `fields`
/// (`Some`), another key to skip (`None`), or, when `deny`, serde's "unknown field" error,
/// raised here so that toml gives it the key's span.
pub struct Key {
    pub fields: &'static [&'static str],
    pub deny: bool,
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<&'static str>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Key {
    type Value = Option<&'static str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        match self.fields.iter().find(|&&field| field == key) {
            Some(&field) => Ok(Some(field)),
            None if self.deny => Err(E::unknown_field(key, self.fields)),
            None => Ok(None),
        }
    }
}

/// A unit variant's name, read as serde_derive's variant identifier reads it: its index in
/// the list, or serde's "unknown variant" error.
pub struct Variant(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Variant {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Variant {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("variant identifier")
    }
    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        self.0.iter().position(|&v| v == name).ok_or_else(|| E::unknown_variant(name, self.0))
    }
}

/// A field whose key is missing, as serde_derive reads it: `None` for an `Option`, else
/// serde's "missing field" error.
pub fn missing<'de, T: serde_core::Deserialize<'de>, E: de::Error>(key: &'static str) -> Result<T, E> {
    struct Missing<E>(&'static str, PhantomData<E>);
    impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
        type Error = E;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, E> {
            Err(E::missing_field(self.0))
        }
        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            visitor.visit_none()
        }
        serde_core::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
            unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
        }
    }
    T::deserialize(Missing(key, PhantomData))
}

/// A struct's fields as entries of a map being written: `#[serde(flatten)]`.
pub trait Flatten {
    fn serialize_entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq)]
    struct Strict {
        name: String,
        pytest_args: Vec<String>,
        timeout: Option<u64>,
    }
    deserialize_struct! { deny_unknown_fields Strict {
        name: "name",
        pytest_args: "pytest-args" = default,
        timeout: "timeout",
    } }

    #[derive(Debug, PartialEq)]
    struct Lax {
        name: String,
    }
    deserialize_struct! { Lax { name: "name" } }

    struct Written {
        zebra: u32,
        files: Vec<String>,
        apple: Option<String>,
    }
    serialize_struct! { Written {
        zebra: "zebra",
        files: "files" skip_if Vec::is_empty,
        apple: "apple-key",
    } }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Runner {
        Module,
        Script,
    }
    unit_enum! { Runner { Module = "python -m pytest", Script = "pytest" } }

    fn toml_error<T: serde_core::de::DeserializeOwned + std::fmt::Debug>(
        text: &str,
    ) -> (String, Option<std::ops::Range<usize>>) {
        let err = toml::from_str::<T>(text).unwrap_err();
        (err.message().to_owned(), err.span())
    }

    #[test]
    fn reads_keys_as_written_with_defaults_and_missing_options() {
        let strict: Strict = toml::from_str("name = \"a\"\npytest-args = [\"-x\"]\n").unwrap();
        assert_eq!(strict, Strict { name: "a".into(), pytest_args: vec!["-x".into()], timeout: None });
        let strict: Strict = toml::from_str("timeout = 3\nname = \"a\"\n").unwrap();
        assert_eq!(strict, Strict { name: "a".into(), pytest_args: vec![], timeout: Some(3) });
    }

    #[test]
    fn an_unknown_key_is_denied_at_the_key_with_the_allowed_ones() {
        let (message, span) = toml_error::<Strict>("name = \"a\"\npytest_args = []\n");
        assert_eq!(message, "unknown field `pytest_args`, expected one of `name`, `pytest-args`, `timeout`");
        assert_eq!(span, Some(11..22), "the key's span, not the value's");
        let lax: Lax = toml::from_str("name = \"a\"\nother = { x = 1 }\n").unwrap();
        assert_eq!(lax, Lax { name: "a".into() }, "skipped where not denied");
    }

    #[test]
    fn a_missing_or_repeated_key_is_serdes_error() {
        assert_eq!(toml_error::<Strict>("timeout = 1\n").0, "missing field `name`");
        let err = serde_json::from_str::<Lax>(r#"{"name": "a", "name": "b"}"#).unwrap_err();
        assert_eq!(err.to_string(), "duplicate field `name` at line 1 column 20");
        let err = serde_json::from_str::<Lax>("[\"a\"]").unwrap_err();
        assert_eq!(err.to_string(), "invalid type: sequence, expected struct Lax at line 1 column 1");
    }

    #[test]
    fn writes_fields_in_order_skipping_as_asked() {
        let written = Written { zebra: 1, files: vec![], apple: None };
        assert_eq!(serde_json::to_string(&written).unwrap(), r#"{"zebra":1,"apple-key":null}"#);
        let written = Written { zebra: 1, files: vec!["f".into()], apple: Some("a".into()) };
        assert_eq!(serde_json::to_string(&written).unwrap(), r#"{"zebra":1,"files":["f"],"apple-key":"a"}"#);
    }

    #[derive(Debug, PartialEq)]
    struct RoundTrip {
        key: String,
        files: Vec<String>,
        from: Option<String>,
    }
    serde_struct! { RoundTrip {
        key: "key",
        files: "files" = default skip_if Vec::is_empty,
        from: "from-remote" = default skip_if Option::is_none,
    } }

    #[test]
    fn what_serde_struct_writes_it_reads_back() {
        for value in [
            RoundTrip { key: "k".into(), files: vec![], from: None },
            RoundTrip { key: "k".into(), files: vec!["a".into()], from: Some("r".into()) },
        ] {
            let written = serde_json::to_string(&value).unwrap();
            assert_eq!(serde_json::from_str::<RoundTrip>(&written).unwrap(), value, "{written}");
        }
        let skipped = RoundTrip { key: "k".into(), files: vec![], from: None };
        assert_eq!(serde_json::to_string(&skipped).unwrap(), r#"{"key":"k"}"#);
    }

    #[test]
    fn unit_variants_are_their_names() {
        assert_eq!(
            serde_json::to_string(&[Runner::Script, Runner::Module]).unwrap(),
            r#"["pytest","python -m pytest"]"#
        );
        assert_eq!(serde_json::from_str::<Runner>("\"pytest\"").unwrap(), Runner::Script);
        let (message, _) = toml_error::<Strict2>("runner = \"nose\"\n");
        assert_eq!(message, "unknown variant `nose`, expected `python -m pytest` or `pytest`");
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Strict2 {
        runner: Runner,
    }
    deserialize_struct! { Strict2 { runner: "runner" } }
}
