//! Go's `strconv.Quote`, for the characters Go's error messages quote.

/// `strconv.Quote(s)`, from gotmpl's port (with Go's `unicode.IsPrint` tables).
pub fn quote(s: &str) -> String {
    gotmpl::fmt::quote(s)
}

/// Go's `unicode.IsPrint` for the characters canon meets: not a control, format, separator (other
/// than ASCII space), surrogate or private-use character, nor a noncharacter.
pub fn is_print(c: char) -> bool {
    let v = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(v,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF
        | 0xFFFE | 0xFFFF | 0xFDD0..=0xFDEF | 0x323B0..=0xDFFFF | 0xE01F0..=0xEFFFF)
}
