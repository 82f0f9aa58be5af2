//! Helm's `strvals` (`--set` and `--set-string`): `a.b[0].c=1,d={x,y}` into values, with Helm's
//! typing (`true`/`false`/`null`, `int64` for integers without a leading zero) and error texts.

use std::collections::BTreeMap;

use gotmpl::{IntKind, Value};

use crate::Error;
use crate::HelmVersion;
use crate::goquote::quote;

const MAX_INDEX: i64 = 65536;
const MAX_NESTED: usize = 30;

#[derive(Clone, Debug)]
enum Sv {
    Nil,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<Sv>),
    Map(BTreeMap<String, Sv>),
}

fn go_type(v: &Sv) -> &'static str {
    match v {
        Sv::Nil => "nil",
        Sv::Bool(_) => "bool",
        Sv::Int(_) => "int64",
        Sv::Str(_) => "string",
        Sv::List(_) => "[]interface {}",
        Sv::Map(_) => "map[string]interface {}",
    }
}

/// A Go panic recovered by `key()`, or an ordinary error; `Eof` is io.EOF (possibly wrapped).
#[derive(Debug)]
enum E {
    Eof,
    /// An error wrapping io.EOF: still ends parsing silently (`errors.Is(err, io.EOF)`).
    WrappedEof,
    Msg(String),
    Panic(String),
}

struct P {
    s: Vec<char>,
    i: usize,
    string_bool: bool,
}

fn conversion_panic(v: &Sv, want: &str) -> E {
    E::Panic(format!(
        "interface conversion: interface {{}} is {}, not {want}",
        go_type(v)
    ))
}

fn fold_eq(a: &str, b: &str) -> bool {
    // strings.EqualFold; the only non-ASCII letters folding to ASCII ones are ſ (s) and K (k).
    let norm = |c: char| match c {
        '\u{17f}' => 's',
        '\u{212a}' => 'k',
        c => c.to_ascii_lowercase(),
    };
    a.chars().map(norm).eq(b.chars().map(norm))
}

fn typed_val(v: &[char], string_bool: bool) -> Sv {
    let val: String = v.iter().collect();
    if string_bool {
        return Sv::Str(val);
    }
    if fold_eq(&val, "true") {
        return Sv::Bool(true);
    }
    if fold_eq(&val, "false") {
        return Sv::Bool(false);
    }
    if fold_eq(&val, "null") {
        return Sv::Nil;
    }
    if val == "0" {
        return Sv::Int(0);
    }
    if !val.is_empty()
        && !val.starts_with('0')
        && let Some(i) = parse_int10(&val)
    {
        return Sv::Int(i);
    }
    Sv::Str(val)
}

/// strconv.ParseInt(s, 10, 64).
fn parse_int10(s: &str) -> Option<i64> {
    let (neg, d) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let u: u64 = d.parse().ok()?;
    if neg {
        if u <= 1 << 63 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// strconv.Atoi with Go's error text.
fn atoi(s: &str) -> Result<i64, String> {
    if let Some(i) = parse_int10(s) {
        return Ok(i);
    }
    let digits = s.trim_start_matches(['+', '-']);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: value out of range",
            quote(s)
        ));
    }
    Err(format!(
        "strconv.Atoi: parsing {}: invalid syntax",
        quote(s)
    ))
}

fn set(data: &mut BTreeMap<String, Sv>, key: &str, v: Sv) {
    if !key.is_empty() {
        data.insert(key.to_string(), v);
    }
}

fn set_index(mut list: Vec<Sv>, index: i64, v: Sv) -> (Vec<Sv>, Option<E>) {
    if index < 0 {
        return (
            list,
            Some(E::Msg(format!("negative {index} index not allowed"))),
        );
    }
    if index > MAX_INDEX {
        return (
            list,
            Some(E::Msg(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            ))),
        );
    }
    let i = index as usize;
    if list.len() <= i {
        list.resize(i + 1, Sv::Nil);
    }
    list[i] = v;
    (list, None)
}

/// Go's `%q` of a `[]rune`: `['a' 'b']`.
fn quote_runes(r: &[char]) -> String {
    let parts: Vec<String> = r
        .iter()
        .map(|c| match c {
            '\'' => "'\\''".to_string(),
            '"' => "'\"'".to_string(),
            c => {
                let q = quote(&c.to_string());
                format!("'{}'", &q[1..q.len() - 1])
            }
        })
        .collect();
    format!("[{}]", parts.join(" "))
}

impl P {
    fn read(&mut self) -> Option<char> {
        let c = self.s.get(self.i).copied();
        if c.is_some() {
            self.i += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.i -= 1;
    }

    /// runesUntil: the runes before a stop rune (backslash escapes the next rune), the stop rune,
    /// and whether input ended first.
    fn until(&mut self, stop: &[char]) -> (Vec<char>, Option<char>) {
        let mut v = Vec::new();
        loop {
            match self.read() {
                None => return (v, None),
                Some(r) if stop.contains(&r) => return (v, Some(r)),
                Some('\\') => match self.read() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(r) => v.push(r),
            }
        }
    }

    fn key(&mut self, data: &mut BTreeMap<String, Sv>, mut level: usize) -> Result<(), E> {
        let r = self.key_inner(data, &mut level);
        match r {
            Err(E::Panic(p)) => Err(E::Msg(format!("unable to parse key: {p}"))),
            other => other,
        }
    }

    fn key_inner(&mut self, data: &mut BTreeMap<String, Sv>, level: &mut usize) -> Result<(), E> {
        let (k, last) = self.until(&['=', '[', ',', '.']);
        let ks: String = k.iter().collect();
        match last {
            None => {
                if k.is_empty() {
                    Err(E::Eof)
                } else {
                    Err(E::Msg(format!("key {} has no value", quote(&ks))))
                }
            }
            Some('[') => {
                let i = self.key_index()?;
                let list = match data.get(&ks) {
                    None => Vec::new(),
                    Some(Sv::List(l)) => l.clone(),
                    Some(other) => return Err(conversion_panic(other, "[]interface {}")),
                };
                let (list, err) = self.list_item(list, i, *level);
                set(data, &ks, Sv::List(list));
                match err {
                    None => Ok(()),
                    Some(e) => Err(e),
                }
            }
            Some('=') => match self.val_list() {
                Ok(vl) => {
                    set(data, &ks, Sv::List(vl));
                    Ok(())
                }
                Err(ValListErr::Eof) => {
                    set(data, &ks, Sv::Str(String::new()));
                    Err(E::Eof)
                }
                Err(ValListErr::NotList) => {
                    let (rs, _) = self.until(&[',']);
                    set(data, &ks, typed_val(&rs, self.string_bool));
                    Ok(())
                }
                Err(ValListErr::Msg(m)) => Err(E::Msg(m)),
            },
            Some(',') => {
                set(data, &ks, Sv::Str(String::new()));
                Err(E::Msg(format!(
                    "key {} has no value (cannot end with ,)",
                    quote(&ks)
                )))
            }
            _ => {
                // '.'
                *level += 1;
                if *level > MAX_NESTED {
                    return Err(E::Msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED}"
                    )));
                }
                match data.get_mut(&ks) {
                    Some(Sv::Map(inner)) => {
                        let mut inner_owned = std::mem::take(inner);
                        let e = self.key(&mut inner_owned, *level);
                        let empty = inner_owned.is_empty();
                        data.insert(ks.clone(), Sv::Map(inner_owned));
                        if e.is_ok() && empty {
                            return Err(E::Msg(format!("key map {} has no value", quote(&ks))));
                        }
                        e
                    }
                    Some(other) => Err(conversion_panic(other, "map[string]interface {}")),
                    None => {
                        let mut inner = BTreeMap::new();
                        let e = self.key(&mut inner, *level);
                        if e.is_ok() && inner.is_empty() {
                            return Err(E::Msg(format!("key map {} has no value", quote(&ks))));
                        }
                        if !inner.is_empty() {
                            set(data, &ks, Sv::Map(inner));
                        }
                        e
                    }
                }
            }
        }
    }

    fn key_index(&mut self) -> Result<i64, E> {
        let (v, last) = self.until(&[']']);
        if last.is_none() {
            return Err(E::WrappedEof);
        }
        let s: String = v.iter().collect();
        atoi(&s).map_err(|m| E::Msg(format!("error parsing index: {m}")))
    }

    fn list_item(&mut self, list: Vec<Sv>, i: i64, level: usize) -> (Vec<Sv>, Option<E>) {
        if i < 0 {
            return (
                list,
                Some(E::Msg(format!("negative {i} index not allowed"))),
            );
        }
        let (k, last) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            return (
                list,
                Some(E::Msg(format!(
                    "unexpected data at end of array index: {}",
                    quote_runes(&k)
                ))),
            );
        }
        match last {
            None => (list, Some(E::Eof)),
            Some('=') => match self.val_list() {
                Ok(vl) => set_index(list, i, Sv::List(vl)),
                Err(ValListErr::Eof) => set_index(list, i, Sv::Str(String::new())),
                Err(ValListErr::NotList) => {
                    let (rs, _) = self.until(&[',']);
                    let v = typed_val(&rs, self.string_bool);
                    set_index(list, i, v)
                }
                Err(ValListErr::Msg(m)) => (list, Some(E::Msg(m))),
            },
            Some('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Some(e)),
                };
                let mut crt = Vec::new();
                if list.len() as i64 > i {
                    match &list[i as usize] {
                        Sv::Nil => {}
                        Sv::List(l) => crt = l.clone(),
                        other => {
                            return (
                                list.clone(),
                                Some(conversion_panic(other, "[]interface {}")),
                            );
                        }
                    }
                }
                let (list2, err) = self.list_item(crt, next, level);
                if let Some(e) = err {
                    return (list, Some(e));
                }
                set_index(list, i, Sv::List(list2))
            }
            _ => {
                // '.'
                let mut list = list;
                let mut inner = BTreeMap::new();
                if list.len() as i64 > i {
                    match &list[i as usize] {
                        Sv::Map(m) => inner = m.clone(),
                        _ => list[i as usize] = Sv::Map(BTreeMap::new()),
                    }
                }
                if let Err(e) = self.key(&mut inner, level) {
                    if list.len() as i64 > i {
                        list[i as usize] = Sv::Map(inner);
                    }
                    return (list, Some(e));
                }
                set_index(list, i, Sv::Map(inner))
            }
        }
    }

    fn val_list(&mut self) -> Result<Vec<Sv>, ValListErr> {
        match self.read() {
            None => return Err(ValListErr::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(ValListErr::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.until(&[',', '}']);
            match last {
                None => return Err(ValListErr::Msg("list must terminate with '}'".into())),
                Some('}') => {
                    if let Some(r) = self.read()
                        && r != ','
                    {
                        self.unread();
                    }
                    list.push(typed_val(&rs, self.string_bool));
                    return Ok(list);
                }
                _ => list.push(typed_val(&rs, self.string_bool)),
            }
        }
    }
}

enum ValListErr {
    Eof,
    NotList,
    Msg(String),
}

fn to_value(v: Sv) -> Value {
    match v {
        Sv::Nil => Value::Nil,
        Sv::Bool(b) => Value::Bool(b),
        Sv::Int(i) => Value::Int(i, IntKind::Int64),
        Sv::Str(s) => Value::string(s),
        Sv::List(l) => Value::list(l.into_iter().map(to_value).collect()),
        Sv::Map(m) => Value::map(m.into_iter().map(|(k, v)| (k, to_value(v)))),
    }
}

fn parse(s: &str, string_bool: bool, helm: HelmVersion) -> (Value, Option<Error>) {
    let mut p = P {
        s: s.chars().collect(),
        i: 0,
        string_bool,
    };
    let mut data = BTreeMap::new();
    let err = loop {
        match p.key(&mut data, 0) {
            Ok(()) => continue,
            Err(E::Eof) => break None,
            // helm v4 tests errors.Is(err, io.EOF); helm v3 compares err == io.EOF, so a wrapped
            // EOF (an unterminated index) is an error there.
            Err(E::WrappedEof) if helm == HelmVersion::V4 => break None,
            Err(E::WrappedEof) => break Some(Error::msg("error parsing index: EOF")),
            Err(E::Msg(m) | E::Panic(m)) => break Some(Error::msg(m)),
        }
    };
    (to_value(Sv::Map(data)), err)
}

/// helm v4's `strvals.Parse` (`--set`): the values and, as Go returns them side by side, the error.
pub fn parse_set(s: &str) -> (Value, Option<Error>) {
    parse(s, false, HelmVersion::V4)
}

/// helm v4's `strvals.ParseString` (`--set-string`): every value a string.
pub fn parse_set_string(s: &str) -> (Value, Option<Error>) {
    parse(s, true, HelmVersion::V4)
}

/// `strvals.Parse` (`string_bool`: `ParseString`) of the given helm; v3 and v4 differ only in
/// how an input ending inside `[index` ends (v3: an error).
pub fn parse_set_for(s: &str, string_bool: bool, helm: HelmVersion) -> (Value, Option<Error>) {
    parse(s, string_bool, helm)
}
