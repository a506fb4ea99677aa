//! The limits and rules the document states for what a request may hold,
//! each taken from the constant of the layer that enforces it. utoipa's
//! attributes take only literals for `maximum`, `maxLength` and the like,
//! and a literal would be a second copy of the limit: so the document is
//! given them here, after it is generated, from [`BODIES`] and [`PARAMS`].
//!
//! Lengths are in characters, as JSON Schema's `maxLength` counts them and
//! as the store counts identifiers, owners, key names and scopes, so the
//! document states those limits exactly. The TOTP issuer and account are
//! the exception: they are limited in bytes, since their percent-encoded
//! otpauth URI must fit a QR code. A byte count is never less than the
//! characters, so a label over its `maxLength` is always refused; one of
//! fewer characters but more bytes than that is refused too, which the
//! document cannot say.

use std::time::Duration;

use keysmith::otp::{Hotp, NUMERIC_DIGITS};
use keysmith::recovery::RecoveryCodesRecipe;
use keysmith_store::{
    ALL_SCOPES, ApiKeys, MAX_CREDITS, MAX_IDENTIFIER_LEN, MAX_KEY_NAME_LEN, MAX_PAGE,
    MAX_RATE_LIMIT, RATE_WINDOWS, Scope, ServiceKeys, StartOptions, TotpOptions,
};
use utoipa::openapi::schema::{ArrayItems, Schema, Type};
use utoipa::openapi::{ObjectBuilder, OpenApi, RefOr};

use crate::routes::{reset, totp};

/// No NUL character: the extractors refuse one in any string of a body,
/// a path or a query (`extract.rs`), since PostgreSQL cannot store it.
pub(crate) const NO_NUL: &str = r"^[^\x00]*$";

/// No control character (Unicode Cc, U+0000 to U+001F and U+007F to
/// U+009F), as `char::is_control` refuses them.
pub(crate) const NO_CONTROL: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";

/// No whitespace (Unicode White_Space, as `char::is_whitespace`) and no
/// control character: an API key's scope (`check_scopes` in the store).
pub(crate) const NO_SPACE: &str =
    r"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$";

/// A part of a TOTP label (issuer or account): no `:` and no control
/// character, and not whitespace alone (`check_label_part` in keysmith's
/// `otp`).
pub(crate) const LABEL: &str = concat!(
    r"^[^:\x00-\x1f\x7f-\x9f]*",
    r"[^:\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    r"[^:\x00-\x1f\x7f-\x9f]*$"
);

/// An API key's prefix: `a-z`, `0-9` and `_`, starting with a letter and
/// not ending with `_` (`check_prefix` in keysmith's `apikey`).
pub(crate) const PREFIX: &str = r"^[a-z]([a-z0-9_]*[a-z0-9])?$";

/// A listing's cursor: the `next_cursor` of a page, a time in
/// milliseconds and a record id (`parse_cursor` in the store).
pub(crate) const CURSOR: &str = r"^[+-]?[0-9]{1,18}\.[A-Za-z0-9_]{1,64}$";

/// What one value may be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rule {
    /// A string of `min` to `max` bytes matching `pattern`.
    Text {
        min: usize,
        max: Option<usize>,
        pattern: &'static str,
    },
    /// An integer from `min` to `max`.
    Integer { min: u64, max: u64 },
    /// An array of `min` to `max` items, all different when `unique`.
    Items {
        min: usize,
        max: Option<usize>,
        unique: bool,
    },
    /// One of the service-key scope names, or `all`.
    ScopeName,
    /// An object of any JSON, without NUL in any string or name
    /// ([`JSON_VALUE`]).
    JsonObject,
}

/// The component of any JSON value without NUL in a string or a name.
pub(crate) const JSON_VALUE: &str = "JsonWithoutNul";

const fn text(min: usize, max: usize, pattern: &'static str) -> Rule {
    Rule::Text {
        min,
        max: Some(max),
        pattern,
    }
}

/// Any string without NUL.
const ANY: Rule = Rule::Text {
    min: 0,
    max: None,
    pattern: NO_NUL,
};

const fn int(min: u64, max: u64) -> Rule {
    Rule::Integer { min, max }
}

const fn secs(d: Duration) -> u64 {
    d.as_secs()
}

/// A user id or subject: the store's one rule for identifiers.
const IDENTIFIER: Rule = text(1, MAX_IDENTIFIER_LEN, NO_CONTROL);
const SUBJECT: Rule = IDENTIFIER;
const OWNER: Rule = text(1, ApiKeys::MAX_OWNER_LEN, NO_CONTROL);
const KEY_NAME: Rule = text(1, MAX_KEY_NAME_LEN, NO_CONTROL);
const SCOPES: Rule = Rule::Items {
    min: 0,
    max: Some(ApiKeys::MAX_SCOPES),
    unique: true,
};
const SCOPE: Rule = text(1, ApiKeys::MAX_SCOPE_LEN, NO_SPACE);
const CREDITS: Rule = int(0, MAX_CREDITS);

/// Body schemas: (component, property, rule); `name[]` is each item of the
/// array `name`.
pub(crate) const BODIES: &[(&str, &str, Rule)] = &[
    ("ResetTokenRequest", "user_id", IDENTIFIER),
    (
        "ResetTokenRequest",
        "ttl_seconds",
        int(1, reset::MAX_TTL_SECONDS),
    ),
    ("RedeemRequest", "token", ANY),
    ("OtpStartRequest", "subject", SUBJECT),
    (
        "OtpStartRequest",
        "digits",
        int(*NUMERIC_DIGITS.start() as u64, *NUMERIC_DIGITS.end() as u64),
    ),
    (
        "OtpStartRequest",
        "ttl_seconds",
        int(
            secs(*StartOptions::TTLS.start()),
            secs(*StartOptions::TTLS.end()),
        ),
    ),
    (
        "OtpStartRequest",
        "max_attempts",
        int(1, StartOptions::MAX_ATTEMPTS as u64),
    ),
    ("OtpCheckRequest", "code", ANY),
    ("OtpCheckRequest", "subject", ANY),
    ("TotpEnrolRequest", "subject", SUBJECT),
    (
        "TotpEnrolRequest",
        "issuer",
        text(1, totp::MAX_ISSUER_BYTES, LABEL),
    ),
    (
        "TotpEnrolRequest",
        "account",
        text(1, totp::MAX_ACCOUNT_BYTES, LABEL),
    ),
    (
        "TotpEnrolRequest",
        "digits",
        int(*Hotp::DIGITS.start() as u64, *Hotp::DIGITS.end() as u64),
    ),
    (
        "TotpEnrolRequest",
        "period",
        int(*TotpOptions::PERIODS.start(), *TotpOptions::PERIODS.end()),
    ),
    ("TotpCodeRequest", "code", ANY),
    ("TotpVerifyRequest", "subject", SUBJECT),
    ("TotpVerifyRequest", "code", ANY),
    ("RecoveryCodesRequest", "subject", SUBJECT),
    (
        "RecoveryCodesRequest",
        "count",
        int(1, RecoveryCodesRecipe::MAX_COUNT as u64),
    ),
    ("RecoveryRedeemRequest", "subject", SUBJECT),
    ("RecoveryRedeemRequest", "code", ANY),
    ("ApiKeyCreateRequest", "owner", OWNER),
    (
        "ApiKeyCreateRequest",
        "prefix",
        text(1, keysmith::apikey::MAX_PREFIX_LEN, PREFIX),
    ),
    ("ApiKeyCreateRequest", "scopes", SCOPES),
    ("ApiKeyCreateRequest", "scopes[]", SCOPE),
    ("ApiKeyCreateRequest", "name", KEY_NAME),
    ("ApiKeyCreateRequest", "remaining", CREDITS),
    ("ApiKeyCreateRequest", "meta", Rule::JsonObject),
    ("ApiKeyPatch", "name", KEY_NAME),
    ("ApiKeyPatch", "scopes", SCOPES),
    ("ApiKeyPatch", "scopes[]", SCOPE),
    ("ApiKeyPatch", "remaining", CREDITS),
    ("ApiKeyPatch", "meta", Rule::JsonObject),
    ("RefillBody", "amount", int(1, MAX_CREDITS)),
    ("RateLimitBody", "limit", int(1, MAX_RATE_LIMIT)),
    (
        "RateLimitBody",
        "window_seconds",
        int(secs(*RATE_WINDOWS.start()), secs(*RATE_WINDOWS.end())),
    ),
    ("ApiKeyVerifyRequest", "key", ANY),
    ("ApiKeyVerifyRequest", "required_scopes[]", ANY),
    ("ApiKeyVerifyRequest", "cost", int(0, u64::MAX)),
    (
        "ApiKeyRotateRequest",
        "grace_seconds",
        int(0, secs(ApiKeys::MAX_ROTATION_GRACE)),
    ),
    (
        "ServiceKeyCreateRequest",
        "name",
        text(1, ServiceKeys::MAX_NAME_LEN, NO_CONTROL),
    ),
    (
        "ServiceKeyCreateRequest",
        "scopes",
        // Names given twice are taken once.
        Rule::Items {
            min: 1,
            max: None,
            unique: false,
        },
    ),
    ("ServiceKeyCreateRequest", "scopes[]", Rule::ScopeName),
    ("ReportedToken", "url", ANY),
    ("ReportedToken", "source", ANY),
];

/// Parameters: (operation id, parameter, rule).
pub(crate) const PARAMS: &[(&str, &str, Rule)] = &[
    ("list_api_keys", "owner", OWNER),
    ("list_api_keys", "limit", int(1, MAX_PAGE as u64)),
    (
        "list_api_keys",
        "cursor",
        Rule::Text {
            min: 1,
            max: None,
            pattern: CURSOR,
        },
    ),
    ("get_api_key", "id", ANY),
    ("update_api_key", "id", ANY),
    ("revoke_api_key", "id", ANY),
    ("rotate_api_key", "id", ANY),
    ("check_otp", "challenge_id", ANY),
    ("unlock_otp_subject", "subject", SUBJECT),
    ("list_totp", "subject", SUBJECT),
    ("confirm_totp", "factor_id", ANY),
    ("delete_totp", "factor_id", ANY),
    ("recovery_codes_status", "subject", SUBJECT),
    ("revoke_service_key", "id", ANY),
];

/// An integer schema from `min` to `max`.
pub(crate) fn integer(min: u64, max: u64) -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(min))
            .maximum(Some(max))
            .build(),
    )
}

/// States `rule` on `schema`, which must be of the rule's kind.
fn state(schema: &mut Schema, rule: Rule, at: &str) -> Result<(), String> {
    match (schema, rule) {
        (Schema::Object(o), Rule::Text { min, max, pattern })
            if is(&o.schema_type, Type::String) =>
        {
            o.min_length = (min > 0).then_some(min);
            o.max_length = max;
            o.pattern = Some(pattern.to_owned());
        }
        (Schema::Object(o), Rule::Integer { min, max }) if is(&o.schema_type, Type::Integer) => {
            o.minimum = Some(min.into());
            o.maximum = Some(max.into());
            // `format: int64` would bound it again, and differently.
            o.format = None;
        }
        (Schema::Object(o), Rule::ScopeName) if is(&o.schema_type, Type::String) => {
            let names = Scope::ALL.iter().map(|s| s.as_str()).chain([ALL_SCOPES]);
            o.enum_values = Some(names.map(Into::into).collect());
        }
        (Schema::Object(o), Rule::JsonObject) if is(&o.schema_type, Type::Object) => {
            *o = json_object()
                .description(o.description.take())
                .schema_type(o.schema_type.clone())
                .build();
        }
        (Schema::Array(a), Rule::Items { min, max, unique }) => {
            a.min_items = (min > 0).then_some(min);
            a.max_items = max;
            a.unique_items = unique;
        }
        _ => return Err(format!("{at}: not the kind of value its rule is for")),
    }
    Ok(())
}

fn is(t: &utoipa::openapi::schema::SchemaType, wanted: Type) -> bool {
    use utoipa::openapi::schema::SchemaType;
    match t {
        SchemaType::Type(one) => *one == wanted,
        SchemaType::Array(many) => many.contains(&wanted),
        SchemaType::AnyValue => false,
    }
}

fn property<'a>(schema: &'a mut Schema, name: &str) -> Option<&'a mut Schema> {
    let Schema::Object(o) = schema else {
        return None;
    };
    match o.properties.get_mut(name)? {
        RefOr::T(s) => Some(s),
        RefOr::Ref(_) => None,
    }
}

fn items(schema: &mut Schema) -> Option<&mut Schema> {
    match schema {
        Schema::Array(a) => match &mut a.items {
            ArrayItems::RefOrSchema(item) => match item.as_mut() {
                RefOr::T(s) => Some(s),
                RefOr::Ref(_) => None,
            },
            ArrayItems::False => None,
        },
        _ => None,
    }
}

fn no_nul_string() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(NO_NUL))
}

/// An object whose names have no NUL, and whose values are [`JSON_VALUE`]s.
fn json_object() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(no_nul_string()))
        .additional_properties(Some(utoipa::openapi::Ref::from_schema_name(JSON_VALUE)))
}

/// [`JSON_VALUE`]: null, a boolean, a number, a string without NUL, or an
/// array or object of them.
fn json_value() -> Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder};
    let value = || utoipa::openapi::Ref::from_schema_name(JSON_VALUE);
    AnyOfBuilder::new()
        .item(
            ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::Array(vec![
                Type::Null,
                Type::Boolean,
                Type::Number,
            ])),
        )
        .item(no_nul_string())
        .item(ArrayBuilder::new().items(value()))
        .item(json_object())
        .description(Some("Any JSON, without NUL in a string or a name"))
        .build()
        .into()
}

/// States every rule of [`BODIES`] and [`PARAMS`] in `doc`.
///
/// # Errors
///
/// A message naming the first rule whose place the document does not
/// have, or that is not of the rule's kind.
pub(crate) fn apply(doc: &mut OpenApi) -> Result<(), String> {
    let schemas = &mut doc
        .components
        .as_mut()
        .ok_or("the document has no components")?
        .schemas;
    for (component, field, rule) in BODIES {
        let at = format!("{component}.{field}");
        let schema = match schemas.get_mut(*component) {
            Some(RefOr::T(s)) => s,
            _ => return Err(format!("{at}: no such schema")),
        };
        let target = match field.strip_suffix("[]") {
            Some(array) => property(schema, array).and_then(items),
            None => property(schema, field),
        };
        state(target.ok_or(format!("{at}: no such property"))?, *rule, &at)?;
    }
    schemas.insert(JSON_VALUE.to_owned(), json_value().into());
    refill_needs_remaining(schemas.get_mut("ApiKeyCreateRequest"))?;
    for (operation, name, rule) in PARAMS {
        let at = format!("{operation}({name})");
        let parameter = doc
            .paths
            .paths
            .values_mut()
            .flat_map(path_operations)
            .filter(|op| op.operation_id.as_deref() == Some(operation))
            .flat_map(|op| op.parameters.iter_mut().flatten())
            .find_map(|p| match p {
                RefOr::T(p) if p.name == *name => Some(p),
                _ => None,
            })
            .ok_or(format!("{at}: no such parameter"))?;
        match parameter.schema.as_mut() {
            Some(RefOr::T(s)) => state(s, *rule, &at)?,
            _ => return Err(format!("{at}: no inline schema")),
        }
    }
    Ok(())
}

/// A new key's refill needs credits to refill (`KeyPolicy::check` in the
/// store): `refill` absent or null, or `remaining` an integer. The
/// object's schema becomes the first of an `allOf` whose second says so.
fn refill_needs_remaining(schema: Option<&mut RefOr<Schema>>) -> Result<(), String> {
    use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder};
    let Some(RefOr::T(object @ Schema::Object(_))) = schema else {
        return Err("ApiKeyCreateRequest: no such object schema".into());
    };
    let no_refill =
        ObjectBuilder::new().property("refill", ObjectBuilder::new().schema_type(Type::Null));
    let credits = ObjectBuilder::new()
        .property("remaining", ObjectBuilder::new().schema_type(Type::Integer))
        .required("remaining");
    let either = AnyOfBuilder::new()
        .item(no_refill)
        .item(credits)
        .description(Some("A refill needs `remaining`"));
    let fields = std::mem::replace(object, Schema::Object(Default::default()));
    *object = AllOfBuilder::new().item(fields).item(either).build().into();
    Ok(())
}

/// The operations of a path, whatever their method.
pub(crate) fn path_operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}
