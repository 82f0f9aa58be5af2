//! Live differential test against the Go oracle.
