//! Timestamps as the seed's Python writes them: `datetime.now().isoformat()` on Lambda, whose
//! local time is UTC: `2024-05-01T12:34:56.789012`, no offset, the fraction left out when zero.
//!
//! That is ISO 8601, which the `time` crate writes: the AWS SDK has `time` in this component
//! already, so formatting with it costs `users.wasm` about 3 KB, where `jiff` costs about 6 KB
//! and `chrono` 16 KB.

use std::num::NonZeroU8;

use time::OffsetDateTime;
use time::format_description::well_known::Iso8601;
use time::format_description::well_known::iso8601::{
    Config, EncodedConfig, FormattedComponents, TimePrecision,
};

/// `YYYY-MM-DDTHH:MM:SS`: `isoformat` of a time with no microseconds.
const SECONDS: EncodedConfig = isoformat_config(None);
/// `YYYY-MM-DDTHH:MM:SS.ffffff`: `isoformat` of any other time.
const MICROSECONDS: EncodedConfig = isoformat_config(NonZeroU8::new(6));

const fn isoformat_config(decimal_digits: Option<NonZeroU8>) -> EncodedConfig {
    Config::DEFAULT
        .set_formatted_components(FormattedComponents::DateTime)
        .set_time_precision(TimePrecision::Second { decimal_digits })
        .encode()
}

/// The current time, formatted as `isoformat` does.
pub fn now() -> String {
    isoformat(OffsetDateTime::now_utc())
}

/// `time` as `YYYY-MM-DDTHH:MM:SS[.ffffff]`, in its own offset (UTC here).
fn isoformat(time: OffsetDateTime) -> String {
    let text = if time.microsecond() == 0 {
        time.format(&Iso8601::<SECONDS>)
    } else {
        time.format(&Iso8601::<MICROSECONDS>)
    };
    // Formatting fails only for a year of more than four digits, which no clock reaches.
    text.expect("a year of four digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `seconds` since the Unix epoch plus `micros`, as `isoformat` writes it.
    fn at(seconds: i64, micros: u32) -> String {
        let time = OffsetDateTime::from_unix_timestamp(seconds)
            .and_then(|time| time.replace_microsecond(micros))
            .expect("a time in range");
        isoformat(time)
    }

    #[test]
    fn formats_as_python_isoformat_with_microseconds() {
        assert_eq!(at(1_700_000_000, 123_456), "2023-11-14T22:13:20.123456");
        assert_eq!(at(1_700_000_000, 42), "2023-11-14T22:13:20.000042");
    }

    #[test]
    fn leaves_out_a_zero_fraction_as_python_does() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00");
    }

    #[test]
    fn handles_leap_days_and_year_ends() {
        assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00");
        assert_eq!(at(1_704_067_199, 1), "2023-12-31T23:59:59.000001");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00");
    }

    #[test]
    fn now_is_a_timestamp_of_this_century() {
        let now = now();
        assert!(now.starts_with("20"), "{now}");
        assert_eq!(&now[10..11], "T");
    }
}
