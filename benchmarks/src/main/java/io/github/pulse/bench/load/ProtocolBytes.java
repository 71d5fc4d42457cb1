package io.github.pulse.bench.load;

import java.nio.charset.StandardCharsets;

/**
 * Byte helpers shared by the {@link WireProtocol} implementations.
 */
final class ProtocolBytes {

	private ProtocolBytes() {
	}

	static int indexOf(byte[] bytes, int offset, int length, byte[] pattern) {
		int last = offset + length - pattern.length;
		outer: for (int i = offset; i <= last; i++) {
			for (int j = 0; j < pattern.length; j++) {
				if (bytes[i + j] != pattern[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

	/**
	 * The decimal number right after the first {@code key} in the range.
	 * @return the number, or -1 when the key is absent or no digit follows it
	 */
	static long number(byte[] bytes, int offset, int length, byte[] key) {
		int at = indexOf(bytes, offset, length, key);
		return (at < 0) ? -1 : digits(bytes, at + key.length, offset + length);
	}

	/**
	 * The decimal number starting at {@code from}, read up to the first non-digit or {@code end}.
	 * @return the number, or -1 when {@code from} holds no digit
	 */
	static long digits(byte[] bytes, int from, int end) {
		long value = 0;
		int i = from;
		for (; i < end; i++) {
			int digit = bytes[i] - '0';
			if (digit < 0 || digit > 9) {
				break;
			}
			value = value * 10 + digit;
		}
		return (i > from) ? value : -1;
	}

	static boolean startsWith(byte[] bytes, int offset, int length, byte[] prefix) {
		if (length < prefix.length) {
			return false;
		}
		for (int i = 0; i < prefix.length; i++) {
			if (bytes[offset + i] != prefix[i]) {
				return false;
			}
		}
		return true;
	}

	static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

	static byte[] concat(byte[] first, byte[] second, byte[] third) {
		byte[] joined = new byte[first.length + second.length + third.length];
		System.arraycopy(first, 0, joined, 0, first.length);
		System.arraycopy(second, 0, joined, first.length, second.length);
		System.arraycopy(third, 0, joined, first.length + second.length, third.length);
		return joined;
	}

}
