//! Base64 VLQ encoding of source-map segments (decoding is the `sourcemap`
//! crate's).  Appends straight into a byte buffer: building a map from a
//! large line table writes millions of segments.

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends the VLQ encoding of `value` to `out`.
#[inline]
pub fn encode(value: i64, out: &mut Vec<u8>) {
    // Sign in the lowest bit; magnitudes up to 2^63 fit in a u64.
    let mut v: u64 = if value < 0 {
        (value.unsigned_abs() << 1) | 1
    } else {
        (value as u64) << 1
    };
    loop {
        let mut digit = (v & 0x1f) as usize;
        v >>= 5;
        if v != 0 {
            digit |= 0x20;
        }
        out.push(BASE64[digit]);
        if v == 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_sourcemap_crate() {
        for nums in [
            vec![0i64],
            vec![1, -1, 15, -16],
            vec![16, 1000, -1000, 123456789],
            vec![0x7fff_ffff, -0x7fff_ffff, 0x1_0000_0000],
        ] {
            let mut ours = Vec::new();
            for n in &nums {
                encode(*n, &mut ours);
            }
            let ours = String::from_utf8(ours).unwrap();
            let decoded = sourcemap::vlq::parse_vlq_segment(&ours).unwrap();
            assert_eq!(decoded, nums, "{ours}");
        }
        let mut s = Vec::new();
        encode(0, &mut s);
        encode(-1, &mut s);
        encode(16, &mut s);
        assert_eq!(s, b"ADgB");
    }
}
