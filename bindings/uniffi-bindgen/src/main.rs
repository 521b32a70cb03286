//! `uniffi-bindgen`: UniFFI's binding generator at the exact version the FFI
//! crate is built with (`cargo xtask bindings` runs it in library mode).

fn main() {
    uniffi::uniffi_bindgen_main()
}
