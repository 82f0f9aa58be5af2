//! `helm::capabilities` against the real helm binaries.
