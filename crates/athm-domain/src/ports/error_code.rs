//! ATH Móvil's published error codes and what each means for the caller.
//!
//! The table is the whole published list (Payment Button API README, "Error
//! messages"), by class. The rule that matters for money: a **write**
//! (authorization, cancel, refund, updatePhoneNumber) refused with a code
//! outside the definitive classes, or with a code the table lacks, may have
//! taken effect; its outcome is unknown until read back.
//!
//! Each code also carries ATH Móvil's published text in Spanish and English
//! ([`AthmErrorCode::message`]), to tell a person what went wrong in their language.

use std::fmt;

use crate::model::Language;

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

/// One published code: (code, class, Spanish text, English text).
type Entry = (&'static str, ErrorClass, &'static str, &'static str);

/// Every published code, with the texts the Payment Button API README
/// publishes for it ("Error messages": `error.code.es.BTRA_…` and
/// `error.code.en.BTRA_…`), verbatim except where a line says otherwise:
/// - the README's Spanish column repeats the English text for BTRA_9998,
///   BTRA_9999, BTRA_0015, BTRA_0016, BTRA_0017 and BTRA_0401–0403: their
///   Spanish here is the project's translation (`es: ours`);
/// - `token.invalid.header` and `token.expired` are in no table; their
///   English is the README's example message (without the expiry date),
///   their Spanish the project's;
/// - fragments that ATH Móvil completes with a field name (BTRA_0018,
///   0019, 0028) are given a subject, and first letters are capitalised;
/// - `%s` placeholders (BTRA_0026, 0029), which ATH Móvil fills with a value
///   this table cannot know, are put in words;
/// - typing slips are corrected (`fix`): missing accents, `ins't`,
///   `recordb`, `Not record`, `is not confirm`, `the same than`.
#[rustfmt::skip]
const CODES: &[Entry] = {
    use ErrorClass::*;
    &[
        ("BTRA_9998", Transient, "Error de comunicación", "Communication Error"), // es: ours
        ("BTRA_9999", Transient, "Error interno", "Internal Error"), // es: ours
        ("BTRA_0015", Transient, "Error de comunicación", "Communication Error"), // es: ours
        ("BTRA_0016", Transient, "Error de comunicación", "Communication Error"), // es: ours

        ("token.invalid.header", Authentication, "No se envió el encabezado de autorización", "No authorization header present"), // es: ours
        ("token.expired", Authentication, "El token ha expirado", "The Token has expired"), // es: ours
        ("BTRA_0401", Authentication, "Token de autorización inválido", "Invalid authorization token"), // es: ours
        ("BTRA_0402", Authentication, "Token de autorización expirado", "Authorization token expired"), // es: ours
        ("BTRA_0403", Authentication, "Token de autorización inválido", "Invalid authorization token"), // es: ours
        ("BTRA_0017", Authentication, "Token de autorización inválido", "Invalid authorization token"), // es: ours

        ("BTRA_0001", Amount, "El monto de la transferencia está por debajo del mínimo permitido", "The transfer amount is under Minimum allowed"),
        ("BTRA_0004", Amount, "El monto está por encima de los límites", "Amount is Over the limits"),
        ("BTRA_0013", Amount, "El monto es cero", "Amount is Zero"),
        ("BTRA_0020", Amount, "Valor numérico fuera de los límites (<4 dígitos>.<2 dígitos> esperados)", "Numeric value out of bounds (<4 digits>.<2 digits> expected)"),
        ("BTRA_0028", Amount, "El monto es menor de 0.01", "The amount is less than 0.01"), // subject added
        ("BTRA_0042", Amount, "El monto de la propina está por encima de los límites", "Tip amount is over limits"),
        ("BTRA_0044", Amount, "El monto está por encima de los límites de la Institución Financiera", "Amount is Over limits of the Financial Institution"), // fix: del
        ("BTRA_0045", Amount, "El monto está por encima de los límites de la tarjeta", "Amount is Over the limits of the card"),
        ("BTRA_0051", Amount, "El monto de la propina no debe exceder el valor del monto de la transacción", "The amount of the tip must not exceed the value of the amount of the transaction"), // fix: accent

        ("BTRA_0002", Customer, "Estatus del cliente es Pendiente Recuperar Verificación de Acceso", "Customer status is Pending Regain Access Verification"),
        ("BTRA_0003", Customer, "Número de tarjeta del cliente es el mismo que el del negocio", "Card number from the customer is the same as the business"), // fix: than
        ("BTRA_0011", Customer, "Número de la tarjeta no pertenece al negocio", "Card number does not belong to the business"),
        ("BTRA_0012", Customer, "Números de tarjetas origen y destino son los mismos", "Source and Target card numbers are the same"),
        ("BTRA_0049", Customer, "El customerId no existe", "customerId does not exist"),

        ("BTRA_0009", Business, "El negocio no está activo", "Business is not active"),
        ("BTRA_0010", Business, "El negocio no está activo", "Business status is not Active"),
        ("BTRA_0027", Business, "La organización no es una organización sin fines de lucro", "The organization is not a Non Profit organization"),
        ("BTRA_0043", Business, "El comercio no es dueño del pago", "The business isn't owner of payment"), // fix: ins't
        ("BTRA_0050", Business, "La configuración para recibir propinas está deshabilitada para el negocio", "Tip configuration is disabled for the business"), // fix: accents

        ("BTRA_0006", Format, "Formato inválido", "Invalid format"),
        ("BTRA_0018", Format, "El campo no debe estar vacío", "The field must not be blank"), // subject added
        ("BTRA_0019", Format, "El campo no debe ser nulo", "The field must not be null"), // subject added
        ("BTRA_0021", Format, "TransactionType no es válido", "TransactionType is not valid"),
        ("BTRA_0029", Format, "El parámetro requerido no está presente", "Required parameter is not present"), // %s in words
        ("BTRA_0038", Format, "El campo metadata excede el máximo de caracteres soportado (40)", "The metadata field exceeds the maximum supported characters (40)"), // fix: accent
        ("BTRA_0040", Format, "El mensaje no puede superar los 50 caracteres", "The message can not exceed 50 characters"),
        ("BTRA_0052", Format, "No puede llenar ambos campos (tipAmount y percentage), solo use uno", "Cannot fill both fields (tipAmount and percentage), just fill one"),

        ("BTRA_0007", NotFound, "TransactionId no existe", "TransactionId does not exist"),
        ("BTRA_0008", NotFound, "TransactionId no pertenece al negocio", "TransactionId does not belong to the business"),
        ("BTRA_0014", NotFound, "TransactionId no existe para el negocio actual", "TransactionId does not exist for the current business"),
        ("BTRA_0031", NotFound, "El ecommerceId no existe", "EcommerceId does not exist"),
        ("BTRA_0053", NotFound, "El ReferenceNumber no existe", "ReferenceNumber not found"),

        ("BTRA_0005", State, "Transacción fallida. Estatus de error", "Transaction failed. Status error"),
        ("BTRA_0030", State, "El refund falló con un estatus de error", "The refund failed with a status error"), // fix: accent
        ("BTRA_0032", State, "El estatus del e-commerce no está confirmado", "The status of the e-commerce is not confirmed"), // fix: accent, confirm
        ("BTRA_0033", State, "Error al crear el registro del BusinessEcommerce", "Error creating BusinessEcommerce record"), // fix: recordb
        ("BTRA_0034", State, "El BusinessEcommerce ya existe en dynamoDB", "BusinessEcommerce exists in the dynamoDB"),
        ("BTRA_0035", State, "El estatus del registro de Transacción e-commerce no es el esperado", "The e-commerce transaction has not the expected status"), // fix: espereado
        ("BTRA_0036", State, "El e-commerce que tratas de confirmar, ya está asignado a otro customer", "The e-commerce you are trying to confirm is already assigned to another customer"), // fix: accent
        ("BTRA_0037", State, "No se puede confirmar una transacción con status Cancelado o Fallido", "Cannot confirm a transaction with status Canceled or Failed"),
        ("BTRA_0039", State, "Tiempo válido para ejecutar la transacción ha expirado", "Valid time to execute the transaction has expired"), // fix: accent
        ("BTRA_0041", State, "La transacción e-commerce ya tiene asignado un número telefónico", "The e-commerce transaction already has a phone number assigned"), // fix: accents

        ("BTRA_0022", Report, "Reporte sin transacciones", "No records for report"), // fix: Not record
        ("BTRA_0023", Report, "Error con la fecha Desde", "Error with the From date"),
        ("BTRA_0024", Report, "Error con la fecha Hasta", "Error with the To date"),
        ("BTRA_0025", Report, "La fecha Desde debe ser anterior a la fecha Hasta", "The From date must be before the To date"),
        ("BTRA_0026", Report, "La diferencia entre fechas debe ser inferior al máximo de días permitido", "The difference between dates must be lower than the maximum number of days allowed"), // %s in words
        ("BTRA_0046", Report, "No hay transacciones para el rango de fechas indicado", "There are no transactions for the indicated date range"),
        ("BTRA_0047", Report, "La fecha desde no puede ser futura", "Date from cannot be future"),
        ("BTRA_0048", Report, "La fecha hasta no puede ser futura", "Date to cannot be future"),
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

    /// ATH Móvil's published text for this code in `language` (see
    /// `CODES` for where it departs from the README); for a code the table
    /// lacks, a generic text saying the error is unknown.
    pub fn message(&self, language: Language) -> &'static str {
        match (self.entry(), language) {
            (Some(entry), Language::Es) => entry.2,
            (Some(entry), Language::En) => entry.3,
            (None, Language::Es) => "Error desconocido de ATH Móvil",
            (None, Language::En) => "Unknown ATH Móvil error",
        }
    }
}

impl fmt::Display for AthmErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests;
