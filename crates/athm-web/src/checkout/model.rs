//! A validated checkout and the merchant's request for one.

use athm_domain::{
    Amount, FieldError, Item, Metadata, PaymentRequest, PaymentTimeout, PhoneNumber, Problem, Total,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the customer will be asked to pay, validated with the domain's value
/// types; signed into a token so that the browser cannot change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    /// What the customer pays (1.00–1500.00).
    pub total: Total,
    /// The subtotal shown to the customer (a display value: not checked against `total`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<Amount>,
    /// The tax shown to the customer (a display value, like `subtotal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<Amount>,
    /// The merchant's first metadata field (≤ 40 characters).
    #[serde(default)]
    pub metadata1: Metadata,
    /// The merchant's second metadata field (≤ 40 characters).
    #[serde(default)]
    pub metadata2: Metadata,
    /// What is bought.
    #[serde(default)]
    pub items: Vec<Item>,
    /// How long the customer has to approve.
    #[serde(default)]
    pub timeout: PaymentTimeout,
    /// Where the browser goes after a completed payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    /// Where the browser goes after a cancelled, expired or failed payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_url: Option<String>,
}

impl Checkout {
    /// A checkout of `total` with nothing else set.
    pub fn new(total: Total) -> Self {
        Self {
            total,
            subtotal: None,
            tax: None,
            metadata1: Metadata::default(),
            metadata2: Metadata::default(),
            items: Vec::new(),
            timeout: PaymentTimeout::default(),
            success_url: None,
            failure_url: None,
        }
    }

    /// The payment request for this checkout, pushed to `phone`.
    pub fn payment_request(&self, phone: Option<PhoneNumber>) -> PaymentRequest {
        PaymentRequest {
            total: self.total,
            subtotal: self.subtotal,
            tax: self.tax,
            metadata_1: self.metadata1.clone(),
            metadata_2: self.metadata2.clone(),
            phone_number: phone,
            items: self.items.clone(),
            timeout: self.timeout,
        }
    }

    /// Checks what the field types cannot ([`PaymentRequest::validate`]:
    /// subtotal and tax within ATH Móvil's amount format) and the URLs.
    ///
    /// # Errors
    /// A [`FieldError`] naming the first field refused.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.payment_request(None).validate()?;
        check_url("success_url", self.success_url.as_deref())?;
        check_url("failure_url", self.failure_url.as_deref())
    }
}

/// `POST /api/checkouts` as the merchant sends it: amounts as strings or
/// numbers, items as ATH Móvil lists them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    /// Required: 1.00–1500.00.
    pub total: Option<Value>,
    /// Optional display value, 0.00–9999.99; not checked against `total`.
    pub subtotal: Option<Value>,
    /// Optional display value, 0.00–9999.99; not checked against `total`.
    pub tax: Option<Value>,
    /// Optional, ≤ 40 characters.
    pub metadata1: Option<String>,
    /// Optional, ≤ 40 characters.
    pub metadata2: Option<String>,
    /// Optional array of `{name, description, quantity, price, tax?, metadata?}`.
    pub items: Option<Value>,
    /// Optional absolute http(s) URL or a path starting with `/`.
    pub success_url: Option<String>,
    /// Optional absolute http(s) URL or a path starting with `/`.
    pub failure_url: Option<String>,
    /// Optional seconds, 120–600 (default 600).
    pub timeout: Option<Value>,
}

impl TryFrom<CheckoutRequest> for Checkout {
    type Error = FieldError;

    fn try_from(request: CheckoutRequest) -> Result<Self, FieldError> {
        let total = match decimal_text("total", request.total.as_ref())? {
            Some(text) => Total::new(Amount::parse_exact("total", &text)?)?,
            None => return Err(FieldError::new("total", Problem::Missing)),
        };
        let amount = |field, value: Option<&Value>| -> Result<Option<Amount>, FieldError> {
            decimal_text(field, value)?
                .map(|text| Amount::parse_field(field, &text))
                .transpose()
        };
        let timeout = match decimal_text("timeout", request.timeout.as_ref())? {
            None => PaymentTimeout::default(),
            Some(text) => PaymentTimeout::new(text.parse().map_err(|_| {
                FieldError::new(
                    "timeout",
                    Problem::Format {
                        expected: "whole seconds",
                    },
                )
            })?)?,
        };
        let text = |field, value: Option<String>| {
            Metadata::parse_field(field, value.as_deref().unwrap_or_default())
        };
        let url = |value: Option<String>| value.filter(|u| !u.trim().is_empty());
        let checkout = Checkout {
            total,
            subtotal: amount("subtotal", request.subtotal.as_ref())?,
            tax: amount("tax", request.tax.as_ref())?,
            metadata1: text("metadata1", request.metadata1)?,
            metadata2: text("metadata2", request.metadata2)?,
            items: Item::list_from_json(request.items.as_ref())?,
            timeout,
            success_url: url(request.success_url),
            failure_url: url(request.failure_url),
        };
        checkout.validate()?;
        Ok(checkout)
    }
}

/// A number or a numeric string as text; `None` when absent, null or "".
fn decimal_text(field: &'static str, value: Option<&Value>) -> Result<Option<String>, FieldError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(FieldError::new(
            field,
            Problem::Format {
                expected: "a number or a numeric string",
            },
        )),
    }
}

/// The largest URL accepted.
const MAX_URL: usize = 2048;

/// An absolute http(s) URL, or a path on this site (never `//host`, nor
/// `/\host`: browsers read a backslash as a slash, so no backslash at all).
impl Checkout {
    /// Checks that `success_url` and `failure_url` are paths on this site or
    /// lead to one of `origins` ([`crate::WebConfig::redirect_origins`]), so
    /// that a checkout cannot send the customer on to a look-alike site.
    ///
    /// # Errors
    /// A [`FieldError`] naming the URL field that leads elsewhere.
    pub fn check_redirects(&self, origins: &[String]) -> Result<(), FieldError> {
        let urls = [
            ("success_url", self.success_url.as_deref()),
            ("failure_url", self.failure_url.as_deref()),
        ];
        for (field, url) in urls {
            let Some(url) = url else { continue };
            // A path: validate() already refused `//host` and backslashes.
            if url.starts_with('/') {
                continue;
            }
            let allowed = origin_of(url)
                .is_some_and(|origin| origins.iter().any(|o| o.eq_ignore_ascii_case(origin)));
            if !allowed {
                return Err(FieldError::new(
                    field,
                    Problem::Format {
                        expected: "a path on this site, or a URL on an origin listed in ATHM_REDIRECT_ORIGINS",
                    },
                ));
            }
        }
        Ok(())
    }
}

/// The origin (`scheme://authority`) of an absolute URL, such as
/// `https://shop.example.com` of `https://shop.example.com/thanks?order=1`.
/// The whole authority is kept, so `https://shop.example.com@evil.example`
/// is not `https://shop.example.com`'s.
pub fn origin_of(url: &str) -> Option<&str> {
    let authority = url.find("://")? + 3;
    let end = url[authority..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |at| authority + at);
    (end > authority).then(|| &url[..end])
}

fn check_url(field: &'static str, url: Option<&str>) -> Result<(), FieldError> {
    let Some(url) = url else { return Ok(()) };
    if url.len() > MAX_URL {
        return Err(FieldError::new(field, Problem::TooLong { max: MAX_URL }));
    }
    let lower = url.to_ascii_lowercase();
    let shape_ok = lower.starts_with("https://")
        || lower.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"));
    if !shape_ok
        || url
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    {
        return Err(FieldError::new(
            field,
            Problem::Format {
                expected: "an http(s) URL or a path starting with /",
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
