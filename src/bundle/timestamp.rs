//! ISO-8601 timestamps as written by acpx (`2026-11-23T16:31:16.178Z`),
//! parsed to milliseconds since the Unix epoch without a date crate.

/// This machine's clock, in epoch milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` (or a `±HH:MM` offset).
pub fn parse_iso_millis(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if b[13] != b':' || b[16] != b':' || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut pos = 19;
    let mut millis = 0i64;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            if pos - start < 3 {
                millis = millis * 10 + i64::from(b[pos] - b'0');
            }
            pos += 1;
        }
        for _ in (pos - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(pos) {
        Some(b'Z') | Some(b'z') if pos + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == pos + 6 && b[pos + 3] == b':' => {
            let minutes = digits(b, pos + 1, 2)? * 60 + digits(b, pos + 4, 2)?;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        None => 0,
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// Formats epoch milliseconds as acpx does (`...T..:..:..mmmZ` with a dot).
pub fn format_iso_millis(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// `format_iso_millis` appended to `out` without a `String` per call (for
/// outputs that write millions of them); same bytes.
pub fn push_iso_millis(out: &mut Vec<u8>, ms: i64) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        // Signed or five-digit years: rare enough for `format!`.
        out.extend_from_slice(format_iso_millis(ms).as_bytes());
        return;
    }
    let two = |n: i64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    let (hour, minute, second) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60);
    let milli = rem % 1000;
    let [c1, c2] = two(y / 100);
    let [y1, y2] = two(y % 100);
    let [m1, m2] = two(m);
    let [d1, d2] = two(d);
    let [h1, h2] = two(hour);
    let [n1, n2] = two(minute);
    let [s1, s2] = two(second);
    let [f1, f2] = two(milli / 10);
    out.extend_from_slice(&[
        c1,
        c2,
        y1,
        y2,
        b'-',
        m1,
        m2,
        b'-',
        d1,
        d2,
        b'T',
        h1,
        h2,
        b':',
        n1,
        n2,
        b':',
        s1,
        s2,
        b'.',
        f1,
        f2,
        b'0' + (milli % 10) as u8,
        b'Z',
    ]);
}

fn digits(b: &[u8], start: usize, len: usize) -> Option<i64> {
    let slice = b.get(start..start + len)?;
    slice.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_timestamps_are_the_formatted_ones() {
        let mut ms = -62_200_000_000_000i64; // before year 0
        let mut out = Vec::new();
        while ms < 260_000_000_000_000 {
            out.clear();
            push_iso_millis(&mut out, ms);
            assert_eq!(String::from_utf8_lossy(&out), format_iso_millis(ms), "{ms}");
            // Steps that are not round, so every field takes many values.
            ms += 86_399_999_937;
        }
        for ms in [0, -1, 1, 999, 86_399_999, i64::MIN / 2, i64::MAX / 2] {
            out.clear();
            push_iso_millis(&mut out, ms);
            assert_eq!(String::from_utf8_lossy(&out), format_iso_millis(ms), "{ms}");
        }
    }

    #[test]
    fn parses_acpx_timestamps() {
        assert_eq!(parse_iso_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_iso_millis("1970-01-02T00:00:01.5Z"), Some(86_401_500));
        // 2026-11-23T16:31:16.178Z: 20_780 days after the epoch.
        let expected = (20_780 * 86_400 + 16 * 3600 + 31 * 60 + 16) * 1000 + 178;
        assert_eq!(parse_iso_millis("2026-11-23T16:31:16.178Z"), Some(expected));
        assert_eq!(
            parse_iso_millis("2026-11-23T18:31:16.178+02:00"),
            Some(expected)
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-23T16:31:16.178Q",
        ] {
            assert_eq!(parse_iso_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for s in [
            "2026-11-23T16:31:16.178Z",
            "2000-02-29T23:59:59.999Z",
            "1969-12-31T23:59:59.001Z",
        ] {
            let ms = parse_iso_millis(s).expect("parse");
            assert_eq!(format_iso_millis(ms), s);
        }
    }
}
