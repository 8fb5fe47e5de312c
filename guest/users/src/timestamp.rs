//! Timestamps as the seed's Python writes them: `datetime.now().isoformat()` on Lambda, whose
//! local time is UTC: `2024-05-01T12:34:56.789012`, no offset, the fraction left out when zero.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time, formatted as `isoformat` does.
pub fn now() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    isoformat(since_epoch.as_secs(), since_epoch.subsec_micros())
}

/// `seconds` since the Unix epoch plus `micros`, as `YYYY-MM-DDTHH:MM:SS[.ffffff]`.
fn isoformat(seconds: u64, micros: u32) -> String {
    let (days, time) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (time / 3600, time % 3600 / 60, time % 60);
    let mut text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if micros != 0 {
        text.push_str(&format!(".{micros:06}"));
    }
    text
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_python_isoformat_with_microseconds() {
        assert_eq!(
            isoformat(1_700_000_000, 123_456),
            "2023-11-14T22:13:20.123456"
        );
        assert_eq!(isoformat(1_700_000_000, 42), "2023-11-14T22:13:20.000042");
    }

    #[test]
    fn leaves_out_a_zero_fraction_as_python_does() {
        assert_eq!(isoformat(0, 0), "1970-01-01T00:00:00");
    }

    #[test]
    fn handles_leap_days_and_year_ends() {
        assert_eq!(isoformat(951_782_400, 0), "2000-02-29T00:00:00");
        assert_eq!(isoformat(1_704_067_199, 1), "2023-12-31T23:59:59.000001");
        assert_eq!(isoformat(4_107_542_400, 0), "2100-03-01T00:00:00");
    }

    #[test]
    fn now_is_a_timestamp_of_this_century() {
        let now = now();
        assert!(now.starts_with("20"), "{now}");
        assert_eq!(&now[10..11], "T");
    }
}
