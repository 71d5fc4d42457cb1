package io.github.pulse.core;

/**
 * The part of a message frame shared by all recipients: everything after {@code "seq":N}, encoded once per send
 * or broadcast.
 *
 * @param text JSON text starting with a comma and ending with the closing brace of the frame
 * @param bytes size of the text in UTF-8 bytes
 */
public record EncodedBody(String text, int bytes) {

	static EncodedBody of(String text) {
		return new EncodedBody(text, utf8Length(text));
	}

	/**
	 * Size of a text in UTF-8 bytes, without encoding it.
	 * @param text the text
	 * @return the number of bytes
	 */
	public static int utf8Length(CharSequence text) {
		int length = text.length();
		int bytes = length;
		for (int i = 0; i < length; i++) {
			char c = text.charAt(i);
			if (c >= 0x80) {
				if (c < 0x800) {
					bytes += 1;
				}
				else if (Character.isHighSurrogate(c)) {
					bytes += 2;
					i++;
				}
				else {
					bytes += 2;
				}
			}
		}
		return bytes;
	}

}
