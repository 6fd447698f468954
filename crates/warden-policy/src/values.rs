//! Typed readings of condition values. Policy values (when validated) and request context values
//! (when evaluated) go through the same functions, so a value is valid in a policy exactly when
//! the evaluator can compare with it; each request value is read by the operator that tests it.
//!
//! Dates are parsed by hand rather than with the `time` crate's ISO 8601 parser because IAM's
//! legacy parser is more lenient than ISO 8601 (one-digit fields, `01T`, lowercase `t`/`z`,
//! `±hh` offsets) and its year range is Java's, not `time`'s.

use std::net::IpAddr;

use base64::Engine as _;
use ipnet::IpNet;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// The year range of the Java date library behind AWS's policy parser; IAM refuses dates outside
/// it (`-292275054` is the smallest year it accepts).
const MIN_YEAR: i64 = -292_275_054;
const MAX_YEAR: i64 = 292_278_993;

/// Parses a `Date*` condition value into nanoseconds since the Unix epoch.
///
/// Accepts, as IAM does:
/// - epoch seconds: digits only, `0` to `9223372036854775807`. A value is read as epoch seconds
///   exactly when it contains no `-` and no `T`, so `2016` is a time in 1970, not a year, and
///   `-5` is the year -5;
/// - W3C ISO 8601: `YYYY[-MM[-DD]]` optionally followed by `T` and
///   `hh[:mm[:ss[.fraction]]]` and an offset (`Z`, `±hh`, `±hh:mm` or `±hhmm`). Years take
///   1–9 digits with an optional `-`; month, day, hour, minute and second take 1–2 digits; the
///   fraction 1–9 digits. `T` and `Z` may be lowercase; the time after `T` may be empty (`01T`).
///
/// Undocumented corners, decided here: a time without an offset is UTC (AWS runs in UTC); a
/// day that does not exist in its month (`2019-02-30`) is refused; the offset needs two-digit
/// hours (IAM refuses `+1`).
pub fn parse_date(s: &str) -> Option<i128> {
    if !s.contains(['-', 't', 'T']) {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let seconds: i64 = s.parse().ok()?;
        return Some(i128::from(seconds) * NANOS_PER_SECOND);
    }
    let (date, time) = match s.find(['t', 'T']) {
        Some(i) => (s.get(..i)?, Some(s.get(i + 1..)?)),
        None => (s, None),
    };
    let (negative, date) = match date.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, date),
    };
    let mut parts = date.split('-');
    let year = i64::from(digits(parts.next()?, 1, 9)?);
    let year = if negative { -year } else { year };
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return None;
    }
    let month = match parts.next() {
        Some(m) => digits(m, 1, 2)?,
        None => 1,
    };
    if !(1..=12).contains(&month) {
        return None;
    }
    let day = match parts.next() {
        Some(d) => digits(d, 1, 2)?,
        None => 1,
    };
    if day < 1 || day > days_in_month(year, month) || parts.next().is_some() {
        return None;
    }
    let (seconds_of_day, nanos, offset) = match time {
        Some(time) => parse_time(time)?,
        None => (0, 0, 0),
    };
    let days = days_from_civil(year, month, day);
    let seconds = i128::from(days) * 86_400 + i128::from(seconds_of_day) - i128::from(offset);
    Some(seconds * NANOS_PER_SECOND + i128::from(nanos))
}

/// `hh[:mm[:ss[.fraction]]][offset]` → (seconds of day, nanoseconds, offset seconds east).
fn parse_time(time: &str) -> Option<(i64, u32, i64)> {
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => (time.get(..i)?, parse_offset(time.get(i..)?)?),
        None => (time, 0),
    };
    if clock.is_empty() {
        // `2016-01-01T` is accepted by IAM; an offset with no time is not.
        return (offset == 0 && time.is_empty()).then_some((0, 0, 0));
    }
    let mut fields = clock.split(':');
    let hour = digits(fields.next()?, 1, 2)?;
    let minute = fields.next().map_or(Some(0), |m| digits(m, 1, 2))?;
    let (second, nanos) = match fields.next() {
        Some(s) => {
            let (whole, fraction) = match s.split_once('.') {
                Some((w, f)) => (w, Some(f)),
                None => (s, None),
            };
            let second = digits(whole, 1, 2)?;
            let nanos = match fraction {
                Some(f) => {
                    let value = digits(f, 1, 9)?;
                    let scale = 10u32.checked_pow(9 - u32::try_from(f.len()).ok()?)?;
                    value.checked_mul(scale)?
                }
                None => 0,
            };
            (second, nanos)
        }
        None => (0, 0),
    };
    if fields.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let seconds = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    Some((seconds, nanos, offset))
}

/// `Z`, `±hh`, `±hh:mm` or `±hhmm` → seconds east of UTC.
fn parse_offset(text: &str) -> Option<i64> {
    if text == "Z" || text == "z" {
        return Some(0);
    }
    let (sign, rest) = match text.strip_prefix('+') {
        Some(rest) => (1, rest),
        None => (-1, text.strip_prefix('-')?),
    };
    let (hours, minutes) = match rest.len() {
        2 => (rest, "00"),
        4 => (rest.get(..2)?, rest.get(2..)?),
        5 => {
            let (h, m) = rest.split_once(':')?;
            (h, m)
        }
        _ => return None,
    };
    let hours = digits(hours, 2, 2)?;
    let minutes = digits(minutes, 2, 2)?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * (i64::from(hours) * 3600 + i64::from(minutes) * 60))
}

/// A run of `min..=max` ASCII digits (at most 9, so it fits a `u32`).
fn digits(text: &str, min: usize, max: usize) -> Option<u32> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`), valid for every year in `MIN_YEAR..=MAX_YEAR`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Parses a `Numeric*` condition value: an optional sign, digits, an optional fraction and an
/// optional exponent. Exponents are accepted because a JSON number in a policy reaches us as
/// serde_json renders it (`1e300`). `NaN`, `inf` and hexadecimal are refused.
pub fn parse_number(s: &str) -> Option<f64> {
    let bytes = s.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let run = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !run(&mut i) {
        return None;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if !run(&mut i) {
            return None;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !run(&mut i) {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses a `Bool` or `Null` condition value: `true` or `false` in any case (a JSON boolean
/// reaches us as its text).
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Parses an `IpAddress`/`NotIpAddress` value: an IPv4 or IPv6 CIDR block, or a bare address,
/// which means that single address (/32 or /128). Host bits after the prefix are allowed
/// (`10.1.2.3/8`); callers compare with the network, as AWS does.
pub fn parse_ip_network(s: &str) -> Option<IpNet> {
    if let Ok(net) = s.parse::<IpNet>() {
        return Some(net);
    }
    s.parse::<IpAddr>().ok().map(IpNet::from)
}

/// Parses a `BinaryEquals` value: standard base64 with padding, as AWS's examples write it.
pub fn parse_binary(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let secs = |s: &str| parse_date(s).map(|n| n / NANOS_PER_SECOND);
        assert_eq!(secs("1970"), Some(1970));
        assert_eq!(secs("0"), Some(0));
        assert_eq!(secs("9223372036854775807"), Some(i128::from(i64::MAX)));
        assert_eq!(secs("2020-01-01"), Some(1_577_836_800));
        assert_eq!(secs("2020-01"), Some(1_577_836_800));
        assert_eq!(secs("2020-01-01T00:00:00Z"), Some(1_577_836_800));
        assert_eq!(secs("2020-01-01T00:00Z"), Some(1_577_836_800));
        assert_eq!(secs("2020-01-01T01:00:00+01:00"), Some(1_577_836_800));
        assert_eq!(secs("2019-12-31T19:00:00-05:00"), Some(1_577_836_800));
        assert_eq!(secs("2019-12-31T19:00:00-0500"), Some(1_577_836_800));
        assert_eq!(secs("2020-01-01t00:00:00z"), Some(1_577_836_800));
        assert_eq!(secs("2020-02-29"), Some(1_582_934_400));
        assert_eq!(secs("1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(
            parse_date("2020-01-01T00:00:00.5Z"),
            Some(1_577_836_800 * NANOS_PER_SECOND + 500_000_000)
        );
        assert!(parse_date("01T").is_some());
        assert!(parse_date("2016-12-13t2:00:00.593194+23").is_some());
        assert!(parse_date("-292275054").is_some());
        assert!(parse_date("292278993-12-31T23:59:59.999999999Z").is_some());
        for bad in [
            "",
            "sdfdsf",
            "234-13",
            "9223372036854775808",
            "2016-12-13T2:00:00+1",
            "2019-02-29",
            "2020-01-01T24:00",
            "2020-01-01T00:00:00.1234567890Z",
            "2020-01-01TZ",
            "-292275055",
            "2020-01-01-01",
            "2020--01",
            "+5",
            "1.5",
            "2020-01-01T00:00:60",
            "2020-01-01 00:00",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
    #[test]
    fn other_value_parsers() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-2.5"), Some(-2.5));
        assert_eq!(parse_number("+1e3"), Some(1000.0));
        for bad in [
            "", "NaN", "inf", "1.", ".5", "0x10", "1e", "1 ", "${aws:x}", "1e999",
        ] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("1"), None);
        assert_eq!(
            parse_ip_network("10.0.0.1").map(|n| n.prefix_len()),
            Some(32)
        );
        assert_eq!(
            parse_ip_network("2001:db8::1").map(|n| n.prefix_len()),
            Some(128)
        );
        assert_eq!(
            parse_ip_network("10.1.2.3/8").map(|n| n.to_string()),
            Some("10.1.2.3/8".to_owned())
        );
        assert_eq!(parse_ip_network("10.0.0.0/33"), None);
        assert_eq!(parse_ip_network(" 10.0.0.1"), None);
        assert_eq!(parse_binary("QmluYXJ5"), Some(b"Binary".to_vec()));
        assert_eq!(parse_binary("QmluYXJ5="), None);
    }

    proptest::proptest! {
        #[test]
        fn date_parser_never_panics(text in "[-0-9tTzZ:+.]{0,30}") {
            let _ = parse_date(&text);
        }
    }
}
