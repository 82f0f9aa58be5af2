//! Sprig v3.3.0's template functions (and Helm's changes to them) for canon's Go template engine.
//!
//! Every function keeps Sprig's Go signature, so the executor checks and converts arguments
//! exactly as Go's reflection does, and its Go behaviour byte for byte: `spf13/cast` truncation,
//! `huandu/xstrings` case rules, byte-based `trunc`/`substr`, Go's panics turned into
//! `error calling NAME: ...`, RE2 regex semantics, Masterminds semver constraints. Most bodies
//! are written here rather than taken from crates because the Go libraries' quirks are the
//! specification (see each module's doc for why).
//!
//! Random and crypto functions draw from one generator per function map: the OS's by default,
//! or a ChaCha stream from [`Options::seed`] so that the same input renders the same bytes.
//! With [`Options::now`] pinned as well, `now`, the date functions and generated certificates'
//! validity are fixed too, so rendered manifests do not churn between runs.
//!
//! Known differences from Go (each documented where it arises):
//! - Generated keys, serials and signatures are valid and verify, but are not Go's bytes (they
//!   cannot be: Go draws from the OS); with a seed they are canon-reproducible.
//! - `keys`/`values` return sorted order where Go's is random.
//! - Go strings may hold invalid UTF-8 (`trunc`, `substr`, `b64dec`...); canon's hold U+FFFD per
//!   invalid byte, which is what Go's own decoders (and the oracle's JSON) make of them.
//! - Regex patterns go through Rust's `regex` crate after translation; syntax Go rejects is
//!   rejected with Go's messages for the common cases, rarer messages may differ.

mod conv;
mod crypto;
mod dates;
mod defaults;
mod dicts;
mod encoding;
mod json;
mod lists;
mod math;
mod os;
mod paths;
mod reflect;
mod regex;
mod semver;
/// Masterminds `NewConstraint(c).Check(NewVersion(v))`, for helm's `IsCompatibleRange`.
pub use paths::clean as path_clean;
pub use semver::semver_compare;
mod strings;
mod urls;

use std::sync::{Arc, Mutex};

use gotmpl::{ArgType, ElemType, Func, FuncMap, IntKind, Value};
use rand::{RngCore, SeedableRng};

/// Masterminds semver, for helm's chart loading (`Metadata.Validate`'s version check and
/// `chartutil.IsCompatibleRange`).
pub mod semver_api {
    pub use crate::semver::{Version, semver_compare, semver_compare_v3_5};
}

/// What kind of function map to build.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Helm's variant: no `env`/`expandenv`, `getHostByName` returns "" unless
    /// [`Options::allow_dns`], Helm's `toJson`/`fromJson`/`mustToJson`/`fromJsonArray`.
    pub helm: bool,
    /// Seed for every random and crypto function (`rand*`, `uuidv4`, `shuffle`, `bcrypt`,
    /// `htpasswd`, `genPrivateKey`, `genCA`..., `encryptAES`): the same seed and input render the
    /// same bytes. `None` draws from the operating system, like Sprig.
    pub seed: Option<u64>,
    /// Let `getHostByName` resolve names (Helm's `--enable-dns`); Sprig itself always resolves.
    pub allow_dns: bool,
    /// Pins `now` (and the validity start of generated certificates) to these Unix seconds,
    /// so that with [`Options::seed`] date and crypto functions render the same bytes.
    pub now: Option<i64>,
}

/// The random source shared by a function map's functions. A seeded one hands out its
/// numbers in the order templates ask, which is Go's execution order: inside an isolated
/// execution (templates run concurrently, [`gotmpl::isolation`]) it is left untouched, the
/// execution crosses (to be run again in order) and gets numbers from a throwaway source. One
/// drawn from the operating system has no order to keep.
#[derive(Clone)]
pub(crate) struct Rng {
    source: Arc<Mutex<rand_chacha::ChaCha20Rng>>,
    seeded: bool,
}

impl Rng {
    fn new(seed: Option<u64>) -> Rng {
        let r = match seed {
            Some(s) => rand_chacha::ChaCha20Rng::seed_from_u64(s),
            None => rand_chacha::ChaCha20Rng::from_entropy(),
        };
        Rng {
            source: Arc::new(Mutex::new(r)),
            seeded: seed.is_some(),
        }
    }

    /// Whether numbers may be taken here (see the type's doc).
    fn in_order(&self) -> bool {
        !self.seeded || gotmpl::isolation::may_affect_shared()
    }

    /// Runs `f` on the source, or on a throwaway one in a crossed isolated execution: its
    /// result is discarded, but the function must still end (rejection loops need numbers
    /// that vary).
    fn with<T>(&self, f: impl FnOnce(&mut rand_chacha::ChaCha20Rng) -> T) -> T {
        thread_local! {
            static THROWAWAY: std::cell::RefCell<rand_chacha::ChaCha20Rng> =
                std::cell::RefCell::new(rand_chacha::ChaCha20Rng::seed_from_u64(0));
        }
        if self.in_order() {
            f(&mut self.source.lock().unwrap_or_else(|e| e.into_inner()))
        } else {
            THROWAWAY.with_borrow_mut(f)
        }
    }

    /// Fills `buf` with random bytes.
    pub(crate) fn fill(&self, buf: &mut [u8]) {
        self.with(|g| g.fill_bytes(buf));
    }

    /// A uniform integer in `0..n` (`n > 0`).
    pub(crate) fn below(&self, n: u64) -> u64 {
        self.with(|g| rand::Rng::gen_range(g, 0..n))
    }
}

/// What the registering modules get: options and the shared random source.
pub(crate) struct Env {
    pub opts: Options,
    pub rng: Rng,
}

/// Result of a function body: a value, or the text after `error calling NAME: `.
pub(crate) type R = Result<Value, String>;

/// A function map under construction.
pub(crate) struct Reg {
    pub map: FuncMap,
}

impl Reg {
    /// Registers `name` with fixed `params`, an optional variadic tail, and a body.
    pub(crate) fn f<F>(
        &mut self,
        name: &str,
        params: Vec<ArgType>,
        variadic: Option<ArgType>,
        body: F,
    ) where
        F: Fn(Vec<Value>) -> R + Send + Sync + 'static,
    {
        self.map.insert(
            name.to_string(),
            Func::new(params, variadic, move |_, a| body(a)),
        );
    }

    /// Registers an existing function under another name.
    pub(crate) fn alias(&mut self, name: &str, of: &str) {
        if let Some(f) = self.map.get(of).cloned() {
            self.map.insert(name.to_string(), f);
        }
    }
}

/// Go parameter types, short.
pub(crate) mod t {
    use super::*;
    pub const S: ArgType = ArgType::String;
    pub const I: ArgType = ArgType::Int(IntKind::Int);
    pub const A: ArgType = ArgType::Any;
    pub const B: ArgType = ArgType::Bool;
    pub const F: ArgType = ArgType::Float(gotmpl::FloatKind::F64);
    pub const M: ArgType = ArgType::Map(ElemType::Interface);
}

/// Sprig's function map (Helm's variant if [`Options::helm`]), ready for
/// [`gotmpl::Template::funcs`].
pub fn funcs(opts: &Options) -> FuncMap {
    let env = Env {
        opts: opts.clone(),
        rng: Rng::new(opts.seed),
    };
    let mut r = Reg {
        map: FuncMap::new(),
    };
    strings::register(&mut r, &env);
    conv::register(&mut r, &env);
    math::register(&mut r, &env);
    lists::register(&mut r, &env);
    dicts::register(&mut r, &env);
    defaults::register(&mut r, &env);
    reflect::register(&mut r, &env);
    paths::register(&mut r, &env);
    encoding::register(&mut r, &env);
    regex::register(&mut r, &env);
    semver::register(&mut r, &env);
    json::register(&mut r, &env);
    dates::register(&mut r, &env);
    crypto::register(&mut r, &env);
    os::register(&mut r, &env);
    urls::register(&mut r, &env);
    if opts.helm {
        r.map.remove("env");
        r.map.remove("expandenv");
    }
    r.map
}

/// The names Sprig v3.3.0's `TxtFuncMap` defines (211), for coverage checks.
pub const SPRIG_NAMES: &[&str] = &[
    "abbrev",
    "abbrevboth",
    "add",
    "add1",
    "add1f",
    "addf",
    "adler32sum",
    "ago",
    "all",
    "any",
    "append",
    "atoi",
    "b32dec",
    "b32enc",
    "b64dec",
    "b64enc",
    "base",
    "bcrypt",
    "biggest",
    "buildCustomCert",
    "camelcase",
    "cat",
    "ceil",
    "chunk",
    "clean",
    "coalesce",
    "compact",
    "concat",
    "contains",
    "date",
    "dateInZone",
    "dateModify",
    "date_in_zone",
    "date_modify",
    "decryptAES",
    "deepCopy",
    "deepEqual",
    "default",
    "derivePassword",
    "dict",
    "dig",
    "dir",
    "div",
    "divf",
    "duration",
    "durationRound",
    "empty",
    "encryptAES",
    "env",
    "expandenv",
    "ext",
    "fail",
    "first",
    "float64",
    "floor",
    "fromJson",
    "genCA",
    "genCAWithKey",
    "genPrivateKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "get",
    "getHostByName",
    "has",
    "hasKey",
    "hasPrefix",
    "hasSuffix",
    "hello",
    "htmlDate",
    "htmlDateInZone",
    "htpasswd",
    "indent",
    "initial",
    "initials",
    "int",
    "int64",
    "isAbs",
    "join",
    "kebabcase",
    "keys",
    "kindIs",
    "kindOf",
    "last",
    "list",
    "lower",
    "max",
    "maxf",
    "merge",
    "mergeOverwrite",
    "min",
    "minf",
    "mod",
    "mul",
    "mulf",
    "mustAppend",
    "mustChunk",
    "mustCompact",
    "mustDateModify",
    "mustDeepCopy",
    "mustFirst",
    "mustFromJson",
    "mustHas",
    "mustInitial",
    "mustLast",
    "mustMerge",
    "mustMergeOverwrite",
    "mustPrepend",
    "mustPush",
    "mustRegexFind",
    "mustRegexFindAll",
    "mustRegexMatch",
    "mustRegexReplaceAll",
    "mustRegexReplaceAllLiteral",
    "mustRegexSplit",
    "mustRest",
    "mustReverse",
    "mustSlice",
    "mustToDate",
    "mustToJson",
    "mustToPrettyJson",
    "mustToRawJson",
    "mustUniq",
    "mustWithout",
    "must_date_modify",
    "nindent",
    "nospace",
    "now",
    "omit",
    "osBase",
    "osClean",
    "osDir",
    "osExt",
    "osIsAbs",
    "pick",
    "pluck",
    "plural",
    "prepend",
    "push",
    "quote",
    "randAlpha",
    "randAlphaNum",
    "randAscii",
    "randBytes",
    "randInt",
    "randNumeric",
    "regexFind",
    "regexFindAll",
    "regexMatch",
    "regexQuoteMeta",
    "regexReplaceAll",
    "regexReplaceAllLiteral",
    "regexSplit",
    "repeat",
    "replace",
    "rest",
    "reverse",
    "round",
    "semver",
    "semverCompare",
    "seq",
    "set",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "shuffle",
    "slice",
    "snakecase",
    "sortAlpha",
    "split",
    "splitList",
    "splitn",
    "squote",
    "sub",
    "subf",
    "substr",
    "swapcase",
    "ternary",
    "title",
    "toDate",
    "toDecimal",
    "toJson",
    "toPrettyJson",
    "toRawJson",
    "toString",
    "toStrings",
    "trim",
    "trimAll",
    "trimPrefix",
    "trimSuffix",
    "trimall",
    "trunc",
    "tuple",
    "typeIs",
    "typeIsLike",
    "typeOf",
    "uniq",
    "unixEpoch",
    "unset",
    "until",
    "untilStep",
    "untitle",
    "upper",
    "urlJoin",
    "urlParse",
    "uuidv4",
    "values",
    "without",
    "wrap",
    "wrapWith",
];
