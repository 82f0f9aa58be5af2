//! `helm::files` against the real helm binaries.
