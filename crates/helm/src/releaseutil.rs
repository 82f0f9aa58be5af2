//! Manifest sorting and hooks (helm's `releaseutil`): split rendered files into documents,
//! separate hooks, order by install kind order.
//! (Skeleton: owned by the output work.)
