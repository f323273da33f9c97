//! The requests the API reads, checked field by field.

use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, codes};
use crate::model::Item;
use crate::wire::fields::{
    Object, get, invalid, metadata, opt_amount, opt_integer, opt_string, phone, string,
};

/// Smallest and largest payment total.
const MIN_TOTAL: Decimal = Decimal::from_parts(100, 0, 0, false, 2);
const MAX_TOTAL: Decimal = Decimal::from_parts(150_000, 0, 0, false, 2);

/// A checked create-payment request.
#[derive(Debug, Clone)]
pub(crate) struct NewPayment {
    pub(crate) total: Decimal,
    pub(crate) subtotal: Option<Decimal>,
    pub(crate) tax: Option<Decimal>,
    pub(crate) timeout_secs: u32,
    pub(crate) metadata1: String,
    pub(crate) metadata2: String,
    pub(crate) phone_number: Option<String>,
    pub(crate) items: Vec<Item>,
}

/// Checks a total against the 1.00–1500.00 limits.
pub(crate) fn check_total(total: Decimal) -> Result<(), ApiError> {
    if total.is_zero() {
        Err(ApiError::bad(codes::AMOUNT_ZERO, "Amount cannot be zero"))
    } else if total < MIN_TOTAL {
        Err(ApiError::bad(
            codes::AMOUNT_UNDER_MINIMUM,
            "Amount is under the minimum of 1.00",
        ))
    } else if total > MAX_TOTAL {
        Err(ApiError::bad(
            codes::AMOUNT_OVER_LIMIT,
            "Amount is over the limit of 1500.00",
        ))
    } else {
        Ok(())
    }
}

/// Reads the create-payment body (the public token is checked by the caller).
pub(crate) fn new_payment(obj: &Object) -> Result<NewPayment, ApiError> {
    let total = opt_amount(obj, "total")?.ok_or_else(|| invalid("Missing field: total"))?;
    check_total(total)?;
    // Display values: production does not check subtotal + tax = total
    // (a captured row has subtotal 0.0 for a total of 1.0).
    let subtotal = opt_amount(obj, "subtotal")?;
    let tax = opt_amount(obj, "tax")?;
    let timeout = opt_integer(obj, "timeout")?.unwrap_or(600);
    let timeout_secs = u32::try_from(timeout)
        .ok()
        .filter(|t| (120..=600).contains(t))
        .ok_or_else(|| invalid("timeout must be between 120 and 600 seconds"))?;
    let phone_number = match opt_string(obj, "phoneNumber")? {
        Some(p) if !p.trim().is_empty() => Some(phone(&p)?),
        _ => None,
    };
    Ok(NewPayment {
        total,
        subtotal,
        tax,
        timeout_secs,
        metadata1: metadata(obj, "metadata1")?,
        metadata2: metadata(obj, "metadata2")?,
        phone_number,
        items: items(obj)?,
    })
}

fn items(obj: &Object) -> Result<Vec<Item>, ApiError> {
    let list = match get(obj, "items") {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid("Invalid format: items")),
    };
    list.iter()
        .map(|v| {
            let item = v
                .as_object()
                .ok_or_else(|| invalid("Invalid format: items"))?;
            let quantity = opt_integer(item, "quantity")?.unwrap_or(1);
            Ok(Item {
                name: opt_string(item, "name")?.unwrap_or_default(),
                description: opt_string(item, "description")?.unwrap_or_default(),
                quantity: u32::try_from(quantity)
                    .map_err(|_| invalid("Invalid format: quantity"))?,
                price: opt_amount(item, "price")?.unwrap_or_default(),
                tax: opt_amount(item, "tax")?,
                metadata: opt_string(item, "metadata")?,
            })
        })
        .collect()
}

/// `ecommerceId` of a body.
pub(crate) fn ecommerce_id(obj: &Object) -> Result<Uuid, ApiError> {
    let id = string(obj, "ecommerceId")?;
    Uuid::parse_str(id.trim()).map_err(|_| {
        ApiError::bad(
            codes::ECOMMERCE_NOT_FOUND,
            "Ecommerce transaction does not exist",
        )
    })
}

/// A checked refund request.
#[derive(Debug, Clone)]
pub(crate) struct RefundRequest {
    pub(crate) reference_number: String,
    pub(crate) amount: Decimal,
    pub(crate) message: String,
}

/// Reads the refund body (tokens are checked by the caller).
pub(crate) fn refund(obj: &Object) -> Result<RefundRequest, ApiError> {
    let reference_number = string(obj, "referenceNumber")?;
    let amount = opt_amount(obj, "amount")?.ok_or_else(|| invalid("Missing field: amount"))?;
    let message = opt_string(obj, "message")?.unwrap_or_default();
    check_refund(Some(amount), &message)?;
    Ok(RefundRequest {
        reference_number,
        amount,
        message,
    })
}

/// A refund the business makes in the ATH Business app.
#[derive(Debug, Clone, Default)]
pub(crate) struct AppRefund {
    /// How much; all that is left when absent.
    pub(crate) amount: Option<Decimal>,
    /// The message to the customer.
    pub(crate) message: String,
}

/// Reads `{"amount"?, "message"?}`; an empty body refunds all that is left.
pub(crate) fn app_refund(body: &[u8]) -> Result<AppRefund, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(AppRefund::default());
    }
    let obj = super::fields::object(body)?;
    Ok(AppRefund {
        amount: opt_amount(&obj, "amount")?,
        message: opt_string(&obj, "message")?.unwrap_or_default(),
    })
}

/// Checks a refund's amount, when given (not zero: BTRA_0013; not negative:
/// BTRA_0001), and its message (at most 50 characters: BTRA_0040).
pub(crate) fn check_refund(amount: Option<Decimal>, message: &str) -> Result<(), ApiError> {
    if let Some(amount) = amount {
        if amount.is_zero() {
            return Err(ApiError::bad(codes::AMOUNT_ZERO, "Amount cannot be zero"));
        }
        if amount.is_sign_negative() {
            return Err(ApiError::bad(
                codes::AMOUNT_UNDER_MINIMUM,
                "Amount is under the minimum",
            ));
        }
    }
    if message.chars().count() > 50 {
        return Err(ApiError::bad(
            codes::MESSAGE_TOO_LONG,
            "Message exceeds 50 characters",
        ));
    }
    Ok(())
}
