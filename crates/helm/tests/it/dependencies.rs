//! Dependency processing: conditions, tags, aliases, import-values.
