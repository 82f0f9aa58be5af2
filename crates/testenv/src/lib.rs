//! Test support: locates the tools `scripts/testenv` builds (helm, helmfile, the Go oracle, the control plane binaries).
