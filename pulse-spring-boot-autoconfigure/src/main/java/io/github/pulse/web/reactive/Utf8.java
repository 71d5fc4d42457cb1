package io.github.pulse.web.reactive;

/**
 * Where a fragment of a UTF-8 message may be cut so that no character is split.
 */
final class Utf8 {

	private Utf8() {
	}

	/**
	 * The length of the longest prefix that ends on a character boundary: a multi-byte sequence that starts in the
	 * last three bytes and is not complete is left for the next fragment. Netty has validated the bytes.
	 * @param bytes the bytes, valid UTF-8 up to a possibly incomplete last sequence
	 * @return the length of the complete prefix
	 */
	static int completePrefix(byte[] bytes) {
		int end = bytes.length;
		for (int back = 1; back <= Math.min(3, end); back++) {
			int b = bytes[end - back] & 0xFF;
			if ((b & 0xC0) == 0x80) {
				continue;
			}
			int needed = (b >= 0xF0) ? 4 : (b >= 0xE0) ? 3 : (b >= 0xC0) ? 2 : 1;
			return (needed > back) ? end - back : end;
		}
		return end;
	}

}
