package io.github.pulse.core;

import java.nio.charset.StandardCharsets;

/**
 * The part of a numbered frame shared by all recipients: everything after {@code "seq":N}, encoded once per send
 * or broadcast, as text and as UTF-8. A body that starts with the {@code ref} of a request is a {@code reply}
 * frame's, any other a {@code message} frame's; the text alone says which, so it survives a hand-over between nodes.
 */
public final class EncodedBody {

	static final String REPLY_START = ",\"ref\":";

	private final String text;

	private final byte[] utf8;

	private final boolean reply;

	private EncodedBody(String text) {
		this.text = text;
		this.utf8 = text.getBytes(StandardCharsets.UTF_8);
		this.reply = text.startsWith(REPLY_START);
	}

	/**
	 * Whether this is the body of a {@code reply} frame rather than a {@code message} frame.
	 */
	boolean isReply() {
		return this.reply;
	}

	static EncodedBody of(String text) {
		return new EncodedBody(text);
	}

	/**
	 * The body as JSON text starting with a comma and ending with the closing brace of the frame.
	 * @return the text
	 */
	public String text() {
		return this.text;
	}

	/**
	 * Size of the body in UTF-8 bytes.
	 * @return the number of bytes
	 */
	public int bytes() {
		return this.utf8.length;
	}

	/**
	 * The body in UTF-8, shared: never modified.
	 */
	byte[] utf8() {
		return this.utf8;
	}

	@Override
	public String toString() {
		return this.text;
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
