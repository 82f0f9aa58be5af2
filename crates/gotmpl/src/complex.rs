//! Go's `complex128` constants (`1+2i`, `3i`), which canon's value model has no variant for:
//! carried as a host object that prints, compares and names its type like Go's.

use crate::value::{Object, Value};

/// A `complex128` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Complex {
    pub re: f64,
    pub im: f64,
}

impl Object for Complex {
    fn type_name(&self) -> String {
        "complex128".into()
    }

    /// Go's `%v` of a complex: `(re+imi)` with `%g` parts and the imaginary sign always shown.
    fn display(&self) -> String {
        let g = |f: f64| crate::fmt::sprint(&[Value::float(f)]);
        let im = g(self.im);
        let sign = if im.starts_with('-') || im.starts_with('+') {
            ""
        } else {
            "+"
        };
        format!("({}{sign}{im}i)", g(self.re))
    }

    fn truth(&self) -> bool {
        self.re != 0.0 || self.im != 0.0
    }

    fn complex(&self) -> Option<(f64, f64)> {
        Some((self.re, self.im))
    }
}
