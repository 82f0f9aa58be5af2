//! Sprig's date functions on a Go `time.Time` value: Go's reference-time layouts
//! (`2006-01-02 15:04:05.999999999 -0700 MST`, ported from `time/format.go`), `time.LoadLocation`
//! zones (the system tz database, read through `jiff`), `time.ParseDuration` and
//! `Duration.String`. `now` can be pinned by [`crate::Options::now`] for reproducible renders.

use std::sync::Arc;

use gotmpl::{ArgType, Func, IntKind, Object, Value};

use crate::conv::{as_str, parse_int};
use crate::t::*;
use crate::{Env, R, Reg};

const TIME: &str = "time.Time";

/// A zone: name as Go's `LoadLocation` got it, and the resolved tz.
#[derive(Clone, Debug)]
pub(crate) struct Loc {
    name: String,
    tz: jiff::tz::TimeZone,
    /// Go's `FixedZone(name, offset)` (from parsing a numeric or unknown zone).
    fixed: Option<i32>,
}

impl Loc {
    fn utc() -> Loc {
        Loc {
            name: "UTC".into(),
            tz: jiff::tz::TimeZone::UTC,
            fixed: None,
        }
    }

    /// Go's `time.Local`: `$TZ` if set (empty means UTC), else `/etc/localtime`.
    fn local() -> Loc {
        let tz = match std::env::var("TZ") {
            Ok(s) if s.is_empty() || s == "UTC" => jiff::tz::TimeZone::UTC,
            Ok(s) => jiff::tz::TimeZone::get(s.trim_start_matches(':'))
                .unwrap_or(jiff::tz::TimeZone::UTC),
            Err(_) => jiff::tz::TimeZone::system(),
        };
        Loc {
            name: "Local".into(),
            tz,
            fixed: None,
        }
    }

    /// Go's `time.LoadLocation`.
    fn load(name: &str) -> Option<Loc> {
        match name {
            "" | "UTC" => Some(Loc::utc()),
            "Local" => Some(Loc::local()),
            n if n.contains("..") || n.starts_with('/') || n.contains('\\') => None,
            n => jiff::tz::TimeZone::get(n).ok().map(|tz| Loc {
                name: n.to_string(),
                tz,
                fixed: None,
            }),
        }
    }

    /// Go's `FixedZone`.
    fn fixed(name: &str, off: i32) -> Loc {
        Loc {
            name: name.to_string(),
            tz: jiff::tz::TimeZone::UTC,
            fixed: Some(off),
        }
    }

    /// Go's `Date` conversion of a wall clock in this zone to Unix seconds.
    fn wall_to_unix(&self, wall: i64) -> i64 {
        let (off, _) = self.zone_at(wall);
        if off == 0 {
            return wall;
        }
        let utc = wall - i64::from(off);
        let (off2, _) = self.zone_at(utc);
        wall - i64::from(off2)
    }

    /// Go's `Location.lookupName`: the offset of abbreviation `name` near `unix`.
    fn lookup_name(&self, name: &str, unix: i64) -> Option<i32> {
        for delta in [0, -182 * 86_400, 182 * 86_400] {
            let (off, abbr) = self.zone_at(unix + delta);
            if abbr == name {
                let (off2, abbr2) = self.zone_at(unix - i64::from(off));
                if abbr2 == name {
                    return Some(off2);
                }
                return Some(off);
            }
        }
        None
    }

    /// Offset seconds east of UTC and abbreviation at `unix`.
    fn zone_at(&self, unix: i64) -> (i32, String) {
        if let Some(off) = self.fixed {
            return (off, self.name.clone());
        }
        let ts = jiff::Timestamp::from_second(unix.clamp(-377_705_116_800, 253_402_207_200))
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let info = self.tz.to_offset_info(ts);
        let abbr = info.abbreviation().to_string();
        let off = info.offset().seconds();
        if self.name == "UTC" {
            return (0, "UTC".into());
        }
        (off, abbr)
    }
}

/// A Go `time.Time`: an instant and the location it is shown in.
#[derive(Clone, Debug)]
pub(crate) struct Time {
    pub unix: i64,
    pub nsec: u32,
    pub loc: Loc,
    /// Go's monotonic reading (`m=+...` in `String()`), set by `now`.
    pub mono: Option<f64>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    yday: u32,
    wday: usize,
    hour: u32,
    min: u32,
    sec: u32,
    nsec: u32,
    offset: i32,
    zone: String,
}

impl Time {
    fn parts(&self) -> Parts {
        let (offset, zone) = self.loc.zone_at(self.unix);
        let local = self.unix + i64::from(offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil(days);
        let yday = (days - days_from_civil(year, 1, 1) + 1) as u32;
        Parts {
            year,
            month,
            day,
            yday,
            wday: (days + 4).rem_euclid(7) as usize,
            hour: secs / 3600,
            min: secs / 60 % 60,
            sec: secs % 60,
            nsec: self.nsec,
            offset,
            zone,
        }
    }

    /// Go's `Time.Format`.
    pub(crate) fn format(&self, layout: &str) -> String {
        format(&self.parts(), layout)
    }

    /// Go's `Time.String`.
    fn string(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            s.push_str(&format!(" m=+{m:.9}"));
        }
        s
    }

    fn add(&self, d: i64) -> Time {
        let total = i128::from(self.unix) * 1_000_000_000 + i128::from(self.nsec) + i128::from(d);
        Time {
            unix: total.div_euclid(1_000_000_000) as i64,
            nsec: total.rem_euclid(1_000_000_000) as u32,
            loc: self.loc.clone(),
            mono: None,
        }
    }
}

fn append_int(b: &mut String, x: i64, width: usize) {
    if x < 0 {
        b.push('-');
    }
    let s = x.unsigned_abs().to_string();
    for _ in s.len()..width {
        b.push('0');
    }
    b.push_str(&s);
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    Iso(&'static str),
    Num(&'static str),
    Frac { nines: bool, n: usize, sep: char },
}

/// Go's `nextStdChunk`: literal prefix, element, rest.
fn next_std(l: &str) -> (&str, Option<Std>, &str) {
    let b = l.as_bytes();
    let has = |i: usize, s: &str| l.get(i..).is_some_and(|r| r.starts_with(s));
    let lower_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_lowercase);
    for i in 0..b.len() {
        let r = |std: Std, n: usize| (&l[..i], Some(std), &l[i + n..]);
        match b[i] {
            b'J' if has(i, "Jan") => {
                if has(i, "January") {
                    return r(Std::LongMonth, 7);
                }
                if !lower_at(i + 3) {
                    return r(Std::Month, 3);
                }
            }
            b'M' => {
                if has(i, "Mon") {
                    if has(i, "Monday") {
                        return r(Std::LongWeekDay, 6);
                    }
                    if !lower_at(i + 3) {
                        return r(Std::WeekDay, 3);
                    }
                }
                if has(i, "MST") {
                    return r(Std::Tz, 3);
                }
            }
            b'0' => {
                if let Some(&c) = b.get(i + 1)
                    && (b'1'..=b'6').contains(&c)
                {
                    let s = [
                        Std::ZeroMonth,
                        Std::ZeroDay,
                        Std::ZeroHour12,
                        Std::ZeroMinute,
                        Std::ZeroSecond,
                        Std::Year,
                    ][(c - b'1') as usize];
                    return r(s, 2);
                }
                if has(i, "002") {
                    return r(Std::ZeroYearDay, 3);
                }
            }
            b'1' => {
                if has(i, "15") {
                    return r(Std::Hour, 2);
                }
                return r(Std::NumMonth, 1);
            }
            b'2' => {
                if has(i, "2006") {
                    return r(Std::LongYear, 4);
                }
                return r(Std::Day, 1);
            }
            b'_' => {
                if b.get(i + 1) == Some(&b'2') {
                    if has(i + 1, "2006") {
                        return (&l[..i + 1], Some(Std::LongYear), &l[i + 5..]);
                    }
                    return r(Std::UnderDay, 2);
                }
                if has(i, "__2") {
                    return r(Std::UnderYearDay, 3);
                }
            }
            b'3' => return r(Std::Hour12, 1),
            b'4' => return r(Std::Minute, 1),
            b'5' => return r(Std::Second, 1),
            b'P' if b.get(i + 1) == Some(&b'M') => return r(Std::PM, 2),
            b'p' if b.get(i + 1) == Some(&b'm') => return r(Std::Pm, 2),
            b'-' => {
                for s in ["-070000", "-07:00:00", "-0700", "-07:00", "-07"] {
                    if has(i, s) {
                        return r(Std::Num(s), s.len());
                    }
                }
            }
            b'Z' => {
                for s in ["Z070000", "Z07:00:00", "Z0700", "Z07:00", "Z07"] {
                    if has(i, s) {
                        return r(Std::Iso(s), s.len());
                    }
                }
            }
            c @ (b'.' | b',') => {
                if let Some(&d) = b.get(i + 1)
                    && (d == b'0' || d == b'9')
                {
                    let mut j = i + 1;
                    while j < b.len() && b[j] == d {
                        j += 1;
                    }
                    if !b.get(j).is_some_and(u8::is_ascii_digit) {
                        return (
                            &l[..i],
                            Some(Std::Frac {
                                nines: d == b'9',
                                n: j - i - 1,
                                sep: char::from(c),
                            }),
                            &l[j..],
                        );
                    }
                }
            }
            _ => {}
        }
    }
    (l, None, "")
}

fn format(p: &Parts, layout: &str) -> String {
    let mut b = String::new();
    let mut l = layout;
    loop {
        let (prefix, std, suffix) = next_std(l);
        b.push_str(prefix);
        let Some(std) = std else { break };
        l = suffix;
        match std {
            Std::Year => {
                append_int(&mut b, (p.year.abs()) % 100, 2);
            }
            Std::LongYear => append_int(&mut b, p.year, 4),
            Std::Month => b.push_str(&MONTHS[p.month as usize - 1][..3]),
            Std::LongMonth => b.push_str(MONTHS[p.month as usize - 1]),
            Std::NumMonth => append_int(&mut b, i64::from(p.month), 0),
            Std::ZeroMonth => append_int(&mut b, i64::from(p.month), 2),
            Std::WeekDay => b.push_str(&DAYS[p.wday][..3]),
            Std::LongWeekDay => b.push_str(DAYS[p.wday]),
            Std::Day => append_int(&mut b, i64::from(p.day), 0),
            Std::UnderDay => {
                if p.day < 10 {
                    b.push(' ');
                }
                append_int(&mut b, i64::from(p.day), 0);
            }
            Std::ZeroDay => append_int(&mut b, i64::from(p.day), 2),
            Std::UnderYearDay => {
                if p.yday < 100 {
                    b.push(' ');
                    if p.yday < 10 {
                        b.push(' ');
                    }
                }
                append_int(&mut b, i64::from(p.yday), 0);
            }
            Std::ZeroYearDay => append_int(&mut b, i64::from(p.yday), 3),
            Std::Hour => append_int(&mut b, i64::from(p.hour), 2),
            Std::Hour12 | Std::ZeroHour12 => {
                let hr = match p.hour % 12 {
                    0 => 12,
                    h => h,
                };
                append_int(
                    &mut b,
                    i64::from(hr),
                    if std == Std::Hour12 { 0 } else { 2 },
                );
            }
            Std::Minute => append_int(&mut b, i64::from(p.min), 0),
            Std::ZeroMinute => append_int(&mut b, i64::from(p.min), 2),
            Std::Second => append_int(&mut b, i64::from(p.sec), 0),
            Std::ZeroSecond => append_int(&mut b, i64::from(p.sec), 2),
            Std::PM => b.push_str(if p.hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => b.push_str(if p.hour >= 12 { "pm" } else { "am" }),
            Std::Iso(s) | Std::Num(s) => {
                if p.offset == 0 && matches!(std, Std::Iso(_)) {
                    b.push('Z');
                    continue;
                }
                let mut zone = p.offset / 60;
                let mut abs = p.offset;
                if zone < 0 {
                    b.push('-');
                    zone = -zone;
                    abs = -abs;
                } else {
                    b.push('+');
                }
                append_int(&mut b, i64::from(zone / 60), 2);
                let body = &s[1..];
                if body.starts_with("07:") {
                    b.push(':');
                }
                if body != "07" {
                    append_int(&mut b, i64::from(zone % 60), 2);
                }
                if body == "070000" || body == "07:00:00" {
                    if body == "07:00:00" {
                        b.push(':');
                    }
                    append_int(&mut b, i64::from(abs % 60), 2);
                }
            }
            Std::Tz => {
                if !p.zone.is_empty() {
                    b.push_str(&p.zone);
                } else {
                    let mut zone = p.offset / 60;
                    if zone < 0 {
                        b.push('-');
                        zone = -zone;
                    } else {
                        b.push('+');
                    }
                    append_int(&mut b, i64::from(zone / 60), 2);
                    append_int(&mut b, i64::from(zone % 60), 2);
                }
            }
            Std::Frac { nines, n, sep } => {
                if nines && (n == 0 || p.nsec == 0) {
                    continue;
                }
                let start = b.len();
                b.push(sep);
                let digits = format!("{:09}", p.nsec);
                b.push_str(&digits[..n.min(9)]);
                if nines {
                    while b.len() > start && b.ends_with('0') {
                        b.pop();
                    }
                    if b.len() == start + 1 {
                        b.pop();
                    }
                }
            }
        }
    }
    b
}

/// Go's `time.ParseDuration` (nanoseconds).
pub(crate) fn parse_duration(orig: &str) -> Result<i64, String> {
    let err = |m: &str| format!("time: {m} {}", tquote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next()
        && (c == '-' || c == '+')
    {
        neg = c == '-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(err("invalid duration"));
    }
    let mut d: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(err("invalid duration"));
        }
        let pl = s.len();
        let mut v: u64 = 0;
        let mut i = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            if v > (1u64 << 63) / 10 {
                return Err(err("invalid duration"));
            }
            v = v * 10 + u64::from(b[i] - b'0');
            if v > 1u64 << 63 {
                return Err(err("invalid duration"));
            }
            i += 1;
        }
        s = &s[i..];
        let pre = pl != s.len();
        let mut post = false;
        let (mut f, mut scale) = (0u64, 1f64);
        if s.starts_with('.') {
            s = &s[1..];
            let pl = s.len();
            let b = s.as_bytes();
            let mut i = 0;
            let mut overflow = false;
            while i < b.len() && b[i].is_ascii_digit() {
                if !overflow {
                    if f > ((1u64 << 63) - 1) / 10 {
                        overflow = true;
                    } else {
                        let y = f * 10 + u64::from(b[i] - b'0');
                        if y > 1u64 << 63 {
                            overflow = true;
                        } else {
                            f = y;
                            scale *= 10.0;
                        }
                    }
                }
                i += 1;
            }
            s = &s[i..];
            post = pl != s.len();
        }
        if !pre && !post {
            return Err(err("invalid duration"));
        }
        let i = s
            .bytes()
            .position(|c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if i == 0 {
            return Err(err("missing unit in duration"));
        }
        let u = &s[..i];
        s = &s[i..];
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                let q = tquote(u);
                return Err(err(&format!("unknown unit {q} in duration")));
            }
        };
        if v > (1u64 << 63) / unit {
            return Err(err("invalid duration"));
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1u64 << 63 {
                return Err(err("invalid duration"));
            }
        }
        d += v;
        if d > 1u64 << 63 {
            return Err(err("invalid duration"));
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > (1u64 << 63) - 1 {
        return Err(err("invalid duration"));
    }
    Ok(d as i64)
}

fn fmt_frac(buf: &mut Vec<u8>, mut v: u64, prec: usize) -> u64 {
    let mut print = false;
    let mut tmp = Vec::new();
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            tmp.push(b'0' + digit as u8);
        }
        v /= 10;
    }
    if print {
        tmp.push(b'.');
    }
    buf.extend(tmp);
    v
}

fn fmt_int(buf: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        buf.push(b'0');
    }
    while v > 0 {
        buf.push(b'0' + (v % 10) as u8);
        v /= 10;
    }
}

/// Go's `Duration.String`.
pub(crate) fn duration_string(d: i64) -> String {
    // Built backwards, as Go does, then reversed.
    let mut buf: Vec<u8> = Vec::new();
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    if u < 1_000_000_000 {
        let prec;
        buf.push(b's');
        if u == 0 {
            return "0s".into();
        } else if u < 1_000 {
            prec = 0;
            buf.push(b'n');
        } else if u < 1_000_000 {
            prec = 3;
            buf.extend("µ".bytes().rev());
        } else {
            prec = 6;
            buf.push(b'm');
        }
        u = fmt_frac(&mut buf, u, prec);
        fmt_int(&mut buf, u);
    } else {
        buf.push(b's');
        u = fmt_frac(&mut buf, u, 9);
        fmt_int(&mut buf, u % 60);
        u /= 60;
        if u > 0 {
            buf.push(b'm');
            fmt_int(&mut buf, u % 60);
            u /= 60;
            if u > 0 {
                buf.push(b'h');
                fmt_int(&mut buf, u);
            }
        }
    }
    if neg {
        buf.push(b'-');
    }
    buf.reverse();
    String::from_utf8_lossy(&buf).into_owned()
}

#[derive(Debug)]
struct TimeObj(Time);

pub(crate) fn time_value(t: Time) -> Value {
    Value::Object(Arc::new(TimeObj(t)))
}

/// The `time.Time` inside a value, if it is one of Sprig's own.
fn as_time(v: &Value) -> Option<Time> {
    match v {
        Value::Object(o) => o.downcast_ref::<TimeObj>().map(|t| t.0.clone()),
        _ => None,
    }
}

impl Object for TimeObj {
    fn type_name(&self) -> String {
        TIME.into()
    }
    fn display(&self) -> String {
        self.0.string()
    }
    /// Go's `Time.MarshalJSON`: RFC 3339 with nanoseconds, quoted; years outside 0..=9999 are
    /// an error there (`None` here: the encoder then rejects the value).
    fn marshal_json(&self) -> Option<String> {
        if !(0..=9999).contains(&self.0.parts().year) {
            return None;
        }
        Some(format!(
            "\"{}\"",
            self.0.format("2006-01-02T15:04:05.999999999Z07:00")
        ))
    }
    fn method(&self, name: &str) -> Option<Func> {
        let t = self.0.clone();
        Some(match name {
            "Format" => Func::simple(vec![S], move |a| Value::string(t.format(as_str(&a[0])))),
            "Unix" => Func::simple(vec![], move |_| Value::Int(t.unix, IntKind::Int64)),
            "UnixNano" => Func::simple(vec![], move |_| {
                Value::Int(
                    t.unix
                        .wrapping_mul(1_000_000_000)
                        .wrapping_add(i64::from(t.nsec)),
                    IntKind::Int64,
                )
            }),
            "Year" => Func::simple(vec![], move |_| Value::int(t.parts().year)),
            "YearDay" => Func::simple(vec![], move |_| Value::int(i64::from(t.parts().yday))),
            "Day" => Func::simple(vec![], move |_| Value::int(i64::from(t.parts().day))),
            "Hour" => Func::simple(vec![], move |_| Value::int(i64::from(t.parts().hour))),
            "Minute" => Func::simple(vec![], move |_| Value::int(i64::from(t.parts().min))),
            "Second" => Func::simple(vec![], move |_| Value::int(i64::from(t.parts().sec))),
            "Nanosecond" => Func::simple(vec![], move |_| Value::int(i64::from(t.nsec))),
            "String" => Func::simple(vec![], move |_| Value::string(t.string())),
            "UTC" => Func::simple(vec![], move |_| {
                time_value(Time {
                    loc: Loc::utc(),
                    mono: None,
                    ..t.clone()
                })
            }),
            "Local" => Func::simple(vec![], move |_| {
                time_value(Time {
                    loc: Loc::local(),
                    mono: None,
                    ..t.clone()
                })
            }),
            "IsZero" => Func::simple(vec![], move |_| {
                Value::Bool(t.unix == -62_135_596_800 && t.nsec == 0)
            }),
            _ => return None,
        })
    }
}

/// Time as a registered function receives it (`time.Time` parameters).
fn time_arg(v: &Value) -> Time {
    as_time(v).unwrap_or_else(zero_time)
}

/// Go's zero `time.Time` (January 1, year 1, UTC).
fn zero_time() -> Time {
    Time {
        unix: -62_135_596_800,
        nsec: 0,
        loc: Loc::utc(),
        mono: None,
    }
}

fn now(env_now: Option<i64>) -> Time {
    match env_now {
        Some(s) => Time {
            unix: s,
            nsec: 0,
            loc: Loc::local(),
            mono: None,
        },
        None => {
            let d = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            Time {
                unix: d.as_secs() as i64,
                nsec: d.subsec_nanos(),
                loc: Loc::local(),
                mono: Some(0.000_001),
            }
        }
    }
}

fn date_in_zone(fmt: &str, date: &Value, zone: &str, env_now: Option<i64>) -> String {
    let t = match date {
        Value::Int(i, IntKind::Int64 | IntKind::Int | IntKind::Int32) => Time {
            unix: *i,
            nsec: 0,
            loc: Loc::local(),
            mono: None,
        },
        v => as_time(v).unwrap_or_else(|| now(env_now)),
    };
    let loc = Loc::load(zone).unwrap_or_else(Loc::utc);
    Time { loc, ..t }.format(fmt)
}

/// Go's `time` package `quote` (non-ASCII and control bytes as `\xNN`).
fn tquote(s: &str) -> String {
    let mut b = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                b.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                b.push('\\');
            }
            b.push(c);
        }
    }
    b.push('"');
    b
}

fn days_in(m: u32, y: i64) -> u32 {
    match m {
        2 => {
            if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) {
                29
            } else {
                28
            }
        }
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if !digit(b, 0) {
        return None;
    }
    if !digit(b, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'),
        &s[2..],
    ))
}

fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let mut n = 0i64;
    let mut i = 0;
    while i < 3 && digit(b, i) {
        n = n * 10 + i64::from(b[i] - b'0');
        i += 1;
    }
    if i == 0 || fixed && i != 3 {
        return None;
    }
    Some((n, &s[i..]))
}

fn go_atoi(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: i64 = body.parse().ok()?;
    Some(if neg { -v } else { v })
}

fn lookup<'a>(tab: &[&str], val: &'a str, short: bool) -> Option<(usize, &'a str)> {
    for (i, v) in tab.iter().enumerate() {
        let v = if short { &v[..3] } else { v };
        if val.len() >= v.len() && val.as_bytes()[..v.len()].eq_ignore_ascii_case(v.as_bytes()) {
            return Some((i, &val[v.len()..]));
        }
    }
    None
}

fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Option<&'a str> {
    while !prefix.is_empty() {
        if prefix.starts_with(' ') {
            if !value.is_empty() && !value.starts_with(' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        if value.is_empty() || value.as_bytes()[0] != prefix.as_bytes()[0] {
            return None;
        }
        let n = prefix.chars().next().map_or(1, char::len_utf8);
        if !value.is_char_boundary(n) || value[..n] != prefix[..n] {
            return None;
        }
        prefix = &prefix[n..];
        value = &value[n..];
    }
    Some(value)
}

fn parse_nanoseconds(value: &str, nbytes: usize) -> Result<(i64, &'static str), ()> {
    let b = value.as_bytes();
    if !matches!(b.first(), Some(b'.' | b',')) {
        return Err(());
    }
    let nbytes = nbytes.min(10);
    let ns = go_atoi(value.get(1..nbytes).ok_or(())?).ok_or(())?;
    if ns < 0 {
        return Ok((0, "fractional second"));
    }
    let mut ns = ns;
    for _ in 0..10 - nbytes {
        ns *= 10;
    }
    Ok((ns, ""))
}

fn leading_int(s: &str) -> (u64, &str) {
    let i = s.bytes().take_while(u8::is_ascii_digit).count();
    (s[..i].parse().unwrap_or(u64::MAX), &s[i..])
}

fn parse_signed_offset(v: &str) -> usize {
    let b = v.as_bytes();
    if b.is_empty() || (b[0] != b'-' && b[0] != b'+') {
        return 0;
    }
    let (x, rem) = leading_int(&v[1..]);
    if rem.len() == v.len() - 1 || x > 23 {
        return 0;
    }
    v.len() - rem.len()
}

fn parse_time_zone(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if b.len() >= 4 && (&v[..4] == "ChST" || &v[..4] == "MeST") {
        return Some(4);
    }
    if &v[..3] == "GMT" {
        return Some(
            3 + if b.len() > 3 {
                parse_signed_offset(&v[3..])
            } else {
                0
            },
        );
    }
    if b[0] == b'+' || b[0] == b'-' {
        let n = parse_signed_offset(v);
        return (n > 0).then_some(n);
    }
    let n_upper = b
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match n_upper {
        5 if b[4] == b'T' => Some(5),
        4 if b[3] == b'T' || &v[..4] == "WITA" => Some(4),
        3 => Some(3),
        _ => None,
    }
}

/// Go's `time.ParseInLocation(layout, value, loc)`.
pub(crate) fn parse_time(alayout: &str, avalue: &str, local: &Loc) -> Result<Time, String> {
    let perr = |le: &str, ve: &str, msg: &str| {
        if msg.is_empty() {
            format!(
                "parsing time {} as {}: cannot parse {} as {}",
                tquote(avalue),
                tquote(alayout),
                tquote(ve),
                tquote(le)
            )
        } else {
            format!("parsing time {}{msg}", tquote(avalue))
        }
    };
    let (mut layout, mut value) = (alayout, avalue);
    let (mut am, mut pm) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut z: Option<Loc> = None;
    let mut zone_offset: i64 = -1;
    let mut zone_name = String::new();
    loop {
        let (prefix, std, suffix) = next_std(layout);
        let stdstr = &layout[prefix.len()..layout.len() - suffix.len()];
        value = match skip(value, prefix) {
            Some(v) => v,
            None => return Err(perr(prefix, value, "")),
        };
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(perr("", value, &format!(": extra text: {}", tquote(value))));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range = "";
        let mut ok = true;
        let vb = value.as_bytes();
        match std {
            Std::Year => {
                if vb.len() < 2 {
                    ok = false;
                } else {
                    match go_atoi(&value[..2]) {
                        Some(y) => {
                            year = if y >= 69 { y + 1900 } else { y + 2000 };
                            value = &value[2..];
                        }
                        None => ok = false,
                    }
                }
            }
            Std::LongYear => {
                if vb.len() < 4 || !digit(vb, 0) {
                    ok = false;
                } else {
                    match value.get(..4).and_then(go_atoi) {
                        Some(y) => {
                            year = y;
                            value = &value[4..];
                        }
                        None => ok = false,
                    }
                }
            }
            Std::Month | Std::LongMonth => match lookup(&MONTHS, value, std == Std::Month) {
                Some((i, rest)) => {
                    month = i as i64 + 1;
                    value = rest;
                }
                None => ok = false,
            },
            Std::NumMonth | Std::ZeroMonth => match getnum(value, std == Std::ZeroMonth) {
                Some((m, rest)) => {
                    month = m;
                    value = rest;
                    if !(1..=12).contains(&m) {
                        range = "month";
                    }
                }
                None => ok = false,
            },
            Std::WeekDay | Std::LongWeekDay => match lookup(&DAYS, value, std == Std::WeekDay) {
                Some((_, rest)) => value = rest,
                None => ok = false,
            },
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && value.starts_with(' ') {
                    value = &value[1..];
                }
                match getnum(value, std == Std::ZeroDay) {
                    Some((d, rest)) => {
                        day = d;
                        value = rest;
                    }
                    None => ok = false,
                }
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                }
                match getnum3(value, std == Std::ZeroYearDay) {
                    Some((d, rest)) => {
                        yday = d;
                        value = rest;
                    }
                    None => ok = false,
                }
            }
            Std::Hour | Std::Hour12 | Std::ZeroHour12 => {
                match getnum(value, std == Std::ZeroHour12) {
                    Some((h, rest)) => {
                        hour = h;
                        value = rest;
                    }
                    None => ok = false,
                }
                let max = if std == Std::Hour { 23 } else { 12 };
                if hour < 0 || hour > max {
                    range = "hour";
                }
            }
            Std::Minute | Std::ZeroMinute => {
                match getnum(value, std == Std::ZeroMinute) {
                    Some((m, rest)) => {
                        min = m;
                        value = rest;
                    }
                    None => ok = false,
                }
                if !(0..60).contains(&min) {
                    range = "minute";
                }
            }
            Std::Second | Std::ZeroSecond => match getnum(value, std == Std::ZeroSecond) {
                Some((s2, rest)) => {
                    sec = s2;
                    value = rest;
                    if !(0..60).contains(&sec) {
                        range = "second";
                    } else {
                        let b = value.as_bytes();
                        if b.len() >= 2 && matches!(b[0], b'.' | b',') && digit(b, 1) {
                            let (_, next, _) = next_std(layout);
                            if !matches!(next, Some(Std::Frac { .. })) {
                                let mut n = 2;
                                while digit(b, n) {
                                    n += 1;
                                }
                                match parse_nanoseconds(value, n) {
                                    Ok((ns, r)) => {
                                        nsec = ns;
                                        range = r;
                                    }
                                    Err(()) => ok = false,
                                }
                                value = &value[n..];
                            }
                        }
                    }
                }
                None => ok = false,
            },
            Std::PM | Std::Pm => {
                if vb.len() < 2 {
                    ok = false;
                } else {
                    let p = &value[..2.min(value.len())];
                    let (u, l) = if std == Std::PM {
                        ("PM", "AM")
                    } else {
                        ("pm", "am")
                    };
                    if p == u {
                        pm = true;
                    } else if p == l {
                        am = true;
                    } else {
                        ok = false;
                    }
                    if ok {
                        value = &value[2..];
                    }
                }
            }
            Std::Iso(_) | Std::Num(_) => {
                let body = match std {
                    Std::Iso(s) | Std::Num(s) => &s[1..],
                    _ => "",
                };
                if matches!(std, Std::Iso(_)) && value.starts_with('Z') {
                    value = &value[1..];
                    z = Some(Loc::utc());
                } else {
                    let parts: Option<(&str, &str, &str, &str, usize)> = match body {
                        "07:00" if vb.len() >= 6 && vb[3] == b':' => {
                            Some((&value[..1], &value[1..3], &value[4..6], "00", 6))
                        }
                        "07" if vb.len() >= 3 => Some((&value[..1], &value[1..3], "00", "00", 3)),
                        "07:00:00" if vb.len() >= 9 && vb[3] == b':' && vb[6] == b':' => {
                            Some((&value[..1], &value[1..3], &value[4..6], &value[7..9], 9))
                        }
                        "070000" if vb.len() >= 7 => {
                            Some((&value[..1], &value[1..3], &value[3..5], &value[5..7], 7))
                        }
                        "0700" if vb.len() >= 5 => {
                            Some((&value[..1], &value[1..3], &value[3..5], "00", 5))
                        }
                        _ => None,
                    };
                    match parts {
                        None => ok = false,
                        Some((sign, h, m, s2, n)) => {
                            let hr = getnum(h, true);
                            let mm = getnum(m, true);
                            let ss = getnum(s2, true);
                            match (hr, mm, ss) {
                                (Some((hr, _)), Some((mm, _)), Some((ss, _))) => {
                                    if hr > 24 {
                                        range = "time zone offset hour";
                                    }
                                    if mm > 60 {
                                        range = "time zone offset minute";
                                    }
                                    if ss > 60 {
                                        range = "time zone offset second";
                                    }
                                    zone_offset = (hr * 60 + mm) * 60 + ss;
                                    match sign {
                                        "+" => {}
                                        "-" => zone_offset = -zone_offset,
                                        _ => ok = false,
                                    }
                                }
                                _ => ok = false,
                            }
                            if ok {
                                value = &value[n..];
                            }
                        }
                    }
                }
            }
            Std::Tz => {
                if value.starts_with("UTC") {
                    z = Some(Loc::utc());
                    value = &value[3..];
                } else {
                    match parse_time_zone(value) {
                        Some(n) => {
                            zone_name = value[..n].to_string();
                            value = &value[n..];
                        }
                        None => ok = false,
                    }
                }
            }
            Std::Frac {
                nines: false, n, ..
            } => {
                let nd = 1 + n;
                if vb.len() < nd {
                    ok = false;
                } else {
                    match parse_nanoseconds(value, nd) {
                        Ok((ns, r)) => {
                            nsec = ns;
                            range = r;
                            value = &value[nd..];
                        }
                        Err(()) => ok = false,
                    }
                }
            }
            Std::Frac { nines: true, .. } => {
                if vb.len() >= 2 && matches!(vb[0], b'.' | b',') && vb[1].is_ascii_digit() {
                    let mut i = 0;
                    while i + 1 < vb.len() && vb[i + 1].is_ascii_digit() {
                        i += 1;
                    }
                    match parse_nanoseconds(value, 1 + i) {
                        Ok((ns, r)) => {
                            nsec = ns;
                            range = r;
                        }
                        Err(()) => ok = false,
                    }
                    value = &value[1 + i..];
                }
            }
        }
        if !range.is_empty() {
            return Err(perr(stdstr, value, &format!(": {range} out of range")));
        }
        if !ok {
            return Err(perr(stdstr, hold, ""));
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if yday >= 0 {
        let mut d = 0i64;
        let mut m = 0i64;
        let mut yd = yday;
        if leap {
            if yd == 31 + 29 {
                m = 2;
                d = 29;
            } else if yd > 31 + 29 {
                yd -= 1;
            }
        }
        if !(1..=365).contains(&yd) {
            return Err(perr("", value, ": day-of-year out of range"));
        }
        if m == 0 {
            let before = |mo: i64| -> i64 {
                [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365][mo as usize - 1]
            };
            m = (yd - 1) / 31 + 1;
            if before(m + 1) < yd {
                m += 1;
            }
            d = yd - before(m);
        }
        if month >= 0 && month != m {
            return Err(perr("", value, ": day-of-year does not match month"));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(perr("", value, ": day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > i64::from(days_in(month as u32, year)) {
        return Err(perr("", value, ": day out of range"));
    }
    let wall =
        days_from_civil(year, month as u32, day as u32) * 86_400 + hour * 3600 + min * 60 + sec;
    let mk = |unix: i64, loc: Loc| Time {
        unix,
        nsec: nsec as u32,
        loc,
        mono: None,
    };
    if let Some(z) = z {
        return Ok(mk(z.wall_to_unix(wall), z));
    }
    if zone_offset != -1 {
        let unix = wall - zone_offset;
        let (off, name) = local.zone_at(unix);
        if i64::from(off) == zone_offset && (zone_name.is_empty() || name == zone_name) {
            return Ok(mk(unix, local.clone()));
        }
        return Ok(mk(unix, Loc::fixed(&zone_name, zone_offset as i32)));
    }
    if !zone_name.is_empty() {
        if let Some(off) = local.lookup_name(&zone_name, wall) {
            return Ok(mk(wall - i64::from(off), local.clone()));
        }
        let mut off = 0i64;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            off = go_atoi(&zone_name[3..]).unwrap_or(0) * 3600;
        }
        // Go keeps the UTC reading of the wall clock here and only attaches the zone.
        return Ok(mk(wall, Loc::fixed(&zone_name, off as i32)));
    }
    Ok(mk(local.wall_to_unix(wall), local.clone()))
}

pub(crate) fn register(r: &mut Reg, env: &Env) {
    let pinned = env.opts.now;
    let tt = || ArgType::Object(TIME.into());
    r.f("now", vec![], None, move |_| Ok(time_value(now(pinned))));
    r.f("date", vec![S, A], None, move |a| {
        Ok(Value::string(date_in_zone(
            as_str(&a[0]),
            &a[1],
            "Local",
            pinned,
        )))
    });
    r.f("dateInZone", vec![S, A, S], None, move |a| {
        Ok(Value::string(date_in_zone(
            as_str(&a[0]),
            &a[1],
            as_str(&a[2]),
            pinned,
        )))
    });
    r.alias("date_in_zone", "dateInZone");
    r.f("htmlDate", vec![A], None, move |a| {
        Ok(Value::string(date_in_zone(
            "2006-01-02",
            &a[0],
            "Local",
            pinned,
        )))
    });
    r.f("htmlDateInZone", vec![A, S], None, move |a| {
        Ok(Value::string(date_in_zone(
            "2006-01-02",
            &a[0],
            as_str(&a[1]),
            pinned,
        )))
    });
    r.f("dateModify", vec![S, tt()], None, |a| {
        let t = time_arg(&a[1]);
        Ok(time_value(match parse_duration(as_str(&a[0])) {
            Ok(d) => t.add(d),
            Err(_) => t,
        }))
    });
    r.alias("date_modify", "dateModify");
    let must_modify = |a: Vec<Value>| -> R {
        let d = parse_duration(as_str(&a[0]))?;
        Ok(time_value(time_arg(&a[1]).add(d)))
    };
    r.f("mustDateModify", vec![S, tt()], None, must_modify);
    r.f("must_date_modify", vec![S, tt()], None, must_modify);
    r.f("toDate", vec![S, S], None, |a| {
        Ok(time_value(
            parse_time(as_str(&a[0]), as_str(&a[1]), &Loc::local()).unwrap_or_else(|_| zero_time()),
        ))
    });
    r.f("mustToDate", vec![S, S], None, |a| {
        Ok(time_value(parse_time(
            as_str(&a[0]),
            as_str(&a[1]),
            &Loc::local(),
        )?))
    });
    r.f("unixEpoch", vec![tt()], None, |a| {
        Ok(Value::string(time_arg(&a[0]).unix.to_string()))
    });
    r.f("ago", vec![A], None, move |a| {
        let t = match &a[0] {
            Value::Int(i, IntKind::Int64 | IntKind::Int) => Some(*i),
            v => as_time(v).map(|t| t.unix),
        };
        let n = now(pinned);
        let since = t.map_or(0, |t| (n.unix - t) * 1_000_000_000);
        Ok(Value::string(duration_string(since)))
    });
    r.f("duration", vec![A], None, |a| {
        let n = match &a[0] {
            Value::String(s) => parse_int(s, 10).unwrap_or(0),
            Value::Int(i, IntKind::Int64) => *i,
            _ => 0,
        };
        Ok(Value::string(duration_string(
            n.wrapping_mul(1_000_000_000),
        )))
    });
    r.f("durationRound", vec![A], None, move |a| {
        let d: i64 = match &a[0] {
            Value::String(s) => parse_duration(s).unwrap_or(0),
            Value::Int(i, IntKind::Int64) => *i,
            v => match as_time(v) {
                Some(t) => {
                    let n = now(pinned);
                    (n.unix - t.unix) * 1_000_000_000 + i64::from(n.nsec) - i64::from(t.nsec)
                }
                None => 0,
            },
        };
        Ok(Value::string(duration_round(d)))
    });
}

/// Sprig's `durationRound`.
fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    let hour = 3_600_000_000_000u64;
    let units: [(u64, &str); 6] = [
        (hour * 24 * 365, "y"),
        (hour * 24 * 30, "mo"),
        (hour * 24, "d"),
        (hour, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (n, s) in units {
        if u > n {
            return format!("{}{s}", u / n);
        }
    }
    "0s".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(unix: i64, nsec: u32) -> Time {
        Time {
            unix,
            nsec,
            loc: Loc::utc(),
            mono: None,
        }
    }

    #[test]
    fn go_layouts() {
        let x = t(1_136_239_445, 123_456_000);
        assert_eq!(
            x.format("2006-01-02 15:04:05.999999999 -0700 MST"),
            "2006-01-02 22:04:05.123456 +0000 UTC"
        );
        assert_eq!(
            x.format("Mon Jan _2 3:04PM .000 Z07:00 __2 002"),
            "Mon Jan  2 10:04PM .123 Z   2 002"
        );
        assert_eq!(x.format(time_rfc3339()), "2006-01-02T22:04:05Z");
    }

    fn time_rfc3339() -> &'static str {
        "2006-01-02T15:04:05Z07:00"
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("1h30m").map(duration_string),
            Ok("1h30m0s".into())
        );
        assert_eq!(
            parse_duration("1.5us").map(duration_string),
            Ok("1.5µs".into())
        );
        assert_eq!(duration_string(-1_500_000), "-1.5ms");
        assert_eq!(
            parse_duration("3x"),
            Err("time: unknown unit \"x\" in duration \"3x\"".into())
        );
        assert_eq!(duration_round(3_600_000_000_000 * 50), "2d");
    }
}
