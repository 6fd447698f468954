//! Typed readings of condition values. Policy values and request values go through the same
//! functions, so validation accepts exactly what evaluation can compare.

use std::net::IpAddr;
use std::str::FromStr;

use base64::Engine as _;
use ipnet::IpNet;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// A `Numeric*` value: an integer or decimal, optionally signed. Exponents, `NaN` and infinities
/// are refused (AWS documents integers and decimals only).
pub fn parse_number(s: &str) -> Option<f64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    s.parse().ok()
}

/// A `Bool`/`Null` value: `true` or `false`, in any case.
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A `BinaryEquals` value: standard base64.
pub fn parse_binary(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

/// An `IpAddress` value: CIDR, or a bare address (AWS: "IAM uses the default prefix value of
/// /32"; for IPv6 Warden uses /128, the single address, which is what /32 means for IPv4).
pub fn parse_ip_network(s: &str) -> Option<IpNet> {
    if let Ok(net) = IpNet::from_str(s) {
        return Some(net);
    }
    IpAddr::from_str(s).ok().map(IpNet::from)
}

/// A `Date*` value as nanoseconds since the Unix epoch: epoch seconds (an integer, optionally
/// with a fraction), or a W3C profile of ISO 8601: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, and
/// `YYYY-MM-DDThh:mm[:ss[.s…]]` followed by `Z`, `±hh:mm` or nothing (UTC). Partial dates
/// mean the start of the period. A bare integer is always epoch seconds, so the W3C `YYYY` form
/// is not available (`2020` is 1970-01-01T00:33:40Z); write `2020-01-01` instead.
pub fn parse_date(s: &str) -> Option<i128> {
    if let Some(n) = parse_epoch(s) {
        return Some(n);
    }
    let (date_part, time_part) = match s.find(['T', 't']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut fields = date_part.split('-');
    let year: i32 = fixed_digits(fields.next()?, 4)?;
    let month: u8 = match fields.next() {
        Some(m) => fixed_digits(m, 2)?,
        None => 1,
    };
    let day: u8 = match fields.next() {
        Some(d) => fixed_digits(d, 2)?,
        None => 1,
    };
    if fields.next().is_some() {
        return None;
    }
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let (time, offset) = match time_part {
        None => (Time::MIDNIGHT, UtcOffset::UTC),
        Some(t) => parse_time(t)?,
    };
    let utc = PrimitiveDateTime::new(date, time).assume_offset(offset);
    Some(utc.unix_timestamp_nanos())
}

fn parse_epoch(s: &str) -> Option<i128> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = int.strip_prefix('-').unwrap_or(int);
    if digits.is_empty()
        || digits.len() > 19
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 9
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return None;
    }
    let seconds: i128 = int.parse().ok()?;
    let mut nanos: i128 = 0;
    if !frac.is_empty() {
        nanos = format!("{frac:0<9}").parse().ok()?;
    }
    let sign = if int.starts_with('-') { -1 } else { 1 };
    Some(seconds * 1_000_000_000 + sign * nanos)
}

fn fixed_digits<T: FromStr>(s: &str, len: usize) -> Option<T> {
    if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `hh:mm[:ss[.fraction]]` then `Z`, `±hh:mm`, `±hhmm` or nothing.
fn parse_time(t: &str) -> Option<(Time, UtcOffset)> {
    let tz_at = t.find(['Z', 'z', '+', '-']).unwrap_or(t.len());
    let (clock, zone) = t.split_at(tz_at);
    let offset = match zone {
        "" | "Z" | "z" => UtcOffset::UTC,
        z => {
            let sign: i8 = if z.starts_with('-') { -1 } else { 1 };
            let body = &z[1..];
            let (h, m) = match body.split_once(':') {
                Some((h, m)) => (h, m),
                None if body.len() == 4 => body.split_at(2),
                None => return None,
            };
            let h: i8 = fixed_digits(h, 2)?;
            let m: i8 = fixed_digits(m, 2)?;
            UtcOffset::from_hms(sign * h, sign * m, 0).ok()?
        }
    };
    let mut parts = clock.split(':');
    let hour: u8 = fixed_digits(parts.next()?, 2)?;
    let minute: u8 = fixed_digits(parts.next()?, 2)?;
    let (second, nanos) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let second: u8 = fixed_digits(whole, 2)?;
            if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) || (sec.contains('.') && frac.is_empty()) {
                return None;
            }
            let nanos: u32 = if frac.is_empty() {
                0
            } else {
                format!("{frac:0<9}").parse().ok()?
            };
            (second, nanos)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    let time = Time::from_hms_nano(hour, minute, second, nanos).ok()?;
    Some((time, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number(".5"), Some(0.5));
        assert_eq!(parse_number("5."), Some(5.0));
        for bad in ["", ".", "NaN", "inf", "1e3", "1,0", " 1", "0x10", "-"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        let day = 1_591_012_800_i128 * 1_000_000_000; // 2020-06-01T12:00:00Z
        assert_eq!(parse_date("2020-06-01T12:00:00Z"), Some(day));
        assert_eq!(parse_date("2020-06-01T12:00Z"), Some(day));
        assert_eq!(parse_date("2020-06-01T14:00:00+02:00"), Some(day));
        assert_eq!(parse_date("2020-06-01T14:00:00+0200"), Some(day));
        assert_eq!(parse_date("2020-06-01T12:00:00.5Z"), Some(day + 500_000_000));
        assert_eq!(parse_date("2020-06-01T12:00:00"), Some(day));
        assert_eq!(parse_date("1591012800"), Some(day));
        assert_eq!(parse_date("1591012800.25"), Some(day + 250_000_000));
        assert_eq!(parse_date("2020-06-01"), Some(day - 12 * 3600 * 1_000_000_000));
        // A bare integer is epoch seconds, even when it could be read as a year.
        assert_eq!(parse_date("2020"), Some(2020 * 1_000_000_000));
        assert_eq!(parse_date("2020-06"), parse_date("2020-06-01T00:00:00Z"));
        for bad in ["", "sdfdsf", "234-13", "2020-13-01", "2020-02-30", "2020-06-01T25:00Z", "2020-06-01T12:00:00+1", "99999999999999999999", "2020-06-01T12", "1.", "2020-06-01T12:00:00.1234567890Z"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn bools_binary_ips() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(parse_binary("AAE="), Some(vec![0, 1]));
        assert_eq!(parse_binary("not base64!"), None);
        assert_eq!(parse_ip_network("10.0.0.1").map(|n| n.prefix_len()), Some(32));
        assert_eq!(parse_ip_network("::1").map(|n| n.prefix_len()), Some(128));
        assert_eq!(parse_ip_network("10.0.0.0/8").map(|n| n.prefix_len()), Some(8));
        assert_eq!(parse_ip_network("10.0.0.0/33"), None);
        assert_eq!(parse_ip_network("host"), None);
    }
}
