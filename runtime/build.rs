//! Builds the runtime's wasm blob (`WASM_BINARY`) when the `std` feature is on.

#[cfg(feature = "std")]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// Without `std` this crate is itself being compiled to wasm: nothing to build.
#[cfg(not(feature = "std"))]
fn main() {}
