use std::collections::HashSet;

use super::*;
use crate::model::Language;

/// The published table (docs/ath-movil.md, "Errors"), written out
/// again by class rather than copied from `CODES`.
fn published() -> Vec<(String, ErrorClass)> {
    use ErrorClass::*;
    let by_class: [(ErrorClass, &[&str]); 9] = [
        (Transient, &["9998", "9999", "0015", "0016"]),
        (Authentication, &["0401", "0403", "0017", "0402"]),
        (
            Amount,
            &[
                "0001", "0004", "0013", "0020", "0028", "0042", "0044", "0045", "0051",
            ],
        ),
        (Customer, &["0002", "0003", "0011", "0012", "0049"]),
        (Business, &["0009", "0010", "0027", "0043", "0050"]),
        (
            Format,
            &[
                "0006", "0018", "0019", "0021", "0029", "0038", "0040", "0052",
            ],
        ),
        (NotFound, &["0007", "0008", "0014", "0031", "0053"]),
        (
            State,
            &[
                "0005", "0030", "0032", "0033", "0034", "0035", "0036", "0037", "0039", "0041",
            ],
        ),
        (
            Report,
            &[
                "0022", "0023", "0024", "0025", "0026", "0046", "0047", "0048",
            ],
        ),
    ];
    let mut all: Vec<(String, ErrorClass)> = by_class
        .iter()
        .flat_map(|(class, numbers)| numbers.iter().map(|n| (format!("BTRA_{n}"), *class)))
        .collect();
    all.push(("token.invalid.header".into(), Authentication));
    all.push(("token.expired".into(), Authentication));
    all
}

#[test]
fn every_published_code_has_its_class_and_both_messages() {
    let published = published();
    for (code, class) in &published {
        let c = AthmErrorCode::new(code.as_str());
        assert!(c.is_documented(), "{code}");
        assert_eq!(c.class(), *class, "{code}");
        for language in Language::ALL {
            let unknown = AthmErrorCode::new("BTRA_7777").message(language);
            assert!(!c.message(language).trim().is_empty(), "{code} {language}");
            assert_ne!(c.message(language), unknown, "{code} {language}");
        }
    }
    assert_eq!(published.len(), 60);
    assert_eq!(
        CODES.len(),
        published.len(),
        "no code beyond the published ones"
    );
    let unique: HashSet<_> = CODES.iter().map(|(code, ..)| *code).collect();
    assert_eq!(unique.len(), CODES.len(), "no code twice");
}

#[test]
fn writes_refused_outside_the_definitive_classes_have_an_unknown_outcome() {
    let table = [
        ("BTRA_9998", true),
        ("BTRA_9999", true),
        ("BTRA_0015", true),
        ("BTRA_0016", true),
        ("BTRA_7777", true),
        ("SOMETHING_NEW", true),
        ("BTRA_0046", true),
        ("BTRA_0017", false),
        ("token.expired", false),
        ("BTRA_0004", false),
        ("BTRA_0003", false),
        ("BTRA_0010", false),
        ("BTRA_0040", false),
        ("BTRA_0053", false),
        ("BTRA_0030", false),
        ("BTRA_0032", false),
    ];
    for (code, unknown) in table {
        assert_eq!(
            AthmErrorCode::new(code).write_outcome_unknown(),
            unknown,
            "{code}"
        );
    }
}

#[test]
fn reads_are_retried_after_transient_codes_only() {
    for code in ["BTRA_9998", "BTRA_9999", "BTRA_0015", "BTRA_0016"] {
        assert!(AthmErrorCode::new(code).read_may_retry(), "{code}");
    }
    for code in ["BTRA_7777", "BTRA_0032", "BTRA_0026", "BTRA_0401", ""] {
        assert!(!AthmErrorCode::new(code).read_may_retry(), "{code}");
    }
}

#[test]
fn undocumented_codes_are_classed_undocumented_with_generic_messages() {
    let code = AthmErrorCode::new(" BTRA_7777 ");
    assert_eq!(code.as_str(), "BTRA_7777");
    assert!(!code.is_documented());
    assert_eq!(code.class(), ErrorClass::Undocumented);
    assert_eq!(code.message(Language::En), "Unknown ATH Móvil error");
    assert_eq!(code.message(Language::Es), "Error desconocido de ATH Móvil");
}

#[test]
fn codes_are_recognised_whatever_their_case() {
    let code = AthmErrorCode::new("btra_0015");
    assert_eq!(code.class(), ErrorClass::Transient);
    assert!(AthmErrorCode::new("Token.Expired").is_documented());
}

#[test]
fn report_codes_with_a_meaning_of_their_own_are_recognised() {
    assert!(AthmErrorCode::new("BTRA_0022").means_no_records());
    assert!(AthmErrorCode::new("BTRA_0046").means_no_records());
    assert!(!AthmErrorCode::new("BTRA_0026").means_no_records());
    assert!(AthmErrorCode::new("BTRA_0026").means_range_too_long());
    assert!(!AthmErrorCode::new("BTRA_0025").means_range_too_long());
}

#[test]
fn each_code_speaks_spanish_and_english_differently() {
    // The README's Spanish column repeats the English for a few codes; the
    // table translates those, so no code says the same thing in both.
    for (code, ..) in CODES {
        let c = AthmErrorCode::new(*code);
        assert_ne!(c.message(Language::Es), c.message(Language::En), "{code}");
    }
}

#[test]
fn messages_are_the_published_texts() {
    // The README's `error.code.es.…` / `error.code.en.…` lines, verbatim.
    let table = [
        (
            "BTRA_0053",
            "El ReferenceNumber no existe",
            "ReferenceNumber not found",
        ),
        (
            "BTRA_0038",
            "El campo metadata excede el máximo de caracteres soportado (40)",
            "The metadata field exceeds the maximum supported characters (40)",
        ),
        (
            "BTRA_0004",
            "El monto está por encima de los límites",
            "Amount is Over the limits",
        ),
        (
            "BTRA_0046",
            "No hay transacciones para el rango de fechas indicado",
            "There are no transactions for the indicated date range",
        ),
        (
            "BTRA_0047",
            "La fecha desde no puede ser futura",
            "Date from cannot be future",
        ),
    ];
    for (code, es, en) in table {
        let c = AthmErrorCode::new(code);
        assert_eq!(
            (c.message(Language::Es), c.message(Language::En)),
            (es, en),
            "{code}"
        );
    }
}

#[test]
fn no_message_keeps_a_placeholder_or_a_typing_slip() {
    for (code, _, es, en) in CODES {
        for text in [es, en] {
            for slip in ["%s", "ins't", "recordb", "Not record", "espereado", "  "] {
                assert!(!text.contains(slip), "{code}: {text}");
            }
        }
    }
}
