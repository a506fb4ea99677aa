//! Times as text: RFC 3339, the one format keysmith shows them in (a reset
//! link's expiry here; every answer and listing of the store, the server
//! and the CLI).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 9999-12-31T23:59:59Z, the last second RFC 3339 can write.
pub(crate) const LAST_RFC3339_SECOND: u64 = 253_402_300_799;

/// `t` in RFC 3339, UTC, to the second (`2026-01-01T00:00:00Z`; a fraction
/// of a second is dropped).
///
/// Never panics: a time before 1970 shows as `1970-01-01T00:00:00Z` and one
/// after the year 9999 as `9999-12-31T23:59:59Z`, the ends of what the
/// format writes.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .min(LAST_RFC3339_SECOND);
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_whole_utc_seconds() {
        let at = |secs: u64, nanos: u32| UNIX_EPOCH + Duration::new(secs, nanos);
        assert_eq!(rfc3339(at(0, 0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(1_767_225_600, 0)), "2026-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(at(1_767_225_659, 999_999_999)),
            "2026-01-01T00:00:59Z"
        );
        assert_eq!(rfc3339(at(LAST_RFC3339_SECOND, 0)), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn times_out_of_range_are_clamped() {
        assert_eq!(
            rfc3339(UNIX_EPOCH - Duration::from_secs(1)),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(LAST_RFC3339_SECOND + 1)),
            "9999-12-31T23:59:59Z"
        );
    }
}
