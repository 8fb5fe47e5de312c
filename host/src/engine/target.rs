//! What `bootstrap compile` compiles for: the architecture it runs on, at a CPU baseline every
//! Lambda host of that architecture has, never the build machine's own CPU. A
//! `.cwasm` records the CPU features it was compiled with, and Wasmtime checks at load that the
//! host has each of them, so code compiled on a build machine with AVX-512 would be refused on a
//! Lambda host without it.
//!
//! The baselines, from what AWS documents ("Lambda instruction set architectures" and "Using
//! AVX2 vectorization in Lambda", which cargo-lambda follows with `target-cpu` haswell and
//! neoverse-n1):
//! - x86_64: Lambda supports AVX2, so Haswell's features: SSE3 to SSE4.2, POPCNT, CMPXCHG16B,
//!   AVX, AVX2, FMA, BMI1, BMI2, LZCNT. Not AVX-512, which Lambda does not promise.
//! - arm64: Graviton2, a Neoverse N1, Armv8.2: LSE atomics. Not pointer authentication (Armv8.3)
//!   nor the optional FP16 and dot product extensions, which Cranelift gains little from.

use std::fmt;

/// The instruction set architectures of Lambda functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// `x86_64`, at the Haswell baseline.
    X86_64,
    /// `arm64`, at the Graviton2 (Neoverse N1) baseline.
    Arm64,
}

impl Architecture {
    /// The architecture this `bootstrap` runs on, if Lambda runs functions on it.
    pub fn host() -> Option<Self> {
        match std::env::consts::ARCH {
            "x86_64" => Some(Self::X86_64),
            "aarch64" => Some(Self::Arm64),
            _ => None,
        }
    }

    /// The target triple Cranelift compiles for.
    pub(super) fn triple(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64-unknown-linux-gnu",
            Self::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// The Cranelift ISA flags of the baseline.
    pub(super) fn baseline_flags(self) -> &'static [&'static str] {
        match self {
            Self::X86_64 => &[
                "has_sse3",
                "has_ssse3",
                "has_sse41",
                "has_sse42",
                "has_popcnt",
                "has_cmpxchg16b",
                "has_avx",
                "has_avx2",
                "has_fma",
                "has_bmi1",
                "has_bmi2",
                "has_lzcnt",
            ],
            Self::Arm64 => &["has_lse"],
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "arm64",
        })
    }
}
