//! ATH Móvil's published error codes (Payment Button API README, "Error
//! messages", github.com/evertec/ATHM-Payment-Button-API), each with the
//! README's English text.

/// Communication error.
pub const COMMUNICATION: &str = "BTRA_9998";
/// Internal error.
pub const INTERNAL: &str = "BTRA_9999";
/// Communication error.
pub const COMMUNICATION_0015: &str = "BTRA_0015";
/// Communication error.
pub const COMMUNICATION_0016: &str = "BTRA_0016";

/// Missing `Authorization: Bearer` header.
pub const TOKEN_INVALID_HEADER: &str = "token.invalid.header";
/// Expired auth token.
pub const TOKEN_EXPIRED: &str = "token.expired";
/// Invalid auth token (bad signature or malformed).
pub const AUTH_INVALID: &str = "BTRA_0401";
/// Auth token expired.
pub const AUTH_EXPIRED: &str = "BTRA_0402";
/// Invalid token: here, an auth token for another payment.
pub const AUTH_FORBIDDEN: &str = "BTRA_0403";
/// Unknown public token or wrong private token.
pub const INVALID_TOKEN: &str = "BTRA_0017";

/// Amount under the minimum (1.00), or negative.
pub const AMOUNT_UNDER_MINIMUM: &str = "BTRA_0001";
/// Amount over the limit (1500.00), or a refund over what is left to refund.
pub const AMOUNT_OVER_LIMIT: &str = "BTRA_0004";
/// Amount is zero.
pub const AMOUNT_ZERO: &str = "BTRA_0013";
/// Amount out of bounds (`<4 digits>.<2 digits>`).
pub const AMOUNT_OUT_OF_BOUNDS: &str = "BTRA_0020";
/// Amount under 0.01.
pub const AMOUNT_UNDER_A_CENT: &str = "BTRA_0028";
/// Tip over the limits.
pub const TIP_OVER_LIMIT: &str = "BTRA_0042";
/// Amount over the financial institution's limits.
pub const OVER_INSTITUTION_LIMIT: &str = "BTRA_0044";
/// Amount over the card's limits.
pub const OVER_CARD_LIMIT: &str = "BTRA_0045";
/// Tip exceeds the amount.
pub const TIP_OVER_AMOUNT: &str = "BTRA_0051";

/// Customer pending regain-access verification.
pub const CUSTOMER_PENDING_VERIFICATION: &str = "BTRA_0002";
/// The customer's card is the business's card.
pub const SAME_CARD_AS_BUSINESS: &str = "BTRA_0003";
/// The card does not belong to the business.
pub const CARD_NOT_OF_BUSINESS: &str = "BTRA_0011";
/// Source and target cards are the same.
pub const SAME_SOURCE_AND_TARGET: &str = "BTRA_0012";
/// `customerId` does not exist.
pub const CUSTOMER_NOT_FOUND: &str = "BTRA_0049";

/// Business not active.
pub const BUSINESS_INACTIVE: &str = "BTRA_0009";
/// Business not active.
pub const BUSINESS_NOT_ACTIVE: &str = "BTRA_0010";
/// The business is not a non-profit.
pub const NOT_NON_PROFIT: &str = "BTRA_0027";
/// The business is not the owner of the payment.
pub const NOT_PAYMENT_OWNER: &str = "BTRA_0043";
/// Tips are disabled.
pub const TIPS_DISABLED: &str = "BTRA_0050";

/// Invalid format or missing body/field.
pub const INVALID_FORMAT: &str = "BTRA_0006";
/// A field is blank.
pub const FIELD_BLANK: &str = "BTRA_0018";
/// A field is null.
pub const FIELD_NULL: &str = "BTRA_0019";
/// `transactionType` not valid.
pub const INVALID_TRANSACTION_TYPE: &str = "BTRA_0021";
/// A required parameter is missing.
pub const MISSING_PARAMETER: &str = "BTRA_0029";
/// Metadata over 40 characters.
pub const METADATA_TOO_LONG: &str = "BTRA_0038";
/// Refund message over 50 characters.
pub const MESSAGE_TOO_LONG: &str = "BTRA_0040";
/// Both `tipAmount` and a percentage.
pub const TIP_AND_PERCENTAGE: &str = "BTRA_0052";

/// `transactionId` does not exist.
pub const TRANSACTION_NOT_FOUND: &str = "BTRA_0007";
/// `transactionId` not of this business.
pub const TRANSACTION_NOT_OF_BUSINESS: &str = "BTRA_0008";
/// `transactionId` not of the current business.
pub const TRANSACTION_NOT_OF_CURRENT_BUSINESS: &str = "BTRA_0014";
/// `ecommerceId` does not exist (for this business).
pub const ECOMMERCE_NOT_FOUND: &str = "BTRA_0031";
/// Reference number does not exist.
pub const REFERENCE_NOT_FOUND: &str = "BTRA_0053";

/// The transaction failed with status error.
pub const TRANSACTION_FAILED: &str = "BTRA_0005";
/// The refund failed with status error.
pub const REFUND_FAILED: &str = "BTRA_0030";
/// The payment is not in CONFIRM.
pub const NOT_CONFIRMED: &str = "BTRA_0032";
/// Error creating the ecommerce record.
pub const ECOMMERCE_NOT_CREATED: &str = "BTRA_0033";
/// The ecommerce record exists.
pub const ECOMMERCE_EXISTS: &str = "BTRA_0034";
/// Not the expected status.
pub const UNEXPECTED_STATUS: &str = "BTRA_0035";
/// Already assigned to another customer.
pub const ASSIGNED_TO_ANOTHER_CUSTOMER: &str = "BTRA_0036";
/// Cannot confirm (or change) a cancelled, expired or finished payment.
pub const NOT_OPEN: &str = "BTRA_0037";
/// The valid time to execute has expired.
pub const TIME_EXPIRED: &str = "BTRA_0039";
/// The phone number is already assigned to the payment.
pub const PHONE_ALREADY_ASSIGNED: &str = "BTRA_0041";

/// Report: the business has no transactions at all.
pub const REPORT_NO_RECORDS: &str = "BTRA_0022";
/// Report: `fromDate` is not a valid date.
pub const REPORT_BAD_FROM: &str = "BTRA_0023";
/// Report: `toDate` is not a valid date.
pub const REPORT_BAD_TO: &str = "BTRA_0024";
/// Report: `fromDate` after `toDate`.
pub const REPORT_FROM_AFTER_TO: &str = "BTRA_0025";
/// Report: range longer than the maximum number of days.
pub const REPORT_RANGE_TOO_LONG: &str = "BTRA_0026";
/// Report: no transactions in the range.
pub const REPORT_NONE_IN_RANGE: &str = "BTRA_0046";
/// Report: `fromDate` in the future.
pub const REPORT_FROM_IN_FUTURE: &str = "BTRA_0047";
/// Report: `toDate` in the future.
pub const REPORT_TO_IN_FUTURE: &str = "BTRA_0048";

/// Every published code with its English text, as an error answer's
/// `message`: the texts of the Payment Button API README's "Error
/// messages" table (`error.code.en.*`, typos included), and for
/// `token.invalid.header` / `token.expired` those of its example answers.
/// `%s` stands for a value the answer fills in (a number of days, a
/// parameter's name).
pub const PUBLISHED: &[(&str, &str)] = &[
    (COMMUNICATION, "Communication Error"),
    (INTERNAL, "Internal Error"),
    (COMMUNICATION_0015, "Communication Error"),
    (COMMUNICATION_0016, "Communication Error"),
    (TOKEN_INVALID_HEADER, "No authorization header present."),
    (TOKEN_EXPIRED, "The Token has expired."),
    (AUTH_INVALID, "Invalid authorization token"),
    (AUTH_EXPIRED, "Authorization token expired"),
    (AUTH_FORBIDDEN, "Invalid authorization token"),
    (INVALID_TOKEN, "Invalid authorization token"),
    (
        AMOUNT_UNDER_MINIMUM,
        "The transfer amount is under Minimum allowed",
    ),
    (AMOUNT_OVER_LIMIT, "Amount is Over the limits"),
    (AMOUNT_ZERO, "Amount is Zero"),
    (
        AMOUNT_OUT_OF_BOUNDS,
        "numeric value out of bounds (<4 digits>.<2 digits> expected)",
    ),
    (AMOUNT_UNDER_A_CENT, "is less than 0.01"),
    (TIP_OVER_LIMIT, "Tip amount is over limits"),
    (
        OVER_INSTITUTION_LIMIT,
        "Amount is Over limits of the Financial Institution",
    ),
    (OVER_CARD_LIMIT, "Amount is Over the limits of the card"),
    (
        TIP_OVER_AMOUNT,
        "The amount of the tip must not exceed the value of the amount of the transaction",
    ),
    (
        CUSTOMER_PENDING_VERIFICATION,
        "Customer status is Pending Regain Access Verification",
    ),
    (
        SAME_CARD_AS_BUSINESS,
        "Card number from the customer is the same than the business",
    ),
    (
        CARD_NOT_OF_BUSINESS,
        "Card number does not belong to the business",
    ),
    (
        SAME_SOURCE_AND_TARGET,
        "Source and Target card numbers are the same",
    ),
    (CUSTOMER_NOT_FOUND, "customerId does not exist"),
    (BUSINESS_INACTIVE, "Business is not active"),
    (BUSINESS_NOT_ACTIVE, "Business status is not Active"),
    (
        NOT_NON_PROFIT,
        "The organization is not a Non Profit organization",
    ),
    (NOT_PAYMENT_OWNER, "The business ins't owner of payment"),
    (
        TIPS_DISABLED,
        "Tip configuration is disabled for the business",
    ),
    (INVALID_FORMAT, "Invalid format"),
    (FIELD_BLANK, "must not be blank"),
    (FIELD_NULL, "must not be null"),
    (INVALID_TRANSACTION_TYPE, "TransactionType is not valid"),
    (
        MISSING_PARAMETER,
        "Required String parameter '%s' is not present",
    ),
    (
        METADATA_TOO_LONG,
        "The metadata field exceeds the maximum supported characters (40)",
    ),
    (MESSAGE_TOO_LONG, "The message can not exceed 50 characters"),
    (
        TIP_AND_PERCENTAGE,
        "Cannot fill both fields (tipAmount and percentage), just fill one",
    ),
    (TRANSACTION_NOT_FOUND, "TransactionId does not exist"),
    (
        TRANSACTION_NOT_OF_BUSINESS,
        "TransactionId does not belong to the business",
    ),
    (
        TRANSACTION_NOT_OF_CURRENT_BUSINESS,
        "TransactionId does not exist for the current business",
    ),
    (ECOMMERCE_NOT_FOUND, "EcommerceId does not exist"),
    (REFERENCE_NOT_FOUND, "ReferenceNumber not found"),
    (TRANSACTION_FAILED, "Transaction failed. Status error"),
    (REFUND_FAILED, "The refund failed with a status error"),
    (NOT_CONFIRMED, "The status of the e-commerce is not confirm"),
    (
        ECOMMERCE_NOT_CREATED,
        "Error creating BusinessEcommerce recordb",
    ),
    (ECOMMERCE_EXISTS, "BusinessEcommerce exists in the dynamoDB"),
    (
        UNEXPECTED_STATUS,
        "The e-commerce transaction has not the expected status",
    ),
    (
        ASSIGNED_TO_ANOTHER_CUSTOMER,
        "The e-commerce you are trying to confirm is already assigned to another customer",
    ),
    (
        NOT_OPEN,
        "Cannot confirm a transaction with status Canceled or Failed",
    ),
    (
        TIME_EXPIRED,
        "Valid time to execute the transaction has expired",
    ),
    (
        PHONE_ALREADY_ASSIGNED,
        "The e-commerce transaction already has a phone number assigned",
    ),
    (REPORT_NO_RECORDS, "Not record for report"),
    (REPORT_BAD_FROM, "Error with the From date"),
    (REPORT_BAD_TO, "Error with the To date"),
    (
        REPORT_FROM_AFTER_TO,
        "The From date must be before the To date",
    ),
    (
        REPORT_RANGE_TOO_LONG,
        "The difference between dates must be lower than %s days",
    ),
    (
        REPORT_NONE_IN_RANGE,
        "There are no transactions for the indicated date range",
    ),
    (REPORT_FROM_IN_FUTURE, "Date from cannot be future"),
    (REPORT_TO_IN_FUTURE, "Date to cannot be future"),
];

/// The published text of `code`, or `None` for a code ATH Móvil does not publish.
pub fn message(code: &str) -> Option<&'static str> {
    PUBLISHED
        .iter()
        .find(|(published, _)| published.eq_ignore_ascii_case(code.trim()))
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_published_code_is_listed_once_with_a_text() {
        assert_eq!(PUBLISHED.len(), 60);
        let unique: HashSet<_> = PUBLISHED.iter().map(|(code, _)| *code).collect();
        assert_eq!(unique.len(), PUBLISHED.len());
        assert!(PUBLISHED.iter().all(|(_, text)| !text.is_empty()));
    }

    #[test]
    fn texts_are_found_by_code_and_unknown_codes_have_none() {
        assert_eq!(message("BTRA_0015"), Some("Communication Error"));
        assert_eq!(message("btra_0047"), Some("Date from cannot be future"));
        assert_eq!(message("BTRA_0048"), Some("Date to cannot be future"));
        assert_eq!(
            message("BTRA_0038"),
            Some("The metadata field exceeds the maximum supported characters (40)")
        );
        assert_eq!(message("BTRA_7777"), None);
    }
}
