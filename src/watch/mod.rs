//! Following bundles while acpx writes them (notify, debounced).
