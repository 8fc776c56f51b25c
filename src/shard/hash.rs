//! A stable content hash: 64-bit FNV-1a (Fowler–Noll–Vo, the offset basis and prime of
//! the published parameters). It tells a changed file from an unchanged one and a
//! damaged record from a whole one; it is not a defence against someone forging files.
//! `std`'s `DefaultHasher` is not used: its output may change between Rust releases.

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(OFFSET_BASIS, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// How a manifest writes a file's hash: `fnv1a64:` and 16 hex digits.
pub fn content_hash(bytes: &[u8]) -> String {
    format!("fnv1a64:{:016x}", fnv1a64(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_published_test_vectors() {
        // From the FNV reference test suite (Landon Curt Noll, fnv/test_fnv.c).
        assert_eq!(super::fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(super::content_hash(b"a"), "fnv1a64:af63dc4c8601ec8c");
    }
}
