//! A line item of a payment.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Amount;
use super::lenient::{amount, field, opt_text, text};
use crate::error::{FieldError, Problem};

/// One thing bought, as ATH Móvil lists it in a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// What it is.
    pub name: String,
    /// A longer description.
    pub description: String,
    /// How many.
    pub quantity: u32,
    /// The unit price.
    pub price: Amount,
    /// Tax on the item, when given.
    pub tax: Option<Amount>,
    /// The merchant's own data for the item (a SKU, say), when given.
    pub metadata: Option<String>,
}

impl Item {
    /// Reads items as ATH Móvil sends them: an array, a JSON-encoded array in a string, or nothing.
    ///
    /// # Errors
    /// [`FieldError`] naming `items` when it is neither, or an item is unreadable.
    pub fn list_from_json(value: Option<&Value>) -> Result<Vec<Item>, FieldError> {
        let bad = || {
            FieldError::new(
                "items",
                Problem::Format {
                    expected: "an array of items",
                },
            )
        };
        match value {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Vec::new()),
            Some(Value::String(s)) => {
                Self::list_from_json(Some(&serde_json::from_str(s).map_err(|_| bad())?))
            }
            Some(Value::Array(items)) => items.iter().map(Self::from_json).collect(),
            Some(_) => Err(bad()),
        }
    }

    /// Reads one item, tolerating numbers as strings and missing optional fields.
    ///
    /// # Errors
    /// [`FieldError`] when it is not an object or a field is unreadable.
    pub fn from_json(value: &Value) -> Result<Item, FieldError> {
        let object = value.as_object().ok_or_else(|| {
            FieldError::new(
                "items",
                Problem::Format {
                    expected: "an array of objects",
                },
            )
        })?;
        let quantity = match opt_text(field(object, &["quantity"])) {
            None => 1,
            Some(q) => q
                .parse::<rust_decimal::Decimal>()
                .ok()
                .filter(|d| d.fract().is_zero() && !d.is_sign_negative())
                .and_then(|d| u32::try_from(d.mantissa() / 10i128.pow(d.scale())).ok())
                .ok_or_else(|| {
                    FieldError::new(
                        "items.quantity",
                        Problem::Format {
                            expected: "a whole number",
                        },
                    )
                })?,
        };
        Ok(Item {
            name: text(field(object, &["name"])),
            description: text(field(object, &["description"])),
            quantity,
            price: amount("items.price", field(object, &["price"]))?.unwrap_or_default(),
            tax: amount("items.tax", field(object, &["tax"]))?,
            metadata: opt_text(field(object, &["metadata", "sku"])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_come_as_arrays_or_json_strings() {
        let array =
            json!([{"name": "Tip", "price": 3.0, "quantity": 1, "tax": 0.0, "metadata": "demo"}]);
        let from_array = Item::list_from_json(Some(&array)).unwrap();
        let from_string = Item::list_from_json(Some(&Value::String(array.to_string()))).unwrap();
        assert_eq!(from_array, from_string);
        assert_eq!(from_array[0].price.to_string(), "3.00");
        assert_eq!(from_array[0].metadata.as_deref(), Some("demo"));
    }

    #[test]
    fn quantities_as_strings_and_null_tax_are_accepted() {
        let items = Item::list_from_json(Some(
            &json!([{"name": "W", "quantity": "2", "price": "24.00", "tax": null}]),
        ))
        .unwrap();
        assert_eq!(items[0].quantity, 2);
        assert_eq!(items[0].tax, None);
    }

    #[test]
    fn fractional_quantities_are_refused() {
        assert!(
            Item::list_from_json(Some(&json!([{"name": "W", "quantity": 1.5, "price": 1}])))
                .is_err()
        );
        assert!(Item::list_from_json(Some(&json!({"name": "W"}))).is_err());
    }
}
