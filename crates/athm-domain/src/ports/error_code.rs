//! ATH Móvil's documented error codes and what each means for the caller.

use std::fmt;

/// What kind of failure an ATH Móvil error code reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// A missing, invalid or expired token.
    Authentication,
    /// The request was refused as invalid.
    Validation,
    /// The transaction, ecommerce id or reference number does not exist.
    NotFound,
    /// The payment is not in a state that allows the operation.
    State,
    /// A transaction report limit (no records, bad dates, range too long).
    Report,
    /// A failure on ATH Móvil's side that may pass.
    Transient,
}

/// An error code from an ATH Móvil error answer (`errorcode`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AthmErrorCode(String);

/// (code, class, Spanish message, English message) for every documented code.
const CODES: &[(&str, ErrorClass, &str, &str)] = {
    use ErrorClass::*;
    &[
        (
            "token.invalid.header",
            Authentication,
            "Token inválido o ausente",
            "Missing or invalid auth token",
        ),
        (
            "token.expired",
            Authentication,
            "El token ha expirado",
            "The auth token has expired",
        ),
        (
            "BTRA_0401",
            Authentication,
            "Token inválido",
            "Invalid auth token",
        ),
        (
            "BTRA_0402",
            Authentication,
            "El token ha expirado",
            "The auth token has expired",
        ),
        (
            "BTRA_0403",
            Authentication,
            "Acceso denegado",
            "Access denied for this token",
        ),
        (
            "BTRA_0017",
            Authentication,
            "Token del negocio inválido",
            "Invalid business token",
        ),
        (
            "BTRA_0001",
            Validation,
            "El monto es menor al mínimo",
            "The amount is under the minimum",
        ),
        (
            "BTRA_0003",
            Validation,
            "La tarjeta del cliente es la misma del negocio",
            "The customer's card is the business's card",
        ),
        (
            "BTRA_0004",
            Validation,
            "El monto excede los límites",
            "The amount exceeds the limits",
        ),
        (
            "BTRA_0006",
            Validation,
            "Formato inválido",
            "Invalid format or missing body",
        ),
        (
            "BTRA_0009",
            Validation,
            "El negocio no está activo",
            "The business is not active",
        ),
        (
            "BTRA_0010",
            Validation,
            "El negocio no está activo",
            "The business is not active",
        ),
        (
            "BTRA_0013",
            Validation,
            "El monto no puede ser cero",
            "The amount cannot be zero",
        ),
        (
            "BTRA_0038",
            Validation,
            "La metadata excede 40 caracteres",
            "Metadata is over 40 characters",
        ),
        (
            "BTRA_0040",
            Validation,
            "El mensaje excede 50 caracteres",
            "The message is over 50 characters",
        ),
        (
            "BTRA_0007",
            NotFound,
            "La transacción no existe",
            "The transaction does not exist",
        ),
        (
            "BTRA_0031",
            NotFound,
            "El ecommerceId no existe",
            "The ecommerce id does not exist",
        ),
        (
            "BTRA_0053",
            NotFound,
            "El número de referencia no existe",
            "The reference number does not exist",
        ),
        (
            "BTRA_0032",
            State,
            "La transacción no está en estado CONFIRM",
            "The payment is not in CONFIRM",
        ),
        (
            "BTRA_0037",
            State,
            "No se puede confirmar una transacción cancelada o fallida",
            "A cancelled or failed transaction cannot be confirmed",
        ),
        (
            "BTRA_0039",
            State,
            "El tiempo válido para ejecutar ha expirado",
            "The valid time to execute has expired",
        ),
        (
            "BTRA_0041",
            State,
            "El número de teléfono ya está asignado",
            "The phone number is already assigned",
        ),
        (
            "BTRA_0022",
            Report,
            "No hay transacciones",
            "No transactions found",
        ),
        (
            "BTRA_0023",
            Report,
            "Fecha inicial inválida",
            "Invalid from date",
        ),
        (
            "BTRA_0024",
            Report,
            "Fecha final inválida",
            "Invalid to date",
        ),
        (
            "BTRA_0025",
            Report,
            "La fecha inicial es posterior a la final",
            "The from date is after the to date",
        ),
        (
            "BTRA_0026",
            Report,
            "El rango de fechas es demasiado largo",
            "The date range is too long",
        ),
        (
            "BTRA_0046",
            Report,
            "No hay transacciones en el rango",
            "No transactions in the range",
        ),
        (
            "BTRA_0047",
            Report,
            "Rango de fechas inválido",
            "Invalid date range",
        ),
        (
            "BTRA_0048",
            Report,
            "Las fechas no pueden ser futuras",
            "Dates cannot be in the future",
        ),
        (
            "BTRA_9998",
            Transient,
            "Error de comunicación",
            "Communication error",
        ),
        ("BTRA_9999", Transient, "Error interno", "Internal error"),
    ]
};

impl AthmErrorCode {
    /// Wraps a code as ATH Móvil sent it.
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into().trim().to_string())
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn entry(&self) -> Option<&'static (&'static str, ErrorClass, &'static str, &'static str)> {
        CODES
            .iter()
            .find(|(code, ..)| code.eq_ignore_ascii_case(&self.0))
    }

    /// Whether the code is one ATH Móvil documents.
    pub fn is_documented(&self) -> bool {
        self.entry().is_some()
    }

    /// The class of failure; undocumented codes count as validation (a definitive refusal).
    pub fn class(&self) -> ErrorClass {
        self.entry().map_or(ErrorClass::Validation, |e| e.1)
    }

    /// Whether a read (findPayment, report) failing with this code may be retried.
    pub fn read_may_retry(&self) -> bool {
        self.class() == ErrorClass::Transient
    }

    /// Whether a write failing with this code may still have taken effect
    /// (an internal or communication error says nothing about the outcome).
    pub fn write_outcome_unknown(&self) -> bool {
        self.class() == ErrorClass::Transient
    }

    /// Whether a report error means "no transactions" (BTRA_0022, BTRA_0046): an empty list, not a failure.
    pub fn means_no_records(&self) -> bool {
        matches!(self.0.as_str(), "BTRA_0022" | "BTRA_0046")
    }

    /// The message in Spanish, for undocumented codes a generic one.
    pub fn message_es(&self) -> &'static str {
        self.entry()
            .map_or("Error desconocido de ATH Móvil", |e| e.2)
    }

    /// The message in English, for undocumented codes a generic one.
    pub fn message_en(&self) -> &'static str {
        self.entry().map_or("Unknown ATH Móvil error", |e| e.3)
    }
}

impl fmt::Display for AthmErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_a_class_and_both_messages() {
        for (code, class, es, en) in CODES {
            let c = AthmErrorCode::new(*code);
            assert!(c.is_documented());
            assert_eq!(c.class(), *class);
            assert_eq!((c.message_es(), c.message_en()), (*es, *en));
        }
        assert_eq!(CODES.len(), 32);
    }

    #[test]
    fn only_transient_codes_are_retried_or_unknown() {
        assert!(AthmErrorCode::new("BTRA_9999").read_may_retry());
        assert!(AthmErrorCode::new("BTRA_9998").write_outcome_unknown());
        assert!(!AthmErrorCode::new("BTRA_0032").read_may_retry());
        assert!(!AthmErrorCode::new("BTRA_0053").write_outcome_unknown());
    }

    #[test]
    fn no_records_codes_are_recognised() {
        assert!(AthmErrorCode::new("BTRA_0022").means_no_records());
        assert!(AthmErrorCode::new("BTRA_0046").means_no_records());
        assert!(!AthmErrorCode::new("BTRA_0026").means_no_records());
    }

    #[test]
    fn undocumented_codes_are_definitive_refusals() {
        let code = AthmErrorCode::new("BTRA_7777");
        assert!(!code.is_documented());
        assert_eq!(code.class(), ErrorClass::Validation);
    }
}
