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
    /// A value the parser does not make itself (a float64 from a values file, a JSON value of
    /// `--set-json`), kept as is.
    Other(Value),
}

fn go_type(v: &Sv) -> String {
    match v {
        Sv::Nil => "nil".into(),
        Sv::Bool(_) => "bool".into(),
        Sv::Int(_) => "int64".into(),
        Sv::Str(_) => "string".into(),
        Sv::List(_) => "[]interface {}".into(),
        Sv::Map(_) => "map[string]interface {}".into(),
        Sv::Other(v) => value_go_type(v),
    }
}

/// The Go type of a value as `%T` and interface-conversion panics name it.
fn value_go_type(v: &Value) -> String {
    use gotmpl::{FloatKind, UintKind};
    match v {
        Value::Nil => "nil".into(),
        Value::Bool(_) => "bool".into(),
        Value::Int(_, k) => match k {
            IntKind::Int => "int",
            IntKind::Int8 => "int8",
            IntKind::Int16 => "int16",
            IntKind::Int32 => "int32",
            IntKind::Int64 => "int64",
        }
        .into(),
        Value::Uint(_, k) => match k {
            UintKind::Uint => "uint",
            UintKind::Uint8 => "uint8",
            UintKind::Uint16 => "uint16",
            UintKind::Uint32 => "uint32",
            UintKind::Uint64 => "uint64",
            UintKind::Uintptr => "uintptr",
        }
        .into(),
        Value::Float(_, FloatKind::F32) => "float32".into(),
        Value::Float(_, FloatKind::F64) => "float64".into(),
        Value::String(_) => "string".into(),
        Value::Bytes(_) => "[]uint8".into(),
        Value::List(_) => "[]interface {}".into(),
        Value::Map(_) => "map[string]interface {}".into(),
        Value::Object(o) => o.type_name(),
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

/// A `--set-file` value reader: the file named by the value, as a string value, or Go's error.
pub type FileReader<'a> = &'a mut dyn FnMut(&str) -> Result<Value, String>;

struct P<'a> {
    s: Vec<char>,
    i: usize,
    string_bool: bool,
    /// `--set-json`: values are JSON documents.
    json: bool,
    /// `--set-file`: values name files (helm's `RunesValueReader`).
    file: Option<FileReader<'a>>,
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

/// The outer list when a nested list item (`a[i][j]...`) failed. Go returns the outer list as it
/// was, but a nested list that already existed shares its backing array with the one the failed
/// call worked on, so what that call changed in place shows through it: a map's new keys, an
/// element replaced by a map (an input ending in `a[2][0].b=` still sets `b`). `list2` is that
/// list as the call left it: every error path returns it at its length, changed only in place.
fn failed_nested(mut list: Vec<Sv>, i: i64, existed: bool, list2: Vec<Sv>) -> Vec<Sv> {
    if existed {
        list[i as usize] = Sv::List(list2);
    }
    list
}

impl P<'_> {
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
            Some('=') if self.json => {
                if self.empty_val() {
                    set(data, &ks, Sv::Nil);
                    return Ok(());
                }
                let v = self.json_val()?;
                set(data, &ks, v);
                self.empty_val();
                Ok(())
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
                    match self.reader(&rs) {
                        Ok(v) => {
                            set(data, &ks, v);
                            Ok(())
                        }
                        Err(e) => {
                            set(data, &ks, Sv::Nil);
                            Err(e)
                        }
                    }
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
            Some('=') if self.json => {
                if self.empty_val() {
                    return set_index(list, i, Sv::Nil);
                }
                let v = match self.json_val() {
                    Ok(v) => v,
                    Err(e) => return (list, Some(e)),
                };
                let (list, err) = set_index(list, i, v);
                if err.is_some() {
                    return (list, err);
                }
                self.empty_val();
                (list, None)
            }
            Some('=') => match self.val_list() {
                Ok(vl) => set_index(list, i, Sv::List(vl)),
                Err(ValListErr::Eof) => set_index(list, i, Sv::Str(String::new())),
                Err(ValListErr::NotList) => {
                    let (rs, _) = self.until(&[',']);
                    match self.reader(&rs) {
                        Ok(v) => set_index(list, i, v),
                        Err(e) => (list, Some(e)),
                    }
                }
                Err(ValListErr::Msg(m)) => (list, Some(E::Msg(m))),
            },
            Some('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Some(e)),
                };
                let mut crt = Vec::new();
                let mut existed = false;
                if list.len() as i64 > i {
                    match &list[i as usize] {
                        Sv::Nil => {}
                        Sv::List(l) => {
                            crt = l.clone();
                            existed = true;
                        }
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
                    return (failed_nested(list, i, existed, list2), Some(e));
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

    /// The parser's `reader`: Helm's typing (or strings), or the `--set-file` reader.
    fn reader(&mut self, rs: &[char]) -> Result<Sv, E> {
        match &mut self.file {
            Some(f) => {
                let name: String = rs.iter().collect();
                f(&name).map(Sv::Other).map_err(E::Msg)
            }
            None => Ok(typed_val(rs, self.string_bool)),
        }
    }

    /// `emptyVal`: skips spaces up to a comma or the end (an empty value, comma consumed);
    /// any other rune is left unread.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => {}
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    /// One JSON value as `json.Decoder.Decode` reads it from the rest of the input, which is
    /// then consumed up to the decoder's `InputOffset`.
    fn json_val(&mut self) -> Result<Sv, E> {
        let start = self.i;
        let end = json_extent(&self.s, start).ok_or_else(|| E::Msg("invalid JSON value".into()))?;
        let text: String = self.s[start..end].iter().collect();
        let v = crate::json::unmarshal(&text).map_err(|e| E::Msg(e.message))?;
        self.i = end;
        Ok(Sv::Other(v))
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
                    return match self.reader(&rs) {
                        Ok(v) => {
                            list.push(v);
                            Ok(list)
                        }
                        Err(E::Msg(m) | E::Panic(m)) => Err(ValListErr::Msg(m)),
                        Err(_) => Err(ValListErr::Msg("EOF".into())),
                    };
                }
                _ => match self.reader(&rs) {
                    Ok(v) => list.push(v),
                    Err(E::Msg(m) | E::Panic(m)) => return Err(ValListErr::Msg(m)),
                    Err(_) => return Err(ValListErr::Msg("EOF".into())),
                },
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
        Sv::Other(v) => v,
    }
}

/// A value already in the destination map, as the parser sees it (maps and slices it may walk
/// into; every other value kept as is).
fn from_value(v: &Value) -> Sv {
    match v {
        Value::Nil => Sv::Nil,
        Value::Map(m) if m.elem == gotmpl::ElemType::Interface && m.type_name.is_none() => {
            let entries = m.entries.read().unwrap_or_else(|p| p.into_inner());
            Sv::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), from_value(v)))
                    .collect(),
            )
        }
        Value::List(l) if l.elem == gotmpl::ElemType::Interface => {
            Sv::List(l.items.iter().map(from_value).collect())
        }
        other => Sv::Other(other.clone()),
    }
}

fn parse(s: &str, string_bool: bool, helm: HelmVersion) -> (Value, Option<Error>) {
    let mut data = BTreeMap::new();
    let mut p = P {
        s: s.chars().collect(),
        i: 0,
        string_bool,
        json: false,
        file: None,
    };
    let err = p.run(&mut data, helm);
    (to_value(Sv::Map(data)), err)
}

impl P<'_> {
    fn run(&mut self, data: &mut BTreeMap<String, Sv>, helm: HelmVersion) -> Option<Error> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(e) => return end_error(e, helm),
            }
        }
    }
}

/// How `parse()` ends on an error: io.EOF (possibly wrapped, in helm v4) is success.
fn end_error(e: E, helm: HelmVersion) -> Option<Error> {
    match e {
        E::Eof => None,
        // helm v4 tests errors.Is(err, io.EOF); helm v3 compares err == io.EOF, so a wrapped
        // EOF (an unterminated index) is an error there.
        E::WrappedEof if helm == HelmVersion::V4 => None,
        E::WrappedEof => Some(Error::msg("error parsing index: EOF")),
        E::Msg(m) | E::Panic(m) => Some(Error::msg(m)),
    }
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

/// Which of helm's `strvals.Parse*Into` functions [`parse_into`] runs.
pub enum Into<'a> {
    /// `ParseInto` (`--set`).
    Set,
    /// `ParseIntoString` (`--set-string`).
    SetString,
    /// `ParseJSON` (`--set-json` in `key=json` form).
    Json,
    /// `ParseIntoFile` (`--set-file`) with the reader of the named files.
    File(FileReader<'a>),
    /// `ParseLiteralInto` (`--set-literal`).
    Literal,
}

/// helm's `strvals.Parse*Into(s, dest)`: parses `s` into the map `dest` (a `Value::Map`),
/// walking into the maps and lists already there. Returns the error Go returns; on error `dest`
/// is left unchanged (helm then fails the whole merge, so Go's partial updates never show).
pub fn parse_into(s: &str, dest: &Value, kind: Into<'_>, helm: HelmVersion) -> Option<Error> {
    let Value::Map(m) = dest else {
        return Some(Error::msg("strvals: destination is not a map"));
    };
    let mut data = match from_value(dest) {
        Sv::Map(d) => d,
        _ => BTreeMap::new(),
    };
    let s: Vec<char> = s.chars().collect();
    let err = match kind {
        Into::Literal => {
            let mut l = L { s, i: 0 };
            l.run(&mut data, helm)
        }
        kind => {
            let (string_bool, json, file) = match kind {
                Into::Set => (false, false, None),
                Into::SetString => (true, false, None),
                Into::Json => (false, true, None),
                Into::File(f) => (false, false, Some(f)),
                Into::Literal => unreachable!("handled above"),
            };
            let mut p = P {
                s,
                i: 0,
                string_bool,
                json,
                file,
            };
            p.run(&mut data, helm)
        }
    };
    if err.is_none() {
        let mut entries = m.write();
        *entries = data.into_iter().map(|(k, v)| (k, to_value(v))).collect();
    }
    err
}

/// The end (exclusive) of the JSON value that `json.Decoder` reads from `s[start..]` (leading
/// JSON whitespace included), or `None` where the decoder fails.
fn json_extent(s: &[char], start: usize) -> Option<usize> {
    fn ws(s: &[char], mut i: usize) -> usize {
        while i < s.len() && matches!(s[i], ' ' | '\t' | '\r' | '\n') {
            i += 1;
        }
        i
    }
    fn digits(s: &[char], mut i: usize) -> usize {
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        i
    }
    fn value(s: &[char], i: usize, depth: usize) -> Option<usize> {
        if depth > 10000 {
            return None;
        }
        let i = ws(s, i);
        match *s.get(i)? {
            '{' => {
                let mut j = ws(s, i + 1);
                if s.get(j) == Some(&'}') {
                    return Some(j + 1);
                }
                loop {
                    if s.get(j) != Some(&'"') {
                        return None;
                    }
                    j = ws(s, string(s, j)?);
                    if s.get(j) != Some(&':') {
                        return None;
                    }
                    j = ws(s, value(s, j + 1, depth + 1)?);
                    match s.get(j)? {
                        ',' => j = ws(s, j + 1),
                        '}' => return Some(j + 1),
                        _ => return None,
                    }
                }
            }
            '[' => {
                let mut j = ws(s, i + 1);
                if s.get(j) == Some(&']') {
                    return Some(j + 1);
                }
                loop {
                    j = ws(s, value(s, j, depth + 1)?);
                    match s.get(j)? {
                        ',' => j += 1,
                        ']' => return Some(j + 1),
                        _ => return None,
                    }
                }
            }
            '"' => string(s, i),
            't' => lit(s, i, "true"),
            'f' => lit(s, i, "false"),
            'n' => lit(s, i, "null"),
            '-' | '0'..='9' => {
                let mut j = i;
                if s[j] == '-' {
                    j += 1;
                }
                match s.get(j)? {
                    '0' => j += 1,
                    '1'..='9' => j = digits(s, j),
                    _ => return None,
                }
                if s.get(j) == Some(&'.') {
                    let k = digits(s, j + 1);
                    if k == j + 1 {
                        return None;
                    }
                    j = k;
                }
                if matches!(s.get(j), Some('e' | 'E')) {
                    j += 1;
                    if matches!(s.get(j), Some('+' | '-')) {
                        j += 1;
                    }
                    let k = digits(s, j);
                    if k == j {
                        return None;
                    }
                    j = k;
                }
                Some(j)
            }
            _ => None,
        }
    }
    fn lit(s: &[char], i: usize, word: &str) -> Option<usize> {
        let n = word.chars().count();
        (s.len() >= i + n && s[i..i + n].iter().copied().eq(word.chars())).then_some(i + n)
    }
    fn string(s: &[char], i: usize) -> Option<usize> {
        let mut j = i + 1;
        loop {
            match *s.get(j)? {
                '"' => return Some(j + 1),
                '\\' => match *s.get(j + 1)? {
                    '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' => j += 2,
                    'u' => {
                        let hex = s.get(j + 2..j + 6)?;
                        if !hex.iter().all(char::is_ascii_hexdigit) {
                            return None;
                        }
                        j += 6;
                    }
                    _ => return None,
                },
                c if (c as u32) < 0x20 => return None,
                _ => j += 1,
            }
        }
    }
    value(s, start, 0)
}

/// helm's `literalParser` (`--set-literal`): keys without escapes, the value is the rest of the
/// input, verbatim.
struct L {
    s: Vec<char>,
    i: usize,
}

impl L {
    fn until(&mut self, stop: &[char]) -> (Vec<char>, Option<char>) {
        let mut v = Vec::new();
        while let Some(&c) = self.s.get(self.i) {
            self.i += 1;
            if stop.contains(&c) {
                return (v, Some(c));
            }
            v.push(c);
        }
        (v, None)
    }

    fn run(&mut self, data: &mut BTreeMap<String, Sv>, helm: HelmVersion) -> Option<Error> {
        loop {
            match self.key(data, 0) {
                Ok(()) => continue,
                Err(e) => return end_error(e, helm),
            }
        }
    }

    fn key(&mut self, data: &mut BTreeMap<String, Sv>, level: usize) -> Result<(), E> {
        match self.key_inner(data, level) {
            Err(E::Panic(p)) => Err(E::Msg(format!("unable to parse key: {p}"))),
            other => other,
        }
    }

    fn key_inner(&mut self, data: &mut BTreeMap<String, Sv>, mut level: usize) -> Result<(), E> {
        let (k, last) = self.until(&['=', '[', '.']);
        let ks: String = k.iter().collect();
        match last {
            None if k.is_empty() => Err(E::Eof),
            None => Err(E::Msg(format!("key {} has no value", quote(&ks)))),
            Some('=') => {
                let (v, _) = self.until(&[]);
                set(data, &ks, Sv::Str(v.iter().collect()));
                Ok(())
            }
            Some('.') => {
                level += 1;
                if level > MAX_NESTED {
                    return Err(E::Msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED}"
                    )));
                }
                let mut inner = match data.get_mut(&ks) {
                    Some(Sv::Map(inner)) => std::mem::take(inner),
                    Some(other) => return Err(conversion_panic(other, "map[string]interface {}")),
                    None => BTreeMap::new(),
                };
                let e = self.key(&mut inner, level);
                let empty = inner.is_empty();
                if !empty {
                    set(data, &ks, Sv::Map(inner));
                } else if data.contains_key(&ks) {
                    // Go mutated the (empty) map in place; it stays where it was.
                    data.insert(ks.clone(), Sv::Map(inner));
                }
                if e.is_ok() && empty {
                    return Err(E::Msg(format!("key map {} has no value", quote(&ks))));
                }
                e
            }
            _ => {
                // '['
                let i = self.key_index()?;
                let list = match data.get(&ks) {
                    None => Vec::new(),
                    Some(Sv::List(l)) => l.clone(),
                    Some(other) => return Err(conversion_panic(other, "[]interface {}")),
                };
                let (list, err) = self.list_item(list, i, level);
                set(data, &ks, Sv::List(list));
                err.map_or(Ok(()), Err)
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
            Some('=') => {
                let (v, _) = self.until(&[]);
                set_index(list, i, Sv::Str(v.iter().collect()))
            }
            Some('.') => {
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
            _ => {
                // '['
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Some(e)),
                };
                let mut crt = Vec::new();
                let mut existed = false;
                if list.len() as i64 > i {
                    match &list[i as usize] {
                        Sv::Nil => {}
                        Sv::List(l) => {
                            crt = l.clone();
                            existed = true;
                        }
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
                    return (failed_nested(list, i, existed, list2), Some(e));
                }
                set_index(list, i, Sv::List(list2))
            }
        }
    }
}
