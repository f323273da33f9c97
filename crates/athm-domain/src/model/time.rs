//! ATH Móvil's timestamps: naive Puerto Rico time (UTC−4, no daylight saving).

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// Puerto Rico's offset from UTC in hours; it observes no daylight saving.
pub const PUERTO_RICO_OFFSET_HOURS: i32 = -4;

/// Puerto Rico's time zone (UTC−4 all year): the one place its offset is
/// turned into a zone, for parsing, formatting and showing ATH Móvil's times.
pub fn puerto_rico() -> FixedOffset {
    FixedOffset::east_opt(PUERTO_RICO_OFFSET_HOURS * 3600)
        .unwrap_or_else(|| unreachable!("-4 hours is a valid offset"))
}

/// Parses the date forms ATH Móvil sends into a UTC instant.
///
/// Accepts `"2020-01-01 12:00:00.0"`, `"2025-12-08 16:30:52"`, ISO `T` forms with
/// fractional seconds of any length (naive ones are Puerto Rico time; ones
/// with an offset keep it), and epoch timestamps in seconds or milliseconds.
/// Returns `None` for empty or unreadable text.
pub fn parse_athm_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.with_timezone(&Utc));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let epoch: i64 = text.parse().ok()?;
        return if text.len() > 11 {
            DateTime::from_timestamp_millis(epoch)
        } else {
            DateTime::from_timestamp(epoch, 0)
        };
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
    ]
    .iter()
    .find_map(|format| {
        NaiveDateTime::parse_from_str(text, format)
            .ok()
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(text, format)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
    })?;
    puerto_rico()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Formats an instant as ATH Móvil expects it (`"YYYY-MM-DD HH:MM:SS"`, Puerto Rico time).
pub fn format_athm_time(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&puerto_rico())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn naive_times_are_puerto_rico_time() {
        assert_eq!(
            parse_athm_time("2025-12-08 16:30:52"),
            Some(utc("2025-12-08T20:30:52Z"))
        );
        assert_eq!(
            parse_athm_time("2020-01-01 12:00:00.0"),
            Some(utc("2020-01-01T16:00:00Z"))
        );
        assert_eq!(
            parse_athm_time("2020-01-01T12:00:00.123456789"),
            Some(utc("2020-01-01T16:00:00.123456789Z"))
        );
    }

    #[test]
    fn summer_and_winter_have_the_same_offset() {
        assert_eq!(
            parse_athm_time("2025-07-01 12:00:00"),
            Some(utc("2025-07-01T16:00:00Z"))
        );
    }

    #[test]
    fn explicit_offsets_and_epochs_are_honoured() {
        assert_eq!(
            parse_athm_time("2025-12-08T16:30:52Z"),
            Some(utc("2025-12-08T16:30:52Z"))
        );
        assert_eq!(
            parse_athm_time("1625768038"),
            Some(utc("2021-07-08T18:13:58Z"))
        );
        assert_eq!(
            parse_athm_time("1625768038000"),
            Some(utc("2021-07-08T18:13:58Z"))
        );
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(parse_athm_time(""), None);
        assert_eq!(parse_athm_time("yesterday"), None);
        assert_eq!(parse_athm_time("99999999999999999999999"), None);
    }

    #[test]
    fn formatting_is_the_inverse_of_parsing() {
        let t = utc("2025-12-08T20:30:52Z");
        assert_eq!(format_athm_time(t), "2025-12-08 16:30:52");
        assert_eq!(parse_athm_time(&format_athm_time(t)), Some(t));
    }
}
