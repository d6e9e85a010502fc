//! The little of CBOR (RFC 8949) Pagefind's index files use: unsigned and negative
//! integers, text and definite-length arrays, each head in its shortest form (as `minicbor`,
//! which Pagefind's WebAssembly decodes with, writes them).

/// Major types.
const UNSIGNED: u8 = 0;
const NEGATIVE: u8 = 1;
const TEXT: u8 = 3;
const ARRAY: u8 = 4;

#[inline]
fn head(out: &mut Vec<u8>, major: u8, value: u64) {
    // Most heads of the index: small numbers and short arrays, in one or two bytes.
    if value < 24 {
        out.push(major << 5 | value as u8);
    } else if value <= 0xFF {
        out.extend_from_slice(&[major << 5 | 24, value as u8]);
    } else {
        long_head(out, major, value);
    }
}

#[inline(never)]
fn long_head(out: &mut Vec<u8>, major: u8, value: u64) {
    let major = major << 5;
    match value {
        0..=23 => out.push(major | value as u8),
        24..=0xFF => out.extend_from_slice(&[major | 24, value as u8]),
        0x100..=0xFFFF => {
            out.push(major | 25);
            out.extend_from_slice(&(value as u16).to_be_bytes());
        }
        0x1_0000..=0xFFFF_FFFF => {
            out.push(major | 26);
            out.extend_from_slice(&(value as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

#[inline]
pub fn uint(out: &mut Vec<u8>, value: u64) {
    head(out, UNSIGNED, value);
}

#[inline]
pub fn int(out: &mut Vec<u8>, value: i64) {
    if value >= 0 {
        head(out, UNSIGNED, value as u64);
    } else {
        // -1 - n is written as n.
        head(out, NEGATIVE, (-1 - value) as u64);
    }
}

#[inline]
pub fn text(out: &mut Vec<u8>, value: &str) {
    head(out, TEXT, value.len() as u64);
    out.extend_from_slice(value.as_bytes());
}

#[inline]
pub fn array(out: &mut Vec<u8>, len: usize) {
    head(out, ARRAY, len as u64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_shortest() {
        let mut out = Vec::new();
        uint(&mut out, 23);
        uint(&mut out, 24);
        uint(&mut out, 256);
        uint(&mut out, 70_000);
        uint(&mut out, 1 << 40);
        assert_eq!(
            out,
            [
                0x17, 0x18, 24, 0x19, 1, 0, 0x1a, 0, 1, 0x11, 0x70, 0x1b, 0, 0, 1, 0, 0, 0, 0, 0
            ]
        );
        out.clear();
        int(&mut out, -1);
        int(&mut out, -25);
        int(&mut out, -500);
        text(&mut out, "é");
        array(&mut out, 3);
        assert_eq!(
            out,
            [0x20, 0x38, 24, 0x39, 0x01, 0xf3, 0x62, 0xc3, 0xa9, 0x83]
        );
    }
}
