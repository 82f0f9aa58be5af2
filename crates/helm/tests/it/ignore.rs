//! `helm::ignore` against the real helm binaries.
