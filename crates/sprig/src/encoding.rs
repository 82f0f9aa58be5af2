//! Encodings and digests: Go's `encoding/base64` and `encoding/base32` standard encodings
//! (decoders ported so the `illegal base64 data at input byte N` texts Sprig returns as the
//! *result* match), hex SHA-1/256/512 and decimal Adler-32.

use gotmpl::{Value, gostr};
use sha1::Digest;

use crate::conv::{as_str, bytes_str};
use crate::t::*;
use crate::{Env, Reg};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(crate) fn register(r: &mut Reg, _env: &Env) {
    r.f("b64enc", vec![S], None, |a| {
        Ok(Value::string(b64_encode(&gostr::to_go_bytes(as_str(
            &a[0],
        )))))
    });
    r.f("b64dec", vec![S], None, |a| {
        Ok(Value::string(
            match b64_decode(&gostr::to_go_bytes(as_str(&a[0]))) {
                Ok(b) => bytes_str(&b),
                Err(at) => format!("illegal base64 data at input byte {at}"),
            },
        ))
    });
    r.f("b32enc", vec![S], None, |a| {
        Ok(Value::string(b32_encode(&gostr::to_go_bytes(as_str(
            &a[0],
        )))))
    });
    r.f("b32dec", vec![S], None, |a| {
        Ok(Value::string(
            match b32_decode(&gostr::to_go_bytes(as_str(&a[0]))) {
                Ok(b) => bytes_str(&b),
                Err(at) => format!("illegal base32 data at input byte {at}"),
            },
        ))
    });
    r.f("sha1sum", vec![S], None, |a| {
        Ok(Value::string(hex(&sha1::Sha1::digest(gostr::to_go_bytes(
            as_str(&a[0]),
        )))))
    });
    r.f("sha256sum", vec![S], None, |a| {
        Ok(Value::string(hex(&sha2::Sha256::digest(
            gostr::to_go_bytes(as_str(&a[0])),
        ))))
    });
    r.f("sha512sum", vec![S], None, |a| {
        Ok(Value::string(hex(&sha2::Sha512::digest(
            gostr::to_go_bytes(as_str(&a[0])),
        ))))
    });
    r.f("adler32sum", vec![S], None, |a| {
        Ok(Value::string(
            adler32(&gostr::to_go_bytes(as_str(&a[0]))).to_string(),
        ))
    });
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

fn adler32(b: &[u8]) -> u32 {
    let (mut s1, mut s2) = (1u32, 0u32);
    for chunk in b.chunks(5552) {
        for &c in chunk {
            s1 += u32::from(c);
            s2 += s1;
        }
        s1 %= 65521;
        s2 %= 65521;
    }
    (s2 << 16) | s1
}

/// Go's `base64.StdEncoding.EncodeToString`.
pub(crate) fn b64_encode(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let v = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        let n = c.len() + 1;
        for i in 0..4 {
            if i < n {
                out.push(char::from(B64[((v >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64_val(c: u8) -> Option<u8> {
    B64.iter().position(|x| *x == c).map(|p| p as u8)
}

/// Go's `base64.StdEncoding.DecodeString`; `Err(offset)` for a `CorruptInputError`.
pub(crate) fn b64_decode(src: &[u8]) -> Result<Vec<u8>, usize> {
    let mut dst = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0usize;
    while si < src.len() {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0usize;
        let mut trailing_err = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(dst);
                }
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = b64_val(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing_err = Some(si);
            }
            dlen = j;
            break;
        }
        let val = (u32::from(dbuf[0]) << 18)
            | (u32::from(dbuf[1]) << 12)
            | (u32::from(dbuf[2]) << 6)
            | u32::from(dbuf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        dst.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(e) = trailing_err {
            return Err(e);
        }
        if dlen < 4 {
            return Ok(dst);
        }
    }
    Ok(dst)
}

/// Go's `base32.StdEncoding.EncodeToString`.
pub(crate) fn b32_encode(b: &[u8]) -> String {
    let mut out = String::new();
    for c in b.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..c.len()].copy_from_slice(c);
        let v = buf.iter().fold(0u64, |a, x| (a << 8) | u64::from(*x));
        let n = match c.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < n {
                out.push(char::from(B32[((v >> (35 - 5 * i)) & 31) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's `base32.StdEncoding.DecodeString`.
pub(crate) fn b32_decode(s: &[u8]) -> Result<Vec<u8>, usize> {
    let buf: Vec<u8> = s
        .iter()
        .copied()
        .filter(|c| *c != b'\r' && *c != b'\n')
        .collect();
    let olen = buf.len();
    let mut src = &buf[..];
    let mut dst = Vec::new();
    let mut end = false;
    while !src.is_empty() && !end {
        let mut dbuf = [0u8; 8];
        let mut dlen = 8;
        let mut j = 0;
        while j < 8 {
            if src.is_empty() {
                return Err(olen - j);
            }
            let c = src[0];
            src = &src[1..];
            if c == b'=' && j >= 2 && src.len() < 8 {
                if src.len() + j < 7 {
                    return Err(olen);
                }
                for k in 0..7 - j {
                    if src.len() > k && src[k] != b'=' {
                        return Err(olen - src.len() + k - 1);
                    }
                }
                dlen = j;
                end = true;
                if matches!(dlen, 1 | 3 | 6) {
                    return Err(olen - src.len() - 1);
                }
                break;
            }
            match B32.iter().position(|x| *x == c) {
                Some(v) => dbuf[j] = v as u8,
                None => return Err(olen - src.len() - 1),
            }
            j += 1;
        }
        let d = dbuf;
        let out = [
            d[0] << 3 | d[1] >> 2,
            d[1] << 6 | d[2] << 1 | d[3] >> 4,
            d[3] << 4 | d[4] >> 1,
            d[4] << 7 | d[5] << 2 | d[6] >> 3,
            d[6] << 5 | d[7],
        ];
        let n = match dlen {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => 0,
        };
        dst.extend_from_slice(&out[..n]);
    }
    Ok(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_like_go() {
        assert_eq!(b64_encode(b"abc1"), "YWJjMQ==");
        assert_eq!(b64_decode(b"YWJjMQ==").as_deref(), Ok(&b"abc1"[..]));
        assert_eq!(b64_decode(b"YWJjMQ"), Err(4));
        assert_eq!(b64_decode(b"a"), Err(0));
        assert_eq!(b32_encode(b"abc123"), "MFRGGMJSGM======");
        assert_eq!(
            b32_decode(b"MFRGGMJSGM======").as_deref(),
            Ok(&b"abc123"[..])
        );
        assert_eq!(adler32(b"abc"), 38_600_999);
    }
}
