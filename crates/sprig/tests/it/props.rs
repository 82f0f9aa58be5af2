//! Properties of Sprig's non-deterministic functions (their outputs cannot come from the oracle).
