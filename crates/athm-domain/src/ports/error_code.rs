//! ATH Móvil's published error codes and what each means for the caller.
//!
//! The table is the whole published list (Payment Button API README, "Error
//! messages"), by class. The rule that matters for money: a **write**
//! (authorization, cancel, refund, updatePhoneNumber) refused with a code
//! outside the definitive classes, or with a code the table lacks, may have
//! taken effect; its outcome is unknown until read back.

use std::fmt;

/// What kind of failure an ATH Móvil error code reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// A communication or internal error on ATH Móvil's side (BTRA_0015,
    /// BTRA_0016, BTRA_9998, BTRA_9999): it may pass, and a write's outcome is unknown.
    Transient,
    /// A missing, invalid or expired token.
    Authentication,
    /// An amount under the minimum, over a limit, zero or malformed; tip limits.
    Amount,
    /// The customer or the card cannot pay (pending verification, same card…).
    Customer,
    /// The business cannot take the operation (not active, not the owner…).
    Business,
    /// The request is malformed: invalid format, blank or missing field, too long.
    Format,
    /// The transaction, ecommerce id or reference number does not exist (for this business).
    NotFound,
    /// The transaction is not in a state that allows the operation.
    State,
    /// A transaction report limit (no records, bad or future dates, range too long).
    Report,
    /// A code the published table lacks: nothing can be concluded from it.
    Undocumented,
}

impl ErrorClass {
    /// Whether a write refused with a code of this class certainly had no
    /// effect: a refusal for the request itself (token, amount, customer,
    /// business, format, not found, state). Transient errors say nothing
    /// about the outcome; report codes do not answer writes and undocumented
    /// codes are not understood, so neither proves anything either.
    pub fn is_definitive(self) -> bool {
        match self {
            Self::Authentication
            | Self::Amount
            | Self::Customer
            | Self::Business
            | Self::Format
            | Self::NotFound
            | Self::State => true,
            Self::Transient | Self::Report | Self::Undocumented => false,
        }
    }
}

/// An error code from an ATH Móvil error answer (`errorcode`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AthmErrorCode(String);

/// One published code: (code, class, Spanish message, English message).
type Entry = (&'static str, ErrorClass, &'static str, &'static str);

/// Every published code.
#[rustfmt::skip]
const CODES: &[Entry] = {
    use ErrorClass::*;
    &[
        ("BTRA_9998", Transient, "Error de comunicación", "Communication error"),
        ("BTRA_9999", Transient, "Error interno", "Internal error"),
        ("BTRA_0015", Transient, "Error de comunicación", "Communication error"),
        ("BTRA_0016", Transient, "Error de comunicación", "Communication error"),

        ("token.invalid.header", Authentication, "Token inválido o ausente", "Missing or invalid auth token"),
        ("token.expired", Authentication, "El token ha expirado", "The auth token has expired"),
        ("BTRA_0401", Authentication, "Token inválido", "Invalid token"),
        ("BTRA_0402", Authentication, "El token ha expirado", "The token has expired"),
        ("BTRA_0403", Authentication, "Token inválido", "Invalid token"),
        ("BTRA_0017", Authentication, "Token del negocio inválido", "Invalid business token"),

        ("BTRA_0001", Amount, "El monto es menor al mínimo", "The amount is under the minimum"),
        ("BTRA_0004", Amount, "El monto excede los límites", "The amount exceeds the limits"),
        ("BTRA_0013", Amount, "El monto no puede ser cero", "The amount cannot be zero"),
        ("BTRA_0020", Amount, "El monto está fuera de los límites (<4 dígitos>.<2 dígitos>)", "The amount is out of bounds (<4 digits>.<2 digits>)"),
        ("BTRA_0028", Amount, "El monto es menor a 0.01", "The amount is under 0.01"),
        ("BTRA_0042", Amount, "La propina excede los límites", "The tip exceeds the limits"),
        ("BTRA_0044", Amount, "El monto excede los límites de la institución financiera", "The amount exceeds the financial institution's limits"),
        ("BTRA_0045", Amount, "El monto excede los límites de la tarjeta", "The amount exceeds the card's limits"),
        ("BTRA_0051", Amount, "La propina excede el monto", "The tip exceeds the amount"),

        ("BTRA_0002", Customer, "El cliente tiene pendiente la verificación para recuperar acceso", "The customer is pending regain-access verification"),
        ("BTRA_0003", Customer, "La tarjeta del cliente es la misma del negocio", "The customer's card is the business's card"),
        ("BTRA_0011", Customer, "La tarjeta no pertenece al negocio", "The card does not belong to the business"),
        ("BTRA_0012", Customer, "La tarjeta de origen y la de destino son la misma", "The source and target cards are the same"),
        ("BTRA_0049", Customer, "El customerId no existe", "The customerId does not exist"),

        ("BTRA_0009", Business, "El negocio no está activo", "The business is not active"),
        ("BTRA_0010", Business, "El negocio no está activo", "The business is not active"),
        ("BTRA_0027", Business, "El negocio no es una organización sin fines de lucro", "The business is not a non-profit"),
        ("BTRA_0043", Business, "El negocio no es el dueño del pago", "The business is not the owner of the payment"),
        ("BTRA_0050", Business, "Las propinas están deshabilitadas", "Tips are disabled"),

        ("BTRA_0006", Format, "Formato inválido", "Invalid format or missing body"),
        ("BTRA_0018", Format, "Un campo está en blanco", "A field is blank"),
        ("BTRA_0019", Format, "Un campo es nulo", "A field is null"),
        ("BTRA_0021", Format, "El transactionType no es válido", "The transactionType is not valid"),
        ("BTRA_0029", Format, "Falta un parámetro requerido", "A required parameter is missing"),
        ("BTRA_0038", Format, "La metadata excede 40 caracteres", "Metadata is over 40 characters"),
        ("BTRA_0040", Format, "El mensaje excede 50 caracteres", "The message is over 50 characters"),
        ("BTRA_0052", Format, "No se pueden enviar tipAmount y porcentaje a la vez", "Both tipAmount and percentage were sent"),

        ("BTRA_0007", NotFound, "El transactionId no existe", "The transactionId does not exist"),
        ("BTRA_0008", NotFound, "El transactionId no pertenece a este negocio", "The transactionId does not belong to this business"),
        ("BTRA_0014", NotFound, "El transactionId no pertenece al negocio actual", "The transactionId does not belong to the current business"),
        ("BTRA_0031", NotFound, "El ecommerceId no existe", "The ecommerce id does not exist"),
        ("BTRA_0053", NotFound, "El número de referencia no existe", "The reference number does not exist"),

        ("BTRA_0005", State, "La transacción falló con estado de error", "The transaction failed with status error"),
        ("BTRA_0030", State, "El reembolso falló con estado de error", "The refund failed with status error"),
        ("BTRA_0032", State, "La transacción no está en estado CONFIRM", "The payment is not in CONFIRM"),
        ("BTRA_0033", State, "Error al crear el registro de ecommerce", "Error creating the ecommerce record"),
        ("BTRA_0034", State, "El registro de ecommerce ya existe", "The ecommerce record already exists"),
        ("BTRA_0035", State, "La transacción no tiene el estado esperado", "The transaction is not in the expected status"),
        ("BTRA_0036", State, "La transacción ya está asignada a otro cliente", "The transaction is already assigned to another customer"),
        ("BTRA_0037", State, "No se puede confirmar una transacción cancelada o fallida", "A cancelled or failed transaction cannot be confirmed"),
        ("BTRA_0039", State, "El tiempo válido para ejecutar ha expirado", "The valid time to execute has expired"),
        ("BTRA_0041", State, "El número de teléfono ya está asignado", "The phone number is already assigned"),

        ("BTRA_0022", Report, "No hay transacciones", "No transactions found"),
        ("BTRA_0023", Report, "Fecha inicial inválida", "Invalid from date"),
        ("BTRA_0024", Report, "Fecha final inválida", "Invalid to date"),
        ("BTRA_0025", Report, "La fecha inicial es posterior a la final", "The from date is after the to date"),
        ("BTRA_0026", Report, "El rango de fechas excede el máximo de días", "The date range is longer than the maximum number of days"),
        ("BTRA_0046", Report, "No hay transacciones en el rango", "No transactions in the range"),
        ("BTRA_0047", Report, "La fecha inicial está en el futuro", "The from date is in the future"),
        ("BTRA_0048", Report, "La fecha final está en el futuro", "The to date is in the future"),
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

    fn entry(&self) -> Option<&'static Entry> {
        CODES.iter().find(|(code, ..)| self.is(code))
    }

    fn is(&self, code: &str) -> bool {
        self.0.eq_ignore_ascii_case(code)
    }

    /// Whether the code is one ATH Móvil publishes.
    pub fn is_documented(&self) -> bool {
        self.entry().is_some()
    }

    /// The class of failure; [`ErrorClass::Undocumented`] for a code the table lacks.
    pub fn class(&self) -> ErrorClass {
        self.entry().map_or(ErrorClass::Undocumented, |e| e.1)
    }

    /// Whether a read (findPayment, report) failing with this code may be
    /// retried: transient codes only (an undocumented code is not retried).
    pub fn read_may_retry(&self) -> bool {
        self.class() == ErrorClass::Transient
    }

    /// Whether a write (authorization, cancel, refund, updatePhoneNumber)
    /// refused with this code may still have taken effect: every code outside
    /// the definitive classes ([`ErrorClass::is_definitive`]), undocumented
    /// codes included. Such a write is pending until read back, never failed.
    pub fn write_outcome_unknown(&self) -> bool {
        !self.class().is_definitive()
    }

    /// Whether a report error means "no transactions" (BTRA_0022, BTRA_0046): an empty list, not a failure.
    pub fn means_no_records(&self) -> bool {
        self.is("BTRA_0022") || self.is("BTRA_0046")
    }

    /// Whether a report error means the range is longer than ATH Móvil's
    /// maximum number of days (BTRA_0026): read it in shorter windows.
    pub fn means_range_too_long(&self) -> bool {
        self.is("BTRA_0026")
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
mod tests;
