//! `.helmignore` rules (helm's `pkg/ignore`), with helm's defaults.
//! (Skeleton: owned by the loader work.)
